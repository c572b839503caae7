#!/bin/sh
# fail2ban_test.sh FILTER LOG EXPECTED - run fail2ban-regex with the
# relaylock filter over LOG; the addresses it extracts must be exactly the
# lines of EXPECTED (in order), and never one of the forged 6.6.6.x.
set -eu
FILTER=$1 LOG=$2 EXPECTED=$3
command -v fail2ban-regex > /dev/null || { echo "FAIL: fail2ban-regex missing (make deps)" >&2; exit 1; }
got=$(fail2ban-regex -o ip "$LOG" "$FILTER") || { echo "FAIL: fail2ban-regex failed" >&2; exit 1; }
if [ "$got" != "$(cat "$EXPECTED")" ]; then
	echo "FAIL: $LOG: fail2ban matched" >&2
	echo "$got" >&2
	echo "expected" >&2
	cat "$EXPECTED" >&2
	exit 1
fi
if echo "$got" | grep -q '^6\.6\.6\.'; then
	echo "FAIL: a forged client= was matched" >&2
	exit 1
fi
echo "fail2ban_test: $(echo "$got" | grep -c .) addresses from $(wc -l < "$LOG") lines, as expected"
