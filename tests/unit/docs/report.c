/*
 * tests/unit/docs/report.c - lines of differences (see report.h).
 *
 * Concurrency: none.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"

void report_open(struct report *r)
{
	memset(r, 0, sizeof(*r));
	r->f = open_memstream(&r->text, &r->len);
	if (r->f == NULL) {
		fputs("out of memory\n", stderr);
		abort();
	}
}

void report(struct report *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(r->f, fmt, ap);
	va_end(ap);
	fputc('\n', r->f);
	r->count++;
}

void report_close(struct report *r)
{
	fclose(r->f);
	r->f = NULL;
}

void report_free(struct report *r)
{
	free(r->text);
	r->text = NULL;
}
