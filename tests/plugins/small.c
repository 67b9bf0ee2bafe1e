/* tests/plugins/small.c - a plugin whose descriptor claims fewer bytes than ABI 1's. */
#include "test_sink.h"

MEEPO_SINK_EXPORT const struct meepo_sink meepo_sink = {
	MEEPO_SINK_ABI_VERSION, 24, "small", "1.0", "struct_size too small",
	NULL, NULL, test_sink_create, test_sink_deliver, test_sink_destroy,
};
