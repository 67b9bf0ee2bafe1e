/*
 * plugins/sql/sql_conn.c - the sql sink's target connection: connect and
 * session set-up, the state table, prepared statement caches per target
 * table, execution with error classification, commit and rollback (see
 * sql_conn.h).
 *
 * Concurrency: a struct sql_conn is used by one thread at a time (create()
 * on the main thread, then the instance's worker, then destroy()).
 */
#include "sql_conn.h"

#include <errmsg.h>
#include <mysqld_error.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Session settings applied on every connection (see docs/sinks/sql.md). */
static const char session_sql[] =
	"SET SESSION time_zone = '+00:00', sql_mode = '" SQL_MODE_STRICT "', foreign_key_checks = 0";

/* Client timeouts, seconds. */
#define CONNECT_TIMEOUT_S 10u
#define IO_TIMEOUT_S 120u

/* Longest binlog file name the state table holds (its column is VARCHAR(255)). */
#define STATE_FILE_MAX 256

void sql_conn_init(struct sql_conn *c, const struct sql_settings *settings)
{
	memset(c, 0, sizeof(*c));
	c->settings = settings;
}

/* ---- errors ---------------------------------------------------------------- */

/*
 * Turns a server or client error into a result: RETRY (marking the
 * connection broken when it must be dropped) or REJECT, with "what: message
 * (errno N)" as the reason.
 */
static enum meepo_result fail(struct sql_conn *c, unsigned int errnum, const char *message,
                              const char *what, struct meepo_report *report)
{
	enum sql_error_class cls = sql_error_classify(errnum);

	if (cls == SQL_ERR_RECONNECT) {
		c->broken = true;
	}
	snprintf(report->reason, sizeof(report->reason), "%s: %s (errno %u)%s", what, message, errnum,
	         cls == SQL_ERR_RECONNECT ? "; reconnecting" : "");
	return cls == SQL_ERR_REJECT ? MEEPO_REJECT : MEEPO_RETRY;
}

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

static void target_free(struct sql_target *t)
{
	uint32_t i;

	target_drop_stmts(t);
	for (i = 0; i < t->ncolumns; i++) {
		free(t->columns[i]);
	}
	free(t->columns);
	free(t->key);
	free(t->omit);
	free(t->src_schema);
	free(t->src_table);
	free(t);
}

void sql_conn_close(struct sql_conn *c)
{
	size_t b;
	struct sql_target *t;

	for (b = 0; b < SQL_TARGET_BUCKETS; b++) {
		for (t = c->targets[b]; t != NULL; t = t->next) {
			target_drop_stmts(t);
			t->omit_known = false;
		}
	}
	if (c->state_stmt != NULL) {
		mysql_stmt_close(c->state_stmt);
		c->state_stmt = NULL;
	}
	if (c->mysql != NULL) {
		mysql_close(c->mysql);
		c->mysql = NULL;
	}
	c->broken = false;
}

void sql_conn_free(struct sql_conn *c)
{
	size_t b;

	sql_conn_close(c);
	for (b = 0; b < SQL_TARGET_BUCKETS; b++) {
		while (c->targets[b] != NULL) {
			struct sql_target *next = c->targets[b]->next;

			target_free(c->targets[b]);
			c->targets[b] = next;
		}
	}
	sql_binds_free(&c->binds);
	sql_shape_free(&c->single);
	meepo_buf_free(&c->text);
	free(c->applied_file);
	memset(c, 0, sizeof(*c));
}

/* ---- connecting ---------------------------------------------------------------- */

/* Sets the client options of a new handle. */
static void set_options(MYSQL *m, const struct sql_settings *s)
{
	unsigned int connect_timeout = CONNECT_TIMEOUT_S;
	unsigned int io_timeout = IO_TIMEOUT_S;
	my_bool verify = s->tls_verify;
	my_bool enforce = 1;

	mysql_options(m, MYSQL_OPT_CONNECT_TIMEOUT, &connect_timeout);
	mysql_options(m, MYSQL_OPT_READ_TIMEOUT, &io_timeout);
	mysql_options(m, MYSQL_OPT_WRITE_TIMEOUT, &io_timeout);
	mysql_options(m, MYSQL_SET_CHARSET_NAME, "utf8mb4");
	if (!s->tls) {
		return;
	}
	mysql_options(m, MYSQL_OPT_SSL_ENFORCE, &enforce);
	mysql_options(m, MYSQL_OPT_SSL_VERIFY_SERVER_CERT, &verify);
	if (s->tls_ca != NULL) {
		mysql_options(m, MYSQL_OPT_SSL_CA, s->tls_ca);
	}
	if (s->tls_cert != NULL) {
		mysql_options(m, MYSQL_OPT_SSL_CERT, s->tls_cert);
	}
	if (s->tls_key != NULL) {
		mysql_options(m, MYSQL_OPT_SSL_KEY, s->tls_key);
	}
}

/* Runs one statement without parameters; -1 with "what: error" in err. */
static int run(struct sql_conn *c, const char *sql, const char *what, char *err, size_t errlen)
{
	if (mysql_real_query(c->mysql, sql, strlen(sql)) != 0) {
		snprintf(err, errlen, "%s: %s (errno %u)", what, mysql_error(c->mysql), mysql_errno(c->mysql));
		return -1;
	}
	return 0;
}

/* Prepares `sql` into *out; -1 with "what: error" in err. */
static int prepare(struct sql_conn *c, const char *sql, MYSQL_STMT **out, const char *what,
                   char *err, size_t errlen)
{
	MYSQL_STMT *stmt = mysql_stmt_init(c->mysql);

	*out = NULL;
	if (stmt == NULL) {
		snprintf(err, errlen, "%s: out of memory", what);
		return -1;
	}
	if (mysql_stmt_prepare(stmt, sql, strlen(sql)) != 0) {
		snprintf(err, errlen, "%s: %s (errno %u)", what, mysql_stmt_error(stmt), mysql_stmt_errno(stmt));
		mysql_stmt_close(stmt);
		return -1;
	}
	*out = stmt;
	return 0;
}

/*
 * Sets c->bulk: a MariaDB server with bulk operations, whose binary log (if
 * on) is row-based (bulk statements are refused under statement logging).
 */
static int detect_bulk(struct sql_conn *c, char *err, size_t errlen)
{
	static const char query[] = "SELECT @@log_bin, @@session.binlog_format";
	unsigned long caps = 0;
	MYSQL_RES *res;
	MYSQL_ROW row;

	c->bulk = false;
	if (c->flavor != SQL_MARIADB ||
	    mariadb_get_infov(c->mysql, MARIADB_CONNECTION_EXTENDED_SERVER_CAPABILITIES, &caps) != 0 ||
	    (caps & (MARIADB_CLIENT_STMT_BULK_OPERATIONS >> 32)) == 0) {
		return 0;
	}
	if (run(c, query, "reading the binlog format", err, errlen) != 0) {
		return -1;
	}
	res = mysql_store_result(c->mysql);
	if (res == NULL) {
		snprintf(err, errlen, "reading the binlog format: %s (errno %u)", mysql_error(c->mysql),
		         mysql_errno(c->mysql));
		return -1;
	}
	row = mysql_fetch_row(res);
	c->bulk = row != NULL && row[0] != NULL && row[1] != NULL &&
	          (strcmp(row[0], "0") == 0 || strcmp(row[1], "ROW") == 0);
	mysql_free_result(res);
	return 0;
}

/* Reads this sink's row of the state table into c->applied*. */
static int read_state(struct sql_conn *c, char *err, size_t errlen)
{
	const struct sql_settings *s = c->settings;
	MYSQL_STMT *stmt = NULL;
	MYSQL_BIND param = { 0 };
	MYSQL_BIND result[3];
	char file[STATE_FILE_MAX];
	unsigned long file_len = 0;
	unsigned long long offset = 0;
	unsigned int row = 0;
	int rc = -1;
	int fetched;

	meepo_buf_reset(&c->text);
	sql_state_select_text(&c->text, s->state_schema, s->state_table);
	if (prepare(c, c->text.data, &stmt, "reading the state table", err, errlen) != 0) {
		goto out;
	}
	param.buffer_type = MYSQL_TYPE_STRING;
	param.buffer = s->instance;
	param.buffer_length = (unsigned long)strlen(s->instance);
	memset(result, 0, sizeof(result));
	result[0].buffer_type = MYSQL_TYPE_STRING;
	result[0].buffer = file;
	result[0].buffer_length = sizeof(file) - 1;
	result[0].length = &file_len;
	result[1].buffer_type = MYSQL_TYPE_LONGLONG;
	result[1].buffer = &offset;
	result[1].is_unsigned = 1;
	result[2].buffer_type = MYSQL_TYPE_LONG;
	result[2].buffer = &row;
	result[2].is_unsigned = 1;
	if (mysql_stmt_bind_param(stmt, &param) != 0 || mysql_stmt_execute(stmt) != 0 ||
	    mysql_stmt_bind_result(stmt, result) != 0) {
		snprintf(err, errlen, "reading the state table: %s (errno %u)", mysql_stmt_error(stmt),
		         mysql_stmt_errno(stmt));
		goto out;
	}
	fetched = mysql_stmt_fetch(stmt);
	if (fetched == 1 || fetched == MYSQL_DATA_TRUNCATED) {
		snprintf(err, errlen, "reading the state table: %s",
		         fetched == 1 ? mysql_stmt_error(stmt) : "binlog file name too long");
		goto out;
	}
	free(c->applied_file);
	c->applied_file = NULL;
	c->applied = fetched == 0;
	if (c->applied) {
		file[file_len < sizeof(file) ? file_len : sizeof(file) - 1] = '\0';
		c->applied_file = strdup(file);
		if (c->applied_file == NULL) {
			abort();
		}
		c->applied_offset = offset;
		c->applied_row = row;
	}
	rc = 0;
out:
	if (stmt != NULL) {
		mysql_stmt_close(stmt);
	}
	return rc;
}

int sql_conn_ensure(struct sql_conn *c, char *err, size_t errlen)
{
	const struct sql_settings *s = c->settings;
	int rc = -1;

	if (c->mysql != NULL && !c->broken) {
		return 0;
	}
	sql_conn_close(c);
	c->mysql = mysql_init(NULL);
	if (c->mysql == NULL) {
		snprintf(err, errlen, "mysql_init: out of memory");
		goto out;
	}
	set_options(c->mysql, s);
	if (mysql_real_connect(c->mysql, s->host, s->user, s->password, NULL,
	                       (unsigned int)s->port, s->socket, 0) == NULL) {
		if (s->socket != NULL) {
			snprintf(err, errlen, "connecting to %s as %s: %s (errno %u)", s->socket, s->user,
			         mysql_error(c->mysql), mysql_errno(c->mysql));
		} else {
			snprintf(err, errlen, "connecting to %s:%d as %s: %s (errno %u)", s->host, s->port,
			         s->user, mysql_error(c->mysql), mysql_errno(c->mysql));
		}
		goto out;
	}
	c->flavor = strstr(mysql_get_server_info(c->mysql), "MariaDB") != NULL ? SQL_MARIADB : SQL_MYSQL;
	if (run(c, session_sql, "setting up the session", err, errlen) != 0 ||
	    run(c, "SET autocommit = 0", "turning autocommit off", err, errlen) != 0 ||
	    detect_bulk(c, err, errlen) != 0) {
		goto out;
	}
	meepo_buf_reset(&c->text);
	sql_state_create_text(&c->text, s->state_schema, s->state_table);
	if (run(c, c->text.data, "creating the state table", err, errlen) != 0 ||
	    read_state(c, err, errlen) != 0) {
		goto out;
	}
	meepo_buf_reset(&c->text);
	sql_state_upsert_text(&c->text, s->state_schema, s->state_table);
	if (prepare(c, c->text.data, &c->state_stmt, "preparing the state update", err, errlen) != 0) {
		goto out;
	}
	/* The state read above opened a transaction: start clean. */
	if (mysql_rollback(c->mysql) != 0) {
		snprintf(err, errlen, "rollback: %s (errno %u)", mysql_error(c->mysql), mysql_errno(c->mysql));
		goto out;
	}
	rc = 0;
out:
	if (rc != 0) {
		sql_conn_close(c);
	}
	return rc;
}

bool sql_conn_is_applied(const struct sql_conn *c, const struct meepo_event *event)
{
	return c->applied && sql_pos_cmp(event->file, event->txn_offset, event->row_index,
	                                 c->applied_file, c->applied_offset, c->applied_row) <= 0;
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

	target_drop_stmts(t);
	for (i = 0; i < t->ncolumns; i++) {
		free(t->columns[i]);
	}
	free(t->columns);
	free(t->key);
	free(t->omit);
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
		result = fail(c, mysql_stmt_errno(stmt), mysql_stmt_error(stmt), what, report);
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
		result = fail(c, mysql_stmt_errno(stmt), mysql_stmt_error(stmt), what, report);
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

/* Returns t's statement for `shape`, preparing it if needed; NULL with report set. */
static struct sql_stmt *stmt_get(struct sql_conn *c, struct sql_target *t, const struct meepo_table *table,
                                 const struct sql_shape *shape, const struct meepo_event *first,
                                 enum meepo_result *result, struct meepo_report *report)
{
	struct sql_stmt *s;
	char what[512];

	for (s = t->stmts; s != NULL; s = s->next) {
		if (s->shape.nrows == shape->nrows && sql_shape_same(&s->shape, shape)) {
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
		s->next = t->stmts;
		t->stmts = s;
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
		*result = fail(c, mysql_stmt_errno(s->stmt), mysql_stmt_error(s->stmt), what, report);
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
	return fail(c, errnum, mysql_stmt_error(s->stmt), what, report);
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

enum meepo_result sql_conn_commit(struct sql_conn *c, const struct meepo_event *last,
                                  struct meepo_report *report)
{
	const struct sql_settings *s = c->settings;
	MYSQL_BIND b[6];
	unsigned long long offset = last->txn_offset;
	unsigned int row = last->row_index;
	unsigned int server_id = last->server_id;
	char *file;

	memset(b, 0, sizeof(b));
	b[0].buffer_type = MYSQL_TYPE_STRING;
	b[0].buffer = s->instance;
	b[0].buffer_length = (unsigned long)strlen(s->instance);
	b[1].buffer_type = MYSQL_TYPE_STRING;
	b[1].buffer = (void *)(uintptr_t)last->file;
	b[1].buffer_length = (unsigned long)strlen(last->file);
	b[2].buffer_type = MYSQL_TYPE_LONGLONG;
	b[2].buffer = &offset;
	b[2].is_unsigned = 1;
	b[3].buffer_type = MYSQL_TYPE_LONG;
	b[3].buffer = &row;
	b[3].is_unsigned = 1;
	if (last->gtid != NULL) {
		b[4].buffer_type = MYSQL_TYPE_STRING;
		b[4].buffer = (void *)(uintptr_t)last->gtid;
		b[4].buffer_length = (unsigned long)strlen(last->gtid);
	} else {
		b[4].buffer_type = MYSQL_TYPE_NULL;
	}
	b[5].buffer_type = MYSQL_TYPE_LONG;
	b[5].buffer = &server_id;
	b[5].is_unsigned = 1;
	if (mysql_stmt_bind_param(c->state_stmt, b) != 0 || mysql_stmt_execute(c->state_stmt) != 0) {
		return fail(c, mysql_stmt_errno(c->state_stmt), mysql_stmt_error(c->state_stmt),
		            "updating the state table", report);
	}
	if (mysql_commit(c->mysql) != 0) {
		return fail(c, mysql_errno(c->mysql), mysql_error(c->mysql), "commit", report);
	}
	file = strdup(last->file);
	if (file == NULL) {
		abort();
	}
	free(c->applied_file);
	c->applied_file = file;
	c->applied_offset = last->txn_offset;
	c->applied_row = last->row_index;
	c->applied = true;
	return MEEPO_OK;
}

void sql_conn_rollback(struct sql_conn *c)
{
	if (c->mysql == NULL) {
		return;
	}
	if (c->broken || mysql_rollback(c->mysql) != 0) {
		sql_conn_close(c);
		return;
	}
}
