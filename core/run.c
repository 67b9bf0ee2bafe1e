/*
 * core/run.c - wiring: configuration, plugins, sink instances, router,
 * source, reader and dispatcher, and their orderly teardown.
 *
 * Concurrency: main thread. Signals only set a flag: SIGINT/SIGTERM stop
 * reading, after which the queues drain, the checkpoint is written and
 * meepo exits 0.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "checkpoint.h"
#include "config.h"
#include "dispatch.h"
#include "metrics.h"
#include "notify.h"
#include "options.h"
#include "plugin.h"
#include "progress.h"
#include "reader.h"
#include "router.h"
#include "run.h"
#include "schema.h"
#include "sdk/log_setup.h"
#include "source.h"

#define RECONNECT_MAX_MS 30000u

/* Everything a run holds, torn down by pipeline_free(). */
struct pipeline {
	struct meepo_conf conf;         /* the configuration */
	struct plugin *plugins;         /* one per sink (several may share a .so) */
	struct meepo_config **options;  /* one per sink */
	struct sink_slot *slots;        /* one per sink; instance NULL until created */
	size_t nsinks;
	struct router *router;
};

/* Set once SIGINT or SIGTERM arrived; read by the main thread. */
static atomic_bool stop_requested;

/*
 * The monitor thread: turns SIGINT/SIGTERM into a stop (SIGUSR1 ends it),
 * and between signals prints the progress line on a terminal while meepo
 * is far behind.
 */
struct signal_thread {
	pthread_t thread;       /* runs signal_main */
	sigset_t set;           /* the signals it waits for */
	struct source *_Atomic source; /* interrupted on a stop, once set */
	struct reader *_Atomic reader; /* sampled for progress, once set */
	bool progress;          /* stderr is a terminal */
};

#define PROGRESS_EVERY_S 5

static void progress_tick(struct signal_thread *st, struct progress_sample *prev)
{
	struct reader *reader = atomic_load(&st->reader);
	struct source *src = atomic_load(&st->source);
	struct progress_sample cur;
	struct reader_stats rs;
	struct timespec now;
	char line[512];

	if (reader == NULL || src == NULL) {
		return;
	}
	reader_stats(reader, &rs);
	clock_gettime(CLOCK_MONOTONIC, &now);
	cur.time = (double)now.tv_sec + (double)now.tv_nsec / 1e9;
	cur.rows = rs.rows;
	cur.position = rs.position;
	cur.lag = atomic_load(&src->state.caught_up) || rs.last_timestamp == 0
	          ? 0 : (int64_t)time(NULL) - (int64_t)rs.last_timestamp;
	if (prev->time > 0 && cur.lag >= PROGRESS_MIN_LAG) {
		progress_format(prev, &cur, line, sizeof(line));
		meepo_log(MEEPO_LOG_INFO, "progress", NULL, "%s", line);
	}
	*prev = cur;
}

static void *signal_main(void *arg)
{
	struct signal_thread *st = arg;
	struct timespec every = { PROGRESS_EVERY_S, 0 };
	struct progress_sample prev = { 0 };
	int sig;

	for (;;) {
		sig = sigtimedwait(&st->set, NULL, &every);
		if (sig < 0) {
			if (st->progress) {
				progress_tick(st, &prev);
			}
			continue;
		}
		if (sig == SIGUSR1) {
			break;
		}
		if (!atomic_exchange(&stop_requested, true)) {
			meepo_log(MEEPO_LOG_INFO, "meepo", NULL, "%s received: stopping",
			          sig == SIGINT ? "SIGINT" : "SIGTERM");
		}
		struct source *src = atomic_load(&st->source);
		if (src != NULL && src->interrupt != NULL) {
			src->interrupt(src);
		}
	}
	return NULL;
}

/*
 * Blocks SIGINT, SIGTERM and SIGUSR1 in this thread (and so in every
 * thread it starts later) and starts the thread that waits for them.
 */
static void signals_start(struct signal_thread *st)
{
	sigemptyset(&st->set);
	sigaddset(&st->set, SIGINT);
	sigaddset(&st->set, SIGTERM);
	sigaddset(&st->set, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &st->set, NULL);
	signal(SIGPIPE, SIG_IGN);
	atomic_init(&st->source, NULL);
	atomic_init(&st->reader, NULL);
	st->progress = isatty(STDERR_FILENO);
	if (pthread_create(&st->thread, NULL, signal_main, st) != 0) {
		abort();
	}
}

static void signals_stop(struct signal_thread *st)
{
	pthread_kill(st->thread, SIGUSR1);
	pthread_join(st->thread, NULL);
}

static void pipeline_free(struct pipeline *p)
{
	for (size_t i = 0; i < p->nsinks; i++) {
		if (p->slots != NULL && p->slots[i].instance != NULL) {
			p->slots[i].plugin->destroy(p->slots[i].instance);
		}
		if (p->options != NULL) {
			sink_options_free(p->options[i]);
		}
		if (p->plugins != NULL) {
			plugin_unload(&p->plugins[i]);
		}
	}
	free(p->slots);
	free(p->options);
	free(p->plugins);
	router_free(p->router);
	conf_free(&p->conf);
	memset(p, 0, sizeof(*p));
}

/*
 * Loads the configuration and every plugin, validates each sink's options
 * (and the plugin's own check()), compiles the routes. Prints the first
 * error. Returns 0 or -1.
 */
static int pipeline_load(struct pipeline *p, const struct run_options *opts)
{
	char err[2048];
	const char *dir;

	memset(p, 0, sizeof(*p));
	if (conf_load(opts->config_path, &p->conf, err, sizeof(err)) != 0) {
		fprintf(stderr, "meepo: %s\n", err);
		return -1;
	}
	if (opts->nbinlogs == 0 && !p->conf.source.present) {
		fprintf(stderr, "meepo: %s: no source section: configure a server, or read files "
		        "with --binlog\n", opts->config_path);
		return -1;
	}
	if (p->conf.nsinks > 64) {
		fprintf(stderr, "meepo: %s: %zu sinks configured; at most 64 are supported\n",
		        p->conf.sinks[64].where, p->conf.nsinks);
		return -1;
	}
	p->nsinks = p->conf.nsinks;
	p->plugins = calloc(p->nsinks, sizeof(*p->plugins));
	p->options = calloc(p->nsinks, sizeof(*p->options));
	p->slots = calloc(p->nsinks, sizeof(*p->slots));
	if (p->plugins == NULL || p->options == NULL || p->slots == NULL) {
		abort();
	}
	dir = plugin_dir_resolve(opts->plugin_dir, p->conf.plugin_dir);
	for (size_t i = 0; i < p->nsinks; i++) {
		const struct sink_config *sc = &p->conf.sinks[i];
		if (plugin_load(dir, sc->plugin, &p->plugins[i], err, sizeof(err)) != 0) {
			fprintf(stderr, "meepo: %s: sink '%s': %s\n", sc->where, sc->name, err);
			return -1;
		}
		p->options[i] = sink_options_build(p->plugins[i].sink->options, sc->name, sc->where,
		                                   sc->setting, err, sizeof(err));
		if (p->options[i] == NULL) {
			fprintf(stderr, "meepo: %s\n", err);
			return -1;
		}
		if (p->plugins[i].sink->check != NULL &&
		    p->plugins[i].sink->check(p->options[i], err, sizeof(err)) != 0) {
			fprintf(stderr, "meepo: %s: sink '%s' (plugin %s): %s\n", sc->where, sc->name,
			        sc->plugin, err);
			return -1;
		}
		p->slots[i].conf = sc;
		p->slots[i].plugin = p->plugins[i].sink;
	}
	p->router = router_new(&p->conf, err, sizeof(err));
	if (p->router == NULL) {
		fprintf(stderr, "meepo: %s\n", err);
		return -1;
	}
	return 0;
}

int run_check(const struct run_options *opts)
{
	struct pipeline p;
	int ret = 1;

	if (pipeline_load(&p, opts) != 0) {
		goto out;
	}
	printf("configuration %s is valid\n", opts->config_path);
	if (p.conf.source.present) {
		printf("source: %s:%d as %s\n", p.conf.source.host, p.conf.source.port,
		       p.conf.source.user);
	}
	for (size_t i = 0; i < p.nsinks; i++) {
		printf("sink %s: plugin %s %s (%s)\n", p.conf.sinks[i].name, p.plugins[i].sink->name,
		       p.plugins[i].sink->version, p.plugins[i].path);
	}
	for (size_t i = 0; i < p.conf.nroutes; i++) {
		const struct route_config *r = &p.conf.routes[i];
		printf("route %s:", r->where);
		for (size_t j = 0; j < r->nmatch; j++) {
			printf(" %s", r->match[j]);
		}
		printf(" -> %s\n", p.conf.sinks[r->sink].name);
	}
	ret = 0;
out:
	pipeline_free(&p);
	return ret;
}

int run_help_sink(const struct run_options *opts, const char *name)
{
	struct plugin plugin;
	char err[1024];

	if (plugin_load(plugin_dir_resolve(opts->plugin_dir, NULL), name, &plugin, err,
	                sizeof(err)) != 0) {
		fprintf(stderr, "meepo: %s\n", err);
		return 1;
	}
	sink_options_print_help(stdout, plugin.sink);
	plugin_unload(&plugin);
	return 0;
}

/* Creates every sink instance (connects). Returns 0 or -1. */
static int create_instances(struct pipeline *p)
{
	char err[2048];

	for (size_t i = 0; i < p->nsinks; i++) {
		const struct sink_config *sc = &p->conf.sinks[i];
		err[0] = '\0';
		if (p->slots[i].plugin->create(p->options[i], &p->slots[i].instance, err,
		                               sizeof(err)) != 0) {
			p->slots[i].instance = NULL;
			meepo_log(MEEPO_LOG_ERROR, "sink", sc->name, "cannot start (plugin %s): %s",
			          sc->plugin, err[0] ? err : "no reason given");
			return -1;
		}
		meepo_log(MEEPO_LOG_INFO, "sink", sc->name, "started: plugin %s %s from %s", sc->plugin,
		          p->slots[i].plugin->version, p->plugins[i].path);
	}
	return 0;
}

/* Smallest queue budget / 4, within [256 KiB, 16 MiB]: the chunk size limit. */
static size_t chunk_limit(const struct meepo_conf *conf)
{
	uint64_t limit = 16u << 20;

	for (size_t i = 0; i < conf->nsinks; i++) {
		if (conf->sinks[i].queue_max_bytes / 4 < limit) {
			limit = conf->sinks[i].queue_max_bytes / 4;
		}
	}
	return limit < (256u << 10) ? (256u << 10) : (size_t)limit;
}

static void sleep_ms(uint32_t ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR && !stop_requested) {
	}
}

/*
 * Reconnects after a lost connection, with capped exponential back-off,
 * until it works or a stop is requested. Returns 0 or -1 (stopping).
 */
static int reconnect(struct source *src, struct reader *reader)
{
	struct position resume;
	uint32_t wait_ms = 100;
	char err[1024];

	reader_rewind(reader, &resume);
	while (!stop_requested) {
		sleep_ms(wait_ms);
		if (stop_requested) {
			break;
		}
		if (src->reopen(src, position_known(&resume) ? &resume : NULL, err, sizeof(err)) == 0) {
			atomic_fetch_add(&src->state.reconnects, 1);
			return 0;
		}
		meepo_log(MEEPO_LOG_WARN, "source", NULL, "reconnect failed, retrying in %u ms: %s",
		          wait_ms * 2 > RECONNECT_MAX_MS ? RECONNECT_MAX_MS : wait_ms * 2, err);
		wait_ms = wait_ms * 2 > RECONNECT_MAX_MS ? RECONNECT_MAX_MS : wait_ms * 2;
	}
	return -1;
}

/* Reads until the end, a stop, or a fatal error. Returns an exit code. */
static int follow(struct source *src, struct reader *reader, bool can_reconnect)
{
	struct source_event ev;
	char err[2048];

	while (!stop_requested) {
		switch (src->next(src, &ev, err, sizeof(err))) {
		case SOURCE_EVENT:
			if (reader_feed(reader, &ev, err, sizeof(err)) != 0) {
				meepo_log(MEEPO_LOG_ERROR, "reader", NULL, "%s", err);
				return 1;
			}
			break;
		case SOURCE_END:
			return 0;
		case SOURCE_LOST:
			if (stop_requested) {
				return 0;
			}
			if (!can_reconnect) {
				meepo_log(MEEPO_LOG_ERROR, "source", NULL, "%s", err);
				return 1;
			}
			meepo_log(MEEPO_LOG_WARN, "source", NULL, "connection lost, reconnecting: %s", err);
			if (reconnect(src, reader) != 0) {
				return 0;
			}
			break;
		case SOURCE_ERROR:
			meepo_log(MEEPO_LOG_ERROR, "source", NULL, "%s", err);
			return 1;
		}
	}
	return 0;
}

/* Where a server source starts: the checkpoint, else source.start (NULL). */
static int resume_position(const struct meepo_conf *conf, struct position *pos, bool *found)
{
	char err[1024];
	int rc;

	*found = false;
	if (conf->checkpoint.path == NULL) {
		return 0;
	}
	rc = checkpoint_read(conf->checkpoint.path, pos, err, sizeof(err));
	if (rc < 0) {
		meepo_log(MEEPO_LOG_ERROR, "checkpoint", NULL, "%s", err);
		return -1;
	}
	*found = rc == 1;
	if (*found) {
		meepo_log(MEEPO_LOG_INFO, "checkpoint", NULL, "resuming from %s:%llu", pos->file,
		          (unsigned long long)pos->offset);
	}
	return 0;
}

int run_follow(const struct run_options *opts)
{
	struct pipeline p;
	struct source *src = NULL;
	struct schema *schema = NULL;
	struct dispatcher *dispatcher = NULL;
	struct reader *reader = NULL;
	struct metrics *metrics = NULL;
	struct position resume = { 0 };
	struct signal_thread signals;
	bool has_signals = false;
	bool has_resume = false;
	char err[2048];
	int ret = 1;

	if (pipeline_load(&p, opts) != 0) {
		goto out;
	}
	log_setup(opts->verbosity < 0 ? MEEPO_LOG_WARN
	          : opts->verbosity > 0 ? MEEPO_LOG_DEBUG : p.conf.log.level,
	          p.conf.log.syslog, p.conf.log.json);
	signals_start(&signals);
	has_signals = true;
	if (create_instances(&p) != 0) {
		goto out;
	}
	if (opts->nbinlogs > 0) {
		src = source_file_open(opts->binlogs, opts->nbinlogs, err, sizeof(err));
	} else {
		if (resume_position(&p.conf, &resume, &has_resume) != 0) {
			goto out;
		}
		src = source_server_open(&p.conf.source, has_resume ? &resume : NULL, opts->exit_at_end,
		                         err, sizeof(err));
	}
	if (src == NULL) {
		meepo_log(MEEPO_LOG_ERROR, "source", NULL, "%s", err);
		goto out;
	}
	atomic_store(&signals.source, src);
	if (p.conf.source.present) {
		schema = schema_new(&p.conf.source);
	}
	dispatcher = dispatcher_new(p.slots, p.nsinks,
	                            opts->nbinlogs > 0 ? NULL : p.conf.checkpoint.path,
	                            p.conf.checkpoint.interval_ms, &src->start);
	reader = reader_new(p.router, dispatcher, schema, chunk_limit(&p.conf), &src->start);
	atomic_store(&signals.reader, reader);
	if (p.conf.metrics.listen != NULL) {
		struct metrics_view view = { &p.conf, dispatcher, reader, src };
		metrics = metrics_start(p.conf.metrics.listen, &view, err, sizeof(err));
		if (metrics == NULL) {
			meepo_log(MEEPO_LOG_ERROR, "metrics", NULL, "%s", err);
			dispatcher_finish(dispatcher, 0);
			goto out;
		}
	}
	notify_systemd("READY=1");
	ret = follow(src, reader, opts->nbinlogs == 0);
	notify_systemd("STOPPING=1");
	if (stop_requested) {
		meepo_log(MEEPO_LOG_INFO, "meepo", NULL, "stopping: draining the sink queues");
	}
	if (dispatcher_finish(dispatcher, p.conf.shutdown_timeout_ms) != 0) {
		char why[1300];
		if (dispatcher_failed(dispatcher, why, sizeof(why))) {
			meepo_log(MEEPO_LOG_ERROR, "meepo", NULL, "stopped: %s", why);
		}
		ret = 1;
	}
out:
	if (has_signals) {
		signals_stop(&signals);
	}
	metrics_stop(metrics);
	reader_free(reader);
	dispatcher_free(dispatcher);
	schema_free(schema);
	if (src != NULL) {
		src->close(src);
	}
	pipeline_free(&p);
	return ret;
}
