/*
 * core/schema.h - column names and primary keys from information_schema,
 * for servers that log TABLE_MAP without optional metadata
 * (binlog_row_metadata=MINIMAL, MySQL < 8.0.14, MariaDB < 10.5).
 *
 * Concurrency: reader thread only (one connection of its own).
 */
#ifndef MEEPO_SCHEMA_H
#define MEEPO_SCHEMA_H

#include <stddef.h>

#include "binlog/binlog.h"
#include "config.h"

struct schema;

/* Connects lazily: returns a handle even if the server is down. */
struct schema *schema_new(const struct source_config *conf);
void schema_free(struct schema *schema);

/*
 * Returns a copy of def completed from information_schema (column names,
 * primary key, signedness, charsets, ENUM/SET members, precision of
 * old-format temporal columns), or NULL with a message (server unreachable,
 * table gone, or its column count differs from the TABLE_MAP's because the
 * table changed since the event was written).
 */
struct binlog_table *schema_complete(struct schema *schema, const struct binlog_table *def,
                                     char *err, size_t errlen);

#endif /* MEEPO_SCHEMA_H */
