/* capstats.c - capture statistics and enter/exit pairing (see capstats.h). */
#include "capstats.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ptrcache.h"
#include "tracepoint.h"


/* Open addressing by a 32-bit id (a tid, a pid): slots hold index + 1.
 * Doubles the index over the n elements at `elems` (`stride` bytes each, the
 * id at offset `off`). */
static void index_grow(uint32_t **slots, size_t *nslots, const void *elems, size_t off,
                       size_t stride, size_t n)
{
    size_t ns = *nslots ? *nslots * 2 : 64;
    uint32_t *v = xcalloc(ns, sizeof(*v));
    for (size_t i = 0; i < n; i++) {
        uint32_t id;
        memcpy(&id, (const char *)elems + i * stride + off, sizeof(id));
        size_t k = (id * 2654435761u) & (ns - 1);
        while (v[k])
            k = (k + 1) & (ns - 1);
        v[k] = (uint32_t)i + 1;
    }
    free(*slots);
    *slots = v;
    *nslots = ns;
}

static struct thread_stat *thread_slot(struct capstats *cs, uint32_t pid, uint32_t tid,
                                       const char *comm)
{
    struct profile *p = cs->p;
    if (p->nr_threads * 2 >= cs->ntid_slots)
        index_grow(&cs->tid_slots, &cs->ntid_slots, p->threads,
                   offsetof(struct thread_stat, tid), sizeof(*p->threads), p->nr_threads);
    size_t k = (tid * 2654435761u) & (cs->ntid_slots - 1);
    while (cs->tid_slots[k]) {
        size_t i = cs->tid_slots[k] - 1;
        struct thread_stat *t = &p->threads[i];
        /* A thread that changed its name (exec, prctl) has a row per name,
         * so a row counts the samples that had its name, as --comm does.
         * The session interns comms: the same pointer is the same name. */
        if (t->tid == tid && t->pid == pid &&
            (cs->comm_seen[i] == comm || !strcmp(t->comm, comm))) {
            cs->comm_seen[i] = comm;
            return t;
        }
        k = (k + 1) & (cs->ntid_slots - 1);
    }
    cs->comm_seen = xgrow(cs->comm_seen, sizeof(*cs->comm_seen), p->nr_threads + 1,
                         &cs->comm_seen_cap);
    cs->comm_seen[p->nr_threads] = comm;
    p->threads = xgrow(p->threads, sizeof(*p->threads), p->nr_threads + 1, &cs->threads_cap);
    struct thread_stat *t = &p->threads[p->nr_threads];
    memset(t, 0, sizeof(*t));
    t->pid = pid;
    t->tid = tid;
    t->comm = strtab_intern(cs->strings, comm);
    cs->tid_slots[k] = (uint32_t)p->nr_threads + 1;
    p->nr_threads++;
    return t;
}

/* ---- processes ---- */

static const char *base_name(const char *path)
{
    const char *b = strrchr(path, '/');
    return b ? b + 1 : path;
}

/* python3.11, perl5.36, node, java, bash...: a name, then version digits */
static int is_interpreter(const char *path)
{
    static const char *const names[] = {
        "python", "perl", "ruby", "node", "nodejs", "java", "php", "lua", "luajit",
        "bash", "sh", "dash", "zsh", "ksh", "tclsh", "Rscript", "erl", "beam.smp",
    };
    const char *b = base_name(path);
    for (size_t i = 0; i < SF_ARRAY_SIZE(names); i++) {
        size_t n = strlen(names[i]);
        if (strncmp(b, names[i], n) == 0 && strspn(b + n, "0123456789.") == strlen(b + n))
            return 1;
    }
    return 0;
}

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && strcmp(s + n - k, suffix) == 0;
}

/* The executable: the executable mapping of a file named as the comm
 * (15 characters), else the lowest one (the main image loads below its
 * libraries, PIE or not; a process perf found running may also keep its
 * parent's mappings from the FORK record perf made up for it). */
static const struct sess_map *exe_map(const struct sess_maps *maps, const char *comm)
{
    const struct sess_map *lowest = NULL;
    for (size_t i = 0; maps && i < maps->nr; i++) {
        const struct sess_map *m = maps->maps[i];
        if (m->kernel || !m->filename || m->filename[0] != '/' ||
            !strncmp(m->filename, "/memfd:", 7) || (m->prot && !(m->prot & 4)))
            continue;
        if (!lowest)
            lowest = m;
        if (comm && *comm && !strncmp(base_name(m->filename), comm, 15))
            return m;
    }
    return lowest;
}

static void classify(struct capstats *cs, struct process_stat *ps, const struct sess_map *m,
                     const struct sess_maps *maps)
{
    ps->exe = NULL;
    ps->go_test = 0;
    if (!m) {
        /* no file-backed code: a kernel thread has no user mapping at all */
        ps->kind = maps && maps->nr ? PROCESS_UNKNOWN : PROCESS_KERNEL;
        return;
    }
    ps->exe = strtab_intern(cs->strings, m->filename);
    struct binary *b = cs->bc ? binary_for_map(cs->bc, m) : NULL;
    if (b && binary_gosym(b))
        ps->kind = PROCESS_GO;
    else if (is_interpreter(m->filename))
        ps->kind = PROCESS_INTERPRETER;
    else
        ps->kind = b ? PROCESS_C : PROCESS_UNKNOWN;
    ps->go_test = ps->kind != PROCESS_C && ps->kind != PROCESS_INTERPRETER &&
                  ends_with(m->filename, ".test");
}

static struct process_stat *process_slot(struct capstats *cs, uint32_t pid, int *created)
{
    struct profile *p = cs->p;
    *created = 0;
    if (p->nr_processes * 2 >= cs->npid_slots)
        index_grow(&cs->pid_slots, &cs->npid_slots, p->processes,
                   offsetof(struct process_stat, pid), sizeof(*p->processes), p->nr_processes);
    size_t k = (pid * 2654435761u) & (cs->npid_slots - 1);
    while (cs->pid_slots[k]) {
        struct process_stat *ps = &p->processes[cs->pid_slots[k] - 1];
        if (ps->pid == pid)
            return ps;
        k = (k + 1) & (cs->npid_slots - 1);
    }
    p->processes = xgrow(p->processes, sizeof(*p->processes), p->nr_processes + 1,
                         &cs->processes_cap);
    struct process_stat *ps = &p->processes[p->nr_processes];
    memset(ps, 0, sizeof(*ps));
    ps->pid = pid;
    cs->pid_slots[k] = (uint32_t)++p->nr_processes;
    *created = 1;
    return ps;
}

void capstats_process(struct capstats *cs, uint32_t pid, uint32_t tid, const char *comm,
                      const struct sess_maps *maps)
{
    int created;
    struct process_stat *ps = process_slot(cs, pid, &created);
    size_t i = (size_t)(ps - cs->p->processes);
    cs->exe_seen = xgrow(cs->exe_seen, sizeof(*cs->exe_seen), cs->p->nr_processes,
                         &cs->exe_seen_cap);
    if (created)
        cs->exe_seen[i] = NULL;
    /* classified by its executable, again after an exec (a process's
     * first samples may come between its fork and its exec) */
    const struct sess_map *m = exe_map(maps, comm);
    const char *f = m ? m->filename : "";
    if (created || f != cs->exe_seen[i]) {
        if (created || strcmp(f, ps->exe ? ps->exe : ""))
            classify(cs, ps, m, maps);
        cs->exe_seen[i] = f;
    }
    if (ps->comm != comm && (!ps->comm || strcmp(ps->comm, comm)))
        ps->comm = strtab_intern(cs->strings, comm);
    ps->samples++;
    struct thread_stat *t = thread_slot(cs, pid, tid, comm);
    t->kind = (int)ps->kind;
    t->go_test = ps->go_test;
}

static struct syscall_stat *syscall_slot(struct capstats *cs, const char *name)
{
    struct profile *p = cs->p;
    struct ptr_slot *c = ptrcache_slot(&cs->cache, name, NULL, 64);
    if (c->tag)
        return &p->syscalls[c->id];
    for (size_t i = 0; i < p->nr_syscalls; i++)
        if (p->syscalls[i].name == name) {
            c->id = (uint32_t)i;
            c->tag = 64;
            return &p->syscalls[i];
        }
    p->syscalls = xgrow(p->syscalls, sizeof(*p->syscalls), p->nr_syscalls + 1,
                        &cs->syscalls_cap);
    c->id = (uint32_t)p->nr_syscalls;
    c->tag = 64;
    struct syscall_stat *s = &p->syscalls[p->nr_syscalls++];
    memset(s, 0, sizeof(*s));
    s->name = name;
    return s;
}

/* The events table index of an interned event name (added at 0). */
static uint32_t event_index(struct capstats *cs, const char *name)
{
    struct profile *p = cs->p;
    for (size_t i = 0; i < p->nr_events; i++)
        if (p->events[i].name == name)
            return (uint32_t)i;
    p->events = xgrow(p->events, sizeof(*p->events), p->nr_events + 1, &cs->events_cap);
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

static struct event_facts *event_facts(struct capstats *cs, const struct sess_sample *ss)
{
    const void *key = ss->tp ? (const void *)ss->tp : (const void *)ss->event_name;
    struct ptr_slot *c = ptrcache_slot(&cs->cache, key, ss->event_name, 2048);
    if (c->tag)
        return &cs->facts[c->id];
    struct event_facts f = { .row = -1 };
    const char *name;
    if (ss->tp && (f.kind = tp_syscall(ss->tp, &name)) != 0)
        f.syscall = strtab_intern(cs->strings, name);
    f.event = strtab_intern(cs->strings, ss->event_name ? ss->event_name : "[event]");
    cs->facts = xgrow(cs->facts, sizeof(*cs->facts), cs->nr_facts + 1, &cs->facts_cap);
    cs->facts[cs->nr_facts] = f;
    c->id = (uint32_t)cs->nr_facts++;
    c->tag = 2048;
    return &cs->facts[c->id];
}

static struct unwind_stat *binary_stat(struct capstats *cs, const char *binary)
{
    struct profile *p = cs->p;
    struct ptr_slot *c = ptrcache_slot(&cs->cache, binary, NULL, 32);
    if (c->tag)
        return &p->per_binary[c->id];
    /* Recorded paths live as long as the session: keep our own copy. */
    binary = strtab_intern(cs->strings, binary);
    for (size_t i = 0; i < p->nr_per_binary; i++)
        if (p->per_binary[i].binary == binary) {
            c->id = (uint32_t)i;
            c->tag = 32;
            return &p->per_binary[i];
        }
    c->id = (uint32_t)p->nr_per_binary;
    c->tag = 32;
    p->per_binary = xgrow(p->per_binary, sizeof(*p->per_binary), p->nr_per_binary + 1,
                          &cs->per_binary_cap);
    struct unwind_stat *u = &p->per_binary[p->nr_per_binary++];
    memset(u, 0, sizeof(*u));
    u->binary = binary;
    return u;
}

static void count_unwind(struct unwind_stat *u, enum unwind_stop stop, unsigned fp_steps,
                         size_t depth)
{
    u->samples++;
    u->stops[stop]++;
    switch (stop) {
    case UNWIND_STOP_ROOT: u->to_root++; break;
    case UNWIND_STOP_TRUNCATED: u->truncated++; break;
    case UNWIND_STOP_UNKNOWN_PC: u->unknown_pc++; break;
    case UNWIND_STOP_NO_BINARY: u->no_binary++; break;
    default: u->other_stop++; break;
    }
    if (fp_steps)
        u->fp_fallback_samples++;
    u->depth_sum += depth;
}

/* Records s as met in dimension d (once). */
static void seen_add(struct capstats *cs, enum filter_dim d, const char *s)
{
    struct strtab *t = &cs->seen_tab[d];
    size_t before = strtab_count(t);
    strtab_id(t, s, strlen(s));
    if (strtab_count(t) == before)
        return;
    struct name_list *l = &cs->p->seen[d];
    l->v = xgrow(l->v, sizeof(*l->v), l->n + 1, &l->cap);
    l->v[l->n++] = strtab_intern(cs->strings, s);
}

static void seen_name(struct capstats *cs, enum filter_dim d, const char *s)
{
    if (s && s != cs->seen_last[d]) {
        cs->seen_last[d] = s;
        seen_add(cs, d, s);
    }
}

static void seen_id(struct capstats *cs, enum filter_dim d, uint32_t id)
{
    char num[16];
    if (cs->seen_last_id[d] == (uint64_t)id + 1)
        return;
    cs->seen_last_id[d] = (uint64_t)id + 1;
    snprintf(num, sizeof(num), "%u", id);
    seen_add(cs, d, num);
}

/* What each filtered dimension's values were, before filtering. */
static void note_seen(struct capstats *cs, const struct sess_sample *ss, const char *syscall)
{
    const struct profile_opts *o = cs->o;
    if (o->comms.n)
        seen_name(cs, FILTER_COMM, ss->comm);
    if (o->pids.n)
        seen_id(cs, FILTER_PID, ss->sample->idn.pid);
    if (o->tids.n)
        seen_id(cs, FILTER_TID, ss->sample->idn.tid);
    if (o->events.n)
        seen_name(cs, FILTER_EVENT, ss->event_name);
    if (o->syscalls.n)
        seen_name(cs, FILTER_SYSCALL, syscall);
}

/* The --comm and --pid filters: they keep or drop whole processes. */
static int keep_process(const struct profile_opts *o, const struct sess_sample *ss)
{
    char num[16];
    if (o->comms.n && !strlist_has(&o->comms, ss->comm))
        return 0;
    if (o->pids.n) {
        snprintf(num, sizeof(num), "%u", ss->sample->idn.pid);
        if (!strlist_has(&o->pids, num))
            return 0;
    }
    return 1;
}

/* The --tid, --event and --syscall filters: within a process. */
static int keep_sample(const struct profile_opts *o, const struct sess_sample *ss,
                       const char *syscall)
{
    char num[16];
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

static struct pending *pending_slot(struct capstats *cs, uint32_t tid)
{
    if (!cs->npend) {
        cs->npend = 4096;
        cs->pend = xcalloc(cs->npend, sizeof(*cs->pend));
    }
    size_t k = (tid * 2654435761u) & (cs->npend - 1);
    for (size_t probe = 0; probe < cs->npend; probe++) {
        struct pending *e = &cs->pend[k];
        if (!e->used || e->tid == tid) {
            e->used = 1;
            e->tid = tid;
            return e;
        }
        k = (k + 1) & (cs->npend - 1);
    }
    /* Table full (more than 4096 live threads): grow. */
    struct pending *old = cs->pend;
    size_t oldn = cs->npend;
    cs->npend *= 2;
    cs->pend = xcalloc(cs->npend, sizeof(*cs->pend));
    for (size_t i = 0; i < oldn; i++)
        if (old[i].used)
            *pending_slot(cs, old[i].tid) = old[i];
    free(old);
    return pending_slot(cs, tid);
}

static void pair_exit(struct capstats *cs, const struct sess_sample *ss, const char *syscall,
                      const struct tp_set *tps)
{
    const struct ev_sample *s = ss->sample;
    struct pending *e = pending_slot(cs, s->idn.tid);
    if (!e->syscall || strcmp(e->syscall, syscall) != 0) {
        e->syscall = NULL;
        return;
    }
    struct syscall_stat *st = syscall_slot(cs, e->syscall);
    uint64_t lat = s->idn.time >= e->time ? s->idn.time - e->time : 0;
    st->exits++;
    st->lat_total_ns += lat;
    if (lat > st->lat_max_ns)
        st->lat_max_ns = lat;
    st->lat_ns = xgrow(st->lat_ns, sizeof(*st->lat_ns), st->nr_lat + 1, &st->cap_lat);
    st->lat_ns[st->nr_lat++] = lat;
    uint64_t ret;
        if (tps && tp_field_u64(tps, ss->tp, s->raw, s->raw_size, "ret", &ret) == 0 &&
        (int64_t)ret < 0 && (int64_t)ret > -4096)
        st->errors++;
    e->syscall = NULL;
}

/* The counters of a struct unwind_stat, for adding and sending them. */
static const size_t unwind_counters[] = {
    offsetof(struct unwind_stat, samples), offsetof(struct unwind_stat, to_root),
    offsetof(struct unwind_stat, truncated), offsetof(struct unwind_stat, unknown_pc),
    offsetof(struct unwind_stat, no_binary), offsetof(struct unwind_stat, other_stop),
    offsetof(struct unwind_stat, fp_fallback_samples), offsetof(struct unwind_stat, depth_sum),
    offsetof(struct unwind_stat, suspect_samples), offsetof(struct unwind_stat, stitched),
};
_Static_assert(SF_ARRAY_SIZE(unwind_counters) + UNWIND_STOP_NR == UNWIND_STAT_NR_COUNTERS,
               "UNWIND_STAT_NR_COUNTERS: one per field of struct unwind_stat");

uint64_t *unwind_stat_counter(struct unwind_stat *u, size_t i)
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
    for (size_t i = 0; i < UNWIND_STAT_NR_COUNTERS; i++)
        *unwind_stat_counter(to, i) += unwind_counter_of(from, i);
}

void capstats_merge(struct capstats *cs, const struct profile *q)
{
    struct profile *p = cs->p;
    for (size_t i = 0; i < q->nr_threads; i++) {
        struct thread_stat *t = thread_slot(cs, q->threads[i].pid, q->threads[i].tid,
                                            q->threads[i].comm);
        t->samples += q->threads[i].samples;
        t->kind = q->threads[i].kind;
        t->go_test = q->threads[i].go_test;
    }
    for (size_t i = 0; i < q->nr_syscalls; i++) {
        const struct syscall_stat *f = &q->syscalls[i];
        struct syscall_stat *t = syscall_slot(cs, strtab_intern(cs->strings, f->name));
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
        uint32_t row = event_index(cs, strtab_intern(cs->strings, q->events[i].name));
        p->events[row].count += q->events[i].count;    /* after event_index grew it */
    }
    for (size_t d = 0; d < FILTER_NR; d++)
        for (size_t i = 0; i < q->seen[d].n; i++)
            seen_add(cs, (enum filter_dim)d, q->seen[d].v[i]);
    add_unwind_stat(&p->overall, &q->overall);
    for (size_t i = 0; i < q->nr_processes; i++) {
        const struct process_stat *qp = &q->processes[i];
        int created;
        struct process_stat *ps = process_slot(cs, qp->pid, &created);
        if (created) {
            *ps = *qp;
            ps->comm = qp->comm ? strtab_intern(cs->strings, qp->comm) : NULL;
            ps->exe = qp->exe ? strtab_intern(cs->strings, qp->exe) : NULL;
        } else {
            ps->samples += qp->samples;
            if (qp->comm)
                ps->comm = strtab_intern(cs->strings, qp->comm);
        }
    }
    p->recorder_samples += q->recorder_samples;
    if (q->recorder_pid)
        p->recorder_pid = q->recorder_pid;
    for (size_t i = 0; i < q->nr_per_binary; i++)
        add_unwind_stat(binary_stat(cs, q->per_binary[i].binary), &q->per_binary[i]);
}

/* The input's facts from its session's counters (added, for a split one). */
void capstats_input_add(struct profile *p, struct input_info *in, const struct sess_stats *st)
{
    in->samples += st->samples;
    in->lost_events += st->lost_events;
    in->lost_samples += st->lost_samples;
    if (st->first_time && (!in->first_time || st->first_time < in->first_time))
        in->first_time = st->first_time;
    if (st->last_time > in->last_time)
        in->last_time = st->last_time;
}

/* Once per capture, after its parts' counters are added: perf counts
 * the same drops both ways (a LOST record per ring buffer overrun, a
 * LOST_SAMPLES per event), so the capture lost the larger sum, which a
 * split capture only knows once both parts are in. */
void capstats_input_finish(struct profile *p, struct input_info *in)
{
    p->lost += in->lost_samples > in->lost_events ? in->lost_samples : in->lost_events;
    in->duration_s = in->last_time > in->first_time
                         ? (double)(in->last_time - in->first_time) / 1e9 : 0.0;
    p->duration_s += in->duration_s;
    p->has_capture = 1;
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

void capstats_sort(struct profile *p)
{
    if (p->nr_syscalls)
        qsort(p->syscalls, p->nr_syscalls, sizeof(*p->syscalls), cmp_syscall);
    if (p->nr_events)
        qsort(p->events, p->nr_events, sizeof(*p->events), cmp_event);
    if (p->nr_threads)
        qsort(p->threads, p->nr_threads, sizeof(*p->threads), cmp_thread);
}

int capstats_event(struct capstats *cs, const struct sess_sample *ss,
                   const struct tp_set *tps, const char **syscall_out, int *no_stack)
{
    const struct ev_sample *s = ss->sample;
    struct event_facts *ef = event_facts(cs, ss);
    const char *syscall = ef->syscall;
    int kind = ef->kind;
    *no_stack = 0;
    /* an observe-only sample (split.h) is filtered the same, counted
     * nowhere */
    int count = !ss->observe;
    if (count)
        note_seen(cs, ss, syscall);
    const struct profile_opts *o = cs->o;
    if (!keep_process(o, ss))
        return 0;
    int keep = keep_sample(o, ss, syscall);
    /* A sample that --tid, --event or --syscall drops is still shown to
     * the stitcher (stitch.h), which needs every sample of a process that
     * the run without those filters shows it, the exit samples of such a
     * run aside; the recorder of such a run too. */
    if (!keep && (o->no_stitch || (kind == 2 && !o->on_sample)))
        return 0;
    /* The recording perf's own samples (its writes of the capture, with
     * -a) are left out unless asked for, or unless filters pick processes. */
    if (cs->recorder_pid && s->idn.pid == cs->recorder_pid && !o->keep_recorder &&
        !o->pids.n && !o->comms.n && (!keep || !o->tids.n)) {
        if (count && keep) {
            cs->p->recorder_samples++;
            cs->p->recorder_pid = cs->recorder_pid;
        }
        return 0;
    }
    if (!keep) {
        *syscall_out = NULL;
        return 2;
    }
    if (count) {
        if (ef->row < 0)
            ef->row = event_index(cs, ef->event);
        cs->p->events[ef->row].count++;
    }
    if (kind == 1 && count) {
        struct pending *e = pending_slot(cs, s->idn.tid);
        e->syscall = syscall;
        e->time = s->idn.time;
    } else if (kind == 2) {
        if (count) {
            cs->saw_exit = 1;
            pair_exit(cs, ss, syscall, tps);
        }
        /* Exit samples feed latencies; stacks show each call once (at its
         * entry) unless the user asked for exit events by name. */
        if (!o->events.n && !o->on_sample)
            return 0;
        *no_stack = !o->events.n;
        syscall = NULL;
    }
    *syscall_out = syscall;
    return 1;
}

void capstats_sample(struct capstats *cs, uint32_t pid, uint32_t tid, const char *comm,
                     const char *syscall, const char *binary, const char *suspect,
                     enum unwind_stop stop, unsigned fp_steps, size_t depth)
{
    struct profile *p = cs->p;
    thread_slot(cs, pid, tid, comm)->samples++;
    if (syscall)
        syscall_slot(cs, syscall)->count++;
    count_unwind(&p->overall, stop, fp_steps, depth);
    count_unwind(binary_stat(cs, binary ? binary : "[unknown]"), stop, fp_steps, depth);
    if (suspect) {
        p->overall.suspect_samples++;
        binary_stat(cs, suspect)->suspect_samples++;
    }
}

void capstats_add_depth(struct capstats *cs, const char *binary, size_t depth)
{
    cs->p->overall.depth_sum += depth;
    binary_stat(cs, binary ? binary : "[unknown]")->depth_sum += depth;
}

void capstats_stitched(struct capstats *cs, const char *binary)
{
    cs->p->overall.stitched++;
    binary_stat(cs, binary ? binary : "[unknown]")->stitched++;
}

void capstats_begin_capture(struct capstats *cs)
{
    ptrcache_reset(cs->cache);
    cs->nr_facts = 0;
    if (cs->comm_seen)
        memset(cs->comm_seen, 0, cs->p->nr_threads * sizeof(*cs->comm_seen));
    memset(cs->seen_last, 0, sizeof(cs->seen_last));   /* the session's pointers */
    if (cs->exe_seen)
        memset(cs->exe_seen, 0, cs->p->nr_processes * sizeof(*cs->exe_seen));
}

void capstats_end_capture(struct capstats *cs)
{
    free(cs->pend);
    cs->pend = NULL;
    cs->npend = 0;
}

void capstats_release(struct capstats *cs)
{
    capstats_end_capture(cs);
    free(cs->cache);
    free(cs->tid_slots);
    free(cs->pid_slots);
    free(cs->exe_seen);
    free(cs->comm_seen);
    free(cs->facts);
    for (size_t d = 0; d < FILTER_NR; d++)
        strtab_release(&cs->seen_tab[d]);
    cs->cache = NULL;
    cs->tid_slots = NULL;
    cs->pid_slots = NULL;
    cs->exe_seen = NULL;
    cs->exe_seen_cap = 0;
    cs->comm_seen = NULL;
    cs->facts = NULL;
}
