# lib.sh - shared by the stress tests: a private directory, a relaylock
# started by PID and stopped by PID, pass/fail accounting.
# Needs: RELAYLOCK (the daemon binary), run as root.

set -u
TMP=$(mktemp -d /tmp/relaylock-stress-XXXXXX)
chmod 755 "$TMP"
PIDS=
FAILS=0
cleanup() {
	for p in $PIDS; do kill -9 "$p" 2>/dev/null || true; done
	rm -rf "$TMP"
}
trap cleanup EXIT INT TERM

pass() { echo "PASS $*"; }
fail() { echo "FAIL $*"; FAILS=$((FAILS + 1)); }
check() { # check DESCRIPTION COMMAND...
	local what=$1; shift
	if "$@"; then pass "$what"; else fail "$what"; fi
}

# write_conf FILE HOSTED... : a valid config on $TMP/rl.sock
write_conf() {
	local f=$1; shift
	local list=
	for d in "$@"; do list="$list${list:+, }\"$d\""; done
	cat > "$f.tmp" <<CONF
hosted_domains = { $list }
trusted_networks = { "10.0.0.0/8" }
socket = "unix:$TMP/rl.sock"
socket_mode = 0666
pid_file = "$TMP/rl.pid"
CONF
	mv "$f.tmp" "$f"
}

# start_relaylock CONF [BINARY]: sets RL_PID; stderr to $TMP/rl.log
start_relaylock() {
	local bin=${2:-$RELAYLOCK}
	"$bin" -f -c "$1" -u nobody 2>>"$TMP/rl.log" &
	RL_PID=$!
	PIDS="$PIDS $RL_PID"
	local i=0
	# Ready when this PID says it serves (an old socket file may linger).
	while ! grep -q "relaylock\[$RL_PID\]: relaylock .* serving" "$TMP/rl.log" 2>/dev/null; do
		i=$((i + 1))
		if [ $i -gt 100 ] || ! kill -0 "$RL_PID" 2>/dev/null; then
			echo "relaylock did not start:"; tail -20 "$TMP/rl.log"; return 1
		fi
		sleep 0.1
	done
}

# stop_relaylock: SIGTERM, wait for the PID to go (libmilter takes ~5 s).
stop_relaylock() {
	kill "$RL_PID" 2>/dev/null || return 0
	local i=0
	while kill -0 "$RL_PID" 2>/dev/null && [ $i -lt 150 ]; do sleep 0.1; i=$((i + 1)); done
	kill -9 "$RL_PID" 2>/dev/null || true
	wait "$RL_PID" 2>/dev/null || true
}

rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }

finish() {
	if [ "$FAILS" -ne 0 ]; then
		echo "$FAILS check(s) failed; relaylock log tail:"; tail -20 "$TMP/rl.log"
		exit 1
	fi
	exit 0
}
