/*
 * plugins/memcached/memcached_conf.h - the memcached sink's options, parsed
 * and checked, and the server ring that picks the server of every key the
 * way a libmemcached client with the same server list picks it.
 *
 * Concurrency: a struct mc_conf is immutable once loaded. A ring
 * (memcached_st) is only read by mc_ring_pick(), but libmemcached gives no
 * thread-safety promise for it: each instance keeps its own and uses it
 * from its worker thread only.
 */
#ifndef MEEPO_MEMCACHED_CONF_H
#define MEEPO_MEMCACHED_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libmemcached/memcached.h>

#include <meepo/sink.h>

#include "memcached_format.h"

/* How keys are spread over the servers (option `distribution`). */
enum mc_distribution {
	MC_DIST_KETAMA = 0,     /* MEMCACHED_BEHAVIOR_KETAMA_WEIGHTED: libketama, MD5 */
	MC_DIST_CONSISTENT = 1, /* MEMCACHED_BEHAVIOR_KETAMA: continuum, default key hash */
	MC_DIST_MODULA = 2,     /* libmemcached's default: one-at-a-time hash modulo count */
};

/* The option table of the plugin (name, type, default, help). */
extern const struct meepo_option mc_options[];

/* One entry of the `servers` option. */
struct mc_server_spec {
	char *host;         /* host name or address as written (IPv6 without brackets) */
	unsigned port;      /* TCP port, 11211 if not written */
	unsigned weight;    /* ketama weight, 1 if not written */
};

/* A sink instance's options, checked. */
struct mc_conf {
	size_t nservers;                    /* entries in servers, at least 1 */
	struct mc_server_spec *servers;     /* in configuration order */
	enum mc_distribution distribution;  /* option `distribution` */
	bool binary;                        /* option `binary_protocol` */
	int timeout_ms;                     /* option `timeout_ms` */
	struct mc_format fmt;               /* options `keys` and `prefix` */
};

/*
 * Parses "host", "host:port", "host:port:weight" or "[v6addr]:port[:weight]"
 * into *spec (host allocated). Returns 0, or -1 with a message in err.
 */
int mc_server_parse(const char *text, struct mc_server_spec *spec, char *err, size_t errlen);

/*
 * Parses a `distribution` value ("ketama", "consistent" or "modula").
 * Returns 0, or -1 with a message in err.
 */
int mc_distribution_parse(const char *text, enum mc_distribution *dist, char *err,
                          size_t errlen);

/*
 * Loads and checks every option of `cfg` without connecting. Returns 0, or
 * -1 with "file:line: message" in err (conf is then empty).
 */
int mc_conf_load(struct mc_conf *conf, const struct meepo_config *cfg, char *err, size_t errlen);

/* Frees what mc_conf_load() allocated; a zeroed conf is allowed. */
void mc_conf_free(struct mc_conf *conf);

/*
 * Creates the libmemcached handle that only picks servers: the servers in
 * order, with their weights, and the distribution's behaviours. It never
 * connects. Returns NULL with a message in err on failure.
 */
memcached_st *mc_ring_create(const struct mc_server_spec *servers, size_t nservers,
                             enum mc_distribution dist, char *err, size_t errlen);

/*
 * Returns the index (into the server list) of the server that holds
 * key[0..len), the key without the prefix (libmemcached hashes a namespaced
 * key without its namespace).
 */
uint32_t mc_ring_pick(const memcached_st *ring, const char *key, size_t len);

#endif /* MEEPO_MEMCACHED_CONF_H */
