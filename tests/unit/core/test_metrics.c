/*
 * tests/unit/core/test_metrics.c - the Prometheus text and the health
 * verdict for hand-made snapshots.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "metrics.h"

static struct sink_config sinks[2] = { { .name = (char *)"cache" }, { .name = (char *)"hook\"1" } };

static void base(struct metrics_snapshot *snap, struct sink_stats *stats)
{
	memset(snap, 0, sizeof(*snap));
	memset(stats, 0, 2 * sizeof(*stats));
	snap->connected = true;
	snap->reader.by_type[19] = 7; /* TABLE_MAP */
	snap->reader.bytes = 4096;
	snap->reader.rows = 12;
	snap->reader.transactions = 5;
	snap->reader.last_timestamp = 1000;
	snap->now = 1042;
	snap->reconnects = 1;
	strcpy(snap->checkpoint.file, "mysql-bin.000002");
	snap->checkpoint.offset = 777;
	snap->nsinks = 2;
	snap->sinks = sinks;
	snap->stats = stats;
	snap->stuck_ms = 60000;
	stats[0].events = 12;
	stats[0].batches = 3;
	stats[1].retries = 4;
	stats[1].queued_events = 2;
	stats[1].queued_bytes = 300;
	strcpy(stats[0].acked.file, "mysql-bin.000002");
	stats[0].acked.offset = 700;
}

static void test_render(void **state)
{
	struct metrics_snapshot snap;
	struct sink_stats stats[2];
	struct meepo_buf out = { 0 };

	(void)state;
	base(&snap, stats);
	metrics_render(&snap, &out);
	assert_non_null(strstr(out.data, "\nmeepo_source_events_total{type=\"TABLE_MAP\"} 7\n"));
	assert_non_null(strstr(out.data, "\nmeepo_source_bytes_total 4096\n"));
	assert_non_null(strstr(out.data, "\nmeepo_source_rows_total 12\n"));
	assert_non_null(strstr(out.data, "\nmeepo_source_reconnects_total 1\n"));
	assert_non_null(strstr(out.data, "\nmeepo_source_lag_seconds 42\n"));
	assert_non_null(strstr(out.data, "\nmeepo_checkpoint_offset{file=\"mysql-bin.000002\"} 777\n"));
	assert_non_null(strstr(out.data, "\nmeepo_sink_events_total{sink=\"cache\"} 12\n"));
	assert_non_null(strstr(out.data, "\nmeepo_sink_retries_total{sink=\"hook\\\"1\"} 4\n"));
	assert_non_null(strstr(out.data, "\nmeepo_sink_queue_bytes{sink=\"hook\\\"1\"} 300\n"));
	assert_non_null(strstr(out.data, "\nmeepo_sink_acknowledged_offset{sink=\"cache\",file=\"mysql-bin.000002\"} 700\n"));
	assert_non_null(strstr(out.data, "# TYPE meepo_sink_queue_events gauge\n"));
	meepo_buf_free(&out);
}

static void test_health(void **state)
{
	struct metrics_snapshot snap;
	struct sink_stats stats[2];
	char reason[256];

	(void)state;
	base(&snap, stats);
	assert_int_equal(metrics_health(&snap, reason, sizeof(reason)), 0);
	assert_string_equal(reason, "ok");
	stats[1].stalled_ms = 60001;
	assert_int_equal(metrics_health(&snap, reason, sizeof(reason)), -1);
	assert_string_equal(reason, "sink hook\"1: no acknowledgement for 60001 ms with 2 events queued");
	snap.connected = false;
	assert_int_equal(metrics_health(&snap, reason, sizeof(reason)), -1);
	assert_string_equal(reason, "source not connected");
}

static void test_lag(void **state)
{
	struct metrics_snapshot snap;
	struct sink_stats stats[2];

	(void)state;
	base(&snap, stats);
	assert_int_equal(metrics_lag(&snap), 42);
	snap.caught_up = true;
	assert_int_equal(metrics_lag(&snap), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_render),
		cmocka_unit_test(test_health),
		cmocka_unit_test(test_lag),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
