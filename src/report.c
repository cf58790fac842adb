/* report.c - WRITER of the report folder: runs the fold, svg, top and diff
 * writers into atomic files in a fresh sibling folder, derives one summary
 * (capture health, where the syscalls come from, the changes, the verdict)
 * and renders it three ways: summary.md, comment.md (bounded for a
 * pull-request comment) and index.html, then swaps the folder into place.
 * Every name is escaped for the format it lands in. */
#include "config.h"
#include "report.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fold.h"
#include "outfile.h"
#include "templates.inc"

void report_opts_init(struct report_opts *o)
{
    memset(o, 0, sizeof(*o));
    o->md_limit = 25;
    o->diff.alpha = 0.05;
    o->comment_max = REPORT_COMMENT_MAX;
    svg_opts_init(&o->svg);
}

char *report_name_for(const char *path)
{
    static const char *const suffixes[] = { ".zst", ".data", ".folded", ".fold", ".txt", ".perf" };
    if (!path || !strcmp(path, "-"))
        return xstrdup("stdin");
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    char *name = xstrdup(base);
    for (int again = 1; again;) {
        again = 0;
        for (size_t i = 0; i < SF_ARRAY_SIZE(suffixes); i++) {
            size_t n = strlen(name), m = strlen(suffixes[i]);
            if (n > m && !strcmp(name + n - m, suffixes[i])) {
                name[n - m] = '\0';
                again = 1;
            }
        }
    }
    for (char *p = name; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-'))
            *p = '_';
    }
    /* no hidden files, no "." or ".." and nothing that clashes with the
     * fixed names (top, diff, summary, comment, index) */
    if (!*name || name[0] == '.' || !strcmp(name, "top") || !strcmp(name, "diff") ||
        !strcmp(name, "summary") || !strcmp(name, "comment") || !strcmp(name, "index")) {
        struct sbuf sb = SBUF_INIT;
        sbuf_addf(&sb, "input%s%s", *name && name[0] != '.' ? "-" : "", name);
        free(name);
        name = sbuf_detach(&sb);
    }
    return name;
}

/* ================= the folder, replaced as a whole ================= */

static int make_dirs(const char *dir, struct sf_err *err)
{
    char *p = xstrdup(dir);
    int rc = 0;
    for (char *s = p + 1; ; s++) {
        if (*s == '/' || !*s) {
            char c = *s;
            *s = '\0';
            if (mkdir(p, 0777) != 0 && errno != EEXIST) {
                rc = sf_error(err, "'%s': cannot create directory: %s", p, strerror(errno));
                break;
            }
            *s = c;
            if (!c)
                break;
        }
    }
    free(p);
    return rc;
}

/* An existing folder may be replaced when it is empty or holds an earlier
 * report: index.html and summary.md, and plain files only (a report never
 * writes anything else, so nothing the user put there is lost). */
static int check_replaceable(const char *dir, struct sf_err *err)
{
    DIR *d = opendir(dir);
    if (!d)
        return sf_error(err, "'%s': cannot read directory: %s", dir, strerror(errno));
    int index = 0, summary = 0, entries = 0;
    char *odd = NULL;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        entries++;
        struct stat st;
        if (!odd && (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 ||
                     !S_ISREG(st.st_mode)))
            odd = xstrdup(e->d_name);
        index |= !strcmp(e->d_name, "index.html");
        summary |= !strcmp(e->d_name, "summary.md");
    }
    closedir(d);
    int rc = 0;
    if (entries && !(index && summary))
        rc = sf_error(err, "'%s': the folder is not empty and holds no earlier report "
                           "(index.html, summary.md); name a new or empty folder", dir);
    else if (odd)
        rc = sf_error(err, "'%s': holds '%s', which a report never writes; "
                           "name a new or empty folder", dir, odd);
    free(odd);
    return rc;
}

/* Removes a folder of plain files (what a report writes). */
static void remove_flat(const char *dir)
{
    DIR *d = opendir(dir);
    if (d) {
        struct dirent *e;
        while ((e = readdir(d)))
            if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
                unlinkat(dirfd(d), e->d_name, 0);
        closedir(d);
    }
    rmdir(dir);
}

/* Refuses a folder that holds one of the inputs: replacing it would
 * delete the capture. */
static int check_inputs_outside(const char *dir_real, const struct report_input *in, size_t n,
                                struct sf_err *err)
{
    size_t dl = strlen(dir_real);
    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; k < in[i].nr_paths; k++) {
            const char *p = in[i].paths[k];
            if (!p || !strcmp(p, "-"))
                continue;
            char *r = realpath(p, NULL);
            int inside = r && !strncmp(r, dir_real, dl) && (r[dl] == '/' || !r[dl]);
            free(r);
            if (inside)
                return sf_error(err, "'%s': the folder holds the input '%s', which writing "
                                     "the report there would delete", dir_real, p);
        }
    return 0;
}

struct target {
    char *dir;          /* where the report goes (resolved when it exists) */
    char *tmp;          /* the sibling folder it is written into */
    int exists;
};

static int target_open(struct target *t, const char *dir, const struct report_input *in,
                       size_t n, struct sf_err *err)
{
    memset(t, 0, sizeof(*t));
    struct stat st;
    if (stat(dir, &st) == 0) {
        if (!S_ISDIR(st.st_mode))
            return sf_error(err, "'%s': not a directory", dir);
        t->dir = realpath(dir, NULL);
        if (!t->dir)
            return sf_error(err, "'%s': %s", dir, strerror(errno));
        t->exists = 1;
        if (check_inputs_outside(t->dir, in, n, err) < 0 || check_replaceable(t->dir, err) < 0)
            goto fail;
    } else {
        t->dir = xstrdup(dir);
        size_t len = strlen(t->dir);
        while (len > 1 && t->dir[len - 1] == '/')
            t->dir[--len] = '\0';
        char *slash = strrchr(t->dir, '/');
        if (slash && slash != t->dir) {
            *slash = '\0';
            int rc = make_dirs(t->dir, err);
            *slash = '/';
            if (rc < 0)
                goto fail;
        }
    }
    /* the sibling: same parent, so the final rename stays on one file system */
    struct sbuf tmp = SBUF_INIT;
    const char *slash = strrchr(t->dir, '/');
    if (slash)
        sbuf_addf(&tmp, "%.*s/.%s.sysflame-XXXXXX", (int)(slash - t->dir),
                  t->dir, slash + 1);
    else
        sbuf_addf(&tmp, ".%s.sysflame-XXXXXX", t->dir);
    t->tmp = sbuf_detach(&tmp);
    if (!mkdtemp(t->tmp)) {
        sf_error(err, "'%s': cannot create a folder next to it: %s", t->dir, strerror(errno));
        free(t->tmp);
        t->tmp = NULL;
        goto fail;
    }
    /* mkdtemp makes it 0700; a report folder is as readable as mkdir makes it */
    mode_t mask = umask(0);
    umask(mask);
    chmod(t->tmp, 0777 & ~mask);
    return 0;
fail:
    free(t->dir);
    t->dir = NULL;
    return -1;
}

/* Swaps the written folder into place, removing the earlier one. */
static int target_commit(struct target *t, struct sf_err *err)
{
    if (!t->exists) {
        if (rename(t->tmp, t->dir) != 0)
            return sf_error(err, "'%s': cannot rename '%s' to it: %s", t->dir, t->tmp,
                            strerror(errno));
        return 0;
    }
#ifdef RENAME_EXCHANGE
    if (renameat2(AT_FDCWD, t->tmp, AT_FDCWD, t->dir, RENAME_EXCHANGE) == 0) {
        remove_flat(t->tmp);        /* now the earlier report */
        return 0;
    }
#endif
    /* no atomic exchange here: move the earlier report aside first */
    struct sbuf old = SBUF_INIT;
    sbuf_addf(&old, "%s.old", t->tmp);
    if (rename(t->dir, sbuf_str(&old)) != 0) {
        int e = errno;
        sbuf_release(&old);
        return sf_error(err, "'%s': cannot move the earlier report aside: %s", t->dir, strerror(e));
    }
    if (rename(t->tmp, t->dir) != 0) {
        int e = errno;
        rename(sbuf_str(&old), t->dir);
        sbuf_release(&old);
        return sf_error(err, "'%s': cannot rename '%s' to it: %s", t->dir, t->tmp, strerror(e));
    }
    remove_flat(sbuf_str(&old));
    sbuf_release(&old);
    return 0;
}

static void target_close(struct target *t, int committed)
{
    if (t->tmp && !committed)
        remove_flat(t->tmp);
    free(t->tmp);
    free(t->dir);
    memset(t, 0, sizeof(*t));
}

typedef int (*emit_fn)(FILE *f, void *arg, struct sf_err *err);

/* Writes DIR/FILE atomically through fn. */
static int emit(const char *dir, const char *file, emit_fn fn, void *arg, struct sf_err *err)
{
    struct sbuf path = SBUF_INIT;
    sbuf_addf(&path, "%s/%s", dir, file);
    struct outfile *o = outfile_open(sbuf_str(&path), err);
    int rc = -1;
    if (o) {
        if (fn(outfile_fp(o), arg, err) == 0)
            rc = outfile_commit(o, err);
        else
            outfile_abort(o);
    }
    if (rc != 0 && err && !strstr(err->msg, file)) {
        struct sf_err inner = *err;
        sf_error(err, "'%s': %s", file, inner.msg);
    }
    sbuf_release(&path);
    return rc;
}

/* ================= the summary, as data ================= */

static double pct(double part, double whole)
{
    return whole > 0 ? 100.0 * part / whole : 0.0;
}

enum level { LV_OK, LV_WARN, LV_INFO };

/* One line of capture health: a badge in the page, a list item in .md. */
struct health {
    enum level level;
    char *what;         /* "Lost" */
    char *value;        /* "324 (45.00%)" (may hold names: escape) */
    const char *advice; /* how to fix it, when level is LV_WARN */
};

struct named_pct {
    char *name;
    double pct;
};

struct side {
    const char *label;          /* "before", "after", or the single input's name */
    char *stem;                 /* file-name stem */
    char *files;                /* the input's file name(s), for titles */
    const struct profile *p;
    uint64_t total;
    int has_duration;
    double duration_s;
    struct health *h;
    size_t nr_h;
    int unwind_measured;
    char *unwind;               /* the unwinding breakdown, one line */
    /* where the syscalls come from, percent of total */
    double tests, runtime, sched, gc, net, sysmon, timers, startup, cgo, testing, missing,
           other, processes;   /* processes: those not Go tests' (system-wide) */
    double process[PROCESS_KIND_NR];    /* those by kind */
    struct named_pct top_tests[3], top_sys[5];
    size_t nr_tests, nr_sys;
};

struct ctx {
    struct side side[2];
    size_t n;
    const struct report_opts *o;
    const char *dir;                /* as given, for "where the full report is" */
    struct diff d;
    int have_diff;
    int verdict;                    /* -1 no --fail-if, 0 nothing held, 1 held */
    struct sbuf why;
    size_t cur;                     /* side being written */
    enum writer_format fmt;
    unsigned svg_w[3], svg_h[3];    /* sizes of before/after (or one) and diff.svg */
    char *comm_hint;                /* the sides share no process name: why and what to do */
};

static void health_add(struct side *s, enum level lv, const char *what, const char *advice,
                       const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static void health_add(struct side *s, enum level lv, const char *what, const char *advice,
                       const char *fmt, ...)
{
    struct sbuf v = SBUF_INIT;
    va_list ap;
    va_start(ap, fmt);
    sbuf_vaddf(&v, fmt, ap);
    va_end(ap);
    s->h = xrealloc(s->h, (s->nr_h + 1) * sizeof(*s->h));
    s->h[s->nr_h++] = (struct health){ lv, xstrdup(what), sbuf_detach(&v), advice };
}

static const char ADVICE_LOST[] =
    "too many: record with more -m/--mmap-pages (e.g. -m 8192) or fewer events";
static const char ADVICE_TRUNC[] =
    "stack copy too small: record with --call-graph dwarf,65528";
static const char ADVICE_MISSING[] =
    "pass the binary with --binary PATH (go test deletes its binaries: build them with go test -c)";
static const char ADVICE_SUSPECT[] =
    "unwound to return addresses that follow no call instruction: rebuilt since the "
    "recording? pass the recorded one with --binary";

/* The other reasons an unwinding stopped, as the health line says them. */
static const struct { enum unwind_stop stop; const char *what; } other_stops[] = {
    { UNWIND_STOP_SYSTEMSTACK, "stopped at a switch to the runtime's system stack (normal: "
                               "the runtime's own work there has no goroutine above it)" },
    { UNWIND_STOP_SIGNAL, "stopped at a signal handler's frame" },
    { UNWIND_STOP_NOT_ROOT, "ended in a function that is not a thread's root" },
    { UNWIND_STOP_UNPROVEN, "stopped at a function without unwind tables" },
    { UNWIND_STOP_BAD_FRAME, "stopped at an inconsistent frame" },
    { UNWIND_STOP_MAX_DEPTH, "stopped at the depth limit" },
    { UNWIND_STOP_NO_REGS, "had no registers or stack copy (record with --call-graph dwarf)" },
};

static void side_health(struct side *s)
{
    const struct profile *p = s->p;
    double lost_pct = pct((double)p->lost, (double)(s->total + p->lost));
    health_add(s, lost_pct >= 1.0 ? LV_WARN : LV_OK, "Lost", ADVICE_LOST,
               "%llu (%.2f%%)", (unsigned long long)p->lost, lost_pct);
    const struct unwind_stat *u = &p->overall;
    s->unwind_measured = u->samples > 0;
    struct sbuf un = SBUF_INIT;
    if (u->samples) {
        double n = (double)u->samples;
        double trunc = pct((double)u->truncated, n);
        health_add(s, trunc > 1.0 ? LV_WARN : LV_OK, "Truncated stacks", ADVICE_TRUNC,
                   "%.1f%%", trunc);
        sbuf_addf(&un, "%.1f%% reached a root, %.1f%% truncated, %.1f%% stopped at an "
                       "unknown pc, %.1f%% without a binary",
                  pct((double)u->to_root, n), trunc, pct((double)u->unknown_pc, n),
                  pct((double)u->no_binary, n));
        for (size_t k = 0; k < SF_ARRAY_SIZE(other_stops); k++)
            if (u->stops[other_stops[k].stop])
                sbuf_addf(&un, ", %.1f%% %s", pct((double)u->stops[other_stops[k].stop], n),
                          other_stops[k].what);
    } else {
        health_add(s, LV_INFO, "Unwinding", NULL, "not measured (folded input)");
        sbuf_addstr(&un, "not measured (folded input)");
    }
    s->unwind = sbuf_detach(&un);
    if (!p->nr_missing)
        health_add(s, LV_OK, "Missing binaries", NULL, "none");
    for (size_t i = 0; i < p->nr_missing; i++) {
        const struct binary_missing *m = &p->missing[i];
        health_add(s, LV_WARN, "Missing binary", ADVICE_MISSING, "%s: %s (%llu samples)",
                   m->recorded_path ? m->recorded_path : "?", m->reason ? m->reason : "missing",
                   (unsigned long long)m->samples);
    }
    int suspect = 0;
    for (size_t i = 0; i < p->nr_per_binary; i++) {
        const struct unwind_stat *b = &p->per_binary[i];
        if (!profile_suspect_binary(p, b))
            continue;
        suspect = 1;
        health_add(s, LV_WARN, "Probably not the recorded binary", ADVICE_SUSPECT,
                   "%s (%llu samples, %.1f%%)", b->binary ? b->binary : "?",
                   (unsigned long long)b->suspect_samples,
                   pct((double)b->suspect_samples, (double)p->overall.samples));
    }
    if (!suspect && s->unwind_measured)
        health_add(s, LV_OK, "Suspect binaries", NULL, "none");
}

/* The k heaviest entries of g (count > 0) matching keep(), heaviest first,
 * ties by name. */
static size_t heaviest(const struct top_groups *g, int tests_only, struct named_pct *out,
                       size_t k, double total)
{
    size_t n = 0;
    char *taken = xcalloc(g->n ? g->n : 1, 1);
    while (n < k) {
        size_t best = SIZE_MAX;
        for (size_t i = 0; i < g->n; i++) {
            enum attr_kind kind = g->v[i].kind;
            if (taken[i] || !g->v[i].count)
                continue;
            if (tests_only && kind != ATTR_TEST && kind != ATTR_BENCHMARK && kind != ATTR_FUZZ)
                continue;
            if (best == SIZE_MAX || g->v[i].count > g->v[best].count ||
                (g->v[i].count == g->v[best].count && strcmp(g->v[i].name, g->v[best].name) < 0))
                best = i;
        }
        if (best == SIZE_MAX)
            break;
        taken[best] = 1;
        out[n].name = xstrdup(g->v[best].name);
        out[n].pct = pct((double)g->v[best].count, total);
        n++;
    }
    free(taken);
    return n;
}

static void side_origins(struct side *s)
{
    struct top_groups g = TOP_GROUPS_INIT, sc = TOP_GROUPS_INIT;
    top_groups_add_tests(&g, NULL, s->p);
    top_groups_add(&sc, s->p->stacks, TOP_DIM_SYSCALL);
    double by_kind[ATTR_NR] = { 0 };
    double sysmon = 0, gc = 0, sched = 0, net = 0, timers = 0, procs = 0;
    for (size_t i = 0; i < g.n; i++) {
        const char *nm = g.v[i].name;
        double cnt = (double)g.v[i].count;
        if (!strncmp(nm, ATTR_PROCESSES, strlen(ATTR_PROCESSES))) {
            procs += cnt;
            for (int k = 0; k < PROCESS_KIND_NR; k++)
                if (!strncmp(nm + strlen(ATTR_PROCESSES), process_kind_name(k),
                             strlen(process_kind_name(k))) &&
                    !strcmp(nm + strlen(ATTR_PROCESSES) + strlen(process_kind_name(k)), "]"))
                    s->process[k] = pct(cnt, (double)s->total);
            continue;
        }
        by_kind[g.v[i].kind] += cnt;
        if (!strcmp(nm, ATTR_SYSMON)) sysmon += cnt;
        else if (!strcmp(nm, ATTR_GC)) gc += cnt;
        else if (!strcmp(nm, ATTR_SCHEDULER)) sched += cnt;
        else if (!strcmp(nm, ATTR_NETPOLLER)) net += cnt;
        else if (!strcmp(nm, ATTR_TIMERS)) timers += cnt;
    }
    double t = (double)s->total;
    s->tests = pct(by_kind[ATTR_TEST] + by_kind[ATTR_BENCHMARK] + by_kind[ATTR_FUZZ], t);
    s->runtime = pct(by_kind[ATTR_RUNTIME], t);
    s->sched = pct(sched, t);
    s->gc = pct(gc, t);
    s->net = pct(net, t);
    s->sysmon = pct(sysmon, t);
    s->timers = pct(timers, t);
    s->startup = pct(by_kind[ATTR_STARTUP], t);
    s->cgo = pct(by_kind[ATTR_CGO], t);
    s->testing = pct(by_kind[ATTR_TESTING] + by_kind[ATTR_MAIN], t);
    s->missing = pct(by_kind[ATTR_MISSING], t);
    s->other = pct(by_kind[ATTR_OTHER], t);
    s->processes = pct(procs, t);
    s->nr_tests = heaviest(&g, 1, s->top_tests, 3, t);
    s->nr_sys = heaviest(&sc, 0, s->top_sys, 5, t);
    top_groups_release(&g);
    top_groups_release(&sc);
}

/* "perf.data", "a.data + 2 more" */
static char *files_label(const struct report_input *in)
{
    struct sbuf sb = SBUF_INIT;
    const char *p = in->nr_paths ? in->paths[0] : "-";
    const char *base = strrchr(p, '/');
    sbuf_addstr(&sb, !strcmp(p, "-") ? "standard input" : base && base[1] ? base + 1 : p);
    if (in->nr_paths > 1)
        sbuf_addf(&sb, " + %zu more", in->nr_paths - 1);
    return sbuf_detach(&sb);
}

static void side_init(struct side *s, const struct report_input *in, size_t n, size_t i)
{
    memset(s, 0, sizeof(*s));
    s->p = in[i].profile;
    s->label = n == 2 ? (i ? "after" : "before") : NULL;
    s->stem = n == 2 ? xstrdup(s->label)
                     : report_name_for(in[i].nr_paths ? in[i].paths[0] : "-");
    if (!s->label)
        s->label = s->stem;
    s->files = files_label(&in[i]);
    s->total = s->p->total ? s->p->total : stack_total(s->p->stacks);
    s->has_duration = s->p->has_capture && s->p->duration_s > 0;
    s->duration_s = s->p->duration_s;
    side_health(s);
    side_origins(s);
}

static void side_release(struct side *s)
{
    for (size_t i = 0; i < s->nr_h; i++) {
        free(s->h[i].what);
        free(s->h[i].value);
    }
    free(s->h);
    for (size_t i = 0; i < s->nr_tests; i++)
        free(s->top_tests[i].name);
    for (size_t i = 0; i < s->nr_sys; i++)
        free(s->top_sys[i].name);
    free(s->stem);
    free(s->files);
    free(s->unwind);
}

/* The origins rows, shared by the .md list and the HTML table. */
struct origin_row {
    const char *what;
    size_t off;
    int sub;            /* a part of the row above */
    int if_any;         /* shown only when a side has some */
};
static const struct origin_row origin_rows[] = {
    { "The tests' own code", offsetof(struct side, tests), 0, 0 },
    { "Go runtime", offsetof(struct side, runtime), 0, 0 },
    { "scheduler", offsetof(struct side, sched), 1, 0 },
    { "GC", offsetof(struct side, gc), 1, 0 },
    { "netpoller", offsetof(struct side, net), 1, 0 },
    { "sysmon", offsetof(struct side, sysmon), 1, 0 },
    { "timers", offsetof(struct side, timers), 1, 0 },
    { "Startup and the dynamic loader", offsetof(struct side, startup), 0, 0 },
    { "cgo and C code", offsetof(struct side, cgo), 0, 0 },
    { "The testing package and main.main", offsetof(struct side, testing), 0, 0 },
    { "Binary missing (not unwound, origin unknown)", offsetof(struct side, missing), 0, 1 },
    { "Other (goroutines outside tests, unknown)", offsetof(struct side, other), 0, 0 },
    { "Other processes (not Go tests)", offsetof(struct side, processes), 0, 1 },
    { "Go", offsetof(struct side, process[PROCESS_GO]), 1, 1 },
    { "C", offsetof(struct side, process[PROCESS_C]), 1, 1 },
    { "interpreter", offsetof(struct side, process[PROCESS_INTERPRETER]), 1, 1 },
    { "kernel thread", offsetof(struct side, process[PROCESS_KERNEL]), 1, 1 },
    { "unknown", offsetof(struct side, process[PROCESS_UNKNOWN]), 1, 1 },
};

static double origin_value(const struct side *s, const struct origin_row *r)
{
    return *(const double *)((const char *)s + r->off);
}

static int origin_shown(const struct side *side, size_t n, const struct origin_row *r)
{
    for (size_t i = 0; r->if_any && i < n; i++)
        if (origin_value(&side[i], r) > 0)
            return 1;
    return !r->if_any;
}

/* The distinct frame-0 names (process names) of p, heaviest first in
 * names[0]; at most `max` are kept (returns how many). */
static size_t comms_of(const struct profile *p, const char **names, uint64_t *counts, size_t max)
{
    const struct stack_set *s = p->stacks;
    size_t n = stack_nr_stacks(s), k = 0;
    for (uint32_t id = 0; id < n; id++) {
        struct stack_view v;
        stack_get(s, id, &v);
        if (!v.nr || !v.count)
            continue;
        const char *name = stack_name(s, v.frames[0]);
        size_t i = 0;
        while (i < k && strcmp(names[i], name))
            i++;
        if (i == k) {
            if (k == max)
                continue;
            names[k] = name;
            counts[k++] = 0;
        }
        counts[i] += v.count;
        while (i > 0 && counts[i] > counts[i - 1]) {
            const char *tn = names[i]; names[i] = names[i - 1]; names[i - 1] = tn;
            uint64_t tc = counts[i]; counts[i] = counts[i - 1]; counts[i - 1] = tc;
            i--;
        }
    }
    return k;
}

/* Frames are matched by name from frame 0 (the process name) on: when the
 * two sides have no process name in common, nothing matches, and the diff
 * shows everything as new and gone.  Say so, and what fixes it. */
static char *comm_hint(const struct profile *b, const struct profile *a)
{
    enum { MAXC = 64 };
    const char *nb[MAXC], *na[MAXC];
    uint64_t cb[MAXC], ca[MAXC];
    size_t kb = comms_of(b, nb, cb, MAXC), ka = comms_of(a, na, ca, MAXC);
    if (!kb || !ka || kb == MAXC || ka == MAXC)
        return NULL;
    for (size_t i = 0; i < kb; i++)
        for (size_t j = 0; j < ka; j++)
            if (!strcmp(nb[i], na[j]))
                return NULL;
    struct sbuf sb = SBUF_INIT;
    sbuf_addf(&sb, "the two sides share no process name (before: %s, after: %s), so no stack "
                   "matches and everything shows as gone and new; run again with --ignore-comm",
              nb[0], na[0]);
    return sbuf_detach(&sb);
}

/* ================= summary.md ================= */

/* "syscalls", or "events" when the samples are other events (cpu-clock):
 * of one side, or of every side of the report. */
static const char *side_leaves(const struct side *s, int cap)
{
    int ev = profile_leaf_is_event(s->p);
    return cap ? (ev ? "Events" : "Syscalls") : (ev ? "events" : "syscalls");
}

static const char *ctx_leaves(const struct ctx *c, int cap)
{
    int ev = 1;
    for (size_t i = 0; i < c->n; i++)
        ev &= profile_leaf_is_event(c->side[i].p);
    return cap ? (ev ? "Events" : "Syscalls") : (ev ? "events" : "syscalls");
}

static void md_line(FILE *f, const char *prefix, const char *s, const char *suffix)
{
    fputs(prefix, f);
    md_escape(f, s);
    fputs(suffix, f);
}

/* The slowest tests of a side (go test's times, from a record folder),
 * slowest first: up to max, with the syscalls their own stacks made (and
 * the heaviest two of them) and those their process made in their window
 * otherwise (the runtime and testing on their behalf). */
struct slow_test {
    const struct test_time *t;
    uint64_t own, runtime;
    char what[96];              /* "close 20, read 20"; "" when none */
};

/* The two heaviest syscalls of test `name` in per (test, syscall) rows. */
static void test_heaviest(const struct top_groups *per, const char *name, char *out, size_t size)
{
    const struct top_group *best[2] = { NULL, NULL };
    for (size_t i = 0; i < per->n; i++) {
        const struct top_group *r = &per->v[i];
        if (strcmp(r->name, name) || !r->count)
            continue;
        for (int b = 0; b < 2; b++)
            if (!best[b] || r->count > best[b]->count ||
                (r->count == best[b]->count && strcmp(r->sub, best[b]->sub) < 0)) {
                if (b == 0)
                    best[1] = best[0];
                best[b] = r;
                break;
            }
    }
    out[0] = '\0';
    for (int b = 0; b < 2 && best[b]; b++) {
        size_t len = strlen(out);
        snprintf(out + len, size - len, "%s%s %llu", b ? ", " : "", best[b]->sub,
                 (unsigned long long)best[b]->count);
    }
}

static size_t slowest_tests(const struct side *s, struct slow_test *out, size_t max)
{
    const struct profile *p = s->p;
    size_t n = 0;
    struct top_groups g = TOP_GROUPS_INIT, per = TOP_GROUPS_INIT;
    if (p->nr_test_times)
        top_groups_add_tests(&g, &per, p);
    for (size_t i = 0; i < p->nr_test_times; i++) {
        const struct test_time *t = &p->test_times[i];
        if (t->wall_s < 0)
            continue;
        size_t k = n < max ? n++ : max;
        if (k == max) {         /* full: replace the fastest if slower */
            if (t->wall_s <= out[max - 1].t->wall_s)
                continue;
            k = max - 1;
        }
        long row = top_groups_find(&g, t->name, NULL);
        uint64_t own = row >= 0 ? g.v[row].count : 0;
        out[k].t = t;
        out[k].own = own;
        out[k].runtime = t->window_s >= 0 && t->in_window > own ? t->in_window - own : 0;
        test_heaviest(&per, t->name, out[k].what, sizeof(out[k].what));
        while (k > 0 && out[k].t->wall_s > out[k - 1].t->wall_s) {
            struct slow_test x = out[k];
            out[k] = out[k - 1];
            out[k - 1] = x;
            k--;
        }
    }
    top_groups_release(&g);
    top_groups_release(&per);
    return n;
}

/* "20 syscalls from its own stacks (close 10, read 10)" or, with none,
 * what its time went to instead. */
/* What a slow test's line says after its name, as plain text (each page
 * escapes it its own way): wall time, result, its own syscalls, the
 * runtime's in its window. */
static void slow_text(struct sbuf *sb, const struct slow_test *v)
{
    sbuf_reset(sb);
    sbuf_addf(sb, ": %.3f s", v->t->wall_s);
    if (v->t->result && strcmp(v->t->result, "pass"))
        sbuf_addf(sb, " (%s)", v->t->result);
    if (v->own)
        sbuf_addf(sb, "; %llu syscalls from its own stacks (%s)", (unsigned long long)v->own,
                  v->what);
    else
        sbuf_addstr(sb, "; no syscall from its own stacks: its time went to sleeping, waiting "
                        "or computing");
    sbuf_addf(sb, "; %llu by the runtime and testing in its run window%s",
              (unsigned long long)v->runtime,
              v->t->overlaps ? "; the window is shared with parallel tests" : "");
}

static void md_slowest(FILE *f, const struct side *s)
{
    struct slow_test v[5];
    size_t n = slowest_tests(s, v, SF_ARRAY_SIZE(v));
    if (!n)
        return;
    fputs("### Slowest tests\n\n", f);
    struct sbuf sb = SBUF_INIT;
    for (size_t i = 0; i < n; i++) {
        md_line(f, "- ", v[i].t->name, "");
        slow_text(&sb, &v[i]);
        md_escape(f, sbuf_str(&sb));
        fputc('\n', f);
    }
    fputc('\n', f);
    sbuf_release(&sb);
}

static void md_side(FILE *f, const struct side *s, int heading)
{
    if (heading) {
        md_line(f, "## ", s->label, " (");
        md_escape(f, s->files);
        fputs(")\n\n", f);
    }
    md_slowest(f, s);
    fputs("### Capture health\n\n", f);
    char n[SF_COUNT_STR];
    sf_count_str(n, s->total, s->p->count_decimals, 0);
    fprintf(f, "- Samples: %s", n);
    if (s->has_duration)
        fprintf(f, " over %.2f s", s->duration_s);
    fputc('\n', f);
    for (size_t i = 0; i < s->nr_h; i++) {
        const struct health *h = &s->h[i];
        if (!strcmp(h->what, "Truncated stacks") || !strcmp(h->what, "Unwinding"))
            continue;       /* in the Unwinding line below */
        md_line(f, "- ", h->what, ": ");
        md_escape(f, h->value);
        if (h->level == LV_WARN && h->advice)
            md_line(f, " - ", h->advice, "");
        fputc('\n', f);
        if (!strcmp(h->what, "Lost")) {
            md_line(f, "- Unwinding: ", s->unwind, "");
            for (size_t k = 0; k < s->nr_h; k++)
                if (!strcmp(s->h[k].what, "Truncated stacks") && s->h[k].level == LV_WARN)
                    md_line(f, " - truncated: ", s->h[k].advice, "");
            fputc('\n', f);
        }
    }
    fprintf(f, "\n### Where the %s come from\n\n", side_leaves(s, 0));
    for (size_t i = 0; i < SF_ARRAY_SIZE(origin_rows); i++) {
        const struct origin_row *r = &origin_rows[i];
        if (r->sub || !origin_shown(s, 1, r))
            continue;
        fprintf(f, "- %s: %.1f%%", r->what, origin_value(s, r));
        if (r->off == offsetof(struct side, tests) && s->nr_tests) {
            for (size_t k = 0; k < s->nr_tests; k++) {
                fputs(k ? ", " : " (", f);
                md_escape(f, s->top_tests[k].name);
                fprintf(f, " %.1f%%", s->top_tests[k].pct);
            }
            fputc(')', f);
        } else if (r->off == offsetof(struct side, runtime)) {
            fprintf(f, " (scheduler %.1f%%, GC %.1f%%, netpoller %.1f%%, sysmon %.1f%%, "
                       "timers %.1f%%)", s->sched, s->gc, s->net, s->sysmon, s->timers);
        } else if (r->off == offsetof(struct side, processes)) {
            const char *sep = " (";
            for (int k = 0; k < PROCESS_KIND_NR; k++)
                if (s->process[k] > 0) {
                    fprintf(f, "%s%s %.1f%%", sep, process_kind_name(k), s->process[k]);
                    sep = ", ";
                }
            fputs(*sep == ',' ? ")" : "", f);
        }
        fputc('\n', f);
    }
    fprintf(f, "- Heaviest %s:", side_leaves(s, 0));
    for (size_t k = 0; k < s->nr_sys; k++) {
        fputs(k ? ", " : " ", f);
        md_escape(f, s->top_sys[k].name);
        fprintf(f, " %.1f%%", s->top_sys[k].pct);
    }
    fputs(s->nr_sys ? "\n" : " none\n", f);
}

/* Side `after` of row r as the tables print a count: exactly for single
 * runs (diff_count_str), else the mean whole ("%.0f") or, for fractional
 * counts (result.h count_decimals), with up to that many decimals. */
static const char *samples_text(char *buf, const struct diff *d, const struct diff_row *r,
                                int after)
{
    double v = after ? r->after : r->before;
    unsigned dec = d->count_decimals;
    if (d->exact)
        diff_count_str(d, r, after, buf);
    else if (!dec)
        snprintf(buf, DIFF_COUNT_STR, "%.0f", v);
    else
        sf_count_str(buf, v > 0 ? (uint64_t)llround(v * (double)sf_pow10(dec)) : 0, dec, 0);
    return buf;
}

/* "write 100 -> 130 (+30.0%)" */
static void md_change(FILE *f, const struct diff *d, const struct diff_row *r)
{
    char b[DIFF_COUNT_STR], a[DIFF_COUNT_STR];
    md_escape(f, r->name);
    fprintf(f, " %s -> %s", samples_text(b, d, r, 0), samples_text(a, d, r, 1));
    if (r->before > 0)
        fprintf(f, " (%+.1f%%)", pct(r->delta, r->before));
    else
        fputs(" (new)", f);
}


/* The --fail-if conditions that held (one a line in c->why), escaped for
 * Markdown and joined with "; ". */
static void md_reasons(FILE *f, const struct ctx *c)
{
    const char *w = sbuf_str(&c->why);
    for (const char *line = w; *line;) {
        const char *nl = strchr(line, '\n');
        size_t len = nl ? (size_t)(nl - line) : strlen(line);
        char *one = xstrndup(line, len);
        fputs(line == w ? "" : "; ", f);
        md_escape(f, one);
        free(one);
        line += len + (nl ? 1 : 0);
    }
}

static void md_verdict(FILE *f, const struct ctx *c)
{
    if (c->verdict < 0)
        return;
    fputs("- Verdict (--fail-if ", f);
    md_escape(f, c->o->fail_if_text ? c->o->fail_if_text : "");
    fputs(c->verdict ? "): **a condition held** (exit status 3): " : "): no condition held\n", f);
    if (c->verdict) {
        md_reasons(f, c);
        fputc('\n', f);
    }
}

static const struct { const char *title; size_t off; } change_tables[] = {
    { "syscalls", offsetof(struct diff, syscalls) },
    { "tests and runtime work", offsetof(struct diff, tests) },
};

static const struct diff_table *change_table(const struct diff *d, size_t k)
{
    return (const struct diff_table *)((const char *)d + change_tables[k].off);
}

static void md_changes(FILE *f, const struct ctx *c)
{
    const struct diff *d = &c->d;
    fputs("## Changes (before -> after)\n\n", f);
    if (c->comm_hint)
        md_line(f, "- **Warning**: ", c->comm_hint, "\n");
    char tb[DIFF_COUNT_STR], ta[DIFF_COUNT_STR];
    fprintf(f, "- Total: %s -> %s (%+.1f%%)\n", samples_text(tb, d, &d->total, 0),
            samples_text(ta, d, &d->total, 1),
            d->total.before > 0 ? pct(d->total.delta, d->total.before) : 0.0);
    for (size_t k = 0; k < SF_ARRAY_SIZE(change_tables); k++) {
        const struct diff_table *t = change_table(d, k);
        fprintf(f, "- Largest changes in %s:", change_tables[k].title);
        size_t shown = 0;
        for (size_t i = 0; i < t->n && shown < 5; i++) {
            if (t->v[i].delta == 0)
                break;
            fputs(shown++ ? ", " : " ", f);
            md_change(f, d, &t->v[i]);
        }
        fputs(shown ? "\n" : " none\n", f);
    }
    md_verdict(f, c);
}

static int emit_summary(FILE *f, void *arg, struct sf_err *err)
{
    struct ctx *c = arg;
    fputs("# sysflame summary\n\n", f);
    if (c->n == 2)
        fputs("Before and after are the two sides compared; diff.md has the full tables, "
              "index.html the graphs.\n\n", f);
    for (size_t i = 0; i < c->n; i++) {
        md_side(f, &c->side[i], c->n > 1);
        fputc('\n', f);
    }
    if (c->have_diff)
        md_changes(f, c);
    if (fflush(f) != 0 || ferror(f))
        return sf_error(err, "write error");
    return 0;
}

/* ================= comment.md ================= */

/* A Markdown table of the largest changes of t (rows with a change). */
static void comment_table(FILE *f, const char *title, const struct diff *d,
                          const struct diff_table *t, size_t limit)
{
    char b[DIFF_COUNT_STR], a[DIFF_COUNT_STR];
    size_t rows = 0;
    for (size_t i = 0; i < t->n && rows < limit; i++)
        if (t->v[i].delta != 0)
            rows++;
    if (!rows)
        return;
    fprintf(f, "\n| %s | Before | After | Change |\n| --- | ---: | ---: | ---: |\n", title);
    for (size_t i = 0, shown = 0; i < t->n && shown < rows; i++) {
        const struct diff_row *r = &t->v[i];
        if (r->delta == 0)
            continue;
        shown++;
        fputs("| ", f);
        md_escape(f, r->name);
        fprintf(f, " | %s | %s | ", samples_text(b, d, r, 0), samples_text(a, d, r, 1));
        if (r->before > 0)
            fprintf(f, "%+.1f%% |\n", pct(r->delta, r->before));
        else
            fputs("new |\n", f);
    }
}

static void comment_body(FILE *f, const struct ctx *c)
{
    fprintf(f, "### sysflame: %s", ctx_leaves(c, 0));
    if (c->n == 2) {
        md_line(f, ", before (", c->side[0].files, ") -> after (");
        md_escape(f, c->side[1].files);
        fputs(")\n\n", f);
    } else {
        md_line(f, " of ", c->side[0].files, "\n\n");
    }
    if (c->verdict >= 0) {
        fputs(c->verdict ? "**--fail-if held** (" : "**--fail-if passed** (", f);
        /* a code span shows its text as is: only a backtick or a line
         * break could end it early */
        fputc('`', f);
        for (const char *p = c->o->fail_if_text ? c->o->fail_if_text : ""; *p; p++)
            fputc(*p == '`' || *p == '\n' || *p == '\r' ? '_' : *p, f);
        fputs("`)", f);
        if (c->verdict) {
            fputs(": ", f);
            md_reasons(f, c);
        }
        fputs("\n\n", f);
    }
    if (c->comm_hint)
        md_line(f, "**Warning**: ", c->comm_hint, "\n\n");
    if (c->have_diff) {
        const struct diff *d = &c->d;
        char tb[DIFF_COUNT_STR], ta[DIFF_COUNT_STR];
        fprintf(f, "Samples: %s -> %s (%+.1f%%)\n",
                samples_text(tb, d, &d->total, 0),
                samples_text(ta, d, &d->total, 1),
                d->total.before > 0 ? pct(d->total.delta, d->total.before) : 0.0);
        comment_table(f, strcmp(ctx_leaves(c, 1), "Events") ? "Syscall" : "Event",
                      d, &d->syscalls, 10);
        comment_table(f, "Test or origin", d, &d->tests, 10);
    } else {
        const struct side *s = &c->side[0];
        char n[SF_COUNT_STR];
        sf_count_str(n, s->total, s->p->count_decimals, 0);
        fprintf(f, "Samples: %s. Heaviest %s:", n, side_leaves(s, 0));
        for (size_t k = 0; k < s->nr_sys; k++) {
            fputs(k ? ", " : " ", f);
            md_escape(f, s->top_sys[k].name);
            fprintf(f, " %.1f%%", s->top_sys[k].pct);
        }
        fputs(".\n", f);
    }
    /* capture health: only what needs attention */
    int warned = 0;
    for (size_t i = 0; i < c->n; i++)
        for (size_t k = 0; k < c->side[i].nr_h; k++) {
            const struct health *h = &c->side[i].h[k];
            if (h->level != LV_WARN)
                continue;
            fputs(warned++ ? "" : "\nCapture health:\n\n", f);
            fputs("- ", f);
            if (c->n == 2)
                md_line(f, "", c->side[i].label, ": ");
            md_line(f, "", h->what, ": ");
            md_escape(f, h->value);
            md_line(f, " - ", h->advice ? h->advice : "", "\n");
        }
    if (!warned)
        fputs("\nCapture health: no problems found.\n", f);
}

/* A link target or a path in Markdown: no line break, and in a code span
 * no backtick, so neither can end it or start markup. */
static void md_plain(struct sbuf *sb, const char *s)
{
    for (const char *p = s; *p; p++)
        sbuf_addch(sb, *p == '`' || *p == '\n' || *p == '\r' ? '_' : *p);
}

/* The closing line, never cut. */
static void comment_footer(struct sbuf *sb, const struct ctx *c, int truncated)
{
    if (truncated)
        sbuf_addstr(sb, "\n(cut here to fit a comment)\n");
    const char *url = c->o->report_url;
    if (url && *url) {
        /* <URL> is an autolink: the address shows as is; '<', '>' and
         * spaces would end it, so they are percent-encoded */
        sbuf_addstr(sb, "\nFull report: <");
        for (const char *p = url; *p; p++) {
            unsigned char ch = (unsigned char)*p;
            if (ch <= ' ' || ch == '<' || ch == '>' || ch == '`' || ch == 0x7f)
                sbuf_addf(sb, "%%%02X", ch);
            else
                sbuf_addch(sb, (char)ch);
        }
        sbuf_addstr(sb, c->have_diff ? ">: the page with every graph and table (summary.md, "
                                       "diff.md and the flame graphs beside it).\n"
                                     : ">: the page with the graph and tables (summary.md "
                                       "and top.md beside it).\n");
        return;
    }
    sbuf_addstr(sb, "\nFull report: `");
    md_plain(sb, c->dir);
    sbuf_addstr(sb, c->have_diff ? "/index.html` (graphs and sortable tables), with "
                                   "summary.md, diff.md and the flame graphs beside it.\n"
                                 : "/index.html` (graph and sortable tables), with "
                                   "summary.md and top.md beside it.\n");
}

/* UTF-8 characters in s[0..n). */
static size_t utf8_count(const char *s, size_t n)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (((unsigned char)s[i] & 0xc0) != 0x80)
            k++;
    return k;
}

static int emit_comment(FILE *f, void *arg, struct sf_err *err)
{
    struct ctx *c = arg;
    char *body = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&body, &len);
    if (!m)
        return sf_error(err, "out of memory");
    comment_body(m, c);
    fclose(m);
    struct sbuf foot = SBUF_INIT;
    comment_footer(&foot, c, 0);
    size_t max = c->o->comment_max ? c->o->comment_max : REPORT_COMMENT_MAX;
    if (utf8_count(body, len) + utf8_count(foot.buf, foot.len) > max) {
        sbuf_reset(&foot);
        comment_footer(&foot, c, 1);
        size_t room = utf8_count(foot.buf, foot.len) < max ? max - utf8_count(foot.buf, foot.len) : 0;
        /* keep whole lines that fit */
        size_t keep = 0, chars = 0;
        for (size_t i = 0; i < len; i++) {
            if (((unsigned char)body[i] & 0xc0) != 0x80)
                chars++;
            if (chars > room)
                break;
            if (body[i] == '\n')
                keep = i + 1;
        }
        len = keep;
    }
    fwrite(body, 1, len, f);
    fwrite(foot.buf, 1, foot.len, f);
    free(body);
    sbuf_release(&foot);
    if (fflush(f) != 0 || ferror(f))
        return sf_error(err, "write error");
    return 0;
}

/* ================= per-file writers ================= */

static int emit_folded(FILE *f, void *arg, struct sf_err *err)
{
    struct ctx *c = arg;
    const struct profile *p = c->side[c->cur].p;
    return fold_write_dec(p->stacks, p->count_decimals, f, err);
}

static int emit_svg(FILE *f, void *arg, struct sf_err *err)
{
    struct ctx *c = arg;
    const struct side *s = &c->side[c->cur];
    struct svg_opts so = c->o->svg;
    struct sbuf title = SBUF_INIT, sub = SBUF_INIT;
    if (profile_leaf_is_event(s->p) && so.countname && !strcmp(so.countname, "syscalls"))
        so.countname = "samples";       /* as svg says it */
    if (so.title)
        sbuf_addf(&title, "%s: %s", s->label, so.title);
    else if (c->n == 2)
        sbuf_addf(&title, "%s, %s (%s)", side_leaves(s, 1), s->label, s->files);
    else
        sbuf_addf(&title, "%s: %s", side_leaves(s, 1), s->files);
    so.title = sbuf_str(&title);
    so.compare = NULL;
    so.style = NULL;
    so.count_decimals = s->p->count_decimals;
    int rc = svg_write(s->p->stacks, &so, f, err);
    sbuf_release(&title);
    sbuf_release(&sub);
    return rc;
}

static int emit_top(FILE *f, void *arg, struct sf_err *err)
{
    struct ctx *c = arg;
    struct writer *w = writer_new(f, c->fmt);
    struct top_opts to = c->o->top;
    if (c->fmt != WRITER_JSON && c->o->md_limit && (!to.limit || to.limit > c->o->md_limit))
        to.limit = c->o->md_limit;
    int rc = 0;
    if (c->n == 1 || c->fmt == WRITER_HTML) {
        rc = top_write(c->side[c->fmt == WRITER_HTML ? c->cur : 0].p, &to, w, err);
    } else {
        struct jsonw *j = writer_json(w);
        if (j)
            jsonw_start_object(j);
        for (size_t i = 0; i < c->n && rc == 0; i++) {
            if (j) {
                jsonw_name(j, c->side[i].label);
            } else {
                md_line(f, i ? "\n## " : "## ", c->side[i].label, " (");
                md_escape(f, c->side[i].files);
                fputs(")\n\n", f);
            }
            rc = top_write(c->side[i].p, &to, w, err);
        }
        if (j)
            jsonw_end_object(j);
    }
    if (writer_free(w, err) != 0)
        rc = -1;
    return rc;
}

static int emit_diff_table(FILE *f, void *arg, struct sf_err *err)
{
    struct ctx *c = arg;
    struct writer *w = writer_new(f, c->fmt);
    int rc = diff_write_tables(&c->d, c->fmt != WRITER_JSON ? c->o->md_limit : 0, w, err);
    if (writer_free(w, err) != 0)
        rc = -1;
    return rc;
}

static int emit_diff_svg(FILE *f, void *arg, struct sf_err *err)
{
    struct ctx *c = arg;
    const struct profile *b[] = { c->side[0].p }, *a[] = { c->side[1].p };
    struct svg_opts so = c->o->svg;
    struct sbuf title = SBUF_INIT;
    sbuf_addf(&title, "Differences, before (%s) -> after (%s)", c->side[0].files,
              c->side[1].files);
    so.title = sbuf_str(&title);
    so.subtitle = NULL;
    int rc = diff_svg_write(b, 1, a, 1, &c->o->diff, &so, f, err);
    sbuf_release(&title);
    return rc;
}

/* The width and height an SVG we wrote declares (for the page's layout). */
static void svg_size(const char *dir, const char *file, unsigned *w, unsigned *h)
{
    struct sbuf path = SBUF_INIT;
    sbuf_addf(&path, "%s/%s", dir, file);
    *w = 1200;
    *h = 600;
    FILE *f = fopen(sbuf_str(&path), "r");
    sbuf_release(&path);
    if (!f)
        return;
    char buf[1024];
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = '\0';
    const char *svg = strstr(buf, "<svg ");
    const char *pw = svg ? strstr(svg, " width=\"") : NULL;
    const char *ph = svg ? strstr(svg, " height=\"") : NULL;
    if (pw && ph) {
        unsigned long vw = strtoul(pw + 8, NULL, 10), vh = strtoul(ph + 9, NULL, 10);
        if (vw > 0 && vw < 1000000 && vh > 0 && vh < 10000000) {
            *w = (unsigned)vw;
            *h = (unsigned)vh;
        }
    }
}

/* ================= index.html ================= */

static void h(FILE *f, const char *s)
{
    html_escape(f, s);
}

static void html_badges(FILE *f, const struct side *s, int with_label)
{
    fputs("<div class=\"health\"><ul class=\"badges\">", f);
    if (with_label) {
        fputs("<li class=\"side\">", f);
        h(f, s->label);
        fputs(" <span class=\"file\">", f);
        h(f, s->files);
        fputs("</span></li>", f);
    }
    char n[SF_COUNT_STR];
    sf_count_str(n, s->total, s->p->count_decimals, 0);
    fprintf(f, "<li class=\"badge info\"><b>Samples</b> %s", n);
    if (s->has_duration)
        fprintf(f, " over %.2f s", s->duration_s);
    fputs("</li>", f);
    for (size_t i = 0; i < s->nr_h; i++) {
        const struct health *x = &s->h[i];
        static const char *const cls[] = { "ok", "warn", "info" };
        fprintf(f, "<li class=\"badge %s\"><b>", cls[x->level]);
        h(f, x->what);
        fputs("</b> ", f);
        h(f, x->value);
        if (x->level == LV_WARN && x->advice) {
            fputs(" <span class=\"advice\">", f);
            h(f, x->advice);
            fputs("</span>", f);
        }
        fputs("</li>", f);
    }
    fputs("</ul>", f);
    if (s->unwind_measured) {
        fputs("<p class=\"note\">Unwinding: ", f);
        h(f, s->unwind);
        fputs("</p>", f);
    }
    fputs("</div>\n", f);
}

static void html_pct_list(FILE *f, const char *title, const struct named_pct *v, size_t n)
{
    fputs("<li>", f);
    h(f, title);
    fputs(":", f);
    if (!n)
        fputs(" none", f);
    for (size_t k = 0; k < n; k++) {
        fputs(k ? ", <code>" : " <code>", f);
        h(f, v[k].name);
        fprintf(f, "</code> %.1f%%", v[k].pct);
    }
    fputs("</li>\n", f);
}

/* The slowest tests first (record folders): one list per side. */
static void html_slowest(FILE *f, const struct ctx *c)
{
    struct sbuf sb = SBUF_INIT;
    for (size_t i = 0; i < c->n; i++) {
        struct slow_test v[5];
        size_t n = slowest_tests(&c->side[i], v, SF_ARRAY_SIZE(v));
        if (!n)
            continue;
        fputs("<h3>Slowest tests", f);
        if (c->n == 2) {
            fputs(", ", f);
            h(f, c->side[i].label);
        }
        fputs("</h3>\n<ul>\n", f);
        for (size_t k = 0; k < n; k++) {
            fputs("<li><code>", f);
            h(f, v[k].t->name);
            fputs("</code>", f);
            slow_text(&sb, &v[k]);
            h(f, sbuf_str(&sb));
            fputs("</li>\n", f);
        }
        fputs("</ul>\n", f);
    }
    sbuf_release(&sb);
}

static void html_summary(FILE *f, const struct ctx *c)
{
    html_slowest(f, c);
    /* where the syscalls come from: one column per side */
    fprintf(f, "<div class=\"cols\"><div>\n<h3>Where the %s come from</h3>\n"
            "<div class=\"tw\"><table class=\"sortable\"><thead><tr><th>Origin</th>",
            ctx_leaves(c, 0));
    for (size_t i = 0; i < c->n; i++) {
        fputs("<th class=\"num\">", f);
        h(f, c->side[i].label);
        fputs("</th>", f);
    }
    if (c->n == 2)
        fputs("<th class=\"num\">Change, points</th>", f);
    fputs("</tr></thead>\n<tbody>\n", f);
    for (size_t r = 0; r < SF_ARRAY_SIZE(origin_rows); r++) {
        const struct origin_row *o = &origin_rows[r];
        if (!origin_shown(c->side, c->n, o))
            continue;
        fprintf(f, "<tr%s><td>%s", o->sub ? " class=\"sub\"" : "", o->sub ? "&nbsp;&nbsp;" : "");
        h(f, o->what);
        fputs("</td>", f);
        for (size_t i = 0; i < c->n; i++)
            fprintf(f, "<td class=\"num\">%.1f%%</td>", origin_value(&c->side[i], o));
        if (c->n == 2)
            fprintf(f, "<td class=\"num\">%+.1f</td>",
                    origin_value(&c->side[1], o) - origin_value(&c->side[0], o));
        fputs("</tr>\n", f);
    }
    fputs("</tbody></table></div>\n</div><div>\n<h3>Heaviest</h3>\n<ul>\n", f);
    for (size_t i = 0; i < c->n; i++) {
        const struct side *s = &c->side[i];
        struct sbuf t = SBUF_INIT;
        sbuf_addf(&t, "Tests%s%s", c->n == 2 ? ", " : "", c->n == 2 ? s->label : "");
        html_pct_list(f, sbuf_str(&t), s->top_tests, s->nr_tests);
        sbuf_reset(&t);
        sbuf_addf(&t, "%s%s%s", side_leaves(s, 1), c->n == 2 ? ", " : "",
                  c->n == 2 ? s->label : "");
        html_pct_list(f, sbuf_str(&t), s->top_sys, s->nr_sys);
        sbuf_release(&t);
    }
    fputs("</ul>\n", f);
    if (!c->have_diff) {
        fputs("</div></div>\n", f);
        return;
    }
    const struct diff *d = &c->d;
    fputs("<h3>Changes, before &rarr; after</h3>\n<ul>\n", f);
    char tb[DIFF_COUNT_STR], ta[DIFF_COUNT_STR];
    fprintf(f, "<li>Samples: %s &rarr; %s (%+.1f%%)</li>\n",
            samples_text(tb, d, &d->total, 0),
            samples_text(ta, d, &d->total, 1),
            d->total.before > 0 ? pct(d->total.delta, d->total.before) : 0.0);
    for (size_t k = 0; k < SF_ARRAY_SIZE(change_tables); k++) {
        const struct diff_table *t = change_table(d, k);
        fprintf(f, "<li>Largest changes in %s:", change_tables[k].title);
        size_t shown = 0;
        for (size_t i = 0; i < t->n && shown < 5; i++) {
            const struct diff_row *r = &t->v[i];
            if (r->delta == 0)
                break;
            fputs(shown++ ? ", <code>" : " <code>", f);
            h(f, r->name);
            char rb[DIFF_COUNT_STR], ra[DIFF_COUNT_STR];
            fprintf(f, "</code> %s &rarr; %s", samples_text(rb, d, r, 0),
                    samples_text(ra, d, r, 1));
            if (r->before > 0)
                fprintf(f, " (<span class=\"%s\">%+.1f%%</span>)", r->delta > 0 ? "up" : "down",
                        pct(r->delta, r->before));
            else
                fputs(" (<span class=\"up\">new</span>)", f);
        }
        fputs(shown ? "</li>\n" : " none</li>\n", f);
    }
    fputs("</ul>\n</div></div>\n", f);
}

static void html_verdict(FILE *f, const struct ctx *c)
{
    if (c->verdict < 0)
        return;
    fprintf(f, "<p class=\"verdict %s\"><b>--fail-if <code>", c->verdict ? "warn" : "ok");
    h(f, c->o->fail_if_text ? c->o->fail_if_text : "");
    fputs(c->verdict ? "</code>: a condition held</b> (exit status 3)" :
                       "</code>: no condition held</b>", f);
    if (c->verdict) {
        fputs("<br>", f);
        const char *w = sbuf_str(&c->why);
        for (const char *p = w; *p; p++) {
            if (*p == '\n') {
                if (p[1])
                    fputs("<br>", f);
                continue;
            }
            char one[2] = { *p, 0 };
            h(f, one);
        }
    }
    fputs("</p>\n", f);
}

/* One embedded graph: the SVG as an <object> (its own script runs there),
 * sized by the SVG's aspect ratio, with a link to open it alone. */
static void html_graph(FILE *f, const char *file, const char *caption, unsigned w, unsigned hgt)
{
    fputs("<figure class=\"graph\"><figcaption>", f);
    h(f, caption);
    fputs(" <a class=\"open\" href=\"", f);
    h(f, file);
    fputs("\">open alone</a></figcaption>\n<div class=\"gbox\"><object class=\"flame\" "
          "type=\"image/svg+xml\" data=\"", f);
    h(f, file);
    fprintf(f, "\" data-src=\"");
    h(f, file);
    fprintf(f, "\" style=\"aspect-ratio: %u / %u\">", w, hgt);
    fputs("<a href=\"", f);
    h(f, file);
    fputs("\">", f);
    h(f, file);
    fputs("</a></object></div></figure>\n", f);
}

/* Renders fn's output into a string. */
static char *render(emit_fn fn, struct ctx *c, struct sf_err *err)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f) {
        sf_error(err, "out of memory");
        return NULL;
    }
    int rc = fn(f, c, err);
    fclose(f);
    if (rc != 0) {
        free(buf);
        return NULL;
    }
    return buf;
}

static void html_file_link(FILE *f, const char *stem, const char *ext, const char *what)
{
    fputs("<li><a href=\"", f);
    h(f, stem);
    h(f, ext);
    fputs("\">", f);
    h(f, stem);
    h(f, ext);
    fputs("</a> ", f);
    h(f, what);
    fputs("</li>\n", f);
}

static int html_body(FILE *f, struct ctx *c, const char *key, struct sf_err *err)
{
    if (!strcmp(key, "TITLE")) {
        fputs("sysflame report: ", f);
        for (size_t i = 0; i < c->n; i++) {
            fputs(i ? " \xe2\x86\x92 " : "", f);
            h(f, c->side[i].files);
        }
    } else if (!strcmp(key, "SIDES")) {
        for (size_t i = 0; i < c->n; i++) {
            fputs(i ? " &rarr; " : "", f);
            if (c->n == 2) {
                fputs("<b>", f);
                h(f, c->side[i].label);
                fputs("</b> ", f);
            }
            fputs("<code>", f);
            h(f, c->side[i].files);
            fputs("</code>", f);
        }
    } else if (!strcmp(key, "NAV")) {
        fputs("<a href=\"#health\">Health</a> <a href=\"#summary\">Summary</a> ", f);
        if (c->have_diff)
            fputs("<a href=\"#diff\">Differences</a> <a href=\"#graphs\">Before and after</a> ", f);
        else
            fputs("<a href=\"#graphs\">Flame graph</a> ", f);
        fputs("<a href=\"#tables\">Tables</a> <a href=\"#files\">Files</a>", f);
    } else if (!strcmp(key, "HEALTH")) {
        for (size_t i = 0; i < c->n; i++)
            html_badges(f, &c->side[i], c->n == 2);
    } else if (!strcmp(key, "VERDICT")) {
        html_verdict(f, c);
    } else if (!strcmp(key, "SUMMARY")) {
        html_summary(f, c);
    } else if (!strcmp(key, "DIFF")) {
        if (!c->have_diff)
            return 0;
        const int before_shape = c->o->diff.negate;
        fputs("<section id=\"diff\">\n<h2>Differences</h2>\n<p class=\"legend\">"
              "<span class=\"sw up\"></span> red: more samples in after &nbsp; "
              "<span class=\"sw down\"></span> blue: fewer &nbsp; "
              "<span class=\"sw same\"></span> grey: unchanged. ", f);
        fprintf(f, "Each frame is coloured by the change of its whole subtree (deeper = "
                   "larger). Widths are %s samples (%.0f; %s: %.0f). Stacks %s are drawn "
                   "apart, at the right, under <code>%s</code>, at most a fifth of the "
                   "width. Hover a frame for before, after, delta and ratio.</p>\n",
                before_shape ? "before's" : "after's",
                before_shape ? c->d.total.before : c->d.total.after,
                before_shape ? "after" : "before",
                before_shape ? c->d.total.after : c->d.total.before,
                before_shape ? "only in after" : "gone since before",
                before_shape ? "[only in after]" : "[only in before]");
        if (c->comm_hint) {
            fputs("<p class=\"verdict warn\"><b>Warning:</b> ", f);
            h(f, c->comm_hint);
            fputs("</p>\n", f);
        }
        html_graph(f, "diff.svg", "Differential flame graph", c->svg_w[2], c->svg_h[2]);
        c->fmt = WRITER_HTML;
        char *t = render(emit_diff_table, c, err);
        if (!t)
            return -1;
        fputs("<details open><summary>Delta tables</summary>\n", f);
        fputs(t, f);
        fputs("<p class=\"note\">The largest changes first; all rows in "
              "<a href=\"diff.json\">diff.json</a>.</p></details>\n</section>\n", f);
        free(t);
    } else if (!strcmp(key, "GRAPHS")) {
        fputs("<section id=\"graphs\">\n<h2>", f);
        fputs(c->n == 2 ? "Before and after" : "Flame graph", f);
        fputs(c->n == 2 ? "</h2>\n<div class=\"pair\">\n" : "</h2>\n<div>\n", f);
        for (size_t i = 0; i < c->n; i++) {
            struct sbuf file = SBUF_INIT, cap = SBUF_INIT;
            sbuf_addf(&file, "%s.svg", c->side[i].stem);
            if (c->n == 2)
                sbuf_addf(&cap, "%s: %s", c->side[i].label, c->side[i].files);
            else
                sbuf_addstr(&cap, c->side[i].files);
            html_graph(f, sbuf_str(&file), sbuf_str(&cap), c->svg_w[i], c->svg_h[i]);
            sbuf_release(&file);
            sbuf_release(&cap);
        }
        fputs("</div>\n</section>\n", f);
    } else if (!strcmp(key, "TABLES")) {
        fputs("<section id=\"tables\">\n<h2>Hotspot tables</h2>\n", f);
        for (size_t i = 0; i < c->n; i++) {
            c->cur = i;
            c->fmt = WRITER_HTML;
            char *t = render(emit_top, c, err);
            if (!t)
                return -1;
            fputs("<details", f);
            fputs(c->n == 1 ? " open><summary>" : "><summary>", f);
            h(f, c->side[i].label);
            if (c->n == 2) {
                fputs(" (", f);
                h(f, c->side[i].files);
                fputs(")", f);
            }
            fputs("</summary>\n", f);
            fputs(t, f);
            fputs("</details>\n", f);
            free(t);
        }
        fputs("<p class=\"note\">All rows in <a href=\"top.json\">top.json</a>.</p>\n</section>\n", f);
    } else if (!strcmp(key, "FILES")) {
        fputs("<ul class=\"files\">\n", f);
        for (size_t i = 0; i < c->n; i++) {
            html_file_link(f, c->side[i].stem, ".svg", "flame graph");
            html_file_link(f, c->side[i].stem, ".folded", "folded stacks");
        }
        if (c->have_diff) {
            html_file_link(f, "diff", ".svg", "differential flame graph");
            html_file_link(f, "diff", ".md", "delta tables (Markdown)");
            html_file_link(f, "diff", ".json", "delta tables (JSON, every row)");
        }
        html_file_link(f, "top", ".md", "hotspot tables (Markdown)");
        html_file_link(f, "top", ".json", "hotspot tables (JSON, every row)");
        html_file_link(f, "summary", ".md", "this summary (GitHub Markdown)");
        html_file_link(f, "comment", ".md", "a pull-request comment (fits GitHub's limit)");
        fputs("</ul>\n", f);
    } else if (!strcmp(key, "CSS")) {
        fwrite(tpl_report_css, 1, tpl_report_css_len, f);
    } else if (!strcmp(key, "JS")) {
        fwrite(tpl_report_js, 1, tpl_report_js_len, f);
    } else {
        fputc('@', f);
        fputs(key, f);
        fputc('@', f);
    }
    return 0;
}

static int emit_index(FILE *f, void *arg, struct sf_err *err)
{
    struct ctx *c = arg;
    const char *p = tpl_report_html_in, *end = p + tpl_report_html_in_len;
    int rc = 0;
    while (p < end && rc == 0) {
        const char *at = memchr(p, '@', (size_t)(end - p));
        if (!at) {
            fwrite(p, 1, (size_t)(end - p), f);
            break;
        }
        fwrite(p, 1, (size_t)(at - p), f);
        const char *close = memchr(at + 1, '@', (size_t)(end - at - 1));
        size_t klen = close ? (size_t)(close - at - 1) : 0;
        int is_key = close && klen > 0 && klen < 16;
        for (size_t i = 0; is_key && i < klen; i++)
            is_key = at[1 + i] >= 'A' && at[1 + i] <= 'Z';
        if (!is_key) {
            fputc('@', f);
            p = at + 1;
            continue;
        }
        char key[16];
        memcpy(key, at + 1, klen);
        key[klen] = '\0';
        rc = html_body(f, c, key, err);
        p = close + 1;
    }
    if (rc == 0 && (fflush(f) != 0 || ferror(f)))
        rc = sf_error(err, "write error");
    return rc;
}

/* ================= driver ================= */

static int write_all(struct ctx *c, const char *dir, struct sf_err *err)
{
    struct sbuf file = SBUF_INIT;
    int rc = 0;
    for (size_t i = 0; i < c->n && rc == 0; i++) {
        c->cur = i;
        sbuf_reset(&file);
        sbuf_addf(&file, "%s.folded", c->side[i].stem);
        rc = emit(dir, sbuf_str(&file), emit_folded, c, err);
        if (rc == 0) {
            sbuf_reset(&file);
            sbuf_addf(&file, "%s.svg", c->side[i].stem);
            rc = emit(dir, sbuf_str(&file), emit_svg, c, err);
            svg_size(dir, sbuf_str(&file), &c->svg_w[i], &c->svg_h[i]);
        }
    }
    if (rc == 0) {
        c->fmt = WRITER_MD;
        rc = emit(dir, "top.md", emit_top, c, err);
    }
    if (rc == 0) {
        c->fmt = WRITER_JSON;
        rc = emit(dir, "top.json", emit_top, c, err);
    }
    if (rc == 0 && c->have_diff) {
        rc = emit(dir, "diff.svg", emit_diff_svg, c, err);
        svg_size(dir, "diff.svg", &c->svg_w[2], &c->svg_h[2]);
        if (rc == 0) {
            c->fmt = WRITER_MD;
            rc = emit(dir, "diff.md", emit_diff_table, c, err);
        }
        if (rc == 0) {
            c->fmt = WRITER_JSON;
            rc = emit(dir, "diff.json", emit_diff_table, c, err);
        }
    }
    if (rc == 0)
        rc = emit(dir, "summary.md", emit_summary, c, err);
    if (rc == 0)
        rc = emit(dir, "comment.md", emit_comment, c, err);
    if (rc == 0)
        rc = emit(dir, "index.html", emit_index, c, err);
    sbuf_release(&file);
    return rc;
}

int report_write(const struct report_input *in, size_t n, const char *dir,
                 const struct report_opts *o, int *held, struct sbuf *why,
                 struct sf_err *err)
{
    struct report_opts defaults;
    if (held)
        *held = 0;
    if (n < 1 || n > 2)
        return sf_error(err, "report takes one or two inputs, not %zu", n);
    if (!o) {
        report_opts_init(&defaults);
        o = &defaults;
    }
    struct target t;
    if (target_open(&t, dir, in, n, err) < 0)
        return -1;
    struct ctx *c = xcalloc(1, sizeof(*c));
    c->n = n;
    c->o = o;
    c->dir = dir;
    c->verdict = -1;
    for (size_t i = 0; i < n; i++)
        side_init(&c->side[i], in, n, i);
    int rc = 0;
    if (n == 2) {
        const struct profile *b[] = { in[0].profile }, *a[] = { in[1].profile };
        rc = diff_build(b, 1, a, 1, &o->diff, &c->d, err);
        c->have_diff = rc == 0;
        c->comm_hint = comm_hint(in[0].profile, in[1].profile);
        if (rc == 0 && o->fail_if) {
            c->verdict = diff_cond_eval(o->fail_if, &c->d, &c->why);
            if (o->fail_if_unmatched)
                diff_cond_unmatched(o->fail_if, &c->d, o->fail_if_unmatched);
            if (held)
                *held = c->verdict;
            if (why)
                sbuf_addstr(why, sbuf_str(&c->why));
        }
    }
    if (rc == 0)
        rc = write_all(c, t.tmp, err);
    if (rc == 0)
        rc = target_commit(&t, err);
    target_close(&t, rc == 0);
    if (rc != 0 && held)
        *held = 0;
    if (c->have_diff)
        diff_release(&c->d);
    for (size_t i = 0; i < n; i++)
        side_release(&c->side[i]);
    sbuf_release(&c->why);
    free(c->comm_hint);
    free(c);
    return rc;
}
