/* resolve.h - the worker side of the pipeline: a queued sample (struct
 * job) is unwound and its frames symbolized (resolve_job), on any worker
 * thread, in any order.  Everything that must happen in delivery order
 * (counting, naming, hooks) is the driver's, after the batch is finished.
 *
 * Ownership: a job owns its copies (stack bytes unless read in place,
 * callchain, frames, unwound frames) and reuses them from batch to batch;
 * job_release frees them.  `out` points either at the job's frames or at
 * a memo entry's, valid until the capture ends. */
#ifndef RESOLVE_H
#define RESOLVE_H

#include <stddef.h>
#include <stdint.h>

#include "binary.h"
#include "event.h"
#include "frame.h"
#include "memo.h"
#include "session.h"
#include "symbolize.h"
#include "unwind.h"

#define RESOLVE_MAX_SYM_FRAMES 64

/* One queued sample and what a worker makes of it. */
struct job {
    struct ev_sample sample;      /* copy; pointers redirected to the copies */
    uint8_t *stack;               /* copy of the valid stack bytes */
    size_t stack_cap;
    uint64_t *callchain;
    size_t callchain_cap;
    struct sess_sample ss;
    const char *syscall;
    int no_stack;                 /* shown by the sample hook, not counted */
    /* results: `out` is frames, or a memo entry's frames on a repeat */
    const struct frame_out *out;
    struct frame_out *frames;
    size_t nr_frames, frames_cap;
    enum unwind_stop stop;
    int startup;                  /* ss.first_thread in a Go binary's code:
                                     UNWIND_STARTUP_MARK if the stop takes it */
    unsigned fp_steps;
    const char *binary;           /* recorded path of the sampled ip's map */
    const char *suspect;          /* recorded path of unwind_result.suspect_map */
    const struct memo_entry *memo;/* the worker's memo entry for this stack */
    int deferred;                 /* named after the last sample (uframes) */
    size_t stitched_at;           /* frames from here on were stitched
                                     (stitch.h); SIZE_MAX if none */
    struct unwind_frame *uframes; /* unwound frames: deferred or keep_uframes */
    size_t nr_uframes, uframes_cap;
    size_t nr_own_uframes;        /* nr_uframes before stitching */
    uint8_t *raw;                 /* copy of RAW kept for the sample hook */
    size_t raw_cap;
};

/* A worker's own state (one per pool thread). */
struct worker {
    struct unwind_ctx *uw;
    struct unwind_result ur;
    struct sym_frame sym[RESOLVE_MAX_SYM_FRAMES];
    struct memo memo;
};

/* What resolution reads, the same for every job of a capture. */
struct resolve_opts {
    struct binary_cache *bc;
    size_t max_frames;            /* 0 = default (1024) */
    int no_inline;
    int with_ids;                 /* frame 0 names pid/tid: part of the memo key */
    /* Samples whose naming would wait for a DWARF load under way (or all,
     * with defer_all) are deferred: unwound only, named at the end. */
    int defer_ok, defer_all;
    int keep_uframes;             /* copy every job's unwound frames to
                                     uframes (for stitch.h) */
};

void worker_init(struct worker *w, struct binary_cache *bc, int no_memo);
void worker_release(struct worker *w);

/* Unwinds j's sample and names its frames (or finds them in w's memo, or
 * defers them): fills out, nr_frames, stop, fp_steps, binary, suspect,
 * memo, deferred/uframes. */
void resolve_job(const struct resolve_opts *o, struct worker *w, struct job *j);
/* Symbolizes unwound frames into j->frames (innermost first, inlined
 * frames expanded). */
void resolve_frames(const struct resolve_opts *o, struct worker *w, struct job *j,
                    const struct unwind_frame *frames, size_t nr);
/* Frees what a job owns. */
void job_release(struct job *j);

#endif
