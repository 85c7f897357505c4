#!/usr/bin/env python3
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""One wait that returns more events than a record holds: N socketpairs
(the only argument), each read end registered for EPOLLIN, a byte written
to each, one epoll_wait (maxevents N + 100) that returns all N, then one
read of each fd it returned, in its order."""
import os
import select
import socket
import sys
import time

n = int(sys.argv[1])
pairs = [socket.socketpair() for _ in range(n)]
ep = select.epoll()
for a, _ in pairs:
    ep.register(a.fileno(), select.EPOLLIN)
for _, b in pairs:
    b.send(b"x")
got = ep.poll(5, n + 100)
if len(got) != n:
    sys.exit(f"the wait returned {len(got)} events, not {n}")
for fd, _ in got:
    os.read(fd, 1)
