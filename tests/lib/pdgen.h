/* pdgen.h - a small synthetic perf.data builder for tests and fuzz seeds.
 *
 * Builds file-mode or pipe-mode images in either byte order, with attrs
 * (ids, names), feature sections, a tracing-data blob and any records,
 * optionally packed into zstd PERF_RECORD_COMPRESSED(2) records.
 *
 *   struct pdgen *g = pdgen_new(PDGEN_PIPE | PDGEN_SWAP);
 *   uint64_t ids[] = { 7, 8 };
 *   struct pdgen_attr a = { .type = 2, .config = 42,
 *       .sample_type = PD_S_IP | PD_S_TID | PD_S_TIME | PD_S_ID,
 *       .sample_id_all = 1, .name = "syscalls:sys_enter_write",
 *       .ids = ids, .nr_ids = 2 };
 *   pdgen_add_attr(g, &a);                       // attr index 0
 *   pdgen_feature_string(g, PDGEN_FEAT_HOSTNAME, "box");
 *   struct pdgen_sample s = { .ip = 0x401000, .pid = 1, .tid = 1,
 *                             .time = 100, .id = 7 };
 *   pdgen_comm(g, 0, 1, 1, "prog", 1, &s);       // trailer from s
 *   pdgen_sample(g, 0, &s);
 *   size_t len;
 *   uint8_t *img = pdgen_finish(g, &len);        // malloc'd; caller frees
 *   pdgen_free(g);
 *
 * Records are built in the image's byte order: between pdgen_rec_begin()
 * and pdgen_rec_end() use pdgen_u16/u32/u64/bytes/str; the size field is
 * patched at the end.  Features are built the same way between
 * pdgen_feature_begin() and pdgen_feature_end().  pdgen_raw() appends
 * bytes to the data stream untouched (for hostile inputs).
 *
 * Layout (file mode): 104-byte header | per-attr id arrays | attr section |
 * data | feature table | feature payloads.  A name on any attr makes an
 * EVENT_DESC feature; pdgen_tracing_data() makes feature 1.  Pipe mode: the
 * 16-byte header, HEADER_ATTR records, EVENT_UPDATE name records (for attrs
 * with a name and an id), HEADER_FEATURE records, HEADER_TRACING_DATA + blob,
 * then the data records. */
#ifndef PDGEN_H
#define PDGEN_H

#include <stddef.h>
#include <stdint.h>

enum pdgen_flags {
    PDGEN_PIPE = 1,          /* pipe-mode stream instead of a file */
    PDGEN_SWAP = 2,          /* write the other endianness */
    PDGEN_COMPRESSED2 = 4,   /* pdgen_compress() emits type 83, not 81 */
};

enum pdgen_feature {
    PDGEN_FEAT_TRACING_DATA = 1, PDGEN_FEAT_BUILD_ID = 2,
    PDGEN_FEAT_HOSTNAME = 3, PDGEN_FEAT_OSRELEASE = 4,
    PDGEN_FEAT_VERSION = 5, PDGEN_FEAT_ARCH = 6, PDGEN_FEAT_NRCPUS = 7,
    PDGEN_FEAT_CPUDESC = 8, PDGEN_FEAT_CPUID = 9, PDGEN_FEAT_TOTAL_MEM = 10,
    PDGEN_FEAT_CMDLINE = 11, PDGEN_FEAT_EVENT_DESC = 12,
    PDGEN_FEAT_SAMPLE_TIME = 21, PDGEN_FEAT_CLOCKID = 23,
    PDGEN_FEAT_COMPRESSED = 27,
};

struct pdgen_attr {
    uint32_t type;             /* 2 = tracepoint */
    uint32_t size;             /* attr.size to write; 0 = 128 */
    uint64_t config, sample_period, sample_type, read_format;
    uint64_t flags;            /* raw flag word; bit 18 added if below */
    int sample_id_all;
    uint64_t branch_sample_type, sample_regs_user, sample_regs_intr;
    uint32_t sample_stack_user;
    const char *name;          /* NULL = unnamed */
    const uint64_t *ids;
    size_t nr_ids;
};

/* Field values of a sample; only those selected by the attr's sample_type
 * are written, in kernel order.  `id` is used for both ID and IDENTIFIER.
 * For records with a sample_id_all trailer, the identity fields (pid, tid,
 * time, id, stream_id, cpu) are taken from here. */
struct pdgen_sample {
    uint64_t ip, time, addr, id, stream_id, period;
    uint32_t pid, tid, cpu;
    const uint64_t *read_values;   /* the READ field's words, as-is */
    size_t nr_read_values;
    const uint64_t *callchain;
    uint64_t nr_callchain;         /* written as-is (may lie) */
    const void *raw;               /* padded with zeros so 4+size % 8 == 0 */
    uint32_t raw_size;
    const uint64_t *branches;      /* nr_branches * 3 words */
    uint64_t nr_branches, hw_idx;  /* hw_idx written if branch_sample_type
                                      has bit 17 */
    uint64_t regs_abi;             /* 0: no registers follow */
    const uint64_t *regs;          /* popcount(sample_regs_user) values */
    uint64_t intr_abi;
    const uint64_t *intr_regs;
    const void *stack;             /* stack_size bytes (NULL: zeros) */
    uint64_t stack_size, stack_dyn_size;
    uint64_t weight, data_src, transaction, phys_addr, cgroup;
    uint64_t data_page_size, code_page_size;
    const void *aux;
    uint64_t aux_size;
};

struct pdgen;

struct pdgen *pdgen_new(unsigned flags);
void pdgen_free(struct pdgen *g);
/* Returns the attr index. */
size_t pdgen_add_attr(struct pdgen *g, const struct pdgen_attr *a);

/* Features: payload in the image's byte order. */
void pdgen_feature_begin(struct pdgen *g, unsigned bit);
void pdgen_feature_end(struct pdgen *g);
void pdgen_feature_string(struct pdgen *g, unsigned bit, const char *s);
void pdgen_tracing_data(struct pdgen *g, const void *blob, size_t len);

/* Records (header written by begin, size patched by end). */
void pdgen_rec_begin(struct pdgen *g, uint32_t type, uint16_t misc);
void pdgen_rec_end(struct pdgen *g);
void pdgen_u16(struct pdgen *g, uint16_t v);
void pdgen_u32(struct pdgen *g, uint32_t v);
void pdgen_u64(struct pdgen *g, uint64_t v);
void pdgen_bytes(struct pdgen *g, const void *p, size_t n);
/* perf string: NUL-terminated, zero padded to a multiple of 8 (records) */
void pdgen_str(struct pdgen *g, const char *s);
/* perf header string: u32 len (padded to 64) + bytes (features) */
void pdgen_hstr(struct pdgen *g, const char *s);
/* Appends the sample_id_all trailer of attr `attr` (if it has one). */
void pdgen_id_trailer(struct pdgen *g, size_t attr, const struct pdgen_sample *s);
/* Raw bytes appended to the data stream, outside any record. */
void pdgen_raw(struct pdgen *g, const void *p, size_t n);

/* Whole records. `idn` supplies the trailer (may be NULL: zeros). */
void pdgen_sample(struct pdgen *g, size_t attr, const struct pdgen_sample *s);
void pdgen_comm(struct pdgen *g, size_t attr, uint32_t pid, uint32_t tid,
                const char *comm, int exec, const struct pdgen_sample *idn);
void pdgen_mmap2(struct pdgen *g, size_t attr, uint32_t pid, uint32_t tid,
                 uint64_t start, uint64_t len, uint64_t pgoff,
                 const char *filename, const struct pdgen_sample *idn);
/* type 7 (FORK) or 4 (EXIT) */
void pdgen_task(struct pdgen *g, size_t attr, uint32_t type, uint32_t pid,
                uint32_t ppid, uint32_t tid, uint32_t ptid, uint64_t time,
                const struct pdgen_sample *idn);
void pdgen_finished_round(struct pdgen *g);

/* While on, records are collected; switching off (or pdgen_finish) packs
 * them into one zstd frame split into COMPRESSED records carrying at most
 * `chunk` compressed bytes each (small chunks split records between two
 * compressed records).  Also adds the COMPRESSED feature. */
void pdgen_compress(struct pdgen *g, int on, size_t chunk);

/* The finished image (malloc'd, caller frees).  The generator may be freed
 * afterwards; pdgen_data_offset() tells where the data section starts. */
uint8_t *pdgen_finish(struct pdgen *g, size_t *len);
uint64_t pdgen_data_offset(const struct pdgen *g);
/* Writes the image to `path`; 0 or -1. */
int pdgen_write_file(struct pdgen *g, const char *path);

#endif
