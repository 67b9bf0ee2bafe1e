/* stub: to be written */
#include <meepo/sdk.h>
