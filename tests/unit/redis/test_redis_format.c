/*
 * tests/unit/redis/test_redis_format.c - the redis sink's batch -> commands
 * formatting (plugins/redis/redis_format.c), without a server: every test
 * builds events by hand and asserts the exact argv of every command.
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

#include <cmocka.h>

#include <meepo/event.h>
#include <meepo/sdk.h>

#include "redis_format.h"

/* Column types as the binlog names them (MYSQL_TYPE_*). */
#define TYPE_LONG 3
#define TYPE_VARCHAR 15

/* utf8mb4_general_ci */
#define UTF8MB4 45

static const struct meepo_column user_columns[] = {
	{ .name = "id", .type = TYPE_LONG },
	{ .name = "email", .type = TYPE_VARCHAR, .charset = UTF8MB4 },
	{ .name = "name", .type = TYPE_VARCHAR, .charset = UTF8MB4, .nullable = true },
};
static const uint32_t user_key[] = { 0 };
static const struct meepo_table user_table = {
	.id = 7, .schema = "shop", .name = "user", .ncolumns = 3, .columns = user_columns,
	.nkey = 1, .key = user_key,
};

/* One row image of shop.user, and one event with its images. */
struct row {
	struct meepo_value v[3];    /* id, email, name */
};

/* An event of shop.user and the images it points to. */
struct fake {
	struct row before;          /* used when the action has a before image */
	struct row after;           /* used when the action has an after image */
	struct meepo_event event;   /* the event handed to the formatter */
};

static struct meepo_value v_int(int64_t i)
{
	struct meepo_value v = { .type = MEEPO_VALUE_INT, .i = i };

	return v;
}

static struct meepo_value v_str(const char *s)
{
	struct meepo_value v = { .type = MEEPO_VALUE_STRING };

	v.str.ptr = s;
	v.str.len = strlen(s);
	v.str.charset = UTF8MB4;
	return v;
}

static struct meepo_value v_null(void)
{
	struct meepo_value v = { .type = MEEPO_VALUE_NULL };

	return v;
}

static struct meepo_value v_absent(void)
{
	struct meepo_value v = { .type = MEEPO_VALUE_ABSENT };

	return v;
}

static struct row user_row(int64_t id, const char *email, const char *name)
{
	struct row r;

	r.v[0] = v_int(id);
	r.v[1] = v_str(email);
	r.v[2] = name != NULL ? v_str(name) : v_null();
	return r;
}

/* Fills `f` as event number `row_index` of a transaction at offset 900. */
static void fake_event(struct fake *f, enum meepo_action action, const struct row *before,
                       const struct row *after, uint32_t row_index)
{
	memset(f, 0, sizeof(*f));
	if (before != NULL) {
		f->before = *before;
	}
	if (after != NULL) {
		f->after = *after;
	}
	f->event.table = &user_table;
	f->event.action = action;
	f->event.before = before != NULL ? f->before.v : NULL;
	f->event.after = after != NULL ? f->after.v : NULL;
	f->event.file = "mysql-bin.000002";
	f->event.offset = 1000 + 100 * row_index;
	f->event.txn_offset = 900;
	f->event.gtid = "0-1-42";
	f->event.server_id = 1;
	f->event.timestamp = 1700000000;
	f->event.xid = 77;
	f->event.row_index = row_index;
}

/* A batch over `count` fakes. */
struct fake_batch {
	const struct meepo_event *ptrs[8];  /* the events */
	struct meepo_batch batch;           /* count and ptrs */
};

static const struct meepo_batch *make_batch(struct fake_batch *b, struct fake *fakes, size_t count)
{
	size_t i;

	assert_true(count <= 8);
	for (i = 0; i < count; i++) {
		b->ptrs[i] = &fakes[i].event;
	}
	b->batch.count = count;
	b->batch.events = b->ptrs;
	return &b->batch;
}

/* Compiles a format; fails the test on error. */
static void format_init(struct redis_format *format, enum redis_mode mode,
                        const char *const *templates, size_t count, int64_t maxlen, bool unlink)
{
	char err[512] = "";
	int rc = redis_format_init(format, mode, templates, count, maxlen, unlink, err, sizeof(err));

	if (rc != 0) {
		fail_msg("redis_format_init: %s", err);
	}
}

/* Formats a batch; fails the test on error. */
static void format_ok(const struct redis_format *format, const struct meepo_batch *batch,
                      struct redis_cmds *cmds)
{
	char err[1024] = "";

	if (redis_format_batch(format, batch, cmds, err, sizeof(err)) != 0) {
		fail_msg("redis_format_batch: %s", err);
	}
}

/* Asserts that command i is exactly the NULL-terminated argument list that follows. */
static void expect_cmd(const struct redis_cmds *cmds, size_t i, ...)
{
	const char **argv;
	const size_t *argvlen;
	const char *want;
	char *got;
	va_list ap;
	int argc;
	int n = 0;

	assert_true(i < redis_cmds_count(cmds));
	redis_cmds_get(cmds, i, &argc, &argv, &argvlen);
	va_start(ap, i);
	while ((want = va_arg(ap, const char *)) != NULL) {
		if (n >= argc) {
			va_end(ap);
			fail_msg("command %zu: %d arguments, expected more (next \"%s\")", i, argc, want);
		}
		got = strndup(argv[n], argvlen[n]);
		assert_non_null(got);
		assert_int_equal(strlen(got), argvlen[n]);
		assert_string_equal(got, want);
		free(got);
		n++;
	}
	va_end(ap);
	assert_int_equal(argc, n);
}

/* Returns the event's JSON from the SDK, as the formatter must pass it. */
static char *event_json(const struct meepo_event *event)
{
	struct meepo_buf buf = { 0 };

	assert_int_equal(meepo_event_append_json(&buf, event), 0);
	return buf.data;
}

/* ---- modes and init --------------------------------------------------- */

static void test_mode_names(void **state)
{
	static const char *const names[] = { "purge", "publish", "stream", "hash" };
	enum redis_mode mode;
	size_t i;

	(void)state;
	for (i = 0; i < 4; i++) {
		assert_int_equal(redis_mode_parse(names[i], &mode), 0);
		assert_int_equal(mode, (enum redis_mode)i);
		assert_string_equal(redis_mode_name(mode), names[i]);
	}
	assert_int_equal(redis_mode_parse("Purge", &mode), -1);
	assert_int_equal(redis_mode_parse("", &mode), -1);
}

static void test_init_errors(void **state)
{
	static const char *const two[] = { "a:{id}", "b:{id}" };
	static const char *const bad[] = { "user:{id" };
	struct redis_format format;
	char err[512];

	(void)state;
	assert_int_equal(redis_format_init(&format, REDIS_MODE_PURGE, two, 0, 0, false, err,
	                                   sizeof(err)), -1);
	assert_string_equal(err, "mode purge takes at least one key template");
	assert_int_equal(redis_format_init(&format, REDIS_MODE_HASH, two, 2, 0, false, err,
	                                   sizeof(err)), -1);
	assert_string_equal(err, "mode hash takes exactly one template");
	assert_int_equal(redis_format_init(&format, REDIS_MODE_STREAM, two, 1, -5, false, err,
	                                   sizeof(err)), -1);
	assert_string_equal(err, "maxlen must not be negative, not -5");
	assert_int_equal(redis_format_init(&format, REDIS_MODE_PURGE, bad, 1, 0, false, err,
	                                   sizeof(err)), -1);
	assert_non_null(strstr(err, "template \"user:{id\": "));
	assert_non_null(strstr(err, "unterminated"));
}

/* ---- purge ------------------------------------------------------------ */

static const char *const purge_keys[] = { "user:{id}", "email:{email}" };

static void test_purge_write(void **state)
{
	struct redis_format format;
	struct redis_cmds cmds = { 0 };
	struct fake_batch b;
	struct fake f[1];
	struct row r = user_row(1, "a@x.org", "Ann");

	(void)state;
	format_init(&format, REDIS_MODE_PURGE, purge_keys, 2, 0, false);
	fake_event(&f[0], MEEPO_WRITE, NULL, &r, 0);
	format_ok(&format, make_batch(&b, f, 1), &cmds);
	assert_int_equal(redis_cmds_count(&cmds), 1);
	expect_cmd(&cmds, 0, "DEL", "user:1", "email:a@x.org", NULL);
	redis_cmds_free(&cmds);
	redis_format_free(&format);
}

/* Both images are purged; keys the two images share appear once. */
static void test_purge_update_both_images(void **state)
{
	struct redis_format format;
	struct redis_cmds cmds = { 0 };
	struct fake_batch b;
	struct fake f[2];
	struct row r1 = user_row(1, "a@x.org", "Ann");
	struct row r2 = user_row(1, "b@x.org", "Ann");
	struct row r3 = user_row(2, "b@x.org", "Ann");

	(void)state;
	format_init(&format, REDIS_MODE_PURGE, purge_keys, 2, 0, false);
	fake_event(&f[0], MEEPO_UPDATE, &r1, &r2, 0);   /* email changes */
	fake_event(&f[1], MEEPO_UPDATE, &r2, &r3, 1);   /* key changes */
	format_ok(&format, make_batch(&b, f, 2), &cmds);
	assert_int_equal(redis_cmds_count(&cmds), 1);
	expect_cmd(&cmds, 0, "DEL", "user:1", "email:a@x.org", "email:b@x.org", "user:2", NULL);
	redis_cmds_free(&cmds);
	redis_format_free(&format);
}

/* A NULL template column gives no key; UNLINK replaces DEL; delete uses the before image. */
static void test_purge_null_and_unlink(void **state)
{
	static const char *const keys[] = { "name:{name}", "{schema}:{table}:{id}" };
	struct redis_format format;
	struct redis_cmds cmds = { 0 };
	struct fake_batch b;
	struct fake f[2];
	struct row r1 = user_row(1, "a@x.org", NULL);
	struct row r2 = user_row(2, "b@x.org", "Bob");

	(void)state;
	format_init(&format, REDIS_MODE_PURGE, keys, 2, 0, true);
	fake_event(&f[0], MEEPO_DELETE, &r1, NULL, 0);
	fake_event(&f[1], MEEPO_DELETE, &r2, NULL, 1);
	format_ok(&format, make_batch(&b, f, 2), &cmds);
	assert_int_equal(redis_cmds_count(&cmds), 1);
	expect_cmd(&cmds, 0, "UNLINK", "shop:user:1", "name:Bob", "shop:user:2", NULL);

	/* a batch that renders no key at all sends nothing */
	redis_format_free(&format);
	format_init(&format, REDIS_MODE_PURGE, keys, 1, 0, true);
	format_ok(&format, make_batch(&b, f, 1), &cmds);
	assert_int_equal(redis_cmds_count(&cmds), 0);
	redis_cmds_free(&cmds);
	redis_format_free(&format);
}

/* More keys than one command carries are split; the set is reset between batches. */
static void test_purge_split_and_reuse(void **state)
{
	static const char *const keys[] = { "k:{id}" };
	struct redis_format format;
	struct redis_cmds cmds = { 0 };
	const struct meepo_event **ptrs;
	struct meepo_batch batch;
	struct fake *fakes;
	struct row *rows;
	const char **argv;
	const size_t *argvlen;
	char want[32];
	size_t total = REDIS_PURGE_KEYS_PER_CMD + 88;
	size_t i;
	int argc;
	int round;

	(void)state;
	fakes = calloc(total, sizeof(*fakes));
	rows = calloc(total, sizeof(*rows));
	ptrs = calloc(total, sizeof(*ptrs));
	assert_non_null(fakes);
	assert_non_null(rows);
	assert_non_null(ptrs);
	for (i = 0; i < total; i++) {
		rows[i] = user_row((int64_t)(i % (total - 1)), "e", NULL);
		fake_event(&fakes[i], MEEPO_WRITE, NULL, &rows[i], (uint32_t)i);
		ptrs[i] = &fakes[i].event;
	}
	batch.count = total;
	batch.events = ptrs;
	format_init(&format, REDIS_MODE_PURGE, keys, 1, 0, false);
	for (round = 0; round < 2; round++) {
		format_ok(&format, &batch, &cmds);
		assert_int_equal(redis_cmds_count(&cmds), 2);
		redis_cmds_get(&cmds, 0, &argc, &argv, &argvlen);
		assert_int_equal(argc, REDIS_PURGE_KEYS_PER_CMD + 1);
		redis_cmds_get(&cmds, 1, &argc, &argv, &argvlen);
		/* the last row repeats key k:0 */
		assert_int_equal(argc, 1 + (int)(total - 1 - REDIS_PURGE_KEYS_PER_CMD));
		snprintf(want, sizeof(want), "k:%zu", total - 2);
		assert_int_equal(argvlen[argc - 1], strlen(want));
		assert_memory_equal(argv[argc - 1], want, strlen(want));
	}
	redis_cmds_free(&cmds);
	redis_format_free(&format);
	free(ptrs);
	free(rows);
	free(fakes);
}

/* A key column the binlog did not log is taken from the before image, or refused. */
static void test_purge_minimal_image(void **state)
{
	struct redis_format format;
	struct redis_cmds cmds = { 0 };
	struct fake_batch b;
	struct fake f[1];
	struct row before = user_row(3, "c@x.org", "Cy");
	struct row after = user_row(3, "d@x.org", "Cy");
	char err[1024];

	(void)state;
	format_init(&format, REDIS_MODE_PURGE, purge_keys, 2, 0, false);
	after.v[0] = v_absent();
	after.v[2] = v_absent();
	fake_event(&f[0], MEEPO_UPDATE, &before, &after, 0);
	format_ok(&format, make_batch(&b, f, 1), &cmds);
	expect_cmd(&cmds, 0, "DEL", "user:3", "email:c@x.org", "email:d@x.org", NULL);

	before.v[1] = v_absent();
	fake_event(&f[0], MEEPO_UPDATE, &before, &after, 0);
	assert_int_equal(redis_format_batch(&format, make_batch(&b, f, 1), &cmds, err, sizeof(err)), 1);
	assert_string_equal(err, "shop.user update at mysql-bin.000002:1000 row 0: template "
	                    "\"email:{email}\": column `email` is not logged in the before image "
	                    "(binlog_row_image is not FULL), so the key is unknown");
	/* the keys that could be known are still purged */
	assert_int_equal(redis_cmds_count(&cmds), 1);
	expect_cmd(&cmds, 0, "DEL", "user:3", "email:d@x.org", NULL);
	redis_cmds_free(&cmds);
	redis_format_free(&format);
}

/* A template naming a column the table lacks refuses the batch. */
static void test_purge_missing_column(void **state)
{
	static const char *const keys[] = { "user:{id}", "x:{nope}" };
	struct redis_format format;
	struct redis_cmds cmds = { 0 };
	struct fake_batch b;
	struct fake f[1];
	struct row r = user_row(1, "a@x.org", "Ann");
	char err[1024];
	const char *prefix = "shop.user write at mysql-bin.000002:1000 row 0: ";

	(void)state;
	format_init(&format, REDIS_MODE_PURGE, keys, 2, 0, false);
	fake_event(&f[0], MEEPO_WRITE, NULL, &r, 0);
	assert_int_equal(redis_format_batch(&format, make_batch(&b, f, 1), &cmds, err, sizeof(err)), 1);
	assert_memory_equal(err, prefix, strlen(prefix));
	assert_non_null(strstr(err, "nope"));
	assert_int_equal(redis_cmds_count(&cmds), 1);
	expect_cmd(&cmds, 0, "DEL", "user:1", NULL);
	redis_cmds_free(&cmds);
	redis_format_free(&format);
}

/* ---- publish ---------------------------------------------------------- */

static void test_publish(void **state)
{
	static const char *const def[] = { "{schema}.{table}" };
	static const char *const per_row[] = { "user:{id}:{email}" };
	struct redis_format format;
	struct redis_cmds cmds = { 0 };
	struct fake_batch b;
	struct fake f[3];
	struct row r1 = user_row(1, "a@x.org", "Ann");
	struct row r2 = user_row(2, "a@x.org", "Ann");
	struct row r3 = user_row(2, "b@x.org", "Ann");
	char *json0;
	char *json1;
	char *json2;

	(void)state;
	fake_event(&f[0], MEEPO_WRITE, NULL, &r1, 0);
	fake_event(&f[1], MEEPO_UPDATE, &r1, &r2, 1);   /* key changes */
	fake_event(&f[2], MEEPO_UPDATE, &r2, &r3, 2);   /* key holds */
	json0 = event_json(&f[0].event);
	json1 = event_json(&f[1].event);
	json2 = event_json(&f[2].event);

	format_init(&format, REDIS_MODE_PUBLISH, def, 1, 0, false);
	format_ok(&format, make_batch(&b, f, 2), &cmds);
	assert_int_equal(redis_cmds_count(&cmds), 2);
	expect_cmd(&cmds, 0, "PUBLISH", "shop.user", json0, NULL);
	expect_cmd(&cmds, 1, "PUBLISH", "shop.user", json1, NULL);
	redis_format_free(&format);

	/* the channel is rendered over the image holding the row's current key */
	format_init(&format, REDIS_MODE_PUBLISH, per_row, 1, 0, false);
	format_ok(&format, make_batch(&b, f, 3), &cmds);
	expect_cmd(&cmds, 0, "PUBLISH", "user:1:a@x.org", json0, NULL);
	expect_cmd(&cmds, 1, "PUBLISH", "user:2:a@x.org", json1, NULL);
	expect_cmd(&cmds, 2, "PUBLISH", "user:2:a@x.org", json2, NULL);
	redis_format_free(&format);
	free(json0);
	free(json1);
	free(json2);
	redis_cmds_free(&cmds);
}

/* A channel template over a NULL column leaves the event nowhere to go: left out. */
static void test_publish_null_channel(void **state)
{
	static const char *const by_name[] = { "n:{name}" };
	struct redis_format format;
	struct redis_cmds cmds = { 0 };
	struct fake_batch b;
	struct fake f[3];
	struct row r1 = user_row(1, "a@x.org", "Ann");
	struct row r2 = user_row(2, "b@x.org", NULL);
	char err[1024];
	char *json0;

	(void)state;
	format_init(&format, REDIS_MODE_PUBLISH, by_name, 1, 0, false);
	fake_event(&f[0], MEEPO_WRITE, NULL, &r1, 0);
	fake_event(&f[1], MEEPO_WRITE, NULL, &r2, 1);
	fake_event(&f[2], MEEPO_WRITE, NULL, &r2, 2);
	json0 = event_json(&f[0].event);
	assert_int_equal(redis_format_batch(&format, make_batch(&b, f, 3), &cmds, err, sizeof(err)), 2);
	assert_string_equal(err, "shop.user write at mysql-bin.000002:1100 row 1: channel template "
	                    "\"n:{name}\" names a NULL column, the event has nowhere to go");
	/* the other events are still published */
	assert_int_equal(redis_cmds_count(&cmds), 1);
	expect_cmd(&cmds, 0, "PUBLISH", "n:Ann", json0, NULL);
	free(json0);
	redis_format_free(&format);
	redis_cmds_free(&cmds);
}

/* ---- stream ----------------------------------------------------------- */

static void test_stream(void **state)
{
	static const char *const def[] = { "meepo:{schema}.{table}" };
	struct redis_format format;
	struct redis_cmds cmds = { 0 };
	struct fake_batch b;
	struct fake f[2];
	struct row r1 = user_row(1, "a@x.org", "Ann");
	char *json0;
	char *json1;

	(void)state;
	fake_event(&f[0], MEEPO_WRITE, NULL, &r1, 0);
	fake_event(&f[1], MEEPO_DELETE, &r1, NULL, 1);
	json0 = event_json(&f[0].event);
	json1 = event_json(&f[1].event);

	format_init(&format, REDIS_MODE_STREAM, def, 1, 0, false);
	format_ok(&format, make_batch(&b, f, 2), &cmds);
	assert_int_equal(redis_cmds_count(&cmds), 2);
	expect_cmd(&cmds, 0, "XADD", "meepo:shop.user", "*", "event", json0,
	           "id", "1-mysql-bin.000002-900-0", NULL);
	expect_cmd(&cmds, 1, "XADD", "meepo:shop.user", "*", "event", json1,
	           "id", "1-mysql-bin.000002-900-1", NULL);
	redis_format_free(&format);

	format_init(&format, REDIS_MODE_STREAM, def, 1, 100000, false);
	format_ok(&format, make_batch(&b, f, 1), &cmds);
	assert_int_equal(redis_cmds_count(&cmds), 1);
	expect_cmd(&cmds, 0, "XADD", "meepo:shop.user", "MAXLEN", "~", "100000", "*", "event", json0,
	           "id", "1-mysql-bin.000002-900-0", NULL);
	redis_format_free(&format);
	free(json0);
	free(json1);
	redis_cmds_free(&cmds);
}

/* ---- hash ------------------------------------------------------------- */

static const char *const hash_key[] = { "user:{id}" };

/* Write: HSET of the non-NULL columns, HDEL of the NULL ones; delete: DEL. */
static void test_hash_write_delete(void **state)
{
	struct redis_format format;
	struct redis_cmds cmds = { 0 };
	struct fake_batch b;
	struct fake f[3];
	struct row r1 = user_row(1, "a@x.org", NULL);
	struct row r2 = user_row(2, "b@x.org", "Bob");

	(void)state;
	format_init(&format, REDIS_MODE_HASH, hash_key, 1, 0, false);
	fake_event(&f[0], MEEPO_WRITE, NULL, &r1, 0);
	fake_event(&f[1], MEEPO_WRITE, NULL, &r2, 1);
	fake_event(&f[2], MEEPO_DELETE, &r1, NULL, 2);
	format_ok(&format, make_batch(&b, f, 3), &cmds);
	assert_int_equal(redis_cmds_count(&cmds), 4);
	expect_cmd(&cmds, 0, "HSET", "user:1", "id", "1", "email", "a@x.org", NULL);
	expect_cmd(&cmds, 1, "HDEL", "user:1", "name", NULL);
	expect_cmd(&cmds, 2, "HSET", "user:2", "id", "2", "email", "b@x.org", "name", "Bob", NULL);
	expect_cmd(&cmds, 3, "DEL", "user:1", NULL);
	redis_format_free(&format);

	format_init(&format, REDIS_MODE_HASH, hash_key, 1, 0, true);
	format_ok(&format, make_batch(&b, f + 2, 1), &cmds);
	assert_int_equal(redis_cmds_count(&cmds), 1);
	expect_cmd(&cmds, 0, "UNLINK", "user:1", NULL);
	redis_format_free(&format);
	redis_cmds_free(&cmds);
}

/* Update: in place when the key holds, moved (DEL old, HSET new) when it changes. */
static void test_hash_update(void **state)
{
	struct redis_format format;
	struct redis_cmds cmds = { 0 };
	struct fake_batch b;
	struct fake f[2];
	struct row r1 = user_row(1, "a@x.org", "Ann");
	struct row r2 = user_row(1, "a@x.org", NULL);
	struct row r3 = user_row(5, "a@x.org", "Ann");

	(void)state;
	format_init(&format, REDIS_MODE_HASH, hash_key, 1, 0, false);
	fake_event(&f[0], MEEPO_UPDATE, &r1, &r2, 0);
	fake_event(&f[1], MEEPO_UPDATE, &r2, &r3, 1);
	format_ok(&format, make_batch(&b, f, 2), &cmds);
	assert_int_equal(redis_cmds_count(&cmds), 4);
	expect_cmd(&cmds, 0, "HSET", "user:1", "id", "1", "email", "a@x.org", NULL);
	expect_cmd(&cmds, 1, "HDEL", "user:1", "name", NULL);
	expect_cmd(&cmds, 2, "DEL", "user:1", NULL);
	expect_cmd(&cmds, 3, "HSET", "user:5", "id", "5", "email", "a@x.org", "name", "Ann", NULL);
	redis_format_free(&format);
	redis_cmds_free(&cmds);
}

/* Columns not logged are left alone in place, but a move needs them all. */
static void test_hash_minimal_image(void **state)
{
	struct redis_format format;
	struct redis_cmds cmds = { 0 };
	struct fake_batch b;
	struct fake f[2];
	struct row before = user_row(1, "a@x.org", "Ann");
	struct row after = user_row(1, "z@x.org", "Ann");
	char err[1024];

	(void)state;
	format_init(&format, REDIS_MODE_HASH, hash_key, 1, 0, false);
	before.v[1] = v_absent();
	before.v[2] = v_absent();
	after.v[0] = v_absent();
	after.v[2] = v_absent();
	fake_event(&f[0], MEEPO_UPDATE, &before, &after, 0);
	format_ok(&format, make_batch(&b, f, 1), &cmds);
	assert_int_equal(redis_cmds_count(&cmds), 1);
	expect_cmd(&cmds, 0, "HSET", "user:1", "id", "1", "email", "z@x.org", NULL);

	/* a move: its DEL is left out with the rest of the event's commands */
	after.v[0] = v_int(9);
	fake_event(&f[0], MEEPO_UPDATE, &before, &after, 0);
	fake_event(&f[1], MEEPO_DELETE, &before, NULL, 1);
	assert_int_equal(redis_format_batch(&format, make_batch(&b, f, 2), &cmds, err, sizeof(err)), 1);
	assert_string_equal(err, "shop.user update at mysql-bin.000002:1000 row 0: the hash key "
	                    "changed but the after image lacks columns (binlog_row_image is not "
	                    "FULL): the moved hash would be incomplete");
	assert_int_equal(redis_cmds_count(&cmds), 1);
	expect_cmd(&cmds, 0, "DEL", "user:1", NULL);
	redis_format_free(&format);
	redis_cmds_free(&cmds);
}

/* A NULL key column: the row is not in the key space (nothing, or only a DEL). */
static void test_hash_null_key(void **state)
{
	static const char *const by_name[] = { "n:{name}" };
	struct redis_format format;
	struct redis_cmds cmds = { 0 };
	struct fake_batch b;
	struct fake f[3];
	struct row r1 = user_row(1, "a@x.org", NULL);
	struct row r2 = user_row(1, "a@x.org", "Ann");

	(void)state;
	format_init(&format, REDIS_MODE_HASH, by_name, 1, 0, false);
	fake_event(&f[0], MEEPO_WRITE, NULL, &r1, 0);
	fake_event(&f[1], MEEPO_UPDATE, &r1, &r2, 1);
	fake_event(&f[2], MEEPO_UPDATE, &r2, &r1, 2);
	format_ok(&format, make_batch(&b, f, 3), &cmds);
	assert_int_equal(redis_cmds_count(&cmds), 2);
	expect_cmd(&cmds, 0, "HSET", "n:Ann", "id", "1", "email", "a@x.org", "name", "Ann", NULL);
	expect_cmd(&cmds, 1, "DEL", "n:Ann", NULL);
	redis_format_free(&format);
	redis_cmds_free(&cmds);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mode_names),
		cmocka_unit_test(test_init_errors),
		cmocka_unit_test(test_purge_write),
		cmocka_unit_test(test_purge_update_both_images),
		cmocka_unit_test(test_purge_null_and_unlink),
		cmocka_unit_test(test_purge_split_and_reuse),
		cmocka_unit_test(test_purge_minimal_image),
		cmocka_unit_test(test_purge_missing_column),
		cmocka_unit_test(test_publish),
		cmocka_unit_test(test_publish_null_channel),
		cmocka_unit_test(test_stream),
		cmocka_unit_test(test_hash_write_delete),
		cmocka_unit_test(test_hash_update),
		cmocka_unit_test(test_hash_minimal_image),
		cmocka_unit_test(test_hash_null_key),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
