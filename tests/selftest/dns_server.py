"""dns_server.py - DNS for relaylock-selftest's --mx tests, inside the
test's own network and mount namespace (never the system's DNS):

  Dnsmasq(workdir, address, records)  Debian's dnsmasq on ADDRESS:53,
      authoritative for .example only (local=/example/: any other name
      there is NXDOMAIN), no upstream, records given as dnsmasq options
      ("mx-host=...", "host-record=...", "txt-record=...").
      .start(), .stop() (by PID).
  SilentDns(address)  a UDP socket on ADDRESS:53 that reads queries and
      never answers: a resolver's timeout.
  use_resolv_conf(workdir, nameserver)  bind-mounts a resolv.conf naming
      only NAMESERVER (timeout 1 s, 1 attempt) over /etc/resolv.conf; the
      caller must be in a private mount namespace.
"""

import os
import shutil
import socket
import subprocess
import time


class Dnsmasq:
    def __init__(self, workdir, address, records):
        self.dir = os.path.join(workdir, 'dnsmasq')
        self.address = address
        self.records = list(records)
        self.proc = None

    def start(self):
        binary = shutil.which('dnsmasq') or '/usr/sbin/dnsmasq'
        if not os.access(binary, os.X_OK):
            raise RuntimeError('dnsmasq not found (Debian package dnsmasq-base; make deps)')
        os.makedirs(self.dir, exist_ok=True)
        conf = os.path.join(self.dir, 'dnsmasq.conf')
        with open(conf, 'w') as f:
            f.write('no-resolv\nno-hosts\nno-poll\nbind-interfaces\n'
                    'listen-address=%s\nport=53\nlocal=/example/\nlog-queries\n'
                    % self.address)
            f.write(''.join(r + '\n' for r in self.records))
        self.log = os.path.join(self.dir, 'dnsmasq.log')
        with open(self.log, 'wb') as lf:
            self.proc = subprocess.Popen(
                [binary, '--keep-in-foreground', '--conf-file=' + conf, '--pid-file=',
                 '--user=root', '--log-facility=-'], stdout=lf, stderr=lf,
                stdin=subprocess.DEVNULL)
        for _ in range(100):  # bounded: 5 s
            if self.proc.poll() is not None:
                break
            if self._answers():
                return self
            time.sleep(0.05)
        self.stop()
        with open(self.log, errors='replace') as f:
            raise RuntimeError('dnsmasq did not start: %s' % f.read()[-1500:])

    def _answers(self):
        # a minimal query for "example" SOA; any reply means it is up
        q = b'\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x07example\x00\x00\x06\x00\x01'
        with socket.socket(socket.AF_INET6 if ':' in self.address else socket.AF_INET,
                           socket.SOCK_DGRAM) as s:
            s.settimeout(0.2)
            try:
                s.sendto(q, (self.address, 53))
                return s.recv(512)[:2] == b'\x12\x34'
            except OSError:
                return False

    def stop(self):
        if self.proc is not None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
            self.proc = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


class SilentDns:
    def __init__(self, address):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind((address, 53))

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.sock.close()


def use_resolv_conf(workdir, nameserver):
    path = os.path.join(workdir, 'resolv.conf-' + nameserver)
    with open(path, 'w') as f:
        f.write('nameserver %s\noptions timeout:1 attempts:1\n' % nameserver)
    subprocess.run(['mount', '--bind', path, '/etc/resolv.conf'], check=True)
