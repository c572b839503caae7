"""postfix_mta.py - an isolated, deliberately open Postfix instance.

  Postfix(cleanup, workdir, outside, hosted, milter=None,
          hosted_domains=('hosted.example',), port=None, open_port=None,
          sasl_users=None, hostname='mx.relaylock.test')
      An isolated instance (`postfix -c WORKDIR/postfix`), never the system
      one. OUTSIDE and HOSTED are SmtpSinks: relayhost = the outside sink,
      transport_maps send HOSTED_DOMAINS to the hosted sink. Two listeners on
      127.0.0.1: .port with smtpd_milters = MILTER (the protected server)
      and .open_port with no milter at all (the open relay, for positive
      controls and for probes that want an open server). mynetworks =
      0.0.0.0/0. A third listener, .strict_port, has no milter and
      mynetworks = TRUSTED (default 127.0.0.10/32): Postfix's own relay rules.
      sasl_users={'alice': 'secret'} enables SMTP AUTH (sasldb, realm =
      hostname; log in as plain 'alice'). extra_main={'param': 'value'}
      adds or overrides main.cf parameters, extra_master adds master.cf
      lines.
      .start(), .stop(), .flush(), .wait_queue_empty(timeout) -> bool,
      .queue_size(), .log_text().
"""

import contextlib
import os
import shutil
import signal
import subprocess

from mta_base import Mta
from procs import HarnessError, free_port, run, stop_pid, tail
from smtp import wait_banner


POSTFIX_MASTER_CF = """\
# written by tests/integration/postfix_mta.py
{smtp}
{open_smtp}
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
tlsmgr    unix  -       -       n       1000?   1       tlsmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
proxywrite unix -       -       n       -       1       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
local     unix  -       n       n       -       -       local
lmtp      unix  -       -       n       -       -       lmtp
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
"""


class Postfix(Mta):
    def __init__(self, cleanup, workdir, outside, hosted, milter=None,
                 hosted_domains=('hosted.example',), port=None,
                 open_port=None, strict_port=None, sasl_users=None,
                 hostname='mx.relaylock.test', trusted='127.0.0.10/32',
                 extra_main=None, extra_master=''):
        self.cleanup = cleanup
        self.extra_main = dict(extra_main or {})
        self.extra_master = extra_master
        self.dir = os.path.join(workdir, 'postfix')
        self.strict_port = strict_port or free_port()
        self.trusted = trusted
        self.conf = os.path.join(self.dir, 'etc')
        self.queue = os.path.join(self.dir, 'queue')
        self.data = os.path.join(self.dir, 'data')
        self.logfile = os.path.join(self.dir, 'postfix.log')
        self.outside = outside
        self.hosted = hosted
        self.milter = milter
        self.hosted_domains = tuple(hosted_domains)
        self.port = port or free_port()
        self.open_port = open_port or free_port()
        self.sasl_users = dict(sasl_users or {})
        self.hostname = hostname
        self.started = False

    def _write(self):
        for d in (self.dir, self.conf, self.queue, self.data):
            os.makedirs(d, exist_ok=True)
            os.chmod(d, 0o755)
        shutil.chown(self.data, 'postfix', 'postfix')
        transport = ', '.join('%s=smtp:[127.0.0.1]:%d' % (d, self.hosted.port)
                              for d in self.hosted_domains)
        main = {
            'compatibility_level': '3.6',
            'queue_directory': self.queue,
            'data_directory': self.data,
            'syslog_name': 'postfix-relaylock-test',
            'maillog_file': self.logfile,
            'maillog_file_prefixes': self.dir,
            'myhostname': self.hostname,
            'mydomain': 'relaylock.test',
            'myorigin': '$myhostname',
            'mydestination': '',
            'local_recipient_maps': '',
            # The "local" class ([127.0.0.1]) goes to the hosted sink too:
            # never /var/mail, and the milter sees such recipients.
            'local_transport': 'smtp:[127.0.0.1]:%d' % self.hosted.port,
            'inet_interfaces': '127.0.0.1',
            'inet_protocols': 'ipv4',
            'smtpd_peername_lookup': 'no',
            'smtp_dns_support_level': 'disabled',
            'smtp_host_lookup': 'native',
            'mynetworks': '0.0.0.0/0',
            'smtpd_relay_restrictions': 'permit_mynetworks, '
                                        'reject_unauth_destination',
            'relay_domains': ', '.join(self.hosted_domains),
            'transport_maps': 'inline:{ %s }' % transport,
            'relayhost': '[127.0.0.1]:%d' % self.outside.port,
            'smtpd_soft_error_limit': '100',
            'smtpd_hard_error_limit': '200',
            'smtpd_error_sleep_time': '0s',
            'smtpd_junk_command_limit': '1000',
            'smtpd_client_connection_rate_limit': '0',
            'smtp_connect_timeout': '5s',
            'queue_run_delay': '1s',
            'minimal_backoff_time': '1s',
            'maximal_backoff_time': '2s',
            'biff': 'no',
            'alias_maps': '',
            'alias_database': '',
            'smtputf8_enable': 'yes',
            'milter_default_action': 'tempfail',
            'milter_protocol': '6',
            'milter_connect_macros': 'j {daemon_name} {daemon_addr} v '
                                     '{client_addr} _',
            'milter_mail_macros': 'i {auth_type} {auth_authen} '
                                  '{auth_author} {mail_addr} {mail_host} '
                                  '{mail_mailer} {client_addr}',
            'milter_rcpt_macros': 'i {rcpt_addr} {rcpt_host} {rcpt_mailer} '
                                  '{client_addr} {auth_authen} {auth_type}',
            'milter_connect_timeout': '10s',
            'milter_command_timeout': '10s',
            'milter_content_timeout': '60s',
            'smtpd_authorized_xclient_hosts': '127.0.0.1',
        }
        if self.sasl_users:
            main.update({
                'smtpd_sasl_auth_enable': 'yes',
                'smtpd_sasl_type': 'cyrus',
                'smtpd_sasl_path': 'smtpd',
                'smtpd_sasl_security_options': 'noanonymous',
                'smtpd_sasl_local_domain': '',
                'broken_sasl_auth_clients': 'no',
            })
            self._write_sasl()
        main.update(self.extra_main)
        with open(os.path.join(self.conf, 'main.cf'), 'w') as f:
            f.write('# written by tests/integration/postfix_mta.py\n')
            for k, v in main.items():
                f.write('%s = %s\n' % (k, v))
        milter = self.milter or ''
        smtp = ('127.0.0.1:%d inet n - n - - smtpd -o smtpd_milters=%s'
                % (self.port, milter))
        open_smtp = ('127.0.0.1:%d inet n - n - - smtpd -o smtpd_milters='
                     % self.open_port)
        open_smtp += ('\n127.0.0.1:%d inet n - n - - smtpd -o smtpd_milters='
                      ' -o mynetworks=%s' % (self.strict_port, self.trusted))
        with open(os.path.join(self.conf, 'master.cf'), 'w') as f:
            f.write(POSTFIX_MASTER_CF.format(smtp=smtp, open_smtp=open_smtp))
            f.write(self.extra_master)

    def _write_sasl(self):
        sasldir = os.path.join(self.conf, 'sasl')
        os.makedirs(sasldir, exist_ok=True)
        db = os.path.join(sasldir, 'sasldb2')
        with contextlib.suppress(FileNotFoundError):
            os.unlink(db)
        for user, pw in self.sasl_users.items():
            p = subprocess.run(['saslpasswd2', '-c', '-p', '-f', db, '-u',
                                self.hostname, user],
                               input=pw.encode(), stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, timeout=30)
            if p.returncode != 0:
                raise HarnessError('saslpasswd2: %s' % p.stdout.decode())
        shutil.chown(db, 'root', 'postfix')
        os.chmod(db, 0o640)
        with open(os.path.join(sasldir, 'smtpd.conf'), 'w') as f:
            f.write('pwcheck_method: auxprop\nauxprop_plugin: sasldb\n'
                    'mech_list: PLAIN LOGIN\nsasldb_path: %s\n' % db)

    def postfix(self, *args, check=True, timeout=60):
        return run(['postfix', '-c', self.conf] + list(args), check=check,
                   timeout=timeout)

    def start(self):
        if shutil.which('postfix') is None:
            raise HarnessError('postfix is not installed (make deps)')
        self._write()
        self.started = True   # stop() copes with a half-started instance
        self.cleanup.push('postfix', self.stop)
        try:
            self.postfix('start')   # runs `postfix check` itself
        except HarnessError as e:
            raise HarnessError('%s\n%s' % (e, tail(self.logfile)))
        for p in (self.port, self.open_port, self.strict_port):
            try:
                wait_banner('127.0.0.1', p, 15)
            except HarnessError as e:
                raise HarnessError('%s\n%s' % (e, tail(self.logfile)))
        return self

    def master_pid(self):
        try:
            with open(os.path.join(self.queue, 'pid', 'master.pid')) as f:
                return int(f.read().split()[0])
        except (OSError, ValueError, IndexError):
            return None

    def stop(self):
        if not self.started:
            return
        pid = self.master_pid()
        self.postfix('stop', check=False, timeout=30)
        if pid:
            stop_pid(pid, signal.SIGTERM, 15)
        self.started = False

    def flush(self):
        run(['postqueue', '-c', self.conf, '-f'], check=False)

    def queue_size(self):
        n = 0
        for sub in ('incoming', 'active', 'deferred', 'maildrop', 'hold'):
            for _root, _dirs, files in os.walk(os.path.join(self.queue, sub)):
                n += len(files)
        return n
