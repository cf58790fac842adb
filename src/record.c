/* record.c - the parts of `sysflame record` that run no process: perf's
 * arguments, the checks before recording, go test's flags and events, the
 * facts of a finished capture, files of the record folder. */
#include "config.h"

#include "record.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <linux/perf_event.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "json.h"
#include "perfdata.h"

void argvec_push(struct argvec *a, const char *s)
{
    a->v = xgrow(a->v, sizeof(*a->v), a->n + 2, &a->cap);
    a->v[a->n++] = xstrdup(s);
    a->v[a->n] = NULL;
}

void argvec_pushf(struct argvec *a, const char *fmt, ...)
{
    struct sbuf sb = SBUF_INIT;
    va_list ap;
    va_start(ap, fmt);
    sbuf_vaddf(&sb, fmt, ap);
    va_end(ap);
    argvec_push(a, sbuf_str(&sb));
    sbuf_release(&sb);
}

void argvec_release(struct argvec *a)
{
    for (size_t i = 0; i < a->n; i++)
        free(a->v[i]);
    free(a->v);
    memset(a, 0, sizeof(*a));
}

void record_perf_args(const struct record_opts *o, const char *perf, const char *out,
                      struct argvec *a)
{
    argvec_push(a, perf);
    argvec_push(a, "record");
    argvec_push(a, "-q");
    /* no side-band thread for BPF events: it polls with a 1 s timeout
     * that perf waits out at the end of every run */
    argvec_push(a, "--no-bpf-event");
    /* CLOCK_MONOTONIC: the run.json reference maps it to the wall clock
     * go test stamps its events with (and perf stores its own reference
     * in HEADER_CLOCK_DATA). */
    argvec_push(a, "-k");
    argvec_push(a, "mono");
    argvec_push(a, "-e");
    argvec_push(a, "syscalls:sys_enter_*");
    if (o->latency) {
        argvec_push(a, "-e");
        argvec_push(a, "syscalls:sys_exit_*");
    }
    argvec_push(a, "-g");
    argvec_pushf(a, "--call-graph=dwarf,%lu", o->stack_size);
    argvec_pushf(a, "-m%lu", o->mmap_pages);
    if (o->compress)
        argvec_push(a, "-z");
    if (!out)
        return;
    argvec_push(a, "-o");
    argvec_push(a, out);
    argvec_push(a, "--");
}

char *record_which(const char *name)
{
    if (!name || !*name)
        return NULL;
    if (strchr(name, '/'))
        return access(name, X_OK) == 0 ? xstrdup(name) : NULL;
    const char *path = getenv("PATH");
    if (!path)
        path = "/usr/local/bin:/usr/bin:/bin";
    struct sbuf sb = SBUF_INIT;
    for (const char *p = path;; ) {
        const char *colon = strchr(p, ':');
        size_t n = colon ? (size_t)(colon - p) : strlen(p);
        sbuf_reset(&sb);
        if (n)
            sbuf_add(&sb, p, n);
        else
            sbuf_addch(&sb, '.');
        sbuf_addch(&sb, '/');
        sbuf_addstr(&sb, name);
        struct stat st;
        if (stat(sbuf_str(&sb), &st) == 0 && S_ISREG(st.st_mode) &&
            access(sbuf_str(&sb), X_OK) == 0)
            return sbuf_detach(&sb);
        if (!colon)
            break;
        p = colon + 1;
    }
    sbuf_release(&sb);
    return NULL;
}

int record_check_permission(struct sf_err *err)
{
    if (geteuid() == 0)
        return 0;
    FILE *f = fopen("/proc/sys/kernel/perf_event_paranoid", "r");
    int level = 2;
    if (f) {
        if (fscanf(f, "%d", &level) != 1)
            level = 2;
        fclose(f);
    }
    if (level <= -1)
        return 0;
    return sf_error(err, "no permission to record syscall tracepoints: "
                    "kernel.perf_event_paranoid is %d; run as root, or allow it with "
                    "'sysctl kernel.perf_event_paranoid=-1'", level);
}

static int has_syscall_events(void)
{
    static const char *const dirs[] = {
        "/sys/kernel/tracing/events/syscalls",
        "/sys/kernel/debug/tracing/events/syscalls",
    };
    struct stat st;
    for (size_t i = 0; i < SF_ARRAY_SIZE(dirs); i++)
        if (stat(dirs[i], &st) == 0 && S_ISDIR(st.st_mode))
            return 1;
    return 0;
}

int record_check_tracefs(int may_mount, struct sf_err *err)
{
    if (has_syscall_events())
        return 0;
    struct stat st;
    int mounted = stat("/sys/kernel/tracing/events", &st) == 0;
    if (!mounted && may_mount) {
        if (mount("nodev", "/sys/kernel/tracing", "tracefs", 0, NULL) < 0)
            return sf_error(err, "tracefs is not mounted and mounting it at "
                            "/sys/kernel/tracing failed: %s; mount it with "
                            "'mount -t tracefs nodev /sys/kernel/tracing'", strerror(errno));
        if (has_syscall_events())
            return 1;
        mounted = 1;
    }
    if (!mounted)
        return sf_error(err, "tracefs is not mounted: perf needs it for the syscall "
                        "tracepoints; as root, run 'mount -t tracefs nodev /sys/kernel/tracing'");
    return sf_error(err, "tracefs has no syscall tracepoints (/sys/kernel/tracing/events/"
                    "syscalls): this kernel was built without CONFIG_FTRACE_SYSCALLS");
}

/* The ids of the syscall tracepoints (sys_enter_*, and sys_exit_* when
 * `exits`), from tracefs. */
static size_t syscall_tracepoint_ids(int exits, uint64_t **ids)
{
    static const char *const roots[] = {
        "/sys/kernel/tracing/events/syscalls",
        "/sys/kernel/debug/tracing/events/syscalls",
    };
    size_t n = 0, cap = 0;
    *ids = NULL;
    for (size_t r = 0; r < SF_ARRAY_SIZE(roots) && n == 0; r++) {
        DIR *d = opendir(roots[r]);
        if (!d)
            continue;
        struct dirent *de;
        while ((de = readdir(d))) {
            if (strncmp(de->d_name, "sys_enter_", 10) &&
                (!exits || strncmp(de->d_name, "sys_exit_", 9)))
                continue;
            char path[512];
            snprintf(path, sizeof(path), "%s/%s/id", roots[r], de->d_name);
            FILE *f = fopen(path, "r");
            unsigned long long id;
            if (f && fscanf(f, "%llu", &id) == 1) {
                *ids = xgrow(*ids, sizeof(**ids), n + 1, &cap);
                (*ids)[n++] = id;
            }
            if (f)
                fclose(f);
        }
        closedir(d);
    }
    return n;
}

int record_hold_tracepoints(int exits, int **fds_out)
{
    uint64_t *ids;
    size_t n = syscall_tracepoint_ids(exits, &ids);
    int *fds = xcalloc(n + 1, sizeof(*fds));
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        struct perf_event_attr attr;
        memset(&attr, 0, sizeof(attr));
        attr.type = PERF_TYPE_TRACEPOINT;
        attr.size = sizeof(attr);
        attr.config = ids[i];
        attr.disabled = 1;
        int fd = (int)syscall(SYS_perf_event_open, &attr, 0, -1, -1, PERF_FLAG_FD_CLOEXEC);
        if (fd >= 0)
            fds[k++] = fd;
    }
    free(ids);
    *fds_out = fds;
    return (int)k;
}

int record_capture_read(const char *path, struct record_capture *c, struct sf_err *err)
{
    struct pd_file *pd;
    memset(c, 0, sizeof(*c));
    c->clockid = -1;
    if (pd_open(path, &pd, err) < 0)
        return -1;
    const struct pd_info *info = pd_get_info(pd);
    int sw = pd_swapped(pd);
    struct pd_record rec;
    int rc;
    while ((rc = pd_next(pd, &rec, err)) > 0) {
        if (rec.type == PD_REC_SAMPLE) {
            c->samples++;
        } else if (rec.type == PD_REC_LOST && rec.size >= 24) {
            c->lost_events += sf_rd64(rec.data + 16, sw);
        } else if (rec.type == PD_REC_LOST_SAMPLES && rec.size >= 16) {
            c->lost_samples += sf_rd64(rec.data + 8, sw);
        }
    }
    c->lost = c->lost_events > c->lost_samples ? c->lost_events : c->lost_samples;
    c->first_time = info->first_sample_time;
    c->last_time = info->last_sample_time;
    if (info->has_clockid)
        c->clockid = info->clockid;
    pd_close(pd);
    return rc < 0 ? -1 : 0;
}

int record_go_event_parse(const char *line, size_t len, struct go_event *ev)
{
    struct json doc;
    memset(ev, 0, sizeof(*ev));
    ev->elapsed = -1;
    if (len == 0 || line[0] != '{' || json_parse(line, len, &doc, NULL) < 0)
        return -1;
    const char *action = json_str(json_get(&doc, "Action"));
    if (!action) {
        json_release(&doc);
        return -1;
    }
    ev->action = xstrdup(action);
    const char *s;
    if ((s = json_str(json_get(&doc, "Package"))))
        ev->package = xstrdup(s);
    if ((s = json_str(json_get(&doc, "Test"))))
        ev->test = xstrdup(s);
    if ((s = json_str(json_get(&doc, "Output"))))
        ev->output = xstrdup(s);
    if ((s = json_str(json_get(&doc, "Time"))) && record_parse_time(s, &ev->time_ns) < 0)
        ev->time_ns = 0;
    double e;
    if (json_num(json_get(&doc, "Elapsed"), &e) == 0)
        ev->elapsed = e;
    json_release(&doc);
    return 0;
}

void record_go_event_release(struct go_event *ev)
{
    free(ev->action);
    free(ev->package);
    free(ev->test);
    free(ev->output);
    memset(ev, 0, sizeof(*ev));
}

static int digits(const char **p, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        char c = (*p)[i];
        if (c < '0' || c > '9')
            return -1;
        v = v * 10 + (c - '0');
    }
    *p += n;
    *out = v;
    return 0;
}

/* Days since 1970-01-01 of a proleptic Gregorian date. */
static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

int record_parse_time(const char *s, int64_t *ns)
{
    int y, mo, d, h, mi, sec;
    const char *p = s;
    if (digits(&p, 4, &y) < 0 || *p++ != '-' || digits(&p, 2, &mo) < 0 || *p++ != '-' ||
        digits(&p, 2, &d) < 0 || (*p != 'T' && *p != 't' && *p != ' '))
        return -1;
    p++;
    if (digits(&p, 2, &h) < 0 || *p++ != ':' || digits(&p, 2, &mi) < 0 || *p++ != ':' ||
        digits(&p, 2, &sec) < 0)
        return -1;
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60)
        return -1;
    int64_t frac = 0;
    if (*p == '.') {
        p++;
        int n = 0;
        while (*p >= '0' && *p <= '9') {
            if (n < 9) {
                frac = frac * 10 + (*p - '0');
                n++;
            }
            p++;
        }
        if (n == 0)
            return -1;
        for (; n < 9; n++)
            frac *= 10;
    }
    int64_t offset = 0;
    if (*p == 'Z' || *p == 'z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        int sign = *p++ == '-' ? -1 : 1, oh, om;
        if (digits(&p, 2, &oh) < 0 || *p++ != ':' || digits(&p, 2, &om) < 0)
            return -1;
        offset = sign * (int64_t)(oh * 3600 + om * 60);
    } else {
        return -1;
    }
    if (*p)
        return -1;
    int64_t secs = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec - offset;
    *ns = secs * 1000000000LL + frac;
    return 0;
}

static int64_t clock_ns(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

void record_clock_now(struct record_clock *c)
{
    /* The realtime read between two monotonic ones, paired with their
     * midpoint: off by at most half the (sub-microsecond) gap. */
    int64_t m0 = clock_ns(CLOCK_MONOTONIC);
    c->realtime_ns = clock_ns(CLOCK_REALTIME);
    int64_t m1 = clock_ns(CLOCK_MONOTONIC);
    c->monotonic_ns = m0 + (m1 - m0) / 2;
}

int record_is_go_test(char *const *argv, size_t argc)
{
    if (argc < 2)
        return 0;
    const char *base = strrchr(argv[0], '/');
    base = base ? base + 1 : argv[0];
    return !strcmp(base, "go") && !strcmp(argv[1], "test");
}

/* A go flag spelled -name, --name, -name=v or --name=v. */
static int flag_is(const char *arg, const char *name, const char **value)
{
    if (arg[0] != '-')
        return 0;
    arg += arg[1] == '-' ? 2 : 1;
    size_t n = strlen(name);
    if (strncmp(arg, name, n))
        return 0;
    if (arg[n] == 0) {
        *value = NULL;
        return 1;
    }
    if (arg[n] == '=') {
        *value = arg + n + 1;
        return 1;
    }
    return 0;
}

static int bool_value(const char *v)
{
    return !v || !strcmp(v, "true") || !strcmp(v, "1") || !strcmp(v, "t") ||
           !strcmp(v, "T") || !strcmp(v, "TRUE") || !strcmp(v, "True");
}

void record_go_test_flags(char *const *argv, size_t argc, struct go_test_flags *f)
{
    memset(f, 0, sizeof(*f));
    for (size_t i = 2; i < argc; i++) {
        const char *a = argv[i], *v;
        if (!strcmp(a, "-args") || !strcmp(a, "--args"))
            break;
        if (flag_is(a, "exec", &v))
            f->has_exec = 1;
        else if (flag_is(a, "c", &v))
            f->compile_only = bool_value(v);
    }
}

int record_args_verbose(char *const *args, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const char *v;
        if (flag_is(args[i], "test.v", &v))
            return !v || strcmp(v, "false");
    }
    return 0;
}

/* One test seen in -v output: what it printed, in order, with its
 * subtests' places among its lines. */
struct quiet_item { char *line; int child; };   /* child: index into tests */
struct quiet_test {
    char *name;
    int depth;                   /* 0 for a top-level test */
    struct quiet_item *items;
    size_t n, cap;
    char *result_line;           /* its "--- PASS/FAIL/SKIP" line */
    int failed;
};

struct record_quiet {
    struct quiet_test *v;
    size_t n, cap;
    long current;                /* test the next lines belong to, -1 none */
    long pending;                /* top-level test whose result came: its
                                    subtests' result lines follow */
};

struct record_quiet *record_quiet_new(void)
{
    struct record_quiet *q = xcalloc(1, sizeof(*q));
    q->current = q->pending = -1;
    return q;
}

static long quiet_find(const struct record_quiet *q, const char *name, size_t len)
{
    for (size_t i = 0; i < q->n; i++)
        if (q->v[i].name && strlen(q->v[i].name) == len && !memcmp(q->v[i].name, name, len))
            return (long)i;
    return -1;
}

static void quiet_item(struct quiet_test *t, const char *line, size_t len, int child)
{
    t->items = xgrow(t->items, sizeof(*t->items), t->n + 1, &t->cap);
    t->items[t->n].line = line ? xstrndup(line, len) : NULL;
    t->items[t->n].child = child;
    t->n++;
}

static void quiet_render(struct record_quiet *q, long i, struct sbuf *out)
{
    struct quiet_test *t = &q->v[i];
    if (!t->failed)
        return;
    sbuf_addstr(out, t->result_line);
    for (size_t k = 0; k < t->n; k++) {
        if (t->items[k].line) {
            for (int d = 0; d < t->depth; d++)
                sbuf_addstr(out, "    ");
            sbuf_addstr(out, t->items[k].line);
        } else {
            quiet_render(q, t->items[k].child, out);
        }
    }
}

/* Output of tests that never reported a result (a crash, a timeout). */
static void quiet_dump(struct record_quiet *q, struct sbuf *out)
{
    for (size_t i = 0; i < q->n; i++)
        for (size_t k = 0; !q->v[i].result_line && k < q->v[i].n; k++)
            if (q->v[i].items[k].line)
                sbuf_addstr(out, q->v[i].items[k].line);
}

static void quiet_clear(struct record_quiet *q)
{
    for (size_t i = 0; i < q->n; i++) {
        struct quiet_test *t = &q->v[i];
        for (size_t k = 0; k < t->n; k++)
            free(t->items[k].line);
        free(t->items);
        free(t->name);
        free(t->result_line);
    }
    q->n = 0;
    q->current = q->pending = -1;
}

/* Whether every test seen has reported: then the table can start over. */
static int quiet_all_done(const struct record_quiet *q)
{
    for (size_t i = 0; i < q->n; i++)
        if (!q->v[i].result_line)
            return 0;
    return 1;
}

void record_quiet_line(struct record_quiet *q, const char *line, size_t len, struct sbuf *out)
{
    size_t ind = 0;
    while (ind < len && line[ind] == ' ')
        ind++;
    const char *s = line + ind;
    size_t sl = len - ind;
    size_t nl = sl;
    while (nl && (s[nl - 1] == '\n' || s[nl - 1] == '\r'))
        nl--;
    int result = sl >= 10 && (!memcmp(s, "--- PASS: ", 10) || !memcmp(s, "--- FAIL: ", 10) ||
                              !memcmp(s, "--- SKIP: ", 10));
    long idx = -1;
    if (result) {
        const char *name = s + 10;
        const char *paren = memchr(name, '(', nl - 10);
        size_t nn = paren ? (size_t)(paren - name) : nl - 10;
        while (nn && name[nn - 1] == ' ')
            nn--;
        idx = quiet_find(q, name, nn);
    }
    if (q->pending >= 0) {
        if (result && ind > 0 && idx >= 0) {
            q->v[idx].result_line = xstrndup(line, len);
            q->v[idx].failed = s[4] == 'F';
            return;
        }
        quiet_render(q, q->pending, out);
        q->pending = -1;
        if (quiet_all_done(q))
            quiet_clear(q);
    }
    if (sl >= 10 && (!memcmp(s, "=== RUN   ", 10) || !memcmp(s, "=== CONT  ", 10) ||
                     !memcmp(s, "=== NAME  ", 10))) {
        const char *name = s + 10;
        size_t nn = nl - 10;
        long i = quiet_find(q, name, nn);
        if (i < 0 && s[4] == 'R') {
            q->v = xgrow(q->v, sizeof(*q->v), q->n + 1, &q->cap);
            struct quiet_test *t = &q->v[q->n];
            memset(t, 0, sizeof(*t));
            t->name = xstrndup(name, nn);
            for (size_t k = 0; k < nn; k++)
                t->depth += name[k] == '/';
            i = (long)q->n++;
            const char *slash = memrchr(name, '/', nn);
            long parent = slash ? quiet_find(q, name, (size_t)(slash - name)) : -1;
            if (parent >= 0)
                quiet_item(&q->v[parent], NULL, 0, (int)i);
        }
        q->current = i;
        return;
    }
    if (sl >= 10 && !memcmp(s, "=== PAUSE ", 10))
        return;
    if (result && idx >= 0) {
        q->v[idx].result_line = xstrndup(line, len);
        q->v[idx].failed = s[4] == 'F';
        if (q->v[idx].depth == 0)
            q->pending = idx;
        q->current = -1;
        return;
    }
    if (q->current >= 0)
        quiet_item(&q->v[q->current], line, len, 0);
    else
        sbuf_add(out, line, len);
}

void record_quiet_end(struct record_quiet *q, struct sbuf *out)
{
    if (q->pending >= 0)
        quiet_render(q, q->pending, out);
    quiet_dump(q, out);
    quiet_clear(q);
}

void record_quiet_free(struct record_quiet *q)
{
    if (!q)
        return;
    quiet_clear(q);
    free(q->v);
    free(q);
}

char *record_exec_quote(const char *path)
{
    char q = '\'';
    if (strchr(path, '\'')) {
        if (strchr(path, '"'))
            return NULL;
        q = '"';
    }
    struct sbuf sb = SBUF_INIT;
    sbuf_addch(&sb, q);
    sbuf_addstr(&sb, path);
    sbuf_addch(&sb, q);
    return sbuf_detach(&sb);
}

char *record_folder_name(const char *binary)
{
    const char *base = strrchr(binary, '/');
    base = base ? base + 1 : binary;
    size_t n = strlen(base);
    if (n >= 5 && !strcmp(base + n - 5, ".test"))
        n -= 5;
    char *s = xstrndup(base, n);
    for (char *p = s; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '.' || *p == '_' || *p == '+' || *p == '-'))
            *p = '_';
    if (!*s) {
        free(s);
        s = xstrdup("program");
    }
    if (s[0] == '.')          /* no hidden folders (".record" is ours) */
        s[0] = '_';
    return s;
}

int record_lines_write(const char *path, char *const *v, size_t n, struct sf_err *err)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return sf_error(err, "'%s': cannot create: %s", path, strerror(errno));
    for (size_t i = 0; i < n; i++)
        fprintf(f, "%s\n", v[i]);
    if (fclose(f) != 0)
        return sf_error(err, "'%s': write error: %s", path, strerror(errno));
    return 0;
}

int record_lines_read(const char *path, struct argvec *out, struct sf_err *err)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return sf_error(err, "'%s': cannot open: %s", path, strerror(errno));
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    while ((n = getline(&line, &cap, f)) >= 0) {
        if (n > 0 && line[n - 1] == '\n')
            line[n - 1] = 0;
        argvec_push(out, line);
    }
    free(line);
    fclose(f);
    return 0;
}

int record_copy_file(const char *src, const char *dst, struct sf_err *err)
{
    if (link(src, dst) == 0)
        return 0;
    int in = open(src, O_RDONLY | O_CLOEXEC);
    if (in < 0)
        return sf_error(err, "'%s': cannot open: %s", src, strerror(errno));
    struct stat st;
    if (fstat(in, &st) < 0) {
        close(in);
        return sf_error(err, "'%s': cannot stat: %s", src, strerror(errno));
    }
    int out = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, st.st_mode & 07777);
    if (out < 0) {
        close(in);
        return sf_error(err, "'%s': cannot create: %s", dst, strerror(errno));
    }
    char buf[1 << 16];
    ssize_t n;
    int rc = 0;
    while ((n = read(in, buf, sizeof(buf))) != 0) {
        if (n < 0) {
            if (errno == EINTR)
                continue;
            rc = sf_error(err, "'%s': read error: %s", src, strerror(errno));
            break;
        }
        for (ssize_t off = 0; off < n; ) {
            ssize_t w = write(out, buf + off, (size_t)(n - off));
            if (w < 0 && errno == EINTR)
                continue;
            if (w <= 0) {
                rc = sf_error(err, "'%s': write error: %s", dst, w < 0 ? strerror(errno) : "no space");
                break;
            }
            off += w;
        }
        if (rc < 0)
            break;
    }
    close(in);
    if (close(out) < 0 && rc == 0)
        rc = sf_error(err, "'%s': write error: %s", dst, strerror(errno));
    if (rc < 0)
        unlink(dst);
    return rc;
}

int record_remove_tree(const char *path, struct sf_err *err)
{
    struct stat st;
    if (lstat(path, &st) < 0)
        return errno == ENOENT ? 0 : sf_error(err, "'%s': %s", path, strerror(errno));
    if (!S_ISDIR(st.st_mode)) {
        if (unlink(path) < 0)
            return sf_error(err, "'%s': cannot remove: %s", path, strerror(errno));
        return 0;
    }
    DIR *d = opendir(path);
    if (!d)
        return sf_error(err, "'%s': cannot open folder: %s", path, strerror(errno));
    struct dirent *de;
    int rc = 0;
    struct sbuf sb = SBUF_INIT;
    while (rc == 0 && (de = readdir(d))) {
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
            continue;
        sbuf_reset(&sb);
        sbuf_addf(&sb, "%s/%s", path, de->d_name);
        rc = record_remove_tree(sbuf_str(&sb), err);
    }
    sbuf_release(&sb);
    closedir(d);
    if (rc == 0 && rmdir(path) < 0)
        rc = sf_error(err, "'%s': cannot remove: %s", path, strerror(errno));
    return rc;
}
