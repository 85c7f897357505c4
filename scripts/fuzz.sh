#!/bin/sh
# Run each libFuzzer target for SECONDS on its corpus (tests/fuzz/corpus/NAME,
# kept in the repo; new inputs go to DIR/new-NAME).  Fails on the first crash.
set -u
dir=$1 secs=$2
for f in "$dir"/fuzz_*; do
	[ -x "$f" ] || continue
	name=${f##*/fuzz_}
	mkdir -p "$dir/new-$name"
	if ! "$f" -max_total_time="$secs" -print_final_stats=1 "$dir/new-$name" \
		"tests/fuzz/corpus/$name" >"$dir/$name.log" 2>&1; then
		tail -40 "$dir/$name.log"
		echo "fuzz $name: FAILED (log: $dir/$name.log)"
		exit 1
	fi
	echo "fuzz $name: $(grep -o 'number_of_executed_units: [0-9]*' "$dir/$name.log" | cut -d' ' -f2) runs in $secs s, no crash"
done
