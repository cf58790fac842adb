/* perfdata_int.h - reader controls used only by the session (performance
 * machinery, no part of the reader's API in perfdata.h). */
#ifndef PERFDATA_INT_H
#define PERFDATA_INT_H

#include "perfdata.h"

/* While on, the reader loads headers further ahead (3-7 records instead of
 * 2-5): for a caller that only walks the records, where the next header is
 * all it waits for (measured: the split's walk; whole runs gain nothing). */
void pd_skim(struct pd_file *pd, int on);
/* Lets the pages of a mapped input go from resident memory (they fault
 * back in from the page cache on the next access). */
void pd_release_pages(struct pd_file *pd);

#endif
