# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""portsnoop on Node.js serving HTTP to curl, checked against strace's
decoding of the same run (both attached to the one node process)."""
import errno
import json
import os
import re
import signal
import subprocess

from lib import (Skip, Tracer, check_json_order, require, spawn, tmpdir, wait_for)

SERVER_JS = """
const http = require('http');
const s = http.createServer((req, res) => { res.end('hello\\n'); });
s.listen(0, '127.0.0.1', () => { console.log(s.address().port); });
"""

# Every call portsnoop may print as io, so each io record can be looked up.
STRACE_CALLS = ("epoll_ctl,epoll_wait,epoll_pwait,epoll_pwait2,"
                "read,readv,recvfrom,recvmsg,recvmmsg,write,writev,sendto,sendmsg,"
                "sendmmsg,accept,accept4,connect,shutdown,close")

EPOLL_BITS = {
    "EPOLLIN": 0x1, "EPOLLPRI": 0x2, "EPOLLOUT": 0x4, "EPOLLERR": 0x8,
    "EPOLLHUP": 0x10, "EPOLLNVAL": 0x20, "EPOLLRDNORM": 0x40, "EPOLLRDBAND": 0x80,
    "EPOLLWRNORM": 0x100, "EPOLLWRBAND": 0x200, "EPOLLMSG": 0x400,
    "EPOLLRDHUP": 0x2000, "EPOLL_URING_WAKE": 1 << 27, "EPOLLEXCLUSIVE": 1 << 28,
    "EPOLLWAKEUP": 1 << 29, "EPOLLONESHOT": 1 << 30, "EPOLLET": 1 << 31,
}


def mask_bits(s):
    bits = 0
    for name in s.split("|"):
        if name.startswith("0x"):
            bits |= int(name, 16)
        else:
            assert name in EPOLL_BITS, f"unknown epoll flag {name!r} in strace output"
            bits |= EPOLL_BITS[name]
    return bits


# --- strace ---------------------------------------------------------------

LINE = re.compile(r"^(\w+)\((.*)\)\s+=\s+(-?\d+|0x[0-9a-f]+|\?)"
                  r"(?:\s+(E[A-Z0-9]+)\s+\(.*\))?(?:\s+<[\d.]+>)?$")
EVENT = re.compile(r"\{events=([\w|]+), data=\{u32=\d+, u64=(\d+)\}\}")


def parse_strace(path):
    """strace -f -o PATH lines as dicts: tid, name, args (text), ret (raw,
    -errno on failure), with <unfinished ...>/<... resumed> joined."""
    calls, pending = [], {}
    for line in open(path, errors="replace"):
        line = line.rstrip("\n")
        m = re.match(r"^(\d+)\s+(.*)$", line)
        assert m, f"strace line without a tid: {line!r}"
        tid, rest = int(m.group(1)), m.group(2)
        if rest.startswith(("+++", "---")):
            continue
        if rest.endswith("<unfinished ...>"):
            pending[tid] = rest[:-len("<unfinished ...>")].rstrip()
            continue
        if rest.endswith("<detached ...>"):
            continue
        r = re.match(r"^<\.\.\. (\w+) resumed>\s?(.*)$", rest)
        if r:
            head = pending.pop(tid, None)
            if head is None:
                continue    # began before strace attached
            rest = head + " " + r.group(2) if not head.endswith("(") else head + r.group(2)
        m = LINE.match(rest)
        assert m, f"cannot parse strace line {line!r}"
        name, args, ret, err = m.groups()
        ret = int(ret, 0) if ret != "?" else None
        if err and ret == -1:
            ret = -getattr(errno, err)
        calls.append({"tid": tid, "name": name, "args": args, "ret": ret})
    return calls


def first_int(args):
    return int(args.split(",", 1)[0])


def strace_ctl(c):
    epfd, op, fd, ev = [a.strip() for a in c["args"].split(",", 3)]
    op = op.replace("EPOLL_CTL_", "")
    m = EVENT.fullmatch(ev)
    if op == "DEL" or not m:
        return (int(epfd), op, int(fd), None, None, c["ret"])
    return (int(epfd), op, int(fd), mask_bits(m.group(1)), int(m.group(2)), c["ret"])


def ps_ctl(r):
    data = int(r["data"], 16) if r["data"] is not None else None
    return (r["epfd"], r["op"], r["fd"], r["events_raw"], data, r["ret"])


def strace_waits(calls, tid):
    out = []
    for c in calls:
        if c["tid"] == tid and c["name"].startswith("epoll_") and c["name"] != "epoll_ctl":
            if c["ret"] == 0:
                continue    # portsnoop shows these only with --all-waits
            evs = [(mask_bits(e), int(d)) for e, d in EVENT.findall(c["args"])]
            out.append((c["name"], first_int(c["args"]), c["ret"], evs))
    return out


def ps_waits(recs, tid):
    out = []
    for r in recs:
        if r["tid"] != tid:
            continue
        if r["event"] == "epoll_wait":
            out.append((r["syscall"], r["epfd"], r["ret"], []))
        elif r["event"] == "epoll_event":
            out[-1][3].append((r["events_raw"], int(r["data"], 16)))
    return out


# --- the run --------------------------------------------------------------

def start_node(uring):
    require("node", "strace", "curl")
    env = dict(os.environ, UV_USE_IO_URING="1" if uring else "0")
    node = spawn(["node", "-e", SERVER_JS], stdout=subprocess.PIPE,
                 stdin=subprocess.DEVNULL, env=env)
    line = node.stdout.readline().decode().strip()
    assert line.isdigit(), f"node printed {line!r} instead of its port"
    return node, int(line)


def start_strace(pid):
    d = tmpdir()
    out, err = os.path.join(d, "strace.out"), os.path.join(d, "strace.err")
    with open(err, "w") as ef:
        st = spawn(["strace", "-f", "-e", f"trace={STRACE_CALLS}", "-p", str(pid),
                    "-o", out], stderr=ef, stdin=subprocess.DEVNULL)

    def attached():
        if st.poll() is not None:
            raise AssertionError(f"strace exited {st.returncode}: {open(err).read()}")
        return re.search(r"Process \d+ attached", open(err).read())
    wait_for(attached, 15, "strace to attach")
    return st, out


def partial_records(path):
    recs = []
    for l in open(path).read().splitlines():
        try:
            recs.append(json.loads(l))
        except ValueError:
            pass
    return recs


def serve_one_request(uring, *args):
    """node serves one curl request while strace and portsnoop ARGS both
    watch.  Returns (node pid, portsnoop records of node, strace calls)."""
    node, port = start_node(uring)
    # strace first: its attach interrupts and restarts node's blocked wait,
    # which portsnoop (not yet running) then sees only as the restarted wait.
    st, st_out = start_strace(node.pid)
    t = Tracer("portsnoop", [*args, "-p", str(node.pid)]).start()
    p = subprocess.run(["curl", "-sS", "--max-time", "10", f"http://127.0.0.1:{port}/"],
                       capture_output=True, text=True, timeout=30)
    assert p.returncode == 0 and p.stdout == "hello\n", (p.returncode, p.stdout, p.stderr)
    # curl is done once it has the reply; node is done once it has read curl's
    # EOF and unregistered the connection.
    wait_for(lambda: any(r["event"] == "epoll_ctl" and r["op"] == "DEL"
                         and r["tid"] == node.pid for r in partial_records(t.out_path)),
             15, "node to unregister the connection")
    t.stop()
    assert t.code == 0, f"portsnoop exit {t.code}: {t.stderr}"
    st.send_signal(signal.SIGINT)
    st.wait(timeout=15)
    recs = [r for r in t.records if r["pid"] == node.pid]
    assert len(recs) == len(t.records), "records of other processes with -p"
    check_json_order(recs, "node records")
    return node.pid, recs, parse_strace(st_out)


def check_against_strace(pid, recs, calls, uring):
    main = pid      # the loop thread: node's main thread
    # epoll_ctl: the same calls, in the same order, with the same arguments.
    s_ctl = [strace_ctl(c) for c in calls if c["tid"] == main and c["name"] == "epoll_ctl"]
    p_ctl = [ps_ctl(r) for r in recs if r["event"] == "epoll_ctl"
             and r["tid"] == main and r["via"] == "syscall"]
    assert p_ctl == s_ctl, f"epoll_ctl differ:\nportsnoop {p_ctl}\nstrace    {s_ctl}"

    # The waits with events: syscall, epfd, count, each event's mask and data.
    s_w, p_w = strace_waits(calls, main), ps_waits(recs, main)
    assert p_w == s_w, f"waits differ:\nportsnoop {p_w}\nstrace    {s_w}"
    assert len(p_w) >= 3, f"expected the accept, request and EOF waits: {p_w}"
    # libuv's data is the fd: every event must resolve to it.
    for r in recs:
        if r["event"] == "epoll_event" and r["tid"] == main:
            assert r["fd"] == int(r["data"], 16), r

    # The I/O: the listener's accept4, then the connection's calls.
    io = [r for r in recs if r["event"] == "io"]
    acc = [r for r in io if r["syscall"] == "accept4" and r["ret"] >= 0]
    assert len(acc) == 1, f"one accepted connection: {io}"
    lfd, cfd = acc[0]["fd"], acc[0]["ret"]
    assert p_w[0][3] == [(1, lfd)], f"the first wait is the listener's: {p_w[0]}"
    # Every io record is one of strace's lines (same thread, call, fd, result),
    # in order.
    pos = {}
    for r in io:
        lines = [c for c in calls if c["tid"] == r["tid"]]
        i = pos.get(r["tid"], 0)
        while i < len(lines) and not (
                lines[i]["name"] == r["syscall"] and lines[i]["ret"] == r["ret"]
                and first_int(lines[i]["args"]) == r["fd"]):
            i += 1
        assert i < len(lines), f"no strace line (in order) for {r}"
        pos[r["tid"]] = i + 1
    # ...and strace saw no call on the listener or the connection that the
    # windows should have held but portsnoop left out (close comes after the
    # DEL, outside any window).
    s_io = [(c["name"], first_int(c["args"]), c["ret"]) for c in calls
            if c["tid"] == main and not c["name"].startswith("epoll_")
            and c["name"] != "close" and first_int(c["args"]) in (lfd, cfd)]
    p_io = [(r["syscall"], r["fd"], r["ret"]) for r in io]
    assert p_io == s_io, f"window I/O differ:\nportsnoop {p_io}\nstrace    {s_io}"
    kinds = {(s, fd) for s, fd, ret in p_io if ret > 0 or s == "accept4"}
    assert ("read", cfd) in kinds and ({("writev", cfd), ("write", cfd)} & kinds), p_io
    return lfd, cfd


def test_node_http_matches_strace():
    pid, recs, calls = serve_one_request(uring=False)
    assert not [r for r in recs if r.get("via") == "io_uring"], \
        "UV_USE_IO_URING=0, yet epoll_ctl via io_uring"
    lfd, cfd = check_against_strace(pid, recs, calls, False)
    ctl = [(r["op"], r["fd"]) for r in recs if r["event"] == "epoll_ctl" and r["tid"] == pid]
    assert ("ADD", cfd) in ctl and ("DEL", cfd) in ctl, ctl


def test_node_io_uring_epoll_ctl():
    try:
        disabled = open("/proc/sys/kernel/io_uring_disabled").read().strip()
    except FileNotFoundError:
        disabled = "0"
    if disabled != "0":
        raise Skip(f"io_uring is disabled here (kernel.io_uring_disabled={disabled})")
    pid, recs, calls = serve_one_request(uring=True)
    lfd, cfd = check_against_strace(pid, recs, calls, True)
    s_ctl = [strace_ctl(c) for c in calls if c["name"] == "epoll_ctl"]
    uring = [r for r in recs if r["event"] == "epoll_ctl" and r["via"] == "io_uring"]
    if not uring and any(c[1] == "ADD" and c[2] == cfd for c in s_ctl):
        raise Skip("libuv made its ADD with epoll_ctl(2), not io_uring, on this kernel")
    adds = [r for r in uring if r["op"] == "ADD" and r["fd"] in (lfd, cfd)]
    assert adds, f"no ADD of the listener ({lfd}) or connection ({cfd}) via io_uring: {uring}"
    loop_epfd = [r for r in recs if r["event"] == "epoll_wait" and r["tid"] == pid][0]["epfd"]
    for r in uring:
        assert r["pid"] == pid and r["epfd"] == loop_epfd and r["ret"] == 0, r
        if r["op"] != "DEL":
            assert r["data"] == hex(r["fd"]) and r["events_raw"] & 1, r
        # strace cannot see these: no epoll_ctl(2) for them.
        assert not [c for c in s_ctl if (c[1], c[2]) == (r["op"], r["fd"])], \
            f"strace saw {r['op']} {r['fd']} as a syscall, portsnoop says via io_uring"
    # The connection's events resolve through the ADD learned from io_uring.
    ev = [r for r in recs if r["event"] == "epoll_event" and r["data"] == hex(cfd)]
    assert ev and all(r["fd"] == cfd for r in ev), ev
