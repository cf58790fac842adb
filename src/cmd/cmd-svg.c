/* cmd-svg.c - 'sysflame svg INPUT... -o OUT.svg': a self-contained
 * interactive flame graph from perf.data captures or folded stacks. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "diff.h"
#include "options.h"
#include "profile.h"
#include "session.h"
#include "svg.h"

static const char usage[] =
    "usage: sysflame svg [options] INPUT... -o OUT.svg\n"
    "\n"
    "Writes an interactive flame graph (one self-contained SVG: click to zoom,\n"
    "Ctrl-F or the Search button to highlight, hover for counts).  INPUT is\n"
    "perf.data (file, pipe, -z, .zst), perf script text, folded stacks (a two-column\n"
    "file is drawn as a differential graph), or -; several inputs are summed.\n"
    "\n"
    "svg options (as flamegraph.pl's):\n"
    "      --title TEXT       title (default \"Flame Graph\")\n"
    "      --subtitle TEXT    second line (default: the recorded command line)\n"
    "      --width PX         image width (default 1200)\n"
    "      --height PX        frame height (default 16)\n"
    "      --minwidth PX|N%   omit frames narrower than this many pixels, or this\n"
    "                         share of the total (default 0.1 px)\n"
    "      --fontsize N       font size (default 12)\n"
    "      --fonttype NAME    font family (default Verdana)\n"
    "      --colors PALETTE   auto (default: java, js or perl when the names look so,\n"
    "                         else go), go, hot, mem, io, java, js, perl, red, green,\n"
    "                         blue, aqua, yellow, purple, orange, wakeup, chain\n"
    "      --hash             colour by a hash of the name (stable across graphs)\n"
    "      --inverted         icicle graph (root on top)\n"
    "      --reverse          reverse stacks before merging\n"
    "      --countname TEXT   what a sample counts (default \"syscalls\" for syscall\n"
    "                         captures, else \"samples\")\n"
    "      --nametype TEXT    tooltip label of a frame (default \"Function:\")\n"
    "      --flamechart       time order instead of merging by name\n"
    "      --notes TEXT       notes stored in the SVG\n"
    "      --with-pid, --with-tid, --addrs, --kernel, --no-leaf   as for 'fold'\n";

enum {
    OPT_TITLE = OPT_COMMAND_BASE, OPT_SUBTITLE, OPT_WIDTH, OPT_HEIGHT, OPT_MINWIDTH,
    OPT_FONTSIZE, OPT_FONTTYPE, OPT_COLORS, OPT_HASH, OPT_INVERTED, OPT_REVERSE,
    OPT_COUNTNAME, OPT_NAMETYPE, OPT_FLAMECHART, OPT_NOTES, OPT_WITH_PID,
    OPT_WITH_TID, OPT_ADDRS, OPT_KERNEL, OPT_NO_LEAF,
};

static const struct option svg_options[] = {
    { "title", required_argument, NULL, OPT_TITLE },
    { "subtitle", required_argument, NULL, OPT_SUBTITLE },
    { "width", required_argument, NULL, OPT_WIDTH },
    { "height", required_argument, NULL, OPT_HEIGHT },
    { "minwidth", required_argument, NULL, OPT_MINWIDTH },
    { "fontsize", required_argument, NULL, OPT_FONTSIZE },
    { "fonttype", required_argument, NULL, OPT_FONTTYPE },
    { "colors", required_argument, NULL, OPT_COLORS },
    { "hash", no_argument, NULL, OPT_HASH },
    { "inverted", no_argument, NULL, OPT_INVERTED },
    { "reverse", no_argument, NULL, OPT_REVERSE },
    { "countname", required_argument, NULL, OPT_COUNTNAME },
    { "nametype", required_argument, NULL, OPT_NAMETYPE },
    { "flamechart", no_argument, NULL, OPT_FLAMECHART },
    { "notes", required_argument, NULL, OPT_NOTES },
    { "with-pid", no_argument, NULL, OPT_WITH_PID },
    { "with-tid", no_argument, NULL, OPT_WITH_TID },
    { "addrs", no_argument, NULL, OPT_ADDRS },
    { "kernel", no_argument, NULL, OPT_KERNEL },
    { "no-leaf", no_argument, NULL, OPT_NO_LEAF },
};

struct svg_ctx {
    struct common_opts co;
    struct svg_opts so;
    char *cmdline;
    int nr_captures;
    int countname_set;
};

static int parse_px(const char *opt, const char *arg, unsigned min, unsigned max, unsigned *out,
                    struct sf_err *err)
{
    unsigned long long v;
    if (options_parse_uint(arg, max, &v) < 0 || v < min)
        return sf_error(err, "%s: '%s' is not a whole number in range", opt, arg);
    *out = (unsigned)v;
    return 1;
}

static int svg_option(int code, const char *arg, void *vctx, struct sf_err *err)
{
    struct svg_ctx *c = vctx;
    struct svg_opts *o = &c->so;
    char *end;
    switch (code) {
    case OPT_TITLE: o->title = arg; return 1;
    case OPT_SUBTITLE: o->subtitle = arg; return 1;
    case OPT_WIDTH: return parse_px("--width", arg, 100, 100000, &o->width, err);
    case OPT_HEIGHT: return parse_px("--height", arg, 4, 200, &o->frame_height, err);
    case OPT_FONTSIZE: return parse_px("--fontsize", arg, 1, 200, &o->fontsize, err);
    case OPT_MINWIDTH:
        o->minwidth = strtod(arg, &end);
        o->minwidth_pct = *end == '%';
        if (!*arg || end == arg || end[o->minwidth_pct] || !(o->minwidth >= 0) ||
            o->minwidth > (o->minwidth_pct ? 100 : 10000))
            return sf_error(err, "--minwidth: '%s' is neither a width in pixels nor a "
                            "percentage", arg);
        return 1;
    case OPT_FONTTYPE: o->fonttype = arg; return 1;
    case OPT_COLORS:
        if (svg_palette_parse(arg, &o->colors) < 0)
            return sf_error(err, "--colors: '%s' is not one of %s", arg, svg_palette_names);
        return 1;
    case OPT_HASH: o->hash = 1; return 1;
    case OPT_INVERTED: o->inverted = 1; return 1;
    case OPT_REVERSE: o->reverse = 1; return 1;
    case OPT_COUNTNAME: o->countname = arg; c->countname_set = 1; return 1;
    case OPT_NAMETYPE: o->nametype = arg; return 1;
    case OPT_FLAMECHART: o->flamechart = 1; c->co.prof.record_order = 1; return 1;
    case OPT_NOTES: o->notes = arg; return 1;
    case OPT_WITH_PID: c->co.prof.with_pid = 1; return 1;
    case OPT_WITH_TID: c->co.prof.with_tid = 1; return 1;
    case OPT_ADDRS: c->co.prof.addrs = 1; return 1;
    case OPT_KERNEL: c->co.prof.kernel = 1; return 1;
    case OPT_NO_LEAF: c->co.prof.no_leaf = 1; return 1;
    }
    return 0;
}

/* The recorded command line makes the default subtitle. */
static int on_capture_header(void *arg, const struct pd_info *h, struct sf_err *err)
{
    struct svg_ctx *c = arg;
    (void)err;
    c->nr_captures++;
    if (c->cmdline || !h->cmdline_argc)
        return 0;
    struct sbuf sb = SBUF_INIT;
    for (size_t i = 0; i < h->cmdline_argc; i++) {
        if (i)
            sbuf_addch(&sb, ' ');
        sbuf_addstr(&sb, h->cmdline[i]);
    }
    c->cmdline = sbuf_detach(&sb);
    return 0;
}

struct svg_job { const struct profile *p; const struct svg_opts *so; };

static int write_svg(FILE *out, void *arg, struct sf_err *err)
{
    struct svg_job *j = arg;
    struct profile before;
    /* A two-column folded file is drawn as flamegraph.pl draws it: widths
     * from the second column, colours from the change. */
    if (cmd_before_column(j->p, &before)) {
        const struct profile *b = &before, *a = j->p;
        struct diff_opts d = DIFF_OPTS_INIT;
        return diff_svg_write(&b, 1, &a, 1, &d, j->so, out, err);
    }
    return svg_write(j->p->stacks, j->so, out, err);
}

int cmd_svg(int argc, char **argv)
{
    struct svg_ctx c;
    memset(&c, 0, sizeof(c));
    common_opts_init(&c.co);
    svg_opts_init(&c.so);
    char **inputs;
    size_t nr_inputs;
    int rc = cmd_parse(argc, argv, "svg", usage, svg_options, SF_ARRAY_SIZE(svg_options),
                       svg_option, &c, &c.co, &inputs, &nr_inputs);
    if (rc >= 0)
        goto out;
    if (nr_inputs == 0) {
        rc = cmd_usage_error("svg", "no input file");
        goto out;
    }
    /* As gzip does: hundreds of kilobytes of XML are no use on a terminal. */
    if ((!c.co.output || !strcmp(c.co.output, "-")) && isatty(STDOUT_FILENO)) {
        rc = cmd_usage_error("svg", "an SVG is not written to a terminal: use -o FILE.svg "
                                    "or redirect standard output");
        goto out;
    }
    c.co.prof.on_capture_header = on_capture_header;
    c.co.prof.on_capture_arg = &c;
    struct profile p;
    rc = cmd_load(&c.co, inputs, nr_inputs, &p);
    if (rc == 0) {
        if (!c.so.subtitle && c.cmdline && c.nr_captures == 1 && nr_inputs == 1)
            c.so.subtitle = c.cmdline;
        /* flamegraph.pl's "samples", unless the counts are syscalls (of a
         * capture, or of perf script text) */
        if (!c.countname_set && !cmd_counts_syscalls(&p))
            c.so.countname = "samples";
        c.so.count_decimals = p.count_decimals;
        struct svg_job j = { &p, &c.so };
        rc = cmd_write_output(c.co.output, write_svg, &j);
    }
    profile_release(&p);
out:
    free(c.cmdline);
    common_opts_release(&c.co);
    return rc;
}
