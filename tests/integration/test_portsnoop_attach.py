# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""portsnoop attached to a running loop: registrations made before tracing
(learned from /proc/PID/fdinfo) and registrations whose data is a pointer."""
import json
import os
import signal
import subprocess
import sys

from lib import (WORKLOADS, Tracer, assert_seq, brief, check_json_order,
                 epoll_registrations, of_pid, run_client, spawn, start_server, tmpdir,
                 wait_for)

IN = "EPOLLIN"
EAGAIN = -11


def test_registered_before_tracing():
    """`epserver pre` registers the listener (3) and a socketpair end (5), then
    waits for SIGUSR1; both registrations predate the tracer.  Its events
    resolve from the first wait; the connection (7) is learned from its ADD."""
    server, port = start_server("pre")
    before = epoll_registrations(server.pid, 4)
    assert before == {3: 3, 5: 5}, f"fdinfo of epserver pre: {before}"
    with Tracer("portsnoop", ["-p", str(server.pid)]) as t:
        server.send_signal(signal.SIGUSR1)
        run_client(port, 1, 2, 5)
        server.wait(timeout=10)
    assert t.code == 0, t.stderr
    assert server.returncode == 0, server.returncode
    recs = of_pid(t.records, server.pid)
    echo = [("wait", 4, 1), ("event", 7, IN), ("read", 7, 5), ("write", 7, 5)]
    assert_seq(brief(recs), [
        ("wait", 4, 1), ("event", 3, IN),
        ("accept4", 3, 7), ("accept4", 3, EAGAIN),
        ("ctl", "ADD", 7, IN, 0),
    ] + echo * 2 + [
        ("wait", 4, 1), ("event", 7, IN), ("read", 7, 0),
        ("ctl", "DEL", 7, None, 0),
    ])
    check_json_order(recs)
    first = recs[0]
    # The first wait began after tracing (the server was in sigwait), so its
    # entry was seen and it has a duration.
    assert first["wait_id"] == 1 and isinstance(first["duration_ns"], int), first
    assert recs[1]["data"] == "0x3", recs[1]


def test_pointer_data():
    """`epserver ptr` registers a pointer (a struct conn *) as data, as nginx
    does: events still resolve to the fd, learned from the epoll_ctl (or, for
    the listener registered before tracing, from fdinfo), and `data` is the
    pointer.  Two connections: the second reuses fd 5 under a new ADD."""
    server, port = start_server("ptr", conns=2)
    before = epoll_registrations(server.pid, 4)
    assert list(before) == [3] and before[3] > 0xffff, f"fdinfo: {before}"
    listen_data = hex(before[3])
    with Tracer("portsnoop", ["-p", str(server.pid)]) as t:
        run_client(port, 2, 2, 5)
        server.wait(timeout=10)
    assert t.code == 0, t.stderr
    assert server.returncode == 0, server.returncode
    recs = of_pid(t.records, server.pid)
    conn = [
        ("wait", 4, 1), ("event", 3, IN),
        ("accept4", 3, 5), ("accept4", 3, EAGAIN),
        ("ctl", "ADD", 5, IN, 0),
    ] + [("wait", 4, 1), ("event", 5, IN), ("read", 5, 5), ("write", 5, 5)] * 2 + [
        ("wait", 4, 1), ("event", 5, IN), ("read", 5, 0),
        ("ctl", "DEL", 5, None, 0),
    ]
    assert_seq(brief(recs), conn * 2)
    check_json_order(recs)

    data = None     # the pointer of the current connection, from its ADD
    for r in recs:
        if r["event"] == "epoll_ctl" and r["op"] == "ADD":
            data = r["data"]
            assert int(data, 16) > 0xffff and data != listen_data, r
        elif r["event"] == "epoll_event":
            want = listen_data if r["fd"] == 3 else data
            assert r["data"] == want, f"{r}: data should be {want}"


def test_python_asyncio_echo():
    """A python3 asyncio echo server (selectors.EpollSelector: epoll_wait,
    data.fd = the fd, its upper 32 bits left as they were).  Its listener is
    registered before tracing; the connection is learned from its ADD."""
    d = tmpdir()
    port_file = os.path.join(d, "port")
    server = spawn([sys.executable, os.path.join(WORKLOADS, "asyncio_echo.py"), port_file],
                   stdin=subprocess.DEVNULL)
    wait_for(lambda: os.path.exists(port_file), 15, "the asyncio server's port")
    port, lfd = map(int, open(port_file).read().split())
    with Tracer("portsnoop", ["-p", str(server.pid)]) as t:
        run_client(port, 1, 2, 5)
        server.wait(timeout=15)
    assert server.returncode == 0, server.returncode
    assert t.code == 0, t.stderr
    recs = of_pid(t.records, server.pid)
    check_json_order(recs)
    acc = [r for r in recs if r["event"] == "io" and r["syscall"] == "accept4" and r["ret"] >= 0]
    assert len(acc) == 1 and acc[0]["fd"] == lfd, f"one accept4 on {lfd}: {recs}"
    cfd = acc[0]["ret"]
    # Events for the connection, each followed (in its window) by a recv on it.
    waits = {}
    reads = []
    for i, r in enumerate(recs):
        if r["event"] == "epoll_event" and r["fd"] == cfd:
            waits[r["wait_id"]] = r
        if r["event"] == "io" and r["fd"] == cfd and r["syscall"] in (
                "read", "readv", "recvfrom", "recvmsg", "recvmmsg"):
            reads.append(r)
            assert r["wait_id"] in waits, f"{r} does not follow an event for fd {cfd}"
    assert [r["ret"] for r in reads] == [5, 5, 0], reads
    for r in recs:
        if r["event"] == "epoll_event":
            assert int(r["data"], 16) & 0xffffffff == r["fd"], r
    # The whole sequence: accept until EAGAIN, ADD, a recv per event, then
    # the DELs as the connection, the listener and the self-pipe go.
    pipe = [r["fd"] for r in recs if r["event"] == "epoll_ctl"][-1]
    epfd = recs[0]["epfd"]
    assert all(r["epfd"] == epfd for r in recs if "epfd" in r), recs
    assert_seq(brief(recs), [
        ("wait", epfd, 1), ("event", lfd, IN),
        ("accept4", lfd, cfd), ("accept4", lfd, EAGAIN),
        ("ctl", "ADD", cfd, IN, 0),
    ] + [("wait", epfd, 1), ("event", cfd, IN), ("recvfrom", cfd, 5)] * 2 + [
        ("wait", epfd, 1), ("event", cfd, IN), ("recvfrom", cfd, 0),
        ("ctl", "DEL", cfd, None, 0), ("ctl", "DEL", lfd, None, 0),
        ("ctl", "DEL", pipe, None, 0),
    ])


def test_data_shared_by_two_fds_is_unknown():
    """Two fds registered with the same data: an event with that data is for
    fd unknown (null), never a guess, and opens no window.  Once one of them
    is DELeted the data names one fd again, and resolves to it (the spec:
    unknown only while it "maps to no known fd, or to more than one")."""
    out = os.path.join(tmpdir(), "fds")
    t = Tracer("portsnoop", ["--", sys.executable,
                             os.path.join(WORKLOADS, "epoll_same_data.py"), out])
    t.start().wait(timeout=30)
    assert t.code == 0, f"exit {t.code}: {t.stderr}"
    a, b, c, ep = map(int, open(out).read().split())
    recs = [r for r in t.records if r.get("epfd") == ep
            or (r["event"] == "io" and r["fd"] in (a, b, c))
            or (r["event"] == "epoll_create" and r["ret"] == ep)]
    got = [(r["event"], r.get("op"), r.get("fd"), r.get("data"), r.get("ret"))
           for r in recs]
    assert_seq(got, [
        ("epoll_create", None, None, None, ep),
        ("epoll_ctl", "ADD", a, "0x1234", 0),
        ("epoll_ctl", "ADD", b, "0x1234", 0),
        ("epoll_ctl", "ADD", c, "0x99", 0),
        ("epoll_wait", None, None, None, 1),
        ("epoll_event", None, c, "0x99", None),
        ("io", None, c, None, 1),
        ("epoll_wait", None, None, None, 1),
        ("epoll_event", None, None, "0x1234", None),    # a or b: unknown
        ("epoll_ctl", "DEL", b, None, 0),
        ("epoll_wait", None, None, None, 1),
        ("epoll_event", None, a, "0x1234", None),       # only a has it now
        ("io", None, a, None, 1),
        ("io", None, a, None, 0),     # Python closes a at exit: still a's window
    ], "records of the epoll set")
    assert recs[-1]["syscall"] == "close", recs[-1]


def wide_waits(attach, n, by_pid):
    """epoll_wide.py traced with --attach=attach -n n: as a command
    (followed: its windows in the hash), or two of them by -p (their windows
    on fds below 1024 in the array, at the same fd numbers), each waiting
    after the other and exiting after both waited.  For each: what it got,
    and its records."""
    outs = [os.path.join(tmpdir(), "wide") for _ in range(2 if by_pid else 1)]
    cmds = [[sys.executable, os.path.join(WORKLOADS, "epoll_wide.py"), o] for o in outs]
    args = [f"--attach={attach}", "-n", n]
    if by_pid:
        ps = [spawn(c, stdin=subprocess.PIPE) for c in cmds]
        with Tracer("portsnoop", args + ["-p", ",".join(str(p.pid) for p in ps)]) as t:
            for p, o in zip(ps, outs):
                p.stdin.write(b"\n")
                p.stdin.flush()
                wait_for(lambda: os.path.exists(o) and os.path.getsize(o), 30, "the wait")
            for p in ps:
                p.communicate(b"\n", timeout=30)
                assert p.returncode == 0, p.returncode
        pids = [p.pid for p in ps]
    else:
        t = Tracer("portsnoop", args + ["--"] + cmds[0])
        t.start().wait(timeout=30)
        pids = [r["pid"] for r in t.records if r["event"] == "epoll_wait"][:1]
    assert t.code == 0, f"exit {t.code}: {t.stderr}"
    return [(json.load(open(o)), of_pid(t.records, pid)) for o, pid in zip(outs, pids)]


def test_every_event_of_a_wide_wait_is_decoded_as_returned():
    """One wait returns 40 events (epoll_wide.py): each epoll_event record
    has the events and data the process got, in its order, and the fd
    registered with that data (half of them above 1023); all 40 with -n 256,
    else the first 30.  Both attachments, by -p and as a command.  Python
    closes every fd at exit: each close is in the window of its process's
    wait."""
    for attach, n, by_pid in (("raw", "256", True), ("raw", "256", False),
                              ("per-syscall", "256", True),
                              ("per-syscall", "256", False), ("raw", "30", True)):
        for want, recs in wide_waits(attach, n, by_pid):
            where = (attach, n, by_pid)
            fd_of = {0x5eed0000 + i: fd for i, fd in enumerate(want["fds"])}
            waits = [r for r in recs if r["event"] == "epoll_wait" and r["epfd"] == want["epfd"]]
            assert [w["ret"] for w in waits] == [40], (where, waits)
            got = [(r["index"], r["events_raw"], int(r["data"], 16), r["fd"]) for r in recs
                   if r["event"] == "epoll_event" and r["wait_id"] == waits[0]["wait_id"]]
            assert got == [(i, ev, data, fd_of[data])
                           for i, (ev, data) in enumerate(want["got"][:int(n)])], (where, got)
            closed = {r["fd"]: r["wait_id"] for r in recs
                      if r["event"] == "io" and r["syscall"] == "close"}
            assert all(closed.get(fd) == waits[0]["wait_id"] for fd in want["fds"]), \
                (where, closed)


def test_a_child_waits_at_once_on_registrations_it_inherited():
    """fork_inherits.py: the parent registers fd A, forks, and the child
    waits on the inherited set at once.  Followed (-- COMMAND) or matched by
    -C (children not followed, never read from fdinfo), the child's event is
    for fd A and its read is in the window: the kernel side asks the parent's
    registration, checked to be the same epoll set and file."""
    script = os.path.join(WORKLOADS, "fork_inherits.py")
    for mode in ("command", "comm"):
        if mode == "command":
            t = Tracer("portsnoop", ["--", sys.executable, script]).start()
            t.wait(timeout=60)
            assert t.code == 0, t.stderr
        else:
            w = spawn([sys.executable, script], stdin=subprocess.PIPE,
                      stdout=subprocess.DEVNULL, text=True)
            try:
                with Tracer("portsnoop", ["-C", "psn-forkinherit"]) as t:
                    w.communicate("go\n", timeout=30)
            finally:
                w.kill()
            assert w.returncode == 0, w.returncode
        ctls = [r for r in t.records if r["event"] == "epoll_ctl"]
        assert len(ctls) == 1 and ctls[0]["op"] == "ADD", (mode, brief(t.records))
        parent, fd = ctls[0]["pid"], ctls[0]["fd"]
        events = [r for r in t.records if r["event"] == "epoll_event"]
        assert len(events) == 1 and events[0]["pid"] != parent, (mode, brief(t.records))
        assert events[0]["fd"] == fd, (mode, events)
        reads = [r for r in t.records if r["event"] == "io" and r["syscall"] == "read"
                 and r["pid"] == events[0]["pid"]]
        assert [(r["fd"], r["ret"], r["wait_id"]) for r in reads] == \
            [(fd, 1, events[0]["wait_id"])], (mode, brief(t.records))
