/*
 * tests/unit/core/test_checkpoint.c - the position file: round trip, a
 * missing file, malformed contents, and that a write replaces the file
 * atomically (no temporary file left behind).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "checkpoint.h"

static char dir[] = "/tmp/meepo-checkpoint-XXXXXX";

static void path_in_dir(char *out, size_t len, const char *name)
{
	snprintf(out, len, "%s/%s", dir, name);
}

static void write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void test_round_trip(void **state)
{
	struct position in = { .file = "mysql-bin.000042", .offset = 123456789012ull, .gtid = "0-1-77" };
	struct position out;
	char path[256];
	char tmp[300];
	char err[256];

	(void)state;
	path_in_dir(path, sizeof(path), "pos");
	assert_int_equal(checkpoint_write(path, &in, err, sizeof(err)), 0);
	assert_int_equal(checkpoint_read(path, &out, err, sizeof(err)), 1);
	assert_string_equal(out.file, "mysql-bin.000042");
	assert_int_equal(out.offset, 123456789012ull);
	assert_string_equal(out.gtid, "0-1-77");
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	assert_int_equal(access(tmp, F_OK), -1);

	in.offset = 4;
	in.gtid[0] = '\0';
	assert_int_equal(checkpoint_write(path, &in, err, sizeof(err)), 0);
	assert_int_equal(checkpoint_read(path, &out, err, sizeof(err)), 1);
	assert_int_equal(out.offset, 4);
	assert_string_equal(out.gtid, "");
}

static void test_missing(void **state)
{
	struct position out;
	char path[256];
	char err[256];

	(void)state;
	path_in_dir(path, sizeof(path), "absent");
	assert_int_equal(checkpoint_read(path, &out, err, sizeof(err)), 0);
}

static void test_malformed(void **state)
{
	static const struct {
		const char *text;
		const char *message;
	} cases[] = {
		{ "file a\n", "missing offset" },
		{ "offset 5\n", "missing file" },
		{ "file a\noffset x\n", ":2: bad offset 'x'" },
		{ "file a\noffset 5\nsize 3\n", ":3: unexpected 'size'" },
		{ "garbage\n", ":1: expected 'key value'" },
	};
	struct position out;
	char path[256];
	char err[256];

	(void)state;
	path_in_dir(path, sizeof(path), "bad");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		write_text(path, cases[i].text);
		assert_int_equal(checkpoint_read(path, &out, err, sizeof(err)), -1);
		assert_non_null(strstr(err, cases[i].message));
	}
}

static void test_unwritable(void **state)
{
	struct position in = { .file = "f", .offset = 4 };
	char err[256];

	(void)state;
	assert_int_equal(checkpoint_write("/nonexistent-dir/pos", &in, err, sizeof(err)), -1);
	assert_string_equal(err, "checkpoint /nonexistent-dir/pos.tmp: No such file or directory");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_missing),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_unwritable),
	};
	int failed;

	if (mkdtemp(dir) == NULL) {
		return 1;
	}
	failed = cmocka_run_group_tests(tests, NULL, NULL);
	char cmd[300];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0) {
		failed++;
	}
	return failed;
}
