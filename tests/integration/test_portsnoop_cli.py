# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""portsnoop's command line: errors, --help, -d, -- COMMAND, -p ending by
itself, and a reader that goes away."""
import json
import os
import subprocess
import time

from lib import (BUILD, PROGS, WORKLOADS, Skip, Tracer, assert_seq, brief,
                 check_json_order, no_such_pid, spawn, start_epflood, tmpdir)

PORTSNOOP = os.path.join(BUILD, "portsnoop")
IN = "EPOLLIN"


def run(args, timeout=20, **kw):
    return subprocess.run([PORTSNOOP] + args, capture_output=True, text=True,
                          timeout=timeout, stdin=subprocess.DEVNULL, **kw)


def test_missing_pid():
    pid = no_such_pid()
    for args in (["-p", str(pid)], ["-j", "-p", f"1,{pid}"], ["-t", str(pid)]):
        p = run(args)
        lines = p.stderr.splitlines()
        assert p.returncode != 0, f"{args}: exit 0"
        assert len(lines) == 1 and "does not exist" in lines[0] and str(pid) in lines[0], \
            f"{args}: stderr {p.stderr!r}"
        assert "Tracing" not in p.stderr and p.stdout == "", (args, p.stdout)


def test_bad_options():
    """Each a single line on stderr naming the problem, exit 2, nothing on
    stdout.  Unknown options and missing arguments too: getopt's own message
    plus a 'see --help' line would be two."""
    cases = [
        ["-n", "999"], ["-n", "-1"], ["--io=bogus"], ["--io", "bogus"],
        ["-d", "0"], ["-d", "abc"], ["-p", "abc"], ["-p", "0"], ["-p", "12x"],
        ["-t", "abc"], ["--ringbuf-size", "3"], ["--attach=kprobe"], ["--attach"],
        ["--bogus"], ["-x"], ["-p"], ["-n"], ["--io"],
    ]
    bad = []
    for args in cases:
        p = run(args)
        lines = p.stderr.splitlines()
        if p.returncode != 2 or len(lines) != 1 or p.stdout or "Tracing" in p.stderr:
            bad.append(f"{args}: exit {p.returncode}, stdout {p.stdout!r}, stderr {p.stderr!r}")
    assert not bad, "bad usage not reported as one line with exit 2:\n" + "\n".join(bad)


def test_errors_name_the_option_or_the_fix():
    """A long option given a value, another process' thread for -p, a -t
    thread outside -p's processes, an -o
    that cannot be opened: one line saying so; exit 2, 2, 1 (a runtime
    error, as a failed write is)."""
    for opt in ("--json", "--hex", "--all-waits"):
        p = run([opt + "=1"])
        assert (p.returncode, p.stderr.count("\n")) == (2, 1), (opt, p.returncode, p.stderr)
        assert f"'{opt}' takes no value" in p.stderr, p.stderr
    holder = spawn(["python3", "-c", "import threading, time, os, sys\n"
                    "t = threading.Thread(target=time.sleep, args=(30,)); t.start()\n"
                    "print(t.native_id, flush=True); t.join()"],
                   stdout=subprocess.PIPE, text=True)
    tid = int(holder.stdout.readline())
    try:
        for args in (["-p", str(tid)], ["-p", f"{holder.pid},{tid}"]):
            p = run(args)
            assert (p.returncode, p.stderr.count("\n")) == (2, 1), (args, p.returncode, p.stderr)
            assert f"{tid} is a thread of process {holder.pid}" in p.stderr, p.stderr
        # -p and -t both filter: a thread outside the processes traces nothing.
        p = run(["-p", "1", "-t", str(tid)])
        assert (p.returncode, p.stderr) == (2, f"portsnoop: thread {tid} is not in the "
                                                "-p processes\n"), (p.returncode, p.stderr)
        p = run(["-p", str(holder.pid), "-t", str(tid), "-d", "0.2"])
        assert p.returncode == 0 and "Tracing" in p.stderr, p.stderr
    finally:
        holder.kill()
    p = run(["-o", os.path.join(tmpdir(), "no", "such", "dir"), "-d", "1"])
    assert (p.returncode, p.stderr.count("\n")) == (1, 1), (p.returncode, p.stderr)
    assert "cannot write" in p.stderr and "Tracing" not in p.stderr, p.stderr


def test_comm_names_the_process_not_the_thread():
    """-C NAME: a thread that renamed itself is traced with its process,
    by both tools (they share the filter); another process is not."""
    for tool, want in (("portsnoop", {"epoll_wait", "epoll_event", "io"}),
                       ("socksnoop", {"socket.send", "socket.receive"})):
        w = spawn(["python3", os.path.join(WORKLOADS, "renamed_thread.py"), "psn-ctest"],
                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        other = start_epflood(3)
        t = Tracer(tool, ["-C", "psn-ctest"]).start()
        w.stdin.write("go\n")
        w.stdin.flush()
        other.release()
        done = json.loads(w.stdout.readline())
        assert other.wait(timeout=10) == 0
        t.stop()
        recs = [r for r in t.records if r.get("event", r.get("name")) != "lost"]
        assert {r["pid"] for r in recs} == {w.pid}, (tool, recs[:5])
        assert all(r["tid"] == done["tid"] and r["comm"] == "wrk" for r in recs), recs
        seen = {r["event"] if tool == "portsnoop" else r["name"] for r in recs}
        assert want <= seen, (tool, seen)


def test_create_flags_in_text_as_strace_shows_them():
    """epoll_create1's flags: EPOLL_CLOEXEC by name, any other bit in hex."""
    prog = ("import ctypes\n"
            "libc = ctypes.CDLL(None)\n"
            "for flags in (0, 0o2000000, 1, 0o2000001):\n"
            "    libc.epoll_create1(flags)\n")
    t = Tracer("portsnoop", ["--", "python3", "-c", prog], json_out=False)
    t.start().wait(timeout=30)
    assert t.code == 0, t.stderr
    got = [" ".join(l.split()[6:]) for l in t.text.splitlines() if " epoll_create1 " in l]
    assert got[-4:] == ["flags=0", "flags=EPOLL_CLOEXEC", "flags=0x1 = -1 EINVAL",
                        "flags=EPOLL_CLOEXEC|0x1 = -1 EINVAL"], got


def test_help():
    for args in (["--help"], ["-h"]):
        p = run(args)
        assert p.returncode == 0, (args, p.returncode, p.stderr)
        lines = p.stdout.splitlines()
        assert 5 <= len(lines) <= 24, f"{args}: {len(lines)} lines, more than a screen"
        assert not [l for l in lines if len(l) > 80], "lines over 80 columns"
        assert lines[0].startswith("Usage: portsnoop"), lines[0]
        for opt in ("-p PID", "-t TID", "-C NAME", "-- COMMAND", "-d SECONDS", "-n N",
                    "--json", "--all-waits", "--io=", "--hex", "--attach="):
            assert opt in p.stdout, f"--help does not mention {opt}"
        assert p.stderr == "", p.stderr


def test_duration():
    start = time.monotonic()
    p = run(["-d", "1", "-o", os.devnull], timeout=30)
    took = time.monotonic() - start
    assert p.returncode == 0, (p.returncode, p.stderr)
    assert took < 10, f"-d 1 took {took:.1f}s"
    assert p.stderr.startswith("Tracing"), p.stderr


def test_command_follows_children():
    """-- COMMAND: sh forks epflood (not exec), so its records come from a
    child pid; portsnoop exits with the command's status, 7."""
    d = tmpdir()
    shpid = os.path.join(d, "shpid")
    t = Tracer("portsnoop", ["--", "sh", "-c",
                             f"echo $$ > {shpid}; {PROGS}/epflood 3; exit 7"])
    t.start()
    t.wait(timeout=30)
    assert t.code == 7, f"exit {t.code}: {t.stderr}"
    sh = int(open(shpid).read())
    recs = [r for r in t.records if r["comm"] == "epflood"]
    assert recs, f"no epflood records in {t.records}"
    child = recs[0]["pid"]
    assert child != sh, "epflood should be sh's child, not sh itself"
    assert all(r["pid"] == child and r["tid"] == child for r in recs), recs
    assert len(recs) == len(t.records), \
        f"records of other processes: {[r for r in t.records if r['comm'] != 'epflood']}"
    create = recs[0]
    assert (create["event"], create["syscall"], create["flags"], create["errno"]) == \
        ("epoll_create", "epoll_create1", 0, None), create
    epfd = create["ret"]
    ctl = recs[1]
    assert (ctl["event"], ctl["epfd"], ctl["op"], ctl["events"], ctl["ret"]) == \
        ("epoll_ctl", epfd, "ADD", IN, 0), ctl
    fd = ctl["fd"]
    assert ctl["data"] == hex(fd), ctl
    assert_seq(brief(recs[2:]), [("wait", epfd, 1), ("event", fd, IN), ("read", fd, 1)] * 3)
    check_json_order(recs)


def test_command_text_and_signal_status():
    """-- COMMAND in text mode has PID and COMM columns (more than one process
    can be traced); a command killed by SIGTERM makes the exit 128+15."""
    t = Tracer("portsnoop", ["--", "sh", "-c", f"{PROGS}/epflood 1; kill -TERM $$"],
               json_out=False)
    t.start()
    t.wait(timeout=30)
    assert t.code == 128 + 15, f"exit {t.code}: {t.stderr}"
    lines = t.text.splitlines()
    assert lines[0].split() == ["TIME", "PID", "TID", "COMM", "SYSCALL", "FD", "DETAILS",
                                "ERROR"], lines[0]
    rows = [l.split() for l in lines[1:]]
    assert rows and all(r[1] == r[2] and r[3] == "epflood" for r in rows), lines
    got = [" ".join(r[4:]) for r in rows]
    epfd, fd = rows[0][5], rows[1][5]
    assert_seq(got, [
        f"epoll_create1 {epfd} flags=0",
        f"epoll_ctl {fd} ADD EPOLLIN data={hex(int(fd))}",
        f"epoll_wait {epfd} 1 events (max 8, timeout 0 ms)",
        f"EPOLLIN {fd} data={hex(int(fd))}",
        f"read {fd} = 1",
    ], "text rows")


def test_pid_ends_with_process():
    """-p PID: when the process exits, portsnoop ends by itself (exit 0),
    having printed everything it did."""
    flood = start_epflood(5)
    t = Tracer("portsnoop", ["-p", str(flood.pid)]).start()
    flood.release()
    assert flood.wait(timeout=10) == 0
    t.wait(timeout=10)
    assert t.code == 0, f"exit {t.code}: {t.stderr}"
    assert "lost" not in t.stderr, t.stderr
    recs = t.records
    assert recs and all(r["pid"] == flood.pid for r in recs), recs
    epfd, fd = recs[0]["ret"], recs[1]["fd"]
    assert_seq(brief(recs[1:]), [("ctl", "ADD", fd, IN, 0)] +
               [("wait", epfd, 1), ("event", fd, IN), ("read", fd, 1)] * 5)
    assert recs[0]["event"] == "epoll_create", recs[0]


THREAD_THEN_SLEEP = """
import sys, threading, time
def run():
    print(threading.get_native_id(), flush=True)
    sys.stdin.readline()
t = threading.Thread(target=run)
t.start()
t.join()
time.sleep(30)
"""


def test_tid_ends_with_thread():
    """-t TID: when the thread exits (its process lives on), portsnoop ends
    by itself, exit 0."""
    major, minor = os.uname().release.split(".")[:2]
    if (int(major), int(minor)) < (6, 9):
        raise Skip("pidfds for threads (PIDFD_THREAD) need Linux 6.9")
    py = spawn(["python3", "-c", THREAD_THEN_SLEEP], stdin=subprocess.PIPE,
               stdout=subprocess.PIPE)
    tid = int(py.stdout.readline())
    t = Tracer("portsnoop", ["-t", str(tid)]).start()
    py.stdin.write(b"go\n")
    py.stdin.flush()
    try:
        t.wait(timeout=10)
    except subprocess.TimeoutExpired:
        raise AssertionError("portsnoop -t still running 10 s after its thread exited")
    assert t.code == 0, f"exit {t.code}: {t.stderr}"
    assert py.poll() is None, "the process should still be running"
    py.kill()


def test_reader_goes_away():
    """portsnoop | head -1 on a busy loop: once head has exited, portsnoop
    ends by itself, quietly (no error message), with exit 0."""
    flood = start_epflood(100_000_000, hold=False)
    d = tmpdir()
    err_path = os.path.join(d, "err")
    with open(err_path, "w") as err:
        ps = spawn([PORTSNOOP, "-p", str(flood.pid)], stdout=subprocess.PIPE,
                   stderr=err, stdin=subprocess.DEVNULL)
        head = spawn(["head", "-1"], stdin=ps.stdout, stdout=subprocess.PIPE)
        ps.stdout.close()
        first = head.stdout.readline().decode()
        head.wait(timeout=30)
        try:
            code = ps.wait(timeout=15)
        except subprocess.TimeoutExpired:
            raise AssertionError("portsnoop still running 15 s after its reader exited")
    stderr = open(err_path).read()
    assert first.split()[:3] == ["TIME", "TID", "SYSCALL"], first
    assert code == 0, f"exit {code}: {stderr}"
    lines = [l for l in stderr.splitlines() if not l.startswith("Tracing")]
    assert lines == [], f"not quiet: {stderr!r}"
    assert flood.poll() is None, "epflood should still be running"
