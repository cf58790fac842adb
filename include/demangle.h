/* demangle.h - BINARIES stage helper: C++ (Itanium ABI) symbol names as perf
 * prints them by default: `ns::Class::method`, without parameter types
 * (libiberty's cplus_demangle with DMGL_NO_OPTS, what perf uses unless
 * verbose).  Other names are left alone.  Thread-safe. */
#ifndef SF_DEMANGLE_H
#define SF_DEMANGLE_H

/* A malloc'd demangled copy of `name`, or NULL when it is not a mangled
 * C++ name (or cannot be demangled): callers keep `name` then. */
char *sf_demangle(const char *name);

#endif
