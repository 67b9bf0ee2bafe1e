/*
 * plugins/webhook/webhook_format.c - request bodies, Standard Webhooks ids
 * and signatures, secrets, URL rendering and response classification for
 * the webhook sink (see webhook_format.h). Cryptography is OpenSSL's
 * libcrypto: HMAC through EVP_MAC, SHA-256 through EVP_Digest, base64
 * through EVP_EncodeBlock / EVP_DecodeUpdate.
 *
 * Concurrency: reentrant; no global state.
 */
#include "webhook_format.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#define SHA256_LEN 32
/* base64 of 32 bytes: 44 characters and a NUL */
#define SHA256_B64_LEN 45
/* hex digits of the digest kept in a webhook-id */
#define MESSAGE_ID_HEX 32

static const char WHSEC_PREFIX[] = "whsec_";

/* Truncates a buffer back to `len` bytes, keeping it NUL-terminated. */
static void buf_truncate(struct meepo_buf *buf, size_t len)
{
	if (buf->cap > 0) {
		buf->len = len;
		buf->data[len] = '\0';
	}
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

const char *webhook_trim(const char *text, size_t *len)
{
	size_t n = *len;

	while (n > 0 && is_blank(*text)) {
		text++;
		n--;
	}
	while (n > 0 && is_blank(text[n - 1])) {
		n--;
	}
	*len = n;
	return text;
}

/* Decodes base64 text[0..len) into a new key. Returns 0 or -1. */
static int base64_decode(const char *text, size_t len, struct webhook_secret *out)
{
	EVP_ENCODE_CTX *ctx = NULL;
	unsigned char *key = NULL;
	int n = 0, tail = 0, rc = -1;

	if (len == 0 || len > 4096) {
		goto out;
	}
	ctx = EVP_ENCODE_CTX_new();
	key = OPENSSL_malloc(len);
	if (ctx == NULL || key == NULL) {
		goto out;
	}
	EVP_DecodeInit(ctx);
	if (EVP_DecodeUpdate(ctx, key, &n, (const unsigned char *)text, (int)len) < 0 ||
	    EVP_DecodeFinal(ctx, key + n, &tail) != 1 || n + tail == 0) {
		goto out;
	}
	out->key = key;
	out->len = (size_t)(n + tail);
	key = NULL;
	rc = 0;
out:
	OPENSSL_clear_free(key, len);
	EVP_ENCODE_CTX_free(ctx);
	return rc;
}

/* Parses one trimmed, non-empty line into a secret. Returns 0 or -1. */
static int secret_parse_line(struct webhook_secret *out, const char *line, size_t len,
                             size_t lineno, char *err, size_t errlen)
{
	size_t plen = sizeof(WHSEC_PREFIX) - 1;

	if (len >= plen && memcmp(line, WHSEC_PREFIX, plen) == 0) {
		if (base64_decode(line + plen, len - plen, out) != 0) {
			snprintf(err, errlen, "secret on line %zu: whsec_ is not followed by base64",
			         lineno);
			return -1;
		}
		return 0;
	}
	out->key = OPENSSL_malloc(len);
	if (out->key == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	memcpy(out->key, line, len);
	out->len = len;
	return 0;
}

int webhook_secrets_parse(struct webhook_secrets *secrets, const char *text, size_t len,
                          char *err, size_t errlen)
{
	const char *p = text, *end = text + len, *nl, *line;
	size_t n, lineno = 0;
	int rc = -1;

	secrets->count = 0;
	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		n = (size_t)((nl != NULL ? nl : end) - p);
		lineno++;
		line = webhook_trim(p, &n);
		p = nl != NULL ? nl + 1 : end;
		if (n == 0) {
			continue;
		}
		if (memchr(line, '\0', n) != NULL) {
			snprintf(err, errlen, "secret on line %zu holds a NUL byte", lineno);
			goto out;
		}
		if (secrets->count == WEBHOOK_MAX_SECRETS) {
			snprintf(err, errlen, "more than %d secrets", WEBHOOK_MAX_SECRETS);
			goto out;
		}
		if (secret_parse_line(&secrets->items[secrets->count], line, n, lineno,
		                      err, errlen) != 0) {
			goto out;
		}
		secrets->count++;
	}
	if (secrets->count == 0) {
		snprintf(err, errlen, "no secret (the file is empty)");
		goto out;
	}
	rc = 0;
out:
	if (rc != 0) {
		webhook_secrets_free(secrets);
	}
	return rc;
}

void webhook_secrets_free(struct webhook_secrets *secrets)
{
	size_t i;

	for (i = 0; i < secrets->count; i++) {
		OPENSSL_clear_free(secrets->items[i].key, secrets->items[i].len);
		secrets->items[i].key = NULL;
		secrets->items[i].len = 0;
	}
	secrets->count = 0;
}

/* HMAC-SHA256 of the concatenated parts under key. Returns 0 or -1. */
static int hmac_sha256(EVP_MAC *mac, const struct webhook_secret *key, const char *const *parts,
                       const size_t *lens, size_t nparts, unsigned char out[SHA256_LEN])
{
	EVP_MAC_CTX *ctx = NULL;
	OSSL_PARAM params[2];
	size_t i, outlen = 0;
	int rc = -1;

	ctx = EVP_MAC_CTX_new(mac);
	if (ctx == NULL) {
		goto out;
	}
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)"SHA256", 0);
	params[1] = OSSL_PARAM_construct_end();
	if (EVP_MAC_init(ctx, key->key, key->len, params) != 1) {
		goto out;
	}
	for (i = 0; i < nparts; i++) {
		if (EVP_MAC_update(ctx, (const unsigned char *)parts[i], lens[i]) != 1) {
			goto out;
		}
	}
	if (EVP_MAC_final(ctx, out, &outlen, SHA256_LEN) != 1 || outlen != SHA256_LEN) {
		goto out;
	}
	rc = 0;
out:
	EVP_MAC_CTX_free(ctx);
	return rc;
}

int webhook_sign(const struct webhook_secrets *secrets, const char *id, int64_t timestamp,
                 const char *body, size_t len, struct meepo_buf *out)
{
	EVP_MAC *mac = NULL;
	unsigned char digest[SHA256_LEN];
	char b64[SHA256_B64_LEN];
	char ts[32];
	const char *parts[5];
	size_t lens[5], i, mark = out->len;
	int rc = -1;

	snprintf(ts, sizeof(ts), "%lld", (long long)timestamp);
	parts[0] = id;
	lens[0] = strlen(id);
	parts[1] = ".";
	lens[1] = 1;
	parts[2] = ts;
	lens[2] = strlen(ts);
	parts[3] = ".";
	lens[3] = 1;
	parts[4] = body;
	lens[4] = len;
	mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	if (mac == NULL) {
		goto out;
	}
	for (i = 0; i < secrets->count; i++) {
		if (hmac_sha256(mac, &secrets->items[i], parts, lens, 5, digest) != 0) {
			goto out;
		}
		EVP_EncodeBlock((unsigned char *)b64, digest, SHA256_LEN);
		meepo_buf_puts(out, i > 0 ? " v1," : "v1,");
		meepo_buf_puts(out, b64);
	}
	rc = 0;
out:
	if (rc != 0) {
		buf_truncate(out, mark);
	}
	OPENSSL_cleanse(digest, sizeof(digest));
	EVP_MAC_free(mac);
	return rc;
}

int webhook_message_id(const struct meepo_event *first, const struct meepo_event *last,
                       struct meepo_buf *out)
{
	static const char hex[] = "0123456789abcdef";
	struct meepo_buf ids = {0};
	unsigned char digest[SHA256_LEN];
	unsigned int dlen = 0;
	size_t i;
	int rc = -1;

	meepo_event_append_id(&ids, first);
	meepo_buf_putc(&ids, ' ');
	meepo_event_append_id(&ids, last);
	if (EVP_Digest(ids.data, ids.len, digest, &dlen, EVP_sha256(), NULL) != 1 ||
	    dlen != SHA256_LEN) {
		goto out;
	}
	meepo_buf_puts(out, "msg_");
	for (i = 0; i < MESSAGE_ID_HEX / 2; i++) {
		meepo_buf_putc(out, hex[digest[i] >> 4]);
		meepo_buf_putc(out, hex[digest[i] & 0xf]);
	}
	rc = 0;
out:
	meepo_buf_free(&ids);
	return rc;
}

size_t webhook_body_build(struct meepo_buf *body, const struct meepo_event *const *events,
                          size_t n, const struct webhook_limits *limits, size_t *bad)
{
	size_t used = 0, mark;

	meepo_buf_reset(body);
	if (limits->max_events == 1) {
		if (meepo_event_append_json(body, events[0]) != 0) {
			*bad = 0;
			return 0;
		}
		return 1;
	}
	meepo_buf_putc(body, '[');
	while (used < n && used < limits->max_events) {
		mark = body->len;
		if (used > 0) {
			meepo_buf_putc(body, ',');
		}
		if (meepo_event_append_json(body, events[used]) != 0) {
			*bad = used;
			return 0;
		}
		/* the closing bracket must fit too */
		if (used > 0 && body->len + 1 > limits->max_bytes) {
			buf_truncate(body, mark);
			break;
		}
		used++;
	}
	meepo_buf_putc(body, ']');
	return used;
}

/* Appends s percent-encoded, keeping RFC 3986 unreserved characters. */
static void percent_encode(struct meepo_buf *out, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	unsigned char c;

	for (; *s != '\0'; s++) {
		c = (unsigned char)*s;
		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '.' || c == '_' || c == '~') {
			meepo_buf_putc(out, (char)c);
		} else {
			meepo_buf_putc(out, '%');
			meepo_buf_putc(out, hex[c >> 4]);
			meepo_buf_putc(out, hex[c & 0xf]);
		}
	}
}

int webhook_url_render(const struct meepo_template *tpl, const struct meepo_table *table,
                       struct meepo_buf *out, char *err, size_t errlen)
{
	struct meepo_buf schema = {0}, name = {0};
	struct meepo_table fake = {0};
	struct meepo_value none = {.type = MEEPO_VALUE_ABSENT};
	struct meepo_event event = {0};
	int rc;

	percent_encode(&schema, table->schema);
	percent_encode(&name, table->name);
	fake.schema = schema.len > 0 ? schema.data : "";
	fake.name = name.len > 0 ? name.data : "";
	event.table = &fake;
	event.action = MEEPO_WRITE;
	event.after = &none;
	rc = meepo_template_render(tpl, &event, &none, out, err, errlen);
	if (rc == 1) {
		snprintf(err, errlen, "url template names a column");
		rc = -1;
	}
	meepo_buf_free(&schema);
	meepo_buf_free(&name);
	return rc;
}

int webhook_url_template_check(const struct meepo_template *tpl, char *err, size_t errlen)
{
	struct meepo_table empty = {.schema = "", .name = ""};
	char why[256];

	if (meepo_template_check(tpl, &empty, why, sizeof(why)) != 0) {
		snprintf(err, errlen, "url may use only {schema} and {table}: %s", why);
		return -1;
	}
	return 0;
}

static bool is_tchar(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       (c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

/* True if the header name[0..len) is one the sink sets itself. */
static bool header_reserved(const char *name, size_t len, bool has_auth)
{
	static const char *const reserved[] = {
		"Content-Type", "Content-Length", "Host", "Transfer-Encoding", "Expect", NULL,
	};
	size_t i;

	for (i = 0; reserved[i] != NULL; i++) {
		if (strlen(reserved[i]) == len && strncasecmp(name, reserved[i], len) == 0) {
			return true;
		}
	}
	if (len >= 8 && strncasecmp(name, "webhook-", 8) == 0) {
		return true;
	}
	return has_auth && len == 13 && strncasecmp(name, "Authorization", len) == 0;
}

int webhook_header_check(const char *item, bool has_auth, char *err, size_t errlen)
{
	const char *colon = strchr(item, ':');
	size_t i, nlen, vlen;

	if (strpbrk(item, "\r\n") != NULL) {
		snprintf(err, errlen, "header holds a line break");
		return -1;
	}
	if (colon == NULL || colon == item) {
		snprintf(err, errlen, "header \"%.64s\" is not \"Name: value\"", item);
		return -1;
	}
	nlen = (size_t)(colon - item);
	for (i = 0; i < nlen; i++) {
		if (!is_tchar(item[i])) {
			snprintf(err, errlen, "header name \"%.*s\" is not an HTTP token",
			         (int)(nlen > 64 ? 64 : nlen), item);
			return -1;
		}
	}
	vlen = strlen(colon + 1);
	webhook_trim(colon + 1, &vlen);
	if (vlen == 0) {
		snprintf(err, errlen, "header %.*s has an empty value", (int)(nlen > 64 ? 64 : nlen),
		         item);
		return -1;
	}
	if (header_reserved(item, nlen, has_auth)) {
		snprintf(err, errlen, "header %.*s is set by the webhook sink itself",
		         (int)(nlen > 64 ? 64 : nlen), item);
		return -1;
	}
	return 0;
}

enum meepo_result webhook_status_result(long status)
{
	if (status >= 200 && status <= 299) {
		return MEEPO_OK;
	}
	if (status == 408 || status == 429 || (status >= 500 && status <= 599)) {
		return MEEPO_RETRY;
	}
	return MEEPO_REJECT;
}

/* Length of the UTF-8 sequence a lead byte starts (1 for anything else). */
static size_t utf8_seq_len(unsigned char c)
{
	if (c >= 0xf0 && c <= 0xf4) {
		return 4;
	}
	if (c >= 0xe0) {
		return c <= 0xef ? 3 : 1;
	}
	return c >= 0xc2 ? 2 : 1;
}

void webhook_snippet(char *dst, size_t dstlen, const char *src, size_t n)
{
	size_t i, lead, len = n < dstlen - 1 ? n : dstlen - 1;
	unsigned char c;

	for (i = 0; i < len; i++) {
		c = (unsigned char)src[i];
		dst[i] = (c < 0x20 || c == 0x7f) ? ' ' : (char)c;
	}
	/* never end inside a UTF-8 sequence cut by the truncation */
	if (len < n) {
		lead = len;
		while (lead > 0 && len - lead < 3 && ((unsigned char)dst[lead - 1] & 0xc0) == 0x80) {
			lead--;
		}
		if (lead > 0 && lead - 1 + utf8_seq_len((unsigned char)dst[lead - 1]) > len) {
			len = lead - 1;
		}
	}
	dst[len] = '\0';
}

void webhook_url_for_log(const char *url, struct meepo_buf *out)
{
	meepo_buf_append(out, url, strcspn(url, "?#"));
}
