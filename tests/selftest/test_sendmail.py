#!/usr/bin/env python3
"""test_sendmail.py - relaylock-selftest against a real Sendmail (root).

    SELFTEST=... RELAYLOCK=... python3 tests/selftest/test_sendmail.py

The same checks as test_postfix.py with tests/integration/harness.py's
Sendmail (unpacked from its Debian packages, run in a private network
namespace, open relay on purpose): open listener CRITICAL (cross-checked
case by case), protected by relaylock OK with the control passing, milter
down (F=T, 4xx) never OK. The probe speaks plain SMTP to any MTA.
"""

import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, HERE)
import test_postfix as t  # noqa: E402
from test_postfix import h, check  # noqa: E402

HOSTED_RCPT = 'alice@%s' % t.HOSTED   # a mailbox of the harness's local mailer


def inside():
    workdir = t.namespace_workdir('selftest-sendmail')
    with h.Cleanup() as cl:
        outside = h.SmtpSink(cl, workdir, 'outside', host='127.0.0.2', port=2600).start()
        box = h.FileSink(os.path.join(workdir, 'hosted-mailbox'))
        rl = h.Relaylock(cl, workdir, hosted=(t.HOSTED,), trusted=('127.0.0.10/32',))
        rl.write_config()
        sm = h.Sendmail(cl, workdir, outside, box, milter=rl.milter,
                        hosted_domains=(t.HOSTED,), port=2525, open_port=2526,
                        hostname=t.HOSTNAME)
        sm.start()
        ctl = ('--hosted-rcpt', HOSTED_RCPT)

        print('== open Sendmail (no milter), port %d' % sm.open_port)
        p, doc = t.probe(sm.open_port, *ctl)
        if check('sendmail open: CRITICAL, exit 2', doc and p.returncode == 2 and
                 doc['status'] == 'CRITICAL', p.stdout[-1500:] + p.stderr[-500:]):
            opened = [r['name'] for r in doc['results'] if r['verdict'] == 'OPEN']
            check('sendmail open: the plain relay and tricks are flagged',
                  'plain' in opened and len(opened) >= 15, ' '.join(opened))
            wrong = t.cross_check(sm.open_port, doc)
            check('sendmail open: every accepted case flagged, no refused case flagged',
                  not wrong, '; '.join(wrong))
            closed = [r['name'] for r in doc['results'] if r['verdict'] == 'CLOSED']
            print('  Sendmail itself refuses: %s' % (' '.join(closed) or '-'))

        print('== relaylock not running (F=T: 4xx)')
        p, doc = t.probe(sm.port, *ctl)
        check('sendmail milter down: UNKNOWN or WARNING, never OK',
              doc and p.returncode in (1, 3) and doc['status'] in ('UNKNOWN', 'WARNING'),
              p.stdout[-1500:])

        print('== Sendmail protected by relaylock, port %d' % sm.port)
        rl.start()
        before = outside.count()
        p, doc = t.probe(sm.port, *ctl)
        if check('sendmail protected: OK, exit 0', doc and p.returncode == 0 and
                 doc['status'] == 'OK', p.stdout[-2500:] + p.stderr[-500:]):
            check('sendmail protected: control passes',
                  doc['results'][0]['verdict'] == 'PASS', doc['results'][0])
            check('sendmail protected: every case closed with 5xx',
                  all(r['verdict'] == 'CLOSED' and 500 <= r['code'] < 600
                      for r in doc['results'] if not r['control']))
            wrong = t.cross_check(sm.port, doc)
            check('sendmail protected: cross-check with a plain SMTP client', not wrong,
                  '; '.join(wrong))
        sm.flush()
        time.sleep(0.5)
        check('sendmail protected: nothing reached the outside sink',
              outside.count() == before, '%d new' % (outside.count() - before))
    return t.report('sendmail')


def main():
    # The namespace has no network: unpack Sendmail's packages first.
    return t.run_main('sendmail', inside, prepare=h.sendmail_root)


if __name__ == '__main__':
    sys.exit(main())
