/*
 * plugins/sql/sql_exec.c - the sql sink's target tables and statements:
 * the table cache (source name -> target name, columns, generated columns),
 * prepared statements per table and shape, and their execution as single
 * or multi-row statements or MariaDB bulk executions, with the failing row
 * found for the error message (see sql_conn.h).
 *
 * Concurrency: as sql_conn.c, one thread at a time per struct sql_conn.
 */
#include "sql_conn.h"

#include <mysqld_error.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Most prepared statements kept per target table. */
#define STMT_CACHE_MAX 64u

/* ---- statements -------------------------------------------------------------- */

static void stmt_free(struct sql_stmt *s)
{
	if (s->stmt != NULL) {
		mysql_stmt_close(s->stmt);
	}
	sql_shape_free(&s->shape);
	free(s->params);
	free(s);
}

/* Frees every cached statement of t. */
static void target_drop_stmts(struct sql_target *t)
{
	while (t->stmts != NULL) {
		struct sql_stmt *next = t->stmts->next;

		stmt_free(t->stmts);
		t->stmts = next;
	}
}

/* Frees t's statements and its copy of the table's signature. */
static void target_drop_signature(struct sql_target *t)
{
	target_drop_stmts(t);
	for (uint32_t i = 0; i < t->ncolumns; i++) {
		free(t->columns[i]);
	}
	free(t->columns);
	free(t->key);
	free(t->omit);
}

static void target_free(struct sql_target *t)
{
	target_drop_signature(t);
	free(t->src_schema);
	free(t->src_table);
	free(t);
}

void sql_targets_close(struct sql_conn *c)
{
	struct sql_target *t;
	size_t b;

	for (b = 0; b < SQL_TARGET_BUCKETS; b++) {
		for (t = c->targets[b]; t != NULL; t = t->next) {
			target_drop_stmts(t);
			t->omit_known = false;
		}
	}
}

void sql_targets_free(struct sql_conn *c)
{
	size_t b;

	for (b = 0; b < SQL_TARGET_BUCKETS; b++) {
		while (c->targets[b] != NULL) {
			struct sql_target *next = c->targets[b]->next;

			target_free(c->targets[b]);
			c->targets[b] = next;
		}
	}
}

/* ---- target tables ---------------------------------------------------------------- */

/* FNV-1a of schema '\0' table, reduced to a bucket. */
static size_t bucket_of(const char *schema, const char *table)
{
	uint32_t h = 2166136261u;
	const char *p;

	for (p = schema; *p != '\0'; p++) {
		h = (h ^ (uint8_t)*p) * 16777619u;
	}
	h = (h ^ 0u) * 16777619u;
	for (p = table; *p != '\0'; p++) {
		h = (h ^ (uint8_t)*p) * 16777619u;
	}
	return h % SQL_TARGET_BUCKETS;
}

/* True if t's statements were built for the columns and key of `table`. */
static bool target_matches(const struct sql_target *t, const struct meepo_table *table)
{
	uint32_t i;

	if (t->ncolumns != table->ncolumns || t->nkey != table->nkey) {
		return false;
	}
	for (i = 0; i < t->ncolumns; i++) {
		if (strcmp(t->columns[i], table->columns[i].name) != 0) {
			return false;
		}
	}
	return t->nkey == 0 || memcmp(t->key, table->key, t->nkey * sizeof(*t->key)) == 0;
}

/* Rebuilds t's signature for `table` and drops its statements. */
static void target_reset(struct sql_target *t, const struct meepo_table *table)
{
	uint32_t i;

	target_drop_signature(t);
	t->ncolumns = table->ncolumns;
	t->nkey = table->nkey;
	t->columns = calloc(table->ncolumns > 0 ? table->ncolumns : 1, sizeof(*t->columns));
	t->key = calloc(table->nkey > 0 ? table->nkey : 1, sizeof(*t->key));
	t->omit = calloc((table->ncolumns + 63) / 64 + 1, sizeof(*t->omit));
	t->omit_known = false;
	if (t->columns == NULL || t->key == NULL || t->omit == NULL) {
		abort();
	}
	for (i = 0; i < table->ncolumns; i++) {
		t->columns[i] = strdup(table->columns[i].name);
		if (t->columns[i] == NULL) {
			abort();
		}
	}
	if (table->nkey > 0) {
		memcpy(t->key, table->key, table->nkey * sizeof(*t->key));
	}
}

/* True if the column names are the "@N" placeholders of a binlog without metadata. */
static bool names_unknown(const struct meepo_table *table)
{
	return table->ncolumns > 0 && strcmp(table->columns[0].name, "@1") == 0;
}

/*
 * Reads which of t's columns the target table generates (they cannot be
 * written) into t->omit. Returns MEEPO_OK, or RETRY/REJECT with report.
 */
static enum meepo_result load_generated(struct sql_conn *c, struct sql_target *t,
                                        struct meepo_report *report)
{
	static const char query[] =
		"SELECT COLUMN_NAME FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ?"
		" AND TABLE_NAME = ? AND GENERATION_EXPRESSION IS NOT NULL AND GENERATION_EXPRESSION <> ''";
	enum meepo_result result = MEEPO_OK;
	MYSQL_STMT *stmt = mysql_stmt_init(c->mysql);
	MYSQL_BIND param[2];
	MYSQL_BIND column;
	char name[256];
	unsigned long len = 0;
	char what[320];
	uint32_t i;
	int rc;

	if (stmt == NULL) {
		abort();
	}
	memset(param, 0, sizeof(param));
	memset(&column, 0, sizeof(column));
	param[0].buffer_type = MYSQL_TYPE_STRING;
	param[0].buffer = (void *)(uintptr_t)t->schema;
	param[0].buffer_length = (unsigned long)strlen(t->schema);
	param[1].buffer_type = MYSQL_TYPE_STRING;
	param[1].buffer = (void *)(uintptr_t)t->table;
	param[1].buffer_length = (unsigned long)strlen(t->table);
	column.buffer_type = MYSQL_TYPE_STRING;
	column.buffer = name;
	column.buffer_length = sizeof(name) - 1;
	column.length = &len;
	memset(t->omit, 0, ((t->ncolumns + 63) / 64 + 1) * sizeof(*t->omit));
	if (mysql_stmt_prepare(stmt, query, sizeof(query) - 1) != 0 ||
	    mysql_stmt_bind_param(stmt, param) != 0 || mysql_stmt_execute(stmt) != 0 ||
	    mysql_stmt_bind_result(stmt, &column) != 0) {
		snprintf(what, sizeof(what), "reading the generated columns of %s.%s", t->schema, t->table);
		result = sql_conn_fail(c, mysql_stmt_errno(stmt), mysql_stmt_error(stmt), what, report);
		goto out;
	}
	while ((rc = mysql_stmt_fetch(stmt)) == 0 || rc == MYSQL_DATA_TRUNCATED) {
		name[len < sizeof(name) ? len : sizeof(name) - 1] = '\0';
		for (i = 0; rc == 0 && i < t->ncolumns; i++) {
			if (strcmp(t->columns[i], name) == 0) {
				t->omit[i / 64] |= UINT64_C(1) << (i % 64);
			}
		}
	}
	if (rc == 1) {
		snprintf(what, sizeof(what), "reading the generated columns of %s.%s", t->schema, t->table);
		result = sql_conn_fail(c, mysql_stmt_errno(stmt), mysql_stmt_error(stmt), what, report);
		goto out;
	}
	t->omit_known = true;
out:
	mysql_stmt_close(stmt);
	return result;
}

enum meepo_result sql_conn_target(struct sql_conn *c, const struct meepo_event *event,
                                  struct sql_target **target, struct meepo_report *report)
{
	const struct meepo_table *table = event->table;
	size_t b = bucket_of(table->schema, table->name);
	struct sql_target *t;

	*target = NULL;
	if (names_unknown(table)) {
		snprintf(report->reason, sizeof(report->reason),
		         "%s.%s: column names unknown; the source needs binlog_row_metadata=FULL",
		         table->schema, table->name);
		return MEEPO_REJECT;
	}
	for (t = c->targets[b]; t != NULL; t = t->next) {
		if (strcmp(t->src_table, table->name) == 0 && strcmp(t->src_schema, table->schema) == 0) {
			break;
		}
	}
	if (t == NULL) {
		t = calloc(1, sizeof(*t));
		if (t == NULL) {
			abort();
		}
		t->src_schema = strdup(table->schema);
		t->src_table = strdup(table->name);
		if (t->src_schema == NULL || t->src_table == NULL) {
			abort();
		}
		sql_names_resolve(&c->settings->names, t->src_schema, t->src_table, &t->schema, &t->table);
		t->next = c->targets[b];
		c->targets[b] = t;
	}
	if (t->columns == NULL || !target_matches(t, table)) {
		target_reset(t, table);
	}
	if (!t->omit_known) {
		enum meepo_result result = load_generated(c, t, report);

		if (result != MEEPO_OK) {
			return result;
		}
	}
	if (t->nkey == 0 && !t->warned_nokey) {
		t->warned_nokey = true;
		meepo_sink_log(MEEPO_LOG_WARN, "sql", c->settings->instance,
		               "%s.%s has no primary key: rows are matched on every column with LIMIT 1,"
		               " which is slow and ambiguous for duplicate rows", table->schema, table->name);
	}
	*target = t;
	return MEEPO_OK;
}

/* ---- execution --------------------------------------------------------------------- */

/*
 * Keeps t's statement list most recently used first and at most
 * STMT_CACHE_MAX long (servers cap prepared statements: MariaDB's
 * max_prepared_stmt_count is 16382 for all connections together), closing
 * the least recently used. `s`, just used, goes to the front.
 */
static void stmt_touch(struct sql_target *t, struct sql_stmt *s)
{
	struct sql_stmt **link;
	size_t n = 0;

	for (link = &t->stmts; *link != NULL; link = &(*link)->next) {
		if (*link == s) {
			*link = s->next;
			break;
		}
	}
	s->next = t->stmts;
	t->stmts = s;
	for (link = &t->stmts; *link != NULL; link = &(*link)->next) {
		if (++n == STMT_CACHE_MAX) {
			while ((*link)->next != NULL) {
				struct sql_stmt *old = (*link)->next;

				(*link)->next = old->next;
				stmt_free(old);
			}
			break;
		}
	}
}

/* Returns t's statement for `shape`, preparing it if needed; NULL with report set. */
static struct sql_stmt *stmt_get(struct sql_conn *c, struct sql_target *t, const struct meepo_table *table,
                                 const struct sql_shape *shape, const struct meepo_event *first,
                                 enum meepo_result *result, struct meepo_report *report)
{
	struct sql_stmt *s;
	char what[512];

	for (s = t->stmts; s != NULL; s = s->next) {
		if (s->shape.nrows == shape->nrows && sql_shape_same(&s->shape, shape)) {
			if (s != t->stmts) {
				stmt_touch(t, s);
			}
			return s;
		}
	}
	s = calloc(1, sizeof(*s));
	if (s == NULL) {
		abort();
	}
	sql_shape_copy(&s->shape, shape);
	s->nparams = sql_build_params(shape, NULL);
	s->params = calloc(s->nparams > 0 ? s->nparams : 1, sizeof(*s->params));
	if (s->params == NULL) {
		abort();
	}
	sql_build_params(shape, s->params);
	meepo_buf_reset(&c->text);
	sql_build_text(&c->text, c->flavor, t->schema, t->table, table, shape);
	s->stmt = mysql_stmt_init(c->mysql);
	if (s->stmt == NULL) {
		abort();
	}
	if (mysql_stmt_prepare(s->stmt, c->text.data, c->text.len) == 0) {
		stmt_touch(t, s);
		return s;
	}
	if (mysql_stmt_errno(s->stmt) == ER_NO_SUCH_TABLE) {
		snprintf(report->reason, sizeof(report->reason),
		         "target table %s.%s does not exist; create it with the source's SHOW CREATE TABLE"
		         " (errno %u)", t->schema, t->table, ER_NO_SUCH_TABLE);
		*result = MEEPO_REJECT;
	} else {
		meepo_buf_reset(&c->text);
		sql_describe_key(&c->text, first, shape->kind);
		snprintf(what, sizeof(what), "preparing a statement on %s.%s for %s at %s:%llu",
		         t->schema, t->table, c->text.data, first->file,
		         (unsigned long long)first->offset);
		*result = sql_conn_fail(c, mysql_stmt_errno(s->stmt), mysql_stmt_error(s->stmt), what,
		                        report);
	}
	stmt_free(s);
	return NULL;
}

/*
 * Makes the next execution of stmt a bulk one of n rows, whose values
 * sql_binds_bulk_row() fills from b, or (n = 0) a plain one.
 */
static void set_array_size(MYSQL_STMT *stmt, struct sql_binds *b, unsigned int n)
{
	mysql_stmt_attr_set(stmt, STMT_ATTR_ARRAY_SIZE, &n);
	mysql_stmt_attr_set(stmt, STMT_ATTR_CB_USER_DATA, n > 0 ? b : NULL);
	mysql_stmt_attr_set(stmt, STMT_ATTR_CB_PARAM, n > 0 ? (const void *)sql_binds_bulk_row : NULL);
}

/* Executes s over rows events[0..nrows); fills report on failure. */
static enum meepo_result stmt_run(struct sql_conn *c, struct sql_target *t, struct sql_stmt *s,
                                  const struct meepo_event *const *events, unsigned int *errnum,
                                  struct meepo_report *report)
{
	char err[256];

	*errnum = 0;
	if (sql_binds_fill(&c->binds, s->params, s->nparams, events, s->shape.nrows, err, sizeof(err)) != 0) {
		meepo_buf_reset(&c->text);
		sql_describe_key(&c->text, events[0], s->shape.kind);
		snprintf(report->reason, sizeof(report->reason), "%s.%s %s at %s:%llu: %s", t->schema,
		         t->table, c->text.data, events[0]->file, (unsigned long long)events[0]->offset, err);
		return MEEPO_REJECT;
	}
	if (c->bulk) {
		/* The statement may have run a bulk execution before. */
		set_array_size(s->stmt, &c->binds, 0);
	}
	if (mysql_stmt_bind_param(s->stmt, c->binds.binds) != 0 || mysql_stmt_execute(s->stmt) != 0) {
		*errnum = mysql_stmt_errno(s->stmt);
		return MEEPO_RETRY;
	}
	return MEEPO_OK;
}

/*
 * Executes s once for rows events[0..nrows) as a bulk execution, its
 * parameters prepared by sql_binds_bulk(); *errnum is set on failure.
 */
static enum meepo_result stmt_run_bulk(struct sql_conn *c, struct sql_stmt *s, uint32_t nrows,
                                       unsigned int *errnum)
{
	*errnum = 0;
	set_array_size(s->stmt, &c->binds, nrows);
	if (mysql_stmt_bind_param(s->stmt, c->binds.binds) != 0 || mysql_stmt_execute(s->stmt) != 0) {
		*errnum = mysql_stmt_errno(s->stmt);
		return MEEPO_RETRY;
	}
	return MEEPO_OK;
}

/* Fills report with the failure of s on the row `ev` (errnum from stmt_run). */
static enum meepo_result blame(struct sql_conn *c, struct sql_target *t, struct sql_stmt *s,
                               const struct meepo_event *ev, unsigned int errnum, size_t nrows,
                               struct meepo_report *report)
{
	char what[640];

	meepo_buf_reset(&c->text);
	sql_describe_key(&c->text, ev, s->shape.kind);
	snprintf(what, sizeof(what), "%s.%s %s%s at %s:%llu", t->schema, t->table,
	         nrows > 1 ? "one of the rows from " : "", c->text.data, ev->file,
	         (unsigned long long)ev->offset);
	return sql_conn_fail(c, errnum, mysql_stmt_error(s->stmt), what, report);
}

/*
 * Executes the single-row statement `one` for each of rows events[0..nrows)
 * in turn, blaming the first that fails.
 */
static enum meepo_result exec_rows(struct sql_conn *c, struct sql_target *target, struct sql_stmt *one,
                                   const struct meepo_event *const *events, uint32_t nrows,
                                   const struct meepo_event **blamed, struct meepo_report *report)
{
	enum meepo_result result = MEEPO_OK;
	unsigned int errnum;
	uint32_t r;

	for (r = 0; r < nrows && result == MEEPO_OK; r++) {
		*blamed = events[r];
		result = stmt_run(c, target, one, &events[r], &errnum, report);
		if (result != MEEPO_OK && errnum != 0) {
			result = blame(c, target, one, events[r], errnum, 1, report);
		}
	}
	return result;
}

enum meepo_result sql_conn_exec(struct sql_conn *c, struct sql_target *target,
                                const struct sql_shape *shape,
                                const struct meepo_event *const *events,
                                const struct meepo_event **blamed,
                                struct meepo_report *report)
{
	const struct meepo_table *table = events[0]->table;
	enum meepo_result result = MEEPO_RETRY;
	enum meepo_result pinpoint = MEEPO_RETRY;
	struct meepo_report saved;
	struct sql_stmt *one;
	struct sql_stmt *s;
	unsigned int errnum;

	*blamed = events[0];
	if (shape->nrows > 1) {
		sql_shape_copy(&c->single, shape);
		c->single.nrows = 1;
	}
	if (shape->nrows > 1 && sql_conn_bulk(c, shape->kind)) {
		s = stmt_get(c, target, table, &c->single, events[0], &result, report);
		if (s == NULL) {
			return result;
		}
		if (sql_binds_bulk(&c->binds, s->params, s->nparams, events, shape->nrows) != 0) {
			/* The rows disagree on a parameter's type: one at a time. */
			return exec_rows(c, target, s, events, shape->nrows, blamed, report);
		}
		result = stmt_run_bulk(c, s, shape->nrows, &errnum);
	} else {
		s = stmt_get(c, target, table, shape, events[0], &result, report);
		if (s == NULL) {
			return result;
		}
		result = stmt_run(c, target, s, events, &errnum, report);
	}
	if (result == MEEPO_OK || errnum == 0) {
		return result;
	}
	if (shape->nrows == 1 || sql_error_classify(errnum) != SQL_ERR_REJECT) {
		return blame(c, target, s, events[0], errnum, shape->nrows, report);
	}
	/*
	 * The server rolled back only that statement: find the row to blame,
	 * keeping the statement's own message if every row passes alone.
	 */
	result = blame(c, target, s, events[0], errnum, shape->nrows, report);
	memcpy(&saved, report, sizeof(saved));
	one = stmt_get(c, target, table, &c->single, events[0], &pinpoint, report);
	if (one == NULL) {
		return pinpoint;
	}
	pinpoint = exec_rows(c, target, one, events, shape->nrows, blamed, report);
	if (pinpoint != MEEPO_OK) {
		return pinpoint;
	}
	memcpy(report, &saved, sizeof(saved));
	*blamed = events[0];
	return result;
}

bool sql_conn_bulk(const struct sql_conn *c, enum sql_kind kind)
{
	return c->bulk && kind == SQL_UPSERT;
}

