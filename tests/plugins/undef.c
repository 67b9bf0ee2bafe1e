/*
 * tests/plugins/undef.c - a plugin that calls a function nothing defines,
 * so that dlopen(RTLD_NOW) fails.
 */
#include "test_sink.h"

void meepo_test_undefined_function(void);

static int undef_create(const struct meepo_config *cfg, void **instance, char *err,
                        size_t errlen)
{
	meepo_test_undefined_function();
	return test_sink_create(cfg, instance, err, errlen);
}

MEEPO_SINK_EXPORT const struct meepo_sink meepo_sink = {
	MEEPO_SINK_HEADER, "undef", "1.0", "undefined symbol",
	NULL, NULL, undef_create, test_sink_deliver, test_sink_destroy,
};
