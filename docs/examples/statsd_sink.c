/*
 * statsd_sink.c - an example meepo sink, built out of tree against the
 * installed SDK (see docs/writing-a-sink.md):
 *
 *     cc -shared -fPIC $(pkg-config --cflags meepo-sink) statsd_sink.c \
 *        -o meepo-sink-statsd.so
 *
 * For every batch it counts events per table and action and sends one
 * statsd counter per pair over UDP, e.g. "meepo.shop.user.update:3|c", as
 * the original Meepo's statsd subscriber did.
 *
 * Concurrency: an instance is used by its worker thread only (meepo's
 * threading contract), so it needs no locks.
 */
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <meepo/sink.h>

struct statsd {
	int fd;                     /* a connected UDP socket */
	const char *prefix;         /* metric name prefix (owned by the config) */
	struct meepo_buf packet;    /* one batch's datagram, reused */
};

static const struct meepo_option statsd_options[] = {
	{ "host", MEEPO_OPT_STRING, "127.0.0.1", "statsd host", 0 },
	{ "port", MEEPO_OPT_INT, "8125", "statsd UDP port", 0 },
	{ "prefix", MEEPO_OPT_STRING, "meepo", "metric name prefix", 0 },
	{ NULL, 0, NULL, NULL, 0 },
};

static int statsd_check(const struct meepo_config *cfg, char *err, size_t errlen)
{
	int64_t port = meepo_config_int(cfg, "port");

	if (port < 1 || port > 65535) {
		snprintf(err, errlen, "%s: port %lld is not 1..65535", meepo_config_where(cfg, "port"),
		         (long long)port);
		return -1;
	}
	return 0;
}

static int statsd_create(const struct meepo_config *cfg, void **instance, char *err,
                         size_t errlen)
{
	struct addrinfo hints = { .ai_socktype = SOCK_DGRAM };
	struct addrinfo *ai = NULL;
	struct statsd *s = calloc(1, sizeof(*s));
	char port[16];
	int rc;

	if (s == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	snprintf(port, sizeof(port), "%lld", (long long)meepo_config_int(cfg, "port"));
	rc = getaddrinfo(meepo_config_string(cfg, "host"), port, &hints, &ai);
	if (rc != 0) {
		snprintf(err, errlen, "%s: %s", meepo_config_string(cfg, "host"), gai_strerror(rc));
		free(s);
		return -1;
	}
	s->fd = socket(ai->ai_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s->fd < 0 || connect(s->fd, ai->ai_addr, ai->ai_addrlen) != 0) {
		snprintf(err, errlen, "statsd socket: %s", strerror(errno));
		if (s->fd >= 0) {
			close(s->fd);
		}
		freeaddrinfo(ai);
		free(s);
		return -1;
	}
	freeaddrinfo(ai);
	s->prefix = meepo_config_string(cfg, "prefix");
	*instance = s;
	return 0;
}

/* Appends "<prefix>.<schema>.<table>.<action>:<n>|c\n". */
static void append_counter(struct statsd *s, const struct meepo_event *e, size_t n)
{
	meepo_buf_printf(&s->packet, "%s.%s.%s.%s:%zu|c\n", s->prefix, e->table->schema,
	                 e->table->name, meepo_action_name(e->action), n);
}

static enum meepo_result statsd_deliver(void *instance, const struct meepo_batch *batch,
                                        struct meepo_report *report)
{
	struct statsd *s = instance;
	size_t run = 0;

	meepo_buf_reset(&s->packet);
	/*
	 * Events come in binlog order: count runs of the same table and action
	 * (statsd adds up counters, so a run split in two is still right).
	 */
	for (size_t i = 0; i < batch->count; i++) {
		const struct meepo_event *e = batch->events[i];
		const struct meepo_event *next = i + 1 < batch->count ? batch->events[i + 1] : NULL;
		run++;
		if (next == NULL || next->table != e->table || next->action != e->action) {
			append_counter(s, e, run);
			run = 0;
		}
	}
	if (s->packet.len > 0 && send(s->fd, s->packet.data, s->packet.len, 0) < 0) {
		snprintf(report->reason, sizeof(report->reason), "send: %s", strerror(errno));
		return MEEPO_RETRY;
	}
	return MEEPO_OK;
}

static void statsd_destroy(void *instance)
{
	struct statsd *s = instance;

	close(s->fd);
	meepo_buf_free(&s->packet);
	free(s);
}

MEEPO_SINK_EXPORT const struct meepo_sink meepo_sink = {
	MEEPO_SINK_HEADER,
	"statsd",
	"1.0.0",
	"count events per table and action as statsd counters",
	statsd_options,
	statsd_check,
	statsd_create,
	statsd_deliver,
	statsd_destroy,
};
