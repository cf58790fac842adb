/* symbolize.c - placeholder, being written. */
#include "sf.h"
