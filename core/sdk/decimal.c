/*
 * core/sdk/decimal.c - packed DECIMAL to its exact text, and back (for the
 * snapshot, which reads DECIMAL values as text).
 *
 * MySQL packs DECIMAL(precision, scale) as big-endian groups of nine digits
 * (4 bytes each), with the integer part's leftover leading digits and the
 * fraction's leftover trailing digits in 1..4 bytes. The sign is the top
 * bit of the first byte flipped (set for >= 0); a negative number has every
 * byte inverted, so that the bytes sort like the numbers.
 *
 * The text is what SELECT shows: every scale digit, "0" before the point
 * when the integer part is zero, "-" only for a non-zero negative value.
 *
 * Concurrency: reentrant; no state.
 */
#include <string.h>

#include "sdk/format.h"

/* Longest packed DECIMAL: 65 digits take at most 30 bytes. */
#define DECIMAL_MAX_BYTES 32u
/* Longest text: sign, 65 digits, point, NUL. */
#define DECIMAL_MAX_TEXT 72u

/* Unpacked bytes being read group by group. */
struct digits {
	uint8_t bytes[DECIMAL_MAX_BYTES];  /* sign-normalised copy of the value */
	size_t pos;                         /* next byte to read */
};

/* Reads the next n bytes as a big-endian number. */
static uint32_t next_group(struct digits *d, size_t n)
{
	uint32_t v = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		v = (v << 8) | d->bytes[d->pos++];
	}
	return v;
}

/* 10^n for n = 0..9. */
static uint32_t pow10u(unsigned n)
{
	uint32_t v = 1;

	while (n-- > 0) {
		v *= 10;
	}
	return v;
}

/*
 * Writes `ndigits` digits of the packed part that starts at d->pos into
 * text at *len. The part is laid out as `lead` leftover digits first when
 * leading, or last when trailing. Returns false if a group is out of range.
 */
static bool unpack_part(struct digits *d, unsigned ndigits, bool leading, char *text, size_t *len)
{
	unsigned left = ndigits % 9;
	unsigned groups = ndigits / 9;
	unsigned i;
	uint32_t v;

	if (leading && left > 0) {
		v = next_group(d, (left + 1) / 2);
		if (v >= pow10u(left)) {
			return false;
		}
		*len = (size_t)(sdk_put_digits(text + *len, v, left) - text);
	}
	for (i = 0; i < groups; i++) {
		v = next_group(d, 4);
		if (v > 999999999u) {
			return false;
		}
		*len = (size_t)(sdk_put_digits(text + *len, v, 9) - text);
	}
	if (!leading && left > 0) {
		v = next_group(d, (left + 1) / 2);
		if (v >= pow10u(left)) {
			return false;
		}
		*len = (size_t)(sdk_put_digits(text + *len, v, left) - text);
	}
	return true;
}

int sdk_decimal_append(struct meepo_buf *buf, const uint8_t *bin, unsigned precision,
                       unsigned scale)
{
	struct digits d;
	char text[DECIMAL_MAX_TEXT];
	size_t size;
	size_t len = 0;
	size_t intg_len;
	size_t start;
	size_t i;
	uint8_t mask;
	bool nonzero = false;

	if (precision == 0 || precision > SDK_DECIMAL_MAX_PRECISION || scale > precision ||
	    scale > SDK_DECIMAL_MAX_SCALE) {
		return -1;
	}
	size = sdk_decimal_size(precision, scale);
	mask = (bin[0] & 0x80) ? 0x00 : 0xff;
	for (i = 0; i < size; i++) {
		d.bytes[i] = bin[i] ^ mask;
	}
	d.bytes[0] ^= 0x80;
	d.pos = 0;

	if (!unpack_part(&d, precision - scale, true, text, &len)) {
		return -1;
	}
	intg_len = len;
	if (!unpack_part(&d, scale, false, text, &len)) {
		return -1;
	}
	for (i = 0; i < len; i++) {
		nonzero = nonzero || text[i] != '0';
	}

	if (mask != 0 && nonzero) {
		meepo_buf_putc(buf, '-');
	}
	/* Integer part without leading zeros, at least one digit. */
	for (start = 0; start + 1 < intg_len && text[start] == '0'; start++) {
	}
	if (intg_len == 0) {
		meepo_buf_putc(buf, '0');
	} else {
		meepo_buf_append(buf, text + start, intg_len - start);
	}
	if (scale > 0) {
		meepo_buf_putc(buf, '.');
		meepo_buf_append(buf, text + intg_len, len - intg_len);
	}
	return 0;
}

/* Writes v big-endian in n bytes at d->bytes + d->pos. */
static void put_group(struct digits *d, uint32_t v, size_t n)
{
	for (size_t i = n; i > 0; i--) {
		d->bytes[d->pos + i - 1] = (uint8_t)(v & 0xff);
		v >>= 8;
	}
	d->pos += n;
}

/* Reads `n` ASCII digits at p as a number. */
static uint32_t digits_value(const char *p, unsigned n)
{
	uint32_t v = 0;

	for (unsigned i = 0; i < n; i++) {
		v = v * 10 + (uint32_t)(p[i] - '0');
	}
	return v;
}

/* Packs `ndigits` digits at text the way unpack_part reads them back. */
static void pack_part(struct digits *d, const char *text, unsigned ndigits, bool leading)
{
	unsigned left = ndigits % 9;
	unsigned groups = ndigits / 9;

	if (leading && left > 0) {
		put_group(d, digits_value(text, left), (left + 1) / 2);
		text += left;
	}
	for (unsigned i = 0; i < groups; i++, text += 9) {
		put_group(d, digits_value(text, 9), 4);
	}
	if (!leading && left > 0) {
		put_group(d, digits_value(text, left), (left + 1) / 2);
	}
}

int sdk_decimal_pack(const char *text, size_t len, unsigned precision, unsigned scale,
                     uint8_t *out)
{
	char digits[SDK_DECIMAL_MAX_PRECISION];  /* intg zero-padded left, frac right */
	const char *end = text + len;
	const char *p = text;
	const char *int_start;
	const char *frac_start = NULL;
	size_t int_len;
	size_t frac_len = 0;
	unsigned intg = precision - scale;
	bool negative = false;
	bool nonzero = false;
	struct digits d;
	size_t size;

	if (precision == 0 || precision > SDK_DECIMAL_MAX_PRECISION || scale > precision ||
	    scale > SDK_DECIMAL_MAX_SCALE) {
		return -1;
	}
	if (p < end && (*p == '-' || *p == '+')) {
		negative = *p == '-';
		p++;
	}
	while (p < end && *p == '0' && p + 1 < end && p[1] >= '0' && p[1] <= '9') {
		p++; /* leading zeros */
	}
	for (int_start = p; p < end && *p >= '0' && *p <= '9'; p++) {
	}
	int_len = (size_t)(p - int_start);
	if (p < end && *p == '.') {
		for (frac_start = ++p; p < end && *p >= '0' && *p <= '9'; p++) {
		}
		frac_len = (size_t)(p - frac_start);
	}
	if (p != end || int_len + frac_len == 0 || frac_len > scale ||
	    (int_len > intg && !(int_len == 1 && *int_start == '0'))) {
		return -1;
	}
	if (int_len == 1 && *int_start == '0') {
		int_len = 0;
	}
	memset(digits, '0', sizeof(digits));
	memcpy(digits + intg - int_len, int_start, int_len);
	if (frac_len > 0) {
		memcpy(digits + intg, frac_start, frac_len);
	}
	for (unsigned i = 0; i < precision; i++) {
		nonzero = nonzero || digits[i] != '0';
	}
	d.pos = 0;
	pack_part(&d, digits, intg, true);
	pack_part(&d, digits + intg, scale, false);
	size = sdk_decimal_size(precision, scale);
	d.bytes[0] ^= 0x80;
	for (size_t i = 0; i < size; i++) {
		out[i] = negative && nonzero ? (uint8_t)~d.bytes[i] : d.bytes[i];
	}
	return 0;
}
