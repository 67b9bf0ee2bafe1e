/*
 * tests/unit/memcached/test_memcached_format.c - events to memcached keys
 * (plugins/memcached/memcached_format.c) without a server: key escaping,
 * rendering over before and after images, de-duplication, and the events
 * that cannot have keys. Every case asserts the exact keys in order.
 *
 * Concurrency: single-threaded cmocka tests.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <meepo/event.h>
#include <meepo/sdk.h>

#include "memcached_format.h"

/* Column types as the binlog names them (MYSQL_TYPE_*). */
#define TYPE_LONG 3
#define TYPE_VARCHAR 15
/* utf8mb4_general_ci */
#define UTF8MB4 45

static const struct meepo_column user_columns[] = {
	{ .name = "id", .type = TYPE_LONG },
	{ .name = "email", .type = TYPE_VARCHAR, .charset = UTF8MB4, .nullable = true },
	{ .name = "name", .type = TYPE_VARCHAR, .charset = UTF8MB4 },
};
static const uint32_t user_key[] = { 0 };
static const struct meepo_table user_table = {
	.id = 7, .schema = "shop", .name = "user", .ncolumns = 3, .columns = user_columns,
	.nkey = 1, .key = user_key,
};

/* A table without an email column, for templates that name one. */
static const struct meepo_column order_columns[] = {
	{ .name = "id", .type = TYPE_LONG },
	{ .name = "total", .type = TYPE_LONG },
};
static const struct meepo_table order_table = {
	.id = 8, .schema = "shop", .name = "order", .ncolumns = 2, .columns = order_columns,
	.nkey = 1, .key = user_key,
};

/* One event and the images it points to. */
struct fake {
	struct meepo_value before[3];   /* id, email, name (or id, total) */
	struct meepo_value after[3];    /* same */
	struct meepo_event event;       /* points into this struct */
};

/* A row value: an integer, a string, NULL ("<null>") or absent ("<absent>"). */
static struct meepo_value val(const char *text)
{
	struct meepo_value v;

	memset(&v, 0, sizeof(v));
	if (strcmp(text, "<null>") == 0) {
		v.type = MEEPO_VALUE_NULL;
	} else if (strcmp(text, "<absent>") == 0) {
		v.type = MEEPO_VALUE_ABSENT;
	} else if (text[0] == '#') {
		v.type = MEEPO_VALUE_INT;
		v.i = strtoll(text + 1, NULL, 10);
	} else {
		v.type = MEEPO_VALUE_STRING;
		v.str.ptr = text;
		v.str.len = strlen(text);
		v.str.charset = UTF8MB4;
	}
	return v;
}

#define NUL "<null>"
#define ABSENT "<absent>"

/* Fills f with an event of `table`; b and a are the images' values (NULL: no image). */
static void fake_event(struct fake *f, const struct meepo_table *table, enum meepo_action action,
                       const char *const *b, const char *const *a)
{
	uint32_t i;

	memset(f, 0, sizeof(*f));
	f->event.table = table;
	f->event.action = action;
	for (i = 0; i < table->ncolumns; i++) {
		if (b != NULL) {
			f->before[i] = val(b[i]);
		}
		if (a != NULL) {
			f->after[i] = val(a[i]);
		}
	}
	f->event.before = b != NULL ? f->before : NULL;
	f->event.after = a != NULL ? f->after : NULL;
	f->event.file = "mysql-bin.000001";
}

/* Formats the events and compares the keys with `expected` ("\n"-joined). */
static void assert_keys(const struct mc_format *fmt, struct mc_keys *keys, struct fake *events,
                        size_t n, const char *expected)
{
	const struct meepo_event *ptrs[16];
	struct meepo_batch batch = { .count = n, .events = ptrs };
	struct meepo_buf got = { 0 };
	size_t i;

	assert_true(n <= 16);
	for (i = 0; i < n; i++) {
		ptrs[i] = &events[i].event;
	}
	mc_keys_build(fmt, &batch, keys);
	meepo_buf_puts(&got, "");
	for (i = 0; i < keys->count; i++) {
		meepo_buf_puts(&got, mc_keys_get(keys, i));
		meepo_buf_putc(&got, '\n');
		assert_int_equal(strlen(mc_keys_get(keys, i)), keys->keys[i].len);
	}
	assert_string_equal(got.data, expected);
	meepo_buf_free(&got);
}

static void init_format(struct mc_format *fmt, const char *prefix, const char *const *templates,
                        size_t n)
{
	char err[256];

	if (mc_format_init(fmt, prefix, templates, n, err, sizeof(err)) != 0) {
		fail_msg("%s", err);
	}
}

/* ---- escaping ---------------------------------------------------------- */

/* A rendered key, a prefix, and its wire form. */
struct escape_case {
	const char *prefix;     /* the `prefix` option */
	const char *raw;        /* rendered key */
	size_t raw_len;         /* its bytes (0: strlen) */
	const char *expected;   /* wire form */
};

#define A10 "aaaaaaaaaa"
#define A50 A10 A10 A10 A10 A10
#define A200 A50 A50 A50 A50
#define A246 A200 A10 A10 A10 A10 "aaaaaa"
#define A247 A246 "a"
#define A248 A247 "a"
#define A250 A248 "aa"

static const struct escape_case escape_cases[] = {
	{ "", "user:1", 0, "user:1" },
	{ "", "a b", 0, "a%20b" },
	{ "", "tab\there\r\n", 0, "tab%09here%0D%0A" },
	{ "", "Zo\xc3\xab", 0, "Zo%C3%AB" },
	{ "", "50%", 0, "50%" },
	{ "", "x\x7f", 0, "x%7F" },
	{ "", "nul\0byte", 8, "nul%00byte" },
	{ "", "!~{}", 0, "!~{}" },
	{ "", A250, 0, A250 },
	{ "", A250 "a", 0, "#772f911dd9d6692897188d0b03f718fb5fbd02020d0fce1374f1354a31205024" },
	{ "", A248 " ", 0, "#397d28e493a1780580815ce889325e490b855c2c333079fc352f8992e279dc94" },
	{ "app:", "a b", 0, "app:a%20b" },
	{ "app:", A246, 0, "app:" A246 },
	{ "app:", A247, 0, "app:#d1c97f05a04d45d67be0d82b39f93d8e06e52db3aeb4752067c9b5e61583b641" },
};

static void test_escape_table(void **state)
{
	static const char *const templates[] = { "k" };
	struct mc_format fmt;
	struct meepo_buf out = { 0 };
	size_t len;
	size_t n;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(escape_cases) / sizeof(escape_cases[0]); i++) {
		const struct escape_case *c = &escape_cases[i];

		init_format(&fmt, c->prefix, templates, 1);
		meepo_buf_reset(&out);
		meepo_buf_puts(&out, "");
		len = c->raw_len > 0 ? c->raw_len : strlen(c->raw);
		n = mc_key_escape(&fmt, c->raw, len, &out);
		assert_string_equal(out.data, c->expected);
		assert_int_equal(n, strlen(c->expected));
		assert_true(n <= MC_KEY_MAX);
		mc_format_free(&fmt);
	}
	meepo_buf_free(&out);
}

/* ---- rendering --------------------------------------------------------- */

static const char *const two_templates[] = { "user:{id}", "user:email:{email}" };

static void test_write_update_delete(void **state)
{
	struct mc_format fmt;
	struct mc_keys keys = { 0 };
	struct fake e[1];

	(void)state;
	init_format(&fmt, "", two_templates, 2);

	fake_event(&e[0], &user_table, MEEPO_WRITE, NULL,
	           (const char *const[]){ "#1", "a@x.com", "Ann" });
	assert_keys(&fmt, &keys, e, 1, "user:1\nuser:email:a@x.com\n");

	/* an update that changes no key column: each key once */
	fake_event(&e[0], &user_table, MEEPO_UPDATE,
	           (const char *const[]){ "#1", "a@x.com", "Ann" },
	           (const char *const[]){ "#1", "a@x.com", "Anna" });
	assert_keys(&fmt, &keys, e, 1, "user:1\nuser:email:a@x.com\n");

	/* the email changes: both email keys */
	fake_event(&e[0], &user_table, MEEPO_UPDATE,
	           (const char *const[]){ "#1", "a@x.com", "Ann" },
	           (const char *const[]){ "#1", "b@x.com", "Ann" });
	assert_keys(&fmt, &keys, e, 1, "user:1\nuser:email:a@x.com\nuser:email:b@x.com\n");

	/* the primary key changes: both id keys */
	fake_event(&e[0], &user_table, MEEPO_UPDATE,
	           (const char *const[]){ "#1", "a@x.com", "Ann" },
	           (const char *const[]){ "#2", "a@x.com", "Ann" });
	assert_keys(&fmt, &keys, e, 1, "user:1\nuser:2\nuser:email:a@x.com\n");

	fake_event(&e[0], &user_table, MEEPO_DELETE,
	           (const char *const[]){ "#3", "c@x.com", "Cy" }, NULL);
	assert_keys(&fmt, &keys, e, 1, "user:3\nuser:email:c@x.com\n");
	assert_int_equal(keys.bad_events, 0);
	assert_int_equal(keys.nproblems, 0);

	mc_keys_free(&keys);
	mc_format_free(&fmt);
}

static void test_null_values(void **state)
{
	struct mc_format fmt;
	struct mc_keys keys = { 0 };
	struct fake e[2];

	(void)state;
	init_format(&fmt, "", two_templates, 2);
	/* a NULL email has no email key; setting it later adds the new one */
	fake_event(&e[0], &user_table, MEEPO_WRITE, NULL,
	           (const char *const[]){ "#1", NUL, "Ann" });
	fake_event(&e[1], &user_table, MEEPO_UPDATE,
	           (const char *const[]){ "#1", NUL, "Ann" },
	           (const char *const[]){ "#1", "a@x.com", "Ann" });
	assert_keys(&fmt, &keys, e, 2, "user:1\nuser:email:a@x.com\n");
	assert_int_equal(keys.bad_events, 0);
	/* an empty value gives an empty key part, an empty key is no key */
	mc_format_free(&fmt);
	init_format(&fmt, "", (const char *const[]){ "{email}", "e:{email}" }, 2);
	fake_event(&e[0], &user_table, MEEPO_WRITE, NULL,
	           (const char *const[]){ "#1", "", "Ann" });
	assert_keys(&fmt, &keys, e, 1, "e:\n");
	assert_int_equal(keys.bad_events, 0);
	mc_keys_free(&keys);
	mc_format_free(&fmt);
}

static void test_dedup_keeps_first_seen_order(void **state)
{
	struct mc_format fmt;
	struct mc_keys keys = { 0 };
	struct fake e[4];

	(void)state;
	init_format(&fmt, "app:", (const char *const[]){ "{schema}:{table}:{id}", "user:{id}" }, 2);
	fake_event(&e[0], &user_table, MEEPO_UPDATE,
	           (const char *const[]){ "#5", "e", "n" }, (const char *const[]){ "#5", "e", "m" });
	fake_event(&e[1], &user_table, MEEPO_WRITE, NULL, (const char *const[]){ "#4", "e", "n" });
	fake_event(&e[2], &user_table, MEEPO_DELETE, (const char *const[]){ "#5", "e", "m" }, NULL);
	fake_event(&e[3], &order_table, MEEPO_WRITE, NULL, (const char *const[]){ "#5", "#10" });
	assert_keys(&fmt, &keys, e, 4,
	            "app:shop:user:5\napp:user:5\napp:shop:user:4\napp:user:4\n"
	            "app:shop:order:5\n");
	/* the server is picked by the key without the prefix */
	{
		size_t len = 0;
		const char *part = mc_keys_hash_part(&keys, &fmt, 1, &len);

		assert_int_equal(len, 6);
		assert_memory_equal(part, "user:5", 6);
	}
	mc_keys_free(&keys);
	mc_format_free(&fmt);
}

/* Many keys, many duplicates: the slot table grows and keeps every key once. */
static void test_dedup_large(void **state)
{
	struct mc_format fmt;
	struct mc_keys keys = { 0 };
	struct fake *events = calloc(3000, sizeof(*events));
	const struct meepo_event **ptrs = calloc(3000, sizeof(*ptrs));
	struct meepo_batch batch = { .count = 3000, .events = ptrs };
	char (*ids)[16] = calloc(3000, 16);
	char expected[32];
	size_t i;

	(void)state;
	assert_non_null(events);
	assert_non_null(ptrs);
	assert_non_null(ids);
	init_format(&fmt, "", (const char *const[]){ "u:{id}" }, 1);
	for (i = 0; i < 3000; i++) {
		snprintf(ids[i], 16, "#%zu", i % 1000);
		fake_event(&events[i], &user_table, MEEPO_WRITE, NULL,
		           (const char *const[]){ ids[i], "e", "n" });
		ptrs[i] = &events[i].event;
	}
	/* twice, to check that a second batch starts from an empty set */
	for (int round = 0; round < 2; round++) {
		mc_keys_build(&fmt, &batch, &keys);
		assert_int_equal(keys.count, 1000);
		for (i = 0; i < 1000; i++) {
			snprintf(expected, sizeof(expected), "u:%zu", i);
			assert_string_equal(mc_keys_get(&keys, i), expected);
		}
	}
	mc_keys_free(&keys);
	mc_format_free(&fmt);
	free(ids);
	free(ptrs);
	free(events);
}

/* A template naming a column the table lacks: a problem, other tables unaffected. */
static void test_missing_column(void **state)
{
	struct mc_format fmt;
	struct mc_keys keys = { 0 };
	struct fake e[3];

	(void)state;
	init_format(&fmt, "", two_templates, 2);
	fake_event(&e[0], &order_table, MEEPO_WRITE, NULL, (const char *const[]){ "#1", "#9" });
	fake_event(&e[1], &user_table, MEEPO_WRITE, NULL, (const char *const[]){ "#2", "b", "B" });
	fake_event(&e[2], &order_table, MEEPO_DELETE, (const char *const[]){ "#3", "#9" }, NULL);
	/* the template that fits is still rendered for shop.order */
	assert_keys(&fmt, &keys, e, 3, "user:1\nuser:2\nuser:email:b\nuser:3\n");
	assert_int_equal(keys.bad_events, 2);
	assert_int_equal(keys.nproblems, 1);
	assert_string_equal(keys.problems.data,
	                    "key template \"user:email:{email}\": table shop.order has no column `email`");
	mc_keys_free(&keys);
	mc_format_free(&fmt);
}

/* Columns not logged (binlog_row_image MINIMAL): known keys are built, unknown ones reported. */
static void test_absent_columns(void **state)
{
	struct mc_format fmt;
	struct mc_keys keys = { 0 };
	struct fake e[1];

	(void)state;
	init_format(&fmt, "", two_templates, 2);

	/* MINIMAL update of name: before has the key only, after the changed column only */
	fake_event(&e[0], &user_table, MEEPO_UPDATE,
	           (const char *const[]){ "#1", ABSENT, ABSENT },
	           (const char *const[]){ ABSENT, ABSENT, "Anna" });
	assert_keys(&fmt, &keys, e, 1, "user:1\n");
	assert_int_equal(keys.bad_events, 1);
	assert_int_equal(keys.nproblems, 2);     /* neither image has the email */
	assert_string_equal(keys.problems.data,
	                    "key template \"user:email:{email}\": column `email` of shop.user is not logged "
	                    "in the before image of this update, so the key is unknown "
	                    "(set binlog_row_image=FULL)");

	/* an update whose after image leaves out unchanged columns: taken from before */
	fake_event(&e[0], &user_table, MEEPO_UPDATE,
	           (const char *const[]){ "#1", "a@x.com", "Ann" },
	           (const char *const[]){ ABSENT, ABSENT, "Anna" });
	assert_keys(&fmt, &keys, e, 1, "user:1\nuser:email:a@x.com\n");
	assert_int_equal(keys.bad_events, 0);

	/* the id changes, email not logged after: new id key, old email key */
	fake_event(&e[0], &user_table, MEEPO_UPDATE,
	           (const char *const[]){ "#1", "a@x.com", "Ann" },
	           (const char *const[]){ "#7", ABSENT, ABSENT });
	assert_keys(&fmt, &keys, e, 1, "user:1\nuser:7\nuser:email:a@x.com\n");
	assert_int_equal(keys.bad_events, 0);

	/* a delete whose before image lacks email */
	fake_event(&e[0], &user_table, MEEPO_DELETE,
	           (const char *const[]){ "#1", ABSENT, ABSENT }, NULL);
	assert_keys(&fmt, &keys, e, 1, "user:1\n");
	assert_int_equal(keys.bad_events, 1);
	assert_string_equal(keys.problems.data,
	                    "key template \"user:email:{email}\": column `email` of shop.user is not logged "
	                    "in the before image of this delete, so the key is unknown "
	                    "(set binlog_row_image=FULL)");

	/* a write with an absent column (never in practice) is reported too */
	fake_event(&e[0], &user_table, MEEPO_WRITE, NULL,
	           (const char *const[]){ "#1", ABSENT, "x" });
	assert_keys(&fmt, &keys, e, 1, "user:1\n");
	assert_int_equal(keys.bad_events, 1);
	assert_non_null(strstr(keys.problems.data, "in the after image of this write"));

	mc_keys_free(&keys);
	mc_format_free(&fmt);
}

static void test_format_init_errors(void **state)
{
	struct mc_format fmt;
	char err[256];

	(void)state;
	assert_int_equal(mc_format_init(&fmt, "", (const char *const[]){ "ok:{id}", "bad:{" }, 2,
	                                err, sizeof(err)), -1);
	assert_string_equal(err, "template \"bad:{\": unterminated '{' at offset 4");
	assert_null(fmt.templates);
	assert_int_equal(mc_format_init(&fmt, "a\tb", two_templates, 2, err, sizeof(err)), -1);
	assert_string_equal(err, "prefix has byte 0x09 at offset 1; memcached keys allow only 0x21..0x7e");
	mc_format_free(&fmt);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escape_table),
		cmocka_unit_test(test_write_update_delete),
		cmocka_unit_test(test_null_values),
		cmocka_unit_test(test_dedup_keeps_first_seen_order),
		cmocka_unit_test(test_dedup_large),
		cmocka_unit_test(test_missing_column),
		cmocka_unit_test(test_absent_columns),
		cmocka_unit_test(test_format_init_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
