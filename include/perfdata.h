/* perfdata.h - READER stage: opens a perf.data capture (file mode, pipe mode,
 * a whole-file .zst, or "-" for stdin), parses the header, attributes and
 * feature sections, and hands out raw records one at a time, with
 * PERF_RECORD_COMPRESSED(2) payloads already decompressed (one zstd stream
 * per file; a record may straddle two compressed records).  It knows nothing
 * of samples' meaning: event.h decodes records.
 *
 * Memory stays bounded: the data section is read through a window, never
 * whole.  Every error names the file and the byte offset. */
#ifndef PERFDATA_H
#define PERFDATA_H

#include <stdint.h>
#include <stddef.h>
#include "sf.h"

/* perf record types we name (values from the kernel/perf ABI). */
enum pd_record_type {
    PD_REC_MMAP = 1, PD_REC_LOST = 2, PD_REC_COMM = 3, PD_REC_EXIT = 4,
    PD_REC_THROTTLE = 5, PD_REC_UNTHROTTLE = 6, PD_REC_FORK = 7,
    PD_REC_READ = 8, PD_REC_SAMPLE = 9, PD_REC_MMAP2 = 10, PD_REC_AUX = 11,
    PD_REC_ITRACE_START = 12, PD_REC_LOST_SAMPLES = 13, PD_REC_SWITCH = 14,
    PD_REC_SWITCH_CPU_WIDE = 15, PD_REC_NAMESPACES = 16, PD_REC_KSYMBOL = 17,
    PD_REC_BPF_EVENT = 18, PD_REC_CGROUP = 19, PD_REC_TEXT_POKE = 20,
    PD_REC_AUX_OUTPUT_HW_ID = 21,
    /* user (perf tool) records */
    PD_REC_HEADER_ATTR = 64, PD_REC_HEADER_EVENT_TYPE = 65,
    PD_REC_HEADER_TRACING_DATA = 66, PD_REC_HEADER_BUILD_ID = 67,
    PD_REC_FINISHED_ROUND = 68, PD_REC_ID_INDEX = 69, PD_REC_AUXTRACE_INFO = 70,
    PD_REC_AUXTRACE = 71, PD_REC_AUXTRACE_ERROR = 72, PD_REC_THREAD_MAP = 73,
    PD_REC_CPU_MAP = 74, PD_REC_STAT_CONFIG = 75, PD_REC_STAT = 76,
    PD_REC_STAT_ROUND = 77, PD_REC_EVENT_UPDATE = 78, PD_REC_TIME_CONV = 79,
    PD_REC_HEADER_FEATURE = 80, PD_REC_COMPRESSED = 81,
    PD_REC_FINISHED_INIT = 82, PD_REC_COMPRESSED2 = 83,
    PD_REC_MAX = 128,
};

/* sample_type bits */
enum pd_sample_type {
    PD_S_IP = 1u << 0, PD_S_TID = 1u << 1, PD_S_TIME = 1u << 2,
    PD_S_ADDR = 1u << 3, PD_S_READ = 1u << 4, PD_S_CALLCHAIN = 1u << 5,
    PD_S_ID = 1u << 6, PD_S_CPU = 1u << 7, PD_S_PERIOD = 1u << 8,
    PD_S_STREAM_ID = 1u << 9, PD_S_RAW = 1u << 10,
    PD_S_BRANCH_STACK = 1u << 11, PD_S_REGS_USER = 1u << 12,
    PD_S_STACK_USER = 1u << 13, PD_S_WEIGHT = 1u << 14,
    PD_S_DATA_SRC = 1u << 15, PD_S_IDENTIFIER = 1u << 16,
    PD_S_TRANSACTION = 1u << 17, PD_S_REGS_INTR = 1u << 18,
    PD_S_PHYS_ADDR = 1u << 19, PD_S_AUX = 1u << 20, PD_S_CGROUP = 1u << 21,
    PD_S_DATA_PAGE_SIZE = 1u << 22, PD_S_CODE_PAGE_SIZE = 1u << 23,
    PD_S_WEIGHT_STRUCT = 1u << 24,
};

/* One event attribute (perf_event_attr), fields in host byte order.  We keep
 * only what decoding needs; `size` is the attr size the file used. */
struct pd_attr {
    uint32_t type;             /* 2 = tracepoint */
    uint32_t size;
    uint64_t config;           /* tracepoint id for type 2 */
    uint64_t sample_period;
    uint64_t sample_type;
    uint64_t read_format;
    uint64_t flags;            /* the bitfield word at offset 40 */
    uint64_t branch_sample_type;
    uint64_t sample_regs_user;
    uint32_t sample_stack_user;
    uint64_t sample_regs_intr;
    uint16_t sample_max_stack;
    int sample_id_all;         /* flags bit 18 */
    int exclude_callchain_user;/* flags bit 22 */
    char *name;                /* from EVENT_DESC / EVENT_UPDATE, else NULL */
    uint64_t *ids;             /* sample ids that map to this attr */
    size_t nr_ids;
    size_t index;              /* position in pd_attr(pd, i) */
};

/* One HEADER_BUILD_ID entry (file feature or pipe record). */
struct pd_build_id {
    int32_t pid;
    uint8_t id[20];
    uint8_t size;              /* valid bytes in id */
    uint16_t misc;             /* cpumode in misc & 7 */
    char *filename;
};

/* Header facts for `info` (any may be NULL/0 when the capture lacks them). */
struct pd_info {
    int pipe_mode;
    int byte_swapped;          /* file written on the other endianness */
    char *hostname, *osrelease, *perf_version, *arch, *cpudesc, *cpuid;
    uint32_t nr_cpus_online, nr_cpus_avail;
    uint64_t total_mem_kb;
    char **cmdline;            /* argv as recorded */
    size_t cmdline_argc;
    uint64_t first_sample_time, last_sample_time; /* SAMPLE_TIME feature */
    int compressed;            /* COMPRESSED feature present */
    uint32_t comp_type, comp_level, comp_ratio, comp_mmap_len;
    struct pd_build_id *build_ids;
    size_t nr_build_ids;
    int32_t clockid; int has_clockid; /* from attr.clockid (use_clockid) */
    uint64_t clock_res_ns;            /* CLOCKID feature: clock resolution */
    uint64_t data_offset, data_size;  /* file mode */
    /* A file that ends inside its data section (a copy cut short, or perf
     * record killed before it finished the file): read up to the cut,
     * without the feature sections perf writes after the data.  cut_at:
     * the file's size (0: the file is whole); cut_no_size: the header
     * gives no data size (perf never finished it); recorded_data_size: the
     * header's; cut_partial: bytes of an incomplete last record, skipped;
     * cut_after_data: the data is whole, the file ends in the feature
     * sections (those before the cut are read). */
    uint64_t cut_at, recorded_data_size, cut_partial;
    int cut_no_size, cut_after_data;
    int cut_in_stream;                /* pipe mode: the stream ends inside a record */
    /* -z: bytes of a record the inflated data ends inside.  perf record
     * flushes a compressed block only as far as one record's room, and
     * never the rest of its last one: a busy capture can end a record
     * short (perf script leaves it out too).  Read up to it. */
    uint64_t cut_compressed;
    uint64_t feature_bits[4];         /* which features were present */
    /* tracing-data blob (feature 1 or pipe record 66); NULL if absent */
    const uint8_t *tracing_data;
    size_t tracing_data_size;
};

/* A raw record as it came out of the stream (decompressed if needed).
 * `data` points at the record header; valid until the next pd_next().
 * Multi-byte fields are in the FILE's byte order: use event.h to decode. */
struct pd_record {
    uint32_t type;             /* host order */
    uint16_t misc;             /* host order */
    uint16_t size;             /* host order, includes the 8-byte header */
    const uint8_t *data;       /* size bytes */
    uint64_t file_offset;      /* offset of the record (or of the enclosing
                                  compressed record) in the file */
    int from_compressed;       /* came out of a COMPRESSED record */
};

struct pd_file;

/* Opens `path` ("-" = stdin).  Reads the header, attrs and (file mode)
 * feature sections; in pipe mode the header records up to the first data
 * record are consumed as they arrive and surface as attrs/info too.
 * Returns 0 or -1 with err set ("'PATH': not a perf.data file ..."). */
int pd_open(const char *path, struct pd_file **out, struct sf_err *err);
void pd_close(struct pd_file *pd);

const char *pd_path(const struct pd_file *pd);
int pd_swapped(const struct pd_file *pd);
const struct pd_info *pd_get_info(const struct pd_file *pd);
size_t pd_nr_attrs(const struct pd_file *pd);
const struct pd_attr *pd_attr(const struct pd_file *pd, size_t idx);
/* The attr a sample id belongs to, or NULL (single-attr captures: attr 0). */
const struct pd_attr *pd_attr_by_id(const struct pd_file *pd, uint64_t id);

/* Next record: 1 = got one, 0 = end of data, -1 = error (err names file
 * and offset).  Header-only pipe records (attr, feature, tracing data,
 * event update, build id) are consumed internally but still returned so
 * callers can count them.  Unknown types are returned as-is. */
int pd_next(struct pd_file *pd, struct pd_record *rec, struct sf_err *err);

/* A descriptor to pread records (not from COMPRESSED ones) back at their
 * file_offset, for seekable file inputs; -1 otherwise.  Owned by pd. */
int pd_reread_fd(const struct pd_file *pd);
/* Asks the CPU to start loading the parts of an in-place record that
 * decoding and unwinding read first (a hint; no effect on other inputs). */
void pd_prefetch_record(const struct pd_file *pd, uint64_t file_offset, size_t size);
/* The bytes of a record (not from a COMPRESSED one) at file_offset when the
 * input is read in place (mapped file, memory image); NULL otherwise.  Valid
 * until pd_close. */
const uint8_t *pd_record_in_place(const struct pd_file *pd, uint64_t file_offset,
                                  size_t size);
/* Whether [p, p+len) lies in an input read in place (so it stays valid
 * until pd_close). */
int pd_holds(const struct pd_file *pd, const void *p, size_t len);

/* Counters kept by the reader. */
struct pd_stats {
    uint64_t records_by_type[PD_REC_MAX];
    uint64_t unknown_records;        /* type >= PD_REC_MAX or unnamed */
    uint64_t unknown_features;
    uint64_t compressed_records;
    uint64_t compressed_bytes_in, compressed_bytes_out;
    uint64_t bytes_read;
};
const struct pd_stats *pd_get_stats(const struct pd_file *pd);
/* How far the reader is into the data section: *done of *total bytes (in
 * the decompressed stream for a .zst).  0 when its end is not known (pipe
 * mode). */
int pd_progress(const struct pd_file *pd, uint64_t *done, uint64_t *total);

/* Parses `buf` as a perf.data image in memory (for tests and fuzzing);
 * same semantics as pd_open; `name` is used in messages. */
int pd_open_mem(const char *name, const uint8_t *buf, size_t len,
                struct pd_file **out, struct sf_err *err);

#endif
