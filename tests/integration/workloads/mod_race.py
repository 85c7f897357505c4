#!/usr/bin/env python3
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""A MOD re-arm whose event another thread receives before the MOD returns.

N times (the only argument): a second thread waits on an epoll set holding
one end of a socketpair, EPOLLONESHOT; the main thread writes a byte to the
other end while the fd is disarmed, then re-arms it with EPOLL_CTL_MOD; the
waiter wakes inside the MOD, reads the byte and hands the turn back."""
import os
import select
import socket
import sys
import threading

n = int(sys.argv[1])
ep = select.epoll()
a, b = socket.socketpair()
turn = threading.Semaphore(0)
ONESHOT = select.EPOLLIN | select.EPOLLONESHOT


def waiter():
    for _ in range(n):
        (fd, _), = ep.poll(5)
        os.read(fd, 1)
        turn.release()


ep.register(a.fileno(), ONESHOT)
w = threading.Thread(target=waiter)
w.start()
for i in range(n):
    b.send(b"x")
    if i:
        ep.modify(a.fileno(), ONESHOT)
    if not turn.acquire(timeout=5):
        sys.exit("the waiter did not get its event")
w.join()
