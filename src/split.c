/* split.c - one capture in two processes (see split.h). */
#include "split.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "loader.h"
#include "session_int.h"
#include "sf_int.h"
#include "tracepoint.h"

#define SPLIT_MIN_BYTES ((uint64_t)512 << 20)
#define SPLIT_AT 0.5
#define SPLIT_AT_Z 0.45
#define SPLIT_OVERLAP ((uint64_t)16 << 20)
#define SPLIT_OVERLAP_Z ((uint64_t)8 << 20)
#define WIRE_MAGIC 0x73666c616d657032ULL      /* "sflamep2" */

struct part {
    struct loader L;
    struct profile p;             /* its strings_owner holds the part's names */
    struct sf_err err;
    int rc;
};

struct split_run {
    int plan_fd;                /* the child's plan: {planned, first_end, upto} */
    int planned;                /* -1 not read yet, 0 no split, 1 split */
    uint64_t cut;               /* where the parts meet, in bytes */
    uint64_t first_end;         /* the first part stops after this marker */
    uint64_t upto;              /* ... its records are those up to this time */
};

static void part_init(struct part *pt, const struct loader *L, int jobs)
{
    memset(pt, 0, sizeof(*pt));
    profile_init(&pt->p);
    loader_init(&pt->L, L->o, &pt->p, L->bc);
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

/* The missing-binary sample counts as they are now (*n entries). */
static uint64_t *missing_counts(const struct binary_cache *bc, size_t *n)
{
    *n = binary_cache_nr_missing(bc);
    uint64_t *v = xcalloc(*n ? *n : 1, sizeof(*v));
    for (size_t i = 0; i < *n; i++)
        v[i] = binary_cache_missing(bc, i)->samples;
    return v;
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

/* ---- the wire: what the second part sends back ----
 *
 * One function per message lists its fields, for both directions: a wio
 * either appends each field to a buffer (encode) or reads it back into the
 * same place (decode).  Fields are u64s and strings (u64 length,
 * UINT64_MAX for NULL, then the bytes); a decoder meeting a short or
 * inconsistent stream sets `bad` and reads nothing more. */
struct wio {
    int decode;
    uint8_t *p;
    size_t len, cap, at;
    int bad;
    struct strtab *strings;       /* decode: where strings are interned */
};

static void io_u64(struct wio *w, uint64_t *v)
{
    if (!w->decode) {
        w->p = xgrow(w->p, 1, w->len + 8, &w->cap);
        memcpy(w->p + w->len, v, 8);
        w->len += 8;
        return;
    }
    *v = 0;
    if (w->bad || w->len - w->at < 8) {
        w->bad = 1;
        return;
    }
    memcpy(v, w->p + w->at, 8);
    w->at += 8;
}

static void io_u32(struct wio *w, uint32_t *v)
{
    uint64_t x = w->decode ? 0 : *v;
    io_u64(w, &x);
    *v = (uint32_t)x;
}

static void io_int(struct wio *w, int *v)
{
    uint64_t x = w->decode ? 0 : (uint64_t)(*v != 0);
    io_u64(w, &x);
    *v = x != 0;
}

static void io_size(struct wio *w, size_t *v)
{
    uint64_t x = w->decode ? 0 : *v;
    io_u64(w, &x);
    *v = (size_t)x;
}

/* A string of n bytes (encode) / interned in w->strings (decode; NULL for
 * NULL or a bad stream). */
static void io_strn(struct wio *w, const char **s, size_t n)
{
    uint64_t len = w->decode ? 0 : *s ? n : UINT64_MAX;
    io_u64(w, &len);
    if (!w->decode) {
        if (!*s)
            return;
        w->p = xgrow(w->p, 1, w->len + n, &w->cap);
        memcpy(w->p + w->len, *s, n);
        w->len += n;
        return;
    }
    *s = NULL;
    if (w->bad || len == UINT64_MAX)
        return;
    if (len > w->len - w->at) {
        w->bad = 1;
        return;
    }
    char *tmp = xmalloc((size_t)len + 1);
    memcpy(tmp, w->p + w->at, (size_t)len);
    tmp[len] = 0;
    w->at += (size_t)len;
    *s = strtab_intern(w->strings, tmp);
    free(tmp);
}

static void io_str(struct wio *w, const char **s)
{
    io_strn(w, s, !w->decode && *s ? strlen(*s) : 0);
}

/* A string that may not be NULL. */
static void io_name(struct wio *w, const char **s)
{
    io_str(w, s);
    if (w->decode && !*s)
        w->bad = 1;
}

/* An array's length, then (decode) the array allocated zeroed: every
 * element takes at least 8 bytes, so a length the rest cannot hold is bad. */
static void *io_array(struct wio *w, void *v, size_t *n, size_t elem)
{
    io_size(w, n);
    if (!w->decode)
        return v;
    if (w->bad || *n > (w->len - w->at) / 8) {
        w->bad = 1;
        *n = 0;
        return NULL;
    }
    return xcalloc(*n ? *n : 1, elem);
}

static void io_unwind_stat(struct wio *w, struct unwind_stat *u)
{
    for (size_t i = 0; i < UNWIND_STAT_NR_COUNTERS; i++)
        io_u64(w, unwind_stat_counter(u, i));
}

/* The stack set: its names in id order, then each stack's count and name
 * ids, so a decoded set has the same ids and first-seen order. */
static void io_stacks(struct wio *w, struct stack_set *s)
{
    size_t nn = w->decode ? 0 : stack_nr_names(s);
    io_size(w, &nn);
    for (size_t i = 0; i < nn && !w->bad; i++) {
        const char *name = w->decode ? NULL : stack_name(s, (uint32_t)i);
        io_strn(w, &name, w->decode ? 0 : stack_name_len(s, (uint32_t)i));
        if (w->decode && (!name || stack_intern(s, name, strlen(name)) != i))
            w->bad = 1;
    }
    size_t ns = w->decode ? 0 : stack_nr_stacks(s);
    io_size(w, &ns);
    uint32_t *ids = NULL;
    size_t ids_cap = 0;
    for (size_t i = 0; i < ns && !w->bad; i++) {
        struct stack_view v = { 0 };
        if (!w->decode)
            stack_get(s, (uint32_t)i, &v);
        uint64_t count = v.count, nr = v.nr;
        io_u64(w, &count);
        io_u64(w, &nr);
        if (w->decode && (w->bad || nr > (w->len - w->at) / 8)) {
            w->bad = 1;
            break;
        }
        if (w->decode)
            ids = xgrow(ids, sizeof(*ids), nr ? nr : 1, &ids_cap);
        for (uint64_t k = 0; k < nr; k++) {
            uint32_t id = w->decode ? 0 : v.frames[k];
            io_u32(w, &id);
            if (w->decode) {
                if (id >= nn)
                    w->bad = 1;
                ids[k] = id;
            }
        }
        if (w->decode && !w->bad)
            stack_add(s, ids, (size_t)nr, count);
    }
    free(ids);
}

/* A profile (q->stacks and q->strings_owner exist: profile_init). */
static void io_profile(struct wio *w, struct profile *q)
{
    io_u64(w, &q->total);
    io_u64(w, &q->recorder_samples);
    io_u32(w, &q->recorder_pid);
    io_stacks(w, q->stacks);
    q->threads = io_array(w, q->threads, &q->nr_threads, sizeof(*q->threads));
    for (size_t i = 0; i < q->nr_threads && !w->bad; i++) {
        struct thread_stat *t = &q->threads[i];
        io_u32(w, &t->pid);
        io_u32(w, &t->tid);
        io_name(w, &t->comm);
        io_u64(w, &t->samples);
        io_int(w, &t->kind);
        io_int(w, &t->go_test);
    }
    q->processes = io_array(w, q->processes, &q->nr_processes, sizeof(*q->processes));
    for (size_t i = 0; i < q->nr_processes && !w->bad; i++) {
        struct process_stat *ps = &q->processes[i];
        uint32_t kind = (uint32_t)ps->kind;
        io_u32(w, &ps->pid);
        io_str(w, &ps->comm);
        io_str(w, &ps->exe);
        io_u32(w, &kind);
        io_int(w, &ps->go_test);
        io_u64(w, &ps->samples);
        ps->kind = kind < PROCESS_KIND_NR ? (enum process_kind)kind : PROCESS_UNKNOWN;
    }
    q->syscalls = io_array(w, q->syscalls, &q->nr_syscalls, sizeof(*q->syscalls));
    for (size_t i = 0; i < q->nr_syscalls && !w->bad; i++) {
        struct syscall_stat *sc = &q->syscalls[i];
        io_name(w, &sc->name);
        io_u64(w, &sc->count);
        io_u64(w, &sc->exits);
        io_u64(w, &sc->errors);
        io_u64(w, &sc->lat_total_ns);
        io_u64(w, &sc->lat_max_ns);
        sc->lat_ns = io_array(w, sc->lat_ns, &sc->nr_lat, sizeof(*sc->lat_ns));
        sc->cap_lat = w->decode ? sc->nr_lat : sc->cap_lat;
        for (size_t k = 0; k < sc->nr_lat && !w->bad; k++)
            io_u64(w, &sc->lat_ns[k]);
    }
    for (size_t d = 0; d < FILTER_NR && !w->bad; d++) {
        struct name_list *l = &q->seen[d];
        l->v = io_array(w, l->v, &l->n, sizeof(*l->v));
        l->cap = w->decode ? l->n : l->cap;
        for (size_t i = 0; i < l->n && !w->bad; i++)
            io_name(w, &l->v[i]);
    }
    q->events = io_array(w, q->events, &q->nr_events, sizeof(*q->events));
    for (size_t i = 0; i < q->nr_events && !w->bad; i++) {
        io_name(w, &q->events[i].name);
        io_u64(w, &q->events[i].count);
    }
    q->frames.v = io_array(w, q->frames.v, &q->frames.nr, sizeof(*q->frames.v));
    q->frames.cap = w->decode ? q->frames.nr : q->frames.cap;
    for (size_t i = 0; i < q->frames.nr && !w->bad; i++) {
        struct frame_info *f = &q->frames.v[i];
        uint32_t kind = (uint32_t)f->kind, line = (uint32_t)f->line;
        uint32_t depth = (uint32_t)f->inline_depth;
        io_u32(w, &kind);
        io_str(w, &f->function);
        io_str(w, &f->file);
        io_u32(w, &line);
        io_str(w, &f->binary);
        io_str(w, &f->build_id);
        io_u64(w, &f->addr);
        io_int(w, &f->inlined);
        io_u32(w, &depth);
        f->kind = kind <= FRAME_KERNEL ? (enum frame_kind)kind : FRAME_NONE;
        f->line = (int)line;
        f->inline_depth = (int)depth;
        if (w->decode && f->kind != FRAME_NONE && i >= stack_nr_names(q->stacks))
            w->bad = 1;
    }
    io_unwind_stat(w, &q->overall);
    q->per_binary = io_array(w, q->per_binary, &q->nr_per_binary, sizeof(*q->per_binary));
    for (size_t i = 0; i < q->nr_per_binary && !w->bad; i++) {
        io_name(w, &q->per_binary[i].binary);
        io_unwind_stat(w, &q->per_binary[i]);
    }
}

/* The second part's whole answer. */
struct part_result {
    int failed;                   /* its reader failed: msg says why */
    const char *msg;
    int redo;                     /* its result may differ: read again */
    struct sess_stats st;         /* its session's counters */
    uint64_t cut_compressed;      /* pd_info's: the capture's end is its part */
    struct profile *q;
    struct binary_missing *missing; /* what it added to the missing counts */
    size_t nr_missing;
    struct binary_used *uses;     /* what became of each --binary there */
    size_t nr_uses;
};

static void wire_result(struct wio *w, struct part_result *r)
{
    uint64_t magic = WIRE_MAGIC;
    io_u64(w, &magic);
    if (magic != WIRE_MAGIC)
        w->bad = 1;
    io_int(w, &r->failed);
    io_str(w, &r->msg);
    io_int(w, &r->redo);
    io_u64(w, &r->st.samples);
    io_u64(w, &r->st.lost_events);
    io_u64(w, &r->st.lost_samples);
    io_u64(w, &r->st.first_time);
    io_u64(w, &r->st.last_time);
    io_u64(w, &r->cut_compressed);
    io_profile(w, r->q);
    r->missing = io_array(w, r->missing, &r->nr_missing, sizeof(*r->missing));
    for (size_t i = 0; i < r->nr_missing && !w->bad; i++) {
        struct binary_missing *m = &r->missing[i];
        const char *hex = m->build_id_hex;
        io_name(w, &m->recorded_path);
        io_name(w, &hex);
        io_name(w, &m->reason);
        io_u64(w, &m->samples);
        if (w->decode && !w->bad) {
            if (strlen(hex) >= sizeof(m->build_id_hex))
                w->bad = 1;
            else
                memcpy(m->build_id_hex, hex, strlen(hex) + 1);
        }
    }
    r->uses = io_array(w, r->uses, &r->nr_uses, sizeof(*r->uses));
    for (size_t i = 0; i < r->nr_uses && !w->bad; i++) {
        uint32_t how = (uint32_t)r->uses[i].how;
        io_u32(w, &how);
        if (how > BINARY_BY_CONTENT)
            w->bad = 1;
        r->uses[i].how = (int)how;
        io_str(w, &r->uses[i].recorded_path);
        io_str(w, &r->uses[i].also_fits);
    }
    magic = WIRE_MAGIC;
    io_u64(w, &magic);
    if (magic != WIRE_MAGIC)
        w->bad = 1;
}

/* ---- costs (SYSFLAME_SPLIT_TRACE=2) ----
 *
 * Where each part's time goes, for choosing the cut on a loaded machine:
 * per step, wall time, this process's CPU time (user + system, all its
 * threads; system apart), the time its thread waited for a CPU (other
 * load), page faults and voluntary context switches (blocking).  Nothing
 * is measured without the switch. */
struct cost { double wall_ms, cpu_ms, sys_ms, queued_ms; long faults, vcsw; };

static int costs_on(void)
{
    const char *v = getenv("SYSFLAME_SPLIT_TRACE");
    return v && atoi(v) >= 2;
}

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static struct cost cost_now(void)
{
    struct rusage ru;
    if (!costs_on() || getrusage(RUSAGE_SELF, &ru) < 0)
        return (struct cost){ 0 };
    struct cost c = {
        .wall_ms = now_ms(),
        .cpu_ms = (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 +
                  (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3,
        .sys_ms = (double)ru.ru_stime.tv_sec * 1e3 + (double)ru.ru_stime.tv_usec / 1e3,
        .faults = ru.ru_minflt + ru.ru_majflt,
        .vcsw = ru.ru_nvcsw,
    };
    FILE *f = fopen("/proc/thread-self/schedstat", "r");
    unsigned long long run, wait;
    if (f && fscanf(f, "%llu %llu", &run, &wait) == 2)
        c.queued_ms = (double)wait / 1e6;
    if (f)
        fclose(f);
    return c;
}

static void cost_print(const char *what, struct cost c, struct cost from)
{
    fprintf(stderr, " %s %.1f ms (cpu %.1f ms, sys %.1f ms, queued %.1f ms, %ld faults, %ld blocks)",
            what, c.wall_ms - from.wall_ms, c.cpu_ms - from.cpu_ms, c.sys_ms - from.sys_ms,
            c.queued_ms - from.queued_ms,
            c.faults - from.faults, c.vcsw - from.vcsw);
}

/* ---- the second part (child process) ---- */

/* The child's plan, sent once to the parent (see session_split_second). */
struct child_plan {
    int fd, planned, sent;
    const char *path;
    struct cost fork, plan;     /* SYSFLAME_SPLIT_TRACE=2 */
};

static void child_settled(void *arg, int planned, uint64_t first_end, uint64_t upto)
{
    struct child_plan *cp = arg;
    if (cp->sent)
        return;
    if (planned && sf_env_flag("SYSFLAME_SPLIT_TRACE"))
        fprintf(stderr, "sysflame: '%s': second part after the flush at offset %llu\n",
                cp->path, (unsigned long long)first_end);
    uint64_t msg[3] = { (uint64_t)planned, first_end, upto };
    cp->plan = cost_now();
    cp->planned = planned;
    cp->sent = 1;
    if (sf_write_full(cp->fd, msg, sizeof(msg)) < 0)
        _exit(0);
    close(cp->fd);
}

/* The child's side: walks to the cut, reads its part, sends it all. */
static void second_part_child(struct loader *parent, const char *path, uint64_t cut,
                              uint64_t window_from, int jobs, int plan_fd, int out_fd,
                              double fork_ms)
{
    struct cost fork = { .wall_ms = fork_ms };
    struct part pt;
    part_init(&pt, parent, jobs);
    /* the missing-binary counts this process had at the fork: only what
     * the part adds goes back */
    size_t nr_missing0;
    uint64_t *samples0 = missing_counts(parent->bc, &nr_missing0);

    struct child_plan cp = { .fd = plan_fd, .path = path };
    pt.L.mid_capture = 1;
    pt.rc = session_open(path, &pt.L.sess, &pt.err);
    if (pt.rc < 0) {
        child_settled(&cp, 0, UINT64_MAX, 0);
        _exit(0);
    }
    session_split_second(pt.L.sess, cut, window_from, child_settled, &cp);
    pt.rc = loader_run_capture(&pt.L, &pt.err);
    if (!cp.planned) {
        if (!cp.sent)
            child_settled(&cp, 0, UINT64_MAX, 0);
        _exit(0);
    }

    struct part_result r = {
        .failed = pt.rc < 0, .msg = pt.err.msg,
        .redo = pt.L.stats.saw_exit || session_split_late(pt.L.sess),
        .st = *session_get_stats(pt.L.sess), .q = &pt.p,
        .cut_compressed = pd_get_info(session_file(pt.L.sess))->cut_compressed,
    };
    r.nr_missing = binary_cache_nr_missing(parent->bc);
    r.missing = xcalloc(r.nr_missing ? r.nr_missing : 1, sizeof(*r.missing));
    for (size_t i = 0; i < r.nr_missing; i++) {
        r.missing[i] = *binary_cache_missing(parent->bc, i);
        r.missing[i].samples -= i < nr_missing0 ? samples0[i] : 0;
    }
    r.nr_uses = parent->o->bin.nr_binaries;
    r.uses = xcalloc(r.nr_uses ? r.nr_uses : 1, sizeof(*r.uses));
    for (size_t i = 0; i < r.nr_uses; i++) {
        const struct binary_use *u = binary_cache_use(parent->bc, i);
        r.uses[i].how = u ? (int)u->how : BINARY_UNCLAIMED;
        r.uses[i].recorded_path = u ? u->recorded_path : NULL;
        r.uses[i].also_fits = u ? u->also_fits : NULL;
    }
    struct wio w = { 0 };
    wire_result(&w, &r);
    struct cost done = cost_now();
    sf_write_full(out_fd, w.p, w.len);
    if (costs_on()) {
        struct cost sent = cost_now();
        fprintf(stderr, "sysflame: split costs: second part:");
        cost_print("walk and plan", cp.plan, fork);
        cost_print("read", done, cp.plan);
        cost_print("sent", sent, done);
        fprintf(stderr, " (%zu bytes), ended at %.1f ms\n", w.len, sent.wall_ms - fork.wall_ms);
    }
    _exit(0);
}

/* ---- the first part and the whole (parent process) ---- */

/* The parent's side of the child's answer: the first part's profile, then
 * the child's, added to L.  -1 on a stream that does not parse (the child
 * died), -2 when the child's reader failed (err set); *redo set when the
 * capture must be read again (nothing added then). */
static int merge_child(struct loader *L, struct part *first, struct input_info *in,
                       uint8_t *buf, size_t len, int *redo, struct sf_err *err)
{
    struct profile q;
    profile_init(&q);
    struct part_result r = { .q = &q };
    struct wio w = { .decode = 1, .p = buf, .len = len, .strings = q.strings_owner };
    wire_result(&w, &r);
    *redo = r.redo;
    int rc = 0;
    if (w.bad) {
        rc = -1;
    } else if (r.failed) {
        sf_error(err, "%s", r.msg ? r.msg : "the second reader failed");
        rc = -2;
    } else if (!*redo) {
        loader_merge(L, &first->p);
        capstats_input_add(L->p, in, session_get_stats(first->L.sess));
        loader_merge(L, &q);
        capstats_input_add(L->p, in, &r.st);
        in->cut_compressed = r.cut_compressed;
        for (size_t i = 0; i < r.nr_missing; i++)
            if (r.missing[i].samples)
                binary_cache_add_missing(L->bc, &r.missing[i]);
        for (size_t i = 0; i < r.nr_uses; i++)
            binary_cache_add_use(L->bc, i, (enum binary_use_how)r.uses[i].how,
                                 r.uses[i].recorded_path, r.uses[i].also_fits);
    }
    free(r.missing);
    free(r.uses);
    profile_release(&q);
    return rc;
}

/* The first part's session asks at every round marker whether to stop
 * (after delivering the records up to *upto): markers before the cut
 * cannot be the one, and the child has planned long before the first part
 * gets there. */
static int first_part_stops(void *arg, uint64_t marker, uint64_t *upto)
{
    struct split_run *sr = arg;
    if (sr->planned < 0 && marker < sr->cut) {
        /* before the cut, only look whether the plan is there */
        struct pollfd pfd = { .fd = sr->plan_fd, .events = POLLIN };
        if (poll(&pfd, 1, 0) <= 0)
            return 0;
    }
    if (sr->planned < 0) {
        uint64_t msg[3];
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
        sr->upto = msg[2];
    }
    *upto = sr->upto;
    return sr->planned && marker == sr->first_end;
}

/* Where the parts meet, as a fraction of the data.  The child also walks
 * the first part's records (7 ms settled, 25 ms on a capture just written,
 * whose 4 KiB pages fault in 64 KiB at a time), the parent only reads: the
 * middle measured best in both states (doc/performance.md).  A -z
 * capture's child inflates the first part to walk it: a later cut only
 * lengthens it (0.5 measured 6 % slower than 0.45).  SYSFLAME_SPLIT_AT:
 * tests. */
static double split_at(const struct pd_info *info)
{
    const char *v = getenv("SYSFLAME_SPLIT_AT");
    double def = info->compressed ? SPLIT_AT_Z : SPLIT_AT;
    double f = v ? strtod(v, NULL) : def;
    return f > 0 && f < 1 ? f : def;
}

/* The second part's overlap (stitching, split.h): the bytes of the file
 * before the cut whose records it replays.  A -z capture's overlap is
 * inflated and copied, not read in place: half the window keeps the
 * 1.5 GB capture's peak at 54 MB instead of 67 MB.  Its offsets count
 * compressed bytes: the window is its records' bytes over the ratio perf
 * noted (else 16 MiB of compressed records, most of a capture, were
 * inflated and kept: 772 MB).  SYSFLAME_SPLIT_OVERLAP (records' bytes,
 * inflated): tests. */
static uint64_t overlap_bytes(const struct pd_info *info)
{
    const char *v = getenv("SYSFLAME_SPLIT_OVERLAP");
    int z = info->compressed && info->comp_ratio > 1;
    uint64_t ov = v && *v ? strtoull(v, NULL, 10) : z ? SPLIT_OVERLAP_Z : SPLIT_OVERLAP;
    if (z)
        ov = ov / info->comp_ratio ? ov / info->comp_ratio : 1;
    return ov;
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

int split_wanted(const struct loader *L, const char *path, struct session *sess)
{
    const struct profile_opts *o = L->o;
    int jobs = o->jobs > 0 ? o->jobs : sf_ncpus();
    if (jobs < 2 || loader_in_order_only(L) || o->on_capture || o->on_capture_start ||
        !strcmp(path, "-") || sf_env_flag("SYSFLAME_NO_SPLIT"))
        return 0;
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode) &&
           split_size_ok(pd_get_info(session_file(sess))) && !has_exit_events(sess);
}

int split_load(struct loader *L, const char *path, struct session *sess,
               struct input_info *in, struct sf_err *err, int *rc)
{
    int jobs = L->o->jobs > 0 ? L->o->jobs : sf_ncpus();
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
    /* The first part on this thread alone: a second thread, even one that
     * only waits, makes this process multi-threaded, which costs its part
     * 10-20 % more CPU time and page faults (glibc's malloc takes its
     * locks, naming is deferred); should the child find the capture cannot
     * be split, this thread reads it all. */
    struct part first;
    part_init(&first, L, 1);
    first.L.sess = sess;
    /* what the missing-binary counts were, should the capture be read again */
    size_t nr_missing0;
    uint64_t *missing0 = missing_counts(L->bc, &nr_missing0);
    struct split_run sr = { .plan_fd = plan_pipe[0], .planned = -1 };
    sr.cut = info->data_offset + (uint64_t)(split_at(info) * (double)info->data_size);
    /* stitching: the parts overlap (split.h) */
    uint64_t ov = overlap_bytes(info), window_from = UINT64_MAX;
    if (!L->o->no_stitch)
        window_from = sr.cut - info->data_offset > ov ? sr.cut - ov : info->data_offset;
    first.L.observe_after = !L->o->no_stitch;
    struct cost fork0 = cost_now();
    pid_t child = fork();
    if (child == 0) {
        close(plan_pipe[0]);
        close(out_pipe[0]);
        second_part_child(L, path, sr.cut, window_from, jobs - 1, plan_pipe[1], out_pipe[1],
                          fork0.wall_ms);
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
    first.L.progress_end = sr.cut;          /* the parent shows its part's */
    first.L.path = path;
    session_split_first(first.L.sess, first_part_stops, &sr, first.L.observe_after);
    first.rc = loader_run_capture(&first.L, &first.err);
    if (sr.planned < 0)         /* never asked: the capture ended before the cut */
        first_part_stops(&sr, UINT64_MAX, &(uint64_t){ 0 });
    struct cost read_done = cost_now();
    uint8_t *buf;
    size_t len;
    int got = read_to_end(out_pipe[0], &buf, &len);
    struct cost received = cost_now();
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
        loader_merge(L, &first.p);
        capstats_input_add(L->p, in, session_get_stats(first.L.sess));
        capstats_input_finish(L->p, in);
        *rc = loader_capture_hooks(L, first.L.sess, err);
    } else {
        int redo = first.L.stats.saw_exit;
        int m = got < 0 || redo ? -1 : merge_child(L, &first, in, buf, len, &redo, err);
        if (m == -2) {
            *rc = -1;
        } else if (m < 0 || redo) {
            done = 0;           /* nothing was merged: read it again */
            if (sf_env_flag("SYSFLAME_SPLIT_TRACE"))
                fprintf(stderr, "sysflame: '%s': split undone, read again\n", path);
            binary_cache_missing_rollback(L->bc, missing0, nr_missing0);
        } else {
            capstats_input_finish(L->p, in);
            /* header facts: the first part's session has them */
            *rc = loader_capture_hooks(L, first.L.sess, err);
        }
    }
    if (costs_on()) {
        struct cost merged = cost_now();
        fprintf(stderr, "sysflame: split costs: first part: before the fork cpu %.1f ms, "
                "%ld faults;", fork0.cpu_ms, fork0.faults);
        cost_print("read", read_done, fork0);
        cost_print("wait", received, read_done);
        cost_print("merge", merged, received);
        fprintf(stderr, ", ended at %.1f ms\n", merged.wall_ms - fork0.wall_ms);
    }
    free(buf);
    free(missing0);
    part_release(&first);
    return done;
}
