/*
 * tests/unit/redis/test_redis_check.c - the redis sink's option checks
 * (check()) and the start-up errors of create() that need no server: sink
 * blocks go through the core's option table code (core/options.c) into
 * the plugin's descriptor, and every message is asserted exactly.
 *
 * Concurrency: single-threaded cmocka tests.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <libconfig.h>

#include <meepo/sink.h>

#include "options.h"

/* The plugin's descriptor (plugins/redis/redis.c, linked in). */
extern const struct meepo_sink meepo_sink;

/* One sink block and what check() says about it (NULL: accepted). */
struct check_case {
	const char *options;    /* the block's options after name and plugin */
	const char *message;    /* expected message after "<where>: ", or NULL */
};

static const struct check_case check_cases[] = {
	{ "mode = \"purge\"; keys = [ \"user:{id}\", \"email:{email}\" ]; unlink = true;", NULL },
	{ "mode = \"publish\";", NULL },
	{ "mode = \"publish\"; channel = \"c:{id}\"; unix = \"/run/redis.sock\"; db = 3;", NULL },
	{ "mode = \"stream\"; maxlen = 1000; password_env = \"X\"; username = \"u\";", NULL },
	{ "mode = \"hash\"; key = \"{table}:{id}\"; unlink = true; timeout_ms = 1;", NULL },
	{ "mode = \"cache\";",
	  "mode must be \"purge\", \"publish\", \"stream\" or \"hash\", not \"cache\"" },
	{ "mode = \"purge\";", "mode purge needs keys" },
	{ "mode = \"purge\"; keys = [];", "mode purge needs keys" },
	{ "mode = \"hash\";", "mode hash needs key" },
	{ "mode = \"stream\"; keys = [ \"k\" ];", "keys is an option of mode purge, not of mode stream" },
	{ "mode = \"purge\"; keys = [ \"k\" ]; channel = \"c\";",
	  "channel is an option of mode publish, not of mode purge" },
	{ "mode = \"hash\"; key = \"k\"; stream = \"s\";",
	  "stream is an option of mode stream, not of mode hash" },
	{ "mode = \"publish\"; maxlen = 5;", "maxlen is an option of mode stream, not of mode publish" },
	{ "mode = \"stream\"; key = \"k\";", "key is an option of mode hash, not of mode stream" },
	{ "mode = \"publish\"; unlink = false;",
	  "unlink is an option of mode purge and hash, not of mode publish" },
	{ "mode = \"publish\"; tls = true;",
	  "tls = true is not supported: this build's hiredis (0.14) has no TLS; use a unix socket "
	  "or a TLS tunnel (stunnel, spiped) on the Redis host" },
	{ "mode = \"publish\"; unix = \"/s\"; port = 6380;", "set either unix or host and port, not both" },
	{ "mode = \"publish\"; unix = \"/s\"; host = \"h\";", "set either unix or host and port, not both" },
	{ "mode = \"publish\"; password_file = \"/dev/null\"; password_env = \"X\";",
	  "set either password_file or password_env, not both" },
	{ "mode = \"publish\"; username = \"u\";", "username needs password_file or password_env" },
	{ "mode = \"publish\"; port = 0;", "port must be between 1 and 65535, not 0" },
	{ "mode = \"publish\"; port = 65536;", "port must be between 1 and 65535, not 65536" },
	{ "mode = \"publish\"; db = -1;", "db must be between 0 and 2147483647, not -1" },
	{ "mode = \"publish\"; timeout_ms = 0;", "timeout_ms must be between 1 and 3600000, not 0" },
	{ "mode = \"stream\"; maxlen = -1;",
	  "maxlen must be between 0 and 9223372036854775807, not -1" },
	{ "mode = \"purge\"; keys = [ \"ok:{id}\", \"user:{id\" ];",
	  "keys: template \"user:{id\": unterminated '{' at offset 5" },
	{ "mode = \"publish\"; channel = \"a}b\";",
	  "channel: template \"a}b\": unmatched '}' at offset 1 (write \"}}\" for a literal brace)" },
	{ "mode = \"hash\"; key = \"\";", "key: empty key template" },
};

/* A sink block parsed and built against the plugin's option table. */
struct block {
	config_t lc;                /* the parsed text */
	struct meepo_config *cfg;   /* the built options */
};

/* Parses "sink = { name = "r"; plugin = "redis"; <options> };" and builds it. */
static void block_open(struct block *b, const char *options)
{
	char err[1024] = "";
	char *text;

	assert_true(asprintf(&text, "sink = { name = \"r\"; plugin = \"redis\"; %s };", options) > 0);
	config_init(&b->lc);
	if (config_read_string(&b->lc, text) != CONFIG_TRUE) {
		fail_msg("libconfig: %s in %s", config_error_text(&b->lc), text);
	}
	b->cfg = sink_options_build(meepo_sink.options, "r", "test.conf:1",
	                            config_lookup(&b->lc, "sink"), err, sizeof(err));
	if (b->cfg == NULL) {
		fail_msg("%s: %s", text, err);
	}
	free(text);
}

static void block_close(struct block *b)
{
	sink_options_free(b->cfg);
	config_destroy(&b->lc);
}

/* Returns the message of "<where>: <message>". */
static const char *message_of(const char *err)
{
	const char *p = strstr(err, ": ");

	assert_non_null(p);
	return p + 2;
}

static void test_check(void **state)
{
	const struct check_case *c;
	struct block b;
	char err[1024];
	size_t i;
	int rc;

	(void)state;
	for (i = 0; i < sizeof(check_cases) / sizeof(check_cases[0]); i++) {
		c = &check_cases[i];
		err[0] = '\0';
		block_open(&b, c->options);
		rc = meepo_sink.check(b.cfg, err, sizeof(err));
		block_close(&b);
		if (c->message == NULL && rc != 0) {
			fail_msg("{ %s }: unexpected error: %s", c->options, err);
		}
		if (c->message != NULL && rc == 0) {
			fail_msg("{ %s }: accepted, expected \"%s\"", c->options, c->message);
		}
		if (c->message != NULL) {
			assert_string_equal(message_of(err), c->message);
		}
	}
}

/* The descriptor: ABI header, name, and an option table the core accepts. */
static void test_descriptor(void **state)
{
	(void)state;
	assert_int_equal(meepo_sink.abi_version, MEEPO_SINK_ABI_VERSION);
	assert_int_equal(meepo_sink.struct_size, sizeof(struct meepo_sink));
	assert_string_equal(meepo_sink.name, "redis");
	assert_non_null(meepo_sink.create);
	assert_non_null(meepo_sink.deliver);
	assert_non_null(meepo_sink.destroy);
}

/* Runs create() on a block that passes check(); returns its result and message. */
static int create_block(const char *options, char *err, size_t errlen)
{
	struct block b;
	void *instance = NULL;
	int rc;

	block_open(&b, options);
	assert_int_equal(meepo_sink.check(b.cfg, err, errlen), 0);
	rc = meepo_sink.create(b.cfg, &instance, err, errlen);
	if (rc == 0) {
		meepo_sink.destroy(instance);
	}
	block_close(&b);
	return rc;
}

/* Writes `text` to `path`. */
static void write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
}

/* Start-up failures that need no server: the password, then the connection. */
static void test_create_errors(void **state)
{
	char dir[] = "/tmp/meepo-redis-check.XXXXXX";
	char err[1024];
	char *options;
	char *path;
	char *want;

	(void)state;
	assert_non_null(mkdtemp(dir));
	assert_true(asprintf(&path, "%s/password", dir) > 0);

	unsetenv("MEEPO_REDIS_CHECK_PW");
	assert_int_equal(create_block("mode = \"publish\"; password_env = \"MEEPO_REDIS_CHECK_PW\";",
	                              err, sizeof(err)), -1);
	assert_string_equal(message_of(err),
	                    "password_env: environment variable MEEPO_REDIS_CHECK_PW is not set");
	setenv("MEEPO_REDIS_CHECK_PW", "", 1);
	assert_int_equal(create_block("mode = \"publish\"; password_env = \"MEEPO_REDIS_CHECK_PW\";",
	                              err, sizeof(err)), -1);
	assert_string_equal(message_of(err),
	                    "password_env: environment variable MEEPO_REDIS_CHECK_PW is empty");
	unsetenv("MEEPO_REDIS_CHECK_PW");

	/* a password file holding only a newline */
	write_text(path, "\n");
	assert_true(asprintf(&options, "mode = \"publish\"; port = 1; password_file = \"%s\";",
	                     path) > 0);
	assert_int_equal(create_block(options, err, sizeof(err)), -1);
	assert_true(asprintf(&want, "password_file %s is empty", path) > 0);
	assert_string_equal(message_of(err), want);
	free(want);

	/* a password, but nothing listens on port 1 */
	write_text(path, "secret\r\n");
	assert_int_equal(create_block(options, err, sizeof(err)), -1);
	assert_string_equal(err, "redis 127.0.0.1:1: cannot connect: Connection refused");
	free(options);
	assert_int_equal(create_block("mode = \"publish\"; unix = \"/nonexistent/redis.sock\";",
	                              err, sizeof(err)), -1);
	assert_string_equal(err, "redis unix:/nonexistent/redis.sock: cannot connect: "
	                         "No such file or directory");

	assert_int_equal(unlink(path), 0);
	free(path);
	assert_int_equal(rmdir(dir), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_descriptor),
		cmocka_unit_test(test_check),
		cmocka_unit_test(test_create_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
