/*
 * plugins/webhook/webhook.c - the webhook sink: POSTs events as JSON to an
 * HTTP(S) endpoint with libcurl's multi interface, signed the Standard
 * Webhooks way (webhook_format.c builds bodies and signatures; options are
 * parsed in webhook_conf.c).
 *
 * One deliver() call splits the core's batch into requests (consecutive
 * events for the same URL, up to batch_max_events / batch_max_bytes) and
 * runs up to max_in_flight of them at once over keep-alive connections
 * that the instance's multi handle keeps between calls. The batch is OK
 * only when every request got a 2xx; on the first failure no further
 * request starts, the ones in flight finish, and the whole batch is
 * RETRY (if any failure is transient) or REJECT. A retry resends every
 * request of the batch with the same webhook-id, so receivers drop the
 * duplicates.
 *
 * Concurrency: per the sink ABI, deliver() runs on the instance's worker
 * thread only; check/create/destroy on the main thread. The instance (curl
 * handles, buffers) is touched by one thread at a time; no global state
 * besides libcurl's reference-counted global init.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#include <meepo/sink.h>

#include "webhook_conf.h"
#include "webhook_format.h"

/* Response body bytes kept for a REJECT reason. */
#define SNIPPET_MAX 200
/* Longest Retry-After honoured, seconds. */
#define RETRY_AFTER_MAX_S 3600
/* Upper bound on one wait for socket activity, milliseconds. */
#define POLL_MS 1000

/* One concurrent request and the buffers it owns while in flight. */
struct slot {
	CURL *easy;                     /* reused easy handle */
	struct curl_slist *headers;     /* this request's header list */
	struct meepo_buf url;           /* this request's URL */
	struct meepo_buf body;          /* this request's body (curl reads it in place) */
	struct meepo_buf id;            /* its webhook-id */
	struct meepo_buf response;      /* first SNIPPET_MAX bytes of the response */
	char errbuf[CURL_ERROR_SIZE];   /* curl's detail for a failed transfer */
	size_t first;                   /* index of its first event in the batch */
	size_t count;                   /* events it carries */
	bool busy;                      /* added to the multi handle */
};

/* A webhook sink instance. */
struct webhook {
	struct webhook_conf conf;       /* parsed options, immutable */
	CURLM *multi;                   /* connection pool and transfer driver */
	struct slot *slots;             /* conf.max_in_flight request slots */
	const struct meepo_table *url_table; /* table url_cache was rendered for, this call */
	struct meepo_buf url_cache;     /* URL of url_table */
	struct meepo_buf scratch;       /* URL being compared while grouping */
	struct meepo_buf header;        /* one header line being built */
};

/* The state of one deliver() call. */
struct run {
	const struct meepo_batch *batch;    /* the core's batch */
	size_t next;                    /* first event not yet in a request */
	size_t active;                  /* requests in flight */
	bool stop;                      /* a request failed: start no more */
	enum meepo_result result;       /* OK, or the worst failure so far */
	uint32_t retry_after_ms;        /* largest Retry-After seen */
	struct meepo_report *report;    /* where the reason goes */
};

static int webhook_check(const struct meepo_config *cfg, char *err, size_t errlen)
{
	struct webhook_conf conf;

	if (webhook_conf_parse(cfg, &conf, err, errlen) != 0) {
		return -1;
	}
	webhook_conf_free(&conf);
	return 0;
}

/* curl write callback: keeps the first SNIPPET_MAX bytes of the response. */
static size_t on_response(char *data, size_t size, size_t nmemb, void *userdata)
{
	struct meepo_buf *response = userdata;
	size_t n = size * nmemb;

	if (response->len < SNIPPET_MAX) {
		meepo_buf_append(response, data,
		                 n < SNIPPET_MAX - response->len ? n : SNIPPET_MAX - response->len);
	}
	return n;
}

/* Sets the options every request of a slot shares. Returns 0 or -1. */
static int slot_setup(struct slot *slot, const struct webhook_conf *conf)
{
	CURL *e = slot->easy;
	long verify = conf->tls_verify ? 1L : 0L;

	if (curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L) != CURLE_OK ||
	    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https") != CURLE_OK ||
	    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L) != CURLE_OK ||
	    curl_easy_setopt(e, CURLOPT_POST, 1L) != CURLE_OK ||
	    curl_easy_setopt(e, CURLOPT_USERAGENT, "meepo-webhook/1.0") != CURLE_OK ||
	    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, conf->timeout_ms) != CURLE_OK ||
	    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, conf->connect_timeout_ms) != CURLE_OK ||
	    curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L) != CURLE_OK ||
	    curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, verify) != CURLE_OK ||
	    curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, verify * 2) != CURLE_OK ||
	    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_response) != CURLE_OK ||
	    curl_easy_setopt(e, CURLOPT_WRITEDATA, &slot->response) != CURLE_OK ||
	    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, slot->errbuf) != CURLE_OK ||
	    curl_easy_setopt(e, CURLOPT_PRIVATE, slot) != CURLE_OK) {
		return -1;
	}
	if (strcmp(conf->method, "POST") != 0 &&
	    curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, conf->method) != CURLE_OK) {
		return -1;
	}
	if ((conf->ca_file != NULL &&
	     curl_easy_setopt(e, CURLOPT_CAINFO, conf->ca_file) != CURLE_OK) ||
	    (conf->client_cert != NULL &&
	     curl_easy_setopt(e, CURLOPT_SSLCERT, conf->client_cert) != CURLE_OK) ||
	    (conf->client_key != NULL &&
	     curl_easy_setopt(e, CURLOPT_SSLKEY, conf->client_key) != CURLE_OK)) {
		return -1;
	}
	if (conf->username != NULL &&
	    (curl_easy_setopt(e, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC) != CURLE_OK ||
	     curl_easy_setopt(e, CURLOPT_USERNAME, conf->username) != CURLE_OK ||
	     curl_easy_setopt(e, CURLOPT_PASSWORD, conf->password) != CURLE_OK)) {
		return -1;
	}
	if (conf->bearer != NULL &&
	    (curl_easy_setopt(e, CURLOPT_HTTPAUTH, (long)CURLAUTH_BEARER) != CURLE_OK ||
	     curl_easy_setopt(e, CURLOPT_XOAUTH2_BEARER, conf->bearer) != CURLE_OK)) {
		return -1;
	}
	return 0;
}

static void webhook_destroy(void *instance)
{
	struct webhook *wh = instance;
	size_t i;

	if (wh == NULL) {
		return;
	}
	for (i = 0; wh->slots != NULL && i < wh->conf.max_in_flight; i++) {
		curl_easy_cleanup(wh->slots[i].easy);
		curl_slist_free_all(wh->slots[i].headers);
		meepo_buf_free(&wh->slots[i].url);
		meepo_buf_free(&wh->slots[i].body);
		meepo_buf_free(&wh->slots[i].id);
		meepo_buf_free(&wh->slots[i].response);
	}
	free(wh->slots);
	curl_multi_cleanup(wh->multi);
	meepo_buf_free(&wh->url_cache);
	meepo_buf_free(&wh->scratch);
	meepo_buf_free(&wh->header);
	webhook_conf_free(&wh->conf);
	free(wh);
	curl_global_cleanup();
}

static int webhook_create(const struct meepo_config *cfg, void **instance, char *err,
                          size_t errlen)
{
	struct webhook *wh = NULL;
	size_t i;
	int rc = -1;

	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		snprintf(err, errlen, "libcurl initialisation failed");
		return -1;
	}
	wh = calloc(1, sizeof(*wh));
	if (wh == NULL) {
		snprintf(err, errlen, "out of memory");
		curl_global_cleanup();
		return -1;
	}
	if (webhook_conf_parse(cfg, &wh->conf, err, errlen) != 0) {
		goto out;
	}
	wh->multi = curl_multi_init();
	wh->slots = calloc(wh->conf.max_in_flight, sizeof(*wh->slots));
	if (wh->multi == NULL || wh->slots == NULL ||
	    curl_multi_setopt(wh->multi, CURLMOPT_MAX_HOST_CONNECTIONS,
	                      (long)wh->conf.max_in_flight) != CURLM_OK ||
	    curl_multi_setopt(wh->multi, CURLMOPT_MAXCONNECTS,
	                      (long)wh->conf.max_in_flight) != CURLM_OK) {
		snprintf(err, errlen, "libcurl multi handle set-up failed");
		goto out;
	}
	for (i = 0; i < wh->conf.max_in_flight; i++) {
		wh->slots[i].easy = curl_easy_init();
		if (wh->slots[i].easy == NULL || slot_setup(&wh->slots[i], &wh->conf) != 0) {
			snprintf(err, errlen, "libcurl handle set-up failed (TLS or auth options)");
			goto out;
		}
	}
	*instance = wh;
	wh = NULL;
	rc = 0;
out:
	webhook_destroy(wh);
	return rc;
}

/* Renders the URL of `table` into out, through the one-table cache. */
static int url_for(struct webhook *wh, const struct meepo_table *table, struct meepo_buf *out,
                   char *err, size_t errlen)
{
	if (table != wh->url_table) {
		meepo_buf_reset(&wh->url_cache);
		wh->url_table = NULL;
		if (webhook_url_render(wh->conf.url, table, &wh->url_cache, err, errlen) != 0) {
			return -1;
		}
		wh->url_table = table;
	}
	meepo_buf_reset(out);
	meepo_buf_append(out, wh->url_cache.data, wh->url_cache.len);
	return 0;
}

/*
 * Records a failed request: the batch becomes RETRY if any failure is
 * transient, else REJECT; the first failure of the winning kind names the
 * reason. Stops new requests from starting.
 */
static void run_fail(struct run *run, enum meepo_result result, const char *reason)
{
	bool first = run->result == MEEPO_OK;

	run->stop = true;
	if (first || (result == MEEPO_RETRY && run->result == MEEPO_REJECT)) {
		run->result = result;
		snprintf(run->report->reason, sizeof(run->report->reason), "%s", reason);
	}
}

/* Appends a copy of line to the slot's header list. Returns 0 or -1. */
static int push_header(struct slot *slot, const char *line)
{
	struct curl_slist *next = curl_slist_append(slot->headers, line);

	if (next == NULL) {
		return -1;
	}
	slot->headers = next;
	return 0;
}

/* Appends "Name: value" to the slot's header list. Returns 0 or -1. */
static int add_header(struct webhook *wh, struct slot *slot, const char *name, const char *value)
{
	meepo_buf_reset(&wh->header);
	meepo_buf_printf(&wh->header, "%s: %s", name, value);
	return push_header(slot, wh->header.data);
}

/* Builds the header list of the request in slot. Returns 0 or -1. */
static int slot_headers(struct webhook *wh, struct slot *slot)
{
	const struct curl_slist *h;
	struct meepo_buf sig = {0};
	char ts[32];
	int64_t now = (int64_t)time(NULL);
	int rc = -1;

	for (h = wh->conf.headers; h != NULL; h = h->next) {
		if (push_header(slot, h->data) != 0) {
			goto out;
		}
	}
	snprintf(ts, sizeof(ts), "%lld", (long long)now);
	if (add_header(wh, slot, "webhook-id", slot->id.data) != 0 ||
	    add_header(wh, slot, "webhook-timestamp", ts) != 0) {
		goto out;
	}
	if (wh->conf.secrets.count > 0 &&
	    (webhook_sign(&wh->conf.secrets, slot->id.data, now, slot->body.data, slot->body.len,
	                  &sig) != 0 ||
	     add_header(wh, slot, "webhook-signature", sig.data) != 0)) {
		goto out;
	}
	rc = 0;
out:
	meepo_buf_free(&sig);
	return rc;
}

/*
 * Counts the events from run->next on that go to the same URL as the
 * first (at most batch_max_events), rendering that URL into slot->url.
 */
static size_t same_url_run(struct webhook *wh, struct run *run, struct slot *slot, char *err,
                           size_t errlen)
{
	const struct meepo_event *const *events = run->batch->events;
	size_t i = run->next, limit = run->batch->count - run->next;

	if (limit > wh->conf.limits.max_events) {
		limit = wh->conf.limits.max_events;
	}
	if (url_for(wh, events[i]->table, &slot->url, err, errlen) != 0) {
		return 0;
	}
	for (i++; i < run->next + limit; i++) {
		if (events[i]->table == events[i - 1]->table) {
			continue;
		}
		if (url_for(wh, events[i]->table, &wh->scratch, err, errlen) != 0) {
			return 0;
		}
		if (strcmp(wh->scratch.data, slot->url.data) != 0) {
			break;
		}
	}
	return i - run->next;
}

/* Prepares the next request in slot and adds it to the multi handle. */
static void slot_start(struct webhook *wh, struct run *run, struct slot *slot)
{
	const struct meepo_event *const *events = run->batch->events;
	struct meepo_buf id = {0};
	char why[512], reason[700];
	size_t n, bad = 0;
	CURLMcode mc;

	n = same_url_run(wh, run, slot, why, sizeof(why));
	if (n == 0) {
		snprintf(reason, sizeof(reason), "webhook url: %s", why);
		run_fail(run, MEEPO_REJECT, reason);
		return;
	}
	n = webhook_body_build(&slot->body, events + run->next, n, &wh->conf.limits, &bad);
	if (n == 0) {
		meepo_event_append_id(&id, events[run->next + bad]);
		snprintf(reason, sizeof(reason), "event %s has a malformed value; not sent",
		         id.data);
		meepo_buf_free(&id);
		run_fail(run, MEEPO_REJECT, reason);
		return;
	}
	slot->first = run->next;
	slot->count = n;
	meepo_buf_reset(&slot->id);
	meepo_buf_reset(&slot->response);
	slot->errbuf[0] = '\0';
	curl_slist_free_all(slot->headers);
	slot->headers = NULL;
	if (webhook_message_id(events[slot->first], events[slot->first + n - 1], &slot->id) != 0 ||
	    slot_headers(wh, slot) != 0) {
		run_fail(run, MEEPO_RETRY, "webhook: building the request failed (libcrypto or memory)");
		return;
	}
	if (curl_easy_setopt(slot->easy, CURLOPT_URL, slot->url.data) != CURLE_OK ||
	    curl_easy_setopt(slot->easy, CURLOPT_HTTPHEADER, slot->headers) != CURLE_OK ||
	    curl_easy_setopt(slot->easy, CURLOPT_POSTFIELDS, slot->body.data) != CURLE_OK ||
	    curl_easy_setopt(slot->easy, CURLOPT_POSTFIELDSIZE_LARGE,
	                     (curl_off_t)slot->body.len) != CURLE_OK) {
		run_fail(run, MEEPO_RETRY, "webhook: setting up the request failed (memory)");
		return;
	}
	mc = curl_multi_add_handle(wh->multi, slot->easy);
	if (mc != CURLM_OK) {
		snprintf(reason, sizeof(reason), "webhook: curl_multi_add_handle: %s",
		         curl_multi_strerror(mc));
		run_fail(run, MEEPO_RETRY, reason);
		return;
	}
	slot->busy = true;
	run->next += n;
	run->active++;
}

/* Notes the largest Retry-After of the RETRY answer in slot. */
static void note_retry_after(struct run *run, struct slot *slot)
{
	curl_off_t seconds = 0;

	if (curl_easy_getinfo(slot->easy, CURLINFO_RETRY_AFTER, &seconds) != CURLE_OK ||
	    seconds <= 0) {
		return;
	}
	if (seconds > RETRY_AFTER_MAX_S) {
		seconds = RETRY_AFTER_MAX_S;
	}
	if ((uint32_t)seconds * 1000u > run->retry_after_ms) {
		run->retry_after_ms = (uint32_t)seconds * 1000u;
	}
}

/* Classifies a finished transfer of slot and frees the slot. */
static void slot_finish(struct webhook *wh, struct run *run, struct slot *slot, CURLcode cc)
{
	struct meepo_buf url = {0};
	char reason[1024], snippet[SNIPPET_MAX + 1];
	enum meepo_result result;
	long status = 0;

	curl_multi_remove_handle(wh->multi, slot->easy);
	slot->busy = false;
	run->active--;
	webhook_url_for_log(slot->url.data, &url);
	if (cc != CURLE_OK) {
		/* no answer: timeout, connection or TLS failure */
		snprintf(reason, sizeof(reason), "%s %s (events %zu..%zu, %s): %s: %s",
		         wh->conf.method, url.data, slot->first, slot->first + slot->count - 1,
		         slot->id.data, curl_easy_strerror(cc),
		         slot->errbuf[0] != '\0' ? slot->errbuf : "no detail");
		run_fail(run, MEEPO_RETRY, reason);
		goto out;
	}
	curl_easy_getinfo(slot->easy, CURLINFO_RESPONSE_CODE, &status);
	result = webhook_status_result(status);
	meepo_sink_log(MEEPO_LOG_DEBUG, "webhook", wh->conf.instance,
	               "%s %s: HTTP %ld, %zu events, %zu bytes, %s", wh->conf.method, url.data,
	               status, slot->count, slot->body.len, slot->id.data);
	if (result != MEEPO_OK) {
		if (result == MEEPO_RETRY) {
			note_retry_after(run, slot);
		}
		webhook_snippet(snippet, sizeof(snippet),
		                slot->response.data != NULL ? slot->response.data : "",
		                slot->response.len);
		snprintf(reason, sizeof(reason), "HTTP %ld from %s %s (events %zu..%zu, %s): %s",
		         status, wh->conf.method, url.data, slot->first,
		         slot->first + slot->count - 1, slot->id.data, snippet);
		run_fail(run, result, reason);
	}
out:
	meepo_buf_free(&url);
}

/* Reads every finished transfer off the multi handle. */
static void drain(struct webhook *wh, struct run *run)
{
	struct slot *slot;
	CURLMsg *msg;
	int left;

	while ((msg = curl_multi_info_read(wh->multi, &left)) != NULL) {
		if (msg->msg != CURLMSG_DONE) {
			continue;
		}
		slot = NULL;
		curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&slot);
		slot_finish(wh, run, slot, msg->data.result);
	}
}

/* Starts requests in free slots while events are left and nothing failed. */
static void fill(struct webhook *wh, struct run *run)
{
	size_t i;

	for (i = 0; i < wh->conf.max_in_flight; i++) {
		if (run->stop || run->next >= run->batch->count) {
			return;
		}
		if (!wh->slots[i].busy) {
			slot_start(wh, run, &wh->slots[i]);
		}
	}
}

/* Removes every transfer still attached (after a multi-level failure). */
static void abandon(struct webhook *wh, struct run *run)
{
	size_t i;

	for (i = 0; i < wh->conf.max_in_flight; i++) {
		if (wh->slots[i].busy) {
			curl_multi_remove_handle(wh->multi, wh->slots[i].easy);
			wh->slots[i].busy = false;
		}
	}
	run->active = 0;
}

static enum meepo_result webhook_deliver(void *instance, const struct meepo_batch *batch,
                                         struct meepo_report *report)
{
	struct webhook *wh = instance;
	struct run run = {.batch = batch, .result = MEEPO_OK, .report = report};
	char reason[256];
	CURLMcode mc;
	int running = 0;

	/* a table struct may be freed and its address reused between calls */
	wh->url_table = NULL;
	for (;;) {
		fill(wh, &run);
		if (run.active == 0) {
			break;
		}
		mc = curl_multi_perform(wh->multi, &running);
		if (mc == CURLM_OK) {
			drain(wh, &run);
		}
		if (mc == CURLM_OK && run.active > 0) {
			mc = curl_multi_poll(wh->multi, NULL, 0, POLL_MS, NULL);
		}
		if (mc != CURLM_OK) {
			snprintf(reason, sizeof(reason), "webhook: libcurl: %s",
			         curl_multi_strerror(mc));
			abandon(wh, &run);
			run_fail(&run, MEEPO_RETRY, reason);
			break;
		}
	}
	if (run.result == MEEPO_RETRY) {
		report->retry_after_ms = run.retry_after_ms;
	}
	return run.result;
}

MEEPO_SINK_EXPORT const struct meepo_sink meepo_sink = {
	MEEPO_SINK_HEADER,
	"webhook",
	"1.0",
	"POST events as signed JSON (Standard Webhooks) over HTTP(S)",
	webhook_options,
	webhook_check,
	webhook_create,
	webhook_deliver,
	webhook_destroy,
};
