/*
 * core/sdk/format.h - internal helpers shared by the SDK's value formatters
 * (text.c, json.c, mysql_json.c, decimal.c, charset.c, event.c) and, for the
 * DECIMAL size rule only, by the binlog decoder (core/binlog/value.c).
 *
 * Nothing here is exported to plugins; plugins use meepo/sdk.h.
 *
 * Concurrency: every function is reentrant and keeps no state, except the
 * legacy-charset converters in charset.c, which serialise on one mutex.
 */
#ifndef MEEPO_SDK_FORMAT_H
#define MEEPO_SDK_FORMAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <meepo/sdk.h>
#include <meepo/value.h>

/* buf.c: appends an unsigned integer in decimal (cheaper than meepo_buf_printf). */
void sdk_append_uint(struct meepo_buf *buf, uint64_t v);
/* buf.c: appends a signed integer in decimal. */
void sdk_append_int(struct meepo_buf *buf, int64_t v);

/*
 * Writes v as exactly `width` decimal digits (zero-padded, the high digits
 * cut if v is wider) at p; returns p + width. The hot path's printf.
 */
static inline char *sdk_put_digits(char *p, uint32_t v, unsigned width)
{
	for (unsigned i = width; i > 0; i--) {
		p[i - 1] = (char)('0' + v % 10);
		v /= 10;
	}
	return p + width;
}

/* DECIMAL limits (MariaDB allows scale up to 38, MySQL up to 30). */
#define SDK_DECIMAL_MAX_PRECISION 65u
#define SDK_DECIMAL_MAX_SCALE 38u

/*
 * Bytes that hold `digits` decimal digits in a packed DECIMAL: 4 per group
 * of nine, (n + 1) / 2 for the n (0..8) digits left over.
 */
static inline size_t sdk_decimal_digit_bytes(unsigned digits)
{
	return (size_t)(digits / 9) * 4 + (digits % 9 + 1) / 2;
}

/* Bytes of a packed DECIMAL(precision, scale); scale <= precision. */
static inline size_t sdk_decimal_size(unsigned precision, unsigned scale)
{
	return sdk_decimal_digit_bytes(precision - scale) + sdk_decimal_digit_bytes(scale);
}

/*
 * decimal.c: appends a packed DECIMAL as SELECT shows it (every scale digit,
 * "0" for an empty integer part). Returns 0, or -1 if a digit group is out
 * of range or precision/scale are impossible (nothing is appended then).
 */
int sdk_decimal_append(struct meepo_buf *buf, const uint8_t *bin, unsigned precision,
                       unsigned scale);

/*
 * decimal.c: packs the text of a DECIMAL(precision, scale) ("-12.50",
 * "+3", ".5"; at most `scale` fraction digits, fewer are padded with
 * zeros) into the binlog's form at out (sdk_decimal_size() bytes): the
 * exact inverse of sdk_decimal_append. Returns 0, or -1 if the text is not
 * a number or does not fit (nothing meaningful is written then).
 */
int sdk_decimal_pack(const char *text, size_t len, unsigned precision, unsigned scale,
                     uint8_t *out);

/* How charset.c escapes what it writes. */
enum sdk_escape {
	SDK_ESCAPE_TEXT = 0,    /* plain UTF-8; an invalid byte becomes the text \xNN */
	SDK_ESCAPE_JSON = 1,    /* inside a JSON string: RFC 8259 escapes, invalid byte -> \\xNN */
};

/* Collation id used for text that is already UTF-8 (names, JSON strings). */
#define SDK_COLLATION_UTF8MB4 45u

/* Appends UTF-8 text (names, utf8mb3/utf8mb4 values), escaped as `mode` says. */
void sdk_append_utf8(struct meepo_buf *buf, const uint8_t *p, size_t len, enum sdk_escape mode);

/*
 * charset.c: appends `len` bytes in the charset of `collation` converted to
 * UTF-8 and escaped as `mode` says. Collation 0 (unknown) is read as UTF-8.
 * Binary (63) bytes are treated like an unknown single-byte charset: ASCII
 * passes, other bytes are escaped.
 */
void sdk_append_converted(struct meepo_buf *buf, const char *p, size_t len, uint16_t collation,
                          enum sdk_escape mode);

/* text.c: appends a temporal value (DATE, TIME, DATETIME, TIMESTAMP) as SELECT shows it. */
void sdk_temporal_append(struct meepo_buf *buf, enum meepo_value_type type,
                         const struct meepo_temporal *t);

/*
 * text.c: appends a FLOAT or DOUBLE the way the server prints it: DOUBLE
 * with the shortest digits that read back as the same double; FLOAT with at
 * most 6 significant digits (select_form) or the shortest digits that read
 * back as the same float (!select_form); 'f' notation for exponents -15..15,
 * else "1.5e-16" / "3.4e38". Infinity and NaN are written as "null".
 */
void sdk_real_append(struct meepo_buf *buf, double d, bool single, bool select_form);

/*
 * mysql_json.c: appends a MySQL binary JSON document as MySQL prints it
 * ({"a": 1, "b": [1, 2]}). An empty document is the JSON null literal.
 * Returns 0, or -1 with a message in err if the document is malformed (the
 * buffer then holds a partial text).
 */
int sdk_mysql_json_append(struct meepo_buf *buf, const uint8_t *doc, size_t len, char *err,
                          size_t errlen);

/*
 * json.c: appends `len` bytes followed by `zeros` 0x00 bytes as base64
 * (RFC 4648, padded). With
 * `json_line_breaks`, a JSON-escaped line break ("\\n") follows every 76
 * characters that have more after them, as MySQL's base64_encode() breaks
 * lines (for opaque values inside JSON documents).
 */
void sdk_base64_append(struct meepo_buf *buf, const uint8_t *p, size_t len, size_t zeros,
                       bool json_line_breaks);

/* event.c: true when two values are the same type and byte-identical. */
bool sdk_value_equal(const struct meepo_value *a, const struct meepo_value *b);

#endif /* MEEPO_SDK_FORMAT_H */
