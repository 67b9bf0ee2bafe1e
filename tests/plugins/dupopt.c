/* tests/plugins/dupopt.c - an option table that declares one name twice. */
#include "test_sink.h"

static const struct meepo_option options[] = {
	{ "url", MEEPO_OPT_STRING, NULL, "where to send", 0 },
	{ "timeout_ms", MEEPO_OPT_INT, "1000", "timeout", 0 },
	{ "url", MEEPO_OPT_STRING, NULL, "where to send, again", 0 },
	{ NULL, 0, NULL, NULL, 0 },
};

MEEPO_SINK_EXPORT const struct meepo_sink meepo_sink = {
	MEEPO_SINK_HEADER, "dupopt", "1.0", "duplicate option",
	options, NULL, test_sink_create, test_sink_deliver, test_sink_destroy,
};
