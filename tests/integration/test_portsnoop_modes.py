# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""portsnoop on the bundled epoll server: exact records per mode."""
from lib import Tracer, assert_seq, brief, of_pid, run_client, start_server

IN = "EPOLLIN"


def trace_mode(mode):
    server, port = start_server(mode)
    with Tracer("portsnoop", ["-p", str(server.pid)]) as t:
        run_client(port, 1, 2, 5)
        server.wait(timeout=10)
    assert t.code == 0, t.stderr
    return of_pid(t.records, server.pid), t


def test_level_triggered():
    recs, _ = trace_mode("lt")
    echo = [("wait", 4, 1), ("event", 5, IN), ("read", 5, 5), ("write", 5, 5)]
    assert_seq(brief(recs), [
        ("wait", 4, 1), ("event", 3, IN),
        ("accept4", 3, 5), ("accept4", 3, -11),
        ("ctl", "ADD", 5, IN, 0),
    ] + echo + echo + [
        ("wait", 4, 1), ("event", 5, IN), ("read", 5, 0),
        ("ctl", "DEL", 5, None, 0),
    ])
