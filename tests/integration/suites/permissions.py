"""permissions.py - who may relay: a trusted network, SMTP AUTH, a Postfix
XCLIENT address; a client with no address (sendmail -bs) may not.
"""

import re
import subprocess
import threading

from procs import stop_pid, wait_until
from smtp import SmtpClient, message
from suites.common import (EXT, HOSTED, OUTSIDE_IP, REJECT_TEXT_RE,
                           SASL_PASS, SASL_USER, TRUSTED_IP)


def trusted_relay(s):
    c = s.client(source=TRUSTED_IP)
    tok = s.token('trusted')
    m = c.mail('<admin@%s>' % HOSTED)
    r = s.rec.rcpt(c, '<admin@%s>' % HOSTED, '<friend@%s>' % EXT,
                   c.rcpt('<friend@%s>' % EXT), TRUSTED_IP)
    d = c.data(message(tok, to='friend@%s' % EXT))
    c.quit()
    s.check('trusted: client %s may relay' % TRUSTED_IP,
            m[0] == 250 and r[0] == 250 and d[0] == 250,
            'MAIL %d RCPT %d DATA %d' % (m[0], r[0], d[0]))
    s.expected_outside.append(tok)
    wait_until(lambda: s.outside.with_token(tok), 20)
    s.check('trusted: the relayed message arrives outside',
            len(s.outside.with_token(tok)) == 1)


def auth_relay(s):
    c = s.client()
    tok = s.token('auth')
    a = c.auth_plain(SASL_USER, SASL_PASS)
    m = c.mail('<alice@%s>' % HOSTED)
    r = s.rec.rcpt(c, '<alice@%s>' % HOSTED, '<friend@%s>' % EXT,
                   c.rcpt('<friend@%s>' % EXT), OUTSIDE_IP,
                   auth=SASL_USER)
    d = c.data(message(tok, to='friend@%s' % EXT))
    c.quit()
    s.check('auth: SMTP AUTH client (sasldb) may relay from %s'
            % OUTSIDE_IP,
            a[0] == 235 and m[0] == 250 and r[0] == 250
            and d[0] == 250,
            'AUTH %d MAIL %d RCPT %d DATA %d'
            % (a[0], m[0], r[0], d[0]))
    s.expected_outside.append(tok)
    wait_until(lambda: s.outside.with_token(tok), 20)
    s.check('auth: the relayed message arrives outside',
            len(s.outside.with_token(tok)) == 1)
    # A failed AUTH grants nothing.
    c = s.client()
    a = c.auth_plain(SASL_USER, 'wrong-password')
    m = c.mail('<alice@%s>' % HOSTED)
    r = s.rec.rcpt(c, '<alice@%s>' % HOSTED, '<friend@%s>' % EXT,
                   c.rcpt('<friend@%s>' % EXT), OUTSIDE_IP)
    c.quit()
    s.check('auth: a failed AUTH does not allow relaying',
            a[0] >= 500 and 500 <= r[0] < 600,
            'AUTH %d RCPT %d' % (a[0], r[0]))


def xclient(s):
    """Postfix XCLIENT from the authorised 127.0.0.1: the milter sees the
    XCLIENT address as the client (documentation range, never contacted)."""
    for addr, want_ok in (('203.0.113.9', False), (TRUSTED_IP, True)):
        c = SmtpClient('127.0.0.1', s.mta.port, source='127.0.0.1')
        c.ehlo('xclient.relaylock.test')
        x = c.cmd('XCLIENT ADDR=%s NAME=[UNAVAILABLE]' % addr)
        c.ehlo('client.outside.example')
        frm, rcpt = '<test@%s>' % HOSTED, '<nobody@%s>' % EXT
        c.mail(frm)
        r = s.rec.rcpt(c, frm, rcpt, c.rcpt(rcpt), addr)
        tok = s.token('xclient')
        d = c.data(message(tok, to=rcpt))
        c.quit()
        if want_ok:
            s.expected_outside.append(tok)
            ok = r[0] == 250 and d[0] == 250
        else:
            s.tokens_trick.append(tok)
            ok = 500 <= r[0] < 600 and d[0] != 250
        s.check('xclient: client %s %s' % (
            addr, 'may relay' if want_ok else 'may not relay'),
            x[0] == 220 and ok, 'XCLIENT %d RCPT %d DATA %d'
            % (x[0], r[0], d[0]))


def no_client_address(s):
    """`sendmail -bs` connects the milter with no address at all: such a
    client is untrusted."""
    frm, rcpt = '<test@%s>' % HOSTED, '<nobody@%s>' % EXT
    # Lock step: Sendmail refuses input sent before its replies.
    p = subprocess.Popen([s.mta.binary, '-C', s.mta.cf, '-bs'],
                         stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT)
    replies = []
    watchdog = threading.Timer(30, lambda: stop_pid(p.pid, timeout=5))
    watchdog.start()
    try:
        for line in (None, 'HELO local.test', 'MAIL FROM:' + frm,
                     'RCPT TO:' + rcpt, 'QUIT'):
            if line:
                p.stdin.write(line.encode() + b'\r\n')
                p.stdin.flush()
            for _ in range(50):
                r = p.stdout.readline().decode(errors='replace')
                if not r or re.match(r'^\d{3} ', r):
                    break
            replies.append(r.strip())
        p.stdin.close()
        p.wait(timeout=30)
    finally:
        watchdog.cancel()
        if p.poll() is None:
            stop_pid(p.pid, timeout=5)
    out = ' | '.join(replies)
    # banner, EHLO (last line), MAIL, RCPT, QUIT
    rl = replies[3] if len(replies) > 3 else ''
    code = int(rl[:3]) if rl else 0
    s.rec.rcpt(None, frm, rcpt, (code, rl), 'unknown')
    s.check('no address (sendmail -bs): relaying refused',
            500 <= code < 600 and REJECT_TEXT_RE.search(rl),
            rl or out[-300:])
