/*
 * tests/unit/docs/loader_model.c - the configuration loader's keys, types
 * and defaults, read from core/config*.c (see loader_model.h). Out of
 * memory aborts: this is test code.
 *
 * Concurrency: none.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loader_model.h"
#include "markdown.h"

/* Aborts when an allocation failed; returns p otherwise. */
static void *need(void *p)
{
	if (p == NULL) {
		fputs("out of memory\n", stderr);
		abort();
	}
	return p;
}

/* Where the keys read by one function of the loader are documented. */
struct section_map {
	const char *function;   /* the parser in the loader (core/config*.c) */
	const char *section;    /* the key path prefix, as in messages ("source.start") */
	const char *heading;    /* the heading of configuration.md above its key table */
};

static const struct section_map section_maps[] = {
	{ "conf_parse_source", "source", "source" },
	{ "parse_password", "source", "source" },
	{ "parse_start", "source.start", "Start positions" },
	{ "parse_checkpoint", "checkpoint", "checkpoint" },
	{ "parse_log", "log", "log" },
	{ "parse_metrics", "metrics", "metrics" },
	{ "parse_sink", "sinks", "sinks" },
	{ "parse_sink_names", "sinks", "sinks" },
	{ "parse_route", "routes", "routes" },
};

static const struct section_map *map_function(const char *name)
{
	for (size_t i = 0; i < sizeof(section_maps) / sizeof(section_maps[0]); i++) {
		if (strcmp(section_maps[i].function, name) == 0) {
			return &section_maps[i];
		}
	}
	return NULL;
}

static const struct section_map *map_section(const char *section)
{
	for (size_t i = 0; i < sizeof(section_maps) / sizeof(section_maps[0]); i++) {
		if (strcmp(section_maps[i].section, section) == 0) {
			return &section_maps[i];
		}
	}
	return NULL;
}

/* Adds the keys of one array to the model. */
static void add_keys(struct core_model *m, const struct section_map *map, char **names, long n)
{
	for (long i = 0; i < n; i++) {
		struct core_key *k;

		m->keys = need(realloc(m->keys, (m->nkeys + 1) * sizeof(*m->keys)));
		k = &m->keys[m->nkeys++];
		memset(k, 0, sizeof(*k));
		k->heading = map->heading;
		k->section = map->section;
		k->name = names[i];
	}
	free(names);
}

static struct core_key *find_key(struct core_model *m, const char *section, const char *name)
{
	for (size_t i = 0; i < m->nkeys; i++) {
		if (strcmp(m->keys[i].section, section) == 0 && strcmp(m->keys[i].name, name) == 0) {
			return &m->keys[i];
		}
	}
	return NULL;
}

/* Returns a copy of a string literal's content ("\"x\"" -> "x"), or NULL if arg is not one. */
static char *literal(const char *arg)
{
	size_t n = strlen(arg);

	return n >= 2 && arg[0] == '"' && arg[n - 1] == '"' ? need(strndup(arg + 1, n - 2)) : NULL;
}

/*
 * The loader's getters (core/config_loader.h) whose calls the test reads:
 * (ld, group, label, "key", ...), the rest as in get_* below.
 */
static const char *const getters[] = {
	"conf_get_string", "conf_get_int", "conf_get_u32", "conf_get_choice", "conf_require",
};

/* Stores v as the key's default, in decimal. */
static void set_default(struct core_key *k, long long v)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%lld", v);
	free(k->def);
	k->def = need(strdup(buf));
}

/*
 * The default of an integer key is what its getter's destination holds
 * before the call: "DEST = EXPR;" in the same function ("sk->retry_max_ms =
 * 30000;", "int64_t queue = SINK_DEFAULT_QUEUE_MAX_BYTES;"), when EXPR is
 * a constant. Otherwise (e.g. "int64_t port = src->port;") conf_load's
 * assignment counts (scan_defaults()).
 */
static void destination_default(struct core_model *m, const struct c_function *fn,
                                const char *dest, struct core_key *k)
{
	const char *end = fn->body + fn->len;
	const char *p = fn->body;
	char pattern[128];
	long long v;

	dest += *dest == '&';
	snprintf(pattern, sizeof(pattern), "%s = ", dest);
	while ((p = memmem(p, (size_t)(end - p), pattern, strlen(pattern))) != NULL) {
		const char *expr = p + strlen(pattern);
		const char *semi = memchr(expr, ';', (size_t)(end - expr));
		bool whole = p > fn->body && (p[-1] == ' ' || p[-1] == '\t');
		char *text;

		p = expr;
		if (!whole || semi == NULL) {
			continue;
		}
		text = need(strndup(expr, (size_t)(semi - expr)));
		if (c_eval(text, &m->macros, &v) == 0) {
			set_default(k, v);
		}
		free(text);
	}
}

/* Records one getter call's facts on its key. */
static void apply_getter(struct core_model *m, const struct source_file *file,
                         const struct c_function *fn, const char *getter, char **args,
                         size_t nargs, struct report *r)
{
	const struct section_map *map = map_function(fn->name);
	char *name = nargs > 3 ? literal(args[3]) : NULL;
	struct core_key *k;

	if (name == NULL) {
		return; /* a helper passing its parameters on */
	}
	k = map != NULL ? find_key(m, map->section, name) : NULL;
	if (map == NULL) {
		report(r, "%s:%u: %s() reads key '%s' but the docs test does not know where %s() "
		       "is documented: add it to section_maps in tests/unit/docs/loader_model.c",
		       file->path, fn->line, fn->name, name, fn->name);
	} else if (k == NULL) {
		report(r, "%s:%u: %s() reads key '%s.%s', which is not in its key array", file->path,
		       fn->line, fn->name, map->section, name);
	} else if (strcmp(getter, "conf_require") == 0) {
		k->required = true;
	} else {
		m->typed += k->getter == NULL;
		k->getter = getter;
		if (strcmp(getter, "conf_get_string") == 0) {
			k->required = k->required || (nargs > 4 && strcmp(args[4], "true") == 0);
		} else if (strcmp(getter, "conf_get_choice") == 0 && nargs > 4) {
			long n = c_string_array(fn->body, fn->len, args[4], &k->choices);

			k->nchoices = n > 0 ? (size_t)n : 0;
		} else if (nargs > 6) {
			if (c_eval(args[4], &m->macros, &k->lo) != 0 ||
			    c_eval(args[5], &m->macros, &k->hi) != 0) {
				report(r, "%s:%u: %s(): the docs test cannot evaluate the range %s..%s "
				       "of '%s'", file->path, fn->line, fn->name, args[4], args[5], name);
			}
			destination_default(m, fn, args[6], k);
		}
	}
	free(name);
}

/* Finds every getter call of function fn. */
static void scan_getters(struct core_model *m, const struct source_file *file,
                         const struct c_function *fn, struct report *r)
{
	for (size_t g = 0; g < sizeof(getters) / sizeof(getters[0]); g++) {
		char pattern[64];
		const char *p = fn->body;
		const char *end = fn->body + fn->len;

		snprintf(pattern, sizeof(pattern), "%s(ld,", getters[g]);
		while ((p = memmem(p, (size_t)(end - p), pattern, strlen(pattern))) != NULL) {
			char **args;
			size_t nargs;

			if (p == fn->body || (p[-1] != '_' && !('a' <= p[-1] && p[-1] <= 'z'))) {
				nargs = c_call_args(p + strlen(getters[g]), &args);
				apply_getter(m, file, fn, getters[g], args, nargs, r);
				c_strings_free(args, nargs);
			}
			p += strlen(pattern);
		}
	}
}

/*
 * Records the defaults conf_load() assigns, "out->SECTION.KEY = EXPR;" with
 * a constant EXPR, for keys whose getter left none (destination_default()).
 * Other assignments (internal fields, enum values) are not keys.
 */
static void scan_defaults(struct core_model *m, const struct c_function *fn)
{
	const char *p = fn->body;
	const char *end = fn->body + fn->len;

	if (strcmp(fn->name, "conf_load") != 0) {
		return;
	}
	while ((p = memmem(p, (size_t)(end - p), "\tout->", 6)) != NULL) {
		char lhs[128], rhs[128];
		char *dot;
		struct core_key *k;
		long long v;

		p += 6;
		if (sscanf(p, "%127[a-z_.] = %127[^;\n];", lhs, rhs) != 2) {
			continue;
		}
		dot = strchr(lhs, '.');
		if (dot == NULL) {
			continue; /* a top-level scalar: documented in prose */
		}
		*dot = '\0';
		k = find_key(m, lhs, dot + 1);
		if (k != NULL && k->def == NULL && c_eval(rhs, &m->macros, &v) == 0) {
			set_default(k, v);
		}
	}
}

/* Finds the file-scope array `name` in the loader's files; reports its absence. */
static size_t model_array(const struct core_model *m, const char *name, char ***out,
                          struct report *r)
{
	for (size_t f = 0; f < m->nfiles; f++) {
		long n = c_string_array(m->files[f].text, strlen(m->files[f].text), name, out);

		if (n > 0) {
			return (size_t)n;
		}
		c_strings_free(*out, n > 0 ? (size_t)n : 0);
	}
	report(r, "no %s[] array in the loader's sources (core/config*.c)", name);
	*out = NULL;
	return 0;
}

/* Reads the keys of one file's functions into the model. */
static void model_keys(struct core_model *m, const struct source_file *file, struct report *r)
{
	for (size_t i = 0; i < file->nfns; i++) {
		const struct c_function *fn = &file->fns[i];
		const struct section_map *map = map_function(fn->name);
		char **names;
		long n = c_string_array(fn->body, fn->len, "keys", &names);

		if (n >= 0 && map == NULL) {
			report(r, "%s:%u: %s() has a keys[] array, but the docs test does not know "
			       "where it is documented: add it to section_maps in "
			       "tests/unit/docs/loader_model.c", file->path, fn->line, fn->name);
			c_strings_free(names, (size_t)n);
		} else if (n >= 0) {
			add_keys(m, map, names, n);
		}
	}
}

void model_load(struct core_model *m, char *const *paths, struct report *r)
{
	char **names;
	size_t n;

	memset(m, 0, sizeof(*m));
	for (; *paths != NULL; paths++) {
		struct source_file *file;
		int e;

		m->files = need(realloc(m->files, (m->nfiles + 1) * sizeof(*m->files)));
		file = &m->files[m->nfiles++];
		memset(file, 0, sizeof(*file));
		file->path = need(strdup(*paths));
		e = md_read(*paths, &file->text);
		if (e != 0) {
			report(r, "%s: %s", *paths, strerror(e));
			file->text = need(strdup(""));
		}
		file->nfns = c_functions(file->text, &file->fns);
		c_macros_scan(file->text, &m->macros);
		model_keys(m, file, r);
	}
	n = model_array(m, "sink_core_keys", &names, r);
	add_keys(m, map_section("sinks"), names, (long)n);
	m->ntop = model_array(m, "sections", &m->top, r);
	for (size_t f = 0; f < m->nfiles; f++) {
		for (size_t i = 0; i < m->files[f].nfns; i++) {
			scan_getters(m, &m->files[f], &m->files[f].fns[i], r);
		}
	}
	for (size_t f = 0; f < m->nfiles; f++) {
		for (size_t i = 0; i < m->files[f].nfns; i++) {
			scan_defaults(m, &m->files[f].fns[i]);
		}
	}
}

void model_free(struct core_model *m)
{
	for (size_t i = 0; i < m->nkeys; i++) {
		free(m->keys[i].name);
		free(m->keys[i].def);
		c_strings_free(m->keys[i].choices, m->keys[i].nchoices);
	}
	free(m->keys);
	c_strings_free(m->top, m->ntop);
	c_macros_free(&m->macros);
	for (size_t f = 0; f < m->nfiles; f++) {
		c_functions_free(m->files[f].fns, m->files[f].nfns);
		free(m->files[f].text);
		free(m->files[f].path);
	}
	free(m->files);
}
