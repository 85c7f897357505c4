# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""nginx under wrk at full speed (loopback), traced by portsnoop and by
socksnoop: no crash, the tracer's memory flat, every loss accounted.
PSN_LOAD_SECONDS sets the load's length (default 60)."""
import os
import re
import signal
import socket
import subprocess
import time

from lib import BUILD, require, spawn, tmpdir, wait_for

SECONDS = int(os.environ.get("PSN_LOAD_SECONDS", "60"))

CONF = """
daemon off;
master_process on;
worker_processes 2;
pid {d}/nginx.pid;
error_log {d}/error.log;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {d}; proxy_temp_path {d}; fastcgi_temp_path {d};
    uwsgi_temp_path {d}; scgi_temp_path {d};
    server {{ listen 127.0.0.1:{port}; location / {{ return 200 "ok\\n"; }} }}
}}
"""


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def start_nginx():
    require("nginx", "wrk")
    d, port = tmpdir(), free_port()
    open(f"{d}/nginx.conf", "w").write(CONF.format(d=d, port=port))
    master = spawn(["nginx", "-c", f"{d}/nginx.conf", "-p", d])

    def workers():
        out = subprocess.run(["pgrep", "-P", str(master.pid)], capture_output=True, text=True)
        pids = [int(p) for p in out.stdout.split()]
        return pids if len(pids) == 2 else None
    return master, port, wait_for(workers, 10, "nginx's two workers")


def rss_kib(pid):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def stop_nginx(master, workers):
    """SIGKILL of the master alone (lib.cleanup) would orphan the workers."""
    for pid in [master.pid, *workers]:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    master.wait(timeout=10)


def load(tool, args):
    master, port, workers = start_nginx()
    try:
        return run_load(tool, args, port, workers)
    finally:
        stop_nginx(master, workers)


def run_load(tool, args, port, workers):
    d = tmpdir()
    out, err = open(f"{d}/out", "w"), open(f"{d}/err", "w")
    tracer = spawn([os.path.join(BUILD, tool), "-p", ",".join(map(str, workers)),
                    "--ringbuf-size", "1024", *args], stdout=out, stderr=err)
    wait_for(lambda: "Tracing" in open(f"{d}/err").read(), 30, "the Tracing line")
    wrk = spawn(["wrk", "-t2", "-c32", f"-d{SECONDS}s", f"http://127.0.0.1:{port}/"],
                stdout=subprocess.PIPE, text=True)
    samples = []
    while wrk.poll() is None:
        samples.append(rss_kib(tracer.pid))
        time.sleep(1)
    report = wrk.stdout.read()
    assert tracer.poll() is None, f"{tool} died: {open(f'{d}/err').read()}"
    tracer.send_signal(signal.SIGINT)
    code = tracer.wait(timeout=60)
    out.close()
    err.close()
    requests = int(re.search(r"(\d+) requests in", report).group(1))
    return Run(code, f"{d}/out", open(f"{d}/err").read()), samples, requests


class Run:
    """A finished tracer; its output (GBs at full load) is read as a stream."""

    def __init__(self, code, out_path, stderr):
        self.code, self.out_path, self.stderr = code, out_path, stderr

    def scan(self, needle):
        """(lines holding needle, records reported lost), in one pass."""
        count = lost = 0
        with open(self.out_path, "rb") as f:
            for line in f:
                if needle in line:
                    count += 1
                elif line.startswith(b'{"') and b'"event":"lost"' in line:
                    lost += int(re.search(rb'"count":(\d+)', line).group(1))
        return count, lost


def check(t, samples, requests, needle):
    assert t.code == 0, t.stderr
    assert requests > 1000, requests
    # Flat: after the first seconds' growth, the resident set stays put.
    settled = samples[min(5, len(samples) - 1)]
    assert max(samples) <= settled + 2048, f"RSS grew: {samples}"
    seen, lost = t.scan(needle)
    summary = re.search(r"(\d+) records lost in all", t.stderr)
    assert (int(summary.group(1)) if summary else 0) == lost, (lost, t.stderr)
    return seen, lost


def test_nginx_under_wrk_traced_by_portsnoop():
    t, samples, requests = load("portsnoop", ["-j"])
    events, lost = check(t, samples, requests, b'"event":"epoll_event"')
    # Each request arrives as an event on its connection (one wait returns
    # many); with nothing lost, they are all here.
    if not lost:
        assert events >= requests * 0.9, (events, requests)


def test_nginx_under_wrk_traced_by_socksnoop():
    t, samples, requests = load("socksnoop", ["-j", "-e", "socket.send,socket.receive"])
    sends, lost = check(t, samples, requests, b'"name":"socket.send"')
    # Every response is one send (writev); what is not here was lost.
    assert sends + lost >= requests, (sends, lost, requests)
