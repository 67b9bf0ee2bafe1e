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

int binlog_payload_decompress(const uint8_t *body, size_t len, uint8_t **out, size_t *out_len,
                              char *err, size_t errlen)
{
	struct wire w = { body, body + len };
	struct payload_header h;
	const uint8_t *payload;
	uint8_t *buf = NULL;
	size_t got;
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
	if (h.compression != COMPRESSION_ZSTD && h.compression != COMPRESSION_NONE) {
		snprintf(err, errlen, "TRANSACTION_PAYLOAD compression type %" PRIu64 " is unknown",
		         h.compression);
		goto out;
	}
	buf = malloc(h.uncompressed_size + 1);
	if (buf == NULL) {
		snprintf(err, errlen, "out of memory for a %" PRIu64 "-byte transaction",
		         h.uncompressed_size);
		goto out;
	}
	if (h.compression == COMPRESSION_NONE) {
		if (h.payload_size != h.uncompressed_size) {
			snprintf(err, errlen,
			         "uncompressed TRANSACTION_PAYLOAD of %" PRIu64 " bytes says %" PRIu64,
			         h.payload_size, h.uncompressed_size);
			goto out;
		}
		memcpy(buf, payload, h.payload_size);
	} else {
		got = ZSTD_decompress(buf, h.uncompressed_size, payload, h.payload_size);
		if (ZSTD_isError(got)) {
			snprintf(err, errlen, "TRANSACTION_PAYLOAD zstd: %s", ZSTD_getErrorName(got));
			goto out;
		}
		if (got != h.uncompressed_size) {
			snprintf(err, errlen,
			         "TRANSACTION_PAYLOAD decompressed to %zu bytes, header says %" PRIu64,
			         got, h.uncompressed_size);
			goto out;
		}
	}
	*out = buf;
	*out_len = h.uncompressed_size;
	buf = NULL;
	ret = 0;
out:
	free(buf);
	return ret;
}
