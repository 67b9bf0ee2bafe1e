/*
 * plugins/sql/sql_conn.h - the sql sink's connection to the target: session
 * set-up, the state table (exactly-once position), per-table prepared
 * statement caches, statement execution and error classification
 * (implemented by sql_conn.c and sql_exec.c).
 *
 * A struct sql_conn is created with the instance and then used only by the
 * instance's worker (deliver); it is never shared between threads. When an
 * error makes the connection unusable it is closed and every prepared
 * statement dropped; the next sql_conn_ensure() reconnects, re-reads the
 * state table and statements are prepared again on first use.
 */
#ifndef MEEPO_SQL_CONN_H
#define MEEPO_SQL_CONN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <mysql.h>

#include <meepo/sink.h>

#include "sql_bind.h"
#include "sql_build.h"

/* How to reach the target; built by create() and immutable afterwards. */
struct sql_settings {
	char *instance;         /* sink instance name: the state table key, log prefix */
	char *host;             /* target host */
	int port;               /* target TCP port */
	char *user;             /* user to log in as */
	char *password;         /* its password, NULL for none; wiped on free */
	char *socket;           /* unix socket path, NULL = TCP */
	bool tls;               /* require TLS */
	char *tls_ca;           /* CA file, NULL = system default */
	char *tls_cert;         /* client certificate, NULL = none */
	char *tls_key;          /* its private key, NULL = none */
	bool tls_verify;        /* verify the server certificate and host name */
	char *state_schema;     /* schema of the state table */
	char *state_table;      /* name of the state table */
	struct sql_names names; /* source to target schema and table names */
};

/* One cached prepared statement of a target table. */
struct sql_stmt {
	struct sql_stmt *next;      /* next statement of the same table */
	struct sql_shape shape;     /* what it does (kind, rows, columns) */
	MYSQL_STMT *stmt;           /* prepared on the current connection */
	struct sql_param *params;   /* parameters of one row */
	size_t nparams;             /* number of params */
};

/* A target table and the statements prepared for it. */
struct sql_target {
	struct sql_target *next;    /* hash chain */
	char *src_schema;           /* source schema (lookup key) */
	char *src_table;            /* source table (lookup key) */
	const char *schema;         /* target schema (points into settings or src_schema) */
	const char *table;          /* target table (points into settings or src_table) */
	uint32_t ncolumns;          /* source columns the statements were built for */
	char **columns;             /* their names */
	uint32_t nkey;              /* primary key columns */
	uint32_t *key;              /* their indices */
	uint64_t *omit;             /* mask of columns the target generates (never written) */
	bool omit_known;            /* omit was read on the current connection */
	struct sql_stmt *stmts;     /* cached statements, most recent first */
	bool warned_nokey;          /* the missing primary key was logged */
};

/* Buckets of the target table hash. */
#define SQL_TARGET_BUCKETS 256u

/* The worker's connection state. */
struct sql_conn {
	const struct sql_settings *settings;    /* owned by the instance */
	MYSQL *mysql;                   /* NULL while disconnected */
	MYSQL_STMT *state_stmt;         /* prepared upsert of the state row */
	enum sql_flavor flavor;         /* MariaDB or MySQL, from the server version */
	bool bulk;                      /* the server takes MariaDB bulk executions */
	bool broken;                    /* an error made the connection unusable */
	struct sql_target *targets[SQL_TARGET_BUCKETS]; /* target tables by source name */
	struct sql_binds binds;         /* parameter storage */
	struct sql_shape single;        /* scratch shape for one-row retries */
	struct meepo_buf text;          /* scratch for statement text and messages */
	bool applied;                   /* the state table holds a position */
	char *applied_file;             /* its binlog file */
	uint64_t applied_offset;        /* its transaction offset */
	uint32_t applied_row;           /* its last applied row index */
};

/* Initialises c for `settings` (no connection yet). */
void sql_conn_init(struct sql_conn *c, const struct sql_settings *settings);

/*
 * Connects if disconnected: session settings, the state table (created if
 * missing) and the applied position read from it. Returns 0, or -1 with a
 * message in err.
 */
int sql_conn_ensure(struct sql_conn *c, char *err, size_t errlen);

/* Closes the connection and its statements (cached tables are kept). */
void sql_conn_close(struct sql_conn *c);

/* Closes the connection and frees everything c holds. */
void sql_conn_free(struct sql_conn *c);

/* True if the state table shows `event` as applied already. */
bool sql_conn_is_applied(const struct sql_conn *c, const struct meepo_event *event);

/*
 * Stores the target table of `event` in *target, (re)building its
 * statement cache when the source table changed and reading the target's
 * generated columns once per connection. Returns MEEPO_OK, or RETRY/REJECT
 * with report->reason (column names unknown, the lookup failed).
 */
enum meepo_result sql_conn_target(struct sql_conn *c, const struct meepo_event *event,
                                  struct sql_target **target, struct meepo_report *report);

/*
 * Executes the statement `shape` (shape->nrows rows) on `target` with rows
 * events[0..nrows). Returns MEEPO_OK, or RETRY/REJECT with report->reason
 * naming the table, the failing row's key, its position and the server's
 * message, and that row's event in *blamed; a multi-row statement that
 * fails for good is re-run row by row to find the row to blame.
 */
enum meepo_result sql_conn_exec(struct sql_conn *c, struct sql_target *target,
                                const struct sql_shape *shape,
                                const struct meepo_event *const *events,
                                const struct meepo_event **blamed,
                                struct meepo_report *report);

/*
 * True if several rows of statement `kind` go to the server as one bulk
 * execution (MariaDB array binding) rather than one multi-row statement:
 * upserts on a target that takes them (there the server inserts the rows
 * in one pass); a bulk DELETE would run once per row, slower than one
 * DELETE .. IN (..).
 */
bool sql_conn_bulk(const struct sql_conn *c, enum sql_kind kind);

/*
 * Records `last` (the last applied event) in the state table and commits.
 * Returns MEEPO_OK (the applied position moves to `last`) or RETRY/REJECT.
 */
enum meepo_result sql_conn_commit(struct sql_conn *c, const struct meepo_event *last,
                                  struct meepo_report *report);

/*
 * Rolls back the open transaction after a failure; closes the connection
 * when it is broken or the rollback fails.
 */
void sql_conn_rollback(struct sql_conn *c);

/* ---- internal to sql_conn.c and sql_exec.c ----------------------------- */

/*
 * Turns a server or client error into a result: RETRY (marking the
 * connection broken when it must be dropped) or REJECT, with "what: message
 * (errno N)" as the reason.
 */
enum meepo_result sql_conn_fail(struct sql_conn *c, unsigned int errnum, const char *message,
                                const char *what, struct meepo_report *report);

/* Drops every target table's prepared statements (the connection goes away). */
void sql_targets_close(struct sql_conn *c);

/* Frees every target table. */
void sql_targets_free(struct sql_conn *c);

#endif /* MEEPO_SQL_CONN_H */
