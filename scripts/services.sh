#!/usr/bin/env bash
# scripts/services.sh - throwaway MariaDB, Redis and memcached servers for
# tests and demos, each on its own loopback port with its own data dir.
#
# Use it as a library:
#
#     source scripts/services.sh
#     trap svc_stop_all EXIT
#     svc_start_mariadb source 33101        # user meepo / password meepo
#     svc_start_redis cache 6390
#     port=$(svc_free_port 11290 11299); svc_start_memcached mc1 "$port"
#
# or from the command line:
#
#     scripts/services.sh start mariadb NAME PORT [PASSWORD [SERVER_ID]]
#     scripts/services.sh start redis NAME PORT
#     scripts/services.sh start memcached NAME PORT
#     scripts/services.sh stop NAME | stop-all | status | free-port FROM TO
#     scripts/services.sh start-test-env     # all test servers, prints exports
#     scripts/services.sh run meson test -C build --suite integration
#
# Every service lives in $MEEPO_RUN_DIR/NAME (default ./.tmp/run/NAME): its
# data, socket, log and a `pid` file. Stopping goes by that recorded pid
# (after checking that the process is still the one started), never by
# process name. A start refuses when the port is already taken or the name
# is already running. svc_stop_all stops every service of the run dir.
#
# MariaDB servers write a ROW binlog with FULL row image and FULL metadata
# (mysql-bin.NNNNNN in the data dir), run in UTC (default-time-zone
# '+00:00') and have a user 'meepo'@'%' with ALL PRIVILEGES (which includes
# REPLICATION SLAVE/CLIENT, BINLOG MONITOR and REPLICATION MASTER ADMIN).
# Root connects without a password over the socket: svc_mariadb_root NAME.

# ---- helpers ------------------------------------------------------------

svc_log() {
	echo "services: $*" >&2
}

svc_die() {
	svc_log "error: $*"
	return 1
}

# Prints the absolute run directory, creating it.
svc_run_dir() {
	local dir="${MEEPO_RUN_DIR:-./.tmp/run}"
	mkdir -p "$dir" || return 1
	(cd "$dir" && pwd)
}

# Prints the directory of service NAME (not created).
svc_dir() {
	local run
	run=$(svc_run_dir) || return 1
	echo "$run/$1"
}

# True if something accepts TCP connections on 127.0.0.1:PORT.
svc_port_busy() {
	(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# Prints the first port in FROM..TO that nothing listens on.
svc_free_port() {
	local port
	for ((port = $1; port <= $2; port++)); do
		if ! svc_port_busy "$port"; then
			echo "$port"
			return 0
		fi
	done
	svc_die "no free port in $1..$2"
}

# Waits up to SECONDS for 127.0.0.1:PORT to accept connections while PID lives.
svc_wait_port() {
	local port=$1 pid=$2 seconds=$3 i
	for ((i = 0; i < seconds * 10; i++)); do
		if svc_port_busy "$port"; then
			return 0
		fi
		if [[ -n "$pid" ]] && ! kill -0 "$pid" 2>/dev/null; then
			return 1
		fi
		sleep 0.1
	done
	return 1
}

# Prints the pid recorded for service NAME if that process still runs and
# is the program recorded with it; fails otherwise.
svc_pid() {
	local dir pid comm
	dir=$(svc_dir "$1") || return 1
	[[ -s "$dir/pid" && -s "$dir/comm" ]] || return 1
	pid=$(<"$dir/pid")
	comm=$(<"$dir/comm")
	[[ "$pid" =~ ^[0-9]+$ ]] || return 1
	[[ -r "/proc/$pid/comm" ]] || return 1
	[[ "$(<"/proc/$pid/comm")" == "$comm"* ]] || return 1
	echo "$pid"
}

# Common checks before starting NAME on PORT; prepares an empty service dir.
svc_prepare() {
	local name=$1 port=$2 dir
	if [[ -z "$name" || ! "$port" =~ ^[0-9]+$ ]]; then
		svc_die "usage: start KIND NAME PORT"
		return 1
	fi
	if svc_pid "$name" >/dev/null; then
		svc_die "service '$name' is already running (pid $(svc_pid "$name")); stop it first"
		return 1
	fi
	if svc_port_busy "$port"; then
		svc_die "port $port is already in use on 127.0.0.1; pick another (svc_free_port)"
		return 1
	fi
	dir=$(svc_dir "$name") || return 1
	rm -rf "$dir"
	mkdir -p "$dir"
}

# Records PID (running program COMM) as service NAME.
svc_record() {
	local dir
	dir=$(svc_dir "$1") || return 1
	echo "$2" >"$dir/pid"
	echo "$3" >"$dir/comm"
}

# Prints the last lines of FILE to stderr, to explain a failed start.
svc_tail() {
	if [[ -r "$1" ]]; then
		svc_log "last lines of $1:"
		tail -n 25 "$1" >&2
	fi
}

# ---- MariaDB ------------------------------------------------------------

# Writes the my.cnf of a MariaDB service.
svc_mariadb_cnf() {
	local dir=$1 port=$2 server_id=$3
	cat >"$dir/my.cnf" <<EOF
# written by scripts/services.sh
[client]
port = $port
socket = $dir/run/mysqld.sock
user = root

[mariadbd]
port = $port
bind-address = 127.0.0.1
socket = $dir/run/mysqld.sock
pid-file = $dir/run/mysqld.pid
datadir = $dir/data
tmpdir = $dir/tmp
log-error = $dir/error.log
skip-name-resolve
skip-external-locking
server_id = $server_id
log-bin = mysql-bin
binlog_format = ROW
binlog_row_image = FULL
binlog_row_metadata = FULL
default-time-zone = '+00:00'
character-set-server = utf8mb4
collation-server = utf8mb4_general_ci
innodb_buffer_pool_size = 64M
innodb_log_file_size = 16M
innodb_flush_log_at_trx_commit = 2
sync_binlog = 0
performance_schema = OFF
max_connections = 200
EOF
}

# svc_mariadb_root NAME [mariadb client args...]: runs the client as root over
# the socket of service NAME.
svc_mariadb_root() {
	local dir
	dir=$(svc_dir "$1") || return 1
	shift
	mariadb --defaults-file="$dir/my.cnf" --protocol=socket "$@"
}

# svc_start_mariadb NAME PORT [PASSWORD [SERVER_ID]]: a fresh server with a
# ROW binlog and user meepo (password PASSWORD, default "meepo"). Its data
# dir (with the binlog files) is $MEEPO_RUN_DIR/NAME/data. The server id
# defaults to PORT % 100000 + 1, so that two servers never share one.
svc_start_mariadb() {
	local name=$1 port=$2 password=${3:-meepo} server_id=${4:-$(($2 % 100000 + 1))}
	local dir pid user_args=() i sql
	svc_prepare "$name" "$port" || return 1
	dir=$(svc_dir "$name")
	mkdir -p "$dir/data" "$dir/run" "$dir/tmp"
	svc_mariadb_cnf "$dir" "$port" "$server_id"
	if [[ $EUID -eq 0 ]]; then
		chown -R mysql:mysql "$dir"
		if ! runuser -u mysql -- test -w "$dir/run"; then
			svc_die "user mysql cannot reach $dir (a parent dir is not searchable); set MEEPO_RUN_DIR to a dir under /tmp"
			return 1
		fi
		user_args=(--user=mysql)
	fi
	if ! mariadb-install-db --defaults-file="$dir/my.cnf" "${user_args[@]}" \
		--auth-root-authentication-method=normal --skip-test-db \
		>"$dir/install.log" 2>&1; then
		svc_tail "$dir/install.log"
		svc_die "mariadb-install-db failed for '$name'"
		return 1
	fi
	mariadbd --defaults-file="$dir/my.cnf" "${user_args[@]}" </dev/null >>"$dir/error.log" 2>&1 &
	pid=$!
	disown "$pid" 2>/dev/null || true
	svc_record "$name" "$pid" mariadbd
	for ((i = 0; i < 600; i++)); do
		if mariadb-admin --defaults-file="$dir/my.cnf" --protocol=socket \
			--connect-timeout=1 ping >/dev/null 2>&1; then
			break
		fi
		if ! kill -0 "$pid" 2>/dev/null; then
			svc_tail "$dir/error.log"
			svc_die "mariadbd '$name' exited during start-up"
			return 1
		fi
		sleep 0.1
	done
	if ((i == 600)); then
		svc_tail "$dir/error.log"
		svc_stop "$name"
		svc_die "mariadbd '$name' did not accept connections within 60 s"
		return 1
	fi
	sql="DROP USER IF EXISTS ''@'localhost';
CREATE USER 'meepo'@'%' IDENTIFIED BY '${password//\'/\'\'}';
GRANT ALL PRIVILEGES ON *.* TO 'meepo'@'%' WITH GRANT OPTION;
FLUSH PRIVILEGES;"
	if ! svc_mariadb_root "$name" -e "$sql"; then
		svc_stop "$name"
		svc_die "could not create user meepo on '$name'"
		return 1
	fi
	svc_log "mariadb '$name' on 127.0.0.1:$port (pid $pid, data $dir/data)"
}

# ---- Redis ----------------------------------------------------------------

# svc_start_redis NAME PORT: an empty redis-server without persistence.
svc_start_redis() {
	local name=$1 port=$2 dir pid i
	svc_prepare "$name" "$port" || return 1
	dir=$(svc_dir "$name")
	if ! redis-server --port "$port" --bind 127.0.0.1 --daemonize yes \
		--pidfile "$dir/redis.pid" --dir "$dir" --logfile "$dir/redis.log" \
		--save '' --appendonly no >"$dir/start.log" 2>&1; then
		svc_tail "$dir/start.log"
		svc_die "redis-server '$name' failed to start"
		return 1
	fi
	for ((i = 0; i < 100; i++)); do
		if [[ -s "$dir/redis.pid" ]] && svc_port_busy "$port"; then
			break
		fi
		sleep 0.1
	done
	if ((i == 100)); then
		svc_tail "$dir/redis.log"
		svc_die "redis-server '$name' did not come up on port $port"
		return 1
	fi
	pid=$(<"$dir/redis.pid")
	svc_record "$name" "$pid" redis-server
	svc_log "redis '$name' on 127.0.0.1:$port (pid $pid)"
}

# ---- memcached --------------------------------------------------------------

# svc_start_memcached NAME PORT: a memcached with 64 MB, TCP only.
svc_start_memcached() {
	local name=$1 port=$2 dir pid i user_args=()
	svc_prepare "$name" "$port" || return 1
	dir=$(svc_dir "$name")
	if [[ $EUID -eq 0 ]]; then
		# memcached refuses to run as root; it writes its pid file as this user.
		user_args=(-u nobody)
		chmod 0777 "$dir"
	fi
	if ! memcached -p "$port" -U 0 -l 127.0.0.1 -m 64 -d -P "$dir/memcached.pid" \
		"${user_args[@]}" >"$dir/start.log" 2>&1; then
		svc_tail "$dir/start.log"
		svc_die "memcached '$name' failed to start"
		return 1
	fi
	for ((i = 0; i < 100; i++)); do
		if [[ -s "$dir/memcached.pid" ]] && svc_port_busy "$port"; then
			break
		fi
		sleep 0.1
	done
	if ((i == 100)); then
		svc_tail "$dir/start.log"
		svc_die "memcached '$name' did not come up on port $port"
		return 1
	fi
	pid=$(<"$dir/memcached.pid")
	svc_record "$name" "$pid" memcached
	svc_log "memcached '$name' on 127.0.0.1:$port (pid $pid)"
}

# ---- stopping ---------------------------------------------------------------

# svc_stop NAME: SIGTERM, then SIGKILL after 30 s; removes the pid record.
svc_stop() {
	local name=$1 dir pid i
	dir=$(svc_dir "$name") || return 1
	if pid=$(svc_pid "$name"); then
		kill -TERM "$pid" 2>/dev/null
		for ((i = 0; i < 300; i++)); do
			if ! kill -0 "$pid" 2>/dev/null; then
				break
			fi
			sleep 0.1
		done
		if kill -0 "$pid" 2>/dev/null; then
			svc_log "'$name' (pid $pid) ignored SIGTERM for 30 s; killing it"
			kill -KILL "$pid" 2>/dev/null
		fi
		svc_log "stopped '$name' (pid $pid)"
	fi
	rm -f "$dir/pid" "$dir/comm"
}

# svc_stop_all: stops every service recorded in the run dir.
svc_stop_all() {
	local run=${MEEPO_RUN_DIR:-./.tmp/run} piddir
	[[ -d "$run" ]] || return 0
	for piddir in "$run"/*/; do
		if [[ -e "$piddir/pid" ]]; then
			svc_stop "$(basename "$piddir")"
		fi
	done
	return 0
}

# svc_status: one line per service of the run dir.
svc_status() {
	local run piddir name pid
	run=$(svc_run_dir) || return 1
	for piddir in "$run"/*/; do
		[[ -e "$piddir/comm" ]] || continue
		name=$(basename "$piddir")
		if pid=$(svc_pid "$name"); then
			echo "$name $(<"$piddir/comm") running pid $pid"
		else
			echo "$name $(<"$piddir/comm") not running"
		fi
	done
}

# ---- the integration test environment ---------------------------------------

# svc_start_test_env: starts every server the integration tests use (source
# and target MariaDB, redis, two memcached) on free ports, exports the
# MEEPO_TEST_* variables tests/integration/harness.h reads, and writes them
# to $MEEPO_RUN_DIR/test-env.sh for `source`. Port search starts at
# $MEEPO_TEST_PORT_MYSQL (33100), $MEEPO_TEST_PORT_REDIS (6390) and
# $MEEPO_TEST_PORT_MEMCACHED (11290).
svc_start_test_env() {
	local run my=${MEEPO_TEST_PORT_MYSQL:-33100} rd=${MEEPO_TEST_PORT_REDIS:-6390}
	local mc=${MEEPO_TEST_PORT_MEMCACHED:-11290} port
	run=$(svc_run_dir) || return 1
	export MEEPO_RUN_DIR=$run
	export MEEPO_TEST_MYSQL_HOST=127.0.0.1
	export MEEPO_TEST_MYSQL_USER=meepo
	export MEEPO_TEST_MYSQL_PASSWORD=${MEEPO_TEST_MYSQL_PASSWORD:-meepo}
	port=$(svc_free_port "$my" $((my + 99))) || return 1
	svc_start_mariadb source "$port" "$MEEPO_TEST_MYSQL_PASSWORD" || return 1
	export MEEPO_TEST_MYSQL_PORT=$port
	export MEEPO_TEST_MYSQL_DATADIR=$run/source/data
	port=$(svc_free_port $((port + 1)) $((my + 99))) || return 1
	svc_start_mariadb target "$port" "$MEEPO_TEST_MYSQL_PASSWORD" || return 1
	export MEEPO_TEST_TARGET_PORT=$port
	port=$(svc_free_port "$rd" $((rd + 99))) || return 1
	svc_start_redis redis "$port" || return 1
	export MEEPO_TEST_REDIS_PORT=$port
	port=$(svc_free_port "$mc" $((mc + 99))) || return 1
	svc_start_memcached memcached "$port" || return 1
	export MEEPO_TEST_MEMCACHED_PORT=$port
	port=$(svc_free_port $((port + 1)) $((mc + 99))) || return 1
	svc_start_memcached memcached2 "$port" || return 1
	export MEEPO_TEST_MEMCACHED_PORT2=$port
	{
		local v
		for v in MEEPO_RUN_DIR MEEPO_TEST_MYSQL_HOST MEEPO_TEST_MYSQL_PORT \
			MEEPO_TEST_MYSQL_USER MEEPO_TEST_MYSQL_PASSWORD MEEPO_TEST_MYSQL_DATADIR \
			MEEPO_TEST_TARGET_PORT MEEPO_TEST_REDIS_PORT MEEPO_TEST_MEMCACHED_PORT \
			MEEPO_TEST_MEMCACHED_PORT2; do
			printf 'export %s=%q\n' "$v" "${!v}"
		done
	} >"$run/test-env.sh"
}

# ---- command line -----------------------------------------------------------

svc_main() {
	local cmd=${1:-}
	shift || true
	case "$cmd" in
	start)
		local kind=${1:-}
		shift || true
		case "$kind" in
		mariadb) svc_start_mariadb "$@" ;;
		redis) svc_start_redis "$@" ;;
		memcached) svc_start_memcached "$@" ;;
		*) svc_die "unknown service kind '$kind' (mariadb, redis, memcached)" ;;
		esac
		;;
	stop) svc_stop "$@" ;;
	stop-all) svc_stop_all ;;
	status) svc_status ;;
	free-port) svc_free_port "$@" ;;
	start-test-env)
		svc_start_test_env || return 1
		cat "$MEEPO_RUN_DIR/test-env.sh"
		echo "# (also in $MEEPO_RUN_DIR/test-env.sh; stop with: MEEPO_RUN_DIR=$MEEPO_RUN_DIR $0 stop-all)" >&2
		;;
	run)
		# Starts the test servers in a fresh run dir, runs the command with
		# their environment, stops them, and returns the command's status.
		# A run dir it creates itself is removed when the command succeeds.
		local status created=
		if [[ -z "${MEEPO_RUN_DIR:-}" ]]; then
			MEEPO_RUN_DIR=$(mktemp -d /tmp/meepo-run.XXXXXX) || return 1
			chmod 0755 "$MEEPO_RUN_DIR"
			export MEEPO_RUN_DIR
			created=$MEEPO_RUN_DIR
		fi
		trap svc_stop_all EXIT
		svc_start_test_env || return 1
		"$@"
		status=$?
		svc_stop_all
		trap - EXIT
		if [[ -n "$created" && $status -eq 0 ]]; then
			rm -rf "$created"
		elif [[ $status -ne 0 ]]; then
			svc_log "command failed ($status); logs and data kept in $MEEPO_RUN_DIR"
		fi
		return $status
		;;
	*)
		echo "usage: $0 start mariadb|redis|memcached NAME PORT [PASSWORD [SERVER_ID]]" >&2
		echo "       $0 stop NAME | stop-all | status | free-port FROM TO" >&2
		echo "       $0 start-test-env      (all test servers; prints the MEEPO_TEST_* exports)" >&2
		echo "       $0 run CMD ARGS...     (start the test servers, run CMD, stop them)" >&2
		echo "services live in \$MEEPO_RUN_DIR (default ./.tmp/run)" >&2
		return 2
		;;
	esac
}

if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
	svc_main "$@"
	exit $?
fi
