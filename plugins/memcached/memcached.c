/*
 * plugins/memcached/memcached.c - the memcached sink: cache invalidation.
 *
 * deliver() renders every key of the batch (memcached_format.c), picks each
 * key's server with libmemcached's distribution (memcached_conf.c), and
 * sends every server its deletes as one pipeline (memcached_proto.c) over
 * its own non-blocking socket, all servers at once, reading the answers
 * while writing. libmemcached is used for the ring only: its buffered and
 * noreply modes throw the answers of pipelined deletes away, and a delete
 * whose outcome is unknown must never be acknowledged.
 *
 * Results: OK when every server answered for every key (deleted or not
 * found); RETRY when a server could not be reached, timed out, closed the
 * connection, answered garbage or failed transiently (the connection is
 * closed and opened again on the next call); REJECT when a server refused a
 * key, or when some events have no computable key (a template names a
 * column the table lacks, a key column was not logged): their reasons are
 * logged once and the batch is dead-lettered after every other key of it
 * was deleted.
 *
 * Concurrency: check() and create() run on the main thread; deliver() on
 * the instance's worker thread only; the instance holds no global state.
 */
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <meepo/sink.h>

#include "memcached_conf.h"
#include "memcached_format.h"
#include "memcached_proto.h"

/* Bytes read from a socket at a time. */
#define READ_CHUNK 65536

/* What a connection is doing in the current batch. */
enum conn_state {
	CONN_IDLE = 0,      /* no keys for this server in the batch */
	CONN_ACTIVE = 1,    /* requests or answers outstanding */
	CONN_DONE = 2,      /* every request answered */
	CONN_FAILED = 3,    /* connection lost; outcome of the rest unknown */
};

/* One memcached server: its connection and this batch's traffic. */
struct mc_conn {
	const struct mc_server_spec *spec;  /* host, port (in the instance's conf) */
	char name[300];                     /* "host:port" for messages */
	int fd;                             /* socket, -1 when not connected */
	bool down;                          /* the last batch failed here (log changes only) */
	enum conn_state state;              /* progress in the current batch */
	struct meepo_buf out;               /* the batch's requests */
	size_t sent;                        /* bytes of out written */
	char *in;                           /* received bytes not parsed yet */
	size_t in_len;                      /* bytes in `in` */
	size_t in_cap;                      /* bytes allocated for `in` */
	uint32_t *keys;                     /* batch key indices sent here, in order */
	size_t nkeys;                       /* entries used in keys */
	size_t keys_cap;                    /* entries allocated in keys */
	size_t answered;                    /* text protocol: replies received */
	bool refused;                       /* the server refused a key */
	bool busy;                          /* the server failed transiently */
	char error[512];                    /* first failure or refusal, for the report */
};

/* One sink instance. */
struct mc_instance {
	char *name;                 /* instance name, for logs */
	struct mc_conf conf;        /* options, immutable */
	memcached_st *ring;         /* picks the server of a key; worker thread only */
	struct mc_conn *conns;      /* conf.nservers connections, in server order */
	struct pollfd *pfds;        /* poll set, conf.nservers entries */
	size_t *pconn;              /* connection index of each pfds entry */
	struct mc_keys keys;        /* the current batch's keys */
	char **reported;            /* problem messages already logged */
	size_t nreported;           /* entries used in reported */
	size_t reported_cap;        /* entries allocated in reported */
};

/* Marks the connection failed with a message and closes its socket. */
static void conn_fail(struct mc_instance *inst, struct mc_conn *c, const char *fmt, ...)
	MEEPO_PRINTF(3, 4);

static void conn_fail(struct mc_instance *inst, struct mc_conn *c, const char *fmt, ...)
{
	va_list ap;

	if (c->error[0] == '\0') {
		va_start(ap, fmt);
		vsnprintf(c->error, sizeof(c->error), fmt, ap);
		va_end(ap);
	}
	if (c->fd >= 0) {
		close(c->fd);
		c->fd = -1;
	}
	c->state = CONN_FAILED;
	if (!c->down) {
		meepo_sink_log(MEEPO_LOG_WARN, "memcached", inst->name,
		               "%s: %s; its deletes are retried", c->name, c->error);
		c->down = true;
	}
}

/* Waits up to timeout_ms for a non-blocking connect on fd; returns 0 or an errno. */
static int wait_connected(int fd, int timeout_ms)
{
	struct pollfd p = { .fd = fd, .events = POLLOUT, .revents = 0 };
	socklen_t len = sizeof(int);
	int soerr = 0;
	int r;

	do {
		r = poll(&p, 1, timeout_ms);
	} while (r < 0 && errno == EINTR);
	if (r < 0) {
		return errno;
	}
	if (r == 0) {
		return ETIMEDOUT;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) < 0) {
		return errno;
	}
	return soerr;
}

/* Connects c to its server, trying each address in turn. Returns 0 or -1 (c failed). */
static int conn_open(struct mc_instance *inst, struct mc_conn *c)
{
	struct addrinfo hints;
	struct addrinfo *res = NULL;
	struct addrinfo *ai;
	char port[8];
	int one = 1;
	int fd = -1;
	int e = 0;
	int rc;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV;
	snprintf(port, sizeof(port), "%u", c->spec->port);
	rc = getaddrinfo(c->spec->host, port, &hints, &res);
	if (rc != 0) {
		conn_fail(inst, c, "cannot resolve %s: %s", c->spec->host, gai_strerror(rc));
		return -1;
	}
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (fd < 0) {
			e = errno;
			continue;
		}
		e = connect(fd, ai->ai_addr, ai->ai_addrlen) == 0 ? 0 : errno;
		if (e == EINPROGRESS) {
			e = wait_connected(fd, inst->conf.timeout_ms);
		}
		if (e == 0) {
			break;
		}
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd < 0) {
		conn_fail(inst, c, "cannot connect: %s", strerror(e));
		return -1;
	}
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	c->fd = fd;
	return 0;
}

/*
 * True if an idle connection is readable: the server closed it (memcached
 * restarted, idle timeout) or sent something unasked for. Either way it
 * cannot carry the next pipeline.
 */
static bool conn_stale(const struct mc_conn *c)
{
	struct pollfd p = { .fd = c->fd, .events = POLLIN, .revents = 0 };

	return poll(&p, 1, 0) != 0;
}

/* Sends what the socket takes of c's requests. */
static void conn_write(struct mc_instance *inst, struct mc_conn *c)
{
	ssize_t n;

	while (c->sent < c->out.len) {
		n = send(c->fd, c->out.data + c->sent, c->out.len - c->sent,
		         MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n > 0) {
			c->sent += (size_t)n;
		} else if (n < 0 && errno == EINTR) {
			continue;
		} else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			return;
		} else {
			conn_fail(inst, c, "send failed: %s", n < 0 ? strerror(errno) : "no progress");
			return;
		}
	}
}

/* Records a refusal or transient failure for key `k` of the batch. */
static void conn_problem(struct mc_instance *inst, struct mc_conn *c,
                         const struct mc_response *resp, uint32_t k)
{
	if (resp->reply == MC_REPLY_REFUSED) {
		c->refused = true;
	} else {
		c->busy = true;
	}
	if (c->error[0] == '\0') {
		snprintf(c->error, sizeof(c->error), "%s key \"%.260s\": %s",
		         resp->reply == MC_REPLY_REFUSED ? "refused" : "failed to delete",
		         mc_keys_get(&inst->keys, k), resp->message);
	}
}

/* Applies one response to c. Returns -1 if it cannot belong to c's pipeline. */
static int conn_response(struct mc_instance *inst, struct mc_conn *c,
                         const struct mc_response *resp)
{
	uint32_t k;

	if (inst->conf.binary) {
		if (resp->reply == MC_REPLY_END) {
			if (resp->opaque != MC_END_OPAQUE || c->sent < c->out.len) {
				return -1;
			}
			c->state = CONN_DONE;
			return 0;
		}
		if (resp->opaque >= inst->keys.count) {
			return -1;
		}
		k = resp->opaque;
	} else {
		if (resp->reply == MC_REPLY_END || c->answered >= c->nkeys) {
			return -1;
		}
		k = c->keys[c->answered++];
		if (c->answered == c->nkeys) {
			c->state = CONN_DONE;
		}
	}
	if (resp->reply != MC_REPLY_GONE) {
		conn_problem(inst, c, resp, k);
	}
	return 0;
}

/* Parses every complete response in c->in. */
static void conn_parse(struct mc_instance *inst, struct mc_conn *c)
{
	struct mc_response resp;
	size_t off = 0;
	long n;

	while (c->state == CONN_ACTIVE) {
		n = mc_proto_parse(inst->conf.binary, c->in + off, c->in_len - off, &resp);
		if (n == 0) {
			break;
		}
		if (n < 0) {
			conn_fail(inst, c, "protocol error: %s", resp.message);
			return;
		}
		off += (size_t)n;
		if (conn_response(inst, c, &resp) < 0) {
			conn_fail(inst, c, "protocol error: an answer to no request of this batch");
			return;
		}
	}
	memmove(c->in, c->in + off, c->in_len - off);
	c->in_len -= off;
	if (c->state == CONN_DONE && c->in_len > 0) {
		/* answers beyond the pipeline: the stream cannot be trusted again */
		close(c->fd);
		c->fd = -1;
		c->in_len = 0;
	}
}

/* Reads what the socket has for c and parses it. */
static void conn_read(struct mc_instance *inst, struct mc_conn *c)
{
	ssize_t n;

	if (c->in_cap - c->in_len < READ_CHUNK) {
		c->in_cap = c->in_len + READ_CHUNK;
		c->in = realloc(c->in, c->in_cap);
		if (c->in == NULL) {
			fprintf(stderr, "meepo: memcached sink: out of memory\n");
			abort();
		}
	}
	do {
		n = recv(c->fd, c->in + c->in_len, c->in_cap - c->in_len, MSG_DONTWAIT);
	} while (n < 0 && errno == EINTR);
	if (n == 0) {
		conn_fail(inst, c, "connection closed by the server");
	} else if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
		conn_fail(inst, c, "receive failed: %s", strerror(errno));
	} else if (n > 0) {
		c->in_len += (size_t)n;
		conn_parse(inst, c);
	}
}

/* Drives every active connection until each is done or failed. */
static void run_pipelines(struct mc_instance *inst)
{
	struct mc_conn *c;
	size_t n;
	size_t i;
	int r;

	for (;;) {
		n = 0;
		for (i = 0; i < inst->conf.nservers; i++) {
			c = &inst->conns[i];
			if (c->state != CONN_ACTIVE) {
				continue;
			}
			inst->pfds[n].fd = c->fd;
			inst->pfds[n].events = POLLIN | (c->sent < c->out.len ? POLLOUT : 0);
			inst->pfds[n].revents = 0;
			inst->pconn[n] = i;
			n++;
		}
		if (n == 0) {
			return;
		}
		r = poll(inst->pfds, n, inst->conf.timeout_ms);
		if (r < 0 && errno == EINTR) {
			continue;
		}
		for (i = 0; i < n; i++) {
			c = &inst->conns[inst->pconn[i]];
			if (r <= 0) {
				conn_fail(inst, c, r == 0 ? "timed out after %d ms" : "poll failed (%d)",
				          r == 0 ? inst->conf.timeout_ms : errno);
				continue;
			}
			if (inst->pfds[i].revents & POLLOUT) {
				conn_write(inst, c);
			}
			if (c->state == CONN_ACTIVE &&
			    (inst->pfds[i].revents & (POLLIN | POLLHUP | POLLERR))) {
				conn_read(inst, c);
			}
		}
	}
}

/* Adds key index k to c's list. */
static void conn_add_key(struct mc_conn *c, uint32_t k)
{
	if (c->nkeys == c->keys_cap) {
		c->keys_cap = c->keys_cap > 0 ? c->keys_cap * 2 : 256;
		c->keys = realloc(c->keys, c->keys_cap * sizeof(*c->keys));
		if (c->keys == NULL) {
			fprintf(stderr, "meepo: memcached sink: out of memory\n");
			abort();
		}
	}
	c->keys[c->nkeys++] = k;
}

/* Splits the batch's keys into one pipeline per server and opens connections. */
static void prepare_pipelines(struct mc_instance *inst)
{
	struct mc_conn *c;
	const char *part;
	size_t len;
	size_t i;

	for (i = 0; i < inst->conf.nservers; i++) {
		c = &inst->conns[i];
		meepo_buf_reset(&c->out);
		c->sent = 0;
		c->in_len = 0;
		c->nkeys = 0;
		c->answered = 0;
		c->refused = false;
		c->busy = false;
		c->error[0] = '\0';
		c->state = CONN_IDLE;
	}
	for (i = 0; i < inst->keys.count; i++) {
		part = mc_keys_hash_part(&inst->keys, &inst->conf.fmt, i, &len);
		c = &inst->conns[mc_ring_pick(inst->ring, part, len)];
		mc_proto_delete(&c->out, inst->conf.binary, mc_keys_get(&inst->keys, i),
		                inst->keys.keys[i].len, (uint32_t)i);
		conn_add_key(c, (uint32_t)i);
		c->state = CONN_ACTIVE;
	}
	for (i = 0; i < inst->conf.nservers; i++) {
		c = &inst->conns[i];
		if (c->state != CONN_ACTIVE) {
			continue;
		}
		mc_proto_end(&c->out, inst->conf.binary);
		if (c->fd >= 0 && conn_stale(c)) {
			close(c->fd);
			c->fd = -1;
		}
		if (c->fd < 0) {
			(void)conn_open(inst, c);
		}
	}
}

/* Sends the batch's deletes; returns the outcome with the reason in report. */
static enum meepo_result send_keys(struct mc_instance *inst, struct meepo_report *report)
{
	const struct mc_conn *retry = NULL;
	const struct mc_conn *reject = NULL;
	size_t nretry = 0;
	size_t i;

	prepare_pipelines(inst);
	run_pipelines(inst);
	for (i = 0; i < inst->conf.nservers; i++) {
		struct mc_conn *c = &inst->conns[i];

		if (c->state == CONN_IDLE) {
			continue;
		}
		if (c->refused) {
			reject = reject != NULL ? reject : c;
		} else if (c->state == CONN_FAILED || c->busy) {
			retry = retry != NULL ? retry : c;
			nretry++;
			if (c->busy && !c->down) {
				meepo_sink_log(MEEPO_LOG_WARN, "memcached", inst->name, "%s: %s", c->name,
				               c->error);
				c->down = true;
			}
		} else if (c->down) {
			meepo_sink_log(MEEPO_LOG_INFO, "memcached", inst->name,
			               "%s: deletes go through again", c->name);
			c->down = false;
		}
	}
	if (retry != NULL) {
		snprintf(report->reason, sizeof(report->reason), "memcached %s: %s (%zu of %zu servers)",
		         retry->name, retry->error, nretry, inst->conf.nservers);
		return MEEPO_RETRY;
	}
	if (reject != NULL) {
		snprintf(report->reason, sizeof(report->reason), "memcached %s %s", reject->name,
		         reject->error);
		return MEEPO_REJECT;
	}
	return MEEPO_OK;
}

/* Logs each problem of the batch the first time this instance sees it. */
static void log_problems(struct mc_instance *inst)
{
	const char *p = inst->keys.problems.data;
	size_t i;
	size_t j;

	for (i = 0; i < inst->keys.nproblems; i++, p += strlen(p) + 1) {
		for (j = 0; j < inst->nreported; j++) {
			if (strcmp(inst->reported[j], p) == 0) {
				break;
			}
		}
		if (j < inst->nreported) {
			continue;
		}
		meepo_sink_log(MEEPO_LOG_ERROR, "memcached", inst->name, "%s", p);
		if (inst->nreported == inst->reported_cap) {
			inst->reported_cap = inst->reported_cap > 0 ? inst->reported_cap * 2 : 8;
			inst->reported = realloc(inst->reported,
			                         inst->reported_cap * sizeof(*inst->reported));
		}
		if (inst->reported == NULL || (inst->reported[inst->nreported] = strdup(p)) == NULL) {
			fprintf(stderr, "meepo: memcached sink: out of memory\n");
			abort();
		}
		inst->nreported++;
	}
}

static enum meepo_result mc_deliver(void *instance, const struct meepo_batch *batch,
                                    struct meepo_report *report)
{
	struct mc_instance *inst = instance;
	enum meepo_result result = MEEPO_OK;

	mc_keys_build(&inst->conf.fmt, batch, &inst->keys);
	log_problems(inst);
	if (inst->keys.count > 0) {
		result = send_keys(inst, report);
	}
	if (result == MEEPO_OK && inst->keys.bad_events > 0) {
		snprintf(report->reason, sizeof(report->reason),
		         "%zu event(s) without a computable key (their other keys were deleted): %s",
		         inst->keys.bad_events, inst->keys.problems.data);
		result = MEEPO_REJECT;
	}
	return result;
}

static int mc_check(const struct meepo_config *cfg, char *err, size_t errlen)
{
	struct mc_conf conf;

	if (mc_conf_load(&conf, cfg, err, errlen) < 0) {
		return -1;
	}
	mc_conf_free(&conf);
	return 0;
}

static void mc_destroy(void *instance)
{
	struct mc_instance *inst = instance;
	size_t i;

	if (inst == NULL) {
		return;
	}
	for (i = 0; inst->conns != NULL && i < inst->conf.nservers; i++) {
		if (inst->conns[i].fd >= 0) {
			close(inst->conns[i].fd);
		}
		meepo_buf_free(&inst->conns[i].out);
		free(inst->conns[i].in);
		free(inst->conns[i].keys);
	}
	for (i = 0; i < inst->nreported; i++) {
		free(inst->reported[i]);
	}
	free(inst->reported);
	free(inst->conns);
	free(inst->pfds);
	free(inst->pconn);
	mc_keys_free(&inst->keys);
	if (inst->ring != NULL) {
		memcached_free(inst->ring);
	}
	mc_conf_free(&inst->conf);
	free(inst->name);
	free(inst);
}

static int mc_create(const struct meepo_config *cfg, void **instance, char *err, size_t errlen)
{
	struct mc_instance *inst = calloc(1, sizeof(*inst));
	struct mc_conn *c;
	size_t n;
	size_t i;

	if (inst == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (mc_conf_load(&inst->conf, cfg, err, errlen) < 0) {
		goto fail;
	}
	n = inst->conf.nservers;
	inst->name = strdup(meepo_config_instance(cfg));
	inst->conns = calloc(n, sizeof(*inst->conns));
	inst->pfds = calloc(n, sizeof(*inst->pfds));
	inst->pconn = calloc(n, sizeof(*inst->pconn));
	if (inst->name == NULL || inst->conns == NULL || inst->pfds == NULL || inst->pconn == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	for (i = 0; i < n; i++) {
		inst->conns[i].fd = -1;
	}
	inst->ring = mc_ring_create(inst->conf.servers, n, inst->conf.distribution, err, errlen);
	if (inst->ring == NULL) {
		goto fail;
	}
	/* Connect now so that an unreachable server is logged at start; not fatal. */
	for (i = 0; i < n; i++) {
		c = &inst->conns[i];
		c->spec = &inst->conf.servers[i];
		snprintf(c->name, sizeof(c->name), strchr(c->spec->host, ':') != NULL ? "[%s]:%u" : "%s:%u",
		         c->spec->host, c->spec->port);
		(void)conn_open(inst, c);
	}
	*instance = inst;
	return 0;

fail:
	mc_destroy(inst);
	return -1;
}

MEEPO_SINK_EXPORT const struct meepo_sink meepo_sink = {
	MEEPO_SINK_HEADER,
	"memcached",
	"1.0",
	"cache invalidation: deletes keys rendered from templates over each changed row",
	mc_options,
	mc_check,
	mc_create,
	mc_deliver,
	mc_destroy,
};
