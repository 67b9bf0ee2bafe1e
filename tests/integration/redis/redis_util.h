/*
 * tests/integration/redis/redis_util.h - what the redis sink's integration
 * tests need besides harness.h: hiredis calls that fail the current test
 * instead of returning errors, Redis contents as sorted text, and private
 * redis-server processes (with a password, or to restart) on free ports.
 *
 * Ownership: every returned char * is malloc'ed and owned by the caller;
 * contexts are freed with redisFree(), replies with freeReplyObject(),
 * servers with rt_server_stop().
 *
 * Concurrency: call from the test's thread only (cmocka's failure jumps).
 */
#ifndef MEEPO_TEST_REDIS_UTIL_H
#define MEEPO_TEST_REDIS_UTIL_H

#include <stddef.h>
#include <sys/types.h>

#include <hiredis/hiredis.h>

/* A redis-server started by rt_server_start(). */
struct rt_server {
	pid_t pid;      /* the server, 0 while stopped */
	int port;       /* its port on 127.0.0.1 */
	char *dir;      /* its temp dir: redis.conf, data, log */
};

/* Connects to 127.0.0.1:port (5 s timeouts); fails the test if it cannot. */
redisContext *rt_connect(int port);

/*
 * Runs a command (redisCommand's format) and returns its reply; fails the
 * test on a connection error or an error reply.
 */
redisReply *rt_cmd(redisContext *c, const char *fmt, ...);

/* Runs a command and discards its reply, as rt_cmd(). */
void rt_do(redisContext *c, const char *fmt, ...);

/*
 * Sorts `n` malloc'ed strings, frees them and the array `lines`, and
 * returns them joined, each followed by "\n".
 */
char *rt_sorted_lines(char **lines, size_t n);

/* Returns the keys matching `pattern`, sorted, one per line. */
char *rt_keys(redisContext *c, const char *pattern);

/* Returns the hash at `key` as sorted "field=value" lines ("" if none). */
char *rt_hash(redisContext *c, const char *key);

/*
 * Starts redis-server on a free loopback port in a new temp dir (its
 * output goes to a log there; it dies with the test process) with
 * append-only persistence (fsync always, so a restart keeps every
 * acknowledged write) and the extra config lines `extra` (may be ""), and
 * waits until it accepts connections. Fails the test if it does not start.
 */
struct rt_server *rt_server_start(const char *extra);

/* Stops the server (SIGTERM, which writes its data) and waits for it. */
void rt_server_halt(struct rt_server *server);

/* Starts a halted server again on the same port and data. */
void rt_server_resume(struct rt_server *server);

/* Halts the server if running and frees it. */
void rt_server_stop(struct rt_server *server);

#endif /* MEEPO_TEST_REDIS_UTIL_H */
