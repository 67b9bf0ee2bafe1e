/*
 * tests/unit/docs/cscan.c - function bodies, string arrays, call arguments
 * and constant limits from C source text (see cscan.h). Out of memory
 * aborts: this is test code.
 *
 * Concurrency: none.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cscan.h"

/* Aborts when an allocation failed; returns p otherwise. */
static void *need(void *p)
{
	if (p == NULL) {
		fputs("out of memory\n", stderr);
		abort();
	}
	return p;
}

/* Appends a copy of the n bytes at s to the array of *count strings. */
static void push(char ***array, size_t *count, const char *s, size_t n)
{
	*array = need(realloc(*array, (*count + 1) * sizeof(**array)));
	(*array)[(*count)++] = need(strndup(s, n));
}

/* Returns the start of the line after the one at p (or the final NUL). */
static const char *next_line(const char *p)
{
	const char *nl = strchr(p, '\n');

	return nl != NULL ? nl + 1 : p + strlen(p);
}

/* True if the line at p is exactly `what`. */
static int line_is(const char *p, const char *what)
{
	size_t n = strlen(what);

	return strncmp(p, what, n) == 0 && (p[n] == '\n' || p[n] == '\0');
}

/*
 * Returns the name of the function whose "{" line is at brace: the
 * identifier before the first '(' of the nearest line above starting in
 * column 0 with a letter. NULL if there is none.
 */
static char *function_name(const char *text, const char *brace)
{
	const char *p = brace;

	while (p > text) {
		const char *line = p - 1;
		const char *paren;
		const char *id;

		while (line > text && line[-1] != '\n') {
			line--;
		}
		p = line;
		if (!isalpha((unsigned char)line[0])) {
			continue;
		}
		paren = memchr(line, '(', (size_t)(next_line(line) - line));
		if (paren == NULL) {
			return NULL;
		}
		id = paren;
		while (id > line && (isalnum((unsigned char)id[-1]) || id[-1] == '_')) {
			id--;
		}
		return id < paren ? need(strndup(id, (size_t)(paren - id))) : NULL;
	}
	return NULL;
}

size_t c_functions(const char *text, struct c_function **out)
{
	size_t n = 0;
	unsigned lineno = 1;

	*out = NULL;
	for (const char *p = text; *p != '\0'; p = next_line(p), lineno++) {
		const char *q = p;
		char *name;

		if (!line_is(p, "{")) {
			continue;
		}
		name = function_name(text, p);
		if (name == NULL) {
			continue;
		}
		while (*q != '\0' && !line_is(q, "}")) {
			q = next_line(q);
		}
		*out = need(realloc(*out, (n + 1) * sizeof(**out)));
		(*out)[n].name = name;
		(*out)[n].body = p;
		(*out)[n].len = (size_t)(q - p) + (*q != '\0');
		(*out)[n].line = lineno;
		n++;
	}
	return n;
}

void c_functions_free(struct c_function *fns, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(fns[i].name);
	}
	free(fns);
}

long c_string_array(const char *text, size_t len, const char *name, char ***out)
{
	char pattern[128];
	const char *p;
	size_t count = 0;

	*out = NULL;
	snprintf(pattern, sizeof(pattern), " %s[] = {", name);
	p = memmem(text, len, pattern, strlen(pattern));
	if (p == NULL) {
		return -1;
	}
	for (p += strlen(pattern); *p != '\0' && !(p[0] == '}' && p[1] == ';'); p++) {
		const char *end;

		if (*p != '"') {
			continue;
		}
		end = strchr(p + 1, '"');
		if (end == NULL) {
			break;
		}
		push(out, &count, p + 1, (size_t)(end - p - 1));
		p = end;
	}
	return (long)count;
}

size_t c_call_args(const char *paren, char ***out)
{
	const char *start = paren + 1;
	size_t n = 0;
	int depth = 1;

	*out = NULL;
	for (const char *p = start; *p != '\0' && depth > 0; p++) {
		if (*p == '"') {
			for (p++; *p != '\0' && *p != '"'; p++) {
				p += *p == '\\' && p[1] != '\0';
			}
			continue;
		}
		depth += *p == '(';
		depth -= *p == ')';
		if ((*p == ',' && depth == 1) || depth == 0) {
			const char *b = start;
			const char *e = p;

			while (b < e && isspace((unsigned char)*b)) {
				b++;
			}
			while (e > b && isspace((unsigned char)e[-1])) {
				e--;
			}
			push(out, &n, b, (size_t)(e - b));
			start = p + 1;
		}
	}
	return n;
}

void c_strings_free(char **strings, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(strings[i]);
	}
	free(strings);
}

void c_macros_scan(const char *text, struct c_macros *macros)
{
	for (const char *p = text; *p != '\0'; p = next_line(p)) {
		const char *name;
		const char *value;
		const char *end = next_line(p);

		if (strncmp(p, "#define ", 8) != 0) {
			continue;
		}
		name = p + 8;
		value = name;
		while (isalnum((unsigned char)*value) || *value == '_') {
			value++;
		}
		if (*value != ' ' && *value != '\t') {
			continue; /* function-like, or no value */
		}
		while (end > value && isspace((unsigned char)end[-1])) {
			end--;
		}
		macros->names = need(realloc(macros->names, (macros->count + 1) * sizeof(char *)));
		macros->values = need(realloc(macros->values, (macros->count + 1) * sizeof(char *)));
		macros->names[macros->count] = need(strndup(name, (size_t)(value - name)));
		while (value < end && isspace((unsigned char)*value)) {
			value++;
		}
		macros->values[macros->count++] = need(strndup(value, (size_t)(end - value)));
	}
}

void c_macros_free(struct c_macros *macros)
{
	c_strings_free(macros->names, macros->count);
	c_strings_free(macros->values, macros->count);
	memset(macros, 0, sizeof(*macros));
}

static int eval(const char *s, size_t n, const struct c_macros *macros, int depth,
                long long *value);

/* Evaluates one operand (no top-level shift); returns 0 or -1. */
static int eval_operand(const char *s, size_t n, const struct c_macros *macros, int depth,
                        long long *value)
{
	static const struct {
		const char *name;
		long long value;
	} names[] = {
		{ "UINT32_MAX", (long long)UINT32_MAX },
		{ "INT64_MAX", INT64_MAX },
		{ "INT_MAX", INT_MAX },
	};
	char buf[64];
	char *end;

	if (n >= 2 && s[0] == '(' && s[n - 1] == ')') {
		return eval(s + 1, n - 2, macros, depth, value);
	}
	if (n > 9 && strncmp(s, "INT64_C(", 8) == 0 && s[n - 1] == ')') {
		return eval(s + 8, n - 9, macros, depth, value);
	}
	if (n == 0 || n >= sizeof(buf)) {
		return -1;
	}
	memcpy(buf, s, n);
	buf[n] = '\0';
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (strcmp(buf, names[i].name) == 0) {
			*value = names[i].value;
			return 0;
		}
	}
	for (size_t i = 0; macros != NULL && i < macros->count; i++) {
		if (strcmp(buf, macros->names[i]) == 0) {
			return eval(macros->values[i], strlen(macros->values[i]), macros, depth + 1,
			            value);
		}
	}
	if (!isdigit((unsigned char)buf[0])) {
		return -1;
	}
	errno = 0;
	*value = strtoll(buf, &end, 10);
	end += strspn(end, "uUlL");
	return errno == 0 && *end == '\0' ? 0 : -1;
}

/* Evaluates s[0..n): trims spaces, then "a << b" at depth 0 or one operand. */
static int eval(const char *s, size_t n, const struct c_macros *macros, int depth,
                long long *value)
{
	long long bits;
	int parens = 0;

	if (depth > 8) {
		return -1;
	}
	while (n > 0 && isspace((unsigned char)*s)) {
		s++;
		n--;
	}
	while (n > 0 && isspace((unsigned char)s[n - 1])) {
		n--;
	}
	for (size_t i = 0; i + 1 < n; i++) {
		parens += (s[i] == '(') - (s[i] == ')');
		if (parens == 0 && s[i] == '<' && s[i + 1] == '<') {
			if (eval(s, i, macros, depth, value) != 0 ||
			    eval(s + i + 2, n - i - 2, macros, depth, &bits) != 0 || bits < 0 ||
			    bits > 62 || *value < 0 || *value > (INT64_MAX >> bits)) {
				return -1;
			}
			*value <<= bits;
			return 0;
		}
	}
	return eval_operand(s, n, macros, depth, value);
}

int c_eval(const char *expr, const struct c_macros *macros, long long *value)
{
	return eval(expr, strlen(expr), macros, 0, value);
}
