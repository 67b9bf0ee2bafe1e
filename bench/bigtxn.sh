#!/usr/bin/env bash
# bench/bigtxn.sh - meepo's peak memory on one huge transaction through a
# slow sink, next to the configured queue budget.
#
# A private MariaDB gets one INSERT ... SELECT of ROWS rows (a single
# transaction, default 5 million rows, about 60 bytes of row data each), and
# a tiny transaction of 1000 rows for the baseline. meepo then follows the
# server from the start of each transaction to the end (--exit-at-end)
# with one sink: the print sink writing the events as JSON lines to a file
# with fsync after every batch of 1000 events (a sink that does real work
# and waits for the disk, so that the reader outruns it and the queue
# fills). It runs under /usr/bin/time -v for its peak RSS ("Maximum
# resident set size"):
#
#   baseline      the 1000-row transaction: meepo's fixed overhead
#   ROWS / 10     at the first budget: the same budget, a tenth of the rows
#   ROWS          at every budget of BUDGETS
#
# With bounded memory the peak minus the baseline stays below the queue
# budget plus the chunk being filled (a quarter of the budget, at most 16
# MiB) plus a small allowance (8 MiB) whatever the transaction's size; it
# would grow with the transaction if events were buffered. Every run checks that the output
# holds exactly one line per row. Not a test: a measurement, with a verdict.
#
# Usage: bench/bigtxn.sh [BUILD_DIR]            (default: build)
# Environment: ROWS (5000000), BUDGETS (queue_max_bytes values, default
# "4194304 16777216 67108864 268435456": 4, 16, 64 (meepo's default) and 256
# MiB), BENCH_MYSQL_PORTS (33330-33339). Everything lives in
# $MEEPO_RUN_DIR (default /tmp/meepo-bigtxn, up to about 2.5 GB while it runs)
# and the server is stopped by pid and the dir removed on exit. See
# bench/README-bigtxn.md.
set -euo pipefail
shopt -s inherit_errexit

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=$(cd "${1:-$ROOT/build}" && pwd)
ROWS=${ROWS:-5000000}
BUDGETS=${BUDGETS:-"4194304 16777216 67108864 268435456"}
MY_PORTS=${BENCH_MYSQL_PORTS:-33330-33339}
BASE_ROWS=1000
SLACK_KIB=$((8 * 1024))
export MEEPO_RUN_DIR=${MEEPO_RUN_DIR:-/tmp/meepo-bigtxn}

MEEPO=$BUILD/core/meepo
export MEEPO_PLUGIN_DIR=$BUILD/plugins
for f in "$MEEPO" "$MEEPO_PLUGIN_DIR/meepo-sink-print.so" /usr/bin/time; do
	[[ -x "$f" || -f "$f" ]] || { echo "bigtxn.sh: $f missing" >&2; exit 1; }
done

# shellcheck source=../scripts/services.sh
source "$ROOT/scripts/services.sh"
rm -rf "$MEEPO_RUN_DIR"
mkdir -p "$MEEPO_RUN_DIR/work"
chmod 0755 "$MEEPO_RUN_DIR"
WORK=$MEEPO_RUN_DIR/work
trap 'svc_stop_all; rm -rf "$MEEPO_RUN_DIR"' EXIT

port=$(svc_free_port "${MY_PORTS%-*}" "${MY_PORTS#*-}")
svc_start_mariadb bigtxn "$port" meepo
export MEEPO_BENCH_PASSWORD=meepo
sql() {
	svc_mariadb_root bigtxn -N -B -e "$1"
}

# A bigger buffer pool than services.sh's 64M, so that the INSERT is not
# the slow part (resized online).
sql "SET GLOBAL innodb_buffer_pool_size = 1073741824"
sql "CREATE DATABASE bench"
for table in base big small; do
	sql "CREATE TABLE bench.$table (id BIGINT PRIMARY KEY, k INT NOT NULL,
		name VARCHAR(40) NOT NULL, created DATETIME NOT NULL, amount DECIMAL(12,2) NOT NULL)"
done

# insert TABLE N: one transaction of N rows; prints the binlog position
# before it as "FILE POS".
insert() {
	local before
	before=$(sql "SHOW MASTER STATUS" | cut -f1,2 | tr '\t' ' ')
	sql "INSERT INTO bench.$1 SELECT seq, seq % 1000, CONCAT('customer-', seq),
		'2024-01-01' + INTERVAL seq SECOND, seq / 100 FROM bench.seq_1_to_$2"
	echo "$before"
}

echo "writing: one transaction of $BASE_ROWS rows, one of $((ROWS / 10)), one of $ROWS" >&2
t0=$SECONDS
read -r base_file base_pos < <(insert base "$BASE_ROWS")
read -r small_file small_pos < <(insert small $((ROWS / 10)))
read -r big_file big_pos < <(insert big "$ROWS")
echo "written in $((SECONDS - t0)) s; binlog: $(sql "SHOW BINARY LOGS" | awk '{s += $2} END {printf "%.0f MB", s / 1e6}')" >&2

# measure TABLE FILE POS ROWS BUDGET: runs meepo from FILE:POS to the end
# with only bench.TABLE routed; prints "peak_kib seconds".
measure() {
	local table=$1 file=$2 pos=$3 rows=$4 budget=$5 lines peak elapsed
	cat >"$WORK/meepo.conf" <<EOF
source = { host = "127.0.0.1"; port = $port; user = "meepo"; password_env = "MEEPO_BENCH_PASSWORD";
  server_id = 4343; start = { file = "$file"; pos = $pos; }; };
sinks = ( { name = "out"; plugin = "print"; format = "json"; fsync = true;
  output = "$WORK/out.jsonl"; queue_max_bytes = $budget; batch_max_events = 1000; } );
routes = ( { match = [ "bench.$table" ]; sink = "out"; } );
EOF
	rm -f "$WORK/out.jsonl"
	if ! /usr/bin/time -v -o "$WORK/time.txt" "$MEEPO" -q -c "$WORK/meepo.conf" --exit-at-end \
		2>"$WORK/meepo.err"; then
		cat "$WORK/meepo.err" >&2
		echo "bigtxn.sh: meepo failed" >&2
		exit 1
	fi
	lines=$(wc -l <"$WORK/out.jsonl")
	if ((lines != rows)); then
		echo "bigtxn.sh: $lines events printed for $rows rows" >&2
		exit 1
	fi
	rm -f "$WORK/out.jsonl"
	peak=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$WORK/time.txt")
	elapsed=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$WORK/time.txt")
	echo "$peak $(awk -F: '{s = 0; for (i = 1; i <= NF; i++) s = s * 60 + $i; print s}' <<<"$elapsed")"
}

first_budget=${BUDGETS%% *}
read -r base_kib base_s < <(measure base "$base_file" "$base_pos" "$BASE_ROWS" "$first_budget")

over_budget=0
not_flat=0
printf '\n%-10s %-16s %-11s %-13s %-17s %-9s %s\n' rows queue_max_bytes "peak RSS" "over baseline" \
	"allowed over" seconds events/s
printf '%-10s %-16s %-11s %-13s %-17s %-9s %s\n' "$BASE_ROWS" "$first_budget" "$((base_kib / 1024)) MiB" \
	"(baseline)" "" "$base_s" ""
# chunk_limit BUDGET: the chunk size meepo splits transactions at (core/run.c):
# a quarter of the smallest budget, within 256 KiB .. 16 MiB.
chunk_limit() {
	local limit=$(($1 / 4))
	((limit < 262144)) && limit=262144
	((limit > 16777216)) && limit=16777216
	echo "$limit"
}

# row ROWS BUDGET PEAK_KIB SECONDS: one line of the table, with the verdict.
row() {
	local rows=$1 budget=$2 peak=$3 secs=$4 over allowed mark=""
	over=$((peak - base_kib))
	allowed=$((budget / 1024 + $(chunk_limit "$budget") / 1024 + SLACK_KIB))
	if ((over > allowed)); then
		mark="  <-- over its allowance"
		over_budget=1
	fi
	printf '%-10s %-16s %-11s %-13s %-17s %-9s %s%s\n' "$rows" "$budget" "$((peak / 1024)) MiB" \
		"$((over / 1024)) MiB" "$((allowed / 1024)) MiB" "$secs" \
		"$(awk -v r="$rows" -v s="$secs" 'BEGIN {printf "%.0f", (s > 0 ? r / s : 0)}')" "$mark"
}
read -r small_kib secs < <(measure small "$small_file" "$small_pos" $((ROWS / 10)) "$first_budget")
row $((ROWS / 10)) "$first_budget" "$small_kib" "$secs"
for budget in $BUDGETS; do
	read -r kib secs < <(measure big "$big_file" "$big_pos" "$ROWS" "$budget")
	row "$ROWS" "$budget" "$kib" "$secs"
	if [[ "$budget" == "$first_budget" ]]; then
		growth=$((kib - small_kib))
	fi
done
echo
echo "allowed over the baseline: queue_max_bytes + the chunk being filled (queue_max_bytes / 4,"
echo "within 256 KiB .. 16 MiB) + $((SLACK_KIB / 1024)) MiB"
if ((growth <= 4096)); then
	echo "flat: 10 times the rows at the same budget, $((growth / 1024)) MiB more peak RSS"
else
	echo "NOT flat: 10 times the rows at the same budget, $((growth / 1024)) MiB more peak RSS"
	not_flat=1
fi
if ((over_budget == 0)); then
	echo "bounded: every run within its allowance"
else
	echo "a run went over its allowance (marked <--)"
fi
exit $((over_budget | not_flat))
