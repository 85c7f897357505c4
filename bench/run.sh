#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# The benchmark: installs the peers it compares against if missing, builds
# what bench/ needs into build/bench/, runs bench/bench.py.  See bench/README.md.
#
#   bench/run.sh            the full run (5 rounds); writes bench/RESULTS.md
#   bench/run.sh --smoke    a quick check that it all works (< 60 s); writes
#                           bench/out/smoke.md, never RESULTS.md
#   bench/run.sh --build-only   installs and builds, runs nothing
#   bench/run.sh ARGS...    other arguments go to bench/bench.py (--rounds N,
#                           --series N, --only loop,redis, --no-profile, --out FILE)
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$PWD
O=$ROOT/build
B=$O/bench
CC=${CC:-cc}
CLANG=${CLANG:-clang}
BPFTOOL=${BPFTOOL:-bpftool}

if [ "$(id -u)" != 0 ]; then
	echo "bench: needs root (BPF, strace -p, perf trace)" >&2
	exit 1
fi

smoke=0 build_only=0
for a in "$@"; do
	[ "$a" = --smoke ] && smoke=1
	[ "$a" = --build-only ] && build_only=1
done

# ---- the peers, from Debian, once ------------------------------------------
pkgs="linux-perf bpftrace redis-server redis-tools strace clang bpftool libbpf-dev
libelf-dev zlib1g-dev python3"
missing=""
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing="$missing $p"
done
if [ -n "$missing" ]; then
	echo "bench: installing$missing" >&2
	export DEBIAN_FRONTEND=noninteractive
	# shellcheck disable=SC2086
	if ! { apt-get update -qq && apt-get install -y -qq --no-install-recommends $missing >/dev/null; }; then
		# A peer that is missing is reported as n/a; the build tools are not optional.
		echo "bench: could not install$missing; what is missing is reported n/a" >&2
	fi
fi
# redis-server's package starts a server on 6379; the bench runs its own.

# ---- build -------------------------------------------------------------------
[ -x "$O/portsnoop" ] && [ -x "$O/socksnoop" ] || make -s -C "$ROOT" all
mkdir -p "$B"
build() {	# build TARGET DEPS... -- COMMAND...: rebuild when a dep is newer
	local target=$1 stale=0
	shift
	[ -e "$target" ] || stale=1
	while [ "$1" != -- ]; do
		[ "$1" -nt "$target" ] && stale=1
		shift
	done
	shift
	if [ $stale = 1 ]; then
		"$@" || { rm -f "$target"; exit 1; }
	fi
}
for x in floor noop rawnoop; do
	build "$B/$x.bpf.o" "bench/$x.bpf.c" bench/tracepoints.h src/bpf/core.h src/bpf/sysnr.h -- \
		"$CLANG" -g -O2 -target bpf -D__TARGET_ARCH_x86 -Wall -Werror \
		-Isrc/bpf -Iinclude -Ibench -c "bench/$x.bpf.c" -o "$B/$x.bpf.o"
	if [ ! -e "$B/$x.skel.h" ] || [ "$B/$x.bpf.o" -nt "$B/$x.skel.h" ]; then
		"$BPFTOOL" gen skeleton "$B/$x.bpf.o" name "$x" > "$B/$x.skel.h.tmp"
		mv "$B/$x.skel.h.tmp" "$B/$x.skel.h"
	fi
done
build "$B/floor" bench/floor.c src/gather.h "$B/floor.skel.h" "$B/noop.skel.h" "$B/rawnoop.skel.h" -- \
	"$CC" -O2 -g -std=gnu11 -Wall -Wextra -Werror -I"$B" -Isrc -o "$B/floor" bench/floor.c \
	-lbpf -lelf -lz
build "$B/workload" bench/workload.c -- \
	"$CC" -O2 -g -std=gnu11 -Wall -Wextra -Werror -pthread -o "$B/workload" bench/workload.c

[ $build_only = 1 ] && exit 0

# ---- run ---------------------------------------------------------------------
mkdir -p bench/out
if [ $smoke = 1 ]; then
	exec python3 bench/bench.py --out bench/out/smoke.md "$@"
fi
# Only a full run (no arguments) writes RESULTS.md; it is compared with the
# full run before it (bench/out/full.json, kept as full.prev.json).
if [ $# = 0 ]; then
	[ -e bench/out/full.json ] && mv bench/out/full.json bench/out/full.prev.json
	exec python3 bench/bench.py --out bench/RESULTS.md --json bench/out/full.json \
		--previous bench/out/full.prev.json
fi
exec python3 bench/bench.py --out bench/out/last.md --json bench/out/last.json "$@"
