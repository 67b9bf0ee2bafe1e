/*
 * tests/unit/binlog/walk.h - walks a binlog file in memory with the
 * core/binlog API only, for the fixture tests and the fuzzer.
 *
 * Concurrency: a walk belongs to one thread.
 */
#ifndef MEEPO_TEST_BINLOG_WALK_H
#define MEEPO_TEST_BINLOG_WALK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "binlog/binlog.h"

/* GTIDs remembered per walk. */
#define WALK_GTIDS 32u
/* Event types remembered in order per walk. */
#define WALK_ORDER 64u
/* Distinct table names remembered per walk. */
#define WALK_TABLES 32u

/* Called for every decoded row; values as binlog_rows_next() left them. */
typedef void (*walk_row_fn)(void *arg, const struct binlog_table *table,
                            enum meepo_action action, const struct meepo_value *before,
                            const struct meepo_value *after);

/* What a walk saw. */
struct walk_stats {
	uint32_t events[256];           /* top-level events by type */
	uint32_t inner[256];            /* events inside TRANSACTION_PAYLOAD by type */
	uint32_t nevents;               /* top-level events seen */
	uint32_t ninner;                /* inner events seen */
	uint8_t order[WALK_ORDER];      /* types of the first top-level events */
	uint8_t inner_order[WALK_ORDER];/* types of the first inner events */
	uint32_t checksums;             /* events whose CRC32 was verified */
	uint64_t rows;                  /* rows decoded (update: before+after = 1) */
	uint32_t ngtids;                /* GTID texts seen (may exceed WALK_GTIDS) */
	char gtids[WALK_GTIDS][128];    /* the first WALK_GTIDS texts */
	uint32_t ntables;               /* distinct schema.table names kept */
	char tables[WALK_TABLES][160];  /* "schema.table:t1,t2,..." column types */
	bool lenient_crc;               /* count CRC mismatches instead of failing (fuzzing) */
	uint32_t bad_checksums;         /* mismatches let through when lenient_crc */
	uint32_t timestamp;             /* header timestamp of the event being decoded */
	walk_row_fn on_row;             /* optional row callback */
	void *arg;                      /* its argument */
};

/*
 * Walks buf as a binlog file: magic, then events. Returns 0 when every
 * event decoded, else -1 with a message (including the event offset).
 */
int walk_binlog(const uint8_t *buf, size_t len, struct walk_stats *st, char *err, size_t errlen);

#endif /* MEEPO_TEST_BINLOG_WALK_H */
