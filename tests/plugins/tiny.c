/* tests/plugins/tiny.c - exports a 4-byte object under the descriptor's symbol name. */
#include <meepo/sink.h>

MEEPO_SINK_EXPORT const uint32_t meepo_sink = MEEPO_SINK_ABI_VERSION;
