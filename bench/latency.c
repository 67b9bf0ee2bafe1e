/*
 * bench/latency.c - end-to-end latency from COMMIT to sink under a light
 * load. meepo follows the server with the print sink in "json" format
 * writing to this program's standard input (a pipe); this program inserts
 * lone rows (one autocommit INSERT each, so one transaction per row) into
 * bench.lat (id BIGINT PRIMARY KEY, sent_us BIGINT) at RATE rows/s, each
 * carrying the wall-clock time in microseconds taken just before its
 * statement was sent, and a reader thread stamps every JSON line when it
 * arrives. The latency of a row is (arrival - sent_us): server execution
 * and commit, binlog dump, meepo's decode, queue and sink, and the pipe.
 *
 * Before measuring it inserts warm-up rows (ids from WARMUP_ID, every
 * 10 ms) until one comes back, so meepo is known to be connected.
 *
 * Usage: latency HOST PORT USER ROWS RATE < meepo-output
 *        (password in $MEEPO_PASSWORD)
 * Prints: median_us=M p99_us=P max_us=X of the latency, then the same with
 * a commit_ prefix for the INSERT statements' round trips (the server's
 * share, as seen by the client).
 * Exits 1 if a row did not arrive within 5 s of the last insert.
 *
 * Concurrency: the main thread inserts; the reader thread owns the pipe and
 * writes latency_us[], which the main thread reads only after joining it.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <mysql.h>

/* First id of the warm-up rows (measured rows are 1..ROWS). */
#define WARMUP_ID 1000000000LL
/* How long to wait for the rows after the last insert, in µs. */
#define DRAIN_US 5000000LL

struct latency {
	int64_t rows;               /* measured rows, ids 1..rows */
	int64_t *latency_us;        /* per id - 1: arrival - sent, or -1 */
	int64_t *commit_us;         /* per id - 1: the INSERT's round trip */
	atomic_llong received;      /* measured rows that arrived */
	atomic_bool warm;           /* a warm-up row arrived */
	atomic_bool stop;           /* the main thread gave up waiting */
};

static int64_t wall_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* The integer after `key` in line, or -1. */
static int64_t number_after(const char *line, const char *key)
{
	const char *p = strstr(line, key);

	return p == NULL ? -1 : strtoll(p + strlen(key), NULL, 10);
}

/* Records one JSON line of bench.lat that arrived at `now`. */
static void on_line(struct latency *l, const char *line, int64_t now)
{
	int64_t id = number_after(line, "\"primary_key\":[");
	int64_t sent = number_after(line, "\"sent_us\":");

	if (id >= WARMUP_ID) {
		atomic_store(&l->warm, true);
	} else if (id >= 1 && id <= l->rows && sent > 0 && l->latency_us[id - 1] < 0) {
		l->latency_us[id - 1] = now - sent;
		atomic_fetch_add(&l->received, 1);
	}
}

/* Reads JSON lines from standard input until every row arrived or stop. */
static void *reader_main(void *arg)
{
	struct latency *l = arg;
	char buf[65536];
	size_t len = 0;

	while (atomic_load(&l->received) < l->rows && !atomic_load(&l->stop)) {
		ssize_t n = read(STDIN_FILENO, buf + len, sizeof(buf) - 1 - len);
		int64_t now = wall_us();
		char *start = buf;
		char *nl;

		if (n <= 0) {
			if (n < 0 && errno == EINTR) {
				continue;
			}
			break;
		}
		len += (size_t)n;
		buf[len] = '\0';
		while ((nl = memchr(start, '\n', len - (size_t)(start - buf))) != NULL) {
			*nl = '\0';
			on_line(l, start, now);
			start = nl + 1;
		}
		len -= (size_t)(start - buf);
		memmove(buf, start, len);
		if (len == sizeof(buf) - 1) {
			len = 0; /* a line longer than the buffer: not one of ours */
		}
	}
	return NULL;
}

/* Inserts row id; *round_trip gets the statement's time in µs. */
static int insert(MYSQL *mysql, int64_t id, int64_t *round_trip)
{
	char sql[128];
	int64_t sent = wall_us();

	snprintf(sql, sizeof(sql), "INSERT INTO bench.lat VALUES (%" PRId64 ", %" PRId64 ")", id,
	         sent);
	if (mysql_query(mysql, sql) != 0) {
		fprintf(stderr, "latency: %s: %s\n", sql, mysql_error(mysql));
		return -1;
	}
	*round_trip = wall_us() - sent;
	return 0;
}

/* Sleeps until the CLOCK_MONOTONIC time *next (ns), then advances it. */
static void pace(int64_t *next, int64_t period_ns)
{
	struct timespec ts = { (time_t)(*next / 1000000000), (long)(*next % 1000000000) };
	struct timespec now;

	clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
	clock_gettime(CLOCK_MONOTONIC, &now);
	*next += period_ns;
	if (*next < (int64_t)now.tv_sec * 1000000000 + now.tv_nsec) {
		*next = (int64_t)now.tv_sec * 1000000000 + now.tv_nsec; /* behind: no burst */
	}
}

/* Stops the reader thread (blocked in read() or done) and joins it. */
static void stop_reader(struct latency *l, pthread_t reader)
{
	atomic_store(&l->stop, true);
	pthread_cancel(reader);
	pthread_join(reader, NULL);
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a;
	int64_t y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/* Sorts v and prints "<prefix>median_us=M <prefix>p99_us=P <prefix>max_us=X". */
static void print_stats(const char *prefix, int64_t *v, int64_t n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_i64);
	printf("%smedian_us=%" PRId64 " %sp99_us=%" PRId64 " %smax_us=%" PRId64, prefix, v[n / 2],
	       prefix, v[(n * 99 + 99) / 100 - 1], prefix, v[n - 1]);
}

/* Sends the rows; returns 0 or -1. */
static int drive(MYSQL *mysql, struct latency *l, int64_t rate)
{
	struct timespec now;
	int64_t next;
	int64_t deadline;

	clock_gettime(CLOCK_MONOTONIC, &now);
	next = (int64_t)now.tv_sec * 1000000000 + now.tv_nsec;
	for (int64_t id = WARMUP_ID; !atomic_load(&l->warm); id++) {
		int64_t ignored;
		if (id - WARMUP_ID >= 3000) {
			fprintf(stderr, "latency: no warm-up row came back within 30 s\n");
			return -1;
		}
		if (insert(mysql, id, &ignored) != 0) {
			return -1;
		}
		pace(&next, 10000000);
	}
	for (int64_t id = 1; id <= l->rows; id++) {
		pace(&next, 1000000000 / rate);
		if (insert(mysql, id, &l->commit_us[id - 1]) != 0) {
			return -1;
		}
	}
	deadline = wall_us() + DRAIN_US;
	while (atomic_load(&l->received) < l->rows && wall_us() < deadline) {
		usleep(1000);
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct latency l = { 0 };
	MYSQL *mysql = NULL;
	pthread_t reader;
	bool reading = false;
	int64_t *sorted = NULL;
	int64_t rate;
	int64_t n = 0;
	int ret = 1;

	if (argc != 6 || (l.rows = strtoll(argv[4], NULL, 10)) < 1 ||
	    (rate = strtoll(argv[5], NULL, 10)) < 1 || rate > 1000000) {
		fprintf(stderr, "usage: %s HOST PORT USER ROWS RATE < meepo-json-output\n", argv[0]);
		return 2;
	}
	atomic_init(&l.received, 0);
	atomic_init(&l.warm, false);
	atomic_init(&l.stop, false);
	l.latency_us = malloc((size_t)l.rows * sizeof(*l.latency_us));
	l.commit_us = malloc((size_t)l.rows * sizeof(*l.commit_us));
	sorted = malloc((size_t)l.rows * sizeof(*sorted));
	mysql = mysql_init(NULL);
	if (l.latency_us == NULL || l.commit_us == NULL || sorted == NULL || mysql == NULL) {
		fprintf(stderr, "latency: out of memory\n");
		goto out;
	}
	for (int64_t i = 0; i < l.rows; i++) {
		l.latency_us[i] = -1;
	}
	if (mysql_real_connect(mysql, argv[1], argv[3], getenv("MEEPO_PASSWORD"), NULL,
	                       (unsigned)strtoul(argv[2], NULL, 10), NULL, 0) == NULL) {
		fprintf(stderr, "latency: %s\n", mysql_error(mysql));
		goto out;
	}
	if (pthread_create(&reader, NULL, reader_main, &l) != 0) {
		fprintf(stderr, "latency: cannot start the reader thread\n");
		goto out;
	}
	reading = true;
	if (drive(mysql, &l, rate) != 0) {
		goto out;
	}
	stop_reader(&l, reader);
	reading = false;
	for (int64_t i = 0; i < l.rows; i++) {
		if (l.latency_us[i] >= 0) {
			sorted[n++] = l.latency_us[i];
		}
	}
	if (n < l.rows) {
		fprintf(stderr, "latency: only %" PRId64 " of %" PRId64 " rows arrived\n", n, l.rows);
		goto out;
	}
	print_stats("", sorted, n);
	memcpy(sorted, l.commit_us, (size_t)n * sizeof(*sorted));
	print_stats(" commit_", sorted, n);
	putchar('\n');
	ret = 0;
out:
	if (reading) {
		stop_reader(&l, reader);
	}
	if (mysql != NULL) {
		mysql_close(mysql);
	}
	free(sorted);
	free(l.commit_us);
	free(l.latency_us);
	return ret;
}
