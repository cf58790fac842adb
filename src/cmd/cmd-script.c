/* cmd-script.c - 'sysflame script FILE': every sample in perf script's
 * default layout with fully unwound stacks. */
#include <getopt.h>
#include <stdio.h>

#include "cmd.h"
#include "options.h"
#include "outfile.h"
#include "profile.h"
#include "script.h"

static const char usage[] =
    "usage: sysflame script [options] FILE...\n"
    "\n"
    "Prints one block per sample in perf script's default layout (the header line\n"
    "as perf prints it), then the unwound frames, innermost first.\n"
    "\n"
    "script options:\n"
    "      --kernel           also print kernel frames from the callchain\n";

enum { OPT_KERNEL = OPT_COMMAND_BASE };

static const struct option script_options[] = {
    { "kernel", no_argument, NULL, OPT_KERNEL },
};

struct script_ctx {
    struct common_opts co;
    struct script_writer w;
    FILE *out;
};

static int script_option(int code, const char *arg, void *ctx, struct sf_err *err)
{
    struct script_ctx *c = ctx;
    (void)arg;
    if (code == OPT_KERNEL) {
        c->co.prof.kernel = 1;
        return 1;
    }
    return 0;
}

static int on_start(void *arg, struct session *s, struct sf_err *err)
{
    struct script_ctx *c = arg;
    (void)err;
    script_release(&c->w);
    script_begin(&c->w, c->out, s);
    return 0;
}

static int on_sample(void *arg, const struct sess_sample *ss,
                     const struct profile_sample *ps, struct sf_err *err)
{
    struct script_ctx *c = arg;
    if (!c->co.prof.kernel) {
        /* Kernel frames come first (innermost); skip them. */
        struct profile_sample user = *ps;
        while (user.nr_frames && user.frames->kernel) {
            user.frames++;
            user.nr_frames--;
        }
        return script_sample(&c->w, ss, &user, err);
    }
    return script_sample(&c->w, ss, ps, err);
}

int cmd_script(int argc, char **argv)
{
    struct script_ctx c = { 0 };
    char **inputs;
    size_t nr_inputs;
    common_opts_init(&c.co);
    int rc = cmd_parse(argc, argv, "script", usage, script_options,
                       SF_ARRAY_SIZE(script_options), script_option, &c, &c.co,
                       &inputs, &nr_inputs);
    if (rc >= 0)
        goto out;
    if (nr_inputs == 0) {
        rc = cmd_usage_error("script", "no input file");
        goto out;
    }

    struct sf_err err = { { 0 } };
    struct outfile *of = outfile_open(c.co.output, &err);
    if (!of) {
        cmd_error("%s", err.msg);
        rc = SF_EXIT_FAIL;
        goto out;
    }
    c.out = outfile_fp(of);
    c.co.prof.on_sample = on_sample;
    c.co.prof.on_sample_arg = &c;
    c.co.prof.on_capture_start = on_start;
    c.co.prof.on_capture_arg = &c;
    struct profile p;
    rc = cmd_load(&c.co, inputs, nr_inputs, &p);
    profile_release(&p);
    if (rc != 0) {
        outfile_abort(of);
    } else if (outfile_commit(of, &err) < 0) {
        cmd_error("%s", err.msg);
        rc = SF_EXIT_FAIL;
    }
    script_release(&c.w);
out:
    common_opts_release(&c.co);
    return rc;
}
