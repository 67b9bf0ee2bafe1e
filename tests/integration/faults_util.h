/*
 * tests/integration/faults_util.h - what the fault tests (test_faults.c)
 * need besides harness.h and redis/redis_util.h: kill -9 of meepo, its
 * memory, restarting the source MariaDB and cutting its replication
 * connections, and reading a Redis stream of events back to check that
 * every row arrived (at least once, in order, with stable ids).
 *
 * Like harness.h, every helper that cannot do its job fails the current
 * cmocka test with a message saying why.
 *
 * Ownership: returned strings and filled structs are owned by the caller
 * and freed with free() / fu_records_free().
 *
 * Concurrency: the test's thread only (cmocka's failure jumps).
 */
#ifndef MEEPO_TEST_FAULTS_UTIL_H
#define MEEPO_TEST_FAULTS_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <hiredis/hiredis.h>
#include <mysql.h>

#include "harness.h"

/* ---- meepo ---------------------------------------------------------------- */

/*
 * Kills meepo with SIGKILL and reaps it. Fails the test (showing its
 * stderr) if it had already exited by itself; frees proc.
 */
void fu_meepo_kill9(struct harness_proc *proc);

/* Returns a /proc/PID/status field in KiB ("VmRSS", "VmHWM"). */
long fu_proc_kib(pid_t pid, const char *field);

/* ---- the source server ------------------------------------------------- */

/*
 * Stops the source MariaDB (SIGTERM and a clean shutdown, or SIGKILL when
 * `crash`), starts it again with the same defaults file and data, waits
 * until it accepts connections, and records the new pid where
 * scripts/services.sh looks for it (so that its stop-all still stops it).
 * The server must have been started by scripts/services.sh: its my.cnf and
 * pid record are next to MEEPO_TEST_MYSQL_DATADIR. `down_ms` is how long it
 * stays down. Returns the time from the stop to accepting connections (ms).
 */
long fu_source_restart(bool crash, int down_ms);

/*
 * Sends `sig` to the source mariadbd (SIGSTOP freezes it with its
 * connections open, as a hung host would; SIGCONT resumes it).
 */
void fu_source_signal(int sig);

/*
 * Kills every replication (Binlog Dump) connection on the source server,
 * as a network fault would cut it. Returns how many it killed.
 */
int fu_kill_dump_connections(MYSQL *conn);

/* ---- events recorded in a Redis stream -------------------------------------- */

/* One stream entry written by the redis sink in mode "stream". */
struct fu_record {
	long row;           /* the row's `id` column (the first column of the table) */
	char *event_id;     /* the event's stable id */
};

/* A stream's entries, oldest first. */
struct fu_records {
	struct fu_record *items;    /* count entries */
	size_t count;
	size_t cap;                 /* slots allocated */
};

/* Reads every entry of stream `key` (XRANGE in pages). */
void fu_stream_read(redisContext *c, const char *key, struct fu_records *out);

void fu_records_free(struct fu_records *records);

/* What fu_tally() found about rows 1..nrows in a stream. */
struct fu_tally {
	size_t distinct;        /* rows of 1..nrows seen at least once */
	size_t duplicates;      /* entries that repeat an earlier row */
	long first_lost;        /* smallest row never seen, 0 if none */
	size_t out_of_order;    /* first appearances smaller than an earlier one */
	size_t id_changed;      /* repeats carrying another event id than the first */
	size_t unexpected;      /* rows outside 1..nrows */
};

/* Counts the records against rows 1..nrows inserted in increasing order. */
void fu_tally(const struct fu_records *records, long nrows, struct fu_tally *out);

/*
 * Polls stream `key` until it holds every row 1..nrows, for up to
 * timeout_ms; then reads it into *out and tallies it into *tally.
 * Returns true if every row arrived in time.
 */
bool fu_wait_stream(redisContext *c, const char *key, long nrows, int timeout_ms,
                    struct fu_records *out, struct fu_tally *tally);

/*
 * Fails the test unless the tally shows every row 1..nrows, first
 * appearances in order, repeats with the event id of the first copy and
 * nothing else; `what` names the scenario in the message.
 */
void fu_assert_complete(const struct fu_tally *tally, long nrows, const char *what);

#endif /* MEEPO_TEST_FAULTS_UTIL_H */
