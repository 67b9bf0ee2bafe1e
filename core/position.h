/*
 * core/position.h - a place in the source's binlog stream.
 *
 * Concurrency: a plain value; copy it, don't share it.
 */
#ifndef MEEPO_POSITION_H
#define MEEPO_POSITION_H

#include <stdbool.h>
#include <stdint.h>

struct position {
	char file[256];     /* binlog file name (no directory), "" if unknown */
	uint64_t offset;    /* byte offset of an event in that file */
	char gtid[128];     /* GTID of the last transaction before it, "" if none */
};

/* True if the position names a file. */
static inline bool position_known(const struct position *pos)
{
	return pos->file[0] != '\0';
}

#endif /* MEEPO_POSITION_H */
