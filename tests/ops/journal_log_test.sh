#!/bin/sh
# journal_log_test.sh DAEMON - under systemd, stderr is the journal
# ($JOURNAL_STREAM names its device:inode): every line must start with its
# priority (<3> errors, <5> notices) and carry no prefix of its own; on any
# other stderr, the usual "relaylock: " / timestamp prefixes stay.
set -eu
DAEMON=$1
fail() { echo "FAIL: $*" >&2; exit 1; }
W=$(mktemp -d /tmp/relaylock-journal-test.XXXXXX)
pid=
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2> /dev/null || true
	rm -rf "$W"
}
trap cleanup EXIT INT TERM

printf 'hosted_domains = { "example.com" }\nno_such_key = 1\n' > "$W/broken.conf"
stream() { stat -c '%d:%i' "$1"; }

# relaylock -t: the config error at priority err
: > "$W/t.err"
JOURNAL_STREAM=$(stream "$W/t.err") "$DAEMON" -t -c "$W/broken.conf" 2>> "$W/t.err" \
	&& fail "-t accepted a broken config"
head -1 "$W/t.err" | grep -q "^<3>$W/broken.conf:2: " || fail "journal: $(head -1 "$W/t.err")"
# the same on a plain file, and with a stale JOURNAL_STREAM (another file)
: > "$W/other"
for js in "" "$(stream "$W/other")"; do
	JOURNAL_STREAM=$js "$DAEMON" -t -c "$W/broken.conf" 2> "$W/plain.err" && fail "-t accepted"
	head -1 "$W/plain.err" | grep -q "^relaylock: $W/broken.conf:2: " \
		|| fail "not the journal (JOURNAL_STREAM='$js'): $(head -1 "$W/plain.err")"
done

# the daemon in the foreground: notices at <5>, no timestamp of its own
cat > "$W/good.conf" <<CONF
hosted_domains = { "example.com" }
socket = "unix:$W/relaylock.sock"
pid_file = ""
user = "nobody"
CONF
: > "$W/d.err"
JOURNAL_STREAM=$(stream "$W/d.err") "$DAEMON" -f -c "$W/good.conf" 2>> "$W/d.err" &
pid=$!
i=0
while ! grep -q serving "$W/d.err" && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
kill "$pid"
i=0
while kill -0 "$pid" 2> /dev/null && [ $i -lt 150 ]; do sleep 0.1; i=$((i + 1)); done
pid=
grep -q '^<5>relaylock [0-9.]* serving unix:' "$W/d.err" || fail "start line: $(cat "$W/d.err")"
grep -q '^<5>relaylock stopped$' "$W/d.err" || fail "stop line: $(cat "$W/d.err")"
! grep -v '^<[0-7]>' "$W/d.err" | grep -q . || fail "a line without priority: $(cat "$W/d.err")"
! grep -q 'relaylock\[' "$W/d.err" || fail "own prefix in the journal: $(cat "$W/d.err")"
echo "journal_log_test: <N> priorities in the journal, plain prefixes elsewhere"
