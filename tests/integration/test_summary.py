# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""portsnoop -s on loops with known pathologies (tests/progs/pathology): each
one named in the findings of its loop, in JSON and in text; a healthy loop
with none; -s INTERVAL's summaries, each of its own interval; Node.js with a
handler that blocks its loop."""
import json
import os
import re
import subprocess

from lib import BUILD, PROGS, WORKLOADS, require, spawn

PORTSNOOP = os.path.join(BUILD, "portsnoop")
PATHOLOGY = os.path.join(PROGS, "pathology")

FINDINGS = {"unhandled", "lag", "spurious", "herd", "hup_repeats", "busy_polling"}
# What each mode may show besides its own pathology: an event that nothing
# handles is also unhandled (herd: an fd has one window, the last woken
# thread's, so the first read handles that one and the other threads' events
# stay unhandled; and a thread whose wait returns after that read opens a
# window whose first read gets EAGAIN: spurious).  "lag" is allowed in every
# mode but lag and healthy: a loaded machine can stall any iteration past
# 25 ms.
ALSO = {
    "busy": {"lag"},
    "lag": set(),
    "spurious": {"lag"},
    "herd": {"unhandled", "spurious", "lag"},
    "hup": {"unhandled", "lag"},
    "busypoll": {"lag"},
}


def portsnoop(args, timeout=60):
    """portsnoop ARGS to its end; returns (exit code, stdout, stderr)."""
    p = spawn([PORTSNOOP] + list(args), stdout=subprocess.PIPE,
              stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True)
    out, err = p.communicate(timeout=timeout)
    return p.returncode, out, err


def summary_json(mode, *opts):
    """The summary records of portsnoop -s -j [OPTS] -- pathology MODE."""
    code, out, err = portsnoop(["-s", *opts, "-j", "--", PATHOLOGY, mode])
    assert code == 0, f"portsnoop exited {code}: {err}"
    recs = [json.loads(l) for l in out.splitlines() if l.strip()]
    for r in recs:
        assert r["event"] in ("summary", "summary_fd"), \
            f"-s prints summaries only, got {r}"
    loops = [r for r in recs if r["event"] == "summary"]
    assert loops, f"no summary for pathology {mode}: {out!r} {err!r}"
    assert len({r["pid"] for r in loops}) == 1, f"one process: {loops}"
    for r in loops:
        assert r["comm"] == "pathology" and r["epfd"] == 3, r
        assert set(r["findings"]) <= FINDINGS, r
    return loops


def summary_text(mode):
    """The finding kinds of portsnoop -s -- pathology MODE's text: [(kind, tid)]."""
    code, out, err = portsnoop(["-s", "--", PATHOLOGY, mode])
    assert code == 0, f"portsnoop exited {code}: {err}"
    lines = out.splitlines()
    assert re.match(r"^--- [\d.]+ s: [\d.]+ s of \d+ loops ---$", lines[0]), lines[0]
    assert lines[1].split()[:4] == ["PID", "TID", "COMM", "EPFD"], lines[1]
    assert "findings:" in lines and "top fds:" in lines, out
    section = lines[lines.index("findings:") + 1:lines.index("top fds:")]
    found = []
    for l in section:
        m = re.match(r"^  (\w+) +pid (\d+) tid (\d+) epfd (\d+): \S", l)
        assert m, f"not a finding line: {l!r}"
        found.append((m.group(1), int(m.group(3))))
    return found


def check_named(mode, loops, finding, counter, least):
    """finding named in a loop whose counter is at least `least`, no finding
    but the allowed ones, in JSON; and in text."""
    named = [l for l in loops if finding in l["findings"]]
    assert named, f"{finding} not named for pathology {mode}: {loops}"
    assert max(l[counter] for l in named) >= least, \
        f"{counter} under {least} for pathology {mode}: {named}"
    for l in loops:
        extra = set(l["findings"]) - {finding} - ALSO[mode]
        assert not extra, f"pathology {mode} also shows {extra}: {l}"
    kinds = {k for k, _ in summary_text(mode)}
    assert finding in kinds, f"text: {finding} not among the findings {kinds}"
    assert not kinds - {finding} - ALSO[mode], f"text: pathology {mode} shows {kinds}"


def single_loop(loops):
    assert len(loops) == 1, f"one loop: {loops}"
    l = loops[0]
    assert l["tid"] == l["pid"], l
    return l


def test_summary_busy():
    """A readable fd never read: 50 waits return it, 49 of them are counted
    unhandled at the next wait (the last has no next wait)."""
    loops = summary_json("busy")
    l = single_loop(loops)
    assert (l["waits"], l["events"], l["handled"]) == (50, 50, 0), l
    check_named("busy", loops, "unhandled", "unhandled", 40)


def test_summary_lag():
    """Each of 5 events read after a 50 ms sleep: a lag of at least 50 ms."""
    loops = summary_json("lag")
    l = single_loop(loops)
    assert (l["events"], l["handled"], l["unhandled"]) == (5, 5, 0), l
    assert l["lag_max_ns"] >= 50e6 and l["lag_max_ts_ns"] > 0, l
    # The histogram (us, log2 slots) has the 5 long iterations in [2^15, 2^16)
    # or above.
    assert sum(l["lag_hist_us"][16:]) >= 5, l["lag_hist_us"]
    check_named("lag", loops, "lag", "lag_max_ns", 50e6)


def test_summary_spurious():
    """Each event's first receive (the byte drained through a dup) got EAGAIN."""
    loops = summary_json("spurious")
    l = single_loop(loops)
    assert (l["events"], l["handled"]) == (20, 20), l
    check_named("spurious", loops, "spurious", "spurious", l["events"])


def test_summary_herd():
    """Four threads on one level-triggered set, no EPOLLEXCLUSIVE: the thread
    woken sleeps before its read, the others are woken for the same byte."""
    loops = summary_json("herd")
    pid = loops[0]["pid"]
    assert len(loops) == 4 and all(l["tid"] != pid for l in loops), \
        f"four worker loops: {loops}"
    assert sum(l["events"] for l in loops) >= 10, loops
    assert sum(l["herd"] for l in loops) >= 1, loops
    check_named("herd", loops, "herd", "herd", 1)


def test_summary_healthy():
    """Every event read at once, waits with a timeout: no finding at all."""
    loops = summary_json("healthy")
    l = single_loop(loops)
    assert (l["waits"], l["events"], l["handled"]) == (200, 200, 200), l
    for k in ("unhandled", "spurious", "herd", "hup_repeats", "busy_polls", "failed"):
        assert l[k] == 0, f"{k} in a healthy loop: {l}"
    assert l["findings"] == [], l
    assert summary_text("healthy") == [], "text: findings in a healthy loop"


def test_summary_busypoll():
    """Empty waits with timeout 0 for half a second: busy polling."""
    loops = summary_json("busypoll")
    l = single_loop(loops)
    assert l["events"] == 0 and l["waits"] == l["busy_polls"], l
    check_named("busypoll", loops, "busy_polling", "busy_polls", 1000)


def test_summary_hup():
    """A hung-up fd never closed: EPOLLHUP again at each of 20 waits."""
    loops = summary_json("hup")
    l = single_loop(loops)
    assert l["events"] == 20, l
    check_named("hup", loops, "hup_repeats", "hup_repeats", 10)


def test_summary_hup_fd_reused():
    """Each EPOLLHUP handled (DEL, close) and the fd number reused by the next
    socket: ten hang-ups of ten sockets, none of them a repeat.  (Node.js does
    this with its child processes' pipes.)"""
    loops = summary_json("hupclose")
    l = single_loop(loops)
    assert (l["events"], l["handled"], l["unhandled"]) == (10, 10, 0), l
    assert l["hup_repeats"] == 0 and "hup_repeats" not in l["findings"], \
        f"EPOLLHUPs of closed fds counted as repeats of the fd number: {l}"


def test_summary_interval():
    """-s 1 over a 2.5 s loop: a summary at each second and one at the end,
    each of its own interval: the counts add up to the run's, exactly.  Then
    -s1, in text."""
    loops = summary_json("paced", "1")
    assert len(loops) >= 3, f"-s 1 over 2.5 s: {len(loops)} summaries: {loops}"
    ts = [l["ts_ns"] for l in loops]
    assert ts == sorted(ts) and len(set(ts)) == len(ts), ts
    for l in loops[:-1]:
        assert 0.9e9 <= l["interval_ns"] <= 1.6e9, l
    assert 0 < loops[-1]["interval_ns"] <= 1.6e9, loops[-1]
    # 250 rounds of a 10 ms empty wait and a wait for one event.
    for l in loops:
        assert 0 < l["waits"] < 500 and l["events"] < 250, \
            f"an interval's counts not reset: {l}"
        assert l["findings"] == [], l
    assert sum(l["waits"] for l in loops) == 500, [l["waits"] for l in loops]
    assert sum(l["events"] for l in loops) == 250, [l["events"] for l in loops]
    assert sum(l["handled"] for l in loops) == 250, [l["handled"] for l in loops]
    # Text: one block per interval; the interval attached, as getopt allows.
    code, out, err = portsnoop(["-s1", "--", PATHOLOGY, "paced"])
    assert code == 0, err
    heads = [l for l in out.splitlines() if l.startswith("--- ")]
    assert len(heads) >= 3, out


NODE_LAG = os.path.join(WORKLOADS, "node_lag.js")


def test_summary_node_lag():
    """Node.js whose request handler busy-waits 100 ms, fetched twice by curl:
    the main thread's loop lags at least 100 ms, and says so."""
    require("node", "curl")
    code, out, err = portsnoop(["-s", "-j", "--", "node", NODE_LAG, "2"])
    assert code == 0, f"portsnoop (or node) exited {code}: {err}"
    recs = [json.loads(l) for l in out.splitlines() if l.strip()]
    node = [r for r in recs if r["event"] == "summary" and r["comm"] == "node"]
    main = [r for r in node if r["tid"] == r["pid"]]
    assert main, f"no loop of node's main thread: {recs}"
    worst = max(main, key=lambda r: r["lag_max_ns"])
    assert worst["lag_max_ns"] >= 100e6, f"main thread lag under 100 ms: {main}"
    assert "lag" in worst["findings"], worst
    assert worst["handled"] >= 2, worst


def test_summary_refuses_options_that_shape_events():
    """-s prints no events: -n, --io, --all-waits, --hex and --timeline,
    before or after it, are a usage error naming the option, not ignored."""
    for opt in (["-n", "5"], ["--io=all"], ["--all-waits"], ["--hex"],
                ["--timeline", "/nonexistent/t.json"]):
        for args in (["-s", *opt], [*opt, "-s", "1"]):
            code, out, err = portsnoop([*args, "--", "true"])
            assert code == 2 and out == "", (args, code, out)
            assert err == f"portsnoop: {opt[0].split('=')[0]} shapes events: not with -s " \
                "(see portsnoop --help)\n", (args, err)
