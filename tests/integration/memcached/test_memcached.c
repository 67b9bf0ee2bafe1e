/*
 * tests/integration/memcached/test_memcached.c - the memcached sink against
 * real servers: rows change in MariaDB, meepo follows the binlog, and the
 * keys an application cached for those rows must be gone from the very
 * server the application's libmemcached client put them on, while every
 * other key stays. Also: the text protocol with a prefix and escaped and
 * hashed keys, a template naming a missing column (dead letters), and a
 * memcached that stops answering, then dies and comes back, while rows keep
 * changing (every invalidation must still arrive).
 *
 * Servers: the source MariaDB and the two memcached of the test
 * environment (harness.h); the outage case starts and stops a memcached of
 * its own so that the shared ones are never disturbed.
 *
 * Concurrency: single-threaded; is_parallel : false (shared servers).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <libmemcached/memcached.h>
#include <openssl/evp.h>

#include "harness.h"

/* Seconds one meepo run may take. */
#define RUN_TIMEOUT 60
/* Seconds a background meepo may take to stop after SIGTERM. */
#define STOP_TIMEOUT 60
/* How long to wait for an invalidation to arrive, in ms. */
#define ARRIVAL_MS 20000

/* What a test leaves behind for its teardown when it fails half-way. */
struct fixture {
	struct harness_proc *meepo;     /* a background meepo, or NULL */
	pid_t memcached;                /* a memcached this test started, or 0 */
};

static void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
	}
}

/* ---- memcached clients: the application's view ------------------------- */

/*
 * A libmemcached client as an application sets one up: text protocol, the
 * servers in order, `distribution` as meepo's option names it, `prefix` as
 * libmemcached's namespace.
 */
static memcached_st *app_client(const int *ports, size_t n, const char *distribution,
                                const char *prefix)
{
	memcached_st *m = memcached_create(NULL);
	size_t i;

	assert_non_null(m);
	if (strcmp(distribution, "ketama") == 0) {
		assert_int_equal(memcached_behavior_set(m, MEMCACHED_BEHAVIOR_KETAMA_WEIGHTED, 1),
		                 MEMCACHED_SUCCESS);
	}
	for (i = 0; i < n; i++) {
		assert_int_equal(memcached_server_add(m, "127.0.0.1", (in_port_t)ports[i]),
		                 MEMCACHED_SUCCESS);
	}
	if (prefix[0] != '\0') {
		assert_int_equal(memcached_callback_set(m, MEMCACHED_CALLBACK_NAMESPACE, prefix),
		                 MEMCACHED_SUCCESS);
	}
	return m;
}

static memcached_st *server_client(int port)
{
	return app_client(&port, 1, "modula", "");
}

static void cache_set(memcached_st *m, const char *key)
{
	memcached_return_t rc = memcached_set(m, key, strlen(key), "cached", 6, 0, 0);

	if (rc != MEMCACHED_SUCCESS) {
		fail_msg("set %s: %s", key, memcached_last_error_message(m));
	}
}

/* True if the server(s) of m hold `key`. */
static bool cache_has(memcached_st *m, const char *key)
{
	memcached_return_t rc;
	size_t len = 0;
	uint32_t flags = 0;
	char *v = memcached_get(m, key, strlen(key), &len, &flags, &rc);

	free(v);
	if (rc == MEMCACHED_NOTFOUND) {
		return false;
	}
	if (rc != MEMCACHED_SUCCESS) {
		fail_msg("get %s: %s", key, memcached_last_error_message(m));
	}
	return true;
}

/* A statistic looked up by stat_cb(). */
struct stat_lookup {
	const char *name;   /* statistic wanted */
	long value;         /* its value, -1 until seen */
};

static memcached_return_t stat_cb(const memcached_instance_st *server, const char *key,
                                  size_t key_length, const char *value, size_t value_length,
                                  void *context)
{
	struct stat_lookup *look = context;

	(void)server;
	(void)value_length;
	if (key_length == strlen(look->name) && memcmp(key, look->name, key_length) == 0) {
		look->value = strtol(value, NULL, 10);
	}
	return MEMCACHED_SUCCESS;
}

/* Returns the value of statistic `name` of the server behind m. */
static long server_stat(memcached_st *m, const char *name)
{
	struct stat_lookup look = { name, -1 };

	if (memcached_stat_execute(m, NULL, stat_cb, &look) != MEMCACHED_SUCCESS) {
		fail_msg("stats: %s", memcached_last_error_message(m));
	}
	if (look.value < 0) {
		fail_msg("stats has no %s", name);
	}
	return look.value;
}

/* Lower-case hex SHA-256 of s, into hex[65]. */
static void sha256_hex(const char *s, char hex[65])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	unsigned int i;

	assert_int_equal(EVP_Digest(s, strlen(s), md, &n, EVP_sha256(), NULL), 1);
	for (i = 0; i < n; i++) {
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	}
}

/* ---- a memcached of the test's own ------------------------------------- */

/* Returns a TCP port on 127.0.0.1 that nothing listens on right now. */
static int free_port(void)
{
	struct sockaddr_in a;
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	int port;

	assert_true(fd >= 0);
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	port = ntohs(a.sin_port);
	close(fd);
	return port;
}

static bool port_open(int port)
{
	struct sockaddr_in a;
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	bool open;

	assert_true(fd >= 0);
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_port = htons((uint16_t)port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	open = connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0;
	close(fd);
	return open;
}

/* Starts memcached on 127.0.0.1:port and waits until it accepts connections. */
static pid_t memcached_start(int port)
{
	char portstr[16];
	pid_t pid;
	int i;

	snprintf(portstr, sizeof(portstr), "%d", port);
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		execlp("memcached", "memcached", "-p", portstr, "-U", "0", "-l", "127.0.0.1", "-m", "16",
		       "-u", "nobody", (char *)NULL);
		_exit(127);
	}
	for (i = 0; i < 100 && !port_open(port); i++) {
		sleep_ms(50);
	}
	if (!port_open(port)) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		fail_msg("memcached did not come up on port %d", port);
	}
	return pid;
}

static void memcached_stop(pid_t pid)
{
	kill(pid, SIGCONT);
	kill(pid, SIGTERM);
	assert_int_equal(waitpid(pid, NULL, 0), pid);
}

/* ---- meepo ---------------------------------------------------------------- */

/*
 * Writes a config: the source from file/pos, one memcached sink with the
 * options `sink` (freed here), one route. Returns the config's path.
 */
static char *write_config(const char *dir, const char *file, uint64_t pos, char *sink,
                          const char *match)
{
	char *source = harness_source_config(file, pos);
	char *text = harness_printf("%s"
	                            "sinks = ( { name = \"cache\"; plugin = \"memcached\"; "
	                            "deadletter = \"%s/dead.jsonl\"; %s } );\n"
	                            "routes = ( { match = [ %s ]; sink = \"cache\"; } );\n",
	                            source, dir, sink, match);
	char *path = harness_write_config(dir, text);

	free(sink);
	free(source);
	free(text);
	return path;
}

/* Returns the dead letters of the sink configured in dir, or NULL if none. */
static char *read_dead_letters(const char *dir)
{
	char *path = harness_printf("%s/dead.jsonl", dir);
	char *text = harness_read_file(path);

	free(path);
	return text;
}

/* Runs meepo to the end of the binlog; returns its stderr; fails unless it exits 0. */
static char *run_meepo(const char *config)
{
	char *err = NULL;
	int status = harness_meepo_run(config, NULL, RUN_TIMEOUT, NULL, &err);

	if (status != 0) {
		fail_msg("meepo -c %s exited with %d; its stderr:\n%s", config, status,
		         err != NULL ? err : "(none)");
	}
	return err;
}

/* Counts the occurrences of needle in haystack. */
static size_t count_of(const char *haystack, const char *needle)
{
	size_t n = 0;

	while ((haystack = strstr(haystack, needle)) != NULL) {
		n++;
		haystack += strlen(needle);
	}
	return n;
}

/* ---- invalidation over two servers (binary protocol, ketama) ----------- */

/* Keys the application cached, and whether the test's SQL must delete them. */
struct cached {
	const char *key;    /* key as the application names it */
	bool gone;          /* deleted by meepo */
};

static void test_invalidation(void **state)
{
	const struct harness_env *env = harness_env();
	const int ports[2] = { env->memcached_port, env->memcached_port2 };
	static const struct cached changed[] = {
		{ "user:31", true }, { "user:email:u31@x", true },          /* insert */
		{ "user:2", true }, { "user:email:u2@x", true },            /* name changed */
		{ "user:3", true }, { "user:email:u3@x", true },            /* email changed */
		{ "user:email:z3@x", true },
		{ "user:4", true }, { "user:40", true }, { "user:email:u4@x", true }, /* id changed */
		{ "user:5", true }, { "user:email:u5@x", true },            /* deleted */
		{ "user:6", true }, { "user:email:u6@x", true },            /* email set NULL */
		{ "user:7", true }, { "user:email:u7@x", true },            /* one transaction */
		{ "user:8", true }, { "user:email:u8@x", true },
		{ "other:2", false }, { "user:999", false }, { "user:email:nobody@x", false },
		{ "User:2", false },
	};
	MYSQL *conn = harness_connect_source(NULL);
	char *dir = harness_temp_dir("mc-inval");
	memcached_st *app = app_client(ports, 2, "ketama", "");
	memcached_st *one[2] = { server_client(ports[0]), server_client(ports[1]) };
	size_t gone_on[2] = { 0, 0 };
	char file[256], key[64];
	char *config, *err, *dead;
	uint64_t pos;
	size_t i;
	int s;

	(void)state;
	harness_fresh_schema(conn, "mc_inval");
	harness_sql(conn, "USE mc_inval; CREATE TABLE user (id INT PRIMARY KEY, "
	                  "email VARCHAR(100), name VARCHAR(100))");
	for (i = 1; i <= 30; i++) {
		harness_sql(conn, "INSERT INTO user VALUES (%zu, 'u%zu@x', 'n%zu')", i, i, i);
	}
	harness_master_position(conn, file, sizeof(file), &pos);

	/* the application caches every row under two keys, and some more keys */
	memcached_flush(app, 0);
	for (i = 1; i <= 30; i++) {
		snprintf(key, sizeof(key), "user:%zu", i);
		cache_set(app, key);
		snprintf(key, sizeof(key), "user:email:u%zu@x", i);
		cache_set(app, key);
	}
	for (i = 0; i < sizeof(changed) / sizeof(changed[0]); i++) {
		cache_set(app, changed[i].key);
	}
	/* the keys to delete live on both servers */
	for (i = 0; i < sizeof(changed) / sizeof(changed[0]); i++) {
		for (s = 0; s < 2 && changed[i].gone; s++) {
			gone_on[s] += cache_has(one[s], changed[i].key);
		}
	}
	assert_true(gone_on[0] >= 1);
	assert_true(gone_on[1] >= 1);
	assert_int_equal(gone_on[0] + gone_on[1], 18);

	harness_sql(conn, "INSERT INTO user VALUES (31, 'u31@x', 'n31')");
	harness_sql(conn, "UPDATE user SET name = 'm2' WHERE id = 2");
	harness_sql(conn, "UPDATE user SET email = 'z3@x' WHERE id = 3");
	harness_sql(conn, "UPDATE user SET id = 40 WHERE id = 4");
	harness_sql(conn, "DELETE FROM user WHERE id = 5");
	harness_sql(conn, "UPDATE user SET email = NULL WHERE id = 6");
	harness_sql(conn, "BEGIN; UPDATE user SET name = 't' WHERE id IN (7, 8); COMMIT");

	config = write_config(dir, file, pos,
	                      harness_printf("servers = [ \"127.0.0.1:%d\", \"127.0.0.1:%d\" ]; "
	                                     "keys = [ \"user:{id}\", \"user:email:{email}\" ];",
	                                     ports[0], ports[1]),
	                      "\"mc_inval.user\"");
	err = run_meepo(config);

	for (i = 0; i < sizeof(changed) / sizeof(changed[0]); i++) {
		if (cache_has(app, changed[i].key) == changed[i].gone) {
			fail_msg("key %s: expected %s", changed[i].key,
			         changed[i].gone ? "deleted" : "kept");
		}
		/* a deleted key is on no server at all */
		for (s = 0; s < 2 && changed[i].gone; s++) {
			assert_false(cache_has(one[s], changed[i].key));
		}
	}
	/* every row the SQL did not touch keeps both keys */
	for (i = 9; i <= 30; i++) {
		snprintf(key, sizeof(key), "user:%zu", i);
		assert_true(cache_has(app, key));
		snprintf(key, sizeof(key), "user:email:u%zu@x", i);
		assert_true(cache_has(app, key));
	}
	assert_true(cache_has(app, "user:1"));
	assert_true(cache_has(app, "user:email:u1@x"));
	dead = read_dead_letters(dir);
	assert_null(dead);

	free(err);
	free(config);
	free(dir);
	memcached_free(one[0]);
	memcached_free(one[1]);
	memcached_free(app);
	mysql_close(conn);
}

/* ---- text protocol, prefix, escaping, modula, a missing column ---------- */

static void test_text_prefix_escaping(void **state)
{
	const struct harness_env *env = harness_env();
	const int ports[2] = { env->memcached_port, env->memcached_port2 };
	MYSQL *conn = harness_connect_source(NULL);
	char *dir = harness_temp_dir("mc-text");
	memcached_st *app = app_client(ports, 2, "modula", "app:");
	char long_name[261], hashed[80], hex[65], file[256];
	char *config, *err, *dead, *raw;
	uint64_t pos;

	(void)state;
	memset(long_name, 'x', 260);
	long_name[260] = '\0';
	harness_fresh_schema(conn, "mc_text");
	harness_sql(conn, "USE mc_text; CREATE TABLE person (id INT PRIMARY KEY, "
	                  "name VARCHAR(300) CHARACTER SET utf8mb4); "
	                  "CREATE TABLE other (id INT PRIMARY KEY, v INT)");
	harness_sql(conn, "INSERT INTO person VALUES (1, 'Ann Lee'), (2, 'Zo\xc3\xab'), (3, '%s'), "
	                  "(4, 'plain'), (5, 'Bob')", long_name);
	harness_master_position(conn, file, sizeof(file), &pos);

	/* the application stores the documented key forms, through its namespace */
	raw = harness_printf("person:%s", long_name);
	sha256_hex(raw, hex);
	snprintf(hashed, sizeof(hashed), "#%s", hex);
	memcached_flush(app, 0);
	cache_set(app, "person:Ann%20Lee");
	cache_set(app, "person:Zo%C3%AB");
	cache_set(app, hashed);
	cache_set(app, "person:plain");
	cache_set(app, "person:Bob");

	harness_sql(conn, "DELETE FROM person WHERE id IN (1, 2, 3)");
	harness_sql(conn, "INSERT INTO other VALUES (1, 1), (2, 2)");
	harness_sql(conn, "UPDATE person SET id = 50 WHERE id = 5");

	config = write_config(dir, file, pos,
	                      harness_printf("servers = [ \"127.0.0.1:%d\", \"127.0.0.1:%d\" ]; "
	                                     "keys = [ \"person:{name}\" ]; prefix = \"app:\"; "
	                                     "binary_protocol = false; distribution = \"modula\"; "
	                                     "batch_max_events = 1;",
	                                     ports[0], ports[1]),
	                      "\"mc_text.*\"");
	err = run_meepo(config);

	assert_false(cache_has(app, "person:Ann%20Lee"));
	assert_false(cache_has(app, "person:Zo%C3%AB"));
	assert_false(cache_has(app, hashed));
	assert_false(cache_has(app, "person:Bob"));
	assert_true(cache_has(app, "person:plain"));

	/* the rows of `other` have no key: dead letters, the error logged once */
	dead = read_dead_letters(dir);
	if (dead == NULL) {
		fail_msg("no dead letters; meepo's stderr:\n%s", err);
	}
	assert_int_equal(count_of(dead, "\n"), 2);
	assert_int_equal(count_of(dead, "\"table\":\"other\""), 2);
	assert_int_equal(count_of(dead, "table mc_text.other has no column `name`"), 2);
	assert_int_equal(count_of(err, "[sink:memcached:cache] key template \"person:{name}\": "
	                               "table mc_text.other has no column `name`"), 1);

	free(dead);
	free(raw);
	free(err);
	free(config);
	free(dir);
	memcached_free(app);
	mysql_close(conn);
}

/* ---- a memcached that stops, dies and comes back ----------------------- */

/* Waits until none of keys t:from..t:to is cached; fails after ARRIVAL_MS. */
static void wait_gone(memcached_st *m, int from, int to)
{
	char key[32];
	int waited;
	int i;

	for (waited = 0;; waited += 100) {
		for (i = from; i <= to; i++) {
			snprintf(key, sizeof(key), "t:%d", i);
			if (cache_has(m, key)) {
				break;
			}
		}
		if (i > to) {
			return;
		}
		if (waited >= ARRIVAL_MS) {
			fail_msg("key %s still cached after %d ms", key, ARRIVAL_MS);
		}
		sleep_ms(100);
	}
}

static void assert_cached(memcached_st *m, int from, int to)
{
	char key[32];
	int i;

	for (i = from; i <= to; i++) {
		snprintf(key, sizeof(key), "t:%d", i);
		if (!cache_has(m, key)) {
			fail_msg("key %s was deleted, but no row of it changed", key);
		}
	}
}

static void set_range(memcached_st *m, int from, int to)
{
	char key[32];
	int i;

	for (i = from; i <= to; i++) {
		snprintf(key, sizeof(key), "t:%d", i);
		cache_set(m, key);
	}
}

static void insert_range(MYSQL *conn, int from, int to)
{
	int i;

	for (i = from; i <= to; i++) {
		harness_sql(conn, "INSERT INTO t VALUES (%d, %d)", i, i);
	}
}

static void test_outage(void **state)
{
	struct fixture *fx = *state;
	struct harness_proc *proc;
	MYSQL *conn = harness_connect_source(NULL);
	char *dir = harness_temp_dir("mc-outage");
	int port = free_port();
	memcached_st *m;
	char file[256];
	char *config, *err = NULL;
	uint64_t pos;
	long misses;
	int waited;

	fx->memcached = memcached_start(port);
	m = server_client(port);
	harness_fresh_schema(conn, "mc_outage");
	harness_sql(conn, "USE mc_outage; CREATE TABLE t (id INT PRIMARY KEY, v INT)");
	harness_master_position(conn, file, sizeof(file), &pos);
	config = write_config(dir, file, pos,
	                      harness_printf("servers = [ \"127.0.0.1:%d\" ]; keys = [ \"t:{id}\" ]; "
	                                     "timeout_ms = 300; retry_initial_ms = 50; "
	                                     "retry_max_ms = 400;", port),
	                      "\"mc_outage.t\"");
	fx->meepo = harness_meepo_start(config, NULL);

	/* running normally */
	set_range(m, 1, 60);
	insert_range(conn, 1, 10);
	wait_gone(m, 1, 10);
	assert_cached(m, 11, 60);

	/* memcached stops answering (SIGSTOP): deletes time out and are retried */
	assert_int_equal(kill(fx->memcached, SIGSTOP), 0);
	harness_sql(conn, "UPDATE t SET v = 0 WHERE id = 3");
	insert_range(conn, 11, 20);
	sleep_ms(1500);
	assert_int_equal(kill(fx->memcached, SIGCONT), 0);
	wait_gone(m, 11, 20);
	assert_cached(m, 21, 60);

	/* memcached dies: refused connections; it comes back empty */
	memcached_stop(fx->memcached);
	fx->memcached = 0;
	insert_range(conn, 21, 30);
	sleep_ms(1000);
	fx->memcached = memcached_start(port);
	memcached_free(m);
	m = server_client(port);
	/* every one of the ten deletes reaches the new server, once */
	for (waited = 0; (misses = server_stat(m, "delete_misses")) < 10; waited += 100) {
		if (waited >= ARRIVAL_MS) {
			fail_msg("only %ld of 10 deletes arrived after the restart", misses);
		}
		sleep_ms(100);
	}
	sleep_ms(500);
	assert_int_equal(server_stat(m, "delete_misses"), 10);
	assert_int_equal(server_stat(m, "delete_hits"), 0);

	/* and the stream goes on */
	set_range(m, 31, 45);
	insert_range(conn, 31, 40);
	wait_gone(m, 31, 40);
	assert_cached(m, 41, 45);

	proc = fx->meepo;
	fx->meepo = NULL;
	assert_int_equal(harness_meepo_stop(proc, STOP_TIMEOUT, NULL, &err), 0);
	assert_non_null(err);
	assert_true(count_of(err, "its deletes are retried") >= 2);
	assert_true(count_of(err, "deletes go through again") >= 2);
	assert_null(read_dead_letters(dir));

	free(err);
	free(config);
	free(dir);
	memcached_free(m);
	mysql_close(conn);
}

static int setup(void **state)
{
	*state = calloc(1, sizeof(struct fixture));
	return *state != NULL ? 0 : -1;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;

	if (fx->meepo != NULL) {
		harness_meepo_stop(fx->meepo, STOP_TIMEOUT, NULL, NULL);
	}
	if (fx->memcached > 0) {
		memcached_stop(fx->memcached);
	}
	free(fx);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_invalidation),
		cmocka_unit_test(test_text_prefix_escaping),
		cmocka_unit_test_setup_teardown(test_outage, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
