/* diff.c - WRITER of differences: per-run row counts (table.c's grouping)
 * become per-side means and spreads, Welch's t-test separates change from
 * run-to-run noise, --fail-if conditions are parsed and evaluated on the
 * rows, and the differential flame graph is handed to svg_write with a
 * per-frame colour/tooltip hook.  Model: doc/diff-model.md. */
#include "diff.h"
#include "strlist.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ================= statistics ================= */

void diff_mean_sd(const double *v, size_t n, double *mean, double *sd)
{
    double sum = 0, ss = 0;
    for (size_t i = 0; i < n; i++)
        sum += v[i];
    *mean = n ? sum / (double)n : 0;
    if (n < 2) {
        *sd = NAN;
        return;
    }
    for (size_t i = 0; i < n; i++)
        ss += (v[i] - *mean) * (v[i] - *mean);
    *sd = sqrt(ss / (double)(n - 1));
}

/* Continued fraction for the regularized incomplete beta function,
 * evaluated with the modified Lentz method. */
static double beta_cont_frac(double a, double b, double x)
{
    const double tiny = 1e-300, eps = 1e-15;
    double c = 1.0, d = 1.0 - (a + b) * x / (a + 1.0);
    if (fabs(d) < tiny)
        d = tiny;
    d = 1.0 / d;
    double h = d;
    for (int m = 1; m <= 500; m++) {
        double m2 = 2.0 * m;
        /* even step */
        double num = m * (b - m) * x / ((a - 1.0 + m2) * (a + m2));
        d = 1.0 + num * d;
        c = 1.0 + num / c;
        d = fabs(d) < tiny ? 1.0 / tiny : 1.0 / d;
        c = fabs(c) < tiny ? tiny : c;
        h *= d * c;
        /* odd step */
        num = -(a + m) * (a + b + m) * x / ((a + m2) * (a + 1.0 + m2));
        d = 1.0 + num * d;
        c = 1.0 + num / c;
        d = fabs(d) < tiny ? 1.0 / tiny : 1.0 / d;
        c = fabs(c) < tiny ? tiny : c;
        double step = d * c;
        h *= step;
        if (fabs(step - 1.0) < eps)
            break;
    }
    return h;
}

/* I_x(a, b), the regularized incomplete beta function. */
static double incomplete_beta(double a, double b, double x)
{
    if (x <= 0)
        return 0;
    if (x >= 1)
        return 1;
    double front = exp(lgamma(a + b) - lgamma(a) - lgamma(b) +
                       a * log(x) + b * log1p(-x));
    /* the fraction converges fast on this side of the mean */
    if (x < (a + 1.0) / (a + b + 2.0))
        return front * beta_cont_frac(a, b, x) / a;
    return 1.0 - front * beta_cont_frac(b, a, 1.0 - x) / b;
}

double diff_t_two_sided(double t, double df)
{
    if (isnan(t) || !(df > 0))
        return NAN;
    if (isinf(t))
        return 0;
    return incomplete_beta(df / 2.0, 0.5, df / (df + t * t));
}

int diff_welch(double m1, double s1, size_t n1, double m2, double s2, size_t n2,
               struct welch *out)
{
    out->t = out->df = out->p = NAN;
    if (n1 < 2 || n2 < 2)
        return -1;
    double v1 = s1 * s1 / (double)n1, v2 = s2 * s2 / (double)n2;
    double se2 = v1 + v2;
    if (!(se2 > 0)) {
        /* no spread at all: any difference is real */
        out->t = m1 == m2 ? 0 : (m2 > m1 ? INFINITY : -INFINITY);
        out->df = (double)(n1 + n2 - 2);
        out->p = m1 == m2 ? 1.0 : 0.0;
        return 0;
    }
    out->t = (m2 - m1) / sqrt(se2);
    out->df = se2 * se2 / (v1 * v1 / (double)(n1 - 1) + v2 * v2 / (double)(n2 - 1));
    out->p = diff_t_two_sided(out->t, out->df);
    return 0;
}

int diff_shape_parse(const char *s, struct diff_opts *o)
{
    if (!strcmp(s, "after"))
        o->negate = 0;
    else if (!strcmp(s, "before"))
        o->negate = 1;
    else
        return -1;
    return 0;
}

/* ================= delta tables ================= */

/* A profile's total in samples (its counts are in units of
 * 10^-count_decimals). */
static uint64_t profile_units(const struct profile *p)
{
    return p->total ? p->total : stack_total(p->stacks);
}

static double profile_total(const struct profile *p)
{
    double t = (double)profile_units(p);
    return p->count_decimals ? t / (double)sf_pow10(p->count_decimals) : t;
}

/* The finest unit of the runs' counts (result.h count_decimals). */
static unsigned runs_decimals(const struct profile *const *before, size_t nb,
                              const struct profile *const *after, size_t na)
{
    unsigned d = 0;
    for (size_t i = 0; i < nb + na; i++)
        d = SF_MAX(d, (i < nb ? before[i] : after[i - nb])->count_decimals);
    return d;
}

/* Per-run weights that bring counts to units of 10^-dec samples: 1 (for
 * whole samples), times with --normalize the factor that brings each
 * run's total to the mean BEFORE total. */
static double *run_scales(const struct profile *const *runs, size_t n, double target,
                          int normalize, unsigned dec)
{
    double *s = xmalloc((n ? n : 1) * sizeof(*s));
    for (size_t i = 0; i < n; i++) {
        double t = profile_total(runs[i]);
        s[i] = normalize && t ? target / t : 1.0;
        if (dec || runs[i]->count_decimals)
            s[i] *= (double)sf_pow10(dec) / (double)sf_pow10(runs[i]->count_decimals);
    }
    return s;
}

static void row_stats(struct diff_row *r, const double *vb, size_t nb,
                      const double *va, size_t na, double alpha)
{
    diff_mean_sd(vb, nb, &r->before, &r->sd_before);
    diff_mean_sd(va, na, &r->after, &r->sd_after);
    r->delta = r->after - r->before;
    if (r->before > 0)
        r->ratio = r->after / r->before;
    else
        r->ratio = r->after > 0 ? INFINITY : NAN;
    struct welch w;
    if (diff_welch(r->before, r->sd_before, nb, r->after, r->sd_after, na, &w) == 0) {
        r->t = w.t;
        r->df = w.df;
        r->p = w.p;
        r->significant = w.p < alpha;
    } else {
        r->t = r->df = r->p = NAN;
        r->significant = -1;
    }
}

static int cmp_rows(const void *a, const void *b)
{
    const struct diff_row *x = a, *y = b;
    double dx = fabs(x->delta), dy = fabs(y->delta);
    if (dx != dy)
        return dx > dy ? -1 : 1;
    int c = strcmp(x->name, y->name);
    if (c)
        return c;
    return strcmp(x->sub ? x->sub : "", y->sub ? y->sub : "");
}

/* Count c of a profile in units of 10^-from as units of 10^-to (to >=
 * from), in *out; 0 if it does not fit an int64 (a delta must). */
static int to_unit(uint64_t c, unsigned from, unsigned to, uint64_t *out)
{
    uint64_t f = sf_pow10(to - from);
    if (c > (uint64_t)INT64_MAX / f)
        return 0;
    *out = c * f;
    return 1;
}

/* Row r's exact counts when d is single runs, not normalized (d->exact
 * cleared if one does not fit). */
static void exact_row(struct diff *d, struct diff_row *r, const struct profile *b, uint64_t cb,
                      const struct profile *a, uint64_t ca)
{
    if (d->exact && (!to_unit(cb, b->count_decimals, d->count_decimals, &r->ubefore) ||
                     !to_unit(ca, a->count_decimals, d->count_decimals, &r->uafter)))
        d->exact = 0;
    if (d->exact)   /* a change in the last decimals shows, whatever the doubles */
        r->delta = (double)((int64_t)r->uafter - (int64_t)r->ubefore) /
                   (double)sf_pow10(d->count_decimals);
}

static void build_table(struct diff *d, struct diff_table *t, enum top_dim dim,
                        const struct profile *const *before, size_t nb, const double *sb,
                        const struct profile *const *after, size_t na, const double *sa,
                        double alpha)
{
    size_t nr = nb + na;
    struct top_groups *g = xcalloc(nr, sizeof(*g));
    struct top_groups keys = TOP_GROUPS_INIT;
    for (size_t r = 0; r < nr; r++) {
        const struct profile *p = r < nb ? before[r] : after[r - nb];
        if (dim == TOP_DIM_TEST)
            top_groups_add_tests(&g[r], NULL, p);
        else
            top_groups_add(&g[r], p->stacks, dim);
        for (size_t i = 0; i < g[r].n; i++)
            top_groups_bump(&keys, g[r].v[i].name, g[r].v[i].sub, g[r].v[i].kind, 0);
    }
    double *vals = xmalloc((nr ? nr : 1) * sizeof(*vals));
    t->v = xcalloc(keys.n ? keys.n : 1, sizeof(*t->v));
    t->n = keys.n;
    for (size_t k = 0; k < keys.n; k++) {
        struct diff_row *row = &t->v[k];
        row->name = xstrdup(keys.v[k].name);
        row->sub = keys.v[k].sub ? xstrdup(keys.v[k].sub) : NULL;
        row->kind = keys.v[k].kind;
        uint64_t c[2] = { 0, 0 };
        for (size_t r = 0; r < nr; r++) {
            long i = top_groups_find(&g[r], row->name, row->sub);
            uint64_t n = i >= 0 ? g[r].v[i].count : 0;
            vals[r] = (double)n * (r < nb ? sb[r] : sa[r - nb]);
            c[r > 0] = n;
        }
        row_stats(row, vals, nb, vals + nb, na, alpha);
        exact_row(d, row, before[0], c[0], after[0], c[1]);
    }
    if (t->n)
        qsort(t->v, t->n, sizeof(*t->v), cmp_rows);
    free(vals);
    for (size_t r = 0; r < nr; r++)
        top_groups_release(&g[r]);
    free(g);
    top_groups_release(&keys);
}

int diff_build(const struct profile *const *before, size_t nb,
               const struct profile *const *after, size_t na,
               const struct diff_opts *o, struct diff *d, struct sf_err *err)
{
    memset(d, 0, sizeof(*d));
    if (!nb || !na)
        return sf_error(err, "diff needs at least one profile on each side");
    d->leaf_events = 1;
    for (size_t i = 0; i < nb + na; i++)
        d->leaf_events &= profile_leaf_is_event(i < nb ? before[i] : after[i - nb]);
    double alpha = o && o->alpha > 0 ? o->alpha : 0.05;
    int normalize = o && o->normalize;
    double target = 0;
    for (size_t i = 0; i < nb; i++)
        target += profile_total(before[i]);
    target /= (double)nb;
    double *sb = run_scales(before, nb, target, normalize, 0);
    double *sa = run_scales(after, na, target, normalize, 0);
    d->count_decimals = runs_decimals(before, nb, after, na);
    d->exact = nb == 1 && na == 1 && !normalize;
    d->runs_before = nb;
    d->runs_after = na;
    d->normalized = normalize;

    double *vals = xmalloc((nb + na) * sizeof(*vals));
    for (size_t i = 0; i < nb; i++)
        vals[i] = (double)profile_units(before[i]) * sb[i];
    for (size_t i = 0; i < na; i++)
        vals[nb + i] = (double)profile_units(after[i]) * sa[i];
    d->total.name = xstrdup("total");
    d->total.kind = ATTR_OTHER;
    row_stats(&d->total, vals, nb, vals + nb, na, alpha);
    exact_row(d, &d->total, before[0], profile_units(before[0]), after[0],
              profile_units(after[0]));
    free(vals);

    build_table(d, &d->syscalls, TOP_DIM_SYSCALL, before, nb, sb, after, na, sa, alpha);
    build_table(d, &d->callsites, TOP_DIM_CALLSITE, before, nb, sb, after, na, sa, alpha);
    build_table(d, &d->tests, TOP_DIM_TEST, before, nb, sb, after, na, sa, alpha);
    free(sb);
    free(sa);
    return 0;
}

static void table_release(struct diff_table *t)
{
    for (size_t i = 0; i < t->n; i++) {
        free(t->v[i].name);
        free(t->v[i].sub);
    }
    free(t->v);
    t->v = NULL;
    t->n = 0;
}

void diff_release(struct diff *d)
{
    free(d->total.name);
    table_release(&d->syscalls);
    table_release(&d->callsites);
    table_release(&d->tests);
    memset(d, 0, sizeof(*d));
}

/* Counts stay integers in the output when they are (single runs, not
 * normalized), as the contract's example shows. */
static int integral(const struct diff *d)
{
    return d->runs_before == 1 && d->runs_after == 1 && !d->normalized;
}

/* v samples as a count in the profiles' unit (10^-count_decimals). */
static int64_t in_unit(const struct diff *d, double v)
{
    return llround(d->count_decimals ? v * (double)sf_pow10(d->count_decimals) : v);
}

const char *diff_count_str(const struct diff *d, const struct diff_row *r, int which,
                           char *buf)
{
    uint64_t v = which == 0 ? r->ubefore : which == 1 ? r->uafter
                 : r->uafter > r->ubefore ? r->uafter - r->ubefore : r->ubefore - r->uafter;
    size_t k = 0;
    if (which == 2 && v)
        buf[k++] = r->uafter > r->ubefore ? '+' : '-';
    sf_count_str(buf + k, v, d->count_decimals, 0);
    return buf;
}

/* Cell `which` of row r (0 before, 1 after, 2 delta). */
static void write_value(struct writer *w, const struct diff *d, const struct diff_row *r,
                        int which)
{
    int is_delta = which == 2;
    double v = which == 0 ? r->before : which == 1 ? r->after : r->delta;
    if (d->exact) {
        if (is_delta)
            writer_cell_count_delta(w, (int64_t)r->uafter - (int64_t)r->ubefore,
                                    d->count_decimals);
        else
            writer_cell_count(w, which ? r->uafter : r->ubefore, d->count_decimals);
    } else if (integral(d) && isfinite(v)) {
        if (is_delta)
            writer_cell_count_delta(w, in_unit(d, v), d->count_decimals);
        else
            writer_cell_count(w, (uint64_t)in_unit(d, v), d->count_decimals);
    } else {
        writer_cell_float(w, v);
    }
}

enum { TAB_SYSCALLS, TAB_CALLSITES, TAB_TESTS };

static void write_table(struct writer *w, const struct diff *d, const struct diff_table *t,
                        int which, size_t limit)
{
    int ints = integral(d), stats = d->runs_before > 1 || d->runs_after > 1;
    enum writer_type vt = ints ? WCOL_UINT : WCOL_FLOAT;
    struct writer_col cols[12];
    size_t nc = 0;
    static const char *const keys[] = { "syscalls", "callsites", "tests" };
    const char *leaf = d->leaf_events ? "Event" : "Syscall";
    const char *titles[] = { d->leaf_events ? "Events" : "Syscalls", "Call sites",
                             "Tests and runtime work" };
    cols[nc++] = (struct writer_col){ "name", which == TAB_CALLSITES ? "Call site" :
                                      which == TAB_TESTS ? "Test or origin" : leaf, WCOL_STR, 0 };
    if (which == TAB_CALLSITES)
        cols[nc++] = (struct writer_col){ "syscall", leaf, WCOL_STR, 0 };
    if (which == TAB_TESTS)
        cols[nc++] = (struct writer_col){ "kind", "Kind", WCOL_STR, 0 };
    cols[nc++] = (struct writer_col){ "before", "Before", vt, 1 };
    cols[nc++] = (struct writer_col){ "after", "After", vt, 1 };
    cols[nc++] = (struct writer_col){ "delta", "Delta", ints ? WCOL_INT : WCOL_FLOAT, 1 };
    cols[nc++] = (struct writer_col){ "ratio", "Ratio", WCOL_FLOAT, 2 };
    if (stats) {
        cols[nc++] = (struct writer_col){ "sd_before", "SD before", WCOL_FLOAT, 1 };
        cols[nc++] = (struct writer_col){ "sd_after", "SD after", WCOL_FLOAT, 1 };
        cols[nc++] = (struct writer_col){ "p", "p (Welch)", WCOL_FLOAT, 4 };
        cols[nc++] = (struct writer_col){ "significant", "Significant", WCOL_BOOL, 0 };
    }
    writer_table_begin(w, keys[which], titles[which], cols, nc);
    size_t n = limit && limit < t->n ? limit : t->n;
    for (size_t i = 0; i < n; i++) {
        const struct diff_row *r = &t->v[i];
        writer_cell_str(w, r->name);
        if (which == TAB_CALLSITES)
            writer_cell_str(w, r->sub ? r->sub : "");
        if (which == TAB_TESTS)
            writer_cell_str(w, attr_kind_name(r->kind));
        write_value(w, d, r, 0);
        write_value(w, d, r, 1);
        write_value(w, d, r, 2);
        writer_cell_float(w, r->ratio);
        if (stats) {
            writer_cell_float(w, r->sd_before);
            writer_cell_float(w, r->sd_after);
            writer_cell_float(w, r->p);
            if (r->significant < 0)
                writer_cell_null(w);
            else
                writer_cell_bool(w, r->significant);
        }
    }
    writer_table_end(w);
}

int diff_write_tables(const struct diff *d, size_t limit, struct writer *w,
                      struct sf_err *err)
{
    writer_begin(w);
    if (d->exact) {
        writer_scalar_count(w, "before_total", "Before (samples)", d->total.ubefore,
                            d->count_decimals);
        writer_scalar_count(w, "after_total", "After (samples)", d->total.uafter,
                            d->count_decimals);
    } else if (integral(d)) {
        writer_scalar_count(w, "before_total", "Before (samples)",
                            (uint64_t)in_unit(d, d->total.before), d->count_decimals);
        writer_scalar_count(w, "after_total", "After (samples)",
                            (uint64_t)in_unit(d, d->total.after), d->count_decimals);
    } else {
        writer_scalar_float(w, "before_total", "Before (samples, mean)", d->total.before, 1);
        writer_scalar_float(w, "after_total", "After (samples, mean)", d->total.after, 1);
    }
    writer_scalar_float(w, "total_ratio", "Ratio", d->total.ratio, 3);
    writer_scalar_uint(w, "runs_before", "Runs before", d->runs_before);
    writer_scalar_uint(w, "runs_after", "Runs after", d->runs_after);
    writer_scalar_str(w, "normalized", "Normalized", d->normalized ? "yes" : "no");
    if (d->runs_before > 1 || d->runs_after > 1) {
        writer_scalar_float(w, "total_p", "Total p (Welch)", d->total.p, 4);
    }
    write_table(w, d, &d->syscalls, TAB_SYSCALLS, limit);
    write_table(w, d, &d->callsites, TAB_CALLSITES, limit);
    write_table(w, d, &d->tests, TAB_TESTS, limit);
    writer_end(w);
    FILE *f = writer_fp(w);
    if (fflush(f) != 0 || ferror(f))
        return sf_error(err, "write error");
    return 0;
}

/* ================= --fail-if ================= */

static int cond_parse_one(const char *s, size_t len, struct diff_cond *c, struct sf_err *err)
{
    char *text = xstrndup(s, len);
    char *p = text, *end;
    memset(c, 0, sizeof(*c));
    c->table = TOP_DIM_SYSCALL;
    while (isspace((unsigned char)*p))
        p++;
    static const struct { const char *prefix; enum top_dim dim; } tables[] = {
        { "syscall:", TOP_DIM_SYSCALL }, { "callsite:", TOP_DIM_CALLSITE },
        { "test:", TOP_DIM_TEST },
    };
    for (size_t i = 0; i < SF_ARRAY_SIZE(tables); i++) {
        size_t n = strlen(tables[i].prefix);
        if (!strncmp(p, tables[i].prefix, n)) {
            c->table = tables[i].dim;
            p += n;
            break;
        }
    }
    char *op = strpbrk(p, "<>");
    if (!op || op == p) {
        sf_error(err, "--fail-if: '%s': expected NAME>VALUE or NAME<VALUE (e.g. write>+20%%)", text);
        goto fail;
    }
    char *name_end = op;
    while (name_end > p && isspace((unsigned char)name_end[-1]))
        name_end--;
    c->name = xstrndup(p, (size_t)(name_end - p));
    if (!*c->name || strpbrk(c->name, " \t")) {
        sf_error(err, "--fail-if: '%s': bad name", text);
        goto fail;
    }
    c->op = *op == '>' ? DIFF_GT : DIFF_LT;
    p = op + 1;
    if (*p == '=') {
        c->op = c->op == DIFF_GT ? DIFF_GE : DIFF_LE;
        p++;
    }
    while (isspace((unsigned char)*p))
        p++;
    /* strtod would accept hex, inf and nan: check the shape first */
    const char *q = p;
    if (*q == '+' || *q == '-')
        q++;
    if (!isdigit((unsigned char)*q)) {
        sf_error(err, "--fail-if: '%s': expected a number after the comparison", text);
        goto fail;
    }
    while (isdigit((unsigned char)*q))
        q++;
    if (*q == '.') {
        q++;
        if (!isdigit((unsigned char)*q)) {
            sf_error(err, "--fail-if: '%s': bad number", text);
            goto fail;
        }
        while (isdigit((unsigned char)*q))
            q++;
    }
    errno = 0;
    c->value = strtod(p, &end);
    if (end != q || errno || !isfinite(c->value)) {
        sf_error(err, "--fail-if: '%s': bad number", text);
        goto fail;
    }
    p = end;
    if (*p == '%') {
        c->percent = 1;
        p++;
    }
    while (isspace((unsigned char)*p))
        p++;
    if (*p) {
        sf_error(err, "--fail-if: '%s': unexpected '%s'", text, p);
        goto fail;
    }
    c->text = text;
    return 0;
fail:
    free(c->name);
    free(text);
    memset(c, 0, sizeof(*c));
    return -1;
}

int diff_cond_parse(const char *expr, struct diff_conds *c, struct sf_err *err)
{
    if (!expr || !*expr)
        return sf_error(err, "--fail-if: empty expression");
    const char *s = expr;
    for (;;) {
        const char *comma = strchr(s, ',');
        size_t len = comma ? (size_t)(comma - s) : strlen(s);
        struct diff_cond one;
        if (cond_parse_one(s, len, &one, err) < 0)
            return -1;
        c->v = xrealloc(c->v, (c->n + 1) * sizeof(*c->v));
        c->v[c->n++] = one;
        if (!comma)
            break;
        s = comma + 1;
    }
    return 0;
}

void diff_conds_release(struct diff_conds *c)
{
    for (size_t i = 0; i < c->n; i++) {
        free(c->v[i].text);
        free(c->v[i].name);
    }
    free(c->v);
    c->v = NULL;
    c->n = 0;
}

/* Sum of the rows called `name` (call sites: over all their syscalls):
 * sum->before, after and, if d->exact, ubefore, uafter. */
static void cond_values(const struct diff_cond *c, const struct diff *d, struct diff_row *sum)
{
    const struct diff_table *t = c->table == TOP_DIM_CALLSITE ? &d->callsites :
                                 c->table == TOP_DIM_TEST ? &d->tests : &d->syscalls;
    memset(sum, 0, sizeof(*sum));
    if (c->table == TOP_DIM_SYSCALL && !strcmp(c->name, "total")) {
        *sum = d->total;
        return;
    }
    for (size_t i = 0; i < t->n; i++) {
        if (strcmp(t->v[i].name, c->name))
            continue;
        sum->before += t->v[i].before;
        sum->after += t->v[i].after;
        sum->ubefore += t->v[i].ubefore;
        sum->uafter += t->v[i].uafter;
    }
}

void diff_cond_unmatched(const struct diff_conds *c, const struct diff *d, struct sbuf *out)
{
    for (size_t i = 0; i < c->n; i++) {
        const struct diff_cond *k = &c->v[i];
        const struct diff_table *t = k->table == TOP_DIM_CALLSITE ? &d->callsites :
                                     k->table == TOP_DIM_TEST ? &d->tests : &d->syscalls;
        const char *what = k->table == TOP_DIM_CALLSITE ? "call site" :
                           k->table == TOP_DIM_TEST ? "test" : "syscall";
        if (k->table == TOP_DIM_SYSCALL && !strcmp(k->name, "total"))
            continue;
        const char **names = xcalloc(t->n + 1, sizeof(*names));
        size_t n = 0, found = 0;
        for (size_t r = 0; r < t->n && !found; r++) {
            found = !strcmp(t->v[r].name, k->name);
            /* call sites repeat per syscall: each name once */
            size_t j = 0;
            while (j < n && strcmp(names[j], t->v[r].name))
                j++;
            if (j == n)
                names[n++] = t->v[r].name;
        }
        if (!found) {
            sbuf_addf(out, "'%s': no %s '%s' on either side", k->text, what, k->name);
            if (n) {
                sbuf_addstr(out, "; the closest: ");
                strlist_closest(k->name, names, n, 3, out);
            }
            sbuf_addch(out, '\n');
        }
        free(names);
    }
}

int diff_cond_eval(const struct diff_conds *c, const struct diff *d, struct sbuf *why)
{
    int any = 0;
    for (size_t i = 0; i < c->n; i++) {
        const struct diff_cond *k = &c->v[i];
        struct diff_row sum;
        cond_values(k, d, &sum);
        double b = sum.before, a = sum.after, change;
        if (k->percent)
            change = b > 0 ? (a - b) / b * 100.0 : (a > 0 ? INFINITY : 0.0);
        else
            change = a - b;
        int holds = 0;
        switch (k->op) {
        case DIFF_GT: holds = change > k->value; break;
        case DIFF_GE: holds = change >= k->value; break;
        case DIFF_LT: holds = change < k->value; break;
        case DIFF_LE: holds = change <= k->value; break;
        }
        if (!holds)
            continue;
        any = 1;
        if (why) {
            /* counts as the tables print them: exact, or means to a tenth */
            char cb[DIFF_COUNT_STR], ca[DIFF_COUNT_STR], cd[DIFF_COUNT_STR];
            if (d->exact) {
                diff_count_str(d, &sum, 0, cb);
                diff_count_str(d, &sum, 1, ca);
                diff_count_str(d, &sum, 2, cd);
            } else {
                snprintf(cb, sizeof(cb), "%.1f", b);
                snprintf(ca, sizeof(ca), "%.1f", a);
                snprintf(cd, sizeof(cd), "%+.1f", change);
            }
            sbuf_addf(why, "%s: %s -> %s (", k->text, cb, ca);
            if (isinf(change))
                sbuf_addstr(why, "new");
            else if (k->percent)
                sbuf_addf(why, "%+.1f%%", change);
            else
                sbuf_addstr(why, cd);
            sbuf_addstr(why, ")\n");
        }
    }
    return any;
}

/* ================= differential flame graph ================= */

/* A prefix tree of both sides: one node per distinct path, holding the
 * inclusive and self weights of each side (means over runs). */
struct dnode {
    uint32_t parent, name;   /* name id in the drawn set */
    double b, a;             /* inclusive */
    double self_b, self_a;
};

struct dtree {
    struct dnode *v;
    size_t n, cap;
    uint32_t *slots;
    size_t nslots;
    struct stack_set *drawn;
    uint32_t aside;          /* name id of the set-aside group, UINT32_MAX if none */
    double aside_scale;      /* the width its stacks are drawn at (1 = true width) */
    unsigned dec;            /* weights are in units of 10^-dec samples */
};

static uint64_t dkey(uint32_t parent, uint32_t name)
{
    uint64_t k = ((uint64_t)parent << 32) | name;
    return sf_hash(&k, sizeof(k));
}

static void dtree_rehash(struct dtree *t)
{
    size_t n = t->nslots ? t->nslots * 2 : 1024;
    free(t->slots);
    t->slots = xmalloc(n * sizeof(*t->slots));
    memset(t->slots, 0xff, n * sizeof(*t->slots));
    t->nslots = n;
    for (size_t i = 1; i < t->n; i++) {
        size_t k = dkey(t->v[i].parent, t->v[i].name) & (n - 1);
        while (t->slots[k] != UINT32_MAX)
            k = (k + 1) & (n - 1);
        t->slots[k] = (uint32_t)i;
    }
}

static long dtree_find(const struct dtree *t, uint32_t parent, uint32_t name)
{
    size_t k = dkey(parent, name) & (t->nslots - 1);
    while (t->slots[k] != UINT32_MAX) {
        const struct dnode *n = &t->v[t->slots[k]];
        if (n->parent == parent && n->name == name)
            return t->slots[k];
        k = (k + 1) & (t->nslots - 1);
    }
    return -1;
}

static uint32_t dtree_child(struct dtree *t, uint32_t parent, uint32_t name)
{
    long i = dtree_find(t, parent, name);
    if (i >= 0)
        return (uint32_t)i;
    if ((t->n + 1) * 2 > t->nslots)
        dtree_rehash(t);
    t->v = xgrow(t->v, sizeof(*t->v), t->n + 1, &t->cap);
    memset(&t->v[t->n], 0, sizeof(t->v[t->n]));
    t->v[t->n].parent = parent;
    t->v[t->n].name = name;
    size_t k = dkey(parent, name) & (t->nslots - 1);
    while (t->slots[k] != UINT32_MAX)
        k = (k + 1) & (t->nslots - 1);
    t->slots[k] = (uint32_t)t->n;
    return (uint32_t)t->n++;
}

static void dtree_add_profile(struct dtree *t, const struct profile *p, double weight, int after)
{
    const struct stack_set *s = p->stacks;
    size_t nn = stack_nr_names(s);
    uint32_t *map = xmalloc((nn ? nn : 1) * sizeof(*map));
    for (size_t i = 0; i < nn; i++)
        map[i] = stack_intern(t->drawn, stack_name(s, (uint32_t)i),
                              stack_name_len(s, (uint32_t)i));
    size_t ns = stack_nr_stacks(s);
    for (uint32_t id = 0; id < ns; id++) {
        struct stack_view v;
        stack_get(s, id, &v);
        if (!v.count)
            continue;
        double w = (double)v.count * weight;
        uint32_t node = 0;
        if (after)
            t->v[0].a += w;
        else
            t->v[0].b += w;
        for (uint32_t f = 0; f < v.nr; f++) {
            node = dtree_child(t, node, map[v.frames[f]]);
            if (after)
                t->v[node].a += w;
            else
                t->v[node].b += w;
        }
        if (after)
            t->v[node].self_a += w;
        else
            t->v[node].self_b += w;
    }
    free(map);
}

/* A weight in units of 10^-dec samples: whole units exactly ("2.5"),
 * else to a tenth of a sample. */
static void fmt_count(char *buf, size_t cap, double v, unsigned dec)
{
    /* without separators a count takes at most 27 bytes and the NUL */
    if (dec && v >= 0 && v < 1e19 && fabs(v - nearbyint(v)) < 1e-9 && cap >= 28) {
        sf_count_str(buf, (uint64_t)nearbyint(v), dec, 0);
        return;
    }
    if (dec)
        v /= (double)sf_pow10(dec);
    if (fabs(v - nearbyint(v)) < 1e-9)
        snprintf(buf, cap, "%.0f", v);
    else
        snprintf(buf, cap, "%.1f", v);
}

static void diff_style(void *arg, const struct svg_node_info *n, struct svg_node_style *st)
{
    const struct dtree *t = arg;
    uint32_t node = 0;
    for (uint32_t i = 0; i < n->depth; i++) {
        long k = dtree_find(t, node, n->path[i]);
        if (k < 0)
            return;
        node = (uint32_t)k;
    }
    double b = t->v[node].b, a = t->v[node].a, delta = a - b;
    double big = b > a ? b : a;
    double rel = big > 0 ? delta / big : 0;    /* in [-1, 1] */
    double in = fabs(rel);
    if (in < 0.005 || big == 0) {
        snprintf(st->fill, sizeof(st->fill), "rgb(230,230,230)");
    } else {
        /* pale at small changes, saturated at +-100%; a floor keeps any
         * visible change distinguishable from "unchanged" grey */
        int c = (int)lround(225.0 - 180.0 * in);
        if (delta > 0)
            snprintf(st->fill, sizeof(st->fill), "rgb(255,%d,%d)", c, c);
        else
            snprintf(st->fill, sizeof(st->fill), "rgb(%d,%d,255)", c, c);
    }
    char sb[32], sa[32], sd[32];     /* a count without separators: <= 27 bytes */
    fmt_count(sb, sizeof(sb), b, t->dec);
    fmt_count(sa, sizeof(sa), a, t->dec);
    fmt_count(sd, sizeof(sd), fabs(delta), t->dec);
    const char *only = b == 0 && a > 0 ? ", only in after" : a == 0 && b > 0 ? ", only in before" : "";
    char scaled[40] = "";
    if (n->depth >= 1 && n->path[0] == t->aside && t->aside_scale < 1)
        snprintf(scaled, sizeof(scaled), ", drawn at %.1f%% width", 100.0 * t->aside_scale);
    /* a change that prints as zero (sums of scaled weights differ by
     * rounding) is "+0", never "-0" */
    int neg = delta < 0 && strpbrk(sd, "123456789");
    if (b > 0)
        snprintf(st->note, sizeof(st->note), "before %s, after %s, delta %s%s, ratio %.2f%s%s",
                 sb, sa, neg ? "-" : "+", sd, a / b, only, scaled);
    else
        snprintf(st->note, sizeof(st->note), "before %s, after %s, delta +%s, ratio new%s%s",
                 sb, sa, sd, only, scaled);
}

/* A set-aside stack's scaled width: its fractional part, and its index. */
struct rem {
    double r;
    size_t g;
};

static int cmp_rem(const void *pa, const void *pb)
{
    const struct rem *a = pa, *b = pb;
    if (a->r != b->r)
        return a->r > b->r ? -1 : 1;
    return a->g < b->g ? -1 : a->g > b->g;
}

/* Share of the drawn side's width the set-aside stacks may take at most. */
#define ASIDE_MAX_SHARE 0.2

/* Path of node i, root first, into *frames (grown); returns its depth. */
static size_t dtree_path(const struct dtree *t, uint32_t i, uint32_t **frames, size_t *cap,
                         size_t skip)
{
    size_t depth = 0;
    for (uint32_t k = i; k != 0; k = t->v[k].parent)
        depth++;
    *frames = xgrow(*frames, sizeof(**frames), depth + skip, cap);
    size_t pos = depth + skip;
    for (uint32_t k = i; k != 0; k = t->v[k].parent)
        (*frames)[--pos] = t->v[k].name;
    return depth;
}

int diff_svg_write(const struct profile *const *before, size_t nb,
                   const struct profile *const *after, size_t na,
                   const struct diff_opts *o, const struct svg_opts *so,
                   FILE *out, struct sf_err *err)
{
    if (!nb || !na)
        return sf_error(err, "diff needs at least one profile on each side");
    int normalize = o && o->normalize, negate = o && o->negate;
    double target = 0;
    for (size_t i = 0; i < nb; i++)
        target += profile_total(before[i]);
    target /= (double)nb;
    /* weights in the finest unit of the runs: drawn widths stay whole */
    unsigned dec = runs_decimals(before, nb, after, na);
    double *sb = run_scales(before, nb, target, normalize, dec);
    double *sa = run_scales(after, na, target, normalize, dec);

    struct dtree t;
    memset(&t, 0, sizeof(t));
    t.drawn = stack_set_new();
    t.v = xgrow(NULL, sizeof(*t.v), 1, &t.cap);
    memset(&t.v[0], 0, sizeof(t.v[0]));
    t.v[0].parent = UINT32_MAX;
    t.v[0].name = UINT32_MAX;
    t.n = 1;
    dtree_rehash(&t);
    t.dec = dec;
    /* means over runs: each run weighs scale / runs */
    for (size_t i = 0; i < nb; i++)
        dtree_add_profile(&t, before[i], sb[i] / (double)nb, 0);
    for (size_t i = 0; i < na; i++)
        dtree_add_profile(&t, after[i], sa[i] / (double)na, 1);

    /* The drawn set: each path's own width is its self weight on the drawn
     * side (AFTER; BEFORE with negate), rounded to whole samples, so the root
     * box is that side's total.  Paths with no weight there (vanished, or new
     * for negate) are drawn under one set-aside frame to the right of the
     * root box (svg_opts.aside), shrunk if needed to at most
     * ASIDE_MAX_SHARE of the drawn total: visible, never the widest box. */
    uint32_t *frames = NULL, *gone = NULL;
    size_t cap = 0, ngone = 0, gcap = 0;
    double gone_w = 0, drawn_total = 0;
    size_t nodes = t.n;
    for (size_t i = 1; i < nodes; i++) {
        double main_w = negate ? t.v[i].self_b : t.v[i].self_a;
        double other_w = negate ? t.v[i].self_a : t.v[i].self_b;
        if (main_w > 0) {
            uint64_t count = (uint64_t)llround(main_w);
            if (!count)
                count = 1;
            size_t depth = dtree_path(&t, (uint32_t)i, &frames, &cap, 0);
            stack_add(t.drawn, frames, depth, count);
            drawn_total += (double)count;
        } else if (other_w > 0) {
            gone = xgrow(gone, sizeof(*gone), ngone + 1, &gcap);
            gone[ngone++] = (uint32_t)i;
            gone_w += other_w;
        }
    }
    const char *aside_name = negate ? "[only in after]" : "[only in before]";
    t.aside = UINT32_MAX;
    t.aside_scale = 1;
    if (ngone) {
        if (drawn_total > 0 && gone_w > ASIDE_MAX_SHARE * drawn_total)
            t.aside_scale = ASIDE_MAX_SHARE * drawn_total / gone_w;
        t.aside = stack_intern(t.drawn, aside_name, strlen(aside_name));
        /* the set-aside paths also go into the tree, under their own root
         * child, so their tooltips give the vanished samples alone */
        uint32_t top = dtree_child(&t, 0, t.aside);
        /* whole-sample widths: scaled down, by largest remainder, so the
         * tower keeps its cap; stacks left with no sample are drawn as one
         * "[N smaller stacks]" box */
        uint64_t *units = xcalloc(ngone, sizeof(*units));
        if (t.aside_scale < 1) {
            struct rem *rems = xmalloc(ngone * sizeof(*rems));
            double sum = 0;
            for (size_t g = 0; g < ngone; g++) {
                double exact = (negate ? t.v[gone[g]].self_a : t.v[gone[g]].self_b) * t.aside_scale;
                units[g] = (uint64_t)floor(exact);
                sum += (double)units[g];
                rems[g] = (struct rem){ exact - floor(exact), g };
            }
            qsort(rems, ngone, sizeof(*rems), cmp_rem);
            double want = nearbyint(gone_w * t.aside_scale);
            for (size_t k = 0; k < ngone && sum < want; k++, sum += 1)
                units[rems[k].g]++;
            free(rems);
        } else {
            for (size_t g = 0; g < ngone; g++) {
                units[g] = (uint64_t)llround(negate ? t.v[gone[g]].self_a : t.v[gone[g]].self_b);
                if (!units[g])
                    units[g] = 1;
            }
        }
        size_t nsmall = 0;
        double wsmall = 0;
        for (size_t g = 0; g < ngone; g++) {
            uint32_t i = gone[g];
            double w = negate ? t.v[i].self_a : t.v[i].self_b;
            if (!units[g]) {
                nsmall++;
                wsmall += w;
                continue;
            }
            size_t depth = dtree_path(&t, i, &frames, &cap, 1);
            frames[0] = t.aside;
            stack_add(t.drawn, frames, depth + 1, units[g]);
            uint32_t node = top;
            for (size_t f = 0; f <= depth; f++) {
                if (f)
                    node = dtree_child(&t, node, frames[f]);
                if (negate)
                    t.v[node].a += w;
                else
                    t.v[node].b += w;
            }
            if (negate)
                t.v[node].self_a += w;
            else
                t.v[node].self_b += w;
        }
        if (nsmall) {
            char label[64];
            snprintf(label, sizeof(label), "[%zu smaller stacks]", nsmall);
            uint32_t path[2] = { t.aside, stack_intern(t.drawn, label, strlen(label)) };
            stack_add(t.drawn, path, 2, 1);
            uint32_t node = dtree_child(&t, top, path[1]);
            if (negate) {
                t.v[top].a += wsmall;
                t.v[node].a += wsmall;
                t.v[node].self_a += wsmall;
            } else {
                t.v[top].b += wsmall;
                t.v[node].b += wsmall;
                t.v[node].self_b += wsmall;
            }
        }
        free(units);
    }
    free(frames);
    free(gone);

    /* the legend: colours, both totals, the set-aside group */
    char l_width[160], l_aside[200];
    if (dec) {              /* fractional counts: as the titles print them */
        char dw[SF_COUNT_STR], ow[SF_COUNT_STR];
        fmt_count(dw, sizeof(dw), drawn_total, dec);
        fmt_count(ow, sizeof(ow), negate ? t.v[0].a : t.v[0].b, dec);
        snprintf(l_width, sizeof(l_width), "width = %s samples: %s (%s: %s)",
                 negate ? "before's" : "after's", dw, negate ? "after" : "before", ow);
    } else {
        snprintf(l_width, sizeof(l_width), "width = %s samples: %.0f (%s: %.0f)",
                 negate ? "before's" : "after's", drawn_total, negate ? "after" : "before",
                 negate ? t.v[0].a : t.v[0].b);
    }
    struct svg_legend_item legend[6] = {
        { "rgb(255,45,45)", "grew" },
        { "rgb(45,45,255)", "shrank" },
        { "rgb(230,230,230)", "unchanged" },
        { NULL, "(colour = each frame's change incl. callees; deeper = larger)" },
        { NULL, l_width },
        { NULL, l_aside },
    };
    size_t nr_legend = 5;
    if (ngone) {
        char gw[SF_COUNT_STR];
        if (dec)
            fmt_count(gw, sizeof(gw), gone_w, dec);
        else
            snprintf(gw, sizeof(gw), "%.0f", gone_w);
        snprintf(l_aside, sizeof(l_aside), "%s at the right: %zu stack%s, %s samples%s",
                 aside_name, ngone, ngone == 1 ? "" : "s", gw,
                 t.aside_scale < 1 ? ", drawn narrower" : "");
        nr_legend = 6;
    }

    struct svg_opts opts;
    if (so)
        opts = *so;
    else
        svg_opts_init(&opts);
    opts.compare = NULL;
    opts.style = diff_style;
    opts.style_arg = &t;
    opts.aside = ngone ? aside_name : NULL;
    opts.legend = legend;
    opts.nr_legend = nr_legend;
    opts.count_decimals = dec;
    if (!opts.title)
        opts.title = "Differential Flame Graph";
    if (!opts.subtitle)
        opts.subtitle = negate ? "BEFORE shape: red = grew, blue = shrank from before to after"
                               : "AFTER shape: red = grew, blue = shrank from before to after";
    int rc = svg_write(t.drawn, &opts, out, err);
    stack_set_free(t.drawn);
    free(t.v);
    free(t.slots);
    free(sb);
    free(sa);
    return rc;
}
