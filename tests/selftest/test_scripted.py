#!/usr/bin/env python3
"""test_scripted.py - relaylock-selftest against scripted SMTP servers.

    SELFTEST=build/relaylock-selftest python3 tests/selftest/test_scripted.py [NAME...]

Each test starts a ScriptedServer on 127.0.0.1 (free port) in this process,
runs the probe, and checks its exit status and report. The --netns tests
run in a private network namespace this script creates (unshare, root).
Every failure is reported; the exit status is 1 if any test failed.
"""

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, HERE)
from scripted_smtpd import ScriptedServer  # noqa: E402

SELFTEST = os.environ.get('SELFTEST')
NS_MARK = 'RELAYLOCK_SELFTEST_NS_CHILD'
TESTS = []
WORK = None


def test(fn):
    TESTS.append(fn)
    return fn


class Fail(Exception):
    pass


def check(cond, msg):
    if not cond:
        raise Fail(msg)


def probe(port, *args, hosted=True, timeout=60, fmt='json', target=None):
    argv = [SELFTEST]
    if hosted:
        argv += ['--hosted', 'hosted.example']
    argv += ['-t', '2', '-T', '60']
    if fmt:
        argv += ['--format', fmt]
    argv += list(args)
    argv.append(target or '127.0.0.1:%d' % port)
    t0 = time.monotonic()
    p = subprocess.run(argv, capture_output=True, text=True, timeout=timeout)
    p.elapsed = time.monotonic() - t0
    p.doc = None
    if fmt == 'json':
        try:
            p.doc = json.loads(p.stdout)
        except ValueError as e:
            raise Fail('invalid JSON (%s): %r %s' % (e, p.stdout[:400], p.stderr[:400]))
    return p


def results(doc, control=None):
    return [r for r in doc['results'] if control is None or r['control'] == control]


def verdicts(doc):
    return {r['name']: r['verdict'] for r in doc['results']}


def expect_exit(p, code):
    check(p.returncode == code, 'exit %d, expected %d\nstdout: %s\nstderr: %s' %
          (p.returncode, code, p.stdout[-1500:], p.stderr[-800:]))


# ---- the case table -------------------------------------------------------

@test
def list_cases():
    p = subprocess.run([SELFTEST, '--list', '--hosted', 'hosted.example'],
                       capture_output=True, text=True, timeout=10)
    expect_exit(p, 0)
    names = re.findall(r'^(\S+)\s+MAIL FROM:', p.stdout, re.M)
    check(len(names) >= 37, 'only %d cases listed' % len(names))
    check(len(set(names)) == len(names), 'duplicate case names')
    for n in names:
        check(re.fullmatch(r'[a-z0-9-]+', n), 'bad case name %r' % n)
    for want in ('plain', 'null-sender', 'percent-hosted', 'percent-server-name',
                 'quoted-hosted', 'multi-at-hosted', 'backslash-at',
                 'source-route-multihop', 'bang-hosted', 'percent-ipv6-literal',
                 'trailing-dot', 'upper-case', 'percent-double',
                 'lookalike-prefix', 'lookalike-suffix', 'control-hosted'):
        check(want in names, 'case %s missing' % want)
    check('<relaytest%example.net@hosted.example>' in p.stdout, 'percent hack not expanded')
    check('{HR}' not in p.stdout and
          re.search(r'(?m)^control-hosted .*RCPT TO:<postmaster@hosted\.example>$', p.stdout),
          'hosted recipient not expanded: %s' % p.stdout[:300])
    check('<relaytest@evilhosted.example>' in p.stdout, 'look-alike not expanded')


@test
def man_page():
    """The man page names every case and every option, and is warning-free."""
    page = os.path.join(HERE, '..', '..', 'man', 'relaylock-selftest.8')
    with open(page) as f:
        text = f.read().replace('\\-', '-')
    p = subprocess.run([SELFTEST, '--list'], capture_output=True, text=True, timeout=10)
    names = re.findall(r'^(\S+)\s+MAIL FROM:', p.stdout, re.M)
    missing = [n for n in names if not re.search(r'(?m)^\.B %s$' % re.escape(n), text)]
    check(not missing, 'cases missing from the man page: %s' % missing)
    h = subprocess.run([SELFTEST, '--help'], capture_output=True, text=True, timeout=10)
    opts = set(re.findall(r'(--[a-z-]+)', h.stdout))
    missing = [o for o in sorted(opts) if o not in text]
    check(len(opts) > 20 and not missing, 'options missing from the man page: %s' % missing)
    check(shutil.which('man'), 'man(1) not found (man-db)')
    w = subprocess.run(['man', '--warnings', '-l', page], capture_output=True, text=True,
                       timeout=30, env=dict(os.environ, MANWIDTH='80'))
    check(w.returncode == 0 and not w.stderr.strip(), 'man warnings: %s' % w.stderr)


@test
def usage_errors():
    for argv in ([], ['--format', 'xml', '127.0.0.1'], ['--only', 'nosuchcase', '-H', 'h.example', '127.0.0.1'],
                 ['127.0.0.1'], ['-H', 'h.example', '127.0.0.1:99999'], ['-H', 'h.example', '-t', '-1', '127.0.0.1'],
                 ['-H', 'h.example', '--auth', 'nocolon', '127.0.0.1']):
        p = subprocess.run([SELFTEST] + argv, capture_output=True, text=True, timeout=10)
        check(p.returncode == 3, '%r: exit %d, expected 3 (UNKNOWN)' % (argv, p.returncode))
        check('relaylock-selftest' in p.stderr, '%r: no message on stderr' % argv)


# ---- verdicts -------------------------------------------------------------

@test
def safe_server_ok():
    with ScriptedServer('safe') as s:
        p = probe(s.port)
        expect_exit(p, 0)
        d = p.doc
        check(d['status'] == 'OK' and d['exit'] == 0, d['summary'])
        cases = results(d, control=False)
        check(len(cases) >= 35, 'only %d cases ran' % len(cases))
        check(all(r['verdict'] == 'CLOSED' for r in cases), verdicts(d))
        ctl = results(d, control=True)
        check([r['verdict'] for r in ctl] == ['PASS'], ctl)
        check(ctl[0]['rcpt_to'] == '<postmaster@hosted.example>', ctl[0])
        # multi-line 550 replies are read whole
        check('\n' in cases[0]['reply'] and cases[0]['dsn'] == '5.7.1', cases[0])
        check(s.sessions == 1, 'one session expected, saw %d' % s.sessions)
        rsets = len(s.commands('RSET'))
        check(rsets >= len(cases) - 1, 'RSET between cases: %d' % rsets)
        check(len(s.commands('EHLO')) == 1 and not s.commands('HELO'), 'EHLO once')
        check(s.pipelined == 0, 'the probe pipelined %d commands' % s.pipelined)
        check(d['target']['port'] == s.port, d['target'])
        check(d['parameters']['server_name'] == 'mx.test.example', 'server name from the banner: %r'
              % d['parameters'])
        rc = {r['name']: r['rcpt_to'] for r in d['results']}
        check(rc['percent-server-name'] == '<relaytest%example.net@mx.test.example>', rc)
        check(any('loopback' in w for w in d['warnings']), 'no loopback warning: %r' % d['warnings'])


@test
def open_server_critical():
    with ScriptedServer('open') as s:
        p = probe(s.port)
        expect_exit(p, 2)
        d = p.doc
        check(d['status'] == 'CRITICAL', d['summary'])
        cases = results(d, control=False)
        check(all(r['verdict'] == 'OPEN' for r in cases), verdicts(d))
        check(d['counts']['open'] == len(cases), d['counts'])
        check(not s.commands('DATA'), 'DATA sent without --data')
        check('percent-hosted' in d['summary'] or 'plain' in d['summary'], d['summary'])


@test
def open_server_data_confirmed():
    with ScriptedServer('open') as s:
        p = probe(s.port, '--data', '--only', 'plain,percent-hosted,lookalike-prefix')
        expect_exit(p, 2)
        v = verdicts(p.doc)
        check(v['plain'] == 'OPEN-CONFIRMED' and v['percent-hosted'] == 'OPEN-CONFIRMED', v)
        check(v['lookalike-prefix'] == 'OPEN', 'no DATA for an unnamed recipient: %r' % v)
        check(len(s.messages) == 2, '%d messages' % len(s.messages))
        for r in results(p.doc, control=False):
            if r['verdict'] != 'OPEN-CONFIRMED':
                continue
            tok = r['token']
            check(tok.startswith('rlst-') and r['name'] in tok, tok)
            msg = [m for m in s.messages if tok in m]
            check(len(msg) == 1, 'token %s not in one message' % tok)
            check(re.search(r'(?m)^Subject: .*' + re.escape(tok), msg[0]), 'Subject lacks token')
            check(re.search(r'(?m)^Message-ID: <' + re.escape(tok) + '@', msg[0]), 'Message-ID lacks token')
        check(p.doc['counts']['open_confirmed'] == 2, p.doc['counts'])


def learnt_senders(server):
    """How often each sender was tried with the hosted control recipient."""
    mail, seen = {}, {}
    with server.lock:
        log = list(server.log)
    for n, line in log:
        if line.upper().startswith('MAIL FROM:'):
            mail[n] = line[10:]
        elif line.upper() == 'RCPT TO:<POSTMASTER@HOSTED.EXAMPLE>':
            seen[mail.get(n)] = seen.get(mail.get(n), 0) + 1
    return seen


@test
def refused_sender_does_not_mask():
    """A refused literal sender (at MAIL, or at RCPT as with Postfix's
    smtpd_delay_reject) must not hide a recipient trick that relays."""
    for behaviour, stage in (('literal-sender-mail', 'MAIL'), ('literal-sender-rcpt', 'RCPT')):
        with ScriptedServer(behaviour) as s:
            p = probe(s.port)
            expect_exit(p, 2)
            r = {x['name']: x for x in p.doc['results']}
            lit = '<relaytest@[127.0.0.1]>'
            sr = r['source-route-literal']
            check(sr['verdict'] == 'OPEN' and sr['mail_from'] == '<relaytest@example.net>'
                  and sr['case_mail_from'] == lit and 'judged with' in sr['note'],
                  '%s: masked: %r' % (behaviour, sr))
            check(r['source-route-server-name']['verdict'] == 'OPEN', r['source-route-server-name'])
            bp = r['bang-path']
            check(bp['verdict'] == 'CLOSED' and bp['stage'] == 'RCPT' and
                  'Relay access denied' in bp['reply'] and bp['case_mail_from'] == lit,
                  '%s: %r' % (behaviour, bp))
            sl = r['sender-server-literal']
            check(sl['verdict'] == 'CLOSED' and sl['stage'] == stage and sl['mail_from'] == lit,
                  'a sender trick keeps its sender: %r' % sl)
            check(not any(x['case_mail_from'] != x['mail_from'] for x in p.doc['results']
                          if '@[' not in x['case_mail_from']), 'sender changed needlessly')
            st = {x['address']: x['state'] for x in p.doc['senders']}
            check(st.get(lit) == 'refused' and st.get('<relaytest@example.net>') == 'accepted',
                  st)
            tries = learnt_senders(s)
            check(all(v == 1 for v in tries.values()) and len(tries) >= 3,
                  'each sender once with the hosted recipient: %r' % tries)
            t = probe(s.port, '--only', 'source-route-literal', fmt=None)
            check(re.search(r'(?m)^source-route-literal\s+OPEN .*judged with '
                            r'<relaytest@example\.net>', t.stdout), t.stdout)


@test
def unresolvable_sender_hosted_fallback():
    """A server that tempfails every sender outside the hosted domain (no
    DNS for it) still gets a verdict: the control and the recipient tricks
    are judged with a sender at the hosted domain, and say so."""
    with ScriptedServer('unresolvable-sender') as s:
        p = probe(s.port)
        expect_exit(p, 0)
        d = p.doc
        ctl = results(d, True)[0]
        check(ctl['verdict'] == 'PASS' and ctl['mail_from'] == '<relaytest@hosted.example>'
              and ctl['case_mail_from'] == '<relaytest@example.net>'
              and 'control judged with' in ctl['note'], ctl)
        pct = {x['name']: x for x in d['results']}['plain']
        check(pct['verdict'] == 'CLOSED' and pct['mail_from'] == '<relaytest@hosted.example>'
              and pct['code'] == 550, pct)
        # a sender trick keeps its sender; refused whatever the recipient
        sl = {x['name']: x for x in d['results']}['sender-long-domain']
        check(sl['verdict'] == 'CLOSED' and sl['code'] == 451 and
              sl['mail_from'] == sl['case_mail_from'] and
              'whatever the recipient' in sl['note'], sl)
        check(d['status'] == 'OK', d['summary'])


@test
def refuse_all_unknown():
    with ScriptedServer('refuse-all') as s:
        p = probe(s.port)
        expect_exit(p, 3)
        d = p.doc
        check(d['status'] == 'UNKNOWN', d['summary'])
        check(results(d, True)[0]['verdict'] == 'FAIL', results(d, True))
        check('control-hosted' in d['summary'], d['summary'])


@test
def tempfail_unknown():
    with ScriptedServer('tempfail') as s:
        p = probe(s.port)
        expect_exit(p, 3)
        check(all(r['verdict'] == 'INCONCLUSIVE' for r in results(p.doc, False)), verdicts(p.doc))


@test
def silent_server_times_out():
    with ScriptedServer('silent') as s:
        p = probe(s.port, '-t', '0.5')
        expect_exit(p, 3)
        check('timeout' in p.doc['summary'], p.doc['summary'])
        check(p.elapsed < 10, 'took %.1f s' % p.elapsed)
        check(s.sessions <= 2, '%d sessions to a dead server' % s.sessions)


@test
def connection_refused():
    with ScriptedServer('safe') as s:
        port = s.port
    p = probe(port)
    expect_exit(p, 3)
    check('connect' in p.doc['summary'], p.doc['summary'])
    check(p.elapsed < 10, 'took %.1f s' % p.elapsed)


@test
def bad_banner_unknown():
    with ScriptedServer('bad-banner') as s:
        p = probe(s.port)
        expect_exit(p, 3)
        check('554' in p.doc['summary'] or 'no SMTP service' in p.doc['summary'], p.doc['summary'])


@test
def long_banner_unknown():
    with ScriptedServer('long-banner') as s:
        p = probe(s.port)
        expect_exit(p, 3)
        check('protocol error' in p.doc['summary'], p.doc['summary'])


@test
def helo_fallback():
    with ScriptedServer('helo-only') as s:
        p = probe(s.port, '--only', 'plain,quoted')
        expect_exit(p, 0)
        check(len(s.commands('EHLO')) == 1 and len(s.commands('HELO')) == 1,
              s.commands('')[:4])


@test
def busy_banner_unknown():
    with ScriptedServer('busy') as s:
        p = probe(s.port)
        expect_exit(p, 3)
        check('421' in p.doc['summary'], p.doc['summary'])
        check(s.sessions <= 2, '%d sessions' % s.sessions)


@test
def flaky_server_reconnects():
    with ScriptedServer('flaky') as s:
        p = probe(s.port)
        expect_exit(p, 0)
        check(s.sessions > 5, 'only %d sessions' % s.sessions)
        check(any(r['attempts'] == 2 for r in p.doc['results']), 'no case was retried')


@test
def garbage_warning():
    with ScriptedServer('garbage') as s:
        p = probe(s.port)
        expect_exit(p, 1)
        d = p.doc
        check(d['status'] == 'WARNING', d['summary'])
        check(results(d, True)[0]['verdict'] == 'PASS', results(d, True))
        check(all(r['verdict'] == 'INCONCLUSIVE' for r in results(d, False)), verdicts(d))
        check('protocol error' in results(d, False)[0]['reply'], results(d, False)[0])


@test
def overlong_reply_warning():
    with ScriptedServer('overlong') as s:
        p = probe(s.port, '--only', 'plain,percent-*')
        expect_exit(p, 1)
        r = results(p.doc, False)[0]
        check(r['verdict'] == 'INCONCLUSIVE' and 'too long' in r['reply'], r)


@test
def hanging_rcpt_timeouts():
    with ScriptedServer('hang-rcpt') as s:
        p = probe(s.port, '-t', '0.3', '--only', 'plain,percent-hosted,bang-path')
        expect_exit(p, 1)
        v = verdicts(p.doc)
        check(v['control-hosted'] == 'PASS', v)
        check(all(v[n] == 'INCONCLUSIVE' for n in ('plain', 'percent-hosted', 'bang-path')), v)
        check('timeout' in results(p.doc, False)[0]['reply'], results(p.doc, False)[0])
        check(p.elapsed < 8, 'took %.1f s' % p.elapsed)


@test
def total_timeout():
    with ScriptedServer('hang-rcpt') as s:
        argv = [SELFTEST, '--hosted', 'hosted.example', '-t', '0.4', '-T', '1.5',
                '--format', 'json', '127.0.0.1:%d' % s.port]
        t0 = time.monotonic()
        p = subprocess.run(argv, capture_output=True, text=True, timeout=30)
        el = time.monotonic() - t0
        expect_exit(p, 1)
        d = json.loads(p.stdout)
        check(el < 5, 'took %.1f s with -T 1.5' % el)
        check(any('total timeout' in r['reply'] for r in d['results']), 'no "total timeout" case')


@test
def delay_between_cases():
    with ScriptedServer('safe') as s:
        p = probe(s.port, '--delay', '0.2', '--only', 'plain,null-sender,percent-hosted')
        expect_exit(p, 0)
        check(p.elapsed >= 0.6, 'delay not applied: %.2f s' % p.elapsed)


@test
def only_and_skip():
    with ScriptedServer('safe') as s:
        p = probe(s.port, '--only', 'percent-*,plain', '--skip', 'percent-double')
        expect_exit(p, 0)
        names = [r['name'] for r in results(p.doc, False)]
        check('plain' in names and 'percent-hosted' in names, names)
        check('percent-double' not in names and 'bang-path' not in names, names)
        check(all(n == 'plain' or n.startswith('percent-') for n in names), names)


def parse_metrics(text):
    """Both parsers node_exporter's users meet: strict OpenMetrics, and the
    Prometheus text format the textfile collector reads. {(name, labels): value}"""
    if '/usr/lib/python3/dist-packages' not in sys.path:
        # Debian's python3-prometheus-client, also when python3 is not Debian's
        sys.path.append('/usr/lib/python3/dist-packages')
    from prometheus_client.openmetrics.parser import text_string_to_metric_families as om
    from prometheus_client.parser import text_string_to_metric_families as prom
    check(text.endswith('# EOF\n'), 'no "# EOF" line')
    out = {}
    for fam in om(text):
        check(fam.type == 'gauge', '%s: type %s' % (fam.name, fam.type))
        for s in fam.samples:
            out[(s.name, tuple(sorted(s.labels.items())))] = s.value
    again = {(s.name, tuple(sorted(s.labels.items()))): s.value
             for fam in prom(text) for s in fam.samples}
    check(again == out, 'the two parsers disagree')
    return out


def metric(m, name, **labels):
    hits = [v for (n, ls), v in m.items() if n == 'relaylock_selftest_' + name
            and all(dict(ls).get(k) == v for k, v in labels.items())]
    check(len(hits) == 1, '%s %r: %d samples' % (name, labels, len(hits)))
    return hits[0]


@test
def openmetrics_format():
    t0 = time.time()
    with ScriptedServer('safe') as s:
        p = probe(s.port, '--only', 'plain,percent-hosted', fmt='openmetrics')
        expect_exit(p, 0)
        m = parse_metrics(p.stdout)
        port = str(s.port)
        check(metric(m, 'exit_code', target='127.0.0.1', port=port) == 0, m)
        check(metric(m, 'status', status='OK') == 1 and metric(m, 'status', status='CRITICAL') == 0, m)
        check(metric(m, 'cases', verdict='CLOSED') == 2 and metric(m, 'cases', verdict='OPEN') == 0, m)
        check(metric(m, 'case_verdict', case='percent-hosted', verdict='CLOSED') == 1, m)
        check(metric(m, 'case_verdict', case='control-hosted', verdict='PASS') == 1, m)
        check(metric(m, 'controls_failed') == 0 and metric(m, 'controls') == 1, m)
        check(0 <= metric(m, 'duration_seconds') < 30, m)
        check(abs(metric(m, 'last_run_timestamp_seconds') - t0) < 30, m)
    with ScriptedServer('open') as s:
        p = probe(s.port, '--only', 'plain', fmt='openmetrics')
        expect_exit(p, 2)
        m = parse_metrics(p.stdout)
        check(metric(m, 'exit_code') == 2 and metric(m, 'status', status='CRITICAL') == 1, m)
        check(metric(m, 'case_verdict', case='plain', verdict='OPEN') == 1, m)
    # nothing resolved: still a valid file, UNKNOWN, labels escaped
    p = probe(0, fmt='openmetrics', target='no"such\\host.invalid')
    expect_exit(p, 3)
    m = parse_metrics(p.stdout)
    check(metric(m, 'exit_code', target='no"such\\host.invalid') == 3, m)


# ---- --catch: proof by arrival -----------------------------------------------

@test
def catch_relayed():
    """What the server delivers to the probe's own listener is RELAYED;
    a message without this run's token is refused."""
    with ScriptedServer('deliver') as s:
        s.deliver_port = h_free_port('127.0.0.2')
        p = probe(s.port, '--catch', '--catch-port', str(s.deliver_port), '--source',
                  '127.0.0.2', '--catch-wait', '10',
                  '--only', 'plain,percent-hosted,bang-path,lookalike-prefix')
        expect_exit(p, 2)
        d = p.doc
        v = verdicts(d)
        check(d['parameters']['outside'] == 'relaytest@[127.0.0.2]', d['parameters'])
        check(v['plain'] == v['percent-hosted'] == v['bang-path'] == 'RELAYED', v)
        check(v['lookalike-prefix'] == 'OPEN', 'no DATA to an unnamed recipient: %r' % v)
        check(d['catch']['address'] == '127.0.0.2:%d' % s.deliver_port, d['catch'])
        for t in list(s.deliveries):
            t.join(12)
        ok = [r for r, code in s.delivered if code == 250]
        check(len(ok) == d['counts']['relayed'] == 3, 'delivered %r, relayed %d'
              % (s.delivered, d['counts']['relayed']))
        check(d['catch']['refused'] == 1 and sum(c == 554 for _, c in s.delivered) == 1,
              'the foreign message: %r %r' % (d['catch'], s.delivered))
        check(p.elapsed < 8, 'did not stop waiting when all arrived: %.1f s' % p.elapsed)


@test
def catch_nothing_arrives():
    """An open server that delivers nothing: OPEN-CONFIRMED, and the wait is bounded."""
    with ScriptedServer('open') as s:
        p = probe(s.port, '--catch', '--catch-port', str(h_free_port('127.0.0.3')),
                  '--source', '127.0.0.3', '--catch-wait', '1.5', '--only', 'plain')
        expect_exit(p, 2)
        check(verdicts(p.doc)['plain'] == 'OPEN-CONFIRMED', verdicts(p.doc))
        check(1.5 <= p.elapsed < 6, 'waited %.1f s for --catch-wait 1.5' % p.elapsed)
        t = probe(s.port, '--catch', '--catch-port', str(h_free_port('127.0.0.3')),
                  '--source', '127.0.0.3', '--catch-wait', '0.5', '--only', 'plain', fmt=None)
        check(re.search(r'(?m)^proof by arrival at 127\.0\.0\.3:\d+ \(0 other messages refused\):$',
                        t.stdout), t.stdout)
    with ScriptedServer('safe') as s:
        # the listener's port is taken: UNKNOWN, said why
        with socket.socket() as busy:
            busy.bind(('127.0.0.3', 0))
            busy.listen(1)
            p = probe(s.port, '--catch', '--catch-port', str(busy.getsockname()[1]),
                      '--source', '127.0.0.3', '--only', 'plain')
        expect_exit(p, 3)
        check('--catch' in p.doc['summary'] and 'bind' in p.doc['summary'], p.doc['summary'])


def catch_talk(port, *lines, host='127.0.0.3', timeout=5):
    """Connect to a --catch listener, send LINES (bytes), return what it said."""
    with socket.create_connection((host, port), timeout=timeout) as c:
        out = c.recv(4096)
        for line in lines:
            try:
                c.sendall(line)
            except OSError:
                break
        try:
            c.shutdown(socket.SHUT_WR)  # the listener may have closed already
            while len(out) < 100000:
                chunk = c.recv(4096)
                if not chunk:
                    break
                out += chunk
        except OSError:
            pass
    return out


@test
def catch_listener_bounds():
    """Hostile senders at the listener: over-long lines, a huge message,
    a message of someone else, too many connections."""
    with ScriptedServer('open') as s:
        port = h_free_port('127.0.0.3')
        proc = subprocess.Popen([SELFTEST, '-H', 'hosted.example', '--catch', '--catch-port',
                                 str(port), '--source', '127.0.0.3', '--catch-wait', '20',
                                 '--only', 'plain', '-f', 'json', '127.0.0.1:%d' % s.port],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            check(h_wait(lambda: s.commands('DATA')), 'the probe never sent DATA')
            out = catch_talk(port, b'EHLO x\r\n' + b'A' * 5000 + b'\r\nNOOP\r\n')
            check(b'500 5.5.2 line too long' in out and out.rstrip().endswith(b'250 2.0.0 Ok'),
                  out[-200:])
            big = b'x' * 998 + b'\r\n'
            out = catch_talk(port, b'HELO x\r\nMAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nDATA\r\n',
                             *([big] * 300 + [b'.\r\nQUIT\r\n']))
            check(b'552 5.3.4' in out and out.rstrip().endswith(b'221 2.0.0 Bye'), out[-200:])
            check(endless_line_cut(port), 'an endless line was read for 3 s')
            out = catch_talk(port, b'HELO x\r\nMAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nDATA\r\n'
                             b'Subject: rlst-0000000000000000-plain\r\n\r\nhi\r\n.\r\nQUIT\r\n')
            check(b'554 5.7.1' in out, 'a forged token was taken: %r' % out[-200:])
            conns = [socket.create_connection(('127.0.0.3', port), timeout=5) for _ in range(12)]
            greeted = 0
            for c in conns:
                c.settimeout(0.5)
                try:
                    greeted += c.recv(100).startswith(b'220 ')
                except OSError:
                    pass
            for c in conns:
                c.close()
            check(greeted == 8, '%d of 12 connections served at once, 8 expected' % greeted)
        finally:
            proc.send_signal(signal.SIGTERM)
            out, err = proc.communicate(timeout=20)
        d = json.loads(out)
        check(d['catch']['refused'] >= 1 and verdicts(d)['plain'] == 'OPEN-CONFIRMED', d['catch'])


def endless_line_cut(port):
    """One line that never ends, sent for up to 3 s: the listener must cut
    it off (at 1 MiB) instead of reading it as long as it comes."""
    with socket.create_connection(('127.0.0.3', port), timeout=1) as c:
        c.sendall(b'HELO x\r\nMAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nDATA\r\n')
        end = time.monotonic() + 3
        try:
            while time.monotonic() < end:
                c.sendall(b'y' * 65536)
        except socket.timeout:
            return False  # still connected, just slow to read
        except OSError:
            return True   # reset: cut off
    return False


def h_wait(pred, timeout=10):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if pred():
            return True
        time.sleep(0.05)
    return False


@test
def literal_outside_address():
    with ScriptedServer('safe') as s:
        p = probe(s.port, '-o', 'relaytest@[203.0.113.2]', '--only', 'plain,percent-hosted')
        expect_exit(p, 0)
        rc = {r['name']: r['rcpt_to'] for r in p.doc['results']}
        check(rc['plain'] == '<relaytest@[203.0.113.2]>' and
              rc['percent-hosted'] == '<relaytest%[203.0.113.2]@hosted.example>', rc)
        p = probe(s.port, '-o', 'relaytest@[IPv6:2001:db8::2]', '--only', 'plain')
        expect_exit(p, 0)
    p = subprocess.run([SELFTEST, '-H', 'h.example', '-o', 'x@[203.0.113]', '127.0.0.1'],
                       capture_output=True, text=True, timeout=10)
    expect_exit(p, 3)


def h_free_port(host):
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


# ---- TLS, AUTH, XCLIENT, vantage --------------------------------------------

def make_cert():
    cert = os.path.join(WORK, 'cert.pem')
    key = os.path.join(WORK, 'key.pem')
    if not os.path.exists(cert):
        subprocess.run(['openssl', 'req', '-x509', '-newkey', 'rsa:2048', '-nodes',
                        '-days', '2', '-subj', '/CN=mx.test.example', '-keyout', key,
                        '-out', cert], check=True, capture_output=True, timeout=60)
    return cert, key


@test
def starttls_when_required():
    cert, key = make_cert()
    with ScriptedServer('starttls', cert, key) as s:
        p = probe(s.port, '--only', 'plain,percent-hosted')
        expect_exit(p, 0)
        check(p.doc['tls'].startswith('TLS'), 'no TLS: %r' % p.doc['tls'])
        check(s.commands('STARTTLS'), 'STARTTLS never sent')
    with ScriptedServer('starttls', cert, key) as s:
        p = probe(s.port, '--starttls', '--only', 'plain')
        expect_exit(p, 0)
        check(p.doc['tls'], 'no TLS with --starttls')
    with ScriptedServer('starttls', cert, key) as s:
        p = probe(s.port, '--tls-verify', '--only', 'plain')
        expect_exit(p, 3)  # self-signed: refused
        check('certificate' in p.doc['summary'], p.doc['summary'])
    with ScriptedServer('starttls', cert, key) as s:
        p = probe(s.port, '--no-starttls', '--only', 'plain')
        expect_exit(p, 3)
    with ScriptedServer('safe') as s:
        p = probe(s.port, '--starttls', '--only', 'plain')
        expect_exit(p, 3)
        check('STARTTLS' in json.dumps(p.doc['results'][0]), p.doc['results'][0])


@test
def auth_control():
    with ScriptedServer('auth') as s:
        p = probe(s.port, '--auth', 'alice:secret', '--only', 'plain,percent-hosted')
        expect_exit(p, 0)
        v = verdicts(p.doc)
        check(v['control-auth'] == 'PASS' and v['control-hosted'] == 'PASS', v)
        check(v['plain'] == 'CLOSED', 'tricks must not run authenticated: %r' % v)
        check(not any('secret' in l for l in s.commands('')), 'password in clear')
    with ScriptedServer('auth') as s:
        p = probe(s.port, '--auth', 'alice:wrong', '--only', 'plain')
        expect_exit(p, 3)
        check(verdicts(p.doc)['control-auth'] == 'FAIL', verdicts(p.doc))
        check('535' in p.doc['summary'], p.doc['summary'])
    with ScriptedServer('auth') as s:
        f = os.path.join(WORK, 'auth')
        with open(f, 'w') as fh:
            fh.write('alice:secret\n')
        p = probe(s.port, '--auth-file', f, '--only', 'plain')
        expect_exit(p, 0)


@test
def xclient_vantage():
    with ScriptedServer('xclient') as s:
        p = probe(s.port, '--only', 'plain,bang-hosted')
        expect_exit(p, 2)  # looks trusted: everything relays
    with ScriptedServer('xclient') as s:
        p = probe(s.port, '--xclient', '192.0.2.9', '--only', 'plain,bang-hosted')
        expect_exit(p, 0)
        xc = s.commands('XCLIENT')
        check(xc and 'ADDR=192.0.2.9' in xc[0], xc)
        check(not any('loopback' in w for w in p.doc['warnings']), p.doc['warnings'])
    with ScriptedServer('safe') as s:
        p = probe(s.port, '--xclient', '192.0.2.9', '--only', 'plain')
        expect_exit(p, 3)
        check('XCLIENT' in json.dumps(p.doc['results'][0]), p.doc['results'][0])


@test
def source_address():
    with ScriptedServer('safe') as s:
        p = probe(s.port, '--source', '127.0.0.2', '--only', 'plain')
        expect_exit(p, 0)
        check(s.peers and all(a == '127.0.0.2' for a in s.peers), s.peers)
        check(p.doc['source'] == '127.0.0.2', p.doc['source'])


@test
def config_file():
    conf = os.path.join(WORK, 'relaylock.conf')
    with open(conf, 'w') as f:
        f.write('hosted_domains = { ".sub.example", "hosted.example" }\n'
                'trusted_networks = { "127.0.0.0/8" }\n'
                'socket = "unix:/nonexistent/relaylock.sock"\n')
    with ScriptedServer('safe') as s:
        p = probe(s.port, '-c', conf, '--only', 'plain', hosted=False)
        expect_exit(p, 0)
        check(p.doc['parameters']['hosted'] == 'hosted.example', p.doc['parameters'])
        check(any('trusted_networks' in w for w in p.doc['warnings']), p.doc['warnings'])
    with open(os.path.join(WORK, 'hosted'), 'w') as f:
        f.write('# hosted domains\n.wild.example\n  hosted.example  # ours\n')
    with open(conf, 'w') as f:
        f.write('hosted_domains_file = "hosted"\ntrusted_networks = { "10.0.0.0/8" }\n')
    with ScriptedServer('safe') as s:
        p = probe(s.port, '-c', conf, '--only', 'plain', hosted=False)
        expect_exit(p, 0)
        check(p.doc['parameters']['hosted'] == 'hosted.example', p.doc['parameters'])
        check(not any('trusted_networks' in w for w in p.doc['warnings']), p.doc['warnings'])
    # hosted_domains_from alone: the hosted name comes from the MTA's own
    # tables (here a Postfix main.cf where "!" takes the first name back)
    pf = os.path.join(WORK, 'postfix')
    os.makedirs(pf, exist_ok=True)
    with open(os.path.join(pf, 'main.cf'), 'w') as f:
        f.write('compatibility_level = 3.6\nmyhostname = mx.example.net\n'
                'mydestination = !gone.example, gone.example, hosted.example\n')
    open(os.path.join(pf, 'master.cf'), 'w').close()
    with open(conf, 'w') as f:
        f.write('hosted_domains_from = { "postfix:%s" }\n'
                'trusted_networks = { "10.0.0.0/8" }\n' % pf)
    with ScriptedServer('safe') as s:
        p = probe(s.port, '-c', conf, '--only', 'plain', hosted=False)
        expect_exit(p, 0)
        check(p.doc['parameters']['hosted'] == 'hosted.example', p.doc['parameters'])
    with open(conf, 'w') as f:
        f.write('hosted_domains = { "hosted.example" }\ntrusted_networks = { "10.0.0.0/8" }\n'
                'bogus_key = 1\n')
    p = subprocess.run([SELFTEST, '-c', conf, '127.0.0.1:1'], capture_output=True, text=True,
                       timeout=10)
    expect_exit(p, 3)
    check('relaylock.conf:' in p.stderr, 'no file:line error: %r' % p.stderr)


# ---- formats --------------------------------------------------------------

@test
def table_streams_each_line():
    """The table shows each case as it is decided, not at the end."""
    import select
    with ScriptedServer('hang-rcpt') as s:
        proc = subprocess.Popen([SELFTEST, '-H', 'hosted.example', '-t', '3', '--only', 'plain',
                                 '127.0.0.1:%d' % s.port], stdout=subprocess.PIPE)
        out, early = b'', False
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and proc.poll() is None:
            if select.select([proc.stdout], [], [], 0.1)[0]:
                out += os.read(proc.stdout.fileno(), 4096)
            if re.search(rb'(?m)^control-hosted\s+PASS', out):
                early = proc.poll() is None
                break
        rest, _ = proc.communicate(timeout=20)
        check(early, 'the control line came only at the end: %r' % (out + rest)[-300:])
        check(re.search(rb'(?m)^plain\s+INCONCLUSIVE', rest), rest[-300:])


@test
def formats():
    with ScriptedServer('safe') as s:
        p = probe(s.port, '--only', 'plain,percent-hosted', fmt='tap')
        expect_exit(p, 0)
        lines = p.stdout.splitlines()
        check(lines[0] == 'TAP version 13' and lines[1] == '1..3', lines[:2])
        check(sum(l.startswith('ok ') for l in lines) == 3, p.stdout)
        check(lines[-1].startswith('# RELAY OK'), lines[-1])
        p = probe(s.port, '--only', 'plain', fmt='nagios')
        expect_exit(p, 0)
        out = p.stdout.strip()
        check('\n' not in out and out.startswith('RELAY OK - '), out)
        check(re.search(r"\| open=0;;0;0;1 .*inconclusive=0;0;;0;1 .*time=[0-9.]+s", out), out)
        p = probe(s.port, '--only', 'plain', fmt=None)
        expect_exit(p, 0)
        check('\033[' not in p.stdout, 'colour on a pipe')
        check(re.search(r'(?m)^plain\s+CLOSED\s+RCPT\s+550 5\.7\.1', p.stdout), p.stdout)
        check('RELAY OK - ' in p.stdout, p.stdout)
    with ScriptedServer('safe') as s:
        # colour only on a terminal
        import pty
        master, slave = pty.openpty()
        proc = subprocess.Popen([SELFTEST, '-H', 'hosted.example', '--only', 'plain',
                                 '127.0.0.1:%d' % s.port], stdout=slave, stderr=slave)
        os.close(slave)
        out = b''
        while True:
            try:
                chunk = os.read(master, 4096)
            except OSError:
                break
            if not chunk:
                break
            out += chunk
        os.close(master)
        check(proc.wait(timeout=30) == 0, 'exit on a tty')
        check(b'\033[32mCLOSED' in out and b'\033[1;32mRELAY OK' in out, out[-400:])
    with ScriptedServer('open') as s:
        p = probe(s.port, '--only', 'plain', fmt='nagios')
        expect_exit(p, 2)
        check(p.stdout.startswith('RELAY CRITICAL - '), p.stdout)
        p = probe(s.port, '--only', 'plain', fmt='tap')
        expect_exit(p, 2)
        check('not ok 2 - plain: OPEN' in p.stdout, p.stdout)


# ---- network namespaces (root; a private namespace of this test) ------------

MX_RECORDS = (
    'mx-host=mx.example,mx2.mx.example,20',   # listed first, preferred second
    'mx-host=mx.example,mx1.mx.example,10',
    'mx-host=mx.example,mx3.mx.example,30',
    'host-record=mx1.mx.example,127.0.0.21',
    'host-record=mx2.mx.example,127.0.0.22,::1',
    'txt-record=mx3.mx.example,"a name without addresses"',
    'host-record=plain.example,127.0.0.23',   # no MX: the domain itself
)


def mx_steps(steps, leftovers):
    """--mx against dnsmasq in this namespace (a private /etc/resolv.conf):
    preference order, A and AAAA, worst status, missing domain, timeout."""
    from dns_server import Dnsmasq, SilentDns, use_resolv_conf
    work = tempfile.mkdtemp(prefix='rlst-mx-')
    subprocess.run(['ip', 'addr', 'add', '::1/128', 'dev', 'lo'], capture_output=True)
    mx_argv = ['--hosted', 'hosted.example', '-t', '2', '-T', '60', '--only',
               'plain,percent-server-literal']
    with Dnsmasq(work, '127.0.0.53', MX_RECORDS), \
            ScriptedServer('safe', host='127.0.0.21', port=25), \
            ScriptedServer('open', host='127.0.0.22', port=25), \
            ScriptedServer('open', host='::1', port=25), \
            ScriptedServer('safe', host='127.0.0.23', port=25):
        use_resolv_conf(work, '127.0.0.53')
        p = run_probe(mx_argv + ['--mx', 'mx.example', '-f', 'json'])
        d = json.loads(p.stdout) if p.stdout.startswith('{') else {}
        got = [(t['target']['host'], t['target']['address'], t['status'])
               for t in d.get('targets', [])]
        want = [('mx1.mx.example', '127.0.0.21', 'OK'), ('mx2.mx.example', '127.0.0.22', 'CRITICAL'),
                ('mx2.mx.example', '::1', 'CRITICAL'), ('mx3.mx.example', '-', 'UNKNOWN')]
        steps.append(('mx-blocks', p.returncode == 2 and d.get('status') == 'CRITICAL' and
                      got == want, '%r %s' % (got, p.stdout[-600:])))
        rc = {t['target']['address']: [r['rcpt_to'] for r in t['results']] for t in d.get('targets', [])}
        steps.append(('mx-literal-of-each-address',
                      '<relaytest%example.net@[IPv6:::1]>' in rc.get('::1', []) and
                      '<relaytest%example.net@[127.0.0.22]>' in rc.get('127.0.0.22', []), rc))
        steps.append(('mx-no-address-reason', 'no A or AAAA record' in
                      (d.get('targets') or [{}])[-1].get('summary', ''), d.get('summary')))
        p = run_probe(mx_argv + ['--mx', 'mx.example', '-f', 'openmetrics'])
        m = parse_metrics(p.stdout)
        steps.append(('mx-openmetrics', p.returncode == 2 and
                      metric(m, 'exit_code', target='mx2.mx.example', address='::1') == 2 and
                      metric(m, 'exit_code', target='mx1.mx.example') == 0 and
                      metric(m, 'exit_code', target='mx3.mx.example') == 3, p.stdout[-600:]))
        p = run_probe(mx_argv + ['--mx', 'mx.example', '-f', 'nagios'])
        steps.append(('mx-nagios', p.returncode == 2 and p.stdout.startswith(
            'RELAY CRITICAL - MX of mx.example, 4 addresses:') and '| open=' in p.stdout, p.stdout))
        p = run_probe(mx_argv + ['--mx', 'mx.example'])
        steps.append(('mx-table', p.returncode == 2 and p.stdout.count('relaylock-selftest ') == 4
                      and p.stdout.rstrip().split('\n')[-1].startswith('RELAY CRITICAL - MX of'),
                      p.stdout[-800:]))
        p = run_probe(['-t', '2', '--only', 'plain', '--mx', 'plain.example', '-f', 'json'])
        d = json.loads(p.stdout)
        steps.append(('mx-implicit', [t['target']['address'] for t in d['targets']] == ['127.0.0.23']
                      and d['targets'][0]['parameters']['hosted'] == 'plain.example', p.stdout[-600:]))
        # the DNS is asked before the namespace; an MX address the link
        # cannot reach is UNKNOWN, never replaced by the link's end
        p = run_probe(mx_argv + ['--mx', 'mx.example', '--netns', 'auto', '-f', 'json'])
        d = json.loads(p.stdout)
        why = [(t['target']['address'], t['summary']) for t in d['targets']]
        steps.append(('mx-netns-unreachable', [a for a, _ in why] ==
                      ['127.0.0.21', '127.0.0.22', '::1', '-'] and
                      all('not reachable from --netns auto' in w for _, w in why[:3]) and
                      not leftovers(), why))
        p = run_probe(mx_argv + ['--mx', 'nosuch.example', '-f', 'json'])
        steps.append(('mx-nxdomain', p.returncode == 3 and 'NXDOMAIN' in p.stdout, p.stdout[-400:]))
    with SilentDns('127.0.0.54'):
        use_resolv_conf(work, '127.0.0.54')
        t0 = time.monotonic()
        p = run_probe(mx_argv + ['--mx', 'mx.example', '-f', 'nagios'])
        steps.append(('mx-timeout', p.returncode == 3 and 'no answer from the DNS' in p.stdout
                      and time.monotonic() - t0 < 10, p.stdout))
    shutil.rmtree(work, ignore_errors=True)


def run_probe(args):
    return subprocess.run([SELFTEST] + args, capture_output=True, text=True, timeout=60)


def netns_child():
    """Runs inside `unshare --net --mount`: its own loopback, nothing leaves."""
    subprocess.run(['ip', 'link', 'set', 'lo', 'up'], check=True)
    subprocess.run(['mount', '--make-rprivate', '/'], check=True)
    subprocess.run(['mount', '-t', 'tmpfs', 'tmpfs', '/run/netns'], check=False)
    failures = 0

    def leftovers():
        ns = subprocess.run(['ip', 'netns', 'list'], capture_output=True, text=True).stdout
        links = subprocess.run(['ip', '-o', 'link'], capture_output=True, text=True).stdout
        return [l for l in (ns + links).splitlines() if 'rlst' in l]

    steps = []
    with ScriptedServer('safe', host='0.0.0.0') as s:
        p = probe(s.port, '--netns', 'auto', '--only', 'plain,percent-hosted')
        steps.append(('auto-ok', p.returncode == 0 and p.doc['source'] == '192.0.2.2' and
                      s.peers == ['192.0.2.2'] and 'namespace' in p.doc['vantage'] and
                      not p.doc['warnings'], p))
        steps.append(('auto-cleanup', not leftovers(), leftovers()))
        p = probe(s.port, '--netns', 'auto', '--netns-addr', '198.51.100.1,198.51.100.2',
                  '--only', 'plain')
        steps.append(('auto-addr', p.returncode == 0 and p.doc['source'] == '198.51.100.2', p))
        # an existing namespace by name
        subprocess.run(['ip', 'netns', 'add', 'rltest'], check=True)
        try:
            subprocess.run(['ip', 'link', 'add', 'rltest-h', 'type', 'veth', 'peer', 'name',
                            'rltest-n', 'netns', 'rltest'], check=True)
            subprocess.run(['ip', 'addr', 'add', '203.0.113.1/24', 'dev', 'rltest-h'], check=True)
            subprocess.run(['ip', 'link', 'set', 'rltest-h', 'up'], check=True)
            subprocess.run(['ip', '-n', 'rltest', 'addr', 'add', '203.0.113.2/24', 'dev',
                            'rltest-n'], check=True)
            subprocess.run(['ip', '-n', 'rltest', 'link', 'set', 'rltest-n', 'up'], check=True)
            p = probe(s.port, '--netns', 'rltest', '--only', 'plain',
                      target='203.0.113.1:%d' % s.port)
            steps.append(('named', p.returncode == 0 and p.doc['source'] == '203.0.113.2', p))
        finally:
            subprocess.run(['ip', 'netns', 'del', 'rltest'])
    # IPv6 target (this namespace's own ::1)
    with ScriptedServer('safe', host='::1') as s:
        p = probe(s.port, '--only', 'plain,percent-ipv6-literal', target='[::1]:%d' % s.port)
        rc = [r['rcpt_to'] for r in (p.doc or {}).get('results', [])]
        steps.append(('ipv6-target', p.returncode == 0 and p.doc['target']['address'] == '::1'
                      and '<relaytest%example.net@[IPv6:::1]>' in rc, p))
    with ScriptedServer('safe', host='::') as s:
        p = probe(s.port, '--netns', 'auto', '--netns-addr', '2001:db8::1,2001:db8::2',
                  '--only', 'plain', target='[::1]:%d' % s.port)
        steps.append(('auto-ipv6', p.returncode == 0 and p.doc['source'] == '2001:db8::2'
                      and p.doc['target']['address'] == '2001:db8::1', p))
        steps.append(('auto-ipv6-cleanup', not leftovers(), leftovers()))
    # --catch: the listener runs in the namespace, at its end of the link
    for host, addrs, outside in (('0.0.0.0', '192.0.2.1,192.0.2.2', 'relaytest@[192.0.2.2]'),
                                 ('::', '2001:db8::1,2001:db8::2',
                                  'relaytest@[IPv6:2001:db8::2]')):
        with ScriptedServer('deliver', host=host) as s:
            s.deliver_port = 2525
            p = probe(s.port, '--netns', 'auto', '--netns-addr', addrs, '--catch',
                      '--catch-port', '2525', '--catch-wait', '10',
                      '--only', 'plain,percent-hosted', target='127.0.0.1:%d' % s.port
                      if host == '0.0.0.0' else '[::1]:%d' % s.port)
            for t in list(s.deliveries):
                t.join(12)
            got = sum(code == 250 for _, code in s.delivered)
            steps.append(('catch-' + host, p.returncode == 2 and p.doc and
                          p.doc['parameters']['outside'] == outside and
                          p.doc['counts']['relayed'] == 2 == got, p))
        steps.append(('catch-cleanup-' + host, not leftovers(), leftovers()))
    mx_steps(steps, leftovers)
    # nothing listens: UNKNOWN, and still cleaned up
    with ScriptedServer('safe') as s:
        port = s.port
    p = probe(port, '--netns', 'auto', '--only', 'plain')
    steps.append(('auto-unreachable', p.returncode == 3 and
                  any('inet_interfaces' in w for w in p.doc['warnings']), p))
    steps.append(('auto-unreachable-cleanup', not leftovers(), leftovers()))
    # SIGTERM in the middle of a run: cleaned up
    with ScriptedServer('hang-rcpt', host='0.0.0.0') as s:
        proc = subprocess.Popen([SELFTEST, '--hosted', 'hosted.example', '-t', '20',
                                 '--netns', 'auto', '--format', 'json',
                                 '127.0.0.1:%d' % s.port], stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE)
        ok = False
        for _ in range(100):
            if leftovers() and s.commands('RCPT'):
                ok = True
                break
            time.sleep(0.05)
        proc.send_signal(signal.SIGTERM)
        try:
            out, _ = proc.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, _ = proc.communicate()
        steps.append(('sigterm-running', ok, 'namespace never seen'))
        steps.append(('sigterm-exit', proc.returncode in (1, 3), proc.returncode))
        steps.append(('sigterm-cleanup', not leftovers(), leftovers()))
    for name, ok, detail in steps:
        if not ok:
            failures += 1
            if isinstance(detail, subprocess.CompletedProcess):
                detail = 'exit %d: %s %s' % (detail.returncode, detail.stdout[-800:],
                                             detail.stderr[-400:])
            print('  netns %s: FAIL %s' % (name, detail))
        else:
            print('  netns %s: ok' % name)
    return 1 if failures else 0


@test
def netns():
    check(os.geteuid() == 0, 'the --netns tests need root')
    check(shutil.which('unshare') and shutil.which('ip'), 'unshare and ip(8) needed')
    env = dict(os.environ, **{NS_MARK: '1', 'SELFTEST': os.path.abspath(SELFTEST)})
    p = subprocess.run(['unshare', '--net', '--mount', sys.executable, os.path.abspath(__file__)],
                       env=env, capture_output=True, text=True, timeout=120)
    sys.stdout.write(p.stdout)
    check(p.returncode == 0, 'netns tests failed: %s %s' % (p.stdout[-1500:], p.stderr[-1500:]))


def main():
    global WORK
    if not SELFTEST or not os.access(SELFTEST, os.X_OK):
        print('test_scripted: set SELFTEST to the relaylock-selftest binary', file=sys.stderr)
        return 1
    if os.environ.get(NS_MARK):
        return netns_child()
    WORK = tempfile.mkdtemp(prefix='rlst-test-')
    want = sys.argv[1:]
    failed = 0
    ran = 0
    t0 = time.monotonic()
    try:
        for fn in TESTS:
            if want and fn.__name__ not in want:
                continue
            ran += 1
            t1 = time.monotonic()
            try:
                fn()
                print('ok %s (%.1f s)' % (fn.__name__, time.monotonic() - t1))
            except Exception as e:  # noqa: BLE001 - report every failure
                failed += 1
                print('FAIL %s: %s' % (fn.__name__, e))
                if not isinstance(e, Fail):
                    traceback.print_exc()
    finally:
        shutil.rmtree(WORK, ignore_errors=True)
    print('selftest scripted: %d tests, %d failed (%.1f s)' % (ran, failed,
          time.monotonic() - t0))
    return 1 if failed or ran == 0 else 0


if __name__ == '__main__':
    sys.exit(main())
