/*
 * tests/integration/redis/test_redis_faults.c - the redis sink under
 * faults, against private redis-servers started by the test:
 *
 *   restart  redis stops mid-stream and comes back: meepo (running in the
 *            background) retries and the stream ends up with every event,
 *            in order (duplicates allowed: at least once)
 *   auth     a wrong or missing password, or no server, is a clear error
 *            at start; ACL user + password_file and password_env work
 *   reject   an error reply (WRONGTYPE) and an event without a destination
 *            dead-letter exactly their batch, and the rest goes through
 *
 * Concurrency: single-threaded; is_parallel : false (shared MariaDB).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "redis_util.h"

/* Seconds one meepo run may take before the test fails. */
#define RUN_TIMEOUT 60

/* What a case leaves running; teardown() stops it even when the case fails. */
struct fixture {
	struct rt_server *server;   /* the case's private redis-server, or NULL */
	struct harness_proc *proc;  /* meepo running in the background, or NULL */
};

static int setup(void **state)
{
	*state = calloc(1, sizeof(struct fixture));
	return *state != NULL ? 0 : -1;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;

	if (fx->proc != NULL) {
		harness_meepo_stop(fx->proc, 5, NULL, NULL);
	}
	rt_server_stop(fx->server);
	free(fx);
	return 0;
}

/* Makes `schema` afresh with `ddl` and stores the binlog position after it. */
static MYSQL *make_schema(const char *schema, const char *ddl, char *file, size_t filelen,
                          uint64_t *pos)
{
	MYSQL *conn = harness_connect_source(NULL);

	harness_fresh_schema(conn, schema);
	harness_sql(conn, "USE `%s`", schema);
	harness_sql(conn, "%s", ddl);
	harness_master_position(conn, file, filelen, pos);
	return conn;
}

/* Writes dir/meepo.conf: the source at file:pos, then `rest` (sinks, routes). */
static char *write_config(const char *dir, const char *file, uint64_t pos, const char *rest)
{
	char *source = harness_source_config(file, pos);
	char *text = harness_printf("%s%s", source, rest);
	char *path = harness_write_config(dir, text);

	free(text);
	free(source);
	return path;
}

/* Returns the number of newline characters of a file (0 if it does not exist). */
static size_t count_lines(const char *path)
{
	char *text = harness_read_file(path);
	size_t n = 0;
	char *p;

	for (p = text; p != NULL && *p != '\0'; p++) {
		n += *p == '\n';
	}
	free(text);
	return n;
}

/* ---- restart ----------------------------------------------------------- */

/* Rows the restart case inserts, and after which the server stops and resumes. */
#define RESTART_ROWS 100
#define RESTART_HALT_AFTER 40
#define RESTART_RESUME_AFTER 70

/*
 * Reads stream `key` and stores, per distinct event id in stream order, the
 * row's `id` column parsed from the event JSON. Returns the number of
 * distinct events (at most max).
 */
static size_t distinct_rows(redisContext *c, const char *key, int *rows, size_t max)
{
	redisReply *reply = rt_cmd(c, "XRANGE %s - +", key);
	const redisReply *fields;
	const char *data;
	char last_id[256] = "";
	size_t n = 0;
	size_t i;

	for (i = 0; i < reply->elements; i++) {
		fields = reply->element[i]->element[1];
		assert_int_equal(fields->elements, 4);
		if (strcmp(fields->element[3]->str, last_id) == 0) {
			continue;   /* a batch redelivered after a lost reply */
		}
		snprintf(last_id, sizeof(last_id), "%s", fields->element[3]->str);
		data = strstr(fields->element[1]->str, "\"data\":{\"id\":");
		assert_non_null(data);
		assert_true(n < max);
		rows[n++] = atoi(data + strlen("\"data\":{\"id\":"));
	}
	freeReplyObject(reply);
	return n;
}

/* Polls until the stream holds `want` distinct events, for up to 60 s. */
static size_t wait_rows(redisContext *c, const char *key, int *rows, size_t want)
{
	size_t n = 0;
	int i;

	for (i = 0; i < 600 && n < want; i++) {
		n = distinct_rows(c, key, rows, RESTART_ROWS * 2);
		if (n < want) {
			usleep(100000);
		}
	}
	return n;
}

static void test_restart(void **state)
{
	struct fixture *fx = *state;
	struct rt_server *server = fx->server = rt_server_start("");
	int rows[RESTART_ROWS * 2];
	redisContext *c = NULL;
	char file[256];
	uint64_t pos;
	char *dir = harness_temp_dir("redis_restart");
	char *config;
	char *sinks;
	char *err = NULL;
	MYSQL *conn;
	size_t n;
	int status;
	int i;

	conn = make_schema("redis_restart", "CREATE TABLE ev (id INT PRIMARY KEY)", file,
	                   sizeof(file), &pos);
	sinks = harness_printf("sinks = ( { name = \"events\"; plugin = \"redis\"; port = %d; "
	                       "mode = \"stream\"; stream = \"restart\"; timeout_ms = 1000; "
	                       "retry_initial_ms = 50; retry_max_ms = 500; } );\n"
	                       "routes = ( { match = [ \"redis_restart.ev\" ]; sink = \"events\"; } );\n",
	                       server->port);
	config = write_config(dir, file, pos, sinks);
	fx->proc = harness_meepo_start(config, NULL);
	for (i = 1; i <= RESTART_ROWS; i++) {
		harness_sql(conn, "INSERT INTO ev VALUES (%d)", i);
		if (i == RESTART_HALT_AFTER) {
			c = rt_connect(server->port);
			n = wait_rows(c, "restart", rows, RESTART_HALT_AFTER);
			assert_int_equal(n, RESTART_HALT_AFTER);
			redisFree(c);
			rt_server_halt(server);
		} else if (i == RESTART_RESUME_AFTER) {
			sleep(1);   /* meepo retries against the stopped server */
			rt_server_resume(server);
		}
	}
	c = rt_connect(server->port);
	n = wait_rows(c, "restart", rows, RESTART_ROWS);
	status = harness_meepo_stop(fx->proc, 20, NULL, &err);
	fx->proc = NULL;
	if (status != 0) {
		fail_msg("meepo did not stop cleanly on SIGTERM (status %d); its stderr:\n%s", status, err);
	}
	if (strstr(err, "connection lost") == NULL && strstr(err, "cannot connect") == NULL) {
		fail_msg("meepo never saw the server stop; its stderr:\n%s", err);
	}
	assert_int_equal(n, RESTART_ROWS);
	for (i = 0; i < RESTART_ROWS; i++) {
		assert_int_equal(rows[i], i + 1);
	}
	redisFree(c);
	mysql_close(conn);
	free(err);
	free(sinks);
	free(config);
	free(dir);
}

/* ---- auth -------------------------------------------------------------- */

/*
 * Runs meepo with one purge sink on `port` with the extra options `auth`;
 * returns its exit status and stderr (in *err).
 */
static int run_auth(const char *dir, const char *file, uint64_t pos, int port, const char *auth,
                    char **err)
{
	char *sinks = harness_printf("sinks = ( { name = \"cache\"; plugin = \"redis\"; port = %d; "
	                             "mode = \"purge\"; keys = [ \"t:{id}\" ]; %s } );\n"
	                             "routes = ( { match = [ \"redis_auth.t\" ]; sink = \"cache\"; } );\n",
	                             port, auth);
	char *config = write_config(dir, file, pos, sinks);
	int status = harness_meepo_run(config, NULL, RUN_TIMEOUT, NULL, err);

	free(config);
	free(sinks);
	return status;
}

/* Asserts that meepo failed at start with `message` in its stderr. */
static void expect_start_error(int status, char *err, const char *message)
{
	if (status == 0 || strstr(err, message) == NULL) {
		fail_msg("expected meepo to fail at start with \"%s\"; it exited %d, stderr:\n%s",
		         message, status, err);
	}
	free(err);
}

static void test_auth(void **state)
{
	struct fixture *fx = *state;
	struct rt_server *server = fx->server = rt_server_start("requirepass s3cret\n"
	                                                        "user meepo on >pw2 ~* &* +@all\n");
	char *dir = harness_temp_dir("redis_auth");
	char *pwfile = harness_printf("%s/password", dir);
	char *message;
	char *opts;
	char *err = NULL;
	char file[256];
	uint64_t pos;
	redisContext *c;
	redisReply *reply;
	MYSQL *conn;
	int status;

	conn = make_schema("redis_auth", "CREATE TABLE t (id INT PRIMARY KEY)", file, sizeof(file), &pos);
	harness_sql(conn, "INSERT INTO t VALUES (1), (2)");
	c = rt_connect(server->port);
	rt_do(c, "AUTH s3cret");
	rt_do(c, "MSET t:1 x t:2 x t:3 x");

	setenv("MEEPO_TEST_REDIS_PW", "wrong", 1);
	status = run_auth(dir, file, pos, server->port, "password_env = \"MEEPO_TEST_REDIS_PW\";", &err);
	message = harness_printf("redis 127.0.0.1:%d: AUTH failed: WRONGPASS", server->port);
	expect_start_error(status, err, message);
	free(message);

	status = run_auth(dir, file, pos, server->port, "", &err);
	message = harness_printf("redis 127.0.0.1:%d: PING failed: NOAUTH", server->port);
	expect_start_error(status, err, message);
	free(message);
	reply = rt_cmd(c, "EXISTS t:1 t:2 t:3");
	assert_int_equal(reply->integer, 3);
	freeReplyObject(reply);

	/* an ACL user with its password in a file (one trailing newline ignored) */
	harness_write_file(pwfile, "pw2\n");
	opts = harness_printf("username = \"meepo\"; password_file = \"%s\";", pwfile);
	status = run_auth(dir, file, pos, server->port, opts, &err);
	if (status != 0) {
		fail_msg("meepo with username and password_file exited %d:\n%s", status, err);
	}
	free(err);
	free(opts);
	reply = rt_cmd(c, "EXISTS t:1 t:2 t:3");
	assert_int_equal(reply->integer, 1);
	freeReplyObject(reply);

	/* the default user's password from the environment */
	rt_do(c, "MSET t:1 x t:2 x");
	setenv("MEEPO_TEST_REDIS_PW", "s3cret", 1);
	status = run_auth(dir, file, pos, server->port, "password_env = \"MEEPO_TEST_REDIS_PW\";", &err);
	if (status != 0) {
		fail_msg("meepo with password_env exited %d:\n%s", status, err);
	}
	free(err);
	reply = rt_cmd(c, "EXISTS t:1 t:2 t:3");
	assert_int_equal(reply->integer, 1);
	freeReplyObject(reply);
	redisFree(c);

	/* nothing listening */
	rt_server_halt(server);
	status = run_auth(dir, file, pos, server->port, "", &err);
	message = harness_printf("redis 127.0.0.1:%d: cannot connect: Connection refused",
	                         server->port);
	expect_start_error(status, err, message);
	free(message);

	unsetenv("MEEPO_TEST_REDIS_PW");
	mysql_close(conn);
	free(pwfile);
	free(dir);
}

/* ---- reject ------------------------------------------------------------ */

static void test_reject(void **state)
{
	struct fixture *fx = *state;
	struct rt_server *server = fx->server = rt_server_start("");
	char *dir = harness_temp_dir("redis_reject");
	char *hash_dl = harness_printf("%s/hash.deadletter.jsonl", dir);
	char *stream_dl = harness_printf("%s/stream.deadletter.jsonl", dir);
	char *sinks;
	char *config;
	char *err = NULL;
	char *text;
	char *want;
	char file[256];
	uint64_t pos;
	redisContext *c = rt_connect(server->port);
	redisReply *reply;
	MYSQL *conn;
	int status;

	conn = make_schema("redis_reject", "CREATE TABLE r (id INT PRIMARY KEY, name VARCHAR(16))",
	                   file, sizeof(file), &pos);
	harness_sql(conn, "INSERT INTO r VALUES (1, 'x')");
	harness_sql(conn, "INSERT INTO r VALUES (2, NULL)");
	rt_do(c, "SET r:1 not-a-hash");
	sinks = harness_printf(
		"sinks = ( { name = \"hash\"; plugin = \"redis\"; port = %d; mode = \"hash\"; "
		"key = \"r:{id}\"; batch_max_events = 1; deadletter = \"%s\"; },\n"
		"  { name = \"stream\"; plugin = \"redis\"; port = %d; mode = \"stream\"; "
		"stream = \"s:{name}\"; batch_max_events = 1; deadletter = \"%s\"; } );\n"
		"routes = ( { match = [ \"redis_reject.r\" ]; sink = \"hash\"; },\n"
		"  { match = [ \"redis_reject.r\" ]; sink = \"stream\"; } );\n",
		server->port, hash_dl, server->port, stream_dl);
	config = write_config(dir, file, pos, sinks);
	status = harness_meepo_run(config, NULL, RUN_TIMEOUT, NULL, &err);
	if (status != 0) {
		fail_msg("meepo exited %d:\n%s", status, err);
	}

	/* hash: row 1 hit WRONGTYPE and is dead-lettered, row 2 is mirrored */
	assert_int_equal(count_lines(hash_dl), 1);
	text = harness_read_file(hash_dl);
	want = harness_printf("\"reason\":\"redis 127.0.0.1:%d: HSET r:1: WRONGTYPE Operation against "
	                      "a key holding the wrong kind of value\"", server->port);
	if (strstr(text, want) == NULL || strstr(text, "\"data\":{\"id\":1,") == NULL) {
		fail_msg("dead letter %s lacks %s:\n%s", hash_dl, want, text);
	}
	free(want);
	free(text);
	text = rt_hash(c, "r:2");
	harness_assert_text(text, "id=2\n");
	free(text);

	/* stream: row 2 has no stream to go to and is dead-lettered, row 1 is in s:x */
	assert_int_equal(count_lines(stream_dl), 1);
	text = harness_read_file(stream_dl);
	if (strstr(text, "names a NULL column, the event has nowhere to go") == NULL ||
	    strstr(text, "\"data\":{\"id\":2,") == NULL) {
		fail_msg("dead letter %s lacks the NULL stream name reason:\n%s", stream_dl, text);
	}
	free(text);
	reply = rt_cmd(c, "XLEN s:x");
	assert_int_equal(reply->integer, 1);
	freeReplyObject(reply);

	redisFree(c);
	mysql_close(conn);
	free(err);
	free(config);
	free(sinks);
	free(stream_dl);
	free(hash_dl);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_restart, setup, teardown),
		cmocka_unit_test_setup_teardown(test_auth, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reject, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
