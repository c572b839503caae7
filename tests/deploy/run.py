#!/usr/bin/env python3
"""Deployment test: the relaylock .deb under a real systemd, in front of
Debian's stock Postfix and Sendmail, each made deliberately open.

    run.py --deb build/deb/relaylock_VERSION_ARCH.deb [--mta postfix,sendmail]
           [--cache DIR] [--workdir DIR]

For each MTA: boot a Debian 12 container (systemd as PID 1, its own
network), prove the stock MTA alone relays tricks, install the package
with apt, do the admin steps of relaylock(8), then check relaying, mail
delivery, logs, fail2ban, reloads, kill -9, the self-audit unit, a clean
restart, a broken config at start, and purge; with Postfix also the
metrics (metrics_checks.py): Prometheus and node_exporter in the container. The cached roots
(make_roots.sh) are built on first use; each run boots a fresh overlay.
Exit 0 only when every check passed.
"""
import argparse
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from checks import HOSTED, MAILBOX, Deployment, Report  # noqa: E402
from container import Container, ContainerError  # noqa: E402
from metrics_checks import Metrics  # noqa: E402
from mta_setup import MTAS  # noqa: E402

# What /etc/default/relaylock-selftest tells the admin to set.
SELFTEST_OPTS = ('-c /etc/relaylock/relaylock.conf --source 127.0.0.2 '
                 '--hosted-rcpt %s@%s' % (MAILBOX, HOSTED))


def deploy(mta, deb, cache, workdir, milter_load):
    report = Report(mta.name)
    c = Container(os.path.join(cache, mta.name), workdir, 'rl-deploy-' + mta.name)
    started = time.monotonic()
    try:
        report.check('container boots (systemd %s)' % c.boot(), True)
        d = Deployment(c, mta, report)
        d.prepare(HERE)
        d.baseline()
        since = d.now()
        d.install(deb)
        d.configure()
        d.protected('protected ' + mta.name)
        d.logs(since)
        d.mta_domain_added()
        d.reloads()
        d.crash()
        d.selftest(SELFTEST_OPTS)
        if mta.name == 'postfix':  # its root has prometheus (make_roots.sh)
            Metrics(d, milter_load).run()
        d.restart_clean()
        d.broken_start()
        d.protected('after the restarts')
        d.purge()
    except (ContainerError, subprocess.TimeoutExpired, OSError) as e:
        report.check('deployment ran to the end', False, e)
    finally:
        c.poweroff()
    print('SUMMARY %s: %d passed, %d failed, %.0f s'
          % (mta.name, report.passed, report.failed, time.monotonic() - started))
    sys.stdout.flush()
    return report.failed == 0 and report.passed > 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--deb', required=True)
    ap.add_argument('--mta', default='postfix,sendmail')
    ap.add_argument('--cache', default=os.environ.get('RELAYLOCK_DEPLOY_CACHE',
                                                      '/var/cache/relaylock-deploy'))
    ap.add_argument('--workdir', required=True)
    ap.add_argument('--milter-load', required=True,
                    help='tests/load/milter_load, for the journald burst')
    a = ap.parse_args()
    if os.geteuid() != 0:
        print('FAIL deploy: needs root (systemd-nspawn, overlay mounts)')
        return 1
    subprocess.run([os.path.join(HERE, 'make_roots.sh'), a.cache], check=True)
    ok = True
    for name in a.mta.split(','):
        ok = deploy(MTAS[name](), os.path.abspath(a.deb), a.cache, a.workdir,
                    os.path.abspath(a.milter_load)) and ok
    print('deploy: %s' % ('all checks passed' if ok else 'FAILED'))
    return 0 if ok else 1


if __name__ == '__main__':
    sys.exit(main())
