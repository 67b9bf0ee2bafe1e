/*
 * core/sdk/json.c - values and events as JSON (meepo_value_append_json,
 * meepo_event_append_json).
 *
 * Value mapping (docs/events.md has the full table):
 *   INT, UINT, BIT, YEAR   number (full 64-bit range)
 *   DECIMAL                number with its exact digits (4.20)
 *   FLOAT, DOUBLE          shortest number that reads back as the same
 *                          float / double; null for NaN and infinities
 *   DATE, TIME, DATETIME, TIMESTAMP   string in SELECT's form (UTC)
 *   STRING                 string, converted to UTF-8 and escaped
 *   BYTES, GEOMETRY, VECTOR  base64 string
 *   ENUM                   string (its name); number without metadata
 *   SET                    array of strings; number without metadata
 *   JSON                   embedded JSON (MySQL binary JSON as MySQL prints it)
 *   NULL, ABSENT           null (an event leaves absent columns out)
 *
 * The event object has Maxwell's keys in Maxwell's order. Everything is
 * appended to the caller's buffer; nothing is allocated per value.
 *
 * Concurrency: reentrant; no state.
 */
#include <stdio.h>
#include <string.h>

#include "sdk/format.h"

/* Byte i of `len` bytes at p followed by zeros. */
static uint32_t byte_at(const uint8_t *p, size_t len, size_t i)
{
	return i < len ? p[i] : 0;
}

void sdk_base64_append(struct meepo_buf *buf, const uint8_t *p, size_t len, size_t zeros,
                       bool json_line_breaks)
{
	static const char alphabet[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t total = len + zeros;
	char quad[4];
	size_t line = 0;
	size_t i;
	uint32_t v;

	for (i = 0; i < total; i += 3) {
		if (json_line_breaks && line == 76) {
			meepo_buf_append(buf, "\\n", 2);
			line = 0;
		}
		v = byte_at(p, len, i) << 16 | byte_at(p, len, i + 1) << 8 | byte_at(p, len, i + 2);
		quad[0] = alphabet[(v >> 18) & 63];
		quad[1] = alphabet[(v >> 12) & 63];
		quad[2] = i + 1 < total ? alphabet[(v >> 6) & 63] : '=';
		quad[3] = i + 2 < total ? alphabet[v & 63] : '=';
		meepo_buf_append(buf, quad, 4);
		line += 4;
	}
}

/* Appends a UTF-8 string (a name) as a JSON string. */
static void put_name(struct meepo_buf *buf, const char *s)
{
	meepo_buf_putc(buf, '"');
	sdk_append_utf8(buf, (const uint8_t *)s, strlen(s), SDK_ESCAPE_JSON);
	meepo_buf_putc(buf, '"');
}

/* ENUM: its name; the index as a number without metadata. */
static int put_enum(struct meepo_buf *buf, const struct meepo_value *v)
{
	const struct meepo_strlist *names = v->enumset.names;

	if (names == NULL) {
		meepo_buf_printf(buf, "%llu", (unsigned long long)v->enumset.bits);
		return 0;
	}
	if (v->enumset.bits > names->count) {
		return -1;
	}
	put_name(buf, v->enumset.bits == 0 ? "" : names->names[v->enumset.bits - 1]);
	return 0;
}

/* SET: array of member names; the mask as a number without metadata. */
static int put_set(struct meepo_buf *buf, const struct meepo_value *v)
{
	const struct meepo_strlist *names = v->enumset.names;
	uint64_t bits = v->enumset.bits;
	bool first = true;
	uint32_t i;

	if (names == NULL) {
		meepo_buf_printf(buf, "%llu", (unsigned long long)bits);
		return 0;
	}
	if (names->count < 64 && (bits >> names->count) != 0) {
		return -1;
	}
	meepo_buf_putc(buf, '[');
	for (i = 0; i < names->count && i < 64; i++) {
		if (bits & ((uint64_t)1 << i)) {
			if (!first) {
				meepo_buf_putc(buf, ',');
			}
			put_name(buf, names->names[i]);
			first = false;
		}
	}
	meepo_buf_putc(buf, ']');
	return 0;
}

int meepo_value_append_json(struct meepo_buf *buf, const struct meepo_value *value)
{
	char err[128];

	switch (value->type) {
	case MEEPO_VALUE_ABSENT:
	case MEEPO_VALUE_NULL:
		meepo_buf_append(buf, "null", 4);
		return 0;
	case MEEPO_VALUE_INT:
		sdk_append_int(buf, value->i);
		return 0;
	case MEEPO_VALUE_UINT:
	case MEEPO_VALUE_BIT:
	case MEEPO_VALUE_YEAR:
		sdk_append_uint(buf, value->u);
		return 0;
	case MEEPO_VALUE_FLOAT:
	case MEEPO_VALUE_DOUBLE:
		sdk_real_append(buf, value->d, value->type == MEEPO_VALUE_FLOAT, false);
		return 0;
	case MEEPO_VALUE_DECIMAL:
		return sdk_decimal_append(buf, value->decimal.bin, value->decimal.precision,
		                          value->decimal.scale);
	case MEEPO_VALUE_DATE:
	case MEEPO_VALUE_TIME:
	case MEEPO_VALUE_DATETIME:
	case MEEPO_VALUE_TIMESTAMP:
		meepo_buf_putc(buf, '"');
		sdk_temporal_append(buf, value->type, &value->time);
		meepo_buf_putc(buf, '"');
		return 0;
	case MEEPO_VALUE_STRING:
		meepo_buf_putc(buf, '"');
		sdk_append_converted(buf, value->str.ptr, value->str.len, value->str.charset,
		                     SDK_ESCAPE_JSON);
		meepo_buf_putc(buf, '"');
		return 0;
	case MEEPO_VALUE_BYTES:
	case MEEPO_VALUE_GEOMETRY:
	case MEEPO_VALUE_VECTOR:
		meepo_buf_putc(buf, '"');
		sdk_base64_append(buf, (const uint8_t *)value->str.ptr, value->str.len,
		                  value->str.zero_pad, false);
		meepo_buf_putc(buf, '"');
		return 0;
	case MEEPO_VALUE_ENUM:
		return put_enum(buf, value);
	case MEEPO_VALUE_SET:
		return put_set(buf, value);
	case MEEPO_VALUE_JSON:
		if (value->json.binary) {
			return sdk_mysql_json_append(buf, value->json.ptr, value->json.len, err,
			                             sizeof(err));
		}
		if (value->json.len == 0) {
			meepo_buf_append(buf, "null", 4);
			return 0;
		}
		meepo_buf_append(buf, value->json.ptr, value->json.len);
		return 0;
	}
	return -1;
}

/* Appends `"key":value` for column i of an image; absent columns are skipped. */
static int put_column(struct meepo_buf *buf, const struct meepo_table *table,
                      const struct meepo_value *image, uint32_t i, bool *first)
{
	if (image[i].type == MEEPO_VALUE_ABSENT) {
		return 0;
	}
	if (!*first) {
		meepo_buf_putc(buf, ',');
	}
	*first = false;
	put_name(buf, table->columns[i].name);
	meepo_buf_putc(buf, ':');
	return meepo_value_append_json(buf, &image[i]);
}

/* "primary_key":[...],"primary_key_columns":[...] from the key image. */
static int put_key(struct meepo_buf *buf, const struct meepo_event *event)
{
	const struct meepo_table *table = event->table;
	const struct meepo_value *image = meepo_event_key_image(event);
	uint32_t k;

	meepo_buf_puts(buf, ",\"primary_key\":[");
	for (k = 0; k < table->nkey; k++) {
		if (k > 0) {
			meepo_buf_putc(buf, ',');
		}
		if (meepo_value_append_json(buf, &image[table->key[k]]) < 0) {
			return -1;
		}
	}
	meepo_buf_puts(buf, "],\"primary_key_columns\":[");
	for (k = 0; k < table->nkey; k++) {
		if (k > 0) {
			meepo_buf_putc(buf, ',');
		}
		put_name(buf, table->columns[table->key[k]].name);
	}
	meepo_buf_putc(buf, ']');
	return 0;
}

/* "data":{...} and, for an update with changes, "old":{...}. */
static int put_images(struct meepo_buf *buf, const struct meepo_event *event)
{
	const struct meepo_table *table = event->table;
	const struct meepo_value *data = event->action == MEEPO_DELETE ? event->before : event->after;
	bool first = true;
	uint32_t i;

	meepo_buf_puts(buf, ",\"data\":{");
	for (i = 0; i < table->ncolumns; i++) {
		if (put_column(buf, table, data, i, &first) < 0) {
			return -1;
		}
	}
	meepo_buf_putc(buf, '}');
	if (event->action != MEEPO_UPDATE) {
		return 0;
	}
	first = true;
	for (i = 0; i < table->ncolumns; i++) {
		if (event->before[i].type == MEEPO_VALUE_ABSENT ||
		    event->after[i].type == MEEPO_VALUE_ABSENT ||
		    sdk_value_equal(&event->before[i], &event->after[i])) {
			continue;
		}
		if (first) {
			meepo_buf_puts(buf, ",\"old\":{");
		}
		if (put_column(buf, table, event->before, i, &first) < 0) {
			return -1;
		}
	}
	if (!first) {
		meepo_buf_putc(buf, '}');
	}
	return 0;
}

int meepo_event_append_json(struct meepo_buf *buf, const struct meepo_event *event)
{
	static const char *const types[] = { "insert", "update", "delete" };
	const struct meepo_table *table = event->table;

	meepo_buf_puts(buf, "{\"database\":");
	put_name(buf, table->schema);
	meepo_buf_puts(buf, ",\"table\":");
	put_name(buf, table->name);
	meepo_buf_puts(buf, ",\"type\":\"");
	meepo_buf_puts(buf, (unsigned)event->action <= MEEPO_DELETE ? types[event->action] : "unknown");
	meepo_buf_puts(buf, "\",\"ts\":");
	sdk_append_uint(buf, event->timestamp);
	if (event->xid != 0) {
		meepo_buf_puts(buf, ",\"xid\":");
		sdk_append_uint(buf, event->xid);
	}
	meepo_buf_puts(buf, event->last ? ",\"commit\":true,\"position\":\"" :
	                                  ",\"commit\":false,\"position\":\"");
	sdk_append_converted(buf, event->file, strlen(event->file), SDK_COLLATION_UTF8MB4,
	                     SDK_ESCAPE_JSON);
	meepo_buf_putc(buf, ':');
	sdk_append_uint(buf, event->offset);
	meepo_buf_puts(buf, "\",\"gtid\":");
	if (event->gtid != NULL) {
		put_name(buf, event->gtid);
	} else {
		meepo_buf_puts(buf, "null");
	}
	meepo_buf_puts(buf, ",\"server_id\":");
	sdk_append_uint(buf, event->server_id);
	if (put_key(buf, event) < 0 || put_images(buf, event) < 0) {
		return -1;
	}
	meepo_buf_putc(buf, '}');
	return 0;
}
