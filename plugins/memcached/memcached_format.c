/*
 * plugins/memcached/memcached_format.c - events to memcached keys, pure
 * (see memcached_format.h; the key rules are in docs/sinks/memcached.md).
 *
 * Concurrency: mc_format is read-only after mc_format_init(); mc_keys is
 * the scratch space of the single thread that builds a batch.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "memcached_format.h"

/* At most this many distinct problem messages are kept per batch. */
#define MAX_PROBLEMS 16

/* Which image of an event a key is rendered over, for messages. */
enum image_role {
	IMAGE_BEFORE = 0,   /* update or delete: the row as it was */
	IMAGE_AFTER = 1,    /* write or update: the row as it is */
};

static const char *const image_names[] = { "before", "after" };

/* Aborts: the SDK's buffers abort on exhausted memory too. */
static void *xrealloc(void *ptr, size_t n)
{
	void *p = realloc(ptr, n);

	if (p == NULL) {
		fprintf(stderr, "meepo: memcached sink: out of memory\n");
		abort();
	}
	return p;
}

/* True if a memcached key may hold byte c as it is. */
static bool key_byte_ok(unsigned char c)
{
	return c >= 0x21 && c <= 0x7e;
}

int mc_prefix_check(const char *prefix, char *err, size_t errlen)
{
	size_t len = strlen(prefix);
	size_t i;

	if (len > MC_PREFIX_MAX) {
		snprintf(err, errlen, "prefix is %zu bytes long, at most %d are allowed", len,
		         MC_PREFIX_MAX);
		return -1;
	}
	for (i = 0; i < len; i++) {
		if (!key_byte_ok((unsigned char)prefix[i])) {
			snprintf(err, errlen,
			         "prefix has byte 0x%02x at offset %zu; memcached keys allow only 0x21..0x7e",
			         (unsigned char)prefix[i], i);
			return -1;
		}
	}
	return 0;
}

int mc_format_init(struct mc_format *fmt, const char *prefix, const char *const *templates,
                   size_t ntemplates, char *err, size_t errlen)
{
	size_t i;

	memset(fmt, 0, sizeof(*fmt));
	if (mc_prefix_check(prefix, err, errlen) < 0) {
		goto fail;
	}
	fmt->prefix = strdup(prefix);
	fmt->prefix_len = strlen(prefix);
	fmt->templates = calloc(ntemplates > 0 ? ntemplates : 1, sizeof(*fmt->templates));
	if (fmt->prefix == NULL || fmt->templates == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	for (i = 0; i < ntemplates; i++) {
		fmt->templates[i] = meepo_template_compile(templates[i], err, errlen);
		if (fmt->templates[i] == NULL) {
			goto fail;
		}
		fmt->ntemplates++;
	}
	return 0;

fail:
	mc_format_free(fmt);
	return -1;
}

void mc_format_free(struct mc_format *fmt)
{
	size_t i;

	for (i = 0; i < fmt->ntemplates; i++) {
		meepo_template_free(fmt->templates[i]);
	}
	free(fmt->templates);
	free(fmt->prefix);
	memset(fmt, 0, sizeof(*fmt));
}

size_t mc_key_escape(const struct mc_format *fmt, const char *raw, size_t len,
                     struct meepo_buf *out)
{
	static const char hex_upper[] = "0123456789ABCDEF";
	static const char hex_lower[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	size_t start = out->len;
	size_t escaped_len = 0;
	size_t i;
	unsigned char c;

	for (i = 0; i < len; i++) {
		escaped_len += key_byte_ok((unsigned char)raw[i]) ? 1 : 3;
	}
	meepo_buf_append(out, fmt->prefix, fmt->prefix_len);
	if (fmt->prefix_len + escaped_len <= MC_KEY_MAX) {
		for (i = 0; i < len; i++) {
			c = (unsigned char)raw[i];
			if (key_byte_ok(c)) {
				meepo_buf_putc(out, (char)c);
			} else {
				meepo_buf_putc(out, '%');
				meepo_buf_putc(out, hex_upper[c >> 4]);
				meepo_buf_putc(out, hex_upper[c & 0xf]);
			}
		}
		return out->len - start;
	}
	if (EVP_Digest(raw, len, md, &mdlen, EVP_sha256(), NULL) != 1 || mdlen != 32) {
		fprintf(stderr, "meepo: memcached sink: SHA-256 failed\n");
		abort();
	}
	meepo_buf_putc(out, '#');
	for (i = 0; i < mdlen; i++) {
		meepo_buf_putc(out, hex_lower[md[i] >> 4]);
		meepo_buf_putc(out, hex_lower[md[i] & 0xf]);
	}
	return out->len - start;
}

/* FNV-1a, 64 bits. */
static uint64_t hash_bytes(const char *p, size_t len)
{
	uint64_t h = 14695981039346656037ULL;
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= (unsigned char)p[i];
		h *= 1099511628211ULL;
	}
	return h;
}

const char *mc_keys_get(const struct mc_keys *keys, size_t i)
{
	return keys->bytes.data + keys->keys[i].offset;
}

const char *mc_keys_hash_part(const struct mc_keys *keys, const struct mc_format *fmt, size_t i,
                              size_t *len)
{
	*len = keys->keys[i].len - fmt->prefix_len;
	return mc_keys_get(keys, i) + fmt->prefix_len;
}

/* Finds the slot of the key at bytes+offset (len bytes): its own or a free one. */
static uint32_t *find_slot(const struct mc_keys *keys, const char *key, size_t len)
{
	size_t mask = keys->nslots - 1;
	size_t i = (size_t)hash_bytes(key, len) & mask;
	const struct mc_key *k;

	for (;;) {
		if (keys->slots[i] == 0) {
			return &keys->slots[i];
		}
		k = &keys->keys[keys->slots[i] - 1];
		if (k->len == len && memcmp(keys->bytes.data + k->offset, key, len) == 0) {
			return &keys->slots[i];
		}
		i = (i + 1) & mask;
	}
}

/* Makes the slot table at least twice as large as the number of keys. */
static void grow_slots(struct mc_keys *keys)
{
	size_t n = keys->nslots > 0 ? keys->nslots : 64;
	size_t i;

	if ((keys->count + 1) * 2 <= keys->nslots) {
		return;
	}
	while ((keys->count + 1) * 2 > n) {
		n *= 2;
	}
	free(keys->slots);
	keys->slots = calloc(n, sizeof(*keys->slots));
	if (keys->slots == NULL) {
		fprintf(stderr, "meepo: memcached sink: out of memory\n");
		abort();
	}
	keys->nslots = n;
	for (i = 0; i < keys->count; i++) {
		*find_slot(keys, mc_keys_get(keys, i), keys->keys[i].len) = (uint32_t)(i + 1);
	}
}

/* Escapes keys->render and adds it unless the batch has it already. */
static void add_key(const struct mc_format *fmt, struct mc_keys *keys)
{
	size_t offset = keys->bytes.len;
	size_t len = mc_key_escape(fmt, keys->render.data, keys->render.len, &keys->bytes);
	uint32_t *slot;

	grow_slots(keys);
	slot = find_slot(keys, keys->bytes.data + offset, len);
	if (*slot != 0) {
		keys->bytes.len = offset;       /* a duplicate: forget its bytes */
		keys->bytes.data[offset] = '\0';
		return;
	}
	meepo_buf_putc(&keys->bytes, '\0');
	if (keys->count == keys->cap) {
		keys->cap = keys->cap > 0 ? keys->cap * 2 : 64;
		keys->keys = xrealloc(keys->keys, keys->cap * sizeof(*keys->keys));
	}
	keys->keys[keys->count].offset = offset;
	keys->keys[keys->count].len = len;
	keys->count++;
	*slot = (uint32_t)keys->count;
}

/* Records a problem message unless the batch has it already. */
static void add_problem(struct mc_keys *keys, const char *msg)
{
	const char *p = keys->problems.data;
	size_t i;

	for (i = 0; i < keys->nproblems; i++) {
		if (strcmp(p, msg) == 0) {
			return;
		}
		p += strlen(p) + 1;
	}
	if (keys->nproblems == MAX_PROBLEMS) {
		return;
	}
	meepo_buf_append(&keys->problems, msg, strlen(msg) + 1);
	keys->nproblems++;
}

/*
 * Returns the flags saying which templates fit `table` (their columns
 * exist), checking each table once per batch and recording a problem for
 * each template that does not fit.
 */
static const bool *table_flags(const struct mc_format *fmt, struct mc_keys *keys,
                               const struct meepo_table *table)
{
	char err[512];
	struct mc_checked *c;
	size_t need;
	size_t i;

	for (i = keys->nchecked; i > 0; i--) {
		if (keys->checked[i - 1].table == table) {
			return &keys->template_ok[keys->checked[i - 1].flags];
		}
	}
	if (keys->nchecked == keys->checked_cap) {
		keys->checked_cap = keys->checked_cap > 0 ? keys->checked_cap * 2 : 8;
		keys->checked = xrealloc(keys->checked, keys->checked_cap * sizeof(*keys->checked));
	}
	need = (keys->nchecked + 1) * fmt->ntemplates;
	if (need > keys->template_ok_cap) {
		keys->template_ok_cap = need * 2;
		keys->template_ok = xrealloc(keys->template_ok,
		                             keys->template_ok_cap * sizeof(*keys->template_ok));
	}
	c = &keys->checked[keys->nchecked];
	c->table = table;
	c->flags = keys->nchecked * fmt->ntemplates;
	keys->nchecked++;
	for (i = 0; i < fmt->ntemplates; i++) {
		keys->template_ok[c->flags + i] =
			meepo_template_check(fmt->templates[i], table, err, sizeof(err)) == 0;
		if (!keys->template_ok[c->flags + i]) {
			add_problem(keys, err);
		}
	}
	return &keys->template_ok[c->flags];
}

/*
 * Returns the update's after image with every column it did not log
 * (binlog_row_image MINIMAL or NOBLOB: the column did not change) taken
 * from the before image.
 */
static const struct meepo_value *merged_after(struct mc_keys *keys,
                                              const struct meepo_event *event)
{
	uint32_t n = event->table->ncolumns;
	uint32_t i;

	if (n > keys->merged_cap) {
		keys->merged_cap = n;
		keys->merged = xrealloc(keys->merged, n * sizeof(*keys->merged));
	}
	for (i = 0; i < n; i++) {
		keys->merged[i] = event->after[i];
		if (keys->merged[i].type == MEEPO_VALUE_ABSENT) {
			keys->merged[i] = event->before[i];
		}
	}
	return keys->merged;
}

/*
 * Renders one template over one image of the event and adds the key.
 * Returns false if the key could not be known (a problem is recorded).
 */
static bool render_one(const struct mc_format *fmt, struct mc_keys *keys,
                       const struct meepo_template *tpl, const struct meepo_event *event,
                       enum image_role role)
{
	const struct meepo_value *image = role == IMAGE_BEFORE ? event->before : event->after;
	const char *absent;
	char err[512];
	int rc;

	if (image == NULL) {
		return true;
	}
	if (role == IMAGE_AFTER && event->action == MEEPO_UPDATE && event->before != NULL &&
	    meepo_template_absent(tpl, event, image) != NULL) {
		image = merged_after(keys, event);
	}
	meepo_buf_reset(&keys->render);
	rc = meepo_template_render(tpl, event, image, &keys->render, err, sizeof(err));
	if (rc == 0) {
		if (keys->render.len > 0) {
			add_key(fmt, keys);     /* an empty key: no client can have stored it */
		}
		return true;
	}
	if (rc < 0) {
		add_problem(keys, err);
		return false;
	}
	absent = meepo_template_absent(tpl, event, image);
	if (absent == NULL) {
		return true;        /* a NULL column: the row has no such key */
	}
	snprintf(err, sizeof(err),
	         "key template \"%s\": column `%s` of %s.%s is not logged in the %s image of this %s, "
	         "so the key is unknown (set binlog_row_image=FULL)",
	         meepo_template_text(tpl), absent, event->table->schema, event->table->name,
	         image_names[role], meepo_action_name(event->action));
	add_problem(keys, err);
	return false;
}

void mc_keys_build(const struct mc_format *fmt, const struct meepo_batch *batch,
                   struct mc_keys *keys)
{
	const struct meepo_event *event;
	const bool *fits;
	size_t i;
	size_t t;
	bool ok;

	meepo_buf_reset(&keys->bytes);
	meepo_buf_reset(&keys->problems);
	keys->count = 0;
	keys->nchecked = 0;
	keys->nproblems = 0;
	keys->bad_events = 0;
	if (keys->nslots > 0) {
		memset(keys->slots, 0, keys->nslots * sizeof(*keys->slots));
	}
	for (i = 0; i < batch->count; i++) {
		event = batch->events[i];
		fits = table_flags(fmt, keys, event->table);
		ok = true;
		for (t = 0; t < fmt->ntemplates; t++) {
			if (!fits[t]) {
				ok = false;
				continue;
			}
			ok = render_one(fmt, keys, fmt->templates[t], event, IMAGE_BEFORE) && ok;
			ok = render_one(fmt, keys, fmt->templates[t], event, IMAGE_AFTER) && ok;
		}
		if (!ok) {
			keys->bad_events++;
		}
	}
}

void mc_keys_free(struct mc_keys *keys)
{
	meepo_buf_free(&keys->bytes);
	meepo_buf_free(&keys->render);
	meepo_buf_free(&keys->problems);
	free(keys->keys);
	free(keys->slots);
	free(keys->merged);
	free(keys->checked);
	free(keys->template_ok);
	memset(keys, 0, sizeof(*keys));
}
