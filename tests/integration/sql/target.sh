#!/usr/bin/env bash
# tests/integration/sql/target.sh kill|start - for the sql sink's integration
# test: SIGKILLs the test target MariaDB (the service "target" of
# $MEEPO_RUN_DIR that scripts/services.sh start-test-env started), or starts
# it again on its data dir (InnoDB recovers) and records its new pid, so
# that svc_stop_all still stops it. Exits 0 when done, 1 with a message.
set -u
# shellcheck source=../../../scripts/services.sh
source "${MEEPO_SOURCE_ROOT:?}/scripts/services.sh"

name=target

target_kill() {
	local pid i
	pid=$(svc_pid "$name") || { svc_die "no running service '$name' in $(svc_run_dir)"; return 1; }
	kill -KILL "$pid"
	for ((i = 0; i < 300; i++)); do
		kill -0 "$pid" 2>/dev/null || return 0
		sleep 0.1
	done
	svc_die "mariadbd '$name' (pid $pid) survived SIGKILL"
}

target_start() {
	local dir pid i user_args=()
	dir=$(svc_dir "$name") || return 1
	if svc_pid "$name" >/dev/null; then
		svc_die "service '$name' is already running"
		return 1
	fi
	[[ -r "$dir/my.cnf" ]] || { svc_die "no $dir/my.cnf: was '$name' started by services.sh?"; return 1; }
	if [[ $EUID -eq 0 ]]; then
		user_args=(--user=mysql)
	fi
	mariadbd --defaults-file="$dir/my.cnf" "${user_args[@]}" </dev/null >>"$dir/error.log" 2>&1 &
	pid=$!
	disown "$pid" 2>/dev/null || true
	svc_record "$name" "$pid" mariadbd
	for ((i = 0; i < 600; i++)); do
		if mariadb-admin --defaults-file="$dir/my.cnf" --protocol=socket \
			--connect-timeout=1 ping >/dev/null 2>&1; then
			return 0
		fi
		if ! kill -0 "$pid" 2>/dev/null; then
			svc_tail "$dir/error.log"
			svc_die "mariadbd '$name' exited during restart"
			return 1
		fi
		sleep 0.1
	done
	svc_die "mariadbd '$name' did not come back within 60 s"
}

case "${1:-}" in
kill) target_kill ;;
start) target_start ;;
*) echo "usage: $0 kill|start" >&2; exit 2 ;;
esac
