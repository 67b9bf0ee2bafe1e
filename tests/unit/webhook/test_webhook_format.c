/*
 * tests/unit/webhook/test_webhook_format.c - the webhook sink's pure half
 * (plugins/webhook/webhook_format.c): Standard Webhooks signatures against
 * fixed vectors, secrets, webhook-ids, request bodies, URL rendering,
 * header checks, status classification and reason snippets.
 *
 * Events are built by hand (plain structs); their JSON comes from the SDK
 * (meepo_event_append_json), which has its own tests: here only the way
 * the sink frames it is checked, plus one literal body.
 *
 * Concurrency: single-threaded.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>

#include <cmocka.h>

#include <meepo/sdk.h>

#include "webhook_format.h"

/* ---- fixtures ------------------------------------------------------------ */

static const struct meepo_column columns[] = {
	{.name = "id", .type = 3 /* MYSQL_TYPE_LONG */},
	{.name = "name", .type = 15 /* MYSQL_TYPE_VARCHAR */, .charset = 45 /* utf8mb4 */},
};
static const uint32_t key[] = {0};
static const struct meepo_table table = {
	.id = 7, .schema = "shop", .name = "user", .ncolumns = 2, .columns = columns,
	.nkey = 1, .key = key,
};

/* Three rows of one transaction and their after images. */
static struct meepo_value images[3][2];
static struct meepo_event events[3];
static const struct meepo_event *event_ptrs[3];

static int setup_events(void **state)
{
	static const char *const names[] = {"ann", "bob", "cy"};
	size_t i;

	(void)state;
	for (i = 0; i < 3; i++) {
		images[i][0].type = MEEPO_VALUE_INT;
		images[i][0].i = (int64_t)i + 1;
		images[i][1].type = MEEPO_VALUE_STRING;
		images[i][1].str.ptr = names[i];
		images[i][1].str.len = strlen(names[i]);
		images[i][1].str.charset = 45;
		memset(&events[i], 0, sizeof(events[i]));
		events[i].table = &table;
		events[i].action = MEEPO_WRITE;
		events[i].after = images[i];
		events[i].file = "mysql-bin.000001";
		events[i].offset = 120;
		events[i].txn_offset = 100;
		events[i].server_id = 1;
		events[i].timestamp = 1700000000;
		events[i].xid = 9;
		events[i].row_index = (uint32_t)i;
		events[i].last = i == 2;
		event_ptrs[i] = &events[i];
	}
	return 0;
}

/* Parses a secret file's text, failing the test on error. */
static void parse_ok(struct webhook_secrets *s, const char *text)
{
	char err[256] = "";

	memset(s, 0, sizeof(*s));
	assert_int_equal(webhook_secrets_parse(s, text, strlen(text), err, sizeof(err)), 0);
}

/* Signs and compares with `expected`. */
static void assert_signature(const struct webhook_secrets *s, const char *id, int64_t ts,
                             const char *body, const char *expected)
{
	struct meepo_buf out = {0};

	assert_int_equal(webhook_sign(s, id, ts, body, strlen(body), &out), 0);
	assert_string_equal(out.data, expected);
	meepo_buf_free(&out);
}

/* ---- signatures ---------------------------------------------------------- */

/*
 * The Standard Webhooks specification's own example: secret
 * whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw, id msg_p5jXN8AQM9LWM0D4loKWxJek,
 * timestamp 1614265330, body {"test": 2432232314}. Recomputed with
 *   python3 -c 'import hmac,hashlib,base64; k=base64.b64decode(
 *     "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"); print(base64.b64encode(hmac.new(k,
 *     b"msg_p5jXN8AQM9LWM0D4loKWxJek.1614265330.{\"test\": 2432232314}",
 *     hashlib.sha256).digest()))'
 */
static void test_sign_spec_vector(void **state)
{
	struct webhook_secrets s;

	(void)state;
	parse_ok(&s, "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\n");
	assert_int_equal(s.count, 1);
	assert_int_equal(s.items[0].len, 24);
	assert_signature(&s, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, "{\"test\": 2432232314}",
	                 "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
	webhook_secrets_free(&s);
}

/*
 * A raw secret (no whsec_ prefix: its bytes are the key) and a rotation
 * pair. Computed with
 *   printf 'msg_0123456789abcdef0123456789abcdef.1700000000.[{"a":1}]' |
 *     openssl dgst -sha256 -hmac meepo-raw-secret -binary | base64
 *   -> k68llccEFZlNgDwpGN5Oe/5PKHgo+ROtzXcCPWhgz+0=
 * and the same content under the spec's key (base64-decoded) in python3:
 *   -> o0032UvqCH/4GlAOrQbj5iL4ZrMcxRUJqCLEC99l5oE=
 */
static void test_sign_raw_and_rotation(void **state)
{
	static const char id[] = "msg_0123456789abcdef0123456789abcdef";
	struct webhook_secrets s;

	(void)state;
	parse_ok(&s, "  meepo-raw-secret \r\n");
	assert_int_equal(s.count, 1);
	assert_memory_equal(s.items[0].key, "meepo-raw-secret", 16);
	assert_signature(&s, id, 1700000000, "[{\"a\":1}]",
	                 "v1,k68llccEFZlNgDwpGN5Oe/5PKHgo+ROtzXcCPWhgz+0=");
	webhook_secrets_free(&s);

	parse_ok(&s, "meepo-raw-secret\n\n  whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\n");
	assert_int_equal(s.count, 2);
	assert_signature(&s, id, 1700000000, "[{\"a\":1}]",
	                 "v1,k68llccEFZlNgDwpGN5Oe/5PKHgo+ROtzXcCPWhgz+0= "
	                 "v1,o0032UvqCH/4GlAOrQbj5iL4ZrMcxRUJqCLEC99l5oE=");
	webhook_secrets_free(&s);
}

/* The signature covers the timestamp and every body byte. */
static void test_sign_depends_on_inputs(void **state)
{
	struct webhook_secrets s;
	struct meepo_buf a = {0}, b = {0}, c = {0};

	(void)state;
	parse_ok(&s, "k");
	assert_int_equal(webhook_sign(&s, "msg_1", 10, "ab", 2, &a), 0);
	assert_int_equal(webhook_sign(&s, "msg_1", 11, "ab", 2, &b), 0);
	assert_int_equal(webhook_sign(&s, "msg_1", 10, "ab", 1, &c), 0);
	assert_string_not_equal(a.data, b.data);
	assert_string_not_equal(a.data, c.data);
	assert_int_equal(a.len, 3 + 44);
	meepo_buf_free(&a);
	meepo_buf_free(&b);
	meepo_buf_free(&c);
	webhook_secrets_free(&s);
}

/* Bad secret files fail with a message that never quotes the secret. */
static void test_secrets_errors(void **state)
{
	static const struct {
		const char *text;       /* file contents */
		const char *message;    /* expected err */
	} cases[] = {
		{"", "no secret (the file is empty)"},
		{" \n\t\n", "no secret (the file is empty)"},
		{"whsec_", "secret on line 1: whsec_ is not followed by base64"},
		{"ok\nwhsec_not*base64!", "secret on line 2: whsec_ is not followed by base64"},
		{"a\nb\nc\nd\ne\nf\ng\nh\ni\n", "more than 8 secrets"},
	};
	struct webhook_secrets s;
	char err[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(&s, 0, sizeof(s));
		err[0] = '\0';
		assert_int_equal(webhook_secrets_parse(&s, cases[i].text, strlen(cases[i].text),
		                                       err, sizeof(err)), -1);
		assert_string_equal(err, cases[i].message);
		assert_int_equal(s.count, 0);
	}
	memset(&s, 0, sizeof(s));
	assert_int_equal(webhook_secrets_parse(&s, "ab\0cd", 5, err, sizeof(err)), -1);
	assert_string_equal(err, "secret on line 1 holds a NUL byte");
}

/* ---- webhook-id ---------------------------------------------------------- */

/*
 * "msg_" + the first 32 hex digits of SHA-256 over "<first id> <last id>":
 *   python3 -c 'import hashlib; print(hashlib.sha256(
 *     b"1-mysql-bin.000001-100-0 1-mysql-bin.000001-100-2").hexdigest()[:32])'
 */
static void test_message_id(void **state)
{
	struct meepo_buf a = {0}, b = {0}, c = {0};

	(void)state;
	assert_int_equal(webhook_message_id(&events[0], &events[2], &a), 0);
	assert_string_equal(a.data, "msg_9699c8b55a81499d6e47987ae2c7fcc8");
	/* the same request again: the same id (a retry) */
	assert_int_equal(webhook_message_id(&events[0], &events[2], &b), 0);
	assert_string_equal(a.data, b.data);
	/* same first event, another end: another id */
	assert_int_equal(webhook_message_id(&events[0], &events[1], &c), 0);
	assert_string_not_equal(a.data, c.data);
	meepo_buf_free(&a);
	meepo_buf_free(&b);
	meepo_buf_free(&c);
}

/* ---- bodies -------------------------------------------------------------- */

/* The SDK's JSON of event i, for framing checks. */
static void event_json(size_t i, struct meepo_buf *out)
{
	assert_int_equal(meepo_event_append_json(out, &events[i]), 0);
}

static void test_body_array(void **state)
{
	struct webhook_limits limits = {.max_events = 100, .max_bytes = 1 << 20};
	struct meepo_buf body = {0}, want = {0};
	size_t bad = 99;

	(void)state;
	meepo_buf_putc(&want, '[');
	event_json(0, &want);
	meepo_buf_putc(&want, ',');
	event_json(1, &want);
	meepo_buf_putc(&want, ',');
	event_json(2, &want);
	meepo_buf_putc(&want, ']');
	assert_int_equal(webhook_body_build(&body, event_ptrs, 3, &limits, &bad), 3);
	assert_string_equal(body.data, want.data);
	assert_int_equal(bad, 99);
	meepo_buf_free(&body);
	meepo_buf_free(&want);
}

/* One literal body, pinning what receivers parse (Maxwell's keys). */
static void test_body_literal(void **state)
{
	struct webhook_limits limits = {.max_events = 2, .max_bytes = 1 << 20};
	struct meepo_buf body = {0};
	size_t bad = 0;

	(void)state;
	assert_int_equal(webhook_body_build(&body, event_ptrs, 3, &limits, &bad), 2);
	assert_string_equal(body.data,
		"[{\"database\":\"shop\",\"table\":\"user\",\"type\":\"insert\","
		"\"ts\":1700000000,\"xid\":9,\"commit\":false,"
		"\"position\":\"mysql-bin.000001:120\",\"gtid\":null,\"server_id\":1,"
		"\"primary_key\":[1],\"primary_key_columns\":[\"id\"],"
		"\"data\":{\"id\":1,\"name\":\"ann\"}},"
		"{\"database\":\"shop\",\"table\":\"user\",\"type\":\"insert\","
		"\"ts\":1700000000,\"xid\":9,\"commit\":false,"
		"\"position\":\"mysql-bin.000001:120\",\"gtid\":null,\"server_id\":1,"
		"\"primary_key\":[2],\"primary_key_columns\":[\"id\"],"
		"\"data\":{\"id\":2,\"name\":\"bob\"}}]");
	meepo_buf_free(&body);
}

/* batch_max_events = 1: one event, as a single object, not an array. */
static void test_body_single_object(void **state)
{
	struct webhook_limits limits = {.max_events = 1, .max_bytes = 1 << 20};
	struct meepo_buf body = {0}, want = {0};
	size_t bad = 0;

	(void)state;
	event_json(1, &want);
	assert_int_equal(webhook_body_build(&body, event_ptrs + 1, 2, &limits, &bad), 1);
	assert_string_equal(body.data, want.data);
	assert_int_equal(body.data[0], '{');
	meepo_buf_free(&body);
	meepo_buf_free(&want);
}

/* batch_max_events = 2 takes two of three events, as an array. */
static void test_body_max_events(void **state)
{
	struct webhook_limits limits = {.max_events = 2, .max_bytes = 1 << 20};
	struct meepo_buf body = {0}, want = {0};
	size_t bad = 0;

	(void)state;
	meepo_buf_putc(&want, '[');
	event_json(0, &want);
	meepo_buf_putc(&want, ',');
	event_json(1, &want);
	meepo_buf_putc(&want, ']');
	assert_int_equal(webhook_body_build(&body, event_ptrs, 3, &limits, &bad), 2);
	assert_string_equal(body.data, want.data);
	meepo_buf_free(&body);
	meepo_buf_free(&want);
}

/*
 * batch_max_bytes: the body stays within the limit, brackets and commas
 * counted; an event that alone exceeds it still goes, alone.
 */
static void test_body_max_bytes(void **state)
{
	struct webhook_limits limits = {.max_events = 100};
	struct meepo_buf body = {0}, one = {0};
	size_t bad = 0, len1;

	(void)state;
	event_json(0, &one);
	len1 = one.len;
	/* exactly two events fit: "[" e0 "," e1 "]", e1 as long as e0 (same widths) */
	limits.max_bytes = 2 * len1 + 3;
	assert_int_equal(webhook_body_build(&body, event_ptrs, 3, &limits, &bad), 2);
	assert_int_equal(body.len, 2 * len1 + 3);
	/* one byte less: only one */
	limits.max_bytes = 2 * len1 + 2;
	assert_int_equal(webhook_body_build(&body, event_ptrs, 3, &limits, &bad), 1);
	assert_int_equal(body.len, len1 + 2);
	assert_int_equal(body.data[body.len - 1], ']');
	/* a limit below one event: that event alone */
	limits.max_bytes = 10;
	assert_int_equal(webhook_body_build(&body, event_ptrs, 3, &limits, &bad), 1);
	assert_int_equal(body.len, len1 + 2);
	meepo_buf_free(&body);
	meepo_buf_free(&one);
}

/* A malformed value stops the body and names the event. */
static void test_body_malformed(void **state)
{
	struct webhook_limits limits = {.max_events = 100, .max_bytes = 1 << 20};
	struct meepo_value broken[2];
	struct meepo_event event;
	const struct meepo_event *ptrs[3];
	struct meepo_buf body = {0};
	size_t bad = 99;

	(void)state;
	memcpy(broken, images[1], sizeof(broken));
	broken[0].type = (enum meepo_value_type)200;
	event = events[1];
	event.after = broken;
	ptrs[0] = &events[0];
	ptrs[1] = &event;
	ptrs[2] = &events[2];
	assert_int_equal(webhook_body_build(&body, ptrs, 3, &limits, &bad), 0);
	assert_int_equal(bad, 1);
	limits.max_events = 1;
	assert_int_equal(webhook_body_build(&body, ptrs + 1, 2, &limits, &bad), 0);
	assert_int_equal(bad, 0);
	meepo_buf_free(&body);
}

/* ---- URLs ---------------------------------------------------------------- */

static void test_url_render(void **state)
{
	static const struct meepo_table odd = {.schema = "my db", .name = "a/b?c~d_e.f-g"};
	struct meepo_template *tpl;
	struct meepo_buf out = {0};
	char err[256] = "";

	(void)state;
	tpl = meepo_template_compile("https://h:8443/hook/{schema}/{table}?x={{y}}", err,
	                             sizeof(err));
	assert_non_null(tpl);
	assert_int_equal(webhook_url_template_check(tpl, err, sizeof(err)), 0);
	assert_int_equal(webhook_url_render(tpl, &table, &out, err, sizeof(err)), 0);
	assert_string_equal(out.data, "https://h:8443/hook/shop/user?x={y}");
	meepo_buf_reset(&out);
	assert_int_equal(webhook_url_render(tpl, &odd, &out, err, sizeof(err)), 0);
	assert_string_equal(out.data, "https://h:8443/hook/my%20db/a%2Fb%3Fc~d_e.f-g?x={y}");
	meepo_template_free(tpl);
	meepo_buf_free(&out);
}

static void test_url_template_names_column(void **state)
{
	struct meepo_template *tpl;
	char err[256] = "";

	(void)state;
	tpl = meepo_template_compile("http://h/{schema}/{id}", err, sizeof(err));
	assert_non_null(tpl);
	assert_int_equal(webhook_url_template_check(tpl, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "url may use only {schema} and {table}: "));
	assert_non_null(strstr(err, "id"));
	meepo_template_free(tpl);
}

static void test_url_for_log(void **state)
{
	struct meepo_buf out = {0};

	(void)state;
	webhook_url_for_log("https://h/p/q?token=secret#frag", &out);
	assert_string_equal(out.data, "https://h/p/q");
	meepo_buf_reset(&out);
	webhook_url_for_log("http://h/x#y", &out);
	assert_string_equal(out.data, "http://h/x");
	meepo_buf_reset(&out);
	webhook_url_for_log("http://h/plain", &out);
	assert_string_equal(out.data, "http://h/plain");
	meepo_buf_free(&out);
}

/* ---- headers, statuses, snippets ----------------------------------------- */

static void test_header_check(void **state)
{
	static const struct {
		const char *item;       /* a headers item */
		bool has_auth;          /* an auth file is configured */
		const char *message;    /* expected err, "" if valid */
	} cases[] = {
		{"X-Api-Key: abc", false, ""},
		{"X-Empty-Ok:  v ", false, ""},
		{"Authorization: Token t", false, ""},
		{"Authorization: Token t", true, "header Authorization is set by the webhook sink itself"},
		{"content-type: text/plain", false,
		 "header content-type is set by the webhook sink itself"},
		{"Webhook-Id: x", false, "header Webhook-Id is set by the webhook sink itself"},
		{"Host: evil", false, "header Host is set by the webhook sink itself"},
		{"X-A: b\r\nX-B: c", false, "header holds a line break"},
		{"no colon", false, "header \"no colon\" is not \"Name: value\""},
		{": v", false, "header \": v\" is not \"Name: value\""},
		{"Bad Name: v", false, "header name \"Bad Name\" is not an HTTP token"},
		{"X-Blank:   ", false, "header X-Blank has an empty value"},
	};
	char err[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		err[0] = '\0';
		assert_int_equal(webhook_header_check(cases[i].item, cases[i].has_auth, err,
		                                      sizeof(err)),
		                 cases[i].message[0] == '\0' ? 0 : -1);
		assert_string_equal(err, cases[i].message);
	}
}

static void test_status_result(void **state)
{
	static const struct {
		long status;                /* HTTP status */
		enum meepo_result result;   /* expected classification */
	} cases[] = {
		{200, MEEPO_OK}, {201, MEEPO_OK}, {204, MEEPO_OK}, {299, MEEPO_OK},
		{408, MEEPO_RETRY}, {429, MEEPO_RETRY}, {500, MEEPO_RETRY}, {502, MEEPO_RETRY},
		{503, MEEPO_RETRY}, {599, MEEPO_RETRY},
		{100, MEEPO_REJECT}, {301, MEEPO_REJECT}, {400, MEEPO_REJECT}, {401, MEEPO_REJECT},
		{404, MEEPO_REJECT}, {409, MEEPO_REJECT}, {413, MEEPO_REJECT}, {422, MEEPO_REJECT},
		{600, MEEPO_REJECT},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(webhook_status_result(cases[i].status), cases[i].result);
	}
}

static void test_snippet(void **state)
{
	char dst[8];

	(void)state;
	webhook_snippet(dst, sizeof(dst), "a\tb\nc", 5);
	assert_string_equal(dst, "a b c");
	webhook_snippet(dst, sizeof(dst), "0123456789", 10);
	assert_string_equal(dst, "0123456");
	/* "abcde" + U+00E9 (2 bytes) fits exactly in 7 */
	webhook_snippet(dst, sizeof(dst), "abcde\xc3\xa9xyz", 10);
	assert_string_equal(dst, "abcde\xc3\xa9");
	/* "abcdef" + U+00E9 would be cut after its first byte: dropped */
	webhook_snippet(dst, sizeof(dst), "abcdef\xc3\xa9z", 9);
	assert_string_equal(dst, "abcdef");
	/* a 3-byte sequence cut after two bytes: dropped */
	webhook_snippet(dst, sizeof(dst), "abcde\xe2\x82\xac", 8);
	assert_string_equal(dst, "abcde");
	webhook_snippet(dst, sizeof(dst), "", 0);
	assert_string_equal(dst, "");
}

static void test_trim(void **state)
{
	const char *p;
	size_t len;

	(void)state;
	len = 9;
	p = webhook_trim(" \tab c\r\n ", &len);
	assert_int_equal(len, 4);
	assert_memory_equal(p, "ab c", 4);
	len = 3;
	webhook_trim(" \n ", &len);
	assert_int_equal(len, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sign_spec_vector),
		cmocka_unit_test(test_sign_raw_and_rotation),
		cmocka_unit_test(test_sign_depends_on_inputs),
		cmocka_unit_test(test_secrets_errors),
		cmocka_unit_test(test_message_id),
		cmocka_unit_test(test_body_array),
		cmocka_unit_test(test_body_literal),
		cmocka_unit_test(test_body_single_object),
		cmocka_unit_test(test_body_max_events),
		cmocka_unit_test(test_body_max_bytes),
		cmocka_unit_test(test_body_malformed),
		cmocka_unit_test(test_url_render),
		cmocka_unit_test(test_url_template_names_column),
		cmocka_unit_test(test_url_for_log),
		cmocka_unit_test(test_header_check),
		cmocka_unit_test(test_status_result),
		cmocka_unit_test(test_snippet),
		cmocka_unit_test(test_trim),
	};

	return cmocka_run_group_tests(tests, setup_events, NULL);
}
