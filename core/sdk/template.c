/*
 * template.c - key templates such as "user:{id}" or "{schema}:{table}:{id}"
 * (meepo_template_* in include/meepo/sdk.h).
 *
 * A template is compiled once into a list of segments (literal text, the
 * event's schema, the event's table, or a column named by its name) and then
 * rendered over one row image per call. Grammar:
 *
 *     template := ( literal | "{{" | "}}" | "{" name "}" )+
 *     name     := one or more bytes other than "{" and "}"
 *
 * "{schema}" and "{table}" are the event's schema and table names; any other
 * name is a column, rendered in SELECT's text form (meepo_value_append_text).
 * A lone "}" or an unterminated "{" is a compile error; so is an empty
 * template (no cache or key-value store accepts an empty key).
 *
 * Concurrency: a compiled template is immutable; any number of threads may
 * render it at once. Rendering writes only to the caller's buffer.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <meepo/sdk.h>

/* What one segment of a template stands for. */
enum segment_kind {
	SEG_LITERAL = 0,    /* fixed bytes */
	SEG_SCHEMA = 1,     /* the event's schema name */
	SEG_TABLE = 2,      /* the event's table name */
	SEG_COLUMN = 3,     /* a column value, looked up by name */
};

/* One piece of a compiled template. */
struct segment {
	enum segment_kind kind; /* what the segment renders */
	const char *text;       /* literal bytes, or the name (NUL-terminated), in the pool */
	size_t len;             /* bytes of text */
};

struct meepo_template {
	char *source;           /* the text compiled from, NUL-terminated */
	char *pool;             /* literal bytes and NUL-terminated names */
	size_t nsegments;       /* entries in segments */
	struct segment *segments; /* in rendering order */
};

/* Appends one byte to the literal run that ends the template so far. */
static void add_literal(struct meepo_template *tpl, char **w, char c)
{
	struct segment *last = NULL;

	if (tpl->nsegments > 0) {
		last = &tpl->segments[tpl->nsegments - 1];
	}
	if (last == NULL || last->kind != SEG_LITERAL) {
		last = &tpl->segments[tpl->nsegments++];
		last->kind = SEG_LITERAL;
		last->text = *w;
		last->len = 0;
	}
	**w = c;
	(*w)++;
	last->len++;
}

/* Appends a placeholder whose name (n bytes at name) goes into the pool. */
static void add_name(struct meepo_template *tpl, char **w, const char *name, size_t n)
{
	struct segment *seg = &tpl->segments[tpl->nsegments++];

	memcpy(*w, name, n);
	(*w)[n] = '\0';
	seg->text = *w;
	seg->len = n;
	*w += n + 1;
	if (strcmp(seg->text, "schema") == 0) {
		seg->kind = SEG_SCHEMA;
	} else if (strcmp(seg->text, "table") == 0) {
		seg->kind = SEG_TABLE;
	} else {
		seg->kind = SEG_COLUMN;
	}
}

/*
 * Parses `text` into tpl->segments, copying literal bytes and names into
 * tpl->pool (which holds strlen(text) + 1 bytes: a literal costs at most its
 * source bytes, a name "{x}" costs its length plus a NUL, less than its
 * source). Returns 0, or -1 with a message in err.
 */
static int parse(struct meepo_template *tpl, const char *text, char *err, size_t errlen)
{
	const char *p = text;
	const char *close;
	char *w = tpl->pool;

	while (*p != '\0') {
		if ((p[0] == '{' && p[1] == '{') || (p[0] == '}' && p[1] == '}')) {
			add_literal(tpl, &w, p[0]);
			p += 2;
		} else if (p[0] == '}') {
			snprintf(err, errlen,
			         "template \"%s\": unmatched '}' at offset %zu (write \"}}\" for a literal brace)",
			         text, (size_t)(p - text));
			return -1;
		} else if (p[0] == '{') {
			close = strpbrk(p + 1, "{}");
			if (close == NULL || *close != '}') {
				snprintf(err, errlen, "template \"%s\": unterminated '{' at offset %zu",
				         text, (size_t)(p - text));
				return -1;
			}
			if (close == p + 1) {
				snprintf(err, errlen, "template \"%s\": empty name \"{}\" at offset %zu",
				         text, (size_t)(p - text));
				return -1;
			}
			add_name(tpl, &w, p + 1, (size_t)(close - (p + 1)));
			p = close + 1;
		} else {
			add_literal(tpl, &w, p[0]);
			p++;
		}
	}
	return 0;
}

struct meepo_template *meepo_template_compile(const char *text, char *err, size_t errlen)
{
	struct meepo_template *tpl = NULL;
	size_t len;

	if (text == NULL || text[0] == '\0') {
		snprintf(err, errlen, "empty key template");
		goto fail;
	}
	len = strlen(text);
	tpl = calloc(1, sizeof(*tpl));
	if (tpl == NULL) {
		goto oom;
	}
	tpl->source = strdup(text);
	/* every segment consumes at least one source byte */
	tpl->pool = malloc(len + 1);
	tpl->segments = calloc(len, sizeof(*tpl->segments));
	if (tpl->source == NULL || tpl->pool == NULL || tpl->segments == NULL) {
		goto oom;
	}
	if (parse(tpl, text, err, errlen) < 0) {
		goto fail;
	}
	return tpl;

oom:
	snprintf(err, errlen, "out of memory compiling template \"%s\"", text);
fail:
	meepo_template_free(tpl);
	return NULL;
}

void meepo_template_free(struct meepo_template *tpl)
{
	if (tpl == NULL) {
		return;
	}
	free(tpl->source);
	free(tpl->pool);
	free(tpl->segments);
	free(tpl);
}

const char *meepo_template_text(const struct meepo_template *tpl)
{
	return tpl->source;
}

int meepo_template_check(const struct meepo_template *tpl, const struct meepo_table *table,
                         char *err, size_t errlen)
{
	size_t i;

	for (i = 0; i < tpl->nsegments; i++) {
		if (tpl->segments[i].kind != SEG_COLUMN) {
			continue;
		}
		if (meepo_table_column(table, tpl->segments[i].text) < 0) {
			snprintf(err, errlen, "key template \"%s\": table %s.%s has no column `%s`",
			         tpl->source, table->schema, table->name, tpl->segments[i].text);
			return -1;
		}
	}
	return 0;
}

const char *meepo_template_absent(const struct meepo_template *tpl,
                                  const struct meepo_event *event,
                                  const struct meepo_value *image)
{
	size_t i;
	int col;

	if (image == NULL) {
		return NULL;
	}
	for (i = 0; i < tpl->nsegments; i++) {
		if (tpl->segments[i].kind != SEG_COLUMN) {
			continue;
		}
		col = meepo_table_column(event->table, tpl->segments[i].text);
		if (col >= 0 && image[col].type == MEEPO_VALUE_ABSENT) {
			return tpl->segments[i].text;
		}
	}
	return NULL;
}

/* Truncates `out` back to `len` bytes, as it was before a failed render. */
static void restore(struct meepo_buf *out, size_t len)
{
	out->len = len;
	if (out->cap > 0) {
		out->data[len] = '\0';
	}
}

int meepo_template_render(const struct meepo_template *tpl, const struct meepo_event *event,
                          const struct meepo_value *image, struct meepo_buf *out,
                          char *err, size_t errlen)
{
	const struct meepo_table *table = event->table;
	const struct segment *seg;
	const struct meepo_value *value;
	size_t mark = out->len;
	size_t i;
	int col;
	int rc = 0;

	if (image == NULL) {
		rc = 1;
		goto out;
	}
	for (i = 0; i < tpl->nsegments; i++) {
		seg = &tpl->segments[i];
		switch (seg->kind) {
		case SEG_LITERAL:
			meepo_buf_append(out, seg->text, seg->len);
			break;
		case SEG_SCHEMA:
			meepo_buf_puts(out, table->schema);
			break;
		case SEG_TABLE:
			meepo_buf_puts(out, table->name);
			break;
		case SEG_COLUMN:
			col = meepo_table_column(table, seg->text);
			if (col < 0) {
				snprintf(err, errlen, "key template \"%s\": table %s.%s has no column `%s`",
				         tpl->source, table->schema, table->name, seg->text);
				rc = -1;
				goto out;
			}
			value = &image[col];
			if (value->type == MEEPO_VALUE_NULL || value->type == MEEPO_VALUE_ABSENT) {
				rc = 1;
				goto out;
			}
			if (meepo_value_append_text(out, value) < 0) {
				snprintf(err, errlen, "key template \"%s\": malformed value in column `%s` of %s.%s",
				         tpl->source, seg->text, table->schema, table->name);
				rc = -1;
				goto out;
			}
			break;
		}
	}
out:
	if (rc != 0) {
		restore(out, mark);
	}
	return rc;
}
