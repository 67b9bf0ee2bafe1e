/*
 * tests/unit/binlog/test_malformed.c - hand-built TABLE_MAP and rows
 * events cut at every length and corrupted (lengths, counts, keys), v1
 * rows, 4-byte table ids, partial JSON updates, hand-built files (two
 * FDEs, a short post-header table, unknown events, bad CRC), every prefix
 * of several real fixtures, and the saved fuzzer inputs. Every input is
 * copied into an allocation of exactly its size, so that AddressSanitizer
 * catches a read past its end.
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

#include "build.h"
#include "fixture.h"
#include "walk.h"

/*
 * TABLE_MAP of test.t (c1 INT UNSIGNED, c2 VARCHAR(80), c3 JSON) with
 * optional metadata; *fixed_end is where the optional metadata starts and
 * tlv_ends[] where each field ends.
 */
static void table_map_body(struct bytes *o, size_t *fixed_end, size_t *tlv_ends, size_t *ntlv)
{
	static const uint8_t tlvs[][12] = {
		{ 1, 1, 0x80 },                                 /* SIGNEDNESS: c1 unsigned */
		{ 2, 1, 45 },                                   /* DEFAULT_CHARSET 45 */
		{ 4, 9, 2, 'c', '1', 2, 'c', '2', 2, 'c', '3' },/* COLUMN_NAME */
		{ 99, 2, 0xaa, 0xbb },                          /* unknown: skipped */
		{ 8, 1, 0 },                                    /* SIMPLE_PRIMARY_KEY c1 */
	};
	size_t i;

	memset(o, 0, sizeof(*o));
	put_le(o, 0x42, 6);
	put_le(o, 1, 2);
	put_str(o, "\x04test");
	put_le(o, 0, 1);
	put_str(o, "\x01t");
	put_le(o, 0, 1);
	put_bytes(o, "\x03\x03\x0f\xf5", 4);     /* 3 columns: LONG, VARCHAR, JSON */
	put_bytes(o, "\x03\x50\x00\x04", 4);     /* metadata: 3 bytes: 80, 4 */
	put_bytes(o, "\x06", 1);                 /* c2, c3 nullable */
	*fixed_end = o->n;
	*ntlv = sizeof(tlvs) / sizeof(tlvs[0]);
	for (i = 0; i < *ntlv; i++) {
		put_bytes(o, tlvs[i], 2u + tlvs[i][1]);
		tlv_ends[i] = o->n;
	}
}

static struct binlog_table *test_table(const struct binlog_format *fmt)
{
	struct bytes body;
	size_t fixed_end;
	size_t ends[8];
	size_t n;
	char err[256];
	struct binlog_table *t;

	table_map_body(&body, &fixed_end, ends, &n);
	t = binlog_table_map_parse(fmt, body.b, body.n, err, sizeof(err));
	assert_non_null(t);
	return t;
}

/* WRITE_ROWS_V2 for test.t with two rows; row_ends[] where each row ends. */
static void write_rows_body(struct bytes *o, size_t *row_ends)
{
	memset(o, 0, sizeof(*o));
	put_le(o, 0x42, 6);
	put_le(o, 1, 2);
	put_bytes(o, "\x04\x00\x99\x88", 4);     /* extra data: length 4 incl. itself */
	put_bytes(o, "\x03\x07", 2);             /* 3 columns, all present */
	row_ends[0] = o->n;
	put_bytes(o, "\x04", 1);                 /* c3 NULL */
	put_le(o, 3000000000u, 4);
	put_bytes(o, "\x03" "abc", 4);
	row_ends[1] = o->n;
	put_bytes(o, "\x00", 1);
	put_le(o, 7, 4);
	put_bytes(o, "\x05" "hello", 6);
	put_bytes(o, "\x02\x00\x00\x00\x04\x01", 6); /* JSON true */
	row_ends[2] = o->n;
}

/* Decodes every row; returns the rows or -1. Values are checked by the caller. */
static int decode_all(const struct binlog_format *fmt, uint8_t type, const uint8_t *body,
                      size_t len, const struct binlog_table *t, struct meepo_value *before,
                      struct meepo_value *after, char *err, size_t errlen)
{
	struct binlog_rows rows;
	int n = 0;
	int r;

	if (binlog_rows_parse(fmt, type, body, len, &rows, err, errlen) < 0) {
		return -1;
	}
	while ((r = binlog_rows_next(&rows, &t->table, body, before, after, err, errlen)) == 1) {
		n++;
	}
	return r < 0 ? -1 : n;
}

static struct binlog_format g_fmt; /* the format the prefix parsers use */

static int parse_table_map(const uint8_t *body, size_t len)
{
	char err[256];
	struct binlog_table *t = binlog_table_map_parse(&g_fmt, body, len, err, sizeof(err));

	binlog_table_free(t);
	return t ? 0 : -1;
}

static int parse_write_rows(const uint8_t *body, size_t len)
{
	struct binlog_table *t = test_table(&g_fmt);
	struct meepo_value after[3];
	char err[256];
	int n = decode_all(&g_fmt, BINLOG_WRITE_ROWS_V2, body, len, t, NULL, after, err,
	                   sizeof(err));

	binlog_table_free(t);
	return n < 0 ? -1 : 0;
}

static void test_truncated_table_map(void **state)
{
	struct bytes body;
	size_t fixed_end;
	size_t ends[8];
	size_t n;
	size_t ok[9];
	size_t i;
	struct binlog_table *t;
	char err[256];

	(void)state;
	mysql80_format(&g_fmt);
	table_map_body(&body, &fixed_end, ends, &n);
	/* Parses where the optional metadata is cut between fields, else fails. */
	ok[0] = fixed_end;
	for (i = 0; i + 1 < n; i++) {
		ok[i + 1] = ends[i];
	}
	each_prefix(&body, parse_table_map, ok, n);

	t = binlog_table_map_parse(&g_fmt, body.b, body.n, err, sizeof(err));
	assert_non_null(t);
	assert_int_equal(t->table.id, 0x42);
	assert_string_equal(t->table.schema, "test");
	assert_string_equal(t->table.name, "t");
	assert_string_equal(t->table.columns[1].name, "c2");
	assert_true(t->table.columns[0].is_unsigned);
	assert_false(t->table.columns[0].nullable);
	assert_int_equal(t->table.columns[1].charset, 45);
	assert_int_equal(t->table.columns[1].meta, 80);
	assert_int_equal(t->table.columns[2].charset, 0);
	assert_int_equal(t->table.nkey, 1);
	assert_true(t->has_names && t->has_key && t->has_signedness);
	assert_int_equal(t->raw_len, body.n);
	binlog_table_free(t);

	/* 4-byte table ids when the TABLE_MAP post-header is 6 bytes (MySQL 5.1.0-5.1.15). */
	g_fmt.post_header_len[BINLOG_TABLE_MAP] = 6;
	memmove(body.b + 4, body.b + 6, body.n - 6);
	body.n -= 2;
	t = binlog_table_map_parse(&g_fmt, body.b, body.n, err, sizeof(err));
	assert_non_null(t);
	assert_int_equal(t->table.id, 0x42);
	assert_string_equal(t->table.columns[2].name, "c3");
	binlog_table_free(t);
}

static void test_corrupt_table_map(void **state)
{
	struct bytes body;
	size_t fixed_end;
	size_t ends[8];
	size_t n;
	char err[256];

	(void)state;
	mysql80_format(&g_fmt);
	table_map_body(&body, &fixed_end, ends, &n);
	/* Column count 0xfe + 8 bytes: far more than the event holds. */
	body.b[17] = 0xfe;
	assert_null(binlog_table_map_parse(&g_fmt, body.b, body.n, err, sizeof(err)));
	assert_string_equal(err, "TABLE_MAP test.t: column count or types truncated");
	/* Metadata length beyond the event. */
	table_map_body(&body, &fixed_end, ends, &n);
	body.b[21] = 0xf0;
	assert_null(binlog_table_map_parse(&g_fmt, body.b, body.n, err, sizeof(err)));
	/* Metadata block shorter than the columns need. */
	table_map_body(&body, &fixed_end, ends, &n);
	body.b[21] = 0x02;
	assert_null(binlog_table_map_parse(&g_fmt, body.b, body.n, err, sizeof(err)));
	assert_string_equal(err, "TABLE_MAP test.t: metadata of column 3 (type 245) truncated");
	/* An optional field longer than what is left. */
	table_map_body(&body, &fixed_end, ends, &n);
	body.b[fixed_end + 1] = 0x7f;
	assert_null(binlog_table_map_parse(&g_fmt, body.b, body.n, err, sizeof(err)));
	assert_non_null(strstr(err, "optional metadata truncated"));
	/* A primary key column that does not exist. */
	table_map_body(&body, &fixed_end, ends, &n);
	body.b[body.n - 1] = 3;
	assert_null(binlog_table_map_parse(&g_fmt, body.b, body.n, err, sizeof(err)));
	assert_string_equal(err, "TABLE_MAP test.t: optional metadata field 8 malformed at byte 49");
	/* Schema name without its NUL. */
	table_map_body(&body, &fixed_end, ends, &n);
	body.b[13] = 'x';
	assert_null(binlog_table_map_parse(&g_fmt, body.b, body.n, err, sizeof(err)));
}

static void test_rows(void **state)
{
	struct bytes body;
	size_t ends[3];
	struct binlog_table *t;
	struct meepo_value after[3];
	struct binlog_rows rows;
	char err[256];

	(void)state;
	mysql80_format(&g_fmt);
	write_rows_body(&body, ends);
	each_prefix(&body, parse_write_rows, ends, 2);

	t = test_table(&g_fmt);
	assert_int_equal(binlog_rows_parse(&g_fmt, BINLOG_WRITE_ROWS_V2, body.b, body.n, &rows, err,
	                                   sizeof(err)), 0);
	assert_int_equal(rows.action, MEEPO_WRITE);
	assert_int_equal(rows.table_id, 0x42);
	assert_int_equal(rows.flags, 1);
	assert_int_equal(rows.ncolumns, 3);
	assert_null(rows.present_before);
	assert_int_equal(binlog_rows_next(&rows, &t->table, body.b, NULL, after, err, sizeof(err)), 1);
	assert_int_equal(after[0].type, MEEPO_VALUE_UINT);
	assert_int_equal(after[0].u, 3000000000u);
	assert_int_equal(after[1].type, MEEPO_VALUE_STRING);
	assert_memory_equal(after[1].str.ptr, "abc", 3);
	assert_int_equal(after[2].type, MEEPO_VALUE_NULL);
	assert_int_equal(binlog_rows_next(&rows, &t->table, body.b, NULL, after, err, sizeof(err)), 1);
	assert_int_equal(after[2].type, MEEPO_VALUE_JSON);
	assert_int_equal(binlog_rows_next(&rows, &t->table, body.b, NULL, after, err, sizeof(err)), 0);

	/* A string length past the end names the table, column and offset. */
	body.b[ends[1] + 5] = 0x40;
	assert_int_equal(decode_all(&g_fmt, BINLOG_WRITE_ROWS_V2, body.b, body.n, t, NULL, after,
	                            err, sizeof(err)), -1);
	assert_non_null(strstr(err, "test.t column c2 (#2) at byte 28: "));
	write_rows_body(&body, ends);

	/* Extra-data length below 2 (it counts itself), or beyond the event. */
	body.b[8] = 1;
	assert_int_equal(binlog_rows_parse(&g_fmt, BINLOG_WRITE_ROWS_V2, body.b, body.n, &rows, err,
	                                   sizeof(err)), -1);
	body.b[8] = 0xff;
	assert_int_equal(binlog_rows_parse(&g_fmt, BINLOG_WRITE_ROWS_V2, body.b, body.n, &rows, err,
	                                   sizeof(err)), -1);
	write_rows_body(&body, ends);

	/* Column count that differs from the TABLE_MAP. */
	body.b[12] = 2;
	assert_int_equal(decode_all(&g_fmt, BINLOG_WRITE_ROWS_V2, body.b, body.n, t, NULL, after,
	                            err, sizeof(err)), -1);
	assert_string_equal(err, "test.t: rows event has 2 columns, TABLE_MAP 3");
	write_rows_body(&body, ends);

	/* No column present: a row of zero bytes would never end. */
	body.b[13] = 0;
	body.n = ends[0] + 1;
	assert_int_equal(decode_all(&g_fmt, BINLOG_WRITE_ROWS_V2, body.b, body.n, t, NULL, after,
	                            err, sizeof(err)), -1);
	assert_non_null(strstr(err, "row of zero bytes"));

	/* Not a rows event; MariaDB compressed rows. */
	assert_int_equal(binlog_rows_parse(&g_fmt, BINLOG_QUERY, body.b, body.n, &rows, err,
	                                   sizeof(err)), -1);
	assert_string_equal(err, "QUERY (2) is not a rows event");
	assert_int_equal(binlog_rows_parse(&g_fmt, BINLOG_MARIADB_UPDATE_ROWS_COMPRESSED_V1, body.b,
	                                   body.n, &rows, err, sizeof(err)), -1);
	assert_string_equal(err, "compressed rows events are not supported; disable log_bin_compress");
	binlog_table_free(t);
}

/* UPDATE_ROWS_V1 (no extra data) and DELETE_ROWS_V1 bodies for test.t. */
static void test_rows_v1(void **state)
{
	struct bytes body = { .n = 0 };
	struct binlog_table *t;
	struct meepo_value before[3];
	struct meepo_value after[3];
	char err[256];

	(void)state;
	mysql80_format(&g_fmt);
	t = test_table(&g_fmt);
	put_le(&body, 0x42, 6);
	put_le(&body, 1, 2);
	put_bytes(&body, "\x03\x03\x07", 3);     /* before: c1, c2; after: all */
	put_bytes(&body, "\x00", 1);
	put_le(&body, 1, 4);
	put_bytes(&body, "\x01" "a", 2);
	put_bytes(&body, "\x06", 1);             /* after: c2, c3 NULL */
	put_le(&body, 2, 4);
	assert_int_equal(decode_all(&g_fmt, BINLOG_UPDATE_ROWS_V1, body.b, body.n, t, before,
	                            after, err, sizeof(err)), 1);
	assert_int_equal(before[0].u, 1);
	assert_int_equal(before[2].type, MEEPO_VALUE_ABSENT);
	assert_int_equal(after[0].u, 2);
	assert_int_equal(after[1].type, MEEPO_VALUE_NULL);
	assert_int_equal(after[2].type, MEEPO_VALUE_NULL);
	memset(&body, 0, sizeof(body));
	put_le(&body, 0x42, 6);
	put_le(&body, 1, 2);
	put_bytes(&body, "\x03\x01\x00", 3);     /* c1 only; not NULL */
	put_le(&body, 5, 4);
	assert_int_equal(decode_all(&g_fmt, BINLOG_DELETE_ROWS_V1, body.b, body.n, t, before, NULL,
	                            err, sizeof(err)), 1);
	assert_int_equal(before[0].u, 5);
	assert_int_equal(before[1].type, MEEPO_VALUE_ABSENT);
	binlog_table_free(t);
}

/* PARTIAL_UPDATE_ROWS: a JSON diff is reported absent; without the option, a document. */
static void test_partial_json(void **state)
{
	struct bytes body = { .n = 0 };
	struct binlog_table *t;
	struct meepo_value before[3];
	struct meepo_value after[3];
	uint8_t *c;
	size_t i;
	char err[256];

	(void)state;
	mysql80_format(&g_fmt);
	t = test_table(&g_fmt);
	put_le(&body, 0x42, 6);
	put_le(&body, 1, 2);
	put_bytes(&body, "\x02\x00", 2);
	put_bytes(&body, "\x03\x01\x06", 3);     /* before: c1; after: c2, c3 */
	put_bytes(&body, "\x00", 1);
	put_le(&body, 9, 4);
	put_bytes(&body, "\x01\x01", 2);         /* PARTIAL_JSON_UPDATES, c3 partial */
	put_bytes(&body, "\x00", 1);
	put_bytes(&body, "\x01" "x", 2);
	put_bytes(&body, "\x05\x00\x00\x00" "diff!", 9);
	for (i = 0; i < body.n; i++) {
		c = exact(body.b, i);
		assert_int_equal(decode_all(&g_fmt, BINLOG_PARTIAL_UPDATE_ROWS, c, i, t, before,
		                            after, err, sizeof(err)), i == 13 ? 0 : -1);
		free(c);
	}
	assert_int_equal(decode_all(&g_fmt, BINLOG_PARTIAL_UPDATE_ROWS, body.b, body.n, t, before,
	                            after, err, sizeof(err)), 1);
	assert_int_equal(before[0].u, 9);
	assert_int_equal(before[1].type, MEEPO_VALUE_ABSENT);
	assert_int_equal(after[0].type, MEEPO_VALUE_ABSENT);
	assert_int_equal(after[1].type, MEEPO_VALUE_STRING);
	assert_int_equal(after[2].type, MEEPO_VALUE_ABSENT);
	/* value_options 0: no partial bits, c3 is a whole document. */
	body.n = 18;
	put_bytes(&body, "\x00\x00", 2);      /* value_options 0, null bitmap */
	put_bytes(&body, "\x01" "x", 2);
	put_bytes(&body, "\x02\x00\x00\x00\x04\x01", 6);
	assert_int_equal(decode_all(&g_fmt, BINLOG_PARTIAL_UPDATE_ROWS, body.b, body.n, t, before,
	                            after, err, sizeof(err)), 1);
	assert_int_equal(after[2].type, MEEPO_VALUE_JSON);
	binlog_table_free(t);
}

static void test_walk_handmade(void **state)
{
	struct bytes f = { .n = 0 };
	struct bytes body;
	struct walk_stats *st = calloc(1, sizeof(*st));
	char err[512];
	size_t start;

	(void)state;
	assert_non_null(st);
	put_bytes(&f, BINLOG_MAGIC, BINLOG_MAGIC_LEN);
	fde_event(&f, BINLOG_FLAG_IN_USE);
	memset(&body, 0, sizeof(body));
	put_le(&body, 4, 8);
	put_str(&body, "relay.000002");
	put_event(&f, BINLOG_ROTATE, 0, &body, true);
	fde_body(&body, "8.0.2-dmr", 38, 1);
	put_event(&f, BINLOG_FORMAT_DESCRIPTION, 0, &body, true);
	memset(&body, 0, sizeof(body));
	put_str(&body, "padding");
	put_event(&f, 200, 0x80, &body, true);
	assert_int_equal(walk_binlog(f.b, f.n, st, err, sizeof(err)), 0);
	assert_int_equal(st->events[BINLOG_FORMAT_DESCRIPTION], 2);
	assert_int_equal(st->events[200], 1);
	assert_int_equal(st->checksums, 4);
	assert_string_equal(binlog_event_type_name(200), "UNKNOWN");
	assert_string_equal(binlog_event_type_name(BINLOG_MYSQL_GTID_TAGGED), "GTID_TAGGED");

	/* A bad CRC on the unknown event is still caught. */
	f.b[f.n - 1] ^= 1;
	memset(st, 0, sizeof(*st));
	assert_int_equal(walk_binlog(f.b, f.n, st, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "checksum mismatch"));
	/* An event length beyond the file. */
	f.b[f.n - 1] ^= 1;
	start = f.n - (BINLOG_HEADER_LEN + 7 + 4);
	f.b[start + 9] = 0xff;
	assert_int_equal(walk_binlog(f.b, f.n, st, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "only 30 left"));
	free(st);
}

/* Walks every prefix of the small fixtures and each saved fuzzer input: no crash. */
static void test_fixture_prefixes(void **state)
{
	static const char *const files[] = {
		"v8.0.31_apecloud_mysql-bin.000057",
		"v8.0.28_rmc_mysql-enum-string-set.000001",
		"v8.0.22_rmc_json.binlog.000001",
		"v9.0.1_rmc_vector.binlog",
		"v9.6.0_rmc_binlog_transaction_with_GTID_TAG.000001",
	};
	struct walk_stats *st = calloc(1, sizeof(*st));
	char err[512];
	size_t len;
	size_t i;
	size_t k;
	size_t next_end;
	uint8_t *file;
	uint8_t *c;

	(void)state;
	assert_non_null(st);
	for (k = 0; k < sizeof(files) / sizeof(files[0]); k++) {
		file = fixture_read("mysql", files[k], &len);
		next_end = BINLOG_MAGIC_LEN;
		for (i = 0; i < len; i++) {
			c = exact(file, i);
			memset(st, 0, sizeof(*st));
			/* A cut inside an event fails; at an event end it succeeds. */
			assert_int_equal(walk_binlog(c, i, st, err, sizeof(err)), i == next_end ? 0 : -1);
			if (i == next_end) {
				next_end += (size_t)file[i + 9] | (size_t)file[i + 10] << 8 |
				            (size_t)file[i + 11] << 16;
			}
			free(c);
		}
		free(file);
	}
	free(st);
}

static void test_fuzz_inputs(void **state)
{
	char *dir = fixture_path("fuzz", "");
	DIR *d = opendir(dir);
	struct dirent *e;
	struct walk_stats *st = calloc(1, sizeof(*st));
	char err[512];
	size_t len;
	uint8_t *buf;
	uint8_t *c;
	size_t n = 0;
	int r;

	(void)state;
	assert_non_null(d);
	while ((e = readdir(d)) != NULL) {
		/* config-* inputs belong to fuzz-config (scripts/fuzz.sh replays them). */
		if (e->d_name[0] == '.' || strstr(e->d_name, ".md") != NULL ||
		    strncmp(e->d_name, "config-", 7) == 0) {
			continue;
		}
		buf = fixture_read("fuzz", e->d_name, &len);
		c = exact(buf, len);
		memset(st, 0, sizeof(*st));
		(void)walk_binlog(c, len, st, err, sizeof(err));
		memset(st, 0, sizeof(*st));
		st->lenient_crc = true;
		r = walk_binlog(c, len, st, err, sizeof(err));
		if (strncmp(e->d_name, "reject-", 7) == 0 && r != -1) {
			fail_msg("%s was not rejected", e->d_name);
		}
		n++;
		free(c);
		free(buf);
	}
	closedir(d);
	free(dir);
	free(st);
	assert_true(n >= 16);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_truncated_table_map),
		cmocka_unit_test(test_corrupt_table_map),
		cmocka_unit_test(test_rows),
		cmocka_unit_test(test_rows_v1),
		cmocka_unit_test(test_partial_json),
		cmocka_unit_test(test_walk_handmade),
		cmocka_unit_test(test_fixture_prefixes),
		cmocka_unit_test(test_fuzz_inputs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
