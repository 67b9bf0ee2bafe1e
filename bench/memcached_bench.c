/*
 * bench/memcached_bench.c - the helper of bench/memcached.sh: fills a
 * memcached with keys, measures the baselines (libmemcached clients
 * deleting keys, pipelined and one round trip at a time) and the memcached
 * sink's deliver() on synthetic update events, and counts what is left.
 *
 *     memcached_bench populate PORT N             set user:1..user:N
 *     memcached_bench items PORT                  print curr_items
 *     memcached_bench baseline PORT N             pipelined deletes, no replies
 *     memcached_bench baseline-sync PORT N        one delete per round trip
 *     memcached_bench sink PLUGIN_DIR PORT N BATCH binary|text
 *
 * Every measuring mode prints one line: "<name> <deletes> <seconds> <per second>".
 * It is built by bench/memcached.sh against the meepo build tree (SDK and
 * core static libraries, exported with -rdynamic for the plugin).
 *
 * Concurrency: single-threaded.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libconfig.h>
#include <libmemcached/memcached.h>

#include <meepo/sink.h>

#include "options.h"
#include "plugin.h"

/* Column types as the binlog names them (MYSQL_TYPE_*). */
#define TYPE_LONG 3
#define TYPE_VARCHAR 15

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *msg)
{
	fprintf(stderr, "memcached_bench: %s\n", msg);
	exit(1);
}

static memcached_st *client(int port, bool buffered)
{
	memcached_st *m = memcached_create(NULL);

	if (m == NULL || memcached_server_add(m, "127.0.0.1", (in_port_t)port) != MEMCACHED_SUCCESS) {
		die("cannot create a libmemcached client");
	}
	if (buffered) {
		memcached_behavior_set(m, MEMCACHED_BEHAVIOR_BUFFER_REQUESTS, 1);
		memcached_behavior_set(m, MEMCACHED_BEHAVIOR_NOREPLY, 1);
	}
	return m;
}

static void report(const char *name, long n, double seconds)
{
	printf("%s %ld %.3f %.0f\n", name, n, seconds, (double)n / seconds);
}

static void populate(int port, long n)
{
	memcached_st *m = client(port, true);
	char key[32];
	long i;

	for (i = 1; i <= n; i++) {
		int len = snprintf(key, sizeof(key), "user:%ld", i);

		if (!memcached_success(memcached_set(m, key, (size_t)len, "v", 1, 0, 0))) {
			die(memcached_last_error_message(m));
		}
	}
	if (memcached_flush_buffers(m) != MEMCACHED_SUCCESS) {
		die(memcached_last_error_message(m));
	}
	memcached_free(m);
}

static long items(int port)
{
	memcached_st *m = client(port, false);
	memcached_return_t rc;
	memcached_stat_st *st = memcached_stat(m, NULL, &rc);
	long n;

	if (st == NULL || rc != MEMCACHED_SUCCESS) {
		die("stats failed");
	}
	n = (long)st->curr_items;
	memcached_stat_free(m, st);
	memcached_free(m);
	return n;
}

/* Deletes user:1..user:n with libmemcached, buffered (no replies) or one by one. */
static void baseline(int port, long n, bool buffered)
{
	memcached_st *m = client(port, buffered);
	char key[32];
	double t0 = now_s();
	memcached_return_t rc;
	long i;

	for (i = 1; i <= n; i++) {
		int len = snprintf(key, sizeof(key), "user:%ld", i);

		rc = memcached_delete(m, key, (size_t)len, 0);
		if (!memcached_success(rc) && rc != MEMCACHED_NOTFOUND) {
			die(memcached_last_error_message(m));
		}
	}
	if (buffered) {
		/*
		 * A get on the same connection sends what is buffered and waits for
		 * its own answer, which the server writes after executing every
		 * delete before it (changing behaviours instead would reconnect and
		 * drop the buffered deletes).
		 */
		size_t vlen = 0;
		uint32_t flags = 0;
		char *v = memcached_get(m, "user:0", 6, &vlen, &flags, &rc);

		free(v);
		if (rc != MEMCACHED_NOTFOUND && rc != MEMCACHED_SUCCESS) {
			die(memcached_last_error_message(m));
		}
	}
	report(buffered ? "baseline-pipelined-noreply" : "baseline-sync", n, now_s() - t0);
	memcached_free(m);
}

/* ---- the sink on synthetic events ----------------------------------------- */

static const struct meepo_column columns[] = {
	{ .name = "id", .type = TYPE_LONG },
	{ .name = "email", .type = TYPE_VARCHAR, .charset = 45 },
	{ .name = "name", .type = TYPE_VARCHAR, .charset = 45 },
};
static const uint32_t key_columns[] = { 0 };
static const struct meepo_table table = {
	.id = 1, .schema = "bench", .name = "user", .ncolumns = 3, .columns = columns,
	.nkey = 1, .key = key_columns,
};

/* Delivers n update events of bench.user (ids 1..n) in batches of `batch`. */
static void sink(const char *plugin_dir, int port, long n, long batch, bool binary)
{
	struct meepo_value *images = calloc((size_t)batch * 6, sizeof(*images));
	struct meepo_event *events = calloc((size_t)batch, sizeof(*events));
	const struct meepo_event **ptrs = calloc((size_t)batch, sizeof(*ptrs));
	struct meepo_report rep;
	struct meepo_config *cfg;
	struct plugin plugin;
	config_t lc;
	void *inst = NULL;
	char err[1024];
	char text[512];
	double t0;
	long done;
	long i;

	if (images == NULL || events == NULL || ptrs == NULL) {
		die("out of memory");
	}
	if (plugin_load(plugin_dir, "memcached", &plugin, err, sizeof(err)) != 0) {
		die(err);
	}
	snprintf(text, sizeof(text),
	         "sink = { servers = [ \"127.0.0.1:%d\" ]; keys = [ \"user:{id}\" ]; "
	         "binary_protocol = %s; };", port, binary ? "true" : "false");
	config_init(&lc);
	if (config_read_string(&lc, text) != CONFIG_TRUE) {
		die("libconfig");
	}
	cfg = sink_options_build(plugin.sink->options, "bench", "bench:1",
	                         config_lookup(&lc, "sink"), err, sizeof(err));
	if (cfg == NULL || plugin.sink->create(cfg, &inst, err, sizeof(err)) != 0) {
		die(err);
	}
	for (i = 0; i < batch; i++) {
		struct meepo_value *before = &images[i * 6];
		struct meepo_value *after = &images[i * 6 + 3];

		before[0].type = MEEPO_VALUE_INT;
		before[1].type = MEEPO_VALUE_STRING;
		before[1].str.ptr = "someone@example.com";
		before[1].str.len = 19;
		before[1].str.charset = 45;
		before[2] = before[1];
		after[0] = before[0];
		after[1] = before[1];
		after[2] = before[1];
		events[i].table = &table;
		events[i].action = MEEPO_UPDATE;
		events[i].before = before;
		events[i].after = after;
		events[i].file = "mysql-bin.000001";
		ptrs[i] = &events[i];
	}
	t0 = now_s();
	for (done = 0; done < n; done += batch) {
		struct meepo_batch b = { .count = (size_t)(n - done < batch ? n - done : batch),
		                         .events = ptrs };

		for (i = 0; i < (long)b.count; i++) {
			images[i * 6].i = done + i + 1;
			images[i * 6 + 3].i = done + i + 1;
		}
		memset(&rep, 0, sizeof(rep));
		if (plugin.sink->deliver(inst, &b, &rep) != MEEPO_OK) {
			die(rep.reason);
		}
	}
	report(binary ? "sink-deliver-binary" : "sink-deliver-text", n, now_s() - t0);
	plugin.sink->destroy(inst);
	sink_options_free(cfg);
	config_destroy(&lc);
	plugin_unload(&plugin);
	free(ptrs);
	free(events);
	free(images);
}

int main(int argc, char **argv)
{
	if (argc == 4 && strcmp(argv[1], "populate") == 0) {
		populate(atoi(argv[2]), atol(argv[3]));
	} else if (argc == 3 && strcmp(argv[1], "items") == 0) {
		printf("%ld\n", items(atoi(argv[2])));
	} else if (argc == 4 && strcmp(argv[1], "baseline") == 0) {
		baseline(atoi(argv[2]), atol(argv[3]), true);
	} else if (argc == 4 && strcmp(argv[1], "baseline-sync") == 0) {
		baseline(atoi(argv[2]), atol(argv[3]), false);
	} else if (argc == 7 && strcmp(argv[1], "sink") == 0) {
		sink(argv[2], atoi(argv[3]), atol(argv[4]), atol(argv[5]),
		     strcmp(argv[6], "binary") == 0);
	} else {
		fprintf(stderr, "usage: see the top of bench/memcached_bench.c\n");
		return 2;
	}
	return 0;
}
