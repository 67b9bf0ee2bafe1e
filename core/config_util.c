/*
 * core/config_util.c - the configuration loader's messages and typed
 * getters: each checks one setting (type, range, allowed values) and on
 * error writes "file:line: message" naming the key.
 *
 * Concurrency: main thread only.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config_loader.h"

/* ---- messages and small helpers ----------------------------------------- */

/* Writes "file:line: message" about setting `at` into the error buffer; returns -1. */
int conf_fail(struct loader *ld, const config_setting_t *at, const char *fmt, ...)
{
	va_list ap;
	int n;

	n = snprintf(ld->err, ld->errlen, "%s:%u: ", config_setting_source_file(at),
	             config_setting_source_line(at));
	if (n >= 0 && (size_t)n < ld->errlen) {
		va_start(ap, fmt);
		vsnprintf(ld->err + n, ld->errlen - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return -1;
}

/* Replaces *dst with a copy of value. Returns 0, or -1 (out of memory). */
int conf_set_string(struct loader *ld, char **dst, const char *value)
{
	char *copy = strdup(value);

	if (copy == NULL) {
		snprintf(ld->err, ld->errlen, "out of memory");
		return -1;
	}
	free(*dst);
	*dst = copy;
	return 0;
}

/* Sets *dst to "file:line" of setting s. Returns 0, or -1 (out of memory). */
int conf_set_where(struct loader *ld, char **dst, const config_setting_t *s)
{
	free(*dst);
	if (asprintf(dst, "%s:%u", config_setting_source_file(s), config_setting_source_line(s)) < 0) {
		*dst = NULL;
		snprintf(ld->err, ld->errlen, "out of memory");
		return -1;
	}
	return 0;
}

/* True if every character of s (non-empty) is alphanumeric or in `extra`. */
bool conf_name_ok(const char *s, bool upper, const char *extra)
{
	if (*s == '\0') {
		return false;
	}
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (!(isdigit(c) || islower(c) || (upper && isupper(c)) ||
		      strchr(extra, c) != NULL)) {
			return false;
		}
	}
	return true;
}

/* Returns the index of s in the NULL-terminated list, or -1. */
int conf_list_index(const char *const *list, const char *s)
{
	for (int i = 0; list[i] != NULL; i++) {
		if (strcmp(list[i], s) == 0) {
			return i;
		}
	}
	return -1;
}

/* ---- typed getters ------------------------------------------------------- */

/*
 * Checks that every member of group is in `allowed` (NULL-terminated).
 * `label` names the group in messages ("source", "routes[0]").
 */
int conf_check_keys(struct loader *ld, const config_setting_t *group, const char *label,
                      const char *const *allowed)
{
	for (int i = 0; i < config_setting_length(group); i++) {
		const config_setting_t *m = config_setting_get_elem(group, (unsigned)i);

		if (conf_list_index(allowed, config_setting_name(m)) < 0) {
			return conf_fail(ld, m, "unknown key '%s.%s'", label, config_setting_name(m));
		}
	}
	return 0;
}

/* Requires setting s to be a group. */
int conf_want_group(struct loader *ld, const config_setting_t *s, const char *label)
{
	if (!config_setting_is_group(s)) {
		return conf_fail(ld, s, "%s: expected a group { ... }", label);
	}
	return 0;
}

/* Returns member `key` of group; if it is missing, writes an error and returns NULL. */
const config_setting_t *conf_require(struct loader *ld, const config_setting_t *group,
                                       const char *label, const char *key)
{
	const config_setting_t *m = config_setting_get_member(group, key);

	if (m == NULL) {
		conf_fail(ld, group, "%s: missing key '%s'", label, key);
	}
	return m;
}

/* Requires s to be a non-empty string; `what` names it ("source.host"). */
int conf_want_string(struct loader *ld, const config_setting_t *s, const char *what,
                       const char **value)
{
	if (config_setting_type(s) != CONFIG_TYPE_STRING) {
		return conf_fail(ld, s, "%s: expected a string", what);
	}
	*value = config_setting_get_string(s);
	if (**value == '\0') {
		return conf_fail(ld, s, "%s: must not be empty", what);
	}
	return 0;
}

/* Copies string member `key` into *dst if present (*dst keeps its value otherwise). */
int conf_get_string(struct loader *ld, const config_setting_t *group, const char *label,
                      const char *key, bool required, char **dst)
{
	const config_setting_t *m;
	const char *value;
	char what[128];

	m = required ? conf_require(ld, group, label, key) : config_setting_get_member(group, key);
	if (m == NULL) {
		return required ? -1 : 0;
	}
	snprintf(what, sizeof(what), "%s.%s", label, key);
	if (conf_want_string(ld, m, what, &value) != 0) {
		return -1;
	}
	return conf_set_string(ld, dst, value);
}

/* Stores integer member `key`, checked against min..max, in *dst if present. */
int conf_get_int(struct loader *ld, const config_setting_t *group, const char *label,
                   const char *key, int64_t min, int64_t max, int64_t *dst)
{
	const config_setting_t *m = config_setting_get_member(group, key);
	long long v;

	if (m == NULL) {
		return 0;
	}
	if (config_setting_type(m) != CONFIG_TYPE_INT && config_setting_type(m) != CONFIG_TYPE_INT64) {
		return conf_fail(ld, m, "%s.%s: expected an integer", label, key);
	}
	v = config_setting_get_int64(m);
	if (v < min || v > max) {
		return conf_fail(ld, m, "%s.%s: %lld is out of range (%lld..%lld)", label, key, v,
		            (long long)min, (long long)max);
	}
	*dst = v;
	return 0;
}

/* conf_get_int() into a uint32_t. */
int conf_get_u32(struct loader *ld, const config_setting_t *group, const char *label,
                   const char *key, int64_t min, int64_t max, uint32_t *dst)
{
	int64_t v = *dst;

	if (conf_get_int(ld, group, label, key, min, max, &v) != 0) {
		return -1;
	}
	*dst = (uint32_t)v;
	return 0;
}

/*
 * Stores in *dst the index in `names` (NULL-terminated) of string member
 * `key`, if present. `expected` lists the names for the message.
 */
int conf_get_choice(struct loader *ld, const config_setting_t *group, const char *label,
                      const char *key, const char *const *names, const char *expected,
                      int *dst)
{
	const config_setting_t *m = config_setting_get_member(group, key);
	const char *value;
	char what[128];
	int i;

	if (m == NULL) {
		return 0;
	}
	snprintf(what, sizeof(what), "%s.%s", label, key);
	if (conf_want_string(ld, m, what, &value) != 0) {
		return -1;
	}
	i = conf_list_index(names, value);
	if (i < 0) {
		return conf_fail(ld, m, "%s: \"%s\" is not one of %s", what, value, expected);
	}
	*dst = i;
	return 0;
}
