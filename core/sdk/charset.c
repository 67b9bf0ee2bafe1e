/*
 * core/sdk/charset.c - column text to UTF-8, with escaping.
 *
 * A string column's bytes are in the charset of its collation. This file
 * maps MySQL and MariaDB collation ids to charsets and converts to UTF-8:
 * utf8mb3/utf8mb4 are validated in place (the common case, no copy),
 * latin1 (which MySQL defines as Windows-1252, the five unassigned bytes
 * mapping to the C1 controls) and ascii are converted by table, and the
 * other charsets (ucs2, utf16, utf32, gbk, sjis, cp1251, ...) go through
 * iconv(3), with the glibc converter closest to the server's mapping (sjis
 * as CP932, euckr as CP949, ujis as EUC-JP-MS) and, where the server still
 * differs, its own code point first (charset_map.c). A byte sequence that is not valid in its charset is never
 * dropped: each offending byte is written as the text \xNN.
 *
 * Output is either plain UTF-8 or the inside of a JSON string (RFC 8259
 * escapes for '"', '\' and control characters; an invalid byte becomes
 * \\xNN there, which a JSON reader turns back into the text \xNN).
 *
 * Concurrency: reentrant. iconv descriptors are opened once per charset,
 * kept for the life of the process, and used under one mutex (they hold
 * conversion state); the charsets that need them are rare in practice.
 */
#include <errno.h>
#include <iconv.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "sdk/charset_map.h"
#include "sdk/format.h"

/* How a charset is converted. */
enum cs_kind {
	CS_UTF8 = 0,    /* utf8mb3, utf8mb4: validated in place */
	CS_LATIN1,      /* MySQL latin1 = Windows-1252 */
	CS_ASCII,       /* 7-bit; other bytes are invalid */
	CS_ICONV,       /* through iconv(3) */
};

/* A charset: its MySQL name, how to convert it, and the iconv name. */
struct charset {
	const char *name;       /* MySQL name, for documentation and tests */
	enum cs_kind kind;      /* conversion method */
	const char *iconv;      /* iconv(3) source encoding, CS_ICONV only; NULL: none exists */
	const struct charset_overrides *fix;    /* codes the server maps otherwise, or NULL */
};

/* Charsets in the order of the cs_* indices used by the collation table. */
enum cs_index {
	CSI_UTF8MB4, CSI_UTF8MB3, CSI_LATIN1, CSI_ASCII, CSI_BINARY, CSI_UCS2, CSI_UTF16,
	CSI_UTF16LE, CSI_UTF32, CSI_BIG5, CSI_LATIN2, CSI_DEC8, CSI_CP850, CSI_HP8, CSI_KOI8R,
	CSI_SWE7, CSI_UJIS, CSI_SJIS, CSI_CP1251, CSI_HEBREW, CSI_TIS620, CSI_EUCKR, CSI_LATIN7,
	CSI_KOI8U, CSI_GB2312, CSI_GREEK, CSI_CP1250, CSI_GBK, CSI_CP1257, CSI_LATIN5,
	CSI_ARMSCII8, CSI_CP866, CSI_KEYBCS2, CSI_MACCE, CSI_MACROMAN, CSI_CP852, CSI_CP1256,
	CSI_GEOSTD8, CSI_CP932, CSI_EUCJPMS, CSI_GB18030, CSI_COUNT,
};

static const struct charset charsets[CSI_COUNT] = {
	[CSI_UTF8MB4] = { "utf8mb4", CS_UTF8, NULL, NULL },
	[CSI_UTF8MB3] = { "utf8mb3", CS_UTF8, NULL, NULL },
	[CSI_LATIN1] = { "latin1", CS_LATIN1, NULL, NULL },
	[CSI_ASCII] = { "ascii", CS_ASCII, NULL, NULL },
	[CSI_BINARY] = { "binary", CS_ASCII, NULL, NULL },
	[CSI_UCS2] = { "ucs2", CS_ICONV, "UCS-2BE", NULL },
	[CSI_UTF16] = { "utf16", CS_ICONV, "UTF-16BE", NULL },
	[CSI_UTF16LE] = { "utf16le", CS_ICONV, "UTF-16LE", NULL },
	[CSI_UTF32] = { "utf32", CS_ICONV, "UTF-32BE", NULL },
	[CSI_BIG5] = { "big5", CS_ICONV, "BIG5", &sdk_overrides_big5 },
	[CSI_LATIN2] = { "latin2", CS_ICONV, "ISO-8859-2", NULL },
	[CSI_DEC8] = { "dec8", CS_ICONV, "DEC-MCS", &sdk_overrides_dec8 },
	[CSI_CP850] = { "cp850", CS_ICONV, "CP850", NULL },
	[CSI_HP8] = { "hp8", CS_ICONV, "HP-ROMAN8", NULL },
	[CSI_KOI8R] = { "koi8r", CS_ICONV, "KOI8-R", NULL },
	[CSI_SWE7] = { "swe7", CS_ICONV, "ISO646-SE", &sdk_overrides_swe7 },
	[CSI_UJIS] = { "ujis", CS_ICONV, "EUC-JP-MS", &sdk_overrides_ujis },
	[CSI_SJIS] = { "sjis", CS_ICONV, "CP932", &sdk_overrides_sjis },
	[CSI_CP1251] = { "cp1251", CS_ICONV, "CP1251", NULL },
	[CSI_HEBREW] = { "hebrew", CS_ICONV, "ISO-8859-8", &sdk_overrides_hebrew },
	[CSI_TIS620] = { "tis620", CS_ICONV, "ISO-8859-11", &sdk_overrides_tis620 },
	[CSI_EUCKR] = { "euckr", CS_ICONV, "CP949", NULL },
	[CSI_LATIN7] = { "latin7", CS_ICONV, "ISO-8859-13", NULL },
	[CSI_KOI8U] = { "koi8u", CS_ICONV, "KOI8-U", &sdk_overrides_koi8u },
	[CSI_GB2312] = { "gb2312", CS_ICONV, "GB2312", NULL },
	[CSI_GREEK] = { "greek", CS_ICONV, "ISO-8859-7", &sdk_overrides_greek },
	[CSI_CP1250] = { "cp1250", CS_ICONV, "CP1250", NULL },
	[CSI_GBK] = { "gbk", CS_ICONV, "GBK", NULL },
	[CSI_CP1257] = { "cp1257", CS_ICONV, "CP1257", NULL },
	[CSI_LATIN5] = { "latin5", CS_ICONV, "ISO-8859-9", NULL },
	[CSI_ARMSCII8] = { "armscii8", CS_ICONV, "ARMSCII-8", &sdk_overrides_armscii8 },
	[CSI_CP866] = { "cp866", CS_ICONV, "CP866", &sdk_overrides_cp866 },
	[CSI_KEYBCS2] = { "keybcs2", CS_ICONV, NULL, &sdk_overrides_keybcs2 }, /* no iconv */
	[CSI_MACCE] = { "macce", CS_ICONV, "MAC-CENTRALEUROPE", NULL },
	[CSI_MACROMAN] = { "macroman", CS_ICONV, "MACINTOSH", &sdk_overrides_macroman },
	[CSI_CP852] = { "cp852", CS_ICONV, "CP852", NULL },
	[CSI_CP1256] = { "cp1256", CS_ICONV, "CP1256", NULL },
	[CSI_GEOSTD8] = { "geostd8", CS_ICONV, "GEORGIAN-PS", &sdk_overrides_geostd8 },
	[CSI_CP932] = { "cp932", CS_ICONV, "CP932", NULL },
	[CSI_EUCJPMS] = { "eucjpms", CS_ICONV, "EUC-JP-MS", NULL },
	[CSI_GB18030] = { "gb18030", CS_ICONV, "GB18030", NULL },
};

/* A run of collation ids of one charset. */
struct collation_range {
	uint16_t first;     /* first id */
	uint16_t last;      /* last id, inclusive */
	uint8_t charset;    /* enum cs_index */
};

/*
 * Collation ids below 1024, from MariaDB 10.11 information_schema.COLLATIONS
 * plus MySQL 8's own (76 utf8mb3_tolower_ci, 248-250 gb18030, 255-323 and
 * later utf8mb4 *_0900_*). Sorted by id.
 */
static const struct collation_range collations[] = {
	{ 1, 1, CSI_BIG5 }, { 2, 2, CSI_LATIN2 }, { 3, 3, CSI_DEC8 }, { 4, 4, CSI_CP850 },
	{ 5, 5, CSI_LATIN1 }, { 6, 6, CSI_HP8 }, { 7, 7, CSI_KOI8R }, { 8, 8, CSI_LATIN1 },
	{ 9, 9, CSI_LATIN2 }, { 10, 10, CSI_SWE7 }, { 11, 11, CSI_ASCII }, { 12, 12, CSI_UJIS },
	{ 13, 13, CSI_SJIS }, { 14, 14, CSI_CP1251 }, { 15, 15, CSI_LATIN1 },
	{ 16, 16, CSI_HEBREW }, { 18, 18, CSI_TIS620 }, { 19, 19, CSI_EUCKR },
	{ 20, 20, CSI_LATIN7 }, { 21, 21, CSI_LATIN2 }, { 22, 22, CSI_KOI8U },
	{ 23, 23, CSI_CP1251 }, { 24, 24, CSI_GB2312 }, { 25, 25, CSI_GREEK },
	{ 26, 26, CSI_CP1250 }, { 27, 27, CSI_LATIN2 }, { 28, 28, CSI_GBK }, { 29, 29, CSI_CP1257 },
	{ 30, 30, CSI_LATIN5 }, { 31, 31, CSI_LATIN1 }, { 32, 32, CSI_ARMSCII8 },
	{ 33, 33, CSI_UTF8MB3 }, { 34, 34, CSI_CP1250 }, { 35, 35, CSI_UCS2 },
	{ 36, 36, CSI_CP866 }, { 37, 37, CSI_KEYBCS2 }, { 38, 38, CSI_MACCE },
	{ 39, 39, CSI_MACROMAN }, { 40, 40, CSI_CP852 }, { 41, 42, CSI_LATIN7 },
	{ 43, 43, CSI_MACCE }, { 44, 44, CSI_CP1250 }, { 45, 46, CSI_UTF8MB4 },
	{ 47, 49, CSI_LATIN1 }, { 50, 52, CSI_CP1251 }, { 53, 53, CSI_MACROMAN },
	{ 54, 55, CSI_UTF16 }, { 56, 56, CSI_UTF16LE }, { 57, 57, CSI_CP1256 },
	{ 58, 59, CSI_CP1257 }, { 60, 61, CSI_UTF32 }, { 62, 62, CSI_UTF16LE },
	{ 63, 63, CSI_BINARY }, { 64, 64, CSI_ARMSCII8 }, { 65, 65, CSI_ASCII },
	{ 66, 66, CSI_CP1250 }, { 67, 67, CSI_CP1256 }, { 68, 68, CSI_CP866 }, { 69, 69, CSI_DEC8 },
	{ 70, 70, CSI_GREEK }, { 71, 71, CSI_HEBREW }, { 72, 72, CSI_HP8 }, { 73, 73, CSI_KEYBCS2 },
	{ 74, 74, CSI_KOI8R }, { 75, 75, CSI_KOI8U }, { 76, 76, CSI_UTF8MB3 },
	{ 77, 77, CSI_LATIN2 }, { 78, 78, CSI_LATIN5 }, { 79, 79, CSI_LATIN7 },
	{ 80, 80, CSI_CP850 }, { 81, 81, CSI_CP852 }, { 82, 82, CSI_SWE7 }, { 83, 83, CSI_UTF8MB3 },
	{ 84, 84, CSI_BIG5 }, { 85, 85, CSI_EUCKR }, { 86, 86, CSI_GB2312 }, { 87, 87, CSI_GBK },
	{ 88, 88, CSI_SJIS }, { 89, 89, CSI_TIS620 }, { 90, 90, CSI_UCS2 }, { 91, 91, CSI_UJIS },
	{ 92, 93, CSI_GEOSTD8 }, { 94, 94, CSI_LATIN1 }, { 95, 96, CSI_CP932 },
	{ 97, 98, CSI_EUCJPMS }, { 99, 99, CSI_CP1250 }, { 101, 124, CSI_UTF16 },
	{ 128, 151, CSI_UCS2 }, { 159, 159, CSI_UCS2 }, { 160, 183, CSI_UTF32 },
	{ 192, 215, CSI_UTF8MB3 }, { 223, 223, CSI_UTF8MB3 }, { 224, 247, CSI_UTF8MB4 },
	{ 248, 250, CSI_GB18030 }, { 255, 575, CSI_UTF8MB4 }, { 576, 578, CSI_UTF8MB3 },
	{ 608, 610, CSI_UTF8MB4 }, { 640, 642, CSI_UCS2 }, { 672, 674, CSI_UTF16 },
	{ 736, 738, CSI_UTF32 },
};

/* MariaDB 10.10+ uca1400 collations: 256 ids per charset from 2048. */
static const uint8_t uca1400[] = { CSI_UTF8MB3, CSI_UTF8MB4, CSI_UCS2, CSI_UTF16, CSI_UTF32 };

/* Windows-1252 code points of bytes 0x80..0x9f, as MySQL's latin1 maps them. */
static const uint16_t cp1252_c1[32] = {
	0x20ac, 0x0081, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021,
	0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, 0x008d, 0x017d, 0x008f,
	0x0090, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014,
	0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, 0x009d, 0x017e, 0x0178,
};

/* iconv descriptors by charset, opened on first use; guarded by iconv_lock. */
static iconv_t iconv_cd[CSI_COUNT];
static bool iconv_tried[CSI_COUNT];
static pthread_mutex_t iconv_lock = PTHREAD_MUTEX_INITIALIZER;

/* Returns the charset of a collation id; unknown ids (and 0) are utf8mb4. */
static enum cs_index charset_of(uint16_t collation)
{
	size_t lo = 0;
	size_t hi = sizeof(collations) / sizeof(collations[0]);
	size_t mid;

	if (collation >= 2048 && collation < 2048 + 256 * sizeof(uca1400)) {
		return (enum cs_index)uca1400[(collation - 2048) / 256];
	}
	if (collation >= 1024 && collation < 2048) {
		collation -= 1024; /* MariaDB's _nopad_ twins */
	}
	while (lo < hi) {
		mid = (lo + hi) / 2;
		if (collation < collations[mid].first) {
			hi = mid;
		} else if (collation > collations[mid].last) {
			lo = mid + 1;
		} else {
			return (enum cs_index)collations[mid].charset;
		}
	}
	return CSI_UTF8MB4;
}

/* Returns the length (1..4) of the valid UTF-8 sequence at p, or 0. */
static size_t utf8_valid(const uint8_t *p, size_t left)
{
	uint8_t c = p[0];
	uint8_t lo = 0x80;
	uint8_t hi = 0xbf;
	size_t n;
	size_t i;

	if (c < 0x80) {
		return 1;
	}
	if (c >= 0xc2 && c <= 0xdf) {
		n = 2;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 3;
		lo = c == 0xe0 ? 0xa0 : 0x80;
		hi = c == 0xed ? 0x9f : 0xbf;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4;
		lo = c == 0xf0 ? 0x90 : 0x80;
		hi = c == 0xf4 ? 0x8f : 0xbf;
	} else {
		return 0;
	}
	if (left < n || p[1] < lo || p[1] > hi) {
		return 0;
	}
	for (i = 2; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80) {
			return 0;
		}
	}
	return n;
}

/* Appends a byte that is not valid in its charset, as the text \xNN. */
static void put_invalid(struct meepo_buf *buf, uint8_t c, enum sdk_escape mode)
{
	static const char hex[] = "0123456789ABCDEF";
	char text[6];
	size_t n = 0;

	text[n++] = '\\';
	if (mode == SDK_ESCAPE_JSON) {
		text[n++] = '\\';
	}
	text[n++] = 'x';
	text[n++] = hex[c >> 4];
	text[n++] = hex[c & 15];
	meepo_buf_append(buf, text, n);
}

/* True for a byte that ends a run copied as is: non-ASCII, or a JSON escape. */
static inline bool ends_run(uint8_t c, bool json)
{
	return c >= 0x80 || (json && (c < 0x20 || c == '"' || c == '\\'));
}

#define ONES 0x0101010101010101ull
#define HIGHS 0x8080808080808080ull

/* A byte of x is zero (the classic SWAR test). */
static inline uint64_t has_zero(uint64_t x)
{
	return (x - ONES) & ~x & HIGHS;
}

/* True if the 8 bytes at p may all be copied as is (none ends a run). */
static inline bool plain8(const uint8_t *p, bool json)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	if (v & HIGHS) {
		return false;
	}
	/* ASCII only from here: a byte < 0x20 borrows into its high bit. */
	return !json || ((((v - 0x20 * ONES) & HIGHS) | has_zero(v ^ ('"' * ONES)) |
	                  has_zero(v ^ ('\\' * ONES))) == 0);
}

/* Appends an ASCII byte that needs_escape() flagged, as a JSON escape. */
static void put_json_escape(struct meepo_buf *buf, uint8_t c)
{
	switch (c) {
	case '"':
		meepo_buf_append(buf, "\\\"", 2);
		break;
	case '\\':
		meepo_buf_append(buf, "\\\\", 2);
		break;
	case '\b':
		meepo_buf_append(buf, "\\b", 2);
		break;
	case '\f':
		meepo_buf_append(buf, "\\f", 2);
		break;
	case '\n':
		meepo_buf_append(buf, "\\n", 2);
		break;
	case '\r':
		meepo_buf_append(buf, "\\r", 2);
		break;
	case '\t':
		meepo_buf_append(buf, "\\t", 2);
		break;
	default:
		meepo_buf_printf(buf, "\\u%04x", (unsigned)c);
		break;
	}
}

/* Used for utf8mb3/utf8mb4 columns, names, and iconv's output. */
void sdk_append_utf8(struct meepo_buf *buf, const uint8_t *p, size_t len, enum sdk_escape mode)
{
	bool json = mode == SDK_ESCAPE_JSON;
	size_t run = 0;
	size_t i = 0;
	size_t n;

	while (i < len) {
		if (len - i >= 8 && plain8(p + i, json)) {
			i += 8;
			continue;
		}
		if (!ends_run(p[i], json)) {
			i++;
			continue;
		}
		n = p[i] < 0x80 ? 1 : utf8_valid(p + i, len - i);
		if (n > 1) {
			i += n;
			continue;
		}
		meepo_buf_append(buf, p + run, i - run);
		if (n == 1) {
			put_json_escape(buf, p[i]);
		} else {
			put_invalid(buf, p[i], mode);
		}
		run = ++i;
	}
	meepo_buf_append(buf, p + run, i - run);
}

/* Appends a code point of the Basic Multilingual Plane (all latin1 needs) as UTF-8. */
static void put_codepoint(struct meepo_buf *buf, uint32_t cp)
{
	char out[3];

	if (cp < 0x800) {
		out[0] = (char)(0xc0 | (cp >> 6));
		out[1] = (char)(0x80 | (cp & 0x3f));
		meepo_buf_append(buf, out, 2);
		return;
	}
	out[0] = (char)(0xe0 | (cp >> 12));
	out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
	out[2] = (char)(0x80 | (cp & 0x3f));
	meepo_buf_append(buf, out, 3);
}

/* Appends latin1 (Windows-1252) or 7-bit text byte by byte. */
static void append_single_byte(struct meepo_buf *buf, const uint8_t *p, size_t len, bool latin1,
                               enum sdk_escape mode)
{
	size_t run = 0;
	size_t i;

	for (i = 0; i < len; i++) {
		if (!ends_run(p[i], mode == SDK_ESCAPE_JSON)) {
			continue;
		}
		meepo_buf_append(buf, p + run, i - run);
		run = i + 1;
		if (p[i] < 0x80) {
			put_json_escape(buf, p[i]);
		} else if (!latin1) {
			put_invalid(buf, p[i], mode);
		} else if (p[i] < 0xa0) {
			put_codepoint(buf, cp1252_c1[p[i] - 0x80]);
		} else {
			put_codepoint(buf, p[i]);
		}
	}
	meepo_buf_append(buf, p + run, len - run);
}

/*
 * Returns the charset's iconv descriptor, opening it once, or (iconv_t)-1
 * when there is no converter; call with iconv_lock held.
 */
static iconv_t iconv_for(enum cs_index cs)
{
	if (!iconv_tried[cs]) {
		iconv_tried[cs] = true;
		iconv_cd[cs] = charsets[cs].iconv != NULL ? iconv_open("UTF-8", charsets[cs].iconv)
		                                          : (iconv_t)-1;
	}
	return iconv_cd[cs];
}

/*
 * Converts through iconv in stack-sized chunks. A byte iconv rejects (or a
 * truncated sequence at the end) is escaped and skipped, and conversion
 * resumes at the next byte. Without a converter, falls back to 7-bit.
 */
static void convert_iconv(struct meepo_buf *buf, const uint8_t *p, size_t len, enum cs_index cs,
                          enum sdk_escape mode)
{
	char out[512];
	char *in = (char *)p;
	size_t inleft = len;
	char *o;
	size_t oleft;
	size_t r;
	iconv_t cd;

	if (len == 0) {
		return;
	}
	pthread_mutex_lock(&iconv_lock);
	cd = iconv_for(cs);
	if (cd == (iconv_t)-1) {
		pthread_mutex_unlock(&iconv_lock);
		append_single_byte(buf, p, len, false, mode);
		return;
	}
	iconv(cd, NULL, NULL, NULL, NULL);
	while (inleft > 0) {
		o = out;
		oleft = sizeof(out);
		r = iconv(cd, &in, &inleft, &o, &oleft);
		sdk_append_utf8(buf, (const uint8_t *)out, (size_t)(o - out), mode);
		if (r == (size_t)-1 && errno != E2BIG) {
			/* EILSEQ or EINVAL: escape one byte, start afresh after it. */
			put_invalid(buf, (uint8_t)*in, mode);
			in++;
			inleft--;
			iconv(cd, NULL, NULL, NULL, NULL);
		}
	}
	o = out;
	oleft = sizeof(out);
	iconv(cd, NULL, NULL, &o, &oleft);
	sdk_append_utf8(buf, (const uint8_t *)out, (size_t)(o - out), mode);
	pthread_mutex_unlock(&iconv_lock);
}

/*
 * Bytes of the character at p in a charset with overrides, by its lead
 * byte (1 in the single-byte charsets); never more than `left`.
 */
static size_t char_length(enum cs_index cs, const uint8_t *p, size_t left)
{
	uint8_t c = p[0];
	size_t n = 1;

	switch (cs) {
	case CSI_BIG5:
		n = c >= 0x81 && c <= 0xfe ? 2 : 1;
		break;
	case CSI_SJIS:
		n = (c >= 0x81 && c <= 0x9f) || (c >= 0xe0 && c <= 0xfc) ? 2 : 1;
		break;
	case CSI_UJIS:
		n = c == 0x8f ? 3 : c == 0x8e || (c >= 0xa1 && c <= 0xfe) ? 2 : 1;
		break;
	default:
		break;
	}
	return n < left ? n : left;
}

/* Appends a code point as UTF-8, escaped per mode. */
static void put_override(struct meepo_buf *buf, uint32_t cp, enum sdk_escape mode)
{
	uint8_t out[3];

	if (cp < 0x80) {
		out[0] = (uint8_t)cp;
		sdk_append_utf8(buf, out, 1, mode);
		return;
	}
	put_codepoint(buf, cp);
}

/*
 * Converts a charset through iconv, except the characters the server maps
 * to other code points (charset_map.c), which are written as it does.
 */
static void append_iconv(struct meepo_buf *buf, const uint8_t *p, size_t len, enum cs_index cs,
                         enum sdk_escape mode)
{
	const struct charset_overrides *fix = charsets[cs].fix;
	size_t start = 0;
	size_t i = 0;
	size_t n;
	int64_t cp;

	while (fix != NULL && i < len) {
		n = char_length(cs, p + i, len - i);
		cp = sdk_charset_override(fix, p + i, n);
		if (cp >= 0) {
			convert_iconv(buf, p + start, i - start, cs, mode);
			put_override(buf, (uint32_t)cp, mode);
			start = i + n;
		}
		i += n;
	}
	convert_iconv(buf, p + start, len - start, cs, mode);
}

void sdk_append_converted(struct meepo_buf *buf, const char *p, size_t len, uint16_t collation,
                          enum sdk_escape mode)
{
	enum cs_index cs = charset_of(collation);
	const uint8_t *u = (const uint8_t *)p;

	switch (charsets[cs].kind) {
	case CS_UTF8:
		sdk_append_utf8(buf, u, len, mode);
		break;
	case CS_LATIN1:
		append_single_byte(buf, u, len, true, mode);
		break;
	case CS_ASCII:
		append_single_byte(buf, u, len, false, mode);
		break;
	case CS_ICONV:
		append_iconv(buf, u, len, cs, mode);
		break;
	}
}
