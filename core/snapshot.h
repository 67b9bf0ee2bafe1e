/*
 * core/snapshot.h - meepo --snapshot SINK: the initial copy of every table
 * routed to one sink, consistent with a binlog position that following the
 * binlog then starts from.
 *
 * Concurrency: main thread; the dispatcher's worker delivers to the sink.
 */
#ifndef MEEPO_SNAPSHOT_H
#define MEEPO_SNAPSHOT_H

#include "run.h"

/*
 * Copies the current rows of every table routed (for writes) to sink
 * `sink` into it, as one transaction at the snapshot's binlog position, and
 * writes the checkpoint there if none exists. Returns an exit code.
 */
int run_snapshot(const struct run_options *opts, const char *sink);

#endif /* MEEPO_SNAPSHOT_H */
