/*
 * tests/unit/binlog/test_fixtures.c - walks every real-server binlog in
 * tests/fixtures/mysql/ with the core/binlog API and checks the counts per
 * event type, GTIDs, tables, and the event orders and totals that the
 * origins assert.
 *
 * The counts come from tests/fixtures/mysql/SOURCES.md ("events (top
 * level ...)", "inside TRANSACTION_PAYLOAD", GTID and TABLE_MAP lines);
 * orders and totals from the .expected.txt files next to the fixtures.
 * Row values are compared by test_rows.c (decoded values) and
 * test_values.c (their text and JSON forms).
 *
 * Concurrency: single-threaded test program.
 */
#include <dirent.h>
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fixture.h"
#include "walk.h"

/* One (event type, count) pair; a list ends with count 0. */
struct count {
	uint8_t type;   /* enum binlog_event_type */
	uint32_t n;     /* events of that type */
};

/* What walking one fixture must give. */
struct fixture_case {
	const char *file;           /* name under tests/fixtures/mysql/ */
	struct count events[12];    /* top-level counts */
	struct count inner[8];      /* counts inside TRANSACTION_PAYLOAD */
	uint64_t rows;              /* rows decoded */
	uint32_t checksums;         /* events with a verified CRC32 */
	uint32_t ngtids;            /* GTID events with a text */
	const char *gtids[3];       /* first GTIDs, NULL-terminated */
	const char *last_gtid;      /* text of the last GTID, or NULL */
	const char *tables[5];      /* first "schema.table:types", NULL-terminated */
};

#define FDE BINLOG_FORMAT_DESCRIPTION
#define PREV BINLOG_MYSQL_PREVIOUS_GTIDS
#define ANON BINLOG_MYSQL_ANONYMOUS_GTID
#define GTID BINLOG_MYSQL_GTID
#define WRITE2 BINLOG_WRITE_ROWS_V2
#define UPDATE2 BINLOG_UPDATE_ROWS_V2
#define DELETE2 BINLOG_DELETE_ROWS_V2

static const struct fixture_case cases[] = {
	{ "v8.0.22_rmc_json.binlog.000001",
	  { { FDE, 1 }, { PREV, 1 }, { ANON, 8 }, { BINLOG_QUERY, 8 }, { BINLOG_TABLE_MAP, 6 },
	    { WRITE2, 4 }, { BINLOG_XID, 6 }, { UPDATE2, 1 }, { BINLOG_PARTIAL_UPDATE_ROWS, 1 } },
	  { { 0, 0 } }, 18, 36, 0, { NULL }, NULL, { "mysql.t:3,245,15,3", NULL } },
	{ "v8.0.32_rmc_transaction_compression.000001",
	  { { FDE, 1 }, { PREV, 1 }, { ANON, 1 }, { BINLOG_TRANSACTION_PAYLOAD, 1 },
	    { BINLOG_ROTATE, 1 } },
	  { { BINLOG_QUERY, 1 }, { BINLOG_TABLE_MAP, 1 }, { WRITE2, 1 }, { BINLOG_XID, 1 } },
	  1, 5, 0, { NULL }, NULL, { "test.tb1:3", NULL } },
	{ "v8.0.28_osheroff_mysql-bin.compressed",
	  { { FDE, 1 }, { PREV, 1 }, { ANON, 1 }, { BINLOG_TRANSACTION_PAYLOAD, 1 },
	    { BINLOG_ROTATE, 1 } },
	  { { BINLOG_QUERY, 1 }, { BINLOG_TABLE_MAP, 1 }, { UPDATE2, 1 }, { BINLOG_XID, 1 } },
	  1, 5, 0, { NULL }, NULL, { "demo.movies:3,15,3,15,15,15,15,15,15,15,15", NULL } },
	{ "v8.0.31_apecloud_mysql-bin.000057",
	  { { FDE, 1 }, { PREV, 1 }, { GTID, 3 }, { BINLOG_QUERY, 1 },
	    { BINLOG_TRANSACTION_PAYLOAD, 2 } },
	  { { BINLOG_QUERY, 2 }, { BINLOG_ROWS_QUERY, 3 }, { BINLOG_TABLE_MAP, 3 }, { WRITE2, 2 },
	    { BINLOG_XID, 2 }, { UPDATE2, 1 } },
	  3, 8, 3,
	  { "76f3e7be-6720-11ed-9cad-0242ac110002:11", "76f3e7be-6720-11ed-9cad-0242ac110002:12",
	    NULL },
	  "76f3e7be-6720-11ed-9cad-0242ac110002:13",
	  { "a.b:3",
	    "a.test_table_3:3,15,10,3,252,17,247,248,254,245,15,10,10,3,252,17,10,3,252,17",
	    NULL } },
	{ "v8.0.40_rmc_minimal_row_metadata.000001",
	  { { FDE, 1 }, { PREV, 1 }, { ANON, 1 }, { BINLOG_QUERY, 1 }, { BINLOG_TABLE_MAP, 1 },
	    { WRITE2, 1 }, { BINLOG_XID, 1 }, { BINLOG_ROTATE, 1 } },
	  { { 0, 0 } }, 1, 8, 0, { NULL }, NULL, { "noria.t1:3,252,254,3,3", NULL } },
	{ "v8.0.40_rmc_time_issue.000001",
	  { { FDE, 1 }, { PREV, 1 }, { ANON, 1 }, { BINLOG_QUERY, 1 }, { BINLOG_TABLE_MAP, 1 },
	    { WRITE2, 1 }, { BINLOG_XID, 1 }, { BINLOG_ROTATE, 1 } },
	  { { 0, 0 } }, 1, 8, 0, { NULL }, NULL, { "noria.t:19", NULL } },
	{ "v8.0.28_rmc_mysql-enum-string-set.000001",
	  { { FDE, 1 }, { PREV, 1 }, { GTID, 5 }, { BINLOG_QUERY, 5 }, { BINLOG_TABLE_MAP, 3 },
	    { WRITE2, 1 }, { BINLOG_XID, 3 }, { UPDATE2, 1 }, { DELETE2, 1 } },
	  { { 0, 0 } }, 3, 21, 5,
	  { "93e95066-a2f4-11ec-9b69-9657f0ae95e2:1", "93e95066-a2f4-11ec-9b69-9657f0ae95e2:2", NULL },
	  "93e95066-a2f4-11ec-9b69-9657f0ae95e2:5", { "mysql.t:254,15,247,248,252", NULL } },
	{ "v8.0.26_rmc_mysql_type_bit.000001",
	  { { FDE, 1 }, { PREV, 1 }, { GTID, 3 }, { BINLOG_QUERY, 3 }, { BINLOG_TABLE_MAP, 1 },
	    { WRITE2, 1 }, { BINLOG_XID, 1 } },
	  { { 0, 0 } }, 1, 11, 3,
	  { "fbda2ad0-7c46-11ec-ae30-4ef7efc81a2a:1", "fbda2ad0-7c46-11ec-ae30-4ef7efc81a2a:2", NULL },
	  "fbda2ad0-7c46-11ec-ae30-4ef7efc81a2a:3", { "mysql.foo:16,252,16", NULL } },
	{ "v8.0.26_rmc_binlog-invisible-columns.000001",
	  { { FDE, 1 }, { PREV, 1 }, { GTID, 5 }, { BINLOG_QUERY, 5 }, { BINLOG_TABLE_MAP, 3 },
	    { WRITE2, 2 }, { BINLOG_XID, 3 }, { UPDATE2, 1 }, { BINLOG_STOP, 1 } },
	  { { 0, 0 } }, 3, 22, 5,
	  { "97c7af02-4c50-11ec-acd8-681842034964:1", NULL },
	  "97c7af02-4c50-11ec-acd8-681842034964:5", { "mysql.t1:3,3,3,252,252,8", NULL } },
	{ "v8.0.40_rmc_binlog_transaction_previous_GTID_no_tag.000001",
	  { { FDE, 1 }, { PREV, 1 }, { BINLOG_ROTATE, 1 } },
	  { { 0, 0 } }, 0, 3, 0, { NULL }, NULL, { NULL } },
	{ "v8.0.29_maxwell_binlog.000004",
	  { { FDE, 1 }, { PREV, 1 }, { GTID, 21 }, { BINLOG_QUERY, 21 }, { BINLOG_TABLE_MAP, 5 },
	    { WRITE2, 3 }, { BINLOG_XID, 5 }, { UPDATE2, 2 } },
	  { { 0, 0 } }, 28, 59, 21,
	  { "83759871-1141-11ed-b12d-0242ac130003:6", "83759871-1141-11ed-b12d-0242ac130003:7", NULL },
	  "83759871-1141-11ed-b12d-0242ac130003:26",
	  { "bac_schema.bac_history:8,15,15,3", "bac_schema.bac_schema:8,15,15,3", NULL } },
	{ "v8.0.31_mysql-cdc-rs_02_query_bigger_binlog.000733",
	  { { FDE, 1 }, { PREV, 1 }, { ANON, 11 }, { BINLOG_QUERY, 11 }, { BINLOG_TABLE_MAP, 6 },
	    { WRITE2, 3 }, { BINLOG_XID, 6 }, { UPDATE2, 1 }, { DELETE2, 2 } },
	  { { 0, 0 } }, 14, 42, 0, { NULL }, NULL,
	  { "test.LINEITEM:8,3,3,8,246,246,246,246,15,15,10,10,10,15,15,15",
	    "test.Demo:8,3,3,8,246,246,246,246,15,15,10,10,10,15,15,15", NULL } },
	{ "v8.2.0_mysql-cdc-rs_32_delete_rows_v2_binlog.000001",
	  { { FDE, 1 }, { PREV, 1 }, { ANON, 5 }, { BINLOG_QUERY, 5 }, { BINLOG_TABLE_MAP, 3 },
	    { WRITE2, 1 }, { BINLOG_XID, 3 }, { UPDATE2, 1 }, { DELETE2, 1 } },
	  { { 0, 0 } }, 3, 21, 0, { NULL }, NULL, { "test.int_table:1,2,9,3,8,1", NULL } },
	{ "v8.0.34_msmp_binlog.000001",
	  { { FDE, 1 }, { PREV, 1 }, { ANON, 10 }, { BINLOG_QUERY, 10 }, { BINLOG_TABLE_MAP, 7056 },
	    { WRITE2, 7056 }, { BINLOG_XID, 2 }, { BINLOG_STOP, 1 } },
	  { { 0, 0 } }, 135279, 14137, 0, { NULL }, NULL,
	  { "mysql.time_zone:3,247", "mysql.time_zone_name:254,3",
	    "mysql.time_zone_transition:3,8,3", "mysql.time_zone_transition_type:3,3,3,1,254",
	    NULL } },
	{ "v9.0.1_rmc_json-opaque.binlog",
	  { { FDE, 1 }, { PREV, 1 }, { ANON, 3 }, { BINLOG_QUERY, 3 }, { BINLOG_TABLE_MAP, 8 },
	    { WRITE2, 8 }, { BINLOG_XID, 1 } },
	  { { 0, 0 } }, 8, 25, 0, { NULL }, NULL, { "foo.test:245", NULL } },
	{ "v9.0.1_rmc_vector.binlog",
	  { { FDE, 1 }, { PREV, 1 }, { ANON, 10 }, { BINLOG_QUERY, 10 }, { BINLOG_TABLE_MAP, 6 },
	    { WRITE2, 5 }, { BINLOG_XID, 3 }, { DELETE2, 1 }, { BINLOG_STOP, 1 } },
	  { { 0, 0 } }, 10, 38, 0, { NULL }, NULL, { "dtb.foo:8,242", "dtb.bar:8,242,252,242", NULL } },
	{ "v9.6.0_rmc_binlog_transaction_with_GTID_TAG.000001",
	  { { FDE, 1 }, { PREV, 1 }, { BINLOG_MYSQL_GTID_TAGGED, 1 }, { BINLOG_QUERY, 1 },
	    { BINLOG_TABLE_MAP, 1 }, { WRITE2, 1 }, { BINLOG_XID, 1 }, { BINLOG_ROTATE, 1 } },
	  { { 0, 0 } }, 1, 8, 1, { "55778904-0299-11f1-b1b8-4ef0c4956feb:mytag:3", NULL },
	  "55778904-0299-11f1-b1b8-4ef0c4956feb:mytag:3", { "test.orders:3,3,246", NULL } },
	{ "v5.7.32_zalora_gtid-fixtures_mysql-bin.01",
	  { { FDE, 1 }, { PREV, 1 }, { GTID, 17 }, { BINLOG_QUERY, 17 }, { BINLOG_TABLE_MAP, 10 },
	    { WRITE2, 7 }, { BINLOG_XID, 4 }, { UPDATE2, 2 }, { DELETE2, 1 } },
	  { { 0, 0 } }, 10, 60, 17,
	  { "10440e47-3885-11eb-ac5b-0242ac110002:6", NULL },
	  "10440e47-3885-11eb-ac5b-0242ac110002:22",
	  { "test_db.buildings:3,15,15", "test_db.rooms:3,15,3", NULL } },
	{ "v5.7.21_osheroff_mysql-bin.checksum-crc32",
	  { { FDE, 1 }, { PREV, 1 }, { ANON, 60 }, { BINLOG_QUERY, 60 }, { BINLOG_TABLE_MAP, 60 },
	    { WRITE2, 34 }, { BINLOG_XID, 60 }, { UPDATE2, 20 }, { DELETE2, 6 },
	    { BINLOG_ROTATE, 1 } },
	  { { 0, 0 } }, 63, 303, 0, { NULL }, NULL,
	  { "simu_file_dev.folder:3,15,15,8,17,8,8,1,1,17,8,8",
	    "simu_file_dev.file:8,15,15,8,8,15,8,17,5,1,1,3,1,17,8,8,8", NULL } },
	{ "v5.7.20_osheroff_mysql-bin.checksum-none",
	  { { FDE, 1 }, { PREV, 1 }, { ANON, 40 }, { BINLOG_QUERY, 40 }, { BINLOG_TABLE_MAP, 36 },
	    { WRITE2, 34 }, { BINLOG_XID, 36 }, { UPDATE2, 2 }, { BINLOG_STOP, 1 } },
	  { { 0, 0 } }, 36, 0, 0, { NULL }, NULL,
	  { "account_db.account:254,18,18,15,15,15,15,15,15",
	    "account_db.refresh_token:254,18,18,15,1,15", "account_db.message:254,18,18,15,15,15",
	    "meeteam_file_storage.meeteam_fs_storage:254,18,18,15,3,15,15,3,3,1", NULL } },
	{ "v5.7.12-aurora_osheroff_mysql-bin.aurora-padding",
	  { { FDE, 1 }, { PREV, 1 }, { ANON, 1 }, { 100, 1 }, { BINLOG_QUERY, 1 } },
	  { { 0, 0 } }, 0, 5, 0, { NULL }, NULL, { NULL } },
	{ "v5.7.19_canal_tsdb_mysql-bin.000003",
	  { { FDE, 1 }, { PREV, 1 }, { ANON, 33 }, { BINLOG_QUERY, 33 }, { BINLOG_TABLE_MAP, 21 },
	    { WRITE2, 21 }, { BINLOG_XID, 21 } },
	  { { 0, 0 } }, 21, 131, 0, { NULL }, NULL,
	  { "wanshao.wanshao_test:3,15,3,8",
	    "tsdb.canal_table_meta_history:8,18,18,15,8,15,8,15,15,15,252,15,252",
	    "tsdb.canal_table_meta_snapshot:8,18,18,15,8,15,8,252,252", NULL } },
	{ "v5.7.24-percona_easypost_bin-log.000001",
	  { { FDE, 1 }, { PREV, 1 }, { GTID, 3 }, { BINLOG_QUERY, 3 }, { BINLOG_TABLE_MAP, 2 },
	    { WRITE2, 2 }, { BINLOG_XID, 2 } },
	  { { 0, 0 } }, 2, 14, 3,
	  { "87cee3a4-6b31-11e7-bdfd-0d98d6698870:14917", "87cee3a4-6b31-11e7-bdfd-0d98d6698870:14918",
	    NULL },
	  "87cee3a4-6b31-11e7-bdfd-0d98d6698870:14919", { "bltest.foo:8,246,15", NULL } },
	{ "v5.7.30_mysql-cdc-rs_31_update_rows_v2_log.bin",
	  { { FDE, 1 }, { PREV, 1 }, { GTID, 1 }, { BINLOG_QUERY, 1 }, { BINLOG_TABLE_MAP, 1 },
	    { UPDATE2, 1 }, { BINLOG_XID, 1 }, { BINLOG_ROTATE, 1 } },
	  { { 0, 0 } }, 1, 8, 1, { "e3e2a4ee-b6dc-11ea-8bcf-0242ac150002:1", NULL }, NULL,
	  { "default.boxercrab:3,15,15,252,252,252,4,5,246", NULL } },
	{ "v5.7.30_mysql-cdc-rs_32_delete_rows_v2_log.bin",
	  { { FDE, 1 }, { PREV, 1 }, { GTID, 4 }, { BINLOG_QUERY, 4 }, { BINLOG_ROWS_QUERY, 2 },
	    { BINLOG_TABLE_MAP, 2 }, { WRITE2, 1 }, { BINLOG_XID, 2 }, { DELETE2, 1 },
	    { BINLOG_ROTATE, 1 } },
	  { { 0, 0 } }, 2, 19, 4, { "80549ecc-d2f2-11ea-b790-0242ac130002:1", NULL },
	  "80549ecc-d2f2-11ea-b790-0242ac130002:4", { "default.boxercrab:3,15", NULL } },
};

/* Compares a walk's counts with a zero-terminated list, type by type. */
static void assert_counts(const char *file, const uint32_t *got, const struct count *want)
{
	uint32_t expected[256] = { 0 };
	size_t i;

	for (i = 0; want[i].n != 0; i++) {
		expected[want[i].type] = want[i].n;
	}
	for (i = 0; i < 256; i++) {
		if (got[i] != expected[i]) {
			print_error("%s: %s (%zu): got %" PRIu32 ", want %" PRIu32 "\n", file,
			            binlog_event_type_name((uint8_t)i), i, got[i], expected[i]);
		}
		assert_int_equal(got[i], expected[i]);
	}
}

static void test_fixture_case(const struct fixture_case *c)
{
	struct walk_stats *st = calloc(1, sizeof(*st));
	size_t len;
	uint8_t *buf = fixture_read("mysql", c->file, &len);
	char err[512] = "";
	size_t i;

	assert_non_null(st);
	if (walk_binlog(buf, len, st, err, sizeof(err)) != 0) {
		fail_msg("%s: %s", c->file, err);
	}
	assert_counts(c->file, st->events, c->events);
	assert_counts(c->file, st->inner, c->inner);
	assert_int_equal(st->rows, c->rows);
	assert_int_equal(st->checksums, c->checksums);
	assert_int_equal(st->ngtids, c->ngtids);
	for (i = 0; c->gtids[i] != NULL; i++) {
		assert_string_equal(st->gtids[i], c->gtids[i]);
	}
	if (c->last_gtid) {
		assert_true(st->ngtids >= 1 && st->ngtids <= WALK_GTIDS);
		assert_string_equal(st->gtids[st->ngtids - 1], c->last_gtid);
	}
	for (i = 0; c->tables[i] != NULL; i++) {
		assert_true(i < st->ntables);
		assert_string_equal(st->tables[i], c->tables[i]);
	}
	free(buf);
	free(st);
}

/* Each fixture is its own test so a failure names the file. */
static void test_fixture(void **state)
{
	test_fixture_case(*state);
}

/* Every binlog in the fixture folder has a case above (none is forgotten). */
static void test_every_fixture_listed(void **state)
{
	char *dir = fixture_path("mysql", "");
	DIR *d = opendir(dir);
	struct dirent *e;
	size_t n = 0;
	size_t i;
	bool found;

	(void)state;
	assert_non_null(d);
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] != 'v' || strstr(e->d_name, ".expected.txt") != NULL) {
			continue;
		}
		found = false;
		for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
			found = found || strcmp(cases[i].file, e->d_name) == 0;
		}
		if (!found) {
			fail_msg("fixture %s has no test case", e->d_name);
		}
		n++;
	}
	closedir(d);
	free(dir);
	assert_int_equal(n, sizeof(cases) / sizeof(cases[0]));
}

/* An event order an origin asserts: top-level, or inside the payloads. */
struct order_case {
	const char *file;           /* fixture */
	bool inner;                 /* order of the events inside TRANSACTION_PAYLOADs */
	uint32_t total;             /* number of events (top-level or inner) */
	uint32_t nlisted;           /* types listed below */
	uint8_t order[8];           /* the types of the first nlisted events */
};

static const struct order_case orders[] = {
	{ "v8.0.31_apecloud_mysql-bin.000057", false, 8, 8,
	  { FDE, PREV, GTID, BINLOG_QUERY, GTID, BINLOG_TRANSACTION_PAYLOAD, GTID,
	    BINLOG_TRANSACTION_PAYLOAD } },
	{ "v8.0.32_rmc_transaction_compression.000001", true, 4, 4,
	  { BINLOG_QUERY, BINLOG_TABLE_MAP, WRITE2, BINLOG_XID } },
	{ "v8.0.28_osheroff_mysql-bin.compressed", false, 5, 5,
	  { FDE, PREV, ANON, BINLOG_TRANSACTION_PAYLOAD, BINLOG_ROTATE } },
	/* The Aurora padding event (type 100, ignorable) is skipped; BEGIN follows it. */
	{ "v5.7.12-aurora_osheroff_mysql-bin.aurora-padding", false, 5, 5,
	  { FDE, PREV, ANON, 100, BINLOG_QUERY } },
	/* Exactly 191 and 303 events (the origin's counts). */
	{ "v5.7.20_osheroff_mysql-bin.checksum-none", false, 191, 4, { FDE, PREV, ANON, BINLOG_QUERY } },
	{ "v5.7.21_osheroff_mysql-bin.checksum-crc32", false, 303, 4, { FDE, PREV, ANON, BINLOG_QUERY } },
};

/* The exact event orders and totals that the origins assert. */
static void test_event_order(void **state)
{
	const struct order_case *c = *state;
	struct walk_stats *st = calloc(1, sizeof(*st));
	size_t len;
	uint8_t *buf = fixture_read("mysql", c->file, &len);
	char err[512] = "";

	assert_non_null(st);
	assert_int_equal(walk_binlog(buf, len, st, err, sizeof(err)), 0);
	assert_int_equal(c->inner ? st->ninner : st->nevents, c->total);
	assert_memory_equal(c->inner ? st->inner_order : st->order, c->order, c->nlisted);
	free(buf);
	free(st);
}

int main(void)
{
	static char names[sizeof(orders) / sizeof(orders[0])][160];
	struct CMUnitTest tests[sizeof(cases) / sizeof(cases[0]) + 1 +
	                        sizeof(orders) / sizeof(orders[0])];
	size_t k;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		tests[i] = (struct CMUnitTest){ cases[i].file, test_fixture, NULL, NULL,
		                                (void *)&cases[i] };
	}
	tests[i++] = (struct CMUnitTest)cmocka_unit_test(test_every_fixture_listed);
	for (k = 0; k < sizeof(orders) / sizeof(orders[0]); k++) {
		snprintf(names[k], sizeof(names[k]), "order of %s", orders[k].file);
		tests[i++] = (struct CMUnitTest){ names[k], test_event_order, NULL, NULL,
		                                  (void *)&orders[k] };
	}
	return _cmocka_run_group_tests("binlog-fixtures", tests, i, NULL, NULL);
}
