/*
 * tests/unit/binlog/test_values.c - the real-server fixtures' rows in
 * meepo's text and JSON forms (meepo_value_append_text/json, and the
 * event serializer meepo_event_append_json), compared with what each
 * fixture's .expected.txt says the server wrote: the origin's expected
 * values, its mysqlbinlog -v output, or the SQL it ran.
 *
 * A row's text expectation is its columns' text forms joined by '|'; "*"
 * stands for a column the origin does not give (e.g. a now() value) and
 * "-" for a column not logged in the image (a NUL byte shows as \0). The JSON expectation has the
 * same shape with each column's JSON form; an optional event expectation
 * is the end of meepo_event_append_json's object, from "data". For
 * v8.0.22_rmc_json (no .expected.txt) the JSON documents' age and name are
 * compared with the generated columns the server computed from them.
 *
 * Concurrency: single-threaded test program.
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <meepo/sdk.h>

#include "fixture.h"
#include "json_lite.h"
#include "walk.h"

/* Most rows a case checks. */
#define MAX_ROWS 16

/* One expected row: '|'-joined text and JSON forms per image. */
struct row_expect {
	char action;                /* 'W', 'U' or 'D' */
	const char *before_text;    /* update, delete: text forms of the before image */
	const char *after_text;     /* write, update: text forms of the after image */
	const char *before_json;    /* JSON forms of the before image, or NULL (not checked) */
	const char *after_json;     /* JSON forms of the after image, or NULL */
	const char *event_tail;     /* end of the event's JSON from "data", or NULL */
};

/* The rows of one table of a fixture. */
struct values_case {
	const char *file;           /* fixture under tests/fixtures/mysql/ */
	const char *table;          /* "schema.table" whose rows are checked */
	bool prefix;                /* only the first nrows rows are checked */
	size_t nrows;               /* rows expected */
	struct row_expect rows[MAX_ROWS];
};

#define L100 "0123456789012345678901234567890123456789012345678901234567890123456789" \
             "012345678901234567890123456789"
#define L298 "0123456789012345678901234567890123456789012345678901234567890123456789" \
             "0123456789012345678901234567890123456789012345678901234567801234567890" \
             "1234567890123456789012345678901234567890123456789012345678901234567890" \
             "1234567890123456789012345678901234567890123456780123456789012345678901" \
             "234567890123456789"
/* The L_COMMENT of one LINEITEM row of v8.0.31_mysql-cdc-rs_02 (its sql.sql). */
#define CN_COMMENT "使用箭头标记 -> 不是 SQL 语句的一部分，它仅仅表示一个新行，如果一条 SQL " \
                   "语句太长，我们可以通过回车键来创建一个新行来编写 SQL 语句，SQL " \
                   "语句的命令结束符为分号 ;。"
/* LINEITEM / Demo columns 10..15 of every row of that sql.sql. */
#define LI_DATES "1990-08-01|1990-06-01|1990-01-01|test@test.com|test"

static const struct values_case cases[] = {
	/* Every before/after value of the origin (FULL metadata: names, members). */
	{ "v8.0.28_rmc_mysql-enum-string-set.000001", "mysql.t", false, 3,
	  { { 'W', NULL, L100 "|" L298 "|var1|one,three|0123456789", NULL,
	      "\"" L100 "\"|\"" L298 "\"|\"var1\"|[\"one\",\"three\"]|\"0123456789\"",
	      "\"data\":{\"f1\":\"" L100 "\",\"f2\":\"" L298 "\",\"f3\":\"var1\","
	      "\"f4\":[\"one\",\"three\"],\"f5\":\"0123456789\"}}" },
	    { 'U', L100 "|" L298 "|var1|one,three|0123456789",
	      "field1|field_2|variant2|two,four|" L298, NULL,
	      "\"field1\"|\"field_2\"|\"variant2\"|[\"two\",\"four\"]|\"" L298 "\"",
	      "\"data\":{\"f1\":\"field1\",\"f2\":\"field_2\",\"f3\":\"variant2\","
	      "\"f4\":[\"two\",\"four\"],\"f5\":\"" L298 "\"},\"old\":{\"f1\":\"" L100 "\","
	      "\"f2\":\"" L298 "\",\"f3\":\"var1\",\"f4\":[\"one\",\"three\"],"
	      "\"f5\":\"0123456789\"}}" },
	    { 'D', "field1|field_2|variant2|two,four|" L298, NULL, NULL, NULL, NULL } } },
	/* BIT(3) 4, TEXT 'foo', BIT(8) 32. */
	{ "v8.0.26_rmc_mysql_type_bit.000001", "mysql.foo", false, 1,
	  { { 'W', NULL, "4|foo|32", NULL, "4|\"foo\"|32",
	      "\"data\":{\"a\":4,\"b\":\"foo\",\"c\":32}}" } } },
	/* Negative TIME beyond 24 hours. */
	{ "v8.0.40_rmc_time_issue.000001", "noria.t", false, 1,
	  { { 'W', NULL, "-507:48:27", NULL, "\"-507:48:27\"",
	      "\"data\":{\"@1\":\"-507:48:27\"}}" } } },
	/* INT UNSIGNED above 2^31; a MINIMAL image leaves @2 and @4 out. */
	{ "v8.0.40_rmc_minimal_row_metadata.000001", "noria.t1", false, 1,
	  { { 'W', NULL, "1|-|a|-|3230202323", NULL, "1|-|\"a\"|-|3230202323",
	      "\"data\":{\"@1\":1,\"@3\":\"a\",\"@5\":3230202323}}" } } },
	/* mysqlbinlog -vvvvvv rows of the origin: every integer width. */
	{ "v8.2.0_mysql-cdc-rs_32_delete_rows_v2_binlog.000001", "test.int_table", false, 3,
	  { { 'W', NULL, "1|11|111|1111|11111|1", NULL, "1|11|111|1111|11111|1", NULL },
	    { 'U', "1|11|111|1111|11111|1", "1|22|222|1111|11111|1", NULL, NULL,
	      "\"data\":{\"@1\":1,\"@2\":22,\"@3\":222,\"@4\":1111,\"@5\":11111,\"@6\":1},"
	      "\"old\":{\"@2\":11,\"@3\":111}}" },
	    { 'D', "1|22|222|1111|11111|1", NULL, "1|22|222|1111|11111|1", NULL, NULL } } },
	/* MySQL 5.7 without optional metadata: mysqlbinlog -v rows of the origin. */
	{ "v5.7.32_zalora_gtid-fixtures_mysql-bin.01", "test_db.rooms", false, 7,
	  { { 'W', NULL, "1|Amazon|1", NULL, "1|\"Amazon\"|1", NULL },
	    { 'W', NULL, "2|War Room|1", NULL, NULL, NULL },
	    { 'W', NULL, "3|Office of CEO|1", NULL, NULL, NULL },
	    { 'W', NULL, "4|Marketing|2", NULL, NULL, NULL },
	    { 'W', NULL, "5|Showroom|2", NULL, NULL, NULL },
	    { 'U', "4|Marketing|2", "4|MARKETING|2", NULL, NULL,
	      "\"data\":{\"@1\":4,\"@2\":\"MARKETING\",\"@3\":2},\"old\":{\"@2\":\"Marketing\"}}" },
	    { 'U', "5|Showroom|2", "5|SHOWROOM|2", NULL, NULL, NULL } } },
	{ "v5.7.32_zalora_gtid-fixtures_mysql-bin.01", "test_db.buildings", false, 3,
	  { { 'W', NULL, "1|ACME Headquaters|3950 North 1st Street CA 95134", NULL, NULL, NULL },
	    { 'W', NULL, "2|ACME Sales|5000 North 1st Street CA 95134", NULL, NULL, NULL },
	    { 'D', "1|ACME Headquaters|3950 North 1st Street CA 95134", NULL,
	      "1|\"ACME Headquaters\"|\"3950 North 1st Street CA 95134\"", NULL, NULL } } },
	{ "v5.7.30_mysql-cdc-rs_32_delete_rows_v2_log.bin", "default.boxercrab", false, 2,
	  { { 'W', NULL, "1|abcde", NULL, "1|\"abcde\"", NULL },
	    { 'D', "1|abcde", NULL, "1|\"abcde\"", NULL, NULL } } },
	/*
	 * The origin's sql.sql: every column updated. Without optional metadata
	 * TEXT has no charset: BYTES, base64 in JSON (docs/events.md).
	 */
	{ "v5.7.30_mysql-cdc-rs_31_update_rows_v2_log.bin", "default.boxercrab", false, 1,
	  { { 'U', "1|abc|abc|abc|abc|abc|1|2|3.0000", "1|xd|xd|xd|xd|xd|4|4|4.0000",
	      "1|\"abc\"|\"abc\"|\"YWJj\"|\"YWJj\"|\"YWJj\"|1|2|3.0000",
	      "1|\"xd\"|\"xd\"|\"eGQ=\"|\"eGQ=\"|\"eGQ=\"|4|4|4.0000",
	      "\"data\":{\"@1\":1,\"@2\":\"xd\",\"@3\":\"xd\",\"@4\":\"eGQ=\",\"@5\":\"eGQ=\","
	      "\"@6\":\"eGQ=\",\"@7\":4,\"@8\":4,\"@9\":4.0000},\"old\":{\"@2\":\"abc\","
	      "\"@3\":\"abc\",\"@4\":\"YWJj\",\"@5\":\"YWJj\",\"@6\":\"YWJj\",\"@7\":1,\"@8\":2,"
	      "\"@9\":3.0000}}" } } },
	/* First row: id 1, DECIMAL(10,5) 0.1 shown as 0.10000 (comment not given). */
	{ "v5.7.24-percona_easypost_bin-log.000001", "bltest.foo", true, 1,
	  { { 'W', NULL, "1|0.10000|*", NULL, "1|0.10000|*", NULL } } },
	/*
	 * The ROWS_QUERY statements in the file: insert into b values(1); the
	 * update of product 55555 (enum_field 'large', set_field 'c',
	 * product_item_2 'product_3_value'); the insert of product 6666. now()
	 * values and the unknown before image are "*". Without member names
	 * (MINIMAL metadata) ENUM is its index and SET its mask: 'large' is
	 * member 4 in both rows, set 'd' mask 8 and 'c' mask 4. The BINARY(3)
	 * 'b3' keeps its zero byte.
	 */
	{ "v8.0.31_apecloud_mysql-bin.000057", "a.b", false, 1,
	  { { 'W', NULL, "1", NULL, "1", "\"data\":{\"@1\":1}}" } } },
	{ "v8.0.31_apecloud_mysql-bin.000057", "a.test_table_3", false, 2,
	  { { 'U', "55555|*|*|*|*|*|*|*|*|*|*|*|*|*|*|*|*|*|*|*",
	      "55555|*|*|*|*|*|4|4|b3\\0|*|product_3_value|*|*|*|*|*|*|*|*|*", NULL,
	      "55555|*|*|*|*|*|4|4|*|*|\"product_3_value\"|*|*|*|*|*|*|*|*|*", NULL },
	    { 'W', NULL,
	      "6666|product_item_value_2|*|111|description_1|*|4|8|b3\\0|{\"c\": 1}|"
	      "product_item_2_value|*|*|2222|description_3_value|*|*|222|description_4_value|*",
	      NULL,
	      "6666|\"product_item_value_2\"|*|111|\"description_1\"|*|4|8|\"YjMA\"|{\"c\": 1}|"
	      "\"product_item_2_value\"|*|*|2222|\"description_3_value\"|*|*|222|"
	      "\"description_4_value\"|*",
	      NULL } } },
	/* The origin's sql.sql: DECIMAL(12,3), (13,2), (10,1), (12,1); DATE from datetimes. */
	{ "v8.0.31_mysql-cdc-rs_02_query_bigger_binlog.000733", "test.LINEITEM", false, 9,
	  { { 'W', NULL, "1234567890111|1235111|13711|888878711|99.911|76.11|888.1|109.1|code|Y|"
	      LI_DATES "|com", NULL,
	      "1234567890111|1235111|13711|888878711|99.911|76.11|888.1|109.1|\"code\"|\"Y\"|"
	      "\"1990-08-01\"|\"1990-06-01\"|\"1990-01-01\"|\"test@test.com\"|\"test\"|\"com\"",
	      NULL },
	    { 'W', NULL, "12345678909876|12356789|13789|888878787|99.998|76.77|888.7|109.7|code|Y|"
	      LI_DATES "|com", NULL, NULL, NULL },
	    { 'W', NULL, "12345678909877|12356790|13789|888878788|99.997|76.88|888.1|109.8|code|Y|"
	      LI_DATES "|com", NULL, NULL, NULL },
	    { 'W', NULL, "12345678909878|12356791|13790|888878789|99.999|76.99|888.5|109.9|code|Y|"
	      LI_DATES "|" CN_COMMENT, NULL, NULL, NULL },
	    { 'W', NULL, "12345678909879|12356792|13791|888878790|99.995|76.01|888.3|109.1|code|Y|"
	      LI_DATES "|com", NULL, NULL, NULL },
	    { 'W', NULL, "12345678909880|12356792|13791|888878791|99.999|76.22|888.8|109.0|code|Y|"
	      LI_DATES "|com", NULL, NULL, NULL },
	    { 'U', "12345678909877|12356790|13789|888878788|99.997|76.88|888.1|109.8|code|Y|"
	      LI_DATES "|com",
	      "12345678909877|12356790|13789|888878788|88.880|76.88|888.1|109.8|"
	      "update L_RETURNFLAG |Y|" LI_DATES "|com", NULL, NULL,
	      "\"data\":{\"@1\":12345678909877,\"@2\":12356790,\"@3\":13789,\"@4\":888878788,"
	      "\"@5\":88.880,\"@6\":76.88,\"@7\":888.1,\"@8\":109.8,"
	      "\"@9\":\"update L_RETURNFLAG \",\"@10\":\"Y\",\"@11\":\"1990-08-01\","
	      "\"@12\":\"1990-06-01\",\"@13\":\"1990-01-01\",\"@14\":\"test@test.com\","
	      "\"@15\":\"test\",\"@16\":\"com\"},\"old\":{\"@5\":99.997,\"@9\":\"code\"}}" },
	    { 'D', "12345678909880|12356792|13791|888878791|99.999|76.22|888.8|109.0|code|Y|"
	      LI_DATES "|com", NULL, NULL, NULL, NULL },
	    { 'D', "12345678909879|12356792|13791|888878790|99.995|76.01|888.3|109.1|code|Y|"
	      LI_DATES "|com", NULL, NULL, NULL, NULL } } },
	{ "v8.0.31_mysql-cdc-rs_02_query_bigger_binlog.000733", "test.Demo", false, 5,
	  { { 'W', NULL, "12345678909876|12356789|13789|888878787|99.998|76.77|888.7|109.7|code|"
	      "NULL|" LI_DATES "|NULL", NULL, NULL,
	      "\"data\":{\"@1\":12345678909876,\"@2\":12356789,\"@3\":13789,\"@4\":888878787,"
	      "\"@5\":99.998,\"@6\":76.77,\"@7\":888.7,\"@8\":109.7,\"@9\":\"code\",\"@10\":null,"
	      "\"@11\":\"1990-08-01\",\"@12\":\"1990-06-01\",\"@13\":\"1990-01-01\","
	      "\"@14\":\"test@test.com\",\"@15\":\"test\",\"@16\":null}}" },
	    { 'W', NULL, "12345678909877|12356790|13789|888878788|99.997|76.88|888.1|109.8|code|Y|"
	      LI_DATES "|NULL", NULL, NULL, NULL },
	    { 'W', NULL, "12345678909878|12356791|13790|888878789|99.999|76.99|888.5|109.9|code|"
	      "NULL|" LI_DATES "|NULL", NULL, NULL, NULL },
	    { 'W', NULL, "12345678909879|12356792|13791|888878790|99.995|76.01|888.3|109.1|code|Y|"
	      LI_DATES "|NULL", NULL, NULL, NULL },
	    { 'W', NULL, "12345678909880|12356792|13791|888878791|99.999|76.22|888.8|109.0|code|Y|"
	      LI_DATES "|NULL", NULL, NULL, NULL } } },
	/*
	 * MySQL binary JSON with OPAQUE scalars, printed as MySQL prints them:
	 * the opaque DECIMALs as numbers (123.456, 9.00), like MySQL's own
	 * JSON output (the origin's expectations quote them as strings).
	 */
	{ "v9.0.1_rmc_json-opaque.binlog", "foo.test", false, 8,
	  { { 'W', NULL, "{\"a\": \"base64:type15:VQ==\"}", NULL, "{\"a\": \"base64:type15:VQ==\"}",
	      "\"data\":{\"a\":{\"a\": \"base64:type15:VQ==\"}}}" },
	    { 'W', NULL, "{\"b\": \"2012-03-18\"}", NULL, "{\"b\": \"2012-03-18\"}", NULL },
	    { 'W', NULL, "{\"c\": \"2012-03-18 11:30:45.000000\"}", NULL,
	      "{\"c\": \"2012-03-18 11:30:45.000000\"}", NULL },
	    { 'W', NULL, "{\"c\": \"87:31:46.654321\"}", NULL, "{\"c\": \"87:31:46.654321\"}", NULL },
	    { 'W', NULL, "{\"d\": 123.456}", NULL, "{\"d\": 123.456}", NULL },
	    { 'W', NULL, "{\"e\": 9.00}", NULL, "{\"e\": 9.00}", NULL },
	    { 'W', NULL, "{\"e\": [0, 1, true, false]}", NULL, "{\"e\": [0, 1, true, false]}",
	      NULL },
	    { 'W', NULL, "{\"e\": null}", NULL, "{\"e\": null}",
	      "\"data\":{\"a\":{\"e\": null}}}" } } },
	/* VECTOR(3) as base64 of its little-endian floats (1.1, 2.2, 3.3 and 1, -1, 0). */
	{ "v9.0.1_rmc_vector.binlog", "dtb.foo", true, 2,
	  { { 'W', NULL, "1|*", NULL, "1|\"zcyMP83MDEAzM1NA\"",
	      "\"data\":{\"id\":1,\"vector_column\":\"zcyMP83MDEAzM1NA\"}}" },
	    { 'W', NULL, "2|*", NULL, "2|\"AACAPwAAgL8AAAAA\"", NULL } } },
};

/* Rows of one table rendered while walking a fixture. */
struct capture {
	const struct values_case *c;    /* the case (NULL for the other checks) */
	const struct walk_stats *st;    /* the walk's state (current timestamp, GTIDs) */
	size_t nrows;                   /* rows of the table seen */
	uint32_t first_ts;              /* header timestamp of the first row's event */
	char first_gtid[128];           /* GTID of the first row's transaction */
	size_t failures;                /* mismatches printed */
	size_t json_checked;            /* v8.0.22_rmc_json: documents compared */
};

/* Rewrites the NUL bytes written from `start` on as the text \0 (BINARY's zero padding). */
static void show_nul(struct meepo_buf *out, size_t start)
{
	size_t i;

	for (i = start; i < out->len; i++) {
		if (out->data[i] == '\0') {
			out->data[i] = '\\';
			meepo_buf_putc(out, ' ');
			memmove(out->data + i + 2, out->data + i + 1, out->len - i - 2);
			out->data[++i] = '0';
		}
	}
}

/*
 * Renders one image as '|'-joined text or JSON forms ("-" for absent
 * columns, NUL bytes as \0).
 */
static void render(struct meepo_buf *out, const struct binlog_table *t,
                   const struct meepo_value *image, bool json)
{
	size_t start;
	uint32_t i;
	int r;

	meepo_buf_reset(out);
	meepo_buf_puts(out, "");
	for (i = 0; i < t->table.ncolumns; i++) {
		if (i > 0) {
			meepo_buf_putc(out, '|');
		}
		if (image[i].type == MEEPO_VALUE_ABSENT) {
			meepo_buf_putc(out, '-');
			continue;
		}
		start = out->len;
		r = json ? meepo_value_append_json(out, &image[i])
		         : meepo_value_append_text(out, &image[i]);
		assert_int_equal(r, 0);
		show_nul(out, start);
	}
}

/* Compares rendered fields with an expectation, "*" matching any field. */
static bool fields_match(const char *got, const char *want)
{
	const char *g = got;
	const char *w = want;
	size_t glen;
	size_t wlen;

	for (;;) {
		glen = strcspn(g, "|");
		wlen = strcspn(w, "|");
		if (!(wlen == 1 && w[0] == '*') && (glen != wlen || memcmp(g, w, glen) != 0)) {
			return false;
		}
		if (g[glen] == '\0' || w[wlen] == '\0') {
			return g[glen] == w[wlen];
		}
		g += glen + 1;
		w += wlen + 1;
	}
}

static void expect_fields(struct capture *cap, const char *what, const char *got,
                          const char *want)
{
	if (want != NULL && !fields_match(got, want)) {
		print_error("%s %s row %zu %s:\n  got  %s\n  want %s\n", cap->c->file, cap->c->table,
		            cap->nrows, what, got, want);
		cap->failures++;
	}
}

/* The end of the event's JSON object, from "data", must be `want`. */
static void expect_event(struct capture *cap, const struct binlog_table *t,
                         enum meepo_action action, const struct meepo_value *before,
                         const struct meepo_value *after, const char *want)
{
	struct meepo_event ev = { &t->table, action, before, after, "f", 4, 4, NULL, 1, 0, 0,
		                  0, true };
	struct meepo_buf buf = { NULL, 0, 0 };
	const char *data;

	assert_int_equal(meepo_event_append_json(&buf, &ev), 0);
	data = strstr(buf.data, ",\"data\":");
	if (data == NULL || strcmp(data + 1, want) != 0) {
		print_error("%s %s row %zu event:\n  got  %s\n  want %s\n", cap->c->file,
		            cap->c->table, cap->nrows, buf.data, want);
		cap->failures++;
	}
	meepo_buf_free(&buf);
}

static void on_row(void *arg, const struct binlog_table *t, enum meepo_action action,
                   const struct meepo_value *before, const struct meepo_value *after)
{
	struct capture *cap = arg;
	const struct values_case *c = cap->c;
	const struct row_expect *e;
	struct meepo_buf buf = { NULL, 0, 0 };
	char name[160];

	snprintf(name, sizeof(name), "%s.%s", t->table.schema, t->table.name);
	if (strcmp(name, c->table) != 0) {
		return;
	}
	if (cap->nrows >= c->nrows) {
		cap->nrows++;
		return;
	}
	e = &c->rows[cap->nrows];
	if (e->action != (action == MEEPO_WRITE ? 'W' : action == MEEPO_UPDATE ? 'U' : 'D')) {
		print_error("%s %s row %zu: action %d, want %c\n", c->file, c->table, cap->nrows,
		            (int)action, e->action);
		cap->failures++;
	}
	if (before != NULL) {
		render(&buf, t, before, false);
		expect_fields(cap, "before (text)", buf.data, e->before_text);
		render(&buf, t, before, true);
		expect_fields(cap, "before (JSON)", buf.data, e->before_json);
	}
	if (after != NULL) {
		render(&buf, t, after, false);
		expect_fields(cap, "after (text)", buf.data, e->after_text);
		render(&buf, t, after, true);
		expect_fields(cap, "after (JSON)", buf.data, e->after_json);
	}
	if (e->event_tail != NULL) {
		expect_event(cap, t, action, before, after, e->event_tail);
	}
	meepo_buf_free(&buf);
	cap->nrows++;
}

/* Walks a fixture with a row callback; fails on a decoding error. */
static void walk_fixture(const char *file, walk_row_fn fn, struct capture *cap,
                         struct walk_stats *st)
{
	size_t len;
	uint8_t *bytes = fixture_read("mysql", file, &len);
	char err[512] = "";

	st->on_row = fn;
	st->arg = cap;
	if (walk_binlog(bytes, len, st, err, sizeof(err)) != 0) {
		fail_msg("%s: %s", file, err);
	}
	free(bytes);
}

static void test_case(void **state)
{
	const struct values_case *c = *state;
	struct walk_stats *st = calloc(1, sizeof(*st));
	struct capture cap = { c, NULL, 0, 0, "", 0, 0 };

	assert_non_null(st);
	walk_fixture(c->file, on_row, &cap, st);
	if (c->prefix ? cap.nrows < c->nrows : cap.nrows != c->nrows) {
		fail_msg("%s: %zu rows of %s, %zu expected", c->file, cap.nrows, c->table, c->nrows);
	}
	assert_int_equal(cap.failures, 0);
	free(st);
}

/* Notes the timestamp and GTID of the first row of bltest.foo. */
static void on_first_row(void *arg, const struct binlog_table *t, enum meepo_action action,
                         const struct meepo_value *before, const struct meepo_value *after)
{
	struct capture *cap = arg;
	const struct walk_stats *st = cap->st;

	(void)action;
	(void)before;
	(void)after;
	if (cap->nrows++ == 0 && strcmp(t->table.name, "foo") == 0) {
		cap->first_ts = st->timestamp;
		snprintf(cap->first_gtid, sizeof(cap->first_gtid), "%s", st->gtids[st->ngtids - 1]);
	}
}

/* The first row-carrying transaction: timestamp 1550192291, GTID ...:14918. */
static void test_easypost_transaction(void **state)
{
	struct walk_stats *st = calloc(1, sizeof(*st));
	struct capture cap = { NULL, NULL, 0, 0, "", 0, 0 };

	(void)state;
	assert_non_null(st);
	cap.st = st;
	walk_fixture("v5.7.24-percona_easypost_bin-log.000001", on_first_row, &cap, st);
	assert_int_equal(cap.first_ts, 1550192291);
	assert_string_equal(cap.first_gtid, "87cee3a4-6b31-11e7-bdfd-0d98d6698870:14918");
	free(st);
}

/*
 * v8.0.22_rmc_json: in every image that holds the JSON document (@2), its
 * "name" and "age" are what the server's generated columns @3
 * (json_col->>'$.name') and @4 (json_col->'$.age') hold.
 */
static void on_json_row(void *arg, const struct binlog_table *t, enum meepo_action action,
                        const struct meepo_value *before, const struct meepo_value *after)
{
	const struct meepo_value *images[2] = { before, after };
	struct capture *cap = arg;
	struct meepo_buf doc = { NULL, 0, 0 };
	struct meepo_buf col = { NULL, 0, 0 };
	const struct jl_value *age;
	const struct jl_value *name;
	struct jl_value *v;
	char err[128];
	size_t k;

	(void)action;
	assert_int_equal(t->table.ncolumns, 4);
	for (k = 0; k < 2; k++) {
		if (images[k] == NULL || images[k][1].type == MEEPO_VALUE_ABSENT) {
			continue;
		}
		meepo_buf_reset(&doc);
		assert_int_equal(meepo_value_append_json(&doc, &images[k][1]), 0);
		v = jl_parse(doc.data, doc.len, err, sizeof(err));
		if (v == NULL) {
			fail_msg("document %s is not JSON: %s", doc.data, err);
		}
		name = jl_get(v, "name");
		age = jl_get(v, "age");
		assert_non_null(name);
		assert_non_null(age);
		meepo_buf_reset(&col);
		assert_int_equal(meepo_value_append_text(&col, &images[k][2]), 0);
		assert_int_equal(name->type, JL_STRING);
		assert_string_equal(name->str, col.data);
		meepo_buf_reset(&col);
		assert_int_equal(meepo_value_append_text(&col, &images[k][3]), 0);
		assert_int_equal(age->type, JL_NUMBER);
		assert_string_equal(age->str, col.data);
		jl_free(v);
		cap->json_checked++;
	}
	meepo_buf_free(&doc);
	meepo_buf_free(&col);
}

static void test_json_generated_columns(void **state)
{
	struct walk_stats *st = calloc(1, sizeof(*st));
	struct capture cap = { NULL, NULL, 0, 0, "", 0, 0 };

	(void)state;
	assert_non_null(st);
	walk_fixture("v8.0.22_rmc_json.binlog.000001", on_json_row, &cap, st);
	/* 6 inserted documents, 6 updates with both images; the partial update logs none. */
	assert_int_equal(cap.json_checked, 18);
	free(st);
}

/*
 * Where each .expected.txt is compared. Every one must be listed, so that a
 * new fixture with expectations does not go unchecked.
 */
static const char *const expected_files[][2] = {
	{ "v5.7.12-aurora_osheroff_mysql-bin.aurora-padding", "test_fixtures.c: event order" },
	{ "v5.7.20_osheroff_mysql-bin.checksum-none", "test_fixtures.c: 191 events" },
	{ "v5.7.21_osheroff_mysql-bin.checksum-crc32", "test_fixtures.c: 303 events" },
	{ "v5.7.24-percona_easypost_bin-log.000001", "here: first row, its timestamp and GTID" },
	{ "v5.7.30_mysql-cdc-rs_31_update_rows_v2_log.bin", "here: the update" },
	{ "v5.7.30_mysql-cdc-rs_32_delete_rows_v2_log.bin", "here and test_rows.c" },
	{ "v5.7.32_zalora_gtid-fixtures_mysql-bin.01", "here and test_rows.c" },
	{ "v8.0.26_rmc_mysql_type_bit.000001", "here and test_rows.c" },
	{ "v8.0.28_osheroff_mysql-bin.compressed", "test_fixtures.c: event order (no values)" },
	{ "v8.0.28_rmc_mysql-enum-string-set.000001", "here and test_rows.c" },
	{ "v8.0.31_apecloud_mysql-bin.000057", "here (rows of its ROWS_QUERY statements)" },
	{ "v8.0.31_mysql-cdc-rs_02_query_bigger_binlog.000733", "here (rows of its sql.sql)" },
	{ "v8.0.32_rmc_transaction_compression.000001", "test_fixtures.c: payload order" },
	{ "v8.0.40_rmc_binlog_transaction_previous_GTID_no_tag.000001",
	  "test_fixtures.c: events (meepo does not decode PREVIOUS_GTIDS)" },
	{ "v8.0.40_rmc_minimal_row_metadata.000001", "here and test_rows.c" },
	{ "v8.0.40_rmc_time_issue.000001", "here and test_rows.c" },
	{ "v8.2.0_mysql-cdc-rs_32_delete_rows_v2_binlog.000001", "here and test_rows.c" },
	{ "v9.0.1_rmc_json-opaque.binlog", "here" },
	{ "v9.0.1_rmc_vector.binlog", "here and test_rows.c" },
	{ "v9.6.0_rmc_binlog_transaction_with_GTID_TAG.000001",
	  "test_fixtures.c: tagged GTID (meepo does not decode PREVIOUS_GTIDS)" },
};

static void test_every_expected_file_listed(void **state)
{
	char *dir = fixture_path("mysql", "");
	DIR *d = opendir(dir);
	const char *suffix = ".expected.txt";
	struct dirent *e;
	size_t n = 0;
	size_t len;
	size_t i;

	(void)state;
	assert_non_null(d);
	while ((e = readdir(d)) != NULL) {
		len = strlen(e->d_name);
		if (len <= strlen(suffix) || strcmp(e->d_name + len - strlen(suffix), suffix) != 0) {
			continue;
		}
		for (i = 0; i < sizeof(expected_files) / sizeof(expected_files[0]); i++) {
			if (strlen(expected_files[i][0]) == len - strlen(suffix) &&
			    strncmp(expected_files[i][0], e->d_name, len - strlen(suffix)) == 0) {
				break;
			}
		}
		if (i == sizeof(expected_files) / sizeof(expected_files[0])) {
			fail_msg("%s is not compared by any test (list it in expected_files[])",
			         e->d_name);
		}
		n++;
	}
	closedir(d);
	free(dir);
	assert_int_equal(n, sizeof(expected_files) / sizeof(expected_files[0]));
}

int main(void)
{
	static char names[sizeof(cases) / sizeof(cases[0])][200];
	struct CMUnitTest tests[sizeof(cases) / sizeof(cases[0]) + 3];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(names[i], sizeof(names[i]), "%s %s", cases[i].file, cases[i].table);
		tests[i] = (struct CMUnitTest){ names[i], test_case, NULL, NULL, (void *)&cases[i] };
	}
	tests[i++] = (struct CMUnitTest)cmocka_unit_test(test_easypost_transaction);
	tests[i++] = (struct CMUnitTest)cmocka_unit_test(test_json_generated_columns);
	tests[i++] = (struct CMUnitTest)cmocka_unit_test(test_every_expected_file_listed);
	return _cmocka_run_group_tests("binlog-values", tests, i, NULL, NULL);
}
