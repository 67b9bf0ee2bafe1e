/*
 * core/monitor.c - signals and the progress line (see monitor.h).
 *
 * The thread waits for signals with sigtimedwait(); every
 * PROGRESS_EVERY_S seconds without one it samples the reader.
 *
 * Concurrency: see monitor.h.
 */
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "monitor.h"
#include "progress.h"

#define PROGRESS_EVERY_S 5

struct monitor {
	pthread_t thread;               /* runs monitor_main */
	sigset_t set;                   /* the signals it waits for */
	pthread_mutex_t lock;           /* guards the three watched pointers */
	struct source *source;          /* interrupted on a stop or reload */
	struct reader *reader;          /* sampled for progress */
	struct dispatcher *dispatcher;  /* interrupted on a stop or reload */
	atomic_bool stop;               /* SIGINT/SIGTERM arrived */
	atomic_bool reload;             /* SIGHUP arrived, not yet taken */
	bool progress;                  /* stderr is a terminal */
};

/* Called with m->lock held. */
static void progress_tick(struct monitor *m, struct progress_sample *prev)
{
	struct reader *reader = m->reader;
	struct source *src = m->source;
	struct progress_sample cur;
	struct reader_stats rs;
	struct timespec now;
	char line[512];

	if (reader == NULL || src == NULL) {
		*prev = (struct progress_sample){ 0 };
		return;
	}
	reader_stats(reader, &rs);
	clock_gettime(CLOCK_MONOTONIC, &now);
	cur.time = (double)now.tv_sec + (double)now.tv_nsec / 1e9;
	cur.rows = rs.rows;
	cur.position = rs.position;
	cur.lag = atomic_load(&src->state.caught_up) || rs.last_timestamp == 0
	          ? 0 : (int64_t)time(NULL) - (int64_t)rs.last_timestamp;
	if (prev->time > 0 && cur.rows >= prev->rows && cur.lag >= PROGRESS_MIN_LAG) {
		progress_format(prev, &cur, line, sizeof(line));
		meepo_log(MEEPO_LOG_INFO, "progress", NULL, "%s", line);
	}
	*prev = cur;
}

/* Wakes the main thread wherever it blocks: reading, or waiting for queue space. */
static void interrupt_main(struct monitor *m)
{
	pthread_mutex_lock(&m->lock);
	if (m->source != NULL && m->source->interrupt != NULL) {
		m->source->interrupt(m->source);
	}
	if (m->dispatcher != NULL) {
		dispatcher_interrupt(m->dispatcher);
	}
	pthread_mutex_unlock(&m->lock);
}

static void *monitor_main(void *arg)
{
	struct monitor *m = arg;
	struct timespec every = { PROGRESS_EVERY_S, 0 };
	struct progress_sample prev = { 0 };
	int sig;

	for (;;) {
		sig = sigtimedwait(&m->set, NULL, &every);
		if (sig < 0) {
			if (m->progress) {
				pthread_mutex_lock(&m->lock);
				progress_tick(m, &prev);
				pthread_mutex_unlock(&m->lock);
			}
		} else if (sig == SIGUSR1) {
			break;
		} else if (sig == SIGHUP) {
			pthread_mutex_lock(&m->lock);
			bool reloadable = m->source != NULL && m->source->reopen != NULL;
			pthread_mutex_unlock(&m->lock);
			if (!reloadable) {
				meepo_log(MEEPO_LOG_WARN, "meepo", NULL, "SIGHUP ignored: reading files");
				continue;
			}
			meepo_log(MEEPO_LOG_INFO, "meepo", NULL, "SIGHUP received: reloading the configuration");
			atomic_store(&m->reload, true);
			interrupt_main(m);
		} else {
			if (!atomic_exchange(&m->stop, true)) {
				meepo_log(MEEPO_LOG_INFO, "meepo", NULL, "%s received: stopping",
				          sig == SIGINT ? "SIGINT" : "SIGTERM");
			}
			interrupt_main(m);
		}
	}
	return NULL;
}

struct monitor *monitor_start(void)
{
	struct monitor *m = calloc(1, sizeof(*m));

	if (m == NULL) {
		abort();
	}
	sigemptyset(&m->set);
	sigaddset(&m->set, SIGINT);
	sigaddset(&m->set, SIGTERM);
	sigaddset(&m->set, SIGHUP);
	sigaddset(&m->set, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &m->set, NULL);
	signal(SIGPIPE, SIG_IGN);
	pthread_mutex_init(&m->lock, NULL);
	m->progress = isatty(STDERR_FILENO);
	if (pthread_create(&m->thread, NULL, monitor_main, m) != 0) {
		abort();
	}
	return m;
}

void monitor_watch(struct monitor *m, struct source *source, struct reader *reader,
                   struct dispatcher *dispatcher)
{
	pthread_mutex_lock(&m->lock);
	m->source = source;
	m->reader = reader;
	m->dispatcher = dispatcher;
	pthread_mutex_unlock(&m->lock);
}

bool monitor_stop_requested(struct monitor *m)
{
	return atomic_load(&m->stop);
}

bool monitor_take_reload(struct monitor *m)
{
	return atomic_exchange(&m->reload, false);
}

void monitor_stop(struct monitor *m)
{
	if (m != NULL) {
		pthread_kill(m->thread, SIGUSR1);
		pthread_join(m->thread, NULL);
		pthread_mutex_destroy(&m->lock);
		free(m);
	}
}
