#!/usr/bin/env bash
# scripts/fuzz.sh - builds meepo's libFuzzer targets in build-fuzz/ (clang,
# AddressSanitizer + UBSan) and runs each for a bounded time:
#
#   fuzz-decoder  the binlog decoder (tests/fuzz/fuzz_decoder.c); seeds: the
#                 binlog fixtures (tests/fixtures/mysql, tests/fixtures/mariadb,
#                 files up to 1 MiB) and the kept inputs in tests/fixtures/fuzz
#   fuzz-config   the configuration loader (tests/fuzz/fuzz_config.c); seeds:
#                 tests/bad-configs, conf.d and tests/fixtures/fuzz/config-*
#
# An input that crashes, leaks, times out or runs out of memory is copied to
# tests/fixtures/fuzz/ (decoder: crash-<sha1>, ...; config: config-crash-<sha1>,
# ...) so that it stays a regression input, and the script fails.
#
# Usage: scripts/fuzz.sh [-t SECONDS] [TARGET...]
#   -t SECONDS   time per target (default 60, or $MEEPO_FUZZ_SECONDS)
#   TARGET       fuzz-decoder and/or fuzz-config (default: both)
# The build directory is build-fuzz ($MEEPO_FUZZ_BUILD overrides it).
# Needs clang (scripts/deps.sh installs it). Exit status 0 only if every
# target ran its time without finding anything.
set -u -o pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT" || exit 1

BUILD=${MEEPO_FUZZ_BUILD:-build-fuzz}
SECS=${MEEPO_FUZZ_SECONDS:-60}
TARGETS=()
while (($# > 0)); do
	case "$1" in
	-t) SECS=${2:?-t needs a number of seconds}; shift ;;
	-h | --help) sed -n '2,22p' "$0"; exit 0 ;;
	fuzz-decoder | fuzz-config) TARGETS+=("$1") ;;
	*) echo "fuzz.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
	esac
	shift
done
if ((${#TARGETS[@]} == 0)); then
	TARGETS=(fuzz-decoder fuzz-config)
fi
if ! [[ "$SECS" =~ ^[0-9]+$ ]] || ((SECS == 0)); then
	echo "fuzz.sh: -t wants a positive number of seconds, not '$SECS'" >&2
	exit 2
fi

# build: configures build-fuzz once (with clang) and compiles only the
# fuzz targets, so that unrelated code does not stop a fuzzing run.
build() {
	local opts=(-Dfuzz=true "-Db_sanitize=address,undefined" -Db_lundef=false)
	if [[ -f "$BUILD/build.ninja" ]]; then
		if ! grep -q '"clang' "$BUILD/compile_commands.json" 2>/dev/null; then
			echo "fuzz.sh: $BUILD was configured with another compiler; remove it" >&2
			return 1
		fi
		meson configure "$BUILD" "${opts[@]}" >/dev/null || return 1
	else
		CC=clang meson setup "$BUILD" "${opts[@]}" || return 1
	fi
	ninja -C "$BUILD" "${TARGETS[@]/#/tests/fuzz/}"
}

# seeds TARGET DIR: copies the target's seed inputs into DIR.
seeds() {
	local target=$1 dir=$2 f name
	if [[ "$target" == fuzz-decoder ]]; then
		for f in tests/fixtures/mysql/v* tests/fixtures/mariadb/*.binlog tests/fixtures/fuzz/*; do
			name=$(basename "$f")
			[[ -f "$f" && "$name" != *.expected.txt && "$name" != *.md &&
				"$name" != config-* ]] || continue
			(($(stat -c %s "$f") <= 1048576)) || continue
			cp "$f" "$dir/$name"
		done
	else
		for f in tests/bad-configs/*.conf tests/bad-configs/*.d/*.conf conf.d/*.conf \
			tests/fixtures/fuzz/config-*; do
			[[ -f "$f" ]] || continue
			cp "$f" "$dir/$(basename "$(dirname "$f")")-$(basename "$f")"
		done
	fi
}

# run TARGET: fuzzes for SECS seconds; keeps what it finds. Returns 0 if nothing.
run() {
	local target=$1 work corpus seed art rc f kept=0 prefix=""
	work=$(mktemp -d /tmp/meepo-fuzz.XXXXXX) || return 1
	corpus=$work/corpus
	seed=$work/seeds
	art=$work/artifacts
	mkdir -p "$corpus" "$seed" "$art"
	seeds "$target" "$seed"
	[[ "$target" == fuzz-config ]] && prefix=config-
	echo "==== $target: $SECS s, $(find "$seed" -type f | wc -l) seeds"
	LSAN_OPTIONS=suppressions=$ROOT/tests/fuzz/lsan.supp:print_suppressions=0 \
		UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
		"$BUILD/tests/fuzz/$target" -max_total_time="$SECS" -timeout=20 -rss_limit_mb=2048 \
		-max_len=1048576 -print_final_stats=1 -artifact_prefix="$art/" \
		"$corpus" "$seed" >"$work/log" 2>&1
	rc=$?
	grep -E '^#[0-9]+.*(DONE|pulse)|^stat::(number_of_executed_units|peak_rss_mb)' "$work/log" | tail -3
	for f in "$art"/*; do
		[[ -f "$f" ]] || continue
		cp "$f" "tests/fixtures/fuzz/$prefix$(basename "$f")"
		echo "$target: kept tests/fixtures/fuzz/$prefix$(basename "$f")" >&2
		kept=$((kept + 1))
	done
	if ((rc != 0 || kept > 0)); then
		tail -60 "$work/log" >&2
		echo "$target: FAILED (exit $rc); log in $work/log" >&2
		echo "  reproduce: $BUILD/tests/fuzz/$target tests/fixtures/fuzz/$prefix<file>" >&2
		return 1
	fi
	rm -rf "$work"
	echo "$target: no crash, leak or timeout in $SECS s"
}

build || { echo "fuzz.sh: build failed" >&2; exit 1; }
status=0
for t in "${TARGETS[@]}"; do
	run "$t" || status=1
done
exit $status
