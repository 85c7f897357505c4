#!/usr/bin/env python3
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""An ADD whose event another thread receives before the ADD returns.

N times (the only argument): the main thread makes a socketpair, writes a
byte to one end and ADDs the other, already readable, to an epoll set on
which a second thread is blocked; that thread wakes inside the ADD, reads
the byte, DELs and closes the fd, and hands the turn back."""
import os
import select
import socket
import sys
import threading

n = int(sys.argv[1])
ep = select.epoll()
turn = threading.Semaphore(0)


def waiter():
    for _ in range(n):
        (fd, _), = ep.poll(5)
        os.read(fd, 1)
        ep.unregister(fd)
        os.close(fd)
        turn.release()


w = threading.Thread(target=waiter)
w.start()
for _ in range(n):
    a, b = socket.socketpair()
    b.send(b"x")
    b.close()
    ep.register(a.detach(), select.EPOLLIN)
    if not turn.acquire(timeout=5):
        sys.exit("the waiter did not get its event")
w.join()
