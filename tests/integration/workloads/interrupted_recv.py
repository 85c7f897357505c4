# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""A blocking recv(2) a SIGALRM interrupts, 0.2 s before a forked child sends
5 bytes.  argv[1] 'restart': the handler is SA_RESTART, the kernel restarts
the call, recv returns 5.  'eintr': it is not (Python's default), the call
fails with EINTR and Python calls recv again (PEP 475).  Prints the fd."""
import os
import signal
import socket
import sys
import time

a, b = socket.socketpair()
signal.signal(signal.SIGALRM, lambda *_: None)
signal.siginterrupt(signal.SIGALRM, sys.argv[1] == "eintr")
if os.fork() == 0:
    time.sleep(0.5)
    b.send(b"hello")
    os._exit(0)
signal.setitimer(signal.ITIMER_REAL, 0.2)
assert a.recv(64) == b"hello"
os.wait()
print(a.fileno(), file=sys.stderr, flush=True)
