/* table.h - WRITER of syscall-hotspot tables (`sysflame top`): rows by
 * syscall, call site, test and thread (grouped by attrib.h), with the
 * profile's latency statistics. */
#ifndef TABLE_H
#define TABLE_H

#include <stdint.h>
#include <stddef.h>
#include "sf.h"
#include "stack.h"
#include "attrib.h"
#include "result.h"
#include "writer.h"

/* ---- `sysflame top` ---- */

enum top_sort {
    TOP_SORT_COUNT = 0,   /* count, descending (default) */
    TOP_SORT_NAME,        /* name, ascending */
    TOP_SORT_ERRORS,      /* syscalls: errors; others: count */
    TOP_SORT_TIME,        /* syscalls: total latency; others: count */
    TOP_SORT_MEAN,        /* syscalls: mean latency */
    TOP_SORT_P99,         /* syscalls: p99 latency */
    TOP_SORT_MAX,         /* syscalls: max latency */
};
/* "count|name|errors|time|mean|p99|max"; 0 ok, -1 unknown. */
int top_sort_parse(const char *s, enum top_sort *out);

enum top_table_mask {
    TOP_SYSCALLS = 1 << 0,
    TOP_CALLSITES = 1 << 1,
    TOP_TESTS = 1 << 2,
    TOP_THREADS = 1 << 3,
    TOP_SUBTESTS = 1 << 4,
    TOP_PROCESSES = 1 << 5,
    TOP_ALL = 0x3f,
};

struct top_opts {
    enum top_sort sort;
    size_t limit;         /* rows per table, 0 = all */
    size_t stacks;        /* --stacks N: also the N heaviest full stacks */
    unsigned tables;      /* TOP_* mask; 0 = TOP_ALL */
};
#define TOP_OPTS_INIT { TOP_SORT_COUNT, 0, 0, 0 }

/* Writes the top tables of p (see doc/json-schema.md for the JSON shape):
 * writer_begin/end are called here.  0 ok, -1 on a write error. */
int top_write(const struct profile *p, const struct top_opts *o,
              struct writer *w, struct sf_err *err);

/* Latency percentile (nearest rank, q in [0,1]) of n sorted values. */
uint64_t top_percentile(const uint64_t *sorted, size_t n, double q);

#endif
