/* cmd-export.c - 'sysflame export FILE... --format pprof|speedscope|trace':
 * the stacks of every input, summed, for pprof, speedscope or
 * Perfetto/chrome://tracing (export.h). */
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "export.h"
#include "input_folded.h"
#include "input_perfscript.h"
#include "options.h"
#include "outfile.h"
#include "profile.h"

static const char usage[] =
    "usage: sysflame export [options] --format pprof|speedscope|trace FILE...\n"
    "\n"
    "Writes the stacks of every input (summed, as fold does) for other tools:\n"
    "  pprof       profile.proto, gzipped: go tool pprof -http=: OUT\n"
    "              (addresses, mappings, inlined frames, file:line; labels comm,\n"
    "              syscall, test; latency/nanoseconds with sys_exit events)\n"
    "  speedscope  speedscope's JSON file format, one profile per thread,\n"
    "              samples in time order\n"
    "  trace       Chrome trace-event JSON for ui.perfetto.dev and\n"
    "              chrome://tracing: a track per thread, an event per syscall\n"
    "              (lasting to its exit when the capture has exit events)\n"
    "FILE is perf.data (file, pipe or -z), perf.data.zst or -; -o is the output.\n";

struct export_ctx {
    struct common_opts co;
    enum export_format format;
    struct export *x;
};

static int write_export(FILE *out, void *arg, struct sf_err *err)
{
    struct export_ctx *c = arg;
    const char *name = c->co.output ? c->co.output : "-";
    switch (c->format) {
    case EXPORT_PPROF: return export_write_pprof(c->x, out, name, err);
    case EXPORT_SPEEDSCOPE: return export_write_speedscope(c->x, out, name, err);
    case EXPORT_TRACE: return export_write_trace(c->x, out, name, err);
    }
    return sf_error(err, "unknown export format");
}

/* Text inputs have names only: say which rather than "not a perf.data
 * file".  Their kind, or NULL. */
static const char *text_kind(const char *path)
{
    if (!strcmp(path, "-"))
        return NULL;
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return NULL;
    uint8_t head[4096];
    ssize_t n = read(fd, head, sizeof(head));
    close(fd);
    if (n <= 0 || (n >= 8 && (!memcmp(head, "PERFILE2", 8) || !memcmp(head, "2ELIFREP", 8))) ||
        (n >= 4 && head[0] == 0x28 && head[1] == 0xb5 && head[2] == 0x2f && head[3] == 0xfd))
        return NULL;
    if (ps_sniff(head, (size_t)n))
        return "perf script text has";
    return fold_sniff(head, (size_t)n) ? "folded stacks have" : NULL;
}

int cmd_export(int argc, char **argv)
{
    struct export_ctx c = { 0 };
    char **inputs;
    size_t nr_inputs;
    common_opts_init(&c.co);
    c.co.format_own = 1;
    int rc = cmd_parse(argc, argv, "export", usage, NULL, 0, NULL, &c, &c.co,
                       &inputs, &nr_inputs);
    if (rc >= 0)
        goto out;
    if (!c.co.format_arg) {
        rc = cmd_usage_error("export", "--format pprof|speedscope|trace is required");
        goto out;
    }
    if (export_format_parse(c.co.format_arg, &c.format) < 0) {
        rc = cmd_usage_error("export", "--format: '%s' is not one of pprof, speedscope, trace",
                             c.co.format_arg);
        goto out;
    }
    if (nr_inputs == 0) {
        rc = cmd_usage_error("export", "no input file");
        goto out;
    }

    for (size_t i = 0; i < nr_inputs; i++)
        if (text_kind(inputs[i])) {
            cmd_error("'%s': %s no addresses; export needs a perf.data capture",
                      inputs[i], text_kind(inputs[i]));
            rc = SF_EXIT_FAIL;
            goto out;
        }
    struct sf_err err = { { 0 } };
    c.x = export_new(&c.co.prof, inputs[0]);
    /* Every sample through the hook, in time order; addresses need a
     * capture (folded text has none). */
    c.co.prof.on_sample = export_sample;
    c.co.prof.on_sample_arg = c.x;
    c.co.prof.record_order = 1;
    c.co.prof.capture_only = 1;
    struct profile p;
    rc = cmd_load(&c.co, inputs, nr_inputs, &p);
    if (rc == 0 && export_finish(c.x, &p, &err) < 0) {
        cmd_error("%s", err.msg);
        rc = SF_EXIT_FAIL;
    }
    if (rc == 0)
        rc = cmd_write_output(c.co.output, write_export, &c);
    profile_release(&p);
out:
    export_free(c.x);
    common_opts_release(&c.co);
    return rc;
}
