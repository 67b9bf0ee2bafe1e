/*
 * tests/integration/faults_input.c - the fault cases about what meepo is
 * given (see test_faults.c for the whole list): a batch the sink rejects
 * (dead letter, or stop), every bad configuration of tests/bad-configs/
 * through `meepo --check`, and damaged binlog files through `meepo --binlog`.
 *
 * Concurrency: single-threaded (cases of test_faults.c's program; the bad
 * configuration case changes the working directory and restores it).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "faults_cases.h"
#include "faults_util.h"
#include "harness.h"
#include "redis_util.h"

/* ---- poison batch -------------------------------------------------------------- */

/*
 * The poison case's data: good rows 1..5 (a transaction each), one
 * transaction of rows 1..3 in table `bad` (whose stream key is a string,
 * so XADD fails with WRONGTYPE: a REJECT), then good rows 6..10. Stores the
 * binlog positions before everything and right before the bad transaction.
 */
static MYSQL *poison_data(const char *schema, char *file, size_t filelen, uint64_t *pos,
                          char *bad_file, size_t bad_filelen, uint64_t *bad_pos)
{
	MYSQL *conn = harness_connect_source(NULL);
	redisContext *c = rt_connect(harness_env()->redis_port);

	harness_fresh_schema(conn, schema);
	harness_sql(conn, "USE `%s`", schema);
	harness_sql(conn, "CREATE TABLE good (id INT PRIMARY KEY); CREATE TABLE bad (id INT PRIMARY KEY)");
	rt_do(c, "DEL %s:good %s:bad", schema, schema);
	rt_do(c, "SET %s:bad not-a-stream", schema);
	redisFree(c);
	harness_master_position(conn, file, filelen, pos);
	for (int i = 1; i <= 5; i++) {
		harness_sql(conn, "INSERT INTO good VALUES (%d)", i);
	}
	harness_master_position(conn, bad_file, bad_filelen, bad_pos);
	harness_sql(conn, "BEGIN; INSERT INTO bad VALUES (1), (2), (3); COMMIT");
	for (int i = 6; i <= 10; i++) {
		harness_sql(conn, "INSERT INTO good VALUES (%d)", i);
	}
	return conn;
}

/* Sinks and routes of the poison case; `on_reject` is the bad table's. */
static char *poison_sinks(const char *schema, const char *deadletter, const char *on_reject)
{
	return harness_printf("sinks = ( { name = \"rec\"; plugin = \"redis\"; port = %d; "
	                      "mode = \"stream\"; stream = \"%s:{table}\"; batch_max_events = 1; "
	                      "deadletter = \"%s\"; } );\n"
	                      "routes = ( { match = [ \"%s.good\" ]; sink = \"rec\"; },\n"
	                      "  { match = [ \"%s.bad\" ]; sink = \"rec\"; on_reject = \"%s\"; } );\n",
	                      harness_env()->redis_port, schema, deadletter, schema, schema,
	                      on_reject);
}

/* Returns the rows of stream key, one per line, in stream order. */
static char *stream_rows(const char *key)
{
	redisContext *c = rt_connect(harness_env()->redis_port);
	struct fu_records records;
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	assert_non_null(f);
	fu_stream_read(c, key, &records);
	for (size_t i = 0; i < records.count; i++) {
		fprintf(f, "%ld\n", records.items[i].row);
	}
	fclose(f);
	fu_records_free(&records);
	redisFree(c);
	return text;
}

void test_poison_deadletter(void **state)
{
	const char *schema = "faults_poison";
	char *dir = harness_temp_dir(schema);
	char *deadletter = harness_printf("%s/rec.deadletter.jsonl", dir);
	char *source, *sinks, *config, *err = NULL, *text, *line, *save = NULL;
	char file[256], bad_file[256];
	uint64_t pos, bad_pos;
	MYSQL *conn;
	int status, n = 0;

	(void)state;
	conn = poison_data(schema, file, sizeof(file), &pos, bad_file, sizeof(bad_file), &bad_pos);
	source = harness_source_config(file, pos);
	sinks = poison_sinks(schema, deadletter, "deadletter");
	config = fu_write_config(dir, source, NULL, sinks);
	status = harness_meepo_run(config, NULL, FU_RUN_TIMEOUT, NULL, &err);
	if (status != 0) {
		fu_fail_with(err, "meepo exited %d", status);
	}
	if (strstr(err, "batch of 3 events rejected, written to") == NULL ||
	    strstr(err, "WRONGTYPE") == NULL) {
		fu_fail_with(err, "meepo did not log the rejected batch with its reason");
	}
	text = stream_rows("faults_poison:good");
	harness_assert_text(text, "1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n");
	free(text);

	text = harness_read_file(deadletter);
	if (text == NULL) {
		fu_fail_with(err, "no dead-letter file %s", deadletter);
	}
	for (line = strtok_r(text, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
		char *data = harness_printf("\"data\":{\"id\":%d}", ++n);
		if (strncmp(line, "{\"sink\":\"rec\",\"reason\":\"", 24) != 0 ||
		    strstr(line, "WRONGTYPE") == NULL || strstr(line, "\"id\":\"") == NULL ||
		    strstr(line, "\"table\":\"bad\"") == NULL || strstr(line, data) == NULL) {
			fail_msg("dead letter %d lacks the sink, the WRONGTYPE reason, the event id or "
			         "row %d of table bad:\n%s", n, n, line);
		}
		free(data);
	}
	if (n != 3) {
		fail_msg("%s holds %d dead letters; expected the 3 events of the rejected batch",
		         deadletter, n);
	}
	printf("poison batch (dead letter): 3 events of the rejected batch in %s with their "
	       "reason, the 10 later and earlier rows delivered\n", deadletter);

	mysql_close(conn);
	free(text);
	free(err);
	free(config);
	free(sinks);
	free(source);
	free(deadletter);
	free(dir);
}

void test_poison_stop(void **state)
{
	const char *schema = "faults_poison";
	char *dir = harness_temp_dir("faults_poison_stop");
	char *deadletter = harness_printf("%s/rec.deadletter.jsonl", dir);
	char *checkpoint = harness_printf("%s/position", dir);
	char *source, *sinks, *config, *err = NULL, *text, *want;
	char file[256], bad_file[256];
	redisContext *c;
	uint64_t pos, bad_pos;
	MYSQL *conn;
	int status;

	(void)state;
	conn = poison_data(schema, file, sizeof(file), &pos, bad_file, sizeof(bad_file), &bad_pos);
	source = harness_source_config(file, pos);
	sinks = poison_sinks(schema, deadletter, "stop");
	config = fu_write_config(dir, source, checkpoint, sinks);
	status = harness_meepo_run(config, NULL, FU_RUN_TIMEOUT, NULL, &err);
	if (status != 1 || strstr(err, "stopped: sink rec rejected a batch: ") == NULL ||
	    strstr(err, "WRONGTYPE") == NULL) {
		fu_fail_with(err, "expected exit 1 with \"stopped: sink rec rejected a batch: "
		          "...WRONGTYPE...\"; meepo exited %d", status);
	}
	free(err);
	text = harness_read_file(checkpoint);
	want = harness_printf("file %s\noffset %llu\n", bad_file, (unsigned long long)bad_pos);
	if (text == NULL || strncmp(text, want, strlen(want)) != 0) {
		fail_msg("the checkpoint should be right before the rejected transaction:\n%s"
		         "it is:\n%s", want, text != NULL ? text : "(no file)\n");
	}
	free(text);
	text = stream_rows("faults_poison:good");
	harness_assert_text(text, "1\n2\n3\n4\n5\n");
	free(text);
	if (access(deadletter, F_OK) == 0) {
		fail_msg("on_reject = \"stop\" wrote the dead-letter file %s", deadletter);
	}

	/* repaired, the next run resumes at the rejected transaction */
	c = rt_connect(harness_env()->redis_port);
	rt_do(c, "DEL %s:bad", schema);
	redisFree(c);
	status = harness_meepo_run(config, NULL, FU_RUN_TIMEOUT, NULL, &err);
	if (status != 0) {
		fu_fail_with(err, "the run after the repair exited %d", status);
	}
	text = stream_rows("faults_poison:bad");
	harness_assert_text(text, "1\n2\n3\n");
	free(text);
	text = stream_rows("faults_poison:good");
	harness_assert_text(text, "1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n");
	printf("poison batch (stop): exit 1 with the checkpoint at %s:%llu, right before the "
	       "batch; the restart delivered it and the 5 rows after it, 0 duplicates\n",
	       bad_file, (unsigned long long)bad_pos);

	mysql_close(conn);
	free(text);
	free(want);
	free(err);
	free(config);
	free(sinks);
	free(source);
	free(checkpoint);
	free(deadletter);
	free(dir);
}

/* ---- bad input ----------------------------------------------------------------- */

/* True for tests/bad-configs/ entries that are configurations. */
static bool is_bad_config(const struct dirent *entry)
{
	size_t n = strlen(entry->d_name);

	return entry->d_name[0] != '.' &&
	       ((n > 5 && strcmp(entry->d_name + n - 5, ".conf") == 0) ||
	        (n > 2 && strcmp(entry->d_name + n - 2, ".d") == 0));
}

static int select_bad_config(const struct dirent *entry)
{
	return is_bad_config(entry);
}

void test_bad_configs(void **state)
{
	const struct harness_env *env = harness_env();
	char *configs = harness_printf("%s/tests/bad-configs", env->source_root);
	char *plugins = harness_printf("%s/tests/unit/config", env->build_root);
	const char *args[] = { "--check", "--plugin-dir", plugins, NULL };
	struct dirent **names = NULL;
	char cwd[4096];
	int n, failures = 0;

	(void)state;
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	n = scandir(configs, &names, select_bad_config, alphasort);
	if (n < 25) {
		fail_msg("%s holds %d configurations; expected at least 25", configs, n);
	}
	assert_int_equal(chdir(configs), 0);
	for (int i = 0; i < n; i++) {
		char *exp_path = harness_printf("%s.expected", names[i]->d_name);
		char *expected = harness_read_file(exp_path);
		char *out = NULL, *err = NULL;
		int status = harness_meepo_run(names[i]->d_name, args, 20, &out, &err);
		size_t elen;

		if (expected == NULL) {
			fail_msg("%s/%s has no .expected file", configs, names[i]->d_name);
		}
		elen = strcspn(expected, "\n");
		if (status != 1 || strncmp(err, "meepo: ", 7) != 0 ||
		    strncmp(err + 7, expected, elen) != 0 || err[7 + elen] != '\n' ||
		    (out != NULL && out[0] != '\0')) {
			printf("%s: expected exit 1, nothing on stdout and first line \"meepo: %.*s\"; "
			       "got exit %d, stdout \"%s\", stderr:\n%s\n", names[i]->d_name, (int)elen,
			       expected, status, out != NULL ? out : "", err != NULL ? err : "");
			failures++;
		}
		free(out);
		free(err);
		free(expected);
		free(exp_path);
		free(names[i]);
	}
	free(names);
	assert_int_equal(chdir(cwd), 0);
	if (failures > 0) {
		fail_msg("%d of %d bad configurations did not fail meepo --check as expected",
		         failures, n);
	}
	printf("bad input: %d bad configurations fail meepo --check with their message\n", n);
	free(plugins);
	free(configs);
}

/* Writes the first `len` bytes of data to path, with byte `flip` (if >= 0) inverted. */
static void write_damaged(const char *path, const char *data, size_t len, long flip)
{
	char *copy = malloc(len + 1);
	FILE *f = fopen(path, "wb");

	assert_true(copy != NULL && f != NULL);
	memcpy(copy, data, len);
	if (flip >= 0) {
		copy[flip] = (char)(copy[flip] ^ 0xff);
	}
	assert_int_equal(fwrite(copy, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
	free(copy);
}

static uint32_t le32(const char *p)
{
	const unsigned char *u = (const unsigned char *)p;

	return (uint32_t)u[0] | (uint32_t)u[1] << 8 | (uint32_t)u[2] << 16 | (uint32_t)u[3] << 24;
}

void test_bad_binlogs(void **state)
{
	const struct harness_env *env = harness_env();
	char *fixture = harness_printf("%s/tests/fixtures/mariadb/seed1.binlog", env->source_root);
	char *dir = harness_temp_dir("faults_binlog");
	char *copy = harness_printf("%s/mysql-bin.000042", dir);
	char *output = harness_printf("%s/out.txt", dir);
	char *sinks = harness_printf("sinks = ( { name = \"out\"; plugin = \"print\"; output = \"%s\"; } );\n"
	                             "routes = ( { match = \"*.*\"; sink = \"out\"; } );\n", output);
	char *config = harness_write_config(dir, sinks);
	const char *args[] = { "--binlog", copy, NULL };
	char *data = harness_read_file(fixture);
	struct stat st;
	size_t starts[64], nevents = 0, at;

	(void)state;
	assert_non_null(data);
	assert_int_equal(stat(fixture, &st), 0);
	for (at = 4; at + 19 <= (size_t)st.st_size && nevents < 64; at += le32(data + at + 9)) {
		starts[nevents++] = at;
	}
	assert_true(nevents > 8);
	/* a cut inside the 6th event, a changed byte in the middle of the 8th (a rows event) */
	for (int k = 0; k < 2; k++) {
		size_t s = starts[k == 0 ? 5 : 7];
		size_t len = le32(data + s + 9);
		char *err = NULL;
		char *want = harness_printf("mysql-bin.000042:%zu: ", s);
		int status;

		write_damaged(copy, data, k == 0 ? s + len / 2 : (size_t)st.st_size,
		              k == 0 ? -1 : (long)(s + len / 2));
		status = harness_meepo_run(config, args, FU_RUN_TIMEOUT, NULL, &err);
		if (status != 1 || strstr(err, want) == NULL) {
			fu_fail_with(err, "meepo --binlog on a %s copy of %s: expected exit 1 and an error "
			          "naming \"%s\"; got exit %d", k == 0 ? "truncated" : "corrupted",
			          fixture, want, status);
		}
		free(want);
		free(err);
	}
	printf("bad input: truncated and corrupted binlog copies fail meepo --binlog naming "
	       "file:offset\n");
	free(data);
	free(config);
	free(sinks);
	free(output);
	free(copy);
	free(dir);
	free(fixture);
}
