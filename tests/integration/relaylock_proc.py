"""relaylock_proc.py - the relaylock daemon under test and its decision log.

  Relaylock(cleanup, workdir, binary=None, hosted=(..), trusted=(..),
            mode='enforce', user='nobody', socket_group='postfix',
            extra_conf='')
      binary defaults to $RELAYLOCK or build/relaylock. Writes WORKDIR/
      relaylock.conf, starts `relaylock -f -c CONF -p unix:SOCK -u USER`
      with stderr in WORKDIR/relaylock.log, waits until the socket accepts.
      .socket (path), .milter ("unix:/path"), .pid, .start(), .stop() (SIGTERM,
      waits for the PID to exit), .alive(), .reload() (SIGUSR1),
      .write_config(hosted=..., trusted=..., raw=None), .log_text(),
      .decisions() -> list of dicts (queueid, action, reason, client, auth,
      from, rcpt, resolved, mailer, mode, line), .wait_decisions(n, timeout).
  escape_log_value(s) -> str  the decision log's escaping of one value.
  parse_decision(line) -> dict or None; DECISION_KEYS: the fields in order.
"""

import contextlib
import os
import re
import signal
import socket
import subprocess

from procs import REPO, HarnessError, stop_pid, tail, wait_until


def escape_log_value(value, limit=512):
    """The decision log's escaping (see the log contract)."""
    if value is None or value == '':
        return '-'
    raw = value.encode('utf-8', 'surrogateescape') if isinstance(value, str) \
        else value
    cut = len(raw) > limit
    raw = raw[:limit]
    out = []
    for b in raw:
        if b < 0x21 or b > 0x7e or b in (ord('='), ord('\\')):
            out.append('\\x%02x' % b)
        else:
            out.append(chr(b))
    return ''.join(out) + ('...' if cut else '')


DECISION_KEYS = ('action', 'reason', 'client', 'auth', 'from', 'rcpt',
                 'resolved', 'mailer', 'mode')
_DECISION_RE = re.compile(
    r'^(?P<ts>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ) relaylock\[(?P<pid>\d+)\]: '
    r'(?P<queueid>[^\s:]+): (?P<rest>action=.*)$')


def parse_decision(line):
    m = _DECISION_RE.match(line)
    if not m:
        return None
    d = {'queueid': m.group('queueid'), 'pid': int(m.group('pid')),
         'line': line}
    fields = m.group('rest').split(' ')
    keys = []
    for f in fields:
        k, sep, v = f.partition('=')
        if not sep:
            return None
        d[k] = v
        keys.append(k)
    d['keys'] = tuple(keys)
    return d


class Relaylock:
    def __init__(self, cleanup, workdir, binary=None,
                 hosted=('hosted.example',), trusted=('127.0.0.10/32',),
                 mode='enforce', user='nobody', socket_group='postfix',
                 extra_conf=''):
        self.cleanup = cleanup
        self.dir = os.path.join(workdir, 'relaylock')
        self.binary = os.path.abspath(
            binary or os.environ.get('RELAYLOCK') or
            os.path.join(REPO, 'build', 'relaylock'))
        self.conf = os.path.join(self.dir, 'relaylock.conf')
        self.socket = os.path.join(self.dir, 'relaylock.sock')
        self.milter = 'unix:' + self.socket
        self.logfile = os.path.join(self.dir, 'relaylock.log')
        self.user = user
        self.socket_group = socket_group
        self.mode = mode
        self.extra_conf = extra_conf
        self.hosted = tuple(hosted)
        self.trusted = tuple(trusted)
        self.proc = None
        self.pid = None
        os.makedirs(self.dir, exist_ok=True)
        os.chmod(self.dir, 0o755)

    def config_text(self, hosted=None, trusted=None):
        def lst(xs):
            return '{ ' + ', '.join('"%s"' % x for x in xs) + ' }'
        text = ('# written by tests/integration/relaylock_proc.py\n'
                'hosted_domains = %s\n'
                'trusted_networks = %s\n'
                'allow_authenticated = true\n'
                'mode = %s\n'
                'socket = "%s"\n'
                'socket_mode = 0660\n'
                '%s'
                'user = "%s"\n'
                'run_as_root = false\n'
                'pid_file = ""\n'
                'log_level = info\n'
                'accept_log_level = notice\n'
                % (lst(hosted or self.hosted), lst(trusted or self.trusted),
                   self.mode, self.milter,
                   'socket_group = "%s"\n' % self.socket_group
                   if self.socket_group else '',
                   self.user))
        return text + self.extra_conf

    def write_config(self, hosted=None, trusted=None, raw=None):
        if hosted is not None:
            self.hosted = tuple(hosted)
        if trusted is not None:
            self.trusted = tuple(trusted)
        text = raw if raw is not None else self.config_text()
        tmp = self.conf + '.tmp'
        with open(tmp, 'w') as f:
            f.write(text)
        os.chmod(tmp, 0o644)
        os.replace(tmp, self.conf)

    def start(self, timeout=10):
        if not os.access(self.binary, os.X_OK):
            raise HarnessError('relaylock binary not found: %s' % self.binary)
        if not os.path.exists(self.conf):
            self.write_config()
        argv = [self.binary, '-f', '-c', self.conf, '-p', self.milter]
        if self.user:
            argv += ['-u', self.user]
        lf = open(self.logfile, 'ab')
        try:
            self.proc = subprocess.Popen(argv, stdout=lf, stderr=lf,
                                         stdin=subprocess.DEVNULL)
        finally:
            lf.close()
        self.pid = self.proc.pid
        self.cleanup.push('relaylock', self.stop)

        def ready():
            if self.proc.poll() is not None:
                return True
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
                try:
                    s.connect(self.socket)
                    return True
                except OSError:
                    return False
        wait_until(ready, timeout)
        if self.proc.poll() is not None or not ready():
            raise HarnessError('relaylock did not start (%s):\n%s'
                               % (' '.join(argv), tail(self.logfile)))
        if self.user:
            # The socket accepts before privileges are dropped and the
            # socket's mode is set: wait for the final state (bounded).
            import pwd
            uid = str(pwd.getpwnam(self.user).pw_uid)

            def dropped():
                try:
                    with open('/proc/%d/status' % self.pid) as f:
                        for line in f:
                            if line.startswith('Uid:'):
                                return line.split()[1:] == [uid] * 4
                except OSError:
                    return True
                return False
            wait_until(dropped, timeout)
        return self

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def reload(self):
        os.kill(self.pid, signal.SIGUSR1)

    def stop(self, timeout=20):
        if self.proc is None:
            return True
        ok = stop_pid(self.proc.pid, signal.SIGTERM, timeout)
        with contextlib.suppress(Exception):
            self.proc.wait(timeout=2)
        self.exit_status = self.proc.returncode
        self.proc = None
        return ok

    def log_text(self):
        try:
            with open(self.logfile, 'r', errors='replace') as f:
                return f.read()
        except FileNotFoundError:
            return ''

    def decisions(self):
        out = []
        for line in self.log_text().split('\n'):
            d = parse_decision(line)
            if d:
                out.append(d)
        return out

    def wait_decisions(self, n, timeout=5):
        wait_until(lambda: len(self.decisions()) >= n, timeout)
        return self.decisions()
