# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""Helpers for the integration tests: run the real tools on real processes.

Every process a test starts goes through spawn(), so cleanup() can end it
whatever the test's outcome."""
import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.path.join(ROOT, "build")
PROGS = os.path.join(BUILD, "progs")

_procs = []
_tmpdirs = []


class Skip(Exception):
    """Raised by a test that cannot run here; the message says why."""


def require(*commands):
    for c in commands:
        if not shutil.which(c):
            raise Skip(f"{c} is not installed (make deps installs it)")


def tmpdir():
    d = tempfile.mkdtemp(prefix="psn-test-")
    _tmpdirs.append(d)
    return d


def spawn(args, **kw):
    p = subprocess.Popen(args, **kw)
    _procs.append(p)
    return p


def cleanup():
    while _procs:
        p = _procs.pop()
        if p.poll() is None:
            p.kill()
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass
    while _tmpdirs:
        shutil.rmtree(_tmpdirs.pop(), ignore_errors=True)


def wait_for(cond, timeout=10.0, what="condition"):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        v = cond()
        if v:
            return v
        time.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}")


class Tracer:
    """A tool (portsnoop or socksnoop) running with args, output to a file.

    start() returns once the tool said 'Tracing' on stderr; stop() ends it
    with SIGINT (unless it ended by itself) and parses what it printed."""

    def __init__(self, tool, args, json_out=True, env=None):
        self.tool = os.path.join(BUILD, tool)
        self.args = list(args)
        self.json = json_out
        self.env = env
        d = tmpdir()
        self.out_path = os.path.join(d, "out")
        self.err_path = os.path.join(d, "err")
        self.proc = None
        self.records = []
        self.text = ""
        self.stderr = ""
        self.code = None

    def start(self, timeout=30):
        argv = [self.tool] + (["-j"] if self.json else []) + self.args
        self._out = open(self.out_path, "w")
        self._err = open(self.err_path, "w")
        self.proc = spawn(argv, stdout=self._out, stderr=self._err, stdin=subprocess.DEVNULL,
                          env=self.env)

        def ready():
            if self.proc.poll() is not None:
                raise AssertionError(f"{argv} exited {self.proc.returncode}: "
                                     f"{open(self.err_path).read()}")
            return "Tracing" in open(self.err_path).read()
        wait_for(ready, timeout, "the Tracing line")
        return self

    def wait(self, timeout=60):
        self.code = self.proc.wait(timeout=timeout)
        return self._collect()

    def stop(self, timeout=30):
        if self.proc.poll() is None:
            time.sleep(0.3)  # let the last records be read
            self.proc.send_signal(signal.SIGINT)
        return self.wait(timeout)

    def _collect(self):
        self._out.close()
        self._err.close()
        self.text = open(self.out_path, errors="replace").read()
        self.stderr = open(self.err_path, errors="replace").read()
        if self.json:
            self.records = [json.loads(l) for l in self.text.splitlines() if l.strip()]
        return self

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        if self.code is None and self.proc:
            self.stop()


def start_server(mode, conns=1, env=None):
    """Start tests/progs/epserver in MODE; returns (process, port)."""
    d = tmpdir()
    port_file = os.path.join(d, "port")
    e = dict(os.environ, EPSERVER_CONNS=str(conns), **(env or {}))
    p = spawn([os.path.join(PROGS, "epserver"), mode, port_file], env=e)
    wait_for(lambda: os.path.exists(port_file), 10, "the server's port")
    return p, int(open(port_file).read())


def run_client(port, conns=1, msgs=2, size=5):
    subprocess.run([os.path.join(PROGS, "epclient"), str(port), str(conns),
                    str(msgs), str(size)], check=True, timeout=30)


def of_pid(records, pid):
    return [r for r in records if r.get("pid") == pid]


def brief(records):
    """Records as short tuples, for exact comparisons with readable diffs."""
    out = []
    for r in records:
        ev = r["event"]
        if ev == "epoll_wait":
            out.append(("wait", r["epfd"], r["ret"]))
        elif ev == "epoll_event":
            out.append(("event", r["fd"], r["events"]))
        elif ev == "epoll_ctl":
            out.append(("ctl", r["op"], r["fd"], r["events"], r["ret"]))
        elif ev == "io":
            out.append((r["syscall"], r["fd"], r["ret"]))
        else:
            out.append((ev,))
    return out


def assert_seq(actual, expected, what="records"):
    if actual != expected:
        lines = [f"{what} differ:"]
        for i in range(max(len(actual), len(expected))):
            a = actual[i] if i < len(actual) else "-"
            e = expected[i] if i < len(expected) else "-"
            mark = "  " if a == e else "!!"
            lines.append(f"{mark} {i:3} got {a}  want {e}")
        raise AssertionError("\n".join(lines))


# --- appended helpers (JSON invariants, epflood, fd lookups) ---

def check_json_order(records, what="records"):
    """The JSON invariants that hold for any trace without --io=all:
    ts_ns never decreases; wait_ids are 1, 2, 3... in the order the waits are
    printed; a wait's epoll_event records follow it at once, with its
    wait_id, its epfd and index 0..ret-1 (ret capped by -n, default 30); and
    every io record's wait_id is that of the latest wait before it whose
    events included its fd (in the same process)."""
    last_ts = None
    next_id = 1
    pending = None          # (wait record, events still to come)
    latest_for_fd = {}      # (pid, fd) -> wait_id
    for i, r in enumerate(records):
        where = f"{what}[{i}] {r}"
        if last_ts is not None:
            assert r["ts_ns"] >= last_ts, f"ts_ns went back at {where}"
        last_ts = r["ts_ns"]
        ev = r["event"]
        if pending and pending[1]:
            w, left = pending
            assert ev == "epoll_event", f"wait {w['wait_id']} missing events at {where}"
            assert r["wait_id"] == w["wait_id"] and r["epfd"] == w["epfd"] \
                and r["pid"] == w["pid"] and r["tid"] == w["tid"], where
            assert r["index"] == min(w["ret"], 30) - left, where
            if r["fd"] is not None:
                latest_for_fd[(r["pid"], r["fd"])] = r["wait_id"]
            pending = (w, left - 1)
            continue
        assert ev != "epoll_event", f"event outside a wait at {where}"
        if ev == "epoll_wait":
            assert r["wait_id"] == next_id, f"wait_id {r['wait_id']}, want {next_id} at {where}"
            next_id += 1
            pending = (r, min(r["ret"], 30) if r["ret"] > 0 else 0)
        elif ev == "io":
            want = latest_for_fd.get((r["pid"], r["fd"]))
            assert want is not None and r["wait_id"] == want, \
                f"io wait_id {r['wait_id']}, want {want} (latest wait for fd {r['fd']}) at {where}"
    assert not (pending and pending[1]), f"{what} end inside the events of a wait"


def epoll_registrations(pid, epfd):
    """{fd: data} from /proc/PID/fdinfo/EPFD (the registrations made so far)."""
    regs = {}
    with open(f"/proc/{pid}/fdinfo/{epfd}") as f:
        for line in f:
            if line.startswith("tfd:"):
                w = line.split()
                regs[int(w[1])] = int(w[w.index("data:") + 1], 16)
    return regs


def start_epflood(iterations, hold=True):
    """tests/progs/epflood N; with hold, it waits for release() (a byte on
    its stdin) before it makes any epoll call."""
    p = spawn([os.path.join(PROGS, "epflood"), str(iterations)]
              + (["--wait-stdin"] if hold else []),
              stdin=subprocess.PIPE if hold else subprocess.DEVNULL)

    def release():
        p.stdin.write(b"g")
        p.stdin.close()
    p.release = release
    return p


def no_such_pid():
    """A pid that no process has now."""
    pid = int(open("/proc/sys/kernel/pid_max").read()) - 1
    while pid > 300:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return pid
        except PermissionError:
            pass
        pid -= 1
    raise Skip("found no free pid")


WORKLOADS = os.path.join(ROOT, "tests", "integration", "workloads")


def prog_ids_of(pid):
    """The BPF programs whose fds process pid holds (from its fdinfo)."""
    ids = set()
    d = f"/proc/{pid}/fdinfo"
    for fd in os.listdir(d):
        try:
            ids |= {int(m) for m in re.findall(r"^prog_id:\s+(\d+)", open(f"{d}/{fd}").read(), re.M)}
        except OSError:
            pass
    return ids


def prog_names_of(pid):
    """The names of the BPF programs process pid holds (cut at 15 bytes)."""
    out = subprocess.run(["bpftool", "-j", "prog", "show"], capture_output=True,
                         text=True, check=True).stdout
    ids = prog_ids_of(pid)
    return {p["name"] for p in json.loads(out) if p["id"] in ids}
