/*
 * tests/unit/config/test_router.c - route patterns, table-driven: which
 * tables a "schema.table" glob matches, which patterns are refused and
 * why, fan-out, action filters and stop_on_reject.
 *
 * Routes are built in memory (struct meepo_conf without files).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "config.h"
#include "router.h"

/* One pattern against one table. */
struct match_case {
	const char *pattern;    /* "schema.table" glob */
	const char *schema;     /* table's schema */
	const char *table;      /* table's name */
	bool matches;           /* expected */
};

static const struct match_case match_cases[] = {
	{ "shop.user", "shop", "user", true },
	{ "shop.user", "shop", "users", false },
	{ "shop.user", "shop", "use", false },
	{ "shop.user", "Shop", "user", false },     /* case-sensitive */
	{ "shop.user", "shop", "USER", false },
	{ "shop.user", "shopx", "user", false },
	{ "shop.*", "shop", "user", true },
	{ "shop.*", "shop", "a.b", true },
	{ "shop.*", "shop2", "user", false },
	{ "*.*", "any", "thing", true },
	{ "*.user", "shop", "user", true },
	{ "*.user", "shop", "user2", false },
	{ "shop*.user", "shop_eu", "user", true },
	{ "shop.order_*", "shop", "order_2024", true },
	{ "shop.order_*", "shop", "order", false },
	{ "shop.order_*", "shop", "order_", true },
	{ "shop.order_[0-9]", "shop", "order_7", true },
	{ "shop.order_[0-9]", "shop", "order_x", false },
	{ "shop.order_[!0-9]", "shop", "order_x", true },
	{ "shop.order_[!0-9]", "shop", "order_7", false },
	{ "s?op.t", "shop", "t", true },
	{ "s?op.t", "sop", "t", false },
	{ "[!a]*.t", "bx", "t", true },
	{ "[!a]*.t", "ax", "t", false },
	{ "shop.a\\.b", "shop", "a.b", true },      /* escaped dot: part of the table */
	{ "shop.a\\.b", "shop", "axb", false },
	{ "db\\.x.t", "db.x", "t", true },          /* escaped dot: part of the schema */
	{ "shop.[.]x", "shop", ".x", true },        /* a dot in brackets is not the separator */
	{ "shop.[]]x", "shop", "]x", true },        /* ']' first in brackets is a member */
	{ "shop.\\*", "shop", "*", true },          /* escaped star is literal */
	{ "shop.\\*", "shop", "user", false },
	{ "shop.*", "shop", "", true },
};

/* A conf of one sink per route, route i matching patterns[i]. */
struct test_conf {
	struct meepo_conf conf;             /* what router_new reads */
	struct sink_config sinks[4];        /* sink storage */
	struct route_config routes[4];      /* route storage */
	char *match[4][2];                  /* pattern storage */
};

/* Adds a route of `n` patterns to sink `sink`. */
static void add_route(struct test_conf *t, const char *const *patterns, size_t n,
                      unsigned actions, size_t sink, enum on_reject on_reject)
{
	struct route_config *r = &t->routes[t->conf.nroutes];

	for (size_t i = 0; i < n; i++) {
		t->match[t->conf.nroutes][i] = (char *)patterns[i];
	}
	r->where = (char *)"test.conf:1";
	r->match = t->match[t->conf.nroutes];
	r->nmatch = n;
	r->actions = actions;
	r->sink = sink;
	r->on_reject = on_reject;
	t->conf.nroutes++;
	if (sink + 1 > t->conf.nsinks) {
		t->conf.nsinks = sink + 1;
	}
}

/* Points the conf at its storage. */
static void conf_init(struct test_conf *t)
{
	memset(t, 0, sizeof(*t));
	t->conf.sinks = t->sinks;
	t->conf.routes = t->routes;
}

static void test_match_table(void **state)
{
	for (size_t i = 0; i < sizeof(match_cases) / sizeof(match_cases[0]); i++) {
		const struct match_case *c = &match_cases[i];
		struct test_conf t;
		struct route_set set;
		struct router *router;
		char err[256] = "";

		conf_init(&t);
		add_route(&t, &c->pattern, 1, ACTIONS_ALL, 0, ON_REJECT_DEADLETTER);
		router = router_new(&t.conf, err, sizeof(err));
		if (router == NULL) {
			fail_msg("pattern %s: %s", c->pattern, err);
		}
		router_resolve(router, c->schema, c->table, &set);
		if ((set.sinks[MEEPO_WRITE] == 1) != c->matches) {
			fail_msg("pattern \"%s\" on %s.%s: expected %s", c->pattern, c->schema, c->table,
			         c->matches ? "a match" : "no match");
		}
		router_free(router);
	}
}

/* One refused pattern and its message. */
struct bad_case {
	const char *pattern;    /* the pattern */
	const char *message;    /* route_pattern_split's message */
};

static const struct bad_case bad_cases[] = {
	{ "shop", "pattern \"shop\" has no '.' between schema and table (e.g. \"shop.*\")" },
	{ "*", "pattern \"*\" has no '.' between schema and table (e.g. \"shop.*\")" },
	{ "a.b.c", "pattern \"a.b.c\" has more than one '.' (write a literal dot as \"\\\\.\")" },
	{ "shop..x", "pattern \"shop..x\" has more than one '.' (write a literal dot as \"\\\\.\")" },
	{ ".user", "pattern \".user\" has an empty schema part" },
	{ "shop.", "pattern \"shop.\" has an empty table part" },
	{ ".", "pattern \".\" has an empty schema part" },
	{ "shop.[abc", "pattern \"shop.[abc\" has an unclosed '['" },
	{ "shop.[]", "pattern \"shop.[]\" has an unclosed '['" },
	{ "shop.t\\", "pattern \"shop.t\\\" ends with a lone '\\'" },
	{ "shop\\.user", "pattern \"shop\\.user\" has no '.' between schema and table (e.g. \"shop.*\")" },
	{ "a.[.].b", "pattern \"a.[.].b\" has more than one '.' (write a literal dot as \"\\\\.\")" },
};

static void test_bad_patterns(void **state)
{
	for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		char *schema = (char *)"unchanged";
		char *table = (char *)"unchanged";
		char err[256] = "";

		assert_int_equal(route_pattern_split(bad_cases[i].pattern, &schema, &table, err,
		                                     sizeof(err)), -1);
		assert_string_equal(err, bad_cases[i].message);
		assert_null(schema);
		assert_null(table);
	}
}

static void test_split(void **state)
{
	char *schema;
	char *table;
	char err[256];

	assert_int_equal(route_pattern_split("db\\.x.[.]t*", &schema, &table, err, sizeof(err)), 0);
	assert_string_equal(schema, "db\\.x");
	assert_string_equal(table, "[.]t*");
	free(schema);
	free(table);
}

static void test_router_new_reports_bad_pattern(void **state)
{
	static const char *const patterns[] = { "shop.*", "shop" };
	struct test_conf t;
	char err[256] = "";

	conf_init(&t);
	add_route(&t, patterns, 2, ACTIONS_ALL, 0, ON_REJECT_DEADLETTER);
	assert_null(router_new(&t.conf, err, sizeof(err)));
	assert_string_equal(err, "test.conf:1: pattern \"shop\" has no '.' between schema and "
	                         "table (e.g. \"shop.*\")");
}

static void test_fan_out_actions_and_stop(void **state)
{
	static const char *const all[] = { "*.*" };
	static const char *const users[] = { "shop.user", "crm.user" };
	static const char *const orders[] = { "shop.order_*" };
	struct test_conf t;
	struct route_set set;
	struct router *router;
	char err[256] = "";

	conf_init(&t);
	add_route(&t, all, 1, ACTION_BIT(MEEPO_WRITE), 0, ON_REJECT_DEADLETTER);
	add_route(&t, users, 2, ACTION_BIT(MEEPO_UPDATE) | ACTION_BIT(MEEPO_DELETE), 1,
	          ON_REJECT_STOP);
	add_route(&t, orders, 1, ACTIONS_ALL, 2, ON_REJECT_DEADLETTER);
	add_route(&t, users, 1, ACTION_BIT(MEEPO_DELETE), 2, ON_REJECT_DEADLETTER);
	router = router_new(&t.conf, err, sizeof(err));
	assert_non_null(router);

	router_resolve(router, "shop", "user", &set);
	assert_int_equal(set.sinks[MEEPO_WRITE], 0x1);
	assert_int_equal(set.sinks[MEEPO_UPDATE], 0x2);
	assert_int_equal(set.sinks[MEEPO_DELETE], 0x6);
	assert_int_equal(set.stop_on_reject, 0x2);

	router_resolve(router, "crm", "user", &set);
	assert_int_equal(set.sinks[MEEPO_WRITE], 0x1);
	assert_int_equal(set.sinks[MEEPO_UPDATE], 0x2);
	assert_int_equal(set.sinks[MEEPO_DELETE], 0x2);
	assert_int_equal(set.stop_on_reject, 0x2);

	router_resolve(router, "shop", "order_9", &set);
	assert_int_equal(set.sinks[MEEPO_WRITE], 0x5);
	assert_int_equal(set.sinks[MEEPO_UPDATE], 0x4);
	assert_int_equal(set.sinks[MEEPO_DELETE], 0x4);
	assert_int_equal(set.stop_on_reject, 0);

	router_resolve(router, "other", "x", &set);
	assert_int_equal(set.sinks[MEEPO_WRITE], 0x1);
	assert_int_equal(set.sinks[MEEPO_UPDATE], 0);
	assert_int_equal(set.sinks[MEEPO_DELETE], 0);
	router_free(router);
}

static void test_no_match_and_sink_63(void **state)
{
	static const char *const one[] = { "a.b" };
	struct test_conf t;
	struct route_set set;
	struct router *router;
	char err[256] = "";

	conf_init(&t);
	add_route(&t, one, 1, ACTIONS_ALL, 63, ON_REJECT_STOP);
	router = router_new(&t.conf, err, sizeof(err));
	assert_non_null(router);
	router_resolve(router, "a", "b", &set);
	assert_true(set.sinks[MEEPO_WRITE] == UINT64_C(1) << 63);
	assert_true(set.stop_on_reject == UINT64_C(1) << 63);
	router_resolve(router, "a", "c", &set);
	assert_true(set.sinks[MEEPO_WRITE] == 0 && set.sinks[MEEPO_UPDATE] == 0 &&
	            set.sinks[MEEPO_DELETE] == 0 && set.stop_on_reject == 0);
	router_free(router);

	conf_init(&t);
	add_route(&t, one, 1, ACTIONS_ALL, 64, ON_REJECT_STOP);
	assert_null(router_new(&t.conf, err, sizeof(err)));
	assert_string_equal(err, "test.conf:1: route names sink 64, beyond the 64 sinks supported");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_match_table),
		cmocka_unit_test(test_bad_patterns),
		cmocka_unit_test(test_split),
		cmocka_unit_test(test_router_new_reports_bad_pattern),
		cmocka_unit_test(test_fan_out_actions_and_stop),
		cmocka_unit_test(test_no_match_and_sink_63),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
