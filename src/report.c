/* report.c - WRITER of the report folder: runs the fold, svg, top and diff
 * writers into atomic files in one directory, then writes summary.md (the
 * capture's health and a diagnosis in plain words) and index.html from
 * templates/report.html.in with every name escaped. */
#include "report.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fold.h"
#include "outfile.h"
#include "templates.inc"

void report_opts_init(struct report_opts *o)
{
    memset(o, 0, sizeof(*o));
    o->md_limit = 25;
    o->diff.alpha = 0.05;
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
     * fixed names (top, diff, summary, index) */
    if (!*name || name[0] == '.' || !strcmp(name, "top") || !strcmp(name, "diff") ||
        !strcmp(name, "summary") || !strcmp(name, "index")) {
        struct sbuf sb = SBUF_INIT;
        sbuf_addf(&sb, "input%s%s", *name && name[0] != '.' ? "-" : "", name);
        free(name);
        name = sbuf_detach(&sb);
    }
    return name;
}

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
    if (rc == 0) {
        struct stat st;
        if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
            rc = sf_error(err, "'%s': not a directory", dir);
    }
    free(p);
    return rc;
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
        sf_error(err, "'%s': %s", sbuf_str(&path), inner.msg);
    }
    sbuf_release(&path);
    return rc;
}

/* ---- per-file writers ---- */

struct ctx {
    const struct report_input *in;
    size_t n;
    char **names;
    const struct report_opts *o;
    const struct diff *d;
    size_t cur;                 /* input being written */
    enum writer_format fmt;
};

static int emit_folded(FILE *f, void *arg, struct sf_err *err)
{
    struct ctx *c = arg;
    return fold_write(c->in[c->cur].profile->stacks, f, err);
}

static int emit_svg(FILE *f, void *arg, struct sf_err *err)
{
    struct ctx *c = arg;
    struct svg_opts so = c->o->svg;
    struct sbuf title = SBUF_INIT;
    sbuf_addf(&title, "Syscalls: %s", c->names[c->cur]);
    so.title = sbuf_str(&title);
    so.compare = NULL;
    so.style = NULL;
    int rc = svg_write(c->in[c->cur].profile->stacks, &so, f, err);
    sbuf_release(&title);
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
    if (c->n == 1) {
        rc = top_write(c->in[0].profile, &to, w, err);
    } else {
        struct jsonw *j = writer_json(w);
        if (j)
            jsonw_start_object(j);
        for (size_t i = 0; i < c->n && rc == 0; i++) {
            if (j) {
                jsonw_name(j, c->names[i]);
            } else {
                fprintf(f, "%s## ", i ? "\n" : "");
                md_escape(f, c->names[i]);
                fputs("\n\n", f);
            }
            rc = top_write(c->in[i].profile, &to, w, err);
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
    int rc = diff_write_tables(c->d, c->fmt != WRITER_JSON ? c->o->md_limit : 0, w, err);
    if (writer_free(w, err) != 0)
        rc = -1;
    return rc;
}

static int emit_diff_svg(FILE *f, void *arg, struct sf_err *err)
{
    struct ctx *c = arg;
    const struct profile *b[] = { c->in[0].profile }, *a[] = { c->in[1].profile };
    struct svg_opts so = c->o->svg;
    struct sbuf title = SBUF_INIT;
    sbuf_addf(&title, "Differential: %s -> %s", c->names[0], c->names[1]);
    so.title = sbuf_str(&title);
    so.subtitle = NULL;
    int rc = diff_svg_write(b, 1, a, 1, &c->o->diff, &so, f, err);
    sbuf_release(&title);
    return rc;
}

/* ---- summary ---- */

static double pct(double part, double whole)
{
    return whole > 0 ? 100.0 * part / whole : 0.0;
}

static void md_line_escaped(FILE *f, const char *prefix, const char *s, const char *suffix)
{
    fputs(prefix, f);
    md_escape(f, s);
    fputs(suffix, f);
}

static void summary_one(FILE *f, const char *name, const struct profile *p, int heading)
{
    uint64_t total = p->total ? p->total : stack_total(p->stacks);
    if (heading)
        md_line_escaped(f, "## ", name, "\n\n");
    fputs("### Capture health\n\n", f);
    fprintf(f, "- Samples: %llu", (unsigned long long)total);
    if (p->has_capture && p->duration_s > 0)
        fprintf(f, " over %.2f s", p->duration_s);
    fputc('\n', f);
    double lost_pct = pct((double)p->lost, (double)(total + p->lost));
    fprintf(f, "- Lost: %llu (%.2f%%)%s\n", (unsigned long long)p->lost, lost_pct,
            lost_pct >= 1.0 ? " - too many: record with more -m/--mmap-pages or fewer events" : "");
    const struct unwind_stat *u = &p->overall;
    if (u->samples) {
        double s = (double)u->samples;
        fprintf(f, "- Unwinding: %.1f%% reached a root, %.1f%% truncated (stack copy too small: "
                   "use --call-graph dwarf,65528), %.1f%% stopped at an unknown pc, "
                   "%.1f%% without a binary, %.1f%% other\n",
                pct((double)u->to_root, s), pct((double)u->truncated, s),
                pct((double)u->unknown_pc, s), pct((double)u->no_binary, s),
                pct((double)u->other_stop, s));
    } else {
        fputs("- Unwinding: not measured (folded input)\n", f);
    }
    if (!p->nr_missing) {
        fputs("- Missing binaries: none\n", f);
    } else {
        fputs("- Missing binaries:\n", f);
        for (size_t i = 0; i < p->nr_missing; i++) {
            const struct binary_missing *m = &p->missing[i];
            md_line_escaped(f, "  - ", m->recorded_path ? m->recorded_path : "?", ": ");
            md_escape(f, m->reason ? m->reason : "missing");
            fprintf(f, " (%llu samples)\n", (unsigned long long)m->samples);
        }
    }
    for (size_t i = 0; i < p->nr_per_binary; i++) {
        const struct unwind_stat *b = &p->per_binary[i];
        if (!profile_suspect_binary(p, b))
            continue;
        md_line_escaped(f, "- Probably not the recorded binary: ", b->binary, "");
        fprintf(f, " (%llu samples, %.1f%%, unwound to return addresses that follow no call "
                   "instruction: rebuilt since the recording? pass the recorded one with "
                   "--binary)\n", (unsigned long long)b->suspect_samples,
                pct((double)b->suspect_samples, (double)p->overall.samples));
    }

    /* diagnosis: shares by origin */
    struct top_groups g = TOP_GROUPS_INIT, sc = TOP_GROUPS_INIT;
    top_groups_add(&g, p->stacks, TOP_DIM_TEST);
    top_groups_add(&sc, p->stacks, TOP_DIM_SYSCALL);
    double by_kind[ATTR_NR] = { 0 };
    double sysmon = 0, gc = 0, sched = 0, net = 0, timers = 0;
    for (size_t i = 0; i < g.n; i++) {
        by_kind[g.v[i].kind] += (double)g.v[i].count;
        const char *nm = g.v[i].name;
        double cnt = (double)g.v[i].count;
        if (!strcmp(nm, ATTR_SYSMON)) sysmon += cnt;
        else if (!strcmp(nm, ATTR_GC)) gc += cnt;
        else if (!strcmp(nm, ATTR_SCHEDULER)) sched += cnt;
        else if (!strcmp(nm, ATTR_NETPOLLER)) net += cnt;
        else if (!strcmp(nm, ATTR_TIMERS)) timers += cnt;
    }
    double t = (double)total;
    double tests = by_kind[ATTR_TEST] + by_kind[ATTR_BENCHMARK] + by_kind[ATTR_FUZZ];
    fputs("\n### Where the syscalls come from\n\n", f);
    fprintf(f, "- The tests' own code: %.1f%%", pct(tests, t));
    /* the three heaviest tests */
    int shown = 0;
    for (size_t pass = 0; pass < 3; pass++) {
        size_t best = SIZE_MAX;
        for (size_t i = 0; i < g.n; i++) {
            enum attr_kind k = g.v[i].kind;
            if (k != ATTR_TEST && k != ATTR_BENCHMARK && k != ATTR_FUZZ)
                continue;
            if (g.v[i].count == 0)
                continue;
            if (best == SIZE_MAX || g.v[i].count > g.v[best].count ||
                (g.v[i].count == g.v[best].count && strcmp(g.v[i].name, g.v[best].name) < 0))
                best = i;
        }
        if (best == SIZE_MAX)
            break;
        fputs(shown++ ? ", " : " (", f);
        md_escape(f, g.v[best].name);
        fprintf(f, " %.1f%%", pct((double)g.v[best].count, t));
        g.v[best].count = 0;         /* taken; g is ours and released below */
    }
    fputs(shown ? ")\n" : "\n", f);
    fprintf(f, "- Go runtime: %.1f%% (scheduler %.1f%%, GC %.1f%%, netpoller %.1f%%, "
               "sysmon %.1f%%, timers %.1f%%)\n",
            pct(by_kind[ATTR_RUNTIME], t), pct(sched, t), pct(gc, t), pct(net, t),
            pct(sysmon, t), pct(timers, t));
    fprintf(f, "- Startup and the dynamic loader: %.1f%%\n", pct(by_kind[ATTR_STARTUP], t));
    fprintf(f, "- cgo and C code: %.1f%%\n", pct(by_kind[ATTR_CGO], t));
    fprintf(f, "- The testing package and main.main: %.1f%%\n",
            pct(by_kind[ATTR_TESTING] + by_kind[ATTR_MAIN], t));
    fprintf(f, "- Other (goroutines outside tests, unknown): %.1f%%\n", pct(by_kind[ATTR_OTHER], t));
    /* top syscalls */
    fputs("- Heaviest syscalls:", f);
    for (size_t pass = 0; pass < 5; pass++) {
        size_t best = SIZE_MAX;
        for (size_t i = 0; i < sc.n; i++)
            if (sc.v[i].count && (best == SIZE_MAX || sc.v[i].count > sc.v[best].count ||
                                  (sc.v[i].count == sc.v[best].count &&
                                   strcmp(sc.v[i].name, sc.v[best].name) < 0)))
                best = i;
        if (best == SIZE_MAX)
            break;
        fputs(pass ? ", " : " ", f);
        md_escape(f, sc.v[best].name);
        fprintf(f, " %.1f%%", pct((double)sc.v[best].count, t));
        sc.v[best].count = 0;
    }
    fputc('\n', f);
    top_groups_release(&g);
    top_groups_release(&sc);
}

static void summary_changes(FILE *f, const struct diff *d)
{
    fputs("## Changes (before -> after)\n\n", f);
    fprintf(f, "- Total: %.0f -> %.0f (%+.1f%%)\n", d->total.before, d->total.after,
            d->total.before > 0 ? pct(d->total.delta, d->total.before) : 0.0);
    const struct { const char *title; const struct diff_table *t; } tabs[] = {
        { "syscalls", &d->syscalls }, { "tests and runtime work", &d->tests },
    };
    for (size_t k = 0; k < SF_ARRAY_SIZE(tabs); k++) {
        fprintf(f, "- Largest changes in %s:", tabs[k].title);
        size_t shown = 0;
        for (size_t i = 0; i < tabs[k].t->n && shown < 5; i++) {
            const struct diff_row *r = &tabs[k].t->v[i];
            if (r->delta == 0)
                break;
            fputs(shown++ ? ", " : " ", f);
            md_escape(f, r->name);
            fprintf(f, " %.0f -> %.0f", r->before, r->after);
            if (r->before > 0)
                fprintf(f, " (%+.1f%%)", pct(r->delta, r->before));
            else
                fputs(" (new)", f);
        }
        fputs(shown ? "\n" : " none\n", f);
    }
}

int report_write_summary(FILE *f, const struct report_input *in, size_t n,
                         const struct diff *d, struct sf_err *err)
{
    fputs("# sysflame summary\n\n", f);
    for (size_t i = 0; i < n; i++) {
        char *name = in[i].name ? xstrdup(in[i].name) : report_name_for(in[i].path);
        summary_one(f, name, in[i].profile, n > 1);
        fputc('\n', f);
        free(name);
    }
    if (d)
        summary_changes(f, d);
    if (fflush(f) != 0 || ferror(f))
        return sf_error(err, "write error");
    return 0;
}

static int emit_summary(FILE *f, void *arg, struct sf_err *err)
{
    struct ctx *c = arg;
    return report_write_summary(f, c->in, c->n, c->d, err);
}

/* ---- index.html ---- */

/* Renders fn's text output into a string (for <pre> blocks). */
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

static void html_file_link(FILE *f, const char *name, const char *ext)
{
    /* names are [A-Za-z0-9._-] only, so they are safe in URLs; escape anyway */
    fputs("<a href=\"", f);
    html_escape(f, name);
    fputs(ext, f);
    fputs("\">", f);
    html_escape(f, name);
    fputs(ext, f);
    fputs("</a>", f);
}

static void html_section(FILE *f, const char *id, const char *title, const char *svg,
                         const char *const *files, const char *stem, const char *pre)
{
    fputs("<h2 id=\"", f);
    html_escape(f, id);
    fputs("\">", f);
    html_escape(f, title);
    fputs("</h2>\n<p class=\"files\">", f);
    for (size_t i = 0; files[i]; i++)
        html_file_link(f, stem, files[i]);
    fputs("</p>\n<object class=\"flame\" type=\"image/svg+xml\" data=\"", f);
    html_escape(f, svg);
    fputs("\"><img src=\"", f);
    html_escape(f, svg);
    fputs("\" alt=\"flame graph\"></object>\n<pre>", f);
    html_escape(f, pre ? pre : "");
    fputs("</pre>\n", f);
}

static int emit_index(FILE *f, void *arg, struct sf_err *err)
{
    struct ctx *c = arg;
    struct sbuf title = SBUF_INIT;
    sbuf_addstr(&title, "sysflame report: ");
    for (size_t i = 0; i < c->n; i++)
        sbuf_addf(&title, "%s%s", i ? " vs " : "", c->names[i]);
    char *summary = render(emit_summary, c, err);
    if (!summary) {
        sbuf_release(&title);
        return -1;
    }
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
        if (!close || klen == 0 || klen > 16) {
            fputc('@', f);
            p = at + 1;
            continue;
        }
        if (klen == 5 && !memcmp(at + 1, "TITLE", 5)) {
            html_escape(f, sbuf_str(&title));
        } else if (klen == 3 && !memcmp(at + 1, "NAV", 3)) {
            fputs("<a href=\"#summary\">summary</a>", f);
            if (c->n == 2)
                fputs("<a href=\"#diff\">diff</a>", f);
            for (size_t i = 0; i < c->n; i++) {
                fputs("<a href=\"#in-", f);
                html_escape(f, c->names[i]);
                fputs("\">", f);
                html_escape(f, c->names[i]);
                fputs("</a>", f);
            }
        } else if (klen == 7 && !memcmp(at + 1, "SUMMARY", 7)) {
            html_escape(f, summary);
        } else if (klen == 4 && !memcmp(at + 1, "BODY", 4)) {
            static const char *const in_files[] = { ".svg", ".folded", NULL };
            static const char *const diff_files[] = { ".svg", ".md", ".json", NULL };
            enum writer_format keep = c->fmt;
            c->fmt = WRITER_TEXT;
            if (c->n == 2) {
                char *pre = render(emit_diff_table, c, err);
                if (!pre)
                    rc = -1;
                else
                    html_section(f, "diff", "Differences (red = grew, blue = shrank)",
                                 "diff.svg", diff_files, "diff", pre);
                free(pre);
            }
            for (size_t i = 0; i < c->n && rc == 0; i++) {
                struct ctx one = *c;
                struct report_input single = c->in[i];
                one.in = &single;
                one.n = 1;
                one.names = &c->names[i];
                char *pre = render(emit_top, &one, err);
                if (!pre) {
                    rc = -1;
                    break;
                }
                struct sbuf id = SBUF_INIT, svg = SBUF_INIT;
                sbuf_addf(&id, "in-%s", c->names[i]);
                sbuf_addf(&svg, "%s.svg", c->names[i]);
                html_section(f, sbuf_str(&id), c->names[i], sbuf_str(&svg), in_files,
                             c->names[i], pre);
                sbuf_release(&id);
                sbuf_release(&svg);
                free(pre);
            }
            c->fmt = keep;
        } else {
            fwrite(at, 1, klen + 2, f);
        }
        p = close + 1;
    }
    free(summary);
    sbuf_release(&title);
    if (rc == 0 && (fflush(f) != 0 || ferror(f)))
        rc = sf_error(err, "write error");
    return rc;
}

/* ---- driver ---- */

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
    if (make_dirs(dir, err) < 0)
        return -1;
    struct ctx c = { in, n, NULL, o, NULL, 0, WRITER_MD };
    char *names[2] = { NULL, NULL };
    for (size_t i = 0; i < n; i++)
        names[i] = in[i].name ? report_name_for(in[i].name) : report_name_for(in[i].path);
    if (n == 2 && !strcmp(names[0], names[1])) {
        /* same file name in two folders: before/after tell them apart */
        struct sbuf a = SBUF_INIT, b = SBUF_INIT;
        sbuf_addf(&a, "%s-before", names[0]);
        sbuf_addf(&b, "%s-after", names[1]);
        free(names[0]);
        free(names[1]);
        names[0] = sbuf_detach(&a);
        names[1] = sbuf_detach(&b);
    }
    c.names = names;
    struct diff d;
    int have_diff = 0, rc = 0;
    struct sbuf file = SBUF_INIT;
    for (size_t i = 0; i < n && rc == 0; i++) {
        c.cur = i;
        sbuf_reset(&file);
        sbuf_addf(&file, "%s.folded", names[i]);
        rc = emit(dir, sbuf_str(&file), emit_folded, &c, err);
        if (rc == 0) {
            sbuf_reset(&file);
            sbuf_addf(&file, "%s.svg", names[i]);
            rc = emit(dir, sbuf_str(&file), emit_svg, &c, err);
        }
    }
    if (rc == 0) {
        c.fmt = WRITER_MD;
        rc = emit(dir, "top.md", emit_top, &c, err);
    }
    if (rc == 0) {
        c.fmt = WRITER_JSON;
        rc = emit(dir, "top.json", emit_top, &c, err);
    }
    if (rc == 0 && n == 2) {
        const struct profile *b[] = { in[0].profile }, *a[] = { in[1].profile };
        rc = diff_build(b, 1, a, 1, &o->diff, &d, err);
        have_diff = rc == 0;
        c.d = have_diff ? &d : NULL;
        if (rc == 0)
            rc = emit(dir, "diff.svg", emit_diff_svg, &c, err);
        if (rc == 0) {
            c.fmt = WRITER_MD;
            rc = emit(dir, "diff.md", emit_diff_table, &c, err);
        }
        if (rc == 0) {
            c.fmt = WRITER_JSON;
            rc = emit(dir, "diff.json", emit_diff_table, &c, err);
        }
        if (rc == 0 && o->fail_if && held)
            *held = diff_cond_eval(o->fail_if, &d, why);
    }
    if (rc == 0)
        rc = emit(dir, "summary.md", emit_summary, &c, err);
    if (rc == 0) {
        c.fmt = WRITER_MD;
        rc = emit(dir, "index.html", emit_index, &c, err);
    }
    if (have_diff)
        diff_release(&d);
    sbuf_release(&file);
    free(names[0]);
    free(names[1]);
    return rc;
}
