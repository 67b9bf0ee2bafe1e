/*
 * tests/unit/values/cases.h - table-driven value cases shared by the value
 * tests: one column's wire bytes and the text and JSON forms they must give.
 *
 * Concurrency: single-threaded test programs.
 */
#ifndef MEEPO_TEST_VALUES_CASES_H
#define MEEPO_TEST_VALUES_CASES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <meepo/value.h>

/* One decoder case. */
struct value_case {
	const char *name;                   /* where the case comes from, for failures */
	uint8_t type;                       /* column wire type */
	uint16_t meta;                      /* column metadata (table_map.c's convention) */
	uint16_t charset;                   /* column collation id */
	bool is_unsigned;                   /* column signedness */
	const struct meepo_strlist *names;  /* ENUM/SET members, or NULL */
	const char *hex;                    /* the value's wire bytes, in hex */
	const char *text;                   /* meepo_value_append_text() result */
	size_t text_len;                    /* its length when it holds NUL bytes, else 0 */
	const char *json;                   /* meepo_value_append_json() result */
};

/* Cases whose bytes a MariaDB 10.11 server wrote (server_cases.c). */
extern const struct value_case server_cases[];
extern const size_t server_case_count;

#endif /* MEEPO_TEST_VALUES_CASES_H */
