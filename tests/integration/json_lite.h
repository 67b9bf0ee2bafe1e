/*
 * tests/integration/json_lite.h - a small strict JSON (RFC 8259) parser for
 * tests that read meepo's JSON output.
 *
 * It keeps what a conformance check needs and a general parser loses:
 * numbers stay as the exact text of their token (so 4.20 is not 4.2 and
 * 18446744073709551615 is not rounded), strings are unescaped to their
 * UTF-8 bytes with an explicit length (so "\u0000" survives), and object
 * members keep their order (duplicates are kept too). Anything that is not
 * valid JSON - bad escapes, unpaired surrogates, invalid UTF-8, raw control
 * characters, leading zeros, trailing commas, text after the value - is an
 * error with the byte offset in the message.
 *
 * Ownership: jl_parse() returns a tree owned by the caller, freed with
 * jl_free(); every pointer inside it belongs to the tree.
 *
 * Concurrency: no shared state; a tree may be read by several threads.
 */
#ifndef MEEPO_TEST_JSON_LITE_H
#define MEEPO_TEST_JSON_LITE_H

#include <stdbool.h>
#include <stddef.h>

/* What a JSON value is. */
enum jl_type {
	JL_NULL = 0,
	JL_FALSE,
	JL_TRUE,
	JL_NUMBER,      /* .str: the token exactly as written */
	JL_STRING,      /* .str: the unescaped UTF-8 bytes */
	JL_ARRAY,       /* .items: count elements */
	JL_OBJECT,      /* .keys, .items: count members, in document order */
};

/* One parsed value. */
struct jl_value {
	enum jl_type type;          /* which fields below are set */
	char *str;                  /* NUMBER, STRING: bytes, NUL-terminated; else NULL */
	size_t len;                 /* NUMBER, STRING: bytes at str, without the NUL */
	size_t count;               /* ARRAY, OBJECT: number of elements or members */
	struct jl_value *items;     /* ARRAY, OBJECT: count values */
	char **keys;                /* OBJECT: count NUL-terminated member names */
};

/*
 * Parses `len` bytes as exactly one JSON value (whitespace around it is
 * allowed). Returns the tree, or NULL with a message in err.
 */
struct jl_value *jl_parse(const char *text, size_t len, char *err, size_t errlen);

/* Frees a tree returned by jl_parse(); NULL is allowed. */
void jl_free(struct jl_value *value);

/* Returns the first member named `key` of an object, or NULL (also for non-objects). */
const struct jl_value *jl_get(const struct jl_value *object, const char *key);

/* Returns "null", "false", "true", "number", "string", "array" or "object". */
const char *jl_type_name(enum jl_type type);

#endif /* MEEPO_TEST_JSON_LITE_H */
