/*
 * tests/integration/json_lite.c - see json_lite.h: a strict recursive-descent
 * JSON parser that keeps number tokens and string bytes exactly.
 *
 * Concurrency: no shared state; one parse uses only its own struct parser.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_lite.h"

/* Deepest nesting accepted (meepo's event objects nest three levels). */
#define MAX_DEPTH 512

/* A parse in progress. */
struct parser {
	const char *text;   /* the document */
	size_t len;         /* its length */
	size_t pos;         /* next byte to read */
	char *err;          /* message buffer */
	size_t errlen;      /* its size */
	bool failed;        /* an error was recorded (the first one is kept) */
};

/* A growable byte string. */
struct bytes {
	char *data;     /* len bytes, NUL-terminated when cap > 0 */
	size_t len;     /* bytes in use */
	size_t cap;     /* bytes allocated */
};

static bool parse_value(struct parser *p, struct jl_value *out, unsigned depth);

/* Records the first error with the current offset; returns false. */
static bool __attribute__((format(printf, 2, 3))) fail(struct parser *p, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (p->failed || p->errlen == 0) {
		p->failed = true;
		return false;
	}
	p->failed = true;
	n = snprintf(p->err, p->errlen, "JSON error at byte %zu: ", p->pos);
	if (n >= 0 && (size_t)n < p->errlen) {
		va_start(ap, fmt);
		vsnprintf(p->err + n, p->errlen - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return false;
}

static void *xrealloc(void *ptr, size_t size)
{
	void *p = realloc(ptr, size == 0 ? 1 : size);

	if (p == NULL) {
		fprintf(stderr, "json_lite: out of memory\n");
		abort();
	}
	return p;
}

static void bytes_put(struct bytes *b, const char *data, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		b->cap = (b->len + n + 1) * 2;
		b->data = xrealloc(b->data, b->cap);
	}
	memcpy(b->data + b->len, data, n);
	b->len += n;
	b->data[b->len] = '\0';
}

static void skip_space(struct parser *p)
{
	while (p->pos < p->len && (p->text[p->pos] == ' ' || p->text[p->pos] == '\t' ||
	                           p->text[p->pos] == '\n' || p->text[p->pos] == '\r')) {
		p->pos++;
	}
}

/* Consumes `word` (null, true, false) or fails. */
static bool expect_word(struct parser *p, const char *word)
{
	size_t n = strlen(word);

	if (p->len - p->pos < n || memcmp(p->text + p->pos, word, n) != 0) {
		return fail(p, "unexpected character '%c'", p->text[p->pos]);
	}
	p->pos += n;
	return true;
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Consumes one or more digits; fails if there is none. */
static bool digits(struct parser *p, const char *what)
{
	size_t start = p->pos;

	while (p->pos < p->len && is_digit(p->text[p->pos])) {
		p->pos++;
	}
	return p->pos > start || fail(p, "%s needs a digit", what);
}

/* -? (0 | [1-9][0-9]*) (. digits)? ([eE] [+-]? digits)? */
static bool parse_number(struct parser *p, struct jl_value *out)
{
	size_t start = p->pos;

	if (p->text[p->pos] == '-') {
		p->pos++;
	}
	if (p->pos < p->len && p->text[p->pos] == '0') {
		p->pos++;
		if (p->pos < p->len && is_digit(p->text[p->pos])) {
			return fail(p, "number with a leading zero");
		}
	} else if (!digits(p, "a number")) {
		return false;
	}
	if (p->pos < p->len && p->text[p->pos] == '.') {
		p->pos++;
		if (!digits(p, "a fraction")) {
			return false;
		}
	}
	if (p->pos < p->len && (p->text[p->pos] == 'e' || p->text[p->pos] == 'E')) {
		p->pos++;
		if (p->pos < p->len && (p->text[p->pos] == '+' || p->text[p->pos] == '-')) {
			p->pos++;
		}
		if (!digits(p, "an exponent")) {
			return false;
		}
	}
	out->type = JL_NUMBER;
	out->len = p->pos - start;
	out->str = xrealloc(NULL, out->len + 1);
	memcpy(out->str, p->text + start, out->len);
	out->str[out->len] = '\0';
	return true;
}

/* Reads 4 hex digits after "\u". */
static bool hex4(struct parser *p, uint32_t *v)
{
	size_t i;
	char c;

	*v = 0;
	if (p->len - p->pos < 4) {
		return fail(p, "truncated \\u escape");
	}
	for (i = 0; i < 4; i++) {
		c = p->text[p->pos + i];
		*v <<= 4;
		if (is_digit(c)) {
			*v |= (uint32_t)(c - '0');
		} else if (c >= 'a' && c <= 'f') {
			*v |= (uint32_t)(c - 'a' + 10);
		} else if (c >= 'A' && c <= 'F') {
			*v |= (uint32_t)(c - 'A' + 10);
		} else {
			return fail(p, "bad hex digit '%c' in \\u escape", c);
		}
	}
	p->pos += 4;
	return true;
}

static void put_utf8(struct bytes *b, uint32_t cp)
{
	char u[4];
	size_t n;

	if (cp < 0x80) {
		u[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		u[0] = (char)(0xc0 | cp >> 6);
		u[1] = (char)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		u[0] = (char)(0xe0 | cp >> 12);
		u[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		u[2] = (char)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		u[0] = (char)(0xf0 | cp >> 18);
		u[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
		u[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
		u[3] = (char)(0x80 | (cp & 0x3f));
		n = 4;
	}
	bytes_put(b, u, n);
}

/* After the backslash of "\uXXXX": one code point, joining a surrogate pair. */
static bool unicode_escape(struct parser *p, struct bytes *b)
{
	uint32_t hi;
	uint32_t lo;

	if (!hex4(p, &hi)) {
		return false;
	}
	if (hi >= 0xdc00 && hi <= 0xdfff) {
		return fail(p, "unpaired low surrogate \\u%04X", (unsigned)hi);
	}
	if (hi >= 0xd800 && hi <= 0xdbff) {
		if (p->len - p->pos < 2 || p->text[p->pos] != '\\' || p->text[p->pos + 1] != 'u') {
			return fail(p, "unpaired high surrogate \\u%04X", (unsigned)hi);
		}
		p->pos += 2;
		if (!hex4(p, &lo)) {
			return false;
		}
		if (lo < 0xdc00 || lo > 0xdfff) {
			return fail(p, "high surrogate \\u%04X followed by \\u%04X", (unsigned)hi,
			            (unsigned)lo);
		}
		hi = 0x10000 + ((hi - 0xd800) << 10) + (lo - 0xdc00);
	}
	put_utf8(b, hi);
	return true;
}

/*
 * Length of the valid UTF-8 sequence starting at p->pos (lead byte >= 0x80),
 * or 0 if it is invalid (overlong, surrogate, above U+10FFFF, truncated).
 */
static size_t utf8_length(const struct parser *p)
{
	const unsigned char *s = (const unsigned char *)p->text + p->pos;
	size_t left = p->len - p->pos;
	unsigned char lo = 0x80;
	unsigned char hi = 0xbf;
	size_t n;
	size_t i;

	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		n = 2;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		n = 3;
		lo = s[0] == 0xe0 ? 0xa0 : 0x80;
		hi = s[0] == 0xed ? 0x9f : 0xbf;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		n = 4;
		lo = s[0] == 0xf0 ? 0x90 : 0x80;
		hi = s[0] == 0xf4 ? 0x8f : 0xbf;
	} else {
		return 0;
	}
	if (left < n || s[1] < lo || s[1] > hi) {
		return 0;
	}
	for (i = 2; i < n; i++) {
		if (s[i] < 0x80 || s[i] > 0xbf) {
			return 0;
		}
	}
	return n;
}

/* After the opening quote: the string's bytes into b, up to the closing quote. */
static bool parse_string_bytes(struct parser *p, struct bytes *b)
{
	static const char from[] = "\"\\/bfnrt";
	static const char to[] = "\"\\/\b\f\n\r\t";
	const char *esc;
	unsigned char c;
	size_t n;

	bytes_put(b, "", 0);
	while (p->pos < p->len) {
		c = (unsigned char)p->text[p->pos];
		if (c == '"') {
			p->pos++;
			return true;
		}
		if (c < 0x20) {
			return fail(p, "raw control character 0x%02x in a string", c);
		}
		if (c == '\\') {
			p->pos++;
			if (p->pos >= p->len) {
				break;
			}
			if (p->text[p->pos] == 'u') {
				p->pos++;
				if (!unicode_escape(p, b)) {
					return false;
				}
				continue;
			}
			esc = strchr(from, p->text[p->pos]);
			if (esc == NULL || *esc == '\0') {
				return fail(p, "bad escape \\%c", p->text[p->pos]);
			}
			bytes_put(b, &to[esc - from], 1);
			p->pos++;
			continue;
		}
		n = c < 0x80 ? 1 : utf8_length(p);
		if (n == 0) {
			return fail(p, "invalid UTF-8 byte 0x%02x in a string", c);
		}
		bytes_put(b, p->text + p->pos, n);
		p->pos += n;
	}
	return fail(p, "unterminated string");
}

static bool parse_string(struct parser *p, struct jl_value *out)
{
	struct bytes b = { NULL, 0, 0 };

	p->pos++;
	if (!parse_string_bytes(p, &b)) {
		free(b.data);
		return false;
	}
	out->type = JL_STRING;
	out->str = b.data;
	out->len = b.len;
	return true;
}

/* Frees what a value owns (not the value itself). */
static void free_contents(struct jl_value *v)
{
	size_t i;

	for (i = 0; i < v->count; i++) {
		free_contents(&v->items[i]);
		if (v->keys != NULL) {
			free(v->keys[i]);
		}
	}
	free(v->items);
	free(v->keys);
	free(v->str);
	memset(v, 0, sizeof(*v));
}

/* Appends a zeroed element to an array or object and returns it. */
static struct jl_value *add_item(struct jl_value *v, bool with_key)
{
	v->items = xrealloc(v->items, (v->count + 1) * sizeof(*v->items));
	memset(&v->items[v->count], 0, sizeof(v->items[0]));
	if (with_key) {
		v->keys = xrealloc(v->keys, (v->count + 1) * sizeof(*v->keys));
		v->keys[v->count] = NULL;
	}
	return &v->items[v->count++];
}

/* One "key": value member of an object. */
static bool parse_member(struct parser *p, struct jl_value *obj, unsigned depth)
{
	struct bytes key = { NULL, 0, 0 };
	struct jl_value *item;

	skip_space(p);
	if (p->pos >= p->len || p->text[p->pos] != '"') {
		return fail(p, "object member name expected");
	}
	p->pos++;
	if (!parse_string_bytes(p, &key)) {
		free(key.data);
		return false;
	}
	if (strlen(key.data) != key.len) {
		free(key.data);
		return fail(p, "member name holds a NUL character");
	}
	item = add_item(obj, true);
	obj->keys[obj->count - 1] = key.data;
	skip_space(p);
	if (p->pos >= p->len || p->text[p->pos] != ':') {
		return fail(p, "':' expected after a member name");
	}
	p->pos++;
	return parse_value(p, item, depth + 1);
}

/* An array or an object, from its opening bracket. */
static bool parse_container(struct parser *p, struct jl_value *out, unsigned depth)
{
	bool object = p->text[p->pos] == '{';
	char close = object ? '}' : ']';

	if (depth >= MAX_DEPTH) {
		return fail(p, "nesting deeper than %d", MAX_DEPTH);
	}
	out->type = object ? JL_OBJECT : JL_ARRAY;
	p->pos++;
	skip_space(p);
	if (p->pos < p->len && p->text[p->pos] == close) {
		p->pos++;
		return true;
	}
	for (;;) {
		if (object ? !parse_member(p, out, depth) : !parse_value(p, add_item(out, false), depth + 1)) {
			return false;
		}
		skip_space(p);
		if (p->pos >= p->len) {
			return fail(p, "unterminated %s", object ? "object" : "array");
		}
		if (p->text[p->pos] == close) {
			p->pos++;
			return true;
		}
		if (p->text[p->pos] != ',') {
			return fail(p, "',' or '%c' expected", close);
		}
		p->pos++;
	}
}

static bool parse_value(struct parser *p, struct jl_value *out, unsigned depth)
{
	char c;

	skip_space(p);
	if (p->pos >= p->len) {
		return fail(p, "value expected, end of text found");
	}
	c = p->text[p->pos];
	switch (c) {
	case '{':
	case '[':
		return parse_container(p, out, depth);
	case '"':
		return parse_string(p, out);
	case 'n':
		out->type = JL_NULL;
		return expect_word(p, "null");
	case 't':
		out->type = JL_TRUE;
		return expect_word(p, "true");
	case 'f':
		out->type = JL_FALSE;
		return expect_word(p, "false");
	default:
		if (c == '-' || is_digit(c)) {
			return parse_number(p, out);
		}
		return fail(p, "unexpected character '%c'", c);
	}
}

struct jl_value *jl_parse(const char *text, size_t len, char *err, size_t errlen)
{
	struct parser p = { text, len, 0, err, errlen, false };
	struct jl_value *v = xrealloc(NULL, sizeof(*v));

	memset(v, 0, sizeof(*v));
	if (parse_value(&p, v, 0)) {
		skip_space(&p);
		if (p.pos < p.len) {
			fail(&p, "text after the value");
		}
	}
	if (p.failed) {
		jl_free(v);
		return NULL;
	}
	return v;
}

void jl_free(struct jl_value *value)
{
	if (value != NULL) {
		free_contents(value);
		free(value);
	}
}

const struct jl_value *jl_get(const struct jl_value *object, const char *key)
{
	size_t i;

	if (object == NULL || object->type != JL_OBJECT) {
		return NULL;
	}
	for (i = 0; i < object->count; i++) {
		if (strcmp(object->keys[i], key) == 0) {
			return &object->items[i];
		}
	}
	return NULL;
}

const char *jl_type_name(enum jl_type type)
{
	static const char *const names[] = { "null", "false", "true", "number",
		                             "string", "array", "object" };

	return (unsigned)type < sizeof(names) / sizeof(names[0]) ? names[type] : "?";
}
