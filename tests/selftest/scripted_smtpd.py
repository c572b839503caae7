"""scripted_smtpd.py - a small scripted SMTP server for relaylock-selftest's
tests. Standard library only; listens on 127.0.0.1 (a free port unless
port= is given) in a thread
of the test process, so nothing outlives the test.

Behaviours (ScriptedServer(behaviour=...)):
  safe        refuses every trick with 550, accepts plain hosted mailboxes
              (multi-line EHLO and multi-line 550 replies)
  open        accepts every MAIL, RCPT and DATA
  refuse-all  550 to every RCPT, hosted included
  tempfail    451 to every MAIL
  silent      accepts the connection and never says anything
  flaky       like safe, but says 421 and closes after 3 transactions, and
              every 4th session drops at its second MAIL FROM
  garbage     like safe, but answers non-hosted RCPT with garbage
  overlong    like safe, but answers non-hosted RCPT with a 64 KiB line
  hang-rcpt   like safe, but never answers non-hosted RCPT
  helo-only   like safe, but answers EHLO with 502 (an RFC 821 server)
  busy        a 421 banner, then closes
  bad-banner  a 554 banner
  long-banner a banner of 200 lines
  starttls    like safe, but MAIL before STARTTLS gets 530 5.7.0
  auth        like safe; AUTH PLAIN/LOGIN (alice:secret) may relay
  xclient     offers XCLIENT; before XCLIENT the client is "trusted" (open),
              after XCLIENT ADDR=... it is like safe
  literal-sender-mail  like safe, but refuses address-literal senders at
              MAIL, and relays source routes (<@hop:user@dest>)
  literal-sender-rcpt  the same, but refuses literal senders at each RCPT
              (Postfix's smtpd_delay_reject = yes)
  unresolvable-sender  like safe, but answers 451 at each RCPT when the
              sender is at or under example.net (Debian's Sendmail when it cannot
              resolve the sender's domain)
  deliver     like open, and each accepted message is delivered on (a
              thread, smtplib) to the address literal in its recipient, port
              .deliver_port; before the first one, a message without a token
              goes there too. .delivered: [(rcpt, code)], code 0 = failed
Every session's commands are kept in .log (list of (session, line)), and
DATA bodies in .messages.
"""

import base64
import re
import socket
import ssl
import threading

HOSTED = 'hosted.example'
PLAIN_HOSTED = re.compile(r'^<[a-z0-9._-]+@' + re.escape(HOSTED) + r'>$')


class ScriptedServer:
    def __init__(self, behaviour, certfile=None, keyfile=None, host='127.0.0.1', port=0):
        self.behaviour = behaviour
        fam = socket.AF_INET6 if ':' in host else socket.AF_INET
        self.sock = socket.socket(fam, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((host, port))
        self.sock.listen(16)
        self.sock.settimeout(0.1)
        self.port = self.sock.getsockname()[1]
        self.log = []
        self.messages = []
        self.sessions = 0
        self.peers = []
        self.pipelined = 0
        self.lock = threading.Lock()
        self.stopping = False
        self.conns = []
        self.tls_ctx = None
        self.deliver_port = None
        self.delivered = []
        self.deliveries = []
        if certfile:
            self.tls_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            self.tls_ctx.load_cert_chain(certfile, keyfile)
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()

    def stop(self):
        self.stopping = True
        try:
            self.sock.close()
        except OSError:
            pass
        with self.lock:
            for c in self.conns:
                try:
                    c.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                try:
                    c.close()
                except OSError:
                    pass
        self.thread.join(5)
        for t in list(self.deliveries):
            t.join(12)

    def deliver(self, rcpt, body):
        m = re.search(r'\[(?:IPv6:)?([0-9a-fA-F.:]+)\]', rcpt)
        if not m:
            return
        first = not self.deliveries
        t = threading.Thread(target=self._deliver, args=(m.group(1), rcpt, body, first),
                             daemon=True)
        self.deliveries.append(t)
        t.start()

    def _deliver(self, ip, rcpt, body, foreign):
        import smtplib
        msgs = ['Subject: not a probe message\r\n\r\nno token here\r\n'] if foreign else []
        for text in msgs + [body.replace('\n', '\r\n') + '\r\n']:
            try:
                with smtplib.SMTP(ip, self.deliver_port, timeout=5) as c:
                    c.sendmail('relay@scripted.example', [rcpt.strip('<>')], text)
                    code = 250
            except smtplib.SMTPResponseException as e:
                code = e.smtp_code
            except (smtplib.SMTPException, OSError):
                code = 0
            except Exception:  # noqa: BLE001 - smtplib raises per-recipient dicts
                code = 0
            with self.lock:
                self.delivered.append((rcpt, code))

    def commands(self, prefix=''):
        with self.lock:
            return [l for _, l in self.log if l.upper().startswith(prefix.upper())]

    def _accept(self):
        while not self.stopping:
            try:
                conn, peer = self.sock.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            conn.settimeout(None)
            with self.lock:
                self.sessions += 1
                self.peers.append(peer[0])
                n = self.sessions
                self.conns.append(conn)
            threading.Thread(target=self._serve, args=(conn, n), daemon=True).start()

    def _serve(self, conn, n):
        try:
            conn.settimeout(30)
            Session(self, conn, n).run()
        except (OSError, ValueError, ssl.SSLError):
            pass
        finally:
            try:
                conn.close()
            except OSError:
                pass


class Session:
    def __init__(self, server, conn, n):
        self.srv = server
        self.b = server.behaviour
        self.conn = conn
        self.n = n
        self.buf = b''
        self.tls = False
        self.authed = False
        self.xclient = False
        self.txns = 0
        self.mail = None
        self.rcpts = []
        self.in_data = False

    def send(self, data):
        if isinstance(data, str):
            data = data.encode()
        self.conn.sendall(data)

    def line(self):
        while b'\n' not in self.buf:
            chunk = self.conn.recv(4096)
            if not chunk:
                return None
            self.buf += chunk
            if len(self.buf) > 100000:
                return None
        l, self.buf = self.buf.split(b'\n', 1)
        if self.buf and not self.in_data:
            # the client sent more before our reply: pipelining
            with self.srv.lock:
                self.srv.pipelined += 1
        return l.rstrip(b'\r').decode('latin-1')

    def reply(self, code, *lines):
        lines = lines or ('ok',)
        out = ''
        for i, t in enumerate(lines):
            sep = ' ' if i == len(lines) - 1 else '-'
            out += '%d%s%s\r\n' % (code, sep, t)
        self.send(out)

    def trusted(self):
        return self.b == 'xclient' and not self.xclient

    def run(self):
        b = self.b
        if b == 'silent':
            while self.line() is not None:
                pass
            return
        if b == 'busy':
            self.reply(421, 'mx.test.example too busy, try later')
            return
        if b == 'bad-banner':
            self.reply(554, 'mx.test.example no SMTP service here')
            self.line()
            return
        if b == 'long-banner':
            self.send(''.join('220-mx.test.example line %d\r\n' % i for i in range(200)))
            self.send('220 mx.test.example\r\n')
        else:
            self.reply(220, 'mx.test.example ESMTP scripted')
        while True:
            l = self.line()
            if l is None:
                return
            with self.srv.lock:
                self.srv.log.append((self.n, l))
            verb = l.split(' ', 1)[0].upper()
            arg = l[len(verb):].strip()
            if verb == 'EHLO' and b == 'helo-only':
                self.reply(502, '5.5.2 Error: command not recognized')
            elif verb == 'EHLO':
                caps = ['mx.test.example greets you', 'PIPELINING', 'SIZE 10240000',
                        '8BITMIME']
                if b == 'starttls' and not self.tls:
                    caps.append('STARTTLS')
                if b == 'auth':
                    caps.append('AUTH LOGIN PLAIN')
                if b == 'xclient' and not self.xclient:
                    caps.append('XCLIENT NAME ADDR PROTO HELO')
                caps.append('ENHANCEDSTATUSCODES')
                self.reply(250, *caps)
            elif verb == 'HELO':
                self.reply(250, 'mx.test.example')
            elif verb == 'STARTTLS' and b == 'starttls' and self.srv.tls_ctx:
                self.reply(220, '2.0.0 Ready to start TLS')
                self.conn = self.srv.tls_ctx.wrap_socket(self.conn, server_side=True)
                self.tls = True
                self.buf = b''
            elif verb == 'XCLIENT' and b == 'xclient':
                self.xclient = True
                self.reply(220, 'mx.test.example ESMTP scripted')
            elif verb == 'AUTH' and b == 'auth':
                self.auth(arg)
            elif verb == 'MAIL':
                self.txns += 1
                if b == 'flaky' and self.txns > 3:
                    self.reply(421, '4.7.0 mx.test.example too many transactions')
                    return
                if b == 'flaky' and self.n % 4 == 0 and self.txns == 2:
                    return
                if b == 'tempfail':
                    self.reply(451, '4.3.0 try again later')
                    continue
                if b == 'starttls' and not self.tls:
                    self.reply(530, '5.7.0 Must issue a STARTTLS command first')
                    continue
                if b == 'literal-sender-mail' and '@[' in arg:
                    self.reply(550, '5.7.1 %s: Sender address rejected: no literals' % arg[5:])
                    continue
                self.mail = arg
                self.rcpts = []
                self.reply(250, '2.1.0 Ok')
            elif verb == 'RCPT':
                self.rcpt(arg)
            elif verb == 'DATA':
                self.reply(354, 'End data with <CR><LF>.<CR><LF>')
                self.in_data = True
                body = []
                while True:
                    d = self.line()
                    if d is None:
                        return
                    if d == '.':
                        self.in_data = False
                        break
                    body.append(d)
                with self.srv.lock:
                    self.srv.messages.append('\n'.join(body))
                self.reply(250, '2.0.0 Ok: queued as SCRIPTED')
                if b == 'deliver':
                    for rcpt in self.rcpts:
                        self.srv.deliver(rcpt, '\n'.join(body))
            elif verb == 'RSET':
                self.mail = None
                self.reply(250, '2.0.0 Ok')
            elif verb == 'NOOP':
                self.reply(250, '2.0.0 Ok')
            elif verb == 'QUIT':
                self.reply(221, '2.0.0 Bye')
                return
            else:
                self.reply(502, '5.5.2 Error: command not recognized')

    def auth(self, arg):
        parts = arg.split()
        mech = parts[0].upper() if parts else ''
        if mech == 'PLAIN' and len(parts) == 2:
            raw = base64.b64decode(parts[1])
            ok = raw.split(b'\0')[1:] == [b'alice', b'secret']
        elif mech == 'LOGIN':
            self.reply(334, 'VXNlcm5hbWU6')
            u = base64.b64decode(self.line() or '')
            self.reply(334, 'UGFzc3dvcmQ6')
            p = base64.b64decode(self.line() or '')
            ok = (u, p) == (b'alice', b'secret')
        else:
            self.reply(504, '5.5.4 unsupported mechanism')
            return
        if ok:
            self.authed = True
            self.reply(235, '2.7.0 Authentication successful')
        else:
            self.reply(535, '5.7.8 Error: authentication failed')

    def rcpt(self, arg):
        b = self.b
        m = re.match(r'(?i)^TO:(.*)$', arg)
        addr = m.group(1) if m else ''
        hosted = bool(PLAIN_HOSTED.match(addr))
        if self.mail is None:
            self.reply(503, '5.5.1 Error: need MAIL command')
        elif b in ('open', 'deliver') or self.authed or self.trusted():
            self.rcpts.append(addr)
            self.reply(250, '2.1.5 Ok')
        elif b == 'literal-sender-rcpt' and '@[' in self.mail:
            self.reply(554, '5.7.1 %s: Sender address rejected: no literals' % self.mail[5:])
        elif b == 'unresolvable-sender' and re.search(r'[@.]example\.net>$', self.mail.lower()):
            self.reply(451, '4.1.8 Domain of sender address %s does not resolve'
                       % self.mail[5:])
        elif b.startswith('literal-sender-') and addr.startswith('<@'):
            self.reply(250, '2.1.5 Ok')  # relays source routes
        elif b == 'refuse-all':
            self.reply(550, '5.7.1 everything refused')
        elif hosted:
            self.reply(250, '2.1.5 Ok')
        elif b == 'garbage':
            self.send('hello? \x00\x01\x02 this is not SMTP\r\n')
        elif b == 'overlong':
            self.send('550 ' + 'x' * 65536 + '\r\n')
        elif b == 'hang-rcpt':
            pass
        else:
            self.reply(550, '5.7.1 %s: Relay access denied' % addr,
                       '5.7.1 see https://relay.test.example/policy')
