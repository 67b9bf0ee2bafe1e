/*
 * plugins/sql/sql_build.c - names, statement text, parameter order, state
 * table text, position order and error classes of the sql sink (see
 * sql_build.h). Pure: no I/O, no global state.
 *
 * Concurrency: reentrant; see sql_build.h for what may be shared.
 */
#include "sql_build.h"

#include <errno.h>
#include <errmsg.h>
#include <mysql.h>
#include <mysqld_error.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- names ---------------------------------------------------------------- */

/* Returns a copy of the n bytes at s, NUL-terminated; aborts when out of memory. */
static char *dup_n(const char *s, size_t n)
{
	char *copy = strndup(s, n);

	if (copy == NULL) {
		abort();
	}
	return copy;
}

/*
 * Splits `text` (n bytes) at its first '.' into *schema and *name when
 * `qualified` allows it. Returns 0, or -1 if a part is empty.
 */
static int split_name(const char *text, size_t n, bool qualified, char **schema, char **name)
{
	const char *dot = qualified ? memchr(text, '.', n) : NULL;

	*schema = NULL;
	*name = NULL;
	if (dot == NULL) {
		if (n == 0) {
			return -1;
		}
		*name = dup_n(text, n);
		return 0;
	}
	if (dot == text || dot == text + n - 1) {
		return -1;
	}
	*schema = dup_n(text, (size_t)(dot - text));
	*name = dup_n(dot + 1, n - (size_t)(dot - text) - 1);
	return 0;
}

static void rename_free(struct sql_rename *r)
{
	free(r->src_schema);
	free(r->src);
	free(r->dst_schema);
	free(r->dst);
	memset(r, 0, sizeof(*r));
}

int sql_names_add(struct sql_names *names, bool is_table, const char *item,
                  char *err, size_t errlen)
{
	const char *colon = strchr(item, ':');
	struct sql_rename r = { 0 };
	struct sql_rename **list = is_table ? &names->tables : &names->schemas;
	size_t *n = is_table ? &names->ntables : &names->nschemas;
	struct sql_rename *grown;
	int rc = -1;

	if (colon == NULL) {
		snprintf(err, errlen, "\"%s\": expected \"source:target\"", item);
		goto out;
	}
	if (split_name(item, (size_t)(colon - item), is_table, &r.src_schema, &r.src) != 0 ||
	    split_name(colon + 1, strlen(colon + 1), is_table, &r.dst_schema, &r.dst) != 0) {
		snprintf(err, errlen, "\"%s\": empty %s name", item, is_table ? "schema or table" : "schema");
		goto out;
	}
	grown = realloc(*list, (*n + 1) * sizeof(**list));
	if (grown == NULL) {
		abort();
	}
	grown[*n] = r;
	memset(&r, 0, sizeof(r));
	*list = grown;
	(*n)++;
	rc = 0;
out:
	rename_free(&r);
	return rc;
}

void sql_names_free(struct sql_names *names)
{
	size_t i;

	for (i = 0; i < names->nschemas; i++) {
		rename_free(&names->schemas[i]);
	}
	for (i = 0; i < names->ntables; i++) {
		rename_free(&names->tables[i]);
	}
	free(names->schemas);
	free(names->tables);
	free(names->database);
	memset(names, 0, sizeof(*names));
}

/* Returns the first table rename for schema.table (qualified) or table (not). */
static const struct sql_rename *find_table(const struct sql_names *names, const char *schema,
                                           const char *table, bool qualified)
{
	size_t i;

	for (i = 0; i < names->ntables; i++) {
		const struct sql_rename *r = &names->tables[i];

		if ((r->src_schema != NULL) != qualified || strcmp(r->src, table) != 0) {
			continue;
		}
		if (!qualified || strcmp(r->src_schema, schema) == 0) {
			return r;
		}
	}
	return NULL;
}

void sql_names_resolve(const struct sql_names *names, const char *schema, const char *table,
                       const char **dst_schema, const char **dst_table)
{
	const struct sql_rename *r = find_table(names, schema, table, true);
	size_t i;

	if (r == NULL) {
		r = find_table(names, schema, table, false);
	}
	*dst_table = r != NULL ? r->dst : table;
	if (r != NULL && r->dst_schema != NULL) {
		*dst_schema = r->dst_schema;
		return;
	}
	for (i = 0; i < names->nschemas; i++) {
		if (strcmp(names->schemas[i].src, schema) == 0) {
			*dst_schema = names->schemas[i].dst;
			return;
		}
	}
	*dst_schema = names->database != NULL ? names->database : schema;
}

void sql_quote_ident(struct meepo_buf *buf, const char *name)
{
	const char *p;

	meepo_buf_putc(buf, '`');
	for (p = name; *p != '\0'; p++) {
		if (*p == '`') {
			meepo_buf_putc(buf, '`');
		}
		meepo_buf_putc(buf, *p);
	}
	meepo_buf_putc(buf, '`');
}

/* Appends `schema`.`table`. */
static void quote_table(struct meepo_buf *buf, const char *schema, const char *table)
{
	sql_quote_ident(buf, schema);
	meepo_buf_putc(buf, '.');
	sql_quote_ident(buf, table);
}

/* ---- statements ------------------------------------------------------------ */

/* True if no column of `image` is ABSENT. */
static bool image_complete(const struct meepo_table *t, const struct meepo_value *image)
{
	uint32_t i;

	for (i = 0; i < t->ncolumns; i++) {
		if (image[i].type == MEEPO_VALUE_ABSENT) {
			return false;
		}
	}
	return true;
}

size_t sql_event_steps(const struct meepo_event *event, enum sql_kind kinds[2])
{
	const struct meepo_table *t = event->table;

	switch (event->action) {
	case MEEPO_WRITE:
		kinds[0] = SQL_UPSERT;
		return 1;
	case MEEPO_DELETE:
		kinds[0] = t->nkey > 0 ? SQL_DELETE : SQL_DELETE_ROW;
		return 1;
	case MEEPO_UPDATE:
		if (t->nkey == 0) {
			kinds[0] = SQL_UPDATE_ROW;
			return 1;
		}
		if (event->after != NULL && !image_complete(t, event->after)) {
			kinds[0] = SQL_UPDATE;
			return 1;
		}
		if (meepo_event_key_changed(event)) {
			kinds[0] = SQL_DELETE;
			kinds[1] = SQL_UPSERT;
			return 2;
		}
		kinds[0] = SQL_UPSERT;
		return 1;
	}
	return 0;
}

static void mask_set(uint64_t *mask, uint32_t column)
{
	mask[column / 64] |= UINT64_C(1) << (column % 64);
}

static bool mask_has(const uint64_t *mask, uint32_t column)
{
	return (mask[column / 64] >> (column % 64)) & 1u;
}

static uint32_t mask_count(const uint64_t *mask, uint32_t nwords)
{
	uint32_t n = 0;
	uint32_t i;

	for (i = 0; i < nwords; i++) {
		n += (uint32_t)__builtin_popcountll(mask[i]);
	}
	return n;
}

/* Sets in mask every column that `image` holds (not ABSENT). */
static void mask_present(uint64_t *mask, const struct meepo_table *t, const struct meepo_value *image)
{
	uint32_t i;

	for (i = 0; i < t->ncolumns; i++) {
		if (image[i].type != MEEPO_VALUE_ABSENT) {
			mask_set(mask, i);
		}
	}
}

/* True if `image` holds an ENUM '' error value (index 0). */
static bool sets_enum_error(const struct meepo_table *t, const struct meepo_value *image)
{
	uint32_t i;

	for (i = 0; i < t->ncolumns; i++) {
		if (image[i].type == MEEPO_VALUE_ENUM && image[i].enumset.bits == 0) {
			return true;
		}
	}
	return false;
}

/* Sizes and zeroes the shape's masks for `ncolumns` columns. */
static void shape_reset(struct sql_shape *shape, enum sql_kind kind, uint32_t ncolumns)
{
	uint32_t nwords = (ncolumns + 63) / 64;

	if (nwords == 0) {
		nwords = 1;
	}
	if (shape->cap < 2 * (size_t)nwords) {
		uint64_t *grown = realloc(shape->set, 2 * (size_t)nwords * sizeof(uint64_t));

		if (grown == NULL) {
			abort();
		}
		shape->set = grown;
		shape->cap = 2 * (size_t)nwords;
	}
	shape->where = shape->set + nwords;
	memset(shape->set, 0, 2 * (size_t)nwords * sizeof(uint64_t));
	shape->kind = kind;
	shape->lenient = false;
	shape->nrows = 1;
	shape->nwords = nwords;
}

/* Sets the key columns in `where`; -1 with err if one is missing from before. */
static int where_key(struct sql_shape *shape, const struct meepo_event *event, char *err, size_t errlen)
{
	const struct meepo_table *t = event->table;
	uint32_t k;

	for (k = 0; k < t->nkey; k++) {
		uint32_t c = t->key[k];

		if (c >= t->ncolumns) {
			snprintf(err, errlen, "key column index %u out of range", c);
			return -1;
		}
		if (event->before[c].type == MEEPO_VALUE_ABSENT) {
			snprintf(err, errlen, "key column `%s` missing from the before image",
			         t->columns[c].name);
			return -1;
		}
		mask_set(shape->where, c);
	}
	return 0;
}

int sql_shape_of(struct sql_shape *shape, enum sql_kind kind, const struct meepo_event *event,
                 const uint64_t *omit, char *err, size_t errlen)
{
	const struct meepo_table *t = event->table;
	bool needs_set = kind == SQL_UPSERT || kind == SQL_UPDATE || kind == SQL_UPDATE_ROW;
	bool needs_where = kind != SQL_UPSERT;
	uint32_t i;

	shape_reset(shape, kind, t->ncolumns);
	if ((needs_set && event->after == NULL) || (needs_where && event->before == NULL)) {
		snprintf(err, errlen, "%s event without its %s image", meepo_action_name(event->action),
		         needs_set && event->after == NULL ? "after" : "before");
		return -1;
	}
	if (needs_set) {
		mask_present(shape->set, t, event->after);
		for (i = 0; omit != NULL && i < shape->nwords; i++) {
			shape->set[i] &= ~omit[i];
		}
		if (mask_count(shape->set, shape->nwords) == 0) {
			snprintf(err, errlen, "%s event with no column in its after image",
			         meepo_action_name(event->action));
			return -1;
		}
		shape->lenient = sets_enum_error(t, event->after);
	}
	if (kind == SQL_DELETE || kind == SQL_UPDATE) {
		return where_key(shape, event, err, errlen);
	}
	if (needs_where) {
		mask_present(shape->where, t, event->before);
		if (mask_count(shape->where, shape->nwords) == 0) {
			snprintf(err, errlen, "%s event with no column in its before image",
			         meepo_action_name(event->action));
			return -1;
		}
	}
	return 0;
}

bool sql_shape_same(const struct sql_shape *a, const struct sql_shape *b)
{
	return a->kind == b->kind && a->lenient == b->lenient && a->nwords == b->nwords &&
	       memcmp(a->set, b->set, 2 * (size_t)a->nwords * sizeof(uint64_t)) == 0;
}

void sql_shape_copy(struct sql_shape *dst, const struct sql_shape *src)
{
	shape_reset(dst, src->kind, src->nwords * 64);
	memcpy(dst->set, src->set, 2 * (size_t)src->nwords * sizeof(uint64_t));
	dst->lenient = src->lenient;
	dst->nrows = src->nrows;
}

void sql_shape_free(struct sql_shape *shape)
{
	free(shape->set);
	memset(shape, 0, sizeof(*shape));
}

bool sql_kind_multirow(enum sql_kind kind)
{
	return kind == SQL_UPSERT || kind == SQL_DELETE;
}

/* True if column c is part of the table's primary key. */
static bool is_key(const struct meepo_table *t, uint32_t c)
{
	uint32_t k;

	for (k = 0; k < t->nkey; k++) {
		if (t->key[k] == c) {
			return true;
		}
	}
	return false;
}

/*
 * Appends the columns of `mask`, each as `name` followed by `suffix`,
 * separated by `sep`. Returns how many were written.
 */
static uint32_t put_columns(struct meepo_buf *out, const struct meepo_table *t, const uint64_t *mask,
                            const char *suffix, const char *sep)
{
	uint32_t n = 0;
	uint32_t c;

	for (c = 0; c < t->ncolumns; c++) {
		if (!mask_has(mask, c)) {
			continue;
		}
		if (n++ > 0) {
			meepo_buf_puts(out, sep);
		}
		sql_quote_ident(out, t->columns[c].name);
		meepo_buf_puts(out, suffix);
	}
	return n;
}

/* True if column c holds character or binary strings (compared byte for byte). */
static bool is_string_column(const struct meepo_column *c)
{
	switch (c->type) {
	case MYSQL_TYPE_VARCHAR:
	case MYSQL_TYPE_VAR_STRING:
	case MYSQL_TYPE_STRING:
	case MYSQL_TYPE_TINY_BLOB:
	case MYSQL_TYPE_MEDIUM_BLOB:
	case MYSQL_TYPE_LONG_BLOB:
	case MYSQL_TYPE_BLOB:
		return true;
	default:
		return false;
	}
}

/*
 * Appends the match of a row without primary key: every column of `mask`
 * null-safe equal to its before value (strings as bytes, so that a
 * case-insensitive collation cannot match another row), then LIMIT 1.
 */
static void put_row_match(struct meepo_buf *out, const struct meepo_table *t, const uint64_t *mask)
{
	uint32_t n = 0;
	uint32_t c;

	for (c = 0; c < t->ncolumns; c++) {
		if (!mask_has(mask, c)) {
			continue;
		}
		if (n++ > 0) {
			meepo_buf_puts(out, " AND ");
		}
		if (is_string_column(&t->columns[c])) {
			meepo_buf_puts(out, "CAST(");
			sql_quote_ident(out, t->columns[c].name);
			meepo_buf_puts(out, " AS BINARY) <=> ?");
		} else {
			sql_quote_ident(out, t->columns[c].name);
			meepo_buf_puts(out, " <=> ?");
		}
	}
	meepo_buf_puts(out, " LIMIT 1");
}

/* Appends "(?, ?, ..)" with n placeholders. */
static void put_placeholders(struct meepo_buf *out, uint32_t n)
{
	uint32_t i;

	meepo_buf_putc(out, '(');
	for (i = 0; i < n; i++) {
		meepo_buf_puts(out, i > 0 ? ", ?" : "?");
	}
	meepo_buf_putc(out, ')');
}

static void build_upsert(struct meepo_buf *out, const struct meepo_table *t, const struct sql_shape *s)
{
	uint32_t nset = mask_count(s->set, s->nwords);
	uint32_t first = t->ncolumns;
	uint32_t n = 0;
	uint32_t c;
	uint32_t r;

	meepo_buf_puts(out, " (");
	put_columns(out, t, s->set, "", ", ");
	meepo_buf_puts(out, ") VALUES ");
	for (r = 0; r < s->nrows; r++) {
		if (r > 0) {
			meepo_buf_puts(out, ", ");
		}
		put_placeholders(out, nset);
	}
	meepo_buf_puts(out, " ON DUPLICATE KEY UPDATE ");
	for (c = 0; c < t->ncolumns; c++) {
		if (!mask_has(s->set, c)) {
			continue;
		}
		if (first == t->ncolumns) {
			first = c;
		}
		if (is_key(t, c)) {
			continue;
		}
		if (n++ > 0) {
			meepo_buf_puts(out, ", ");
		}
		sql_quote_ident(out, t->columns[c].name);
		meepo_buf_puts(out, " = VALUES(");
		sql_quote_ident(out, t->columns[c].name);
		meepo_buf_putc(out, ')');
	}
	if (n == 0 && first < t->ncolumns) {
		/* Only key columns: the row exists, there is nothing to change. */
		sql_quote_ident(out, t->columns[first].name);
		meepo_buf_puts(out, " = ");
		sql_quote_ident(out, t->columns[first].name);
	}
}

/* Appends the WHERE clause of a multi-row DELETE by key. */
static void build_delete_where(struct meepo_buf *out, const struct meepo_table *t, const struct sql_shape *s)
{
	uint32_t nwhere = mask_count(s->where, s->nwords);
	uint32_t r;

	if (s->nrows == 1) {
		put_columns(out, t, s->where, " = ?", " AND ");
		return;
	}
	if (nwhere == 1) {
		put_columns(out, t, s->where, " IN ", "");
		put_placeholders(out, s->nrows);
		return;
	}
	for (r = 0; r < s->nrows; r++) {
		meepo_buf_puts(out, r > 0 ? " OR (" : "(");
		put_columns(out, t, s->where, " = ?", " AND ");
		meepo_buf_putc(out, ')');
	}
}

/*
 * Appends the statement's verb ("INSERT", "UPDATE", "DELETE"), with the
 * lenient sql_mode attached in the flavor's syntax when the shape needs it.
 */
static void put_verb(struct meepo_buf *out, enum sql_flavor flavor, const struct sql_shape *shape,
                     const char *verb)
{
	if (!shape->lenient) {
		meepo_buf_puts(out, verb);
	} else if (flavor == SQL_MARIADB) {
		meepo_buf_printf(out, "SET STATEMENT sql_mode = '%s' FOR %s", SQL_MODE_LENIENT, verb);
	} else {
		meepo_buf_printf(out, "%s /*+ SET_VAR(sql_mode = '%s') */", verb, SQL_MODE_LENIENT);
	}
}

void sql_build_text(struct meepo_buf *out, enum sql_flavor flavor, const char *schema,
                    const char *table, const struct meepo_table *t, const struct sql_shape *shape)
{
	switch (shape->kind) {
	case SQL_UPSERT:
		put_verb(out, flavor, shape, "INSERT");
		meepo_buf_puts(out, " INTO ");
		quote_table(out, schema, table);
		build_upsert(out, t, shape);
		break;
	case SQL_DELETE:
	case SQL_DELETE_ROW:
		put_verb(out, flavor, shape, "DELETE");
		meepo_buf_puts(out, " FROM ");
		quote_table(out, schema, table);
		meepo_buf_puts(out, " WHERE ");
		if (shape->kind == SQL_DELETE) {
			build_delete_where(out, t, shape);
		} else {
			put_row_match(out, t, shape->where);
		}
		break;
	case SQL_UPDATE:
	case SQL_UPDATE_ROW:
		put_verb(out, flavor, shape, "UPDATE");
		meepo_buf_putc(out, ' ');
		quote_table(out, schema, table);
		meepo_buf_puts(out, " SET ");
		put_columns(out, t, shape->set, " = ?", ", ");
		meepo_buf_puts(out, " WHERE ");
		if (shape->kind == SQL_UPDATE) {
			put_columns(out, t, shape->where, " = ?", " AND ");
		} else {
			put_row_match(out, t, shape->where);
		}
		break;
	}
}

/* Stores the columns of mask (from `image`) at params + n; returns the new n. */
static size_t put_params(const uint64_t *mask, uint32_t nwords, enum sql_image image,
                         struct sql_param *params, size_t n)
{
	uint32_t c;

	for (c = 0; c < nwords * 64; c++) {
		if (!mask_has(mask, c)) {
			continue;
		}
		if (params != NULL) {
			params[n].column = c;
			params[n].image = image;
		}
		n++;
	}
	return n;
}

size_t sql_build_params(const struct sql_shape *shape, struct sql_param *params)
{
	size_t n = put_params(shape->set, shape->nwords, SQL_AFTER, params, 0);

	return put_params(shape->where, shape->nwords, SQL_BEFORE, params, n);
}

void sql_describe_key(struct meepo_buf *out, const struct meepo_event *event, enum sql_kind kind)
{
	const struct meepo_table *t = event->table;
	const struct meepo_value *image = kind == SQL_UPSERT ? event->after : event->before;
	uint32_t k;

	if (t->nkey == 0 || image == NULL) {
		meepo_buf_puts(out, "a row without primary key");
		return;
	}
	meepo_buf_puts(out, "key (");
	for (k = 0; k < t->nkey && t->key[k] < t->ncolumns; k++) {
		if (k > 0) {
			meepo_buf_puts(out, ", ");
		}
		meepo_buf_printf(out, "%s=", t->columns[t->key[k]].name);
		if (meepo_value_append_text(out, &image[t->key[k]]) != 0) {
			meepo_buf_puts(out, "?");
		}
	}
	meepo_buf_putc(out, ')');
}

/* ---- the state table --------------------------------------------------------- */

void sql_state_create_text(struct meepo_buf *out, const char *schema, const char *table)
{
	meepo_buf_puts(out, "CREATE TABLE IF NOT EXISTS ");
	quote_table(out, schema, table);
	meepo_buf_puts(out,
	               " (\n"
	               "  `sink` VARCHAR(191) NOT NULL COMMENT 'meepo sink instance name',\n"
	               "  `file` VARCHAR(255) NOT NULL COMMENT 'source binlog file of the last applied transaction',\n"
	               "  `offset` BIGINT UNSIGNED NOT NULL COMMENT 'start offset of that transaction',\n"
	               "  `row_index` INT UNSIGNED NOT NULL COMMENT 'index of its last applied row',\n"
	               "  `gtid` VARCHAR(255) NULL COMMENT 'its GTID, NULL if none',\n"
	               "  `server_id` INT UNSIGNED NOT NULL COMMENT 'source server that wrote it',\n"
	               "  `updated_at` DATETIME(6) NOT NULL COMMENT 'when the target committed it',\n"
	               "  PRIMARY KEY (`sink`)\n"
	               ") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4");
}

void sql_state_select_text(struct meepo_buf *out, const char *schema, const char *table)
{
	meepo_buf_puts(out, "SELECT `file`, `offset`, `row_index` FROM ");
	quote_table(out, schema, table);
	meepo_buf_puts(out, " WHERE `sink` = ?");
}

void sql_state_upsert_text(struct meepo_buf *out, const char *schema, const char *table)
{
	meepo_buf_puts(out, "INSERT INTO ");
	quote_table(out, schema, table);
	meepo_buf_puts(out,
	               " (`sink`, `file`, `offset`, `row_index`, `gtid`, `server_id`, `updated_at`)"
	               " VALUES (?, ?, ?, ?, ?, ?, NOW(6)) ON DUPLICATE KEY UPDATE"
	               " `file` = VALUES(`file`), `offset` = VALUES(`offset`),"
	               " `row_index` = VALUES(`row_index`), `gtid` = VALUES(`gtid`),"
	               " `server_id` = VALUES(`server_id`), `updated_at` = VALUES(`updated_at`)");
}

/* ---- positions ---------------------------------------------------------------- */

/* Parses the digits after the last '.' of name into *num; false if there are none. */
static bool file_suffix(const char *name, uint64_t *num)
{
	const char *dot = strrchr(name, '.');
	const char *p;
	char *end;

	if (dot == NULL || dot[1] == '\0') {
		return false;
	}
	for (p = dot + 1; *p != '\0'; p++) {
		if (*p < '0' || *p > '9') {
			return false;
		}
	}
	errno = 0;
	*num = strtoull(dot + 1, &end, 10);
	return errno == 0 && *end == '\0';
}

int sql_file_cmp(const char *a, const char *b)
{
	uint64_t na;
	uint64_t nb;

	if (file_suffix(a, &na) && file_suffix(b, &nb)) {
		return na < nb ? -1 : na > nb;
	}
	return strcmp(a, b);
}

int sql_pos_cmp(const char *file_a, uint64_t offset_a, uint32_t row_a,
                const char *file_b, uint64_t offset_b, uint32_t row_b)
{
	int c = strcmp(file_a, file_b) == 0 ? 0 : sql_file_cmp(file_a, file_b);

	if (c != 0) {
		return c;
	}
	if (offset_a != offset_b) {
		return offset_a < offset_b ? -1 : 1;
	}
	return row_a < row_b ? -1 : row_a > row_b;
}

/* ---- errors ------------------------------------------------------------------- */

enum sql_error_class sql_error_classify(unsigned int errnum)
{
	if ((errnum >= CR_MIN_ERROR && errnum <= CR_MAX_ERROR) ||
	    (errnum >= CER_MIN_ERROR && errnum <= CER_MAX_ERROR)) {
		return SQL_ERR_RECONNECT;
	}
	switch (errnum) {
	case ER_CON_COUNT_ERROR:
	case ER_SERVER_SHUTDOWN:
	case ER_ABORTING_CONNECTION:
	case ER_NET_READ_ERROR_FROM_PIPE:
	case ER_NET_FCNTL_ERROR:
	case ER_NET_PACKETS_OUT_OF_ORDER:
	case ER_NET_UNCOMPRESS_ERROR:
	case ER_NET_READ_ERROR:
	case ER_NET_READ_INTERRUPTED:
	case ER_NET_ERROR_ON_WRITE:
	case ER_NET_WRITE_INTERRUPTED:
	case ER_NEW_ABORTING_CONNECTION:
	case ER_CONNECTION_KILLED:
	case ER_TABLE_DEF_CHANGED:  /* statements must be prepared again */
	case ER_NEED_REPREPARE:
	case 4031: /* MySQL 8 ER_CLIENT_INTERACTION_TIMEOUT */
		return SQL_ERR_RECONNECT;
	case ER_DISK_FULL:
	case ER_OUTOFMEMORY:
	case ER_OUT_OF_SORTMEMORY:
	case ER_OUT_OF_RESOURCES:
	case ER_ERROR_DURING_COMMIT:
	case ER_TOO_MANY_USER_CONNECTIONS:
	case ER_LOCK_WAIT_TIMEOUT:
	case ER_LOCK_TABLE_FULL:
	case ER_LOCK_DEADLOCK:
	case ER_USER_LIMIT_REACHED:
	case ER_OPTION_PREVENTS_STATEMENT:
	case ER_QUERY_INTERRUPTED:
	case ER_XA_RBDEADLOCK:
	case ER_TOO_MANY_CONCURRENT_TRXS:
	case ER_LOCK_ABORTED:
	case ER_CANT_EXECUTE_IN_READ_ONLY_TRANSACTION:
	case ER_READ_ONLY_MODE:
		return SQL_ERR_RETRY;
	default:
		return SQL_ERR_REJECT;
	}
}
