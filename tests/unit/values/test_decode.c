/*
 * tests/unit/values/test_decode.c - binlog_value_decode() and the text and
 * JSON forms of what it decodes, table-driven.
 *
 * Every case gives a column (type, meta, charset, signedness, ENUM/SET
 * names), the value's wire bytes, and the exact text and JSON they must
 * give. server_cases.c holds the bytes a real MariaDB wrote, with the text
 * SELECT printed; the cases below add what MariaDB cannot produce (MySQL's
 * binary JSON, VECTOR, pre-5.6 temporal formats, CHAR's real type in meta),
 * MariaDB's high-resolution temporal formats, and malformed input. For every valid case, every shorter prefix of the
 * bytes must fail with a message; each input sits in a buffer of exactly
 * its size so that AddressSanitizer catches any read past it.
 *
 * Concurrency: single-threaded test program.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <meepo/sdk.h>

#include "binlog/binlog.h"
#include "cases.h"

static const char *const xyz_names[] = { "x", "y", "zz" };
static const struct meepo_strlist xyz = { 3, xyz_names };

/* Valid values MariaDB does not write, or writes in other shapes. */
static const struct value_case hand_cases[] = {
	/* Pre-5.6 TIME: signed 3 bytes, +-HHMMSS. */
	{ "TIME -12:34:56", 11, 0, 0, false, NULL, "c01dfe", "-12:34:56", 0, "\"-12:34:56\"" },
	{ "TIME 838:59:59", 11, 0, 0, false, NULL, "a7f57f", "838:59:59", 0, "\"838:59:59\"" },
	{ "TIME 0", 11, 0, 0, false, NULL, "000000", "00:00:00", 0, "\"00:00:00\"" },
	/* Pre-5.6 DATETIME: 8 bytes, YYYYMMDDhhmmss. */
	{ "DATETIME", 12, 0, 0, false, NULL, "44af0c6166120000", "2023-09-24 18:54:12", 0,
	  "\"2023-09-24 18:54:12\"" },
	{ "DATETIME zero", 12, 0, 0, false, NULL, "0000000000000000", "0000-00-00 00:00:00", 0,
	  "\"0000-00-00 00:00:00\"" },
	/* Pre-5.6 TIMESTAMP: 4 bytes little-endian seconds. */
	{ "TIMESTAMP", 7, 0, 0, false, NULL, "d4851065", "2023-09-24 18:54:12", 0,
	  "\"2023-09-24 18:54:12\"" },
	{ "TIMESTAMP zero", 7, 0, 0, false, NULL, "00000000", "0000-00-00 00:00:00", 0,
	  "\"0000-00-00 00:00:00\"" },
	/* TIMESTAMP2 at the edges of the civil-date arithmetic. */
	{ "TIMESTAMP2 max", 17, 0, 0, false, NULL, "ffffffff", "2106-02-07 06:28:15", 0,
	  "\"2106-02-07 06:28:15\"" },
	{ "TIMESTAMP2 leap day", 17, 0, 0, false, NULL, "38bb0c00", "2000-02-29 00:00:00", 0,
	  "\"2000-02-29 00:00:00\"" },
	{ "TIMESTAMP2 second 1", 17, 3, 0, false, NULL, "00000001000a", "1970-01-01 00:00:01.001",
	  0, "\"1970-01-01 00:00:01.001\"" },
	/* NEWDATE has DATE's 3-byte format. */
	{ "NEWDATE", 14, 0, 0, false, NULL, "9f1f4e", "9999-12-31", 0, "\"9999-12-31\"" },
	/* Strings: VAR_STRING, STRING with a bare length, unknown charset. */
	{ "VAR_STRING", 253, 10, 45, false, NULL, "03616263", "abc", 0, "\"abc\"" },
	{ "STRING bare meta", 254, 10, 8, false, NULL, "03e96263", "\303\251bc", 0,
	  "\"\303\251bc\"" },
	{ "VARCHAR charset 0", 15, 10, 0, false, NULL, "0361c3a9", "a\303\251", 0,
	  "\"a\303\251\"" },
	{ "BINARY(3) padded", 254, 0xfe03, 63, false, NULL, "0161", "a\0\0", 3, "\"YQAA\"" },
	/* ENUM and SET with the real type in STRING's meta. */
	{ "STRING->ENUM 2 bytes", 254, 0xf702, 45, false, NULL, "0201", "258", 0, "258" },
	{ "STRING->ENUM names", 254, 0xf701, 45, false, &xyz, "03", "zz", 0, "\"zz\"" },
	{ "STRING->SET 8 bytes", 254, 0xf808, 45, false, NULL, "ffffffffffffffff",
	  "18446744073709551615", 0, "18446744073709551615" },
	{ "ENUM index 0", 247, 0xf701, 45, false, &xyz, "00", "", 0, "\"\"" },
	{ "ENUM bare meta", 247, 1, 45, false, &xyz, "01", "x", 0, "\"x\"" },
	{ "SET none", 248, 0xf801, 45, false, &xyz, "00", "", 0, "[]" },
	{ "SET all", 248, 0xf801, 45, false, &xyz, "07", "x,y,zz", 0, "[\"x\",\"y\",\"zz\"]" },
	/* BLOBs: explicit and implied prefix widths; charset 0 is binary. */
	{ "TINY_BLOB", 249, 0, 63, false, NULL, "027879", "xy", 0, "\"eHk=\"" },
	{ "MEDIUM_BLOB", 250, 0, 63, false, NULL, "020000787a", "xz", 0, "\"eHo=\"" },
	{ "LONG_BLOB", 251, 0, 63, false, NULL, "0100000041", "A", 0, "\"QQ==\"" },
	{ "BLOB meta 0", 252, 0, 63, false, NULL, "01004d", "M", 0, "\"TQ==\"" },
	{ "BLOB charset 0", 252, 2, 0, false, NULL, "0200ff00", "\377", 2, "\"/wA=\"" },
	{ "TEXT latin1", 252, 1, 8, false, NULL, "0380a0ff", "\342\202\254\302\240\303\277", 0,
	  "\"\342\202\254\302\240\303\277\"" },
	/* MySQL binary JSON: {"a": 1}, a top-level string, an empty document. */
	{ "JSON object", 245, 4, 63, false, NULL, "0d0000000001000c000b00010005010061", "{\"a\": 1}", 0,
	  "{\"a\": 1}" },
	{ "JSON string", 245, 4, 63, false, NULL, "040000000c02c3a9", "\"\303\251\"", 0,
	  "\"\303\251\"" },
	{ "JSON empty", 245, 4, 63, false, NULL, "00000000", "null", 0, "null" },
	{ "JSON 1-byte prefix", 245, 1, 63, false, NULL, "020401", "true", 0, "true" },
	/* MySQL 9 VECTOR: float32 1.1, 2.2, 3.3 little-endian. */
	{ "VECTOR", 242, 4, 63, false, NULL, "0c000000cdcc8c3fcdcc0c4033335340",
	  "\315\314\214?\315\314\014@33S@", 0, "\"zcyMP83MDEAzM1NA\"" },
	/* GEOMETRY: SRID 4326, POINT(1 2). */
	{ "GEOMETRY", 255, 4, 63, false, NULL,
	  "19000000e61000000101000000000000000000f03f0000000000000040",
	  "\346\020\000\000\001\001\000\000\000\000\000\000\000\000\000\360\077"
	  "\000\000\000\000\000\000\000@", 25,
	  "\"5hAAAAEBAAAAAAAAAAAA8D8AAAAAAAAAQA==\"" },
	/* DECIMAL(1,0) and a whole 9-digit group with scale 0. */
	{ "DECIMAL(1,0) 9", 246, 0x0100, 0, false, NULL, "89", "9", 0, "9" },
	{ "DECIMAL(1,0) -9", 246, 0x0100, 0, false, NULL, "76", "-9", 0, "-9" },
	{ "DECIMAL(9,0)", 246, 0x0900, 0, false, NULL, "bb9ac9ff", "999999999", 0, "999999999" },
	{ "DECIMAL(9,9)", 246, 0x0909, 0, false, NULL, "80000001", "0.000000001", 0, "0.000000001" },
	/* BIT(1) and BIT(64). */
	{ "BIT(1)", 16, 0x0001, 0, false, NULL, "01", "1", 0, "1" },
	{ "BIT(64)", 16, 0x0800, 0, false, NULL, "8000000000000001", "9223372036854775809", 0,
	  "9223372036854775809" },
	/*
	 * MariaDB 5.3 high-resolution TIME(n), DATETIME(n), TIMESTAMP(n), as a
	 * MariaDB 10.11 server wrote them with mysql56_temporal_format=OFF (old
	 * type codes, no metadata; meta is the precision information_schema
	 * gives), and the text its SELECT printed.
	 */
	{ "hires t1#1", 11, 1, 0, false, NULL, "00000001", "-838:59:59.9", 0, "\"-838:59:59.9\"" },
	{ "hires t2#1", 11, 2, 0, false, NULL, "1200c3bf", "-00:00:00.01", 0, "\"-00:00:00.01\"" },
	{ "hires t3#1", 11, 3, 0, false, NULL, "00b407a57f", "-00:00:00.001", 0, "\"-00:00:00.001\"" },
	{ "hires t4#1", 11, 4, 0, false, NULL, "0e1098edff", "838:59:59.9999", 0, "\"838:59:59.9999\"" },
	{ "hires t5#1", 11, 5, 0, false, NULL, "4544ff3bc0", "-12:34:56.78912", 0, "\"-12:34:56.78912\"" },
	{ "hires t6#1", 11, 6, 0, false, NULL, "02bf3dde7bff", "-00:00:00.000001", 0, "\"-00:00:00.000001\"" },
	{ "hires d1#1", 12, 1, 0, false, NULL, "00a95b864a49", "2023-09-24 18:54:12.1", 0, "\"2023-09-24 18:54:12.1\"" },
	{ "hires d2#1", 12, 2, 0, false, NULL, "000000000000", "0000-00-00 00:00:00.00", 0, "\"0000-00-00 00:00:00.00\"" },
	{ "hires d3#1", 12, 3, 0, false, NULL, "0146e4ebd7ffff", "9999-12-31 23:59:59.999", 0, "\"9999-12-31 23:59:59.999\"" },
	{ "hires d4#1", 12, 4, 0, false, NULL, "0146eb8f4a9801", "1000-01-01 00:00:00.0001", 0, "\"1000-01-01 00:00:00.0001\"" },
	{ "hires d5#1", 12, 5, 0, false, NULL, "19d912e574eb50", "2024-02-29 12:00:00.50000", 0, "\"2024-02-29 12:00:00.50000\"" },
	{ "hires d6#1", 12, 6, 0, false, NULL, "0102736410600001", "2024-00-00 00:00:00.000001", 0, "\"2024-00-00 00:00:00.000001\"" },
	{ "hires s1#1", 7, 1, 0, false, NULL, "7fffffff09", "2038-01-19 03:14:07.9", 0, "\"2038-01-19 03:14:07.9\"" },
	{ "hires s2#1", 7, 2, 0, false, NULL, "0000000101", "1970-01-01 00:00:01.01", 0, "\"1970-01-01 00:00:01.01\"" },
	{ "hires s3#1", 7, 3, 0, false, NULL, "38bbb4c001f4", "2000-02-29 12:00:00.500", 0, "\"2000-02-29 12:00:00.500\"" },
	{ "hires s4#1", 7, 4, 0, false, NULL, "000000000000", "0000-00-00 00:00:00.0000", 0, "\"0000-00-00 00:00:00.0000\"" },
	{ "hires s5#1", 7, 5, 0, false, NULL, "6774857f000001", "2024-12-31 23:59:59.00001", 0, "\"2024-12-31 23:59:59.00001\"" },
	{ "hires s6#1", 7, 6, 0, false, NULL, "6774857f0f423f", "2024-12-31 23:59:59.999999", 0, "\"2024-12-31 23:59:59.999999\"" },
	{ "hires t1#2", 11, 1, 0, false, NULL, "01cce05b", "-00:00:00.5", 0, "\"-00:00:00.5\"" },
	{ "hires t2#2", 11, 2, 0, false, NULL, "1200c3c0", "00:00:00.00", 0, "\"00:00:00.00\"" },
	{ "hires t3#2", 11, 3, 0, false, NULL, "00b43e940a", "01:00:00.010", 0, "\"01:00:00.010\"" },
	{ "hires t4#2", 11, 4, 0, false, NULL, "07062725ff", "-01:00:00.0001", 0, "\"-01:00:00.0001\"" },
	{ "hires t5#2", 11, 5, 0, false, NULL, "4652fe2ca1", "00:00:01.00001", 0, "\"00:00:01.00001\"" },
	{ "hires t6#2", 11, 6, 0, false, NULL, "0000000f4240", "-838:59:59.000000", 0, "\"-838:59:59.000000\"" },
	{ "hires d1#2", 12, 1, 0, false, NULL, "00a760610f09", "2000-01-01 00:00:00.9", 0, "\"2000-01-01 00:00:00.9\"" },
	{ "hires d2#2", 12, 2, 0, false, NULL, "0689c3ca9663", "2000-01-01 00:00:00.99", 0, "\"2000-01-01 00:00:00.99\"" },
	{ "hires d3#2", 12, 3, 0, false, NULL, "004161a5e9dfe7", "2000-01-01 00:00:00.999", 0, "\"2000-01-01 00:00:00.999\"" },
	{ "hires d4#2", 12, 4, 0, false, NULL, "028dd07b22bf0f", "2000-01-01 00:00:00.9999", 0, "\"2000-01-01 00:00:00.9999\"" },
	{ "hires d5#2", 12, 5, 0, false, NULL, "198a24cf5b769f", "2000-01-01 00:00:00.99999", 0, "\"2000-01-01 00:00:00.99999\"" },
	{ "hires d6#2", 12, 6, 0, false, NULL, "00ff65701992a23f", "2000-01-01 00:00:00.999999", 0, "\"2000-01-01 00:00:00.999999\"" },
	{ "hires s1#2", 7, 1, 0, false, NULL, "386d438009", "2000-01-01 00:00:00.9", 0, "\"2000-01-01 00:00:00.9\"" },
	{ "hires s2#2", 7, 2, 0, false, NULL, "386d438063", "2000-01-01 00:00:00.99", 0, "\"2000-01-01 00:00:00.99\"" },
	{ "hires s3#2", 7, 3, 0, false, NULL, "386d438003e7", "2000-01-01 00:00:00.999", 0, "\"2000-01-01 00:00:00.999\"" },
	{ "hires s4#2", 7, 4, 0, false, NULL, "386d4380270f", "2000-01-01 00:00:00.9999", 0, "\"2000-01-01 00:00:00.9999\"" },
	{ "hires s5#2", 7, 5, 0, false, NULL, "386d438001869f", "2000-01-01 00:00:00.99999", 0, "\"2000-01-01 00:00:00.99999\"" },
	{ "hires s6#2", 7, 6, 0, false, NULL, "386d43800f423f", "2000-01-01 00:00:00.999999", 0, "\"2000-01-01 00:00:00.999999\"" },
	/* The NULL type takes no bytes. */
	{ "NULL type", 6, 0, 0, false, NULL, "", "NULL", 0, "null" },
};

/* Malformed values: decoding fails with a message containing `want`. */
struct error_case {
	const char *name;       /* what is wrong */
	uint8_t type;           /* column wire type */
	uint16_t meta;          /* column metadata */
	const char *hex;        /* the bytes */
	const char *want;       /* text the message must contain */
};

static const struct error_case error_cases[] = {
	{ "DECIMAL precision 0", 246, 0x0000, "80", "NEWDECIMAL column (type 246, meta 0x0000): "
	                                            "impossible precision 0 and scale 0" },
	{ "DECIMAL scale > precision", 246, 0x0203, "800000", "impossible precision 2 and scale 3" },
	{ "DECIMAL precision 66", 246, 0x4200, "80000000000000000000000000000000",
	  "impossible precision 66" },
	{ "BIT 8 leftover bits", 16, 0x0008, "00", "BIT(8) is impossible" },
	{ "BIT(72)", 16, 0x0900, "000000000000000000", "BIT(72) is impossible" },
	{ "BIT(0)", 16, 0x0000, "00", "BIT(0) is impossible" },
	{ "TIME2 fsp 7", 19, 7, "80000000000000", "TIME2 column (type 19, meta 0x0007): "
	                                          "fractional-second precision 7 is above 6" },
	{ "TIME2 fraction", 19, 6, "8000000f4240", "fractional part 1000000 out of range" },
	{ "DATETIME2 negative", 18, 0, "7fffffffff", "negative datetime" },
	{ "DATETIME2 fraction", 18, 6, "8000000000ffffff", "fractional part 16777215 out of range" },
	{ "TIMESTAMP2 fraction", 17, 2, "0000000164", "fractional part 1000000 out of range" },
	{ "DATETIME year 10000", 12, 0, "40637f16f35a0000", "year 10000 out of range" },
	{ "ENUM 3 bytes", 247, 0xf703, "000000", "ENUM of 3 bytes is impossible" },
	{ "SET 9 bytes", 248, 0xf809, "000000000000000000", "SET of 9 bytes is impossible" },
	{ "SET 0 bytes", 248, 0xf800, "00", "SET of 0 bytes is impossible" },
	{ "STRING->ENUM 3 bytes", 254, 0xf703, "000000", "ENUM column (type 254, meta 0xf703)" },
	{ "BLOB prefix 5", 252, 5, "0000000000", "length prefix of 5 bytes is impossible" },
	{ "hires TIME fsp 7", 11, 7, "000000", "TIME column (type 11, meta 0x0007): "
	                                       "fractional-second precision 7 is above 6" },
	{ "hires DATETIME year", 12, 6, "ffffffffffffffff", "year 513230 out of range" },
	{ "hires TIMESTAMP fraction", 7, 1, "0000000164", "fractional part 10000000 out of range" },
	{ "old DECIMAL", 0, 0, "00", "DECIMAL column (type 0, meta 0x0000): pre-5.0 DECIMAL" },
	{ "TYPED_ARRAY", 20, 0, "00", "TYPED_ARRAY column (type 20, meta 0x0000): unsupported" },
	{ "type 100", 100, 0, "00", "unknown column (type 100, meta 0x0000): unsupported column type" },
	{ "VARCHAR length past the end", 15, 10, "05616263", "value of 5 bytes truncated: 3 left" },
	{ "LONGLONG truncated", 8, 0, "0102", "LONGLONG column (type 8, meta 0x0000): "
	                                      "value truncated: needs 8 bytes, 2 left" },
};

/* Values that decode but whose digits or members are malformed: text and JSON fail. */
static const struct value_case bad_format_cases[] = {
	{ "DECIMAL group 1000000000", 246, 0x0900, 0, false, NULL, "bb9aca00", NULL, 0, NULL },
	{ "DECIMAL(1,0) digit 10", 246, 0x0100, 0, false, NULL, "8a", NULL, 0, NULL },
	{ "DECIMAL fraction group", 246, 0x0909, 0, false, NULL, "ffffffff", NULL, 0, NULL },
	{ "ENUM index 4 of 3", 247, 0xf701, 45, false, &xyz, "04", NULL, 0, NULL },
	{ "SET bit 3 of 3", 248, 0xf801, 45, false, &xyz, "08", NULL, 0, NULL },
	{ "JSON unknown type", 245, 4, 63, false, NULL, "010000000d", NULL, 0, NULL },
};

/* Decodes hex into a malloc'd buffer of exactly its size (1 byte for none). */
static uint8_t *unhex(const char *hex, size_t *len)
{
	size_t n = strlen(hex) / 2;
	uint8_t *out = malloc(n > 0 ? n : 1);
	size_t i;

	assert_non_null(out);
	for (i = 0; i < n; i++) {
		assert_int_equal(sscanf(hex + 2 * i, "%2hhx", &out[i]), 1);
	}
	*len = n;
	return out;
}

static struct meepo_column column_of(const struct value_case *c)
{
	struct meepo_column col = { "c", c->type, c->meta, c->charset, c->is_unsigned, true,
	                            c->names };

	return col;
}

/* Fails the test with the case name if the buffer does not hold exactly want. */
static void expect_bytes(const char *name, const char *what, const struct meepo_buf *buf,
                         const char *want, size_t want_len)
{
	if (buf->len != want_len || (want_len > 0 && memcmp(buf->data, want, want_len) != 0)) {
		fail_msg("%s: %s is \"%.*s\" (%zu bytes), want \"%s\" (%zu bytes)", name, what,
		         (int)buf->len, buf->data, buf->len, want, want_len);
	}
}

/* Decodes one case in full and every shorter prefix of it. */
static void check_case(const struct value_case *c)
{
	struct meepo_column col = column_of(c);
	struct meepo_buf text = { 0 };
	struct meepo_buf json = { 0 };
	struct meepo_value v;
	char err[256] = "";
	uint8_t *bytes;
	uint8_t *prefix;
	size_t len;
	size_t cut;
	ssize_t used;

	bytes = unhex(c->hex, &len);
	used = binlog_value_decode(&col, bytes, len, &v, err, sizeof(err));
	if (used != (ssize_t)len) {
		fail_msg("%s: consumed %zd of %zu bytes: %s", c->name, used, len, err);
	}
	if (meepo_value_append_text(&text, &v) != 0 || meepo_value_append_json(&json, &v) != 0) {
		fail_msg("%s: formatting failed", c->name);
	}
	expect_bytes(c->name, "text", &text, c->text, c->text_len ? c->text_len : strlen(c->text));
	expect_bytes(c->name, "json", &json, c->json, strlen(c->json));

	for (cut = 0; cut < len; cut++) {
		prefix = malloc(cut > 0 ? cut : 1);
		assert_non_null(prefix);
		memcpy(prefix, bytes, cut);
		err[0] = '\0';
		used = binlog_value_decode(&col, prefix, cut, &v, err, sizeof(err));
		if (used != -1 || err[0] == '\0') {
			fail_msg("%s: a %zu-byte prefix gave %zd (\"%s\")", c->name, cut, used, err);
		}
		free(prefix);
	}
	free(bytes);
	meepo_buf_free(&text);
	meepo_buf_free(&json);
}

static void test_server_cases(void **state)
{
	size_t i;

	(void)state;
	assert_true(server_case_count > 250);
	for (i = 0; i < server_case_count; i++) {
		check_case(&server_cases[i]);
	}
}

static void test_hand_cases(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(hand_cases) / sizeof(hand_cases[0]); i++) {
		check_case(&hand_cases[i]);
	}
}

static void test_error_cases(void **state)
{
	const struct error_case *e;
	struct meepo_column col;
	struct meepo_value v;
	char err[256];
	uint8_t *bytes;
	size_t len;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(error_cases) / sizeof(error_cases[0]); i++) {
		e = &error_cases[i];
		col = (struct meepo_column){ "c", e->type, e->meta, 45, false, true, NULL };
		bytes = unhex(e->hex, &len);
		err[0] = '\0';
		if (binlog_value_decode(&col, bytes, len, &v, err, sizeof(err)) != -1 ||
		    strstr(err, e->want) == NULL) {
			fail_msg("%s: message \"%s\" lacks \"%s\"", e->name, err, e->want);
		}
		free(bytes);
	}
}

/* A message is cut to the buffer given, and a zero-sized buffer is left alone. */
static void test_error_buffer_sizes(void **state)
{
	struct meepo_column col = { "c", 8, 0, 0, false, true, NULL };
	struct meepo_value v;
	uint8_t byte = 0;
	char err[8];

	(void)state;
	memset(err, 'z', sizeof(err));
	assert_int_equal(binlog_value_decode(&col, &byte, 1, &v, err, sizeof(err)), -1);
	assert_string_equal(err, "LONGLON");
	assert_int_equal(binlog_value_decode(&col, &byte, 1, &v, NULL, 0), -1);
}

static void test_bad_format_cases(void **state)
{
	const struct value_case *c;
	struct meepo_column col;
	struct meepo_buf buf = { 0 };
	struct meepo_value v;
	char err[256];
	uint8_t *bytes;
	size_t len;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad_format_cases) / sizeof(bad_format_cases[0]); i++) {
		c = &bad_format_cases[i];
		col = column_of(c);
		bytes = unhex(c->hex, &len);
		if (binlog_value_decode(&col, bytes, len, &v, err, sizeof(err)) != (ssize_t)len) {
			fail_msg("%s: did not decode: %s", c->name, err);
		}
		if (meepo_value_append_text(&buf, &v) != -1 || meepo_value_append_json(&buf, &v) != -1) {
			fail_msg("%s: formatting did not fail", c->name);
		}
		meepo_buf_reset(&buf);
		free(bytes);
	}
	meepo_buf_free(&buf);
}

/* Runs one long case built at run time (too long for the tables). */
static void check_long(const char *name, uint8_t type, uint16_t meta, uint16_t charset,
                       const char *unit, size_t repeat, size_t prefix)
{
	size_t unit_len = strlen(unit);
	size_t len = unit_len * repeat;
	char *hex = malloc(2 * (prefix + len) + 1);
	char *text = malloc(len + 1);
	char *json = malloc(len + 3);
	struct value_case c = { name, type, meta, charset, false, NULL, hex, text, 0, json };
	size_t i;
	size_t n = 0;

	assert_non_null(hex);
	assert_non_null(text);
	assert_non_null(json);
	for (i = 0; i < prefix; i++) {
		n += (size_t)sprintf(hex + n, "%02x", (unsigned)((len >> (8 * i)) & 0xff));
	}
	for (i = 0; i < len; i++) {
		text[i] = unit[i % unit_len];
		n += (size_t)sprintf(hex + n, "%02x", (unsigned char)text[i]);
	}
	text[len] = '\0';
	sprintf(json, "\"%s\"", text);
	check_case(&c);
	free(hex);
	free(text);
	free(json);
}

static void test_long_strings(void **state)
{
	(void)state;
	/* VARCHAR(300) holding 300 characters: a 2-byte length. */
	check_long("VARCHAR(300) x300", 15, 300, 45, "x", 300, 2);
	/* CHAR(255) utf8mb4 (1020 bytes: bits 8-9 of the length inverted in meta). */
	check_long("CHAR(255) utf8mb4 euro x255", 254, 0xcefc, 45, "\342\202\254", 255, 2);
	/* A 64 KiB TEXT with a 3-byte length. */
	check_long("MEDIUMTEXT 64 KiB", 252, 3, 45, "abcd", 16384, 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_server_cases),
		cmocka_unit_test(test_hand_cases),
		cmocka_unit_test(test_error_cases),
		cmocka_unit_test(test_error_buffer_sizes),
		cmocka_unit_test(test_bad_format_cases),
		cmocka_unit_test(test_long_strings),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
