/* diff.h - WRITER of differences between two profiles, or two batches of
 * profiles (repeated runs per side): delta tables per syscall, call site and
 * Go test with a noise test (Welch's t-test) for batches, the --fail-if
 * condition language, and the differential flame graph (drawn by svg.h).
 * The model is documented in doc/diff-model.md. */
#ifndef DIFF_H
#define DIFF_H

#include <stdio.h>
#include <stdint.h>
#include <stddef.h>
#include "sf.h"
#include "result.h"
#include "table.h"
#include "writer.h"
#include "svg.h"

struct diff_opts {
    int normalize;        /* --normalize: every run scaled to the mean BEFORE total */
    int negate;           /* --shape before (--negate): flame graph in the BEFORE shape */
    double alpha;         /* significance level of the noise test (0.05) */
};
#define DIFF_OPTS_INIT { 0, 0, 0.05 }

struct diff_row {
    char *name;
    char *sub;            /* callsites: the syscall; else NULL */
    enum attr_kind kind;  /* tests table */
    double before, after; /* per-side mean over runs (normalized if asked) */
    double delta;         /* after - before */
    double ratio;         /* after / before; +inf if before == 0 < after, NaN if both 0 */
    double sd_before, sd_after;   /* sample standard deviation; NaN if runs < 2 */
    double t, df, p;      /* Welch's t-test; NaN if not computable */
    int significant;      /* 1 real change, 0 within noise, -1 unknown (runs < 2) */
    /* single runs, not normalized (diff_exact): before and after exactly,
     * in units of 10^-count_decimals of the diff (doubles of samples lose
     * the last decimals of large fractional counts) */
    uint64_t ubefore, uafter;
};

struct diff_table {
    struct diff_row *v;
    size_t n;
};

struct diff {
    size_t runs_before, runs_after;
    int normalized;
    struct diff_row total;        /* name "total" */
    struct diff_table syscalls, callsites, tests;
    int leaf_events;              /* every profile's leaf is an event, not a syscall */
    unsigned count_decimals;      /* the finest unit of the profiles' counts
                                     (result.h): rows are in samples, single
                                     runs print this many decimals at most */
    int exact;                    /* rows' ubefore/uafter hold the counts */
};

/* A row's count as the tables print it when d->exact: before (which 0),
 * after (1) or the change (2, signed: "+0.25", "-3", "0"), exactly
 * ("2.75").  buf: DIFF_COUNT_STR bytes; returns buf. */
#define DIFF_COUNT_STR (SF_COUNT_STR + 1)
const char *diff_count_str(const struct diff *d, const struct diff_row *r, int which,
                           char *buf);

/* "after" -> negate 0, "before" -> negate 1 (--shape); 0 ok, -1 unknown. */
int diff_shape_parse(const char *s, struct diff_opts *o);

/* Builds the delta tables.  nb, na >= 1.  0 ok, -1 error. */
int diff_build(const struct profile *const *before, size_t nb,
               const struct profile *const *after, size_t na,
               const struct diff_opts *o, struct diff *d, struct sf_err *err);
void diff_release(struct diff *d);

/* Writes before_total, after_total and the syscalls, callsites and tests
 * tables (sorted by |delta|, `limit` rows each, 0 = all) with writer_begin/
 * end.  Keys: see doc/json-schema.md.  0 ok, -1 write error. */
int diff_write_tables(const struct diff *d, size_t limit, struct writer *w,
                      struct sf_err *err);

/* ---- noise test ---- */
struct welch {
    double t, df, p;      /* p: two-sided */
};
/* Welch's unequal-variance t-test of mean m2 vs m1 (sample sds s1, s2;
 * n1, n2 >= 2).  Zero variance on both sides gives p = 0 when the means
 * differ, 1 when equal.  0 ok, -1 if n < 2. */
int diff_welch(double m1, double s1, size_t n1, double m2, double s2, size_t n2,
               struct welch *out);
/* P(|T| > t) for Student's t with df degrees of freedom (df > 0). */
double diff_t_two_sided(double t, double df);
/* Mean and sample standard deviation (NaN if n < 2) of v[0..n). */
void diff_mean_sd(const double *v, size_t n, double *mean, double *sd);

/* ---- --fail-if ---- */
enum diff_cond_op { DIFF_GT = 0, DIFF_GE, DIFF_LT, DIFF_LE };
struct diff_cond {
    char *text;           /* the condition as written */
    enum top_dim table;   /* TOP_DIM_SYSCALL, _CALLSITE or _TEST */
    char *name;           /* row name, or "total" */
    enum diff_cond_op op;
    double value;         /* percent if percent, else samples */
    int percent;
};
struct diff_conds {
    struct diff_cond *v;
    size_t n;
};
/* Parses "write>+20%,total>+10%,openat>+5,test:pkg.TestX>=+50%".
 * Grammar: COND {',' COND};  COND = [TABLE ':'] NAME OP NUMBER ['%'];
 * TABLE = syscall|callsite|test;  OP = > >= < <=;  NUMBER = [+-]digits[.digits].
 * Appends to c.  0 ok, -1 on a malformed expression (usage error). */
int diff_cond_parse(const char *expr, struct diff_conds *c, struct sf_err *err);
/* 1 if any condition holds (each holding one described on its own line in
 * `why`, e.g. "write>+20%: 100 -> 130 (+30.0%)"), else 0. */
int diff_cond_eval(const struct diff_conds *c, const struct diff *d, struct sbuf *why);
/* Appends to out a line for each condition whose name (other than
 * "total") is a row of its table on neither side: "'wirte>+10%': no syscall
 * 'wirte' on either side; the closest: write, writev, wait4". */
void diff_cond_unmatched(const struct diff_conds *c, const struct diff *d, struct sbuf *out);
void diff_conds_release(struct diff_conds *c);

/* ---- differential flame graph ---- */
/* Draws the differential flame graph (model: doc/diff-model.md) through
 * svg_write: widths are the AFTER side's samples (BEFORE's with negate), so
 * the root box is that side's total; stacks with no samples on that side are
 * drawn under a frame "[only in before]" ("[only in after]") set aside to
 * the right of the root box, at most 20% of its width; a legend row gives
 * the colours and both totals.  `so` may be NULL (defaults); its style,
 * compare, aside and legend are replaced.  0 ok, -1 error. */
int diff_svg_write(const struct profile *const *before, size_t nb,
                   const struct profile *const *after, size_t na,
                   const struct diff_opts *o, const struct svg_opts *so,
                   FILE *out, struct sf_err *err);

#endif
