/*
 * core/chunk.h - the decoded rows of one transaction (or of one piece of a
 * transaction too big for one), shared by every sink they route to.
 *
 * A chunk owns an arena holding copies of the rows events' bytes and the
 * events and values decoded from them (values point into those copies:
 * nothing is copied per value), plus references to the table definitions
 * its events point to. The reader fills a chunk, then hands it to the
 * dispatcher; each sink that has events in it acknowledges it once; the
 * payload is freed with the last acknowledgement, while the small chunk
 * record stays in the dispatcher's order until the checkpoint passes it.
 *
 * Concurrency: filled by the reader thread alone; after submission the
 * payload is read-only and read by sink workers concurrently; `pending`
 * and the release are guarded by the dispatcher's lock.
 */
#ifndef MEEPO_CHUNK_H
#define MEEPO_CHUNK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <meepo/event.h>

#include "position.h"
#include "tables.h"

/* An event and the sinks it goes to. */
struct chunk_event {
	struct meepo_event ev;  /* what sinks see */
	uint64_t sinks;         /* bit i: deliver to sink i */
	uint64_t stop_sinks;    /* bit i: sink i's route says on_reject = "stop" */
};

struct arena_block;

struct chunk {
	uint64_t seq;               /* submission order, from 1 */
	uint64_t sinks;             /* union of the events' sink bits */
	unsigned pending;           /* sinks yet to acknowledge (dispatcher lock) */
	size_t bytes;               /* payload bytes, counted against queue budgets */
	bool txn_end;               /* holds the end of its transaction */
	bool has_safe;              /* `safe` is valid */
	struct position safe;       /* resume here once this and all earlier chunks are done */
	struct chunk_event **events; /* nevents events in binlog order */
	size_t nevents;
	size_t events_cap;          /* slots allocated in events */
	struct table_entry **tables; /* tables the events point to, one reference each */
	size_t ntables;
	size_t tables_cap;          /* slots allocated in tables */
	struct arena_block *arena;  /* newest block first */
};

/* Returns a new empty chunk. Aborts if memory is exhausted. */
struct chunk *chunk_new(void);

/* Returns n bytes of 8-byte aligned, uninitialised chunk memory. */
void *chunk_alloc(struct chunk *chunk, size_t n);

/* Returns a copy of data inside the chunk. */
const uint8_t *chunk_copy(struct chunk *chunk, const void *data, size_t n);

/* Returns a copy of the NUL-terminated string s inside the chunk. */
const char *chunk_strdup(struct chunk *chunk, const char *s);

/* Appends a zeroed event and returns it. */
struct chunk_event *chunk_add_event(struct chunk *chunk);

/* Keeps a reference to entry for as long as the payload lives. */
void chunk_hold_table(struct chunk *chunk, struct table_entry *entry);

/* Frees the payload (arena, events, table references); keeps the record. */
void chunk_release_payload(struct chunk *chunk);

/* Frees the chunk and whatever payload it still has. NULL is allowed. */
void chunk_free(struct chunk *chunk);

#endif /* MEEPO_CHUNK_H */
