#!/usr/bin/env python3
"""sendmail_e2e.py - relaylock with hosted_domains_from = "sendmail:CF" in
front of the real Sendmail that CF configures (open on purpose:
promiscuous_relay, so only relaylock can refuse), in a private namespace
with tests/integration's helpers.

Checks, over SMTP from an outside client (127.0.0.2):
  - the domains Sendmail serves (class w from the cf and local-host-names,
    class R from relay-domains with its subdomains, {VirtHost}, an access
    To: RELAY entry) are accepted; others get relaylock's 550, while the
    same Sendmail without the milter relays them (the control);
  - a name added to local-host-names is served within seconds, no signal;
  - local-host-names removed: relaylock keeps the last good copy (its
    domains still served, logged), and serves the file again once back.
"""
import argparse
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..', 'integration'))

import procs  # noqa: E402
from relaylock_proc import Relaylock  # noqa: E402
from sendmail_mta import Sendmail, sendmail_root  # noqa: E402
from sinks import FileSink, SmtpSink  # noqa: E402
from smtp import SmtpClient  # noqa: E402

HOSTNAME = 'mx.relaylock.test'
MC = """\
FEATURE(`use_cw_file')dnl
define(`confCR_FILE', `-o {dir}/relay-domains')dnl
FEATURE(`virtusertable', `hash -o {dir}/virtusertable')dnl
VIRTUSER_DOMAIN(`vh.test')dnl
FEATURE(`access_db', `hash -T<TMPF> -o {dir}/access')dnl
"""
MAPS = {'virtusertable': '@vh.test nobody\n', 'access': 'To:acc.test RELAY\n'}
SERVED = ('local1.test', 'cw.test', 'rd.test', 'sub.rd.test', 'vh.test',
          'sub.vh.test', 'acc.test', 'x.acc.test', HOSTNAME)
NOT_SERVED = ('unlisted.test', 'sub.cw.test', 'cwnew.test', 'test')


class Run:
    def __init__(self):
        self.failures = 0
        self.checks = 0

    def check(self, name, ok, detail=''):
        self.checks += 1
        self.failures += not ok
        print('%s %s%s' % ('ok  ' if ok else 'FAIL', name,
                           '' if ok else ': ' + detail))


def rcpt(port, domain):
    with SmtpClient('127.0.0.1', port, source='127.0.0.2') as c:
        c.ehlo('client.outside.example')
        c.mail('<someone@sender.example>')
        return c.rcpt('<user@%s>' % domain)


def eventually(port, domain, want, seconds=15):
    r = (0, '')
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        r = rcpt(port, domain)
        if r[0] // 100 == want:
            break
        time.sleep(0.3)
    return r


def answers(run, sm, label):
    for d in SERVED:
        r = rcpt(sm.port, d)
        run.check('%s: %s served' % (label, d), r[0] == 250, '%d %s' % r)
    for d in NOT_SERVED:
        r = rcpt(sm.port, d)
        ctl = rcpt(sm.open_port, d)
        run.check('%s: %s refused by relaylock (Sendmail alone: %d)'
                  % (label, d, ctl[0]), r[0] == 550 and ctl[0] == 250,
                  '%d %s' % r)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--scratch', required=True)
    args = ap.parse_args()
    if not procs.in_private_namespace():
        sendmail_root()
        return procs.reexec_in_namespace(HOSTNAME)
    os.environ['RELAYLOCK_IT_WORKDIR'] = os.path.abspath(args.scratch)
    wd = procs.fresh_workdir('', HOSTNAME)
    run = Run()
    with procs.Cleanup() as cl:
        outside = SmtpSink(cl, wd, 'outside', host='127.0.0.2').start()
        sm = Sendmail(cl, wd, outside, FileSink(os.path.join(wd, 'box')),
                      hosted_domains=('local1.test',), port=2585,
                      open_port=2586, hostname=HOSTNAME, open_relay=True,
                      name='sm-e2e', extra_mc=MC, maps=MAPS)
        rl = Relaylock(cl, wd, hosted=(), trusted=('127.0.0.10/32',),
                       extra_conf='hosted_domains_from = { "sendmail:%s" }\n'
                                  'hosted_domains_refresh = 1\n' % sm.cf)
        sm.milter = rl.milter
        os.makedirs(sm.dir, exist_ok=True)
        lhn = os.path.join(sm.dir, 'local-host-names')
        with open(lhn, 'w') as f:
            f.write('cw.test\n')
        with open(os.path.join(sm.dir, 'relay-domains'), 'w') as f:
            f.write('rd.test\n192.168.1\n')
        sm.start()
        os.chmod(os.path.join(sm.dir, 'access.db'), 0o644)  # for nobody
        rl.start()
        answers(run, sm, 'start')

        with open(lhn, 'a') as f:
            f.write('cwnew.test\n')
        r = eventually(sm.port, 'cwnew.test', 2)
        run.check('a name added to local-host-names is served, no signal',
                  r[0] == 250, '%d %s' % r)

        os.rename(lhn, lhn + '.away')
        time.sleep(2.5)  # two refresh periods
        r = rcpt(sm.port, 'cw.test')
        run.check('local-host-names gone: its domains still served (last'
                  ' good copy)', r[0] == 250, '%d %s' % r)
        run.check('the kept copy is logged', 'last good copy' in rl.log_text(),
                  rl.log_text()[-1500:])
        r = rcpt(sm.port, 'unlisted.test')
        run.check('local-host-names gone: others still refused', r[0] == 550,
                  '%d %s' % r)
        os.rename(lhn + '.away', lhn)
        with open(lhn, 'a') as f:
            f.write('cwback.test\n')
        r = eventually(sm.port, 'cwback.test', 2)
        run.check('local-host-names back: read again', r[0] == 250,
                  '%d %s' % r)
    print('SUMMARY sendmail e2e: %d of %d checks pass'
          % (run.checks - run.failures, run.checks))
    return 1 if run.failures or run.checks == 0 else 0


if __name__ == '__main__':
    sys.exit(main())
