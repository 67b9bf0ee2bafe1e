#!/usr/bin/env bash
# bench/sql.sh - rows per second the sql sink applies into a target MariaDB,
# next to the native replication apply rate of a MariaDB replica reading the
# same binlog (CHANGE MASTER TO, single-threaded SQL thread:
# slave_parallel_threads = 0), measured in the same run, phase by phase:
#
#   insert 100/txn     ROWS rows inserted 100 per transaction
#   update 100/txn     the same ROWS rows updated 100 per transaction
#   delete 100/txn     ROWS/2 rows deleted 100 per transaction
#   insert 1/txn       SINGLE rows inserted one per transaction (autocommit)
#   update 1/txn       SINGLE rows updated one per transaction
#
# Three servers from scripts/services.sh (ROW binlog, FULL image, 64 MB
# buffer pool, innodb_flush_log_at_trx_commit = 2, binary log on): the
# source, meepo's target, and the replica (with log_slave_updates so that it
# writes a binary log like meepo's target does). Each phase is generated on
# the source while neither applier runs; then the replica applies it
# (START SLAVE; MASTER_POS_WAIT to the phase's end; STOP SLAVE: the SQL
# thread's time), then meepo applies it (meepo --exit-at-end from the
# phase's start: process start to exit, binlog dump, decoding and the sink
# included). Both get the same CPU (the machine has 2 cores). At the end
# the table must be equal on all three servers (CHECKSUM TABLE).
# Target (issue 7): meepo at least the native single-threaded rate.
#
# Usage: bench/sql.sh [BUILD_DIR]          (default: build)
# Environment: ROWS (200000), SINGLE (20000), BATCH_ROWS (sink batch_rows,
# 1000), BATCH_EVENTS (the sink's batch_max_events, default the core's 1000:
# each deliver() is one target transaction, so larger batches commit less
# often), BENCH_MYSQL_PORTS (33280-33299). Servers live in $MEEPO_RUN_DIR
# (default /tmp/meepo-bench-sql) and are stopped by pid on exit.
# See bench/README-sql.md.
set -euo pipefail
shopt -s inherit_errexit

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=$(cd "${1:-$ROOT/build}" && pwd)
ROWS=${ROWS:-200000}
SINGLE=${SINGLE:-20000}
BATCH_ROWS=${BATCH_ROWS:-1000}
BATCH_EVENTS=${BATCH_EVENTS:-}
PORTS=${BENCH_MYSQL_PORTS:-33280-33299}
export MEEPO_RUN_DIR=${MEEPO_RUN_DIR:-/tmp/meepo-bench-sql}
export MEEPO_PLUGIN_DIR=$BUILD/plugins
export BENCH_PASSWORD=meepo
MEEPO=$BUILD/core/meepo

for f in "$MEEPO" "$MEEPO_PLUGIN_DIR/meepo-sink-sql.so"; do
	[[ -f "$f" ]] || { echo "sql.sh: $f missing: ninja -C $BUILD" >&2; exit 1; }
done
if ((ROWS % 100 != 0 || ROWS < 200)); then
	echo "sql.sh: ROWS must be a multiple of 100, at least 200" >&2
	exit 2
fi

# shellcheck source=../scripts/services.sh
source "$ROOT/scripts/services.sh"
rm -rf "$MEEPO_RUN_DIR"
mkdir -p "$MEEPO_RUN_DIR"
chmod 0755 "$MEEPO_RUN_DIR"
WORK=$MEEPO_RUN_DIR/work
mkdir -p "$WORK"
trap svc_stop_all EXIT

# sql PORT ARGS...: the client as meepo over TCP, batch mode, no headers.
sql() {
	local port=$1
	shift
	MYSQL_PWD=$BENCH_PASSWORD mariadb -h 127.0.0.1 -P "$port" -u meepo -N -B "$@"
}

# now: seconds since the epoch, with nanoseconds.
now() {
	date +%s.%N
}

# restart_with NAME LINES...: stops mariadb NAME, appends LINES to its my.cnf
# ([mariadbd] is the file's last section) and starts it again on its data.
restart_with() {
	local name=$1 dir pid i user_args=()
	shift
	dir=$(svc_dir "$name")
	svc_stop "$name"
	printf '%s\n' "$@" >>"$dir/my.cnf"
	if [[ $EUID -eq 0 ]]; then
		user_args=(--user=mysql)
	fi
	mariadbd --defaults-file="$dir/my.cnf" "${user_args[@]}" </dev/null >>"$dir/error.log" 2>&1 &
	pid=$!
	disown "$pid" 2>/dev/null || true
	svc_record "$name" "$pid" mariadbd
	for ((i = 0; i < 600; i++)); do
		if mariadb-admin --defaults-file="$dir/my.cnf" --protocol=socket --connect-timeout=1 \
			ping >/dev/null 2>&1; then
			return 0
		fi
		sleep 0.1
	done
	svc_die "mariadbd '$name' did not restart"
}

lo=${PORTS%-*}
hi=${PORTS#*-}
SRC=$(svc_free_port "$lo" "$hi")
svc_start_mariadb bench-source "$SRC" "$BENCH_PASSWORD" 2>/dev/null
TGT=$(svc_free_port $((SRC + 1)) "$hi")
svc_start_mariadb bench-target "$TGT" "$BENCH_PASSWORD" 2>/dev/null
REP=$(svc_free_port $((TGT + 1)) "$hi")
svc_start_mariadb bench-replica "$REP" "$BENCH_PASSWORD" 2>/dev/null
restart_with bench-replica "log_slave_updates = ON" "relay_log = relay-bin" \
	"slave_parallel_threads = 0" "skip_slave_start = ON" 2>/dev/null

DDL="CREATE DATABASE bench;
CREATE TABLE bench.t (
	id BIGINT UNSIGNED NOT NULL PRIMARY KEY,
	k INT NOT NULL,
	c VARCHAR(120) NOT NULL,
	pad VARCHAR(60) NOT NULL,
	price DECIMAL(10,2),
	updated DATETIME(6),
	KEY (k)
) ENGINE=InnoDB;"
for port in "$SRC" "$TGT" "$REP"; do
	sql "$port" -e "$DDL"
done
# Workload procedures: in their own schema, created before the start
# position (in ROW format a CALL is logged as its row events only).
sql "$SRC" -e "CREATE DATABASE benchctl;"
sql "$SRC" benchctl <<'EOF'
DELIMITER //
CREATE PROCEDURE ins100(n INT)
BEGIN
	DECLARE i INT DEFAULT 0;
	WHILE i < n DO
		INSERT INTO bench.t SELECT i * 100 + seq, seq, REPEAT(CHAR(65 + seq % 26), 100),
			'padding padding padding', seq / 7, NOW(6) FROM seq_1_to_100;
		SET i = i + 1;
	END WHILE;
END//
CREATE PROCEDURE upd100(n INT)
BEGIN
	DECLARE i INT DEFAULT 0;
	WHILE i < n DO
		UPDATE bench.t SET k = k + 1, c = REPEAT(CHAR(97 + i % 26), 110), updated = NOW(6)
			WHERE id BETWEEN i * 100 + 1 AND i * 100 + 100;
		SET i = i + 1;
	END WHILE;
END//
CREATE PROCEDURE del100(n INT)
BEGIN
	DECLARE i INT DEFAULT 0;
	WHILE i < n DO
		DELETE FROM bench.t WHERE id BETWEEN i * 200 + 1 AND i * 200 + 100;
		SET i = i + 1;
	END WHILE;
END//
CREATE PROCEDURE ins1(first BIGINT, n INT)
BEGIN
	DECLARE i INT DEFAULT 0;
	WHILE i < n DO
		INSERT INTO bench.t VALUES (first + i, i, 'single row', 'pad', i / 3, NOW(6));
		SET i = i + 1;
	END WHILE;
END//
CREATE PROCEDURE upd1(first BIGINT, n INT)
BEGIN
	DECLARE i INT DEFAULT 0;
	WHILE i < n DO
		UPDATE bench.t SET k = k + 1, updated = NOW(6) WHERE id = first + i;
		SET i = i + 1;
	END WHILE;
END//
EOF

# position PORT: "file pos" of the server's binlog end.
position() {
	sql "$1" -e "SHOW MASTER STATUS" | cut -f1,2 | tr '\t' ' '
}

read -r FILE0 POS0 <<<"$(position "$SRC")"
sql "$REP" -e "CHANGE MASTER TO MASTER_HOST = '127.0.0.1', MASTER_PORT = $SRC,
	MASTER_USER = 'meepo', MASTER_PASSWORD = '$BENCH_PASSWORD',
	MASTER_LOG_FILE = '$FILE0', MASTER_LOG_POS = $POS0, MASTER_USE_GTID = no"

# meepo's configuration; the start position is rewritten per phase.
write_conf() {
	cat >"$WORK/meepo.conf" <<EOF
source = { host = "127.0.0.1"; port = $SRC; user = "meepo"; password_env = "BENCH_PASSWORD";
           server_id = 4280; start = { file = "$1"; pos = $2; }; };
sinks = ( { name = "replica"; plugin = "sql"; host = "127.0.0.1"; port = $TGT; user = "meepo";
            password_env = "BENCH_PASSWORD"; database = "bench"; batch_rows = $BATCH_ROWS;
            ${BATCH_EVENTS:+batch_max_events = $BATCH_EVENTS;} } );
routes = ( { match = [ "bench.t" ]; sink = "replica"; } );
EOF
}

# fmt_rate ROWS SECONDS: rows per second, rounded.
fmt_rate() {
	awk -v r="$1" -v s="$2" 'BEGIN { printf "%d", r / s }'
}

printf '%s\n' "sql sink vs native replication, $(sql "$SRC" -e 'SELECT VERSION()'), $(nproc) cores"
printf '%-18s %8s %12s %14s %12s %14s %8s\n' phase rows "native s" "native rows/s" "meepo s" \
	"meepo rows/s" ratio
TOTAL_ROWS=0
TOTAL_NATIVE=0
TOTAL_MEEPO=0

# phase NAME ROWS SQL: generates the phase on the source, then measures both appliers.
phase() {
	local name=$1 rows=$2 call=$3 f0 p0 f1 p1 t0 t1 native meepo_s waited
	read -r f0 p0 <<<"$(position "$SRC")"
	sql "$SRC" benchctl -e "$call"
	read -r f1 p1 <<<"$(position "$SRC")"

	t0=$(now)
	sql "$REP" -e "START SLAVE"
	waited=$(sql "$REP" -e "SELECT MASTER_POS_WAIT('$f1', $p1, 3600)")
	t1=$(now)
	sql "$REP" -e "STOP SLAVE"
	[[ "$waited" != "NULL" && "$waited" != "-1" ]] || { echo "replica did not reach $f1:$p1" >&2; exit 1; }
	native=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')

	write_conf "$f0" "$p0"
	t0=$(now)
	"$MEEPO" -q -c "$WORK/meepo.conf" --exit-at-end 2>>"$WORK/meepo.log"
	t1=$(now)
	meepo_s=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')

	printf '%-18s %8d %12s %14s %12s %14s %7sx\n' "$name" "$rows" "$native" \
		"$(fmt_rate "$rows" "$native")" "$meepo_s" "$(fmt_rate "$rows" "$meepo_s")" \
		"$(awk -v a="$native" -v b="$meepo_s" 'BEGIN { printf "%.2f", a / b }')"
	TOTAL_ROWS=$((TOTAL_ROWS + rows))
	TOTAL_NATIVE=$(awk -v a="$TOTAL_NATIVE" -v b="$native" 'BEGIN { printf "%.3f", a + b }')
	TOTAL_MEEPO=$(awk -v a="$TOTAL_MEEPO" -v b="$meepo_s" 'BEGIN { printf "%.3f", a + b }')
}

phase "insert 100/txn" "$ROWS" "CALL ins100($((ROWS / 100)))"
phase "update 100/txn" "$ROWS" "CALL upd100($((ROWS / 100)))"
phase "delete 100/txn" "$((ROWS / 2))" "CALL del100($((ROWS / 200)))"
phase "insert 1/txn" "$SINGLE" "CALL ins1(1000000000, $SINGLE)"
phase "update 1/txn" "$SINGLE" "CALL upd1(1000000000, $SINGLE)"
printf '%-18s %8d %12s %14s %12s %14s %7sx\n' total "$TOTAL_ROWS" "$TOTAL_NATIVE" \
	"$(fmt_rate "$TOTAL_ROWS" "$TOTAL_NATIVE")" "$TOTAL_MEEPO" "$(fmt_rate "$TOTAL_ROWS" "$TOTAL_MEEPO")" \
	"$(awk -v a="$TOTAL_NATIVE" -v b="$TOTAL_MEEPO" 'BEGIN { printf "%.2f", a / b }')"

src_sum=$(sql "$SRC" -e "CHECKSUM TABLE bench.t" | cut -f2)
tgt_sum=$(sql "$TGT" -e "CHECKSUM TABLE bench.t" | cut -f2)
rep_sum=$(sql "$REP" -e "CHECKSUM TABLE bench.t" | cut -f2)
if [[ "$src_sum" == "$tgt_sum" && "$src_sum" == "$rep_sum" ]]; then
	echo "CHECKSUM TABLE bench.t equal on source, meepo's target and the replica ($src_sum)"
else
	echo "CHECKSUM TABLE differs: source $src_sum, meepo target $tgt_sum, replica $rep_sum" >&2
	exit 1
fi
