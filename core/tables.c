/*
 * core/tables.c - the reader's table cache (see tables.h).
 *
 * Concurrency: see tables.h.
 */
#include <stdlib.h>

#include "tables.h"

#define BUCKETS 256u

struct table_cache {
	struct table_entry *buckets[BUCKETS]; /* chained by table id */
};

void table_entry_ref(struct table_entry *entry)
{
	atomic_fetch_add_explicit(&entry->refs, 1, memory_order_relaxed);
}

void table_entry_unref(struct table_entry *entry)
{
	if (atomic_fetch_sub_explicit(&entry->refs, 1, memory_order_acq_rel) == 1) {
		binlog_table_free(entry->def);
		free(entry);
	}
}

struct table_cache *table_cache_new(void)
{
	return calloc(1, sizeof(struct table_cache));
}

void table_cache_clear(struct table_cache *cache)
{
	for (unsigned i = 0; i < BUCKETS; i++) {
		struct table_entry *entry = cache->buckets[i];
		while (entry != NULL) {
			struct table_entry *next = entry->next;
			table_entry_unref(entry);
			entry = next;
		}
		cache->buckets[i] = NULL;
	}
}

void table_cache_free(struct table_cache *cache)
{
	if (cache != NULL) {
		table_cache_clear(cache);
		free(cache);
	}
}

struct table_entry *table_cache_get(const struct table_cache *cache, uint64_t id)
{
	struct table_entry *entry = cache->buckets[id % BUCKETS];

	while (entry != NULL && entry->def->table.id != id) {
		entry = entry->next;
	}
	return entry;
}

struct table_entry *table_cache_put(struct table_cache *cache, struct binlog_table *def,
                                    const struct route_set *routes)
{
	struct table_entry **link = &cache->buckets[def->table.id % BUCKETS];
	struct table_entry *entry = calloc(1, sizeof(*entry));

	if (entry == NULL) {
		abort();
	}
	entry->def = def;
	entry->routes = *routes;
	atomic_init(&entry->refs, 1);
	while (*link != NULL && (*link)->def->table.id != def->table.id) {
		link = &(*link)->next;
	}
	if (*link != NULL) {
		struct table_entry *old = *link;
		entry->next = old->next;
		table_entry_unref(old);
	}
	*link = entry;
	return entry;
}
