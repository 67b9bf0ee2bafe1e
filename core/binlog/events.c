/*
 * core/binlog/events.c - ROTATE, QUERY, XID and GTID events (MariaDB GTID,
 * MySQL GTID / ANONYMOUS_GTID and the tagged GTID of MySQL 8.3+).
 *
 * Concurrency: all functions are reentrant and keep no state.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "binlog/binlog.h"
#include "binlog/wire.h"

/* QUERY post-header before MySQL 5.0 (no status variables length). */
#define QUERY_POST_HEADER_V3 11u
/* QUERY post-header from MySQL 5.0 on. */
#define QUERY_POST_HEADER_V4 13u

/* MariaDB GTID flags. */
#define MARIADB_FL_STANDALONE 0x01u
#define MARIADB_FL_GROUP_COMMIT_ID 0x02u

#define UUID_LEN 16u

/*
 * Field numbers of the tagged GTID event (MySQL's serialization library:
 * a header of format version, message size and last non-ignorable field,
 * then (field id, value) pairs in increasing id order, optional ones left
 * out). The fields after the tag are not needed here.
 */
enum tagged_gtid_field {
	TAGGED_FLAGS = 0,
	TAGGED_UUID = 1,
	TAGGED_GNO = 2,
	TAGGED_TAG = 3,
};

/* Longest GTID tag (MySQL allows 32 characters). */
#define TAG_MAX 32u

int binlog_rotate_parse(const uint8_t *body, size_t len, struct binlog_rotate *out,
                        char *err, size_t errlen)
{
	if (len < 8) {
		snprintf(err, errlen, "ROTATE truncated: body of %zu bytes, need 8", len);
		return -1;
	}
	out->position = wire_le(body, 8);
	out->file = (const char *)body + 8;
	out->file_len = len - 8;
	return 0;
}

int binlog_query_parse(const struct binlog_format *fmt, const uint8_t *body, size_t len,
                       struct binlog_query *out, char *err, size_t errlen)
{
	struct wire w = { body, body + len };
	size_t post = fmt->post_header_len[BINLOG_QUERY];
	uint64_t schema_len;
	uint64_t error_code;
	uint64_t status_len = 0;
	const uint8_t *skip;
	const uint8_t *schema;
	int ret = -1;

	if (post == 0) {
		post = QUERY_POST_HEADER_V4;
	}
	if (post < QUERY_POST_HEADER_V3 || len < post) {
		snprintf(err, errlen, "QUERY truncated: body of %zu bytes, post-header of %zu",
		         len, post);
		goto out;
	}
	/* Thread id 4, execution time 4, schema length 1, error code 2, status length 2. */
	schema_len = body[8];
	error_code = wire_le(body + 9, 2);
	if (post >= QUERY_POST_HEADER_V4) {
		status_len = wire_le(body + 11, 2);
	}
	w.p = body + post;
	if (wire_bytes(&w, status_len, &skip) < 0 ||
	    wire_bytes(&w, schema_len, &schema) < 0 || wire_bytes(&w, 1, &skip) < 0) {
		snprintf(err, errlen,
		         "QUERY truncated: %" PRIu64 " bytes of status variables and a %" PRIu64
		         "-byte schema do not fit in %zu bytes", status_len, schema_len, len);
		goto out;
	}
	if (skip[0] != '\0') {
		snprintf(err, errlen, "QUERY schema name is not NUL-terminated");
		goto out;
	}
	out->schema = (const char *)schema;
	out->schema_len = schema_len;
	out->sql = (const char *)w.p;
	out->sql_len = wire_left(&w);
	out->error_code = (uint32_t)error_code;
	ret = 0;
out:
	return ret;
}

int binlog_xid_parse(const uint8_t *body, size_t len, uint64_t *xid, char *err, size_t errlen)
{
	if (len < 8) {
		snprintf(err, errlen, "XID truncated: body of %zu bytes, need 8", len);
		return -1;
	}
	*xid = wire_le(body, 8);
	return 0;
}

int binlog_mariadb_gtid_parse(const uint8_t *body, size_t len, uint32_t server_id,
                              struct binlog_gtid *out, char *err, size_t errlen)
{
	uint64_t seq_no;
	uint32_t domain_id;
	uint8_t flags;

	if (len < 13) {
		snprintf(err, errlen, "MariaDB GTID truncated: body of %zu bytes, need 13", len);
		return -1;
	}
	seq_no = wire_le(body, 8);
	domain_id = (uint32_t)wire_le(body + 8, 4);
	flags = body[12];
	memset(out, 0, sizeof(*out));
	if (flags & MARIADB_FL_GROUP_COMMIT_ID) {
		if (len < 21) {
			snprintf(err, errlen, "MariaDB GTID truncated: group commit id missing");
			return -1;
		}
		out->commit_id = wire_le(body + 13, 8);
	}
	out->standalone = (flags & MARIADB_FL_STANDALONE) != 0;
	snprintf(out->text, sizeof(out->text), "%" PRIu32 "-%" PRIu32 "-%" PRIu64, domain_id,
	         server_id, seq_no);
	return 0;
}

/* Writes the canonical lower-case text of a 16-byte UUID (37 bytes with NUL). */
static void uuid_format(const uint8_t *uuid, char *out)
{
	static const char hex[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < UUID_LEN; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10) {
			*out++ = '-';
		}
		*out++ = hex[uuid[i] >> 4];
		*out++ = hex[uuid[i] & 0xf];
	}
	*out = '\0';
}

/*
 * Reads an unsigned integer in MySQL's serialization varint format: the
 * number of trailing 1 bits of the first byte, plus one, is the byte count
 * (9 when the first byte is 0xff, whose 8 following bytes hold the value);
 * the value is the little-endian number shifted right by that count.
 */
static int varint_unsigned(struct wire *w, uint64_t *out)
{
	size_t n = 1;
	uint64_t v;

	if (wire_left(w) < 1) {
		return -1;
	}
	while (n < 9 && (w->p[0] >> (n - 1)) & 1) {
		n++;
	}
	if (wire_left(w) < n) {
		return -1;
	}
	if (n == 9) {
		v = wire_le(w->p + 1, 8);
	} else {
		v = wire_le(w->p, n) >> n;
	}
	w->p += n;
	*out = v;
	return 0;
}

/* Signed variant: the sign is moved to the lowest bit (zig-zag). */
static int varint_signed(struct wire *w, int64_t *out)
{
	uint64_t v;

	if (varint_unsigned(w, &v) < 0) {
		return -1;
	}
	*out = (int64_t)(v >> 1) ^ -(int64_t)(v & 1);
	return 0;
}

/* Reads the fields of a tagged GTID event (type 42) into uuid, tag and gno. */
static int tagged_gtid_read(struct wire *w, uint8_t *uuid, char *tag, int64_t *gno,
                            char *err, size_t errlen)
{
	const uint8_t *start = w->p;
	uint64_t format;
	uint64_t size;
	uint64_t last_required;
	uint64_t id;
	uint64_t v;
	uint64_t tag_len;
	const uint8_t *tag_bytes;
	bool have_uuid = false;
	bool have_gno = false;
	size_t i;

	tag[0] = '\0';
	/* Format version, message size (all of it), last non-ignorable field. */
	if (varint_unsigned(w, &format) < 0 || varint_unsigned(w, &size) < 0 ||
	    varint_unsigned(w, &last_required) < 0 || size > (size_t)(w->end - start) ||
	    size < (size_t)(w->p - start)) {
		goto bad;
	}
	w->end = start + size;
	while (wire_left(w) > 0) {
		if (varint_unsigned(w, &id) < 0) {
			goto bad;
		}
		if (id == TAGGED_FLAGS) {
			if (varint_unsigned(w, &v) < 0) {
				goto bad;
			}
		} else if (id == TAGGED_UUID) {
			for (i = 0; i < UUID_LEN; i++) {
				if (varint_unsigned(w, &v) < 0 || v > 0xff) {
					goto bad;
				}
				uuid[i] = (uint8_t)v;
			}
			have_uuid = true;
		} else if (id == TAGGED_GNO) {
			if (varint_signed(w, gno) < 0) {
				goto bad;
			}
			have_gno = true;
		} else if (id == TAGGED_TAG) {
			if (varint_unsigned(w, &tag_len) < 0 || tag_len > TAG_MAX ||
			    wire_bytes(w, tag_len, &tag_bytes) < 0 ||
			    memchr(tag_bytes, '\0', tag_len) != NULL) {
				goto bad;
			}
			memcpy(tag, tag_bytes, tag_len);
			tag[tag_len] = '\0';
		}
		if (id >= TAGGED_TAG) {
			break; /* the fields after the tag are not needed */
		}
	}
	if (have_uuid && have_gno) {
		return 0;
	}
bad:
	snprintf(err, errlen, "tagged GTID malformed or truncated at byte %zu",
	         (size_t)(w->p - start));
	return -1;
}

int binlog_mysql_gtid_parse(uint8_t type, const uint8_t *body, size_t len,
                            struct binlog_gtid *out, char *err, size_t errlen)
{
	struct wire w = { body, body + len };
	uint8_t uuid[UUID_LEN];
	char uuid_text[37];
	char tag[TAG_MAX + 1];
	int64_t gno = 0;

	memset(out, 0, sizeof(*out));
	if (type == BINLOG_MYSQL_GTID_TAGGED) {
		if (tagged_gtid_read(&w, uuid, tag, &gno, err, errlen) < 0) {
			return -1;
		}
	} else {
		if (len < 1 + UUID_LEN + 8) {
			snprintf(err, errlen, "GTID truncated: body of %zu bytes, need %u", len,
			         1 + UUID_LEN + 8);
			return -1;
		}
		memcpy(uuid, body + 1, UUID_LEN);
		gno = (int64_t)wire_le(body + 1 + UUID_LEN, 8);
		tag[0] = '\0';
	}
	if (type == BINLOG_MYSQL_ANONYMOUS_GTID) {
		out->anonymous = true;
		return 0;
	}
	uuid_format(uuid, uuid_text);
	snprintf(out->text, sizeof(out->text), "%s%s%s:%" PRId64, uuid_text, tag[0] ? ":" : "",
	         tag, gno);
	return 0;
}
