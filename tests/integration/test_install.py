# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""make install puts the tools, library, headers, pkg-config file and man
pages under DESTDIR/PREFIX, and a program builds against them."""
import os
import subprocess

from lib import ROOT, tmpdir


def test_install_and_build_against_it():
    dest = tmpdir()
    subprocess.run(["make", "-s", "install", "PREFIX=/usr", f"DESTDIR={dest}"],
                   cwd=ROOT, check=True, capture_output=True, timeout=600)
    usr = os.path.join(dest, "usr")
    for f in ("sbin/portsnoop", "sbin/socksnoop", "lib/libportsnoop.a",
              "lib/libportsnoop.so.0", "lib/libportsnoop.so", "include/portsnoop.h",
              "include/portsnoop_enums.h", "lib/pkgconfig/libportsnoop.pc",
              "share/man/man8/portsnoop.8", "share/man/man8/socksnoop.8",
              "share/man/man3/libportsnoop.3"):
        assert os.path.exists(os.path.join(usr, f)), f
    for root, _, files in os.walk(dest):
        for f in files:
            assert not os.stat(os.path.join(root, f)).st_mode & 0o002, f
    src = os.path.join(dest, "t.c")
    open(src, "w").write('#include <portsnoop.h>\n#include <stdio.h>\nint main(void)'
                         '{ puts(psn_sock_prot_num2str(6)); return 0; }\n')
    env = dict(os.environ, PKG_CONFIG_SYSROOT_DIR=dest,
               PKG_CONFIG_PATH=os.path.join(usr, "lib", "pkgconfig"))
    flags = subprocess.run(["pkg-config", "--cflags", "--libs", "libportsnoop"], env=env,
                           check=True, capture_output=True, text=True).stdout.split()
    exe = os.path.join(dest, "t")
    subprocess.run(["cc", src, "-o", exe, *flags, f"-L{usr}/lib"], check=True)
    out = subprocess.run([exe], env=dict(os.environ, LD_LIBRARY_PATH=f"{usr}/lib"),
                         check=True, capture_output=True, text=True).stdout
    assert out == "TCP\n"
