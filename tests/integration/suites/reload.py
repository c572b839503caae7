"""reload.py - SIGUSR1 reloads the policy within an open session, a broken
config keeps the old policy (file:line, exit 78 for -t), and reloads under
parallel load lose no decision.
"""

import re
import subprocess
import threading
import time

from procs import wait_until
from smtp import message
from suites.common import EXT, HOSTED, NEWHOSTED, OUTSIDE_IP


def reload(s):
    rl = s.relaylock
    frm = '<someone@%s>' % EXT
    new_rcpt = '<dave@%s>' % NEWHOSTED
    c = s.client()
    c.mail(frm)
    r = s.rec.rcpt(c, frm, new_rcpt, c.rcpt(new_rcpt), OUTSIDE_IP)
    s.check('reload: %s refused before the reload' % NEWHOSTED,
            500 <= r[0] < 600, r[1])
    rl.write_config(hosted=(HOSTED, NEWHOSTED))
    rl.reload()
    accepted = None
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        time.sleep(0.2)
        c.rset()
        c.mail(frm)
        r = s.rec.rcpt(c, frm, new_rcpt, c.rcpt(new_rcpt), OUTSIDE_IP)
        if r[0] == 250 or c.closed:
            accepted = r
            break
    tok = s.token('reload')
    d = c.data(message(tok, to=new_rcpt))
    c.quit()
    s.check('reload: SIGUSR1 adds %s within the open session'
            % NEWHOSTED, accepted is not None and accepted[0] == 250
            and d[0] == 250,
            'RCPT %s, DATA %d' % (accepted and accepted[0], d[0]))
    hosted_sink_wait(s, tok)
    # A broken config: the old policy stays and the daemon answers.
    # Comments before the error: libconfuse alone would say line 9.
    before = rl.log_text()
    rl.write_config(raw='# a comment\n# another\n\n'
                    'hosted_domains = { "%s" } # hosted\n'
                    'this is = = not a config\n' % HOSTED)
    rl.reload()
    wait_until(lambda: len(rl.log_text()) > len(before)
               and 'relaylock.conf:' in rl.log_text()[len(before):], 5)
    new_log = rl.log_text()[len(before):]
    where = re.search(r'^.*relaylock\.conf:\d+.*$', new_log, re.M)
    s.check('reload: a broken config is reported with file:line 5',
            where is not None and 'relaylock.conf:5:' in where.group(0),
            where.group(0)[:200] if where else new_log[-200:])
    t = subprocess.run([rl.binary, '-t', '-c', rl.conf],
                       capture_output=True, text=True, timeout=30)
    s.check('-t: the same file fails with exit 78 at line 5',
            t.returncode == 78 and 'relaylock.conf:5:' in t.stderr,
            'exit %d: %s' % (t.returncode, t.stderr.strip()[:200]))
    s.check('reload: the daemon survives a broken config',
            rl.alive())
    c = s.client()
    c.mail(frm)
    r1 = s.rec.rcpt(c, frm, new_rcpt, c.rcpt(new_rcpt), OUTSIDE_IP)
    trick = '<nobody%%%s@%s>' % (EXT, HOSTED)
    r2 = s.rec.rcpt(c, frm, trick, c.rcpt(trick), OUTSIDE_IP)
    c.quit()
    s.check('reload: after a broken reload the old policy still '
            'applies', r1[0] == 250 and 500 <= r2[0] < 600,
            'new hosted %d, percent hack %d' % (r1[0], r2[0]))
    rl.write_config(hosted=(HOSTED, NEWHOSTED))


def hosted_sink_wait(s, tok):
    ok = wait_until(lambda: s.hosted_sink.with_token(tok), 10)
    s.check('reload: the message to %s arrives in the hosted sink'
            % NEWHOSTED, bool(ok))


def reload_under_load(s, threads=6, sessions=15):
    """Parallel SMTP sessions while SIGUSR1 swaps the policy again and
    again: every trick refused, every hosted recipient accepted, no 4xx,
    one log line per decision."""
    rl = s.relaylock
    n0 = len(rl.decisions())
    results = []
    lock = threading.Lock()

    def worker(i):
        for j in range(sessions):
            try:
                c = s.client()
                c.mail('<load@%s>' % EXT)
                r1 = c.rcpt('<load%%%s@%s>' % (EXT, HOSTED))
                r2 = c.rcpt('<load%d.%d@%s>' % (i, j, HOSTED))
                c.quit()
            except OSError as e:
                r1 = r2 = (0, str(e))
            with lock:
                results.append((r1[0], r2[0]))
    ts = [threading.Thread(target=worker, args=(i,), daemon=True)
          for i in range(threads)]
    t0 = time.monotonic()
    for t in ts:
        t.start()
    reloads = 0
    variants = ((HOSTED, NEWHOSTED), (HOSTED, NEWHOSTED, 'extra.example'))
    while any(t.is_alive() for t in ts) and time.monotonic() - t0 < 60:
        rl.write_config(hosted=variants[reloads % 2])
        rl.reload()
        reloads += 1
        time.sleep(0.02)
    for t in ts:
        t.join(timeout=5)
    secs = time.monotonic() - t0
    rl.write_config(hosted=(HOSTED, NEWHOSTED))
    tricks_ok = sum(1 for r in results if 500 <= r[0] < 600)
    hosted_ok = sum(1 for r in results if r[1] == 250)
    want = threads * sessions
    s.check('load: %d parallel sessions during reloads: tricks '
            'refused, hosted accepted' % want,
            len(results) == want and tricks_ok == want
            and hosted_ok == want and reloads >= 5 and rl.alive(),
            '%d reloads, %d/%d refused, %d/%d accepted, %.1f s, '
            '%.0f RCPT/s'
            % (reloads, tricks_ok, want, hosted_ok, want, secs,
               2 * want / max(secs, 0.001)))
    lines = rl.wait_decisions(n0 + 2 * want, 5)[n0:]
    s.check('load: one decision line per RCPT',
            len(lines) == 2 * want,
            '%d lines for %d RCPTs' % (len(lines), 2 * want))
