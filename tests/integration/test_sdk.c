/*
 * tests/integration/test_sdk.c - the plugin SDK as a third party uses it:
 * `meson install` into a temporary root, build docs/examples/statsd_sink.c
 * out of tree with `cc -shared -fPIC $(pkg-config --cflags meepo-sink)`,
 * and run the installed meepo with it over a committed MariaDB binlog
 * (the first reference example), receiving its statsd counters over UDP.
 *
 * Needs no server: it runs in the integration suite because it installs.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

static char root[] = "/tmp/meepo-sdk-XXXXXX";

/* Runs a shell command; fails the test if it does not exit 0. */
static void sh(const char *fmt, ...)
{
	char cmd[4096];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	if (system(cmd) != 0) {
		fail_msg("command failed: %s", cmd);
	}
}

/* Adds "name:N|c" lines of a datagram to the three action totals. */
static void add_counters(char *packet, unsigned totals[3])
{
	static const char *const names[] = { "meepo.seed1.test.write:", "meepo.seed1.test.update:",
	                                     "meepo.seed1.test.delete:" };
	char *save = NULL;

	for (char *line = strtok_r(packet, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save)) {
		size_t i;
		for (i = 0; i < 3 && strncmp(line, names[i], strlen(names[i])) != 0; i++) {
		}
		if (i == 3) {
			fail_msg("unexpected counter line '%s'", line);
		}
		unsigned n;
		char tail[8];
		assert_int_equal(sscanf(line + strlen(names[i]), "%u%7s", &n, tail), 2);
		assert_string_equal(tail, "|c");
		totals[i] += n;
	}
}

static void test_out_of_tree_sink(void **state)
{
	const char *build = getenv("MEEPO_BUILD_ROOT");
	const char *source = getenv("MEEPO_SOURCE_ROOT");
	struct sockaddr_in addr = { .sin_family = AF_INET };
	socklen_t addrlen = sizeof(addr);
	unsigned totals[3] = { 0, 0, 0 };
	char packet[65536];
	ssize_t n;
	int fd;

	(void)state;
	assert_non_null(build);
	assert_non_null(source);
	sh("meson install -C %s --destdir %s/root --no-rebuild --quiet >/dev/null", build, root);
	/* The installed pkg-config file, found wherever the prefix put it. */
	sh("cd %s && pc=$(find root -name meepo-sink.pc) && test -n \"$pc\" && "
	   "mkdir -p plugins && "
	   "PKG_CONFIG_PATH=$PWD/$(dirname $pc) PKG_CONFIG_SYSROOT_DIR=$PWD/root "
	   "cc -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -shared -fPIC "
	   "$(PKG_CONFIG_PATH=$PWD/$(dirname $pc) PKG_CONFIG_SYSROOT_DIR=$PWD/root "
	   "pkg-config --cflags meepo-sink) %s/docs/examples/statsd_sink.c "
	   "-o plugins/meepo-sink-statsd.so", root, source);

	fd = socket(AF_INET, SOCK_DGRAM, 0);
	assert_true(fd >= 0);
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&addr, sizeof(addr)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&addr, &addrlen), 0);
	sh("cd %s && printf 'sinks = ( { name = \"stats\"; plugin = \"statsd\"; port = %u; } );\\n"
	   "routes = ( { match = [ \"seed1.*\" ]; sink = \"stats\"; } );\\n' > meepo.conf",
	   root, ntohs(addr.sin_port));
	sh("cd %s && $(find root -path '*/sbin/meepo') -q -c meepo.conf --plugin-dir plugins "
	   "--binlog %s/tests/fixtures/mariadb/seed1.binlog --exit-at-end", root, source);
	while ((n = recv(fd, packet, sizeof(packet) - 1, MSG_DONTWAIT)) > 0) {
		packet[n] = '\0';
		add_counters(packet, totals);
	}
	close(fd);
	/* seed-examples.md, example 1: 4 writes, 5 updates, 4 deletes. */
	assert_int_equal(totals[0], 4);
	assert_int_equal(totals[1], 5);
	assert_int_equal(totals[2], 4);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_out_of_tree_sink),
	};
	int failed;

	if (mkdtemp(root) == NULL) {
		return 1;
	}
	failed = cmocka_run_group_tests(tests, NULL, NULL);
	sh("rm -rf %s", root);
	return failed;
}
