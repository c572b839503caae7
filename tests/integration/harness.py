"""harness.py - real Postfix, real Sendmail, smtp sinks and relaylock for tests.

Python 3, standard library only. Needs root (Postfix, Sendmail, namespaces).
Everything this module starts is stopped by PID, also on failure: each start
registers its stop with a Cleanup stack, and `Cleanup.close()` (or leaving a
`with Cleanup() as cl:` block, or SIGTERM/SIGINT, which become SystemExit)
stops them in reverse order. Nothing here touches the system Postfix
(/etc/postfix) or installs Sendmail: Sendmail is unpacked from its Debian
packages into a cache and runs only inside a private network namespace.

API
---
Namespaces
  in_private_namespace() -> bool        True inside reexec_in_namespace().
  reexec_in_namespace(hostname, argv=None) -> int
      Run argv (default: this python script and its arguments) under
      `unshare --net --mount --uts` and return its exit status. Inside, call
      setup_namespace(). Only the namespace's own loopback exists there, so
      fixed ports never collide with other test runs and nothing can leave.
  fresh_workdir(suffix, hostname) -> path
      an empty $RELAYLOCK_IT_WORKDIR+SUFFIX with setup_namespace() done.
  setup_namespace(hostname, workdir)
      lo up, hostname HOSTNAME, private /etc/hosts (bind mount, private
      propagation) that maps HOSTNAME to 127.0.0.1. Sendmail needs this.

Processes and helpers
  Cleanup                  stack of stop callbacks; use as a context manager.
  free_port(host='127.0.0.1') -> int
  wait_banner(host, port, timeout=10) -> str     waits for a real "220 ".
  wait_until(predicate, timeout, interval=0.05) -> bool
  SmtpClient(host, port, source=None, timeout=15)
      .ehlo(name) .helo(name) .mail(addr, params='') .rcpt(addr) .data(body)
      .auth_plain(user, password) .rset() .quit() .cmd(line) .close()
      Each returns (code:int, text:str); addr is put after "FROM:"/"TO:"
      verbatim, so pass "<a@b>" with brackets (or without, on purpose).
      .data() sends DATA and, on 354, the body and "."; it returns the reply
      to DATA when it is not 354, else the reply to the final ".".
      source binds the client socket (e.g. '127.0.0.2' = an outside client).
      An SMTP error reply is returned, never raised; a dropped connection
      returns (0, 'connection lost').
  message(token, frm, to) -> str  a small RFC 5322 message carrying TOKEN in
      Subject and body, for finding it in a sink.

Sinks
  SmtpSink(cleanup, workdir, name, host='127.0.0.1', port=None)
      Postfix's smtp-sink (-u nobody -D dump). .start(), .stop(),
      .messages() -> list of dicts {client, mail, rcpts, text},
      .count(), .with_token(tok), .wait_count(n, timeout).
  FileSink(path)  the Sendmail hosted-mailbox file: .messages() (dicts
      {rcpt, text}), .count(), .with_token(tok), .wait_count(n, timeout).

relaylock
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

MTAs (both open relays on purpose; only the milter can close them)
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
      .start(), .stop(), .flush(), .wait_queue_empty(timeout), .queue_size().
  sendmail_root(cache) -> path   download (apt-get download, with one
      apt-get update retry) and unpack sendmail-bin/-cf/-base once. Call it
      BEFORE reexec_in_namespace(): the namespace has no network.

Every start() raises HarnessError with the relevant log tail when a program
does not come up: a test that cannot start an MTA fails, it never skips.

Example (an open and a protected Postfix for a probe; run as root):

    import sys; sys.path.insert(0, 'tests/integration'); import harness as h
    if not h.in_private_namespace():
        sys.exit(h.reexec_in_namespace('mx.relaylock.test'))
    wd = 'build/mytest'                  # must exist, mode 0755
    h.setup_namespace('mx.relaylock.test', wd)
    with h.Cleanup() as cl:
        out = h.SmtpSink(cl, wd, 'outside').start()
        hosted = h.SmtpSink(cl, wd, 'hosted').start()
        rl = h.Relaylock(cl, wd, hosted=('hosted.example',),
                         trusted=('127.0.0.10/32',)).start()
        pf = h.Postfix(cl, wd, out, hosted, milter=rl.milter).start()
        # probe 127.0.0.1:pf.open_port (open relay) and 127.0.0.1:pf.port
        # (protected) from source 127.0.0.2; subprocesses share the namespace.
        subprocess.run(['probe', '--source', '127.0.0.2',
                        '127.0.0.1:%d' % pf.port])
        pf.wait_queue_empty(); print(out.count(), 'messages relayed')

Outside a namespace Postfix, the sinks and relaylock work too (free ports on
the host's 127.0.0.1); Sendmail does not.
"""

import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, '..', '..'))
NS_ENV = 'RELAYLOCK_HARNESS_NS'


class HarnessError(Exception):
    pass


def log(msg):
    sys.stdout.write('  [harness] %s\n' % msg)
    sys.stdout.flush()


def tail(path, n=30):
    try:
        with open(path, 'r', errors='replace') as f:
            return ''.join(f.readlines()[-n:])
    except OSError as e:
        return '(%s)' % e


def wait_until(predicate, timeout, interval=0.05):
    deadline = time.monotonic() + timeout
    while True:
        if predicate():
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(interval)


def free_port(host='127.0.0.1'):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def pid_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie child of ours still "exists"; reap it if it is ours.
    try:
        done, _ = os.waitpid(pid, os.WNOHANG)
        if done == pid:
            return False
    except ChildProcessError:
        pass
    try:
        with open('/proc/%d/stat' % pid) as f:
            if f.read().split(')')[-1].split()[0] == 'Z':
                return False
    except OSError:
        return False
    return True


def stop_pid(pid, sig=signal.SIGTERM, timeout=15):
    """Signal PID and wait (bounded) until it is gone; SIGKILL at the end."""
    if not pid or not pid_alive(pid):
        return True
    try:
        os.kill(pid, sig)
    except ProcessLookupError:
        return True
    if wait_until(lambda: not pid_alive(pid), timeout, 0.05):
        return True
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
    wait_until(lambda: not pid_alive(pid), 5, 0.05)
    return False


class Cleanup:
    """Stack of stop callbacks, run in reverse order exactly once."""

    def __init__(self):
        self._stack = []
        self._old = {}
        for s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            self._old[s] = signal.signal(s, self._on_signal)

    @staticmethod
    def _on_signal(signum, _frame):
        raise SystemExit(128 + signum)

    def push(self, name, fn):
        self._stack.append((name, fn))

    def close(self):
        while self._stack:
            name, fn = self._stack.pop()
            try:
                fn()
            except Exception as e:  # keep cleaning up the rest
                log('cleanup of %s failed: %s' % (name, e))
        for s, h in self._old.items():
            signal.signal(s, h)
        self._old = {}

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False


def run(argv, check=True, timeout=60, **kw):
    p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       timeout=timeout, **kw)
    out = p.stdout.decode(errors='replace')
    if check and p.returncode != 0:
        raise HarnessError('%s: exit %d\n%s' % (' '.join(argv), p.returncode,
                                               out))
    return out


# ---------------------------------------------------------------- namespaces

def in_private_namespace():
    return os.environ.get(NS_ENV) == '1'


def reexec_in_namespace(hostname, argv=None):
    if shutil.which('unshare') is None:
        raise HarnessError('unshare not found (util-linux)')
    if argv is None:
        argv = [sys.executable, os.path.abspath(sys.argv[0])] + sys.argv[1:]
    env = dict(os.environ)
    env[NS_ENV] = '1'
    env['RELAYLOCK_HARNESS_HOSTNAME'] = hostname
    sys.stdout.flush()
    p = subprocess.run(['unshare', '--net', '--mount', '--uts',
                        '--propagation', 'private', '--'] + argv, env=env)
    return p.returncode


def fresh_workdir(suffix, hostname):
    """Inside the private namespace: an empty WORKDIR named after
    $RELAYLOCK_IT_WORKDIR (default build/integration) plus SUFFIX, with the
    namespace set up for HOSTNAME. Returns its path."""
    base = os.path.abspath(os.environ.get('RELAYLOCK_IT_WORKDIR') or
                           os.path.join(REPO, 'build', 'integration'))
    wd = base + suffix
    shutil.rmtree(wd, ignore_errors=True)
    os.makedirs(wd)
    os.chmod(wd, 0o755)
    setup_namespace(hostname, wd)
    return wd


def setup_namespace(hostname, workdir):
    if not in_private_namespace():
        raise HarnessError('setup_namespace outside reexec_in_namespace()')
    run(['ip', 'link', 'set', 'lo', 'up'])
    run(['hostname', hostname])
    short = hostname.split('.')[0]
    hosts = os.path.join(workdir, 'etc-hosts')
    with open(hosts, 'w') as f:
        # PTR answers from files: Sendmail tempfails relay checks when a
        # client's PTR lookup fails, and there is no DNS here.
        f.write('127.0.0.1\t%s %s localhost\n'
                '127.0.0.2\tclient.outside.example\n'
                '127.0.0.10\ttrusted.relaylock.test\n'
                '::1\tlocalhost\n' % (hostname, short))
    os.chmod(hosts, 0o644)
    run(['mount', '--bind', hosts, '/etc/hosts'])
    if socket.gethostname() != hostname:
        raise HarnessError('hostname did not change')


# ---------------------------------------------------------------- SMTP client

class SmtpClient:
    def __init__(self, host, port, source=None, timeout=15):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.settimeout(timeout)
        if source:
            self.sock.bind((source, 0))
        self.sock.connect((host, port))
        self.buf = b''
        self.closed = False
        self.banner = self.reply()

    def _line(self):
        while b'\n' not in self.buf:
            chunk = self.sock.recv(4096)
            if not chunk:
                raise ConnectionError('connection lost')
            self.buf += chunk
            if len(self.buf) > 1 << 20:
                raise ConnectionError('reply too long')
        line, self.buf = self.buf.split(b'\n', 1)
        return line.rstrip(b'\r').decode('utf-8', 'replace')

    def reply(self):
        if self.closed:
            return (0, 'connection lost')
        lines = []
        try:
            for _ in range(1000):
                line = self._line()
                lines.append(line)
                if len(line) < 4 or line[3] != '-':
                    break
            code = int(lines[-1][:3])
        except (ConnectionError, OSError, ValueError) as e:
            self.closed = True
            return (0, 'connection lost: %s' % e)
        return (code, '\n'.join(lines))

    def send(self, data):
        if self.closed:
            return False
        try:
            self.sock.sendall(data)
            return True
        except OSError:
            self.closed = True
            return False

    def cmd(self, line):
        if not self.send(line.encode('utf-8', 'surrogateescape') + b'\r\n'):
            return (0, 'connection lost')
        return self.reply()

    def ehlo(self, name='client.outside.example'):
        return self.cmd('EHLO ' + name)

    def helo(self, name='client.outside.example'):
        return self.cmd('HELO ' + name)

    def mail(self, addr, params=''):
        return self.cmd('MAIL FROM:' + addr + (' ' + params if params else ''))

    def rcpt(self, addr):
        return self.cmd('RCPT TO:' + addr)

    def data(self, body):
        code, text = self.cmd('DATA')
        if code != 354:
            return (code, text)
        lines = body.replace('\r\n', '\n').split('\n')
        out = ''.join(('.' + l if l.startswith('.') else l) + '\r\n'
                      for l in lines)
        if not self.send(out.encode() + b'.\r\n'):
            return (0, 'connection lost')
        return self.reply()

    def auth_plain(self, user, password):
        import base64
        tok = base64.b64encode(b'\0' + user.encode() + b'\0' +
                               password.encode()).decode()
        return self.cmd('AUTH PLAIN ' + tok)

    def rset(self):
        return self.cmd('RSET')

    def quit(self):
        r = self.cmd('QUIT')
        self.close()
        return r

    def close(self):
        self.closed = True
        with contextlib.suppress(OSError):
            self.sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False


def wait_banner(host, port, timeout=10, source=None):
    deadline = time.monotonic() + timeout
    last = 'nothing'
    while time.monotonic() < deadline:
        try:
            c = SmtpClient(host, port, source=source, timeout=3)
            code, text = c.banner
            c.quit()
            if code == 220:
                return text
            last = text
        except OSError as e:
            last = str(e)
        time.sleep(0.05)
    raise HarnessError('no 220 banner on %s:%d within %ss (last: %s)'
                       % (host, port, timeout, last))


def message(token, frm='sender@outside.example', to='rcpt@outside.example'):
    return ('From: %s\nTo: %s\nSubject: relay test %s\n'
            'Message-ID: <%s@relaylock.test>\n\nThis is a relay test, token %s.\n'
            % (frm, to, token, token, token))


# ---------------------------------------------------------------- sinks

def _parse_sink_dump(text):
    msgs = []
    cur = None
    for line in text.split('\n'):
        if line.startswith('X-Client-Addr: '):
            cur = {'client': line[15:], 'mail': None, 'rcpts': [], 'text': ''}
            msgs.append(cur)
        elif cur is not None:
            if line.startswith('X-Mail-Args: ') and cur['mail'] is None:
                cur['mail'] = line[13:]
            elif line.startswith('X-Rcpt-Args: '):
                cur['rcpts'].append(line[13:])
            cur['text'] += line + '\n'
    return msgs


class _CountingSink:
    def count(self):
        return len(self.messages())

    def with_token(self, token):
        return [m for m in self.messages() if token in m['text']]

    def wait_count(self, n, timeout=10):
        wait_until(lambda: self.count() >= n, timeout)
        return self.count()


class SmtpSink(_CountingSink):
    def __init__(self, cleanup, workdir, name, host='127.0.0.1', port=None):
        self.cleanup = cleanup
        self.dir = os.path.join(workdir, 'sink-' + name)
        self.name = name
        self.host = host
        self.port = port or free_port(host)
        self.dump = os.path.join(self.dir, 'messages')
        self.logfile = os.path.join(self.dir, 'smtp-sink.log')
        self.proc = None

    def start(self):
        os.makedirs(self.dir, exist_ok=True)
        os.chmod(self.dir, 0o777)  # smtp-sink -u nobody writes here
        open(self.dump, 'a').close()
        os.chmod(self.dump, 0o666)
        with open(self.logfile, 'ab') as lf:
            self.proc = subprocess.Popen(
                ['smtp-sink', '-u', 'nobody', '-D', self.dump,
                 '%s:%d' % (self.host, self.port), '100'],
                stdout=lf, stderr=lf, stdin=subprocess.DEVNULL)
        self.cleanup.push('smtp-sink ' + self.name, self.stop)
        try:
            wait_banner(self.host, self.port, 10)
        except HarnessError as e:
            raise HarnessError('%s\n%s' % (e, tail(self.logfile)))
        return self

    def stop(self):
        if self.proc:
            stop_pid(self.proc.pid, timeout=5)
            with contextlib.suppress(Exception):
                self.proc.wait(timeout=1)
            self.proc = None

    def messages(self):
        try:
            with open(self.dump, 'r', errors='replace') as f:
                return _parse_sink_dump(f.read())
        except FileNotFoundError:
            return []


class FileSink(_CountingSink):
    SEP = 'X-Relaylock-Hosted-Rcpt: '

    def __init__(self, path):
        self.path = path

    def create(self):
        open(self.path, 'a').close()
        os.chmod(self.path, 0o666)

    def messages(self):
        try:
            with open(self.path, 'r', errors='replace') as f:
                text = f.read()
        except FileNotFoundError:
            return []
        out = []
        for part in text.split('\n' + self.SEP)[0:]:
            if not part.strip():
                continue
            part = part[len(self.SEP):] if part.startswith(self.SEP) else part
            rcpt, _, body = part.partition('\n')
            out.append({'rcpt': rcpt, 'text': body})
        return out


# ---------------------------------------------------------------- relaylock

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
        text = ('# written by tests/integration/harness.py\n'
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


# ---------------------------------------------------------------- Postfix

POSTFIX_MASTER_CF = """\
# written by tests/integration/harness.py
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


class _Mta:
    """What both MTAs share: queue_size(), flush() and logfile come from
    the subclass."""

    def wait_queue_empty(self, timeout=20):
        def empty():
            return self.queue_size() == 0
        if wait_until(empty, 2, 0.05):
            return True
        self.flush()
        return wait_until(empty, timeout, 0.1)

    def log_text(self):
        return tail(self.logfile, 100000)


class Postfix(_Mta):
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
            f.write('# written by tests/integration/harness.py\n')
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



# ---------------------------------------------------------------- Sendmail

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
# written by tests/integration/harness.py: a deliberately OPEN relay
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
define(`confREFUSE_LA', `0')dnl
define(`confQUEUE_LA', `0')dnl
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
DAEMON_OPTIONS(`Family=inet, Addr=127.0.0.1, Port={port}, Name=MTA-milter')dnl
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


class Sendmail(_Mta):
    def __init__(self, cleanup, workdir, outside, hosted_box, milter=None,
                 hosted_domains=('hosted.example',), port=2525,
                 open_port=2526, hostname='mx.relaylock.test', cache=None,
                 open_relay=True, name='sendmail', delivery_mode='background'):
        self.cleanup = cleanup
        self.dir = os.path.join(workdir, name)
        self.open_relay = open_relay
        self.delivery_mode = delivery_mode
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
            f.write('MAILER-DAEMON: postmaster\npostmaster: root\n')
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

