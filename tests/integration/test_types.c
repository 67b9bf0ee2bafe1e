/*
 * tests/integration/test_types.c - the column-type conformance suite: every
 * column type of issue 3 written to the real MariaDB with edge values, then
 * meepo's JSON events (print sink, format "json") compared field by field
 * with what the server's SELECT returns for the same rows (session time
 * zone UTC), from the live source and from the binlog file.
 *
 * How: the cases (types_cases.c) run on one connection with sql_mode '';
 * around each step a second connection SELECTs the rows the step changes
 * (before for updates and deletes, after for inserts and updates), with
 * every column named (invisible ones too) and FLOAT widened to DOUBLE so
 * its exact value shows. The binlog is rotated before and after, so the
 * whole run is one file. meepo then reads it twice - following the server
 * from the recorded position with --exit-at-end, and with --binlog FILE -
 * and every event must match its expectation: database, table, type,
 * commit flag, position, GTID, server id, the key and its columns, `data`
 * (exactly the logged columns, in table order) and `old` (exactly the
 * logged columns whose value changed). Values follow docs/events.md's
 * mapping (types_check.c). All mismatches are listed before the test fails,
 * and the number of values compared per column type is printed.
 *
 * Concurrency: single-threaded; registered is_parallel : false because it
 * rotates the shared server's binlog.
 */
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "harness.h"
#include "json_lite.h"
#include "types.h"

/* The schema the suite works in. */
#define SCHEMA "meepo_types"
/* Seconds one meepo run may take. */
#define RUN_TIMEOUT 240
/* Mismatches printed in full before the test fails. */
#define MAX_PRINTED 60

/* One row as SELECT returned it. */
struct row {
	char **values;      /* one per column, NULL for SQL NULL; malloc'ed copies */
	size_t *lens;       /* their lengths */
};

/* A table of the suite, as information_schema describes it. */
struct table_info {
	const struct types_case *tcase;     /* the case it belongs to */
	size_t ncols;                       /* columns, invisible ones included */
	struct types_column *cols;          /* ncols columns in table order */
	size_t nkey;                        /* primary key columns, 0 without a key */
	size_t *key;                        /* their column indices, in key order */
	char *select;                       /* "SELECT <every column> FROM `t`" */
	char *order;                        /* " ORDER BY <key>", or "" without a key */
};

/* One event meepo must write. */
struct expect {
	const struct table_info *table;     /* its table */
	const struct types_step *step;      /* the step that wrote it */
	size_t step_no;                     /* global step number (one transaction each) */
	enum types_action action;           /* insert, update or delete */
	struct row before;                  /* update, delete: the row before the step */
	struct row after;                   /* insert, update: the row after it */
	bool *before_has;                   /* columns in the before image */
	bool *after_has;                    /* columns in the after image */
	bool last;                          /* last row of its step (transaction) */
};

/* Everything the tests share: written by test_write_rows, read by the others. */
struct suite {
	bool ready;                         /* the SQL ran and the expectations are complete */
	struct types_cases cases;           /* the cases */
	size_t ntables;                     /* tables (one per case) */
	struct table_info *tables;          /* ntables tables */
	size_t nexpect;                     /* expected events */
	struct expect *expect;              /* nexpect events, in binlog order */
	char file[256];                     /* the binlog file that holds them */
	uint64_t pos;                       /* where the SQL starts in it */
	char *server_id;                    /* @@server_id as text */
	time_t started;                     /* clock before the SQL */
	time_t finished;                    /* clock after it */
	char *live_output;                  /* meepo's output following the server */
	char *file_output;                  /* meepo's output reading the file */
};

static struct suite suite;

/* Mismatches found while comparing one output. */
struct report {
	const char *mode;       /* "live" or "file" */
	size_t count;           /* mismatches */
	size_t events;          /* events compared */
	struct types_counts by_type;    /* values compared per column type label */
	struct types_counts by_family;  /* values compared per coarse type */
};

static void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n == 0 ? 1 : n, size);

	if (p == NULL) {
		fail_msg("out of memory");
	}
	return p;
}

/* ---- reading the server -------------------------------------------------- */

static MYSQL *connect_utf8(void)
{
	MYSQL *conn = harness_connect_source(NULL);

	if (mysql_set_character_set(conn, "utf8mb4") != 0) {
		fail_msg("SET NAMES utf8mb4: %s", mysql_error(conn));
	}
	return conn;
}

/*
 * Runs a query and returns its rows (each with ncols values); fails the
 * test on an error or a different column count.
 */
static struct row *select_rows(MYSQL *conn, const char *sql, size_t ncols, size_t *nrows)
{
	struct row *rows = NULL;
	unsigned long *lengths;
	MYSQL_RES *res;
	MYSQL_ROW r;
	size_t n = 0;
	size_t i;

	if (mysql_real_query(conn, sql, strlen(sql)) != 0) {
		fail_msg("SQL error %u (%s) in: %.500s", mysql_errno(conn), mysql_error(conn), sql);
	}
	res = mysql_store_result(conn);
	if (res == NULL || mysql_num_fields(res) != ncols) {
		fail_msg("query returned no result set of %zu columns: %.500s", ncols, sql);
	}
	rows = xcalloc(mysql_num_rows(res) + 1, sizeof(*rows));
	while ((r = mysql_fetch_row(res)) != NULL) {
		lengths = mysql_fetch_lengths(res);
		rows[n].values = xcalloc(ncols, sizeof(char *));
		rows[n].lens = xcalloc(ncols, sizeof(size_t));
		for (i = 0; i < ncols; i++) {
			if (r[i] != NULL) {
				rows[n].values[i] = xcalloc(lengths[i] + 1, 1);
				memcpy(rows[n].values[i], r[i], lengths[i]);
				rows[n].lens[i] = lengths[i];
			}
		}
		n++;
	}
	mysql_free_result(res);
	*nrows = n;
	return rows;
}

static void row_free(struct row *row, size_t ncols)
{
	size_t i;

	if (row->values != NULL) {
		for (i = 0; i < ncols; i++) {
			free(row->values[i]);
		}
	}
	free(row->values);
	free(row->lens);
}

/* Returns the single text value of a query (e.g. SELECT @@server_id). */
static char *select_text(MYSQL *conn, const char *sql)
{
	size_t n;
	struct row *rows = select_rows(conn, sql, 1, &n);
	char *text;

	if (n != 1 || rows[0].values[0] == NULL) {
		fail_msg("%s returned %zu rows", sql, n);
	}
	text = rows[0].values[0];
	rows[0].values[0] = NULL;
	row_free(&rows[0], 1);
	free(rows);
	return text;
}

/* "tinyint(4) unsigned" -> "tinyint unsigned": display widths say nothing here. */
static char *type_label(const char *data_type, const char *column_type, const char *charset,
                        const char *extra, bool is_json)
{
	static const char *const ints[] = { "tinyint", "smallint", "mediumint", "int", "bigint" };
	const char *paren = strchr(column_type, '(');
	char *base;
	char *label;
	size_t i;

	base = harness_printf("%s", column_type);
	for (i = 0; i < sizeof(ints) / sizeof(ints[0]); i++) {
		if (strcmp(data_type, ints[i]) == 0 && paren != NULL) {
			free(base);
			base = harness_printf("%s%s", data_type, strstr(column_type, "unsigned") ? " unsigned" : "");
		}
	}
	if (strcmp(data_type, "enum") == 0 || strcmp(data_type, "set") == 0) {
		size_t members = 1;

		for (i = 0; column_type[i] != '\0'; i++) {
			members += column_type[i] == ',' && column_type[i - 1] == '\'';
		}
		free(base);
		base = harness_printf("%s (%zu members)", data_type, members);
	}
	label = harness_printf("%s%s%s%s%s%s", is_json ? "json" : base,
	                       charset != NULL && !is_json ? " " : "",
	                       charset != NULL && !is_json ? charset : "",
	                       strstr(extra, "VIRTUAL") ? " virtual" : "",
	                       strstr(extra, "STORED") ? " stored" : "",
	                       strstr(extra, "INVISIBLE") ? " invisible" : "");
	free(base);
	return label;
}

/* Reads a table's columns and key from information_schema. */
static void load_table(MYSQL *conn, const struct types_case *c, struct table_info *t)
{
	char *sql = harness_printf(
		"SELECT c.COLUMN_NAME, c.DATA_TYPE, c.COLUMN_TYPE, c.CHARACTER_SET_NAME, c.EXTRA, "
		"(SELECT COUNT(*) FROM information_schema.CHECK_CONSTRAINTS k WHERE "
		"k.CONSTRAINT_SCHEMA = c.TABLE_SCHEMA AND k.TABLE_NAME = c.TABLE_NAME AND "
		"k.CHECK_CLAUSE = CONCAT('json_valid(`', c.COLUMN_NAME, '`)')) "
		"FROM information_schema.COLUMNS c WHERE c.TABLE_SCHEMA = '%s' AND "
		"c.TABLE_NAME = '%s' ORDER BY c.ORDINAL_POSITION",
		SCHEMA, c->table);
	struct row *rows;
	struct row *keys;
	FILE *list;
	char *select_list = NULL;
	size_t select_len = 0;
	size_t nkeys;
	size_t i;
	size_t k;

	rows = select_rows(conn, sql, 6, &t->ncols);
	free(sql);
	t->tcase = c;
	t->cols = xcalloc(t->ncols, sizeof(*t->cols));
	list = open_memstream(&select_list, &select_len);
	assert_non_null(list);
	for (i = 0; i < t->ncols; i++) {
		struct types_column *col = &t->cols[i];
		const char *data_type = rows[i].values[1];
		bool is_json = strcmp(rows[i].values[5], "0") != 0;

		col->name = harness_printf("%s", rows[i].values[0]);
		if (!types_kind_of(data_type, &col->kind)) {
			fail_msg("%s.%s: the suite does not know type %s", c->table, col->name, data_type);
		}
		col->label = type_label(data_type, rows[i].values[2], rows[i].values[3],
		                        rows[i].values[4], is_json);
		col->family = harness_printf("%s%s", is_json ? "json" : data_type,
		                             strstr(rows[i].values[2], "unsigned") ? " unsigned" : "");
		col->select = harness_printf(col->kind == KIND_FLOAT ? "CAST(`%s` AS DOUBLE)" : "`%s`",
		                             col->name);
		fprintf(list, "%s%s", i > 0 ? ", " : "", col->select);
		row_free(&rows[i], 6);
	}
	free(rows);
	fclose(list);
	t->select = harness_printf("SELECT %s FROM `%s`.`%s`", select_list, SCHEMA, c->table);
	free(select_list);

	sql = harness_printf("SELECT COLUMN_NAME FROM information_schema.KEY_COLUMN_USAGE WHERE "
	                     "TABLE_SCHEMA = '%s' AND TABLE_NAME = '%s' AND CONSTRAINT_NAME = "
	                     "'PRIMARY' ORDER BY ORDINAL_POSITION",
	                     SCHEMA, c->table);
	keys = select_rows(conn, sql, 1, &nkeys);
	free(sql);
	t->nkey = nkeys;
	t->key = xcalloc(nkeys, sizeof(*t->key));
	list = open_memstream(&select_list, &select_len);
	assert_non_null(list);
	for (k = 0; k < nkeys; k++) {
		for (i = 0; i < t->ncols && strcmp(t->cols[i].name, keys[k].values[0]) != 0; i++) {
		}
		t->key[k] = i;
		fprintf(list, "%s`%s`", k > 0 ? ", " : " ORDER BY ", keys[k].values[0]);
		row_free(&keys[k], 1);
	}
	free(keys);
	fclose(list);
	t->order = select_list;
}

static void table_free(struct table_info *t)
{
	size_t i;

	for (i = 0; i < t->ncols; i++) {
		free(t->cols[i].name);
		free(t->cols[i].label);
		free(t->cols[i].family);
		free(t->cols[i].select);
	}
	free(t->cols);
	free(t->key);
	free(t->select);
	free(t->order);
}

/* ---- running the cases ----------------------------------------------------- */

/* Column presence from a "a,b" list (NULL: every column). */
static bool *presence(const struct table_info *t, const char *list)
{
	bool *has = xcalloc(t->ncols, sizeof(bool));
	char *copy;
	char *name;
	char *save = NULL;
	size_t i;

	if (list == NULL) {
		for (i = 0; i < t->ncols; i++) {
			has[i] = true;
		}
		return has;
	}
	copy = harness_printf("%s", list);
	for (name = strtok_r(copy, ",", &save); name != NULL; name = strtok_r(NULL, ",", &save)) {
		for (i = 0; i < t->ncols && strcmp(t->cols[i].name, name) != 0; i++) {
		}
		if (i == t->ncols) {
			fail_msg("%s: image column list names unknown column %s", t->tcase->table, name);
		}
		has[i] = true;
	}
	free(copy);
	return has;
}

/* SELECTs the rows a step's WHERE condition names. */
static struct row *step_rows(MYSQL *conn, const struct table_info *t, const char *where,
                             size_t *n)
{
	char *sql = harness_printf("%s WHERE %s%s", t->select, where, t->order);
	struct row *rows = select_rows(conn, sql, t->ncols, n);

	free(sql);
	return rows;
}

/* Runs one step and appends the events it must produce. */
static void run_step(MYSQL *w, MYSQL *r, const struct table_info *t, const struct types_step *s,
                     size_t step_no)
{
	struct row *before = NULL;
	struct row *after = NULL;
	size_t nbefore = 0;
	size_t nafter = 0;
	size_t n;
	size_t i;
	struct expect *e;

	if (s->action == TYPES_UPDATE || s->action == TYPES_DELETE) {
		before = step_rows(r, t, s->where, &nbefore);
	}
	harness_sql(w, "%s", s->sql);
	if (s->action == TYPES_INSERT || s->action == TYPES_UPDATE) {
		after = step_rows(r, t, s->where_after != NULL ? s->where_after : s->where, &nafter);
	}
	n = s->action == TYPES_INSERT ? nafter : nbefore;
	if (s->action != TYPES_NONE && (n == 0 || (s->action == TYPES_UPDATE && nafter != n))) {
		fail_msg("%s: step \"%.200s\" selects %zu rows before and %zu after", t->tcase->table,
		         s->sql, nbefore, nafter);
	}
	suite.expect = realloc(suite.expect, (suite.nexpect + n) * sizeof(*suite.expect));
	assert_non_null(suite.expect);
	for (i = 0; i < n && s->action != TYPES_NONE; i++) {
		e = &suite.expect[suite.nexpect++];
		memset(e, 0, sizeof(*e));
		e->table = t;
		e->step = s;
		e->step_no = step_no;
		e->action = s->action;
		if (before != NULL) {
			e->before = before[i];
			e->before_has = presence(t, s->before_cols);
		}
		if (after != NULL) {
			e->after = after[i];
			e->after_has = presence(t, s->after_cols);
		}
		e->last = i + 1 == n;
	}
	free(before);
	free(after);
}

/* ---- comparing one event ------------------------------------------------------ */

static void __attribute__((format(printf, 4, 5)))
mismatch(struct report *rep, size_t index, const struct expect *e, const char *fmt, ...)
{
	char text[2048];
	va_list ap;

	rep->count++;
	if (rep->count > MAX_PRINTED) {
		return;
	}
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	print_message("[%s] event %zu (%s, \"%.120s\"): %s\n", rep->mode, index + 1,
	              e != NULL ? e->table->tcase->table : "-", e != NULL ? e->step->sql : "-", text);
}

/* A member that must be a string equal to `want`. */
static void check_string(struct report *rep, size_t index, const struct expect *e,
                         const struct jl_value *obj, const char *key, const char *want)
{
	const struct jl_value *v = jl_get(obj, key);

	if (v == NULL || v->type != JL_STRING || strcmp(v->str, want) != 0) {
		mismatch(rep, index, e, "%s: expected \"%s\", got %s \"%s\"", key, want,
		         v != NULL ? jl_type_name(v->type) : "nothing",
		         v != NULL && v->str != NULL ? v->str : "");
	}
}

/* Compares one value and counts it. */
static void check_value(struct report *rep, size_t index, const struct expect *e,
                        const char *where, size_t col, const struct row *row,
                        const struct jl_value *got)
{
	const struct types_column *c = &e->table->cols[col];
	char *m = types_compare(c, row->values[col], row->lens[col], got);

	types_count(&rep->by_type, c->label, row->values[col] == NULL);
	types_count(&rep->by_family, c->family, row->values[col] == NULL);
	if (m != NULL) {
		mismatch(rep, index, e, "%s.%s (%s): %s", where, c->name, c->label, m);
		free(m);
	}
}

/* True when column i holds different server values in the two rows. */
static bool row_differs(const struct expect *e, size_t i)
{
	const struct row *a = &e->before;
	const struct row *b = &e->after;

	if ((a->values[i] == NULL) != (b->values[i] == NULL)) {
		return true;
	}
	return a->values[i] != NULL &&
	       (a->lens[i] != b->lens[i] || memcmp(a->values[i], b->values[i], a->lens[i]) != 0);
}

/*
 * An image object (`data` or `old`) must hold exactly the columns `want`
 * marks, in table order, with the values of `row`.
 */
static void check_image(struct report *rep, size_t index, const struct expect *e,
                        const char *name, const struct jl_value *obj, const bool *want,
                        const struct row *row)
{
	const struct table_info *t = e->table;
	size_t k = 0;
	size_t i;

	if (obj == NULL || obj->type != JL_OBJECT) {
		mismatch(rep, index, e, "%s: expected an object", name);
		return;
	}
	for (i = 0; i < t->ncols; i++) {
		if (!want[i]) {
			continue;
		}
		if (k >= obj->count || strcmp(obj->keys[k], t->cols[i].name) != 0) {
			mismatch(rep, index, e, "%s: expected column %s as member %zu, found %s", name,
			         t->cols[i].name, k + 1, k < obj->count ? obj->keys[k] : "the end");
			return;
		}
		check_value(rep, index, e, name, i, row, &obj->items[k]);
		k++;
	}
	if (k != obj->count) {
		mismatch(rep, index, e, "%s: unexpected member %s", name, obj->keys[k]);
	}
}

/* The key must come from the image meepo_event_key_image() names (docs/events.md). */
static void check_key(struct report *rep, size_t index, const struct expect *e,
                      const struct jl_value *obj)
{
	const struct table_info *t = e->table;
	const struct jl_value *key = jl_get(obj, "primary_key");
	const struct jl_value *cols = jl_get(obj, "primary_key_columns");
	const struct row *image = e->action == TYPES_DELETE ? &e->before : &e->after;
	const bool *has = e->action == TYPES_DELETE ? e->before_has : e->after_has;
	bool changed = false;
	size_t k;
	size_t i;

	for (k = 0; e->action == TYPES_UPDATE && k < t->nkey; k++) {
		i = t->key[k];
		changed = changed || (e->before_has[i] && e->after_has[i] && row_differs(e, i));
	}
	if (e->action == TYPES_UPDATE && !changed) {
		image = &e->before;
		has = e->before_has;
	}
	if (key == NULL || key->type != JL_ARRAY || key->count != t->nkey || cols == NULL ||
	    cols->type != JL_ARRAY || cols->count != t->nkey) {
		mismatch(rep, index, e, "primary_key / primary_key_columns: expected arrays of %zu",
		         t->nkey);
		return;
	}
	for (k = 0; k < t->nkey; k++) {
		i = t->key[k];
		if (cols->items[k].type != JL_STRING || strcmp(cols->items[k].str, t->cols[i].name) != 0) {
			mismatch(rep, index, e, "primary_key_columns[%zu]: expected \"%s\"", k,
			         t->cols[i].name);
		}
		if (!has[i] && key->items[k].type != JL_NULL) {
			mismatch(rep, index, e, "primary_key[%zu]: expected null (not logged)", k);
		} else if (has[i]) {
			char *m = types_compare(&t->cols[i], image->values[i], image->lens[i],
			                        &key->items[k]);

			if (m != NULL) {
				mismatch(rep, index, e, "primary_key[%zu]: %s", k, m);
				free(m);
			}
		}
	}
}

/* Members of the event object, in the documented order. */
static void check_members(struct report *rep, size_t index, const struct expect *e,
                          const struct jl_value *obj, bool with_old)
{
	static const char *const keys[] = { "database", "table", "type", "ts", "xid", "commit",
		                            "position", "gtid", "server_id", "primary_key",
		                            "primary_key_columns", "data", "old" };
	size_t n = with_old ? 13 : 12;
	size_t i;

	for (i = 0; i < n && i < obj->count; i++) {
		if (strcmp(obj->keys[i], keys[i]) != 0) {
			break;
		}
	}
	if (i != n || obj->count != n) {
		mismatch(rep, index, e, "event members: expected %s as member %zu, found %s",
		         i < n ? keys[i] : "nothing", i + 1, i < obj->count ? obj->keys[i] : "nothing");
	}
}

/* Position, GTID, ts, xid, server_id and commit of one event. */
static void check_meta(struct report *rep, size_t index, const struct expect *e,
                       const struct jl_value *obj, uint64_t *last_offset, uint64_t *last_seq)
{
	const struct jl_value *v;
	char *prefix = harness_printf("%s:", suite.file);
	char *gtid_prefix = harness_printf("0-%s-", suite.server_id);
	uint64_t n;

	v = jl_get(obj, "position");
	if (v == NULL || v->type != JL_STRING || strncmp(v->str, prefix, strlen(prefix)) != 0 ||
	    (n = strtoull(v->str + strlen(prefix), NULL, 10)) < *last_offset) {
		mismatch(rep, index, e, "position: expected \"%s<offset >= %" PRIu64 ">\"", prefix,
		         *last_offset);
	} else {
		*last_offset = n;
	}
	v = jl_get(obj, "gtid");
	if (v == NULL || v->type != JL_STRING ||
	    strncmp(v->str, gtid_prefix, strlen(gtid_prefix)) != 0) {
		mismatch(rep, index, e, "gtid: expected \"%s<seq>\"", gtid_prefix);
	} else {
		n = strtoull(v->str + strlen(gtid_prefix), NULL, 10);
		if (n < *last_seq || (n == *last_seq && index > 0 &&
		                      suite.expect[index - 1].step_no != e->step_no)) {
			mismatch(rep, index, e, "gtid %s: a new transaction needs a new sequence number",
			         v->str);
		}
		*last_seq = n;
	}
	v = jl_get(obj, "server_id");
	if (v == NULL || v->type != JL_NUMBER || strcmp(v->str, suite.server_id) != 0) {
		mismatch(rep, index, e, "server_id: expected %s", suite.server_id);
	}
	v = jl_get(obj, "ts");
	n = v != NULL && v->type == JL_NUMBER ? strtoull(v->str, NULL, 10) : 0;
	if (n + 5 < (uint64_t)suite.started || n > (uint64_t)suite.finished + 5) {
		mismatch(rep, index, e, "ts: expected a number between %lld and %lld",
		         (long long)suite.started, (long long)suite.finished);
	}
	v = jl_get(obj, "xid");
	if (v == NULL || v->type != JL_NUMBER) {
		mismatch(rep, index, e, "xid: expected a number (InnoDB commits with an XID)");
	}
	v = jl_get(obj, "commit");
	if (v == NULL || v->type != (e->last ? JL_TRUE : JL_FALSE)) {
		mismatch(rep, index, e, "commit: expected %s", e->last ? "true" : "false");
	}
	free(prefix);
	free(gtid_prefix);
}

static void check_event(struct report *rep, size_t index, const struct jl_value *obj,
                        uint64_t *last_offset, uint64_t *last_seq)
{
	static const char *const types[] = { "", "insert", "update", "delete" };
	const struct expect *e = &suite.expect[index];
	const struct table_info *t = e->table;
	bool *old = NULL;
	bool any_old = false;
	size_t i;

	if (obj->type != JL_OBJECT) {
		mismatch(rep, index, e, "expected an object, got %s", jl_type_name(obj->type));
		return;
	}
	check_string(rep, index, e, obj, "database", SCHEMA);
	check_string(rep, index, e, obj, "table", t->tcase->table);
	check_string(rep, index, e, obj, "type", types[e->action]);
	check_meta(rep, index, e, obj, last_offset, last_seq);
	check_key(rep, index, e, obj);
	if (e->action == TYPES_DELETE) {
		check_image(rep, index, e, "data", jl_get(obj, "data"), e->before_has, &e->before);
	} else {
		check_image(rep, index, e, "data", jl_get(obj, "data"), e->after_has, &e->after);
	}
	if (e->action == TYPES_UPDATE) {
		old = xcalloc(t->ncols, sizeof(bool));
		for (i = 0; i < t->ncols; i++) {
			old[i] = e->before_has[i] && e->after_has[i] && row_differs(e, i);
			any_old = any_old || old[i];
		}
		if (any_old) {
			check_image(rep, index, e, "old", jl_get(obj, "old"), old, &e->before);
		}
		free(old);
	}
	check_members(rep, index, e, obj, any_old);
}

/* Compares meepo's whole output with the expectations; fails after listing mismatches. */
static void check_output(const char *mode, const char *output)
{
	struct report rep = { mode, 0, 0, { 0 }, { 0 } };
	const char *line = output;
	const char *nl;
	struct jl_value *obj;
	uint64_t last_offset = 0;
	uint64_t last_seq = 0;
	char err[256];
	size_t index = 0;

	while (line != NULL && *line != '\0') {
		nl = strchr(line, '\n');
		if (nl == NULL) {
			mismatch(&rep, index, NULL, "the last line has no newline");
			break;
		}
		obj = jl_parse(line, (size_t)(nl - line), err, sizeof(err));
		if (obj == NULL) {
			mismatch(&rep, index, NULL, "not valid JSON: %s", err);
		} else if (index < suite.nexpect) {
			check_event(&rep, index, obj, &last_offset, &last_seq);
		}
		jl_free(obj);
		index++;
		line = nl + 1;
	}
	if (index != suite.nexpect) {
		mismatch(&rep, index, NULL, "meepo wrote %zu events, %zu expected", index,
		         suite.nexpect);
	}
	rep.events = index;
	print_message("[%s] %zu events compared, %zu mismatches\n", mode, rep.events, rep.count);
	if (strcmp(mode, "live") == 0) {
		types_counts_print(&rep.by_type, "values compared per column type (data and old):");
		types_counts_print(&rep.by_family, "values compared per type family:");
	}
	types_counts_free(&rep.by_type);
	types_counts_free(&rep.by_family);
	if (rep.count > 0) {
		fail_msg("[%s] %zu mismatches between meepo's JSON and the server's SELECT", mode,
		         rep.count);
	}
}

/* ---- the tests ------------------------------------------------------------------ */

/* The JSON parser the comparisons rely on accepts JSON and rejects the rest. */
static void test_json_lite(void **state)
{
	static const char *const bad[] = {
		"", "{", "[1,]", "{\"a\":1,}", "01", "1.", "-", "1e", "\"\\x\"", "\"\x01\"",
		"\"\\ud800\"", "\"\\udc00\"", "\"\xc0\xaf\"", "\"\xed\xa0\x80\"", "\"\xf4\x90\x80\x80\"",
		"nul", "[1] 2", "{\"a\" 1}", "{1:2}", "\"\xe2\x82\"",
	};
	const char *good = " {\"n\":-0.50e+3,\"s\":\"a\\u0000\\ud83d\\ude00\\n\xc3\xa9\","
	                   "\"a\":[null,true,false,{},[]],\"n\":18446744073709551615} ";
	char err[128];
	struct jl_value *v;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		v = jl_parse(bad[i], strlen(bad[i]), err, sizeof(err));
		if (v != NULL) {
			fail_msg("json_lite accepted invalid JSON '%s'", bad[i]);
		}
	}
	v = jl_parse(good, strlen(good), err, sizeof(err));
	if (v == NULL) {
		fail_msg("json_lite rejected valid JSON: %s", err);
	}
	assert_int_equal(v->count, 4);
	assert_string_equal(jl_get(v, "n")->str, "-0.50e+3");
	assert_int_equal(jl_get(v, "s")->len, 9);
	assert_memory_equal(jl_get(v, "s")->str, "a\0\xf0\x9f\x98\x80\n\xc3\xa9", 9);
	assert_int_equal(jl_get(v, "a")->count, 5);
	assert_int_equal(jl_get(v, "a")->items[3].type, JL_OBJECT);
	assert_string_equal(v->items[3].str, "18446744073709551615");
	jl_free(v);
}

/* Runs every case on the server and records what meepo must write. */
static void test_write_rows(void **state)
{
	MYSQL *w = connect_utf8();
	MYSQL *r = connect_utf8();
	size_t step_no = 0;
	uint64_t end_pos;
	char end_file[256];
	size_t i;
	size_t k;

	(void)state;
	types_cases_build(&suite.cases);
	harness_fresh_schema(w, SCHEMA);
	harness_sql(w, "USE `%s`; SET SESSION sql_mode = ''; SET SESSION binlog_row_image = 'FULL'",
	            SCHEMA);
	suite.server_id = select_text(r, "SELECT @@server_id");
	suite.tables = xcalloc(suite.cases.count, sizeof(*suite.tables));
	suite.started = time(NULL);
	harness_rotate_binlog(w, suite.file, sizeof(suite.file), &suite.pos);
	for (i = 0; i < suite.cases.count; i++) {
		const struct types_case *c = &suite.cases.cases[i];

		harness_sql(w, "%s", c->create);
		load_table(r, c, &suite.tables[i]);
		suite.ntables++;
		for (k = 0; k < c->nsteps; k++) {
			run_step(w, r, &suite.tables[i], &c->steps[k], ++step_no);
		}
	}
	harness_rotate_binlog(w, end_file, sizeof(end_file), &end_pos);
	suite.finished = time(NULL);
	print_message("%zu tables, %zu steps, %zu row events in %s\n", suite.ntables, step_no,
	              suite.nexpect, suite.file);
	suite.ready = true;
	mysql_close(w);
	mysql_close(r);
}

/* Runs meepo with a print sink (json) to a file; returns what it wrote. */
static char *run_meepo(const char *name, const char *source, const char *const *args)
{
	char *dir = harness_temp_dir(name);
	char *output = harness_printf("%s/out.json", dir);
	char *text = harness_printf("%s"
	                            "sinks = ( { name = \"out\"; plugin = \"print\"; "
	                            "format = \"json\"; output = \"%s\"; } );\n"
	                            "routes = ( { match = [ \"%s.*\" ]; sink = \"out\"; } );\n",
	                            source != NULL ? source : "", output, SCHEMA);
	char *config = harness_write_config(dir, text);
	char *err = NULL;
	char *out;
	int status;

	if (!suite.ready) {
		fail_msg("the SQL of the cases did not run (see test_write_rows)");
	}
	status = harness_meepo_run(config, args, RUN_TIMEOUT, NULL, &err);
	if (status != 0) {
		fail_msg("meepo -c %s exited with %d; its stderr:\n%s", config, status,
		         err != NULL ? err : "(none)");
	}
	out = harness_read_file(output);
	if (out == NULL) {
		fail_msg("the print sink wrote no file %s", output);
	}
	free(err);
	free(config);
	free(text);
	free(output);
	free(dir);
	return out;
}

/* Following the live server from the position recorded before the SQL. */
static void test_live(void **state)
{
	char *source = harness_source_config(suite.file, suite.pos);

	(void)state;
	suite.live_output = run_meepo("types-live", source, NULL);
	free(source);
	check_output("live", suite.live_output);
}

/* Reading the binlog file the SQL went into. */
static void test_file(void **state)
{
	char *path = harness_binlog_path(suite.file);
	const char *args[] = { "--binlog", path, NULL };

	(void)state;
	suite.file_output = run_meepo("types-file", NULL, args);
	free(path);
	check_output("file", suite.file_output);
}

/* Both routes give the same bytes. */
static void test_live_equals_file(void **state)
{
	(void)state;
	if (suite.live_output == NULL || suite.file_output == NULL) {
		fail_msg("a meepo run failed (see above)");
	}
	harness_assert_text(suite.file_output, suite.live_output);
}

static int teardown(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < suite.nexpect; i++) {
		row_free(&suite.expect[i].before, suite.expect[i].table->ncols);
		row_free(&suite.expect[i].after, suite.expect[i].table->ncols);
		free(suite.expect[i].before_has);
		free(suite.expect[i].after_has);
	}
	free(suite.expect);
	for (i = 0; i < suite.ntables; i++) {
		table_free(&suite.tables[i]);
	}
	free(suite.tables);
	types_cases_free(&suite.cases);
	free(suite.server_id);
	free(suite.live_output);
	free(suite.file_output);
	memset(&suite, 0, sizeof(suite));
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json_lite),
		cmocka_unit_test(test_write_rows),
		cmocka_unit_test(test_live),
		cmocka_unit_test(test_file),
		cmocka_unit_test(test_live_equals_file),
	};

	return cmocka_run_group_tests_name("types", tests, NULL, teardown);
}
