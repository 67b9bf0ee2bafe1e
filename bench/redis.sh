#!/usr/bin/env bash
# bench/redis.sh - throughput of the redis sink's purge and stream modes
# into one local redis-server, next to redis-benchmark on the same server in
# the same run:
#
#   redis-benchmark -P 64 DEL    pipelined single-key DELs (custom command,
#                                keys user:__rand_int__), one connection and
#                                the default 50
#   redis-benchmark -P 64 XADD   pipelined XADDs of one of meepo's own
#                                entries (the same JSON and id fields) to one
#                                stream, one connection and 50
#   pipeline ceiling             meepo reading the same binlog into the print
#                                sink's "null" format (decode, route, queue;
#                                no I/O)
#   meepo purge                  meepo --binlog FILE --exit-at-end, mode purge,
#                                keys = [ "user:{id}" ] over a binlog holding
#                                one bulk UPDATE of ROWS rows (start to exit,
#                                everything included: one key per event)
#   meepo stream                 the same binlog, mode stream: one XADD of the
#                                event JSON and id per event
#
# Before each purge run the ROWS keys exist, after it none does; after each
# stream run the stream holds exactly ROWS entries: every number counts
# work that happened. meepo runs are repeated REPEAT times and the fastest
# is shown (a shared 2-core machine: the fastest run is the least
# disturbed). Target (issue 5): meepo purge >= 50% of redis-benchmark's
# pipelined DEL rate.
#
# Usage: bench/redis.sh [BUILD_DIR]      (default: build)
# Environment: ROWS (300000), REPEAT (3), BENCH_REDIS_PORTS (6400-6420),
# BENCH_MYSQL_PORTS (33220-33239). Everything lives in $MEEPO_RUN_DIR
# (default .tmp/bench-redis) and is stopped by pid on exit.
# See bench/README-redis.md.
set -euo pipefail
shopt -s inherit_errexit

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=$(cd "${1:-$ROOT/build}" && pwd)
ROWS=${ROWS:-300000}
REPEAT=${REPEAT:-3}
REDIS_PORTS=${BENCH_REDIS_PORTS:-6400-6420}
MY_PORTS=${BENCH_MYSQL_PORTS:-33220-33239}
export MEEPO_RUN_DIR=${MEEPO_RUN_DIR:-$ROOT/.tmp/bench-redis}

MEEPO=$BUILD/core/meepo
export MEEPO_PLUGIN_DIR=$BUILD/plugins
for f in "$MEEPO" "$MEEPO_PLUGIN_DIR/meepo-sink-redis.so" "$MEEPO_PLUGIN_DIR/meepo-sink-print.so"; do
	[[ -f "$f" ]] || { echo "redis.sh: $f missing: ninja -C $BUILD" >&2; exit 1; }
done
for tool in redis-server redis-benchmark redis-cli; do
	command -v "$tool" >/dev/null || { echo "redis.sh: $tool missing (apt-get install redis-server redis-tools)" >&2; exit 1; }
done

# shellcheck source=../scripts/services.sh
source "$ROOT/scripts/services.sh"
rm -rf "$MEEPO_RUN_DIR"
mkdir -p "$MEEPO_RUN_DIR/work"
chmod 0755 "$MEEPO_RUN_DIR" # mariadbd runs as user mysql
WORK=$MEEPO_RUN_DIR/work
trap svc_stop_all EXIT

REDIS_PORT=$(svc_free_port "${REDIS_PORTS%-*}" "${REDIS_PORTS#*-}")
svc_start_redis bench-redis "$REDIS_PORT" >/dev/null 2>&1
rcli() { redis-cli -p "$REDIS_PORT" "$@"; }

# ---- the binlog: one UPDATE of ROWS rows ------------------------------------

# shellcheck source=bench/update_binlog.sh
source "$ROOT/bench/update_binlog.sh"
bench_update_binlog

# ---- runs ------------------------------------------------------------------

now() { date +%s.%N; }

# populate: the keys user:1..user:ROWS exist, and nothing else
populate() {
	rcli FLUSHALL >/dev/null
	awk -v n="$ROWS" 'BEGIN { for (i = 1; i <= n; i++) printf "SET user:%d cached\r\n", i }' |
		rcli --pipe >/dev/null
	[[ $(rcli DBSIZE) == "$ROWS" ]] || { echo "redis.sh: populating failed" >&2; exit 1; }
}

# check NAME WHAT: after a purge nothing is left; after a stream, ROWS entries
check() {
	local got
	if [[ $2 == purge ]]; then
		got=$(rcli DBSIZE)
		[[ $got == 0 ]] || { echo "redis.sh: $1 left $got of $ROWS keys" >&2; exit 1; }
	else
		got=$(rcli XLEN "bench:user")
		[[ $got == "$ROWS" ]] || { echo "redis.sh: $1: stream holds $got, not $ROWS" >&2; exit 1; }
	fi
}

# run_meepo NAME KIND SINK_BLOCK: the fastest of REPEAT runs, as "n seconds n/s"
run_meepo() {
	local name=$1 kind=$2 block=$3 conf="$WORK/$1.conf" t0 t1 i best=
	cat >"$conf" <<-EOF
		log = { level = "warn"; };
		sinks = ( { name = "$name"; $block } );
		routes = ( { match = [ "bench.*" ]; sink = "$name"; } );
	EOF
	for ((i = 0; i < REPEAT; i++)); do
		case $kind in
		purge) populate ;;
		stream) rcli FLUSHALL >/dev/null ;;
		esac
		t0=$(now)
		"$MEEPO" -c "$conf" --exit-at-end --binlog "$BINLOG" 2>"$WORK/$name.err" ||
			{ echo "meepo failed:" >&2; cat "$WORK/$name.err" >&2; exit 1; }
		t1=$(now)
		if [[ $kind != none ]]; then check "$name" "$kind"; fi
		best=$(awk -v a="$t0" -v b="$t1" -v best="$best" \
			'BEGIN { t = b - a; if (best == "" || t < best) print t; else print best }')
	done
	awk -v n="$ROWS" -v t="$best" 'BEGIN { printf "%d %.3f %.0f\n", n, t, n / t }'
}

# run_benchmark CLIENTS ARGS...: redis-benchmark -P 64, as "n seconds n/s"
run_benchmark() {
	local clients=$1 csv rate
	shift
	csv=$(redis-benchmark -p "$REDIS_PORT" -P 64 -c "$clients" -n "$ROWS" -r "$ROWS" --csv "$@")
	# the test name may hold commas (the JSON): rps is the 7th field from the end
	rate=$(tail -n 1 <<<"$csv" | awk -F, '{ gsub(/"/, "", $(NF - 6)); print $(NF - 6) }')
	awk -v n="$ROWS" -v r="$rate" 'BEGIN { printf "%d %.3f %.0f\n", n, n / r, r }'
}

# One of meepo's own stream entries, for redis-benchmark's XADD.
rcli FLUSHALL >/dev/null
cat >"$WORK/sample.conf" <<-EOF
	log = { level = "warn"; };
	sinks = ( { name = "sample"; plugin = "redis"; port = $REDIS_PORT; mode = "stream";
	            stream = "{schema}:{table}"; } );
	routes = ( { match = [ "bench.*" ]; sink = "sample"; } );
EOF
"$MEEPO" -c "$WORK/sample.conf" --exit-at-end --binlog "$BINLOG" 2>"$WORK/sample.err" ||
	{ cat "$WORK/sample.err" >&2; exit 1; }
JSON=$(rcli XRANGE bench:user - + COUNT 1 | sed -n 3p)
ID=$(rcli XRANGE bench:user - + COUNT 1 | sed -n 5p)
[[ -n "$JSON" && -n "$ID" ]] || { echo "redis.sh: could not read a sample entry" >&2; exit 1; }
rcli FLUSHALL >/dev/null

line() { printf '%-44s %9s %8s %12s\n' "$@"; }
echo
echo "== $ROWS events; one event = $(printf '%s' "$JSON" | wc -c) bytes of JSON"
line "run" "commands" "seconds" "commands/s"

populate
read -r n t DEL1 < <(run_benchmark 1 DEL "user:__rand_int__")
line "redis-benchmark -P 64 -c 1 DEL" "$n" "$t" "$DEL1"
populate
read -r n t DEL50 < <(run_benchmark 50 DEL "user:__rand_int__")
line "redis-benchmark -P 64 -c 50 DEL" "$n" "$t" "$DEL50"
rcli FLUSHALL >/dev/null
read -r n t XADD1 < <(run_benchmark 1 XADD bench:bm '*' event "$JSON" id "$ID")
line "redis-benchmark -P 64 -c 1 XADD" "$n" "$t" "$XADD1"
rcli FLUSHALL >/dev/null
read -r n t XADD50 < <(run_benchmark 50 XADD bench:bm '*' event "$JSON" id "$ID")
line "redis-benchmark -P 64 -c 50 XADD" "$n" "$t" "$XADD50"
rcli FLUSHALL >/dev/null

read -r n t r < <(run_meepo pipeline none "plugin = \"print\"; format = \"null\";")
line "pipeline ceiling (meepo, print null)" "$n" "$t" "$r"
read -r n t PURGE < <(run_meepo purge purge "plugin = \"redis\"; port = $REDIS_PORT;
	mode = \"purge\"; keys = [ \"user:{id}\" ];")
line "meepo purge (keys deleted/s)" "$n" "$t" "$PURGE"
read -r n t r < <(run_meepo unlink purge "plugin = \"redis\"; port = $REDIS_PORT;
	mode = \"purge\"; keys = [ \"user:{id}\" ]; unlink = true;")
line "meepo purge, unlink = true" "$n" "$t" "$r"
read -r n t STREAM < <(run_meepo stream stream "plugin = \"redis\"; port = $REDIS_PORT;
	mode = \"stream\"; stream = \"{schema}:{table}\";")
line "meepo stream (entries/s)" "$n" "$t" "$STREAM"

echo
awk -v p="$PURGE" -v d1="$DEL1" -v d50="$DEL50" -v s="$STREAM" -v x1="$XADD1" -v x50="$XADD50" 'BEGIN {
	printf "meepo purge  = %3.0f%% of redis-benchmark DEL  -c 1, %3.0f%% of -c 50 (target >= 50%%)\n",
		100 * p / d1, 100 * p / d50
	printf "meepo stream = %3.0f%% of redis-benchmark XADD -c 1, %3.0f%% of -c 50\n",
		100 * s / x1, 100 * s / x50
}'
echo "(one redis-server $(redis-server --version | sed 's/.*v=\([^ ]*\).*/\1/'), no persistence; meepo runs:"
echo " fastest of $REPEAT, start to exit, batch_max_events = 1000; redis-benchmark keys"
echo " user:__rand_int__ over $ROWS, keys populated first)"
