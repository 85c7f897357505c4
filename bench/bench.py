#!/usr/bin/env python3
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""The benchmark driver (bench/run.sh builds what it needs, then runs this).

Measures our tracers and their peers side by side, in one run, on every
workload, and prints a Markdown report: a table per workload (median, spread,
ratio to untraced computed within each round, records lost), the throughput,
start-up and memory figures, and the target checklist.  See bench/README.md.

  bench/bench.py [--smoke] [--rounds N] [--series N] [--out FILE] [--only WORKLOAD,...]
"""
import argparse
import datetime
import json
import os
import platform
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.path.join(ROOT, "build")
BB = os.path.join(BUILD, "bench")
WORKLOAD = os.path.join(BB, "workload")
FLOOR = os.path.join(BB, "floor")
PORTSNOOP = os.path.join(BUILD, "portsnoop")
SOCKSNOOP = os.path.join(BUILD, "socksnoop")
PER = "portsnoop --attach=per-syscall"   # the condition's name
OUR_TOOLS = ("portsnoop", "socksnoop -e all -j")   # the start-up and memory targets


def syscall_list():
    """The syscalls portsnoop traces, from bench/tracepoints.h."""
    text = open(os.path.join(ROOT, "bench", "tracepoints.h")).read()
    names = []
    for macro in ("BENCH_SYSCALLS", "BENCH_EXIT_ONLY"):
        body = text.split(f"#define {macro}(X)", 1)[1].split("\n\n", 1)[0]
        names += re.findall(r"X\((\w+)\)", body)
    return names


SYSCALLS = syscall_list()


def find_perf():
    """Debian's perf may be /usr/bin/perf or /usr/bin/perf_X.Y; one that runs."""
    cands = [shutil.which("perf")] + sorted(
        (os.path.join("/usr/bin", f) for f in os.listdir("/usr/bin")
         if re.fullmatch(r"perf_\d+\.\d+", f)), reverse=True)
    for c in cands:
        if not c:
            continue
        try:
            p = subprocess.run([c, "trace", "-e", "getppid", "--", "true"],
                               capture_output=True, text=True, timeout=30)
        except (OSError, subprocess.TimeoutExpired):
            continue
        if p.returncode == 0:
            return c, None
        why = (p.stderr.strip().splitlines() or ["exit %d" % p.returncode])[-1]
    return None, ("perf trace does not run here: " + why) if cands[0] or len(cands) > 1 \
        else "perf is not installed"


def portsnoop_has_s():
    try:
        p = subprocess.run([PORTSNOOP, "-s", "1", "-d", "0.1"], capture_output=True,
                           timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return p.returncode == 0


# ---- conditions -------------------------------------------------------------

class Cond:
    """One way of tracing the workload's processes (pids known at start)."""

    def __init__(self, key, argv=None, ready="Tracing", out="null", scale=1,
                 peer=False, lost_re=None, records="none", ours=False, self_exit=True):
        self.key = key
        self.argv = argv            # fn(pids, outfile) -> argv; None = untraced
        self.ready = ready          # 'TEXT' on stderr, 'out:TEXT', or seconds to wait
        self.out = out              # 'null' or 'file' (stdout, unless argv has -o)
        self.scale = scale          # iterations divided by this (slow tracers)
        self.peer = peer            # skipped with --smoke
        self.lost_re = lost_re      # regex for lost counts in the output file
        self.records = records      # how records out are counted: lines|floor|none
        self.ours = ours            # has a 'drops' map: loss read from the kernel
        self.self_exit = self_exit  # ends by itself once its targets have exited
        self.na = None              # why not measured, if so


def make_conds(perf, perf_why, tmp):
    sc = ",".join(SYSCALLS)
    bt = os.path.join(tmp, "trace.bt")
    with open(bt, "w") as f:
        f.write('BEGIN { printf("Tracing\\n"); }\n')
        f.write(",\n".join("tracepoint:syscalls:sys_enter_" + s for s in SYSCALLS))
        f.write("\n/pid == $1 || pid == $2/ { @start[tid] = nsecs; }\n")
        f.write(",\n".join("tracepoint:syscalls:sys_exit_" + s for s in SYSCALLS))
        f.write('\n/pid == $1 || pid == $2/ {\n\tprintf("%d %d %s = %d (%d ns)\\n", '
                'pid, tid, probe, args->ret, nsecs - @start[tid]);\n'
                '\tdelete(@start[tid]);\n}\n')
        f.write("END { clear(@start); }\n")

    def plist(pids):
        return ",".join(map(str, pids))

    conds = [
        Cond("untraced"),
        # The references on portsnoop's own (raw) tracepoints, and on the
        # per-syscall ones (the per-syscall rows).
        Cond("noop", lambda p, o: [FLOOR, "--raw-noop", "-p", plist(p)], ours=True),
        Cond("per-syscall noop", lambda p, o: [FLOOR, "--noop", "-p", plist(p)], ours=True),
        Cond("floor", lambda p, o: [FLOOR, "--raw", "-p", plist(p)], records="floor",
             ours=True),
        # Stricter than the floor: a record per call, as portsnoop writes.
        Cond("exit-only floor", lambda p, o: [FLOOR, "--raw", "--exit-only", "-p", plist(p)],
             records="floor", ours=True),
        Cond("per-syscall floor", lambda p, o: [FLOOR, "-p", plist(p)], records="floor",
             ours=True),
        Cond("portsnoop", lambda p, o: [PORTSNOOP, "-p", plist(p)], ours=True),
        Cond("portsnoop -j", lambda p, o: [PORTSNOOP, "-j", "-p", plist(p), "-o", o],
             records="lines", ours=True),
        Cond("portsnoop -s", lambda p, o: [PORTSNOOP, "-s", "1", "-p", plist(p)], ours=True),
        Cond(PER, lambda p, o: [PORTSNOOP, "--attach=per-syscall", "-p", plist(p)], ours=True),
        Cond("socksnoop -e all -j",
             lambda p, o: [SOCKSNOOP, "-e", "all", "-j", "-p", plist(p), "-o", o],
             records="lines", ours=True),
        Cond("strace", lambda p, o: ["strace", "-f", "-e", "trace=" + sc, "-o", "/dev/null"] +
             [a for x in p for a in ("-p", str(x))],
             ready="attached", scale=20, peer=True),
        Cond("perf trace", lambda p, o: [perf, "trace", "-p", plist(p), "-e", sc, "-o", o],
             ready=1.0, scale=10, peer=True, records="lines", lost_re=rb"LOST (\d+) events"),
        Cond("bpftrace", lambda p, o: ["bpftrace", bt, str(p[0]), str(p[-1])],
             ready="out:Tracing", out="file", scale=2, peer=True, records="lines",
             self_exit=False, lost_re=rb"Lost (\d+) events"),
    ]
    by = {c.key: c for c in conds}
    if not portsnoop_has_s():
        by["portsnoop -s"].na = "n/a (not built)"
    if not perf:
        by["perf trace"].na = "n/a (%s)" % perf_why
    if not shutil.which("strace"):
        by["strace"].na = "n/a (strace not installed)"
    if not shutil.which("bpftrace"):
        by["bpftrace"].na = "n/a (bpftrace not installed)"
    return conds


# ---- workloads --------------------------------------------------------------

class Workload:
    def __init__(self, key, title, cmd, n, n_smoke, per_iter=None, unit="ns/iter",
                 kind="timed", note=""):
        self.key = key
        self.title = title
        self.cmd = cmd              # the workload command; {n} is the iterations
        self.n = n
        self.n_smoke = n_smoke
        self.per_iter = per_iter    # syscalls per iteration, for the added cost
        self.unit = unit
        self.kind = kind            # timed | bystander | redis
        self.note = note
        self.na = None


def make_workloads():
    w = [Workload("loop", "loop: write, epoll_wait(0), read on a socketpair",
                  "loop {n}", 30000, 3000, per_iter=3,
                  note="one thread, no context switch; every syscall is traced")]
    for sock in ("unix", "tcp"):
        for mode in ("lt", "oneshot"):
            w.append(Workload(
                "pingpong-%s-%s-pinned" % (sock, mode),
                "pingpong %s %s, both threads pinned to CPU 0" % (
                    "socketpair" if sock == "unix" else "TCP loopback",
                    "level-triggered" if mode == "lt" else "EPOLLONESHOT+MOD"),
                "pingpong {n} %s %s 0" % (sock, mode), 6000, 600,
                per_iter=6 if mode == "lt" else 8,
                note="one round trip per iteration: %d syscalls, 2 context switches" %
                     (6 if mode == "lt" else 8)))
    for sock, mode in (("unix", "lt"), ("tcp", "oneshot")):
        w.append(Workload(
            "pingpong-%s-%s" % (sock, mode),
            "pingpong %s %s, unpinned (2 CPUs)" % (
                "socketpair" if sock == "unix" else "TCP loopback",
                "level-triggered" if mode == "lt" else "EPOLLONESHOT+MOD"),
            "pingpong {n} %s %s" % (sock, mode), 3000, 300,
            per_iter=6 if mode == "lt" else 8,
            note="one round trip per iteration: %d syscalls, cross-CPU wake-ups" %
                 (6 if mode == "lt" else 8)))
    w.append(Workload("bystander", "bystander: an untraced process reading /dev/zero",
                      "read {n}", 200000, 20000, per_iter=1, kind="bystander",
                      note="the traced processes are idle; this one is not traced"))
    w.append(Workload("bystander-getppid",
                      "bystander-getppid: an untraced process calling getppid",
                      "getppid {n}", 200000, 20000, per_iter=1, kind="bystander",
                      note="a call no tracer here traces: what the raw syscall "
                           "tracepoints cost every other syscall; no target"))
    w.append(Workload("redis", "redis: redis-server driven by redis-benchmark (loopback)",
                      None, 30000, 2000, unit="req/s", kind="redis",
                      note="redis-benchmark -c 20 -t set,get, N requests each; requests "
                           "per second (all requests / all time); the server is traced"))
    return w


# ---- processes --------------------------------------------------------------

def read(path):
    try:
        with open(path, errors="replace") as f:
            return f.read()
    except OSError:
        return ""


def fd_targets(pid, kind):
    """(fd, fdinfo text) of a process's fds of an anon inode kind (bpf-map...)."""
    out = []
    try:
        fds = os.listdir("/proc/%d/fd" % pid)
    except OSError:
        return out
    for fd in fds:
        try:
            if os.readlink("/proc/%d/fd/%s" % (pid, fd)) != "anon_inode:" + kind:
                continue
        except OSError:
            continue
        out.append((fd, read("/proc/%d/fdinfo/%s" % (pid, fd))))
    return out


def proc_mem(pid):
    """Peak and current resident memory (KiB), and the BPF maps' memlock (KiB)."""
    st = read("/proc/%d/status" % pid)
    hwm = re.search(r"VmHWM:\s+(\d+)", st)
    rss = re.search(r"VmRSS:\s+(\d+)", st)
    maps = {}
    for _, info in fd_targets(pid, "bpf-map"):
        mid = re.search(r"map_id:\s+(\d+)", info)
        ml = re.search(r"memlock:\s+(\d+)", info)
        if mid and ml:
            maps[mid.group(1)] = int(ml.group(1))
    return {"hwm_kb": int(hwm.group(1)) if hwm else None,
            "rss_kb": int(rss.group(1)) if rss else None,
            "maps_kb": sum(maps.values()) // 1024 if maps else None,
            "nmaps": len(maps)}


def cpu_ns(pid):
    """CPU time of every thread of a process, in ns."""
    total = 0
    try:
        tids = os.listdir("/proc/%d/task" % pid)
    except OSError:
        return None
    for t in tids:
        f = read("/proc/%d/task/%s/schedstat" % (pid, t)).split()
        if f:
            total += int(f[0])
    return total


def bpftool_json(*args):
    p = subprocess.run(["bpftool", "-j", *args], capture_output=True, text=True)
    try:
        return json.loads(p.stdout)
    except ValueError:
        return None


TRACING_PROG_TYPES = {2, 5, 7, 17, 26}  # kprobe, tracepoint, perf_event, raw_tp, tracing


def foreign_tracers(ours):
    """Other processes tracing right now (BPF tracing programs, ptrace)."""
    found = set()
    for d in os.listdir("/proc"):
        if not d.isdigit() or int(d) in ours or int(d) == os.getpid():
            continue
        pid = int(d)
        st = read("/proc/%d/status" % pid)
        comm = (re.search(r"Name:\s+(\S+)", st) or [None, "?"])[1]
        tp = re.search(r"TracerPid:\s+(\d+)", st)
        if tp and tp.group(1) != "0" and int(tp.group(1)) not in ours:
            found.add("%s (ptraced)" % comm)
        for _, info in fd_targets(pid, "bpf-prog"):
            t = re.search(r"prog_type:\s+(\d+)", info)
            if t and int(t.group(1)) in TRACING_PROG_TYPES:
                cmd = read("/proc/%d/cmdline" % pid).replace("\0", " ").strip()
                found.add(re.sub(r"\d{3,}", "N", cmd[:48]) or comm)
                break
    return found


def stop(proc, wait_first):
    """End a tracer: let it end by itself, else SIGINT (twice), else SIGKILL."""
    if wait_first:
        try:
            proc.wait(timeout=wait_first)
            return
        except subprocess.TimeoutExpired:
            pass
    for sig, secs in ((signal.SIGINT, 10), (signal.SIGINT, 10), (signal.SIGKILL, 30)):
        if proc.poll() is not None:
            return
        try:
            proc.send_signal(sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=secs)
        except subprocess.TimeoutExpired:
            pass


class Tracer:
    """A tracer process, its output, and what it has lost and written so far."""

    def __init__(self, cond, pids, tmp, tag):
        self.cond = cond
        self.errpath = os.path.join(tmp, tag + ".err")
        self.outpath = os.path.join(tmp, tag + ".out")
        argv = cond.argv(pids, self.outpath)
        self.npids = len(pids)
        stdout = open(self.outpath, "w") if cond.out == "file" else subprocess.DEVNULL
        err = open(self.errpath, "w")
        self.t0 = time.monotonic()
        self.proc = subprocess.Popen(argv, stdout=stdout, stderr=err,
                                     stdin=subprocess.DEVNULL)
        if stdout is not subprocess.DEVNULL:
            stdout.close()
        err.close()
        self.pid = self.proc.pid
        self.pos = 0
        self.lines = 0
        self.file_lost = 0
        self.drops = []

    def wait_ready(self, timeout=60.0):
        """Seconds from exec to the ready sign (None: a fixed wait); raises if it died."""
        c = self.cond
        if isinstance(c.ready, float):
            end = self.t0 + c.ready
            while time.monotonic() < end:
                self.check_alive()
                time.sleep(0.01)
            ready = None
        else:
            where, _, text = c.ready.rpartition(":")
            path = self.outpath if where == "out" else self.errpath
            need = self.npids if text == "attached" else 1
            end = self.t0 + timeout
            while True:
                if read(path).count(text) >= need:
                    ready = time.monotonic() - self.t0
                    break
                self.check_alive()
                if time.monotonic() > end:
                    raise RuntimeError("not ready after %.0f s: %s" % (
                        timeout, read(self.errpath).strip()[-200:]))
                time.sleep(0.002)
        if c.ours:
            for _, info in fd_targets(self.pid, "bpf-map"):
                m = re.search(r"map_id:\s+(\d+)", info)
                if m:
                    j = bpftool_json("map", "show", "id", m.group(1))
                    if j and j.get("name") == "drops" and m.group(1) not in self.drops:
                        self.drops.append(m.group(1))
        return ready

    def check_alive(self):
        if self.proc.poll() is not None:
            raise RuntimeError("%s exited %d: %s" % (self.cond.key, self.proc.returncode,
                                                     read(self.errpath).strip()[-200:]))

    def scan_out(self):
        """Lines and loss reports written to the output file since the last scan."""
        if self.cond.records != "lines" and not self.cond.lost_re:
            return
        try:
            with open(self.outpath, "rb") as f:
                f.seek(self.pos)
                data = f.read()
        except OSError:
            return
        cut = data.rfind(b"\n") + 1
        data = data[:cut]
        self.pos += cut
        self.lines += data.count(b"\n")
        if self.cond.lost_re:
            self.file_lost += sum(int(x) for x in re.findall(self.cond.lost_re, data))

    def snapshot(self):
        self.scan_out()
        s = {"cpu_ns": cpu_ns(self.pid)}
        if self.drops:
            total = 0
            for mid in self.drops:
                j = bpftool_json("map", "dump", "id", mid) or []
                for e in j:
                    total += sum(v["value"] for v in e.get("formatted", {}).get("values", []))
            s["lost"] = total
        elif self.cond.lost_re:
            s["lost"] = self.file_lost
        elif self.cond.key == "strace":
            s["lost"] = 0   # strace stops the tracee: it cannot lose a call
        if self.cond.records == "lines":
            s["records"] = self.lines
        elif self.cond.records == "floor":
            m = re.findall(r"floor: (\d+) records", read(self.errpath))
            s["records"] = int(m[-1]) if m else 0
        return s

    def final_lost(self):
        """The loss the tracer itself reported at its end (None if it says none)."""
        text = read(self.errpath)
        m = re.search(r"(\d+) records lost in all", text) or \
            (re.findall(r"floor: \d+ records, (\d+) lost", text) or [None])[-1]
        if isinstance(m, str):
            return int(m)
        if m:
            return int(m.group(1))
        self.scan_out()
        return self.file_lost if self.cond.lost_re else 0


def snapshot_tools(tmp):
    """Copy the tools into tmp, so a rebuild during the run changes nothing;
    say what was copied."""
    global PORTSNOOP, SOCKSNOOP
    import hashlib
    said = []
    for name in ("portsnoop", "socksnoop"):
        src = os.path.join(BUILD, name)
        dst = os.path.join(tmp, name)
        shutil.copy2(src, dst)
        with open(dst, "rb") as f:
            h = hashlib.sha256(f.read()).hexdigest()[:12]
        said.append("%s sha256:%s built %s" % (name, h, time.strftime(
            "%H:%M", time.localtime(os.path.getmtime(src)))))
    PORTSNOOP = os.path.join(tmp, "portsnoop")
    SOCKSNOOP = os.path.join(tmp, "socksnoop")
    try:
        head = subprocess.run(["git", "-C", ROOT, "describe", "--always", "--dirty"],
                              capture_output=True, text=True).stdout.strip()
    except OSError:
        head = "?"
    return "tree %s; %s" % (head or "?", "; ".join(said))


class Bench:
    SETTLE = 0.15   # after each phase: one tracer poll (100 ms) and some

    def __init__(self, args):
        self.args = args
        self.smoke = args.smoke
        self.rounds = 1 if self.smoke else args.rounds
        self.tmp = tempfile.mkdtemp(prefix="psn-bench-", dir="/dev/shm"
                                    if os.path.isdir("/dev/shm") else None)
        self.tools = snapshot_tools(self.tmp)
        self.perf, self.perf_why = find_perf()
        self.conds = make_conds(self.perf, self.perf_why, self.tmp)
        if self.smoke:
            for c in self.conds:
                if c.peer and not c.na:
                    c.na = "skipped (--smoke)"
        self.workloads = make_workloads()
        self.only = args.only.split(",") if args.only else None
        if self.only:
            self.workloads = [w for w in self.workloads
                              if any(w.key.startswith(k) for k in self.only)]
        self.results = {}       # (workload, condition) -> [phase result per round]
        self.sessions = {}      # (condition, round) -> session result
        self.extra = {}         # throughput, profile
        self.foreign = set()
        self.ours = set()
        self.redis = None
        self.redis_port = None
        self.nsessions = 0
        self.exiting = []       # tracers left to end by themselves (smoke)
        self.profile_hook = None
        self.load0 = self.load1 = read("/proc/loadavg").split()[:3]
        self.previous = None
        if args.previous and os.path.exists(args.previous):
            try:
                with open(args.previous) as f:
                    self.previous = json.load(f).get("summary")
            except (OSError, ValueError):
                pass

    def n_for(self, w, cond):
        n = w.n_smoke if self.smoke else w.n
        if w.kind == "bystander":
            return n
        if w.kind == "redis":
            return max(100, n // min(cond.scale, 5))
        return max(1, n // cond.scale)

    # -- one session: a tracer on the workload process (and redis) ---------------

    def session(self, cond, rnd, phases, label=None, reps=None):
        """Run phases [(key, kind, command-or-None, n)] under one tracer session.
        Returns (session result, {key: phase result})."""
        tag = "%s-%d" % ((label or cond.key).replace(" ", "_"), rnd)
        self.reps = reps or (1 if self.smoke else self.args.reps)
        suite = start_workload()
        self.ours.add(suite.pid)
        pids = [suite.pid]
        if any(k == "redis" for _, k, _, _ in phases):
            pids.append(self.redis.pid)
        sres, pres = {}, {}
        tracer = None
        try:
            if cond.argv:
                tracer = Tracer(cond, pids, self.tmp, tag)
                self.ours.add(tracer.pid)
                sres["startup_s"] = tracer.wait_ready()
                prev = tracer.snapshot()
            self.foreign |= foreign_tracers(self.ours)
            for key, kind, cmd, n in phases:
                r = {"n": n}
                t0 = time.monotonic()
                try:
                    # The best of a few repetitions: what the calls cost, less
                    # what other processes on the machine took from us.
                    reps = [self.run_once(suite, kind, cmd, n)
                            for _ in range(1 if kind == "throughput" else self.reps)]
                    if kind == "redis":
                        r["value"] = max(reps)
                        r["reps"] = reps
                    else:
                        r["report"] = min(reps, key=lambda x: x["ns_per_iter"])
                        r["value"] = r["report"]["ns_per_iter"]
                        r["reps"] = [x["ns_per_iter"] for x in reps]
                    time.sleep(self.SETTLE)
                    if tracer:
                        tracer.check_alive()
                        snap = tracer.snapshot()
                        for k in ("lost", "records"):
                            if k in snap:
                                r[k] = snap[k] - prev.get(k, 0)
                        if snap["cpu_ns"] is not None and prev["cpu_ns"] is not None:
                            r["tracer_cpu"] = (snap["cpu_ns"] - prev["cpu_ns"]) / 1e9 / (
                                time.monotonic() - t0)
                        prev = snap
                    if self.profile_hook and tracer:
                        self.profile_hook(key, tracer, r)
                except (RuntimeError, ValueError, OSError, subprocess.TimeoutExpired) as e:
                    r["error"] = (str(e).strip() or repr(e)).splitlines()[-1][:200]
                    pres[key] = r
                    raise
                pres[key] = r
            if tracer:
                sres.update(proc_mem(tracer.pid))
        except (RuntimeError, ValueError, OSError, subprocess.TimeoutExpired) as e:
            sres["error"] = (str(e).strip() or repr(e)).splitlines()[-1][:200]
        finally:
            end_workload(suite)
            if tracer and self.smoke:
                # A smoke run is no measurement: let the tracer detach (seconds
                # of kernel work) while the next session runs; reap it at close.
                if tracer.proc.poll() is None:
                    tracer.proc.send_signal(signal.SIGINT)
                self.exiting.append(tracer.proc)
            elif tracer:
                t1 = time.monotonic()
                stop(tracer.proc, 20 if cond.self_exit and len(pids) == 1 else 0)
                sres["exit_s"] = time.monotonic() - t1
                sres["exit"] = tracer.proc.returncode
                final = tracer.final_lost()
                counted = sum(r.get("lost") or 0 for r in pres.values())
                sres["lost_late"] = max(0, (final or 0) - counted)
                for ext in (".err", ".out"):
                    try:
                        os.unlink(os.path.join(self.tmp, tag + ext))
                    except OSError:
                        pass
        self.nsessions += 1
        return sres, pres

    def run_once(self, suite, kind, cmd, n):
        """One run of a phase's workload: requests/s for redis, else its report."""
        if kind == "redis":
            return self.redis_bench(n)
        if kind == "bystander":
            p = subprocess.run([WORKLOAD] + cmd.format(n=n).split(), capture_output=True,
                               text=True, timeout=600)
            if p.returncode:
                raise RuntimeError("bystander: " + p.stderr.strip())
            return json.loads(p.stdout)
        suite.stdin.write((cmd.format(n=n) + "\n").encode())
        suite.stdin.flush()
        line = suite.stdout.readline()
        if not line:
            raise RuntimeError("workload: " + suite.stderr.read().decode()[-200:])
        return json.loads(line)

    # -- redis ------------------------------------------------------------------

    def redis_start(self):
        if not shutil.which("redis-server") or not shutil.which("redis-benchmark"):
            return "n/a (redis-server/redis-tools not installed)"
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        self.redis_port = s.getsockname()[1]
        s.close()
        self.redis = subprocess.Popen(
            ["redis-server", "--port", str(self.redis_port), "--bind", "127.0.0.1",
             "--save", "", "--appendonly", "no", "--protected-mode", "no",
             "--dir", self.tmp], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.ours.add(self.redis.pid)
        end = time.monotonic() + 20
        while time.monotonic() < end:
            try:
                with socket.create_connection(("127.0.0.1", self.redis_port), 0.5) as c:
                    c.sendall(b"PING\r\n")
                    if c.recv(16).startswith(b"+PONG"):
                        return None
            except OSError:
                time.sleep(0.05)
        return "n/a (redis-server did not start)"

    def redis_bench(self, n):
        p = subprocess.run(["redis-benchmark", "-h", "127.0.0.1", "-p", str(self.redis_port),
                            "-n", str(n), "-c", "20", "-t", "set,get", "--csv", "-q"],
                           capture_output=True, text=True, timeout=600)
        rps = [float(m) for m in re.findall(r'^"(?:SET|GET)","([\d.]+)"', p.stdout, re.M)]
        if p.returncode or len(rps) != 2:
            raise RuntimeError("redis-benchmark: " + (p.stderr or p.stdout).strip()[-200:])
        return len(rps) / sum(1 / r for r in rps)

    # -- the rounds -------------------------------------------------------------

    def phases_for(self, cond):
        return [(w.key, w.kind, w.cmd, self.n_for(w, cond))
                for w in self.workloads if not w.na]

    def run_rounds(self):
        live = [c for c in self.conds if not c.na]
        for w in self.workloads:
            if w.kind == "redis":
                w.na = self.redis_start()
        for rnd in range(self.rounds):
            # Rotate the order each round: no condition always comes first.
            k = rnd % len(live)
            for c in live[k:] + live[:k]:
                if not any(not w.na for w in self.workloads):
                    break
                sres, pres = self.session(c, rnd, self.phases_for(c))
                self.sessions[(c.key, rnd)] = sres
                for key, r in pres.items():
                    self.results.setdefault((key, c.key), [None] * self.rounds)[rnd] = r
                self.progress(rnd, c, sres, pres)
            self.throughput_round(rnd)

    def progress(self, rnd, c, sres, pres):
        parts = []
        for w in self.workloads:
            r = pres.get(w.key)
            if r and r.get("value") is not None:
                parts.append("%s %.0f" % (w.key.replace("pingpong-", "pp-"), r["value"]))
        msg = "  [round %d/%d] %-20s %s" % (rnd + 1, self.rounds, c.key, " ".join(parts))
        if sres.get("error"):
            msg += "  ERROR: " + sres["error"]
        if sres.get("exit_s") is not None:
            msg += "  (exit %.1f s)" % sres["exit_s"]
        print(msg, file=sys.stderr, flush=True)

    # -- the series: many short sessions for the targets judged near a line ------

    SERIES = {"loop": ("untraced", "floor", "exit-only floor", "portsnoop"),
              "bystander": ("untraced", "noop", "portsnoop", "bpftrace"),
              "redis": ("untraced", "noop", "floor", "exit-only floor", "portsnoop",
                        "portsnoop -s")}

    def run_series(self):
        """Sessions of only the conditions a close target compares, one workload
        each, the order rotating, --series rounds.  Here a workload alone moves
        by 30-50% from one second to the next: five rounds cannot tell 1.4×
        from 1.6×, dozens narrow it (the report gives a 90% interval)."""
        rounds = 2 if self.smoke else self.args.series
        for w in self.workloads:
            if w.key not in self.SERIES or w.na or not rounds:
                continue
            conds = [c for c in self.conds if c.key in self.SERIES[w.key] and not c.na]
            runs = {c.key: [] for c in conds}
            n = w.n_smoke if self.smoke else w.n
            for rnd in range(rounds):
                k = rnd % len(conds)
                for c in conds[k:] + conds[:k]:
                    _, pres = self.session(c, rnd, [(w.key, w.kind, w.cmd, n)],
                                           label="series-" + c.key,
                                           reps=1 if w.kind == "redis" else None)
                    runs[c.key].append((pres.get(w.key) or {}).get("value"))
                print("  [series %d/%d] %s %s" % (rnd + 1, rounds, w.key, " ".join(
                    "%s %s" % (ck, fmt(v[-1])) for ck, v in runs.items())),
                    file=sys.stderr, flush=True)
            self.extra[("series", w.key)] = runs

    # -- throughput: can portsnoop -j keep up? ----------------------------------

    K = 30  # events per wait: portsnoop's -n default, so every event is printed

    def throughput_round(self, rnd):
        if self.only and "throughput" not in self.only:
            return
        secs = 0.3 if self.smoke else 1.5
        lpw = self.K + 1
        ladder = [("1M/s paced", 1050000), ("2M/s paced", 2000000), ("unpaced", 0)]
        modes = [("portsnoop -j", ["-j"], ladder),
                 ("portsnoop", [], [ladder[0], ladder[2]])]
        if self.smoke:
            modes = [("portsnoop -j", ["-j"], ladder[:1])]
        for mname, flags, rungs in modes:
            cond = Cond(mname, lambda p, o, flags=flags: [PORTSNOOP, *flags, "-p",
                                                          str(p[0]), "-o", "/dev/null"],
                        ours=True)
            phases = []
            for label, rate in rungs:
                waits = int((rate or 2000000) * secs / lpw)
                cmd = "burst %d %d" % (self.K, waits) + (" %d" % (rate // lpw) if rate else "")
                phases.append((label, "throughput", cmd, waits))
            sres, pres = self.session(cond, rnd, phases, label="tp-" + mname)
            for label, _ in rungs:
                r = pres.get(label, {"error": sres.get("error", "not run")})
                if "report" in r:
                    r["ring_per_s"] = r["report"]["waits_per_sec"]
                    r["offered"] = r["ring_per_s"] * lpw
                r["hwm_kb"] = sres.get("hwm_kb")
                self.extra.setdefault(("throughput", label, mname), []).append(r)
            print("  [round %d/%d] throughput %-13s %s%s" % (
                rnd + 1, self.rounds, mname, " ".join(
                    "%s: %.2fM/s %s lost" % (l, pres[l]["offered"] / 1e6, pres[l].get("lost"))
                    for l, _ in rungs if l in pres and "offered" in pres[l]),
                "  ERROR: " + sres["error"] if sres.get("error") else ""),
                file=sys.stderr, flush=True)

    # -- where the time goes: BPF run time per program (full run only) --------

    def profile(self):
        with bpf_stats() as err:
            if err:
                self.extra["profile_error"] = err
                return
            self.profile_sessions()
            self.side_by_side()

    def profile_sessions(self):
        """Per program, portsnoop and the floor each in a session of its own."""
        phases = [("loop", "timed", "loop {n}", 60000),
                  ("pingpong-tcp-oneshot-pinned", "timed", "pingpong {n} tcp oneshot 0",
                   12000),
                  ("burst %d at 1M/s" % self.K, "timed",
                   "burst %d {n} %d" % (self.K, 1000000 // (self.K + 1)), 48000)]
        for ckey in ("portsnoop", "floor"):
            c = next(x for x in self.conds if x.key == ckey)
            prev = {}

            def hook(key, tracer, r, ckey=ckey, prev=prev):
                now = prog_stats(tracer.pid)
                delta = {name: (cnt - prev.get(name, (0, 0))[0],
                                t - prev.get(name, (0, 0))[1])
                         for name, (cnt, t) in now.items()}
                prev.clear()
                prev.update(now)
                self.extra[("profile", key, ckey)] = {
                    "run": r, "progs": {k: v for k, v in delta.items() if v[0] > 0}}
            self.profile_hook = hook
            self.session(c, 99, phases, label="profile-" + ckey, reps=1)
            self.profile_hook = None

    SIDE = ("noop", "floor", "exit-only floor", "portsnoop")

    def side_by_side(self, n=100000):
        """BPF run time per loop iteration of the no-op programs, the floors and
        portsnoop attached to one workload at once: all see the same calls at
        the same moments, so what the host takes from them moves them alike,
        where separate sessions differ by more than the margins judged.  The
        first attached runs first and pays for cold caches: the rounds take
        the orders of attach_orders() in turn."""
        conds = [next(x for x in self.conds if x.key == k) for k in self.SIDE]
        per_iter = {k: [] for k in self.SIDE}
        for rnd, order in enumerate(attach_orders(conds)):
            suite = start_workload()
            tracers = []
            try:
                for c in order:
                    tracers.append(Tracer(c, [suite.pid], self.tmp, "side-%s-%d" % (
                        c.key, rnd)))
                    tracers[-1].wait_ready()
                before = [bpf_ns(t.pid) for t in tracers]
                iters = self.run_once(suite, "timed", "loop {n}", n)["iters"]
                for t, b0 in zip(tracers, before):
                    per_iter[t.cond.key].append((bpf_ns(t.pid) - b0) / iters)
            except (RuntimeError, ValueError, OSError, subprocess.TimeoutExpired) as e:
                self.extra["side_error"] = (str(e).strip() or repr(e)).splitlines()[-1][:200]
                return
            finally:
                end_workload(suite)
                for t in tracers:
                    stop(t.proc, 0)
        self.extra["side"] = per_iter

    def close(self):
        for p in self.exiting:
            stop(p, 20)
        if self.redis and self.redis.poll() is None:
            self.redis.terminate()
            try:
                self.redis.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.redis.kill()
        shutil.rmtree(self.tmp, ignore_errors=True)


def attach_orders(items):
    """Orders that put each item in each place equally often: the rotations
    of items and of items reversed (for three, every order)."""
    out = []
    for seq in (list(items), list(reversed(items))):
        out += [seq[i:] + seq[:i] for i in range(len(seq))]
    return out


def start_workload():
    """The workload process, taking commands on stdin, reporting on stdout."""
    return subprocess.Popen([WORKLOAD], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)


def end_workload(suite):
    """Close its commands and reap it; killed if it has not ended in 30 s."""
    try:
        suite.stdin.close()
        suite.wait(timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        suite.kill()
        suite.wait()


class bpf_stats:
    """kernel.bpf_stats_enabled on while in the block; as value, why not (or None)."""
    PATH = "/proc/sys/kernel/bpf_stats_enabled"

    def __enter__(self):
        try:
            self.old = read(self.PATH).strip() or "0"
            with open(self.PATH, "w") as f:
                f.write("1")
        except OSError as e:
            self.old = None
            return str(e)
        return None

    def __exit__(self, *exc):
        if self.old is not None:
            with open(self.PATH, "w") as f:
                f.write(self.old)


def bpf_ns(pid):
    """BPF run time so far of all the programs a process holds."""
    return sum(t for _, t in prog_stats(pid).values())


def prog_stats(pid):
    """name -> (run_cnt, run_time_ns) of the BPF programs a process holds."""
    out = {}
    for _, info in fd_targets(pid, "bpf-prog"):
        m = re.search(r"prog_id:\s+(\d+)", info)
        if not m:
            continue
        j = bpftool_json("prog", "show", "id", m.group(1))
        if j and j.get("name"):
            # Names are cut at 15 bytes (enter_epoll_pwa[it2]): add them up.
            cnt, t = out.get(j["name"], (0, 0))
            out[j["name"]] = (cnt + j.get("run_cnt", 0), t + j.get("run_time_ns", 0))
    return out



# Why a target is missed and what would close it: the diagnosis from the BPF
# profile (bench.py's last section) and src/bpf/epoll.bpf.c.  Printed under
# "Misses" for each target the run missed.
WHY = {
    "loop-floor": (
        "The floor writes a 64-byte record at every hit of a traced call's entry or "
        "exit, as the issue defines it (6 per loop iteration); the exit-only floor one "
        "per call, at exit (3), as portsnoop writes one per call (2 here: the wait's and "
        "the read's; the write's fd has no window). Measured side by side (the "
        "per-syscall programs, each over the no-op's run on the same call): the "
        "exit-only floor's entries cost ~22 ns (the target test) and its exits ~165 (a "
        "record: reserve, timestamp, submit). portsnoop's wait entry ~175 (a timestamp "
        "for `duration_ns`, the thread's state), its wait exit ~620 (the returned "
        "events read from user memory ~150, the record ~130, a timestamp ~80, the "
        "event's fd and window ~65, the thread's state and last-wait slot), the read's "
        "entry ~185 (a timestamp, the window test) and exit ~230 (its record), the "
        "write's ~50 and ~70 (the window test: its fd has none). Per iteration that is "
        "4 timestamps to the exit-only floor's 3 and one user-memory read, for one "
        "record less. "
        "A timestamp costs ~80 ns here: `bpf_ktime_get_ns` reaches the TSC through an "
        "indirect call (retpolines) and every return goes through SRSO's safe-RET "
        "thunk. What was removed: entry programs for calls whose arguments the exit "
        "reads from the saved registers, the LRU `pending` and `last_wait` maps, "
        "element re-inserts (rewritten in place), the byte-wise comm copy, a second "
        "target test, a user-memory read per event (one per wait), the window hash "
        "lookups of -p processes (an array for fds below 1024), all but one "
        "`bpf_get_current_task_btf` call per program, the exit's state lookup for I/O "
        "on fds that never had a window, and the task-storage lookups of the thread's "
        "state (an array slot, through a per-CPU memo of the last thread).",
        "Timestamps: a cheaper clock would take ~60 ns off each of the 4 per "
        "iteration; a kfunc reading the TSC directly (posted to the BPF list as "
        "`bpf_get_cpu_time_counter`) is not in this 6.18 kernel. The user-memory read "
        "is what tells which fds the wait returned. The attachment moves the ratio, not "
        "portsnoop's own work: on the raw syscall tracepoints (the default) the dispatch "
        "costs the floor and portsnoop less, so the same per-call work above the "
        "floor's is a larger share of portsnoop's cost; the per-syscall rows in the "
        "measured column show the ratio on the dearer tracepoints (`portsnoop "
        "--attach=per-syscall` over the per-syscall floor)."),
    "loop-strace": ("strace stops the tracee twice per call (ptrace).", "—"),
    "loop-bpftrace": ("bpftrace formats every event in user space and wakes its reader "
                      "per event.", "—"),
    "accounting": (
        "portsnoop -j wrote a different number of records than the loop made calls "
        "while reporting no loss: a bug to chase (tests/integration/test_reliability.py "
        "checks the same accounting).", "Compare the output with the calls made."),
    "pingpong": (
        "Both threads share CPU 0, so every BPF cycle is on the round trip's critical "
        "path: 6 (8 with MOD) traced calls per round trip, each with the loop's per-call "
        "costs; with MOD also `epoll_ctl`'s record and its window close — see "
        "`added ns/syscall` against the floor's. The socketpair round trip is the "
        "shortest, so the same cost is the largest ratio there.",
        "The loop's remaining per-call work (above)."),
    "bystander": (
        "Every syscall of every process on the machine runs portsnoop's two raw "
        "programs: a table lookup of the syscall number, then for the calls portsnoop "
        "traces one compare with the pt_regs address each CPU remembers of the last "
        "task found not traced (no helper call: on this CPU every return goes through "
        "SRSO's safe-RET thunk); after each context switch a bystander's first such "
        "call also pays the full test (`bpf_get_current_task_btf`, the tgid against "
        "the -p pids). The no-op programs return at once. With -C the remembering is "
        "off (a live task's comm can change), so each call pays the full test.",
        "Little is left above the no-op's price: the number test and the compare."),
    "bystander-bpftrace": (
        "What a bystander pays is mostly the price of syscall tracepoints being enabled "
        "at all: the `noop` row (programs that return at once) — the syscall slow path, "
        "the tracepoint, the BPF dispatch, twice per call. bpftrace pays it on the "
        "per-syscall tracepoints (with a perf record built before its program runs), "
        "portsnoop on the raw ones; no total can be far below the price of being "
        "attached, which is most of bpftrace's here: the verdict's line gives the "
        "no-op programs' own distance from bpftrace, measured in the same rounds, and "
        "a tracer that must see each read's entry (its start time) and its exit can "
        "run no less than they do.",
        "Nothing on the tracer's side beyond the raw tracepoints (the "
        "bystander-getppid table shows what they cost other calls): where the no-op "
        "itself sits at 2×, the line is the kernel's price of two program runs per "
        "call on this CPU (SRSO's safe RET on every return), not portsnoop's work."),
    "redis": (
        "Compare the floor and the no-op programs in the measured column: what a "
        "minimal tracer, and merely being attached, cost redis here. redis-server and "
        "redis-benchmark each keep one of the 2 CPUs busy, so whatever the tracer costs "
        "comes out of redis' throughput: the syscall tracepoints' slow path for both "
        "processes (the `noop` row: programs that return at once, on the same "
        "tracepoints), the per-call BPF work in redis' own syscalls (a wait returning "
        "several events, a read and a write per request, each in a window), and the "
        "tracer's own CPU time (`tracer CPU`) competing for the 2 CPUs. Measured "
        "apart (bpf_stats, 50,000 requests of each test, 2026-12-02): the two raw "
        "programs ran ~10 times a request over both processes, for 1.0 µs of BPF a "
        "request as no-ops, 2.0 µs as the exit-only floor, 2.8 µs as portsnoop and "
        "2.8 µs as portsnoop -s (the per-call work, no records), against ~40 µs of "
        "CPU a request untraced. The reader is not it: a floor whose 256 MiB ring "
        "was never read (no wake-ups) cost redis what the floor that was read cost "
        "(94.9% and 94.4% of untraced, 25 paired rounds). So compare portsnoop -s "
        "with portsnoop in the series: what the records cost beyond the per-call "
        "work; and the no-op in the series: the price of being attached at all. "
        "Four paired series of 10-12 rounds of 100,000 requests each (2026-12-03, "
        "minutes apart) put the no-op at 88.9%, 96.6%, 86.4%, 90.6% and portsnoop at "
        "88.7%, 93.5%, 88.8%, 95.1%: portsnoop within a few points of the no-op, "
        "either side, while the no-op itself moved by 10 points with the host.",
        "Fewer records per request: a window's I/O records could go out as one record "
        "with the thread's next wait (which closes the window), ~1.7 of the 2.3, given "
        "a flush for a thread that stops waiting, so that the 2 ms time order holds. "
        "Compare the exit-only floor (one record per call, as portsnoop) in the series: "
        "what a record per call costs redis with no per-call work beyond it. Where the "
        "no-op is at the line, no tracer on these tracepoints is far above it: the "
        "rest is the kernel's (the syscall slow path and BPF dispatch in "
        "redis-benchmark, a bystander here, which with SRSO's safe RET costs more "
        "per call than the program)."),
    "throughput": (
        "At the offered rate, the reader could not drain the ring buffer in time, or "
        "the traced thread could not produce the rate (each event costs a `regs` "
        "lookup and a `windows` update in the kernel).",
        "A larger ring buffer (--ringbuf-size) and the per-event map work above; the "
        "writer already builds each line in memory without printf."),
    "startup": (
        "Each tool loads one BPF object (with the raw syscall tracepoints portsnoop has 9 "
        "programs, socksnoop 6; about 45 with the per-syscall ones). Measured alone here, "
        "portsnoop's ~47 ms from exec to `Tracing` go to libbpf parsing the kernel's BTF "
        "(~10 ms), its CO-RE relocation of 21 kernel types (~0.6 ms each: it scans the "
        "whole kernel BTF per type), creating 20 maps (~6 ms) and the verifier (~17 ms, "
        "most of it the sys_exit program); seeding from /proc/PID/fdinfo takes ~2 ms. "
        "A start-up within a run of the bench takes longer than alone (the floor's too).",
        "Fewer relocated types (the user ABI's epoll_event and sockaddr_un need none); "
        "fewer verifier states in the sys_exit program (its per-event work is already in "
        "global functions, verified once)."),
    "rss": ("The ring buffer is mapped into the reader (4 MiB by default, its pages "
            "count once touched) and libbpf keeps the BTF and the skeletons' object "
            "data.", "A smaller default ring buffer; free the BTF after load "
            "(bpf_object__btf is kept for nothing once attached)."),
}

# ---- the report -------------------------------------------------------------

def signed(v):
    return "%+.0f" % v if v is not None else "?"


def med(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def interval(xs, n=2000):
    """The median of xs and a 90% bootstrap interval around it (xs resampled
    with a fixed seed: a report is reproducible from its runs)."""
    rng = random.Random(1)
    boots = sorted(statistics.median(rng.choices(xs, k=len(xs))) for _ in range(n))
    return statistics.median(xs), boots[n // 20], boots[n - 1 - n // 20]


def paired_ratios(u, a, b=None):
    """Round by round, from each condition's value per round (None: none):
    a over untraced (u), or with b the added costs' ratio (a - u) / (b - u),
    where b added something.  Rounds missing a value are left out."""
    out = []
    for row in zip(u, a, b) if b is not None else zip(u, a):
        if None in row:
            continue
        if b is None:
            out.append(row[1] / row[0])
        elif row[2] > row[0]:
            out.append((row[1] - row[0]) / (row[2] - row[0]))
    return out


def over_line(r, hi, line):
    """The gap column of a ratio that must stay at most line."""
    if r > line:
        return "%.0f%% over the %.1f× line" % (100 * (r / line - 1), line)
    if hi is not None and hi > line:
        return "its 90%% interval reaches %.2f×" % hi
    return ""


def under_line(r, lo, line):
    """The gap column of a ratio that must stay at least line."""
    if r < line:
        return "%.0f%% short of the %.1f× line" % (100 * (1 - r / line), line)
    if lo is not None and lo < line:
        return "its 90%% interval reaches down to %.2f×" % lo
    return ""


def fmt(v, unit=""):
    if v is None:
        return "—"
    if isinstance(v, int) or (isinstance(v, float) and v.is_integer() and abs(v) >= 10):
        return "{:,}".format(int(v))
    if unit == "req/s" or abs(v) >= 1000:
        return "{:,.0f}".format(v)
    if abs(v) >= 100:
        return "%.0f" % v
    return "%.1f" % v


class Report:
    def __init__(self, bench):
        self.b = bench
        self.lines = []
        self.checks = []

    def p(self, s=""):
        self.lines.append(s)

    def runs(self, wkey, ckey):
        return [r for r in self.b.results.get((wkey, ckey), []) if r]

    def ok_runs(self, wkey, ckey):
        return [r for r in self.runs(wkey, ckey) if "error" not in r and
                r.get("value") is not None]

    def per_round(self, wkey, ckey, fn):
        """fn(run, untraced run of the same round) for every round with both."""
        a = self.b.results.get((wkey, ckey), [])
        u = self.b.results.get((wkey, "untraced"), [])
        out = []
        for r, base in zip(a, u):
            if r and base and "error" not in r and "error" not in base and \
                    r.get("value") is not None and base.get("value") is not None:
                out.append(fn(r, base))
        return out

    def added(self, w, ckey):
        """Median over rounds of the added ns per syscall (None if unknown)."""
        if not w.per_iter:
            return None
        return med(self.per_round(w.key, ckey,
                                  lambda r, u: (r["value"] - u["value"]) / w.per_iter))

    def ratio(self, wkey, ckey):
        return med(self.per_round(wkey, ckey, lambda r, u: r["value"] / u["value"]))

    def series_ratios(self, wkey, a, b=None):
        """paired_ratios over the series' rounds."""
        runs = self.b.extra.get(("series", wkey)) or {}
        return paired_ratios(*(runs.get(k) or [] for k in ("untraced", a, b) if k))

    def round_values(self, wkey, ckey):
        """The condition's value in each round, None where it has none."""
        return [r["value"] if r and "error" not in r else None
                for r in self.b.results.get((wkey, ckey), [])]

    def judged(self, wkey, rounds, a, b=None):
        """A close target's ratio (as series_ratios): (value, low, high, how)
        from the series, its median and 90% interval, else from the rounds'
        ratios, their median, with no interval."""
        ser = self.series_ratios(wkey, a, b)
        if len(ser) > 1:
            r, lo, hi = interval(ser)
            return r, lo, hi, "median of %d series rounds, 90%% interval %.2f–%.2f" % (
                len(ser), lo, hi)
        return med(rounds), None, None, None

    def series_section(self):
        series = [(w, self.b.extra[("series", w.key)]) for w in self.b.workloads
                  if ("series", w.key) in self.b.extra]
        if not series:
            return
        self.p("### The series: the targets near their line, judged")
        self.p()
        self.p("After the rounds, sessions of only the conditions the loop, bystander and "
               "redis targets compare (bystander: bpftrace too, for its second target), "
               "one workload each (the fastest of %d runs; redis: one run), "
               "the order rotating each round. A target's verdict is the median over "
               "these rounds of its ratio, computed within each round; its 90%% interval "
               "comes from resampling the rounds (bootstrap)." % (
                   1 if self.b.smoke else self.b.args.reps))
        self.p()
        for w, runs in series:
            self.p("**%s** (%s, %s rounds)" % (w.key, w.unit, len(runs.get("untraced", []))))
            self.p()
            self.p("| condition | median | spread (min–max) | × untraced (median, 90% interval) |")
            self.p("|---|---|---|---|")
            for ck, vals in runs.items():
                ok = [v for v in vals if v is not None]
                rs = self.series_ratios(w.key, ck) if ck != "untraced" else []
                self.p("| %s | %s | %s | %s |" % (
                    ck, fmt(med(ok), w.unit),
                    "%s–%s" % (fmt(min(ok), w.unit), fmt(max(ok), w.unit)) if ok else "—",
                    "%.2f (%.2f–%.2f)" % interval(rs) if len(rs) > 1 else "—"))
            self.p()

    def table(self, w):
        self.p("### %s" % w.title)
        self.p()
        n = w.n_smoke if self.b.smoke else w.n
        what = {"redis": "requests per second (higher is better)",
                "bystander": "ns per call of the untraced process (lower is better)"}.get(
            w.kind, "ns per iteration (lower is better)")
        scaled = {"timed": " (strace N/20, perf trace N/10, bpftrace N/2)",
                  "redis": " (strace and perf trace N/5, bpftrace N/2)"}.get(w.kind, "")
        reps = 1 if self.b.smoke else self.b.args.reps
        self.p("%s. N = %s%s; %s%s." % (
            w.note[0].upper() + w.note[1:], "{:,}".format(n), scaled, what,
            "; each session's number is the %s of %d runs" % (
                "best" if w.kind == "redis" else "fastest", reps)
            if reps > 1 else ""))
        self.p()
        if w.na:
            self.p("**%s**" % w.na)
            self.p()
            return
        hdr = ["condition", "median", "spread (min–max)", "× untraced"]
        if w.per_iter:
            hdr.append("added ns/syscall" if w.kind != "bystander" else "added ns/call")
        hdr += ["lost", "records out", "tracer CPU"]
        self.p("| " + " | ".join(hdr) + " |")
        self.p("|" + "|".join("---" for _ in hdr) + "|")
        for c in self.b.conds:
            if c.na:
                self.p("| %s | %s |%s" % (c.key, c.na, " |" * (len(hdr) - 2)))
                continue
            runs = self.runs(w.key, c.key)
            ok = self.ok_runs(w.key, c.key)
            errs = [r["error"] for r in runs if "error" in r]
            errs += [s["error"] for (ck, _), s in self.b.sessions.items()
                     if ck == c.key and s.get("error") and not runs]
            if not ok:
                self.p("| %s | error: %s |%s" % (c.key, (errs or ["no run"])[0].replace("|", "/"),
                                                 " |" * (len(hdr) - 2)))
                continue
            vals = [r["value"] for r in ok]
            row = [c.key, fmt(med(vals), w.unit),
                   "%s–%s" % (fmt(min(vals), w.unit), fmt(max(vals), w.unit))]
            rt = self.ratio(w.key, c.key)
            row.append("—" if c.key == "untraced" or rt is None else "%.2f" % rt)
            if w.per_iter:
                a = self.added(w, c.key)
                row.append("—" if c.key == "untraced" or a is None else "%.0f" % a)
            lost = [r.get("lost") for r in ok if r.get("lost") is not None]
            row.append("{:,}".format(sum(lost)) if lost else "—")
            recs = [r.get("records") for r in ok if r.get("records") is not None]
            row.append(fmt(med(recs)) if recs else "—")
            cpu = [r.get("tracer_cpu") for r in ok if r.get("tracer_cpu") is not None]
            row.append("%.0f%%" % (100 * med(cpu)) if cpu else "—")
            if errs:
                row[0] += " (%d failed: %s)" % (len(errs), errs[0][:60].replace("|", "/"))
            self.p("| " + " | ".join(row) + " |")
        self.p()

    # -- targets ----------------------------------------------------------------

    NOISY = 0.25

    def untraced_spread(self, wkey):
        """max/min - 1 of the untraced runs over the rounds, or None."""
        vals = [r["value"] for r in self.ok_runs(wkey, "untraced")]
        return max(vals) / min(vals) - 1 if len(vals) > 1 and min(vals) > 0 else None

    def check(self, what, ok, measured, gap="", why=None):
        st = "n/a" if ok is None else "PASS" if ok else "MISS"
        # A verdict stands as measured; the reader is told when the machine
        # moved more between rounds than the margins being judged.
        spread = self.untraced_spread(what.split(":")[0])
        if ok is not None and spread is not None and spread > self.NOISY:
            gap = (gap + "; " if gap else "") + (
                "noisy: the untraced runs spread %.0f%% over the rounds" % (100 * spread))
        self.checks.append((st, what, measured, gap, why))

    def targets(self):
        W = {w.key: w for w in self.b.workloads if not w.na}
        live = {c.key for c in self.b.conds if not c.na}

        def rr(w, a, b):
            """Median over rounds of added(a)/added(b) on workload w."""
            return med(round_ratios(w, a, b))

        def round_ratios(w, a, b):
            """added(a)/added(b) on workload w, round by round."""
            return paired_ratios(*(self.round_values(w.key, k) for k in ("untraced", a, b)))

        if "loop" in W:
            w = W["loop"]
            ps, fl = self.added(w, "portsnoop"), self.added(w, "floor")
            xs = round_ratios(w, "portsnoop", "floor")
            r, lo, hi, how = self.judged("loop", xs, "portsnoop", "floor")
            if r is not None:
                # The medians of the added costs, and their ratio, are shown too.
                xo = self.series_ratios("loop", "portsnoop", "exit-only floor")
                xo = "%.2f× (series)" % med(xo) if xo else \
                    "%s (rounds)" % fmt(rr(w, "portsnoop", "exit-only floor"))
                self.check("loop: portsnoop's added cost per traced syscall ≤ 1.5× the floor's",
                           r <= 1.5, "%.2f× (%sthe %d rounds: %s, median %s); "
                           "medians %.0f vs %.0f ns/syscall (%.2f×); against the "
                           "exit-only floor (a record per call, as portsnoop) %s; "
                           "noop %s; per-syscall: %s %s, floor %s, noop %s" % (
                               r, how + "; " if how else "", len(xs),
                               ", ".join("%.2f" % x for x in xs),
                               fmt(med(xs)), ps, fl, ps / fl, xo,
                               signed(self.added(w, "noop")), PER,
                               signed(self.added(w, PER)),
                               signed(self.added(w, "per-syscall floor")),
                               signed(self.added(w, "per-syscall noop"))),
                           over_line(r, hi, 1.5), why="loop-floor")
            for peer, need in (("strace", 20), ("bpftrace", 1)):
                if peer not in live:
                    self.check("loop: portsnoop vs %s" % peer, None, "not measured")
                    continue
                r = rr(w, peer, "portsnoop")
                pa = self.added(w, peer)
                if r is None:
                    self.check("loop: portsnoop vs %s" % peer, None, "no data")
                elif peer == "strace":
                    self.check("loop: portsnoop's added cost ≥ 20× below strace's", r >= 20,
                               "%.1f× below (strace +%.0f ns/syscall)" % (r, pa),
                               "" if r >= 20 else "portsnoop would need ≤ %.0f ns/syscall" %
                               (pa / 20), why="loop-strace")
                else:
                    self.check("loop: portsnoop's added cost below bpftrace's", r > 1,
                               "%.2f× below (bpftrace +%.0f ns/syscall)" % (r, pa), why="loop-bpftrace")
        if "loop" in W and "portsnoop -j" in live:
            # Per iteration: the wait, its event, the read in its window; and the
            # epoll_create1, the epoll_ctl, and the close of the read end (in its window).
            bad = []
            for r in self.ok_runs("loop", "portsnoop -j"):
                it = r["report"]["iters"]
                want = (3 * (it + it // 20) + 3) * len(r.get("reps") or [1])
                if r.get("lost") == 0 and r.get("records") != want:
                    bad.append("%s of %s" % (r.get("records"), want))
            n = len(self.ok_runs("loop", "portsnoop -j"))
            self.check("loop: portsnoop -j wrote every record (3 per iteration, + 3 per run)",
                       not bad if n else None,
                       "%d of %d sessions exact" % (n - len(bad), n),
                       "; ".join(bad[:3]), why="accounting")
        for key, w in W.items():
            if not (key.startswith("pingpong") and key.endswith("pinned")):
                continue
            fl = self.ratio(key, "floor")
            xo = self.ratio(key, "exit-only floor")
            for ck in ("portsnoop", "portsnoop -j"):
                rt = self.ratio(key, ck)
                lost = sum(r.get("lost") or 0 for r in self.ok_runs(key, ck))
                if rt is None:
                    continue
                ok = rt <= 1.7 and lost == 0
                self.check("%s: %s ≤ ×1.7 of untraced, no loss" % (key, ck), ok,
                           "×%.2f, %d lost (floor ×%s, exit-only floor ×%s)" % (
                               rt, lost, "%.2f" % fl if fl else "?",
                               "%.2f" % xo if xo else "?"),
                           "" if ok else ("%.*f%% over" % (1 if rt < 1.87 else 0,
                                                          (rt / 1.7 - 1) * 100)
                                          if rt > 1.7 else "") +
                           (" %d records lost" % lost if lost else ""), why="pingpong")
        if "bystander" in W:
            w = W["bystander"]
            rounds = round_ratios(w, "portsnoop", "noop")
            r, lo, hi, how = self.judged("bystander", rounds, "portsnoop", "noop")
            ps, no = self.added(w, "portsnoop"), self.added(w, "noop")
            if r is not None:
                self.check("bystander: ≤ 1.2× the cost of programs that return at once",
                           r <= 1.2, "%.2f× (%sthe rounds: %s, +%.0f vs +%.0f ns per read)" % (
                               r, how + "; " if how else "", fmt(med(rounds)), ps, no),
                           over_line(r, hi, 1.2), why="bystander")
            else:
                self.check("bystander: ≤ 1.2× the cost of programs that return at once",
                           None, "noop's cost not above noise (%s ns)" % (
                               "%+.0f" % no if no is not None else "?"))
            if "bpftrace" in live:
                rounds = round_ratios(w, "bpftrace", "portsnoop")
                r, lo, hi, how = self.judged("bystander", rounds, "bpftrace", "portsnoop")
                bp = self.added(w, "bpftrace")
                if r is not None:
                    above = ""
                    if no is not None and bp is not None and ps is not None and ps > no:
                        above = "; above the no-op programs' +%.0f: portsnoop +%.0f, " \
                                "bpftrace +%.0f (%.1f× below)" % (no, ps - no, bp - no,
                                                                 (bp - no) / (ps - no))
                    nr, nlo, nhi, _ = self.judged("bystander", [], "bpftrace", "noop")
                    if nr is not None and nlo is not None:
                        above += "; the no-op programs themselves %.2f× below bpftrace " \
                                 "(90%% interval %.2f–%.2f)" % (nr, nlo, nhi)
                    per = rr(w, "bpftrace", PER)
                    if per is not None:
                        above += "; %s +%.0f (%.1f× below bpftrace)" % (
                            PER, self.added(w, PER), per)
                    self.check("bystander: far below bpftrace's (≥ 2× below)", r >= 2,
                               "%.1f× below (%sthe rounds: %s; bpftrace +%.0f ns per read)%s" % (
                                   r, how + "; " if how else "", fmt(med(rounds)), bp, above),
                               under_line(r, lo, 2), why="bystander-bpftrace")
        if "redis" in W:
            rounds = self.ratio("redis", "portsnoop")
            rt, lo, hi, how = self.judged("redis", [rounds] if rounds else [], "portsnoop")
            if rt is not None:
                other = ", ".join("%s %.0f%%" % (ck, 100 * x) for ck, x in
                                  (("floor", self.ratio("redis", "floor")),
                                   ("noop", self.ratio("redis", "noop")),
                                   (PER, self.ratio("redis", PER)),
                                   ("per-syscall floor", self.ratio("redis", "per-syscall floor")),
                                   ("per-syscall noop", self.ratio("redis", "per-syscall noop")))
                                  if x is not None)
                for fk in ("noop", "floor", "exit-only floor", "portsnoop -s"):
                    sfl = self.series_ratios("redis", fk)
                    if how and sfl:
                        how += ", %s %.1f%%" % (fk, 100 * med(sfl))
                noop = med(self.series_ratios("redis", "noop"))
                noop_short = ("; so are the no-op programs (%.1f%%)" % (100 * noop)
                              if noop is not None and noop < 0.9 else "")
                self.check("redis: throughput traced by portsnoop ≥ 90% of untraced",
                           rt >= 0.9, "%.1f%% (%sthe rounds: %s%s)" % (
                               rt * 100, how + "; " if how else "",
                               "%.1f%%" % (100 * rounds) if rounds else "?",
                               ", " + other if other else ""),
                           "%.1f points short%s" % ((0.9 - rt) * 100, noop_short)
                           if rt < 0.9
                           else "its 90%% interval reaches down to %.2f" % lo
                           if lo is not None and lo < 0.9 else "", why="redis")
        # Kept up at >= 1M/s: some rung whose median offered rate is >= 1M records/s
        # lost nothing in any round.
        rungs = []
        for k, runs in self.b.extra.items():
            if isinstance(k, tuple) and k[0] == "throughput" and k[2] == "portsnoop -j":
                ok_runs = [r for r in runs if "error" not in r and "offered" in r]
                if ok_runs:
                    rungs.append((k[1], med([r["offered"] for r in ok_runs]),
                                  sum(r.get("lost") or 0 for r in ok_runs), len(ok_runs)))
        if rungs:
            clean = [r for r in rungs if r[2] == 0]
            best = max(clean, key=lambda r: r[1]) if clean else None
            ok = bool(best and best[1] >= 1e6)
            self.check("throughput: portsnoop -j to /dev/null keeps up with ≥ 1M "
                       "records/s without loss", ok,
                       "; ".join("%s: %.2fM/s offered, %s lost" % (l, o / 1e6, "{:,}".format(n))
                                 for l, o, n, _ in rungs),
                       "" if ok else ("lossless only up to %.2fM/s" % (best[1] / 1e6)
                                      if best else "every rate lost records"),
                       why="throughput")
        ours = [(k, self.startup(k)) for k in OUR_TOOLS]
        ours = [(k, st) for k, st in ours if st is not None]
        if ours:
            bt = self.startup("bpftrace")
            worst = max(st for _, st in ours)
            self.check("start-up: exec to the Tracing line < 150 ms (each of our tools)",
                       worst < 0.150,
                       "%s (bpftrace %s)" % (", ".join("%s %.0f ms" % (k.split()[0], st * 1000)
                                                      for k, st in ours),
                                             "%.0f ms" % (bt * 1000) if bt else "n/a"),
                       "" if worst < 0.150 else "%.0f ms over" % ((worst - 0.150) * 1000),
                       why="startup")
        mems = [(k, self.memory(k)) for k in OUR_TOOLS]
        mems = [(k, m) for k, m in mems if m]
        if mems:
            hwm = max(m["hwm_kb"] for _, m in mems) / 1024
            self.check("resident memory < 16 MB (peak VmHWM over every run, each of our tools)",
                       hwm < 16, ", ".join("%s %.1f MB" % (k.split()[0], m["hwm_kb"] / 1024)
                                           for k, m in mems),
                       "" if hwm < 16 else "%.1f MB over" % (hwm - 16), why="rss")
            self.check("BPF maps' memory reported", True,
                       ", ".join("%s %.1f MB memlock in %d maps" % (
                           k.split()[0], m["maps_kb"] / 1024, m["nmaps"]) for k, m in mems))

    def sess(self, ckey):
        return [v for (c, _), v in self.b.sessions.items() if c == ckey]

    def startup(self, ckey):
        return med([v.get("startup_s") for v in self.sess(ckey)])

    def memory(self, ckey):
        allruns = self.sess(ckey)
        allruns += [r for k, runs in self.b.extra.items()
                    if isinstance(k, tuple) and k[0] == "throughput" and k[2] == ckey
                    for r in runs]
        hwm = [r["hwm_kb"] for r in allruns if r.get("hwm_kb")]
        if not hwm:
            return None
        return {"hwm_kb": max(hwm),
                "maps_kb": max(r.get("maps_kb") or 0 for r in allruns),
                "nmaps": max(r.get("nmaps") or 0 for r in allruns)}

    # -- sections ---------------------------------------------------------------

    def overhead_sections(self):
        self.p("### Start-up and memory")
        self.p()
        self.p("Start-up: from exec to the tracer's ready line (`Tracing`; strace: "
               "`attached`; bpftrace: its BEGIN line), median over every session. Memory: "
               "the tracer's peak resident set (VmHWM) at the end of each session, the largest, and the memlock "
               "of the BPF maps it holds (from /proc/PID/fdinfo, as `bpftool map show` "
               "reports `bytes_memlock`).")
        self.p()
        self.p("| tracer | start-up | peak RSS | BPF maps (memlock) | exit | lost after "
               "the last phase |")
        self.p("|---|---|---|---|---|---|")
        for c in self.b.conds:
            if not c.argv:
                continue
            if c.na:
                self.p("| %s | %s | | | | |" % (c.key, c.na))
                continue
            st = self.startup(c.key)
            mem = self.memory(c.key)
            ex = med([v.get("exit_s") for v in self.sess(c.key)])
            late = sum(v.get("lost_late") or 0 for v in self.sess(c.key))
            self.p("| %s | %s | %s | %s | %s | %s |" % (
                c.key,
                "%.0f ms" % (st * 1000) if st is not None else
                ("n/a (no ready line; waits %.1f s)" % c.ready
                 if isinstance(c.ready, float) else "—"),
                "%.1f MB" % (mem["hwm_kb"] / 1024) if mem else "—",
                "%.1f MB in %d maps" % (mem["maps_kb"] / 1024, mem["nmaps"])
                if mem and mem.get("nmaps") else "—",
                "%.1f s" % ex if ex is not None else "—", late))
        self.p()
        self.p("`exit`: from the end of the workload (or SIGINT) to the tracer's exit, "
               "median; mostly the kernel detaching its tracepoint programs. Not part of "
               "any timing above.")
        self.p()

    def throughput_section(self):
        keys = [k for k in self.b.extra if isinstance(k, tuple) and k[0] == "throughput"]
        if not keys:
            return
        self.p("### Throughput: portsnoop to /dev/null")
        self.p()
        self.p("`workload burst %d`: each epoll_wait(0) returns %d events (%d fds always "
               "readable), so each wait is one ring-buffer record and %d output records "
               "(the wait and its events: lines, JSON objects). Paced phases spin between "
               "waits to offer a fixed rate; `unpaced` offers what one traced thread can. "
               "`lost` is read from the kernel's drop counter after each phase; "
               "`tracer CPU` is portsnoop's CPU time over the phase's wall time."
               % (self.b.K, self.b.K, self.b.K, self.b.K + 1))
        self.p()
        self.p("| offered | tracer | records/s offered (median, min–max) | ring records/s | "
               "lost (ring records, all rounds) | tracer CPU | peak RSS |")
        self.p("|---|---|---|---|---|---|---|")
        for k in keys:
            runs = [r for r in self.b.extra[k] if "error" not in r and "offered" in r]
            errs = [r["error"] for r in self.b.extra[k] if "error" in r]
            if not runs:
                self.p("| %s | %s | error: %s | | | | |" % (k[1], k[2],
                                                          (errs or ["?"])[0][:80]))
                continue
            off = [r["offered"] for r in runs]
            cpu = [r.get("tracer_cpu") for r in runs if r.get("tracer_cpu") is not None]
            self.p("| %s | %s | %.2fM (%.2f–%.2fM) | %s | %s | %s | %.1f MB |" % (
                k[1], k[2], med(off) / 1e6, min(off) / 1e6, max(off) / 1e6,
                fmt(med([r["ring_per_s"] for r in runs])),
                "{:,}".format(sum(r.get("lost", 0) or 0 for r in runs)),
                "%.0f%%" % (100 * med(cpu)) if cpu else "—",
                max(r.get("hwm_kb") or 0 for r in runs) / 1024))
        self.p()

    def profile_section(self):
        keys = [k for k in self.b.extra if isinstance(k, tuple) and k[0] == "profile"]
        if not keys:
            return
        self.p("### Where portsnoop's time goes (BPF run time per program)")
        self.p()
        if self.side_line():
            self.p(self.side_line())
            self.p()
        self.p("One extra run each with `kernel.bpf_stats_enabled=1` (not part of the "
               "timed rounds; stats add ~20 ns per program run). Run time inside the BPF "
               "programs only: the tracepoint dispatch and the syscall slow path come "
               "on top (the `noop` rows above show those). The programs run for every "
               "process on the machine, so `runs` also counts other processes' calls, "
               "dropped at the first test (the no-op programs in the side-by-side "
               "line show what a run costs here, stats included).")
        self.p()
        for k in keys:
            d = self.b.extra[k]
            progs = d["progs"]
            tot = sum(t for _, t in progs.values())
            it = (d["run"].get("report") or {}).get("iters")
            self.p("**%s under %s** (%s iterations, and 5%% more to warm up)%s:" % (
                k[1], k[2], fmt(it) if it else "?",
                "" if "error" not in d["run"] else " error: " + d["run"]["error"]))
            self.p()
            self.p("| program | runs | avg ns/run | share |")
            self.p("|---|---|---|---|")
            for name, (cnt, t) in sorted(progs.items(), key=lambda x: -x[1][1])[:12]:
                self.p("| %s | %s | %.0f | %.0f%% |" % (name, fmt(cnt), t / cnt,
                                                       100 * t / tot if tot else 0))
            self.p()

    def side_line(self):
        """The side-by-side BPF run times in one sentence, if measured."""
        side = self.b.extra.get("side")
        if not side:
            err = self.b.extra.get("side_error")
            return "Side by side: error: " + err if err else None
        # Each round's own differences, then their mean: every order is taken
        # once, so what the first attached pays falls to each alike.
        mean = {k: statistics.mean(v) for k, v in side.items()}
        above = {k: statistics.mean(x - n for x, n in zip(side[k], side["noop"]))
                 for k in ("portsnoop", "floor", "exit-only floor")}
        return ("Side by side (BPF run time per loop iteration, bpf_stats, the no-op "
                "programs, both floors and portsnoop attached to the loop at once, %d "
                "rounds, each attaching first in turn, mean): portsnoop %.0f ns, floor "
                "%.0f, exit-only floor %.0f, no-op %.0f; above the no-op portsnoop %.0f, "
                "the floor %.0f (%.2f×) and the exit-only floor %.0f (%.2f×)." % (
                    len(side["noop"]), mean["portsnoop"], mean["floor"],
                    mean["exit-only floor"], mean["noop"], above["portsnoop"],
                    above["floor"], above["portsnoop"] / above["floor"],
                    above["exit-only floor"],
                    above["portsnoop"] / above["exit-only floor"]))

    def profile_line(self, wkey):
        """The profile of a workload in one sentence, if there is one."""
        if not wkey:
            return None
        parts = []
        for ck in ("portsnoop", "floor"):
            k = next((k for k in self.b.extra if isinstance(k, tuple) and
                      k[0] == "profile" and k[1].startswith(wkey) and k[2] == ck), None)
            d = self.b.extra.get(k)
            if not d or not d["progs"]:
                return None
            it = (d["run"].get("report") or {}).get("iters")
            if not it:
                return None
            runs = it * 1.05
            tot = sum(t for _, t in d["progs"].values())
            top = sorted(d["progs"].items(), key=lambda x: -x[1][1])[:4 if ck == "portsnoop" else 0]
            parts.append("%s %.0f ns per iteration%s" % (
                ck, tot / runs, (" (" + ", ".join("%s %.0f ns" % (n, t / c)
                                                  for n, (c, t) in top) + " per run)")
                if top else ""))
        return "Profile (BPF run time per iteration, bpf_stats): " + "; ".join(parts) + "."

    def summary(self):
        """Per workload and condition: median value and ratio; and the checks."""
        out = {}
        for w in self.b.workloads:
            for c in self.b.conds:
                ok = self.ok_runs(w.key, c.key)
                if ok:
                    out.setdefault(w.key, {})[c.key] = {
                        "median": med([r["value"] for r in ok]),
                        "ratio": self.ratio(w.key, c.key)}
        return {"workloads": out, "checks": [c[:4] for c in self.checks]}

    def noise_section(self):
        b = self.b
        self.p("## Noise")
        self.p()
        self.p("- load average before and after: %s → %s (2 CPUs)" % (" ".join(b.load0),
                                                                   " ".join(b.load1)))
        self.p("- other tracers seen during the run: %s" % (
            "; ".join(sorted(b.foreign)) if b.foreign else "none"))
        if b.foreign:
            self.p("  While another tracer has the syscall tracepoints enabled, every "
                   "syscall on the machine takes the slow path, `untraced` included: "
                   "that hides part of what being attached costs (the `noop` rows), and "
                   "their records and CPU add to the spread.")
        spreads = [(w.key, self.untraced_spread(w.key)) for w in b.workloads]
        spreads = ["%s %.0f%%" % (k, 100 * v) for k, v in spreads if v is not None]
        if spreads:
            self.p("- spread of the untraced runs over the rounds (max/min − 1): " +
                   ", ".join(spreads))
        prev = b.previous
        if prev:
            self.p("- the previous full run (%s), for comparison — median ratio to "
                   "untraced, this run / previous:" % prev.get("date", "?"))
            self.p()
            self.p("| workload | untraced (this / prev) | portsnoop | floor | noop |")
            self.p("|---|---|---|---|---|")
            cur = self.summary()["workloads"]
            for w in b.workloads:
                a, p = cur.get(w.key, {}), prev.get("workloads", {}).get(w.key, {})

                def pair(ck, field, a=a, p=p, unit=w.unit):
                    x = (a.get(ck) or {}).get(field)
                    y = (p.get(ck) or {}).get(field)
                    f = (lambda v: fmt(v, unit)) if field == "median" else \
                        (lambda v: "%.2f" % v if v is not None else "—")
                    return "%s / %s" % (f(x), f(y))
                self.p("| %s | %s | %s | %s | %s |" % (
                    w.key, pair("untraced", "median"), pair("portsnoop", "ratio"),
                    pair("floor", "ratio"), pair("noop", "ratio")))
            pc = {c[1]: c[0] for c in prev.get("checks", [])}
            flips = ["%s (%s → %s)" % (what, pc[what], st)
                     for st, what, _, _, _ in self.checks if what in pc and pc[what] != st]
            self.p()
            self.p("- targets whose verdict differs from the previous run: %s" % (
                "; ".join(flips) if flips else "none"))
        self.p()

    def render(self, started, elapsed):
        b = self.b
        self.p("# portsnoop benchmark%s" % (" (smoke: not a measurement)" if b.smoke else ""))
        self.p()
        cpu = (re.search(r"model name\s*:\s*(.*)", read("/proc/cpuinfo")) or [None, "?"])[1]
        self.p("- date: %s; took %.0f s; %d rounds; %d tracer sessions" % (
            started.strftime("%Y-%m-%d %H:%M %Z").strip(), elapsed, b.rounds, b.nsessions))
        self.p("- kernel: %s; CPU: %s × %d; %s" % (platform.release(), cpu.strip(),
                                                  os.cpu_count(), platform.machine()))
        self.p("- measured: %s" % b.tools)
        self.p("- peers: %s; %s; %s" % (tool_version(["strace", "-V"]),
                                         tool_version([b.perf, "--version"]) if b.perf
                                         else (b.perf_why or "perf: n/a"),
                                         tool_version(["bpftrace", "--version"])))
        self.p()
        self.targets()
        self.p("## Targets")
        self.p()
        self.p("| | target | measured | gap |")
        self.p("|---|---|---|---|")
        for st, what, m, gap, _ in self.checks:
            self.p("| %s | %s | %s | %s |" % (st, what, m, gap))
        self.p()
        misses = [c for c in self.checks if c[0] == "MISS"]
        if misses:
            self.p("### Misses: by how much, why, what would close it")
            self.p()
            seen = set()
            for _, what, m, gap, key in misses:
                why, fix = WHY.get(key, ("(no diagnosis recorded)", "—"))
                self.p("- **%s** — measured %s%s." % (what, m, "; " + gap if gap else ""))
                if key in seen:
                    self.p("  Why: as above.")
                    continue
                seen.add(key)
                self.p("  Why: %s" % why)
                prof = self.profile_line({"loop-floor": "loop",
                                          "pingpong": "pingpong-tcp-oneshot-pinned",
                                          "throughput": "burst"}.get(key))
                if prof:
                    self.p("  " + prof)
                if key == "loop-floor" and self.side_line():
                    self.p("  " + self.side_line())
                if fix != "—":
                    self.p("  What would close it: %s" % fix)
            self.p()
            self.p("The profile at the end (BPF run time per program) shows where the "
                   "time goes.")
            self.p()
        self.noise_section()
        self.p("## Workloads")
        self.p()
        self.p("In each round every condition is one session: the workload process "
               "(`build/bench/workload`, its two threads already running) and redis-server "
               "are started, the tracer attaches to both by pid, and once it is ready the "
               "workloads run one after the other in that process (the bystanders in "
               "other processes). `× untraced` and `added` are computed within each round "
               "(against that round's untraced session), then the median over rounds is "
               "shown. `lost`: records lost, summed over the rounds (our tools: the "
               "kernel's drop counter; perf and bpftrace: their LOST lines). `records "
               "out`: lines written (floor: records read), median. `tracer CPU`: the "
               "tracer's CPU time over the phase's wall time (100% = one CPU).")
        self.p()
        for w in b.workloads:
            self.table(w)
        self.series_section()
        self.throughput_section()
        self.overhead_sections()
        self.profile_section()
        return "\n".join(self.lines) + "\n"


def tool_version(argv):
    try:
        p = subprocess.run(argv, capture_output=True, text=True, timeout=20)
        return (p.stdout or p.stderr).strip().splitlines()[0]
    except (OSError, IndexError, subprocess.TimeoutExpired):
        return "%s: n/a" % os.path.basename(argv[0] or "?")


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--smoke", action="store_true",
                    help="tiny N, one round, no strace/perf/bpftrace; checks it works")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--series", type=int, default=30,
                    help="rounds of the series for the loop, bystander and redis targets "
                         "(0: none)")
    ap.add_argument("--reps", type=int, default=3,
                    help="runs of each timed workload per session, the fastest counts")
    ap.add_argument("--out", help="also write the report here")
    ap.add_argument("--json", help="write the raw runs here")
    ap.add_argument("--only", help="workloads whose key starts with one of these "
                                   "(loop,pingpong,redis,bystander,throughput)")
    ap.add_argument("--previous", help="a previous run's --json, compared under Noise")
    ap.add_argument("--no-profile", action="store_true",
                    help="skip the bpf_stats profile of the full run")
    args = ap.parse_args()
    if os.geteuid() != 0:
        print("bench: needs root (BPF, strace -p, perf trace)", file=sys.stderr)
        return 1
    for exe in (WORKLOAD, FLOOR, PORTSNOOP, SOCKSNOOP):
        if not os.access(exe, os.X_OK):
            print("bench: %s is not built (run bench/run.sh)" % exe, file=sys.stderr)
            return 1
    started = datetime.datetime.now().astimezone()
    t0 = time.monotonic()
    b = Bench(args)
    try:
        b.run_rounds()
        b.run_series()
        if not args.smoke and not args.no_profile:
            b.profile()
    except KeyboardInterrupt:
        print("bench: interrupted; reporting what was measured", file=sys.stderr)
    finally:
        b.load1 = read("/proc/loadavg").split()[:3]
        b.close()
    rep = Report(b)
    text = rep.render(started, time.monotonic() - t0)
    print(text)
    if args.out:
        os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
        with open(args.out, "w") as f:
            f.write(text)
    if args.json:
        with open(args.json, "w") as f:
            summary = rep.summary()
            summary["date"] = started.strftime("%Y-%m-%d %H:%M %Z").strip()
            json.dump({"summary": summary,
                       "results": {"%s|%s" % k: v for k, v in b.results.items()},
                       "sessions": {"%s|%s" % k: v for k, v in b.sessions.items()},
                       "extra": {"|".join(map(str, k)) if isinstance(k, tuple) else k: v
                                 for k, v in b.extra.items()}}, f, indent=1, default=str)
    return 0


if __name__ == "__main__":
    sys.exit(main())
