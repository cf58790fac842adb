/* attrib.h - attribution of folded stacks, shared by `top` (table.c),
 * `diff` and `report`: which syscall a stack ends in, its call site
 * (innermost frame outside the Go runtime's and libc's syscall wrappers),
 * and the Go test or runtime subsystem it is attributed to; and stacks
 * grouped into rows along one of those dimensions (struct top_groups).
 *
 * Stacks follow stack.h's convention: frame 0 is the comm, the last frame
 * (ignoring kernel frames, suffix "_[k]") names the syscall.  Works on the
 * stack set alone (data); returned names point into the set or into the
 * caller's sbufs; a top_groups owns copies of its row names. */
#ifndef ATTRIB_H
#define ATTRIB_H

#include <stdint.h>
#include <stddef.h>
#include "sf.h"
#include "stack.h"

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
    ATTR_MISSING,       /* stacks that end in a binary not found:
                           "[binary missing: pkg.test]" */
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
#define ATTR_SIGRETURN  "[runtime: signal return]"  /* __restore_rt, runtime.sigreturn */
#define ATTR_SIGACTION  "[runtime: signal handlers]" /* x_cgo_sigaction, callers unknown */
#define ATTR_MEMORY     "[runtime: memory]"       /* x_cgo_mmap/munmap, callers unknown */
#define ATTR_PROCESSES  "[process: "  /* + kind + "]": a process not a Go test's */
/* Stacks cut short keep their root mark as the row ("[truncated]",
 * "[caller not proven]") when nothing else places them; stacks that end in
 * a missing binary are named after it ("[binary missing: pkg.test]"). */

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

/* Attributes a stack: the innermost test frame, else a signal return
 * stub, a missing binary, a runtime subsystem bucket (ATTR_SYSMON...),
 * ATTR_MAIN ("main.main"), the row of a runtime-only cgo helper the stack
 * ends in (ATTR_SIGACTION, ATTR_MEMORY, ATTR_SCHEDULER, ATTR_STARTUPS:
 * C code of the runtime itself, never counted as cgo), the cut's mark or
 * ATTR_OTHERS.
 * `name` gets the row name, `closure` (may be NULL) the subtest: the test
 * closure testing's runner called (a t.Run/b.Run body: the frame after
 * testing.tRunner or testing.(*B).runN), by its full name; "" if none. */
enum attr_kind stack_attribute(const struct stack_set *s, const struct stack_view *v,
                               struct sbuf *name, struct sbuf *closure);

/* ---- grouping stacks into rows (shared with diff.c) ---- */

enum top_dim {
    TOP_DIM_SYSCALL = 0,  /* name = syscall */
    TOP_DIM_CALLSITE,     /* name = call-site frame, sub = syscall */
    TOP_DIM_TEST,         /* name = test or bucket, kind set */
    TOP_DIM_SUBTEST,      /* name = t.Run closure, sub = test (test stacks only) */
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
/* Adds p's stacks to g as `top`'s tests table has them: by test or
 * origin (TOP_DIM_TEST) in Go test processes; when the capture has a Go
 * test process, the other processes' stacks (by the comm of frame 0) are
 * one row per process kind, "[process: C]", kind ATTR_OTHER.  per, unless
 * NULL, gets the same rows split by syscall (sub). */
struct profile;
void top_groups_add_tests(struct top_groups *g, struct top_groups *per,
                          const struct profile *p);
/* Row index of (name, sub), or -1. */
long top_groups_find(const struct top_groups *g, const char *name, const char *sub);
/* Adds `count` to row (name, sub), creating it; returns its index. */
size_t top_groups_bump(struct top_groups *g, const char *name, const char *sub,
                       enum attr_kind kind, uint64_t count);
void top_groups_release(struct top_groups *g);

#endif
