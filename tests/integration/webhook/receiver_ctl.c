/*
 * tests/integration/webhook/receiver_ctl.c - the webhook-receiver child
 * process seen from a test: start on a free port, queue failures, parse
 * its JSON-lines log, stop by pid (see receiver_ctl.h).
 *
 * The receiver's log has a fixed shape (tests/receiver/receiver.c): one
 * object per line with the fields in a fixed order and the body last, so
 * each field is found by its key without a JSON library.
 *
 * Concurrency: test thread only.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <curl/curl.h>

#include "harness.h"
#include "receiver_ctl.h"

/* How long a receiver may take to listen. */
#define START_TIMEOUT_MS 5000

/* Receivers started and not yet stopped, newest first. */
static struct receiver *running;

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

	nanosleep(&ts, NULL);
}

struct receiver *receiver_start(const struct receiver_opts *opts)
{
	struct receiver *r = calloc(1, sizeof(*r));
	char *port_path, *pid_path, *err_path, *text = NULL;
	const char *argv[16];
	size_t n = 0;
	int waited, status;

	assert_non_null(r);
	r->dir = harness_temp_dir("webhook-receiver");
	r->log_path = harness_printf("%s/requests.jsonl", r->dir);
	port_path = harness_printf("%s/port", r->dir);
	pid_path = harness_printf("%s/pid", r->dir);
	err_path = harness_printf("%s/stderr", r->dir);
	argv[n++] = RECEIVER_PATH;
	argv[n++] = "--port";
	argv[n++] = "0";
	argv[n++] = "--port-file";
	argv[n++] = port_path;
	argv[n++] = "--pid";
	argv[n++] = pid_path;
	argv[n++] = "--log";
	argv[n++] = r->log_path;
	if (opts != NULL && opts->secret_file != NULL) {
		argv[n++] = "--secret";
		argv[n++] = opts->secret_file;
	}
	if (opts != NULL && opts->tls_cert != NULL) {
		argv[n++] = "--tls-cert";
		argv[n++] = opts->tls_cert;
		argv[n++] = "--tls-key";
		argv[n++] = opts->tls_key;
		r->tls = true;
	}
	argv[n] = NULL;
	r->pid = fork();
	assert_true(r->pid >= 0);
	if (r->pid > 0) {
		r->next = running;
		running = r;
	}
	if (r->pid == 0) {
		/* never hold the test's stdout: meson waits for it to close */
		if (freopen(err_path, "w", stderr) == NULL ||
		    freopen("/dev/null", "w", stdout) == NULL) {
			_exit(126);
		}
		execv(RECEIVER_PATH, (char *const *)argv);
		_exit(127);
	}
	for (waited = 0; text == NULL && waited < START_TIMEOUT_MS; waited += 20) {
		if (waitpid(r->pid, &status, WNOHANG) == r->pid) {
			text = harness_read_file(err_path);
			fail_msg("webhook-receiver exited at start: %s", text != NULL ? text : "");
		}
		sleep_ms(20);
		text = harness_read_file(port_path);
	}
	if (text == NULL) {
		fail_msg("webhook-receiver did not listen within %d ms", START_TIMEOUT_MS);
	}
	r->port = atoi(text);
	r->base_url = harness_printf("%s://127.0.0.1:%d", r->tls ? "https" : "http", r->port);
	free(text);
	free(port_path);
	free(pid_path);
	free(err_path);
	return r;
}

void receiver_stop(struct receiver *r)
{
	struct receiver **link;
	int status;

	if (r == NULL) {
		return;
	}
	for (link = &running; *link != NULL; link = &(*link)->next) {
		if (*link == r) {
			*link = r->next;
			break;
		}
	}
	if (r->pid > 0) {
		kill(r->pid, SIGTERM);
		waitpid(r->pid, &status, 0);
	}
	free(r->dir);
	free(r->log_path);
	free(r->base_url);
	free(r);
}

int receiver_stop_all(void **state)
{
	(void)state;
	while (running != NULL) {
		receiver_stop(running);
	}
	return 0;
}

/* curl write callback that discards the response. */
static size_t discard(char *data, size_t size, size_t nmemb, void *userdata)
{
	(void)data;
	(void)userdata;
	return size * nmemb;
}

void receiver_fail(struct receiver *r, const char *query)
{
	CURL *curl = curl_easy_init();
	char *url = harness_printf("%s/control?%s", r->base_url, query);
	long status = 0;
	CURLcode cc;

	assert_non_null(curl);
	curl_easy_setopt(curl, CURLOPT_URL, url);
	curl_easy_setopt(curl, CURLOPT_POSTFIELDS, "");
	curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 0L);
	curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 0L);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, discard);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, 5000L);
	cc = curl_easy_perform(curl);
	curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_cleanup(curl);
	if (cc != CURLE_OK || status != 200) {
		fail_msg("receiver control %s: %s, HTTP %ld", url, curl_easy_strerror(cc), status);
	}
	free(url);
}

/* Returns the unescaped string value of "key":"..." in line ("" if absent). */
static char *field_str(const char *line, const char *key)
{
	char *pattern = harness_printf("\"%s\":\"", key), *out, *w;
	const char *p = strstr(line, pattern);
	unsigned code;

	out = malloc(strlen(line) + 1);
	assert_non_null(out);
	w = out;
	if (p != NULL) {
		for (p += strlen(pattern); *p != '\0' && *p != '"'; p++) {
			if (*p != '\\') {
				*w++ = *p;
				continue;
			}
			p++;
			if (*p == 'u' && sscanf(p + 1, "%4x", &code) == 1) {
				*w++ = (char)code;
				p += 4;
			} else if (*p == 'n') {
				*w++ = '\n';
			} else if (*p != '\0') {
				*w++ = *p;
			} else {
				break;
			}
		}
	}
	*w = '\0';
	free(pattern);
	return out;
}

/* Returns the number value of "key":N in line (-1 if absent). */
static long field_num(const char *line, const char *key)
{
	char *pattern = harness_printf("\"%s\":", key);
	const char *p = strstr(line, pattern);
	long v = p != NULL ? strtol(p + strlen(pattern), NULL, 10) : -1;

	free(pattern);
	return v;
}

void receiver_hits(const struct receiver *r, struct hits *out)
{
	char *text = harness_read_file(r->log_path), *line, *save = NULL;
	struct hit *h;
	size_t cap = 0;

	memset(out, 0, sizeof(*out));
	if (text == NULL) {
		return;
	}
	for (line = strtok_r(text, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
		if (out->count == cap) {
			cap = cap ? cap * 2 : 16;
			out->items = realloc(out->items, cap * sizeof(*out->items));
			assert_non_null(out->items);
		}
		h = &out->items[out->count++];
		h->seq = field_num(line, "seq");
		h->method = field_str(line, "method");
		h->path = field_str(line, "path");
		h->id = field_str(line, "id");
		h->timestamp = field_str(line, "timestamp");
		h->signature = field_str(line, "signature");
		h->authorization = field_str(line, "authorization");
		h->content_type = field_str(line, "content_type");
		h->fault = field_str(line, "fault");
		h->status = (int)field_num(line, "status");
		h->body = field_str(line, "body");
	}
	free(text);
}

void hits_free(struct hits *hits)
{
	size_t i;
	struct hit *h;

	for (i = 0; i < hits->count; i++) {
		h = &hits->items[i];
		free(h->method);
		free(h->path);
		free(h->id);
		free(h->timestamp);
		free(h->signature);
		free(h->authorization);
		free(h->content_type);
		free(h->fault);
		free(h->body);
	}
	free(hits->items);
	memset(hits, 0, sizeof(*hits));
}

size_t body_ids(const char *body, long *ids, size_t max)
{
	static const char pattern[] = "\"data\":{\"id\":";
	const char *p = body;
	size_t n = 0;

	while (n < max && (p = strstr(p, pattern)) != NULL) {
		p += sizeof(pattern) - 1;
		ids[n++] = strtol(p, NULL, 10);
	}
	return n;
}

/* Runs a shell command; fails the test if it does not exit 0. */
static void run(const char *cmd)
{
	int status = system(cmd);

	if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fail_msg("command failed (%d): %s", status, cmd);
	}
}

void make_test_pki(const char *dir)
{
	char *cmd = harness_printf(
		"cd '%s' && ( "
		"openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 2 "
		"-subj '/CN=meepo test CA' && "
		"openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr "
		"-subj '/CN=127.0.0.1' && "
		"printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\\n' > server.ext && "
		"openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial "
		"-out server.pem -days 2 -extfile server.ext ) >openssl.log 2>&1",
		dir);

	run(cmd);
	free(cmd);
}
