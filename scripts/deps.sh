#!/bin/sh
# Install from Debian what building and testing portsnoop need, if missing.
# Runs apt-get update once, and only when something is to be installed.
set -eu

pkgs="clang make gcc libc6-dev libbpf-dev bpftool libelf-dev zlib1g-dev
pkg-config python3 strace curl procps iproute2 valgrind util-linux
nginx-light wrk"
# Node.js is usually there already (the machine's own); Debian's will do.
command -v node >/dev/null 2>&1 || pkgs="$pkgs nodejs"

missing=""
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" != 0 ]; then
	echo "deps: missing Debian packages:$missing (run as root, or install them)" >&2
	exit 1
fi
echo "deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
