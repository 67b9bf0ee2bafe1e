/*
 * core/router.c - route patterns compiled once, resolved per table.
 *
 * A route's "schema.table" patterns are split at their separating '.' into
 * two fnmatch(3) globs, matched separately (and case-sensitively) against
 * the schema and the table name, so that '*' never crosses the '.'.
 * router_resolve() ORs the sink bit of every matching route into the
 * action's set: a table matching several routes fans out to all their
 * sinks. A sink reached by any matching route with on_reject = "stop" is
 * in stop_on_reject.
 *
 * Concurrency: a router is immutable after router_new(); any number of
 * threads may call router_resolve() at once.
 */
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "router.h"

/* One route, compiled. */
struct compiled_route {
	char **schema;          /* npatterns schema globs */
	char **table;           /* npatterns table globs, pairwise with schema */
	size_t npatterns;       /* number of patterns of the route */
	unsigned actions;       /* ACTION_BIT mask */
	uint64_t sink_bit;      /* 1 << index of the route's sink */
	bool stop;              /* on_reject = "stop" */
};

struct router {
	struct compiled_route *routes;  /* nroutes entries, in configuration order */
	size_t nroutes;                 /* number of routes */
};

/*
 * Returns the index just past the bracket expression that starts at
 * pattern[start] ('['), or 0 if it is not closed. As in glibc's fnmatch, a
 * ']' right after "[" or "[!" / "[^" is a member, and a backslash escapes
 * the next character.
 */
static size_t bracket_end(const char *pattern, size_t start)
{
	size_t i = start + 1;

	if (pattern[i] == '!' || pattern[i] == '^') {
		i++;
	}
	if (pattern[i] == ']') {
		i++;
	}
	while (pattern[i] != '\0' && pattern[i] != ']') {
		if (pattern[i] == '\\' && pattern[i + 1] != '\0') {
			i++;
		}
		i++;
	}
	return pattern[i] == ']' ? i + 1 : 0;
}

int route_pattern_split(const char *pattern, char **schema, char **table, char *err,
                        size_t errlen)
{
	size_t dot = 0;
	size_t ndots = 0;
	size_t i = 0;
	size_t end;

	*schema = NULL;
	*table = NULL;
	while (pattern[i] != '\0') {
		if (pattern[i] == '\\') {
			if (pattern[i + 1] == '\0') {
				snprintf(err, errlen, "pattern \"%s\" ends with a lone '\\'", pattern);
				return -1;
			}
			i += 2;
		} else if (pattern[i] == '[') {
			end = bracket_end(pattern, i);
			if (end == 0) {
				snprintf(err, errlen, "pattern \"%s\" has an unclosed '['", pattern);
				return -1;
			}
			i = end;
		} else {
			if (pattern[i] == '.') {
				dot = i;
				ndots++;
			}
			i++;
		}
	}
	if (ndots != 1) {
		snprintf(err, errlen,
		         ndots == 0
		             ? "pattern \"%s\" has no '.' between schema and table (e.g. \"shop.*\")"
		             : "pattern \"%s\" has more than one '.' (write a literal dot as \"\\\\.\")",
		         pattern);
		return -1;
	}
	if (dot == 0 || pattern[dot + 1] == '\0') {
		snprintf(err, errlen, "pattern \"%s\" has an empty %s part", pattern,
		         dot == 0 ? "schema" : "table");
		return -1;
	}
	*schema = strndup(pattern, dot);
	*table = strdup(pattern + dot + 1);
	if (*schema == NULL || *table == NULL) {
		free(*schema);
		free(*table);
		*schema = NULL;
		*table = NULL;
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

/* Frees the globs of one compiled route. */
static void route_clear(struct compiled_route *route)
{
	for (size_t i = 0; i < route->npatterns; i++) {
		free(route->schema[i]);
		free(route->table[i]);
	}
	free(route->schema);
	free(route->table);
}

/* Compiles one configured route into *out. Returns 0 or -1 with err set. */
static int route_compile(const struct route_config *rc, size_t nsinks,
                         struct compiled_route *out, char *err, size_t errlen)
{
	char msg[512];

	if (rc->sink >= nsinks || rc->sink >= MAX_SINKS) {
		snprintf(err, errlen, "%s: route names sink %zu, beyond the %d sinks supported",
		         rc->where, rc->sink, MAX_SINKS);
		return -1;
	}
	out->schema = calloc(rc->nmatch, sizeof(*out->schema));
	out->table = calloc(rc->nmatch, sizeof(*out->table));
	if (rc->nmatch > 0 && (out->schema == NULL || out->table == NULL)) {
		snprintf(err, errlen, "%s: out of memory", rc->where);
		return -1;
	}
	for (size_t i = 0; i < rc->nmatch; i++) {
		if (route_pattern_split(rc->match[i], &out->schema[i], &out->table[i], msg,
		                        sizeof(msg)) != 0) {
			snprintf(err, errlen, "%s: %s", rc->where, msg);
			return -1;
		}
		out->npatterns = i + 1;
	}
	out->actions = rc->actions;
	out->sink_bit = UINT64_C(1) << rc->sink;
	out->stop = rc->on_reject == ON_REJECT_STOP;
	return 0;
}

struct router *router_new(const struct meepo_conf *conf, char *err, size_t errlen)
{
	struct router *router = calloc(1, sizeof(*router));
	struct router *result = NULL;

	if (router == NULL) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	router->routes = calloc(conf->nroutes, sizeof(*router->routes));
	if (conf->nroutes > 0 && router->routes == NULL) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < conf->nroutes; i++) {
		router->nroutes = i + 1;
		if (route_compile(&conf->routes[i], conf->nsinks, &router->routes[i], err,
		                  errlen) != 0) {
			goto out;
		}
	}
	result = router;
	router = NULL;
out:
	router_free(router);
	return result;
}

void router_free(struct router *router)
{
	if (router == NULL) {
		return;
	}
	for (size_t i = 0; i < router->nroutes; i++) {
		route_clear(&router->routes[i]);
	}
	free(router->routes);
	free(router);
}

/* True if any pattern of the route matches schema.table. */
static bool route_matches(const struct compiled_route *route, const char *schema,
                          const char *table)
{
	for (size_t i = 0; i < route->npatterns; i++) {
		if (fnmatch(route->schema[i], schema, 0) == 0 &&
		    fnmatch(route->table[i], table, 0) == 0) {
			return true;
		}
	}
	return false;
}

void router_resolve(const struct router *router, const char *schema, const char *table,
                    struct route_set *out)
{
	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < router->nroutes; i++) {
		const struct compiled_route *route = &router->routes[i];

		if (!route_matches(route, schema, table)) {
			continue;
		}
		for (int a = MEEPO_WRITE; a <= MEEPO_DELETE; a++) {
			if (route->actions & ACTION_BIT(a)) {
				out->sinks[a] |= route->sink_bit;
			}
		}
		if (route->stop) {
			out->stop_on_reject |= route->sink_bit;
		}
	}
}
