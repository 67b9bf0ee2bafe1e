/*
 * tests/integration/test_sdk.c - the plugin SDK as a third party uses it:
 * `meson install` into a temporary root (the group setup), build
 * docs/examples/statsd_sink.c out of tree with
 * `cc -shared -fPIC $(pkg-config --cflags meepo-sink)`,
 * and run the installed meepo with it over a committed MariaDB binlog
 * (the first reference example), receiving its statsd counters over UDP.
 *
 * First, `meson install` must have placed everything the issue lists: the
 * binary, every built plugin in the directory pkg-config names, every
 * public header, the pkg-config file, every conf.d example, the systemd
 * unit (pointing at the installed binary and conf.d) and the man page.
 *
 * Needs no server: it runs in the integration suite because it installs.
 */
#include <arpa/inet.h>
#include <dirent.h>
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

/* Runs a shell command in `root`; returns its standard output (caller frees). */
static char *capture(const char *fmt, ...)
{
	char cmd[4096];
	char *text = NULL;
	size_t len = 0;
	char buf[4096];
	size_t n;
	va_list ap;
	FILE *out;
	FILE *p;
	int n0;

	n0 = snprintf(cmd, sizeof(cmd), "cd %s && ", root);
	va_start(ap, fmt);
	vsnprintf(cmd + n0, sizeof(cmd) - (size_t)n0, fmt, ap);
	va_end(ap);
	p = popen(cmd, "re");
	assert_non_null(p);
	out = open_memstream(&text, &len);
	assert_non_null(out);
	while ((n = fread(buf, 1, sizeof(buf), p)) > 0) {
		fwrite(buf, 1, n, out);
	}
	fclose(out);
	if (pclose(p) != 0) {
		fail_msg("command failed: %s", cmd);
	}
	return text;
}

/*
 * Fails unless exactly one regular file of the installed tree matches the
 * `find -path` pattern (e.g. "* /sbin/meepo" without the space).
 */
static void assert_installed(const char *pattern)
{
	char *found = capture("find root -type f -path '%s'", pattern);
	size_t lines = 0;

	for (const char *c = found; *c != '\0'; c++) {
		lines += *c == '\n';
	}
	if (lines != 1) {
		fail_msg("meson install: expected one file matching %s, found %zu:\n%s", pattern, lines,
		         found);
	}
	free(found);
}

/* Asserts that every file of source/dir named NAME`suffix` is installed as `where`/NAME`suffix`. */
static void assert_all_installed(const char *source, const char *dir, const char *suffix,
                                 const char *where)
{
	char *path = NULL;
	struct dirent *d;
	size_t count = 0;
	DIR *dp;

	assert_true(asprintf(&path, "%s/%s", source, dir) > 0);
	dp = opendir(path);
	if (dp == NULL) {
		fail_msg("%s: cannot list", path);
	}
	while ((d = readdir(dp)) != NULL) {
		size_t n = strlen(d->d_name);
		char *pattern = NULL;

		if (n <= strlen(suffix) || strcmp(d->d_name + n - strlen(suffix), suffix) != 0) {
			continue;
		}
		assert_true(asprintf(&pattern, "%s/%s", where, d->d_name) > 0);
		assert_installed(pattern);
		free(pattern);
		count++;
	}
	closedir(dp);
	if (count == 0) {
		fail_msg("%s: no *%s files", path, suffix);
	}
	free(path);
}

/*
 * Asserts that the unit's ExecStartPre and ExecStart run the installed
 * binary with the installed conf.d (paths under the install root).
 */
static void assert_unit_paths(void)
{
	char *bad = capture("unit=$(find root -type f -path '*/lib/systemd/system/meepo.service') && "
	                    "grep -E '^ExecStart(Pre)?=' \"$unit\" | "
	                    "while IFS=' =' read -r key bin rest; do "
	                    "  conf=${rest##*-c }; "
	                    "  test -x \"root$bin\" && test -d \"root$conf\" || echo \"$key=$bin $rest\"; "
	                    "done; grep -c '^ExecStart=' \"$unit\" | grep -qx 1 || echo 'no ExecStart'; "
	                    "grep -nE '@[A-Z_]+@' \"$unit\" || true");

	if (bad[0] != '\0') {
		fail_msg("meepo.service does not run the installed meepo with the installed conf.d "
		         "(or keeps an @VARIABLE@):\n%s", bad);
	}
	free(bad);
}

/* Everything `meson install` must place (the install is done by setup()). */
static void test_install_lists_everything(void **state)
{
	const char *source = getenv("MEEPO_SOURCE_ROOT");
	const char *plugins = getenv("MEEPO_PLUGIN_DIR");
	char *text;

	(void)state;
	assert_non_null(source);
	assert_non_null(plugins);
	assert_installed("*/sbin/meepo");
	text = capture("test -x $(find root -type f -path '*/sbin/meepo') && echo ok");
	assert_string_equal(text, "ok\n");
	free(text);
	assert_all_installed(source, "include/meepo", ".h", "*/include/meepo");
	assert_installed("*/pkgconfig/meepo-sink.pc");
	/* Every plugin of the build, in the directory the SDK's pkg-config file names. */
	text = capture("pc=$(find root -name meepo-sink.pc) && cd %s && for so in meepo-sink-*.so; do "
	               "test -f \"%s/root$(PKG_CONFIG_PATH=%s/$(dirname $pc) pkg-config "
	               "--variable=plugindir meepo-sink)/$so\" || echo \"$so\"; done", plugins, root,
	               root);
	if (text[0] != '\0') {
		fail_msg("plugins missing from the installed plugindir:\n%s", text);
	}
	free(text);
	assert_all_installed(source, "conf.d", ".conf", "*/etc/meepo/conf.d");
	assert_installed("*/lib/systemd/system/meepo.service");
	assert_unit_paths();
	assert_installed("*/man8/meepo.8");
	text = capture("head -c 12 $(find root -type f -path '*/man8/meepo.8')");
	assert_string_equal(text, ".TH MEEPO 8 ");
	free(text);
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
	const char *source = getenv("MEEPO_SOURCE_ROOT");
	struct sockaddr_in addr = { .sin_family = AF_INET };
	socklen_t addrlen = sizeof(addr);
	unsigned totals[3] = { 0, 0, 0 };
	char packet[65536];
	ssize_t n;
	int fd;

	(void)state;
	assert_non_null(source);
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

/* Installs the build into root/root (meson install --destdir). */
static int setup(void **state)
{
	const char *build = getenv("MEEPO_BUILD_ROOT");

	(void)state;
	if (build == NULL || mkdtemp(root) == NULL) {
		return -1;
	}
	sh("meson install -C %s --destdir %s/root --no-rebuild --quiet >/dev/null", build, root);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	sh("rm -rf %s", root);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_install_lists_everything),
		cmocka_unit_test(test_out_of_tree_sink),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
