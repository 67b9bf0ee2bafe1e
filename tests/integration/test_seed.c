/*
 * tests/integration/test_seed.c - the acceptance test: the two reference
 * examples of the original Meepo (docs: /work/shared/seed-examples.md) must
 * come out of the print sink line for line, whether meepo follows the live
 * server or reads the binlog files, and a restart from the checkpoint must
 * deliver nothing twice and miss nothing.
 *
 * Every case works in its own schema on the source server and runs the real
 * meepo binary with --exit-at-end (harness.h).
 *
 * Concurrency: single-threaded; registered is_parallel : false because the
 * cases rotate the shared server's binlog.
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

/* Seconds one meepo run may take before the test fails. */
#define RUN_TIMEOUT 60

/* One reference example: the SQL to run and the print sink's exact output. */
struct example {
	const char *const *sql;     /* statements, NULL-terminated */
	const char *expected;       /* `<table>_<action> <pk>` lines */
};

/* Example 1: plain statements against an AUTO_INCREMENT table. */
static const char *const example1_sql[] = {
	"INSERT INTO test (data) VALUES ('a')",
	"INSERT INTO test (data) VALUES ('b'), ('c'), ('d')",
	"UPDATE test SET data = 'aa' WHERE id = 1",
	"UPDATE test SET data = 'bb' WHERE id = 2",
	"UPDATE test SET data = 'cc' WHERE id != 1",
	"DELETE FROM test WHERE id != 1",
	"DELETE FROM test WHERE id = 1",
	NULL,
};

static const struct example example1 = {
	example1_sql,
	"test_write 1\n"
	"test_write 2\n"
	"test_write 3\n"
	"test_write 4\n"
	"test_update 1\n"
	"test_update 2\n"
	"test_update 2\n"
	"test_update 3\n"
	"test_update 4\n"
	"test_delete 2\n"
	"test_delete 3\n"
	"test_delete 4\n"
	"test_delete 1\n",
};

/* Example 2: the ORM session's four commits as SQL transactions. */
static const char *const example2_sql[] = {
	"BEGIN; INSERT INTO test (id, data) VALUES (1, 'a'); COMMIT",
	"BEGIN; INSERT INTO test (id, data) VALUES (2, 'b'); "
	"INSERT INTO test (id, data) VALUES (3, 'c'); COMMIT",
	"BEGIN; UPDATE test SET data = 'x' WHERE id = 2; COMMIT",
	"BEGIN; DELETE FROM test WHERE id = 3; COMMIT",
	NULL,
};

static const struct example example2 = {
	example2_sql,
	"test_write 1\n"
	"test_write 2\n"
	"test_write 3\n"
	"test_update 2\n"
	"test_delete 3\n",
};

/* Creates `schema` afresh with the examples' table `test`. */
static MYSQL *make_schema(const char *schema)
{
	MYSQL *conn = harness_connect_source(NULL);

	harness_fresh_schema(conn, schema);
	harness_sql(conn, "USE `%s`", schema);
	harness_sql(conn, "CREATE TABLE test (id INT AUTO_INCREMENT PRIMARY KEY, "
	                  "data VARCHAR(255))");
	return conn;
}

/* Runs statements from..to-1 of the example. */
static void run_sql(MYSQL *conn, const char *const *sql, size_t from, size_t to)
{
	size_t i;

	for (i = from; i < to && sql[i] != NULL; i++) {
		harness_sql(conn, "%s", sql[i]);
	}
}

static size_t count_sql(const char *const *sql)
{
	size_t n = 0;

	while (sql[n] != NULL) {
		n++;
	}
	return n;
}

/*
 * Writes a config in a new temp dir: `source` (may be NULL), an optional
 * checkpoint section, a print sink writing to `output`, routed from schema.*.
 */
static char *write_config(const char *dir, const char *source, const char *checkpoint,
                          const char *output, const char *schema)
{
	char *ck = checkpoint != NULL ? harness_printf("checkpoint = { path = \"%s\"; };\n",
	                                               checkpoint)
	                              : harness_printf("%s", "");
	char *text = harness_printf("%s%s"
	                            "sinks = ( { name = \"out\"; plugin = \"print\"; "
	                            "format = \"meepo\"; output = \"%s\"; } );\n"
	                            "routes = ( { match = [ \"%s.*\" ]; sink = \"out\"; } );\n",
	                            source != NULL ? source : "", ck, output, schema);
	char *path = harness_write_config(dir, text);

	free(ck);
	free(text);
	return path;
}

/* Runs meepo to the end of its source; fails the test unless it exits 0. */
static void run_meepo(const char *config, const char *const *args)
{
	char *err = NULL;
	int status = harness_meepo_run(config, args, RUN_TIMEOUT, NULL, &err);

	if (status != 0) {
		fail_msg("meepo -c %s exited with %d; its stderr:\n%s", config, status,
		         err != NULL ? err : "(none)");
	}
	free(err);
}

/* Asserts that the print sink wrote exactly `expected` to `path`. */
static void assert_output(const char *path, const char *expected)
{
	char *out = harness_read_file(path);

	if (out == NULL) {
		fail_msg("the print sink wrote no file %s", path);
	}
	harness_assert_text(out, expected);
	free(out);
}

/* (a) follow the live server from the position recorded before the SQL. */
static void check_live(const struct example *ex, const char *schema)
{
	MYSQL *conn = make_schema(schema);
	char *dir = harness_temp_dir(schema);
	char *output = harness_printf("%s/out.txt", dir);
	char file[256];
	uint64_t pos;
	char *source, *config;

	harness_master_position(conn, file, sizeof(file), &pos);
	run_sql(conn, ex->sql, 0, count_sql(ex->sql));
	source = harness_source_config(file, pos);
	config = write_config(dir, source, NULL, output, schema);
	run_meepo(config, NULL);
	assert_output(output, ex->expected);
	free(config);
	free(source);
	free(output);
	free(dir);
	mysql_close(conn);
}

/*
 * (b) read binlog files: the SQL goes into a file of its own (FLUSH BINARY
 * LOGS before and after), split into two files after statement `split`
 * when split is not 0.
 */
static void check_file(const struct example *ex, const char *schema, size_t split)
{
	MYSQL *conn = make_schema(schema);
	char *dir = harness_temp_dir(schema);
	char *output = harness_printf("%s/out.txt", dir);
	size_t n = count_sql(ex->sql);
	char first[256], second[256], end[256];
	const char *args[5];
	char *path1, *path2 = NULL, *config;
	uint64_t pos;

	harness_rotate_binlog(conn, first, sizeof(first), &pos);
	if (split > 0) {
		run_sql(conn, ex->sql, 0, split);
		harness_rotate_binlog(conn, second, sizeof(second), &pos);
		run_sql(conn, ex->sql, split, n);
	} else {
		run_sql(conn, ex->sql, 0, n);
	}
	harness_rotate_binlog(conn, end, sizeof(end), &pos);
	path1 = harness_binlog_path(first);
	args[0] = "--binlog";
	args[1] = path1;
	args[2] = NULL;
	if (split > 0) {
		path2 = harness_binlog_path(second);
		args[2] = path2;
		args[3] = NULL;
	}
	config = write_config(dir, NULL, NULL, output, schema);
	run_meepo(config, args);
	assert_output(output, ex->expected);
	free(config);
	free(path1);
	free(path2);
	free(output);
	free(dir);
	mysql_close(conn);
}

static void test_example1_live(void **state)
{
	check_live(&example1, "seed_ex1_live");
}

static void test_example2_live(void **state)
{
	check_live(&example2, "seed_ex2_live");
}

static void test_example1_binlog(void **state)
{
	check_file(&example1, "seed_ex1_file", 0);
}

static void test_example2_binlog(void **state)
{
	check_file(&example2, "seed_ex2_file", 0);
}

/* Example 1 with a binlog rotation after its third statement: two files. */
static void test_example1_binlog_two_files(void **state)
{
	check_file(&example1, "seed_ex1_split", 3);
}

/*
 * Runs meepo from `pos` with a checkpoint, three times: after rows 1..3,
 * after more changes, and with nothing new. Each run writes its own output
 * file; together they must hold every event exactly once.
 */
static void test_checkpoint_restart(void **state)
{
	const char *schema = "seed_restart";
	MYSQL *conn = make_schema(schema);
	char *dir = harness_temp_dir(schema);
	char *checkpoint = harness_printf("%s/position", dir);
	char *out[3], *config, *source, *saved;
	char file[256];
	uint64_t pos;
	int i;

	harness_master_position(conn, file, sizeof(file), &pos);
	source = harness_source_config(file, pos);
	for (i = 0; i < 3; i++) {
		out[i] = harness_printf("%s/out%d.txt", dir, i + 1);
	}

	harness_sql(conn, "INSERT INTO test (data) VALUES ('a'), ('b'), ('c')");
	config = write_config(dir, source, checkpoint, out[0], schema);
	run_meepo(config, NULL);
	free(config);
	assert_output(out[0], "test_write 1\ntest_write 2\ntest_write 3\n");
	saved = harness_read_file(checkpoint);
	if (saved == NULL) {
		fail_msg("no checkpoint file %s after the first run", checkpoint);
	}
	free(saved);

	harness_sql(conn, "BEGIN; INSERT INTO test (data) VALUES ('d'); "
	                  "UPDATE test SET data = 'aa' WHERE id = 1; COMMIT");
	harness_sql(conn, "DELETE FROM test WHERE id = 2");
	config = write_config(dir, source, checkpoint, out[1], schema);
	run_meepo(config, NULL);
	free(config);
	assert_output(out[1], "test_write 4\ntest_update 1\ntest_delete 2\n");

	config = write_config(dir, source, checkpoint, out[2], schema);
	run_meepo(config, NULL);
	free(config);
	saved = harness_read_file(out[2]);
	harness_assert_text(saved, "");
	free(saved);

	for (i = 0; i < 3; i++) {
		free(out[i]);
	}
	free(source);
	free(checkpoint);
	free(dir);
	mysql_close(conn);
}

/*
 * The restart a service sees: meepo follows the live server, is stopped
 * with SIGTERM while idle (it must exit 0 promptly and save its
 * checkpoint), more rows are written, and the next run resumes exactly
 * after what the first one delivered.
 */
static void test_sigterm_restart(void **state)
{
	const char *schema = "seed_sigterm";
	MYSQL *conn = make_schema(schema);
	char *dir = harness_temp_dir(schema);
	char *checkpoint = harness_printf("%s/position", dir);
	char *out1 = harness_printf("%s/out1.txt", dir);
	char *out2 = harness_printf("%s/out2.txt", dir);
	struct harness_proc *proc;
	char *config, *source, *err = NULL;
	char file[256];
	uint64_t pos;
	int status;

	harness_master_position(conn, file, sizeof(file), &pos);
	source = harness_source_config(file, pos);
	config = write_config(dir, source, checkpoint, out1, schema);
	proc = harness_meepo_start(config, NULL);
	harness_sql(conn, "INSERT INTO test (data) VALUES ('a'), ('b')");
	harness_sql(conn, "UPDATE test SET data = 'bb' WHERE id = 2");
	if (!harness_wait_lines(out1, 3, 20000)) {
		harness_meepo_stop(proc, 10, NULL, &err);
		fail_msg("meepo printed fewer than 3 lines in 20 s; its stderr:\n%s",
		         err != NULL ? err : "(none)");
	}
	status = harness_meepo_stop(proc, 10, NULL, &err);
	if (status != 0) {
		fail_msg("meepo exited with %d after SIGTERM (137 = it ignored SIGTERM for "
		         "10 s and was killed); its stderr:\n%s", status,
		         err != NULL ? err : "(none)");
	}
	free(err);
	free(config);
	assert_output(out1, "test_write 1\ntest_write 2\ntest_update 2\n");

	harness_sql(conn, "DELETE FROM test WHERE id = 1");
	harness_sql(conn, "INSERT INTO test (data) VALUES ('c')");
	config = write_config(dir, source, checkpoint, out2, schema);
	run_meepo(config, NULL);
	assert_output(out2, "test_delete 1\ntest_write 3\n");

	free(config);
	free(source);
	free(out1);
	free(out2);
	free(checkpoint);
	free(dir);
	mysql_close(conn);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_example1_live),
		cmocka_unit_test(test_example2_live),
		cmocka_unit_test(test_example1_binlog),
		cmocka_unit_test(test_example2_binlog),
		cmocka_unit_test(test_example1_binlog_two_files),
		cmocka_unit_test(test_checkpoint_restart),
		cmocka_unit_test(test_sigterm_restart),
	};

	return cmocka_run_group_tests_name("seed", tests, NULL, NULL);
}
