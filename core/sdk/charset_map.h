/*
 * core/sdk/charset_map.h - the codes of legacy charsets that the server
 * maps to Unicode differently from glibc's iconv(3) converter that
 * charset.c uses for the rest of the charset (or that iconv lacks).
 *
 * Concurrency: read-only data.
 */
#ifndef MEEPO_SDK_CHARSET_MAP_H
#define MEEPO_SDK_CHARSET_MAP_H

#include <stddef.h>
#include <stdint.h>

/* One character code and the code point the server gives it. */
struct charset_override {
	uint32_t code;      /* the character's bytes, big-endian, in the low `len` bytes */
	uint8_t len;        /* 1..3 bytes */
	uint32_t cp;        /* Unicode code point */
};

/* A charset's overrides, sorted by (len, code). */
struct charset_overrides {
	const struct charset_override *list;    /* count entries */
	size_t count;                           /* number of entries */
};

/*
 * Returns the code point of the `len`-byte character at p if `map` holds
 * an override for it, else -1.
 */
int64_t sdk_charset_override(const struct charset_overrides *map, const uint8_t *p, size_t len);

extern const struct charset_overrides sdk_overrides_armscii8;
extern const struct charset_overrides sdk_overrides_big5;
extern const struct charset_overrides sdk_overrides_cp866;
extern const struct charset_overrides sdk_overrides_dec8;
extern const struct charset_overrides sdk_overrides_geostd8;
extern const struct charset_overrides sdk_overrides_greek;
extern const struct charset_overrides sdk_overrides_hebrew;
extern const struct charset_overrides sdk_overrides_keybcs2;
extern const struct charset_overrides sdk_overrides_koi8u;
extern const struct charset_overrides sdk_overrides_macroman;
extern const struct charset_overrides sdk_overrides_sjis;
extern const struct charset_overrides sdk_overrides_swe7;
extern const struct charset_overrides sdk_overrides_tis620;
extern const struct charset_overrides sdk_overrides_ujis;

#endif /* MEEPO_SDK_CHARSET_MAP_H */
