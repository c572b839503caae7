"""sendmail_mta.py - a deliberately open Sendmail, unpacked from Debian's
packages (never installed: it conflicts with postfix), run only inside the
private network namespace.

  Sendmail(cleanup, workdir, outside, hosted_box, milter=None,
           hosted_domains=('hosted.example',), port=2525, open_port=2526,
           hostname='mx.relaylock.test', cache=None, open_relay=True,
           name='sendmail')
      Requires in_private_namespace() (raises otherwise). OUTSIDE is an
      SmtpSink listening on 127.0.0.2 (a smart host on 127.0.0.1 is dropped
      as "local host"); HOSTED_BOX is a FileSink: the hosted domains are
      Sendmail's own (LOCAL_DOMAIN) and the local mailer appends to it.
      .port uses the milter (F=T: fail closed), .open_port has none.
      open_relay=False drops promiscuous_relay (Sendmail's own rules); NAME
      is the instance's directory, so two instances can run side by side;
      delivery_mode='queue' keeps accepted mail queued (benchmarks).
      Routing set-ups: extra_mc (m4 lines, e.g. FEATURE(`virtusertable',
      `hash -o {dir}/virtusertable'); {dir} is .dir), maps (dict NAME ->
      text: written to .dir/NAME and built with makemap hash), aliases
      (lines added to the aliases file, e.g. 'afwd: x@outside.example\n').
      .start(), .stop(), .flush(), .wait_queue_empty(timeout), .queue_size().
  sendmail_root(cache) -> path   download (apt-get download, with one
      apt-get update retry) and unpack sendmail-bin/-cf/-base once. Call it
      BEFORE reexec_in_namespace(): the namespace has no network.
"""

import contextlib
import os
import shutil
import signal
import subprocess

from mta_base import Mta
from procs import (REPO, HarnessError, in_private_namespace, log, run,
                   stop_pid, tail)
from sinks import FileSink
from smtp import wait_banner


SENDMAIL_PACKAGES = ('sendmail-bin', 'sendmail-cf', 'sendmail-base')


def sendmail_root(cache=None):
    cache = os.path.abspath(cache or os.environ.get('RELAYLOCK_MTA_CACHE') or
                            os.path.join(REPO, 'build', 'mta-cache'))
    root = os.path.join(cache, 'root')
    binary = os.path.join(root, 'usr', 'libexec', 'sendmail', 'sendmail')
    if os.access(binary, os.X_OK) and \
            os.path.isdir(os.path.join(root, 'usr', 'share', 'sendmail', 'cf')):
        return root
    os.makedirs(cache, exist_ok=True)
    debs = os.path.join(cache, 'debs')
    os.makedirs(debs, exist_ok=True)

    def have():
        names = os.listdir(debs)
        return all(any(n.startswith(p + '_') and n.endswith('.deb')
                       for n in names) for p in SENDMAIL_PACKAGES)
    if not have():
        argv = ['apt-get', 'download'] + list(SENDMAIL_PACKAGES)
        p = subprocess.run(argv, cwd=debs, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, timeout=300)
        if p.returncode != 0 or not have():
            log('apt-get download failed, running apt-get update once')
            run(['apt-get', 'update', '-q'], check=False, timeout=300)
            p = subprocess.run(argv, cwd=debs, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, timeout=300)
            if p.returncode != 0 or not have():
                raise HarnessError('cannot download %s:\n%s'
                                   % (' '.join(SENDMAIL_PACKAGES),
                                      p.stdout.decode(errors='replace')))
    tmp = root + '.tmp'
    shutil.rmtree(tmp, ignore_errors=True)
    os.makedirs(tmp)
    full = tmp + '.full'
    shutil.rmtree(full, ignore_errors=True)
    for n in sorted(os.listdir(debs)):
        if n.endswith('.deb'):
            run(['dpkg', '-x', os.path.join(debs, n), full])
    # Keep only the binary and the cf tree: the packages also hold
    # directories named "*.d" (etc/init.d, ...), which the top Makefile
    # would try to include as dependency files.
    for keep in (('usr', 'libexec', 'sendmail'),
                 ('usr', 'share', 'sendmail', 'cf')):
        os.makedirs(os.path.join(tmp, *keep[:-1]), exist_ok=True)
        os.rename(os.path.join(full, *keep), os.path.join(tmp, *keep))
    shutil.rmtree(full)
    for dirpath, dirnames, filenames in os.walk(tmp):
        for n in dirnames + filenames:
            if n.endswith('.d'):
                shutil.rmtree(os.path.join(dirpath, n), ignore_errors=True)
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(os.path.join(dirpath, n))
    shutil.rmtree(root, ignore_errors=True)
    os.rename(tmp, root)
    if not os.access(binary, os.X_OK):
        raise HarnessError('no sendmail binary in %s' % root)
    return root


SENDMAIL_MC = """\
divert(-1)
# written by tests/integration/sendmail_mta.py: a deliberately OPEN relay
divert(0)dnl
OSTYPE(`linux')dnl
define(`confDOMAIN_NAME', `{hostname}')dnl
define(`confSERVICE_SWITCH_FILE', `{dir}/service.switch')dnl
define(`confHOSTS_FILE', `/etc/hosts')dnl
define(`confTO_IDENT', `0s')dnl
define(`confTO_CONNECT', `5s')dnl
define(`confTO_INITIAL', `5s')dnl
define(`confDONT_BLAME_SENDMAIL', `TrustStickyBit,MapInUnsafeDirPath,GroupWritableDirPathSafe,FileDeliveryToSymlink')dnl
define(`confDEF_USER_ID', `65534:65534')dnl
define(`confPID_FILE', `{dir}/sendmail.pid')dnl
define(`QUEUE_DIR', `{dir}/mqueue')dnl
define(`confQUEUE_DIR', `{dir}/mqueue')dnl
define(`MSP_QUEUE_DIR', `{dir}/clientmqueue')dnl
define(`STATUS_FILE', `{dir}/statistics')dnl
define(`ALIAS_FILE', `{dir}/aliases')dnl
define(`HELP_FILE', `{dir}/helpfile')dnl
define(`confCW_FILE', `{dir}/local-host-names')dnl
define(`confCT_FILE', `{dir}/trusted-users')dnl
define(`confLOG_LEVEL', `9')dnl
define(`confBAD_RCPT_THROTTLE', `0')dnl
define(`confMAX_DAEMON_CHILDREN', `0')dnl
define(`confCONNECTION_RATE_THROTTLE', `0')dnl
dnl 0 is no "off": with QueueLA=0 a loaded test machine queues mail
dnl instead of delivering it (a two-recipient message stayed queued at
dnl load 6 on 2 cores). Limits far above any load turn both off.
define(`confREFUSE_LA', `1000')dnl
define(`confQUEUE_LA', `1000')dnl
define(`confDELAY_LA', `0')dnl
define(`confDELIVERY_MODE', `{delivery_mode}')dnl
define(`confPRIVACY_FLAGS', `authwarnings')dnl
define(`SMART_HOST', `[127.0.0.2]')dnl
define(`RELAY_MAILER_ARGS', `TCP $h {outside_port}')dnl
define(`ESMTP_MAILER_ARGS', `TCP $h {outside_port}')dnl
define(`SMTP_MAILER_ARGS', `TCP $h {outside_port}')dnl
define(`SMTP8_MAILER_ARGS', `TCP $h {outside_port}')dnl
define(`LOCAL_MAILER_PATH', `{dir}/hosted-mailbox.sh')dnl
define(`LOCAL_MAILER_ARGS', `hosted-mailbox.sh $u')dnl
define(`_DEF_LOCAL_MAILER_FLAGS', `lsDFMA5:/|@q')dnl
define(`confMILTER_MACROS_CONNECT', `j, _, {{daemon_name}}, {{if_name}}, {{if_addr}}, {{client_addr}}')dnl
define(`confMILTER_MACROS_ENVFROM', `i, {{auth_type}}, {{auth_authen}}, {{auth_ssf}}, {{auth_author}}, {{mail_mailer}}, {{mail_host}}, {{mail_addr}}, {{client_addr}}')dnl
define(`confMILTER_MACROS_ENVRCPT', `i, {{rcpt_mailer}}, {{rcpt_host}}, {{rcpt_addr}}, {{client_addr}}, {{auth_authen}}, {{auth_type}}')dnl
FEATURE(`no_default_msa')dnl
FEATURE(`nocanonify')dnl
{relay}FEATURE(`accept_unqualified_senders')dnl
FEATURE(`accept_unresolvable_domains')dnl
{milter}dnl
{extra_mc}DAEMON_OPTIONS(`Family=inet, Addr=127.0.0.1, Port={port}, Name=MTA-milter')dnl
DAEMON_OPTIONS(`Family=inet, Addr=127.0.0.1, Port={open_port}, Name=MTA-open, InputMailFilters=')dnl
LOCAL_DOMAIN(`{local_domains}')dnl
MAILER(`local')dnl
MAILER(`smtp')dnl
"""

MAILBOX_SH = """\
#!/bin/sh
# hosted-mailbox.sh [-f SENDER] RCPT: the hosted domain's mailboxes (one file).
for rcpt in "$@"; do :; done
exec 9>>"{box}.lock"
flock 9
{{ printf '\\n%s%s\\n' "{sep}" "$rcpt"; cat; }} >> "{box}"
exit 0
"""


class Sendmail(Mta):
    def __init__(self, cleanup, workdir, outside, hosted_box, milter=None,
                 hosted_domains=('hosted.example',), port=2525,
                 open_port=2526, hostname='mx.relaylock.test', cache=None,
                 open_relay=True, name='sendmail', delivery_mode='background',
                 extra_mc='', maps=None, aliases=''):
        self.cleanup = cleanup
        self.dir = os.path.join(workdir, name)
        self.open_relay = open_relay
        self.delivery_mode = delivery_mode
        self.extra_mc = extra_mc
        self.maps = dict(maps or {})
        self.aliases = aliases
        self.outside = outside
        self.hosted_box = hosted_box
        self.milter = milter
        self.hosted_domains = tuple(hosted_domains)
        self.port = port
        self.open_port = open_port
        self.hostname = hostname
        self.cache = cache
        self.cf = os.path.join(self.dir, 'sendmail.cf')
        self.logfile = os.path.join(self.dir, 'sendmail.log')
        self.proc = None
        self.root = None

    def _write(self):
        self.root = sendmail_root(self.cache)
        self.binary = os.path.join(self.root, 'usr', 'libexec', 'sendmail',
                                   'sendmail')
        os.makedirs(self.dir, exist_ok=True)
        os.chmod(self.dir, 0o755)
        for sub in ('mqueue', 'clientmqueue'):
            os.makedirs(os.path.join(self.dir, sub), exist_ok=True)
            os.chmod(os.path.join(self.dir, sub), 0o700)
        with open(os.path.join(self.dir, 'service.switch'), 'w') as f:
            f.write('hosts files\naliases files\n')
        with open(os.path.join(self.dir, 'aliases'), 'w') as f:
            f.write('MAILER-DAEMON: postmaster\npostmaster: root\n'
                    + self.aliases)
        for name in ('local-host-names', 'trusted-users', 'statistics',
                     'helpfile'):
            open(os.path.join(self.dir, name), 'a').close()
        for name in os.listdir(self.dir):
            p = os.path.join(self.dir, name)
            if os.path.isfile(p):
                os.chmod(p, 0o644)
        self.hosted_box.create()
        script = os.path.join(self.dir, 'hosted-mailbox.sh')
        with open(script, 'w') as f:
            f.write(MAILBOX_SH.format(box=self.hosted_box.path,
                                      sep=FileSink.SEP))
        os.chmod(script, 0o755)
        lock = self.hosted_box.path + '.lock'
        open(lock, 'a').close()
        os.chmod(lock, 0o666)
        if self.milter:
            milter = ("INPUT_MAIL_FILTER(`relaylock', `S=%s, F=T, "
                      "T=S:10s;R:10s;E:1m')" % self.milter)
        else:
            milter = ''
        mc = SENDMAIL_MC.format(
            hostname=self.hostname, dir=self.dir,
            delivery_mode=self.delivery_mode,
            outside_port=self.outside.port, milter=milter, port=self.port,
            open_port=self.open_port,
            relay="FEATURE(`promiscuous_relay')dnl\n" if self.open_relay else '',
            extra_mc=self.extra_mc.format(dir=self.dir),
            local_domains=' '.join(self.hosted_domains))
        mcfile = os.path.join(self.dir, 'sendmail.mc')
        with open(mcfile, 'w') as f:
            f.write(mc)
        cfdir = os.path.join(self.root, 'usr', 'share', 'sendmail', 'cf')
        with open(self.cf, 'w') as f:
            p = subprocess.run(['m4', '-D_CF_DIR_=%s/' % cfdir,
                                os.path.join(cfdir, 'm4', 'cf.m4'), mcfile],
                               stdout=f, stderr=subprocess.PIPE, timeout=60)
        if p.returncode != 0:
            raise HarnessError('m4 failed: %s' % p.stderr.decode())
        os.chmod(self.cf, 0o644)
        run([self.binary, '-C', self.cf, '-bi'], timeout=60)
        self._make_maps()

    def _make_maps(self):
        makemap = os.path.join(os.path.dirname(self.binary), 'makemap')
        for name, text in self.maps.items():
            path = os.path.join(self.dir, name)
            with open(path, 'w') as f:
                f.write(text)
            with open(path) as f:
                p = subprocess.run([makemap, '-C', self.cf, 'hash', path],
                                   stdin=f, stdout=subprocess.PIPE,
                                   stderr=subprocess.STDOUT, timeout=60)
            if p.returncode != 0:
                raise HarnessError('makemap %s: %s'
                                   % (name, p.stdout.decode(errors='replace')))

    def start(self):
        if not in_private_namespace():
            raise HarnessError('Sendmail must run inside '
                               'reexec_in_namespace() (FQDN hostname, no DNS)')
        if shutil.which('m4') is None:
            raise HarnessError('m4 is not installed (make deps)')
        self._write()
        lf = open(self.logfile, 'ab')
        try:
            self.proc = subprocess.Popen(
                [self.binary, '-C', self.cf, '-bD', '-L', 'sm-relaylock-test',
                 '-O', 'LogLevel=9'],
                stdout=lf, stderr=lf, stdin=subprocess.DEVNULL)
        finally:
            lf.close()
        self.cleanup.push('sendmail', self.stop)
        for p in (self.port, self.open_port):
            try:
                wait_banner('127.0.0.1', p, 15)
            except HarnessError as e:
                raise HarnessError('%s\n%s' % (e, tail(self.logfile)))
        return self

    def stop(self):
        if self.proc is None:
            return
        stop_pid(self.proc.pid, signal.SIGTERM, 15)
        with contextlib.suppress(Exception):
            self.proc.wait(timeout=2)
        self.proc = None

    def flush(self):
        run([self.binary, '-C', self.cf, '-q'], check=False, timeout=60)

    def queue_size(self):
        try:
            return sum(1 for n in os.listdir(os.path.join(self.dir, 'mqueue'))
                       if n.startswith('qf'))
        except FileNotFoundError:
            return 0
