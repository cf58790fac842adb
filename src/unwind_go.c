/* unwind_go.c - placeholder, being written. */
#include "sf.h"
