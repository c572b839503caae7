#!/usr/bin/env python3
"""metrics_run.py - the metrics run: relaylock with metrics_listen behind a
real Postfix, its /metrics scraped and compared with its decision log
(suites/metrics.py). The runner is run.py's, with this run added:

    metrics_run.py [--inventory FILE]      (as root; make check-integration-metrics)
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run  # noqa: E402
from suites import metrics  # noqa: E402

STEPS = [
    (metrics.endpoint, ('postfix',), run.FULL),
    (metrics.ipv6, ('postfix',), run.FULL),
    (metrics.sessions, ('postfix',), run.FULL),
    (metrics.tempfails, ('postfix',), run.FULL),
    (metrics.reloads, ('postfix',), run.FULL),
    (metrics.sources, ('postfix',), run.FULL),
    (metrics.load, ('postfix',), run.FULL),
]


def summary(s):
    return 'SUMMARY %s: %.1f s' % (s.name, s.stats['seconds'])


if __name__ == '__main__':
    run.RUNS.clear()
    run.RUNS['metrics'] = ('-metrics', metrics.start, STEPS, summary)
    if '--mta' not in sys.argv:
        sys.argv += ['--mta', 'postfix']
    sys.exit(run.main())
