/*
 * core/dispatch.h - per-sink queues and worker threads, retries, dead
 * letters, and the checkpoint that follows every sink's acknowledgements.
 *
 * The reader submits chunks in binlog order. Each sink instance has a
 * queue bounded by a byte budget (a full queue blocks the reader: nothing
 * is dropped) and one worker thread that batches whole chunks, calls the
 * plugin's deliver(), backs off with full jitter on RETRY and dead-letters
 * (or stops meepo) on REJECT. The checkpoint is the position after the
 * newest transaction that every sink it was routed to has acknowledged,
 * with every earlier one; a checkpoint thread writes it every interval.
 *
 * Concurrency: dispatcher_submit/advance/finish are called by the reader
 * thread only; all shared state is guarded by one mutex (work is handed
 * over per chunk, not per row, so the lock is cold).
 */
#ifndef MEEPO_DISPATCH_H
#define MEEPO_DISPATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <meepo/sink.h>

#include "chunk.h"
#include "config.h"
#include "position.h"

/* A running sink instance, as the dispatcher drives it. */
struct sink_slot {
	const struct sink_config *conf; /* name, budgets, retry settings */
	const struct meepo_sink *plugin; /* the loaded descriptor */
	void *instance;                 /* from plugin->create() */
};

/* Counters of one sink, for logs and metrics. */
struct sink_stats {
	uint64_t events;        /* events acknowledged (delivered or dead-lettered) */
	uint64_t batches;       /* deliver() calls that returned OK */
	uint64_t retries;       /* deliver() calls that returned RETRY */
	uint64_t rejects;       /* batches dead-lettered */
	uint64_t queued_events; /* events waiting */
	uint64_t queued_bytes;  /* payload bytes waiting */
	uint64_t stalled_ms;    /* with events waiting: time since the last acknowledgement */
	struct position acked;  /* the newest acknowledged event's rows event */
};

struct dispatcher;

/*
 * Creates a dispatcher for nsinks sinks (the slots must outlive it) and
 * starts their workers. checkpoint_path may be NULL (no checkpoint file);
 * start is the position reading begins at (the initial checkpoint).
 */
struct dispatcher *dispatcher_new(const struct sink_slot *sinks, size_t nsinks,
                                  const char *checkpoint_path, uint32_t interval_ms,
                                  const struct position *start);

/*
 * Queues a chunk (ownership passes to the dispatcher) to every sink in
 * chunk->sinks, blocking while a queue is over its budget. Returns 0, or -1
 * (the chunk is freed) if a route's on_reject = "stop" fired or
 * dispatcher_interrupt() was called.
 */
int dispatcher_submit(struct dispatcher *d, struct chunk *chunk);

/*
 * Makes a blocked dispatcher_submit(), and every later one, return -1: for
 * a stop or reload requested while the reader waits for queue space. Safe
 * from any thread.
 */
void dispatcher_interrupt(struct dispatcher *d);

/*
 * Records that the stream is complete up to `safe` with nothing routed
 * since the last submitted chunk (e.g. transactions on unrouted tables).
 */
void dispatcher_advance(struct dispatcher *d, const struct position *safe);

/*
 * Waits until every queue is empty, or until timeout_ms passes (then
 * abandons what is left: it is not acknowledged and will be read again
 * after a restart), stops the workers and writes the final checkpoint.
 * Returns 0, or -1 if a sink stopped meepo or the timeout struck, or
 * DISPATCH_STUCK if a worker is still inside deliver() well after the
 * timeout: the checkpoint is written, but the dispatcher and the sink
 * instances are still in use and must not be freed; the caller exits.
 */
#define DISPATCH_STUCK (-2)

int dispatcher_finish(struct dispatcher *d, uint32_t timeout_ms);

/* True (and the reason in msg) if a route's on_reject = "stop" fired. */
bool dispatcher_failed(struct dispatcher *d, char *msg, size_t msglen);

/* Copies the current checkpoint position. */
void dispatcher_checkpoint(struct dispatcher *d, struct position *out);

/* Copies sink i's counters. */
void dispatcher_stats(struct dispatcher *d, size_t i, struct sink_stats *out);

/* Frees the dispatcher (after dispatcher_finish). */
void dispatcher_free(struct dispatcher *d);

#endif /* MEEPO_DISPATCH_H */
