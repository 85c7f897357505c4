# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""An epoll loop whose fds were registered before a tracer attached: a
socketpair end and a pipe's read end are registered, then, once a line is
read from stdin, each gets a byte, one wait returns both and both are
read.  Prints the two fds as JSON on stderr."""
import json
import os
import select
import socket
import sys

a, b = socket.socketpair()
r, w = os.pipe()
ep = select.epoll()
ep.register(a.fileno(), select.EPOLLIN)
ep.register(r, select.EPOLLIN)
sys.stdin.readline()
b.send(b"x")
os.write(w, b"y")
assert len(ep.poll(1)) == 2
a.recv(1)
os.read(r, 1)
print(json.dumps({"sock": a.fileno(), "pipe": r}), file=sys.stderr, flush=True)
