# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""The benchmark keeps working: `bench/run.sh --smoke` builds what it needs, runs
every workload under our tracers once, and prints a table for each.  No timing
is asserted: a smoke run is not a measurement (benchmarks are never timed tests)."""
import os
import re
import subprocess

from lib import ROOT, spawn

BENCH = os.path.join(ROOT, "build", "bench")

WORKLOADS = [
    "loop: ",
    "pingpong socketpair level-triggered, both threads pinned",
    "pingpong socketpair EPOLLONESHOT+MOD, both threads pinned",
    "pingpong TCP loopback level-triggered, both threads pinned",
    "pingpong TCP loopback EPOLLONESHOT+MOD, both threads pinned",
    "pingpong socketpair level-triggered, unpinned",
    "pingpong TCP loopback EPOLLONESHOT+MOD, unpinned",
    "bystander: ",
    "bystander-getppid: ",
    "redis: ",
]
CONDITIONS = ["untraced", "noop", "per-syscall noop", "floor", "exit-only floor",
              "per-syscall floor",
              "portsnoop", "portsnoop -j", "portsnoop -s", "portsnoop --attach=per-syscall",
              "socksnoop -e all -j", "strace", "perf trace", "bpftrace"]


def test_bench_smoke_prints_every_workload():
    p = subprocess.run([os.path.join(ROOT, "bench", "run.sh"), "--smoke"], cwd=ROOT,
                       capture_output=True, text=True, timeout=600)
    assert p.returncode == 0, f"exit {p.returncode}: {p.stderr[-2000:]}"
    out = p.stdout
    assert "## Targets" in out, out[-2000:]
    sections = re.split(r"^### ", out, flags=re.M)
    for title in WORKLOADS:
        body = next((s for s in sections if s.startswith(title)), None)
        assert body is not None, f"no table for '{title}':\n{out[-3000:]}"
        if "**n/a" in body:  # e.g. redis-server could not be installed
            continue
        rows = {line.split("|")[1].strip() for line in body.splitlines()
                if line.startswith("| ")}
        for cond in CONDITIONS:
            assert cond in rows, f"'{title}' has no row for {cond}:\n{body}"
        untraced = next(l for l in body.splitlines() if l.startswith("| untraced |"))
        assert "error" not in untraced, untraced
        for cond in ("portsnoop", "portsnoop --attach=per-syscall", "floor",
                     "exit-only floor", "per-syscall floor"):
            ours = next(l for l in body.splitlines() if l.startswith(f"| {cond} |"))
            assert "error" not in ours, ours
    assert "### Throughput" in out
    assert "### Start-up and memory" in out
    assert os.path.exists(os.path.join(ROOT, "bench", "out", "smoke.md"))


def sections(obj, kind="tracepoint"):
    out = subprocess.run(["readelf", "-SW", obj], capture_output=True, text=True,
                         check=True).stdout
    return set(re.findall(kind + r"/([\w/]+)", out))


def test_floor_and_noop_attach_what_portsnoop_attaches():
    """The floor is only a floor if it pays for the same tracepoints."""
    snippet = ('#include "tracepoints.h"\n'
               "#define P(n) BOTH n\n#define E(n) EXIT n\n#define O(c, n) OTHER c/n\n"
               "BENCH_SYSCALLS(P)\nBENCH_EXIT_ONLY(E)\nBENCH_OTHER(O)\n")
    pre = subprocess.run(["cc", "-E", "-P", "-I", os.path.join(ROOT, "bench"), "-"],
                         input=snippet, capture_output=True, text=True, check=True).stdout
    listed = set()
    for kind, name in re.findall(r"(BOTH|EXIT|OTHER) ([\w/]+)", pre):
        if kind == "OTHER":
            listed.add(name.replace(" ", ""))
            continue
        listed.add(f"syscalls/sys_exit_{name}")
        if kind == "BOTH":
            listed.add(f"syscalls/sys_enter_{name}")
    bpf = os.path.join(ROOT, "build", "bpf")
    ours = sections(os.path.join(bpf, "epoll.bpf.o"))
    assert listed == ours, f"only in tracepoints.h: {listed - ours}; only in portsnoop: {ours - listed}"
    # On the raw tracepoints, the floor tests the same list by number.  The
    # raw set's fork program (it keeps the bystander test exact) runs at
    # forks only, and no workload forks while it is timed.
    raw = sections(os.path.join(bpf, "epoll.bpf.o"), "tp_btf")
    assert raw == {"sys_enter", "sys_exit", "sched_process_fork"}, raw
    raw -= {"sched_process_fork"}
    assert sections(os.path.join(ROOT, "build", "bench", "floor.bpf.o"), "tp_btf") == raw
    assert sections(os.path.join(ROOT, "build", "bench", "rawnoop.bpf.o"), "raw_tp") == raw


def floor_records(flags, n):
    """Records the floor read while the workload ran `loop n` (n/20 more to warm up)."""
    w = spawn([os.path.join(BENCH, "workload")], stdin=subprocess.PIPE,
              stdout=subprocess.PIPE)
    f = spawn([os.path.join(BENCH, "floor"), *flags, "-p", str(w.pid)],
              stderr=subprocess.PIPE, text=True)
    assert "Tracing" in f.stderr.readline()
    w.stdin.write(b"loop %d\n" % n)
    w.stdin.flush()
    assert b'"workload":"loop"' in w.stdout.readline()
    w.stdin.close()
    w.wait(timeout=30)
    f.wait(timeout=30)
    return int(re.findall(r"floor: (\d+) records", f.stderr.read())[-1])


def test_floor_writes_a_record_per_hit_and_exit_only_one_per_call():
    """The issue's floor records every event (a call's entry and its exit); the
    exit-only floor one per call, as portsnoop does."""
    subprocess.run([os.path.join(ROOT, "bench", "run.sh"), "--build-only"], cwd=ROOT,
                   check=True, capture_output=True, timeout=600)
    n = 2000
    iters = n + n // 20
    for raw in ([], ["--raw"]):
        hits = floor_records(raw, n)
        calls = floor_records(raw + ["--exit-only"], n)
        # An iteration is 3 calls traced at both ends; around the iterations a
        # few more (the command's read, the report's write, the closes).
        assert 6 * iters <= hits < 6 * iters + 40, (raw, hits)
        assert 3 * iters <= calls < 3 * iters + 40, (raw, calls)
