# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""portsnoop on the bundled epoll server: exact records per mode."""
import os
import re
import sys
from collections import Counter, defaultdict

from lib import (PROGS, WORKLOADS, Tracer, assert_seq, brief, check_json_order, of_pid,
                 prog_names_of, run_client, start_server)

IN = "EPOLLIN"
ET = "EPOLLIN|EPOLLET"
ONESHOT = "EPOLLIN|EPOLLONESHOT"
EAGAIN = -11


def trace_mode(mode, conns=1, msgs=2, args=(), during=None, env=None):
    server, port = start_server(mode, conns)
    with Tracer("portsnoop", [*args, "-p", str(server.pid)], env=env) as t:
        if during:
            during(t)
        run_client(port, conns, msgs, 5)
        server.wait(timeout=10)
    assert t.code == 0, t.stderr
    assert server.returncode == 0, f"epserver {mode} exited {server.returncode}"
    return of_pid(t.records, server.pid), t


def test_level_triggered():
    recs, _ = trace_mode("lt")
    echo = [("wait", 4, 1), ("event", 5, IN), ("read", 5, 5), ("write", 5, 5)]
    assert_seq(brief(recs), [
        ("wait", 4, 1), ("event", 3, IN),
        ("accept4", 3, 5), ("accept4", 3, -11),
        ("ctl", "ADD", 5, IN, 0),
    ] + echo + echo + [
        ("wait", 4, 1), ("event", 5, IN), ("read", 5, 0),
        ("ctl", "DEL", 5, None, 0),
    ])


def test_io_all_gives_the_window_wait_id_inside_a_window():
    """--io=all traces I/O on every registered fd; inside a window it names
    the wait that opened it, as the default does (null only outside one)."""
    window, _ = trace_mode("lt")
    every, _ = trace_mode("lt", args=["--io=all"])
    inside = [r for r in every if r["event"] != "io" or r["wait_id"] is not None]
    outside = [r for r in every if r not in inside]
    assert brief(inside) == brief(window)
    assert [r["wait_id"] for r in inside if r["event"] == "io"] == \
        [r["wait_id"] for r in window if r["event"] == "io"]
    check_json_order(inside, "--io=all")
    # epserver closes its listening socket last, in no window.
    assert brief(outside) == [("close", 3, 0)], outside


def test_edge_triggered():
    """EPOLLET: each event's drain reads until EAGAIN (printed), the echo after
    it; two connections one after the other, the second reusing fd 5."""
    recs, _ = trace_mode("et", conns=2, msgs=2)
    conn = [
        ("wait", 4, 1), ("event", 3, IN),
        ("accept4", 3, 5), ("accept4", 3, EAGAIN),
        ("ctl", "ADD", 5, ET, 0),
    ] + [
        ("wait", 4, 1), ("event", 5, IN),
        ("read", 5, 5), ("read", 5, EAGAIN), ("write", 5, 5),
    ] * 2 + [
        ("wait", 4, 1), ("event", 5, IN), ("read", 5, 0),
        ("ctl", "DEL", 5, None, 0),
    ]
    assert_seq(brief(recs), conn * 2)
    check_json_order(recs)
    # The EAGAIN read carries its errno by name, the others none.
    reads = [r for r in recs if r["event"] == "io" and r["syscall"] == "read"]
    assert [r["errno"] for r in reads] == [None, "EAGAIN", None, "EAGAIN", None] * 2, reads


def test_oneshot():
    """EPOLLONESHOT: every handled event ends with its MOD re-arm (the listener's
    after the new connection's ADD), which closes the window."""
    recs, _ = trace_mode("oneshot", conns=2, msgs=2)
    conn = [
        ("wait", 4, 1), ("event", 3, IN),
        ("accept4", 3, 5), ("accept4", 3, EAGAIN),
        ("ctl", "ADD", 5, ONESHOT, 0), ("ctl", "MOD", 3, ONESHOT, 0),
    ] + [
        ("wait", 4, 1), ("event", 5, IN), ("read", 5, 5), ("write", 5, 5),
        ("ctl", "MOD", 5, ONESHOT, 0),
    ] * 2 + [
        ("wait", 4, 1), ("event", 5, IN), ("read", 5, 0),
        ("ctl", "DEL", 5, None, 0),
    ]
    assert_seq(brief(recs), conn * 2)
    check_json_order(recs)
    # The re-arms carry the registration's data (the fd, in this mode).
    for r in recs:
        if r["event"] == "epoll_ctl" and r["op"] != "DEL":
            assert r["data"] == hex(r["fd"]) and r["via"] == "syscall", r
            assert r["events_raw"] == 0x40000001, r


# What one thread does for one event in `threads` mode, after its wait.
THREAD_BLOCKS = {
    "accept": [("event", 3, IN), ("accept4", 3, 5), ("accept4", 3, EAGAIN),
               ("ctl", "ADD", 5, ONESHOT, 0), ("ctl", "MOD", 3, ONESHOT, 0)],
    "echo": [("event", 5, IN), ("read", 5, 5), ("write", 5, 5),
             ("ctl", "MOD", 5, ONESHOT, 0)],
    "eof": [("event", 5, IN), ("read", 5, 0), ("ctl", "DEL", 5, None, 0)],
}


def test_threads():
    """Two threads on one EPOLLONESHOT set (maxevents 1): the order between
    threads varies, so check each thread's own stream, block by block."""
    conns, msgs = 2, 3
    recs, _ = trace_mode("threads", conns=conns, msgs=msgs)
    check_json_order(recs)
    pid = recs[0]["pid"] if recs else None
    by_tid = defaultdict(list)
    for r in recs:
        by_tid[r["tid"]].append(r)
    assert pid not in by_tid, f"the main thread only joins the workers: {by_tid.get(pid)}"
    assert 1 <= len(by_tid) <= 2, f"two workers, got tids {sorted(by_tid)}"

    kinds = Counter()
    for tid, stream in by_tid.items():
        assert stream[0]["event"] == "epoll_wait", f"tid {tid} starts with {stream[0]}"
        blocks = []
        for r in stream:
            if r["event"] == "epoll_wait":
                blocks.append([r])
            else:
                blocks[-1].append(r)
        for b in blocks:
            wait, rest = b[0], b[1:]
            assert (wait["epfd"], wait["ret"], wait["maxevents"]) == (4, 1, 1), wait
            assert wait["timeout_ns"] == 100_000_000, wait
            got = brief(rest)
            kind = next((k for k, v in THREAD_BLOCKS.items() if v == got), None)
            if kind is None:
                # Show the nearest expectation to make the diff readable.
                want = THREAD_BLOCKS["accept" if got and got[0][1] == 3 else "echo"]
                assert_seq(got, want, f"tid {tid} wait {wait['wait_id']}")
            kinds[kind] += 1
            for r in rest:
                if r["event"] == "io":
                    assert r["wait_id"] == wait["wait_id"], \
                        f"io {r} in the window of wait {wait['wait_id']}"
    assert kinds == Counter(accept=conns, echo=conns * msgs, eof=conns), kinds

    ctls = Counter(x for x in brief(recs) if x[0] == "ctl")
    assert ctls == Counter({
        ("ctl", "ADD", 5, ONESHOT, 0): conns,
        ("ctl", "MOD", 3, ONESHOT, 0): conns,
        ("ctl", "MOD", 5, ONESHOT, 0): conns * msgs,
        ("ctl", "DEL", 5, None, 0): conns,
    }), ctls


def test_json_wait_ids_and_order():
    """wait_id 1, 2, 3... in order; each io record joins the wait that
    returned its fd; ts_ns never goes back; each event's fields match."""
    conns, msgs = 2, 3
    recs, t = trace_mode("lt", conns=conns, msgs=msgs)
    assert recs == t.records, "only the traced server's records are printed with -p"
    check_json_order(recs)
    waits = [r for r in recs if r["event"] == "epoll_wait"]
    assert [w["wait_id"] for w in waits] == list(range(1, 1 + conns * (msgs + 2)))
    for w in waits:
        assert (w["syscall"], w["epfd"], w["maxevents"], w["timeout_ns"],
                w["ret"], w["errno"]) == ("epoll_wait", 4, 64, -1, 1, None), w
    # The first wait was blocked before tracing began: its entry was not seen.
    assert waits[0]["duration_ns"] is None, waits[0]
    assert all(isinstance(w["duration_ns"], int) and w["duration_ns"] >= 0
               for w in waits[1:]), waits
    for r in recs:
        assert r["comm"] == "epserver" and r["tid"] == r["pid"], r
        if r["event"] == "epoll_event":
            assert r["data"] == hex(r["fd"]) and r["events_raw"] == 1, r
        if r["event"] == "io":
            assert r["errno"] == ("EAGAIN" if r["ret"] == EAGAIN else None), r
            assert isinstance(r["duration_ns"], int) and r["duration_ns"] >= 0, r
    # Every io record's wait is the last one before it (a single thread).
    last = None
    for r in recs:
        if r["event"] == "epoll_wait":
            last = r["wait_id"]
        elif r["event"] == "io":
            assert r["wait_id"] == last, r


def test_text_output():
    """The text rows of a short level-triggered run, TIME left out."""
    server, port = start_server("lt")
    with Tracer("portsnoop", ["-p", str(server.pid)], json_out=False) as t:
        run_client(port, 1, 1, 5)
        server.wait(timeout=10)
    assert t.code == 0, t.stderr
    lines = t.text.splitlines()
    assert lines[0].split() == ["TIME", "TID", "SYSCALL", "FD", "DETAILS", "ERROR"], lines[0]
    times = [float(l.split()[0]) for l in lines[1:]]
    assert times == sorted(times), "TIME went back"
    tid = str(server.pid)
    rows = []
    for l in lines[1:]:
        w = l.split()
        assert w[1] == tid, l
        rows.append(" ".join(w[2:]))
    assert_seq(rows, [
        "epoll_wait 4 1 events (max 64, timeout -1 ms)",
        "EPOLLIN 3 data=0x3",
        "accept4 3 = 5",
        "accept4 3 = -1 EAGAIN",
        "epoll_ctl 5 ADD EPOLLIN data=0x5",
        "epoll_wait 4 1 events (max 64, timeout -1 ms)",
        "EPOLLIN 5 data=0x5",
        "read 5 = 5",
        "write 5 = 5",
        "epoll_wait 4 1 events (max 64, timeout -1 ms)",
        "EPOLLIN 5 data=0x5",
        "read 5 = 0",
        "epoll_ctl 5 DEL",
    ], "text rows")
    # Events are indented under their wait, I/O further.
    indent = {l.split()[2]: len(re.match(r"\s*[\d.]+\s+\d+ ( *)", l).group(1))
              for l in lines[1:]}
    assert (indent["epoll_wait"], indent["EPOLLIN"], indent["read"]) == (0, 2, 4), indent


def test_io_by_another_thread_is_in_the_waiters_window():
    """A loop that hands its events to a worker thread: the worker's reads
    belong to the waiter's window until the waiter waits again."""
    check_handoff()


def check_handoff(*args):
    t = Tracer("portsnoop", [*args, "--", os.path.join(PROGS, "handoff")]).start().wait(timeout=60)
    assert t.code == 0, t.stderr
    ids = dict(re.findall(r"(waiter|worker)=(\d+)", t.stderr))
    waiter, worker = int(ids["waiter"]), int(ids["worker"])
    fd = int(re.search(r"fd=(\d+)", t.stderr).group(1))
    got = [(r["event"], r["tid"], r.get("wait_id"), r.get("ret"))
           for r in t.records if r["event"] in ("epoll_wait", "io")]
    w1, w2 = [r["wait_id"] for r in t.records if r["event"] == "epoll_wait"]
    assert got == [("epoll_wait", waiter, w1, 1), ("io", worker, w1, 1),
                   ("epoll_wait", waiter, w2, 1), ("io", worker, w2, 1)], got
    assert all(r["fd"] == fd for r in t.records if r["event"] == "io")


def test_io_none_shows_waits_only_and_loads_no_io_program():
    """On the per-syscall tracepoints, --io=none leaves the I/O calls' out."""
    names = {}
    recs, _ = trace_mode("lt", args=["--attach=per-syscall", "--io=none"],
                         during=lambda t: names.update(none=prog_names_of(t.proc.pid)))
    kinds = Counter(r["event"] for r in recs)
    assert set(kinds) == {"epoll_ctl", "epoll_wait", "epoll_event"}, kinds
    recs, _ = trace_mode("lt", args=["--attach=per-syscall"],
                         during=lambda t: names.update(window=prog_names_of(t.proc.pid)))
    assert "io" in {r["event"] for r in recs}
    assert {"io_enter_read", "io_exit_read"} <= names["window"], names["window"]
    assert "exit_epoll_wait" in names["none"], names["none"]
    assert not [n for n in names["none"] if n.startswith("io_")], names["none"]


def test_every_event_of_a_wide_wait_opens_its_window():
    """A wait that returns 600 events (many_ready.py), -n 5: the record
    shows 5, and every one of the 600 opens its fd's window, so each read
    after it is shown in that wait's window (records hold 256 events; the
    kernel side reads the rest a chunk at a time)."""
    n = 600
    t = Tracer("portsnoop", ["-n", "5", "--", sys.executable,
                             os.path.join(WORKLOADS, "many_ready.py"), str(n)]).start()
    t.wait(timeout=60)
    assert t.code == 0, t.stderr
    waits = [r for r in t.records if r["event"] == "epoll_wait"]
    assert [w["ret"] for w in waits] == [n], brief(waits)
    events = [r for r in t.records if r["event"] == "epoll_event"]
    assert [e["index"] for e in events] == list(range(5)), brief(events)
    reads = [r for r in t.records if r["event"] == "io" and r["syscall"] == "read"]
    assert len(reads) == n and len({r["fd"] for r in reads}) == n, len(reads)
    assert all(r["wait_id"] == waits[0]["wait_id"] and r["ret"] == 1 for r in reads), \
        brief(reads)


def check_ctl_race(workload, n=300):
    """Each of n events resolves to its fd and each read is in its window,
    on both attachments."""
    for attach in ("raw", "per-syscall"):
        t = Tracer("portsnoop", [f"--attach={attach}", "--", sys.executable,
                                 os.path.join(WORKLOADS, workload), str(n)]).start()
        t.wait(timeout=60)
        assert t.code == 0, t.stderr
        events = [r for r in t.records if r["event"] == "epoll_event"]
        assert len(events) == n, (attach, len(events))
        unknown = [e for e in events if e["fd"] is None]
        assert not unknown, (attach, len(unknown), unknown[:3])
        reads = [r for r in t.records if r["event"] == "io" and r["syscall"] == "read"]
        assert [(r["fd"], r["wait_id"]) for r in reads] == \
            [(e["fd"], e["wait_id"]) for e in events], attach


def test_an_event_that_reaches_a_wait_before_its_mod_returns():
    """mod_race.py: 300 EPOLLONESHOT re-arms of a ready fd while another
    thread waits on the set, which wakes inside the MOD.  The MOD closes the
    window its fd's last event opened, not the one its own re-arm opened:
    every read is in the window of the event it follows."""
    check_ctl_race("mod_race.py")


def test_an_event_that_reaches_a_wait_before_its_add_returns():
    """add_race.py: 300 ready fds ADDed while another thread waits on the
    set, which wakes inside the ADD.  The kernel side learns an ADD at its
    entry, so every event resolves and every read is in its window; learned
    at the exit only, 12 or 13 of the 300 were fd null here, their reads
    unshown."""
    check_ctl_race("add_race.py")
