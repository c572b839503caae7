#!/usr/bin/env python3
"""sigkill_postfix.py - relaylock SIGKILLed in the middle of SMTP sessions
on a real, deliberately open Postfix: the MTA answers 4xx, no message
reaches the outside sink; after a restart (on the stale socket) relaylock
serves again. Env: RELAYLOCK, RELAYLOCK_IT_WORKDIR. Exit 1 on any failure.
"""

import os
import signal
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                '..', 'integration'))
import harness as h  # noqa: E402

HOSTNAME = 'mx.relaylock.test'
OUTSIDE_IP = '127.0.0.2'
fails = 0


def check(name, ok, detail=''):
    global fails
    print('%s sigkill: %s%s' % ('PASS' if ok else 'FAIL', name,
                                ': ' + str(detail) if detail else ''))
    fails += 0 if ok else 1


def main():
    if not h.in_private_namespace():
        return h.reexec_in_namespace(HOSTNAME)
    wd = h.fresh_workdir('-sigkill', HOSTNAME)
    with h.Cleanup() as cl:
        out = h.SmtpSink(cl, wd, 'outside').start()
        hosted = h.SmtpSink(cl, wd, 'hosted').start()
        rl = h.Relaylock(cl, wd).start()
        pf = h.Postfix(cl, wd, out, hosted, milter=rl.milter,
                       hostname=HOSTNAME).start()
        # Sessions in flight: MAIL accepted, RCPT still to come.
        sessions = []
        for i in range(10):
            c = h.SmtpClient('127.0.0.1', pf.port, source=OUTSIDE_IP)
            c.ehlo()
            m = c.mail('<s%d@outside.example>' % i)
            sessions.append((c, m))
        check('10 sessions open, MAIL accepted',
              all(m[0] == 250 for _, m in sessions))
        os.kill(rl.proc.pid, signal.SIGKILL)
        rl.proc.wait(timeout=10)
        rl.proc = None
        answers = []
        for i, (c, _) in enumerate(sessions):
            r = c.rcpt('<victim%d@third-party.example>' % i)
            d = c.data(h.message('sigkill-%d' % i, to='victim@third-party.example'))
            answers.append((r[0], d[0]))
            c.quit()
        check('in-flight sessions after SIGKILL: RCPT 4xx, no DATA accepted',
              all(400 <= r < 500 and d != 250 for r, d in answers), answers)
        c = h.SmtpClient('127.0.0.1', pf.port, source=OUTSIDE_IP)
        c.ehlo()
        first = c.mail('<late@outside.example>')
        r = c.rcpt('<alice@hosted.example>')
        c.quit()
        check('new session while relaylock is dead: 4xx',
              400 <= first[0] < 500 or 400 <= r[0] < 500, (first, r))
        pf.flush()
        time.sleep(1)
        check('no message reached the outside sink', out.count() == 0, out.count())
        # Restart on the stale socket: it serves again.
        rl.start()
        c = h.SmtpClient('127.0.0.1', pf.port, source=OUTSIDE_IP)
        c.ehlo()
        c.mail('<again@outside.example>')
        ok = c.rcpt('<alice@hosted.example>')
        bad = c.rcpt('<victim%third-party.example@hosted.example>')
        c.quit()
        check('after restart: hosted accepted, percent hack refused',
              ok[0] == 250 and 500 <= bad[0] < 600, (ok, bad))
        check('outside sink still empty', out.count() == 0, out.count())
    return 1 if fails else 0


if __name__ == '__main__':
    sys.exit(main())
