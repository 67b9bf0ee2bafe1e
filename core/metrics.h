/*
 * core/metrics.h - the Prometheus text endpoint (GET /metrics) and the
 * health check (GET /health), served by libmicrohttpd on its own thread.
 *
 * Concurrency: the endpoint's thread only reads: reader_stats(),
 * dispatcher_stats() and the source's atomic state are safe from any
 * thread. metrics_render() and metrics_health() are pure functions of a
 * snapshot, so they are unit-testable without a server.
 */
#ifndef MEEPO_METRICS_H
#define MEEPO_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include <meepo/sdk.h>

#include "config.h"
#include "dispatch.h"
#include "reader.h"
#include "source.h"

/* What the endpoint reports on; all pointers outlive the endpoint. */
struct metrics_view {
	const struct meepo_conf *conf;  /* sink names, stuck_ms */
	struct dispatcher *dispatcher;  /* per-sink counters, checkpoint */
	struct reader *reader;          /* source counters */
	struct source *source;          /* connection state */
};

/* One consistent-enough reading of everything the endpoint reports. */
struct metrics_snapshot {
	struct reader_stats reader;     /* events, bytes, rows, last timestamp */
	bool connected;                 /* source connection up */
	bool caught_up;                 /* server's last word was a heartbeat */
	uint64_t reconnects;            /* source reconnections */
	struct position checkpoint;     /* the checkpoint position */
	size_t nsinks;                  /* entries in sinks and names */
	const struct sink_config *sinks; /* names, from the configuration */
	struct sink_stats *stats;       /* per sink (caller-provided array) */
	uint32_t stuck_ms;              /* health threshold */
	int64_t now;                    /* wall clock, seconds */
};

/* Reads a snapshot; `stats` must have room for conf->nsinks entries. */
void metrics_snapshot(const struct metrics_view *view, struct sink_stats *stats,
                      struct metrics_snapshot *out);

/* Appends the Prometheus text exposition of a snapshot. */
void metrics_render(const struct metrics_snapshot *snap, struct meepo_buf *out);

/* Returns 0 if healthy, else -1 with a one-line reason. */
int metrics_health(const struct metrics_snapshot *snap, char *reason, size_t reasonlen);

/* Replication lag in seconds: 0 when caught up, else now - last event time. */
int64_t metrics_lag(const struct metrics_snapshot *snap);

struct metrics;

/*
 * Starts serving on "host:port". Returns the endpoint, or NULL with a
 * message (bad address, port in use).
 */
struct metrics *metrics_start(const char *listen, const struct metrics_view *view, char *err,
                              size_t errlen);

/* Stops serving and frees the endpoint; NULL is allowed. */
void metrics_stop(struct metrics *metrics);

#endif /* MEEPO_METRICS_H */
