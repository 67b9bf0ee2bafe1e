/*
 * tests/plugins/test.c - the well-formed test plugin "test". Its option
 * table is the fixed table the bad-configuration tests check sink blocks
 * against (tests/bad-configs/, with plugin = "test"): one option per type.
 */
#include "test_sink.h"

static const struct meepo_option options[] = {
	{ "format", MEEPO_OPT_STRING, "meepo", "output format", 0 },
	{ "timeout_ms", MEEPO_OPT_INT, "1000", "request timeout in milliseconds", 0 },
	{ "verbose", MEEPO_OPT_BOOL, "false", "log every batch", 0 },
	{ "servers", MEEPO_OPT_LIST, "127.0.0.1:11211", "servers as host:port", 0 },
	{ "ca_file", MEEPO_OPT_PATH, NULL, "CA certificates (PEM)", 0 },
	{ "token", MEEPO_OPT_STRING, NULL, "access token", MEEPO_OPT_SECRET },
	{ NULL, 0, NULL, NULL, 0 },
};

MEEPO_SINK_EXPORT const struct meepo_sink meepo_sink = {
	MEEPO_SINK_HEADER, "test", "1.0", "a sink that accepts everything and does nothing",
	options, NULL, test_sink_create, test_sink_deliver, test_sink_destroy,
};
