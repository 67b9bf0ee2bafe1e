/*
 * tests/integration/test_metrics.c - the metrics endpoint under load and
 * the health check, against the real meepo following the test MariaDB.
 *
 *  - counters add up: two print sinks routed to two tables (a third table
 *    is routed nowhere) and a workload of known size; /metrics is scraped
 *    after every statement (counters never go back, sinks never acknowledge
 *    more than was read) and once meepo has settled: rows read == rows
 *    written to the routed tables == the sum of the two sinks' events,
 *    transactions and XID events == transactions committed, queues back to
 *    0, no retries or rejects, the checkpoint at the server's binlog end,
 *    lag 0 (heartbeats), source connected; each sink's output is exact;
 *    /health is 200 "ok".
 *  - a stuck sink: a print sink writing to a FIFO that the test opens but
 *    does not read (pipe shrunk to one page) stops acknowledging; with
 *    stuck_ms = 300, /health turns 503 naming the sink and its queue; once
 *    the test reads the FIFO, everything arrives and /health is 200 again.
 *
 * The endpoint is read with a minimal HTTP/1.0 GET over a socket.
 *
 * Concurrency: single-threaded; is_parallel : false (shared server).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "harness.h"

/* How long meepo may take to settle, to serve, to stop. */
#define SETTLE_MS 30000
#define STOP_TIMEOUT_S 20

/*
 * What a failed test leaves behind, for teardown(): the meepo it started
 * and the read end of its FIFO (closed first, so that a blocked sink
 * fails its write instead of waiting for a reader forever).
 */
static struct harness_proc *running;
static int fifo_fd = -1;

/* One HTTP answer. */
struct reply {
	int status;         /* e.g. 200, 503; 0 when the connection failed */
	char *body;         /* after the blank line; malloc'ed ("" when none) */
};

/* Milliseconds of a monotonic clock. */
static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* Returns a TCP port on 127.0.0.1 that nothing listens on right now. */
static int free_port(void)
{
	struct sockaddr_in addr = { .sin_family = AF_INET };
	socklen_t len = sizeof(addr);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	int port;

	assert_true(fd >= 0);
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&addr, sizeof(addr)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&addr, &len), 0);
	port = ntohs(addr.sin_port);
	close(fd);
	return port;
}

/*
 * GET http://127.0.0.1:port/path (HTTP/1.0: the server closes after the
 * answer). status is 0 when nothing listens; a malformed answer fails.
 */
static struct reply http_get(int port, const char *path)
{
	struct sockaddr_in addr = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	struct timeval tv = { 5, 0 };
	struct reply r = { 0, NULL };
	char *text = NULL;
	size_t len = 0;
	char buf[8192];
	char *request;
	const char *blank;
	ssize_t n;
	FILE *out;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) != 0) {
		close(fd);
		r.body = strdup("");
		return r;
	}
	request = harness_printf("GET %s HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n", path);
	assert_int_equal(send(fd, request, strlen(request), MSG_NOSIGNAL), (ssize_t)strlen(request));
	free(request);
	out = open_memstream(&text, &len);
	assert_non_null(out);
	while ((n = recv(fd, buf, sizeof(buf), 0)) > 0) {
		fwrite(buf, 1, (size_t)n, out);
	}
	fclose(out);
	close(fd);
	blank = strstr(text, "\r\n\r\n");
	if (n < 0 || blank == NULL || sscanf(text, "HTTP/1.%*d %d", &r.status) != 1) {
		fail_msg("GET %s: malformed or incomplete answer (%s):\n%s", path,
		         n < 0 ? strerror(errno) : "closed", text);
	}
	r.body = strdup(blank + 4);
	free(text);
	return r;
}

/*
 * Prints a scrape on stderr (cmocka cuts long failure messages), so that a
 * failure shows every counter.
 */
static void show_scrape(const char *text)
{
	fprintf(stderr, "---- /metrics ----\n%s---- end ----\n", text);
}

/* GET /metrics; fails unless it answers 200. Returns the body. */
static char *scrape(int port)
{
	struct reply r = http_get(port, "/metrics");

	if (r.status != 200) {
		fail_msg("GET /metrics: status %d:\n%s", r.status, r.body);
	}
	return r.body;
}

/* True and *value set if the exposition has the sample `series` ("name{labels}"). */
static bool sample(const char *text, const char *series, uint64_t *value)
{
	size_t n = strlen(series);
	const char *p = text;

	while (p != NULL && *p != '\0') {
		if (strncmp(p, series, n) == 0 && p[n] == ' ') {
			*value = strtoull(p + n + 1, NULL, 10);
			return true;
		}
		p = strchr(p, '\n');
		p = p != NULL ? p + 1 : NULL;
	}
	return false;
}

/* The value of `series`; fails the test when it is missing. */
static uint64_t metric(const char *text, const char *series)
{
	uint64_t v;

	if (!sample(text, series, &v)) {
		show_scrape(text);
		fail_msg("no sample %s in /metrics", series);
	}
	return v;
}

/*
 * Scrapes until `series` equals want (meepo still working through the
 * workload); fails after SETTLE_MS, showing the last scrape. Returns it.
 */
static char *scrape_until(int port, const char *series, uint64_t want)
{
	int64_t deadline = now_ms() + SETTLE_MS;
	uint64_t v = 0;
	char *text;

	for (;;) {
		text = scrape(port);
		if (sample(text, series, &v) && v == want) {
			return text;
		}
		if (now_ms() > deadline) {
			show_scrape(text);
			fail_msg("%s stayed at %" PRIu64 ", expected %" PRIu64 ", for %d ms", series, v,
			         want, SETTLE_MS);
		}
		free(text);
		sleep_ms(100);
	}
}

/* Polls GET /health until it answers `status`; returns the body. */
static char *health_until(int port, int status)
{
	int64_t deadline = now_ms() + SETTLE_MS;
	struct reply r;

	for (;;) {
		r = http_get(port, "/health");
		if (r.status == status) {
			return r.body;
		}
		if (now_ms() > deadline) {
			fail_msg("GET /health stayed %d (%s), expected %d, for %d ms", r.status, r.body,
			         status, SETTLE_MS);
		}
		free(r.body);
		sleep_ms(100);
	}
}

static void start_meepo(const char *config)
{
	running = harness_meepo_start(config, NULL);
}

/* Stops the running meepo with SIGTERM; returns its exit status. */
static int stop_meepo(void)
{
	struct harness_proc *proc = running;

	running = NULL;
	return harness_meepo_stop(proc, STOP_TIMEOUT_S, NULL, NULL);
}

static int teardown(void **state)
{
	(void)state;
	if (fifo_fd >= 0) {
		close(fifo_fd);
		fifo_fd = -1;
	}
	if (running != NULL) {
		stop_meepo();
	}
	return 0;
}

/* harness_source_config() with heartbeat_ms = 500, so that lag is kept current. */
static char *source_config(const char *file, uint64_t pos)
{
	char *base = harness_source_config(file, pos);
	char *end = strstr(base, " };\n");
	char *text;

	assert_non_null(end);
	*end = '\0';
	text = harness_printf("%s heartbeat_ms = 500; };\n", base);
	free(base);
	return text;
}

/* "INSERT INTO <table> (v) VALUES ('r'), ... " with n rows. */
static char *insert_rows(const char *table, unsigned n)
{
	char *sql = harness_printf("INSERT INTO %s (v) VALUES ('r')", table);

	for (unsigned i = 1; i < n; i++) {
		char *longer = harness_printf("%s,('r')", sql);
		free(sql);
		sql = longer;
	}
	return sql;
}

/* Writes "<table>_<action> <id>\n" for id = from..to to f. */
static void expect_lines(FILE *f, const char *table, const char *action, unsigned from,
                         unsigned to)
{
	for (unsigned id = from; id <= to; id++) {
		fprintf(f, "%s_%s %u\n", table, action, id);
	}
}

/* Asserts that the print sink wrote exactly `expected` to path; frees expected. */
static void assert_output(const char *path, char *expected)
{
	char *got = harness_read_file(path);

	harness_assert_text(got != NULL ? got : "", expected);
	free(got);
	free(expected);
}

/* Counters read after each statement of the workload. */
struct progress {
	uint64_t rows;      /* meepo_source_rows_total */
	uint64_t bytes;     /* meepo_source_bytes_total */
	uint64_t a, b;      /* the two sinks' meepo_sink_events_total */
};

/*
 * Scrapes once mid-workload: counters only grow, and sinks acknowledge no
 * more than was read. A scrape reads the source's counters before the
 * sinks' (not atomically), so the sinks' events of one scrape are compared
 * with the rows of the next.
 */
static void check_running(int port, struct progress *last)
{
	char *text = scrape(port);
	struct progress now = {
		metric(text, "meepo_source_rows_total"),
		metric(text, "meepo_source_bytes_total"),
		metric(text, "meepo_sink_events_total{sink=\"sink_a\"}"),
		metric(text, "meepo_sink_events_total{sink=\"sink_b\"}"),
	};

	if (now.rows < last->rows || now.bytes < last->bytes || now.a < last->a ||
	    now.b < last->b) {
		fail_msg("a counter went back: rows %" PRIu64 " -> %" PRIu64 ", bytes %" PRIu64
		         " -> %" PRIu64 ", sink_a %" PRIu64 " -> %" PRIu64 ", sink_b %" PRIu64
		         " -> %" PRIu64, last->rows, now.rows, last->bytes, now.bytes, last->a, now.a,
		         last->b, now.b);
	}
	if (last->a + last->b > now.rows) {
		show_scrape(text);
		fail_msg("sinks had acknowledged %" PRIu64 " + %" PRIu64 " events, but meepo has "
		         "read %" PRIu64, last->a, last->b, now.rows);
	}
	assert_int_equal(metric(text, "meepo_source_connected"), 1);
	*last = now;
	free(text);
}

/* Asserts `series` == want in text, naming the series on a mismatch. */
static void assert_metric(const char *text, const char *series, uint64_t want)
{
	uint64_t v = metric(text, series);

	if (v != want) {
		show_scrape(text);
		fail_msg("%s is %" PRIu64 ", expected %" PRIu64, series, v, want);
	}
}

static void test_counters_add_up(void **state)
{
	const char *schema = "metrics_load";
	MYSQL *conn = harness_connect_source(NULL);
	char *dir = harness_temp_dir(schema);
	char *out_a = harness_printf("%s/a.txt", dir);
	char *out_b = harness_printf("%s/b.txt", dir);
	struct progress last = { 0, 0, 0, 0 };
	char *source, *config, *text, *body, *series, *expected, *sql;
	char file[256], end_file[256];
	uint64_t pos, end_pos;
	size_t len;
	FILE *f;
	int port = free_port();
	int i;

	(void)state;
	harness_fresh_schema(conn, schema);
	harness_sql(conn, "USE %s", schema);
	for (i = 0; i < 3; i++) {
		harness_sql(conn, "CREATE TABLE %c (id INT AUTO_INCREMENT PRIMARY KEY, "
		                  "v VARCHAR(64) NOT NULL)", 'a' + i);
	}
	harness_master_position(conn, file, sizeof(file), &pos);
	source = source_config(file, pos);
	text = harness_printf(
		"%s"
		"checkpoint = { path = \"%s/position\"; interval_ms = 100; };\n"
		"metrics = { listen = \"127.0.0.1:%d\"; };\n"
		"sinks = (\n"
		"  { name = \"sink_a\"; plugin = \"print\"; output = \"%s\"; },\n"
		"  { name = \"sink_b\"; plugin = \"print\"; output = \"%s\"; }\n"
		");\n"
		"routes = (\n"
		"  { match = \"%s.a\"; sink = \"sink_a\"; },\n"
		"  { match = \"%s.b\"; sink = \"sink_b\"; }\n"
		");\n", source, dir, port, out_a, out_b, schema, schema);
	config = harness_write_config(dir, text);
	free(text);
	start_meepo(config);
	body = health_until(port, 200);
	assert_string_equal(body, "ok\n");
	free(body);
	text = scrape(port);
	series = harness_printf("meepo_checkpoint_offset{file=\"%s\"}", file);
	assert_metric(text, series, pos);
	assert_metric(text, "meepo_source_rows_total", 0);
	free(text);

	/* The workload: 38 transactions; a gets 4001 rows, b 1501, c (unrouted) 501. */
	sql = insert_rows("a", 100);
	for (i = 0; i < 20; i++) {
		harness_sql(conn, "%s", sql);
		check_running(port, &last);
	}
	free(sql);
	sql = insert_rows("b", 100);
	for (i = 0; i < 10; i++) {
		harness_sql(conn, "%s", sql);
		check_running(port, &last);
	}
	free(sql);
	sql = insert_rows("c", 100);
	for (i = 0; i < 5; i++) {
		harness_sql(conn, "%s", sql);
		check_running(port, &last);
	}
	free(sql);
	harness_sql(conn, "UPDATE a SET v = CONCAT(v, 'x')");
	check_running(port, &last);
	harness_sql(conn, "DELETE FROM b WHERE id <= 500");
	check_running(port, &last);
	harness_sql(conn, "BEGIN; INSERT INTO a (v) VALUES ('t'); INSERT INTO b (v) VALUES ('t'); "
	                  "INSERT INTO c (v) VALUES ('t'); COMMIT");
	check_running(port, &last);
	harness_master_position(conn, end_file, sizeof(end_file), &end_pos);

	/* Settled: everything read was acknowledged, and the sums are exact. */
	free(scrape_until(port, "meepo_sink_events_total{sink=\"sink_a\"}", 4001));
	free(scrape_until(port, "meepo_sink_events_total{sink=\"sink_b\"}", 1501));
	free(series);
	series = harness_printf("meepo_checkpoint_offset{file=\"%s\"}", end_file);
	free(scrape_until(port, series, end_pos));
	text = scrape_until(port, "meepo_source_lag_seconds", 0);
	assert_metric(text, "meepo_source_rows_total", 4001 + 1501);
	assert_metric(text, "meepo_source_transactions_total", 38);
	assert_metric(text, "meepo_source_events_total{type=\"XID\"}", 38);
	assert_metric(text, "meepo_source_connected", 1);
	assert_metric(text, "meepo_source_reconnects_total", 0);
	assert_metric(text, "meepo_sink_queue_events{sink=\"sink_a\"}", 0);
	assert_metric(text, "meepo_sink_queue_events{sink=\"sink_b\"}", 0);
	assert_metric(text, "meepo_sink_queue_bytes{sink=\"sink_a\"}", 0);
	assert_metric(text, "meepo_sink_queue_bytes{sink=\"sink_b\"}", 0);
	assert_metric(text, "meepo_sink_retries_total{sink=\"sink_a\"}", 0);
	assert_metric(text, "meepo_sink_retries_total{sink=\"sink_b\"}", 0);
	assert_metric(text, "meepo_sink_rejects_total{sink=\"sink_a\"}", 0);
	assert_metric(text, "meepo_sink_rejects_total{sink=\"sink_b\"}", 0);
	assert_in_range(metric(text, "meepo_sink_batches_total{sink=\"sink_a\"}"), 1, 4001);
	assert_in_range(metric(text, "meepo_sink_batches_total{sink=\"sink_b\"}"), 1, 1501);
	/* Not the binlog's span: the server does not send ANNOTATE_ROWS events to meepo. */
	assert_in_range(metric(text, "meepo_source_bytes_total"), 1, end_pos - pos + 4096);
	free(series);
	series = harness_printf("meepo_sink_acknowledged_offset{sink=\"sink_b\",file=\"%s\"}",
	                        end_file);
	assert_in_range(metric(text, series), pos, end_pos - 1);
	free(text);
	body = health_until(port, 200);
	assert_string_equal(body, "ok\n");
	free(body);

	/* What the sinks wrote is exactly the rows of their tables. */
	f = open_memstream(&expected, &len);
	expect_lines(f, "a", "write", 1, 2000);
	expect_lines(f, "a", "update", 1, 2000);
	expect_lines(f, "a", "write", 2001, 2001);
	fclose(f);
	assert_output(out_a, expected);
	f = open_memstream(&expected, &len);
	expect_lines(f, "b", "write", 1, 1000);
	expect_lines(f, "b", "delete", 1, 500);
	expect_lines(f, "b", "write", 1001, 1001);
	fclose(f);
	assert_output(out_b, expected);

	assert_int_equal(stop_meepo(), 0);
	free(series);
	free(config);
	free(source);
	free(out_a);
	free(out_b);
	free(dir);
	mysql_close(conn);
}

/* Reads what is in the FIFO (non-blocking) into *text, waiting up to 100 ms. */
static void drain_fifo(int fd, char **text)
{
	struct pollfd pfd = { fd, POLLIN, 0 };
	char buf[65536];
	ssize_t n;

	if (poll(&pfd, 1, 100) <= 0) {
		return;
	}
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		char *longer = harness_printf("%s%.*s", *text, (int)n, buf);
		free(*text);
		*text = longer;
	}
}

/* Counts newlines. */
static size_t count_lines(const char *text)
{
	size_t n = 0;

	for (; *text != '\0'; text++) {
		n += *text == '\n';
	}
	return n;
}

static void test_health_stuck_sink(void **state)
{
	const char *schema = "metrics_stuck";
	const char *reason = "sink stuck: no acknowledgement for ";
	MYSQL *conn = harness_connect_source(NULL);
	char *dir = harness_temp_dir(schema);
	char *fifo = harness_printf("%s/fifo", dir);
	char *source, *config, *text, *body, *sql, *got, *expected;
	char file[256];
	uint64_t pos;
	int64_t deadline;
	size_t len;
	FILE *f;
	int port = free_port();

	(void)state;
	harness_fresh_schema(conn, schema);
	harness_sql(conn, "USE %s", schema);
	harness_sql(conn, "CREATE TABLE s (id INT AUTO_INCREMENT PRIMARY KEY, v VARCHAR(64) NOT NULL)");
	harness_master_position(conn, file, sizeof(file), &pos);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	/* Opened for reading (so that meepo's open for writing does not block), never read. */
	fifo_fd = open(fifo, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	assert_true(fifo_fd >= 0);
	assert_int_equal(fcntl(fifo_fd, F_SETPIPE_SZ, 4096), 4096);

	source = source_config(file, pos);
	text = harness_printf(
		"%s"
		"metrics = { listen = \"127.0.0.1:%d\"; stuck_ms = 300; };\n"
		"sinks = ( { name = \"stuck\"; plugin = \"print\"; output = \"%s\"; } );\n"
		"routes = ( { match = \"%s.s\"; sink = \"stuck\"; } );\n", source, port, fifo, schema);
	config = harness_write_config(dir, text);
	free(text);
	start_meepo(config);
	body = health_until(port, 200);
	assert_string_equal(body, "ok\n");
	free(body);

	/* 1000 lines of about 12 bytes: the one-page pipe fills and the sink blocks. */
	sql = insert_rows("s", 1000);
	harness_sql(conn, "%s", sql);
	free(sql);
	body = health_until(port, 503);
	if (strncmp(body, reason, strlen(reason)) != 0 ||
	    strstr(body, " ms with 1000 events queued\n") == NULL) {
		fail_msg("GET /health said \"%s\", expected \"%s<N> ms with 1000 events queued\"", body,
		         reason);
	}
	assert_in_range(strtoull(body + strlen(reason), NULL, 10), 301, 3600000);
	free(body);
	text = scrape(port);
	assert_metric(text, "meepo_sink_queue_events{sink=\"stuck\"}", 1000);
	assert_metric(text, "meepo_sink_events_total{sink=\"stuck\"}", 0);
	assert_metric(text, "meepo_source_rows_total", 1000);
	assert_metric(text, "meepo_source_connected", 1);
	free(text);

	/* Unblock: read everything; the sink catches up and is healthy again. */
	got = harness_printf("%s", "");
	deadline = now_ms() + SETTLE_MS;
	while (count_lines(got) < 1000 && now_ms() < deadline) {
		drain_fifo(fifo_fd, &got);
	}
	f = open_memstream(&expected, &len);
	expect_lines(f, "s", "write", 1, 1000);
	fclose(f);
	harness_assert_text(got, expected);
	body = health_until(port, 200);
	assert_string_equal(body, "ok\n");
	free(body);
	text = scrape_until(port, "meepo_sink_events_total{sink=\"stuck\"}", 1000);
	assert_metric(text, "meepo_sink_queue_events{sink=\"stuck\"}", 0);
	free(text);

	assert_int_equal(stop_meepo(), 0);
	close(fifo_fd);
	fifo_fd = -1;
	free(got);
	free(expected);
	free(config);
	free(source);
	free(fifo);
	free(dir);
	mysql_close(conn);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_counters_add_up, teardown),
		cmocka_unit_test_teardown(test_health_stuck_sink, teardown),
	};

	return cmocka_run_group_tests_name("metrics", tests, NULL, NULL);
}
