#!/usr/bin/env python3
"""test_postfix.py - relaylock-selftest against a real Postfix (root).

    SELFTEST=... RELAYLOCK=... python3 tests/selftest/test_postfix.py

Uses tests/integration/harness.py: an isolated Postfix (never the system
one) in a private network namespace, smtp-sinks for the outside world and
the hosted domain, and relaylock as its milter.
  1. the open listener (no milter): CRITICAL, and every case the probe
     calls OPEN is one a plain SMTP client also gets accepted, and every
     CLOSED one is refused; with --data the token reaches the outside sink;
  2. the protected listener (relaylock): OK, controls (hosted, AUTH) pass,
     nothing reaches the outside sink; also through XCLIENT and -c;
  3. relaylock stopped (Postfix answers 4xx): UNKNOWN or WARNING, never OK.
Prints each probe's summary line; exit 1 on any failure.
"""

import json
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.join(HERE, '..', 'integration'))
import harness as h  # noqa: E402

HOSTNAME = 'mx.relaylock.test'
HOSTED = 'hosted.example'
OUTSIDE_IP = '127.0.0.2'
SASL_USER, SASL_PASS = 'alice', 'selftest-secret'
SELFTEST = os.environ.get('SELFTEST')

failures = []
passes = 0


def check(name, ok, detail=''):
    global passes
    detail = str(detail) if detail else ''
    if ok:
        passes += 1
        print('PASS %s%s' % (name, (': ' + detail) if detail and len(detail) < 200 else ''))
    else:
        failures.append(name)
        print('FAIL %s%s' % (name, (': ' + detail[:3000]) if detail else ''))
    sys.stdout.flush()
    return ok


def probe(port, *args, source=OUTSIDE_IP, outside='relaytest@outside.example',
          target=''):
    """Run the probe on 127.0.0.1:PORT (or TARGET; None: no target)."""
    argv = [SELFTEST, '--hosted', HOSTED, '--format', 'json', '-t', '10', '-T', '120']
    if outside:
        argv += ['--outside', outside]
    if source:
        argv += ['--source', source]
    argv += list(args)
    if target is not None:
        argv.append(target or '127.0.0.1:%d' % port)
    t0 = time.monotonic()
    p = subprocess.run(argv, capture_output=True, text=True, timeout=180)
    el = time.monotonic() - t0
    try:
        doc = json.loads(p.stdout)
    except ValueError:
        doc = None
    if doc:
        print('  summary: RELAY %s  [exit %d, %.1f s]' % (doc['summary'], p.returncode, el))
    else:
        print('  no JSON: exit %d %s %s' % (p.returncode, p.stdout[-500:], p.stderr[-500:]))
    return p, doc


def cross_check(port, doc):
    """Replay every case with the harness's own SMTP client: the probe's
    verdict must match what the server answers to that RCPT."""
    wrong = []
    c = h.SmtpClient('127.0.0.1', port, source=OUTSIDE_IP)
    c.ehlo('crosscheck.outside.example')
    for r in doc['results']:
        if r['control']:
            continue
        c.rset()
        m = c.mail(r['mail_from'])
        code = c.rcpt(r['rcpt_to'])[0] if m[0] == 250 else m[0]
        accepted = 200 <= code < 300
        if accepted != (r['verdict'] in ('OPEN', 'OPEN-CONFIRMED')):
            wrong.append('%s: probe %s, server %d' % (r['name'], r['verdict'], code))
    c.quit()
    return wrong


def down(pf):
    p, doc = probe(pf.port)
    check('milter down: UNKNOWN or WARNING, never OK',
          doc and p.returncode in (1, 3) and doc['status'] in ('UNKNOWN', 'WARNING'),
          p.stdout[-1500:])
    check('milter down: no case OPEN',
          doc and all(r['verdict'] not in ('OPEN', 'OPEN-CONFIRMED') for r in doc['results']))


def namespace_workdir(sub):
    """The scratch directory SUB, inside the private namespace set up."""
    workdir = os.path.abspath(os.path.join(
        os.environ.get('RELAYLOCK_IT_WORKDIR') or os.path.join(h.REPO, 'build', 'integration'),
        sub))
    os.makedirs(workdir, exist_ok=True)
    os.chmod(workdir, 0o755)
    h.setup_namespace(HOSTNAME, workdir)
    return workdir


def inside():
    workdir = namespace_workdir('selftest')
    with h.Cleanup() as cl:
        outside = h.SmtpSink(cl, workdir, 'outside').start()
        hosted = h.SmtpSink(cl, workdir, 'hosted').start()
        rl = h.Relaylock(cl, workdir, hosted=(HOSTED,), trusted=('127.0.0.10/32',))
        rl.write_config()
        pf = h.Postfix(cl, workdir, outside, hosted, milter=rl.milter,
                       hosted_domains=(HOSTED,), sasl_users={SASL_USER: SASL_PASS},
                       hostname=HOSTNAME)
        pf.start()

        print('== open Postfix (no milter), port %d' % pf.open_port)
        p, doc = probe(pf.open_port)
        if check('open: CRITICAL, exit 2', doc and p.returncode == 2 and
                 doc['status'] == 'CRITICAL', p.stdout[-1500:] + p.stderr[-500:]):
            opened = [r['name'] for r in doc['results'] if r['verdict'] == 'OPEN']
            check('open: the plain relay and tricks are flagged',
                  'plain' in opened and len(opened) >= 20,
                  '%d open: %s' % (len(opened), ' '.join(opened)))
            check('open: hosted control passes',
                  doc['results'][0]['verdict'] == 'PASS', doc['results'][0])
            wrong = cross_check(pf.open_port, doc)
            check('open: every accepted case flagged, no refused case flagged',
                  not wrong, '; '.join(wrong))
            closed = [r['name'] for r in doc['results'] if r['verdict'] == 'CLOSED']
            print('  Postfix itself refuses: %s' % (' '.join(closed) or '-'))
        before = outside.count()
        p, doc = probe(pf.open_port, '--data', '--only', 'plain,percent-server-literal')
        ok = doc and p.returncode == 2
        toks = [r['token'] for r in (doc or {}).get('results', [])
                if r['verdict'] == 'OPEN-CONFIRMED']
        check('open --data: OPEN-CONFIRMED', ok and len(toks) == 2, p.stdout[-1500:])
        pf.flush()
        outside.wait_count(before + len(toks), 20)
        arrived = [t for t in toks if outside.with_token(t)]
        check('open --data: the tokens arrive in the outside sink',
              toks and len(arrived) == len(toks), '%d of %d' % (len(arrived), len(toks)))

        print('== relaylock not running yet (milter_default_action = tempfail)')
        down(pf)

        print('== Postfix protected by relaylock, port %d' % pf.port)
        rl.start()
        before = outside.count()
        p, doc = probe(pf.port, '--auth', '%s:%s' % (SASL_USER, SASL_PASS))
        if check('protected: OK, exit 0', doc and p.returncode == 0 and doc['status'] == 'OK',
                 p.stdout[-2500:] + p.stderr[-500:]):
            ctl = {r['name']: r['verdict'] for r in doc['results'] if r['control']}
            check('protected: controls pass (hosted, AUTH)',
                  ctl == {'control-hosted': 'PASS', 'control-auth': 'PASS'}, ctl)
            check('protected: every case closed with 5xx',
                  all(r['verdict'] == 'CLOSED' and 500 <= r['code'] < 600
                      for r in doc['results'] if not r['control']))
            check('protected: at least 35 cases', doc['counts']['cases'] >= 35,
                  doc['counts'])
            check('protected: the client seen is 127.0.0.2, no vantage warning',
                  doc['source'] == OUTSIDE_IP and not doc['warnings'], doc['warnings'])
            wrong = cross_check(pf.port, doc)
            check('protected: cross-check with a plain SMTP client', not wrong,
                  '; '.join(wrong))
        dec = rl.decisions()
        rejects = [d for d in dec if d.get('action') == 'reject']
        check('protected: relaylock logged the rejections', len(rejects) >= 30,
              '%d rejects' % len(rejects))
        pf.flush()
        time.sleep(0.5)
        check('protected: nothing reached the outside sink',
              outside.count() == before, '%d new' % (outside.count() - before))

        p, doc = probe(pf.port, '--xclient', '203.0.113.9', '--only', 'plain,percent-*,bang-*',
                       source=None)
        check('protected via XCLIENT 203.0.113.9: OK',
              doc and p.returncode == 0 and doc['vantage'].startswith('XCLIENT')
              and not doc['warnings'], p.stdout[-1500:])

        p, doc = probe(pf.port, '-c', rl.conf, '--only', 'plain', source='127.0.0.10')
        check('-c: a trusted source is warned about',
              doc and any('trusted_networks' in w for w in doc['warnings']),
              (doc or {}).get('warnings'))
        p2 = subprocess.run([SELFTEST, '--hosted', HOSTED, '--only', 'plain', '--format',
                             'nagios', '--source', OUTSIDE_IP, '127.0.0.1:%d' % pf.port],
                            capture_output=True, text=True, timeout=60)
        print('  nagios: %s' % p2.stdout.strip())
        check('protected: nagios line, exit 0',
              p2.returncode == 0 and p2.stdout.startswith('RELAY OK - ') and '| open=0;' in p2.stdout,
              p2.stdout)

        print('== relaylock stopped (milter_default_action = tempfail)')
        rl.stop()
        down(pf)
    return report('postfix')


def report(name):
    """The closing line of a suite; its exit status."""
    print('selftest %s: %d passed, %d failed' % (name, passes, len(failures)))
    for f in failures:
        print('  failed: %s' % f)
    return 1 if failures else 0


def run_main(name, inside_fn, prepare=None):
    """Re-run this script in a private namespace and call INSIDE_FN there.
    PREPARE runs first, outside (e.g. fetching packages: no network inside)."""
    if not SELFTEST or not os.access(SELFTEST, os.X_OK):
        print('FAIL test_%s: set SELFTEST to the relaylock-selftest binary' % name)
        return 1
    if os.geteuid() != 0:
        print('FAIL test_%s: must run as root (MTA, namespaces)' % name)
        return 1
    if h.in_private_namespace():
        try:
            return inside_fn()
        except Exception as e:  # a harness that cannot start is a failure
            import traceback
            traceback.print_exc()
            print('FAIL test_%s: %s: %s' % (name, type(e).__name__, str(e)[:2000]))
            return 1
    t = time.monotonic()
    if prepare is not None:
        try:
            prepare()
        except Exception as e:
            print('FAIL test_%s: %s' % (name, e))
            return 1
    status = h.reexec_in_namespace(HOSTNAME)
    print('selftest %s: %s in %.1f s' % (name, 'passed' if status == 0 else 'FAILED',
                                       time.monotonic() - t))
    return 1 if status else 0


def main():
    return run_main('postfix', inside)


if __name__ == '__main__':
    sys.exit(main())
