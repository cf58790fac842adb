/* cmd-util.c - what every command does the same way: parse the shared
 * options, load the inputs through the pipeline, report errors and the
 * missing-binary summary on standard error. */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "options.h"
#include "outfile.h"
#include "profile.h"

static void say(const char *kind, const char *fmt, va_list ap, const char *cmd)
{
    fputs("sysflame: ", stderr);
    fputs(kind, stderr);
    vfprintf(stderr, fmt, ap);
    if (cmd)
        fprintf(stderr, "; see 'sysflame %s --help'", cmd);
    fputc('\n', stderr);
}

void cmd_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    say("", fmt, ap, NULL);
    va_end(ap);
}

int cmd_usage_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    say("", fmt, ap, cmd);
    va_end(ap);
    return SF_EXIT_USAGE;
}

void cmd_note(int quiet, const char *fmt, ...)
{
    if (quiet)
        return;
    va_list ap;
    va_start(ap, fmt);
    say("", fmt, ap, NULL);
    va_end(ap);
}

void cmd_warn(int quiet, const char *fmt, ...)
{
    if (quiet)
        return;
    va_list ap;
    va_start(ap, fmt);
    say("warning: ", fmt, ap, NULL);
    va_end(ap);
}

void cmd_warn_lines(int quiet, const char *prefix, const char *text)
{
    while (!quiet && *text) {
        size_t n = strcspn(text, "\n");
        cmd_warn(0, "%s%.*s", prefix, (int)n, text);
        text += n + (text[n] == '\n');
    }
}

void cmd_fail_if_held(int quiet, const char *why)
{
    while (!quiet && *why) {
        size_t n = strcspn(why, "\n");
        cmd_error("--fail-if holds: %.*s", (int)n, why);
        why += n + (why[n] == '\n');
    }
}

/* Common options that not every command takes: the others refuse them
 * (exit 2) and do not list them in --help, so no option is listed and then
 * silently ignored (tests/sync-docs.sh checks both). */
static int common_applies(const char *cmd, int code)
{
    if (code == OPT_FORMAT)        /* the table writers' layouts, export's formats */
        return !strcmp(cmd, "info") || !strcmp(cmd, "top") || !strcmp(cmd, "diff") ||
               !strcmp(cmd, "export");
    return 1;
}

/* The common options block of --help, as `cmd` takes them. */
static void print_common_help(const char *cmd)
{
    const char *line = options_common_help;
    int skip = 0;
    while (*line) {
        size_t n = strcspn(line, "\n");
        /* an option's first line starts within its first six columns; the
         * lines that go on describing it are indented further */
        if (strspn(line, " ") < 7) {
            const char *f = strstr(line, "--format ");
            skip = !common_applies(cmd, OPT_FORMAT) && f && (size_t)(f - line) < n;
            if (!strcmp(cmd, "report") && !strncmp(line, "  -o, --output", 14)) {
                printf("  -o, --output DIR       the folder to write (required)\n");
                skip = 1;
            }
        }
        if (!skip)
            printf("%.*s\n", (int)n, line);
        line += n + (line[n] == '\n');
    }
}

int cmd_parse(int argc, char **argv, const char *name, const char *usage,
              const struct option *extra, size_t nr_extra,
              int (*handle_extra)(int code, const char *arg, void *ctx,
                                  struct sf_err *err),
              void *ctx, struct common_opts *co, char ***inputs,
              size_t *nr_inputs)
{
    static const struct option common[] = { OPTIONS_COMMON };
    size_t nc = SF_ARRAY_SIZE(common);
    struct option *all = xcalloc(nc + nr_extra + 1, sizeof(*all));
    memcpy(all, common, nc * sizeof(*all));
    if (nr_extra)
        memcpy(all + nc, extra, nr_extra * sizeof(*all));

    struct sf_err err = { { 0 } };
    int c, li = -1, status = -1;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, OPTIONS_COMMON_SHORT, all, &li)) != -1) {
        if (c == '?' || c == ':') {
            const char *bad = argv[optind - 1];
            if (optopt && c == '?' && !strchr(OPTIONS_COMMON_SHORT, optopt))
                status = cmd_usage_error(name, "unknown option '-%c'", optopt);
            else
                status = cmd_usage_error(name, "bad option '%s'", bad);
            break;
        }
        int r = common_applies(name, c) ? options_common(c, optarg, co, &err) : 0;
        if (r == 0 && handle_extra && common_applies(name, c))
            r = handle_extra(c, optarg, ctx, &err);
        if (r < 0) {
            status = cmd_usage_error(name, "%s", err.msg);
            break;
        }
        if (r == 0) {
            if (li >= 0)
                status = cmd_usage_error(name, "option '--%s' does not apply to %s",
                                         all[li].name, name);
            else
                status = cmd_usage_error(name, "option '-%c' does not apply to %s", c, name);
            break;
        }
        li = -1;
    }
    free(all);
    if (status >= 0)
        return status;
    if (co->help) {
        printf("%s\ncommon options:\n", usage);
        print_common_help(name);
        return SF_EXIT_OK;
    }
    *inputs = argv + optind;
    *nr_inputs = (size_t)(argc - optind);
    return -1;
}

int cmd_check_output(const struct common_opts *co, char **inputs, size_t nr_inputs)
{
    struct sf_err err = { { 0 } };
    if (co->output &&
        (outfile_check_inputs(co->output, (const char *const *)inputs, nr_inputs, &err) < 0 ||
         outfile_check_inputs(co->output, co->prof.bin.binaries, co->prof.bin.nr_binaries,
                              &err) < 0)) {
        cmd_error("%s", err.msg);
        return SF_EXIT_USAGE;
    }
    return 0;
}

/* A capture that ends inside its data section: what probably happened,
 * and that the samples before the cut are what was read. */
static void warn_cut(int quiet, const struct input_info *in)
{
    if (in->cut_compressed)
        cmd_warn(quiet, "'%s': its compressed data ends %llu bytes into a record: perf record "
                 "did not write the end of its last compressed block (perf script leaves "
                 "that record out too); read the %llu samples before it", in->path,
                 (unsigned long long)in->cut_compressed, (unsigned long long)in->samples);
    if (!in->cut_at)
        return;
    if (in->cut_in_stream)
        cmd_warn(quiet, "'%s': the stream ends inside a record, at byte %llu: perf record was "
                 "killed, or the copy is incomplete; read the %llu samples before it",
                 in->path, (unsigned long long)in->cut_at, (unsigned long long)in->samples);
    else if (in->cut_after_data)
        cmd_warn(quiet, "'%s': the file ends at byte %llu, in the sections perf writes after "
                 "the data: the copy is incomplete, or perf record was interrupted while "
                 "finishing it; the data is whole (%llu samples), the event names and "
                 "build-ids may be missing", in->path, (unsigned long long)in->cut_at,
                 (unsigned long long)in->samples);
    else if (in->cut_no_size)
        cmd_warn(quiet, "'%s': perf record did not finish this file (its header gives no data "
                 "size): it was killed, or the copy is incomplete; read the %llu samples up "
                 "to its end at byte %llu, without the event names and build-ids perf writes "
                 "last", in->path, (unsigned long long)in->samples,
                 (unsigned long long)in->cut_at);
    else
        cmd_warn(quiet, "'%s': the file ends at byte %llu, inside its data section (offset "
                 "%llu, size %llu): the copy is incomplete, or perf record was interrupted "
                 "while writing it; read the %llu samples before the cut, without the event "
                 "names and build-ids perf writes last", in->path,
                 (unsigned long long)in->cut_at, (unsigned long long)in->data_offset,
                 (unsigned long long)in->recorded_data_size, (unsigned long long)in->samples);
}

/* More than 1% of a capture's samples lost: every count and share is of
 * what remained. */
static void warn_lost(int quiet, const struct input_info *in)
{
    uint64_t lost = in->lost_samples > in->lost_events ? in->lost_samples : in->lost_events;
    if (!lost || lost * 100 <= in->samples + lost)
        return;
    cmd_warn(quiet, "'%s': perf lost %llu of %llu samples (%.1f%%), so counts and shares are "
             "of the rest; record with a bigger ring buffer (perf record -m 8192 or more)",
             in->path, (unsigned long long)lost, (unsigned long long)(in->samples + lost),
             100.0 * (double)lost / (double)(in->samples + lost));
}

/* Whether a filter value v of dimension d matched a name the inputs had
 * (an event by its full name or the part after "group:"). */
static int filter_matched(enum filter_dim d, const char *v, const struct name_list *seen)
{
    for (size_t i = 0; i < seen->n; i++) {
        const char *colon = d == FILTER_EVENT ? strchr(seen->v[i], ':') : NULL;
        if (!strcmp(seen->v[i], v) || (colon && !strcmp(colon + 1, v)))
            return 1;
    }
    return 0;
}


/* Samples whose stack holds a kernel frame that no symbol named. */
static uint64_t kernel_unnamed_samples(struct profile *p)
{
    uint64_t n = 0;
    for (size_t id = 0; id < stack_nr_stacks(p->stacks); id++) {
        struct stack_view v;
        stack_get(p->stacks, (uint32_t)id, &v);
        for (uint32_t i = 0; i < v.nr; i++) {
            const struct frame_info *fi = frame_table_get(&p->frames, v.frames[i]);
            if (fi && fi->kind == FRAME_KERNEL && !fi->function) {
                n += v.count;
                break;
            }
        }
    }
    return n;
}

/* A filter value that matches no sample: names the filter and the closest
 * values the captures have.  Folded inputs know no more than their text. */
static void warn_filters(const struct profile_opts *o, const struct profile *p)
{
    static const char *const opt[FILTER_NR] = { "--comm", "--pid", "--tid", "--event",
                                                "--syscall" };
    static const char *const what[FILTER_NR] = { "process names", "pids", "tids", "events",
                                                 "syscalls" };
    const struct strlist *lists[FILTER_NR] = { &o->comms, &o->pids, &o->tids, &o->events,
                                               &o->syscalls };
    int given = 0, missed = 0;
    for (size_t i = 0; i < p->nr_inputs; i++)
        if (p->inputs[i].is_folded)
            return;
    for (size_t d = 0; d < FILTER_NR; d++) {
        const struct name_list *seen = &p->seen[d];
        for (size_t i = 0; i < lists[d]->n; i++) {
            const char *v = lists[d]->v[i];
            given = 1;
            if (filter_matched((enum filter_dim)d, v, seen))
                continue;
            missed = 1;
            struct sbuf near = SBUF_INIT;
            strlist_closest(v, seen->v, seen->n, 3, &near);
            if (seen->n)
                cmd_warn(o->quiet, "%s '%s' matches no sample; the closest %s in the "
                         "input: %s", opt[d], v, what[d], sbuf_str(&near));
            else
                cmd_warn(o->quiet, "%s '%s' matches no sample; the input has no %s", opt[d], v,
                         what[d]);
            sbuf_release(&near);
        }
    }
    if (given && !missed && !p->total)
        cmd_warn(o->quiet, "no sample matches all the filters together (each matches some)");
}

static int load_inputs(struct common_opts *co, char **inputs, size_t nr_inputs,
                       struct profile *p, int check_binaries);

int cmd_load(struct common_opts *co, char **inputs, size_t nr_inputs,
             struct profile *p)
{
    return load_inputs(co, inputs, nr_inputs, p, 1);
}

static int load_inputs(struct common_opts *co, char **inputs, size_t nr_inputs,
                       struct profile *p, int check_binaries)
{
    struct sf_err err = { { 0 } };
    int rc = cmd_check_output(co, inputs, nr_inputs);
    if (rc) {
        memset(p, 0, sizeof(*p));       /* the caller releases it */
        return rc;
    }
    if (profile_load((const char *const *)inputs, nr_inputs, &co->prof, p, &err) < 0) {
        cmd_error("%s", err.msg);
        return SF_EXIT_FAIL;
    }
    for (size_t i = 0; i < p->nr_inputs; i++) {
        const struct input_info *in = &p->inputs[i];
        warn_cut(co->prof.quiet, in);
        warn_lost(co->prof.quiet, in);
        /* text inputs: the lines left out, once per input, at the end */
        if (in->skipped_lines)
            cmd_warn(co->prof.quiet, "'%s': %llu line%s skipped (%s), the first line %zu",
                     in->path, (unsigned long long)in->skipped_lines,
                     in->skipped_lines == 1 ? "" : "s", in->skipped_what, in->first_skipped);
        /* fractional counts are kept, to SF_COUNT_DEC_MAX decimals */
        if (in->counts_rounded)
            cmd_warn(co->prof.quiet, "'%s': %llu count%s with more than %d decimals rounded "
                     "to %d", in->path, (unsigned long long)in->counts_rounded,
                     in->counts_rounded == 1 ? "" : "s", SF_COUNT_DEC_MAX, SF_COUNT_DEC_MAX);
        if (in->exits_skipped)
            cmd_note(co->prof.quiet, "'%s': %llu sys_exit_* samples left out (--event "
                     "names them to keep them)", in->path,
                     (unsigned long long)in->exits_skipped);
    }
    if (p->recorder_samples)
        cmd_note(co->prof.quiet, "left out %llu samples of the perf process that recorded "
                 "the capture (pid %u); --keep-recorder keeps them",
                 (unsigned long long)p->recorder_samples, p->recorder_pid);
    warn_filters(&co->prof, p);
    for (size_t i = 0; i < p->nr_missing; i++) {
        const struct binary_missing *m = &p->missing[i];
        if (!m->samples)
            continue;
        cmd_warn(co->prof.quiet, "%s: %s (%llu samples affected); use --binary PATH, "
                 "--symfs DIR or --debug-dir DIR", m->recorded_path, m->reason,
                 (unsigned long long)m->samples);
    }
    /* Kernel addresses move at every boot: they are named only from the
     * recording boot's symbols (--kallsyms), else they print as unknown. */
    uint64_t unnamed = kernel_unnamed_samples(p);
    if (unnamed)
        cmd_warn(co->prof.quiet, "%llu samples have kernel frames without a name: %s",
                 (unsigned long long)unnamed, co->prof.bin.kallsyms
                 ? "their addresses are not in --kallsyms (a file from another boot?)"
                 : "pass --kallsyms FILE, the /proc/kallsyms of the boot that recorded them");
    /* Samples with neither user registers nor a call chain: most of them
     * means the capture was recorded without -g / --call-graph. */
    if (p->overall.samples && p->overall.stops[UNWIND_STOP_NO_REGS] * 2 > p->overall.samples)
        cmd_warn(co->prof.quiet, "%llu of %llu samples were recorded without a call graph; "
                 "record with --call-graph dwarf",
                 (unsigned long long)p->overall.stops[UNWIND_STOP_NO_REGS],
                 (unsigned long long)p->overall.samples);
    /* On a capture and the binary that ran, every return address a table
     * step finds follows a call; many that do not mean another build of
     * the program (a Go test binary rebuilt after recording has no GNU
     * build-id for the reader to catch it). */
    for (size_t i = 0; i < p->nr_per_binary; i++) {
        const struct unwind_stat *u = &p->per_binary[i];
        if (profile_suspect_binary(p, u))
            cmd_warn(co->prof.quiet, "%s: %llu samples (%.0f%%) unwind through it to return "
                     "addresses that follow no call instruction: the file is probably not "
                     "the binary that was recorded (rebuilt since?); pass that one with "
                     "--binary PATH", u->binary, (unsigned long long)u->suspect_samples,
                     100.0 * (double)u->suspect_samples / (double)p->overall.samples);
    }
    if (check_binaries) {
        const struct profile *one = p;
        return cmd_check_binaries(co, &one, 1);
    }
    return 0;
}

/* The recorded binaries with samples that no file was found for: what an
 * unused --binary could be meant for. */
static void missing_binaries(const struct profile *const *ps, size_t n, struct strlist *out)
{
    for (size_t k = 0; k < n; k++)
        for (size_t i = 0; i < ps[k]->nr_missing; i++) {
            const char *b = ps[k]->missing[i].recorded_path;
            /* a --binary is a file: not meant for [vdso] and the like */
            if (ps[k]->missing[i].samples && b && b[0] == '/' && !strlist_has(out, b))
                strlist_push(out, b);
        }
}

int cmd_check_binaries(const struct common_opts *co, const struct profile *const *ps,
                       size_t n)
{
    int any_capture = 0;
    for (size_t k = 0; k < n; k++)
        any_capture |= ps[k]->has_capture;
    if (!any_capture)
        return 0;
    struct strlist noted = { 0 }, paths = { 0 };
    int rc = 0;
    for (size_t k = 0; k < n && !rc; k++) {
        const struct profile *q = ps[k];
        for (size_t i = 0; i < q->nr_bin_used && !rc; i++) {
            const struct binary_used *u = &q->bin_used[i];
            if (!strlist_has(&paths, u->path))
                strlist_push(&paths, u->path);
            if (u->how != BINARY_BY_CONTENT)
                continue;
            /* another mapping it fits, in this load or another side's */
            const char *other = u->also_fits;
            for (size_t j = 0; j < k && !other; j++)
                for (size_t v = 0; v < ps[j]->nr_bin_used && !other; v++) {
                    const struct binary_used *w = &ps[j]->bin_used[v];
                    if (w->how == BINARY_BY_CONTENT && !strcmp(w->path, u->path) &&
                        strcmp(w->recorded_path, u->recorded_path))
                        other = w->recorded_path;
                }
            if (other) {
                cmd_error("'%s' (--binary): no mapping has its name, and its segments and Go "
                          "text fit both %s and %s: copy it to the base name of the one it "
                          "is", u->path, u->recorded_path, other);
                rc = SF_EXIT_USAGE;
                break;
            }
            for (size_t b = 0; b < q->nr_per_binary && !rc; b++)
                if (q->per_binary[b].binary && !strcmp(q->per_binary[b].binary, u->recorded_path) &&
                    profile_suspect_binary(q, &q->per_binary[b])) {
                    cmd_error("'%s' (--binary): no mapping has its name; its segments and Go "
                              "text fit the mapping of %s, but the samples unwind through it "
                              "to return addresses that follow no call: it is not the binary "
                              "that was recorded", u->path, u->recorded_path);
                    rc = SF_EXIT_USAGE;
                }
            if (!rc && !strlist_has(&noted, u->path)) {
                strlist_push(&noted, u->path);
                cmd_note(co->prof.quiet, "'%s' (--binary) was used for %s: no mapping has its "
                         "name, and its segments and Go text fit that one", u->path,
                         u->recorded_path);
            }
        }
    }
    /* filtered samples are not unwound: their binaries are not looked for */
    const struct profile_opts *o = &co->prof;
    int filtered = o->comms.n || o->pids.n || o->tids.n || o->events.n || o->syscalls.n;
    for (size_t i = 0; i < paths.n && !rc && !filtered; i++) {
        int used = 0;
        for (size_t k = 0; k < n && !used; k++)
            for (size_t j = 0; j < ps[k]->nr_bin_used && !used; j++)
                used = ps[k]->bin_used[j].how != BINARY_UNCLAIMED &&
                       !strcmp(ps[k]->bin_used[j].path, paths.v[i]);
        if (used)
            continue;
        struct strlist miss = { 0 };
        missing_binaries(ps, n, &miss);
        if (!miss.n) {
            cmd_warn(co->prof.quiet, "'%s' (--binary) was not used: no mapping with samples has "
                     "its name or build-id, and every sampled binary file was found", paths.v[i]);
        } else {
            struct sbuf rec = SBUF_INIT;
            for (size_t j = 0; j < miss.n; j++)
                sbuf_addf(&rec, "%s%s", j ? ", " : "", miss.v[j]);
            cmd_error("'%s' (--binary): no mapping with samples has its name or build-id, and "
                      "its content fits none; the recorded binaries not found: %s", paths.v[i],
                      sbuf_str(&rec));
            sbuf_release(&rec);
            rc = SF_EXIT_USAGE;
        }
        strlist_release(&miss);
    }
    strlist_release(&noted);
    strlist_release(&paths);
    return rc;
}

int cmd_write_output(const char *path,
                     int (*write_fn)(FILE *out, void *arg, struct sf_err *err),
                     void *arg)
{
    struct sf_err err = { { 0 } };
    struct outfile *of = outfile_open(path, &err);
    if (!of) {
        cmd_error("%s", err.msg);
        return SF_EXIT_FAIL;
    }
    if (write_fn(outfile_fp(of), arg, &err) < 0) {
        outfile_abort(of);
        if (!err.msg[0])
            sf_error(&err, "'%s': write error", path ? path : "-");
        cmd_error("%s", err.msg);
        return SF_EXIT_FAIL;
    }
    if (outfile_commit(of, &err) < 0) {
        cmd_error("%s", err.msg);
        return SF_EXIT_FAIL;
    }
    return SF_EXIT_OK;
}

int cmd_take_sides(int argc, char **argv, struct strlist *before, struct strlist *after)
{
    int out = 0;
    for (int i = 0; i < argc; i++) {
        struct strlist *side = NULL;
        if (!strcmp(argv[i], "--before"))
            side = before;
        else if (!strcmp(argv[i], "--after"))
            side = after;
        else if (!strncmp(argv[i], "--before=", 9)) {
            strlist_push(before, argv[i] + 9);
            continue;
        } else if (!strncmp(argv[i], "--after=", 8)) {
            strlist_push(after, argv[i] + 8);
            continue;
        }
        if (!side) {
            argv[out++] = argv[i];
            continue;
        }
        while (i + 1 < argc && (argv[i + 1][0] != '-' || !strcmp(argv[i + 1], "-")))
            strlist_push(side, argv[++i]);
    }
    argv[out] = NULL;
    return out;
}

int cmd_counts_syscalls(const struct profile *p)
{
    int syscalls = p->nr_syscalls > 0;
    for (size_t i = 0; i < p->nr_inputs; i++)
        syscalls |= p->inputs[i].syscall_samples > 0;
    return syscalls;
}

int cmd_before_column(const struct profile *p, struct profile *before)
{
    memset(before, 0, sizeof(*before));
    if (!p->before)
        return 0;
    before->stacks = p->before;
    before->total = stack_total(p->before);
    before->count_decimals = p->count_decimals;
    return 1;
}

/* The --binary files the sides loaded so far took by name or build-id:
 * the next side does not take them by content (diff --binary A.test
 * --binary B.test: each is the binary of one side). */
static struct strlist taken_by_name;

int cmd_load_side(const struct common_opts *co, char **files, size_t nr_files,
                  const struct strlist *side_binaries, struct profile *p)
{
    struct common_opts side = *co;
    side.prof.bin.not_by_content = taken_by_name.v;
    side.prof.bin.nr_not_by_content = taken_by_name.n;
    const char **all = xcalloc(side_binaries->n + co->prof.bin.nr_binaries + 1, sizeof(*all));
    for (size_t i = 0; i < side_binaries->n; i++)
        all[i] = side_binaries->v[i];
    for (size_t i = 0; i < co->prof.bin.nr_binaries; i++)
        all[side_binaries->n + i] = co->prof.bin.binaries[i];
    side.prof.bin.binaries = all;
    side.prof.bin.nr_binaries += side_binaries->n;
    int rc = load_inputs(&side, files, nr_files, p, 0);
    for (size_t i = 0; rc == 0 && i < p->nr_bin_used; i++)
        if ((p->bin_used[i].how == BINARY_BY_NAME || p->bin_used[i].how == BINARY_BY_BUILD_ID) &&
            !strlist_has(&taken_by_name, p->bin_used[i].path))
            strlist_push(&taken_by_name, p->bin_used[i].path);
    free(all);
    return rc;
}
