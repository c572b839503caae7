#!/usr/bin/env python3
"""sendmail_oracle.py - the Sendmail source against a real Sendmail.

A .mc built with m4 (LOCAL_DOMAIN, FEATURE(use_cw_file) with a
local-host-names file, VIRTUSER_DOMAIN and VIRTUSER_DOMAIN_FILE with
FEATURE(virtusertable), RELAY_DOMAIN, a relay-domains file read with a
scanf format and holding network entries, FEATURE(access_db, , lookupdotdomain)
with To:, To:.parent and plain RELAY entries built by makemap) runs with Sendmail's STOCK relay
rules (no promiscuous_relay), as it is, with FEATURE(relay_hosts_only)
and with DontProbeInterfaces (lo has an address named only in
/etc/hosts), in a private namespace (FQDN hostname, no DNS;
tests/integration's Sendmail helpers). For every test domain, the answer
of that Sendmail to RCPT TO:<u@DOMAIN> from an outside client (127.0.0.2:
2xx = hosted, 550 Relaying denied = not) must equal what source_query
answers from the same sendmail.cf, and the classes the source read must
equal `sendmail -bt`'s $=w, $=R and $={VirtHost} (less the entries that
are no domain: [addresses], network prefixes, names ending in a dot, whose
SMTP answers are checked above). Two more Sendmails hold relay
PERMISSIONS (relay_entire_domain, an access Connect: RELAY for the
client): Sendmail must relay more with them, the source must answer
exactly as without them.
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import types

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..', 'integration'))

import procs  # noqa: E402
from sendmail_mta import Sendmail, sendmail_root  # noqa: E402
from sinks import FileSink  # noqa: E402
from smtp import SmtpClient  # noqa: E402

HOSTNAME = 'mx.relaylock.test'
# The host's short name, which Sendmail puts in class w, is also Mexico's
# TLD: relaylock refuses a public suffix from any source (issue 17), so
# there, and only there, the source must differ from Sendmail.
PSL_REFUSED = {'mx'}

MC = """\
FEATURE(`use_cw_file')dnl
define(`confCR_FILE', `-o {dir}/relay-domains %[^#]')dnl
FEATURE(`virtusertable', `hash -o {dir}/virtusertable')dnl
VIRTUSER_DOMAIN(`vh1.test')dnl
VIRTUSER_DOMAIN_FILE(`-o {dir}/virthosts %[^\\#]')dnl
RELAY_DOMAIN(`rd1.test')dnl
RELAY_DOMAIN_FILE(`{dir}/relay-domains2')dnl
FEATURE(`access_db', `hash -T<TMPF> -o {dir}/access', `lookupdotdomain')dnl
"""

FILES = {
    # fileclass() with "%s": one word a line, only lines starting with #
    # are comments.
    'local-host-names': ('cw1.test\ncw2.test extra.test\n# comment.test\n'
                         '  cwspace.test\n[192.0.2.7]\ntrail.test.\n'
                         'CW-Upper.TEST\n'),
    # "%[^\\#]": the cf's "\\#" is a '#', so "#" starts a comment here.
    'virthosts': 'vh2.test vh3.test # vhnot.test\n',
    # read with "%[^#]": in a cf '#' starts a comment, so Sendmail reads
    # "%[^" and takes whole lines, "#" and rdnot.test included.
    'relay-domains': ('rd3.test rd4.test # rdnot.test\n192.168.1\n'
                      'IPv6:2001:db8\n.dotrd.test\n10\n'),
    'relay-domains2': 'rd5.test\n',
}
MAPS = {
    'virtusertable': '@vh1.test nobody\n@vh2.test nobody\n',
    'access': ('To:acc1.test RELAY\nacc2.test RELAY\n'
               'To:sub.acc1.test REJECT\nTo:accok.test OK\n'
               'Connect:192.168.5 RELAY\nConnect:connect.test RELAY\n'
               'From:from.test RELAY\n192.168.7 RELAY\n'
               'To:.dotacc.test RELAY\nTo:user@fulladdr.test RELAY\n'),
}
LOCAL = ('local1.test', 'local2.test')

DOMAINS = """
local1.test sub.local1.test local2.test cw1.test sub.cw1.test cw2.test
extra.test cwspace.test comment.test cw-upper.test trail.test
mx.relaylock.test sub.mx.relaylock.test mx localhost relaylock.test
vh1.test sub.vh1.test vh2.test a.b.vh2.test vh3.test vhnot.test rd1.test sub.rd1.test rd3.test
rd4.test x.rd4.test rdnot.test dotrd.test x.dotrd.test rd5.test y.rd5.test
acc1.test x.acc1.test sub.acc1.test x.sub.acc1.test acc2.test x.acc2.test
accok.test from.test connect.test unlisted.test test iface.relaylock.test
ifalias.relaylock.test dotacc.test x.dotacc.test y.x.dotacc.test
fulladdr.test
""".split()

CONFIGS = (('stock', '', 2525),
           ('relay_hosts_only', "FEATURE(`relay_hosts_only')dnl\n", 2535),
           ('no_probe', "define(`confDONT_PROBE_INTERFACES', `true')dnl\n",
            2545))

# Relay permissions: (name, m4, access lines, port, domains they must
# open). Sendmail relays more with them; the source's answers stay those
# of the stock configuration.
PERMISSIONS = (
    ('relay_entire_domain', "FEATURE(`relay_entire_domain')dnl\n", '', 2555,
     ('relaylock.test', 'sub.mx.relaylock.test')),
    ('connect_relay', '', 'Connect:127.0.0.2 RELAY\n', 2565,
     ('unlisted.test', 'test', 'from.test', 'sub.cw1.test')),
)

# An interface address whose name only interface probing finds.
IFACE = ('10.9.9.9', 'iface.relaylock.test ifalias.relaylock.test')


def smtp_answers(port, domains):
    out = {}
    with SmtpClient('127.0.0.1', port, source='127.0.0.2') as c:
        c.ehlo('client.outside.example')
        code, text = c.mail('<sender@outside.example>')
        if code != 250:
            raise procs.HarnessError('MAIL FROM: %d %s' % (code, text))
        for d in domains:
            code, text = c.rcpt('<u@%s>' % d)
            if 200 <= code < 300:
                out[d] = 'YES'
            elif code == 550 and 'Relaying denied' in text:
                out[d] = 'NO'
            else:
                out[d] = 'OTHER %d %s' % (code, text)
    return out


def source_answers(query, cf, domains):
    p = subprocess.run([query, 'sendmail:' + cf], input='\n'.join(domains),
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       text=True, timeout=60)
    out, notes = {}, []
    for line in p.stdout.splitlines():
        parts = line.split(' ', 2)
        if parts[0] in domains and len(parts) >= 2:
            out[parts[0]] = parts[1]
        else:
            notes.append(line)
    if p.returncode != 0:
        raise procs.HarnessError('source_query exit %d:\n%s'
                                 % (p.returncode, p.stdout))
    return out, notes


def bt_classes(binary, cf):
    p = subprocess.run([binary, '-bt', '-C', cf],
                       input='$=w\n$=R\n$={VirtHost}\n',
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       text=True, timeout=60)
    # Each answer follows the next "> " prompt, its first word on the
    # prompt's line; the last prompt has none.
    order = ('w', 'R', 'VirtHost')
    classes, idx = {k: set() for k in order}, -1
    for line in p.stdout.splitlines():
        while line.startswith('>'):  # "> > > ": empty answers
            idx += 1
            line = line[1:].lstrip(' ')
        if 0 <= idx < len(order) and line.strip():
            classes[order[idx]].add(line.strip())
    if idx != len(order) or not classes['w']:
        raise procs.HarnessError('sendmail -bt gave no classes:\n' + p.stdout)
    return classes


LDH = re.compile(r'\.?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*')


def no_domain(word):
    """[addresses], network prefixes, names ending in a dot, and words
    that are no host name (LDH) at all ("#")."""
    w = word.lower()
    return (w.startswith('ipv6:') or not LDH.fullmatch(w) or
            all(ch.isdigit() or ch == '.' for ch in w))


def source_classes(tool, cf):
    p = subprocess.run([tool, cf], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True, timeout=60)
    if p.returncode != 0:
        raise procs.HarnessError('sm_classes: %s' % p.stderr)
    out = {'w': set(), 'R': set(), 'VirtHost': set()}
    hosts_only = None
    for line in p.stdout.splitlines():
        k, v = line.split(' ', 1)
        if k == 'relay_hosts_only':
            hosts_only = v == '1'
        else:
            out[k].add(v)
    return out, hosts_only


def start(wd, cleanup, name, extra, port, maps):
    sm = Sendmail(cleanup, wd, types.SimpleNamespace(port=1),
                  FileSink(os.path.join(wd, name + '.box')),
                  hosted_domains=LOCAL, port=port, open_port=port + 1,
                  hostname=HOSTNAME, open_relay=False, name=name,
                  extra_mc=MC + extra, maps=maps)
    os.makedirs(sm.dir, exist_ok=True)
    for fname, text in FILES.items():
        with open(os.path.join(sm.dir, fname), 'w') as f:
            f.write(text)
    return sm.start()


def compare_classes(args, name, sm):
    failures = 0
    bt = bt_classes(sm.binary, sm.cf)
    mine, hosts_only = source_classes(args.classes, sm.cf)
    for k in ('w', 'R', 'VirtHost'):
        want = {w.lower() for w in bt[k] if not no_domain(w)} - PSL_REFUSED
        ok = want == mine[k]
        failures += not ok
        if args.verbose or not ok:
            print('%s class %-8s -bt=%d source=%d %s' % (
                name, k, len(want), len(mine[k]),
                'ok' if ok else 'DISAGREE: -bt only %s, source only %s'
                % (sorted(want - mine[k]), sorted(mine[k] - want))))
    if hosts_only != (name == 'relay_hosts_only'):
        print('%s relay_hosts_only read as %s DISAGREE' % (name, hosts_only))
        failures += 1
    return failures


def check_config(args, wd, cleanup, name, extra, port):
    """Sendmail's answers and classes against the source's. Returns the
    failures and the source's answers."""
    sm = start(wd, cleanup, name, extra, port, MAPS)
    failures = 0
    mta = smtp_answers(port, DOMAINS)
    src, notes = source_answers(args.query, sm.cf, DOMAINS)
    for n in notes if args.verbose else ():
        print('  %s' % n)
    for d in DOMAINS:
        ok = mta[d] == src.get(d) or (d in PSL_REFUSED and mta[d] == 'YES'
                                      and src.get(d) == 'NO')
        failures += not ok
        if args.verbose or not ok:
            print('%s %-22s sendmail=%-4s source=%-4s %s'
                  % (name, d, mta[d], src.get(d), 'ok' if ok else 'DISAGREE'))
    answers = list(mta.values())
    if answers.count('YES') < 10 or answers.count('NO') < 10:
        print('%s: Sendmail said YES %d times, NO %d times: the set-up is'
              ' wrong' % (name, answers.count('YES'), answers.count('NO')))
        failures += 1
    failures += compare_classes(args, name, sm)
    sm.stop()
    return failures, mta, src


def check_permission(args, wd, cleanup, perm, stock_mta, stock_src):
    """A relay PERMISSION must open Sendmail to more recipients (WANT) and
    change none of the source's answers."""
    name, extra, access, port, want = perm
    sm = start(wd, cleanup, name, extra, port,
               dict(MAPS, access=MAPS['access'] + access))
    mta = smtp_answers(port, DOMAINS)
    src, _ = source_answers(args.query, sm.cf, DOMAINS)
    sm.stop()
    failures = 0
    for d in DOMAINS:
        opened = stock_mta[d] == 'NO' and mta[d] == 'YES'
        ok = src.get(d) == stock_src.get(d) and (d not in want or opened)
        failures += not ok
        if args.verbose or not ok:
            print('%s %-22s sendmail=%-4s (without it %s) source=%-4s %s'
                  % (name, d, mta[d], stock_mta[d], src.get(d),
                     'ok' if ok else 'DISAGREE'))
    return failures


def debian_stock(args, wd):
    """Debian 12's stock sendmail.mc (cf/debian/sendmail.mc, as
    sendmailconfig builds it), its paths moved under WD: the source reads
    it without an error or a warning, and its classes equal -bt's."""
    root = sendmail_root()
    d = os.path.join(wd, 'debian')
    cfdir = os.path.join(d, 'cf')
    shutil.copytree(os.path.join(root, 'usr', 'share', 'sendmail', 'cf'),
                    cfdir)
    etc = os.path.join(d, 'etc-mail')
    os.makedirs(os.path.join(etc, 'm4'))
    for name in ('dialup.m4', 'provider.m4'):
        open(os.path.join(etc, 'm4', name), 'w').close()
    for dirpath, _, names in os.walk(cfdir):
        for n in names:
            if n.endswith(('.m4', '.mc')):
                path = os.path.join(dirpath, n)
                with open(path, errors='replace') as f:
                    text = f.read()
                with open(path, 'w') as f:
                    f.write(text.replace('/usr/share/sendmail/cf/', cfdir + '/')
                            .replace('/etc/mail/', etc + '/'))
    p = subprocess.run(['m4', '-D_CF_DIR_=%s/' % cfdir,
                        os.path.join(cfdir, 'debian', 'sendmail.mc')],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True, timeout=60)
    cf = os.path.join(etc, 'sendmail.cf')
    with open(cf, 'w') as f:
        f.write(p.stdout.replace('/etc/mail/', etc + '/'))
    with open(os.path.join(etc, 'local-host-names'), 'w') as f:
        f.write('localhost\n%s\ndeb-local.test\n' % HOSTNAME)
    with open(os.path.join(etc, 'access'), 'w') as f:
        f.write('Connect:localhost RELAY\nConnect:127.0.0.1 RELAY\n'
                'GreetPause:localhost 0\nTo:deb-relay.test RELAY\n')
    makemap = os.path.join(root, 'usr', 'libexec', 'sendmail', 'makemap')
    with open(os.path.join(etc, 'access')) as f:
        procs.run([makemap, '-C', cf, 'hash', os.path.join(etc, 'access')],
                  stdin=f)
    binary = os.path.join(root, 'usr', 'libexec', 'sendmail', 'sendmail')
    failures = compare_classes(args, 'debian_stock', types.SimpleNamespace(
        binary=binary, cf=cf))
    q = subprocess.run([args.classes, cf], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True, timeout=60)
    src, _ = source_answers(args.query, cf, ['deb-local.test',
                                             'x.deb-relay.test'])
    # no warning but the refusal of the host's short name (PSL_REFUSED)
    stderr = [ln for ln in q.stderr.splitlines()
              if not re.search(r'class \{w\}: "(%s)" is a public suffix'
                               % '|'.join(PSL_REFUSED), ln)]
    ok = (q.returncode == 0 and not stderr and
          src == {'deb-local.test': 'YES', 'x.deb-relay.test': 'YES'})
    if args.verbose or not ok:
        print('debian_stock source: exit %d, %s, answers %s %s'
              % (q.returncode, q.stderr.strip() or 'no warning', src,
                 'ok' if ok else 'DISAGREE'))
    return failures + (not ok)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--query', required=True)
    ap.add_argument('--classes', required=True)
    ap.add_argument('--scratch', required=True)
    ap.add_argument('--verbose', action='store_true',
                    help='print every answer, not only disagreements')
    args = ap.parse_args()
    args.query = os.path.abspath(args.query)
    args.classes = os.path.abspath(args.classes)
    if not procs.in_private_namespace():
        sendmail_root()  # downloads: before the namespace, which has no net
        return procs.reexec_in_namespace(HOSTNAME)
    os.environ['RELAYLOCK_IT_WORKDIR'] = os.path.abspath(args.scratch)
    wd = procs.fresh_workdir('', HOSTNAME)
    procs.run(['ip', 'addr', 'add', IFACE[0] + '/32', 'dev', 'lo'])
    with open(os.path.join(wd, 'etc-hosts'), 'a') as f:  # bind-mounted
        f.write('%s\t%s\n' % IFACE)
    failures = 0
    with procs.Cleanup() as cleanup:
        for name, extra, port in CONFIGS:
            f, mta, src = check_config(args, wd, cleanup, name, extra, port)
            failures += f
            if name == 'stock':
                stock = (mta, src)
        for perm in PERMISSIONS:
            failures += check_permission(args, wd, cleanup, perm, *stock)
        failures += debian_stock(args, wd)
    total = len(CONFIGS) * (len(DOMAINS) + 5) + len(PERMISSIONS) * len(DOMAINS) + 5
    print('SUMMARY sendmail oracle: %d of %d checks agree'
          % (total - failures, total))
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main())
