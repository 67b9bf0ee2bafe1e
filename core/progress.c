/*
 * core/progress.c - formatting the progress line (see progress.h).
 *
 * Concurrency: pure.
 */
#include <inttypes.h>
#include <stdio.h>

#include "progress.h"

/* Writes a duration as "45s", "4m10s", "1h02m" or "3d04h". */
static void duration(int64_t s, char *buf, size_t len)
{
	if (s < 60) {
		snprintf(buf, len, "%" PRId64 "s", s);
	} else if (s < 3600) {
		snprintf(buf, len, "%" PRId64 "m%02" PRId64 "s", s / 60, s % 60);
	} else if (s < 86400) {
		snprintf(buf, len, "%" PRId64 "h%02" PRId64 "m", s / 3600, (s % 3600) / 60);
	} else {
		snprintf(buf, len, "%" PRId64 "d%02" PRId64 "h", s / 86400, (s % 86400) / 3600);
	}
}

void progress_format(const struct progress_sample *prev, const struct progress_sample *cur,
                     char *buf, size_t len)
{
	double dt = cur->time - prev->time;
	double rate = dt > 0 ? (double)(cur->rows - prev->rows) / dt : 0;
	double shrink = dt > 0 ? (double)(prev->lag - cur->lag) / dt : 0; /* lag seconds per second */
	char lag[32];
	char eta[32];
	int n;

	duration(cur->lag, lag, sizeof(lag));
	n = snprintf(buf, len, "%s:%" PRIu64 " | %.1fk rows/s | lag %s",
	             cur->position.file, cur->position.offset, rate / 1000.0, lag);
	if (shrink > 0 && n > 0 && (size_t)n < len) {
		duration((int64_t)((double)cur->lag / shrink), eta, sizeof(eta));
		snprintf(buf + n, len - (size_t)n, " | catching up in %s", eta);
	}
}
