#!/bin/sh
# callgrind_ipd.sh BENCH: instructions per policy decision, without and
# with the metrics' timing and counting, from the
# difference of two callgrind runs (so start-up cost cancels out).
# Instruction counts do not depend on the machine's load.
set -eu
bench=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
ir() {
	valgrind --tool=callgrind --callgrind-out-file="$tmp/out" "$bench" --decisions "$1" ${2:-} \
		>/dev/null 2>"$tmp/log"
	sed -n 's/^summary: *//p' "$tmp/out"
}
a=$(ir 20000)
b=$(ir 120000)
echo "bench: instructions_per_decision $(( (b - a) / 100000 )) instructions"
# The same decisions timed and counted as the daemon does (metrics.c).
a=$(ir 20000 --metrics)
b=$(ir 120000 --metrics)
echo "bench: instructions_per_decision_metrics $(( (b - a) / 100000 )) instructions"
