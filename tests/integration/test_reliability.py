# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""Loss is never silent, and exact: records received + lost = records made."""
import os
import re
import signal
import time

from lib import PROGS, Tracer

N = 100000  # loop iterations: each makes one wait record and one read record


def flood(extra_args, json_out=True):
    """The flood under a 4 KiB ring whose reader is stopped for a moment: it
    fills in a few records, so loss is certain (a fast reader on the other
    CPU could otherwise keep up) and must be exact."""
    t = Tracer("portsnoop", ["--ringbuf-size", "4", *extra_args, "--",
                             os.path.join(PROGS, "epflood"), str(N)], json_out).start()
    os.kill(t.proc.pid, signal.SIGSTOP)
    time.sleep(0.2)
    os.kill(t.proc.pid, signal.SIGCONT)
    return t.wait(timeout=120)


def test_flood_json_accounts_for_every_record():
    t = flood([])
    assert t.code == 0, t.stderr
    kinds = {}
    for r in t.records:
        kinds[r["event"]] = kinds.get(r["event"], 0) + 1
    lost = sum(r["count"] for r in t.records if r["event"] == "lost")
    received = sum(kinds.get(k, 0) for k in ("epoll_create", "epoll_ctl", "epoll_wait", "io"))
    assert lost > 0, f"a 4 KiB ring buffer lost nothing in {N} iterations: {kinds}"
    assert received + lost == 2 * N + 2, (received, lost, kinds)
    summary = re.search(r"(\d+) records lost in all", t.stderr)
    assert summary and int(summary.group(1)) == lost, t.stderr


def test_flood_text_says_so_on_stderr():
    t = flood(["-n", "0"], json_out=False)
    assert t.code == 0, t.stderr
    said = sum(int(n) for n in re.findall(r"lost (\d+) records", t.stderr))
    rows = [l for l in t.text.splitlines()[1:] if l.strip()]
    assert said > 0
    assert len(rows) + said == 2 * N + 2, (len(rows), said)
    assert f"{said} records lost in all" in t.stderr
