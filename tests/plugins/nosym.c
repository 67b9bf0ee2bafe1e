/* tests/plugins/nosym.c - a shared object that exports no sink descriptor. */
#include <meepo/sink.h>

MEEPO_SINK_EXPORT const char *const not_a_sink = "nosym";
