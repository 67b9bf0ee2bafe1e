/*
 * tests/integration/test_types.c - the column-type conformance suite: every
 * column type of issue 3 written to the real MariaDB with edge values, then
 * meepo's JSON events (print sink, format "json") compared field by field
 * with what the server's SELECT returns for the same rows (session time
 * zone UTC), from the live source and from the binlog file.
 *
 * The cases are in types_cases.c, running them and recording what meepo
 * must write in types_run.c, the comparison of events in types_events.c
 * and of single values (docs/events.md's mapping) in types_check.c. All
 * mismatches are listed before a test fails, and the number of values
 * compared per column type is printed.
 *
 * A second, smaller suite holds MariaDB 5.3's high-resolution TIME(n),
 * DATETIME(n) and TIMESTAMP(n) (tables created with
 * mysql56_temporal_format OFF), which the binlog logs without their
 * precision: meepo can only read them by learning it from the server.
 *
 * Concurrency: single-threaded; registered is_parallel : false because it
 * rotates the shared server's binlog.
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
#include "json_lite.h"
#include "types.h"

/* Seconds one meepo run may take. */
#define RUN_TIMEOUT 240

/* The main suite (every type) and the old high-resolution temporal formats. */
static struct types_suite main_suite = { .schema = "meepo_types" };
static struct types_suite hires_suite = { .schema = "meepo_types_hires" };

/* meepo's outputs for the main suite, kept to compare the two routes. */
static char *live_output;
static char *file_output;

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

/* A failure message, kept outside the heap so that a failing test frees all it allocated. */
static char failure[8192];

/*
 * Runs meepo with a print sink (json) to a file; returns what it wrote.
 * Takes `source` (a source section or NULL) and frees it.
 */
static char *run_meepo(const struct types_suite *suite, const char *name, char *source,
                       const char *const *args)
{
	char *dir = harness_temp_dir(name);
	char *output = harness_printf("%s/out.json", dir);
	char *text = harness_printf("%s"
	                            "sinks = ( { name = \"out\"; plugin = \"print\"; "
	                            "format = \"json\"; output = \"%s\"; } );\n"
	                            "routes = ( { match = [ \"%s.*\" ]; sink = \"out\"; } );\n",
	                            source != NULL ? source : "", output, suite->schema);
	char *config = harness_write_config(dir, text);
	char *err = NULL;
	char *out = NULL;
	int status;

	failure[0] = '\0';
	if (!suite->ready) {
		snprintf(failure, sizeof(failure), "the SQL of the cases did not run (see above)");
		goto out;
	}
	status = harness_meepo_run(config, args, RUN_TIMEOUT, NULL, &err);
	if (status != 0) {
		snprintf(failure, sizeof(failure), "meepo -c %s exited with %d; its stderr:\n%s",
		         config, status, err != NULL ? err : "(none)");
		goto out;
	}
	out = harness_read_file(output);
	if (out == NULL) {
		snprintf(failure, sizeof(failure), "the print sink wrote no file %s", output);
	}
out:
	free(err);
	free(config);
	free(text);
	free(output);
	free(dir);
	free(source);
	if (out == NULL) {
		fail_msg("%s", failure);
	}
	return out;
}

/* Compares an output (freed here unless kept) and fails the test on mismatches. */
static void check(const struct types_suite *suite, const char *mode, char *output, bool keep,
                  bool print_counts)
{
	size_t n = types_suite_check(suite, mode, output, print_counts);

	if (!keep) {
		free(output);
	}
	if (n > 0) {
		fail_msg("[%s] %zu mismatches between meepo's JSON and the server's SELECT", mode, n);
	}
}

/* Runs every case on the server and records what meepo must write. */
static void test_write_rows(void **state)
{
	(void)state;
	types_cases_build(&main_suite.cases);
	types_suite_run(&main_suite);
}

/* Following the live server from the position recorded before the SQL. */
static void test_live(void **state)
{
	(void)state;
	live_output = run_meepo(&main_suite, "types-live",
	                        harness_source_config(main_suite.file, main_suite.pos), NULL);
	check(&main_suite, "live", live_output, true, true);
}

/* Reading the binlog file the SQL went into. */
static void test_file(void **state)
{
	char *binlog = harness_binlog_path(main_suite.file);
	char path[4096];
	const char *args[] = { "--binlog", path, NULL };

	(void)state;
	snprintf(path, sizeof(path), "%s", binlog);
	free(binlog);
	file_output = run_meepo(&main_suite, "types-file", NULL, args);
	check(&main_suite, "file", file_output, true, false);
}

/* Both routes give the same bytes. */
static void test_live_equals_file(void **state)
{
	(void)state;
	if (live_output == NULL || file_output == NULL) {
		fail_msg("a meepo run failed (see above)");
	}
	harness_assert_text(file_output, live_output);
}

/*
 * MariaDB 5.3 high-resolution temporal columns, following the live server
 * (which can tell their precision through information_schema).
 */
static void test_old_hires_temporal(void **state)
{
	(void)state;
	types_cases_build_old_hires(&hires_suite.cases);
	types_suite_run(&hires_suite);
	check(&hires_suite, "live",
	      run_meepo(&hires_suite, "types-hires",
	                harness_source_config(hires_suite.file, hires_suite.pos), NULL),
	      false, false);
}

static int teardown(void **state)
{
	(void)state;
	types_suite_free(&main_suite);
	types_suite_free(&hires_suite);
	free(live_output);
	free(file_output);
	live_output = NULL;
	file_output = NULL;
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
		cmocka_unit_test(test_old_hires_temporal),
	};

	return cmocka_run_group_tests_name("types", tests, NULL, teardown);
}
