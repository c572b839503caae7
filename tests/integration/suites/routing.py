"""routing.py - forwarding the admin configured is accepted and delivered;
routing the client typed is refused (issue 16).

The run's set-up (routing_sendmail.py, routing_postfix.py) gives the
Context: s.mta (an open MTA whose own tables forward hosted addresses),
s.sinks {'outside': the outside world, 'primary': the internal primary
of a backup-MX domain, 'hosted': the hosted mailboxes}, s.relaylock,
s.legit [(name, rcpt, sink, recipient the sink must show)], s.tricks
[(name, rcpt)], s.own_rules() -> (port, stop) (the MTA's stock relay
rules, no milter) and s.forward_log (names of legit cases the MTA
resolves to an outside address before the milter: their log line must
show that target).

Proofs first (also in --baseline): the open MTA without relaylock delivers
every legitimate case where its tables send it, and its own stock relay
rules accept them too. Then with relaylock: every legitimate case accepted
AND delivered there; every trick refused with 5xx and nothing from it in
any sink.
"""

import time

from procs import wait_until
from relaylock_proc import escape_log_value
from smtp import message
from suites.common import OUTSIDE_IP, REJECT_TEXT_RE

FROM = '<someone@sender.example>'
OUT = 'outside.example'


def trick_table(targets, hosted):
    """Routing typed by the client at each (local part, domain) of TARGETS
    (forwarded names, virtual and backup domains), and at literals."""
    t = []
    for who, dom in targets:
        d = dom.split('.')[0]
        t += [('percent hack at ' + d, '<%s%%%s@%s>' % (who, OUT, dom)),
              ('bang path at ' + d, '<%s!%s@%s>' % (OUT, who, dom)),
              ('source route via ' + d, '<@%s:%s@%s>' % (dom, who, OUT)),
              ('quoted @ at ' + d, '<"%s@%s"@%s>' % (who, OUT, dom)),
              ('escaped @ at ' + d, '<%s\\@%s@%s>' % (who, OUT, dom)),
              ('multi-@ at ' + d, '<%s@%s@%s>' % (who, OUT, dom))]
    return t + [
        ('quoted percent at hosted', '<"fwd%%%s"@%s>' % (OUT, hosted)),
        ('forwarded name at the server literal', '<fwd@[127.0.0.1]>'),
        ('percent hack at the server literal', '<fwd%%%s@[127.0.0.1]>' % OUT),
        ('literal of the internal primary', '<user@[127.0.0.3]>')]


def start_relaylock(s):
    """Start s.relaylock; at the end stop it with SIGKILL after 1 s:
    libmilter takes 5 s to exit after SIGTERM, and the graceful stop is
    lifecycle.py's to test, not this run's."""
    s.relaylock.start()
    s.cl.push('relaylock (quick stop)', lambda: s.relaylock.stop(timeout=1))


def arrived(s, tok):
    """Names of the sinks holding a message with TOK."""
    return [n for n, sink in sorted(s.sinks.items()) if sink.with_token(tok)]


def shows_rcpt(sink, tok, want):
    """WANT (a substring, lower case) is the recipient the sink saw."""
    for m in sink.with_token(tok):
        seen = ' '.join(m.get('rcpts') or [m.get('rcpt') or '']).lower()
        if want in seen:
            return True
    return False


def send_legit(s, port, label, record=False):
    """Every legitimate case through PORT: accepted (RCPT and DATA 250)
    and delivered to its sink only, to the recipient the tables name."""
    sent = []
    c = s.client(port=port)
    for name, rcpt, sink, want in s.legit:
        tok = s.token('legit-' + name)
        if c.closed:
            c = s.client(port=port)
        c.rset()
        m = c.mail(FROM)
        r = c.rcpt(rcpt)
        if record:
            s.rec.rcpt(c, FROM, rcpt, r, OUTSIDE_IP)
        d = c.data(message(tok, to=rcpt)) if r[0] == 250 else (0, 'no DATA')
        sent.append((name, rcpt, sink, want, tok, m, r, d))
    c.quit()
    toks = [x[4] for x in sent if x[7][0] == 250]
    wait_until(lambda: all(arrived(s, t) for t in toks), 20)
    for name, rcpt, sink, want, tok, m, r, d in sent:
        where = arrived(s, tok)
        s.expected_outside.append(tok)
        s.check('%s: %s %s' % (label, name, rcpt),
                m[0] == 250 and r[0] == 250 and d[0] == 250
                and where == [sink] and shows_rcpt(s.sinks[sink], tok, want),
                'MAIL %d, RCPT %s, DATA %d; in sinks %s (want %s, to %s)'
                % (m[0], r[1].replace('\n', ' | ')[:160], d[0],
                   where or 'none', sink, want))


def proof_open(s):
    send_legit(s, s.mta.open_port, 'proof: without relaylock the open MTA '
               'delivers')
    open_tricks(s)


def open_tricks(s):
    """The tricks are real: the open MTA relays some of them outside (the
    others it refuses or keeps itself); with relaylock none may arrive."""
    sent = []
    c = s.client(port=s.mta.open_port)
    for name, rcpt in s.tricks:
        tok = s.token('open-trick')
        if c.closed:
            c = s.client(port=s.mta.open_port)
        c.rset()
        c.mail(FROM)
        if c.rcpt(rcpt)[0] == 250 and c.data(message(tok, to=rcpt))[0] == 250:
            sent.append((name, tok))
            s.expected_outside.append(tok)
    c.quit()
    s.settle()
    relayed = [n for n, t in sent
               if set(arrived(s, t)) & {'outside', 'primary'}]
    s.check('proof: the open MTA relays tricks out (so they are real)',
            len(relayed) >= 3, '%d of %d relayed: %s'
            % (len(relayed), len(s.tricks), ', '.join(relayed)))


def proof_own_rules(s):
    port, stop = s.own_rules()
    send_legit(s, port, 'proof: the MTA\'s own relay rules (not open, no '
               'milter) accept and deliver')
    c = s.client(port=port)
    c.mail(FROM)
    r = c.rcpt('<nobody@outside.example>')
    c.quit()
    s.check('proof: the MTA\'s own relay rules refuse a plain relay',
            500 <= r[0] < 600, r[1].replace('\n', ' | ')[:160])
    stop()


def legit(s):
    send_legit(s, s.mta.port, 'forward accepted and delivered', True)


def tricks(s):
    c = s.client()
    for name, rcpt in s.tricks:
        tok = s.token('trick-' + name)
        s.tokens_trick.append(tok)
        if c.closed:
            c = s.client()
        c.rset()
        m = c.mail(FROM)
        r = s.rec.rcpt(c, FROM, rcpt, c.rcpt(rcpt), OUTSIDE_IP)
        d = c.data(message(tok, to=rcpt))
        by = ('accepted' if r[0] < 400 else 'by relaylock'
              if REJECT_TEXT_RE.search(r[1]) else 'by MTA')
        # relaylock answers 550; the MTA may refuse some itself (5xx).
        refused = r[0] == 550 if by == 'by relaylock' else 500 <= r[0] < 600
        s.check('trick %s %s refused at RCPT' % (name, rcpt),
                refused and d[0] != 250,
                'MAIL %d, RCPT %s (%s), DATA %d'
                % (m[0], r[1].replace('\n', ' | ')[:160], by, d[0]))
    c.quit()


def forward_log(s):
    """The decision log keeps the MTA's resolution of a forward."""
    lines = s.relaylock.decisions()
    for name, rcpt, _sink, want in s.legit:
        d = [x for x in lines if x.get('rcpt') == escape_log_value(rcpt)]
        d = d[-1] if d else {}
        ok = d.get('action') == 'accept' and \
            d.get('resolved') not in (None, '', '-') and \
            d.get('mailer') not in (None, '', '-')
        if name in s.forward_log:
            ok = ok and want in d.get('resolved', '').lower() and \
                d.get('mailer') in ('relay', 'esmtp', 'smtp')
        s.check('log: %s accepted with resolved= and mailer=%s' % (
            name, ' (the forward target)' if name in s.forward_log else ''),
            ok, d.get('line', 'no log line for %s' % rcpt))


def audit(s):
    """Nothing from a trick in any sink; nothing unexpected outside."""
    s.settle()
    time.sleep(0.3)
    for n, sink in sorted(s.sinks.items()):
        msgs = sink.messages()
        bad = [m for m in msgs if any(t in m['text'] for t in s.tokens_trick)]
        odd = [m for m in msgs
               if not any(t in m['text'] for t in s.expected_outside)]
        s.check('%s sink: no message from a trick, none unexpected' % n,
                not bad and not odd, '%d from tricks, %d unexpected, %d in '
                'all' % (len(bad), len(odd), len(msgs)))
    s.stats.update(tricks=len(s.tricks), legit=len(s.legit))
