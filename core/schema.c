/*
 * core/schema.c - completing a TABLE_MAP from information_schema (see
 * schema.h). Asked once per distinct TABLE_MAP: the reader reuses a table
 * whose TABLE_MAP bytes did not change.
 *
 * Besides names, signedness and the key, it gives the fractional precision
 * of MariaDB's pre-10.1 TIME/DATETIME/TIMESTAMP(n) columns, which the
 * binlog does not carry (their TABLE_MAP metadata is empty).
 *
 * Caveat, logged by the caller: information_schema describes the table as
 * it is now, which may differ from when the event was written; a column
 * count mismatch is detected and refused, a renamed column is not.
 *
 * Concurrency: reader thread only.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mysql.h>

#include "schema.h"
#include "sqltype.h"

struct schema {
	const struct source_config *conf;   /* where to connect (borrowed) */
	MYSQL *mysql;                       /* NULL until first needed, or after an error */
};

struct schema *schema_new(const struct source_config *conf)
{
	struct schema *schema = calloc(1, sizeof(*schema));

	if (schema == NULL) {
		abort();
	}
	schema->conf = conf;
	return schema;
}

void schema_free(struct schema *schema)
{
	if (schema != NULL) {
		if (schema->mysql != NULL) {
			mysql_close(schema->mysql);
		}
		free(schema);
	}
}

static int ensure_connected(struct schema *schema, char *err, size_t errlen)
{
	const struct source_config *c = schema->conf;
	unsigned timeout = (c->connect_timeout_ms + 999) / 1000;

	if (schema->mysql != NULL) {
		return 0;
	}
	schema->mysql = mysql_init(NULL);
	if (schema->mysql == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	mysql_optionsv(schema->mysql, MYSQL_OPT_CONNECT_TIMEOUT, &timeout);
	/* Names and ENUM/SET members come back as UTF-8, as meepo hands them on. */
	mysql_optionsv(schema->mysql, MYSQL_SET_CHARSET_NAME, "utf8mb4");
	if (mysql_real_connect(schema->mysql, c->host, c->user, c->password, NULL, (unsigned)c->port,
	                       c->socket, 0) == NULL) {
		snprintf(err, errlen, "information_schema unavailable: %s", mysql_error(schema->mysql));
		mysql_close(schema->mysql);
		schema->mysql = NULL;
		return -1;
	}
	return 0;
}

/* Runs "<select> WHERE <schema.table matches> <rest>" and stores the result. */
static MYSQL_RES *query(struct schema *schema, const char *select, const char *rest,
                        const struct meepo_table *t, char *err, size_t errlen)
{
	size_t ls = strlen(t->schema);
	size_t lt = strlen(t->name);
	char *es = malloc(ls * 2 + 1);
	char *et = malloc(lt * 2 + 1);
	char sql[2048];
	MYSQL_RES *res = NULL;

	if (es == NULL || et == NULL) {
		abort();
	}
	mysql_real_escape_string(schema->mysql, es, t->schema, ls);
	mysql_real_escape_string(schema->mysql, et, t->name, lt);
	snprintf(sql, sizeof(sql), "%s WHERE TABLE_SCHEMA = '%s' AND TABLE_NAME = '%s' %s", select,
	         es, et, rest);
	if (mysql_query(schema->mysql, sql) != 0 || (res = mysql_store_result(schema->mysql)) == NULL) {
		snprintf(err, errlen, "information_schema query failed: %s", mysql_error(schema->mysql));
		mysql_close(schema->mysql);
		schema->mysql = NULL;
	}
	free(es);
	free(et);
	return res;
}

struct binlog_table *schema_complete(struct schema *schema, const struct binlog_table *def,
                                     char *err, size_t errlen)
{
	const struct meepo_table *t = &def->table;
	struct binlog_table *done = NULL;
	struct binlog_table_overlay o = { 0 };
	MYSQL_RES *cols = NULL;
	MYSQL_RES *keys = NULL;
	const char **names = NULL;
	bool *is_unsigned = NULL;
	uint16_t *charsets = NULL;
	uint16_t *precision = NULL;
	struct meepo_strlist *members = NULL;
	uint32_t *key = NULL;
	MYSQL_ROW row;

	if (ensure_connected(schema, err, errlen) != 0) {
		return NULL;
	}
	cols = query(schema,
	             "SELECT COLUMN_NAME, COLUMN_TYPE, DATETIME_PRECISION, "
	             "(SELECT ID FROM information_schema.COLLATIONS AS co "
	             "WHERE co.COLLATION_NAME = c.COLLATION_NAME) "
	             "FROM information_schema.COLUMNS AS c", "ORDER BY ORDINAL_POSITION", t, err, errlen);
	if (cols == NULL) {
		goto out;
	}
	if (mysql_num_rows(cols) != t->ncolumns) {
		snprintf(err, errlen, "information_schema shows %llu columns, the binlog %u "
		         "(the table changed since)", (unsigned long long)mysql_num_rows(cols), t->ncolumns);
		goto out;
	}
	names = calloc(t->ncolumns, sizeof(*names));
	is_unsigned = calloc(t->ncolumns, sizeof(*is_unsigned));
	charsets = calloc(t->ncolumns, sizeof(*charsets));
	precision = calloc(t->ncolumns, sizeof(*precision));
	members = calloc(t->ncolumns, sizeof(*members));
	key = calloc(t->ncolumns, sizeof(*key));
	if (names == NULL || is_unsigned == NULL || charsets == NULL || precision == NULL ||
	    members == NULL || key == NULL) {
		abort();
	}
	for (uint32_t i = 0; (row = mysql_fetch_row(cols)) != NULL; i++) {
		const char *type = row[1] != NULL ? row[1] : "";
		names[i] = row[0] != NULL ? row[0] : "";
		is_unsigned[i] = strstr(type, "unsigned") != NULL;
		precision[i] = row[2] != NULL ? (uint16_t)atoi(row[2]) : 0;
		/* No collation: a binary string (BLOB, BINARY), or not a string at all. */
		charsets[i] = row[3] != NULL ? (uint16_t)atoi(row[3]) : 63;
		sqltype_parse_members(type, &members[i]);
	}
	keys = query(schema, "SELECT COLUMN_NAME FROM information_schema.STATISTICS",
	             "AND INDEX_NAME = 'PRIMARY' ORDER BY SEQ_IN_INDEX", t, err, errlen);
	if (keys == NULL) {
		goto out;
	}
	while ((row = mysql_fetch_row(keys)) != NULL && o.nkey < t->ncolumns) {
		for (uint32_t i = 0; i < t->ncolumns; i++) {
			if (row[0] != NULL && strcmp(names[i], row[0]) == 0) {
				key[o.nkey++] = i;
				break;
			}
		}
	}
	o.names = names;
	o.key = key;
	o.is_unsigned = is_unsigned;
	o.charsets = charsets;
	o.temporal_meta = precision;
	o.members = members;
	done = binlog_table_complete(def, &o);
	if (done == NULL) {
		snprintf(err, errlen, "out of memory");
	}
out:
	free(names);
	free(is_unsigned);
	free(charsets);
	free(precision);
	sqltype_free_members(members, t->ncolumns);
	free(key);
	if (cols != NULL) {
		mysql_free_result(cols);
	}
	if (keys != NULL) {
		mysql_free_result(keys);
	}
	return done;
}
