/*
 * tests/unit/core/test_snapshot_values.c - the snapshot's column
 * descriptions (information_schema -> TABLE_MAP columns) and values
 * (SELECT text -> the values the binlog decoder gives).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "chunk.h"
#include "sdk/format.h"
#include "snapshot_values.h"

/* An information_schema description and the column it must give. */
struct column_case {
	struct snapshot_coldesc desc;
	uint8_t type;
	uint16_t meta;
	uint16_t charset;
	bool is_unsigned;
};

static const struct column_case column_cases[] = {
	{ { "int", "int(10) unsigned", 10, 0, 0, 0, 63, true, 0 }, 3, 0, 0, true },
	{ { "bigint", "bigint(20)", 19, 0, 0, 0, 63, false, 0 }, 8, 0, 0, false },
	{ { "mediumint", "mediumint(9)", 7, 0, 0, 0, 63, false, 0 }, 9, 0, 0, false },
	{ { "float", "float", 12, 0, 0, 0, 63, false, 0 }, 4, 4, 0, false },
	{ { "double", "double", 22, 0, 0, 0, 63, false, 0 }, 5, 8, 0, false },
	{ { "decimal", "decimal(12,3) unsigned", 12, 3, 0, 0, 63, false, 0 }, 246, 12 << 8 | 3, 0,
	  true },
	{ { "datetime", "datetime(3)", 0, 0, 3, 0, 63, false, 0 }, 18, 3, 0, false },
	{ { "timestamp", "timestamp(6)", 0, 0, 6, 0, 63, false, 0 }, 17, 6, 0, false },
	{ { "time", "time", 0, 0, 0, 0, 63, false, 0 }, 19, 0, 0, false },
	{ { "date", "date", 0, 0, 0, 0, 63, false, 0 }, 10, 0, 0, false },
	{ { "year", "year(4)", 0, 0, 0, 0, 63, false, 0 }, 13, 0, 0, false },
	{ { "varchar", "varchar(20)", 0, 0, 0, 80, 45, true, 0 }, 15, 80, 45, false },
	{ { "char", "char(10)", 0, 0, 0, 40, 45, false, 0 }, 254, 0xfe28, 45, false },
	/* CHAR(100) utf8mb4: 400 bytes, bits 8-9 folded inverted into the type byte. */
	{ { "char", "char(100)", 0, 0, 0, 400, 45, false, 0 }, 254, 0xee90, 45, false },
	{ { "binary", "binary(4)", 0, 0, 0, 4, 63, false, 0 }, 254, 0xfe04, 63, false },
	{ { "longblob", "longblob", 0, 0, 0, 0, 63, false, 0 }, 252, 4, 63, false },
	{ { "text", "text", 0, 0, 0, 65535, 33, false, 0 }, 252, 2, 33, false },
	{ { "enum", "enum('a','b')", 0, 0, 0, 4, 45, false, 2 }, 247, 0xf701, 45, false },
	{ { "set", "set('a','b','c')", 0, 0, 0, 20, 45, false, 3 }, 248, 0xf801, 45, false },
	{ { "set", "set(...)", 0, 0, 0, 20, 45, false, 33 }, 248, 0xf808, 45, false },
	{ { "bit", "bit(12)", 12, 0, 0, 0, 63, false, 0 }, 16, 1 << 8 | 4, 0, false },
	{ { "json", "json", 0, 0, 0, 0, 63, false, 0 }, 245, 4, 0, false },
	{ { "point", "point", 0, 0, 0, 0, 63, false, 0 }, 255, 4, 63, false },
};

static void test_columns(void **state)
{
	char err[256];

	(void)state;
	for (size_t i = 0; i < sizeof(column_cases) / sizeof(column_cases[0]); i++) {
		const struct column_case *c = &column_cases[i];
		struct meepo_column col;

		assert_int_equal(snapshot_column(&c->desc, &col, err, sizeof(err)), 0);
		assert_int_equal(col.type, c->type);
		assert_int_equal(col.meta, c->meta);
		assert_int_equal(col.charset, c->charset);
		assert_int_equal(col.is_unsigned, c->is_unsigned);
		assert_int_equal(col.nullable, c->desc.nullable);
	}
}

static void test_column_unsupported(void **state)
{
	struct snapshot_coldesc desc = { "inet6", "inet6", 0, 0, 0, 0, 63, false, 0 };
	struct meepo_column col;
	char err[256];

	(void)state;
	assert_int_equal(snapshot_column(&desc, &col, err, sizeof(err)), -1);
	assert_string_equal(err, "column type inet6 is not supported by the snapshot");
}

/* Converts text for a column of this type/meta/charset/signedness. */
static struct meepo_value convert(struct chunk *chunk, uint8_t type, uint16_t meta,
                                  uint16_t charset, bool is_unsigned, const char *text,
                                  size_t len)
{
	struct meepo_column col = { "c", type, meta, charset, is_unsigned, true, NULL };
	struct meepo_value v;
	char err[256];

	assert_int_equal(snapshot_value(&col, text, len, chunk, &v, err, sizeof(err)), 0);
	return v;
}

#define CONVERT(type, meta, charset, uns, text) \
	convert(chunk, type, meta, charset, uns, text, sizeof(text) - 1)

static void test_numbers(void **state)
{
	struct chunk *chunk = chunk_new();
	struct meepo_value v;

	(void)state;
	v = CONVERT(1, 0, 0, false, "-128");
	assert_int_equal(v.type, MEEPO_VALUE_INT);
	assert_int_equal(v.i, -128);
	v = CONVERT(8, 0, 0, false, "-9223372036854775808");
	assert_int_equal(v.type, MEEPO_VALUE_INT);
	assert_true(v.i == INT64_MIN);
	v = CONVERT(8, 0, 0, true, "18446744073709551615");
	assert_int_equal(v.type, MEEPO_VALUE_UINT);
	assert_true(v.u == UINT64_MAX);
	v = CONVERT(4, 4, 0, false, "3.1415927410125732");
	assert_int_equal(v.type, MEEPO_VALUE_FLOAT);
	assert_true(v.d == (double)3.14159274f);
	v = CONVERT(5, 8, 0, false, "-1.7976931348623157e308");
	assert_int_equal(v.type, MEEPO_VALUE_DOUBLE);
	assert_true(v.d == -1.7976931348623157e308);
	v = CONVERT(13, 0, 0, false, "2155");
	assert_int_equal(v.type, MEEPO_VALUE_YEAR);
	assert_int_equal(v.u, 2155);
	v = CONVERT(13, 0, 0, false, "0000");
	assert_int_equal(v.u, 0);
	v = CONVERT(16, 1 << 8 | 4, 0, false, "4095");
	assert_int_equal(v.type, MEEPO_VALUE_BIT);
	assert_int_equal(v.u, 4095);
	chunk_free(chunk);
}

static void test_decimal(void **state)
{
	struct chunk *chunk = chunk_new();
	struct meepo_buf out = { 0 };
	struct meepo_value v;

	(void)state;
	v = CONVERT(246, 12 << 8 | 3, 0, false, "-123456789.120");
	assert_int_equal(v.type, MEEPO_VALUE_DECIMAL);
	assert_int_equal(v.decimal.precision, 12);
	assert_int_equal(v.decimal.scale, 3);
	assert_int_equal(sdk_decimal_append(&out, v.decimal.bin, 12, 3), 0);
	meepo_buf_putc(&out, '\0');
	assert_string_equal(out.data, "-123456789.120");
	meepo_buf_free(&out);
	chunk_free(chunk);
}

static void test_temporal(void **state)
{
	struct chunk *chunk = chunk_new();
	struct meepo_value v;

	(void)state;
	v = CONVERT(10, 0, 0, false, "2024-02-29");
	assert_int_equal(v.type, MEEPO_VALUE_DATE);
	assert_int_equal(v.time.year, 2024);
	assert_int_equal(v.time.month, 2);
	assert_int_equal(v.time.day, 29);
	v = CONVERT(10, 0, 0, false, "0000-00-00");
	assert_int_equal(v.time.year, 0);
	v = CONVERT(19, 3, 0, false, "-838:59:59.000");
	assert_int_equal(v.type, MEEPO_VALUE_TIME);
	assert_true(v.time.negative);
	assert_int_equal(v.time.hour, 838);
	assert_int_equal(v.time.minute, 59);
	assert_int_equal(v.time.second, 59);
	assert_int_equal(v.time.fsp, 3);
	v = CONVERT(19, 2, 0, false, "100:00:01.25");
	assert_false(v.time.negative);
	assert_int_equal(v.time.hour, 100);
	assert_int_equal(v.time.microsecond, 250000);
	v = CONVERT(18, 6, 0, false, "2023-12-31 23:59:58.000001");
	assert_int_equal(v.type, MEEPO_VALUE_DATETIME);
	assert_int_equal(v.time.year, 2023);
	assert_int_equal(v.time.hour, 23);
	assert_int_equal(v.time.second, 58);
	assert_int_equal(v.time.microsecond, 1);
	assert_int_equal(v.time.fsp, 6);
	assert_int_equal(v.time.epoch, 0);
	v = CONVERT(17, 1, 0, false, "2038-01-19 03:14:07.5");
	assert_int_equal(v.type, MEEPO_VALUE_TIMESTAMP);
	assert_int_equal(v.time.epoch, 2147483647);
	assert_int_equal(v.time.microsecond, 500000);
	v = CONVERT(17, 0, 0, false, "0000-00-00 00:00:00");
	assert_int_equal(v.type, MEEPO_VALUE_TIMESTAMP);
	assert_int_equal(v.time.epoch, 0);
	assert_int_equal(v.time.year, 0);
	chunk_free(chunk);
}

static void test_strings(void **state)
{
	static const char *const names[] = { "a", "b" };
	static const struct meepo_strlist members = { 2, names };
	struct meepo_column col = { "e", 247, 0xf701, 45, false, true, &members };
	struct chunk *chunk = chunk_new();
	struct meepo_value v;
	char err[256];

	(void)state;
	v = CONVERT(15, 80, 45, false, "héllo");
	assert_int_equal(v.type, MEEPO_VALUE_STRING);
	assert_int_equal(v.str.len, 6);
	assert_memory_equal(v.str.ptr, "héllo", 6);
	assert_int_equal(v.str.charset, 45);
	v = CONVERT(254, 0xfe04, 63, false, "a\0\0\0");
	assert_int_equal(v.type, MEEPO_VALUE_BYTES);
	assert_int_equal(v.str.len, 1);
	assert_int_equal(v.str.zero_pad, 3);
	v = CONVERT(252, 2, 63, false, "\x01\x00\x02");
	assert_int_equal(v.type, MEEPO_VALUE_BYTES);
	assert_int_equal(v.str.len, 3);
	v = CONVERT(245, 4, 0, false, "{\"a\": 1}");
	assert_int_equal(v.type, MEEPO_VALUE_JSON);
	assert_false(v.json.binary);
	assert_int_equal(v.json.len, 8);
	v = CONVERT(255, 4, 63, false, "\0\0\0\0\x01\x01\0\0\0");
	assert_int_equal(v.type, MEEPO_VALUE_GEOMETRY);
	assert_int_equal(v.str.len, 9);
	assert_int_equal(snapshot_value(&col, "2", 1, chunk, &v, err, sizeof(err)), 0);
	assert_int_equal(v.type, MEEPO_VALUE_ENUM);
	assert_int_equal(v.enumset.bits, 2);
	assert_ptr_equal(v.enumset.names, &members);
	col.type = 248;
	assert_int_equal(snapshot_value(&col, "3", 1, chunk, &v, err, sizeof(err)), 0);
	assert_int_equal(v.type, MEEPO_VALUE_SET);
	assert_int_equal(v.enumset.bits, 3);
	assert_int_equal(snapshot_value(&col, "-9223372036854775807", 20, chunk, &v, err,
	                                sizeof(err)), 0);
	assert_true(v.enumset.bits == 0x8000000000000001u);
	assert_int_equal(snapshot_value(&col, NULL, 0, chunk, &v, err, sizeof(err)), 0);
	assert_int_equal(v.type, MEEPO_VALUE_NULL);
	chunk_free(chunk);
}

static void test_malformed(void **state)
{
	/* Column type, meta, unsigned, text. */
	static const struct {
		uint8_t type;
		uint16_t meta;
		bool is_unsigned;
		const char *text;
	} bad[] = {
		{ 3, 0, false, "" }, { 3, 0, false, "12x" }, { 3, 0, true, "-1" },
		{ 8, 0, false, "9223372036854775808" }, { 8, 0, true, "18446744073709551616" },
		{ 5, 8, false, "1.5.2" }, { 246, 5 << 8 | 2, false, "1234.5" },
		{ 10, 0, false, "2024-13-01" }, { 10, 0, false, "2024-01-01x" },
		{ 19, 0, false, "839:00:00" }, { 19, 0, false, "12:60:00" },
		{ 18, 6, false, "2024-01-01 24:00:00" }, { 18, 6, false, "2024-01-01 10:00:00." },
		{ 18, 6, false, "2024-01-01 10:00:00.1234567" }, { 13, 0, false, "1900" },
		{ 247, 0xf701, false, "a" },
	};
	struct chunk *chunk = chunk_new();
	struct meepo_value v;
	char err[256];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct meepo_column col = { "c", bad[i].type, bad[i].meta, 0, bad[i].is_unsigned, true,
		                            NULL };
		assert_int_equal(snapshot_value(&col, bad[i].text, strlen(bad[i].text), chunk, &v, err,
		                                sizeof(err)), -1);
	}
	assert_string_equal(err, "column c: cannot read the value 'a'");
	chunk_free(chunk);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_columns),
		cmocka_unit_test(test_column_unsupported),
		cmocka_unit_test(test_numbers),
		cmocka_unit_test(test_decimal),
		cmocka_unit_test(test_temporal),
		cmocka_unit_test(test_strings),
		cmocka_unit_test(test_malformed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
