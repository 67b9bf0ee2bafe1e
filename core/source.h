/*
 * core/source.h - where binlog events come from: a server's replication
 * stream or binlog files on disk. Both hand out whole events (header, body,
 * checksum) with the file and offset they start at, for the same decoder.
 *
 * Concurrency: a source is used by the reader thread only, except
 * `state` (atomics, read by any thread) and interrupt().
 */
#ifndef MEEPO_SOURCE_H
#define MEEPO_SOURCE_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "position.h"

/* One event as read. */
struct source_event {
	const uint8_t *data;    /* the whole event; valid until the next call */
	size_t len;             /* bytes */
	const char *file;       /* binlog file it is in */
	uint64_t offset;        /* where it starts in that file */
};

/* What source_next() found. */
enum source_status {
	SOURCE_EVENT = 0,       /* *out holds an event */
	SOURCE_END = 1,         /* no more events (files read, or --exit-at-end caught up) */
	SOURCE_LOST = 2,        /* connection lost: reconnect with source_reopen() */
	SOURCE_ERROR = 3,       /* fatal: the message says why */
};

/* Live state of a source, read by the metrics thread. */
struct source_state {
	atomic_bool connected;          /* a server connection is up (files: always) */
	atomic_bool caught_up;          /* the server's last word was a heartbeat */
	atomic_uint_fast64_t reconnects; /* connections re-established */
	atomic_uint_fast64_t heartbeats; /* heartbeats received */
};

struct source {
	struct position start;  /* where reading started (file "" if unknown yet) */
	struct source_state state; /* written by the reader thread, read by any */
	/* Reads the next event. */
	enum source_status (*next)(struct source *src, struct source_event *out,
	                           char *err, size_t errlen);
	/*
	 * Reconnects and resumes at `from` (the start of the first transaction
	 * not completely read). Returns 0, or -1 with a message; the caller
	 * backs off and tries again. NULL for sources that cannot reconnect.
	 */
	int (*reopen)(struct source *src, const struct position *from, char *err, size_t errlen);
	/*
	 * Makes a next() blocked in another thread return soon (SOURCE_LOST);
	 * safe to call from any thread. NULL when next() never blocks.
	 */
	void (*interrupt)(struct source *src);
	/* Frees the source. */
	void (*close)(struct source *src);
};

/* Opens binlog files for reading from their starts, in the order given. */
struct source *source_file_open(char *const *paths, size_t npaths, char *err, size_t errlen);

/*
 * Connects to the server in `conf` and starts the binlog dump at `from`
 * (resolved from conf->start when from is NULL). With `nonblocking`, the
 * stream ends (SOURCE_END) when the server has nothing more to send.
 */
struct source *source_server_open(const struct source_config *conf, const struct position *from,
                                  bool nonblocking, char *err, size_t errlen);

#endif /* MEEPO_SOURCE_H */
