/*
 * tests/unit/binlog/test_events.c - hand-built event headers, checksums,
 * FORMAT_DESCRIPTION variants (pre-5.6.1, MariaDB, 8.0.2-dmr short table,
 * in-use flag, checksum NONE), ROTATE, QUERY, XID, GTIDs (MySQL, MariaDB,
 * tagged) and TRANSACTION_PAYLOAD: every truncation and corruptions. Every
 * input is copied into an allocation of exactly its size, so that
 * AddressSanitizer catches a read past its end.
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
#include <zlib.h>
#include <zstd.h>

#include "binlog/binlog.h"
#include "build.h"
#include "fixture.h"

static struct binlog_format g_fmt; /* the format the prefix parsers use */

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
int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_header_and_checksum),
		cmocka_unit_test(test_format_description),
		cmocka_unit_test(test_truncated_small_events),
		cmocka_unit_test(test_tagged_gtid),
		cmocka_unit_test(test_payload),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
