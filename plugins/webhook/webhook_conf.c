/*
 * plugins/webhook/webhook_conf.c - the webhook sink's options: the table
 * the core validates types against, and their parsing and checking beyond
 * types (URL scheme and template, method, headers, limits, the secret and
 * credential files). Used by check() and create(); nothing here connects.
 *
 * Concurrency: main thread only (check and create).
 */
#include "webhook_conf.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

/* Secret and credential files are small; anything bigger is a mistake. */
#define CRED_FILE_MAX 65536

const struct meepo_option webhook_options[] = {
	{"url", MEEPO_OPT_STRING, NULL,
	 "http(s) URL to send to; may contain {schema} and {table}", MEEPO_OPT_REQUIRED},
	{"method", MEEPO_OPT_STRING, "POST", "HTTP method: POST, PUT or PATCH", 0},
	{"headers", MEEPO_OPT_LIST, NULL, "extra request headers, \"Name: value\" each",
	 MEEPO_OPT_SECRET},
	{"batch_max_events", MEEPO_OPT_INT, "100",
	 "most events per request; 1 sends each event as a single JSON object", 0},
	{"batch_max_bytes", MEEPO_OPT_INT, "1048576",
	 "body size a request stays within (a larger single event goes alone)", 0},
	{"max_in_flight", MEEPO_OPT_INT, "4", "concurrent requests (keep-alive connections)", 0},
	{"timeout_ms", MEEPO_OPT_INT, "10000", "whole-request timeout, connect included", 0},
	{"connect_timeout_ms", MEEPO_OPT_INT, "3000", "TCP and TLS connect timeout", 0},
	{"tls_verify", MEEPO_OPT_BOOL, "true", "verify the server's certificate and host name", 0},
	{"ca_file", MEEPO_OPT_PATH, NULL, "CA certificates (PEM) to verify the server with", 0},
	{"client_cert", MEEPO_OPT_PATH, NULL, "client certificate (PEM) for mutual TLS", 0},
	{"client_key", MEEPO_OPT_PATH, NULL, "private key (PEM) of client_cert", 0},
	{"secret_file", MEEPO_OPT_PATH, NULL,
	 "Standard Webhooks signing secret(s), one a line, whsec_<base64> or raw", 0},
	{"basic_auth_file", MEEPO_OPT_PATH, NULL, "\"user:password\" for HTTP basic auth", 0},
	{"bearer_token_file", MEEPO_OPT_PATH, NULL, "token for Authorization: Bearer", 0},
	{NULL, 0, NULL, NULL, 0},
};

/* One INT option's allowed range. */
struct int_range {
	const char *name;   /* option name */
	int64_t min;        /* smallest allowed value */
	int64_t max;        /* largest allowed value */
};

static const struct int_range int_ranges[] = {
	{"batch_max_events", 1, 100000},
	{"batch_max_bytes", 256, 1073741824},
	{"max_in_flight", 1, 64},
	{"timeout_ms", 1, 3600000},
	{"connect_timeout_ms", 1, 3600000},
	{NULL, 0, 0},
};

/* Checks every INT option against int_ranges. Returns 0 or -1. */
static int check_ranges(const struct meepo_config *cfg, char *err, size_t errlen)
{
	const struct int_range *r;
	int64_t v;

	for (r = int_ranges; r->name != NULL; r++) {
		v = meepo_config_int(cfg, r->name);
		if (v < r->min || v > r->max) {
			snprintf(err, errlen, "%s: %s = %lld is outside %lld..%lld",
			         meepo_config_where(cfg, r->name), r->name, (long long)v,
			         (long long)r->min, (long long)r->max);
			return -1;
		}
	}
	return 0;
}

/*
 * Reads a whole credential file into *out (NUL-terminated, OPENSSL_malloc'd
 * so that it can be wiped). Returns 0, or -1 with a message in err.
 */
static int read_cred_file(const char *path, char **out, size_t *len, char *err, size_t errlen)
{
	FILE *f = NULL;
	char *data = NULL;
	size_t n = 0;
	int rc = -1;

	f = fopen(path, "rb");
	if (f == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto out;
	}
	data = OPENSSL_malloc(CRED_FILE_MAX + 1);
	if (data == NULL) {
		snprintf(err, errlen, "%s: out of memory", path);
		goto out;
	}
	n = fread(data, 1, CRED_FILE_MAX + 1, f);
	if (ferror(f)) {
		snprintf(err, errlen, "%s: read error", path);
		goto out;
	}
	if (n > CRED_FILE_MAX) {
		snprintf(err, errlen, "%s: larger than %d bytes", path, CRED_FILE_MAX);
		goto out;
	}
	data[n] = '\0';
	*out = data;
	*len = n;
	data = NULL;
	rc = 0;
out:
	OPENSSL_clear_free(data, CRED_FILE_MAX + 1);
	if (f != NULL) {
		fclose(f);
	}
	return rc;
}

/* Returns a wipeable copy of s[0..n) (OPENSSL_malloc), or NULL. */
static char *cred_dup(const char *s, size_t n)
{
	char *copy = OPENSSL_malloc(n + 1);

	if (copy != NULL) {
		memcpy(copy, s, n);
		copy[n] = '\0';
	}
	return copy;
}

/* Frees a credential string made by cred_dup or read_cred_file. */
static void cred_free(char *s)
{
	if (s != NULL) {
		OPENSSL_clear_free(s, strlen(s));
	}
}

/*
 * Reads the one-line credential file of option `name` into a trimmed,
 * wipeable string in *out. Returns 0, or -1 with a message in err.
 */
static int read_cred_line(const struct meepo_config *cfg, const char *name, char **out,
                          char *err, size_t errlen)
{
	const char *path = meepo_config_string(cfg, name), *line;
	char *data = NULL, why[512];
	size_t size = 0, len;
	int rc = -1;

	if (read_cred_file(path, &data, &size, why, sizeof(why)) != 0) {
		snprintf(err, errlen, "%s: %s: %s", meepo_config_where(cfg, name), name, why);
		goto out;
	}
	len = size;
	line = webhook_trim(data, &len);
	if (len == 0 || memchr(line, '\n', len) != NULL || memchr(line, '\r', len) != NULL ||
	    memchr(line, '\0', len) != NULL) {
		snprintf(err, errlen, "%s: %s: %s must hold one non-empty line",
		         meepo_config_where(cfg, name), name, path);
		goto out;
	}
	*out = cred_dup(line, len);
	if (*out == NULL) {
		snprintf(err, errlen, "%s: out of memory", name);
		goto out;
	}
	rc = 0;
out:
	OPENSSL_clear_free(data, size);
	return rc;
}

/* Reads secret_file, basic_auth_file and bearer_token_file. Returns 0 or -1. */
static int parse_credentials(const struct meepo_config *cfg, struct webhook_conf *conf,
                             char *err, size_t errlen)
{
	char *data = NULL, *userpass = NULL, *colon, why[512];
	size_t len = 0;
	int rc = -1;

	if (meepo_config_is_set(cfg, "secret_file")) {
		if (read_cred_file(meepo_config_string(cfg, "secret_file"), &data, &len,
		                   why, sizeof(why)) != 0 ||
		    webhook_secrets_parse(&conf->secrets, data, len, why, sizeof(why)) != 0) {
			snprintf(err, errlen, "%s: secret_file: %s",
			         meepo_config_where(cfg, "secret_file"), why);
			goto out;
		}
	}
	if (meepo_config_is_set(cfg, "basic_auth_file") &&
	    meepo_config_is_set(cfg, "bearer_token_file")) {
		snprintf(err, errlen, "%s: basic_auth_file and bearer_token_file exclude each other",
		         meepo_config_where(cfg, "bearer_token_file"));
		goto out;
	}
	if (meepo_config_is_set(cfg, "basic_auth_file")) {
		if (read_cred_line(cfg, "basic_auth_file", &userpass, err, errlen) != 0) {
			goto out;
		}
		colon = strchr(userpass, ':');
		if (colon == NULL || colon == userpass) {
			snprintf(err, errlen, "%s: basic_auth_file: expected \"user:password\"",
			         meepo_config_where(cfg, "basic_auth_file"));
			goto out;
		}
		conf->username = cred_dup(userpass, (size_t)(colon - userpass));
		conf->password = cred_dup(colon + 1, strlen(colon + 1));
		if (conf->username == NULL || conf->password == NULL) {
			snprintf(err, errlen, "basic_auth_file: out of memory");
			goto out;
		}
	}
	if (meepo_config_is_set(cfg, "bearer_token_file") &&
	    read_cred_line(cfg, "bearer_token_file", &conf->bearer, err, errlen) != 0) {
		goto out;
	}
	rc = 0;
out:
	OPENSSL_clear_free(data, len);
	cred_free(userpass);
	return rc;
}

/* Checks the URL's rendered form: http(s), a host, no user info. */
static int check_url_text(const char *url, char *err, size_t errlen)
{
	CURLU *u = curl_url();
	char *scheme = NULL, *host = NULL, *user = NULL;
	CURLUcode uc;
	int rc = -1;

	if (u == NULL) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	uc = curl_url_set(u, CURLUPART_URL, url, 0);
	if (uc != CURLUE_OK) {
		snprintf(err, errlen, "\"%s\" is not a URL: %s", url, curl_url_strerror(uc));
		goto out;
	}
	if (curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    (strcmp(scheme, "http") != 0 && strcmp(scheme, "https") != 0)) {
		snprintf(err, errlen, "\"%s\": only http and https are allowed", url);
		goto out;
	}
	if (curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK || host[0] == '\0') {
		snprintf(err, errlen, "\"%s\" names no host", url);
		goto out;
	}
	if (curl_url_get(u, CURLUPART_USER, &user, 0) == CURLUE_OK) {
		snprintf(err, errlen, "credentials in the URL; use basic_auth_file");
		goto out;
	}
	rc = 0;
out:
	curl_free(scheme);
	curl_free(host);
	curl_free(user);
	curl_url_cleanup(u);
	return rc;
}

/* Compiles and checks url. Returns 0 or -1. */
static int parse_url(const struct meepo_config *cfg, struct webhook_conf *conf,
                     char *err, size_t errlen)
{
	static const struct meepo_table sample = {.schema = "schema", .name = "table"};
	struct meepo_buf url = {0};
	char why[512];
	int rc = -1;

	conf->url = meepo_template_compile(meepo_config_string(cfg, "url"), why, sizeof(why));
	if (conf->url == NULL || webhook_url_template_check(conf->url, why, sizeof(why)) != 0 ||
	    webhook_url_render(conf->url, &sample, &url, why, sizeof(why)) != 0 ||
	    check_url_text(url.data, why, sizeof(why)) != 0) {
		snprintf(err, errlen, "%s: url: %s", meepo_config_where(cfg, "url"), why);
		goto out;
	}
	rc = 0;
out:
	meepo_buf_free(&url);
	return rc;
}

/* Appends one header line to conf->headers. Returns 0 or -1. */
static int append_header(struct webhook_conf *conf, const char *line, char *err, size_t errlen)
{
	struct curl_slist *next = curl_slist_append(conf->headers, line);

	if (next == NULL) {
		snprintf(err, errlen, "headers: out of memory");
		return -1;
	}
	conf->headers = next;
	return 0;
}

/* Checks method and builds the header list. Returns 0 or -1. */
static int parse_request(const struct meepo_config *cfg, struct webhook_conf *conf,
                         char *err, size_t errlen)
{
	static const char *const methods[] = {"POST", "PUT", "PATCH", NULL};
	const char *method = meepo_config_string(cfg, "method"), *item;
	bool has_auth = conf->username != NULL || conf->bearer != NULL;
	char why[256];
	size_t i;

	for (i = 0; methods[i] != NULL && conf->method == NULL; i++) {
		if (strcmp(method, methods[i]) == 0) {
			conf->method = methods[i];
		}
	}
	if (conf->method == NULL) {
		snprintf(err, errlen, "%s: method: \"%s\" is not POST, PUT or PATCH",
		         meepo_config_where(cfg, "method"), method);
		return -1;
	}
	/* "Expect:" with no value: no 100-continue round trip before big bodies */
	if (append_header(conf, "Content-Type: application/json", err, errlen) != 0 ||
	    append_header(conf, "Expect:", err, errlen) != 0) {
		return -1;
	}
	for (i = 0; i < meepo_config_list_size(cfg, "headers"); i++) {
		item = meepo_config_list_item(cfg, "headers", i);
		if (webhook_header_check(item, has_auth, why, sizeof(why)) != 0) {
			snprintf(err, errlen, "%s: headers: %s", meepo_config_where(cfg, "headers"),
			         why);
			return -1;
		}
		if (append_header(conf, item, err, errlen) != 0) {
			return -1;
		}
	}
	return 0;
}

int webhook_conf_parse(const struct meepo_config *cfg, struct webhook_conf *conf,
                       char *err, size_t errlen)
{
	int rc = -1;

	memset(conf, 0, sizeof(*conf));
	conf->instance = meepo_config_instance(cfg);
	if (check_ranges(cfg, err, errlen) != 0 || parse_url(cfg, conf, err, errlen) != 0 ||
	    parse_credentials(cfg, conf, err, errlen) != 0 ||
	    parse_request(cfg, conf, err, errlen) != 0) {
		goto out;
	}
	conf->limits.max_events = (size_t)meepo_config_int(cfg, "batch_max_events");
	conf->limits.max_bytes = (size_t)meepo_config_int(cfg, "batch_max_bytes");
	conf->max_in_flight = (size_t)meepo_config_int(cfg, "max_in_flight");
	conf->timeout_ms = (long)meepo_config_int(cfg, "timeout_ms");
	conf->connect_timeout_ms = (long)meepo_config_int(cfg, "connect_timeout_ms");
	conf->tls_verify = meepo_config_bool(cfg, "tls_verify");
	conf->ca_file = meepo_config_string(cfg, "ca_file");
	conf->client_cert = meepo_config_string(cfg, "client_cert");
	conf->client_key = meepo_config_string(cfg, "client_key");
	if (conf->client_key != NULL && conf->client_cert == NULL) {
		snprintf(err, errlen, "%s: client_key needs client_cert",
		         meepo_config_where(cfg, "client_key"));
		goto out;
	}
	rc = 0;
out:
	if (rc != 0) {
		webhook_conf_free(conf);
	}
	return rc;
}

void webhook_conf_free(struct webhook_conf *conf)
{
	meepo_template_free(conf->url);
	curl_slist_free_all(conf->headers);
	webhook_secrets_free(&conf->secrets);
	cred_free(conf->username);
	cred_free(conf->password);
	cred_free(conf->bearer);
	memset(conf, 0, sizeof(*conf));
}
