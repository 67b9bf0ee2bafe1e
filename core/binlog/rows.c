/*
 * core/binlog/rows.c - WRITE/UPDATE/DELETE rows events (v0, v1, v2 and
 * MySQL's PARTIAL_UPDATE_ROWS) and the row images inside them.
 *
 * A rows event body is: table id, flags, (v2) extra data, column count, the
 * columns-present bitmap(s), then rows. Each row image is a null bitmap over
 * the present columns followed by the present non-NULL values; an update
 * row holds the before image then the after image.
 *
 * Concurrency: reentrant; a binlog_rows cursor belongs to one caller.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "binlog/binlog.h"
#include "binlog/wire.h"

/* PARTIAL_UPDATE_ROWS value_options bit: JSON columns may hold diffs. */
#define PARTIAL_JSON_UPDATES 1u
/* Length of the v2 extra-data length field, which counts itself. */
#define EXTRA_LEN_FIELD 2u

int binlog_rows_parse(const struct binlog_format *fmt, uint8_t type, const uint8_t *body,
                      size_t len, struct binlog_rows *out, char *err, size_t errlen)
{
	struct wire w = { body, body + len };
	const char *name = binlog_event_type_name(type);
	bool v2 = false;
	uint64_t flags;
	uint64_t extra_len;
	uint64_t ncolumns;
	const uint8_t *skip;
	const uint8_t *bitmap;
	size_t id_len = wire_table_id_len(fmt->post_header_len[type]);

	memset(out, 0, sizeof(*out));
	switch (type) {
	case BINLOG_WRITE_ROWS_V2:
	case BINLOG_UPDATE_ROWS_V2:
	case BINLOG_DELETE_ROWS_V2:
	case BINLOG_PARTIAL_UPDATE_ROWS:
		v2 = true;
		break;
	case BINLOG_WRITE_ROWS_V0:
	case BINLOG_UPDATE_ROWS_V0:
	case BINLOG_DELETE_ROWS_V0:
	case BINLOG_WRITE_ROWS_V1:
	case BINLOG_UPDATE_ROWS_V1:
	case BINLOG_DELETE_ROWS_V1:
		break;
	case BINLOG_MARIADB_WRITE_ROWS_COMPRESSED_V1:
	case BINLOG_MARIADB_UPDATE_ROWS_COMPRESSED_V1:
	case BINLOG_MARIADB_DELETE_ROWS_COMPRESSED_V1:
		snprintf(err, errlen,
		         "compressed rows events are not supported; disable log_bin_compress");
		return -1;
	default:
		snprintf(err, errlen, "%s (%u) is not a rows event", name, type);
		return -1;
	}
	switch (type) {
	case BINLOG_WRITE_ROWS_V0:
	case BINLOG_WRITE_ROWS_V1:
	case BINLOG_WRITE_ROWS_V2:
		out->action = MEEPO_WRITE;
		break;
	case BINLOG_DELETE_ROWS_V0:
	case BINLOG_DELETE_ROWS_V1:
	case BINLOG_DELETE_ROWS_V2:
		out->action = MEEPO_DELETE;
		break;
	default:
		out->action = MEEPO_UPDATE;
		break;
	}
	out->partial_json = type == BINLOG_PARTIAL_UPDATE_ROWS;
	if (wire_uint(&w, id_len, &out->table_id) < 0 || wire_uint(&w, 2, &flags) < 0) {
		snprintf(err, errlen, "%s truncated in its post-header", name);
		return -1;
	}
	out->flags = (uint16_t)flags;
	if (v2 && (wire_uint(&w, EXTRA_LEN_FIELD, &extra_len) < 0 || extra_len < EXTRA_LEN_FIELD ||
	           wire_bytes(&w, extra_len - EXTRA_LEN_FIELD, &skip) < 0)) {
		snprintf(err, errlen, "%s: extra data truncated or its length is bad at byte %zu",
		         name, (size_t)(w.p - body));
		return -1;
	}
	if (wire_packed(&w, &ncolumns) < 0 || ncolumns > UINT32_MAX ||
	    wire_bytes(&w, (ncolumns + 7) / 8, &bitmap) < 0) {
		snprintf(err, errlen, "%s: column count or bitmap truncated at byte %zu", name,
		         (size_t)(w.p - body));
		return -1;
	}
	out->ncolumns = (uint32_t)ncolumns;
	if (out->action == MEEPO_WRITE) {
		out->present_after = bitmap;
	} else {
		out->present_before = bitmap;
	}
	if (out->action == MEEPO_UPDATE &&
	    wire_bytes(&w, (ncolumns + 7) / 8, &out->present_after) < 0) {
		snprintf(err, errlen, "%s: after-image bitmap truncated at byte %zu", name,
		         (size_t)(w.p - body));
		return -1;
	}
	/* Counted once per event, not per row. */
	for (uint32_t i = 0; i < out->ncolumns; i++) {
		out->nbefore += out->present_before ? (uint32_t)wire_bit(out->present_before, i) : 0;
		out->nafter += out->present_after ? (uint32_t)wire_bit(out->present_after, i) : 0;
	}
	out->pos = w.p;
	out->end = w.end;
	return 0;
}

/* Where a row image is being decoded, for error messages. */
struct image_ctx {
	const struct meepo_table *table;    /* the rows' table */
	const uint8_t *body;                /* event body, for offsets */
	char *err;                          /* message buffer */
	size_t errlen;                      /* its size */
};

/* Formats an error naming the table, the column (if any) and the offset. */
static int image_error(const struct image_ctx *c, int32_t column, const uint8_t *at,
                       const char *what)
{
	const struct meepo_table *t = c->table;

	if (column >= 0) {
		snprintf(c->err, c->errlen, "%s.%s column %s (#%" PRId32 ") at byte %zu: %s",
		         t->schema, t->name, t->columns[column].name, column + 1,
		         (size_t)(at - c->body), what);
	} else {
		snprintf(c->err, c->errlen, "%s.%s row at byte %zu: %s", t->schema, t->name,
		         (size_t)(at - c->body), what);
	}
	return -1;
}

/*
 * Skips a PARTIAL_UPDATE_ROWS JSON diff: a length prefix of the column's
 * pack length, then the diff. The diff describes operations on paths, not
 * a document, so the new value is not in the binlog: the column is reported
 * as MEEPO_VALUE_ABSENT.
 */
static int skip_json_diff(const struct image_ctx *c, uint32_t i, struct wire *w,
                          struct meepo_value *out)
{
	uint8_t width = (uint8_t)c->table->columns[i].meta;
	uint64_t n;
	const uint8_t *diff;

	if (width < 1 || width > 4) {
		return image_error(c, (int32_t)i, w->p, "JSON length width is not 1..4");
	}
	if (wire_uint(w, width, &n) < 0 || wire_bytes(w, n, &diff) < 0) {
		return image_error(c, (int32_t)i, w->p, "partial JSON diff truncated");
	}
	out->type = MEEPO_VALUE_ABSENT;
	return 0;
}

/* Decodes one row image of the present columns into values. */
static int image_decode(const struct image_ctx *c, struct wire *w, const uint8_t *present,
                        uint32_t npresent, bool partial_after, struct meepo_value *values)
{
	const struct meepo_table *t = c->table;
	const uint8_t *nulls;
	const uint8_t *partial = NULL;
	uint64_t options;
	uint32_t njson = 0;
	uint32_t k = 0;
	uint32_t json_index = 0;
	uint32_t i;
	ssize_t used;
	char why[256];

	if (partial_after) {
		for (i = 0; i < t->ncolumns; i++) {
			njson += t->columns[i].type == BINLOG_COL_JSON;
		}
		if (wire_packed(w, &options) < 0) {
			return image_error(c, -1, w->p, "value options truncated");
		}
		/* The partial bits cover every JSON column, present or not. */
		if ((options & PARTIAL_JSON_UPDATES) &&
		    wire_bytes(w, (njson + 7) / 8, &partial) < 0) {
			return image_error(c, -1, w->p, "partial JSON bitmap truncated");
		}
	}
	if (wire_bytes(w, (npresent + 7) / 8, &nulls) < 0) {
		return image_error(c, -1, w->p, "null bitmap truncated");
	}
	for (i = 0; i < t->ncolumns; i++) {
		bool is_partial = false;

		if (partial != NULL && t->columns[i].type == BINLOG_COL_JSON) {
			is_partial = wire_bit(partial, json_index);
			json_index++;
		}
		if (!wire_bit(present, i)) {
			values[i].type = MEEPO_VALUE_ABSENT;
			continue;
		}
		if (wire_bit(nulls, k++)) {
			values[i].type = MEEPO_VALUE_NULL;
			continue;
		}
		if (is_partial) {
			if (skip_json_diff(c, i, w, &values[i]) < 0) {
				return -1;
			}
			continue;
		}
		used = binlog_value_decode(&t->columns[i], w->p, wire_left(w), &values[i], why,
		                           sizeof(why));
		if (used < 0 || (size_t)used > wire_left(w)) {
			return image_error(c, (int32_t)i, w->p, used < 0 ? why : "value overruns the event");
		}
		w->p += used;
	}
	return 0;
}

int binlog_rows_next(struct binlog_rows *rows, const struct meepo_table *table,
                     const uint8_t *body, struct meepo_value *before, struct meepo_value *after,
                     char *err, size_t errlen)
{
	struct image_ctx c = { table, body, err, errlen };
	struct wire w = { rows->pos, rows->end };

	if (w.p >= w.end) {
		return 0;
	}
	if (table->ncolumns != rows->ncolumns) {
		snprintf(err, errlen, "%s.%s: rows event has %" PRIu32 " columns, TABLE_MAP %" PRIu32,
		         table->schema, table->name, rows->ncolumns, table->ncolumns);
		return -1;
	}
	if (rows->present_before &&
	    image_decode(&c, &w, rows->present_before, rows->nbefore, false, before) < 0) {
		return -1;
	}
	if (rows->present_after &&
	    image_decode(&c, &w, rows->present_after, rows->nafter, rows->partial_json, after) < 0) {
		return -1;
	}
	if (w.p == rows->pos) {
		return image_error(&c, -1, w.p, "row of zero bytes");
	}
	rows->pos = w.p;
	return 1;
}
