/*
 * core/pipeline.h - what a run is built from: the configuration, the
 * plugins, each sink's options and (once created) instance, and the
 * compiled routes. Shared by following the binlog (run.c) and the snapshot
 * (snapshot.c).
 *
 * Concurrency: main thread.
 */
#ifndef MEEPO_PIPELINE_H
#define MEEPO_PIPELINE_H

#include <stddef.h>

#include "config.h"
#include "dispatch.h"
#include "plugin.h"
#include "router.h"
#include "run.h"

/* Everything a run holds, torn down by pipeline_free(). */
struct pipeline {
	struct meepo_conf conf;         /* the configuration */
	struct plugin *plugins;         /* one per sink (several may share a .so) */
	struct meepo_config **options;  /* one per sink */
	struct sink_slot *slots;        /* one per sink; instance NULL until created */
	size_t nsinks;                  /* entries in plugins, options and slots */
	struct router *router;          /* the compiled routes */
};

/*
 * Loads the configuration and every plugin, validates each sink's options
 * (and the plugin's own check()), compiles the routes. Prints the first
 * error. Returns 0 or -1; either way pipeline_free() must follow.
 */
int pipeline_load(struct pipeline *p, const struct run_options *opts);

/* Creates sink i's instance (connects), logging the outcome. Returns 0 or -1. */
int pipeline_create_instance(struct pipeline *p, size_t i);

/* Creates every sink instance. Returns 0 or -1. */
int pipeline_create_instances(struct pipeline *p);

/* Destroys the instances and frees everything. */
void pipeline_free(struct pipeline *p);

#endif /* MEEPO_PIPELINE_H */
