/*
 * tests/unit/core/test_decimal_pack.c - sdk_decimal_pack (core/sdk/decimal.c)
 * packs DECIMAL text into the binlog's bytes: exact bytes for known values,
 * and a round trip through sdk_decimal_append on table-driven cases.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "sdk/format.h"

/* A text, its column, and the text sdk_decimal_append gives back. */
struct pack_case {
	const char *text;       /* input */
	unsigned precision;
	unsigned scale;
	const char *expect;     /* what unpacking shows */
};

static const struct pack_case cases[] = {
	{ "0", 1, 0, "0" },
	{ "7", 1, 0, "7" },
	{ "-7", 1, 0, "-7" },
	{ "1234567890", 10, 0, "1234567890" },
	{ "-1234567890", 10, 0, "-1234567890" },
	{ "12.50", 5, 2, "12.50" },
	{ "12.5", 5, 2, "12.50" },
	{ "-0.01", 5, 2, "-0.01" },
	{ "-0.00", 5, 2, "0.00" },
	{ "+3", 5, 2, "3.00" },
	{ ".5", 5, 2, "0.50" },
	{ "007.25", 5, 2, "7.25" },
	{ "999.99", 5, 2, "999.99" },
	{ "-999.99", 5, 2, "-999.99" },
	{ "0.123", 3, 3, "0.123" },
	{ "-0.999", 3, 3, "-0.999" },
	{ "0.123456789012345678", 18, 18, "0.123456789012345678" },
	{ "123456789.987654321", 18, 9, "123456789.987654321" },
	{ "-123456789.987654321", 18, 9, "-123456789.987654321" },
	{ "99999999999999999999999999999999999999999999999999999999999999999", 65, 0,
	  "99999999999999999999999999999999999999999999999999999999999999999" },
	{ "-12345678901234567890123456789012345.123456789012345678901234567890", 65, 30,
	  "-12345678901234567890123456789012345.123456789012345678901234567890" },
	{ "1.00000000000000000000000000000000000001", 39, 38,
	  "1.00000000000000000000000000000000000001" },
};

static void test_round_trip(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct pack_case *c = &cases[i];
		uint8_t bin[32];
		struct meepo_buf out = { 0 };

		memset(bin, 0xaa, sizeof(bin));
		assert_int_equal(sdk_decimal_pack(c->text, strlen(c->text), c->precision, c->scale, bin),
		                 0);
		assert_int_equal(sdk_decimal_append(&out, bin, c->precision, c->scale), 0);
		meepo_buf_putc(&out, '\0');
		assert_string_equal(out.data, c->expect);
		meepo_buf_free(&out);
	}
}

/* Bytes from MySQL's own decimal2bin (the example in decimal.c of the server). */
static void test_known_bytes(void **state)
{
	static const uint8_t expect_pos[] = { 0x81, 0x0d, 0xfb, 0x38, 0xd2, 0x04, 0xd2 };
	static const uint8_t expect_neg[] = { 0x7e, 0xf2, 0x04, 0xc7, 0x2d, 0xfb, 0x2d };
	uint8_t bin[7];

	(void)state;
	/* 1234567890.1234 as DECIMAL(14,4). */
	assert_int_equal(sdk_decimal_pack("1234567890.1234", 15, 14, 4, bin), 0);
	assert_memory_equal(bin, expect_pos, sizeof(bin));
	assert_int_equal(sdk_decimal_pack("-1234567890.1234", 16, 14, 4, bin), 0);
	assert_memory_equal(bin, expect_neg, sizeof(bin));
}

static void test_rejects(void **state)
{
	static const char *const bad[] = { "", "-", ".", "1.2.3", "abc", "1e5", "12 ", "1000",
	                                   "1.234", "--1" };
	uint8_t bin[32];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(sdk_decimal_pack(bad[i], strlen(bad[i]), 5, 2, bin), -1);
	}
	assert_int_equal(sdk_decimal_pack("1", 1, 0, 0, bin), -1);
	assert_int_equal(sdk_decimal_pack("1", 1, 66, 0, bin), -1);
	assert_int_equal(sdk_decimal_pack("1", 1, 5, 6, bin), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_known_bytes),
		cmocka_unit_test(test_rejects),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
