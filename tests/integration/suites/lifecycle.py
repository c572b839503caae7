"""lifecycle.py - relaylock stopped: both MTAs fail closed (4xx); restarted
on its stale socket in monitor mode: would-reject is logged, not enforced.
"""

import time

from procs import HarnessError
from relaylock_proc import escape_log_value
from smtp import message
from suites.common import (ALLOW_REASONS, EXT, HOSTED, OUTSIDE_IP,
                           TRUSTED_IP)


def milter_down(s):
    rl = s.relaylock
    t = time.monotonic()
    rl.stop()
    s.check('down: relaylock exits after SIGTERM', not rl.alive(),
            '%.1f s, status %s' % (time.monotonic() - t,
                                   getattr(rl, 'exit_status', None)))
    for who, src, rcpt in (('outside', OUTSIDE_IP, '<nobody@%s>' % EXT),
                           ('outside', OUTSIDE_IP,
                            '<alice@%s>' % HOSTED),
                           ('trusted', TRUSTED_IP, '<nobody@%s>' % EXT)):
        tok = s.token('down')
        s.tokens_trick.append(tok)
        c = s.client(source=src)
        m = c.mail('<test@%s>' % HOSTED)
        r = c.rcpt(rcpt)
        d = c.data(message(tok, to=rcpt))
        c.quit()
        tempfail = (400 <= m[0] < 500) or (400 <= r[0] < 500)
        s.check('down: %s client, %s: 4xx, nothing accepted'
                % (who, rcpt), tempfail and r[0] != 250
                and d[0] != 250,
                'MAIL %d RCPT %d DATA %d' % (m[0], r[0], d[0]))


def monitor_mode(s):
    """Restart on the stale socket in monitor mode: a trick is logged as
    would-reject and accepted (RSET: no message is sent)."""
    rl = s.relaylock
    rl.mode = 'monitor'
    rl.write_config()
    n = len(rl.decisions())
    try:
        rl.start()
    except HarnessError as e:
        s.check('monitor: relaylock restarts on its stale socket',
                False, str(e)[:300])
        return
    c = s.client()
    frm, rcpt = '<test@%s>' % HOSTED, '<nobody%%%s@%s>' % (EXT, HOSTED)
    c.mail(frm)
    r = c.rcpt(rcpt)
    c.rset()
    c.quit()
    lines = rl.wait_decisions(n + 1, 5)[n:]
    d = lines[0] if lines else {}
    s.check('monitor: a trick is accepted and logged as would-reject',
            r[0] == 250 and len(lines) == 1
            and d.get('action') == 'would-reject'
            and d.get('reason') not in ALLOW_REASONS
            and d.get('mode') == 'monitor'
            and d.get('rcpt') == escape_log_value(rcpt),
            'RCPT %d; %s' % (r[0], d.get('line', 'no log line')))
    rl.stop()
