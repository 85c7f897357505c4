# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""portsnoop -y names fds (after strace -yy), read in the kernel: each fd of
tests/progs/fdkinds.c is closed right after its event, before the tracer
prints anything, and still has its name."""
import json
import os
import re
import subprocess

from lib import PROGS, WORKLOADS, Tracer, spawn, tmpdir, wait_for

IP4 = r"127\.0\.0\.1:\d+"
IP6 = r"\[::1\]:\d+"
EXPECTED = {
    "tcp4": rf"TCP {IP4}->{IP4}",
    "tcp6": rf"TCP {IP6}->{IP6}",
    "udp6": rf"UDP {IP6}",
    "unix": r"UNIX /tmp/psn-fdkinds\.sock",
    "pipe": r"pipe",
    "eventfd": r"eventfd",
    "timerfd": r"timerfd",
    "ptmx": r"(/dev/)?ptmx",   # the path while open; else its last component
}


def run(json_out=True):
    out = os.path.join(tmpdir(), "kinds")
    t = Tracer("portsnoop", ["-y", "--", os.path.join(PROGS, "fdkinds"), out], json_out)
    t.start().wait(timeout=60)
    assert t.code == 0, t.stderr
    kinds = [l.split()[:2] for l in open(out).read().splitlines()]
    return t, kinds


def test_every_kind_is_named_in_json():
    t, kinds = run()
    adds = [r for r in t.records if r["event"] == "epoll_ctl" and r["op"] == "ADD"]
    events = [r for r in t.records if r["event"] == "epoll_event"]
    assert [(k, int(fd)) for k, fd in kinds] == [(k, r["fd"]) for (k, _), r in zip(kinds, adds)]
    for (kind, _), add, ev in zip(kinds, adds, events):
        assert re.fullmatch(EXPECTED[kind], add["fd_name"]), (kind, add["fd_name"])
        assert ev["fd_name"] == add["fd_name"], (kind, ev)
    assert len(adds) == len(EXPECTED)


def registered(pid):
    """Registrations in pid's epoll sets, from /proc/PID/fdinfo. The
    interpreter opens and closes files while it starts, so an fd listed can
    be gone by the time it is read: that one is not an epoll set."""
    n = 0
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            if os.readlink(f"/proc/{pid}/fd/{fd}") == "anon_inode:[eventpoll]":
                with open(f"/proc/{pid}/fdinfo/{fd}") as f:
                    n += f.read().count("tfd:")
        except FileNotFoundError:
            continue
    return n


def test_fds_registered_before_tracing_are_named_at_their_first_event():
    """-p on a loop registered before tracing: the first record naming its
    fds is the wait that returns them, and its events carry their names
    (the names are made during the wait's decoding, after its time)."""
    w = spawn(["python3", os.path.join(WORKLOADS, "registered_early.py")],
              stdin=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    wait_for(lambda: registered(w.pid) == 2, what="both registrations")
    t = Tracer("portsnoop", ["-y", "-p", str(w.pid)]).start()
    w.stdin.write("go\n")
    w.stdin.flush()
    fds = json.loads(w.stderr.readline())
    assert w.wait(timeout=10) == 0
    t.wait(timeout=10)
    events = {r["fd"]: r for r in t.records if r["event"] == "epoll_event"}
    assert set(events) == {fds["sock"], fds["pipe"]}, t.records
    assert events[fds["pipe"]].get("fd_name") == "pipe", events
    assert events[fds["sock"]].get("fd_name", "").startswith("UNIX"), events


def test_text_shows_fd_and_name():
    t, kinds = run(json_out=False)
    rows = [l for l in t.text.splitlines() if " epoll_ctl " in l and " ADD " in l]
    assert len(rows) == len(EXPECTED)
    for (kind, fd), row in zip(kinds, rows):
        assert re.search(rf" {fd}<{EXPECTED[kind]}>  ADD ", row), (kind, row)


def test_without_y_no_names():
    t = Tracer("portsnoop", ["--", os.path.join(PROGS, "fdkinds"),
                             os.path.join(tmpdir(), "k")]).start().wait(60)
    assert t.code == 0 and t.records
    assert not any("fd_name" in r for r in t.records)
