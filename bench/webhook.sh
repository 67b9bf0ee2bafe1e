#!/usr/bin/env bash
# bench/webhook.sh - events/s the webhook sink delivers into a local HTTP
# receiver, with batches of 1, 100 and 1000 events, against two baselines
# measured in the same run:
#
#   receiver ceiling  webhook-load POSTs a fixed body of real event JSON to
#                     the same receiver over the same number of keep-alive
#                     connections (libcurl multi), as fast as it answers
#   pipeline ceiling  meepo reading the same binlog into the print sink's
#                     "null" format (decode, route, queue; no I/O)
#   JSON ceiling      the same into the print sink's "json" format written to
#                     /dev/null: the SDK's event JSON, which every webhook
#                     body is made of
#
# Each meepo run is repeated REPEAT times and the fastest is shown (the
# machine is shared; the fastest run is the least disturbed one).
#
# Usage: bench/webhook.sh [BUILD_DIR]      (default: build)
# Environment: ROWS (200000) events for batches of 100 and 1000, ROWS_SINGLE
# (20000) for batches of 1, IN_FLIGHT (4) max_in_flight and load
# connections, LOAD_SECONDS (5), REPEAT (3), BENCH_MYSQL_PORTS (33250-33259) where the
# throwaway MariaDB that writes the binlogs may listen. Target (issue 6):
# >= 100000 events/s with batches of 100.
#
# Everything lives in $MEEPO_RUN_DIR (default .tmp/bench-webhook) and is
# stopped by pid on exit. See bench/README-webhook.md.
set -euo pipefail
shopt -s inherit_errexit

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=$(cd "${1:-$ROOT/build}" && pwd)
ROWS=${ROWS:-200000}
ROWS_SINGLE=${ROWS_SINGLE:-20000}
IN_FLIGHT=${IN_FLIGHT:-4}
LOAD_SECONDS=${LOAD_SECONDS:-5}
REPEAT=${REPEAT:-3}
PORTS=${BENCH_MYSQL_PORTS:-33250-33259}
export MEEPO_RUN_DIR=${MEEPO_RUN_DIR:-$ROOT/.tmp/bench-webhook}

MEEPO=$BUILD/core/meepo
RECEIVER=$BUILD/tests/integration/webhook/webhook-receiver
export MEEPO_PLUGIN_DIR=$BUILD/plugins
for f in "$MEEPO" "$RECEIVER" "$MEEPO_PLUGIN_DIR/meepo-sink-webhook.so"; do
	[[ -x "$f" || -f "$f" ]] || { echo "webhook.sh: $f missing: ninja -C $BUILD" >&2; exit 1; }
done

# shellcheck source=../scripts/services.sh
source "$ROOT/scripts/services.sh"
rm -rf "$MEEPO_RUN_DIR"
mkdir -p "$MEEPO_RUN_DIR"
WORK=$MEEPO_RUN_DIR/work
mkdir -p "$WORK"
RECEIVER_PID=

cleanup() {
	if [[ -n "$RECEIVER_PID" ]] && kill -0 "$RECEIVER_PID" 2>/dev/null; then
		kill "$RECEIVER_PID"
		wait "$RECEIVER_PID" 2>/dev/null || true
	fi
	svc_stop_all
}
trap cleanup EXIT

# The load generator: plain C against libcurl, built here.
LOAD=$WORK/webhook-load
cc -std=c11 -O2 -D_GNU_SOURCE -Wall -Wextra -Werror -o "$LOAD" "$ROOT/bench/webhook_load.c" \
	$(pkg-config --cflags --libs libcurl)

# ---- binlogs ---------------------------------------------------------------

echo "== writing binlogs ($ROWS and $ROWS_SINGLE row inserts, 100 per transaction)"
port=$(svc_free_port "${PORTS%-*}" "${PORTS#*-}")
svc_start_mariadb bench "$port" meepo >/dev/null
DATADIR=$(svc_dir bench)/data
sql() { svc_mariadb_root bench -N -B <<<"$1"; }
binlog_file() { sql "SHOW MASTER STATUS" | cut -f1; }

sql "CREATE DATABASE bench; CREATE TABLE bench.t (id INT PRIMARY KEY, name VARCHAR(64),
     amount DECIMAL(10,2), created DATETIME(3), flag TINYINT)"
# one file per event count: FLUSH BINARY LOGS before and after
write_rows() { # FIRST_ID COUNT
	local first=$1 count=$2 from stmts="USE bench;"
	sql "FLUSH BINARY LOGS"
	local file
	file=$(binlog_file)
	for ((from = first; from < first + count; from += 100)); do
		stmts+="INSERT INTO bench.t SELECT seq, CONCAT('customer ', seq), seq / 100,
		        '2026-01-02 03:04:05.678' + INTERVAL seq SECOND, seq % 2
		        FROM seq_${from}_to_$((from + 99));"
		if ((${#stmts} > 1000000)); then
			sql "$stmts"
			stmts="USE bench;"
		fi
	done
	sql "$stmts"
	sql "FLUSH BINARY LOGS"
	echo "$DATADIR/$file"
}
((ROWS % 100 == 0 && ROWS_SINGLE % 100 == 0 && ROWS_SINGLE >= 1000)) ||
	{ echo "webhook.sh: ROWS and ROWS_SINGLE must be multiples of 100, ROWS_SINGLE >= 1000" >&2; exit 1; }
BIG=$(write_rows 1 "$ROWS")
SMALL=$(write_rows $((ROWS + 1)) "$ROWS_SINGLE")
[[ $(sql "SELECT COUNT(*) FROM bench.t") == $((ROWS + ROWS_SINGLE)) ]] ||
	{ echo "webhook.sh: the inserts did not all happen" >&2; exit 1; }

# ---- the receiver ----------------------------------------------------------

"$RECEIVER" --port 0 --port-file "$WORK/port" --pid "$WORK/receiver.pid" 2>"$WORK/receiver.err" &
RECEIVER_PID=$!
for _ in $(seq 100); do [[ -s "$WORK/port" ]] && break; sleep 0.05; done
RPORT=$(cat "$WORK/port")
URL="http://127.0.0.1:$RPORT/bench"
head -c 32 /dev/urandom | base64 | sed 's/^/whsec_/' >"$WORK/secret"

# ---- runs --------------------------------------------------------------------

now() { date +%s.%N; }
rate() { awk -v n="$1" -v t="$2" 'BEGIN { printf "%.0f", n / t }'; }
stat_requests() { curl -s "http://127.0.0.1:$RPORT/stats" | sed 's/.*"requests":\([0-9]*\).*/\1/'; }

# run_meepo NAME BINLOG EVENTS SINK_BLOCK [RUNS]: runs meepo RUNS times
# (default 1) and prints "events seconds events/s" of the fastest run
run_meepo() {
	local name=$1 binlog=$2 events=$3 block=$4 runs=${5:-1} conf="$WORK/$1.conf" t0 t1 i
	local best=
	cat >"$conf" <<-EOF
		log = { level = "warn"; };
		sinks = ( { name = "$name"; $block } );
		routes = ( { match = [ "bench.*" ]; sink = "$name"; } );
	EOF
	for ((i = 0; i < runs; i++)); do
		t0=$(now)
		"$MEEPO" -c "$conf" --exit-at-end --binlog "$binlog" 2>"$WORK/$name.err" ||
			{ echo "meepo failed:" >&2; cat "$WORK/$name.err" >&2; exit 1; }
		t1=$(now)
		best=$(awk -v a="$t0" -v b="$t1" -v best="$best" \
			'BEGIN { t = b - a; if (best == "" || t < best) print t; else print best }')
	done
	awk -v n="$events" -v t="$best" 'BEGIN { printf "%d %.2f %.0f\n", n, t, n / t }'
}

# A body of N real events, as the sink sends it, for the load generator.
echo "== sample bodies"
run_meepo sample "$SMALL" "$ROWS_SINGLE" \
	"plugin = \"print\"; format = \"json\"; output = \"$WORK/events.jsonl\";" >/dev/null
for n in 1 100 1000; do
	if ((n == 1)); then
		head -n 1 "$WORK/events.jsonl" | tr -d '\n' >"$WORK/body-$n.json"
	else
		head -n "$n" "$WORK/events.jsonl" | paste -sd, | sed 's/^/[/; s/$/]/' | tr -d '\n' \
			>"$WORK/body-$n.json"
	fi
done

printf '\n%-34s %9s %8s %12s %10s\n' "run" "events" "seconds" "events/s" "requests"
line() { printf '%-34s %9s %8s %12s %10s\n' "$@"; }

read -r n t r < <(run_meepo pipeline "$BIG" "$ROWS" "plugin = \"print\"; format = \"null\";" \
	"$REPEAT")
line "pipeline ceiling (print null)" "$n" "$t" "$r" "-"
read -r n t r < <(run_meepo json "$BIG" "$ROWS" \
	"plugin = \"print\"; format = \"json\"; output = \"/dev/null\";" "$REPEAT")
line "JSON ceiling (print json)" "$n" "$t" "$r" "-"

for batch in 1 100 1000; do
	binlog=$BIG events=$ROWS
	if ((batch == 1)); then binlog=$SMALL events=$ROWS_SINGLE; fi
	out=$("$LOAD" "$URL" "$WORK/body-$batch.json" "$batch" "$IN_FLIGHT" "$LOAD_SECONDS")
	eps=$(sed 's/.*events_per_s=\([0-9]*\).*/\1/' <<<"$out")
	reqs=$(sed 's/^requests=\([0-9]*\).*/\1/' <<<"$out")
	line "receiver ceiling, batch $batch" "-" "$LOAD_SECONDS" "$eps" "$reqs"
	before=$(stat_requests)
	read -r n t r < <(run_meepo "webhook$batch" "$binlog" "$events" \
		"plugin = \"webhook\"; url = \"$URL\"; batch_max_events = $batch;
		 max_in_flight = $IN_FLIGHT; secret_file = \"$WORK/secret\";" "$REPEAT")
	line "meepo webhook, batch $batch" "$n" "$t" "$r" "$((($(stat_requests) - before) / REPEAT))"
done
echo
echo "(meepo runs: fastest of $REPEAT; requests: per run; batch_max_events is also the"
echo " core's batch size; max_in_flight = $IN_FLIGHT; signed with a 32-byte secret;"
echo " target >= 100000 events/s at batch 100)"
