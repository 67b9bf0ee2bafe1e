/*
 * core/reader.c - from binlog events to chunks (see reader.h).
 *
 * Transactions: MariaDB opens one with a GTID event (standalone GTIDs
 * wrap a single DDL statement), MySQL with GTID/ANONYMOUS_GTID followed by
 * QUERY "BEGIN", older servers with "BEGIN" alone. XID, QUERY "COMMIT" or
 * "ROLLBACK", or a DDL statement close it. The position after the closing
 * event is where a restart resumes.
 *
 * Speed: a TABLE_MAP identical to the cached one is not decoded again;
 * rows of tables routed nowhere (for their action) are not decoded at all;
 * routed rows events are copied once into the chunk and every value points
 * into that copy.
 *
 * Concurrency: reader thread only.
 */
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "reader.h"
#include "tables.h"

/* A "schema.table" we already warned about. */
struct warned {
	struct warned *next;
	char name[];
};

struct reader {
	const struct router *router;    /* routes, compiled */
	struct dispatcher *dispatcher;  /* where chunks go */
	struct schema *schema;          /* information_schema, or NULL */
	struct table_cache *tables;     /* by table id */
	struct binlog_format fmt;       /* from the last FORMAT_DESCRIPTION */
	size_t chunk_limit;             /* split transactions above this many bytes */
	bool in_txn;                    /* between a transaction's start and end */
	bool open;                      /* BEGIN seen or implied: statements until COMMIT belong to it */
	uint64_t txn_offset;            /* where the current transaction started */
	char gtid[128];                 /* its GTID, "" if none */
	uint32_t row_index;             /* rows produced so far in it */
	struct chunk *chunk;            /* its routed rows not yet submitted */
	const char *chunk_file;         /* chunk's copy of the file name */
	const char *chunk_gtid;         /* chunk's copy of the GTID, NULL if none */
	struct position resume;         /* after the last complete transaction */
	atomic_uint_fast64_t events;    /* counters, read by other threads: see reader_stats */
	atomic_uint_fast64_t bytes;
	atomic_uint_fast64_t rows;
	atomic_uint_fast64_t transactions;
	atomic_uint_fast32_t last_timestamp;
	atomic_uint_fast64_t by_type[256];
	pthread_mutex_t resume_lock;    /* guards `resume` for reader_stats() */
	struct warned *warned;          /* tables warned about */
};

struct reader *reader_new(const struct router *router, struct dispatcher *dispatcher,
                          struct schema *schema, size_t chunk_limit, const struct position *start)
{
	struct reader *r = calloc(1, sizeof(*r));

	if (r == NULL || (r->tables = table_cache_new()) == NULL) {
		abort();
	}
	r->router = router;
	r->dispatcher = dispatcher;
	r->schema = schema;
	r->chunk_limit = chunk_limit;
	r->resume = *start;
	pthread_mutex_init(&r->resume_lock, NULL);
	binlog_format_default(&r->fmt);
	return r;
}

void reader_free(struct reader *r)
{
	if (r == NULL) {
		return;
	}
	chunk_free(r->chunk);
	table_cache_free(r->tables);
	while (r->warned != NULL) {
		struct warned *next = r->warned->next;
		free(r->warned);
		r->warned = next;
	}
	pthread_mutex_destroy(&r->resume_lock);
	free(r);
}

/* Counters are relaxed atomics: bumped per binlog event, not per row. */
static void count(atomic_uint_fast64_t *counter, uint64_t n)
{
	atomic_fetch_add_explicit(counter, n, memory_order_relaxed);
}

static uint64_t load(atomic_uint_fast64_t *counter)
{
	return atomic_load_explicit(counter, memory_order_relaxed);
}

void reader_stats(struct reader *r, struct reader_stats *out)
{
	out->events = load(&r->events);
	out->bytes = load(&r->bytes);
	out->rows = load(&r->rows);
	out->transactions = load(&r->transactions);
	out->last_timestamp = (uint32_t)atomic_load_explicit(&r->last_timestamp, memory_order_relaxed);
	for (size_t i = 0; i < 256; i++) {
		out->by_type[i] = load(&r->by_type[i]);
	}
	pthread_mutex_lock(&r->resume_lock);
	out->position = r->resume;
	pthread_mutex_unlock(&r->resume_lock);
}

/* Logs a warning about a table once per run. */
static void warn_once(struct reader *r, const struct meepo_table *t, const char *what)
{
	size_t len = strlen(t->schema) + strlen(t->name) + 2;
	struct warned *w;

	for (w = r->warned; w != NULL; w = w->next) {
		if (strncmp(w->name, t->schema, strlen(t->schema)) == 0 &&
		    w->name[strlen(t->schema)] == '.' && strcmp(w->name + strlen(t->schema) + 1, t->name) == 0) {
			return;
		}
	}
	w = malloc(sizeof(*w) + len);
	if (w == NULL) {
		abort();
	}
	snprintf(w->name, len, "%s.%s", t->schema, t->name);
	w->next = r->warned;
	r->warned = w;
	meepo_log(MEEPO_LOG_WARN, "reader", NULL, "table %s: %s", w->name, what);
}

static void start_txn(struct reader *r, const struct source_event *ev)
{
	r->in_txn = true;
	r->open = false;
	r->txn_offset = ev->offset;
	r->row_index = 0;
	r->gtid[0] = '\0';
}

/* Submits the chunk in progress; `end` marks the transaction's end. */
static int submit_chunk(struct reader *r, const struct position *safe, char *err, size_t errlen)
{
	struct chunk *c = r->chunk;

	r->chunk = NULL;
	r->chunk_file = NULL;
	r->chunk_gtid = NULL;
	if (safe != NULL) {
		c->txn_end = true;
		c->has_safe = true;
		c->safe = *safe;
	}
	if (dispatcher_submit(r->dispatcher, c) != 0) {
		snprintf(err, errlen, "delivery stopped");
		return -1;
	}
	return 0;
}

/* Closes the current transaction at the event ending at `end`. */
static int end_txn(struct reader *r, const struct source_event *ev, const struct binlog_header *h,
                   uint64_t xid, char *err, size_t errlen)
{
	struct position safe = { .offset = ev->offset + ev->len };

	snprintf(safe.file, sizeof(safe.file), "%s", ev->file);
	snprintf(safe.gtid, sizeof(safe.gtid), "%s", r->gtid[0] ? r->gtid : r->resume.gtid);
	r->in_txn = false;
	r->open = false;
	pthread_mutex_lock(&r->resume_lock);
	r->resume = safe;
	pthread_mutex_unlock(&r->resume_lock);
	count(&r->transactions, 1);
	if (r->chunk == NULL) {
		dispatcher_advance(r->dispatcher, &safe);
		return 0;
	}
	for (size_t i = 0; i < r->chunk->nevents; i++) {
		struct meepo_event *e = &r->chunk->events[i]->ev;
		e->xid = xid;
		e->timestamp = h->timestamp;
	}
	if (r->chunk->nevents > 0) {
		r->chunk->events[r->chunk->nevents - 1]->ev.last = true;
	}
	return submit_chunk(r, &safe, err, errlen);
}

/* True if the statement text starts with word (case-insensitive). */
static bool statement_is(const struct binlog_query *q, const char *word)
{
	size_t n = strlen(word);

	return q->sql_len >= n && strncasecmp(q->sql, word, n) == 0 &&
	       (q->sql_len == n || q->sql[n] == ' ' || q->sql[n] == ';');
}

static int on_query(struct reader *r, const struct source_event *ev, const struct binlog_header *h,
                    const uint8_t *body, size_t len, char *err, size_t errlen)
{
	struct binlog_query q;

	if (binlog_query_parse(&r->fmt, body, len, &q, err, errlen) != 0) {
		return -1;
	}
	if (statement_is(&q, "BEGIN") || statement_is(&q, "XA START") || statement_is(&q, "XA END")) {
		if (!r->in_txn) {
			start_txn(r, ev);
		}
		r->open = true;
		return 0;
	}
	if (r->in_txn && r->open && !statement_is(&q, "COMMIT") &&
	    !statement_is(&q, "ROLLBACK") && !statement_is(&q, "XA COMMIT") &&
	    !statement_is(&q, "XA ROLLBACK") && !statement_is(&q, "XA PREPARE")) {
		return 0; /* a statement inside a transaction (non-transactional table) */
	}
	if (!r->in_txn) {
		start_txn(r, ev); /* DDL outside any GTID: its own transaction */
	}
	return end_txn(r, ev, h, 0, err, errlen);
}

/* True if a column of the table is an old-format temporal (see binlog.h). */
static bool has_old_temporal(const struct meepo_table *t)
{
	for (uint32_t i = 0; i < t->ncolumns; i++) {
		if (binlog_column_is_old_temporal(&t->columns[i])) {
			return true;
		}
	}
	return false;
}

/*
 * Fills in from information_schema what a routed table's TABLE_MAP lacks:
 * column names and key (binlog_row_metadata=MINIMAL), or the precision of
 * old-format temporal columns. Warns once per table; returns def or its
 * completed copy (def is then freed).
 */
static struct binlog_table *complete_table(struct reader *r, struct binlog_table *def)
{
	bool old_temporal = has_old_temporal(&def->table);
	struct binlog_table *done = NULL;
	char why[512];
	char msg[1024];

	if (def->has_names && !old_temporal) {
		return def;
	}
	if (r->schema != NULL) {
		done = schema_complete(r->schema, def, why, sizeof(why));
	} else {
		snprintf(why, sizeof(why), "no source server to ask");
	}
	if (done != NULL) {
		warn_once(r, &def->table, def->has_names
		          ? "old-format TIME/DATETIME/TIMESTAMP columns: their precision comes from "
		            "information_schema"
		          : "logged without column names (binlog_row_metadata=MINIMAL); using "
		            "information_schema");
		binlog_table_free(def);
		return done;
	}
	snprintf(msg, sizeof(msg), "%s%s%s (%s)", def->has_names ? "" :
	         "logged without column names (binlog_row_metadata=MINIMAL): columns are named "
	         "@1, @2, ... and the primary key is unknown", !def->has_names && old_temporal ?
	         "; " : "", old_temporal ? "old-format TIME/DATETIME/TIMESTAMP columns: their "
	         "fractional precision is taken as 0 (ALTER TABLE ... FORCE upgrades them)" : "", why);
	warn_once(r, &def->table, msg);
	return def;
}

static int on_table_map(struct reader *r, const uint8_t *body, size_t len, char *err, size_t errlen)
{
	struct table_entry *entry;
	struct binlog_table *def;
	struct route_set routes;
	uint64_t id;

	if (binlog_table_id(&r->fmt, BINLOG_TABLE_MAP, body, len, &id, err, errlen) != 0) {
		return -1;
	}
	entry = table_cache_get(r->tables, id);
	if (entry != NULL && entry->def->raw_len == len && memcmp(entry->def->raw, body, len) == 0) {
		return 0;
	}
	def = binlog_table_map_parse(&r->fmt, body, len, err, errlen);
	if (def == NULL) {
		return -1;
	}
	router_resolve(r->router, def->table.schema, def->table.name, &routes);
	if ((routes.sinks[0] | routes.sinks[1] | routes.sinks[2]) != 0) {
		def = complete_table(r, def);
	}
	table_cache_put(r->tables, def, &routes);
	return 0;
}

/* Makes sure a chunk exists for the current transaction. */
static struct chunk *current_chunk(struct reader *r, const struct source_event *ev)
{
	if (r->chunk == NULL) {
		r->chunk = chunk_new();
	}
	if (r->chunk_file == NULL || strcmp(r->chunk_file, ev->file) != 0) {
		r->chunk_file = chunk_strdup(r->chunk, ev->file);
	}
	if (r->chunk_gtid == NULL && r->gtid[0] != '\0') {
		r->chunk_gtid = chunk_strdup(r->chunk, r->gtid);
	}
	return r->chunk;
}

static int on_rows(struct reader *r, const struct source_event *ev, const struct binlog_header *h,
                   const uint8_t *body, size_t len, char *err, size_t errlen)
{
	struct binlog_rows rows;
	struct table_entry *entry;
	const struct meepo_table *t;
	const uint8_t *copy;
	uint32_t first_row;
	struct chunk *c;
	uint64_t sinks;
	uint64_t id;

	if (binlog_table_id(&r->fmt, h->type, body, len, &id, err, errlen) != 0) {
		return -1;
	}
	entry = table_cache_get(r->tables, id);
	if (entry == NULL) {
		snprintf(err, errlen, "rows event for table id %" PRIu64 " without a TABLE_MAP before it "
		         "(did reading start inside a transaction?)", id);
		return -1;
	}
	t = &entry->def->table;
	if (binlog_rows_parse(&r->fmt, h->type, body, len, &rows, err, errlen) != 0) {
		return -1;
	}
	sinks = entry->routes.sinks[rows.action];
	if (sinks == 0) {
		return 0;
	}
	if (!r->in_txn) {
		start_txn(r, ev);
	}
	c = current_chunk(r, ev);
	first_row = r->row_index;
	chunk_hold_table(c, entry);
	copy = chunk_copy(c, body, len);
	if (binlog_rows_parse(&r->fmt, h->type, copy, len, &rows, err, errlen) != 0) {
		return -1;
	}
	while (rows.pos < rows.end) {
		struct meepo_value *before = NULL;
		struct meepo_value *after = NULL;
		struct chunk_event *ce;
		int rc;

		if (rows.action != MEEPO_WRITE) {
			before = chunk_alloc(c, t->ncolumns * sizeof(*before));
		}
		if (rows.action != MEEPO_DELETE) {
			after = chunk_alloc(c, t->ncolumns * sizeof(*after));
		}
		rc = binlog_rows_next(&rows, t, copy, before, after, err, errlen);
		if (rc < 0) {
			return -1;
		}
		if (rc == 0) {
			break;
		}
		ce = chunk_add_event(c);
		ce->sinks = sinks;
		ce->stop_sinks = entry->routes.stop_on_reject & sinks;
		ce->ev = (struct meepo_event){
			.table = t,
			.action = rows.action,
			.before = before,
			.after = after,
			.file = r->chunk_file,
			.offset = ev->offset,
			.txn_offset = r->txn_offset,
			.gtid = r->chunk_gtid,
			.server_id = h->server_id,
			.timestamp = h->timestamp,
			.row_index = r->row_index++,
		};
		c->sinks |= sinks;
	}
	count(&r->rows, r->row_index - first_row);
	if (c->bytes >= r->chunk_limit && c->nevents > 0) {
		return submit_chunk(r, NULL, err, errlen);
	}
	return 0;
}

static int feed_event(struct reader *r, const struct source_event *ev, bool in_payload,
                      char *err, size_t errlen);

/* Walks the events of a TRANSACTION_PAYLOAD as if they were in the stream. */
static int on_payload(struct reader *r, const struct source_event *outer, const uint8_t *body,
                      size_t len, char *err, size_t errlen)
{
	uint8_t *inner = NULL;
	size_t inner_len = 0;
	size_t pos = 0;
	int ret = -1;

	if (binlog_payload_decompress(body, len, &inner, &inner_len, err, errlen) != 0) {
		return -1;
	}
	while (pos < inner_len) {
		struct binlog_header h;
		struct source_event ev = *outer;
		if (binlog_header_parse(inner + pos, inner_len - pos, &h, err, errlen) != 0) {
			goto out;
		}
		if (h.event_len > inner_len - pos) {
			snprintf(err, errlen, "event at byte %zu of the transaction payload is truncated", pos);
			goto out;
		}
		ev.data = inner + pos;
		ev.len = h.event_len;
		/* Inner events have no position of their own: they are at the outer one's. */
		if (feed_event(r, &ev, true, err, errlen) != 0) {
			goto out;
		}
		pos += h.event_len;
	}
	ret = 0;
out:
	free(inner);
	return ret;
}

static int feed_event(struct reader *r, const struct source_event *ev, bool in_payload,
                      char *err, size_t errlen)
{
	struct binlog_format inner_fmt;
	const struct binlog_format *fmt = &r->fmt;
	struct binlog_header h;
	const uint8_t *body;
	size_t len;
	uint64_t xid;

	if (binlog_header_parse(ev->data, ev->len, &h, err, errlen) != 0) {
		return -1;
	}
	count(&r->by_type[h.type], 1);
	if (h.type == BINLOG_FORMAT_DESCRIPTION) {
		table_cache_clear(r->tables);
		return binlog_format_parse(ev->data, ev->len, &r->fmt, err, errlen);
	}
	if (in_payload) {
		inner_fmt = r->fmt;
		inner_fmt.checksum = false;
		fmt = &inner_fmt;
	} else if (r->fmt.checksum && binlog_checksum_verify(ev->data, ev->len, err, errlen) != 0) {
		return -1;
	}
	if (binlog_event_body(fmt, ev->data, ev->len, &body, &len, err, errlen) != 0) {
		return -1;
	}
	if (!in_payload && h.timestamp != 0) {
		atomic_store_explicit(&r->last_timestamp, h.timestamp, memory_order_relaxed);
	}
	switch (h.type) {
	case BINLOG_ROTATE:
		table_cache_clear(r->tables);
		return 0;
	case BINLOG_MARIADB_GTID: {
		struct binlog_gtid g;
		if (binlog_mariadb_gtid_parse(body, len, h.server_id, &g, err, errlen) != 0) {
			return -1;
		}
		start_txn(r, ev);
		r->open = !g.standalone; /* MariaDB: a GTID without the flag implies BEGIN */
		snprintf(r->gtid, sizeof(r->gtid), "%s", g.text);
		return 0;
	}
	case BINLOG_MYSQL_GTID:
	case BINLOG_MYSQL_ANONYMOUS_GTID:
	case BINLOG_MYSQL_GTID_TAGGED: {
		struct binlog_gtid g;
		if (binlog_mysql_gtid_parse(h.type, body, len, &g, err, errlen) != 0) {
			return -1;
		}
		start_txn(r, ev);
		snprintf(r->gtid, sizeof(r->gtid), "%s", g.text);
		return 0;
	}
	case BINLOG_QUERY:
		return on_query(r, ev, &h, body, len, err, errlen);
	case BINLOG_XID:
		if (binlog_xid_parse(body, len, &xid, err, errlen) != 0) {
			return -1;
		}
		if (!r->in_txn) {
			start_txn(r, ev);
		}
		return end_txn(r, ev, &h, xid, err, errlen);
	case BINLOG_TABLE_MAP:
		return on_table_map(r, body, len, err, errlen);
	case BINLOG_TRANSACTION_PAYLOAD:
		if (in_payload) {
			snprintf(err, errlen, "nested TRANSACTION_PAYLOAD event");
			return -1;
		}
		return on_payload(r, ev, body, len, err, errlen);
	default:
		if (binlog_is_rows_event(h.type)) {
			return on_rows(r, ev, &h, body, len, err, errlen);
		}
		/* Events that carry no rows and no boundary; unknown types too. */
		return 0;
	}
}

int reader_feed(struct reader *r, const struct source_event *ev, char *err, size_t errlen)
{
	char msg[1024];

	count(&r->events, 1);
	count(&r->bytes, ev->len);
	if (feed_event(r, ev, false, msg, sizeof(msg)) != 0) {
		snprintf(err, errlen, "%s:%" PRIu64 ": %s", ev->file, ev->offset, msg);
		return -1;
	}
	return 0;
}

void reader_rewind(struct reader *r, struct position *resume)
{
	chunk_free(r->chunk);
	r->chunk = NULL;
	r->chunk_file = NULL;
	r->chunk_gtid = NULL;
	r->in_txn = false;
	r->open = false;
	table_cache_clear(r->tables);
	*resume = r->resume;
}
