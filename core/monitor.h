/*
 * core/monitor.h - the monitor thread: turns SIGINT/SIGTERM into a stop
 * request and SIGHUP into a reload request (interrupting a source blocked
 * in a read so the main thread notices at once), and, on a terminal,
 * prints the progress line every few seconds while meepo is far behind.
 * A stop or reload also interrupts a reader waiting for queue space.
 *
 * Concurrency: monitor_start() blocks those signals in the calling thread
 * before any other thread exists, so that only the monitor receives them.
 * The flags are atomics; the watched objects are guarded by a mutex, so
 * monitor_watch() may be called from the main thread at any time.
 */
#ifndef MEEPO_MONITOR_H
#define MEEPO_MONITOR_H

#include <stdbool.h>

#include "dispatch.h"
#include "reader.h"
#include "source.h"

struct monitor;

/* Blocks SIGINT/SIGTERM/SIGHUP/SIGUSR1 here and starts the thread. */
struct monitor *monitor_start(void);

/*
 * Sets what a stop or reload interrupts and what progress samples (all may
 * be NULL). Once it returns, the monitor no longer touches the old ones.
 */
void monitor_watch(struct monitor *m, struct source *source, struct reader *reader,
                   struct dispatcher *dispatcher);

/* True once SIGINT or SIGTERM arrived. */
bool monitor_stop_requested(struct monitor *m);

/* True (once per SIGHUP) if a reload was asked for. */
bool monitor_take_reload(struct monitor *m);

/* Stops the thread and frees the monitor; NULL is allowed. */
void monitor_stop(struct monitor *m);

#endif /* MEEPO_MONITOR_H */
