/*
 * plugins/sql/sql_build.h - the pure half of the sql sink: how source names
 * map to target names, which statements apply an event, their SQL text and
 * parameter order, the state table's statements, source position order and
 * server error classes. Nothing here does I/O, so all of it is unit-tested
 * without a server (tests/unit/sql/).
 *
 * Row data never becomes SQL text: statements only hold `?` placeholders,
 * and identifiers (schema, table, column names) are quoted with backticks,
 * embedded backticks doubled.
 *
 * Concurrency: functions are reentrant; a struct sql_names is immutable
 * after sql_names_parse() and may be read from any thread; a struct
 * sql_shape belongs to its caller.
 */
#ifndef MEEPO_SQL_BUILD_H
#define MEEPO_SQL_BUILD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <meepo/event.h>
#include <meepo/sdk.h>

/* ---- names ---------------------------------------------------------------- */

/* One "src:dst" item of the schema_map or tables option. */
struct sql_rename {
	char *src_schema;   /* tables: source schema of "schema.table", NULL = any */
	char *src;          /* source schema (schema_map) or table (tables) */
	char *dst_schema;   /* tables: target schema of "schema.table", NULL = mapped */
	char *dst;          /* target schema (schema_map) or table (tables) */
};

/* How source schema.table names map to target names. */
struct sql_names {
	char *database;             /* target schema of every unmapped schema, NULL = same name */
	struct sql_rename *schemas; /* schema_map items, in configuration order */
	size_t nschemas;            /* number of schemas */
	struct sql_rename *tables;  /* tables items, in configuration order */
	size_t ntables;             /* number of tables */
};

/*
 * Adds one "src:dst" item to names: to its schema renames if `is_table` is
 * false, else to its table renames (either side may be "schema.table").
 * Returns 0, or -1 with a message in err (names is unchanged then).
 */
int sql_names_add(struct sql_names *names, bool is_table, const char *item,
                  char *err, size_t errlen);

/* Frees everything names holds; the struct is zeroed. */
void sql_names_free(struct sql_names *names);

/*
 * Resolves the target of source `schema`.`table`: the first tables item
 * naming "schema.table", else the first naming "table", else the same table
 * name; its schema is the item's target schema if it names one, else the
 * schema_map target of `schema`, else `database`, else `schema`. The
 * results point into names or at the arguments.
 */
void sql_names_resolve(const struct sql_names *names, const char *schema, const char *table,
                       const char **dst_schema, const char **dst_table);

/* Appends `name` as a quoted identifier: backticks, embedded ones doubled. */
void sql_quote_ident(struct meepo_buf *buf, const char *name);

/* ---- statements ------------------------------------------------------------ */

/* The kinds of statement the sink executes. */
enum sql_kind {
	SQL_UPSERT = 0,     /* INSERT .. ON DUPLICATE KEY UPDATE, after image, multi-row */
	SQL_DELETE,         /* DELETE by primary key of the before image, multi-row */
	SQL_UPDATE,         /* UPDATE present after columns WHERE primary key (partial image) */
	SQL_DELETE_ROW,     /* no key: DELETE WHERE every before column <=> .. LIMIT 1 */
	SQL_UPDATE_ROW,     /* no key: UPDATE .. WHERE every before column <=> .. LIMIT 1 */
};

/* Which image a parameter's value comes from. */
enum sql_image {
	SQL_AFTER = 0,      /* event->after */
	SQL_BEFORE = 1,     /* event->before */
};

/* One `?` of a statement, per row. */
struct sql_param {
	uint32_t column;        /* column index in the table */
	enum sql_image image;   /* image holding the value */
};

/*
 * The session's sql_mode: strict, so that a value the target column cannot
 * hold is an error instead of a silent truncation; 0 stays 0 in
 * AUTO_INCREMENT columns.
 */
#define SQL_MODE_STRICT "STRICT_ALL_TABLES,NO_AUTO_VALUE_ON_ZERO,NO_ENGINE_SUBSTITUTION"
/*
 * The sql_mode of a statement that sets an ENUM to its '' error value
 * (index 0), which the source stored in a non-strict session and strict
 * mode refuses.
 */
#define SQL_MODE_LENIENT "NO_AUTO_VALUE_ON_ZERO,NO_ENGINE_SUBSTITUTION"

/* The target server's SQL dialect, for the few places they differ. */
enum sql_flavor {
	SQL_MARIADB = 0,    /* SET STATEMENT sql_mode = .. FOR .. */
	SQL_MYSQL,          /* a SET_VAR(sql_mode = ..) optimizer hint */
};

/*
 * What a statement looks like, and so the key of the statement cache: its
 * kind, its row count and the columns it sets and matches.
 */
struct sql_shape {
	enum sql_kind kind;     /* statement kind */
	bool lenient;           /* sets an ENUM error value: runs with SQL_MODE_LENIENT */
	uint32_t nrows;         /* rows of a multi-row UPSERT/DELETE; 1 otherwise */
	uint32_t nwords;        /* 64-bit words per column mask */
	uint64_t *set;          /* mask of columns set from the after image */
	uint64_t *where;        /* mask of columns matched from the before image */
	size_t cap;             /* words allocated in `set` (`where` follows it) */
};

/*
 * Stores in kinds[] the statements that apply `event` in order and returns
 * their number (0 to 2):
 *  - with a primary key: write -> UPSERT; delete -> DELETE; update -> UPDATE
 *    when the after image lacks columns (MINIMAL/NOBLOB), else DELETE of the
 *    old key then UPSERT when the key changed, else UPSERT;
 *  - without one: write -> UPSERT; delete -> DELETE_ROW; update -> UPDATE_ROW.
 */
size_t sql_event_steps(const struct meepo_event *event, enum sql_kind kinds[2]);

/*
 * Fills shape with statement `kind` over `event`'s images (nrows = 1).
 * Columns in the mask `omit` (64-bit words over the table's columns, NULL
 * for none: the target's generated columns) are never set. Returns 0, or
 * -1 with a message in err when the event cannot be applied (a key column
 * missing from the before image, nothing to set or match).
 */
int sql_shape_of(struct sql_shape *shape, enum sql_kind kind, const struct meepo_event *event,
                 const uint64_t *omit, char *err, size_t errlen);

/* True if a and b have the same kind, mode and masks (nrows is not compared). */
bool sql_shape_same(const struct sql_shape *a, const struct sql_shape *b);

/* Makes dst a copy of src. */
void sql_shape_copy(struct sql_shape *dst, const struct sql_shape *src);

/* Frees the masks; the shape is zeroed and reusable. */
void sql_shape_free(struct sql_shape *shape);

/* True if statements of this kind may hold several rows. */
bool sql_kind_multirow(enum sql_kind kind);

/*
 * Appends the SQL text of `shape` on target `schema`.`table`, whose columns
 * are `t`'s, in `flavor`'s dialect.
 */
void sql_build_text(struct meepo_buf *out, enum sql_flavor flavor, const char *schema,
                    const char *table, const struct meepo_table *t, const struct sql_shape *shape);

/*
 * Returns the number of parameters of one row of `shape`, and stores them
 * in params (if not NULL) in the order of the text's placeholders.
 */
size_t sql_build_params(const struct sql_shape *shape, struct sql_param *params);

/*
 * Appends what identifies the row a statement of `kind` touches, for error
 * messages: "key (id=5, k=x)" from the after image of an UPSERT or the
 * before image otherwise, or "a row without primary key".
 */
void sql_describe_key(struct meepo_buf *out, const struct meepo_event *event, enum sql_kind kind);

/* ---- the state table --------------------------------------------------------- */

/* Appends CREATE TABLE IF NOT EXISTS for the state table `schema`.`table`. */
void sql_state_create_text(struct meepo_buf *out, const char *schema, const char *table);

/* Appends the SELECT of one sink's row (parameter: sink; columns: file, offset, row_index). */
void sql_state_select_text(struct meepo_buf *out, const char *schema, const char *table);

/*
 * Appends the upsert of one sink's row (parameters: sink, file, offset,
 * row_index, gtid, server_id; updated_at is NOW(6)).
 */
void sql_state_upsert_text(struct meepo_buf *out, const char *schema, const char *table);

/* ---- positions ---------------------------------------------------------------- */

/*
 * Compares two binlog file names: by their numeric suffix (the digits after
 * the last '.') when both have one, else as strings. Returns <0, 0 or >0.
 */
int sql_file_cmp(const char *a, const char *b);

/*
 * Compares the source positions (file, offset, row) of a and b: file by
 * sql_file_cmp, then transaction offset, then row index.
 */
int sql_pos_cmp(const char *file_a, uint64_t offset_a, uint32_t row_a,
                const char *file_b, uint64_t offset_b, uint32_t row_b);

/* ---- errors ------------------------------------------------------------------- */

/* What to do after a server or client error. */
enum sql_error_class {
	SQL_ERR_RECONNECT = 0,  /* connection unusable: drop it, RETRY */
	SQL_ERR_RETRY,          /* transient (deadlock, lock wait, read-only): roll back, RETRY */
	SQL_ERR_REJECT,         /* retrying cannot help (data, schema, privileges): REJECT */
};

/* Classifies a mysql_errno() / mysql_stmt_errno() value. */
enum sql_error_class sql_error_classify(unsigned int errnum);

#endif /* MEEPO_SQL_BUILD_H */
