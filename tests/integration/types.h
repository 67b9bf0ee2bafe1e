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
 * A suite (struct types_suite) runs a list of cases on the server in a
 * schema of its own (types_run.c), recording the events meepo must write,
 * and then checks meepo's output against them (types_events.c).
 *
 * Ownership: types_cases_build() allocates everything in the list;
 * types_cases_free() frees it. Counters (struct types_counts) own their
 * labels. A suite owns its cases, tables and expectations
 * (types_suite_free()).
 *
 * Concurrency: single-threaded test program.
 */
#ifndef MEEPO_TEST_TYPES_H
#define MEEPO_TEST_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

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

/* Most steps of a hand-written case. */
#define TYPES_MAX_STATIC_STEPS 10

/* A step as written in types_static_cases[] (fields as in struct types_step). */
struct types_static_step {
	enum types_action action;   /* what the step does */
	const char *sql;            /* its statements; NULL ends the list */
	const char *where;          /* rows changed (see struct types_step) */
	const char *where_after;    /* update: the rows after it, NULL = where */
	const char *before_cols;    /* columns in the before image, NULL = all */
	const char *after_cols;     /* columns in the after image, NULL = all */
};

/* A hand-written case. */
struct types_static_case {
	const char *table;                                      /* table name */
	const char *create;                                     /* CREATE TABLE */
	struct types_static_step steps[TYPES_MAX_STATIC_STEPS]; /* steps, ended by sql NULL */
};

/* The hand-written cases (types_cases.c). */
extern const struct types_static_case types_static_cases[];
extern const size_t types_static_count;

/* Fills `list` with every case (static ones and generated ones). */
void types_cases_build(struct types_cases *list);

/*
 * Fills `list` with the MariaDB 5.3 high-resolution TIME(n), DATETIME(n) and
 * TIMESTAMP(n) columns (tables created with mysql56_temporal_format OFF),
 * which the binlog logs under the old type codes without their precision.
 */
void types_cases_build_old_hires(struct types_cases *list);

/* Frees what types_cases_build() allocated. */
void types_cases_free(struct types_cases *list);

/* ---- comparing values ----------------------------------------------------- */

/* How a column's SELECT text maps to meepo's JSON (docs/events.md). */
enum types_kind {
	KIND_INT,       /* number, the same digits (less ZEROFILL's leading zeros) */
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
	char *select;           /* expression that SELECTs it (FLOAT widened to DOUBLE,
	                           UUID/INET as their bytes) */
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

/* ---- a suite: cases run on the server, and the events they must give ------ */

/* One row as SELECT returned it. */
struct types_row {
	char **values;      /* one per column, NULL for SQL NULL; malloc'ed copies */
	size_t *lens;       /* their lengths */
};

/* A table of a suite, as information_schema describes it. */
struct types_table {
	const struct types_case *tcase;     /* the case it belongs to */
	size_t ncols;                       /* columns, invisible ones included */
	struct types_column *cols;          /* ncols columns in table order */
	size_t nkey;                        /* primary key columns, 0 without a key */
	size_t *key;                        /* their column indices, in key order */
	char *select;                       /* "SELECT <every column> FROM `schema`.`t`" */
	char *order;                        /* " ORDER BY <key>", or "" without a key */
};

/* One event meepo must write. */
struct types_expect {
	const struct types_table *table;    /* its table */
	const struct types_step *step;      /* the step that wrote it */
	size_t step_no;                     /* suite-wide step number (one transaction each) */
	enum types_action action;           /* insert, update or delete */
	struct types_row before;            /* update, delete: the row before the step */
	struct types_row after;             /* insert, update: the row after it */
	bool *before_has;                   /* columns in the before image */
	bool *after_has;                    /* columns in the after image */
	bool last;                          /* last row of its step (transaction) */
};

/* Cases run in one schema, and what meepo must write for them. */
struct types_suite {
	const char *schema;                 /* schema the cases run in (set by the caller) */
	struct types_cases cases;           /* the cases (filled by the caller) */
	bool ready;                         /* the SQL ran and the expectations are complete */
	size_t ntables;                     /* tables loaded (one per case) */
	struct types_table *tables;         /* ntables tables */
	size_t nexpect;                     /* expected events */
	struct types_expect *expect;        /* nexpect events, in binlog order */
	char file[256];                     /* the binlog file that holds them */
	uint64_t pos;                       /* where the SQL starts in it */
	char *server_id;                    /* @@server_id as text */
	time_t started;                     /* clock before the SQL */
	time_t finished;                    /* clock after it */
};

/*
 * Runs the suite's cases on the source server in a fresh schema, between
 * two binlog rotations, and records the expected events. Fails the
 * current test on any SQL error or on a step that selects no rows.
 */
void types_suite_run(struct types_suite *suite);

/*
 * Compares meepo's JSON output (one event per line) with the suite's
 * expectations, printing every mismatch (the first 60 in full) and, with
 * print_counts, the values compared per column type. Returns the number
 * of mismatches.
 */
size_t types_suite_check(const struct types_suite *suite, const char *mode, const char *output,
                         bool print_counts);

/* Frees everything the suite owns (its cases included). */
void types_suite_free(struct types_suite *suite);

#endif /* MEEPO_TEST_TYPES_H */
