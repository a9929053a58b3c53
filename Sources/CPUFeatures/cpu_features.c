// The module is header-only (inline functions); SwiftPM wants one source file per C target.
#include "cpu_features.h"
