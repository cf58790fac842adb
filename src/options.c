/* options.c - parsing of the options shared by every command.  Produces a
 * struct common_opts that carries the pipeline options (profile_opts) to the
 * profile stage and the output choice to the writers. */
#include "options.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

const char options_common_help[] =
    "  -o, --output PATH      write there (atomically) instead of standard output\n"
    "      --binary PATH      use this file for the mapping with the same build-id\n"
    "                         (or, without build-ids, the same base name); repeatable\n"
    "      --symfs DIR        look binaries up under DIR as perf does\n"
    "      --debug-dir DIR    build-id cache laid out like perf's ~/.debug; repeatable\n"
    "      --kallsyms FILE    kernel symbols for kernel frames\n"
    "      --comm NAME        keep only samples of these comms (comma list, repeatable)\n"
    "      --pid N            keep only these process ids\n"
    "      --tid N            keep only these thread ids\n"
    "      --event NAME       keep only these events (syscalls:sys_enter_write or sys_enter_write)\n"
    "      --syscall NAME     keep only these syscalls (write, openat)\n"
    "      --no-inline        do not expand inlined frames\n"
    "      --no-stitch        leave stacks the stack copy cut short truncated (by\n"
    "                         default they are completed from other samples)\n"
    "      --keep-recorder    keep the samples of the perf process that recorded the\n"
    "                         capture (left out by default; -a captures its writes)\n"
    "  -j, --jobs N           worker threads (default: number of CPUs)\n"
    "  -q, --quiet            no warnings, no progress line (errors still print)\n"
    "      --format FMT       tables: text (default), md, csv or json;\n"
    "                         export: pprof, speedscope or trace\n"
    "  -h, --help             this help\n";

void options_split_list(struct strlist *l, const char *arg)
{
    const char *p = arg;
    while (*p) {
        const char *comma = strchr(p, ',');
        size_t n = comma ? (size_t)(comma - p) : strlen(p);
        if (n) {
            char *item = xstrndup(p, n);
            strlist_push(l, item);
            free(item);
        }
        if (!comma)
            break;
        p = comma + 1;
    }
}

int options_parse_uint(const char *s, unsigned long long max, unsigned long long *out)
{
    if (!s || !*s || *s == '-' || *s == '+')
        return -1;
    errno = 0;
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end || v > max)
        return -1;
    *out = v;
    return 0;
}

void common_opts_init(struct common_opts *co)
{
    memset(co, 0, sizeof(*co));
}

void common_opts_release(struct common_opts *co)
{
    struct profile_opts *p = &co->prof;
    free(p->bin.binaries);
    free(p->bin.debug_dirs);
    strlist_release(&p->comms);
    strlist_release(&p->events);
    strlist_release(&p->syscalls);
    strlist_release(&p->pids);
    strlist_release(&p->tids);
}

static int push_ids(struct strlist *l, const char *arg, const char *opt,
                    struct sf_err *err)
{
    struct strlist tmp = { 0 };
    options_split_list(&tmp, arg);
    for (size_t i = 0; i < tmp.n; i++) {
        unsigned long long v;
        if (options_parse_uint(tmp.v[i], 0xffffffffULL, &v) < 0) {
            sf_error(err, "%s: '%s' is not a process or thread id", opt, tmp.v[i]);
            strlist_release(&tmp);
            return -1;
        }
        strlist_push(l, tmp.v[i]);
    }
    strlist_release(&tmp);
    return 1;
}

int options_common(int code, const char *arg, struct common_opts *co,
                   struct sf_err *err)
{
    struct profile_opts *p = &co->prof;
    unsigned long long v;

    switch (code) {
    case 'o':
        co->output = arg;
        return 1;
    case OPT_BINARY:
        if (binary_check_file(arg, err) < 0)
            return -1;
        p->bin.binaries = xrealloc(p->bin.binaries,
                                   (p->bin.nr_binaries + 1) * sizeof(char *));
        p->bin.binaries[p->bin.nr_binaries++] = arg;
        return 1;
    case OPT_SYMFS:
        p->bin.symfs = arg;
        return 1;
    case OPT_DEBUG_DIR:
        p->bin.debug_dirs = xrealloc(p->bin.debug_dirs,
                                     (p->bin.nr_debug_dirs + 1) * sizeof(char *));
        p->bin.debug_dirs[p->bin.nr_debug_dirs++] = arg;
        return 1;
    case OPT_KALLSYMS:
        p->bin.kallsyms = arg;
        return 1;
    case OPT_COMM:
        options_split_list(&p->comms, arg);
        return 1;
    case OPT_PID:
        return push_ids(&p->pids, arg, "--pid", err);
    case OPT_TID:
        return push_ids(&p->tids, arg, "--tid", err);
    case OPT_EVENT:
        options_split_list(&p->events, arg);
        return 1;
    case OPT_SYSCALL:
        options_split_list(&p->syscalls, arg);
        return 1;
    case OPT_NO_INLINE:
        p->no_inline = 1;
        return 1;
    case OPT_NO_STITCH:
        p->no_stitch = 1;
        return 1;
    case OPT_KEEP_RECORDER:
        p->keep_recorder = 1;
        return 1;
    case 'j':
        if (options_parse_uint(arg, 1024, &v) < 0 || v == 0)
            return sf_error(err, "--jobs: '%s' is not a number from 1 to 1024", arg);
        p->jobs = (int)v;
        return 1;
    case 'q':
        p->quiet = 1;
        return 1;
    case OPT_FORMAT:
        co->format_arg = arg;
        if (co->format_own) {
            co->format_set = 1;
            return 1;
        }
        if (!strcmp(arg, "text"))
            co->format = FORMAT_TEXT;
        else if (!strcmp(arg, "md"))
            co->format = FORMAT_MD;
        else if (!strcmp(arg, "csv"))
            co->format = FORMAT_CSV;
        else if (!strcmp(arg, "json"))
            co->format = FORMAT_JSON;
        else
            return sf_error(err, "--format: '%s' is not one of text, md, csv, json", arg);
        co->format_set = 1;
        return 1;
    case 'h':
    case OPT_HELP:
        co->help = 1;
        return 1;
    }
    return 0;
}
