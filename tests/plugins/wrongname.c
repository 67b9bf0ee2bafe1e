/* tests/plugins/wrongname.c - a descriptor whose name is not its file's. */
#include "test_sink.h"

MEEPO_SINK_EXPORT const struct meepo_sink meepo_sink = {
	MEEPO_SINK_HEADER, "other", "1.0", "misnamed",
	NULL, NULL, test_sink_create, test_sink_deliver, test_sink_destroy,
};
