/*
 * core/chunk.c - chunk memory: a bump arena of growing blocks, so that a
 * transaction's thousands of events and values cost a handful of mallocs.
 *
 * Concurrency: see chunk.h.
 */
#include <stdlib.h>
#include <string.h>

#include "chunk.h"

#define ARENA_FIRST_BLOCK (16u * 1024u)
#define ARENA_MAX_BLOCK (1024u * 1024u)

struct arena_block {
	struct arena_block *next;   /* older block */
	size_t size;                /* usable bytes in data */
	size_t used;                /* bytes handed out */
	max_align_t data[];         /* the memory */
};

static void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n);
	if (p == NULL) {
		abort();
	}
	return p;
}

struct chunk *chunk_new(void)
{
	struct chunk *chunk = calloc(1, sizeof(*chunk));

	if (chunk == NULL) {
		abort();
	}
	return chunk;
}

void *chunk_alloc(struct chunk *chunk, size_t n)
{
	struct arena_block *block = chunk->arena;
	size_t need = (n + 7u) & ~(size_t)7u;
	void *p;

	if (block == NULL || block->size - block->used < need) {
		size_t size = block == NULL ? ARENA_FIRST_BLOCK : block->size * 2;
		if (size > ARENA_MAX_BLOCK) {
			size = ARENA_MAX_BLOCK;
		}
		if (size < need) {
			size = need;
		}
		block = xrealloc(NULL, sizeof(*block) + size);
		block->next = chunk->arena;
		block->size = size;
		block->used = 0;
		chunk->arena = block;
		chunk->bytes += sizeof(*block) + size;
	}
	p = (char *)block->data + block->used;
	block->used += need;
	return p;
}

const uint8_t *chunk_copy(struct chunk *chunk, const void *data, size_t n)
{
	void *p = chunk_alloc(chunk, n);

	memcpy(p, data, n);
	return p;
}

const char *chunk_strdup(struct chunk *chunk, const char *s)
{
	return (const char *)chunk_copy(chunk, s, strlen(s) + 1);
}

struct chunk_event *chunk_add_event(struct chunk *chunk)
{
	struct chunk_event *event = chunk_alloc(chunk, sizeof(*event));

	if (chunk->nevents == chunk->events_cap) {
		size_t grown = chunk->events_cap ? chunk->events_cap : 64;
		chunk->events_cap += grown;
		chunk->events = xrealloc(chunk->events, chunk->events_cap * sizeof(*chunk->events));
		chunk->bytes += grown * sizeof(*chunk->events); /* counted against the budgets too */
	}
	memset(event, 0, sizeof(*event));
	chunk->events[chunk->nevents++] = event;
	return event;
}

void chunk_hold_table(struct chunk *chunk, struct table_entry *entry)
{
	for (size_t i = chunk->ntables; i > 0; i--) {
		if (chunk->tables[i - 1] == entry) {
			return;
		}
	}
	if (chunk->ntables == chunk->tables_cap) {
		chunk->tables_cap = chunk->tables_cap ? chunk->tables_cap * 2 : 4;
		chunk->tables = xrealloc(chunk->tables, chunk->tables_cap * sizeof(*chunk->tables));
	}
	table_entry_ref(entry);
	chunk->tables[chunk->ntables++] = entry;
}

void chunk_release_payload(struct chunk *chunk)
{
	while (chunk->arena != NULL) {
		struct arena_block *next = chunk->arena->next;
		free(chunk->arena);
		chunk->arena = next;
	}
	for (size_t i = 0; i < chunk->ntables; i++) {
		table_entry_unref(chunk->tables[i]);
	}
	free(chunk->tables);
	free(chunk->events);
	chunk->tables = NULL;
	chunk->events = NULL;
	chunk->ntables = chunk->tables_cap = 0;
	chunk->nevents = chunk->events_cap = 0;
}

void chunk_free(struct chunk *chunk)
{
	if (chunk != NULL) {
		chunk_release_payload(chunk);
		free(chunk);
	}
}
