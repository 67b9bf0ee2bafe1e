/*
 * plugins/memcached/memcached_proto.h - the memcached delete pipeline on
 * the wire, both protocols, pure (bytes in, bytes out, no I/O).
 *
 * Binary protocol: every key is a quiet delete (DELETEQ, opaque = the key's
 * index in the batch), which the server answers only when it did not
 * delete (NOT_FOUND, or an error naming the opaque); a NOOP with opaque
 * MC_END_OPAQUE ends the pipeline, and its answer proves that every delete
 * before it was executed. Text protocol: "delete <key>\r\n" per key, one
 * reply line per key in order (noreply would hide errors, so it is never
 * used).
 *
 * Concurrency: no state; reentrant.
 */
#ifndef MEEPO_MEMCACHED_PROTO_H
#define MEEPO_MEMCACHED_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <meepo/sdk.h>

/* The opaque of the NOOP that ends a binary pipeline. */
#define MC_END_OPAQUE UINT32_MAX

/* What one response says. */
enum mc_reply {
	MC_REPLY_GONE = 0,      /* deleted, or not found: the key is not cached */
	MC_REPLY_REFUSED = 1,   /* the request is wrong (invalid key, unknown command) */
	MC_REPLY_BUSY = 2,      /* the server failed transiently (out of memory, busy) */
	MC_REPLY_END = 3,       /* binary: the NOOP ending the pipeline */
};

/* One parsed response. */
struct mc_response {
	enum mc_reply reply;    /* its meaning */
	uint32_t opaque;        /* binary: the request's opaque; text: 0 */
	char message[160];      /* the server's words for REFUSED/BUSY, else "" */
};

/* Appends a delete of key[0..len) (binary: DELETEQ with `opaque`). */
void mc_proto_delete(struct meepo_buf *out, bool binary, const char *key, size_t len,
                     uint32_t opaque);

/* Appends what ends a pipeline: binary a NOOP, text nothing. */
void mc_proto_end(struct meepo_buf *out, bool binary);

/*
 * Parses the first response in buf[0..len). Returns the bytes it took (> 0),
 * 0 if the response is not complete yet, or -1 if the bytes are not a
 * delete or NOOP response (message in resp->message): the stream is lost.
 */
long mc_proto_parse(bool binary, const char *buf, size_t len, struct mc_response *resp);

#endif /* MEEPO_MEMCACHED_PROTO_H */
