#!/usr/bin/env python3
"""test_mta_direct.py - relaylock-selftest's verdicts proven on real MTAs
that deliver literal recipients directly (root; tests/selftest/mta_direct.py).

    SELFTEST=... RELAYLOCK=... python3 tests/selftest/test_mta_direct.py

In one private network namespace:
  1. refused senders: an otherwise open Postfix that refuses address-literal
     senders, with smtpd_delay_reject no (at MAIL) and yes (at RCPT): no
     recipient trick is CLOSED because of its sender; the verdicts agree
     with a plain SMTP client replaying the sender the probe reports.
Exit 1 on any failure.
"""

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, HERE)
import test_postfix as t  # noqa: E402
from test_postfix import h, check  # noqa: E402
from mta_direct import DirectPostfix  # noqa: E402

LITERAL = '<relaytest@[127.0.0.1]>'


def refused_senders(pf):
    for port, stage, delay in ((pf.literal_mail_port, 'MAIL', 'no'),
                               (pf.literal_rcpt_port, 'RCPT', 'yes')):
        name = 'refused literal sender, smtpd_delay_reject=%s' % delay
        print('== %s, port %d' % (name, port))
        p, doc = t.probe(port)
        if not check(name + ': CRITICAL', doc and p.returncode == 2, p.stdout[-1500:]):
            continue
        res = {r['name']: r for r in doc['results']}
        masked = [n for n, r in res.items() if not r['control'] and r['verdict'] == 'CLOSED'
                  and 'Sender address rejected' in r['reply']
                  and not n.startswith('sender-')]
        check(name + ': no recipient trick closed by its sender', not masked, masked)
        swapped = [r for r in doc['results'] if r['case_mail_from'] == LITERAL
                   and not r['name'].startswith('sender-')]
        check(name + ': literal-sender cases judged with the outside sender',
              len(swapped) >= 8 and all(r['mail_from'] == '<relaytest@outside.example>'
                                        for r in swapped),
              [(r['name'], r['mail_from']) for r in swapped])
        relayed = [r['name'] for r in swapped if r['verdict'] == 'OPEN']
        check(name + ': a literal-sender recipient trick relays', relayed, relayed)
        sl = res['sender-server-literal']
        check(name + ': the sender trick keeps its sender and is refused at ' + stage,
              sl['verdict'] == 'CLOSED' and sl['stage'] == stage and sl['mail_from'] == LITERAL,
              sl)
        senders = {s['address']: s['state'] for s in doc['senders']}
        check(name + ': the literal sender was learnt as refused',
              senders.get(LITERAL) == 'refused', senders)
        wrong = t.cross_check(port, doc)
        check(name + ': cross-check with a plain SMTP client', not wrong, '; '.join(wrong))


def inside():
    workdir = h.fresh_workdir('-direct', t.HOSTNAME)
    with h.Cleanup() as cl:
        outside = h.SmtpSink(cl, workdir, 'outside').start()
        hosted = h.SmtpSink(cl, workdir, 'hosted').start()
        rl = h.Relaylock(cl, workdir, hosted=(t.HOSTED,), trusted=('127.0.0.10/32',))
        rl.write_config()
        pf = DirectPostfix(cl, workdir, outside, hosted, milter=rl.milter,
                           hosted_domains=(t.HOSTED,), hostname=t.HOSTNAME).start()
        refused_senders(pf)
    return t.report('mta-direct')


def main():
    return t.run_main('mta-direct', inside, prepare=h.sendmail_root)


if __name__ == '__main__':
    sys.exit(main())
