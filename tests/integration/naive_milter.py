#!/usr/bin/env python3
"""naive_milter.py - a deliberately NAIVE relay filter: the negative control.

It speaks the milter protocol (v6) on a unix socket, takes relaylock's
command line (-f -c CONF -p unix:SOCK -u USER), reads hosted_domains and
trusted_networks from a relaylock.conf, writes relaylock's decision log
format, reloads on SIGUSR1 - but decides like a careless filter: the text
after the LAST '@' of the raw recipient must be a hosted domain, and it
ignores the MTA's own resolution ({rcpt_addr}, {rcpt_mailer}).

`run.py` with RELAYLOCK=tests/integration/naive_milter.py must FAIL: under
Sendmail user%ext@hosted, ext!user@hosted and "user@ext"@hosted get through
to the outside sink. `make check-integration-negative` proves that the suite
catches such a filter (it passes when run.py fails in those places).
Python 3, standard library only. Never used in production.
"""

import ipaddress
import os
import pwd
import grp
import re
import signal
import socket
import struct
import sys
import threading
import time

LOCK = threading.Lock()
POLICY = {'hosted': set(), 'trusted': []}


def log(msg):
    ts = time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())
    with LOCK:
        sys.stderr.write('%s relaylock[%d]: %s\n' % (ts, os.getpid(), msg))
        sys.stderr.flush()


def esc(v):
    if not v:
        return '-'
    raw = v if isinstance(v, bytes) else v.encode('utf-8', 'surrogateescape')
    cut = len(raw) > 512
    out = ''.join('\\x%02x' % b if b < 0x21 or b > 0x7e or b in (0x3d, 0x5c)
                  else chr(b) for b in raw[:512])
    return out + ('...' if cut else '')


def load(path):
    hosted, trusted = set(), []
    with open(path) as f:
        for n, line in enumerate(f, 1):
            line = line.split('#', 1)[0].strip()
            if not line:
                continue
            m = re.match(r'^(\w+)\s*=\s*(.*)$', line)
            if not m:
                raise ValueError('%s:%d: syntax error' % (path, n))
            key, val = m.groups()
            items = re.findall(r'"([^"]*)"', val)
            try:
                if key == 'hosted_domains':
                    hosted = {i.lower().rstrip('.') for i in items}
                elif key == 'trusted_networks':
                    trusted = [ipaddress.ip_network(i, strict=False)
                               for i in items]
            except ValueError as e:
                raise ValueError('%s:%d: %s' % (path, n, e))
    return {'hosted': hosted, 'trusted': trusted}


def packet(cmd, data=b''):
    return struct.pack('>I', len(data) + 1) + cmd + data


def recv_exact(conn, n):
    buf = b''
    while len(buf) < n:
        chunk = conn.recv(n - len(buf))
        if not chunk:
            raise EOFError
        buf += chunk
    return buf


def serve(conn):
    macros = {}
    client = None
    sender = None
    try:
        while True:
            (length,) = struct.unpack('>I', recv_exact(conn, 4))
            if length < 1 or length > 1 << 20:
                return
            body = recv_exact(conn, length)
            cmd, data = body[:1], body[1:]
            if cmd == b'O':
                conn.sendall(packet(b'O', struct.pack('>III', 6, 0, 0)))
            elif cmd == b'D':
                parts = data[1:].split(b'\0')
                for i in range(0, len(parts) - 1, 2):
                    macros[parts[i].strip(b'{}').decode()] = \
                        parts[i + 1].decode('utf-8', 'replace')
            elif cmd == b'C':
                host, _, rest = data.partition(b'\0')
                fam = rest[:1]
                addr = rest[3:].split(b'\0')[0].decode() if fam in (b'4', b'6') \
                    else None
                client = addr
                conn.sendall(packet(b'c'))
            elif cmd == b'M':
                sender = data.split(b'\0')[0].decode('utf-8', 'replace')
                conn.sendall(packet(b'c'))
            elif cmd == b'R':
                rcpt = data.split(b'\0')[0].decode('utf-8', 'surrogateescape')
                conn.sendall(decide(client, sender, rcpt, macros))
            elif cmd in (b'A', b'K'):
                sender = None
            elif cmd == b'Q':
                return
            else:  # H, T, L, N, B, E, U: go on
                conn.sendall(packet(b'c'))
    except (EOFError, OSError):
        return
    finally:
        conn.close()


def naive_judge(policy, client, rcpt, macros):
    """The reason for RCPT: trusted, authenticated, or the text after the
    last '@' of the raw recipient is hosted; else relay_denied."""
    try:
        ip = ipaddress.ip_address(client) if client else None
    except ValueError:
        ip = None
    if ip is not None and any(ip in n for n in policy['trusted']):
        return 'trusted_network'
    if macros.get('auth_authen'):
        return 'authenticated'
    domain = rcpt.strip('<>').rsplit('@', 1)[-1].lower().rstrip('.')
    return 'hosted' if domain in policy['hosted'] else 'relay_denied'


# The decision rule: strict_milter.py puts its own here.
JUDGE = [naive_judge]
ALLOW = ('trusted_network', 'authenticated', 'hosted')


def decide(client, sender, rcpt, macros):
    reason = JUDGE[0](POLICY['current'], client, rcpt, macros)
    auth = macros.get('auth_authen') or None
    action = 'accept' if reason in ALLOW else 'reject'
    log('%s: action=%s reason=%s client=%s auth=%s from=%s rcpt=%s '
        'resolved=%s mailer=%s mode=enforce'
        % (macros.get('i') or 'NOQUEUE', action, reason, client or 'unknown',
           esc(auth), esc(sender), esc(rcpt), esc(macros.get('rcpt_addr')),
           esc(macros.get('rcpt_mailer'))))
    if action == 'accept':
        return packet(b'c')
    return packet(b'y', b'550 5.7.1 Relaying denied (%s)\0'
                  % reason.encode())


def main():
    args = sys.argv[1:]
    opts = {}
    while args:
        a = args.pop(0)
        if a in ('-c', '-p', '-u', '-P'):
            opts[a] = args.pop(0)
    conf, sockspec = opts['-c'], opts['-p']
    POLICY['current'] = load(conf)
    path = sockspec.split(':', 1)[1]
    if os.path.exists(path):
        os.unlink(path)
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(path)
    srv.listen(64)
    os.chmod(path, 0o660)
    user = opts.get('-u')
    if user:
        pw = pwd.getpwnam(user)
        os.chown(path, pw.pw_uid, grp.getgrnam('postfix').gr_gid)
        os.setgroups([])
        os.setgid(pw.pw_gid)
        os.setuid(pw.pw_uid)

    def reload(_s, _f):
        try:
            POLICY['current'] = load(conf)
            log('reloaded %s' % conf)
        except (OSError, ValueError) as e:
            log('reload failed, keeping the old policy: %s' % e)
    signal.signal(signal.SIGUSR1, reload)
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    log('naive milter listening on %s' % sockspec)
    while True:
        try:
            conn, _ = srv.accept()
        except InterruptedError:
            continue
        threading.Thread(target=serve, args=(conn,), daemon=True).start()


if __name__ == '__main__':
    main()
