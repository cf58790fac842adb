/* capinfo.h - what one capture holds, as data: the header's facts (perf
 * version, host, command line, compression), events with their sample
 * counts, record and loss counts, the executable mappings with build-ids.
 * Collected from the session by the driver's on_capture hook, so that
 * `info` formats it without reaching into the reader. */
#ifndef CAPINFO_H
#define CAPINFO_H

#include <stddef.h>
#include <stdint.h>

#include "callchain.h"

struct session;

struct capinfo_event { char *name; uint64_t count; };
struct capinfo_map { char *path; char build_id[41]; };

struct capinfo {
    int pipe_mode, byte_swapped, compressed;
    uint32_t comp_type, comp_level, comp_ratio, nr_cpus_online;
    char *hostname, *osrelease, *perf_version, *arch, *cpudesc, *cmdline;
    enum callchain_mode call_graph;
    uint64_t samples, lost_events, lost_samples, first_time, last_time;
    uint64_t nr_threads, nr_processes;
    uint64_t records_total, unknown_records, compressed_records;
    struct capinfo_event *events;       /* events with samples */
    size_t nr_events;
    struct capinfo_map *maps;           /* one per distinct executable file */
    size_t nr_maps;
};

/* Fills ci (zeroed first) from a session that has read its capture. */
void capinfo_collect(struct capinfo *ci, struct session *s);
void capinfo_release(struct capinfo *ci);

#endif
