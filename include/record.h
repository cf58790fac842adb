/* record.h - what `sysflame record` needs besides running processes: finding
 * perf and go, checking that perf may record syscall tracepoints, perf's
 * argument vector, go test's -json events, the facts of a finished capture
 * (samples, losses), and the folder's manifest.
 *
 * A record folder (DIR) holds one subfolder per recorded program (per Go
 * package under `go test`):
 *
 *     DIR/manifest.json          versions, command, clock, packages (below)
 *     DIR/NAME/perf.data         the capture (perf record -k mono)
 *     DIR/NAME/BINARY            the binary it ran (go's NAME.test)
 *     DIR/NAME/events.json       go test -json events of that package
 *                                 (go tool test2json -t of its -test.v output)
 *     DIR/NAME/run.json          how it ran: package, recorded path, dir,
 *                                 args, exit status, clock reference
 *
 * The manifest's paths are relative to DIR, so the folder can move. */
#ifndef RECORD_H
#define RECORD_H

#include <stdint.h>
#include <stdio.h>
#include "sf.h"

#define RECORD_MANIFEST "manifest.json"
#define RECORD_RUN "run.json"
#define RECORD_CAPTURE "perf.data"
#define RECORD_EVENTS "events.json"

/* A NULL-terminated, growable argument vector (strings owned). */
struct argvec { char **v; size_t n, cap; };
void argvec_push(struct argvec *a, const char *s);
void argvec_pushf(struct argvec *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void argvec_release(struct argvec *a);

struct record_opts {
    int latency;                 /* sys_exit_* too */
    unsigned long stack_size;    /* bytes of user stack per sample */
    unsigned long mmap_pages;    /* perf -m */
    int compress;                /* perf -z */
};
#define RECORD_OPTS_INIT { 0, 8192, 8192, 1 }

/* perf's arguments up to and including "--" for a capture written to `out`:
 * record -q -k mono -e syscalls:sys_enter_* [-e syscalls:sys_exit_*] -g
 * --call-graph dwarf,SIZE -m PAGES [-z] -o OUT --  (without "-o OUT --" when
 * out is NULL). */
void record_perf_args(const struct record_opts *o, const char *perf, const char *out,
                      struct argvec *a);

/* The executable `name` is run as: itself when it holds a '/', else the
 * first match on $PATH.  Returns a malloc'd path or NULL. */
char *record_which(const char *name);

/* Whether this user may record syscall tracepoints with their raw fields:
 * root, or kernel.perf_event_paranoid at -1.  0, or -1 with the reason and
 * the fix in err. */
int record_check_permission(struct sf_err *err);

/* Finds the syscall tracepoints in tracefs (/sys/kernel/tracing, or
 * debugfs's tracing folder).  When absent and `may_mount`, mounts tracefs
 * at /sys/kernel/tracing.  1 = mounted it now, 0 = was there, -1 = err. */
int record_check_tracefs(int may_mount, struct sf_err *err);

/* Opens a disabled counting event on every syscall tracepoint (sys_exit_*
 * too when `exits`) for this process, so that they stay registered while
 * perf runs come and go: the kernel unregisters a tracepoint when its last
 * perf event closes, and waits for an RCU grace period each time (some 20
 * ms per tracepoint, 7 s per perf run for the ~360 sys_enter_* ones on a
 * busy 2-CPU machine).  Returns how many were opened; *fds holds them. */
int record_hold_tracepoints(int exits, int **fds);

/* What a finished capture holds. */
struct record_capture {
    uint64_t samples, lost_events, lost_samples;
    /* samples lost: the larger of the two, since they count the same drops
     * (the kernel's LOST records as they happen; the LOST_SAMPLES perf
     * writes at the end from each event's read_format LOST count) */
    uint64_t lost;
    uint64_t first_time, last_time;   /* sample clock, ns */
    int clockid;                      /* -1 without --clockid */
};
int record_capture_read(const char *path, struct record_capture *c, struct sf_err *err);

/* One line of go test -json (test2json's TestEvent).  Strings point into
 * storage owned by the event; release with record_go_event_release. */
struct go_event {
    char *action, *package, *test, *output;
    int64_t time_ns;                  /* Time, ns since the epoch; 0 if absent */
    double elapsed;                   /* Elapsed (s), -1 if absent */
};
/* 0 ok, -1 when the line is not a test2json event (no Action). */
int record_go_event_parse(const char *line, size_t len, struct go_event *ev);
void record_go_event_release(struct go_event *ev);

/* RFC 3339 time ("2026-12-05T17:17:48.367416362Z", any offset) to ns since
 * the epoch.  0 ok, -1 malformed. */
int record_parse_time(const char *s, int64_t *ns);

/* Realtime and CLOCK_MONOTONIC read together, the reference that maps the
 * capture's sample times (perf -k mono) to go test's event times. */
struct record_clock { int64_t realtime_ns, monotonic_ns; };
void record_clock_now(struct record_clock *c);

/* Whether a go command line is `go test ...`: argv[0] names go, argv[1] is
 * "test". */
int record_is_go_test(char *const *argv, size_t argc);

/* How to treat go test's own flags. */
struct go_test_flags {
    int has_exec;                     /* -exec given: cannot record */
    int compile_only;                 /* -c: nothing runs */
};
/* Looks at go test's flags (argv[2...], up to the test binary's -args). */
void record_go_test_flags(char *const *argv, size_t argc, struct go_test_flags *f);

/* Whether a test binary's arguments ask for -test.v (any value but false). */
int record_args_verbose(char *const *args, size_t n);

/* Turns a test binary's -test.v output back into what it prints without
 * -v: record runs every test binary with -test.v, because go test -json
 * events come from the -v lines, but go test shows a test binary's output
 * as printed.  Without -v a passed or skipped test prints nothing; a
 * failed one prints its "--- FAIL" line, then its log lines and its failed
 * subtests' blocks (indented), in the order they came; the === framing
 * lines go.  Lines belong to the test last named by a === line. */
struct record_quiet;
struct record_quiet *record_quiet_new(void);
/* Feeds one line (with its newline, if any); appends what to print to out. */
void record_quiet_line(struct record_quiet *q, const char *line, size_t len, struct sbuf *out);
/* At the end of the output: what is still held (tests that never ended). */
void record_quiet_end(struct record_quiet *q, struct sbuf *out);
void record_quiet_free(struct record_quiet *q);

/* Quotes a path for go's -exec (its word splitting knows ' and ").
 * Returns a malloc'd string or NULL when the path holds both quotes. */
char *record_exec_quote(const char *path);

/* Names the folder for a program run: the binary's base name without a
 * ".test" suffix, characters outside [A-Za-z0-9._+-] as '_'. */
char *record_folder_name(const char *binary);

/* A one-line-per-item file of strings (the perf arguments the parent
 * hands its exec children).  Items may not hold newlines. */
int record_lines_write(const char *path, char *const *v, size_t n, struct sf_err *err);
int record_lines_read(const char *path, struct argvec *out, struct sf_err *err);

/* Copies (or hard-links) the file `src` to `dst`, keeping its mode.
 * 0, or -1 with err. */
int record_copy_file(const char *src, const char *dst, struct sf_err *err);

/* Removes a folder tree.  0, or -1 with err. */
int record_remove_tree(const char *path, struct sf_err *err);

#endif
