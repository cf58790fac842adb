/* session.c - SESSION stage: pulls records from the reader, decodes them,
 * re-orders them by time one FINISHED_ROUND window at a time (perf's
 * ordered-events rule), tracks comm and code mappings per process, and hands
 * each sample with its context (comm, mapping snapshot, tracepoint) on. */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include <unistd.h>
#include "session.h"
#include "session_int.h"
#include "perfdata_int.h"
#include "hashtab.h"
#include "strtab.h"

#define CPUMODE_KERNEL 1
#define PID_NONE 0xffffffffu

/* --- ordered queue ------------------------------------------------------ */

struct oq_ent {
    uint64_t time, seq;
    size_t off;                 /* record bytes in oq.buf */
    uint64_t file_offset;
    uint32_t type;
    uint16_t misc, size;
    uint8_t from_compressed;
    uint8_t spilled;            /* bytes at off in the spill file, or (2)
                                   at file_offset in the input itself */
};

/* perf writes a whole -m 256M capture as one to three rounds, and memory
 * must not grow with the file.  Records of a mapped input are queued as
 * their offset only and read in place at delivery.  Otherwise, past
 * SPILL_AT queued bytes, records are read back through a few windows when
 * their round closes: from the input file itself when it is seekable and
 * the record was not compressed, else from an unlinked temporary file
 * they were written to.  SYSFLAME_SPILL_BYTES overrides the threshold (tests). */
#define SPILL_AT        ((size_t)4 << 20)
#define SPILL_WBUF      ((size_t)1 << 20)
#define SPILL_WIN       ((size_t)256 << 10)
#define SPILL_NR_WIN    4
#define IN_PLACE_RELEASE ((uint64_t)4 << 20)  /* > a batch of samples (256 x ~8.5 KB) */
#define DELIVERY_PREFETCH_AHEAD 3   /* records whose first lines are loaded ahead */

struct spill {
    int fd;                     /* -1 until needed; -2 = could not create */
    uint64_t len;               /* bytes written (or buffered) */
    uint8_t *wbuf;              /* pending writes for [len - wlen, len) */
    size_t wlen;
    struct { uint8_t *buf; uint64_t base; size_t len; uint64_t used; int fd; } win[SPILL_NR_WIN];
    uint64_t tick;
    /* With threads allowed, a full write buffer goes to a writer thread
     * (copying it into the page cache is a third of a -z run) while the
     * reader fills the other; reads of the file wait for it first. */
    int async;
    int writer_up, busy, stop;
    int werr, rerr;             /* errno of a failed write / read, 0 if none */
    char *dir;                  /* where the file is (for messages) */
    pthread_t writer;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    uint8_t *wbuf2;             /* being written while busy */
    size_t w2len;
    uint64_t w2at;
};

/* Records waiting for their round to close.  Bytes live in one arena that
 * is compacted into a spare after each flush, so the steady state does no
 * allocation and memory stays bounded by the biggest two rounds. */
struct oq {
    struct oq_ent *ents;
    size_t nr, cap;
    struct oq_ent *merge;       /* oq_sort's second buffer, kept: a fresh
                                   one per round is a fresh mmap of zero pages */
    size_t merge_cap;
    uint8_t *buf, *spare;
    size_t len, buf_cap, spare_cap;
    uint64_t seq;
    uint64_t max_time;          /* newest queued time (perf's max_timestamp) */
    uint64_t next_flush;        /* horizon for the next FINISHED_ROUND */
    uint64_t last_flush;        /* time of the last delivered queued record */
    int sorted;
    size_t spill_at;
    struct spill spill;
    uint64_t in_place_bytes;    /* delivered from a mapped input since the
                                   last pd_release_pages */
};

/* --- session ------------------------------------------------------------ */

struct thread {
    struct sess_thread_info info;
    int comm_set;
};

struct proc {
    uint32_t pid;
    struct sess_maps *maps;     /* the session's reference */
    /* its exec was recorded, and since then it created no thread or
     * process: still single-threaded (sess_sample.first_thread) */
    uint8_t execd, spawned;
};

struct session {
    struct pd_file *pd;
    struct ev_decoder *dec;
    /* A capture split between two sessions (see session_split_second). */
    int (*stop_at)(void *arg, uint64_t marker, uint64_t *upto); /* first part: stop? */
    void *stop_arg;
    uint64_t skip_before;               /* second part: records before this */
    uint64_t skip_upto;                 /* ... with time <= this are the first's */
    struct split_walk *walk;            /* second part: walking to the cut */
    int late;                           /* second part: a record at or below
                                           the horizon after it (see plan) */
    int replaying;                      /* second part: the first's state */
    int observe_after;                  /* first part: read on past the stop */
    int observing;                      /* ... and now past it (split.h) */
    int halted;                         /* session_halt */
    int lost_seen;                      /* a LOST or LOST_SAMPLES record
                                           delivered, or replayed */
    struct tp_set *tp;
    size_t nr_attrs;
    char **event_names;         /* NULL until attr_resolve */
    const struct tp_event **attr_tp;
    struct sess_stats stats;
    struct oq oq;
    struct strtab strings;       /* comms, filenames: pointers compared and kept */
    struct u64map tid_index, pid_index;   /* -> index into threads/procs */
    struct thread **threads;
    size_t nr_threads, threads_cap;
    struct proc **procs;
    size_t nr_procs, procs_cap;
    struct sess_maps *kmaps;
    struct sess_maps *empty;
    struct sess_map **owned;    /* every mapping object, freed at the end */
    size_t nr_owned, owned_cap;
    const struct sess_map **all;/* mappings from MMAP records, in order */
    size_t nr_all, all_cap;
    const struct sess_ops *ops;
    uint64_t seq;
    uint32_t recorder_pid;              /* session_recorder_pid; 0 unknown */
};

/* --- mapping snapshots -------------------------------------------------- */

static struct sess_maps *maps_alloc(size_t nr)
{
    struct sess_maps *m = xmalloc(sizeof(*m) + (nr ? nr : 1) * sizeof(m->maps[0]));

    m->refcount = 1;
    m->nr = nr;
    m->maps = (const struct sess_map **)(m + 1);
    return m;
}

void sess_maps_get(const struct sess_maps *m)
{
    if (m)
        __atomic_add_fetch((int *)&m->refcount, 1, __ATOMIC_RELAXED);
}

void sess_maps_put(const struct sess_maps *m)
{
    if (m && __atomic_sub_fetch((int *)&m->refcount, 1, __ATOMIC_ACQ_REL) == 0)
        free((void *)m);
}

const struct sess_map *sess_maps_find(const struct sess_maps *m, uint64_t addr)
{
    size_t lo = 0, hi;

    if (!m)
        return NULL;
    hi = m->nr;
    /* last map whose start <= addr */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;

        if (m->maps[mid]->start <= addr)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == 0)
        return NULL;
    return addr < m->maps[lo - 1]->end ? m->maps[lo - 1] : NULL;
}

static struct sess_map *map_own(struct session *s, const struct sess_map *tmpl)
{
    struct sess_map *m = xmalloc(sizeof(*m));

    *m = *tmpl;
    m->user = NULL;
    s->owned = xgrow(s->owned, sizeof(*s->owned), s->nr_owned + 1, &s->owned_cap);
    s->owned[s->nr_owned++] = m;
    return m;
}

/* A new snapshot: `old` with `nm` added; mappings it overlaps are cut back
 * (perf keeps the parts outside the new range). */
static struct sess_maps *maps_insert(struct session *s, const struct sess_maps *old,
                                     const struct sess_map *nm)
{
    size_t before = 0, after = 0, k = 0;
    struct sess_maps *m;

    for (size_t i = 0; i < old->nr; i++) {
        const struct sess_map *o = old->maps[i];

        if (o->end <= nm->start)
            before++;
        else if (o->start >= nm->end)
            after++;
        else {
            before += o->start < nm->start;
            after += o->end > nm->end;
        }
    }
    m = maps_alloc(before + 1 + after);
    for (size_t i = 0; i < old->nr; i++) {
        const struct sess_map *o = old->maps[i];

        if (o->end <= nm->start) {
            m->maps[k++] = o;
        } else if (o->start < nm->end && o->start < nm->start) {
            struct sess_map left = *o;
            left.end = nm->start;
            m->maps[k++] = map_own(s, &left);
        }
    }
    m->maps[k++] = nm;
    for (size_t i = 0; i < old->nr; i++) {
        const struct sess_map *o = old->maps[i];

        if (o->start >= nm->end) {
            m->maps[k++] = o;
        } else if (o->end > nm->start && o->end > nm->end) {
            struct sess_map right = *o;
            right.pgoff += nm->end - o->start;
            right.start = nm->end;
            m->maps[k++] = map_own(s, &right);
        }
    }
    return m;
}

/* --- threads and processes ---------------------------------------------- */

static struct thread *thread_find(struct session *s, uint32_t tid)
{
    uint32_t *i = u64map_get(&s->tid_index, tid);

    return i ? s->threads[*i] : NULL;
}

static struct thread *thread_findnew(struct session *s, uint32_t pid, uint32_t tid)
{
    struct thread *t = thread_find(s, tid);

    if (t)
        return t;
    t = xcalloc(1, sizeof(*t));
    t->info.pid = pid;
    t->info.tid = tid;
    s->threads = xgrow(s->threads, sizeof(*s->threads), s->nr_threads + 1,
                       &s->threads_cap);
    u64map_put(&s->tid_index, tid, (uint32_t)s->nr_threads);
    s->threads[s->nr_threads++] = t;
    s->stats.nr_threads = s->nr_threads;
    return t;
}

static struct proc *proc_find(struct session *s, uint32_t pid)
{
    uint32_t *i = u64map_get(&s->pid_index, pid);

    return i ? s->procs[*i] : NULL;
}

static struct proc *proc_findnew(struct session *s, uint32_t pid)
{
    struct proc *p = proc_find(s, pid);

    if (p)
        return p;
    p = xcalloc(1, sizeof(*p));
    p->pid = pid;
    p->maps = s->empty;
    sess_maps_get(s->empty);
    s->procs = xgrow(s->procs, sizeof(*s->procs), s->nr_procs + 1, &s->procs_cap);
    u64map_put(&s->pid_index, pid, (uint32_t)s->nr_procs);
    s->procs[s->nr_procs++] = p;
    s->stats.nr_processes = s->nr_procs;
    return p;
}

static void proc_set_maps(struct proc *p, struct sess_maps *m)
{
    sess_maps_put(p->maps);
    p->maps = m;
}

/* The comm perf shows for a thread: its own, else its process's, else
 * ":<tid>" (perf's name for a thread it never saw a COMM for). */
static const char *comm_of(struct session *s, uint32_t pid, uint32_t tid)
{
    struct thread *t = thread_find(s, tid);
    char buf[32];

    if (t && t->comm_set)
        return t->info.comm;
    if (tid != pid) {
        struct thread *leader = thread_find(s, pid);
        if (leader && leader->comm_set)
            return leader->info.comm;
    }
    if (tid == 0)
        return strtab_intern(&s->strings, "swapper");
    snprintf(buf, sizeof(buf), ":%u", tid);
    return strtab_intern(&s->strings, buf);
}

/* --- event handlers ----------------------------------------------------- */

static void find_build_id(struct session *s, struct sess_map *m)
{
    const struct pd_info *info = pd_get_info(s->pd);

    for (size_t i = 0; info && i < info->nr_build_ids; i++) {
        const struct pd_build_id *b = &info->build_ids[i];

        if (b->filename && b->size && strcmp(b->filename, m->filename) == 0) {
            size_t n = b->size > sizeof(m->build_id) ? sizeof(m->build_id) : b->size;
            memcpy(m->build_id, b->id, n);
            m->build_id_size = (uint8_t)n;
            return;
        }
    }
}

static void on_mmap(struct session *s, const struct ev_mmap *e)
{
    struct sess_map tmpl;
    struct sess_map *m;

    s->stats.mmaps++;
    if (e->is_data || e->len == 0)
        return;
    memset(&tmpl, 0, sizeof(tmpl));
    tmpl.start = e->start;
    tmpl.end = e->start + e->len < e->start ? UINT64_MAX : e->start + e->len;
    tmpl.pgoff = e->pgoff;
    tmpl.filename = strtab_intern(&s->strings, e->filename ? e->filename : "");
    tmpl.prot = e->prot;
    tmpl.flags = e->flags;
    tmpl.maj = e->maj;
    tmpl.min = e->min;
    tmpl.ino = e->ino;
    tmpl.kernel = e->pid == PID_NONE || (e->misc & 7) == CPUMODE_KERNEL;
    m = map_own(s, &tmpl);
    if (e->build_id_size) {
        m->build_id_size = e->build_id_size > 20 ? 20 : e->build_id_size;
        memcpy(m->build_id, e->build_id, m->build_id_size);
    } else {
        find_build_id(s, m);
    }
    s->all = xgrow(s->all, sizeof(*s->all), s->nr_all + 1, &s->all_cap);
    s->all[s->nr_all++] = m;
    if (m->kernel) {
        struct sess_maps *nk = maps_insert(s, s->kmaps, m);
        sess_maps_put(s->kmaps);
        s->kmaps = nk;
    } else {
        struct proc *p = proc_findnew(s, e->pid);
        proc_set_maps(p, maps_insert(s, p->maps, m));
    }
}

static void on_comm(struct session *s, const struct ev_comm *e)
{
    struct thread *t = thread_findnew(s, e->pid, e->tid);
    struct proc *p = proc_findnew(s, e->pid);

    s->stats.comms++;
    t->info.pid = e->pid;
    t->info.comm = strtab_intern(&s->strings, e->comm ? e->comm : "");
    t->comm_set = 1;
    /* exec replaces the whole address space: the new image's MMAPs follow */
    if (e->exec) {
        p->execd = 1;
        p->spawned = 0;
        sess_maps_get(s->empty);
        proc_set_maps(p, s->empty);
    }
}

/* Whether comm is the recording program's ("perf", from the recorded
 * command line's first word). */
static int is_recorder_comm(struct session *s, const char *comm)
{
    const struct pd_info *h = pd_get_info(s->pd);
    const char *argv0 = h && h->cmdline_argc ? h->cmdline[0] : "perf";
    const char *base = strrchr(argv0, '/');
    base = base ? base + 1 : argv0;
    return !strncmp(comm, base, 15) && *base;       /* comms keep 15 characters */
}

uint32_t session_recorder_pid(const struct session *s)
{
    return s->recorder_pid;
}

static void on_fork(struct session *s, const struct ev_task *e)
{
    struct thread *parent = thread_find(s, e->ptid);
    const char *pcomm = parent && parent->comm_set ? parent->info.comm : NULL;
    struct thread *child;

    s->stats.forks++;
    if (!pcomm) {
        struct thread *leader = thread_find(s, e->ppid);
        if (leader && leader->comm_set)
            pcomm = leader->info.comm;
    }
    if (!s->recorder_pid && !s->stats.samples && e->pid != e->ppid && pcomm &&
        is_recorder_comm(s, pcomm))
        s->recorder_pid = e->ppid;
    struct proc *creator = proc_find(s, e->ppid);
    if (creator)
        creator->spawned = 1;   /* a thread, or a process */
    child = thread_findnew(s, e->pid, e->tid);
    child->info.pid = e->pid;
    child->comm_set = pcomm != NULL;
    child->info.comm = pcomm;
    if (e->pid != e->ppid) {
        /* a new process starts with a copy of its parent's address space;
         * sharing the immutable snapshot is that copy */
        struct proc *pp = proc_find(s, e->ppid);
        struct proc *cp = proc_findnew(s, e->pid);
        struct sess_maps *m = pp ? pp->maps : s->empty;

        sess_maps_get(m);
        proc_set_maps(cp, m);
    } else {
        proc_findnew(s, e->pid);
    }
}

/* Names attribute i and finds its tracepoint format on first use: looking
 * a format up has libtraceevent parse it, and most attributes of a
 * capture of every syscall tracepoint never have a sample.  Called from
 * the session's thread only. */
static char *default_event_name(const struct pd_attr *a);

static void attr_resolve(struct session *s, size_t i)
{
    if (s->event_names[i])
        return;
    const struct pd_attr *a = pd_attr(s->pd, i);
    const struct tp_event *e = a->type == 2 ? tp_find(s->tp, a->config) : NULL;

    s->attr_tp[i] = e;
    if (e) {
        struct sbuf sb = SBUF_INIT;
        sbuf_addf(&sb, "%s:%s", tp_system(e), tp_name(e));
        s->event_names[i] = sbuf_detach(&sb);
    } else if (a->name) {
        s->event_names[i] = xstrdup(a->name);
    } else {
        s->event_names[i] = default_event_name(a);
    }
}

static int on_sample(struct session *s, const struct ev_sample *e, struct sf_err *err)
{
    struct sess_sample ss;
    struct thread *t;
    struct proc *p;
    size_t ai = e->attr_index;
    /* the other part's (the overlap of a split capture): not counted */
    int observe = s->replaying || s->observing;

    if (s->halted)
        return 0;
    if (!observe) {
        s->stats.samples++;
        if (ai < s->nr_attrs)
            s->stats.samples_per_attr[ai]++;
    }
    if (e->idn.has_time && !observe) {
        if (!s->stats.first_time || e->idn.time < s->stats.first_time)
            s->stats.first_time = e->idn.time;
        if (e->idn.time > s->stats.last_time)
            s->stats.last_time = e->idn.time;
    }
    memset(&ss, 0, sizeof(ss));
    ss.sample = e;
    ss.observe = observe;
    ss.kmaps = s->kmaps;
    ss.seq = s->seq++;
    if (e->idn.has_tid) {
        ss.comm = comm_of(s, e->idn.pid, e->idn.tid);
        t = thread_findnew(s, e->idn.pid, e->idn.tid);
        if (!t->comm_set)
            t->info.comm = ss.comm;
        t->info.samples += !observe;
        p = e->idn.pid == PID_NONE ? NULL : proc_findnew(s, e->idn.pid);
        ss.maps = p ? p->maps : s->empty;
        ss.first_thread = p && p->execd && !p->spawned && e->idn.tid == e->idn.pid &&
                          !s->lost_seen;
    } else {
        ss.comm = strtab_intern(&s->strings, ":-1");
        ss.maps = s->empty;
    }
    if (ai < s->nr_attrs) {
        attr_resolve(s, ai);
        ss.tp = s->attr_tp[ai];
        ss.event_name = s->event_names[ai];
    } else {
        ss.event_name = "";
    }
    if (s->ops && s->ops->sample)
        return s->ops->sample(s->ops->arg, &ss, err);
    return 0;
}

static int deliver(struct session *s, const struct pd_record *rec, struct sf_err *err)
{
    struct ev_event ev;

    if (ev_decode(s->dec, rec, &ev, err) < 0)
        return -1;
    switch (ev.kind) {
    case EV_SAMPLE:
        return on_sample(s, &ev.u.sample, err);
    case EV_MMAP:
        on_mmap(s, &ev.u.mmap);
        break;
    case EV_COMM:
        on_comm(s, &ev.u.comm);
        break;
    case EV_FORK:
        on_fork(s, &ev.u.task);
        break;
    case EV_EXIT:
        s->stats.exits++;
        break;
    case EV_LOST:
        s->lost_seen = 1;
        if (s->replaying || s->observing)
            break;              /* the other part counts it */
        s->stats.lost_records++;
        s->stats.lost_events += ev.u.lost.lost;
        break;
    case EV_LOST_SAMPLES:
        s->lost_seen = 1;
        if (!s->replaying && !s->observing)
            s->stats.lost_samples += ev.u.lost.lost;
        break;
    case EV_THROTTLE:
        if (ev.u.throttle.unthrottle)
            s->stats.unthrottles++;
        else
            s->stats.throttles++;
        break;
    default:
        break;
    }
    return 0;
}

/* --- ordering ----------------------------------------------------------- */

static int write_all(int fd, const uint8_t *buf, size_t n, uint64_t at)
{
    size_t done = 0;
    while (done < n) {
        ssize_t w = pwrite(fd, buf + done, n - done, (off_t)(at + done));
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            if (w == 0)
                errno = ENOSPC;
            return -1;
        }
        done += (size_t)w;
    }
    return 0;
}

static void *spill_writer(void *arg)
{
    struct spill *sp = arg;
    pthread_mutex_lock(&sp->mu);
    for (;;) {
        while (!sp->busy && !sp->stop)
            pthread_cond_wait(&sp->cv, &sp->mu);
        if (!sp->busy)
            break;
        pthread_mutex_unlock(&sp->mu);
        int rc = write_all(sp->fd, sp->wbuf2, sp->w2len, sp->w2at);
        int e = errno;
        pthread_mutex_lock(&sp->mu);
        if (rc < 0 && !sp->werr)
            sp->werr = e ? e : EIO;
        sp->busy = 0;
        pthread_cond_broadcast(&sp->cv);
    }
    pthread_mutex_unlock(&sp->mu);
    return NULL;
}

/* Waits until the writer thread has nothing in hand; -1 if a write failed. */
static int spill_wait(struct spill *sp)
{
    if (!sp->writer_up)
        return 0;
    pthread_mutex_lock(&sp->mu);
    while (sp->busy)
        pthread_cond_wait(&sp->cv, &sp->mu);
    int err = sp->werr;
    pthread_mutex_unlock(&sp->mu);
    return err ? -1 : 0;
}

static void spill_free(struct spill *sp)
{
    if (sp->writer_up) {
        pthread_mutex_lock(&sp->mu);
        sp->stop = 1;
        pthread_cond_broadcast(&sp->cv);
        pthread_mutex_unlock(&sp->mu);
        pthread_join(sp->writer, NULL);
        pthread_mutex_destroy(&sp->mu);
        pthread_cond_destroy(&sp->cv);
        sp->writer_up = 0;
    }
    if (sp->fd >= 0)
        close(sp->fd);
    sp->fd = -1;
    free(sp->dir);
    sp->dir = NULL;
    free(sp->wbuf);
    free(sp->wbuf2);
    sp->wbuf = sp->wbuf2 = NULL;
    for (size_t i = 0; i < SPILL_NR_WIN; i++)
        free(sp->win[i].buf);
    memset(sp->win, 0, sizeof(sp->win));
}

static int spill_open(struct spill *sp)
{
    const char *dir = getenv("TMPDIR");
    char path[4096];

    dir = dir && *dir ? dir : "/tmp";
    snprintf(path, sizeof(path), "%s/sysflame-spill-XXXXXX", dir);
    sp->fd = mkstemp(path);
    if (sp->fd < 0) {
        sp->fd = -2;
        return -1;
    }
    unlink(path);
    sp->dir = xstrdup(dir);
    sp->wbuf = xmalloc(SPILL_WBUF);
    if (sp->async) {
        pthread_mutex_init(&sp->mu, NULL);
        pthread_cond_init(&sp->cv, NULL);
        sp->wbuf2 = xmalloc(SPILL_WBUF);
        if (pthread_create(&sp->writer, NULL, spill_writer, sp) == 0) {
            sp->writer_up = 1;
        } else {
            pthread_mutex_destroy(&sp->mu);
            pthread_cond_destroy(&sp->cv);
        }
    }
    return 0;
}

/* Writes the buffered bytes out: handed to the writer thread when there is
 * one (`sync`: and waits until they are in the file), else here. */
static int spill_drain(struct spill *sp, int sync)
{
    uint64_t at = sp->len - sp->wlen;
    if (!sp->writer_up) {
        if (write_all(sp->fd, sp->wbuf, sp->wlen, at) < 0) {
            if (!sp->werr)
                sp->werr = errno ? errno : EIO;
            return -1;
        }
        sp->wlen = 0;
        return 0;
    }
    if (spill_wait(sp) < 0)
        return -1;
    if (sp->wlen) {
        pthread_mutex_lock(&sp->mu);
        uint8_t *t = sp->wbuf2;
        sp->wbuf2 = sp->wbuf;
        sp->wbuf = t;
        sp->w2len = sp->wlen;
        sp->w2at = at;
        sp->busy = 1;
        pthread_cond_broadcast(&sp->cv);
        pthread_mutex_unlock(&sp->mu);
        sp->wlen = 0;
    }
    return sync ? spill_wait(sp) : 0;
}

/* Appends a record (padded to 8); returns its offset, or -1 when the spill
 * file cannot be written (the caller keeps the record in memory). */
static int64_t spill_put(struct spill *sp, const uint8_t *data, size_t size)
{
    size_t padded = (size + 7) & ~(size_t)7;

    if (sp->fd == -1 && spill_open(sp) < 0)
        return -1;
    if (sp->fd < 0)
        return -1;
    if (sp->wlen + padded > SPILL_WBUF && spill_drain(sp, 0) < 0)
        return -1;
    memcpy(sp->wbuf + sp->wlen, data, size);
    memset(sp->wbuf + sp->wlen + size, 0, padded - size);
    sp->wlen += padded;
    sp->len += padded;
    return (int64_t)(sp->len - padded);
}

/* Bytes [off, off+size) of the spill file (fd -1) or of the input (its
 * fd), through the least recently used window; NULL on a read error. */
static const uint8_t *spill_get(struct spill *sp, int fd, uint64_t off, size_t size)
{
    size_t pick = 0;

    if (fd < 0)
        fd = sp->fd;
    for (size_t i = 0; i < SPILL_NR_WIN; i++) {
        if (sp->win[i].buf && sp->win[i].fd == fd && off >= sp->win[i].base &&
            off + size <= sp->win[i].base + sp->win[i].len) {
            sp->win[i].used = ++sp->tick;
            return sp->win[i].buf + (off - sp->win[i].base);
        }
        if (sp->win[i].used < sp->win[pick].used)
            pick = i;
    }
    if (fd == sp->fd && spill_drain(sp, 1) < 0)
        return NULL;
    if (!sp->win[pick].buf)
        sp->win[pick].buf = xmalloc(SPILL_WIN);
    size_t len = 0;
    while (len < size) {
        ssize_t r = pread(fd, sp->win[pick].buf + len, SPILL_WIN - len, (off_t)(off + len));
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            sp->rerr = r < 0 ? errno : EIO;     /* EOF: the file was cut short */
            return NULL;
        }
        len += (size_t)r;
    }
    sp->win[pick].fd = fd;
    sp->win[pick].base = off;
    sp->win[pick].len = len;
    sp->win[pick].used = ++sp->tick;
    return sp->win[pick].buf;
}

/* Called when the queue is empty: the spill file starts over. */
static void spill_reset(struct spill *sp)
{
    if (sp->fd < 0 || !sp->len)
        return;
    if (spill_wait(sp) < 0)
        return;     /* keep the file: a write in hand failed */
    sp->len = sp->wlen = 0;      /* windows on the input file stay valid */
    for (size_t i = 0; i < SPILL_NR_WIN; i++)
        if (sp->win[i].fd == sp->fd)
            sp->win[i].len = 0, sp->win[i].base = 0, sp->win[i].used = 0;
    if (ftruncate(sp->fd, 0) < 0)
        return;     /* only disk space is lost */
}

static void oq_push(struct session *s, const struct pd_record *rec, uint64_t time)
{
    struct oq *q = &s->oq;
    size_t padded = ((size_t)rec->size + 7) & ~(size_t)7;
    struct oq_ent *e;

    int64_t spill_off = -1;

    if (time < q->last_flush && !s->observing)
        s->stats.out_of_order++;
    int in_input = 0;
    if (!rec->from_compressed &&
        pd_record_in_place(s->pd, rec->file_offset, rec->size) == rec->data) {
        /* a mapped input: point back at the record, copy nothing */
        spill_off = (int64_t)rec->file_offset;
        in_input = 1;
    } else if (q->len + padded > q->spill_at) {
        if (!rec->from_compressed && pd_reread_fd(s->pd) >= 0) {
            spill_off = (int64_t)rec->file_offset;
            in_input = 1;
        } else {
            spill_off = spill_put(&q->spill, rec->data, rec->size);
        }
    }
    if (spill_off < 0) {
        q->buf = xgrow(q->buf, 1, q->len + padded, &q->buf_cap);
        memcpy(q->buf + q->len, rec->data, rec->size);
    }
    q->ents = xgrow(q->ents, sizeof(*q->ents), q->nr + 1, &q->cap);
    if (q->nr == 0) {
        q->max_time = time;
        q->sorted = 1;
    } else {
        if (time < q->ents[q->nr - 1].time)
            q->sorted = 0;
        if (time > q->max_time)
            q->max_time = time;
    }
    e = &q->ents[q->nr++];
    e->time = time;
    e->seq = q->seq++;
    e->file_offset = rec->file_offset;
    e->type = rec->type;
    e->misc = rec->misc;
    e->size = rec->size;
    e->from_compressed = rec->from_compressed != 0;
    e->spilled = spill_off < 0 ? 0 : in_input ? 2 : 1;
    if (e->spilled) {
        e->off = (size_t)spill_off;
    } else {
        e->off = q->len;
        q->len += padded;
    }
}

static int cmp_ent(const void *a, const void *b)
{
    const struct oq_ent *x = a, *y = b;

    if (x->time != y->time)
        return x->time < y->time ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static int ent_before(const struct oq_ent *x, const struct oq_ent *y)
{
    return x->time < y->time || (x->time == y->time && x->seq < y->seq);
}

/* A round holds one time-ordered run per ring buffer perf drained into
 * it (a few per CPU): merging the runs costs one comparison per record
 * and pass, against log2(n) for qsort.  Same order either way (time, then
 * file order, is a total order). */
static void oq_sort(struct oq *q)
{
    size_t n = q->nr, runs = 1;
    for (size_t i = 1; i < n; i++)
        runs += ent_before(&q->ents[i], &q->ents[i - 1]);
    if (runs == 1)
        return;
    if (runs > 64) {
        qsort(q->ents, n, sizeof(*q->ents), cmp_ent);
        return;
    }
    size_t *bound = xmalloc((runs + 1) * sizeof(*bound));
    size_t nb = 0;
    bound[nb++] = 0;
    for (size_t i = 1; i < n; i++)
        if (ent_before(&q->ents[i], &q->ents[i - 1]))
            bound[nb++] = i;
    bound[nb] = n;              /* nb runs: [bound[k], bound[k+1]) */
    q->merge = xgrow(q->merge, sizeof(*q->merge), n, &q->merge_cap);
    struct oq_ent *src = q->ents, *dst = q->merge;
    while (nb > 1) {
        size_t out = 0, k;
        for (k = 0; k + 1 < nb; k += 2) {
            size_t a = bound[k], ae = bound[k + 1], b = ae, be = bound[k + 2], o = a;
            while (a < ae && b < be)
                dst[o++] = ent_before(&src[b], &src[a]) ? src[b++] : src[a++];
            while (a < ae)
                dst[o++] = src[a++];
            while (b < be)
                dst[o++] = src[b++];
            bound[out++] = bound[k];
        }
        if (k < nb) {           /* odd run out: carried over */
            memcpy(dst + bound[k], src + bound[k], (bound[k + 1] - bound[k]) * sizeof(*dst));
            bound[out++] = bound[k];
        }
        bound[out] = n;
        nb = out;
        struct oq_ent *t = src;
        src = dst;
        dst = t;
    }
    if (src != q->ents) {       /* the result is in the merge buffer: swap */
        size_t c = q->cap;
        q->merge = q->ents;
        q->ents = src;
        q->cap = q->merge_cap;
        q->merge_cap = c;
    }
    free(bound);
}

/* The error for a queued record that cannot be had back: from the spill
 * file (its write or its read failed) or from the input file itself. */
static int spill_failed(struct session *s, int from_input, struct sf_err *err)
{
    const struct spill *sp = &s->oq.spill;
    const char *dir = sp->dir ? sp->dir : "TMPDIR";
    if (from_input)
        return sf_error(err, "'%s': cannot read back queued records from the input: %s",
                        pd_path(s->pd), strerror(sp->rerr ? sp->rerr : EIO));
    if (sp->werr)
        return sf_error(err, "'%s': cannot write queued records to a temporary file in %s: "
                        "%s (TMPDIR chooses the folder)", pd_path(s->pd), dir,
                        strerror(sp->werr));
    return sf_error(err, "'%s': cannot read back queued records from a temporary file in %s: %s",
                    pd_path(s->pd), dir, strerror(sp->rerr ? sp->rerr : EIO));
}

/* Delivers queued records with time <= limit, oldest first, file order
 * among equal times, then compacts what is left. */
static int oq_flush(struct session *s, uint64_t limit, struct sf_err *err)
{
    struct oq *q = &s->oq;
    size_t i = 0, len = 0;

    if (!q->sorted) {
        oq_sort(q);
        q->sorted = 1;
    }
    for (; i < q->nr && q->ents[i].time <= limit; i++) {
        const struct oq_ent *e = &q->ents[i];
        if (i + DELIVERY_PREFETCH_AHEAD < q->nr && q->ents[i + DELIVERY_PREFETCH_AHEAD].spilled == 2)
            pd_prefetch_record(s->pd, q->ents[i + DELIVERY_PREFETCH_AHEAD].file_offset,
                               q->ents[i + DELIVERY_PREFETCH_AHEAD].size);
        const uint8_t *data = q->buf ? q->buf + e->off : NULL;
        if (e->spilled == 2) {
            data = pd_record_in_place(s->pd, e->file_offset, e->size);
            if (data && (q->in_place_bytes += e->size) >= IN_PLACE_RELEASE) {
                /* delivered records' pages leave resident memory */
                pd_release_pages(s->pd);
                q->in_place_bytes = 0;
            }
            if (!data)
                data = spill_get(&q->spill, pd_reread_fd(s->pd), e->file_offset, e->size);
        } else if (e->spilled) {
            data = spill_get(&q->spill, -1, e->off, e->size);
        }
        if (!data)
            return spill_failed(s, e->spilled == 2, err);
        struct pd_record rec = { e->type, e->misc, e->size, data,
                                 e->file_offset, e->from_compressed };

        q->last_flush = e->time;
        if (deliver(s, &rec, err) < 0)
            return -1;
    }
    if (i == 0)
        return 0;
    if (i < q->nr) {
        q->spare = xgrow(q->spare, 1, q->len, &q->spare_cap);
        for (size_t j = i; j < q->nr; j++) {
            struct oq_ent *e = &q->ents[j];
            size_t padded = ((size_t)e->size + 7) & ~(size_t)7;

            if (e->spilled)
                continue;

            memcpy(q->spare + len, q->buf + e->off, e->size);
            e->off = len;
            len += padded;
        }
        memmove(q->ents, q->ents + i, (q->nr - i) * sizeof(*q->ents));
    }
    {
        uint8_t *b = q->buf;
        size_t c = q->buf_cap;

        q->buf = q->spare;
        q->buf_cap = q->spare_cap;
        q->spare = b;
        q->spare_cap = c;
    }
    q->nr -= i;
    q->len = len;
    if (q->nr == 0)
        spill_reset(&q->spill);
    return 0;
}

/* FINISHED_ROUND: everything up to the newest time seen before the previous
 * round marker is final (perf's OE_FLUSH__ROUND). */
static int oq_round(struct session *s, struct sf_err *err)
{
    struct oq *q = &s->oq;

    if (q->nr == 0)
        return 0;
    if (q->next_flush && oq_flush(s, q->next_flush, err) < 0)
        return -1;
    q->next_flush = q->max_time;
    return 0;
}

/* --- splitting a capture ---------------------------------------------- */

/* The second part of a split capture walks the first part's records as
 * session_run would read them, keeping only what the queue's flush points
 * depend on: delivery is the global (time, file order) order when perf's
 * rounds hold, so the first part (another session) delivers the records up
 * to T, the latest time of the records before the cut, and this session
 * the later ones, once it has replayed the MMAP, COMM, FORK and EXIT
 * records up to T.  The first part stops after the flush, at a marker S,
 * that delivers T (the first flush past the cut whose horizon reaches T):
 * after S, a record up to T would be out of round order.  Between the cut
 * and S, this session skips the records up to T and queues the later ones.
 *
 * The overlap: the first part's samples with a time in (T - D, T], D the
 * time the last `window` bytes of records before the cut took (estimated
 * from the walk's rate), replayed among the state records.  A run of the
 * delivery order ending at T, wherever its records lie in the file (the
 * samples just before T may be a round before the cut).  The walk keeps
 * where the candidates are (a mapped input: read back at the replay) and
 * forgets those before a marker whose time is older than 2 D: no record
 * after a marker has a time below the latest before it. */
struct ov_ent { uint64_t time, offset, at; };   /* at: in ov_copy, or in place */
struct ov_mark { uint64_t time; size_t ent, copy; };

struct split_walk {
    int on, phase;              /* phase 0 before the cut, 1 between it and S */
    uint64_t cut;
    uint64_t window;            /* the overlap's bytes of records (0: none) */
    uint64_t first_time, first_off; /* the first timed record: the rate */
    uint64_t max_seen;          /* the latest time read so far */
    uint64_t span;              /* D, as estimated at the cut */
    uint64_t queued, max_time, next_flush, flushed_to;
    size_t markers;
    uint8_t *state;             /* entries {u64 time, u64 offset, record padded to 8} */
    size_t state_len, state_cap, nr_state;
    struct ov_ent *ov;          /* overlap candidates, file order, from ov_head */
    size_t nr_ov, ov_cap, ov_head;
    uint8_t *ov_copy;           /* those not in place (inflated -z records) */
    size_t copy_len, copy_cap, copy_head;
    struct ov_mark *marks;      /* markers since the last one forgotten, from marks_head */
    size_t nr_marks, marks_cap, marks_head;
    uint64_t forgot;            /* samples up to this time were forgotten */
    uint64_t late_bar;          /* the latest time read at a late sample */
    int win_reached;            /* the window's first byte was read ... */
    uint64_t win_t0;            /* ... when the latest time was this */
    void (*settled)(void *arg, int planned, uint64_t first_end, uint64_t upto);
    void *arg;
};

/* D: the time the window's bytes took, at the rate walked so far. */
static uint64_t ov_span(const struct split_walk *w, uint64_t offset)
{
    if (!w->first_time || w->max_seen <= w->first_time || offset <= w->first_off)
        return UINT64_MAX;
    double d = (double)(w->max_seen - w->first_time) / (double)(offset - w->first_off) *
               (double)w->window;
    return d >= 1.8e19 ? UINT64_MAX : (uint64_t)d;
}

static void ov_keep(struct session *s, const struct pd_record *rec, uint64_t time)
{
    struct split_walk *w = s->walk;
    int in_place = !rec->from_compressed &&
                   pd_record_in_place(s->pd, rec->file_offset, rec->size) == rec->data;
    if (!in_place) {
        /* a copy of every sample would cost more than the window: only
         * those from its first byte, all later than any record before */
        if (!w->win_reached)
            return;
        w->forgot = w->win_t0 > w->forgot ? w->win_t0 : w->forgot;
    }
    if (time <= w->forgot)
        return;
    w->ov = xgrow(w->ov, sizeof(*w->ov), w->nr_ov + 1, &w->ov_cap);
    struct ov_ent *e = &w->ov[w->nr_ov++];
    e->time = time;
    e->offset = rec->file_offset;
    e->at = UINT64_MAX;
    if (!in_place) {
        w->ov_copy = xgrow(w->ov_copy, 1, w->copy_len + rec->size, &w->copy_cap);
        memcpy(w->ov_copy + w->copy_len, rec->data, rec->size);
        e->at = w->copy_len;
        w->copy_len += rec->size;
    }
}

/* At a marker: forget the candidates before the latest marker older than
 * 2 D (they are all older than it).  The marks' times never decrease, so
 * the forgotten ones are a prefix: heads move on, and the arrays are
 * compacted only once most of them is forgotten (a round marker every few
 * records on a busy system-wide capture: anything per marker that is not
 * constant cost the walk half a second). */
static void ov_mark(struct session *s, uint64_t offset)
{
    struct split_walk *w = s->walk;
    w->marks = xgrow(w->marks, sizeof(*w->marks), w->nr_marks + 1, &w->marks_cap);
    w->marks[w->nr_marks++] = (struct ov_mark){ w->max_seen, w->nr_ov, w->copy_len };
    uint64_t span = ov_span(w, offset);
    if (span == UINT64_MAX || w->max_seen < 2 * span)
        return;
    size_t k = w->marks_head;
    while (k < w->nr_marks && w->marks[k].time <= w->max_seen - 2 * span)
        k++;
    if (k == w->marks_head)
        return;
    w->marks_head = k;
    const struct ov_mark m = w->marks[k - 1];
    w->forgot = m.time > w->forgot ? m.time : w->forgot;
    w->ov_head = m.ent;
    w->copy_head = m.copy;
    int most = (w->ov_head >= 4096 && w->ov_head >= w->nr_ov - w->ov_head) ||
               (w->copy_head >= (1 << 20) && w->copy_head >= w->copy_len - w->copy_head) ||
               (k >= 4096 && k >= w->nr_marks - k);
    if (!most)
        return;
    /* compact: the live entries, copies and marks to the front */
    size_t ent0 = w->ov_head, copy0 = w->copy_head;
    if (ent0) {     /* (a -z walk before the window keeps no entry: ov NULL) */
        memmove(w->ov, w->ov + ent0, (w->nr_ov - ent0) * sizeof(*w->ov));
        w->nr_ov -= ent0;
    }
    if (copy0) {
        memmove(w->ov_copy, w->ov_copy + copy0, w->copy_len - copy0);
        w->copy_len -= copy0;
        for (size_t i = 0; i < w->nr_ov; i++)
            if (w->ov[i].at != UINT64_MAX)
                w->ov[i].at -= copy0;
    }
    memmove(w->marks, w->marks + k, (w->nr_marks - k) * sizeof(*w->marks));
    w->nr_marks -= k;
    for (size_t i = 0; i < w->nr_marks; i++) {
        w->marks[i].ent -= ent0;
        w->marks[i].copy -= copy0;
    }
    w->marks_head = w->ov_head = w->copy_head = 0;
}

/* The overlap's first time, exclusive: T - D (0 when D reaches back past
 * the start); the replay takes the samples after it. */
static uint64_t overlap_start(const struct split_walk *w, uint64_t upto)
{
    return w->span < upto ? upto - w->span : 0;
}

struct state_ref { uint64_t time, offset; const uint8_t *rec; };

static int cmp_state(const void *a, const void *b)
{
    const struct state_ref *x = a, *y = b;
    if (x->time != y->time)
        return x->time < y->time ? -1 : 1;
    return x->offset < y->offset ? -1 : x->offset > y->offset;
}

static int is_state_record(uint32_t type)
{
    return type == PD_REC_MMAP || type == PD_REC_MMAP2 || type == PD_REC_COMM ||
           type == PD_REC_FORK || type == PD_REC_EXIT ||
           type == PD_REC_LOST || type == PD_REC_LOST_SAMPLES;   /* first_thread */
}

static void walk_keep(struct split_walk *w, const struct pd_record *rec, uint64_t time)
{
    size_t need = 16 + (((size_t)rec->size + 7) & ~(size_t)7);
    w->state = xgrow(w->state, 1, w->state_len + need, &w->state_cap);
    uint8_t *e = w->state + w->state_len;
    memcpy(e, &time, 8);
    memcpy(e + 8, &rec->file_offset, 8);
    memcpy(e + 16, rec->data, rec->size);
    w->state_len += need;
    w->nr_state++;
}

/* The first part's state and the overlap, replayed in delivery order. */
static int walk_replay(struct session *s, struct sf_err *err)
{
    struct split_walk *w = s->walk;
    int sw = pd_swapped(s->pd);
    struct state_ref *v = xmalloc((w->nr_state + w->nr_ov - w->ov_head + 1) * sizeof(*v));
    size_t n = 0;
    for (size_t at = 0; at < w->state_len; n++) {
        const uint8_t *e = w->state + at;
        memcpy(&v[n].time, e, 8);
        memcpy(&v[n].offset, e + 8, 8);
        v[n].rec = e + 16;
        at += 16 + (((size_t)sf_rd16(e + 16 + 6, sw) + 7) & ~(size_t)7);
    }
    uint64_t upto = s->skip_upto;
    uint64_t from = overlap_start(w, upto);
    from = from > w->forgot ? from : w->forgot;
    for (size_t i = w->ov_head; i < w->nr_ov; i++) {
        const struct ov_ent *e = &w->ov[i];
        const uint8_t *rec = e->at == UINT64_MAX ? pd_record_in_place(s->pd, e->offset, 8)
                                                 : w->ov_copy + e->at;
        if (e->time <= from || e->time > upto || !rec)
            continue;
        v[n++] = (struct state_ref){ e->time, e->offset, rec };
    }
    qsort(v, n, sizeof(*v), cmp_state);
    int rc = 0;
    s->replaying = 1;
    for (size_t i = 0; i < n && rc == 0; i++) {
        struct pd_record rec = {
            .type = sf_rd32(v[i].rec, sw), .misc = sf_rd16(v[i].rec + 4, sw),
            .size = sf_rd16(v[i].rec + 6, sw), .data = v[i].rec, .file_offset = v[i].offset,
        };
        rc = deliver(s, &rec, err);
    }
    s->replaying = 0;
    free(v);
    return rc;
}

/* The walk reaches the cut at the first record at or past it: T is the
 * latest time read before it (every record so far is the first part's). */
static void walk_points(struct session *s, const struct pd_record *rec)
{
    struct split_walk *w = s->walk;
    if (w->window && !w->win_reached && rec->file_offset >= w->cut - w->window) {
        w->win_reached = 1;
        w->win_t0 = w->max_seen;
    }
    if (w->phase || rec->file_offset < w->cut)
        return;
    w->phase = 1;
    w->span = ov_span(w, rec->file_offset);
    s->skip_upto = w->max_seen ? w->max_seen : 1;
    s->skip_before = UINT64_MAX;
    s->oq.last_flush = s->skip_upto;
}

/* One record read while walking: 1 taken by the walk, 0 to be processed
 * as usual, 2 no split (the walk is off; the caller stops), -1 error. */
static int walk_step(struct session *s, const struct pd_record *rec, struct sf_err *err)
{
    struct split_walk *w = s->walk;
    walk_points(s, rec);
    if (rec->type >= PD_REC_HEADER_ATTR) {
        if (rec->type != PD_REC_FINISHED_ROUND)
            return 1;
        w->markers++;
        if (w->window)
            ov_mark(s, rec->file_offset);
        int all = !w->queued;           /* delivered: nothing up to T is left */
        uint64_t horizon = 0;           /* what one session flushes here */
        if (w->queued) {
            if (w->next_flush) {
                horizon = w->flushed_to = w->next_flush;
                if (w->max_time <= w->next_flush)
                    w->queued = 0;      /* all delivered */
            }
            w->next_flush = w->max_time;
        }
        if (w->phase == 1 && (all || horizon >= s->skip_upto)) {
            /* a late sample in the overlap's time: what it holds would
             * differ from what -j 1 shows its stitcher there */
            if (w->window && w->late_bar &&
                w->late_bar > overlap_start(w, s->skip_upto))
                goto no;
            /* S: replay, then run as usual; this flush delivers our part
             * of what one session delivers here (the first part the rest) */
            if (walk_replay(s, err) < 0)
                return -1;
            s->skip_before = rec->file_offset;
            s->oq.next_flush = horizon;
            w->on = 0;
            pd_skim(s->pd, 0);
            w->settled(w->arg, 1, rec->file_offset, s->skip_upto);
            return 0;
        }
        return 1;
    }
    uint64_t time = 0;
    if (ev_record_time(s->dec, rec, &time) < 0 || time == 0 || time == UINT64_MAX) {
        /* Delivered as read.  perf's synthesized records at the start (the
         * kernel's and running processes' maps) come before any delivery
         * from the queue: replayed first (time 0).  Later ones would need
         * their place kept: no split. */
        if (w->markers || rec->type == PD_REC_SAMPLE)
            goto no;
        time = 0;
    } else {
        if (time <= w->flushed_to) {
            /* late: its flush delivers it after later records.  A sample
             * the second part would not replay is harmless: replay only
             * the samples delivered after that flush, all later than what
             * was read so far.  A late state record: no split. */
            if (rec->type != PD_REC_SAMPLE || w->phase)
                goto no;
            w->late_bar = w->max_seen;
            w->forgot = w->max_seen > w->forgot ? w->max_seen : w->forgot;
        }
        w->max_seen = time > w->max_seen ? time : w->max_seen;
        if (!w->first_time) {
            w->first_time = time;
            w->first_off = rec->file_offset;
        }
        w->max_time = w->queued ? (time > w->max_time ? time : w->max_time) : time;
        w->queued++;
        if (w->phase == 1 && time > s->skip_upto)
            return 0;                   /* the second part's: queued as usual */
    }
    if (is_state_record(rec->type))
        walk_keep(w, rec, time);        /* the first part applies it: so do we */
    else if (rec->type == PD_REC_SAMPLE && w->window && time)
        ov_keep(s, rec, time);          /* may be in the overlap, observed */
    return 1;
no:
    w->on = 0;
    pd_skim(s->pd, 0);
    w->settled(w->arg, 0, UINT64_MAX, 0);
    return 2;
}

/* --- public API --------------------------------------------------------- */

static const char *const hw_names[] = {
    "cycles", "instructions", "cache-references", "cache-misses",
    "branch-instructions", "branch-misses", "bus-cycles",
    "stalled-cycles-frontend", "stalled-cycles-backend", "ref-cycles",
};
static const char *const sw_names[] = {
    "cpu-clock", "task-clock", "page-faults", "context-switches",
    "cpu-migrations", "minor-faults", "major-faults", "alignment-faults",
    "emulation-faults", "dummy", "bpf-output", "cgroup-switches",
};

static char *default_event_name(const struct pd_attr *a)
{
    struct sbuf sb = SBUF_INIT;

    if (a->type == 0 && a->config < SF_ARRAY_SIZE(hw_names))
        sbuf_addstr(&sb, hw_names[a->config]);
    else if (a->type == 1 && a->config < SF_ARRAY_SIZE(sw_names))
        sbuf_addstr(&sb, sw_names[a->config]);
    else if (a->type == 2)
        sbuf_addf(&sb, "tracepoint:%llu", (unsigned long long)a->config);
    else
        sbuf_addf(&sb, "type%u:0x%llx", a->type, (unsigned long long)a->config);
    return sbuf_detach(&sb);
}

int session_open_pd(struct pd_file *pd, struct session **out, struct sf_err *err)
{
    const struct pd_info *info = pd_get_info(pd);
    struct session *s = xcalloc(1, sizeof(*s));

    *out = NULL;
    s->pd = pd;
    s->oq.spill.fd = -1;
    s->oq.spill_at = SPILL_AT;
    const char *spill_env = getenv("SYSFLAME_SPILL_BYTES");
    if (spill_env && *spill_env)
        s->oq.spill_at = (size_t)strtoull(spill_env, NULL, 10);
    if (info && info->tracing_data && info->tracing_data_size &&
        tp_parse(pd_path(pd), info->tracing_data, info->tracing_data_size,
                 &s->tp, err) < 0) {
        s->tp = NULL;
        session_free(s);
        return -1;
    }
    s->dec = ev_decoder_new(pd);
    s->nr_attrs = pd_nr_attrs(pd);
    s->event_names = xcalloc(s->nr_attrs + 1, sizeof(*s->event_names));
    s->attr_tp = xcalloc(s->nr_attrs + 1, sizeof(*s->attr_tp));
    s->stats.samples_per_attr = xcalloc(s->nr_attrs + 1, sizeof(uint64_t));
    s->empty = maps_alloc(0);
    s->kmaps = maps_alloc(0);
    *out = s;
    return 0;
}

int session_open(const char *path, struct session **out, struct sf_err *err)
{
    struct pd_file *pd;

    *out = NULL;
    if (pd_open(path, &pd, err) < 0)
        return -1;
    return session_open_pd(pd, out, err);
}

void session_free(struct session *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->nr_procs; i++) {
        sess_maps_put(s->procs[i]->maps);
        free(s->procs[i]);
    }
    free(s->procs);
    for (size_t i = 0; i < s->nr_threads; i++)
        free(s->threads[i]);
    free(s->threads);
    sess_maps_put(s->kmaps);
    sess_maps_put(s->empty);
    for (size_t i = 0; i < s->nr_owned; i++)
        free(s->owned[i]);
    free(s->owned);
    free(s->all);
    u64map_release(&s->tid_index);
    u64map_release(&s->pid_index);
    strtab_release(&s->strings);
    free(s->oq.ents);
    free(s->oq.merge);
    if (s->walk) {
        free(s->walk->state);
        free(s->walk->ov);
        free(s->walk->ov_copy);
        free(s->walk->marks);
        free(s->walk);
    }
    free(s->oq.buf);
    free(s->oq.spare);
    spill_free(&s->oq.spill);
    for (size_t i = 0; s->event_names && i < s->nr_attrs; i++)
        free(s->event_names[i]);
    free(s->event_names);
    free(s->attr_tp);
    free(s->stats.samples_per_attr);
    if (s->dec)
        ev_decoder_free(s->dec);
    tp_free(s->tp);
    if (s->pd)
        pd_close(s->pd);
    free(s);
}

struct pd_file *session_file(struct session *s)
{
    return s->pd;
}

const struct tp_set *session_tracepoints(const struct session *s)
{
    return s->tp;
}

void session_no_print(struct session *s)
{
    tp_no_print(s->tp);
}

const char *session_event_name(const struct session *s, size_t attr_idx)
{
    if (attr_idx >= s->nr_attrs)
        return "";
    attr_resolve((struct session *)s, attr_idx);
    return s->event_names[attr_idx];
}

int session_run(struct session *s, const struct sess_ops *ops, struct sf_err *err)
{
    struct pd_record rec;
    int r = 0;

    s->ops = ops;
    while (!s->halted && (r = pd_next(s->pd, &rec, err)) > 0) {
        uint64_t time = 0;

        if (s->walk && s->walk->on) {
            int w = walk_step(s, &rec, err);
            if (w < 0)
                return -1;
            if (w == 2)
                return 0;       /* no split: the first part reads it all */
            if (w == 1)
                continue;
        }

        if (rec.type >= PD_REC_HEADER_ATTR) {
            /* perf tool records are not ordered; only the round marker
             * matters here (pipe header records were taken by the reader) */
            if (rec.type == PD_REC_FINISHED_ROUND) {
                uint64_t upto = UINT64_MAX;
                if (!s->observing && s->stop_at &&
                    s->stop_at(s->stop_arg, rec.file_offset, &upto)) {
                    /* this flush delivers our last records: those up to
                     * upto; the later ones are the other part's */
                    uint64_t lim = s->oq.next_flush < upto ? s->oq.next_flush : upto;
                    if (s->oq.nr && lim && oq_flush(s, lim, err) < 0)
                        return -1;
                    if (!s->observe_after)
                        return 0;       /* the rest is the other part's */
                    s->observing = 1;   /* ... observed until session_halt */
                }
                if (oq_round(s, err) < 0)
                    return -1;
            }
            continue;
        }
        /* Records without a time (no sample_id_all) cannot be ordered:
         * perf delivers them at once, and so do we. */
        if (ev_record_time(s->dec, &rec, &time) < 0 || time == 0 ||
            time == UINT64_MAX) {
            if (deliver(s, &rec, err) < 0)
                return -1;
            continue;
        }
        if (s->skip_upto && time <= s->skip_upto) {
            if (rec.file_offset < s->skip_before)
                continue;       /* the first part delivers it */
            s->late = 1;        /* perf's round order broken: see the plan */
        }
        oq_push(s, &rec, time);
    }
    if (r < 0)
        return -1;
    if (s->halted)
        return 0;
    if (s->oq.nr && oq_flush(s, UINT64_MAX, err) < 0)
        return -1;
    return 0;
}

void session_split_second(struct session *s, uint64_t cut, uint64_t window_from,
                          void (*settled)(void *arg, int planned, uint64_t first_end,
                                          uint64_t upto),
                          void *arg)
{
    s->walk = xcalloc(1, sizeof(*s->walk));
    s->walk->on = 1;
    s->walk->cut = cut;
    s->walk->window = window_from < cut ? cut - window_from : 0;
    s->walk->settled = settled;
    s->walk->arg = arg;
    pd_skim(s->pd, 1);
}

void session_split_first(struct session *s,
                         int (*stop_at)(void *arg, uint64_t marker, uint64_t *upto),
                         void *arg, int observe_after)
{
    s->stop_at = stop_at;
    s->stop_arg = arg;
    s->observe_after = observe_after;
}

void session_halt(struct session *s)
{
    s->halted = 1;
}

int session_split_late(const struct session *s)
{
    return s->late;
}

void session_allow_threads(struct session *s, int on)
{
    s->oq.spill.async = on;
}

const struct sess_stats *session_get_stats(const struct session *s)
{
    return &s->stats;
}

size_t session_nr_all_maps(const struct session *s)
{
    return s->nr_all;
}

const struct sess_map *session_all_map(const struct session *s, size_t i)
{
    return i < s->nr_all ? s->all[i] : NULL;
}

size_t session_nr_threads(const struct session *s)
{
    return s->nr_threads;
}

const struct sess_thread_info *session_thread(const struct session *s, size_t i)
{
    return i < s->nr_threads ? &s->threads[i]->info : NULL;
}
