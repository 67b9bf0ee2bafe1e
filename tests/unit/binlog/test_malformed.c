/*
 * tests/unit/binlog/test_malformed.c - hand-built events: every truncation
 * of several event kinds, corrupted lengths, bad checksums, unknown types,
 * FORMAT_DESCRIPTION variants (pre-5.6.1, MariaDB, short post-header table,
 * in-use flag, two FDEs in one file), 4-byte table ids, v1 rows, partial
 * JSON updates, and the saved fuzzer inputs. Every input is copied into an
 * allocation of exactly its size, so that AddressSanitizer catches a read
 * past its end.
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
#include <zlib.h>
#include <zstd.h>

#include "fixture.h"
#include "walk.h"

/* A byte buffer being built. */
struct bytes {
	uint8_t b[8192];    /* contents */
	size_t n;           /* used */
};

static void put_bytes(struct bytes *o, const void *p, size_t n)
{
	assert_true(o->n + n <= sizeof(o->b));
	memcpy(o->b + o->n, p, n);
	o->n += n;
}

/* Appends an n-byte little-endian integer. */
static void put_le(struct bytes *o, uint64_t v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		o->b[o->n++] = (uint8_t)(v >> (8 * i));
	}
}

static void put_str(struct bytes *o, const char *s)
{
	put_bytes(o, s, strlen(s));
}

/* Appends a whole event: header, body and (crc) a CRC32 with the in-use flag cleared. */
static void put_event(struct bytes *o, uint8_t type, uint16_t flags, const struct bytes *body,
                      bool crc)
{
	size_t start = o->n;
	uint32_t len = (uint32_t)(BINLOG_HEADER_LEN + body->n + (crc ? 4 : 0));
	uLong c;

	put_le(o, 1700000000, 4);
	o->b[o->n++] = type;
	put_le(o, 7, 4);
	put_le(o, len, 4);
	put_le(o, 0, 4);
	put_le(o, flags & ~BINLOG_FLAG_IN_USE, 2);
	put_bytes(o, body->b, body->n);
	if (crc) {
		c = crc32(0L, o->b + start, (uInt)(o->n - start));
		put_le(o, c, 4);
	}
	o->b[start + 17] = (uint8_t)flags;
}

/* Returns a malloc'd copy of n bytes, so that ASan sees the exact end. */
static uint8_t *exact(const uint8_t *p, size_t n)
{
	uint8_t *c = malloc(n ? n : 1);

	assert_non_null(c);
	memcpy(c, p, n);
	return c;
}

/* Post-header lengths of a MySQL 8.0 FORMAT_DESCRIPTION, types 1..41. */
static const uint8_t mysql80_post_headers[41] = {
	56, 13, 0, 8, 0, 18, 0, 4, 4, 4, 4, 18, 0, 0, 98, 0, 4, 26, 8, 0, 0, 0, 8, 8, 8, 2, 0,
	0, 0, 10, 10, 10, 42, 42, 0, 18, 52, 0, 10, 40, 0,
};

/* A FORMAT_DESCRIPTION body: version, table of n entries, then alg (< 0: none). */
static void fde_body(struct bytes *o, const char *version, size_t n, int alg)
{
	char v[50] = { 0 };

	memset(o, 0, sizeof(*o));
	strncpy(v, version, sizeof(v) - 1);
	put_le(o, 4, 2);
	put_bytes(o, v, sizeof(v));
	put_le(o, 1700000000, 4);
	o->b[o->n++] = BINLOG_HEADER_LEN;
	put_bytes(o, mysql80_post_headers, n);
	if (alg >= 0) {
		o->b[o->n++] = (uint8_t)alg;
	}
}

/* The whole FDE event of a MySQL 8.0.40 server with CRC32. */
static void fde_event(struct bytes *o, uint16_t flags)
{
	struct bytes body;

	fde_body(&body, "8.0.40", 41, 1);
	put_event(o, BINLOG_FORMAT_DESCRIPTION, flags, &body, true);
}

static void mysql80_format(struct binlog_format *fmt)
{
	struct bytes e = { .n = 0 };
	char err[256];

	fde_event(&e, 0);
	assert_int_equal(binlog_format_parse(e.b, e.n, fmt, err, sizeof(err)), 0);
}

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

static void test_header_and_checksum(void **state)
{
	struct bytes e = { .n = 0 };
	struct binlog_header h;
	char err[256];
	uint8_t *c;
	size_t i;

	(void)state;
	fde_event(&e, 0);
	for (i = 0; i < e.n; i++) {
		c = exact(e.b, i);
		if (i < BINLOG_HEADER_LEN) {
			assert_int_equal(binlog_header_parse(c, i, &h, err, sizeof(err)), -1);
		}
		assert_int_equal(binlog_checksum_verify(c, i, err, sizeof(err)), -1);
		free(c);
	}
	assert_int_equal(binlog_header_parse(e.b, e.n, &h, err, sizeof(err)), 0);
	assert_int_equal(h.type, BINLOG_FORMAT_DESCRIPTION);
	assert_int_equal(h.server_id, 7);
	assert_int_equal(h.event_len, e.n);
	assert_int_equal(h.timestamp, 1700000000);
	assert_int_equal(binlog_checksum_verify(e.b, e.n, err, sizeof(err)), 0);
	/* A flipped bit anywhere fails the CRC. */
	for (i = 0; i < e.n; i++) {
		e.b[i] ^= 0x10;
		assert_int_equal(binlog_checksum_verify(e.b, e.n, err, sizeof(err)), -1);
		e.b[i] ^= 0x10;
	}
	assert_non_null(strstr(err, "checksum mismatch"));
	/* An event length below the header size is refused. */
	e.b[9] = 18;
	e.b[10] = e.b[11] = e.b[12] = 0;
	assert_int_equal(binlog_header_parse(e.b, e.n, &h, err, sizeof(err)), -1);
	assert_string_equal(err, "event length 18 is shorter than the 19-byte header");
}

static void test_format_description(void **state)
{
	struct bytes body;
	struct bytes e;
	struct binlog_format fmt;
	char err[256];
	uint8_t *c;
	size_t i;

	(void)state;
	/* Every truncation fails (the length no longer matches). */
	memset(&e, 0, sizeof(e));
	fde_event(&e, 0);
	for (i = 0; i < e.n; i++) {
		c = exact(e.b, i);
		assert_int_equal(binlog_format_parse(c, i, &fmt, err, sizeof(err)), -1);
		free(c);
	}
	assert_int_equal(binlog_format_parse(e.b, e.n, &fmt, err, sizeof(err)), 0);
	assert_true(fmt.checksum);
	assert_false(fmt.mariadb);
	assert_string_equal(fmt.server_version, "8.0.40");
	assert_int_equal(fmt.post_header_len[BINLOG_QUERY], 13);
	assert_int_equal(fmt.post_header_len[BINLOG_HEARTBEAT_V2], 0);
	assert_int_equal(fmt.post_header_len[BINLOG_TRANSACTION_PAYLOAD], 40);
	assert_int_equal(fmt.post_header_len[42], 0);

	/* In-use flag set: the CRC was computed with it cleared, and verifies. */
	memset(&e, 0, sizeof(e));
	fde_event(&e, BINLOG_FLAG_IN_USE);
	assert_int_equal(binlog_format_parse(e.b, e.n, &fmt, err, sizeof(err)), 0);
	/* A CRC over the flag as set does not (that is not how MySQL computes it). */
	e.n -= 4;
	put_le(&e, crc32(0L, e.b, (uInt)e.n), 4);
	assert_int_equal(binlog_format_parse(e.b, e.n, &fmt, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "FORMAT_DESCRIPTION checksum mismatch"));

	/* 8.0.2-dmr style: a 38-entry table, CRC32. */
	memset(&e, 0, sizeof(e));
	fde_body(&body, "8.0.2-dmr-debug-log", 38, 1);
	put_event(&e, BINLOG_FORMAT_DESCRIPTION, 0, &body, true);
	assert_int_equal(binlog_format_parse(e.b, e.n, &fmt, err, sizeof(err)), 0);
	assert_true(fmt.checksum);
	assert_int_equal(fmt.post_header_len[38], 0);
	assert_int_equal(fmt.post_header_len[BINLOG_WRITE_ROWS_V2], 10);
	assert_int_equal(fmt.post_header_len[BINLOG_PARTIAL_UPDATE_ROWS], 0);

	/* binlog_checksum=NONE: algorithm 0, the FDE still ends with 4 bytes. */
	memset(&e, 0, sizeof(e));
	fde_body(&body, "5.7.20-log", 38, 0);
	put_event(&e, BINLOG_FORMAT_DESCRIPTION, 0, &body, true);
	assert_int_equal(binlog_format_parse(e.b, e.n, &fmt, err, sizeof(err)), 0);
	assert_false(fmt.checksum);

	/* Before 5.6.1: no algorithm byte, no CRC; the whole tail is the table. */
	memset(&e, 0, sizeof(e));
	fde_body(&body, "5.5.62-log", 27, -1);
	put_event(&e, BINLOG_FORMAT_DESCRIPTION, 0, &body, false);
	assert_int_equal(binlog_format_parse(e.b, e.n, &fmt, err, sizeof(err)), 0);
	assert_false(fmt.checksum);
	assert_int_equal(fmt.post_header_len[27], 0);
	assert_int_equal(fmt.post_header_len[25], 8);

	/* MariaDB. */
	memset(&e, 0, sizeof(e));
	fde_body(&body, "10.11.6-MariaDB-log", 38, 1);
	put_event(&e, BINLOG_FORMAT_DESCRIPTION, 0, &body, true);
	assert_int_equal(binlog_format_parse(e.b, e.n, &fmt, err, sizeof(err)), 0);
	assert_true(fmt.mariadb);
	assert_true(fmt.checksum);

	/* Unknown checksum algorithm, binlog version 3, header length 13. */
	memset(&e, 0, sizeof(e));
	fde_body(&body, "8.0.40", 41, 7);
	put_event(&e, BINLOG_FORMAT_DESCRIPTION, 0, &body, true);
	assert_int_equal(binlog_format_parse(e.b, e.n, &fmt, err, sizeof(err)), -1);
	assert_string_equal(err, "unknown binlog checksum algorithm 7");
	memset(&e, 0, sizeof(e));
	fde_body(&body, "8.0.40", 41, 1);
	body.b[0] = 3;
	put_event(&e, BINLOG_FORMAT_DESCRIPTION, 0, &body, true);
	assert_int_equal(binlog_format_parse(e.b, e.n, &fmt, err, sizeof(err)), -1);
	assert_string_equal(err, "binlog version 3 is not supported (only 4)");
	memset(&e, 0, sizeof(e));
	fde_body(&body, "8.0.40", 41, 1);
	body.b[56] = 13;
	put_event(&e, BINLOG_FORMAT_DESCRIPTION, 0, &body, true);
	assert_int_equal(binlog_format_parse(e.b, e.n, &fmt, err, sizeof(err)), -1);
	/* Not an FDE at all. */
	e.b[4] = BINLOG_QUERY;
	assert_int_equal(binlog_format_parse(e.b, e.n, &fmt, err, sizeof(err)), -1);
	assert_string_equal(err, "expected FORMAT_DESCRIPTION, got QUERY (2)");
}

/* Runs parse on every strict prefix of body; ok_at lists the lengths that may parse. */
typedef int (*parse_fn)(const uint8_t *body, size_t len);

static void each_prefix(const struct bytes *body, parse_fn parse, const size_t *ok_at, size_t nok)
{
	uint8_t *c;
	size_t i;
	size_t j;
	bool ok;

	for (i = 0; i < body->n; i++) {
		ok = false;
		for (j = 0; j < nok; j++) {
			ok = ok || ok_at[j] == i;
		}
		c = exact(body->b, i);
		if (parse(c, i) != (ok ? 0 : -1)) {
			fail_msg("prefix of %zu of %zu bytes: expected %s", i, body->n,
			         ok ? "success" : "failure");
		}
		free(c);
	}
	c = exact(body->b, body->n);
	assert_int_equal(parse(c, body->n), 0);
	free(c);
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

static int parse_xid(const uint8_t *body, size_t len)
{
	uint64_t xid;
	char err[256];

	return binlog_xid_parse(body, len, &xid, err, sizeof(err));
}

static int parse_rotate(const uint8_t *body, size_t len)
{
	struct binlog_rotate r;
	char err[256];

	return binlog_rotate_parse(body, len, &r, err, sizeof(err));
}

static int parse_query(const uint8_t *body, size_t len)
{
	struct binlog_query q;
	char err[256];

	return binlog_query_parse(&g_fmt, body, len, &q, err, sizeof(err));
}

static int parse_mysql_gtid(const uint8_t *body, size_t len)
{
	struct binlog_gtid g;
	char err[256];

	return binlog_mysql_gtid_parse(BINLOG_MYSQL_GTID, body, len, &g, err, sizeof(err));
}

static int parse_mariadb_gtid(const uint8_t *body, size_t len)
{
	struct binlog_gtid g;
	char err[256];

	return binlog_mariadb_gtid_parse(body, len, 1, &g, err, sizeof(err));
}

static int parse_payload(const uint8_t *body, size_t len)
{
	uint8_t *out = NULL;
	size_t out_len;
	char err[256];
	int r = binlog_payload_decompress(body, len, &out, &out_len, err, sizeof(err));

	free(out);
	return r;
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

static void test_truncated_small_events(void **state)
{
	struct bytes b = { .n = 0 };
	size_t ok[64];
	size_t i;
	struct binlog_gtid g;
	struct binlog_query q;
	char err[256];

	(void)state;
	mysql80_format(&g_fmt);
	put_le(&b, 0x1122334455667788ull, 8);
	each_prefix(&b, parse_xid, NULL, 0);

	/* ROTATE: any length from the 8-byte position on parses (the name is the rest). */
	put_str(&b, "binlog.000002");
	for (i = 8; i < b.n; i++) {
		ok[i - 8] = i;
	}
	each_prefix(&b, parse_rotate, ok, b.n - 8);

	/* QUERY: post-header 13, 4 bytes of status, schema "db", NUL, SQL "BEGIN". */
	memset(&b, 0, sizeof(b));
	put_le(&b, 1, 4);
	put_le(&b, 0, 4);
	put_le(&b, 2, 1);
	put_le(&b, 0, 2);
	put_le(&b, 4, 2);
	put_bytes(&b, "\x00\x00\x00\x00", 4);
	put_bytes(&b, "db\0BEGIN", 8);
	for (i = 20; i < b.n; i++) {
		ok[i - 20] = i;
	}
	each_prefix(&b, parse_query, ok, b.n - 20);
	assert_int_equal(binlog_query_parse(&g_fmt, b.b, b.n, &q, err, sizeof(err)), 0);
	assert_int_equal(q.schema_len, 2);
	assert_memory_equal(q.schema, "db", 2);
	assert_int_equal(q.sql_len, 5);
	assert_memory_equal(q.sql, "BEGIN", 5);
	b.b[19] = 'x'; /* the NUL after the schema */
	assert_int_equal(binlog_query_parse(&g_fmt, b.b, b.n, &q, err, sizeof(err)), -1);

	/* MySQL GTID: flags, uuid, gno (8.0 adds fields after them). */
	memset(&b, 0, sizeof(b));
	put_le(&b, 1, 1);
	put_bytes(&b, "\x93\xe9\x50\x66\xa2\xf4\x11\xec\x9b\x69\x96\x57\xf0\xae\x95\xe2", 16);
	put_le(&b, 42, 8);
	each_prefix(&b, parse_mysql_gtid, NULL, 0);
	assert_int_equal(binlog_mysql_gtid_parse(BINLOG_MYSQL_GTID, b.b, b.n, &g, err, sizeof(err)),
	                 0);
	assert_string_equal(g.text, "93e95066-a2f4-11ec-9b69-9657f0ae95e2:42");
	assert_int_equal(binlog_mysql_gtid_parse(BINLOG_MYSQL_ANONYMOUS_GTID, b.b, b.n, &g, err,
	                                         sizeof(err)), 0);
	assert_true(g.anonymous);
	assert_string_equal(g.text, "");

	/* MariaDB GTID with a group commit id. */
	memset(&b, 0, sizeof(b));
	put_le(&b, 1234, 8);
	put_le(&b, 5, 4);
	put_le(&b, 3, 1);
	put_le(&b, 99, 8);
	each_prefix(&b, parse_mariadb_gtid, NULL, 0);
	assert_int_equal(binlog_mariadb_gtid_parse(b.b, b.n, 100, &g, err, sizeof(err)), 0);
	assert_string_equal(g.text, "5-100-1234");
	assert_true(g.standalone);
	assert_int_equal(g.commit_id, 99);
	b.b[12] = 0; /* no flags: 13 bytes are enough */
	assert_int_equal(binlog_mariadb_gtid_parse(b.b, 13, 1, &g, err, sizeof(err)), 0);
	assert_false(g.standalone);
	assert_int_equal(g.commit_id, 0);
}

/* The tagged GTID (type 42) from the 9.6.0 fixture, cut at every length. */
static void test_tagged_gtid(void **state)
{
	size_t len;
	uint8_t *file = fixture_read("mysql", "v9.6.0_rmc_binlog_transaction_with_GTID_TAG.000001",
	                             &len);
	/* The event starts at 245 (see SOURCES.md); body 60 bytes. */
	const uint8_t *body = file + 245 + BINLOG_HEADER_LEN;
	struct binlog_gtid g;
	char err[256];
	uint8_t *c;
	size_t i;

	(void)state;
	assert_int_equal(file[245 + 4], BINLOG_MYSQL_GTID_TAGGED);
	for (i = 0; i < 60; i++) {
		c = exact(body, i);
		assert_int_equal(binlog_mysql_gtid_parse(BINLOG_MYSQL_GTID_TAGGED, c, i, &g, err,
		                                         sizeof(err)), -1);
		free(c);
	}
	assert_int_equal(binlog_mysql_gtid_parse(BINLOG_MYSQL_GTID_TAGGED, body, 60, &g, err,
	                                         sizeof(err)), 0);
	assert_string_equal(g.text, "55778904-0299-11f1-b1b8-4ef0c4956feb:mytag:3");
	free(file);
}

/* A 300000-byte transaction, and the same frame cut short. */
static void test_payload_large(void)
{
	size_t n = 300000;
	uint8_t *plain = malloc(n);
	size_t cap = ZSTD_compressBound(n);
	uint8_t *z = malloc(cap);
	size_t zn;
	uint8_t *buf = malloc(16 + cap);
	size_t len = 0;
	uint8_t *out = NULL;
	size_t out_len;
	char err[256];
	size_t i;

	assert_true(plain && z && buf);
	for (i = 0; i < n; i++) {
		plain[i] = (uint8_t)(i * 7 + i / 1000);
	}
	zn = ZSTD_compress(z, cap, plain, n, 1);
	assert_false(ZSTD_isError(zn));
	assert_true(zn < 0xffffff);
	memcpy(buf, "\x02\x01\x00\x03\x04\xfd", 6);
	len = 6;
	buf[len++] = (uint8_t)n;
	buf[len++] = (uint8_t)(n >> 8);
	buf[len++] = (uint8_t)(n >> 16);
	memcpy(buf + len, "\x01\x04\xfd", 3);
	len += 3;
	buf[len++] = (uint8_t)zn;
	buf[len++] = (uint8_t)(zn >> 8);
	buf[len++] = (uint8_t)(zn >> 16);
	buf[len++] = 0;
	memcpy(buf + len, z, zn);
	assert_int_equal(binlog_payload_decompress(buf, len + zn, &out, &out_len, err, sizeof(err)),
	                 0);
	assert_int_equal(out_len, n);
	assert_memory_equal(out, plain, n);
	free(out);
	/* The payload size says less than the frame: it ends early. */
	buf[12] = (uint8_t)(zn - 10);
	buf[13] = (uint8_t)((zn - 10) >> 8);
	buf[14] = (uint8_t)((zn - 10) >> 16);
	assert_int_equal(binlog_payload_decompress(buf, len + zn, &out, &out_len, err, sizeof(err)),
	                 -1);
	assert_string_equal(err, "TRANSACTION_PAYLOAD zstd data truncated");
	free(plain);
	free(z);
	free(buf);
}

static void test_payload(void **state)
{
	struct bytes b = { .n = 0 };
	static const char inner[] = "inner events would be here, 38 bytes.";
	uint8_t z[256];
	size_t zn = ZSTD_compress(z, sizeof(z), inner, sizeof(inner), 3);
	uint8_t *out = NULL;
	size_t out_len;
	char err[256];

	(void)state;
	assert_false(ZSTD_isError(zn));
	put_bytes(&b, "\x02\x01\x00", 3);                        /* compression: zstd */
	put_bytes(&b, "\x03\x01", 2);
	put_le(&b, sizeof(inner), 1);                            /* uncompressed size */
	put_bytes(&b, "\x01\x01", 2);
	put_le(&b, zn, 1);                                       /* payload size */
	put_bytes(&b, "\x00", 1);
	put_bytes(&b, z, zn);
	each_prefix(&b, parse_payload, NULL, 0);
	assert_int_equal(binlog_payload_decompress(b.b, b.n, &out, &out_len, err, sizeof(err)), 0);
	assert_int_equal(out_len, sizeof(inner));
	assert_memory_equal(out, inner, sizeof(inner));
	free(out);

	/* Corrupt zstd data (the frame magic). */
	b.b[10] ^= 0xff;
	assert_int_equal(binlog_payload_decompress(b.b, b.n, &out, &out_len, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "TRANSACTION_PAYLOAD zstd: "));
	b.b[10] ^= 0xff;
	/* Uncompressed size smaller or larger than the data. */
	b.b[5] = 5;
	assert_int_equal(binlog_payload_decompress(b.b, b.n, &out, &out_len, err, sizeof(err)), -1);
	assert_string_equal(err, "TRANSACTION_PAYLOAD decompresses to more than the 5 bytes its "
	                         "header says");
	b.b[5] = 200;
	assert_int_equal(binlog_payload_decompress(b.b, b.n, &out, &out_len, err, sizeof(err)), -1);
	assert_string_equal(err, "TRANSACTION_PAYLOAD decompressed to 38 bytes, header says 200");
	/* Over the 1 GiB limit (0xfe: an 8-byte value). */
	memset(&b, 0, sizeof(b));
	put_bytes(&b, "\x02\x01\x00\x03\x09\xfe\x00\x00\x00\x80\x00\x00\x00\x00\x01\x01\x00\x00",
	          18);
	assert_int_equal(binlog_payload_decompress(b.b, b.n, &out, &out_len, err, sizeof(err)), -1);
	assert_string_equal(err, "TRANSACTION_PAYLOAD of 2147483648 uncompressed bytes is over the "
	                         "1073741824 limit");
	/* Unknown compression. */
	memset(&b, 0, sizeof(b));
	put_bytes(&b, "\x02\x01\x07\x03\x01\x03\x01\x01\x03\x00" "abc", 13);
	assert_int_equal(binlog_payload_decompress(b.b, b.n, &out, &out_len, err, sizeof(err)), -1);
	assert_string_equal(err, "TRANSACTION_PAYLOAD compression type 7 is unknown");
	/* No compression: type 255, length-encoded as 0xfc 0xff 0x00. */
	memset(&b, 0, sizeof(b));
	put_bytes(&b, "\x02\x03\xfc\xff\x00\x03\x01\x03\x01\x01\x03\x00" "abc", 15);
	assert_int_equal(binlog_payload_decompress(b.b, b.n, &out, &out_len, err, sizeof(err)), 0);
	assert_int_equal(out_len, 3);
	assert_memory_equal(out, "abc", 3);
	free(out);
	/* Larger than the first output buffer (64 KiB): the buffer grows. */
	test_payload_large();
	/* A header without the end mark or missing a field. */
	assert_int_equal(binlog_payload_decompress(b.b, 11, &out, &out_len, err, sizeof(err)), -1);
	assert_string_equal(err, "TRANSACTION_PAYLOAD header truncated");
	assert_int_equal(binlog_payload_decompress((const uint8_t *)"\x00", 1, &out, &out_len, err,
	                                           sizeof(err)), -1);
	assert_string_equal(err, "TRANSACTION_PAYLOAD header lacks the payload size");
}

/* A file with two FDEs (relay-log style), a short-table FDE, and an unknown event. */
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
		if (e->d_name[0] == '.' || strstr(e->d_name, ".md") != NULL) {
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
		cmocka_unit_test(test_header_and_checksum),
		cmocka_unit_test(test_format_description),
		cmocka_unit_test(test_truncated_table_map),
		cmocka_unit_test(test_corrupt_table_map),
		cmocka_unit_test(test_rows),
		cmocka_unit_test(test_rows_v1),
		cmocka_unit_test(test_partial_json),
		cmocka_unit_test(test_truncated_small_events),
		cmocka_unit_test(test_tagged_gtid),
		cmocka_unit_test(test_payload),
		cmocka_unit_test(test_walk_handmade),
		cmocka_unit_test(test_fixture_prefixes),
		cmocka_unit_test(test_fuzz_inputs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
