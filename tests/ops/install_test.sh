#!/bin/sh
# install_test.sh DAEMON REPORT [SELFTEST] - make install into a
# scratch DESTDIR with PREFIX=/usr SYSCONFDIR=/etc: the exact file list,
# modes, paths inside the units, systemd-analyze verify, a second install
# keeps the admin's edits, make uninstall leaves only the admin's files.
# Works in a fresh temporary directory outside the build tree (the top
# Makefile includes every "*.d" under BUILD, and the tree has sysusers.d/).
set -eu
DAEMON=$1 REPORT=$2 SELFTEST=${3:-}
MAKE=${MAKE:-make}
fail() { echo "FAIL: $*" >&2; exit 1; }
W=$(mktemp -d /tmp/relaylock-install-test.XXXXXX)
trap 'rm -rf "$W"' EXIT INT TERM
D=$W/root
run_make() {
	$MAKE -s --no-print-directory "$1" BUILD="$W/build" DAEMON="$DAEMON" \
		REPORT="$REPORT" SELFTEST="$SELFTEST" DESTDIR="$D" PREFIX=/usr \
		SYSCONFDIR=/etc > "$W/$1.out" 2>&1 || { cat "$W/$1.out" >&2; fail "make $1"; }
}
run_make install-files

# the expected tree
{
	echo usr/sbin/relaylock
	echo usr/sbin/relaylock-report
	[ -z "$SELFTEST" ] || echo usr/sbin/relaylock-selftest
	echo usr/libexec/relaylock/relaylock-socket-dir
	echo etc/relaylock/relaylock.conf
	echo etc/default/relaylock-selftest
	for m in man/*.5; do echo "usr/share/man/man5/${m#man/}"; done
	for m in man/*.8; do echo "usr/share/man/man8/${m#man/}"; done
	echo usr/lib/systemd/system/relaylock.service
	echo usr/lib/systemd/system/relaylock-selftest.service
	echo usr/lib/systemd/system/relaylock-selftest.timer
	echo usr/lib/sysusers.d/relaylock.conf
	echo usr/share/doc/relaylock/README.md
	echo usr/share/doc/relaylock/examples/relaylock.conf
	for f in conf/postfix-main.cf conf/sendmail.mc; do
		[ ! -e "$f" ] || echo "usr/share/doc/relaylock/examples/${f#conf/}"
	done
	for f in conf/fail2ban/*; do echo "usr/share/doc/relaylock/examples/fail2ban/${f#conf/fail2ban/}"; done
	for f in conf/prometheus/*.yml; do echo "usr/share/doc/relaylock/examples/prometheus/${f#conf/prometheus/}"; done
} | sort > "$W/expected"
for must in usr/share/man/man8/relaylock.8 usr/share/man/man8/relaylock-report.8 \
	usr/share/man/man5/relaylock.conf.5; do
	grep -qx "$must" "$W/expected" || fail "$must is not in man/"
done
(cd "$D" && find . -type f | sed 's|^\./||' | sort) > "$W/got"
diff -u "$W/expected" "$W/got" || fail "installed tree differs"
n=$(wc -l < "$W/got")

# modes
for f in $(cat "$W/got"); do
	mode=$(stat -c %a "$D/$f")
	case $f in
	usr/sbin/* | usr/libexec/*) want=755 ;;
	*) want=644 ;;
	esac
	[ "$mode" = "$want" ] || fail "$f has mode $mode, want $want"
done

# the units name the installed paths
U=$D/usr/lib/systemd/system
grep -q '^ExecStart=/usr/sbin/relaylock -f -c /etc/relaylock/relaylock.conf$' "$U/relaylock.service" \
	|| fail "relaylock.service ExecStart"
grep -q '^ExecReload=/usr/sbin/relaylock -t -c /etc/relaylock/relaylock.conf$' "$U/relaylock.service" \
	|| fail "ExecReload does not check the configuration first"
grep -q '^ExecReload=/bin/kill -USR1 \$MAINPID$' "$U/relaylock.service" || fail "ExecReload"
grep -q '^ExecStartPre=+/usr/libexec/relaylock/relaylock-socket-dir ' "$U/relaylock.service" \
	|| fail "ExecStartPre socket directory"
grep -q '^EnvironmentFile=/etc/default/relaylock-selftest$' "$U/relaylock-selftest.service" \
	|| fail "selftest EnvironmentFile"
! grep -q '@[A-Z]*@' "$U"/* "$D/etc/default/relaylock-selftest" || fail "unsubstituted @VAR@"

# systemd-analyze verify: point the paths into DESTDIR so the binaries exist
if [ -z "$SELFTEST" ]; then
	printf '#!/bin/sh\nexit 0\n' > "$D/usr/sbin/relaylock-selftest"
	chmod 755 "$D/usr/sbin/relaylock-selftest"
fi
V=$W/verify
mkdir -p "$V"
for u in relaylock.service relaylock-selftest.service relaylock-selftest.timer; do
	sed -e "s|/usr/sbin/|$D/usr/sbin/|g" -e "s|/etc/default/|$D/etc/default/|g" \
		-e "s|/usr/libexec/|$D/usr/libexec/|g" \
		-e "s| -c /etc/| -c $D/etc/|g" "$U/$u" > "$V/$u"
done
(cd "$V" && systemd-analyze verify --man=no relaylock.service \
	relaylock-selftest.service relaylock-selftest.timer) > "$W/verify.out" 2>&1 \
	|| { cat "$W/verify.out" >&2; fail "systemd-analyze verify"; }
[ ! -s "$W/verify.out" ] || { cat "$W/verify.out" >&2; fail "systemd-analyze verify warnings"; }
score=$(cd "$V" && systemd-analyze security --offline=true relaylock.service 2>/dev/null \
	| sed -n 's/.*Overall exposure level for relaylock.service: \([0-9.]*\).*/\1/p')
[ -n "$score" ] || fail "no exposure score"
awk -v s="$score" 'BEGIN { exit !(s <= 2.0) }' || fail "exposure $score > 2.0"
echo "install: systemd-analyze security relaylock.service: $score"
# journald must keep every decision line (the metrics count them)
grep -q '^LogRateLimitIntervalSec=0$' "$U/relaylock.service" \
	|| fail "relaylock.service lets journald rate-limit decision lines"
# The shipped config reads the MTA's domains ("mta"): on a host with no
# MTA configured, the one error allowed is that one, exit 78.
config_ok() {
	rc=0; "$@" > "$W/t.out" 2> "$W/t.err" || rc=$?
	[ $rc = 0 ] && return 0
	[ $rc = 78 ] && [ ! -e /etc/postfix/main.cf ] && [ ! -e /etc/mail/sendmail.cf ] \
		&& [ "$(wc -l < "$W/t.err")" = 1 ] \
		&& grep -q 'hosted_domains_from "mta": no MTA here' "$W/t.err" \
		|| { cat "$W/t.err" >&2; return 1; }
}
# the reload's configuration check passes on the installed configuration
pre=$(sed -n 's/^ExecReload=\(.* -t .*\)$/\1/p' "$V/relaylock.service")
[ -n "$pre" ] || fail "no ExecReload with -t"
config_ok $pre || fail "ExecReload ($pre) fails on the installed config"
[ -z "$SELFTEST" ] && rm -f "$D/usr/sbin/relaylock-selftest"

# the installed binaries run and accept the installed config
config_ok "$D/usr/sbin/relaylock" -t -c "$D/etc/relaylock/relaylock.conf" \
	|| fail "relaylock -t on the installed config"
"$D/usr/sbin/relaylock-report" --version > /dev/null || fail "relaylock-report --version"

# a second install keeps the admin's configuration
echo "# edited by the admin" >> "$D/etc/relaylock/relaylock.conf"
echo "# edited by the admin" >> "$D/etc/default/relaylock-selftest"
run_make install-files
grep -q 'edited by the admin' "$D/etc/relaylock/relaylock.conf" || fail "install overwrote relaylock.conf"
grep -q 'edited by the admin' "$D/etc/default/relaylock-selftest" || fail "install overwrote the default file"

# uninstall leaves exactly the admin's files
run_make uninstall-files
(cd "$D" && find . -type f | sed 's|^\./||' | sort) > "$W/left"
printf 'etc/default/relaylock-selftest\netc/relaylock/relaylock.conf\n' | diff -u - "$W/left" \
	|| fail "uninstall left other files, or removed the configuration"
grep -q 'edited by the admin' "$D/etc/relaylock/relaylock.conf" || fail "uninstall touched relaylock.conf"
echo "install_test: $n files installed, units verified (exposure $score), config kept, uninstall clean"
