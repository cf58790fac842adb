/* sf_int.h - library-internal helpers of sf.c that are no part of any
 * module's API: an allocation tuned for threads, and the machine and test
 * switches the driver's modules consult. */
#ifndef SF_INT_H
#define SF_INT_H

#include <stddef.h>
#include "sf.h"

/* Zeroed memory for a table that threads will read and write sparsely:
 * written here, once.  calloc'd pages are first mapped to the shared zero
 * page on a read, and the first write after that must flush the TLB of
 * every CPU running one of our threads (an IPI per page). */
void *xzalloc_written(size_t nmemb, size_t size);

/* Online CPUs, between 1 and 64. */
int sf_ncpus(void);

/* A test switch in the environment: set, non-empty and not "0". */
int sf_env_flag(const char *name);

/* Writes all n bytes (again after EINTR and short writes): 0, or -1. */
int sf_write_full(int fd, const void *buf, size_t n);

#endif
