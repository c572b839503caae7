#!/bin/sh
# milter_bench.sh RELAYLOCK NULL_MILTER MILTER_LOAD: sessions per second of
# relaylock against a null libmilter milter, same unix socket type, same
# load client, interleaved rounds (median of ROUNDS each); and of a second
# relaylock with metrics_listen, scraped every second meanwhile. Prints
# bench lines.
set -eu
relaylock=$1 null=$2 load=$3
rounds=${ROUNDS:-5}
rcpts=${RCPTS:-20000}
tmp=$(mktemp -d /tmp/relaylock-bench-XXXXXX)
chmod 755 "$tmp"
pids=
cleanup() { for p in $pids; do kill "$p" 2>/dev/null || true; done; rm -rf "$tmp"; }
trap cleanup EXIT INT TERM
cat > "$tmp/relaylock.conf" <<CONF
hosted_domains = { "hosted.example" }
trusted_networks = { "10.0.0.0/8" }
socket = "unix:$tmp/relaylock.sock"
socket_mode = 0666
pid_file = ""
CONF
mport=$((20000 + $$ % 20000))
sed -e "s|relaylock.sock|metrics.sock|" "$tmp/relaylock.conf" > "$tmp/metrics.conf"
echo "metrics_listen = \"127.0.0.1:$mport\"" >> "$tmp/metrics.conf"
# The decision log goes to a file, as in production.
"$relaylock" -f -c "$tmp/relaylock.conf" -u nobody 2>"$tmp/relaylock.log" &
pids="$pids $!"
"$relaylock" -f -c "$tmp/metrics.conf" -u nobody 2>"$tmp/metrics.log" &
pids="$pids $!"
# A Prometheus-like scraper, once a second.
python3 -c 'import sys, time, urllib.request
while True:
    try:
        urllib.request.urlopen(sys.argv[1], timeout=5).read()
    except OSError:
        pass
    time.sleep(1)' "http://127.0.0.1:$mport/metrics" &
pids="$pids $!"
"$null" "unix:$tmp/null.sock" &
pids="$pids $!"
i=0
while [ ! -S "$tmp/relaylock.sock" ] || [ ! -S "$tmp/null.sock" ] || [ ! -S "$tmp/metrics.sock" ]; do
	i=$((i + 1)); [ $i -lt 100 ] || { echo "milter_bench: milters did not start" >&2; exit 1; }
	sleep 0.1
done
rate() { "$load" -s "$1" -c 20 -r 5 -n "$rcpts" -t 60 $2 | sed -n 's/.*sessions_per_s=\([0-9]*\).*/\1/p'; }
rate "$tmp/relaylock.sock" "" >/dev/null   # warm up both
rate "$tmp/null.sock" -a >/dev/null
rate "$tmp/metrics.sock" "" >/dev/null
r=0; rl=; nl=; ml=
while [ $r -lt "$rounds" ]; do
	rl="$rl $(rate "$tmp/relaylock.sock" "")"
	nl="$nl $(rate "$tmp/null.sock" -a)"
	ml="$ml $(rate "$tmp/metrics.sock" "")"
	r=$((r + 1))
done
median() { printf '%s\n' $1 | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
a=$(median "$rl"); b=$(median "$nl"); m=$(median "$ml")
echo "bench: milter_relaylock_sessions_per_s $a sessions/s"
echo "bench: milter_null_sessions_per_s $b sessions/s"
echo "bench: milter_ratio $(awk -v a="$a" -v b="$b" 'BEGIN { printf "%.3f", a / b }') ratio"
echo "bench: milter_relaylock_metrics_sessions_per_s $m sessions/s"
echo "bench: milter_ratio_metrics $(awk -v a="$m" -v b="$b" 'BEGIN { printf "%.3f", a / b }') ratio"
