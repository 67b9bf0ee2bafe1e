/*
 * plugins/sql/sql_conn.c - the sql sink's target connection: connect and
 * session set-up, the state table, error classification, commit and
 * rollback (see sql_conn.h). Target tables and statement execution are in
 * sql_exec.c.
 *
 * Concurrency: a struct sql_conn is used by one thread at a time (create()
 * on the main thread, then the instance's worker, then destroy()).
 */
#include "sql_conn.h"

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

enum meepo_result sql_conn_fail(struct sql_conn *c, unsigned int errnum, const char *message,
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

/* ---- lifetime ------------------------------------------------------------------ */

void sql_conn_close(struct sql_conn *c)
{
	sql_targets_close(c);
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
	sql_conn_close(c);
	sql_targets_free(c);
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
		return sql_conn_fail(c, mysql_stmt_errno(c->state_stmt), mysql_stmt_error(c->state_stmt),
		                     "updating the state table", report);
	}
	if (mysql_commit(c->mysql) != 0) {
		return sql_conn_fail(c, mysql_errno(c->mysql), mysql_error(c->mysql), "commit", report);
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
	if (c->mysql != NULL && (c->broken || mysql_rollback(c->mysql) != 0)) {
		sql_conn_close(c);
	}
}
