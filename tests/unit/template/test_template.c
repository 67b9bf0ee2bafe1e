/*
 * tests/unit/template/test_template.c - key templates (core/sdk/template.c):
 * compiling, checking against a table, rendering over hand-built images,
 * and rendering one template from several threads at once.
 *
 * Concurrency: cmocka tests run one at a time; test_threads starts its own
 * threads, which only render.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pthread.h>

#include <cmocka.h>

#include <meepo/event.h>
#include <meepo/sdk.h>

/* Column types as the binlog names them (MYSQL_TYPE_*). */
#define TYPE_LONG 3
#define TYPE_VARCHAR 15
/* utf8mb4_general_ci */
#define UTF8MB4 45

static const struct meepo_column columns[] = {
	{ .name = "id", .type = TYPE_LONG },
	{ .name = "email", .type = TYPE_VARCHAR, .charset = UTF8MB4, .nullable = true },
	{ .name = "name", .type = TYPE_VARCHAR, .charset = UTF8MB4 },
	{ .name = "n", .type = TYPE_LONG, .is_unsigned = true },
};
static const uint32_t key_columns[] = { 0 };
static const struct meepo_table table = {
	.id = 7, .schema = "shop", .name = "user", .ncolumns = 4, .columns = columns,
	.nkey = 1, .key = key_columns,
};

static struct meepo_value v_str(const char *s)
{
	struct meepo_value v = { .type = MEEPO_VALUE_STRING };

	v.str.ptr = s;
	v.str.len = strlen(s);
	v.str.charset = UTF8MB4;
	return v;
}

/* The image every render test uses, and variants with one column changed. */
static void image(struct meepo_value v[4])
{
	memset(v, 0, 4 * sizeof(*v));
	v[0].type = MEEPO_VALUE_INT;
	v[0].i = -42;
	v[1] = v_str("a@example.com");
	v[2] = v_str("Zo\xc3\xab");
	v[3].type = MEEPO_VALUE_UINT;
	v[3].u = 18446744073709551615ULL;
}

static struct meepo_event event_of(const struct meepo_value *after)
{
	struct meepo_event e;

	memset(&e, 0, sizeof(e));
	e.table = &table;
	e.action = MEEPO_WRITE;
	e.after = after;
	return e;
}

/* A template and what rendering it over image() gives. */
struct render_case {
	const char *text;       /* template */
	const char *expected;   /* rendered key */
};

static const struct render_case render_cases[] = {
	{ "user:{id}", "user:-42" },
	{ "{schema}:{table}:{id}", "shop:user:-42" },
	{ "{{literal}}", "{literal}" },
	{ "{{{id}}}", "{-42}" },
	{ "a}}b{{c", "a}b{c" },
	{ "static", "static" },
	{ "user:email:{email}", "user:email:a@example.com" },
	{ "{name}/{n}", "Zo\xc3\xab/18446744073709551615" },
	{ "{id}{id}", "-42-42" },
	{ "x", "x" },
	{ "{table}", "user" },
};

static void test_render_table(void **state)
{
	struct meepo_value v[4];
	struct meepo_event e;
	struct meepo_buf out = { 0 };
	struct meepo_template *tpl;
	char err[256];
	size_t i;

	(void)state;
	image(v);
	e = event_of(v);
	for (i = 0; i < sizeof(render_cases) / sizeof(render_cases[0]); i++) {
		err[0] = '\0';
		tpl = meepo_template_compile(render_cases[i].text, err, sizeof(err));
		if (tpl == NULL) {
			fail_msg("compile \"%s\": %s", render_cases[i].text, err);
		}
		assert_string_equal(meepo_template_text(tpl), render_cases[i].text);
		assert_int_equal(meepo_template_check(tpl, &table, err, sizeof(err)), 0);
		meepo_buf_reset(&out);
		meepo_buf_puts(&out, "pre|");
		assert_int_equal(meepo_template_render(tpl, &e, v, &out, err, sizeof(err)), 0);
		/* rendering appends: what the buffer held stays in front */
		assert_memory_equal(out.data, "pre|", 4);
		assert_string_equal(out.data + 4, render_cases[i].expected);
		assert_int_equal(out.len, 4 + strlen(render_cases[i].expected));
		meepo_template_free(tpl);
	}
	meepo_buf_free(&out);
}

/* A template that does not compile, and the exact message. */
struct error_case {
	const char *text;       /* template */
	const char *message;    /* what err says */
};

static const struct error_case error_cases[] = {
	{ "", "empty key template" },
	{ "user:{id", "template \"user:{id\": unterminated '{' at offset 5" },
	{ "user:}", "template \"user:}\": unmatched '}' at offset 5 (write \"}}\" for a literal brace)" },
	{ "a{}b", "template \"a{}b\": empty name \"{}\" at offset 1" },
	{ "{a{b}", "template \"{a{b}\": unterminated '{' at offset 0" },
	{ "{id}}", "template \"{id}}\": unmatched '}' at offset 4 (write \"}}\" for a literal brace)" },
	{ "{", "template \"{\": unterminated '{' at offset 0" },
};

static void test_compile_errors(void **state)
{
	char err[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(error_cases) / sizeof(error_cases[0]); i++) {
		strcpy(err, "unset");
		assert_null(meepo_template_compile(error_cases[i].text, err, sizeof(err)));
		assert_string_equal(err, error_cases[i].message);
	}
	assert_null(meepo_template_compile(NULL, err, sizeof(err)));
	assert_string_equal(err, "empty key template");
	meepo_template_free(NULL);
}

static void test_check_missing_column(void **state)
{
	struct meepo_template *tpl;
	char err[256];

	(void)state;
	tpl = meepo_template_compile("{schema}:{id}:{phone}:{nope}", err, sizeof(err));
	assert_non_null(tpl);
	assert_int_equal(meepo_template_check(tpl, &table, err, sizeof(err)), -1);
	assert_string_equal(err, "key template \"{schema}:{id}:{phone}:{nope}\": table shop.user has no column `phone`");
	meepo_template_free(tpl);
}

static void test_render_missing_column(void **state)
{
	struct meepo_value v[4];
	struct meepo_event e;
	struct meepo_buf out = { 0 };
	struct meepo_template *tpl;
	char err[256];

	(void)state;
	image(v);
	e = event_of(v);
	tpl = meepo_template_compile("k:{id}:{phone}", err, sizeof(err));
	assert_non_null(tpl);
	meepo_buf_puts(&out, "keep");
	assert_int_equal(meepo_template_render(tpl, &e, v, &out, err, sizeof(err)), -1);
	assert_string_equal(err, "key template \"k:{id}:{phone}\": table shop.user has no column `phone`");
	assert_int_equal(out.len, 4);
	assert_string_equal(out.data, "keep");
	meepo_template_free(tpl);
	meepo_buf_free(&out);
}

/* NULL and ABSENT values, and a NULL image, render nothing and restore the buffer. */
static void test_render_nothing(void **state)
{
	struct meepo_value v[4];
	struct meepo_event e;
	struct meepo_buf out = { 0 };
	struct meepo_template *tpl;
	char err[256];

	(void)state;
	image(v);
	e = event_of(v);
	tpl = meepo_template_compile("user:{id}:{email}", err, sizeof(err));
	assert_non_null(tpl);

	meepo_buf_puts(&out, "keep");
	v[1].type = MEEPO_VALUE_NULL;
	assert_int_equal(meepo_template_render(tpl, &e, v, &out, err, sizeof(err)), 1);
	assert_string_equal(out.data, "keep");
	assert_int_equal(out.len, 4);
	assert_null(meepo_template_absent(tpl, &e, v));

	v[1].type = MEEPO_VALUE_ABSENT;
	assert_int_equal(meepo_template_render(tpl, &e, v, &out, err, sizeof(err)), 1);
	assert_string_equal(out.data, "keep");
	assert_string_equal(meepo_template_absent(tpl, &e, v), "email");

	assert_int_equal(meepo_template_render(tpl, &e, NULL, &out, err, sizeof(err)), 1);
	assert_string_equal(out.data, "keep");
	assert_null(meepo_template_absent(tpl, &e, NULL));

	/* a restored empty buffer is still a valid empty string */
	meepo_buf_free(&out);
	assert_int_equal(meepo_template_render(tpl, &e, v, &out, err, sizeof(err)), 1);
	assert_int_equal(out.len, 0);
	meepo_buf_puts(&out, "");
	assert_int_equal(meepo_template_render(tpl, &e, v, &out, err, sizeof(err)), 1);
	assert_string_equal(out.data, "");

	meepo_template_free(tpl);
	meepo_buf_free(&out);
}

/* Columns the template does not name may be NULL or ABSENT. */
static void test_render_other_columns_unset(void **state)
{
	struct meepo_value v[4];
	struct meepo_event e;
	struct meepo_buf out = { 0 };
	struct meepo_template *tpl;
	char err[256];

	(void)state;
	image(v);
	v[1].type = MEEPO_VALUE_NULL;
	v[2].type = MEEPO_VALUE_ABSENT;
	e = event_of(v);
	tpl = meepo_template_compile("user:{id}", err, sizeof(err));
	assert_non_null(tpl);
	assert_int_equal(meepo_template_render(tpl, &e, v, &out, err, sizeof(err)), 0);
	assert_string_equal(out.data, "user:-42");
	assert_null(meepo_template_absent(tpl, &e, v));
	meepo_template_free(tpl);
	meepo_buf_free(&out);
}

/* What each rendering thread gets. */
struct thread_arg {
	const struct meepo_template *tpl;   /* shared, compiled once */
	int64_t base;                       /* this thread's first id */
	int mismatches;                     /* renders that gave a wrong key */
};

static void *render_loop(void *p)
{
	struct thread_arg *arg = p;
	struct meepo_value v[4];
	struct meepo_event e;
	struct meepo_buf out = { 0 };
	char expected[64];
	char err[256];
	int i;

	image(v);
	e = event_of(v);
	for (i = 0; i < 20000; i++) {
		v[0].i = arg->base + i;
		meepo_buf_reset(&out);
		snprintf(expected, sizeof(expected), "shop:user:%lld", (long long)(arg->base + i));
		if (meepo_template_render(arg->tpl, &e, v, &out, err, sizeof(err)) != 0 ||
		    strcmp(out.data, expected) != 0) {
			arg->mismatches++;
		}
	}
	meepo_buf_free(&out);
	return NULL;
}

static void test_threads(void **state)
{
	struct thread_arg args[4];
	pthread_t threads[4];
	struct meepo_template *tpl;
	char err[256];
	int i;

	(void)state;
	tpl = meepo_template_compile("{schema}:{table}:{id}", err, sizeof(err));
	assert_non_null(tpl);
	for (i = 0; i < 4; i++) {
		args[i].tpl = tpl;
		args[i].base = (int64_t)i * 1000000;
		args[i].mismatches = 0;
		assert_int_equal(pthread_create(&threads[i], NULL, render_loop, &args[i]), 0);
	}
	for (i = 0; i < 4; i++) {
		assert_int_equal(pthread_join(threads[i], NULL), 0);
		assert_int_equal(args[i].mismatches, 0);
	}
	meepo_template_free(tpl);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_render_table),
		cmocka_unit_test(test_compile_errors),
		cmocka_unit_test(test_check_missing_column),
		cmocka_unit_test(test_render_missing_column),
		cmocka_unit_test(test_render_nothing),
		cmocka_unit_test(test_render_other_columns_unset),
		cmocka_unit_test(test_threads),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
