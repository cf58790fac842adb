/* export.h - WRITERS for other tools: the same stacks as `fold`, with
 * addresses, mappings, file:line and time, for pprof (profile.proto,
 * gzipped), speedscope's file format and the Chrome/Perfetto trace-event
 * JSON.
 *
 * The driver's per-sample hook (profile_opts.on_sample) feeds every kept
 * sample, in time order, to export_sample(); each stack becomes a list of
 * locations (a mapping and an address, with the inline chain at that address
 * as its lines, innermost first, as pprof has them) plus the pseudo frames
 * fold prints ("[truncated]" at the root, the syscall as the leaf).  After
 * the load, export_finish() takes the frame names from the profile's stack
 * set (the names fold prints, so every export's stacks equal fold's), pairs
 * each sample with its fold stack and attributes it to a Go test as `top`
 * does.  The writers then read the result as data.
 *
 * Ownership: the export owns everything it holds; strings are ids in
 * x->strs (id 0 is ""). */
#ifndef EXPORT_H
#define EXPORT_H

#include <stdio.h>
#include <stdint.h>
#include <stddef.h>
#include "sf.h"
#include "stack.h"
#include "profile.h"

enum export_format { EXPORT_PPROF = 0, EXPORT_SPEEDSCOPE, EXPORT_TRACE };

/* "pprof"|"speedscope"|"trace" -> *out; 0 ok, -1 unknown. */
int export_format_parse(const char *s, enum export_format *out);

struct export_mapping {
    uint64_t start, limit, offset;   /* process addresses, file offset */
    uint32_t file;                   /* binary used (absolute), else recorded path */
    uint32_t build_id;               /* hex, "" if none */
    int symbolized;                  /* lines come from the binary's tables */
};

struct export_function {
    uint32_t name;                   /* as fold prints it */
    uint32_t system_name;            /* as the binary names it */
    uint32_t file;                   /* "" if unknown */
    int64_t start_line;              /* 0 if unknown */
};

struct export_line {
    uint32_t function;               /* index into functions */
    int64_t line;                    /* 0 if unknown */
    /* what the hook saw, before names are joined (export_finish) */
    uint32_t raw_name, file;
    int64_t start_line;
};

struct export_location {
    uint32_t mapping;                /* index + 1; 0 = none (pseudo frames) */
    uint64_t address;                /* process address; 0 for pseudo frames */
    uint32_t first_line, nr_lines;   /* lines[first..], innermost first */
};

struct export_sample {
    uint64_t time;                   /* ns, the capture's clock */
    uint64_t latency;                /* ns to the paired sys_exit (has_exit) */
    uint32_t pid, tid;
    uint32_t comm;                   /* string ids */
    uint32_t name;                   /* syscall ("write") or event name */
    uint32_t test;                   /* attribution, as top's tests table */
    uint32_t stack;                  /* id in x->stacks */
    uint8_t is_syscall, has_exit;
};

/* A Go test's run window from a record folder (result.h test_time). */
struct export_test {
    uint32_t name, result;           /* string ids ("pkg.TestX", "pass") */
    uint32_t pid;                    /* its test process */
    uint64_t start, end;             /* ns, the capture's clock */
    double wall_s;                   /* go test's Elapsed; -1 unknown */
};

struct export_build;

/* Strings every export has, at these ids. */
enum export_string {
    EXPORT_S_EMPTY = 0, EXPORT_S_SYSCALLS, EXPORT_S_COUNT, EXPORT_S_LATENCY,
    EXPORT_S_NANOSECONDS, EXPORT_S_COMM, EXPORT_S_SYSCALL, EXPORT_S_EVENT,
    EXPORT_S_TEST, EXPORT_S_NR
};

struct export {
    struct stack_set *strs;          /* string table; id 0 = "" */
    struct export_mapping *mappings; size_t nr_mappings;
    struct export_function *functions; size_t nr_functions;
    struct export_line *lines; size_t nr_lines;
    struct export_location *locations; size_t nr_locations;
    struct stack_set *stacks;        /* location indexes, root first */
    struct export_sample *samples; size_t nr_samples;   /* time order per input */
    struct export_test *tests; size_t nr_tests;   /* those with a known window */
    int saw_exit;                    /* a sys_exit_* event was read */
    uint64_t duration_ns;
    uint32_t title;                  /* "sysflame export of FILE" */
    struct export_build *b;          /* state used while samples arrive */
};

/* A new export for a run with options o (kept by pointer). */
struct export *export_new(const struct profile_opts *o, const char *input_name);
void export_free(struct export *x);

/* The per-sample hook: set profile_opts.on_sample = export_sample and
 * on_sample_arg = x.  0 ok, -1 error. */
int export_sample(void *x, const struct sess_sample *ss,
                  const struct profile_sample *ps, struct sf_err *err);

/* Joins the samples with p's stacks (p loaded with record_order and this
 * export's hook): function names, test attribution, duration, the tests'
 * run windows (record folders).  0 ok, -1 if
 * the two do not line up (an internal error). */
int export_finish(struct export *x, const struct profile *p, struct sf_err *err);

/* Writers; `name` is the output's name for messages.  0 ok, -1 error. */
int export_write_pprof(const struct export *x, FILE *out, const char *name,
                       struct sf_err *err);
int export_write_speedscope(const struct export *x, FILE *out, const char *name,
                            struct sf_err *err);
int export_write_trace(const struct export *x, FILE *out, const char *name,
                       struct sf_err *err);

#endif
