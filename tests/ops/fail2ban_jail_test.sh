#!/bin/sh
# fail2ban_jail_test.sh FILTER JAIL - the example jail and the filter load
# in a copy of the system's fail2ban configuration (fail2ban-client -t),
# with logpath pointed at a scratch file.
set -eu
FILTER=$1 JAIL=$2
command -v fail2ban-client > /dev/null || { echo "FAIL: fail2ban-client missing" >&2; exit 1; }
T=$(mktemp -d /tmp/relaylock-f2b.XXXXXX)
trap 'rm -rf "$T"' EXIT INT TERM
cp -r /etc/fail2ban/. "$T/"
rm -f "$T"/jail.d/*
cp "$FILTER" "$T/filter.d/relaylock.conf"
sed "s|^logpath *=.*/var/log/mail.log|logpath = $T/mail.log|" "$JAIL" > "$T/jail.d/relaylock.local"
grep -q "^logpath = $T/mail.log" "$T/jail.d/relaylock.local" || { echo "FAIL: no logpath in $JAIL" >&2; exit 1; }
: > "$T/mail.log"
fail2ban-client -c "$T" -t > "$T/out" 2>&1 || { cat "$T/out" >&2; echo "FAIL: fail2ban-client -t" >&2; exit 1; }
grep -q 'configuration test is successful' "$T/out" || { cat "$T/out" >&2; echo "FAIL: jail test" >&2; exit 1; }
fail2ban-client -c "$T" -d 2> /dev/null | grep -q "'add', 'relaylock'" \
	|| { echo "FAIL: the relaylock jail is not defined" >&2; exit 1; }
echo "fail2ban_jail_test: jail and filter load"
