# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""portsnoop --timeline: a Chrome/Perfetto trace (the trace-event format) of
each thread's loop, checked for its shape: slices that nest per thread, the
waits, iterations and calls all there, the I/O inside its iteration."""
import json
import os
import subprocess
from collections import defaultdict

from lib import BUILD, PROGS, Tracer, check_json_order, run_client, spawn, start_server, tmpdir

PORTSNOOP = os.path.join(BUILD, "portsnoop")
PATHOLOGY = os.path.join(PROGS, "pathology")
SLACK_US = 0.001    # ts and dur are printed in us with 3 decimals


def timeline_of(mode, conns, msgs):
    """portsnoop --timeline FILE -p SERVER over epserver MODE and its client:
    (the parsed file, the server's pid, the tracer)."""
    path = os.path.join(tmpdir(), "timeline.json")
    server, port = start_server(mode, conns)
    with Tracer("portsnoop", ["--timeline", path, "-p", str(server.pid)]) as t:
        run_client(port, conns, msgs, 5)
        server.wait(timeout=10)
    assert t.code == 0, t.stderr
    assert server.returncode == 0, f"epserver {mode} exited {server.returncode}"
    with open(path) as f:
        doc = json.load(f)
    return doc, server.pid, t


def slices_of(doc):
    """The "X" slices, checked for the trace-event format's fields."""
    assert isinstance(doc, dict) and isinstance(doc.get("traceEvents"), list), doc
    assert doc.get("displayTimeUnit", "ms") in ("ms", "ns"), doc["displayTimeUnit"]
    slices = []
    for e in doc["traceEvents"]:
        assert isinstance(e, dict) and isinstance(e.get("name"), str) \
            and isinstance(e.get("ph"), str), e
        for k in ("pid", "tid"):
            assert isinstance(e.get(k), int) and not isinstance(e[k], bool), e
        if e["ph"] == "M":
            assert e["name"] in ("thread_name", "process_name") \
                and isinstance(e["args"]["name"], str), e
            continue
        assert e["ph"] == "X", f"only complete slices and metadata: {e}"
        for k in ("ts", "dur"):
            assert isinstance(e.get(k), (int, float)) and not isinstance(e[k], bool), e
        assert e["dur"] >= 0 and e["ts"] >= 0, e
        assert isinstance(e.get("args", {}), dict), e
        slices.append(e)
    return slices


def end(s):
    return s["ts"] + s["dur"]


def check_nesting(slices):
    """Per thread, sorted by start then longest first: each slice ends before
    the next starts, or contains it entirely (a stack of open slices)."""
    by_tid = defaultdict(list)
    for s in slices:
        by_tid[(s["pid"], s["tid"])].append(s)
    for tid, ss in by_tid.items():
        ss.sort(key=lambda s: (s["ts"], -s["dur"]))
        stack = []
        for s in ss:
            while stack and end(stack[-1]) <= s["ts"] + SLACK_US:
                stack.pop()
            if stack:
                top = stack[-1]
                assert end(s) <= end(top) + SLACK_US, \
                    f"thread {tid}: {s} overlaps {top} without nesting in it"
            stack.append(s)
    return by_tid


def test_timeline_epserver():
    conns, msgs = 2, 3
    doc, pid, t = timeline_of("lt", conns, msgs)
    slices = slices_of(doc)
    # The trace goes to the file; standard output still gets the events.
    assert any(r["event"] == "epoll_wait" for r in t.records), t.records
    names = [e["args"]["name"] for e in doc["traceEvents"]
             if e["ph"] == "M" and e["name"] == "thread_name" and e["tid"] == pid]
    assert names == ["epserver"], names
    for s in slices:
        assert (s["pid"], s["tid"]) == (pid, pid), f"a slice of another thread: {s}"
    by_tid = check_nesting(slices)
    assert list(by_tid) == [(pid, pid)], list(by_tid)

    kinds = defaultdict(list)
    for s in slices:
        kinds[s["name"]].append(s)
    for name in ("epoll_wait", "iteration", "accept4", "read", "write", "epoll_ctl"):
        assert kinds[name], f"no {name} slice: {sorted(kinds)}"
    assert set(kinds) <= {"epoll_wait", "iteration", "accept4", "read", "write",
                          "epoll_ctl"}, sorted(kinds)

    # Every wait that returned: one per accept, echo and EOF; every one
    # followed by its iteration (with its wait_id).
    waits = kinds["epoll_wait"]
    assert len(waits) == conns * (msgs + 2), [w["args"] for w in waits]
    assert sorted(w["args"]["wait_id"] for w in waits) == \
        list(range(1, 1 + len(waits))), waits
    iters = kinds["iteration"]
    assert sorted(i["args"]["wait_id"] for i in iters) == \
        sorted(w["args"]["wait_id"] for w in waits), iters
    # The first wait was blocked before tracing began: drawn from then, as
    # the time it is known to have waited, and said to be.
    first = min(waits, key=lambda s: s["args"]["wait_id"])
    assert first["args"].get("began_before_tracing") is True and first["dur"] > 0, first
    assert not any("began_before_tracing" in w["args"] for w in waits if w is not first)
    # Waits and iterations alternate, end to start, with no gap or overlap.
    track = []
    for w in sorted(waits, key=lambda s: s["args"]["wait_id"]):
        track += [w, next(i for i in iters if i["args"]["wait_id"] == w["args"]["wait_id"])]
    for a, b in zip(track, track[1:]):
        assert abs(end(a) - b["ts"]) <= SLACK_US, f"gap or overlap: {a} {b}"

    # A wait's args: its events, each with its fd.
    for w in waits:
        a = w["args"]
        assert a["epfd"] == 4 and a["ret"] == 1 == len(a["events"]), w
        for ev in a["events"]:
            assert isinstance(ev["fd"], int) and ev["fd"] in (3, 5), w
            assert ev["events"] == "EPOLLIN" and ev["data"] == hex(ev["fd"]), w
    assert sorted(ev["fd"] for w in waits for ev in w["args"]["events"]) == \
        [3] * conns + [5] * conns * (msgs + 1), waits

    # Every call lies in an iteration: the I/O in the iteration of the wait
    # that returned its fd.
    calls = [s for s in slices if s["name"] not in ("epoll_wait", "iteration")]
    fds_of = {w["args"]["wait_id"]: {ev["fd"] for ev in w["args"]["events"]}
              for w in waits}
    for c in calls:
        inside = [i for i in iters if i["ts"] - SLACK_US <= c["ts"]
                  and end(c) <= end(i) + SLACK_US]
        assert len(inside) == 1, f"{c} in {len(inside)} iterations"
        assert isinstance(c["args"]["fd"], int) and isinstance(c["args"]["ret"], int), c
        if c["cat"] == "io":
            assert c["args"]["fd"] in fds_of[inside[0]["args"]["wait_id"]], \
                f"{c} in the iteration of {inside[0]}"
    counts = defaultdict(int)
    for c in calls:
        counts[(c["name"], c["args"]["ret"] > 0)] += 1
    assert counts[("read", True)] == conns * msgs, counts
    assert counts[("write", True)] == conns * msgs, counts
    assert counts[("accept4", True)] == conns, counts
    ops = sorted(c["args"]["op"] for c in kinds["epoll_ctl"])
    assert ops == ["ADD"] * conns + ["DEL"] * conns, ops


def run_portsnoop(args, timeout=30):
    p = spawn([PORTSNOOP] + args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
              stdin=subprocess.DEVNULL, text=True)
    out, err = p.communicate(timeout=timeout)
    return p.returncode, out, err


def test_timeline_with_summary_is_usage_error():
    d = tmpdir()
    path = os.path.join(d, "t.json")
    marker = os.path.join(d, "ran")
    for args in (["-s", "--timeline", path], ["--timeline", path, "-s"],
                 ["--timeline", path, "-s", "1"]):
        code, out, err = run_portsnoop(args + ["--", "touch", marker])
        assert code == 2, f"{args}: exit {code}: {err}"
        assert "Tracing" not in err and err.count("\n") == 1 \
            and "timeline" in err, f"{args}: {err!r}"
        assert out == "", out
        assert not os.path.exists(marker), f"{args}: the command ran"
        assert not os.path.exists(path), f"{args}: {path} was written"


def test_timeline_keeps_the_listings_wait_ids():
    """--timeline draws every wait, the empty ones too, but the listing
    numbers only the waits it shows: 1, 2, 3..., as without --timeline.
    pathology paced: 250 waits time out, 250 return an event."""
    path = os.path.join(tmpdir(), "timeline.json")
    t = Tracer("portsnoop", ["--timeline", path, "--", PATHOLOGY, "paced"]).start()
    t.wait(timeout=60)
    assert t.code == 0, t.stderr
    waits = [r for r in t.records if r["event"] == "epoll_wait"]
    assert len(waits) == 250 and all(w["ret"] == 1 for w in waits), len(waits)
    check_json_order(t.records, "--timeline listing")
    with open(path) as f:
        drawn = [s for s in slices_of(json.load(f)) if s["name"] == "epoll_wait"]
    assert len(drawn) == 500, len(drawn)
    assert sorted(s["args"]["wait_id"] for s in drawn if s["args"]["ret"]) == \
        list(range(1, 251))
    # The empty ones have no number: null, as in the JSON Lines.
    assert all(s["args"]["wait_id"] is None for s in drawn if not s["args"]["ret"])


def test_timeline_unwritable():
    d = tmpdir()
    marker = os.path.join(d, "ran")
    for path in (os.path.join(d, "no", "such", "dir", "t.json"), d):
        code, out, err = run_portsnoop(["--timeline", path, "--", "touch", marker])
        assert code != 0, f"{path}: exit 0: {err}"
        assert "Tracing" not in err and path in err and err.count("\n") == 1, \
            f"{path}: {err!r}"
        assert not os.path.exists(marker), f"{path}: the command ran"


def test_timeline_threads():
    """Two workers on one EPOLLONESHOT set (timeout 100 ms, so empty waits
    too): a track per thread, its slices nested, each call in an iteration
    of the thread that made it."""
    conns, msgs = 2, 3
    doc, pid, _ = timeline_of("threads", conns, msgs)
    slices = slices_of(doc)
    by_tid = check_nesting(slices)
    tids = {tid for _, tid in by_tid}
    assert 1 <= len(tids) <= 2 and pid not in tids, f"the workers' tracks: {tids}"
    named = {e["tid"] for e in doc["traceEvents"] if e["ph"] == "M"}
    assert named == tids, f"thread_name for {named}, slices on {tids}"
    for (_, tid), ss in by_tid.items():
        iters = [s for s in ss if s["name"] == "iteration"]
        for c in ss:
            if c["name"] in ("epoll_wait", "iteration"):
                continue
            assert any(i["ts"] - SLACK_US <= c["ts"] and end(c) <= end(i) + SLACK_US
                       for i in iters), f"thread {tid}: {c} in no iteration"
    returned = [s for s in slices if s["name"] == "epoll_wait" and s["args"]["ret"] > 0]
    assert len(returned) == conns * (msgs + 2), returned
    reads = [s for s in slices if s["name"] == "read" and s["args"]["ret"] > 0]
    assert len(reads) == conns * msgs, reads
