/*
 * bench/fetch_loop.c - the floor for reading a binlog from a live server:
 * a bare loop over MariaDB Connector/C's mariadb_rpl_fetch() that connects,
 * announces checksum awareness, opens a non-blocking dump at FILE:POS and
 * fetches until the server says it is caught up, counting events and bytes
 * and doing nothing else with them. bench/run.sh compares meepo's live
 * runs against it.
 *
 * Usage: fetch_loop HOST PORT USER FILE POS   (password in $MEEPO_PASSWORD)
 * Prints: events=E rows_events=R bytes=B seconds=S
 *
 * Concurrency: single-threaded.
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <mysql.h>
#include <mariadb_rpl.h>

/* Server id the dump registers with (any id no other replica uses). */
#define FETCH_SERVER_ID 4243u

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* True for the three rows event types of any version. */
static bool is_rows_event(enum mariadb_rpl_event type)
{
	switch (type) {
	case WRITE_ROWS_EVENT_V1:
	case UPDATE_ROWS_EVENT_V1:
	case DELETE_ROWS_EVENT_V1:
	case WRITE_ROWS_EVENT:
	case UPDATE_ROWS_EVENT:
	case DELETE_ROWS_EVENT:
		return true;
	default:
		return false;
	}
}

int main(int argc, char **argv)
{
	const char *password = getenv("MEEPO_PASSWORD");
	MYSQL *mysql = NULL;
	MARIADB_RPL *rpl = NULL;
	MARIADB_RPL_EVENT *ev = NULL;       /* reused by mariadb_rpl_fetch */
	uint64_t events = 0;
	uint64_t rows_events = 0;
	uint64_t bytes = 0;
	double t0;
	int ret = 1;

	if (argc != 6) {
		fprintf(stderr, "usage: %s HOST PORT USER FILE POS (password in $MEEPO_PASSWORD)\n",
		        argv[0]);
		return 2;
	}
	t0 = now_s();
	mysql = mysql_init(NULL);
	if (mysql == NULL) {
		fprintf(stderr, "fetch_loop: out of memory\n");
		goto out;
	}
	if (mysql_real_connect(mysql, argv[1], argv[3], password, NULL,
	                       (unsigned)strtoul(argv[2], NULL, 10), NULL, 0) == NULL ||
	    mysql_query(mysql, "SET @master_binlog_checksum = @@global.binlog_checksum") != 0) {
		fprintf(stderr, "fetch_loop: %s\n", mysql_error(mysql));
		goto out;
	}
	rpl = mariadb_rpl_init(mysql);
	if (rpl == NULL) {
		fprintf(stderr, "fetch_loop: mariadb_rpl_init failed\n");
		goto out;
	}
	mariadb_rpl_optionsv(rpl, MARIADB_RPL_SERVER_ID, (uint32_t)FETCH_SERVER_ID);
	mariadb_rpl_optionsv(rpl, MARIADB_RPL_FILENAME, argv[4], strlen(argv[4]));
	mariadb_rpl_optionsv(rpl, MARIADB_RPL_START, strtoul(argv[5], NULL, 10));
	mariadb_rpl_optionsv(rpl, MARIADB_RPL_FLAGS, (uint32_t)MARIADB_RPL_BINLOG_DUMP_NON_BLOCK);
	if (mariadb_rpl_open(rpl) != 0) {
		fprintf(stderr, "fetch_loop: opening the dump at %s:%s: %s\n", argv[4], argv[5],
		        mariadb_rpl_error(rpl));
		goto out;
	}
	/* The event is reused; the library frees it when it returns NULL. */
	while ((ev = mariadb_rpl_fetch(rpl, ev)) != NULL) {
		events++;
		bytes += ev->raw_data_size;
		rows_events += is_rows_event(ev->event_type);
	}
	if (mysql_errno(mysql) != 0) {
		fprintf(stderr, "fetch_loop: after %" PRIu64 " events: %s\n", events, mysql_error(mysql));
		goto out;
	}
	printf("events=%" PRIu64 " rows_events=%" PRIu64 " bytes=%" PRIu64 " seconds=%.3f\n", events,
	       rows_events, bytes, now_s() - t0);
	ret = 0;
out:
	if (rpl != NULL) {
		mariadb_rpl_close(rpl);
	}
	if (mysql != NULL) {
		mysql_close(mysql);
	}
	return ret;
}
