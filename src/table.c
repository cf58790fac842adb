/* table.c - WRITER of `sysflame top`: groups a finished stack_set by
 * syscall, call site, Go test (or runtime subsystem) and thread (attrib.h),
 * joins the per-syscall latency stats of the profile, and hands rows to a
 * writer. */
#include "table.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

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
    /* an unknown latency (no paired exit) sorts after every known one */
    if (isnan(dx) != isnan(dy))
        return isnan(dx) ? 1 : -1;
    if (dx != dy && !isnan(dx))
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

/* cols, or a copy in out (n entries) with the syscall titles as event ones. */
static const struct writer_col *leaf_cols(const struct profile *p, const struct writer_col *cols,
                                          size_t n, struct writer_col *out)
{
    if (!profile_leaf_is_event(p))
        return cols;
    for (size_t i = 0; i < n; i++) {
        out[i] = cols[i];
        if (!strcmp(cols[i].title, "Syscall"))
            out[i].title = "Event";
        else if (!strcmp(cols[i].title, "Top syscall"))
            out[i].title = "Top event";
    }
    return out;
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
    struct writer_col ev[SF_ARRAY_SIZE(base)];
    writer_table_begin(w, "syscalls", profile_leaf_is_event(p) ? "Events" : "Syscalls",
                       leaf_cols(p, base, SF_ARRAY_SIZE(base), ev), paired ? 11 : 4);
    double dur = p->duration_s;
    for (size_t i = 0; i < row_limit(o, g.n); i++) {
        const struct sys_row *r = &rows[i];
        writer_cell_str(w, r->name);
        writer_cell_count(w, r->count, p->count_decimals);
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
    struct writer_col ev[4];
    writer_table_begin(w, key, title, leaf_cols(p, cols, 4, ev), 4);
    for (size_t i = 0; i < row_limit(o, g.n); i++) {
        writer_cell_str(w, g.v[i].name);
        writer_cell_str(w, g.v[i].sub);
        writer_cell_count(w, g.v[i].count, p->count_decimals);
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

/* The test_time of a tests-table row, or NULL. */
static const struct test_time *time_of(const struct profile *p, const char *name)
{
    for (size_t i = 0; i < p->nr_test_times; i++)
        if (!strcmp(p->test_times[i].name, name))
            return &p->test_times[i];
    return NULL;
}

static const struct profile *timed_profile;   /* for cmp_timed (see sort_key) */
static const struct top_groups *timed_groups;

/* Tests with a wall time first, slowest first; the rest in their order. */
static int cmp_timed(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    const struct test_time *tx = time_of(timed_profile, timed_groups->v[x].name);
    const struct test_time *ty = time_of(timed_profile, timed_groups->v[y].name);
    double wx = tx && tx->wall_s >= 0 ? tx->wall_s : -1, wy = ty && ty->wall_s >= 0 ? ty->wall_s : -1;
    if (wx != wy)
        return wx > wy ? -1 : 1;
    return x < y ? -1 : x > y;
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
    /* With go test's times (a record folder): each test's wall time, the
     * syscalls its process made inside its run window that its own stacks
     * do not account for (the runtime and testing on its behalf), the
     * window measured in the capture, and whether a parallel test shared
     * it (then the runtime's work in it is shared too). */
    static const struct writer_col timed_cols[] = {
        { "name", "Test or origin", WCOL_STR, 0 },
        { "kind", "Kind", WCOL_STR, 0 },
        { "wall_s", "Wall s", WCOL_FLOAT, 3 },
        { "count", "Count", WCOL_UINT, 0 },
        { "share", "Share", WCOL_PCT, 2 },
        { "runtime_in_window", "Runtime in window", WCOL_UINT, 0 },
        { "top_syscall", "Top syscall", WCOL_STR, 0 },
        { "window_s", "Window s", WCOL_FLOAT, 3 },
        { "overlaps", "Overlaps", WCOL_BOOL, 0 },
    };
    int timed = p->nr_test_times > 0;
    struct top_groups g = TOP_GROUPS_INIT, per = TOP_GROUPS_INIT;
    top_groups_add_tests(&g, &per, p);
    /* a test that made no syscall of its own (it slept) still has a time */
    for (size_t i = 0; i < p->nr_test_times; i++)
        if (top_groups_find(&g, p->test_times[i].name, NULL) < 0)
            top_groups_bump(&g, p->test_times[i].name, NULL, ATTR_TEST, 0);
    sort_groups(&g, o->sort);
    size_t *order = xcalloc(g.n + 1, sizeof(*order));
    for (size_t i = 0; i < g.n; i++)
        order[i] = i;
    if (timed && o->sort == TOP_SORT_COUNT && g.n) {
        timed_profile = p;
        timed_groups = &g;
        qsort(order, g.n, sizeof(*order), cmp_timed);
    }
    struct writer_col ev[SF_ARRAY_SIZE(timed_cols)];
    if (timed)
        writer_table_begin(w, "tests", "Tests and runtime work",
                           leaf_cols(p, timed_cols, SF_ARRAY_SIZE(timed_cols), ev),
                           SF_ARRAY_SIZE(timed_cols));
    else
        writer_table_begin(w, "tests", "Tests and runtime work",
                           leaf_cols(p, cols, SF_ARRAY_SIZE(cols), ev), SF_ARRAY_SIZE(cols));
    for (size_t r = 0; r < row_limit(o, g.n); r++) {
        const struct top_group *row = &g.v[order[r]];
        const char *best = NULL;
        uint64_t best_n = 0;
        for (size_t k = 0; k < per.n; k++) {
            const struct top_group *pr = &per.v[k];
            if (strcmp(pr->name, row->name))
                continue;
            if (pr->count > best_n || (pr->count == best_n && best && strcmp(pr->sub, best) < 0)) {
                best = pr->sub;
                best_n = pr->count;
            }
        }
        const struct test_time *t = timed ? time_of(p, row->name) : NULL;
        writer_cell_str(w, row->name);
        writer_cell_str(w, attr_kind_name(row->kind));
        if (timed)
            writer_cell_float(w, t && t->wall_s >= 0 ? t->wall_s : NAN);
        writer_cell_count(w, row->count, p->count_decimals);
        writer_cell_float(w, share_of(row->count, total));
        if (timed) {
            if (t && t->window_s >= 0)
                writer_cell_uint(w, t->in_window > row->count ? t->in_window - row->count : 0);
            else
                writer_cell_null(w);
        }
        writer_cell_str(w, best ? best : "");
        if (timed) {
            writer_cell_float(w, t && t->window_s >= 0 ? t->window_s : NAN);
            if (t)
                writer_cell_bool(w, t->overlaps);
            else
                writer_cell_null(w);
        }
    }
    table_end(w, o, g.n);
    free(order);
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

static int cmp_processes(const void *a, const void *b)
{
    const struct process_stat *x = a, *y = b;
    if (sort_key != TOP_SORT_NAME && x->samples != y->samples)
        return x->samples > y->samples ? -1 : 1;
    int c = strcmp(x->comm ? x->comm : "", y->comm ? y->comm : "");
    if (c)
        return c;
    return x->pid < y->pid ? -1 : x->pid > y->pid;
}

/* One row per process: command, kind, executable (captures only). */
static void write_processes(const struct profile *p, const struct top_opts *o,
                            struct writer *w, uint64_t total)
{
    static const struct writer_col cols[] = {
        { "name", "Command", WCOL_STR, 0 },
        { "pid", "PID", WCOL_UINT, 0 },
        { "kind", "Kind", WCOL_STR, 0 },
        { "go_test", "Go test", WCOL_BOOL, 0 },
        { "count", "Count", WCOL_UINT, 0 },
        { "share", "Share", WCOL_PCT, 2 },
        { "exe", "Executable", WCOL_STR, 0 },
    };
    if (!p->nr_processes)
        return;
    struct process_stat *t = xmalloc(p->nr_processes * sizeof(*t));
    memcpy(t, p->processes, p->nr_processes * sizeof(*t));
    sort_key = o->sort;
    qsort(t, p->nr_processes, sizeof(*t), cmp_processes);
    writer_table_begin(w, "processes", "Processes", cols, SF_ARRAY_SIZE(cols));
    for (size_t i = 0; i < row_limit(o, p->nr_processes); i++) {
        writer_cell_str(w, t[i].comm ? t[i].comm : "");
        writer_cell_uint(w, t[i].pid);
        writer_cell_str(w, process_kind_name(t[i].kind));
        writer_cell_bool(w, t[i].go_test);
        writer_cell_uint(w, t[i].samples);
        writer_cell_float(w, share_of(t[i].samples, total));
        writer_cell_str(w, t[i].exe ? t[i].exe : "");
    }
    table_end(w, o, p->nr_processes);
    free(t);
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
        writer_cell_count(w, g.v[i].count, p->count_decimals);
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
        writer_cell_count(w, v.count, p->count_decimals);
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
    writer_scalar_count(w, "total", "Samples", total, p->count_decimals);
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
    if (t & TOP_PROCESSES)
        write_processes(p, o, w, total);
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
