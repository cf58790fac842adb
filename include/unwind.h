/* unwind.h - UNWINDER stage: from a sample's user registers (REGS_USER) and
 * stack copy (STACK_USER) to the list of pcs of the user stack, innermost
 * first.  Go frames step with the pclntab SP-delta table (as the Go runtime
 * does on amd64), other frames with DWARF CFI (.eh_frame/.debug_frame via
 * libdw), frame pointers only as a last resort.  Kernel frames come from the
 * sample's callchain.  One unwind_ctx per worker thread. */
#ifndef UNWIND_H
#define UNWIND_H

#include <stdint.h>
#include <stddef.h>
#include "sf.h"
#include "session.h"
#include "binary.h"
#include "result.h"

enum unwind_how {
    UNWIND_HOW_IP = 0,         /* the sampled ip */
    UNWIND_HOW_GO,             /* pclntab SP delta */
    UNWIND_HOW_CFI,            /* DWARF CFI */
    UNWIND_HOW_FP,             /* frame-pointer fallback (or the return address
                                  at SP of a leaf stub, or a Go function found
                                  between a C frame and its frame pointer),
                                  each step proven: the return address follows
                                  a call whose direct target is the callee */
    UNWIND_HOW_KERNEL,         /* from the kernel callchain */
    UNWIND_HOW_CALLCHAIN,      /* user part of the recorded callchain */
};

const char *unwind_stop_name(enum unwind_stop s);

struct unwind_frame {
    uint64_t pc;               /* process address (return addresses as is) */
    const struct sess_map *map;/* NULL for kernel frames / unknown */
    struct binary *bin;        /* NULL when missing */
    uint64_t vaddr;            /* link-time address in bin */
    uint64_t sp;               /* the frame's SP (for a caller: its SP at the
                                  call, the callee's CFA); 0 if unknown.
                                  With pc it names the activation (stitch.h) */
    enum unwind_how how;
    int is_return;             /* pc is a return address (lookup pc-1) */
    int kernel;
    int elide;                 /* a Go wrapper the runtime's traceback hides
                                  (funcID wrapper not calling a panic) */
};

struct unwind_result {
    struct unwind_frame *frames;   /* innermost first; kernel frames first */
    size_t nr, cap;
    enum unwind_stop stop;
    unsigned fp_steps;             /* frame-pointer fallbacks used */
    unsigned cfi_steps, go_steps;
    /* A pclntab or CFI step that produced a return address in no mapping,
     * or not right after a call instruction: the binary's unwind tables do
     * not describe the code that ran (a file rebuilt after recording, with
     * no build-id to tell).  The mapping whose table was used, or NULL. */
    const struct sess_map *suspect_map;
};

struct unwind_ctx;

struct unwind_ctx *unwind_ctx_new(struct binary_cache *bc);
void unwind_ctx_free(struct unwind_ctx *u);

/* Unwinds one sample.  Always fills res (possibly with only the ip) and
 * returns 0; res->stop says why it ended.  max_frames bounds the depth. */
int unwind_sample(struct unwind_ctx *u, const struct sess_sample *ss,
                  struct unwind_result *res, size_t max_frames);
void unwind_result_release(struct unwind_result *res);

#endif
