#!/usr/bin/env python3
"""genlog.py - write a synthetic relaylock log (decision lines in the three
time-stamp forms, relaylock's other lines, other programs' lines) and the
figures relaylock-report must find in it, as JSON.

usage: genlog.py LINES SEED OUT.log EXPECT.json
"""
import json
import random
import sys
import time

REASONS_REFUSED = ["relay_denied", "percent_hack", "bang_path", "source_route",
                   "quoted_route", "multi_at", "backslash_escape",
                   "domain_literal", "unqualified", "syntax", "mta_resolution"]
REASONS_ACCEPT = ["hosted", "trusted_network", "authenticated", "postmaster"]
MONTHS = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()


def stamp(form, t):
    tm = time.gmtime(t)
    if form == 0:  # relaylock -f on stderr
        return time.strftime("%Y-%m-%dT%H:%M:%SZ", tm) + " relaylock[4242]: "
    if form == 1:  # journalctl -o short-iso
        return time.strftime("%Y-%m-%dT%H:%M:%S+0000", tm) + " mx relaylock[4242]: "
    # syslog, day padded with a space
    return "%s %2d %s mx relaylock[4242]: " % (MONTHS[tm.tm_mon - 1], tm.tm_mday,
                                              time.strftime("%H:%M:%S", tm))


def main():
    n, seed, out, expect = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
    rnd = random.Random(seed)
    clients = ["198.51.100.%d" % i for i in range(1, 200)] + \
              ["2001:db8::%x" % i for i in range(1, 50)] + ["unknown"]
    weights = list(__import__("itertools").accumulate(1.0 / (i + 1) for i in range(len(clients))))
    domains = ["ext%d.example" % i for i in range(300)]
    start = 1795651200  # 2026-11-26T00:00:00Z
    exp = {"lines": 0, "decisions": 0, "other": 0,
           "by_action": {a: 0 for a in ("accept", "reject", "tempfail", "would-reject")},
           "by_reason": {}, "sel_by_reason": {}, "selected": 0,
           "clients": {}, "domains": {}, "first": None, "last": None}
    t = start
    with open(out, "w") as f:
        for i in range(n):
            t += rnd.choice((0, 0, 1, 1, 2, 7))
            r = rnd.random()
            exp["lines"] += 1
            if r < 0.15:
                f.write("%s NOQUEUE: reject: RCPT from x[192.0.2.1]: 554 5.7.1 "
                        "<a@b>: action=reject reason=relay_denied client=6.6.6.6\n"
                        % stamp(2, t).replace("relaylock[4242]", "postfix/smtpd[77]"))
                continue
            if r < 0.17:
                f.write("%srelaylock %s: reloaded\n" % (stamp(rnd.randrange(3), t), "0.1.0"))
                exp["other"] += 1
                continue
            client = rnd.choices(clients, cum_weights=weights)[0]
            dom = rnd.choice(domains)
            r = rnd.random()
            if r < 0.4:
                action, reason = "accept", rnd.choice(REASONS_ACCEPT)
                rcpt, resolved, target = "<u%d@example.com>" % rnd.randrange(50), \
                    "u@example.com", "example.com"
            elif r < 0.9:
                action, reason = "reject", rnd.choice(REASONS_REFUSED)
                rcpt, resolved, target = "<u%%%s@example.com>" % dom, "u@" + dom, dom
            elif r < 0.95:
                action, reason = "would-reject", "relay_denied"
                rcpt, resolved, target = "<v@%s>" % dom, "-", dom
            else:
                action, reason = "tempfail", "internal_error"
                rcpt, resolved, target = "<w@%s>" % dom, "-", dom
            if rnd.random() < 0.01:  # hostile text, escaped as the daemon does
                rcpt = "<<script>alert(1)</script>\\x20client\\x3d6.6.6.6@%s>" % dom
            f.write("%sNOQUEUE: action=%s reason=%s client=%s auth=- from=<> "
                    "rcpt=%s resolved=%s mailer=smtp mode=%s\n"
                    % (stamp(rnd.randrange(3), t), action, reason, client, rcpt,
                       resolved, "monitor" if action == "would-reject" else "enforce"))
            exp["decisions"] += 1
            exp["by_action"][action] += 1
            exp["by_reason"][reason] = exp["by_reason"].get(reason, 0) + 1
            exp["first"] = exp["first"] or t
            exp["last"] = t
            if action in ("reject", "would-reject"):
                exp["selected"] += 1
                exp["sel_by_reason"][reason] = exp["sel_by_reason"].get(reason, 0) + 1
                exp["clients"][client] = exp["clients"].get(client, 0) + 1
                exp["domains"][target] = exp["domains"].get(target, 0) + 1
    top = sorted(exp["clients"].items(), key=lambda kv: (-kv[1], kv[0]))[:10]
    topd = sorted(exp["domains"].items(), key=lambda kv: (-kv[1], kv[0]))[:10]
    exp["distinct_clients"] = len(exp.pop("clients"))
    exp["distinct_domains"] = len(exp.pop("domains"))
    exp["top_clients"] = top
    exp["top_domains"] = topd
    exp["first"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(exp["first"]))
    exp["last"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(exp["last"]))
    with open(expect, "w") as f:
        json.dump(exp, f, indent=1)


if __name__ == "__main__":
    main()
