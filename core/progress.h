/*
 * core/progress.h - the progress line printed on a terminal while meepo
 * is far behind the server: position, rows/s, lag and time to catch up.
 *
 * Concurrency: pure functions of their arguments.
 */
#ifndef MEEPO_PROGRESS_H
#define MEEPO_PROGRESS_H

#include <stddef.h>
#include <stdint.h>

#include "position.h"

/* Lag above which the line is shown (seconds). */
#define PROGRESS_MIN_LAG 60

/* One reading of the reader, taken every few seconds. */
struct progress_sample {
	double time;                /* monotonic seconds */
	uint64_t rows;              /* rows produced so far */
	int64_t lag;                /* seconds behind the server */
	struct position position;   /* after the last complete transaction */
};

/*
 * Writes the line for the interval prev -> cur into buf, e.g.
 * "mysql-bin.000003:1234 | 52.1k rows/s | lag 1h02m | catching up in 4m10s".
 * The catch-up estimate is left out while the lag does not shrink.
 */
void progress_format(const struct progress_sample *prev, const struct progress_sample *cur,
                     char *buf, size_t len);

#endif /* MEEPO_PROGRESS_H */
