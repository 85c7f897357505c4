# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""portsnoop --attach: the raw sys_enter/sys_exit tracepoints (the default
where the kernel loads programs for them, as here) give the records the
per-syscall ones give, from two programs instead of one per syscall.  Each
test names both attachments, so it holds whatever the default."""
import os
import subprocess

from lib import BUILD, PROGS, Skip, Tracer, brief, prog_names_of, spawn
from test_faults import check_dup2_self, check_reuse, traced
from test_portsnoop_modes import check_handoff, trace_mode
from test_portsnoop_node import check_against_strace, serve_one_request
from test_summary import single_loop, summary_json

RAW = "--attach=raw"
PER = "--attach=per-syscall"


def test_raw_syscalls_give_the_same_records_in_every_mode():
    for mode, args in (("lt", []), ("et", []), ("oneshot", []), ("lt", ["--io=none"]),
                       ("lt", ["--io=all"])):
        per_syscall, _ = trace_mode(mode, conns=2, msgs=2, args=[PER, *args])
        raw, _ = trace_mode(mode, conns=2, msgs=2, args=[RAW, *args])
        assert len(per_syscall) > 12, (mode, args, per_syscall)
        assert brief(raw) == brief(per_syscall), (mode, args)
        # Durations are measured from the raw entry as from the per-syscall one.
        assert all(r["duration_ns"] > 0 for r in raw if r["event"] == "io"), mode


def test_raw_syscalls_forget_registrations_on_dup_and_close_range():
    for case in ("reuse", "reuse-waited", "reuse-dup2", "reuse-dup3",
                 "reuse-close-range"):
        check_reuse(case, RAW)
        check_reuse(case, PER)
    check_dup2_self(RAW)
    check_dup2_self(PER)


def test_raw_syscalls_io_by_another_thread_is_in_the_waiters_window():
    check_handoff(RAW)
    check_handoff(PER)


def test_raw_syscalls_summaries_count_as_the_per_syscall_ones():
    keys = ("waits", "events", "handled", "unhandled", "spurious")
    for mode in ("busy", "spurious", "healthy"):
        per_syscall = single_loop(summary_json(mode, PER))
        raw = single_loop(summary_json(mode, RAW))
        assert {k: raw[k] for k in keys} == {k: per_syscall[k] for k in keys}, mode
        assert raw["events"] > 0, raw


def test_node_http_matches_strace_on_both():
    for attach in (RAW, PER):
        pid, recs, calls = serve_one_request(False, attach)
        check_against_strace(pid, recs, calls, False)


def test_each_attachment_loads_its_own_programs_and_the_default_is_raw():
    names = {}
    for key, args in (("raw", [RAW]), ("per", [PER]), ("default", [])):
        trace_mode("lt", args=args,
                   during=lambda t, key=key: names.update({key: prog_names_of(t.proc.pid)}))
    assert names["default"] == names["raw"], names
    assert {"raw_sys_enter", "raw_sys_exit"} <= names["raw"], names["raw"]
    assert not [n for n in names["raw"] if n.startswith(("io_", "exit_", "enter_"))], names["raw"]
    assert "exit_epoll_wait" in names["per"], names["per"]
    assert not [n for n in names["per"] if n.startswith("raw_")], names["per"]


def test_raw_syscalls_skip_32_bit_syscalls():
    """A 32-bit read (int $0x80) is number 3, x86-64's close: the raw programs
    skip it, as the per-syscall tracepoints do, and report no close."""
    raw = traced("compat", RAW, expect=(0, 77))
    if raw.code == 77:
        raise Skip("this kernel runs no 32-bit syscalls (ia32 emulation off)")
    per_syscall = traced("compat", PER)
    assert "ia32_read=1" in raw.stderr, raw.stderr
    assert brief(raw.records) == brief(per_syscall.records)
    assert [r["event"] for r in raw.records if r["event"] not in ("epoll_create", "epoll_ctl")] \
        == ["epoll_wait", "epoll_event"], raw.records


def test_where_tracing_programs_are_refused_the_default_is_per_syscall():
    """Where the kernel refuses BPF tracing programs (tp_btf), the default
    attaches one tracepoint per syscall, says so under -v, and gives the same
    records; --attach=raw fails.  This kernel takes them, so the refusal is
    injected (tests/shims/notracing.c)."""
    env = dict(os.environ, LD_PRELOAD=os.path.join(BUILD, "shims", "notracing.so"))
    names = set()
    fell_back, t = trace_mode("lt", conns=2, msgs=2, args=["-v"], env=env,
                              during=lambda t: names.update(prog_names_of(t.proc.pid)))
    per_syscall, _ = trace_mode("lt", conns=2, msgs=2, args=[PER])
    assert "refuses programs on the raw syscall tracepoints" in t.stderr, t.stderr[-2000:]
    assert "exit_epoll_wait" in names and not [n for n in names if n.startswith("raw_")], names
    assert len(per_syscall) > 12 and brief(fell_back) == brief(per_syscall)
    p = subprocess.run([os.path.join(BUILD, "portsnoop"), RAW, "-p", "1", "-d", "1"], env=env,
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 1 and "cannot load the BPF programs" in p.stderr, p


def test_raw_syscalls_trace_a_new_thread_on_a_bystanders_old_stack():
    """The raw programs remember, per CPU, where the registers (the top of
    the kernel stack) of the last task found not traced are, and stop its
    next calls there at once.  stackreuse hands kernel stacks on from a
    bystander's threads, each of which reads /dev/zero, to new threads of
    the target on the same CPU: each of the target's epoll_create1 calls is
    still reported."""
    rounds = 200
    p = spawn([os.path.join(PROGS, "stackreuse"), str(rounds)], stdin=subprocess.PIPE,
              stdout=subprocess.PIPE, text=True)
    target = int(p.stdout.readline())
    with Tracer("portsnoop", [RAW, "-p", str(target)]) as t:
        p.stdin.write("go\n")
        p.stdin.flush()
        assert p.wait(timeout=60) == 0
    assert t.code == 0, t.stderr
    created = [r for r in t.records if r["event"] == "epoll_create"]
    assert len(created) == rounds and {r["pid"] for r in created} == {target}, \
        (len(created), {r["pid"] for r in created})


def test_threads_beyond_the_states_kept_at_once_are_all_traced():
    """A thread's state has a slot among 16384, given back when it exits:
    threadchurn runs more threads than that, one after another, each with a
    wait returning one event and a read in its window.  Each is reported,
    its read in its own wait's window, and nothing is lost."""
    n = 17000
    for attach in (RAW, PER):
        t = Tracer("portsnoop", [attach, "--", os.path.join(PROGS, "threadchurn"), str(n)])
        t.start().wait(timeout=120)
        assert t.code == 0, t.stderr
        waits = {r["tid"]: r["wait_id"] for r in t.records
                 if r["event"] == "epoll_wait" and r["ret"] == 1}
        reads = {r["tid"]: r["wait_id"] for r in t.records
                 if r["event"] == "io" and r["syscall"] == "read"}
        lost = [r for r in t.records if r["event"] == "lost"]
        assert len(waits) == n and reads == waits and not lost, \
            (attach, len(waits), len(reads), lost)
