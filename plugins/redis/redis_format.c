/*
 * plugins/redis/redis_format.c - events to Redis commands, without I/O.
 *
 * Arguments are written back to back into one growable buffer and recorded
 * as (offset, length) pairs, so templates, values and JSON render straight
 * into their final place; the argv pointers are only computed once the
 * buffer stops moving, at the end of redis_format_batch(). Everything is
 * reused from batch to batch: a steady stream allocates nothing.
 *
 * Allocation failure aborts the process, as meepo_buf does.
 *
 * Concurrency: see redis_format.h (a format is shared read-only, a
 * redis_cmds belongs to one thread).
 */
#include "redis_format.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Mode names, indexed by enum redis_mode. */
static const char *const mode_names[] = { "purge", "publish", "stream", "hash" };

int redis_mode_parse(const char *name, enum redis_mode *mode)
{
	size_t i;

	for (i = 0; i < sizeof(mode_names) / sizeof(mode_names[0]); i++) {
		if (strcmp(name, mode_names[i]) == 0) {
			*mode = (enum redis_mode)i;
			return 0;
		}
	}
	return -1;
}

const char *redis_mode_name(enum redis_mode mode)
{
	return mode_names[mode];
}

int redis_format_init(struct redis_format *format, enum redis_mode mode,
                      const char *const *templates, size_t count, int64_t maxlen,
                      bool unlink, char *err, size_t errlen)
{
	size_t i;
	int rc = -1;

	memset(format, 0, sizeof(*format));
	if (count == 0 || (mode != REDIS_MODE_PURGE && count != 1)) {
		snprintf(err, errlen, "mode %s takes %s template", redis_mode_name(mode),
		         mode == REDIS_MODE_PURGE ? "at least one key" : "exactly one");
		goto out;
	}
	if (maxlen < 0) {
		snprintf(err, errlen, "maxlen must not be negative, not %" PRId64, maxlen);
		goto out;
	}
	format->templates = calloc(count, sizeof(*format->templates));
	if (format->templates == NULL) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	for (i = 0; i < count; i++) {
		format->templates[i] = meepo_template_compile(templates[i], err, errlen);
		if (format->templates[i] == NULL) {
			goto out;
		}
		format->ntemplates++;
	}
	format->mode = mode;
	format->maxlen = maxlen;
	format->unlink = unlink;
	rc = 0;
out:
	if (rc != 0) {
		redis_format_free(format);
	}
	return rc;
}

void redis_format_free(struct redis_format *format)
{
	size_t i;

	for (i = 0; i < format->ntemplates; i++) {
		meepo_template_free(format->templates[i]);
	}
	free(format->templates);
	memset(format, 0, sizeof(*format));
}

/* ---- the argument list ------------------------------------------------- */

/* realloc() for `count` items of `size` bytes that aborts when out of memory. */
static void *xreallocarray(void *ptr, size_t count, size_t size)
{
	void *p = reallocarray(ptr, count, size);

	if (p == NULL) {
		fprintf(stderr, "meepo-sink-redis: out of memory (%zu x %zu bytes)\n", count, size);
		abort();
	}
	return p;
}

/* Returns a capacity of at least `need`, doubling from `cap` (minimum 16). */
static size_t grown(size_t cap, size_t need)
{
	size_t n = cap < 16 ? 16 : cap;

	while (n < need) {
		n *= 2;
	}
	return n;
}

/* Starts a new argument at the end of the buffer; the text follows it. */
static void arg_open(struct redis_cmds *cmds)
{
	size_t cap;

	if (cmds->nargs == cmds->args_cap) {
		cap = grown(cmds->args_cap, cmds->nargs + 1);
		cmds->offs = xreallocarray(cmds->offs, cap, sizeof(*cmds->offs));
		cmds->lens = xreallocarray(cmds->lens, cap, sizeof(*cmds->lens));
		cmds->args_cap = cap;
	}
	cmds->offs[cmds->nargs] = cmds->bytes.len;
	cmds->lens[cmds->nargs] = 0;
	cmds->nargs++;
}

/* Ends the argument opened last: it spans up to the end of the buffer. */
static void arg_close(struct redis_cmds *cmds)
{
	size_t last = cmds->nargs - 1;

	cmds->lens[last] = cmds->bytes.len - cmds->offs[last];
}

/* Removes the last argument and its bytes. */
static void arg_drop(struct redis_cmds *cmds)
{
	cmds->nargs--;
	cmds->bytes.len = cmds->offs[cmds->nargs];
	if (cmds->bytes.cap > 0) {
		cmds->bytes.data[cmds->bytes.len] = '\0';
	}
}

/* Appends one argument holding `text`. */
static void arg_text(struct redis_cmds *cmds, const char *text)
{
	arg_open(cmds);
	meepo_buf_puts(&cmds->bytes, text);
	arg_close(cmds);
}

/* Appends one argument holding `len` bytes at `data` (not inside cmds->bytes). */
static void arg_bytes(struct redis_cmds *cmds, const char *data, size_t len)
{
	arg_open(cmds);
	meepo_buf_append(&cmds->bytes, data, len);
	arg_close(cmds);
}

/* Starts a new command whose name is `name`. */
static void cmd_open(struct redis_cmds *cmds, const char *name)
{
	size_t cap;

	if (cmds->ncmds == cmds->cmds_cap) {
		cap = grown(cmds->cmds_cap, cmds->ncmds + 1);
		cmds->firsts = xreallocarray(cmds->firsts, cap, sizeof(*cmds->firsts));
		cmds->cmds_cap = cap;
	}
	cmds->firsts[cmds->ncmds++] = cmds->nargs;
	arg_text(cmds, name);
}

/* Returns the number of arguments of the last command, its name included. */
static size_t cmd_argc(const struct redis_cmds *cmds)
{
	return cmds->nargs - cmds->firsts[cmds->ncmds - 1];
}

/* Removes the last command and its arguments. */
static void cmd_drop(struct redis_cmds *cmds)
{
	size_t first = cmds->firsts[--cmds->ncmds];

	while (cmds->nargs > first) {
		arg_drop(cmds);
	}
}

/* Empties `cmds` for a new batch, keeping its memory. */
static void cmds_reset(struct redis_cmds *cmds)
{
	meepo_buf_reset(&cmds->bytes);
	cmds->nargs = 0;
	cmds->ncmds = 0;
	if (cmds->seen_count > 0) {
		memset(cmds->seen, 0, cmds->seen_cap * sizeof(*cmds->seen));
		cmds->seen_count = 0;
	}
}

/* Sets the argv pointers once the buffer no longer moves. */
static void cmds_finish(struct redis_cmds *cmds)
{
	size_t i;

	if (cmds->nargs > cmds->argv_cap) {
		cmds->argv_cap = grown(cmds->argv_cap, cmds->nargs);
		cmds->argv = xreallocarray(cmds->argv, cmds->argv_cap, sizeof(*cmds->argv));
	}
	for (i = 0; i < cmds->nargs; i++) {
		cmds->argv[i] = cmds->bytes.data + cmds->offs[i];
	}
}

size_t redis_cmds_count(const struct redis_cmds *cmds)
{
	return cmds->ncmds;
}

void redis_cmds_get(const struct redis_cmds *cmds, size_t i, int *argc,
                    const char ***argv, const size_t **argvlen)
{
	size_t first = cmds->firsts[i];
	size_t end = i + 1 < cmds->ncmds ? cmds->firsts[i + 1] : cmds->nargs;

	*argc = (int)(end - first);
	*argv = cmds->argv + first;
	*argvlen = cmds->lens + first;
}

void redis_cmds_free(struct redis_cmds *cmds)
{
	meepo_buf_free(&cmds->bytes);
	meepo_buf_free(&cmds->scratch);
	free(cmds->merged);
	free(cmds->offs);
	free(cmds->lens);
	free(cmds->firsts);
	free(cmds->argv);
	free(cmds->seen);
	memset(cmds, 0, sizeof(*cmds));
}

/* ---- the purge key set ------------------------------------------------- */

/* FNV-1a hash of argument `index`. */
static size_t arg_hash(const struct redis_cmds *cmds, size_t index)
{
	const unsigned char *p = (const unsigned char *)cmds->bytes.data + cmds->offs[index];
	uint64_t h = 14695981039346656037u;
	size_t i;

	for (i = 0; i < cmds->lens[index]; i++) {
		h = (h ^ p[i]) * 1099511628211u;
	}
	return (size_t)h;
}

/* True if arguments a and b hold the same bytes. */
static bool arg_equal(const struct redis_cmds *cmds, size_t a, size_t b)
{
	return cmds->lens[a] == cmds->lens[b] &&
	       memcmp(cmds->bytes.data + cmds->offs[a], cmds->bytes.data + cmds->offs[b],
	              cmds->lens[a]) == 0;
}

/* Puts argument `index` into the first free slot of its probe sequence. */
static void seen_place(struct redis_cmds *cmds, size_t index)
{
	size_t mask = cmds->seen_cap - 1;
	size_t slot = arg_hash(cmds, index) & mask;

	while (cmds->seen[slot] != 0) {
		slot = (slot + 1) & mask;
	}
	cmds->seen[slot] = index + 1;
}

/* Doubles the set (keeping it at most half full) and re-inserts its keys. */
static void seen_grow(struct redis_cmds *cmds)
{
	size_t *old = cmds->seen;
	size_t old_cap = cmds->seen_cap;
	size_t i;

	cmds->seen_cap = old_cap == 0 ? 64 : old_cap * 2;
	cmds->seen = xreallocarray(NULL, cmds->seen_cap, sizeof(*cmds->seen));
	memset(cmds->seen, 0, cmds->seen_cap * sizeof(*cmds->seen));
	for (i = 0; i < old_cap; i++) {
		if (old[i] != 0) {
			seen_place(cmds, old[i] - 1);
		}
	}
	free(old);
}

/*
 * Adds the last argument to the set of keys of this batch. Returns true if
 * it is new, false if an earlier argument holds the same key.
 */
static bool seen_add_last(struct redis_cmds *cmds)
{
	size_t index = cmds->nargs - 1;
	size_t mask;
	size_t slot;

	if ((cmds->seen_count + 1) * 2 > cmds->seen_cap) {
		seen_grow(cmds);
	}
	mask = cmds->seen_cap - 1;
	slot = arg_hash(cmds, index) & mask;
	while (cmds->seen[slot] != 0) {
		if (arg_equal(cmds, cmds->seen[slot] - 1, index)) {
			return false;
		}
		slot = (slot + 1) & mask;
	}
	cmds->seen[slot] = index + 1;
	cmds->seen_count++;
	return true;
}

/* ---- events to commands ------------------------------------------------ */

/* Writes "<schema>.<table> <action> at <file>:<offset> row <n>: <what>" to err. */
static void event_error(char *err, size_t errlen, const struct meepo_event *event,
                        const char *what)
{
	snprintf(err, errlen, "%s.%s %s at %s:%" PRIu64 " row %" PRIu32 ": %s",
	         event->table->schema, event->table->name, meepo_action_name(event->action),
	         event->file != NULL ? event->file : "?", event->offset, event->row_index, what);
}

/*
 * Appends `tpl` rendered over `image` (NULL allowed) to `out`. Returns 0; 1
 * if the image has no key (it is NULL, or a column the template names is
 * NULL in it); -1 with a message in err if the key cannot be known (a
 * column missing from the table or not logged in the image, a malformed
 * value). `out` is unchanged unless 0 is returned.
 */
static int render_key(const struct meepo_template *tpl, const struct meepo_event *event,
                      const struct meepo_value *image, struct meepo_buf *out,
                      char *err, size_t errlen)
{
	char why[512];
	const char *absent;
	int rc;

	rc = meepo_template_render(tpl, event, image, out, why, sizeof(why));
	if (rc == 1 && image != NULL) {
		absent = meepo_template_absent(tpl, event, image);
		if (absent != NULL) {
			snprintf(why, sizeof(why),
			         "template \"%s\": column `%s` is not logged in the %s image "
			         "(binlog_row_image is not FULL), so the key is unknown",
			         meepo_template_text(tpl), absent,
			         image == event->before ? "before" : "after");
			rc = -1;
		}
	}
	if (rc < 0) {
		event_error(err, errlen, event, why);
	}
	return rc;
}

/* Renders `tpl` over `image` as a new last argument (none unless 0): as render_key(). */
static int arg_template(struct redis_cmds *cmds, const struct meepo_template *tpl,
                        const struct meepo_event *event, const struct meepo_value *image,
                        char *err, size_t errlen)
{
	int rc;

	arg_open(cmds);
	rc = render_key(tpl, event, image, &cmds->bytes, err, errlen);
	if (rc != 0) {
		arg_drop(cmds);
		return rc;
	}
	arg_close(cmds);
	return 0;
}

/*
 * Returns the event's after image, NULL for a delete. For an update whose
 * after image lacks columns (binlog_row_image MINIMAL or NOBLOB log only
 * the changed ones), returns a copy in cmds->merged where those columns
 * hold their unchanged before values.
 */
static const struct meepo_value *full_after(const struct meepo_event *event,
                                            struct redis_cmds *cmds)
{
	uint32_t n = event->table->ncolumns;
	uint32_t i;

	if (event->action != MEEPO_UPDATE) {
		return event->after;
	}
	for (i = 0; i < n && event->after[i].type != MEEPO_VALUE_ABSENT; i++) {
	}
	if (i == n) {
		return event->after;
	}
	if (n > cmds->merged_cap) {
		cmds->merged_cap = grown(cmds->merged_cap, n);
		cmds->merged = xreallocarray(cmds->merged, cmds->merged_cap, sizeof(*cmds->merged));
	}
	for (i = 0; i < n; i++) {
		cmds->merged[i] = event->after[i].type == MEEPO_VALUE_ABSENT ? event->before[i]
		                                                              : event->after[i];
	}
	return cmds->merged;
}

/* Appends the event's JSON as a new last argument. Returns 0 or -1. */
static int arg_json(struct redis_cmds *cmds, const struct meepo_event *event,
                    char *err, size_t errlen)
{
	arg_open(cmds);
	if (meepo_event_append_json(&cmds->bytes, event) != 0) {
		arg_drop(cmds);
		event_error(err, errlen, event, "malformed value, cannot write the event as JSON");
		return -1;
	}
	arg_close(cmds);
	return 0;
}

/* Name of the command that removes keys. */
static const char *del_name(const struct redis_format *format)
{
	return format->unlink ? "UNLINK" : "DEL";
}

/*
 * purge: adds the keys of every template over one image (NULL allowed) to
 * the open DELs. A key that cannot be known does not stop the others.
 * Returns 0, or -1 with the first problem in err.
 */
static int purge_image(const struct redis_format *format, const struct meepo_event *event,
                       const struct meepo_value *image, struct redis_cmds *cmds,
                       char *err, size_t errlen)
{
	size_t i;
	int rc;
	int result = 0;

	for (i = 0; i < format->ntemplates && image != NULL; i++) {
		if (cmds->ncmds == 0 || cmd_argc(cmds) > REDIS_PURGE_KEYS_PER_CMD) {
			cmd_open(cmds, del_name(format));
		}
		rc = arg_template(cmds, format->templates[i], event, image,
		                  result == 0 ? err : NULL, result == 0 ? errlen : 0);
		if (rc < 0) {
			result = -1;
		} else if (rc == 0 && !seen_add_last(cmds)) {
			arg_drop(cmds);
		}
	}
	return result;
}

/* purge: the keys of the before and after images. Returns 0 or -1. */
static int purge_event(const struct redis_format *format, const struct meepo_event *event,
                       struct redis_cmds *cmds, char *err, size_t errlen)
{
	int before = purge_image(format, event, event->before, cmds, err, errlen);
	int after = purge_image(format, event, full_after(event, cmds), cmds,
	                        before == 0 ? err : NULL, before == 0 ? errlen : 0);

	return before == 0 && after == 0 ? 0 : -1;
}

/*
 * Renders the publish/stream template over the image identifying the row;
 * a NULL column there leaves nowhere to send the event, which is an error.
 */
static int arg_destination(const struct redis_format *format, const struct meepo_event *event,
                           struct redis_cmds *cmds, char *err, size_t errlen)
{
	char why[512];
	int rc;

	rc = arg_template(cmds, format->templates[0], event, meepo_event_key_image(event),
	                  err, errlen);
	if (rc == 1) {
		snprintf(why, sizeof(why), "%s template \"%s\" names a NULL column, the event has nowhere to go",
		         format->mode == REDIS_MODE_PUBLISH ? "channel" : "stream",
		         meepo_template_text(format->templates[0]));
		event_error(err, errlen, event, why);
	}
	return rc == 0 ? 0 : -1;
}

/* publish: PUBLISH <channel> <json> */
static int publish_event(const struct redis_format *format, const struct meepo_event *event,
                         struct redis_cmds *cmds, char *err, size_t errlen)
{
	cmd_open(cmds, "PUBLISH");
	if (arg_destination(format, event, cmds, err, errlen) != 0 ||
	    arg_json(cmds, event, err, errlen) != 0) {
		return -1;
	}
	return 0;
}

/* stream: XADD <stream> [MAXLEN ~ <n>] * event <json> id <event id> */
static int stream_event(const struct redis_format *format, const struct meepo_event *event,
                        struct redis_cmds *cmds, char *err, size_t errlen)
{
	cmd_open(cmds, "XADD");
	if (arg_destination(format, event, cmds, err, errlen) != 0) {
		return -1;
	}
	if (format->maxlen > 0) {
		arg_text(cmds, "MAXLEN");
		arg_text(cmds, "~");
		arg_open(cmds);
		meepo_buf_printf(&cmds->bytes, "%" PRId64, format->maxlen);
		arg_close(cmds);
	}
	arg_text(cmds, "*");
	arg_text(cmds, "event");
	if (arg_json(cmds, event, err, errlen) != 0) {
		return -1;
	}
	arg_text(cmds, "id");
	arg_open(cmds);
	meepo_event_append_id(&cmds->bytes, event);
	arg_close(cmds);
	return 0;
}

/*
 * hash: one command `name key field...` over the columns of `image`, with
 * their text for HSET (non-NULL columns) or without for HDEL (NULL
 * columns). Absent columns are left alone. Nothing if no column qualifies.
 */
static int hash_fields(const struct meepo_event *event, const struct meepo_value *image,
                       const char *name, bool nulls, const char *key, size_t keylen,
                       struct redis_cmds *cmds, char *err, size_t errlen)
{
	const struct meepo_table *table = event->table;
	const struct meepo_value *value;
	uint32_t i;

	cmd_open(cmds, name);
	arg_bytes(cmds, key, keylen);
	for (i = 0; i < table->ncolumns; i++) {
		value = &image[i];
		if (value->type == MEEPO_VALUE_ABSENT || (value->type == MEEPO_VALUE_NULL) != nulls) {
			continue;
		}
		arg_text(cmds, table->columns[i].name);
		if (nulls) {
			continue;
		}
		arg_open(cmds);
		if (meepo_value_append_text(&cmds->bytes, value) != 0) {
			arg_drop(cmds);
			event_error(err, errlen, event, "malformed value, cannot write it as text");
			return -1;
		}
		arg_close(cmds);
	}
	if (cmd_argc(cmds) == 2) {
		cmd_drop(cmds);
	}
	return 0;
}

/* True if some column of `image` was not logged. */
static bool image_partial(const struct meepo_event *event, const struct meepo_value *image)
{
	uint32_t i;

	for (i = 0; i < event->table->ncolumns; i++) {
		if (image[i].type == MEEPO_VALUE_ABSENT) {
			return true;
		}
	}
	return false;
}

/* hash: mirror one row event. */
static int hash_event(const struct redis_format *format, const struct meepo_event *event,
                      struct redis_cmds *cmds, char *err, size_t errlen)
{
	const struct meepo_template *tpl = format->templates[0];
	struct meepo_buf *keys = &cmds->scratch;
	const struct meepo_value *after = full_after(event, cmds);
	const char *new_key;
	size_t old_len;
	size_t new_len;
	bool moved;
	int old_rc;
	int new_rc;

	meepo_buf_reset(keys);
	old_rc = render_key(tpl, event, event->before, keys, err, errlen);
	if (old_rc < 0) {
		return -1;
	}
	old_len = keys->len;
	new_rc = render_key(tpl, event, after, keys, err, errlen);
	if (new_rc < 0) {
		return -1;
	}
	new_len = keys->len - old_len;
	new_key = keys->data + old_len;
	moved = new_rc != 0 || old_len != new_len ||
	        (old_len > 0 && memcmp(keys->data, new_key, old_len) != 0);
	if (old_rc == 0 && moved) {
		cmd_open(cmds, del_name(format));
		arg_bytes(cmds, keys->data, old_len);
	}
	if (new_rc != 0) {
		return 0;
	}
	if (old_rc == 0 && moved && image_partial(event, after)) {
		event_error(err, errlen, event, "the hash key changed but the after image lacks columns "
		            "(binlog_row_image is not FULL): the moved hash would be incomplete");
		return -1;
	}
	if (hash_fields(event, after, "HSET", false, new_key, new_len, cmds, err, errlen) != 0 ||
	    hash_fields(event, after, "HDEL", true, new_key, new_len, cmds, err, errlen) != 0) {
		return -1;
	}
	return 0;
}

size_t redis_format_batch(const struct redis_format *format, const struct meepo_batch *batch,
                          struct redis_cmds *cmds, char *err, size_t errlen)
{
	const struct meepo_event *event;
	char why[1024];
	size_t bad = 0;
	size_t mark;
	size_t i;
	int rc = 0;

	cmds_reset(cmds);
	for (i = 0; i < batch->count; i++) {
		event = batch->events[i];
		mark = cmds->ncmds;
		switch (format->mode) {
		case REDIS_MODE_PURGE:
			rc = purge_event(format, event, cmds, why, sizeof(why));
			break;
		case REDIS_MODE_PUBLISH:
			rc = publish_event(format, event, cmds, why, sizeof(why));
			break;
		case REDIS_MODE_STREAM:
			rc = stream_event(format, event, cmds, why, sizeof(why));
			break;
		case REDIS_MODE_HASH:
			rc = hash_event(format, event, cmds, why, sizeof(why));
			break;
		}
		if (rc == 0) {
			continue;
		}
		if (bad++ == 0) {
			snprintf(err, errlen, "%s", why);
		}
		/* purge keeps the keys it could render: deleting more is harmless */
		while (format->mode != REDIS_MODE_PURGE && cmds->ncmds > mark) {
			cmd_drop(cmds);
		}
	}
	if (format->mode == REDIS_MODE_PURGE && cmds->ncmds > 0 && cmd_argc(cmds) == 1) {
		cmd_drop(cmds);
	}
	cmds_finish(cmds);
	return bad;
}
