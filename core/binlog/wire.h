/*
 * core/binlog/wire.h - bounds-checked reading of binlog wire fields.
 *
 * A cursor over [p, end) with little-endian fixed-width integers, MySQL
 * length-encoded ("packed") integers and byte runs. Every read checks the
 * remaining length first and returns -1 instead of reading past `end`; the
 * cursor does not move on failure.
 *
 * Concurrency: a cursor belongs to one caller; the functions keep no state.
 */
#ifndef MEEPO_BINLOG_WIRE_H
#define MEEPO_BINLOG_WIRE_H

#include <stddef.h>
#include <stdint.h>

/* A read position inside a byte range. */
struct wire {
	const uint8_t *p;       /* next byte to read */
	const uint8_t *end;     /* one past the last readable byte */
};

/* Returns the number of bytes left. */
static inline size_t wire_left(const struct wire *w)
{
	return (size_t)(w->end - w->p);
}

/* Returns the n-byte (n <= 8) little-endian unsigned integer at p. */
static inline uint64_t wire_le(const uint8_t *p, size_t n)
{
	uint64_t v = 0;
	size_t i;

	for (i = n; i > 0; i--) {
		v = (v << 8) | p[i - 1];
	}
	return v;
}

/* Reads an n-byte (n <= 8) little-endian unsigned integer. */
static inline int wire_uint(struct wire *w, size_t n, uint64_t *out)
{
	if (wire_left(w) < n) {
		return -1;
	}
	*out = wire_le(w->p, n);
	w->p += n;
	return 0;
}

/* Reads n bytes: *out points at them in the buffer. */
static inline int wire_bytes(struct wire *w, size_t n, const uint8_t **out)
{
	if (wire_left(w) < n) {
		return -1;
	}
	*out = w->p;
	w->p += n;
	return 0;
}

/*
 * Reads a length-encoded integer: one byte below 0xfb, or 0xfc/0xfd/0xfe
 * followed by 2, 3 or 8 bytes. 0xfb (NULL) and 0xff are refused.
 */
static inline int wire_packed(struct wire *w, uint64_t *out)
{
	size_t n;

	if (wire_left(w) < 1) {
		return -1;
	}
	switch (w->p[0]) {
	case 0xfc:
		n = 2;
		break;
	case 0xfd:
		n = 3;
		break;
	case 0xfe:
		n = 8;
		break;
	case 0xfb:
	case 0xff:
		return -1;
	default:
		*out = w->p[0];
		w->p++;
		return 0;
	}
	if (wire_left(w) < 1 + n) {
		return -1;
	}
	*out = wire_le(w->p + 1, n);
	w->p += 1 + n;
	return 0;
}

/*
 * Returns the width of the table id that starts TABLE_MAP and rows events:
 * 4 bytes when the format gives that event a 6-byte post-header (MySQL
 * 5.1.0-5.1.15), else 6.
 */
static inline size_t wire_table_id_len(uint8_t post_header_len)
{
	return post_header_len == 6 ? 4 : 6;
}

/* Returns bit i of an LSB-first bitmap (the layout rows events use). */
static inline int wire_bit(const uint8_t *bitmap, uint32_t i)
{
	return (bitmap[i / 8] >> (i % 8)) & 1;
}

#endif /* MEEPO_BINLOG_WIRE_H */
