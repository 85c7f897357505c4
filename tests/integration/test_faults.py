# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""Nothing a traced process does breaks the tracer; faults are survived."""
import json
import os
import re
import signal
import subprocess
import sys
import time

from lib import (BUILD, PROGS, WORKLOADS, Tracer, brief, of_pid, prog_ids_of, run_client,
                 spawn, start_server, tmpdir, wait_for)

HOSTILE = os.path.join(PROGS, "hostile")


def traced(case, *extra, json_out=True, expect=(0,)):
    t = Tracer("portsnoop", [*extra, "--", HOSTILE, case], json_out)
    t.start().wait(timeout=60)
    assert t.code in expect, f"exit {t.code}: {t.stderr}"
    return t


def test_hostile_comm_json_stays_valid():
    t = traced("comm")
    # Every line parsed as JSON already (Tracer.records); the comm survives.
    comms = {r["comm"] for r in t.records}
    assert 'a"b\\c\nd\x01\udcff' not in comms  # not mangled into a lossy form
    assert any(c.startswith('a"b\\c\nd\x01') for c in comms), comms
    raw = open(t.out_path, "rb").read()
    assert b'"comm":"a\\"b\\\\c\\nd\\u0001\\u00ff\\u00c3"' in raw, raw[:400]


def test_hostile_comm_text_stays_one_line():
    t = traced("comm", json_out=False)
    rows = t.text.splitlines()
    assert rows[0].startswith("TIME")
    for row in rows[1:]:
        assert re.match(r"\s*\d+\.\d{6} ", row), f"broken line: {row!r}"
    assert any("a\"b\\c?d??" in r for r in rows), t.text


def test_bad_pointers_and_fds_are_reported_as_such():
    t = traced("badptr")
    ctls = [r for r in t.records if r["event"] == "epoll_ctl"]
    waits = [r for r in t.records if r["event"] == "epoll_wait"]
    assert [(c["fd"], c["errno"], c["events"]) for c in ctls] == [
        (ctls[0]["fd"], "EFAULT", None),  # the event could not be read
        (-1, "EBADF", "EPOLLIN"),
        (ctls[0]["fd"], None, "EPOLLIN"),
    ], ctls
    assert [(w["ret"], w["errno"], w["maxevents"]) for w in waits] == [
        (-14, "EFAULT", 10), (1, None, 100000)], waits
    events = [r for r in t.records if r["event"] == "epoll_event"]
    assert [(e["wait_id"], e["fd"]) for e in events] == [(waits[1]["wait_id"], ctls[0]["fd"])]


def check_reuse(case, *extra):
    t = traced(case, *extra)
    ctls = [r for r in t.records if r["event"] == "epoll_ctl"]
    b, stale = ctls[1]["fd"], ctls[0]["fd"]
    assert ctls[1]["data"] == hex(stale)
    events = [r for r in t.records if r["event"] == "epoll_event"]
    first = [(stale, hex(stale))] if case.endswith("-waited") else []
    assert [(e["fd"], e["data"]) for e in events] == first + [(b, hex(stale))], events


def test_reused_fd_number_inherits_no_stale_registration():
    check_reuse("reuse")


def test_data_answered_once_is_not_answered_again_after_its_fd_goes():
    """The kernel side remembers a thread's data -> fd answers: a close must
    make it ask again."""
    check_reuse("reuse-waited")


def test_fd_replaced_by_dup2_keeps_no_registration():
    check_reuse("reuse-dup2")


def test_fd_replaced_by_dup3_keeps_no_registration():
    check_reuse("reuse-dup3")


def test_fd_closed_by_close_range_keeps_no_registration():
    check_reuse("reuse-close-range")


def test_a_closed_epoll_sets_registrations_go_with_it():
    """A set closed (by close, by close_range) while its fds stay open, and a
    new set at its number registering data the old one had: the event is the
    new set's fd's (before, ambiguous: fd null)."""
    check_reuse("reuse-epfd")
    check_reuse("reuse-epfd-close-range")


def test_a_set_closed_by_exec_takes_its_registrations():
    """A close-on-exec set with a registration of an fd kept across exec; the
    new program's set gets its number and registers the same data.  Numbers
    no call closes in between (before, the event was fd null)."""
    check_reuse("reuse-exec")


def test_registrations_past_the_maps_room_are_counted_and_said():
    """many_regs.py: 4 processes of 17,000 registrations each, 2,464 past the
    65,536 the maps hold.  The tool says how many it could not keep, and an
    event of one of them shows fd null where one kept resolves."""
    n, k = 17000, 4
    t = Tracer("portsnoop", ["--", sys.executable, os.path.join(WORKLOADS, "many_regs.py"),
                             str(n), str(k)]).start()
    t.wait(timeout=60)
    assert t.code == 0, t.stderr
    said = re.search(r"(\d+) registrations not kept, past the (\d+) the maps hold", t.stderr)
    assert said and int(said.group(1)) == n * k - int(said.group(2)), t.stderr
    events = [r for r in t.records if r["event"] == "epoll_event"]
    assert [e["fd"] is None for e in events] == [False, True], brief(events)


def test_a_number_registered_anew_while_its_close_lingers_keeps_the_registration():
    """close_race.py: a close lingers a second after freeing the number, which
    another thread accepts and ADDs with the same data meanwhile.  The close's
    exit leaves the new registration: the event resolves, its read is in its
    window (before, the event was fd null and the read unshown)."""
    for attach in ("raw", "per-syscall"):
        t = Tracer("portsnoop", [f"--attach={attach}", "--", sys.executable,
                                 os.path.join(WORKLOADS, "close_race.py")]).start()
        t.wait(timeout=60)
        assert t.code == 0, t.stderr
        adds = [r["fd"] for r in t.records if r["event"] == "epoll_ctl"]
        assert len(adds) == 2 and adds[0] == adds[1], (attach, adds)
        events = [r for r in t.records if r["event"] == "epoll_event"]
        assert [e["fd"] for e in events] == [adds[0]], (attach, brief(events))
        reads = [r for r in t.records if r["event"] == "io" and r["syscall"] == "read"]
        assert [(r["fd"], r["wait_id"]) for r in reads] == \
            [(adds[0], events[0]["wait_id"])], (attach, brief(reads))


def test_a_herd_leaves_every_read_in_a_window():
    """hostile herd: 2,000 times two threads' waits on one level-triggered set
    return the same byte, and their exits rewrite the fd's window at once;
    then both read it (one gets EAGAIN) before either waits again.  Every
    read is in a window, on both attachments."""
    rounds = 2000
    for attach in ("raw", "per-syscall"):
        t = traced("herd", f"--attach={attach}")
        events = [r for r in t.records if r["event"] == "epoll_event"]
        reads = [r for r in t.records if r["event"] == "io" and r["syscall"] == "read"]
        assert len(events) > rounds, (attach, len(events))  # herds happened
        assert len(reads) == 2 * rounds, (attach, len(reads))
        assert sum(r["ret"] == 1 for r in reads) == rounds, attach
        outside = [r for r in reads if r["wait_id"] is None]
        assert not outside, (attach, len(outside), brief(outside[:3]))


def test_a_rearms_own_event_keeps_its_window():
    """hostile rearm-spin: 20,000 times a thread polling without pause gets
    the event of a MOD re-arm (same data), often before the MOD's exit, and
    reads once the MOD has returned.  The MOD's exit closes only windows
    opened before it began: every read is in its event's window.  (Closing
    them all lost 3-36 of the 20,000 reads here, on either attachment.)"""
    rounds = 20000
    for attach in ("raw", "per-syscall"):
        t = traced("rearm-spin", f"--attach={attach}")
        events = [r for r in t.records if r["event"] == "epoll_event"]
        reads = [r for r in t.records if r["event"] == "io" and r["syscall"] == "read"]
        assert len(events) == rounds, (attach, len(events))
        assert len(reads) == rounds, (attach, len(reads))
        assert [(r["fd"], r["wait_id"]) for r in reads] == \
            [(e["fd"], e["wait_id"]) for e in events], attach


def check_dup2_self(*extra):
    t = traced("dup2-self", *extra)
    ctl = next(r for r in t.records if r["event"] == "epoll_ctl")
    events = [r for r in t.records if r["event"] == "epoll_event"]
    assert [(e["fd"], e["data"]) for e in events] == [(ctl["fd"], hex(ctl["fd"]))], events


def test_dup2_onto_itself_keeps_the_registration():
    check_dup2_self()


def test_epoll_set_shared_across_fork():
    t = traced("fork")
    pids = {r["pid"] for r in t.records}
    assert len(pids) == 2, pids
    ctl = next(r for r in t.records if r["event"] == "epoll_ctl")
    child = (pids - {ctl["pid"]}).pop()
    events = [r for r in of_pid(t.records, child) if r["event"] == "epoll_event"]
    assert [(e["fd"], e["data"]) for e in events] == [(ctl["fd"], hex(ctl["fd"]))]


def test_exec_keeps_tracing_the_new_program():
    t = Tracer("portsnoop", ["--", "sh", "-c", f"exec {PROGS}/epflood 3"]).start().wait(60)
    assert t.code == 0, t.stderr
    waits = [r for r in t.records if r["event"] == "epoll_wait"]
    assert len(waits) == 3 and {w["comm"] for w in waits} == {"epflood"}, waits


def test_target_exits_in_the_middle_of_a_wait():
    server, _ = start_server("lt")
    with Tracer("portsnoop", ["-p", str(server.pid)]) as t:
        time.sleep(0.2)
        server.kill()
        t.wait(timeout=30)  # -p ends by itself when the target is gone
    assert t.code == 0, t.stderr
    assert all(r["pid"] == server.pid for r in t.records)


def test_two_tracers_on_one_process_see_the_same():
    server, port = start_server("lt")
    a = Tracer("portsnoop", ["-p", str(server.pid)]).start()
    b = Tracer("portsnoop", ["-p", str(server.pid)]).start()
    run_client(port, 1, 2, 5)
    server.wait(timeout=10)
    a.wait(30)
    b.wait(30)
    # Each tracer stamps its own times; all else must be the same.
    strip = lambda recs: [{k: v for k, v in r.items() if k not in ("ts_ns", "duration_ns")}
                          for r in recs]
    assert a.code == b.code == 0
    assert len(a.records) == 17, brief(a.records)
    assert strip(a.records) == strip(b.records)


def test_sigkill_leaves_no_bpf_program_loaded():
    t = Tracer("portsnoop", ["-p", "1"]).start()
    ids = prog_ids_of(t.proc.pid)
    assert len(ids) >= 5, ids   # the raw syscall pair, task and io_uring programs
    t.proc.send_signal(signal.SIGKILL)
    t.wait(60)
    out = subprocess.run(["bpftool", "-j", "prog", "show"], capture_output=True,
                         text=True, check=True).stdout
    left = ids & {p["id"] for p in json.loads(out)}
    assert not left, f"programs still loaded: {left}"


def test_output_to_a_full_disk_is_a_clear_error():
    p = subprocess.run([os.path.join(BUILD, "portsnoop"), "-o", "/dev/full", "--",
                        os.path.join(PROGS, "epflood"), "5000"],
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 1, p
    assert "writing /dev/full: No space left on device" in p.stderr, p.stderr


def test_output_to_an_unwritable_place_is_refused_before_tracing():
    d = tmpdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "ro,size=1m", "psn-ro", d], check=True)
    try:
        p = subprocess.run([os.path.join(BUILD, "portsnoop"), "-o", f"{d}/out", "-d", "1"],
                           capture_output=True, text=True, timeout=30)
    finally:
        subprocess.run(["umount", d], check=True)
    assert p.returncode == 1 and "Tracing" not in p.stderr  # a write error
    assert p.stderr.strip() == f"portsnoop: cannot write {d}/out: Read-only file system"


def test_output_file_is_not_world_writable():
    d = tmpdir()
    out = os.path.join(d, "trace.json")
    old = os.umask(0)
    try:
        subprocess.run([os.path.join(BUILD, "portsnoop"), "-j", "-o", out, "--",
                        os.path.join(PROGS, "epflood"), "3"], check=True, timeout=60,
                       capture_output=True)
    finally:
        os.umask(old)
    assert os.stat(out).st_mode & 0o777 == 0o644
    assert sum(1 for _ in open(out)) >= 5


def test_without_privilege_the_refusal_names_what_is_needed():
    for tool in ("portsnoop", "socksnoop"):
        p = subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                            "--inh-caps=-all", os.path.join(BUILD, tool), "-d", "1"],
                           capture_output=True, text=True, timeout=30)
        assert p.returncode == 1, p
        assert p.stderr.strip() == f"{tool}: needs root or CAP_BPF+CAP_PERFMON", p.stderr


NOBODY_WITH_CAPS = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                    "--inh-caps=+bpf,+perfmon", "--ambient-caps=+bpf,+perfmon"]


def test_with_caps_but_tracefs_unreadable_the_refusal_says_so():
    """CAP_BPF+CAP_PERFMON without root: where tracefs' ids are root's alone
    (mode 0700/0440, as mounted by default), the tools refuse to start
    rather than take every tracepoint for absent and trace next to nothing."""
    idfile = "/sys/kernel/tracing/events/sched/sched_process_exit/id"
    readable = subprocess.run([*NOBODY_WITH_CAPS, "test", "-r", idfile]).returncode == 0
    for tool in ("portsnoop", "socksnoop"):
        p = subprocess.run([*NOBODY_WITH_CAPS, os.path.join(BUILD, tool), "-d", "0.5"],
                           capture_output=True, text=True, timeout=30)
        if readable:
            assert p.returncode == 0 and "Tracing" in p.stderr, p
        else:
            assert p.returncode == 1, p
            assert p.stderr.strip() == (
                f"{tool}: cannot use tracefs at /sys/kernel/tracing: needs root, "
                "or CAP_BPF+CAP_PERFMON with tracefs mounted and readable"), p.stderr


def test_unreadable_fds_of_a_target_are_said():
    """Root without CAP_SYS_PTRACE (and the DAC overrides) cannot read another
    user's /proc/PID/fd: portsnoop still traces it, and says why the fds it
    registered before tracing will show ?."""
    sleeper = subprocess.Popen(["setpriv", "--reuid=65534", "--regid=65534",
                                "--clear-groups", "sleep", "30"])
    drop = "-sys_ptrace,-dac_override,-dac_read_search"
    try:
        time.sleep(0.3)
        p = subprocess.run(["setpriv", f"--bounding-set={drop}", f"--inh-caps={drop}",
                            os.path.join(BUILD, "portsnoop"), "-p", str(sleeper.pid),
                            "-d", "0.3"], capture_output=True, text=True, timeout=30)
    finally:
        sleeper.kill()
        sleeper.wait()
    assert p.returncode == 0 and "Tracing" in p.stderr, p
    assert (f"cannot read /proc/{sleeper.pid}/fd: its registrations made before "
            "tracing show fd ?") in p.stderr, p.stderr


def test_a_closed_output_pipe_ends_a_quiet_trace():
    """portsnoop -j | head -2 on a quiet machine: the reader gone is noticed
    at once, not at the next record written (minutes later, or never)."""
    sleeper = subprocess.Popen(["sleep", "60"])
    try:
        for tool in ("portsnoop", "socksnoop"):
            r, w = os.pipe()
            t = subprocess.Popen([os.path.join(BUILD, tool), "-p", str(sleeper.pid)],
                                 stdout=w, stderr=subprocess.PIPE, text=True)
            os.close(w)
            assert t.stderr.readline().startswith("Tracing"), tool
            # The header read: nothing is left to write.
            assert os.read(r, 4096).startswith(b"TIME"), tool
            os.close(r)
            t0 = time.monotonic()
            assert t.wait(timeout=10) == 0, tool
            assert time.monotonic() - t0 < 2, (tool, time.monotonic() - t0)
            assert t.stderr.read() == "", tool
    finally:
        sleeper.kill()
        sleeper.wait()


def test_nothing_loaded_writes_user_memory():
    """Every program portsnoop and socksnoop load, read back from the kernel:
    none calls bpf_probe_write_user (or any helper that writes user memory)."""
    for tool, args in (("portsnoop", []), ("portsnoop", ["--attach=per-syscall"]),
                       ("socksnoop", []), ("socksnoop", ["--attach=per-syscall"])):
        t = Tracer(tool, [*args, "-p", "1"]).start()
        ids = prog_ids_of(t.proc.pid)
        # The fewest: socksnoop's raw pair and the fork and exit programs.
        assert len(ids) >= 4, (tool, args, ids)
        seen = ""
        for i in ids:
            xlated = subprocess.run(["bpftool", "prog", "dump", "xlated", "id", str(i)],
                                    capture_output=True, text=True, check=True).stdout
            assert "probe_write_user" not in xlated and "copy_to_user" not in xlated, i
            seen += xlated
        # The dump names the helpers called (else the check above proves nothing).
        assert "bpf_probe_read_user" in seen and "bpf_ringbuf" in seen
        t.stop()
