#!/usr/bin/env python3
"""limits.py - measure the longest recipients a real Postfix and a real
Sendmail accept (no milter, no routing), for relaylock.conf(5).

Usage: limits.py [--mta postfix|sendmail|all]   (root; `make measure-limits`)

For each MTA and each shape (local part, one label, whole domain, whole
path) a bounded binary search finds the largest N whose RCPT TO gets 250
and whose message is accepted (DATA 250). Each probe uses a new session,
so earlier refusals never tarpit later ones. Prints one line per figure.
"""

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402

HOSTNAME = 'mx.relaylock.test'
HOSTED = 'hosted.example'
MAX_N = 8192      # never probe beyond this many octets


def local_part(n):
    return 'a' * n


def domain_of(n, label=63):
    """A subdomain of HOSTED of exactly N octets (labels of LABEL)."""
    rest = n - len(HOSTED) - 1
    parts = []
    while rest > 0:
        take = min(label, rest - 1 if rest > 1 else 1)
        if rest - take == 1:      # never leave a lone '.' budget
            take -= 1
        parts.append('b' * take)
        rest -= take + 1
    return '.'.join(parts + [HOSTED])


SHAPES = {
    'local part': lambda n: '<%s@%s>' % (local_part(n), HOSTED),
    'one label': lambda n: '<u@%s.%s>' % ('c' * n, HOSTED),
    'domain': lambda n: '<u@%s>' % domain_of(n),
    'path (local part + 255-octet domain)':
        lambda n: '<%s@%s>' % (local_part(max(1, n - 258)), domain_of(255)),
}


def accepted(port, rcpt, tok):
    c = h.SmtpClient('127.0.0.1', port, source='127.0.0.2')
    try:
        c.ehlo()
        c.mail('<s@outside.example>')
        r = c.rcpt(rcpt)
        if r[0] != 250:
            return False, r
        d = c.data(h.message(tok, to='x@%s' % HOSTED))
        return d[0] == 250, d
    finally:
        c.close()


def largest(port, shape, lo, hi):
    """Largest N in [lo, hi] accepted, assuming monotonic; lo-1 if none."""
    ok_lo, _ = accepted(port, shape(lo), 'RLLIMIT-lo')
    if not ok_lo:
        return lo - 1, None
    last_refusal = None
    for _ in range(20):              # 2^13 > MAX_N: enough steps
        if lo >= hi:
            break
        mid = (lo + hi + 1) // 2
        ok, r = accepted(port, shape(mid), 'RLLIMIT-%d' % mid)
        if ok:
            lo = mid
        else:
            hi = mid - 1
            last_refusal = r
    return lo, last_refusal


def measure(kind, port):
    for name, shape in SHAPES.items():
        lo = 300 if name.startswith('path') else (
            len(HOSTED) + 2 if name == 'domain' else 1)
        n, why = largest(port, shape, lo, MAX_N)
        print('LIMIT %s %s: %d octets accepted%s' % (
            kind, name, n, '; above: %s' % why[1].split('\n')[0][:100]
            if why else ''))
        sys.stdout.flush()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--mta', choices=('postfix', 'sendmail', 'all'),
                    default='all')
    args = ap.parse_args()
    if not h.in_private_namespace():
        if args.mta != 'postfix':
            h.sendmail_root()
        return h.reexec_in_namespace(HOSTNAME)
    wd = h.fresh_workdir('-limits', HOSTNAME)
    kinds = ('postfix', 'sendmail') if args.mta == 'all' else (args.mta,)
    for kind in kinds:
        with h.Cleanup() as cl:
            sub = os.path.join(wd, kind)
            os.makedirs(sub)
            os.chmod(sub, 0o755)
            if kind == 'postfix':
                out = h.SmtpSink(cl, sub, 'outside').start()
                hosted = h.SmtpSink(cl, sub, 'hosted').start()
                mta = h.Postfix(cl, sub, out, hosted, port=2525,
                                open_port=2526, hostname=HOSTNAME).start()
            else:
                out = h.SmtpSink(cl, sub, 'outside', host='127.0.0.2',
                                 port=2600).start()
                mta = h.Sendmail(cl, sub, out, h.FileSink(
                    os.path.join(sub, 'hosted-mailbox')), port=2527,
                    open_port=2528, hostname=HOSTNAME,
                    delivery_mode='queue').start()
            measure(kind, mta.open_port)
    return 0


if __name__ == '__main__':
    sys.exit(main())
