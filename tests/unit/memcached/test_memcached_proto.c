/*
 * tests/unit/memcached/test_memcached_proto.c - delete requests and their
 * responses in both memcached protocols (plugins/memcached/memcached_proto.c),
 * byte for byte, including responses captured from memcached 1.6.
 *
 * Concurrency: single-threaded cmocka tests.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <meepo/sdk.h>

#include "memcached_proto.h"

static void test_binary_requests(void **state)
{
	static const unsigned char expected[] = {
		/* DELETEQ "ab", opaque 0x01020304 */
		0x80, 0x14, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00,
		0x00, 0x00, 0x00, 0x02, 0x01, 0x02, 0x03, 0x04,
		0, 0, 0, 0, 0, 0, 0, 0, 'a', 'b',
		/* NOOP, opaque 0xffffffff */
		0x80, 0x0a, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff,
		0, 0, 0, 0, 0, 0, 0, 0,
	};
	struct meepo_buf out = { 0 };

	(void)state;
	mc_proto_delete(&out, true, "ab", 2, 0x01020304);
	mc_proto_end(&out, true);
	assert_int_equal(out.len, sizeof(expected));
	assert_memory_equal(out.data, expected, sizeof(expected));
	meepo_buf_free(&out);
}

static void test_text_requests(void **state)
{
	struct meepo_buf out = { 0 };

	(void)state;
	mc_proto_delete(&out, false, "user:1", 6, 7);
	mc_proto_delete(&out, false, "k", 1, 8);
	mc_proto_end(&out, false);
	assert_int_equal(out.len, strlen("delete user:1\r\ndelete k\r\n"));
	assert_memory_equal(out.data, "delete user:1\r\ndelete k\r\n", out.len);
	meepo_buf_free(&out);
}

/* A response, and how it parses. */
struct parse_case {
	bool binary;                /* protocol */
	const char *bytes;          /* input */
	size_t len;                 /* input bytes */
	long consumed;              /* expected return */
	enum mc_reply reply;        /* expected reply (when consumed > 0) */
	uint32_t opaque;            /* expected opaque (when consumed > 0) */
	const char *message;        /* expected message */
};

/* Binary responses as memcached 1.6.18 sent them. */
#define BIN_NOT_FOUND "\x81\x14\x00\x00\x00\x00\x00\x01\x00\x00\x00\x09\x00\x00\x00\x03" \
	"\x00\x00\x00\x00\x00\x00\x00\x00" "Not found"
#define BIN_EINVAL "\x81\x14\x00\x00\x00\x00\x00\x04\x00\x00\x00\x11\x00\x00\x00\x04" \
	"\x00\x00\x00\x00\x00\x00\x00\x00" "Invalid arguments"
#define BIN_NOOP "\x81\x0a\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\xff\xff\xff\xff" \
	"\x00\x00\x00\x00\x00\x00\x00\x00"
#define BIN_ENOMEM "\x81\x14\x00\x00\x00\x00\x00\x82\x00\x00\x00\x00\x00\x00\x00\x09" \
	"\x00\x00\x00\x00\x00\x00\x00\x00"
#define BIN_BAD_MAGIC "\x80\x14\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00" \
	"\x00\x00\x00\x00\x00\x00\x00\x00"
#define BIN_GET "\x81\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00" \
	"\x00\x00\x00\x00\x00\x00\x00\x00"
#define BIN_HUGE "\x81\x14\x00\x00\x00\x00\x00\x04\x00\x10\x00\x01\x00\x00\x00\x00" \
	"\x00\x00\x00\x00\x00\x00\x00\x00"
#define BIN_KEYLEN "\x81\x14\x00\x05\x00\x00\x00\x04\x00\x00\x00\x02\x00\x00\x00\x00" \
	"\x00\x00\x00\x00\x00\x00\x00\x00xx"
#define BIN_NOOP_FAIL "\x81\x0a\x00\x00\x00\x00\x00\x84\x00\x00\x00\x00\xff\xff\xff\xff" \
	"\x00\x00\x00\x00\x00\x00\x00\x00"

static const struct parse_case parse_cases[] = {
	{ true, BIN_NOT_FOUND, 33, 33, MC_REPLY_GONE, 3, "" },
	{ true, BIN_EINVAL, 41, 41, MC_REPLY_REFUSED, 4, "Invalid arguments" },
	{ true, BIN_NOOP, 24, 24, MC_REPLY_END, 0xffffffffu, "" },
	{ true, BIN_ENOMEM, 24, 24, MC_REPLY_BUSY, 9, "status 0x0082" },
	{ true, BIN_NOT_FOUND, 23, 0, 0, 0, NULL },
	{ true, BIN_NOT_FOUND, 32, 0, 0, 0, NULL },
	{ true, BIN_NOT_FOUND BIN_NOOP, 57, 33, MC_REPLY_GONE, 3, "" },
	{ true, "", 0, 0, 0, 0, NULL },
	{ true, BIN_BAD_MAGIC, 24, -1, 0, 0, "bad magic 0x80 in a binary response" },
	{ true, BIN_GET, 24, -1, 0, 0, "unexpected opcode 0x00 in a binary response" },
	{ true, BIN_HUGE, 24, -1, 0, 0, "bad lengths in a binary response (body 1048577)" },
	{ true, BIN_KEYLEN, 26, -1, 0, 0, "bad lengths in a binary response (body 2)" },
	{ true, BIN_NOOP_FAIL, 24, -1, 0, 0, "NOOP failed with status 0x0084" },
	{ false, "DELETED\r\n", 9, 9, MC_REPLY_GONE, 0, "" },
	{ false, "NOT_FOUND\r\nDELETED\r\n", 20, 11, MC_REPLY_GONE, 0, "" },
	{ false, "CLIENT_ERROR bad command line format\r\n", 38, 38, MC_REPLY_REFUSED, 0,
	  "CLIENT_ERROR bad command line format" },
	{ false, "ERROR\r\n", 7, 7, MC_REPLY_REFUSED, 0, "ERROR" },
	{ false, "SERVER_ERROR out of memory\r\n", 28, 28, MC_REPLY_BUSY, 0,
	  "SERVER_ERROR out of memory" },
	{ false, "DELETED", 7, 0, 0, 0, NULL },
	{ false, "DELETED\r", 8, 0, 0, 0, NULL },
	{ false, "DELETEDX\r\n", 10, -1, 0, 0, "unexpected reply: DELETEDX" },
	{ false, "STORED\r\n", 8, -1, 0, 0, "unexpected reply: STORED" },
	{ false, "DELETED\n", 8, -1, 0, 0, "reply line not ended by CRLF" },
	{ false, "\n", 1, -1, 0, 0, "reply line not ended by CRLF" },
	{ false, "ERRORS\r\n", 8, -1, 0, 0, "unexpected reply: ERRORS" },
	{ false, "SERVER_ERROR \x01\xff\r\n", 17, 17, MC_REPLY_BUSY, 0, "SERVER_ERROR ??" },
};

static void test_parse_table(void **state)
{
	struct mc_response resp;
	size_t i;
	long n;

	(void)state;
	for (i = 0; i < sizeof(parse_cases) / sizeof(parse_cases[0]); i++) {
		const struct parse_case *c = &parse_cases[i];

		memset(&resp, 0x55, sizeof(resp));
		resp.message[sizeof(resp.message) - 1] = '\0';
		n = mc_proto_parse(c->binary, c->bytes, c->len, &resp);
		if (n != c->consumed) {
			fail_msg("case %zu: returned %ld, expected %ld (%s)", i, n, c->consumed,
			         resp.message);
		}
		if (n > 0) {
			assert_int_equal(resp.reply, c->reply);
			assert_int_equal(resp.opaque, c->opaque);
		}
		if (n != 0) {
			assert_string_equal(resp.message, c->message);
		}
	}
}

/* A text line longer than any reply, without a newline, is an error; shorter waits. */
static void test_text_line_limit(void **state)
{
	struct mc_response resp;
	char *junk = malloc(2000);

	(void)state;
	assert_non_null(junk);
	memset(junk, 'x', 2000);
	assert_int_equal(mc_proto_parse(false, junk, 1023, &resp), 0);
	assert_int_equal(mc_proto_parse(false, junk, 1024, &resp), -1);
	assert_string_equal(resp.message, "reply line longer than 1024 bytes");
	assert_int_equal(mc_proto_parse(false, junk, 2000, &resp), -1);
	free(junk);
}

/* A long server message is cut to the message buffer, never overflowing it. */
static void test_long_message(void **state)
{
	struct mc_response resp;
	char line[600];

	(void)state;
	memset(line, 0, sizeof(line));
	strcpy(line, "CLIENT_ERROR ");
	memset(line + 13, 'm', 500);
	memcpy(line + 513, "\r\n", 2);
	assert_int_equal(mc_proto_parse(false, line, 515, &resp), 515);
	assert_int_equal(resp.reply, MC_REPLY_REFUSED);
	assert_int_equal(strlen(resp.message), sizeof(resp.message) - 1);
	assert_memory_equal(resp.message, "CLIENT_ERROR mmm", 16);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_binary_requests),
		cmocka_unit_test(test_text_requests),
		cmocka_unit_test(test_parse_table),
		cmocka_unit_test(test_text_line_limit),
		cmocka_unit_test(test_long_message),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
