"""metrics.py - relaylock's /metrics against its own decision log, with real
sessions through a real Postfix (run by metrics_run.py).

The endpoint speaks the Prometheus text format and nothing else; after
accepts, rejects and tempfails, and again after a load with scrapes in
the middle of it, every relaylock_decisions_total{action,reason} equals
the number of decision lines with that action and reason in the log.
"""

import os
import socket
import struct
import subprocess
import threading
import time
import urllib.error
import urllib.request

from postfix_mta import Postfix
from procs import wait_until
from relaylock_proc import Relaylock
from sinks import SmtpSink
from suites.common import EXT, HOSTED, HOSTNAME, TRUSTED_IP

PORT = 9098            # the port of the packaged example
PORT6 = 9099
URL = 'http://127.0.0.1:%d/metrics' % PORT
FAMILIES = (
    'relaylock_decisions_total', 'relaylock_decision_duration_seconds',
    'relaylock_sessions_open', 'relaylock_sessions_total',
    'relaylock_session_aborts_total', 'relaylock_policy_loads_total',
    'relaylock_policy_reload_failures_total',
    'relaylock_policy_last_load_timestamp_seconds',
    'relaylock_hosted_domains', 'relaylock_trusted_networks',
    'relaylock_source_up', 'relaylock_source_last_good_read_timestamp_seconds',
    'relaylock_source_read_failures_total', 'relaylock_source_entries',
    'relaylock_build_info')


def start(s):
    """relaylock with metrics_listen, and an open Postfix in front of it."""
    wd = s.workdir
    s.relaylock = Relaylock(s.cl, wd, hosted=(HOSTED,),
                            trusted=(TRUSTED_IP + '/32',),
                            extra_conf='metrics_listen = "127.0.0.1:%d"\n'
                            % PORT)
    s.outside = SmtpSink(s.cl, wd, 'outside').start()
    s.hosted_sink = SmtpSink(s.cl, wd, 'hosted').start()
    s.relaylock.start()
    listening(URL)
    s.mta = Postfix(s.cl, wd, s.outside, s.hosted_sink,
                    milter=s.relaylock.milter, hosted_domains=(HOSTED,),
                    port=2525, open_port=2526, hostname=HOSTNAME,
                    extra_main={'smtpd_error_sleep_time': '0s',
                                'smtpd_soft_error_limit': '100',
                                'smtpd_hard_error_limit': '200'})
    s.mta.start()


def listening(url):
    """The endpoint listens once the daemon has dropped privileges, just
    after its milter socket: wait for it (bounded)."""
    def up():
        try:
            return get(url)[0] == 200
        except OSError:
            return False
    return wait_until(up, 5)


def get(url, method='GET'):
    """(status, content type, body) of one HTTP request."""
    req = urllib.request.Request(url, method=method,
                                 data=b'x' if method == 'POST' else None)
    try:
        with urllib.request.urlopen(req, timeout=5) as r:
            return r.status, r.headers.get('Content-Type'), r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get('Content-Type'), ''


def parse(text):
    """{series: value} and the format problems: HELP and TYPE once per
    family before its samples, each family in one block, unique series,
    a final newline."""
    samples, problems, seen, current = {}, [], set(), None
    if not text.endswith('\n'):
        problems.append('no final newline')
    for line in text.splitlines():
        if line.startswith('# HELP ') or line.startswith('# TYPE '):
            fam = line.split(' ')[2]
            if line.startswith('# HELP '):
                if fam in seen:
                    problems.append('%s: a second block' % fam)
                seen.add(fam)
                current = fam
            elif fam != current:
                problems.append('%s: TYPE without its HELP' % fam)
            continue
        series, _, value = line.rpartition(' ')
        name = series.split('{')[0]
        if not (name == current or name.startswith(current + '_')):
            problems.append('%s outside its family block' % name)
        if series in samples:
            problems.append('%s twice' % series)
        samples[series] = float(value)
    return samples, problems, seen


def scrape(s, what):
    status, ctype, body = get(URL)
    samples, problems, fams = parse(body) if status == 200 else ({}, [], set())
    s.check('metrics: %s: 200, text format 0.0.4, every family once'
            % what, status == 200 and not problems
            and ctype == 'text/plain; version=0.0.4; charset=utf-8'
            and fams == set(FAMILIES),
            'status %s, %s, %s, families missing %s'
            % (status, ctype, problems[:3], sorted(set(FAMILIES) - fams)))
    return samples


def log_counts(s):
    counts = {}
    for d in s.relaylock.decisions():
        key = (d.get('action'), d.get('reason'))
        counts[key] = counts.get(key, 0) + 1
    return counts


def compare(s, samples, what):
    """Every decisions_total series equals its lines in the log, and no
    line has an action or reason the endpoint does not count."""
    logged = log_counts(s)
    counted, bad = {}, []
    for series, v in samples.items():
        if series.startswith('relaylock_decisions_total{'):
            lab = dict(kv.split('=', 1) for kv in
                       series[series.index('{') + 1:-1].split(','))
            counted[(lab['action'].strip('"'), lab['reason'].strip('"'))] = v
    for key in set(logged) | set(counted):
        if counted.get(key) != logged.get(key, 0):
            bad.append('%s=%s: counted %s, logged %s' % (
                key[0], key[1], counted.get(key), logged.get(key, 0)))
    total = sum(logged.values())
    s.check('metrics: %s: decisions_total == decision lines in the log, '
            'for every action and reason' % what, not bad and total > 0,
            '%d lines; %s' % (total, '; '.join(sorted(bad)[:5])))
    s.check('metrics: %s: decision_duration_seconds_count == decisions'
            % what, samples.get('relaylock_decision_duration_seconds_count')
            == total and samples.get(
                'relaylock_decision_duration_seconds_bucket{le="+Inf"}')
            == total, 'count %s, +Inf %s, %d lines' % (
                samples.get('relaylock_decision_duration_seconds_count'),
                samples.get(
                    'relaylock_decision_duration_seconds_bucket{le="+Inf"}'),
                total))
    return logged


def endpoint(s):
    """Only GET /metrics: other paths 404, other methods 405."""
    got = [(u, m, get(u, m)[0]) for u, m in (
        ('http://127.0.0.1:%d/' % PORT, 'GET'),
        ('http://127.0.0.1:%d/metrics/x' % PORT, 'GET'),
        ('http://127.0.0.1:%d/metrics?x=1' % PORT, 'GET'),
        (URL, 'POST'), (URL, 'PUT'), (URL, 'DELETE'))]
    want = [404, 404, 200, 405, 405, 405]
    s.check('metrics: GET /metrics only: 404 elsewhere, 405 for POST/PUT/'
            'DELETE', [g[2] for g in got] == want,
            ', '.join('%s %s -> %s' % g for g in got))
    samples = scrape(s, 'at start')
    s.check('metrics: at start: build_info, 1 hosted domain, 1 trusted '
            'network, one policy load, no decision yet',
            samples.get('relaylock_build_info{version="0.1.0"}') == 1
            and samples.get('relaylock_hosted_domains') == 1
            and samples.get('relaylock_trusted_networks') == 1
            and samples.get('relaylock_policy_loads_total') == 1
            and abs(samples.get(
                'relaylock_policy_last_load_timestamp_seconds', 0)
                - time.time()) < 600
            and sum(v for k, v in samples.items()
                    if k.startswith('relaylock_decisions_total')) == 0,
            str({k: v for k, v in samples.items()
                 if not k.startswith('relaylock_decision')}))


def ipv6(s):
    """A second daemon on [::1] answers the same text."""
    rl = Relaylock(s.cl, os.path.join(s.workdir, 'v6'), hosted=(HOSTED,),
                   extra_conf='metrics_listen = "[::1]:%d"\n' % PORT6)
    rl.start()
    listening('http://[::1]:%d/metrics' % PORT6)
    status, ctype, body = get('http://[::1]:%d/metrics' % PORT6)
    s.check('metrics: [::1]:%d serves /metrics' % PORT6,
            status == 200 and 'relaylock_build_info{version=' in body,
            'status %s' % status)
    rl.stop()


def sessions(s):
    """Accepts, rejects and a trick through Postfix, then compare."""
    c = s.client()
    c.mail('<a@%s>' % EXT)
    replies = [c.rcpt('<user%d@%s>' % (i, HOSTED))[0] for i in range(3)]
    replies += [c.rcpt(r)[0] for r in (
        '<nobody@%s>' % EXT, '<nobody%%%s@%s>' % (EXT, HOSTED),
        '<%s!nobody@%s>' % (EXT, HOSTED), '<postmaster>')]
    c.rset()
    c.quit()
    t = s.client(source=TRUSTED_IP)
    t.mail('<a@%s>' % HOSTED)
    replies.append(t.rcpt('<nobody@%s>' % EXT)[0])
    t.rset()
    t.quit()
    s.check('metrics: sessions through Postfix: accepts and rejects',
            replies == [250, 250, 250, 550, 550, 550, 250, 250],
            str(replies))
    s.relaylock.wait_decisions(8, 5)
    samples = scrape(s, 'after sessions')
    compare(s, samples, 'after sessions')
    wait_sessions_closed(s)


def wait_sessions_closed(s):
    deadline = time.monotonic() + 10
    samples = {}
    while time.monotonic() < deadline:
        samples = parse(get(URL)[2])[0]
        if samples.get('relaylock_sessions_open') == 0:
            break
        time.sleep(0.2)
    s.check('metrics: sessions_open back to 0, sessions_total counts them',
            samples.get('relaylock_sessions_open') == 0
            and samples.get('relaylock_sessions_total', 0) >= 2,
            'open %s total %s' % (samples.get('relaylock_sessions_open'),
                                  samples.get('relaylock_sessions_total')))


def _pkt(cmd, data=b''):
    return struct.pack('!I', len(data) + 1) + cmd + data


def _reply(sock):
    hdr = b''
    while len(hdr) < 4:
        b = sock.recv(4 - len(hdr))
        if not b:
            return b''
        hdr += b
    n, data = struct.unpack('!I', hdr)[0], b''
    while len(data) < n:
        b = sock.recv(n - len(data))
        if not b:
            break
        data += b
    return data


def tempfails(s, n=3):
    """MAIL before CONNECT (an MTA that skipped a stage): 451 and an
    action=tempfail reason=internal_error line, counted."""
    before = log_counts(s).get(('tempfail', 'internal_error'), 0)
    replies = []
    for _ in range(n):
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as m:
            m.settimeout(5)
            m.connect(s.relaylock.socket)
            m.sendall(_pkt(b'O', struct.pack('!III', 6, 0x1ff, 0x1fffff)))
            _reply(m)
            m.sendall(_pkt(b'M', b'<a@b.example>\0'))
            replies.append(_reply(m)[:4])
    s.relaylock.wait_decisions(len(s.relaylock.decisions()) + 1, 2)
    time.sleep(0.3)
    after = log_counts(s).get(('tempfail', 'internal_error'), 0)
    s.check('metrics: MAIL before CONNECT: 451 and an action=tempfail '
            'reason=internal_error line each',
            replies == [b'y451'] * n and after - before == n,
            'replies %s, %d new lines' % (replies, after - before))
    samples = scrape(s, 'after tempfails')
    compare(s, samples, 'after tempfails')


def reloads(s):
    """A good reload counts a load and updates the gauges; a broken one
    counts a failure and changes nothing else."""
    rl = s.relaylock
    rl.write_config(hosted=(HOSTED, 'second.example', 'third.example'))
    rl.reload()
    settled(lambda m: m.get('relaylock_policy_loads_total') == 2)
    good = scrape(s, 'after a good reload')
    rl.write_config(raw=rl.config_text() + 'bogus = 1\n')
    rl.reload()
    settled(lambda m: m.get('relaylock_policy_reload_failures_total') == 1)
    bad = scrape(s, 'after a broken reload')
    rl.write_config(hosted=(HOSTED,))
    rl.reload()
    settled(lambda m: m.get('relaylock_policy_loads_total') == 3)
    s.check('metrics: reloads: loads_total 2, hosted_domains 3, then one '
            'failure with the gauges unchanged',
            good.get('relaylock_policy_loads_total') == 2
            and good.get('relaylock_hosted_domains') == 3
            and good.get('relaylock_policy_reload_failures_total') == 0
            and bad.get('relaylock_policy_reload_failures_total') == 1
            and bad.get('relaylock_policy_loads_total') == 2
            and bad.get('relaylock_hosted_domains') == 3,
            'good %s, broken %s' % (policy_view(good), policy_view(bad)))


def fake_postfix(s, name, extra=''):
    """A Postfix configuration directory for hosted_domains_from."""
    d = os.path.join(s.workdir, name)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, 'main.cf'), 'w') as f:
        f.write('myhostname = mx.%s\nmydomain = %s\nmydestination = %s\n%s'
                % (HOSTED, HOSTED, HOSTED, extra))
    with open(os.path.join(d, 'master.cf'), 'w') as f:
        f.write('smtp inet n - n - - smtpd\n')
    return 'postfix:' + d


def sources(s):
    """hosted_domains_from: a source read is up; one whose table cannot be
    read is down, counts a failure, and has never had a good read."""
    rl = s.relaylock
    good = fake_postfix(s, 'pf-good')
    bad = fake_postfix(s, 'pf-bad', 'relay_domains = hash:%s/pf-bad/relay\n'
                       % s.workdir)
    rl.write_config(raw=rl.config_text() + 'hosted_domains_from = { "%s", "%s" }\n'
                    % (good, bad))
    rl.reload()
    ok = settled(lambda m: 'relaylock_source_up{source="%s"}' % good in m)
    m = scrape(s, 'with two sources')
    rl.write_config(hosted=(HOSTED,))
    rl.reload()
    s.check('metrics: sources: the one read is up with a good read time, '
            'the unreadable one down with a failure and no good read', ok
            and m.get('relaylock_source_up{source="%s"}' % good) == 1
            and abs(m.get('relaylock_source_last_good_read_timestamp_seconds'
                          '{source="%s"}' % good, 0) - time.time()) < 60
            and m.get('relaylock_source_read_failures_total{source="%s"}'
                      % good) == 0
            and m.get('relaylock_source_up{source="%s"}' % bad) == 0
            and m.get('relaylock_source_last_good_read_timestamp_seconds'
                      '{source="%s"}' % bad) == 0
            and m.get('relaylock_source_read_failures_total{source="%s"}'
                      % bad) == 1
            # HOSTED in mydestination and in relay_domains (its default
            # below compatibility_level 2); pf-bad: mydestination only
            and m.get('relaylock_source_entries{source="%s"}' % good) == 2
            and m.get('relaylock_source_entries{source="%s"}' % bad) == 1,
            str({k: v for k, v in m.items() if k.startswith('relaylock_source')}))


def settled(predicate, timeout=5):
    """Wait until a scrape satisfies PREDICATE: a reload is asynchronous."""
    return wait_until(lambda: predicate(parse(get(URL)[2])[0]), timeout)


def policy_view(samples):
    return {k[10:]: v for k, v in samples.items()
            if k.startswith(('relaylock_policy', 'relaylock_hosted'))}


def refuser(s, sessions, out):
    """SESSIONS SMTP sessions of three refused recipients each."""
    rcpts = ('<victim@%s>' % EXT, '<victim%%%s@%s>' % (EXT, HOSTED),
             '<@%s:victim@%s>' % (HOSTED, EXT))
    for _ in range(sessions):
        try:
            c = s.client()
            c.mail('<load@%s>' % EXT)
            out.extend(c.rcpt(r)[0] for r in rcpts)
            c.quit()
        except OSError:
            out.append(0)


def load(s, messages=1500, threads=4, sessions=40):
    """smtp-source with hosted recipients and parallel sessions with
    refused ones, while /metrics is scraped again and again: no scrape
    fails or takes long, and at the end the counters still equal the log."""
    n0 = len(s.relaylock.decisions())
    # From 127.0.0.1: untrusted (the trusted network is 127.0.0.10/32).
    src = subprocess.Popen(
        ['smtp-source', '-s', '10', '-m', str(messages), '-r', '2', '-l',
         '512', '-f', 'load@%s' % EXT, '-t', 'load@%s' % HOSTED,
         '127.0.0.1:%d' % s.mta.port],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    refused = [[] for _ in range(threads)]
    workers = [threading.Thread(target=refuser, args=(s, sessions, r),
                                daemon=True) for r in refused]
    scrapes, slow, failed = 0, 0.0, 0
    stop = threading.Event()

    def scraper():
        nonlocal scrapes, slow, failed
        while not stop.is_set():
            t = time.monotonic()
            status = get(URL)[0]
            slow = max(slow, time.monotonic() - t)
            scrapes += 1
            failed += status != 200
            time.sleep(0.05)
    th = threading.Thread(target=scraper, daemon=True)
    t0 = time.monotonic()
    for t in workers + [th]:
        t.start()
    err = src.communicate(timeout=240)[1].decode(errors='replace')
    for t in workers:
        t.join(120)
    secs = time.monotonic() - t0
    stop.set()
    th.join(5)
    codes = [c for r in refused for c in r]
    want = messages * 2 + len(codes)
    lines = s.relaylock.wait_decisions(n0 + want, 20)[n0:]
    s.check('metrics: load: %d RCPTs through Postfix (%d refused), each '
            'decided and logged' % (want, len(codes)),
            len(lines) == want and src.returncode == 0
            and codes == [550] * (threads * sessions * 3),
            '%d lines in %.1f s; refused %d of %d; smtp-source: %s'
            % (len(lines), secs, codes.count(550), len(codes),
               err.strip()[:200]))
    s.check('metrics: load: %d scrapes during it, none failed, slowest '
            'under 1 s' % scrapes, scrapes >= 5 and failed == 0
            and slow < 1.0, '%d scrapes, %d failed, slowest %.3f s'
            % (scrapes, failed, slow))
    samples = scrape(s, 'after the load')
    logged = compare(s, samples, 'after the load')
    print('  metrics: %s' % ', '.join('%s/%s=%d' % (a, r, n) for (a, r), n
                                      in sorted(logged.items())))
    wait_sessions_closed(s)
