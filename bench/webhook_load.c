/*
 * bench/webhook_load.c - webhook-load, the baseline of bench/webhook.sh:
 * how fast the local webhook-receiver accepts requests when nothing else
 * is in the way. It POSTs one fixed body over N keep-alive connections
 * (libcurl multi, the same transport the webhook sink uses) for a given
 * time and prints the rate of 2xx answers:
 *
 *   webhook-load URL BODY_FILE EVENTS_PER_BODY CONNECTIONS SECONDS
 *   -> requests=52311 events=5231100 seconds=5.00 requests_per_s=10462
 *      events_per_s=1046220 failed=0
 *
 * Concurrency: single-threaded; curl's multi handle runs the transfers.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#define MAX_CONNECTIONS 64

/* The run's settings and counters. */
struct load {
	const char *url;        /* where to POST */
	char *body;             /* the body sent every time */
	long body_len;          /* its bytes */
	long events;            /* events the body stands for */
	long ok;                /* 2xx answers */
	long failed;            /* anything else */
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static size_t discard(char *data, size_t size, size_t nmemb, void *userdata)
{
	(void)data;
	(void)userdata;
	return size * nmemb;
}

/* Reads the body file; returns 0 or -1. */
static int read_body(const char *path, struct load *load)
{
	FILE *f = fopen(path, "rb");
	int rc = -1;

	if (f == NULL || fseek(f, 0, SEEK_END) != 0) {
		goto out;
	}
	load->body_len = ftell(f);
	if (load->body_len <= 0 || fseek(f, 0, SEEK_SET) != 0) {
		goto out;
	}
	load->body = malloc((size_t)load->body_len);
	if (load->body == NULL || fread(load->body, 1, (size_t)load->body_len, f) !=
	                          (size_t)load->body_len) {
		goto out;
	}
	rc = 0;
out:
	if (f != NULL) {
		fclose(f);
	}
	return rc;
}

/* Sets up one reusable easy handle. */
static CURL *make_handle(const struct load *load, struct curl_slist *headers)
{
	CURL *e = curl_easy_init();

	if (e == NULL) {
		return NULL;
	}
	curl_easy_setopt(e, CURLOPT_URL, load->url);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_POSTFIELDS, load->body);
	curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)load->body_len);
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, discard);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, 10000L);
	return e;
}

int main(int argc, char **argv)
{
	struct load load = {0};
	struct curl_slist *headers = NULL;
	CURL *handles[MAX_CONNECTIONS] = {NULL};
	CURLM *multi = NULL;
	CURLMsg *msg;
	double start, end, elapsed;
	long connections, seconds, status;
	int running = 0, left, i, rc = 1;
	bool stopping = false;

	if (argc != 6) {
		fprintf(stderr, "usage: webhook-load URL BODY_FILE EVENTS_PER_BODY CONNECTIONS "
		                "SECONDS\n");
		return 2;
	}
	load.url = argv[1];
	load.events = strtol(argv[3], NULL, 10);
	connections = strtol(argv[4], NULL, 10);
	seconds = strtol(argv[5], NULL, 10);
	if (read_body(argv[2], &load) != 0 || load.events < 1 || connections < 1 ||
	    connections > MAX_CONNECTIONS || seconds < 1) {
		fprintf(stderr, "webhook-load: bad arguments or unreadable body file\n");
		goto out;
	}
	curl_global_init(CURL_GLOBAL_DEFAULT);
	headers = curl_slist_append(headers, "Content-Type: application/json");
	headers = curl_slist_append(headers, "Expect:");
	multi = curl_multi_init();
	curl_multi_setopt(multi, CURLMOPT_MAX_HOST_CONNECTIONS, connections);
	for (i = 0; i < connections; i++) {
		handles[i] = make_handle(&load, headers);
		if (handles[i] == NULL) {
			goto out;
		}
		curl_multi_add_handle(multi, handles[i]);
	}
	start = now_s();
	end = start + (double)seconds;
	do {
		curl_multi_perform(multi, &running);
		while ((msg = curl_multi_info_read(multi, &left)) != NULL) {
			if (msg->msg != CURLMSG_DONE) {
				continue;
			}
			status = 0;
			curl_easy_getinfo(msg->easy_handle, CURLINFO_RESPONSE_CODE, &status);
			if (msg->data.result == CURLE_OK && status >= 200 && status < 300) {
				load.ok++;
			} else {
				load.failed++;
			}
			curl_multi_remove_handle(multi, msg->easy_handle);
			if (!stopping) {
				curl_multi_add_handle(multi, msg->easy_handle);
				running++;
			}
		}
		stopping = now_s() >= end;
		if (running > 0) {
			curl_multi_poll(multi, NULL, 0, 100, NULL);
		}
	} while (running > 0);
	elapsed = now_s() - start;
	printf("requests=%ld events=%ld seconds=%.2f requests_per_s=%.0f events_per_s=%.0f "
	       "failed=%ld\n", load.ok, load.ok * load.events, elapsed, (double)load.ok / elapsed,
	       (double)(load.ok * load.events) / elapsed, load.failed);
	rc = load.failed == 0 && load.ok > 0 ? 0 : 1;
out:
	for (i = 0; i < MAX_CONNECTIONS; i++) {
		if (handles[i] != NULL) {
			curl_multi_remove_handle(multi, handles[i]);
			curl_easy_cleanup(handles[i]);
		}
	}
	curl_multi_cleanup(multi);
	curl_slist_free_all(headers);
	free(load.body);
	curl_global_cleanup();
	return rc;
}
