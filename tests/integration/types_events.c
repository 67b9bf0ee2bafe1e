/*
 * tests/integration/types_events.c - checks meepo's JSON events (print
 * sink, format "json", one object per line) against a suite's expectations
 * (see types.h).
 *
 * Every event must match its expectation: database, table, type, commit
 * flag, position, GTID, server id, ts, xid, the key and its columns (from
 * the image meepo_event_key_image() names), `data` (exactly the logged
 * columns, in table order) and `old` (exactly the columns logged in both
 * images whose value changed), with the members in the documented order.
 * Values are compared by types_compare() (docs/events.md's mapping).
 *
 * Concurrency: single-threaded test program.
 */
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "harness.h"
#include "json_lite.h"
#include "types.h"

/* Mismatches printed in full. */
#define MAX_PRINTED 60

/* Comparing one output. */
struct report {
	const struct types_suite *suite;    /* what was expected */
	const char *mode;                   /* "live" or "file" */
	size_t count;                       /* mismatches */
	uint64_t last_offset;               /* offset of the previous event's position */
	uint64_t last_seq;                  /* GTID sequence number of the previous event */
	struct types_counts by_type;        /* values compared per column type label */
	struct types_counts by_family;      /* values compared per coarse type */
};

static void __attribute__((format(printf, 4, 5)))
mismatch(struct report *rep, size_t index, const struct types_expect *e, const char *fmt, ...)
{
	char text[2048];
	va_list ap;

	rep->count++;
	if (rep->count > MAX_PRINTED) {
		return;
	}
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	print_message("[%s] event %zu (%s, \"%.120s\"): %s\n", rep->mode, index + 1,
	              e != NULL ? e->table->tcase->table : "-", e != NULL ? e->step->sql : "-", text);
}

/* A member that must be a string equal to `want`. */
static void check_string(struct report *rep, size_t index, const struct types_expect *e,
                         const struct jl_value *obj, const char *key, const char *want)
{
	const struct jl_value *v = jl_get(obj, key);

	if (v == NULL || v->type != JL_STRING || strcmp(v->str, want) != 0) {
		mismatch(rep, index, e, "%s: expected \"%s\", got %s \"%s\"", key, want,
		         v != NULL ? jl_type_name(v->type) : "nothing",
		         v != NULL && v->str != NULL ? v->str : "");
	}
}

/* Compares one value and counts it. */
static void check_value(struct report *rep, size_t index, const struct types_expect *e,
                        const char *where, size_t col, const struct types_row *row,
                        const struct jl_value *got)
{
	const struct types_column *c = &e->table->cols[col];
	char *m = types_compare(c, row->values[col], row->lens[col], got);

	types_count(&rep->by_type, c->label, row->values[col] == NULL);
	types_count(&rep->by_family, c->family, row->values[col] == NULL);
	if (m != NULL) {
		mismatch(rep, index, e, "%s.%s (%s): %s", where, c->name, c->label, m);
		free(m);
	}
}

/* True when column i holds different server values before and after. */
static bool row_differs(const struct types_expect *e, size_t i)
{
	const struct types_row *a = &e->before;
	const struct types_row *b = &e->after;

	if ((a->values[i] == NULL) != (b->values[i] == NULL)) {
		return true;
	}
	return a->values[i] != NULL &&
	       (a->lens[i] != b->lens[i] || memcmp(a->values[i], b->values[i], a->lens[i]) != 0);
}

/*
 * An image object (`data` or `old`) must hold exactly the columns `want`
 * marks, in table order, with the values of `row`.
 */
static void check_image(struct report *rep, size_t index, const struct types_expect *e,
                        const char *name, const struct jl_value *obj, const bool *want,
                        const struct types_row *row)
{
	const struct types_table *t = e->table;
	size_t k = 0;
	size_t i;

	if (obj == NULL || obj->type != JL_OBJECT) {
		mismatch(rep, index, e, "%s: expected an object", name);
		return;
	}
	for (i = 0; i < t->ncols; i++) {
		if (!want[i]) {
			continue;
		}
		if (k >= obj->count || strcmp(obj->keys[k], t->cols[i].name) != 0) {
			mismatch(rep, index, e, "%s: expected column %s as member %zu, found %s", name,
			         t->cols[i].name, k + 1, k < obj->count ? obj->keys[k] : "the end");
			return;
		}
		check_value(rep, index, e, name, i, row, &obj->items[k]);
		k++;
	}
	if (k != obj->count) {
		mismatch(rep, index, e, "%s: unexpected member %s", name, obj->keys[k]);
	}
}

/*
 * The key comes from the after image for a write and for an update that
 * changed a key column (present in both images), else from the before
 * image (docs/events.md, meepo_event_key_image()).
 */
static void check_key(struct report *rep, size_t index, const struct types_expect *e,
                      const struct jl_value *obj)
{
	const struct types_table *t = e->table;
	const struct jl_value *key = jl_get(obj, "primary_key");
	const struct jl_value *cols = jl_get(obj, "primary_key_columns");
	const struct types_row *image = e->action == TYPES_DELETE ? &e->before : &e->after;
	const bool *has = e->action == TYPES_DELETE ? e->before_has : e->after_has;
	bool changed = false;
	char *m;
	size_t k;
	size_t i;

	for (k = 0; e->action == TYPES_UPDATE && k < t->nkey; k++) {
		i = t->key[k];
		changed = changed || (e->before_has[i] && e->after_has[i] && row_differs(e, i));
	}
	if (e->action == TYPES_UPDATE && !changed) {
		image = &e->before;
		has = e->before_has;
	}
	if (key == NULL || key->type != JL_ARRAY || key->count != t->nkey || cols == NULL ||
	    cols->type != JL_ARRAY || cols->count != t->nkey) {
		mismatch(rep, index, e, "primary_key / primary_key_columns: expected arrays of %zu",
		         t->nkey);
		return;
	}
	for (k = 0; k < t->nkey; k++) {
		i = t->key[k];
		if (cols->items[k].type != JL_STRING || strcmp(cols->items[k].str, t->cols[i].name) != 0) {
			mismatch(rep, index, e, "primary_key_columns[%zu]: expected \"%s\"", k,
			         t->cols[i].name);
		}
		if (!has[i]) {
			if (key->items[k].type != JL_NULL) {
				mismatch(rep, index, e, "primary_key[%zu]: expected null (not logged)", k);
			}
			continue;
		}
		m = types_compare(&t->cols[i], image->values[i], image->lens[i], &key->items[k]);
		if (m != NULL) {
			mismatch(rep, index, e, "primary_key[%zu]: %s", k, m);
			free(m);
		}
	}
}

/* Members of the event object, in the documented order. */
static void check_members(struct report *rep, size_t index, const struct types_expect *e,
                          const struct jl_value *obj, bool with_old)
{
	static const char *const keys[] = { "database", "table", "type", "ts", "xid", "commit",
		                            "position", "gtid", "server_id", "primary_key",
		                            "primary_key_columns", "data", "old" };
	size_t n = with_old ? 13 : 12;
	size_t i;

	for (i = 0; i < n && i < obj->count; i++) {
		if (strcmp(obj->keys[i], keys[i]) != 0) {
			break;
		}
	}
	if (i != n || obj->count != n) {
		mismatch(rep, index, e, "event members: expected %s as member %zu, found %s",
		         i < n ? keys[i] : "nothing", i + 1, i < obj->count ? obj->keys[i] : "nothing");
	}
}

/* The position names the suite's file with an offset that never goes back. */
static void check_position(struct report *rep, size_t index, const struct types_expect *e,
                           const struct jl_value *obj)
{
	const struct jl_value *v = jl_get(obj, "position");
	char *prefix = harness_printf("%s:", rep->suite->file);
	uint64_t n;

	if (v == NULL || v->type != JL_STRING || strncmp(v->str, prefix, strlen(prefix)) != 0 ||
	    (n = strtoull(v->str + strlen(prefix), NULL, 10)) < rep->last_offset) {
		mismatch(rep, index, e, "position: expected \"%s<offset >= %" PRIu64 ">\"", prefix,
		         rep->last_offset);
	} else {
		rep->last_offset = n;
	}
	free(prefix);
}

/* MariaDB GTID "0-<server id>-<seq>": one per transaction, increasing. */
static void check_gtid(struct report *rep, size_t index, const struct types_expect *e,
                       const struct jl_value *obj)
{
	const struct types_suite *s = rep->suite;
	const struct jl_value *v = jl_get(obj, "gtid");
	char *prefix = harness_printf("0-%s-", s->server_id);
	bool new_txn = index == 0 || s->expect[index - 1].step_no != e->step_no;
	uint64_t n;

	if (v == NULL || v->type != JL_STRING || strncmp(v->str, prefix, strlen(prefix)) != 0) {
		mismatch(rep, index, e, "gtid: expected \"%s<seq>\"", prefix);
	} else {
		n = strtoull(v->str + strlen(prefix), NULL, 10);
		if (new_txn ? n <= rep->last_seq : n != rep->last_seq) {
			mismatch(rep, index, e, "gtid %s: expected %s sequence number than %" PRIu64,
			         v->str, new_txn ? "a higher" : "the same", rep->last_seq);
		}
		rep->last_seq = n;
	}
	free(prefix);
}

/* server_id, ts, xid and commit of one event. */
static void check_meta(struct report *rep, size_t index, const struct types_expect *e,
                       const struct jl_value *obj)
{
	const struct types_suite *s = rep->suite;
	const struct jl_value *v;
	uint64_t n;

	check_position(rep, index, e, obj);
	check_gtid(rep, index, e, obj);
	v = jl_get(obj, "server_id");
	if (v == NULL || v->type != JL_NUMBER || strcmp(v->str, s->server_id) != 0) {
		mismatch(rep, index, e, "server_id: expected %s", s->server_id);
	}
	v = jl_get(obj, "ts");
	n = v != NULL && v->type == JL_NUMBER ? strtoull(v->str, NULL, 10) : 0;
	if (n + 5 < (uint64_t)s->started || n > (uint64_t)s->finished + 5) {
		mismatch(rep, index, e, "ts: expected a number between %lld and %lld",
		         (long long)s->started, (long long)s->finished);
	}
	v = jl_get(obj, "xid");
	if (v == NULL || v->type != JL_NUMBER) {
		mismatch(rep, index, e, "xid: expected a number (InnoDB commits with an XID)");
	}
	v = jl_get(obj, "commit");
	if (v == NULL || v->type != (e->last ? JL_TRUE : JL_FALSE)) {
		mismatch(rep, index, e, "commit: expected %s", e->last ? "true" : "false");
	}
}

static void check_event(struct report *rep, size_t index, const struct jl_value *obj)
{
	static const char *const types[] = { "", "insert", "update", "delete" };
	const struct types_expect *e = &rep->suite->expect[index];
	const struct types_table *t = e->table;
	bool *old;
	bool any_old = false;
	size_t i;

	if (obj->type != JL_OBJECT) {
		mismatch(rep, index, e, "expected an object, got %s", jl_type_name(obj->type));
		return;
	}
	check_string(rep, index, e, obj, "database", rep->suite->schema);
	check_string(rep, index, e, obj, "table", t->tcase->table);
	check_string(rep, index, e, obj, "type", types[e->action]);
	check_meta(rep, index, e, obj);
	check_key(rep, index, e, obj);
	if (e->action == TYPES_DELETE) {
		check_image(rep, index, e, "data", jl_get(obj, "data"), e->before_has, &e->before);
	} else {
		check_image(rep, index, e, "data", jl_get(obj, "data"), e->after_has, &e->after);
	}
	if (e->action == TYPES_UPDATE) {
		old = calloc(t->ncols + 1, sizeof(bool));
		assert_non_null(old);
		for (i = 0; i < t->ncols; i++) {
			old[i] = e->before_has[i] && e->after_has[i] && row_differs(e, i);
			any_old = any_old || old[i];
		}
		if (any_old) {
			check_image(rep, index, e, "old", jl_get(obj, "old"), old, &e->before);
		}
		free(old);
	}
	check_members(rep, index, e, obj, any_old);
}

size_t types_suite_check(const struct types_suite *suite, const char *mode, const char *output,
                         bool print_counts)
{
	struct report rep = { suite, mode, 0, 0, 0, { 0 }, { 0 } };
	const char *line = output;
	const char *nl;
	struct jl_value *obj;
	char err[256];
	size_t index = 0;

	while (line != NULL && *line != '\0') {
		nl = strchr(line, '\n');
		if (nl == NULL) {
			mismatch(&rep, index, NULL, "the last line has no newline");
			break;
		}
		obj = jl_parse(line, (size_t)(nl - line), err, sizeof(err));
		if (obj == NULL) {
			mismatch(&rep, index, NULL, "not valid JSON: %s", err);
		} else if (index < suite->nexpect) {
			check_event(&rep, index, obj);
		}
		jl_free(obj);
		index++;
		line = nl + 1;
	}
	if (index != suite->nexpect) {
		mismatch(&rep, index, NULL, "meepo wrote %zu events, %zu expected", index,
		         suite->nexpect);
	}
	print_message("[%s] %s: %zu events compared, %zu mismatches\n", mode, suite->schema, index,
	              rep.count);
	if (print_counts) {
		types_counts_print(&rep.by_type, "values compared per column type (data and old):");
		types_counts_print(&rep.by_family, "values compared per type family:");
	}
	types_counts_free(&rep.by_type);
	types_counts_free(&rep.by_family);
	return rep.count;
}
