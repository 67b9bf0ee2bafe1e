/*
 * tests/integration/webhook/test_webhook_meepo.c - meepo with the webhook
 * sink, end to end: rows written on the test MariaDB reach the real
 * webhook-receiver through a flaky network.
 *
 *  - faults (500, dropped connection, a stall past the timeout, 429 with
 *    Retry-After): every event arrives at least once, first arrivals in
 *    binlog order, every retried request comes again with the same
 *    webhook-id and body, every signature verifies;
 *  - a 400: that batch goes to the dead-letter file with the reason, the
 *    stream goes on and every other event arrives;
 *  - HTTPS with a private CA, from binlog files.
 *
 * Concurrency: single-threaded; is_parallel : false (the cases rotate the
 * shared server's binlog).
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
#include "receiver_ctl.h"

/* Seconds one meepo run may take. */
#define RUN_TIMEOUT 90
/* Most rows a case writes. */
#define MAX_ROWS 1000

static const char SECRET[] = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\n";

/*
 * Creates `schema` with table t and writes rows 1..rows in transactions of
 * `per_txn` inserts each. Returns the connection.
 */
static MYSQL *write_rows(const char *schema, int rows, int per_txn, char *file, size_t filelen,
                         uint64_t *pos, bool rotate)
{
	MYSQL *conn = harness_connect_source(NULL);
	int id;

	harness_fresh_schema(conn, schema);
	harness_sql(conn, "USE `%s`", schema);
	harness_sql(conn, "CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(32))");
	if (rotate) {
		harness_rotate_binlog(conn, file, filelen, pos);
	} else {
		harness_master_position(conn, file, filelen, pos);
	}
	for (id = 1; id <= rows; id++) {
		if ((id - 1) % per_txn == 0) {
			harness_sql(conn, "BEGIN");
		}
		harness_sql(conn, "INSERT INTO t VALUES (%d, 'row %d')", id, id);
		if (id % per_txn == 0 || id == rows) {
			harness_sql(conn, "COMMIT");
		}
	}
	return conn;
}

/* Writes the config: source (may be NULL), one webhook sink with `options`. */
static char *write_config(const char *dir, const char *source, const char *schema,
                          const char *options)
{
	char *text = harness_printf("%s"
	                            "sinks = ( { name = \"hook\"; plugin = \"webhook\"; "
	                            "retry_initial_ms = 20; retry_max_ms = 200; %s } );\n"
	                            "routes = ( { match = [ \"%s.*\" ]; sink = \"hook\"; } );\n",
	                            source != NULL ? source : "", options, schema);
	char *path = harness_write_config(dir, text);

	free(text);
	return path;
}

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

/*
 * Walks the requests in arrival order and records, for every event id, in
 * which order it first arrived in a 2xx answer (seen[id] = 1-based rank).
 * Returns the number of distinct ids; fails if an id is out of 1..max.
 */
static int first_arrivals(const struct hits *hits, int max, int *seen)
{
	long ids[MAX_ROWS];
	size_t i, j, n;
	int rank = 0;

	memset(seen, 0, (size_t)(max + 1) * sizeof(*seen));
	for (i = 0; i < hits->count; i++) {
		if (hits->items[i].status != 200) {
			continue;
		}
		n = body_ids(hits->items[i].body, ids, MAX_ROWS);
		for (j = 0; j < n; j++) {
			assert_true(ids[j] >= 1 && ids[j] <= max);
			if (seen[ids[j]] == 0) {
				seen[ids[j]] = ++rank;
			}
		}
	}
	return rank;
}

/*
 * Every request that failed (fault other than none, or a non-2xx status)
 * comes again later with the same webhook-id and body and a 2xx.
 */
static void assert_retries_repeat(const struct hits *hits)
{
	size_t i, j;
	bool again;

	for (i = 0; i < hits->count; i++) {
		assert_string_equal(hits->items[i].signature, "valid");
		if (strcmp(hits->items[i].fault, "none") == 0) {
			continue;
		}
		again = false;
		for (j = i + 1; j < hits->count && !again; j++) {
			if (strcmp(hits->items[i].id, hits->items[j].id) == 0 &&
			    hits->items[j].status == 200 && strcmp(hits->items[j].fault, "none") == 0) {
				assert_string_equal(hits->items[i].body, hits->items[j].body);
				again = true;
			}
		}
		if (!again) {
			fail_msg("request %ld (%s, %s) was never retried", hits->items[i].seq,
			         hits->items[i].id, hits->items[i].fault);
		}
	}
}

/* Faults of every transient kind: at least once, in order, same ids. */
static void test_faults_at_least_once_in_order(void **state)
{
	static const int rows = 300;
	struct receiver_opts opts = {0};
	struct receiver *rx;
	struct hits hits;
	char file[256], *dir, *secret, *source, *options, *config;
	int seen[MAX_ROWS + 1], id, faults = 0;
	uint64_t pos;
	MYSQL *conn;
	size_t i;

	(void)state;
	dir = harness_temp_dir("webhook-faults");
	secret = harness_printf("%s/secret", dir);
	harness_write_file(secret, SECRET);
	opts.secret_file = secret;
	rx = receiver_start(&opts);
	receiver_fail(rx, "fail=500&after=1&count=2");
	receiver_fail(rx, "fail=drop&after=1&count=1");
	receiver_fail(rx, "fail=stall&stall_ms=1500&after=1&count=1");
	receiver_fail(rx, "fail=429&retry_after=1&after=1&count=1");
	receiver_fail(rx, "fail=503&after=2&count=1");

	conn = write_rows("wh_faults", rows, 10, file, sizeof(file), &pos, false);
	source = harness_source_config(file, pos);
	options = harness_printf("url = \"%s/hook\"; secret_file = \"%s\"; "
	                         "batch_max_events = 25; max_in_flight = 1; timeout_ms = 500;",
	                         rx->base_url, secret);
	config = write_config(dir, source, "wh_faults", options);
	run_meepo(config, NULL);

	receiver_hits(rx, &hits);
	for (i = 0; i < hits.count; i++) {
		faults += strcmp(hits.items[i].fault, "none") != 0;
		assert_string_equal(hits.items[i].path, "/hook");
		assert_int_equal(hits.items[i].body[0], '[');
	}
	assert_int_equal(faults, 6);
	assert_int_equal(first_arrivals(&hits, rows, seen), rows);
	for (id = 1; id <= rows; id++) {
		assert_int_equal(seen[id], id);
	}
	assert_retries_repeat(&hits);
	hits_free(&hits);
	receiver_stop(rx);
	mysql_close(conn);
	free(config);
	free(options);
	free(source);
	free(secret);
	free(dir);
}

/* A 400 dead-letters that batch only; everything else arrives. */
static void test_400_dead_letter_continues(void **state)
{
	static const int rows = 100;
	struct receiver *rx;
	struct hits hits;
	char file[256], *dir, *dead, *text, *source, *options, *config;
	long rejected[MAX_ROWS], dead_ids[MAX_ROWS];
	int seen[MAX_ROWS + 1], id, arrived;
	size_t i, nrejected = 0, ndead, j;
	uint64_t pos;
	MYSQL *conn;
	bool in_dead;

	(void)state;
	dir = harness_temp_dir("webhook-reject");
	dead = harness_printf("%s/hook.dead.jsonl", dir);
	rx = receiver_start(NULL);
	receiver_fail(rx, "fail=400&after=2&count=1");

	conn = write_rows("wh_reject", rows, 10, file, sizeof(file), &pos, false);
	source = harness_source_config(file, pos);
	options = harness_printf("url = \"%s/hook\"; batch_max_events = 20; max_in_flight = 1; "
	                         "deadletter = \"%s\";", rx->base_url, dead);
	config = write_config(dir, source, "wh_reject", options);
	run_meepo(config, NULL);

	receiver_hits(rx, &hits);
	for (i = 0; i < hits.count; i++) {
		if (hits.items[i].status == 400) {
			nrejected = body_ids(hits.items[i].body, rejected, MAX_ROWS);
		}
	}
	/* one or two whole transactions, as the core happened to batch them */
	assert_true(nrejected == 10 || nrejected == 20);
	text = harness_read_file(dead);
	assert_non_null(text);
	ndead = body_ids(text, dead_ids, MAX_ROWS);
	assert_int_equal(ndead, nrejected);
	assert_memory_equal(dead_ids, rejected, nrejected * sizeof(long));
	assert_non_null(strstr(text, "\"reason\":\"HTTP 400 from POST http://127.0.0.1:"));
	assert_non_null(strstr(text, "injected 400"));
	free(text);

	arrived = first_arrivals(&hits, rows, seen);
	assert_int_equal(arrived, rows - (int)nrejected);
	for (id = 1; id <= rows; id++) {
		in_dead = false;
		for (j = 0; j < nrejected; j++) {
			in_dead |= rejected[j] == id;
		}
		assert_true(in_dead == (seen[id] == 0));
	}
	hits_free(&hits);
	receiver_stop(rx);
	mysql_close(conn);
	free(config);
	free(options);
	free(source);
	free(dead);
	free(dir);
}

/*
 * HTTPS with a private CA, read from a binlog file, with the default
 * batching (the core hands up to 1000 events, as many as are queued, sent
 * as requests of at most 100, 4 at once): every event exactly once, each
 * request a consecutive run of ids (concurrent requests may arrive in any
 * order).
 */
static void test_https_binlog_file(void **state)
{
	static const int rows = 120;
	struct receiver_opts opts = {0};
	struct receiver *rx;
	struct hits hits;
	char file[256], end[256], *dir, *secret, *ca, *cert, *key, *path, *options, *config;
	const char *args[3];
	int seen[MAX_ROWS + 1], id;
	long ids[MAX_ROWS];
	size_t i, j, n;
	uint64_t pos;
	MYSQL *conn;

	(void)state;
	dir = harness_temp_dir("webhook-https");
	make_test_pki(dir);
	secret = harness_printf("%s/secret", dir);
	harness_write_file(secret, SECRET);
	ca = harness_printf("%s/ca.pem", dir);
	cert = harness_printf("%s/server.pem", dir);
	key = harness_printf("%s/server.key", dir);
	opts.secret_file = secret;
	opts.tls_cert = cert;
	opts.tls_key = key;
	rx = receiver_start(&opts);

	conn = write_rows("wh_https", rows, 7, file, sizeof(file), &pos, true);
	harness_rotate_binlog(conn, end, sizeof(end), &pos);
	path = harness_binlog_path(file);
	args[0] = "--binlog";
	args[1] = path;
	args[2] = NULL;
	options = harness_printf("url = \"%s/{schema}/{table}\"; ca_file = \"%s\"; "
	                         "secret_file = \"%s\";", rx->base_url, ca, secret);
	config = write_config(dir, NULL, "wh_https", options);
	run_meepo(config, args);

	receiver_hits(rx, &hits);
	assert_true(hits.count >= 2);
	memset(seen, 0, sizeof(seen));
	for (i = 0; i < hits.count; i++) {
		assert_string_equal(hits.items[i].path, "/wh_https/t");
		assert_int_equal(hits.items[i].status, 200);
		n = body_ids(hits.items[i].body, ids, MAX_ROWS);
		assert_true(n >= 1 && n <= 100);
		for (j = 0; j < n; j++) {
			assert_int_equal(ids[j], ids[0] + (long)j);
			seen[ids[j]]++;
		}
	}
	for (id = 1; id <= rows; id++) {
		assert_int_equal(seen[id], 1);
	}
	assert_retries_repeat(&hits);
	hits_free(&hits);
	receiver_stop(rx);
	mysql_close(conn);
	free(config);
	free(options);
	free(path);
	free(ca);
	free(cert);
	free(key);
	free(secret);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_faults_at_least_once_in_order, receiver_stop_all),
		cmocka_unit_test_teardown(test_400_dead_letter_continues, receiver_stop_all),
		cmocka_unit_test_teardown(test_https_binlog_file, receiver_stop_all),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
