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
#include "perfdata.h"


/* A sample after unwinding and symbolization, innermost frame first. */
struct profile_sample {
    const struct frame_out *frames;
    size_t nr_frames;
    enum unwind_stop stop;
    const char *syscall;         /* "write" for sys_enter_write, else NULL */
};

struct profile_opts {
    struct binary_opts bin;
    /* filters (empty = keep all); values may be comma lists, split already */
    struct strlist comms, events, syscalls;
    struct strlist pids, tids;   /* decimal strings */
    int no_inline;
    int jobs;                    /* 0 = number of CPUs */
    int with_pid, with_tid;      /* frame 0 = comm-pid / comm-pid/tid */
    int addrs;                   /* frame names carry "+0xoff" / unknown as address */
    int kernel;                  /* include kernel frames (suffix _[k]) */
    int no_leaf;                 /* no syscall/event leaf frame */
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

/* Per-syscall facts that need the raw capture (enter/exit pairing). */
struct syscall_stat {
    const char *name;            /* "write" (interned in the profile) */
    uint64_t count;              /* sys_enter samples */
    uint64_t exits;              /* paired exits */
    uint64_t errors;             /* exits with ret < 0 */
    uint64_t lat_total_ns, lat_max_ns;
    uint64_t *lat_ns;            /* paired latencies (for percentiles) */
    size_t nr_lat, cap_lat;
};

struct thread_stat { uint32_t pid, tid; const char *comm; uint64_t samples; };

struct unwind_stat {             /* per binary (path) and overall */
    const char *binary;
    uint64_t samples, to_root, truncated, unknown_pc, no_binary, other_stop;
    uint64_t fp_fallback_samples, depth_sum;
    uint64_t suspect_samples;    /* unwound through this binary's tables to a
                                    return address that follows no call
                                    (unwind_result.suspect_map) */
    uint64_t stops[UNWIND_STOP_NR];
};

struct input_info {
    const char *path;
    int is_folded;
    uint64_t samples, lost_events, lost_samples;
    double duration_s;
    uint64_t first_time, last_time;
};

struct strtab;

struct event_stat { const char *name; uint64_t count; };

struct profile {
    struct stack_set *stacks;
    uint64_t total;              /* samples kept (after filters) */
    uint64_t lost;               /* lost events + lost samples over inputs */
    double duration_s;           /* sum over perf.data inputs */
    int has_capture;             /* at least one perf.data input */
    struct input_info *inputs; size_t nr_inputs;
    struct syscall_stat *syscalls; size_t nr_syscalls;   /* by count desc */
    struct thread_stat *threads; size_t nr_threads;
    struct event_stat *events; size_t nr_events;        /* by count desc */
    struct unwind_stat overall;
    struct unwind_stat *per_binary; size_t nr_per_binary;
    struct binary_missing *missing; size_t nr_missing;   /* copied */
    struct strtab *strings_owner;/* storage for the names above */
};

/* Whether u's binary is probably not the one recorded: its unwind tables
 * led to return addresses that follow no call instruction in at least 10
 * samples and 5 % of all (unwind_result.suspect_map). */
int profile_suspect_binary(const struct profile *p, const struct unwind_stat *u);

/* Loads and merges inputs.  0 ok, -1 error. */
int profile_load(const char *const *paths, size_t n,
                 const struct profile_opts *o, struct profile *p,
                 struct sf_err *err);
void profile_release(struct profile *p);

#endif
