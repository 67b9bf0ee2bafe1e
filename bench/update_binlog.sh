# bench/update_binlog.sh - sourced by the cache benchmarks (memcached.sh,
# redis.sh): writes a binlog holding one bulk UPDATE of ROWS rows of
# bench.user (id, email, name) on a throwaway MariaDB (a port in MY_PORTS,
# "FROM-TO"), and sets BINLOG to its path. Needs scripts/services.sh sourced.

bench_update_binlog() {
	local port datadir
	echo "== writing the binlog (bulk UPDATE of $ROWS rows)"
	port=$(svc_free_port "${MY_PORTS%-*}" "${MY_PORTS#*-}")
	svc_start_mariadb bench-db "$port" meepo >/dev/null 2>&1
	datadir=$(svc_dir bench-db)/data
	bench_sql "CREATE DATABASE bench; CREATE TABLE bench.user (id INT PRIMARY KEY,
	     email VARCHAR(100), name VARCHAR(100));
	     USE bench;
	     INSERT INTO bench.user SELECT seq, CONCAT('u', seq, '@example.com'), 'before'
	     FROM seq_1_to_$ROWS;
	     FLUSH BINARY LOGS"
	BINLOG=$datadir/$(bench_sql "SHOW MASTER STATUS" | cut -f1)
	bench_sql "UPDATE bench.user SET name = 'after'; FLUSH BINARY LOGS"
	svc_stop bench-db >/dev/null 2>&1
}

bench_sql() {
	svc_mariadb_root bench-db -N -B <<<"$1"
}
