/* cmd-report.c - 'sysflame report FILE... -o DIR': every artifact a
 * reviewer needs for one recording, or two (before, after), in one folder:
 * folded stacks, flame graphs, hotspot tables, the diff, index.html and a
 * pasteable summary.md. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "diff.h"
#include "options.h"
#include "profile.h"
#include "report.h"

static const char usage[] =
    "usage: sysflame report [options] FILE [FILE2] -o DIR\n"
    "       sysflame report [options] --before A1 A2... --after B1 B2... -o DIR\n"
    "\n"
    "Writes into DIR: index.html (the page to open: capture health, summary,\n"
    "sortable tables, the flame graphs), summary.md (the same in Markdown),\n"
    "comment.md (headline and --fail-if verdict for a pull-request comment),\n"
    "top.md, top.json, and per input <name>.folded and <name>.svg; with two\n"
    "inputs the names are before and after, plus diff.svg, diff.md, diff.json.\n"
    "DIR is replaced as a whole (it must be new, empty or an earlier report).\n"
    "Several files on one side (--before/--after) are summed.\n"
    "\n"
    "report options:\n"
    "      --before FILE...   the BEFORE side (summed)\n"
    "      --after FILE...    the AFTER side (summed)\n"
    "      --before-binary PATH, --after-binary PATH\n"
    "                         binaries for one side only\n"
    "      --ignore-comm      match stacks whatever the process name (two builds\n"
    "                         named differently): frame 0 becomes [any process]\n"
    "      --normalize        scale both sides to the same total in the diff\n"
    "      --shape after|before   whose samples the diff graph's widths are\n"
    "                         (default after)\n"
    "      --limit N          rows per table in the Markdown and HTML (default 25)\n"
    "      --fail-if EXPR     exit 3 if a diff condition holds (see 'sysflame diff')\n"
    "      --title TEXT       title of the flame graphs\n"
    "      --report-url URL   where readers of comment.md find the folder (a CI\n"
    "                         artifact's address; default: DIR/index.html)\n";

enum {
    OPT_BEFORE_BIN = OPT_COMMAND_BASE, OPT_AFTER_BIN, OPT_NORMALIZE, OPT_LIMIT,
    OPT_FAIL_IF, OPT_TITLE, OPT_IGNORE_COMM, OPT_SHAPE, OPT_REPORT_URL,
};

static const struct option report_options[] = {
    { "before-binary", required_argument, NULL, OPT_BEFORE_BIN },
    { "after-binary", required_argument, NULL, OPT_AFTER_BIN },
    { "normalize", no_argument, NULL, OPT_NORMALIZE },
    { "shape", required_argument, NULL, OPT_SHAPE },
    { "ignore-comm", no_argument, NULL, OPT_IGNORE_COMM },
    { "limit", required_argument, NULL, OPT_LIMIT },
    { "fail-if", required_argument, NULL, OPT_FAIL_IF },
    { "title", required_argument, NULL, OPT_TITLE },
    { "report-url", required_argument, NULL, OPT_REPORT_URL },
};

struct report_ctx {
    struct common_opts co;
    struct report_opts ro;
    struct strlist before_bins, after_bins;
    const char *fail_if;
};

static int report_option(int code, const char *arg, void *vctx, struct sf_err *err)
{
    struct report_ctx *c = vctx;
    unsigned long long v;
    switch (code) {
    case OPT_BEFORE_BIN: strlist_push(&c->before_bins, arg); return 1;
    case OPT_AFTER_BIN: strlist_push(&c->after_bins, arg); return 1;
    case OPT_NORMALIZE: c->ro.diff.normalize = 1; return 1;
    case OPT_REPORT_URL: c->ro.report_url = arg; return 1;
    case OPT_SHAPE:
        if (diff_shape_parse(arg, &c->ro.diff) < 0)
            return sf_error(err, "--shape: '%s' is neither 'after' nor 'before'", arg);
        return 1;
    case OPT_IGNORE_COMM: c->co.prof.comm_label = "[any process]"; return 1;
    case OPT_LIMIT:
        if (options_parse_uint(arg, 1000000000ULL, &v) < 0)
            return sf_error(err, "--limit: '%s' is not a number", arg);
        c->ro.md_limit = (size_t)v;
        return 1;
    case OPT_FAIL_IF: c->fail_if = arg; return 1;
    case OPT_TITLE: c->ro.svg.title = arg; return 1;
    }
    return 0;
}

int cmd_report(int argc, char **argv)
{
    struct report_ctx c;
    memset(&c, 0, sizeof(c));
    common_opts_init(&c.co);
    report_opts_init(&c.ro);
    struct strlist sides[2] = { { 0 }, { 0 } };
    struct profile prof[2];
    size_t loaded = 0, nsides = 0;
    struct diff_conds conds = { 0 };

    argc = cmd_take_sides(argc, argv, &sides[0], &sides[1]);
    char **inputs;
    size_t nr_inputs;
    int rc = cmd_parse(argc, argv, "report", usage, report_options,
                       SF_ARRAY_SIZE(report_options), report_option, &c, &c.co,
                       &inputs, &nr_inputs);
    if (rc >= 0)
        goto out;
    if (!c.co.output || !strcmp(c.co.output, "-")) {
        rc = cmd_usage_error("report", "-o DIR is required");
        goto out;
    }
    if (!sides[0].n && !sides[1].n && (nr_inputs == 1 || nr_inputs == 2)) {
        for (size_t i = 0; i < nr_inputs; i++)
            strlist_push(&sides[i], inputs[i]);
        nsides = nr_inputs;
    } else if (sides[0].n && sides[1].n && nr_inputs == 0) {
        nsides = 2;
    } else {
        rc = cmd_usage_error("report", "expected FILE, FILE1 FILE2, or --before FILE... "
                                       "--after FILE...");
        goto out;
    }
    if (c.fail_if) {
        struct sf_err err = { { 0 } };
        if (nsides != 2) {
            rc = cmd_usage_error("report", "--fail-if needs two inputs to compare");
            goto out;
        }
        if (diff_cond_parse(c.fail_if, &conds, &err) < 0) {
            rc = cmd_usage_error("report", "%s", err.msg);
            goto out;
        }
        c.ro.fail_if = &conds;
        c.ro.fail_if_text = c.fail_if;
    }
    for (size_t i = 0; i < nsides; i++)
        if ((rc = cmd_check_output(&c.co, (char **)sides[i].v, sides[i].n)) != 0)
            goto out;
    for (size_t i = 0; i < nsides; i++) {
        rc = cmd_load_side(&c.co, (char **)sides[i].v, sides[i].n,
                           i == 0 ? &c.before_bins : &c.after_bins, &prof[i]);
        loaded++;
        if (rc != 0)
            goto out;
    }

    const struct profile *loaded_p[2] = { &prof[0], &prof[1] };
    if ((rc = cmd_check_binaries(&c.co, loaded_p, nsides)) != 0)
        goto out;
    struct report_input in[2];
    for (size_t i = 0; i < nsides; i++) {
        in[i].paths = (const char *const *)sides[i].v;
        in[i].nr_paths = sides[i].n;
        in[i].profile = &prof[i];
    }
    struct sf_err err = { { 0 } };
    struct sbuf why = SBUF_INIT;
    int held = 0;
    struct sbuf unmatched = SBUF_INIT;
    c.ro.fail_if_unmatched = &unmatched;
    int wrc = report_write(in, nsides, c.co.output, &c.ro, &held, &why, &err);
    cmd_warn_lines(c.co.prof.quiet, "--fail-if ", sbuf_str(&unmatched));
    sbuf_release(&unmatched);
    if (wrc < 0) {
        cmd_error("%s", err.msg);
        rc = SF_EXIT_FAIL;
    } else if (held) {
        cmd_fail_if_held(c.co.prof.quiet, sbuf_str(&why));
        rc = SF_EXIT_CONDITION;
    } else {
        rc = SF_EXIT_OK;
    }
    sbuf_release(&why);
out:
    for (size_t i = 0; i < loaded; i++)
        profile_release(&prof[i]);
    diff_conds_release(&conds);
    strlist_release(&sides[0]);
    strlist_release(&sides[1]);
    strlist_release(&c.before_bins);
    strlist_release(&c.after_bins);
    common_opts_release(&c.co);
    return rc;
}
