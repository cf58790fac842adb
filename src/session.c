/* session.c - placeholder, being written. */
#include "sf.h"
