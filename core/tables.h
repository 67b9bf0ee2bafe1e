/*
 * core/tables.h - the table definitions the reader has seen, by table id.
 *
 * Each TABLE_MAP yields (or reuses) a table_entry: the decoded definition
 * plus the sinks it routes to, resolved once. Entries are reference
 * counted because events in flight point into them after the cache has
 * moved on (a new TABLE_MAP for the same id, a rotation).
 *
 * Concurrency: the cache is used by the reader thread only. An entry's
 * reference count is atomic: sink workers drop references when they free
 * a chunk. Entry contents are immutable once published.
 */
#ifndef MEEPO_TABLES_H
#define MEEPO_TABLES_H

#include <stdatomic.h>
#include <stdint.h>

#include "binlog/binlog.h"
#include "router.h"

struct table_entry {
	struct binlog_table *def;   /* the decoded TABLE_MAP (owned) */
	struct route_set routes;    /* sinks per action, resolved once */
	atomic_uint refs;           /* the cache's reference + one per holder */
	struct table_entry *next;   /* next entry in the same hash bucket */
};

/* Takes a reference. */
void table_entry_ref(struct table_entry *entry);
/* Drops a reference; frees the entry with the last one. */
void table_entry_unref(struct table_entry *entry);

struct table_cache;

struct table_cache *table_cache_new(void);
/* Drops every entry (after a rotation or a new FORMAT_DESCRIPTION). */
void table_cache_clear(struct table_cache *cache);
void table_cache_free(struct table_cache *cache);

/* Returns the entry for id, or NULL. The cache keeps its reference. */
struct table_entry *table_cache_get(const struct table_cache *cache, uint64_t id);

/*
 * Stores def (taking ownership) with its routes under def's table id,
 * replacing (and unreferencing) an older entry. Returns the new entry.
 */
struct table_entry *table_cache_put(struct table_cache *cache, struct binlog_table *def,
                                    const struct route_set *routes);

#endif /* MEEPO_TABLES_H */
