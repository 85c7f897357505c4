#!/usr/bin/env python3
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""More registrations than the tracer's maps hold.  Usage: many_regs.py N K.

K children, one after the other, each ADD N eventfds to an epoll set of
their own (the fd limit here is 20,000 a process) and stay.  Then the first
child's first eventfd and the last child's last are made readable and waited
for, in that order: two waits of one event each."""
import os
import select
import sys

n, k = int(sys.argv[1]), int(sys.argv[2])


def child(first, last, go, done):
    ep = select.epoll()
    fds = [os.eventfd(0, os.EFD_NONBLOCK) for _ in range(n)]
    for fd in fds:
        ep.register(fd, select.EPOLLIN)
    os.write(done, b"r")
    if first or last:
        fd = fds[0] if first else fds[-1]
        os.read(go, 1)
        os.eventfd_write(fd, 1)
        if [f for f, _ in ep.poll(5)] != [fd]:
            os._exit(1)
        os.write(done, b"w")
    os.read(go, 1)
    os._exit(0)


kids = []
for i in range(k):
    go, tell = os.pipe()
    done, heard = os.pipe()
    pid = os.fork()
    if not pid:
        child(i == 0, i == k - 1, go, heard)
    kids.append((pid, tell, done))
    if os.read(done, 1) != b"r":
        sys.exit(f"child {i} did not register")
for pid, tell, done in (kids[0], kids[-1]):
    os.write(tell, b"g")
    if os.read(done, 1) != b"w":
        sys.exit(f"child {pid} got no event")
for pid, tell, _ in kids:
    os.write(tell, b"g")
    if os.waitpid(pid, 0)[1]:
        sys.exit(f"child {pid} failed")
