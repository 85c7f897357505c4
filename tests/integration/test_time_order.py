# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""Time order across CPUs: crossorder's two threads, pinned to the two CPUs,
make records at once, one a wait whose 200 events take long to decode.  The
ring buffer receives some out of time order; the tools print them in it."""
import os

from lib import PROGS, WORKLOADS, Tracer

CROSSORDER = [os.path.join(PROGS, "crossorder"), "300"]


def backwards(times):
    return [(i, a, b) for i, (a, b) in enumerate(zip(times, times[1:])) if b < a]


def test_portsnoop_json_and_text_never_go_back():
    t = Tracer("portsnoop", ["-n", "1", "--io=none", "--"] + CROSSORDER).start()
    t.wait(timeout=60)
    assert t.code == 0, (t.code, t.stderr)
    kinds = {(r["event"], r["tid"]) for r in t.records}
    assert len({tid for ev, tid in kinds if ev == "epoll_wait"}) == 1 and \
        len({tid for ev, tid in kinds if ev == "epoll_ctl"}) == 2, kinds
    assert sum(r["event"] == "epoll_wait" for r in t.records) == 300
    assert not backwards([r["ts_ns"] for r in t.records])[:5]

    t = Tracer("portsnoop", ["-n", "1", "--io=none", "--"] + CROSSORDER, json_out=False)
    t.start().wait(timeout=60)
    assert t.code == 0, (t.code, t.stderr)
    times = [float(l.split()[0]) for l in t.text.splitlines()[1:]]
    assert len(times) > 600 and not backwards(times)[:5]


def test_wait_ids_follow_the_time_order_across_threads():
    """wait_id numbers waits in the order they returned: four threads' waits
    on the two CPUs, an interrupt between a wait's time and its number
    must not put two of them out of order."""
    t = Tracer("portsnoop", ["-n", "0", "--io=none", "--", "python3",
                             os.path.join(WORKLOADS, "threads_waiting.py"), "2"])
    t.start().wait(timeout=60)
    assert t.code == 0, (t.code, t.stderr)
    waits = [r for r in t.records if r["event"] == "epoll_wait"]
    assert len({r["tid"] for r in waits}) == 4 and len(waits) > 4000, len(waits)
    assert not backwards([r["ts_ns"] for r in waits])[:5]
    ids = [r["wait_id"] for r in waits]
    assert len(set(ids)) == len(ids), "wait_id repeats"
    out_of_order = [(a["wait_id"], a["ts_ns"], b["wait_id"], b["ts_ns"])
                    for a, b in zip(waits, waits[1:]) if b["wait_id"] < a["wait_id"]]
    assert not out_of_order, (len(out_of_order), out_of_order[:3])


def test_socksnoop_never_goes_back():
    t = Tracer("socksnoop", ["-e", "all", "--"] + CROSSORDER).start()
    t.wait(timeout=60)
    assert t.code == 0, (t.code, t.stderr)
    names = {r["name"] for r in t.records}
    assert {"socket.send", "socket.receive"} <= names, names
    assert not backwards([r["ts_ns"] for r in t.records])[:5]
