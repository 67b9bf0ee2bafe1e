/*
 * tests/plugins/test_sink.h - callbacks shared by the tiny sink plugins
 * that the plugin loader tests load (tests/unit/config/test_plugin.c).
 * They do nothing: the tests only exercise loading and option checking.
 *
 * Concurrency: stateless.
 */
#ifndef MEEPO_TEST_SINK_H
#define MEEPO_TEST_SINK_H

#include <meepo/sink.h>

static inline int test_sink_create(const struct meepo_config *cfg, void **instance, char *err,
                                   size_t errlen)
{
	*instance = NULL;
	return 0;
}

static inline enum meepo_result test_sink_deliver(void *instance, const struct meepo_batch *batch,
                                                  struct meepo_report *report)
{
	return MEEPO_OK;
}

static inline void test_sink_destroy(void *instance)
{
}

#endif /* MEEPO_TEST_SINK_H */
