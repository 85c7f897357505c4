# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""The programs in examples/ on workloads whose numbers are known."""
import os
import re
import subprocess
import sys

from lib import BUILD, tmpdir

BYTECOUNT = os.path.join(BUILD, "examples", "bytecount")

# Known traffic: 1000 bytes over a TCP loopback connection to itself, three
# 100-byte UDP datagrams over ::1, 42 bytes a forked child writes on a UNIX
# socketpair and the parent reads.  Around it what must not count: a failed
# receive (EAGAIN), a file's and a pipe's I/O.  Exits 3.
WORKLOAD = r'''
import os, socket, sys

l = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
l.bind(("127.0.0.1", 0))
l.listen(1)
c = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
c.connect(l.getsockname())
a, _ = l.accept()
c.sendall(b"t" * 1000)
got = 0
while got < 1000:
    got += len(a.recv(4096))
a.setblocking(False)
try:
    a.recv(10)
    sys.exit("a receive on an empty socket worked")
except BlockingIOError:
    pass

u = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
u.bind(("::1", 0))
for _ in range(3):
    u.sendto(b"u" * 100, u.getsockname())
for _ in range(3):
    assert len(u.recv(500)) == 100

p, q = socket.socketpair()
child = os.fork()
if child == 0:
    p.close()
    q.sendall(b"c" * 42)
    os._exit(0)
q.close()
got = 0
while got < 42:
    got += len(p.recv(100))
os.waitpid(child, 0)

with open(sys.argv[1], "wb+") as f:
    f.write(b"f" * 4096)
    f.seek(0)
    f.read()
r, w = os.pipe()
os.write(w, b"p" * 512)
os.read(r, 512)
sys.exit(3)
'''

LINE = re.compile(r"^(\S+)\s+(\S+)\s+sent (\d+) received (\d+)$")


def bytecount(*command):
    assert os.access(BYTECOUNT, os.X_OK), f"{BYTECOUNT} is missing: run make examples"
    return subprocess.run([BYTECOUNT, "--", *command], capture_output=True,
                          text=True, timeout=60, stdin=subprocess.DEVNULL)


def test_bytecount_totals():
    d = tmpdir()
    script = os.path.join(d, "workload.py")
    with open(script, "w") as f:
        f.write(WORKLOAD)
    p = bytecount(sys.executable, script, os.path.join(d, "file"))
    assert p.returncode == 3, f"exit {p.returncode}: {p.stderr}"
    rows = [LINE.match(l).groups() for l in p.stderr.splitlines() if LINE.match(l)]
    assert rows == [
        ("LOCAL", "IP", "42", "42"),
        ("INET", "TCP", "1000", "1000"),
        ("INET6", "UDP", "300", "300"),
    ], p.stderr
    assert p.stderr.strip().splitlines() == [
        "LOCAL    IP       sent 42 received 42",
        "INET     TCP      sent 1000 received 1000",
        "INET6    UDP      sent 300 received 300",
    ], p.stderr


def test_bytecount_no_traffic_and_status():
    p = bytecount("sh", "-c", "echo hi > /dev/null; exit 5")
    assert p.returncode == 5, p.stderr
    assert p.stderr == "bytecount: no socket sent or received anything\n", p.stderr


def test_bytecount_usage_and_missing_command():
    p = subprocess.run([BYTECOUNT], capture_output=True, text=True, timeout=10)
    assert p.returncode == 2 and p.stderr.startswith("usage: bytecount"), p.stderr
    p = bytecount("/nonexistent/command")
    assert p.returncode == 127, p.stderr
    assert "cannot run /nonexistent/command" in p.stderr, p.stderr
