/* demangle.c - BINARIES stage helper: C++ names for symbolize.c, through
 * libiberty's demangler (the one binutils and perf use, so names match
 * perf script's).  Built without libiberty (HAVE_LIBIBERTY unset, as the
 * fuzz build does) names stay mangled. */
#include "config.h"
#include "demangle.h"

#include <stdlib.h>
#include <string.h>

#ifdef HAVE_LIBIBERTY
#include <libiberty/demangle.h>
#endif

char *sf_demangle(const char *name)
{
    /* Itanium C++ ABI names start with _Z; so do none of Go's or C's. */
    if (!name || strncmp(name, "_Z", 2) != 0)
        return NULL;
#ifdef HAVE_LIBIBERTY
    return cplus_demangle(name, DMGL_NO_OPTS);
#else
    return NULL;
#endif
}
