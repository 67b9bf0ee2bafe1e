/*
 * tests/integration/sql/test_sql_plugin.c - the sql sink's deliver() against
 * the real target MariaDB (MEEPO_TEST_TARGET_PORT), with batches built by
 * hand so that batch boundaries, positions and failures are exact:
 * exactly-once skipping across instances, split transactions, REJECT
 * reasons (missing table, data error pinpointed inside a multi-row
 * statement, duplicate key), transactions before a rejected one kept,
 * RETRY and reconnect after the connection is killed, the ENUM error value,
 * generated columns, and snapshot rows followed by live rows; some again with multi-row
 * statements instead of MariaDB bulk executions.
 *
 * The plugin's sources are compiled into this program; the meepo_config_*
 * accessors the core normally provides are implemented below over a list
 * of "key=value" strings and the plugin's own option defaults.
 *
 * Concurrency: single-threaded; is_parallel : false (shares the target).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <meepo/sink.h>

#include "harness.h"

/* The plugin's descriptor (plugins/sql/sql.c, compiled in). */
extern const struct meepo_sink meepo_sink;

/* Target schema of every test here. */
#define SCHEMA "sqlplug"

/* ---- a fake struct meepo_config ---------------------------------------------- */

struct meepo_config {
	const char *instance;           /* sink instance name */
	const char *const *settings;    /* "key=value" strings, NULL-terminated; LIST items split by '|' */
};

/* Returns the configured text of `option`, or NULL. */
static const char *setting(const struct meepo_config *cfg, const char *option)
{
	size_t n = strlen(option);
	size_t i;

	for (i = 0; cfg->settings[i] != NULL; i++) {
		if (strncmp(cfg->settings[i], option, n) == 0 && cfg->settings[i][n] == '=') {
			return cfg->settings[i] + n + 1;
		}
	}
	return NULL;
}

/* Returns the configured or default text of `option`; fails on an unknown one. */
static const char *value_of(const struct meepo_config *cfg, const char *option)
{
	const struct meepo_option *o;

	for (o = meepo_sink.options; o->name != NULL; o++) {
		if (strcmp(o->name, option) == 0) {
			const char *v = setting(cfg, option);

			return v != NULL ? v : o->default_value;
		}
	}
	fail_msg("the plugin asked for unknown option %s", option);
	return NULL;
}

const char *meepo_config_instance(const struct meepo_config *cfg)
{
	return cfg->instance;
}

bool meepo_config_is_set(const struct meepo_config *cfg, const char *option)
{
	value_of(cfg, option);
	return setting(cfg, option) != NULL;
}

const char *meepo_config_string(const struct meepo_config *cfg, const char *option)
{
	return value_of(cfg, option);
}

int64_t meepo_config_int(const struct meepo_config *cfg, const char *option)
{
	const char *v = value_of(cfg, option);

	return v != NULL ? strtoll(v, NULL, 10) : 0;
}

bool meepo_config_bool(const struct meepo_config *cfg, const char *option)
{
	const char *v = value_of(cfg, option);

	return v != NULL && strcmp(v, "true") == 0;
}

size_t meepo_config_list_size(const struct meepo_config *cfg, const char *option)
{
	const char *v = value_of(cfg, option);
	size_t n = 1;

	if (v == NULL || *v == '\0') {
		return 0;
	}
	for (; *v != '\0'; v++) {
		n += *v == '|';
	}
	return n;
}

const char *meepo_config_list_item(const struct meepo_config *cfg, const char *option, size_t i)
{
	static char item[256];
	const char *v = value_of(cfg, option);
	const char *end;

	for (; i > 0; i--) {
		v = strchr(v, '|') + 1;
	}
	end = strchr(v, '|');
	snprintf(item, sizeof(item), "%.*s", (int)(end != NULL ? (size_t)(end - v) : strlen(v)), v);
	return item;
}

const char *meepo_config_where(const struct meepo_config *cfg, const char *option)
{
	return "test.conf:1";
}

/* ---- fake source tables and events --------------------------------------------- */

static const uint32_t key0[] = { 0 };

/* src.users(id INT PRIMARY KEY, name VARCHAR(20)) */
static const struct meepo_column user_cols[] = {
	{ .name = "id", .type = MYSQL_TYPE_LONG },
	{ .name = "name", .type = MYSQL_TYPE_VARCHAR, .charset = 45 },
};
static const struct meepo_table users = {
	.schema = "src", .name = "users", .ncolumns = 2, .columns = user_cols, .nkey = 1, .key = key0,
};

/* src.nopk(a INT, b VARCHAR(20)), no primary key */
static const struct meepo_table nopk = {
	.schema = "src", .name = "nopk", .ncolumns = 2, .columns = user_cols,
};

/* src.narrow, src.uq, src.missing: (id, name) with a key, differing on the target */
static const struct meepo_table narrow = {
	.schema = "src", .name = "narrow", .ncolumns = 2, .columns = user_cols, .nkey = 1, .key = key0,
};
static const struct meepo_table uq = {
	.schema = "src", .name = "uq", .ncolumns = 2, .columns = user_cols, .nkey = 1, .key = key0,
};
static const struct meepo_table missing = {
	.schema = "src", .name = "missing", .ncolumns = 2, .columns = user_cols, .nkey = 1, .key = key0,
};

/* src.enums(id INT PRIMARY KEY, e ENUM('a','b')) */
static const struct meepo_column enum_cols[] = {
	{ .name = "id", .type = MYSQL_TYPE_LONG },
	{ .name = "e", .type = MYSQL_TYPE_ENUM },
};
static const struct meepo_table enums = {
	.schema = "src", .name = "enums", .ncolumns = 2, .columns = enum_cols, .nkey = 1, .key = key0,
};

/* src.gen(id INT PRIMARY KEY, name VARCHAR(20), up VARCHAR(20) AS (UPPER(name))) */
static const struct meepo_column gen_cols[] = {
	{ .name = "id", .type = MYSQL_TYPE_LONG },
	{ .name = "name", .type = MYSQL_TYPE_VARCHAR, .charset = 45 },
	{ .name = "up", .type = MYSQL_TYPE_VARCHAR, .charset = 45 },
};
static const struct meepo_table gen = {
	.schema = "src", .name = "gen", .ncolumns = 3, .columns = gen_cols, .nkey = 1, .key = key0,
};

/* Most events one test builds. */
#define MAX_EVENTS 64

/* A batch under construction: events, their images and the pointer array. */
struct batch {
	struct meepo_event ev[MAX_EVENTS];          /* the events */
	struct meepo_value img[MAX_EVENTS][2][3];   /* [event][before, after][column] */
	const struct meepo_event *ptr[MAX_EVENTS];  /* what deliver() sees */
	size_t count;                               /* events added */
	uint32_t row;                               /* row index inside the current transaction */
};

static struct meepo_value ival(int64_t i)
{
	struct meepo_value v = { .type = MEEPO_VALUE_INT };

	v.i = i;
	return v;
}

static struct meepo_value sval(const char *s)
{
	struct meepo_value v = { .type = MEEPO_VALUE_NULL };

	if (s != NULL) {
		v.type = MEEPO_VALUE_STRING;
		v.str.ptr = s;
		v.str.len = strlen(s);
		v.str.charset = 45;
	}
	return v;
}

static const struct meepo_value absent = { .type = MEEPO_VALUE_ABSENT };

/*
 * Adds an event to b: `action` on `t` in the transaction at file:txn, with
 * before/after rows of t->ncolumns values (NULL for none). `last` ends the
 * transaction.
 */
static void add(struct batch *b, const struct meepo_table *t, enum meepo_action action,
                const char *file, uint64_t txn, const struct meepo_value *before,
                const struct meepo_value *after, bool last)
{
	size_t i = b->count++;
	struct meepo_event *ev = &b->ev[i];

	assert_true(i < MAX_EVENTS);
	assert_true(t->ncolumns <= 3);
	memset(ev, 0, sizeof(*ev));
	ev->table = t;
	ev->action = action;
	if (before != NULL) {
		memcpy(b->img[i][0], before, t->ncolumns * sizeof(*before));
		ev->before = b->img[i][0];
	}
	if (after != NULL) {
		memcpy(b->img[i][1], after, t->ncolumns * sizeof(*after));
		ev->after = b->img[i][1];
	}
	ev->file = file;
	ev->txn_offset = txn;
	ev->offset = txn + 100 + b->row;
	ev->server_id = 7;
	ev->gtid = "0-7-1";
	ev->row_index = b->row++;
	ev->last = last;
	if (last) {
		b->row = 0;
	}
	b->ptr[i] = ev;
}

/* Adds a write of (id, name) as one row of the transaction at txn. */
static void add_write(struct batch *b, const struct meepo_table *t, const char *file, uint64_t txn,
                      int64_t id, const char *name, bool last)
{
	struct meepo_value row[2] = { ival(id), sval(name) };

	add(b, t, MEEPO_WRITE, file, txn, NULL, row, last);
}

/* Delivers events [from, from + n) of b. */
static enum meepo_result deliver(void *inst, struct batch *b, size_t from, size_t n,
                                 struct meepo_report *report)
{
	struct meepo_batch mb = { n, b->ptr + from };

	memset(report, 0, sizeof(*report));
	return meepo_sink.deliver(inst, &mb, report);
}

/* ---- set-up ---------------------------------------------------------------------- */

static const char *const default_settings[] = {
	NULL, /* port, filled in by setup */
	"user=meepo",
	"password_env=MEEPO_TEST_MYSQL_PASSWORD",
	"database=" SCHEMA,
	NULL,
};

/* "port=N" for default_settings. */
static char port_setting[32];

/* Creates an instance named `name` with the default settings. */
static void *create(const char *name)
{
	const char *settings[8];
	struct meepo_config cfg = { name, settings };
	char err[1024] = "";
	void *inst = NULL;
	size_t i;

	for (i = 0; i < 5; i++) {
		settings[i] = default_settings[i];
	}
	settings[0] = port_setting;
	assert_int_equal(meepo_sink.check(&cfg, err, sizeof(err)), 0);
	if (meepo_sink.create(&cfg, &inst, err, sizeof(err)) != 0) {
		fail_msg("create: %s", err);
	}
	return inst;
}

/* The target tables, fresh for every test. */
static int setup(void **state)
{
	MYSQL *t = harness_connect_target(NULL);

	snprintf(port_setting, sizeof(port_setting), "port=%d", harness_env()->target_port);
	harness_fresh_schema(t, SCHEMA);
	harness_sql(t, "USE " SCHEMA ";"
	               "CREATE TABLE users (id INT PRIMARY KEY, name VARCHAR(20));"
	               "CREATE TABLE nopk (id INT, name VARCHAR(20));"
	               "CREATE TABLE narrow (id INT PRIMARY KEY, name VARCHAR(3));"
	               "CREATE TABLE uq (id INT PRIMARY KEY, name VARCHAR(20), UNIQUE KEY (name));"
	               "CREATE TABLE enums (id INT PRIMARY KEY, e ENUM('a', 'b'));"
	               "CREATE TABLE gen (id INT PRIMARY KEY, name VARCHAR(20),"
	               " up VARCHAR(20) AS (UPPER(name)) VIRTUAL)");
	*state = t;
	return 0;
}

static int teardown(void **state)
{
	mysql_close(*state);
	return 0;
}

/*
 * The same tables, with the target logging statements: MariaDB refuses
 * bulk executions then, so the sink sends multi-row statements (the path
 * MySQL targets take).
 */
static int setup_statement_binlog(void **state)
{
	setup(state);
	harness_sql(*state, "SET GLOBAL binlog_format = 'STATEMENT'");
	return 0;
}

static int teardown_statement_binlog(void **state)
{
	harness_sql(*state, "SET GLOBAL binlog_format = 'ROW'");
	return teardown(state);
}

/* ---- tests ------------------------------------------------------------------------- */

/* Applies a mixed batch, then a second instance skips all of it via the state table. */
static void test_apply_then_skip(void **state)
{
	MYSQL *t = *state;
	struct batch b = { 0 };
	struct meepo_report report;
	struct meepo_value old4[2] = { ival(4), sval("d") };
	struct meepo_value new4[2] = { ival(40), sval("d") };
	struct meepo_value old2[2] = { ival(2), sval("b") };
	struct meepo_value new2[2] = { ival(2), sval("bee") };
	struct meepo_value row3[2] = { ival(3), sval(NULL) };
	struct meepo_value dup[2] = { ival(1), sval("same") };
	void *inst;
	char *text;
	int id;

	for (id = 1; id <= 5; id++) {
		static const char *const names[] = { "a", "b", NULL, "d", "e" };

		add_write(&b, &users, "mysql-bin.000001", 100, id, names[id - 1], id == 5);
	}
	add(&b, &users, MEEPO_UPDATE, "mysql-bin.000001", 500, old2, new2, false);
	add(&b, &users, MEEPO_DELETE, "mysql-bin.000001", 500, row3, NULL, false);
	add(&b, &users, MEEPO_UPDATE, "mysql-bin.000001", 500, old4, new4, false);
	add(&b, &nopk, MEEPO_WRITE, "mysql-bin.000001", 500, NULL, dup, false);
	add(&b, &nopk, MEEPO_WRITE, "mysql-bin.000001", 500, NULL, dup, true);
	add_write(&b, &users, "mysql-bin.000002", 4, 6, "f", true);

	inst = create("plug1");
	assert_int_equal(deliver(inst, &b, 0, b.count, &report), MEEPO_OK);
	meepo_sink.destroy(inst);
	text = harness_query(t, "SELECT * FROM users ORDER BY id");
	harness_assert_text(text, "1\ta\n2\tbee\n5\te\n6\tf\n40\td\n");
	free(text);
	text = harness_query(t, "SELECT sink, file, `offset`, row_index, gtid, server_id FROM meepo_state");
	harness_assert_text(text, "plug1\tmysql-bin.000002\t4\t0\t0-7-1\t7\n");
	free(text);

	/* A new instance reads the state table and skips everything. */
	inst = create("plug1");
	assert_int_equal(deliver(inst, &b, 0, b.count, &report), MEEPO_OK);
	meepo_sink.destroy(inst);
	text = harness_query(t, "SELECT * FROM nopk");
	harness_assert_text(text, "1\tsame\n1\tsame\n");
	free(text);

	/* Another sink name has its own row: it applies everything again (idempotent upserts). */
	harness_sql(t, "DELETE FROM nopk");
	inst = create("plug1-other");
	assert_int_equal(deliver(inst, &b, 0, b.count, &report), MEEPO_OK);
	meepo_sink.destroy(inst);
	text = harness_query(t, "SELECT * FROM users ORDER BY id");
	harness_assert_text(text, "1\ta\n2\tbee\n5\te\n6\tf\n40\td\n");
	free(text);
	text = harness_query(t, "SELECT COUNT(*) FROM meepo_state");
	harness_assert_text(text, "2\n");
	free(text);
}

/* A transaction split across batches is committed in parts, each part exactly once. */
static void test_split_transaction(void **state)
{
	MYSQL *t = *state;
	struct batch b = { 0 };
	struct meepo_report report;
	void *inst;
	char *text;

	add_write(&b, &nopk, "mysql-bin.000003", 900, 1, "x1", false);
	add_write(&b, &nopk, "mysql-bin.000003", 900, 2, "x2", false);
	add_write(&b, &nopk, "mysql-bin.000003", 900, 3, "x3", true);
	inst = create("plug2");
	assert_int_equal(deliver(inst, &b, 0, 2, &report), MEEPO_OK);
	meepo_sink.destroy(inst);
	text = harness_query(t, "SELECT sink, file, `offset`, row_index FROM meepo_state");
	harness_assert_text(text, "plug2\tmysql-bin.000003\t900\t1\n");
	free(text);
	/* After a restart the core delivers the whole transaction again. */
	inst = create("plug2");
	assert_int_equal(deliver(inst, &b, 0, 3, &report), MEEPO_OK);
	meepo_sink.destroy(inst);
	text = harness_query(t, "SELECT * FROM nopk ORDER BY id");
	harness_assert_text(text, "1\tx1\n2\tx2\n3\tx3\n");
	free(text);
}

/* A missing target table is REJECTed; the transactions before it stay applied. */
static void test_reject_missing_table(void **state)
{
	MYSQL *t = *state;
	struct batch b = { 0 };
	struct meepo_report report;
	void *inst;
	char *text;

	add_write(&b, &users, "mysql-bin.000004", 100, 1, "kept", true);
	add_write(&b, &users, "mysql-bin.000004", 200, 2, "kept too", true);
	add_write(&b, &users, "mysql-bin.000004", 300, 3, "lost", false);
	add_write(&b, &missing, "mysql-bin.000004", 300, 1, "x", true);
	add_write(&b, &users, "mysql-bin.000004", 400, 4, "after", true);
	inst = create("plug3");
	assert_int_equal(deliver(inst, &b, 0, b.count, &report), MEEPO_REJECT);
	assert_string_equal(report.reason,
	                    "target table sqlplug.missing does not exist; create it with the source's"
	                    " SHOW CREATE TABLE (errno 1146)");
	text = harness_query(t, "SELECT * FROM users ORDER BY id");
	harness_assert_text(text, "1\tkept\n2\tkept too\n");
	free(text);
	text = harness_query(t, "SELECT file, `offset`, row_index FROM meepo_state WHERE sink = 'plug3'");
	harness_assert_text(text, "mysql-bin.000004\t200\t0\n");
	free(text);
	/* The instance is still usable afterwards. */
	assert_int_equal(deliver(inst, &b, 4, 1, &report), MEEPO_OK);
	meepo_sink.destroy(inst);
	text = harness_query(t, "SELECT COUNT(*) FROM users");
	harness_assert_text(text, "3\n");
	free(text);
}

/* A data error inside a multi-row statement names the row that caused it. */
static void test_reject_data_error(void **state)
{
	MYSQL *t = *state;
	struct batch b = { 0 };
	struct meepo_report report;
	void *inst;
	char *text;

	add_write(&b, &narrow, "mysql-bin.000005", 100, 1, "ok", false);
	add_write(&b, &narrow, "mysql-bin.000005", 100, 2, "ok", false);
	add_write(&b, &narrow, "mysql-bin.000005", 100, 3, "too long", false);
	add_write(&b, &narrow, "mysql-bin.000005", 100, 4, "ok", true);
	inst = create("plug4");
	assert_int_equal(deliver(inst, &b, 0, b.count, &report), MEEPO_REJECT);
	meepo_sink.destroy(inst);
	assert_string_equal(report.reason,
	                    "sqlplug.narrow key (id=3) at mysql-bin.000005:202: Data too long for column"
	                    " 'name' at row 1 (errno 1406)");
	text = harness_query(t, "SELECT COUNT(*) FROM narrow");
	harness_assert_text(text, "0\n");
	free(text);
}

/* A duplicate key on the target (a unique key the source lacks) is REJECTed with the key. */
static void test_reject_duplicate(void **state)
{
	struct batch b = { 0 };
	struct meepo_report report;
	struct meepo_value before[2] = { ival(2), absent };
	struct meepo_value after[2] = { absent, sval("x") };
	void *inst;

	(void)state;
	add_write(&b, &uq, "mysql-bin.000006", 100, 1, "x", false);
	add_write(&b, &uq, "mysql-bin.000006", 100, 2, "y", true);
	/* A MINIMAL update: only the changed column. */
	add(&b, &uq, MEEPO_UPDATE, "mysql-bin.000006", 300, before, after, true);
	inst = create("plug5");
	assert_int_equal(deliver(inst, &b, 0, b.count, &report), MEEPO_REJECT);
	meepo_sink.destroy(inst);
	assert_string_equal(report.reason,
	                    "sqlplug.uq key (id=2) at mysql-bin.000006:400: Duplicate entry 'x' for key"
	                    " 'name' (errno 1062)");
}

/* A killed connection is RETRY; the next call reconnects and applies. */
static void test_retry_after_kill(void **state)
{
	MYSQL *t = *state;
	struct batch b = { 0 };
	struct meepo_report report;
	void *inst;
	char *ids;
	char *line;
	char *text;

	add_write(&b, &users, "mysql-bin.000007", 100, 1, "one", true);
	add_write(&b, &users, "mysql-bin.000007", 200, 2, "two", true);
	inst = create("plug6");
	assert_int_equal(deliver(inst, &b, 0, 1, &report), MEEPO_OK);
	/* Kill every other connection of this test program's user: the plugin's. */
	ids = harness_query(t, "SELECT id FROM information_schema.processlist WHERE user = 'meepo'"
	                       " AND id <> CONNECTION_ID() AND command <> 'Binlog Dump'");
	for (line = strtok(ids, "\n"); line != NULL; line = strtok(NULL, "\n")) {
		harness_sql(t, "KILL CONNECTION %s", line);
	}
	free(ids);
	assert_int_equal(deliver(inst, &b, 1, 1, &report), MEEPO_RETRY);
	assert_non_null(strstr(report.reason, "; reconnecting"));
	assert_int_equal(deliver(inst, &b, 1, 1, &report), MEEPO_OK);
	meepo_sink.destroy(inst);
	text = harness_query(t, "SELECT * FROM users ORDER BY id");
	harness_assert_text(text, "1\tone\n2\ttwo\n");
	free(text);
}

/* The ENUM '' error value (index 0) is stored as the source has it, despite strict mode. */
static void test_enum_error_value(void **state)
{
	MYSQL *t = *state;
	struct batch b = { 0 };
	struct meepo_report report;
	struct meepo_value bad[2] = { ival(1), { .type = MEEPO_VALUE_ENUM } };
	struct meepo_value good[2] = { ival(2), { .type = MEEPO_VALUE_ENUM } };
	void *inst;
	char *text;

	good[1].enumset.bits = 2;
	add(&b, &enums, MEEPO_WRITE, "mysql-bin.000008", 100, NULL, bad, false);
	add(&b, &enums, MEEPO_WRITE, "mysql-bin.000008", 100, NULL, good, true);
	inst = create("plug7");
	assert_int_equal(deliver(inst, &b, 0, b.count, &report), MEEPO_OK);
	meepo_sink.destroy(inst);
	text = harness_query(t, "SELECT id, e, e + 0 FROM enums ORDER BY id");
	harness_assert_text(text, "1\t\t0\n2\tb\t2\n");
	free(text);
}

/* Columns the target generates are not written; the target computes them. */
static void test_generated_columns(void **state)
{
	MYSQL *t = *state;
	struct batch b = { 0 };
	struct meepo_report report;
	struct meepo_value one[3] = { ival(1), sval("abc"), sval("ABC") };
	struct meepo_value two[3] = { ival(2), sval("def"), sval("DEF") };
	struct meepo_value one_new[3] = { ival(1), sval("xyz"), sval("XYZ") };
	void *inst;
	char *text;

	add(&b, &gen, MEEPO_WRITE, "mysql-bin.000010", 100, NULL, one, false);
	add(&b, &gen, MEEPO_WRITE, "mysql-bin.000010", 100, NULL, two, true);
	add(&b, &gen, MEEPO_UPDATE, "mysql-bin.000010", 200, one, one_new, true);
	inst = create("plug9");
	assert_int_equal(deliver(inst, &b, 0, b.count, &report), MEEPO_OK);
	meepo_sink.destroy(inst);
	text = harness_query(t, "SELECT * FROM gen ORDER BY id");
	harness_assert_text(text, "1\txyz\tXYZ\n2\tdef\tDEF\n");
	free(text);
}

/*
 * 100 updates of different column sets need 100 statements: more than a
 * table keeps prepared, so the least recently used are closed on the way.
 */
static void test_many_statements(void **state)
{
	static const struct meepo_column cols[8] = {
		{ .name = "id" }, { .name = "c1" }, { .name = "c2" }, { .name = "c3" },
		{ .name = "c4" }, { .name = "c5" }, { .name = "c6" }, { .name = "c7" },
	};
	static const struct meepo_table wide = {
		.schema = "src", .name = "wide", .ncolumns = 8, .columns = cols, .nkey = 1, .key = key0,
	};
	static struct meepo_value before[8];
	static struct meepo_value after[101][8];
	static struct meepo_event ev[101];
	static const struct meepo_event *ptr[101];
	struct meepo_batch mb = { 101, ptr };
	struct meepo_report report = { 0 };
	int64_t expect[8] = { 1, 0, 0, 0, 0, 0, 0, 0 };
	char *want;
	char *text;
	void *inst;
	int k;
	int c;

	harness_sql(*state, "CREATE TABLE wide (id INT PRIMARY KEY, c1 INT, c2 INT, c3 INT, c4 INT,"
	                    " c5 INT, c6 INT, c7 INT)");
	before[0] = ival(1);
	for (c = 1; c < 8; c++) {
		before[c] = absent;
		after[0][c] = ival(0);
	}
	after[0][0] = ival(1);
	for (k = 0; k <= 100; k++) {
		for (c = 1; k > 0 && c < 8; c++) {
			/* Update k sets the columns of the bits of k (1..100), to k. */
			after[k][c] = (k >> (c - 1)) & 1 ? ival(k) : absent;
			expect[c] = (k >> (c - 1)) & 1 ? k : expect[c];
		}
		after[k][0] = absent;
		if (k == 0) {
			after[k][0] = ival(1);
		}
		ev[k] = (struct meepo_event){
			.table = &wide, .action = k == 0 ? MEEPO_WRITE : MEEPO_UPDATE,
			.before = k == 0 ? NULL : before, .after = after[k], .file = "mysql-bin.000011",
			.txn_offset = 100 + (uint64_t)k * 100, .offset = 150 + (uint64_t)k * 100,
			.server_id = 7, .last = true,
		};
		ptr[k] = &ev[k];
	}
	inst = create("plug10");
	assert_int_equal(meepo_sink.deliver(inst, &mb, &report), MEEPO_OK);
	meepo_sink.destroy(inst);
	want = harness_printf("%lld\t%lld\t%lld\t%lld\t%lld\t%lld\t%lld\t%lld\n", (long long)expect[0],
	                      (long long)expect[1], (long long)expect[2], (long long)expect[3],
	                      (long long)expect[4], (long long)expect[5], (long long)expect[6],
	                      (long long)expect[7]);
	text = harness_query(*state, "SELECT * FROM wide");
	harness_assert_text(text, want);
	free(text);
	free(want);
}

/*
 * Snapshot rows carry the snapshot's binlog file and position - 1 as their
 * transaction offset and a running row index; live rows from that position
 * follow. Re-delivering the snapshot after the live rows changes nothing.
 */
static void test_snapshot_then_live(void **state)
{
	MYSQL *t = *state;
	struct batch b = { 0 };
	struct meepo_report report;
	struct meepo_value old1[2] = { ival(1), sval("snap") };
	struct meepo_value new1[2] = { ival(1), sval("live") };
	void *inst;
	char *text;

	add_write(&b, &users, "mysql-bin.000009", 4999, 1, "snap", false);
	add_write(&b, &users, "mysql-bin.000009", 4999, 2, "snap", true);
	add(&b, &users, MEEPO_UPDATE, "mysql-bin.000009", 5000, old1, new1, true);
	inst = create("plug8");
	assert_int_equal(deliver(inst, &b, 0, 2, &report), MEEPO_OK);
	assert_int_equal(deliver(inst, &b, 2, 1, &report), MEEPO_OK);
	assert_int_equal(deliver(inst, &b, 0, 2, &report), MEEPO_OK);
	meepo_sink.destroy(inst);
	text = harness_query(t, "SELECT * FROM users ORDER BY id");
	harness_assert_text(text, "1\tlive\n2\tsnap\n");
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_apply_then_skip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_split_transaction, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reject_missing_table, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reject_data_error, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reject_duplicate, setup, teardown),
		cmocka_unit_test_setup_teardown(test_retry_after_kill, setup, teardown),
		cmocka_unit_test_setup_teardown(test_enum_error_value, setup, teardown),
		cmocka_unit_test_setup_teardown(test_snapshot_then_live, setup, teardown),
		cmocka_unit_test_setup_teardown(test_generated_columns, setup, teardown),
		cmocka_unit_test_setup_teardown(test_many_statements, setup, teardown),
		cmocka_unit_test_setup_teardown(test_apply_then_skip, setup_statement_binlog,
		                                teardown_statement_binlog),
		cmocka_unit_test_setup_teardown(test_reject_data_error, setup_statement_binlog,
		                                teardown_statement_binlog),
		cmocka_unit_test_setup_teardown(test_enum_error_value, setup_statement_binlog,
		                                teardown_statement_binlog),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
