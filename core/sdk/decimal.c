/*
 * core/sdk/decimal.c - packed DECIMAL to its exact text.
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
