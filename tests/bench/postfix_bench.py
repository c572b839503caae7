#!/usr/bin/env python3
"""postfix_bench.py - what relaylock costs a real Postfix: messages per
second through isolated Postfix instances, one with relaylock, one with
relaylock serving /metrics (scraped every second meanwhile) and one with
the null milter, and through the same Postfix without a milter.
smtp-source/smtp-sink, several RCPT per message, interleaved rounds, median
of each. Prints "bench: NAME VALUE UNIT" lines; asserts nothing.
Env: RELAYLOCK, NULL_MILTER, RELAYLOCK_IT_WORKDIR (as the integration tests).
"""

import os
import subprocess
import sys
import threading
import time
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                '..', 'integration'))
import harness as h  # noqa: E402

HOSTNAME = 'mx.relaylock.test'
MSGS = int(os.environ.get('BENCH_MSGS', '500'))
ROUNDS = int(os.environ.get('ROUNDS', '6'))


def rate(port):
    """Messages per second: MSGS messages of 1 KB, 5 hosted RCPT each."""
    t = time.monotonic()
    p = subprocess.run(['smtp-source', '-s', '20', '-l', '1024', '-m', str(MSGS),
                        '-r', '5', '-f', 'bench@outside.example',
                        '-t', 'user@hosted.example', '127.0.0.1:%d' % port],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       timeout=300)
    if p.returncode != 0:
        raise h.HarnessError('smtp-source: %s' % p.stdout.decode()[-500:])
    return MSGS / (time.monotonic() - t)


def start_null(cl, wd):
    sock = os.path.join(wd, 'null.sock')
    p = subprocess.Popen([os.environ['NULL_MILTER'], 'unix:' + sock])
    cl.push('null milter', lambda: h.stop_pid(p.pid))
    if not h.wait_until(lambda: os.path.exists(sock), 10):
        raise h.HarnessError('null milter did not start')
    return 'unix:' + sock


def scrape_every_second(url, stop):
    """A Prometheus-like scraper for the metrics instance."""
    while not stop.is_set():
        try:
            urllib.request.urlopen(url, timeout=5).read()
        except OSError:
            pass
        stop.wait(1)


def main():
    if not h.in_private_namespace():
        return h.reexec_in_namespace(HOSTNAME)
    wd = h.fresh_workdir('-postfix-bench', HOSTNAME)
    with h.Cleanup() as cl:
        out = h.SmtpSink(cl, wd, 'outside').start()
        hosted = h.SmtpSink(cl, wd, 'hosted').start()
        rl = h.Relaylock(cl, wd, hosted=('hosted.example',),
                         trusted=('127.0.0.10/32',)).start()
        rl_m = h.Relaylock(cl, os.path.join(wd, 'm'), hosted=('hosted.example',),
                           trusted=('127.0.0.10/32',),
                           extra_conf='metrics_listen = "127.0.0.1:9098"\n').start()
        stop = threading.Event()
        threading.Thread(target=scrape_every_second, daemon=True,
                         args=('http://127.0.0.1:9098/metrics', stop)).start()
        cl.push('scraper', stop.set)
        null = start_null(cl, wd)
        for d in ('a', 'b', 'c'):
            os.makedirs(os.path.join(wd, d))
            os.chmod(os.path.join(wd, d), 0o755)
        pf_rl = h.Postfix(cl, os.path.join(wd, 'a'), out, hosted,
                          milter=rl.milter, hostname=HOSTNAME).start()
        pf_null = h.Postfix(cl, os.path.join(wd, 'b'), out, hosted,
                            milter=null, hostname=HOSTNAME).start()
        pf_m = h.Postfix(cl, os.path.join(wd, 'c'), out, hosted,
                         milter=rl_m.milter, hostname=HOSTNAME).start()
        ports = {'relaylock': pf_rl.port, 'relaylock_metrics': pf_m.port,
                 'null': pf_null.port, 'nomilter': pf_rl.open_port}
        for port in ports.values():
            rate(port)  # warm up
        runs = {k: [] for k in ports}
        order = list(ports)
        for r in range(ROUNDS):
            # Rotate the order so no setup always runs after a busy one.
            for k in order[r % len(order):] + order[:r % len(order)]:
                runs[k].append(rate(ports[k]))
        med = {k: sorted(v)[len(v) // 2] for k, v in runs.items()}
        for k in ports:
            print('bench: postfix_%s_msgs_per_s %.0f msg/s' % (k, med[k]))
        print('bench: postfix_ratio %.3f ratio' % (med['relaylock'] / med['null']))
        print('bench: postfix_ratio_metrics %.3f ratio'
              % (med['relaylock_metrics'] / med['null']))
        print('bench: postfix_vs_nomilter %.3f ratio'
              % (med['relaylock'] / med['nomilter']))
        sys.stdout.flush()
    return 0


if __name__ == '__main__':
    sys.exit(main())
