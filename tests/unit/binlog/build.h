/*
 * tests/unit/binlog/build.h - building binlog events by hand for the
 * malformed-input tests, and running a parser on every prefix of a body.
 *
 * Concurrency: no shared state.
 */
#ifndef MEEPO_TEST_BINLOG_BUILD_H
#define MEEPO_TEST_BINLOG_BUILD_H

#include <stddef.h>
#include <stdint.h>

#include "binlog/binlog.h"

/* A byte buffer being built. */
struct bytes {
	uint8_t b[8192];    /* contents */
	size_t n;           /* used */
};

void put_bytes(struct bytes *o, const void *p, size_t n);

/* Appends an n-byte little-endian integer. */
void put_le(struct bytes *o, uint64_t v, size_t n);

void put_str(struct bytes *o, const char *s);

/* Appends a whole event: header, body and (crc) a CRC32 with the in-use flag cleared. */
void put_event(struct bytes *o, uint8_t type, uint16_t flags, const struct bytes *body, bool crc);

/* Returns a malloc'd copy of n bytes, so that ASan sees the exact end. */
uint8_t *exact(const uint8_t *p, size_t n);

/* A FORMAT_DESCRIPTION body: version, table of n entries (MySQL 8.0's), then alg (< 0: none). */
void fde_body(struct bytes *o, const char *version, size_t n, int alg);

/* The whole FDE event of a MySQL 8.0.40 server with CRC32. */
void fde_event(struct bytes *o, uint16_t flags);

/* The format that fde_event() describes. */
void mysql80_format(struct binlog_format *fmt);

/* A parser under test: 0 on success, -1 on failure. */
typedef int (*parse_fn)(const uint8_t *body, size_t len);

/*
 * Runs parse on every strict prefix of body (each copied to an exact-size
 * allocation) and on the whole: only the lengths in ok_at, and the whole,
 * may parse; all others must fail.
 */
void each_prefix(const struct bytes *body, parse_fn parse, const size_t *ok_at, size_t nok);

#endif /* MEEPO_TEST_BINLOG_BUILD_H */
