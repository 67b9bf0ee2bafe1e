/*
 * meepo/event.h - one changed row, and a batch of them.
 *
 * meepo turns every row of every WRITE/UPDATE/DELETE rows event into one
 * meepo_event. Events are owned by the core; a sink sees them only inside
 * deliver() and must copy whatever it keeps after returning.
 *
 * Concurrency: an event is immutable once delivered and may be read by
 * several sink threads at once (events are shared, not copied, between
 * sinks).
 */
#ifndef MEEPO_EVENT_H
#define MEEPO_EVENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <meepo/api.h>
#include <meepo/value.h>

#ifdef __cplusplus
extern "C" {
#endif

/* What happened to the row. */
enum meepo_action {
	MEEPO_WRITE = 0,    /* row inserted: after image only */
	MEEPO_UPDATE = 1,   /* row changed: before and after images */
	MEEPO_DELETE = 2,   /* row deleted: before image only */
};

/* One changed row. */
struct meepo_event {
	const struct meepo_table *table;    /* schema, name, columns, key */
	enum meepo_action action;           /* write, update or delete */
	const struct meepo_value *before;   /* ncolumns values; NULL on write */
	const struct meepo_value *after;    /* ncolumns values; NULL on delete */
	const char *file;                   /* binlog file name */
	uint64_t offset;                    /* start offset of the rows event */
	uint64_t txn_offset;                /* start offset of its transaction */
	const char *gtid;                   /* "0-1-42" or "uuid:42"; NULL if none */
	uint32_t server_id;                 /* server that wrote the row */
	uint32_t timestamp;                 /* commit time, unix seconds */
	uint64_t xid;                       /* commit XID, 0 if none or not yet known */
	uint32_t row_index;                 /* 0-based index inside the transaction */
	bool last;                          /* last row of its transaction */
};

/* Events handed to one deliver() call, in binlog order. */
struct meepo_batch {
	size_t count;                               /* number of events */
	const struct meepo_event *const *events;    /* count pointers */
};

/* Returns "write", "update" or "delete". */
MEEPO_API const char *meepo_action_name(enum meepo_action action);

/* Returns the index of the column named `name` in `table`, or -1. */
MEEPO_API int meepo_table_column(const struct meepo_table *table, const char *name);

/*
 * Returns the image holding the row's current primary key: `after` for a
 * write and for an update that changed the key, `before` for a delete and
 * for an update that kept its key (with binlog_row_image=MINIMAL the after
 * image may not hold the key columns).
 */
MEEPO_API const struct meepo_value *meepo_event_key_image(const struct meepo_event *event);

/*
 * True when an update changed a primary key column, i.e. the before and
 * after images name different rows.
 */
MEEPO_API bool meepo_event_key_changed(const struct meepo_event *event);

#ifdef __cplusplus
}
#endif

#endif /* MEEPO_EVENT_H */
