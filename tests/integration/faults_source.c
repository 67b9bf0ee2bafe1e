/*
 * tests/integration/faults_source.c - the fault cases about the source
 * server (see test_faults.c for the whole list): rotations, a cut
 * replication connection, a clean restart and a kill -9 of MariaDB during
 * a workload; a hung server (SIGSTOP) and heartbeats; a purged binlog at
 * start-up and while meepo is disconnected.
 *
 * Concurrency: single-threaded (cases of test_faults.c's program).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "faults_cases.h"
#include "faults_util.h"
#include "harness.h"
#include "redis_util.h"

/* The source outage case: rows per segment between faults, five segments. */
#define SOURCE_SEGMENT 1000

/* The heartbeat period the hung-source case asks for, and how long it stays idle. */
#define HEARTBEAT_MS 1000
#define HEARTBEAT_IDLE_MS 4000

/* ---- source outage ------------------------------------------------------------- */

/* Reconnects the workload's connection after a server restart. */
static MYSQL *reconnect(MYSQL *conn, const char *schema)
{
	mysql_close(conn);
	conn = harness_connect_source(schema);
	return conn;
}

void test_source_outage(void **state)
{
	const char *schema = "faults_source";
	const char *key = "faults:source";
	char *dir = harness_temp_dir(schema);
	char *checkpoint = harness_printf("%s/position", dir);
	redisContext *c = rt_connect(harness_env()->redis_port);
	struct harness_proc *proc;
	struct fu_records records;
	struct fu_tally tally;
	const long total = 5 * SOURCE_SEGMENT;
	long clean_ms, crash_ms;
	char *source, *sinks, *config, *err;
	char file[256];
	uint64_t pos;
	MYSQL *conn;
	int cut;

	(void)state;
	conn = fu_make_schema(schema, file, sizeof(file), &pos);
	rt_do(c, "DEL %s", key);
	source = harness_source_config(file, pos);
	sinks = fu_stream_sink(harness_env()->redis_port, key, schema, "");
	config = fu_write_config(dir, source, checkpoint, sinks);
	proc = fu_start_meepo(config);

	/*
	 * Each fault right after a segment is written, while meepo reads it, and
	 * once meepo is back from the previous one.
	 */
	fu_insert_rows(conn, 1, SOURCE_SEGMENT, 20, 10);
	harness_sql(conn, "FLUSH BINARY LOGS");
	fu_wait_all(c, key, SOURCE_SEGMENT, proc, &records, &tally, "source outage, first segment");
	fu_records_free(&records);
	fu_insert_rows(conn, SOURCE_SEGMENT + 1, 2 * SOURCE_SEGMENT, 20, 10);
	cut = fu_kill_dump_connections(conn);
	fu_wait_connected(proc, 2);
	fu_insert_rows(conn, 2 * SOURCE_SEGMENT + 1, 3 * SOURCE_SEGMENT, 20, 10);
	clean_ms = fu_source_restart(false, 1000);
	conn = reconnect(conn, schema);
	fu_wait_connected(proc, 3);
	fu_insert_rows(conn, 3 * SOURCE_SEGMENT + 1, 4 * SOURCE_SEGMENT, 20, 10);
	crash_ms = fu_source_restart(true, 500);
	conn = reconnect(conn, schema);
	harness_sql(conn, "FLUSH BINARY LOGS");
	fu_insert_rows(conn, 4 * SOURCE_SEGMENT + 1, total, 20, 10);

	fu_wait_all(c, key, total, proc, &records, &tally, "source outage");
	err = fu_stop_meepo(proc);
	fu_assert_complete(&tally, total, "source outage");
	printf("source outage: %ld rows; 2 rotations, %d replication connection(s) cut, "
	       "a clean restart (%ld ms down) and a kill -9 (%ld ms down) of the source: "
	       "0 lost, %zu duplicates; meepo logged %d lost connections\n",
	       total, cut, clean_ms, crash_ms, tally.duplicates,
	       fu_count_of(err, "connection lost"));
	if (cut < 1) {
		fail_msg("no replication connection to cut: was meepo connected?");
	}
	if (tally.duplicates != 0) {
		fail_msg("source outage: %zu duplicates: a reconnect must resume after the last "
		         "transaction read, not at the checkpoint", tally.duplicates);
	}
	if (fu_count_of(err, "connection lost") < 3) {
		fu_fail_with(err, "meepo should have lost its source connection 3 times");
	}

	fu_records_free(&records);
	redisFree(c);
	mysql_close(conn);
	free(err);
	free(config);
	free(sinks);
	free(source);
	free(checkpoint);
	free(dir);
}

/* ---- a hung source: heartbeats ------------------------------------------------- */

/* Returns `source` with extra keys put at the start of its section. */
static char *source_with(const char *source, const char *keys)
{
	const char *brace = strchr(source, '{');

	assert_non_null(brace);
	return harness_printf("%.*s{ %s%s", (int)(brace - source), source, keys, brace + 1);
}

void test_heartbeat(void **state)
{
	const char *schema = "faults_heartbeat";
	const char *key = "faults:heartbeat";
	char *dir = harness_temp_dir(schema);
	redisContext *c = rt_connect(harness_env()->redis_port);
	struct harness_proc *proc;
	struct fu_records records;
	struct fu_tally tally;
	char *plain, *source, *sinks, *config, *err, *keys;
	char file[256];
	uint64_t pos;
	long frozen, noticed = -1;
	MYSQL *conn;

	(void)state;
	conn = fu_make_schema(schema, file, sizeof(file), &pos);
	rt_do(c, "DEL %s", key);
	plain = harness_source_config(file, pos);
	keys = harness_printf("heartbeat_ms = %d; connect_timeout_ms = 2000; ", HEARTBEAT_MS);
	source = source_with(plain, keys);
	sinks = fu_stream_sink(harness_env()->redis_port, key, schema, "");
	config = fu_write_config(dir, source, NULL, sinks);
	proc = fu_start_meepo(config);
	fu_insert_rows(conn, 1, 100, 10, 10);
	fu_wait_all(c, key, 100, proc, &records, &tally, "heartbeat, before");
	fu_records_free(&records);

	/* idle for longer than the read timeout: heartbeats keep the connection */
	fu_sleep_ms(HEARTBEAT_IDLE_MS);
	err = harness_read_file(proc->err_path);
	if (fu_count_of(err, "connection lost") != 0) {
		fu_fail_with(err, "meepo lost an idle connection although the server sends a heartbeat "
		          "every %d ms", HEARTBEAT_MS);
	}
	free(err);

	/* the server hangs: meepo must notice within 3 heartbeat periods (and a margin) */
	fu_source_signal(SIGSTOP);
	frozen = fu_now_ms();
	while (fu_now_ms() - frozen < 4 * HEARTBEAT_MS + 2000) {
		err = harness_read_file(proc->err_path);
		if (fu_count_of(err, "connection lost") > 0) {
			noticed = fu_now_ms() - frozen;
		}
		free(err);
		if (noticed >= 0) {
			break;
		}
		fu_sleep_ms(50);
	}
	fu_source_signal(SIGCONT);
	if (noticed < 0) {
		err = harness_read_file(proc->err_path);
		fu_fail_with(err, "meepo did not notice a hung source within %d ms (heartbeat_ms = %d)",
		          4 * HEARTBEAT_MS + 2000, HEARTBEAT_MS);
	}
	fu_insert_rows(conn, 101, 200, 10, 10);
	fu_wait_all(c, key, 200, proc, &records, &tally, "heartbeat");
	err = fu_stop_meepo(proc);
	fu_assert_complete(&tally, 200, "heartbeat");
	printf("hung source (SIGSTOP, heartbeat_ms %d): idle %d ms without a false alarm, the hang "
	       "noticed after %ld ms; 0 lost, %zu duplicates\n", HEARTBEAT_MS, HEARTBEAT_IDLE_MS,
	       noticed, tally.duplicates);
	if (tally.duplicates != 0) {
		fu_fail_with(err, "%zu duplicates after a reconnect", tally.duplicates);
	}

	fu_records_free(&records);
	redisFree(c);
	mysql_close(conn);
	free(err);
	free(config);
	free(sinks);
	free(source);
	free(keys);
	free(plain);
	free(dir);
}

/* ---- purged binlog ------------------------------------------------------------- */

/*
 * Purges the binlogs before `to` until `gone` is no longer listed: the
 * server keeps a file a replication thread still has open (that of a
 * meepo that just ended may linger a moment).
 */
static void purge_to(MYSQL *conn, const char *to, const char *gone)
{
	long deadline = fu_now_ms() + 20000;
	char *logs = NULL;

	for (;;) {
		harness_sql(conn, "PURGE BINARY LOGS TO '%s'", to);
		free(logs);
		logs = harness_query(conn, "SHOW BINARY LOGS");
		if (strstr(logs, gone) == NULL) {
			break;
		}
		if (fu_now_ms() > deadline) {
			char *warnings = harness_query(conn, "SHOW WARNINGS");
			fail_msg("PURGE BINARY LOGS TO '%s' left %s for 20 s; warnings: %s", to, gone,
			         warnings);
		}
		fu_sleep_ms(200);
	}
	free(logs);
}

/*
 * A running meepo (frozen with SIGSTOP) loses its connection and its
 * binlog file is purged before it reconnects: it must stop with exit 1
 * naming the position, not retry forever nor skip ahead.
 */
static void purged_while_away(MYSQL *conn, const char *dir, const char *sinks,
                              const char *output)
{
	char *checkpoint = harness_printf("%s/position2", dir);
	char *source, *config, *err = NULL, *want;
	struct harness_proc *proc;
	char file[256], next[256];
	uint64_t pos, next_pos;
	int status;

	harness_master_position(conn, file, sizeof(file), &pos);
	source = harness_source_config(file, pos);
	config = fu_write_config(dir, source, checkpoint, sinks);
	proc = fu_start_meepo(config);
	harness_sql(conn, "INSERT INTO t (id) VALUES (10)");
	if (!harness_wait_lines(output, 3, FU_RUN_TIMEOUT * 1000)) {
		fu_fail_with(harness_read_file(proc->err_path), "row 10 was not printed");
	}
	kill(proc->pid, SIGSTOP);
	fu_kill_dump_connections(conn);
	harness_rotate_binlog(conn, next, sizeof(next), &next_pos);
	purge_to(conn, next, file);
	kill(proc->pid, SIGCONT);
	status = fu_wait_meepo(proc, &err);
	want = harness_printf("%s:", file);
	if (status != 1 || strstr(strstr(err, "connection lost") != NULL
	                          ? strstr(err, "connection lost") + 15 : err, want) == NULL) {
		fu_fail_with(err, "with its binlog purged while it was disconnected, meepo should exit 1 "
		          "naming %s...; it exited %d", want, status);
	}
	printf("purged binlog: purged while meepo was disconnected: exit 1 naming %s...\n", want);
	free(want);
	free(err);
	free(config);
	free(source);
	free(checkpoint);
}

void test_purged_binlog(void **state)
{
	const char *schema = "faults_purged";
	char *dir = harness_temp_dir(schema);
	char *checkpoint = harness_printf("%s/position", dir);
	char *output = harness_printf("%s/out.txt", dir);
	char *source, *sinks, *config, *err = NULL, *saved, *after, *want;
	char file[256], current[256];
	uint64_t pos, cpos;
	MYSQL *conn;
	int status;

	(void)state;
	conn = fu_make_schema(schema, file, sizeof(file), &pos);
	harness_rotate_binlog(conn, file, sizeof(file), &pos);
	harness_sql(conn, "INSERT INTO t (id) VALUES (1), (2)");
	source = harness_source_config(file, pos);
	sinks = harness_printf("sinks = ( { name = \"out\"; plugin = \"print\"; output = \"%s\"; } );\n"
	                       "routes = ( { match = [ \"%s.t\" ]; sink = \"out\"; } );\n",
	                       output, schema);
	config = fu_write_config(dir, source, checkpoint, sinks);
	status = harness_meepo_run(config, NULL, FU_RUN_TIMEOUT, NULL, &err);
	if (status != 0) {
		fu_fail_with(err, "the first run exited %d", status);
	}
	free(err);
	saved = harness_read_file(checkpoint);
	want = harness_printf("file %s\n", file);
	if (saved == NULL || strncmp(saved, want, strlen(want)) != 0) {
		fail_msg("the checkpoint should name %s; it is:\n%s", file, saved ? saved : "(none)");
	}

	harness_sql(conn, "INSERT INTO t (id) VALUES (3)");
	harness_rotate_binlog(conn, current, sizeof(current), &cpos);
	harness_rotate_binlog(conn, current, sizeof(current), &cpos);
	purge_to(conn, current, file);
	status = harness_meepo_run(config, NULL, FU_RUN_TIMEOUT, NULL, &err);
	after = harness_read_file(checkpoint);
	free(want);
	want = harness_printf("%s:%llu", file, strtoull(strstr(saved, "offset ") + 7, NULL, 10));
	if (status != 1 || strstr(err, want) == NULL) {
		fu_fail_with(err, "with the checkpoint's binlog purged, expected exit 1 and an error "
		          "naming %s; meepo exited %d", want, status);
	}
	if (after == NULL || strcmp(after, saved) != 0) {
		fail_msg("the checkpoint moved although nothing was read:\nbefore:\n%safter:\n%s",
		         saved, after != NULL ? after : "(none)\n");
	}
	printf("purged binlog: exit 1 naming %s, checkpoint untouched\n", want);
	purged_while_away(conn, dir, sinks, output);

	mysql_close(conn);
	free(after);
	free(saved);
	free(want);
	free(err);
	free(config);
	free(sinks);
	free(source);
	free(output);
	free(checkpoint);
	free(dir);
}
