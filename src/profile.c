/* profile.c - the pipeline driver: every input, through the input table,
 * into one profile.  Reads top to bottom as a sample travels:
 *
 *   profile_load        each input (input.h: perf.data, folded text)
 *   loader_run_capture  one capture: the session delivers samples in order
 *   on_session_sample   filtered and counted (capstats.h), copied into a job
 *                       (a filtered-out one too, with stitching: shown only)
 *   flush_batch         a full batch goes to the pool (pool.h), whose
 *   run_job             workers unwind and symbolize it (resolve.h, memo.h)
 *   observe_job         in delivery order, truncated stacks completed from
 *                       other samples (stitch.h); the batch waits one batch
 *   consume_job         then, in delivery order: the per-sample hook, the
 *                       stack named and added (naming.h), statistics
 *   name_deferred       samples put aside while a DWARF load ran, named last
 *
 * Batches go through the pool one behind the reader, so the output does
 * not depend on -j.  A large capture may instead be read in two processes
 * (split.h).  Hands a finished struct profile to the writers. */
#include "profile.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "input.h"
#include "loader.h"
#include "session_int.h"
#include "sf_int.h"
#include "warmup.h"

#define BATCH_MAX 256
/* A batch is named once the next one is shown to the stitcher: a sample
 * can wait for BATCH_MAX samples after it (loader.h, STITCH_WAIT). */
_Static_assert(STITCH_WAIT <= BATCH_MAX, "a batch is named one batch later");
#define JOB_PREFETCH_AHEAD 2       /* a worker loads the stack top of the job this far ahead */
#define JOB_PREFETCH_BYTES 1024

/* ---- one batch's mapping sets ---- */

/* Holds m for the batch r belongs to, unless one of its last few sets is m
 * (a batch mostly uses one process's set and the kernel's). */
static void batch_ref(struct maps_refs *r, const struct sess_maps *m)
{
    if (!m)
        return;
    for (size_t i = r->n; i > 0 && i + 4 > r->n; i--)
        if (r->v[i - 1] == m)
            return;
    sess_maps_get(m);
    r->v = xgrow(r->v, sizeof(*r->v), r->n + 1, &r->cap);
    r->v[r->n++] = m;
}

static void batch_unref(struct maps_refs *r)
{
    for (size_t i = 0; i < r->n; i++)
        sess_maps_put(r->v[i]);
    r->n = 0;
}

/* ---- workers ---- */

/* The pool's callback: job i of the dispatched batch, on worker w. */
static void run_job(void *arg, int w, size_t i)
{
    struct loader *L = arg;
    /* The stack top of the job JOB_PREFETCH_AHEAD ahead (the nearer ones
     * were loaded on the way): a worker's first touch of a sample's stack
     * is otherwise a memory stall, the main thread that decoded the record
     * having loaded it into another core's cache. */
    size_t a = i + JOB_PREFETCH_AHEAD;
    const char *st = a < L->nr_work ? (const char *)L->work[a].sample.stack : NULL;
    size_t n = st ? SF_MIN(L->work[a].sample.stack_dyn_size, JOB_PREFETCH_BYTES) : 0;
    for (size_t o = 0; o < n; o += 64)
        __builtin_prefetch(st + o);
    resolve_job(&L->ro, &L->workers[w], &L->work[i]);
}

/* ---- in delivery order (main thread) ---- */

static void add_stack(struct loader *L, const struct job *j, size_t *depth)
{
    struct stack_ctx c = {
        .comm = j->ss.comm, .pid = j->sample.idn.pid, .tid = j->sample.idn.tid,
        .phase = j->startup && unwind_stop_startup(j->stop) ? UNWIND_STARTUP_MARK : NULL,
        .cut = unwind_stop_mark(j->stop), .syscall = j->syscall,
        .event_name = j->ss.event_name,
    };
    struct stack_memo_slot *memo = j->memo ? stack_memo_slot(&L->stack_memo, j->memo) : NULL;
    if (memo && memo->entry) {
        stack_add_to(L->p->stacks, memo->stack_id, 1);
        *depth = memo->depth;
        return;
    }
    uint32_t id = namer_stack(&L->names, &c, j->out, j->nr_frames, depth);
    if (memo) {
        memo->entry = j->memo;
        memo->stack_id = id;
        memo->depth = (uint32_t)*depth;
        L->stack_memo.used++;
    }
}

/* A resolved sample shown to the stitcher (stitch.h), in delivery order,
 * a batch before it is named: its stack may be completed now, from an
 * earlier sample, or until the next batch is resolved, from a later one. */
static void observe_job(struct loader *L, struct job *j)
{
    /* the samples STITCH_WAIT samples back and older wait no more */
    uint64_t g = L->nr_shown++, *at = &L->shown_seq[g % STITCH_WAIT];
    if (g >= STITCH_WAIT)
        stitch_expire(L->stitch, *at);
    *at = stitch_next_seq(L->stitch);
    j->nr_own_uframes = j->nr_uframes;
    if (j->nr_uframes)
        stitch_sample(L->stitch, j->sample.idn.pid, &j->uframes, &j->nr_uframes,
                      &j->uframes_cap, &j->stop);
}

/* A stitched stack is named anew, past the memos (which hold what the
 * sample's own frames make); a deferred sample is named at the end from
 * its frames. */
static void name_stitched(struct loader *L, struct job *j)
{
    size_t n0 = j->nr_own_uframes;
    if (!j->no_stack)
        capstats_stitched(&L->stats, j->binary);
    if (j->deferred)
        return;
    j->nr_frames = 0;
    resolve_frames(&L->ro, &L->stitch_w, j, j->uframes, n0);
    j->stitched_at = j->nr_frames;
    resolve_frames(&L->ro, &L->stitch_w, j, j->uframes + n0, j->nr_uframes - n0);
    j->out = j->frames;
    j->memo = NULL;
}

static int consume_job(struct loader *L, struct job *j, struct sf_err *err)
{
    const struct profile_opts *o = L->o;
    if (j->ss.observe)
        return 0;                 /* the other part's: it was only shown */
    j->stitched_at = SIZE_MAX;
    if (L->stitch && j->nr_uframes > j->nr_own_uframes)
        name_stitched(L, j);
    if (o->on_sample) {
        struct profile_sample ps = {
            .frames = j->out, .nr_frames = j->nr_frames, .stop = j->stop,
            .startup = j->startup && unwind_stop_startup(j->stop),
            .syscall = j->syscall, .stitched_at = j->stitched_at,
        };
        if (o->on_sample(o->on_sample_arg, &j->ss, &ps, err) < 0)
            return -1;
    }
    if (j->no_stack)
        return 0;

    const struct ev_sample *s = &j->sample;
    size_t depth = 0;
    if (j->deferred) {
        L->deferred = xgrow(L->deferred, sizeof(*L->deferred), L->nr_deferred + 1,
                            &L->deferred_cap);
        L->deferred[L->nr_deferred++] = (struct deferred){
            .frames = j->uframes, .nr = j->nr_uframes, .comm = j->ss.comm,
            .event_name = j->ss.event_name, .syscall = j->syscall, .binary = j->binary,
            .pid = s->idn.pid, .tid = s->idn.tid, .stop = j->stop, .startup = j->startup,
        };
        j->uframes = NULL;        /* the list owns them now */
        j->uframes_cap = 0;       /* depth: added when named */
    } else {
        add_stack(L, j, &depth);
    }
    L->p->total++;
    capstats_sample(&L->stats, s->idn.pid, s->idn.tid, j->ss.comm, j->syscall, j->binary,
                    j->suspect, j->stop, j->fp_steps, depth);
    capstats_process(&L->stats, s->idn.pid, s->idn.tid, j->ss.comm, j->ss.maps);
    return 0;
}

/* Names the waiting batch (stitching) in order. */
static int consume_done(struct loader *L, struct sf_err *err)
{
    int rc = 0;
    stitch_expire(L->stitch, L->done_end);
    for (size_t i = 0; i < L->nr_done; i++)
        if (rc == 0 && consume_job(L, &L->done[i], err) < 0)
            rc = -1;
    batch_unref(&L->done_refs);
    L->nr_done = 0;
    return rc;
}

/* The first part of a split capture stops STITCH_WAIT samples past its
 * own: its samples still waiting end one by one as they would with more
 * samples after them, each when the sample STITCH_WAIT after it is shown,
 * not all at once at the end. */
static void expire_as_if_more(struct loader *L)
{
    for (uint64_t g = SF_MAX(L->nr_shown, STITCH_WAIT), e = L->nr_shown + STITCH_WAIT;
         g < e; g++)
        stitch_expire(L->stitch, L->shown_seq[g % STITCH_WAIT]);
}

/* Finishes the dispatched batch and consumes it in order.  With stitching
 * it is shown to the stitcher and waits while the previous one is named;
 * `last`: nothing is shown after it. */
static int consume_work(struct loader *L, int last, struct sf_err *err)
{
    int rc = 0;
    pool_finish(&L->pool);
    if (L->stitch) {
        for (size_t i = 0; i < L->nr_work; i++)
            observe_job(L, &L->work[i]);
        if (last && L->nr_after > STITCH_WAIT)     /* halted: more samples follow */
            expire_as_if_more(L);
        if (!L->nr_work)
            return 0;
        rc = consume_done(L, err);
        struct job *t = L->done;
        L->done = L->work;
        L->work = t;
        L->nr_done = L->nr_work;
        struct maps_refs rt = L->done_refs;
        L->done_refs = L->work_refs;
        L->work_refs = rt;
        L->done_end = stitch_next_seq(L->stitch);
        L->nr_work = 0;
        return rc;
    }
    for (size_t i = 0; i < L->nr_work; i++)
        if (rc == 0 && consume_job(L, &L->work[i], err) < 0)
            rc = -1;
    batch_unref(&L->work_refs);
    L->nr_work = 0;
    return rc;
}

/* Hands the filled batch to the pool and starts a new one.  With worker
 * threads the main thread returns at once and reads on while they unwind;
 * results are taken in order by consume_work. */
static void dispatch_batch(struct loader *L)
{
    struct job *t = L->work;
    L->work = L->jobs;
    L->nr_work = L->nr_jobs;
    L->jobs = t;
    struct maps_refs rt = L->work_refs;
    L->work_refs = L->jobs_refs;
    L->jobs_refs = rt;
    L->nr_jobs = 0;
    pool_dispatch(&L->pool, L->nr_work);
}

/* Batches go through the pool one behind the reader: the previous batch is
 * finished and consumed, the filled one dispatched, and (with worker
 * threads, and no per-sample hook needing RAW now) left to resolve while
 * the session reads and decodes the next.  `last` finishes everything. */
/* The progress line: how far the reader is (a part: up to its cut). */
static void show_progress(struct loader *L)
{
    uint64_t done, total;
    struct pd_file *pd = session_file(L->sess);
    if (!L->progress.on || !pd_progress(pd, &done, &total))
        return;
    uint64_t start = pd_get_info(pd)->data_offset;
    if (L->progress_end > start && L->progress_end - start < total)
        total = L->progress_end - start;
    progress_update(&L->progress, done, total);
}

static int flush_batch(struct loader *L, int last, struct sf_err *err)
{
    show_progress(L);
    int rc = consume_work(L, 0, err);
    dispatch_batch(L);
    if (last || L->pool.nr_threads <= 1 || L->o->on_sample) {
        if (consume_work(L, last, err) < 0)
            rc = -1;
    }
    if (last && L->stitch && consume_done(L, err) < 0)
        rc = -1;
    return rc;
}

/* The session's callback: a sample in delivery order. */
static int on_session_sample(void *arg, const struct sess_sample *ss, struct sf_err *err)
{
    struct loader *L = arg;
    const struct ev_sample *s = ss->sample;
    const char *syscall;
    int no_stack;
    L->stats.recorder_pid = session_recorder_pid(L->sess);
    int kept = capstats_event(&L->stats, ss, session_tracepoints(L->sess), &syscall, &no_stack);
    if (!kept)
        return 0;
    /* The first part of a split capture observes the STITCH_WAIT samples
     * after its own, which may complete its last ones (split.h). */
    if (ss->observe && L->observe_after && L->nr_after++ == STITCH_WAIT) {
        session_halt(L->sess);
        return 0;
    }

    struct job *j = &L->jobs[L->nr_jobs++];
    j->sample = *s;
    size_t dyn = s->stack ? (size_t)SF_MIN(s->stack_dyn_size, s->stack_size) : 0;
    if (dyn && pd_holds(session_file(L->sess), s->stack, dyn)) {
        /* Read in place (mapped input): the bytes stay valid until the
         * session closes, after the last batch; the unwinder then touches
         * only the few cache lines it walks instead of an 8 KiB copy. */
        j->sample.stack = s->stack;
    } else if (dyn) {
        j->stack = xgrow(j->stack, 1, dyn, &j->stack_cap);
        memcpy(j->stack, s->stack, dyn);
        j->sample.stack = j->stack;
    } else {
        j->sample.stack = NULL;
    }
    j->sample.stack_dyn_size = dyn;
    if (s->nr_callchain) {
        j->callchain = xgrow(j->callchain, sizeof(uint64_t), s->nr_callchain,
                             &j->callchain_cap);
        memcpy(j->callchain, s->callchain, s->nr_callchain * sizeof(uint64_t));
        j->sample.callchain = j->callchain;
    }
    /* RAW stays readable only during this callback: drop it. */
    j->sample.raw = NULL;
    j->sample.raw_size = 0;
    j->ss = *ss;
    j->ss.sample = &j->sample;
    j->ss.observe |= kept == 2;   /* filtered out: shown to the stitcher only */
    batch_ref(&L->jobs_refs, ss->maps);
    batch_ref(&L->jobs_refs, ss->kmaps);
    j->syscall = syscall;
    j->no_stack = no_stack;

    /* The script hook prints tracepoint fields, which need RAW: resolve
     * such samples at once, or, when stitching makes them wait for later
     * samples, keep a copy. */
    if (L->o->on_sample && !L->stitch) {
        j->sample.raw = s->raw;
        j->sample.raw_size = s->raw_size;
        return flush_batch(L, 0, err);
    }
    if (L->o->on_sample && s->raw_size && !j->ss.observe) {
        j->raw = xgrow(j->raw, 1, s->raw_size, &j->raw_cap);
        memcpy(j->raw, s->raw, s->raw_size);
        j->sample.raw = j->raw;
        j->sample.raw_size = s->raw_size;
    }
    if (L->nr_jobs == BATCH_MAX)
        return flush_batch(L, 0, err);
    return 0;
}

/* Names the samples put aside by resolve_job, now that the loads they
 * waited for are done (or waits for them here), and adds their stacks and
 * depths.  Everything else about them was counted in order. */
static void name_deferred(struct loader *L, int ok)
{
    for (size_t i = 0; i < L->nr_deferred; i++) {
        struct deferred *d = &L->deferred[i];
        if (ok) {
            struct job j;
            memset(&j, 0, sizeof(j));
            j.ss.comm = d->comm;
            j.ss.event_name = d->event_name;
            j.syscall = d->syscall;
            j.sample.idn.pid = d->pid;
            j.sample.idn.tid = d->tid;
            j.stop = d->stop;
            j.startup = d->startup;
            resolve_frames(&L->ro, &L->workers[0], &j, d->frames, d->nr);
            j.out = j.frames;
            size_t depth = 0;
            add_stack(L, &j, &depth);
            capstats_add_depth(&L->stats, d->binary, depth);
            free(j.frames);
        }
        free(d->frames);
    }
    L->nr_deferred = 0;
}

/* ---- one capture ---- */

static void workers_start(struct loader *L)
{
    const struct profile_opts *o = L->o;
    int jobs = L->nr_threads_wanted > 0 ? L->nr_threads_wanted
               : o->jobs > 0 ? o->jobs : sf_ncpus();
    L->workers = xcalloc((size_t)jobs, sizeof(*L->workers));
    int no_memo = sf_env_flag("SYSFLAME_NO_MEMO");
    for (int i = 0; i < jobs; i++)
        worker_init(&L->workers[i], L->bc, no_memo);
    L->nr_workers = jobs;
    pool_start(&L->pool, jobs, run_job, L);
}

static void workers_stop(struct loader *L)
{
    pool_stop(&L->pool);
    for (int i = 0; i < L->nr_workers; i++)
        worker_release(&L->workers[i]);
    free(L->workers);
    L->workers = NULL;
    L->nr_workers = 0;
}

int loader_in_order_only(const struct loader *L)
{
    const struct profile_opts *o = L->o;
    return o->record_order || o->on_sample != NULL;
}

int loader_capture_hooks(struct loader *L, struct session *s, struct sf_err *err)
{
    const struct profile_opts *o = L->o;
    int rc = 0;
    if (o->on_capture)
        rc = o->on_capture(o->on_capture_arg, s, err);
    if (rc == 0 && o->on_capture_header)
        rc = o->on_capture_header(o->on_capture_arg, pd_get_info(session_file(s)), err);
    return rc;
}

int loader_run_capture(struct loader *L, struct sf_err *err)
{
    const struct profile_opts *o = L->o;
    /* caches key on this capture's pointers */
    namer_begin_capture(&L->names);
    capstats_begin_capture(&L->stats);
    stack_memo_reset(&L->stack_memo);
    workers_start(L);
    int threads = L->pool.nr_threads;
    int in_order = loader_in_order_only(L);
    L->ro = (struct resolve_opts){
        .bc = L->bc, .max_frames = o->max_frames, .no_inline = o->no_inline,
        .with_ids = o->with_pid || o->with_tid,
    };
    L->ro.keep_uframes = !o->no_stitch;
    L->stitch = o->no_stitch ? NULL : stitch_new();
    if (L->stitch && L->mid_capture)
        stitch_partial(L->stitch);
    L->ro.defer_all = !in_order && sf_env_flag("SYSFLAME_DEFER_ALL");
    L->ro.defer_ok = !in_order && (threads > 1 || L->ro.defer_all);
    /* With filters, a DSO in the header's list may have no kept sample:
     * leave its loading to the lazy path rather than load what may not be
     * needed. */
    int filtered = o->comms.n || o->pids.n || o->tids.n || o->events.n || o->syscalls.n;
    struct warmup warm;
    warmup_start(&warm, L->bc, pd_get_info(session_file(L->sess)), &L->pool,
                 threads > 1 && threads <= sf_ncpus(), threads > 1 && !L->part && !filtered);
    if (threads > 1)
        session_allow_threads(L->sess, 1);
    if (!o->on_sample)
        session_no_print(L->sess);  /* only script prints fields */
    L->jobs = xcalloc(BATCH_MAX, sizeof(*L->jobs));
    L->work = xcalloc(BATCH_MAX, sizeof(*L->work));
    L->done = xcalloc(BATCH_MAX, sizeof(*L->done));
    L->nr_done = 0;
    L->done_end = 0;
    L->nr_shown = 0;
    L->nr_after = 0;
    struct sess_ops ops = { .sample = on_session_sample, .arg = L };
    int rc = 0;
    if (o->on_capture_start)
        rc = o->on_capture_start(o->on_capture_arg, L->sess, err);
    if (!L->part || L->progress_end)
        progress_begin(&L->progress, L->path, o->quiet);
    if (rc == 0)
        rc = session_run(L->sess, &ops, err);
    if (rc == 0)
        rc = flush_batch(L, 1, err);
    else
        pool_finish(&L->pool);  /* no worker may still read a job */
    progress_end(&L->progress);
    name_deferred(L, rc == 0);
    if (rc == 0 && !L->part)
        rc = loader_capture_hooks(L, L->sess, err);
    batch_unref(&L->jobs_refs);
    batch_unref(&L->work_refs);
    batch_unref(&L->done_refs);
    free(L->jobs_refs.v);
    free(L->work_refs.v);
    free(L->done_refs.v);
    memset(&L->jobs_refs, 0, sizeof(L->jobs_refs));
    memset(&L->work_refs, 0, sizeof(L->work_refs));
    memset(&L->done_refs, 0, sizeof(L->done_refs));
    L->nr_jobs = L->nr_work = L->nr_done = 0;
    workers_stop(L);
    warmup_join(&warm);
    stitch_free(L->stitch);
    L->stitch = NULL;
    for (size_t i = 0; i < BATCH_MAX; i++) {
        job_release(&L->jobs[i]);
        job_release(&L->work[i]);
        job_release(&L->done[i]);
    }
    free(L->jobs);
    free(L->work);
    free(L->done);
    L->jobs = L->work = L->done = NULL;
    capstats_end_capture(&L->stats);
    return rc;
}

/* ---- the loader and the profile ---- */

void loader_init(struct loader *L, const struct profile_opts *o, struct profile *p,
                 struct binary_cache *bc)
{
    memset(L, 0, sizeof(*L));
    L->o = o;
    L->p = p;
    L->bc = bc;
    L->strings = p->strings_owner;
    L->stats.o = o;
    L->stats.p = p;
    L->stats.strings = p->strings_owner;
    L->stats.bc = bc;
    L->names.strings = p->strings_owner;
    L->names.stacks = p->stacks;
    L->names.frames = &p->frames;
    L->names.addrs = o->addrs;
    L->names.kernel = o->kernel;
    L->names.no_leaf = o->no_leaf;
    L->names.with_pid = o->with_pid;
    L->names.with_tid = o->with_tid;
    L->names.comm_label = o->comm_label;
}

void loader_release(struct loader *L)
{
    capstats_release(&L->stats);
    namer_release(&L->names);
    stack_memo_release(&L->stack_memo);
    free(L->deferred);
    L->deferred = NULL;
}

void loader_merge(struct loader *L, const struct profile *q)
{
    stack_merge(L->p->stacks, q->stacks);
    frame_table_merge(&L->p->frames, L->p->stacks, L->strings, &q->frames, q->stacks);
    L->p->total += q->total;
    capstats_merge(&L->stats, q);
}

void profile_init(struct profile *p)
{
    memset(p, 0, sizeof(*p));
    p->stacks = stack_set_new();
    p->strings_owner = xcalloc(1, sizeof(*p->strings_owner));
}

int profile_load(const char *const *paths, size_t n, const struct profile_opts *o,
                 struct profile *p, struct sf_err *err)
{
    profile_init(p);
    if (o->record_order)
        stack_record_order(p->stacks, 1);
    struct strtab *strings = p->strings_owner;
    struct binary_cache *bc = binary_cache_new(&o->bin);
    struct loader L;
    loader_init(&L, o, p, bc);
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++)
        rc = input_load(&L, paths[i], err);
    if (rc == 0 && p->before && n > 1)
        rc = sf_error(err, "a two-column (differential) folded file is read alone, not "
                      "summed with other inputs");

    size_t nm = binary_cache_nr_missing(bc);
    if (nm) {
        p->missing = xcalloc(nm, sizeof(*p->missing));
        for (size_t i = 0; i < nm; i++) {
            const struct binary_missing *m = binary_cache_missing(bc, i);
            p->missing[i] = *m;
            p->missing[i].recorded_path = strtab_intern(strings, m->recorded_path);
            p->missing[i].reason = strtab_intern(strings, m->reason);
        }
        p->nr_missing = nm;
    }
    if (o->bin.nr_binaries) {
        p->bin_used = xcalloc(o->bin.nr_binaries, sizeof(*p->bin_used));
        for (size_t i = 0; i < o->bin.nr_binaries; i++) {
            const struct binary_use *u = binary_cache_use(bc, i);
            struct binary_used *d = &p->bin_used[p->nr_bin_used++];
            d->path = strtab_intern(strings, o->bin.binaries[i]);
            d->how = u ? (int)u->how : BINARY_UNCLAIMED;
            d->recorded_path = u && u->recorded_path ? strtab_intern(strings, u->recorded_path)
                                                     : NULL;
            d->also_fits = u && u->also_fits ? strtab_intern(strings, u->also_fits) : NULL;
        }
    }
    p->overall.binary = "all";
    binary_cache_free(bc);
    loader_release(&L);
    capstats_sort(p);
    return rc;
}
