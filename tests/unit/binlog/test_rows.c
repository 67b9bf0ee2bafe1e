/*
 * tests/unit/binlog/test_rows.c - row values decoded from the real-server
 * fixtures, compared with their .expected.txt (integers, strings, ENUM
 * indexes, SET masks, BIT values, TIME parts, VECTOR bytes), plus the table
 * descriptions that optional metadata gives (names, charsets, signedness,
 * ENUM/SET members, primary key) and binlog_table_complete().
 *
 * Rows are rendered compactly, one line per row, without any of meepo's
 * text formatting: "W > v|v|..", "U v|v|.. > v|v|..", "D v|v|..", where a
 * value is `-` (absent), NULL, 12 (signed), 12u (unsigned), 'text',
 * x'hex' (bytes), eN (ENUM index), sN (SET mask), bN (BIT), T-h:m:s.us,
 * v'hex' (VECTOR), jN (JSON of N bytes), or ?type for others.
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

#include "fixture.h"
#include "walk.h"

/* Rows kept per walk. */
#define MAX_LINES 32
/* Longest rendered row. */
#define LINE_MAX_LEN 2048

/* Rendered rows of one walk, and the first table descriptions seen. */
struct capture {
	size_t nlines;                          /* rows rendered (may exceed MAX_LINES) */
	char lines[MAX_LINES][LINE_MAX_LEN];    /* the first MAX_LINES rows */
	struct binlog_table *first;             /* copy of the first rows' table */
	bool has_names;                         /* its flags before the copy */
	bool has_key;
	bool has_signedness;
};

/* Appends printf output to a line, truncating at its end. */
__attribute__((format(printf, 2, 3))) static void put(char *line, const char *fmt, ...)
{
	size_t n = strlen(line);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line + n, LINE_MAX_LEN - n, fmt, ap);
	va_end(ap);
}

static void put_hex(char *line, const char *prefix, const char *p, size_t len)
{
	size_t i;

	put(line, "%s'", prefix);
	for (i = 0; i < len; i++) {
		put(line, "%02x", (unsigned char)p[i]);
	}
	put(line, "'");
}

static void put_value(char *line, const struct meepo_value *v)
{
	size_t i;

	switch (v->type) {
	case MEEPO_VALUE_ABSENT:
		put(line, "-");
		break;
	case MEEPO_VALUE_NULL:
		put(line, "NULL");
		break;
	case MEEPO_VALUE_INT:
		put(line, "%lld", (long long)v->i);
		break;
	case MEEPO_VALUE_UINT:
		put(line, "%lluu", (unsigned long long)v->u);
		break;
	case MEEPO_VALUE_BIT:
		put(line, "b%llu", (unsigned long long)v->u);
		break;
	case MEEPO_VALUE_ENUM:
		put(line, "e%llu", (unsigned long long)v->enumset.bits);
		break;
	case MEEPO_VALUE_SET:
		put(line, "s%llu", (unsigned long long)v->enumset.bits);
		break;
	case MEEPO_VALUE_STRING:
		put(line, "'");
		for (i = 0; i < v->str.len; i++) {
			unsigned char c = (unsigned char)v->str.ptr[i];

			put(line, c >= 0x20 && c < 0x7f ? "%c" : "\\x%02x", c);
		}
		put(line, "'");
		break;
	case MEEPO_VALUE_BYTES:
		put_hex(line, "x", v->str.ptr, v->str.len);
		break;
	case MEEPO_VALUE_VECTOR:
		put_hex(line, "v", v->str.ptr, v->str.len);
		break;
	case MEEPO_VALUE_JSON:
		put(line, "j%zu", v->json.len);
		break;
	case MEEPO_VALUE_TIME:
		put(line, "T%s%u:%02u:%02u.%06u", v->time.negative ? "-" : "", v->time.hour,
		    v->time.minute, v->time.second, v->time.microsecond);
		break;
	default:
		put(line, "?%d", (int)v->type);
		break;
	}
}

static void put_image(char *line, const struct meepo_value *values, uint32_t n)
{
	uint32_t i;

	for (i = 0; i < n; i++) {
		if (i > 0) {
			put(line, "|");
		}
		put_value(line, &values[i]);
	}
}

/* Copies a table through binlog_table_complete() with its own names and key. */
static struct binlog_table *table_copy(const struct binlog_table *t)
{
	const char **names = calloc(t->table.ncolumns + 1, sizeof(*names));
	struct binlog_table *copy;
	uint32_t i;

	assert_non_null(names);
	for (i = 0; i < t->table.ncolumns; i++) {
		names[i] = t->table.columns[i].name;
	}
	copy = binlog_table_complete(t, &(struct binlog_table_overlay){
		.names = names, .key = t->table.key, .nkey = t->table.nkey });
	assert_non_null(copy);
	free(names);
	return copy;
}

static void on_row(void *arg, const struct binlog_table *t, enum meepo_action action,
                   const struct meepo_value *before, const struct meepo_value *after)
{
	struct capture *c = arg;
	char *line;

	if (c->first == NULL) {
		c->first = table_copy(t);
		c->has_names = t->has_names;
		c->has_key = t->has_key;
		c->has_signedness = t->has_signedness;
	}
	if (c->nlines >= MAX_LINES) {
		c->nlines++;
		return;
	}
	line = c->lines[c->nlines++];
	line[0] = '\0';
	put(line, "%c", action == MEEPO_WRITE ? 'W' : action == MEEPO_UPDATE ? 'U' : 'D');
	if (before) {
		put(line, " ");
		put_image(line, before, t->table.ncolumns);
	}
	if (after) {
		put(line, " > ");
		put_image(line, after, t->table.ncolumns);
	}
}

/* Walks a fixture of tests/fixtures/DIR and renders its rows into c (caller frees c->first). */
static void capture_rows_in(const char *dir, const char *file, struct capture *c)
{
	struct walk_stats *st = calloc(1, sizeof(*st));
	size_t len;
	uint8_t *buf = fixture_read(dir, file, &len);
	char err[512] = "";

	assert_non_null(st);
	memset(c, 0, sizeof(*c));
	st->on_row = on_row;
	st->arg = c;
	if (walk_binlog(buf, len, st, err, sizeof(err)) != 0) {
		fail_msg("%s: %s", file, err);
	}
	free(buf);
	free(st);
}

/* capture_rows_in() for the MySQL fixtures. */
static void capture_rows(const char *file, struct capture *c)
{
	capture_rows_in("mysql", file, c);
}

/* Asserts the rendered rows equal `want` (NULL-terminated), all of them. */
static void assert_rows(const struct capture *c, const char *const *want)
{
	size_t i;

	for (i = 0; want[i] != NULL; i++) {
		assert_true(i < c->nlines);
		assert_string_equal(c->lines[i], want[i]);
	}
	assert_int_equal(c->nlines, i);
}

/* A column as "name type meta charset unsigned nullable". */
static void assert_column(const struct meepo_column *col, const char *name, uint8_t type,
                          uint16_t meta, uint16_t charset, bool is_unsigned, bool nullable)
{
	assert_string_equal(col->name, name);
	assert_int_equal(col->type, type);
	assert_int_equal(col->meta, meta);
	assert_int_equal(col->charset, charset);
	assert_int_equal(col->is_unsigned, is_unsigned);
	assert_int_equal(col->nullable, nullable);
}

static void assert_members(const struct meepo_column *col, const char *const *want)
{
	size_t i;

	assert_non_null(col->names);
	for (i = 0; want[i] != NULL; i++) {
		assert_true(i < col->names->count);
		assert_string_equal(col->names->names[i], want[i]);
	}
	assert_int_equal(col->names->count, i);
}

#define L100 "0123456789012345678901234567890123456789012345678901234567890123456789" \
             "012345678901234567890123456789"
#define L298 "0123456789012345678901234567890123456789012345678901234567890123456789" \
             "0123456789012345678901234567890123456789012345678901234567801234567890" \
             "1234567890123456789012345678901234567890123456789012345678901234567890" \
             "1234567890123456789012345678901234567890123456780123456789012345678901" \
             "234567890123456789"

/* FULL metadata: names, ENUM/SET members and charsets; CHAR/VARCHAR/ENUM/SET/TEXT values. */
static void test_enum_string_set(void **state)
{
	static const char *const rows[] = {
		"W > '" L100 "'|'" L298 "'|e1|s5|'0123456789'",
		"U '" L100 "'|'" L298 "'|e1|s5|'0123456789' > 'field1'|'field_2'|e2|s10|'" L298 "'",
		"D 'field1'|'field_2'|e2|s10|'" L298 "'",
		NULL,
	};
	static const char *const f3[] = { "var1", "variant2", "foo", NULL };
	static const char *const f4[] = { "one", "two", "three", "four", NULL };
	struct capture *c = calloc(1, sizeof(*c));
	const struct meepo_column *cols;

	(void)state;
	assert_non_null(c);
	capture_rows("v8.0.28_rmc_mysql-enum-string-set.000001", c);
	assert_rows(c, rows);
	assert_true(c->has_names);
	assert_false(c->has_key);
	assert_false(c->has_signedness);
	cols = c->first->table.columns;
	/* CHAR(128) utf8mb4: STRING, 512 bytes (0xfe ^ (2 << 4) = 0xde, 0x00). */
	assert_column(&cols[0], "f1", 254, 0xde00, 255, false, true);
	assert_column(&cols[1], "f2", 15, 1200, 255, false, true);
	assert_column(&cols[2], "f3", 247, 0xf701, 255, false, true);
	assert_column(&cols[3], "f4", 248, 0xf801, 255, false, true);
	assert_column(&cols[4], "f5", 252, 2, 255, false, true);
	assert_members(&cols[2], f3);
	assert_members(&cols[3], f4);
	assert_null(cols[0].names);
	binlog_table_free(c->first);
	free(c);
}

/* Every integer width, signed (SIGNEDNESS metadata), insert/update/delete. */
/*
 * MariaDB counts YEAR in the SIGNEDNESS bitmap (MySQL does not): an INT
 * after a YEAR must stay signed, a BIGINT UNSIGNED unsigned
 * (tests/fixtures/mariadb/year_sign.sql; this renderer shows YEAR as "?7").
 */
static void test_mariadb_year_signedness(void **state)
{
	static const char *const rows[] = {
		"W > 1|?7|18446744073709551515u|228u|-5",
		NULL,
	};
	struct capture *c = calloc(1, sizeof(*c));

	(void)state;
	assert_non_null(c);
	capture_rows_in("mariadb", "year_sign.binlog", c);
	assert_rows(c, rows);
	binlog_table_free(c->first);
	free(c);
}

static void test_int_table(void **state)
{
	static const char *const rows[] = {
		"W > 1|11|111|1111|11111|1",
		"U 1|11|111|1111|11111|1 > 1|22|222|1111|11111|1",
		"D 1|22|222|1111|11111|1",
		NULL,
	};
	struct capture *c = calloc(1, sizeof(*c));

	(void)state;
	assert_non_null(c);
	capture_rows("v8.2.0_mysql-cdc-rs_32_delete_rows_v2_binlog.000001", c);
	assert_rows(c, rows);
	assert_true(c->has_signedness);
	assert_false(c->has_names);
	assert_string_equal(c->first->table.columns[0].name, "@1");
	assert_string_equal(c->first->table.columns[5].name, "@6");
	binlog_table_free(c->first);
	free(c);
}

/*
 * MINIMAL metadata with COLUMN_CHARSET and an INT UNSIGNED above 2^31. The
 * origin numbers columns from 0: its "@2" (collation 255) and "@4" (value
 * 3230202323) are the 3rd and 5th columns, @3 and @5 here (1-based).
 * The row image is MINIMAL too: @2 and @4 are not logged.
 */
static void test_minimal_row_metadata(void **state)
{
	static const char *const rows[] = { "W > 1|-|'a'|-|3230202323u", NULL };
	struct capture *c = calloc(1, sizeof(*c));
	const struct meepo_column *cols;

	(void)state;
	assert_non_null(c);
	capture_rows("v8.0.40_rmc_minimal_row_metadata.000001", c);
	assert_rows(c, rows);
	cols = c->first->table.columns;
	assert_column(&cols[0], "@1", 3, 0, 0, false, false);
	assert_column(&cols[1], "@2", 252, 2, 63, false, true);
	assert_column(&cols[2], "@3", 254, 0xfe08, 255, false, true);
	assert_column(&cols[4], "@5", 3, 0, 0, true, true);
	binlog_table_free(c->first);
	free(c);
}

/* BIT(3), TEXT, BIT(8). */
static void test_bit(void **state)
{
	static const char *const rows[] = { "W > b4|'foo'|b32", NULL };
	struct capture *c = calloc(1, sizeof(*c));
	const struct meepo_column *cols;

	(void)state;
	assert_non_null(c);
	capture_rows("v8.0.26_rmc_mysql_type_bit.000001", c);
	assert_rows(c, rows);
	cols = c->first->table.columns;
	/* BIT meta: bytes << 8 | bits. */
	assert_column(&cols[0], "a", 16, 0x0003, 0, false, true);
	assert_column(&cols[2], "c", 16, 0x0100, 0, false, true);
	binlog_table_free(c->first);
	free(c);
}

/* Negative TIME beyond 24 hours: '-507:48:27'. */
static void test_time(void **state)
{
	static const char *const rows[] = { "W > T-507:48:27.000000", NULL };
	struct capture *c = calloc(1, sizeof(*c));

	(void)state;
	assert_non_null(c);
	capture_rows("v8.0.40_rmc_time_issue.000001", c);
	assert_rows(c, rows);
	binlog_table_free(c->first);
	free(c);
}

/*
 * JSON rows, then PARTIAL_UPDATE_ROWS with MINIMAL images: the before image
 * holds only id; the after image a JSON diff (reported absent) and the
 * generated columns, whose ages the server computed: 26, 34, 42, 26, 34, 42.
 */
static void test_partial_json(void **state)
{
	struct capture *c = calloc(1, sizeof(*c));
	static const char *const partial[] = {
		"U 1|-|-|- > -|-|'Joe'|26", "U 2|-|-|- > -|-|'Sue'|34", "U 3|-|-|- > -|-|'Pete'|42",
		"U 4|-|-|- > -|-|'Joe'|26", "U 5|-|-|- > -|-|'Sue'|34", "U 6|-|-|- > -|-|'Pete'|42",
	};
	size_t i;

	(void)state;
	assert_non_null(c);
	capture_rows("v8.0.22_rmc_json.binlog.000001", c);
	assert_int_equal(c->nlines, 18);
	assert_true(strncmp(c->lines[0], "W > 1|j", 7) == 0);
	assert_non_null(strstr(c->lines[0], "|'Joe'|24"));
	assert_non_null(strstr(c->lines[6], "|'Joe'|24 > 1|j"));
	assert_non_null(strstr(c->lines[6], "|'Joe'|25"));
	for (i = 0; i < 6; i++) {
		assert_string_equal(c->lines[12 + i], partial[i]);
	}
	binlog_table_free(c->first);
	free(c);
}

/* VECTOR bytes, SIMPLE_PRIMARY_KEY, BIGINT UNSIGNED id. */
static void test_vector(void **state)
{
	struct capture *c = calloc(1, sizeof(*c));
	const struct meepo_column *cols;

	(void)state;
	assert_non_null(c);
	capture_rows("v9.0.1_rmc_vector.binlog", c);
	assert_string_equal(c->lines[0], "W > 1u|v'cdcc8c3fcdcc0c4033335340'");
	assert_string_equal(c->lines[1], "W > 2u|v'0000803f000080bf00000000'");
	assert_true(c->has_key);
	assert_int_equal(c->first->table.nkey, 1);
	assert_int_equal(c->first->table.key[0], 0);
	cols = c->first->table.columns;
	assert_column(&cols[0], "id", 8, 0, 0, true, false);
	assert_column(&cols[1], "vector_column", 242, 4, 63, false, false);
	binlog_table_free(c->first);
	free(c);
}

/* MySQL 5.7 (no optional metadata): the mysqlbinlog -v rows of the origin. */
static void test_zalora(void **state)
{
	static const char *const rows[] = {
		"W > 1|'ACME Headquaters'|'3950 North 1st Street CA 95134'",
		"W > 2|'ACME Sales'|'5000 North 1st Street CA 95134'",
		"W > 1|'Amazon'|1",
		"W > 2|'War Room'|1",
		"W > 3|'Office of CEO'|1",
		"W > 4|'Marketing'|2",
		"W > 5|'Showroom'|2",
		"U 4|'Marketing'|2 > 4|'MARKETING'|2",
		"U 5|'Showroom'|2 > 5|'SHOWROOM'|2",
		"D 1|'ACME Headquaters'|'3950 North 1st Street CA 95134'",
		NULL,
	};
	struct capture *c = calloc(1, sizeof(*c));

	(void)state;
	assert_non_null(c);
	capture_rows("v5.7.32_zalora_gtid-fixtures_mysql-bin.01", c);
	assert_rows(c, rows);
	/* Without metadata the charset is unknown; VARCHAR strings decode as text. */
	assert_false(c->has_names);
	assert_int_equal(c->first->table.columns[1].charset, 0);
	binlog_table_free(c->first);
	free(c);
}

/* MySQL 5.7: insert then delete of (1, 'abcde'). */
static void test_cdc_delete(void **state)
{
	static const char *const rows[] = { "W > 1|'abcde'", "D 1|'abcde'", NULL };
	struct capture *c = calloc(1, sizeof(*c));

	(void)state;
	assert_non_null(c);
	capture_rows("v5.7.30_mysql-cdc-rs_32_delete_rows_v2_log.bin", c);
	assert_rows(c, rows);
	binlog_table_free(c->first);
	free(c);
}

/* Percona 5.7: the first row's id is 1 (the DECIMAL is not rendered here). */
static void test_easypost(void **state)
{
	struct capture *c = calloc(1, sizeof(*c));

	(void)state;
	assert_non_null(c);
	capture_rows("v5.7.24-percona_easypost_bin-log.000001", c);
	assert_int_equal(c->nlines, 2);
	assert_true(strncmp(c->lines[0], "W > 1|?6|'", 10) == 0);
	binlog_table_free(c->first);
	free(c);
}

/* binlog_table_complete() replaces names and key and keeps everything else. */
static void test_with_names(void **state)
{
	static const char *const names[] = { "a", "bee", "c", "d", "e" };
	static const uint32_t key[] = { 3, 0 };
	struct capture *c = calloc(1, sizeof(*c));
	struct binlog_table *t;
	uint32_t i;

	(void)state;
	assert_non_null(c);
	capture_rows("v8.0.28_rmc_mysql-enum-string-set.000001", c);
	t = binlog_table_complete(c->first, &(struct binlog_table_overlay){
		.names = names, .key = key, .nkey = 2 });
	assert_non_null(t);
	assert_string_equal(t->table.schema, "mysql");
	assert_string_equal(t->table.name, "t");
	assert_int_equal(t->table.ncolumns, 5);
	for (i = 0; i < 5; i++) {
		assert_string_equal(t->table.columns[i].name, names[i]);
		assert_int_equal(t->table.columns[i].type, c->first->table.columns[i].type);
		assert_int_equal(t->table.columns[i].meta, c->first->table.columns[i].meta);
	}
	assert_int_equal(t->table.nkey, 2);
	assert_int_equal(t->table.key[0], 3);
	assert_int_equal(t->table.key[1], 0);
	assert_string_equal(t->table.columns[3].names->names[3], "four");
	assert_int_equal(t->raw_len, c->first->raw_len);
	assert_memory_equal(t->raw, c->first->raw, t->raw_len);
	binlog_table_free(c->first);
	/* The copy owns everything: it outlives the table it came from. */
	assert_string_equal(t->table.columns[2].names->names[1], "variant2");
	binlog_table_free(t);
	free(c);
}

/*
 * A TABLE_MAP without optional metadata (MySQL 5.7: bltest.foo, BIGINT,
 * DECIMAL, VARCHAR) completed as information_schema would: signedness and
 * charsets are filled in, members only where given, the key replaced.
 */
static void test_complete_overlay(void **state)
{
	static const char *const names[] = { "id", "val_decimal", "comment" };
	static const uint32_t key[] = { 0 };
	static const bool is_unsigned[] = { true, false, false };
	static const uint16_t charsets[] = { 63, 63, 8 };
	static const char *const members[] = { "x", "y" };
	const struct meepo_strlist lists[] = { { 0, NULL }, { 0, NULL }, { 2, members } };
	struct capture *c = calloc(1, sizeof(*c));
	struct binlog_table *t;

	(void)state;
	assert_non_null(c);
	capture_rows("v5.7.24-percona_easypost_bin-log.000001", c);
	assert_false(c->first->has_signedness);
	assert_int_equal(c->first->table.columns[2].charset, 0);
	t = binlog_table_complete(c->first, &(struct binlog_table_overlay){
		.names = names, .key = key, .nkey = 1, .is_unsigned = is_unsigned,
		.charsets = charsets, .members = lists });
	assert_non_null(t);
	assert_true(t->has_signedness);
	assert_true(t->table.columns[0].is_unsigned);
	assert_false(t->table.columns[1].is_unsigned);
	assert_int_equal(t->table.columns[2].charset, 8);
	assert_null(t->table.columns[0].names);
	assert_int_equal(t->table.columns[2].names->count, 2);
	assert_string_equal(t->table.columns[2].names->names[1], "y");
	assert_string_equal(t->table.columns[1].name, "val_decimal");
	assert_int_equal(t->table.nkey, 1);
	binlog_table_free(t);
	binlog_table_free(c->first);
	free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_enum_string_set),
		cmocka_unit_test(test_int_table),
		cmocka_unit_test(test_mariadb_year_signedness),
		cmocka_unit_test(test_minimal_row_metadata),
		cmocka_unit_test(test_bit),
		cmocka_unit_test(test_time),
		cmocka_unit_test(test_partial_json),
		cmocka_unit_test(test_vector),
		cmocka_unit_test(test_zalora),
		cmocka_unit_test(test_cdc_delete),
		cmocka_unit_test(test_easypost),
		cmocka_unit_test(test_with_names),
		cmocka_unit_test(test_complete_overlay),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
