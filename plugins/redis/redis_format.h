/*
 * plugins/redis/redis_format.h - events to Redis commands, without I/O.
 *
 * A redis_format is the immutable formatting half of one sink instance: the
 * mode and its compiled templates. redis_format_batch() turns a batch of
 * events into a list of commands, each an argv/argvlen array ready for
 * redisAppendCommandArgv(), held in a reusable struct redis_cmds:
 *
 *   purge    DEL k1 k2 ... (or UNLINK): the keys rendered from every `keys`
 *            template over the before and after images, de-duplicated
 *            within the batch, at most REDIS_PURGE_KEYS_PER_CMD per command
 *   publish  PUBLISH <channel> <event JSON>, one per event
 *   stream   XADD <stream> [MAXLEN ~ n] * event <event JSON> id <event id>
 *   hash     write/update: HSET <key> col text ... for non-NULL columns and
 *            HDEL <key> col ... for NULL ones; an update whose key changes
 *            first deletes the old key (DEL or UNLINK); delete: DEL <key>
 *
 * Template rules (shared with the memcached sink): a key is rendered over
 * each image the event has; an image whose template column is NULL has no
 * key there (purge, hash: nothing is sent for it; publish, stream: the
 * batch is refused, the event would have nowhere to go). A column the
 * binlog did not log (binlog_row_image MINIMAL or NOBLOB) is taken, in an
 * update's after image, from the before image (it did not change); if it
 * is still unknown the key is unknown and the batch is refused rather than
 * a stale key left in place silently.
 *
 * Concurrency: a redis_format is read-only after redis_format_init() and may
 * be used from any thread; a redis_cmds belongs to one thread at a time.
 */
#ifndef MEEPO_REDIS_FORMAT_H
#define MEEPO_REDIS_FORMAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <meepo/event.h>
#include <meepo/sdk.h>

/* Most keys one purge DEL/UNLINK command carries. */
#define REDIS_PURGE_KEYS_PER_CMD 512

/* What a sink instance does with each event. */
enum redis_mode {
	REDIS_MODE_PURGE = 0,   /* DEL/UNLINK templated keys */
	REDIS_MODE_PUBLISH,     /* PUBLISH the JSON to a templated channel */
	REDIS_MODE_STREAM,      /* XADD the JSON and event id to a templated stream */
	REDIS_MODE_HASH,        /* mirror rows into hashes at a templated key */
};

/* The formatting configuration of one sink instance. */
struct redis_format {
	enum redis_mode mode;               /* what to send */
	struct meepo_template **templates;  /* purge: the keys; else exactly one */
	size_t ntemplates;                  /* entries in templates */
	int64_t maxlen;                     /* stream: MAXLEN ~ n, 0 = no trimming */
	bool unlink;                        /* purge, hash: UNLINK instead of DEL */
};

/*
 * Commands built from one batch. Zero-initialise before first use; reuse it
 * across batches (redis_format_batch() empties it first) and release it with
 * redis_cmds_free().
 */
struct redis_cmds {
	struct meepo_buf bytes;     /* every argument's bytes, back to back */
	size_t *offs;               /* nargs offsets of the arguments in bytes */
	size_t *lens;               /* nargs lengths of the arguments */
	size_t nargs;               /* arguments in use */
	size_t args_cap;            /* entries allocated in offs and lens */
	size_t *firsts;             /* ncmds indices of each command's first argument */
	size_t ncmds;               /* commands in use */
	size_t cmds_cap;            /* entries allocated in firsts */
	const char **argv;          /* nargs pointers into bytes, set when complete */
	size_t argv_cap;            /* entries allocated in argv */
	size_t *seen;               /* purge: open-addressing set of key argument
	                               indices plus one (0 = empty slot) */
	size_t seen_cap;            /* slots in seen, a power of two or 0 */
	size_t seen_count;          /* keys in seen */
	struct meepo_buf scratch;   /* hash: the old and new key of one event */
	struct meepo_value *merged; /* an update's after image completed from its before image */
	size_t merged_cap;          /* entries allocated in merged */
};

/*
 * Parses a mode name ("purge", "publish", "stream", "hash"). Returns 0, or
 * -1 if the name is none of them.
 */
int redis_mode_parse(const char *name, enum redis_mode *mode);

/* Returns the name of a mode. */
const char *redis_mode_name(enum redis_mode mode);

/*
 * Compiles the `count` template texts (purge: at least one key template;
 * other modes: exactly one) into `format`. Returns 0, or -1 with a message
 * in err (the SDK's, naming the faulty template; nothing to free then).
 */
int redis_format_init(struct redis_format *format, enum redis_mode mode,
                      const char *const *templates, size_t count, int64_t maxlen,
                      bool unlink, char *err, size_t errlen);

/* Frees what redis_format_init() allocated. */
void redis_format_free(struct redis_format *format);

/*
 * Replaces the content of `cmds` with the commands for `batch`, in batch
 * order. Returns the number of events that could not be formatted (a
 * template names a column the table lacks or one the binlog did not log, a
 * value is malformed, a publish/stream template renders a NULL column:
 * retrying cannot help them), with the first one's reason in err. Their
 * commands are left out, except in purge mode where the keys they could
 * render are still deleted (deleting more is harmless); every other
 * event's commands are there.
 */
size_t redis_format_batch(const struct redis_format *format, const struct meepo_batch *batch,
                          struct redis_cmds *cmds, char *err, size_t errlen);

/* Returns the number of commands in `cmds`. */
size_t redis_cmds_count(const struct redis_cmds *cmds);

/*
 * Returns command i of a successfully formatted `cmds` as redisAppendCommandArgv()
 * takes it: *argc arguments, *argv their bytes, *argvlen their lengths. The
 * pointers are valid until `cmds` is next changed.
 */
void redis_cmds_get(const struct redis_cmds *cmds, size_t i, int *argc,
                    const char ***argv, const size_t **argvlen);

/* Frees the memory of `cmds`; it is empty and reusable afterwards. */
void redis_cmds_free(struct redis_cmds *cmds);

#endif /* MEEPO_REDIS_FORMAT_H */
