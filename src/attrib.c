/* attrib.c - attribution: what a folded stack's syscall, call site, and Go
 * test or runtime subsystem are, and stacks grouped into rows along one of
 * those (see attrib.h). */
#include "attrib.h"
#include "naming.h"
#include "result.h"

#include <stdlib.h>
#include <string.h>

/* ================= classification ================= */

const char *attr_kind_name(enum attr_kind k)
{
    static const char *const names[ATTR_NR] = {
        "test", "benchmark", "fuzz", "testing", "main", "runtime",
        "startup", "cgo", "missing", "other",
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
    "runtime.preemptone", "runtime.preemptM", "runtime.signalM",
    /* a new M's first syscalls, in clone's child half before mstart */
    "runtime.clone", NULL,
};
/* C helpers of runtime/cgo that only the Go runtime calls, through
 * runtime.asmcgocall or its own stubs, to do its own work in a cgo binary
 * (pthreads, and libc's view of signals and memory): not the program's
 * cgo.  When unwinding stops in them (they often lack unwind tables, and
 * the stubs realign SP) their Go callers are unknown, so the row says
 * what the helper does for the runtime.  x_cgo_sigaction serves
 * runtime.sigaction both at start-up (initsig on m0) and later (os/signal's
 * sigenable/sigdisable/sigignore, and dropping handlers at exit): nothing in
 * the stack tells them apart, so both are "signal handlers", not start-up. */
static const struct { const char *name, *row; enum attr_kind kind; } rt_helpers[] = {
    { "x_cgo_sigaction", ATTR_SIGACTION, ATTR_RUNTIME },
    { "runtime.callCgoSigaction", ATTR_SIGACTION, ATTR_RUNTIME },
    { "x_cgo_mmap", ATTR_MEMORY, ATTR_RUNTIME },
    { "x_cgo_munmap", ATTR_MEMORY, ATTR_RUNTIME },
    { "runtime.callCgoMmap", ATTR_MEMORY, ATTR_RUNTIME },
    { "runtime.callCgoMunmap", ATTR_MEMORY, ATTR_RUNTIME },
    /* newosproc: a new M (runtime.newm); threadentry is its thread's
     * start routine (the first syscalls of the new thread) */
    { "x_cgo_thread_start", ATTR_SCHEDULER, ATTR_RUNTIME },
    { "_cgo_sys_thread_start", ATTR_SCHEDULER, ATTR_RUNTIME },
    { "_cgo_try_pthread_create", ATTR_SCHEDULER, ATTR_RUNTIME },
    { "threadentry", ATTR_SCHEDULER, ATTR_RUNTIME },
    /* rt0_go's first call, and runtime.main's once init is done */
    { "x_cgo_init", ATTR_STARTUPS, ATTR_STARTUP },
    { "x_cgo_notify_runtime_init_done", ATTR_STARTUPS, ATTR_STARTUP },
};

static int rt_helper(const char *f)
{
    for (size_t i = 0; i < SF_ARRAY_SIZE(rt_helpers); i++)
        if (!strcmp(f, rt_helpers[i].name))
            return (int)i;
    return -1;
}

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

/* The subtest of a stack whose innermost test frame is frames[inner]: the
 * test closure that testing's runner called (t.Run's body runs in a
 * goroutine of its own, as tRunner's callee; b.Run's as runN's), by its
 * full name, so nested subtests (pkg.TestX.func2.1) are rows of their own;
 * "" for a test function, or a closure run some other way (go, defer,
 * callbacks).  The stack holds the closure, not the subtest's name: subtests
 * sharing one closure (table-driven ones) share its row. */
static void subtest_closure(const struct stack_set *s, const struct stack_view *v,
                            uint32_t inner, struct sbuf *closure)
{
    sbuf_reset(closure);
    for (uint32_t i = 1; i < inner; i++) {
        const char *f = stack_name(s, v->frames[i]);
        if (strcmp(f, "testing.tRunner") && strcmp(f, "testing.(*B).runN"))
            continue;
        const char *body = stack_name(s, v->frames[i + 1]);
        struct sbuf t = SBUF_INIT, c = SBUF_INIT;
        if (table_test_frame(body, &t, &c) >= 0 && c.len)
            sbuf_addstr(closure, body);
        sbuf_release(&t);
        sbuf_release(&c);
        return;
    }
}

/* Signal return trampolines: the rt_sigreturn a handler returns through. */
static const char *const pat_sigreturn[] = {
    "__restore_rt", "runtime.sigreturn", "runtime.sigreturn__sigaction", NULL,
};

enum attr_kind stack_attribute(const struct stack_set *s, const struct stack_view *v,
                               struct sbuf *name, struct sbuf *closure)
{
    struct sbuf tmp = SBUF_INIT;
    struct sbuf *cl = closure ? closure : &tmp;
    int has_go = 0, has_main = 0, has_testing = 0, has_rtmain = 0;
    int has_sysmon = 0, has_gc = 0, has_net = 0, has_timers = 0, has_startup = 0;
    int has_sched = 0, has_cgo = 0, has_c_main = 0, sigreturn = 0, users = 0;
    int helper = -1;    /* the outermost runtime-only cgo helper (rt_helpers) */
    /* innermost first: the innermost test frame wins */
    for (uint32_t i = v->nr; i-- > 1;) {
        const char *f = stack_name(s, v->frames[i]);
        int k = table_test_frame(f, name, cl);
        if (k >= 0) {
            subtest_closure(s, v, i, cl);
            sbuf_release(&tmp);
            return (enum attr_kind)k;
        }
        /* the first user frame is the syscall leaf, the second the
         * innermost function */
        if (!is_kernel_frame(f) && ++users == 2)
            sigreturn = frame_matches(f, pat_sigreturn);
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
        /* the runtime's own C helpers, and asmcgocall calling one, are
         * runtime work, not the program's cgo */
        int h = rt_helper(f);
        if (h >= 0)
            helper = h;
        else if (!(i + 1 < v->nr && starts_with(f, "runtime.asmcgocall") &&
                   rt_helper(stack_name(s, v->frames[i + 1])) >= 0))
            has_cgo |= frame_matches(f, pat_cgo);
    }
    sbuf_reset(name);
    sbuf_reset(cl);
    sbuf_release(&tmp);
    /* frame 1, the root: a cut's mark, or the binary the unwind stopped at */
    const char *root = v->nr > 2 ? stack_name(s, v->frames[1]) : "";
    const char *cut = !strcmp(root, "[truncated]") || !strcmp(root, "[caller not proven]")
                      ? root : NULL;
    enum attr_kind kind = ATTR_RUNTIME;
    const char *bucket;
    if (sigreturn)
        bucket = ATTR_SIGRETURN;
    else if (starts_with(root, "[" NAMING_MISSING_PREFIX))
        bucket = root, kind = ATTR_MISSING;
    else if (!strcmp(root, UNWIND_STARTUP_MARK))
        bucket = ATTR_STARTUPS, kind = ATTR_STARTUP;   /* the phase, by time */
    else if (has_sysmon)
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
    else if (helper >= 0)
        bucket = rt_helpers[helper].row, kind = rt_helpers[helper].kind;
    else if (cut)
        bucket = cut, kind = ATTR_OTHER;
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

static int comm_is(const char *frame0, const char *comm)
{
    size_t n = comm ? strlen(comm) : 0;
    return n && !strncmp(frame0, comm, n) &&
           (!frame0[n] || (frame0[n] == '-' && frame0[n + 1] >= '0' && frame0[n + 1] <= '9'));
}

/* -1 when frame 0 (a thread's comm, or comm-PID...) is a Go test
 * process's: a thread of one had that name (or the capture has no Go test
 * process, or the profile knows no processes: folded input).  Otherwise
 * the first kind of the processes whose threads had it (while they had
 * it: a process that execs changes kind); unknown when none. */
static int process_kind_of(const struct profile *p, const char *frame0)
{
    int any_test = 0;
    for (size_t i = 0; i < p->nr_processes && !any_test; i++)
        any_test = p->processes[i].go_test;
    if (!any_test)
        return -1;
    unsigned kinds = 0;
    for (size_t i = 0; i < p->nr_threads; i++) {
        const struct thread_stat *t = &p->threads[i];
        if (!comm_is(frame0, t->comm))
            continue;
        if (t->go_test)
            return -1;
        kinds |= 1u << t->kind;
    }
    for (int i = 0; i < PROCESS_KIND_NR; i++)
        if (kinds & (1u << i))
            return i;
    return PROCESS_UNKNOWN;
}

void top_groups_add_tests(struct top_groups *g, struct top_groups *per,
                          const struct profile *p)
{
    struct sbuf name = SBUF_INIT;
    size_t n = stack_nr_stacks(p->stacks);
    /* per frame-0 name: 0 unknown yet, 1 a Go test's, 2 + kind otherwise */
    unsigned char *of_name = xcalloc(stack_nr_names(p->stacks) + 1, 1);
    for (uint32_t id = 0; id < n; id++) {
        struct stack_view v;
        stack_get(p->stacks, id, &v);
        if (!v.count || !v.nr)
            continue;
        enum attr_kind k = ATTR_OTHER;
        unsigned char *c = &of_name[v.frames[0]];
        if (!*c)
            *c = (unsigned char)(2 + process_kind_of(p, stack_name(p->stacks, v.frames[0])));
        if (*c == 1) {
            k = stack_attribute(p->stacks, &v, &name, NULL);
        } else {
            sbuf_reset(&name);
            sbuf_addf(&name, ATTR_PROCESSES "%s]",
                      process_kind_name((enum process_kind)(*c - 2)));
        }
        top_groups_bump(g, sbuf_str(&name), NULL, k, v.count);
        if (per)
            top_groups_bump(per, sbuf_str(&name), stack_syscall(p->stacks, &v), k, v.count);
    }
    free(of_name);
    sbuf_release(&name);
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
