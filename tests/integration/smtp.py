"""smtp.py - the test's SMTP client, the banner wait and a message builder.

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
  wait_banner(host, port, timeout=10, source=None) -> str
      waits for a real "220 " (HarnessError when none comes).
  message(token, frm, to) -> str  a small RFC 5322 message carrying TOKEN in
      Subject and body, for finding it in a sink.
"""

import contextlib
import socket
import time

from procs import HarnessError


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
