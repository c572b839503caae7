#!/usr/bin/env python3
"""test_mta_direct.py - relaylock-selftest's verdicts proven on real MTAs
that deliver literal recipients directly (root; tests/selftest/mta_direct.py).

    SELFTEST=... RELAYLOCK=... python3 tests/selftest/test_mta_direct.py

In one private network namespace:
  1. refused senders: an otherwise open Postfix that refuses address-literal
     senders, with smtpd_delay_reject no (at MAIL) and yes (at RCPT): no
     recipient trick is CLOSED because of its sender; the verdicts agree
     with a plain SMTP client replaying the sender the probe reports;
  2. --catch from 127.0.0.2 (port 25 there) against the open Postfix and
     Sendmail: RELAYED is exactly the set of messages each MTA logged as
     delivered to 127.0.0.2 (Postfix's log, Sendmail's -X trace); behind
     relaylock, OK and nothing relayed.
Exit 1 on any failure.
"""

import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, HERE)
import test_postfix as t  # noqa: E402
from test_postfix import h, check  # noqa: E402
from mta_direct import DirectPostfix, DirectSendmail  # noqa: E402

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


CATCH = ('--catch', '--catch-wait', '8')


def tokens_in(deliveries, vantage):
    """Tokens of the messages the MTA itself says it delivered to VANTAGE."""
    return {m for rcpt, reply in deliveries if rcpt.endswith('@[%s]' % vantage)
            for m in re.findall(r'rlst-[0-9a-f]{16}-[a-z0-9-]+', reply)}


def catch(name, mta, open_port, port, *ctl):
    """--catch on the open listener (RELAYED = what the MTA delivered to the
    vantage address) and the protected one (nothing relayed, OK)."""
    print('== %s --catch, open listener %d' % (name, open_port))
    before = tokens_in(mta.deliveries(), t.OUTSIDE_IP)
    p, doc = t.probe(open_port, *(CATCH + ctl), outside=None)
    if not check(name + ' open --catch: CRITICAL with RELAYED cases',
                 doc and p.returncode == 2 and doc['counts']['relayed'] > 0, p.stdout[-1500:]):
        return
    check(name + ' open --catch: outside address is the vantage literal',
          doc['parameters']['outside'] == 'relaytest@[%s]' % t.OUTSIDE_IP, doc['parameters'])
    relayed = {r['token'] for r in doc['results'] if r['verdict'] == 'RELAYED'}
    h.wait_until(lambda: tokens_in(mta.deliveries(), t.OUTSIDE_IP) - before >= relayed, 10)
    arrived = tokens_in(mta.deliveries(), t.OUTSIDE_IP) - before
    check(name + ' open --catch: RELAYED = the deliveries the MTA logged to the vantage address',
          relayed == arrived, 'relayed %d %s, MTA delivered %d %s'
          % (len(relayed), sorted(relayed), len(arrived), sorted(arrived)))
    print('  %d RELAYED: %s' % (len(relayed), ' '.join(
        sorted(r['name'] for r in doc['results'] if r['verdict'] == 'RELAYED'))))
    print('== %s --catch, protected by relaylock, port %d' % (name, port))
    p, doc = t.probe(port, *(CATCH + ctl), outside=None)
    check(name + ' protected --catch: OK, 0 RELAYED',
          doc and p.returncode == 0 and doc['counts']['relayed'] == 0, p.stdout[-1500:])
    check(name + ' protected --catch: nothing delivered to the vantage address',
          tokens_in(mta.deliveries(), t.OUTSIDE_IP) - before == arrived)


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
        rl.start()
        catch('postfix', pf, pf.open_port, pf.port)
        sm = DirectSendmail(cl, workdir, h.SmtpSink(cl, workdir, 'sm-outside', host='127.0.0.2',
                                                   port=2600).start(),
                            h.FileSink(os.path.join(workdir, 'hosted-mailbox')),
                            milter=rl.milter, hosted_domains=(t.HOSTED,), port=2525,
                            open_port=2526, hostname=t.HOSTNAME).start()
        catch('sendmail', sm, sm.open_port, sm.port, '--hosted-rcpt', 'alice@' + t.HOSTED)
    return t.report('mta-direct')


def main():
    return t.run_main('mta-direct', inside, prepare=h.sendmail_root)


if __name__ == '__main__':
    sys.exit(main())
