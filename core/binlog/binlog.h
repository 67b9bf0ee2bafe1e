/*
 * core/binlog/binlog.h - pure decoding of MySQL/MariaDB binlog events.
 *
 * Everything here works on bytes already in memory and does no I/O, so the
 * network source, the file source, the tests and the fuzzers share it.
 * Every function bounds-checks its input: malformed or truncated bytes give
 * -1 and a message (relative to the event; the caller adds file and
 * offset), never a crash or a read outside [buf, buf + len).
 *
 * An "event" below is the full event as on disk or on the wire: the 19-byte
 * v4 header, the body, and (when the format says so) a 4-byte CRC32.
 *
 * Concurrency: functions are reentrant; parsed structures are owned by the
 * caller and point into the event bytes they were parsed from, so those
 * bytes must outlive them.
 */
#ifndef MEEPO_BINLOG_H
#define MEEPO_BINLOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <meepo/event.h>
#include <meepo/value.h>

/* Event type codes (MySQL and MariaDB share the numbering below 160). */
enum binlog_event_type {
	BINLOG_UNKNOWN = 0,
	BINLOG_START_V3 = 1,
	BINLOG_QUERY = 2,
	BINLOG_STOP = 3,
	BINLOG_ROTATE = 4,
	BINLOG_INTVAR = 5,
	BINLOG_RAND = 13,
	BINLOG_USER_VAR = 14,
	BINLOG_FORMAT_DESCRIPTION = 15,
	BINLOG_XID = 16,
	BINLOG_TABLE_MAP = 19,
	BINLOG_WRITE_ROWS_V0 = 20,
	BINLOG_UPDATE_ROWS_V0 = 21,
	BINLOG_DELETE_ROWS_V0 = 22,
	BINLOG_WRITE_ROWS_V1 = 23,
	BINLOG_UPDATE_ROWS_V1 = 24,
	BINLOG_DELETE_ROWS_V1 = 25,
	BINLOG_INCIDENT = 26,
	BINLOG_HEARTBEAT = 27,
	BINLOG_IGNORABLE = 28,
	BINLOG_ROWS_QUERY = 29,
	BINLOG_WRITE_ROWS_V2 = 30,
	BINLOG_UPDATE_ROWS_V2 = 31,
	BINLOG_DELETE_ROWS_V2 = 32,
	BINLOG_MYSQL_GTID = 33,
	BINLOG_MYSQL_ANONYMOUS_GTID = 34,
	BINLOG_MYSQL_PREVIOUS_GTIDS = 35,
	BINLOG_TRANSACTION_CONTEXT = 36,
	BINLOG_VIEW_CHANGE = 37,
	BINLOG_XA_PREPARE = 38,
	BINLOG_PARTIAL_UPDATE_ROWS = 39,
	BINLOG_TRANSACTION_PAYLOAD = 40,
	BINLOG_HEARTBEAT_V2 = 41,
	BINLOG_MYSQL_GTID_TAGGED = 42,
	BINLOG_MARIADB_ANNOTATE_ROWS = 160,
	BINLOG_MARIADB_BINLOG_CHECKPOINT = 161,
	BINLOG_MARIADB_GTID = 162,
	BINLOG_MARIADB_GTID_LIST = 163,
	BINLOG_MARIADB_START_ENCRYPTION = 164,
	BINLOG_MARIADB_QUERY_COMPRESSED = 165,
	BINLOG_MARIADB_WRITE_ROWS_COMPRESSED_V1 = 169,
	BINLOG_MARIADB_UPDATE_ROWS_COMPRESSED_V1 = 170,
	BINLOG_MARIADB_DELETE_ROWS_COMPRESSED_V1 = 171,
};

#define BINLOG_HEADER_LEN 19u
#define BINLOG_CHECKSUM_LEN 4u
#define BINLOG_MAGIC "\xfe" "bin"
#define BINLOG_MAGIC_LEN 4u

/* Header flag: the file was still open when copied (FDE CRC skips it). */
#define BINLOG_FLAG_IN_USE 0x1u

/* Column types as TABLE_MAP gives them (MySQL's enum_field_types). */
enum binlog_column_type {
	BINLOG_COL_DECIMAL = 0,
	BINLOG_COL_TINY = 1,
	BINLOG_COL_SHORT = 2,
	BINLOG_COL_LONG = 3,
	BINLOG_COL_FLOAT = 4,
	BINLOG_COL_DOUBLE = 5,
	BINLOG_COL_NULL = 6,
	BINLOG_COL_TIMESTAMP = 7,
	BINLOG_COL_LONGLONG = 8,
	BINLOG_COL_INT24 = 9,
	BINLOG_COL_DATE = 10,
	BINLOG_COL_TIME = 11,
	BINLOG_COL_DATETIME = 12,
	BINLOG_COL_YEAR = 13,
	BINLOG_COL_NEWDATE = 14,
	BINLOG_COL_VARCHAR = 15,
	BINLOG_COL_BIT = 16,
	BINLOG_COL_TIMESTAMP2 = 17,
	BINLOG_COL_DATETIME2 = 18,
	BINLOG_COL_TIME2 = 19,
	BINLOG_COL_TYPED_ARRAY = 20,
	BINLOG_COL_VECTOR = 242,
	BINLOG_COL_JSON = 245,
	BINLOG_COL_NEWDECIMAL = 246,
	BINLOG_COL_ENUM = 247,
	BINLOG_COL_SET = 248,
	BINLOG_COL_TINY_BLOB = 249,
	BINLOG_COL_MEDIUM_BLOB = 250,
	BINLOG_COL_LONG_BLOB = 251,
	BINLOG_COL_BLOB = 252,
	BINLOG_COL_VAR_STRING = 253,
	BINLOG_COL_STRING = 254,
	BINLOG_COL_GEOMETRY = 255,
};

/* The collation id of binary strings. */
#define BINLOG_BINARY_COLLATION 63u

/* The 19-byte v4 event header. */
struct binlog_header {
	uint32_t timestamp;     /* seconds since 1970 when the statement started */
	uint8_t type;           /* enum binlog_event_type */
	uint32_t server_id;     /* originating server */
	uint32_t event_len;     /* whole event including header and checksum */
	uint32_t next_pos;      /* offset of the next event (0 inside payloads) */
	uint16_t flags;         /* LOG_EVENT_* flags */
};

/* What the FORMAT_DESCRIPTION event says about the events that follow. */
struct binlog_format {
	uint16_t binlog_version;        /* 4 */
	char server_version[51];        /* NUL-terminated */
	bool mariadb;                   /* server_version contains "MariaDB" */
	bool checksum;                  /* events end with a CRC32 */
	uint8_t post_header_len[256];   /* by event type; 0 when not given */
};

/* Parses the header at buf. Returns 0, or -1 if len < 19 or lengths are bad. */
int binlog_header_parse(const uint8_t *buf, size_t len, struct binlog_header *out,
                        char *err, size_t errlen);

/* Returns 0 if the event's trailing CRC32 matches, else -1 with a message. */
int binlog_checksum_verify(const uint8_t *event, size_t len, char *err, size_t errlen);

/*
 * Returns the format to assume before any FORMAT_DESCRIPTION is seen
 * (v4 post-header lengths, no checksum).
 */
void binlog_format_default(struct binlog_format *out);

/*
 * Parses a whole FORMAT_DESCRIPTION event (header included). Works out the
 * checksum algorithm (present from 5.6.1/MariaDB 5.3) and verifies the
 * event's own CRC with the in-use flag cleared.
 */
int binlog_format_parse(const uint8_t *event, size_t len, struct binlog_format *out,
                        char *err, size_t errlen);

/*
 * Returns the event body: what follows the header, without the checksum.
 * -1 if the event is shorter than header + checksum.
 */
int binlog_event_body(const struct binlog_format *fmt, const uint8_t *event, size_t len,
                      const uint8_t **body, size_t *body_len, char *err, size_t errlen);

/* ROTATE: the next file and the position to read it from. */
struct binlog_rotate {
	uint64_t position;      /* offset in the next file */
	const char *file;       /* not NUL-terminated */
	size_t file_len;        /* bytes */
};
int binlog_rotate_parse(const uint8_t *body, size_t len, struct binlog_rotate *out,
                        char *err, size_t errlen);

/* QUERY (and MariaDB QUERY_COMPRESSED is not decoded: its text is zlib). */
struct binlog_query {
	const char *schema;     /* default database, not NUL-terminated */
	size_t schema_len;
	const char *sql;        /* statement text, not NUL-terminated */
	size_t sql_len;
	uint32_t error_code;    /* error the statement had on the source */
};
int binlog_query_parse(const struct binlog_format *fmt, const uint8_t *body, size_t len,
                       struct binlog_query *out, char *err, size_t errlen);

/* XID: the commit of an XA-capable (InnoDB) transaction. */
int binlog_xid_parse(const uint8_t *body, size_t len, uint64_t *xid, char *err, size_t errlen);

/* A transaction's global id, from a MariaDB or MySQL GTID event. */
struct binlog_gtid {
	char text[128];         /* "domain-server-seq" or "uuid[:tag]:gno" */
	bool standalone;        /* MariaDB: a single statement, no BEGIN/COMMIT follows */
	bool anonymous;         /* MySQL ANONYMOUS_GTID: text is empty */
	uint64_t commit_id;     /* MariaDB group commit id, 0 if none */
};

/* MariaDB GTID (162); server_id comes from the event header. */
int binlog_mariadb_gtid_parse(const uint8_t *body, size_t len, uint32_t server_id,
                              struct binlog_gtid *out, char *err, size_t errlen);

/* MySQL GTID (33), ANONYMOUS_GTID (34) and tagged GTID (42). */
int binlog_mysql_gtid_parse(uint8_t type, const uint8_t *body, size_t len,
                            struct binlog_gtid *out, char *err, size_t errlen);

/*
 * A table description decoded from TABLE_MAP, in one allocation: the
 * meepo_table, its columns, names, ENUM/SET lists and key. Free it with
 * binlog_table_free().
 */
struct binlog_table {
	struct meepo_table table;   /* what events point to */
	bool has_names;             /* column names came from optional metadata */
	bool has_key;               /* primary key came from optional metadata */
	bool has_signedness;        /* signedness came from optional metadata */
	size_t raw_len;             /* bytes of the TABLE_MAP body, for reuse checks */
	const uint8_t *raw;         /* copy of the TABLE_MAP body (inside this allocation) */
};

/*
 * Decodes a TABLE_MAP body, optional metadata included (column names,
 * signedness, charsets, ENUM/SET values, primary key with or without
 * prefix, visibility). Returns the table, or NULL with a message.
 */
struct binlog_table *binlog_table_map_parse(const struct binlog_format *fmt, const uint8_t *body,
                                            size_t len, char *err, size_t errlen);

/* Returns the table id a TABLE_MAP or rows event body starts with. */
int binlog_table_id(const struct binlog_format *fmt, uint8_t type, const uint8_t *body, size_t len,
                    uint64_t *table_id, char *err, size_t errlen);

/*
 * What information_schema adds to a TABLE_MAP logged without optional
 * metadata. Arrays have one entry per column; an optional array may be NULL.
 */
struct binlog_table_overlay {
	const char *const *names;           /* column names (required) */
	const uint32_t *key;                /* primary key column indices, in key order */
	uint32_t nkey;                      /* entries in key */
	const bool *is_unsigned;            /* signedness, applied unless the TABLE_MAP had it */
	const uint16_t *charsets;           /* collation ids, applied where the TABLE_MAP had none */
	const uint16_t *temporal_meta;      /* fractional precision of old-format temporals */
	const struct meepo_strlist *members; /* ENUM/SET members (UTF-8), used where count > 0 */
};

/*
 * Returns a copy of `table` completed with the overlay: names and key
 * replaced, the other fields filled in where the TABLE_MAP lacked them.
 * NULL on allocation failure.
 */
struct binlog_table *binlog_table_complete(const struct binlog_table *table,
                                           const struct binlog_table_overlay *overlay);

/*
 * Returns a table that no TABLE_MAP describes (id 0, no raw bytes): the
 * columns' type, meta, charset, is_unsigned and nullable as the TABLE_MAP
 * would give them, names, key and ENUM/SET members from the overlay (which
 * needs no signedness, charsets or temporal_meta). For the snapshot, which
 * reads tables with SELECT. NULL on allocation failure.
 */
struct binlog_table *binlog_table_new(const char *schema, const char *name, uint32_t ncolumns,
                                      const struct meepo_column *columns,
                                      const struct binlog_table_overlay *overlay);

void binlog_table_free(struct binlog_table *table);

/* A rows event, parsed up to its first row. */
struct binlog_rows {
	enum meepo_action action;       /* write, update or delete */
	uint64_t table_id;              /* the TABLE_MAP it refers to */
	uint16_t flags;                 /* STMT_END_F = 1 and others */
	uint32_t ncolumns;              /* columns in the table */
	const uint8_t *present_before;  /* columns present in the before image */
	const uint8_t *present_after;   /* columns present in the after image */
	uint32_t nbefore;               /* how many: the width of each row's null bitmap */
	uint32_t nafter;
	bool partial_json;              /* PARTIAL_UPDATE_ROWS: after image may hold JSON diffs */
	const uint8_t *pos;             /* next row to decode */
	const uint8_t *end;             /* end of row data */
};

/* Parses a rows event body of any version (v0, v1, v2, partial). */
int binlog_rows_parse(const struct binlog_format *fmt, uint8_t type, const uint8_t *body,
                      size_t len, struct binlog_rows *out, char *err, size_t errlen);

/*
 * Decodes the next row into `before` and/or `after` (each table->ncolumns
 * values; the one the action has no use for is left untouched). Returns 1
 * when a row was decoded, 0 at the end, -1 on malformed data with a message
 * naming the table, column and byte offset within the event body.
 * `body` is the start of the event body, used only for that offset.
 */
int binlog_rows_next(struct binlog_rows *rows, const struct meepo_table *table,
                     const uint8_t *body, struct meepo_value *before, struct meepo_value *after,
                     char *err, size_t errlen);

/*
 * Decodes one non-NULL value of `column` from p (avail bytes readable).
 * Returns the number of bytes consumed, or -1 with a message.
 */
ssize_t binlog_value_decode(const struct meepo_column *column, const uint8_t *p, size_t avail,
                            struct meepo_value *out, char *err, size_t errlen);

/*
 * TRANSACTION_PAYLOAD (MySQL 8.0.20+): decompresses the inner events into
 * *out (malloc'd, caller frees) of *out_len bytes. The inner events carry no
 * checksum and have next_pos 0. Returns 0 or -1 with a message.
 */
int binlog_payload_decompress(const uint8_t *body, size_t len, uint8_t **out, size_t *out_len,
                              char *err, size_t errlen);

/*
 * True for a pre-5.6 TIME, DATETIME or TIMESTAMP column: MariaDB logs its
 * TIME(n)/DATETIME(n)/TIMESTAMP(n) of tables created before 10.1 that way
 * with no metadata, so the fractional precision (meta) must come from
 * information_schema.
 */
bool binlog_column_is_old_temporal(const struct meepo_column *column);

/* True for every WRITE/UPDATE/DELETE rows event type (any version). */
bool binlog_is_rows_event(uint8_t type);

/* Returns a short name such as "TABLE_MAP" for logs, "UNKNOWN" if unknown. */
const char *binlog_event_type_name(uint8_t type);

#endif /* MEEPO_BINLOG_H */
