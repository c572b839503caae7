#!/bin/sh
# make_roots.sh - build, once, the Debian 12 roots the deployment test boots.
#
#   tests/deploy/make_roots.sh [CACHE]      (default /var/cache/relaylock-deploy)
#
# CACHE/base      minbase + systemd, rsyslog, fail2ban and relaylock's
#                 runtime libraries (the .deb then installs offline)
# CACHE/postfix   base + Debian's postfix ("Internet Site"), prometheus and
#                 prometheus-node-exporter (the metrics checks)
# CACHE/sendmail  base + Debian's sendmail
# Each root is built aside and renamed into place when complete, so an
# interrupted run never leaves a half root. The roots are read-only lower
# layers: every test run boots an overlay on top of them.
set -eu

CACHE=${1:-${RELAYLOCK_DEPLOY_CACHE:-/var/cache/relaylock-deploy}}
MIRROR=${RELAYLOCK_DEPLOY_MIRROR:-http://deb.debian.org/debian}
# Bump when the package lists change: older roots are rebuilt.
ROOTS_VERSION=6
BASE_PKGS="systemd systemd-sysv dbus rsyslog fail2ban python3-systemd iproute2 \
procps libmilter1.0.1 libconfuse2 libidn2-0 libpsl5 publicsuffix libmicrohttpd12 \
libdb5.3 liblmdb0 libcdb1 libpcre2-8-0 libpq5 libmariadb3 libldap-2.5-0 \
zlib1g libssl3 ca-certificates"

log() { echo "make_roots: $*"; }

in_root() { # ROOT CMD...: run CMD in ROOT with services kept from starting
	r=$1; shift
	LC_ALL=C DEBIAN_FRONTEND=noninteractive chroot "$r" "$@"
}

with_proc() { # ROOT CMD...
	r=$1; shift
	mount -t proc proc "$r/proc"
	rc=0; "$@" || rc=$?
	umount "$r/proc"
	return $rc
}

apt_install() { # ROOT PKG...
	r=$1; shift
	printf '#!/bin/sh\nexit 101\n' > "$r/usr/sbin/policy-rc.d"
	chmod 0755 "$r/usr/sbin/policy-rc.d"
	with_proc "$r" in_root "$r" apt-get install -y -q --no-install-recommends "$@"
	rm -f "$r/usr/sbin/policy-rc.d"
	in_root "$r" apt-get clean
}

current() { [ "$(cat "$CACHE/$1/.relaylock-roots" 2>/dev/null)" = "$ROOTS_VERSION" ]; }

build_base() {
	current base && return 0
	tmp=$CACHE/base.new
	rm -rf "$tmp"
	log "debootstrap bookworm into $tmp (a few minutes, once)"
	debootstrap --variant=minbase --include=systemd,systemd-sysv,dbus \
		bookworm "$tmp" "$MIRROR" > "$CACHE/debootstrap.log" 2>&1 \
		|| { tail -20 "$CACHE/debootstrap.log"; exit 1; }
	echo "deb $MIRROR bookworm main" > "$tmp/etc/apt/sources.list"
	with_proc "$tmp" in_root "$tmp" apt-get update -q
	# shellcheck disable=SC2086
	apt_install "$tmp" $BASE_PKGS
	echo relaylock-test > "$tmp/etc/hostname"
	echo "$ROOTS_VERSION" > "$tmp/.relaylock-roots"
	rm -rf "$CACHE/base"; mv "$tmp" "$CACHE/base"
}

build_mta() { # NAME PKG...
	name=$1; shift
	current "$name" && return 0
	tmp=$CACHE/$name.new
	rm -rf "$tmp"
	log "$name root: base + $*"
	cp -a "$CACHE/base" "$tmp"
	echo "mail.relaylock.test" > "$tmp/etc/mailname"
	in_root "$tmp" debconf-set-selections <<-SEL
	postfix postfix/main_mailer_type select Internet Site
	postfix postfix/mailname string mail.relaylock.test
	SEL
	with_proc "$tmp" in_root "$tmp" apt-get update -q
	apt_install "$tmp" "$@"
	rm -rf "$tmp/var/lib/apt/lists/"*_Packages
	echo "$ROOTS_VERSION" > "$tmp/.relaylock-roots"
	rm -rf "$CACHE/$name"; mv "$tmp" "$CACHE/$name"
}

mkdir -p "$CACHE"
exec 9> "$CACHE/.lock"
flock 9
build_base
build_mta postfix postfix prometheus prometheus-node-exporter
build_mta sendmail sendmail
log "roots ready in $CACHE"
