/*
 * tests/integration/redis/redis_util.c - hiredis helpers and private
 * redis-server processes for the redis sink's integration tests.
 *
 * Concurrency: the test's thread only (see redis_util.h).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "redis_util.h"

/* Seconds a private server may take to start or stop. */
#define SERVER_WAIT_S 10

redisContext *rt_connect(int port)
{
	struct timeval tv = { 5, 0 };
	redisContext *c = redisConnectWithTimeout("127.0.0.1", port, tv);

	if (c == NULL || c->err != 0) {
		fail_msg("cannot connect to redis on 127.0.0.1:%d: %s", port,
		         c != NULL ? c->errstr : "out of memory");
	}
	if (redisSetTimeout(c, tv) != REDIS_OK) {
		fail_msg("redis 127.0.0.1:%d: cannot set the timeout: %s", port, c->errstr);
	}
	return c;
}

/* rt_cmd() over a va_list. */
static redisReply *rt_vcmd(redisContext *c, const char *fmt, va_list ap)
{
	redisReply *reply = redisvCommand(c, fmt, ap);

	if (reply == NULL) {
		fail_msg("redis command \"%s\": %s", fmt, c->errstr);
	}
	if (reply->type == REDIS_REPLY_ERROR) {
		fail_msg("redis command \"%s\": %s", fmt, reply->str);
	}
	return reply;
}

redisReply *rt_cmd(redisContext *c, const char *fmt, ...)
{
	redisReply *reply;
	va_list ap;

	va_start(ap, fmt);
	reply = rt_vcmd(c, fmt, ap);
	va_end(ap);
	return reply;
}

void rt_do(redisContext *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	freeReplyObject(rt_vcmd(c, fmt, ap));
	va_end(ap);
}

static int compare_lines(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

char *rt_sorted_lines(char **lines, size_t n)
{
	size_t total = 1;
	size_t i;
	char *text;
	char *w;

	qsort(lines, n, sizeof(*lines), compare_lines);
	for (i = 0; i < n; i++) {
		total += strlen(lines[i]) + 1;
	}
	text = malloc(total);
	assert_non_null(text);
	w = text;
	for (i = 0; i < n; i++) {
		w = stpcpy(w, lines[i]);
		*w++ = '\n';
		free(lines[i]);
	}
	*w = '\0';
	free(lines);
	return text;
}

char *rt_keys(redisContext *c, const char *pattern)
{
	redisReply *reply = rt_cmd(c, "KEYS %s", pattern);
	char **lines;
	size_t i;

	assert_int_equal(reply->type, REDIS_REPLY_ARRAY);
	lines = calloc(reply->elements + 1, sizeof(*lines));
	assert_non_null(lines);
	for (i = 0; i < reply->elements; i++) {
		lines[i] = strndup(reply->element[i]->str, reply->element[i]->len);
		assert_non_null(lines[i]);
	}
	i = reply->elements;
	freeReplyObject(reply);
	return rt_sorted_lines(lines, i);
}

char *rt_hash(redisContext *c, const char *key)
{
	redisReply *reply = rt_cmd(c, "HGETALL %s", key);
	size_t n = reply->elements / 2;
	char **lines;
	size_t i;

	assert_int_equal(reply->type, REDIS_REPLY_ARRAY);
	lines = calloc(n + 1, sizeof(*lines));
	assert_non_null(lines);
	for (i = 0; i < n; i++) {
		lines[i] = harness_printf("%.*s=%.*s", (int)reply->element[2 * i]->len,
		                          reply->element[2 * i]->str, (int)reply->element[2 * i + 1]->len,
		                          reply->element[2 * i + 1]->str);
	}
	freeReplyObject(reply);
	return rt_sorted_lines(lines, n);
}

/* Returns a loopback TCP port nothing listens on right now. */
static int free_port(void)
{
	struct sockaddr_in addr = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(addr);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	if (fd < 0 || bind(fd, (struct sockaddr *)&addr, sizeof(addr)) != 0 ||
	    getsockname(fd, (struct sockaddr *)&addr, &len) != 0) {
		fail_msg("cannot find a free port: %s", strerror(errno));
	}
	close(fd);
	return ntohs(addr.sin_port);
}

/* Fails the test showing the server's log. */
static void server_failed(struct rt_server *server, const char *what)
{
	char *path = harness_printf("%s/redis.log", server->dir);
	char *log = harness_read_file(path);

	fail_msg("private redis-server on port %d %s; its log:\n%s", server->port, what,
	         log != NULL ? log : "(none)");
}

/* Starts the process and waits until it answers (any reply, even NOAUTH). */
static void server_spawn(struct rt_server *server)
{
	struct timeval tv = { 1, 0 };
	char *conf = harness_printf("%s/redis.conf", server->dir);
	redisContext *c;
	redisReply *reply;
	int devnull;
	int status;
	int i;

	server->pid = fork();
	if (server->pid < 0) {
		fail_msg("fork: %s", strerror(errno));
	}
	if (server->pid == 0) {
		/* not holding the test's output open, and gone if the test dies */
		devnull = open("/dev/null", O_RDWR);
		if (devnull < 0 || dup2(devnull, 0) < 0 || dup2(devnull, 1) < 0 ||
		    dup2(devnull, 2) < 0 || prctl(PR_SET_PDEATHSIG, SIGTERM) != 0) {
			_exit(126);
		}
		execlp("redis-server", "redis-server", conf, (char *)NULL);
		_exit(127);
	}
	free(conf);
	for (i = 0; i < SERVER_WAIT_S * 20; i++) {
		if (waitpid(server->pid, &status, WNOHANG) == server->pid) {
			server->pid = 0;
			server_failed(server, "exited at start");
		}
		c = redisConnectWithTimeout("127.0.0.1", server->port, tv);
		if (c != NULL && c->err == 0) {
			reply = redisCommand(c, "PING");
			redisFree(c);
			if (reply != NULL) {
				freeReplyObject(reply);
				return;
			}
		} else if (c != NULL) {
			redisFree(c);
		}
		usleep(50000);
	}
	server_failed(server, "did not answer within 10 s");
}

struct rt_server *rt_server_start(const char *extra)
{
	struct rt_server *server = calloc(1, sizeof(*server));
	char *path;
	char *text;

	assert_non_null(server);
	server->dir = harness_temp_dir("redis-server");
	server->port = free_port();
	path = harness_printf("%s/redis.conf", server->dir);
	text = harness_printf("port %d\nbind 127.0.0.1\ndir %s\nlogfile %s/redis.log\n"
	                      "daemonize no\nsave \"\"\nappendonly yes\nappendfsync always\n%s\n",
	                      server->port, server->dir, server->dir, extra);
	harness_write_file(path, text);
	free(text);
	free(path);
	server_spawn(server);
	return server;
}

void rt_server_halt(struct rt_server *server)
{
	int status;
	int i;

	if (server->pid == 0) {
		return;
	}
	kill(server->pid, SIGTERM);
	for (i = 0; i < SERVER_WAIT_S * 20; i++) {
		if (waitpid(server->pid, &status, WNOHANG) == server->pid) {
			server->pid = 0;
			return;
		}
		usleep(50000);
	}
	kill(server->pid, SIGKILL);
	waitpid(server->pid, &status, 0);
	server->pid = 0;
	fail_msg("private redis-server on port %d ignored SIGTERM for 10 s", server->port);
}

void rt_server_resume(struct rt_server *server)
{
	server_spawn(server);
}

void rt_server_stop(struct rt_server *server)
{
	if (server == NULL) {
		return;
	}
	rt_server_halt(server);
	free(server->dir);
	free(server);
}
