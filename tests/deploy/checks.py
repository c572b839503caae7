"""What the deployment test checks in a booted container, for either MTA.

Deployment(c, mta, report) drives one container; each method is one step
of the admin's life with relaylock (install, configure, reload, crash,
audit, purge) and records its checks in report. Clients connect from
outsider addresses on the container's loopback (never 127.0.0.1, the one
trusted address of the default configuration).
"""
import json
import re
import time

from mta_setup import SINK_ADDR, SINK_PORT

HOSTED = 'mail.relaylock.test'
OUTSIDE = 'outside.example'
OUTSIDER = '127.0.0.3'
MAILBOX = 'alice'
CONF = '/etc/relaylock/relaylock.conf'
TOOLS = '/root/relaylock-test'

# Relay tricks: each one, if accepted, would send mail to the outside sink.
TRICKS = [
    'user@%s' % OUTSIDE,
    'user%%%s@%s' % (OUTSIDE, HOSTED),
    'user%%%s@[127.0.0.1]' % OUTSIDE,
    '%s!user@%s' % (OUTSIDE, HOSTED),
    '%s!user' % OUTSIDE,
    '@%s:user@%s' % (HOSTED, OUTSIDE),
    '"user@%s"@%s' % (OUTSIDE, HOSTED),
    '"user%%%s"@%s' % (OUTSIDE, HOSTED),
    'user@%s@%s' % (HOSTED, OUTSIDE),
    'user@[198.51.100.7]',
    'user@%s.' % OUTSIDE,
]


class Report:
    def __init__(self, prefix):
        self.prefix = prefix
        self.passed = self.failed = 0

    def check(self, name, ok, detail=''):
        if ok:
            self.passed += 1
            print('PASS %s: %s' % (self.prefix, name))
        else:
            self.failed += 1
            print('FAIL %s: %s%s' % (self.prefix, name,
                                     (' -- ' + str(detail)[-1500:]) if detail else ''))
        return ok


def wait_for(pred, timeout, step=0.3):
    deadline = time.monotonic() + timeout
    while True:
        v = pred()
        if v or time.monotonic() > deadline:
            return v
        time.sleep(step)


class Deployment:
    def __init__(self, c, mta, report):
        self.c, self.mta, self.r = c, mta, report
        self.token_seq = 0
        self.refused_by_relaylock = len(TRICKS)  # set by protected()

    # ------------------------------------------------------------ helpers

    def token(self, what):
        self.token_seq += 1
        return 'RLTOKEN-%s-%d' % (re.sub('[^A-Za-z0-9]', '', what)[:20], self.token_seq)

    def session(self, cases, source=OUTSIDER):
        job = {'cases': cases}
        r = self.c.sh('python3 %s/smtp_session.py %s 127.0.0.1 25'
                      % (TOOLS, source), input=json.dumps(job), check=False)
        try:
            return json.loads(r.stdout)
        except ValueError:
            return [{'rcpt': c['rcpt'], 'code': 0, 'mail': 0, 'sent': False,
                     'reply': r.stderr[-300:]} for c in cases]

    def sink_tokens(self):
        toks = set()
        try:
            for line in self.c.read('/root/outside.jsonl').splitlines():
                toks.update(json.loads(line)['tokens'])
        except (OSError, ValueError):
            pass
        return toks

    def mailbox_has(self, token):
        try:
            return token in self.c.read('/var/mail/' + MAILBOX)
        except OSError:
            return False

    def journal(self, unit, since):
        """(priority, facility, message) of UNIT's entries since the cursor
        time SINCE (filtered here: journalctl -u misses some)."""
        r = self.c.sh("journalctl -o json --no-pager --since '@%d'" % since,
                      check=False)
        out = []
        for line in r.stdout.splitlines():
            try:
                e = json.loads(line)
            except ValueError:
                continue
            if e.get('_SYSTEMD_UNIT') == unit or e.get('UNIT') == unit:
                msg = e.get('MESSAGE')
                if isinstance(msg, list):
                    msg = bytes(msg).decode('utf-8', 'replace')
                out.append((int(e.get('PRIORITY', 6)),
                            int(e.get('SYSLOG_FACILITY', -1)), msg or ''))
        return out

    def now(self):
        return int(self.c.sh('date +%s').stdout.strip())

    def main_pid(self):
        return self.c.sh('systemctl show -p MainPID --value relaylock').stdout.strip()

    def state(self, unit='relaylock'):
        return self.c.sh('systemctl is-active %s' % unit, check=False).stdout.strip()

    # ------------------------------------------------------------ steps

    def prepare(self, tools_dir):
        for f in ('outside_sink.py', 'smtp_session.py'):
            self.c.copy_in('%s/%s' % (tools_dir, f), '%s/%s' % (TOOLS, f), 0o755)
        self.c.sh('useradd -m %s' % MAILBOX)
        self.c.sh('systemd-run --unit=outside-sink python3 %s/outside_sink.py %s %d '
                  '/root/outside.jsonl' % (TOOLS, SINK_ADDR, SINK_PORT))
        self.r.check('outside sink listening', wait_for(lambda: self.c.sh(
            'ss -ltn | grep -q %s:%d' % (SINK_ADDR, SINK_PORT), check=False).returncode == 0, 10))
        self.mta.open_relay(self.c)

    def trick_cases(self):
        return [{'from': self.mta.sender, 'rcpt': t, 'data': self.token('trick')}
                for t in TRICKS]

    def baseline(self):
        """The stock MTA made open, without relaylock: tricks get through."""
        cases = self.trick_cases()
        res = self.session(cases)
        accepted = [x['rcpt'] for x in res if x['code'] and x['code'] < 300]
        want = {c['data'] for c in cases}
        arrived = wait_for(lambda: self.sink_tokens() & want, 20)
        self.r.check('baseline: the open %s alone accepts relay tricks (%d of %d)'
                     % (self.mta.name, len(accepted), len(TRICKS)),
                     len(accepted) >= len(TRICKS) // 2, res)
        self.r.check('baseline: relayed tricks reach the outside sink (%d)'
                     % len(arrived), arrived, self.c.sh('mailq 2>&1 | tail -20',
                                                        check=False).stdout)

    def install(self, deb):
        self.c.copy_in(deb, '/root/' + deb.split('/')[-1])
        r = self.c.sh('apt-get install -y -q /root/%s' % deb.split('/')[-1],
                      check=False, timeout=300)
        self.r.check('apt-get install ./relaylock_*.deb', r.returncode == 0,
                     r.stdout + r.stderr)
        self.r.check('relaylock.service enabled', self.c.sh(
            'systemctl is-enabled relaylock', check=False).stdout.strip() == 'enabled')
        self.r.check('relaylock.service active with the default config',
                     wait_for(lambda: self.state() == 'active', 15),
                     self.c.sh('systemctl status relaylock --no-pager; '
                               'journalctl -u relaylock --no-pager | tail -20',
                               check=False).stdout)
        after = self.c.sh('systemctl show -p After --value %s' % self.mta.ordered_unit,
                          check=False).stdout
        self.r.check('relaylock is ordered before %s' % self.mta.ordered_unit,
                     'relaylock.service' in after.split(), after)

    def configure(self):
        """The admin steps of relaylock(8), DEPLOYMENT: the MTA snippet only.
        relaylock.conf stays as shipped: its hosted domains are the ones
        the stock MTA serves (hosted_domains_from = { "mta" })."""
        name = self.mta.name
        md5 = self.c.sh("dpkg-query -W -f='${Conffiles}' relaylock | "
                        "awk '$1 == \"%s\" { print $2 }'" % CONF).stdout.strip()
        now = self.c.sh('md5sum %s' % CONF).stdout.split()[0]
        self.r.check('zero edit: relaylock.conf as shipped, hosted_domains_from = '
                     '{ "mta" }', md5 == now and re.search(
                         r'(?m)^hosted_domains_from = \{ "mta" \}$', self.c.read(CONF)),
                     '%s vs %s' % (md5, now))
        self.r.check('relaylock joined the group of the %s files' % name,
                     self.mta.group in self.c.sh('id -nG relaylock').stdout.split(),
                     self.c.sh('id relaylock').stdout)
        t = self.c.sh('setpriv --reuid=relaylock --regid=relaylock --init-groups '
                      'relaylock -t -c %s' % CONF, check=False)  # no PAM session
        self.r.check('relaylock -t as relaylock reads the stock %s, no warning' % name,
                     t.returncode == 0 and not t.stderr.strip()
                     and 'source mta (%s)' % name in t.stdout, t.stdout + t.stderr)
        q = self.c.sh('relaylock -c %s --explain -q %s@%s --client %s'
                      % (CONF, MAILBOX, HOSTED, OUTSIDER), check=False)
        self.r.check('%s is hosted because the stock %s serves it' % (HOSTED, name),
                     q.returncode == 0 and 'hosted by %s: ' % name in q.stdout,
                     q.stdout + q.stderr)
        self.mta.admin_steps(self.c)

    def protected(self, label):
        """Tricks refused and nothing relayed; hosted mail and trusted relay work."""
        cases = self.trick_cases()
        hosted = {'from': self.mta.sender, 'rcpt': '%s@%s' % (MAILBOX, HOSTED),
                  'data': self.token('hosted')}
        trusted = {'from': self.mta.sender, 'rcpt': 'friend@%s' % OUTSIDE,
                   'data': self.token('trusted')}
        res = self.session(cases + [hosted])
        tricks, host = res[:-1], res[-1]
        # 550 5.7.1 from relaylock, or the MTA's own 5xx for what it
        # never accepts (Sendmail: "Invalid route address")
        refused = [x for x in tricks if 500 <= x['code'] < 600]
        by_relaylock = [x for x in refused if '5.7.1' in x['reply']]
        self.r.check('%s: %d of %d relay tricks refused (%d by relaylock)'
                     % (label, len(refused), len(TRICKS), len(by_relaylock)),
                     len(refused) == len(TRICKS) and len(by_relaylock) >= len(TRICKS) - 2,
                     [x for x in tricks if x not in refused])
        self.refused_by_relaylock = len(by_relaylock)
        self.r.check('%s: hosted recipient accepted' % label,
                     host['code'] == 250 and host['sent'], host)
        tr = self.session([trusted], source='127.0.0.1')
        self.r.check('%s: trusted client (127.0.0.1) may relay' % label,
                     tr[0]['code'] == 250 and tr[0]['sent'], tr)
        self.r.check('%s: hosted mail delivered to the mailbox' % label,
                     wait_for(lambda: self.mailbox_has(hosted['data']), 30))
        self.r.check('%s: trusted mail reached the outside sink' % label,
                     wait_for(lambda: trusted['data'] in self.sink_tokens(), 30))
        leaked = self.sink_tokens() & {c['data'] for c in cases}
        self.r.check('%s: no trick reached the outside sink' % label, not leaked, leaked)

    def logs(self, since):
        """Decisions in mail.log and the journal, at notice, facility mail."""
        want = self.refused_by_relaylock
        entries = self.journal('relaylock.service', since)
        rejects = [e for e in entries if 'action=reject' in e[2]]
        self.r.check('journal: rejections at priority notice, facility mail (%d)'
                     % len(rejects), rejects and all(p == 5 and f == 2
                                                     for p, f, _ in rejects), entries[-5:])
        self.r.check('journal: one prefix per line (no "relaylock[" in MESSAGE)',
                     entries and not any('relaylock[' in m for _, _, m in entries))
        def maillog():
            n = self.c.sh("grep -c 'relaylock\\[[0-9]*\\]: [^ ]*: action=reject' "
                          "/var/log/mail.log", check=False).stdout.strip()
            return int(n) if n.isdigit() and int(n) >= want else 0
        n = wait_for(maillog, 10)
        self.r.check('/var/log/mail.log holds the decisions (%d lines)' % n, n)
        f2b = '/etc/fail2ban/filter.d/relaylock.conf'
        for source, label in (('/var/log/mail.log', 'mail.log'),
                              ('systemd-journal', 'the journal')):
            r = self.c.sh('fail2ban-regex --out ip %s %s' % (source, f2b),
                          check=False, timeout=120)
            ips = r.stdout.split()
            self.r.check('fail2ban-regex: every decision in %s bans 127.0.0.3 (%d)'
                         % (label, len(ips)),
                         len(ips) >= want and set(ips) == {OUTSIDER},
                         r.stdout[-800:] + r.stderr[-400:])

    def mta_domain_added(self):
        """A domain the admin adds to the MTA only is hosted by relaylock
        after `systemctl reload relaylock` (the daemon also sees it by
        itself within hosted_domains_refresh): no second list to keep."""
        dom = 'added.example'
        rcpt = '%s@%s' % (MAILBOX, dom)
        self.mta.add_domain(self.c, dom)
        r = self.c.sh('systemctl reload relaylock', check=False)
        case = {'from': self.mta.sender, 'rcpt': rcpt, 'data': self.token('added')}
        res = self.session([case])[0]
        self.r.check('a domain added to the %s only (%s) is accepted'
                     % (self.mta.name, dom), r.returncode == 0 and res['code'] == 250
                     and res['sent'], res)
        self.r.check('and delivered to the mailbox',
                     wait_for(lambda: self.mailbox_has(case['data']), 30))

    def reloads(self):
        good = self.c.read(CONF)
        t = self.now()
        more = good + 'hosted_domains = { "%s", "second.example" }\n' % HOSTED
        self.c.write(CONF, more)
        r = self.c.sh('systemctl reload relaylock', check=False)
        self.r.check('reload with a good config succeeds', r.returncode == 0, r.stderr)
        self.r.check('reload applied (journal: 2 hosted domains)', wait_for(
            lambda: any('reloaded' in m and '2 hosted domains' in m
                        for _, _, m in self.journal('relaylock.service', t)), 10))
        # An error on line 5, after comment lines and a blank line.
        broken = ('# a comment\n# another\n\nhosted_domains = { "%s" }\n'
                  'no_such_key = 1\n' % HOSTED)
        self.c.write(CONF, broken)
        t = self.now()
        r = self.c.sh('systemctl reload relaylock', check=False)
        self.r.check('reload with a broken config fails (exit %d)' % r.returncode,
                     r.returncode != 0)
        errs = [m for p, _, m in self.journal('relaylock.service', t) if p <= 3]
        self.r.check('journal: the broken line as relaylock.conf:5 at priority err',
                     any('relaylock.conf:5:' in m for m in errs), errs)
        self.r.check('still active after the broken reload', self.state() == 'active')
        self.c.write(CONF, more)
        self.protected('after the broken reload (old policy kept)')
        self.c.write(CONF, good)
        self.c.sh('systemctl reload relaylock')

    def crash(self):
        old = self.main_pid()
        self.c.sh('kill -9 %s' % old)
        back = wait_for(lambda: self.state() == 'active' and self.main_pid() not in
                        (old, '0'), 20)
        self.r.check('kill -9: systemd restarts relaylock', back,
                     self.c.sh('systemctl status relaylock --no-pager', check=False).stdout)
        self.protected('after kill -9')

    def restart_clean(self):
        t = self.now()
        self.c.sh('systemctl restart relaylock', timeout=60)
        bad = [(p, m) for p, _, m in self.journal('relaylock.service', t) if p <= 4]
        self.r.check('restart: stop and start log no warning or error', not bad, bad)

    def broken_start(self):
        good = self.c.read(CONF)
        self.c.write(CONF, good + 'frobnicate = yes\n')
        self.c.sh('systemctl restart relaylock', check=False, timeout=60)
        failed = wait_for(lambda: self.c.sh('systemctl is-failed relaylock', check=False)
                          .stdout.strip() == 'failed', 40)
        n = self.c.sh('systemctl show -p NRestarts --value relaylock').stdout.strip()
        self.r.check('broken config at start: unit failed after %s restarts' % n,
                     failed and n.isdigit() and int(n) <= 5,
                     self.c.sh('systemctl status relaylock --no-pager', check=False).stdout)
        self.c.write(CONF, good)
        self.c.sh('systemctl reset-failed relaylock; systemctl start relaylock')
        self.r.check('starts again once the config is fixed', self.state() == 'active')

    def selftest(self, opts):
        """relaylock-selftest.service, set up as the default file says."""
        text = self.c.read('/etc/default/relaylock-selftest')
        text = re.sub(r'(?m)^RELAYLOCK_SELFTEST_OPTS=.*$',
                      'RELAYLOCK_SELFTEST_OPTS=' + opts, text)
        self.c.write('/etc/default/relaylock-selftest', text)
        t = self.now()
        r = self.c.sh('systemctl start relaylock-selftest.service', check=False,
                      timeout=300)
        lines = [m for _, _, m in self.journal('relaylock-selftest.service', t)]
        self.r.check('relaylock-selftest.service passes against the protected %s'
                     % self.mta.name, r.returncode == 0, '\n'.join(lines[-25:]))

    def purge(self):
        r = self.c.sh('apt-get purge -y -q relaylock', check=False, timeout=300)
        self.r.check('apt-get purge relaylock', r.returncode == 0, r.stdout + r.stderr)
        left = self.c.sh('ls -d /lib/systemd/system/relaylock* /usr/sbin/relaylock* '
                         '/etc/relaylock /etc/default/relaylock-selftest '
                         '/usr/libexec/relaylock /var/spool/postfix/relaylock '
                         '/etc/fail2ban/filter.d/relaylock.conf 2>/dev/null',
                         check=False).stdout.split()
        self.r.check('purge removed units, binaries and configuration', not left, left)
        self.r.check('relaylock no longer runs', self.state() != 'active')
