# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""A bounded libFuzzer run of every decoder and parser (make fuzz), from the
corpus kept in tests/fuzz/corpus; any crash or sanitizer report fails."""
import os
import subprocess

from lib import ROOT

SECONDS = os.environ.get("PSN_FUZZ_SECONDS", "8")


def test_fuzz_targets_survive_a_bounded_run():
    p = subprocess.run(["make", "-s", "fuzz", f"FUZZ_SECONDS={SECONDS}"], cwd=ROOT,
                       capture_output=True, text=True, timeout=900)
    assert p.returncode == 0, (p.stdout + p.stderr)[-3000:]
    ran = [l for l in p.stdout.splitlines() if l.startswith("fuzz ") and "no crash" in l]
    assert len(ran) == len([f for f in os.listdir(os.path.join(ROOT, "tests", "fuzz"))
                            if f.startswith("fuzz_") and f.endswith(".c")]), p.stdout
