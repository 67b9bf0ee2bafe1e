/*
 * tests/unit/docs/markdown.c - headings and pipe tables of a Markdown file
 * (see markdown.h). Out of memory aborts: this is test code.
 *
 * Concurrency: none.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* Grows *array (of `size`-byte elements) to hold n + 1 elements. */
static void grow(void **array, size_t n, size_t size)
{
	*array = need(realloc(*array, (n + 1) * size));
}

/* Returns a copy of the n bytes at s with leading and trailing spaces cut. */
static char *trimmed(const char *s, size_t n)
{
	while (n > 0 && (*s == ' ' || *s == '\t')) {
		s++;
		n--;
	}
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r')) {
		n--;
	}
	return need(strndup(s, n));
}

int md_read(const char *path, char **text)
{
	FILE *f = fopen(path, "re");
	char *buf = NULL;
	size_t len = 0;
	size_t cap = 0;
	size_t n;
	int rc = 0;

	*text = NULL;
	if (f == NULL) {
		return errno;
	}
	do {
		if (cap - len < 4096) {
			cap = cap * 2 + 8192;
			buf = need(realloc(buf, cap));
		}
		n = fread(buf + len, 1, cap - len - 1, f);
		len += n;
	} while (n > 0);
	if (ferror(f)) {
		rc = EIO;
		free(buf);
		goto out;
	}
	buf[len] = '\0';
	*text = buf;
out:
	fclose(f);
	return rc;
}

/*
 * Splits a table line into trimmed cells: outer pipes dropped, and
 * nothing but spaces after the closing pipe is no cell.
 */
static size_t split_cells(const char *line, size_t len, char ***cells)
{
	size_t n = 0;
	size_t start = len > 0 && line[0] == '|' ? 1 : 0;

	*cells = NULL;
	for (size_t i = start; i <= len; i++) {
		if (i < len && !(line[i] == '|' && line[i - 1] != '\\')) {
			continue;
		}
		if (i == len && strspn(line + start, " \t\r") >= len - start) {
			break;
		}
		grow((void **)cells, n, sizeof(**cells));
		(*cells)[n++] = trimmed(line + start, i - start);
		start = i + 1;
	}
	return n;
}

/* Frees n cells. */
static void free_cells(char **cells, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(cells[i]);
	}
	free(cells);
}

/* Adds a body row to t, padded or cut to t->ncols cells. */
static void add_row(struct md_table *t, char **cells, size_t n, unsigned line)
{
	char **row = need(calloc(t->ncols, sizeof(*row)));

	for (size_t i = 0; i < t->ncols; i++) {
		row[i] = i < n ? cells[i] : need(strdup(""));
	}
	for (size_t i = t->ncols; i < n; i++) {
		free(cells[i]);
	}
	free(cells);
	grow((void **)&t->rows, t->nrows, sizeof(*t->rows));
	grow((void **)&t->row_lines, t->nrows, sizeof(*t->row_lines));
	t->rows[t->nrows] = row;
	t->row_lines[t->nrows++] = line;
}

/* Parses the lines of doc->text into headings and tables. */
static void parse(struct md_doc *doc)
{
	const char *heading = "";
	struct md_table *table = NULL;
	bool fenced = false;
	unsigned lineno = 0;

	for (const char *p = doc->text; *p != '\0';) {
		const char *nl = strchr(p, '\n');
		size_t len = nl != NULL ? (size_t)(nl - p) : strlen(p);
		char **cells;
		size_t n;

		lineno++;
		if (strncmp(p, "```", 3) == 0) {
			fenced = !fenced;
			table = NULL;
		} else if (!fenced && p[0] == '#') {
			struct md_heading *h;
			int level = 0;

			while (p[level] == '#') {
				level++;
			}
			grow((void **)&doc->headings, doc->nheadings, sizeof(*doc->headings));
			h = &doc->headings[doc->nheadings++];
			h->level = level;
			h->text = trimmed(p + level, len - (size_t)level);
			h->line = lineno;
			heading = h->text;
			table = NULL;
		} else if (!fenced && p[0] == '|') {
			n = split_cells(p, len, &cells);
			if (table == NULL) {
				grow((void **)&doc->tables, doc->ntables, sizeof(*doc->tables));
				table = &doc->tables[doc->ntables++];
				memset(table, 0, sizeof(*table));
				table->heading = heading;
				table->line = lineno;
				table->ncols = n;
				table->header = cells;
			} else if (n > 0 && strspn(cells[0], "-:") == strlen(cells[0]) &&
			           cells[0][0] != '\0' && table->nrows == 0) {
				free_cells(cells, n); /* the |---| row */
			} else {
				add_row(table, cells, n, lineno);
			}
		} else {
			table = NULL;
		}
		p += len + (nl != NULL);
	}
}

int md_load(const char *path, struct md_doc *doc)
{
	int rc;

	memset(doc, 0, sizeof(*doc));
	rc = md_read(path, &doc->text);
	if (rc != 0) {
		return rc;
	}
	doc->path = need(strdup(path));
	parse(doc);
	return 0;
}

void md_free(struct md_doc *doc)
{
	for (size_t i = 0; i < doc->ntables; i++) {
		struct md_table *t = &doc->tables[i];

		free_cells(t->header, t->ncols);
		for (size_t r = 0; r < t->nrows; r++) {
			free_cells(t->rows[r], t->ncols);
		}
		free(t->rows);
		free(t->row_lines);
	}
	free(doc->tables);
	for (size_t i = 0; i < doc->nheadings; i++) {
		free(doc->headings[i].text);
	}
	free(doc->headings);
	free(doc->path);
	free(doc->text);
	memset(doc, 0, sizeof(*doc));
}

const struct md_table *md_find_table(const struct md_doc *doc, const char *heading,
                                     const char *first)
{
	for (size_t i = 0; i < doc->ntables; i++) {
		const struct md_table *t = &doc->tables[i];

		if (strcmp(t->heading, heading) == 0 && t->ncols > 0 &&
		    strcmp(t->header[0], first) == 0) {
			return t;
		}
	}
	return NULL;
}

const struct md_heading *md_find_heading(const struct md_doc *doc, const char *text)
{
	for (size_t i = 0; i < doc->nheadings; i++) {
		if (strcmp(doc->headings[i].text, text) == 0) {
			return &doc->headings[i];
		}
	}
	return NULL;
}

char *md_code_span(const char *cell)
{
	const char *end;

	cell += strspn(cell, " ");
	if (*cell != '`') {
		return NULL;
	}
	end = strchr(cell + 1, '`');
	if (end == NULL) {
		return NULL;
	}
	return need(strndup(cell + 1, (size_t)(end - cell - 1)));
}
