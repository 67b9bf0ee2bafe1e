/*
 * tests/integration/faults_util.h - what the fault tests (test_faults.c,
 * faults_source.c, faults_input.c) need besides harness.h and
 * redis/redis_util.h: in faults_util.c, meepo's memory, restarting,
 * freezing and cutting the source MariaDB, and reading a Redis stream of
 * events back to check that every row arrived (at least once, in order,
 * with stable ids); in faults_run.c, the workload, configurations, meepo in
 * the background (started, killed with -9, stopped) and the waits.
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

/* ---- time and meepo's memory ------------------------------------------------- */

void fu_sleep_ms(long ms);

/* Milliseconds on the monotonic clock. */
long fu_now_ms(void);

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

/* Resumes the source server if fu_source_signal(SIGSTOP) left it stopped. */
void fu_source_thaw(void);

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

/* XLEN of stream `key`. */
long long fu_stream_len(redisContext *c, const char *key);

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

/* ---- faults_run.c: workloads, configurations, meepo in the background ------ */

/* Seconds one meepo run, or a wait for a stream, may take. */
#define FU_RUN_TIMEOUT 60

/*
 * cmocka group setup: seeds fu_random_in() from MEEPO_TEST_SEED, else the
 * clock, and prints the seed.
 */
int fu_group_setup(void **state);

/* A pseudo-random number in [lo, hi]. */
long fu_random_in(long lo, long hi);

/*
 * Fails the test. `log` (meepo's stderr; may be NULL) is printed in full
 * first, since cmocka cuts failure messages at 1 KB.
 */
void fu_fail_with(const char *log, const char *fmt, ...)
	__attribute__((format(printf, 2, 3), noreturn));

/* Counts the occurrences of `needle` in text (NULL counts none). */
int fu_count_of(const char *text, const char *needle);

/*
 * Creates `schema` afresh with table t (id INT PRIMARY KEY, payload
 * VARCHAR(2000)) and stores the binlog position after it. Returns a
 * connection with `schema` as default database.
 */
MYSQL *fu_make_schema(const char *schema, char *file, size_t filelen, uint64_t *pos);

/*
 * Inserts rows first..last of t in transactions of 1..max_txn rows each
 * (random sizes), with a payload of `payload` bytes. Returns the
 * transactions written.
 */
long fu_insert_rows(MYSQL *conn, long first, long last, int max_txn, int payload);

/*
 * Writes dir/meepo.conf: `source` (a harness_source_config() section), a
 * checkpoint at `checkpoint` every 100 ms (NULL for none) and `rest`.
 */
char *fu_write_config(const char *dir, const char *source, const char *checkpoint,
                      const char *rest);

/*
 * Sinks and routes: one redis sink `rec` on `port` in mode "stream" writing
 * to `stream`, with short timeouts and back-offs and the `extra` options,
 * for table schema.t.
 */
char *fu_stream_sink(int port, const char *stream, const char *schema, const char *extra);

/*
 * Starts meepo -c config in the background. Until it is ended by one of the
 * functions below, fu_teardown() kills it if the case fails.
 */
struct harness_proc *fu_start_meepo(const char *config);

/* kill -9; fails (showing its stderr) if it had already exited by itself. */
void fu_kill9_meepo(struct harness_proc *proc);

/* SIGTERM; fails unless it exits 0 within 40 s. Returns its stderr. */
char *fu_stop_meepo(struct harness_proc *proc);

/* SIGTERM; returns its exit status (137 if it had to be killed after 20 s). */
int fu_term_meepo(struct harness_proc *proc, char **err);

/* Waits up to FU_RUN_TIMEOUT for it to exit by itself; returns its status. */
int fu_wait_meepo(struct harness_proc *proc, char **err);

/* cmocka teardown: kills a meepo left running, resumes a frozen source. */
int fu_teardown(void **state);

/*
 * Waits for rows 1..nrows in stream `key` (FU_RUN_TIMEOUT at most), filling
 * *records and *tally; if they do not all come, stops meepo and fails.
 */
void fu_wait_all(redisContext *c, const char *key, long nrows, struct harness_proc *proc,
                 struct fu_records *records, struct fu_tally *tally, const char *what);

/* Waits until meepo has logged `n` connections to the source (20 s at most). */
void fu_wait_connected(const struct harness_proc *proc, int n);

/* Parses a checkpoint file's text ("file F\noffset N\n..."); fails if malformed. */
void fu_parse_checkpoint(const char *text, char *file, size_t filelen, uint64_t *offset);

/* True if position file:offset is not after limit_file:limit_offset. */
bool fu_position_not_after(const char *file, uint64_t offset, const char *limit_file,
                           uint64_t limit_offset);

#endif /* MEEPO_TEST_FAULTS_UTIL_H */
