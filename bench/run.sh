#!/usr/bin/env bash
# bench/run.sh - meepo's throughput, memory and latency against its peers,
# all measured in one run on one private MariaDB (issue 9).
#
# The workload: a table bench.t (id BIGINT PK, a INT, b VARCHAR(64),
# c DECIMAL(12,4), d DATETIME(6), e JSON) gets N inserts, then N updates of
# every column but the key, then N deletes, 1000 rows per statement (one
# transaction each): 3N row events in a binlog range that starts at a fresh
# file. Then, REPEAT times each (interleaved rounds, median time, largest
# peak RSS):
#
#   meepo live -> null       meepo --exit-at-end reading the range from the
#                            server (non-blocking dump) into the print sink's
#                            "null" format (decode, route, queue; no output)
#   meepo live -> json       the same into format "json", output /dev/null
#   meepo file -> null/json  the same from the binlog file(s) (--binlog)
#   mariadb-binlog           --verbose --base64-output=DECODE-ROWS of the
#                            same file(s), output /dev/null
#   rpl_fetch loop           bench/fetch_loop.c: a bare mariadb_rpl_fetch()
#                            loop over the same range (the transport floor)
#   zongji                   @vlasky/zongji (Node.js, from npm) streaming the
#                            same range, counting rows (skipped with a
#                            message if npm cannot install it)
#
# Times are wall clock, process start to exit (connecting and loading
# included); rows/s = 3N / time. Before the timed runs, one untimed run of
# each meepo source and of mariadb-binlog checks that exactly N inserts,
# N updates and N deletes come out. Last, latency: bench/latency.c inserts
# LATENCY_ROWS lone rows at LATENCY_RATE rows/s while meepo (print sink,
# json, to a pipe the program reads) follows the server; median and p99 of
# (arrival - time the INSERT was sent).
#
# Usage: bench/run.sh [N]        N rows per phase, a multiple of 1000
#                                (default 1000000; 50000 for a quick look)
# Environment: BUILD (build dir, default build), REPEAT (3), LATENCY_ROWS
# (5000), LATENCY_RATE (1000), BENCH_MYSQL_PORTS (33340-33359),
# MEEPO_RUN_DIR (/tmp/meepo-bench: server, binlogs, configs, logs),
# PROFILE=callgrind (after the table, profile meepo live -> null and
# live -> json under callgrind; use a small N), QUEUE_MAX_BYTES (the sinks'
# queue_max_bytes; default: meepo's default).
#
# Servers are stopped by pid on exit; after a successful run the server's
# data dir (binlog, tables) is removed, the logs stay. See bench/README.md.
set -euo pipefail
shopt -s inherit_errexit

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
N=${1:-1000000}
BUILD=$(cd "${BUILD:-$ROOT/build}" && pwd)
REPEAT=${REPEAT:-3}
LAT_ROWS=${LATENCY_ROWS:-5000}
LAT_RATE=${LATENCY_RATE:-1000}
PORTS=${BENCH_MYSQL_PORTS:-33340-33359}
PROFILE=${PROFILE:-}
export MEEPO_RUN_DIR=${MEEPO_RUN_DIR:-/tmp/meepo-bench}
export MEEPO_PASSWORD=meepo
export MEEPO_PLUGIN_DIR=$BUILD/plugins

if ! [[ "$N" =~ ^[0-9]+$ ]] || ((N < 1000 || N % 1000 != 0)); then
	echo "run.sh: N must be a multiple of 1000 (got '$N')" >&2
	exit 2
fi
ROWS=$((3 * N))
MEEPO=$BUILD/core/meepo
FETCH=$BUILD/bench/fetch_loop
LATENCY=$BUILD/bench/latency
T_START=$(date +%s)

# shellcheck source=../scripts/services.sh
source "$ROOT/scripts/services.sh"
rm -rf "$MEEPO_RUN_DIR"
mkdir -p "$MEEPO_RUN_DIR/work"
WORK=$MEEPO_RUN_DIR/work
LAT_PID=

cleanup() {
	if [[ -n "$LAT_PID" ]] && kill -0 "$LAT_PID" 2>/dev/null; then
		kill -TERM "$LAT_PID"
		wait "$LAT_PID" 2>/dev/null || true
	fi
	svc_stop_all 2>/dev/null
}
trap cleanup EXIT

die() {
	echo "run.sh: $*" >&2
	exit 1
}

# ---- programs ----------------------------------------------------------------

echo "== building meepo, the print sink, bench/fetch_loop and bench/latency ($BUILD)"
ninja -C "$BUILD" core/meepo plugins/meepo-sink-print.so bench/fetch_loop bench/latency \
	>"$WORK/build.log" 2>&1 || { tail -n 30 "$WORK/build.log" >&2; die "build failed"; }

ZONGJI_SKIP=
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
	ZONGJI_SKIP="node/npm not installed"
elif [[ ! -d "$ROOT/bench/node_modules/@vlasky/zongji" ]]; then
	echo "== installing @vlasky/zongji into bench/node_modules (npm)"
	if ! (cd "$ROOT/bench" && timeout 300 npm install --no-package-lock --no-audit --no-fund) \
		>"$WORK/npm.log" 2>&1; then
		ZONGJI_SKIP="npm could not install @vlasky/zongji (see $WORK/npm.log)"
	fi
fi
[[ -z "$ZONGJI_SKIP" ]] || echo "== zongji skipped: $ZONGJI_SKIP"

# ---- server and workload -----------------------------------------------------

PORT=$(svc_free_port "${PORTS%-*}" "${PORTS#*-}")
svc_start_mariadb bench "$PORT" "$MEEPO_PASSWORD" 2>"$WORK/services.log" ||
	{ cat "$WORK/services.log" >&2; die "MariaDB did not start"; }
DATADIR=$(svc_dir bench)/data
sql() { svc_mariadb_root bench -N -B <<<"$1"; }

sql "SET GLOBAL innodb_buffer_pool_size = 512 * 1024 * 1024;
     CREATE DATABASE bench;
     CREATE TABLE bench.t (id BIGINT PRIMARY KEY, a INT, b VARCHAR(64), c DECIMAL(12,4),
                           d DATETIME(6), e JSON);
     CREATE TABLE bench.lat (id BIGINT PRIMARY KEY, sent_us BIGINT);
     FLUSH BINARY LOGS"
START_FILE=$(sql "SHOW MASTER STATUS" | cut -f1)

# workload: the statements, 1000 rows each
workload() {
	awk -v n="$N" 'BEGIN {
		print "USE bench;"
		for (i = 1; i <= n; i += 1000)
			printf "INSERT INTO t SELECT seq, seq %% 1000003, " \
			       "CONCAT(\"customer \", seq, \" \", LEFT(MD5(seq), 20)), seq / 7, " \
			       "TIMESTAMP\"2024-01-01 00:00:00\" + INTERVAL seq * 1000003 MICROSECOND, " \
			       "JSON_OBJECT(\"k\", seq, \"tag\", LEFT(SHA1(seq), 12), " \
			       "\"list\", JSON_ARRAY(1, 2, 3)) FROM seq_%d_to_%d;\n", i, i + 999
		for (i = 1; i <= n; i += 1000)
			printf "UPDATE t SET a = a + 1, b = CONCAT(\"updated \", id, \" \", " \
			       "LEFT(MD5(id + 1), 20)), c = c + 1.5, d = d + INTERVAL 1 SECOND, " \
			       "e = JSON_SET(e, \"$.k\", id + 1) WHERE id BETWEEN %d AND %d;\n", i, i + 999
		for (i = 1; i <= n; i += 1000)
			printf "DELETE FROM t WHERE id BETWEEN %d AND %d;\n", i, i + 999
	}'
}

echo "== workload: $N inserts, $N updates, $N deletes (1000 rows per statement)"
t0=$(date +%s)
workload | svc_mariadb_root bench || die "the workload failed"
sql "FLUSH BINARY LOGS"
[[ $(sql "SELECT COUNT(*) FROM bench.t") == 0 ]] || die "bench.t is not empty after the deletes"
END_FILE=$(sql "SHOW MASTER STATUS" | cut -f1)
FILES=()
BINLOG_BYTES=0
while read -r name size _; do
	if [[ ! "$name" < "$START_FILE" && "$name" < "$END_FILE" ]]; then
		FILES+=("$DATADIR/$name")
		BINLOG_BYTES=$((BINLOG_BYTES + size))
	fi
done < <(sql "SHOW BINARY LOGS")
echo "   $(($(date +%s) - t0)) s; binlog ${FILES[*]##*/}: $((BINLOG_BYTES / 1048576)) MiB"

# ---- configurations ------------------------------------------------------------

QUEUE_LINE=
if [[ -n "${QUEUE_MAX_BYTES:-}" ]]; then
	QUEUE_LINE="queue_max_bytes = $QUEUE_MAX_BYTES;"
fi

RANGE_START="{ file = \"$START_FILE\"; pos = 4; }"
# conf NAME SOURCE(live|file) SINK_OPTIONS [MATCH [START]]: writes $WORK/NAME.conf
conf() {
	local name=$1 source=$2 options=$3 match=${4:-bench.t} start=${5:-$RANGE_START}
	{
		echo 'log = { level = "warn"; };'
		if [[ "$source" == live ]]; then
			echo "source = { host = \"127.0.0.1\"; port = $PORT; user = \"meepo\";"
			echo "	password_env = \"MEEPO_PASSWORD\"; server_id = 4242;"
			echo "	start = $start; };"
		fi
		echo "sinks = ( { name = \"out\"; plugin = \"print\"; $options $QUEUE_LINE } );"
		echo "routes = ( { match = [ \"$match\" ]; sink = \"out\"; } );"
	} >"$WORK/$name.conf"
}
conf live-null live 'format = "null";'
conf live-json live 'format = "json"; output = "/dev/null";'
conf live-check live 'format = "json";'
conf file-null file 'format = "null";'
conf file-json file 'format = "json"; output = "/dev/null";'
conf file-check file 'format = "json";'
conf latency live 'format = "json";' bench.lat '"current"'

# ---- checks: every run gets exactly the workload's rows ------------------------

# check NAME COUNTS: COUNTS must be "N N N" (inserts updates deletes)
check() {
	[[ "$2" == "$N $N $N" ]] || die "$1 produced inserts/updates/deletes '$2', not '$N $N $N'"
}
count_json() {
	grep -o '"type":"[a-z]*"' | awk '{ c[$0]++ } END {
		printf "%d %d %d\n", c["\"type\":\"insert\""], c["\"type\":\"update\""], c["\"type\":\"delete\""] }'
}
echo "== checking the row counts of meepo (live and file) and mariadb-binlog"
check "meepo live" "$("$MEEPO" -c "$WORK/live-check.conf" --exit-at-end 2>"$WORK/check.err" | count_json)"
check "meepo file" "$("$MEEPO" -c "$WORK/file-check.conf" --exit-at-end --binlog "${FILES[@]}" \
	2>"$WORK/check.err" | count_json)"
check "mariadb-binlog" "$(mariadb-binlog --verbose --base64-output=DECODE-ROWS "${FILES[@]}" \
	2>"$WORK/check.err" | awk '/^### INSERT INTO `bench`.`t`/ { i++ } /^### UPDATE `bench`.`t`/ { u++ }
	/^### DELETE FROM `bench`.`t`/ { d++ } END { printf "%d %d %d\n", i, u, d }')"

# ---- timed runs ------------------------------------------------------------------

# measure NAME CMD...: one timed run; appends "nanoseconds peak_rss_kib" to
# $WORK/NAME.samples; stdout in $WORK/NAME.out. Returns the command's status.
measure() {
	local name=$1 t0 t1
	shift
	t0=$(date +%s%N)
	if ! /usr/bin/time -f '%M' -o "$WORK/$name.rss" "$@" >"$WORK/$name.out" 2>"$WORK/$name.err"; then
		return 1
	fi
	t1=$(date +%s%N)
	echo "$((t1 - t0)) $(tail -n 1 "$WORK/$name.rss")" >>"$WORK/$name.samples"
}

# must NAME CMD...: measure, or stop with the command's errors
must() {
	measure "$@" || { cat "$WORK/$1.err" >&2; die "$1 failed"; }
}

ZONGJI_FAIL=
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
echo "== timed runs: $REPEAT rounds"
for ((round = 1; round <= REPEAT; round++)); do
	must live-null "$MEEPO" -c "$WORK/live-null.conf" --exit-at-end
	must live-json "$MEEPO" -c "$WORK/live-json.conf" --exit-at-end
	must file-null "$MEEPO" -c "$WORK/file-null.conf" --exit-at-end --binlog "${FILES[@]}"
	must file-json "$MEEPO" -c "$WORK/file-json.conf" --exit-at-end --binlog "${FILES[@]}"
	must mariadb-binlog mariadb-binlog --verbose --base64-output=DECODE-ROWS \
		--result-file=/dev/null "${FILES[@]}"
	must fetch "$FETCH" 127.0.0.1 "$PORT" meepo "$START_FILE" 4
	if [[ -z "$ZONGJI_SKIP$ZONGJI_FAIL" ]] && ! measure zongji timeout 900 node \
		"$ROOT/bench/zongji.js" 127.0.0.1 "$PORT" meepo "$START_FILE" 4 "$ROWS"; then
		ZONGJI_FAIL="failed: $(tail -n 1 "$WORK/zongji.err")"
	fi
	echo "   round $round done"
done
grep -q "rows=$ROWS " "$WORK/zongji.out" 2>/dev/null || [[ -n "$ZONGJI_SKIP$ZONGJI_FAIL" ]] ||
	die "zongji counted $(cat "$WORK/zongji.out"), not $ROWS rows"

# ---- latency -------------------------------------------------------------------

echo "== latency: $LAT_ROWS lone rows at $LAT_RATE rows/s"
mkfifo "$WORK/latency.fifo"
"$MEEPO" -c "$WORK/latency.conf" >"$WORK/latency.fifo" 2>"$WORK/latency-meepo.err" &
LAT_PID=$!
"$LATENCY" 127.0.0.1 "$PORT" meepo "$LAT_ROWS" "$LAT_RATE" <"$WORK/latency.fifo" \
	>"$WORK/latency.out" 2>"$WORK/latency.err" ||
	{ cat "$WORK/latency.err" "$WORK/latency-meepo.err" >&2; die "the latency run failed"; }
kill -TERM "$LAT_PID"
wait "$LAT_PID" 2>/dev/null || true
LAT_PID=
declare -A LAT
read -r -a kvs <"$WORK/latency.out"
for kv in "${kvs[@]}"; do
	LAT[${kv%%=*}]=${kv#*=}
done
ms() { awk -v u="$1" 'BEGIN { printf "%.3f", u / 1000 }'; }

# ---- the table -------------------------------------------------------------------

# stats NAME: "median_seconds rows_per_s peak_rss_mib" of NAME's samples
stats() {
	sort -n "$WORK/$1.samples" | awk -v rows="$ROWS" '
		{ t[NR] = $1; if ($2 > rss) rss = $2 }
		END { s = t[int((NR + 1) / 2)] / 1e9; printf "%.3f %.0f %.1f\n", s, rows / s, rss / 1024 }'
}
declare -A SEC RATE RSS
for name in live-null live-json file-null file-json mariadb-binlog fetch zongji; do
	if [[ -s "$WORK/$name.samples" ]]; then
		read -r "SEC[$name]" "RATE[$name]" "RSS[$name]" < <(stats "$name")
	fi
done

row() { printf '%-36s %9s %12s %13s\n' "$@"; }
echo
echo "meepo vs peers, N = $N: $ROWS row events ($N inserts, $N updates, $N deletes,"
echo "1000 rows per statement), binlog $((BINLOG_BYTES / 1048576)) MiB; median of $REPEAT runs,"
echo "peak RSS = largest of the runs; wall clock from process start to exit;"
echo "load average before the timed runs: $LOAD_BEFORE, after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
row "run" "seconds" "rows/s" "peak RSS MiB"
for pair in "live-null:meepo live -> null" "live-json:meepo live -> json /dev/null" \
	"file-null:meepo file -> null" "file-json:meepo file -> json /dev/null" \
	"mariadb-binlog:mariadb-binlog -v DECODE-ROWS" "fetch:mariadb_rpl_fetch loop (floor)" \
	"zongji:@vlasky/zongji (node $(node --version 2>/dev/null || echo -))"; do
	name=${pair%%:*}
	if [[ -n "${SEC[$name]:-}" ]]; then
		row "${pair#*:}" "${SEC[$name]}" "${RATE[$name]}" "${RSS[$name]}"
	else
		row "${pair#*:}" "-" "${ZONGJI_SKIP:-$ZONGJI_FAIL}" "-"
	fi
done
read -r events _ bytes _ <<<"$(tr '=' ' ' <"$WORK/fetch.out" | awk '{ print $2, $4, $6, $8 }')"
echo "(the fetch loop received $events events, $((bytes / 1048576)) MiB per run)"

# target LABEL VALUE OP LIMIT UNIT: one line of the target table
target() {
	local verdict
	verdict=$(awk -v v="$2" -v l="$4" -v op="$3" 'BEGIN {
		ok = op == ">=" ? v >= l : v < l; print ok ? "met" : "NOT met" }')
	printf '%-40s %8s %-6s %s %s %s\n' "$1" "$2" "$5" "(target $3" "$4)" "$verdict"
}
ratio() {
	if [[ -n "${RATE[$1]:-}" && -n "${RATE[$2]:-}" ]]; then
		awk -v a="${RATE[$1]}" -v b="${RATE[$2]}" 'BEGIN { printf "%.2f", a / b }'
	fi
}
echo
echo "targets (ratios of rows/s in this run)"
target "live -> null / rpl_fetch loop" "$(ratio live-null fetch)" ">=" 0.60 ""
target "live -> null / mariadb-binlog" "$(ratio live-null mariadb-binlog)" ">=" 3 ""
if [[ -n "${RATE[zongji]:-}" ]]; then
	target "live -> null / zongji" "$(ratio live-null zongji)" ">=" 8 ""
else
	printf '%-40s %s\n' "live -> null / zongji" "not measured: ${ZONGJI_SKIP:-$ZONGJI_FAIL}"
fi
target "live -> json / mariadb-binlog" "$(ratio live-json mariadb-binlog)" ">=" 1.5 ""
peak() { printf '%s\n' "$@" | sort -n | tail -n 1; }
target "meepo peak RSS, live runs" "$(peak "${RSS[live-null]}" "${RSS[live-json]}")" "<" 32 MiB
target "meepo peak RSS, file runs" "$(peak "${RSS[file-null]}" "${RSS[file-json]}")" "<" 32 MiB
echo
echo "latency, COMMIT to sink ($LAT_ROWS lone rows at $LAT_RATE rows/s, print json to a pipe):"
echo "  median $(ms "${LAT[median_us]}") ms, p99 $(ms "${LAT[p99_us]}") ms, max $(ms "${LAT[max_us]}") ms"
echo "  (the INSERT round trips alone: median $(ms "${LAT[commit_median_us]}") ms," \
	"p99 $(ms "${LAT[commit_p99_us]}") ms, max $(ms "${LAT[commit_max_us]}") ms)"
target "latency p99" "$(ms "${LAT[p99_us]}")" "<" 5 ms
echo
echo "(total $(($(date +%s) - T_START)) s; logs and configs in $WORK)"

# ---- optional profile ------------------------------------------------------------

if [[ "$PROFILE" == callgrind ]]; then
	echo
	echo "== callgrind: meepo live -> null and live -> json"
	for name in live-null live-json; do
		valgrind --tool=callgrind --callgrind-out-file="$WORK/callgrind.$name" \
			"$MEEPO" -c "$WORK/$name.conf" --exit-at-end >/dev/null 2>"$WORK/callgrind.$name.log" ||
			{ tail -n 20 "$WORK/callgrind.$name.log" >&2; die "callgrind failed"; }
		for kind in no yes; do
			callgrind_annotate --inclusive=$kind "$WORK/callgrind.$name" \
				>"$WORK/callgrind.$name.inclusive-$kind.txt" 2>/dev/null
		done
		echo "-- $name: self cost, top 20 (all threads; inclusive: $WORK/callgrind.$name.inclusive-yes.txt)"
		awk '/file:function/ { on = 1; next } on && NF && !/^-/ && n++ < 20' \
			"$WORK/callgrind.$name.inclusive-no.txt"
	done
fi

# The binlog and tables of a big N take disk space: drop them (logs stay).
svc_stop bench 2>/dev/null
rm -rf "$(svc_dir bench)/data"
