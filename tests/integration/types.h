/*
 * tests/integration/types.h - the column-type conformance suite
 * (test_types.c): its cases (types_cases.c) and the comparison of one
 * value of meepo's JSON output with what the server's SELECT returns for
 * the same column (types_check.c).
 *
 * A case is one table: its CREATE TABLE and a list of steps. A step is one
 * transaction (a statement, or BEGIN ... COMMIT) that changes rows of that
 * table, with a WHERE condition that selects the rows it changed, so that
 * the suite can read them with SELECT before and after the step, and the
 * columns the server logs in each row image (all of them unless the step
 * runs with binlog_row_image MINIMAL or NOBLOB).
 *
 * Ownership: types_cases_build() allocates everything in the list;
 * types_cases_free() frees it. Counters (struct types_counts) own their
 * labels.
 *
 * Concurrency: single-threaded test program.
 */
#ifndef MEEPO_TEST_TYPES_H
#define MEEPO_TEST_TYPES_H

#include <stdbool.h>
#include <stddef.h>

#include "json_lite.h"

/* What a step does to the rows its `where` selects. */
enum types_action {
	TYPES_NONE = 0,     /* no row events (SET SESSION ...) */
	TYPES_INSERT,       /* rows selected by `where` after the step are new */
	TYPES_UPDATE,       /* rows selected by `where` before are `where_after` after */
	TYPES_DELETE,       /* rows selected by `where` before are gone */
};

/* One transaction of a case. */
struct types_step {
	char *sql;              /* statement(s), ';'-separated */
	enum types_action action; /* what it does */
	char *where;            /* rows changed: after (insert) or before (update, delete) */
	char *where_after;      /* update: the same rows after the step; NULL = where */
	char *before_cols;      /* columns in the before image, "a,b"; NULL = all */
	char *after_cols;       /* columns in the after image; NULL = all */
};

/* One table and what is done to it. */
struct types_case {
	char *table;                /* table name */
	char *create;               /* CREATE TABLE statement */
	size_t nsteps;              /* number of steps */
	struct types_step *steps;   /* nsteps steps, run in order */
};

/* Every case of the suite. */
struct types_cases {
	size_t count;               /* number of cases */
	struct types_case *cases;   /* count cases */
};

/* Fills `list` with every case (static ones and generated ones). */
void types_cases_build(struct types_cases *list);

/* Frees what types_cases_build() allocated. */
void types_cases_free(struct types_cases *list);

/* ---- comparing values ----------------------------------------------------- */

/* How a column's SELECT text maps to meepo's JSON (docs/events.md). */
enum types_kind {
	KIND_INT,       /* number, the same digits */
	KIND_YEAR,      /* number: "0000" is 0 */
	KIND_FLOAT,     /* number that reads back as the same float, shortest digits */
	KIND_DOUBLE,    /* number, the same text */
	KIND_DECIMAL,   /* number, the same digits */
	KIND_TEMPORAL,  /* string, the same text */
	KIND_BIT,       /* number: the big-endian bytes as an unsigned integer */
	KIND_STRING,    /* string, the same UTF-8 bytes */
	KIND_BYTES,     /* string: base64 of the bytes */
	KIND_ENUM,      /* string, the same text */
	KIND_SET,       /* array of the comma-separated members */
};

/* One column of a table, from information_schema. */
struct types_column {
	char *name;             /* column name */
	char *label;            /* type as counted in the report, e.g. "time(3)" */
	char *family;           /* coarse type for the report, e.g. "time" */
	enum types_kind kind;   /* how values compare */
	char *select;           /* expression that SELECTs it (FLOAT widened to DOUBLE) */
};

/*
 * Returns the kind of a column from information_schema's DATA_TYPE, or
 * false if the suite does not know the type.
 */
bool types_kind_of(const char *data_type, enum types_kind *kind);

/*
 * Compares meepo's JSON value `got` with the server's text of the same
 * column (`server` of `len` bytes, NULL for SQL NULL). Returns NULL if they
 * agree, else a malloc'ed message saying what was expected and found.
 */
char *types_compare(const struct types_column *col, const char *server, size_t len,
                    const struct jl_value *got);

/* Appends base64 (RFC 4648, padded) of `len` bytes to a malloc'ed string and returns it. */
char *types_base64(const unsigned char *p, size_t len);

/* Cases counted per label: values compared, and how many were NULL. */
struct types_counts {
	size_t n;               /* labels */
	char **labels;          /* n labels, in order of first use */
	size_t *values;         /* values compared per label (NULL included) */
	size_t *nulls;          /* NULL values among them */
};

/* Counts one compared value under `label`. */
void types_count(struct types_counts *counts, const char *label, bool is_null);

/* Prints the counts as a table, sorted by label, with a total. */
void types_counts_print(const struct types_counts *counts, const char *title);

/* Frees the counters. */
void types_counts_free(struct types_counts *counts);

#endif /* MEEPO_TEST_TYPES_H */
