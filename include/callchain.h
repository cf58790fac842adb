/* callchain.h - a source of pcs alongside the UNWINDER: the call chain the
 * kernel recorded (perf record -g / --call-graph fp: PERF_SAMPLE_CALLCHAIN,
 * no user registers or stack copy), and captures without any call graph.
 *
 * unwind_sample() already copies the chain's user entries into its result
 * when a sample has no registers (how = UNWIND_HOW_CALLCHAIN, stop
 * no-regs).  callchain_resolve() makes those frames what the symbolizer
 * needs, as for unwound frames: the binary and link-time address of each,
 * the sampled ip looked up as is and callers at return address - 1, Go
 * wrapper frames elided, and a gap marker where a frame-pointer walk is
 * known to have skipped a frame.
 *
 * The gap: perf walks saved frame pointers.  A leaf that has not pushed
 * one (a Go assembly function with a zero-size frame such as
 * runtime/internal/syscall.Syscall6, whose pcsp value at the sampled pc is
 * 0) leaves RBP pointing at its caller's frame, so the chain goes from the
 * leaf straight to the caller's caller: the leaf's caller is missing.
 * Where the pclntab shows this, a gap frame (callchain_is_gap) follows the
 * leaf (callchain_mark_gaps, on by default).  C leaves without frame pointers lose their caller the same way;
 * without a pclntab this is not detected. */
#ifndef CALLCHAIN_H
#define CALLCHAIN_H

#include <stddef.h>
#include <stdint.h>
#include "perfdata.h"
#include "unwind.h"
#include "binary.h"
#include "session.h"

/* How a capture recorded stacks, from its event attributes. */
enum callchain_mode {
    CALLCHAIN_NONE = 0,        /* no call chain, no stack copy: leaf only */
    CALLCHAIN_FP,              /* kernel-walked chain (-g, --call-graph fp/lbr) */
    CALLCHAIN_DWARF,           /* user registers + stack copy (unwound here) */
    CALLCHAIN_MIXED,           /* events recorded differently */
};

/* The mode of the capture's sampling attributes (all of them agreeing). */
enum callchain_mode callchain_mode_of(const struct pd_file *pd);
/* "dwarf", "fp", "none", "mixed" */
const char *callchain_mode_name(enum callchain_mode m);
/* One sentence on what the mode implies for the stacks. */
const char *callchain_mode_meaning(enum callchain_mode m);

struct callchain_stats {
    uint64_t samples;          /* samples whose user frames came from the chain */
    uint64_t gaps;             /* of them, with a gap marked after the leaf */
};

struct callchain_ctx;

struct callchain_ctx *callchain_ctx_new(struct binary_cache *bc);
/* Insert the gap frame (on by default: resolve.c names it, `script` prints
 * it, folded stacks leave it out; stats count gaps either way). */
void callchain_mark_gaps(struct callchain_ctx *c, int on);
void callchain_ctx_free(struct callchain_ctx *c);

/* Resolves the UNWIND_HOW_CALLCHAIN frames of res (see above) in place;
 * other frames are left as they are.  Needs room for one more frame in
 * res (a gap); res->stop becomes root for a whole chain.  Returns 1 when
 * the sample's user frames came from the chain, 0 otherwise. */
int callchain_resolve(struct callchain_ctx *c, const struct sess_sample *ss,
                      struct unwind_result *res, struct callchain_stats *st);

/* The gap marker callchain_resolve inserts is a user frame of the chain
 * with this pc (no chain entry can hold it: the PERF_CONTEXT_* markers
 * take the top of the address space) and no mapping. */
#define CALLCHAIN_GAP_PC UINT64_MAX
/* What script prints for it: "0 [caller not recorded] ([unknown])". */
extern const char callchain_gap_name[];
static inline int callchain_is_gap(const struct unwind_frame *f)
{
    return f->how == UNWIND_HOW_CALLCHAIN && !f->kernel && !f->map && f->pc == CALLCHAIN_GAP_PC;
}

#endif
