#!/usr/bin/env bash
# bench/memcached.sh - invalidations (deletes) per second the memcached sink
# sends into one local memcached, next to baselines measured in the same run
# against the same server:
#
#   libmemcached pipelined   a libmemcached client deleting the same keys with
#                            BUFFER_REQUESTS + NOREPLY (fire and forget: no
#                            answer is read, so it is an upper bound that
#                            meepo, which checks every answer, cannot beat)
#   libmemcached sync        the same client, one round trip per delete
#   pipeline ceiling         meepo reading the same binlog into the print
#                            sink's "null" format (decode, route, queue; no I/O)
#
# and the sink itself two ways:
#
#   sink deliver()           the plugin's deliver() called directly on
#                            synthetic update events in batches of 1000
#                            (rendering, escaping, de-duplication, pipelined
#                            deletes with every answer checked), both protocols
#   meepo end to end         meepo --binlog FILE --exit-at-end on a binlog
#                            holding one bulk UPDATE of ROWS rows, deleting
#                            user:{id} for each (start to exit, all included)
#
# Before every measured run the keys exist (they are set again), and after
# it the bench checks that memcached holds none of them, so every number
# counts deletes that happened. meepo runs are repeated REPEAT times and the
# fastest is shown (a shared 2-core machine; the fastest run is the least
# disturbed). Target (issue 4): >= 300000 deletes/s.
#
# Usage: bench/memcached.sh [BUILD_DIR]      (default: build)
# Environment: ROWS (300000), REPEAT (3), BENCH_MEMCACHED_PORTS (11310-11320),
# BENCH_MYSQL_PORTS (33210-33219). Everything lives in $MEEPO_RUN_DIR
# (default .tmp/bench-memcached) and is stopped by pid on exit.
# See bench/README-memcached.md.
set -euo pipefail
shopt -s inherit_errexit

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=$(cd "${1:-$ROOT/build}" && pwd)
ROWS=${ROWS:-300000}
REPEAT=${REPEAT:-3}
MC_PORTS=${BENCH_MEMCACHED_PORTS:-11310-11320}
MY_PORTS=${BENCH_MYSQL_PORTS:-33210-33219}
export MEEPO_RUN_DIR=${MEEPO_RUN_DIR:-$ROOT/.tmp/bench-memcached}

MEEPO=$BUILD/core/meepo
export MEEPO_PLUGIN_DIR=$BUILD/plugins
for f in "$MEEPO" "$MEEPO_PLUGIN_DIR/meepo-sink-memcached.so" "$BUILD/core/libmeepo-core.a" \
	"$BUILD/core/sdk/libmeepo-sdk.a" "$BUILD/core/binlog/libmeepo-binlog.a"; do
	[[ -f "$f" ]] || { echo "memcached.sh: $f missing: ninja -C $BUILD" >&2; exit 1; }
done

# shellcheck source=../scripts/services.sh
source "$ROOT/scripts/services.sh"
rm -rf "$MEEPO_RUN_DIR"
mkdir -p "$MEEPO_RUN_DIR/work"
WORK=$MEEPO_RUN_DIR/work
trap svc_stop_all EXIT

# The helper: baselines and direct deliver() calls, linked against the
# build tree's static libraries; -rdynamic exports the SDK to the plugin.
HELPER=$WORK/memcached_bench
cc -std=c11 -O2 -D_GNU_SOURCE -Wall -Wextra -Werror -I"$ROOT/include" -I"$ROOT/core" \
	-o "$HELPER" "$ROOT/bench/memcached_bench.c" -rdynamic \
	-Wl,--whole-archive "$BUILD/core/sdk/libmeepo-sdk.a" -Wl,--no-whole-archive \
	"$BUILD/core/libmeepo-core.a" "$BUILD/core/binlog/libmeepo-binlog.a" \
	$(pkg-config --libs libmemcached libconfig libmariadb libmicrohttpd libdeflate libzstd) -ldl -lpthread -lm

MC_PORT=$(svc_free_port "${MC_PORTS%-*}" "${MC_PORTS#*-}")
svc_start_memcached bench-mc "$MC_PORT" >/dev/null 2>&1

# ---- the binlog: one UPDATE of ROWS rows ------------------------------------

# shellcheck source=bench/update_binlog.sh
source "$ROOT/bench/update_binlog.sh"
bench_update_binlog

# ---- runs ------------------------------------------------------------------

now() { date +%s.%N; }

# populate: the keys user:1..user:ROWS exist
populate() {
	"$HELPER" populate "$MC_PORT" "$ROWS"
	[[ $("$HELPER" items "$MC_PORT") == "$ROWS" ]] ||
		{ echo "memcached.sh: populating failed" >&2; exit 1; }
}

# check_gone NAME: every key was deleted
check_gone() {
	local left
	left=$("$HELPER" items "$MC_PORT")
	[[ "$left" == 0 ]] || { echo "memcached.sh: $1 left $left of $ROWS keys" >&2; exit 1; }
}

# run_meepo NAME SINK_BLOCK DELETES: the fastest of REPEAT runs, as "n seconds n/s"
run_meepo() {
	local name=$1 block=$2 deletes=$3 conf="$WORK/$1.conf" t0 t1 i best=
	cat >"$conf" <<-EOF
		log = { level = "warn"; };
		sinks = ( { name = "$name"; $block } );
		routes = ( { match = [ "bench.*" ]; sink = "$name"; } );
	EOF
	for ((i = 0; i < REPEAT; i++)); do
		if ((deletes > 0)); then populate; fi
		t0=$(now)
		"$MEEPO" -c "$conf" --exit-at-end --binlog "$BINLOG" 2>"$WORK/$name.err" ||
			{ echo "meepo failed:" >&2; cat "$WORK/$name.err" >&2; exit 1; }
		t1=$(now)
		if ((deletes > 0)); then check_gone "$name"; fi
		best=$(awk -v a="$t0" -v b="$t1" -v best="$best" \
			'BEGIN { t = b - a; if (best == "" || t < best) print t; else print best }')
	done
	awk -v n="$ROWS" -v t="$best" 'BEGIN { printf "%d %.3f %.0f\n", n, t, n / t }'
}

# run_helper ARGS...: one helper measurement after populating, keys checked
run_helper() {
	local out
	populate
	out=$("$HELPER" "$@")
	check_gone "$1"
	cut -d' ' -f2- <<<"$out"
}

line() { printf '%-44s %9s %8s %12s\n' "$@"; }
echo
line "run" "deletes" "seconds" "deletes/s"

read -r n t r < <(run_helper baseline "$MC_PORT" "$ROWS")
line "libmemcached pipelined, no replies" "$n" "$t" "$r"
SYNC=$((ROWS / 10))
populate
read -r _ n t r < <("$HELPER" baseline-sync "$MC_PORT" "$SYNC")
line "libmemcached sync (1 round trip each)" "$n" "$t" "$r"
read -r n t r < <(run_meepo pipeline "plugin = \"print\"; format = \"null\";" 0)
line "pipeline ceiling (meepo, print null)" "$n" "$t" "$r"
read -r n t r < <(run_helper sink "$MEEPO_PLUGIN_DIR" "$MC_PORT" "$ROWS" 1000 binary)
line "sink deliver(), binary protocol" "$n" "$t" "$r"
read -r n t r < <(run_helper sink "$MEEPO_PLUGIN_DIR" "$MC_PORT" "$ROWS" 1000 text)
line "sink deliver(), text protocol" "$n" "$t" "$r"
for proto in true false; do
	read -r n t r < <(run_meepo "mc-$proto" "plugin = \"memcached\";
		servers = [ \"127.0.0.1:$MC_PORT\" ]; keys = [ \"user:{id}\" ];
		binary_protocol = $proto;" "$ROWS")
	line "meepo end to end, binary_protocol = $proto" "$n" "$t" "$r"
done
echo
echo "(one memcached, default options (-t 4, 64 MB); meepo runs: fastest of $REPEAT,"
echo " start to exit; batch_max_events = 1000; every key existed before a run and"
echo " none after; target >= 300000 deletes/s)"
