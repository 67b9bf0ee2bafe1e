/* tests/plugins/badabi.c - a plugin built for a sink ABI that does not exist. */
#include "test_sink.h"

MEEPO_SINK_EXPORT const struct meepo_sink meepo_sink = {
	99, (uint32_t)sizeof(struct meepo_sink), "badabi", "1.0", "wrong ABI version",
	NULL, NULL, test_sink_create, test_sink_deliver, test_sink_destroy,
};
