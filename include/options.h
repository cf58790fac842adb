/* options.h - the options every command shares (cli-contract "Common
 * options"), parsed with getopt_long.  A command builds its option table as
 * OPTIONS_COMMON followed by its own entries, and passes unknown codes here
 * first:  if (options_common(c, optarg, &co, &err) ...) continue;  */
#ifndef OPTIONS_H
#define OPTIONS_H

#include <getopt.h>
#include "sf.h"
#include "profile.h"

enum options_code {
    OPT_BINARY = 1000, OPT_SYMFS, OPT_DEBUG_DIR, OPT_KALLSYMS, OPT_COMM,
    OPT_PID, OPT_TID, OPT_EVENT, OPT_SYSCALL, OPT_NO_INLINE, OPT_FORMAT,
    OPT_HELP, OPT_KEEP_RECORDER, OPT_NO_STITCH,
    OPT_COMMAND_BASE = 1100,   /* commands number their own options from here */
};

#define OPTIONS_COMMON                                              \
    { "output", required_argument, NULL, 'o' },                    \
    { "binary", required_argument, NULL, OPT_BINARY },             \
    { "symfs", required_argument, NULL, OPT_SYMFS },               \
    { "debug-dir", required_argument, NULL, OPT_DEBUG_DIR },       \
    { "kallsyms", required_argument, NULL, OPT_KALLSYMS },         \
    { "comm", required_argument, NULL, OPT_COMM },                 \
    { "pid", required_argument, NULL, OPT_PID },                   \
    { "tid", required_argument, NULL, OPT_TID },                   \
    { "event", required_argument, NULL, OPT_EVENT },               \
    { "syscall", required_argument, NULL, OPT_SYSCALL },           \
    { "no-inline", no_argument, NULL, OPT_NO_INLINE },             \
    { "keep-recorder", no_argument, NULL, OPT_KEEP_RECORDER },     \
    { "no-stitch", no_argument, NULL, OPT_NO_STITCH },             \
    { "jobs", required_argument, NULL, 'j' },                      \
    { "quiet", no_argument, NULL, 'q' },                           \
    { "format", required_argument, NULL, OPT_FORMAT },             \
    { "help", no_argument, NULL, OPT_HELP }
#define OPTIONS_COMMON_SHORT "o:j:qh"

enum options_format { FORMAT_TEXT = 0, FORMAT_MD, FORMAT_CSV, FORMAT_JSON };

struct common_opts {
    const char *output;            /* -o, NULL = stdout */
    struct profile_opts prof;
    enum options_format format;
    int format_set;
    int format_own;                /* the command checks --format itself */
    const char *format_arg;        /* --format as given */
    int help;
};

void common_opts_init(struct common_opts *co);
void common_opts_release(struct common_opts *co);

/* Handles a common option code.  Returns 1 if handled, 0 if the code is not
 * a common one, -1 on a bad value (err: "--jobs: 'x' is not a number"). */
int options_common(int code, const char *arg, struct common_opts *co,
                   struct sf_err *err);

/* Text for --help: the common options block. */
extern const char options_common_help[];

/* Parses a decimal/size value; 0 ok, -1 bad. */
int options_parse_uint(const char *s, unsigned long long max, unsigned long long *out);
/* Splits a comma list into l (strings are duplicated into l's storage). */
void options_split_list(struct strlist *l, const char *arg);

#endif
