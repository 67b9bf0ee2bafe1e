/*
 * core/sqltype.h - reading information_schema's COLUMN_TYPE text, shared by
 * the information_schema look-ups (schema.c) and the snapshot (snapshot.c).
 *
 * Concurrency: reentrant; no state.
 */
#ifndef MEEPO_SQLTYPE_H
#define MEEPO_SQLTYPE_H

#include <stdint.h>

#include <meepo/value.h>

/*
 * Parses the members of "enum('a','b''c')" or "set(...)" (SQL quoting,
 * quotes doubled) into *out, whose names are malloc'd. Returns 0, or -1 if
 * the text is not such a type (*out is then empty).
 */
int sqltype_parse_members(const char *type, struct meepo_strlist *out);

/* Frees n lists filled by sqltype_parse_members and the array. NULL is allowed. */
void sqltype_free_members(struct meepo_strlist *lists, uint32_t n);

#endif /* MEEPO_SQLTYPE_H */
