#!/usr/bin/env python3
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""One wait that returns many events, for the check of every event a tracer
decodes.  Through ctypes, so data is whatever we say:

  once a line (or EOF) is read from stdin, so a tracer can attach first:
  40 socketpairs, the read ends of the odd ones moved to fds 1100 and up
  (a tracer may keep fds below 1024 apart); read end i registered with
  data 0x5eed0000 + i, for EPOLLIN (even i) or EPOLLIN|EPOLLOUT (odd i);
  a byte written to each; one epoll_wait (maxevents 64) must return all 40.

Writes {"epfd", "fds", "got": [[events, data], ...]} as JSON to OUT_FILE
(the only argument): what the wait returned, in its order.  Then exits
(closing every fd) once another line (or EOF) is read."""
import ctypes
import json
import os
import platform
import resource
import socket
import sys

libc = ctypes.CDLL(None, use_errno=True)
PAIRS, BASE = 40, 0x5eed0000
EPOLLIN, EPOLLOUT, ADD = 1, 4, 1


class EpollEvent(ctypes.Structure):
    if platform.machine() == "x86_64":
        _pack_ = 1
    _fields_ = [("events", ctypes.c_uint32), ("data", ctypes.c_uint64)]


def check(ret, what):
    if ret < 0:
        sys.exit(f"{what}: {os.strerror(ctypes.get_errno())}")
    return ret


def high_fd(sock, fd):
    """sock's fd moved to fd: the returned socket owns it."""
    os.dup2(sock.fileno(), fd)
    sock.close()
    return socket.socket(fileno=fd)


def main():
    sys.stdin.readline()
    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    resource.setrlimit(resource.RLIMIT_NOFILE, (2048, hard))
    pairs = [socket.socketpair() for _ in range(PAIRS)]
    pairs = [(w, high_fd(r, 1100 + i) if i % 2 else r)
             for i, (w, r) in enumerate(pairs)]
    ep = check(libc.epoll_create1(0), "epoll_create1")
    for i, (_, r) in enumerate(pairs):
        ev = EpollEvent(EPOLLIN | (EPOLLOUT if i % 2 else 0), BASE + i)
        check(libc.epoll_ctl(ep, ADD, r.fileno(), ctypes.byref(ev)), "epoll_ctl")
    for w, _ in pairs:
        w.send(b"x")
    evs = (EpollEvent * 64)()
    n = check(libc.epoll_wait(ep, evs, 64, 1000), "epoll_wait")
    if n != PAIRS:
        sys.exit(f"epoll_wait returned {n}, not {PAIRS}")
    with open(sys.argv[1], "w") as f:
        json.dump({"epfd": ep, "fds": [r.fileno() for _, r in pairs],
                   "got": [[e.events, e.data] for e in evs[:n]]}, f)
    sys.stdin.readline()


if __name__ == "__main__":
    main()
