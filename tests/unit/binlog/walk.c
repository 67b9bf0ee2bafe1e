/*
 * tests/unit/binlog/walk.c - walks a binlog file in memory with the
 * core/binlog API only (see walk.h).
 *
 * Concurrency: a walk belongs to one thread; no global state.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "walk.h"

/* TABLE_MAPs kept by table id during a walk. */
struct table_cache {
	struct binlog_table **tables;   /* owned */
	size_t count;                   /* used entries */
	size_t cap;                     /* allocated entries */
};

/* State of one walk. */
struct walk {
	struct walk_stats *st;          /* results */
	struct table_cache cache;       /* tables by id */
};

static struct binlog_table *cache_find(const struct table_cache *c, uint64_t id)
{
	size_t i;

	for (i = 0; i < c->count; i++) {
		if (c->tables[i]->table.id == id) {
			return c->tables[i];
		}
	}
	return NULL;
}

/* Stores t, replacing a table with the same id. Takes ownership. */
static int cache_put(struct table_cache *c, struct binlog_table *t)
{
	struct binlog_table **grown;
	size_t i;

	for (i = 0; i < c->count; i++) {
		if (c->tables[i]->table.id == t->table.id) {
			binlog_table_free(c->tables[i]);
			c->tables[i] = t;
			return 0;
		}
	}
	if (c->count == c->cap) {
		grown = realloc(c->tables, (c->cap * 2 + 8) * sizeof(*grown));
		if (grown == NULL) {
			binlog_table_free(t);
			return -1;
		}
		c->tables = grown;
		c->cap = c->cap * 2 + 8;
	}
	c->tables[c->count++] = t;
	return 0;
}

static void cache_free(struct table_cache *c)
{
	size_t i;

	for (i = 0; i < c->count; i++) {
		binlog_table_free(c->tables[i]);
	}
	free(c->tables);
}

/* Remembers "schema.table:type,type,..." the first time a table is seen. */
static void note_table(struct walk_stats *st, const struct meepo_table *t)
{
	char desc[sizeof(st->tables[0])];
	size_t n;
	size_t plen;
	uint32_t i;

	n = (size_t)snprintf(desc, sizeof(desc), "%s.%s:", t->schema, t->name);
	plen = n;
	for (i = 0; i < t->ncolumns && n < sizeof(desc); i++) {
		n += (size_t)snprintf(desc + n, sizeof(desc) - n, "%s%u", i ? "," : "",
		                      t->columns[i].type);
	}
	for (i = 0; i < st->ntables; i++) {
		if (strncmp(st->tables[i], desc, plen) == 0) {
			return;
		}
	}
	if (st->ntables < WALK_TABLES) {
		memcpy(st->tables[st->ntables++], desc, sizeof(desc));
	}
}

static void note_gtid(struct walk_stats *st, const struct binlog_gtid *g)
{
	if (st->ngtids < WALK_GTIDS) {
		memcpy(st->gtids[st->ngtids], g->text, sizeof(g->text));
	}
	st->ngtids++;
}

/* Counts an event and remembers its place in the order. */
static void note_event(struct walk_stats *st, uint8_t type, bool nested)
{
	uint32_t *n = nested ? &st->ninner : &st->nevents;

	if (*n < WALK_ORDER) {
		(nested ? st->inner_order : st->order)[*n] = type;
	}
	(*n)++;
	(nested ? st->inner : st->events)[type]++;
}

/* Decodes every row of a rows event. */
static int walk_rows(struct walk *w, const struct binlog_format *fmt, uint8_t type,
                     const uint8_t *body, size_t len, char *err, size_t errlen)
{
	struct binlog_rows rows;
	const struct binlog_table *t;
	struct meepo_value *values = NULL;
	int r;
	int ret = -1;

	if (binlog_rows_parse(fmt, type, body, len, &rows, err, errlen) < 0) {
		goto out;
	}
	t = cache_find(&w->cache, rows.table_id);
	if (t == NULL) {
		snprintf(err, errlen, "rows event for unknown table id %" PRIu64,
		         rows.table_id);
		goto out;
	}
	values = calloc(2 * (size_t)t->table.ncolumns + 1, sizeof(*values));
	if (values == NULL) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	while ((r = binlog_rows_next(&rows, &t->table, body, values,
	                             values + t->table.ncolumns, err, errlen)) == 1) {
		w->st->rows++;
		if (w->st->on_row) {
			w->st->on_row(w->st->arg, t, rows.action,
			              rows.action == MEEPO_WRITE ? NULL : values,
			              rows.action == MEEPO_DELETE ? NULL : values + t->table.ncolumns);
		}
	}
	ret = r;
out:
	free(values);
	return ret;
}

static int walk_events(struct walk *w, const struct binlog_format *outer, const uint8_t *buf,
                       size_t len, size_t base, bool nested, char *err, size_t errlen);

/* Decompresses a TRANSACTION_PAYLOAD and walks its inner events. */
static int walk_payload(struct walk *w, const struct binlog_format *fmt, const uint8_t *body,
                        size_t len, char *err, size_t errlen)
{
	struct binlog_format inner = *fmt;
	uint8_t *events = NULL;
	size_t events_len;
	int ret = -1;

	if (binlog_payload_decompress(body, len, &events, &events_len, err, errlen) < 0) {
		goto out;
	}
	inner.checksum = false;
	ret = walk_events(w, &inner, events, events_len, 0, true, err, errlen);
out:
	free(events);
	return ret;
}

/* Decodes one event body by type; `nested` inside a payload. */
static int walk_body(struct walk *w, const struct binlog_format *fmt,
                     const struct binlog_header *h, const uint8_t *body, size_t len, bool nested,
                     char *err, size_t errlen)
{
	struct binlog_rotate rotate;
	struct binlog_query query;
	struct binlog_gtid gtid;
	struct binlog_table *t;
	uint64_t xid;
	uint64_t id;

	switch (h->type) {
	case BINLOG_QUERY:
		return binlog_query_parse(fmt, body, len, &query, err, errlen);
	case BINLOG_ROTATE:
		return binlog_rotate_parse(body, len, &rotate, err, errlen);
	case BINLOG_XID:
		return binlog_xid_parse(body, len, &xid, err, errlen);
	case BINLOG_MYSQL_GTID:
	case BINLOG_MYSQL_ANONYMOUS_GTID:
	case BINLOG_MYSQL_GTID_TAGGED:
		if (binlog_mysql_gtid_parse(h->type, body, len, &gtid, err, errlen) < 0) {
			return -1;
		}
		if (!gtid.anonymous) {
			note_gtid(w->st, &gtid);
		}
		return 0;
	case BINLOG_MARIADB_GTID:
		if (binlog_mariadb_gtid_parse(body, len, h->server_id, &gtid, err, errlen) < 0) {
			return -1;
		}
		note_gtid(w->st, &gtid);
		return 0;
	case BINLOG_TABLE_MAP:
		if (binlog_table_id(fmt, h->type, body, len, &id, err, errlen) < 0) {
			return -1;
		}
		t = binlog_table_map_parse(fmt, body, len, err, errlen);
		if (t == NULL) {
			return -1;
		}
		if (t->table.id != id) {
			snprintf(err, errlen, "table id %" PRIu64 " != %" PRIu64, t->table.id, id);
			binlog_table_free(t);
			return -1;
		}
		note_table(w->st, &t->table);
		return cache_put(&w->cache, t);
	case BINLOG_TRANSACTION_PAYLOAD:
		if (nested) {
			snprintf(err, errlen, "TRANSACTION_PAYLOAD inside a payload");
			return -1;
		}
		return walk_payload(w, fmt, body, len, err, errlen);
	default:
		if (binlog_is_rows_event(h->type)) {
			return walk_rows(w, fmt, h->type, body, len, err, errlen);
		}
		return 0;
	}
}

/*
 * Walks consecutive events starting at file offset `base`. At the top level
 * FORMAT_DESCRIPTION events switch the format and checksums are verified;
 * inside a payload (nested) the events carry no checksum.
 */
static int walk_events(struct walk *w, const struct binlog_format *outer, const uint8_t *buf,
                       size_t len, size_t base, bool nested, char *err, size_t errlen)
{
	struct binlog_format fmt = *outer;
	struct binlog_header h;
	const uint8_t *event;
	const uint8_t *body;
	size_t body_len;
	size_t pos = 0;
	char why[256];

	while (pos < len) {
		event = buf + pos;
		if (binlog_header_parse(event, len - pos, &h, why, sizeof(why)) < 0) {
			goto fail;
		}
		if (h.event_len > len - pos) {
			snprintf(why, sizeof(why), "event of %" PRIu32 " bytes, only %zu left",
			         h.event_len, len - pos);
			goto fail;
		}
		note_event(w->st, h.type, nested);
		w->st->timestamp = h.timestamp;
		if (h.type == BINLOG_FORMAT_DESCRIPTION && !nested) {
			if (binlog_format_parse(event, h.event_len, &fmt, why, sizeof(why)) < 0) {
				goto fail;
			}
			w->st->checksums += fmt.checksum;
		} else {
			if (fmt.checksum) {
				if (binlog_checksum_verify(event, h.event_len, why, sizeof(why)) == 0) {
					w->st->checksums++;
				} else if (w->st->lenient_crc) {
					w->st->bad_checksums++;
				} else {
					goto fail;
				}
			}
			if (binlog_event_body(&fmt, event, h.event_len, &body, &body_len, why,
			                      sizeof(why)) < 0 ||
			    walk_body(w, &fmt, &h, body, body_len, nested, why, sizeof(why)) < 0) {
				goto fail;
			}
		}
		pos += h.event_len;
	}
	return 0;
fail:
	snprintf(err, errlen, "%s%s at %zu: %s", nested ? "in payload " : "",
	         binlog_event_type_name(len - pos >= BINLOG_HEADER_LEN ? buf[pos + 4] : 0),
	         base + pos, why);
	return -1;
}

int walk_binlog(const uint8_t *buf, size_t len, struct walk_stats *st, char *err, size_t errlen)
{
	struct walk w = { st, { NULL, 0, 0 } };
	struct binlog_format fmt;
	int ret = -1;

	if (len < BINLOG_MAGIC_LEN || memcmp(buf, BINLOG_MAGIC, BINLOG_MAGIC_LEN) != 0) {
		snprintf(err, errlen, "not a binlog file: bad magic");
		goto out;
	}
	binlog_format_default(&fmt);
	ret = walk_events(&w, &fmt, buf + BINLOG_MAGIC_LEN, len - BINLOG_MAGIC_LEN,
	                  BINLOG_MAGIC_LEN, false, err, errlen);
out:
	cache_free(&w.cache);
	return ret;
}
