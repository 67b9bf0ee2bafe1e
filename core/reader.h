/*
 * core/reader.h - binlog events in, chunks of routed row events out.
 *
 * The reader follows transaction boundaries (GTID/BEGIN ... XID/COMMIT,
 * DDL), keeps the table cache with each table's routes, decodes the rows
 * of routed tables only, and submits one chunk per transaction (or per
 * piece of a transaction bigger than the chunk limit) to the dispatcher.
 *
 * Concurrency: one reader per meepo, on the main thread; reader_stats()
 * may be called from any thread.
 */
#ifndef MEEPO_READER_H
#define MEEPO_READER_H

#include <stddef.h>
#include <stdint.h>

#include "dispatch.h"
#include "position.h"
#include "router.h"
#include "schema.h"
#include "source.h"

/* Counters, for progress lines and metrics. */
struct reader_stats {
	uint64_t events;        /* binlog events read */
	uint64_t bytes;         /* their bytes */
	uint64_t rows;          /* row events produced for sinks */
	uint64_t transactions;  /* transactions completed */
	uint32_t last_timestamp; /* header timestamp of the newest event */
	uint64_t by_type[256];  /* events read, by event type */
	struct position position; /* after the last complete transaction */
};

struct reader;

/*
 * Creates a reader. `schema` (may be NULL) completes tables logged without
 * column names; chunk_limit splits big transactions; `start` is where the
 * source starts (the first resume position).
 */
struct reader *reader_new(const struct router *router, struct dispatcher *dispatcher,
                          struct schema *schema, size_t chunk_limit, const struct position *start);
void reader_free(struct reader *reader);

/*
 * Handles one event. Returns 0, or -1 with "file:offset: message" in err
 * for malformed data (or when the dispatcher stopped meepo).
 */
int reader_feed(struct reader *reader, const struct source_event *event, char *err, size_t errlen);

/*
 * Forgets the transaction in progress (after a lost connection) and
 * returns where to resume: the end of the last complete transaction.
 */
void reader_rewind(struct reader *reader, struct position *resume);

/* Copies the counters; safe from any thread (they are published atomically). */
void reader_stats(struct reader *reader, struct reader_stats *out);

#endif /* MEEPO_READER_H */
