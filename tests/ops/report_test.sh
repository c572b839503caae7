#!/bin/sh
# report_test.sh REPORT WORKDIR - relaylock-report on generated logs: plain,
# .gz, stdin, several files; filters; csv, html; exit codes. Fails on the
# first wrong figure.
set -eu
REPORT=$1
W=$2
HERE=$(dirname "$0")
export TZ=UTC
rm -rf "$W" && mkdir -p "$W"
fail() { echo "FAIL: $*" >&2; exit 1; }
n=0
ok() { n=$((n + 1)); }

python3 "$HERE/genlog.py" 60000 11 "$W/a.log" "$W/a.json"
python3 "$HERE/genlog.py" 40000 12 "$W/b.log" "$W/b.json"

# plain, gzip, stdin: the same figures
"$REPORT" --year 2026 --format json "$W/a.log" > "$W/a.out"
python3 "$HERE/check_report_json.py" "$W/a.json" "$W/a.out"; ok
gzip -c "$W/a.log" > "$W/a.log.1.gz"
"$REPORT" --year 2026 --format json "$W/a.log.1.gz" > "$W/agz.out"
cmp -s "$W/a.out" "$W/agz.out" || fail ".gz gives other figures than plain"; ok
"$REPORT" --year 2026 --format json < "$W/a.log" > "$W/astdin.out"
cmp -s "$W/a.out" "$W/astdin.out" || fail "stdin gives other figures than a file"; ok
gzip -c "$W/a.log" | "$REPORT" --year 2026 --format json - > "$W/astdingz.out"
cmp -s "$W/a.out" "$W/astdingz.out" || fail "gzip on stdin gives other figures"; ok

# two files = their concatenation
cat "$W/a.log" "$W/b.log" > "$W/ab.log"
"$REPORT" --year 2026 --format json "$W/a.log.1.gz" "$W/b.log" > "$W/two.out"
"$REPORT" --year 2026 --format json "$W/ab.log" > "$W/ab.out"
cmp -s "$W/two.out" "$W/ab.out" || fail "two files differ from their concatenation"; ok

# jq-free field reader
get() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))" "$@"; }

# --action all: every decision is selected
"$REPORT" --year 2026 --format json --action all "$W/a.log" > "$W/all.out"
[ "$(get "$W/all.out" 'd["selected"]')" = "$(get "$W/a.json" 'd["decisions"]')" ] \
	|| fail "--action all does not select every decision"; ok
# --reason: only that reason
"$REPORT" --year 2026 --format json --reason percent_hack "$W/a.log" > "$W/r.out"
[ "$(get "$W/r.out" 'd["matched"]')" = "$(get "$W/a.json" 'd["by_reason"]["percent_hack"]')" ] \
	|| fail "--reason percent_hack"; ok
# --client: the top client's count, also through a CIDR
top=$(get "$W/a.json" 'd["top_clients"][0][0]')
cnt=$(get "$W/a.json" 'd["top_clients"][0][1]')
"$REPORT" --year 2026 --format json --client "$top" "$W/a.log" > "$W/c.out"
[ "$(get "$W/c.out" 'd["selected"]')" = "$cnt" ] || fail "--client $top"; ok
"$REPORT" --year 2026 --format json --client 198.51.100.0/24 --client 2001:db8::/32 \
	--client 192.0.2.0/24 "$W/a.log" > "$W/c2.out"
want=$(python3 -c "import json; d=json.load(open('$W/a.json')); print(d['selected'])")
unknown=$(grep -c 'action=\(reject\|would-reject\) .*client=unknown ' "$W/a.log" || true)
[ "$(get "$W/c2.out" 'd["selected"]')" = "$((want - unknown))" ] || fail "--client CIDRs"; ok
# --domain: the top domain, and a parent domain that must not match a look-alike
dom=$(get "$W/a.json" 'd["top_domains"][0][0]')
dcnt=$(get "$W/a.json" 'd["top_domains"][0][1]')
"$REPORT" --year 2026 --format json --domain "$dom" "$W/a.log" > "$W/d.out"
[ "$(get "$W/d.out" 'd["selected"]')" = "$dcnt" ] || fail "--domain $dom"; ok
"$REPORT" --year 2026 --format json --domain xample "$W/a.log" > "$W/d2.out"
[ "$(get "$W/d2.out" 'd["matched"]')" = 0 ] || fail "--domain matched inside a label"; ok
# --since/--until: the first hour has exactly the lines stamped in it
"$REPORT" --year 2026 --format json --action all --since 2026-11-26T01:00:00Z \
	--until 2026-11-26T02:00:00Z "$W/a.log" > "$W/t.out"
hour=$(grep -c '^\(2026-11-26T01\|Nov 26 01\).* NOQUEUE: action=' "$W/a.log" || true)
[ "$hour" -gt 100 ] || fail "generated log has no lines in 2026-11-26T01"
[ "$(get "$W/t.out" 'd["matched"]')" = "$hour" ] || fail "--since/--until: want $hour"; ok
"$REPORT" --year 2026 --format json --since 2030-01-01 "$W/a.log" > "$W/t2.out"
[ "$(get "$W/t2.out" 'd["matched"]')" = 0 ] || fail "--since in the future"; ok

# text: the tables and a histogram drawn with '#'
"$REPORT" --year 2026 --top 3 "$W/a.log" > "$W/a.txt"
grep -q '^Decisions by action' "$W/a.txt" || fail "text: no action table"
grep -q "^Top clients (reject,would-reject)" "$W/a.txt" || fail "text: no client table"
grep -q "^  *$cnt  $top " "$W/a.txt" || fail "text: top client line"
grep -q '|#\+ [0-9]' "$W/a.txt" || fail "text: no histogram"; ok
# csv: header, quoted fields, one row per reason
"$REPORT" --year 2026 --format csv "$W/a.log" > "$W/a.csv"
python3 - "$W/a.csv" "$W/a.json" <<'PY' || fail "csv"
import csv, json, sys
rows = list(csv.DictReader(open(sys.argv[1], newline="")))
exp = json.load(open(sys.argv[2]))
acts = {r["key"]: int(r["count"]) for r in rows if r["section"] == "action"}
assert acts == exp["by_action"], (acts, exp["by_action"])
assert sum(int(r["count"]) for r in rows if r["section"] in ("hour", "day")) == exp["selected"]
PY
ok
# html: self-contained, hostile text escaped
for i in 1 2 3 4 5 6 7 8 9; do
	echo '2026-11-24T10:00:0'$i'Z relaylock[1]: NOQUEUE: action=reject reason=relay_denied client=192.0.2.66 auth=<b>x</b> from=<"&amp;"@x> rcpt=<<script>alert(1)</script>\x20client\x3d6.6.6.6@evil.example> resolved=- mailer=- mode=enforce'
done > "$W/h.log"
head -2000 "$W/a.log" >> "$W/h.log"
"$REPORT" --year 2026 --html "$W/a.html" "$W/h.log" > /dev/null
grep -q '<svg' "$W/a.html" || fail "html: no svg chart"
! grep -q '<script' "$W/a.html" || fail "html: log text not escaped"
grep -q '&lt;script&gt;' "$W/a.html" || fail "html: hostile rcpt missing"
! grep -Eiq '(src|href)=|url\(|@import' "$W/a.html" || fail "html: external resource"
python3 - "$W/a.html" <<'PY' || fail "html: charts are not well-formed SVG"
import re, sys, xml.etree.ElementTree as ET
page = open(sys.argv[1]).read()
svgs = re.findall(r"<svg.*?</svg>", page, re.S)
assert len(svgs) == 2, len(svgs)
for s in svgs:
    root = ET.fromstring(s)
    assert root.findall("{http://www.w3.org/2000/svg}rect"), "no bars"
PY
ok

# forwards stay visible: an accepted hosted mailbox counts under the domain the
# MTA forwards it to; an old log's mta_resolution refusals are still read
{
	echo '2026-12-07T10:00:01Z relaylock[1]: NOQUEUE: action=accept reason=hosted client=192.0.2.7 auth=- from=<a@b.example> rcpt=<fwd@hosted.example> resolved=nobody@outside.example mailer=relay mode=enforce'
	echo '2026-12-07T10:00:02Z relaylock[1]: NOQUEUE: action=accept reason=hosted client=192.0.2.7 auth=- from=<a@b.example> rcpt=<box@hosted.example> resolved=box mailer=local mode=enforce'
	echo '2026-11-01T10:00:03Z relaylock[1]: NOQUEUE: action=reject reason=mta_resolution client=192.0.2.8 auth=- from=<a@b.example> rcpt=<fwd@hosted.example> resolved=nobody@outside.example mailer=relay mode=enforce'
} > "$W/fwd.log"
"$REPORT" --year 2026 --format json --action accept --domain outside.example "$W/fwd.log" > "$W/fwd.out"
[ "$(get "$W/fwd.out" 'd["selected"]')" = 1 ] || fail "forward: not counted under its target domain"; ok
"$REPORT" --year 2026 --format json --reason mta_resolution "$W/fwd.log" > "$W/fwdold.out"
[ "$(get "$W/fwdold.out" 'd["by_reason"]["mta_resolution"]["selected"]')" = 1 ] || fail "old mta_resolution line not read"; ok

# exit codes: unreadable file 1 (the rest is still reported), usage 64
set +e
"$REPORT" --year 2026 --format json "$W/missing.log" "$W/a.log" > "$W/m.out" 2>/dev/null
[ $? = 1 ] || fail "missing file: exit status"
"$REPORT" --bogus > /dev/null 2>&1; [ $? = 64 ] || fail "bad option: exit 64"
"$REPORT" --action nope > /dev/null 2>&1; [ $? = 64 ] || fail "bad action: exit 64"
"$REPORT" --since yesterday > /dev/null 2>&1; [ $? = 64 ] || fail "bad time: exit 64"
"$REPORT" --html /nonexistent/dir/x.html "$W/a.log" > /dev/null 2>&1; [ $? = 73 ] \
	|| fail "unwritable html: exit 73"
set -e
[ "$(get "$W/m.out" 'd["decisions"]')" = "$(get "$W/a.json" 'd["decisions"]')" ] \
	|| fail "missing file stopped the report"; ok
# memory stays bounded: --max-keys caps the tables
"$REPORT" --year 2026 --format json --max-keys 5 "$W/a.log" > "$W/k.out" 2>/dev/null
[ "$(get "$W/k.out" 'd["distinct"]["clients"]')" = 5 ] || fail "--max-keys"
[ "$(get "$W/k.out" 'sum(e["count"] for e in d["top_clients"]) + d["beyond_max_keys"]["clients"]')" \
	= "$(get "$W/k.out" 'd["selected"]')" ] || fail "--max-keys: hits beyond the cap are lost"; ok
# hostile input: an overlong line, NUL bytes, no final newline
python3 - "$W/hostile.log" <<'PY'
import sys
ok = (b"2026-11-24T10:00:00Z relaylock[1]: Q: action=reject reason=relay_denied "
      b"client=192.0.2.1 auth=- from=<> rcpt=<a@b.example> resolved=- mailer=- mode=enforce")
with open(sys.argv[1], "wb") as f:
    f.write(ok + b"\n" + b"2026-11-24T10:00:00Z relaylock[1]: " + b"x" * 200000 + b"\n")
    f.write(ok + b"\n" + b"\0\0\xff\xfe" + ok + b"\n" + ok.replace(b"a@b", b"a\0@b") + b"\n")
    f.write(ok)
PY
"$REPORT" --format json "$W/hostile.log" > "$W/hostile.out"
[ "$(get "$W/hostile.out" 'd["lines"]')" = 6 ] || fail "hostile: line count"
[ "$(get "$W/hostile.out" 'd["decisions"]')" = 3 ] || fail "hostile: decisions"; ok
echo "report_test: $n checks passed"
