/*
 * tests/integration/harness.c - see harness.h: environment, MariaDB
 * helpers, files, and running the meepo binary for integration tests.
 *
 * Every failure ends the current cmocka test through fail_msg(), so the
 * helpers return only good results. Texts are built with open_memstream().
 *
 * A failed test jumps past its harness_meepo_stop(), so every meepo still
 * running is remembered and SIGKILLed at exit; each also gets
 * PR_SET_PDEATHSIG, so that it dies with a test process that crashes. No
 * child may outlive the test: meson would wait for it.
 *
 * Concurrency: the test's thread only; harness_env() and the list of
 * running processes are statics.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "harness.h"

/* Poll period while waiting for a process or a file. */
#define POLL_MS 10

/* Most stderr bytes quoted in a failure message. */
#define QUOTE_MAX 6000

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

/* Fails the current test with a formatted message. */
static void die(const char *fmt, ...)
{
	char msg[8192];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fail_msg("%s", msg);
	abort(); /* fail_msg() does not return; keeps the compiler informed */
}

static char *vformat(const char *fmt, va_list ap)
{
	char *s = NULL;

	if (vasprintf(&s, fmt, ap) < 0) {
		die("out of memory");
	}
	return s;
}

char *harness_printf(const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = vformat(fmt, ap);
	va_end(ap);
	return s;
}

/* ---- environment ---------------------------------------------------------- */

static const char *env_string(const char *name)
{
	const char *v = getenv(name);

	if (v == NULL || v[0] == '\0') {
		die("environment variable %s is not set: run integration tests through "
		    "scripts/test.sh (or scripts/services.sh run CMD), which starts the servers",
		    name);
	}
	return v;
}

static int env_port(const char *name)
{
	const char *v = env_string(name);
	char *end = NULL;
	long port;

	errno = 0;
	port = strtol(v, &end, 10);
	if (errno != 0 || *end != '\0' || port < 1 || port > 65535) {
		die("environment variable %s=\"%s\" is not a TCP port", name, v);
	}
	return (int)port;
}

const struct harness_env *harness_env(void)
{
	static struct harness_env env;
	static bool loaded;

	if (!loaded) {
		env.mysql_host = env_string("MEEPO_TEST_MYSQL_HOST");
		env.mysql_port = env_port("MEEPO_TEST_MYSQL_PORT");
		env.mysql_user = env_string("MEEPO_TEST_MYSQL_USER");
		env.mysql_password = env_string("MEEPO_TEST_MYSQL_PASSWORD");
		env.mysql_datadir = env_string("MEEPO_TEST_MYSQL_DATADIR");
		env.target_port = env_port("MEEPO_TEST_TARGET_PORT");
		env.redis_port = env_port("MEEPO_TEST_REDIS_PORT");
		env.memcached_port = env_port("MEEPO_TEST_MEMCACHED_PORT");
		env.memcached_port2 = env_port("MEEPO_TEST_MEMCACHED_PORT2");
		env.run_dir = env_string("MEEPO_RUN_DIR");
		env.build_root = env_string("MEEPO_BUILD_ROOT");
		env.source_root = env_string("MEEPO_SOURCE_ROOT");
		loaded = true;
	}
	return &env;
}

/* ---- MariaDB -------------------------------------------------------------- */

static MYSQL *connect_port(int port, const char *schema)
{
	const struct harness_env *env = harness_env();
	unsigned int timeout = 10;
	MYSQL *conn;

	conn = mysql_init(NULL);
	if (conn == NULL) {
		die("mysql_init: out of memory");
	}
	mysql_options(conn, MYSQL_OPT_CONNECT_TIMEOUT, &timeout);
	mysql_options(conn, MYSQL_INIT_COMMAND, "SET time_zone = '+00:00'");
	if (mysql_real_connect(conn, env->mysql_host, env->mysql_user, env->mysql_password,
	                       schema, (unsigned int)port, NULL, CLIENT_MULTI_STATEMENTS) == NULL) {
		char msg[1024];

		snprintf(msg, sizeof(msg), "%s", mysql_error(conn));
		mysql_close(conn);
		die("cannot connect to %s:%d as %s (schema %s): %s", env->mysql_host, port,
		    env->mysql_user, schema != NULL ? schema : "none", msg);
	}
	return conn;
}

MYSQL *harness_connect_source(const char *schema)
{
	return connect_port(harness_env()->mysql_port, schema);
}

MYSQL *harness_connect_target(const char *schema)
{
	return connect_port(harness_env()->target_port, schema);
}

/* Runs `sql`, failing the test with the server's message on an error. */
static void run_query(MYSQL *conn, const char *sql)
{
	if (mysql_real_query(conn, sql, strlen(sql)) != 0) {
		die("SQL error %u (%s) in: %s", mysql_errno(conn), mysql_error(conn), sql);
	}
}

void harness_sql(MYSQL *conn, const char *fmt, ...)
{
	MYSQL_RES *res;
	va_list ap;
	char *sql;
	int more;

	va_start(ap, fmt);
	sql = vformat(fmt, ap);
	va_end(ap);
	run_query(conn, sql);
	do {
		res = mysql_store_result(conn);
		if (res != NULL) {
			mysql_free_result(res);
		} else if (mysql_errno(conn) != 0) {
			die("SQL error %u (%s) in: %s", mysql_errno(conn), mysql_error(conn), sql);
		}
		more = mysql_next_result(conn);
		if (more > 0) {
			die("SQL error %u (%s) in: %s", mysql_errno(conn), mysql_error(conn), sql);
		}
	} while (more == 0);
	free(sql);
}

char *harness_query(MYSQL *conn, const char *fmt, ...)
{
	MYSQL_RES *res;
	MYSQL_ROW row;
	unsigned long *lengths;
	unsigned int i, nfields;
	char *text = NULL;
	size_t len = 0;
	va_list ap;
	char *sql;
	FILE *out;

	va_start(ap, fmt);
	sql = vformat(fmt, ap);
	va_end(ap);
	run_query(conn, sql);
	res = mysql_store_result(conn);
	if (res == NULL) {
		die("query returned no result set (%s): %s", mysql_error(conn), sql);
	}
	out = open_memstream(&text, &len);
	if (out == NULL) {
		die("open_memstream: %s", strerror(errno));
	}
	nfields = mysql_num_fields(res);
	while ((row = mysql_fetch_row(res)) != NULL) {
		lengths = mysql_fetch_lengths(res);
		for (i = 0; i < nfields; i++) {
			if (i > 0) {
				fputc('\t', out);
			}
			if (row[i] == NULL) {
				fputs("NULL", out);
			} else {
				fwrite(row[i], 1, lengths[i], out);
			}
		}
		fputc('\n', out);
	}
	fclose(out);
	mysql_free_result(res);
	free(sql);
	return text;
}

void harness_fresh_schema(MYSQL *conn, const char *schema)
{
	harness_sql(conn, "DROP DATABASE IF EXISTS `%s`; CREATE DATABASE `%s`", schema, schema);
}

void harness_master_position(MYSQL *conn, char *file, size_t filelen, uint64_t *pos)
{
	MYSQL_RES *res;
	MYSQL_ROW row;

	run_query(conn, "SHOW MASTER STATUS");
	res = mysql_store_result(conn);
	row = res != NULL ? mysql_fetch_row(res) : NULL;
	if (row == NULL || row[0] == NULL || row[1] == NULL) {
		if (res != NULL) {
			mysql_free_result(res);
		}
		die("SHOW MASTER STATUS returned nothing: is log-bin on?");
	}
	if ((size_t)snprintf(file, filelen, "%s", row[0]) >= filelen) {
		mysql_free_result(res);
		die("binlog file name too long for the buffer");
	}
	*pos = strtoull(row[1], NULL, 10);
	mysql_free_result(res);
}

void harness_rotate_binlog(MYSQL *conn, char *file, size_t filelen, uint64_t *pos)
{
	harness_sql(conn, "FLUSH BINARY LOGS");
	harness_master_position(conn, file, filelen, pos);
}

char *harness_binlog_path(const char *file)
{
	return harness_printf("%s/%s", harness_env()->mysql_datadir, file);
}

/* ---- files and configuration ---------------------------------------------- */

char *harness_temp_dir(const char *prefix)
{
	const struct harness_env *env = harness_env();
	char *path;

	if (mkdir(env->run_dir, 0755) != 0 && errno != EEXIST) {
		die("cannot create %s: %s", env->run_dir, strerror(errno));
	}
	path = harness_printf("%s/%s.XXXXXX", env->run_dir, prefix);
	if (mkdtemp(path) == NULL) {
		die("mkdtemp %s: %s", path, strerror(errno));
	}
	return path;
}

void harness_write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (f == NULL) {
		die("cannot write %s: %s", path, strerror(errno));
	}
	if (fputs(text, f) == EOF || fclose(f) != 0) {
		die("write error on %s: %s", path, strerror(errno));
	}
}

char *harness_write_config(const char *dir, const char *text)
{
	char *path = harness_printf("%s/meepo.conf", dir);

	harness_write_file(path, text);
	return path;
}

char *harness_source_config(const char *file, uint64_t pos)
{
	const struct harness_env *env = harness_env();
	static unsigned counter;
	unsigned server_id;
	char *start;
	char *text;

	/* Above any server's own id (services.sh uses port % 100000 + 1). */
	server_id = 100000u + (unsigned)(getpid() % 100000) * 100u + counter++ % 100u;
	if (file != NULL) {
		start = harness_printf("{ file = \"%s\"; pos = %" PRIu64 "; }", file, pos);
	} else {
		start = harness_printf("\"current\"");
	}
	text = harness_printf("source = { host = \"%s\"; port = %d; user = \"%s\"; "
	                      "password_env = \"MEEPO_TEST_MYSQL_PASSWORD\"; server_id = %u; "
	                      "start = %s; };\n",
	                      env->mysql_host, env->mysql_port, env->mysql_user, server_id, start);
	free(start);
	return text;
}

char *harness_read_file(const char *path)
{
	char *text = NULL;
	size_t len = 0;
	char chunk[8192];
	size_t n;
	FILE *out;
	FILE *f;

	f = fopen(path, "rb");
	if (f == NULL) {
		if (errno == ENOENT) {
			return NULL;
		}
		die("cannot read %s: %s", path, strerror(errno));
	}
	out = open_memstream(&text, &len);
	if (out == NULL) {
		die("open_memstream: %s", strerror(errno));
	}
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		fwrite(chunk, 1, n, out);
	}
	if (ferror(f)) {
		die("read error on %s", path);
	}
	fclose(f);
	fclose(out);
	return text;
}

static void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static size_t count_lines(const char *text)
{
	size_t n = 0;

	for (; text != NULL && *text != '\0'; text++) {
		if (*text == '\n') {
			n++;
		}
	}
	return n;
}

bool harness_wait_lines(const char *path, size_t lines, int timeout_ms)
{
	int64_t deadline = now_ms() + timeout_ms;
	bool done = false;
	char *text;

	for (;;) {
		text = harness_read_file(path);
		done = count_lines(text) >= lines;
		free(text);
		if (done || now_ms() >= deadline) {
			break;
		}
		sleep_ms(POLL_MS * 5);
	}
	return done;
}

/* Length of the line starting at s, without its newline. */
static size_t line_len(const char *s)
{
	const char *nl = strchr(s, '\n');

	return nl != NULL ? (size_t)(nl - s) : strlen(s);
}

void harness_assert_text(const char *actual, const char *expected)
{
	const char *a = actual != NULL ? actual : "";
	const char *e = expected;
	size_t line = 1;
	size_t alen, elen;

	if (strcmp(a, e) == 0) {
		return;
	}
	for (;;) {
		alen = line_len(a);
		elen = line_len(e);
		if (alen != elen || memcmp(a, e, alen) != 0 || a[alen] != e[elen]) {
			break;
		}
		a += alen + 1;
		e += elen + 1;
		line++;
	}
	die("texts differ at line %zu:\n  actual:   \"%.*s\"%s\n  expected: \"%.*s\"%s\n"
	    "---- actual ----\n%s---- expected ----\n%s----",
	    line, (int)alen, a, a[alen] == '\0' ? " (end)" : "", (int)elen, e,
	    e[elen] == '\0' ? " (end)" : "", actual != NULL ? actual : "(null)\n", expected);
}

/* ---- running meepo --------------------------------------------------------- */

/* Most meepo processes one test program runs at once. */
#define MAX_PROCS 64

/* Processes started and not yet reaped, killed at exit. */
static struct harness_proc *running[MAX_PROCS];

/* atexit(): kills every meepo a failed test left behind. */
static void kill_leftovers(void)
{
	size_t i;

	for (i = 0; i < MAX_PROCS; i++) {
		if (running[i] != NULL && running[i]->pid > 0) {
			kill(running[i]->pid, SIGKILL);
			waitpid(running[i]->pid, NULL, 0);
		}
	}
}

/* Adds proc to (add) or removes it from the running list. */
static void track(struct harness_proc *proc, bool add)
{
	static bool registered;
	size_t i;

	if (!registered) {
		atexit(kill_leftovers);
		registered = true;
	}
	for (i = 0; i < MAX_PROCS; i++) {
		if (add && running[i] == NULL) {
			running[i] = proc;
			return;
		}
		if (!add && running[i] == proc) {
			running[i] = NULL;
			return;
		}
	}
	if (add) {
		kill(proc->pid, SIGKILL);
		die("more than %d meepo processes running at once", MAX_PROCS);
	}
}

/* Starts meepo with its output going to files in a new temp dir. */
static struct harness_proc *spawn_meepo(const char *config_path, bool exit_at_end,
                                        const char *const *args)
{
	const struct harness_env *env = harness_env();
	struct harness_proc *proc;
	size_t nargs = 0, i, argc = 0;
	char *exe, *dir;
	char **argv;
	pid_t pid, parent;

	while (args != NULL && args[nargs] != NULL) {
		nargs++;
	}
	exe = harness_printf("%s/core/meepo", env->build_root);
	if (access(exe, X_OK) != 0) {
		die("%s is not executable: %s (build first)", exe, strerror(errno));
	}
	dir = harness_temp_dir("meepo-proc");
	proc = calloc(1, sizeof(*proc));
	argv = calloc(nargs + 5, sizeof(*argv));
	if (proc == NULL || argv == NULL) {
		die("out of memory");
	}
	proc->out_path = harness_printf("%s/stdout", dir);
	proc->err_path = harness_printf("%s/stderr", dir);
	argv[argc++] = exe;
	if (config_path != NULL) {
		argv[argc++] = (char *)"-c";
		argv[argc++] = (char *)config_path;
	}
	if (exit_at_end) {
		argv[argc++] = (char *)"--exit-at-end";
	}
	for (i = 0; i < nargs; i++) {
		argv[argc++] = (char *)args[i];
	}
	argv[argc] = NULL;
	parent = getpid();
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		die("fork: %s", strerror(errno));
	}
	if (pid == 0) {
		int in = open("/dev/null", O_RDONLY);
		int out = open(proc->out_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		int err = open(proc->err_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

		if (in < 0 || out < 0 || err < 0 || dup2(in, 0) < 0 || dup2(out, 1) < 0 ||
		    dup2(err, 2) < 0 || prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 ||
		    getppid() != parent) {
			_exit(126);
		}
		execv(exe, argv);
		dprintf(2, "harness: execv %s: %s\n", exe, strerror(errno));
		_exit(127);
	}
	proc->pid = pid;
	track(proc, true);
	free(argv);
	free(exe);
	free(dir);
	return proc;
}

/* Waits up to timeout_ms for the process; returns true with *status once reaped. */
static bool reap(struct harness_proc *proc, int timeout_ms, int *status)
{
	int64_t deadline = now_ms() + timeout_ms;
	int st = 0;
	pid_t r;

	for (;;) {
		r = waitpid(proc->pid, &st, WNOHANG);
		if (r == proc->pid) {
			break;
		}
		if (r < 0 && errno != EINTR) {
			die("waitpid %d: %s", (int)proc->pid, strerror(errno));
		}
		if (now_ms() >= deadline) {
			return false;
		}
		sleep_ms(POLL_MS);
	}
	proc->pid = 0;
	track(proc, false);
	*status = WIFEXITED(st) ? WEXITSTATUS(st) : WIFSIGNALED(st) ? 128 + WTERMSIG(st) : 255;
	return true;
}

/* Kills the process outright and reaps it. */
static void kill_hard(struct harness_proc *proc)
{
	int status;

	kill(proc->pid, SIGKILL);
	if (!reap(proc, 10000, &status)) {
		die("meepo pid %d survived SIGKILL", (int)proc->pid);
	}
}

/* Hands out the captured texts and frees proc. */
static void finish(struct harness_proc *proc, char **out, char **err)
{
	if (out != NULL) {
		*out = harness_read_file(proc->out_path);
	}
	if (err != NULL) {
		*err = harness_read_file(proc->err_path);
	}
	free(proc->out_path);
	free(proc->err_path);
	free(proc);
}

struct harness_proc *harness_meepo_start(const char *config_path, const char *const *args)
{
	return spawn_meepo(config_path, false, args);
}

int harness_meepo_wait(struct harness_proc *proc, int timeout_s, char **out, char **err)
{
	char *errtext;
	size_t len;
	int status;

	if (!reap(proc, timeout_s * 1000, &status)) {
		kill_hard(proc);
		errtext = harness_read_file(proc->err_path);
		len = errtext != NULL ? strlen(errtext) : 0;
		die("meepo still running after %d s; killed. Last of its stderr:\n%s",
		    timeout_s, errtext != NULL ? errtext + (len > QUOTE_MAX ? len - QUOTE_MAX : 0)
		                               : "(none)");
	}
	finish(proc, out, err);
	return status;
}

int harness_meepo_run(const char *config_path, const char *const *args, int timeout_s,
                      char **out, char **err)
{
	return harness_meepo_wait(spawn_meepo(config_path, true, args), timeout_s, out, err);
}

int harness_meepo_stop(struct harness_proc *proc, int timeout_s, char **out, char **err)
{
	int status;

	if (kill(proc->pid, SIGTERM) != 0 && errno != ESRCH) {
		die("kill %d: %s", (int)proc->pid, strerror(errno));
	}
	if (!reap(proc, timeout_s * 1000, &status)) {
		kill_hard(proc);
		status = 128 + SIGKILL;
	}
	finish(proc, out, err);
	return status;
}
