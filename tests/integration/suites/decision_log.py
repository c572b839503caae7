"""decision_log.py - one decision log line per RCPT the milter decided, with
the right keys and values.
"""

import re

from relaylock_proc import DECISION_KEYS, escape_log_value
from suites.common import ALLOW_REASONS, REASONS


def decision_log(s):
    want = s.rec.milter_visible()
    lines = s.relaylock.wait_decisions(len(want), 5)
    s.check('log: one decision line per RCPT the milter decided',
            len(lines) == len(want),
            '%d lines, %d decisions' % (len(lines), len(want)))
    bad = []
    for i, (w, d) in enumerate(zip(want, lines)):
        exp = {
            'client': w['client'],
            'auth': escape_log_value(None if w['auth'] == '-'
                                     else w['auth']),
            'from': escape_log_value(w['from']),
            'rcpt': escape_log_value(w['rcpt']),
            'mode': 'enforce',
        }
        problems = []
        if d['keys'] != DECISION_KEYS:
            problems.append('keys %s' % (d['keys'],))
        for k, v in exp.items():
            if d.get(k) != v:
                problems.append('%s=%s (want %s)' % (k, d.get(k), v))
        if d.get('reason') not in REASONS:
            problems.append('unknown reason %s' % d.get('reason'))
        if w['action'] == 'accept':
            if d.get('action') != 'accept' or \
                    d.get('reason') not in ALLOW_REASONS:
                problems.append('action %s reason %s for an accepted '
                                'RCPT' % (d.get('action'),
                                          d.get('reason')))
        else:
            if d.get('action') != 'reject' or d.get('reason') != \
                    w['reason']:
                problems.append('action %s reason %s, reply said %s'
                                % (d.get('action'), d.get('reason'),
                                   w['reason']))
        if not re.match(r'^(NOQUEUE|[0-9A-Za-z]+)$', d['queueid']):
            problems.append('queue id %r' % d['queueid'])
        if d.get('resolved') in (None, '') or d.get('mailer') in (None,
                                                                  ''):
            problems.append('resolved/mailer missing')
        if problems:
            bad.append('#%d %s: %s' % (i, w['rcpt'], '; '.join(problems)))
    s.check('log: every line has the right fields and values',
            not bad and lines, ' | '.join(bad[:5]))
    reasons = {}
    for d in lines:
        reasons[d.get('reason')] = reasons.get(d.get('reason'), 0) + 1
    print('  %s: decision reasons: %s' % (s.kind, ', '.join(
        '%s=%d' % kv for kv in sorted(reasons.items()))))
