/*
 * core/sdk/buf.c - struct meepo_buf, the SDK's growable byte buffer.
 *
 * Capacity grows geometrically (doubling, at least 64 bytes), so appending
 * n bytes one at a time costs O(n). The data is NUL-terminated whenever
 * memory has been allocated, so it can be handed to C string functions.
 * Running out of memory aborts the process with a message: a sink cannot
 * do anything sensible with half a formatted event.
 *
 * Concurrency: a buffer belongs to its caller; none of these functions
 * touch shared state.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sdk/format.h"

#define BUF_MIN_CAP 64u

void meepo_buf_reserve(struct meepo_buf *buf, size_t extra)
{
	size_t need;
	size_t cap;
	char *data;

	if (extra > SIZE_MAX - buf->len - 1) {
		fprintf(stderr, "meepo: buffer size overflow\n");
		abort();
	}
	need = buf->len + extra + 1;
	if (need <= buf->cap) {
		return;
	}
	cap = buf->cap < BUF_MIN_CAP ? BUF_MIN_CAP : buf->cap;
	while (cap < need) {
		cap = cap > SIZE_MAX / 2 ? need : cap * 2;
	}
	data = realloc(buf->data, cap);
	if (data == NULL) {
		fprintf(stderr, "meepo: out of memory growing a buffer to %zu bytes\n", cap);
		abort();
	}
	buf->data = data;
	buf->cap = cap;
}


void meepo_buf_printf(struct meepo_buf *buf, const char *fmt, ...)
{
	va_list ap;
	int n;

	/* First try into the room there is; retry once with the exact size. */
	meepo_buf_reserve(buf, 0);
	va_start(ap, fmt);
	n = vsnprintf(buf->data + buf->len, buf->cap - buf->len, fmt, ap);
	va_end(ap);
	if (n < 0) {
		fprintf(stderr, "meepo: invalid format string \"%s\"\n", fmt);
		abort();
	}
	if ((size_t)n >= buf->cap - buf->len) {
		meepo_buf_reserve(buf, (size_t)n);
		va_start(ap, fmt);
		vsnprintf(buf->data + buf->len, buf->cap - buf->len, fmt, ap);
		va_end(ap);
	}
	buf->len += (size_t)n;
}

void sdk_append_uint(struct meepo_buf *buf, uint64_t v)
{
	/* Two digits per division: "00" "01" ... "99". */
	static const char pairs[201] =
		"00010203040506070809101112131415161718192021222324252627282930313233343536373839"
		"40414243444546474849505152535455565758596061626364656667686970717273747576777879"
		"8081828384858687888990919293949596979899";
	char digits[20];
	size_t n = sizeof(digits);

	while (v >= 100) {
		unsigned r = (unsigned)(v % 100);
		v /= 100;
		digits[--n] = pairs[2 * r + 1];
		digits[--n] = pairs[2 * r];
	}
	if (v >= 10) {
		digits[--n] = pairs[2 * v + 1];
		digits[--n] = pairs[2 * v];
	} else {
		digits[--n] = (char)('0' + v);
	}
	meepo_buf_append(buf, digits + n, sizeof(digits) - n);
}

void sdk_append_int(struct meepo_buf *buf, int64_t v)
{
	if (v < 0) {
		meepo_buf_putc(buf, '-');
		/* Negate in unsigned arithmetic: INT64_MIN has no positive twin. */
		sdk_append_uint(buf, 0 - (uint64_t)v);
		return;
	}
	sdk_append_uint(buf, (uint64_t)v);
}

void meepo_buf_reset(struct meepo_buf *buf)
{
	buf->len = 0;
	if (buf->cap > 0) {
		buf->data[0] = '\0';
	}
}

void meepo_buf_free(struct meepo_buf *buf)
{
	free(buf->data);
	buf->data = NULL;
	buf->len = 0;
	buf->cap = 0;
}
