/*
 * tests/integration/types_build.c - builds the case lists of the
 * column-type conformance suite (see types.h): the hand-written cases of
 * types_cases.c, and the wide ones generated here from small tables of
 * their own - DECIMAL of many (precision, scale), BIT(1) .. BIT(64), every
 * fractional-second precision, ENUM/SET with many members, a 40-column NULL
 * bitmap, blobs of every byte value.
 *
 * Concurrency: single-threaded test program.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "types.h"

/* ---- building the list ---------------------------------------------------- */

static char *__attribute__((format(printf, 1, 2))) fmt(const char *format, ...)
{
	va_list ap;
	char *s = NULL;

	va_start(ap, format);
	if (vasprintf(&s, format, ap) < 0) {
		fprintf(stderr, "types_cases: out of memory\n");
		abort();
	}
	va_end(ap);
	return s;
}

static char *dup_or_null(const char *s)
{
	return s != NULL ? fmt("%s", s) : NULL;
}

/* A text built piece by piece (open_memstream). */
struct text {
	char *data;     /* the text once closed */
	size_t len;     /* its length */
	FILE *f;        /* the stream while open */
};

static void text_open(struct text *t)
{
	t->data = NULL;
	t->len = 0;
	t->f = open_memstream(&t->data, &t->len);
	if (t->f == NULL) {
		fprintf(stderr, "types_cases: open_memstream failed\n");
		abort();
	}
}

/* Closes the stream and returns the text (owned by the caller). */
static char *text_close(struct text *t)
{
	fclose(t->f);
	return t->data;
}

/* Adds a case with an owned CREATE statement; returns it for add_step(). */
static struct types_case *add_case(struct types_cases *list, const char *table, char *create)
{
	struct types_case *c;

	list->cases = realloc(list->cases, (list->count + 1) * sizeof(*list->cases));
	if (list->cases == NULL) {
		abort();
	}
	c = &list->cases[list->count++];
	memset(c, 0, sizeof(*c));
	c->table = fmt("%s", table);
	c->create = create;
	return c;
}

/* Adds a step whose sql is owned; the other strings are copied. */
static void add_step(struct types_case *c, enum types_action action, char *sql, const char *where,
                     const char *where_after, const char *before_cols, const char *after_cols)
{
	struct types_step *s;

	c->steps = realloc(c->steps, (c->nsteps + 1) * sizeof(*c->steps));
	if (c->steps == NULL) {
		abort();
	}
	s = &c->steps[c->nsteps++];
	s->action = action;
	s->sql = sql;
	s->where = dup_or_null(where);
	s->where_after = dup_or_null(where_after);
	s->before_cols = dup_or_null(before_cols);
	s->after_cols = dup_or_null(after_cols);
}

static void add_static_cases(struct types_cases *list)
{
	const struct types_static_case *sc;
	const struct types_static_step *st;
	struct types_case *c;
	size_t i;

	for (i = 0; i < types_static_count; i++) {
		sc = &types_static_cases[i];
		c = add_case(list, sc->table, fmt("%s", sc->create));
		for (st = sc->steps; st->sql != NULL; st++) {
			add_step(c, st->action, fmt("%s", st->sql), st->where, st->where_after,
			         st->before_cols, st->after_cols);
		}
	}
}

/* ---- DECIMAL(p, s) -------------------------------------------------------- */

/* (precision, scale) pairs, including the extremes MariaDB allows. */
static const unsigned decimal_types[][2] = {
	{ 1, 0 }, { 1, 1 }, { 2, 1 }, { 4, 2 }, { 5, 5 }, { 9, 0 }, { 9, 9 }, { 10, 0 },
	{ 10, 4 }, { 10, 10 }, { 18, 9 }, { 19, 10 }, { 20, 0 }, { 27, 9 }, { 30, 15 },
	{ 38, 0 }, { 38, 38 }, { 40, 20 }, { 65, 0 }, { 65, 30 }, { 65, 38 },
};

/* Kinds of DECIMAL row, each written for every (p, s). */
enum decimal_row {
	DEC_ZERO,       /* 0 */
	DEC_MAX,        /* 99..9.9..9 */
	DEC_SMALLEST,   /* 0.0..01, or 1 for scale 0 */
	DEC_MIXED,      /* 1234567890.. . 9876543210.. */
	DEC_HALF,       /* 50..0.0..05 */
	DEC_KINDS,
};

/* Writes `n` digits cycling through `cycle`. */
static void put_digits(FILE *f, const char *cycle, unsigned n)
{
	unsigned i;

	for (i = 0; i < n; i++) {
		fputc(cycle[i % strlen(cycle)], f);
	}
}

/* Writes one DECIMAL(p, s) literal of the given kind, negated if asked. */
static void put_decimal(FILE *f, unsigned p, unsigned s, enum decimal_row kind, bool negative)
{
	unsigned intg = p - s;

	fputs(negative ? "-" : "", f);
	if (kind == DEC_ZERO) {
		fputs("0", f);
		return;
	}
	if (intg == 0 || kind == DEC_SMALLEST) {
		fputs(kind == DEC_SMALLEST && s == 0 ? "1" : "0", f);
	} else if (kind == DEC_MAX) {
		put_digits(f, "9", intg);
	} else if (kind == DEC_MIXED) {
		put_digits(f, "1234567890", intg);
	} else {
		fputs("5", f);
		put_digits(f, "0", intg - 1);
	}
	if (s == 0) {
		return;
	}
	fputc('.', f);
	if (kind == DEC_MAX) {
		put_digits(f, "9", s);
	} else if (kind == DEC_MIXED) {
		put_digits(f, "9876543210", s);
	} else {
		put_digits(f, "0", s - 1);
		fputc(kind == DEC_HALF ? '5' : '1', f);
	}
}

static void add_decimals(struct types_cases *list)
{
	size_t n = sizeof(decimal_types) / sizeof(decimal_types[0]);
	struct types_case *c;
	struct text t;
	unsigned id = 0;
	int kind;
	int neg;
	size_t i;

	text_open(&t);
	fputs("CREATE TABLE decimals (id INT PRIMARY KEY", t.f);
	for (i = 0; i < n; i++) {
		fprintf(t.f, ", d%u_%u DECIMAL(%u, %u)", decimal_types[i][0], decimal_types[i][1],
		        decimal_types[i][0], decimal_types[i][1]);
	}
	fputs(")", t.f);
	c = add_case(list, "decimals", text_close(&t));

	text_open(&t);
	fputs("INSERT INTO decimals VALUES ", t.f);
	for (kind = 0; kind < DEC_KINDS; kind++) {
		for (neg = 0; neg <= (kind == DEC_ZERO ? 0 : 1); neg++) {
			fprintf(t.f, "%s(%u", id > 0 ? ", " : "", id + 1);
			for (i = 0; i < n; i++) {
				fputs(", ", t.f);
				put_decimal(t.f, decimal_types[i][0], decimal_types[i][1],
				            (enum decimal_row)kind, neg == 1);
			}
			fputs(")", t.f);
			id++;
		}
	}
	fprintf(t.f, ", (%u", ++id);
	for (i = 0; i < n; i++) {
		fputs(", NULL", t.f);
	}
	fputs(")", t.f);
	add_step(c, TYPES_INSERT, text_close(&t), "TRUE", NULL, NULL, NULL);

	text_open(&t);
	fputs("UPDATE decimals SET ", t.f);
	for (i = 0; i < n; i++) {
		fprintf(t.f, "%sd%u_%u = -d%u_%u", i > 0 ? ", " : "", decimal_types[i][0],
		        decimal_types[i][1], decimal_types[i][0], decimal_types[i][1]);
	}
	fputs(" WHERE id IN (6, 7)", t.f);
	add_step(c, TYPES_UPDATE, text_close(&t), "id IN (6, 7)", NULL, NULL, NULL);
	add_step(c, TYPES_DELETE, fmt("DELETE FROM decimals WHERE id = 2"), "id = 2", NULL, NULL,
	         NULL);
}

/* ---- BIT(1) .. BIT(64) ---------------------------------------------------- */

/* Bit patterns of the BIT rows, as a function of the width n. */
enum bit_row {
	BITS_ZERO,
	BITS_ALL,       /* n ones */
	BITS_ONE,       /* 1 */
	BITS_HIGH,      /* only the top bit */
	BITS_ALTERNATE, /* 1010... from the top */
	BITS_KINDS,
};

static void put_bits(FILE *f, unsigned n, enum bit_row kind)
{
	unsigned i;
	bool bit;

	fputs("b'", f);
	for (i = 0; i < n; i++) {
		switch (kind) {
		case BITS_ALL:
			bit = true;
			break;
		case BITS_ONE:
			bit = i == n - 1;
			break;
		case BITS_HIGH:
			bit = i == 0;
			break;
		case BITS_ALTERNATE:
			bit = i % 2 == 0;
			break;
		default:
			bit = false;
			break;
		}
		fputc(bit ? '1' : '0', f);
	}
	fputs("'", f);
}

static void add_bits(struct types_cases *list)
{
	struct types_case *c;
	struct text t;
	unsigned n;
	int kind;

	text_open(&t);
	fputs("CREATE TABLE bits (id INT PRIMARY KEY", t.f);
	for (n = 1; n <= 64; n++) {
		fprintf(t.f, ", b%u BIT(%u)", n, n);
	}
	fputs(")", t.f);
	c = add_case(list, "bits", text_close(&t));

	text_open(&t);
	fputs("INSERT INTO bits VALUES ", t.f);
	for (kind = 0; kind < BITS_KINDS; kind++) {
		fprintf(t.f, "%s(%d", kind > 0 ? ", " : "", kind + 1);
		for (n = 1; n <= 64; n++) {
			fputs(", ", t.f);
			put_bits(t.f, n, (enum bit_row)kind);
		}
		fputs(")", t.f);
	}
	fprintf(t.f, ", (%d", BITS_KINDS + 1);
	for (n = 1; n <= 64; n++) {
		fputs(", NULL", t.f);
	}
	fputs(")", t.f);
	add_step(c, TYPES_INSERT, text_close(&t), "TRUE", NULL, NULL, NULL);
	add_step(c, TYPES_UPDATE,
	         fmt("UPDATE bits SET b1 = 0, b8 = 128, b33 = NULL, b64 = 1 WHERE id = 2"),
	         "id = 2", NULL, NULL, NULL);
	add_step(c, TYPES_DELETE, fmt("DELETE FROM bits WHERE id = 5"), "id = 5", NULL, NULL, NULL);
}

/* ---- temporal types at every precision ------------------------------------ */

/* One row: the same literal goes into TIME(0..6), DATETIME(0..6), TIMESTAMP(0..6). */
struct temporal_row {
	const char *year;       /* YEAR literal */
	const char *date;       /* DATE literal */
	const char *time;       /* TIME literal for t0 .. t6 */
	const char *datetime;   /* DATETIME literal for dt0 .. dt6 */
	const char *timestamp;  /* TIMESTAMP literal for ts0 .. ts6 */
};

static const struct temporal_row temporal_rows[] = {
	{ "1901", "'1000-01-01'", "'-838:59:59'", "'1000-01-01 00:00:00'",
	  "'1970-01-01 00:00:01'" },
	{ "2155", "'9999-12-31'", "'838:59:59.999999'", "'9999-12-31 23:59:59.999999'",
	  "'2038-01-19 03:14:07.999999'" },
	{ "0", "'0000-00-00'", "'00:00:00'", "'0000-00-00 00:00:00'", "'0000-00-00 00:00:00'" },
	{ "2000", "'2024-00-00'", "'-00:00:00.000001'", "'2024-00-00 00:00:00'",
	  "'2000-02-29 12:00:00.000001'" },
	{ "1999", "'2024-02-00'", "'-00:00:00.5'", "'2024-01-00 10:00:00.5'",
	  "'2024-12-31 23:59:59.5'" },
	{ "2024", "'2000-00-15'", "'-12:34:56.789012'", "'2023-09-24 18:54:12.1234'",
	  "'2023-09-24 18:54:12.123400'" },
	{ "69", "'1970-01-01'", "'-01:00:00.1'", "'1969-12-31 23:59:59.999999'",
	  "'1999-12-31 23:59:59.999999'" },
	{ "NULL", "NULL", "NULL", "NULL", "NULL" },
	{ "'2155'", "'2024-02-29'", "'-838:59:58.999999'", "'0000-01-01 00:00:00'",
	  "'2038-01-19 03:14:07'" },
	{ "1", "'0001-01-01'", "'-00:59:59.999999'", "'0001-01-01 00:00:00.000001'",
	  "'1970-01-01 00:00:01.000001'" },
	{ "0", "'2023-02-29'", "'123:45:06.7'", "'2023-06-15 12:34:56.000001'",
	  "'2023-06-15 12:34:56.999999'" },
	{ "2001", "'2001-01-01'", "'-00:00:00.01'", "'2001-01-01 00:00:00.01'",
	  "'2001-01-01 00:00:00.01'" },
	{ "2002", "'2002-02-02'", "'-00:00:01.000001'", "'2002-02-02 02:02:02.000100'",
	  "'2002-02-02 02:02:02.000100'" },
	{ "2003", "'2003-03-03'", "'-00:00:00.999999'", "'2003-03-03 23:59:59.999999'",
	  "'1970-01-02 00:00:00.5'" },
};

/* Writes `literal` once per precision 0..6. */
static void put_per_fsp(FILE *f, const char *literal)
{
	int fsp;

	for (fsp = 0; fsp <= 6; fsp++) {
		fprintf(f, ", %s", literal);
	}
}

/*
 * Adds the table `name` with YEAR, DATE and TIME, DATETIME, TIMESTAMP at
 * every precision 0..6; with old_format, created with
 * mysql56_temporal_format OFF (MariaDB 5.3's formats).
 */
static void add_temporal(struct types_cases *list, const char *name, bool old_format)
{
	static const char *const names[] = { "t", "dt", "ts" };
	static const char *const types[] = { "TIME", "DATETIME", "TIMESTAMP" };
	const struct temporal_row *r;
	struct types_case *c;
	struct text t;
	size_t i;
	int fsp;

	text_open(&t);
	fprintf(t.f, "%sCREATE TABLE %s (id INT PRIMARY KEY, y YEAR, d DATE",
	        old_format ? "SET GLOBAL mysql56_temporal_format = OFF; " : "", name);
	for (i = 0; i < 3; i++) {
		for (fsp = 0; fsp <= 6; fsp++) {
			fprintf(t.f, ", %s%d %s(%d)%s", names[i], fsp, types[i], fsp,
			        i == 2 ? " NULL DEFAULT NULL" : "");
		}
	}
	fprintf(t.f, ")%s", old_format ? "; SET GLOBAL mysql56_temporal_format = ON" : "");
	c = add_case(list, name, text_close(&t));

	text_open(&t);
	fprintf(t.f, "INSERT INTO %s VALUES ", name);
	for (i = 0; i < sizeof(temporal_rows) / sizeof(temporal_rows[0]); i++) {
		r = &temporal_rows[i];
		fprintf(t.f, "%s(%zu, %s, %s", i > 0 ? ", " : "", i + 1, r->year, r->date);
		put_per_fsp(t.f, r->time);
		put_per_fsp(t.f, r->datetime);
		put_per_fsp(t.f, r->timestamp);
		fputs(")", t.f);
	}
	add_step(c, TYPES_INSERT, text_close(&t), "TRUE", NULL, NULL, NULL);

	/* TIMESTAMP written in another time zone is logged (and shown here) in UTC. */
	text_open(&t);
	fprintf(t.f, "SET time_zone = '+05:30'; INSERT INTO %s (id, dt6, ts0, ts1, ts2, ts3, ts4, "
	        "ts5, ts6) VALUES (20, '2000-01-01 05:29:59.999999'", name);
	put_per_fsp(t.f, "'2000-01-01 05:29:59.999999'");
	fputs("); SET time_zone = '+00:00'", t.f);
	add_step(c, TYPES_INSERT, text_close(&t), "id = 20", NULL, NULL, NULL);
	add_step(c, TYPES_UPDATE,
	         fmt("UPDATE %s SET t3 = '-00:00:00.001', ts6 = '2001-01-01 00:00:00.000001', "
	             "y = 2000 WHERE id = 1", name),
	         "id = 1", NULL, NULL, NULL);
	add_step(c, TYPES_UPDATE,
	         fmt("UPDATE %s SET dt6 = '2024-00-00 00:00:00.000001', t5 = NULL WHERE id = 6",
	             name),
	         "id = 6", NULL, NULL, NULL);
	add_step(c, TYPES_DELETE, fmt("DELETE FROM %s WHERE id = 2", name), "id = 2", NULL, NULL,
	         NULL);
}

/* ---- ENUM and SET with many members --------------------------------------- */

/* Writes 'p1','p2',...,'pN'. */
static void put_members(FILE *f, const char *prefix, unsigned n)
{
	unsigned i;

	for (i = 1; i <= n; i++) {
		fprintf(f, "%s'%s%u'", i > 1 ? "," : "", prefix, i);
	}
}

/* Returns "'p1,p2,...,pN'" (every member of a SET). */
static char *all_members(const char *prefix, unsigned n)
{
	struct text t;
	unsigned i;

	text_open(&t);
	fputc('\'', t.f);
	for (i = 1; i <= n; i++) {
		fprintf(t.f, "%s%s%u", i > 1 ? "," : "", prefix, i);
	}
	fputc('\'', t.f);
	return text_close(&t);
}

static void add_enums(struct types_cases *list)
{
	static const unsigned set_sizes[] = { 9, 17, 33, 64 };
	char *all[4];
	struct types_case *c;
	struct text t;
	size_t i;

	text_open(&t);
	fputs("CREATE TABLE enums (id INT PRIMARY KEY, e ENUM('a','b','c'), e300 ENUM(", t.f);
	put_members(t.f, "m", 300);
	fputs("), eu ENUM('é','😀','x y','') CHARACTER SET utf8mb4, el ENUM('à','b') CHARACTER "
	      "SET latin1, sl SET('à','b') CHARACTER SET latin1, s SET('a','b','c','d')",
	      t.f);
	for (i = 0; i < 4; i++) {
		fprintf(t.f, ", s%u SET(", set_sizes[i]);
		put_members(t.f, "n", set_sizes[i]);
		fputs(")", t.f);
	}
	fputs(", su SET('é','😀') CHARACTER SET utf8mb4)", t.f);
	c = add_case(list, "enums", text_close(&t));

	for (i = 0; i < 4; i++) {
		all[i] = all_members("n", set_sizes[i]);
	}
	add_step(c, TYPES_INSERT,
	         fmt("INSERT INTO enums VALUES "
	             "(1, 'a', 'm1', 'é', 'à', 'à,b', 'a', 'n1', 'n1', 'n1', 'n1', 'é'), "
	             "(2, 'c', 'm300', '', 'b', 'b', 'd', 'n9', 'n17', 'n33', 'n64', '😀'), "
	             "(3, 'zzz', '', 'x y', 'à', '', '', '', 'n1,n17', 'n33,n1', 'n64', ''), "
	             "(4, 'b', 'm256', '😀', 'b', 'à', 'a,b,c,d', %s, %s, %s, %s, 'é,😀'), "
	             "(5, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL), "
	             "(6, 2, 256, 1, 2, 3, 5, 256, 65536, 4294967296, 18446744073709551615, 3)",
	             all[0], all[1], all[2], all[3]),
	         "TRUE", NULL, NULL, NULL);
	add_step(c, TYPES_UPDATE, fmt("UPDATE enums SET e = 'b', s = 'b,d', s64 = '' WHERE id = 1"),
	         "id = 1", NULL, NULL, NULL);
	add_step(c, TYPES_DELETE, fmt("DELETE FROM enums WHERE id = 2"), "id = 2", NULL, NULL, NULL);
	for (i = 0; i < 4; i++) {
		free(all[i]);
	}
}

/* ---- NULL bitmaps over 40 columns ----------------------------------------- */

#define NULLS_COLUMNS 40

/* Which columns of a row are NULL (bit i-1 for column c<i>). */
static const unsigned long long null_rows[] = {
	0,                              /* none */
	~0ULL,                          /* every nullable column */
	0x5555555555ULL,                /* odd columns */
	0xaaaaaaaaaaULL,                /* even columns */
	1ULL << 0, 1ULL << 7, 1ULL << 8, 1ULL << 15, 1ULL << 16, 1ULL << 23, 1ULL << 24,
	1ULL << 39,                     /* one column at each byte edge */
	0xfffffULL,                     /* the first 20 */
	0xfffff00000ULL,                /* the last 20 */
};

/* Columns declared NOT NULL: they take a value whatever the pattern says. */
static bool nulls_not_null(unsigned col)
{
	return col == 5 || col == 20;
}

static void add_nulls(struct types_cases *list)
{
	size_t nrows = sizeof(null_rows) / sizeof(null_rows[0]);
	struct types_case *c;
	struct text t;
	unsigned col;
	size_t r;

	text_open(&t);
	fputs("CREATE TABLE nulls (id INT PRIMARY KEY", t.f);
	for (col = 1; col <= NULLS_COLUMNS; col++) {
		fprintf(t.f, ", c%u %s%s", col, col % 2 == 1 ? "INT" : "VARCHAR(5)",
		        nulls_not_null(col) ? " NOT NULL DEFAULT 0" : "");
	}
	fputs(")", t.f);
	c = add_case(list, "nulls", text_close(&t));

	text_open(&t);
	fputs("INSERT INTO nulls VALUES ", t.f);
	for (r = 0; r < nrows; r++) {
		fprintf(t.f, "%s(%zu", r > 0 ? ", " : "", r + 1);
		for (col = 1; col <= NULLS_COLUMNS; col++) {
			if ((null_rows[r] >> (col - 1) & 1) != 0 && !nulls_not_null(col)) {
				fputs(", NULL", t.f);
			} else if (col % 2 == 1) {
				fprintf(t.f, ", %zu", (r + 1) * col);
			} else {
				fprintf(t.f, ", 'r%zu'", r + 1);
			}
		}
		fputs(")", t.f);
	}
	add_step(c, TYPES_INSERT, text_close(&t), "TRUE", NULL, NULL, NULL);
	add_step(c, TYPES_UPDATE, fmt("UPDATE nulls SET c1 = NULL, c40 = 'x' WHERE id = 1"),
	         "id = 1", NULL, NULL, NULL);
	add_step(c, TYPES_UPDATE, fmt("UPDATE nulls SET c9 = 9, c17 = NULL WHERE id = 7"), "id = 7",
	         NULL, NULL, NULL);
	add_step(c, TYPES_DELETE, fmt("DELETE FROM nulls WHERE id = 2"), "id = 2", NULL, NULL, NULL);
}

/* ---- blobs holding every byte value --------------------------------------- */

/* Returns "X'000102...FF'" (from..255). */
static char *byte_run(unsigned from)
{
	struct text t;
	unsigned b;

	text_open(&t);
	fputs("X'", t.f);
	for (b = from; b <= 255; b++) {
		fprintf(t.f, "%02X", b);
	}
	fputs("'", t.f);
	return text_close(&t);
}

/* Adds a row of every byte value to the (static) blobs case. */
static void add_blob_bytes(struct types_cases *list)
{
	char *all = byte_run(0);
	char *high = byte_run(1);
	char *text = byte_run(32);
	size_t i;

	for (i = 0; i < list->count; i++) {
		if (strcmp(list->cases[i].table, "blobs") == 0) {
			add_step(&list->cases[i], TYPES_INSERT,
			         fmt("INSERT INTO blobs (id, tb, bl, mb, lb, tl) VALUES "
			             "(4, %s, %s, %s, %s, _latin1 %s)",
			             high, all, all, all, text),
			         "id = 4", NULL, NULL, NULL);
		}
	}
	free(all);
	free(high);
	free(text);
}

void types_cases_build(struct types_cases *list)
{
	memset(list, 0, sizeof(*list));
	add_static_cases(list);
	add_blob_bytes(list);
	add_decimals(list);
	add_bits(list);
	add_temporal(list, "temporal", false);
	add_enums(list);
	add_nulls(list);
}

void types_cases_build_old_hires(struct types_cases *list)
{
	memset(list, 0, sizeof(*list));
	add_temporal(list, "old_hires", true);
}

void types_cases_free(struct types_cases *list)
{
	struct types_case *c;
	size_t i;
	size_t k;

	for (i = 0; i < list->count; i++) {
		c = &list->cases[i];
		for (k = 0; k < c->nsteps; k++) {
			free(c->steps[k].sql);
			free(c->steps[k].where);
			free(c->steps[k].where_after);
			free(c->steps[k].before_cols);
			free(c->steps[k].after_cols);
		}
		free(c->steps);
		free(c->table);
		free(c->create);
	}
	free(list->cases);
	memset(list, 0, sizeof(*list));
}
