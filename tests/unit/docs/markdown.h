/*
 * tests/unit/docs/markdown.h - just enough Markdown for the docs test:
 * headings and pipe tables (GitHub style), outside fenced code blocks.
 *
 * A table is a run of lines starting with '|': a header row, a `|---|`
 * row, then body rows. Cells are split at '|' not preceded by '\' and
 * trimmed of spaces. Each table records the nearest heading above it.
 *
 * Ownership: md_load() fills a struct md_doc that owns every string in it;
 * md_free() releases it. md_code_span() returns a malloc'ed string.
 *
 * Concurrency: none (test code, one thread).
 */
#ifndef MEEPO_TEST_MARKDOWN_H
#define MEEPO_TEST_MARKDOWN_H

#include <stddef.h>

/* One heading line ("## source"). */
struct md_heading {
	int level;                  /* number of '#' */
	char *text;                 /* after the '#'s, trimmed */
	unsigned line;              /* 1-based line number */
};

/* One pipe table. */
struct md_table {
	const char *heading;        /* text of the nearest heading above, "" if none */
	unsigned line;              /* line of the header row */
	size_t ncols;               /* cells in the header row */
	char **header;              /* the header cells */
	size_t nrows;               /* body rows */
	char ***rows;               /* nrows rows of ncols cells ("" where a row is short) */
	unsigned *row_lines;        /* line number of each body row */
};

/* A parsed Markdown file. */
struct md_doc {
	char *path;                 /* as given to md_load() */
	size_t nheadings;           /* entries in headings */
	struct md_heading *headings; /* in file order */
	size_t ntables;             /* entries in tables */
	struct md_table *tables;    /* in file order */
	char *text;                 /* the whole file, NUL-terminated */
};

/*
 * Reads a whole text file into a malloc'ed NUL-terminated string in *text.
 * Returns 0, or an errno value (*text is then NULL).
 */
int md_read(const char *path, char **text);

/* Reads and parses `path`. Returns 0, or an errno value (doc is then empty). */
int md_load(const char *path, struct md_doc *doc);

/* Frees everything md_load() allocated; the struct is zeroed. */
void md_free(struct md_doc *doc);

/*
 * Returns the first table under heading `heading` (exact text) whose first
 * header cell is `first`, or NULL.
 */
const struct md_table *md_find_table(const struct md_doc *doc, const char *heading,
                                     const char *first);

/* Returns the first heading with this exact text, or NULL. */
const struct md_heading *md_find_heading(const struct md_doc *doc, const char *text);

/*
 * Returns the content of the first `code span` of a cell when the cell
 * starts with one (after spaces), else NULL. Caller frees.
 */
char *md_code_span(const char *cell);

#endif /* MEEPO_TEST_MARKDOWN_H */
