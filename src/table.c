/* table.c - WRITER of `sysflame top`: groups a finished stack_set by
 * syscall, call site, Go test (or runtime subsystem) and thread, joins the
 * per-syscall latency stats of the profile, and hands rows to a writer.
 * The classification helpers here are shared with diff.c and report.c. */
#include "table.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ================= classification ================= */

const char *attr_kind_name(enum attr_kind k)
{
    static const char *const names[ATTR_NR] = {
        "test", "benchmark", "fuzz", "testing", "main", "runtime",
        "startup", "cgo", "other",
    };
    return (unsigned)k < ATTR_NR ? names[k] : "other";
}

static int starts_with(const char *s, const char *prefix)
{
    return !strncmp(s, prefix, strlen(prefix));
}

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && !strcmp(s + n - m, suffix);
}

static int is_lower(int c)
{
    return c >= 'a' && c <= 'z';
}

static int is_kernel_frame(const char *f)
{
    return ends_with(f, "_[k]");
}

const char *stack_syscall(const struct stack_set *s, const struct stack_view *v)
{
    for (uint32_t i = v->nr; i-- > 1;) {
        const char *f = stack_name(s, v->frames[i]);
        if (!is_kernel_frame(f))
            return f;
    }
    return v->nr ? stack_name(s, v->frames[v->nr - 1]) : "";
}

/* The runtime's assembly stubs that issue a syscall for the runtime itself:
 * their caller (futexsleep, netpoll, sysmon...) is the interesting frame. */
static const char *const runtime_stubs[] = {
    "futex", "read", "write", "write1", "write2", "open", "closefd", "usleep",
    "usleep_no_g", "osyield", "osyield_no_g", "nanotime1", "walltime",
    "walltime1", "madvise", "mmap", "sysMmap", "munmap", "sysMunmap",
    "mincore", "epollwait", "epollctl", "epollcreate", "epollcreate1",
    "rt_sigaction", "rtsigprocmask", "sigprocmask", "sigaltstack", "clone",
    "tgkill", "raise", "raiseproc", "getpid", "gettid", "exit", "exitThread",
    "sched_getaffinity", "setitimer", "timer_create", "timer_settime",
    "timer_delete", "pipe2", "fcntl", "getrandom", "vgetrandom1", "settls",
    "access", "connect", "socket", "sbrk0", "nanotime", "sysAllocOS",
    "sysFreeOS", "sysUnusedOS", "sysUsedOS", "sysHugePageOS",
    "sysNoHugePageOS", "sysReserveOS", "sysMapOS", "sysFaultOS", "vdsoCall",
    "syscall", "syscall6", "syscall_syscall", "syscall_rawSyscall",
};

/* libc names that differ from the syscall they issue. */
static const struct { const char *libc, *sc; } libc_alias[] = {
    { "open", "openat" }, { "open64", "openat" }, { "creat", "openat" },
    { "stat", "newfstatat" }, { "stat64", "newfstatat" }, { "lstat", "newfstatat" },
    { "lstat64", "newfstatat" }, { "fstat", "newfstatat" }, { "fstat64", "newfstatat" },
    { "fstatat", "newfstatat" }, { "fstatat64", "newfstatat" },
    { "fork", "clone" }, { "_Fork", "clone" }, { "poll", "ppoll" },
    { "select", "pselect6" }, { "nanosleep", "clock_nanosleep" },
    { "usleep", "clock_nanosleep" }, { "sleep", "clock_nanosleep" },
    { "wait", "wait4" }, { "waitpid", "wait4" }, { "dup2", "dup3" },
    { "pipe", "pipe2" }, { "unlink", "unlinkat" }, { "mkdir", "mkdirat" },
    { "rename", "renameat2" }, { "readlink", "readlinkat" },
    { "getdents", "getdents64" }, { "accept", "accept4" },
    { "epoll_wait", "epoll_pwait" }, { "signal", "rt_sigaction" },
    { "sigaction", "rt_sigaction" }, { "sigprocmask", "rt_sigprocmask" },
    { "pthread_sigmask", "rt_sigprocmask" }, { "pthread_create", "clone3" },
};

static int libc_wrapper(const char *f, const char *sc)
{
    char base[128];
    if (starts_with(f, "__GI_"))
        f += 5;
    while (*f == '_')
        f++;
    if (starts_with(f, "libc_"))
        f += 5;
    while (*f == '_')
        f++;
    size_t n = strlen(f);
    if (n == 0 || n >= sizeof(base))
        return 0;
    memcpy(base, f, n + 1);
    if (ends_with(base, "_nocancel"))
        base[n - 9] = '\0';
    if (!strcmp(base, "syscall") || starts_with(base, "syscall_cancel") ||
        starts_with(base, "internal_syscall_cancel") || !strcmp(base, "internal_syscall"))
        return 1;
    if (!*sc)
        return 0;
    if (!strcmp(base, sc))
        return 1;
    /* pread64, lseek64, prlimit64: the "64" variant of the same call */
    size_t bl = strlen(base), sl = strlen(sc);
    if (bl == sl + 2 && !strncmp(base, sc, sl) && !strcmp(base + sl, "64"))
        return 1;
    if (sl == bl + 2 && !strncmp(sc, base, bl) && !strcmp(sc + bl, "64"))
        return 1;
    for (size_t i = 0; i < SF_ARRAY_SIZE(libc_alias); i++)
        if (!strcmp(base, libc_alias[i].libc) && !strcmp(sc, libc_alias[i].sc))
            return 1;
    return 0;
}

int table_is_syscall_wrapper(const char *f, const char *sc)
{
    if (is_kernel_frame(f))
        return 1;
    if (starts_with(f, "syscall.") || starts_with(f, "runtime/internal/syscall.") ||
        starts_with(f, "internal/runtime/syscall.") ||
        starts_with(f, "internal/syscall/unix.") ||
        starts_with(f, "golang.org/x/sys/unix.") ||
        starts_with(f, "internal/poll."))
        return 1;
    /* os.(*File).write, .read, .pread...: the unexported halves of the
     * exported methods the caller used */
    if (starts_with(f, "os.(*File).") && is_lower((unsigned char)f[11]))
        return 1;
    if (starts_with(f, "runtime.")) {
        const char *r = f + 8;
        for (size_t i = 0; i < SF_ARRAY_SIZE(runtime_stubs); i++)
            if (!strcmp(r, runtime_stubs[i]))
                return 1;
        return 0;
    }
    /* Go frames are never libc wrappers. */
    if (strchr(f, '/') || strchr(f, '.'))
        return 0;
    return libc_wrapper(f, sc);
}

const char *stack_callsite(const struct stack_set *s, const struct stack_view *v)
{
    const char *sc = stack_syscall(s, v);
    int seen_syscall = 0;
    for (uint32_t i = v->nr; i-- > 1;) {
        const char *f = stack_name(s, v->frames[i]);
        if (!seen_syscall) {
            /* skip kernel frames and the syscall leaf itself */
            if (f == sc)
                seen_syscall = 1;
            continue;
        }
        if (!table_is_syscall_wrapper(f, sc))
            return f;
    }
    return "[unknown]";
}

int table_test_frame(const char *f, struct sbuf *test, struct sbuf *closure)
{
    static const struct { const char *prefix; enum attr_kind kind; } kinds[] = {
        { "Test", ATTR_TEST }, { "Benchmark", ATTR_BENCHMARK }, { "Fuzz", ATTR_FUZZ },
    };
    sbuf_reset(test);
    sbuf_reset(closure);
    /* The package path ends at the last '/'; the name starts after the
     * first '.' that follows it. */
    const char *slash = strrchr(f, '/');
    const char *dot = strchr(slash ? slash : f, '.');
    if (!dot || dot == f)
        return -1;
    if ((size_t)(dot - f) == 7 && !strncmp(f, "testing", 7))
        return -1;
    const char *id = dot + 1;
    /* Methods of test suites: pkg.(*Suite).TestXxx */
    if (id[0] == '(') {
        const char *close = strstr(id, ").");
        if (!close)
            return -1;
        id = close + 2;
    }
    for (size_t k = 0; k < SF_ARRAY_SIZE(kinds); k++) {
        size_t pl = strlen(kinds[k].prefix);
        if (strncmp(id, kinds[k].prefix, pl) || is_lower((unsigned char)id[pl]))
            continue;
        const char *end = id + pl;
        while (*end && *end != '.' && *end != '[' && *end != '-')
            end++;
        sbuf_add(test, f, (size_t)(end - f));
        if (*end == '.' && starts_with(end + 1, "func")) {
            const char *cend = end + 1;
            while (*cend && *cend != '.')
                cend++;
            sbuf_add(closure, f, (size_t)(cend - f));
        }
        return (int)kinds[k].kind;
    }
    return -1;
}

/* Does f contain any of the names (exact) or prefixes (ending in '*')? */
static int frame_matches(const char *f, const char *const *pats)
{
    for (; *pats; pats++) {
        size_t n = strlen(*pats);
        if ((*pats)[n - 1] == '*') {
            if (!strncmp(f, *pats, n - 1))
                return 1;
        } else if (!strcmp(f, *pats)) {
            return 1;
        }
    }
    return 0;
}

static const char *const pat_sysmon[] = { "runtime.sysmon", NULL };
static const char *const pat_gc[] = {
    "runtime.gc*", "runtime.bgsweep", "runtime.bgscavenge", "runtime.markroot*",
    "runtime.sweepone", "runtime.(*gcWork)*", "runtime.(*gcControllerState)*",
    "runtime.(*mheap).reclaim*", "runtime.(*scavengerState)*", "runtime.runfinq",
    "runtime.forEachP", "runtime.stopTheWorld*", "runtime.startTheWorld*", NULL,
};
static const char *const pat_netpoll[] = {
    "runtime.netpoll*", "runtime.findRunnable.netpoll*", NULL,
};
static const char *const pat_timers[] = {
    "runtime.(*timers)*", "runtime.(*timer)*", "runtime.checkTimers",
    "runtime.runtimer", "runtime.runOneTimer", "runtime.timerproc",
    "runtime.addtimer", "runtime.modtimer", "runtime.resettimer", NULL,
};
static const char *const pat_startup[] = {
    "runtime.rt0_go", "runtime.schedinit", "runtime.osinit", "runtime.args",
    "runtime.doInit*", "runtime.check", "runtime.mallocinit", "runtime.cpuinit",
    "runtime.goenvs", "runtime.newosproc0", "_dl_*", "_dl_start_user",
    "_start", "_init", "__libc_start_main*", "__libc_start_call_main",
    "__libc_init_first", "__libc_early_init", "_IO_init",
    /* m0 only: signal handlers installed once at start-up */
    "runtime.mstartm0", "runtime.initsig", NULL,
};
static const char *const pat_sched[] = {
    "runtime.schedule", "runtime.findRunnable", "runtime.findrunnable",
    "runtime.mstart*", "runtime.park_m", "runtime.goexit0", "runtime.stopm",
    "runtime.startm", "runtime.newm*", "runtime.mexit", "runtime.wakep",
    "runtime.handoffp", "runtime.startTemplateThread", "runtime.templateThread",
    "runtime.mPark", "runtime.gopreempt_m", "runtime.goschedImpl",
    "runtime.exitsyscall*", "runtime.entersyscallblock*", "runtime.retake",
    "runtime.injectglist", "runtime.resetspinning", "runtime.stealWork",
    "runtime.execute", "runtime.gcstopm", "runtime.preemptall",
    "runtime.preemptone", "runtime.preemptM", "runtime.signalM", NULL,
};
static const char *const pat_cgo[] = {
    "runtime.cgocall", "runtime.asmcgocall*", "runtime.cgocallback*",
    "_cgo_*", "x_cgo_*", "crosscall2", "crosscall_amd64", "crosscall1", NULL,
};

/* A Go function name ("pkg.Func", "a/b.(*T).M"), as opposed to a C symbol
 * (possibly a GCC clone like "foo.part.0" or "foo.cold"). */
static int is_go_frame(const char *f)
{
    const char *dot = strchr(f, '.');
    if (!dot || dot == f || is_kernel_frame(f) || f[0] == '_' || f[0] == '[')
        return 0;
    return !strstr(f, ".part.") && !strstr(f, ".cold") && !strstr(f, ".isra.") &&
           !strstr(f, ".constprop.") && !strstr(f, ".lto_priv.");
}

enum attr_kind stack_attribute(const struct stack_set *s, const struct stack_view *v,
                               struct sbuf *name, struct sbuf *closure)
{
    struct sbuf tmp = SBUF_INIT;
    struct sbuf *cl = closure ? closure : &tmp;
    int has_go = 0, has_main = 0, has_testing = 0, has_rtmain = 0;
    int has_sysmon = 0, has_gc = 0, has_net = 0, has_timers = 0, has_startup = 0;
    int has_sched = 0, has_cgo = 0, has_c_main = 0;
    /* innermost first: the innermost test frame wins */
    for (uint32_t i = v->nr; i-- > 1;) {
        const char *f = stack_name(s, v->frames[i]);
        int k = table_test_frame(f, name, cl);
        if (k >= 0) {
            sbuf_release(&tmp);
            return (enum attr_kind)k;
        }
        if (is_go_frame(f))
            has_go = 1;
        if (!strcmp(f, "main.main"))
            has_main = 1;
        else if (!strcmp(f, "runtime.main"))
            has_rtmain = 1;
        else if (!strcmp(f, "main"))
            has_c_main = 1;
        else if (starts_with(f, "testing."))
            has_testing = 1;
        has_sysmon |= frame_matches(f, pat_sysmon);
        has_gc |= frame_matches(f, pat_gc);
        has_net |= frame_matches(f, pat_netpoll);
        has_timers |= frame_matches(f, pat_timers);
        has_startup |= frame_matches(f, pat_startup);
        has_sched |= frame_matches(f, pat_sched);
        has_cgo |= frame_matches(f, pat_cgo);
    }
    sbuf_reset(name);
    sbuf_reset(cl);
    sbuf_release(&tmp);
    enum attr_kind kind = ATTR_RUNTIME;
    const char *bucket;
    if (has_sysmon)
        bucket = ATTR_SYSMON;
    else if (has_gc)
        bucket = ATTR_GC;
    else if (has_testing)
        bucket = ATTR_TESTINGS, kind = ATTR_TESTING;
    else if (has_main)
        bucket = "main.main", kind = ATTR_MAIN;
    else if (has_cgo || (!has_go && has_c_main))
        bucket = ATTR_CGOS, kind = ATTR_CGO;
    else if (has_net)
        bucket = ATTR_NETPOLLER;
    else if (has_timers)
        bucket = ATTR_TIMERS;
    else if (has_startup || has_rtmain)
        bucket = ATTR_STARTUPS, kind = ATTR_STARTUP;
    else if (has_sched)
        bucket = ATTR_SCHEDULER;
    else if (!has_go && v->nr > 2)
        bucket = ATTR_CGOS, kind = ATTR_CGO;
    else
        bucket = ATTR_OTHERS, kind = ATTR_OTHER;
    sbuf_addstr(name, bucket);
    return kind;
}

/* ================= grouping ================= */

static uint64_t group_hash(const char *name, const char *sub)
{
    uint64_t h = sf_hash(name, strlen(name));
    if (sub)
        h ^= sf_hash(sub, strlen(sub)) * 0x9e3779b97f4a7c15ULL + 1;
    return h;
}

static int group_eq(const struct top_group *g, const char *name, const char *sub)
{
    if (strcmp(g->name, name))
        return 0;
    if (!g->sub || !sub)
        return !g->sub && !sub;
    return !strcmp(g->sub, sub);
}

static void groups_rehash(struct top_groups *g)
{
    size_t n = g->nslots ? g->nslots * 2 : 64;
    free(g->slots);
    g->slots = xmalloc(n * sizeof(*g->slots));
    memset(g->slots, 0xff, n * sizeof(*g->slots));
    g->nslots = n;
    for (size_t i = 0; i < g->n; i++) {
        size_t k = group_hash(g->v[i].name, g->v[i].sub) & (n - 1);
        while (g->slots[k] != UINT32_MAX)
            k = (k + 1) & (n - 1);
        g->slots[k] = (uint32_t)i;
    }
}

long top_groups_find(const struct top_groups *g, const char *name, const char *sub)
{
    if (!g->nslots)
        return -1;
    size_t k = group_hash(name, sub) & (g->nslots - 1);
    while (g->slots[k] != UINT32_MAX) {
        if (group_eq(&g->v[g->slots[k]], name, sub))
            return g->slots[k];
        k = (k + 1) & (g->nslots - 1);
    }
    return -1;
}

size_t top_groups_bump(struct top_groups *g, const char *name, const char *sub,
                       enum attr_kind kind, uint64_t count)
{
    long i = top_groups_find(g, name, sub);
    if (i >= 0) {
        g->v[i].count += count;
        return (size_t)i;
    }
    if ((g->n + 1) * 2 > g->nslots)
        groups_rehash(g);
    g->v = xgrow(g->v, sizeof(*g->v), g->n + 1, &g->cap);
    struct top_group *row = &g->v[g->n];
    row->name = xstrdup(name);
    row->sub = sub ? xstrdup(sub) : NULL;
    row->kind = kind;
    row->count = count;
    size_t k = group_hash(name, sub) & (g->nslots - 1);
    while (g->slots[k] != UINT32_MAX)
        k = (k + 1) & (g->nslots - 1);
    g->slots[k] = (uint32_t)g->n;
    return g->n++;
}

void top_groups_add(struct top_groups *g, const struct stack_set *s, enum top_dim dim)
{
    struct sbuf name = SBUF_INIT, closure = SBUF_INIT;
    size_t n = stack_nr_stacks(s);
    for (uint32_t id = 0; id < n; id++) {
        struct stack_view v;
        stack_get(s, id, &v);
        if (!v.count || !v.nr)
            continue;
        enum attr_kind k;
        switch (dim) {
        case TOP_DIM_SYSCALL:
            top_groups_bump(g, stack_syscall(s, &v), NULL, ATTR_OTHER, v.count);
            break;
        case TOP_DIM_CALLSITE:
            top_groups_bump(g, stack_callsite(s, &v), stack_syscall(s, &v),
                            ATTR_OTHER, v.count);
            break;
        case TOP_DIM_TEST:
            k = stack_attribute(s, &v, &name, NULL);
            top_groups_bump(g, sbuf_str(&name), NULL, k, v.count);
            break;
        case TOP_DIM_SUBTEST:
            k = stack_attribute(s, &v, &name, &closure);
            if (closure.len)
                top_groups_bump(g, sbuf_str(&closure), sbuf_str(&name), k, v.count);
            break;
        case TOP_DIM_COMM:
        case TOP_DIM_NR:
            top_groups_bump(g, stack_name(s, v.frames[0]), NULL, ATTR_OTHER, v.count);
            break;
        }
    }
    sbuf_release(&name);
    sbuf_release(&closure);
}

void top_groups_release(struct top_groups *g)
{
    for (size_t i = 0; i < g->n; i++) {
        free(g->v[i].name);
        free(g->v[i].sub);
    }
    free(g->v);
    free(g->slots);
    memset(g, 0, sizeof(*g));
}

/* ================= top ================= */

int top_sort_parse(const char *s, enum top_sort *out)
{
    static const char *const names[] = { "count", "name", "errors", "time", "mean", "p99", "max" };
    for (size_t i = 0; i < SF_ARRAY_SIZE(names); i++) {
        if (s && !strcmp(s, names[i])) {
            *out = (enum top_sort)i;
            return 0;
        }
    }
    return -1;
}

uint64_t top_percentile(const uint64_t *sorted, size_t n, double q)
{
    if (!n)
        return 0;
    /* nearest rank: the smallest value with at least q*n values <= it */
    double r = ceil(q * (double)n);
    size_t rank = r < 1 ? 1 : (size_t)r;
    if (rank > n)
        rank = n;
    return sorted[rank - 1];
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

struct sys_row {
    const char *name;
    uint64_t count, exits, errors;
    double total_us, mean_us, p50_us, p99_us, max_us;
};

static enum top_sort sort_key;

/* Sorting ties always fall back to name so output is deterministic. */
static int cmp_sys(const void *a, const void *b)
{
    const struct sys_row *x = a, *y = b;
    double dx = 0, dy = 0;
    switch (sort_key) {
    case TOP_SORT_NAME: return strcmp(x->name, y->name);
    case TOP_SORT_ERRORS: dx = (double)x->errors; dy = (double)y->errors; break;
    case TOP_SORT_TIME: dx = x->total_us; dy = y->total_us; break;
    case TOP_SORT_MEAN: dx = x->mean_us; dy = y->mean_us; break;
    case TOP_SORT_P99: dx = x->p99_us; dy = y->p99_us; break;
    case TOP_SORT_MAX: dx = x->max_us; dy = y->max_us; break;
    case TOP_SORT_COUNT: break;
    }
    if (dx != dy)
        return dx > dy ? -1 : 1;
    if (x->count != y->count)
        return x->count > y->count ? -1 : 1;
    return strcmp(x->name, y->name);
}

static int cmp_group(const void *a, const void *b)
{
    const struct top_group *x = a, *y = b;
    if (sort_key != TOP_SORT_NAME && x->count != y->count)
        return x->count > y->count ? -1 : 1;
    int c = strcmp(x->name, y->name);
    if (c || sort_key == TOP_SORT_NAME)
        return c ? c : strcmp(x->sub ? x->sub : "", y->sub ? y->sub : "");
    return strcmp(x->sub ? x->sub : "", y->sub ? y->sub : "");
}

/* qsort has no context argument in C11; the key is set right before each
 * sort and only read by the comparators above (single-threaded writers). */
static void sort_groups(struct top_groups *g, enum top_sort key)
{
    sort_key = key;
    if (g->n)
        qsort(g->v, g->n, sizeof(*g->v), cmp_group);
}

static double share_of(uint64_t count, uint64_t total)
{
    return total ? (double)count / (double)total : NAN;
}

static size_t row_limit(const struct top_opts *o, size_t n)
{
    return o->limit && o->limit < n ? o->limit : n;
}

/* Ends a table of n rows cut to row_limit, saying how many were left out. */
static void table_end(struct writer *w, const struct top_opts *o, size_t n)
{
    writer_table_end(w);
    writer_table_more(w, n - row_limit(o, n));
}

static void write_syscalls(const struct profile *p, const struct top_opts *o,
                           struct writer *w, uint64_t total)
{
    struct top_groups g = TOP_GROUPS_INIT;
    top_groups_add(&g, p->stacks, TOP_DIM_SYSCALL);
    struct sys_row *rows = xcalloc(g.n ? g.n : 1, sizeof(*rows));
    int paired = 0;
    for (size_t i = 0; i < g.n; i++) {
        struct sys_row *r = &rows[i];
        r->name = g.v[i].name;
        r->count = g.v[i].count;
        r->total_us = r->mean_us = r->p50_us = r->p99_us = r->max_us = NAN;
        for (size_t k = 0; k < p->nr_syscalls; k++) {
            const struct syscall_stat *st = &p->syscalls[k];
            if (!st->name || strcmp(st->name, r->name) || !st->exits)
                continue;
            paired = 1;
            r->exits = st->exits;
            r->errors = st->errors;
            r->total_us = (double)st->lat_total_ns / 1e3;
            r->mean_us = r->total_us / (double)st->exits;
            r->max_us = (double)st->lat_max_ns / 1e3;
            if (st->nr_lat && st->lat_ns) {
                uint64_t *lat = xmalloc(st->nr_lat * sizeof(*lat));
                memcpy(lat, st->lat_ns, st->nr_lat * sizeof(*lat));
                qsort(lat, st->nr_lat, sizeof(*lat), cmp_u64);
                r->p50_us = (double)top_percentile(lat, st->nr_lat, 0.50) / 1e3;
                r->p99_us = (double)top_percentile(lat, st->nr_lat, 0.99) / 1e3;
                free(lat);
            }
        }
    }
    sort_key = o->sort;
    if (g.n)
        qsort(rows, g.n, sizeof(*rows), cmp_sys);

    static const struct writer_col base[] = {
        { "name", "Syscall", WCOL_STR, 0 },
        { "count", "Count", WCOL_UINT, 0 },
        { "share", "Share", WCOL_PCT, 2 },
        { "rate_per_s", "Per s", WCOL_FLOAT, 1 },
        { "exits", "Exits", WCOL_UINT, 0 },
        { "errors", "Errors", WCOL_UINT, 0 },
        { "lat_total_us", "Total us", WCOL_FLOAT, 1 },
        { "lat_mean_us", "Mean us", WCOL_FLOAT, 2 },
        { "lat_p50_us", "p50 us", WCOL_FLOAT, 2 },
        { "lat_p99_us", "p99 us", WCOL_FLOAT, 2 },
        { "lat_max_us", "Max us", WCOL_FLOAT, 2 },
    };
    writer_table_begin(w, "syscalls", "Syscalls", base, paired ? 11 : 4);
    double dur = p->duration_s;
    for (size_t i = 0; i < row_limit(o, g.n); i++) {
        const struct sys_row *r = &rows[i];
        writer_cell_str(w, r->name);
        writer_cell_uint(w, r->count);
        writer_cell_float(w, share_of(r->count, total));
        writer_cell_float(w, dur > 0 ? (double)r->count / dur : NAN);
        if (!paired)
            continue;
        writer_cell_uint(w, r->exits);
        writer_cell_uint(w, r->errors);
        writer_cell_float(w, r->total_us);
        writer_cell_float(w, r->mean_us);
        writer_cell_float(w, r->p50_us);
        writer_cell_float(w, r->p99_us);
        writer_cell_float(w, r->max_us);
    }
    table_end(w, o, g.n);
    free(rows);
    top_groups_release(&g);
}

/* A (name, sub, count, share) table of one grouping dimension: call sites
 * (sub = the syscall) and subtest closures (sub = their test). */
static void write_pair_table(const struct profile *p, const struct top_opts *o,
                             struct writer *w, uint64_t total, enum top_dim dim,
                             const char *key, const char *title,
                             const struct writer_col cols[4])
{
    struct top_groups g = TOP_GROUPS_INIT;
    top_groups_add(&g, p->stacks, dim);
    sort_groups(&g, o->sort);
    writer_table_begin(w, key, title, cols, 4);
    for (size_t i = 0; i < row_limit(o, g.n); i++) {
        writer_cell_str(w, g.v[i].name);
        writer_cell_str(w, g.v[i].sub);
        writer_cell_uint(w, g.v[i].count);
        writer_cell_float(w, share_of(g.v[i].count, total));
    }
    table_end(w, o, g.n);
    top_groups_release(&g);
}

static void write_callsites(const struct profile *p, const struct top_opts *o,
                            struct writer *w, uint64_t total)
{
    static const struct writer_col cols[] = {
        { "name", "Call site", WCOL_STR, 0 },
        { "syscall", "Syscall", WCOL_STR, 0 },
        { "count", "Count", WCOL_UINT, 0 },
        { "share", "Share", WCOL_PCT, 2 },
    };
    write_pair_table(p, o, w, total, TOP_DIM_CALLSITE, "callsites", "Call sites", cols);
}

static void write_tests(const struct profile *p, const struct top_opts *o,
                        struct writer *w, uint64_t total)
{
    static const struct writer_col cols[] = {
        { "name", "Test or origin", WCOL_STR, 0 },
        { "kind", "Kind", WCOL_STR, 0 },
        { "count", "Count", WCOL_UINT, 0 },
        { "share", "Share", WCOL_PCT, 2 },
        { "top_syscall", "Top syscall", WCOL_STR, 0 },
    };
    struct top_groups g = TOP_GROUPS_INIT, per = TOP_GROUPS_INIT;
    struct sbuf name = SBUF_INIT;
    top_groups_add(&g, p->stacks, TOP_DIM_TEST);
    /* (test, syscall) counts, to name each row's heaviest syscall */
    size_t n = stack_nr_stacks(p->stacks);
    for (uint32_t id = 0; id < n; id++) {
        struct stack_view v;
        stack_get(p->stacks, id, &v);
        if (!v.count || !v.nr)
            continue;
        enum attr_kind k = stack_attribute(p->stacks, &v, &name, NULL);
        top_groups_bump(&per, sbuf_str(&name), stack_syscall(p->stacks, &v), k, v.count);
    }
    sort_groups(&g, o->sort);
    writer_table_begin(w, "tests", "Tests and runtime work", cols, 5);
    for (size_t i = 0; i < row_limit(o, g.n); i++) {
        const char *best = NULL;
        uint64_t best_n = 0;
        for (size_t k = 0; k < per.n; k++) {
            const struct top_group *r = &per.v[k];
            if (strcmp(r->name, g.v[i].name))
                continue;
            if (r->count > best_n || (r->count == best_n && best && strcmp(r->sub, best) < 0)) {
                best = r->sub;
                best_n = r->count;
            }
        }
        writer_cell_str(w, g.v[i].name);
        writer_cell_str(w, attr_kind_name(g.v[i].kind));
        writer_cell_uint(w, g.v[i].count);
        writer_cell_float(w, share_of(g.v[i].count, total));
        writer_cell_str(w, best ? best : "");
    }
    table_end(w, o, g.n);
    sbuf_release(&name);
    top_groups_release(&per);
    top_groups_release(&g);
}

static void write_subtests(const struct profile *p, const struct top_opts *o,
                           struct writer *w, uint64_t total)
{
    static const struct writer_col cols[] = {
        { "name", "Closure", WCOL_STR, 0 },
        { "test", "Test", WCOL_STR, 0 },
        { "count", "Count", WCOL_UINT, 0 },
        { "share", "Share", WCOL_PCT, 2 },
    };
    write_pair_table(p, o, w, total, TOP_DIM_SUBTEST, "subtests",
                     "Test closures (t.Run subtests)", cols);
}

static int cmp_threads(const void *a, const void *b)
{
    const struct thread_stat *x = a, *y = b;
    if (sort_key != TOP_SORT_NAME && x->samples != y->samples)
        return x->samples > y->samples ? -1 : 1;
    int c = strcmp(x->comm ? x->comm : "", y->comm ? y->comm : "");
    if (c)
        return c;
    if (x->pid != y->pid)
        return x->pid < y->pid ? -1 : 1;
    return x->tid < y->tid ? -1 : x->tid > y->tid;
}

static void write_threads(const struct profile *p, const struct top_opts *o,
                          struct writer *w, uint64_t total)
{
    static const struct writer_col cols[] = {
        { "name", "Comm", WCOL_STR, 0 },
        { "pid", "PID", WCOL_UINT, 0 },
        { "tid", "TID", WCOL_UINT, 0 },
        { "count", "Count", WCOL_UINT, 0 },
        { "share", "Share", WCOL_PCT, 2 },
    };
    if (p->nr_threads) {
        struct thread_stat *t = xmalloc(p->nr_threads * sizeof(*t));
        memcpy(t, p->threads, p->nr_threads * sizeof(*t));
        sort_key = o->sort;
        qsort(t, p->nr_threads, sizeof(*t), cmp_threads);
        writer_table_begin(w, "threads", "Threads", cols, 5);
        for (size_t i = 0; i < row_limit(o, p->nr_threads); i++) {
            writer_cell_str(w, t[i].comm ? t[i].comm : "");
            writer_cell_uint(w, t[i].pid);
            writer_cell_uint(w, t[i].tid);
            writer_cell_uint(w, t[i].samples);
            writer_cell_float(w, share_of(t[i].samples, total));
        }
        table_end(w, o, p->nr_threads);
        free(t);
        return;
    }
    /* Folded input: frame 0 is all we know (comm, or comm-pid/tid). */
    static const struct writer_col fcols[] = {
        { "name", "Comm", WCOL_STR, 0 },
        { "count", "Count", WCOL_UINT, 0 },
        { "share", "Share", WCOL_PCT, 2 },
    };
    struct top_groups g = TOP_GROUPS_INIT;
    top_groups_add(&g, p->stacks, TOP_DIM_COMM);
    sort_groups(&g, o->sort);
    writer_table_begin(w, "threads", "Threads", fcols, 3);
    for (size_t i = 0; i < row_limit(o, g.n); i++) {
        writer_cell_str(w, g.v[i].name);
        writer_cell_uint(w, g.v[i].count);
        writer_cell_float(w, share_of(g.v[i].count, total));
    }
    table_end(w, o, g.n);
    top_groups_release(&g);
}

struct heavy { uint64_t count; uint32_t pos, id; };

/* heaviest first; equal counts keep folded (sorted) order */
static int cmp_heavy(const void *a, const void *b)
{
    const struct heavy *x = a, *y = b;
    if (x->count != y->count)
        return x->count > y->count ? -1 : 1;
    return x->pos < y->pos ? -1 : x->pos > y->pos;
}

static void write_stacks(const struct profile *p, const struct top_opts *o,
                         struct writer *w, uint64_t total)
{
    static const struct writer_col cols[] = {
        { "stack", "Stack (root first)", WCOL_STR, 0 },
        { "count", "Count", WCOL_UINT, 0 },
        { "share", "Share", WCOL_PCT, 2 },
    };
    struct stack_set *s = p->stacks;
    size_t n = stack_nr_stacks(s);
    const uint32_t *sorted = stack_sorted(s);
    struct heavy *h = xmalloc((n ? n : 1) * sizeof(*h));
    for (size_t i = 0; i < n; i++) {
        struct stack_view v;
        stack_get(s, sorted[i], &v);
        h[i].count = v.count;
        h[i].pos = (uint32_t)i;
        h[i].id = sorted[i];
    }
    if (n)
        qsort(h, n, sizeof(*h), cmp_heavy);
    writer_table_begin(w, "stacks", "Heaviest stacks", cols, 3);
    struct sbuf line = SBUF_INIT;
    for (size_t i = 0; i < n && i < o->stacks; i++) {
        struct stack_view v;
        stack_get(s, h[i].id, &v);
        sbuf_reset(&line);
        for (uint32_t f = 0; f < v.nr; f++) {
            if (f)
                sbuf_addch(&line, ';');
            sbuf_addstr(&line, stack_name(s, v.frames[f]));
        }
        writer_cell_str(w, sbuf_str(&line));
        writer_cell_uint(w, v.count);
        writer_cell_float(w, share_of(v.count, total));
    }
    writer_table_end(w);
    sbuf_release(&line);
    free(h);
}

int top_write(const struct profile *p, const struct top_opts *o,
              struct writer *w, struct sf_err *err)
{
    unsigned t = o->tables ? o->tables : TOP_ALL;
    uint64_t total = p->total ? p->total : stack_total(p->stacks);
    writer_begin(w);
    writer_scalar_uint(w, "total", "Samples", total);
    writer_scalar_uint(w, "lost", "Lost", p->lost);
    writer_scalar_float(w, "duration_s", "Duration (s)", p->has_capture ? p->duration_s : NAN, 3);
    if (t & TOP_SYSCALLS)
        write_syscalls(p, o, w, total);
    if (t & TOP_CALLSITES)
        write_callsites(p, o, w, total);
    if (t & TOP_TESTS)
        write_tests(p, o, w, total);
    if (t & TOP_SUBTESTS)
        write_subtests(p, o, w, total);
    if (t & TOP_THREADS)
        write_threads(p, o, w, total);
    if (o->stacks)
        write_stacks(p, o, w, total);
    writer_end(w);
    FILE *f = writer_fp(w);
    if (fflush(f) != 0 || ferror(f))
        return sf_error(err, "write error");
    return 0;
}
