"""tricks.py - every routing trick of TRICKS from an outside client: refused
at RCPT (by relaylock or by the MTA), DATA never accepted.
"""

from smtp import message
from suites.common import OUTSIDE_IP, REJECT_TEXT_RE, TRICKS


def tricks(s):
    tried = accepted = 0
    c = s.client()
    s.check('outside client gets a banner', c.banner[0] == 220,
            c.banner[1])
    for name, frm, rcpt in TRICKS:
        tok = s.token('trick-' + name)
        s.tokens_trick.append(tok)
        if c.closed:
            c = s.client()
        c.rset()
        m = c.mail(frm)
        r = s.rec.rcpt(c, frm, rcpt, c.rcpt(rcpt), OUTSIDE_IP)
        tried += 1
        refused = 500 <= r[0] < 600
        if 200 <= r[0] < 300:
            accepted += 1
        by = ('accepted' if r[0] < 400 else 'by relaylock'
              if REJECT_TEXT_RE.search(r[1]) else 'by MTA')
        d = c.data(message(tok, to=rcpt))
        s.check('trick %-26s refused at RCPT' % name,
                refused and d[0] != 250,
                'MAIL %d, RCPT %s (%s), DATA %d'
                % (m[0], r[1].replace('\n', ' | '), by, d[0]))
        if refused and by == 'by MTA':
            s.refused_by_mta.append(name)
    c.quit()
    s.stats.update(tricks=tried, accepted=accepted)
    if s.refused_by_mta:
        print('  %s refused by the MTA itself before relaylock: %s'
              % (s.kind, ', '.join(s.refused_by_mta)))
