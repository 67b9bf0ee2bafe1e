/* stub */
#include <meepo/sink.h>
