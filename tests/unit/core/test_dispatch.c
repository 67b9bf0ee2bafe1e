/*
 * tests/unit/core/test_dispatch.c - the dispatcher with scripted sinks:
 * per-sink order and fan-out, retries, dead letters, on_reject = "stop",
 * and the checkpoint following the slowest acknowledgement.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "dispatch.h"

#define MAX_SEEN 4096

/* What a scripted sink does and saw. */
struct script {
	enum meepo_result results[8];   /* returned by the first calls; then OK */
	size_t nresults;
	size_t calls;                   /* deliver() calls so far */
	uint32_t seen[MAX_SEEN];        /* row_index of every event delivered OK */
	size_t nseen;
};

static enum meepo_result scripted_deliver(void *instance, const struct meepo_batch *batch,
                                          struct meepo_report *report)
{
	struct script *s = instance;
	enum meepo_result r = s->calls < s->nresults ? s->results[s->calls] : MEEPO_OK;

	s->calls++;
	if (r == MEEPO_OK) {
		for (size_t i = 0; i < batch->count && s->nseen < MAX_SEEN; i++) {
			s->seen[s->nseen++] = batch->events[i]->row_index;
		}
	} else {
		snprintf(report->reason, sizeof(report->reason), "scripted %s",
		         r == MEEPO_RETRY ? "retry" : "reject");
	}
	return r;
}

static const struct meepo_sink scripted_plugin = {
	MEEPO_SINK_HEADER, "scripted", "1", "test", NULL, NULL, NULL, scripted_deliver, NULL,
};

static const uint32_t key_column = 0;
static const struct meepo_column columns[] = { { .name = "id", .type = 3 } };
static const struct meepo_table table = {
	.id = 1, .schema = "s", .name = "t", .ncolumns = 1, .columns = columns,
	.nkey = 1, .key = &key_column,
};

static struct sink_config sink_conf(const char *name, const char *deadletter)
{
	return (struct sink_config){
		.name = (char *)name, .plugin = (char *)"scripted", .queue_max_bytes = 1u << 20,
		.batch_max_events = 7, .retry_initial_ms = 1, .retry_max_ms = 2,
		.deadletter = (char *)deadletter,
	};
}

/*
 * A chunk of n events whose row_index continues from *next, routed to the
 * sinks in mask_of(event number), ending its transaction at offset `end`.
 */
static struct chunk *make_chunk(uint32_t *next, size_t n, uint64_t (*mask_of)(uint32_t),
                                uint64_t stop_sinks, uint64_t end)
{
	struct chunk *c = chunk_new();

	for (size_t i = 0; i < n; i++) {
		struct chunk_event *ce = chunk_add_event(c);
		struct meepo_value *after = chunk_alloc(c, sizeof(*after));
		uint32_t k = (*next)++;
		after->type = MEEPO_VALUE_INT;
		after->i = k;
		ce->ev = (struct meepo_event){ .table = &table, .action = MEEPO_WRITE, .after = after,
		                               .file = "bin.000001", .offset = end - 100, .txn_offset = end - 100,
		                               .row_index = k };
		ce->sinks = mask_of(k);
		ce->stop_sinks = stop_sinks & ce->sinks;
		c->sinks |= ce->sinks;
	}
	c->txn_end = true;
	c->has_safe = true;
	snprintf(c->safe.file, sizeof(c->safe.file), "bin.000001");
	c->safe.offset = end;
	return c;
}

static uint64_t both_or_one(uint32_t k)
{
	return k % 3 == 0 ? 1u : k % 3 == 1 ? 2u : 3u;
}

static uint64_t first_only(uint32_t k)
{
	(void)k;
	return 1u;
}

static void test_order_and_fan_out(void **state)
{
	struct script a = { 0 }, b = { 0 };
	struct sink_config ca = sink_conf("a", "/dev/null"), cb = sink_conf("b", "/dev/null");
	struct sink_slot slots[2] = { { &ca, &scripted_plugin, &a }, { &cb, &scripted_plugin, &b } };
	struct position start = { .file = "bin.000001", .offset = 4 };
	struct position cp;
	struct dispatcher *d = dispatcher_new(slots, 2, NULL, 10, &start);
	uint32_t next = 0;

	(void)state;
	for (uint64_t i = 0; i < 300; i++) {
		assert_int_equal(dispatcher_submit(d, make_chunk(&next, 1 + i % 5, both_or_one, 0, 1000 + i)), 0);
	}
	struct position after_all = { .file = "bin.000001", .offset = 5000 };
	dispatcher_advance(d, &after_all);
	assert_int_equal(dispatcher_finish(d, 10000), 0);
	dispatcher_checkpoint(d, &cp);
	assert_string_equal(cp.file, "bin.000001");
	assert_int_equal(cp.offset, 5000);
	/* a gets k % 3 in {0, 2}, b gets {1, 2}, each in increasing order. */
	size_t ia = 0, ib = 0;
	for (uint32_t k = 0; k < next; k++) {
		if (both_or_one(k) & 1u) {
			assert_true(ia < a.nseen);
			assert_int_equal(a.seen[ia++], k);
		}
		if (both_or_one(k) & 2u) {
			assert_true(ib < b.nseen);
			assert_int_equal(b.seen[ib++], k);
		}
	}
	assert_int_equal(ia, a.nseen);
	assert_int_equal(ib, b.nseen);
	struct sink_stats st;
	dispatcher_stats(d, 0, &st);
	assert_int_equal(st.events, a.nseen);
	assert_int_equal(st.queued_events, 0);
	dispatcher_free(d);
}

static void test_retry_then_ok(void **state)
{
	struct script a = { .results = { MEEPO_RETRY, MEEPO_RETRY }, .nresults = 2 };
	struct sink_config ca = sink_conf("a", "/dev/null");
	struct sink_slot slot = { &ca, &scripted_plugin, &a };
	struct position start = { .file = "bin.000001", .offset = 4 };
	struct dispatcher *d = dispatcher_new(&slot, 1, NULL, 10, &start);
	struct sink_stats st;
	uint32_t next = 0;

	(void)state;
	assert_int_equal(dispatcher_submit(d, make_chunk(&next, 3, first_only, 0, 200)), 0);
	assert_int_equal(dispatcher_finish(d, 10000), 0);
	assert_int_equal(a.calls, 3);
	assert_int_equal(a.nseen, 3);
	dispatcher_stats(d, 0, &st);
	assert_int_equal(st.retries, 2);
	assert_int_equal(st.batches, 1);
	dispatcher_free(d);
}

static void test_reject_to_dead_letter(void **state)
{
	struct script a = { .results = { MEEPO_REJECT }, .nresults = 1 };
	char path[] = "/tmp/meepo-deadletter-XXXXXX";
	int fd = mkstemp(path);
	struct sink_config ca = sink_conf("a", path);
	struct sink_slot slot = { &ca, &scripted_plugin, &a };
	struct position start = { .file = "bin.000001", .offset = 4 };
	struct position cp;
	struct dispatcher *d;
	char text[4096] = { 0 };
	uint32_t next = 0;

	(void)state;
	assert_true(fd >= 0);
	ca.batch_max_events = 2;
	d = dispatcher_new(&slot, 1, NULL, 10, &start);
	assert_int_equal(dispatcher_submit(d, make_chunk(&next, 2, first_only, 0, 300)), 0);
	assert_int_equal(dispatcher_submit(d, make_chunk(&next, 2, first_only, 0, 400)), 0);
	assert_int_equal(dispatcher_finish(d, 10000), 0);
	dispatcher_checkpoint(d, &cp);
	assert_int_equal(cp.offset, 400);
	/* The first batch (rows 0, 1) was dead-lettered, the second delivered. */
	assert_int_equal(a.nseen, 2);
	assert_int_equal(a.seen[0], 2);
	assert_true(read(fd, text, sizeof(text) - 1) > 0);
	assert_non_null(strstr(text, "{\"sink\":\"a\",\"reason\":\"scripted reject\",\"id\":\"0-bin.000001-200-0\""));
	assert_non_null(strstr(text, "\"id\":\"0-bin.000001-200-1\""));
	assert_null(strstr(text, "-2\""));
	close(fd);
	unlink(path);
	dispatcher_free(d);
}

static void test_reject_stops(void **state)
{
	struct script a = { .results = { MEEPO_OK, MEEPO_REJECT }, .nresults = 2 };
	struct sink_config ca = sink_conf("a", "/dev/null");
	struct sink_slot slot = { &ca, &scripted_plugin, &a };
	struct position start = { .file = "bin.000001", .offset = 4 };
	struct position cp;
	struct dispatcher *d;
	char why[2048];
	uint32_t next = 0;

	(void)state;
	ca.batch_max_events = 1;
	d = dispatcher_new(&slot, 1, NULL, 10, &start);
	assert_int_equal(dispatcher_submit(d, make_chunk(&next, 1, first_only, 1, 500)), 0);
	assert_int_equal(dispatcher_submit(d, make_chunk(&next, 1, first_only, 1, 600)), 0);
	assert_int_equal(dispatcher_finish(d, 10000), -1);
	assert_true(dispatcher_failed(d, why, sizeof(why)));
	assert_string_equal(why, "sink a rejected a batch: scripted reject");
	dispatcher_checkpoint(d, &cp);
	assert_int_equal(cp.offset, 500); /* before the rejected batch */
	dispatcher_free(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_order_and_fan_out),
		cmocka_unit_test(test_retry_then_ok),
		cmocka_unit_test(test_reject_to_dead_letter),
		cmocka_unit_test(test_reject_stops),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
