# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""A tool run under valgrind: no memory error, nothing leaked."""
import os
import subprocess

from lib import BUILD, PROGS, ROOT, require


def valgrind(tool, *args):
    require("valgrind")
    p = subprocess.run(["valgrind", f"--suppressions={ROOT}/tests/valgrind.supp",
                        "--error-exitcode=99", "--leak-check=full",
                        os.path.join(BUILD, tool), *args],
                       capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr[-3000:]
    assert "ERROR SUMMARY: 0 errors" in p.stderr
    assert "in use at exit: 0 bytes in 0 blocks" in p.stderr, p.stderr[-2000:]
    return p


def test_portsnoop_is_valgrind_clean():
    p = valgrind("portsnoop", "-j", "--", os.path.join(PROGS, "epflood"), "100")
    assert p.stdout.count('"event":"epoll_wait"') == 100


def test_socksnoop_is_valgrind_clean():
    p = valgrind("socksnoop", "-e", "all", "--", "python3", "-c",
                 "import socket; a, b = socket.socketpair(); a.send(b'x'); b.recv(1)")
    assert "socket.receive" in p.stdout
