/*
 * core/sdk/event.c - event and table accessors, value equality and the
 * stable event id (meepo/event.h, meepo/sdk.h).
 *
 * Concurrency: reentrant; events and tables are only read.
 */
#include <string.h>
#include <strings.h>

#include "sdk/format.h"

const char *meepo_action_name(enum meepo_action action)
{
	switch (action) {
	case MEEPO_WRITE:
		return "write";
	case MEEPO_UPDATE:
		return "update";
	case MEEPO_DELETE:
		return "delete";
	}
	return "unknown";
}

/*
 * Column names compare exactly first; failing that, ignoring ASCII case,
 * as MySQL treats column names.
 */
int meepo_table_column(const struct meepo_table *table, const char *name)
{
	uint32_t i;

	for (i = 0; i < table->ncolumns; i++) {
		if (strcmp(table->columns[i].name, name) == 0) {
			return (int)i;
		}
	}
	for (i = 0; i < table->ncolumns; i++) {
		if (strcasecmp(table->columns[i].name, name) == 0) {
			return (int)i;
		}
	}
	return -1;
}

const struct meepo_value *meepo_event_key_image(const struct meepo_event *event)
{
	if (event->action == MEEPO_UPDATE) {
		/* With binlog_row_image=MINIMAL an unchanged key is only in the before image. */
		return meepo_event_key_changed(event) ? event->after : event->before;
	}
	return event->action == MEEPO_WRITE ? event->after : event->before;
}

/* Compares two temporal values field by field. */
static bool temporal_equal(const struct meepo_temporal *a, const struct meepo_temporal *b)
{
	return a->epoch == b->epoch && a->year == b->year && a->month == b->month &&
	       a->day == b->day && a->hour == b->hour && a->minute == b->minute &&
	       a->second == b->second && a->microsecond == b->microsecond &&
	       a->negative == b->negative;
}

bool sdk_value_equal(const struct meepo_value *a, const struct meepo_value *b)
{
	if (a->type != b->type) {
		return false;
	}
	switch (a->type) {
	case MEEPO_VALUE_ABSENT:
	case MEEPO_VALUE_NULL:
		return true;
	case MEEPO_VALUE_INT:
		return a->i == b->i;
	case MEEPO_VALUE_UINT:
	case MEEPO_VALUE_YEAR:
	case MEEPO_VALUE_BIT:
		return a->u == b->u;
	case MEEPO_VALUE_FLOAT:
	case MEEPO_VALUE_DOUBLE:
		/* Bit patterns, so that -0 differs from 0 and NaN equals itself. */
		return memcmp(&a->d, &b->d, sizeof(a->d)) == 0;
	case MEEPO_VALUE_DECIMAL:
		return a->decimal.precision == b->decimal.precision &&
		       a->decimal.scale == b->decimal.scale &&
		       a->decimal.scale <= a->decimal.precision &&
		       memcmp(a->decimal.bin, b->decimal.bin,
		              sdk_decimal_size(a->decimal.precision, a->decimal.scale)) == 0;
	case MEEPO_VALUE_DATE:
	case MEEPO_VALUE_TIME:
	case MEEPO_VALUE_DATETIME:
	case MEEPO_VALUE_TIMESTAMP:
		return temporal_equal(&a->time, &b->time);
	case MEEPO_VALUE_STRING:
	case MEEPO_VALUE_BYTES:
	case MEEPO_VALUE_GEOMETRY:
	case MEEPO_VALUE_VECTOR:
		return a->str.len == b->str.len && a->str.charset == b->str.charset &&
		       a->str.zero_pad == b->str.zero_pad &&
		       (a->str.len == 0 || memcmp(a->str.ptr, b->str.ptr, a->str.len) == 0);
	case MEEPO_VALUE_ENUM:
	case MEEPO_VALUE_SET:
		return a->enumset.bits == b->enumset.bits;
	case MEEPO_VALUE_JSON:
		return a->json.binary == b->json.binary && a->json.len == b->json.len &&
		       (a->json.len == 0 || memcmp(a->json.ptr, b->json.ptr, a->json.len) == 0);
	}
	return false;
}

/*
 * An update changed the key when a key column is present in both images
 * and differs (a MINIMAL after image leaves unchanged columns absent).
 */
bool meepo_event_key_changed(const struct meepo_event *event)
{
	const struct meepo_table *table = event->table;
	const struct meepo_value *a;
	const struct meepo_value *b;
	uint32_t k;

	if (event->action != MEEPO_UPDATE) {
		return false;
	}
	for (k = 0; k < table->nkey; k++) {
		a = &event->before[table->key[k]];
		b = &event->after[table->key[k]];
		if (a->type != MEEPO_VALUE_ABSENT && b->type != MEEPO_VALUE_ABSENT &&
		    !sdk_value_equal(a, b)) {
			return true;
		}
	}
	return false;
}

void meepo_event_append_id(struct meepo_buf *buf, const struct meepo_event *event)
{
	meepo_buf_printf(buf, "%lu-%s-%llu-%lu", (unsigned long)event->server_id, event->file,
	                 (unsigned long long)event->txn_offset, (unsigned long)event->row_index);
}
