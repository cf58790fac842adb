/* resolve.c - unwinding and symbolizing one queued sample (see resolve.h). */
#include "resolve.h"

#include <stdlib.h>
#include <string.h>

#include "callchain.h"
#include "sf.h"

#define DEFAULT_MAX_FRAMES 1024

static void job_push(struct job *j, const struct frame_out *f)
{
    j->frames = xgrow(j->frames, sizeof(*j->frames), j->nr_frames + 1, &j->frames_cap);
    j->frames[j->nr_frames++] = *f;
}

/* The recorded path of the first user frame a stack shows (kernel frames
 * and elided wrappers are not shown): the binary a sample counts under. */
static const char *shown_binary(const struct unwind_frame *frames, size_t nr)
{
    for (size_t i = 0; i < nr; i++)
        if (!frames[i].kernel && !frames[i].elide && frames[i].map)
            return frames[i].map->filename;
    return NULL;
}

/* Names the unwound frames into j->frames. */
void resolve_frames(const struct resolve_opts *o, struct worker *w, struct job *j,
                    const struct unwind_frame *frames, size_t nr)
{
    for (size_t i = 0; i < nr; i++) {
        const struct unwind_frame *uf = &frames[i];
        struct frame_out f = { 0 };
        f.kernel = uf->kernel;
        if (uf->kernel) {
            f.addr = uf->pc;
            f.dso = "[kernel.kallsyms]";
            uint64_t off = 0;
            const char *name = binary_kernel_symbol(o->bc, uf->pc, &off);
            if (name) {
                f.name = name;
                f.offset = off;
                f.has_offset = 1;
            }
            job_push(j, &f);
            continue;
        }
        /* An elided wrapper's own frame goes, the calls the compiler
         * inlined into it stay (runtime.Callers shows T.String inlined
         * into the wrapper (*T).String). */
        if (uf->elide && (o->no_inline || !uf->bin))
            continue;
        if (callchain_is_gap(uf)) {
            f.gap = 1;
            f.name = callchain_gap_name;
            f.dso = "[unknown]";
            job_push(j, &f);
            continue;
        }
        f.fp = uf->how == UNWIND_HOW_FP;
        if (uf->map)
            f.dso = uf->map->filename;
        /* perf prints user addresses relative to their mapping's file
         * offset (map__map_ip), whatever the ELF's load address. */
        f.addr = uf->map ? uf->pc - uf->map->start + uf->map->pgoff : uf->pc;
        /* Caller frames are shown at the call instruction (return address
         * - 1), as perf shows them. */
        uint64_t at = uf->vaddr;
        if (uf->is_return && uf->how != UNWIND_HOW_IP && f.addr) {
            f.addr--;
            at--;
        }
        if (!uf->bin) {
            /* The unwinder counts the sample for the missing binary. */
            job_push(j, &f);
            continue;
        }
        f.bin = uf->bin;
        /* The sampled ip itself is looked up as is, as perf does: for a
         * syscall tracepoint it is the instruction after SYSCALL, still in
         * the same function and inline chain. */
        int n = symbolize(uf->bin, uf->vaddr, uf->how == UNWIND_HOW_IP ? 0 : uf->is_return,
                          o->no_inline,
                          w->sym, RESOLVE_MAX_SYM_FRAMES);
        int shown = n;
        if (uf->elide && n > 0 && !w->sym[n - 1].inlined)
            shown--;          /* the wrapper itself, the outermost */
        if (shown <= 0) {
            if (!uf->elide)
                job_push(j, &f);
            continue;
        }
        for (int k = 0; k < shown; k++) {
            const struct sym_frame *sf = &w->sym[k];
            struct frame_out g = f;
            g.name = sf->name;
            g.inlined = sf->inlined;
            g.file = sf->file;
            g.line = sf->line;
            g.inline_depth = n - 1 - k;
            if (sf->name) {
                g.has_offset = 1;
                g.offset = at - sf->sym_start;
            }
            job_push(j, &g);
        }
    }
}

static void keep_uframes(struct job *j, const struct unwind_result *ur)
{
    j->uframes = xgrow(j->uframes, sizeof(*j->uframes), ur->nr ? ur->nr : 1, &j->uframes_cap);
    memcpy(j->uframes, ur->frames, ur->nr * sizeof(*j->uframes));
    j->nr_uframes = ur->nr;
}

/* Whether naming these frames would wait for a DWARF load another thread
 * has under way (the warm-up thread's, at the start of a capture). */
static int waits_for_dwarf(const struct unwind_result *ur)
{
    for (size_t i = 0; i < ur->nr; i++)
        if (!ur->frames[i].kernel && ur->frames[i].bin && symbolize_busy(ur->frames[i].bin))
            return 1;
    return 0;
}

/* A job's buffers grow to the deepest stack its slot has held, and the
 * driver keeps three batches of slots in flight: over a system-wide
 * capture (C++ compilers, deep Go stacks) every slot ended up at 256-512
 * frames (14.7 MB of frames on a 5.3 GB capture).  Buffers grown past
 * what most stacks need are given back when the slot is reused. */
#define JOB_KEEP_FRAMES 64

static void job_trim(struct job *j)
{
    if (j->frames_cap > JOB_KEEP_FRAMES) {
        free(j->frames);
        j->frames = NULL;
        j->frames_cap = 0;
    }
    if (j->uframes_cap > JOB_KEEP_FRAMES) {
        free(j->uframes);
        j->uframes = NULL;
        j->uframes_cap = 0;
    }
}

void resolve_job(const struct resolve_opts *o, struct worker *w, struct job *j)
{
    size_t max_frames = o->max_frames ? o->max_frames : DEFAULT_MAX_FRAMES;

    job_trim(j);                  /* nothing points into them any more */

    j->nr_frames = 0;
    j->binary = NULL;
    j->memo = NULL;
    j->out = NULL;
    j->deferred = 0;
    unwind_sample(w->uw, &j->ss, &w->ur, max_frames);
    j->stop = w->ur.stop;
    j->startup = 0;
    for (size_t i = 0; j->ss.first_thread && i < w->ur.nr && !j->startup; i++)
        j->startup = w->ur.frames[i].bin && binary_gosym(w->ur.frames[i].bin);
    j->fp_steps = w->ur.fp_steps;
    j->suspect = w->ur.suspect_map ? w->ur.suspect_map->filename : NULL;
    j->nr_uframes = 0;
    if (o->keep_uframes)
        keep_uframes(j, &w->ur);
    if (j->ss.observe)
        return;                   /* shown to the stitcher, never named */
    /* The sample's context: what frame 0 and the leaf are named after. */
    struct memo_key ctx = {
        .pc = o->with_ids ? ((uint64_t)j->sample.idn.pid << 32) | j->sample.idn.tid : 0,
        .map = (const void *)j->ss.comm,
        .flags = (uint64_t)(uintptr_t)(j->syscall ? j->syscall : j->ss.event_name) ^
                 (j->stop == UNWIND_STOP_TRUNCATED) ^ (uint64_t)(j->stop == UNWIND_STOP_UNPROVEN) << 63 ^
                 (uint64_t)j->startup << 62,
    };
    uint64_t key_hash;
    size_t nr_key = memo_make_key(&w->memo, &ctx, &w->ur, &key_hash);
    const struct memo_entry *hit = memo_find(&w->memo, nr_key, key_hash);
    if (hit) {
        j->out = hit->frames;     /* entries live until the capture ends */
        j->nr_frames = hit->nr_frames;
        j->binary = hit->binary;
        j->memo = hit;
        return;
    }
    j->binary = shown_binary(w->ur.frames, w->ur.nr);
    if (o->defer_ok && !j->no_stack && (o->defer_all || waits_for_dwarf(&w->ur))) {
        /* Named after the last sample instead: the stack set's counts do
         * not depend on the order stacks arrive in. */
        j->deferred = 1;
        if (!o->keep_uframes)
            keep_uframes(j, &w->ur);
        return;
    }
    resolve_frames(o, w, j, w->ur.frames, w->ur.nr);
    j->memo = memo_insert(&w->memo, nr_key, key_hash, j->frames, j->nr_frames, j->binary);
    j->out = j->frames;
}

void worker_init(struct worker *w, struct binary_cache *bc, int no_memo)
{
    memset(w, 0, sizeof(*w));
    w->uw = unwind_ctx_new(bc);
    w->memo.off = no_memo;
}

void worker_release(struct worker *w)
{
    memo_release(&w->memo);
    unwind_result_release(&w->ur);
    unwind_ctx_free(w->uw);
    memset(w, 0, sizeof(*w));
}

void job_release(struct job *j)
{
    free(j->stack);
    free(j->callchain);
    free(j->frames);
    free(j->uframes);
    free(j->raw);
    memset(j, 0, sizeof(*j));
}
