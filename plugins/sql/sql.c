/*
 * plugins/sql/sql.c - the sql sink: keeps tables of a target MySQL/MariaDB
 * equal to the source by applying every row event with prepared statements
 * (upsert on write/update, delete by key), exactly once: the last applied
 * source position is written to a state table in the same target
 * transaction as the rows, and events at or before it are skipped.
 *
 * This file holds the descriptor, the options, check/create/destroy and the
 * deliver loop (skipping, grouping consecutive rows into multi-row
 * statements, transaction boundaries). Statement text lives in sql_build.c,
 * parameter binding in sql_bind.c, the connection in sql_conn.c.
 * docs/sinks/sql.md documents the behaviour.
 *
 * Concurrency: check() and create() run on the main thread; deliver() only
 * on the instance's worker, never concurrently with itself; destroy() after
 * the worker stopped. No global mutable state.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <meepo/sink.h>

#include "sql_bind.h"
#include "sql_build.h"
#include "sql_conn.h"

/* Most rows in one multi-row upsert (a power of two). */
#define GROUP_ROWS 128u
/* Most keys in one DELETE .. IN (..) (a power of two). */
#define GROUP_DELETE_ROWS 512u
/* Most rows in one bulk execution (MariaDB). */
#define GROUP_BULK_ROWS 4096u
/* Most parameters in one statement (the protocol's limit). */
#define GROUP_PARAMS 65535u
/* A multi-row statement is sent once its parameters reach this many bytes. */
#define GROUP_BYTES (1u << 20)

static const struct meepo_option options[] = {
	{ "host", MEEPO_OPT_STRING, "127.0.0.1", "target server host", 0 },
	{ "port", MEEPO_OPT_INT, "3306", "target server TCP port", 0 },
	{ "user", MEEPO_OPT_STRING, "meepo", "user to log in as", 0 },
	{ "password_file", MEEPO_OPT_PATH, NULL, "file holding the password (trailing newline ignored)", 0 },
	{ "password_env", MEEPO_OPT_STRING, NULL, "environment variable holding the password", 0 },
	{ "socket", MEEPO_OPT_STRING, NULL, "unix socket path instead of host/port", 0 },
	{ "database", MEEPO_OPT_STRING, NULL, "target schema of every source schema (default: the same name)", 0 },
	{ "schema_map", MEEPO_OPT_LIST, NULL, "\"src:dst\" source schema to target schema", 0 },
	{ "tables", MEEPO_OPT_LIST, NULL, "\"[schema.]table:[schema.]table\" table renames", 0 },
	{ "batch_rows", MEEPO_OPT_INT, "1000",
	  "commit once a target transaction holds this many rows (whole source transactions)", 0 },
	{ "state_table", MEEPO_OPT_STRING, "meepo_state", "[schema.]table recording the applied position", 0 },
	{ "tls", MEEPO_OPT_BOOL, "false", "require TLS (implied by tls_ca and tls_cert)", 0 },
	{ "tls_ca", MEEPO_OPT_PATH, NULL, "CA certificates file", 0 },
	{ "tls_cert", MEEPO_OPT_PATH, NULL, "client certificate file", 0 },
	{ "tls_key", MEEPO_OPT_PATH, NULL, "client private key file", 0 },
	{ "tls_verify", MEEPO_OPT_BOOL, "true", "verify the server certificate and host name", 0 },
	{ NULL, 0, NULL, NULL, 0 },
};

/* Consecutive rows of one table that share a statement shape. */
struct sql_group {
	struct sql_target *target;          /* their table, NULL when empty */
	struct sql_shape shape;             /* their statement shape (nrows set per chunk) */
	struct sql_param *params;           /* parameters of one row of that shape */
	size_t nparams;                     /* number of params */
	size_t params_cap;                  /* entries allocated in params */
	const struct meepo_event **events;  /* the rows, in order */
	size_t count;                       /* rows held */
	size_t cap;                         /* entries allocated in events */
	size_t bytes;                       /* their parameter bytes, roughly */
	uint32_t max_rows;                  /* rows per statement, a power of two */
};

/* One sink instance. */
struct sql_instance {
	struct sql_settings settings;   /* immutable after create() */
	uint64_t batch_rows;            /* rows per target transaction */
	struct sql_conn conn;           /* the worker's connection */
	struct sql_shape shape;         /* scratch: the current step's shape */
	struct sql_group group;         /* rows waiting for a multi-row statement */
	const struct meepo_event *blamed; /* the event a failed deliver() step stopped at */
};

/* ---- options ---------------------------------------------------------------- */

static char *dup_or_null(const char *s)
{
	char *copy;

	if (s == NULL) {
		return NULL;
	}
	copy = strdup(s);
	if (copy == NULL) {
		abort();
	}
	return copy;
}

static void settings_free(struct sql_settings *s)
{
	free(s->instance);
	free(s->host);
	free(s->user);
	meepo_secret_free(s->password);
	free(s->socket);
	free(s->tls_ca);
	free(s->tls_cert);
	free(s->tls_key);
	free(s->state_schema);
	free(s->state_table);
	sql_names_free(&s->names);
	memset(s, 0, sizeof(*s));
}

/* Adds every item of LIST option `name` to s->names. */
static int parse_renames(const struct meepo_config *cfg, const char *name, bool is_table,
                         struct sql_settings *s, char *err, size_t errlen)
{
	size_t n = meepo_config_list_size(cfg, name);
	char msg[512];
	size_t i;

	for (i = 0; i < n; i++) {
		if (sql_names_add(&s->names, is_table, meepo_config_list_item(cfg, name, i),
		                  msg, sizeof(msg)) != 0) {
			snprintf(err, errlen, "%s: %s: %s", meepo_config_where(cfg, name), name, msg);
			return -1;
		}
	}
	return 0;
}

/* Splits the state_table option into s->state_schema and s->state_table. */
static int parse_state_table(const struct meepo_config *cfg, struct sql_settings *s,
                             char *err, size_t errlen)
{
	const char *text = meepo_config_string(cfg, "state_table");
	const char *dot = strchr(text, '.');

	if (dot == NULL) {
		if (s->names.database == NULL) {
			snprintf(err, errlen, "%s: state_table \"%s\" needs a schema (\"schema.%s\")"
			         " when database is not set", meepo_config_where(cfg, "state_table"), text, text);
			return -1;
		}
		s->state_schema = dup_or_null(s->names.database);
		s->state_table = dup_or_null(text);
	} else {
		s->state_schema = strndup(text, (size_t)(dot - text));
		s->state_table = dup_or_null(dot + 1);
		if (s->state_schema == NULL) {
			abort();
		}
	}
	if (s->state_schema[0] == '\0' || s->state_table[0] == '\0') {
		snprintf(err, errlen, "%s: state_table \"%s\": empty schema or table name",
		         meepo_config_where(cfg, "state_table"), text);
		return -1;
	}
	return 0;
}

/* Parses and checks every option except the password into s. */
static int settings_parse(const struct meepo_config *cfg, struct sql_settings *s,
                          char *err, size_t errlen)
{
	int64_t port = meepo_config_int(cfg, "port");
	int rc = -1;

	memset(s, 0, sizeof(*s));
	s->instance = dup_or_null(meepo_config_instance(cfg));
	s->host = dup_or_null(meepo_config_string(cfg, "host"));
	s->user = dup_or_null(meepo_config_string(cfg, "user"));
	s->socket = dup_or_null(meepo_config_string(cfg, "socket"));
	s->tls_ca = dup_or_null(meepo_config_string(cfg, "tls_ca"));
	s->tls_cert = dup_or_null(meepo_config_string(cfg, "tls_cert"));
	s->tls_key = dup_or_null(meepo_config_string(cfg, "tls_key"));
	s->tls_verify = meepo_config_bool(cfg, "tls_verify");
	s->tls = meepo_config_bool(cfg, "tls") || s->tls_ca != NULL || s->tls_cert != NULL;
	s->names.database = dup_or_null(meepo_config_string(cfg, "database"));
	if (port < 1 || port > 65535) {
		snprintf(err, errlen, "%s: port %lld is not in 1..65535", meepo_config_where(cfg, "port"),
		         (long long)port);
		goto out;
	}
	s->port = (int)port;
	if (meepo_config_int(cfg, "batch_rows") < 1) {
		snprintf(err, errlen, "%s: batch_rows must be at least 1", meepo_config_where(cfg, "batch_rows"));
		goto out;
	}
	if (meepo_config_is_set(cfg, "password_file") && meepo_config_is_set(cfg, "password_env")) {
		snprintf(err, errlen, "%s: set password_file or password_env, not both",
		         meepo_config_where(cfg, "password_env"));
		goto out;
	}
	if (s->tls_key != NULL && s->tls_cert == NULL) {
		snprintf(err, errlen, "%s: tls_key needs tls_cert", meepo_config_where(cfg, "tls_key"));
		goto out;
	}
	if (s->names.database != NULL && s->names.database[0] == '\0') {
		snprintf(err, errlen, "%s: database is empty", meepo_config_where(cfg, "database"));
		goto out;
	}
	if (parse_renames(cfg, "schema_map", false, s, err, errlen) != 0 ||
	    parse_renames(cfg, "tables", true, s, err, errlen) != 0 ||
	    parse_state_table(cfg, s, err, errlen) != 0) {
		goto out;
	}
	rc = 0;
out:
	if (rc != 0) {
		settings_free(s);
	}
	return rc;
}

static int sql_check(const struct meepo_config *cfg, char *err, size_t errlen)
{
	struct sql_settings s;

	if (settings_parse(cfg, &s, err, errlen) != 0) {
		return -1;
	}
	settings_free(&s);
	return 0;
}

/* ---- grouping ------------------------------------------------------------------ */

/* Returns the largest power of two <= n (n >= 1). */
static uint32_t floor_pow2(uint32_t n)
{
	uint32_t p = 1;

	while (p <= n / 2) {
		p *= 2;
	}
	return p;
}

/* Executes the group's rows, in chunks of power-of-two rows; empties it. */
static enum meepo_result group_flush(struct sql_instance *inst, struct meepo_report *report)
{
	struct sql_group *g = &inst->group;
	enum meepo_result result = MEEPO_OK;
	size_t done = 0;

	while (done < g->count && result == MEEPO_OK) {
		/* A bulk execution takes any number of rows; statements come in powers of two. */
		g->shape.nrows = sql_conn_bulk(&inst->conn, g->shape.kind)
		                         ? (uint32_t)(g->count - done)
		                         : floor_pow2((uint32_t)(g->count - done));
		result = sql_conn_exec(&inst->conn, g->target, &g->shape, g->events + done,
		                       &inst->blamed, report);
		done += g->shape.nrows;
	}
	g->count = 0;
	g->target = NULL;
	return result;
}

/* Adds a row to the group (of shape inst->shape), flushing as needed. */
static enum meepo_result group_add(struct sql_instance *inst, struct sql_target *target,
                                   const struct meepo_event *ev, struct meepo_report *report)
{
	struct sql_group *g = &inst->group;
	enum meepo_result result = MEEPO_OK;
	uint32_t limit;

	if (g->count > 0 && (g->target != target || !sql_shape_same(&g->shape, &inst->shape))) {
		result = group_flush(inst, report);
		if (result != MEEPO_OK) {
			return result;
		}
	}
	if (g->count == 0) {
		sql_shape_copy(&g->shape, &inst->shape);
		g->target = target;
		g->bytes = 0;
		g->nparams = sql_build_params(&g->shape, NULL);
		if (g->nparams > g->params_cap) {
			g->params = realloc(g->params, g->nparams * sizeof(*g->params));
			if (g->params == NULL) {
				abort();
			}
			g->params_cap = g->nparams;
		}
		sql_build_params(&g->shape, g->params);
		limit = (uint32_t)(GROUP_PARAMS / (g->nparams > 0 ? g->nparams : 1));
		if (g->shape.kind == SQL_DELETE) {
			limit = limit < GROUP_DELETE_ROWS ? limit : GROUP_DELETE_ROWS;
		} else {
			limit = limit < GROUP_ROWS ? limit : GROUP_ROWS;
		}
		g->max_rows = sql_conn_bulk(&inst->conn, g->shape.kind) ? GROUP_BULK_ROWS
		                                                        : floor_pow2(limit > 0 ? limit : 1);
	}
	if (g->count == g->cap) {
		g->cap = g->cap > 0 ? 2 * g->cap : GROUP_ROWS;
		g->events = realloc(g->events, g->cap * sizeof(*g->events));
		if (g->events == NULL) {
			abort();
		}
	}
	g->events[g->count++] = ev;
	g->bytes += sql_binds_row_bytes(g->params, g->nparams, ev);
	if (g->count >= g->max_rows || g->bytes >= GROUP_BYTES) {
		result = group_flush(inst, report);
	}
	return result;
}

/* Applies one event: its statements, grouped with their neighbours where possible. */
static enum meepo_result apply_event(struct sql_instance *inst, const struct meepo_event *ev,
                                     struct meepo_report *report)
{
	enum sql_kind kinds[2];
	size_t nsteps = sql_event_steps(ev, kinds);
	struct sql_target *target;
	enum meepo_result result = MEEPO_OK;
	char err[256];
	size_t i;

	/*
	 * Rows of another table definition go out first: looking the table up
	 * rebuilds its statements when the definition changed (ALTER TABLE).
	 */
	if (inst->group.count > 0 && inst->group.events[0]->table != ev->table) {
		result = group_flush(inst, report);
		if (result != MEEPO_OK) {
			return result;
		}
	}
	result = sql_conn_target(&inst->conn, ev, &target, report);
	if (result != MEEPO_OK) {
		inst->blamed = ev;
		return result;
	}
	for (i = 0; i < nsteps && result == MEEPO_OK; i++) {
		if (sql_shape_of(&inst->shape, kinds[i], ev, target->omit, err, sizeof(err)) != 0) {
			snprintf(report->reason, sizeof(report->reason), "%s.%s at %s:%llu: %s",
			         ev->table->schema, ev->table->name, ev->file,
			         (unsigned long long)ev->offset, err);
			inst->blamed = ev;
			return MEEPO_REJECT;
		}
		if (sql_kind_multirow(kinds[i])) {
			result = group_add(inst, target, ev, report);
			continue;
		}
		result = group_flush(inst, report);
		if (result == MEEPO_OK) {
			result = sql_conn_exec(&inst->conn, target, &inst->shape, &ev, &inst->blamed, report);
		}
	}
	return result;
}

/* Sends the pending rows and commits them with `last` as the applied position. */
static enum meepo_result commit(struct sql_instance *inst, const struct meepo_event *last,
                                struct meepo_report *report)
{
	enum meepo_result result = group_flush(inst, report);

	if (result == MEEPO_OK) {
		inst->blamed = last;
		result = sql_conn_commit(&inst->conn, last, report);
	}
	return result;
}

/* ---- the sink ----------------------------------------------------------------------- */

/*
 * Applies events [from, to) of the batch, committing whenever a source
 * transaction ends with batch_rows rows pending, and at `to`. *committed
 * moves past every event the target has for good (committed, or skipped as
 * applied before); *skipped counts the skipped ones.
 */
static enum meepo_result apply_range(struct sql_instance *inst, const struct meepo_batch *batch,
                                     size_t from, size_t to, size_t *committed, size_t *skipped,
                                     struct meepo_report *report)
{
	const struct meepo_event *last = NULL;
	enum meepo_result result = MEEPO_OK;
	uint64_t rows = 0;
	size_t i;

	for (i = from; i < to && result == MEEPO_OK; i++) {
		const struct meepo_event *ev = batch->events[i];

		if (sql_conn_is_applied(&inst->conn, ev)) {
			(*skipped)++;
		} else {
			result = apply_event(inst, ev, report);
			last = ev;
			rows++;
		}
		if (result == MEEPO_OK && ev->last && (rows >= inst->batch_rows || last == NULL)) {
			result = last != NULL ? commit(inst, last, report) : MEEPO_OK;
			*committed = i + 1;
			last = NULL;
			rows = 0;
		}
	}
	if (result == MEEPO_OK && last != NULL) {
		result = commit(inst, last, report);
	}
	if (result == MEEPO_OK) {
		*committed = to;
	}
	return result;
}

/*
 * After a REJECT: the failed target transaction was rolled back whole, so
 * applies again the source transactions of the batch from `committed` up to
 * the one holding the blamed event, leaving the target with everything
 * before the rejected transaction. Returns OK, or the result (and report)
 * of a new failure.
 */
static enum meepo_result apply_before_reject(struct sql_instance *inst, const struct meepo_batch *batch,
                                             size_t committed, struct meepo_report *report)
{
	const struct meepo_event *bad = inst->blamed;
	struct meepo_report again = { 0 };
	enum meepo_result result = MEEPO_OK;
	size_t skipped = 0;
	size_t end = committed;

	if (bad == NULL) {
		return MEEPO_OK;
	}
	/* Rows of one transaction are contiguous: find where the rejected one starts. */
	while (end < batch->count && (batch->events[end]->txn_offset != bad->txn_offset ||
	                              strcmp(batch->events[end]->file, bad->file) != 0)) {
		end++;
	}
	if (end > committed && end < batch->count) {
		result = apply_range(inst, batch, committed, end, &committed, &skipped, &again);
	}
	if (result != MEEPO_OK) {
		*report = again;
	}
	return result;
}

/* Drops the rows waiting in the group and rolls the target transaction back. */
static void abandon(struct sql_instance *inst)
{
	inst->group.count = 0;
	inst->group.target = NULL;
	sql_conn_rollback(&inst->conn);
}

static enum meepo_result sql_deliver(void *instance, const struct meepo_batch *batch,
                                     struct meepo_report *report)
{
	struct sql_instance *inst = instance;
	enum meepo_result result;
	size_t committed = 0;
	size_t skipped = 0;

	if (sql_conn_ensure(&inst->conn, report->reason, sizeof(report->reason)) != 0) {
		return MEEPO_RETRY;
	}
	inst->blamed = NULL;
	result = apply_range(inst, batch, 0, batch->count, &committed, &skipped, report);
	if (skipped > 0) {
		meepo_sink_log(MEEPO_LOG_INFO, "sql", inst->settings.instance,
		               "skipped %zu row event(s) the target already had (state table)", skipped);
	}
	if (result == MEEPO_OK) {
		return MEEPO_OK;
	}
	abandon(inst);
	if (result == MEEPO_REJECT) {
		enum meepo_result before = apply_before_reject(inst, batch, committed, report);

		if (before != MEEPO_OK) {
			abandon(inst);
			result = before;
		}
	}
	return result;
}

static void sql_destroy(void *instance)
{
	struct sql_instance *inst = instance;

	if (inst == NULL) {
		return;
	}
	sql_conn_free(&inst->conn);
	sql_shape_free(&inst->shape);
	sql_shape_free(&inst->group.shape);
	free(inst->group.params);
	free(inst->group.events);
	settings_free(&inst->settings);
	free(inst);
}

static int sql_create(const struct meepo_config *cfg, void **instance, char *err, size_t errlen)
{
	struct sql_instance *inst = calloc(1, sizeof(*inst));
	int rc = -1;

	*instance = NULL;
	if (inst == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (settings_parse(cfg, &inst->settings, err, errlen) != 0) {
		free(inst);
		return -1;
	}
	inst->batch_rows = (uint64_t)meepo_config_int(cfg, "batch_rows");
	sql_conn_init(&inst->conn, &inst->settings);
	if (meepo_config_secret(cfg, "password_file", "password_env", &inst->settings.password,
	                        err, errlen) != 0 ||
	    sql_conn_ensure(&inst->conn, err, errlen) != 0) {
		goto out;
	}
	if (inst->conn.applied) {
		meepo_sink_log(MEEPO_LOG_INFO, "sql", inst->settings.instance,
		               "target has everything up to %s:%llu row %u (state table %s.%s)",
		               inst->conn.applied_file, (unsigned long long)inst->conn.applied_offset,
		               inst->conn.applied_row, inst->settings.state_schema, inst->settings.state_table);
	}
	*instance = inst;
	rc = 0;
out:
	if (rc != 0) {
		sql_destroy(inst);
	}
	return rc;
}

MEEPO_SINK_EXPORT const struct meepo_sink meepo_sink = {
	MEEPO_SINK_HEADER,
	"sql",
	"1.0",
	"apply rows to a MySQL/MariaDB target with prepared statements, exactly once",
	options,
	sql_check,
	sql_create,
	sql_deliver,
	sql_destroy,
};
