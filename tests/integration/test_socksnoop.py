# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""socksnoop: every probe point, record by record, on tests/progs/sockcalls.

Each test runs `socksnoop -e all -j -- sockcalls SCENARIO FILE`, keeps the
records of the workload's pid, and compares them, in order, with what the
calls it made must give (spec/socksnoop.md): each probe once per call, with
exact sizes, fds and socket values.  The model below mirrors the numbers in
tests/progs/sockcalls.c; change both together."""
import json
import os
import subprocess

from lib import BUILD, PROGS, WORKLOADS, Tracer, prog_names_of, tmpdir

SOCKCALLS = os.path.join(PROGS, "sockcalls")

# Numbers (Linux's).
AF_UNIX, AF_INET, AF_INET6, AF_NETLINK = 1, 2, 10, 16
STREAM, DGRAM, RAW, SEQPACKET = 1, 2, 3, 5
TCP, UDP, NETLINK_USERSOCK = 6, 17, 2
UNCONNECTED, CONNECTED = 1, 3
MSG_DONTWAIT, MSG_NOSIGNAL = 0x40, 0x4000
EINVAL, EAGAIN, EPIPE, EMSGSIZE, EAFNOSUPPORT = 22, 11, 32, 90, 97

# The names the records must carry beside the numbers.
FAMILY_NAMES = {1: "LOCAL", 2: "INET", 10: "INET6", 16: "NETLINK", 127: "UNDEF"}
PROTOCOL_NAMES = {0: "IP", 2: "IGMP", 6: "TCP", 17: "UDP"}
TYPE_NAMES = {1: "STREAM", 2: "DGRAM", 3: "RAW", 5: "SEQPACKET"}
STATE_NAMES = {-1: "UNDEF", 1: "UNCONNECTED", 3: "CONNECTED"}

# Both sets of programs: the raw sys_enter/sys_exit pair (the default), and
# one tracepoint per syscall.  The tests that follow a call's whole life run
# on each.
ATTACHES = ("--attach=raw", "--attach=per-syscall")

PAIRS = ["tcp4", "tcp6", "udp4", "udp6", "unix-stream", "unix-dgram",
         "unix-seqpacket", "netlink"]


# ---- running the workload ----------------------------------------------------

def read_fds(path):
    """sockcalls' OUTFILE: {"pid": N, "tcp4.c": 5, ...}."""
    fds = {}
    for line in open(path):
        key, value = line.split()
        fds[key] = int(value)
    return fds


def run(scenario, *opts, probes="all", json_out=True, env=None):
    """socksnoop on `sockcalls SCENARIO`: (records of its pid, its fds, tracer)."""
    assert os.access(SOCKCALLS, os.X_OK), f"{SOCKCALLS} is missing: run make progs"
    out = os.path.join(tmpdir(), "fds")
    args = (["-e", probes] if probes else []) + list(opts)
    t = Tracer("socksnoop", args + ["--", SOCKCALLS, scenario, out],
               json_out=json_out, env=env).start()
    t.wait(timeout=60)
    assert t.code == 0, f"sockcalls {scenario} (or socksnoop) exited {t.code}: {t.stderr}"
    fds = read_fds(out)
    recs = [r for r in t.records if r.get("pid") == fds["pid"]]
    assert not [r for r in t.records if r.get("event") == "lost"], "records lost"
    return recs, fds, t


# A record, for comparing: the values the spec fixes.
FIELDS = ("name", "syscall", "fd", "success", "size", "family", "protocol",
          "type", "state", "msg_flags")


def check_record(r):
    """What every record must satisfy whatever the call: names beside numbers,
    err/requester on create only, a size but on create and close (null),
    flags -1 exactly where the socket is not there yet."""
    where = f"in {r}"
    assert r["event"] == "socket", where
    for key, names in (("family", FAMILY_NAMES), ("protocol", PROTOCOL_NAMES),
                       ("type", TYPE_NAMES), ("state", STATE_NAMES)):
        if r[key] in names:
            assert r[f"{key}_name"] == names[r[key]], f"{key}_name {where}"
    creates = r["name"].startswith("socket.create")
    assert ("err" in r) == creates and ("requester" in r) == creates, where
    sized = not creates and not r["name"].startswith("socket.close")
    assert (r["size"] is not None) == sized, f"size {where}"
    if creates:
        assert r["requester"] == 0, where
    no_socket = r["name"] == "socket.create" or r["fd"] == -1
    assert (r["flags"] == -1) == no_socket, f"flags {where}"
    assert r["msg_flags_name"] == {0: "0", MSG_DONTWAIT: "MSG_DONTWAIT",
                                   MSG_NOSIGNAL: "MSG_NOSIGNAL"}[r["msg_flags"]], where


def assert_seq(actual, expected, what="records"):
    """As lib.assert_seq, but only the differing lines (the runner keeps the
    end of a message): the first few, then how many there are in all."""
    if actual == expected:
        return
    bad = [i for i in range(max(len(actual), len(expected)))
           if i >= len(actual) or i >= len(expected) or actual[i] != expected[i]]
    lines = [f"{what} differ ({len(actual)} got, {len(expected)} wanted), "
             f"first at {bad[0]}:"]
    for i in bad[:8]:
        a = actual[i] if i < len(actual) else "-"
        e = expected[i] if i < len(expected) else "-"
        lines.append(f"{i:3} got  {a}\n    want {e}")
    lines.append(f"{len(bad)} lines differ in all ({FIELDS})")
    raise AssertionError("\n".join(lines))


def compact(recs):
    for r in recs:
        check_record(r)
    return [tuple(r[f] for f in FIELDS) + ((r["err"],) if "err" in r else ())
            for r in recs]


# ---- the model ---------------------------------------------------------------

class Sock:
    """A socket as the probes show it: fd, family, protocol, type, state."""

    def __init__(self, fd, family, protocol, type_, state):
        self.fd, self.family, self.protocol = fd, family, protocol
        self.type, self.state = type_, state

    def vals(self):
        return (self.family, self.protocol, self.type, self.state)


def rec(name, syscall, fd, success, size, vals, msg_flags=0, err=None):
    r = (name, syscall, fd, success, size) + tuple(vals) + (msg_flags,)
    return r + ((err,) if name.startswith("socket.create") else ())


def create(sock, protocol_arg, state_made=UNCONNECTED):
    """socket(): the entry shows the arguments, the return the made socket."""
    asked = (sock.family, protocol_arg, sock.type, -1)
    made = (sock.family, sock.protocol, sock.type, state_made)
    return [rec("socket.create", "socket", -1, None, None, asked, err=0),
            rec("socket.create.return", "socket", sock.fd, 1, None, made, err=0)]


def create_pair(a, b):
    """socketpair(AF_UNIX, type, 0): two of each, the fds in order."""
    asked = (a.family, 0, a.type, -1)
    return [rec("socket.create", "socketpair", -1, None, None, asked, err=0)] * 2 + [
        rec("socket.create.return", "socketpair", s.fd, 1, None, s.vals(), err=0)
        for s in (a, b)]


def close(sock, syscall="close"):
    return [rec("socket.close", syscall, sock.fd, None, None, sock.vals()),
            rec("socket.close.return", syscall, sock.fd, 1, None, sock.vals())]


def xfer(syscall, probe, sock, asked, got, msg_flags=0):
    """One call: entry (asked), .return and send/receive (got, or -errno)."""
    ok = 1 if got >= 0 else 0
    total = "socket.send" if probe in ("sendmsg", "aio_write", "writev") else "socket.receive"
    v = sock.vals()
    return [rec(f"socket.{probe}", syscall, sock.fd, None, asked, v, msg_flags),
            rec(f"socket.{probe}.return", syscall, sock.fd, ok, got, v, msg_flags),
            rec(total, syscall, sock.fd, ok, got, v, msg_flags)]


def mmsg(syscall, probe, sock, asked, got, msg_flags=0):
    """sendmmsg/recvmmsg: per message tried (got: bytes, or -errno), its
    entry (asked), return and total, as xfer."""
    return [r for a, g in zip(asked, got)
            for r in xfer(syscall, probe, sock, a, g, msg_flags)]


def suite(s, r, stream):
    """sockcalls' suite from s to r, then EAGAIN on the empty r."""
    out = (xfer("sendto", "sendmsg", s, 11, 11, MSG_DONTWAIT) +
           xfer("sendmsg", "sendmsg", s, 12, 12, MSG_NOSIGNAL) +
           mmsg("sendmmsg", "sendmsg", s, [3, 4, 6], [3, 4, 6]) +
           xfer("write", "aio_write", s, 13, 13) +
           xfer("writev", "writev", s, 17, 17))
    if stream:
        out += (xfer("recvfrom", "recvmsg", r, 11, 11) +
                xfer("recvmsg", "recvmsg", r, 12, 12) +
                mmsg("recvmmsg", "recvmsg", r, [3, 4, 6], [3, 4, 6]) +
                xfer("read", "aio_read", r, 13, 13) +
                xfer("readv", "readv", r, 67, 17))
    else:
        out += (xfer("recvfrom", "recvmsg", r, 100, 11) +
                xfer("recvmsg", "recvmsg", r, 100, 12) +
                mmsg("recvmmsg", "recvmsg", r, [32, 32, 32], [3, 4, 6]) +
                xfer("read", "aio_read", r, 100, 13) +
                xfer("readv", "readv", r, 100, 17))
    return out + xfer("recvfrom", "recvmsg", r, 100, -EAGAIN, MSG_DONTWAIT)


def model(scenario, fds):
    """The records sockcalls SCENARIO must give, with the fds it reported."""
    fd = lambda key: fds[f"{scenario}.{key}"]  # noqa: E731
    if scenario in ("tcp4", "tcp6"):
        fam = AF_INET if scenario == "tcp4" else AF_INET6
        l = Sock(fd("l"), fam, TCP, STREAM, UNCONNECTED)
        c = Sock(fd("c"), fam, TCP, STREAM, CONNECTED)
        a = Sock(fd("a"), fam, TCP, STREAM, CONNECTED)
        return (create(l, TCP) + create(c, TCP) + suite(c, a, True) +
                close(c) + close(a) + close(l))
    if scenario in ("udp4", "udp6"):
        fam = AF_INET if scenario == "udp4" else AF_INET6
        # connect(2) on UDP leaves sock->state SS_UNCONNECTED
        r = Sock(fd("r"), fam, UDP, DGRAM, UNCONNECTED)
        s = Sock(fd("s"), fam, UDP, DGRAM, UNCONNECTED)
        return create(r, UDP) + create(s, UDP) + suite(s, r, False) + close(s) + close(r)
    if scenario.startswith("unix-"):
        type_ = {"unix-stream": STREAM, "unix-dgram": DGRAM,
                 "unix-seqpacket": SEQPACKET}[scenario]
        s = Sock(fd("s"), AF_UNIX, 0, type_, CONNECTED)
        r = Sock(fd("r"), AF_UNIX, 0, type_, CONNECTED)
        return create_pair(s, r) + suite(s, r, type_ == STREAM) + close(s) + close(r)
    if scenario == "netlink":
        s = Sock(fd("s"), AF_NETLINK, NETLINK_USERSOCK, RAW, UNCONNECTED)
        r = Sock(fd("r"), AF_NETLINK, NETLINK_USERSOCK, DGRAM, UNCONNECTED)
        return (create(s, NETLINK_USERSOCK) + create(r, NETLINK_USERSOCK) +
                suite(s, r, False) + close(s) + close(r))
    if scenario == "all":
        return [r for p in PAIRS for r in model(p, fds)]
    raise ValueError(scenario)


def check_pair(scenario):
    for attach in ATTACHES:
        recs, fds, _ = run(scenario, attach)
        assert_seq(compact(recs), model(scenario, fds), f"{scenario} records ({attach})")


# ---- every call on every kind of socket --------------------------------------

def test_inet_tcp():
    check_pair("tcp4")


def test_inet6_tcp():
    check_pair("tcp6")


def test_inet_udp():
    check_pair("udp4")


def test_inet6_udp():
    check_pair("udp6")


def test_unix_stream():
    check_pair("unix-stream")


def test_unix_dgram():
    check_pair("unix-dgram")


def test_unix_seqpacket():
    check_pair("unix-seqpacket")


def test_netlink():
    check_pair("netlink")


# ---- failures, dup and close, files ------------------------------------------

def fail_model(fds):
    a = Sock(fds["fail.a"], AF_UNIX, 0, STREAM, CONNECTED)
    b = Sock(fds["fail.b"], AF_UNIX, 0, STREAM, CONNECTED)
    bad = (127, 0, STREAM, -1)
    bad_type = (AF_INET, 0, 77, -1)     # the bits the kernel refused, kept
    return ([rec("socket.create", "socket", -1, None, None, bad, err=0),
             rec("socket.create.return", "socket", -1, 0, None, bad, err=-EAFNOSUPPORT),
             rec("socket.create", "socket", -1, None, None, bad_type, err=0),
             rec("socket.create.return", "socket", -1, 0, None, bad_type, err=-EINVAL)] +
            create_pair(a, b) +
            xfer("read", "aio_read", b, 100, -EAGAIN) +
            close(a) +
            xfer("sendto", "sendmsg", b, 5, -EPIPE, MSG_NOSIGNAL) +
            xfer("write", "aio_write", b, 7, -EPIPE) +
            close(b) + mmsg_fail_model(fds))


def mmsg_fail_model(fds):
    """The messages tried, no more: sendmmsg's third never is."""
    r = Sock(fds["fail.r"], AF_INET, UDP, DGRAM, UNCONNECTED)
    s = Sock(fds["fail.s"], AF_INET, UDP, DGRAM, UNCONNECTED)
    return (create(r, UDP) + create(s, UDP) +
            mmsg("sendmmsg", "sendmsg", s, [3, 70000, 7], [3, -EMSGSIZE]) +
            mmsg("recvmmsg", "recvmsg", r, [32] * 4, [3, -EAGAIN], MSG_DONTWAIT) +
            close(s) + close(r))


def test_failures():
    """EAFNOSUPPORT from socket(), EAGAIN on an empty non-blocking socket,
    EPIPE after the peer closed: -errno and success 0."""
    for attach in ATTACHES:
        recs, fds, _ = run("fail", attach)
        assert_seq(compact(recs), fail_model(fds), f"fail records ({attach})")


def test_dup_close_release():
    """close of a dup'd socket's first fd is no release; the last one is.
    dup2, dup3 onto a socket and close_range release too."""
    for attach in ATTACHES:
        check_dup_close_release(attach)


def check_dup_close_release(attach):
    recs, fds, _ = run("dup", attach)
    f = lambda k: fds[f"dup.{k}"]  # noqa: E731
    unix = lambda key, type_: Sock(f(key), AF_UNIX, 0, type_, CONNECTED)  # noqa: E731
    a, b, c, e = unix("a", STREAM), unix("b", STREAM), unix("c", DGRAM), unix("e", DGRAM)
    d = unix("d", STREAM)
    fsock, g = unix("f", SEQPACKET), unix("g", SEQPACKET)
    ranged = sorted([e, fsock, g], key=lambda s: s.fd)
    assert (f("range_lo"), f("range_hi")) == (ranged[0].fd, ranged[-1].fd)
    want = (create_pair(a, b) +
            # close(a): d still refers to it, nothing
            xfer("write", "aio_write", d, 3, 3) +
            close(d) +
            close(b, "dup2") +
            create_pair(c, e) +
            close(c, "dup3") +
            create_pair(fsock, g) +
            [rec("socket.close", "close_range", s.fd, None, None, s.vals()) for s in ranged] +
            [rec("socket.close.return", "close_range", s.fd, 1, None, s.vals())
             for s in ranged])
    assert_seq(compact(recs), want, f"dup records ({attach})")


def test_close_range_unshare_releases_only_an_unshared_table():
    """close_range(CLOSE_RANGE_UNSHARE) from a second thread closes the fd in
    a copy of the table: the socket is released by the main thread's close
    later, once.  Without a second thread the table is the process' own and
    close_range releases it."""
    for attach in ATTACHES:
        for mode, closer in (("thread", "close"), ("alone", "close_range")):
            t = Tracer("socksnoop", ["-e", "socket.close", attach, "--", "python3",
                                     os.path.join(WORKLOADS, "close_range_unshare.py"), mode])
            t.start().wait(timeout=30)
            assert t.code == 0, (attach, mode, t.code, t.stderr)
            fds = json.loads([l for l in t.stderr.splitlines() if l.startswith("{")][0])
            got = [(r["fd"], r["syscall"]) for r in t.records if r["name"] == "socket.close"]
            assert got == [(fds["a"], closer), (fds["b"], "close")], (attach, mode, got)


def test_an_interrupted_receive_fires_once_per_call():
    """A signal interrupts a blocking recv: restarted (SA_RESTART), it is one
    call, its probes fire once, with the 5 bytes; failed with EINTR, it is a
    call of its own (-4), and Python's second recv another."""
    for attach in ATTACHES:
        for mode, sizes in (("restart", [5]), ("eintr", [-4, 5])):
            t = Tracer("socksnoop", ["-e", "socket.recvmsg*,socket.receive", attach, "--",
                                     "python3", os.path.join(WORKLOADS, "interrupted_recv.py"),
                                     mode])
            t.start().wait(timeout=30)
            assert t.code == 0, (attach, mode, t.code, t.stderr)
            fd = int([l for l in t.stderr.splitlines() if l.isdigit()][0])
            got = [(r["name"], r["size"]) for r in t.records if r["fd"] == fd]
            want = []
            for size in sizes:
                want += [("socket.recvmsg", 64), ("socket.recvmsg.return", size),
                         ("socket.receive", size)]
            assert got == want, (attach, mode, got)


def test_the_default_is_raw_and_per_syscall_where_tracing_programs_are_refused():
    """By default the probes are two programs, on the raw sys_enter and
    sys_exit tracepoints.  Where the kernel refuses BPF tracing programs
    (tp_btf), socksnoop says so under -v and takes one tracepoint per
    syscall, with the same records; --attach=raw then fails.  This kernel
    takes them, so the refusal is injected (tests/shims/notracing.c)."""
    shim = dict(os.environ, LD_PRELOAD=os.path.join(BUILD, "shims", "notracing.so"))
    names = {}
    for key, args, env in (("default", [], None), ("per-syscall", [ATTACHES[1]], None),
                           ("refused", [], shim)):
        with Tracer("socksnoop", args + ["-p", str(os.getpid())], env=env) as t:
            names[key] = prog_names_of(t.proc.pid)
    assert {"raw_sys_enter", "raw_sys_exit"} <= names["default"], names["default"]
    assert not [n for n in names["default"] if n.startswith(("enter_", "exit_"))], names
    for key in ("per-syscall", "refused"):
        assert "exit_sendto" in names[key], (key, names[key])
        assert not [n for n in names[key] if n.startswith("raw_")], (key, names[key])
    recs, fds, t = run("tcp4", "-v", env=shim)
    assert "refuses programs on the raw syscall tracepoints" in t.stderr, t.stderr[-2000:]
    assert_seq(compact(recs), model("tcp4", fds), "tcp4 records (raw refused)")
    p = subprocess.run([os.path.join(BUILD, "socksnoop"), ATTACHES[0], "-p", "1", "-d", "1"],
                       env=shim, capture_output=True, text=True, timeout=60)
    assert p.returncode == 1 and "cannot load the BPF programs" in p.stderr, p


def test_files_and_pipes_give_nothing():
    """read, write, readv, writev, pread, pwrite on a regular file and a pipe:
    no record; only the marker socketpair closing after them."""
    recs, fds, _ = run("files")
    a = Sock(fds["files.a"], AF_UNIX, 0, STREAM, CONNECTED)
    b = Sock(fds["files.b"], AF_UNIX, 0, STREAM, CONNECTED)
    assert_seq(compact(recs), create_pair(a, b) + close(a) + close(b), "files records")


def test_socketpair_create():
    """socketpair: two socket.create, two socket.create.return with the fds."""
    recs, fds, _ = run("unix-stream", probes="socket.create*")
    s = Sock(fds["unix-stream.s"], AF_UNIX, 0, STREAM, CONNECTED)
    r = Sock(fds["unix-stream.r"], AF_UNIX, 0, STREAM, CONNECTED)
    assert_seq(compact(recs), create_pair(s, r), "socketpair records")


# ---- options -----------------------------------------------------------------

def test_failed_only():
    """-x: only calls that failed: .return, send/receive, create.return."""
    recs, fds, _ = run("fail", "-x")
    want = [r for r in fail_model(fds) if r[3] == 0]
    assert len(want) == 12  # 8, and the failed messages' return and total
    assert_seq(compact(recs), want, "fail -x records")


def test_failed_only_on_good_calls():
    """-x on the eight suites: only their EAGAIN, nothing that succeeded."""
    recs, fds, _ = run("all", "-x")
    want = [r for r in model("all", fds) if r[3] == 0]
    assert len(want) == 2 * len(PAIRS)
    assert_seq(compact(recs), want, "all -x records")


def field(name):
    return FIELDS.index(name)


def check_filter(opts, key, value, scenario="all", min_count=10):
    recs, fds, _ = run(scenario, *opts)
    unfiltered = model(scenario, fds)
    want = [r for r in unfiltered if r[field(key)] == value]
    assert len(want) >= min_count and len(want) < len(unfiltered)
    assert_seq(compact(recs), want, f"{' '.join(opts)} records")


def test_family_filter_inet6():
    check_filter(["--family", "INET6"], "family", AF_INET6)


def test_family_filter_number():
    check_filter(["--family", "16"], "family", AF_NETLINK)


def test_family_filter_unix():
    check_filter(["--family", "AF_UNIX"], "family", AF_UNIX)


def test_protocol_filter_udp():
    check_filter(["--protocol", "UDP"], "protocol", UDP)


def test_protocol_filter_number():
    check_filter(["--protocol", "6"], "protocol", TCP)


def proto0_model(fds):
    t = Sock(fds["proto0.t"], AF_INET, TCP, STREAM, UNCONNECTED)
    u = Sock(fds["proto0.u"], AF_INET6, UDP, DGRAM, UNCONNECTED)
    return create(t, 0) + create(u, 0) + close(t) + close(u)


def test_create_with_protocol_0():
    """socket(AF_INET, SOCK_STREAM, 0): the entry shows the argument (0, as the
    tapset's $protocol), the return the socket the kernel made (TCP)."""
    recs, fds, _ = run("proto0")
    assert_seq(compact(recs), proto0_model(fds), "proto0 records")


def test_protocol_filter_protocol_0():
    """--protocol TCP shows socket(AF_INET, SOCK_STREAM, 0), whose socket the
    kernel makes TCP: its create (which shows the argument, 0), create.return
    (TCP) and close; not the UDP socket made the same way."""
    recs, fds, _ = run("proto0", "--protocol", "TCP")
    want = [r for r in proto0_model(fds) if r[field("fd")] == fds["proto0.t"] or
            (r[0] == "socket.create" and r[field("family")] == AF_INET)]
    assert len(want) == 4
    assert_seq(compact(recs), want, "proto0 --protocol TCP records")


def test_protocol_filter_protocol_0_udp():
    recs, fds, _ = run("proto0", "--protocol", "udp")
    want = [r for r in proto0_model(fds) if r[field("fd")] == fds["proto0.u"] or
            (r[0] == "socket.create" and r[field("family")] == AF_INET6)]
    assert len(want) == 4
    assert_seq(compact(recs), want, "proto0 --protocol udp records")


def test_type_filter():
    check_filter(["--type", "SEQPACKET"], "type", SEQPACKET)


def test_help_fits_a_screen():
    """--help: at most 24 lines of at most 80 columns, naming every option."""
    p = subprocess.run([os.path.join(BUILD, "socksnoop"), "--help"], capture_output=True,
                       text=True, timeout=20)
    assert p.returncode == 0 and p.stderr == "", (p.returncode, p.stderr)
    lines = p.stdout.splitlines()
    assert len(lines) <= 24, f"{len(lines)} lines, more than a screen"
    assert not [l for l in lines if len(l) > 80], "lines over 80 columns"
    for opt in ("-p PID", "-t TID", "-C NAME", "-- COMMAND", "-d SECONDS", "-e PROBE",
                "--family", "--protocol", "--type", "-x", "--json", "-o FILE", "--attach=",
                "--ringbuf-size"):
        assert opt in p.stdout, f"--help does not mention {opt}"


def test_usage_errors_name_the_culprit():
    """One line naming the bad value, exit 2, nothing loaded."""
    for args, culprit in ((["-e", "socket.send,bogus"], "'bogus'"),
                          (["-e", "socket.*.return,socket.nope.*"], "'socket.nope.*'"),
                          (["-e", "socket.send,"], "an empty name in 'socket.send,'"),
                          (["--family", "NOPE"], "'NOPE'")):
        p = subprocess.run([os.path.join(BUILD, "socksnoop")] + args, capture_output=True,
                           text=True, timeout=20)
        lines = p.stderr.splitlines()
        assert p.returncode == 2 and len(lines) == 1 and culprit in lines[0], \
            (args, p.returncode, p.stderr)
        assert "Tracing" not in p.stderr and p.stdout == "", (args, p.stdout)


def test_default_probes():
    """Without -e: socket.send, socket.receive, socket.create, socket.close."""
    recs, fds, _ = run("tcp4", probes=None)
    keep = ("socket.send", "socket.receive", "socket.create", "socket.close")
    want = [r for r in model("tcp4", fds) if r[0] in keep]
    assert_seq(compact(recs), want, "default records")


def test_probe_wildcard():
    recs, fds, _ = run("unix-seqpacket", probes="socket.*.return")
    want = [r for r in model("unix-seqpacket", fds) if r[0].endswith(".return")]
    assert_seq(compact(recs), want, "socket.*.return records")


def test_repeated_e_adds_up():
    """-e socket.send -e 'socket.*.return': both lists, as repeated -p add up."""
    recs, fds, _ = run("unix-seqpacket", "-e", "socket.*.return", probes="socket.send")
    want = [r for r in model("unix-seqpacket", fds)
            if r[0] == "socket.send" or r[0].endswith(".return")]
    assert_seq(compact(recs), want, "-e socket.send -e socket.*.return records")


def test_text_output():
    """One line per probe hit under the spec's header."""
    _, fds, t = run("unix-stream", probes="socket.send", json_out=False)
    lines = t.text.splitlines()
    assert lines[0].split() == ["TIME", "PID", "TID", "COMM", "PROBE", "FD", "FAMILY",
                                "PROTO", "STATE", "TYPE", "SIZE"], lines[0]
    mine = [l.split() for l in lines[1:] if l.split()[1] == str(fds["pid"])]
    s = str(fds["unix-stream.s"])
    want = [[str(fds["pid"]), str(fds["pid"]), "sockcalls", "socket.send", s, "LOCAL",
             "IP", "CONNECTED", "STREAM", str(n)] for n in (11, 12, 3, 4, 6, 13, 17)]
    assert [l[1:] for l in mine] == want, "\n".join(lines)


def test_text_columns_hold_their_values():
    """Each value starts under its heading, with the longest common ones:
    UNCONNECTED (every UDP socket), SEQPACKET, a 15-byte comm."""
    comm = "fifteen-bytes15"    # a process' comm is its program's file name
    prog = os.path.join(tmpdir(), comm)
    os.symlink(SOCKCALLS, prog)
    for scenario in ("udp4", "unix-seqpacket"):
        t = Tracer("socksnoop", ["-e", "all", "--", prog, scenario,
                                 os.path.join(tmpdir(), "fds")], json_out=False)
        t.start().wait(timeout=60)
        assert t.code == 0, t.stderr
        head, *rows = t.text.splitlines()
        starts = [head.index(h) for h in ("COMM", "PROBE", "STATE", "TYPE")]
        seen = set()
        for row in rows:
            fields = row.split()
            if fields[-1].startswith("E"):  # a failure's SIZE: -errno and its name
                fields = fields[:-1]
            for at, value in zip(starts, row[starts[0]:].split()[:1] + [
                    fields[4], fields[-3], fields[-2]]):
                assert row[at:at + len(value)] == value, (scenario, head, row)
                seen.add(value)
        assert {comm, "UNCONNECTED" if scenario == "udp4" else "SEQPACKET"} <= seen, seen
        failed = [r for r in rows if r.split()[4] == "socket.recvmsg.return"][-1]
        assert failed.endswith(" -11 EAGAIN"), failed


# ---- beyond the kernel side's loop bounds ------------------------------------

def many_model(fds):
    s = Sock(fds["many.s"], AF_UNIX, 0, STREAM, CONNECTED)
    r = Sock(fds["many.r"], AF_UNIX, 0, STREAM, CONNECTED)
    return (create_pair(s, r) +
            xfer("sendmsg", "sendmsg", s, 100, 100) +
            xfer("writev", "writev", s, 100, 100) +
            mmsg("sendmmsg", "sendmsg", s, [1] * 20, [1] * 20) +
            xfer("recvmsg", "recvmsg", r, 100, 100) +
            xfer("readv", "readv", r, 100, 100) +
            mmsg("recvmmsg", "recvmsg", r, [1] * 20, [1] * 20) +
            close(s) + close(r))


def test_many_iovecs():
    """sendmsg, writev, recvmsg, readv of 100 one-byte iovecs: every entry
    probe's size is 100, the bytes asked for (or the capacity)."""
    recs, fds, _ = run("many")
    calls = ("sendmsg", "writev", "recvmsg", "readv")
    got = [r for r in compact(recs) if r[1] in calls]
    want = [r for r in many_model(fds) if r[1] in calls]
    assert_seq(got, want, "100-iovec records")


def test_blocking_recvmmsg_enters_when_called():
    """A recvmmsg that blocks 0.3 s for its first message: that message's
    entry fires when the call begins, its return when the data came; the
    second message, tried at once, gets EAGAIN."""
    t = Tracer("socksnoop", ["-e", "socket.recvmsg,socket.recvmsg.return", "--",
                             "python3", os.path.join(WORKLOADS, "recvmmsg_waits.py")])
    t.start().wait(timeout=30)
    assert t.code == 0, (t.code, t.stderr)
    got = [(r["name"], r["size"], r["ts_ns"]) for r in t.records
           if r["syscall"] == "recvmmsg"]
    assert [g[:2] for g in got] == [
        ("socket.recvmsg", 32), ("socket.recvmsg.return", 3),
        ("socket.recvmsg", 32), ("socket.recvmsg.return", -EAGAIN)], got
    assert got[1][2] - got[0][2] >= 200_000_000, \
        f"the first entry fired {(got[1][2] - got[0][2]) / 1e6:.0f} ms before its return"


def test_many_mmsg_messages():
    """sendmmsg and recvmmsg of 20 messages: 20 entries, 20 returns and 20
    send/receive each (the probes fire per message)."""
    recs, fds, _ = run("many")
    got = [r for r in compact(recs) if r[1] in ("sendmmsg", "recvmmsg")]
    want = [r for r in many_model(fds) if r[1] in ("sendmmsg", "recvmmsg")]
    count = lambda rs, name, sc: sum(1 for r in rs if r[0] == name and r[1] == sc)  # noqa: E731
    summary = {(n, sc): (count(got, n, sc), count(want, n, sc))
               for sc, probe, total in (("sendmmsg", "sendmsg", "send"),
                                        ("recvmmsg", "recvmsg", "receive"))
               for n in (f"socket.{probe}", f"socket.{probe}.return", f"socket.{total}")}
    assert all(g == w for g, w in summary.values()), \
        f"probe hits (got, wanted) for 20 messages: {summary}"
    assert_seq(got, want, "20-message records")
