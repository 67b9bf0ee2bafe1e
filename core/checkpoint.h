/*
 * core/checkpoint.h - the position file meepo resumes from.
 *
 * The file holds three lines: "file <name>", "offset <n>", "gtid <gtid>".
 * It is replaced atomically: written to "<path>.tmp", fsync'd, renamed over
 * the old one, and the directory fsync'd, so a crash leaves either the old
 * or the new position, never a torn one.
 *
 * Concurrency: the caller serialises writes to one path.
 */
#ifndef MEEPO_CHECKPOINT_H
#define MEEPO_CHECKPOINT_H

#include <stddef.h>

#include "position.h"

/*
 * Reads the checkpoint at path. Returns 1 and fills *out if it exists, 0 if
 * there is no checkpoint yet, -1 with a message if it is unreadable or
 * malformed.
 */
int checkpoint_read(const char *path, struct position *out, char *err, size_t errlen);

/* Writes *pos to path atomically. Returns 0, or -1 with a message. */
int checkpoint_write(const char *path, const struct position *pos, char *err, size_t errlen);

#endif /* MEEPO_CHECKPOINT_H */
