#!/usr/bin/env bash
# scripts/demo.sh - THE run command: bash scripts/demo.sh
#
# Shows meepo at work in a minute: installs what it needs (nothing when all
# is present), builds meepo and its plugins in build/, starts a throwaway MariaDB (ROW
# binlog, FULL metadata) on a free loopback port, runs meepo with the
# shipped conf.d/ (its source pointed at that server, start = "current")
# and the print sink writing to this terminal, then replays the two
# reference examples of the original Meepo as SQL, statement by statement,
# so you see each event arrive. At the end it compares what meepo printed
# with the expected lines, stops meepo (SIGTERM) and the server.
#
# Options:
#   --keep   leave MariaDB and meepo running afterwards and print how to
#            connect and type SQL yourself; stop them with --stop
#   --stop   stop what a previous --keep left running
#
# Files (server data, config, meepo's log) live in $MEEPO_RUN_DIR, by
# default /tmp/meepo-demo.
set -u -o pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT" || exit 1
export MEEPO_RUN_DIR=${MEEPO_RUN_DIR:-/tmp/meepo-demo}
# The demo server's password, read by meepo through password_env
# (conf.d/00-source.conf names MEEPO_PASSWORD too).
export MEEPO_PASSWORD=meepo

# shellcheck source=scripts/deps.sh
source "$ROOT/scripts/deps.sh"
# shellcheck source=scripts/services.sh
source "$ROOT/scripts/services.sh"

KEEP=0
case "${1:-}" in
--keep) KEEP=1 ;;
--stop)
	svc_stop meepo
	svc_stop_all
	exit 0
	;;
"") ;;
*)
	sed -n '2,20p' "$0"
	exit 2
	;;
esac

# Reference example 1 (seed-examples.md): the SQL and the expected events.
EXAMPLE1_SQL=(
	"INSERT INTO test (data) VALUES ('a')"
	"INSERT INTO test (data) VALUES ('b'), ('c'), ('d')"
	"UPDATE test SET data = 'aa' WHERE id = 1"
	"UPDATE test SET data = 'bb' WHERE id = 2"
	"UPDATE test SET data = 'cc' WHERE id != 1"
	"DELETE FROM test WHERE id != 1"
	"DELETE FROM test WHERE id = 1"
)
EXAMPLE1_EVENTS="test_write 1
test_write 2
test_write 3
test_write 4
test_update 1
test_update 2
test_update 2
test_update 3
test_update 4
test_delete 2
test_delete 3
test_delete 4
test_delete 1"

# Reference example 2: an ORM session's four commits, as SQL transactions.
EXAMPLE2_SQL=(
	"BEGIN; INSERT INTO test (id, data) VALUES (1, 'a'); COMMIT"
	"BEGIN; INSERT INTO test (id, data) VALUES (2, 'b'); INSERT INTO test (id, data) VALUES (3, 'c'); COMMIT"
	"BEGIN; UPDATE test SET data = 'x' WHERE id = 2; COMMIT"
	"BEGIN; DELETE FROM test WHERE id = 3; COMMIT"
)
EXAMPLE2_EVENTS="test_write 1
test_write 2
test_write 3
test_update 2
test_delete 3"

TABLE_DDL="CREATE TABLE test (id INT AUTO_INCREMENT PRIMARY KEY, data VARCHAR(255))"

say() {
	printf '\n\033[1m>> %s\033[0m\n' "$*"
}

fail() {
	echo "demo: $*" >&2
	if [[ -s "$MEEPO_RUN_DIR/meepo.log" ]]; then
		echo "---- last lines of meepo's log ($MEEPO_RUN_DIR/meepo.log) ----" >&2
		tail -n 20 "$MEEPO_RUN_DIR/meepo.log" >&2
	fi
	exit 1
}

# sql STATEMENTS: runs SQL in database demo as the meepo user.
sql() {
	mariadb -h 127.0.0.1 -P "$PORT" -u meepo -p"$MEEPO_PASSWORD" demo -e "$1"
}

# Writes the demo's configuration into $MEEPO_RUN_DIR/conf.d: the shipped
# conf.d/ with its source section replaced, or a minimal one of our own.
write_config() {
	local dir="$MEEPO_RUN_DIR/conf.d"
	rm -rf "$dir"
	mkdir -p "$dir"
	if compgen -G "$ROOT/conf.d/*.conf" >/dev/null; then
		cp "$ROOT"/conf.d/*.conf "$dir/"
	else
		cat >"$dir/50-print.conf" <<'EOF'
# Every change of every table, printed as `<table>_<action> <pk>`.
sinks = ( { name = "console"; plugin = "print"; format = "meepo"; output = "-"; } );
routes = ( { match = [ "*.*" ]; sink = "console"; } );
EOF
	fi
	cat >"$dir/00-source.conf" <<EOF
# Written by scripts/demo.sh: the throwaway demo server.
source = {
	host = "127.0.0.1";
	port = $PORT;
	user = "meepo";
	password_env = "MEEPO_PASSWORD";
	server_id = 4242;
	start = "current";
};
EOF
	# A checkpoint left by an earlier run would resume from there: drop it.
	rm -f "$MEEPO_RUN_DIR"/*.position "$MEEPO_RUN_DIR"/*.deadletter.jsonl
}

# wait_for_meepo PID: waits until meepo's binlog dump connection shows in the
# server's process list.
wait_for_meepo() {
	local i n
	for ((i = 0; i < 300; i++)); do
		n=$(mariadb -h 127.0.0.1 -P "$PORT" -u meepo -p"$MEEPO_PASSWORD" -N -B -e \
			"SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE COMMAND LIKE 'Binlog Dump%'" 2>/dev/null)
		if [[ "$n" =~ ^[1-9] ]]; then
			return 0
		fi
		if ! kill -0 "$1" 2>/dev/null; then
			fail "meepo exited during start-up"
		fi
		sleep 0.1
	done
	fail "meepo did not connect to the server within 30 s"
}

# play NAME STATEMENTS...: shows and runs each statement, pausing between them.
play() {
	local stmt
	for stmt in "$@"; do
		printf '\033[36mSQL> %s;\033[0m\n' "$stmt"
		sql "$stmt" || fail "SQL failed: $stmt"
		sleep 0.6
	done
}

# Waits up to 20 s for the events file to hold N lines.
wait_events() {
	local i
	for ((i = 0; i < 200; i++)); do
		if (($(wc -l <"$EVENTS") >= $1)); then
			return 0
		fi
		sleep 0.1
	done
	return 1
}

main() {
	local expected status=0 pid targets

	if svc_pid meepo >/dev/null || svc_pid demo-db >/dev/null; then
		fail "a demo is still running in $MEEPO_RUN_DIR; stop it with: bash scripts/demo.sh --stop"
	fi
	say "installing packages if needed"
	deps_install "${DEPS_BUILD[@]}" mariadb-server mariadb-client || fail "package install failed"

	say "building meepo (build/)"
	if [[ ! -f build/build.ninja ]]; then
		meson setup build >/dev/null || fail "meson setup failed"
	fi
	# Only meepo and the plugins: the demo needs no tests.
	targets=(core/meepo $(ninja -C build -t targets all | grep -oE '^plugins/meepo-sink-[a-z0-9_-]+\.so' | sort -u))
	ninja -C build "${targets[@]}" >/dev/null || { ninja -C build "${targets[@]}"; fail "build failed"; }

	say "starting a throwaway MariaDB"
	mkdir -p "$MEEPO_RUN_DIR"
	chmod 0755 "$MEEPO_RUN_DIR"
	trap 'svc_stop meepo; svc_stop_all' EXIT
	trap 'exit 130' INT TERM
	PORT=$(svc_free_port 33306 33399) || fail "no free port"
	svc_start_mariadb demo-db "$PORT" "$MEEPO_PASSWORD" || fail "MariaDB did not start"
	mariadb -h 127.0.0.1 -P "$PORT" -u meepo -p"$MEEPO_PASSWORD" -e "CREATE DATABASE demo" ||
		fail "cannot create database demo"

	write_config
	(cd "$MEEPO_RUN_DIR" && "$ROOT/build/core/meepo" -c conf.d --check) >/dev/null 2>"$MEEPO_RUN_DIR/check.log" ||
		{ cat "$MEEPO_RUN_DIR/check.log" >&2; fail "meepo --check rejected $MEEPO_RUN_DIR/conf.d"; }

	say "starting meepo -c $MEEPO_RUN_DIR/conf.d (events appear below)"
	EVENTS="$MEEPO_RUN_DIR/events.txt"
	: >"$EVENTS"
	mkdir -p "$MEEPO_RUN_DIR/meepo"
	# From the run dir, so that relative paths of conf.d (the checkpoint,
	# dead letters) land there.
	(cd "$MEEPO_RUN_DIR" && exec "$ROOT/build/core/meepo" -c conf.d) \
		2>"$MEEPO_RUN_DIR/meepo.log" </dev/null \
		> >(tee -a "$EVENTS" | sed -u $'s/^/\033[32mmeepo> /; s/$/\033[0m/') &
	pid=$!
	svc_record meepo "$pid" meepo
	wait_for_meepo "$pid"

	say "example 1: statements against table test"
	play "$TABLE_DDL"
	play "${EXAMPLE1_SQL[@]}"
	wait_events 13 || true

	say "example 2: an ORM session's commits, as transactions"
	play "DROP TABLE test" "$TABLE_DDL"
	play "${EXAMPLE2_SQL[@]}"
	expected=$(printf '%s\n%s' "$EXAMPLE1_EVENTS" "$EXAMPLE2_EVENTS")
	wait_events 18 || true

	say "what happened"
	echo "meepo printed $(wc -l <"$EVENTS") events (expected 18: 13 for example 1, 5 for example 2)."
	if [[ "$(cat "$EVENTS")" == "$expected" ]]; then
		echo "They match the reference examples line for line."
	else
		echo "They differ from the reference examples:"
		diff <(echo "$expected") "$EVENTS" | sed 's/^/    /'
		status=1
	fi

	if ((KEEP == 1)); then
		trap - EXIT
		cat <<EOF

meepo (pid $pid) and MariaDB keep running; meepo prints to this terminal.
Type SQL yourself:
    mariadb -h 127.0.0.1 -P $PORT -u meepo -p$MEEPO_PASSWORD demo
e.g.  INSERT INTO test (data) VALUES ('hello');
Its configuration: $MEEPO_RUN_DIR/conf.d   log: $MEEPO_RUN_DIR/meepo.log
Stop everything with:  bash scripts/demo.sh --stop
EOF
	else
		svc_stop meepo
		svc_stop_all
		trap - EXIT
		echo "meepo and MariaDB stopped. Again, and keep them running: bash scripts/demo.sh --keep"
	fi
	return $status
}

main
