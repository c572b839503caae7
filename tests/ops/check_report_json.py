#!/usr/bin/env python3
"""check_report_json.py EXPECT.json ACTUAL.json - compare relaylock-report
--format json with the figures genlog.py wrote. Exit 1 on any difference."""
import json
import sys

exp = json.load(open(sys.argv[1]))
act = json.load(open(sys.argv[2]))
errors = []


def same(what, want, got):
    if want != got:
        errors.append("%s: expected %r, got %r" % (what, want, got))


same("lines", exp["lines"], act["lines"])
same("decisions", exp["decisions"], act["decisions"])
same("other_relaylock_lines", exp["other"], act["other_relaylock_lines"])
same("matched", exp["decisions"], act["matched"])
same("selected", exp["selected"], act["selected"])
same("first", exp["first"], act["first"])
same("last", exp["last"], act["last"])
for a, n in exp["by_action"].items():
    same("by_action." + a, n, act["by_action"][a])
for r, v in act["by_reason"].items():
    same("by_reason.%s.all" % r, exp["by_reason"].get(r, 0), v["all"])
    same("by_reason.%s.selected" % r, exp["sel_by_reason"].get(r, 0), v["selected"])
same("distinct clients", exp["distinct_clients"], act["distinct"]["clients"])
same("distinct domains", exp["distinct_domains"], act["distinct"]["domains"])
same("top clients", [list(x) for x in exp["top_clients"]],
     [[e["client"], e["count"]] for e in act["top_clients"]])
same("top domains", [list(x) for x in exp["top_domains"]],
     [[e["domain"], e["count"]] for e in act["top_domains"]])
same("histogram total", exp["selected"], sum(r["count"] for r in act["histogram"]["rows"]))
for e in errors:
    print("FAIL:", e)
if errors:
    sys.exit(1)
print("ok: %d lines, %d decisions, %d selected, %d clients match"
      % (act["lines"], act["decisions"], act["selected"], act["distinct"]["clients"]))
