/*
 * core/config_loader.h - what the files of the configuration loader share
 * (config.c, config_util.c, config_source.c, config_lint.c): the state of
 * one conf_load() call and the typed getters that check a setting and
 * write "file:line: message" on error.
 *
 * Concurrency: main thread only, within one conf_load() call.
 */
#ifndef MEEPO_CONFIG_LOADER_H
#define MEEPO_CONFIG_LOADER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libconfig.h>

#include "config.h"


/* Largest configuration file read. */
#define MAX_CONF_FILE_BYTES (1u << 20)

/* A route whose `sink` is resolved once every file is read. */
struct pending_route {
	const config_setting_t *sink;   /* the route's `sink` setting */
	size_t index;                   /* the route's index in its file's list */
};

/* State of one conf_load() call. */
struct loader {
	struct meepo_conf *conf;            /* being built */
	const char *path;                   /* the path given to conf_load() */
	char *err;                          /* the caller's message buffer */
	size_t errlen;                      /* its size */
	const config_setting_t *seen[6];    /* first occurrence of each once-only section */
	struct pending_route *pending;      /* one per conf->routes entry */
	size_t sinks_cap;                   /* allocated conf->sinks entries */
	size_t routes_cap;                  /* allocated conf->routes entries */
	size_t pending_cap;                 /* allocated pending entries */
};

/* Writes "file:line: message" about setting `at` into the error buffer; returns -1. */
int conf_fail(struct loader *ld, const config_setting_t *at, const char *fmt, ...)
	MEEPO_PRINTF(3, 4);

/* Replaces *dst with a copy of value. Returns 0, or -1 (out of memory). */
int conf_set_string(struct loader *ld, char **dst, const char *value);

/* Sets *dst to "file:line" of setting s. Returns 0, or -1 (out of memory). */
int conf_set_where(struct loader *ld, char **dst, const config_setting_t *s);

/* True if every character of s (non-empty) is alphanumeric or in `extra`. */
bool conf_name_ok(const char *s, bool upper, const char *extra);

/* Returns the index of s in the NULL-terminated list, or -1. */
int conf_list_index(const char *const *list, const char *s);

/*
 * Checks that every member of group is in `allowed` (NULL-terminated).
 * `label` names the group in messages ("source", "routes[0]").
 */
int conf_check_keys(struct loader *ld, const config_setting_t *group, const char *label,
                      const char *const *allowed);

/* Requires setting s to be a group. */
int conf_want_group(struct loader *ld, const config_setting_t *s, const char *label);

/* Returns member `key` of group; if it is missing, writes an error and returns NULL. */
const config_setting_t *conf_require(struct loader *ld, const config_setting_t *group,
                                       const char *label, const char *key);

/* Requires s to be a non-empty string; `what` names it ("source.host"). */
int conf_want_string(struct loader *ld, const config_setting_t *s, const char *what,
                       const char **value);

/* Copies string member `key` into *dst if present (*dst keeps its value otherwise). */
int conf_get_string(struct loader *ld, const config_setting_t *group, const char *label,
                      const char *key, bool required, char **dst);

/* Stores integer member `key`, checked against min..max, in *dst if present. */
int conf_get_int(struct loader *ld, const config_setting_t *group, const char *label,
                   const char *key, int64_t min, int64_t max, int64_t *dst);

/* conf_get_int() into a uint32_t. */
int conf_get_u32(struct loader *ld, const config_setting_t *group, const char *label,
                   const char *key, int64_t min, int64_t max, uint32_t *dst);

/*
 * Stores in *dst the index in `names` (NULL-terminated) of string member
 * `key`, if present. `expected` lists the names for the message.
 */
int conf_get_choice(struct loader *ld, const config_setting_t *group, const char *label,
                      const char *key, const char *const *names, const char *expected,
                      int *dst);

/* Parses decimal digits at *p into *out (<= max); advances *p. False if none or too big. */
bool conf_parse_uint(const char **p, uint64_t max, uint64_t *out);

int conf_parse_source(struct loader *ld, const config_setting_t *s);

/*
 * Checks the text of a file that libconfig accepted: no @include, no
 * integer literal that libconfig 1.5 would truncate. A small scanner that
 * skips comments (#, //, slash-star) and strings.
 */
int conf_lint_file(struct loader *ld, const char *file, const char *text, size_t len);

#endif /* MEEPO_CONFIG_LOADER_H */
