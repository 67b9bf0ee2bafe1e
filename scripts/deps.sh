#!/usr/bin/env bash
# scripts/deps.sh - the Debian 12 packages meepo's scripts need, and
# deps_install to install the missing ones (sourced by test.sh, demo.sh and
# make-mariadb-fixtures.sh). Nothing is fetched when all are present.

# Compilers, build tools and the libraries of the core and every plugin.
DEPS_BUILD=(
	meson ninja-build pkg-config gcc clang
	libmariadb-dev libconfig-dev libcurl4-openssl-dev libhiredis-dev
	libmemcached-dev libcmocka-dev libzstd-dev zlib1g-dev libdeflate-dev libssl-dev
	libmicrohttpd-dev
)
# The servers and clients scripts/services.sh starts and talks to.
DEPS_SERVERS=(
	mariadb-server mariadb-client redis-server redis-tools
	memcached libmemcached-tools
)
# What the test runner uses besides.
DEPS_TOOLS=(time valgrind python3 ca-certificates curl)

# deps_install PACKAGE...: installs those not yet installed (needs root).
deps_install() {
	local missing=() p
	for p in "$@"; do
		if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
			missing+=("$p")
		fi
	done
	if ((${#missing[@]} == 0)); then
		echo "all $# packages present"
		return 0
	fi
	echo "installing: ${missing[*]}"
	if ((EUID != 0)); then
		echo "not root; install them first: apt-get install ${missing[*]}" >&2
		return 1
	fi
	DEBIAN_FRONTEND=noninteractive apt-get update -q &&
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
}
