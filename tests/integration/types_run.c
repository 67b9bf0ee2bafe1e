/*
 * tests/integration/types_run.c - runs a conformance suite's cases on the
 * source server and records the events meepo must write (see types.h).
 *
 * The cases run on one connection with sql_mode ''; around each step a
 * second connection SELECTs the rows the step changes (before for updates
 * and deletes, after for inserts and updates), with every column named
 * (invisible ones too), FLOAT widened to DOUBLE so that its exact value
 * shows, and MariaDB's UUID/INET types as their bytes. The binlog is
 * rotated before and after, so the whole run is one file.
 *
 * Concurrency: single-threaded test program.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "harness.h"
#include "types.h"

static void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n == 0 ? 1 : n, size);

	if (p == NULL) {
		fail_msg("out of memory");
	}
	return p;
}

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
static struct types_row *select_rows(MYSQL *conn, const char *sql, size_t ncols, size_t *nrows)
{
	struct types_row *rows;
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

static void row_free(struct types_row *row, size_t ncols)
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
	struct types_row *rows = select_rows(conn, sql, 1, &n);
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

/* Number of members in "enum('a','b')" / "set(...)". */
static size_t count_members(const char *column_type)
{
	size_t members = 1;
	size_t i;

	for (i = 1; column_type[i] != '\0'; i++) {
		members += column_type[i] == ',' && column_type[i - 1] == '\'';
	}
	return members;
}

/*
 * The label a column's values are counted under: its COLUMN_TYPE without
 * integer display widths ("tinyint unsigned"), ENUM/SET by member count,
 * strings with their charset, JSON as json, and the generated / invisible
 * attributes.
 */
static char *type_label(const char *data_type, const char *column_type, const char *charset,
                        const char *extra, bool is_json)
{
	static const char *const ints[] = { "tinyint", "smallint", "mediumint", "int", "bigint" };
	bool is_int = false;
	char *base;
	char *label;
	size_t i;

	for (i = 0; i < sizeof(ints) / sizeof(ints[0]); i++) {
		is_int = is_int || strcmp(data_type, ints[i]) == 0;
	}
	if (is_json) {
		base = harness_printf("json");
	} else if (is_int) {
		base = harness_printf("%s%s", data_type,
		                      strstr(column_type, "unsigned") != NULL ? " unsigned" : "");
	} else if (strcmp(data_type, "enum") == 0 || strcmp(data_type, "set") == 0) {
		base = harness_printf("%s (%zu members)", data_type, count_members(column_type));
	} else {
		base = harness_printf("%s", column_type);
	}
	label = harness_printf("%s%s%s%s%s%s", base, charset != NULL && !is_json ? " " : "",
	                       charset != NULL && !is_json ? charset : "",
	                       strstr(extra, "VIRTUAL") != NULL ? " virtual" : "",
	                       strstr(extra, "STORED") != NULL ? " stored" : "",
	                       strstr(extra, "INVISIBLE") != NULL ? " invisible" : "");
	free(base);
	return label;
}

/* The expression that SELECTs a column as the comparison wants it. */
static char *select_expression(const char *name, const char *data_type, enum types_kind kind)
{
	if (kind == KIND_FLOAT) {
		return harness_printf("CAST(`%s` AS DOUBLE)", name);
	}
	if (strcmp(data_type, "uuid") == 0 || strcmp(data_type, "inet6") == 0) {
		return harness_printf("CAST(`%s` AS BINARY(16))", name);
	}
	if (strcmp(data_type, "inet4") == 0) {
		return harness_printf("CAST(`%s` AS BINARY(4))", name);
	}
	return harness_printf("`%s`", name);
}

/* Fills one column from its information_schema row (name, types, charset, extra, is JSON). */
static void load_column(const struct types_case *c, struct types_column *col,
                        const struct types_row *info)
{
	const char *data_type = info->values[1];
	bool is_json = strcmp(info->values[5], "0") != 0;

	col->name = harness_printf("%s", info->values[0]);
	if (!types_kind_of(data_type, &col->kind)) {
		fail_msg("%s.%s: the suite does not know type %s", c->table, col->name, data_type);
	}
	col->label = type_label(data_type, info->values[2], info->values[3], info->values[4],
	                        is_json);
	col->family = harness_printf("%s%s", is_json ? "json" : data_type,
	                             strstr(info->values[2], "unsigned") != NULL ? " unsigned" : "");
	col->select = select_expression(col->name, data_type, col->kind);
}

/* Reads a table's columns and key from information_schema. */
static void load_table(MYSQL *conn, const char *schema, const struct types_case *c,
                       struct types_table *t)
{
	char *sql = harness_printf(
		"SELECT c.COLUMN_NAME, c.DATA_TYPE, c.COLUMN_TYPE, c.CHARACTER_SET_NAME, c.EXTRA, "
		"(SELECT COUNT(*) FROM information_schema.CHECK_CONSTRAINTS k WHERE "
		"k.CONSTRAINT_SCHEMA = c.TABLE_SCHEMA AND k.TABLE_NAME = c.TABLE_NAME AND "
		"k.CHECK_CLAUSE = CONCAT('json_valid(`', c.COLUMN_NAME, '`)')) "
		"FROM information_schema.COLUMNS c WHERE c.TABLE_SCHEMA = '%s' AND "
		"c.TABLE_NAME = '%s' ORDER BY c.ORDINAL_POSITION",
		schema, c->table);
	struct types_row *rows = select_rows(conn, sql, 6, &t->ncols);
	struct types_row *keys;
	char *list = NULL;
	size_t list_len = 0;
	FILE *f;
	size_t nkeys;
	size_t i;
	size_t k;

	free(sql);
	t->tcase = c;
	t->cols = xcalloc(t->ncols, sizeof(*t->cols));
	f = open_memstream(&list, &list_len);
	assert_non_null(f);
	for (i = 0; i < t->ncols; i++) {
		load_column(c, &t->cols[i], &rows[i]);
		fprintf(f, "%s%s", i > 0 ? ", " : "", t->cols[i].select);
		row_free(&rows[i], 6);
	}
	free(rows);
	fclose(f);
	t->select = harness_printf("SELECT %s FROM `%s`.`%s`", list, schema, c->table);
	free(list);

	sql = harness_printf("SELECT COLUMN_NAME FROM information_schema.KEY_COLUMN_USAGE WHERE "
	                     "TABLE_SCHEMA = '%s' AND TABLE_NAME = '%s' AND CONSTRAINT_NAME = "
	                     "'PRIMARY' ORDER BY ORDINAL_POSITION",
	                     schema, c->table);
	keys = select_rows(conn, sql, 1, &nkeys);
	free(sql);
	t->nkey = nkeys;
	t->key = xcalloc(nkeys, sizeof(*t->key));
	f = open_memstream(&list, &list_len);
	assert_non_null(f);
	for (k = 0; k < nkeys; k++) {
		for (i = 0; i < t->ncols && strcmp(t->cols[i].name, keys[k].values[0]) != 0; i++) {
		}
		t->key[k] = i;
		fprintf(f, "%s`%s`", k > 0 ? ", " : " ORDER BY ", keys[k].values[0]);
		row_free(&keys[k], 1);
	}
	free(keys);
	fclose(f);
	t->order = list;
}

static void table_free(struct types_table *t)
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

/* Column presence from a "a,b" list (NULL: every column). */
static bool *presence(const struct types_table *t, const char *list)
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
static struct types_row *step_rows(MYSQL *conn, const struct types_table *t, const char *where,
                                   size_t *n)
{
	char *sql = harness_printf("%s WHERE %s%s", t->select, where, t->order);
	struct types_row *rows = select_rows(conn, sql, t->ncols, n);

	free(sql);
	return rows;
}

/* Runs one step and appends the events it must produce. */
static void run_step(struct types_suite *suite, MYSQL *w, MYSQL *r, const struct types_table *t,
                     const struct types_step *s, size_t step_no)
{
	struct types_row *before = NULL;
	struct types_row *after = NULL;
	struct types_expect *e;
	size_t nbefore = 0;
	size_t nafter = 0;
	size_t n;
	size_t i;

	if (s->action == TYPES_UPDATE || s->action == TYPES_DELETE) {
		before = step_rows(r, t, s->where, &nbefore);
	}
	harness_sql(w, "%s", s->sql);
	if (s->action == TYPES_INSERT || s->action == TYPES_UPDATE) {
		after = step_rows(r, t, s->where_after != NULL ? s->where_after : s->where, &nafter);
	}
	n = s->action == TYPES_INSERT ? nafter : s->action == TYPES_NONE ? 0 : nbefore;
	if (s->action != TYPES_NONE && (n == 0 || (s->action == TYPES_UPDATE && nafter != n))) {
		fail_msg("%s: step \"%.200s\" selects %zu rows before and %zu after", t->tcase->table,
		         s->sql, nbefore, nafter);
	}
	suite->expect = realloc(suite->expect, (suite->nexpect + n + 1) * sizeof(*suite->expect));
	assert_non_null(suite->expect);
	for (i = 0; i < n; i++) {
		e = &suite->expect[suite->nexpect++];
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

void types_suite_run(struct types_suite *suite)
{
	MYSQL *w = connect_utf8();
	MYSQL *r = connect_utf8();
	size_t step_no = 0;
	uint64_t end_pos;
	char end_file[256];
	size_t i;
	size_t k;

	harness_fresh_schema(w, suite->schema);
	harness_sql(w, "USE `%s`; SET SESSION sql_mode = ''; SET SESSION binlog_row_image = 'FULL'",
	            suite->schema);
	suite->server_id = select_text(r, "SELECT @@server_id");
	suite->tables = xcalloc(suite->cases.count, sizeof(*suite->tables));
	suite->started = time(NULL);
	harness_rotate_binlog(w, suite->file, sizeof(suite->file), &suite->pos);
	for (i = 0; i < suite->cases.count; i++) {
		const struct types_case *c = &suite->cases.cases[i];

		harness_sql(w, "%s", c->create);
		load_table(r, suite->schema, c, &suite->tables[i]);
		suite->ntables++;
		for (k = 0; k < c->nsteps; k++) {
			run_step(suite, w, r, &suite->tables[i], &c->steps[k], ++step_no);
		}
	}
	harness_rotate_binlog(w, end_file, sizeof(end_file), &end_pos);
	suite->finished = time(NULL);
	print_message("%s: %zu tables, %zu steps, %zu row events in %s\n", suite->schema,
	              suite->ntables, step_no, suite->nexpect, suite->file);
	suite->ready = true;
	mysql_close(w);
	mysql_close(r);
}

void types_suite_free(struct types_suite *suite)
{
	size_t i;

	for (i = 0; i < suite->nexpect; i++) {
		row_free(&suite->expect[i].before, suite->expect[i].table->ncols);
		row_free(&suite->expect[i].after, suite->expect[i].table->ncols);
		free(suite->expect[i].before_has);
		free(suite->expect[i].after_has);
	}
	free(suite->expect);
	for (i = 0; i < suite->ntables; i++) {
		table_free(&suite->tables[i]);
	}
	free(suite->tables);
	types_cases_free(&suite->cases);
	free(suite->server_id);
	suite->expect = NULL;
	suite->nexpect = 0;
	suite->tables = NULL;
	suite->ntables = 0;
	suite->server_id = NULL;
	suite->ready = false;
}
