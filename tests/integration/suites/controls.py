"""controls.py - the harness proves itself (also in --baseline): without
relaylock the MTA is an open relay whose relaying the outside sink sees,
and the MTA's own stock relay rules refuse every trick.
"""

import os

from sendmail_mta import Sendmail
from sinks import FileSink
from smtp import message
from suites.common import HOSTED, HOSTNAME, TRICKS


def control_open_relay(s):
    """Without relaylock the MTA really is an open relay: proves that the
    tricks would get through and that the outside sink counts them."""
    before = s.outside.count()
    toks = []
    c = s.client(port=s.mta.open_port)
    # Postfix does not rewrite user%ext@D for a domain it relays to
    # (the hosted one), so its percent control uses its own literal.
    names = ('plain', 'percent_hack_literal' if s.kind == 'postfix'
             else 'percent_hack')
    for name, frm, rcpt in [t for t in TRICKS if t[0] in names]:
        tok = s.token('control-' + name)
        c.rset()
        m = c.mail(frm)
        r = c.rcpt(rcpt)
        d = c.data(message(tok))
        ok = m[0] == 250 and r[0] == 250 and d[0] == 250
        s.check('control: %s relays without relaylock' % name, ok,
                'MAIL %d RCPT %d DATA %d' % (m[0], r[0], d[0]))
        toks.append(tok)
    c.quit()
    s.outside.wait_count(before + len(toks), 20)
    arrived = sum(1 for t in toks if s.outside.with_token(t))
    s.check('control: open-relayed messages reach the outside sink',
            arrived == len(toks), '%d of %d' % (arrived, len(toks)))
    s.expected_outside += toks


def own_rules(s):
    """The harness's own proof: with the MTA's own relay rules (no
    promiscuous relay, mynetworks limited) and no milter, every trick is
    refused too and nothing reaches the outside sink."""
    if s.kind == 'postfix':
        port = s.mta.strict_port
    else:
        strict = Sendmail(s.cl, s.workdir, s.outside,
                          FileSink(os.path.join(s.workdir,
                                                'strict-mailbox')),
                          milter=None, hosted_domains=(HOSTED,),
                          port=2529, open_port=2530, hostname=HOSTNAME,
                          open_relay=False, name='sendmail-strict')
        strict.start()
        port = strict.open_port
    c = s.client(port=port)
    refused = 0
    # Addresses the MTA itself delivers locally (its own literal, and for
    # Sendmail its own name and the local part "nobody\@ext"): refused
    # only by relaylock; here the outside-sink count covers them.
    local = {'server_literal'}
    if s.kind == 'sendmail':
        local |= {'server_hostname', 'backslash'}
    cases = [t for t in TRICKS if t[0] not in local]
    for name, frm, rcpt in cases:
        tok = s.token('own-rules-' + name)
        s.tokens_trick.append(tok)
        if c.closed:
            c = s.client(port=port)
        c.rset()
        c.mail(frm)
        r = c.rcpt(rcpt)
        d = c.data(message(tok, to=rcpt))
        if 500 <= r[0] < 600 and d[0] != 250:
            refused += 1
        else:
            print('  own rules let %s through: RCPT %s DATA %d'
                  % (name, r[1], d[0]))
    c.quit()
    s.check('own rules: the MTA alone (no milter, not open) refuses '
            'every trick', refused == len(cases),
            '%d of %d refused' % (refused, len(cases)))
    if s.kind == 'sendmail':
        s.settle_mta(strict)
        strict.stop()
