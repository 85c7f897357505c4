#!/bin/sh
# The demo: the bundled epoll echo server (EPOLLONESHOT with MOD re-arm) and
# its client, traced by portsnoop, as illumos portsnoop's README showed Node.
set -eu
cd "$(dirname "$0")/.."
b=build
tmp=$(mktemp -d)
trap 'kill $srv 2>/dev/null || true; rm -rf "$tmp"' EXIT

EPSERVER_CONNS=3 $b/progs/epserver oneshot "$tmp/port" &
srv=$!
while [ ! -s "$tmp/port" ]; do sleep 0.05; done

$b/portsnoop -p "$srv" 2>"$tmp/err" &
tracer=$!
until grep -q Tracing "$tmp/err" 2>/dev/null; do
	kill -0 $tracer 2>/dev/null || { cat "$tmp/err" >&2; exit 1; }
	sleep 0.05
done
cat "$tmp/err" >&2
$b/progs/epclient "$(cat "$tmp/port")" 3 2 5
wait $tracer
echo "(the server handled 3 connections and exited; portsnoop ended with it)" >&2
