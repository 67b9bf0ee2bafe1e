/*
 * tests/integration/types_check.c - one value of meepo's JSON output against
 * the server's SELECT text of the same column, following the mapping of
 * docs/events.md, and the per-type counters of the conformance report.
 *
 * The expected JSON is derived from the server's text alone (never from
 * meepo's own formatting code): integers (less ZEROFILL's padding), DECIMAL
 * and DOUBLE must carry the same characters; YEAR the number; FLOAT (selected as the DOUBLE of the
 * stored float) a number that reads back as that float with the fewest
 * digits that do; temporal values, strings and ENUM the same text; BIT the
 * big-endian bytes as a number; binary strings, BLOB and GEOMETRY the
 * base64 of the bytes; SET the members as an array of strings.
 *
 * Concurrency: single-threaded test program.
 */
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "types.h"

static char *__attribute__((format(printf, 1, 2))) msg(const char *format, ...)
{
	va_list ap;
	char *s = NULL;

	va_start(ap, format);
	if (vasprintf(&s, format, ap) < 0) {
		abort();
	}
	va_end(ap);
	return s;
}

bool types_kind_of(const char *data_type, enum types_kind *kind)
{
	static const struct {
		const char *name;
		enum types_kind kind;
	} map[] = {
		{ "tinyint", KIND_INT }, { "smallint", KIND_INT }, { "mediumint", KIND_INT },
		{ "int", KIND_INT }, { "bigint", KIND_INT }, { "year", KIND_YEAR },
		{ "float", KIND_FLOAT }, { "double", KIND_DOUBLE }, { "decimal", KIND_DECIMAL },
		{ "date", KIND_TEMPORAL }, { "time", KIND_TEMPORAL }, { "datetime", KIND_TEMPORAL },
		{ "timestamp", KIND_TEMPORAL }, { "bit", KIND_BIT }, { "char", KIND_STRING },
		{ "varchar", KIND_STRING }, { "tinytext", KIND_STRING }, { "text", KIND_STRING },
		{ "mediumtext", KIND_STRING }, { "longtext", KIND_STRING }, { "binary", KIND_BYTES },
		{ "varbinary", KIND_BYTES }, { "tinyblob", KIND_BYTES }, { "blob", KIND_BYTES },
		{ "mediumblob", KIND_BYTES }, { "longblob", KIND_BYTES }, { "enum", KIND_ENUM },
		{ "set", KIND_SET }, { "geometry", KIND_BYTES }, { "point", KIND_BYTES },
		{ "linestring", KIND_BYTES }, { "polygon", KIND_BYTES }, { "multipoint", KIND_BYTES },
		{ "multilinestring", KIND_BYTES }, { "multipolygon", KIND_BYTES },
		{ "geometrycollection", KIND_BYTES }, { "uuid", KIND_BYTES }, { "inet6", KIND_BYTES },
		{ "inet4", KIND_BYTES },
	};
	size_t i;

	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
		if (strcmp(map[i].name, data_type) == 0) {
			*kind = map[i].kind;
			return true;
		}
	}
	return false;
}

/* Returns base64 (RFC 4648, padded) of `len` bytes as a malloc'ed string. */
static char *base64(const unsigned char *p, size_t len)
{
	static const char alphabet[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	char *out = malloc((len + 2) / 3 * 4 + 1);
	size_t o = 0;
	size_t i;
	uint32_t v;

	if (out == NULL) {
		abort();
	}
	for (i = 0; i < len; i += 3) {
		v = (uint32_t)p[i] << 16;
		v |= i + 1 < len ? (uint32_t)p[i + 1] << 8 : 0;
		v |= i + 2 < len ? p[i + 2] : 0;
		out[o++] = alphabet[v >> 18 & 63];
		out[o++] = alphabet[v >> 12 & 63];
		out[o++] = i + 1 < len ? alphabet[v >> 6 & 63] : '=';
		out[o++] = i + 2 < len ? alphabet[v & 63] : '=';
	}
	out[o] = '\0';
	return out;
}

/* Quotes up to 120 bytes of a value for a message, non-printable bytes as \xNN. */
static char *quote(const char *p, size_t len)
{
	char *out = malloc(120 * 4 + 32);
	size_t o = 0;
	size_t i;

	if (out == NULL) {
		abort();
	}
	out[o++] = '\'';
	for (i = 0; i < len && i < 120; i++) {
		unsigned char c = (unsigned char)p[i];

		if (c >= 0x20 && c != 0x7f && c != '\\') {
			out[o++] = (char)c;
		} else {
			o += (size_t)sprintf(out + o, "\\x%02X", c);
		}
	}
	out[o++] = '\'';
	if (len > 120) {
		o += (size_t)sprintf(out + o, "... (%zu bytes)", len);
	}
	out[o] = '\0';
	return out;
}

/* An array of strings as its members joined by ',' (for messages). */
static char *join_strings(const struct jl_value *array)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	char *q;
	size_t i;

	if (f == NULL) {
		abort();
	}
	for (i = 0; i < array->count; i++) {
		q = array->items[i].str != NULL ? quote(array->items[i].str, array->items[i].len)
		                                : msg("%s", jl_type_name(array->items[i].type));
		fprintf(f, "%s%s", i > 0 ? "," : "", q);
		free(q);
	}
	fclose(f);
	return text;
}

/* The mismatch message for a value expected as `want` (the server's text). */
static char *differ(const char *want_what, const char *want, size_t want_len,
                    const struct jl_value *got)
{
	char *w = quote(want, want_len);
	char *g = got->str != NULL ? quote(got->str, got->len)
	          : got->type == JL_ARRAY ? join_strings(got) : NULL;
	char *m = msg("expected %s %s, got %s%s%s", want_what, w, jl_type_name(got->type),
	              g != NULL ? " " : "", g != NULL ? g : "");

	free(w);
	free(g);
	return m;
}

/* `got` must be a JSON value of `type` whose bytes are exactly `want`. */
static char *expect_exact(enum jl_type type, const char *want, size_t want_len,
                          const struct jl_value *got)
{
	if (got->type == type && got->len == want_len && memcmp(got->str, want, want_len) == 0) {
		return NULL;
	}
	return differ(type == JL_NUMBER ? "number" : "string", want, want_len, got);
}

/* Integers: the same digits, without the zeros ZEROFILL pads them with. */
static char *expect_int(const char *server, size_t len, const struct jl_value *got)
{
	size_t skip = 0;

	while (skip + 1 < len && server[skip] == '0') {
		skip++;
	}
	return expect_exact(JL_NUMBER, server + skip, len - skip, got);
}

/* YEAR: "0000" is 0, else the number without leading zeros. */
static char *expect_year(const char *server, size_t len, const struct jl_value *got)
{
	char want[24];
	int n = snprintf(want, sizeof(want), "%lu", strtoul(server, NULL, 10));

	(void)len;
	return expect_exact(JL_NUMBER, want, (size_t)n, got);
}

/* BIT: the server's big-endian bytes as an unsigned number. */
static char *expect_bit(const char *server, size_t len, const struct jl_value *got)
{
	uint64_t v = 0;
	char want[24];
	size_t i;
	int n;

	if (len > 8) {
		return msg("server returned %zu bytes for a BIT column", len);
	}
	for (i = 0; i < len; i++) {
		v = v << 8 | (unsigned char)server[i];
	}
	n = snprintf(want, sizeof(want), "%llu", (unsigned long long)v);
	return expect_exact(JL_NUMBER, want, (size_t)n, got);
}

/* Significant digits of a number token: from the first to the last non-zero mantissa digit. */
static int significant_digits(const char *token)
{
	int first = -1;
	int last = -1;
	int pos = 0;
	const char *p;

	for (p = token; *p != '\0' && *p != 'e' && *p != 'E'; p++) {
		if (*p < '0' || *p > '9') {
			continue;
		}
		if (*p != '0') {
			first = first < 0 ? pos : first;
			last = pos;
		}
		pos++;
	}
	return first < 0 ? 1 : last - first + 1;
}

/*
 * FLOAT: the server's text is the stored float widened to double (exact).
 * meepo's number must read back (strtof) as that float, with its sign, and
 * use no more significant digits than the shortest text that does.
 */
static char *expect_float(const char *server, size_t len, const struct jl_value *got)
{
	double want = strtod(server, NULL);
	float wantf = (float)want;
	char text[32];
	float back;
	int shortest;

	(void)len;
	if (got->type != JL_NUMBER) {
		return differ("number", server, len, got);
	}
	back = strtof(got->str, NULL);
	if ((double)wantf != want) {
		return msg("server value %s is not a float", server);
	}
	if (back != wantf || signbit(back) != signbit(wantf)) {
		return differ("number reading back as the float", server, len, got);
	}
	for (shortest = 1; shortest < 9; shortest++) {
		snprintf(text, sizeof(text), "%.*e", shortest - 1, (double)wantf);
		if (strtof(text, NULL) == wantf) {
			break;
		}
	}
	if (significant_digits(got->str) != shortest) {
		return msg("float %s: %s has %d significant digits, the shortest round trip has %d",
		           server, got->str, significant_digits(got->str), shortest);
	}
	return NULL;
}

/* BYTES, GEOMETRY: base64 of the server's bytes. */
static char *expect_base64(const char *server, size_t len, const struct jl_value *got)
{
	char *want = base64((const unsigned char *)server, len);
	char *m = expect_exact(JL_STRING, want, strlen(want), got);

	free(want);
	return m;
}

/* SET: "a,c" is ["a","c"], "" is []. */
static char *expect_set(const char *server, size_t len, const struct jl_value *got)
{
	const char *p = server;
	const char *end = server + len;
	const char *comma;
	size_t n = 0;
	size_t member_len;

	if (got->type != JL_ARRAY) {
		return differ("array of the members of", server, len, got);
	}
	while (len > 0 && p <= end) {
		comma = memchr(p, ',', (size_t)(end - p));
		member_len = comma != NULL ? (size_t)(comma - p) : (size_t)(end - p);
		if (n >= got->count || got->items[n].type != JL_STRING ||
		    got->items[n].len != member_len || memcmp(got->items[n].str, p, member_len) != 0) {
			return differ("array of the members of", server, len, got);
		}
		n++;
		p += member_len + 1;
	}
	if (n != got->count) {
		return msg("expected %zu SET members from '%.*s', got %zu", n, (int)len, server,
		           got->count);
	}
	return NULL;
}

char *types_compare(const struct types_column *col, const char *server, size_t len,
                    const struct jl_value *got)
{
	if (server == NULL) {
		return got->type == JL_NULL ? NULL : differ("null for SQL", "NULL", 4, got);
	}
	switch (col->kind) {
	case KIND_INT:
		return expect_int(server, len, got);
	case KIND_DECIMAL:
	case KIND_DOUBLE:
		return expect_exact(JL_NUMBER, server, len, got);
	case KIND_YEAR:
		return expect_year(server, len, got);
	case KIND_FLOAT:
		return expect_float(server, len, got);
	case KIND_BIT:
		return expect_bit(server, len, got);
	case KIND_TEMPORAL:
	case KIND_STRING:
	case KIND_ENUM:
		return expect_exact(JL_STRING, server, len, got);
	case KIND_BYTES:
		return expect_base64(server, len, got);
	case KIND_SET:
		return expect_set(server, len, got);
	}
	return msg("column %s has an unknown kind", col->name);
}

/* ---- counters ------------------------------------------------------------- */

void types_count(struct types_counts *counts, const char *label, bool is_null)
{
	size_t i;

	for (i = 0; i < counts->n; i++) {
		if (strcmp(counts->labels[i], label) == 0) {
			break;
		}
	}
	if (i == counts->n) {
		counts->labels = realloc(counts->labels, (i + 1) * sizeof(*counts->labels));
		counts->values = realloc(counts->values, (i + 1) * sizeof(*counts->values));
		counts->nulls = realloc(counts->nulls, (i + 1) * sizeof(*counts->nulls));
		if (counts->labels == NULL || counts->values == NULL || counts->nulls == NULL) {
			abort();
		}
		counts->labels[i] = strdup(label);
		counts->values[i] = 0;
		counts->nulls[i] = 0;
		counts->n++;
	}
	counts->values[i]++;
	counts->nulls[i] += is_null ? 1 : 0;
}

static int compare_labels(const void *a, const void *b)
{
	return strcmp(**(char *const *const *)a, **(char *const *const *)b);
}

void types_counts_print(const struct types_counts *counts, const char *title)
{
	char ***order = calloc(counts->n + 1, sizeof(*order));
	size_t total = 0;
	size_t nulls = 0;
	size_t i;
	size_t k;

	if (order == NULL) {
		abort();
	}
	for (i = 0; i < counts->n; i++) {
		order[i] = &counts->labels[i];
	}
	qsort(order, counts->n, sizeof(*order), compare_labels);
	printf("%s\n", title);
	printf("  %-40s %8s %8s\n", "type", "values", "of NULL");
	for (i = 0; i < counts->n; i++) {
		k = (size_t)(order[i] - counts->labels);
		printf("  %-40s %8zu %8zu\n", counts->labels[k], counts->values[k], counts->nulls[k]);
		total += counts->values[k];
		nulls += counts->nulls[k];
	}
	printf("  %-40s %8zu %8zu\n", "total", total, nulls);
	free(order);
}

void types_counts_free(struct types_counts *counts)
{
	size_t i;

	for (i = 0; i < counts->n; i++) {
		free(counts->labels[i]);
	}
	free(counts->labels);
	free(counts->values);
	free(counts->nulls);
	memset(counts, 0, sizeof(*counts));
}
