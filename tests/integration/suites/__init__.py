"""suites - relaylock's integration suites, one file per suite.

Each suite is a set of functions of a suites.common.Context (one MTA's
run: s.mta, s.relaylock, s.outside, s.hosted_sink, s.check(), s.client(),
s.token()); run.py (the runner) lists which run calls which function, in
which order, for which MTA and in which mode (full, baseline).
"""
