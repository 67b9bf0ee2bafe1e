/*
 * tests/integration/faults_run.c - see faults_util.h: the fault cases'
 * workload (table t, rows in random transactions), configurations, the
 * meepo running in the background (killed by the teardown if a case
 * fails) and the waits for its output.
 *
 * Concurrency: the test's thread only; the random state and the
 * background meepo are file statics.
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
#include <sys/wait.h>
#include <time.h>

#include "faults_util.h"
#include "harness.h"

/* The table every case writes: the id column first (the stream parser reads it). */
static const char table_ddl[] =
	"CREATE TABLE t (id INT PRIMARY KEY, payload VARCHAR(2000) NOT NULL DEFAULT '')";

/* rand_r state for the workloads and kill points. */
static unsigned seed;

/* The meepo running in the background, killed by fu_teardown() if a case fails. */
static struct harness_proc *background;

int fu_group_setup(void **state)
{
	const char *fixed = getenv("MEEPO_TEST_SEED");

	(void)state;
	seed = fixed != NULL ? (unsigned)strtoul(fixed, NULL, 10) : (unsigned)time(NULL);
	printf("faults: seed %u (set MEEPO_TEST_SEED to repeat)\n", seed);
	return 0;
}

long fu_random_in(long lo, long hi)
{
	return lo + (long)(rand_r(&seed) % (unsigned)(hi - lo + 1));
}

void fu_fail_with(const char *log, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	printf("---- meepo's stderr ----\n%s---- end ----\n", log != NULL ? log : "(none)\n");
	fflush(stdout);
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fail_msg("%s", msg);
	abort(); /* fail_msg() does not return */
}

int fu_count_of(const char *text, const char *needle)
{
	int n = 0;

	for (const char *p = text; p != NULL && (p = strstr(p, needle)) != NULL; p++) {
		n++;
	}
	return n;
}

MYSQL *fu_make_schema(const char *schema, char *file, size_t filelen, uint64_t *pos)
{
	MYSQL *conn = harness_connect_source(NULL);

	harness_fresh_schema(conn, schema);
	harness_sql(conn, "USE `%s`", schema);
	harness_sql(conn, "%s", table_ddl);
	harness_master_position(conn, file, filelen, pos);
	return conn;
}

long fu_insert_rows(MYSQL *conn, long first, long last, int max_txn, int payload)
{
	long txns = 0;
	long row = first;

	while (row <= last) {
		long n = fu_random_in(1, max_txn);
		char *sql = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&sql, &len);

		assert_non_null(f);
		if (row + n - 1 > last) {
			n = last - row + 1;
		}
		fprintf(f, "BEGIN; INSERT INTO t (id, payload) VALUES ");
		for (long i = 0; i < n; i++, row++) {
			fprintf(f, "%s(%ld, REPEAT('x', %d))", i > 0 ? ", " : "", row, payload);
		}
		fprintf(f, "; COMMIT");
		fclose(f);
		harness_sql(conn, "%s", sql);
		free(sql);
		txns++;
	}
	return txns;
}

char *fu_write_config(const char *dir, const char *source, const char *checkpoint,
                      const char *rest)
{
	char *ck = checkpoint != NULL
	           ? harness_printf("checkpoint = { path = \"%s\"; interval_ms = 100; };\n",
	                            checkpoint)
	           : harness_printf("%s", "");
	char *text = harness_printf("%s%s%s", source, ck, rest);
	char *path = harness_write_config(dir, text);

	free(text);
	free(ck);
	return path;
}

char *fu_stream_sink(int port, const char *stream, const char *schema, const char *extra)
{
	return harness_printf("sinks = ( { name = \"rec\"; plugin = \"redis\"; port = %d; "
	                      "mode = \"stream\"; stream = \"%s\"; timeout_ms = 1000; "
	                      "retry_initial_ms = 50; retry_max_ms = 500; %s } );\n"
	                      "routes = ( { match = [ \"%s.t\" ]; sink = \"rec\"; } );\n",
	                      port, stream, extra, schema);
}

/* ---- meepo in the background ---------------------------------------------------- */

struct harness_proc *fu_start_meepo(const char *config)
{
	background = harness_meepo_start(config, NULL);
	return background;
}

void fu_kill9_meepo(struct harness_proc *proc)
{
	char *err = NULL;
	int status;

	background = NULL;
	kill(proc->pid, SIGKILL);
	status = harness_meepo_wait(proc, 10, NULL, &err);
	if (status != 128 + SIGKILL) {
		fu_fail_with(err, "meepo had exited by itself (status %d) before it was killed",
		             status);
	}
	free(err);
}

char *fu_stop_meepo(struct harness_proc *proc)
{
	char *err = NULL;
	int status;

	background = NULL;
	status = harness_meepo_stop(proc, 40, NULL, &err);
	if (status != 0) {
		fu_fail_with(err, "meepo exited %d after SIGTERM", status);
	}
	return err;
}

int fu_term_meepo(struct harness_proc *proc, char **err)
{
	background = NULL;
	return harness_meepo_stop(proc, 20, NULL, err);
}

int fu_wait_meepo(struct harness_proc *proc, char **err)
{
	background = NULL;
	return harness_meepo_wait(proc, FU_RUN_TIMEOUT, NULL, err);
}

int fu_teardown(void **state)
{
	int status;

	(void)state;
	if (background != NULL) {
		kill(background->pid, SIGKILL);
		waitpid(background->pid, &status, 0);
		background = NULL;
	}
	fu_source_thaw();
	return 0;
}

/* ---- waits and checks ------------------------------------------------------------ */

void fu_wait_all(redisContext *c, const char *key, long nrows, struct harness_proc *proc,
                 struct fu_records *records, struct fu_tally *tally, const char *what)
{
	char *err = NULL;

	if (!fu_wait_stream(c, key, nrows, FU_RUN_TIMEOUT * 1000, records, tally)) {
		fu_term_meepo(proc, &err);
		fu_fail_with(err, "%s: after %d s the stream holds %zu of %ld rows (first missing: %ld)",
		             what, FU_RUN_TIMEOUT, tally->distinct, nrows, tally->first_lost);
	}
}

void fu_wait_connected(const struct harness_proc *proc, int n)
{
	long deadline = fu_now_ms() + 20000;
	char *err = NULL;

	for (;;) {
		free(err);
		err = harness_read_file(proc->err_path);
		if (fu_count_of(err, "[source] connected to") >= n) {
			break;
		}
		if (fu_now_ms() > deadline) {
			fu_fail_with(err, "meepo did not connect to the source a %dth time within 20 s", n);
		}
		fu_sleep_ms(50);
	}
	free(err);
}

void fu_parse_checkpoint(const char *text, char *file, size_t filelen, uint64_t *offset)
{
	const char *f = text != NULL ? strstr(text, "file ") : NULL;
	const char *o = text != NULL ? strstr(text, "offset ") : NULL;

	if (f == NULL || o == NULL) {
		fail_msg("malformed checkpoint:\n%s", text != NULL ? text : "(no file)");
	}
	snprintf(file, filelen, "%.*s", (int)strcspn(f + 5, "\n"), f + 5);
	*offset = strtoull(o + 7, NULL, 10);
}

bool fu_position_not_after(const char *file, uint64_t offset, const char *limit_file,
                           uint64_t limit_offset)
{
	int c = strcmp(file, limit_file);

	return c < 0 || (c == 0 && offset <= limit_offset);
}
