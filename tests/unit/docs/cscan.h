/*
 * tests/unit/docs/cscan.h - just enough C scanning for the docs test to
 * read core/config.c's key arrays and getter calls from its source text.
 *
 * It relies on the project's layout (style.md): a function body opens
 * with a line that is exactly "{" and closes with one that is exactly "}",
 * and the function's name is the identifier before the first '(' of the
 * nearest line above that starts in column 0.
 *
 * Ownership: every returned array and string is malloc'ed and freed with
 * the matching *_free() function.
 *
 * Concurrency: none (test code, one thread).
 */
#ifndef MEEPO_TEST_CSCAN_H
#define MEEPO_TEST_CSCAN_H

#include <stddef.h>

/* One function definition of a C file. */
struct c_function {
	char *name;         /* its name */
	const char *body;   /* from its "{" line, into the scanned text */
	size_t len;         /* bytes up to and including the closing "}" */
	unsigned line;      /* line of the "{" */
};

/* Returns the function definitions of `text` in *out; returns their count. */
size_t c_functions(const char *text, struct c_function **out);

/* Frees what c_functions() returned. */
void c_functions_free(struct c_function *fns, size_t n);

/*
 * Finds the array initializer "NAME[] = {" in the len bytes at text and
 * stores its string literals (up to the closing "};") in *out. Returns
 * their count, or -1 (and *out NULL) when there is no such array.
 */
long c_string_array(const char *text, size_t len, const char *name, char ***out);

/*
 * Splits the arguments of the call whose '(' is at `paren` (nested
 * parentheses and string literals respected), each trimmed of white
 * space. Returns their count; *out holds them.
 */
size_t c_call_args(const char *paren, char ***out);

/* Frees an array of n strings. */
void c_strings_free(char **strings, size_t n);

/* Object-like macros (#define NAME VALUE) of a file. */
struct c_macros {
	size_t count;       /* entries in names and values */
	char **names;       /* macro names */
	char **values;      /* their replacement text, trimmed */
};

/* Adds the object-like #defines of `text` to *macros. */
void c_macros_scan(const char *text, struct c_macros *macros);

/* Frees what c_macros_scan() added; the struct is zeroed. */
void c_macros_free(struct c_macros *macros);

/*
 * Evaluates an integer constant expression as the loader writes limits
 * and defaults: decimal literals (with u/U/l/L suffixes), UINT32_MAX,
 * INT64_MAX, INT_MAX, INT64_C(n), parentheses, "a << b", and names of
 * `macros` (may be NULL). Returns 0 and stores the value, or -1 for
 * anything else (a variable, a call, an enum).
 */
int c_eval(const char *expr, const struct c_macros *macros, long long *value);

#endif /* MEEPO_TEST_CSCAN_H */
