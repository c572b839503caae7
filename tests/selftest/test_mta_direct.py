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
     relaylock, OK and nothing relayed;
  3. IPv6: --netns auto with 2001:db8::1,2001:db8::2 against the open
     Postfix on [::] ([IPv6:...] literal tricks of the real address),
     --catch on 2001:db8::2, and --mx of a domain whose MX has only an
     AAAA (::1, Postfix on [::1]:25; dnsmasq in this namespace).
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


CATCH = ('--catch', '--catch-wait', '6')


def tokens_in(deliveries, vantage):
    """Tokens of the messages the MTA itself says it delivered to VANTAGE."""
    return {m for rcpt, reply in deliveries if rcpt.lower().endswith('@[%s]' % vantage.lower())
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


V6 = ('--netns', 'auto', '--netns-addr', '2001:db8::1,2001:db8::2')


def ipv6(pf, workdir):
    """IPv6 from a temporary namespace, --catch on its IPv6 address, and an
    MX whose only address is an AAAA."""
    print('== IPv6: --netns auto %s, open Postfix on [::]:%d' % (V6[-1], pf.ipv6_port))
    p, doc = t.probe(pf.ipv6_port, *V6, source=None, target='[::1]:%d' % pf.ipv6_port)
    ok = check('ipv6: CRITICAL from 2001:db8::2 to 2001:db8::1', doc and p.returncode == 2 and
               doc['source'] == '2001:db8::2' and doc['target']['address'] == '2001:db8::1',
               p.stdout[-1500:])
    rc = {r['name']: (r['rcpt_to'], r['verdict']) for r in (doc or {}).get('results', [])}
    check('ipv6: literal tricks use the real target address',
          ok and rc['percent-server-literal'] == (
              '<relaytest%outside.example@[IPv6:2001:db8::1]>', 'OPEN') and
          rc['source-route-literal'][0] == '<@[IPv6:2001:db8::1]:relaytest@outside.example>', rc)
    before = tokens_in(pf.deliveries(), 'IPv6:2001:db8::2')
    p, doc = t.probe(pf.ipv6_port, *(V6 + CATCH), source=None, outside=None,
                     target='[::1]:%d' % pf.ipv6_port)
    relayed = {r['token'] for r in (doc or {}).get('results', []) if r['verdict'] == 'RELAYED'}
    h.wait_until(lambda: tokens_in(pf.deliveries(), 'IPv6:2001:db8::2') - before >= relayed, 10)
    arrived = tokens_in(pf.deliveries(), 'IPv6:2001:db8::2') - before
    check('ipv6 --catch: the listener on 2001:db8::2 receives what Postfix relays',
          doc and doc['parameters']['outside'] == 'relaytest@[IPv6:2001:db8::2]' and
          relayed and relayed == arrived, 'relayed %d, Postfix delivered %d: %s'
          % (len(relayed), len(arrived), p.stdout[-1200:]))
    from dns_server import Dnsmasq, use_resolv_conf
    with Dnsmasq(workdir, '127.0.0.53', ('mx-host=v6.example,mx.v6.example,10',
                                         'host-record=mx.v6.example,::1')):
        use_resolv_conf(workdir, '127.0.0.53')
        p, doc = t.probe(0, '--mx', 'v6.example', '--only', 'plain,percent-server-literal',
                         target=None, source=None)
        tg = (doc or {}).get('targets') or [{}]
        check('ipv6 --mx: the AAAA-only MX is probed at ::1 (CRITICAL)',
              doc and p.returncode == 2 and len(tg) == 1 and
              tg[0]['target']['address'] == '::1' and tg[0]['status'] == 'CRITICAL',
              p.stdout[-1200:])


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
        ipv6(pf, workdir)
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
