# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""The unit tests and real tool runs, built with AddressSanitizer (with its
leak checker) and UndefinedBehaviorSanitizer: any report fails the test."""
import os
import subprocess

from lib import PROGS, ROOT

SAN = os.path.join(ROOT, "build-san")
ENV = dict(os.environ, ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:exitcode=86",
           UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1")


def build():
    subprocess.run(["make", "-s", "-j2", "O=build-san", "SAN=1", "tools", "units"],
                   cwd=ROOT, check=True, capture_output=True, timeout=600)


def run(args, **kw):
    p = subprocess.run(args, env=ENV, capture_output=True, text=True, timeout=120, **kw)
    report = [l for l in p.stderr.splitlines()
              if "Sanitizer" in l or "runtime error" in l]
    assert not report and p.returncode != 86, f"{args[0]}: {report or p.stderr[-2000:]}"
    return p


def test_unit_tests_under_asan_ubsan():
    build()
    for name in sorted(os.listdir(os.path.join(SAN, "unit"))):
        p = run([os.path.join(SAN, "unit", name)])
        assert p.returncode == 0 and "FAIL" not in p.stdout, p.stdout


def test_tools_under_asan_ubsan():
    build()
    p = run([os.path.join(SAN, "portsnoop"), "-j", "--", os.path.join(PROGS, "epflood"), "2000"])
    assert p.returncode == 0 and p.stdout.count('"event":"epoll_wait"') == 2000, p.stderr
    p = run([os.path.join(SAN, "socksnoop"), "-e", "all", "-j", "--", "python3", "-c",
             "import socket; a, b = socket.socketpair(); a.send(b'hi'); b.recv(9)"])
    assert p.returncode == 0 and '"name":"socket.receive"' in p.stdout, p.stderr
    p = run([os.path.join(SAN, "portsnoop"), "-n", "999"])
    assert p.returncode == 2
