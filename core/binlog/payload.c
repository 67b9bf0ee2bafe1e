/* stub: to be written */
#include "binlog/binlog.h"
