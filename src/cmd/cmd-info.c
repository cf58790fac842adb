/* cmd-info.c - 'sysflame info FILE': what a capture holds (perf version,
 * host, command line, events with sample counts, losses, time span, threads,
 * mapped binaries with build-ids, compression) and how well it unwinds. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "callchain.h"
#include "options.h"
#include "outfile.h"
#include "profile.h"
#include "session.h"
#include "writer.h"

static const char usage[] =
    "usage: sysflame info [options] FILE\n"
    "\n"
    "Prints recording metadata, events with sample counts, lost events and\n"
    "samples, threads, mapped binaries with build-ids and unwinding statistics.\n"
    "Use --format md|csv|json for other layouts.\n";

struct info_map { const char *path; char build_id[41]; uint64_t samples; };
struct info_event { char *name; uint64_t count; };

/* What on_capture copies out of the session before it is freed. */
struct info_ctx {
    struct common_opts co;
    char *path;
    struct pd_info hdr;          /* shallow copy: strings duplicated below */
    enum callchain_mode call_graph;
    char *hostname, *osrelease, *perf_version, *arch, *cpudesc, *cmdline;
    struct info_event *events;
    size_t nr_events;
    struct sess_stats st;
    uint64_t records_total, unknown_records, compressed_records;
    struct info_map *maps;
    size_t nr_maps;
};

static char *dup_or_null(const char *s)
{
    return s ? xstrdup(s) : NULL;
}

static void hex_id(char out[41], const uint8_t *id, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    size_t i;
    for (i = 0; i < n && i < 20; i++) {
        out[2 * i] = hex[id[i] >> 4];
        out[2 * i + 1] = hex[id[i] & 15];
    }
    out[2 * i] = '\0';
}

static int on_capture(void *arg, struct session *s, struct sf_err *err)
{
    struct info_ctx *c = arg;
    (void)err;
    struct pd_file *pd = session_file(s);
    const struct pd_info *h = pd_get_info(pd);
    c->hdr = *h;
    c->call_graph = callchain_mode_of(pd);
    c->hostname = dup_or_null(h->hostname);
    c->osrelease = dup_or_null(h->osrelease);
    c->perf_version = dup_or_null(h->perf_version);
    c->arch = dup_or_null(h->arch);
    c->cpudesc = dup_or_null(h->cpudesc);
    struct sbuf cl = SBUF_INIT;
    for (size_t i = 0; i < h->cmdline_argc; i++) {
        if (i)
            sbuf_addch(&cl, ' ');
        sbuf_addstr(&cl, h->cmdline[i]);
    }
    c->cmdline = cl.len ? sbuf_detach(&cl) : NULL;
    sbuf_release(&cl);

    const struct sess_stats *st = session_get_stats(s);
    c->st = *st;
    c->st.samples_per_attr = NULL;
    size_t na = pd_nr_attrs(pd);
    c->events = xcalloc(na ? na : 1, sizeof(*c->events));
    for (size_t i = 0; i < na; i++) {
        uint64_t n = st->samples_per_attr ? st->samples_per_attr[i] : 0;
        if (!n)
            continue;
        const char *name = session_event_name(s, i);
        c->events[c->nr_events].name = xstrdup(name ? name : "[unknown]");
        c->events[c->nr_events++].count = n;
    }
    const struct pd_stats *ps = pd_get_stats(pd);
    for (size_t i = 0; i < PD_REC_MAX; i++)
        c->records_total += ps->records_by_type[i];
    c->records_total += ps->unknown_records;
    c->unknown_records = ps->unknown_records;
    c->compressed_records = ps->compressed_records;

    /* Executable mappings, one row per distinct file. */
    size_t nm = session_nr_all_maps(s);
    c->maps = xcalloc(nm ? nm : 1, sizeof(*c->maps));
    for (size_t i = 0; i < nm; i++) {
        const struct sess_map *m = session_all_map(s, i);
        if (!m->filename || !(m->prot & 4 /* PROT_EXEC */))
            continue;
        size_t k;
        for (k = 0; k < c->nr_maps; k++)
            if (!strcmp(c->maps[k].path, m->filename))
                break;
        if (k == c->nr_maps) {
            c->maps[k].path = xstrdup(m->filename);
            c->nr_maps++;
        }
        if (m->build_id_size && !c->maps[k].build_id[0])
            hex_id(c->maps[k].build_id, m->build_id, m->build_id_size);
    }
    /* Build-ids perf recorded in the header, for maps without one. */
    for (size_t i = 0; i < h->nr_build_ids; i++) {
        const struct pd_build_id *b = &h->build_ids[i];
        for (size_t k = 0; k < c->nr_maps; k++)
            if (b->filename && !strcmp(c->maps[k].path, b->filename) && !c->maps[k].build_id[0])
                hex_id(c->maps[k].build_id, b->id, b->size ? b->size : 20);
    }
    return 0;
}

static double pct(uint64_t part, uint64_t whole)
{
    return whole ? (double)part / (double)whole : 0.0;
}

static int cmp_event(const void *a, const void *b)
{
    const struct info_event *x = a, *y = b;
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
    const struct sess_stats *st = &c->st;

    writer_begin(w);
    writer_scalar_str(w, "file", "File", c->path);
    writer_scalar_str(w, "mode", "Mode", c->hdr.pipe_mode ? "pipe" : "file");
    if (c->perf_version)
        writer_scalar_str(w, "perf_version", "perf version", c->perf_version);
    if (c->hostname)
        writer_scalar_str(w, "hostname", "Host", c->hostname);
    if (c->osrelease)
        writer_scalar_str(w, "os_release", "OS release", c->osrelease);
    if (c->arch)
        writer_scalar_str(w, "arch", "Arch", c->arch);
    if (c->cpudesc)
        writer_scalar_str(w, "cpu", "CPU", c->cpudesc);
    if (c->hdr.nr_cpus_online)
        writer_scalar_uint(w, "nr_cpus", "CPUs online", c->hdr.nr_cpus_online);
    if (c->cmdline)
        writer_scalar_str(w, "cmdline", "Command line", c->cmdline);
    writer_scalar_str(w, "byte_order", "Byte order",
                      c->hdr.byte_swapped ? "swapped (other endianness)" : "native");
    if (c->hdr.compressed) {
        char comp[96];
        snprintf(comp, sizeof(comp), "%s level %u (ratio %u), %llu compressed records",
                 c->hdr.comp_type == 1 ? "zstd" : "unknown", c->hdr.comp_level,
                 c->hdr.comp_ratio, (unsigned long long)c->compressed_records);
        writer_scalar_str(w, "compression", "Compression", comp);
    } else {
        writer_scalar_str(w, "compression", "Compression", "none");
    }
    writer_scalar_str(w, "call_graph", "Call graph", callchain_mode_name(c->call_graph));
    writer_scalar_str(w, "call_graph_means", "Which means", callchain_mode_meaning(c->call_graph));
    writer_scalar_uint(w, "records", "Records", c->records_total);
    if (c->unknown_records)
        writer_scalar_uint(w, "unknown_records", "Unknown records (skipped)", c->unknown_records);
    writer_scalar_uint(w, "samples", "Samples", st->samples);
    uint64_t attempted = st->samples + st->lost_samples;
    writer_scalar_uint(w, "lost_events", "Lost events", st->lost_events);
    writer_scalar_pct(w, "lost_events_share", "Lost events share",
                      pct(st->lost_events, st->samples + st->lost_events), 2);
    writer_scalar_uint(w, "lost_samples", "Lost samples", st->lost_samples);
    writer_scalar_pct(w, "lost_samples_share", "Lost samples share", pct(st->lost_samples, attempted), 2);
    double dur = st->last_time > st->first_time
                     ? (double)(st->last_time - st->first_time) / 1e9 : 0.0;
    writer_scalar_float(w, "duration_s", "Time span (s)", dur, 6);
    writer_scalar_uint(w, "threads", "Threads", st->nr_threads);
    writer_scalar_uint(w, "processes", "Processes", st->nr_processes);
    if (pct(st->lost_samples, attempted) > 0.01 ||
        pct(st->lost_events, st->samples + st->lost_events) > 0.01)
        writer_scalar_str(w, "hint", "Hint",
                          "more than 1% of samples were lost: record with a bigger ring "
                          "buffer (perf record -m 8192 or more)");

    static const struct writer_col ev_cols[] = {
        { "name", "Event", WCOL_STR, 0 },
        { "count", "Samples", WCOL_UINT, 0 },
        { "share", "Share", WCOL_PCT, 1 },
    };
    qsort(c->events, c->nr_events, sizeof(*c->events), cmp_event);
    writer_table_begin(w, "events", "Events", ev_cols, SF_ARRAY_SIZE(ev_cols));
    for (size_t i = 0; i < c->nr_events; i++) {
        writer_cell_str(w, c->events[i].name);
        writer_cell_uint(w, c->events[i].count);
        writer_cell_float(w, pct(c->events[i].count, st->samples));
    }
    writer_table_end(w);

    static const struct writer_col map_cols[] = {
        { "path", "Binary", WCOL_STR, 0 },
        { "build_id", "Build-id", WCOL_STR, 0 },
    };
    writer_table_begin(w, "binaries", "Mapped binaries", map_cols, SF_ARRAY_SIZE(map_cols));
    for (size_t i = 0; i < c->nr_maps; i++) {
        writer_cell_str(w, c->maps[i].path);
        writer_cell_str(w, c->maps[i].build_id[0] ? c->maps[i].build_id : "-");
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
    free(c->hostname);
    free(c->osrelease);
    free(c->perf_version);
    free(c->arch);
    free(c->cpudesc);
    free(c->cmdline);
    for (size_t i = 0; i < c->nr_events; i++)
        free(c->events[i].name);
    free(c->events);
    for (size_t i = 0; i < c->nr_maps; i++)
        free((char *)c->maps[i].path);
    free(c->maps);
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
