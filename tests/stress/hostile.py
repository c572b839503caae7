#!/usr/bin/env python3
"""hostile.py SOCKET PID - a hostile milter-protocol client.

Truncated and over-long packets, missing and huge macros, NUL bytes and
64 KB addresses in RCPT, commands out of order, connections closed
mid-command. After every case the daemon (PID) must still be alive, and no
case may get an accept for an outside recipient. Prints PASS/FAIL lines;
exit status 1 on any failure.
"""

import os
import socket
import struct
import sys

SOCK, PID = sys.argv[1], int(sys.argv[2])
OUTSIDE = b'<victim@outside.example>'
fails = 0


def pkt(cmd, data=b''):
    return struct.pack('!I', len(data) + 1) + cmd + data


def macros(stage, pairs):
    return pkt(b'D', stage + b''.join(k + b'\0' + v + b'\0' for k, v in pairs))


OPTNEG = pkt(b'O', struct.pack('!III', 6, 0x1ff, 0x1fffff))
CONNECT = pkt(b'C', b'client.example\0' + b'4' + struct.pack('!H', 1025) + b'203.0.113.9\0')
MAIL = pkt(b'M', b'<a@b.example>\0')


def conn():
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(5)
    s.connect(SOCK)
    return s


def read_reply(s):
    """The reply command letter, or None when the daemon closed or timed out."""
    try:
        hdr = b''
        while len(hdr) < 4:
            b = s.recv(4 - len(hdr))
            if not b:
                return None
            hdr += b
        n = struct.unpack('!I', hdr)[0]
        data = b''
        while len(data) < n:
            b = s.recv(min(65536, n - len(data)))
            if not b:
                return None
            data += b
        return data[:1]
    except (socket.timeout, ConnectionError):
        return None


def session(*packets, replies=True):
    """Send PACKETS one by one; return the reply letters (None: no reply)."""
    s = conn()
    got = []
    try:
        for p in packets:
            s.sendall(p)
            if replies:
                got.append(read_reply(s))
    except (BrokenPipeError, ConnectionResetError):
        got.append(None)
    finally:
        s.close()
    return got


def check(name, ok, detail=''):
    global fails
    alive = True
    try:
        os.kill(PID, 0)
    except OSError:
        alive = False
    if ok and alive:
        print('PASS hostile: %s' % name)
    else:
        fails += 1
        print('FAIL hostile: %s %s%s' % (name, detail, '' if alive else ' (daemon died)'))


def not_accepted(letter):
    return letter not in (b'c', b'a')


def rcpt_answer(*before, rcpt=OUTSIDE, extra=b''):
    """Reply to an outside RCPT sent after BEFORE packets."""
    got = session(OPTNEG, *before, pkt(b'R', rcpt + b'\0' + extra))
    return got[-1]


# Framing attacks: the daemon drops the connection, never crashes (check()
# fails when the daemon is gone).
s = conn(); s.sendall(struct.pack('!I', 100) + b'O' + b'x' * 9); s.close()
check('truncated packet, then close', True)
s = conn(); s.sendall(struct.pack('!I', 0x7fffffff) + b'R' + b'A' * 1000); s.close()
check('over-long length (2 GB announced)', True)
session(struct.pack('!I', 0))
check('zero-length packet', True)  # the check is that the daemon lives
session(OPTNEG, pkt(b'\x01', b'zz'))
check('unknown command', True)
s = conn(); s.sendall(OPTNEG[:3]); s.close()
check('connection closed inside the header', True)
s = conn(); s.sendall(OPTNEG + CONNECT + MAIL + pkt(b'R', OUTSIDE)[:7]); s.close()
check('connection closed inside RCPT', True)

# Out of order: never an accept for an outside recipient.
r = rcpt_answer()
check('RCPT before CONNECT and MAIL is not accepted', not_accepted(r), r)
r = rcpt_answer(CONNECT)
check('RCPT before MAIL is not accepted', not_accepted(r), r)
got = session(pkt(b'R', OUTSIDE + b'\0'))
check('RCPT without option negotiation is not accepted', not_accepted(got[-1]), got)
got = session(OPTNEG, CONNECT, MAIL, CONNECT, MAIL, pkt(b'R', OUTSIDE + b'\0'))
check('CONNECT and MAIL twice, then RCPT: not accepted', not_accepted(got[-1]), got)

# Hostile recipients and macros.
r = rcpt_answer(CONNECT, MAIL, rcpt=b'<victim@outside.example\0@hosted.example>')
check('NUL byte inside the address', not_accepted(r), r)
r = rcpt_answer(CONNECT, MAIL, rcpt=b'<' + b'a' * 65536 + b'@hosted.example>')
check('64 KB address at the hosted domain', not_accepted(r), r)
r = rcpt_answer(CONNECT, MAIL, rcpt=b'<victim%outside.example@hosted.example' + b'x' * 65000 + b'>')
check('64 KB percent hack', not_accepted(r), r)
r = rcpt_answer(CONNECT, MAIL, rcpt=b'')
check('empty RCPT argument', not_accepted(r), r)
got = session(OPTNEG, CONNECT, MAIL, pkt(b'R', b''))
check('RCPT packet with no data at all', not_accepted(got[-1]), got)
big = b'v' * 60000
r = rcpt_answer(CONNECT, MAIL, macros(b'R', [(b'{rcpt_addr}', big), (b'{rcpt_mailer}', b'local'),
                                            (b'i', big)]))
check('huge {rcpt_addr} and queue id macros', not_accepted(r), r)
r = rcpt_answer(CONNECT, MAIL, pkt(b'D', b'R{rcpt_addr}'))
check('macro packet without NUL terminators', not_accepted(r), r)
r = rcpt_answer(CONNECT, MAIL, macros(b'C', [(b'{client_addr}', b'10.1.2.3')]))
check('{client_addr} macro of a trusted net does not override the socket address',
      not_accepted(r), r)
r = rcpt_answer(CONNECT, MAIL, macros(b'R', [(b'{rcpt_addr}', b'user@hosted.example'),
                                            (b'{rcpt_mailer}', b'local')]))
check('a harmless-looking resolution does not whitewash an outside RCPT', not_accepted(r), r)
bad_connect = pkt(b'C', b'h\0' + b'9' + b'\xff' * 40)
r = rcpt_answer(bad_connect, MAIL)
check('CONNECT with a garbage address family', not_accepted(r), r)
r = rcpt_answer(pkt(b'C', b'h'), MAIL)
check('CONNECT cut short', not_accepted(r), r)

# Many recipients on one connection, all refused.
s = conn()
s.sendall(OPTNEG); read_reply(s)
s.sendall(CONNECT); read_reply(s)
s.sendall(MAIL); read_reply(s)
accepted = 0
for i in range(2000):
    s.sendall(pkt(b'R', b'<v%d@outside.example>\0' % i))
    if not not_accepted(read_reply(s)):
        accepted += 1
s.close()
check('2000 outside RCPTs on one connection: none accepted', accepted == 0, accepted)

# And it still answers a normal session correctly.
got = session(OPTNEG, CONNECT, MAIL, pkt(b'R', b'<user@hosted.example>\0'),
              pkt(b'R', OUTSIDE + b'\0'))
check('a normal session afterwards: hosted accepted, outside refused',
      got[-2] == b'c' and not_accepted(got[-1]), got)
sys.exit(1 if fails else 0)
