/*
 * plugins/sql/sql_bind.c - event values as MYSQL_BIND parameters (see
 * sql_bind.h for the type mapping). Pure: no I/O.
 *
 * Concurrency: one struct sql_binds per worker; see sql_bind.h.
 */
#include "sql_bind.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Grows every array of b to hold n entries. */
static void binds_reserve(struct sql_binds *b, size_t n)
{
	size_t cap = b->cap > 0 ? b->cap : 16;

	if (n <= b->cap) {
		return;
	}
	while (cap < n) {
		cap *= 2;
	}
	b->binds = realloc(b->binds, cap * sizeof(*b->binds));
	b->times = realloc(b->times, cap * sizeof(*b->times));
	b->floats = realloc(b->floats, cap * sizeof(*b->floats));
	b->text_at = realloc(b->text_at, cap * sizeof(*b->text_at));
	if (b->binds == NULL || b->times == NULL || b->floats == NULL || b->text_at == NULL) {
		abort();
	}
	b->cap = cap;
}

/* Binds a buffer of len bytes (const: the client only reads parameters). */
static void bind_buffer(MYSQL_BIND *bind, enum enum_field_types type, const void *ptr, size_t len)
{
	bind->buffer_type = type;
	bind->buffer = (void *)(uintptr_t)(ptr != NULL ? ptr : "");
	bind->buffer_length = (unsigned long)len;
}

/* Fills a MYSQL_TIME from a temporal value of `type`. */
static void bind_time(MYSQL_BIND *bind, MYSQL_TIME *tm, const struct meepo_value *v)
{
	const struct meepo_temporal *t = &v->time;

	memset(tm, 0, sizeof(*tm));
	tm->second_part = t->microsecond;
	tm->minute = t->minute;
	tm->second = t->second;
	switch (v->type) {
	case MEEPO_VALUE_TIME:
		/* The protocol carries hours above 23 as days (TIME goes to 838:59:59). */
		tm->neg = t->negative;
		tm->day = t->hour / 24;
		tm->hour = t->hour % 24;
		tm->time_type = MYSQL_TIMESTAMP_TIME;
		bind->buffer_type = MYSQL_TYPE_TIME;
		break;
	case MEEPO_VALUE_DATE:
		tm->year = t->year;
		tm->month = t->month;
		tm->day = t->day;
		tm->time_type = MYSQL_TIMESTAMP_DATE;
		bind->buffer_type = MYSQL_TYPE_DATE;
		break;
	default:
		tm->year = t->year;
		tm->month = t->month;
		tm->day = t->day;
		tm->hour = t->hour;
		tm->time_type = MYSQL_TIMESTAMP_DATETIME;
		bind->buffer_type = v->type == MEEPO_VALUE_TIMESTAMP ? MYSQL_TYPE_TIMESTAMP
		                                                     : MYSQL_TYPE_DATETIME;
		break;
	}
	bind->buffer = tm;
	bind->buffer_length = sizeof(*tm);
}

/*
 * Binds value v into `bind`, using slot i of b's scratch (FLOAT, temporal
 * and text values). Sets the buffer type, buffer, length and signedness
 * only. Returns 0, or -1 if the value is absent or malformed.
 */
static int bind_value(struct sql_binds *b, size_t i, MYSQL_BIND *bind, const struct meepo_value *v)
{
	b->text_at[i] = SIZE_MAX;
	bind->is_unsigned = 0;
	switch (v->type) {
	case MEEPO_VALUE_ABSENT:
		return -1;
	case MEEPO_VALUE_NULL:
		bind_buffer(bind, MYSQL_TYPE_NULL, NULL, 0);
		return 0;
	case MEEPO_VALUE_INT:
		bind_buffer(bind, MYSQL_TYPE_LONGLONG, &v->i, sizeof(v->i));
		return 0;
	case MEEPO_VALUE_UINT:
	case MEEPO_VALUE_YEAR:
	case MEEPO_VALUE_BIT:
		bind_buffer(bind, MYSQL_TYPE_LONGLONG, &v->u, sizeof(v->u));
		bind->is_unsigned = 1;
		return 0;
	case MEEPO_VALUE_ENUM:
	case MEEPO_VALUE_SET:
		bind_buffer(bind, MYSQL_TYPE_LONGLONG, &v->enumset.bits, sizeof(v->enumset.bits));
		bind->is_unsigned = 1;
		return 0;
	case MEEPO_VALUE_FLOAT:
		b->floats[i] = (float)v->d;
		bind_buffer(bind, MYSQL_TYPE_FLOAT, &b->floats[i], sizeof(float));
		return 0;
	case MEEPO_VALUE_DOUBLE:
		bind_buffer(bind, MYSQL_TYPE_DOUBLE, &v->d, sizeof(v->d));
		return 0;
	case MEEPO_VALUE_DATE:
	case MEEPO_VALUE_TIME:
	case MEEPO_VALUE_DATETIME:
	case MEEPO_VALUE_TIMESTAMP:
		bind_time(bind, &b->times[i], v);
		return 0;
	case MEEPO_VALUE_STRING:
	case MEEPO_VALUE_BYTES:
	case MEEPO_VALUE_GEOMETRY:
	case MEEPO_VALUE_VECTOR:
		bind_buffer(bind, MYSQL_TYPE_BLOB, v->str.ptr, v->str.len);
		return 0;
	case MEEPO_VALUE_JSON:
		if (!v->json.binary) {
			bind_buffer(bind, MYSQL_TYPE_STRING, v->json.ptr, v->json.len);
			return 0;
		}
		break;
	case MEEPO_VALUE_DECIMAL:
		break;
	default:
		return -1;
	}
	/* DECIMAL and binary JSON: their exact text, placed once `text` stops moving. */
	b->text_at[i] = b->text.len;
	if (meepo_value_append_text(&b->text, v) != 0) {
		return -1;
	}
	bind->buffer_type = v->type == MEEPO_VALUE_DECIMAL ? MYSQL_TYPE_NEWDECIMAL : MYSQL_TYPE_STRING;
	bind->buffer_length = (unsigned long)(b->text.len - b->text_at[i]);
	return 0;
}

/* Points the binds of slots [from, to) that hold text into b->text. */
static void place_text(struct sql_binds *b, MYSQL_BIND *binds, size_t from, size_t to)
{
	size_t i;

	for (i = from; i < to; i++) {
		if (b->text_at[i] != SIZE_MAX) {
			binds[i - from].buffer = b->text.data + b->text_at[i];
		}
	}
}

/* Returns the value parameter p binds for `event`, or NULL if its image is missing. */
static const struct meepo_value *param_value(const struct sql_param *p, const struct meepo_event *event)
{
	const struct meepo_value *image = p->image == SQL_AFTER ? event->after : event->before;

	if (image == NULL || p->column >= event->table->ncolumns) {
		return NULL;
	}
	return &image[p->column];
}

int sql_binds_fill(struct sql_binds *b, const struct sql_param *params, size_t nparams,
                   const struct meepo_event *const *events, size_t nrows,
                   char *err, size_t errlen)
{
	size_t total = nparams * nrows;
	size_t r;
	size_t p;

	binds_reserve(b, total);
	meepo_buf_reset(&b->text);
	for (r = 0; r < nrows; r++) {
		const struct meepo_event *ev = events[r];

		for (p = 0; p < nparams; p++) {
			const struct meepo_value *v = param_value(&params[p], ev);
			size_t i = r * nparams + p;

			if (v == NULL) {
				snprintf(err, errlen, "event without its %s image",
				         params[p].image == SQL_AFTER ? "after" : "before");
				return -1;
			}
			memset(&b->binds[i], 0, sizeof(b->binds[i]));
			if (bind_value(b, i, &b->binds[i], v) != 0) {
				snprintf(err, errlen, "column `%s`: %s value in the %s image",
				         ev->table->columns[params[p].column].name,
				         v->type == MEEPO_VALUE_ABSENT ? "missing" : "malformed",
				         params[p].image == SQL_AFTER ? "after" : "before");
				return -1;
			}
		}
	}
	place_text(b, b->binds, 0, total);
	return 0;
}

int sql_binds_bulk(struct sql_binds *b, const struct sql_param *params, size_t nparams,
                   const struct meepo_event *const *events, size_t nrows)
{
	MYSQL_BIND probe;
	size_t r;
	size_t p;

	binds_reserve(b, nparams);
	meepo_buf_reset(&b->text);
	for (p = 0; p < nparams; p++) {
		MYSQL_BIND *bind = &b->binds[p];

		memset(bind, 0, sizeof(*bind));
		bind->buffer_type = MYSQL_TYPE_NULL;
		for (r = 0; r < nrows; r++) {
			const struct meepo_value *v = param_value(&params[p], events[r]);

			if (v == NULL || v->type == MEEPO_VALUE_ABSENT) {
				return -1;
			}
			if (v->type == MEEPO_VALUE_NULL) {
				continue;
			}
			memset(&probe, 0, sizeof(probe));
			if (bind_value(b, p, &probe, v) != 0) {
				return -1;
			}
			if (bind->buffer_type == MYSQL_TYPE_NULL) {
				*bind = probe;
			} else if (probe.buffer_type != bind->buffer_type ||
			           probe.is_unsigned != bind->is_unsigned) {
				return -1;
			}
		}
	}
	meepo_buf_reset(&b->text);
	b->bulk_params = params;
	b->bulk_nparams = nparams;
	b->bulk_events = events;
	b->indicator[0] = STMT_INDICATOR_NONE;
	b->indicator[1] = STMT_INDICATOR_NULL;
	return 0;
}

my_bool sql_binds_bulk_row(void *data, MYSQL_BIND *bind, unsigned int row)
{
	struct sql_binds *b = data;
	size_t p;

	meepo_buf_reset(&b->text);
	for (p = 0; p < b->bulk_nparams; p++) {
		const struct meepo_value *v = param_value(&b->bulk_params[p], b->bulk_events[row]);

		b->text_at[p] = SIZE_MAX;
		if (v->type == MEEPO_VALUE_NULL || bind[p].buffer_type == MYSQL_TYPE_NULL) {
			bind[p].u.indicator = &b->indicator[1];
			continue;
		}
		/* sql_binds_bulk() checked that the type is the column's. */
		bind_value(b, p, &bind[p], v);
		bind[p].length = &bind[p].buffer_length;
		bind[p].u.indicator = &b->indicator[0];
	}
	place_text(b, bind, 0, b->bulk_nparams);
	return 0;
}

size_t sql_binds_row_bytes(const struct sql_param *params, size_t nparams,
                           const struct meepo_event *event)
{
	size_t bytes = 0;
	size_t p;

	for (p = 0; p < nparams; p++) {
		const struct meepo_value *v = param_value(&params[p], event);

		bytes += 12;
		if (v == NULL) {
			continue;
		}
		if (v->type == MEEPO_VALUE_STRING || v->type == MEEPO_VALUE_BYTES ||
		    v->type == MEEPO_VALUE_GEOMETRY || v->type == MEEPO_VALUE_VECTOR) {
			bytes += v->str.len;
		} else if (v->type == MEEPO_VALUE_JSON) {
			bytes += v->json.len;
		}
	}
	return bytes;
}

void sql_binds_free(struct sql_binds *b)
{
	free(b->binds);
	free(b->times);
	free(b->floats);
	free(b->text_at);
	meepo_buf_free(&b->text);
	memset(b, 0, sizeof(*b));
}
