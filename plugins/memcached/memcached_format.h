/*
 * plugins/memcached/memcached_format.h - events to memcached keys, pure.
 *
 * For every event of a batch every key template is rendered over the
 * before image and the after image (an update that changes a key column
 * yields both keys), each rendered key is made a valid memcached key by the
 * documented escaping (docs/sinks/memcached.md, "Keys"), and the batch's
 * keys are de-duplicated keeping the order in which they were first seen.
 * Nothing here does I/O, so all of it is unit-tested without a server.
 *
 * Concurrency: a struct mc_format is immutable after mc_format_init() and
 * may be shared; a struct mc_keys is scratch space of one worker thread.
 */
#ifndef MEEPO_MEMCACHED_FORMAT_H
#define MEEPO_MEMCACHED_FORMAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <meepo/sdk.h>

/* Longest key memcached accepts (both protocols), prefix included. */
#define MC_KEY_MAX 250
/* Bytes of a hashed key after the prefix: "#" and 64 hex digits. */
#define MC_HASHED_LEN 65
/* Longest prefix: the hashed form of any key must still fit. */
#define MC_PREFIX_MAX (MC_KEY_MAX - MC_HASHED_LEN)

/* The key templates and prefix of one sink instance. */
struct mc_format {
	char *prefix;                       /* prepended to every key, "" for none */
	size_t prefix_len;                  /* bytes of prefix */
	size_t ntemplates;                  /* entries in templates */
	struct meepo_template **templates;  /* compiled `keys` option, in order */
};

/* One key of a batch, as it goes on the wire. */
struct mc_key {
	size_t offset;      /* start of the key in mc_keys.bytes */
	size_t len;         /* bytes, prefix included */
};

/* A table of the batch, checked against the templates. */
struct mc_checked {
	const struct meepo_table *table;    /* valid during one batch only */
	size_t flags;                       /* index in mc_keys.template_ok of its first flag */
};

/*
 * The keys of one batch, and what kept some events from having keys. Zero
 * it before first use; mc_keys_build() empties it; mc_keys_free() at the end.
 */
struct mc_keys {
	struct meepo_buf bytes;         /* the keys' bytes, back to back, NUL after each */
	struct mc_key *keys;            /* count keys, in first-seen order */
	size_t count;                   /* keys in the batch */
	size_t cap;                     /* entries allocated in keys */
	uint32_t *slots;                /* de-duplication: open addressing, key index + 1, 0 free */
	size_t nslots;                  /* entries in slots, a power of two (or 0) */
	struct meepo_buf render;        /* scratch: one rendered key before escaping */
	struct meepo_value *merged;     /* scratch: an update's after image, gaps filled */
	size_t merged_cap;              /* entries allocated in merged */
	struct mc_checked *checked;     /* tables seen in this batch */
	size_t nchecked;                /* entries used in checked */
	size_t checked_cap;             /* entries allocated in checked */
	bool *template_ok;              /* per checked table, one flag per template: columns exist */
	size_t template_ok_cap;         /* entries allocated in template_ok */
	struct meepo_buf problems;      /* distinct problem messages, each NUL-terminated */
	size_t nproblems;               /* distinct messages in problems */
	size_t bad_events;              /* events left (partly) without keys */
};

/*
 * Compiles the templates and copies the prefix. Returns 0, or -1 with a
 * message in err (a template that does not compile, an invalid prefix).
 */
int mc_format_init(struct mc_format *fmt, const char *prefix, const char *const *templates,
                   size_t ntemplates, char *err, size_t errlen);

/* Frees what mc_format_init() allocated; a zeroed fmt is allowed. */
void mc_format_free(struct mc_format *fmt);

/*
 * Checks that `prefix` can prefix memcached keys: at most MC_PREFIX_MAX
 * bytes, each in 0x21..0x7e. Returns 0, or -1 with a message in err.
 */
int mc_prefix_check(const char *prefix, char *err, size_t errlen);

/*
 * Appends the wire form of the rendered key raw[0..len) to out: the prefix,
 * then raw itself if every byte is in 0x21..0x7e and the result fits in
 * MC_KEY_MAX bytes; else raw with every byte outside 0x21..0x7e written as
 * "%XX" (upper-case hex) if that fits; else "#" and the lower-case hex
 * SHA-256 of raw. Returns the length appended.
 */
size_t mc_key_escape(const struct mc_format *fmt, const char *raw, size_t len,
                     struct meepo_buf *out);

/*
 * Renders the batch into `keys` (emptied first). A key that renders empty
 * is skipped (no client can store it). A template naming a column the
 * event's table lacks, a key column that was not logged, or a malformed
 * value adds a message to keys->problems and counts the event in
 * keys->bad_events; every other key is still built.
 */
void mc_keys_build(const struct mc_format *fmt, const struct meepo_batch *batch,
                   struct mc_keys *keys);

/* Returns key i (NUL-terminated, keys->keys[i].len bytes). */
const char *mc_keys_get(const struct mc_keys *keys, size_t i);

/*
 * Returns the part of key i that picks its server, as libmemcached hashes a
 * namespaced key: the key without the prefix. Stores its length in *len.
 */
const char *mc_keys_hash_part(const struct mc_keys *keys, const struct mc_format *fmt, size_t i,
                              size_t *len);

/* Frees the memory of `keys`. */
void mc_keys_free(struct mc_keys *keys);

#endif /* MEEPO_MEMCACHED_FORMAT_H */
