/* tests/plugins/nodeliver.c - a descriptor without a deliver callback. */
#include "test_sink.h"

MEEPO_SINK_EXPORT const struct meepo_sink meepo_sink = {
	MEEPO_SINK_HEADER, "nodeliver", "1.0", "no deliver",
	NULL, NULL, test_sink_create, NULL, test_sink_destroy,
};
