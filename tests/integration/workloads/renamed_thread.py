# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""A process that names itself argv[1] (its main thread's comm) and does its
epoll loop in a thread that renames itself 'wrk', as libuv's and Python's
worker threads do.  Starts on a line on stdin; prints the worker's tid and
the loop's fd as JSON when done."""
import ctypes
import json
import select
import socket
import sys
import threading

PR_SET_NAME = 15
libc = ctypes.CDLL(None)
libc.prctl(PR_SET_NAME, sys.argv[1].encode(), 0, 0, 0)
done = {}


def work():
    libc.prctl(PR_SET_NAME, b"wrk", 0, 0, 0)
    a, b = socket.socketpair()
    ep = select.epoll()
    ep.register(a.fileno(), select.EPOLLIN)
    for _ in range(3):
        b.send(b"x")
        ep.poll(1)
        a.recv(1)
    done.update(tid=threading.get_native_id(), fd=a.fileno())


sys.stdin.readline()
t = threading.Thread(target=work)
t.start()
t.join()
print(json.dumps(done), flush=True)
