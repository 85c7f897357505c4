# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""close_range(fd, fd, CLOSE_RANGE_UNSHARE) on one end of a socketpair, then
close() of both ends.  argv[1] 'thread': a second thread makes the
close_range, so the fd table is shared and copied first: the close in the
copy releases nothing, the main thread's close does.  'alone': the table is
not shared, close_range releases the socket.  Prints the ends' fds as JSON,
on stderr."""
import ctypes
import json
import os
import socket
import sys
import threading
import time

SYS_close_range, CLOSE_RANGE_UNSHARE = 436, 2
libc = ctypes.CDLL(None, use_errno=True)
a, b = socket.socketpair()
fa, fb = a.fileno(), b.fileno()


def close_range():
    if libc.syscall(SYS_close_range, fa, fa, CLOSE_RANGE_UNSHARE):
        sys.exit(f"close_range: {os.strerror(ctypes.get_errno())}")


def wait_for_the_thread_to_be_gone():
    """join() returns before the kernel has dropped the thread's copy of the
    table, which holds b too: b's close would then not release it.  Its
    /proc entry goes after that."""
    while len(os.listdir("/proc/self/task")) > 1:
        time.sleep(0.001)


if sys.argv[1] == "thread":
    t = threading.Thread(target=close_range)
    t.start()
    t.join()
    wait_for_the_thread_to_be_gone()
    a.send(b"still open")
    a.close()
else:
    close_range()
    a.detach()
b.close()
print(json.dumps({"a": fa, "b": fb}), file=sys.stderr, flush=True)
