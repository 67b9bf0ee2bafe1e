/*
 * core/snapshot.c - meepo --snapshot SINK (see snapshot.h).
 *
 * One source connection reads everything inside one consistent-snapshot
 * transaction: on MariaDB, binlog_snapshot_file/position give the binlog
 * position that transaction sees; elsewhere (MySQL) a short global read
 * lock pins it. The rows are streamed (mysql_use_result) table by table,
 * converted to the values the binlog decoder would give
 * (snapshot_values.c), and handed to the sink through the dispatcher as ONE
 * transaction split into chunks: its events sort just before the snapshot
 * position (offset and txn_offset = position - 1), and row_index counts up
 * across the whole copy, so a sink that records (file, txn_offset,
 * row_index), like sql, resumes an interrupted copy where it stopped.
 *
 * Concurrency: main thread; the dispatcher's worker thread calls the sink.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <mysql.h>

#include "checkpoint.h"
#include "pipeline.h"
#include "sdk/log_setup.h"
#include "snapshot.h"
#include "snapshot_values.h"
#include "sqltype.h"
#include "tables.h"

/* Rows per chunk; a chunk also ends at a quarter of the sink's queue budget. */
#define CHUNK_ROWS 1000u
/* Seconds between progress lines. */
#define PROGRESS_SECONDS 5.0
/* How long the final drain may take (the queue is bounded: a sink that takes longer is stuck). */
#define DRAIN_TIMEOUT_MS (24u * 3600u * 1000u)

/* A table to copy. */
struct snap_table {
	char *schema;           /* TABLE_SCHEMA */
	char *name;             /* TABLE_NAME */
	uint64_t estimate;      /* TABLE_ROWS (an estimate for InnoDB) */
};

/* One snapshot run. */
struct snapshot {
	struct pipeline p;          /* configuration, the sink's plugin and instance */
	size_t sink;                /* the sink's index in p */
	MYSQL *mysql;               /* the consistent-read connection */
	struct position pos;        /* the binlog position the read is consistent with */
	struct snap_table *tables;  /* tables routed to the sink */
	size_t ntables;
	uint64_t estimate;          /* sum of TABLE_ROWS */
	struct table_cache *cache;  /* the tables' definitions, ids 1.. */
	struct dispatcher *d;       /* delivers to the one sink (slot 0) */
	struct chunk *chunk;        /* being filled, NULL if none */
	size_t chunk_bytes;         /* a chunk is submitted past this many bytes */
	uint32_t row_index;         /* next event's row_index */
	uint64_t rows;              /* rows read */
	uint32_t now;               /* events' timestamp */
	double started;             /* monotonic seconds at the start */
	double reported;            /* monotonic seconds of the last progress line */
};

static double monotonic(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Runs a statement; logs and returns -1 on error. */
static int run_sql(struct snapshot *s, const char *sql)
{
	if (mysql_query(s->mysql, sql) != 0) {
		meepo_log(MEEPO_LOG_ERROR, "snapshot", NULL, "%s: %s", sql, mysql_error(s->mysql));
		return -1;
	}
	return 0;
}

/* Runs a query and stores its result; logs and returns NULL on error. */
static MYSQL_RES *query(struct snapshot *s, const char *sql)
{
	MYSQL_RES *res;

	if (run_sql(s, sql) != 0) {
		return NULL;
	}
	res = mysql_store_result(s->mysql);
	if (res == NULL) {
		meepo_log(MEEPO_LOG_ERROR, "snapshot", NULL, "%s: %s", sql, mysql_error(s->mysql));
	}
	return res;
}

/* Reads the first row's two columns of `sql` as file and position into s->pos. */
static int read_position(struct snapshot *s, const char *sql, bool status)
{
	MYSQL_RES *res = query(s, sql);
	MYSQL_ROW row;
	int rc = -1;

	if (res == NULL) {
		return -1;
	}
	if (status) {
		/* SHOW STATUS: Binlog_snapshot_file and Binlog_snapshot_position rows. */
		while ((row = mysql_fetch_row(res)) != NULL) {
			if (row[0] != NULL && row[1] != NULL && strcasecmp(row[0], "binlog_snapshot_file") == 0) {
				snprintf(s->pos.file, sizeof(s->pos.file), "%s", row[1]);
			} else if (row[0] != NULL && row[1] != NULL &&
			           strcasecmp(row[0], "binlog_snapshot_position") == 0) {
				s->pos.offset = strtoull(row[1], NULL, 10);
			}
		}
	} else if ((row = mysql_fetch_row(res)) != NULL && row[0] != NULL && row[1] != NULL) {
		snprintf(s->pos.file, sizeof(s->pos.file), "%s", row[0]);
		s->pos.offset = strtoull(row[1], NULL, 10);
	}
	mysql_free_result(res);
	if (position_known(&s->pos) && s->pos.offset > 0) {
		rc = 0;
	}
	return rc;
}

/* Connects and starts the consistent read; s->pos gets its binlog position. */
static int start_read(struct snapshot *s)
{
	const struct source_config *c = &s->p.conf.source;
	unsigned timeout = (c->connect_timeout_ms + 999) / 1000;

	s->mysql = mysql_init(NULL);
	if (s->mysql == NULL) {
		abort();
	}
	mysql_optionsv(s->mysql, MYSQL_OPT_CONNECT_TIMEOUT, &timeout);
	mysql_optionsv(s->mysql, MYSQL_SET_CHARSET_NAME, "utf8mb4");
	if (mysql_real_connect(s->mysql, c->host, c->user, c->password, NULL, (unsigned)c->port,
	                       c->socket, 0) == NULL) {
		meepo_log(MEEPO_LOG_ERROR, "snapshot", NULL, "cannot connect to the source %s:%d: %s",
		          c->host, c->port, mysql_error(s->mysql));
		return -1;
	}
	/*
	 * Values arrive as stored (no conversion to the connection's charset),
	 * as the binlog has them; the sink may wait, so the server must too.
	 */
	if (run_sql(s, "SET NAMES utf8mb4") != 0 || run_sql(s, "SET time_zone = '+00:00'") != 0 ||
	    run_sql(s, "SET character_set_results = NULL") != 0 ||
	    run_sql(s, "SET SESSION net_write_timeout = 3600") != 0 ||
	    run_sql(s, "SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ") != 0 ||
	    run_sql(s, "START TRANSACTION WITH CONSISTENT SNAPSHOT") != 0) {
		return -1;
	}
	if (read_position(s, "SHOW STATUS LIKE 'binlog_snapshot_%'", true) == 0) {
		return 0;
	}
	meepo_log(MEEPO_LOG_INFO, "snapshot", NULL, "the server gives no binlog_snapshot_position "
	          "(MySQL): taking a brief global read lock to pin the position");
	if (run_sql(s, "FLUSH TABLES WITH READ LOCK") != 0 ||
	    run_sql(s, "START TRANSACTION WITH CONSISTENT SNAPSHOT") != 0) {
		return -1;
	}
	if (read_position(s, "SHOW MASTER STATUS", false) != 0) {
		meepo_log(MEEPO_LOG_ERROR, "snapshot", NULL, "SHOW MASTER STATUS gives no position: "
		          "is the binary log enabled?");
		run_sql(s, "UNLOCK TABLES");
		return -1;
	}
	return run_sql(s, "UNLOCK TABLES");
}

/* True for the server's own schemas, which are never copied. */
static bool system_schema(const char *schema)
{
	return strcmp(schema, "mysql") == 0 || strcmp(schema, "information_schema") == 0 ||
	       strcmp(schema, "performance_schema") == 0 || strcmp(schema, "sys") == 0;
}

/* Lists the base tables routed to the sink for writes. */
static int list_tables(struct snapshot *s)
{
	MYSQL_RES *res = query(s, "SELECT TABLE_SCHEMA, TABLE_NAME, TABLE_ROWS "
	                          "FROM information_schema.TABLES WHERE TABLE_TYPE = 'BASE TABLE' "
	                          "ORDER BY TABLE_SCHEMA, TABLE_NAME");
	MYSQL_ROW row;

	if (res == NULL) {
		return -1;
	}
	s->tables = calloc(mysql_num_rows(res) + 1, sizeof(*s->tables));
	if (s->tables == NULL) {
		abort();
	}
	while ((row = mysql_fetch_row(res)) != NULL) {
		struct route_set routes;
		struct snap_table *t = &s->tables[s->ntables];

		if (row[0] == NULL || row[1] == NULL || system_schema(row[0])) {
			continue;
		}
		router_resolve(s->p.router, row[0], row[1], &routes);
		if ((routes.sinks[MEEPO_WRITE] >> s->sink & 1) == 0) {
			continue;
		}
		t->schema = strdup(row[0]);
		t->name = strdup(row[1]);
		if (t->schema == NULL || t->name == NULL) {
			abort();
		}
		t->estimate = row[2] != NULL ? strtoull(row[2], NULL, 10) : 0;
		s->estimate += t->estimate;
		s->ntables++;
	}
	mysql_free_result(res);
	return 0;
}

/* Appends s as a SQL string literal's escaped contents to buf. */
static void append_escaped(struct snapshot *s, struct meepo_buf *buf, const char *text)
{
	size_t len = strlen(text);
	char *esc = malloc(len * 2 + 1);

	if (esc == NULL) {
		abort();
	}
	meepo_buf_append(buf, esc, mysql_real_escape_string(s->mysql, esc, text, len));
	free(esc);
}

/* Appends `name` as a backtick-quoted identifier (backticks doubled). */
static void append_ident(struct meepo_buf *buf, const char *name)
{
	meepo_buf_putc(buf, '`');
	for (const char *p = name; *p != '\0'; p++) {
		if (*p == '`') {
			meepo_buf_putc(buf, '`');
		}
		meepo_buf_putc(buf, *p);
	}
	meepo_buf_putc(buf, '`');
}

/* Runs "<select> WHERE TABLE_SCHEMA = .. AND TABLE_NAME = .. <rest>". */
static MYSQL_RES *query_table(struct snapshot *s, const struct snap_table *t, const char *select,
                              const char *rest)
{
	struct meepo_buf sql = { 0 };
	MYSQL_RES *res;

	meepo_buf_append(&sql, select, strlen(select));
	meepo_buf_append(&sql, " WHERE TABLE_SCHEMA = '", 23);
	append_escaped(s, &sql, t->schema);
	meepo_buf_append(&sql, "' AND TABLE_NAME = '", 20);
	append_escaped(s, &sql, t->name);
	meepo_buf_putc(&sql, '\'');
	meepo_buf_append(&sql, rest, strlen(rest));
	meepo_buf_putc(&sql, '\0');
	res = query(s, sql.data);
	meepo_buf_free(&sql);
	return res;
}

/* Reads a numeric column of information_schema (NULL is 0). */
static uint64_t number(const char *text)
{
	return text != NULL ? strtoull(text, NULL, 10) : 0;
}

/* Builds the table's definition from information_schema. NULL (logged) on error. */
static struct binlog_table *describe(struct snapshot *s, const struct snap_table *t)
{
	MYSQL_RES *cols = query_table(s, t,
		"SELECT COLUMN_NAME, DATA_TYPE, COLUMN_TYPE, NUMERIC_PRECISION, NUMERIC_SCALE, "
		"DATETIME_PRECISION, CHARACTER_OCTET_LENGTH, IS_NULLABLE, "
		"(SELECT ID FROM information_schema.COLLATIONS AS co "
		"WHERE co.COLLATION_NAME = c.COLLATION_NAME) FROM information_schema.COLUMNS AS c",
		" ORDER BY ORDINAL_POSITION");
	MYSQL_RES *keys = NULL;
	struct binlog_table *def = NULL;
	struct binlog_table_overlay o = { 0 };
	struct meepo_column *columns = NULL;
	struct meepo_strlist *members = NULL;
	const char **names = NULL;
	uint32_t *key = NULL;
	uint32_t n = 0;
	MYSQL_ROW row;
	char err[512];

	if (cols == NULL) {
		goto out;
	}
	n = (uint32_t)mysql_num_rows(cols);
	columns = calloc(n + 1, sizeof(*columns));
	members = calloc(n + 1, sizeof(*members));
	names = calloc(n + 1, sizeof(*names));
	key = calloc(n + 1, sizeof(*key));
	if (columns == NULL || members == NULL || names == NULL || key == NULL) {
		abort();
	}
	for (uint32_t i = 0; (row = mysql_fetch_row(cols)) != NULL; i++) {
		struct snapshot_coldesc desc = {
			row[1] != NULL ? row[1] : "", row[2] != NULL ? row[2] : "",
			(uint32_t)number(row[3]), (uint32_t)number(row[4]), (uint32_t)number(row[5]),
			number(row[6]), (uint16_t)(row[8] != NULL ? number(row[8]) : 63),
			row[7] != NULL && strcmp(row[7], "YES") == 0, 0,
		};
		names[i] = row[0] != NULL ? row[0] : "";
		sqltype_parse_members(desc.column_type, &members[i]);
		desc.nmembers = members[i].count;
		if (snapshot_column(&desc, &columns[i], err, sizeof(err)) != 0) {
			meepo_log(MEEPO_LOG_ERROR, "snapshot", NULL, "%s.%s.%s: %s", t->schema, t->name,
			          names[i], err);
			goto out;
		}
	}
	keys = query_table(s, t, "SELECT COLUMN_NAME FROM information_schema.STATISTICS",
	                   " AND INDEX_NAME = 'PRIMARY' ORDER BY SEQ_IN_INDEX");
	if (keys == NULL) {
		goto out;
	}
	while ((row = mysql_fetch_row(keys)) != NULL && o.nkey < n) {
		for (uint32_t i = 0; i < n; i++) {
			if (row[0] != NULL && strcmp(names[i], row[0]) == 0) {
				key[o.nkey++] = i;
				break;
			}
		}
	}
	o.names = names;
	o.key = key;
	o.members = members;
	def = binlog_table_new(t->schema, t->name, n, columns, &o);
	if (def == NULL) {
		abort();
	}
out:
	sqltype_free_members(members, n);
	free(columns);
	free(names);
	free(key);
	if (cols != NULL) {
		mysql_free_result(cols);
	}
	if (keys != NULL) {
		mysql_free_result(keys);
	}
	return def;
}

/* Hands the current chunk to the dispatcher. Returns 0 or -1 (a sink stopped meepo). */
static int submit(struct snapshot *s, bool end)
{
	struct chunk *c = s->chunk;

	s->chunk = NULL;
	if (c == NULL) {
		return 0;
	}
	c->sinks = 1;
	if (end) {
		c->events[c->nevents - 1]->ev.last = true;
		c->txn_end = true;
		c->has_safe = true;
		c->safe = s->pos;
	}
	return dispatcher_submit(s->d, c);
}

/* Formats seconds as "1h02m", "3m05s" or "12s". */
static void format_duration(double seconds, char *out, size_t outlen)
{
	unsigned long t = seconds > 0 ? (unsigned long)seconds : 0;

	if (t >= 3600) {
		snprintf(out, outlen, "%luh%02lum", t / 3600, t % 3600 / 60);
	} else if (t >= 60) {
		snprintf(out, outlen, "%lum%02lus", t / 60, t % 60);
	} else {
		snprintf(out, outlen, "%lus", t);
	}
}

/* Logs the progress line if PROGRESS_SECONDS passed since the last. */
static void progress(struct snapshot *s)
{
	double now = monotonic();
	double rate;
	char eta[32];

	if (now - s->reported < PROGRESS_SECONDS) {
		return;
	}
	s->reported = now;
	rate = (double)s->rows / (now - s->started);
	if (s->estimate > s->rows && rate > 0) {
		format_duration((double)(s->estimate - s->rows) / rate, eta, sizeof(eta));
	} else {
		snprintf(eta, sizeof(eta), "soon");
	}
	meepo_log(MEEPO_LOG_INFO, "snapshot", s->p.conf.sinks[s->sink].name,
	          "%llu / ~%llu rows, %.0f rows/s, ETA %s", (unsigned long long)s->rows,
	          (unsigned long long)(s->estimate > s->rows ? s->estimate : s->rows), rate, eta);
}

/* Adds one row as an event of the current chunk (started if needed). */
static int add_row(struct snapshot *s, struct table_entry *entry, MYSQL_ROW row,
                   const unsigned long *lengths)
{
	const struct meepo_table *t = &entry->def->table;
	struct chunk_event *ce;
	struct meepo_value *values;
	char err[512];

	if (s->chunk != NULL && (s->chunk->nevents >= CHUNK_ROWS ||
	                         s->chunk->bytes >= s->chunk_bytes)) {
		if (submit(s, false) != 0) {
			return -1;
		}
	}
	if (s->chunk == NULL) {
		s->chunk = chunk_new();
	}
	if (s->chunk->ntables == 0 || s->chunk->tables[s->chunk->ntables - 1] != entry) {
		chunk_hold_table(s->chunk, entry);
	}
	values = chunk_alloc(s->chunk, t->ncolumns * sizeof(*values) + 1);
	for (uint32_t i = 0; i < t->ncolumns; i++) {
		if (snapshot_value(&t->columns[i], row[i], lengths[i], s->chunk, &values[i], err,
		                   sizeof(err)) != 0) {
			meepo_log(MEEPO_LOG_ERROR, "snapshot", NULL, "%s.%s: %s", t->schema, t->name, err);
			return -1;
		}
	}
	ce = chunk_add_event(s->chunk);
	ce->sinks = 1;
	ce->stop_sinks = entry->routes.stop_on_reject >> s->sink & 1;
	ce->ev.table = t;
	ce->ev.action = MEEPO_WRITE;
	ce->ev.after = values;
	ce->ev.file = chunk_strdup(s->chunk, s->pos.file);
	ce->ev.offset = s->pos.offset - 1;
	ce->ev.txn_offset = s->pos.offset - 1;
	ce->ev.timestamp = s->now;
	ce->ev.row_index = s->row_index++;
	s->rows++;
	return 0;
}

/* Streams one table's rows into chunks. */
static int copy_table(struct snapshot *s, struct table_entry *entry)
{
	const struct meepo_table *t = &entry->def->table;
	struct meepo_buf sql = { 0 };
	MYSQL_RES *res = NULL;
	MYSQL_ROW row;
	int rc = -1;

	meepo_buf_append(&sql, "SELECT ", 7);
	for (uint32_t i = 0; i < t->ncolumns; i++) {
		if (i > 0) {
			meepo_buf_putc(&sql, ',');
		}
		append_ident(&sql, t->columns[i].name);
		if (snapshot_select_numeric(&t->columns[i])) {
			meepo_buf_append(&sql, "+0", 2);
		} else if (snapshot_float_expr(&t->columns[i])) {
			meepo_buf_append(&sql, "+0e0", 4);
		}
	}
	meepo_buf_append(&sql, " FROM ", 6);
	append_ident(&sql, t->schema);
	meepo_buf_putc(&sql, '.');
	append_ident(&sql, t->name);
	meepo_buf_putc(&sql, '\0');
	if (run_sql(s, sql.data) != 0) {
		goto out;
	}
	res = mysql_use_result(s->mysql);
	if (res == NULL) {
		meepo_log(MEEPO_LOG_ERROR, "snapshot", NULL, "%s: %s", sql.data, mysql_error(s->mysql));
		goto out;
	}
	while ((row = mysql_fetch_row(res)) != NULL) {
		if (add_row(s, entry, row, mysql_fetch_lengths(res)) != 0) {
			goto out;
		}
		if (s->rows % 1000 == 0) {
			progress(s);
		}
	}
	if (mysql_errno(s->mysql) != 0) {
		meepo_log(MEEPO_LOG_ERROR, "snapshot", NULL, "reading %s.%s: %s", t->schema, t->name,
		          mysql_error(s->mysql));
		goto out;
	}
	rc = 0;
out:
	if (res != NULL) {
		mysql_free_result(res); /* reads and drops what is left of an interrupted stream */
	}
	meepo_buf_free(&sql);
	return rc;
}

/* Describes and copies every table, then ends the transaction. */
static int copy_all(struct snapshot *s)
{
	for (size_t i = 0; i < s->ntables; i++) {
		struct binlog_table *def = describe(s, &s->tables[i]);
		struct route_set routes;
		struct table_entry *entry;

		if (def == NULL) {
			return -1;
		}
		def->table.id = i + 1;
		router_resolve(s->p.router, def->table.schema, def->table.name, &routes);
		entry = table_cache_put(s->cache, def, &routes);
		if (copy_table(s, entry) != 0) {
			return -1;
		}
	}
	if (s->chunk == NULL) {
		dispatcher_advance(s->d, &s->pos); /* nothing to copy */
		return 0;
	}
	return submit(s, true);
}

/* Writes the checkpoint at the snapshot position unless one exists. */
static int settle_checkpoint(struct snapshot *s)
{
	const char *path = s->p.conf.checkpoint.path;
	struct position existing;
	char err[1024];
	int rc;

	if (path == NULL) {
		meepo_log(MEEPO_LOG_INFO, "snapshot", NULL, "no checkpoint configured: start following "
		          "at %s:%llu (source.start)", s->pos.file, (unsigned long long)s->pos.offset);
		return 0;
	}
	rc = checkpoint_read(path, &existing, err, sizeof(err));
	if (rc < 0) {
		meepo_log(MEEPO_LOG_ERROR, "checkpoint", NULL, "%s", err);
		return -1;
	}
	if (rc == 1) {
		meepo_log(MEEPO_LOG_INFO, "snapshot", NULL, "checkpoint %s exists (%s:%llu) and is kept: "
		          "a sink with a state table (sql) skips what the snapshot already covered",
		          path, existing.file, (unsigned long long)existing.offset);
		return 0;
	}
	if (checkpoint_write(path, &s->pos, err, sizeof(err)) != 0) {
		meepo_log(MEEPO_LOG_ERROR, "checkpoint", NULL, "%s", err);
		return -1;
	}
	meepo_log(MEEPO_LOG_INFO, "snapshot", NULL, "checkpoint %s written: meepo -c continues at "
	          "%s:%llu", path, s->pos.file, (unsigned long long)s->pos.offset);
	return 0;
}

/* Finds the sink by name; -1 (printed) if there is none. */
static int find_sink(struct snapshot *s, const struct run_options *opts, const char *sink)
{
	for (size_t i = 0; i < s->p.nsinks; i++) {
		if (strcmp(s->p.conf.sinks[i].name, sink) == 0) {
			s->sink = i;
			return 0;
		}
	}
	fprintf(stderr, "meepo: %s: no sink named '%s'\n", opts->config_path, sink);
	return -1;
}

/* Drains the sink's queue and reports how it ended. Returns 0 or -1. */
static int drain(struct snapshot *s)
{
	struct sink_stats stats;
	char why[1300];
	int rc = dispatcher_finish(s->d, DRAIN_TIMEOUT_MS);

	if (rc == DISPATCH_STUCK) {
		meepo_log(MEEPO_LOG_ERROR, "snapshot", NULL, "exiting with the sink stuck in deliver()");
		_exit(1);
	}
	if (rc != 0) {
		if (dispatcher_failed(s->d, why, sizeof(why))) {
			meepo_log(MEEPO_LOG_ERROR, "snapshot", NULL, "stopped: %s", why);
		}
		return -1;
	}
	dispatcher_stats(s->d, 0, &stats);
	if (stats.rejects > 0) {
		meepo_log(MEEPO_LOG_WARN, "snapshot", s->p.conf.sinks[s->sink].name,
		          "%llu batch(es) were rejected and dead-lettered: the copy is incomplete",
		          (unsigned long long)stats.rejects);
	}
	return 0;
}

int run_snapshot(const struct run_options *opts, const char *sink)
{
	struct snapshot s;
	int ret = 1;

	memset(&s, 0, sizeof(s));
	if (pipeline_load(&s.p, opts) != 0 || find_sink(&s, opts, sink) != 0) {
		goto out;
	}
	log_setup(opts->verbosity < 0 ? MEEPO_LOG_WARN
	          : opts->verbosity > 0 ? MEEPO_LOG_DEBUG : s.p.conf.log.level,
	          s.p.conf.log.syslog, s.p.conf.log.json);
	if (!s.p.conf.source.present) {
		fprintf(stderr, "meepo: %s: --snapshot reads from the source server: no source section\n",
		        opts->config_path);
		goto out;
	}
	if (pipeline_create_instance(&s.p, s.sink) != 0 || start_read(&s) != 0 ||
	    list_tables(&s) != 0) {
		goto out;
	}
	meepo_log(MEEPO_LOG_INFO, "snapshot", sink, "copying %zu table(s), ~%llu rows, consistent "
	          "with %s:%llu", s.ntables, (unsigned long long)s.estimate, s.pos.file,
	          (unsigned long long)s.pos.offset);
	s.cache = table_cache_new();
	s.chunk_bytes = s.p.conf.sinks[s.sink].queue_max_bytes / 4;
	s.now = (uint32_t)time(NULL);
	s.started = monotonic();
	s.reported = s.started;
	s.d = dispatcher_new(&s.p.slots[s.sink], 1, NULL, s.p.conf.checkpoint.interval_ms, &s.pos);
	if (copy_all(&s) != 0) {
		chunk_free(s.chunk);
		s.chunk = NULL;
		dispatcher_interrupt(s.d);
		drain(&s);
		goto out;
	}
	if (drain(&s) != 0) {
		goto out;
	}
	meepo_log(MEEPO_LOG_INFO, "snapshot", sink, "done: %zu table(s), %llu rows in %.1f s",
	          s.ntables, (unsigned long long)s.rows, monotonic() - s.started);
	if (settle_checkpoint(&s) == 0) {
		ret = 0;
	}
out:
	dispatcher_free(s.d);
	table_cache_free(s.cache);
	if (s.mysql != NULL) {
		mysql_close(s.mysql);
	}
	for (size_t i = 0; i < s.ntables; i++) {
		free(s.tables[i].schema);
		free(s.tables[i].name);
	}
	free(s.tables);
	pipeline_free(&s.p);
	return ret;
}
