/*
 * core/metrics.c - GET /metrics (Prometheus text format 0.0.4) and
 * GET /health, served by libmicrohttpd's internal polling thread.
 *
 * Concurrency: see metrics.h. Each request takes a fresh snapshot; nothing
 * here is shared between requests.
 */
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <microhttpd.h>

#include "binlog/binlog.h"
#include "metrics.h"

struct metrics {
	struct MHD_Daemon *daemon;      /* the server */
	struct metrics_view view;       /* what it reports */
};

void metrics_snapshot(const struct metrics_view *view, struct sink_stats *stats,
                      struct metrics_snapshot *out)
{
	memset(out, 0, sizeof(*out));
	reader_stats(view->reader, &out->reader);
	out->connected = atomic_load(&view->source->state.connected);
	out->caught_up = atomic_load(&view->source->state.caught_up);
	out->reconnects = atomic_load(&view->source->state.reconnects);
	dispatcher_checkpoint(view->dispatcher, &out->checkpoint);
	out->nsinks = view->conf->nsinks;
	out->sinks = view->conf->sinks;
	out->stats = stats;
	for (size_t i = 0; i < out->nsinks; i++) {
		dispatcher_stats(view->dispatcher, i, &stats[i]);
	}
	out->stuck_ms = view->conf->metrics.stuck_ms;
	out->now = (int64_t)time(NULL);
}

int64_t metrics_lag(const struct metrics_snapshot *snap)
{
	if (snap->caught_up || snap->reader.last_timestamp == 0 ||
	    snap->now < (int64_t)snap->reader.last_timestamp) {
		return 0;
	}
	return snap->now - (int64_t)snap->reader.last_timestamp;
}

/* Appends "# HELP" and "# TYPE" lines. */
static void header(struct meepo_buf *out, const char *name, const char *type, const char *help)
{
	meepo_buf_printf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* Appends a label value with \, " and newline escaped. */
static void label(struct meepo_buf *out, const char *value)
{
	for (; *value != '\0'; value++) {
		if (*value == '\\' || *value == '"') {
			meepo_buf_putc(out, '\\');
			meepo_buf_putc(out, *value);
		} else if (*value == '\n') {
			meepo_buf_puts(out, "\\n");
		} else {
			meepo_buf_putc(out, *value);
		}
	}
}

/* One per-sink metric: name, type, help, and which counter. */
struct sink_metric {
	const char *name;
	const char *type;
	const char *help;
	size_t offset;      /* of a uint64_t in struct sink_stats */
};

static const struct sink_metric sink_metrics[] = {
	{ "meepo_sink_events_total", "counter", "Events acknowledged (delivered or dead-lettered).",
	  offsetof(struct sink_stats, events) },
	{ "meepo_sink_batches_total", "counter", "Batches delivered.",
	  offsetof(struct sink_stats, batches) },
	{ "meepo_sink_retries_total", "counter", "Deliveries that returned RETRY.",
	  offsetof(struct sink_stats, retries) },
	{ "meepo_sink_rejects_total", "counter", "Batches written to the dead-letter file.",
	  offsetof(struct sink_stats, rejects) },
	{ "meepo_sink_queue_events", "gauge", "Events waiting in the sink's queue.",
	  offsetof(struct sink_stats, queued_events) },
	{ "meepo_sink_queue_bytes", "gauge", "Payload bytes waiting in the sink's queue.",
	  offsetof(struct sink_stats, queued_bytes) },
};

void metrics_render(const struct metrics_snapshot *snap, struct meepo_buf *out)
{
	const struct reader_stats *r = &snap->reader;

	header(out, "meepo_source_events_total", "counter", "Binlog events read, by type.");
	for (unsigned t = 0; t < 256; t++) {
		if (r->by_type[t] != 0) {
			meepo_buf_printf(out, "meepo_source_events_total{type=\"%s\"} %llu\n",
			                 binlog_event_type_name((uint8_t)t), (unsigned long long)r->by_type[t]);
		}
	}
	header(out, "meepo_source_bytes_total", "counter", "Binlog bytes read.");
	meepo_buf_printf(out, "meepo_source_bytes_total %llu\n", (unsigned long long)r->bytes);
	header(out, "meepo_source_rows_total", "counter", "Row events produced for sinks.");
	meepo_buf_printf(out, "meepo_source_rows_total %llu\n", (unsigned long long)r->rows);
	header(out, "meepo_source_transactions_total", "counter", "Transactions read to their end.");
	meepo_buf_printf(out, "meepo_source_transactions_total %llu\n",
	                 (unsigned long long)r->transactions);
	header(out, "meepo_source_reconnects_total", "counter", "Source connections re-established.");
	meepo_buf_printf(out, "meepo_source_reconnects_total %llu\n",
	                 (unsigned long long)snap->reconnects);
	header(out, "meepo_source_connected", "gauge", "1 if the source connection is up.");
	meepo_buf_printf(out, "meepo_source_connected %d\n", snap->connected ? 1 : 0);
	header(out, "meepo_source_lag_seconds", "gauge",
	       "Now minus the newest event's timestamp; 0 when caught up (heartbeat).");
	meepo_buf_printf(out, "meepo_source_lag_seconds %lld\n", (long long)metrics_lag(snap));
	header(out, "meepo_checkpoint_offset", "gauge", "The checkpoint position (file in the label).");
	meepo_buf_puts(out, "meepo_checkpoint_offset{file=\"");
	label(out, snap->checkpoint.file);
	meepo_buf_printf(out, "\"} %llu\n", (unsigned long long)snap->checkpoint.offset);

	for (size_t m = 0; m < sizeof(sink_metrics) / sizeof(sink_metrics[0]); m++) {
		header(out, sink_metrics[m].name, sink_metrics[m].type, sink_metrics[m].help);
		for (size_t i = 0; i < snap->nsinks; i++) {
			uint64_t v;
			memcpy(&v, (const char *)&snap->stats[i] + sink_metrics[m].offset, sizeof(v));
			meepo_buf_printf(out, "%s{sink=\"", sink_metrics[m].name);
			label(out, snap->sinks[i].name);
			meepo_buf_printf(out, "\"} %llu\n", (unsigned long long)v);
		}
	}
	header(out, "meepo_sink_acknowledged_offset", "gauge",
	       "Offset of the rows event of the newest acknowledged event (file in the label).");
	for (size_t i = 0; i < snap->nsinks; i++) {
		meepo_buf_puts(out, "meepo_sink_acknowledged_offset{sink=\"");
		label(out, snap->sinks[i].name);
		meepo_buf_puts(out, "\",file=\"");
		label(out, snap->stats[i].acked.file);
		meepo_buf_printf(out, "\"} %llu\n", (unsigned long long)snap->stats[i].acked.offset);
	}
}

int metrics_health(const struct metrics_snapshot *snap, char *reason, size_t reasonlen)
{
	if (!snap->connected) {
		snprintf(reason, reasonlen, "source not connected");
		return -1;
	}
	for (size_t i = 0; i < snap->nsinks; i++) {
		if (snap->stats[i].stalled_ms > snap->stuck_ms) {
			snprintf(reason, reasonlen, "sink %s: no acknowledgement for %llu ms with %llu "
			         "events queued", snap->sinks[i].name,
			         (unsigned long long)snap->stats[i].stalled_ms,
			         (unsigned long long)snap->stats[i].queued_events);
			return -1;
		}
	}
	snprintf(reason, reasonlen, "ok");
	return 0;
}

static enum MHD_Result answer(void *cls, struct MHD_Connection *conn, const char *url,
                              const char *method, const char *version, const char *upload_data,
                              size_t *upload_data_size, void **req_cls)
{
	struct metrics *metrics = cls;
	struct sink_stats *stats;
	struct metrics_snapshot snap;
	struct meepo_buf body = { 0 };
	struct MHD_Response *response;
	unsigned status = MHD_HTTP_OK;
	enum MHD_Result ret;
	const char *type = "text/plain; version=0.0.4; charset=utf-8";

	(void)version;
	(void)upload_data;
	(void)upload_data_size;
	(void)req_cls;
	if (strcmp(method, "GET") != 0) {
		meepo_buf_puts(&body, "only GET\n");
		status = MHD_HTTP_METHOD_NOT_ALLOWED;
	} else if (strcmp(url, "/metrics") == 0 || strcmp(url, "/health") == 0) {
		stats = calloc(metrics->view.conf->nsinks + 1, sizeof(*stats));
		if (stats == NULL) {
			return MHD_NO;
		}
		metrics_snapshot(&metrics->view, stats, &snap);
		if (strcmp(url, "/metrics") == 0) {
			metrics_render(&snap, &body);
		} else {
			char reason[512];
			status = metrics_health(&snap, reason, sizeof(reason)) == 0
			         ? MHD_HTTP_OK : MHD_HTTP_SERVICE_UNAVAILABLE;
			meepo_buf_printf(&body, "%s\n", reason);
			type = "text/plain; charset=utf-8";
		}
		free(stats);
	} else {
		meepo_buf_puts(&body, "not found: try /metrics or /health\n");
		status = MHD_HTTP_NOT_FOUND;
	}
	response = MHD_create_response_from_buffer(body.len, body.data, MHD_RESPMEM_MUST_COPY);
	meepo_buf_free(&body);
	if (response == NULL) {
		return MHD_NO;
	}
	MHD_add_response_header(response, "Content-Type", type);
	ret = MHD_queue_response(conn, status, response);
	MHD_destroy_response(response);
	return ret;
}

struct metrics *metrics_start(const char *listen, const struct metrics_view *view, char *err,
                              size_t errlen)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICSERV };
	struct addrinfo *ai = NULL;
	struct metrics *metrics = NULL;
	char host[256];
	const char *colon = strrchr(listen, ':');
	int rc;

	if (colon == NULL || (size_t)(colon - listen) >= sizeof(host)) {
		snprintf(err, errlen, "metrics.listen \"%s\": expected host:port", listen);
		return NULL;
	}
	snprintf(host, sizeof(host), "%.*s", (int)(colon - listen), listen);
	if (host[0] == '[') { /* "[::1]:9104" */
		memmove(host, host + 1, strlen(host));
		host[strcspn(host, "]")] = '\0';
	}
	rc = getaddrinfo(host, colon + 1, &hints, &ai);
	if (rc != 0) {
		snprintf(err, errlen, "metrics.listen \"%s\": %s", listen, gai_strerror(rc));
		return NULL;
	}
	metrics = calloc(1, sizeof(*metrics));
	if (metrics == NULL) {
		abort();
	}
	metrics->view = *view;
	metrics->daemon = MHD_start_daemon(
		MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG |
		(ai->ai_family == AF_INET6 ? MHD_USE_IPv6 : 0),
		0, NULL, NULL, answer, metrics,
		MHD_OPTION_SOCK_ADDR, ai->ai_addr,
		MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)10,
		MHD_OPTION_END);
	freeaddrinfo(ai);
	if (metrics->daemon == NULL) {
		snprintf(err, errlen, "metrics.listen \"%s\": cannot listen (address in use?)", listen);
		free(metrics);
		return NULL;
	}
	meepo_log(MEEPO_LOG_INFO, "metrics", NULL, "serving /metrics and /health on %s", listen);
	return metrics;
}

void metrics_stop(struct metrics *metrics)
{
	if (metrics != NULL) {
		MHD_stop_daemon(metrics->daemon);
		free(metrics);
	}
}
