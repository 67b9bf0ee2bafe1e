/*
 * core/binlog/header.c - the v4 event header, CRC32 checksums, the
 * FORMAT_DESCRIPTION event and event type names.
 *
 * Concurrency: all functions are reentrant; the only shared data are
 * read-only tables.
 */
#include <stdio.h>
#include <string.h>

#include <libdeflate.h>

#include "binlog/binlog.h"
#include "binlog/wire.h"

/* FORMAT_DESCRIPTION body: version 2, server version 50, created 4, header length 1. */
#define FDE_VERSION_LEN 50u
#define FDE_FIXED_LEN (2u + FDE_VERSION_LEN + 4u + 1u)
/* Checksum algorithm byte plus CRC32 that end a checksum-aware FDE. */
#define FDE_ALG_LEN 1u
/* Offset of the low byte of the header flags. */
#define HEADER_FLAGS_OFFSET 17u

/* Checksum algorithms the FORMAT_DESCRIPTION event names. */
enum checksum_alg {
	CHECKSUM_OFF = 0,
	CHECKSUM_CRC32 = 1,
	CHECKSUM_UNDEF = 255,
};

/* Post-header lengths of a v4 binlog, used until a FORMAT_DESCRIPTION says otherwise. */
static const uint8_t default_post_header_len[256] = {
	[BINLOG_START_V3] = 56,
	[BINLOG_QUERY] = 13,
	[BINLOG_ROTATE] = 8,
	[BINLOG_FORMAT_DESCRIPTION] = 84,
	[BINLOG_TABLE_MAP] = 8,
	[BINLOG_WRITE_ROWS_V0] = 8,
	[BINLOG_UPDATE_ROWS_V0] = 8,
	[BINLOG_DELETE_ROWS_V0] = 8,
	[BINLOG_WRITE_ROWS_V1] = 8,
	[BINLOG_UPDATE_ROWS_V1] = 8,
	[BINLOG_DELETE_ROWS_V1] = 8,
	[BINLOG_INCIDENT] = 2,
	[BINLOG_WRITE_ROWS_V2] = 10,
	[BINLOG_UPDATE_ROWS_V2] = 10,
	[BINLOG_DELETE_ROWS_V2] = 10,
	[BINLOG_MYSQL_GTID] = 42,
	[BINLOG_MYSQL_ANONYMOUS_GTID] = 42,
	[BINLOG_PARTIAL_UPDATE_ROWS] = 10,
	[BINLOG_MARIADB_GTID] = 19,
};

/* Names for logs, by event type. */
static const char *const type_names[256] = {
	[BINLOG_UNKNOWN] = "UNKNOWN",
	[BINLOG_START_V3] = "START_V3",
	[BINLOG_QUERY] = "QUERY",
	[BINLOG_STOP] = "STOP",
	[BINLOG_ROTATE] = "ROTATE",
	[BINLOG_INTVAR] = "INTVAR",
	[BINLOG_RAND] = "RAND",
	[BINLOG_USER_VAR] = "USER_VAR",
	[BINLOG_FORMAT_DESCRIPTION] = "FORMAT_DESCRIPTION",
	[BINLOG_XID] = "XID",
	[BINLOG_TABLE_MAP] = "TABLE_MAP",
	[BINLOG_WRITE_ROWS_V0] = "WRITE_ROWS_V0",
	[BINLOG_UPDATE_ROWS_V0] = "UPDATE_ROWS_V0",
	[BINLOG_DELETE_ROWS_V0] = "DELETE_ROWS_V0",
	[BINLOG_WRITE_ROWS_V1] = "WRITE_ROWS_V1",
	[BINLOG_UPDATE_ROWS_V1] = "UPDATE_ROWS_V1",
	[BINLOG_DELETE_ROWS_V1] = "DELETE_ROWS_V1",
	[BINLOG_INCIDENT] = "INCIDENT",
	[BINLOG_HEARTBEAT] = "HEARTBEAT",
	[BINLOG_IGNORABLE] = "IGNORABLE",
	[BINLOG_ROWS_QUERY] = "ROWS_QUERY",
	[BINLOG_WRITE_ROWS_V2] = "WRITE_ROWS_V2",
	[BINLOG_UPDATE_ROWS_V2] = "UPDATE_ROWS_V2",
	[BINLOG_DELETE_ROWS_V2] = "DELETE_ROWS_V2",
	[BINLOG_MYSQL_GTID] = "GTID",
	[BINLOG_MYSQL_ANONYMOUS_GTID] = "ANONYMOUS_GTID",
	[BINLOG_MYSQL_PREVIOUS_GTIDS] = "PREVIOUS_GTIDS",
	[BINLOG_TRANSACTION_CONTEXT] = "TRANSACTION_CONTEXT",
	[BINLOG_VIEW_CHANGE] = "VIEW_CHANGE",
	[BINLOG_XA_PREPARE] = "XA_PREPARE",
	[BINLOG_PARTIAL_UPDATE_ROWS] = "PARTIAL_UPDATE_ROWS",
	[BINLOG_TRANSACTION_PAYLOAD] = "TRANSACTION_PAYLOAD",
	[BINLOG_HEARTBEAT_V2] = "HEARTBEAT_V2",
	[BINLOG_MYSQL_GTID_TAGGED] = "GTID_TAGGED",
	[BINLOG_MARIADB_ANNOTATE_ROWS] = "ANNOTATE_ROWS",
	[BINLOG_MARIADB_BINLOG_CHECKPOINT] = "BINLOG_CHECKPOINT",
	[BINLOG_MARIADB_GTID] = "MARIADB_GTID",
	[BINLOG_MARIADB_GTID_LIST] = "GTID_LIST",
	[BINLOG_MARIADB_START_ENCRYPTION] = "START_ENCRYPTION",
	[BINLOG_MARIADB_QUERY_COMPRESSED] = "QUERY_COMPRESSED",
	[BINLOG_MARIADB_WRITE_ROWS_COMPRESSED_V1] = "WRITE_ROWS_COMPRESSED_V1",
	[BINLOG_MARIADB_UPDATE_ROWS_COMPRESSED_V1] = "UPDATE_ROWS_COMPRESSED_V1",
	[BINLOG_MARIADB_DELETE_ROWS_COMPRESSED_V1] = "DELETE_ROWS_COMPRESSED_V1",
};

int binlog_header_parse(const uint8_t *buf, size_t len, struct binlog_header *out,
                        char *err, size_t errlen)
{
	if (len < BINLOG_HEADER_LEN) {
		snprintf(err, errlen, "event header truncated: %zu of %u bytes", len,
		         BINLOG_HEADER_LEN);
		return -1;
	}
	out->timestamp = (uint32_t)wire_le(buf, 4);
	out->type = buf[4];
	out->server_id = (uint32_t)wire_le(buf + 5, 4);
	out->event_len = (uint32_t)wire_le(buf + 9, 4);
	out->next_pos = (uint32_t)wire_le(buf + 13, 4);
	out->flags = (uint16_t)wire_le(buf + 17, 2);
	if (out->event_len < BINLOG_HEADER_LEN) {
		snprintf(err, errlen, "event length %u is shorter than the %u-byte header",
		         out->event_len, BINLOG_HEADER_LEN);
		return -1;
	}
	return 0;
}

int binlog_checksum_verify(const uint8_t *event, size_t len, char *err, size_t errlen)
{
	uint32_t want;
	uint32_t got;

	if (len < BINLOG_HEADER_LEN + BINLOG_CHECKSUM_LEN) {
		snprintf(err, errlen, "event of %zu bytes is too short to carry a checksum", len);
		return -1;
	}
	want = (uint32_t)wire_le(event + len - BINLOG_CHECKSUM_LEN, BINLOG_CHECKSUM_LEN);
	got = libdeflate_crc32(0, event, len - BINLOG_CHECKSUM_LEN);
	if (got != want) {
		snprintf(err, errlen, "checksum mismatch: event says %08x, bytes give %08x",
		         want, got);
		return -1;
	}
	return 0;
}

void binlog_format_default(struct binlog_format *out)
{
	memset(out, 0, sizeof(*out));
	out->binlog_version = 4;
	memcpy(out->post_header_len, default_post_header_len, sizeof(out->post_header_len));
}

/*
 * Returns whether a server of this version ends its FORMAT_DESCRIPTION with
 * a checksum algorithm byte and CRC: MySQL from 5.6.1, MariaDB from 5.3.
 */
static bool version_has_checksum(const char *version, bool mariadb)
{
	unsigned int major = 0;
	unsigned int minor = 0;
	unsigned int patch = 0;
	unsigned long v;

	if (sscanf(version, "%u.%u.%u", &major, &minor, &patch) < 2) {
		return false;
	}
	v = major * 10000ul + minor * 100ul + patch;
	return v >= (mariadb ? 50300ul : 50601ul);
}

/* Verifies the FDE's CRC as MySQL computes it: with the in-use flag cleared. */
static int fde_checksum_verify(const uint8_t *event, size_t len, char *err, size_t errlen)
{
	uint8_t flags_low = event[HEADER_FLAGS_OFFSET] & (uint8_t)~BINLOG_FLAG_IN_USE;
	size_t tail = len - BINLOG_CHECKSUM_LEN - HEADER_FLAGS_OFFSET - 1;
	uint32_t want = (uint32_t)wire_le(event + len - BINLOG_CHECKSUM_LEN, BINLOG_CHECKSUM_LEN);
	uint32_t crc;

	crc = libdeflate_crc32(0, event, HEADER_FLAGS_OFFSET);
	crc = libdeflate_crc32(crc, &flags_low, 1);
	crc = libdeflate_crc32(crc, event + HEADER_FLAGS_OFFSET + 1, tail);
	if ((uint32_t)crc != want) {
		snprintf(err, errlen,
		         "FORMAT_DESCRIPTION checksum mismatch: event says %08x, bytes give %08x",
		         want, (uint32_t)crc);
		return -1;
	}
	return 0;
}

int binlog_format_parse(const uint8_t *event, size_t len, struct binlog_format *out,
                        char *err, size_t errlen)
{
	struct binlog_header hdr;
	const uint8_t *body;
	size_t body_len;
	size_t ntypes;
	size_t trailer = 0;
	uint8_t alg = CHECKSUM_OFF;
	int ret = -1;

	if (binlog_header_parse(event, len, &hdr, err, errlen) < 0) {
		goto out;
	}
	if (hdr.type != BINLOG_FORMAT_DESCRIPTION) {
		snprintf(err, errlen, "expected FORMAT_DESCRIPTION, got %s (%u)",
		         binlog_event_type_name(hdr.type), hdr.type);
		goto out;
	}
	if (hdr.event_len != len) {
		snprintf(err, errlen, "FORMAT_DESCRIPTION length %u does not match its %zu bytes",
		         hdr.event_len, len);
		goto out;
	}
	body = event + BINLOG_HEADER_LEN;
	body_len = len - BINLOG_HEADER_LEN;
	if (body_len < FDE_FIXED_LEN) {
		snprintf(err, errlen, "FORMAT_DESCRIPTION truncated: body of %zu bytes", body_len);
		goto out;
	}
	memset(out, 0, sizeof(*out));
	out->binlog_version = (uint16_t)wire_le(body, 2);
	if (out->binlog_version != 4) {
		snprintf(err, errlen, "binlog version %u is not supported (only 4)",
		         out->binlog_version);
		goto out;
	}
	memcpy(out->server_version, body + 2, FDE_VERSION_LEN);
	out->server_version[FDE_VERSION_LEN] = '\0';
	out->mariadb = strstr(out->server_version, "MariaDB") != NULL;
	if (body[FDE_FIXED_LEN - 1] != BINLOG_HEADER_LEN) {
		snprintf(err, errlen, "FORMAT_DESCRIPTION gives a %u-byte event header, expected %u",
		         body[FDE_FIXED_LEN - 1], BINLOG_HEADER_LEN);
		goto out;
	}
	if (version_has_checksum(out->server_version, out->mariadb)) {
		trailer = FDE_ALG_LEN + BINLOG_CHECKSUM_LEN;
		if (body_len < FDE_FIXED_LEN + trailer) {
			snprintf(err, errlen, "FORMAT_DESCRIPTION of %s truncated: no checksum algorithm",
			         out->server_version);
			goto out;
		}
		alg = body[body_len - trailer];
	}
	switch (alg) {
	case CHECKSUM_CRC32:
		if (fde_checksum_verify(event, len, err, errlen) < 0) {
			goto out;
		}
		out->checksum = true;
		break;
	case CHECKSUM_OFF:
	case CHECKSUM_UNDEF:
		break;
	default:
		snprintf(err, errlen, "unknown binlog checksum algorithm %u", alg);
		goto out;
	}
	ntypes = body_len - FDE_FIXED_LEN - trailer;
	if (ntypes > sizeof(out->post_header_len) - 1) {
		ntypes = sizeof(out->post_header_len) - 1;
	}
	/* Entry i describes event type i + 1. */
	memcpy(out->post_header_len + 1, body + FDE_FIXED_LEN, ntypes);
	ret = 0;
out:
	return ret;
}

int binlog_event_body(const struct binlog_format *fmt, const uint8_t *event, size_t len,
                      const uint8_t **body, size_t *body_len, char *err, size_t errlen)
{
	size_t trailer = fmt->checksum ? BINLOG_CHECKSUM_LEN : 0;

	if (len < BINLOG_HEADER_LEN + trailer) {
		snprintf(err, errlen, "event of %zu bytes is shorter than header%s", len,
		         trailer ? " and checksum" : "");
		return -1;
	}
	*body = event + BINLOG_HEADER_LEN;
	*body_len = len - BINLOG_HEADER_LEN - trailer;
	return 0;
}

bool binlog_column_is_old_temporal(const struct meepo_column *column)
{
	return column->type == BINLOG_COL_TIMESTAMP || column->type == BINLOG_COL_TIME ||
	       column->type == BINLOG_COL_DATETIME;
}

bool binlog_is_rows_event(uint8_t type)
{
	switch (type) {
	case BINLOG_WRITE_ROWS_V0:
	case BINLOG_UPDATE_ROWS_V0:
	case BINLOG_DELETE_ROWS_V0:
	case BINLOG_WRITE_ROWS_V1:
	case BINLOG_UPDATE_ROWS_V1:
	case BINLOG_DELETE_ROWS_V1:
	case BINLOG_WRITE_ROWS_V2:
	case BINLOG_UPDATE_ROWS_V2:
	case BINLOG_DELETE_ROWS_V2:
	case BINLOG_PARTIAL_UPDATE_ROWS:
	case BINLOG_MARIADB_WRITE_ROWS_COMPRESSED_V1:
	case BINLOG_MARIADB_UPDATE_ROWS_COMPRESSED_V1:
	case BINLOG_MARIADB_DELETE_ROWS_COMPRESSED_V1:
		return true;
	default:
		return false;
	}
}

const char *binlog_event_type_name(uint8_t type)
{
	return type_names[type] ? type_names[type] : "UNKNOWN";
}
