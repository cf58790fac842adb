/* capdir.c - a `sysflame record` folder as input: the manifest, and the
 * tests of each package with their windows in the capture's clock. */
#include "config.h"

#include "capdir.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "event.h"
#include "json.h"
#include "perfdata.h"
#include "record.h"

static int slurp(const char *path, char **out, size_t *len, struct sf_err *err)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return sf_error(err, "'%s': cannot open: %s", path, strerror(errno));
    struct sbuf sb = SBUF_INIT;
    char buf[16384];
    size_t n;
    while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
        sbuf_add(&sb, buf, n);
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        sbuf_release(&sb);
        return sf_error(err, "'%s': read error", path);
    }
    *len = sb.len;
    *out = sbuf_detach(&sb);
    return 0;
}

int capdir_is(const char *path)
{
    struct stat st;
    if (stat(path, &st) < 0 || !S_ISDIR(st.st_mode))
        return 0;
    struct sbuf sb = SBUF_INIT;
    sbuf_addf(&sb, "%s/" RECORD_MANIFEST, path);
    int yes = stat(sbuf_str(&sb), &st) == 0 && S_ISREG(st.st_mode);
    sbuf_release(&sb);
    return yes;
}

/* DIR/rel, refusing paths that leave the folder. */
static char *inside(const char *dir, const char *rel)
{
    if (!rel || !*rel || rel[0] == '/' || !strncmp(rel, "../", 3) || strstr(rel, "/../") ||
        !strcmp(rel, ".."))
        return NULL;
    struct sbuf sb = SBUF_INIT;
    sbuf_addf(&sb, "%s/%s", dir, rel);
    return sbuf_detach(&sb);
}

static char *dup_or_null(const char *s)
{
    return s ? xstrdup(s) : NULL;
}

int capdir_open(const char *path, struct capdir *cd, struct sf_err *err)
{
    memset(cd, 0, sizeof(*cd));
    struct sbuf mp = SBUF_INIT;
    sbuf_addf(&mp, "%s/" RECORD_MANIFEST, path);
    char *text;
    size_t len;
    if (slurp(sbuf_str(&mp), &text, &len, err) < 0) {
        sbuf_release(&mp);
        return -1;
    }
    struct json doc;
    struct sf_err jerr = { { 0 } };
    int rc = json_parse(text, len, &doc, &jerr);
    free(text);
    if (rc < 0) {
        sf_error(err, "'%s': not a record manifest: %s", sbuf_str(&mp), jerr.msg);
        sbuf_release(&mp);
        return -1;
    }
    const char *format = json_str(json_get(&doc, "format"));
    const struct json *pkgs = json_get(&doc, "packages");
    if (!format || strcmp(format, "sysflame-record") || !pkgs || pkgs->type != JSON_ARRAY) {
        sf_error(err, "'%s': not a sysflame record manifest (no \"format\": "
                 "\"sysflame-record\" and \"packages\")", sbuf_str(&mp));
        json_release(&doc);
        sbuf_release(&mp);
        return -1;
    }
    cd->path = xstrdup(path);
    cd->go = dup_or_null(json_str(json_get(&doc, "go")));
    cd->perf = dup_or_null(json_str(json_get(&doc, "perf")));
    cd->kernel = dup_or_null(json_str(json_get(&doc, "kernel")));
    cd->pkgs = xcalloc(pkgs->n + 1, sizeof(*cd->pkgs));
    for (size_t i = 0; i < pkgs->n; i++) {
        const struct json *pj = &pkgs->items[i];
        struct capdir_pkg *p = &cd->pkgs[cd->nr_pkgs];
        const char *name = json_str(json_get(pj, "name"));
        p->capture = inside(path, json_str(json_get(pj, "capture")));
        if (!name || !p->capture) {
            free(p->capture);
            sf_error(err, "'%s': package %zu has no name or capture inside the folder",
                     sbuf_str(&mp), i + 1);
            json_release(&doc);
            sbuf_release(&mp);
            capdir_release(cd);
            return -1;
        }
        p->name = xstrdup(name);
        p->package = dup_or_null(json_str(json_get(pj, "package")));
        p->binary = inside(path, json_str(json_get(pj, "binary")));
        p->events = inside(path, json_str(json_get(pj, "events")));
        p->recorded_binary = dup_or_null(json_str(json_get(pj, "binary_recorded")));
        double d;
        p->exit_status = json_num(json_get(pj, "exit_status"), &d) == 0 ? (int)d : -1;
        const struct json *clock = json_get(pj, "clock");
        if (!clock)
            clock = json_get(&doc, "clock");
        double rt, mono;
        if (json_num(json_get(clock, "realtime_ns"), &rt) == 0 &&
            json_num(json_get(clock, "monotonic_ns"), &mono) == 0) {
            p->clock_realtime_ns = (int64_t)rt;
            p->clock_monotonic_ns = (int64_t)mono;
        }
        cd->nr_pkgs++;
    }
    json_release(&doc);
    sbuf_release(&mp);
    return 0;
}

static void tests_release(struct capdir_pkg *p)
{
    for (size_t i = 0; i < p->nr_tests; i++) {
        free(p->tests[i].name);
        free(p->tests[i].result);
    }
    free(p->tests);
    p->tests = NULL;
    p->nr_tests = 0;
}

void capdir_release(struct capdir *cd)
{
    if (!cd)
        return;
    for (size_t i = 0; i < cd->nr_pkgs; i++) {
        struct capdir_pkg *p = &cd->pkgs[i];
        free(p->name);
        free(p->package);
        free(p->capture);
        free(p->binary);
        free(p->events);
        free(p->recorded_binary);
        tests_release(p);
    }
    free(cd->pkgs);
    free(cd->path);
    free(cd->go);
    free(cd->perf);
    free(cd->kernel);
    memset(cd, 0, sizeof(*cd));
}

/* ---- tests and windows ---- */

enum mark_kind { MARK_RUN, MARK_CONT, MARK_END };

struct mark {
    enum mark_kind kind;
    char *test;
    uint64_t offset;             /* of the line in the binary's output */
    int64_t event_ns;            /* go's event time (realtime) */
};

struct marks { struct mark *v; size_t n, cap; };

static void add_mark(struct marks *m, enum mark_kind k, const char *name, size_t len,
                     uint64_t offset, int64_t t)
{
    m->v = xgrow(m->v, sizeof(*m->v), m->n + 1, &m->cap);
    struct mark *x = &m->v[m->n++];
    x->kind = k;
    x->test = xstrndup(name, len);
    x->offset = offset;
    x->event_ns = t;
}

/* Recognises testing's -test.v lines: "=== RUN   X", "=== CONT  X",
 * "--- PASS: X (0.20s)" (indented 4 spaces per subtest level). */
static void scan_line(struct marks *m, const char *line, uint64_t offset, int64_t t)
{
    const char *s = line;
    while (*s == ' ')
        s++;
    size_t n;
    if (!strncmp(s, "=== RUN   ", 10) || !strncmp(s, "=== CONT  ", 10)) {
        const char *name = s + 10;
        n = strcspn(name, "\n");
        add_mark(m, s[4] == 'R' ? MARK_RUN : MARK_CONT, name, n, offset, t);
    } else if (!strncmp(s, "--- PASS: ", 10) || !strncmp(s, "--- FAIL: ", 10) ||
               !strncmp(s, "--- SKIP: ", 10)) {
        const char *name = s + 10;
        const char *paren = strstr(name, " (");
        n = paren ? (size_t)(paren - name) : strcspn(name, "\n");
        add_mark(m, MARK_END, name, n, offset, t);
    }
}

static struct capdir_test *find_test(struct capdir_pkg *p, const char *name, size_t *cap)
{
    for (size_t i = 0; i < p->nr_tests; i++)
        if (!strcmp(p->tests[i].name, name))
            return &p->tests[i];
    p->tests = xgrow(p->tests, sizeof(*p->tests), p->nr_tests + 1, cap);
    struct capdir_test *t = &p->tests[p->nr_tests++];
    memset(t, 0, sizeof(*t));
    t->name = xstrdup(name);
    t->elapsed_s = -1;
    return t;
}

struct write_sample { uint64_t time, offset, count; uint32_t pid; size_t seq; };

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* How many of the sorted times[0..n) are <= t. */
static size_t upto(const uint64_t *times, size_t n, uint64_t t)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (times[mid] <= t)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static int cmp_write(const void *a, const void *b)
{
    const struct write_sample *x = a, *y = b;
    if (x->time != y->time)
        return x->time < y->time ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* The test binary's writes to standard output and error, in the order
 * they were made: times and byte offsets in its output stream.  The
 * process is the first to exec the binary (records come in per-CPU
 * batches, so samples may precede that COMM record in the file). */
static int read_writes(const char *capture, const char *binary, struct write_sample **out,
                       size_t *nr, uint64_t **times_out, size_t *nr_times, uint32_t *pid_out,
                       struct sf_err *err)
{
    struct pd_file *pd;
    *out = NULL;
    *nr = 0;
    if (pd_open(capture, &pd, err) < 0)
        return -1;
    struct ev_decoder *dec = ev_decoder_new(pd);
    int sw = pd_swapped(pd);
    char comm[16] = "";
    if (binary) {
        const char *b = strrchr(binary, '/');
        snprintf(comm, sizeof(comm), "%s", b ? b + 1 : binary);
    }
    uint32_t pid = 0;
    uint64_t pid_time = UINT64_MAX;
    size_t n = 0, cap = 0, nall = 0, cap_all = 0;
    struct { uint64_t time; uint32_t pid; } *all = NULL;
    struct write_sample *w = NULL;
    struct pd_record rec;
    struct ev_event ev;
    int rc;
    while ((rc = pd_next(pd, &rec, err)) > 0) {
        if (rec.type != PD_REC_COMM && rec.type != PD_REC_SAMPLE)
            continue;
        if (ev_decode(dec, &rec, &ev, err) < 0) {
            rc = -1;
            break;
        }
        if (ev.kind == EV_COMM && ev.u.comm.exec && !strcmp(ev.u.comm.comm, comm) &&
            (!ev.u.comm.idn.has_time || ev.u.comm.idn.time < pid_time)) {
            pid = ev.u.comm.pid;
            pid_time = ev.u.comm.idn.has_time ? ev.u.comm.idn.time : 0;
        }
        if (ev.kind != EV_SAMPLE)
            continue;
        const struct ev_sample *s = &ev.u.sample;
        all = xgrow(all, sizeof(*all), nall + 1, &cap_all);
        all[nall].time = s->idn.time;
        all[nall].pid = s->idn.pid;
        nall++;
        if (!s->attr->name || s->raw_size < 40 || strcmp(s->attr->name, "syscalls:sys_enter_write"))
            continue;
        uint64_t fd = sf_rd64(s->raw + 16, sw), count = sf_rd64(s->raw + 32, sw);
        if (fd != 1 && fd != 2)
            continue;
        w = xgrow(w, sizeof(*w), n + 1, &cap);
        w[n].time = s->idn.time;
        w[n].count = count;
        w[n].pid = s->idn.pid;
        w[n].seq = n;
        n++;
    }
    ev_decoder_free(dec);
    pd_close(pd);
    if (rc < 0) {
        free(w);
        free(all);
        return -1;
    }
    uint64_t *times = xcalloc(nall + 1, sizeof(*times));
    size_t nt = 0;
    for (size_t i = 0; i < nall; i++)
        if (pid_time != UINT64_MAX && all[i].pid == pid)
            times[nt++] = all[i].time;
    free(all);
    qsort(times, nt, sizeof(*times), cmp_u64);
    *times_out = times;
    *nr_times = nt;
    *pid_out = pid_time != UINT64_MAX ? pid : 0;
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (pid_time != UINT64_MAX && w[i].pid == pid)
            w[k++] = w[i];
    qsort(w, k, sizeof(*w), cmp_write);
    uint64_t offset = 0;
    for (size_t i = 0; i < k; i++) {
        w[i].offset = offset;
        offset += w[i].count;
    }
    *out = w;
    *nr = k;
    return 0;
}

/* The capture time of the write that starts at `offset`, 0 if none does. */
static uint64_t write_at(const struct write_sample *w, size_t n, uint64_t offset)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (w[mid].offset < offset)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < n && w[lo].offset == offset)
        return w[lo].time;
    return 0;
}

static int is_ancestor(const char *a, const char *b)
{
    size_t n = strlen(a);
    return !strncmp(a, b, n) && b[n] == '/';
}

int capdir_load_tests(struct capdir_pkg *p, struct sf_err *err)
{
    tests_release(p);
    p->tests_read = 1;
    p->pid = 0;
    if (!p->events)
        return 0;
    char *text;
    size_t len;
    if (slurp(p->events, &text, &len, err) < 0)
        return -1;
    struct marks m = { 0 };
    size_t cap = 0;
    uint64_t offset = 0;
    for (char *line = text, *end = text + len; line < end; ) {
        char *nl = memchr(line, '\n', (size_t)(end - line));
        size_t n = nl ? (size_t)(nl - line) : (size_t)(end - line);
        struct go_event ev;
        if (record_go_event_parse(line, n, &ev) == 0) {
            if (ev.output) {
                scan_line(&m, ev.output, offset, ev.time_ns);
                offset += strlen(ev.output);
            }
            if (ev.test) {
                struct capdir_test *t = find_test(p, ev.test, &cap);
                if (!strcmp(ev.action, "pass") || !strcmp(ev.action, "fail") ||
                    !strcmp(ev.action, "skip")) {
                    free(t->result);
                    t->result = xstrdup(ev.action);
                    if (ev.elapsed >= 0)
                        t->elapsed_s = ev.elapsed;
                }
            }
            record_go_event_release(&ev);
        }
        line += n + 1;
    }
    free(text);

    struct write_sample *w = NULL;
    size_t nw = 0, nt = 0;
    uint64_t *times = NULL;
    struct sf_err werr = { { 0 } };
    if (read_writes(p->capture, p->binary ? p->binary : p->recorded_binary, &w, &nw, &times,
                    &nt, &p->pid, &werr) < 0) {
        nw = nt = 0;   /* windows from go's event times only */
    }
    int64_t shift = p->clock_monotonic_ns - p->clock_realtime_ns;
    for (size_t i = 0; i < m.n; i++) {
        struct mark *k = &m.v[i];
        struct capdir_test *t = NULL;
        for (size_t j = 0; j < p->nr_tests; j++)
            if (!strcmp(p->tests[j].name, k->test))
                t = &p->tests[j];
        if (!t)
            continue;
        uint64_t at = write_at(w, nw, k->offset);
        int exact = at != 0;
        if (!exact && p->clock_realtime_ns && k->event_ns)
            at = (uint64_t)(k->event_ns + shift);
        if (!at)
            continue;
        if (k->kind == MARK_END) {
            t->end = at;
            t->window_exact = t->window_exact && exact;
        } else {
            /* a parallel test's clock restarts when it continues */
            t->start = at;
            t->window_exact = exact;
        }
    }
    free(w);
    for (size_t i = 0; i < m.n; i++)
        free(m.v[i].test);
    free(m.v);
    for (size_t i = 0; i < p->nr_tests; i++) {
        struct capdir_test *a = &p->tests[i];
        if (!a->start || !a->end || a->end < a->start) {
            a->start = a->end = 0;
            a->window_exact = 0;
            continue;
        }
        size_t before = a->start ? upto(times, nt, a->start - 1) : 0;
        a->in_window = upto(times, nt, a->end) - before;
    }
    free(times);
    for (size_t i = 0; i < p->nr_tests; i++) {
        struct capdir_test *a = &p->tests[i];
        for (size_t j = i + 1; a->start && j < p->nr_tests; j++) {
            struct capdir_test *b = &p->tests[j];
            if (!b->start || is_ancestor(a->name, b->name) || is_ancestor(b->name, a->name))
                continue;
            if (a->start < b->end && b->start < a->end)
                a->overlaps = b->overlaps = 1;
        }
    }
    return 0;
}

const struct capdir_test *capdir_test_at(const struct capdir_pkg *p, uint64_t t)
{
    const struct capdir_test *best = NULL;
    for (size_t i = 0; i < p->nr_tests; i++) {
        const struct capdir_test *c = &p->tests[i];
        if (!c->start || t < c->start || t > c->end)
            continue;
        if (!best || is_ancestor(best->name, c->name) ||
            (!is_ancestor(c->name, best->name) && c->start < best->start))
            best = c;
    }
    return best;
}
