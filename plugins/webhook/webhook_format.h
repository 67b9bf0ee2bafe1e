/*
 * plugins/webhook/webhook_format.h - the pure half of the webhook sink:
 * request bodies, Standard Webhooks ids and signatures, secrets, URL
 * rendering and response classification. No I/O here, so all of it is
 * unit-tested without a server.
 *
 * Standard Webhooks (https://www.standardwebhooks.com/): every request
 * carries `webhook-id` (the same on every retry of the same request),
 * `webhook-timestamp` (unix seconds of this attempt) and
 * `webhook-signature`, a space-separated list of "v1,<base64 HMAC-SHA256>"
 * over "<id>.<timestamp>.<body>", one per secret.
 *
 * Concurrency: every function is reentrant; secrets are immutable once
 * parsed and may be read by any number of threads.
 */
#ifndef MEEPO_WEBHOOK_FORMAT_H
#define MEEPO_WEBHOOK_FORMAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <meepo/sink.h>

/* The most secrets one secret file may hold (rotation needs two). */
#define WEBHOOK_MAX_SECRETS 8

/* One signing secret: the key bytes HMAC uses. */
struct webhook_secret {
	unsigned char *key;     /* key bytes, owned */
	size_t len;             /* bytes in key, >= 1 */
};

/* Every secret of a secret file; zero-initialise before parsing. */
struct webhook_secrets {
	struct webhook_secret items[WEBHOOK_MAX_SECRETS]; /* first count used */
	size_t count;           /* secrets parsed */
};

/*
 * Parses the text of a secret file: one secret per non-empty line, leading
 * and trailing blanks ignored; "whsec_<base64>" is the spec's form (the key
 * is the decoded bytes), any other line is used as raw bytes. Returns 0, or
 * -1 with a message in err (which never quotes the secret); on failure
 * nothing is left allocated.
 */
int webhook_secrets_parse(struct webhook_secrets *secrets, const char *text, size_t len,
                          char *err, size_t errlen);

/* Frees the keys (wiping them) and empties the set. */
void webhook_secrets_free(struct webhook_secrets *secrets);

/*
 * Appends the webhook-signature value for one request: "v1,<base64>" per
 * secret, separated by single spaces. Returns 0, or -1 if libcrypto fails
 * (the buffer is then restored).
 */
int webhook_sign(const struct webhook_secrets *secrets, const char *id, int64_t timestamp,
                 const char *body, size_t len, struct meepo_buf *out);

/*
 * Appends the webhook-id of a request carrying the events first..last, in
 * binlog order: "msg_" and 32 hex digits of SHA-256("<first id> <last id>")
 * over the events' stable ids. A retry of the same request gets the same id;
 * a request that starts with the same event but ends elsewhere (another
 * batch split after a restart) gets a different one, so a receiver that
 * drops duplicates by webhook-id never drops an event it has not seen.
 * Returns 0, or -1 if libcrypto fails (the buffer is then restored).
 */
int webhook_message_id(const struct meepo_event *first, const struct meepo_event *last,
                       struct meepo_buf *out);

/* Limits on one request body. */
struct webhook_limits {
	size_t max_events;      /* events per request, >= 1; 1 = a single object */
	size_t max_bytes;       /* body bytes a request should stay within */
};

/*
 * Appends to `body` (reset first) the body of the next request, made of
 * events[0..n) (n >= 1): a JSON array of as many leading events as fit the
 * limits, at least one even if it alone exceeds max_bytes; with
 * max_events == 1, the first event as a single JSON object. Returns the
 * number of events used, or 0 if event events[*bad] has a malformed value.
 */
size_t webhook_body_build(struct meepo_buf *body, const struct meepo_event *const *events,
                          size_t n, const struct webhook_limits *limits, size_t *bad);

/*
 * Appends the URL template rendered for `table`, its schema and table names
 * percent-encoded (RFC 3986 unreserved characters are kept). The template
 * must name no column (see webhook_url_template_check). Returns 0, or -1
 * with a message in err.
 */
int webhook_url_render(const struct meepo_template *tpl, const struct meepo_table *table,
                       struct meepo_buf *out, char *err, size_t errlen);

/*
 * Checks that a URL template uses only {schema} and {table}. Returns 0, or
 * -1 with a message in err.
 */
int webhook_url_template_check(const struct meepo_template *tpl, char *err, size_t errlen);

/*
 * Checks one `headers` item, "Name: value": Name an HTTP token, no CR, LF
 * or NUL anywhere, and not a header the sink sets itself (Content-Type,
 * Content-Length, Host, Transfer-Encoding, Expect, webhook-*, and
 * Authorization when `has_auth`). Returns 0, or -1 with a message in err.
 */
int webhook_header_check(const char *item, bool has_auth, char *err, size_t errlen);

/*
 * Classifies an HTTP status: 2xx OK; 408, 429 and 5xx RETRY; anything
 * else (1xx, 3xx, other 4xx) REJECT.
 */
enum meepo_result webhook_status_result(long status);

/*
 * Copies up to `n` bytes of a response body into dst (dstlen >= 1) as one
 * printable line: control bytes become spaces, bytes >= 0x80 are kept
 * (UTF-8), the result is NUL-terminated and truncated to fit.
 */
void webhook_snippet(char *dst, size_t dstlen, const char *src, size_t n);

/*
 * Appends url without its query string and fragment, for messages: tokens
 * sometimes ride in query strings and must not reach logs.
 */
void webhook_url_for_log(const char *url, struct meepo_buf *out);

/*
 * Trims leading and trailing blanks (space, tab, CR, LF) of text[0..*len):
 * returns the first kept byte and stores the kept length in *len.
 */
const char *webhook_trim(const char *text, size_t *len);

#endif /* MEEPO_WEBHOOK_FORMAT_H */
