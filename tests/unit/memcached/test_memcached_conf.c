/*
 * tests/unit/memcached/test_memcached_conf.c - the memcached sink's options
 * (plugins/memcached/memcached_conf.c): server specs, distributions, whole
 * sink blocks through the core's option table code, and the ring that picks
 * each key's server, checked against an independent implementation of the
 * documented algorithms (weighted ketama over MD5, one-at-a-time modulo).
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
#include <libconfig.h>
#include <openssl/evp.h>

#include "memcached_conf.h"
#include "options.h"

/* A server spec and what it parses to (host NULL: the error message). */
struct server_case {
	const char *text;       /* the list item */
	const char *host;       /* expected host, or NULL for an error */
	unsigned port;          /* expected port */
	unsigned weight;        /* expected weight */
	const char *message;    /* expected error */
};

static const struct server_case server_cases[] = {
	{ "127.0.0.1:11300", "127.0.0.1", 11300, 1, NULL },
	{ "cache1", "cache1", 11211, 1, NULL },
	{ "cache1:11300:3", "cache1", 11300, 3, NULL },
	{ "[::1]:11300", "::1", 11300, 1, NULL },
	{ "[::1]", "::1", 11211, 1, NULL },
	{ "[fe80::1]:1:7", "fe80::1", 1, 7, NULL },
	{ "h:65535", "h", 65535, 1, NULL },
	{ "", NULL, 0, 0, "server \"\": empty host" },
	{ ":11211", NULL, 0, 0, "server \":11211\": empty host" },
	{ "h:0", NULL, 0, 0, "server \"h:0\": bad port (expected host:port or host:port:weight; write IPv6 addresses as [addr]:port)" },
	{ "h:65536", NULL, 0, 0, "server \"h:65536\": bad port (expected host:port or host:port:weight; write IPv6 addresses as [addr]:port)" },
	{ "h:", NULL, 0, 0, "server \"h:\": bad port (expected host:port or host:port:weight; write IPv6 addresses as [addr]:port)" },
	{ "h:x", NULL, 0, 0, "server \"h:x\": bad port (expected host:port or host:port:weight; write IPv6 addresses as [addr]:port)" },
	{ "::1:11211", NULL, 0, 0, "server \"::1:11211\": empty host" },
	{ "fe80::1", NULL, 0, 0, "server \"fe80::1\": bad port (expected host:port or host:port:weight; write IPv6 addresses as [addr]:port)" },
	{ "h:1:0", NULL, 0, 0, "server \"h:1:0\": bad weight (1..1000000)" },
	{ "h:1:1000001", NULL, 0, 0, "server \"h:1:1000001\": bad weight (1..1000000)" },
	{ "h:1:2:3", NULL, 0, 0, "server \"h:1:2:3\": bad weight (1..1000000)" },
	{ "[::1", NULL, 0, 0, "server \"[::1\": missing ']'" },
	{ "[::1]x", NULL, 0, 0, "server \"[::1]x\": expected ':' after the host" },
	{ "[]:1", NULL, 0, 0, "server \"[]:1\": empty host" },
	{ "a b:1", NULL, 0, 0, "server \"a b:1\": bad character in host" },
};

static void test_server_parse(void **state)
{
	struct mc_server_spec spec;
	char err[256];
	size_t i;
	int rc;

	(void)state;
	for (i = 0; i < sizeof(server_cases) / sizeof(server_cases[0]); i++) {
		const struct server_case *c = &server_cases[i];

		err[0] = '\0';
		rc = mc_server_parse(c->text, &spec, err, sizeof(err));
		if (c->host != NULL) {
			if (rc != 0) {
				fail_msg("\"%s\": %s", c->text, err);
			}
			assert_string_equal(spec.host, c->host);
			assert_int_equal(spec.port, c->port);
			assert_int_equal(spec.weight, c->weight);
			free(spec.host);
		} else {
			assert_int_equal(rc, -1);
			assert_string_equal(err, c->message);
			assert_null(spec.host);
		}
	}
}

static void test_distribution_parse(void **state)
{
	enum mc_distribution d = MC_DIST_MODULA;
	char err[256];

	(void)state;
	assert_int_equal(mc_distribution_parse("ketama", &d, err, sizeof(err)), 0);
	assert_int_equal(d, MC_DIST_KETAMA);
	assert_int_equal(mc_distribution_parse("consistent", &d, err, sizeof(err)), 0);
	assert_int_equal(d, MC_DIST_CONSISTENT);
	assert_int_equal(mc_distribution_parse("modula", &d, err, sizeof(err)), 0);
	assert_int_equal(d, MC_DIST_MODULA);
	assert_int_equal(mc_distribution_parse("Ketama", &d, err, sizeof(err)), -1);
	assert_string_equal(err, "distribution \"Ketama\": expected \"ketama\", \"consistent\" or \"modula\"");
}

/*
 * Loads a sink block through the core's option code and mc_conf_load().
 * Returns mc_conf_load()'s result; err holds the message of either step.
 */
static int load_block(const char *text, struct mc_conf *conf, char *err, size_t errlen)
{
	config_t lc;
	struct meepo_config *cfg;
	int rc = -1;

	config_init(&lc);
	if (config_read_string(&lc, text) != CONFIG_TRUE) {
		fail_msg("libconfig: %s at line %d", config_error_text(&lc), config_error_line(&lc));
	}
	cfg = sink_options_build(mc_options, "cache", "test.conf:1",
	                         config_lookup(&lc, "sink"), err, errlen);
	if (cfg != NULL) {
		rc = mc_conf_load(conf, cfg, err, errlen);
		sink_options_free(cfg);
	}
	config_destroy(&lc);
	return rc;
}

static void test_conf_defaults(void **state)
{
	struct mc_conf conf;
	char err[512];

	(void)state;
	if (load_block("sink = { name = \"cache\"; plugin = \"memcached\"; "
	               "servers = [\"127.0.0.1:11300\", \"h2\"]; keys = [\"user:{id}\"]; };",
	               &conf, err, sizeof(err)) != 0) {
		fail_msg("%s", err);
	}
	assert_int_equal(conf.nservers, 2);
	assert_string_equal(conf.servers[0].host, "127.0.0.1");
	assert_int_equal(conf.servers[0].port, 11300);
	assert_string_equal(conf.servers[1].host, "h2");
	assert_int_equal(conf.servers[1].port, 11211);
	assert_int_equal(conf.distribution, MC_DIST_KETAMA);
	assert_true(conf.binary);
	assert_int_equal(conf.timeout_ms, 1000);
	assert_string_equal(conf.fmt.prefix, "");
	assert_int_equal(conf.fmt.ntemplates, 1);
	assert_string_equal(meepo_template_text(conf.fmt.templates[0]), "user:{id}");
	mc_conf_free(&conf);

	if (load_block("sink = { name = \"cache\"; plugin = \"memcached\"; servers = [\"a:1\"]; "
	               "keys = [\"u:{id}\", \"{schema}:{table}:{id}\"]; prefix = \"app:\"; "
	               "binary_protocol = false; timeout_ms = 250; distribution = \"modula\"; };",
	               &conf, err, sizeof(err)) != 0) {
		fail_msg("%s", err);
	}
	assert_int_equal(conf.distribution, MC_DIST_MODULA);
	assert_false(conf.binary);
	assert_int_equal(conf.timeout_ms, 250);
	assert_string_equal(conf.fmt.prefix, "app:");
	assert_int_equal(conf.fmt.ntemplates, 2);
	mc_conf_free(&conf);
}

/* A sink block that must not load, and the exact message. */
struct bad_case {
	const char *block;      /* options after name and plugin */
	const char *message;    /* expected error */
};

static const struct bad_case bad_cases[] = {
	{ "servers = []; keys = [\"k:{id}\"];",
	  "test.conf:1: servers: at least one server is needed" },
	{ "servers = [\"a:1\"]; keys = [];",
	  "test.conf:1: keys: at least one key template is needed" },
	{ "servers = [\"a:x\"]; keys = [\"k:{id}\"];",
	  "test.conf:1: servers: server \"a:x\": bad port (expected host:port or host:port:weight; write IPv6 addresses as [addr]:port)" },
	{ "servers = [\"a:1\"]; keys = [\"k:{id\"];",
	  "test.conf:1: keys: template \"k:{id\": unterminated '{' at offset 2" },
	{ "servers = [\"a:1\"]; keys = [\"k:{id}\"]; prefix = \"my app:\";",
	  "test.conf:1: prefix: prefix has byte 0x20 at offset 2; memcached keys allow only 0x21..0x7e" },
	{ "servers = [\"a:1\"]; keys = [\"k:{id}\"]; distribution = \"random\";",
	  "test.conf:1: distribution \"random\": expected \"ketama\", \"consistent\" or \"modula\"" },
	{ "servers = [\"a:1\"]; keys = [\"k:{id}\"]; timeout_ms = 0;",
	  "test.conf:1: timeout_ms: 0 is out of range 1..3600000" },
};

static void test_conf_errors(void **state)
{
	struct mc_conf conf;
	char text[1024];
	char err[512];
	size_t i;
	char *where;

	(void)state;
	for (i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		snprintf(text, sizeof(text), "sink = { name = \"cache\"; plugin = \"memcached\"; %s };",
		         bad_cases[i].block);
		err[0] = '\0';
		assert_int_equal(load_block(text, &conf, err, sizeof(err)), -1);
		/* where an option was set, the core may name its own line: compare after it */
		where = strstr(err, ": ");
		assert_non_null(where);
		assert_string_equal(where, strstr(bad_cases[i].message, ": "));
	}
	/* the longest prefix is accepted, one byte more is not */
	memset(text, 0, sizeof(text));
	snprintf(text, sizeof(text), "sink = { name = \"cache\"; plugin = \"memcached\"; "
	         "servers = [\"a:1\"]; keys = [\"k\"]; prefix = \"%0*d\"; };", MC_PREFIX_MAX, 0);
	assert_int_equal(load_block(text, &conf, err, sizeof(err)), 0);
	assert_int_equal(conf.fmt.prefix_len, MC_PREFIX_MAX);
	mc_conf_free(&conf);
	snprintf(text, sizeof(text), "sink = { name = \"cache\"; plugin = \"memcached\"; "
	         "servers = [\"a:1\"]; keys = [\"k\"]; prefix = \"%0*d\"; };", MC_PREFIX_MAX + 1, 0);
	assert_int_equal(load_block(text, &conf, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "prefix: prefix is 186 bytes long, at most 185 are allowed"));
}

/* ---- the ring, against independent implementations ---------------------- */

/* A continuum point of the reference ketama. */
struct point {
	uint32_t value;     /* position on the circle */
	uint32_t index;     /* server */
};

static int point_cmp(const void *a, const void *b)
{
	const struct point *x = a;
	const struct point *y = b;

	if (x->value != y->value) {
		return x->value < y->value ? -1 : 1;
	}
	return x->index < y->index ? -1 : (x->index > y->index);
}

/* The 4 little-endian words of MD5(s), word `w`. */
static uint32_t md5_word(const char *s, size_t len, int w)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;

	assert_int_equal(EVP_Digest(s, len, md, &mdlen, EVP_md5(), NULL), 1);
	return (uint32_t)md[3 + w * 4] << 24 | (uint32_t)md[2 + w * 4] << 16 |
	       (uint32_t)md[1 + w * 4] << 8 | md[w * 4];
}

/*
 * The documented `ketama` distribution, written from its description: each
 * server gets 160 points per equal weight share, 40 MD5 digests of
 * "host:port-i" ("host-i" on port 11211) giving 4 points each; a key goes to
 * the first point at or after the first MD5 word of the key, wrapping.
 */
static uint32_t reference_ketama(const struct mc_server_spec *servers, size_t n,
                                 const char *key)
{
	struct point points[160 * 8];
	char name[300];
	size_t npoints = 0;
	size_t s;
	size_t i;
	int w;
	int len;
	uint32_t h;

	assert_true(n <= 8);
	for (s = 0; s < n; s++) {
		for (i = 0; i < 40; i++) {
			if (servers[s].port == 11211) {
				len = snprintf(name, sizeof(name), "%s-%zu", servers[s].host, i);
			} else {
				len = snprintf(name, sizeof(name), "%s:%u-%zu", servers[s].host,
				               servers[s].port, i);
			}
			for (w = 0; w < 4; w++) {
				points[npoints].value = md5_word(name, (size_t)len, w);
				points[npoints].index = (uint32_t)s;
				npoints++;
			}
		}
	}
	qsort(points, npoints, sizeof(points[0]), point_cmp);
	h = md5_word(key, strlen(key), 0);
	for (i = 0; i < npoints; i++) {
		if (points[i].value >= h) {
			return points[i].index;
		}
	}
	return points[0].index;
}

/* The documented `modula` distribution: Jenkins one-at-a-time modulo count. */
static uint32_t reference_modula(size_t n, const char *key)
{
	uint32_t h = 0;
	size_t i;

	for (i = 0; key[i] != '\0'; i++) {
		h += (unsigned char)key[i];
		h += h << 10;
		h ^= h >> 6;
	}
	h += h << 3;
	h ^= h >> 11;
	h += h << 15;
	return h % (uint32_t)n;
}

static const struct mc_server_spec ring_servers[] = {
	{ .host = (char *)"127.0.0.1", .port = 11300, .weight = 1 },
	{ .host = (char *)"127.0.0.1", .port = 11301, .weight = 1 },
	{ .host = (char *)"cache3", .port = 11211, .weight = 1 },
};

static void test_ring_matches_reference(void **state)
{
	memcached_st *ketama;
	memcached_st *modula;
	char key[64];
	char err[256];
	size_t hits[3] = { 0, 0, 0 };
	size_t differ = 0;
	uint32_t k;
	uint32_t m;
	int i;

	(void)state;
	ketama = mc_ring_create(ring_servers, 3, MC_DIST_KETAMA, err, sizeof(err));
	modula = mc_ring_create(ring_servers, 3, MC_DIST_MODULA, err, sizeof(err));
	assert_non_null(ketama);
	assert_non_null(modula);
	for (i = 0; i < 3000; i++) {
		snprintf(key, sizeof(key), "user:%d", i);
		k = mc_ring_pick(ketama, key, strlen(key));
		m = mc_ring_pick(modula, key, strlen(key));
		assert_int_equal(k, reference_ketama(ring_servers, 3, key));
		assert_int_equal(m, reference_modula(3, key));
		hits[k]++;
		differ += k != m;
	}
	/* every server takes a fair share, and the two distributions differ */
	for (i = 0; i < 3; i++) {
		assert_true(hits[i] > 600);
	}
	assert_true(differ > 1000);
	memcached_free(ketama);
	memcached_free(modula);
}

/*
 * The ring equals what an application's libmemcached client computes when
 * it is set up the usual ways: PHP's OPT_LIBKETAMA_COMPATIBLE (behaviour
 * set before the servers are added) for ketama, and pylibmc's
 * {"ketama": True} for consistent.
 */
static void test_ring_matches_application(void **state)
{
	static const struct {
		enum mc_distribution dist;      /* meepo's option */
		memcached_behavior_t behavior;  /* what the application sets */
	} cases[] = {
		{ MC_DIST_KETAMA, MEMCACHED_BEHAVIOR_KETAMA_WEIGHTED },
		{ MC_DIST_CONSISTENT, MEMCACHED_BEHAVIOR_KETAMA },
	};
	memcached_st *ring;
	memcached_st *app;
	char key[64];
	char err[256];
	size_t c;
	size_t s;
	int i;

	(void)state;
	for (c = 0; c < 2; c++) {
		ring = mc_ring_create(ring_servers, 3, cases[c].dist, err, sizeof(err));
		assert_non_null(ring);
		app = memcached_create(NULL);
		assert_int_equal(memcached_behavior_set(app, cases[c].behavior, 1), MEMCACHED_SUCCESS);
		for (s = 0; s < 3; s++) {
			assert_int_equal(memcached_server_add(app, ring_servers[s].host,
			                                      (in_port_t)ring_servers[s].port),
			                 MEMCACHED_SUCCESS);
		}
		for (i = 0; i < 2000; i++) {
			snprintf(key, sizeof(key), "k:%d", i * 7919);
			assert_int_equal(mc_ring_pick(ring, key, strlen(key)),
			                 memcached_generate_hash(app, key, strlen(key)));
		}
		memcached_free(app);
		memcached_free(ring);
	}
}

/* Weights shift keys to the heavier server. */
static void test_ring_weights(void **state)
{
	struct mc_server_spec servers[2] = {
		{ .host = (char *)"a", .port = 1, .weight = 1 },
		{ .host = (char *)"b", .port = 1, .weight = 3 },
	};
	memcached_st *ring;
	char key[32];
	char err[256];
	size_t hits[2] = { 0, 0 };
	int i;

	(void)state;
	ring = mc_ring_create(servers, 2, MC_DIST_KETAMA, err, sizeof(err));
	assert_non_null(ring);
	for (i = 0; i < 4000; i++) {
		snprintf(key, sizeof(key), "w%d", i);
		hits[mc_ring_pick(ring, key, strlen(key))]++;
	}
	assert_true(hits[1] > 2 * hits[0]);
	memcached_free(ring);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_server_parse),
		cmocka_unit_test(test_distribution_parse),
		cmocka_unit_test(test_conf_defaults),
		cmocka_unit_test(test_conf_errors),
		cmocka_unit_test(test_ring_matches_reference),
		cmocka_unit_test(test_ring_matches_application),
		cmocka_unit_test(test_ring_weights),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
