/* cmd-diff.c - 'sysflame diff BEFORE AFTER': differential flame graph
 * (-o OUT.svg) and delta tables (--table), for two recordings or two
 * batches of repeated runs (--before a1 a2 --after b1 b2). */
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd.h"
#include "diff.h"
#include "options.h"
#include "profile.h"
#include "svg.h"
#include "writer.h"

static const char usage[] =
    "usage: sysflame diff [options] BEFORE AFTER [-o DIFF.svg] [--table]\n"
    "       sysflame diff [options] --before A1 A2... --after B1 B2... [-o DIFF.svg] [--table]\n"
    "       sysflame diff [options] PAIR.folded [-o DIFF.svg] [--table]\n"
    "\n"
    "Compares two captures (perf.data, perf script text or folded) or two batches of\n"
    "repeated runs; one two-column folded file (\"stack BEFORE AFTER\", difffolded.pl's)\n"
    "is both sides.\n"
    "With -o, writes a differential flame graph in the AFTER shape (widths are\n"
    "AFTER's samples; stacks gone since BEFORE are drawn apart, at the right): red\n"
    "where AFTER grew, blue where it shrank, by each frame's inclusive change.  With --table\n"
    "(or without -o), prints delta tables per syscall, call site and Go test.\n"
    "\n"
    "diff options:\n"
    "      --before FILE...   the BEFORE side (several files: repeated runs)\n"
    "      --after FILE...    the AFTER side\n"
    "      --before-binary PATH, --after-binary PATH\n"
    "                         binaries for one side only (two builds of one test)\n"
    "      --table            print the delta tables (--format text|md|csv|json)\n"
    "      --ignore-comm      match stacks whatever the process name (two builds\n"
    "                         named differently): frame 0 becomes [any process]\n"
    "      --normalize        scale every run to the same total before comparing\n"
    "      --shape after|before   whose samples the widths are (default after);\n"
    "                         --negate is --shape before\n"
    "      --limit N          at most N rows per table\n"
    "      --alpha P          significance level of the noise test (default 0.05)\n"
    "      --fail-if EXPR     exit 3 if a condition holds, e.g. 'write>+20%,total>+10%'\n"
    "      --title TEXT, --subtitle TEXT, --width PX, --minwidth PX   as for 'svg'\n";

enum {
    OPT_BEFORE_BIN = OPT_COMMAND_BASE, OPT_AFTER_BIN, OPT_TABLE, OPT_NORMALIZE,
    OPT_NEGATE, OPT_LIMIT, OPT_ALPHA, OPT_FAIL_IF, OPT_TITLE, OPT_SUBTITLE,
    OPT_WIDTH, OPT_MINWIDTH, OPT_IGNORE_COMM, OPT_SHAPE,
};

static const struct option diff_options[] = {
    { "before-binary", required_argument, NULL, OPT_BEFORE_BIN },
    { "after-binary", required_argument, NULL, OPT_AFTER_BIN },
    { "table", no_argument, NULL, OPT_TABLE },
    { "normalize", no_argument, NULL, OPT_NORMALIZE },
    { "ignore-comm", no_argument, NULL, OPT_IGNORE_COMM },
    { "negate", no_argument, NULL, OPT_NEGATE },
    { "shape", required_argument, NULL, OPT_SHAPE },
    { "limit", required_argument, NULL, OPT_LIMIT },
    { "alpha", required_argument, NULL, OPT_ALPHA },
    { "fail-if", required_argument, NULL, OPT_FAIL_IF },
    { "title", required_argument, NULL, OPT_TITLE },
    { "subtitle", required_argument, NULL, OPT_SUBTITLE },
    { "width", required_argument, NULL, OPT_WIDTH },
    { "minwidth", required_argument, NULL, OPT_MINWIDTH },
};

struct diff_ctx {
    struct common_opts co;
    struct diff_opts dopt;
    struct svg_opts so;
    struct strlist before_bins, after_bins;
    const char *fail_if;
    int table;
    size_t limit;
};

static int diff_option(int code, const char *arg, void *vctx, struct sf_err *err)
{
    struct diff_ctx *c = vctx;
    unsigned long long v;
    char *end;
    switch (code) {
    case OPT_BEFORE_BIN: strlist_push(&c->before_bins, arg); return 1;
    case OPT_AFTER_BIN: strlist_push(&c->after_bins, arg); return 1;
    case OPT_TABLE: c->table = 1; return 1;
    case OPT_NORMALIZE: c->dopt.normalize = 1; return 1;
    case OPT_IGNORE_COMM: c->co.prof.comm_label = "[any process]"; return 1;
    case OPT_NEGATE: c->dopt.negate = 1; return 1;
    case OPT_SHAPE:
        if (diff_shape_parse(arg, &c->dopt) < 0)
            return sf_error(err, "--shape: '%s' is neither 'after' nor 'before'", arg);
        return 1;
    case OPT_LIMIT:
        if (options_parse_uint(arg, 1000000000ULL, &v) < 0)
            return sf_error(err, "--limit: '%s' is not a number", arg);
        c->limit = (size_t)v;
        return 1;
    case OPT_ALPHA:
        c->dopt.alpha = strtod(arg, &end);
        if (!*arg || *end || !(c->dopt.alpha > 0 && c->dopt.alpha < 1))
            return sf_error(err, "--alpha: '%s' is not a level between 0 and 1", arg);
        return 1;
    case OPT_FAIL_IF: c->fail_if = arg; return 1;
    case OPT_TITLE: c->so.title = arg; return 1;
    case OPT_SUBTITLE: c->so.subtitle = arg; return 1;
    case OPT_WIDTH:
        if (options_parse_uint(arg, 100000, &v) < 0 || v < 100)
            return sf_error(err, "--width: '%s' is not a width in pixels", arg);
        c->so.width = (unsigned)v;
        return 1;
    case OPT_MINWIDTH:
        c->so.minwidth = strtod(arg, &end);
        if (!*arg || *end || !(c->so.minwidth >= 0))
            return sf_error(err, "--minwidth: '%s' is not a width in pixels", arg);
        return 1;
    }
    return 0;
}

/* Loads each file of one side into its own profile (runs of a batch stay
 * apart for the noise test). */
static int load_side(struct diff_ctx *c, const struct strlist *files,
                     const struct strlist *bins, struct profile **out)
{
    *out = xcalloc(files->n, sizeof(**out));
    int rc = 0;
    for (size_t i = 0; i < files->n && rc == 0; i++)
        rc = cmd_load_side(&c->co, (char **)&files->v[i], 1, bins, &(*out)[i]);
    return rc;
}

/* A capture (folder, perf.data, .zst) cannot hold both sides. */
static int is_capture(const char *path)
{
    struct stat st;
    if (!strcmp(path, "-") || stat(path, &st) < 0)
        return 0;
    if (S_ISDIR(st.st_mode))
        return 1;
    uint8_t h[8] = { 0 };
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    ssize_t n = fd < 0 ? 0 : read(fd, h, sizeof(h));
    if (fd >= 0)
        close(fd);
    return (n == 8 && (!memcmp(h, "PERFILE2", 8) || !memcmp(h, "2ELIFREP", 8))) ||
           (n >= 4 && !memcmp(h, "\x28\xb5\x2f\xfd", 4));
}

struct diff_job {
    struct diff_ctx *c;
    const struct profile *const *b, *const *a;
    size_t nb, na;
    const struct diff *d;
};

static int write_diff_svg(FILE *out, void *arg, struct sf_err *err)
{
    struct diff_job *j = arg;
    return diff_svg_write(j->b, j->nb, j->a, j->na, &j->c->dopt, &j->c->so, out, err);
}

static int write_tables(FILE *out, void *arg, struct sf_err *err)
{
    struct diff_job *j = arg;
    struct writer *w = writer_new(out, (enum writer_format)j->c->co.format);
    int rc = diff_write_tables(j->d, j->c->limit, w, err);
    if (writer_free(w, rc < 0 ? NULL : err) < 0)
        rc = -1;
    return rc;
}

int cmd_diff(int argc, char **argv)
{
    struct diff_ctx c;
    memset(&c, 0, sizeof(c));
    common_opts_init(&c.co);
    struct diff_opts dinit = DIFF_OPTS_INIT;
    c.dopt = dinit;
    svg_opts_init(&c.so);
    struct strlist before = { 0 }, after = { 0 };
    struct profile *pb = NULL, *pa = NULL;
    struct diff d;
    int have_diff = 0;
    memset(&d, 0, sizeof(d));
    struct diff_conds conds = { 0 };

    argc = cmd_take_sides(argc, argv, &before, &after);
    char **inputs;
    size_t nr_inputs;
    int rc = cmd_parse(argc, argv, "diff", usage, diff_options, SF_ARRAY_SIZE(diff_options),
                       diff_option, &c, &c.co, &inputs, &nr_inputs);
    if (rc >= 0)
        goto out;
    int pair_file = 0;
    if (nr_inputs == 2 && !before.n && !after.n) {
        strlist_push(&before, inputs[0]);
        strlist_push(&after, inputs[1]);
    } else if (nr_inputs == 1 && !before.n && !after.n && !is_capture(inputs[0])) {
        pair_file = 1;          /* a two-column folded file: both sides */
        strlist_push(&after, inputs[0]);
    } else if (nr_inputs != 0 || !before.n || !after.n) {
        rc = cmd_usage_error("diff", "expected BEFORE AFTER, --before FILE... --after FILE..., "
                             "or one two-column folded file");
        goto out;
    }
    if (c.fail_if) {
        struct sf_err err = { { 0 } };
        if (diff_cond_parse(c.fail_if, &conds, &err) < 0) {
            rc = cmd_usage_error("diff", "%s", err.msg);
            goto out;
        }
    }
    if ((rc = cmd_check_output(&c.co, (char **)before.v, before.n)) != 0 ||
        (rc = cmd_check_output(&c.co, (char **)after.v, after.n)) != 0 ||
        (!pair_file && (rc = load_side(&c, &before, &c.before_bins, &pb)) != 0) ||
        (rc = load_side(&c, &after, &c.after_bins, &pa)) != 0)
        goto out;
    struct profile pair_before;
    if (pair_file) {
        if (!cmd_before_column(&pa[0], &pair_before)) {
            cmd_error("'%s': one input is compared only when it is a two-column (differential) "
                      "folded file; give BEFORE and AFTER", after.v[0]);
            rc = SF_EXIT_FAIL;
            goto out;
        }
        strlist_push(&before, after.v[0]);
    }

    const struct profile **bp = xcalloc(before.n, sizeof(*bp));
    const struct profile **ap = xcalloc(after.n, sizeof(*ap));
    for (size_t i = 0; i < before.n; i++)
        bp[i] = pair_file ? &pair_before : &pb[i];
    for (size_t i = 0; i < after.n; i++)
        ap[i] = &pa[i];
    struct sf_err err = { { 0 } };
    const struct profile **all = xcalloc(before.n + after.n, sizeof(*all));
    memcpy(all, bp, before.n * sizeof(*all));
    memcpy(all + before.n, ap, after.n * sizeof(*all));
    rc = cmd_check_binaries(&c.co, all, before.n + after.n);
    free(all);
    if (rc) {
        free(bp);
        free(ap);
        goto out;
    }
    if (diff_build(bp, before.n, ap, after.n, &c.dopt, &d, &err) < 0) {
        cmd_error("%s", err.msg);
        rc = SF_EXIT_FAIL;
    } else {
        have_diff = 1;
        struct diff_job j = { &c, bp, ap, before.n, after.n, &d };
        rc = 0;
        /* "samples" unless a side counts syscalls, as svg says */
        int syscalls = 0;
        for (size_t i = 0; i < after.n; i++)
            syscalls |= cmd_counts_syscalls(&pa[i]);
        for (size_t i = 0; !pair_file && i < before.n; i++)
            syscalls |= cmd_counts_syscalls(&pb[i]);
        if (!syscalls)
            c.so.countname = "samples";
        if (c.co.output)
            rc = cmd_write_output(c.co.output, write_diff_svg, &j);
        if (rc == 0 && (c.table || !c.co.output))
            rc = cmd_write_output(NULL, write_tables, &j);
        if (rc == 0 && conds.n) {
            struct sbuf why = SBUF_INIT;
            diff_cond_unmatched(&conds, &d, &why);
            cmd_warn_lines(c.co.prof.quiet, "--fail-if ", sbuf_str(&why));
            sbuf_reset(&why);
            if (diff_cond_eval(&conds, &d, &why) > 0) {
                cmd_fail_if_held(c.co.prof.quiet, sbuf_str(&why));
                rc = SF_EXIT_CONDITION;
            }
            sbuf_release(&why);
        }
    }
    free(bp);
    free(ap);
out:
    if (have_diff)
        diff_release(&d);
    diff_conds_release(&conds);
    for (size_t i = 0; pb && i < before.n; i++)
        profile_release(&pb[i]);
    for (size_t i = 0; pa && i < after.n; i++)
        profile_release(&pa[i]);
    free(pb);
    free(pa);
    strlist_release(&before);
    strlist_release(&after);
    strlist_release(&c.before_bins);
    strlist_release(&c.after_bins);
    common_opts_release(&c.co);
    return rc;
}
