#!/usr/bin/env python3
"""oracle_test.py - the Postfix source against a real Postfix.

For each configuration below, start `postfix -c DIR` on loopback with its
own stock relay rules (mynetworks = 127.0.0.10/32, permit_mynetworks,
reject_unauth_destination), ask it over SMTP from 127.0.0.2 whether it
takes RCPT TO:<u@DOMAIN> for every test domain (2xx = hosted, 554 Relay
access denied = not, 4xx = it could not tell), and compare with what
source_query answers from the same directory. Every domain must agree.
Self-contained: it does not use tests/integration's harness.
"""
import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import time

MASTER_CF = """\
127.0.0.1:{port} inet n - n - - smtpd
127.0.0.1:{port2} inet n - n - - smtpd -o relay_domains=override.test
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
local     unix  -       n       n       -       -       local
virtual   unix  -       n       n       -       -       virtual
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
"""

BASE = {
    'inet_interfaces': '127.0.0.1', 'inet_protocols': 'ipv4',
    'smtpd_peername_lookup': 'no', 'smtp_dns_support_level': 'disabled',
    'smtp_host_lookup': 'native', 'mynetworks': '127.0.0.10/32',
    'smtpd_relay_restrictions': 'permit_mynetworks, reject_unauth_destination',
    'smtpd_reject_unlisted_recipient': 'no', 'local_recipient_maps': '',
    'alias_maps': '', 'alias_database': '', 'biff': 'no',
    'smtpd_soft_error_limit': '1000', 'smtpd_hard_error_limit': '2000',
    'smtpd_error_sleep_time': '0s', 'smtpd_junk_command_limit': '10000',
    'smtpd_client_connection_rate_limit': '0', 'smtputf8_enable': 'yes',
}

# Table sources: (file, postmap type or None, text).
TABLES = [
    ('valias', 'hash', 'va-hash.test x\nUser@va-user.test x\n'),
    ('vbt', 'btree', 'va-btree.test x\n'),
    ('vmbox', 'lmdb', 'vm-lmdb.test x\n.vm-dot.test x\n'),
    ('vcdb', 'cdb', 'vm-cdb.test x\n'),
    ('vtext', None, '# texthash\nvm-text.test x\n  continued\nVM-Upper.test y\n'),
    # A bare "!/re/" matches nearly every name, public suffixes too, and
    # relaylock refuses such a table (config 'psl'): keep it in an if.
    ('vre', None, 'if /\\.test$/\n/^re[0-9]+\\.vm\\.test$/ OK\nendif\n'
                  '/^x\\.(a|b)\\.re\\.test$/!/^x\\.b/ OK\n'
                  'if /\\.neg\\.test$/\n!/^keep\\./ never\nendif\n'
                  '/^(continued|single)$/ OK\n'),
    ('pslkeys', None, 'github.io x\nkeyok.test x\n'),
    ('wide', None, '/\\.com$/ OK\n'),
    ('vpcre', None, '/^pc[a-z]+\\.test$/ OK\nif !/^nopc/\n/^pcx\\d+\\.test$/ OK\n'
                    'endif\n'),
    ('relay', 'hash', 'hrelay.test x\n.dothrelay.test x\n'),
    ('relayre', None, '/^rere\\d?\\.test$/ OK\n'),
    ('valias.list', None, '# comment\nfile1.test file2.test,\n  file3.test\n'
                          '!neg-file.test\n{base}/nested.list\n'),
    ('nested.list', None, 'nested.test\n!!dblneg.test\n'),
    ('negfile.list', None, 'negf.test\n'),
    ('brelay', 'hash', '.hsub.b.test x\nexact.b.test x\n'),
    # 20 names in a row: the source keeps them as one hashed run.
    ('long.list', None, ' '.join('l%d.test' % i for i in range(17)) +
     '\nplist.test .dotlist.test\n!nolist.test\n'),
]

CONFIGS = {
    # Every list form and table type; mydestination from the defaults.
    'all': ({
        'compatibility_level': '3.6',
        'myhostname': 'mx.oracle.test',
        'virtual_alias_domains': '!neg-va.test, hash:{base}/valias, '
            '{base}/valias.list, btree:{base}/vbt, '
            'inline:{{ {{inl.test = x}}, inl2.test=y, INL3.test=z }}, .dotted.test',
        'virtual_mailbox_domains': 'lmdb:{base}/vmbox cdb:{base}/vcdb '
            'texthash:{base}/vtext regexp:{base}/vre pcre:{base}/vpcre',
        'relay_domains': '!no.relay.test, relay.test, .dotrelay.test, '
            '!{base}/negfile.list, hash:{base}/relay, regexp:{base}/relayre, '
            'neg-va.test, neg-file.test, negf.test, $mydomain, '
            '{base}/long.list',
    }, [
        'mx.oracle.test', 'localhost.oracle.test', 'localhost', 'oracle.test',
        'sub.mx.oracle.test', 'a.oracle.test', 'neg-va.test', 'va-hash.test',
        'sub.va-hash.test', 'va-user.test',
        'va-btree.test', 'inl.test', 'inl2.test', 'inl3.test', 'x.inl.test', 'dotted.test',
        'a.dotted.test', 'file1.test', 'file2.test',
        'file3.test', 'neg-file.test', 'nested.test', 'dblneg.test',
        'vm-lmdb.test', 'a.vm-dot.test', 'vm-dot.test', 'vm-cdb.test',
        'vm-text.test', 'continued', 'vm-upper.test', 're1.vm.test',
        're.vm.test', 'x.a.re.test', 'x.b.re.test', 'pcabc.test',
        'pcx12.test', 'nopcx1.test', 'relay.test', 'a.relay.test',
        'a.b.relay.test', 'no.relay.test', 'x.no.relay.test',
        'dotrelay.test', 'a.dotrelay.test', 'hrelay.test', 'a.hrelay.test',
        'dothrelay.test', 'a.dothrelay.test', 'rere.test', 'rere5.test',
        'a.rere.test', 'negf.test', 'a.negf.test', 'override.test',
        'outside.test', 'test', 'nothing.example', 'mx', 'single',
        'a.neg.test', 'keep.neg.test',
        'l7.test', 'a.l7.test', 'plist.test', 'a.plist.test', 'dotlist.test', 'a.dotlist.test', 'nolist.test',
    ]),
    # relay_domains without parent matching: ".x" patterns and ".x" keys.
    'noparent': ({
        'compatibility_level': '3.6',
        'myhostname': 'mx.b.test',
        'mydestination': 'b1.test, B2.Test',
        'parent_domain_matches_subdomains': '',
        'append_dot_mydomain': 'yes',
        'relay_domains': '.sub.b.test, hash:{base}/brelay, plain.b.test, '
            '{base}/long.list',
    }, [
        'b1.test', 'b2.test', 'sub.b.test', 'x.sub.b.test', 'y.x.sub.b.test',
        'hsub.b.test', 'a.hsub.b.test', 'exact.b.test', 'a.exact.b.test',
        'plain.b.test', 'a.plain.b.test', 'mx.b.test', 'outside.test',
        'exact', 'plain', 'b1',
        'l7.test', 'a.l7.test', 'plist.test', 'a.plist.test', 'dotlist.test', 'a.dotlist.test', 'nolist.test',
    ]),
    # Compatibility level 0: relay_domains = $mydestination (with parent
    # matching); myhostname from the system; mydomain derived.
    'compat0': ({
        'mydomain': 'c.test',
        'mydestination': '$myhostname, localhost.$mydomain, $mydomain',
    }, [
        'c.test', 'sub.c.test', 'localhost.c.test', 'a.localhost.c.test',
        'localhost', 'outside.test', socket.gethostname() + '.c.test',
        'a.' + socket.gethostname() + '.c.test',
    ]),
    # An unreadable /file is a table whose lookups fail, from its place.
    'nofile': ({
        'compatibility_level': '3.6', 'myhostname': 'mx.d.test',
        'mydestination': 'd1.test, {base}/missing.list, d2.test',
    }, ['d1.test', 'd2.test', 'outside.test']),
    # A missing indexed table likewise.
    'nohash': ({
        'compatibility_level': '3.6', 'myhostname': 'mx.e.test',
        'mydestination': 'e1.test',
        'relay_domains': 'e2.test, hash:{base}/nonexistent',
    }, ['e1.test', 'e2.test', 'mx.e.test', 'outside.test']),
    # Public suffixes: Postfix hosts them as told (an open relay for a
    # registry); relaylock refuses each such entry and the pattern table
    # that matches under .com, and keeps every other domain (PSL_REFUSED).
    'psl': ({
        'compatibility_level': '3.6', 'myhostname': 'mx.g.test',
        'mydestination': 'co.uk, psl-ok.test',
        'virtual_mailbox_domains': 'texthash:{base}/pslkeys',
        'relay_domains': 'regexp:{base}/wide, com, relayok.test',
    }, ['co.uk', 'a.co.uk', 'github.io', 'x.github.io', 'com', 'a.com',
        'foo.com', 'psl-ok.test', 'keyok.test', 'relayok.test', 'outside.test']),
    # A directory table (postfix-mysql is not installed: Postfix's lookups
    # fail; the source does not read directories yet): both say "cannot tell".
    'directory': ({
        'compatibility_level': '3.6', 'myhostname': 'mx.f.test',
        'mydestination': 'f1.test',
        'relay_domains': 'f2.test, mysql:{base}/domains.cf',
    }, ['f1.test', 'f2.test', 'outside.test']),
}


# Where relaylock must differ from Postfix: Postfix YES, relaylock NO.
PSL_REFUSED = {('psl', d) for d in ('co.uk', 'github.io', 'com', 'a.com', 'foo.com')}


class Fail(Exception):
    pass


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def run(argv, timeout=60):
    p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       timeout=timeout)
    if p.returncode != 0:
        raise Fail('%s: exit %d\n%s' % (' '.join(argv), p.returncode,
                                       p.stdout.decode(errors='replace')))
    return p.stdout.decode(errors='replace')


class Smtp:
    """A minimal client bound to 127.0.0.2, bounded by timeouts."""

    def __init__(self, port):
        self.s = socket.create_connection(('127.0.0.1', port), timeout=15,
                                          source_address=('127.0.0.2', 0))
        self.f = self.s.makefile('rb')
        self.reply()

    def reply(self):
        lines = []
        while True:
            line = self.f.readline(4096).decode(errors='replace').rstrip()
            if not line:
                raise Fail('connection closed by Postfix')
            lines.append(line)
            if len(line) < 4 or line[3] != '-':
                return int(line[:3]), ' '.join(lines)

    def cmd(self, text):
        self.s.sendall(text.encode() + b'\r\n')
        return self.reply()

    def close(self):
        try:
            self.cmd('QUIT')
        except (OSError, Fail):
            pass
        self.s.close()


def wait_banner(port, timeout=15):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            Smtp(port).close()
            return
        except (OSError, Fail):
            time.sleep(0.1)
    raise Fail('no 220 banner on port %d after %ds' % (port, timeout))


class Instance:
    def __init__(self, base, name, params):
        self.dir = os.path.join(base, name)
        self.etc = os.path.join(self.dir, 'etc')
        self.queue = os.path.join(self.dir, 'queue')
        self.data = os.path.join(self.dir, 'data')
        self.log = os.path.join(self.dir, 'postfix.log')
        self.port, self.port2 = free_port(), free_port()
        self.params = params
        self.pid = None

    def write(self):
        shutil.rmtree(self.dir, ignore_errors=True)
        for d in (self.dir, self.etc, self.queue, self.data):
            os.makedirs(d)
            os.chmod(d, 0o755)
        shutil.chown(self.data, 'postfix', 'postfix')
        main = dict(BASE, queue_directory=self.queue, data_directory=self.data,
                    maillog_file=self.log, maillog_file_prefixes=self.dir,
                    syslog_name='postfix-sources-oracle')
        for k, v in self.params.items():
            main[k] = v.format(base=self.etc)
        with open(os.path.join(self.etc, 'main.cf'), 'w') as f:
            f.write('# written by tests/sources/oracle_test.py\n')
            for k, v in main.items():
                f.write('%s = %s\n' % (k, v))
        with open(os.path.join(self.etc, 'master.cf'), 'w') as f:
            f.write(MASTER_CF.format(port=self.port, port2=self.port2))
        for name, kind, text in TABLES:
            path = os.path.join(self.etc, name)
            with open(path, 'w') as f:
                f.write(text.format(base=self.etc))
            if kind:
                run(['postmap', '-c', self.etc, '%s:%s' % (kind, path)])

    def start(self):
        run(['postfix', '-c', self.etc, 'start'])
        with open(os.path.join(self.queue, 'pid', 'master.pid')) as f:
            self.pid = int(f.read().split()[0])
        wait_banner(self.port)

    def stop(self):
        if not self.pid:
            return
        try:
            os.kill(self.pid, signal.SIGTERM)
        except ProcessLookupError:
            return
        end = time.monotonic() + 20
        while time.monotonic() < end:
            try:
                os.kill(self.pid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.1)
        raise Fail('postfix master %d still running after 20s' % self.pid)

    def ask(self, domains):
        """Postfix's answer per domain: YES, NO or ERROR."""
        out = {}
        s = Smtp(self.port)
        try:
            s.cmd('EHLO client.outside.example')
            for d in domains:
                code, text = s.cmd('MAIL FROM:<sender@outside.example>')
                if code != 250:
                    raise Fail('MAIL FROM: %s' % text)
                code, text = s.cmd('RCPT TO:<user@%s>' % d)
                if code // 100 == 2:
                    out[d] = 'YES'
                elif code == 554 and 'Relay access denied' in text:
                    out[d] = 'NO'
                elif code // 100 == 4:
                    out[d] = 'ERROR'
                else:
                    raise Fail('unexpected reply for %s: %s' % (d, text))
                s.cmd('RSET')
        finally:
            s.close()
        return out


def query(tool, etc, domains):
    p = subprocess.run([tool, 'postfix:' + etc], input='\n'.join(domains),
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       universal_newlines=True, timeout=60)
    if p.returncode != 0:
        raise Fail('%s: exit %d\n%s' % (tool, p.returncode, p.stdout))
    answers, other = {}, []
    for line in p.stdout.splitlines():
        parts = line.split(' ', 2)
        if len(parts) >= 2 and parts[0] in domains and parts[1] in (
                'YES', 'NO', 'ERROR', 'BAD'):
            answers[parts[0]] = (parts[1], parts[2] if len(parts) > 2 else '')
        else:
            other.append(line)
    return answers, other


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--query', required=True)
    ap.add_argument('--scratch', required=True)
    ap.add_argument('--only', default=None)
    ap.add_argument('--verbose', action='store_true',
                    help='print every answer, not only disagreements')
    args = ap.parse_args()
    if os.geteuid() != 0 or not shutil.which('postfix'):
        print('oracle: FAIL: needs root and postfix (make deps)')
        return 1
    failures, compared = 0, 0
    for name, (params, domains) in CONFIGS.items():
        if args.only and name != args.only:
            continue
        inst = Instance(args.scratch, name, params)
        try:
            inst.write()
            inst.start()
            mta = inst.ask(domains)
        except Fail as e:
            print('oracle: %s: FAIL: %s' % (name, e))
            if os.path.exists(inst.log):
                print(open(inst.log).read()[-2000:])
            failures += 1
            continue
        finally:
            inst.stop()
        ours, other = query(args.query, inst.etc, domains)
        for d in domains:
            mine = ours.get(d, ('BAD', ''))
            want = mta[d]
            if (name, d) in PSL_REFUSED:   # must differ, and only so
                want = 'NO' if mta[d] == 'YES' else 'Postfix hosts it'
            compared += 1
            mark = 'ok  ' if mine[0] == want else 'DIFF'
            failures += mine[0] != want
            if args.verbose or mine[0] != want:
                print('oracle: %s %-8s %-24s postfix=%-5s source=%-5s %s'
                      % (mark, name, d, mta[d], mine[0], mine[1]))
        if name == 'all' and not any('overrides relay_domains' in l
                                     for l in other):
            print('oracle: DIFF all: no warning about master.cf -o relay_domains')
            failures += 1
    print('oracle: %d answers of %d Postfix configurations compared, %d '
          'disagreements' % (compared, len(CONFIGS) if not args.only else 1,
                             failures))
    return 1 if failures or compared == 0 else 0


if __name__ == '__main__':
    sys.exit(main())
