/*
 * core/config_lint.c - checks on a configuration file's text that
 * libconfig does not make: integer literals libconfig 1.5 would silently
 * truncate to 32 bits (they need an L suffix), and @include.
 *
 * Concurrency: main thread only.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config_loader.h"

static bool in_set(char c, const char *set)
{
	return c != '\0' && strchr(set, c) != NULL;
}

/*
 * Scans one integer literal at text[i] (a sign or digit); returns the index
 * after it, or 0 after writing an error if libconfig 1.5 would silently
 * truncate it (an int literal outside the 32-bit range, without L).
 */
static size_t lint_number(struct loader *ld, const char *file, unsigned line,
                          const char *text, size_t i)
{
	size_t start = i;
	bool hex;
	long long v;
	char *end;

	if (text[i] == '-' || text[i] == '+') {
		i++;
	}
	hex = text[i] == '0' && (text[i + 1] == 'x' || text[i + 1] == 'X');
	i += hex ? 2 : 0;
	while (hex ? isxdigit((unsigned char)text[i]) : isdigit((unsigned char)text[i])) {
		i++;
	}
	if (!hex && in_set(text[i], ".eE")) {
		while (in_set(text[i], "0123456789.eE+-")) {
			i++;
		}
		return i;
	}
	if (text[i] == 'L') {
		return i + 1;
	}
	errno = 0;
	v = strtoll(text + start, &end, hex ? 16 : 10);
	if (errno == ERANGE || v > INT_MAX || v < INT_MIN) {
		snprintf(ld->err, ld->errlen,
		         "%s:%u: integer %.*s does not fit in 32 bits: write %.*sL for a 64-bit "
		         "integer", file, line, (int)(i - start), text + start, (int)(i - start),
		         text + start);
		return 0;
	}
	return i;
}

/*
 * Checks the text of a file that libconfig accepted: no @include, no
 * integer literal that libconfig 1.5 would truncate. A small scanner that
 * skips comments (#, //, slash-star) and strings.
 */
int conf_lint_file(struct loader *ld, const char *file, const char *text, size_t len)
{
	unsigned line = 1;
	size_t i = 0;

	while (i < len) {
		char c = text[i];

		if (c == '\n') {
			line++;
			i++;
		} else if (c == '#' || (c == '/' && text[i + 1] == '/')) {
			while (i < len && text[i] != '\n') {
				i++;
			}
		} else if (c == '/' && text[i + 1] == '*') {
			for (i += 2; i < len && !(text[i] == '*' && text[i + 1] == '/'); i++) {
				line += text[i] == '\n';
			}
			i += 2;
		} else if (c == '"') {
			for (i++; i < len && text[i] != '"'; i++) {
				i += text[i] == '\\' && i + 1 < len;
				line += text[i] == '\n';
			}
			i++;
		} else if (c == '@') {
			snprintf(ld->err, ld->errlen, "%s:%u: @include is not supported: put the file "
			                              "in the configuration directory", file, line);
			return -1;
		} else if (isalpha((unsigned char)c) || c == '*') {
			while (isalnum((unsigned char)text[i]) || in_set(text[i], "-_*")) {
				i++;
			}
		} else if (isdigit((unsigned char)c) ||
		           ((c == '-' || c == '+') && isdigit((unsigned char)text[i + 1]))) {
			i = lint_number(ld, file, line, text, i);
			if (i == 0) {
				return -1;
			}
		} else {
			i++;
		}
	}
	return 0;
}

/* Parses one file into cf and applies its top-level keys. */
