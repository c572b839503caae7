#!/usr/bin/env bash
# hostile_test.sh: hostile.py against relaylock built with ASan/UBSan
# (RELAYLOCK_ASAN): no crash, no sanitizer report, no leak at exit, no
# accept for an outside recipient.
. "$(dirname "$0")/lib.sh"
write_conf "$TMP/r.conf" hosted.example
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0
start_relaylock "$TMP/r.conf" "$RELAYLOCK_ASAN" || exit 1
python3 "$(dirname "$0")/hostile.py" "$TMP/rl.sock" "$RL_PID"
st=$?
check "hostile client: every case handled" [ $st -eq 0 ]
stop_relaylock
if grep -qE "Sanitizer|runtime error" "$TMP/rl.log"; then
	fail "sanitizer report in the daemon log"; grep -E -A15 "Sanitizer|runtime error" "$TMP/rl.log" | head -40
else
	pass "no ASan/UBSan/leak report"
fi
finish
