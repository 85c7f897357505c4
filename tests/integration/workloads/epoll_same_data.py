#!/usr/bin/env python3
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""Registrations whose data does not name one fd, for portsnoop's "never a
guess" rule.  Through ctypes, so data is whatever we say:

  fds A, B, C (the read ends of three socketpairs) in one epoll set;
  A and B registered with the same data 0x1234, C with 0x99.
  1. C readable: wait, read C          (0x99 -> C)
  2. A readable: wait, read A          (0x1234 -> A or B: unknown)
  3. DEL B; A readable: wait, read A   (0x1234 -> A alone now)

Writes "A B C EPFD" to OUT_FILE (the only argument) at the end."""
import ctypes
import os
import platform
import socket
import sys

libc = ctypes.CDLL(None, use_errno=True)


class EpollEvent(ctypes.Structure):
    if platform.machine() == "x86_64":
        _pack_ = 1
    _fields_ = [("events", ctypes.c_uint32), ("data", ctypes.c_uint64)]


EPOLLIN, ADD, DEL = 1, 1, 2


def check(ret, what):
    if ret < 0:
        e = ctypes.get_errno()
        sys.exit(f"{what}: {os.strerror(e)}")
    return ret


def ctl(ep, op, fd, data):
    ev = EpollEvent(EPOLLIN, data)
    check(libc.epoll_ctl(ep, op, fd, ctypes.byref(ev)), "epoll_ctl")


def wait_one(ep):
    evs = (EpollEvent * 4)()
    n = check(libc.epoll_wait(ep, evs, 4, 1000), "epoll_wait")
    if n != 1:
        sys.exit(f"epoll_wait returned {n}, not 1")
    return evs[0].data


def main():
    pairs = [socket.socketpair() for _ in range(3)]
    (wa, a), (wb, b), (wc, c) = [(p[0], p[1].fileno()) for p in pairs]
    ep = check(libc.epoll_create1(0), "epoll_create1")
    ctl(ep, ADD, a, 0x1234)
    ctl(ep, ADD, b, 0x1234)
    ctl(ep, ADD, c, 0x99)
    for w, fd, want in ((wc, c, 0x99), (wa, a, 0x1234), (None, None, None), (wa, a, 0x1234)):
        if w is None:
            ctl(ep, DEL, b, 0)
            continue
        w.send(b"x")
        got = wait_one(ep)
        if got != want:
            sys.exit(f"event data {got:#x}, not {want:#x}")
        os.read(fd, 1)
    with open(sys.argv[1], "w") as f:
        f.write(f"{a} {b} {c} {ep}\n")


if __name__ == "__main__":
    main()
