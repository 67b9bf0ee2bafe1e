/*
 * tests/unit/core/test_progress.c - the progress line's text.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "progress.h"

static void test_catching_up(void **state)
{
	struct progress_sample prev = { .time = 100.0, .rows = 1000, .lag = 3800 };
	struct progress_sample cur = { .time = 105.0, .rows = 261500, .lag = 3750,
	                               .position = { "mysql-bin.000003", 1234, "" } };
	char line[256];

	(void)state;
	progress_format(&prev, &cur, line, sizeof(line));
	/* 260500 rows in 5 s; lag shrinks 10 s/s, so 375 s to go. */
	assert_string_equal(line, "mysql-bin.000003:1234 | 52.1k rows/s | lag 1h02m | catching up in 6m15s");
}

static void test_falling_behind(void **state)
{
	struct progress_sample prev = { .time = 0.0, .rows = 0, .lag = 90 };
	struct progress_sample cur = { .time = 2.0, .rows = 10, .lag = 95,
	                               .position = { "b.000001", 4, "" } };
	char line[256];

	(void)state;
	progress_format(&prev, &cur, line, sizeof(line));
	assert_string_equal(line, "b.000001:4 | 0.0k rows/s | lag 1m35s");
}

static void test_days(void **state)
{
	struct progress_sample prev = { .time = 0.0, .rows = 0, .lag = 3 * 86400 + 5 * 3600 + 10 };
	struct progress_sample cur = prev;
	char line[256];

	(void)state;
	cur.time = 1.0;
	progress_format(&prev, &cur, line, sizeof(line));
	assert_string_equal(line, ":0 | 0.0k rows/s | lag 3d05h");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_catching_up),
		cmocka_unit_test(test_falling_behind),
		cmocka_unit_test(test_days),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
