#!/usr/bin/python3
"""outside_sink.py HOST PORT FILE - the "outside world" inside a deployment
container: an SMTP server that accepts every message and appends one JSON
line per message (client, sender, recipients, and the body's test tokens)
to FILE. The MTA's relayhost / smart host points here, so a line in FILE
is a message that really left the MTA. Sizes and connections are bounded;
it runs until the container stops.
"""
import json
import re
import socketserver
import sys

MAX_LINE = 4096
MAX_DATA = 1 << 20
TOKEN = re.compile(rb'RLTOKEN-[A-Za-z0-9-]+')


class Session(socketserver.StreamRequestHandler):
    timeout = 60

    def reply(self, text):
        self.wfile.write(text.encode() + b'\r\n')

    def handle(self):
        self.reply('220 outside.sink ESMTP')
        sender, rcpts = None, []
        while True:
            line = self.rfile.readline(MAX_LINE)
            if not line:
                return
            cmd = line.strip().decode('latin-1')
            verb = cmd[:4].upper()
            if verb in ('HELO', 'EHLO'):
                self.reply('250 outside.sink')
            elif verb == 'MAIL':
                sender, rcpts = cmd[10:], []
                self.reply('250 ok')
            elif verb == 'RCPT':
                rcpts.append(cmd[8:])
                self.reply('250 ok')
            elif verb == 'DATA':
                self.reply('354 go')
                self.store(sender, rcpts, self.read_data())
                self.reply('250 stored')
            elif verb == 'QUIT':
                self.reply('221 bye')
                return
            else:
                self.reply('250 ok')

    def read_data(self):
        data = b''
        while len(data) < MAX_DATA:
            line = self.rfile.readline(MAX_LINE)
            if not line or line in (b'.\r\n', b'.\n'):
                break
            data += line
        return data

    def store(self, sender, rcpts, data):
        entry = {'client': self.client_address[0], 'from': sender,
                 'rcpts': rcpts,
                 'tokens': sorted(set(t.decode() for t in TOKEN.findall(data)))}
        with open(self.server.store_path, 'a') as f:
            f.write(json.dumps(entry) + '\n')


class Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True
    request_queue_size = 16


def main():
    host, port, path = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    open(path, 'a').close()
    with Server((host, port), Session) as srv:
        srv.store_path = path
        srv.serve_forever()


if __name__ == '__main__':
    main()
