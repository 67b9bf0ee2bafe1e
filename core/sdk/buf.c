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

/* The slow path of buf_reserve(): grows the allocation. */
static void __attribute__((noinline)) buf_grow(struct meepo_buf *buf, size_t extra)
{
	size_t need;
	size_t cap;
	char *data;

	if (extra > SIZE_MAX - buf->len - 1) {
		fprintf(stderr, "meepo: buffer size overflow\n");
		abort();
	}
	need = buf->len + extra + 1;
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

/* Makes room for `extra` more bytes plus the terminating NUL. */
static inline void buf_reserve(struct meepo_buf *buf, size_t extra)
{
	if (buf->cap - buf->len <= extra) { /* also true for an empty buffer (cap 0) */
		buf_grow(buf, extra);
	}
}

void meepo_buf_append(struct meepo_buf *buf, const void *data, size_t n)
{
	buf_reserve(buf, n);
	if (n > 0) {
		memcpy(buf->data + buf->len, data, n);
	}
	buf->len += n;
	buf->data[buf->len] = '\0';
}

void meepo_buf_puts(struct meepo_buf *buf, const char *s)
{
	meepo_buf_append(buf, s, strlen(s));
}

void meepo_buf_putc(struct meepo_buf *buf, char c)
{
	buf_reserve(buf, 1);
	buf->data[buf->len++] = c;
	buf->data[buf->len] = '\0';
}

void meepo_buf_printf(struct meepo_buf *buf, const char *fmt, ...)
{
	va_list ap;
	int n;

	/* First try into the room there is; retry once with the exact size. */
	buf_reserve(buf, 0);
	va_start(ap, fmt);
	n = vsnprintf(buf->data + buf->len, buf->cap - buf->len, fmt, ap);
	va_end(ap);
	if (n < 0) {
		fprintf(stderr, "meepo: invalid format string \"%s\"\n", fmt);
		abort();
	}
	if ((size_t)n >= buf->cap - buf->len) {
		buf_reserve(buf, (size_t)n);
		va_start(ap, fmt);
		vsnprintf(buf->data + buf->len, buf->cap - buf->len, fmt, ap);
		va_end(ap);
	}
	buf->len += (size_t)n;
}

void sdk_append_uint(struct meepo_buf *buf, uint64_t v)
{
	char digits[20];
	size_t n = sizeof(digits);

	do {
		digits[--n] = (char)('0' + v % 10);
		v /= 10;
	} while (v > 0);
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
