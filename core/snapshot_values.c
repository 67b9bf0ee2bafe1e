/*
 * core/snapshot_values.c - information_schema columns to TABLE_MAP columns,
 * and SELECT's text to the values the binlog decoder gives (see
 * snapshot_values.h).
 *
 * The meta of each wire type follows core/binlog/table_map.c: VARCHAR its
 * byte length, BLOB/JSON/GEOMETRY the length-prefix width, FLOAT/DOUBLE the
 * pack length, temporals the fractional digits, NEWDECIMAL precision << 8 |
 * scale, BIT bytes << 8 | bits, STRING/ENUM/SET real type << 8 | length.
 *
 * Concurrency: reentrant; no state.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sdk/format.h"
#include "snapshot_values.h"


/* A DATA_TYPE and its wire type; meta 0 means "worked out per column". */
struct type_map {
	const char *data_type;  /* as information_schema spells it */
	uint8_t type;           /* wire type */
	uint16_t meta;          /* fixed meta, or 0 */
};

static const struct type_map types[] = {
	{ "tinyint", BINLOG_COL_TINY, 0 },
	{ "smallint", BINLOG_COL_SHORT, 0 },
	{ "mediumint", BINLOG_COL_INT24, 0 },
	{ "int", BINLOG_COL_LONG, 0 },
	{ "bigint", BINLOG_COL_LONGLONG, 0 },
	{ "float", BINLOG_COL_FLOAT, 4 },
	{ "double", BINLOG_COL_DOUBLE, 8 },
	{ "decimal", BINLOG_COL_NEWDECIMAL, 0 },
	{ "date", BINLOG_COL_DATE, 0 },
	{ "time", BINLOG_COL_TIME2, 0 },
	{ "datetime", BINLOG_COL_DATETIME2, 0 },
	{ "timestamp", BINLOG_COL_TIMESTAMP2, 0 },
	{ "year", BINLOG_COL_YEAR, 0 },
	{ "char", BINLOG_COL_STRING, 0 },
	{ "binary", BINLOG_COL_STRING, 0 },
	{ "varchar", BINLOG_COL_VARCHAR, 0 },
	{ "varbinary", BINLOG_COL_VARCHAR, 0 },
	{ "tinytext", BINLOG_COL_BLOB, 1 },
	{ "tinyblob", BINLOG_COL_BLOB, 1 },
	{ "text", BINLOG_COL_BLOB, 2 },
	{ "blob", BINLOG_COL_BLOB, 2 },
	{ "mediumtext", BINLOG_COL_BLOB, 3 },
	{ "mediumblob", BINLOG_COL_BLOB, 3 },
	{ "longtext", BINLOG_COL_BLOB, 4 },
	{ "longblob", BINLOG_COL_BLOB, 4 },
	{ "json", BINLOG_COL_JSON, 4 },
	{ "enum", BINLOG_COL_ENUM, 0 },
	{ "set", BINLOG_COL_SET, 0 },
	{ "bit", BINLOG_COL_BIT, 0 },
	{ "geometry", BINLOG_COL_GEOMETRY, 4 },
	{ "point", BINLOG_COL_GEOMETRY, 4 },
	{ "linestring", BINLOG_COL_GEOMETRY, 4 },
	{ "polygon", BINLOG_COL_GEOMETRY, 4 },
	{ "multipoint", BINLOG_COL_GEOMETRY, 4 },
	{ "multilinestring", BINLOG_COL_GEOMETRY, 4 },
	{ "multipolygon", BINLOG_COL_GEOMETRY, 4 },
	{ "geometrycollection", BINLOG_COL_GEOMETRY, 4 },
	{ "geomcollection", BINLOG_COL_GEOMETRY, 4 },
};

/* STRING's meta: the real type, with a length of 256.. folded into bits 4-5. */
static uint16_t string_meta(uint64_t len)
{
	uint16_t real = (uint16_t)(BINLOG_COL_STRING ^ ((len & 0x300) >> 4));

	return (uint16_t)(real << 8 | (len & 0xff));
}

/* SET's storage bytes: 1..4, or 8 (MySQL's get_set_pack_length). */
static uint16_t set_bytes(uint32_t members)
{
	uint16_t n = (uint16_t)((members + 7) / 8);

	return n > 4 ? 8 : n;
}

int snapshot_column(const struct snapshot_coldesc *desc, struct meepo_column *out, char *err,
                    size_t errlen)
{
	const struct type_map *map = NULL;

	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		if (strcmp(desc->data_type, types[i].data_type) == 0) {
			map = &types[i];
			break;
		}
	}
	if (map == NULL) {
		snprintf(err, errlen, "column type %s is not supported by the snapshot",
		         desc->column_type);
		return -1;
	}
	out->type = map->type;
	out->meta = map->meta;
	out->nullable = desc->nullable;
	out->is_unsigned = strstr(desc->column_type, "unsigned") != NULL;
	switch (map->type) {
	case BINLOG_COL_NEWDECIMAL:
		if (desc->precision == 0 || desc->precision > SDK_DECIMAL_MAX_PRECISION ||
		    desc->scale > desc->precision || desc->scale > SDK_DECIMAL_MAX_SCALE) {
			snprintf(err, errlen, "column type %s: impossible precision", desc->column_type);
			return -1;
		}
		out->meta = (uint16_t)(desc->precision << 8 | desc->scale);
		break;
	case BINLOG_COL_TIME2:
	case BINLOG_COL_DATETIME2:
	case BINLOG_COL_TIMESTAMP2:
		out->meta = (uint16_t)(desc->fsp > 6 ? 6 : desc->fsp);
		break;
	case BINLOG_COL_STRING:
		out->meta = string_meta(desc->octet_length);
		break;
	case BINLOG_COL_VARCHAR:
		out->meta = (uint16_t)desc->octet_length;
		break;
	case BINLOG_COL_BIT:
		out->meta = (uint16_t)((desc->precision / 8) << 8 | desc->precision % 8);
		break;
	case BINLOG_COL_ENUM:
		out->meta = (uint16_t)(BINLOG_COL_ENUM << 8 | (desc->nmembers > 255 ? 2 : 1));
		break;
	case BINLOG_COL_SET:
		out->meta = (uint16_t)(BINLOG_COL_SET << 8 | set_bytes(desc->nmembers));
		break;
	default:
		break;
	}
	switch (map->type) {
	case BINLOG_COL_STRING:
	case BINLOG_COL_VARCHAR:
	case BINLOG_COL_BLOB:
	case BINLOG_COL_GEOMETRY:
	case BINLOG_COL_ENUM:
	case BINLOG_COL_SET:
		out->charset = desc->collation != 0 ? desc->collation : BINLOG_BINARY_COLLATION;
		break;
	default:
		break;
	}
	return 0;
}

bool snapshot_select_numeric(const struct meepo_column *col)
{
	return col->type == BINLOG_COL_ENUM || col->type == BINLOG_COL_SET || col->type == BINLOG_COL_BIT;
}

bool snapshot_float_expr(const struct meepo_column *col)
{
	return col->type == BINLOG_COL_FLOAT;
}

/* Parses "[-]digits" into *out. Returns 0 or -1. */
static int parse_uint(const char *p, const char *end, uint64_t *out)
{
	uint64_t v = 0;

	if (p == end) {
		return -1;
	}
	for (; p < end; p++) {
		if (*p < '0' || *p > '9' || v > (UINT64_MAX - (uint64_t)(*p - '0')) / 10) {
			return -1;
		}
		v = v * 10 + (uint64_t)(*p - '0');
	}
	*out = v;
	return 0;
}

static int parse_int(const char *p, const char *end, struct meepo_value *out, bool is_unsigned)
{
	bool negative = p < end && *p == '-';
	uint64_t magnitude;

	if (parse_uint(p + negative, end, &magnitude) != 0) {
		return -1;
	}
	if (is_unsigned) {
		if (negative) {
			return -1;
		}
		out->type = MEEPO_VALUE_UINT;
		out->u = magnitude;
		return 0;
	}
	if (magnitude > (negative ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX)) {
		return -1;
	}
	out->type = MEEPO_VALUE_INT;
	out->i = negative ? (int64_t)(0 - magnitude) : (int64_t)magnitude;
	return 0;
}

/*
 * A BIT value or SET mask: `col+0` of a 64-member SET (or BIT(64)) may come
 * back as a negative BIGINT; its bits are the mask.
 */
static int parse_bits(const char *p, const char *end, uint64_t *out)
{
	struct meepo_value v;

	if (parse_uint(p, end, out) == 0) {
		return 0;
	}
	if (parse_int(p, end, &v, false) != 0) {
		return -1;
	}
	*out = (uint64_t)v.i;
	return 0;
}

/* Reads exactly n digits at *p into *out and moves past them. */
static int take_digits(const char **p, const char *end, unsigned n, uint32_t *out)
{
	uint64_t v;

	if ((size_t)(end - *p) < n || parse_uint(*p, *p + n, &v) != 0) {
		return -1;
	}
	*out = (uint32_t)v;
	*p += n;
	return 0;
}

/* Reads the separator c at *p and moves past it. */
static int take_char(const char **p, const char *end, char c)
{
	if (*p == end || **p != c) {
		return -1;
	}
	(*p)++;
	return 0;
}

/* Reads ".ffffff" (1..6 digits) if present into microseconds. */
static int take_fraction(const char **p, const char *end, uint32_t *micro)
{
	unsigned n = 0;

	*micro = 0;
	if (*p == end) {
		return 0;
	}
	if (take_char(p, end, '.') != 0) {
		return -1;
	}
	for (; *p < end && n < 6 && **p >= '0' && **p <= '9'; (*p)++, n++) {
		*micro = *micro * 10 + (uint32_t)(**p - '0');
	}
	if (n == 0 || *p != end) {
		return -1;
	}
	for (; n < 6; n++) {
		*micro *= 10;
	}
	return 0;
}

/* "YYYY-MM-DD" into t. */
static int take_date(const char **p, const char *end, struct meepo_temporal *t)
{
	uint32_t y;
	uint32_t m;
	uint32_t d;

	if (take_digits(p, end, 4, &y) != 0 || take_char(p, end, '-') != 0 ||
	    take_digits(p, end, 2, &m) != 0 || take_char(p, end, '-') != 0 ||
	    take_digits(p, end, 2, &d) != 0 || m > 12 || d > 31) {
		return -1;
	}
	t->year = (uint16_t)y;
	t->month = (uint8_t)m;
	t->day = (uint8_t)d;
	return 0;
}

/* "HH:MM:SS[.f]" (hours 2..3 digits) into t. */
static int take_time(const char **p, const char *end, struct meepo_temporal *t)
{
	const char *colon = memchr(*p, ':', (size_t)(end - *p));
	uint32_t h;
	uint32_t m;
	uint32_t s;

	if (colon == NULL || colon - *p < 2 || colon - *p > 3 ||
	    take_digits(p, end, (unsigned)(colon - *p), &h) != 0 || take_char(p, end, ':') != 0 ||
	    take_digits(p, end, 2, &m) != 0 || take_char(p, end, ':') != 0 ||
	    take_digits(p, end, 2, &s) != 0 || m > 59 || s > 59 ||
	    take_fraction(p, end, &t->microsecond) != 0) {
		return -1;
	}
	t->hour = h;
	t->minute = (uint8_t)m;
	t->second = (uint8_t)s;
	return 0;
}

/* DATE, TIME, DATETIME, TIMESTAMP text into out. */
static int parse_temporal(const struct meepo_column *col, const char *p, const char *end,
                          struct meepo_value *out)
{
	struct meepo_temporal *t = &out->time;

	switch (col->type) {
	case BINLOG_COL_DATE:
		out->type = MEEPO_VALUE_DATE;
		return take_date(&p, end, t) == 0 && p == end ? 0 : -1;
	case BINLOG_COL_TIME2:
		out->type = MEEPO_VALUE_TIME;
		t->fsp = (uint8_t)col->meta;
		t->negative = take_char(&p, end, '-') == 0;
		return take_time(&p, end, t) == 0 && t->hour <= 838 ? 0 : -1;
	default:
		out->type = col->type == BINLOG_COL_TIMESTAMP2 ? MEEPO_VALUE_TIMESTAMP : MEEPO_VALUE_DATETIME;
		t->fsp = (uint8_t)col->meta;
		if (take_date(&p, end, t) != 0 || take_char(&p, end, ' ') != 0 ||
		    take_time(&p, end, t) != 0 || t->hour > 23) {
			return -1;
		}
		if (out->type == MEEPO_VALUE_TIMESTAMP && t->year != 0) {
			struct tm tm = { .tm_year = t->year - 1900, .tm_mon = t->month - 1,
			                 .tm_mday = t->day, .tm_hour = (int)t->hour,
			                 .tm_min = t->minute, .tm_sec = t->second };
			t->epoch = (int64_t)timegm(&tm);
		}
		return 0;
	}
}

/* Points out's string at a chunk copy of the text. */
static void set_string(struct meepo_value *out, enum meepo_value_type type, const char *text,
                       size_t len, uint16_t charset, struct chunk *chunk)
{
	out->type = type;
	out->str.ptr = (const char *)chunk_copy(chunk, text, len);
	out->str.len = len;
	out->str.charset = charset;
}

int snapshot_value(const struct meepo_column *col, const char *text, size_t len,
                   struct chunk *chunk, struct meepo_value *out, char *err, size_t errlen)
{
	const char *end = text + len;
	uint64_t u = 0;
	char num[80];
	char *num_end;
	int rc = 0;

	memset(out, 0, sizeof(*out));
	if (text == NULL) {
		out->type = MEEPO_VALUE_NULL;
		return 0;
	}
	switch (col->type) {
	case BINLOG_COL_TINY:
	case BINLOG_COL_SHORT:
	case BINLOG_COL_INT24:
	case BINLOG_COL_LONG:
	case BINLOG_COL_LONGLONG:
		rc = parse_int(text, end, out, col->is_unsigned);
		break;
	case BINLOG_COL_FLOAT:
	case BINLOG_COL_DOUBLE:
		if (len == 0 || len >= sizeof(num)) {
			rc = -1;
			break;
		}
		memcpy(num, text, len);
		num[len] = '\0';
		out->d = strtod(num, &num_end);
		rc = num_end == num + len ? 0 : -1;
		if (col->type == BINLOG_COL_FLOAT) {
			out->type = MEEPO_VALUE_FLOAT;
			out->d = (double)(float)out->d;
		} else {
			out->type = MEEPO_VALUE_DOUBLE;
		}
		break;
	case BINLOG_COL_NEWDECIMAL: {
		uint8_t *bin = chunk_alloc(chunk, sdk_decimal_size(col->meta >> 8, col->meta & 0xff));
		out->type = MEEPO_VALUE_DECIMAL;
		out->decimal.bin = bin;
		out->decimal.precision = (uint8_t)(col->meta >> 8);
		out->decimal.scale = (uint8_t)(col->meta & 0xff);
		rc = sdk_decimal_pack(text, len, col->meta >> 8, col->meta & 0xff, bin);
		break;
	}
	case BINLOG_COL_DATE:
	case BINLOG_COL_TIME2:
	case BINLOG_COL_DATETIME2:
	case BINLOG_COL_TIMESTAMP2:
		rc = parse_temporal(col, text, end, out);
		break;
	case BINLOG_COL_YEAR:
		out->type = MEEPO_VALUE_YEAR;
		rc = parse_uint(text, end, &out->u) == 0 && (out->u == 0 || (out->u >= 1901 &&
		     out->u <= 2155)) ? 0 : -1;
		break;
	case BINLOG_COL_BIT:
		out->type = MEEPO_VALUE_BIT;
		rc = parse_bits(text, end, &out->u);
		break;
	case BINLOG_COL_ENUM:
	case BINLOG_COL_SET:
		rc = parse_bits(text, end, &u);
		out->type = col->type == BINLOG_COL_ENUM ? MEEPO_VALUE_ENUM : MEEPO_VALUE_SET;
		out->enumset.bits = u;
		out->enumset.names = col->names;
		break;
	case BINLOG_COL_STRING:
		if (col->charset == BINLOG_BINARY_COLLATION) {
			/* The binlog drops BINARY(n)'s trailing zeros; SELECT shows them. */
			size_t kept = len;
			while (kept > 0 && text[kept - 1] == '\0') {
				kept--;
			}
			set_string(out, MEEPO_VALUE_BYTES, text, kept, col->charset, chunk);
			out->str.zero_pad = (uint32_t)(len - kept);
		} else {
			set_string(out, MEEPO_VALUE_STRING, text, len, col->charset, chunk);
		}
		break;
	case BINLOG_COL_VARCHAR:
	case BINLOG_COL_BLOB:
		set_string(out, col->charset == BINLOG_BINARY_COLLATION ? MEEPO_VALUE_BYTES : MEEPO_VALUE_STRING,
		           text, len, col->charset, chunk);
		break;
	case BINLOG_COL_JSON:
		out->type = MEEPO_VALUE_JSON;
		out->json.ptr = chunk_copy(chunk, text, len);
		out->json.len = len;
		out->json.binary = false;
		break;
	case BINLOG_COL_GEOMETRY:
		set_string(out, MEEPO_VALUE_GEOMETRY, text, len, col->charset, chunk);
		break;
	default:
		snprintf(err, errlen, "column %s: wire type %u is not supported by the snapshot",
		         col->name != NULL ? col->name : "?", col->type);
		return -1;
	}
	if (rc != 0) {
		snprintf(err, errlen, "column %s: cannot read the value '%.*s'",
		         col->name != NULL ? col->name : "?", len > 64 ? 64 : (int)len, text);
	}
	return rc;
}
