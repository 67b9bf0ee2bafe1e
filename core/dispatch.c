/*
 * core/dispatch.c - sink queues, workers and the checkpoint (dispatch.h).
 *
 * Data structures, all guarded by dispatcher.lock:
 *  - order: every submitted chunk, oldest first, until the checkpoint has
 *    passed it (a ring; the reader blocks when it is full);
 *  - per sink, queue: the chunks that sink has yet to deliver, oldest
 *    first (a ring) and their byte total against the sink's budget.
 * A chunk's payload is freed when its last sink acknowledges it; its record
 * leaves `order` when it reaches the head with nothing pending.
 *
 * Concurrency: one mutex; the reader waits on `space`, each worker on its
 * own `wake`; deliver() and back-off sleeps run without the lock.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "checkpoint.h"
#include "dispatch.h"

#define ORDER_CAP 65536u /* chunks in flight at most, across all sinks */
#define STUCK_GRACE_S 2   /* how long dispatcher_finish waits for a worker in deliver() */

/* A FIFO of chunk pointers. */
struct ring {
	struct chunk **items;   /* cap slots */
	size_t cap;             /* a power of two, or 0 */
	size_t head;            /* index of the oldest */
	size_t count;           /* items held */
};

struct worker {
	struct dispatcher *d;           /* back pointer */
	const struct sink_slot *slot;   /* the sink */
	unsigned index;                 /* bit in chunk->sinks */
	pthread_t thread;               /* runs worker_main */
	pthread_cond_t wake;            /* work queued, or stopping */
	struct ring queue;              /* chunks to deliver */
	uint64_t queue_bytes;           /* their payload bytes */
	struct sink_stats stats;        /* counters */
	const struct meepo_event **batch; /* deliver()'s pointer array */
	size_t batch_cap;               /* slots in batch */
	unsigned seed;                  /* rand_r state for jitter */
	uint64_t progress_ms;           /* last acknowledgement, or when work arrived at an empty queue */
	int deadletter_fd;              /* -1 until the first dead letter */
};

struct dispatcher {
	pthread_mutex_t lock;           /* guards everything below */
	pthread_cond_t space;           /* queue or order space freed */
	pthread_cond_t tick;            /* wakes the checkpoint thread */
	struct ring order;              /* chunks not yet behind the checkpoint */
	struct worker *workers;         /* one per sink */
	size_t nworkers;
	struct position safe;           /* the checkpoint position */
	bool safe_dirty;                /* safe changed since last written */
	bool draining;                  /* no more submissions: deliver what is queued */
	atomic_bool aborting;           /* give up: stop retries, leave the rest */
	bool failed;                    /* a route's on_reject = "stop" fired */
	bool interrupted;               /* dispatcher_interrupt(): submissions give up */
	char failure[1200];             /* why */
	const char *checkpoint_path;    /* NULL = none */
	uint32_t interval_ms;           /* checkpoint period */
	pthread_t checkpointer;         /* writes the checkpoint */
	bool has_checkpointer;          /* checkpointer was started */
};

static void ring_push(struct ring *r, struct chunk *c)
{
	if (r->count == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 64;
		struct chunk **items = malloc(cap * sizeof(*items));
		if (items == NULL) {
			abort();
		}
		for (size_t i = 0; i < r->count; i++) {
			items[i] = r->items[(r->head + i) & (r->cap - 1)];
		}
		free(r->items);
		r->items = items;
		r->cap = cap;
		r->head = 0;
	}
	r->items[(r->head + r->count) & (r->cap - 1)] = c;
	r->count++;
}

static struct chunk *ring_at(const struct ring *r, size_t i)
{
	return r->items[(r->head + i) & (r->cap - 1)];
}

static struct chunk *ring_pop(struct ring *r)
{
	struct chunk *c = r->items[r->head];

	r->head = (r->head + 1) & (r->cap - 1);
	r->count--;
	return c;
}

static void timespec_after_ms(struct timespec *ts, uint64_t ms)
{
	clock_gettime(CLOCK_MONOTONIC, ts);
	ts->tv_sec += (time_t)(ms / 1000);
	ts->tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void cond_init_monotonic(pthread_cond_t *cond)
{
	pthread_condattr_t attr;

	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(cond, &attr);
	pthread_condattr_destroy(&attr);
}

/* Makes every thread give up waiting. Called with the lock held. */
static void abort_all(struct dispatcher *d)
{
	d->aborting = true;
	for (size_t i = 0; i < d->nworkers; i++) {
		pthread_cond_signal(&d->workers[i].wake);
	}
	pthread_cond_broadcast(&d->space);
	pthread_cond_broadcast(&d->tick);
}

/* Moves the checkpoint past every finished chunk at the head of `order`. */
static void advance_order(struct dispatcher *d)
{
	while (d->order.count > 0 && ring_at(&d->order, 0)->pending == 0) {
		struct chunk *c = ring_pop(&d->order);
		if (c->has_safe) {
			d->safe = c->safe;
			d->safe_dirty = true;
		}
		chunk_free(c);
	}
	pthread_cond_broadcast(&d->space);
}

/* Acknowledges the first n chunks of w's queue. Called with the lock held. */
static void acknowledge(struct worker *w, size_t n, size_t nevents)
{
	if (nevents > 0) {
		const struct meepo_event *last = w->batch[nevents - 1];
		snprintf(w->stats.acked.file, sizeof(w->stats.acked.file), "%s", last->file);
		w->stats.acked.offset = last->offset;
		snprintf(w->stats.acked.gtid, sizeof(w->stats.acked.gtid), "%s",
		         last->gtid != NULL ? last->gtid : "");
	}
	w->progress_ms = now_ms();
	for (size_t i = 0; i < n; i++) {
		struct chunk *c = ring_pop(&w->queue);
		w->queue_bytes -= c->bytes;
		if (--c->pending == 0) {
			chunk_release_payload(c);
		}
	}
	w->stats.events += nevents;
	w->stats.queued_events -= nevents;
	w->stats.queued_bytes = w->queue_bytes;
	advance_order(w->d);
}

/*
 * Appends the batch to the sink's dead-letter file, one JSON line per
 * event with the reason, and fsyncs it. Returns 0 or -1.
 */
static int dead_letter(struct worker *w, size_t count, const char *reason)
{
	const struct sink_config *conf = w->slot->conf;
	struct meepo_buf line = { 0 };
	int ret = -1;

	if (w->deadletter_fd < 0) {
		w->deadletter_fd = open(conf->deadletter, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
		if (w->deadletter_fd < 0) {
			meepo_log(MEEPO_LOG_ERROR, "sink", conf->name, "dead-letter file %s: %s",
			          conf->deadletter, strerror(errno));
			return -1;
		}
	}
	for (size_t i = 0; i < count; i++) {
		const struct meepo_value reason_value = {
			.type = MEEPO_VALUE_STRING,
			.str = { .ptr = reason, .len = strlen(reason), .charset = 45 },
		};
		meepo_buf_reset(&line);
		meepo_buf_puts(&line, "{\"sink\":");
		meepo_value_append_json(&line, &(const struct meepo_value){
			.type = MEEPO_VALUE_STRING,
			.str = { .ptr = conf->name, .len = strlen(conf->name), .charset = 45 } });
		meepo_buf_puts(&line, ",\"reason\":");
		meepo_value_append_json(&line, &reason_value);
		meepo_buf_puts(&line, ",\"id\":\"");
		meepo_event_append_id(&line, w->batch[i]);
		meepo_buf_puts(&line, "\",\"event\":");
		meepo_event_append_json(&line, w->batch[i]);
		meepo_buf_puts(&line, "}\n");
		if (write(w->deadletter_fd, line.data, line.len) != (ssize_t)line.len) {
			meepo_log(MEEPO_LOG_ERROR, "sink", conf->name, "dead-letter file %s: %s",
			          conf->deadletter, strerror(errno));
			goto out;
		}
	}
	if (fsync(w->deadletter_fd) != 0) {
		meepo_log(MEEPO_LOG_ERROR, "sink", conf->name, "dead-letter file %s: %s",
		          conf->deadletter, strerror(errno));
		goto out;
	}
	ret = 0;
out:
	meepo_buf_free(&line);
	return ret;
}

/*
 * Collects up to batch_max_events events of this sink from whole chunks at
 * the head of its queue. Returns the number of chunks taken (>= 1) and the
 * events in w->batch / *nevents. Called with the lock held.
 */
static size_t collect(struct worker *w, size_t *nevents)
{
	uint64_t bit = 1ull << w->index;
	size_t limit = w->slot->conf->batch_max_events;
	size_t n = 0;
	size_t taken = 0;

	while (taken < w->queue.count && (taken == 0 || n < limit)) {
		struct chunk *c = ring_at(&w->queue, taken);
		if (taken > 0 && n + c->nevents > limit) {
			break;
		}
		if (n + c->nevents > w->batch_cap) {
			w->batch_cap = (n + c->nevents) * 2;
			w->batch = realloc(w->batch, w->batch_cap * sizeof(*w->batch));
			if (w->batch == NULL) {
				abort();
			}
		}
		for (size_t i = 0; i < c->nevents; i++) {
			if (c->events[i]->sinks & bit) {
				w->batch[n++] = &c->events[i]->ev;
			}
		}
		taken++;
	}
	*nevents = n;
	return taken;
}

/* True if a route of an event in the batch says on_reject = "stop". */
static bool batch_stops_on_reject(const struct worker *w, size_t taken)
{
	uint64_t bit = 1ull << w->index;

	for (size_t i = 0; i < taken; i++) {
		const struct chunk *c = ring_at(&w->queue, i);
		for (size_t j = 0; j < c->nevents; j++) {
			if (c->events[j]->stop_sinks & bit) {
				return true;
			}
		}
	}
	return false;
}

/* Sleeps the back-off for attempt n, unless the dispatcher aborts. */
static void back_off(struct worker *w, uint32_t attempt, uint32_t at_least_ms)
{
	const struct sink_config *conf = w->slot->conf;
	uint64_t cap = conf->retry_initial_ms;
	uint64_t wait_ms;
	struct timespec until;

	for (uint32_t i = 0; i < attempt && cap < conf->retry_max_ms; i++) {
		cap *= 2;
	}
	if (cap > conf->retry_max_ms) {
		cap = conf->retry_max_ms;
	}
	wait_ms = cap ? (uint64_t)rand_r(&w->seed) % (cap + 1) : 0; /* full jitter */
	if (wait_ms < at_least_ms) {
		wait_ms = at_least_ms;
	}
	timespec_after_ms(&until, wait_ms);
	pthread_mutex_lock(&w->d->lock);
	while (!w->d->aborting) {
		if (pthread_cond_timedwait(&w->wake, &w->d->lock, &until) == ETIMEDOUT) {
			break;
		}
	}
	pthread_mutex_unlock(&w->d->lock);
}

/*
 * Delivers one batch until it is acknowledged (OK or dead-lettered).
 * Returns 0, or -1 if the batch was not acknowledged (abort, or stop).
 */
static int deliver_batch(struct worker *w, size_t taken, size_t nevents)
{
	const struct sink_slot *slot = w->slot;
	struct meepo_batch batch = { nevents, w->batch };
	struct meepo_report report;
	uint32_t attempt = 0;

	for (;;) {
		enum meepo_result result;

		memset(&report, 0, sizeof(report));
		result = slot->plugin->deliver(slot->instance, &batch, &report);
		if (result == MEEPO_OK) {
			w->stats.batches++;
			return 0;
		}
		if (result == MEEPO_RETRY) {
			w->stats.retries++;
			attempt++;
			if (slot->conf->retry_limit == 0 || attempt <= slot->conf->retry_limit) {
				meepo_log(MEEPO_LOG_WARN, "sink", slot->conf->name,
				          "delivery failed (attempt %u), retrying: %s", attempt,
				          report.reason[0] ? report.reason : "no reason given");
				back_off(w, attempt - 1, report.retry_after_ms);
				if (w->d->aborting) {
					return -1;
				}
				continue;
			}
			char reason[sizeof(report.reason)];
			memcpy(reason, report.reason, sizeof(reason));
			snprintf(report.reason, sizeof(report.reason), "gave up after %u retries: %.980s",
			         slot->conf->retry_limit, reason);
		}
		/* REJECT, or RETRY past retry_limit. */
		pthread_mutex_lock(&w->d->lock);
		bool stop = batch_stops_on_reject(w, taken);
		if (stop && !w->d->failed) {
			w->d->failed = true;
			snprintf(w->d->failure, sizeof(w->d->failure), "sink %.100s rejected a batch: %s",
			         slot->conf->name, report.reason);
			abort_all(w->d);
		}
		pthread_mutex_unlock(&w->d->lock);
		if (stop) {
			meepo_log(MEEPO_LOG_ERROR, "sink", slot->conf->name,
			          "batch rejected and its route says on_reject = \"stop\": %s", report.reason);
			return -1;
		}
		meepo_log(MEEPO_LOG_ERROR, "sink", slot->conf->name,
		          "batch of %zu events rejected, written to %s: %s", nevents,
		          slot->conf->deadletter, report.reason);
		if (dead_letter(w, nevents, report.reason) != 0) {
			/* Not recorded anywhere: keep it and try the whole thing again. */
			back_off(w, attempt++, 0);
			if (w->d->aborting) {
				return -1;
			}
			continue;
		}
		w->stats.rejects++;
		return 0;
	}
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct dispatcher *d = w->d;

	pthread_mutex_lock(&d->lock);
	for (;;) {
		size_t nevents;
		size_t taken;

		while (w->queue.count == 0 && !d->draining && !d->aborting) {
			pthread_cond_wait(&w->wake, &d->lock);
		}
		if (d->aborting || w->queue.count == 0) {
			break;
		}
		taken = collect(w, &nevents);
		pthread_mutex_unlock(&d->lock);
		int ret = nevents > 0 ? deliver_batch(w, taken, nevents) : 0;
		pthread_mutex_lock(&d->lock);
		if (ret != 0) {
			break;
		}
		acknowledge(w, taken, nevents);
	}
	pthread_cond_broadcast(&d->space);
	pthread_mutex_unlock(&d->lock);
	return NULL;
}

/* Writes the checkpoint if it moved. Called without the lock. */
static void write_checkpoint(struct dispatcher *d)
{
	struct position pos;
	char err[512];

	pthread_mutex_lock(&d->lock);
	if (!d->safe_dirty || d->checkpoint_path == NULL) {
		pthread_mutex_unlock(&d->lock);
		return;
	}
	pos = d->safe;
	d->safe_dirty = false;
	pthread_mutex_unlock(&d->lock);
	if (checkpoint_write(d->checkpoint_path, &pos, err, sizeof(err)) != 0) {
		meepo_log(MEEPO_LOG_ERROR, "checkpoint", NULL, "%s", err);
		pthread_mutex_lock(&d->lock);
		d->safe_dirty = true;
		pthread_mutex_unlock(&d->lock);
		return;
	}
	meepo_log(MEEPO_LOG_DEBUG, "checkpoint", NULL, "at %s:%llu", pos.file,
	          (unsigned long long)pos.offset);
}

static void *checkpointer_main(void *arg)
{
	struct dispatcher *d = arg;
	bool done = false;

	while (!done) {
		struct timespec until;
		timespec_after_ms(&until, d->interval_ms);
		pthread_mutex_lock(&d->lock);
		while (!d->draining && !d->aborting) {
			if (pthread_cond_timedwait(&d->tick, &d->lock, &until) == ETIMEDOUT) {
				break;
			}
		}
		done = d->draining || d->aborting;
		pthread_mutex_unlock(&d->lock);
		if (!done) {
			write_checkpoint(d);
		}
	}
	return NULL;
}

struct dispatcher *dispatcher_new(const struct sink_slot *sinks, size_t nsinks,
                                  const char *checkpoint_path, uint32_t interval_ms,
                                  const struct position *start)
{
	struct dispatcher *d = calloc(1, sizeof(*d));

	if (d == NULL || (d->workers = calloc(nsinks, sizeof(*d->workers))) == NULL) {
		abort();
	}
	pthread_mutex_init(&d->lock, NULL);
	cond_init_monotonic(&d->space);
	cond_init_monotonic(&d->tick);
	d->nworkers = nsinks;
	d->safe = *start;
	d->checkpoint_path = checkpoint_path;
	d->interval_ms = interval_ms ? interval_ms : 1000;
	for (size_t i = 0; i < nsinks; i++) {
		struct worker *w = &d->workers[i];
		w->d = d;
		w->slot = &sinks[i];
		w->index = (unsigned)i;
		w->seed = (unsigned)time(NULL) ^ (unsigned)(i * 2654435761u);
		w->deadletter_fd = -1;
		cond_init_monotonic(&w->wake);
		if (pthread_create(&w->thread, NULL, worker_main, w) != 0) {
			abort();
		}
	}
	if (checkpoint_path != NULL) {
		if (pthread_create(&d->checkpointer, NULL, checkpointer_main, d) != 0) {
			abort();
		}
		d->has_checkpointer = true;
	}
	return d;
}

/* True if every sink of the chunk has room for it, or an empty queue. */
static bool has_room(const struct dispatcher *d, const struct chunk *c)
{
	if (d->order.count >= ORDER_CAP) {
		return false;
	}
	for (size_t i = 0; i < d->nworkers; i++) {
		const struct worker *w = &d->workers[i];
		if ((c->sinks & (1ull << i)) && w->queue.count > 0 &&
		    w->queue_bytes + c->bytes > w->slot->conf->queue_max_bytes) {
			return false;
		}
	}
	return true;
}

int dispatcher_submit(struct dispatcher *d, struct chunk *c)
{
	int ret = 0;

	pthread_mutex_lock(&d->lock);
	while (!d->aborting && !d->interrupted && !has_room(d, c)) {
		pthread_cond_wait(&d->space, &d->lock);
	}
	if (d->aborting || d->interrupted) {
		chunk_free(c);
		ret = -1;
		goto out;
	}
	c->pending = 0;
	for (size_t i = 0; i < d->nworkers; i++) {
		if (c->sinks & (1ull << i)) {
			struct worker *w = &d->workers[i];
			size_t n = 0;
			for (size_t j = 0; j < c->nevents; j++) {
				n += (c->events[j]->sinks >> i) & 1u;
			}
			if (w->queue.count == 0) {
				w->progress_ms = now_ms();
			}
			ring_push(&w->queue, c);
			w->queue_bytes += c->bytes;
			w->stats.queued_events += n;
			w->stats.queued_bytes = w->queue_bytes;
			c->pending++;
			pthread_cond_signal(&w->wake);
		}
	}
	ring_push(&d->order, c);
	if (c->pending == 0) {
		chunk_release_payload(c);
		advance_order(d);
	}
out:
	pthread_mutex_unlock(&d->lock);
	return ret;
}

void dispatcher_interrupt(struct dispatcher *d)
{
	pthread_mutex_lock(&d->lock);
	d->interrupted = true;
	pthread_cond_broadcast(&d->space);
	pthread_mutex_unlock(&d->lock);
}

void dispatcher_advance(struct dispatcher *d, const struct position *safe)
{
	pthread_mutex_lock(&d->lock);
	if (d->order.count == 0) {
		d->safe = *safe;
		d->safe_dirty = true;
	} else {
		struct chunk *tail = ring_at(&d->order, d->order.count - 1);
		tail->safe = *safe;
		tail->has_safe = true;
	}
	pthread_mutex_unlock(&d->lock);
}

static bool queues_empty(const struct dispatcher *d)
{
	for (size_t i = 0; i < d->nworkers; i++) {
		if (d->workers[i].queue.count > 0) {
			return false;
		}
	}
	return true;
}

int dispatcher_finish(struct dispatcher *d, uint32_t timeout_ms)
{
	struct timespec until;
	int ret = 0;

	timespec_after_ms(&until, timeout_ms);
	pthread_mutex_lock(&d->lock);
	d->draining = true;
	for (size_t i = 0; i < d->nworkers; i++) {
		pthread_cond_signal(&d->workers[i].wake);
	}
	pthread_cond_broadcast(&d->tick);
	while (!d->aborting && !queues_empty(d)) {
		if (pthread_cond_timedwait(&d->space, &d->lock, &until) == ETIMEDOUT) {
			meepo_log(MEEPO_LOG_WARN, "dispatch", NULL,
			          "shutdown timeout: undelivered events will be read again at restart");
			ret = -1;
			break;
		}
	}
	abort_all(d);
	if (d->failed) {
		ret = -1;
	}
	pthread_mutex_unlock(&d->lock);
	write_checkpoint(d); /* now, in case a worker never comes back */
	for (size_t i = 0; i < d->nworkers; i++) {
		struct timespec deadline;
		clock_gettime(CLOCK_REALTIME, &deadline);
		deadline.tv_sec += STUCK_GRACE_S;
		if (pthread_timedjoin_np(d->workers[i].thread, NULL, &deadline) != 0) {
			meepo_log(MEEPO_LOG_ERROR, "sink", d->workers[i].slot->conf->name,
			          "still inside deliver() %d s after the shutdown timeout: giving up on it",
			          STUCK_GRACE_S);
			return DISPATCH_STUCK;
		}
	}
	if (d->has_checkpointer) {
		pthread_join(d->checkpointer, NULL);
		d->has_checkpointer = false;
	}
	write_checkpoint(d);
	return ret;
}

bool dispatcher_failed(struct dispatcher *d, char *msg, size_t msglen)
{
	bool failed;

	pthread_mutex_lock(&d->lock);
	failed = d->failed;
	if (failed) {
		snprintf(msg, msglen, "%s", d->failure);
	}
	pthread_mutex_unlock(&d->lock);
	return failed;
}

void dispatcher_checkpoint(struct dispatcher *d, struct position *out)
{
	pthread_mutex_lock(&d->lock);
	*out = d->safe;
	pthread_mutex_unlock(&d->lock);
}

void dispatcher_stats(struct dispatcher *d, size_t i, struct sink_stats *out)
{
	pthread_mutex_lock(&d->lock);
	*out = d->workers[i].stats;
	out->stalled_ms = d->workers[i].queue.count > 0 ? now_ms() - d->workers[i].progress_ms : 0;
	pthread_mutex_unlock(&d->lock);
}

void dispatcher_free(struct dispatcher *d)
{
	if (d == NULL) {
		return;
	}
	for (size_t i = 0; i < d->nworkers; i++) {
		struct worker *w = &d->workers[i];
		pthread_cond_destroy(&w->wake);
		free(w->queue.items);
		free(w->batch);
		if (w->deadletter_fd >= 0) {
			close(w->deadletter_fd);
		}
	}
	while (d->order.count > 0) {
		chunk_free(ring_pop(&d->order));
	}
	free(d->order.items);
	free(d->workers);
	pthread_cond_destroy(&d->space);
	pthread_cond_destroy(&d->tick);
	pthread_mutex_destroy(&d->lock);
	free(d);
}
