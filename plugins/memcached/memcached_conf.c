/*
 * plugins/memcached/memcached_conf.c - the memcached sink's option table,
 * option parsing and checks, and the libmemcached ring that picks servers
 * (see memcached_conf.h and docs/sinks/memcached.md).
 *
 * Concurrency: runs on the main thread (check, create); the ring is then
 * used by the instance's worker thread alone.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "memcached_conf.h"

/* Largest server weight accepted (libmemcached takes any uint32). */
#define MAX_WEIGHT 1000000
/* Largest timeout_ms accepted: an hour. */
#define MAX_TIMEOUT_MS 3600000

const struct meepo_option mc_options[] = {
	{ "servers", MEEPO_OPT_LIST, NULL,
	  "memcached servers as \"host:port\" (or \"host:port:weight\"), as the application lists them",
	  MEEPO_OPT_REQUIRED },
	{ "keys", MEEPO_OPT_LIST, NULL,
	  "key templates to delete, e.g. \"user:{id}\", \"{schema}:{table}:{id}\"",
	  MEEPO_OPT_REQUIRED },
	{ "prefix", MEEPO_OPT_STRING, "",
	  "prepended to every key, like libmemcached's namespace (not hashed)", 0 },
	{ "binary_protocol", MEEPO_OPT_BOOL, "true",
	  "binary protocol (quiet deletes); false: text protocol", 0 },
	{ "timeout_ms", MEEPO_OPT_INT, "1000",
	  "connect timeout, and longest wait for a server to take or answer requests", 0 },
	{ "distribution", MEEPO_OPT_STRING, "ketama",
	  "ketama (libketama-compatible, MD5), consistent (MEMCACHED_BEHAVIOR_KETAMA) or modula", 0 },
	{ NULL, 0, NULL, NULL, 0 },
};

/* Parses a decimal number in 1..max from text[0..n). Returns -1 if it is not one. */
static long parse_number(const char *text, size_t n, long max)
{
	long v = 0;
	size_t i;

	if (n == 0 || n > 10) {
		return -1;
	}
	for (i = 0; i < n; i++) {
		if (text[i] < '0' || text[i] > '9') {
			return -1;
		}
		v = v * 10 + (text[i] - '0');
	}
	return v >= 1 && v <= max ? v : -1;
}

int mc_server_parse(const char *text, struct mc_server_spec *spec, char *err, size_t errlen)
{
	const char *host = text;
	const char *rest;
	const char *colon;
	size_t hostlen;
	long port = 11211;
	long weight = 1;
	size_t i;

	memset(spec, 0, sizeof(*spec));
	if (text[0] == '[') {
		rest = strchr(text, ']');
		if (rest == NULL) {
			snprintf(err, errlen, "server \"%s\": missing ']'", text);
			return -1;
		}
		host = text + 1;
		hostlen = (size_t)(rest - host);
		rest++;
	} else {
		colon = strchr(text, ':');
		hostlen = colon != NULL ? (size_t)(colon - text) : strlen(text);
		rest = text + hostlen;
	}
	if (hostlen == 0) {
		snprintf(err, errlen, "server \"%s\": empty host", text);
		return -1;
	}
	for (i = 0; i < hostlen; i++) {
		if ((unsigned char)host[i] <= 0x20 || host[i] == 0x7f) {
			snprintf(err, errlen, "server \"%s\": bad character in host", text);
			return -1;
		}
	}
	if (rest[0] != '\0') {
		if (rest[0] != ':') {
			snprintf(err, errlen, "server \"%s\": expected ':' after the host", text);
			return -1;
		}
		rest++;
		colon = strchr(rest, ':');
		port = parse_number(rest, colon != NULL ? (size_t)(colon - rest) : strlen(rest), 65535);
		if (port < 0) {
			snprintf(err, errlen,
			         "server \"%s\": bad port (expected host:port or host:port:weight; "
			         "write IPv6 addresses as [addr]:port)", text);
			return -1;
		}
		if (colon != NULL) {
			weight = parse_number(colon + 1, strlen(colon + 1), MAX_WEIGHT);
			if (weight < 0) {
				snprintf(err, errlen, "server \"%s\": bad weight (1..%d)", text, MAX_WEIGHT);
				return -1;
			}
		}
	}
	spec->host = strndup(host, hostlen);
	if (spec->host == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	spec->port = (unsigned)port;
	spec->weight = (unsigned)weight;
	return 0;
}

int mc_distribution_parse(const char *text, enum mc_distribution *dist, char *err,
                          size_t errlen)
{
	if (strcmp(text, "ketama") == 0) {
		*dist = MC_DIST_KETAMA;
	} else if (strcmp(text, "consistent") == 0) {
		*dist = MC_DIST_CONSISTENT;
	} else if (strcmp(text, "modula") == 0) {
		*dist = MC_DIST_MODULA;
	} else {
		snprintf(err, errlen,
		         "distribution \"%s\": expected \"ketama\", \"consistent\" or \"modula\"", text);
		return -1;
	}
	return 0;
}

/* Loads the `servers` option into conf->servers. */
static int load_servers(struct mc_conf *conf, const struct meepo_config *cfg, char *err,
                        size_t errlen)
{
	size_t n = meepo_config_list_size(cfg, "servers");
	char msg[512];
	size_t i;

	if (n == 0) {
		snprintf(err, errlen, "%s: servers: at least one server is needed",
		         meepo_config_where(cfg, "servers"));
		return -1;
	}
	conf->servers = calloc(n, sizeof(*conf->servers));
	if (conf->servers == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (i = 0; i < n; i++) {
		if (mc_server_parse(meepo_config_list_item(cfg, "servers", i), &conf->servers[i], msg,
		                    sizeof(msg)) < 0) {
			snprintf(err, errlen, "%s: servers: %s", meepo_config_where(cfg, "servers"), msg);
			return -1;
		}
		conf->nservers++;
	}
	return 0;
}

/* Compiles the `keys` option and the prefix into conf->fmt. */
static int load_format(struct mc_conf *conf, const struct meepo_config *cfg, char *err,
                       size_t errlen)
{
	size_t n = meepo_config_list_size(cfg, "keys");
	const char **templates = NULL;
	const char *bad = "keys";
	char msg[512];
	size_t i;
	int rc = -1;

	if (n == 0) {
		snprintf(err, errlen, "%s: keys: at least one key template is needed",
		         meepo_config_where(cfg, "keys"));
		goto out;
	}
	templates = calloc(n, sizeof(*templates));
	if (templates == NULL) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	for (i = 0; i < n; i++) {
		templates[i] = meepo_config_list_item(cfg, "keys", i);
	}
	if (mc_prefix_check(meepo_config_string(cfg, "prefix"), msg, sizeof(msg)) < 0) {
		bad = "prefix";
	} else if (mc_format_init(&conf->fmt, meepo_config_string(cfg, "prefix"), templates, n, msg,
	                          sizeof(msg)) == 0) {
		rc = 0;
		goto out;
	}
	snprintf(err, errlen, "%s: %s: %s", meepo_config_where(cfg, bad), bad, msg);
out:
	free(templates);
	return rc;
}

int mc_conf_load(struct mc_conf *conf, const struct meepo_config *cfg, char *err, size_t errlen)
{
	int64_t timeout = meepo_config_int(cfg, "timeout_ms");
	char msg[512];

	memset(conf, 0, sizeof(*conf));
	if (load_servers(conf, cfg, err, errlen) < 0 || load_format(conf, cfg, err, errlen) < 0) {
		goto fail;
	}
	if (mc_distribution_parse(meepo_config_string(cfg, "distribution"), &conf->distribution,
	                          msg, sizeof(msg)) < 0) {
		snprintf(err, errlen, "%s: %s", meepo_config_where(cfg, "distribution"), msg);
		goto fail;
	}
	if (timeout < 1 || timeout > MAX_TIMEOUT_MS) {
		snprintf(err, errlen, "%s: timeout_ms: %lld is out of range 1..%d",
		         meepo_config_where(cfg, "timeout_ms"), (long long)timeout, MAX_TIMEOUT_MS);
		goto fail;
	}
	conf->timeout_ms = (int)timeout;
	conf->binary = meepo_config_bool(cfg, "binary_protocol");
	return 0;

fail:
	mc_conf_free(conf);
	return -1;
}

void mc_conf_free(struct mc_conf *conf)
{
	size_t i;

	for (i = 0; i < conf->nservers; i++) {
		free(conf->servers[i].host);
	}
	free(conf->servers);
	mc_format_free(&conf->fmt);
	memset(conf, 0, sizeof(*conf));
}

memcached_st *mc_ring_create(const struct mc_server_spec *servers, size_t nservers,
                             enum mc_distribution dist, char *err, size_t errlen)
{
	memcached_st *ring = memcached_create(NULL);
	memcached_return_t rc = MEMCACHED_SUCCESS;
	size_t i;

	if (ring == NULL) {
		snprintf(err, errlen, "memcached_create failed");
		return NULL;
	}
	switch (dist) {
	case MC_DIST_KETAMA:
		rc = memcached_behavior_set(ring, MEMCACHED_BEHAVIOR_KETAMA_WEIGHTED, 1);
		break;
	case MC_DIST_CONSISTENT:
		rc = memcached_behavior_set(ring, MEMCACHED_BEHAVIOR_KETAMA, 1);
		break;
	case MC_DIST_MODULA:
		break;
	}
	for (i = 0; i < nservers && memcached_success(rc); i++) {
		rc = memcached_server_add_with_weight(ring, servers[i].host, (in_port_t)servers[i].port,
		                                      servers[i].weight);
	}
	if (!memcached_success(rc)) {
		snprintf(err, errlen, "libmemcached: %s", memcached_last_error_message(ring));
		memcached_free(ring);
		return NULL;
	}
	return ring;
}

uint32_t mc_ring_pick(const memcached_st *ring, const char *key, size_t len)
{
	return memcached_generate_hash(ring, key, len);
}
