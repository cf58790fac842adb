/* cmd-top.c - 'sysflame top FILE...': syscall-hotspot tables (per syscall,
 * per call site, per Go test, per thread) in text, md, csv or json. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "options.h"
#include "profile.h"
#include "table.h"
#include "writer.h"

static const char usage[] =
    "usage: sysflame top [options] FILE...\n"
    "\n"
    "Prints syscall-hotspot tables: per syscall (count, share, rate; errors and\n"
    "latency when sys_exit_* events were recorded too), per call site (the\n"
    "innermost frame outside the syscall wrappers), per Go test (and the runtime's\n"
    "own background work, in Go test processes), per process (command and kind:\n"
    "Go, C, interpreter, kernel thread), per thread.  Inputs are perf.data, perf\n"
    "script text or\n"
    "folded stacks.\n"
    "\n"
    "top options:\n"
    "      --sort KEY         count (default), name, errors, time, mean, p99, max\n"
    "      --limit N          at most N rows per table (default 20 for text and md,\n"
    "                         all for csv and json; 0: all)\n"
    "      --stacks N         also print the N heaviest full stacks\n"
    "      --tables LIST      syscalls,callsites,tests,subtests,processes,threads\n"
    "                         (default all)\n";

enum { OPT_SORT = OPT_COMMAND_BASE, OPT_LIMIT, OPT_STACKS, OPT_TABLES };

static const struct option top_options[] = {
    { "sort", required_argument, NULL, OPT_SORT },
    { "limit", required_argument, NULL, OPT_LIMIT },
    { "stacks", required_argument, NULL, OPT_STACKS },
    { "tables", required_argument, NULL, OPT_TABLES },
};

struct top_ctx {
    struct common_opts co;
    struct top_opts to;
    int limit_set;
};

/* Rows per table on a screen (text, md) unless --limit says otherwise;
 * csv and json, read by programs, have every row. */
#define TOP_DEFAULT_LIMIT 20

static int parse_tables(const char *arg, unsigned *mask, struct sf_err *err)
{
    static const struct { const char *name; unsigned bit; } names[] = {
        { "syscalls", TOP_SYSCALLS }, { "callsites", TOP_CALLSITES },
        { "tests", TOP_TESTS }, { "subtests", TOP_SUBTESTS },
        { "threads", TOP_THREADS }, { "processes", TOP_PROCESSES }, { "all", TOP_ALL },
    };
    struct strlist l = { 0 };
    options_split_list(&l, arg);
    *mask = 0;
    int rc = 0;
    for (size_t i = 0; i < l.n && rc == 0; i++) {
        size_t k;
        for (k = 0; k < SF_ARRAY_SIZE(names); k++)
            if (!strcmp(l.v[i], names[k].name))
                break;
        if (k == SF_ARRAY_SIZE(names)) {
            rc = sf_error(err, "--tables: '%s' is not one of syscalls, callsites, tests, "
                               "subtests, processes, threads, all", l.v[i]);
        } else {
            *mask |= names[k].bit;
        }
    }
    strlist_release(&l);
    if (rc == 0 && *mask == 0)
        rc = sf_error(err, "--tables: no table named");
    return rc < 0 ? -1 : 1;
}

static int top_option(int code, const char *arg, void *vctx, struct sf_err *err)
{
    struct top_ctx *c = vctx;
    unsigned long long v;
    switch (code) {
    case OPT_SORT:
        if (top_sort_parse(arg, &c->to.sort) < 0)
            return sf_error(err, "--sort: '%s' is not one of count, name, errors, time, mean, "
                                 "p99, max", arg);
        return 1;
    case OPT_LIMIT:
    case OPT_STACKS:
        if (options_parse_uint(arg, 1000000000ULL, &v) < 0)
            return sf_error(err, "%s: '%s' is not a number",
                            code == OPT_LIMIT ? "--limit" : "--stacks", arg);
        if (code == OPT_LIMIT) {
            c->to.limit = (size_t)v;
            c->limit_set = 1;
        }
        else
            c->to.stacks = (size_t)v;
        return 1;
    case OPT_TABLES:
        return parse_tables(arg, &c->to.tables, err);
    }
    return 0;
}

struct top_job { const struct profile *p; const struct top_opts *to; enum writer_format fmt; };

static int write_top(FILE *out, void *arg, struct sf_err *err)
{
    struct top_job *j = arg;
    struct writer *w = writer_new(out, j->fmt);
    int rc = top_write(j->p, j->to, w, err);
    if (writer_free(w, rc < 0 ? NULL : err) < 0)
        rc = -1;
    return rc;
}

/* --sort by a latency without sys_exit_* events: every latency is
 * unknown, so the order would mean nothing; says so and sorts by count. */
static void check_latency_sort(struct top_ctx *c, const struct profile *p)
{
    static const char *const names[] = { [TOP_SORT_TIME] = "time", [TOP_SORT_MEAN] = "mean",
                                         [TOP_SORT_P99] = "p99", [TOP_SORT_MAX] = "max" };
    enum top_sort k = c->to.sort;
    if (k != TOP_SORT_TIME && k != TOP_SORT_MEAN && k != TOP_SORT_P99 && k != TOP_SORT_MAX)
        return;
    for (size_t i = 0; i < p->nr_syscalls; i++)
        if (p->syscalls[i].exits)
            return;
    cmd_warn(c->co.prof.quiet, "--sort %s: latency needs sys_exit_* events, and the input has "
             "none (record -e 'syscalls:sys_exit_*' too); sorted by count", names[k]);
    c->to.sort = TOP_SORT_COUNT;
}

int cmd_top(int argc, char **argv)
{
    struct top_ctx c;
    memset(&c, 0, sizeof(c));
    common_opts_init(&c.co);
    struct top_opts init = TOP_OPTS_INIT;
    c.to = init;
    char **inputs;
    size_t nr_inputs;
    int rc = cmd_parse(argc, argv, "top", usage, top_options, SF_ARRAY_SIZE(top_options),
                       top_option, &c, &c.co, &inputs, &nr_inputs);
    if (rc >= 0)
        goto out;
    if (nr_inputs == 0) {
        rc = cmd_usage_error("top", "no input file");
        goto out;
    }
    if (!c.limit_set && (c.co.format == FORMAT_TEXT || c.co.format == FORMAT_MD))
        c.to.limit = TOP_DEFAULT_LIMIT;
    struct profile p;
    rc = cmd_load(&c.co, inputs, nr_inputs, &p);
    if (rc == 0)
        check_latency_sort(&c, &p);
    if (rc == 0) {
        struct top_job j = { &p, &c.to, (enum writer_format)c.co.format };
        rc = cmd_write_output(c.co.output, write_top, &j);
    }
    profile_release(&p);
out:
    common_opts_release(&c.co);
    return rc;
}
