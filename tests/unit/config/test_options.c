/*
 * tests/unit/config/test_options.c - sink blocks against an option table:
 * defaults from their text form, configured values, every validation
 * message, the accessors' abort on plugin bugs, and --help-sink output.
 */
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "config.h"
#include "helpers.h"
#include "options.h"

static const struct meepo_option table[] = {
	{ "format", MEEPO_OPT_STRING, "meepo", "output format", 0 },
	{ "timeout_ms", MEEPO_OPT_INT, "1000", "timeout", 0 },
	{ "verbose", MEEPO_OPT_BOOL, "true", "chatty", 0 },
	{ "servers", MEEPO_OPT_LIST, "a:1, b:2", "servers", 0 },
	{ "empty", MEEPO_OPT_LIST, "", "empty default", 0 },
	{ "ca_file", MEEPO_OPT_PATH, NULL, "CA", 0 },
	{ "url", MEEPO_OPT_STRING, NULL, "where", MEEPO_OPT_REQUIRED },
	{ "token", MEEPO_OPT_STRING, "hunter2", "secret", MEEPO_OPT_SECRET },
	{ "batch_max_events", MEEPO_OPT_INT, "100", "events per request", 0 },
	{ NULL, 0, NULL, NULL, 0 },
};

/* A parsed scratch file holding one sink block, `sink`. */
struct block {
	char *dir;                      /* scratch directory */
	char *file;                     /* the file, as libconfig names it */
	char *where;                    /* "file:1", the block's line */
	config_t cf;                    /* parsed file */
	const config_setting_t *sink;   /* the block */
};

/* Writes "sink = {<body>};" (block on line 1) and parses it. */
static void block_open(struct block *b, const char *body)
{
	char *text;

	b->dir = scratch_new();
	assert_true(asprintf(&text, "sink = { name = \"x\"; plugin = \"p\";\n%s\n};\n", body) > 0);
	b->sink = scratch_setting(&b->cf, b->dir, "s.conf", text, "sink");
	assert_true(asprintf(&b->file, "%s/s.conf", b->dir) > 0);
	assert_true(asprintf(&b->where, "%s:1", b->file) > 0);
	free(text);
}

static void block_close(struct block *b)
{
	config_destroy(&b->cf);
	free(b->file);
	free(b->where);
	scratch_remove(b->dir);
}

/* Builds the block against `tbl`, asserting success. */
static struct meepo_config *build_ok(const struct meepo_option *tbl, const struct block *b)
{
	char err[1024] = "";
	struct meepo_config *cfg = sink_options_build(tbl, "x", b->where, b->sink, err, sizeof(err));

	if (cfg == NULL) {
		fail_msg("%s", err);
	}
	return cfg;
}

static void test_defaults(void **state)
{
	struct block b;
	struct meepo_config *cfg;
	char *where;

	block_open(&b, "url = \"http://h/\";");
	cfg = build_ok(table, &b);
	assert_string_equal(meepo_config_instance(cfg), "x");
	assert_string_equal(meepo_config_string(cfg, "format"), "meepo");
	assert_false(meepo_config_is_set(cfg, "format"));
	assert_int_equal(meepo_config_int(cfg, "timeout_ms"), 1000);
	assert_true(meepo_config_bool(cfg, "verbose"));
	assert_int_equal(meepo_config_list_size(cfg, "servers"), 2);
	assert_string_equal(meepo_config_list_item(cfg, "servers", 0), "a:1");
	assert_string_equal(meepo_config_list_item(cfg, "servers", 1), "b:2");
	assert_int_equal(meepo_config_list_size(cfg, "empty"), 0);
	assert_null(meepo_config_string(cfg, "ca_file"));
	assert_false(meepo_config_is_set(cfg, "ca_file"));
	assert_string_equal(meepo_config_string(cfg, "url"), "http://h/");
	assert_true(meepo_config_is_set(cfg, "url"));
	assert_string_equal(meepo_config_string(cfg, "token"), "hunter2");
	assert_int_equal(meepo_config_int(cfg, "batch_max_events"), 100);
	assert_true(asprintf(&where, "%s:2", b.file) > 0);
	assert_string_equal(meepo_config_where(cfg, "url"), where);
	assert_string_equal(meepo_config_where(cfg, "format"), b.where);
	assert_string_equal(meepo_config_where(cfg, NULL), b.where);
	free(where);
	sink_options_free(cfg);
	block_close(&b);
}

static void test_values(void **state)
{
	struct block b;
	struct meepo_config *cfg;
	char *cadir = scratch_new();
	char *ca = scratch_write(cadir, "ca.pem", "pem");
	char *body;
	char *where;

	assert_true(asprintf(&body,
		"format = \"\";\n"
		"timeout_ms = 5000000000L;\n"
		"verbose = false;\n"
		"servers = [ \"x:1\", \"y:2\", \"z:3\" ];\n"
		"empty = \"one\";\n"
		"ca_file = \"%s\";\n"
		"url = \"u\";\n"
		"queue_max_bytes = 1048576; retry_limit = 3; deadletter = \"d\";\n"
		"batch_max_events = 7;", ca) > 0);
	block_open(&b, body);
	cfg = build_ok(table, &b);
	assert_string_equal(meepo_config_string(cfg, "format"), "");
	assert_true(meepo_config_is_set(cfg, "format"));
	assert_int_equal(meepo_config_int(cfg, "timeout_ms"), 5000000000LL);
	assert_false(meepo_config_bool(cfg, "verbose"));
	assert_int_equal(meepo_config_list_size(cfg, "servers"), 3);
	assert_string_equal(meepo_config_list_item(cfg, "servers", 2), "z:3");
	assert_int_equal(meepo_config_list_size(cfg, "empty"), 1);
	assert_string_equal(meepo_config_list_item(cfg, "empty", 0), "one");
	assert_string_equal(meepo_config_string(cfg, "ca_file"), ca);
	assert_int_equal(meepo_config_int(cfg, "batch_max_events"), 7);
	assert_true(asprintf(&where, "%s:7", b.file) > 0);
	assert_string_equal(meepo_config_where(cfg, "ca_file"), where);
	free(where);
	sink_options_free(cfg);
	block_close(&b);
	free(ca);
	scratch_remove(cadir);
	free(body);
}

/* A block body and the message its build gives, after "<file>:". */
struct error_case {
	const char *body;       /* keys after name and plugin (line 2 on) */
	const char *message;    /* expected message without the file name */
};

static const struct error_case error_cases[] = {
	{ "url = \"u\"; colour = \"red\";",
	  "2: sink 'x' (plugin p): unknown option 'colour'" },
	{ "url = \"u\";\ntimeout_ms = \"5\";",
	  "3: sink 'x' (plugin p): option 'timeout_ms': expected an integer" },
	{ "url = \"u\"; timeout_ms = 1.5;",
	  "2: sink 'x' (plugin p): option 'timeout_ms': expected an integer" },
	{ "url = \"u\"; verbose = 1;",
	  "2: sink 'x' (plugin p): option 'verbose': expected true or false" },
	{ "url = \"u\"; verbose = \"yes\";",
	  "2: sink 'x' (plugin p): option 'verbose': expected true or false" },
	{ "url = \"u\"; format = 5;",
	  "2: sink 'x' (plugin p): option 'format': expected a string" },
	{ "url = [ \"u\" ];",
	  "2: sink 'x' (plugin p): option 'url': expected a string" },
	{ "url = \"u\"; servers = [ 1, 2 ];",
	  "2: sink 'x' (plugin p): option 'servers': expected a list of strings" },
	{ "url = \"u\"; servers = ( \"a\", 1 );",
	  "2: sink 'x' (plugin p): option 'servers': expected a list of strings" },
	{ "url = \"u\"; servers = { a = \"b\"; };",
	  "2: sink 'x' (plugin p): option 'servers': expected a list of strings" },
	{ "url = \"u\"; servers = true;",
	  "2: sink 'x' (plugin p): option 'servers': expected a list of strings" },
	{ "url = \"u\"; ca_file = \"/nonexistent/ca.pem\";",
	  "2: sink 'x' (plugin p): option 'ca_file': cannot read '/nonexistent/ca.pem': "
	  "No such file or directory" },
	{ "url = \"u\"; ca_file = \"/\";",
	  "2: sink 'x' (plugin p): option 'ca_file': cannot read '/': Is a directory" },
	{ "url = \"u\"; ca_file = \"\";",
	  "2: sink 'x' (plugin p): option 'ca_file': must not be empty" },
	{ "url = \"u\"; ca_file = 5;",
	  "2: sink 'x' (plugin p): option 'ca_file': expected a string (a file path)" },
	{ "format = \"json\";",
	  "1: sink 'x' (plugin p): missing required option 'url'" },
	{ "url = \"u\"; batch_max_events = \"many\";",
	  "2: sink 'x' (plugin p): option 'batch_max_events': expected an integer" },
};

static void test_errors(void **state)
{
	for (size_t i = 0; i < sizeof(error_cases) / sizeof(error_cases[0]); i++) {
		struct block b;
		char err[1024] = "";
		char *expected;

		block_open(&b, error_cases[i].body);
		assert_null(sink_options_build(table, "x", b.where, b.sink, err, sizeof(err)));
		assert_true(asprintf(&expected, "%s:%s", b.file, error_cases[i].message) > 0);
		assert_string_equal(err, expected);
		free(expected);
		block_close(&b);
	}
}

static void test_bad_default(void **state)
{
	static const struct meepo_option bad[] = {
		{ "port", MEEPO_OPT_INT, "ten", "port", 0 },
		{ NULL, 0, NULL, NULL, 0 },
	};
	static const struct meepo_option badbool[] = {
		{ "on", MEEPO_OPT_BOOL, "yes", "on", 0 },
		{ NULL, 0, NULL, NULL, 0 },
	};
	char err[1024] = "";

	assert_null(sink_options_build(bad, "x", "f.conf:3", NULL, err, sizeof(err)));
	assert_string_equal(err, "f.conf:3: sink 'x' (plugin ?): option 'port': default \"ten\" "
	                         "is not an integer (a bug in the plugin)");
	assert_null(sink_options_build(badbool, "x", "f.conf:3", NULL, err, sizeof(err)));
	assert_string_equal(err, "f.conf:3: sink 'x' (plugin ?): option 'on': default \"yes\" "
	                         "is not true or false (a bug in the plugin)");
}

static void test_no_table(void **state)
{
	struct block b;
	struct meepo_config *cfg;
	char err[1024] = "";
	char *expected;

	block_open(&b, "retry_max_ms = 5000;");
	cfg = build_ok(NULL, &b);
	assert_string_equal(meepo_config_where(cfg, NULL), b.where);
	sink_options_free(cfg);
	block_close(&b);

	block_open(&b, "url = \"u\";");
	assert_null(sink_options_build(NULL, "x", b.where, b.sink, err, sizeof(err)));
	assert_true(asprintf(&expected, "%s:2: sink 'x' (plugin p): unknown option 'url'",
	                     b.file) > 0);
	assert_string_equal(err, expected);
	free(expected);
	block_close(&b);
}

/* Which accessor misuse the child process commits. */
enum misuse { MISUSE_UNKNOWN, MISUSE_TYPE, MISUSE_ITEM };

/* Runs one misuse in a child; asserts it aborts with `message` on stderr. */
static void check_abort(const struct meepo_config *cfg, enum misuse misuse, const char *message)
{
	char out[1024] = "";
	size_t used = 0;
	ssize_t n;
	int fds[2];
	int status;
	pid_t pid;

	assert_int_equal(pipe(fds), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct rlimit no_core = { 0, 0 };

		setrlimit(RLIMIT_CORE, &no_core);
		dup2(fds[1], 2);
		close(fds[0]);
		if (misuse == MISUSE_UNKNOWN) {
			meepo_config_string(cfg, "nope");
		} else if (misuse == MISUSE_TYPE) {
			meepo_config_int(cfg, "format");
		} else {
			meepo_config_list_item(cfg, "servers", 2);
		}
		_exit(0);
	}
	close(fds[1]);
	while ((n = read(fds[0], out + used, sizeof(out) - 1 - used)) > 0) {
		used += (size_t)n;
	}
	close(fds[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGABRT);
	assert_string_equal(out, message);
}

static void test_accessor_aborts(void **state)
{
	struct block b;
	struct meepo_config *cfg;

	block_open(&b, "url = \"u\";");
	cfg = build_ok(table, &b);
	check_abort(cfg, MISUSE_UNKNOWN, "meepo: bug in plugin p: sink 'x' called "
	            "meepo_config_string(\"nope\"), an option its option table does not declare\n");
	check_abort(cfg, MISUSE_TYPE, "meepo: bug in plugin p: sink 'x' called "
	            "meepo_config_int(\"format\"), but the option is declared as a string\n");
	check_abort(cfg, MISUSE_ITEM, "meepo: bug in plugin p: sink 'x' asked for item 2 of "
	            "option 'servers', which has 2\n");
	sink_options_free(cfg);
	block_close(&b);
}

static void test_help(void **state)
{
	static const struct meepo_sink sink = {
		MEEPO_SINK_HEADER, "t", "1.0", "a test sink", table, NULL, NULL, NULL, NULL,
	};
	static const struct meepo_sink bare = {
		MEEPO_SINK_HEADER, "b", "2.1", "no options", NULL, NULL, NULL, NULL, NULL,
	};
	static const char core_line[] =
		"Keys every sink accepts: name, plugin, queue_max_bytes, batch_max_events, "
		"retry_initial_ms, retry_max_ms, retry_limit, deadletter (see docs/configuration.md).\n";
	char *text = NULL;
	char *expected;
	size_t len = 0;
	FILE *out;

	out = open_memstream(&text, &len);
	assert_non_null(out);
	sink_options_print_help(out, &sink);
	assert_int_equal(fclose(out), 0);
	assert_true(asprintf(&expected,
		"sink plugin t 1.0: a test sink\n"
		"\n"
		"Use it in a sink block: sinks = ( { name = \"...\"; plugin = \"t\"; ... } );\n"
		"%s"
		"\n"
		"Options:\n"
		"  format (string, default \"meepo\")\n"
		"      output format\n"
		"  timeout_ms (integer, default 1000)\n"
		"      timeout\n"
		"  verbose (boolean, default true)\n"
		"      chatty\n"
		"  servers (list, default [ \"a:1\", \"b:2\" ])\n"
		"      servers\n"
		"  empty (list, default [])\n"
		"      empty default\n"
		"  ca_file (path)\n"
		"      CA\n"
		"  url (string, required)\n"
		"      where\n"
		"  token (string, secret)\n"
		"      secret\n"
		"  batch_max_events (integer, default 100)\n"
		"      events per request\n", core_line) > 0);
	assert_string_equal(text, expected);
	free(expected);
	free(text);

	out = open_memstream(&text, &len);
	assert_non_null(out);
	sink_options_print_help(out, &bare);
	assert_int_equal(fclose(out), 0);
	assert_true(asprintf(&expected,
		"sink plugin b 2.1: no options\n"
		"\n"
		"Use it in a sink block: sinks = ( { name = \"...\"; plugin = \"b\"; ... } );\n"
		"%s"
		"\n"
		"This sink has no options of its own.\n", core_line) > 0);
	assert_string_equal(text, expected);
	free(expected);
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_bad_default),
		cmocka_unit_test(test_no_table),
		cmocka_unit_test(test_accessor_aborts),
		cmocka_unit_test(test_help),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
