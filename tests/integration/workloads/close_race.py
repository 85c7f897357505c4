#!/usr/bin/env python3
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""A close still running when its fd's number is taken and registered anew.

A registered TCP socket whose peer reads nothing is closed by a second
thread with SO_LINGER {1, 1} and its send buffer full: close(2) frees the
number at once, then lingers a second.  Meanwhile the main thread accepts a
connection, which gets that number, and ADDs it; once the close has
returned, the new socket gets a byte, the loop waits and reads it.  Both
ADDs carry the same data, the fd's number (as libuv's and redis' do): the
registrations differ only in time."""
import ctypes
import os
import select
import socket
import struct
import sys
import threading
import time

libc = ctypes.CDLL(None, use_errno=True)


def add(ep, fd):
    """EPOLL_CTL_ADD with data = fd (x86-64's epoll_event is packed)."""
    ev = struct.pack("=IQ", select.EPOLLIN, fd)
    if libc.epoll_ctl(ep.fileno(), 1, fd, ev):
        sys.exit(f"epoll_ctl ADD {fd}: {os.strerror(ctypes.get_errno())}")

srv = socket.socket()
srv.bind(("127.0.0.1", 0))
srv.listen(4)
old = socket.create_connection(srv.getsockname())
deaf, _ = srv.accept()
deaf.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
pending = socket.create_connection(srv.getsockname())

ep = select.epoll()
number = old.fileno()
add(ep, number)
old.setblocking(False)
try:
    while True:
        old.send(b"x" * 65536)
except BlockingIOError:
    pass
old.setblocking(True)
old.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 1))

closer = threading.Thread(target=old.close)
began = time.monotonic()
closer.start()
time.sleep(0.2)
new, _ = srv.accept()
if new.fileno() != number:
    sys.exit(f"the new socket is fd {new.fileno()}, not the closed {number}")
add(ep, number)
closer.join()
if time.monotonic() - began < 0.5:
    sys.exit("the close did not linger: the race was not run")
pending.send(b"y")
if [fd for fd, _ in ep.poll(5)] != [number]:
    sys.exit("no event for the new socket")
os.read(number, 1)
