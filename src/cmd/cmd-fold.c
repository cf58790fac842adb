/* cmd-fold.c - 'sysflame fold FILE...': folded stacks of every input,
 * summed, one unique stack a line, sorted. */
#include <getopt.h>
#include <stdio.h>

#include "cmd.h"
#include "fold.h"
#include "options.h"
#include "profile.h"

static const char usage[] =
    "usage: sysflame fold [options] FILE...\n"
    "\n"
    "Writes folded stacks (comm;root;...;leaf COUNT), one unique stack a line,\n"
    "sorted; FILE is perf.data (file, pipe or -z), perf.data.zst, perf script text,\n"
    "folded text (one or two columns) or -.\n"
    "\n"
    "fold options:\n"
    "      --with-pid         first frame is comm-PID (stackcollapse-perf.pl --pid)\n"
    "      --with-tid         first frame is comm-PID/TID (stackcollapse-perf.pl --tid)\n"
    "      --addrs            append +0xOFFSET to frames; unknown frames by address\n"
    "      --kernel           include kernel frames (suffix _[k]) from the callchain\n"
    "      --no-leaf          no syscall/event name as the leaf frame (what\n"
    "                         stackcollapse-perf.pl gives for one event)\n";

enum { OPT_WITH_PID = OPT_COMMAND_BASE, OPT_WITH_TID, OPT_ADDRS, OPT_KERNEL, OPT_NO_LEAF };

static const struct option fold_options[] = {
    { "with-pid", no_argument, NULL, OPT_WITH_PID },
    { "with-tid", no_argument, NULL, OPT_WITH_TID },
    { "addrs", no_argument, NULL, OPT_ADDRS },
    { "kernel", no_argument, NULL, OPT_KERNEL },
    { "no-leaf", no_argument, NULL, OPT_NO_LEAF },
};

static int fold_option(int code, const char *arg, void *ctx, struct sf_err *err)
{
    struct common_opts *co = ctx;
    (void)arg;
    switch (code) {
    case OPT_WITH_PID: co->prof.with_pid = 1; return 1;
    case OPT_WITH_TID: co->prof.with_tid = 1; return 1;
    case OPT_ADDRS: co->prof.addrs = 1; return 1;
    case OPT_KERNEL: co->prof.kernel = 1; return 1;
    case OPT_NO_LEAF: co->prof.no_leaf = 1; return 1;
    }
    return 0;
}

static int write_folded(FILE *out, void *arg, struct sf_err *err)
{
    struct profile *p = arg;
    return fold_write_dec(p->stacks, p->count_decimals, out, err);
}

int cmd_fold(int argc, char **argv)
{
    struct common_opts co;
    char **inputs;
    size_t nr_inputs;
    common_opts_init(&co);
    int rc = cmd_parse(argc, argv, "fold", usage, fold_options,
                       SF_ARRAY_SIZE(fold_options), fold_option, &co, &co,
                       &inputs, &nr_inputs);
    if (rc >= 0)
        goto out;
    if (nr_inputs == 0) {
        rc = cmd_usage_error("fold", "no input file");
        goto out;
    }

    struct profile p;
    rc = cmd_load(&co, inputs, nr_inputs, &p);
    if (rc == 0)
        rc = cmd_write_output(co.output, write_folded, &p);
    profile_release(&p);
out:
    common_opts_release(&co);
    return rc;
}
