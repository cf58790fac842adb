/* mkseeds.c - regenerates the seed corpora in testdata/fuzz/ from the real
 * recording testdata/rec/go-oracle.data (tracing data, tracepoint payloads,
 * registers + stack copies of real samples) and synthetic perf.data images
 * built with tests/lib/pdgen (file/pipe mode, both byte orders, compressed).
 * A developer tool, not part of the build: see doc/fuzzing.md.
 *   usage: mkseeds TESTDATA OUTDIR */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "pdgen.h"
#include "perfdata.h"
#include "session.h"

static const char *outdir;

static void put(const char *harness, const char *name, const void *a, size_t na,
                const void *b, size_t nb)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/%s/%s", outdir, harness, name);
    FILE *f = fopen(path, "wb");
    if (!f) {
        perror(path);
        exit(1);
    }
    fwrite(a, 1, na, f);
    if (nb)
        fwrite(b, 1, nb, f);
    fclose(f);
}


/* --- a small tracing-data blob: the real one with only a few formats --- */
struct cur { const uint8_t *p; size_t n, off; };
static uint32_t c32(struct cur *c) { uint32_t v; memcpy(&v, c->p + c->off, 4); c->off += 4; return v; }
static uint64_t c64(struct cur *c) { uint64_t v; memcpy(&v, c->p + c->off, 8); c->off += 8; return v; }
static void out(uint8_t **o, size_t *len, const void *p, size_t n)
{
    *o = realloc(*o, *len + n);
    memcpy(*o + *len, p, n);
    *len += n;
}
static int keep_format(const char *text, size_t n)
{
    static const char *keep[] = { "name: sys_enter_write\n", "name: sys_enter_futex\n",
        "name: sys_enter_mmap\n", "name: sys_enter_nanosleep\n",
        "name: sys_enter_rt_sigaction\n", "name: sys_enter_openat\n",
        "name: sys_exit_read\n", "name: sys_enter_prctl\n", "name: sys_enter_execve\n" };
    for (size_t i = 0; i < sizeof(keep) / sizeof(keep[0]); i++)
        if (n >= strlen(keep[i]) && memmem(text, n, keep[i], strlen(keep[i])))
            return 1;
    return 0;
}
static uint8_t *trim_blob(const uint8_t *b, size_t n, size_t *out_len)
{
    struct cur c = { b, n, 10 };
    uint8_t *o = NULL;
    size_t len = 0;
    c.off += strlen((const char *)b + 10) + 1 + 2 + 4;     /* version, endian, long, page */
    out(&o, &len, b, c.off);
    for (int h = 0; h < 2; h++) {                              /* header_page, header_event */
        size_t start = c.off;
        c.off += strlen((const char *)b + c.off) + 1;
        uint64_t l = c64(&c);
        c.off += l;
        out(&o, &len, b + start, c.off - start);
    }
    uint32_t nf = c32(&c), first = nf ? 1 : 0, zero = 0;
    out(&o, &len, &first, 4);
    for (uint32_t i = 0; i < nf; i++) {                        /* ftrace: keep the first */
        size_t start = c.off;
        uint64_t l = c64(&c);
        c.off += l;
        if (i == 0)
            out(&o, &len, b + start, c.off - start);
    }
    uint32_t systems = c32(&c), kept_sys = 0;
    size_t sys_count_at = len;
    out(&o, &len, &zero, 4);
    for (uint32_t s = 0; s < systems; s++) {
        const char *sys = (const char *)b + c.off;
        c.off += strlen(sys) + 1;
        uint32_t count = c32(&c), kept = 0;
        size_t name_at = len;
        out(&o, &len, sys, strlen(sys) + 1);
        size_t count_at = len;
        out(&o, &len, &zero, 4);
        for (uint32_t i = 0; i < count; i++) {
            size_t start = c.off;
            uint64_t l = c64(&c);
            c.off += l;
            if (keep_format((const char *)b + start + 8, l)) {
                out(&o, &len, b + start, c.off - start);
                kept++;
            }
        }
        if (kept) {
            memcpy(o + count_at, &kept, 4);
            kept_sys++;
        } else {
            len = name_at;
        }
    }
    memcpy(o + sys_count_at, &kept_sys, 4);
    out(&o, &len, &zero, 4);                                   /* kallsyms */
    out(&o, &len, &zero, 4);                                   /* printk */
    uint64_t z64 = 0;
    out(&o, &len, &z64, 8);                                    /* saved cmdlines */
    *out_len = len;
    return o;
}

static int nr_unwind, nr_raw;
static const uint8_t *blob;
static size_t blob_len;

static void le64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static int on_sample(void *arg, const struct sess_sample *ss, struct sf_err *err)
{
    const struct ev_sample *s = ss->sample;
    char name[64];
    (void)arg; (void)err;
    if (nr_unwind < 12 && s->ip >= 0x400000 && s->ip < 0x542000 &&
        s->stack_dyn_size >= 512 && (ss->seq % 7) == 0) {
        uint8_t hdr[34] = {0};
        size_t n = s->stack_dyn_size < 2048 ? s->stack_dyn_size : 2048;
        hdr[0] = 2;                                 /* raw ip */
        le64(hdr + 1, s->regs[8]);
        le64(hdr + 9, s->regs[7]);
        le64(hdr + 17, s->regs[6]);
        snprintf(name, sizeof(name), "go-sample-%02d", nr_unwind++);
        put("fuzz_unwind", name, hdr, sizeof(hdr), s->stack, n);
    }
    static const char *raw_events[] = { "syscalls:sys_enter_write",
        "syscalls:sys_enter_futex", "syscalls:sys_enter_mmap", "syscalls:sys_enter_openat" };
    if (nr_raw < 4 && s->raw_size && ss->event_name &&
        strcmp(ss->event_name, raw_events[nr_raw]) == 0) {
        uint8_t *buf = malloc(2 + blob_len);
        buf[0] = (uint8_t)s->raw_size;
        buf[1] = (uint8_t)(s->raw_size >> 8);
        memcpy(buf + 2, blob, blob_len);
        snprintf(name, sizeof(name), "oracle-blob-raw-%d", nr_raw++);
        put("fuzz_tracepoint", name, buf, 2 + blob_len, s->raw, s->raw_size);
        free(buf);
    }
    return 0;
}

/* A small synthetic capture: every record kind the session keeps. */
static void synth(unsigned flags, const char *name, int compress)
{
    struct pdgen *g = pdgen_new(flags);
    uint64_t ids[] = { 11, 12 };
    struct pdgen_attr a = { .type = 2, .config = 700,
        .sample_type = PD_S_IP | PD_S_TID | PD_S_TIME | PD_S_ID | PD_S_CPU |
                       PD_S_PERIOD | PD_S_CALLCHAIN | PD_S_RAW | PD_S_REGS_USER |
                       PD_S_STACK_USER,
        .sample_id_all = 1, .name = "syscalls:sys_enter_write",
        .sample_regs_user = 0x1c0, .sample_stack_user = 64, .ids = ids, .nr_ids = 2 };
    pdgen_add_attr(g, &a);
    pdgen_feature_string(g, PDGEN_FEAT_HOSTNAME, "box");
    pdgen_feature_string(g, PDGEN_FEAT_ARCH, "x86_64");
    if (blob)
        pdgen_tracing_data(g, blob, blob_len);
    if (compress)
        pdgen_compress(g, 1, 64);
    struct pdgen_sample s = { .pid = 100, .tid = 101, .time = 1000, .id = 11, .cpu = 1,
                              .period = 1 };
    pdgen_comm(g, 0, 100, 100, "oracle.test", 1, &s);
    pdgen_task(g, 0, 7, 100, 100, 101, 100, 1001, &s);
    pdgen_mmap2(g, 0, 100, 100, 0x400000, 0x142000, 0, "/tmp/sfrec/oracle.test", &s);
    uint64_t chain[] = { (uint64_t)-128, 0xffffffff81000000ull, (uint64_t)-512, 0x401234 };
    uint64_t regs[] = { 0x7ffd00001000ull, 0x7ffd00000ff0ull, 0x401234 };
    uint8_t raw[20] = { 0x01, 0, 0, 0, 0x2a };
    uint8_t stack[64] = { 0x34, 0x12, 0x40 };
    for (int i = 0; i < 3; i++) {
        s.time = 2000 + (uint64_t)i * 10;
        s.ip = 0x401234 + (uint64_t)i;
        s.callchain = chain;
        s.nr_callchain = 4;
        s.raw = raw;
        s.raw_size = sizeof(raw);
        s.regs_abi = 2;
        s.regs = regs;
        s.stack = stack;
        s.stack_size = 64;
        s.stack_dyn_size = 48;
        pdgen_sample(g, 0, &s);
    }
    pdgen_finished_round(g);
    pdgen_task(g, 0, 4, 100, 100, 101, 100, 3000, &s);
    size_t len;
    uint8_t *img = pdgen_finish(g, &len);
    put("fuzz_perfdata", name, img, len, NULL, 0);
    free(img);
    pdgen_free(g);
}

int main(int argc, char **argv)
{
    char path[4096];
    struct session *s;
    struct sf_err err;

    if (argc != 3) {
        fprintf(stderr, "usage: mkseeds TESTDATA OUTDIR\n");
        return 2;
    }
    outdir = argv[2];
    snprintf(path, sizeof(path), "%s/rec/go-oracle.data", argv[1]);
    if (session_open(path, &s, &err) < 0) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    const struct pd_info *info = pd_get_info(session_file(s));
    blob = trim_blob(info->tracing_data, info->tracing_data_size, &blob_len);
    uint8_t zero[2] = { 0, 0 };
    put("fuzz_tracepoint", "oracle-blob", zero, 2, blob, blob_len);
    synth(0, "synth-file", 0);
    synth(PDGEN_PIPE, "synth-pipe", 0);
    synth(PDGEN_SWAP, "synth-file-swapped", 0);
    synth(PDGEN_PIPE | PDGEN_SWAP, "synth-pipe-swapped", 0);
    synth(0, "synth-file-zstd", 1);
    synth(PDGEN_PIPE | PDGEN_COMPRESSED2, "synth-pipe-zstd2", 1);
    struct sess_ops ops = { .sample = on_sample };
    if (session_run(s, &ops, &err) < 0) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    session_free(s);
    return 0;
}
