/*
 * core/router.h - which sinks a table's events go to.
 *
 * Routes are compiled once from the configuration. router_resolve() is
 * called when a table's TABLE_MAP is first seen (the reader caches the
 * answer per table id), never per row.
 *
 * Concurrency: immutable after router_new(); any thread may resolve.
 */
#ifndef MEEPO_ROUTER_H
#define MEEPO_ROUTER_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"

/* Most sink instances one meepo runs (sinks are a bit mask). */
#define MAX_SINKS 64

/* Per action, the set of sink indices (bit i = conf->sinks[i]) to deliver to. */
struct route_set {
	uint64_t sinks[3];      /* indexed by enum meepo_action */
	uint64_t stop_on_reject; /* sinks whose route says on_reject = "stop" */
};

struct router;

/*
 * Compiles the routes of `conf`. Returns NULL with a message for a bad
 * pattern ("file:line: ...").
 */
struct router *router_new(const struct meepo_conf *conf, char *err, size_t errlen);

void router_free(struct router *router);

/*
 * Splits a "schema.table" glob at its one '.' that is neither escaped with
 * a backslash nor inside a [...] bracket expression, into two globs for
 * fnmatch(3) (newly allocated, owned by the caller). Also rejects an empty
 * part, an unclosed '[' and a trailing lone backslash. Returns 0, or -1 with
 * a message (without file:line) in err. Used by conf_load() to report bad
 * patterns at their line.
 */
int route_pattern_split(const char *pattern, char **schema, char **table, char *err,
                        size_t errlen);

/* Fills *out for table `schema`.`table`. */
void router_resolve(const struct router *router, const char *schema, const char *table,
                    struct route_set *out);

#endif /* MEEPO_ROUTER_H */
