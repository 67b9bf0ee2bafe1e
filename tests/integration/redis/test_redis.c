/*
 * tests/integration/redis/test_redis.c - the redis sink's four modes
 * against the real redis-server of the test environment
 * (MEEPO_TEST_REDIS_PORT) and the real meepo following the test MariaDB:
 *
 *   purge    exactly the keys of the changed rows are deleted (UNLINK, db 3)
 *   publish  subscribers receive exactly the events' JSON, in order, on the
 *            default and on a templated channel
 *   stream   entries in binlog order, each with the event's JSON and its
 *            stable id; MAXLEN ~ trimming keeps only the newest entries
 *   hash     the hashes equal the table's rows as SELECT shows them
 *
 * The event JSON is compared with what the print sink writes for the same
 * events in the same run (format = "json": the SDK's JSON form).
 *
 * Concurrency: single-threaded; is_parallel : false (shared servers). Each
 * case has its own schema and its own Redis database or key names.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "redis_util.h"

/* Seconds one meepo run may take before the test fails. */
#define RUN_TIMEOUT 60

/* A case's schema, temp dir and the binlog position before its SQL. */
struct scene {
	MYSQL *conn;            /* source connection, default database = schema */
	const char *schema;     /* the case's schema */
	char *dir;              /* temp dir: config, print output */
	char file[256];         /* binlog file before the case's SQL */
	uint64_t pos;           /* position in it */
};

/* Creates the schema afresh, runs `ddl` in it and records the binlog position. */
static void scene_open(struct scene *s, const char *schema, const char *ddl)
{
	s->conn = harness_connect_source(NULL);
	s->schema = schema;
	harness_fresh_schema(s->conn, schema);
	harness_sql(s->conn, "USE `%s`", schema);
	harness_sql(s->conn, "%s", ddl);
	s->dir = harness_temp_dir(schema);
	harness_master_position(s->conn, s->file, sizeof(s->file), &s->pos);
}

static void scene_close(struct scene *s)
{
	mysql_close(s->conn);
	free(s->dir);
}

/*
 * Runs meepo from the scene's position to the end of the binlog with the
 * redis sink whose options (printf-formatted by fmt) are routed from
 * `match`, and a print sink writing JSON to <dir>/events.jsonl routed from
 * the same tables. Fails the test unless meepo exits 0.
 */
static void scene_run(struct scene *s, const char *match, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void scene_run(struct scene *s, const char *match, const char *fmt, ...)
{
	char *source = harness_source_config(s->file, s->pos);
	char *redis;
	char *text;
	char *config;
	char *err = NULL;
	va_list ap;
	int status;

	va_start(ap, fmt);
	if (vasprintf(&redis, fmt, ap) < 0) {
		fail_msg("out of memory");
	}
	va_end(ap);
	text = harness_printf("%s"
	                      "sinks = ( { name = \"redis\"; plugin = \"redis\"; %s },\n"
	                      "  { name = \"json\"; plugin = \"print\"; format = \"json\"; "
	                      "output = \"%s/events.jsonl\"; } );\n"
	                      "routes = ( { match = [ \"%s\" ]; sink = \"redis\"; },\n"
	                      "  { match = [ \"%s\" ]; sink = \"json\"; } );\n",
	                      source, redis, s->dir, match, match);
	config = harness_write_config(s->dir, text);
	status = harness_meepo_run(config, NULL, RUN_TIMEOUT, NULL, &err);

	if (status != 0) {
		fail_msg("meepo -c %s exited with %d; its stderr:\n%s", config, status,
		         err != NULL ? err : "(none)");
	}
	free(err);
	free(config);
	free(text);
	free(redis);
	free(source);
}

/*
 * Returns the print sink's JSON lines (NULL-terminated array of strings
 * pointing into *text, which the caller frees) and asserts there are
 * exactly `count`.
 */
static char **scene_events(struct scene *s, size_t count, char **text)
{
	char *path = harness_printf("%s/events.jsonl", s->dir);
	char **lines = calloc(count + 1, sizeof(*lines));
	char *p;
	char *nl;
	size_t n = 0;

	assert_non_null(lines);
	*text = harness_read_file(path);
	if (*text == NULL) {
		fail_msg("the print sink wrote no %s", path);
	}
	for (p = *text; *p != '\0'; p = nl + 1) {
		nl = strchr(p, '\n');
		assert_non_null(nl);
		*nl = '\0';
		if (n == count) {
			fail_msg("more than %zu events in %s: \"%s\"", count, path, p);
		}
		lines[n++] = p;
	}
	assert_int_equal(n, count);
	free(path);
	return lines;
}

/* ---- purge ------------------------------------------------------------- */

static void test_purge(void **state)
{
	static const char *const cached[] = {
		"user:1", "user:2", "user:3", "user:4", "user:5", "user:20", "email:e1",
		"email:e2", "email:e3", "email:e4", "email:e5", "email:n1", "keep",
	};
	struct scene s;
	redisContext *c = rt_connect(harness_env()->redis_port);
	char *keys;
	size_t i;

	(void)state;
	scene_open(&s, "redis_purge", "CREATE TABLE user (id INT PRIMARY KEY, email VARCHAR(64))");
	harness_sql(s.conn, "INSERT INTO user VALUES (1, 'e1'), (2, 'e2'), (3, 'e3'), (4, 'e4')");
	harness_master_position(s.conn, s.file, sizeof(s.file), &s.pos);
	harness_sql(s.conn, "UPDATE user SET email = 'n1' WHERE id = 1");
	harness_sql(s.conn, "UPDATE user SET id = 20 WHERE id = 2");
	harness_sql(s.conn, "DELETE FROM user WHERE id = 3");
	harness_sql(s.conn, "INSERT INTO user VALUES (5, 'e5')");
	rt_do(c, "SELECT 3");
	rt_do(c, "FLUSHDB");
	for (i = 0; i < sizeof(cached) / sizeof(cached[0]); i++) {
		rt_do(c, "SET %s cached", cached[i]);
	}
	scene_run(&s, "redis_purge.user", "port = %d; db = 3; mode = \"purge\"; unlink = true; "
	          "keys = [ \"user:{id}\", \"email:{email}\" ];", harness_env()->redis_port);
	keys = rt_keys(c, "*");
	harness_assert_text(keys, "email:e4\nkeep\nuser:4\n");
	free(keys);
	rt_do(c, "FLUSHDB");
	redisFree(c);
	scene_close(&s);
}

/* ---- publish ----------------------------------------------------------- */

/* Reads one pub/sub message; fails after the context's timeout. */
static redisReply *next_message(redisContext *sub)
{
	redisReply *reply = NULL;

	if (redisGetReply(sub, (void **)&reply) != REDIS_OK) {
		fail_msg("no message on the subscriber: %s", sub->errstr);
	}
	assert_int_equal(reply->type, REDIS_REPLY_ARRAY);
	return reply;
}

/* Asserts that nothing more arrives within 300 ms; frees the subscriber. */
static void expect_silence(redisContext *sub)
{
	struct timeval tv = { 0, 300000 };
	redisReply *reply = NULL;

	assert_int_equal(redisSetTimeout(sub, tv), REDIS_OK);
	if (redisGetReply(sub, (void **)&reply) == REDIS_OK) {
		fail_msg("unexpected extra message (%zu elements)", reply->elements);
	}
	redisFree(sub);
}

static void test_publish(void **state)
{
	static const char *const row_channels[] = {
		"redis_pub.user.1", "redis_pub.user.1", "redis_pub.user.2", "redis_pub.user.1",
	};
	int port = harness_env()->redis_port;
	redisContext *sub = rt_connect(port);
	redisContext *psub = rt_connect(port);
	struct scene s;
	redisReply *reply;
	char **events;
	char *text;
	size_t i;

	(void)state;
	scene_open(&s, "redis_pub", "CREATE TABLE user (id INT PRIMARY KEY, email VARCHAR(64), "
	                            "name VARCHAR(64))");
	harness_sql(s.conn, "INSERT INTO user VALUES (1, 'a@x', 'Ann')");
	harness_sql(s.conn, "UPDATE user SET name = 'Anna' WHERE id = 1");
	harness_sql(s.conn, "INSERT INTO user VALUES (2, 'b@x', NULL)");
	harness_sql(s.conn, "DELETE FROM user WHERE id = 1");
	freeReplyObject(rt_cmd(sub, "SUBSCRIBE redis_pub.user"));
	freeReplyObject(rt_cmd(psub, "PSUBSCRIBE redis_pub.user.*"));

	/* the default channel "{schema}.{table}" */
	scene_run(&s, "redis_pub.user", "port = %d; mode = \"publish\";", port);
	events = scene_events(&s, 4, &text);
	assert_non_null(strstr(events[0], "\"data\":{\"id\":1,\"email\":\"a@x\",\"name\":\"Ann\"}"));
	for (i = 0; i < 4; i++) {
		reply = next_message(sub);
		assert_int_equal(reply->elements, 3);
		assert_string_equal(reply->element[0]->str, "message");
		assert_string_equal(reply->element[1]->str, "redis_pub.user");
		assert_int_equal(reply->element[2]->len, strlen(events[i]));
		assert_string_equal(reply->element[2]->str, events[i]);
		freeReplyObject(reply);
	}
	expect_silence(sub);
	free(events);
	free(text);

	/* a templated channel, rendered over the row's identifying image */
	scene_run(&s, "redis_pub.user",
	          "port = %d; mode = \"publish\"; channel = \"{schema}.{table}.{id}\";", port);
	events = scene_events(&s, 8, &text);
	for (i = 0; i < 4; i++) {
		reply = next_message(psub);
		assert_int_equal(reply->elements, 4);
		assert_string_equal(reply->element[0]->str, "pmessage");
		assert_string_equal(reply->element[2]->str, row_channels[i]);
		assert_string_equal(reply->element[3]->str, events[4 + i]);
		freeReplyObject(reply);
	}
	expect_silence(psub);
	free(events);
	free(text);
	scene_close(&s);
}

/* ---- stream ------------------------------------------------------------ */

/* One entry's fields: exactly "event" <json> "id" <event id>. */
static void entry_fields(const redisReply *entry, const char **json, const char **id)
{
	const redisReply *fields;

	assert_int_equal(entry->type, REDIS_REPLY_ARRAY);
	assert_int_equal(entry->elements, 2);
	fields = entry->element[1];
	assert_int_equal(fields->elements, 4);
	assert_string_equal(fields->element[0]->str, "event");
	assert_string_equal(fields->element[2]->str, "id");
	*json = fields->element[1]->str;
	*id = fields->element[3]->str;
}

/*
 * Parses "<server_id>-<file>-<txn_offset>-<row_index>" and checks the
 * server id and file; returns the transaction offset and row index.
 */
static void parse_id(const char *id, const char *server_id, const char *file,
                     uint64_t *txn, uint32_t *row)
{
	char *prefix = harness_printf("%s-%s-", server_id, file);
	unsigned long long t;
	unsigned r;
	int used = 0;

	if (strncmp(id, prefix, strlen(prefix)) != 0 ||
	    sscanf(id + strlen(prefix), "%llu-%u%n", &t, &r, &used) != 2 ||
	    id[strlen(prefix) + (size_t)used] != '\0') {
		fail_msg("event id \"%s\" is not %s<txn offset>-<row index>", id, prefix);
	}
	*txn = t;
	*row = r;
	free(prefix);
}

static void test_stream(void **state)
{
	static const uint32_t rows[] = { 0, 1, 2, 0, 0 };
	int port = harness_env()->redis_port;
	redisContext *c = rt_connect(port);
	struct scene s;
	redisReply *reply;
	const char *json;
	const char *id;
	char **events;
	char *server_id;
	char *text;
	uint64_t txn[5];
	uint32_t row;
	size_t i;
	long long len;

	(void)state;
	scene_open(&s, "redis_stream", "CREATE TABLE item (id INT PRIMARY KEY, v VARCHAR(32))");
	harness_sql(s.conn, "INSERT INTO item VALUES (1, 'a'), (2, 'b'), (3, 'c')");
	harness_sql(s.conn, "UPDATE item SET v = 'bb' WHERE id = 2");
	harness_sql(s.conn, "DELETE FROM item WHERE id = 3");
	server_id = harness_query(s.conn, "SELECT @@server_id");
	server_id[strcspn(server_id, "\n")] = '\0';
	rt_do(c, "SELECT 4");
	rt_do(c, "FLUSHDB");
	scene_run(&s, "redis_stream.item", "port = %d; db = 4; mode = \"stream\";", port);
	events = scene_events(&s, 5, &text);

	reply = rt_cmd(c, "XRANGE meepo:redis_stream.item - +");
	assert_int_equal(reply->elements, 5);
	for (i = 0; i < 5; i++) {
		entry_fields(reply->element[i], &json, &id);
		assert_string_equal(json, events[i]);
		parse_id(id, server_id, s.file, &txn[i], &row);
		assert_int_equal(row, rows[i]);
	}
	/* one transaction for the three inserts, then one per statement */
	assert_true(txn[0] == txn[1] && txn[1] == txn[2]);
	assert_true(txn[2] < txn[3] && txn[3] < txn[4]);
	freeReplyObject(reply);
	free(events);
	free(text);

	/* MAXLEN ~ 10 over 300 events: only the newest entries remain, in order */
	harness_master_position(s.conn, s.file, sizeof(s.file), &s.pos);
	harness_sql(s.conn, "CREATE TABLE log (id INT PRIMARY KEY)");
	harness_sql(s.conn, "INSERT INTO log (id) WITH RECURSIVE seq (n) AS "
	                    "(SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < 300) "
	                    "SELECT n FROM seq");
	scene_run(&s, "redis_stream.log",
	          "port = %d; db = 4; mode = \"stream\"; stream = \"trim:{table}\"; maxlen = 10;", port);
	reply = rt_cmd(c, "XLEN trim:log");
	len = reply->integer;
	freeReplyObject(reply);
	if (len < 10 || len > 200) {
		fail_msg("XLEN trim:log is %lld, expected approximate trimming to 10..200 of 300", len);
	}
	reply = rt_cmd(c, "XRANGE trim:log - +");
	assert_int_equal(reply->elements, (size_t)len);
	for (i = 0; i < reply->elements; i++) {
		entry_fields(reply->element[i], &json, &id);
		parse_id(id, server_id, s.file, &txn[0], &row);
		assert_int_equal(row, 300 - len + (long long)i);
	}
	freeReplyObject(reply);
	rt_do(c, "FLUSHDB");
	redisFree(c);
	free(server_id);
	scene_close(&s);
}

/* ---- hash -------------------------------------------------------------- */

/* Column names of redis_hash.acct, in table order. */
static const char *const acct_columns[] = { "id", "email", "name", "balance", "seen", "flags", "note" };
#define ACCT_NCOLUMNS (sizeof(acct_columns) / sizeof(acct_columns[0]))

/* Returns row `id` of acct as sorted "column=value" lines without its NULL columns. */
static char *row_as_hash(MYSQL *conn, int id)
{
	char *row = harness_query(conn, "SELECT id, email, name, balance, seen, flags, note "
	                                "FROM acct WHERE id = %d", id);
	char **lines = calloc(ACCT_NCOLUMNS, sizeof(*lines));
	char *p = row;
	char *value;
	size_t n = 0;
	size_t i;

	assert_non_null(lines);
	assert_true(strlen(row) > 0);
	row[strlen(row) - 1] = '\0';
	for (i = 0; i < ACCT_NCOLUMNS; i++) {
		value = strsep(&p, "\t");
		assert_non_null(value);
		if (strcmp(value, "NULL") != 0) {
			lines[n++] = harness_printf("%s=%s", acct_columns[i], value);
		}
	}
	assert_null(p);
	free(row);
	return rt_sorted_lines(lines, n);
}

static void test_hash(void **state)
{
	static const int ids[] = { 1, 22 };
	int port = harness_env()->redis_port;
	redisContext *c = rt_connect(port);
	struct scene s;
	char *want;
	char *got;
	char *key;
	size_t i;

	(void)state;
	scene_open(&s, "redis_hash",
	           "CREATE TABLE acct (id INT PRIMARY KEY, email VARCHAR(64) NOT NULL, "
	           "name VARCHAR(64) NULL, balance DECIMAL(8,2), seen DATETIME(3) NULL, "
	           "flags SET('a','b','c'), note TEXT)");
	harness_sql(s.conn, "INSERT INTO acct VALUES "
	                    "(1, 'a@x', 'Ann', 10.50, '2024-01-02 03:04:05.678', 'a,c', 'hello'), "
	                    "(2, 'b@x', NULL, 0.00, NULL, '', ''), "
	                    "(3, 'c@x', 'Cy', -1.25, '2020-02-29 00:00:00', 'b', NULL)");
	harness_sql(s.conn, "UPDATE acct SET name = NULL, balance = 11.00 WHERE id = 1");
	harness_sql(s.conn, "UPDATE acct SET id = 22, name = 'Bea' WHERE id = 2");
	harness_sql(s.conn, "DELETE FROM acct WHERE id = 3");
	rt_do(c, "SELECT 5");
	rt_do(c, "FLUSHDB");
	rt_do(c, "HSET acct:99 id 99");
	scene_run(&s, "redis_hash.acct", "port = %d; db = 5; mode = \"hash\"; key = \"acct:{id}\";",
	          port);

	got = rt_keys(c, "*");
	harness_assert_text(got, "acct:1\nacct:22\nacct:99\n");
	free(got);
	for (i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		want = row_as_hash(s.conn, ids[i]);
		key = harness_printf("acct:%d", ids[i]);
		got = rt_hash(c, key);
		harness_assert_text(got, want);
		free(key);
		free(want);
		free(got);
	}
	got = rt_hash(c, "acct:22");
	harness_assert_text(got, "balance=0.00\nemail=b@x\nflags=\nid=22\nname=Bea\nnote=\n");
	free(got);
	rt_do(c, "FLUSHDB");
	redisFree(c);
	scene_close(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_purge),
		cmocka_unit_test(test_publish),
		cmocka_unit_test(test_stream),
		cmocka_unit_test(test_hash),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
