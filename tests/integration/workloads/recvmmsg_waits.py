#!/usr/bin/env python3
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""A blocking recvmmsg that waits: a UDP socket, recvmmsg(vlen 2,
MSG_WAITFORONE) into two 32-byte buffers, which blocks until a thread sends
3 bytes 0.3 s later; then it tries the second (EAGAIN) and returns 1.
Through ctypes (Python has no recvmmsg).  Exits 0 if it returned 1."""
import ctypes
import socket
import sys
import threading
import time

MSG_WAITFORONE = 0x10000


class Iovec(ctypes.Structure):
    _fields_ = [("base", ctypes.c_void_p), ("len", ctypes.c_size_t)]


class Msghdr(ctypes.Structure):
    _fields_ = [("name", ctypes.c_void_p), ("namelen", ctypes.c_uint32),
                ("iov", ctypes.POINTER(Iovec)), ("iovlen", ctypes.c_size_t),
                ("control", ctypes.c_void_p), ("controllen", ctypes.c_size_t),
                ("flags", ctypes.c_int)]


class Mmsghdr(ctypes.Structure):
    _fields_ = [("hdr", Msghdr), ("len", ctypes.c_uint)]


def main():
    libc = ctypes.CDLL(None, use_errno=True)
    r = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    r.bind(("127.0.0.1", 0))
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.connect(r.getsockname())
    bufs = [ctypes.create_string_buffer(32) for _ in range(2)]
    iovs = [Iovec(ctypes.cast(b, ctypes.c_void_p), 32) for b in bufs]
    msgs = (Mmsghdr * 2)()
    for i in range(2):
        msgs[i].hdr.iov = ctypes.pointer(iovs[i])
        msgs[i].hdr.iovlen = 1
    threading.Thread(target=lambda: (time.sleep(0.3), s.send(b"abc"))).start()
    n = libc.recvmmsg(r.fileno(), msgs, 2, MSG_WAITFORONE, None)
    sys.exit(0 if n == 1 else 1)


if __name__ == "__main__":
    main()
