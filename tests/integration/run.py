#!/usr/bin/env python3
"""run.py - relaylock against a real Postfix and a real Sendmail: the runner.

Usage: run.py [--mta postfix|sendmail|all] [--run NAME] [--baseline]
              [--inventory FILE]
Env:   RELAYLOCK             the daemon (default build/relaylock)
       RELAYLOCK_IT_WORKDIR  scratch directory (default build/integration)
       RELAYLOCK_MTA_CACHE   Sendmail .deb cache (default build/mta-cache)

Both MTAs are deliberately open relays; only relaylock closes them. The
whole run happens in a private network namespace (see procs.py), so the
fixed ports never collide with anything and nothing can leave.
Prints one PASS/FAIL line per check and a summary per MTA; exits 1 on any
failure. --inventory writes the sorted names of every check run.

Layout (tests/integration/):
  procs.py smtp.py sinks.py relaylock_proc.py    the harness, by job
  mta_base.py postfix_mta.py sendmail_mta.py     one module per MTA
  harness.py                                     all of the above, one name
  suites/common.py     names, TRICKS, Results, Context (one MTA's run)
  suites/mta_setup.py  the main run's sinks, relaylock and MTA
  suites/*.py          one file per suite: functions of a Context
A RUN below starts its own MTA (setup) and runs its STEPS in order; a step
is (suite function, MTAs it applies to, modes: 'full' and/or 'baseline').
To add a suite: write suites/NAME.py and add its steps to a run (or a new
run with its own setup) here.
"""

import argparse
import os
import sys
import time
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from procs import (REPO, Cleanup, in_private_namespace,  # noqa: E402
                   reexec_in_namespace, setup_namespace)
from sendmail_mta import sendmail_root  # noqa: E402
from suites import (controls, decision_log, hosted, lifecycle,  # noqa: E402
                    mta_setup, permissions, reload, routing,
                    routing_postfix, routing_sendmail, sink_audit, sources,
                    tricks)
from suites.common import HOSTNAME, Context, Results  # noqa: E402

BOTH = ('postfix', 'sendmail')
FULL, BASE = ('full',), ('full', 'baseline')

MAIN_STEPS = [
    (controls.control_open_relay, BOTH, BASE),
    (controls.own_rules, BOTH, BASE),
    (tricks.tricks, BOTH, FULL),
    (hosted.hosted_delivery, BOTH, FULL),
    (hosted.idn_and_length, BOTH, FULL),
    (permissions.trusted_relay, BOTH, FULL),
    (permissions.auth_relay, ('postfix',), FULL),
    (permissions.xclient, ('postfix',), FULL),
    (permissions.no_client_address, ('sendmail',), FULL),
    (reload.reload, BOTH, FULL),
    (decision_log.decision_log, BOTH, FULL),
    (reload.reload_under_load, BOTH, FULL),
    (Context.settle, BOTH, FULL),
    (lifecycle.milter_down, BOTH, FULL),
    (lifecycle.monitor_mode, BOTH, FULL),
    (sink_audit.final_count, BOTH, BASE),
]


def main_summary(s):
    st = s.stats
    return ('SUMMARY %s: tricks tried %s, accepted %s (must be 0), '
            'outside-sink messages from tricks %s (must be 0), '
            'outside-sink total %s (controls/trusted/auth), %.1f s'
            % (s.name, st.get('tricks', '?'), st.get('accepted', '?'),
               st.get('outside_from_tricks', '?'),
               st.get('outside_total', '?'), st['seconds']))


ROUTING_STEPS = [
    (routing_postfix.percent_hack_default, ('postfix',), BASE),
    (routing.proof_open, BOTH, BASE),
    (routing.proof_own_rules, BOTH, BASE),
    (routing.legit, BOTH, FULL),
    (routing.tricks, BOTH, FULL),
    (routing.forward_log, BOTH, FULL),
    (routing.audit, BOTH, BASE),
]


def routing_setup(s):
    (routing_postfix if s.kind == 'postfix' else routing_sendmail).start(s)


def routing_summary(s):
    st = s.stats
    return ('SUMMARY %s: legitimate cases %s, tricks %s, %.1f s'
            % (s.name, st.get('legit', '?'), st.get('tricks', '?'),
               st['seconds']))


SOURCES_STEPS = [
    (sources.serves_postfix_domains, ('postfix',), FULL),
    (sources.check_command, ('postfix',), FULL),
    (sources.picks_up_changes, ('postfix',), FULL),
    (sources.refuses_public_suffixes, ('postfix',), FULL),
    (sources.vanished_table_keeps_last_good, ('postfix',), FULL),
    (sources.never_read_waits, ('postfix',), FULL),
]


def sources_setup(s):
    if s.kind == 'postfix' and not s.baseline:
        sources.start(s)


def sources_summary(s):
    return 'SUMMARY %s: hosted domains from the MTA, %.1f s' % (
        s.name, s.stats['seconds'])


# name -> (suffix of its check names, setup, steps, summary line)
RUNS = {
    'main': ('', mta_setup.start, MAIN_STEPS, main_summary),
    'routing': ('-routing', routing_setup, ROUTING_STEPS, routing_summary),
    'sources': ('-sources', sources_setup, SOURCES_STEPS, sources_summary),
}


def run_one(name, kind, res, workdir, baseline):
    suffix, setup, steps, summary = RUNS[name]
    mode = 'baseline' if baseline else 'full'
    t0 = time.monotonic()
    with Cleanup() as cl:
        s = Context(kind, res, workdir, cl, baseline, kind + suffix,
                    kind + suffix[:3])
        try:
            setup(s)
            for fn, kinds, modes in steps:
                if kind in kinds and mode in modes:
                    fn(s)
        except Exception as e:  # any harness error is a failure
            traceback.print_exc()
            where = traceback.extract_tb(e.__traceback__)[-1]
            s.check('suite ran to the end', False, '%s at %s:%d: %s'
                    % (type(e).__name__, os.path.basename(where.filename),
                       where.lineno, str(e)[:2000]))
    s.stats['seconds'] = time.monotonic() - t0
    print(summary(s))
    sys.stdout.flush()


def outside(args):
    """Fetch Sendmail (the namespace has no network), then run again in a
    private namespace."""
    t = time.monotonic()
    if args.mta in ('sendmail', 'all'):
        try:
            root = sendmail_root()
        except Exception as e:
            print('FAIL sendmail: cannot get the Sendmail packages: %s' % e)
            return 1
        print('integration: Sendmail unpacked in %s' % root)
    status = reexec_in_namespace(HOSTNAME)
    print('integration: %s in %.1f s' % ('passed' if status == 0
                                         else 'FAILED', time.monotonic() - t))
    return 1 if status != 0 else 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--mta', choices=('postfix', 'sendmail', 'all'),
                    default='all')
    ap.add_argument('--run', choices=sorted(RUNS) + ['all'], default='all',
                    help='one run (its own MTA set-up) or all of them')
    ap.add_argument('--inventory', metavar='FILE',
                    help='write the name of every check run, one a line, '
                    'sorted (compare two runs: same checks, none lost)')
    ap.add_argument('--baseline', action='store_true',
                    help='no relaylock: only prove the harness (open relay '
                    'controls, the MTAs\' own relay rules)')
    args = ap.parse_args()
    if os.geteuid() != 0:
        print('FAIL integration: must run as root (Postfix, Sendmail, '
              'namespaces)')
        return 1
    if not in_private_namespace():
        return outside(args)
    workdir = os.path.abspath(os.environ.get('RELAYLOCK_IT_WORKDIR') or
                              os.path.join(REPO, 'build', 'integration'))
    os.makedirs(workdir, exist_ok=True)
    os.chmod(workdir, 0o755)
    res = Results()
    try:
        setup_namespace(HOSTNAME, workdir)
    except Exception as e:
        res.check('namespace setup', False, str(e))
        return 1
    kinds = BOTH if args.mta == 'all' else (args.mta,)
    runs = list(RUNS) if args.run == 'all' else [args.run]
    mode = 'baseline' if args.baseline else 'full'
    for kind in kinds:
        for name in runs:
            if not any(kind in k and mode in m for _f, k, m in RUNS[name][2]):
                continue        # no step of this run for this MTA, mode
            print('== %s%s' % (kind, RUNS[name][0]))
            run_one(name, kind, res, workdir, args.baseline)
    if not res.names:
        res.check('integration: at least one check ran', False,
                  'no step of --run %s for --mta %s' % (args.run, args.mta))
    print('integration: %d passed, %d failed' % (res.passed,
                                                 len(res.failed)))
    for f in res.failed:
        print('  failed: %s' % f)
    if args.inventory:
        with open(args.inventory, 'w') as f:
            f.write(''.join(n + '\n' for n in sorted(res.names)))
        print('integration: inventory of %d checks in %s'
              % (len(res.names), args.inventory))
    return 1 if res.failed else 0


if __name__ == '__main__':
    sys.exit(main())
