/* profile.h - the pipeline driver shared by the commands: reads one or more
 * inputs (perf.data captures, or folded text), runs session -> unwinder ->
 * symbolizer for each sample (in parallel batches with -j, merged in input
 * order), applies the filters, and returns a finished profile: the stack set
 * plus the capture facts that tables and summaries need.  Writers take a
 * const struct profile * and never touch the reader. */
#ifndef PROFILE_H
#define PROFILE_H

#include <stdint.h>
#include <stddef.h>
#include "sf.h"
#include "stack.h"
#include "binary.h"
#include "unwind.h"
#include "session.h"
#include "strlist.h"
#include "frame.h"
#include "result.h"
#include "perfdata.h"


/* A sample after unwinding and symbolization, innermost frame first. */
struct profile_sample {
    const struct frame_out *frames;
    size_t nr_frames;
    enum unwind_stop stop;
    int startup;                 /* UNWIND_STARTUP_MARK is the root, outside
                                    the stop's mark */
    const char *syscall;         /* "write" for sys_enter_write, else NULL */
    size_t stitched_at;          /* frames from here on were stitched from
                                    another sample (stitch.h); SIZE_MAX: none */
};

struct profile_opts {
    struct binary_opts bin;
    /* filters (empty = keep all); values may be comma lists, split already */
    struct strlist comms, events, syscalls;
    struct strlist pids, tids;   /* decimal strings */
    int no_inline;
    int no_stitch;               /* leave truncated stacks truncated (stitch.h) */
    int jobs;                    /* 0 = number of CPUs */
    int with_pid, with_tid;      /* frame 0 = comm-pid / comm-pid/tid */
    int addrs;                   /* frame names carry "+0xoff" / unknown as address */
    int kernel;                  /* include kernel frames (suffix _[k]) */
    int no_leaf;                 /* no syscall/event leaf frame */
    int keep_recorder;           /* keep the recording perf's own samples */
    int capture_only;            /* inputs must be perf.data (no folded text) */
    const char *comm_label;      /* frame 0 of every stack, instead of the comm
                                    (diff --ignore-comm: two builds' names) */
    int record_order;            /* keep time order (flamechart) */
    int quiet;
    size_t max_frames;           /* 0 = default (1024) */
    /* Per-sample hook, called in delivery order after unwinding and
     * symbolization (script).  Setting it keeps every sample, unmerged. */
    int (*on_sample)(void *arg, const struct sess_sample *ss,
                     const struct profile_sample *ps, struct sf_err *err);
    void *on_sample_arg;
    /* Called once per perf.data input before its first sample. */
    int (*on_capture_start)(void *arg, struct session *s, struct sf_err *err);
    /* Called once per perf.data input after its last sample, before the
     * session is freed (info harvests header facts and mappings here). */
    int (*on_capture)(void *arg, struct session *s, struct sf_err *err);
    void *on_capture_arg;
    /* Called once per perf.data input, after its last sample, with the
     * capture's header facts only (svg's subtitle).  Unlike on_capture it
     * lets a large capture be read in two processes (split.h). */
    int (*on_capture_header)(void *arg, const struct pd_info *info, struct sf_err *err);
};
#define PROFILE_OPTS_INIT { .jobs = 0 }

/* Loads and merges inputs.  0 ok, -1 error. */
int profile_load(const char *const *paths, size_t n,
                 const struct profile_opts *o, struct profile *p,
                 struct sf_err *err);

#endif
