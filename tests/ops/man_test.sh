#!/bin/sh
# man_test.sh PAGE... - every page renders without a single warning
# (man --warnings).
set -eu
[ $# -gt 0 ] || { echo "FAIL: no man pages" >&2; exit 1; }
for p in "$@"; do
	[ -e "$p" ] || { echo "FAIL: $p missing" >&2; exit 1; }
	err=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -E UTF-8 -l "$p" 2>&1 > /dev/null) \
		|| { echo "FAIL: $p does not render" >&2; echo "$err" >&2; exit 1; }
	if [ -n "$err" ]; then
		echo "FAIL: $p: warnings" >&2
		echo "$err" >&2
		exit 1
	fi
done
echo "man_test: $# pages render without warnings"
