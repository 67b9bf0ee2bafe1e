/*
 * core/binlog/table_map.c - TABLE_MAP events and their optional metadata.
 *
 * Parsing first fills a draft whose strings are slices of the event body
 * (or of an existing table), then builds the binlog_table in one exactly
 * sized allocation: the struct, the columns, the ENUM/SET lists and their
 * name pointers, the key, and the characters (names, members, raw body).
 *
 * Column metadata (meepo_column.meta) follows MySQL's table_def: VARCHAR and
 * VAR_STRING the maximum byte length; BLOB, JSON, GEOMETRY and VECTOR the
 * length-prefix width; FLOAT/DOUBLE the pack length; TIME2, DATETIME2,
 * TIMESTAMP2 the fractional digits; NEWDECIMAL precision << 8 | scale; BIT
 * bytes << 8 | bits; STRING, ENUM and SET byte0 << 8 | byte1 as logged (the
 * real type is byte0 for ENUM/SET, and meepo_column.type is set to it).
 *
 * Concurrency: reentrant; a built table is immutable and may be shared.
 */
#include <inttypes.h>
#include <stdalign.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "binlog/binlog.h"
#include "binlog/wire.h"
#include "sdk/format.h"

/* Optional metadata field types (binlog_row_metadata). */
enum optional_field {
	OPT_SIGNEDNESS = 1,
	OPT_DEFAULT_CHARSET = 2,
	OPT_COLUMN_CHARSET = 3,
	OPT_COLUMN_NAME = 4,
	OPT_SET_STR_VALUE = 5,
	OPT_ENUM_STR_VALUE = 6,
	OPT_GEOMETRY_TYPE = 7,
	OPT_SIMPLE_PRIMARY_KEY = 8,
	OPT_PRIMARY_KEY_WITH_PREFIX = 9,
	OPT_ENUM_AND_SET_DEFAULT_CHARSET = 10,
	OPT_ENUM_AND_SET_COLUMN_CHARSET = 11,
	OPT_COLUMN_VISIBILITY = 12,
};

/* Which columns an optional field enumerates. */
enum column_class {
	CLASS_NUMERIC,  /* signedness */
	CLASS_CHARACTER,/* charsets of character columns */
	CLASS_ENUM_SET, /* charsets of ENUM and SET columns */
	CLASS_ENUM,     /* ENUM member lists */
	CLASS_SET,      /* SET member lists */
};

/* Bytes of the "@N" name given to a column without one, NUL included. */
#define UNNAMED_MAX sizeof("@4294967295")

/* A run of bytes that is not NUL-terminated. */
struct slice {
	const char *p;  /* first byte, NULL when absent */
	size_t n;       /* bytes */
};

/* One column while a table is being put together. */
struct draft_column {
	struct meepo_column col;    /* type, meta, charset, flags (pointers unset) */
	struct slice name;          /* name; p NULL gives "@N" */
	bool has_list;              /* ENUM/SET members are known */
	uint32_t first;             /* index of the first member in draft.members */
	uint32_t count;             /* number of members */
};

/* Everything a binlog_table is built from. */
struct draft {
	uint64_t id;                    /* table id */
	struct slice schema;            /* database name */
	struct slice name;              /* table name */
	uint32_t ncolumns;              /* entries in columns */
	struct draft_column *columns;   /* malloc'd */
	struct slice *members;          /* all ENUM/SET members, malloc'd */
	uint32_t nmembers;              /* used entries in members */
	uint32_t members_cap;           /* allocated entries in members */
	uint32_t *key;                  /* primary key column indices, malloc'd */
	uint32_t nkey;                  /* entries in key */
	bool has_names;                 /* see struct binlog_table */
	bool has_key;
	bool has_signedness;
	struct slice raw;               /* TABLE_MAP body to copy */
};

/* Returns whether a column of real type `type` belongs to class `cls`. */
static bool column_in_class(uint8_t type, enum column_class cls, bool mariadb)
{
	switch (cls) {
	case CLASS_NUMERIC:
		/* MariaDB gives YEAR (a TINYINT underneath) a signedness bit too; MySQL does not. */
		return type == BINLOG_COL_TINY || type == BINLOG_COL_SHORT ||
		       type == BINLOG_COL_INT24 || type == BINLOG_COL_LONG ||
		       type == BINLOG_COL_LONGLONG || type == BINLOG_COL_NEWDECIMAL ||
		       type == BINLOG_COL_FLOAT || type == BINLOG_COL_DOUBLE ||
		       (mariadb && type == BINLOG_COL_YEAR);
	case CLASS_CHARACTER:
		/*
		 * MariaDB counts GEOMETRY as a BLOB here, MySQL does not; MySQL 9
		 * counts VECTOR (a binary string).
		 */
		return type == BINLOG_COL_STRING || type == BINLOG_COL_VAR_STRING ||
		       type == BINLOG_COL_VARCHAR || type == BINLOG_COL_BLOB ||
		       type == BINLOG_COL_VECTOR || (mariadb && type == BINLOG_COL_GEOMETRY);
	case CLASS_ENUM_SET:
		return type == BINLOG_COL_ENUM || type == BINLOG_COL_SET;
	case CLASS_ENUM:
		return type == BINLOG_COL_ENUM;
	case CLASS_SET:
		return type == BINLOG_COL_SET;
	}
	return false;
}

/* Returns the index of the n-th (0-based) column of class cls, or -1. */
static int64_t nth_in_class(const struct draft *d, enum column_class cls, bool mariadb,
                            uint64_t n)
{
	uint32_t i;

	for (i = 0; i < d->ncolumns; i++) {
		if (column_in_class(d->columns[i].col.type, cls, mariadb)) {
			if (n == 0) {
				return i;
			}
			n--;
		}
	}
	return -1;
}

/* Reads the metadata of one column from the TABLE_MAP metadata block. */
static int column_meta_read(struct wire *w, struct meepo_column *col)
{
	uint64_t v;

	switch (col->type) {
	case BINLOG_COL_FLOAT:
	case BINLOG_COL_DOUBLE:
	case BINLOG_COL_TIMESTAMP2:
	case BINLOG_COL_DATETIME2:
	case BINLOG_COL_TIME2:
	case BINLOG_COL_VECTOR:
	case BINLOG_COL_JSON:
	case BINLOG_COL_TINY_BLOB:
	case BINLOG_COL_MEDIUM_BLOB:
	case BINLOG_COL_LONG_BLOB:
	case BINLOG_COL_BLOB:
	case BINLOG_COL_GEOMETRY:
		if (wire_uint(w, 1, &v) < 0) {
			return -1;
		}
		col->meta = (uint16_t)v;
		return 0;
	case BINLOG_COL_VARCHAR:
	case BINLOG_COL_VAR_STRING:
	case BINLOG_COL_BIT:
		if (wire_uint(w, 2, &v) < 0) {
			return -1;
		}
		col->meta = (uint16_t)v;
		return 0;
	case BINLOG_COL_NEWDECIMAL:
	case BINLOG_COL_STRING:
	case BINLOG_COL_ENUM:
	case BINLOG_COL_SET:
		if (wire_uint(w, 2, &v) < 0) {
			return -1;
		}
		/* Logged high byte first: byte0 << 8 | byte1. */
		col->meta = (uint16_t)((v & 0xff) << 8 | v >> 8);
		/* A STRING column may really be an ENUM or a SET (byte0). */
		if (col->type == BINLOG_COL_STRING &&
		    ((v & 0xff) == BINLOG_COL_ENUM || (v & 0xff) == BINLOG_COL_SET)) {
			col->type = (uint8_t)(v & 0xff);
		}
		return 0;
	default:
		col->meta = 0;
		return 0;
	}
}

/* Reads a packed integer that must be below `limit`; does not move on failure. */
static int packed_below(struct wire *w, uint64_t limit, uint64_t *out)
{
	const uint8_t *start = w->p;

	if (wire_packed(w, out) < 0 || *out >= limit) {
		w->p = start;
		return -1;
	}
	return 0;
}

/* Reads a bitmap with one MSB-first bit per column of class cls. */
static int read_class_bits(struct draft *d, struct wire *w, enum column_class cls, bool mariadb,
                           bool signedness)
{
	uint32_t i;
	uint32_t bit = 0;

	for (i = 0; i < d->ncolumns; i++) {
		if (!column_in_class(d->columns[i].col.type, cls, mariadb)) {
			continue;
		}
		if (wire_left(w) <= bit / 8) {
			return -1;
		}
		if (signedness) {
			d->columns[i].col.is_unsigned = (w->p[bit / 8] >> (7 - bit % 8)) & 1;
		}
		bit++;
	}
	return 0;
}

/* DEFAULT_CHARSET style: a default collation, then (n-th column, collation) pairs. */
static int read_default_charset(struct draft *d, struct wire *w, enum column_class cls,
                                bool mariadb)
{
	uint64_t def;
	uint64_t n;
	uint64_t coll;
	uint32_t i;
	int64_t col;

	if (packed_below(w, UINT16_MAX + 1ull, &def) < 0) {
		return -1;
	}
	for (i = 0; i < d->ncolumns; i++) {
		if (column_in_class(d->columns[i].col.type, cls, mariadb)) {
			d->columns[i].col.charset = (uint16_t)def;
		}
	}
	while (wire_left(w) > 0) {
		if (wire_packed(w, &n) < 0 || packed_below(w, UINT16_MAX + 1ull, &coll) < 0) {
			return -1;
		}
		col = nth_in_class(d, cls, mariadb, n);
		if (col < 0) {
			return -1;
		}
		d->columns[col].col.charset = (uint16_t)coll;
	}
	return 0;
}

/* COLUMN_CHARSET style: one collation per column of the class, in order. */
static int read_column_charsets(struct draft *d, struct wire *w, enum column_class cls,
                                bool mariadb)
{
	uint64_t coll;
	uint32_t i;

	for (i = 0; i < d->ncolumns; i++) {
		if (!column_in_class(d->columns[i].col.type, cls, mariadb)) {
			continue;
		}
		if (packed_below(w, UINT16_MAX + 1ull, &coll) < 0) {
			return -1;
		}
		d->columns[i].col.charset = (uint16_t)coll;
	}
	return wire_left(w) == 0 ? 0 : -1;
}

/* Reads a packed length and that many bytes into a slice. */
static int read_string(struct wire *w, struct slice *out)
{
	uint64_t n;
	const uint8_t *p;

	if (wire_packed(w, &n) < 0 || wire_bytes(w, n, &p) < 0) {
		return -1;
	}
	out->p = (const char *)p;
	out->n = n;
	return 0;
}

static int read_column_names(struct draft *d, struct wire *w)
{
	uint32_t i;

	for (i = 0; i < d->ncolumns; i++) {
		if (read_string(w, &d->columns[i].name) < 0) {
			return -1;
		}
	}
	d->has_names = true;
	return wire_left(w) == 0 ? 0 : -1;
}

/* ENUM_STR_VALUE / SET_STR_VALUE: per column of the class, a count and the members. */
static int read_member_lists(struct draft *d, struct wire *w, enum column_class cls)
{
	uint32_t i;
	uint64_t count;
	uint64_t j;

	for (i = 0; i < d->ncolumns; i++) {
		if (!column_in_class(d->columns[i].col.type, cls, false)) {
			continue;
		}
		/* Each member takes at least its length byte. */
		if (wire_packed(w, &count) < 0 || count > wire_left(w) ||
		    count > d->members_cap - d->nmembers) {
			return -1;
		}
		d->columns[i].has_list = true;
		d->columns[i].first = d->nmembers;
		d->columns[i].count = (uint32_t)count;
		for (j = 0; j < count; j++) {
			if (read_string(w, &d->members[d->nmembers]) < 0) {
				return -1;
			}
			d->nmembers++;
		}
	}
	return wire_left(w) == 0 ? 0 : -1;
}

/* SIMPLE_PRIMARY_KEY (indices) or PRIMARY_KEY_WITH_PREFIX (index, prefix pairs). */
static int read_key(struct draft *d, struct wire *w, bool with_prefix)
{
	uint64_t col;
	uint64_t prefix;

	free(d->key);
	/* Each index takes at least one byte. */
	d->key = malloc(wire_left(w) * sizeof(*d->key) + 1);
	d->nkey = 0;
	if (d->key == NULL) {
		return -1;
	}
	while (wire_left(w) > 0) {
		if (packed_below(w, d->ncolumns, &col) < 0 ||
		    (with_prefix && wire_packed(w, &prefix) < 0)) {
			return -1;
		}
		d->key[d->nkey++] = (uint32_t)col;
	}
	d->has_key = true;
	return 0;
}

/* Decodes one optional metadata field; unknown ones are skipped. */
static int read_optional_field(struct draft *d, uint8_t type, struct wire *w, bool mariadb)
{
	switch (type) {
	case OPT_SIGNEDNESS:
		d->has_signedness = true;
		return read_class_bits(d, w, CLASS_NUMERIC, mariadb, true);
	case OPT_DEFAULT_CHARSET:
		return read_default_charset(d, w, CLASS_CHARACTER, mariadb);
	case OPT_COLUMN_CHARSET:
		return read_column_charsets(d, w, CLASS_CHARACTER, mariadb);
	case OPT_COLUMN_NAME:
		return read_column_names(d, w);
	case OPT_SET_STR_VALUE:
		return read_member_lists(d, w, CLASS_SET);
	case OPT_ENUM_STR_VALUE:
		return read_member_lists(d, w, CLASS_ENUM);
	case OPT_SIMPLE_PRIMARY_KEY:
		return read_key(d, w, false);
	case OPT_PRIMARY_KEY_WITH_PREFIX:
		return read_key(d, w, true);
	case OPT_ENUM_AND_SET_DEFAULT_CHARSET:
		return read_default_charset(d, w, CLASS_ENUM_SET, mariadb);
	case OPT_ENUM_AND_SET_COLUMN_CHARSET:
		return read_column_charsets(d, w, CLASS_ENUM_SET, mariadb);
	default:
		/* GEOMETRY_TYPE, COLUMN_VISIBILITY and newer fields carry nothing we keep. */
		return 0;
	}
}

/* Rounds n up to a multiple of a (a power of two). */
static size_t align_up(size_t n, size_t a)
{
	return (n + a - 1) & ~(a - 1);
}

/* Copies a slice as a NUL-terminated string at *chars and advances it. */
static const char *put_string(char **chars, struct slice s)
{
	char *out = *chars;

	memcpy(out, s.p, s.n);
	out[s.n] = '\0';
	*chars += s.n + 1;
	return out;
}

/* Builds the table described by d in one allocation. NULL if out of memory. */
static struct binlog_table *draft_build(const struct draft *d)
{
	struct binlog_table *t;
	struct meepo_column *cols;
	struct meepo_strlist *lists;
	const char **ptrs;
	uint32_t *key;
	char *chars;
	size_t nlists = 0;
	size_t nptrs = 0;
	size_t nchars = d->schema.n + 1 + d->name.n + 1 + d->raw.n;
	size_t off_cols;
	size_t off_lists;
	size_t off_ptrs;
	size_t off_key;
	size_t off_chars;
	uint32_t i;
	uint32_t j;
	const struct draft_column *dc;

	for (i = 0; i < d->ncolumns; i++) {
		dc = &d->columns[i];
		nchars += dc->name.p ? dc->name.n + 1 : UNNAMED_MAX;
		if (dc->has_list) {
			nlists++;
			nptrs += dc->count;
			for (j = 0; j < dc->count; j++) {
				nchars += d->members[dc->first + j].n + 1;
			}
		}
	}
	off_cols = align_up(sizeof(*t), alignof(struct meepo_column));
	off_lists = align_up(off_cols + d->ncolumns * sizeof(*cols), alignof(struct meepo_strlist));
	off_ptrs = align_up(off_lists + nlists * sizeof(*lists), alignof(const char *));
	off_key = align_up(off_ptrs + nptrs * sizeof(*ptrs), alignof(uint32_t));
	off_chars = off_key + d->nkey * sizeof(*key);
	t = calloc(1, off_chars + nchars);
	if (t == NULL) {
		return NULL;
	}
	cols = (struct meepo_column *)((char *)t + off_cols);
	lists = (struct meepo_strlist *)((char *)t + off_lists);
	ptrs = (const char **)((char *)t + off_ptrs);
	key = (uint32_t *)((char *)t + off_key);
	chars = (char *)t + off_chars;

	t->table.id = d->id;
	t->table.schema = put_string(&chars, d->schema);
	t->table.name = put_string(&chars, d->name);
	t->table.ncolumns = d->ncolumns;
	t->table.columns = cols;
	t->table.nkey = d->nkey;
	t->table.key = d->nkey ? key : NULL;
	if (d->nkey > 0) {
		memcpy(key, d->key, d->nkey * sizeof(*key));
	}
	for (i = 0; i < d->ncolumns; i++) {
		dc = &d->columns[i];
		cols[i] = dc->col;
		if (dc->name.p) {
			cols[i].name = put_string(&chars, dc->name);
		} else {
			cols[i].name = chars;
			chars += snprintf(chars, UNNAMED_MAX, "@%" PRIu32, i + 1) + 1;
		}
		cols[i].names = NULL;
		if (dc->has_list) {
			lists->count = dc->count;
			lists->names = ptrs;
			for (j = 0; j < dc->count; j++) {
				*ptrs++ = put_string(&chars, d->members[dc->first + j]);
			}
			cols[i].names = lists++;
		}
	}
	t->has_names = d->has_names;
	t->has_key = d->has_key;
	t->has_signedness = d->has_signedness;
	t->raw_len = d->raw.n;
	t->raw = (const uint8_t *)chars;
	memcpy(chars, d->raw.p, d->raw.n);
	return t;
}

static void draft_free(struct draft *d)
{
	free(d->columns);
	free(d->members);
	free(d->key);
}

int binlog_table_id(const struct binlog_format *fmt, uint8_t type, const uint8_t *body, size_t len,
                    uint64_t *table_id, char *err, size_t errlen)
{
	size_t n = wire_table_id_len(fmt->post_header_len[type]);

	if (len < n) {
		snprintf(err, errlen, "%s truncated: no table id", binlog_event_type_name(type));
		return -1;
	}
	*table_id = wire_le(body, n);
	return 0;
}

/* Reads a 1-byte length, the name and its NUL. */
static int read_name(struct wire *w, struct slice *out)
{
	uint64_t n;
	const uint8_t *p;
	const uint8_t *nul;

	if (wire_uint(w, 1, &n) < 0 || wire_bytes(w, n, &p) < 0 || wire_bytes(w, 1, &nul) < 0 ||
	    *nul != '\0') {
		return -1;
	}
	out->p = (const char *)p;
	out->n = n;
	return 0;
}

/* Reads the fixed part of TABLE_MAP: id, names, columns, metadata, nullability. */
static int read_columns(const struct binlog_format *fmt, struct draft *d, struct wire *w,
                        char *err, size_t errlen)
{
	uint64_t ncolumns;
	uint64_t meta_len;
	uint64_t flags;
	const uint8_t *types;
	const uint8_t *meta;
	const uint8_t *nulls;
	struct wire mw;
	uint32_t i;

	if (binlog_table_id(fmt, BINLOG_TABLE_MAP, w->p, wire_left(w), &d->id, err, errlen) < 0) {
		return -1;
	}
	w->p += wire_table_id_len(fmt->post_header_len[BINLOG_TABLE_MAP]);
	if (wire_uint(w, 2, &flags) < 0 || read_name(w, &d->schema) < 0 ||
	    read_name(w, &d->name) < 0) {
		snprintf(err, errlen, "TABLE_MAP truncated in the schema or table name");
		return -1;
	}
	if (wire_packed(w, &ncolumns) < 0 || ncolumns > wire_left(w) ||
	    wire_bytes(w, ncolumns, &types) < 0) {
		snprintf(err, errlen, "TABLE_MAP %.*s.%.*s: column count or types truncated",
		         (int)d->schema.n, d->schema.p, (int)d->name.n, d->name.p);
		return -1;
	}
	if (wire_packed(w, &meta_len) < 0 || wire_bytes(w, meta_len, &meta) < 0 ||
	    wire_bytes(w, (ncolumns + 7) / 8, &nulls) < 0) {
		snprintf(err, errlen, "TABLE_MAP %.*s.%.*s: metadata or null bitmap truncated",
		         (int)d->schema.n, d->schema.p, (int)d->name.n, d->name.p);
		return -1;
	}
	d->ncolumns = (uint32_t)ncolumns;
	d->columns = calloc(ncolumns + 1, sizeof(*d->columns));
	if (d->columns == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	mw.p = meta;
	mw.end = meta + meta_len;
	for (i = 0; i < d->ncolumns; i++) {
		d->columns[i].col.type = types[i];
		d->columns[i].col.nullable = wire_bit(nulls, i);
		if (column_meta_read(&mw, &d->columns[i].col) < 0) {
			snprintf(err, errlen, "TABLE_MAP %.*s.%.*s: metadata of column %" PRIu32
			         " (type %u) truncated", (int)d->schema.n, d->schema.p,
			         (int)d->name.n, d->name.p, i + 1, types[i]);
			return -1;
		}
	}
	if (wire_left(&mw) != 0) {
		snprintf(err, errlen, "TABLE_MAP %.*s.%.*s: %zu metadata bytes left over",
		         (int)d->schema.n, d->schema.p, (int)d->name.n, d->name.p, wire_left(&mw));
		return -1;
	}
	return 0;
}

/*
 * ENUM and SET member names arrive in their column's charset; meepo_strlist
 * promises UTF-8. Converts every member into *out and points the draft's
 * slices there (out must outlive the draft). Returns 0, or -1 (no memory).
 */
static int convert_members(struct draft *d, struct meepo_buf *out)
{
	size_t *offsets = malloc((2 * d->nmembers + 1) * sizeof(*offsets)); /* start, length */
	uint32_t i;
	uint32_t j;

	if (offsets == NULL) {
		return -1;
	}
	for (i = 0; i < d->ncolumns; i++) {
		const struct draft_column *dc = &d->columns[i];
		for (j = 0; dc->has_list && j < dc->count; j++) {
			const struct slice *m = &d->members[dc->first + j];
			offsets[2 * (dc->first + j)] = out->len;
			sdk_append_converted(out, m->p, m->n, dc->col.charset, SDK_ESCAPE_TEXT);
			offsets[2 * (dc->first + j) + 1] = out->len - offsets[2 * (dc->first + j)];
			meepo_buf_putc(out, '\0');
		}
	}
	for (i = 0; i < d->ncolumns; i++) {
		const struct draft_column *dc = &d->columns[i];
		for (j = 0; dc->has_list && j < dc->count; j++) {
			struct slice *m = &d->members[dc->first + j];
			m->p = out->data + offsets[2 * (dc->first + j)];
			m->n = offsets[2 * (dc->first + j) + 1];
		}
	}
	free(offsets);
	return 0;
}

struct binlog_table *binlog_table_map_parse(const struct binlog_format *fmt, const uint8_t *body,
                                            size_t len, char *err, size_t errlen)
{
	struct meepo_buf converted = { 0 };
	struct draft d;
	struct wire w = { body, body + len };
	struct wire fw;
	struct binlog_table *t = NULL;
	uint64_t type;
	uint64_t flen;
	const uint8_t *field;

	memset(&d, 0, sizeof(d));
	d.raw.p = (const char *)body;
	d.raw.n = len;
	if (read_columns(fmt, &d, &w, err, errlen) < 0) {
		goto out;
	}
	/* Every member name takes at least one byte of optional metadata. */
	d.members_cap = (uint32_t)wire_left(&w);
	d.members = malloc((d.members_cap + 1) * sizeof(*d.members));
	if (d.members == NULL) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	while (wire_left(&w) > 0) {
		if (wire_uint(&w, 1, &type) < 0 || wire_packed(&w, &flen) < 0 ||
		    wire_bytes(&w, flen, &field) < 0) {
			snprintf(err, errlen,
			         "TABLE_MAP %.*s.%.*s: optional metadata truncated at byte %zu",
			         (int)d.schema.n, d.schema.p, (int)d.name.n, d.name.p,
			         (size_t)(w.p - body));
			goto out;
		}
		fw.p = field;
		fw.end = field + flen;
		if (read_optional_field(&d, (uint8_t)type, &fw, fmt->mariadb) < 0) {
			snprintf(err, errlen,
			         "TABLE_MAP %.*s.%.*s: optional metadata field %" PRIu64
			         " malformed at byte %zu", (int)d.schema.n, d.schema.p, (int)d.name.n,
			         d.name.p, type, (size_t)(fw.p - body));
			goto out;
		}
	}
	if (convert_members(&d, &converted) == 0) {
		t = draft_build(&d);
	}
	if (t == NULL) {
		snprintf(err, errlen, "out of memory");
	}
out:
	draft_free(&d);
	meepo_buf_free(&converted);
	return t;
}

/* Returns a slice over a NUL-terminated string. */
static struct slice slice_of(const char *s)
{
	struct slice out = { s, strlen(s) };

	return out;
}

/* Column i's ENUM/SET members: the column's own, else the overlay's, else NULL. */
static const struct meepo_strlist *overlay_members(const struct binlog_table_overlay *o,
                                                   const struct meepo_column *columns, uint32_t i)
{
	if (columns[i].names != NULL) {
		return columns[i].names;
	}
	if (o->members != NULL && o->members[i].count > 0) {
		return &o->members[i];
	}
	return NULL;
}

/*
 * Builds a table from `columns` completed with the overlay: names and key
 * replaced, the other fields filled in where the columns lack them
 * (signedness only unless has_signedness). The names and key count as
 * known (has_names, has_key). NULL on allocation failure.
 */
static struct binlog_table *overlay_build(const struct draft *base,
                                          const struct meepo_column *columns,
                                          const struct binlog_table_overlay *o)
{
	struct binlog_table *t = NULL;
	struct draft d = *base;
	uint32_t i;
	uint32_t j;

	d.has_names = true;
	d.has_key = true;
	d.has_signedness = base->has_signedness || o->is_unsigned != NULL;
	d.nkey = o->nkey;
	d.columns = calloc(d.ncolumns + 1, sizeof(*d.columns));
	d.key = malloc(o->nkey * sizeof(*d.key) + 1);
	for (i = 0; d.columns && i < d.ncolumns; i++) {
		const struct meepo_strlist *list = overlay_members(o, columns, i);
		d.members_cap += list != NULL ? list->count : 0;
	}
	d.members = malloc((d.members_cap + 1) * sizeof(*d.members));
	if (d.columns == NULL || d.key == NULL || d.members == NULL) {
		goto out;
	}
	if (o->nkey > 0) {
		memcpy(d.key, o->key, o->nkey * sizeof(*d.key));
	}
	for (i = 0; i < d.ncolumns; i++) {
		const struct meepo_strlist *list = overlay_members(o, columns, i);
		struct meepo_column *col = &d.columns[i].col;
		*col = columns[i];
		d.columns[i].name = slice_of(o->names[i]);
		if (o->is_unsigned != NULL && !base->has_signedness) {
			col->is_unsigned = o->is_unsigned[i];
		}
		if (o->charsets != NULL && col->charset == 0) {
			col->charset = o->charsets[i];
		}
		if (o->temporal_meta != NULL && binlog_column_is_old_temporal(col)) {
			col->meta = o->temporal_meta[i];
		}
		if (list != NULL) {
			d.columns[i].has_list = true;
			d.columns[i].first = d.nmembers;
			d.columns[i].count = list->count;
			for (j = 0; j < list->count; j++) {
				d.members[d.nmembers++] = slice_of(list->names[j]);
			}
		}
	}
	t = draft_build(&d);
out:
	draft_free(&d);
	return t;
}

struct binlog_table *binlog_table_complete(const struct binlog_table *table,
                                           const struct binlog_table_overlay *o)
{
	const struct meepo_table *src = &table->table;
	struct draft d;

	memset(&d, 0, sizeof(d));
	d.id = src->id;
	d.schema = slice_of(src->schema);
	d.name = slice_of(src->name);
	d.ncolumns = src->ncolumns;
	d.raw.p = (const char *)table->raw;
	d.raw.n = table->raw_len;
	d.has_signedness = table->has_signedness;
	return overlay_build(&d, src->columns, o);
}

struct binlog_table *binlog_table_new(const char *schema, const char *name, uint32_t ncolumns,
                                      const struct meepo_column *columns,
                                      const struct binlog_table_overlay *o)
{
	struct draft d;

	memset(&d, 0, sizeof(d));
	d.schema = slice_of(schema);
	d.name = slice_of(name);
	d.ncolumns = ncolumns;
	d.raw.p = "";
	d.has_signedness = true;
	return overlay_build(&d, columns, o);
}

void binlog_table_free(struct binlog_table *table)
{
	free(table);
}
