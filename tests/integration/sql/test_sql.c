/*
 * tests/integration/sql/test_sql.c - the sql sink end to end: the meepo
 * binary follows the source MariaDB and keeps tables of the target MariaDB
 * (MEEPO_TEST_TARGET_PORT) equal to the source's, checked with CHECKSUM
 * TABLE and a row-by-row comparison of every column's bytes:
 *
 *  - every column type of the value-decoding fixtures (the NAME.sql files
 *    of tests/fixtures/mariadb: keys, key changes, tables without a key, MINIMAL and
 *    NOBLOB row images, NULLs);
 *  - a mixed workload (multi-row statements, updates changing keys,
 *    deletes, one transaction of 2000 rows) while the target is SIGKILLed
 *    and restarted mid-stream, then a column added (ALTER TABLE) on both;
 *  - replaying the last transactions twice from an older position, with the
 *    state table (skipped) and without it (idempotent upserts);
 *  - meepo SIGKILLed after the target committed but before its checkpoint:
 *    the restart re-reads those transactions and the state table makes the
 *    sink skip them (a table without a key would show duplicates).
 *
 * Concurrency: single-threaded; is_parallel : false (shares the servers and
 * restarts the target).
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "harness.h"

/* Seconds one synchronous meepo run may take. */
#define RUN_TIMEOUT 120
/* Milliseconds to wait for the target to catch up with a background meepo. */
#define CATCH_UP_MS 90000
/* Where the sink keeps its state table on the target. */
#define STATE_SCHEMA "sqlsink_state"

/* ---- helpers ------------------------------------------------------------------- */

static void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* Drops the state table's schema on the target and creates it empty. */
static void reset_state(void)
{
	MYSQL *t = harness_connect_target(NULL);

	harness_fresh_schema(t, STATE_SCHEMA);
	mysql_close(t);
}

/*
 * Writes a config in `dir`: the source from file:pos, an optional
 * checkpoint that is written only at shutdown, the sql sink "rep" (extra
 * options in `extra`) and one route of the patterns `match`.
 */
static char *write_config(const char *dir, const char *file, uint64_t pos, const char *match,
                          bool checkpoint, const char *extra)
{
	const struct harness_env *env = harness_env();
	char *source = harness_source_config(file, pos);
	char *cp = checkpoint ? harness_printf("checkpoint = { path = \"%s/position\"; interval_ms = 3600000; };\n", dir)
	                      : harness_printf("%s", "");
	char *text = harness_printf(
		"%s%s"
		"sinks = ( { name = \"rep\"; plugin = \"sql\"; host = \"127.0.0.1\"; port = %d;\n"
		"  user = \"%s\"; password_env = \"MEEPO_TEST_MYSQL_PASSWORD\";\n"
		"  state_table = \"" STATE_SCHEMA ".meepo_state\"; deadletter = \"%s/dead.jsonl\";\n"
		"  retry_initial_ms = 50; retry_max_ms = 500; %s } );\n"
		"routes = ( { match = [ %s ]; sink = \"rep\"; } );\n",
		source, cp, env->target_port, env->mysql_user, dir, extra, match);
	char *path = harness_write_config(dir, text);

	free(source);
	free(cp);
	free(text);
	return path;
}

/* Runs meepo to the end of the binlog and expects exit 0; returns its stderr. */
static char *run_meepo(const char *conf)
{
	char *err = NULL;
	int rc = harness_meepo_run(conf, NULL, RUN_TIMEOUT, NULL, &err);

	if (rc != 0) {
		fail_msg("meepo exited %d:\n%s", rc, err);
	}
	return err;
}

/* Removes the trailing newline of a one-line query result. */
static char *chomp(char *s)
{
	size_t n = strlen(s);

	if (n > 0 && s[n - 1] == '\n') {
		s[n - 1] = '\0';
	}
	return s;
}

/* Returns the base tables of `schema` on conn, one name per line, sorted. */
static char *tables_of(MYSQL *conn, const char *schema)
{
	return harness_query(conn, "SELECT table_name FROM information_schema.tables"
	                           " WHERE table_schema = '%s' AND table_type = 'BASE TABLE'"
	                           " ORDER BY table_name", schema);
}

/*
 * Runs `sql` in `schema` (created afresh) on conn, as the mariadb client
 * would: utf8mb4 (ENUM members and literals hold 4-byte characters).
 */
static void run_in_schema(MYSQL *conn, const char *schema, const char *sql)
{
	harness_sql(conn, "SET NAMES utf8mb4");
	harness_fresh_schema(conn, schema);
	harness_sql(conn, "USE `%s`", schema);
	harness_sql(conn, "%s", sql);
}

/*
 * Gives the target the same tables as the source's `schema`, empty: runs
 * the same SQL there (DDL copied through SHOW CREATE TABLE would lose
 * 4-byte characters of ENUM members) and empties every table.
 */
static void empty_copy(const char *schema, const char *sql)
{
	MYSQL *dst = harness_connect_target(NULL);
	char *tables;
	char *save = NULL;
	char *name;

	run_in_schema(dst, schema, sql);
	tables = tables_of(dst, schema);
	for (name = strtok_r(tables, "\n", &save); name != NULL; name = strtok_r(NULL, "\n", &save)) {
		harness_sql(dst, "TRUNCATE TABLE `%s`", name);
	}
	free(tables);
	mysql_close(dst);
}

/* Returns every row of schema.table as the hex of each column's bytes, sorted. */
static char *rows_of(MYSQL *conn, const char *schema, const char *table)
{
	char *cols;
	char *rows;

	harness_sql(conn, "SET SESSION group_concat_max_len = 1048576");
	cols = chomp(harness_query(conn,
		"SELECT GROUP_CONCAT(CONCAT('HEX(CAST(`', REPLACE(column_name, '`', '``'),"
		" '` AS BINARY))') ORDER BY ordinal_position SEPARATOR ', ')"
		" FROM information_schema.columns WHERE table_schema = '%s' AND table_name = '%s'",
		schema, table));
	rows = harness_query(conn, "SELECT %s FROM `%s`.`%s` ORDER BY %s", cols, schema, table, cols);
	free(cols);
	return rows;
}

/* Returns "CHECKSUM TABLE schema.table" as text. */
static char *checksum_of(MYSQL *conn, const char *schema, const char *table)
{
	return harness_query(conn, "CHECKSUM TABLE `%s`.`%s`", schema, table);
}

/* True if every table of `schema` has the same checksum on both servers. */
static bool checksums_equal(MYSQL *src, MYSQL *dst, const char *schema)
{
	char *tables = tables_of(src, schema);
	char *save = NULL;
	char *name;
	bool equal = true;

	for (name = strtok_r(tables, "\n", &save); name != NULL && equal; name = strtok_r(NULL, "\n", &save)) {
		char *a = checksum_of(src, schema, name);
		char *b = checksum_of(dst, schema, name);

		equal = strcmp(a, b) == 0;
		free(a);
		free(b);
	}
	free(tables);
	return equal;
}

/*
 * Asserts that every table of `schema` is equal on source and target:
 * same tables, CHECKSUM TABLE and rows. Waits up to wait_ms for the
 * checksums to agree first (a background meepo catching up).
 */
static void assert_schema_equal(const char *schema, int wait_ms)
{
	MYSQL *src = harness_connect_source(NULL);
	MYSQL *dst = harness_connect_target(NULL);
	char *src_tables = tables_of(src, schema);
	char *dst_tables = tables_of(dst, schema);
	char *save = NULL;
	char *name;
	int waited;

	harness_assert_text(dst_tables, src_tables);
	for (waited = 0; waited < wait_ms && !checksums_equal(src, dst, schema); waited += 200) {
		sleep_ms(200);
	}
	for (name = strtok_r(src_tables, "\n", &save); name != NULL; name = strtok_r(NULL, "\n", &save)) {
		char *a = checksum_of(src, schema, name);
		char *b = checksum_of(dst, schema, name);
		char *ra = rows_of(src, schema, name);
		char *rb = rows_of(dst, schema, name);

		harness_assert_text(rb, ra);
		harness_assert_text(b, a);
		free(a);
		free(b);
		free(ra);
		free(rb);
	}
	free(src_tables);
	free(dst_tables);
	mysql_close(src);
	mysql_close(dst);
}

/* Runs tests/integration/sql/target.sh kill|start. */
static void target_ctl(const char *what)
{
	char *cmd = harness_printf("bash '%s/tests/integration/sql/target.sh' %s",
	                           harness_env()->source_root, what);
	int rc = system(cmd);

	if (rc != 0) {
		fail_msg("%s failed (%d)", cmd, rc);
	}
	free(cmd);
}

/* Fails unless `text` contains `needle`. */
static void assert_contains(const char *text, const char *needle)
{
	if (strstr(text, needle) == NULL) {
		fail_msg("expected \"%s\" in:\n%s", needle, text);
	}
}

/* ---- a random workload ---------------------------------------------------------- */

/* Tables of the workload schemas. */
static const char workload_ddl[] =
	"CREATE TABLE items ("
	" id BIGINT UNSIGNED NOT NULL PRIMARY KEY,"
	" name VARCHAR(64) CHARACTER SET utf8mb4, latin VARCHAR(32) CHARACTER SET latin1,"
	" price DECIMAL(12,2), qty INT, small TINYINT UNSIGNED, f FLOAT, d DOUBLE,"
	" created DATETIME(6), ts TIMESTAMP(3) NULL, day DATE, dur TIME(2), yr YEAR,"
	" flag BIT(3), kind ENUM('a', 'b', 'c'), tags SET('x', 'y', 'z'), note TEXT,"
	" bin VARBINARY(16), j JSON);"
	"CREATE TABLE pairs (a INT NOT NULL, b VARCHAR(16) NOT NULL, v INT, PRIMARY KEY (a, b));"
	"CREATE TABLE plain (x INT, y VARCHAR(16))";

/* A deterministic pseudo-random generator (64-bit LCG). */
struct rng {
	uint64_t state;     /* current state */
	uint64_t next_id;   /* next fresh key value */
};

static uint32_t rnd(struct rng *r, uint32_t n)
{
	r->state = r->state * 6364136223846793005ULL + 1442695040888963407ULL;
	return (uint32_t)(r->state >> 33) % n;
}

/* Appends a VALUES tuple of a fresh items row to f. */
static void item_values(FILE *f, struct rng *r)
{
	static const char *const names[] = { "'apple'", "'Bäume 😀'", "NULL", "''", "'quote''s'" };

	fprintf(f, "(%llu, %s, %s, %s, %s, %u, %s, %s, '2024-%02u-%02u %02u:%02u:%02u.%06u',"
	           " %s, '20%02u-01-31', '%s%u:%02u:%02u.%02u', %u, b'%u%u%u', %s, '%s', %s, %s, %s)",
	        (unsigned long long)r->next_id++, names[rnd(r, 5)],
	        rnd(r, 4) == 0 ? "NULL" : "'caf\xc3\xa9'",
	        rnd(r, 5) == 0 ? "NULL" : "-1234.56", rnd(r, 6) == 0 ? "NULL" : "42",
	        rnd(r, 256), rnd(r, 3) == 0 ? "NULL" : "1.5e3", rnd(r, 3) == 0 ? "NULL" : "3.141592653589793",
	        1 + rnd(r, 12), 1 + rnd(r, 28), rnd(r, 24), rnd(r, 60), rnd(r, 60), rnd(r, 1000000),
	        rnd(r, 4) == 0 ? "NULL" : "'2030-05-06 07:08:09.123'", rnd(r, 100),
	        rnd(r, 2) ? "-" : "", rnd(r, 839), rnd(r, 60), rnd(r, 60), rnd(r, 100),
	        rnd(r, 3) == 0 ? 0u : 1901 + rnd(r, 255), rnd(r, 2), rnd(r, 2), rnd(r, 2),
	        rnd(r, 4) == 0 ? "NULL" : "'b'", rnd(r, 2) ? "x,z" : "",
	        rnd(r, 3) == 0 ? "NULL" : "REPEAT('long text ', 40)",
	        rnd(r, 3) == 0 ? "NULL" : "0x00FF10",
	        rnd(r, 3) == 0 ? "NULL" : "'{\"k\": [1, 2, {\"n\": null}]}'");
}

/* Appends one random statement on the workload tables to f. */
static void statement(FILE *f, struct rng *r, uint64_t first_id)
{
	uint64_t span = r->next_id > first_id ? r->next_id - first_id : 1;
	uint64_t some = first_id + rnd(r, (uint32_t)span);
	uint32_t i;
	uint32_t n;

	switch (rnd(r, 10)) {
	case 0:
	case 1:
	case 2:
	case 3:
		n = 1 + rnd(r, 5);
		fputs("INSERT INTO items VALUES ", f);
		for (i = 0; i < n; i++) {
			fputs(i > 0 ? ", " : "", f);
			item_values(f, r);
		}
		break;
	case 4:
		fprintf(f, "UPDATE items SET name = %s, qty = qty + 1, price = NULL, kind = 'c'"
		           " WHERE id BETWEEN %llu AND %llu", rnd(r, 2) ? "NULL" : "'renamed'",
		        (unsigned long long)some, (unsigned long long)some + rnd(r, 4));
		break;
	case 5:
		/* A key change to a fresh key. */
		fprintf(f, "UPDATE items SET id = %llu, note = 'moved' WHERE id = %llu",
		        (unsigned long long)r->next_id++, (unsigned long long)some);
		break;
	case 6:
		fprintf(f, "DELETE FROM items WHERE id BETWEEN %llu AND %llu",
		        (unsigned long long)some, (unsigned long long)some + rnd(r, 3));
		break;
	case 7:
		fprintf(f, "INSERT INTO pairs VALUES (%u, 'k%u', 1), (%u, 'k%u', NULL)"
		           " ON DUPLICATE KEY UPDATE v = COALESCE(v, 0) + 1",
		        rnd(r, 50), rnd(r, 5), rnd(r, 50), rnd(r, 5));
		break;
	case 8:
		/* A composite key change: every row of one `a` moves to a fresh `a`. */
		fprintf(f, "UPDATE pairs SET a = %llu WHERE a = %u",
		        (unsigned long long)(1000 + r->next_id++), rnd(r, 50));
		break;
	default:
		n = rnd(r, 3);
		if (n == 0) {
			fprintf(f, "INSERT INTO plain VALUES (%u, 'p'), (%u, NULL), (%u, 'p')",
			        rnd(r, 10), rnd(r, 10), rnd(r, 10));
		} else if (n == 1) {
			fprintf(f, "UPDATE plain SET y = 'q' WHERE x = %u", rnd(r, 10));
		} else {
			fprintf(f, "DELETE FROM plain WHERE x = %u LIMIT 1", rnd(r, 10));
		}
		break;
	}
}

/* Runs `ntx` random transactions of 1 to 3 statements in schema on the source. */
static void workload(MYSQL *src, struct rng *r, uint64_t first_id, int ntx)
{
	int t;

	for (t = 0; t < ntx; t++) {
		char *sql = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&sql, &len);
		uint32_t n = 1 + rnd(r, 3);
		uint32_t i;

		assert_non_null(f);
		fputs("BEGIN", f);
		for (i = 0; i < n; i++) {
			fputs("; ", f);
			statement(f, r, first_id);
		}
		fputs("; COMMIT", f);
		fclose(f);
		harness_sql(src, "%s", sql);
		free(sql);
	}
}

/* Creates `schema` with the workload tables on both servers; returns a source connection in it. */
static MYSQL *workload_schema(const char *schema)
{
	MYSQL *src = harness_connect_source(NULL);
	MYSQL *dst = harness_connect_target(NULL);

	harness_fresh_schema(src, schema);
	harness_fresh_schema(dst, schema);
	harness_sql(src, "USE `%s`; %s", schema, workload_ddl);
	harness_sql(dst, "USE `%s`; %s", schema, workload_ddl);
	mysql_close(dst);
	return src;
}

/* ---- tests ------------------------------------------------------------------------ */

/* The value-decoding fixtures' tables, every column type. */
static void test_all_column_types(void **state)
{
	static const char *const fixtures[] = {
		"binary", "bit_year", "decimal", "enum_set_json_geometry", "float", "ints", "keys",
		"minimal", "strings", "temporal", "seed1", "seed2", NULL,
	};
	MYSQL *src = harness_connect_source(NULL);
	char *dir = harness_temp_dir("sql-types");
	char file[256];
	uint64_t pos;
	char *conf;
	char *err;
	size_t i;

	(void)state;
	reset_state();
	harness_rotate_binlog(src, file, sizeof(file), &pos);
	for (i = 0; fixtures[i] != NULL; i++) {
		char *path = harness_printf("%s/tests/fixtures/mariadb/%s.sql", harness_env()->source_root,
		                            fixtures[i]);
		char *sql = harness_read_file(path);
		MYSQL *conn = harness_connect_source(NULL);
		char *schema = harness_printf("sqlfx_%s", fixtures[i]);

		assert_non_null(sql);
		run_in_schema(conn, schema, sql);
		mysql_close(conn);
		empty_copy(schema, sql);
		free(schema);
		free(sql);
		free(path);
	}
	conf = write_config(dir, file, pos, "\"sqlfx_*.*\"", false, "");
	err = run_meepo(conf);
	for (i = 0; fixtures[i] != NULL; i++) {
		char *schema = harness_printf("sqlfx_%s", fixtures[i]);

		assert_schema_equal(schema, 0);
		free(schema);
	}
	{
		char *dead_path = harness_printf("%s/dead.jsonl", dir);
		char *dead = harness_read_file(dead_path);

		if (dead != NULL) {
			fail_msg("dead letters:\n%s", dead);
		}
		free(dead_path);
	}
	free(err);
	free(conf);
	free(dir);
	mysql_close(src);
}

/* A mixed workload while the target is killed and restarted mid-stream. */
static void test_workload_target_restart(void **state)
{
	MYSQL *src = workload_schema("sqlmix");
	MYSQL *dst;
	char *dir = harness_temp_dir("sql-mix");
	struct rng r = { 1, 1 };
	struct harness_proc *proc;
	char file[256];
	uint64_t pos;
	char *conf;
	char *err = NULL;
	int rc;

	(void)state;
	reset_state();
	harness_master_position(src, file, sizeof(file), &pos);
	conf = write_config(dir, file, pos, "\"sqlmix.*\"", false, "");
	proc = harness_meepo_start(conf, NULL);
	workload(src, &r, 1, 150);
	/* One big transaction: more rows than one batch holds. */
	harness_sql(src, "INSERT INTO items (id, name, qty) SELECT 500000 + seq, CONCAT('bulk', seq), seq"
	                 " FROM seq_1_to_2000");
	target_ctl("kill");
	workload(src, &r, 1, 100);
	sleep_ms(1500);
	target_ctl("start");
	dst = harness_connect_target(NULL);
	workload(src, &r, 1, 100);
	harness_sql(src, "UPDATE items SET qty = qty * 2 WHERE id > 500000");
	/* A column added on the target first, then on the source, mid-stream. */
	harness_sql(dst, "ALTER TABLE sqlmix.items ADD COLUMN extra VARCHAR(10) DEFAULT 'd'");
	harness_sql(src, "ALTER TABLE items ADD COLUMN extra VARCHAR(10) DEFAULT 'd'");
	harness_sql(src, "UPDATE items SET extra = 'x' WHERE id %% 3 = 0");
	harness_sql(src, "INSERT INTO items (id, name, extra) VALUES (999999, 'new', NULL)");
	assert_schema_equal("sqlmix", CATCH_UP_MS);
	rc = harness_meepo_stop(proc, 60, NULL, &err);
	if (rc != 0) {
		fail_msg("meepo exited %d:\n%s", rc, err);
	}
	assert_contains(err, "retrying:");
	free(err);
	free(conf);
	free(dir);
	mysql_close(dst);
	mysql_close(src);
}

/*
 * Replays the last transactions twice from an older position: with the
 * state table they are skipped; without it they are applied again and the
 * tables with keys stay equal (upserts and deletes by key are idempotent).
 */
static void test_replay(void **state)
{
	MYSQL *src = workload_schema("sqlreplay");
	MYSQL *dst = harness_connect_target(NULL);
	char *dir = harness_temp_dir("sql-replay");
	struct rng r = { 7, 1 };
	char file[256];
	char mid_file[256];
	uint64_t pos;
	uint64_t mid_pos;
	char *conf;
	char *err;
	int round;

	(void)state;
	reset_state();
	harness_master_position(src, file, sizeof(file), &pos);
	workload(src, &r, 1, 120);
	harness_master_position(src, mid_file, sizeof(mid_file), &mid_pos);
	workload(src, &r, 1, 40);
	conf = write_config(dir, file, pos, "\"sqlreplay.items\", \"sqlreplay.pairs\"", false, "");
	free(run_meepo(conf));
	harness_sql(dst, "DROP TABLE sqlreplay.plain");
	harness_sql(src, "DROP TABLE sqlreplay.plain");
	assert_schema_equal("sqlreplay", 0);
	free(conf);

	conf = write_config(dir, mid_file, mid_pos, "\"sqlreplay.items\", \"sqlreplay.pairs\"", false, "");
	for (round = 0; round < 2; round++) {
		/* The state table says all of it is applied. */
		err = run_meepo(conf);
		assert_contains(err, "the target already had (state table)");
		free(err);
		assert_schema_equal("sqlreplay", 0);
	}
	for (round = 0; round < 2; round++) {
		/* Without it, the transactions are applied again. */
		harness_sql(dst, "DELETE FROM " STATE_SCHEMA ".meepo_state");
		err = run_meepo(conf);
		if (strstr(err, "the target already had") != NULL) {
			fail_msg("nothing should be skipped without a state row:\n%s", err);
		}
		free(err);
		assert_schema_equal("sqlreplay", 0);
	}
	free(conf);
	free(dir);
	mysql_close(src);
	mysql_close(dst);
}

/*
 * SIGKILLs meepo after the target committed transactions but before meepo
 * wrote its checkpoint: the restart reads them again, the sink skips them,
 * and the rows that came meanwhile are applied.
 */
static void test_kill_meepo_before_checkpoint(void **state)
{
	MYSQL *src = workload_schema("sqlkill");
	char *dir = harness_temp_dir("sql-kill");
	struct rng r = { 99, 1 };
	struct harness_proc *proc;
	char file[256];
	uint64_t pos;
	char *conf;
	char *err = NULL;
	int i;
	int rc;

	(void)state;
	reset_state();
	harness_master_position(src, file, sizeof(file), &pos);
	conf = write_config(dir, file, pos, "\"sqlkill.*\"", true, "");
	proc = harness_meepo_start(conf, NULL);
	workload(src, &r, 1, 60);
	for (i = 0; i < 20; i++) {
		harness_sql(src, "INSERT INTO plain VALUES (%d, 'dup?'), (%d, 'dup?')", i, i);
	}
	assert_schema_equal("sqlkill", CATCH_UP_MS);
	assert_int_equal(kill(proc->pid, SIGKILL), 0);
	rc = harness_meepo_wait(proc, 30, NULL, NULL);
	assert_int_equal(rc, 128 + SIGKILL);

	workload(src, &r, 1, 20);
	harness_sql(src, "INSERT INTO plain VALUES (100, 'after kill')");
	proc = harness_meepo_start(conf, NULL);
	assert_schema_equal("sqlkill", CATCH_UP_MS);
	rc = harness_meepo_stop(proc, 60, NULL, &err);
	if (rc != 0) {
		fail_msg("meepo exited %d:\n%s", rc, err);
	}
	assert_contains(err, "the target already had (state table)");
	free(err);
	free(conf);
	free(dir);
	mysql_close(src);
}

/* ---- the initial copy (meepo --snapshot) ------------------------------------------ */

/* Tables the snapshot copies: many types, a composite key, no key; thousands of rows. */
static const char snapshot_ddl[] =
	"SET SESSION max_recursive_iterations = 100000;"
	"CREATE TABLE typed ("
	" id INT NOT NULL PRIMARY KEY, d DECIMAL(20,6), d0 DECIMAL(10,0) UNSIGNED,"
	" dn DECIMAL(5,5), dt DATETIME(3), ts TIMESTAMP(6) NULL, tm TIME(2), dte DATE, y YEAR,"
	" e ENUM('a','b','c'), st SET('x','y','z'), b BIT(10), j JSON, f FLOAT, db DOUBLE,"
	" vc VARCHAR(50), bin BINARY(4), blb BLOB, u BIGINT UNSIGNED, ti TINYINT, txt TEXT);"
	"CREATE TABLE comp (a INT NOT NULL, b VARCHAR(10) NOT NULL, v INT, PRIMARY KEY (a, b));"
	"CREATE TABLE nokey (x INT, y VARCHAR(20));"
	"INSERT INTO typed WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n"
	" WHERE i < 3000) SELECT i, IF(i % 7 = 0, NULL, (i - 1500) * 1000.123457),"
	" i * 1000003, IF(i % 2, 0.12345, -0.5), '2024-02-29 23:59:59.123' + INTERVAL i MINUTE,"
	" IF(i % 5 = 0, NULL, '2001-01-01 00:00:00.000001' + INTERVAL i HOUR),"
	" IF(i % 3, '-838:59:59.99', SEC_TO_TIME(i * 97)), '1000-01-01' + INTERVAL i DAY,"
	" IF(i % 4, 1901 + i % 255, 0), ELT(1 + i % 3, 'a', 'b', 'c'), IF(i % 6, 'x,z', ''),"
	" i % 1024, IF(i % 9, JSON_OBJECT('i', i, 's', CONCAT('v', i)), NULL), i / 7, i / 3.0e0,"
	" CONCAT('h\u00e9llo ', i), UNHEX(LPAD(HEX(i % 256), 2, '0')), UNHEX(REPEAT('00ff', i % 5)),"
	" 18446744073709551615 - i, i % 256 - 128, IF(i % 11, REPEAT('t', i % 40), NULL) FROM n;"
	"INSERT INTO comp WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n"
	" WHERE i < 2000) SELECT i % 50, CONCAT('k', i), IF(i % 13, i, NULL) FROM n;"
	"INSERT INTO nokey WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n"
	" WHERE i < 500) SELECT i % 100, IF(i % 10, CONCAT('r', i % 100), NULL) FROM n;";

/* Live changes after the snapshot: inserts, updates (one moves a key), deletes. */
static const char snapshot_changes[] =
	"INSERT INTO typed (id, d, e, st, b, j) VALUES (5001, -1.5, 'c', 'y', 3, '[1]');"
	"UPDATE typed SET d = d + 1, vc = 'changed' WHERE id % 100 = 0;"
	"UPDATE typed SET id = 9000 WHERE id = 17;"
	"DELETE FROM typed WHERE id BETWEEN 200 AND 260;"
	"UPDATE comp SET b = 'moved' WHERE a = 3 AND b = 'k3';"
	"DELETE FROM comp WHERE a = 4;"
	"INSERT INTO comp VALUES (99, 'new', 1);"
	"UPDATE nokey SET y = 'upd' WHERE x = 5 LIMIT 1;"
	"DELETE FROM nokey WHERE x = 6 LIMIT 2;"
	"INSERT INTO nokey VALUES (1000, 'late');";

/*
 * Creates the snapshot's tables on the source and, through the source's
 * SHOW CREATE TABLE, empty on the target.
 */
static void snapshot_schema(const char *schema, const char *sql)
{
	MYSQL *src = harness_connect_source(NULL);
	MYSQL *dst = harness_connect_target(NULL);
	char *tables;
	char *save = NULL;
	char *name;

	run_in_schema(src, schema, sql);
	harness_fresh_schema(dst, schema);
	harness_sql(dst, "USE `%s`", schema);
	harness_sql(dst, "SET NAMES utf8mb4");
	tables = tables_of(src, schema);
	for (name = strtok_r(tables, "\n", &save); name != NULL; name = strtok_r(NULL, "\n", &save)) {
		char *create = harness_query(src, "SHOW CREATE TABLE `%s`.`%s`", schema, name);
		char *tab = strchr(create, '\t');

		assert_non_null(tab);
		harness_sql(dst, "%s", tab + 1);
		free(create);
	}
	free(tables);
	mysql_close(src);
	mysql_close(dst);
}

/* Runs meepo --snapshot rep; expects exit 0 and a summary of `tables` tables. */
static void run_snapshot(const char *conf, size_t tables)
{
	static const char *const args[] = { "--snapshot", "rep", NULL };
	char *summary = harness_printf("done: %zu table(s)", tables);
	char *err = NULL;
	int rc = harness_meepo_run(conf, args, RUN_TIMEOUT, NULL, &err);

	if (rc != 0) {
		fail_msg("meepo --snapshot exited %d:\n%s", rc, err);
	}
	assert_contains(err, summary);
	assert_contains(err, "checkpoint");
	free(summary);
	free(err);
}

/* A pre-filled schema copied with --snapshot, then live changes followed from its checkpoint. */
static void test_snapshot_then_follow(void **state)
{
	char *dir = harness_temp_dir("sql-snapshot");
	MYSQL *src;
	char *conf;
	char *err;

	(void)state;
	reset_state();
	snapshot_schema("sqlsnap", snapshot_ddl);
	src = harness_connect_source("sqlsnap");
	conf = write_config(dir, NULL, 0, "\"sqlsnap.*\"", true, "");
	run_snapshot(conf, 3);
	assert_schema_equal("sqlsnap", 0);
	harness_sql(src, "%s", snapshot_changes);
	err = run_meepo(conf);
	assert_schema_equal("sqlsnap", 0);
	free(err);
	free(conf);
	free(dir);
	mysql_close(src);
}

/* Every column type of the value-decoding fixtures, copied with --snapshot. */
static void test_snapshot_column_types(void **state)
{
	static const char *const fixtures[] = {
		"binary", "bit_year", "decimal", "enum_set_json_geometry", "float", "ints", "keys",
		"strings", "temporal", NULL,
	};
	char *dir = harness_temp_dir("sql-snapshot-types");
	char *conf;
	size_t i;

	(void)state;
	reset_state();
	for (i = 0; fixtures[i] != NULL; i++) {
		char *path = harness_printf("%s/tests/fixtures/mariadb/%s.sql", harness_env()->source_root,
		                            fixtures[i]);
		char *sql = harness_read_file(path);
		MYSQL *conn = harness_connect_source(NULL);
		char *schema = harness_printf("sqlsnapfx_%s", fixtures[i]);

		assert_non_null(sql);
		run_in_schema(conn, schema, sql);
		mysql_close(conn);
		empty_copy(schema, sql);
		free(schema);
		free(sql);
		free(path);
	}
	conf = write_config(dir, NULL, 0, "\"sqlsnapfx_*.*\"", false, "");
	{
		static const char *const args[] = { "--snapshot", "rep", NULL };
		char *err = NULL;
		int rc = harness_meepo_run(conf, args, RUN_TIMEOUT, NULL, &err);

		if (rc != 0) {
			fail_msg("meepo --snapshot exited %d:\n%s", rc, err);
		}
		free(err);
	}
	for (i = 0; fixtures[i] != NULL; i++) {
		char *schema = harness_printf("sqlsnapfx_%s", fixtures[i]);

		assert_schema_equal(schema, 0);
		free(schema);
	}
	free(conf);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_all_column_types),
		cmocka_unit_test(test_workload_target_restart),
		cmocka_unit_test(test_replay),
		cmocka_unit_test(test_kill_meepo_before_checkpoint),
		cmocka_unit_test(test_snapshot_then_follow),
		cmocka_unit_test(test_snapshot_column_types),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
