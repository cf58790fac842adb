/* unwind_dwarf.c - placeholder, being written. */
#include "sf.h"
