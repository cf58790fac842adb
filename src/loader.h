/* loader.h - (driver-internal) the state of one profile_load: what the
 * driver (profile.c), its inputs (input*.c) and the split (split.c) share.
 * Each job has its own module and state; the loader only composes them:
 *
 *   input table (input.h) -> session -> batch of jobs -> pool (pool.h) of
 *   workers: resolve (resolve.h, memo.h) -> in delivery order: capture
 *   statistics (capstats.h), frame naming (naming.h) -> profile
 *
 * Ownership: the loader writes into the caller's profile (p) and owns its
 * scratch (loader_release); the binary cache is profile_load's. */
#ifndef LOADER_H
#define LOADER_H

#include <stddef.h>
#include <stdint.h>

#include "capstats.h"
#include "memo.h"
#include "naming.h"
#include "pool.h"
#include "progress.h"
#include "profile.h"
#include "resolve.h"
#include "session.h"
#include "stitch.h"
#include "strtab.h"

/* A truncated sample waits for the STITCH_WAIT samples after it (stitch.h):
 * a distance, not a batch boundary, so that the wait is the same whatever
 * the batches, in either part of a split capture (split.h) too. */
#define STITCH_WAIT 256

struct loader {
    const struct profile_opts *o;
    struct profile *p;
    struct session *sess;         /* the capture being read */
    struct binary_cache *bc;
    struct strtab *strings;       /* p's */
    const char *path;
    int nr_threads_wanted;        /* threads for this loader; 0: from the options */
    int part;                     /* reads one part of a split capture */
    uint64_t progress_end;        /* a part: where its reading ends (the cut);
                                     parts without it show no progress */
    struct progress progress;

    /* Read by the workers for every job; the main thread changes them
     * once per batch. */
    struct resolve_opts ro;
    struct job *work;             /* the batch handed to the pool */
    size_t nr_work;
    /* With stitching, a resolved batch waits here for the next one to be
     * resolved (a later sample may complete its truncated stacks) before
     * it is named; done_end: the stitcher's sequence number after it. */
    struct job *done;
    size_t nr_done;
    uint64_t done_end;
    uint64_t shown_seq[STITCH_WAIT];      /* the stitcher's sequence number at each
                                     of the last STITCH_WAIT samples shown */
    uint64_t nr_shown;            /* samples shown to the stitcher */
    int observe_after;            /* the first part of a split capture:
                                     observes STITCH_WAIT samples past its end */
    int mid_capture;              /* the second part: starts mid-capture
                                     (stitch_partial) */
    uint64_t nr_after;            /* ... observed so far */
    struct worker *workers;
    int nr_workers;

    struct pool pool;             /* its shared words on lines of their own */

    /* The main thread's own from here on. */
    struct job *jobs;             /* the batch being filled */
    size_t nr_jobs;
    /* The mapping sets a batch's jobs use, one reference each for the
     * whole batch (a reference per job was an atomic pair per sample). */
    struct maps_refs { const struct sess_maps **v; size_t n, cap; } jobs_refs, work_refs,
        done_refs;
    struct capstats stats;
    struct namer names;
    struct stack_memo stack_memo;
    struct stitch *stitch;        /* this capture's donors; NULL: --no-stitch */
    struct worker stitch_w;       /* names stitched frames (its sym only) */
    /* Samples whose naming would wait for a DWARF load under way: named
     * at the end of the capture (not with per-sample hooks or record order,
     * which need names in order). */
    struct deferred {
        struct unwind_frame *frames;
        size_t nr;
        const char *comm, *event_name, *syscall, *binary;
        uint32_t pid, tid;
        enum unwind_stop stop;
        int startup;
    } *deferred;
    size_t nr_deferred, deferred_cap;
};

/* A loader writing into p (its strings), with the binary cache bc. */
void loader_init(struct loader *L, const struct profile_opts *o, struct profile *p,
                 struct binary_cache *bc);
/* Frees the loader's scratch (not its profile, cache or session). */
void loader_release(struct loader *L);

/* Runs the open session L->sess through the pipeline into L->p, then the
 * capture hooks (not for a part).  0 ok, -1 error. */
int loader_run_capture(struct loader *L, struct sf_err *err);
/* The per-capture hooks once a capture is read, with the session that has
 * its header (for a split one, the first part's). */
int loader_capture_hooks(struct loader *L, struct session *s, struct sf_err *err);
/* Whether every sample must go through one loader in order (hooks that
 * see samples or the whole session, record order): no split. */
int loader_in_order_only(const struct loader *L);

/* Adds another profile of the same capture (a part): stacks, totals,
 * statistics, in its own first-seen orders. */
void loader_merge(struct loader *L, const struct profile *q);

/* An empty profile with its own string table. */
void profile_init(struct profile *p);

#endif
