#!/usr/bin/env python3
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""A child that waits on its parent's epoll set at once after fork, before
a tracer could learn the registrations it inherited from fdinfo.

Names itself psn-forkinherit (prctl), then, once a line (or EOF) is read
from stdin: registers the read end of a socketpair for EPOLLIN, writes a
byte to it, forks; the child waits on the inherited set, reads the byte
and exits; the parent waits for it."""
import ctypes
import os
import select
import socket
import sys

ctypes.CDLL(None).prctl(15, b"psn-forkinherit", 0, 0, 0)    # PR_SET_NAME
sys.stdin.readline()
a, b = socket.socketpair()
ep = select.epoll()
ep.register(a.fileno(), select.EPOLLIN)
b.send(b"x")
pid = os.fork()
if pid == 0:
    (fd, _), = ep.poll(5)
    os.read(fd, 1)
    os._exit(0)
_, status = os.waitpid(pid, 0)
sys.exit(os.waitstatus_to_exitcode(status))
