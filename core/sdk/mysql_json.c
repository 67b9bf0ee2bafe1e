/*
 * core/sdk/mysql_json.c - MySQL's binary JSON to JSON text.
 *
 * MySQL stores a JSON column as a binary document (sql/json_binary.h): a
 * type byte, then the value. Objects and arrays come in a small form
 * (2-byte counts, sizes and offsets) and a large one (4-byte); each holds a
 * header of key entries (offset, 2-byte length) and value entries (type,
 * then an offset relative to the container's start or, for literals and
 * 16-bit integers (and 32-bit ones in the large form), the value inline).
 * Strings carry a variable-length size (7 bits per byte, low group first).
 * Opaque values carry a MySQL column type and bytes.
 *
 * The text is what MySQL prints for the column (Json_wrapper::to_string):
 * {"a": 1, "b": [1, 2]}, doubles with ".0" when integral, DECIMAL opaque
 * values as numbers with all their scale digits, DATE as "2015-01-15",
 * TIME/DATETIME/TIMESTAMP with six fractional digits, other opaque values
 * as "base64:typeN:..." (line-broken every 76 characters like MySQL).
 * Control characters in strings are escaped (MySQL leaves 0x1f raw; meepo
 * escapes it so that the result is always valid JSON).
 *
 * Every offset and length is checked against the enclosing container, and
 * nesting deeper than MySQL allows is refused, so a malformed document
 * gives an error, never an out-of-bounds read or a stack overflow.
 *
 * Concurrency: reentrant; no state.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "sdk/format.h"

/* Value types of the binary format. */
enum jtype {
	J_SMALL_OBJECT = 0x00,
	J_LARGE_OBJECT = 0x01,
	J_SMALL_ARRAY = 0x02,
	J_LARGE_ARRAY = 0x03,
	J_LITERAL = 0x04,
	J_INT16 = 0x05,
	J_UINT16 = 0x06,
	J_INT32 = 0x07,
	J_UINT32 = 0x08,
	J_INT64 = 0x09,
	J_UINT64 = 0x0a,
	J_DOUBLE = 0x0b,
	J_STRING = 0x0c,
	J_OPAQUE = 0x0f,
};

/* Literal values. */
enum jliteral {
	J_NULL = 0x00,
	J_TRUE = 0x01,
	J_FALSE = 0x02,
};

/* MySQL column types that opaque values print specially. */
enum opaque_type {
	OPAQUE_TIMESTAMP = 7,
	OPAQUE_DATE = 10,
	OPAQUE_TIME = 11,
	OPAQUE_DATETIME = 12,
	OPAQUE_NEWDECIMAL = 246,
	OPAQUE_VAR_STRING = 253,
};

/* MySQL refuses documents nested deeper than 100; allow some slack. */
#define JSON_MAX_DEPTH 150

/* State of one conversion. */
struct jprint {
	struct meepo_buf *buf;  /* output */
	char *err;              /* error message buffer */
	size_t errlen;          /* its size */
};

static int MEEPO_PRINTF(2, 3) jfail(struct jprint *j, const char *fmt, ...)
{
	va_list ap;

	if (j->errlen > 0) {
		va_start(ap, fmt);
		vsnprintf(j->err, j->errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

/* Little-endian unsigned integer of n (<= 8) bytes. */
static uint64_t le(const uint8_t *p, size_t n)
{
	uint64_t v = 0;

	while (n-- > 0) {
		v = (v << 8) | p[n];
	}
	return v;
}

/* Reads a variable-length size (up to 5 bytes of 7 bits). Returns bytes used, or 0. */
static size_t read_varlen(const uint8_t *p, size_t avail, size_t *len)
{
	uint64_t v = 0;
	size_t i;

	for (i = 0; i < 5 && i < avail; i++) {
		v |= (uint64_t)(p[i] & 0x7f) << (7 * i);
		if ((p[i] & 0x80) == 0) {
			if (v > UINT32_MAX) {
				return 0;
			}
			*len = (size_t)v;
			return i + 1;
		}
	}
	return 0;
}

/* Appends a UTF-8 string as a quoted, escaped JSON string. */
static void put_string(struct jprint *j, const uint8_t *p, size_t len)
{
	meepo_buf_putc(j->buf, '"');
	sdk_append_converted(j->buf, (const char *)p, len, SDK_COLLATION_UTF8MB4, SDK_ESCAPE_JSON);
	meepo_buf_putc(j->buf, '"');
}

/* A double the way MySQL prints it inside JSON: ".0" added when integral. */
static void put_double(struct jprint *j, const uint8_t *p)
{
	uint64_t bits = le(p, 8);
	double d;
	size_t start = j->buf->len;

	memcpy(&d, &bits, sizeof(d));
	sdk_real_append(j->buf, d, false, true);
	if (strpbrk(j->buf->data + start, ".en") == NULL) {
		meepo_buf_append(j->buf, ".0", 2);
	}
}

/* Unpacks MySQL's packed TIME/DATETIME integer (my_time.h) into t. */
static void unpack_temporal(int64_t packed, bool time_only, struct meepo_temporal *t)
{
	uint64_t v = packed < 0 ? (uint64_t)-packed : (uint64_t)packed;
	uint64_t whole = v >> 24;
	uint64_t ymd;
	uint64_t ym;

	memset(t, 0, sizeof(*t));
	t->negative = packed < 0;
	t->microsecond = (uint32_t)(v & 0xffffff);
	t->fsp = 6;
	if (time_only) {
		t->hour = (uint32_t)(whole >> 12) & 0x3ff;
	} else {
		ymd = whole >> 17;
		ym = ymd >> 5;
		t->year = (uint16_t)(ym / 13);
		t->month = (uint8_t)(ym % 13);
		t->day = (uint8_t)(ymd & 31);
		t->hour = (uint32_t)(whole >> 12) & 0x1f;
	}
	t->minute = (uint8_t)((whole >> 6) & 0x3f);
	t->second = (uint8_t)(whole & 0x3f);
}

/* An opaque value: DECIMAL and temporal types as MySQL prints them, else base64. */
static int put_opaque(struct jprint *j, const uint8_t *p, size_t avail)
{
	struct meepo_temporal t;
	enum meepo_value_type type;
	uint8_t field_type;
	size_t len;
	size_t used;

	if (avail < 1 || (used = read_varlen(p + 1, avail - 1, &len)) == 0 ||
	    len > avail - 1 - used) {
		return jfail(j, "JSON opaque value truncated");
	}
	field_type = p[0];
	p += 1 + used;
	switch (field_type) {
	case OPAQUE_NEWDECIMAL:
		if (len < 2 || p[0] == 0 || p[1] > p[0] || p[0] > SDK_DECIMAL_MAX_PRECISION ||
		    len - 2 < sdk_decimal_size(p[0], p[1]) ||
		    sdk_decimal_append(j->buf, p + 2, p[0], p[1]) < 0) {
			return jfail(j, "JSON DECIMAL value malformed");
		}
		return 0;
	case OPAQUE_DATE:
	case OPAQUE_TIME:
	case OPAQUE_DATETIME:
	case OPAQUE_TIMESTAMP:
		if (len < 8) {
			return jfail(j, "JSON temporal value of %zu bytes", len);
		}
		unpack_temporal((int64_t)le(p, 8), field_type == OPAQUE_TIME, &t);
		type = field_type == OPAQUE_DATE ? MEEPO_VALUE_DATE
		       : field_type == OPAQUE_TIME ? MEEPO_VALUE_TIME : MEEPO_VALUE_DATETIME;
		meepo_buf_putc(j->buf, '"');
		sdk_temporal_append(j->buf, type, &t);
		meepo_buf_putc(j->buf, '"');
		return 0;
	case OPAQUE_VAR_STRING:
		put_string(j, p, len);
		return 0;
	default:
		meepo_buf_printf(j->buf, "\"base64:type%u:", (unsigned)field_type);
		sdk_base64_append(j->buf, p, len, 0, true);
		meepo_buf_putc(j->buf, '"');
		return 0;
	}
}

static int put_value(struct jprint *j, uint8_t type, const uint8_t *p, size_t avail, int depth);

/* Bytes a scalar of `type` needs at least, 0 for variable-length ones. */
static size_t fixed_size(uint8_t type)
{
	switch (type) {
	case J_LITERAL:
		return 1;
	case J_INT16:
	case J_UINT16:
		return 2;
	case J_INT32:
	case J_UINT32:
		return 4;
	case J_INT64:
	case J_UINT64:
	case J_DOUBLE:
		return 8;
	default:
		return 0;
	}
}

/* Prints a scalar; p has at least fixed_size(type) bytes (checked by the caller). */
static int put_scalar(struct jprint *j, uint8_t type, const uint8_t *p, size_t avail)
{
	size_t len;
	size_t used;

	switch (type) {
	case J_LITERAL:
		if (p[0] > J_FALSE) {
			return jfail(j, "JSON literal 0x%02x unknown", p[0]);
		}
		meepo_buf_puts(j->buf, p[0] == J_NULL ? "null" : p[0] == J_TRUE ? "true" : "false");
		return 0;
	case J_INT16:
		meepo_buf_printf(j->buf, "%d", (int)(int16_t)le(p, 2));
		return 0;
	case J_UINT16:
		meepo_buf_printf(j->buf, "%u", (unsigned)le(p, 2));
		return 0;
	case J_INT32:
		meepo_buf_printf(j->buf, "%ld", (long)(int32_t)le(p, 4));
		return 0;
	case J_UINT32:
		meepo_buf_printf(j->buf, "%lu", (unsigned long)le(p, 4));
		return 0;
	case J_INT64:
		meepo_buf_printf(j->buf, "%lld", (long long)(int64_t)le(p, 8));
		return 0;
	case J_UINT64:
		meepo_buf_printf(j->buf, "%llu", (unsigned long long)le(p, 8));
		return 0;
	case J_DOUBLE:
		put_double(j, p);
		return 0;
	case J_STRING:
		used = read_varlen(p, avail, &len);
		if (used == 0 || len > avail - used) {
			return jfail(j, "JSON string truncated");
		}
		put_string(j, p + used, len);
		return 0;
	case J_OPAQUE:
		return put_opaque(j, p, avail);
	default:
		return jfail(j, "JSON value type 0x%02x unknown", type);
	}
}

/* True if a value of `type` is stored inside its entry in a container. */
static bool inlined(uint8_t type, bool large)
{
	return type == J_LITERAL || type == J_INT16 || type == J_UINT16 ||
	       (large && (type == J_INT32 || type == J_UINT32));
}

/*
 * Prints an object or array whose count field is at p, with `avail` bytes
 * readable from p (the rest of the enclosing container).
 */
static int put_container(struct jprint *j, bool object, bool large, const uint8_t *p, size_t avail,
                         int depth)
{
	size_t w = large ? 4 : 2;                   /* width of counts and offsets */
	size_t key_entry = w + 2;
	size_t value_entry = 1 + w;
	size_t count;
	size_t size;
	size_t header;
	size_t i;
	size_t off;
	size_t klen;
	const uint8_t *e;

	if (depth > JSON_MAX_DEPTH) {
		return jfail(j, "JSON document nested deeper than %d", JSON_MAX_DEPTH);
	}
	if (avail < 2 * w) {
		return jfail(j, "JSON %s header truncated", object ? "object" : "array");
	}
	count = (size_t)le(p, w);
	size = (size_t)le(p + w, w);
	if (size > avail) {
		return jfail(j, "JSON %s of %zu bytes exceeds the %zu available", object ? "object" : "array",
		             size, avail);
	}
	header = 2 * w + count * ((object ? key_entry : 0) + value_entry);
	if (count > size || header > size) {
		return jfail(j, "JSON %s of %zu elements does not fit in %zu bytes",
		             object ? "object" : "array", count, size);
	}
	meepo_buf_putc(j->buf, object ? '{' : '[');
	for (i = 0; i < count; i++) {
		if (i > 0) {
			meepo_buf_append(j->buf, ", ", 2);
		}
		if (object) {
			e = p + 2 * w + i * key_entry;
			off = (size_t)le(e, w);
			klen = (size_t)le(e + w, 2);
			if (off > size || klen > size - off) {
				return jfail(j, "JSON object key %zu out of bounds", i);
			}
			put_string(j, p + off, klen);
			meepo_buf_append(j->buf, ": ", 2);
		}
		e = p + 2 * w + (object ? count * key_entry : 0) + i * value_entry;
		if (inlined(e[0], large)) {
			if (put_scalar(j, e[0], e + 1, w) < 0) {
				return -1;
			}
			continue;
		}
		off = (size_t)le(e + 1, w);
		if (off >= size) {
			return jfail(j, "JSON %s element %zu out of bounds", object ? "object" : "array", i);
		}
		if (put_value(j, e[0], p + off, size - off, depth + 1) < 0) {
			return -1;
		}
	}
	meepo_buf_putc(j->buf, object ? '}' : ']');
	return 0;
}

/* Prints the value of `type` at p (avail bytes readable). */
static int put_value(struct jprint *j, uint8_t type, const uint8_t *p, size_t avail, int depth)
{
	switch (type) {
	case J_SMALL_OBJECT:
	case J_LARGE_OBJECT:
	case J_SMALL_ARRAY:
	case J_LARGE_ARRAY:
		return put_container(j, type <= J_LARGE_OBJECT, type == J_LARGE_OBJECT ||
		                     type == J_LARGE_ARRAY, p, avail, depth);
	default:
		if (avail < fixed_size(type)) {
			return jfail(j, "JSON scalar of type 0x%02x truncated", type);
		}
		return put_scalar(j, type, p, avail);
	}
}

int sdk_mysql_json_append(struct meepo_buf *buf, const uint8_t *doc, size_t len, char *err,
                          size_t errlen)
{
	struct jprint j = { buf, err, errlen };

	if (len == 0) {
		meepo_buf_append(buf, "null", 4);
		return 0;
	}
	return put_value(&j, doc[0], doc + 1, len - 1, 0);
}
