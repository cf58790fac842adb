/* cmd-info.c - 'sysflame info FILE': what a capture holds (perf version,
 * host, command line, events with sample counts, losses, time span, threads,
 * mapped binaries with build-ids, compression) and how well it unwinds. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "capinfo.h"
#include "options.h"
#include "outfile.h"
#include "profile.h"
#include "writer.h"

static const char usage[] =
    "usage: sysflame info [options] FILE\n"
    "\n"
    "Prints recording metadata, events with sample counts, lost events and\n"
    "samples, threads, mapped binaries with build-ids and unwinding statistics.\n"
    "Use --format md|csv|json for other layouts.\n";

struct info_ctx {
    struct common_opts co;
    char *path;
    struct capinfo ci;           /* copied out before the session is freed */
};

static int on_capture(void *arg, struct session *s, struct sf_err *err)
{
    struct info_ctx *c = arg;
    (void)err;
    capinfo_collect(&c->ci, s);
    return 0;
}

static double pct(uint64_t part, uint64_t whole)
{
    return whole ? (double)part / (double)whole : 0.0;
}

static int cmp_event(const void *a, const void *b)
{
    const struct capinfo_event *x = a, *y = b;
    if (x->count != y->count)
        return x->count < y->count ? 1 : -1;
    return strcmp(x->name, y->name);
}

struct info_out { struct info_ctx *c; struct profile *p; };

static void unwind_row(struct writer *w, const char *binary, const struct unwind_stat *u)
{
    writer_cell_str(w, binary);
    writer_cell_uint(w, u->samples);
    writer_cell_float(w, pct(u->to_root, u->samples));
    writer_cell_float(w, pct(u->truncated, u->samples));
    writer_cell_float(w, pct(u->unknown_pc, u->samples));
    writer_cell_float(w, pct(u->no_binary, u->samples));
    writer_cell_float(w, pct(u->other_stop, u->samples));
    writer_cell_float(w, pct(u->fp_fallback_samples, u->samples));
    writer_cell_float(w, u->samples ? (double)u->depth_sum / (double)u->samples : 0.0);
}

static int write_info(FILE *out, void *arg, struct sf_err *err)
{
    struct info_out *io = arg;
    struct info_ctx *c = io->c;
    struct profile *p = io->p;
    struct writer *w = writer_new(out, (enum writer_format)c->co.format);
    struct capinfo *ci = &c->ci;

    writer_begin(w);
    writer_scalar_str(w, "file", "File", c->path);
    writer_scalar_str(w, "mode", "Mode", ci->pipe_mode ? "pipe" : "file");
    if (ci->perf_version)
        writer_scalar_str(w, "perf_version", "perf version", ci->perf_version);
    if (ci->hostname)
        writer_scalar_str(w, "hostname", "Host", ci->hostname);
    if (ci->osrelease)
        writer_scalar_str(w, "os_release", "OS release", ci->osrelease);
    if (ci->arch)
        writer_scalar_str(w, "arch", "Arch", ci->arch);
    if (ci->cpudesc)
        writer_scalar_str(w, "cpu", "CPU", ci->cpudesc);
    if (ci->nr_cpus_online)
        writer_scalar_uint(w, "nr_cpus", "CPUs online", ci->nr_cpus_online);
    if (ci->cmdline)
        writer_scalar_str(w, "cmdline", "Command line", ci->cmdline);
    writer_scalar_str(w, "byte_order", "Byte order",
                      ci->byte_swapped ? "swapped (other endianness)" : "native");
    if (ci->compressed) {
        char comp[96];
        snprintf(comp, sizeof(comp), "%s level %u (ratio %u), %llu compressed records",
                 ci->comp_type == 1 ? "zstd" : "unknown", ci->comp_level,
                 ci->comp_ratio, (unsigned long long)ci->compressed_records);
        writer_scalar_str(w, "compression", "Compression", comp);
    } else {
        writer_scalar_str(w, "compression", "Compression", "none");
    }
    writer_scalar_str(w, "call_graph", "Call graph", callchain_mode_name(ci->call_graph));
    writer_scalar_str(w, "call_graph_means", "Which means", callchain_mode_meaning(ci->call_graph));
    writer_scalar_uint(w, "records", "Records", ci->records_total);
    if (ci->unknown_records)
        writer_scalar_uint(w, "unknown_records", "Unknown records (skipped)", ci->unknown_records);
    writer_scalar_uint(w, "samples", "Samples", ci->samples);
    uint64_t attempted = ci->samples + ci->lost_samples;
    writer_scalar_uint(w, "lost_events", "Lost events", ci->lost_events);
    writer_scalar_pct(w, "lost_events_share", "Lost events share",
                      pct(ci->lost_events, ci->samples + ci->lost_events), 2);
    writer_scalar_uint(w, "lost_samples", "Lost samples", ci->lost_samples);
    writer_scalar_pct(w, "lost_samples_share", "Lost samples share", pct(ci->lost_samples, attempted), 2);
    double dur = ci->last_time > ci->first_time
                     ? (double)(ci->last_time - ci->first_time) / 1e9 : 0.0;
    writer_scalar_float(w, "duration_s", "Time span (s)", dur, 6);
    writer_scalar_uint(w, "threads", "Threads", ci->nr_threads);
    writer_scalar_uint(w, "processes", "Processes", ci->nr_processes);
    if (pct(ci->lost_samples, attempted) > 0.01 ||
        pct(ci->lost_events, ci->samples + ci->lost_events) > 0.01)
        writer_scalar_str(w, "hint", "Hint",
                          "more than 1% of samples were lost: record with a bigger ring "
                          "buffer (perf record -m 8192 or more)");

    static const struct writer_col ev_cols[] = {
        { "name", "Event", WCOL_STR, 0 },
        { "count", "Samples", WCOL_UINT, 0 },
        { "share", "Share", WCOL_PCT, 1 },
    };
    qsort(ci->events, ci->nr_events, sizeof(*ci->events), cmp_event);
    writer_table_begin(w, "events", "Events", ev_cols, SF_ARRAY_SIZE(ev_cols));
    for (size_t i = 0; i < ci->nr_events; i++) {
        writer_cell_str(w, ci->events[i].name);
        writer_cell_uint(w, ci->events[i].count);
        writer_cell_float(w, pct(ci->events[i].count, ci->samples));
    }
    writer_table_end(w);

    static const struct writer_col map_cols[] = {
        { "path", "Binary", WCOL_STR, 0 },
        { "build_id", "Build-id", WCOL_STR, 0 },
    };
    writer_table_begin(w, "binaries", "Mapped binaries", map_cols, SF_ARRAY_SIZE(map_cols));
    for (size_t i = 0; i < ci->nr_maps; i++) {
        writer_cell_str(w, ci->maps[i].path);
        writer_cell_str(w, ci->maps[i].build_id[0] ? ci->maps[i].build_id : "-");
    }
    writer_table_end(w);

    static const struct writer_col uw_cols[] = {
        { "binary", "Binary (sampled ip)", WCOL_STR, 0 },
        { "samples", "Samples", WCOL_UINT, 0 },
        { "root", "To root", WCOL_PCT, 1 },
        { "truncated", "Truncated", WCOL_PCT, 1 },
        { "unknown_pc", "Unknown pc", WCOL_PCT, 1 },
        { "no_binary", "No binary", WCOL_PCT, 1 },
        { "other", "Other stop", WCOL_PCT, 1 },
        { "fp_fallback", "FP fallback", WCOL_PCT, 1 },
        { "mean_depth", "Mean depth", WCOL_FLOAT, 1 },
    };
    writer_table_begin(w, "unwinding", "Unwinding", uw_cols, SF_ARRAY_SIZE(uw_cols));
    unwind_row(w, "all", &p->overall);
    for (size_t i = 0; i < p->nr_per_binary; i++)
        unwind_row(w, p->per_binary[i].binary, &p->per_binary[i]);
    writer_table_end(w);

    static const struct writer_col stop_cols[] = {
        { "reason", "Unwinding stopped", WCOL_STR, 0 },
        { "samples", "Samples", WCOL_UINT, 0 },
        { "share", "Share", WCOL_PCT, 1 },
    };
    writer_table_begin(w, "stops", "Why unwinding stopped", stop_cols, SF_ARRAY_SIZE(stop_cols));
    for (int r = 0; r < UNWIND_STOP_NR; r++) {
        if (!p->overall.stops[r])
            continue;
        writer_cell_str(w, unwind_stop_name((enum unwind_stop)r));
        writer_cell_uint(w, p->overall.stops[r]);
        writer_cell_float(w, pct(p->overall.stops[r], p->overall.samples));
    }
    writer_table_end(w);

    /* Stacks the stack copy cut short: completed from another sample
     * (counted as root above) or still truncated. */
    uint64_t cut = p->overall.stitched + p->overall.stops[UNWIND_STOP_TRUNCATED];
    if (cut) {
        static const struct writer_col st_cols[] = {
            { "stack", "Cut short by the stack copy", WCOL_STR, 0 },
            { "samples", "Samples", WCOL_UINT, 0 },
            { "share", "Share", WCOL_PCT, 1 },
        };
        writer_table_begin(w, "stitching", "Stacks cut short by the stack copy", st_cols,
                           SF_ARRAY_SIZE(st_cols));
        writer_cell_str(w, "stitched");
        writer_cell_uint(w, p->overall.stitched);
        writer_cell_float(w, pct(p->overall.stitched, p->overall.samples));
        writer_cell_str(w, "still truncated");
        writer_cell_uint(w, p->overall.stops[UNWIND_STOP_TRUNCATED]);
        writer_cell_float(w, pct(p->overall.stops[UNWIND_STOP_TRUNCATED], p->overall.samples));
        writer_table_end(w);
    }

    static const struct writer_col miss_cols[] = {
        { "path", "Missing binary", WCOL_STR, 0 },
        { "reason", "Reason", WCOL_STR, 0 },
        { "samples", "Samples affected", WCOL_UINT, 0 },
    };
    if (p->nr_missing) {
        writer_table_begin(w, "missing", "Missing binaries", miss_cols, SF_ARRAY_SIZE(miss_cols));
        for (size_t i = 0; i < p->nr_missing; i++) {
            writer_cell_str(w, p->missing[i].recorded_path);
            writer_cell_str(w, p->missing[i].reason);
            writer_cell_uint(w, p->missing[i].samples);
        }
        writer_table_end(w);
    }
    writer_end(w);
    return writer_free(w, err);
}

static void info_release(struct info_ctx *c)
{
    free(c->path);
    capinfo_release(&c->ci);
}

int cmd_info(int argc, char **argv)
{
    struct info_ctx c;
    memset(&c, 0, sizeof(c));
    char **inputs;
    size_t nr_inputs;
    common_opts_init(&c.co);
    int rc = cmd_parse(argc, argv, "info", usage, NULL, 0, NULL, NULL, &c.co,
                       &inputs, &nr_inputs);
    if (rc >= 0)
        goto out;
    if (nr_inputs != 1) {
        rc = cmd_usage_error("info", "expected one input file");
        goto out;
    }
    c.path = xstrdup(inputs[0]);
    c.co.prof.capture_only = 1;
    c.co.prof.on_capture = on_capture;
    c.co.prof.on_capture_arg = &c;
    struct profile p;
    rc = cmd_load(&c.co, inputs, 1, &p);
    if (rc == 0) {
        struct info_out io = { &c, &p };
        rc = cmd_write_output(c.co.output, write_info, &io);
    }
    profile_release(&p);
out:
    info_release(&c);
    common_opts_release(&c.co);
    return rc;
}
