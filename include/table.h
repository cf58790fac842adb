/* table.h - WRITER of syscall-hotspot tables (`sysflame top`), and the
 * stack classification that diff.c and report.c share: which syscall a
 * stack ends in, its call site (innermost frame outside the Go runtime's
 * and libc's syscall wrappers), and the Go test or runtime subsystem it is
 * attributed to.
 *
 * Stacks follow stack.h's convention: frame 0 is the comm, the last frame
 * (ignoring kernel frames, suffix "_[k]") names the syscall. */
#ifndef TABLE_H
#define TABLE_H

#include <stdint.h>
#include <stddef.h>
#include "sf.h"
#include "stack.h"
#include "profile.h"
#include "writer.h"

/* ---- classification ---- */

/* What a stack is attributed to (the `kind` column of the tests table). */
enum attr_kind {
    ATTR_TEST = 0,      /* pkg.TestXxx (and its closures) */
    ATTR_BENCHMARK,     /* pkg.BenchmarkXxx */
    ATTR_FUZZ,          /* pkg.FuzzXxx */
    ATTR_TESTING,       /* the testing package itself, outside any test */
    ATTR_MAIN,          /* under main.main (a program's own code) */
    ATTR_RUNTIME,       /* Go runtime background work (sysmon, GC, ...) */
    ATTR_STARTUP,       /* rt0_go, schedinit, package init, dynamic loader */
    ATTR_CGO,           /* cgo calls and C code */
    ATTR_OTHER,         /* anything else (goroutines outside tests, unknown) */
    ATTR_NR
};
const char *attr_kind_name(enum attr_kind k);   /* "test", "runtime", ... */

/* Bucket names used for stacks outside tests: */
#define ATTR_SYSMON     "[runtime: sysmon]"
#define ATTR_GC         "[runtime: GC]"
#define ATTR_SCHEDULER  "[runtime: scheduler]"
#define ATTR_NETPOLLER  "[runtime: netpoller]"
#define ATTR_TIMERS     "[runtime: timers]"
#define ATTR_STARTUPS   "[startup]"
#define ATTR_CGOS       "[cgo/C]"
#define ATTR_TESTINGS   "[testing]"
#define ATTR_OTHERS     "[other]"

/* The syscall a stack ends in (its last non-kernel frame); "" if empty. */
const char *stack_syscall(const struct stack_set *s, const struct stack_view *v);

/* Is `frame` a syscall wrapper (Go syscall packages, runtime syscall stubs,
 * internal/poll.*, os.(*File).lowercase, libc wrappers such as __GI___libc_write,
 * write, syscall, __syscall_cancel) for syscall `sc`? */
int table_is_syscall_wrapper(const char *frame, const char *sc);

/* The call site: innermost frame below the syscall that is not a wrapper
 * (nor a kernel frame); "[unknown]" when the stack has none. */
const char *stack_callsite(const struct stack_set *s, const struct stack_view *v);

/* If `frame` is a Go test function or one of its closures, stores the test
 * ("pkg.TestXxx") in *test and the first closure level ("pkg.TestXxx.func1",
 * a t.Run subtest body; "" if none) in *closure and returns its kind
 * (ATTR_TEST/BENCHMARK/FUZZ); otherwise returns -1.  Both sbufs are reset. */
int table_test_frame(const char *frame, struct sbuf *test, struct sbuf *closure);

/* Attributes a stack: the innermost test frame, else a runtime subsystem
 * bucket (ATTR_SYSMON...) or ATTR_MAIN ("main.main") / ATTR_OTHERS.
 * `name` gets the row name, `closure` the subtest closure (may be NULL). */
enum attr_kind stack_attribute(const struct stack_set *s, const struct stack_view *v,
                               struct sbuf *name, struct sbuf *closure);

/* ---- grouping stacks into rows (shared with diff.c) ---- */

enum top_dim {
    TOP_DIM_SYSCALL = 0,  /* name = syscall */
    TOP_DIM_CALLSITE,     /* name = call-site frame, sub = syscall */
    TOP_DIM_TEST,         /* name = test or bucket, kind set */
    TOP_DIM_SUBTEST,      /* name = closure, sub = test (test stacks only) */
    TOP_DIM_COMM,         /* name = frame 0 */
    TOP_DIM_NR
};

struct top_group {
    char *name;
    char *sub;            /* NULL when the dimension has none */
    enum attr_kind kind;
    uint64_t count;
};

struct top_groups {
    struct top_group *v;
    size_t n, cap;
    uint32_t *slots;      /* private hash index */
    size_t nslots;
};
#define TOP_GROUPS_INIT { NULL, 0, 0, NULL, 0 }

/* Adds every stack of s to g along `dim` (counts summed per row). */
void top_groups_add(struct top_groups *g, const struct stack_set *s, enum top_dim dim);
/* Row index of (name, sub), or -1. */
long top_groups_find(const struct top_groups *g, const char *name, const char *sub);
/* Adds `count` to row (name, sub), creating it; returns its index. */
size_t top_groups_bump(struct top_groups *g, const char *name, const char *sub,
                       enum attr_kind kind, uint64_t count);
void top_groups_release(struct top_groups *g);

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
    TOP_ALL = 0x1f,
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
