/*
 * core/sdk/text.c - a value as SELECT shows it (meepo_value_append_text),
 * and the temporal and floating-point formatting the JSON forms share.
 *
 * The forms follow what the mysql/mariadb client prints for the same row
 * (checked against MariaDB 10.11 with time_zone '+00:00'):
 *   DECIMAL     every scale digit: 4.20, -0.0001, 0
 *   FLOAT       at most 6 significant digits: 0.1, 1234560, 3.4e38
 *   DOUBLE      shortest round-trip digits: 0.30000000000000004, 1e16
 *   temporal    exactly fsp fractional digits: 2023-09-24 18:54:12.123400,
 *               -838:59:59.000000, 0000-00-00; TIMESTAMP in UTC
 *   YEAR        four digits, 0000 for 0
 *   BIT         the unsigned number
 *   ENUM, SET   the member names ('' for ENUM index 0, SET members joined
 *               with ','); the index / bit mask as a number without names
 *   strings     converted to UTF-8, invalid bytes as the text \xNN
 *   BYTES, GEOMETRY, VECTOR   the raw bytes
 *   JSON        MySQL's text form of binary JSON; MariaDB's text as is
 *   NULL        NULL;  ABSENT  nothing (and 0 is returned)
 *
 * Concurrency: reentrant; no state.
 */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sdk/format.h"

/*
 * The server prints a float or double in 'f' notation when its decimal
 * exponent (the position of the point relative to the first digit) is in
 * -14..15, or up to 17 digits long with no zeros to pad; else in 'e'
 * notation (strings/dtoa.c my_gcvt, MAX_DECPT_FOR_F_FORMAT = DBL_DIG).
 */
#define F_FORMAT_MAX_DECPT 15
#define F_FORMAT_MIN_DECPT (-14)

/* Decimal digits of a floating-point number. */
struct real_digits {
	char digits[24];    /* significant digits, no trailing zeros, NUL-terminated */
	int len;            /* number of digits */
	int decpt;          /* value = 0.digits * 10^decpt */
};

/*
 * Rounds |d| to `precision` significant digits. Returns whether the digits
 * read back as `d` (as a float when `single`).
 */
static bool real_round(double d, int precision, bool single, struct real_digits *out)
{
	char text[40];
	char *e;
	int i;

	snprintf(text, sizeof(text), "%.*e", precision - 1, fabs(d));
	e = strchr(text, 'e');
	out->len = 0;
	for (i = 0; text + i < e; i++) {
		if (text[i] != '.') {
			out->digits[out->len++] = text[i];
		}
	}
	while (out->len > 1 && out->digits[out->len - 1] == '0') {
		out->len--;
	}
	out->digits[out->len] = '\0';
	out->decpt = atoi(e + 1) + 1;
	if (single) {
		return strtof(text, NULL) == (float)fabs(d);
	}
	return strtod(text, NULL) == fabs(d);
}

/*
 * Digits of d: a FLOAT in SELECT form gets 6 significant digits; otherwise
 * the shortest digits that round-trip. For normal numbers the search starts
 * at 6 (float) or 15 (double) digits: a rounding to that many digits that
 * round-trips, with its trailing zeros cut, is the shortest, because the
 * round-trip interval holds at most one decimal of that length. Subnormal
 * numbers have wider intervals, so their search starts at one digit.
 */
static void real_digits(double d, bool single, bool select_form, struct real_digits *out)
{
	bool subnormal = single ? fabs(d) < FLT_MIN : fabs(d) < DBL_MIN;
	int precision = subnormal ? 1 : single ? 6 : 15;
	int max = single ? 9 : 17;

	if (single && select_form) {
		real_round(d, 6, true, out);
		return;
	}
	while (!real_round(d, precision, single, out) && precision < max) {
		precision++;
	}
}

void sdk_real_append(struct meepo_buf *buf, double d, bool single, bool select_form)
{
	struct real_digits r;
	int exponent;
	int i;

	if (!isfinite(d)) {
		meepo_buf_puts(buf, "null");
		return;
	}
	real_digits(d, single, select_form, &r);
	if (signbit(d)) {
		meepo_buf_putc(buf, '-');
	}
	if (r.decpt >= F_FORMAT_MIN_DECPT && (r.decpt <= F_FORMAT_MAX_DECPT || r.len > r.decpt)) {
		if (r.decpt <= 0) {
			meepo_buf_append(buf, "0.", 2);
			for (i = r.decpt; i < 0; i++) {
				meepo_buf_putc(buf, '0');
			}
			meepo_buf_append(buf, r.digits, (size_t)r.len);
		} else if (r.decpt < r.len) {
			meepo_buf_append(buf, r.digits, (size_t)r.decpt);
			meepo_buf_putc(buf, '.');
			meepo_buf_append(buf, r.digits + r.decpt, (size_t)(r.len - r.decpt));
		} else {
			meepo_buf_append(buf, r.digits, (size_t)r.len);
			for (i = r.len; i < r.decpt; i++) {
				meepo_buf_putc(buf, '0');
			}
		}
		return;
	}
	meepo_buf_putc(buf, r.digits[0]);
	if (r.len > 1) {
		meepo_buf_putc(buf, '.');
		meepo_buf_append(buf, r.digits + 1, (size_t)(r.len - 1));
	}
	exponent = r.decpt - 1;
	meepo_buf_printf(buf, "e%d", exponent);
}


void sdk_temporal_append(struct meepo_buf *buf, enum meepo_value_type type,
                         const struct meepo_temporal *t)
{
	static const uint32_t divisor[7] = { 1000000, 100000, 10000, 1000, 100, 10, 1 };
	unsigned fsp = t->fsp > 6 ? 6 : t->fsp;
	char text[40]; /* "-838:59:59.000000" or "9999-12-31 23:59:59.999999" */
	char *p = text;

	if (type != MEEPO_VALUE_TIME) {
		p = sdk_put_digits(p, t->year, 4);
		*p++ = '-';
		p = sdk_put_digits(p, t->month, 2);
		*p++ = '-';
		p = sdk_put_digits(p, t->day, 2);
		if (type == MEEPO_VALUE_DATE) {
			meepo_buf_append(buf, text, (size_t)(p - text));
			return;
		}
		*p++ = ' ';
	} else if (t->negative) {
		*p++ = '-';
	}
	/* TIME's hour goes up to 838: at least two digits. */
	p = sdk_put_digits(p, t->hour, t->hour >= 100 ? (t->hour >= 1000 ? 4 : 3) : 2);
	*p++ = ':';
	p = sdk_put_digits(p, t->minute, 2);
	*p++ = ':';
	p = sdk_put_digits(p, t->second, 2);
	if (fsp > 0) {
		*p++ = '.';
		p = sdk_put_digits(p, t->microsecond / divisor[fsp], fsp);
	}
	meepo_buf_append(buf, text, (size_t)(p - text));
}

/* ENUM: the member name, '' for 0; the index when names are unknown. */
static int append_enum(struct meepo_buf *buf, const struct meepo_value *v)
{
	const struct meepo_strlist *names = v->enumset.names;

	if (names == NULL) {
		meepo_buf_printf(buf, "%llu", (unsigned long long)v->enumset.bits);
		return 0;
	}
	if (v->enumset.bits > names->count) {
		return -1;
	}
	if (v->enumset.bits > 0) {
		meepo_buf_puts(buf, names->names[v->enumset.bits - 1]);
	}
	return 0;
}

/* SET: the members' names joined with ','; the mask when names are unknown. */
static int append_set(struct meepo_buf *buf, const struct meepo_value *v)
{
	const struct meepo_strlist *names = v->enumset.names;
	uint64_t bits = v->enumset.bits;
	uint32_t i;
	bool first = true;

	if (names == NULL) {
		meepo_buf_printf(buf, "%llu", (unsigned long long)bits);
		return 0;
	}
	if (names->count < 64 && (bits >> names->count) != 0) {
		return -1;
	}
	for (i = 0; i < names->count && i < 64; i++) {
		if (bits & ((uint64_t)1 << i)) {
			if (!first) {
				meepo_buf_putc(buf, ',');
			}
			meepo_buf_puts(buf, names->names[i]);
			first = false;
		}
	}
	return 0;
}

int meepo_value_append_text(struct meepo_buf *buf, const struct meepo_value *value)
{
	char err[128];
	uint32_t i;

	switch (value->type) {
	case MEEPO_VALUE_ABSENT:
		return 0;
	case MEEPO_VALUE_NULL:
		meepo_buf_append(buf, "NULL", 4);
		return 0;
	case MEEPO_VALUE_INT:
		sdk_append_int(buf, value->i);
		return 0;
	case MEEPO_VALUE_UINT:
	case MEEPO_VALUE_BIT:
		sdk_append_uint(buf, value->u);
		return 0;
	case MEEPO_VALUE_YEAR:
		meepo_buf_printf(buf, "%04llu", (unsigned long long)value->u);
		return 0;
	case MEEPO_VALUE_FLOAT:
	case MEEPO_VALUE_DOUBLE:
		sdk_real_append(buf, value->d, value->type == MEEPO_VALUE_FLOAT, true);
		return 0;
	case MEEPO_VALUE_DECIMAL:
		return sdk_decimal_append(buf, value->decimal.bin, value->decimal.precision,
		                          value->decimal.scale);
	case MEEPO_VALUE_DATE:
	case MEEPO_VALUE_TIME:
	case MEEPO_VALUE_DATETIME:
	case MEEPO_VALUE_TIMESTAMP:
		sdk_temporal_append(buf, value->type, &value->time);
		return 0;
	case MEEPO_VALUE_STRING:
		sdk_append_converted(buf, value->str.ptr, value->str.len, value->str.charset,
		                     SDK_ESCAPE_TEXT);
		return 0;
	case MEEPO_VALUE_BYTES:
	case MEEPO_VALUE_GEOMETRY:
	case MEEPO_VALUE_VECTOR:
		meepo_buf_append(buf, value->str.ptr, value->str.len);
		for (i = 0; i < value->str.zero_pad; i++) {
			meepo_buf_putc(buf, '\0');
		}
		return 0;
	case MEEPO_VALUE_ENUM:
		return append_enum(buf, value);
	case MEEPO_VALUE_SET:
		return append_set(buf, value);
	case MEEPO_VALUE_JSON:
		if (value->json.binary) {
			return sdk_mysql_json_append(buf, value->json.ptr, value->json.len, err,
			                             sizeof(err));
		}
		meepo_buf_append(buf, value->json.ptr, value->json.len);
		return 0;
	}
	return -1;
}
