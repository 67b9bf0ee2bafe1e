/*
 * tests/unit/config/test_config.c - conf_load() on good configurations:
 * defaults, every key of every section, directory merging, start
 * positions, passwords, and the shipped conf.d/.
 *
 * Each test writes its files into a scratch directory under /tmp.
 */
#include <dirent.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "config.h"
#include "helpers.h"
#include "router.h"

/* One sink and one route: the smallest valid configuration. */
static const char minimal[] =
	"sinks = ( { name = \"out\"; plugin = \"print\"; } );\n"
	"routes = ( { match = \"*.*\"; sink = \"out\"; } );\n";

/* Loads `text` as dir/name, asserting success. */
static void load_text(const char *dir, const char *name, const char *text,
                      struct meepo_conf *conf)
{
	char err[1024] = "";
	char *path = scratch_write(dir, name, text);

	if (conf_load(path, conf, err, sizeof(err)) != 0) {
		fail_msg("%s", err);
	}
	free(path);
}

/* Loads `path`, asserting failure with exactly `expected`. */
static void load_fails(const char *path, const char *expected)
{
	struct meepo_conf conf;
	char err[1024] = "";

	assert_int_equal(conf_load(path, &conf, err, sizeof(err)), -1);
	assert_string_equal(err, expected);
	assert_null(conf.sinks);
	assert_null(conf.files);
}

/* Asserts that *where is "<dir>/<file>:<line>". */
static void assert_where(const char *where, const char *dir, const char *file, int line)
{
	char *expected;

	assert_true(asprintf(&expected, "%s/%s:%d", dir, file, line) > 0);
	assert_string_equal(where, expected);
	free(expected);
}

static void test_defaults(void **state)
{
	char *dir = scratch_new();
	struct meepo_conf conf;

	load_text(dir, "only.conf", minimal, &conf);
	assert_false(conf.source.present);
	assert_null(conf.source.where);
	assert_string_equal(conf.source.host, "127.0.0.1");
	assert_int_equal(conf.source.port, 3306);
	assert_null(conf.source.socket);
	assert_string_equal(conf.source.user, "meepo");
	assert_null(conf.source.password);
	assert_int_equal(conf.source.server_id, 4242);
	assert_int_equal(conf.source.start, START_CURRENT);
	assert_null(conf.source.start_file);
	assert_int_equal(conf.source.start_pos, 4);
	assert_null(conf.source.start_gtid);
	assert_int_equal(conf.source.heartbeat_ms, 5000);
	assert_int_equal(conf.source.connect_timeout_ms, 10000);
	assert_null(conf.checkpoint.path);
	assert_int_equal(conf.checkpoint.interval_ms, 1000);
	assert_int_equal(conf.log.level, MEEPO_LOG_INFO);
	assert_false(conf.log.syslog);
	assert_false(conf.log.json);
	assert_null(conf.metrics.listen);
	assert_null(conf.plugin_dir);
	assert_int_equal(conf.nsinks, 1);
	assert_string_equal(conf.sinks[0].name, "out");
	assert_string_equal(conf.sinks[0].plugin, "print");
	assert_where(conf.sinks[0].where, dir, "only.conf", 1);
	assert_non_null(conf.sinks[0].setting);
	assert_int_equal(conf.sinks[0].queue_max_bytes, 8u << 20);
	assert_int_equal(conf.sinks[0].batch_max_events, 1000);
	assert_int_equal(conf.sinks[0].retry_initial_ms, 100);
	assert_int_equal(conf.sinks[0].retry_max_ms, 30000);
	assert_int_equal(conf.sinks[0].retry_limit, 0);
	assert_string_equal(conf.sinks[0].deadletter, "out.deadletter.jsonl");
	assert_int_equal(conf.nroutes, 1);
	assert_where(conf.routes[0].where, dir, "only.conf", 2);
	assert_int_equal(conf.routes[0].nmatch, 1);
	assert_string_equal(conf.routes[0].match[0], "*.*");
	assert_int_equal(conf.routes[0].actions, ACTIONS_ALL);
	assert_int_equal(conf.routes[0].sink, 0);
	assert_int_equal(conf.routes[0].on_reject, ON_REJECT_DEADLETTER);
	assert_int_equal(conf.nfiles, 1);
	conf_free(&conf);
	assert_null(conf.sinks);
	assert_int_equal(conf.nfiles, 0);
	scratch_remove(dir);
}

static void test_every_key(void **state)
{
	char *dir = scratch_new();
	char *text;
	struct meepo_conf conf;

	free(scratch_write(dir, "password", "s3cret\n"));
	assert_true(asprintf(&text,
		"source = {\n"
		"  host = \"db.example\";\n"
		"  port = 3307;\n"
		"  socket = \"/run/mysqld/mysqld.sock\";\n"
		"  user = \"repl\";\n"
		"  password_file = \"%s/password\";\n"
		"  server_id = 4294967295L;\n"
		"  start = { file = \"mysql-bin.000042\"; pos = 1234567890123L; };\n"
		"  heartbeat_ms = 0;\n"
		"  connect_timeout_ms = 2500;\n"
		"};\n"
		"checkpoint = { path = \"/var/lib/meepo/position\"; interval_ms = 0; };\n"
		"log = { level = \"debug\"; target = \"syslog\"; format = \"json\"; };\n"
		"metrics = { listen = \"[::1]:9104\"; };\n"
		"plugin_dir = \"/opt/meepo/plugins\";\n"
		"sinks = ( {\n"
		"  name = \"Cache-1_a\"; plugin = \"mem_cached-2\";\n"
		"  queue_max_bytes = 1099511627776L; batch_max_events = 1000000;\n"
		"  retry_initial_ms = 5; retry_max_ms = 5; retry_limit = 4294967295L;\n"
		"  deadletter = \"/var/lib/meepo/cache.dl\";\n"
		"  servers = [ \"a:1\" ]; some_plugin_key = 7;\n"
		"} );\n"
		"routes = ( {\n"
		"  match = [ \"shop.user\", \"shop.order_*\" ];\n"
		"  actions = [ \"insert\", \"delete\" ];\n"
		"  sink = \"Cache-1_a\";\n"
		"  on_reject = \"stop\";\n"
		"} );\n", dir) > 0);
	load_text(dir, "all.conf", text, &conf);
	assert_true(conf.source.present);
	assert_where(conf.source.where, dir, "all.conf", 1);
	assert_string_equal(conf.source.host, "db.example");
	assert_int_equal(conf.source.port, 3307);
	assert_string_equal(conf.source.socket, "/run/mysqld/mysqld.sock");
	assert_string_equal(conf.source.user, "repl");
	assert_string_equal(conf.source.password, "s3cret");
	assert_int_equal(conf.source.server_id, 4294967295u);
	assert_int_equal(conf.source.start, START_POSITION);
	assert_string_equal(conf.source.start_file, "mysql-bin.000042");
	assert_int_equal(conf.source.start_pos, 1234567890123ull);
	assert_int_equal(conf.source.heartbeat_ms, 0);
	assert_int_equal(conf.source.connect_timeout_ms, 2500);
	assert_string_equal(conf.checkpoint.path, "/var/lib/meepo/position");
	assert_int_equal(conf.checkpoint.interval_ms, 0);
	assert_int_equal(conf.log.level, MEEPO_LOG_DEBUG);
	assert_true(conf.log.syslog);
	assert_true(conf.log.json);
	assert_string_equal(conf.metrics.listen, "[::1]:9104");
	assert_string_equal(conf.plugin_dir, "/opt/meepo/plugins");
	assert_string_equal(conf.sinks[0].name, "Cache-1_a");
	assert_string_equal(conf.sinks[0].plugin, "mem_cached-2");
	assert_int_equal(conf.sinks[0].queue_max_bytes, 1ull << 40);
	assert_int_equal(conf.sinks[0].batch_max_events, 1000000);
	assert_int_equal(conf.sinks[0].retry_initial_ms, 5);
	assert_int_equal(conf.sinks[0].retry_max_ms, 5);
	assert_int_equal(conf.sinks[0].retry_limit, 4294967295u);
	assert_string_equal(conf.sinks[0].deadletter, "/var/lib/meepo/cache.dl");
	assert_int_equal(conf.routes[0].nmatch, 2);
	assert_string_equal(conf.routes[0].match[0], "shop.user");
	assert_string_equal(conf.routes[0].match[1], "shop.order_*");
	assert_int_equal(conf.routes[0].actions, ACTION_BIT(MEEPO_WRITE) | ACTION_BIT(MEEPO_DELETE));
	assert_int_equal(conf.routes[0].on_reject, ON_REJECT_STOP);
	conf_free(&conf);
	free(text);
	scratch_remove(dir);
}

static void test_directory_merge(void **state)
{
	char *dir = scratch_new();
	struct meepo_conf conf;
	char err[1024] = "";

	/* A route may name a sink declared in a later file. */
	free(scratch_write(dir, "05-routes.conf",
	                   "routes = ( { match = \"a.*\"; sink = \"third\"; },\n"
	                   "           { match = \"b.*\"; sink = \"first\"; actions = \"update\"; } );\n"));
	free(scratch_write(dir, "10-sinks.conf",
	                   "sinks = ( { name = \"first\"; plugin = \"print\"; },\n"
	                   "          { name = \"second\"; plugin = \"print\"; } );\n"));
	free(scratch_write(dir, "20-more.conf",
	                   "sinks = ( { name = \"third\"; plugin = \"print\"; } );\n"
	                   "routes = ( { match = \"c.*\"; sink = \"second\"; } );\n"));
	free(scratch_write(dir, "30-log.conf", "log = { level = \"warn\"; };\n"));
	/* Ignored: not *.conf, hidden, not a regular file. */
	free(scratch_write(dir, "README", "not a config"));
	free(scratch_write(dir, ".hidden.conf", "broken ="));
	free(scratch_write(dir, "sub.conf/inside.conf", "broken ="));
	free(scratch_write(dir, "99-end.conf.disabled", "broken ="));

	if (conf_load(dir, &conf, err, sizeof(err)) != 0) {
		fail_msg("%s", err);
	}
	assert_int_equal(conf.nfiles, 4);
	assert_int_equal(conf.nsinks, 3);
	assert_string_equal(conf.sinks[0].name, "first");
	assert_string_equal(conf.sinks[1].name, "second");
	assert_string_equal(conf.sinks[2].name, "third");
	assert_where(conf.sinks[2].where, dir, "20-more.conf", 1);
	assert_int_equal(conf.nroutes, 3);
	assert_int_equal(conf.routes[0].sink, 2);
	assert_int_equal(conf.routes[1].sink, 0);
	assert_int_equal(conf.routes[1].actions, ACTION_BIT(MEEPO_UPDATE));
	assert_int_equal(conf.routes[2].sink, 1);
	assert_where(conf.routes[2].where, dir, "20-more.conf", 2);
	assert_int_equal(conf.log.level, MEEPO_LOG_WARN);
	conf_free(&conf);
	scratch_remove(dir);
}

static void test_directory_trailing_slash(void **state)
{
	char *dir = scratch_new();
	char *slashed;
	struct meepo_conf conf;
	char err[1024] = "";

	free(scratch_write(dir, "a.conf", minimal));
	assert_true(asprintf(&slashed, "%s/", dir) > 0);
	assert_int_equal(conf_load(slashed, &conf, err, sizeof(err)), 0);
	assert_where(conf.sinks[0].where, dir, "a.conf", 1);
	conf_free(&conf);
	free(slashed);
	scratch_remove(dir);
}

/* Loads a config whose source.start is `start` and checks the result. */
static void check_start(const char *start, enum start_kind kind, const char *gtid)
{
	char *dir = scratch_new();
	char *text;
	struct meepo_conf conf;

	assert_true(asprintf(&text, "source = { start = %s; };\n%s", start, minimal) > 0);
	load_text(dir, "s.conf", text, &conf);
	assert_int_equal(conf.source.start, kind);
	if (gtid != NULL) {
		assert_string_equal(conf.source.start_gtid, gtid);
	} else {
		assert_null(conf.source.start_gtid);
	}
	conf_free(&conf);
	free(text);
	scratch_remove(dir);
}

static void test_start_forms(void **state)
{
	check_start("\"current\"", START_CURRENT, NULL);
	check_start("\"earliest\"", START_EARLIEST, NULL);
	check_start("\"0-1-100\"", START_GTID, "0-1-100");
	check_start("\"0-1-100, 1-2-18446744073709551615 ,4294967295-4294967295-0\"", START_GTID,
	            "0-1-100,1-2-18446744073709551615,4294967295-4294967295-0");
	check_start("{ file = \"mysql-bin.000001\"; }", START_POSITION, NULL);
}

/* Loads a config with password_file naming a file holding `content`. */
static void check_password_file(const char *content, const char *expected)
{
	char *dir = scratch_new();
	char *pw = scratch_write(dir, "pw", content);
	char *text;
	struct meepo_conf conf;

	assert_true(asprintf(&text, "source = { password_file = \"%s\"; };\n%s", pw, minimal) > 0);
	load_text(dir, "p.conf", text, &conf);
	assert_string_equal(conf.source.password, expected);
	conf_free(&conf);
	free(text);
	free(pw);
	scratch_remove(dir);
}

static void test_password_file(void **state)
{
	check_password_file("s3cret\n", "s3cret");
	check_password_file("s3cret", "s3cret");
	check_password_file("s3cret\r\n", "s3cret");
	check_password_file("two\n\n", "two\n");
	check_password_file(" spaced \n", " spaced ");
	check_password_file("", "");
}

static void test_password_env(void **state)
{
	char *dir = scratch_new();
	char *text;
	struct meepo_conf conf;

	setenv("MEEPO_TEST_PASSWORD", "from env", 1);
	assert_true(asprintf(&text, "source = { password_env = \"MEEPO_TEST_PASSWORD\"; };\n%s",
	                     minimal) > 0);
	load_text(dir, "e.conf", text, &conf);
	assert_string_equal(conf.source.password, "from env");
	conf_free(&conf);
	unsetenv("MEEPO_TEST_PASSWORD");
	free(text);
	scratch_remove(dir);
}

static void test_include_refused(void **state)
{
	char *dir = scratch_new();
	char *inc = scratch_write(dir, "extra.inc", "log = { level = \"debug\"; };\n");
	char *text;
	char *path;
	char *expected;

	assert_true(asprintf(&text, "%s@include \"%s\"\n", minimal, inc) > 0);
	path = scratch_write(dir, "inc.conf", text);
	assert_true(asprintf(&expected, "%s:3: @include is not supported: put the file in the "
	                                "configuration directory", path) > 0);
	load_fails(path, expected);
	free(expected);
	free(path);
	free(text);
	free(inc);
	scratch_remove(dir);
}

static void test_int_literals(void **state)
{
	char *dir = scratch_new();
	char *path;
	char *expected;
	struct meepo_conf conf;

	/* In comments and strings, big numbers are not literals. */
	load_text(dir, "ok.conf",
	          "# server_id = 4294967296\n/* 99999999999 */ // 88888888888\n"
	          "source = { host = \"h-4294967296\"; port = +3306; server_id = 0x7FFFFFFF; };\n"
	          "sinks = ( { name = \"out\"; plugin = \"print\"; x-2147483648 = 1.5e10; } );\n"
	          "routes = ( { match = \"*.*\"; sink = \"out\"; } );\n", &conf);
	assert_int_equal(conf.source.server_id, 0x7FFFFFFF);
	conf_free(&conf);
	path = scratch_write(dir, "big.conf", "\n\nsource = { server_id = -2147483649; };\n");
	assert_true(asprintf(&expected, "%s:3: integer -2147483649 does not fit in 32 bits: write "
	                                "-2147483649L for a 64-bit integer", path) > 0);
	load_fails(path, expected);
	free(expected);
	free(path);
	scratch_remove(dir);
}

static void test_missing_path(void **state)
{
	load_fails("/nonexistent/meepo.conf", "/nonexistent/meepo.conf: No such file or directory");
}

static void test_empty_directory(void **state)
{
	char *dir = scratch_new();
	char *expected;

	assert_true(asprintf(&expected, "%s: no *.conf files in this directory", dir) > 0);
	load_fails(dir, expected);
	free(expected);
	scratch_remove(dir);
}

/* The shipped example configuration loads and routes everything to print. */
static void test_shipped_conf_d(void **state)
{
	struct meepo_conf conf;
	struct route_set set;
	struct router *router;
	char err[1024] = "";

	setenv("MEEPO_PASSWORD", "example", 1);
	if (conf_load(SOURCE_ROOT "/conf.d", &conf, err, sizeof(err)) != 0) {
		fail_msg("%s", err);
	}
	unsetenv("MEEPO_PASSWORD");
	assert_true(conf.source.present);
	assert_string_equal(conf.source.password, "example");
	assert_int_equal(conf.nsinks, 1);
	assert_string_equal(conf.sinks[0].name, "print");
	assert_string_equal(conf.sinks[0].plugin, "print");
	router = router_new(&conf, err, sizeof(err));
	if (router == NULL) {
		fail_msg("%s", err);
	}
	router_resolve(router, "shop", "user", &set);
	assert_int_equal(set.sinks[MEEPO_WRITE], 1);
	assert_int_equal(set.sinks[MEEPO_UPDATE], 1);
	assert_int_equal(set.sinks[MEEPO_DELETE], 1);
	router_free(router);
	conf_free(&conf);
}

/*
 * Copies conf.d/<name> to dir/<name> with its examples enabled: on each
 * line, a '#' that follows only indentation and is not followed by a space
 * (the "#key = value;" form) is removed.
 */
static void copy_uncommented(const char *dir, const char *name)
{
	char *src;
	char *dst;
	char line[1024];
	FILE *in;
	FILE *out;

	assert_true(asprintf(&src, "%s/conf.d/%s", SOURCE_ROOT, name) > 0);
	assert_true(asprintf(&dst, "%s/%s", dir, name) > 0);
	in = fopen(src, "r");
	out = fopen(dst, "w");
	assert_non_null(in);
	assert_non_null(out);
	while (fgets(line, sizeof(line), in) != NULL) {
		size_t indent = strspn(line, " \t");
		char *hash = line + indent;

		if (hash[0] == '#' && hash[1] != ' ' && hash[1] != '\n' && hash[1] != '\0') {
			memmove(hash, hash + 1, strlen(hash));
		}
		fputs(line, out);
	}
	assert_int_equal(fclose(in), 0);
	assert_int_equal(fclose(out), 0);
	free(src);
	free(dst);
}

/* scandir() filter: *.conf names. */
static int conf_file(const struct dirent *d)
{
	size_t n = strlen(d->d_name);

	return n > 5 && strcmp(d->d_name + n - 5, ".conf") == 0;
}

/* Returns the number of *.conf files in dir. */
static size_t count_conf_files(const char *dir)
{
	struct dirent **ents;
	int n = scandir(dir, &ents, conf_file, alphasort);

	assert_true(n >= 0);
	for (int i = 0; i < n; i++) {
		free(ents[i]);
	}
	free(ents);
	return (size_t)n;
}

/* The shipped examples, all enabled at once, form a valid configuration. */
static void test_shipped_examples(void **state)
{
	static const char *const files[] = {
		"00-source.conf", "10-checkpoint.conf", "20-log.conf", "25-metrics.conf",
		"30-sink-print.conf", "40-sink-memcached.conf", "41-sink-redis.conf",
		"42-sink-webhook.conf", "43-sink-sql.conf", "90-routes.conf",
	};
	static const char *const sinks[] = { "print", "cache", "events", "hooks", "replica" };
	char *dir = scratch_new();
	struct meepo_conf conf;
	struct route_set set;
	struct router *router;
	char err[1024] = "";

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		copy_uncommented(dir, files[i]);
	}
	/* Every shipped file is in the list above. */
	assert_int_equal(count_conf_files(SOURCE_ROOT "/conf.d"), sizeof(files) / sizeof(files[0]));
	setenv("MEEPO_PASSWORD", "example", 1);
	if (conf_load(dir, &conf, err, sizeof(err)) != 0) {
		fail_msg("%s", err);
	}
	unsetenv("MEEPO_PASSWORD");
	assert_int_equal(conf.nfiles, sizeof(files) / sizeof(files[0]));
	assert_int_equal(conf.nsinks, 5);
	for (size_t i = 0; i < 5; i++) {
		assert_string_equal(conf.sinks[i].name, sinks[i]);
	}
	assert_string_equal(conf.source.socket, "/run/mysqld/mysqld.sock");
	assert_string_equal(conf.metrics.listen, "127.0.0.1:9104");
	assert_string_equal(conf.plugin_dir, "/usr/local/lib/meepo");
	assert_int_equal(conf.sinks[0].queue_max_bytes, 8u << 20);
	assert_int_equal(conf.nroutes, 5);
	router = router_new(&conf, err, sizeof(err));
	assert_non_null(router);
	router_resolve(router, "shop", "user", &set);
	assert_int_equal(set.sinks[MEEPO_WRITE], 0x15);      /* print, events, replica */
	assert_int_equal(set.sinks[MEEPO_UPDATE], 0x17);     /* and cache */
	assert_int_equal(set.stop_on_reject, 0x10);          /* replica */
	router_resolve(router, "shop", "order_1", &set);
	assert_int_equal(set.sinks[MEEPO_WRITE], 0x1d);      /* print, events, hooks, replica */
	assert_int_equal(set.sinks[MEEPO_DELETE], 0x17);     /* print, cache, events, replica */
	router_resolve(router, "crm", "user", &set);
	assert_int_equal(set.sinks[MEEPO_UPDATE], 0x1);      /* print only */
	router_free(router);
	conf_free(&conf);
	scratch_remove(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_every_key),
		cmocka_unit_test(test_directory_merge),
		cmocka_unit_test(test_directory_trailing_slash),
		cmocka_unit_test(test_start_forms),
		cmocka_unit_test(test_password_file),
		cmocka_unit_test(test_password_env),
		cmocka_unit_test(test_include_refused),
		cmocka_unit_test(test_int_literals),
		cmocka_unit_test(test_missing_path),
		cmocka_unit_test(test_empty_directory),
		cmocka_unit_test(test_shipped_conf_d),
		cmocka_unit_test(test_shipped_examples),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
