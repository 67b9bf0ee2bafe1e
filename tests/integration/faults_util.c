/*
 * tests/integration/faults_util.c - see faults_util.h: kill -9 of meepo,
 * its memory, restarting the source MariaDB, cutting replication
 * connections, and tallying the events of a Redis stream.
 *
 * The source server is found through scripts/services.sh's layout: the
 * service dir is the parent of MEEPO_TEST_MYSQL_DATADIR and holds my.cnf
 * and the pid record (`pid`, `comm`) its stop functions go by.
 *
 * Concurrency: the test's thread only.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "faults_util.h"
#include "harness.h"

/* Seconds the source server may take to stop, or to accept connections. */
#define SERVER_WAIT_S 60

/* Stream entries read per XRANGE call. */
#define XRANGE_PAGE 2000

/* The mariadbd this program started last (our child, to reap), or 0. */
static pid_t restarted_pid;

/* True while the source server is stopped with SIGSTOP. */
static bool source_frozen;

void fu_sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
	}
}

long fu_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- meepo's memory --------------------------------------------------------- */

long fu_proc_kib(pid_t pid, const char *field)
{
	char *path = harness_printf("/proc/%d/status", (int)pid);
	size_t flen = strlen(field);
	char line[256];
	long kib = -1;
	FILE *f = fopen(path, "r");

	if (f == NULL) {
		fail_msg("%s: %s", path, strerror(errno));
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		if (strncmp(line, field, flen) == 0 && line[flen] == ':') {
			kib = strtol(line + flen + 1, NULL, 10);
			break;
		}
	}
	fclose(f);
	if (kib < 0) {
		fail_msg("%s has no %s line", path, field);
	}
	free(path);
	return kib;
}

/* ---- the source server ------------------------------------------------- */

/* Returns the services.sh dir of the source server (the data dir's parent). */
static char *source_service_dir(void)
{
	char *dir = harness_printf("%s", harness_env()->mysql_datadir);
	size_t len = strlen(dir);
	char *slash;

	while (len > 1 && dir[len - 1] == '/') {
		dir[--len] = '\0';
	}
	slash = strrchr(dir, '/');
	if (slash == NULL || slash == dir) {
		fail_msg("MEEPO_TEST_MYSQL_DATADIR=%s has no parent directory", dir);
	}
	*slash = '\0';
	return dir;
}

/* Reads the pid recorded by services.sh and checks that it is a mariadbd. */
static pid_t recorded_pid(const char *dir)
{
	char *path = harness_printf("%s/pid", dir);
	char *text = harness_read_file(path);
	char *comm_path;
	char *comm;
	pid_t pid;

	if (text == NULL) {
		fail_msg("no pid record %s: was the source server started by scripts/services.sh?",
		         path);
	}
	pid = (pid_t)atoi(text);
	comm_path = harness_printf("/proc/%d/comm", (int)pid);
	comm = harness_read_file(comm_path);
	if (pid <= 0 || comm == NULL || strncmp(comm, "mariadbd", 8) != 0) {
		fail_msg("pid %d recorded in %s is not a running mariadbd", (int)pid, path);
	}
	free(comm);
	free(comm_path);
	free(text);
	free(path);
	return pid;
}

/* True once pid has exited (reaping it if this program started it). */
static bool gone(pid_t pid)
{
	int status;

	if (pid == restarted_pid) {
		if (waitpid(pid, &status, WNOHANG) == pid) {
			restarted_pid = 0;
			return true;
		}
		return false;
	}
	return kill(pid, 0) != 0 && errno == ESRCH;
}

/* Starts mariadbd in its own session with the service's defaults file. */
static pid_t spawn_mariadbd(const char *dir)
{
	char *cnf = harness_printf("--defaults-file=%s/my.cnf", dir);
	char *log = harness_printf("%s/error.log", dir);
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		fail_msg("fork: %s", strerror(errno));
	}
	if (pid == 0) {
		int in = open("/dev/null", O_RDONLY);
		int out = open(log, O_WRONLY | O_APPEND | O_CREAT, 0644);

		if (setsid() < 0 || in < 0 || out < 0 || dup2(in, 0) < 0 || dup2(out, 1) < 0 ||
		    dup2(out, 2) < 0) {
			_exit(126);
		}
		if (geteuid() == 0) {
			execlp("mariadbd", "mariadbd", cnf, "--user=mysql", (char *)NULL);
		} else {
			execlp("mariadbd", "mariadbd", cnf, (char *)NULL);
		}
		_exit(127);
	}
	free(cnf);
	free(log);
	return pid;
}

/* True if the source server accepts a connection. */
static bool source_answers(void)
{
	const struct harness_env *env = harness_env();
	unsigned int timeout = 1;
	MYSQL *m = mysql_init(NULL);
	bool ok;

	if (m == NULL) {
		fail_msg("mysql_init: out of memory");
	}
	mysql_optionsv(m, MYSQL_OPT_CONNECT_TIMEOUT, &timeout);
	ok = mysql_real_connect(m, env->mysql_host, env->mysql_user, env->mysql_password, NULL,
	                        (unsigned int)env->mysql_port, NULL, 0) != NULL;
	mysql_close(m);
	return ok;
}

/* Fails the test quoting the end of the server's error log. */
static void server_failed(const char *dir, const char *what)
{
	char *path = harness_printf("%s/error.log", dir);
	char *log = harness_read_file(path);
	size_t len = log != NULL ? strlen(log) : 0;

	fail_msg("source mariadbd %s; the end of %s:\n%s", what, path,
	         log != NULL ? log + (len > 3000 ? len - 3000 : 0) : "(none)");
}

long fu_source_restart(bool crash, int down_ms)
{
	char *dir = source_service_dir();
	char *pid_path = harness_printf("%s/pid", dir);
	char *pid_text;
	pid_t pid = recorded_pid(dir);
	long start = fu_now_ms();
	long deadline = start + SERVER_WAIT_S * 1000L;
	int status;

	kill(pid, crash ? SIGKILL : SIGTERM);
	while (!gone(pid)) {
		if (fu_now_ms() > deadline) {
			server_failed(dir, "did not stop within 60 s");
		}
		fu_sleep_ms(20);
	}
	fu_sleep_ms(down_ms);
	pid = spawn_mariadbd(dir);
	restarted_pid = pid;
	pid_text = harness_printf("%d\n", (int)pid);
	harness_write_file(pid_path, pid_text);
	deadline = fu_now_ms() + SERVER_WAIT_S * 1000L;
	while (!source_answers()) {
		if (waitpid(pid, &status, WNOHANG) == pid) {
			restarted_pid = 0;
			server_failed(dir, "exited during its restart");
		}
		if (fu_now_ms() > deadline) {
			server_failed(dir, "did not accept connections within 60 s of its restart");
		}
		fu_sleep_ms(50);
	}
	free(pid_text);
	free(pid_path);
	free(dir);
	return fu_now_ms() - start;
}

void fu_source_signal(int sig)
{
	char *dir = source_service_dir();
	pid_t pid = recorded_pid(dir);

	if (kill(pid, sig) != 0) {
		fail_msg("kill(%d, %d): %s", (int)pid, sig, strerror(errno));
	}
	if (sig == SIGSTOP || sig == SIGCONT) {
		source_frozen = sig == SIGSTOP;
	}
	free(dir);
}

void fu_source_thaw(void)
{
	if (source_frozen) {
		fu_source_signal(SIGCONT);
	}
}

int fu_kill_dump_connections(MYSQL *conn)
{
	char *ids = harness_query(conn, "SELECT ID FROM information_schema.PROCESSLIST "
	                                "WHERE COMMAND = 'Binlog Dump'");
	char *line, *save = NULL;
	int killed = 0;

	for (line = strtok_r(ids, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
		char *sql = harness_printf("KILL CONNECTION %s", line);
		/* 1094: the connection ended by itself meanwhile */
		if (mysql_query(conn, sql) == 0) {
			killed++;
		} else if (mysql_errno(conn) != 1094) {
			fail_msg("%s: %s", sql, mysql_error(conn));
		}
		free(sql);
	}
	free(ids);
	return killed;
}

/* ---- events recorded in a Redis stream -------------------------------------- */

/* Returns the value of field `name` of a stream entry's field list, or NULL. */
static const redisReply *entry_field(const redisReply *fields, const char *name)
{
	for (size_t i = 0; i + 1 < fields->elements; i += 2) {
		if (strcmp(fields->element[i]->str, name) == 0) {
			return fields->element[i + 1];
		}
	}
	return NULL;
}

/* Appends one entry (id, [field, value, ...]) to out. */
static void add_entry(const redisReply *entry, struct fu_records *out)
{
	static const char data_key[] = "\"data\":{\"id\":";
	const redisReply *fields = entry->element[1];
	const redisReply *event = entry_field(fields, "event");
	const redisReply *id = entry_field(fields, "id");
	const char *data;

	if (event == NULL || id == NULL) {
		fail_msg("stream entry %s lacks the event or id field", entry->element[0]->str);
	}
	data = strstr(event->str, data_key);
	if (data == NULL) {
		fail_msg("stream entry %s: no row id in its event: %s", entry->element[0]->str,
		         event->str);
	}
	if (out->count == out->cap) {
		out->cap = out->cap ? out->cap * 2 : 1024;
		out->items = realloc(out->items, out->cap * sizeof(*out->items));
		assert_non_null(out->items);
	}
	out->items[out->count].row = strtol(data + strlen(data_key), NULL, 10);
	out->items[out->count].event_id = harness_printf("%s", id->str);
	out->count++;
}

void fu_stream_read(redisContext *c, const char *key, struct fu_records *out)
{
	char start[128] = "-";

	memset(out, 0, sizeof(*out));
	for (;;) {
		redisReply *reply = redisCommand(c, "XRANGE %s %s + COUNT %d", key, start, XRANGE_PAGE);
		size_t n;

		if (reply == NULL || reply->type != REDIS_REPLY_ARRAY) {
			fail_msg("XRANGE %s: %s", key, reply == NULL ? c->errstr
			         : reply->type == REDIS_REPLY_ERROR ? reply->str : "not an array");
		}
		n = reply->elements;
		for (size_t i = 0; i < n; i++) {
			add_entry(reply->element[i], out);
		}
		if (n > 0) {
			snprintf(start, sizeof(start), "(%s", reply->element[n - 1]->element[0]->str);
		}
		freeReplyObject(reply);
		if (n < XRANGE_PAGE) {
			break;
		}
	}
}

void fu_records_free(struct fu_records *records)
{
	for (size_t i = 0; i < records->count; i++) {
		free(records->items[i].event_id);
	}
	free(records->items);
	memset(records, 0, sizeof(*records));
}

void fu_tally(const struct fu_records *records, long nrows, struct fu_tally *out)
{
	const char **first_id = calloc((size_t)nrows + 1, sizeof(*first_id));
	long newest = 0;

	assert_non_null(first_id);
	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < records->count; i++) {
		const struct fu_record *r = &records->items[i];
		if (r->row < 1 || r->row > nrows) {
			out->unexpected++;
			continue;
		}
		if (first_id[r->row] != NULL) {
			out->duplicates++;
			out->id_changed += strcmp(first_id[r->row], r->event_id) != 0;
			continue;
		}
		first_id[r->row] = r->event_id;
		out->distinct++;
		out->out_of_order += r->row < newest;
		if (r->row > newest) {
			newest = r->row;
		}
	}
	for (long row = 1; row <= nrows; row++) {
		if (first_id[row] == NULL) {
			out->first_lost = row;
			break;
		}
	}
	free(first_id);
}

long long fu_stream_len(redisContext *c, const char *key)
{
	redisReply *reply = redisCommand(c, "XLEN %s", key);
	long long n;

	if (reply == NULL || reply->type != REDIS_REPLY_INTEGER) {
		fail_msg("XLEN %s: %s", key, reply == NULL ? c->errstr
		         : reply->type == REDIS_REPLY_ERROR ? reply->str : "not an integer");
	}
	n = reply->integer;
	freeReplyObject(reply);
	return n;
}

bool fu_wait_stream(redisContext *c, const char *key, long nrows, int timeout_ms,
                    struct fu_records *out, struct fu_tally *tally)
{
	long deadline = fu_now_ms() + timeout_ms;

	for (;;) {
		bool late = fu_now_ms() >= deadline;
		if (fu_stream_len(c, key) >= nrows || late) {
			fu_stream_read(c, key, out);
			fu_tally(out, nrows, tally);
			if (tally->distinct == (size_t)nrows || late) {
				return tally->distinct == (size_t)nrows;
			}
			fu_records_free(out);
		}
		fu_sleep_ms(100);
	}
}

void fu_assert_complete(const struct fu_tally *t, long nrows, const char *what)
{
	if (t->distinct != (size_t)nrows || t->out_of_order != 0 || t->id_changed != 0 ||
	    t->unexpected != 0) {
		fail_msg("%s: of rows 1..%ld, %zu arrived (%zu lost, the first: row %ld), %zu first "
		         "appearances out of order, %zu repeats with another event id than their first "
		         "copy, %zu unexpected rows, %zu duplicates",
		         what, nrows, t->distinct, (size_t)nrows - t->distinct, t->first_lost,
		         t->out_of_order, t->id_changed, t->unexpected, t->duplicates);
	}
}
