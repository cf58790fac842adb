/* input_perfscript.h - INPUT: `perf script` text (a dump made on another
 * machine, or by an older pipeline) read as samples and folded into a
 * stack_set the way stackcollapse-perf.pl folds it.
 *
 * Layouts understood: perf's default (with or without the `# ========`
 * header block of --header), the older one with PID/TID and a period
 * column, the common -F subsets (comm, pid, tid, cpu, time, period, event,
 * ip, sym, dso, srcline, trace) and --inline's "(inlined)" frames.  A
 * sample is a header line, then its frames innermost first, then an empty
 * line; a dump without call chains has one header line per sample.
 *
 * Ownership: every pointer in a ps_sample points into the line buffer or
 * the parser and is valid only during the callback. */
#ifndef INPUT_PERFSCRIPT_H
#define INPUT_PERFSCRIPT_H

#include <stdint.h>
#include <stddef.h>
#include "sf.h"
#include "stack.h"

struct ps_frame {
    uint64_t addr;
    const char *sym;             /* as printed, "+0x1a" offset included */
    size_t sym_len;
    const char *dso;             /* inside the parentheses; NULL if absent */
    size_t dso_len;
    const char *srcline;         /* the -F srcline line after it, or NULL */
    size_t srcline_len;
};

struct ps_sample {
    const char *comm;            /* may contain spaces */
    size_t comm_len;
    int has_pid, has_tid;        /* a lone number is the tid, as
                                    stackcollapse-perf.pl reads it */
    uint32_t pid, tid;
    const char *event;           /* "syscalls:sys_enter_write", or NULL */
    size_t event_len;
    uint64_t period;             /* 1 when the dump has no period column */
    const struct ps_frame *frames;   /* innermost first */
    size_t nr_frames;
    size_t line;                 /* line number of the header (1-based) */
};

/* Called once per sample; a negative return stops the parse with err set. */
typedef int (*ps_sample_fn)(void *arg, const struct ps_sample *s, struct sf_err *err);

struct ps_parser;

struct ps_parser *ps_parser_new(ps_sample_fn fn, void *arg);
void ps_parser_free(struct ps_parser *p);

/* Feeds one line (without its '\n'; a trailing '\r' is ignored).  0 ok,
 * -1 when the callback failed. */
int ps_parser_line(struct ps_parser *p, const char *line, size_t len, struct sf_err *err);
/* Ends the last sample.  0 ok, -1 when the callback failed. */
int ps_parser_finish(struct ps_parser *p, struct sf_err *err);
/* Lines that were neither header, frame, source line, comment nor blank;
 * and the first of them (1-based, 0 if none). */
uint64_t ps_parser_unrecognized(const struct ps_parser *p, size_t *first_line);

/* Does this buffer (the first bytes of a file) look like perf script
 * text?  1 yes, 0 no.  A `# ========` header block, or a first sample
 * header followed by a frame line or carrying a "TIME:" field, says yes. */
int ps_sniff(const uint8_t *buf, size_t len);

/* What to keep and how to name frames; mirrors profile_opts. */
struct ps_fold_opts {
    int with_pid, with_tid;      /* frame 0 "comm-PID" / "comm-PID/TID" */
    int kernel;                  /* keep kernel frames (always suffixed _[k]) */
    int no_leaf;                 /* no syscall/event leaf frame */
    int addrs;                   /* unknown frames as "[dso <addr>]" */
    const char *comm_label;      /* frame 0 of every stack, instead of the comm */
    /* filters, empty = keep all; the syscall filter needs sys_enter_ events */
    const char *const *comms; size_t nr_comms;
    const char *const *pids; size_t nr_pids;
    const char *const *tids; size_t nr_tids;
    const char *const *events; size_t nr_events;
    const char *const *syscalls; size_t nr_syscalls;
};

struct ps_fold_stats {
    uint64_t samples;            /* sample blocks read */
    uint64_t kept;               /* after filters */
    uint64_t with_frames;        /* kept samples with at least one frame */
    uint64_t exits_skipped;      /* sys_exit_* samples left out (no --event) */
    uint64_t syscalls;           /* kept samples of sys_enter_* events */
    uint64_t unrecognized;       /* lines skipped */
    size_t first_unrecognized;   /* its line number, 0 if none */
};

/* Folds perf script text into s: frame 0 the comm (spaces as '_'), then
 * the frames root first, named as stackcollapse-perf.pl names them (offsets
 * and argument lists dropped, ';' as ':', quotes removed, "[unknown]" as
 * "[dso]", frames of "[...]" modules suffixed _[k], jitted /tmp/perf-N.map
 * frames _[j] with --kernel), then the leaf: the syscall of a sys_enter_X
 * event, else the event name.  Each sample counts its period (1 without a
 * period column).  sys_exit_* samples are left out unless an event filter
 * names them.  `name` is used in messages.  0 ok, -1 error. */
int ps_fold(const char *name, const char *text, size_t len, const struct ps_fold_opts *o,
            struct stack_set *s, struct ps_fold_stats *st, struct sf_err *err);

/* The same, streaming: feed the text in chunks of any size (lines may be
 * cut anywhere), then finish.  Memory stays bounded by one sample. */
struct ps_folder;
struct ps_folder *ps_folder_new(const char *name, const struct ps_fold_opts *o,
                                struct stack_set *s);
int ps_folder_feed(struct ps_folder *f, const char *buf, size_t len, struct sf_err *err);
int ps_folder_finish(struct ps_folder *f, struct ps_fold_stats *st, struct sf_err *err);
void ps_folder_free(struct ps_folder *f);

#endif
