/*
 * plugins/memcached/memcached_proto.c - delete requests and their responses
 * in memcached's binary and text protocols (see memcached_proto.h).
 *
 * Binary status codes below 0x80 say the request is wrong (REFUSED), codes
 * from 0x80 on say the server failed (BUSY), following the protocol's split
 * (docs: memcached protocol_binary.h). Text replies: DELETED and NOT_FOUND
 * are GONE, CLIENT_ERROR and ERROR are REFUSED, SERVER_ERROR is BUSY.
 *
 * Concurrency: no state; reentrant.
 */
#include <stdio.h>
#include <string.h>

#include "memcached_proto.h"

/* Binary protocol constants (memcached's protocol_binary.h). */
enum {
	BIN_REQUEST = 0x80,         /* magic of a request */
	BIN_RESPONSE = 0x81,        /* magic of a response */
	BIN_DELETE = 0x04,          /* opcode: delete, answered always */
	BIN_NOOP = 0x0a,            /* opcode: no-op, answered always */
	BIN_DELETEQ = 0x14,         /* opcode: quiet delete, answered on failure */
	BIN_HEADER = 24,            /* bytes of a header */
	BIN_OK = 0x0000,            /* status: success */
	BIN_NOT_FOUND = 0x0001,     /* status: key not found */
	BIN_SERVER_ERRORS = 0x0080, /* statuses from here are the server's fault */
	BIN_MAX_BODY = 65536,       /* a delete or NOOP response body is never longer */
	TEXT_MAX_LINE = 1024,       /* a delete reply line is never longer */
};

/* Appends a 24-byte binary request header. */
static void put_header(struct meepo_buf *out, uint8_t opcode, size_t keylen, uint32_t opaque)
{
	unsigned char h[BIN_HEADER];

	memset(h, 0, sizeof(h));
	h[0] = BIN_REQUEST;
	h[1] = opcode;
	h[2] = (unsigned char)(keylen >> 8);
	h[3] = (unsigned char)keylen;
	/* extras 0, data type 0 (raw bytes), vbucket 0 */
	h[8] = (unsigned char)(keylen >> 24);
	h[9] = (unsigned char)(keylen >> 16);
	h[10] = (unsigned char)(keylen >> 8);
	h[11] = (unsigned char)keylen;
	h[12] = (unsigned char)(opaque >> 24);
	h[13] = (unsigned char)(opaque >> 16);
	h[14] = (unsigned char)(opaque >> 8);
	h[15] = (unsigned char)opaque;
	/* cas 0 */
	meepo_buf_append(out, h, sizeof(h));
}

void mc_proto_delete(struct meepo_buf *out, bool binary, const char *key, size_t len,
                     uint32_t opaque)
{
	if (binary) {
		put_header(out, BIN_DELETEQ, len, opaque);
		meepo_buf_append(out, key, len);
	} else {
		meepo_buf_append(out, "delete ", 7);
		meepo_buf_append(out, key, len);
		meepo_buf_append(out, "\r\n", 2);
	}
}

void mc_proto_end(struct meepo_buf *out, bool binary)
{
	if (binary) {
		put_header(out, BIN_NOOP, 0, MC_END_OPAQUE);
	}
}

/* Sets resp->message to `prefix` and n bytes of server text, printable bytes only. */
static void set_message(struct mc_response *resp, const char *prefix, const char *text, size_t n)
{
	size_t i;
	size_t w = strlen(prefix);

	memcpy(resp->message, prefix, w + 1);
	for (i = 0; i < n && w + 1 < sizeof(resp->message); i++) {
		resp->message[w++] = (text[i] >= 0x20 && text[i] < 0x7f) ? text[i] : '?';
	}
	resp->message[w] = '\0';
}

static uint32_t get_u32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static long parse_binary(const unsigned char *p, size_t len, struct mc_response *resp)
{
	uint32_t body;
	unsigned status;

	if (len < BIN_HEADER) {
		return 0;
	}
	body = get_u32(p + 8);
	if (p[0] != BIN_RESPONSE) {
		snprintf(resp->message, sizeof(resp->message),
		         "bad magic 0x%02x in a binary response", p[0]);
		return -1;
	}
	if (p[1] != BIN_DELETEQ && p[1] != BIN_DELETE && p[1] != BIN_NOOP) {
		snprintf(resp->message, sizeof(resp->message),
		         "unexpected opcode 0x%02x in a binary response", p[1]);
		return -1;
	}
	if (body > BIN_MAX_BODY || (size_t)p[4] + ((size_t)p[2] << 8 | p[3]) > body) {
		snprintf(resp->message, sizeof(resp->message),
		         "bad lengths in a binary response (body %u)", body);
		return -1;
	}
	if (len < BIN_HEADER + (size_t)body) {
		return 0;
	}
	status = (unsigned)p[6] << 8 | p[7];
	resp->opaque = get_u32(p + 12);
	resp->message[0] = '\0';
	if (status == BIN_OK || status == BIN_NOT_FOUND) {
		resp->reply = p[1] == BIN_NOOP ? MC_REPLY_END : MC_REPLY_GONE;
	} else {
		resp->reply = status < BIN_SERVER_ERRORS ? MC_REPLY_REFUSED : MC_REPLY_BUSY;
		set_message(resp, "", (const char *)p + BIN_HEADER, body);
		if (resp->message[0] == '\0') {
			snprintf(resp->message, sizeof(resp->message), "status 0x%04x", status);
		}
	}
	if (p[1] == BIN_NOOP && resp->reply != MC_REPLY_END) {
		snprintf(resp->message, sizeof(resp->message), "NOOP failed with status 0x%04x", status);
		return -1;
	}
	return (long)(BIN_HEADER + body);
}

/* True if line[0..n) is `word` or starts with `word` and a space. */
static bool line_is(const char *line, size_t n, const char *word)
{
	size_t w = strlen(word);

	return n >= w && memcmp(line, word, w) == 0 && (n == w || line[w] == ' ');
}

static long parse_text(const char *p, size_t len, struct mc_response *resp)
{
	const char *nl = memchr(p, '\n', len < TEXT_MAX_LINE ? len : TEXT_MAX_LINE);
	size_t n;

	if (nl == NULL) {
		if (len >= TEXT_MAX_LINE) {
			snprintf(resp->message, sizeof(resp->message), "reply line longer than %d bytes",
			         TEXT_MAX_LINE);
			return -1;
		}
		return 0;
	}
	n = (size_t)(nl - p);
	if (n == 0 || p[n - 1] != '\r') {
		snprintf(resp->message, sizeof(resp->message), "reply line not ended by CRLF");
		return -1;
	}
	n--;
	resp->opaque = 0;
	resp->message[0] = '\0';
	if (line_is(p, n, "DELETED") || line_is(p, n, "NOT_FOUND")) {
		resp->reply = MC_REPLY_GONE;
	} else if (line_is(p, n, "CLIENT_ERROR") || line_is(p, n, "ERROR")) {
		resp->reply = MC_REPLY_REFUSED;
		set_message(resp, "", p, n);
	} else if (line_is(p, n, "SERVER_ERROR")) {
		resp->reply = MC_REPLY_BUSY;
		set_message(resp, "", p, n);
	} else {
		set_message(resp, "unexpected reply: ", p, n);
		return -1;
	}
	return (long)(n + 2);
}

long mc_proto_parse(bool binary, const char *buf, size_t len, struct mc_response *resp)
{
	if (binary) {
		return parse_binary((const unsigned char *)buf, len, resp);
	}
	return parse_text(buf, len, resp);
}
