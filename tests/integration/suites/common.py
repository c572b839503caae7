"""common.py - what every suite shares: names and addresses, the trick
table, the results, the RCPT recorder and the per-MTA Context.
"""

import os
import re
import shutil
import sys
import time

from smtp import SmtpClient


HOSTNAME = 'mx.relaylock.test'
HOSTED = 'hosted.example'
NEWHOSTED = 'newhosted.example'
EXT = 'third-party.example'
IDN_A = 'xn--bcher-kva.example'     # hosted in relaylock as an A-label only
IDN_U = 'b\u00fccher.example'        # the same domain as a U-label
OUTSIDE_IP = '127.0.0.2'      # an outside client
TRUSTED_IP = '127.0.0.10'     # the only trusted network, 127.0.0.10/32
SERVER_LIT = '[127.0.0.1]'    # the server's own address as a literal
SASL_USER, SASL_PASS = 'alice', 'relaylock-test-secret'

# (name, MAIL FROM argument, RCPT TO argument): the foundation issue's tricks
# and the seeds' manual test list, with the server's literal and name.
TRICKS = [
    ('plain', '<nobody@%s>' % EXT, '<nobody@%s>' % EXT),
    ('plain_no_brackets', 'nobody@%s' % EXT, 'nobody@%s' % EXT),
    ('sender_long_domain', '<test@maps1.pa.vix.example>', '<nobody@%s>' % EXT),
    ('sender_localhost', '<test@localhost>', '<nobody@%s>' % EXT),
    ('sender_unqualified', '<test>', '<nobody@%s>' % EXT),
    ('sender_null', '<>', '<nobody@%s>' % EXT),
    ('sender_hosted', '<test@%s>' % HOSTED, '<nobody@%s>' % EXT),
    ('sender_hostname', '<test@%s>' % HOSTNAME, '<nobody@%s>' % EXT),
    ('sender_literal', '<test@%s>' % SERVER_LIT, '<nobody@%s>' % EXT),
    ('sender_postmaster_hosted', '<postmaster@%s>' % HOSTED,
     '<nobody@%s>' % EXT),
    ('percent_hack', '<test@%s>' % HOSTED, '<nobody%%%s@%s>' % (EXT, HOSTED)),
    ('percent_hack_hostname', '<test@%s>' % HOSTED,
     '<nobody%%%s@%s>' % (EXT, HOSTNAME)),
    ('percent_hack_literal', '<test@%s>' % HOSTED,
     '<nobody%%%s@%s>' % (EXT, SERVER_LIT)),
    ('percent_double', '<test@%s>' % HOSTED,
     '<nobody%%%s%%%s@%s>' % (EXT, HOSTED, HOSTED)),
    ('percent_upper', '<test@%s>' % HOSTED,
     '<NOBODY%%%s@%s>' % (EXT.upper(), HOSTED.upper())),
    ('quoted', '<test@%s>' % HOSTED, '<"nobody@%s">' % EXT),
    ('quoted_percent', '<test@%s>' % HOSTED, '<"nobody%%%s">' % EXT),
    ('quoted_at_hosted', '<test@%s>' % HOSTED,
     '<"nobody@%s"@%s>' % (EXT, HOSTED)),
    ('quoted_at_literal', '<test@%s>' % HOSTED,
     '<"nobody@%s"@%s>' % (EXT, SERVER_LIT)),
    ('quoted_percent_hosted', '<test@%s>' % HOSTED,
     '<"nobody%%%s"@%s>' % (EXT, HOSTED)),
    ('multi_at', '<test@%s>' % HOSTED, '<nobody@%s@%s>' % (EXT, HOSTED)),
    ('multi_at_literal', '<test@%s>' % SERVER_LIT,
     '<nobody@%s@%s>' % (EXT, SERVER_LIT)),
    ('source_route', '<test@%s>' % SERVER_LIT,
     '<@%s:nobody@%s>' % (HOSTED, EXT)),
    ('source_route_literal', '<test@%s>' % HOSTED,
     '<@%s:nobody@%s>' % (SERVER_LIT, EXT)),
    ('source_route_multihop', '<test@%s>' % HOSTED,
     '<@%s,@%s:nobody@%s>' % (HOSTED, HOSTNAME, EXT)),
    ('bang_path', '<test@%s>' % SERVER_LIT, '<%s!nobody>' % EXT),
    ('bang_hosted', '<test@%s>' % HOSTED, '<%s!nobody@%s>' % (EXT, HOSTED)),
    ('bang_literal', '<test@%s>' % HOSTED,
     '<%s!nobody@%s>' % (EXT, SERVER_LIT)),
    ('backslash', '<test@%s>' % HOSTED, '<nobody\\@%s@%s>' % (EXT, HOSTED)),
    ('unlisted_literal', '<test@%s>' % HOSTED, '<nobody@[192.0.2.1]>'),
    ('server_literal', '<test@%s>' % HOSTED, '<nobody@%s>' % SERVER_LIT),
    ('lookalike_prefix', '<test@%s>' % HOSTED, '<nobody@evil%s>' % HOSTED),
    ('lookalike_suffix', '<test@%s>' % HOSTED,
     '<nobody@%s.%s>' % (HOSTED, EXT)),
    ('server_hostname', '<test@%s>' % HOSTED, '<nobody@%s>' % HOSTNAME),
    # Hostile text for the decision log: spaces and '=' that would forge
    # fields, a backslash, and an over-long local part.
    ('log_forgery', '<"x action=accept"@%s>' % EXT,
     '<"nobody client=127.0.0.10 reason=hosted"@%s>' % EXT),
    ('too_long', '<test@%s>' % HOSTED, '<%s%%%s@%s>' % ('n' * 300, EXT, HOSTED)),
]

REJECT_TEXT_RE = re.compile(r'Relaying denied \(([a-z_]+)\)')
REASONS = {'hosted', 'trusted_network', 'authenticated', 'postmaster',
           'relay_denied', 'percent_hack', 'bang_path', 'source_route',
           'quoted_route', 'multi_at', 'backslash_escape', 'domain_literal',
           'unqualified', 'syntax', 'too_long', 'mta_resolution',
           'internal_error', 'source_unavailable'}
ALLOW_REASONS = {'hosted', 'trusted_network', 'authenticated', 'postmaster'}


class Results:
    def __init__(self):
        self.passed = 0
        self.failed = []
        self.names = []     # every check run, in order: the inventory

    def check(self, name, ok, detail=''):
        self.names.append(name)
        if ok:
            self.passed += 1
            print('PASS %s%s' % (name, (': ' + detail) if detail else ''))
        else:
            self.failed.append(name)
            print('FAIL %s%s' % (name, (': ' + detail) if detail else ''))
        sys.stdout.flush()
        return ok


class Recorder:
    """Every RCPT sent to the protected port, to match the decision log."""

    def __init__(self):
        self.rcpts = []

    def rcpt(self, client, frm, rcpt, reply, source, auth='-'):
        code, text = reply
        self.rcpts.append({'from': frm, 'rcpt': rcpt, 'code': code,
                           'text': text, 'client': source, 'auth': auth})
        return reply

    def milter_visible(self):
        """RCPTs the milter decided: accepted ones, and relaylock's rejects."""
        out = []
        for r in self.rcpts:
            if 200 <= r['code'] < 300:
                out.append(dict(r, action='accept', reason=None))
            else:
                m = REJECT_TEXT_RE.search(r['text'])
                if m and 500 <= r['code'] < 600:
                    out.append(dict(r, action='reject', reason=m.group(1)))
        return out


class Context:
    """One MTA's run: its sinks, MTA, relaylock, results and the tokens of
    messages that must (expected_outside) or must not (tokens_trick) reach
    the outside sink. Suites are functions of a Context."""

    def __init__(self, kind, res, workdir, cl, baseline=False, name=None,
                 subdir=None):
        self.baseline = baseline
        self.cl = cl
        self.kind = kind            # the MTA: 'postfix' or 'sendmail'
        self.name = name or kind    # the run: check names, its directory
        self.res = res
        # Short: a unix socket's path has at most 107 octets.
        self.workdir = os.path.join(workdir, subdir or self.name)
        shutil.rmtree(self.workdir, ignore_errors=True)
        os.makedirs(self.workdir)
        os.chmod(self.workdir, 0o755)
        self.rec = Recorder()
        self.tokens_trick = []
        self.expected_outside = []   # tokens that must arrive outside
        self.stats = {}
        self.refused_by_mta = []

    def check(self, name, ok, detail=''):
        return self.res.check('%s: %s' % (self.name, name), ok, detail)

    def client(self, source=OUTSIDE_IP, port=None):
        c = SmtpClient('127.0.0.1', port or self.mta.port, source=source)
        if c.banner[0] != 220:
            return c
        c.ehlo('client.outside.example')
        return c

    def token(self, what):
        return 'RLTEST-%s-%s-%d' % (self.name, what, int(time.time() * 1000))

    def settle(self):
        """Flush the queue and wait until it is empty (bounded)."""
        ok = self.mta.wait_queue_empty(30)
        self.check('queue drained', ok, 'queue size %d' % self.mta.queue_size())

    def settle_mta(self, mta):
        ok = mta.wait_queue_empty(30)
        self.check('queue drained', ok, 'queue size %d' % mta.queue_size())
