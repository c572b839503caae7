#!/usr/bin/env bash
# faults_test.sh: start-up faults and privileges. A stale socket, a socket
# in a missing directory, a pid file of a dead process, a second instance,
# root without run_as_root; the running daemon's uid, gid and groups, and
# the modes of its socket and pid file. Env: RELAYLOCK, MILTER_LOAD.
. "$(dirname "$0")/lib.sh"
conf=$TMP/r.conf
# As /run/relaylock under systemd: the directory belongs to the daemon user,
# so it can remove its pid file after dropping privileges.
chown nobody "$TMP"
write_conf "$conf" hosted.example

# A stale socket (nobody listening) and a dead process's pid file.
python3 -c "import socket,sys; s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1])" "$TMP/rl.sock"
true & dead=$!; wait $dead
echo "$dead" > "$TMP/rl.pid"
start_relaylock "$conf" || exit 1
check "stale socket removed with a message" grep -q "removing stale socket $TMP/rl.sock" "$TMP/rl.log"
check "dead process's pid file replaced with a message" grep -q "replacing stale pid file" "$TMP/rl.log"
check "pid file holds the daemon's pid" [ "$(cat "$TMP/rl.pid")" = "$RL_PID" ]
"$MILTER_LOAD" -s "$TMP/rl.sock" -c 4 -n 200 >/dev/null
check "it serves after the stale files" [ $? -eq 0 ]

# Privileges of the running daemon.
st=/proc/$RL_PID/status
check "uid is nobody's (65534) in all four slots" grep -qE "^Uid:\s+65534\s+65534\s+65534\s+65534$" "$st"
check "gid is nogroup's (65534) in all four slots" grep -qE "^Gid:\s+65534\s+65534\s+65534\s+65534$" "$st"
check "supplementary groups: only nogroup" grep -qE "^Groups:\s+65534\s*$" "$st"
check "no capabilities left" grep -qE "^CapEff:\s+0+$" "$st"
check "socket mode is the configured 0666" [ "$(stat -c %a "$TMP/rl.sock")" = 666 ]
check "pid file is 0644, owned by nobody" [ "$(stat -c '%a %U' "$TMP/rl.pid")" = "644 nobody" ]

# A second instance on the same pid file stops cleanly and touches nothing.
"$RELAYLOCK" -f -c "$conf" -u nobody -p "unix:$TMP/second.sock" 2>"$TMP/second.log"
check "second instance refused (exit 75)" [ $? -eq 75 ]
check "...saying who runs" grep -q "already runs as pid $RL_PID" "$TMP/second.log"
check "...and leaving no socket behind" [ ! -e "$TMP/second.sock" ]
# Another instance on the live socket is refused too.
"$RELAYLOCK" -f -c "$conf" -u nobody -P "$TMP/other.pid" 2>"$TMP/third.log"
check "live socket not stolen (exit 75)" [ $? -eq 75 ]
check "...with a message" grep -q "is in use by a running milter" "$TMP/third.log"

# SIGKILL: the socket stays behind and the next start cleans up.
kill -9 "$RL_PID"; wait "$RL_PID" 2>/dev/null
start_relaylock "$conf" || exit 1
"$MILTER_LOAD" -s "$TMP/rl.sock" -c 4 -n 200 >/dev/null
check "restart after SIGKILL serves again" [ $? -eq 0 ]
stop_relaylock
check "SIGTERM removes the pid file" [ ! -e "$TMP/rl.pid" ]

# Start-up errors.
"$RELAYLOCK" -f -c "$conf" -u nobody -p "unix:$TMP/missing/dir/rl.sock" -P "" 2>"$TMP/e1"
check "socket in a missing directory: exit 73" [ $? -eq 73 ]
check "...naming the directory" grep -q "socket directory $TMP/missing/dir does not exist" "$TMP/e1"
"$RELAYLOCK" -f -c "$conf" -u root -P "" -p "unix:$TMP/root.sock" 2>"$TMP/e2"
check "root without run_as_root: exit 77" [ $? -eq 77 ]
check "...with a message" grep -q "refusing to run as root" "$TMP/e2"
check "...and no socket left" [ ! -e "$TMP/root.sock" ]
"$RELAYLOCK" -f -c "$conf" -u no-such-user-here -P "" 2>"$TMP/e3"
check "unknown user: exit 67" [ $? -eq 67 ]
echo 'hosted_domains = { "a..b" }' > "$TMP/bad.conf"
"$RELAYLOCK" -f -c "$TMP/bad.conf" 2>"$TMP/e4"
check "broken config: exit 78 with file:line" [ $? -eq 78 ] && grep -q "bad.conf:1:" "$TMP/e4"
finish
