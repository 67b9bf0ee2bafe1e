/*
 * core/binlog/payload.c - TRANSACTION_PAYLOAD events (MySQL 8.0.20+
 * binlog_transaction_compression): the header fields and the zstd
 * decompression of the inner events.
 *
 * The body is a list of (type, length, value) fields, each number
 * length-encoded, ended by a field of type 0; the compressed events follow.
 *
 * Concurrency: reentrant; the output buffer belongs to the caller.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zstd.h>

#include "binlog/binlog.h"
#include "binlog/wire.h"

/* Header field types. */
enum payload_field {
	FIELD_END_MARK = 0,
	FIELD_PAYLOAD_SIZE = 1,
	FIELD_COMPRESSION_TYPE = 2,
	FIELD_UNCOMPRESSED_SIZE = 3,
};

/* Compression types. */
enum payload_compression {
	COMPRESSION_ZSTD = 0,
	COMPRESSION_NONE = 255,
};

/* Largest transaction meepo decompresses. */
#define PAYLOAD_MAX (1ull << 30)
/* First output buffer; it doubles as decompressed bytes arrive. */
#define PAYLOAD_FIRST_ALLOC (64u * 1024u)

/* What the payload header says. */
struct payload_header {
	uint64_t payload_size;          /* compressed bytes after the header */
	uint64_t compression;           /* enum payload_compression */
	uint64_t uncompressed_size;     /* bytes of inner events */
	bool have_payload_size;         /* the fields were present */
	bool have_compression;
	bool have_uncompressed_size;
};

/* Reads the header fields up to the end mark. */
static int header_read(struct wire *w, struct payload_header *h, char *err, size_t errlen)
{
	uint64_t type;
	uint64_t len;
	uint64_t value;
	const uint8_t *field;
	struct wire fw;

	memset(h, 0, sizeof(*h));
	for (;;) {
		if (wire_packed(w, &type) < 0) {
			snprintf(err, errlen, "TRANSACTION_PAYLOAD header truncated");
			return -1;
		}
		if (type == FIELD_END_MARK) {
			break;
		}
		if (wire_packed(w, &len) < 0 || wire_bytes(w, len, &field) < 0) {
			snprintf(err, errlen, "TRANSACTION_PAYLOAD header field %" PRIu64 " truncated",
			         type);
			return -1;
		}
		fw.p = field;
		fw.end = field + len;
		if (type > FIELD_UNCOMPRESSED_SIZE) {
			continue; /* a newer field: skip it */
		}
		if (wire_packed(&fw, &value) < 0) {
			snprintf(err, errlen, "TRANSACTION_PAYLOAD header field %" PRIu64 " malformed",
			         type);
			return -1;
		}
		if (type == FIELD_PAYLOAD_SIZE) {
			h->payload_size = value;
			h->have_payload_size = true;
		} else if (type == FIELD_COMPRESSION_TYPE) {
			h->compression = value;
			h->have_compression = true;
		} else {
			h->uncompressed_size = value;
			h->have_uncompressed_size = true;
		}
	}
	if (!h->have_payload_size || !h->have_compression || !h->have_uncompressed_size) {
		snprintf(err, errlen, "TRANSACTION_PAYLOAD header lacks %s",
		         !h->have_payload_size ? "the payload size"
		         : !h->have_compression ? "the compression type" : "the uncompressed size");
		return -1;
	}
	return 0;
}

/*
 * Decompresses zstd frames into a buffer grown as output arrives (MySQL
 * writes frames without a content size), never past `size` bytes, which
 * the result must fill exactly. *out is malloc'd.
 */
static int zstd_inflate(const uint8_t *src, size_t src_len, size_t size, uint8_t **out,
                        char *err, size_t errlen)
{
	ZSTD_DCtx *dctx = ZSTD_createDCtx();
	ZSTD_inBuffer in = { src, src_len, 0 };
	ZSTD_outBuffer dst = { NULL, 0, 0 };
	size_t cap = size < PAYLOAD_FIRST_ALLOC ? size : PAYLOAD_FIRST_ALLOC;
	size_t r = 1;
	uint8_t *grown;
	int ret = -1;

	dst.dst = malloc(cap + 1);
	dst.size = cap;
	if (dctx == NULL || dst.dst == NULL) {
		snprintf(err, errlen, "out of memory for zstd");
		goto out;
	}
	while (in.pos < in.size || r != 0) {
		if (dst.pos == dst.size) {
			if (dst.size == size) {
				snprintf(err, errlen,
				         "TRANSACTION_PAYLOAD decompresses to more than the %zu bytes its "
				         "header says", size);
				goto out;
			}
			cap = size - dst.size < dst.size ? size : dst.size * 2;
			grown = realloc(dst.dst, cap + 1);
			if (grown == NULL) {
				snprintf(err, errlen, "out of memory for a %zu-byte transaction", size);
				goto out;
			}
			dst.dst = grown;
			dst.size = cap;
		}
		if (in.pos == in.size && r != 0 && dst.pos < dst.size) {
			snprintf(err, errlen, "TRANSACTION_PAYLOAD zstd data truncated");
			goto out;
		}
		r = ZSTD_decompressStream(dctx, &dst, &in);
		if (ZSTD_isError(r)) {
			snprintf(err, errlen, "TRANSACTION_PAYLOAD zstd: %s", ZSTD_getErrorName(r));
			goto out;
		}
	}
	if (dst.pos != size) {
		snprintf(err, errlen, "TRANSACTION_PAYLOAD decompressed to %zu bytes, header says %zu",
		         dst.pos, size);
		goto out;
	}
	*out = dst.dst;
	dst.dst = NULL;
	ret = 0;
out:
	free(dst.dst);
	ZSTD_freeDCtx(dctx);
	return ret;
}

int binlog_payload_decompress(const uint8_t *body, size_t len, uint8_t **out, size_t *out_len,
                              char *err, size_t errlen)
{
	struct wire w = { body, body + len };
	struct payload_header h;
	const uint8_t *payload;
	uint8_t *buf = NULL;
	int ret = -1;

	if (header_read(&w, &h, err, errlen) < 0) {
		goto out;
	}
	if (wire_bytes(&w, h.payload_size, &payload) < 0) {
		snprintf(err, errlen,
		         "TRANSACTION_PAYLOAD says %" PRIu64 " payload bytes, only %zu follow",
		         h.payload_size, wire_left(&w));
		goto out;
	}
	if (h.uncompressed_size > PAYLOAD_MAX) {
		snprintf(err, errlen,
		         "TRANSACTION_PAYLOAD of %" PRIu64 " uncompressed bytes is over the %llu limit",
		         h.uncompressed_size, PAYLOAD_MAX);
		goto out;
	}
	if (h.compression == COMPRESSION_ZSTD) {
		if (zstd_inflate(payload, h.payload_size, h.uncompressed_size, &buf, err, errlen) < 0) {
			goto out;
		}
	} else if (h.compression == COMPRESSION_NONE) {
		if (h.payload_size != h.uncompressed_size) {
			snprintf(err, errlen,
			         "uncompressed TRANSACTION_PAYLOAD of %" PRIu64 " bytes says %" PRIu64,
			         h.payload_size, h.uncompressed_size);
			goto out;
		}
		buf = malloc(h.payload_size + 1);
		if (buf == NULL) {
			snprintf(err, errlen, "out of memory for a %" PRIu64 "-byte transaction",
			         h.payload_size);
			goto out;
		}
		memcpy(buf, payload, h.payload_size);
	} else {
		snprintf(err, errlen, "TRANSACTION_PAYLOAD compression type %" PRIu64 " is unknown",
		         h.compression);
		goto out;
	}
	*out = buf;
	*out_len = h.uncompressed_size;
	ret = 0;
out:
	return ret;
}
