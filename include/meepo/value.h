/*
 * meepo/value.h - typed column values and table descriptions.
 *
 * A value is what one column holds in one row image. Values are decoded
 * from the binlog without copying: strings, bytes, JSON and geometry point
 * into the event buffer, DECIMAL keeps its packed binary form until it is
 * formatted. A value is therefore valid only as long as the event that
 * carries it (see meepo/event.h: during deliver()).
 *
 * Concurrency: all types here are immutable once delivered; any number of
 * threads may read them at once.
 */
#ifndef MEEPO_VALUE_H
#define MEEPO_VALUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* What a value holds, and which member of its union is set. */
enum meepo_value_type {
	MEEPO_VALUE_ABSENT = 0, /* column not logged in this image (MINIMAL/NOBLOB) */
	MEEPO_VALUE_NULL,       /* SQL NULL */
	MEEPO_VALUE_INT,        /* .i: signed integer column */
	MEEPO_VALUE_UINT,       /* .u: unsigned integer column */
	MEEPO_VALUE_FLOAT,      /* .d: FLOAT (single precision, widened) */
	MEEPO_VALUE_DOUBLE,     /* .d: DOUBLE */
	MEEPO_VALUE_DECIMAL,    /* .decimal: packed DECIMAL, exact */
	MEEPO_VALUE_YEAR,       /* .u: 0 or 1901..2155 */
	MEEPO_VALUE_DATE,       /* .time: year, month, day */
	MEEPO_VALUE_TIME,       /* .time: negative, hour (0..838), minute.. */
	MEEPO_VALUE_DATETIME,   /* .time: all fields */
	MEEPO_VALUE_TIMESTAMP,  /* .time: all fields, in UTC; .time.epoch set */
	MEEPO_VALUE_STRING,     /* .str: text in .str.charset */
	MEEPO_VALUE_BYTES,      /* .str: binary string or BLOB */
	MEEPO_VALUE_BIT,        /* .u: BIT(n), right-aligned */
	MEEPO_VALUE_ENUM,       /* .enumset: 1-based index, 0 is the '' error value */
	MEEPO_VALUE_SET,        /* .enumset: bit mask of members */
	MEEPO_VALUE_JSON,       /* .json: text (MariaDB) or MySQL binary JSON */
	MEEPO_VALUE_GEOMETRY,   /* .str: 4-byte little-endian SRID + WKB */
	MEEPO_VALUE_VECTOR,     /* .str: MySQL 9 VECTOR, little-endian floats */
};

/* A list of names, e.g. the members of an ENUM or SET column. */
struct meepo_strlist {
	uint32_t count;             /* number of names */
	const char *const *names;   /* NUL-terminated UTF-8 names */
};

/* Date and time parts; which are meaningful depends on the value type. */
struct meepo_temporal {
	int64_t epoch;          /* TIMESTAMP only: seconds since 1970 UTC */
	uint32_t hour;          /* 0..23, or 0..838 for TIME */
	uint32_t microsecond;   /* 0..999999 */
	uint16_t year;          /* 0..9999; 0 in zero dates */
	uint8_t month;          /* 1..12; 0 in zero dates */
	uint8_t day;            /* 1..31; 0 in zero dates */
	uint8_t minute;         /* 0..59 */
	uint8_t second;         /* 0..59 */
	uint8_t fsp;            /* fractional digits the column shows, 0..6 */
	bool negative;          /* TIME only: value below zero */
};

/* One column value. */
struct meepo_value {
	enum meepo_value_type type;     /* selects the union member */
	union {
		int64_t i;
		uint64_t u;
		double d;
		struct {
			const uint8_t *bin;     /* packed digits in the event */
			uint8_t precision;      /* total digits */
			uint8_t scale;          /* digits after the point */
		} decimal;
		struct meepo_temporal time;
		struct {
			const char *ptr;        /* not NUL-terminated */
			size_t len;             /* bytes */
			uint16_t charset;       /* collation id, 63 = binary, 0 unknown */
			uint32_t zero_pad;      /* BINARY(n) only: 0x00 bytes that follow the len
			                           bytes in the value (the binlog drops them;
			                           SELECT shows them); 0 otherwise */
		} str;
		struct {
			uint64_t bits;          /* ENUM: index; SET: member mask */
			const struct meepo_strlist *names; /* NULL without metadata */
		} enumset;
		struct {
			const uint8_t *ptr;     /* document bytes */
			size_t len;             /* bytes */
			bool binary;            /* MySQL binary JSON, else UTF-8 text */
		} json;
	};
};

/* One column of a table, as the binlog's TABLE_MAP describes it. */
struct meepo_column {
	const char *name;       /* column name, or "@N" (1-based) if unknown */
	uint8_t type;           /* wire type (MYSQL_TYPE_*), real type for CHAR/ENUM/SET */
	uint16_t meta;          /* type metadata from TABLE_MAP */
	uint16_t charset;       /* collation id, 63 binary, 0 unknown */
	bool is_unsigned;       /* numeric column declared UNSIGNED */
	bool nullable;          /* column may hold NULL */
	const struct meepo_strlist *names; /* ENUM/SET members, NULL if unknown */
};

/* A table as of one TABLE_MAP event. */
struct meepo_table {
	uint64_t id;                        /* server's table id */
	const char *schema;                 /* database name */
	const char *name;                   /* table name */
	uint32_t ncolumns;                  /* number of columns */
	const struct meepo_column *columns; /* ncolumns entries */
	uint32_t nkey;                      /* primary key columns, 0 if none */
	const uint32_t *key;                /* their column indices, in key order */
};

#ifdef __cplusplus
}
#endif

#endif /* MEEPO_VALUE_H */
