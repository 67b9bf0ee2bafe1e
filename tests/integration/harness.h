/*
 * tests/integration/harness.h - helpers for integration tests that run the
 * real meepo binary against the real servers scripts/test.sh starts.
 *
 * The servers are found through the environment (scripts/test.sh exports
 * it; tests/meson.build adds the build paths):
 *
 *   MEEPO_TEST_MYSQL_HOST, _PORT, _USER, _PASSWORD   the source MariaDB
 *   MEEPO_TEST_MYSQL_DATADIR                         its data dir (binlog files)
 *   MEEPO_TEST_TARGET_PORT                           a second MariaDB (sql sink)
 *   MEEPO_TEST_REDIS_PORT                            redis-server
 *   MEEPO_TEST_MEMCACHED_PORT, _PORT2                two memcached
 *   MEEPO_RUN_DIR                                    where temp dirs go
 *   MEEPO_BUILD_ROOT, MEEPO_SOURCE_ROOT              the build and source trees
 *
 * A missing variable fails the test with a message naming it: integration
 * tests never skip. Likewise every helper that cannot do its job (SQL error,
 * unreadable file, meepo hanging past its timeout) fails the current cmocka
 * test with a message saying what and why, so a test reads as a plain
 * sequence of steps without error checks. Include <cmocka.h>'s prerequisites
 * (stdarg.h, stddef.h, stdint.h, setjmp.h) before cmocka.h as usual; this
 * header needs only <mysql.h>.
 *
 * Ownership: every returned char * is malloc'ed and owned by the caller
 * (free() it). Connections are closed with mysql_close().
 *
 * Processes: no child may outlive its test program (meson waits for every
 * holder of the test's stdout, then times out). A meepo started here dies
 * with the test program (PR_SET_PDEATHSIG) and any still running at exit,
 * e.g. after a failed test skipped harness_meepo_stop(), is SIGKILLed.
 * Helpers that start other servers must do the same and never daemonize.
 *
 * Concurrency: call from the test's thread only (cmocka's failure jumps
 * must happen on it). Tests share the servers, so integration tests are
 * registered with is_parallel : false and each uses its own schema.
 */
#ifndef MEEPO_TEST_HARNESS_H
#define MEEPO_TEST_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <mysql.h>

/* The test environment, read once from the MEEPO_TEST_* variables. */
struct harness_env {
	const char *mysql_host;       /* MEEPO_TEST_MYSQL_HOST */
	int mysql_port;               /* MEEPO_TEST_MYSQL_PORT */
	const char *mysql_user;       /* MEEPO_TEST_MYSQL_USER */
	const char *mysql_password;   /* MEEPO_TEST_MYSQL_PASSWORD */
	const char *mysql_datadir;    /* MEEPO_TEST_MYSQL_DATADIR, holds mysql-bin.* */
	int target_port;              /* MEEPO_TEST_TARGET_PORT, same host/user/password */
	int redis_port;               /* MEEPO_TEST_REDIS_PORT, on 127.0.0.1 */
	int memcached_port;           /* MEEPO_TEST_MEMCACHED_PORT, on 127.0.0.1 */
	int memcached_port2;          /* MEEPO_TEST_MEMCACHED_PORT2, on 127.0.0.1 */
	const char *run_dir;          /* MEEPO_RUN_DIR */
	const char *build_root;       /* MEEPO_BUILD_ROOT (meepo is core/meepo in it) */
	const char *source_root;      /* MEEPO_SOURCE_ROOT */
};

/* A meepo started in the background by harness_meepo_start(). */
struct harness_proc {
	pid_t pid;          /* the meepo process; 0 once reaped */
	char *out_path;     /* file receiving its stdout */
	char *err_path;     /* file receiving its stderr */
};

/* Returns the environment; fails the test if a variable is missing or bad. */
const struct harness_env *harness_env(void);

/* Returns a printf-formatted string. */
char *harness_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* ---- MariaDB ------------------------------------------------------------ */

/*
 * Connects to the source server (harness_connect_source) or the target
 * server (harness_connect_target) as the test user, with multi-statements
 * enabled, session time zone '+00:00' and `schema` as default database
 * (NULL for none). Fails the test if the server cannot be reached.
 */
MYSQL *harness_connect_source(const char *schema);
MYSQL *harness_connect_target(const char *schema);

/*
 * Runs one or more ';'-separated statements built from fmt and discards any
 * result sets. Fails the test with the server's message on an error.
 */
void harness_sql(MYSQL *conn, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * Runs one query and returns its rows as text like `mariadb -B -N`: columns
 * separated by a tab, each row ending in "\n", SQL NULL as "NULL", values
 * as the server sends them. An empty result is "". Fails on an error.
 */
char *harness_query(MYSQL *conn, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Drops `schema` if it exists and creates it empty. */
void harness_fresh_schema(MYSQL *conn, const char *schema);

/*
 * Stores the server's current binlog file name (in file, filelen bytes) and
 * position (SHOW MASTER STATUS). Fails if binary logging is off.
 */
void harness_master_position(MYSQL *conn, char *file, size_t filelen, uint64_t *pos);

/*
 * Rotates the binlog (FLUSH BINARY LOGS) and stores the new file's name and
 * start position, so that what follows is alone in that file.
 */
void harness_rotate_binlog(MYSQL *conn, char *file, size_t filelen, uint64_t *pos);

/* Returns the path of binlog file `file` in MEEPO_TEST_MYSQL_DATADIR. */
char *harness_binlog_path(const char *file);

/* ---- files and configuration ------------------------------------------- */

/*
 * Creates a new empty directory MEEPO_RUN_DIR/<prefix>.XXXXXX and returns
 * its path. It is left in place for post-mortems; test.sh removes the run dir.
 */
char *harness_temp_dir(const char *prefix);

/* Writes `text` to `path` (created or truncated). Fails on an I/O error. */
void harness_write_file(const char *path, const char *text);

/*
 * Writes `text` as `dir`/meepo.conf and returns that path, for
 * `meepo -c PATH`.
 */
char *harness_write_config(const char *dir, const char *text);

/*
 * Returns a libconfig `source = {...};` section (with a trailing newline)
 * for the test source server: host, port, user, password_env =
 * "MEEPO_TEST_MYSQL_PASSWORD", a server_id unique to this call (so that two
 * meepo replicas never evict each other), and start = { file; pos; } or,
 * when file is NULL, start = "current".
 */
char *harness_source_config(const char *file, uint64_t pos);

/*
 * Returns the file's contents, NUL-terminated, or NULL if it does not exist.
 * Any other error fails the test.
 */
char *harness_read_file(const char *path);

/*
 * Waits until the file holds at least `lines` newline characters; returns
 * true, or false after timeout_ms (a missing file counts as empty).
 */
bool harness_wait_lines(const char *path, size_t lines, int timeout_ms);

/*
 * Compares two multi-line texts. On a difference prints both in full, and
 * the first differing line, then fails the test.
 */
void harness_assert_text(const char *actual, const char *expected);

/* ---- running meepo ------------------------------------------------------ */

/*
 * Runs MEEPO_BUILD_ROOT/core/meepo synchronously:
 *     meepo [-c config_path] --exit-at-end args...
 * (config_path may be NULL; args is a NULL-terminated array, or NULL).
 * The child inherits the environment (MEEPO_PLUGIN_DIR,
 * MEEPO_TEST_MYSQL_PASSWORD). Returns its exit status (128 + signal number
 * if a signal ended it) and, when out / err are not NULL, its stdout and
 * stderr texts. If it is still running after timeout_s seconds it is killed
 * and the test fails, showing its stderr.
 */
int harness_meepo_run(const char *config_path, const char *const *args, int timeout_s,
                      char **out, char **err);

/*
 * Starts MEEPO_BUILD_ROOT/core/meepo -c config_path args... in the
 * background (no --exit-at-end unless args has it), stdout and stderr going
 * to files in a new temp dir. Returns the process; end it with
 * harness_meepo_stop() or harness_meepo_wait().
 */
struct harness_proc *harness_meepo_start(const char *config_path, const char *const *args);

/*
 * Sends SIGTERM, waits up to timeout_s seconds, then SIGKILL. Returns the
 * exit status as harness_meepo_run() does, stores stdout / stderr texts
 * when out / err are not NULL, and frees proc.
 */
int harness_meepo_stop(struct harness_proc *proc, int timeout_s, char **out, char **err);

/*
 * Waits up to timeout_s seconds for the process to exit by itself (e.g.
 * with --exit-at-end); if it does not, kills it and fails the test. Returns
 * the exit status, stores out / err as above and frees proc.
 */
int harness_meepo_wait(struct harness_proc *proc, int timeout_s, char **out, char **err);

#endif /* MEEPO_TEST_HARNESS_H */
