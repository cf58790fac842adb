/* naming.h - frame naming: turns a sample's resolved frames into the
 * folded names of a stack (root first: comm, [truncated], frames, leaf)
 * and adds it to a stack set.  Names follow stackcollapse-perf.pl's
 * tidying, so `sysflame script | stackcollapse-perf.pl --all` and
 * `sysflame fold` agree.  Runs on the main thread, in delivery order.
 *
 * Each frame name met for the first time also gets its frame_info in the
 * frame table (result.h), from the frame that made it.
 *
 * Ownership: names are interned in the caller's strtab and stack set; the
 * namer owns only its scratch and cache (namer_release). */
#ifndef NAMING_H
#define NAMING_H

#include <stddef.h>
#include <stdint.h>

#include "frame.h"
#include "result.h"
#include "sf.h"
#include "stack.h"
#include "strtab.h"

/* A frame whose binary was not found: "[binary missing: pkg.test]". */
#define NAMING_MISSING_PREFIX "binary missing: "

struct namer {
    /* set by the caller */
    struct strtab *strings;
    struct stack_set *stacks;
    struct frame_table *frames;   /* filled for new frame names; may be NULL */
    int addrs;                    /* "+0xoff", unknown frames by address */
    int kernel;                   /* keep kernel frames (_[k]) */
    int no_leaf;                  /* no syscall/event leaf */
    int with_pid, with_tid;       /* frame 0 is comm-pid or comm-pid/tid */
    const char *comm_label;       /* frame 0 of every stack, if set */
    /* the namer's own */
    struct ptr_slot *cache;       /* ptrcache.h */
    uint32_t *ids;
    size_t ids_cap;
    struct sbuf tmp, clean;
};

/* What a stack is named after besides its frames. */
struct stack_ctx {
    const char *comm;
    uint32_t pid, tid;
    const char *phase;            /* UNWIND_STARTUP_MARK, outside cut, or NULL */
    const char *cut;              /* root mark of a stack cut short
                                     (unwind_stop_mark), or NULL */
    const char *syscall;          /* the leaf, or else the event's name */
    const char *event_name;
};

/* Adds the stack (frames innermost first) once to nm->stacks; returns its
 * id and, in *depth, the number of frames kept. */
uint32_t namer_stack(struct namer *nm, const struct stack_ctx *c,
                     const struct frame_out *frames, size_t nr, size_t *depth);
/* A new capture: the cache keys on the previous capture's pointers. */
void namer_begin_capture(struct namer *nm);
void namer_release(struct namer *nm);

#endif
