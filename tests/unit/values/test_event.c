/*
 * tests/unit/values/test_event.c - the SDK's event helpers: action names,
 * column look-up, key image, key change, value equality, the stable event
 * id, and the Maxwell JSON form of hand-built events (insert, update with a
 * key change, update without changes, MINIMAL images, delete, a table
 * without a key, a composite key, names that need escaping).
 *
 * Concurrency: single-threaded test program.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <meepo/sdk.h>

#include "sdk/format.h"

enum { C_ID, C_EMAIL, C_SCORE, C_TAGS, C_BIN, C_NOTE, NCOLS };

static const char *const tag_names[] = { "a", "b" };
static const struct meepo_strlist tags = { 2, tag_names };

static const struct meepo_column columns[NCOLS] = {
	{ "id", 3, 0, 0, false, false, NULL },
	{ "email", 15, 400, 45, false, true, NULL },
	{ "score", 246, 0x0402, 0, false, true, NULL },
	{ "tags", 248, 0xf801, 45, false, true, &tags },
	{ "bin", 252, 2, 63, false, true, NULL },
	{ "note", 245, 4, 63, false, true, NULL },
};

static const uint32_t key_id[] = { C_ID };
static const uint32_t key_email_id[] = { C_EMAIL, C_ID };

static const struct meepo_table table = { 9, "shop", "user", NCOLS, columns, 1, key_id };

/* DECIMAL(4,2) 4.20 and 5.00, packed. */
static const uint8_t dec_420[] = { 0x84, 0x14 };
static const uint8_t dec_500[] = { 0x85, 0x00 };

/* Fills a full image: id, email, score (4.20), tags a,b, bin 00 ff, note NULL. */
static void full_image(struct meepo_value *img, int64_t id, const char *email)
{
	memset(img, 0, sizeof(*img) * NCOLS);
	img[C_ID].type = MEEPO_VALUE_INT;
	img[C_ID].i = id;
	img[C_EMAIL].type = MEEPO_VALUE_STRING;
	img[C_EMAIL].str.ptr = email;
	img[C_EMAIL].str.len = strlen(email);
	img[C_EMAIL].str.charset = 45;
	img[C_SCORE].type = MEEPO_VALUE_DECIMAL;
	img[C_SCORE].decimal.bin = dec_420;
	img[C_SCORE].decimal.precision = 4;
	img[C_SCORE].decimal.scale = 2;
	img[C_TAGS].type = MEEPO_VALUE_SET;
	img[C_TAGS].enumset.bits = 3;
	img[C_TAGS].enumset.names = &tags;
	img[C_BIN].type = MEEPO_VALUE_BYTES;
	img[C_BIN].str.ptr = "\000\377";
	img[C_BIN].str.len = 2;
	img[C_BIN].str.charset = 63;
	img[C_NOTE].type = MEEPO_VALUE_NULL;
}

static struct meepo_event base_event(enum meepo_action action, const struct meepo_value *before,
                                     const struct meepo_value *after)
{
	struct meepo_event e = {
		.table = &table, .action = action, .before = before, .after = after,
		.file = "mysql-bin.000003", .offset = 1234, .txn_offset = 1000, .gtid = "0-1-42",
		.server_id = 7, .timestamp = 1700000000, .xid = 99, .row_index = 0, .last = true,
	};

	return e;
}

static void expect_json(const struct meepo_event *e, const char *want)
{
	struct meepo_buf b = { 0 };

	meepo_buf_puts(&b, "prefix:");
	assert_int_equal(meepo_event_append_json(&b, e), 0);
	assert_string_equal(b.data + 7, want);
	meepo_buf_free(&b);
}

#define DATA_1 "\"data\":{\"id\":1,\"email\":\"a@x\",\"score\":4.20,\"tags\":[\"a\",\"b\"]," \
               "\"bin\":\"AP8=\",\"note\":null}"

static void test_insert(void **state)
{
	struct meepo_value after[NCOLS];
	struct meepo_event e;

	(void)state;
	full_image(after, 1, "a@x");
	e = base_event(MEEPO_WRITE, NULL, after);
	expect_json(&e, "{\"database\":\"shop\",\"table\":\"user\",\"type\":\"insert\",\"ts\":1700000000,"
	                "\"xid\":99,\"commit\":true,\"position\":\"mysql-bin.000003:1234\","
	                "\"gtid\":\"0-1-42\",\"server_id\":7,\"primary_key\":[1],"
	                "\"primary_key_columns\":[\"id\"]," DATA_1 "}");
	assert_ptr_equal(meepo_event_key_image(&e), after);
	assert_false(meepo_event_key_changed(&e));
}

static void test_update_key_change(void **state)
{
	struct meepo_value before[NCOLS];
	struct meepo_value after[NCOLS];
	struct meepo_event e;

	(void)state;
	full_image(before, 1, "a@x");
	full_image(after, 2, "b@x");
	after[C_SCORE].decimal.bin = dec_500;
	e = base_event(MEEPO_UPDATE, before, after);
	e.xid = 0;
	e.gtid = NULL;
	e.last = false;
	expect_json(&e, "{\"database\":\"shop\",\"table\":\"user\",\"type\":\"update\",\"ts\":1700000000,"
	                "\"commit\":false,\"position\":\"mysql-bin.000003:1234\",\"gtid\":null,"
	                "\"server_id\":7,\"primary_key\":[2],\"primary_key_columns\":[\"id\"],"
	                "\"data\":{\"id\":2,\"email\":\"b@x\",\"score\":5.00,\"tags\":[\"a\",\"b\"],"
	                "\"bin\":\"AP8=\",\"note\":null},"
	                "\"old\":{\"id\":1,\"email\":\"a@x\",\"score\":4.20}}");
	assert_ptr_equal(meepo_event_key_image(&e), after);
	assert_true(meepo_event_key_changed(&e));
}

static void test_update_unchanged(void **state)
{
	struct meepo_value before[NCOLS];
	struct meepo_value after[NCOLS];
	struct meepo_event e;

	(void)state;
	full_image(before, 1, "a@x");
	full_image(after, 1, "a@x");
	e = base_event(MEEPO_UPDATE, before, after);
	expect_json(&e, "{\"database\":\"shop\",\"table\":\"user\",\"type\":\"update\",\"ts\":1700000000,"
	                "\"xid\":99,\"commit\":true,\"position\":\"mysql-bin.000003:1234\","
	                "\"gtid\":\"0-1-42\",\"server_id\":7,\"primary_key\":[1],"
	                "\"primary_key_columns\":[\"id\"]," DATA_1 "}");
	assert_false(meepo_event_key_changed(&e));
}

/* binlog_row_image=MINIMAL: the before image holds the key, the after image the changes. */
static void test_update_minimal(void **state)
{
	struct meepo_value before[NCOLS];
	struct meepo_value after[NCOLS];
	struct meepo_event e;

	(void)state;
	full_image(before, 1, "a@x");
	full_image(after, 1, "c@x");
	before[C_EMAIL].type = MEEPO_VALUE_ABSENT;
	before[C_SCORE].type = MEEPO_VALUE_ABSENT;
	before[C_TAGS].type = MEEPO_VALUE_ABSENT;
	before[C_BIN].type = MEEPO_VALUE_ABSENT;
	before[C_NOTE].type = MEEPO_VALUE_ABSENT;
	after[C_ID].type = MEEPO_VALUE_ABSENT;
	after[C_SCORE].type = MEEPO_VALUE_ABSENT;
	after[C_TAGS].type = MEEPO_VALUE_ABSENT;
	after[C_BIN].type = MEEPO_VALUE_ABSENT;
	after[C_NOTE].type = MEEPO_VALUE_ABSENT;
	e = base_event(MEEPO_UPDATE, before, after);
	expect_json(&e, "{\"database\":\"shop\",\"table\":\"user\",\"type\":\"update\",\"ts\":1700000000,"
	                "\"xid\":99,\"commit\":true,\"position\":\"mysql-bin.000003:1234\","
	                "\"gtid\":\"0-1-42\",\"server_id\":7,\"primary_key\":[1],"
	                "\"primary_key_columns\":[\"id\"],\"data\":{\"email\":\"c@x\"}}");
	assert_false(meepo_event_key_changed(&e));
}

static void test_delete(void **state)
{
	struct meepo_value before[NCOLS];
	struct meepo_event e;

	(void)state;
	full_image(before, 1, "a@x");
	e = base_event(MEEPO_DELETE, before, NULL);
	expect_json(&e, "{\"database\":\"shop\",\"table\":\"user\",\"type\":\"delete\",\"ts\":1700000000,"
	                "\"xid\":99,\"commit\":true,\"position\":\"mysql-bin.000003:1234\","
	                "\"gtid\":\"0-1-42\",\"server_id\":7,\"primary_key\":[1],"
	                "\"primary_key_columns\":[\"id\"]," DATA_1 "}");
	assert_ptr_equal(meepo_event_key_image(&e), before);
	assert_false(meepo_event_key_changed(&e));
}

static void test_keys(void **state)
{
	struct meepo_table t = table;
	struct meepo_value after[NCOLS];
	struct meepo_event e;

	(void)state;
	full_image(after, 1, "a@x");
	t.nkey = 0;
	t.key = NULL;
	e = base_event(MEEPO_WRITE, NULL, after);
	e.table = &t;
	expect_json(&e, "{\"database\":\"shop\",\"table\":\"user\",\"type\":\"insert\",\"ts\":1700000000,"
	                "\"xid\":99,\"commit\":true,\"position\":\"mysql-bin.000003:1234\","
	                "\"gtid\":\"0-1-42\",\"server_id\":7,\"primary_key\":[],"
	                "\"primary_key_columns\":[]," DATA_1 "}");
	t.nkey = 2;
	t.key = key_email_id;
	t.schema = "we\"ird";
	t.name = "t\\1";
	expect_json(&e, "{\"database\":\"we\\\"ird\",\"table\":\"t\\\\1\",\"type\":\"insert\","
	                "\"ts\":1700000000,\"xid\":99,\"commit\":true,"
	                "\"position\":\"mysql-bin.000003:1234\",\"gtid\":\"0-1-42\",\"server_id\":7,"
	                "\"primary_key\":[\"a@x\",1],\"primary_key_columns\":[\"email\",\"id\"],"
	                DATA_1 "}");
}

static void test_malformed_value(void **state)
{
	struct meepo_value after[NCOLS];
	struct meepo_event e;
	struct meepo_buf b = { 0 };

	(void)state;
	full_image(after, 1, "a@x");
	after[C_TAGS].enumset.bits = 4; /* a member the SET does not have */
	e = base_event(MEEPO_WRITE, NULL, after);
	assert_int_equal(meepo_event_append_json(&b, &e), -1);
	meepo_buf_free(&b);
}

static void test_accessors(void **state)
{
	struct meepo_value after[NCOLS];
	struct meepo_event e;
	struct meepo_buf b = { 0 };

	(void)state;
	assert_string_equal(meepo_action_name(MEEPO_WRITE), "write");
	assert_string_equal(meepo_action_name(MEEPO_UPDATE), "update");
	assert_string_equal(meepo_action_name(MEEPO_DELETE), "delete");
	assert_string_equal(meepo_action_name((enum meepo_action)7), "unknown");
	assert_int_equal(meepo_table_column(&table, "id"), C_ID);
	assert_int_equal(meepo_table_column(&table, "note"), C_NOTE);
	assert_int_equal(meepo_table_column(&table, "EMAIL"), C_EMAIL);
	assert_int_equal(meepo_table_column(&table, "nope"), -1);
	full_image(after, 1, "a@x");
	e = base_event(MEEPO_WRITE, NULL, after);
	e.row_index = 3;
	meepo_event_append_id(&b, &e);
	assert_string_equal(b.data, "7-mysql-bin.000003-1000-3");
	meepo_buf_free(&b);
}

static void test_value_equal(void **state)
{
	struct meepo_value a;
	struct meepo_value b;

	(void)state;
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	assert_true(sdk_value_equal(&a, &b));                    /* both absent */
	a.type = MEEPO_VALUE_NULL;
	assert_false(sdk_value_equal(&a, &b));
	a.type = b.type = MEEPO_VALUE_DOUBLE;
	a.d = 0.0;
	b.d = -0.0;
	assert_false(sdk_value_equal(&a, &b));
	a.d = b.d = NAN;
	assert_true(sdk_value_equal(&a, &b));
	a.type = b.type = MEEPO_VALUE_BYTES;
	a.str.ptr = b.str.ptr = "ab";
	a.str.len = b.str.len = 2;
	a.str.charset = b.str.charset = 63;
	b.str.zero_pad = 1;
	assert_false(sdk_value_equal(&a, &b));                   /* BINARY padding differs */
	b.str.zero_pad = 0;
	assert_true(sdk_value_equal(&a, &b));
	b.str.charset = 45;
	assert_false(sdk_value_equal(&a, &b));
	a.type = b.type = MEEPO_VALUE_DECIMAL;
	a.decimal.bin = dec_420;
	b.decimal.bin = dec_500;
	a.decimal.precision = b.decimal.precision = 4;
	a.decimal.scale = b.decimal.scale = 2;
	assert_false(sdk_value_equal(&a, &b));
	b.decimal.bin = (const uint8_t *)"\x84\x14";
	assert_true(sdk_value_equal(&a, &b));
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	a.type = b.type = MEEPO_VALUE_TIME;
	a.time.hour = b.time.hour = 1;
	a.time.negative = true;
	assert_false(sdk_value_equal(&a, &b));
	a.type = b.type = MEEPO_VALUE_JSON;
	a.json.ptr = b.json.ptr = (const uint8_t *)"\x04\x01";
	a.json.len = b.json.len = 2;
	a.json.binary = true;
	assert_false(sdk_value_equal(&a, &b));
	b.json.binary = true;
	assert_true(sdk_value_equal(&a, &b));
	a.type = b.type = MEEPO_VALUE_ENUM;
	a.enumset.bits = 1;
	b.enumset.bits = 2;
	assert_false(sdk_value_equal(&a, &b));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_insert),
		cmocka_unit_test(test_update_key_change),
		cmocka_unit_test(test_update_unchanged),
		cmocka_unit_test(test_update_minimal),
		cmocka_unit_test(test_delete),
		cmocka_unit_test(test_keys),
		cmocka_unit_test(test_malformed_value),
		cmocka_unit_test(test_accessors),
		cmocka_unit_test(test_value_equal),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
