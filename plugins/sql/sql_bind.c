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
 * Binds value v into slot i of b. Returns 0, or -1 if the value is absent
 * or malformed.
 */
static int bind_value(struct sql_binds *b, size_t i, const struct meepo_value *v)
{
	MYSQL_BIND *bind = &b->binds[i];

	memset(bind, 0, sizeof(*bind));
	b->text_at[i] = SIZE_MAX;
	switch (v->type) {
	case MEEPO_VALUE_ABSENT:
		return -1;
	case MEEPO_VALUE_NULL:
		bind->buffer_type = MYSQL_TYPE_NULL;
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

int sql_binds_fill(struct sql_binds *b, const struct sql_param *params, size_t nparams,
                   const struct meepo_event *const *events, size_t nrows,
                   char *err, size_t errlen)
{
	size_t total = nparams * nrows;
	size_t r;
	size_t p;
	size_t i;

	binds_reserve(b, total);
	meepo_buf_reset(&b->text);
	for (r = 0; r < nrows; r++) {
		const struct meepo_event *ev = events[r];

		for (p = 0; p < nparams; p++) {
			const struct meepo_value *image = params[p].image == SQL_AFTER ? ev->after : ev->before;
			uint32_t c = params[p].column;

			if (image == NULL || c >= ev->table->ncolumns) {
				snprintf(err, errlen, "event without its %s image",
				         params[p].image == SQL_AFTER ? "after" : "before");
				return -1;
			}
			if (bind_value(b, r * nparams + p, &image[c]) != 0) {
				snprintf(err, errlen, "column `%s`: %s value in the %s image",
				         ev->table->columns[c].name,
				         image[c].type == MEEPO_VALUE_ABSENT ? "missing" : "malformed",
				         params[p].image == SQL_AFTER ? "after" : "before");
				return -1;
			}
		}
	}
	for (i = 0; i < total; i++) {
		if (b->text_at[i] != SIZE_MAX) {
			b->binds[i].buffer = b->text.data + b->text_at[i];
		}
	}
	return 0;
}

size_t sql_binds_row_bytes(const struct sql_param *params, size_t nparams,
                           const struct meepo_event *event)
{
	size_t bytes = 0;
	size_t p;

	for (p = 0; p < nparams; p++) {
		const struct meepo_value *image = params[p].image == SQL_AFTER ? event->after : event->before;
		const struct meepo_value *v;

		bytes += 12;
		if (image == NULL || params[p].column >= event->table->ncolumns) {
			continue;
		}
		v = &image[params[p].column];
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
