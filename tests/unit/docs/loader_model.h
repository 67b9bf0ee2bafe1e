/*
 * tests/unit/docs/loader_model.h - what the configuration loader
 * (core/config*.c) accepts, read from its source text: every key of every
 * keys[] array, sink_core_keys and the top-level sections[]; for the keys
 * read with conf_get_string / _int / _u32 / _choice / conf_require, the
 * type, range, choices and "required"; and the constant defaults (the
 * getter's destination before the call, or conf_load()'s assignments,
 * #defines resolved). The docs test compares it with
 * docs/configuration.md.
 *
 * Which function's keys are documented under which heading is the table
 * section_maps in loader_model.c; a keys[] array or getter call in a
 * function it does not list is reported, so that a new section cannot go
 * unchecked.
 *
 * Ownership: model_load() fills a struct core_model that owns everything
 * in it; model_free() releases it. Out of memory aborts (test code).
 *
 * Concurrency: none (test code, one thread).
 */
#ifndef MEEPO_TEST_LOADER_MODEL_H
#define MEEPO_TEST_LOADER_MODEL_H

#include <stdbool.h>
#include <stddef.h>

#include "cscan.h"
#include "report.h"

/* What the loader says about one key. */
struct core_key {
	const char *heading;    /* its table's heading in configuration.md */
	const char *section;    /* its section, for messages */
	char *name;             /* the key */
	const char *getter;     /* "conf_get_string", ... or NULL if not seen */
	long long lo, hi;       /* integer range (get_int, get_u32) */
	char **choices;         /* get_choice: the allowed strings */
	size_t nchoices;        /* entries in choices */
	bool required;          /* conf_get_string(..., true, ...) or conf_require() */
	char *def;              /* default assigned as a literal, or NULL */
};

/* One source file of the loader. */
struct source_file {
	char *path;                 /* e.g. "core/config_source.c" */
	char *text;                 /* its text */
	struct c_function *fns;     /* its functions */
	size_t nfns;                /* entries in fns */
};

/* Everything read from the loader's sources. */
struct core_model {
	struct source_file *files;  /* the files read */
	size_t nfiles;              /* entries in files */
	size_t typed;               /* keys whose getter call was found */
	struct c_macros macros;     /* #defines of the files, for defaults and limits */
	struct core_key *keys;      /* every key of every key array */
	size_t nkeys;               /* entries in keys */
	char **top;                 /* top-level keys (sections[]) */
	size_t ntop;                /* entries in top */
};

/*
 * Reads the loader's source files (paths, NULL-terminated; .c and .h) into
 * m: first every key array and #define, then every getter call and
 * default. Problems with the sources (unreadable file, unmapped function,
 * missing array, range it cannot evaluate) go to r.
 */
void model_load(struct core_model *m, char *const *paths, struct report *r);

/* Frees everything model_load() allocated. */
void model_free(struct core_model *m);

#endif /* MEEPO_TEST_LOADER_MODEL_H */
