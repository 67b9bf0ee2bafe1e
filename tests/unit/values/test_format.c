/*
 * tests/unit/values/test_format.c - the text and JSON forms of values built
 * by hand: FLOAT/DOUBLE digits, charsets and escaping, temporal fractions,
 * MySQL binary JSON documents (small and large containers, every scalar,
 * opaque values, malformed and truncated documents, nesting limits), and
 * struct meepo_buf.
 *
 * Expected FLOAT/DOUBLE texts follow what MariaDB 10.11's SELECT printed for
 * the same numbers; MySQL JSON texts follow Json_wrapper::to_string (MySQL
 * 8.0 sql-common/json_dom.cc); the JSON documents were built with a small
 * independent encoder of the binary format and are given here as hex.
 *
 * Concurrency: single-threaded test program.
 */
#include <float.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <meepo/sdk.h>

#include "sdk/format.h"

/* Appends the text and JSON of v and compares them with the expected ones. */
static void expect_forms(const char *name, const struct meepo_value *v, const char *text,
                         const char *json)
{
	struct meepo_buf t = { 0 };
	struct meepo_buf j = { 0 };

	if (meepo_value_append_text(&t, v) != 0 || meepo_value_append_json(&j, v) != 0) {
		fail_msg("%s: formatting failed", name);
	}
	if (t.len != strlen(text) || (t.len > 0 && memcmp(t.data, text, t.len) != 0)) {
		fail_msg("%s: text \"%.*s\", want \"%s\"", name, (int)t.len, t.data, text);
	}
	if (j.len != strlen(json) || memcmp(j.data, json, j.len) != 0) {
		fail_msg("%s: json \"%.*s\", want \"%s\"", name, (int)j.len, j.data, json);
	}
	meepo_buf_free(&t);
	meepo_buf_free(&j);
}

/* One FLOAT or DOUBLE and its forms. */
struct real_case {
	bool single;        /* FLOAT (the value is rounded to float first) */
	double d;           /* the value */
	const char *text;   /* SELECT's form */
	const char *json;   /* shortest round-trip form */
};

static void test_reals(void **state)
{
	static const struct real_case cases[] = {
		{ true, 0.1, "0.1", "0.1" },
		{ true, 16777217.0, "16777200", "16777216" },
		{ true, 123456789.0, "123457000", "123456790" },
		{ true, 1234565.0, "1234560", "1234565" },
		{ true, FLT_MAX, "3.40282e38", "3.4028235e38" },
		{ true, 3.4e38, "3.4e38", "3.4e38" },
		{ true, 1e-45, "1.4013e-45", "1e-45" },
		{ true, -123.456, "-123.456", "-123.456" },
		{ true, 1e-15, "0.000000000000001", "0.000000000000001" },
		{ true, 1e20, "1e20", "1e20" },
		{ false, 0.30000000000000004, "0.30000000000000004", "0.30000000000000004" },
		{ false, 1e15, "1e15", "1e15" },
		{ false, 999999999999999.0, "999999999999999", "999999999999999" },
		{ false, 1e16, "1e16", "1e16" },
		{ false, 1234567890123456.7, "1234567890123456.8", "1234567890123456.8" },
		{ false, 123456789012345678.0, "1.2345678901234568e17", "1.2345678901234568e17" },
		{ false, 9223372036854775808.0, "9.223372036854776e18", "9.223372036854776e18" },
		{ false, 1e-15, "0.000000000000001", "0.000000000000001" },
		{ false, 1e-16, "1e-16", "1e-16" },
		{ false, 1.2345678901234567e-5, "0.000012345678901234568",
		  "0.000012345678901234568" },
		{ false, -1.2345678901234567e-100, "-1.2345678901234567e-100",
		  "-1.2345678901234567e-100" },
		{ false, 4.9e-324, "5e-324", "5e-324" },
		{ false, DBL_MAX, "1.7976931348623157e308", "1.7976931348623157e308" },
		{ false, 0.0, "0", "0" },
		{ false, -0.0, "-0", "-0" },
		{ false, 100000.0, "100000", "100000" },
		{ false, INFINITY, "null", "null" },
		{ false, NAN, "null", "null" },
	};
	struct meepo_value v;
	char name[64];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(&v, 0, sizeof(v));
		v.type = cases[i].single ? MEEPO_VALUE_FLOAT : MEEPO_VALUE_DOUBLE;
		v.d = cases[i].single ? (double)(float)cases[i].d : cases[i].d;
		snprintf(name, sizeof(name), "real case %zu (%s)", i, cases[i].text);
		expect_forms(name, &v, cases[i].text, cases[i].json);
	}
}

/* One string in a collation and its forms. */
struct charset_case {
	uint16_t collation;     /* column collation id */
	const char *bytes;      /* the column bytes */
	size_t len;             /* their length (0: strlen) */
	const char *text;       /* UTF-8 text form */
	const char *json;       /* JSON form */
};

static void test_charsets(void **state)
{
	static const struct charset_case cases[] = {
		/* utf8mb4 and utf8mb3 under MySQL and MariaDB collation ids. */
		{ 45, "h\303\251llo \360\237\230\200", 0, "h\303\251llo \360\237\230\200",
		  "\"h\303\251llo \360\237\230\200\"" },
		{ 2304, "\303\204", 0, "\303\204", "\"\303\204\"" },    /* utf8mb4_uca1400_ai_ci */
		{ 2503, "\303\204", 0, "\303\204", "\"\303\204\"" },    /* last utf8mb4 uca1400 */
		{ 2048, "\303\204", 0, "\303\204", "\"\303\204\"" },    /* utf8mb3_uca1400_ai_ci */
		{ 1069, "\303\204", 0, "\303\204", "\"\303\204\"" },    /* utf8mb4_general_nopad_ci */
		{ 224, "\303\204", 0, "\303\204", "\"\303\204\"" },     /* utf8mb4_unicode_ci */
		{ 255, "\303\204", 0, "\303\204", "\"\303\204\"" },     /* utf8mb4_0900_ai_ci */
		{ 309, "\303\204", 0, "\303\204", "\"\303\204\"" },     /* utf8mb4_0900_bin */
		{ 33, "\303\204", 0, "\303\204", "\"\303\204\"" },      /* utf8mb3_general_ci */
		{ 0, "\303\204", 0, "\303\204", "\"\303\204\"" },       /* unknown: UTF-8 */
		{ 999, "\303\204", 0, "\303\204", "\"\303\204\"" },     /* unassigned id: UTF-8 */
		/* Invalid UTF-8 is escaped byte by byte, never dropped. */
		{ 45, "a\377b", 0, "a\\xFFb", "\"a\\\\xFFb\"" },
		{ 45, "\300\200", 0, "\\xC0\\x80", "\"\\\\xC0\\\\x80\"" },              /* overlong NUL */
		{ 45, "\355\240\200", 0, "\\xED\\xA0\\x80", "\"\\\\xED\\\\xA0\\\\x80\"" }, /* surrogate */
		{ 45, "\364\220\200\200", 0, "\\xF4\\x90\\x80\\x80",
		  "\"\\\\xF4\\\\x90\\\\x80\\\\x80\"" },                                   /* > U+10FFFF */
		{ 45, "x\360\237\230", 0, "x\\xF0\\x9F\\x98", "\"x\\\\xF0\\\\x9F\\\\x98\"" }, /* cut */
		{ 45, "\370a", 0, "\\xF8a", "\"\\\\xF8a\"" },
		{ 45, "\200", 0, "\\x80", "\"\\\\x80\"" },                               /* lone continuation */
		/* latin1 is Windows-1252, its five holes mapped to C1 controls. */
		{ 8, "\200\201\215\217\220\235\237\240\377", 0,
		  "\342\202\254\302\201\302\215\302\217\302\220\302\235\305\270\302\240\303\277",
		  "\"\342\202\254\302\201\302\215\302\217\302\220\302\235\305\270\302\240\303\277\"" },
		{ 1032, "caf\351", 0, "caf\303\251", "\"caf\303\251\"" },               /* latin1 nopad */
		{ 47, "\222", 0, "\342\200\231", "\"\342\200\231\"" },                   /* latin1_bin */
		/* 7-bit charsets, and binary bytes read as text. */
		{ 11, "a\200", 0, "a\\x80", "\"a\\\\x80\"" },
		{ 63, "a\200", 0, "a\\x80", "\"a\\\\x80\"" },
		/* Wide Unicode encodings, through iconv. */
		{ 35, "\000a\040\254", 4, "a\342\202\254", "\"a\342\202\254\"" },        /* ucs2 */
		{ 2560, "\000a", 2, "a", "\"a\"" },                                      /* ucs2 uca1400 */
		{ 35, "\000a\000", 3, "a\\x00", "\"a\\\\x00\"" },                        /* odd length */
		{ 54, "\330\064\335\036\000x", 6, "\360\235\204\236x", "\"\360\235\204\236x\"" }, /* utf16 */
		{ 56, "a\000\254\040", 4, "a\342\202\254", "\"a\342\202\254\"" },        /* utf16le */
		{ 60, "\000\001\366\000", 4, "\360\237\230\200", "\"\360\237\230\200\"" }, /* utf32 */
		/* Legacy multi-byte and single-byte charsets. */
		{ 51, "\306\346", 0, "\320\226\320\266", "\"\320\226\320\266\"" },        /* cp1251 */
		{ 13, "\223\372\226\173", 0, "\346\227\245\346\234\254",
		  "\"\346\227\245\346\234\254\"" },                                      /* sjis */
		{ 13, "a\201", 0, "a\\x81", "\"a\\\\x81\"" },                            /* sjis, cut */
		{ 28, "\304\343", 0, "\344\275\240", "\"\344\275\240\"" },               /* gbk */
		{ 9, "\261", 0, "\304\205", "\"\304\205\"" },                            /* latin2 */
		/*
		 * Where MariaDB 10.11 maps a code otherwise than glibc's converter
		 * (charset_map.c), its mapping wins: sjis keeps ASCII backslash and tilde
		 * and maps 0x815F to a backslash; euckr is CP949; ujis, big5, tis620,
		 * swe7 and keybcs2 (which iconv lacks) follow the server's tables.
		 */
		{ 13, "a\\b~", 0, "a\\b~", "\"a\\\\b~\"" },                             /* sjis */
		{ 13, "\201\137\201\140", 0, "\\\343\200\234", "\"\\\\\343\200\234\"" },
		{ 13, "\261\201\137\223\372", 0, "\357\275\261\\\346\227\245",
		  "\"\357\275\261\\\\\346\227\245\"" },                             /* kana, override */
		{ 95, "a\\b~\201\140", 0, "a\\b~\357\275\236",
		  "\"a\\\\b~\357\275\236\"" },                                      /* cp932 */
		{ 19, "\201\101\260\241", 0, "\352\260\202\352\260\200",
		  "\"\352\260\202\352\260\200\"" },                                  /* euckr = CP949 */
		{ 12, "\217\242\267\241\300", 0, "~\\", "\"~\\\\\"" },                 /* ujis */
		{ 1, "\306\241\241\105", 0, "\343\203\276\342\200\242",
		  "\"\343\203\276\342\200\242\"" },                                  /* big5 */
		{ 18, "\200\333", 0, "\302\200\357\277\275",
		  "\"\302\200\357\277\275\"" },                                      /* tis620 */
		{ 10, "\100\176", 0, "\303\211\303\274", "\"\303\211\303\274\"" },       /* swe7 */
		{ 37, "a\200", 0, "a\304\214", "\"a\304\214\"" },                         /* keybcs2 */
		/* JSON escapes: quotes, backslash, controls; DEL and U+2028 stay. */
		{ 45, "q\"b\\\n\t\001\037\177\342\200\250\b\f\r", 0,
		  "q\"b\\\n\t\001\037\177\342\200\250\b\f\r",
		  "\"q\\\"b\\\\\\n\\t\\u0001\\u001f\177\342\200\250\\b\\f\\r\"" },
		{ 8, "\"\n", 0, "\"\n", "\"\\\"\\n\"" },
	};
	struct meepo_value v;
	char name[64];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(&v, 0, sizeof(v));
		v.type = MEEPO_VALUE_STRING;
		v.str.ptr = cases[i].bytes;
		v.str.len = cases[i].len ? cases[i].len : strlen(cases[i].bytes);
		v.str.charset = cases[i].collation;
		snprintf(name, sizeof(name), "charset case %zu (collation %u)", i,
		         (unsigned)cases[i].collation);
		expect_forms(name, &v, cases[i].text, cases[i].json);
	}
}

static void test_temporal_fractions(void **state)
{
	struct meepo_value v;

	(void)state;
	memset(&v, 0, sizeof(v));
	v.type = MEEPO_VALUE_DATETIME;
	v.time = (struct meepo_temporal){ .year = 2023, .month = 9, .day = 24, .hour = 18,
	                                  .minute = 54, .second = 12, .microsecond = 123400,
	                                  .fsp = 6 };
	expect_forms("fsp 6", &v, "2023-09-24 18:54:12.123400", "\"2023-09-24 18:54:12.123400\"");
	v.time.fsp = 1;
	expect_forms("fsp 1", &v, "2023-09-24 18:54:12.1", "\"2023-09-24 18:54:12.1\"");
	v.time.fsp = 0;
	expect_forms("fsp 0", &v, "2023-09-24 18:54:12", "\"2023-09-24 18:54:12\"");
	v.type = MEEPO_VALUE_TIME;
	v.time = (struct meepo_temporal){ .hour = 838, .minute = 59, .second = 59, .fsp = 6,
	                                  .negative = true };
	expect_forms("TIME", &v, "-838:59:59.000000", "\"-838:59:59.000000\"");
	v.type = MEEPO_VALUE_YEAR;
	v.u = 0;
	expect_forms("YEAR 0", &v, "0000", "0");
	v.type = MEEPO_VALUE_ABSENT;
	expect_forms("absent", &v, "", "null");
	v.type = MEEPO_VALUE_NULL;
	expect_forms("null", &v, "NULL", "null");
	v.type = 99;
	{
		struct meepo_buf b = { 0 };

		assert_int_equal(meepo_value_append_text(&b, &v), -1);
		assert_int_equal(meepo_value_append_json(&b, &v), -1);
		meepo_buf_free(&b);
	}
}

/* A MySQL binary JSON document (hex) and the text MySQL prints for it. */
struct json_case {
	const char *name;   /* what the document holds */
	const char *hex;    /* the document */
	const char *text;   /* its text */
};

static const struct json_case json_cases[] = {
	{ "small object", "0002001e001200010013000100050100021400616202000a00050100050200",
	  "{\"a\": 1, \"b\": [1, 2]}" },
	{ "every scalar",
	  "020f00750004000004010004020005008006ffff0731000835000939000a41000b49000b51000b59000b61"
	  "000b69000c710000000080ffffffff0000000000000080ffffffffffffffff000000000000f03f0000000000"
	  "00f83f00000000000000809c7500883ce4377e9a9999999999b93f03737472",
	  "[null, true, false, -32768, 65535, -2147483648, 4294967295, -9223372036854775808, "
	  "18446744073709551615, 1.0, 1.5, -0.0, 1e300, 0.1, \"str\"]" },
	{ "large object",
	  "0102000000420000001e00000001001f00000002000321000000013a0000006b6b6b03000000190000000501"
	  "0000000790eefeff0c1700000001780000000008000000",
	  "{\"k\": [1, -70000, \"x\"], \"kk\": {}}" },
	{ "large array",
	  "03050000002b00000005010000000790eefeff0800286bee0c21000000012300000001780000000008000000",
	  "[1, -70000, 4000000000, \"x\", {}]" },
	{ "empty object", "0000000400", "{}" },
	{ "empty array", "0200000400", "[]" },
	{ "top-level uint16", "060700", "7" },
	{ "top-level int64", "09ffffffffffffffff", "-1" },
	{ "top-level double", "0b0000000000000a40", "3.25" },
	{ "top-level null", "0400", "null" },
	{ "escapes", "0c0f7122625c6e0a09011f7fc3a9e280a8",
	  "\"q\\\"b\\\\n\\n\\t\\u0001\\u001f\177\303\251\342\200\250\"" },
	{ "opaque values",
	  "0207004f000f19000f21000f2b000f35000f3f000f49000f4c00f6060603807b01c80a080000000000e48b19"
	  "0b080f04f61188faffff0c08000000adb7e48b19070820a1078733e6df19fd01550f0155",
	  "[123.456, \"2012-03-18\", \"-87:31:46.654321\", \"2012-03-18 11:30:45.000000\", "
	  "\"2038-01-19 03:14:07.500000\", \"U\", \"base64:type15:VQ==\"]" },
	{ "long opaque",
	  "0ffc64" /* 100 zero bytes follow */
	  "0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
	  "0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
	  "000000000000000000000000",
	  "\"base64:type252:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
	  "\\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==\"" },
};

/* Malformed documents and the message they must give. */
static const struct json_case json_bad[] = {
	{ "unknown type", "0d", "JSON value type 0x0d unknown" },
	{ "unknown literal", "0403", "JSON literal 0x03 unknown" },
	{ "key out of bounds", "0001000c00ff00010005010061", "JSON object key 0 out of bounds" },
	{ "value out of bounds", "0201000700090c00", "JSON array element 0 out of bounds" },
	{ "count beyond size", "02ff000700000000", "does not fit" },
	{ "size beyond document", "0201002000050100", "exceeds the 7 available" },
	{ "string length too long", "0c0561", "JSON string truncated" },
	{ "endless varlen", "0c808080808001", "JSON string truncated" },
	{ "opaque truncated", "0ffc0500", "JSON opaque value truncated" },
	{ "decimal precision 0", "0ff60300000080", "JSON DECIMAL value malformed" },
	{ "decimal digits", "0ff60301008a", "JSON DECIMAL value malformed" },
	{ "temporal too short", "0f0a0400000000", "JSON temporal value of 4 bytes" },
	{ "int64 truncated", "09ffff", "JSON scalar of type 0x09 truncated" },
};

/* Decodes hex into a malloc'd buffer of exactly its size. */
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

static void test_mysql_json(void **state)
{
	struct meepo_buf buf = { 0 };
	struct meepo_value v;
	char err[128];
	uint8_t *doc;
	uint8_t *cut;
	size_t len;
	size_t n;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(json_cases) / sizeof(json_cases[0]); i++) {
		doc = unhex(json_cases[i].hex, &len);
		memset(&v, 0, sizeof(v));
		v.type = MEEPO_VALUE_JSON;
		v.json.ptr = doc;
		v.json.len = len;
		v.json.binary = true;
		expect_forms(json_cases[i].name, &v, json_cases[i].text, json_cases[i].text);
		/* Every shorter document but the empty one is malformed. */
		for (n = 1; n < len; n++) {
			cut = malloc(n);
			assert_non_null(cut);
			memcpy(cut, doc, n);
			err[0] = '\0';
			if (sdk_mysql_json_append(&buf, cut, n, err, sizeof(err)) != -1 || err[0] == '\0') {
				fail_msg("%s: a %zu-byte prefix did not fail", json_cases[i].name, n);
			}
			meepo_buf_reset(&buf);
			free(cut);
		}
		free(doc);
	}
	for (i = 0; i < sizeof(json_bad) / sizeof(json_bad[0]); i++) {
		doc = unhex(json_bad[i].hex, &len);
		err[0] = '\0';
		if (sdk_mysql_json_append(&buf, doc, len, err, sizeof(err)) != -1 ||
		    strstr(err, json_bad[i].text) == NULL) {
			fail_msg("%s: message \"%s\" lacks \"%s\"", json_bad[i].name, err,
			         json_bad[i].text);
		}
		meepo_buf_reset(&buf);
		free(doc);
	}
	meepo_buf_free(&buf);
}

/* Builds `depth` nested one-element small arrays around an empty array. */
static uint8_t *nested_arrays(size_t depth, size_t *len)
{
	size_t total = 5 + 7 * depth;
	uint8_t *doc = malloc(total);
	size_t inner = 4;       /* payload size of the innermost (empty) array */
	size_t pos = total;
	size_t i;

	assert_non_null(doc);
	pos -= 4;
	memcpy(doc + pos, "\x00\x00\x04\x00", 4);
	for (i = 0; i < depth; i++) {
		inner += 7;
		pos -= 7;
		doc[pos] = 1;                           /* count */
		doc[pos + 1] = 0;
		doc[pos + 2] = (uint8_t)(inner & 0xff); /* size */
		doc[pos + 3] = (uint8_t)(inner >> 8);
		doc[pos + 4] = 0x02;                    /* element: small array at offset 7 */
		doc[pos + 5] = 7;
		doc[pos + 6] = 0;
	}
	doc[0] = 0x02;
	*len = total;
	return doc;
}

static void test_mysql_json_depth(void **state)
{
	struct meepo_buf buf = { 0 };
	char err[128] = "";
	uint8_t *doc;
	size_t len;

	(void)state;
	doc = nested_arrays(99, &len);
	assert_int_equal(sdk_mysql_json_append(&buf, doc, len, err, sizeof(err)), 0);
	assert_int_equal(buf.len, 2 * 100);
	assert_memory_equal(buf.data + 98, "[[]]", 4);
	free(doc);
	meepo_buf_reset(&buf);
	doc = nested_arrays(2000, &len);
	assert_int_equal(sdk_mysql_json_append(&buf, doc, len, err, sizeof(err)), -1);
	assert_string_equal(err, "JSON document nested deeper than 150");
	free(doc);
	meepo_buf_free(&buf);
}

static void test_buf(void **state)
{
	struct meepo_buf b = { 0 };
	char big[300];
	size_t i;

	(void)state;
	meepo_buf_reset(&b);
	assert_int_equal(b.len, 0);
	meepo_buf_append(&b, "", 0);
	assert_non_null(b.data);
	assert_string_equal(b.data, "");
	meepo_buf_puts(&b, "ab");
	meepo_buf_putc(&b, 'c');
	meepo_buf_printf(&b, "-%d-%s", 42, "x");
	assert_string_equal(b.data, "abc-42-x");
	assert_int_equal(b.len, 8);
	memset(big, 'z', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	meepo_buf_printf(&b, "%s|", big);
	assert_int_equal(b.len, 8 + 300);
	assert_int_equal(b.data[b.len], '\0');
	assert_int_equal(b.data[b.len - 1], '|');
	assert_true(b.cap > b.len);
	for (i = 0; i < 10000; i++) {
		meepo_buf_putc(&b, (char)('0' + i % 10));
	}
	assert_int_equal(b.len, 308 + 10000);
	assert_int_equal(b.data[b.len - 1], '9');
	assert_int_equal(strlen(b.data), b.len);
	i = b.cap;
	meepo_buf_reset(&b);
	assert_int_equal(b.len, 0);
	assert_int_equal(b.cap, i);
	assert_string_equal(b.data, "");
	meepo_buf_free(&b);
	assert_null(b.data);
	assert_int_equal(b.cap, 0);
	meepo_buf_puts(&b, "again");
	assert_string_equal(b.data, "again");
	meepo_buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reals),
		cmocka_unit_test(test_charsets),
		cmocka_unit_test(test_temporal_fractions),
		cmocka_unit_test(test_mysql_json),
		cmocka_unit_test(test_mysql_json_depth),
		cmocka_unit_test(test_buf),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
