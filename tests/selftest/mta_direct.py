"""mta_direct.py - the harness's open Postfix and Sendmail, changed for
relaylock-selftest's proof tests (tests/integration/harness.py stays as it is):

  DirectPostfix  no relay host: a literal recipient (user@[192.0.2.2]) is
                 delivered straight to that address, port 25, as on the
                 Internet. Extra listeners, all without a milter:
                   .literal_mail_port  refuses address-literal senders at MAIL
                                       (smtpd_delay_reject = no)
                   .literal_rcpt_port  the same refusal, given at RCPT
                                       (smtpd_delay_reject = yes, the default)
                   .ipv6_port          the open relay on [::] (IPv4 and IPv6
                                       clients; mynetworks covers both), and
                                       on [::1]:25 for the AAAA of an MX
                 .deliveries() -> [(recipient, reply)] of every message it
                 sent on, read from its own log: the count of arrivals that
                 does not depend on the probe.
  DirectSendmail the same for Sendmail (no SMART_HOST, port 25), its mailer
                 traffic traced with -X; .deliveries() reads that trace.
"""

import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..', 'integration'))
import harness as h  # noqa: E402

LITERAL_SENDERS = '/@\\[/ REJECT address-literal senders are refused here\n'


class DirectPostfix(h.Postfix):
    def __init__(self, *args, **kw):
        super().__init__(*args, **kw)
        self.literal_mail_port = h.free_port()
        self.literal_rcpt_port = h.free_port()
        self.ipv6_port = h.free_port()

    def _write(self):
        super()._write()
        access = os.path.join(self.conf, 'literal-senders.regexp')
        with open(access, 'w') as f:
            f.write(LITERAL_SENDERS)
        with open(os.path.join(self.conf, 'main.cf'), 'a') as f:
            # The last setting of a parameter wins.
            f.write('relayhost =\ninet_protocols = all\n')
        refuse = '-o { smtpd_sender_restrictions = check_sender_access regexp:%s }' % access
        lines = ['127.0.0.1:%d inet n - n - - smtpd -o smtpd_milters= '
                 '-o smtpd_delay_reject=no %s' % (self.literal_mail_port, refuse),
                 '127.0.0.1:%d inet n - n - - smtpd -o smtpd_milters= '
                 '-o smtpd_delay_reject=yes %s' % (self.literal_rcpt_port, refuse),
                 '[::]:%d inet n - n - - smtpd -o smtpd_milters= '
                 '-o { mynetworks = 0.0.0.0/0 [::]/0 }' % self.ipv6_port,
                 '[::1]:25 inet n - n - - smtpd -o smtpd_milters= '
                 '-o { mynetworks = 0.0.0.0/0 [::]/0 }']
        with open(os.path.join(self.conf, 'master.cf'), 'a') as f:
            f.write('\n'.join(lines) + '\n')

    def start(self):
        super().start()
        for p in (self.literal_mail_port, self.literal_rcpt_port):
            h.wait_banner('127.0.0.1', p, 15)
        return self

    def deliveries(self):
        """(recipient, remote reply) of each message sent on by smtp."""
        out = []
        for line in self.log_text().split('\n'):
            m = re.search(r' postfix-relaylock-test/smtp\[\d+\]: \S+: to=<([^>]*)>,.*'
                          r' status=sent \((.*)\)$', line)
            if m:
                out.append((m.group(1), m.group(2)))
        return out


class DirectSendmail(h.Sendmail):
    def _write(self):
        super()._write()
        mc = os.path.join(self.dir, 'sendmail.mc')
        with open(mc) as f:
            text = f.read()
        text = re.sub(r"(?m)^define\(`(SMART_HOST|\w+_MAILER_ARGS)'.*\n", '', text)
        with open(mc, 'w') as f:
            f.write(text)
        cfdir = os.path.join(self.root, 'usr', 'share', 'sendmail', 'cf')
        with open(self.cf, 'w') as f:
            subprocess.run(['m4', '-D_CF_DIR_=%s/' % cfdir,
                            os.path.join(cfdir, 'm4', 'cf.m4'), mc],
                           stdout=f, check=True, timeout=60)
        self.trace = os.path.join(self.dir, 'mailer-traffic')
        open(self.trace, 'w').close()
        os.chmod(self.trace, 0o666)
        # Every later run (the daemon, flush) traces its mailers.
        real = self.binary
        self.binary = os.path.join(self.dir, 'sendmail-traced')
        with open(self.binary, 'w') as f:
            f.write('#!/bin/sh\nexec %s -X %s "$@"\n' % (real, self.trace))
        os.chmod(self.binary, 0o755)

    def deliveries(self):
        """(recipient, remote reply) of each message an SMTP mailer
        delivered: the remote's reply to the final "." of a transaction.
        The trace interleaves processes (by PID); only those that opened a
        connection ("=== CONNECT") are mailers."""
        try:
            with open(self.trace, errors='replace') as f:
                lines = f.read().split('\n')
        except FileNotFoundError:
            return []
        out, mailers = [], {}
        for line in lines:
            m = re.match(r'(\d+) (===|>>>|<<<) (.*)$', line)
            if not m:
                continue
            pid, way, text = m.groups()
            if way == '===' and text.startswith('CONNECT'):
                mailers[pid] = {'rcpt': None, 'data': False}
            st = mailers.get(pid)
            if st is None:
                continue
            r = re.match(r'(?i)RCPT TO:<([^>]*)>', text)
            if way == '>>>' and r:
                st['rcpt'] = r.group(1)
            elif way == '>>>' and text == '.':
                st['data'] = True
            elif way == '<<<' and st['data'] and text[:3].isdigit():
                if text.startswith('250'):
                    out.append((st['rcpt'], text))
                st['data'] = False
        return out
