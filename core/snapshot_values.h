/*
 * core/snapshot_values.h - the snapshot's columns and values: a column as
 * information_schema describes it, turned into the meepo_column a TABLE_MAP
 * would give; and the text SELECT returns for it, turned into the typed
 * meepo_value the binlog decoder would give, so that every sink sees the
 * same values from the snapshot as from the binlog.
 *
 * Concurrency: reentrant; no state.
 */
#ifndef MEEPO_SNAPSHOT_VALUES_H
#define MEEPO_SNAPSHOT_VALUES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <meepo/value.h>

#include "chunk.h"

/* One column as information_schema.COLUMNS describes it. */
struct snapshot_coldesc {
	const char *data_type;      /* DATA_TYPE, e.g. "int", "varchar" */
	const char *column_type;    /* COLUMN_TYPE, e.g. "int(10) unsigned" */
	uint32_t precision;         /* NUMERIC_PRECISION (digits; bits for BIT) */
	uint32_t scale;             /* NUMERIC_SCALE */
	uint32_t fsp;               /* DATETIME_PRECISION */
	uint64_t octet_length;      /* CHARACTER_OCTET_LENGTH */
	uint16_t collation;         /* collation id; 63 for binary or none */
	bool nullable;              /* IS_NULLABLE = 'YES' */
	uint32_t nmembers;          /* ENUM/SET members */
};

/*
 * Fills *out (name and names left NULL) with the wire type, meta, charset
 * and flags the binlog's TABLE_MAP gives such a column. Returns 0, or -1
 * with a message for a type the snapshot cannot read.
 */
int snapshot_column(const struct snapshot_coldesc *desc, struct meepo_column *out, char *err,
                    size_t errlen);

/*
 * True when the column is selected as `col+0` (its index, mask or number):
 * ENUM, SET and BIT. FLOAT is selected as `col+0e0` (snapshot_float_expr)
 * so that its text keeps every bit of the single-precision value.
 */
bool snapshot_select_numeric(const struct meepo_column *col);
bool snapshot_float_expr(const struct meepo_column *col);

/*
 * Converts the text SELECT gave for col (text NULL: SQL NULL; the bytes
 * are the column's own, unconverted) into *out, copying what the value
 * points to into the chunk. Returns 0, or -1 with a message naming the
 * text if it does not parse.
 */
int snapshot_value(const struct meepo_column *col, const char *text, size_t len,
                   struct chunk *chunk, struct meepo_value *out, char *err, size_t errlen);

#endif /* MEEPO_SNAPSHOT_VALUES_H */
