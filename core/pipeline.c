/*
 * core/pipeline.c - loading a configuration with its plugins, sink options
 * and routes, creating sink instances, and tearing it all down (see
 * pipeline.h).
 *
 * Concurrency: main thread.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "options.h"
#include "pipeline.h"

void pipeline_free(struct pipeline *p)
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

int pipeline_load(struct pipeline *p, const struct run_options *opts)
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
			/* Plugins usually name the option's file:line (meepo_config_where) first. */
			size_t file_len = strcspn(sc->where, ":");
			bool located = strncmp(err, sc->where, file_len) == 0 && err[file_len] == ':';
			if (located) {
				fprintf(stderr, "meepo: %s (sink '%s', plugin %s)\n", err, sc->name, sc->plugin);
			} else {
				fprintf(stderr, "meepo: %s: sink '%s' (plugin %s): %s\n", sc->where, sc->name,
				        sc->plugin, err);
			}
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

int pipeline_create_instance(struct pipeline *p, size_t i)
{
	const struct sink_config *sc = &p->conf.sinks[i];
	char err[2048];

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
	return 0;
}

int pipeline_create_instances(struct pipeline *p)
{
	for (size_t i = 0; i < p->nsinks; i++) {
		if (pipeline_create_instance(p, i) != 0) {
			return -1;
		}
	}
	return 0;
}
