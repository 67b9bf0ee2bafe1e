/*
 * tests/integration/webhook/test_webhook_plugin.c - the built webhook
 * plugin (meepo-sink-webhook.so, loaded with the core's plugin loader and
 * configured through the core's option tables) against the real
 * webhook-receiver: signing, request splitting, every result class (2xx,
 * 500, 429 + Retry-After, 400, stall past the timeout, dropped connection,
 * refused connection), URL templates, auth, HTTPS with a private CA, and
 * check() refusing bad options.
 *
 * Events are built by hand, so each case controls exactly what is sent;
 * test_webhook_meepo.c runs the same plugin inside meepo.
 *
 * Concurrency: single-threaded (the plugin's curl multi handle does the
 * concurrent requests).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <libconfig.h>

#include "harness.h"
#include "options.h"
#include "plugin.h"
#include "receiver_ctl.h"

/* Events a case can send. */
#define MAX_EVENTS 1000

/* The spec's example secret: tests check signatures with it. */
static const char SECRET[] = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\n";

/* One configured instance of the plugin. */
struct sink {
	config_t cfg;                   /* the parsed block's libconfig tree */
	struct meepo_config *options;   /* the validated options */
	void *instance;                 /* the plugin instance */
};

/* State shared by the cases. */
struct fixture {
	struct plugin plugin;           /* the loaded webhook plugin */
	char *dir;                      /* temp dir: secret, PKI, auth files */
	char *secret_file;              /* SECRET written to a file */
	struct receiver *rx;            /* a plain-HTTP receiver checking SECRET */
};

static struct fixture fx;

/* Two tables; events alternate between them in the URL template case. */
static const struct meepo_column columns[] = {
	{.name = "id", .type = 3},
	{.name = "name", .type = 15, .charset = 45},
};
static const uint32_t key[] = {0};
static const struct meepo_table users = {
	.id = 1, .schema = "shop", .name = "user", .ncolumns = 2, .columns = columns,
	.nkey = 1, .key = key,
};
static const struct meepo_table orders = {
	.id = 2, .schema = "shop", .name = "order", .ncolumns = 2, .columns = columns,
	.nkey = 1, .key = key,
};

static struct meepo_value images[MAX_EVENTS][2];
static struct meepo_event events[MAX_EVENTS];
static const struct meepo_event *ptrs[MAX_EVENTS];
static char names[MAX_EVENTS][16];

/* Fills events[0..n) with inserts of ids 1..n into `table`, one per transaction. */
static struct meepo_batch make_batch(size_t n, const struct meepo_table *table)
{
	size_t i;

	assert_true(n <= MAX_EVENTS);
	for (i = 0; i < n; i++) {
		snprintf(names[i], sizeof(names[i]), "n%zu", i + 1);
		images[i][0] = (struct meepo_value){.type = MEEPO_VALUE_INT, .i = (int64_t)i + 1};
		images[i][1] = (struct meepo_value){.type = MEEPO_VALUE_STRING};
		images[i][1].str.ptr = names[i];
		images[i][1].str.len = strlen(names[i]);
		images[i][1].str.charset = 45;
		events[i] = (struct meepo_event){
			.table = table, .action = MEEPO_WRITE, .after = images[i],
			.file = "mysql-bin.000007", .offset = 1000 + 100 * i, .txn_offset = 900 + 100 * i,
			.server_id = 1, .timestamp = 1700000000, .xid = i + 1, .row_index = 0,
			.last = true,
		};
		ptrs[i] = &events[i];
	}
	return (struct meepo_batch){n, ptrs};
}

/*
 * Parses "key = value; ..." as a sink block and builds its options. Returns
 * NULL with the message in err if the core refuses them.
 */
static struct sink *sink_options(const char *block, char *err, size_t errlen)
{
	struct sink *s = calloc(1, sizeof(*s));
	char *text = harness_printf("sink = { %s };", block);
	const config_setting_t *setting;

	assert_non_null(s);
	config_init(&s->cfg);
	if (config_read_string(&s->cfg, text) != CONFIG_TRUE) {
		fail_msg("bad test block %s: %s", text, config_error_text(&s->cfg));
	}
	setting = config_lookup(&s->cfg, "sink");
	s->options = sink_options_build(fx.plugin.sink->options, "hook", "test.conf:1", setting,
	                                err, errlen);
	free(text);
	if (s->options == NULL) {
		config_destroy(&s->cfg);
		free(s);
		return NULL;
	}
	return s;
}

/* Builds, checks and creates an instance; fails the test on any error. */
static struct sink *sink_new(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static struct sink *sink_new(const char *fmt, ...)
{
	char block[4096], err[1024] = "";
	struct sink *s;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(block, sizeof(block), fmt, ap);
	va_end(ap);
	s = sink_options(block, err, sizeof(err));
	if (s == NULL) {
		fail_msg("options refused: %s", err);
	}
	if (fx.plugin.sink->check(s->options, err, sizeof(err)) != 0 ||
	    fx.plugin.sink->create(s->options, &s->instance, err, sizeof(err)) != 0) {
		fail_msg("webhook refused %s: %s", block, err);
	}
	return s;
}

static void sink_free(struct sink *s)
{
	fx.plugin.sink->destroy(s->instance);
	sink_options_free(s->options);
	config_destroy(&s->cfg);
	free(s);
}

static enum meepo_result deliver(struct sink *s, const struct meepo_batch *batch,
                                 struct meepo_report *report)
{
	memset(report, 0, sizeof(*report));
	return fx.plugin.sink->deliver(s->instance, batch, report);
}

/* Asserts that the 2xx requests of hits carry ids 1..n, each once, in order. */
static void assert_all_once_in_order(const struct hits *hits, long n)
{
	long *ids = calloc(MAX_EVENTS, sizeof(*ids)), next = 1;
	size_t i, j, k;

	assert_non_null(ids);
	for (i = 0; i < hits->count; i++) {
		if (hits->items[i].status != 200) {
			continue;
		}
		k = body_ids(hits->items[i].body, ids, MAX_EVENTS);
		for (j = 0; j < k; j++) {
			assert_int_equal(ids[j], next);
			next++;
		}
	}
	assert_int_equal(next, n + 1);
	free(ids);
}

/* ---- set-up ------------------------------------------------------------- */

static int group_setup(void **state)
{
	char err[1024] = "";
	const char *dir = getenv("MEEPO_PLUGIN_DIR");
	struct receiver_opts opts = {0};

	(void)state;
	if (dir == NULL || plugin_load(dir, "webhook", &fx.plugin, err, sizeof(err)) != 0) {
		fprintf(stderr, "cannot load the webhook plugin from %s: %s\n",
		        dir != NULL ? dir : "(MEEPO_PLUGIN_DIR unset)", err);
		return -1;
	}
	fx.dir = harness_temp_dir("webhook-plugin");
	fx.secret_file = harness_printf("%s/secret", fx.dir);
	harness_write_file(fx.secret_file, SECRET);
	opts.secret_file = fx.secret_file;
	fx.rx = receiver_start(&opts);
	return 0;
}

static int group_teardown(void **state)
{
	/* the shared receiver, and any a failed case could not stop */
	receiver_stop_all(state);
	fx.rx = NULL;
	plugin_unload(&fx.plugin);
	free(fx.secret_file);
	free(fx.dir);
	return 0;
}

/* Each case starts with a fresh receiver log and no failure rules. */
static int case_setup(void **state)
{
	(void)state;
	receiver_fail(fx.rx, "reset=1");
	harness_write_file(fx.rx->log_path, "");
	return 0;
}

/* ---- cases -------------------------------------------------------------- */

/*
 * 250 events, 100 a request, 4 in flight: three signed requests with
 * distinct webhook-ids whose bodies hold every event once, in order.
 */
static void test_ok_split_signed(void **state)
{
	struct meepo_batch batch = make_batch(250, &users);
	struct meepo_report report;
	struct sink *s;
	struct hits hits;
	long ids[MAX_EVENTS];
	size_t i, n, total = 0;

	(void)state;
	s = sink_new("url = \"%s/hook\"; secret_file = \"%s\"; batch_max_events = 100; "
	             "max_in_flight = 4;", fx.rx->base_url, fx.secret_file);
	assert_int_equal(deliver(s, &batch, &report), MEEPO_OK);
	assert_string_equal(report.reason, "");
	receiver_hits(fx.rx, &hits);
	assert_int_equal(hits.count, 3);
	for (i = 0; i < hits.count; i++) {
		assert_string_equal(hits.items[i].method, "POST");
		assert_string_equal(hits.items[i].path, "/hook");
		assert_string_equal(hits.items[i].signature, "valid");
		assert_string_equal(hits.items[i].content_type, "application/json");
		assert_int_equal(strncmp(hits.items[i].id, "msg_", 4), 0);
		assert_int_equal(strlen(hits.items[i].id), 36);
		assert_true(labs(atol(hits.items[i].timestamp) - (long)time(NULL)) < 60);
		assert_int_equal(hits.items[i].body[0], '[');
		n = body_ids(hits.items[i].body, ids, MAX_EVENTS);
		assert_true(n == 100 || n == 50);
		total += n;
	}
	assert_int_equal(total, 250);
	assert_string_not_equal(hits.items[0].id, hits.items[1].id);
	assert_string_not_equal(hits.items[1].id, hits.items[2].id);
	assert_string_not_equal(hits.items[0].id, hits.items[2].id);
	hits_free(&hits);
	sink_free(s);
}

/* One request at a time: arrival order is binlog order. */
static void test_ok_in_order_single_flight(void **state)
{
	struct meepo_batch batch = make_batch(230, &users);
	struct meepo_report report;
	struct sink *s;
	struct hits hits;

	(void)state;
	s = sink_new("url = \"%s/hook\"; batch_max_events = 50; max_in_flight = 1;",
	             fx.rx->base_url);
	assert_int_equal(deliver(s, &batch, &report), MEEPO_OK);
	receiver_hits(fx.rx, &hits);
	assert_int_equal(hits.count, 5);
	assert_all_once_in_order(&hits, 230);
	/* no secret_file: nothing signed, which the receiver notices */
	assert_string_equal(hits.items[0].signature, "missing");
	hits_free(&hits);
	sink_free(s);
}

/*
 * A 500 fails the batch (RETRY); the retry resends every request with the
 * same webhook-ids, and the receiver then has every event.
 */
static void test_retry_500_same_ids(void **state)
{
	struct meepo_batch batch = make_batch(300, &users);
	struct meepo_report report;
	struct sink *s;
	struct hits hits;
	size_t i, j, first_try, found;

	(void)state;
	s = sink_new("url = \"%s/hook\"; secret_file = \"%s\"; batch_max_events = 100; "
	             "max_in_flight = 1;", fx.rx->base_url, fx.secret_file);
	receiver_fail(fx.rx, "fail=500&after=1&count=1");
	assert_int_equal(deliver(s, &batch, &report), MEEPO_RETRY);
	assert_int_equal(report.retry_after_ms, 0);
	assert_non_null(strstr(report.reason, "HTTP 500 from POST "));
	assert_non_null(strstr(report.reason, "/hook (events 100..199, msg_"));
	assert_non_null(strstr(report.reason, "injected 500"));
	receiver_hits(fx.rx, &hits);
	/* the failure stops the batch: the third request is never sent */
	assert_int_equal(hits.count, 2);
	first_try = hits.count;
	hits_free(&hits);

	assert_int_equal(deliver(s, &batch, &report), MEEPO_OK);
	receiver_hits(fx.rx, &hits);
	assert_int_equal(hits.count, first_try + 3);
	/* every id of the failed attempt comes again, with the same body */
	for (i = 0; i < first_try; i++) {
		found = 0;
		for (j = first_try; j < hits.count; j++) {
			if (strcmp(hits.items[i].id, hits.items[j].id) == 0) {
				assert_string_equal(hits.items[i].body, hits.items[j].body);
				assert_int_equal(hits.items[j].status, 200);
				found++;
			}
		}
		assert_int_equal(found, 1);
	}
	for (i = 0; i < hits.count; i++) {
		assert_string_equal(hits.items[i].signature, "valid");
	}
	hits_free(&hits);
	sink_free(s);
}

/* 429 with Retry-After: RETRY, and the core is told to wait that long. */
static void test_retry_429_retry_after(void **state)
{
	struct meepo_batch batch = make_batch(10, &users);
	struct meepo_report report;
	struct sink *s;

	(void)state;
	s = sink_new("url = \"%s/hook\";", fx.rx->base_url);
	receiver_fail(fx.rx, "fail=429&retry_after=7");
	assert_int_equal(deliver(s, &batch, &report), MEEPO_RETRY);
	assert_int_equal(report.retry_after_ms, 7000);
	assert_non_null(strstr(report.reason, "HTTP 429"));
	receiver_fail(fx.rx, "fail=408");
	assert_int_equal(deliver(s, &batch, &report), MEEPO_RETRY);
	assert_int_equal(report.retry_after_ms, 0);
	receiver_fail(fx.rx, "fail=503&retry_after=2");
	assert_int_equal(deliver(s, &batch, &report), MEEPO_RETRY);
	assert_int_equal(report.retry_after_ms, 2000);
	assert_int_equal(deliver(s, &batch, &report), MEEPO_OK);
	sink_free(s);
}

/* 400: REJECT with the status and the start of the response body. */
static void test_reject_400(void **state)
{
	struct meepo_batch batch = make_batch(10, &users);
	struct meepo_report report;
	struct sink *s;
	char *want;

	(void)state;
	s = sink_new("url = \"%s/hook?token=do-not-log\"; batch_max_events = 5; "
	             "max_in_flight = 1;", fx.rx->base_url);
	receiver_fail(fx.rx, "fail=400");
	assert_int_equal(deliver(s, &batch, &report), MEEPO_REJECT);
	want = harness_printf("HTTP 400 from POST %s/hook (events 0..4, msg_", fx.rx->base_url);
	assert_non_null(strstr(report.reason, want));
	assert_non_null(strstr(report.reason, "): {\"error\":\"injected 400\"} "));
	assert_null(strstr(report.reason, "do-not-log"));
	free(want);
	/* a 404 and a 3xx are rejections too */
	receiver_fail(fx.rx, "fail=404");
	assert_int_equal(deliver(s, &batch, &report), MEEPO_REJECT);
	receiver_fail(fx.rx, "fail=302");
	assert_int_equal(deliver(s, &batch, &report), MEEPO_REJECT);
	sink_free(s);
}

/* A retryable and a fatal failure in one batch: RETRY wins. */
static void test_retry_beats_reject(void **state)
{
	struct meepo_batch batch = make_batch(40, &users);
	struct meepo_report report;
	struct sink *s;

	(void)state;
	s = sink_new("url = \"%s/hook\"; batch_max_events = 10; max_in_flight = 2;",
	             fx.rx->base_url);
	receiver_fail(fx.rx, "fail=400&count=1");
	receiver_fail(fx.rx, "fail=500&count=1");
	assert_int_equal(deliver(s, &batch, &report), MEEPO_RETRY);
	assert_non_null(strstr(report.reason, "HTTP 500"));
	sink_free(s);
}

/* A receiver that stalls past timeout_ms: RETRY, and deliver() returns soon. */
static void test_retry_timeout(void **state)
{
	struct meepo_batch batch = make_batch(10, &users);
	struct meepo_report report;
	struct timespec t0, t1;
	struct sink *s;
	long ms;

	(void)state;
	s = sink_new("url = \"%s/hook\"; timeout_ms = 300;", fx.rx->base_url);
	receiver_fail(fx.rx, "fail=stall&stall_ms=2000");
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(deliver(s, &batch, &report), MEEPO_RETRY);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
	assert_true(ms >= 250 && ms < 1500);
	assert_non_null(strstr(report.reason, "Timeout was reached"));
	/* the stalled connection is not reused: the next call succeeds */
	assert_int_equal(deliver(s, &batch, &report), MEEPO_OK);
	sink_free(s);
}

/* A dropped connection and a refused one: RETRY. */
static void test_retry_connection_errors(void **state)
{
	struct meepo_batch batch = make_batch(10, &users);
	struct meepo_report report;
	struct receiver *gone;
	struct sink *s;
	char *url;

	(void)state;
	s = sink_new("url = \"%s/hook\";", fx.rx->base_url);
	receiver_fail(fx.rx, "fail=drop&count=2");
	assert_int_equal(deliver(s, &batch, &report), MEEPO_RETRY);
	assert_non_null(strstr(report.reason, "POST http://127.0.0.1:"));
	assert_non_null(strstr(report.reason, "Server returned nothing"));
	sink_free(s);

	/* a port nothing listens on any more */
	gone = receiver_start(NULL);
	url = harness_printf("%s/hook", gone->base_url);
	receiver_stop(gone);
	s = sink_new("url = \"%s\"; connect_timeout_ms = 500;", url);
	assert_int_equal(deliver(s, &batch, &report), MEEPO_RETRY);
	assert_non_null(strstr(report.reason, "Couldn't connect to server"));
	free(url);
	sink_free(s);
}

/* batch_max_events = 1: one request per event, each a single JSON object. */
static void test_single_object(void **state)
{
	struct meepo_batch batch = make_batch(3, &users);
	struct meepo_report report;
	struct sink *s;
	struct hits hits;
	size_t i;

	(void)state;
	s = sink_new("url = \"%s/one\"; batch_max_events = 1; max_in_flight = 1; "
	             "method = \"PUT\";", fx.rx->base_url);
	assert_int_equal(deliver(s, &batch, &report), MEEPO_OK);
	receiver_hits(fx.rx, &hits);
	assert_int_equal(hits.count, 3);
	for (i = 0; i < 3; i++) {
		assert_string_equal(hits.items[i].method, "PUT");
		assert_int_equal(hits.items[i].body[0], '{');
	}
	assert_all_once_in_order(&hits, 3);
	hits_free(&hits);
	sink_free(s);
}

/* {schema}/{table}: consecutive events of one table share a request. */
static void test_url_template(void **state)
{
	static const char *const paths[] = {"/t/shop/user", "/t/shop/order", "/t/shop/user"};
	struct meepo_batch batch = make_batch(5, &users);
	struct meepo_report report;
	struct sink *s;
	struct hits hits;
	size_t i;

	(void)state;
	events[2].table = &orders;
	events[3].table = &orders;
	s = sink_new("url = \"%s/t/{schema}/{table}\"; max_in_flight = 1;", fx.rx->base_url);
	assert_int_equal(deliver(s, &batch, &report), MEEPO_OK);
	receiver_hits(fx.rx, &hits);
	assert_int_equal(hits.count, 3);
	for (i = 0; i < 3; i++) {
		assert_string_equal(hits.items[i].path, paths[i]);
	}
	assert_all_once_in_order(&hits, 5);
	hits_free(&hits);
	sink_free(s);
}

/* basic_auth_file and bearer_token_file become Authorization headers. */
static void test_auth(void **state)
{
	struct meepo_batch batch = make_batch(1, &users);
	struct meepo_report report;
	char *basic = harness_printf("%s/basic", fx.dir), *bearer = harness_printf("%s/bearer",
	                                                                            fx.dir);
	struct sink *s;
	struct hits hits;

	(void)state;
	harness_write_file(basic, "meepo:s3cret:x\n");
	harness_write_file(bearer, "  tok-123  \n");
	s = sink_new("url = \"%s/a\"; basic_auth_file = \"%s\"; headers = [ \"X-Extra: 1\" ];",
	             fx.rx->base_url, basic);
	assert_int_equal(deliver(s, &batch, &report), MEEPO_OK);
	sink_free(s);
	s = sink_new("url = \"%s/b\"; bearer_token_file = \"%s\";", fx.rx->base_url, bearer);
	assert_int_equal(deliver(s, &batch, &report), MEEPO_OK);
	sink_free(s);
	receiver_hits(fx.rx, &hits);
	assert_int_equal(hits.count, 2);
	/* printf 'meepo:s3cret:x' | base64 */
	assert_string_equal(hits.items[0].authorization, "Basic bWVlcG86czNjcmV0Ong=");
	assert_string_equal(hits.items[1].authorization, "Bearer tok-123");
	hits_free(&hits);
	free(basic);
	free(bearer);
}

/*
 * HTTPS with a private CA: verified with ca_file, refused (RETRY, the
 * certificate named) without it, accepted with tls_verify = false.
 */
static void test_https_private_ca(void **state)
{
	struct meepo_batch batch = make_batch(20, &users);
	struct meepo_report report;
	struct receiver_opts opts = {0};
	struct receiver *rx;
	struct hits hits;
	struct sink *s;
	char *ca, *cert, *keyf;
	long ids[MAX_EVENTS];

	(void)state;
	make_test_pki(fx.dir);
	ca = harness_printf("%s/ca.pem", fx.dir);
	cert = harness_printf("%s/server.pem", fx.dir);
	keyf = harness_printf("%s/server.key", fx.dir);
	opts.secret_file = fx.secret_file;
	opts.tls_cert = cert;
	opts.tls_key = keyf;
	rx = receiver_start(&opts);

	s = sink_new("url = \"%s/secure\"; ca_file = \"%s\"; secret_file = \"%s\";",
	             rx->base_url, ca, fx.secret_file);
	assert_int_equal(deliver(s, &batch, &report), MEEPO_OK);
	sink_free(s);

	s = sink_new("url = \"%s/secure\"; connect_timeout_ms = 1000;", rx->base_url);
	assert_int_equal(deliver(s, &batch, &report), MEEPO_RETRY);
	assert_non_null(strstr(report.reason, "certificate"));
	sink_free(s);

	s = sink_new("url = \"%s/secure\"; tls_verify = false;", rx->base_url);
	assert_int_equal(deliver(s, &batch, &report), MEEPO_OK);
	sink_free(s);

	receiver_hits(rx, &hits);
	assert_int_equal(hits.count, 2);
	assert_string_equal(hits.items[0].signature, "valid");
	assert_int_equal(body_ids(hits.items[0].body, ids, MAX_EVENTS), 20);
	assert_int_equal(body_ids(hits.items[1].body, ids, MAX_EVENTS), 20);
	hits_free(&hits);
	receiver_stop(rx);
	free(ca);
	free(cert);
	free(keyf);
}

/* check() refuses what can never work, naming the option; nothing connects. */
static void test_check_errors(void **state)
{
	static const struct {
		const char *block;      /* options; FILE stands for a readable file */
		const char *message;    /* expected in err */
	} cases[] = {
		{"url = \"ftp://h/x\";", "url: \"ftp://h/x\": only http and https are allowed"},
		{"url = \"http://h/{id}\";", "url: url may use only {schema} and {table}"},
		{"url = \"http://h/{schema\";",
		 "url: template \"http://h/{schema\": unterminated '{' at offset 9"},
		{"url = \"not a url\";", "url: \"not a url\" is not a URL"},
		{"url = \"http://u:p@h/x\";", "url: credentials in the URL; use basic_auth_file"},
		{"url = \"http://h/\"; method = \"GET\";", "method: \"GET\" is not POST, PUT or PATCH"},
		{"url = \"http://h/\"; headers = [ \"webhook-id: x\" ];",
		 "headers: header webhook-id is set by the webhook sink itself"},
		{"url = \"http://h/\"; headers = [ \"nocolon\" ];",
		 "headers: header \"nocolon\" is not \"Name: value\""},
		{"url = \"http://h/\"; batch_max_events = 0;",
		 "batch_max_events = 0 is outside 1..100000"},
		{"url = \"http://h/\"; max_in_flight = 65;", "max_in_flight = 65 is outside 1..64"},
		{"url = \"http://h/\"; basic_auth_file = \"FILE\"; bearer_token_file = \"FILE\";",
		 "basic_auth_file and bearer_token_file exclude each other"},
		{"url = \"http://h/\"; secret_file = \"FILE\";",
		 "secret_file: secret on line 1: whsec_ is not followed by base64"},
		{"url = \"http://h/\"; basic_auth_file = \"FILE\";",
		 "basic_auth_file: expected \"user:password\""},
		{"url = \"http://h/\"; client_key = \"FILE\";", "client_key needs client_cert"},
	};
	char *bad = harness_printf("%s/bad-cred", fx.dir), block[1024], err[1024];
	const char *p, *mark;
	struct sink *s;
	size_t i;

	(void)state;
	harness_write_file(bad, "whsec_!!!\n");
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		block[0] = '\0';
		for (p = cases[i].block; (mark = strstr(p, "FILE")) != NULL; p = mark + 4) {
			strncat(block, p, (size_t)(mark - p));
			strcat(block, bad);
		}
		strcat(block, p);
		err[0] = '\0';
		s = sink_options(block, err, sizeof(err));
		assert_non_null(s);
		assert_int_equal(fx.plugin.sink->check(s->options, err, sizeof(err)), -1);
		if (strstr(err, cases[i].message) == NULL) {
			fail_msg("case %zu: %s\n  error:    %s\n  expected: %s", i, block, err,
			         cases[i].message);
		}
		/* the secret never shows */
		assert_null(strstr(err, "!!!"));
		sink_options_free(s->options);
		config_destroy(&s->cfg);
		free(s);
	}
	free(bad);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_ok_split_signed, case_setup),
		cmocka_unit_test_setup(test_ok_in_order_single_flight, case_setup),
		cmocka_unit_test_setup(test_retry_500_same_ids, case_setup),
		cmocka_unit_test_setup(test_retry_429_retry_after, case_setup),
		cmocka_unit_test_setup(test_reject_400, case_setup),
		cmocka_unit_test_setup(test_retry_beats_reject, case_setup),
		cmocka_unit_test_setup(test_retry_timeout, case_setup),
		cmocka_unit_test_setup(test_retry_connection_errors, case_setup),
		cmocka_unit_test_setup(test_single_object, case_setup),
		cmocka_unit_test_setup(test_url_template, case_setup),
		cmocka_unit_test_setup(test_auth, case_setup),
		cmocka_unit_test_setup(test_https_private_ca, case_setup),
		cmocka_unit_test_setup(test_check_errors, case_setup),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
