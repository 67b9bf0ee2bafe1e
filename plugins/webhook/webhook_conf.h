/*
 * plugins/webhook/webhook_conf.h - the webhook sink's option table and its
 * options parsed and checked into one immutable struct, shared by check()
 * (parse, then free) and create() (parse, then set up curl).
 *
 * Concurrency: parsed on the main thread; read-only afterwards, so the
 * instance's worker thread may read it freely.
 */
#ifndef MEEPO_WEBHOOK_CONF_H
#define MEEPO_WEBHOOK_CONF_H

#include <stdbool.h>
#include <stddef.h>

#include <curl/curl.h>

#include <meepo/sink.h>

#include "webhook_format.h"

/* The plugin's option table, NULL-name terminated. */
extern const struct meepo_option webhook_options[];

/* One webhook instance's parsed options. */
struct webhook_conf {
	const char *instance;           /* sink instance name, for logs */
	struct meepo_template *url;     /* URL template ({schema}, {table} only) */
	const char *method;             /* "POST", "PUT" or "PATCH" */
	struct curl_slist *headers;     /* Content-Type, Expect:, then the user's */
	struct webhook_limits limits;   /* batch_max_events, batch_max_bytes */
	size_t max_in_flight;           /* concurrent requests, >= 1 */
	long timeout_ms;                /* whole request, connect included */
	long connect_timeout_ms;        /* TCP and TLS handshake */
	bool tls_verify;                /* verify the peer's certificate and name */
	const char *ca_file;            /* CA bundle, NULL = system default */
	const char *client_cert;        /* client certificate (PEM), or NULL */
	const char *client_key;         /* its private key (PEM), or NULL */
	struct webhook_secrets secrets; /* signing secrets, count 0 = unsigned */
	char *username;                 /* basic auth user, or NULL; wiped on free */
	char *password;                 /* basic auth password, or NULL; wiped on free */
	char *bearer;                   /* bearer token, or NULL; wiped on free */
};

/*
 * Parses and checks the options of one instance, reading the files they
 * name, without any network I/O. Returns 0, or -1 with "option: message"
 * in err (never quoting a secret); on failure nothing is left allocated.
 * Strings taken from cfg stay valid while cfg does (until destroy()).
 */
int webhook_conf_parse(const struct meepo_config *cfg, struct webhook_conf *conf,
                       char *err, size_t errlen);

/* Frees everything webhook_conf_parse() allocated, wiping credentials. */
void webhook_conf_free(struct webhook_conf *conf);

#endif /* MEEPO_WEBHOOK_CONF_H */
