/*
 * plugins/sql/sql_bind.h - typed event values as prepared statement
 * parameters (MYSQL_BIND) of the sql sink. Pure: no I/O.
 *
 * Integers bind as 64-bit with their signedness, FLOAT and DOUBLE as
 * themselves, DECIMAL as its exact text, temporal values as MYSQL_TIME
 * (TIMESTAMP in UTC: the connection runs with time_zone '+00:00'),
 * YEAR/BIT/ENUM/SET as unsigned integers (ENUM/SET by index/bit mask),
 * strings, binary strings, geometry and vectors as binary buffers holding
 * their exact bytes (the server stores them into the column's charset
 * unchanged), JSON as UTF-8 text.
 *
 * Two ways: sql_binds_fill() binds every parameter of several rows (a
 * multi-row statement), sql_binds_bulk() prepares MariaDB's array binding
 * (COM_STMT_BULK_EXECUTE: one single-row statement, many parameter rows in
 * one round trip), whose values a callback fills row by row.
 *
 * Concurrency: a struct sql_binds belongs to one sink instance's worker.
 * Filled binds point into the events and into the struct; they are valid
 * until the next fill and while the events are.
 */
#ifndef MEEPO_SQL_BIND_H
#define MEEPO_SQL_BIND_H

#include <stddef.h>

#include <mysql.h>

#include <meepo/event.h>
#include <meepo/sdk.h>

#include "sql_build.h"

/* Parameter storage for one statement execution, reused between them. */
struct sql_binds {
	MYSQL_BIND *binds;      /* one per parameter, handed to mysql_stmt_bind_param */
	MYSQL_TIME *times;      /* temporal values, indexed like binds */
	float *floats;          /* FLOAT values narrowed back, indexed like binds */
	size_t *text_at;        /* offset in `text` of a value bound as text, or SIZE_MAX */
	size_t cap;             /* entries allocated in each array */
	struct meepo_buf text;  /* DECIMAL and binary JSON values as text */
	const struct sql_param *bulk_params;        /* bulk: parameters of one row */
	size_t bulk_nparams;                        /* bulk: number of them */
	const struct meepo_event *const *bulk_events; /* bulk: the rows */
	char indicator[2];      /* bulk: STMT_INDICATOR_NONE and _NULL, pointed at per value */
};

/*
 * Binds `nrows` rows of `nparams` parameters each: row r binds params over
 * events[r]. Returns 0, or -1 with the column named in err when a value is
 * absent or malformed.
 */
int sql_binds_fill(struct sql_binds *b, const struct sql_param *params, size_t nparams,
                   const struct meepo_event *const *events, size_t nrows,
                   char *err, size_t errlen);

/*
 * Prepares a bulk (array) execution of `nrows` rows: binds[0..nparams)
 * get each parameter's type, the same in every row (MYSQL_TYPE_NULL when
 * all rows hold NULL), and sql_binds_bulk_row() fills the values of a row.
 * Returns 0, or -1 if the rows disagree on a type or a value is missing
 * (execute them without bulk then).
 */
int sql_binds_bulk(struct sql_binds *b, const struct sql_param *params, size_t nparams,
                   const struct meepo_event *const *events, size_t nrows);

/*
 * The STMT_ATTR_CB_PARAM callback of a bulk execution (data is the struct
 * sql_binds): points `bind` (the statement's parameters) at row `row`'s
 * values. Always returns 0 (the client library ignores the result).
 */
my_bool sql_binds_bulk_row(void *data, MYSQL_BIND *bind, unsigned int row);

/* Returns the bytes `params` of `event` put on the wire, roughly. */
size_t sql_binds_row_bytes(const struct sql_param *params, size_t nparams,
                           const struct meepo_event *event);

/* Frees the storage; the struct is zeroed and reusable. */
void sql_binds_free(struct sql_binds *b);

#endif /* MEEPO_SQL_BIND_H */
