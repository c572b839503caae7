"""A Debian 12 booted with systemd as PID 1, for the deployment tests.

    c = Container(root, workdir, name)    root: a cached root (make_roots.sh)
    c.boot()                               overlay on root, systemd-nspawn -b
    c.sh('systemctl is-active relaylock')  -> CompletedProcess (nsenter)
    c.path('/etc/postfix/main.cf')         the file as the host sees it
    c.poweroff()                           systemctl poweroff, then clean up

Every run boots a fresh overlay, so the cached root is never changed. The
container has its own network (--private-network: loopback only), so all
its traffic stays inside it. Only the nspawn process this object started
is ever signalled, by PID.
"""
import os
import shutil
import subprocess
import time


class ContainerError(Exception):
    pass


class Container:
    def __init__(self, root, workdir, name, hostname='mail.relaylock.test'):
        self.root = root
        self.dir = os.path.join(workdir, name)
        self.name = name
        self.hostname = hostname
        self.merged = os.path.join(self.dir, 'merged')
        self.nspawn = None
        self.leader = None

    # ------------------------------------------------------------ life

    def boot(self, timeout=60):
        shutil.rmtree(self.dir, ignore_errors=True)
        for d in ('upper', 'work', 'merged'):
            os.makedirs(os.path.join(self.dir, d))
        subprocess.run(['mount', '-t', 'overlay', 'overlay', '-o',
                        'lowerdir=%s,upperdir=%s/upper,workdir=%s/work'
                        % (self.root, self.dir, self.dir), self.merged],
                       check=True)
        self.write('/etc/hostname', self.hostname + '\n')
        short = self.hostname.split('.')[0]
        self.write('/etc/hosts', '127.0.0.1\t%s %s localhost\n::1\tlocalhost\n'
                   % (self.hostname, short))
        self.console = open(os.path.join(self.dir, 'console.log'), 'w')
        self.nspawn = subprocess.Popen(
            ['systemd-nspawn', '-q', '-D', self.merged, '-M', self.name, '-b',
             '--private-network', '--register=no', '--keep-unit',
             '--console=passive'],
            stdout=self.console, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + timeout
        while self.leader is None:
            self.leader = self._child_of(self.nspawn.pid)
            self._check_alive(deadline)
            time.sleep(0.1)
        while True:
            r = self.sh('systemctl is-system-running', check=False, timeout=10)
            state = r.stdout.strip()
            if state in ('running', 'degraded'):
                return state
            self._check_alive(deadline)
            time.sleep(0.3)

    def poweroff(self, timeout=30):
        try:
            if self.nspawn and self.nspawn.poll() is None and self.leader:
                self.sh('systemctl poweroff', check=False, timeout=10)
                try:
                    self.nspawn.wait(timeout)
                except subprocess.TimeoutExpired:
                    self.nspawn.kill()   # ours, by PID
                    self.nspawn.wait(10)
        finally:
            subprocess.run(['umount', self.merged], check=False)
            if hasattr(self, 'console'):
                self.console.close()

    def _check_alive(self, deadline):
        if self.nspawn.poll() is not None:
            raise ContainerError('systemd-nspawn exited %s: %s' % (
                self.nspawn.returncode, self.console_tail()))
        if time.monotonic() > deadline:
            raise ContainerError('container did not boot: ' + self.console_tail())

    def console_tail(self):
        try:
            with open(os.path.join(self.dir, 'console.log')) as f:
                return f.read()[-2000:]
        except OSError:
            return ''

    @staticmethod
    def _child_of(pid):
        try:
            with open('/proc/%d/task/%d/children' % (pid, pid)) as f:
                kids = f.read().split()
        except OSError:
            return None
        return int(kids[0]) if kids else None

    # ------------------------------------------------------------ use

    def sh(self, command, check=True, timeout=120, input=None):
        """Run COMMAND with /bin/sh inside the container, as root."""
        r = subprocess.run(
            ['nsenter', '-t', str(self.leader), '-m', '-u', '-i', '-n', '-p',
             '-C', '-r', '-w', '/usr/bin/env', '-i',
             'PATH=/usr/sbin:/usr/bin:/sbin:/bin', 'LC_ALL=C.UTF-8',
             '/bin/sh', '-c', command],
            capture_output=True, text=True, timeout=timeout, input=input,
            errors='replace')
        if check and r.returncode != 0:
            raise ContainerError('%r exited %d:\n%s%s' % (
                command, r.returncode, r.stdout[-3000:], r.stderr[-3000:]))
        return r

    def path(self, inside):
        return os.path.join(self.merged, inside.lstrip('/'))

    def write(self, inside, text, mode=0o644):
        p = self.path(inside)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, 'w') as f:
            f.write(text)
        os.chmod(p, mode)

    def read(self, inside):
        with open(self.path(inside), errors='replace') as f:
            return f.read()

    def copy_in(self, host_path, inside, mode=0o644):
        p = self.path(inside)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        shutil.copyfile(host_path, p)
        os.chmod(p, mode)
