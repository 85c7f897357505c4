#!/usr/bin/env python3
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""Waits returning at once on every CPU: THREADS threads (4), each with its own
epoll set over a socketpair, write a byte, wait (it returns the byte's event),
read it, for SECONDS (1.5).  Usage: threads_waiting.py [SECONDS [THREADS]]."""
import select
import socket
import sys
import threading
import time


def loop(end):
    ep = select.epoll()
    a, b = socket.socketpair()
    ep.register(a.fileno(), select.EPOLLIN)
    while time.monotonic() < end:
        b.send(b"x")
        ep.poll(1)
        a.recv(16)


def main():
    secs = float(sys.argv[1]) if len(sys.argv) > 1 else 1.5
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 4
    end = time.monotonic() + secs
    threads = [threading.Thread(target=loop, args=(end,)) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


if __name__ == "__main__":
    main()
