/*
 * tests/unit/binlog/build.c - building binlog events by hand (see build.h).
 *
 * Concurrency: no shared state.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <zlib.h>

#include "build.h"

void put_bytes(struct bytes *o, const void *p, size_t n)
{
	assert_true(o->n + n <= sizeof(o->b));
	memcpy(o->b + o->n, p, n);
	o->n += n;
}

/* Appends an n-byte little-endian integer. */
void put_le(struct bytes *o, uint64_t v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		o->b[o->n++] = (uint8_t)(v >> (8 * i));
	}
}

void put_str(struct bytes *o, const char *s)
{
	put_bytes(o, s, strlen(s));
}

/* Appends a whole event: header, body and (crc) a CRC32 with the in-use flag cleared. */
void put_event(struct bytes *o, uint8_t type, uint16_t flags, const struct bytes *body,
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
uint8_t *exact(const uint8_t *p, size_t n)
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
void fde_body(struct bytes *o, const char *version, size_t n, int alg)
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
void fde_event(struct bytes *o, uint16_t flags)
{
	struct bytes body;

	fde_body(&body, "8.0.40", 41, 1);
	put_event(o, BINLOG_FORMAT_DESCRIPTION, flags, &body, true);
}

void mysql80_format(struct binlog_format *fmt)
{
	struct bytes e = { .n = 0 };
	char err[256];

	fde_event(&e, 0);
	assert_int_equal(binlog_format_parse(e.b, e.n, fmt, err, sizeof(err)), 0);
}

/* Runs parse on every strict prefix of body; ok_at lists the lengths that may parse. */

void each_prefix(const struct bytes *body, parse_fn parse, const size_t *ok_at, size_t nok)
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

