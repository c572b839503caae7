"""procs.py - processes, waits, clean-up and the private network namespace.

Everything the harness starts is stopped by PID, also on failure: each start
registers its stop with a Cleanup stack, and `Cleanup.close()` (or leaving a
`with Cleanup() as cl:` block, or SIGTERM/SIGINT, which become SystemExit)
stops them in reverse order.

  HarnessError             a program did not come up (a test fails, never skips)
  log(msg), tail(path, n)  harness messages; the last lines of a log
  wait_until(predicate, timeout, interval=0.05) -> bool
  free_port(host='127.0.0.1') -> int
  pid_alive(pid), stop_pid(pid, sig=SIGTERM, timeout=15)
  Cleanup                  stack of stop callbacks; use as a context manager
  run(argv, check=True, timeout=60) -> output (HarnessError on failure)

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
"""

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
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
