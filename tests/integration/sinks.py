"""sinks.py - where relayed and delivered mail lands: the tests count it here.

  SmtpSink(cleanup, workdir, name, host='127.0.0.1', port=None)
      Postfix's smtp-sink (-u nobody -D dump). .start(), .stop(),
      .messages() -> list of dicts {client, mail, rcpts, text},
      .count(), .with_token(tok), .wait_count(n, timeout).
  FileSink(path)  a mailbox file that an MTA's delivery script appends to
      (Sendmail's hosted mailboxes): .create(), .messages() (dicts
      {rcpt, text}), .count(), .with_token(tok), .wait_count(n, timeout).
"""

import contextlib
import os
import subprocess

from procs import HarnessError, free_port, stop_pid, tail, wait_until
from smtp import wait_banner


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
