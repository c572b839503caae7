#!/usr/bin/env bash
# reload_test.sh RELOADS RCPTS: milter load while the config is reloaded
# RELOADS times with SIGUSR1, alternating configs that change the hosted set
# and broken ones: 0 wrong answers, broken ones keep the old policy.
# Env: RELAYLOCK, MILTER_LOAD.
. "$(dirname "$0")/lib.sh"
reloads=${1:-100} rcpts=${2:-100000}
conf=$TMP/r.conf
# flip.example comes and goes; the load's answers never depend on it.
write_conf "$conf" hosted.example
start_relaylock "$conf" || exit 1
"$MILTER_LOAD" -s "$TMP/rl.sock" -c 100 -n "$rcpts" -t 300 > "$TMP/load.out" 2>&1 &
load=$!
PIDS="$PIDS $load"
good=0 bad=0
for i in $(seq 1 "$reloads"); do
	case $((i % 4)) in
	0) write_conf "$conf" hosted.example flip.example; good=$((good + 1)) ;;
	1) echo 'hosted_domains = { "hosted.example", "bad..domain" }' > "$conf.tmp"
	   mv "$conf.tmp" "$conf"; bad=$((bad + 1)) ;;
	2) write_conf "$conf" hosted.example; good=$((good + 1)) ;;
	3) echo 'hosted_domains = { "hosted.example" ' > "$conf.tmp"  # syntax error
	   mv "$conf.tmp" "$conf"; bad=$((bad + 1)) ;;
	esac
	kill -USR1 "$RL_PID"
	sleep 0.05
done
wait "$load"; st=$?
sleep 0.5
echo "reload: $(cat "$TMP/load.out")"
reloaded=$(grep -c ': reloaded ' "$TMP/rl.log")
kept=$(grep -c 'failed; keeping the current policy' "$TMP/rl.log")
echo "reload: $reloads signals: $reloaded reloaded, $kept refused and kept the old policy"
check "load during $reloads reloads: 0 wrong, 0 errors" [ $st -eq 0 ]
check "every signal handled (valid $good, broken $bad)" [ "$reloaded" -eq "$good" ] && [ "$kept" -eq "$bad" ]
check "broken reloads name file:line" grep -q "reload: $conf:1: " "$TMP/rl.log"
check "daemon still alive" kill -0 "$RL_PID"
# A removed config file is a failed reload too; the policy stays.
rm -f "$conf"
kill -USR1 "$RL_PID"; sleep 0.3
check "removed config: reload refused, old policy kept" grep -q "$conf: cannot read" "$TMP/rl.log"
"$MILTER_LOAD" -s "$TMP/rl.sock" -c 5 -n 500 >/dev/null
check "still deciding correctly after the refused reloads" [ $? -eq 0 ]
if grep -q "ThreadSanitizer\|AddressSanitizer\|runtime error" "$TMP/rl.log"; then
	fail "sanitizer report in the daemon log"; grep -A20 "Sanitizer" "$TMP/rl.log" | head -40
else
	pass "no sanitizer report in the daemon log"
fi
stop_relaylock
finish
