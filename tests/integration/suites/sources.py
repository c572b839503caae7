"""sources.py - relaylock reads its hosted domains from the Postfix it
protects (hosted_domains_from = "postfix:DIR", issue 17): the domains that
Postfix serves are accepted and delivered, others refused; a table changed
while relaylock serves is picked up without a signal; a table that vanishes
keeps the last good set (logged once); a table never read makes only the
recipients that need it wait (451, never 550) until it returns.

The run's Postfix: mydestination = $myhostname, local.example;
virtual_mailbox_domains = hash:vdomains (vbox.example);
relay_domains = backup.example (subdomains too, as Postfix's
parent_domain_matches_subdomains says). transport_maps send all of them
to the hosted sink; everything else would be relayed to the outside sink.
relaylock has no hosted_domains of its own.
"""

import os
import time

from postfix_mta import Postfix
from procs import run, wait_until
from relaylock_proc import Relaylock
from sinks import SmtpSink
from smtp import message
from suites.common import HOSTNAME, OUTSIDE_IP, REJECT_TEXT_RE, TRUSTED_IP

LOCAL, VBOX, VNEW, BACKUP = ('local.example', 'vbox.example', 'vnew.example',
                             'backup.example')
HOSTED_BY_POSTFIX = (HOSTNAME, LOCAL, VBOX, BACKUP, 'sub.' + BACKUP)
NOT_HOSTED = ('other.example', 'sub.' + VBOX, 'sub.' + LOCAL, 'example')
FROM = '<someone@sender.example>'
STALE = 'keeping the last good copy'


def start(s):
    wd = s.workdir
    s.sinks = {n: SmtpSink(s.cl, wd, n).start() for n in ('outside', 'hosted')}
    s.outside, s.hosted_sink = s.sinks['outside'], s.sinks['hosted']
    s.vdomains = os.path.join(wd, 'vdomains')
    write_vdomains(s, (VBOX,))
    s.mta = Postfix(s.cl, wd, s.outside, s.hosted_sink,
                    hosted_domains=(LOCAL, VBOX, VNEW, BACKUP, 'sub.' + BACKUP),
                    port=2545, open_port=2546, hostname=HOSTNAME,
                    extra_main={'mydestination': '$myhostname, ' + LOCAL,
                                'virtual_mailbox_domains': 'hash:' + s.vdomains,
                                'relay_domains': BACKUP})
    s.relaylock = Relaylock(s.cl, wd, hosted=(), trusted=(TRUSTED_IP + '/32',),
                            extra_conf='hosted_domains_from = { "postfix:%s" }\n'
                                       'hosted_domains_refresh = 1\n'
                                       % s.mta.conf)
    s.mta.milter = s.relaylock.milter
    s.mta.start()          # writes main.cf; 451 until relaylock is up
    postmap(s)
    s.relaylock.start()
    s.cl.push('relaylock (quick stop)', lambda: s.relaylock.stop(timeout=1))


def write_vdomains(s, domains):
    with open(s.vdomains, 'w') as f:
        f.write(''.join('%s OK\n' % d for d in domains))


def postmap(s):
    run(['postmap', '-c', s.mta.conf, 'hash:' + s.vdomains])


def rcpt(s, domain, local='user'):
    """RCPT TO:<local@domain> from the outside client: (code, text)."""
    c = s.client()
    c.mail(FROM)
    r = c.rcpt('<%s@%s>' % (local, domain))
    c.quit()
    return r


def eventually(s, domain, want, seconds=10):
    """Ask until the reply's class is WANT (2, 4, 5) or SECONDS pass."""
    r = (0, '')
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        r = rcpt(s, domain)
        if r[0] // 100 == want:
            break
        time.sleep(0.3)
    return r


def serves_postfix_domains(s):
    """Postfix's domains are accepted and delivered; others refused and
    nothing reaches the outside."""
    c = s.client()
    for d in HOSTED_BY_POSTFIX:
        tok = s.token('src-' + d)
        c.mail(FROM)
        r = c.rcpt('<user@%s>' % d)
        dr = c.data(message(tok, to='user@' + d)) if r[0] == 250 else (0, '')
        ok = r[0] == 250 and dr[0] == 250 and \
            wait_until(lambda: s.hosted_sink.with_token(tok), 10)
        s.check('hosted by Postfix: %s accepted and delivered' % d, ok,
                'RCPT %s, DATA %s' % (r[0], dr[0]))
        if r[0] != 250:
            c.rset()
    c.quit()
    for d in NOT_HOSTED:
        r = rcpt(s, d)
        m = REJECT_TEXT_RE.search(r[1])
        s.check('not hosted by Postfix: %s refused' % d,
                r[0] == 550 and m is not None and m.group(1) == 'relay_denied',
                '%s %s' % r)
    s.check('nothing reached the outside sink', s.outside.count() == 0,
            '%d messages' % s.outside.count())


def picks_up_changes(s):
    """A domain added to the table, then to main.cf, is hosted within the
    refresh interval, with no signal."""
    r = rcpt(s, VNEW)
    s.check('before the change: %s refused' % VNEW, r[0] == 550, '%s %s' % r)
    write_vdomains(s, (VBOX, VNEW))
    postmap(s)
    r = eventually(s, VNEW, 2)
    s.check('table changed (postmap): %s accepted without a reload' % VNEW,
            r[0] == 250, '%s %s' % r)
    run(['postconf', '-c', s.mta.conf, '-e',
         'mydestination = $myhostname, %s, added.example' % LOCAL])
    r = eventually(s, 'added.example', 2)
    s.check('main.cf changed (postconf -e): added.example accepted', r[0] == 250,
            '%s %s' % r)
    s.check('the log says the sources changed',
            'sources changed, reloaded' in s.relaylock.log_text())


def vanished_table_keeps_last_good(s):
    """The .db vanishes: the last good set serves, one err line says so."""
    before = s.relaylock.log_text().count(STALE)
    os.unlink(s.vdomains + '.db')
    time.sleep(3.5)   # three refresh intervals
    r = rcpt(s, VBOX)
    s.check('table gone: %s still accepted from the last good set' % VBOX,
            r[0] == 250, '%s %s' % r)
    n = s.relaylock.log_text().count(STALE) - before
    s.check('table gone: logged once for the streak, not at every try',
            n == 1, '%d lines' % n)
    postmap(s)
    r = eventually(s, VNEW, 2)
    s.check('table back: %s accepted' % VNEW, r[0] == 250, '%s %s' % r)


def never_read_waits(s):
    """relaylock starts while the table is missing: recipients that need it
    wait with 451 (never 550); they pass once it is back, no restart."""
    s.relaylock.stop(timeout=1)
    os.unlink(s.vdomains + '.db')
    s.relaylock.start()
    for d in (VBOX, BACKUP):   # relay_domains is asked after the table
        r = rcpt(s, d)
        m = REJECT_TEXT_RE.search(r[1])
        s.check('table never read: %s answered 451 source_unavailable' % d,
                r[0] == 451 and 'source_unavailable' in r[1] and m is None,
                '%s %s' % r)
    r = rcpt(s, LOCAL)
    s.check('table never read: %s (mydestination, asked first) accepted'
            % LOCAL, r[0] == 250, '%s %s' % r)
    tempfails = [d for d in s.relaylock.decisions()
                 if d.get('action') == 'tempfail']
    s.check('the decision log shows action=tempfail reason=source_unavailable',
            tempfails and all(d.get('reason') == 'source_unavailable'
                              for d in tempfails), str(tempfails[-1:]))
    postmap(s)
    r = eventually(s, VBOX, 2)
    s.check('table back: %s accepted without a restart' % VBOX, r[0] == 250,
            '%s %s' % r)
    s.check('no client was ever sent to the outside sink',
            s.outside.count() == 0, '%d' % s.outside.count())


def refuses_public_suffixes(s):
    """The admin lists "com" and a pattern matching under .com: Postfix
    would relay for the whole TLD; relaylock refuses both, logs each at err
    naming the source and the entry, and keeps every other domain."""
    wide = os.path.join(s.workdir, 'wide.regexp')
    with open(wide, 'w') as f:
        f.write('/\\.com$/ OK\n')
    before = len(s.relaylock.log_text())
    run(['postconf', '-c', s.mta.conf, '-e',
         'relay_domains = %s, com, regexp:%s' % (BACKUP, wide)])
    wait_until(lambda: 'sources changed' in s.relaylock.log_text()[before:], 5)
    for d in ('com', 'foo.com', 'mail.example.com'):
        r = rcpt(s, d)
        s.check('public suffix from the MTA: %s refused' % d, r[0] == 550,
                '%s %s' % r)
    r = rcpt(s, BACKUP)
    s.check('public suffix from the MTA: %s still hosted' % BACKUP, r[0] == 250,
            '%s %s' % r)
    log = s.relaylock.log_text()[before:]
    src = 'hosted_domains_from "postfix:%s"' % s.mta.conf
    s.check('the log names the source and the refused entry "com"',
            any(src in ln and '"com" is a public suffix: refused' in ln
                for ln in log.splitlines()), log[-600:])
    s.check('the log names the refused pattern table',
            any(src in ln and 'regexp:%s refused' % wide in ln
                for ln in log.splitlines()), log[-600:])
    run(['postconf', '-c', s.mta.conf, '-e', 'relay_domains = ' + BACKUP])


def check_command(s):
    """relaylock -t shows the source and its table."""
    out = run([s.relaylock.binary, '-t', '-c', s.relaylock.conf], check=False)
    s.check('-t names the source and its hash table',
            'source postfix:' in out and 'hash:' + s.vdomains in out, out[-300:])
    q = run([s.relaylock.binary, '-c', s.relaylock.conf, '--explain', '-q',
             'user@' + VBOX, '--client', OUTSIDE_IP], check=False)
    s.check('-q --explain names the list and table that matched',
            'virtual_mailbox_domains hash:' + s.vdomains in q, q[-300:])
