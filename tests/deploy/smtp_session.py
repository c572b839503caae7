#!/usr/bin/python3
"""smtp_session.py SOURCE HOST PORT - one SMTP session inside a deployment
container, driven by JSON on stdin:
    {"helo": NAME, "cases": [{"from": ADDR, "rcpt": ADDR, "data": TOKEN?}]}
Each case is MAIL FROM, RCPT TO and, when "data" is given and RCPT was
accepted, a message carrying the token; then RSET. Prints a JSON list of
{"rcpt", "mail": CODE, "code": CODE, "reply": TEXT, "sent": BOOL}.
Binding to SOURCE makes the client an outsider (not 127.0.0.1).
"""
import json
import smtplib
import sys


def main():
    source, host, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
    job = json.load(sys.stdin)
    s = smtplib.SMTP(timeout=30, source_address=(source, 0))
    s.connect(host, port)
    s.ehlo(job.get('helo', 'client.outside.example'))
    out = []
    for case in job['cases']:
        mail = s.docmd('MAIL FROM:<%s>' % case['from'])
        code, text = s.docmd('RCPT TO:<%s>' % case['rcpt'])
        sent = False
        if code < 300 and case.get('data'):
            msg = ('Subject: relaylock deploy test\r\n\r\n%s\r\n' % case['data'])
            dcode, _ = s.docmd('DATA')
            if dcode == 354:
                s.send(msg.encode() + b'.\r\n')
                dcode, _ = s.getreply()
                sent = dcode < 300
        out.append({'rcpt': case['rcpt'], 'mail': mail[0], 'code': code,
                    'reply': text.decode('latin-1'), 'sent': sent})
        s.docmd('RSET')
    s.quit()
    print(json.dumps(out))


if __name__ == '__main__':
    main()
