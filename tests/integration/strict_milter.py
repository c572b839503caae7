#!/usr/bin/env python3
"""strict_milter.py - relaylock's rule BEFORE issue 16: the negative control
of the routing suite.

naive_milter.py's milter (protocol, config, log, reload) with another rule:
a recipient that carries routing (%, !, a source route, a quote or a
backslash, two '@', a domain literal) is refused; a plain one must be at a
hosted domain AND the MTA's own resolution must be a hosted domain or a
local mailer (local, lmtp, virtual, cyrus, cyrusv2, procmail), else
`mta_resolution`. Under Sendmail, virtusertable forwards resolve to the
forward target with mailer relay, so this rule refuses the admin's own
forwarding: `make check-integration-routing-negative` passes only when the
routing suite FAILS against this filter in exactly that place.
Python 3, standard library only. Never used in production.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import naive_milter as nm  # noqa: E402

LOCAL_MAILERS = {'local', 'lmtp', 'virtual', 'cyrus', 'cyrusv2', 'procmail'}


def routing(addr):
    """The reason the address as typed carries routing, or None."""
    local, _, domain = addr.rpartition('@')
    if addr.startswith('@'):
        return 'source_route'
    if '"' in local or '\\' in local:
        return 'quoted_route'
    if '@' in local:
        return 'multi_at'
    if '%' in local:
        return 'percent_hack'
    if '!' in addr:
        return 'bang_path'
    if domain.startswith('['):
        return 'domain_literal'
    return None


def strict_judge(policy, client, rcpt, macros):
    reason = nm.naive_judge(policy, client, rcpt, macros)
    if reason != 'hosted':
        return reason
    addr = rcpt.strip('<>')
    bad = routing(addr)
    if bad:
        return bad
    resolved = (macros.get('rcpt_addr') or '').strip('<>')
    rdomain = resolved.rpartition('@')[2].lower().rstrip('.')
    if macros.get('rcpt_mailer') in LOCAL_MAILERS or \
            ('@' in resolved and rdomain in policy['hosted']):
        return 'hosted'
    return 'mta_resolution'


if __name__ == '__main__':
    nm.JUDGE[0] = strict_judge
    nm.main()
