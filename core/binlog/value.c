/*
 * core/binlog/value.c - one column value from its row-image wire form.
 *
 * binlog_value_decode() reads one non-NULL value of a column, as MySQL 5.6+
 * / 8.x / 9.x and MariaDB 10.x write it in WRITE/UPDATE/DELETE rows events,
 * into a struct meepo_value. Nothing is copied: strings, bytes, JSON,
 * geometry and the packed DECIMAL point into the caller's event bytes.
 *
 * Column metadata follows MySQL's in-memory convention (what the TABLE_MAP
 * parser hands over in meepo_column.meta):
 *   NEWDECIMAL       precision << 8 | scale
 *   BIT              bytes << 8 | leftover bits      (BIT(n): n / 8, n % 8)
 *   STRING           real type << 8 | length; for lengths >= 256 the two high
 *                    length bits are stored inverted in bits 12-13
 *   ENUM, SET        (real type << 8 |) pack length in the low byte
 *   VARCHAR          maximum length in bytes
 *   BLOB, JSON, GEOMETRY, VECTOR   bytes of the length prefix (1..4)
 *   TIME2, DATETIME2, TIMESTAMP2   fractional-second precision (0..6)
 *   TIME, DATETIME, TIMESTAMP      0 (old formats), or the precision of a
 *                    MariaDB high-resolution column when the caller knows it
 *
 * Every read is bounds-checked against `avail`; malformed bytes give -1 and
 * a message naming the column type and what is wrong.
 *
 * Concurrency: reentrant; no state.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "binlog/binlog.h"
#include "binlog/wire.h"
#include "sdk/format.h"

/* Offsets that make the packed temporal formats sort as unsigned bytes. */
#define TIMEF_INT_OFS 0x800000LL
#define TIMEF_OFS 0x800000000000LL
#define DATETIMEF_INT_OFS 0x8000000000LL

/* One decode call: the column, its bytes and where errors go. */
struct decoder {
	const struct meepo_column *column;  /* what is decoded */
	uint8_t type;                       /* effective type (CHAR's real type resolved) */
	const uint8_t *p;                   /* first byte of the value */
	size_t avail;                       /* readable bytes from p */
	struct meepo_value *out;            /* result */
	char *err;                          /* message buffer */
	size_t errlen;                      /* its size */
};

static const char *type_name(uint8_t type)
{
	switch (type) {
	case BINLOG_COL_DECIMAL: return "DECIMAL";
	case BINLOG_COL_TINY: return "TINY";
	case BINLOG_COL_SHORT: return "SHORT";
	case BINLOG_COL_LONG: return "LONG";
	case BINLOG_COL_FLOAT: return "FLOAT";
	case BINLOG_COL_DOUBLE: return "DOUBLE";
	case BINLOG_COL_NULL: return "NULL";
	case BINLOG_COL_TIMESTAMP: return "TIMESTAMP";
	case BINLOG_COL_LONGLONG: return "LONGLONG";
	case BINLOG_COL_INT24: return "INT24";
	case BINLOG_COL_DATE: return "DATE";
	case BINLOG_COL_TIME: return "TIME";
	case BINLOG_COL_DATETIME: return "DATETIME";
	case BINLOG_COL_YEAR: return "YEAR";
	case BINLOG_COL_NEWDATE: return "NEWDATE";
	case BINLOG_COL_VARCHAR: return "VARCHAR";
	case BINLOG_COL_BIT: return "BIT";
	case BINLOG_COL_TIMESTAMP2: return "TIMESTAMP2";
	case BINLOG_COL_DATETIME2: return "DATETIME2";
	case BINLOG_COL_TIME2: return "TIME2";
	case BINLOG_COL_TYPED_ARRAY: return "TYPED_ARRAY";
	case BINLOG_COL_VECTOR: return "VECTOR";
	case BINLOG_COL_JSON: return "JSON";
	case BINLOG_COL_NEWDECIMAL: return "NEWDECIMAL";
	case BINLOG_COL_ENUM: return "ENUM";
	case BINLOG_COL_SET: return "SET";
	case BINLOG_COL_TINY_BLOB: return "TINY_BLOB";
	case BINLOG_COL_MEDIUM_BLOB: return "MEDIUM_BLOB";
	case BINLOG_COL_LONG_BLOB: return "LONG_BLOB";
	case BINLOG_COL_BLOB: return "BLOB";
	case BINLOG_COL_VAR_STRING: return "VAR_STRING";
	case BINLOG_COL_STRING: return "STRING";
	case BINLOG_COL_GEOMETRY: return "GEOMETRY";
	default: return "unknown";
	}
}

/* Writes "<TYPE> (type N, meta M): <what>" to the error buffer; returns -1. */
static ssize_t MEEPO_PRINTF(2, 3) fail(struct decoder *d, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (d->errlen == 0) {
		return -1;
	}
	n = snprintf(d->err, d->errlen, "%s column (type %u, meta 0x%04x): ", type_name(d->type),
	             (unsigned)d->column->type, (unsigned)d->column->meta);
	if (n >= 0 && (size_t)n < d->errlen) {
		va_start(ap, fmt);
		vsnprintf(d->err + n, d->errlen - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return -1;
}

/* Fails unless n bytes are readable. */
static bool need(struct decoder *d, size_t n)
{
	if (d->avail < n) {
		fail(d, "value truncated: needs %zu bytes, %zu left", n, d->avail);
		return false;
	}
	return true;
}

/* Returns the n-byte (n <= 8) big-endian unsigned integer at p. */
static uint64_t be(const uint8_t *p, size_t n)
{
	uint64_t v = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		v = (v << 8) | p[i];
	}
	return v;
}

/* Reads an n-byte little-endian integer, signed or unsigned per the column. */
static ssize_t decode_int(struct decoder *d, size_t n)
{
	uint64_t v;
	uint64_t sign;

	if (!need(d, n)) {
		return -1;
	}
	v = wire_le(d->p, n);
	if (d->column->is_unsigned) {
		d->out->type = MEEPO_VALUE_UINT;
		d->out->u = v;
	} else {
		sign = (uint64_t)1 << (n * 8 - 1);
		if (n < 8 && (v & sign) != 0) {
			v |= ~((sign << 1) - 1);
		}
		d->out->type = MEEPO_VALUE_INT;
		d->out->i = (int64_t)v;
	}
	return (ssize_t)n;
}

static ssize_t decode_real(struct decoder *d, bool single)
{
	uint64_t bits;
	uint32_t bits32;
	float f;

	if (single) {
		if (!need(d, 4)) {
			return -1;
		}
		bits32 = (uint32_t)wire_le(d->p, 4);
		memcpy(&f, &bits32, sizeof(f));
		d->out->type = MEEPO_VALUE_FLOAT;
		d->out->d = (double)f;
		return 4;
	}
	if (!need(d, 8)) {
		return -1;
	}
	bits = wire_le(d->p, 8);
	memcpy(&d->out->d, &bits, sizeof(bits));
	d->out->type = MEEPO_VALUE_DOUBLE;
	return 8;
}

static ssize_t decode_decimal(struct decoder *d)
{
	unsigned precision = d->column->meta >> 8;
	unsigned scale = d->column->meta & 0xff;
	size_t size;

	if (precision == 0 || precision > SDK_DECIMAL_MAX_PRECISION || scale > precision ||
	    scale > SDK_DECIMAL_MAX_SCALE) {
		return fail(d, "impossible precision %u and scale %u", precision, scale);
	}
	size = sdk_decimal_size(precision, scale);
	if (!need(d, size)) {
		return -1;
	}
	d->out->type = MEEPO_VALUE_DECIMAL;
	d->out->decimal.bin = d->p;
	d->out->decimal.precision = (uint8_t)precision;
	d->out->decimal.scale = (uint8_t)scale;
	return (ssize_t)size;
}

static ssize_t decode_bit(struct decoder *d)
{
	unsigned bytes = d->column->meta >> 8;
	unsigned bits = d->column->meta & 0xff;
	size_t size = bytes + (bits > 0 ? 1 : 0);

	if (bits > 7 || size == 0 || size > 8) {
		return fail(d, "BIT(%u) is impossible", bytes * 8 + bits);
	}
	if (!need(d, size)) {
		return -1;
	}
	d->out->type = MEEPO_VALUE_BIT;
	d->out->u = be(d->p, size);
	return (ssize_t)size;
}

static ssize_t decode_year(struct decoder *d)
{
	if (!need(d, 1)) {
		return -1;
	}
	d->out->type = MEEPO_VALUE_YEAR;
	d->out->u = d->p[0] == 0 ? 0 : 1900u + d->p[0];
	return 1;
}

/* Returns the column's fractional-second precision, or -1 if above 6. */
static int fsp_of(struct decoder *d)
{
	if (d->column->meta > 6) {
		fail(d, "fractional-second precision %u is above 6", (unsigned)d->column->meta);
		return -1;
	}
	return (int)d->column->meta;
}

/* Bytes that hold `fsp` fractional digits in the *2 temporal formats. */
static size_t frac_bytes(int fsp)
{
	return (size_t)(fsp + 1) / 2;
}

/*
 * Reads the fractional part of DATETIME2/TIMESTAMP2 (unsigned there) as
 * microseconds. Fails if it is out of range.
 */
static bool read_frac(struct decoder *d, const uint8_t *p, int fsp, uint32_t *micro)
{
	static const uint32_t scale[4] = { 1, 10000, 100, 1 };
	size_t n = frac_bytes(fsp);
	uint64_t v = be(p, n) * scale[n];

	if (v > 999999) {
		fail(d, "fractional part %llu out of range", (unsigned long long)v);
		return false;
	}
	*micro = (uint32_t)v;
	return true;
}

static void set_date(struct meepo_temporal *t, unsigned year, unsigned month, unsigned day)
{
	t->year = (uint16_t)year;
	t->month = (uint8_t)month;
	t->day = (uint8_t)day;
}

static void set_time(struct meepo_temporal *t, unsigned hour, unsigned minute, unsigned second)
{
	t->hour = hour;
	t->minute = (uint8_t)minute;
	t->second = (uint8_t)second;
}

/* DATE / NEWDATE: 3 bytes little-endian, day | month << 5 | year << 9. */
static ssize_t decode_date(struct decoder *d)
{
	uint32_t v;

	if (!need(d, 3)) {
		return -1;
	}
	v = (uint32_t)wire_le(d->p, 3);
	d->out->type = MEEPO_VALUE_DATE;
	set_date(&d->out->time, v >> 9, (v >> 5) & 15, v & 31);
	return 3;
}

/*
 * MariaDB 5.3's high-resolution TIME(n), DATETIME(n) and TIMESTAMP(n) (still
 * used by tables created with mysql56_temporal_format=OFF) are logged under
 * the old type codes without metadata: the binlog does not say how many
 * bytes they take. meta is 0 then, and the old formats are decoded; when
 * the caller has learned the column's precision (information_schema) and
 * put it in meta, the high-resolution format is decoded:
 *   TIME(n)       big-endian, microseconds / 10^(6-n) plus the offset of
 *                 839 hours, in 3,4,4,5,5,5,6 bytes for n = 0..6
 *   DATETIME(n)   big-endian microseconds / 10^(6-n) of the packed
 *                 (((((year * 13 + month) * 32 + day) * 24 + hour) * 60
 *                 + minute) * 60 + second), in 5,6,6,7,7,7,8 bytes
 *   TIMESTAMP(n)  4 bytes big-endian seconds, then the fraction / 10^(6-n)
 *                 in (n + 1) / 2 bytes
 */
static const uint8_t time_hires_bytes[7] = { 3, 4, 4, 5, 5, 5, 6 };
static const uint8_t datetime_hires_bytes[7] = { 5, 6, 6, 7, 7, 7, 8 };

/* 10^(6 - fsp): the unit of a fraction stored with fsp digits, in microseconds. */
static uint64_t frac_unit(int fsp)
{
	static const uint32_t unit[7] = { 1000000, 100000, 10000, 1000, 100, 10, 1 };

	return unit[fsp];
}

/* MariaDB high-resolution TIME(n). */
static ssize_t decode_time_hires(struct decoder *d, int fsp)
{
	size_t size = time_hires_bytes[fsp];
	int64_t zero = (int64_t)(839ULL * 3600 * 1000000 / frac_unit(fsp));
	int64_t v;
	uint64_t magnitude;
	uint64_t seconds;

	if (!need(d, size)) {
		return -1;
	}
	v = ((int64_t)be(d->p, size) - zero) * (int64_t)frac_unit(fsp);
	magnitude = v < 0 ? (uint64_t)-v : (uint64_t)v;
	seconds = magnitude / 1000000;
	d->out->type = MEEPO_VALUE_TIME;
	d->out->time.negative = v < 0;
	d->out->time.microsecond = (uint32_t)(magnitude % 1000000);
	set_time(&d->out->time, (unsigned)(seconds / 3600), (unsigned)(seconds / 60 % 60),
	         (unsigned)(seconds % 60));
	d->out->time.fsp = (uint8_t)fsp;
	return (ssize_t)size;
}

/* Old TIME: 3 bytes little-endian signed, +-(HH * 10000 + MM * 100 + SS). */
static ssize_t decode_time(struct decoder *d)
{
	int fsp = fsp_of(d);
	int32_t v;

	if (fsp < 0) {
		return -1;
	}
	if (fsp > 0) {
		return decode_time_hires(d, fsp);
	}
	if (!need(d, 3)) {
		return -1;
	}
	v = (int32_t)wire_le(d->p, 3);
	if (v & 0x800000) {
		v -= 0x1000000;
	}
	d->out->type = MEEPO_VALUE_TIME;
	d->out->time.negative = v < 0;
	if (v < 0) {
		v = -v;
	}
	set_time(&d->out->time, (unsigned)v / 10000, (unsigned)v / 100 % 100, (unsigned)v % 100);
	return 3;
}

/*
 * TIME2: 3 bytes big-endian integer part + 0..3 bytes fraction, with the
 * whole value offset so that it sorts as unsigned bytes. For a negative
 * value with a fraction the two parts are stored negated together: the
 * integer part is one less and the fraction counts back from its maximum.
 */
static ssize_t decode_time2(struct decoder *d)
{
	int fsp = fsp_of(d);
	size_t size;
	int64_t packed;
	int64_t intpart;
	int64_t frac;
	uint64_t magnitude;
	uint64_t hms;

	if (fsp < 0) {
		return -1;
	}
	size = 3 + frac_bytes(fsp);
	if (!need(d, size)) {
		return -1;
	}
	if (fsp >= 5) {
		packed = (int64_t)be(d->p, 6) - TIMEF_OFS;
	} else {
		intpart = (int64_t)be(d->p, 3) - TIMEF_INT_OFS;
		frac = (int64_t)be(d->p + 3, size - 3);
		if (intpart < 0 && frac != 0) {
			intpart++;
			frac -= (int64_t)1 << (8 * (size - 3));
		}
		frac *= fsp == 0 ? 0 : (fsp <= 2 ? 10000 : 100);
		packed = intpart * ((int64_t)1 << 24) + frac;
	}
	d->out->type = MEEPO_VALUE_TIME;
	d->out->time.negative = packed < 0;
	magnitude = packed < 0 ? (uint64_t)-packed : (uint64_t)packed;
	hms = magnitude >> 24;
	if ((magnitude & 0xffffff) > 999999) {
		return fail(d, "fractional part %llu out of range",
		            (unsigned long long)(magnitude & 0xffffff));
	}
	d->out->time.microsecond = (uint32_t)(magnitude & 0xffffff);
	set_time(&d->out->time, (unsigned)(hms >> 12) & 0x3ff, (unsigned)(hms >> 6) & 0x3f,
	         (unsigned)hms & 0x3f);
	d->out->time.fsp = (uint8_t)fsp;
	return (ssize_t)size;
}

/* MariaDB high-resolution DATETIME(n). */
static ssize_t decode_datetime_hires(struct decoder *d, int fsp)
{
	size_t size = datetime_hires_bytes[fsp];
	uint64_t v;
	uint64_t year;
	unsigned month;
	unsigned day;
	unsigned hour;
	unsigned minute;
	unsigned second;

	if (!need(d, size)) {
		return -1;
	}
	v = be(d->p, size) * frac_unit(fsp);
	d->out->time.microsecond = (uint32_t)(v % 1000000);
	v /= 1000000;
	second = (unsigned)(v % 60);
	v /= 60;
	minute = (unsigned)(v % 60);
	v /= 60;
	hour = (unsigned)(v % 24);
	v /= 24;
	day = (unsigned)(v % 32);
	v /= 32;
	month = (unsigned)(v % 13);
	year = v / 13;
	if (year > 9999) {
		return fail(d, "year %llu out of range", (unsigned long long)year);
	}
	d->out->type = MEEPO_VALUE_DATETIME;
	set_date(&d->out->time, (unsigned)year, month, day);
	set_time(&d->out->time, hour, minute, second);
	d->out->time.fsp = (uint8_t)fsp;
	return (ssize_t)size;
}

/* Old DATETIME: 8 bytes little-endian, YYYYMMDDhhmmss as a decimal number. */
static ssize_t decode_datetime(struct decoder *d)
{
	int fsp = fsp_of(d);
	uint64_t v;
	uint64_t date;
	uint64_t time;

	if (fsp < 0) {
		return -1;
	}
	if (fsp > 0) {
		return decode_datetime_hires(d, fsp);
	}
	if (!need(d, 8)) {
		return -1;
	}
	v = wire_le(d->p, 8);
	date = v / 1000000;
	time = v % 1000000;
	if (date / 10000 > 9999) {
		return fail(d, "year %llu out of range", (unsigned long long)(date / 10000));
	}
	d->out->type = MEEPO_VALUE_DATETIME;
	set_date(&d->out->time, (unsigned)(date / 10000), (unsigned)(date / 100 % 100),
	         (unsigned)(date % 100));
	set_time(&d->out->time, (unsigned)(time / 10000), (unsigned)(time / 100 % 100),
	         (unsigned)(time % 100));
	return 8;
}

/*
 * DATETIME2: 5 bytes big-endian, 1 sign bit (set: non-negative), 17 bits
 * year * 13 + month, 5 bits day, 5 bits hour, 6 minute, 6 second; then the
 * fraction.
 */
static ssize_t decode_datetime2(struct decoder *d)
{
	int fsp = fsp_of(d);
	size_t size;
	int64_t intpart;
	uint64_t ymd;
	uint64_t hms;
	uint64_t ym;

	if (fsp < 0) {
		return -1;
	}
	size = 5 + frac_bytes(fsp);
	if (!need(d, size)) {
		return -1;
	}
	intpart = (int64_t)be(d->p, 5) - DATETIMEF_INT_OFS;
	if (intpart < 0) {
		return fail(d, "negative datetime");
	}
	if (!read_frac(d, d->p + 5, fsp, &d->out->time.microsecond)) {
		return -1;
	}
	ymd = (uint64_t)intpart >> 17;
	hms = (uint64_t)intpart & 0x1ffff;
	ym = ymd >> 5;
	d->out->type = MEEPO_VALUE_DATETIME;
	set_date(&d->out->time, (unsigned)(ym / 13), (unsigned)(ym % 13), (unsigned)(ymd & 31));
	set_time(&d->out->time, (unsigned)(hms >> 12), (unsigned)(hms >> 6) & 0x3f,
	         (unsigned)hms & 0x3f);
	d->out->time.fsp = (uint8_t)fsp;
	return (ssize_t)size;
}

/* Days since 1970-01-01 to a proleptic Gregorian date (H. Hinnant's algorithm). */
static void civil_from_days(int64_t days, unsigned *year, unsigned *month, unsigned *day)
{
	int64_t z = days + 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097;                                /* [0, 146096] */
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365; /* [0, 399] */
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);         /* [0, 365] */
	int64_t mp = (5 * doy + 2) / 153;                              /* [0, 11] */
	int64_t m = mp < 10 ? mp + 3 : mp - 9;

	*day = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
	*month = (unsigned)m;
	*year = (unsigned)(yoe + era * 400 + (m <= 2 ? 1 : 0));
}

/* Fills a TIMESTAMP value from seconds since 1970 UTC; 0 is 0000-00-00 00:00:00. */
static void set_epoch(struct meepo_value *out, uint32_t epoch, uint32_t micro, int fsp)
{
	unsigned year;
	unsigned month;
	unsigned day;

	out->type = MEEPO_VALUE_TIMESTAMP;
	out->time.epoch = epoch;
	out->time.microsecond = micro;
	out->time.fsp = (uint8_t)fsp;
	if (epoch == 0) {
		return;
	}
	civil_from_days(epoch / 86400, &year, &month, &day);
	set_date(&out->time, year, month, day);
	set_time(&out->time, epoch % 86400 / 3600, epoch % 3600 / 60, epoch % 60);
}

/*
 * Old TIMESTAMP: 4 bytes little-endian seconds since 1970; MariaDB's
 * high-resolution TIMESTAMP(n): 4 bytes big-endian, then the fraction.
 */
static ssize_t decode_timestamp(struct decoder *d)
{
	int fsp = fsp_of(d);
	size_t size;
	uint64_t micro;

	if (fsp < 0) {
		return -1;
	}
	if (fsp == 0) {
		if (!need(d, 4)) {
			return -1;
		}
		set_epoch(d->out, (uint32_t)wire_le(d->p, 4), 0, 0);
		return 4;
	}
	size = 4 + frac_bytes(fsp);
	if (!need(d, size)) {
		return -1;
	}
	micro = be(d->p + 4, size - 4) * frac_unit(fsp);
	if (micro > 999999) {
		return fail(d, "fractional part %llu out of range", (unsigned long long)micro);
	}
	set_epoch(d->out, (uint32_t)be(d->p, 4), (uint32_t)micro, fsp);
	return (ssize_t)size;
}

/* TIMESTAMP2: 4 bytes big-endian seconds since 1970, then the fraction. */
static ssize_t decode_timestamp2(struct decoder *d)
{
	int fsp = fsp_of(d);
	size_t size;
	uint32_t micro;

	if (fsp < 0) {
		return -1;
	}
	size = 4 + frac_bytes(fsp);
	if (!need(d, size)) {
		return -1;
	}
	if (!read_frac(d, d->p + 4, fsp, &micro)) {
		return -1;
	}
	set_epoch(d->out, (uint32_t)be(d->p, 4), micro, fsp);
	return (ssize_t)size;
}

/* ENUM (1 or 2 bytes) and SET (1..8 bytes), little-endian. */
static ssize_t decode_enumset(struct decoder *d, bool is_set, size_t size)
{
	if (is_set ? (size < 1 || size > 8) : (size < 1 || size > 2)) {
		return fail(d, "%s of %zu bytes is impossible", is_set ? "SET" : "ENUM", size);
	}
	if (!need(d, size)) {
		return -1;
	}
	d->out->type = is_set ? MEEPO_VALUE_SET : MEEPO_VALUE_ENUM;
	d->out->enumset.bits = wire_le(d->p, size);
	d->out->enumset.names = d->column->names;
	return (ssize_t)size;
}

/*
 * Reads a value preceded by a `prefix`-byte little-endian length; the value
 * is stored as out->str (type set by the caller).
 */
static ssize_t decode_prefixed(struct decoder *d, size_t prefix)
{
	uint64_t len;

	if (prefix < 1 || prefix > 4) {
		return fail(d, "length prefix of %zu bytes is impossible", prefix);
	}
	if (!need(d, prefix)) {
		return -1;
	}
	len = wire_le(d->p, prefix);
	if (len > d->avail - prefix) {
		return fail(d, "value of %llu bytes truncated: %zu left", (unsigned long long)len,
		            d->avail - prefix);
	}
	d->out->str.ptr = (const char *)d->p + prefix;
	d->out->str.len = (size_t)len;
	d->out->str.charset = d->column->charset;
	return (ssize_t)(prefix + len);
}

/*
 * CHAR, VARCHAR, BINARY, VARBINARY: 1 length byte if max < 256, else 2.
 * The binlog drops CHAR's trailing spaces (SELECT does too) and BINARY's
 * trailing 0x00 bytes (SELECT shows them): for a fixed-length binary
 * column the missing zeros are counted in zero_pad.
 */
static ssize_t decode_string(struct decoder *d, unsigned max_len, bool fixed)
{
	ssize_t n = decode_prefixed(d, max_len < 256 ? 1 : 2);

	if (n < 0) {
		return -1;
	}
	if (d->column->charset == BINLOG_BINARY_COLLATION) {
		d->out->type = MEEPO_VALUE_BYTES;
		if (fixed && d->out->str.len < max_len) {
			d->out->str.zero_pad = (uint32_t)(max_len - d->out->str.len);
		}
	} else {
		d->out->type = MEEPO_VALUE_STRING;
	}
	return n;
}

/*
 * STRING carries CHAR, BINARY, ENUM and SET: the real type is in the high
 * byte of meta, the length in the low byte, and for lengths of 256 and more
 * the length's bits 8-9 are stored inverted in bits 4-5 of the high byte.
 */
static ssize_t decode_string_family(struct decoder *d)
{
	unsigned meta = d->column->meta;
	unsigned real = meta >> 8;
	unsigned max_len = meta & 0xff;

	if (meta >= 256 && (real & 0x30) != 0x30) {
		max_len = ((((meta >> 4) & 0x300) ^ 0x300) + (meta & 0xff));
		real |= 0x30;
	}
	if (real == BINLOG_COL_ENUM || real == BINLOG_COL_SET) {
		d->type = (uint8_t)real;
		return decode_enumset(d, real == BINLOG_COL_SET, meta & 0xff);
	}
	return decode_string(d, meta < 256 ? meta : max_len, true);
}

/* BLOB and TEXT of every size: meta is the length prefix (1..4 bytes). */
static ssize_t decode_blob(struct decoder *d)
{
	size_t prefix = d->column->meta;
	ssize_t n;

	if (prefix == 0) {
		prefix = d->type == BINLOG_COL_TINY_BLOB ? 1 : d->type == BINLOG_COL_MEDIUM_BLOB ? 3
		         : d->type == BINLOG_COL_LONG_BLOB ? 4 : 2;
	}
	n = decode_prefixed(d, prefix);
	if (n >= 0) {
		d->out->type = d->column->charset == BINLOG_BINARY_COLLATION || d->column->charset == 0
		                       ? MEEPO_VALUE_BYTES
		                       : MEEPO_VALUE_STRING;
	}
	return n;
}

/* JSON, GEOMETRY, VECTOR: meta is the length prefix (4 when not given). */
static ssize_t decode_document(struct decoder *d, enum meepo_value_type type)
{
	ssize_t n = decode_prefixed(d, d->column->meta == 0 ? 4 : d->column->meta);
	const char *ptr;
	size_t len;

	if (n < 0) {
		return -1;
	}
	if (type == MEEPO_VALUE_JSON) {
		ptr = d->out->str.ptr;
		len = d->out->str.len;
		memset(d->out, 0, sizeof(*d->out));
		d->out->json.ptr = (const uint8_t *)ptr;
		d->out->json.len = len;
		d->out->json.binary = true;
	}
	d->out->type = type;
	return n;
}

ssize_t binlog_value_decode(const struct meepo_column *column, const uint8_t *p, size_t avail,
                            struct meepo_value *out, char *err, size_t errlen)
{
	struct decoder d = { column, column->type, p, avail, out, err, errlen };

	memset(out, 0, sizeof(*out));
	switch (column->type) {
	case BINLOG_COL_TINY:
		return decode_int(&d, 1);
	case BINLOG_COL_SHORT:
		return decode_int(&d, 2);
	case BINLOG_COL_INT24:
		return decode_int(&d, 3);
	case BINLOG_COL_LONG:
		return decode_int(&d, 4);
	case BINLOG_COL_LONGLONG:
		return decode_int(&d, 8);
	case BINLOG_COL_FLOAT:
		return decode_real(&d, true);
	case BINLOG_COL_DOUBLE:
		return decode_real(&d, false);
	case BINLOG_COL_NEWDECIMAL:
		return decode_decimal(&d);
	case BINLOG_COL_BIT:
		return decode_bit(&d);
	case BINLOG_COL_YEAR:
		return decode_year(&d);
	case BINLOG_COL_DATE:
	case BINLOG_COL_NEWDATE:
		return decode_date(&d);
	case BINLOG_COL_TIME:
		return decode_time(&d);
	case BINLOG_COL_TIME2:
		return decode_time2(&d);
	case BINLOG_COL_DATETIME:
		return decode_datetime(&d);
	case BINLOG_COL_DATETIME2:
		return decode_datetime2(&d);
	case BINLOG_COL_TIMESTAMP:
		return decode_timestamp(&d);
	case BINLOG_COL_TIMESTAMP2:
		return decode_timestamp2(&d);
	case BINLOG_COL_VARCHAR:
	case BINLOG_COL_VAR_STRING:
		return decode_string(&d, column->meta, false);
	case BINLOG_COL_STRING:
		return decode_string_family(&d);
	case BINLOG_COL_ENUM:
		return decode_enumset(&d, false, column->meta & 0xff);
	case BINLOG_COL_SET:
		return decode_enumset(&d, true, column->meta & 0xff);
	case BINLOG_COL_TINY_BLOB:
	case BINLOG_COL_MEDIUM_BLOB:
	case BINLOG_COL_LONG_BLOB:
	case BINLOG_COL_BLOB:
		return decode_blob(&d);
	case BINLOG_COL_JSON:
		return decode_document(&d, MEEPO_VALUE_JSON);
	case BINLOG_COL_GEOMETRY:
		return decode_document(&d, MEEPO_VALUE_GEOMETRY);
	case BINLOG_COL_VECTOR:
		return decode_document(&d, MEEPO_VALUE_VECTOR);
	case BINLOG_COL_NULL:
		out->type = MEEPO_VALUE_NULL;
		return 0;
	case BINLOG_COL_DECIMAL:
		return fail(&d, "pre-5.0 DECIMAL is not supported (ALTER TABLE ... FORCE converts it)");
	default:
		return fail(&d, "unsupported column type");
	}
}
