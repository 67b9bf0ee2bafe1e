#!/usr/bin/env bash
# scripts/test.sh - THE test command: bash scripts/test.sh
#
# On a fresh Debian 12 (as root) it installs what the build and the tests
# need (skipped when everything is present), builds meepo in a fresh
# build-test/, starts the servers the integration tests use (source and
# target MariaDB, redis, two memcached; see scripts/services.sh) on free
# loopback ports, runs every test (unit and integration suites), then does
# it all again in build-asan/ built with AddressSanitizer and UBSan, runs the
# unit suite and meepo itself (scripts/valgrind.sh) under valgrind (leaks and
# memory errors), runs the decoder and config fuzzers for 60 s each
# (scripts/fuzz.sh), stops the servers and prints a summary. Exit status 0
# only if every step passed.
#
# Options:
#   --no-sanitize   skip the ASan/UBSan, valgrind and fuzz passes (quicker local runs)
#   --keep-build    reuse build-test/ and build-asan/ instead of wiping them
#   -- ARGS...      passed to `meson test` (e.g. -- seed, or -- --suite unit)
#
# Logs: build-test/meson-logs/testlog.txt, build-asan/meson-logs/testlog.txt;
# server data and logs stay in the printed run dir when something failed.
set -u -o pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT" || exit 1

SANITIZE=1
KEEP_BUILD=0
TEST_ARGS=()
while (($# > 0)); do
	case "$1" in
	--no-sanitize) SANITIZE=0 ;;
	--keep-build) KEEP_BUILD=1 ;;
	--) shift; TEST_ARGS=("$@"); break ;;
	-h | --help) sed -n '2,20p' "$0"; exit 0 ;;
	*) echo "test.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
	esac
	shift
done

# Upper bounds, in seconds, of each test pass (a passing run needs far less).
LIMIT_TESTS=${MEEPO_TEST_LIMIT:-600}
LIMIT_ASAN=${MEEPO_TEST_LIMIT_ASAN:-900}
LIMIT_VALGRIND=${MEEPO_TEST_LIMIT_VALGRIND:-600}

SUMMARY=()
FAILED=0
STARTED=$SECONDS

# step NAME CMD...: runs a step, timing it and recording PASS/FAIL.
step() {
	local name=$1 t0=$SECONDS rc
	shift
	echo
	echo "==== $name ===="
	"$@"
	rc=$?
	if ((rc == 0)); then
		SUMMARY+=("$(printf 'PASS  %-44s %4ds' "$name" $((SECONDS - t0)))")
	else
		SUMMARY+=("$(printf 'FAIL  %-44s %4ds  (exit %d)' "$name" $((SECONDS - t0)) "$rc")")
		FAILED=1
	fi
	return $rc
}

# build DIR MESON_ARGS...: (re)configures DIR and compiles everything.
build() {
	local dir=$1
	shift
	if ((KEEP_BUILD == 0)) || [[ ! -d "$dir" ]]; then
		rm -rf "$dir"
		meson setup "$dir" "$@" || return 1
	fi
	ninja -C "$dir"
}

# run_tests LIMIT DIR MESON_TEST_ARGS...: every suite; integration tests are
# is_parallel false, so meson runs them one at a time. A pass taking longer
# than LIMIT seconds is stopped (a test whose children outlive it makes
# meson wait for their output until the test's own timeout).
run_tests() {
	local limit=$1 dir=$2
	shift 2
	timeout --kill-after=30 "$limit" \
		meson test -C "$dir" --print-errorlogs --num-processes 2 "$@" "${TEST_ARGS[@]}"
}

# Starts the test servers once, for both passes.
ensure_servers() {
	if [[ -z "${MEEPO_TEST_MYSQL_PORT:-}" ]]; then
		step "start servers" svc_start_test_env
	fi
}

cleanup() {
	if declare -F svc_stop_all >/dev/null; then
		svc_stop_all
	fi
	if [[ -n "${MEEPO_RUN_DIR:-}" && -d "$MEEPO_RUN_DIR" ]]; then
		if ((FAILED == 0)) || rmdir "$MEEPO_RUN_DIR" 2>/dev/null; then
			rm -rf "$MEEPO_RUN_DIR"
		else
			echo "server data and logs kept in $MEEPO_RUN_DIR"
		fi
	fi
}

print_summary() {
	local line
	echo
	echo "==== summary ($((SECONDS - STARTED)) s) ===="
	for line in "${SUMMARY[@]}"; do
		echo "$line"
	done
	if ((FAILED == 0)); then
		echo "ALL PASSED"
	else
		echo "FAILED (see the output above and build-*/meson-logs/testlog.txt)"
	fi
}

main() {
	# shellcheck source=scripts/deps.sh
	source "$ROOT/scripts/deps.sh"
	# shellcheck source=scripts/services.sh
	source "$ROOT/scripts/services.sh"
	step "install packages" deps_install "${DEPS_BUILD[@]}" "${DEPS_SERVERS[@]}" "${DEPS_TOOLS[@]}" ||
		{ print_summary; return 1; }
	MEEPO_RUN_DIR=$(mktemp -d /tmp/meepo-test.XXXXXX) || return 1
	chmod 0755 "$MEEPO_RUN_DIR" # mariadbd runs as user mysql
	export MEEPO_RUN_DIR
	trap cleanup EXIT
	trap 'exit 130' INT TERM

	local built=0
	if step "build (build-test)" build build-test; then
		built=1
		ensure_servers || { print_summary; return 1; }
		step "tests (build-test)" run_tests "$LIMIT_TESTS" build-test
	fi
	if ((SANITIZE == 1)) && step "build (build-asan, ASan+UBSan)" build build-asan \
		-Db_sanitize=address,undefined -Db_lundef=false; then
		ensure_servers || { print_summary; return 1; }
		ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:halt_on_error=1} \
			LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$ROOT/scripts/lsan.supp:print_suppressions=0} \
			UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
			step "tests (build-asan, ASan+UBSan)" run_tests "$LIMIT_ASAN" build-asan \
			--timeout-multiplier 2
	fi
	# (not when ARGS name tests: they may not be in the unit suite)
	if ((SANITIZE == 1 && built == 1 && ${#TEST_ARGS[@]} == 0)); then
		step "unit tests under valgrind (build-test)" run_tests "$LIMIT_VALGRIND" build-test --suite unit \
			--timeout-multiplier 10 --wrap "valgrind -q --error-exitcode=99 \
			--leak-check=full --errors-for-leak-kinds=definite,indirect \
			--show-leak-kinds=definite,indirect --suppressions=$ROOT/scripts/valgrind.supp"
		step "meepo under valgrind (build-test)" bash "$ROOT/scripts/valgrind.sh" --live build-test
		step "fuzz (build-fuzz, 60 s per target)" bash "$ROOT/scripts/fuzz.sh"
	fi
	print_summary
	return $FAILED
}

main
