#!/usr/bin/env python3
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""The test runner: unit test binaries (build/unit/test_*) and integration
tests (tests/integration/test_*.py, functions named test_*).  Prints one line
per test and ends with 'N passed, N failed, N skipped'.  A skip always says why.

  tests/run.py                 everything
  tests/run.py --unit          unit tests only (no root needed)
  tests/run.py -k WORD         only tests whose name contains WORD
"""
import argparse
import glob
import importlib.util
import os
import subprocess
import sys
import time
import traceback

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))

import lib  # noqa: E402


class Tally:
    def __init__(self):
        self.passed = self.failed = self.skipped = 0
        self.failures = []

    def record(self, name, status, why="", secs=0.0):
        if status == "PASS":
            self.passed += 1
            print(f"PASS {name} ({secs:.1f}s)", flush=True)
        elif status == "SKIP":
            self.skipped += 1
            print(f"SKIP {name}: {why}", flush=True)
        else:
            self.failed += 1
            self.failures.append(name)
            print(f"FAIL {name}: {why}", flush=True)


def run_units(tally, word):
    binaries = sorted(glob.glob(os.path.join(ROOT, "build", "unit", "test_*")))
    if not binaries:
        tally.record("unit", "FAIL", "no unit test binaries in build/unit (run make)")
    for exe in binaries:
        base = os.path.basename(exe)
        p = subprocess.run([exe], capture_output=True, text=True, timeout=120)
        seen = 0
        for line in p.stdout.splitlines():
            status, _, rest = line.partition(" ")
            if status not in ("PASS", "FAIL", "SKIP"):
                continue
            name, _, why = rest.partition(": ")
            if word and word not in f"{base}.{name}":
                continue
            seen += 1
            tally.record(f"{base}.{name}", status, why)
        if p.returncode and not any(l.startswith("FAIL") for l in p.stdout.splitlines()):
            tally.record(base, "FAIL", f"exit {p.returncode}: {p.stderr.strip()[-300:]}")
        elif not seen and not word:
            tally.record(base, "FAIL", "ran no test")


def load_module(path):
    name = os.path.splitext(os.path.basename(path))[0]
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def run_integration(tally, word):
    for path in sorted(glob.glob(os.path.join(ROOT, "tests", "integration", "test_*.py"))):
        mod = load_module(path)
        for attr in sorted(dir(mod)):
            fn = getattr(mod, attr)
            if not attr.startswith("test_") or not callable(fn):
                continue
            name = f"{mod.__name__}.{attr}"
            if word and word not in name:
                continue
            if os.geteuid() != 0:
                tally.record(name, "SKIP", "needs root (loads BPF)")
                continue
            start = time.monotonic()
            try:
                fn()
                tally.record(name, "PASS", secs=time.monotonic() - start)
            except lib.Skip as e:
                tally.record(name, "SKIP", str(e))
            except Exception as e:  # a failed assert or a broken test alike
                detail = traceback.format_exc(limit=-3) if not isinstance(e, AssertionError) else str(e)
                tally.record(name, "FAIL", (detail or repr(e)).strip()[-2000:])
            finally:
                lib.cleanup()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--unit", action="store_true", help="unit tests only")
    ap.add_argument("-k", dest="word", default="", help="only tests whose name has WORD")
    args = ap.parse_args()
    tally = Tally()
    run_units(tally, args.word)
    if not args.unit:
        run_integration(tally, args.word)
    if tally.failures:
        print("failed: " + " ".join(tally.failures))
    print(f"{tally.passed} passed, {tally.failed} failed, {tally.skipped} skipped")
    return 1 if tally.failed or not tally.passed else 0


if __name__ == "__main__":
    sys.exit(main())
