/*
 * tests/unit/docs/report.h - the differences a docs check finds, collected
 * as lines of text so that a test can list them all and fail once.
 *
 * Ownership: report_open() allocates, report_free() releases; the text is
 * readable after report_close(). Out of memory aborts (test code).
 *
 * Concurrency: none (test code, one thread).
 */
#ifndef MEEPO_TEST_REPORT_H
#define MEEPO_TEST_REPORT_H

#include <stddef.h>
#include <stdio.h>

/* Differences found, as lines of text. */
struct report {
	FILE *f;            /* memstream over text; NULL once closed */
	char *text;         /* the lines so far */
	size_t len;         /* strlen(text) */
	size_t count;       /* lines reported */
};

/* Starts an empty report. */
void report_open(struct report *r);

/* Adds one line (without its newline) to the report. */
void report(struct report *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Closes the stream; r->text stays until report_free(). */
void report_close(struct report *r);

/* Frees the text. */
void report_free(struct report *r);

#endif /* MEEPO_TEST_REPORT_H */
