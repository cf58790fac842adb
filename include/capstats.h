/* capstats.h - capture statistics: the per-thread, per-syscall, per-event
 * and per-binary unwind counts of a profile, the pairing of syscall enter
 * and exit events (exits, errors, latencies), the sample filters, and the
 * per-input facts.  Runs on the main thread, in delivery order.
 *
 * Ownership: the counts are written into the caller's struct profile
 * (names interned in its strtab); a capstats owns only its lookup tables
 * (capstats_release). */
#ifndef CAPSTATS_H
#define CAPSTATS_H

#include <stddef.h>
#include <stdint.h>

#include "profile.h"
#include "session.h"
#include "strtab.h"

struct capstats {
    /* set by the caller */
    const struct profile_opts *o; /* the filters */
    struct profile *p;
    struct strtab *strings;
    int saw_exit;                 /* a syscall exit sample was met */
    struct binary_cache *bc;      /* to tell Go executables (processes) */
    uint32_t *pid_slots;          /* pid -> process_stat index + 1 */
    size_t npid_slots, processes_cap;
    const char **exe_seen;        /* per process_stat: the session's filename
                                     pointer of its executable (per capture) */
    size_t exe_seen_cap;
    uint32_t recorder_pid;        /* the recording perf's pid (session_recorder_pid),
                                     whose samples are left out; 0 none */
    /* the tables' own */
    struct ptr_slot *cache;       /* ptrcache.h; per capture */
    uint32_t *tid_slots;          /* tid -> thread_stat index + 1 */
    size_t ntid_slots;
    const char **comm_seen;       /* per thread_stat: last session comm
                                     pointer compared (per capture) */
    size_t comm_seen_cap;
    size_t threads_cap, syscalls_cap, per_binary_cap, events_cap;
    struct pending { uint32_t tid; int used; const char *syscall; uint64_t time; } *pend;
    size_t npend;                 /* enter/exit pairing: tid -> pending enter */
    struct event_facts *facts;    /* per capture, found through cache */
    size_t nr_facts, facts_cap;
    /* the filtered dimensions' values met (profile.seen), deduplicated;
     * the last comm/event/syscall pointer (per capture) and pid/tid added */
    struct strtab seen_tab[FILTER_NR];
    const void *seen_last[FILTER_NR];
    uint64_t seen_last_id[FILTER_NR];
};

/* A new capture: forgets what keyed on the previous one's pointers. */
void capstats_begin_capture(struct capstats *cs);
/* The capture is done: pending enters are dropped. */
void capstats_end_capture(struct capstats *cs);
void capstats_release(struct capstats *cs);

/* A sample as the session delivers it: filters it, counts its event and
 * pairs an exit with its enter (tps: the capture's tracepoints).  Returns
 * 0 when its stack goes no further (filtered out, or an exit sample whose
 * stack is not shown), 1 otherwise, with *syscall the leaf syscall (or
 * NULL) and *no_stack set when only the per-sample hook sees it.  An
 * observe-only sample (sess_sample.observe, split.h) is filtered alike and
 * counted nowhere.  With stitching on, a sample of a process kept by
 * --comm and --pid that --tid, --event or --syscall drop returns 2
 * instead of 0, counted nowhere: to be shown to the stitcher only (the
 * run without those filters shows it; doc/stitching.md, "Filters"). */
int capstats_event(struct capstats *cs, const struct sess_sample *ss,
                   const struct tp_set *tps, const char **syscall, int *no_stack);

/* Counts a sample whose stack was kept: its thread, syscall and unwind
 * outcome (overall and for its binary). */
void capstats_sample(struct capstats *cs, uint32_t pid, uint32_t tid, const char *comm,
                     const char *syscall, const char *binary, const char *suspect,
                     enum unwind_stop stop, unsigned fp_steps, size_t depth);
/* Counts a kept sample for its process (pid), classified by the mappings
 * of its first sample and again after an exec (process_stat.kind), and
 * notes the kind on the thread's row (after capstats_sample). */
void capstats_process(struct capstats *cs, uint32_t pid, uint32_t tid, const char *comm,
                      const struct sess_maps *maps);
/* Adds depth to a sample counted earlier without it (a deferred one). */
void capstats_add_depth(struct capstats *cs, const char *binary, size_t depth);
/* One sample of binary's whose stack was stitched (stitch.h). */
void capstats_stitched(struct capstats *cs, const char *binary);

/* Adds another profile's statistics (a part of the same capture), in its
 * own first-seen orders: threads, syscalls with their pairing facts,
 * events, unwind counts.  Not its stacks. */
void capstats_merge(struct capstats *cs, const struct profile *q);

/* An input's facts from its session's counters (added, for a split one),
 * and the input finished (duration, lost: once per capture). */
void capstats_input_add(struct profile *p, struct input_info *in, const struct sess_stats *st);
void capstats_input_finish(struct profile *p, struct input_info *in);

/* The tables in their final orders (syscalls and events by count, threads
 * by samples). */
void capstats_sort(struct profile *p);

/* The counters of a struct unwind_stat, by index (for adding and sending
 * them): UNWIND_STAT_NR_COUNTERS of them. */
#define UNWIND_STAT_NR_COUNTERS (10 + UNWIND_STOP_NR)
uint64_t *unwind_stat_counter(struct unwind_stat *u, size_t i);

#endif
