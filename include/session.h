/* session.h - SESSION stage: pulls records from the reader, decodes them,
 * delivers them in timestamp order (sorting each FINISHED_ROUND window the
 * way perf does), and keeps per-process state: comm per thread, and the
 * executable mappings of each process as they were at every sample's time.
 *
 * Mapping sets are immutable, reference-counted snapshots: a sample holds a
 * reference, so workers on other threads may look addresses up while the
 * session moves on.  Data mappings (MMAP with the MMAP_DATA bit) are not
 * kept: unwinding needs only code. */
#ifndef SESSION_H
#define SESSION_H

#include <stdint.h>
#include <stddef.h>
#include "sf.h"
#include "perfdata.h"
#include "event.h"
#include "tracepoint.h"

/* One mapping, immutable once created, alive until the session is freed. */
struct sess_map {
    uint64_t start, end, pgoff;     /* [start, end) in the process */
    const char *filename;           /* as recorded */
    uint8_t build_id[20];
    uint8_t build_id_size;          /* 0 = unknown */
    uint32_t prot, flags;
    uint32_t maj, min;
    uint64_t ino;
    int kernel;                     /* kernel or module map (pid -1) */
    /* Slot for later stages to cache what they resolved for this mapping
     * (e.g. a struct binary *).  Set once, under the caller's own lock. */
    void *user;
};

/* An immutable, sorted set of mappings of one process. */
struct sess_maps {
    int refcount;                   /* atomic */
    /* The main thread changes refcount per sample; workers read nr and maps
     * per frame: apart, a worker's lookup does not miss on every change. */
    char refcount_line[64 - sizeof(int)];
    size_t nr;
    const struct sess_map **maps;   /* sorted by start, non-overlapping */
};

/* The mapping containing addr, or NULL. */
const struct sess_map *sess_maps_find(const struct sess_maps *m, uint64_t addr);
void sess_maps_get(const struct sess_maps *m);
void sess_maps_put(const struct sess_maps *m);

/* What a sample callback receives.  Pointers are valid during the callback;
 * `maps` (and its mappings) stay valid after it only if the callee takes a
 * reference with sess_maps_get(). */
struct sess_sample {
    const struct ev_sample *sample;
    const char *comm;               /* thread's comm at sample time; interned
                                       for the whole session */
    const struct sess_maps *maps;   /* process mappings at sample time */
    const struct sess_maps *kmaps;  /* kernel mappings */
    const struct tp_event *tp;      /* tracepoint format, or NULL */
    const char *event_name;         /* "syscalls:sys_enter_write", "cycles" */
    uint64_t seq;                   /* sample number in delivery order */
    /* The process's exec is in the capture, it has created no thread or
     * process since, nothing was lost before, and this is its first
     * thread: for a Go program, start-up (runtime.main creates the first
     * thread, sysmon, before any of the program's code runs). */
    int first_thread;
    /* Shown to the stitcher only, counted nowhere: a sample of the other
     * part of a split capture, delivered for the overlap (split.h). */
    int observe;
};

struct sess_ops {
    /* Called once per sample, in time order.  Return 0, or -1 to stop. */
    int (*sample)(void *arg, const struct sess_sample *ss, struct sf_err *err);
    void *arg;
};

/* Capture-wide counters for `info`. */
struct sess_stats {
    uint64_t samples;
    uint64_t *samples_per_attr;     /* pd_nr_attrs entries */
    uint64_t lost_events;           /* sum of LOST.lost */
    uint64_t lost_samples;          /* sum of LOST_SAMPLES.lost */
    uint64_t lost_records;          /* count of LOST records */
    uint64_t throttles, unthrottles;
    uint64_t mmaps, comms, forks, exits;
    uint64_t out_of_order;          /* events older than the flushed horizon */
    uint64_t first_time, last_time; /* of samples */
    uint64_t nr_threads;            /* distinct tids seen */
    uint64_t nr_processes;
};

struct session;

/* Opens the capture and parses its tracing data (when present). */
int session_open(const char *path, struct session **out, struct sf_err *err);
/* The same over a reader already open (tests use pd_open_mem).  Takes
 * ownership of pd, on failure too. */
int session_open_pd(struct pd_file *pd, struct session **out, struct sf_err *err);
void session_free(struct session *s);

struct pd_file *session_file(struct session *s);
const struct tp_set *session_tracepoints(const struct session *s); /* may be NULL */
/* No sample's tracepoint fields will be printed (tp_no_print). */
void session_no_print(struct session *s);
/* Human name of attr idx: EVENT_DESC name, or "system:name" of the tracepoint */
const char *session_event_name(const struct session *s, size_t attr_idx);

/* Lets the session use helper threads (today: a writer for the spill file
 * of compressed or piped captures).  Off by default; set before running. */
void session_allow_threads(struct session *s, int on);

/* Runs the whole capture through ops.  0 ok, -1 error (err set). */
int session_run(struct session *s, const struct sess_ops *ops, struct sf_err *err);

const struct sess_stats *session_get_stats(const struct session *s);

/* The recording program's process (perf record with a workload, also
 * with -a): the process named as the recorded command line's first word
 * that had forked a process (the workload) when the first sample came.
 * 0 while unknown or when there is none. */
uint32_t session_recorder_pid(const struct session *s);

/* Every mapping ever seen (for `info`'s binary list), in creation order. */
size_t session_nr_all_maps(const struct session *s);
const struct sess_map *session_all_map(const struct session *s, size_t i);

/* Thread table for `info` and `top`: tid -> last comm and pid. */
struct sess_thread_info { uint32_t pid, tid; const char *comm; uint64_t samples; };
size_t session_nr_threads(const struct session *s);
const struct sess_thread_info *session_thread(const struct session *s, size_t i);

#endif
