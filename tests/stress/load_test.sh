#!/usr/bin/env bash
# load_test.sh CONNS RCPTS: CONNS concurrent milter connections and RCPTS
# decisions with known answers against one relaylock: 0 wrong, 0 errors,
# RSS flat after warm-up. Env: RELAYLOCK, MILTER_LOAD.
. "$(dirname "$0")/lib.sh"
conns=${1:-500} rcpts=${2:-100000}
# Under ASan, freed memory waits in a quarantine (256 MB by default) and
# would look like growth; keep it small so RSS means live memory.
export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=4
write_conf "$TMP/r.conf" hosted.example
start_relaylock "$TMP/r.conf" || exit 1
"$MILTER_LOAD" -s "$TMP/rl.sock" -c 50 -n 10000 >/dev/null || fail "warm-up"
rss0=$(rss_kb "$RL_PID")
out=$("$MILTER_LOAD" -s "$TMP/rl.sock" -c "$conns" -n "$rcpts" -t 300)
st=$?
rss1=$(rss_kb "$RL_PID")
echo "load: $out"
echo "load: rss after warm-up ${rss0} KB, after load ${rss1} KB"
check "$conns connections, $rcpts decisions: 0 wrong, 0 errors" [ $st -eq 0 ]
check "decisions made: at least $rcpts" [ "$(echo "$out" | sed -n 's/.*rcpts=\([0-9]*\).*/\1/p')" -ge "$rcpts" ]
# Flat: thread stacks come and go; allow 16 MB or 50% for allocator slack.
check "RSS flat (${rss0} -> ${rss1} KB)" [ "$rss1" -le $((rss0 + rss0 / 2 + 16384)) ]
check "daemon still alive" kill -0 "$RL_PID"
stop_relaylock
finish
