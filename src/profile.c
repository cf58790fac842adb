/* profile.c - the pipeline driver: session -> unwinder -> symbolizer ->
 * stack set, for every input.  Samples are copied into batches that worker
 * threads unwind and symbolize in parallel; results are then consumed in
 * delivery order, so the output does not depend on -j.  Hands a finished
 * struct profile to the writers. */
#include "profile.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fold.h"
#include "symbolize.h"
#include "tracepoint.h"

#define BATCH_MAX 256
#define DEFAULT_MAX_FRAMES 1024
#define MAX_SYM_FRAMES 64
#define JOB_PREFETCH_AHEAD 2       /* a worker loads the stack top of the job this far ahead */
#define JOB_PREFETCH_BYTES 1024

/* ---- interned strings owned by the profile ---- */

struct strtab {
    char **v;
    size_t n, cap;
    uint32_t *slots;          /* open addressing, index+1, 0 = empty */
    size_t nslots;
};

static void strtab_release(struct strtab *t)
{
    for (size_t i = 0; i < t->n; i++)
        free(t->v[i]);
    free(t->v);
    free(t->slots);
    memset(t, 0, sizeof(*t));
}

static const char *strtab_intern(struct strtab *t, const char *s)
{
    if (t->n * 2 >= t->nslots) {
        size_t ns = t->nslots ? t->nslots * 2 : 256;
        uint32_t *slots = xcalloc(ns, sizeof(*slots));
        for (size_t i = 0; i < t->n; i++) {
            uint64_t h = sf_hash(t->v[i], strlen(t->v[i]));
            size_t j = h & (ns - 1);
            while (slots[j])
                j = (j + 1) & (ns - 1);
            slots[j] = (uint32_t)i + 1;
        }
        free(t->slots);
        t->slots = slots;
        t->nslots = ns;
    }
    uint64_t h = sf_hash(s, strlen(s));
    size_t j = h & (t->nslots - 1);
    while (t->slots[j]) {
        const char *c = t->v[t->slots[j] - 1];
        if (!strcmp(c, s))
            return c;
        j = (j + 1) & (t->nslots - 1);
    }
    t->v = xgrow(t->v, sizeof(*t->v), t->n + 1, &t->cap);
    t->v[t->n] = xstrdup(s);
    t->slots[j] = (uint32_t)t->n + 1;
    return t->v[t->n++];
}

/* ---- one queued sample and what workers make of it ---- */

struct job {
    struct ev_sample sample;      /* copy; pointers redirected below */
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
    unsigned fp_steps;
    const char *binary;           /* recorded path of the sampled ip's map */
    const char *suspect;          /* recorded path of unwind_result.suspect_map */
    const struct memo_entry *memo;/* the worker's memo entry for this stack */
    int deferred;                 /* named after the last sample (uframes) */
    struct unwind_frame *uframes;
    size_t nr_uframes, uframes_cap;
};

/* ---- stack memo ----
 *
 * Most samples repeat a stack seen before: same comm, same leaf, same
 * return addresses in the same mappings.  Each worker keeps what
 * resolve_job made of such an unwound stack (the symbolized frames), keyed
 * by everything resolution depends on; the main thread keeps, per worker
 * entry, the stack id it interned.  A repeat then costs the unwind and a
 * key comparison instead of a symbolizer lookup per frame and a name
 * lookup per frame.  Entries live for one capture (their pointers are the
 * capture's); a full memo stops inserting and samples take the long way.
 * SYSFLAME_NO_MEMO=1 turns it off: tests check that outputs do not change. */
struct memo_key {                 /* one unwound frame */
    uint64_t pc;
    const struct sess_map *map;
    uint64_t flags;
};

struct memo_entry {
    uint64_t hash;
    uint32_t nr_key, nr_frames;
    struct memo_key *key;         /* nr_key; key[0] is the sample context */
    struct frame_out *frames;
    const char *binary;
};

#define MEMO_SLOTS 8192           /* per worker; power of two */
#define MEMO_MAX_BYTES (4u << 20) /* per worker */

struct memo {
    struct memo_entry *slots;
    size_t used, bytes;
    int off;                      /* SYSFLAME_NO_MEMO set (tests compare) */
    struct memo_key *scratch;
    size_t scratch_cap;
};

/* Main thread: worker memo entry -> interned stack. */
struct stack_memo_slot {
    const struct memo_entry *entry;
    uint32_t stack_id;
    uint32_t depth;
};
#define STACK_MEMO_SLOTS 16384

struct worker {
    struct unwind_ctx *uw;
    struct unwind_result ur;
    struct sym_frame sym[MAX_SYM_FRAMES];
    struct memo memo;
    int spin_budget;              /* see spin_wait */
};

struct loader {
    const struct profile_opts *o;
    struct profile *p;
    struct session *sess;
    struct binary_cache *bc;
    struct strtab *strings;
    const char *path;

    /* Read by the workers for every job; the main thread changes them
     * once per batch. */
    struct job *work;             /* the batch handed to the pool */
    size_t nr_work;
    int work_shared;              /* worker threads were woken for it */
    struct worker *workers;
    int nr_workers;
    int nr_threads_wanted;        /* threads for this loader; 0: from the options */
    int saw_exit;                 /* a syscall exit sample was met */
    int part;                     /* reads one part of a split capture */
    int solo;                     /* the workers wait: another process has the
                                     other CPU (the first part of a split) */
    pthread_t *threads;

    /* The thread pool's shared words, written by every thread (claims,
     * batch ends) and polled while spinning: on cache lines of their own,
     * apart from what the main thread writes per sample and what workers
     * read per job (sharing a line made every claim a miss for the other
     * thread). */
    char pool_lines_start[64];
    size_t next_job;              /* next unclaimed index in work (atomic) */
    int generation, active, stopping;
    /* Whether waits between batches spin a little before sleeping: a
     * sleeping thread takes tens of µs to wake here, a batch a few hundred
     * to fill.  Only with a CPU per thread and once the warm-up thread,
     * which needs a CPU, is done (written by it, read by all: atomic). */
    int spin;
    pthread_mutex_t mu;
    pthread_cond_t cv_work, cv_done;
    char pool_lines_end[64];

    /* The main thread's own from here on. */
    struct job *jobs;             /* the batch being filled */
    size_t nr_jobs;
    /* The mapping sets a batch's jobs use, one reference each for the
     * whole batch (a reference per job was an atomic pair per sample). */
    struct maps_refs { const struct sess_maps **v; size_t n, cap; } jobs_refs, work_refs;

    /* enter/exit pairing: tid -> pending enter */
    struct pending { uint32_t tid; int used; const char *syscall; uint64_t time; } *pend;
    size_t npend;

    /* tid -> thread_stat index */
    uint32_t *tid_slots;
    const char **comm_seen;       /* per thread_stat: last session comm
                                     pointer compared (per capture) */
    size_t comm_seen_cap;
    size_t ntid_slots;
    size_t threads_cap;
    size_t syscalls_cap, per_binary_cap, events_cap;

    uint32_t *ids;                /* scratch: stack_set name ids, root first */
    size_t ids_cap;
    struct name_slot *name_cache; /* FRAME_CACHE slots, reset per capture */
    struct stack_memo_slot *stack_memo; /* STACK_MEMO_SLOTS, per capture */
    /* Samples whose naming would wait for a DWARF load under way: named
     * at the end of the capture (not with per-sample hooks or record order,
     * which need names in order). */
    int defer_ok, defer_all;
    struct deferred {
        struct unwind_frame *frames;
        size_t nr;
        const char *comm, *event_name, *syscall, *binary;
        uint32_t pid, tid;
        enum unwind_stop stop;
    } *deferred;
    size_t nr_deferred, deferred_cap;
    struct event_facts *facts;    /* per capture, found through name_cache */
    size_t nr_facts, facts_cap;
    size_t stack_memo_used;
    struct sbuf tmp;
    struct sbuf clean;            /* clean_name's own buffer */
};

/* Folded names by identity of what makes them: a frame's name is a pure
 * function of (symbol name, dso, kernel, inlined) pointers and flags
 * without --addrs, and those pointers (pclntab, ELF string tables, the
 * session's interned paths) are stable for one capture.  A hit skips
 * building, tidying and hashing the name twice (strtab and stack_set). */
#define FRAME_CACHE 4096

struct name_slot {
    const void *a, *b;
    uint32_t tag;                 /* 0 = empty */
    uint32_t id;
};

/* ---- frame resolution (worker side) ---- */

static void job_push(struct job *j, const struct frame_out *f)
{
    j->frames = xgrow(j->frames, sizeof(*j->frames), j->nr_frames + 1, &j->frames_cap);
    j->frames[j->nr_frames++] = *f;
}

static uint64_t memo_hash(const struct memo_key *k, size_t n)
{
    uint64_t h = 0x9e3779b97f4a7c15ULL ^ n;
    for (size_t i = 0; i < n; i++) {
        h = (h ^ k[i].pc) * 0xff51afd7ed558ccdULL;
        h = (h ^ (uint64_t)(uintptr_t)k[i].map ^ (k[i].flags << 48)) * 0xc4ceb9fe1a85ec53ULL;
        h ^= h >> 31;
    }
    return h | 1;                 /* 0 marks an empty slot */
}

/* The key of j's unwound stack in w->memo.scratch: the sample's context
 * (what frame 0 and the leaf are named after), then every frame with what
 * resolve_job reads of it.  Returns the number of key entries. */
static size_t memo_make_key(struct loader *L, struct worker *w, struct job *j, uint64_t *hash)
{
    const struct profile_opts *o = L->o;
    struct memo *m = &w->memo;
    size_t n = w->ur.nr + 1;
    m->scratch = xgrow(m->scratch, sizeof(*m->scratch), n, &m->scratch_cap);
    uint64_t ids = 0;
    if (o->with_pid || o->with_tid)
        ids = ((uint64_t)j->sample.idn.pid << 32) | j->sample.idn.tid;
    m->scratch[0] = (struct memo_key){
        .pc = ids,
        .map = (const void *)j->ss.comm,
        .flags = (uint64_t)(uintptr_t)(j->syscall ? j->syscall : j->ss.event_name) ^
                 (j->stop == UNWIND_STOP_TRUNCATED),
    };
    uint64_t h = memo_hash(m->scratch, 1) ^ n;
    for (size_t i = 0; i < w->ur.nr; i++) {
        const struct unwind_frame *uf = &w->ur.frames[i];
        uint64_t flags = (uint64_t)(uf->kernel != 0) | (uint64_t)(uf->elide != 0) << 1 |
                         (uint64_t)(uf->is_return != 0) << 2 |
                         (uint64_t)(uf->how == UNWIND_HOW_IP) << 3;
        m->scratch[i + 1] = (struct memo_key){ .pc = uf->pc, .map = uf->map, .flags = flags };
        /* pc and flags identify a frame within a sample's mappings; the
         * key comparison on a hit checks the mapping too */
        h = (h ^ uf->pc ^ flags << 60) * 0xff51afd7ed558ccdULL;
        h ^= h >> 32;
    }
    *hash = h | 1;                /* 0 marks an empty slot */
    return n;
}

static const struct memo_entry *memo_find(const struct memo *m, const struct memo_key *k,
                                          size_t n, uint64_t h)
{
    if (!m->slots)
        return NULL;
    for (size_t i = h & (MEMO_SLOTS - 1);; i = (i + 1) & (MEMO_SLOTS - 1)) {
        const struct memo_entry *e = &m->slots[i];
        if (!e->hash)
            return NULL;
        if (e->hash == h && e->nr_key == n && memcmp(e->key, k, n * sizeof(*k)) == 0)
            return e;
    }
}

static const struct memo_entry *memo_insert(struct memo *m, size_t n, uint64_t h,
                                            const struct job *j)
{
    size_t bytes = n * sizeof(struct memo_key) + j->nr_frames * sizeof(struct frame_out);
    if (m->off || m->used * 4 >= MEMO_SLOTS * 3 || m->bytes + bytes > MEMO_MAX_BYTES)
        return NULL;
    if (!m->slots)
        m->slots = xzalloc_written(MEMO_SLOTS, sizeof(*m->slots));
    size_t i = h & (MEMO_SLOTS - 1);
    while (m->slots[i].hash)
        i = (i + 1) & (MEMO_SLOTS - 1);
    struct memo_entry *e = &m->slots[i];
    e->hash = h;
    e->nr_key = (uint32_t)n;
    e->key = xmalloc(n * sizeof(*e->key));
    memcpy(e->key, m->scratch, n * sizeof(*e->key));
    e->nr_frames = (uint32_t)j->nr_frames;
    e->frames = xmalloc((j->nr_frames ? j->nr_frames : 1) * sizeof(*e->frames));
    if (j->nr_frames)
        memcpy(e->frames, j->frames, j->nr_frames * sizeof(*e->frames));
    e->binary = j->binary;
    m->used++;
    m->bytes += bytes;
    return e;
}

static void memo_release(struct memo *m)
{
    for (size_t i = 0; m->slots && i < MEMO_SLOTS; i++) {
        free(m->slots[i].key);
        free(m->slots[i].frames);
    }
    free(m->slots);
    free(m->scratch);
    memset(m, 0, sizeof(*m));
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
static void resolve_frames(struct loader *L, struct worker *w, struct job *j,
                           const struct unwind_frame *frames, size_t nr)
{
    const struct profile_opts *o = L->o;
    for (size_t i = 0; i < nr; i++) {
        const struct unwind_frame *uf = &frames[i];
        struct frame_out f = { 0 };
        f.kernel = uf->kernel;
        if (uf->kernel) {
            f.addr = uf->pc;
            f.dso = "[kernel.kallsyms]";
            uint64_t off = 0;
            const char *name = binary_kernel_symbol(L->bc, uf->pc, &off);
            if (name) {
                f.name = name;
                f.offset = off;
                f.has_offset = 1;
            }
            job_push(j, &f);
            continue;
        }
        if (uf->elide)
            continue;
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
        /* The sampled ip itself is looked up as is, as perf does: for a
         * syscall tracepoint it is the instruction after SYSCALL, still in
         * the same function and inline chain. */
        int n = symbolize(uf->bin, uf->vaddr, uf->how == UNWIND_HOW_IP ? 0 : uf->is_return,
                          o->no_inline,
                          w->sym, MAX_SYM_FRAMES);
        if (n <= 0) {
            job_push(j, &f);
            continue;
        }
        for (int k = 0; k < n; k++) {
            const struct sym_frame *sf = &w->sym[k];
            struct frame_out g = f;
            g.name = sf->name;
            g.inlined = sf->inlined;
            if (sf->name) {
                g.has_offset = 1;
                g.offset = at - sf->sym_start;
            }
            job_push(j, &g);
        }
    }
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

static void resolve_job(struct loader *L, struct worker *w, struct job *j)
{
    const struct profile_opts *o = L->o;
    size_t max_frames = o->max_frames ? o->max_frames : DEFAULT_MAX_FRAMES;

    j->nr_frames = 0;
    j->binary = NULL;
    j->memo = NULL;
    j->out = NULL;
    j->deferred = 0;
    unwind_sample(w->uw, &j->ss, &w->ur, max_frames);
    j->stop = w->ur.stop;
    j->fp_steps = w->ur.fp_steps;
    j->suspect = w->ur.suspect_map ? w->ur.suspect_map->filename : NULL;
    uint64_t key_hash;
    size_t nr_key = memo_make_key(L, w, j, &key_hash);
    const struct memo_entry *hit = memo_find(&w->memo, w->memo.scratch, nr_key, key_hash);
    if (hit) {
        j->out = hit->frames;     /* entries live until the capture ends */
        j->nr_frames = hit->nr_frames;
        j->binary = hit->binary;
        j->memo = hit;
        return;
    }
    j->binary = shown_binary(w->ur.frames, w->ur.nr);
    if (L->defer_ok && !j->no_stack && (L->defer_all || waits_for_dwarf(&w->ur))) {
        /* Named after the last sample instead: the stack set's counts do
         * not depend on the order stacks arrive in. */
        j->deferred = 1;
        j->uframes = xgrow(j->uframes, sizeof(*j->uframes), w->ur.nr ? w->ur.nr : 1,
                           &j->uframes_cap);
        memcpy(j->uframes, w->ur.frames, w->ur.nr * sizeof(*j->uframes));
        j->nr_uframes = w->ur.nr;
        return;
    }
    resolve_frames(L, w, j, w->ur.frames, w->ur.nr);
    j->memo = memo_insert(&w->memo, nr_key, key_hash, j);
    j->out = j->frames;
}

/* ---- thread pool ---- */

/* work and nr_work are set before the workers are woken (under mu), so
 * claiming an index needs only an atomic counter. */
static void run_jobs(struct loader *L, struct worker *w)
{
    for (;;) {
        size_t i = __atomic_fetch_add(&L->next_job, 1, __ATOMIC_RELAXED);
        if (i >= L->nr_work)
            return;
        /* The stack top of the job JOB_PREFETCH_AHEAD ahead (the nearer
         * ones were loaded on the way): a worker's first touch of a
         * sample's stack is otherwise a memory stall, the main thread that
         * decoded the record having loaded it into another core's cache. */
        size_t a = i + JOB_PREFETCH_AHEAD;
        const char *st = a < L->nr_work ? (const char *)L->work[a].sample.stack : NULL;
        size_t n = st ? SF_MIN(L->work[a].sample.stack_dyn_size, JOB_PREFETCH_BYTES) : 0;
        for (size_t o = 0; o < n; o += 64)
            __builtin_prefetch(st + o);
        resolve_job(L, w, &L->work[i]);
    }
}

#define SPIN_PAUSES 20000          /* ~0.5 ms */
#if defined(__x86_64__) || defined(__i386__)
#define cpu_relax() __builtin_ia32_pause()
#else
#define cpu_relax() __asm__ __volatile__("" ::: "memory")
#endif

/* What a thread spins for: a worker for the next batch (the generation to
 * move past `seen`), the main thread for the workers to finish a batch. */
enum spin_for { SPIN_FOR_WORK, SPIN_FOR_WORKERS };

/* Spins, when spinning is on, until what it waits for happens or the
 * budget runs out.  The budget adapts: running out halves it (the other
 * side is slow: sleep sooner), ending in time doubles it, between a
 * quarter of SPIN_PAUSES (the long waits while a round is read must not
 * leave it too small to cover the short ones while it is delivered) and
 * SPIN_PAUSES. */
static void spin_wait(struct loader *L, enum spin_for what, int seen, int *budget)
{
    if (!__atomic_load_n(&L->spin, __ATOMIC_RELAXED))
        return;
    for (int k = 0; k < *budget && !__atomic_load_n(&L->stopping, __ATOMIC_RELAXED); k++) {
        if (what == SPIN_FOR_WORK ? __atomic_load_n(&L->generation, __ATOMIC_ACQUIRE) != seen
                                  : __atomic_load_n(&L->active, __ATOMIC_ACQUIRE) == 0) {
            *budget = SF_MIN(2 * *budget + 64, SPIN_PAUSES);
            return;
        }
        cpu_relax();
    }
    *budget = SF_MAX(*budget / 2, SPIN_PAUSES / 4);
}

struct worker_arg { struct loader *L; int idx; };

static void *worker_main(void *arg)
{
    struct worker_arg *wa = arg;
    struct loader *L = wa->L;
    struct worker *w = &L->workers[wa->idx];
    int seen = 0;
    for (;;) {
        spin_wait(L, SPIN_FOR_WORK, seen, &w->spin_budget);
        pthread_mutex_lock(&L->mu);
        while (!L->stopping && L->generation == seen)
            pthread_cond_wait(&L->cv_work, &L->mu);
        if (L->stopping) {
            pthread_mutex_unlock(&L->mu);
            break;
        }
        seen = L->generation;
        pthread_mutex_unlock(&L->mu);
        run_jobs(L, w);
        pthread_mutex_lock(&L->mu);
        if (__atomic_sub_fetch(&L->active, 1, __ATOMIC_ACQ_REL) == 0)
            pthread_cond_signal(&L->cv_done);
        pthread_mutex_unlock(&L->mu);
    }
    free(wa);
    return NULL;
}

static int ncpus(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : n > 64 ? 64 : (int)n;
}

/* A test switch in the environment: set, non-empty and not "0". */
static int env_flag(const char *name)
{
    const char *v = getenv(name);
    return v && *v && strcmp(v, "0") != 0;
}

static void pool_start(struct loader *L)
{
    int jobs = L->nr_threads_wanted > 0 ? L->nr_threads_wanted : L->o->jobs > 0 ? L->o->jobs : ncpus();
    L->nr_workers = jobs;
    L->workers = xcalloc((size_t)jobs, sizeof(*L->workers));
    int no_memo = env_flag("SYSFLAME_NO_MEMO");
    for (int i = 0; i < jobs; i++) {
        L->workers[i].uw = unwind_ctx_new(L->bc);
        L->workers[i].memo.off = no_memo;
        L->workers[i].spin_budget = SPIN_PAUSES;
    }
    /* The pool is started once per capture on the same loader: the words
     * the previous capture's pool_stop left (stopping set, a generation
     * its workers had seen) must not reach the new workers, or they leave
     * at once and pool_finish waits for them forever. */
    L->stopping = 0;
    L->generation = 0;
    L->active = 0;
    L->next_job = 0;
    L->work_shared = 0;
    pthread_mutex_init(&L->mu, NULL);
    pthread_cond_init(&L->cv_work, NULL);
    pthread_cond_init(&L->cv_done, NULL);
    /* Worker 0 is the calling thread itself. */
    L->threads = xcalloc((size_t)jobs, sizeof(*L->threads));
    for (int i = 1; i < jobs; i++) {
        struct worker_arg *wa = xmalloc(sizeof(*wa));
        wa->L = L;
        wa->idx = i;
        if (pthread_create(&L->threads[i], NULL, worker_main, wa) != 0) {
            free(wa);
            L->nr_workers = i;  /* run with what we have */
            break;
        }
    }
}

static void pool_stop(struct loader *L)
{
    pthread_mutex_lock(&L->mu);
    __atomic_store_n(&L->stopping, 1, __ATOMIC_RELAXED);
    pthread_cond_broadcast(&L->cv_work);
    pthread_mutex_unlock(&L->mu);
    for (int i = 1; i < L->nr_workers; i++)
        pthread_join(L->threads[i], NULL);
    for (int i = 0; i < L->nr_workers; i++) {
        memo_release(&L->workers[i].memo);
        unwind_result_release(&L->workers[i].ur);
        unwind_ctx_free(L->workers[i].uw);
    }
    pthread_mutex_destroy(&L->mu);
    pthread_cond_destroy(&L->cv_work);
    pthread_cond_destroy(&L->cv_done);
    free(L->threads);
    free(L->workers);
}

/* Hands the filled batch to the pool and starts a new one.  With worker
 * threads the main thread returns at once and reads on while they unwind;
 * results are taken in order by pool_finish. */
static void pool_dispatch(struct loader *L)
{
    struct job *t = L->work;
    L->work = L->jobs;
    L->nr_work = L->nr_jobs;
    L->jobs = t;
    struct maps_refs rt = L->work_refs;
    L->work_refs = L->jobs_refs;
    L->jobs_refs = rt;
    L->nr_jobs = 0;
    L->next_job = 0;
    L->work_shared = L->nr_workers > 1 && L->nr_work >= 8 && !L->solo;
    if (!L->work_shared)
        return;
    pthread_mutex_lock(&L->mu);
    __atomic_store_n(&L->active, L->nr_workers - 1, __ATOMIC_RELEASE);
    __atomic_add_fetch(&L->generation, 1, __ATOMIC_RELEASE);
    pthread_cond_broadcast(&L->cv_work);
    pthread_mutex_unlock(&L->mu);
}

/* Resolves what is left of the dispatched batch on this thread, then waits
 * for the workers' part. */
static void pool_finish(struct loader *L)
{
    run_jobs(L, &L->workers[0]);
    if (!L->work_shared)
        return;
    spin_wait(L, SPIN_FOR_WORKERS, 0, &L->workers[0].spin_budget);
    pthread_mutex_lock(&L->mu);
    while (L->active > 0)
        pthread_cond_wait(&L->cv_done, &L->mu);
    pthread_mutex_unlock(&L->mu);
    L->work_shared = 0;
}

/* ---- consuming results in order (main thread) ---- */

static struct thread_stat *thread_slot(struct loader *L, uint32_t pid, uint32_t tid,
                                       const char *comm)
{
    struct profile *p = L->p;
    if (p->nr_threads * 2 >= L->ntid_slots) {
        size_t ns = L->ntid_slots ? L->ntid_slots * 2 : 64;
        uint32_t *slots = xcalloc(ns, sizeof(*slots));
        for (size_t i = 0; i < p->nr_threads; i++) {
            size_t k = (p->threads[i].tid * 2654435761u) & (ns - 1);
            while (slots[k])
                k = (k + 1) & (ns - 1);
            slots[k] = (uint32_t)i + 1;
        }
        free(L->tid_slots);
        L->tid_slots = slots;
        L->ntid_slots = ns;
    }
    size_t k = (tid * 2654435761u) & (L->ntid_slots - 1);
    while (L->tid_slots[k]) {
        size_t i = L->tid_slots[k] - 1;
        struct thread_stat *t = &p->threads[i];
        if (t->tid == tid && t->pid == pid) {
            /* the session interns comms: the same pointer is the same name */
            if (L->comm_seen[i] != comm) {
                if (strcmp(t->comm, comm) != 0)
                    t->comm = strtab_intern(L->strings, comm);
                L->comm_seen[i] = comm;
            }
            return t;
        }
        k = (k + 1) & (L->ntid_slots - 1);
    }
    L->comm_seen = xgrow(L->comm_seen, sizeof(*L->comm_seen), p->nr_threads + 1,
                         &L->comm_seen_cap);
    L->comm_seen[p->nr_threads] = comm;
    p->threads = xgrow(p->threads, sizeof(*p->threads), p->nr_threads + 1, &L->threads_cap);
    struct thread_stat *t = &p->threads[p->nr_threads];
    memset(t, 0, sizeof(*t));
    t->pid = pid;
    t->tid = tid;
    t->comm = strtab_intern(L->strings, comm);
    L->tid_slots[k] = (uint32_t)p->nr_threads + 1;
    p->nr_threads++;
    return t;
}

static struct name_slot *name_slot(struct loader *L, const void *a, const void *b,
                                   uint32_t tag);

static struct syscall_stat *syscall_slot(struct loader *L, const char *name)
{
    struct profile *p = L->p;
    struct name_slot *c = name_slot(L, name, NULL, 64);
    if (c->tag)
        return &p->syscalls[c->id];
    for (size_t i = 0; i < p->nr_syscalls; i++)
        if (p->syscalls[i].name == name) {
            c->id = (uint32_t)i;
            c->tag = 64;
            return &p->syscalls[i];
        }
    p->syscalls = xgrow(p->syscalls, sizeof(*p->syscalls), p->nr_syscalls + 1,
                        &L->syscalls_cap);
    c->id = (uint32_t)p->nr_syscalls;
    c->tag = 64;
    struct syscall_stat *s = &p->syscalls[p->nr_syscalls++];
    memset(s, 0, sizeof(*s));
    s->name = name;
    return s;
}

/* The events table index of an interned event name (added at 0). */
static uint32_t event_index(struct loader *L, const char *name)
{
    struct profile *p = L->p;
    for (size_t i = 0; i < p->nr_events; i++)
        if (p->events[i].name == name)
            return (uint32_t)i;
    p->events = xgrow(p->events, sizeof(*p->events), p->nr_events + 1, &L->events_cap);
    p->events[p->nr_events].name = name;
    p->events[p->nr_events].count = 0;
    return (uint32_t)p->nr_events++;
}

/* What a sample's event says, worked out once per event of the capture:
 * its syscall (interned) and kind, its name (interned) and row. */
struct event_facts {
    const char *syscall;
    const char *event;
    int kind;                     /* tp_syscall(): 0, 1 enter, 2 exit */
    int64_t row;                  /* in profile.events, -1 until counted */
};

static struct event_facts *event_facts(struct loader *L, const struct sess_sample *ss)
{
    const void *key = ss->tp ? (const void *)ss->tp : (const void *)ss->event_name;
    struct name_slot *c = name_slot(L, key, ss->event_name, 2048);
    if (c->tag)
        return &L->facts[c->id];
    struct event_facts f = { .row = -1 };
    const char *name;
    if (ss->tp && (f.kind = tp_syscall(ss->tp, &name)) != 0)
        f.syscall = strtab_intern(L->strings, name);
    f.event = strtab_intern(L->strings, ss->event_name ? ss->event_name : "[event]");
    L->facts = xgrow(L->facts, sizeof(*L->facts), L->nr_facts + 1, &L->facts_cap);
    L->facts[L->nr_facts] = f;
    c->id = (uint32_t)L->nr_facts++;
    c->tag = 2048;
    return &L->facts[c->id];
}

static struct unwind_stat *binary_stat(struct loader *L, const char *binary)
{
    struct profile *p = L->p;
    struct name_slot *c = name_slot(L, binary, NULL, 32);
    if (c->tag)
        return &p->per_binary[c->id];
    /* Recorded paths live as long as the session: keep our own copy. */
    binary = strtab_intern(L->strings, binary);
    for (size_t i = 0; i < p->nr_per_binary; i++)
        if (p->per_binary[i].binary == binary) {
            c->id = (uint32_t)i;
            c->tag = 32;
            return &p->per_binary[i];
        }
    c->id = (uint32_t)p->nr_per_binary;
    c->tag = 32;
    p->per_binary = xgrow(p->per_binary, sizeof(*p->per_binary), p->nr_per_binary + 1,
                          &L->per_binary_cap);
    struct unwind_stat *u = &p->per_binary[p->nr_per_binary++];
    memset(u, 0, sizeof(*u));
    u->binary = binary;
    return u;
}

static void count_unwind(struct unwind_stat *u, const struct job *j, size_t depth)
{
    u->samples++;
    u->stops[j->stop]++;
    switch (j->stop) {
    case UNWIND_STOP_ROOT: u->to_root++; break;
    case UNWIND_STOP_TRUNCATED: u->truncated++; break;
    case UNWIND_STOP_UNKNOWN_PC: u->unknown_pc++; break;
    case UNWIND_STOP_NO_BINARY: u->no_binary++; break;
    default: u->other_stop++; break;
    }
    if (j->fp_steps)
        u->fp_fallback_samples++;
    u->depth_sum += depth;
}

/* Folded frame names follow stackcollapse-perf.pl's tidying, so that
 * `sysflame script | stackcollapse-perf.pl --all` and `sysflame fold` agree:
 * ';' becomes ':', quotes go, and outside Go method names ("pkg.(*T).M")
 * everything from the first '(' on is argument noise.  Line breaks become
 * spaces so a name can never end a folded line. */
static int is_go_method(const char *name)
{
    const char *open = strstr(name, ".(");
    return open && strstr(open + 2, ").") != NULL;
}

static const char *clean_name(struct loader *L, const char *name)
{
    if (!strpbrk(name, ";\n\r\"'("))
        return name;
    int keep_parens = is_go_method(name);
    sbuf_reset(&L->clean);
    for (const char *c = name; *c; c++) {
        if (*c == '(' && !keep_parens && strncmp(c, "(anonymous namespace)", 21) != 0)
            break;
        if (*c == '"' || *c == '\'')
            continue;
        sbuf_addch(&L->clean, (*c == ';') ? ':' : (*c == '\n' || *c == '\r') ? ' ' : *c);
    }
    if (L->clean.len == 0)
        sbuf_addstr(&L->clean, "[unknown]");
    return strtab_intern(L->strings, sbuf_str(&L->clean));
}

/* stackcollapse-perf.pl --all marks frames of "[...]" modules (kernel,
 * vdso) with _[k]. */
static int bracket_module(const char *dso)
{
    return dso && dso[0] == '[' && !strstr(dso, "unknown");
}

static const char *frame_name(struct loader *L, const struct frame_out *f)
{
    const struct profile_opts *o = L->o;
    int annotate = !f->inlined && (f->kernel || bracket_module(f->dso));
    const char *name = f->name;
    sbuf_reset(&L->tmp);
    if (!name) {
        /* stackcollapse-perf.pl names unknown frames after their module. */
        const char *base = f->dso ? strrchr(f->dso, '/') : NULL;
        base = base ? base + 1 : f->dso;
        if (!base || !*base || strstr(f->dso, "unknown"))
            base = "unknown";
        if (o->addrs)
            sbuf_addf(&L->tmp, "[%s <%llx>]", base, (unsigned long long)f->addr);
        else
            sbuf_addf(&L->tmp, "[%s]", base);
    } else {
        sbuf_addstr(&L->tmp, clean_name(L, name));
        if (o->addrs && f->has_offset)
            sbuf_addf(&L->tmp, "+0x%llx", (unsigned long long)f->offset);
    }
    if (annotate)
        sbuf_addstr(&L->tmp, "_[k]");
    return strtab_intern(L->strings, sbuf_str(&L->tmp));
}

static uint32_t name_id(struct loader *L, const char *name)
{
    return stack_intern(L->p->stacks, name, strlen(name));
}

/* stackcollapse-perf.pl turns spaces in the comm into underscores. */
static uint32_t comm_id(struct loader *L, const char *comm)
{
    if (!strpbrk(comm, " ;"))
        return name_id(L, comm);
    struct sbuf *b = &L->clean;
    sbuf_reset(b);
    for (const char *c = comm; *c; c++)
        sbuf_addch(b, *c == ' ' ? '_' : *c == ';' ? ':' : *c);
    return name_id(L, sbuf_str(b));
}

static struct name_slot *name_slot(struct loader *L, const void *a, const void *b,
                                   uint32_t tag)
{
    if (!L->name_cache)
        L->name_cache = xzalloc_written(FRAME_CACHE, sizeof(*L->name_cache));
    uint64_t h = ((uint64_t)(uintptr_t)a * 0x9e3779b97f4a7c15ULL) ^
                 ((uint64_t)(uintptr_t)b * 0xc2b2ae3d27d4eb4fULL) ^ tag;
    h ^= h >> 29;
    struct name_slot *slot = &L->name_cache[h & (FRAME_CACHE - 1)];
    if (slot->tag == tag && slot->a == a && slot->b == b)
        return slot;
    slot->a = a;
    slot->b = b;
    slot->tag = 0;          /* the caller fills id and tag */
    return slot;
}

static uint32_t frame_id(struct loader *L, const struct frame_out *f)
{
    if (L->o->addrs)
        return name_id(L, frame_name(L, f));
    uint32_t tag = 4 | (f->kernel ? 8u : 0) | (f->inlined ? 16u : 0);
    struct name_slot *slot = name_slot(L, f->name, f->dso, tag);
    if (!slot->tag) {
        slot->id = name_id(L, frame_name(L, f));
        slot->tag = tag;
    }
    return slot->id;
}

static uint32_t intern_stack(struct loader *L, struct job *j, size_t *depth_out);

/* The main memo's slot for a worker memo entry: its own, or an empty one
 * to fill (NULL when the memo is full). */
static struct stack_memo_slot *stack_memo_slot(struct loader *L, const struct memo_entry *e)
{
    if (!L->stack_memo)
        L->stack_memo = xzalloc_written(STACK_MEMO_SLOTS, sizeof(*L->stack_memo));
    uint64_t h = (uint64_t)(uintptr_t)e * 0x9e3779b97f4a7c15ULL;
    for (size_t i = (h >> 20) & (STACK_MEMO_SLOTS - 1);; i = (i + 1) & (STACK_MEMO_SLOTS - 1)) {
        struct stack_memo_slot *slot = &L->stack_memo[i];
        if (slot->entry == e)
            return slot;
        if (!slot->entry)
            return L->stack_memo_used * 4 < STACK_MEMO_SLOTS * 3 ? slot : NULL;
    }
}

static int consume_job(struct loader *L, struct job *j, struct sf_err *err)
{
    const struct profile_opts *o = L->o;
    struct profile *p = L->p;

    if (o->on_sample) {
        struct profile_sample ps = {
            .frames = j->out, .nr_frames = j->nr_frames, .stop = j->stop,
            .syscall = j->syscall,
        };
        if (o->on_sample(o->on_sample_arg, &j->ss, &ps, err) < 0)
            return -1;
    }

    if (j->no_stack)
        return 0;

    const struct ev_sample *s = &j->sample;
    size_t depth = 0;
    struct stack_memo_slot *memo = j->memo ? stack_memo_slot(L, j->memo) : NULL;
    if (j->deferred) {
        L->deferred = xgrow(L->deferred, sizeof(*L->deferred), L->nr_deferred + 1,
                            &L->deferred_cap);
        L->deferred[L->nr_deferred++] = (struct deferred){
            .frames = j->uframes, .nr = j->nr_uframes, .comm = j->ss.comm,
            .event_name = j->ss.event_name, .syscall = j->syscall, .binary = j->binary,
            .pid = s->idn.pid, .tid = s->idn.tid, .stop = j->stop,
        };
        j->uframes = NULL;        /* the list owns them now */
        j->uframes_cap = 0;       /* depth: added when named */
    } else if (memo && memo->entry) {
        stack_add_to(p->stacks, memo->stack_id, 1);
        depth = memo->depth;
    } else {
        uint32_t id = intern_stack(L, j, &depth);
        if (memo) {
            memo->entry = j->memo;
            memo->stack_id = id;
            memo->depth = (uint32_t)depth;
            L->stack_memo_used++;
        }
    }
    p->total++;

    struct thread_stat *t = thread_slot(L, s->idn.pid, s->idn.tid, j->ss.comm);
    t->samples++;
    if (j->syscall)
        syscall_slot(L, j->syscall)->count++;
    count_unwind(&p->overall, j, depth);
    count_unwind(binary_stat(L, j->binary ? j->binary : "[unknown]"), j, depth);
    if (j->suspect) {
        p->overall.suspect_samples++;
        binary_stat(L, j->suspect)->suspect_samples++;
    }
    return 0;
}

/* Names j's stack, root first (comm, [truncated], frames..., leaf), and
 * adds it once; returns its id and the number of frames kept. */
static uint32_t intern_stack(struct loader *L, struct job *j, size_t *depth_out)
{
    const struct profile_opts *o = L->o;
    struct profile *p = L->p;
    /* Stack names, root first: comm, [truncated], frames..., leaf. */
    size_t need = j->nr_frames + 4;
    L->ids = xgrow(L->ids, sizeof(*L->ids), need, &L->ids_cap);
    size_t n = 0;
    const struct ev_sample *s = &j->sample;
    if (o->comm_label) {
        L->ids[n++] = name_id(L, o->comm_label);
    } else if (o->with_tid) {
        sbuf_reset(&L->tmp);
        sbuf_addf(&L->tmp, "%s-%u/%u", j->ss.comm, s->idn.pid, s->idn.tid);
        L->ids[n++] = comm_id(L, sbuf_str(&L->tmp));
    } else if (o->with_pid) {
        sbuf_reset(&L->tmp);
        sbuf_addf(&L->tmp, "%s-%u", j->ss.comm, s->idn.pid);
        L->ids[n++] = comm_id(L, sbuf_str(&L->tmp));
    } else {
        struct name_slot *c = name_slot(L, j->ss.comm, NULL, 1);
        if (!c->tag) {
            c->id = comm_id(L, j->ss.comm);
            c->tag = 1;
        }
        L->ids[n++] = c->id;
    }
    if (j->stop == UNWIND_STOP_TRUNCATED)
        L->ids[n++] = name_id(L, "[truncated]");
    size_t depth = 0;
    for (size_t i = j->nr_frames; i-- > 0;) {
        const struct frame_out *f = &j->out[i];
        if (f->kernel && !o->kernel)
            continue;
        L->ids[n++] = frame_id(L, f);
        depth++;
    }
    if (o->no_leaf)
        ;
    else if (j->syscall) {
        struct name_slot *c = name_slot(L, j->syscall, NULL, 2);
        if (!c->tag) {
            c->id = name_id(L, j->syscall);
            c->tag = 2;
        }
        L->ids[n++] = c->id;
    } else {
        L->ids[n++] = name_id(L, clean_name(L, j->ss.event_name ? j->ss.event_name
                                                                 : "[event]"));
    }
    *depth_out = depth;
    return stack_add(p->stacks, L->ids, n, 1);
}

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

/* Finishes the dispatched batch and consumes it in order. */
static int consume_work(struct loader *L, struct sf_err *err)
{
    int rc = 0;
    pool_finish(L);
    for (size_t i = 0; i < L->nr_work; i++)
        if (rc == 0 && consume_job(L, &L->work[i], err) < 0)
            rc = -1;
    batch_unref(&L->work_refs);
    L->nr_work = 0;
    return rc;
}

/* Batches go through the pool one behind the reader: the previous batch is
 * finished and consumed, the filled one dispatched, and (with worker
 * threads, and no per-sample hook needing RAW now) left to resolve while
 * the session reads and decodes the next.  `last` finishes everything. */
static int flush_batch(struct loader *L, int last, struct sf_err *err)
{
    int rc = consume_work(L, err);
    pool_dispatch(L);
    if (last || L->nr_workers <= 1 || L->o->on_sample) {
        if (consume_work(L, err) < 0)
            rc = -1;
    }
    return rc;
}

/* ---- filters and enter/exit pairing (main thread, in order) ---- */

static int keep_sample(const struct profile_opts *o, const struct sess_sample *ss,
                       const char *syscall)
{
    char num[16];
    if (o->comms.n && !strlist_has(&o->comms, ss->comm))
        return 0;
    if (o->pids.n) {
        snprintf(num, sizeof(num), "%u", ss->sample->idn.pid);
        if (!strlist_has(&o->pids, num))
            return 0;
    }
    if (o->tids.n) {
        snprintf(num, sizeof(num), "%u", ss->sample->idn.tid);
        if (!strlist_has(&o->tids, num))
            return 0;
    }
    if (o->events.n) {
        const char *ev = ss->event_name ? ss->event_name : "";
        const char *colon = strchr(ev, ':');
        if (!strlist_has(&o->events, ev) && !(colon && strlist_has(&o->events, colon + 1)))
            return 0;
    }
    if (o->syscalls.n && !(syscall && strlist_has(&o->syscalls, syscall)))
        return 0;
    return 1;
}

static struct pending *pending_slot(struct loader *L, uint32_t tid)
{
    if (!L->npend) {
        L->npend = 4096;
        L->pend = xcalloc(L->npend, sizeof(*L->pend));
    }
    size_t k = (tid * 2654435761u) & (L->npend - 1);
    for (size_t probe = 0; probe < L->npend; probe++) {
        struct pending *e = &L->pend[k];
        if (!e->used || e->tid == tid) {
            e->used = 1;
            e->tid = tid;
            return e;
        }
        k = (k + 1) & (L->npend - 1);
    }
    /* Table full (more than 4096 live threads): grow. */
    struct pending *old = L->pend;
    size_t oldn = L->npend;
    L->npend *= 2;
    L->pend = xcalloc(L->npend, sizeof(*L->pend));
    for (size_t i = 0; i < oldn; i++)
        if (old[i].used)
            *pending_slot(L, old[i].tid) = old[i];
    free(old);
    return pending_slot(L, tid);
}

static void pair_exit(struct loader *L, const struct sess_sample *ss, const char *syscall)
{
    const struct ev_sample *s = ss->sample;
    struct pending *e = pending_slot(L, s->idn.tid);
    if (!e->syscall || strcmp(e->syscall, syscall) != 0) {
        e->syscall = NULL;
        return;
    }
    struct syscall_stat *st = syscall_slot(L, e->syscall);
    uint64_t lat = s->idn.time >= e->time ? s->idn.time - e->time : 0;
    st->exits++;
    st->lat_total_ns += lat;
    if (lat > st->lat_max_ns)
        st->lat_max_ns = lat;
    st->lat_ns = xgrow(st->lat_ns, sizeof(*st->lat_ns), st->nr_lat + 1, &st->cap_lat);
    st->lat_ns[st->nr_lat++] = lat;
    uint64_t ret;
    const struct tp_set *tps = session_tracepoints(L->sess);
    if (tps && tp_field_u64(tps, ss->tp, s->raw, s->raw_size, "ret", &ret) == 0 &&
        (int64_t)ret < 0 && (int64_t)ret > -4096)
        st->errors++;
    e->syscall = NULL;
}

static int on_session_sample(void *arg, const struct sess_sample *ss, struct sf_err *err)
{
    struct loader *L = arg;
    const struct ev_sample *s = ss->sample;
    struct event_facts *ef = event_facts(L, ss);
    const char *syscall = ef->syscall;
    int kind = ef->kind, no_stack = 0;
    if (!keep_sample(L->o, ss, syscall))
        return 0;
    if (ef->row < 0)
        ef->row = event_index(L, ef->event);
    L->p->events[ef->row].count++;
    if (kind == 1) {
        struct pending *e = pending_slot(L, s->idn.tid);
        e->syscall = syscall;
        e->time = s->idn.time;
    } else if (kind == 2) {
        L->saw_exit = 1;
        pair_exit(L, ss, syscall);
        /* Exit samples feed latencies; stacks show each call once (at its
         * entry) unless the user asked for exit events by name. */
        if (!L->o->events.n && !L->o->on_sample)
            return 0;
        no_stack = !L->o->events.n;
        syscall = NULL;
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
    batch_ref(&L->jobs_refs, ss->maps);
    batch_ref(&L->jobs_refs, ss->kmaps);
    j->syscall = syscall;
    j->no_stack = no_stack;

    /* The script hook prints tracepoint fields, which need RAW: resolve
     * such samples at once. */
    if (L->o->on_sample) {
        j->sample.raw = s->raw;
        j->sample.raw_size = s->raw_size;
        return flush_batch(L, 0, err);
    }
    if (L->nr_jobs == BATCH_MAX)
        return flush_batch(L, 0, err);
    return 0;
}

/* ---- inputs ---- */

static int read_all(const char *path, int fd, char **out, size_t *len, struct sf_err *err)
{
    struct sbuf sb = SBUF_INIT;
    char buf[65536];
    for (;;) {
        ssize_t n = read(fd, buf, sizeof(buf));
        if (n < 0) {
            if (errno == EINTR)
                continue;
            sbuf_release(&sb);
            return sf_error(err, "'%s': read error: %s", path, strerror(errno));
        }
        if (n == 0)
            break;
        sbuf_add(&sb, buf, (size_t)n);
    }
    *len = sb.len;
    *out = sbuf_detach(&sb);
    return 0;
}

/* Reads the first bytes of the input.  For stdin, the bytes read are
 * handed back through a pipe fed by a thread, so the reader sees the whole
 * stream again. */
struct refeed { int rfd, wfd; uint8_t head[16]; size_t nhead; };

static void *refeed_main(void *arg)
{
    struct refeed *r = arg;
    char buf[65536];
    if (write(r->wfd, r->head, r->nhead) == (ssize_t)r->nhead) {
        for (;;) {
            ssize_t n = read(r->rfd, buf, sizeof(buf));
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0)
                break;
            ssize_t off = 0;
            while (off < n) {
                ssize_t w = write(r->wfd, buf + off, (size_t)(n - off));
                if (w <= 0)
                    goto out;
                off += w;
            }
        }
    }
out:
    close(r->wfd);
    free(r);
    return NULL;
}

static ssize_t read_head(int fd, uint8_t *buf, size_t n)
{
    size_t got = 0;
    while (got < n) {
        ssize_t r = read(fd, buf + got, n - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    return (ssize_t)got;
}

static int looks_like_capture(const uint8_t *h, size_t n)
{
    if (n >= 8 && (!memcmp(h, "PERFILE2", 8) || !memcmp(h, "2ELIFREP", 8)))
        return 1;
    if (n >= 4 && h[0] == 0x28 && h[1] == 0xb5 && h[2] == 0x2f && h[3] == 0xfd)
        return 1;
    return 0;
}

/* Adds every stack of src to dst with frame 0 (the comm) renamed. */
static void merge_relabelled(struct stack_set *dst, const struct stack_set *src,
                             const char *label)
{
    const char **names = NULL;
    size_t cap = 0;
    for (size_t i = 0; i < stack_nr_stacks(src); i++) {
        struct stack_view v;
        stack_get(src, (uint32_t)i, &v);
        if (!v.nr)
            continue;
        names = xgrow(names, sizeof(*names), v.nr, &cap);
        for (uint32_t k = 0; k < v.nr; k++)
            names[k] = k == 0 ? label : stack_name(src, v.frames[k]);
        stack_add_names(dst, names, v.nr, v.count);
    }
    free(names);
}

static int load_folded_text(struct loader *L, const char *path, char *text, size_t len,
                            struct sf_err *err)
{
    struct profile *p = L->p;
    struct stack_set *tmp = stack_set_new();
    int rc = fold_parse(path, text, len, tmp, err);
    if (rc == 0) {
        if (L->o->comm_label)
            merge_relabelled(p->stacks, tmp, L->o->comm_label);
        else
            stack_merge(p->stacks, tmp);
        p->total += stack_total(tmp);
    }
    stack_set_free(tmp);
    return rc;
}

/* ---- warm-up: binaries named by the header, loaded ahead ---- */

/* The header's build-id list names the DSOs perf saw samples in.  With
 * threads to spare, their symbol tables and DWARF (libc's compressed debug
 * sections take tens of ms to inflate) are loaded while the main thread
 * reads the first round, instead of stalling the first batch that needs
 * them.  Loading is what the lazy path would do: outputs are unchanged. */
#define WARMUP_MAX_DSOS 64

struct warmup {
    pthread_t thread;
    int running;
    int *spin;                    /* set to spin_after once done (see loader.spin) */
    int spin_after;
    struct binary_cache *bc;
    /* The header's list as it was at the start: a build-id record in the
     * data stream may grow the reader's list (and move it) meanwhile.  The
     * file names stay where they are until the capture is closed. */
    struct pd_build_id dsos[WARMUP_MAX_DSOS];
    size_t nr_dsos;
};

static void *warmup_main(void *arg)
{
    struct warmup *w = arg;
    for (size_t i = 0; i < w->nr_dsos; i++) {
        const struct pd_build_id *e = &w->dsos[i];
        if ((e->misc & 7) != 2 /* PERF_RECORD_MISC_USER */ || !e->filename)
            continue;
        symbolize_prepare(binary_prefetch(w->bc, e->filename, e->id, e->size));
    }
    __atomic_store_n(w->spin, w->spin_after, __ATOMIC_RELAXED);
    return NULL;
}

static void warmup_start(struct loader *L, struct warmup *w)
{
    memset(w, 0, sizeof(*w));
    w->bc = L->bc;
    w->spin = &L->spin;
    w->spin_after = L->nr_workers > 1 && L->nr_workers <= ncpus();
    __atomic_store_n(&L->spin, 0, __ATOMIC_RELAXED);
    const struct pd_info *info = pd_get_info(session_file(L->sess));
    if (info) {
        w->nr_dsos = SF_MIN(info->nr_build_ids, (size_t)WARMUP_MAX_DSOS);
        if (w->nr_dsos)
            memcpy(w->dsos, info->build_ids, w->nr_dsos * sizeof(*w->dsos));
    }
    /* With filters, a DSO in the list may have no kept sample: leave its
     * loading to the lazy path rather than load what may not be needed. */
    const struct profile_opts *o = L->o;
    int filtered = o->comms.n || o->pids.n || o->tids.n || o->events.n || o->syscalls.n;
    if (L->nr_workers > 1 && !L->part && !filtered && w->nr_dsos &&
        pthread_create(&w->thread, NULL, warmup_main, w) == 0)
        w->running = 1;
    else
        __atomic_store_n(&L->spin, w->spin_after, __ATOMIC_RELAXED);
}

static void warmup_join(struct warmup *w)
{
    if (w->running)
        pthread_join(w->thread, NULL);
    w->running = 0;
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
            resolve_frames(L, &L->workers[0], &j, d->frames, d->nr);
            j.out = j.frames;
            size_t depth = 0;
            intern_stack(L, &j, &depth);
            L->p->overall.depth_sum += depth;
            binary_stat(L, d->binary ? d->binary : "[unknown]")->depth_sum += depth;
            free(j.frames);
        }
        free(d->frames);
    }
    L->nr_deferred = 0;
}

/* Runs the open session L->sess through the pipeline into L->p. */
static int run_capture(struct loader *L, struct sf_err *err)
{
    /* the name cache keys on this capture's pointers */
    if (L->name_cache)
        memset(L->name_cache, 0, FRAME_CACHE * sizeof(*L->name_cache));
    if (L->stack_memo)
        memset(L->stack_memo, 0, STACK_MEMO_SLOTS * sizeof(*L->stack_memo));
    L->stack_memo_used = 0;
    L->nr_facts = 0;
    if (L->comm_seen)
        memset(L->comm_seen, 0, L->p->nr_threads * sizeof(*L->comm_seen));
    pool_start(L);
    int in_order = L->o->record_order || L->o->on_sample != NULL;
    L->defer_all = !in_order && env_flag("SYSFLAME_DEFER_ALL");
    L->defer_ok = !in_order && (L->nr_workers > 1 || L->defer_all);
    struct warmup warm;
    warmup_start(L, &warm);
    if (L->nr_workers > 1)
        session_allow_threads(L->sess, 1);
    L->jobs = xcalloc(BATCH_MAX, sizeof(*L->jobs));
    L->work = xcalloc(BATCH_MAX, sizeof(*L->work));
    struct sess_ops ops = { .sample = on_session_sample, .arg = L };
    int rc = 0;
    if (L->o->on_capture_start)
        rc = L->o->on_capture_start(L->o->on_capture_arg, L->sess, err);
    if (rc == 0)
        rc = session_run(L->sess, &ops, err);
    if (rc == 0)
        rc = flush_batch(L, 1, err);
    else
        pool_finish(L);         /* no worker may still read a job */
    name_deferred(L, rc == 0);
    if (rc == 0 && L->o->on_capture && !L->part)
        rc = L->o->on_capture(L->o->on_capture_arg, L->sess, err);
    batch_unref(&L->jobs_refs);
    batch_unref(&L->work_refs);
    free(L->jobs_refs.v);
    free(L->work_refs.v);
    memset(&L->jobs_refs, 0, sizeof(L->jobs_refs));
    memset(&L->work_refs, 0, sizeof(L->work_refs));
    L->nr_jobs = L->nr_work = 0;
    pool_stop(L);
    warmup_join(&warm);
    for (size_t i = 0; i < BATCH_MAX; i++) {
        free(L->jobs[i].stack);
        free(L->jobs[i].callchain);
        free(L->jobs[i].frames);
        free(L->jobs[i].uframes);
        free(L->work[i].stack);
        free(L->work[i].callchain);
        free(L->work[i].frames);
        free(L->work[i].uframes);
    }
    free(L->jobs);
    free(L->work);
    L->jobs = L->work = NULL;
    free(L->pend);
    L->pend = NULL;
    L->npend = 0;
    return rc;
}

/* The input's facts from its session's counters (added, for a split one). */
static void add_input_stats(struct profile *p, struct input_info *in, const struct sess_stats *st)
{
    in->samples += st->samples;
    in->lost_events += st->lost_events;
    in->lost_samples += st->lost_samples;
    if (st->first_time && (!in->first_time || st->first_time < in->first_time))
        in->first_time = st->first_time;
    if (st->last_time > in->last_time)
        in->last_time = st->last_time;
    p->lost += st->lost_samples > st->lost_events ? st->lost_samples : st->lost_events;
}

static void finish_input(struct profile *p, struct input_info *in)
{
    in->duration_s = in->last_time > in->first_time
                         ? (double)(in->last_time - in->first_time) / 1e9 : 0.0;
    p->duration_s += in->duration_s;
    p->has_capture = 1;
}

/* ---- one capture in two processes ----
 *
 * The pool hands every sample from the reading thread to a worker, and
 * that transfer, not the work, is what bounds -j here (doc/performance.md,
 * round 6).  A large mapped capture is instead split in two parts read side
 * by side, each by a loader of its own with its own session (see
 * session_split_second): the first in this process, the second in a child
 * process, which sends its profile back.  A process, not a thread: two
 * threads releasing the pages they have read each stop the other for a TLB
 * flush, which cost a third of the gain.  The parts' profiles are added to
 * the real one first part first, the order one loader would have met
 * everything in, so outputs are the same.  Captures that recorded syscall
 * exits (their pairing would cross the cut) are not split; when the child
 * finds the cut cannot be shown exact (records without time or out of
 * perf's round order), the first part's workers take over, or, found late,
 * the capture is read again the ordinary way. */
#define SPLIT_MIN_BYTES ((uint64_t)512 << 20)
#define SPLIT_AT 0.45
#define WIRE_MAGIC 0x73666c616d657031ULL      /* "sflamep1" */

struct part {
    struct loader L;
    struct profile p;             /* its strings_owner holds the part's names */
    struct sf_err err;
    int rc;
};

struct split_run {
    struct loader *first;       /* the first part's loader */
    int plan_fd;                /* the child's plan: {planned, first_end} */
    int planned;                /* -1 not read yet, 0 no split, 1 split */
    uint64_t cut;               /* the first marker at or past it is the cut */
    uint64_t first_end;
};

/* The scratch a loader grows while it reads (not its profile or cache). */
static void loader_release(struct loader *L)
{
    free(L->tid_slots);
    free(L->ids);
    free(L->name_cache);
    free(L->stack_memo);
    free(L->facts);
    free(L->deferred);
    free(L->comm_seen);
    sbuf_release(&L->tmp);
    sbuf_release(&L->clean);
}

/* An empty profile with its own string table. */
static void profile_init(struct profile *p)
{
    memset(p, 0, sizeof(*p));
    p->stacks = stack_set_new();
    p->strings_owner = xcalloc(1, sizeof(*p->strings_owner));
}

static void part_init(struct part *pt, const struct loader *L, int jobs)
{
    memset(pt, 0, sizeof(*pt));
    profile_init(&pt->p);
    pt->L.o = L->o;
    pt->L.p = &pt->p;
    pt->L.strings = pt->p.strings_owner;
    pt->L.bc = L->bc;
    pt->L.nr_threads_wanted = jobs;
    pt->L.part = 1;
}

static void part_release(struct part *pt)
{
    if (pt->L.sess)
        session_free(pt->L.sess);
    loader_release(&pt->L);
    profile_release(&pt->p);
    memset(pt, 0, sizeof(*pt));
}

/* The counters of a struct unwind_stat, for adding and sending them. */
static const size_t unwind_counters[] = {
    offsetof(struct unwind_stat, samples), offsetof(struct unwind_stat, to_root),
    offsetof(struct unwind_stat, truncated), offsetof(struct unwind_stat, unknown_pc),
    offsetof(struct unwind_stat, no_binary), offsetof(struct unwind_stat, other_stop),
    offsetof(struct unwind_stat, fp_fallback_samples), offsetof(struct unwind_stat, depth_sum),
    offsetof(struct unwind_stat, suspect_samples),
};
#define NR_UNWIND_COUNTERS (SF_ARRAY_SIZE(unwind_counters) + UNWIND_STOP_NR)

static uint64_t *unwind_counter(struct unwind_stat *u, size_t i)
{
    return i < SF_ARRAY_SIZE(unwind_counters)
               ? (uint64_t *)(void *)((char *)u + unwind_counters[i])
               : &u->stops[i - SF_ARRAY_SIZE(unwind_counters)];
}

static uint64_t unwind_counter_of(const struct unwind_stat *u, size_t i)
{
    return i < SF_ARRAY_SIZE(unwind_counters)
               ? *(const uint64_t *)(const void *)((const char *)u + unwind_counters[i])
               : u->stops[i - SF_ARRAY_SIZE(unwind_counters)];
}

static void add_unwind_stat(struct unwind_stat *to, const struct unwind_stat *from)
{
    for (size_t i = 0; i < NR_UNWIND_COUNTERS; i++)
        *unwind_counter(to, i) += unwind_counter_of(from, i);
}

/* The missing-binary sample counts as they are now (*n entries). */
static uint64_t *missing_counts(const struct binary_cache *bc, size_t *n)
{
    *n = binary_cache_nr_missing(bc);
    uint64_t *v = xcalloc(*n ? *n : 1, sizeof(*v));
    for (size_t i = 0; i < *n; i++)
        v[i] = binary_cache_missing(bc, i)->samples;
    return v;
}

/* Adds a part's profile to L's, in the part's own first-seen orders. */
static void merge_part(struct loader *L, const struct profile *q)
{
    struct profile *p = L->p;
    stack_merge(p->stacks, q->stacks);
    p->total += q->total;
    for (size_t i = 0; i < q->nr_threads; i++)
        thread_slot(L, q->threads[i].pid, q->threads[i].tid, q->threads[i].comm)->samples +=
            q->threads[i].samples;
    for (size_t i = 0; i < q->nr_syscalls; i++) {
        const struct syscall_stat *f = &q->syscalls[i];
        struct syscall_stat *t = syscall_slot(L, strtab_intern(L->strings, f->name));
        t->count += f->count;
        t->exits += f->exits;
        t->errors += f->errors;
        t->lat_total_ns += f->lat_total_ns;
        if (f->lat_max_ns > t->lat_max_ns)
            t->lat_max_ns = f->lat_max_ns;
        if (f->nr_lat) {
            t->lat_ns = xgrow(t->lat_ns, sizeof(*t->lat_ns), t->nr_lat + f->nr_lat, &t->cap_lat);
            memcpy(t->lat_ns + t->nr_lat, f->lat_ns, f->nr_lat * sizeof(*t->lat_ns));
            t->nr_lat += f->nr_lat;
        }
    }
    for (size_t i = 0; i < q->nr_events; i++) {
        uint32_t row = event_index(L, strtab_intern(L->strings, q->events[i].name));
        p->events[row].count += q->events[i].count;    /* after event_index grew it */
    }
    add_unwind_stat(&p->overall, &q->overall);
    for (size_t i = 0; i < q->nr_per_binary; i++)
        add_unwind_stat(binary_stat(L, q->per_binary[i].binary), &q->per_binary[i]);
}

static int write_fd(int fd, const void *buf, size_t n)
{
    const uint8_t *p = buf;
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* What crosses the pipe: u64s and strings (u64 length, UINT64_MAX for
 * NULL, then the bytes). */
struct wire { uint8_t *p; size_t len, cap; };
struct unwire { const uint8_t *p; size_t len, at; int bad; };

static void wire_u64(struct wire *w, uint64_t v)
{
    w->p = xgrow(w->p, 1, w->len + 8, &w->cap);
    memcpy(w->p + w->len, &v, 8);
    w->len += 8;
}

static void wire_str(struct wire *w, const char *s, size_t n)
{
    wire_u64(w, s ? n : UINT64_MAX);
    if (!s)
        return;
    w->p = xgrow(w->p, 1, w->len + n, &w->cap);
    memcpy(w->p + w->len, s, n);
    w->len += n;
}

static uint64_t unwire_u64(struct unwire *u)
{
    uint64_t v = 0;
    if (u->len - u->at < 8) {
        u->bad = 1;
        return 0;
    }
    memcpy(&v, u->p + u->at, 8);
    u->at += 8;
    return v;
}

/* A string, interned in t (NULL for NULL or a bad stream). */
static const char *unwire_str(struct unwire *u, struct strtab *t)
{
    uint64_t n = unwire_u64(u);
    if (u->bad || n == UINT64_MAX)
        return NULL;
    if (n > u->len - u->at) {
        u->bad = 1;
        return NULL;
    }
    char *tmp = xmalloc((size_t)n + 1);
    memcpy(tmp, u->p + u->at, (size_t)n);
    tmp[n] = 0;
    u->at += (size_t)n;
    const char *r = strtab_intern(t, tmp);
    free(tmp);
    return r;
}

static void wire_unwind_stat(struct wire *w, const struct unwind_stat *u)
{
    for (size_t i = 0; i < NR_UNWIND_COUNTERS; i++)
        wire_u64(w, unwind_counter_of(u, i));
}

static void unwire_unwind_stat(struct unwire *r, struct unwind_stat *u)
{
    for (size_t i = 0; i < NR_UNWIND_COUNTERS; i++)
        *unwind_counter(u, i) = unwire_u64(r);
}

/* The child's plan, sent once to the parent (see session_split_second). */
struct child_plan { int fd, planned, sent; const char *path; };

static void child_settled(void *arg, int planned, uint64_t first_end)
{
    struct child_plan *cp = arg;
    if (cp->sent)
        return;
    if (planned && env_flag("SYSFLAME_SPLIT_TRACE"))
        fprintf(stderr, "sysflame: '%s': second part after the flush at offset %llu\n",
                cp->path, (unsigned long long)first_end);
    uint64_t msg[2] = { (uint64_t)planned, first_end };
    cp->planned = planned;
    cp->sent = 1;
    if (write_fd(cp->fd, msg, sizeof(msg)) < 0)
        _exit(0);
    close(cp->fd);
}

/* The child's side: walks to the cut, reads its part, sends it all. */
static void second_part_child(struct loader *parent, const char *path, uint64_t cut,
                              int jobs, int plan_fd, int out_fd)
{
    struct part pt;
    part_init(&pt, parent, jobs);
    /* the missing-binary counts this process had at the fork: only what
     * the part adds goes back */
    size_t nr_missing0;
    uint64_t *samples0 = missing_counts(parent->bc, &nr_missing0);

    struct child_plan cp = { .fd = plan_fd, .path = path };
    pt.rc = session_open(path, &pt.L.sess, &pt.err);
    if (pt.rc < 0) {
        child_settled(&cp, 0, UINT64_MAX);
        _exit(0);
    }
    session_split_second(pt.L.sess, cut, child_settled, &cp);
    pt.rc = run_capture(&pt.L, &pt.err);
    if (!cp.planned) {
        if (!cp.sent)
            child_settled(&cp, 0, UINT64_MAX);
        _exit(0);
    }

    struct wire w = { 0 };
    wire_u64(&w, WIRE_MAGIC);
    wire_u64(&w, pt.rc < 0);
    wire_str(&w, pt.err.msg, strlen(pt.err.msg));
    wire_u64(&w, (uint64_t)(pt.L.saw_exit || session_split_late(pt.L.sess)));
    const struct sess_stats *st = session_get_stats(pt.L.sess);
    wire_u64(&w, st->samples);
    wire_u64(&w, st->lost_events);
    wire_u64(&w, st->lost_samples);
    wire_u64(&w, st->first_time);
    wire_u64(&w, st->last_time);
    const struct profile *q = &pt.p;
    wire_u64(&w, q->total);
    size_t nn = stack_nr_names(q->stacks);
    wire_u64(&w, nn);
    for (uint32_t i = 0; i < nn; i++)
        wire_str(&w, stack_name(q->stacks, i), stack_name_len(q->stacks, i));
    size_t ns = stack_nr_stacks(q->stacks);
    wire_u64(&w, ns);
    for (uint32_t i = 0; i < ns; i++) {
        struct stack_view v;
        stack_get(q->stacks, i, &v);
        wire_u64(&w, v.count);
        wire_u64(&w, v.nr);
        for (uint32_t k = 0; k < v.nr; k++)
            wire_u64(&w, v.frames[k]);
    }
    wire_u64(&w, q->nr_threads);
    for (size_t i = 0; i < q->nr_threads; i++) {
        wire_u64(&w, q->threads[i].pid);
        wire_u64(&w, q->threads[i].tid);
        wire_str(&w, q->threads[i].comm, strlen(q->threads[i].comm));
        wire_u64(&w, q->threads[i].samples);
    }
    wire_u64(&w, q->nr_syscalls);
    for (size_t i = 0; i < q->nr_syscalls; i++) {
        wire_str(&w, q->syscalls[i].name, strlen(q->syscalls[i].name));
        wire_u64(&w, q->syscalls[i].count);
    }
    wire_u64(&w, q->nr_events);
    for (size_t i = 0; i < q->nr_events; i++) {
        wire_str(&w, q->events[i].name, strlen(q->events[i].name));
        wire_u64(&w, q->events[i].count);
    }
    wire_unwind_stat(&w, &q->overall);
    wire_u64(&w, q->nr_per_binary);
    for (size_t i = 0; i < q->nr_per_binary; i++) {
        wire_str(&w, q->per_binary[i].binary, strlen(q->per_binary[i].binary));
        wire_unwind_stat(&w, &q->per_binary[i]);
    }
    size_t nm = binary_cache_nr_missing(parent->bc);
    wire_u64(&w, nm);
    for (size_t i = 0; i < nm; i++) {
        const struct binary_missing *m = binary_cache_missing(parent->bc, i);
        wire_str(&w, m->recorded_path, strlen(m->recorded_path));
        wire_str(&w, m->build_id_hex, strlen(m->build_id_hex));
        wire_str(&w, m->reason, strlen(m->reason));
        wire_u64(&w, m->samples - (i < nr_missing0 ? samples0[i] : 0));
    }
    wire_u64(&w, WIRE_MAGIC);
    write_fd(out_fd, w.p, w.len);
    _exit(0);
}

/* The parent's side of the child's profile: added to L after the first
 * part.  -1 on a stream that does not parse (the child died). */
static int merge_child(struct loader *L, struct part *first, struct input_info *in,
                       const uint8_t *buf, size_t len, int *redo, struct sf_err *err)
{
    struct unwire u = { buf, len, 0, 0 };
    struct profile q;
    profile_init(&q);
    struct strtab *strings = q.strings_owner;
    if (unwire_u64(&u) != WIRE_MAGIC)
        u.bad = 1;
    int failed = unwire_u64(&u) != 0;
    const char *msg = unwire_str(&u, strings);
    *redo = unwire_u64(&u) != 0;
    struct sess_stats st;
    memset(&st, 0, sizeof(st));
    st.samples = unwire_u64(&u);
    st.lost_events = unwire_u64(&u);
    st.lost_samples = unwire_u64(&u);
    st.first_time = unwire_u64(&u);
    st.last_time = unwire_u64(&u);
    q.total = unwire_u64(&u);
    uint64_t nn = unwire_u64(&u);
    uint32_t *ids = NULL;
    size_t ids_cap = 0;
    for (uint64_t i = 0; i < nn && !u.bad; i++) {
        const char *name = unwire_str(&u, strings);
        if (name && stack_intern(q.stacks, name, strlen(name)) != i)
            u.bad = 1;
    }
    uint64_t ns = unwire_u64(&u);
    for (uint64_t i = 0; i < ns && !u.bad; i++) {
        uint64_t count = unwire_u64(&u), nr = unwire_u64(&u);
        if (nr > (u.len - u.at) / 8) {
            u.bad = 1;
            break;
        }
        ids = xgrow(ids, sizeof(*ids), nr ? nr : 1, &ids_cap);
        for (uint64_t k = 0; k < nr; k++) {
            uint64_t id = unwire_u64(&u);
            if (id >= nn)
                u.bad = 1;
            ids[k] = (uint32_t)id;
        }
        if (!u.bad)
            stack_add(q.stacks, ids, (size_t)nr, count);
    }
    free(ids);
    size_t cap = 0;
    uint64_t n = unwire_u64(&u);
    for (uint64_t i = 0; i < n && !u.bad; i++) {
        q.threads = xgrow(q.threads, sizeof(*q.threads), q.nr_threads + 1, &cap);
        struct thread_stat *t = &q.threads[q.nr_threads++];
        t->pid = (uint32_t)unwire_u64(&u);
        t->tid = (uint32_t)unwire_u64(&u);
        t->comm = unwire_str(&u, strings);
        t->samples = unwire_u64(&u);
        if (!t->comm)
            u.bad = 1;
    }
    cap = 0;
    n = unwire_u64(&u);
    for (uint64_t i = 0; i < n && !u.bad; i++) {
        q.syscalls = xgrow(q.syscalls, sizeof(*q.syscalls), q.nr_syscalls + 1, &cap);
        struct syscall_stat *sc = &q.syscalls[q.nr_syscalls++];
        memset(sc, 0, sizeof(*sc));
        sc->name = unwire_str(&u, strings);
        sc->count = unwire_u64(&u);
        if (!sc->name)
            u.bad = 1;
    }
    cap = 0;
    n = unwire_u64(&u);
    for (uint64_t i = 0; i < n && !u.bad; i++) {
        q.events = xgrow(q.events, sizeof(*q.events), q.nr_events + 1, &cap);
        struct event_stat *e = &q.events[q.nr_events++];
        e->name = unwire_str(&u, strings);
        e->count = unwire_u64(&u);
        if (!e->name)
            u.bad = 1;
    }
    unwire_unwind_stat(&u, &q.overall);
    cap = 0;
    n = unwire_u64(&u);
    for (uint64_t i = 0; i < n && !u.bad; i++) {
        q.per_binary = xgrow(q.per_binary, sizeof(*q.per_binary), q.nr_per_binary + 1, &cap);
        struct unwind_stat *b = &q.per_binary[q.nr_per_binary++];
        memset(b, 0, sizeof(*b));
        b->binary = unwire_str(&u, strings);
        unwire_unwind_stat(&u, b);
        if (!b->binary)
            u.bad = 1;
    }
    n = unwire_u64(&u);
    struct binary_missing *missing = NULL;
    size_t nr_missing = 0;
    cap = 0;
    for (uint64_t i = 0; i < n && !u.bad; i++) {
        missing = xgrow(missing, sizeof(*missing), nr_missing + 1, &cap);
        struct binary_missing *m = &missing[nr_missing++];
        memset(m, 0, sizeof(*m));
        m->recorded_path = unwire_str(&u, strings);
        const char *hex = unwire_str(&u, strings);
        m->reason = unwire_str(&u, strings);
        m->samples = unwire_u64(&u);
        if (!m->recorded_path || !hex || !m->reason || strlen(hex) >= sizeof(m->build_id_hex))
            u.bad = 1;
        else
            memcpy(m->build_id_hex, hex, strlen(hex) + 1);
    }
    if (unwire_u64(&u) != WIRE_MAGIC)
        u.bad = 1;
    int rc = 0;
    if (u.bad) {
        rc = -1;
    } else if (failed) {
        sf_error(err, "%s", msg ? msg : "the second reader failed");
        rc = -2;
    } else if (!*redo) {
        merge_part(L, &first->p);
        add_input_stats(L->p, in, session_get_stats(first->L.sess));
        merge_part(L, &q);
        add_input_stats(L->p, in, &st);
        for (size_t i = 0; i < nr_missing; i++)
            if (missing[i].samples)
                binary_cache_add_missing(L->bc, &missing[i]);
    }
    free(missing);
    profile_release(&q);
    return rc;
}

/* The first part's session asks at every round marker whether to stop:
 * markers before the cut cannot be the one, and the child has planned
 * long before the first part gets there. */
static int first_part_stops(void *arg, uint64_t marker)
{
    struct split_run *sr = arg;
    if (sr->planned < 0 && marker < sr->cut) {
        /* before the cut, only look whether the plan is there: when the
         * capture cannot be split, the first part's workers take over */
        struct pollfd pfd = { .fd = sr->plan_fd, .events = POLLIN };
        if (poll(&pfd, 1, 0) <= 0)
            return 0;
    }
    if (sr->planned < 0) {
        uint64_t msg[2];
        size_t got = 0;
        while (got < sizeof(msg)) {
            ssize_t r = read(sr->plan_fd, (char *)msg + got, sizeof(msg) - got);
            if (r < 0 && errno == EINTR)
                continue;
            if (r <= 0)
                break;
            got += (size_t)r;
        }
        sr->planned = got == sizeof(msg) && msg[0] == 1;
        sr->first_end = msg[1];
        if (!sr->planned)
            sr->first->solo = 0;
    }
    return sr->planned && marker == sr->first_end;
}

/* Where the second part starts, as a fraction of the data (the first round
 * marker at or past it): the child also walks the first part's records, so
 * it gets a little less.  SYSFLAME_SPLIT_AT: tests. */
static double split_at(void)
{
    const char *v = getenv("SYSFLAME_SPLIT_AT");
    double f = v ? strtod(v, NULL) : SPLIT_AT;
    return f > 0 && f < 1 ? f : SPLIT_AT;
}

/* Whether a capture is worth splitting: a large regular file, -j 2 or more,
 * and nothing that needs every sample on one thread in order. */
static int split_wanted(const struct loader *L, const char *path)
{
    const struct profile_opts *o = L->o;
    int jobs = o->jobs > 0 ? o->jobs : ncpus();
    if (jobs < 2 || o->on_sample || (o->on_capture && !o->capture_hook_header_only) ||
        o->on_capture_start ||
        o->record_order || !strcmp(path, "-") || env_flag("SYSFLAME_NO_SPLIT"))
        return 0;
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* Whether the capture recorded syscall exits: their pairing with entries
 * would cross the cut, and the capture would be read twice. */
static int has_exit_events(struct session *s)
{
    const struct pd_file *pd = session_file(s);
    for (size_t i = 0; i < pd_nr_attrs(pd); i++) {
        const struct pd_attr *a = pd_attr(pd, i);
        if (a->type == 2 && tp_is_syscall_exit(session_tracepoints(s), a->config))
            return 1;
    }
    return 0;
}

/* Large enough to be worth a second process: the records' size, inflated
 * for a -z capture (by the ratio perf noted). */
static int split_size_ok(const struct pd_info *info)
{
    const char *min = getenv("SYSFLAME_SPLIT_MIN_BYTES");
    uint64_t size = info->data_size;
    if (info->compressed && info->comp_ratio > 1)
        size = size > UINT64_MAX / info->comp_ratio ? UINT64_MAX : size * info->comp_ratio;
    return !info->pipe_mode && size >= (min ? strtoull(min, NULL, 10) : SPLIT_MIN_BYTES);
}

static int read_to_end(int fd, uint8_t **out, size_t *len)
{
    size_t cap = 0;
    *out = NULL;
    *len = 0;
    for (;;) {
        *out = xgrow(*out, 1, *len + 65536, &cap);
        ssize_t r = read(fd, *out + *len, 65536);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return -1;
        if (r == 0)
            return 0;
        *len += (size_t)r;
    }
}

/* Reads the capture split, with sess (open on it) for the first part; the
 * session is freed either way.  1 done (result in *rc), 0 not done: load
 * it again the ordinary way. */
static int load_split(struct loader *L, const char *path, struct session *sess,
                      struct input_info *in, struct sf_err *err, int *rc)
{
    int jobs = L->o->jobs > 0 ? L->o->jobs : ncpus();
    const struct pd_info *info = pd_get_info(session_file(sess));
    int plan_pipe[2], out_pipe[2];
    if (pipe(plan_pipe) < 0) {
        session_free(sess);
        return 0;
    }
    if (pipe(out_pipe) < 0) {
        close(plan_pipe[0]);
        close(plan_pipe[1]);
        session_free(sess);
        return 0;
    }
    struct part first;
    part_init(&first, L, jobs);
    first.L.solo = 1;
    first.L.sess = sess;
    /* what the missing-binary counts were, should the capture be read again */
    size_t nr_missing0;
    uint64_t *missing0 = missing_counts(L->bc, &nr_missing0);
    struct split_run sr = { .first = &first.L, .plan_fd = plan_pipe[0], .planned = -1 };
    sr.cut = info->data_offset + (uint64_t)(split_at() * (double)info->data_size);
    pid_t child = fork();
    if (child == 0) {
        close(plan_pipe[0]);
        close(out_pipe[0]);
        second_part_child(L, path, sr.cut, jobs - 1, plan_pipe[1], out_pipe[1]);
    }
    close(plan_pipe[1]);
    close(out_pipe[1]);
    if (child < 0) {
        close(plan_pipe[0]);
        close(out_pipe[0]);
        free(missing0);
        part_release(&first);
        return 0;
    }
    session_split_first(first.L.sess, first_part_stops, &sr);
    first.rc = run_capture(&first.L, &first.err);
    if (sr.planned < 0)         /* never asked: the capture ended before the cut */
        first_part_stops(&sr, UINT64_MAX);
    uint8_t *buf;
    size_t len;
    int got = read_to_end(out_pipe[0], &buf, &len);
    close(out_pipe[0]);
    close(plan_pipe[0]);
    int status = 0;
    while (waitpid(child, &status, 0) < 0 && errno == EINTR)
        ;

    int done = 1;
    if (first.rc < 0) {
        *err = first.err;
        *rc = -1;
    } else if (!sr.planned) {   /* the first part read it all */
        merge_part(L, &first.p);
        add_input_stats(L->p, in, session_get_stats(first.L.sess));
        finish_input(L->p, in);
        *rc = 0;
        if (L->o->on_capture)
            *rc = L->o->on_capture(L->o->on_capture_arg, first.L.sess, err);
    } else {
        int redo = first.L.saw_exit;
        int m = got < 0 || redo ? -1 : merge_child(L, &first, in, buf, len, &redo, err);
        if (m == -2) {
            *rc = -1;
        } else if (m < 0 || redo) {
            done = 0;           /* nothing was merged: read it again */
            binary_cache_missing_rollback(L->bc, missing0, nr_missing0);
        } else {
            finish_input(L->p, in);
            *rc = 0;
            if (L->o->on_capture)   /* header facts: the first part's session has them */
                *rc = L->o->on_capture(L->o->on_capture_arg, first.L.sess, err);
        }
    }
    free(buf);
    free(missing0);
    part_release(&first);
    return done;
}

static int load_capture(struct loader *L, const char *path, struct input_info *in,
                        struct sf_err *err)
{
    int rc;
    struct session *sess;
    if (session_open(path, &sess, err) < 0)
        return -1;
    if (split_wanted(L, path) && split_size_ok(pd_get_info(session_file(sess))) &&
        !has_exit_events(sess)) {
        /* it takes the session: when it could not finish, read again */
        if (load_split(L, path, sess, in, err, &rc))
            return rc;
        if (session_open(path, &sess, err) < 0)
            return -1;
    }
    L->sess = sess;
    L->path = path;
    rc = run_capture(L, err);
    add_input_stats(L->p, in, session_get_stats(L->sess));
    finish_input(L->p, in);
    session_free(L->sess);
    L->sess = NULL;
    return rc;
}

static int load_one(struct loader *L, const char *path, struct sf_err *err)
{
    struct profile *p = L->p;
    p->inputs = xrealloc(p->inputs, (p->nr_inputs + 1) * sizeof(*p->inputs));
    struct input_info *in = &p->inputs[p->nr_inputs++];
    memset(in, 0, sizeof(*in));
    in->path = strtab_intern(L->strings, path);

    int fd;
    int is_stdin = !strcmp(path, "-");
    if (is_stdin) {
        fd = 0;
    } else {
        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
            return sf_error(err, "'%s': %s", path, strerror(errno));
        struct stat stt;
        if (fstat(fd, &stt) == 0 && S_ISDIR(stt.st_mode)) {
            close(fd);
            return sf_error(err, "'%s': is a directory", path);
        }
    }
    uint8_t head[16];
    ssize_t nh = read_head(fd, head, sizeof(head));
    if (nh <= 0) {
        if (!is_stdin)
            close(fd);
        return sf_error(err, "'%s': empty file", is_stdin ? "<stdin>" : path);
    }
    if (!looks_like_capture(head, (size_t)nh) && !L->o->capture_only) {
        if (!fold_sniff(head, (size_t)nh)) {
            if (!is_stdin)
                close(fd);
            return sf_error(err, "'%s': neither a perf.data file nor folded stacks",
                            is_stdin ? "<stdin>" : path);
        }
        char *rest;
        size_t len;
        int rc = read_all(path, fd, &rest, &len, err);
        if (!is_stdin)
            close(fd);
        if (rc < 0)
            return -1;
        char *text = xmalloc((size_t)nh + len + 1);
        memcpy(text, head, (size_t)nh);
        memcpy(text + nh, rest, len);
        text[(size_t)nh + len] = '\0';
        free(rest);
        in->is_folded = 1;
        uint64_t before = p->total;
        rc = load_folded_text(L, is_stdin ? "<stdin>" : path, text, (size_t)nh + len, err);
        in->samples = p->total - before;
        free(text);
        return rc;
    }
    if (!is_stdin) {
        close(fd);
        return load_capture(L, path, in, err);
    }
    /* stdin capture: give the reader the whole stream back. */
    int pfd[2];
    if (pipe(pfd) < 0)
        return sf_error(err, "'<stdin>': pipe: %s", strerror(errno));
    struct refeed *r = xmalloc(sizeof(*r));
    r->wfd = pfd[1];
    memcpy(r->head, head, (size_t)nh);
    r->nhead = (size_t)nh;
    pthread_t th;
    int saved = dup(0);
    r->rfd = saved;
    if (saved < 0 || dup2(pfd[0], 0) < 0 || pthread_create(&th, NULL, refeed_main, r) != 0) {
        close(pfd[0]);
        close(pfd[1]);
        free(r);
        if (saved >= 0)
            close(saved);
        return sf_error(err, "'<stdin>': cannot set up the input stream");
    }
    close(pfd[0]);
    /* The refeed thread reads the original stdin through `saved`. */
    int rc = load_capture(L, "-", in, err);
    close(0);           /* ends the refeed thread's writes (EPIPE) */
    pthread_join(th, NULL);
    dup2(saved, 0);
    close(saved);
    return rc;
}

static int cmp_syscall(const void *a, const void *b)
{
    const struct syscall_stat *x = a, *y = b;
    if (x->count != y->count)
        return x->count < y->count ? 1 : -1;
    return strcmp(x->name, y->name);
}

static int cmp_event(const void *a, const void *b)
{
    const struct event_stat *x = a, *y = b;
    if (x->count != y->count)
        return x->count < y->count ? 1 : -1;
    return strcmp(x->name, y->name);
}

static int cmp_thread(const void *a, const void *b)
{
    const struct thread_stat *x = a, *y = b;
    if (x->samples != y->samples)
        return x->samples < y->samples ? 1 : -1;
    return x->tid < y->tid ? -1 : x->tid > y->tid;
}

int profile_suspect_binary(const struct profile *p, const struct unwind_stat *u)
{
    return u->suspect_samples >= 10 && u->suspect_samples * 20 >= p->overall.samples;
}

int profile_load(const char *const *paths, size_t n, const struct profile_opts *o,
                 struct profile *p, struct sf_err *err)
{
    profile_init(p);
    if (o->record_order)
        stack_record_order(p->stacks, 1);
    struct strtab *strings = p->strings_owner;

    struct loader L = { .o = o, .p = p, .strings = strings };
    L.bc = binary_cache_new(&o->bin);
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++)
        rc = load_one(&L, paths[i], err);

    size_t nm = binary_cache_nr_missing(L.bc);
    if (nm) {
        p->missing = xcalloc(nm, sizeof(*p->missing));
        for (size_t i = 0; i < nm; i++) {
            const struct binary_missing *m = binary_cache_missing(L.bc, i);
            p->missing[i] = *m;
            p->missing[i].recorded_path = strtab_intern(strings, m->recorded_path);
            p->missing[i].reason = strtab_intern(strings, m->reason);
        }
        p->nr_missing = nm;
    }
    p->overall.binary = "all";
    binary_cache_free(L.bc);
    loader_release(&L);

    if (p->nr_syscalls)
        qsort(p->syscalls, p->nr_syscalls, sizeof(*p->syscalls), cmp_syscall);
    if (p->nr_events)
        qsort(p->events, p->nr_events, sizeof(*p->events), cmp_event);
    if (p->nr_threads)
        qsort(p->threads, p->nr_threads, sizeof(*p->threads), cmp_thread);
    return rc;
}

void profile_release(struct profile *p)
{
    if (!p)
        return;
    stack_set_free(p->stacks);
    for (size_t i = 0; i < p->nr_syscalls; i++)
        free(p->syscalls[i].lat_ns);
    free(p->syscalls);
    free(p->threads);
    free(p->events);
    free(p->per_binary);
    free(p->missing);
    free(p->inputs);
    if (p->strings_owner) {
        strtab_release(p->strings_owner);
        free(p->strings_owner);
    }
    memset(p, 0, sizeof(*p));
}
