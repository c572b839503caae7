#!/bin/sh
# daemon_log_test.sh DAEMON REPORT FILTER - start the real relaylock -f on a
# unix socket, drive it with miltertest (tests/ops/daemon_log.lua, forged
# client= text included), then check its log with fail2ban-regex (only the
# real client addresses of refusals, also inside a journal prefix) and with
# relaylock-report (counts); in enforce and monitor mode, and once without
# -f through syslog(3) into a private syslog sink (facility mail checked).
# Cleans up on every path.
set -eu
DAEMON=$1 REPORT=$2 FILTER=$3
HERE=$(cd "$(dirname "$0")" && pwd)
fail() { echo "FAIL: $*" >&2; [ -s "${W:-/nonexistent}/daemon.log" ] && sed 's/^/  log: /' "$W/daemon.log" >&2; exit 1; }
for t in miltertest fail2ban-regex; do
	command -v $t > /dev/null || { echo "FAIL: $t missing (make deps)" >&2; exit 1; }
done
W=$(mktemp -d /tmp/relaylock-ops-daemon.XXXXXX)
chmod 755 "$W"
pid=
sinkpid=
cleanup() {
	[ -n "$sinkpid" ] && kill "$sinkpid" 2> /dev/null || true
	if [ -n "$pid" ] && kill -0 "$pid" 2> /dev/null; then
		kill "$pid" 2> /dev/null || true
		i=0
		while kill -0 "$pid" 2> /dev/null && [ $i -lt 150 ]; do sleep 0.1; i=$((i + 1)); done
		kill -9 "$pid" 2> /dev/null || true
	fi
	[ -n "${KEEP:-}" ] && echo "kept $W" >&2 || rm -rf "$W"
}
trap cleanup EXIT INT TERM

# One run per mode: enforce logs reject, monitor logs would-reject (and the
# fail2ban filter bans on both).
run_mode() {
mode=$1
cat > "$W/relaylock.conf" <<CONF
hosted_domains = { "example.com" }
trusted_networks = { "192.0.2.0/24" }
allow_authenticated = true
mode = $mode
socket = "unix:$W/relaylock.sock"
pid_file = ""
user = "nobody"
log_level = info
accept_log_level = info
CONF
echo "-- mode $mode"
"$DAEMON" -t -c "$W/relaylock.conf" > /dev/null || fail "relaylock -t refuses the test config"
"$DAEMON" -f -c "$W/relaylock.conf" 2> "$W/daemon.log" &
pid=$!
i=0
while [ ! -S "$W/relaylock.sock" ] && [ $i -lt 100 ]; do
	kill -0 "$pid" 2> /dev/null || fail "relaylock exited at start"
	sleep 0.1; i=$((i + 1))
done
[ -S "$W/relaylock.sock" ] || fail "no socket after 10 s"

RL_MODE=$mode RL_SOCKET="unix:$W/relaylock.sock" timeout 60 miltertest -s "$HERE/daemon_log.lua" \
	> "$W/miltertest.out" 2>&1 || { cat "$W/miltertest.out" >&2; fail "miltertest"; }
tail -1 "$W/miltertest.out"

# stop the daemon so that every line is written
kill "$pid"
i=0
while kill -0 "$pid" 2> /dev/null && [ $i -lt 150 ]; do sleep 0.1; i=$((i + 1)); done
kill -0 "$pid" 2> /dev/null && fail "relaylock still running 15 s after SIGTERM"
wait "$pid" 2> /dev/null || true
pid=
rm -f "$W/relaylock.sock"

n=$(grep -c ': action=' "$W/daemon.log" || true)
[ "$n" = 10 ] || fail "expected 10 decision lines, found $n"
! grep -q '^Nov 23 10:00:00 mx relaylock\[1\]' "$W/daemon.log" || fail "a forged line reached the log"
refused=reject
[ "$mode" = monitor ] && refused=would-reject
[ "$(grep -c ": action=$refused " "$W/daemon.log")" = 7 ] || fail "expected 7 action=$refused lines"

# fail2ban: exactly the refused clients, in order, in both the -f form and
# the journal's capture of it
"$HERE/fail2ban_test.sh" "$FILTER" "$W/daemon.log" "$HERE/data/daemon.expected"
sed 's/^/Nov 23 10:00:00 mx relaylock[4242]: /' "$W/daemon.log" > "$W/journal.log"
"$HERE/fail2ban_test.sh" "$FILTER" "$W/journal.log" "$HERE/data/daemon.expected"

# relaylock-report: the same counts from both forms
for f in daemon.log journal.log; do
	"$REPORT" --format json --action all "$W/$f" > "$W/$f.json"
	python3 - "$W/$f.json" "$refused" <<'PY' || fail "relaylock-report counts on $f"
import json, sys
d = json.load(open(sys.argv[1]))
refused = sys.argv[2]
want = {"accept": 3, "reject": 0, "tempfail": 0, "would-reject": 0}
want[refused] = 7
assert d["decisions"] == 10, d["decisions"]
assert d["by_action"] == want, d["by_action"]
clients = {e["client"]: e["count"] for e in d["top_clients"]}
assert clients == {"203.0.113.9": 4, "198.51.100.7": 3, "192.0.2.10": 1,
                   "203.0.113.20": 1, "2001:db8::25": 1}, clients
assert d["by_reason"]["percent_hack"]["all"] == 1
assert d["by_reason"]["quoted_route"]["all"] == 1
assert d["by_reason"]["trusted_network"]["all"] == 1
assert d["by_reason"]["authenticated"]["all"] == 1
assert d["by_reason"]["hosted"]["all"] == 1
assert not any(k.startswith("6.6.6.") for k in clients)
print("report: 10 decisions, 7 %s, clients as expected" % refused)
PY
done
"$REPORT" --format json "$W/daemon.log" > "$W/default.json"
[ "$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['selected'])" "$W/default.json")" = 7 ] \
	|| fail "relaylock-report default selection is not the 7 refusals"
}
run_mode enforce
run_mode monitor

# Without -f: the daemon detaches and logs through syslog(3). A private
# mount namespace puts a directory of our own on /dev, whose "log" socket
# is a minimal syslog daemon; the host's /dev is untouched.
echo "-- syslog (no -f)"
mkdir -p "$W/dev"
for d in null zero random urandom; do : > "$W/dev/$d"; done
python3 "$HERE/syslog_sink.py" "$W/dev/log" "$W/syslog.log" "$W/facilities" 60 &
sinkpid=$!
i=0
while [ ! -S "$W/dev/log" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
[ -S "$W/dev/log" ] || fail "syslog sink did not start"
sed -i -e 's/^mode = .*/mode = enforce/' -e "s|^pid_file = .*|pid_file = \"$W/relaylock.pid\"|" \
	"$W/relaylock.conf"
unshare --mount --propagation private sh -c '
	for d in null zero random urandom; do mount --bind /dev/$d "$1/dev/$d"; done
	mount --bind "$1/dev" /dev && exec "$2" -c "$1/relaylock.conf"' sh "$W" "$DAEMON" \
	|| fail "relaylock did not start in the background"
pid=$(cat "$W/relaylock.pid" 2> /dev/null || true)
[ -n "$pid" ] && kill -0 "$pid" 2> /dev/null || fail "no daemon process after start"
RL_SOCKET="unix:$W/relaylock.sock" timeout 60 miltertest -s "$HERE/daemon_log.lua" \
	> "$W/miltertest.out" 2>&1 || { cat "$W/miltertest.out" >&2; fail "miltertest (syslog)"; }
kill "$pid"
i=0
while kill -0 "$pid" 2> /dev/null && [ $i -lt 150 ]; do sleep 0.1; i=$((i + 1)); done
kill -0 "$pid" 2> /dev/null && fail "relaylock still running 15 s after SIGTERM"
pid=
sleep 0.3
kill "$sinkpid" 2> /dev/null || true
wait "$sinkpid" 2> /dev/null || true
cp "$W/syslog.log" "$W/daemon.log" # shown on failure
n=$(grep -c '^[A-Z][a-z][a-z] [ 0-9][0-9] [0-9:]* mx relaylock\[[0-9]*\]: [^ ]*: action=' "$W/syslog.log" || true)
[ "$n" = 10 ] || fail "syslog: expected 10 decision lines, found $n"
[ -s "$W/facilities" ] || fail "syslog: nothing received"
if grep -v '^2 ' "$W/facilities" > /dev/null; then
	fail "syslog: a message not in facility mail: $(sort -u "$W/facilities" | tr '\n' ' ')"
fi
"$HERE/fail2ban_test.sh" "$FILTER" "$W/syslog.log" "$HERE/data/daemon.expected"
"$REPORT" --format json --action all "$W/syslog.log" > "$W/syslog.json"
python3 - "$W/syslog.json" <<'PY' || fail "relaylock-report counts on the syslog file"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["decisions"] == 10 and d["by_action"]["reject"] == 7, d["by_action"]
assert d["other_relaylock_lines"] >= 1
print("report: syslog file, 10 decisions, 7 reject")
PY
echo "daemon_log_test: real daemon log checked with fail2ban-regex and relaylock-report"
