#!/usr/bin/env bash
# scripts/valgrind.sh - meepo itself under valgrind (memcheck, full leak
# check) on scenarios that need no server:
#
#   replay          every binlog fixture of tests/fixtures/mariadb and
#                   tests/fixtures/mysql through the print sink (JSON), and
#                   the seed examples' binlogs (Meepo's format) compared
#                   line for line with their expected output: the decoder,
#                   reader, dispatcher, SDK formatting and teardown
#   damaged files   a truncated and a corrupted copy of a fixture: exit 1
#                   naming file:offset, with a clean teardown
#   dead letters    the print sink writing to /dev/full (every write fails:
#                   RETRY) with retry_limit = 2: retries with back-off, then
#                   the batches go to the dead-letter file and meepo ends 0
#   stop            the same with on_reject = "stop": meepo stops, exit 1
#
# and, with --live, one that needs the test source server (MEEPO_TEST_MYSQL_*
# as scripts/services.sh exports them; fails without them):
#
#   live            meepo follows the server with a checkpoint while rows
#                   are inserted, updated and deleted, the binlog rotates
#                   and its replication connection is killed (it
#                   reconnects); then SIGTERM: exit 0, every event printed
#                   exactly once
#
# Usage: scripts/valgrind.sh [--live] [BUILD_DIR]  (default build-test, else build)
#
# valgrind runs with --error-exitcode=99 (not 1: meepo itself exits 1 in
# the fault scenarios), --leak-check=full, definite and indirect leaks
# counted as errors, and scripts/valgrind.supp. A scenario passes when
# valgrind reports nothing and meepo's exit status and output are the
# expected ones. Logs: $TMPDIR/meepo-valgrind.XXXXXX (kept on failure).
# Exit status 0 only if every scenario passed.
set -u -o pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
LIVE=0
if [[ "${1:-}" == --live ]]; then
	LIVE=1
	shift
fi
BUILD=${1:-}
if [[ -z "$BUILD" ]]; then
	BUILD=build-test
	[[ -x "$ROOT/$BUILD/core/meepo" ]] || BUILD=build
fi
[[ "$BUILD" = /* ]] || BUILD=$ROOT/$BUILD
MEEPO=$BUILD/core/meepo
PLUGINS=$BUILD/plugins
if [[ ! -x "$MEEPO" || ! -e "$PLUGINS/meepo-sink-print.so" ]]; then
	echo "valgrind.sh: $MEEPO or $PLUGINS/meepo-sink-print.so missing: build first" >&2
	exit 2
fi
if ! command -v valgrind >/dev/null; then
	echo "valgrind.sh: valgrind is not installed (apt-get install valgrind)" >&2
	exit 2
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/meepo-valgrind.XXXXXX") || exit 2
FAILED=0
VALGRIND=(valgrind -q --error-exitcode=99 --leak-check=full
	--errors-for-leak-kinds=definite,indirect --show-leak-kinds=definite,indirect
	--suppressions="$ROOT/scripts/valgrind.supp")

# fail NAME MESSAGE: records a failure and shows the scenario's log.
fail() {
	echo "FAIL  $1: $2"
	sed 's/^/      /' "$WORK/$1.log" | tail -n 40
	FAILED=1
}

# run NAME EXPECTED_STATUS CONFIG ARGS...: runs meepo under valgrind with
# the plugins of BUILD; its stdout and stderr go to WORK/NAME.log.
run() {
	local name=$1 expected=$2 config=$3 status
	shift 3
	"${VALGRIND[@]}" "$MEEPO" -c "$config" --plugin-dir "$PLUGINS" --exit-at-end "$@" \
		>"$WORK/$name.log" 2>&1
	status=$?
	if ((status == 99)); then
		fail "$name" "valgrind reported errors"
		return 1
	fi
	if ((status != expected)); then
		fail "$name" "meepo exited $status, expected $expected"
		return 1
	fi
	return 0
}

# config NAME TEXT: writes WORK/NAME.conf.
config() {
	printf '%s\n' "$2" >"$WORK/$1.conf"
}

# Every fixture file (not the expected outputs and notes) of a directory.
fixtures() {
	find "$ROOT/tests/fixtures/$1" -maxdepth 1 -type f ! -name '*.txt' ! -name '*.md' \
		! -name '*.sql' | sort
}

# ---- replay -----------------------------------------------------------------
for dir in mariadb mysql; do
	mapfile -t files < <(fixtures "$dir")
	config "replay-$dir" "sinks = ( { name = \"out\"; plugin = \"print\"; format = \"json\";
  output = \"$WORK/replay-$dir.jsonl\"; } );
routes = ( { match = \"*.*\"; sink = \"out\"; } );"
	if run "replay-$dir" 0 "$WORK/replay-$dir.conf" --binlog "${files[@]}"; then
		echo "PASS  replay-$dir: ${#files[@]} files, $(wc -l <"$WORK/replay-$dir.jsonl") events"
	fi
done

for seed in seed1 seed2; do
	config "$seed" "sinks = ( { name = \"out\"; plugin = \"print\"; output = \"$WORK/$seed.out\"; } );
routes = ( { match = \"$seed.*\"; sink = \"out\"; } );"
	if run "$seed" 0 "$WORK/$seed.conf" --binlog "$ROOT/tests/fixtures/mariadb/$seed.binlog"; then
		if cmp -s "$WORK/$seed.out" "$ROOT/tests/fixtures/mariadb/$seed.print.txt"; then
			echo "PASS  $seed: the print sink's output is the expected one"
		else
			diff "$ROOT/tests/fixtures/mariadb/$seed.print.txt" "$WORK/$seed.out" >>"$WORK/$seed.log"
			fail "$seed" "output differs from $seed.print.txt"
		fi
	fi
done

# ---- damaged files ------------------------------------------------------------
FIXTURE=$ROOT/tests/fixtures/mariadb/decimal.binlog
SIZE=$(stat -c %s "$FIXTURE")
head -c $((SIZE - 30)) "$FIXTURE" >"$WORK/truncated.000001"
cp "$FIXTURE" "$WORK/corrupted.000001"
printf '\xff' | dd of="$WORK/corrupted.000001" bs=1 seek=$((SIZE / 2)) conv=notrunc status=none
config damaged "sinks = ( { name = \"out\"; plugin = \"print\"; output = \"$WORK/damaged.out\"; } );
routes = ( { match = \"*.*\"; sink = \"out\"; } );"
for copy in truncated corrupted; do
	if run "$copy" 1 "$WORK/damaged.conf" --binlog "$WORK/$copy.000001"; then
		if grep -q "$copy.000001:[0-9]*: " "$WORK/$copy.log"; then
			echo "PASS  $copy: exit 1, $(grep -o "$copy.000001:[0-9]*: .*" "$WORK/$copy.log" | head -n 1)"
		else
			fail "$copy" "no message naming $copy.000001:OFFSET"
		fi
	fi
done

# ---- dead letters and stop ------------------------------------------------------
for mode in deadletter stop; do
	config "full-$mode" "sinks = ( { name = \"full\"; plugin = \"print\"; output = \"/dev/full\";
  retry_initial_ms = 1; retry_max_ms = 4; retry_limit = 2;
  deadletter = \"$WORK/full-$mode.deadletter.jsonl\"; } );
routes = ( { match = \"seed1.*\"; sink = \"full\"; on_reject = \"$mode\"; } );"
done
if run full-deadletter 0 "$WORK/full-deadletter.conf" --binlog "$ROOT/tests/fixtures/mariadb/seed1.binlog"; then
	lines=$(wc -l <"$WORK/full-deadletter.deadletter.jsonl" 2>/dev/null || echo 0)
	if ((lines == 13)) && grep -q "gave up after 2 retries" "$WORK/full-deadletter.deadletter.jsonl"; then
		echo "PASS  full-deadletter: 13 events dead-lettered after 2 retries each"
	else
		fail full-deadletter "expected the 13 events of seed1 in the dead-letter file, found $lines"
	fi
fi
if run full-stop 1 "$WORK/full-stop.conf" --binlog "$ROOT/tests/fixtures/mariadb/seed1.binlog"; then
	if grep -q "stopped: sink full rejected a batch" "$WORK/full-stop.log"; then
		echo "PASS  full-stop: exit 1, $(grep -o 'stopped: .*' "$WORK/full-stop.log" | head -n 1 | cut -c1-100)"
	else
		fail full-stop "no \"stopped: sink full rejected a batch\" message"
	fi
fi

# ---- live ---------------------------------------------------------------------
# my SQL...: runs statements on the test source server.
my() {
	mariadb -h "$MEEPO_TEST_MYSQL_HOST" -P "$MEEPO_TEST_MYSQL_PORT" -u "$MEEPO_TEST_MYSQL_USER" \
		-p"$MEEPO_TEST_MYSQL_PASSWORD" -N -B -e "$1"
}

# wait_for SECONDS CMD...: polls CMD every 0.2 s until it succeeds.
wait_for() {
	local tries=$(($1 * 5))
	shift
	while ((tries-- > 0)); do
		"$@" && return 0
		sleep 0.2
	done
	return 1
}

# True once FILE holds at least N lines.
has_lines() {
	[[ -e "$1" ]] && (($(wc -l <"$1") >= $2))
}

# True once meepo's log shows `n` connections to the source.
connected() {
	(($(grep -c '\[source\] connected to' "$WORK/live.log") >= $1))
}

live() {
	local v pos file offset pid status expected i
	for v in MEEPO_TEST_MYSQL_HOST MEEPO_TEST_MYSQL_PORT MEEPO_TEST_MYSQL_USER MEEPO_TEST_MYSQL_PASSWORD; do
		if [[ -z "${!v:-}" ]]; then
			echo "FAIL  live: $v is not set (start the servers: scripts/services.sh run $0 --live)"
			FAILED=1
			return
		fi
	done
	my "DROP DATABASE IF EXISTS valgrind_live; CREATE DATABASE valgrind_live;
		CREATE TABLE valgrind_live.t (id INT PRIMARY KEY, v VARCHAR(20))" || { FAILED=1; return; }
	pos=$(my "SHOW MASTER STATUS")
	file=$(cut -f1 <<<"$pos")
	offset=$(cut -f2 <<<"$pos")
	config live "source = { host = \"$MEEPO_TEST_MYSQL_HOST\"; port = $MEEPO_TEST_MYSQL_PORT;
  user = \"$MEEPO_TEST_MYSQL_USER\"; password_env = \"MEEPO_TEST_MYSQL_PASSWORD\";
  server_id = $((424200 + $$ % 100)); heartbeat_ms = 1000;
  start = { file = \"$file\"; pos = $offset; }; };
checkpoint = { path = \"$WORK/live.position\"; interval_ms = 100; };
sinks = ( { name = \"out\"; plugin = \"print\"; output = \"$WORK/live.out\"; } );
routes = ( { match = \"valgrind_live.*\"; sink = \"out\"; } );"
	"${VALGRIND[@]}" "$MEEPO" -c "$WORK/live.conf" --plugin-dir "$PLUGINS" >"$WORK/live.log" 2>&1 &
	pid=$!
	if ! wait_for 60 connected 1; then
		kill -KILL "$pid"
		fail live "meepo did not connect within 60 s"
		return
	fi
	for i in 0 1 2 3 4; do
		my "INSERT INTO valgrind_live.t VALUES $(seq -s, -f "(%g, 'a')" $((i * 10 + 1)) $((i * 10 + 10)))"
	done
	my "UPDATE valgrind_live.t SET v = 'b' WHERE id <= 10; FLUSH BINARY LOGS"
	my "DELETE FROM valgrind_live.t WHERE id > 40"
	wait_for 60 has_lines "$WORK/live.out" 70
	my "SELECT ID FROM information_schema.PROCESSLIST WHERE COMMAND = 'Binlog Dump'" |
		while read -r i; do my "KILL CONNECTION $i" 2>/dev/null; done
	wait_for 60 connected 2
	my "BEGIN; INSERT INTO valgrind_live.t VALUES $(seq -s, -f "(%g, 'c')" 51 60); COMMIT"
	wait_for 60 has_lines "$WORK/live.out" 80
	kill -TERM "$pid"
	wait "$pid"
	status=$?
	expected=$( (seq -f 't_write %g' 1 50; seq -f 't_update %g' 1 10; seq -f 't_delete %g' 41 50
		seq -f 't_write %g' 51 60) )
	if ((status == 99)); then
		fail live "valgrind reported errors"
	elif ((status != 0)); then
		fail live "meepo exited $status after SIGTERM, expected 0"
	elif [[ "$(cat "$WORK/live.out")" != "$expected" ]]; then
		diff <(echo "$expected") "$WORK/live.out" >>"$WORK/live.log"
		fail live "the printed events differ from the 80 expected"
	elif ! connected 2; then
		fail live "meepo did not reconnect after its connection was killed"
	else
		echo "PASS  live: 80 events once each across a rotation and a reconnect, exit 0 on SIGTERM"
	fi
	my "DROP DATABASE valgrind_live" >/dev/null
}

if ((LIVE == 1)); then
	live
fi

if ((FAILED == 0)); then
	rm -rf "$WORK"
	echo "valgrind: every scenario passed with no error"
else
	echo "valgrind: FAILED (logs in $WORK)"
fi
exit $FAILED
