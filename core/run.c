/*
 * core/run.c - wiring: configuration, plugins, sink instances, router,
 * source, reader and dispatcher, and their orderly teardown.
 *
 * Reading runs in generations: SIGHUP ends one at a transaction boundary,
 * drains the queues, loads the configuration again (keeping the running
 * one if the new one is invalid) and resumes at the next transaction, so
 * no position is lost. SIGINT/SIGTERM end the last generation the same way.
 *
 * Concurrency: main thread; the monitor thread (monitor.h) turns signals
 * into requests that this thread polls.
 */
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
#include "monitor.h"
#include "notify.h"
#include "options.h"
#include "pipeline.h"
#include "plugin.h"
#include "reader.h"
#include "router.h"
#include "run.h"
#include "schema.h"
#include "sdk/log_setup.h"
#include "source.h"

#define RECONNECT_MAX_MS 30000u

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

/* How one generation of reading ended. */
enum follow_result {
	FOLLOW_END,         /* the source has nothing more (--exit-at-end, files) */
	FOLLOW_STOPPED,     /* SIGINT/SIGTERM */
	FOLLOW_RELOAD,      /* SIGHUP */
	FOLLOW_FAILED,      /* a fatal error, logged */
};

/* Sleeps ms milliseconds, or less if a stop or reload is requested. */
static void sleep_ms(struct monitor *mon, uint32_t ms)
{
	for (uint32_t slept = 0; slept < ms; slept += 50) {
		struct timespec ts = { 0, 50 * 1000000L };
		if (monitor_stop_requested(mon)) {
			return;
		}
		nanosleep(&ts, NULL);
	}
}

/*
 * Reconnects after a lost connection, with capped exponential back-off,
 * until it works or a stop is requested. Returns 0 or -1 (stopping).
 */
static int reconnect(struct monitor *mon, struct source *src, struct reader *reader)
{
	struct position resume;
	uint32_t wait_ms = 100;
	char err[1024];

	reader_rewind(reader, &resume);
	for (;;) {
		sleep_ms(mon, wait_ms);
		if (monitor_stop_requested(mon)) {
			return -1;
		}
		if (src->reopen(src, position_known(&resume) ? &resume : NULL, err, sizeof(err)) == 0) {
			atomic_fetch_add(&src->state.reconnects, 1);
			return 0;
		}
		wait_ms = wait_ms * 2 > RECONNECT_MAX_MS ? RECONNECT_MAX_MS : wait_ms * 2;
		meepo_log(MEEPO_LOG_WARN, "source", NULL, "reconnect failed, retrying in %u ms: %s",
		          wait_ms, err);
	}
}

/* Reads until the end, a stop, a reload or a fatal error. */
static enum follow_result follow(struct monitor *mon, struct source *src, struct reader *reader)
{
	struct source_event ev;
	char err[2048];

	for (;;) {
		if (monitor_stop_requested(mon)) {
			return FOLLOW_STOPPED;
		}
		if (src->reopen != NULL && monitor_take_reload(mon)) {
			return FOLLOW_RELOAD;
		}
		switch (src->next(src, &ev, err, sizeof(err))) {
		case SOURCE_EVENT:
			if (reader_feed(reader, &ev, err, sizeof(err)) != 0) {
				if (monitor_stop_requested(mon)) {
					return FOLLOW_STOPPED; /* interrupted while waiting for queue space */
				}
				if (src->reopen != NULL && monitor_take_reload(mon)) {
					return FOLLOW_RELOAD;
				}
				meepo_log(MEEPO_LOG_ERROR, "reader", NULL, "%s", err);
				return FOLLOW_FAILED;
			}
			break;
		case SOURCE_END:
			return FOLLOW_END;
		case SOURCE_LOST:
			if (monitor_stop_requested(mon)) {
				return FOLLOW_STOPPED;
			}
			if (src->reopen == NULL) {
				meepo_log(MEEPO_LOG_ERROR, "source", NULL, "%s", err);
				return FOLLOW_FAILED;
			}
			if (monitor_take_reload(mon)) {
				return FOLLOW_RELOAD; /* the monitor interrupted the read */
			}
			meepo_log(MEEPO_LOG_WARN, "source", NULL, "connection lost, reconnecting: %s", err);
			if (reconnect(mon, src, reader) != 0) {
				return FOLLOW_STOPPED;
			}
			break;
		case SOURCE_ERROR:
			meepo_log(MEEPO_LOG_ERROR, "source", NULL, "%s", err);
			return FOLLOW_FAILED;
		}
	}
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

/* Opens the source: the files, or the server at the checkpoint or `from`. */
static struct source *open_source(const struct run_options *opts, const struct meepo_conf *conf,
                                  const struct position *from)
{
	struct position checkpoint;
	bool found = false;
	struct source *src;
	char err[2048];

	if (opts->nbinlogs > 0) {
		src = source_file_open(opts->binlogs, opts->nbinlogs, err, sizeof(err));
	} else {
		if (from == NULL && resume_position(conf, &checkpoint, &found) != 0) {
			return NULL;
		}
		src = source_server_open(&conf->source, from != NULL ? from : found ? &checkpoint : NULL,
		                         opts->exit_at_end, err, sizeof(err));
	}
	if (src == NULL) {
		meepo_log(MEEPO_LOG_ERROR, "source", NULL, "%s", err);
	}
	return src;
}

/*
 * After SIGHUP: loads the configuration again and starts its sinks. On
 * success the new pipeline replaces *p (whose sinks are destroyed);
 * otherwise the running one is kept. Either way reading goes on.
 */
static void reload(struct pipeline *p, const struct run_options *opts)
{
	struct pipeline next;

	if (pipeline_load(&next, opts) != 0 || pipeline_create_instances(&next) != 0) {
		meepo_log(MEEPO_LOG_ERROR, "meepo", NULL,
		          "reload failed (see above): keeping the running configuration");
		pipeline_free(&next);
		return;
	}
	pipeline_free(p);
	*p = next;
	meepo_log(MEEPO_LOG_INFO, "meepo", NULL, "configuration reloaded: %zu sinks, %zu routes",
	          p->nsinks, p->conf.nroutes);
}

/*
 * Runs one generation: a dispatcher and a reader over `src` for the
 * current pipeline, until the source ends, a stop, a reload or an error.
 * Drains the queues before returning. *resume gets the position after the
 * last complete transaction read. Returns how it ended.
 */
static enum follow_result run_generation(struct pipeline *p, const struct run_options *opts,
                                         struct monitor *mon, struct source *src,
                                         struct position *resume)
{
	const struct position *start = position_known(resume) ? resume : &src->start;
	struct schema *schema = p->conf.source.present ? schema_new(&p->conf.source) : NULL;
	struct dispatcher *dispatcher;
	struct reader *reader;
	struct metrics *metrics = NULL;
	enum follow_result result = FOLLOW_FAILED;
	char err[2048];
	int rc;

	dispatcher = dispatcher_new(p->slots, p->nsinks,
	                            opts->nbinlogs > 0 ? NULL : p->conf.checkpoint.path,
	                            p->conf.checkpoint.interval_ms, start);
	reader = reader_new(p->router, dispatcher, schema, chunk_limit(&p->conf), start);
	monitor_watch(mon, src, reader, dispatcher);
	if (p->conf.metrics.listen != NULL) {
		struct metrics_view view = { &p->conf, dispatcher, reader, src };
		metrics = metrics_start(p->conf.metrics.listen, &view, err, sizeof(err));
		if (metrics == NULL) {
			meepo_log(MEEPO_LOG_ERROR, "metrics", NULL, "%s", err);
		}
	}
	if (p->conf.metrics.listen == NULL || metrics != NULL) {
		notify_systemd("READY=1");
		result = follow(mon, src, reader);
	}
	if (result == FOLLOW_STOPPED || result == FOLLOW_RELOAD) {
		meepo_log(MEEPO_LOG_INFO, "meepo", NULL, "draining the sink queues");
	}
	reader_rewind(reader, resume);
	rc = dispatcher_finish(dispatcher, p->conf.shutdown_timeout_ms);
	if (rc == DISPATCH_STUCK) {
		/* A plugin thread still runs in its code: nothing may be freed. */
		meepo_log(MEEPO_LOG_ERROR, "meepo", NULL, "exiting with a sink stuck in deliver()");
		_exit(1); /* no stdio flush: the stuck sink may own a blocked stream */
	}
	if (rc != 0) {
		char why[1300];
		if (dispatcher_failed(dispatcher, why, sizeof(why))) {
			meepo_log(MEEPO_LOG_ERROR, "meepo", NULL, "stopped: %s", why);
		}
		result = FOLLOW_FAILED;
	}
	monitor_watch(mon, NULL, NULL, NULL);
	metrics_stop(metrics);
	reader_free(reader);
	dispatcher_free(dispatcher);
	schema_free(schema);
	return result;
}

int run_follow(const struct run_options *opts)
{
	struct pipeline p;
	struct monitor *mon = NULL;
	struct source *src = NULL;
	struct position resume = { 0 };
	enum follow_result result = FOLLOW_FAILED;

	if (pipeline_load(&p, opts) != 0) {
		goto out;
	}
	log_setup(opts->verbosity < 0 ? MEEPO_LOG_WARN
	          : opts->verbosity > 0 ? MEEPO_LOG_DEBUG : p.conf.log.level,
	          p.conf.log.syslog, p.conf.log.json);
	mon = monitor_start();
	if (pipeline_create_instances(&p) != 0 || (src = open_source(opts, &p.conf, NULL)) == NULL) {
		goto out;
	}
	for (;;) {
		result = run_generation(&p, opts, mon, src, &resume);
		if (result != FOLLOW_RELOAD) {
			break;
		}
		reload(&p, opts);
		src->close(src);
		src = open_source(opts, &p.conf, position_known(&resume) ? &resume : NULL);
		if (src == NULL) {
			result = FOLLOW_FAILED;
			break;
		}
	}
	notify_systemd("STOPPING=1");
out:
	monitor_stop(mon);
	if (src != NULL) {
		src->close(src);
	}
	pipeline_free(&p);
	return result == FOLLOW_FAILED ? 1 : 0;
}
