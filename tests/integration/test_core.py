# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""The hand-written CO-RE header (src/bpf/core.h) against this kernel's BTF:
every field it declares must exist in the kernel's struct of that name."""
import os
import re
import subprocess

from lib import ROOT, Skip, require

BTF = "/sys/kernel/btf/vmlinux"
# Flavors (name___suffix) stand for older kernels: one of them must match.
ALTERNATIVES = {"file": ["f_ref"], "file___old": ["f_count"]}


def kernel_structs():
    """name -> field names, members of anonymous structs and unions included."""
    out = subprocess.run(["bpftool", "btf", "dump", "file", BTF, "format", "raw"],
                         capture_output=True, text=True, check=True).stdout
    members, names, current = {}, {}, None
    for line in out.splitlines():
        m = re.match(r"\[(\d+)\] (\w+) '([^']*)'", line)
        if m:
            current = None
            if m.group(2) in ("STRUCT", "UNION"):
                current = members.setdefault(int(m.group(1)), [])
                names.setdefault(m.group(3), []).append(int(m.group(1)))
            continue
        m = re.match(r"\s+'([^']*)' type_id=(\d+)", line)
        if m and current is not None:
            current.append((m.group(1), int(m.group(2))))

    def fields(tid, depth=0):
        found = set()
        for name, sub in members.get(tid, ()):
            if name == "(anon)" and depth < 4:
                found |= fields(sub, depth + 1)
            else:
                found.add(name)
        return found

    return {n: set().union(*(fields(t) for t in ids)) for n, ids in names.items()}


def header_structs():
    text = open(os.path.join(ROOT, "src", "bpf", "core.h")).read()
    start = text.index("#pragma clang attribute push")
    end = text.index("#pragma clang attribute pop")
    decls = {}
    for name, body in re.findall(r"struct (\w+) \{(.*?)\n\}", text[start:end], re.S):
        fields = re.findall(r"(\w+)(?:\[\d+\])?;", re.sub(r"/\*.*?\*/", "", body))
        decls[name] = fields
    return decls


def test_core_fields_exist_in_kernel_btf():
    require("bpftool")
    if not os.path.exists(BTF):
        raise Skip("no kernel BTF")
    kernel = kernel_structs()
    missing = []
    flavors_ok = False
    for name, fields in header_structs().items():
        base = name.split("___")[0]
        if name in ALTERNATIVES:
            if all(f in kernel.get(base, ()) for f in ALTERNATIVES[name]):
                flavors_ok = True
            fields = [f for f in fields if f not in ALTERNATIVES[name]]
        for f in fields:
            if f not in kernel.get(base, ()):
                missing.append(f"{name}.{f}")
    assert not missing, f"fields not in this kernel's BTF: {missing}"
    assert flavors_ok, "neither file.f_ref nor file.f_count is in this kernel"
