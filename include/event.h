/* event.h - DECODER stage: turns a raw pd_record into a typed event in host
 * byte order.  Samples are decoded by their attr's sample_type, in the
 * kernel's field order; non-sample records get their sample_id_all trailer
 * (pid/tid, time, id, cpu) decoded too.  Pointers inside an event point into
 * the record (or into the decoder's scratch buffers when the file is byte
 * swapped) and stay valid until the next ev_decode() on the same decoder. */
#ifndef EVENT_H
#define EVENT_H

#include <stdint.h>
#include <stddef.h>
#include "sf.h"
#include "perfdata.h"

/* Callchain context markers (values >= (u64)-4095). */
#define EV_CONTEXT_HV          ((uint64_t)-32)
#define EV_CONTEXT_KERNEL      ((uint64_t)-128)
#define EV_CONTEXT_USER        ((uint64_t)-512)
#define EV_CONTEXT_GUEST       ((uint64_t)-2048)
#define EV_CONTEXT_GUEST_KERNEL ((uint64_t)-2176)
#define EV_CONTEXT_GUEST_USER  ((uint64_t)-2560)
#define EV_CONTEXT_MAX         ((uint64_t)-4095)

/* x86-64 perf register numbers (perf_regs ABI) */
enum ev_x86_reg {
    EV_X86_AX = 0, EV_X86_BX, EV_X86_CX, EV_X86_DX, EV_X86_SI, EV_X86_DI,
    EV_X86_BP, EV_X86_SP, EV_X86_IP, EV_X86_FLAGS, EV_X86_CS, EV_X86_SS,
    EV_X86_DS, EV_X86_ES, EV_X86_FS, EV_X86_GS,
    EV_X86_R8 = 16, EV_X86_R9, EV_X86_R10, EV_X86_R11, EV_X86_R12,
    EV_X86_R13, EV_X86_R14, EV_X86_R15,
    EV_X86_NREGS = 24,
};

/* The fields common to every event that carries sample identity. */
struct ev_id {
    uint32_t pid, tid;
    uint64_t time;
    uint64_t id;
    uint32_t cpu;
    int has_tid, has_time, has_id, has_cpu;
};

struct ev_sample {
    struct ev_id idn;
    const struct pd_attr *attr;   /* never NULL after a successful decode */
    size_t attr_index;
    uint16_t misc;                /* cpumode = misc & 7 */
    uint64_t ip;
    uint64_t addr;
    uint64_t period;
    uint64_t stream_id;
    uint64_t nr_callchain;
    const uint64_t *callchain;    /* host order, nr_callchain entries */
    uint32_t raw_size;
    const uint8_t *raw;           /* tracepoint payload (file byte order) */
    uint64_t regs_abi;            /* 0 none, 1 32-bit, 2 64-bit */
    uint64_t regs_mask;           /* attr.sample_regs_user */
    uint64_t regs[64];            /* indexed by perf register number;
                                     valid where regs_mask has the bit */
    uint64_t stack_size;          /* requested dump size */
    const uint8_t *stack;         /* dump, starting at the sampled SP */
    uint64_t stack_dyn_size;      /* valid bytes of the dump */
    uint64_t weight;
    uint64_t data_src;
    uint64_t transaction;
    uint64_t phys_addr;
    uint64_t cgroup;
};

struct ev_mmap {               /* MMAP and MMAP2 */
    struct ev_id idn;
    uint32_t pid, tid;
    uint64_t start, len, pgoff;
    uint32_t maj, min;
    uint64_t ino, ino_generation;
    uint32_t prot, flags;
    uint8_t build_id[20];
    uint8_t build_id_size;        /* MMAP2 with PERF_RECORD_MISC_MMAP_BUILD_ID */
    int is_mmap2;
    int is_data;                  /* misc bit 13 (MMAP_DATA) */
    uint16_t misc;
    const char *filename;         /* NUL-terminated, inside the record */
};

struct ev_comm {
    struct ev_id idn;
    uint32_t pid, tid;
    int exec;                     /* misc bit 13 (COMM_EXEC) */
    const char *comm;
};

struct ev_task {               /* FORK and EXIT */
    struct ev_id idn;
    uint32_t pid, ppid, tid, ptid;
    uint64_t time;
};

struct ev_lost {               /* LOST (id, lost) and LOST_SAMPLES (lost) */
    struct ev_id idn;
    uint64_t id;
    uint64_t lost;
};

struct ev_throttle {
    struct ev_id idn;
    uint64_t time, id, stream_id;
    int unthrottle;
};

struct ev_ksymbol {
    struct ev_id idn;
    uint64_t addr;
    uint32_t len;
    uint16_t ksym_type, flags;
    const char *name;
};

enum ev_kind {
    EV_OTHER = 0,   /* known but not decoded further (round markers etc.) */
    EV_SAMPLE, EV_MMAP, EV_COMM, EV_FORK, EV_EXIT, EV_LOST, EV_LOST_SAMPLES,
    EV_THROTTLE, EV_KSYMBOL, EV_FINISHED_ROUND, EV_FINISHED_INIT,
    EV_UNKNOWN,     /* unknown type: skipped by its size */
};

struct ev_event {
    enum ev_kind kind;
    uint32_t type;
    uint64_t file_offset;
    union {
        struct ev_sample sample;
        struct ev_mmap mmap;
        struct ev_comm comm;
        struct ev_task task;
        struct ev_lost lost;
        struct ev_throttle throttle;
        struct ev_ksymbol ksymbol;
    } u;
};

struct ev_decoder;

struct ev_decoder *ev_decoder_new(const struct pd_file *pd);
void ev_decoder_free(struct ev_decoder *d);

/* Decodes rec.  0 on success, -1 on a malformed record (err names the file
 * and offset: "'F': sample at offset N: callchain of 2^60 entries exceeds the
 * record").  Samples whose id matches no attr are an error too. */
int ev_decode(struct ev_decoder *d, const struct pd_record *rec,
              struct ev_event *ev, struct sf_err *err);

/* Reads just the timestamp of a record (for ordering), 0 if it has none. */
int ev_record_time(const struct ev_decoder *d, const struct pd_record *rec,
                   uint64_t *time);

#endif
