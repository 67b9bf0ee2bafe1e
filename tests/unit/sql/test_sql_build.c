/*
 * tests/unit/sql/test_sql_build.c - the sql sink's pure parts without a
 * server: name mapping, identifier quoting, which statements apply an event,
 * their exact SQL text and parameter order per table/action/present columns,
 * key changes, the state table's statements, position order, error classes
 * and value binding.
 *
 * Concurrency: single-threaded cmocka program.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "sql_bind.h"
#include "sql_build.h"

/* ---- fake tables and events -------------------------------------------- */

/* users(id INT, name VARCHAR, score DOUBLE), PRIMARY KEY (id) */
static const struct meepo_column user_cols[] = {
	{ .name = "id", .type = MYSQL_TYPE_LONG },
	{ .name = "name", .type = MYSQL_TYPE_VARCHAR, .charset = 45 },
	{ .name = "score", .type = MYSQL_TYPE_DOUBLE },
};
static const uint32_t user_key[] = { 0 };
static const struct meepo_table users = {
	.schema = "shop", .name = "users", .ncolumns = 3, .columns = user_cols,
	.nkey = 1, .key = user_key,
};

/* orders(tenant, id, data), PRIMARY KEY (tenant, id) */
static const struct meepo_column order_cols[] = {
	{ .name = "tenant", .type = MYSQL_TYPE_VARCHAR },
	{ .name = "id", .type = MYSQL_TYPE_LONGLONG },
	{ .name = "data", .type = MYSQL_TYPE_VARCHAR },
};
static const uint32_t order_key[] = { 0, 1 };
static const struct meepo_table orders = {
	.schema = "shop", .name = "orders", .ncolumns = 3, .columns = order_cols,
	.nkey = 2, .key = order_key,
};

/* log(a, b) without a primary key */
static const struct meepo_column log_cols[] = {
	{ .name = "a", .type = MYSQL_TYPE_LONG },
	{ .name = "b", .type = MYSQL_TYPE_VARCHAR },
};
static const struct meepo_table logt = {
	.schema = "shop", .name = "log", .ncolumns = 2, .columns = log_cols,
};

/* we`ird(k`ey PRIMARY KEY, `v a l`) */
static const struct meepo_column weird_cols[] = {
	{ .name = "k`ey", .type = MYSQL_TYPE_LONG },
	{ .name = "v a l", .type = MYSQL_TYPE_LONG },
};
static const struct meepo_table weird = {
	.schema = "s`1", .name = "we`ird", .ncolumns = 2, .columns = weird_cols,
	.nkey = 1, .key = user_key,
};

/* A table of only key columns: tags(id) PRIMARY KEY (id) */
static const struct meepo_column tag_cols[] = {
	{ .name = "id", .type = MYSQL_TYPE_LONG },
};
static const struct meepo_table tags = {
	.schema = "shop", .name = "tags", .ncolumns = 1, .columns = tag_cols,
	.nkey = 1, .key = user_key,
};

static struct meepo_value v_int(int64_t i)
{
	struct meepo_value v = { .type = MEEPO_VALUE_INT };

	v.i = i;
	return v;
}

static struct meepo_value v_str(const char *s)
{
	struct meepo_value v = { .type = MEEPO_VALUE_STRING };

	v.str.ptr = s;
	v.str.len = strlen(s);
	v.str.charset = 45;
	return v;
}

static struct meepo_value v_double(double d)
{
	struct meepo_value v = { .type = MEEPO_VALUE_DOUBLE };

	v.d = d;
	return v;
}

static const struct meepo_value v_null = { .type = MEEPO_VALUE_NULL };
static const struct meepo_value v_absent = { .type = MEEPO_VALUE_ABSENT };

static struct meepo_event event(const struct meepo_table *t, enum meepo_action action,
                                const struct meepo_value *before, const struct meepo_value *after)
{
	struct meepo_event ev = {
		.table = t, .action = action, .before = before, .after = after,
		.file = "mysql-bin.000007", .offset = 1234, .txn_offset = 1200, .server_id = 1,
		.row_index = 3, .last = true,
	};
	return ev;
}

/* Holds the last text_of() result. */
static struct meepo_buf text_buf;

/* Returns the SQL text of statement `kind` over ev (nrows rows) in `flavor`. */
static const char *text_of(enum sql_kind kind, const struct meepo_event *ev, uint32_t nrows,
                           enum sql_flavor flavor)
{
	struct meepo_buf *out = &text_buf;
	struct sql_shape shape = { 0 };
	char err[256];

	meepo_buf_reset(out);
	assert_int_equal(sql_shape_of(&shape, kind, ev, NULL, err, sizeof(err)), 0);
	shape.nrows = nrows;
	sql_build_text(out, flavor, "dst", ev->table->name, ev->table, &shape);
	sql_shape_free(&shape);
	return out->data;
}

/* ---- names ---------------------------------------------------------------- */

static void test_quote_ident(void **state)
{
	struct meepo_buf b = { 0 };

	(void)state;
	sql_quote_ident(&b, "plain");
	meepo_buf_putc(&b, ' ');
	sql_quote_ident(&b, "a`b``c");
	meepo_buf_putc(&b, ' ');
	sql_quote_ident(&b, "");
	assert_string_equal(b.data, "`plain` `a``b````c` ``");
	meepo_buf_free(&b);
}

static void test_names_resolve(void **state)
{
	struct sql_names n = { 0 };
	const char *schema;
	const char *table;
	char err[256];

	(void)state;
	/* No mapping: same names. */
	sql_names_resolve(&n, "shop", "users", &schema, &table);
	assert_string_equal(schema, "shop");
	assert_string_equal(table, "users");

	n.database = strdup("replica");
	assert_int_equal(sql_names_add(&n, false, "crm:crm_copy", err, sizeof(err)), 0);
	assert_int_equal(sql_names_add(&n, true, "users:customers", err, sizeof(err)), 0);
	assert_int_equal(sql_names_add(&n, true, "crm.users:archive.crm_users", err, sizeof(err)), 0);
	assert_int_equal(sql_names_add(&n, true, "shop.orders:orders_v2", err, sizeof(err)), 0);

	sql_names_resolve(&n, "shop", "users", &schema, &table);
	assert_string_equal(schema, "replica");
	assert_string_equal(table, "customers");
	/* A qualified rename wins over an unqualified one, and names its schema. */
	sql_names_resolve(&n, "crm", "users", &schema, &table);
	assert_string_equal(schema, "archive");
	assert_string_equal(table, "crm_users");
	/* schema_map beats database. */
	sql_names_resolve(&n, "crm", "leads", &schema, &table);
	assert_string_equal(schema, "crm_copy");
	assert_string_equal(table, "leads");
	sql_names_resolve(&n, "shop", "orders", &schema, &table);
	assert_string_equal(schema, "replica");
	assert_string_equal(table, "orders_v2");
	sql_names_resolve(&n, "other", "orders", &schema, &table);
	assert_string_equal(schema, "replica");
	assert_string_equal(table, "orders");

	assert_int_equal(sql_names_add(&n, false, "nocolon", err, sizeof(err)), -1);
	assert_string_equal(err, "\"nocolon\": expected \"source:target\"");
	assert_int_equal(sql_names_add(&n, false, ":x", err, sizeof(err)), -1);
	assert_string_equal(err, "\":x\": empty schema name");
	assert_int_equal(sql_names_add(&n, true, "a.:b", err, sizeof(err)), -1);
	assert_string_equal(err, "\"a.:b\": empty schema or table name");
	assert_int_equal(sql_names_add(&n, true, "a:.b", err, sizeof(err)), -1);
	assert_int_equal(n.ntables, 3);
	assert_int_equal(n.nschemas, 1);
	sql_names_free(&n);
	assert_null(n.tables);
}

/* ---- steps ----------------------------------------------------------------- */

static void test_steps(void **state)
{
	struct meepo_value before[3] = { v_int(1), v_str("a"), v_double(1) };
	struct meepo_value after[3] = { v_int(1), v_str("b"), v_double(1) };
	struct meepo_value moved[3] = { v_int(2), v_str("a"), v_double(1) };
	struct meepo_value partial[3] = { v_absent, v_str("b"), v_absent };
	struct meepo_value row[2] = { v_int(1), v_str("x") };
	struct meepo_event ev;
	enum sql_kind k[2];

	(void)state;
	ev = event(&users, MEEPO_WRITE, NULL, after);
	assert_int_equal(sql_event_steps(&ev, k), 1);
	assert_int_equal(k[0], SQL_UPSERT);
	ev = event(&users, MEEPO_DELETE, before, NULL);
	assert_int_equal(sql_event_steps(&ev, k), 1);
	assert_int_equal(k[0], SQL_DELETE);
	ev = event(&users, MEEPO_UPDATE, before, after);
	assert_int_equal(sql_event_steps(&ev, k), 1);
	assert_int_equal(k[0], SQL_UPSERT);
	/* A key change deletes the old key first. */
	ev = event(&users, MEEPO_UPDATE, before, moved);
	assert_int_equal(sql_event_steps(&ev, k), 2);
	assert_int_equal(k[0], SQL_DELETE);
	assert_int_equal(k[1], SQL_UPSERT);
	/* MINIMAL after image: UPDATE of the present columns. */
	ev = event(&users, MEEPO_UPDATE, before, partial);
	assert_int_equal(sql_event_steps(&ev, k), 1);
	assert_int_equal(k[0], SQL_UPDATE);
	/* No primary key. */
	ev = event(&logt, MEEPO_WRITE, NULL, row);
	assert_int_equal(sql_event_steps(&ev, k), 1);
	assert_int_equal(k[0], SQL_UPSERT);
	ev = event(&logt, MEEPO_UPDATE, row, row);
	assert_int_equal(sql_event_steps(&ev, k), 1);
	assert_int_equal(k[0], SQL_UPDATE_ROW);
	ev = event(&logt, MEEPO_DELETE, row, NULL);
	assert_int_equal(sql_event_steps(&ev, k), 1);
	assert_int_equal(k[0], SQL_DELETE_ROW);
}

/* ---- statement text ---------------------------------------------------------- */

static void test_text_upsert(void **state)
{
	struct meepo_value after[3] = { v_int(1), v_str("b"), v_null };
	struct meepo_value partial[3] = { v_int(1), v_absent, v_double(2) };
	struct meepo_value only_key[1] = { v_int(7) };
	struct meepo_event ev = event(&users, MEEPO_WRITE, NULL, after);

	(void)state;
	assert_string_equal(text_of(SQL_UPSERT, &ev, 1, SQL_MARIADB),
	                    "INSERT INTO `dst`.`users` (`id`, `name`, `score`) VALUES (?, ?, ?)"
	                    " ON DUPLICATE KEY UPDATE `name` = VALUES(`name`), `score` = VALUES(`score`)");
	assert_string_equal(text_of(SQL_UPSERT, &ev, 3, SQL_MARIADB),
	                    "INSERT INTO `dst`.`users` (`id`, `name`, `score`) VALUES (?, ?, ?),"
	                    " (?, ?, ?), (?, ?, ?)"
	                    " ON DUPLICATE KEY UPDATE `name` = VALUES(`name`), `score` = VALUES(`score`)");
	/* Only the present columns are set. */
	ev = event(&users, MEEPO_WRITE, NULL, partial);
	assert_string_equal(text_of(SQL_UPSERT, &ev, 1, SQL_MARIADB),
	                    "INSERT INTO `dst`.`users` (`id`, `score`) VALUES (?, ?)"
	                    " ON DUPLICATE KEY UPDATE `score` = VALUES(`score`)");
	/* A table of key columns only: a duplicate changes nothing. */
	ev = event(&tags, MEEPO_WRITE, NULL, only_key);
	assert_string_equal(text_of(SQL_UPSERT, &ev, 2, SQL_MARIADB),
	                    "INSERT INTO `dst`.`tags` (`id`) VALUES (?), (?)"
	                    " ON DUPLICATE KEY UPDATE `id` = `id`");
}

static void test_text_delete(void **state)
{
	struct meepo_value before[3] = { v_int(1), v_str("a"), v_double(1) };
	struct meepo_value obefore[3] = { v_str("acme"), v_int(2), v_str("x") };
	struct meepo_event ev = event(&users, MEEPO_DELETE, before, NULL);

	(void)state;
	assert_string_equal(text_of(SQL_DELETE, &ev, 1, SQL_MARIADB),
	                    "DELETE FROM `dst`.`users` WHERE `id` = ?");
	assert_string_equal(text_of(SQL_DELETE, &ev, 4, SQL_MARIADB),
	                    "DELETE FROM `dst`.`users` WHERE `id` IN (?, ?, ?, ?)");
	ev = event(&orders, MEEPO_DELETE, obefore, NULL);
	assert_string_equal(text_of(SQL_DELETE, &ev, 1, SQL_MARIADB),
	                    "DELETE FROM `dst`.`orders` WHERE `tenant` = ? AND `id` = ?");
	assert_string_equal(text_of(SQL_DELETE, &ev, 2, SQL_MARIADB),
	                    "DELETE FROM `dst`.`orders` WHERE (`tenant` = ? AND `id` = ?)"
	                    " OR (`tenant` = ? AND `id` = ?)");
}

static void test_text_key_change(void **state)
{
	struct meepo_value before[3] = { v_str("acme"), v_int(1), v_str("x") };
	struct meepo_value after[3] = { v_str("globex"), v_int(1), v_str("x") };
	struct meepo_event ev = event(&orders, MEEPO_UPDATE, before, after);
	struct sql_shape shape = { 0 };
	struct sql_param p[8];
	enum sql_kind k[2];
	char err[256];

	(void)state;
	assert_int_equal(sql_event_steps(&ev, k), 2);
	assert_string_equal(text_of(k[0], &ev, 1, SQL_MARIADB),
	                    "DELETE FROM `dst`.`orders` WHERE `tenant` = ? AND `id` = ?");
	assert_string_equal(text_of(k[1], &ev, 1, SQL_MARIADB),
	                    "INSERT INTO `dst`.`orders` (`tenant`, `id`, `data`) VALUES (?, ?, ?)"
	                    " ON DUPLICATE KEY UPDATE `data` = VALUES(`data`)");
	/* The delete binds the old key from the before image, the upsert the after image. */
	assert_int_equal(sql_shape_of(&shape, k[0], &ev, NULL, err, sizeof(err)), 0);
	assert_int_equal(sql_build_params(&shape, p), 2);
	assert_int_equal(p[0].column, 0);
	assert_int_equal(p[0].image, SQL_BEFORE);
	assert_int_equal(p[1].column, 1);
	assert_int_equal(p[1].image, SQL_BEFORE);
	assert_int_equal(sql_shape_of(&shape, k[1], &ev, NULL, err, sizeof(err)), 0);
	assert_int_equal(sql_build_params(&shape, p), 3);
	assert_int_equal(p[0].image, SQL_AFTER);
	assert_int_equal(p[2].column, 2);
	sql_shape_free(&shape);
}

static void test_text_update_partial(void **state)
{
	struct meepo_value before[3] = { v_int(5), v_absent, v_absent };
	struct meepo_value after[3] = { v_absent, v_str("n"), v_null };
	struct meepo_event ev = event(&users, MEEPO_UPDATE, before, after);
	struct sql_shape shape = { 0 };
	struct sql_param p[8];
	char err[256];

	(void)state;
	assert_string_equal(text_of(SQL_UPDATE, &ev, 1, SQL_MARIADB),
	                    "UPDATE `dst`.`users` SET `name` = ?, `score` = ? WHERE `id` = ?");
	assert_int_equal(sql_shape_of(&shape, SQL_UPDATE, &ev, NULL, err, sizeof(err)), 0);
	assert_int_equal(sql_build_params(&shape, p), 3);
	assert_int_equal(p[0].column, 1);
	assert_int_equal(p[0].image, SQL_AFTER);
	assert_int_equal(p[1].column, 2);
	assert_int_equal(p[1].image, SQL_AFTER);
	assert_int_equal(p[2].column, 0);
	assert_int_equal(p[2].image, SQL_BEFORE);
	sql_shape_free(&shape);
}

static void test_text_no_key(void **state)
{
	struct meepo_value before[2] = { v_int(1), v_null };
	struct meepo_value after[2] = { v_int(2), v_str("x") };
	struct meepo_value minimal[2] = { v_absent, v_str("y") };
	struct meepo_event ev = event(&logt, MEEPO_UPDATE, before, after);

	(void)state;
	assert_string_equal(text_of(SQL_UPDATE_ROW, &ev, 1, SQL_MARIADB),
	                    "UPDATE `dst`.`log` SET `a` = ?, `b` = ? WHERE `a` <=> ?"
	                    " AND CAST(`b` AS BINARY) <=> ? LIMIT 1");
	ev = event(&logt, MEEPO_UPDATE, before, minimal);
	assert_string_equal(text_of(SQL_UPDATE_ROW, &ev, 1, SQL_MARIADB),
	                    "UPDATE `dst`.`log` SET `b` = ? WHERE `a` <=> ? AND CAST(`b` AS BINARY) <=> ?"
	                    " LIMIT 1");
	ev = event(&logt, MEEPO_DELETE, before, NULL);
	assert_string_equal(text_of(SQL_DELETE_ROW, &ev, 1, SQL_MARIADB),
	                    "DELETE FROM `dst`.`log` WHERE `a` <=> ? AND CAST(`b` AS BINARY) <=> ?"
	                    " LIMIT 1");
	ev = event(&logt, MEEPO_WRITE, NULL, after);
	assert_string_equal(text_of(SQL_UPSERT, &ev, 1, SQL_MARIADB),
	                    "INSERT INTO `dst`.`log` (`a`, `b`) VALUES (?, ?)"
	                    " ON DUPLICATE KEY UPDATE `a` = VALUES(`a`), `b` = VALUES(`b`)");
}

static void test_text_quoting(void **state)
{
	struct meepo_value row[2] = { v_int(1), v_int(2) };
	struct meepo_event ev = event(&weird, MEEPO_WRITE, NULL, row);
	struct meepo_buf out = { 0 };
	struct sql_shape shape = { 0 };
	char err[256];

	(void)state;
	assert_int_equal(sql_shape_of(&shape, SQL_UPSERT, &ev, NULL, err, sizeof(err)), 0);
	sql_build_text(&out, SQL_MARIADB, weird.schema, weird.name, &weird, &shape);
	assert_string_equal(out.data,
	                    "INSERT INTO `s``1`.`we``ird` (`k``ey`, `v a l`) VALUES (?, ?)"
	                    " ON DUPLICATE KEY UPDATE `v a l` = VALUES(`v a l`)");
	sql_shape_free(&shape);
	meepo_buf_free(&out);
}

static void test_text_enum_error_value(void **state)
{
	static const struct meepo_column cols[] = {
		{ .name = "id", .type = MYSQL_TYPE_LONG },
		{ .name = "e", .type = MYSQL_TYPE_ENUM },
	};
	static const struct meepo_table t = {
		.schema = "s", .name = "e", .ncolumns = 2, .columns = cols, .nkey = 1, .key = user_key,
	};
	struct meepo_value row[2] = { v_int(1), { .type = MEEPO_VALUE_ENUM } };
	struct meepo_value ok[2] = { v_int(1), { .type = MEEPO_VALUE_ENUM } };
	struct meepo_event ev = event(&t, MEEPO_WRITE, NULL, row);
	struct meepo_event ev_ok = event(&t, MEEPO_WRITE, NULL, ok);
	struct sql_shape a = { 0 };
	struct sql_shape b = { 0 };
	char err[256];

	(void)state;
	ok[1].enumset.bits = 2;
	assert_string_equal(text_of(SQL_UPSERT, &ev, 1, SQL_MARIADB),
	                    "SET STATEMENT sql_mode = 'NO_AUTO_VALUE_ON_ZERO,NO_ENGINE_SUBSTITUTION'"
	                    " FOR INSERT INTO `dst`.`e` (`id`, `e`) VALUES (?, ?)"
	                    " ON DUPLICATE KEY UPDATE `e` = VALUES(`e`)");
	assert_string_equal(text_of(SQL_UPSERT, &ev, 1, SQL_MYSQL),
	                    "INSERT /*+ SET_VAR(sql_mode = 'NO_AUTO_VALUE_ON_ZERO,NO_ENGINE_SUBSTITUTION') */"
	                    " INTO `dst`.`e` (`id`, `e`) VALUES (?, ?)"
	                    " ON DUPLICATE KEY UPDATE `e` = VALUES(`e`)");
	assert_string_equal(text_of(SQL_UPSERT, &ev_ok, 1, SQL_MYSQL),
	                    "INSERT INTO `dst`.`e` (`id`, `e`) VALUES (?, ?)"
	                    " ON DUPLICATE KEY UPDATE `e` = VALUES(`e`)");
	/* The lenient statement is a different cache entry. */
	assert_int_equal(sql_shape_of(&a, SQL_UPSERT, &ev, NULL, err, sizeof(err)), 0);
	assert_int_equal(sql_shape_of(&b, SQL_UPSERT, &ev_ok, NULL, err, sizeof(err)), 0);
	assert_false(sql_shape_same(&a, &b));
	sql_shape_copy(&b, &a);
	assert_true(sql_shape_same(&a, &b));
	sql_shape_free(&a);
	sql_shape_free(&b);
}

static void test_shape_cache_key(void **state)
{
	struct meepo_value full[3] = { v_int(1), v_str("b"), v_double(3) };
	struct meepo_value partial[3] = { v_int(1), v_absent, v_double(3) };
	struct meepo_value other[3] = { v_int(9), v_str("zz"), v_null };
	struct meepo_event e1 = event(&users, MEEPO_WRITE, NULL, full);
	struct meepo_event e2 = event(&users, MEEPO_WRITE, NULL, partial);
	struct meepo_event e3 = event(&users, MEEPO_WRITE, NULL, other);
	struct meepo_event e4 = event(&users, MEEPO_DELETE, full, NULL);
	struct sql_shape a = { 0 };
	struct sql_shape b = { 0 };
	char err[256];

	(void)state;
	assert_int_equal(sql_shape_of(&a, SQL_UPSERT, &e1, NULL, err, sizeof(err)), 0);
	assert_int_equal(sql_shape_of(&b, SQL_UPSERT, &e3, NULL, err, sizeof(err)), 0);
	assert_true(sql_shape_same(&a, &b));      /* values do not matter, columns do */
	assert_int_equal(sql_shape_of(&b, SQL_UPSERT, &e2, NULL, err, sizeof(err)), 0);
	assert_false(sql_shape_same(&a, &b));
	assert_int_equal(sql_shape_of(&b, SQL_DELETE, &e4, NULL, err, sizeof(err)), 0);
	assert_false(sql_shape_same(&a, &b));
	assert_true(sql_kind_multirow(SQL_UPSERT));
	assert_true(sql_kind_multirow(SQL_DELETE));
	assert_false(sql_kind_multirow(SQL_UPDATE));
	assert_false(sql_kind_multirow(SQL_DELETE_ROW));
	sql_shape_free(&a);
	sql_shape_free(&b);
}

static void test_shape_omit(void **state)
{
	struct meepo_value row[3] = { v_int(1), v_str("b"), v_double(3) };
	struct meepo_event ev = event(&users, MEEPO_WRITE, NULL, row);
	const uint64_t omit[1] = { UINT64_C(1) << 2 };
	const uint64_t all[1] = { 7 };
	struct sql_shape s = { 0 };
	struct meepo_buf out = { 0 };
	char err[256];

	(void)state;
	/* A generated column of the target is not written. */
	assert_int_equal(sql_shape_of(&s, SQL_UPSERT, &ev, omit, err, sizeof(err)), 0);
	sql_build_text(&out, SQL_MARIADB, "dst", "users", &users, &s);
	assert_string_equal(out.data, "INSERT INTO `dst`.`users` (`id`, `name`) VALUES (?, ?)"
	                              " ON DUPLICATE KEY UPDATE `name` = VALUES(`name`)");
	assert_int_equal(sql_shape_of(&s, SQL_UPSERT, &ev, all, err, sizeof(err)), -1);
	assert_string_equal(err, "write event with no column in its after image");
	sql_shape_free(&s);
	meepo_buf_free(&out);
}

static void test_shape_errors(void **state)
{
	struct meepo_value no_key[3] = { v_absent, v_str("a"), v_null };
	struct meepo_value empty[3] = { v_absent, v_absent, v_absent };
	struct meepo_value row[3] = { v_int(1), v_str("a"), v_null };
	struct meepo_event ev = event(&users, MEEPO_DELETE, no_key, NULL);
	struct sql_shape s = { 0 };
	char err[256];

	(void)state;
	assert_int_equal(sql_shape_of(&s, SQL_DELETE, &ev, NULL, err, sizeof(err)), -1);
	assert_string_equal(err, "key column `id` missing from the before image");
	ev = event(&users, MEEPO_UPDATE, row, empty);
	assert_int_equal(sql_shape_of(&s, SQL_UPDATE, &ev, NULL, err, sizeof(err)), -1);
	assert_string_equal(err, "update event with no column in its after image");
	ev = event(&users, MEEPO_UPDATE, NULL, row);
	assert_int_equal(sql_shape_of(&s, SQL_UPSERT, &ev, NULL, err, sizeof(err)), 0);
	assert_int_equal(sql_shape_of(&s, SQL_DELETE, &ev, NULL, err, sizeof(err)), -1);
	assert_string_equal(err, "update event without its before image");
	ev = event(&logt, MEEPO_DELETE, empty, NULL);
	assert_int_equal(sql_shape_of(&s, SQL_DELETE_ROW, &ev, NULL, err, sizeof(err)), -1);
	assert_string_equal(err, "delete event with no column in its before image");
	sql_shape_free(&s);
}

static void test_wide_table(void **state)
{
	/* 130 columns: masks span three words. */
	static struct meepo_column cols[130];
	static char names[130][8];
	struct meepo_value row[130];
	struct meepo_table t = { .schema = "s", .name = "wide", .ncolumns = 130, .columns = cols,
	                         .nkey = 1, .key = user_key };
	struct meepo_event ev;
	struct sql_shape s = { 0 };
	struct sql_param p[130];
	char err[256];
	uint32_t i;

	(void)state;
	for (i = 0; i < 130; i++) {
		snprintf(names[i], sizeof(names[i]), "c%u", i);
		cols[i].name = names[i];
		row[i] = i % 2 == 0 || i == 129 ? v_int(i) : v_absent;
	}
	ev = event(&t, MEEPO_WRITE, NULL, row);
	assert_int_equal(sql_shape_of(&s, SQL_UPSERT, &ev, NULL, err, sizeof(err)), 0);
	assert_int_equal(s.nwords, 3);
	assert_int_equal(sql_build_params(&s, p), 66);
	assert_int_equal(p[64].column, 128);
	assert_int_equal(p[65].column, 129);
	sql_shape_free(&s);
}

/* ---- key description, state table ------------------------------------------- */

static void test_describe_key(void **state)
{
	struct meepo_value before[3] = { v_str("acme"), v_int(2), v_str("x") };
	struct meepo_value after[3] = { v_str("globex"), v_int(3), v_str("x") };
	struct meepo_event ev = event(&orders, MEEPO_UPDATE, before, after);
	struct meepo_value row[2] = { v_int(1), v_str("x") };
	struct meepo_event nokey = event(&logt, MEEPO_DELETE, row, NULL);
	struct meepo_buf b = { 0 };

	(void)state;
	sql_describe_key(&b, &ev, SQL_DELETE);
	assert_string_equal(b.data, "key (tenant=acme, id=2)");
	meepo_buf_reset(&b);
	sql_describe_key(&b, &ev, SQL_UPSERT);
	assert_string_equal(b.data, "key (tenant=globex, id=3)");
	meepo_buf_reset(&b);
	sql_describe_key(&b, &nokey, SQL_DELETE_ROW);
	assert_string_equal(b.data, "a row without primary key");
	meepo_buf_free(&b);
}

static void test_state_text(void **state)
{
	struct meepo_buf b = { 0 };

	(void)state;
	sql_state_select_text(&b, "rep", "meepo_state");
	assert_string_equal(b.data, "SELECT `file`, `offset`, `row_index` FROM `rep`.`meepo_state`"
	                            " WHERE `sink` = ?");
	meepo_buf_reset(&b);
	sql_state_upsert_text(&b, "rep", "st`x");
	assert_string_equal(b.data,
	                    "INSERT INTO `rep`.`st``x` (`sink`, `file`, `offset`, `row_index`, `gtid`,"
	                    " `server_id`, `updated_at`) VALUES (?, ?, ?, ?, ?, ?, NOW(6))"
	                    " ON DUPLICATE KEY UPDATE `file` = VALUES(`file`), `offset` = VALUES(`offset`),"
	                    " `row_index` = VALUES(`row_index`), `gtid` = VALUES(`gtid`),"
	                    " `server_id` = VALUES(`server_id`), `updated_at` = VALUES(`updated_at`)");
	meepo_buf_reset(&b);
	sql_state_create_text(&b, "rep", "meepo_state");
	assert_non_null(strstr(b.data, "CREATE TABLE IF NOT EXISTS `rep`.`meepo_state` (\n"
	                               "  `sink` VARCHAR(191) NOT NULL"));
	assert_non_null(strstr(b.data, "  PRIMARY KEY (`sink`)\n) ENGINE=InnoDB"));
	meepo_buf_free(&b);
}

/* ---- positions and errors ------------------------------------------------------- */

static void test_positions(void **state)
{
	(void)state;
	assert_true(sql_file_cmp("mysql-bin.000009", "mysql-bin.000010") < 0);
	assert_true(sql_file_cmp("mysql-bin.999999", "mysql-bin.1000000") < 0);
	assert_true(sql_file_cmp("mysql-bin.000010", "mysql-bin.000009") > 0);
	assert_int_equal(sql_file_cmp("mysql-bin.000010", "mysql-bin.000010"), 0);
	/* Same number under another base name (a renamed log): equal by suffix. */
	assert_int_equal(sql_file_cmp("a.000003", "b.3"), 0);
	/* Without numeric suffixes: as strings. */
	assert_true(sql_file_cmp("log.a", "log.b") < 0);
	assert_true(sql_file_cmp("log.", "log.1") < 0);

	assert_true(sql_pos_cmp("mysql-bin.000002", 4, 0, "mysql-bin.000001", 9999, 9) > 0);
	assert_true(sql_pos_cmp("mysql-bin.000002", 100, 0, "mysql-bin.000002", 200, 0) < 0);
	assert_true(sql_pos_cmp("mysql-bin.000002", 200, 5, "mysql-bin.000002", 200, 4) > 0);
	assert_int_equal(sql_pos_cmp("mysql-bin.000002", 200, 4, "mysql-bin.000002", 200, 4), 0);
	/* A snapshot's rows sit at position - 1 of the binlog position they start from. */
	assert_true(sql_pos_cmp("mysql-bin.000002", 999, 100000, "mysql-bin.000002", 1000, 0) < 0);
}

static void test_error_classes(void **state)
{
	(void)state;
	assert_int_equal(sql_error_classify(2006), SQL_ERR_RECONNECT);  /* server gone */
	assert_int_equal(sql_error_classify(2013), SQL_ERR_RECONNECT);  /* lost */
	assert_int_equal(sql_error_classify(2003), SQL_ERR_RECONNECT);  /* can't connect */
	assert_int_equal(sql_error_classify(5014), SQL_ERR_RECONNECT);  /* connector error */
	assert_int_equal(sql_error_classify(1927), SQL_ERR_RECONNECT);  /* connection killed */
	assert_int_equal(sql_error_classify(1053), SQL_ERR_RECONNECT);  /* shutdown */
	assert_int_equal(sql_error_classify(1615), SQL_ERR_RECONNECT);  /* needs re-prepare */
	assert_int_equal(sql_error_classify(1213), SQL_ERR_RETRY);      /* deadlock */
	assert_int_equal(sql_error_classify(1205), SQL_ERR_RETRY);      /* lock wait timeout */
	assert_int_equal(sql_error_classify(1290), SQL_ERR_RETRY);      /* read only */
	assert_int_equal(sql_error_classify(1062), SQL_ERR_REJECT);     /* duplicate key */
	assert_int_equal(sql_error_classify(1264), SQL_ERR_REJECT);     /* out of range */
	assert_int_equal(sql_error_classify(1366), SQL_ERR_REJECT);     /* incorrect value */
	assert_int_equal(sql_error_classify(1406), SQL_ERR_REJECT);     /* too long */
	assert_int_equal(sql_error_classify(1146), SQL_ERR_REJECT);     /* no such table */
	assert_int_equal(sql_error_classify(1054), SQL_ERR_REJECT);     /* unknown column */
	assert_int_equal(sql_error_classify(1153), SQL_ERR_REJECT);     /* packet too large */
}

/* ---- binding --------------------------------------------------------------------- */

static void test_bind_types(void **state)
{
	static const struct meepo_column cols[] = {
		{ .name = "i" }, { .name = "u" }, { .name = "f" }, { .name = "d" }, { .name = "dec" },
		{ .name = "t" }, { .name = "dt" }, { .name = "ts" }, { .name = "s" }, { .name = "n" },
		{ .name = "e" }, { .name = "j" }, { .name = "y" }, { .name = "date" },
	};
	static const struct meepo_table t = { .schema = "s", .name = "t", .ncolumns = 14, .columns = cols };
	/* DECIMAL(5,2) 123.45 packed: 0x80 0x7B (123 with the sign bit) 0x2D (45). */
	static const uint8_t dec[] = { 0x80, 0x7B, 0x2D };
	struct meepo_value row[14];
	struct sql_param params[14];
	struct sql_binds b = { 0 };
	const struct meepo_event *evs[1];
	struct meepo_event ev;
	char err[256];
	uint32_t i;

	(void)state;
	memset(row, 0, sizeof(row));
	row[0] = v_int(-5);
	row[1].type = MEEPO_VALUE_UINT;
	row[1].u = UINT64_MAX;
	row[2].type = MEEPO_VALUE_FLOAT;
	row[2].d = 1.5;
	row[3] = v_double(2.25);
	row[4].type = MEEPO_VALUE_DECIMAL;
	row[4].decimal.bin = dec;
	row[4].decimal.precision = 5;
	row[4].decimal.scale = 2;
	row[5].type = MEEPO_VALUE_TIME;
	row[5].time = (struct meepo_temporal){ .hour = 838, .minute = 59, .second = 58,
	                                       .microsecond = 500000, .fsp = 6, .negative = true };
	row[6].type = MEEPO_VALUE_DATETIME;
	row[6].time = (struct meepo_temporal){ .year = 2024, .month = 2, .day = 29, .hour = 23,
	                                       .minute = 1, .second = 2, .microsecond = 5 };
	row[7].type = MEEPO_VALUE_TIMESTAMP;
	row[7].time = (struct meepo_temporal){ .year = 1970, .month = 1, .day = 1, .second = 1, .epoch = 1 };
	row[8] = v_str("caf\xe9");
	row[9] = v_null;
	row[10].type = MEEPO_VALUE_ENUM;
	row[10].enumset.bits = 3;
	row[11].type = MEEPO_VALUE_JSON;
	row[11].json.ptr = (const uint8_t *)"{\"a\": 1}";
	row[11].json.len = 8;
	row[12].type = MEEPO_VALUE_YEAR;
	row[12].u = 2155;
	row[13].type = MEEPO_VALUE_DATE;
	row[13].time = (struct meepo_temporal){ .year = 0, .month = 0, .day = 0 };
	for (i = 0; i < 14; i++) {
		params[i].column = i;
		params[i].image = SQL_AFTER;
	}
	ev = event(&t, MEEPO_WRITE, NULL, row);
	evs[0] = &ev;
	assert_int_equal(sql_binds_fill(&b, params, 14, evs, 1, err, sizeof(err)), 0);

	assert_int_equal(b.binds[0].buffer_type, MYSQL_TYPE_LONGLONG);
	assert_false(b.binds[0].is_unsigned);
	assert_int_equal(*(int64_t *)b.binds[0].buffer, -5);
	assert_int_equal(b.binds[1].buffer_type, MYSQL_TYPE_LONGLONG);
	assert_true(b.binds[1].is_unsigned);
	assert_true(*(uint64_t *)b.binds[1].buffer == UINT64_MAX);
	assert_int_equal(b.binds[2].buffer_type, MYSQL_TYPE_FLOAT);
	assert_true(*(float *)b.binds[2].buffer == 1.5f);
	assert_int_equal(b.binds[3].buffer_type, MYSQL_TYPE_DOUBLE);
	assert_true(*(double *)b.binds[3].buffer == 2.25);
	assert_int_equal(b.binds[4].buffer_type, MYSQL_TYPE_NEWDECIMAL);
	assert_int_equal(b.binds[4].buffer_length, 6);
	assert_memory_equal(b.binds[4].buffer, "123.45", 6);
	/* TIME beyond 23 hours travels as days + hours. */
	{
		const MYSQL_TIME *tm = b.binds[5].buffer;

		assert_int_equal(b.binds[5].buffer_type, MYSQL_TYPE_TIME);
		assert_int_equal(tm->day, 34);
		assert_int_equal(tm->hour, 22);
		assert_int_equal(tm->minute, 59);
		assert_int_equal(tm->second, 58);
		assert_int_equal(tm->second_part, 500000);
		assert_true(tm->neg);
	}
	{
		const MYSQL_TIME *tm = b.binds[6].buffer;

		assert_int_equal(b.binds[6].buffer_type, MYSQL_TYPE_DATETIME);
		assert_int_equal(tm->year, 2024);
		assert_int_equal(tm->month, 2);
		assert_int_equal(tm->day, 29);
		assert_int_equal(tm->hour, 23);
		assert_int_equal(tm->second_part, 5);
	}
	assert_int_equal(b.binds[7].buffer_type, MYSQL_TYPE_TIMESTAMP);
	assert_int_equal(((const MYSQL_TIME *)b.binds[7].buffer)->second, 1);
	/* Strings go as their exact bytes, binary. */
	assert_int_equal(b.binds[8].buffer_type, MYSQL_TYPE_BLOB);
	assert_int_equal(b.binds[8].buffer_length, 4);
	assert_ptr_equal(b.binds[8].buffer, row[8].str.ptr);
	assert_int_equal(b.binds[9].buffer_type, MYSQL_TYPE_NULL);
	assert_int_equal(b.binds[10].buffer_type, MYSQL_TYPE_LONGLONG);
	assert_true(b.binds[10].is_unsigned);
	assert_int_equal(*(uint64_t *)b.binds[10].buffer, 3);
	assert_int_equal(b.binds[11].buffer_type, MYSQL_TYPE_STRING);
	assert_int_equal(b.binds[11].buffer_length, 8);
	assert_int_equal(b.binds[12].buffer_type, MYSQL_TYPE_LONGLONG);
	assert_int_equal(*(uint64_t *)b.binds[12].buffer, 2155);
	assert_int_equal(b.binds[13].buffer_type, MYSQL_TYPE_DATE);
	assert_int_equal(((const MYSQL_TIME *)b.binds[13].buffer)->year, 0);

	/* An ABSENT value cannot be bound. */
	row[3] = v_absent;
	assert_int_equal(sql_binds_fill(&b, params, 14, evs, 1, err, sizeof(err)), -1);
	assert_string_equal(err, "column `d`: missing value in the after image");
	sql_binds_free(&b);
}

static void test_bind_rows(void **state)
{
	/* 40 rows of DECIMAL text: the text buffer grows, every pointer stays right. */
	static const struct meepo_column cols[] = { { .name = "id" }, { .name = "dec" } };
	static const struct meepo_table t = { .schema = "s", .name = "t", .ncolumns = 2, .columns = cols,
	                                      .nkey = 1, .key = user_key };
	static const uint8_t dec[] = { 0x80, 0x7B, 0x2D };
	struct meepo_value rows[40][2];
	struct meepo_event evs[40];
	const struct meepo_event *ptrs[40];
	struct sql_param params[2] = { { 0, SQL_AFTER }, { 1, SQL_AFTER } };
	struct sql_binds b = { 0 };
	char err[256];
	size_t i;

	(void)state;
	for (i = 0; i < 40; i++) {
		rows[i][0] = v_int((int64_t)i);
		rows[i][1].type = MEEPO_VALUE_DECIMAL;
		rows[i][1].decimal.bin = dec;
		rows[i][1].decimal.precision = 5;
		rows[i][1].decimal.scale = 2;
		evs[i] = event(&t, MEEPO_WRITE, NULL, rows[i]);
		ptrs[i] = &evs[i];
	}
	assert_int_equal(sql_binds_fill(&b, params, 2, ptrs, 40, err, sizeof(err)), 0);
	for (i = 0; i < 40; i++) {
		assert_int_equal(*(int64_t *)b.binds[2 * i].buffer, (int64_t)i);
		assert_memory_equal(b.binds[2 * i + 1].buffer, "123.45", 6);
		assert_int_equal(b.binds[2 * i + 1].buffer_length, 6);
	}
	assert_int_equal(sql_binds_row_bytes(params, 2, &evs[0]), 24);
	sql_binds_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_quote_ident),
		cmocka_unit_test(test_names_resolve),
		cmocka_unit_test(test_steps),
		cmocka_unit_test(test_text_upsert),
		cmocka_unit_test(test_text_delete),
		cmocka_unit_test(test_text_key_change),
		cmocka_unit_test(test_text_update_partial),
		cmocka_unit_test(test_text_no_key),
		cmocka_unit_test(test_text_quoting),
		cmocka_unit_test(test_text_enum_error_value),
		cmocka_unit_test(test_shape_cache_key),
		cmocka_unit_test(test_shape_omit),
		cmocka_unit_test(test_shape_errors),
		cmocka_unit_test(test_wide_table),
		cmocka_unit_test(test_describe_key),
		cmocka_unit_test(test_state_text),
		cmocka_unit_test(test_positions),
		cmocka_unit_test(test_error_classes),
		cmocka_unit_test(test_bind_types),
		cmocka_unit_test(test_bind_rows),
	};

	int failed = cmocka_run_group_tests(tests, NULL, NULL);

	meepo_buf_free(&text_buf);
	return failed;
}
