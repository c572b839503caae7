#!/bin/sh
# report_bench.sh REPORT WORKDIR - relaylock-report throughput on a 2M-line
# log (plain and .gz) and its peak memory; prints "bench: NAME VALUE UNIT".
set -eu
REPORT=$1
W=$2
HERE=$(dirname "$0")
mkdir -p "$W"
export TZ=UTC
[ -s "$W/bench.log.gz" ] || {
	python3 "$HERE/genlog.py" 200000 5 "$W/part.log" "$W/part.json"
	for i in 1 2 3 4 5 6 7 8 9 10; do cat "$W/part.log"; done > "$W/bench.log"
	gzip -1 -c "$W/bench.log" > "$W/bench.log.gz"
	rm -f "$W/part.log"
}
lines=$(wc -l < "$W/bench.log")
rate() { # FILE -> lines per second, best of 3
	python3 - "$REPORT" "$1" "$lines" <<'PY'
import resource, subprocess, sys, time
best = None
for _ in range(3):
    t = time.monotonic()
    subprocess.run([sys.argv[1], "--year", "2026", sys.argv[2]], check=True,
                   stdout=subprocess.DEVNULL)
    d = time.monotonic() - t
    best = d if best is None else min(best, d)
rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(int(int(sys.argv[3]) / best), rss)
PY
}
set -- $(rate "$W/bench.log")
echo "bench: report_lines_per_s $1 lines/s"
echo "bench: report_max_rss $2 KiB"
set -- $(rate "$W/bench.log.gz")
echo "bench: report_gz_lines_per_s $1 lines/s"
