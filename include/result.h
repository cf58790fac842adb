/* result.h - the finished profile, as data: what every writer reads.
 * Includes nothing of the reader, the session or the unwinder's machinery:
 * writers (fold, svg, table, diff, report) depend on this header alone, and
 * a new export reads the same structures.
 *
 * A profile holds:
 *   - the stacks (stack.h): folded names, root first (comm, frames, leaf),
 *     each unique stack with its count;
 *   - the frame table: for each name id of the stack set that is a frame,
 *     what it was resolved from (function, file, line, binary, address,
 *     inlining, kernel), for exports that need more than a name (pprof);
 *   - per-input, per-thread, per-syscall, per-event and per-binary facts.
 *
 * Ownership: a profile owns everything it points to (strings in its
 * string table, strings_owner); profile_release frees it all. */
#ifndef RESULT_H
#define RESULT_H

#include <stddef.h>
#include <stdint.h>

#include "sf.h"
#include "stack.h"

struct strtab;

/* Why an unwind stopped (one per sample). */
enum unwind_stop {
    UNWIND_STOP_ROOT = 0,      /* reached an outermost function: goexit, mstart,
                                  rt0_go, _start, __libc_start_main/_call_main,
                                  clone/clone3's child, start_thread */
    UNWIND_STOP_TRUNCATED,     /* ran off the copied stack */
    UNWIND_STOP_UNKNOWN_PC,    /* pc in no mapping or no function */
    UNWIND_STOP_NO_BINARY,     /* mapping's binary not found */
    UNWIND_STOP_SYSTEMSTACK,   /* stopped at a g0 stack switch */
    UNWIND_STOP_NO_REGS,       /* sample has no user registers/stack */
    UNWIND_STOP_BAD_FRAME,     /* CFI/SP delta inconsistent (SP went backwards...) */
    UNWIND_STOP_MAX_DEPTH,
    UNWIND_STOP_NOT_ROOT,      /* the chain ended (zero or undefined return
                                  address, zero frame pointer) in a function
                                  that is not an outermost one */
    UNWIND_STOP_UNPROVEN,      /* no unwind table, and the frame-pointer guess
                                  is not provably the caller: stopped there */
    UNWIND_STOP_SIGNAL,        /* at a signal return trampoline (__restore_rt,
                                  runtime.sigreturn): the interrupted context
                                  is on another stack or out of the copy */
    UNWIND_STOP_NR,
};

/* The root frame a stack cut short starts with, in script, folded stacks,
 * graphs and exports: "[truncated]" (ran off the copy), "[caller not
 * proven]" (no caller could be proven); NULL for the other stops. */
const char *unwind_stop_mark(enum unwind_stop s);

/* The root frame, outside the cut's mark, of a Go process's sample taken
 * in its start-up (sess_sample.first_thread) whose walk reached no root:
 * its callers are unknown, its phase is not.  unwind_stop_startup says
 * which stops take it (not a root, a missing binary, no stack or a signal
 * frame: those say what they are). */
#define UNWIND_STARTUP_MARK "[startup]"
int unwind_stop_startup(enum unwind_stop s);

/* A binary that could not be used for a mapping, with the samples that
 * needed it. */
struct binary_missing {
    const char *recorded_path;
    char build_id_hex[41];
    const char *reason;        /* "not found", "build-id mismatch: /path",
                                  "does not match the recorded mapping (/path)" */
    uint64_t samples;
};

/* ---- the frame table ---- */

enum frame_kind {
    FRAME_NONE = 0,              /* a name id no frame made (comm, leaf, a
                                    folded input's frame, [truncated]) */
    FRAME_USER,
    FRAME_KERNEL,
};

/* What one folded frame name was made from: the first frame met with that
 * name (with --addrs every offset is a name of its own).  Strings may be
 * NULL when unknown. */
struct frame_info {
    enum frame_kind kind;
    const char *function;        /* symbol or Go function name, untidied */
    const char *file;            /* source file */
    int line;
    const char *binary;          /* recorded path of the mapping
                                    ("[kernel.kallsyms]" for kernel frames) */
    const char *build_id;        /* hex, "" when the binary has none */
    uint64_t addr;               /* as script prints it: map-relative for user
                                    frames, absolute for kernel frames */
    int inlined;                 /* expanded from inline information */
    int inline_depth;            /* 0 for the physical frame, 1 for the call
                                    inlined into it, ... */
};

/* Indexed by the stack set's name ids (stack_name(p->stacks, id)); ids past
 * nr have no frame (FRAME_NONE). */
struct frame_table {
    struct frame_info *v;
    size_t nr, cap;
};

/* The frame behind name id `id`, or NULL (not a resolved frame).  The
 * name is looked at by position too: frame 0 of a stack is its comm and
 * the last its leaf, whatever a frame of the same name was. */
const struct frame_info *frame_table_get(const struct frame_table *t, uint32_t id);

/* Adds src's entries (by src_stacks' name ids) to dst (by dst_stacks'),
 * for names dst has no entry for; strings interned in dst_strings.  Call
 * after stack_merge(dst_stacks, src_stacks). */
void frame_table_merge(struct frame_table *dst, struct stack_set *dst_stacks,
                       struct strtab *dst_strings, const struct frame_table *src,
                       const struct stack_set *src_stacks);

/* Per-syscall facts that need the raw capture (enter/exit pairing). */
struct syscall_stat {
    const char *name;            /* "write" (interned in the profile) */
    uint64_t count;              /* sys_enter samples */
    uint64_t exits;              /* paired exits */
    uint64_t errors;             /* exits with ret < 0 */
    uint64_t lat_total_ns, lat_max_ns;
    uint64_t *lat_ns;            /* paired latencies (for percentiles) */
    size_t nr_lat, cap_lat;
};

/* A thread under one name (a thread that changed its name, at exec, has
 * a row per name).  kind, go_test: its process's (process_stat) while it
 * had this name. */
struct thread_stat {
    uint32_t pid, tid;
    const char *comm;
    uint64_t samples;
    int kind;                    /* enum process_kind; captures only */
    int go_test;
};

/* What a process runs, from its mappings at its first kept sample. */
enum process_kind {
    PROCESS_GO = 0,              /* its executable has a Go pclntab */
    PROCESS_C,                   /* another native executable (C, C++, Rust...) */
    PROCESS_INTERPRETER,         /* python, perl, ruby, node, java, a shell... */
    PROCESS_KERNEL,              /* a kernel thread: no user mapping */
    PROCESS_UNKNOWN,             /* its executable was not found */
    PROCESS_KIND_NR
};
const char *process_kind_name(enum process_kind k);   /* "Go", "C", ... */

struct process_stat {
    uint32_t pid;
    const char *comm;            /* the last comm a kept sample had */
    const char *exe;             /* recorded path of its executable, NULL if none */
    enum process_kind kind;
    int go_test;                 /* a Go test binary (PROCESS_GO or not found,
                                    named *.test) */
    uint64_t samples;
};

struct unwind_stat {             /* per binary (path) and overall */
    const char *binary;
    uint64_t samples, to_root, truncated, unknown_pc, no_binary, other_stop;
    uint64_t fp_fallback_samples, depth_sum;
    uint64_t stitched;           /* stacks completed by stitching (stitch.h);
                                    counted under their new stop (root) */
    uint64_t suspect_samples;    /* unwound through this binary's tables to a
                                    return address that follows no call
                                    (unwind_result.suspect_map) */
    uint64_t stops[UNWIND_STOP_NR];
};

struct input_info {
    const char *path;
    int is_folded;               /* folded text or perf script text */
    const char *kind;            /* "perf.data", "perf script text", "folded stacks" */
    uint64_t skipped_lines;      /* text lines left out (comments, no count,
                                    negative counts, lines not understood) */
    size_t first_skipped;        /* the first of them (1-based), 0 if none */
    const char *skipped_what;    /* what those lines were, for the warning */
    uint64_t exits_skipped;      /* perf script text: sys_exit_* samples left out */
    uint64_t syscall_samples;    /* perf script text: samples of sys_enter_* events */
    uint64_t counts_rounded;     /* folded text: counts written with more than
                                    SF_COUNT_DEC_MAX decimals (rounded to them) */
    uint64_t samples, lost_events, lost_samples;
    double duration_s;
    uint64_t first_time, last_time;
    /* a capture that ends inside its data section (perfdata.h's cut_at):
     * what was read is the samples before the cut */
    uint64_t cut_at, data_offset, recorded_data_size;
    int cut_no_size, cut_after_data, cut_in_stream;
    uint64_t cut_compressed;     /* -z: bytes of a last record perf never finished */
};


struct event_stat { const char *name; uint64_t count; };

/* A Go test's time, from a `sysflame record` folder (input_recdir.c):
 * go test's own Elapsed, and the run window measured in the capture. */
struct test_time {
    const char *name;            /* "pkg.TestX": the tests table's row name */
    const char *comm;            /* its test binary (the process) */
    const char *result;          /* "pass", "fail", "skip"; NULL = never ended */
    double wall_s;               /* go test's Elapsed; -1 unknown */
    double window_s;             /* the window's length in the capture; -1 unknown */
    uint64_t in_window;          /* samples its process made in the window */
    int overlaps;                /* window shared with a parallel test */
    int window_exact;            /* window from the binary's own writes */
    uint32_t pid;                /* its process in the capture, 0 unknown */
    uint64_t start, end;         /* the window in the capture's clock (ns),
                                    0 unknown */
};

/* What became of a --binary (binary.h's binary_use): how is 0 unused, 1 by
 * name, 2 by build-id, 3 by content (its name matched no mapping). */
struct binary_used {
    const char *path;
    int how;
    const char *recorded_path;
    const char *also_fits;        /* by content: another mapping it fits too */
};

/* The filters' dimensions (--comm, --pid, --tid, --event, --syscall). */
enum filter_dim { FILTER_COMM, FILTER_PID, FILTER_TID, FILTER_EVENT, FILTER_SYSCALL, FILTER_NR };
/* Distinct names, in the order met (strings in the profile's string table). */
struct name_list { const char **v; size_t n, cap; };

struct profile {
    struct stack_set *stacks;
    /* A two-column (differential) folded input's BEFORE column, NULL
     * otherwise: stacks then holds its AFTER column. */
    struct stack_set *before;
    struct frame_table frames;   /* by name id of stacks */
    uint64_t total;              /* samples kept (after filters) */
    /* The unit of every sample count of the profile (stacks, before,
     * total, inputs' samples): 10^-count_decimals samples.  0 (whole
     * samples) but for folded inputs with fractional counts, which are
     * kept exactly (fold_reader.h); writers print v / 10^count_decimals
     * (sf_count_str).  Such inputs are summed with folded inputs only. */
    unsigned count_decimals;
    uint64_t lost;               /* per capture the larger of its lost events
                                    and lost samples, summed over inputs */
    uint64_t recorder_samples;   /* the recording perf's own samples, left out
                                    (profile_opts.keep_recorder keeps them) */
    uint32_t recorder_pid;       /* its pid (the last input's), 0 if none */
    double duration_s;           /* sum over perf.data inputs */
    int has_capture;             /* at least one perf.data input */
    struct input_info *inputs; size_t nr_inputs;
    struct syscall_stat *syscalls; size_t nr_syscalls;   /* by count desc */
    struct thread_stat *threads; size_t nr_threads;
    struct process_stat *processes; size_t nr_processes;  /* captures only */
    struct event_stat *events; size_t nr_events;        /* by count desc */
    struct unwind_stat overall;
    struct unwind_stat *per_binary; size_t nr_per_binary;
    struct binary_missing *missing; size_t nr_missing;   /* copied */
    /* For each filter dimension given: every value the inputs had, before
     * filtering (a filter value that matches nothing is warned about) */
    struct name_list seen[FILTER_NR];
    struct binary_used *bin_used; size_t nr_bin_used;   /* per --binary, in order */
    struct test_time *test_times; size_t nr_test_times;  /* record folders */
    struct strtab *strings_owner;/* storage for the names above */
};

/* Whether u's binary is probably not the one recorded: its unwind tables
 * led to return addresses that follow no call instruction in at least 10
 * samples and 5 % of all (unwind_result.suspect_map). */
int profile_suspect_binary(const struct profile *p, const struct unwind_stat *u);

/* Whether the samples are events other than syscalls (a capture of
 * cpu-clock or page faults): each stack's leaf is an event, and tables
 * say "Event" where they say "Syscall". */
int profile_leaf_is_event(const struct profile *p);

void profile_release(struct profile *p);

#endif
