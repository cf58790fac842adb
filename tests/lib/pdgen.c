/* pdgen.c - synthetic perf.data builder for tests: assembles file- or
 * pipe-mode images in either byte order from attrs, features and records
 * (see pdgen.h).  Test-only code: allocation failures abort via xmalloc. */
#include "pdgen.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zstd.h>

#include "sf.h"
#include "perfdata.h"

#define PERF_MAGIC 0x32454c4946524550ULL

struct gbuf {
    uint8_t *p;
    size_t len, cap;
};

struct gattr {
    struct pdgen_attr a;
    char *name;
    uint64_t *ids;
};

struct pdgen {
    unsigned flags;
    int swap;
    struct gattr *attrs;
    size_t nr_attrs, cap_attrs;
    struct gbuf feats[256];
    int has_feat[256];
    struct gbuf data, plain;
    struct gbuf *cur;
    size_t rec_start;
    int compressing, used_compression;
    size_t chunk;
    ZSTD_CCtx *cctx;
    uint8_t *tracing;
    size_t tracing_len;
    int has_tracing;
    uint64_t data_offset;
};

static void gb_add(struct gbuf *b, const void *p, size_t n)
{
    b->p = xgrow(b->p, 1, b->len + n, &b->cap);
    if (p)
        memcpy(b->p + b->len, p, n);
    else
        memset(b->p + b->len, 0, n);
    b->len += n;
}

static void gb_u16(struct pdgen *g, struct gbuf *b, uint16_t v)
{
    v = g->swap ? sf_bswap16(v) : v;
    gb_add(b, &v, 2);
}

static void gb_u32(struct pdgen *g, struct gbuf *b, uint32_t v)
{
    v = g->swap ? sf_bswap32(v) : v;
    gb_add(b, &v, 4);
}

static void gb_u64(struct pdgen *g, struct gbuf *b, uint64_t v)
{
    v = g->swap ? sf_bswap64(v) : v;
    gb_add(b, &v, 8);
}

static void gb_put64(struct pdgen *g, struct gbuf *b, size_t at, uint64_t v)
{
    v = g->swap ? sf_bswap64(v) : v;
    memcpy(b->p + at, &v, 8);
}

struct pdgen *pdgen_new(unsigned flags)
{
    struct pdgen *g = xcalloc(1, sizeof(*g));
    g->flags = flags;
    g->swap = (flags & PDGEN_SWAP) != 0;
    return g;
}

void pdgen_free(struct pdgen *g)
{
    if (!g)
        return;
    for (size_t i = 0; i < g->nr_attrs; i++) {
        free(g->attrs[i].name);
        free(g->attrs[i].ids);
    }
    free(g->attrs);
    for (int i = 0; i < 256; i++)
        free(g->feats[i].p);
    free(g->data.p);
    free(g->plain.p);
    free(g->tracing);
    ZSTD_freeCCtx(g->cctx);
    free(g);
}

size_t pdgen_add_attr(struct pdgen *g, const struct pdgen_attr *a)
{
    g->attrs = xgrow(g->attrs, sizeof(*g->attrs), g->nr_attrs + 1,
                     &g->cap_attrs);
    struct gattr *n = &g->attrs[g->nr_attrs];
    n->a = *a;
    if (!n->a.size)
        n->a.size = 128;
    if (a->sample_id_all)
        n->a.flags |= 1ULL << 18;
    n->name = a->name ? xstrdup(a->name) : NULL;
    n->ids = xcalloc(a->nr_ids ? a->nr_ids : 1, sizeof(uint64_t));
    if (a->nr_ids)
        memcpy(n->ids, a->ids, a->nr_ids * sizeof(uint64_t));
    n->a.name = n->name;
    n->a.ids = n->ids;
    return g->nr_attrs++;
}

/* perf_event_attr of a.size bytes; fields past the size are left out */
static void put_attr(struct pdgen *g, struct gbuf *b, const struct pdgen_attr *a)
{
    struct gbuf t = { 0 };
    gb_u32(g, &t, a->type);
    gb_u32(g, &t, a->size);
    gb_u64(g, &t, a->config);
    gb_u64(g, &t, a->sample_period);
    gb_u64(g, &t, a->sample_type);
    gb_u64(g, &t, a->read_format);
    gb_u64(g, &t, a->flags);
    gb_add(&t, NULL, 72 - t.len);
    gb_u64(g, &t, a->branch_sample_type);
    gb_u64(g, &t, a->sample_regs_user);
    gb_u32(g, &t, a->sample_stack_user);
    gb_u32(g, &t, 0);
    gb_u64(g, &t, a->sample_regs_intr);
    if (t.len < a->size)
        gb_add(&t, NULL, a->size - t.len);
    gb_add(b, t.p, a->size);
    free(t.p);
}

/* ------------------------------------------------------------------ */

void pdgen_u16(struct pdgen *g, uint16_t v) { gb_u16(g, g->cur, v); }
void pdgen_u32(struct pdgen *g, uint32_t v) { gb_u32(g, g->cur, v); }
void pdgen_u64(struct pdgen *g, uint64_t v) { gb_u64(g, g->cur, v); }
void pdgen_bytes(struct pdgen *g, const void *p, size_t n) { gb_add(g->cur, p, n); }

void pdgen_str(struct pdgen *g, const char *s)
{
    size_t n = strlen(s) + 1;
    gb_add(g->cur, s, n);
    gb_add(g->cur, NULL, (8 - n % 8) % 8);
}

void pdgen_hstr(struct pdgen *g, const char *s)
{
    size_t n = strlen(s) + 1, padded = (n + 63) / 64 * 64;
    gb_u32(g, g->cur, (uint32_t)padded);
    gb_add(g->cur, s, n);
    gb_add(g->cur, NULL, padded - n);
}

void pdgen_feature_begin(struct pdgen *g, unsigned bit)
{
    g->has_feat[bit & 255] = 1;
    g->feats[bit & 255].len = 0;
    g->cur = &g->feats[bit & 255];
}

void pdgen_feature_end(struct pdgen *g)
{
    g->cur = NULL;
}

void pdgen_feature_string(struct pdgen *g, unsigned bit, const char *s)
{
    pdgen_feature_begin(g, bit);
    pdgen_hstr(g, s);
    pdgen_feature_end(g);
}

void pdgen_tracing_data(struct pdgen *g, const void *blob, size_t len)
{
    free(g->tracing);
    g->tracing = xmalloc(len ? len : 1);
    memcpy(g->tracing, blob, len);
    g->tracing_len = len;
    g->has_tracing = 1;
}

void pdgen_rec_begin(struct pdgen *g, uint32_t type, uint16_t misc)
{
    g->cur = g->compressing ? &g->plain : &g->data;
    g->rec_start = g->cur->len;
    gb_u32(g, g->cur, type);
    gb_u16(g, g->cur, misc);
    gb_u16(g, g->cur, 0);
}

void pdgen_rec_end(struct pdgen *g)
{
    uint16_t size = (uint16_t)(g->cur->len - g->rec_start);
    size = g->swap ? sf_bswap16(size) : size;
    memcpy(g->cur->p + g->rec_start + 6, &size, 2);
    g->cur = NULL;
}

void pdgen_raw(struct pdgen *g, const void *p, size_t n)
{
    gb_add(g->compressing ? &g->plain : &g->data, p, n);
}

void pdgen_id_trailer(struct pdgen *g, size_t attr, const struct pdgen_sample *s)
{
    const struct pdgen_attr *a = &g->attrs[attr].a;
    struct pdgen_sample zero;
    if (!(a->flags & (1ULL << 18)))
        return;
    if (!s) {
        memset(&zero, 0, sizeof(zero));
        s = &zero;
    }
    uint64_t st = a->sample_type;
    if (st & PD_S_TID) {
        pdgen_u32(g, s->pid);
        pdgen_u32(g, s->tid);
    }
    if (st & PD_S_TIME)
        pdgen_u64(g, s->time);
    if (st & PD_S_ID)
        pdgen_u64(g, s->id);
    if (st & PD_S_STREAM_ID)
        pdgen_u64(g, s->stream_id);
    if (st & PD_S_CPU) {
        pdgen_u32(g, s->cpu);
        pdgen_u32(g, 0);
    }
    if (st & PD_S_IDENTIFIER)
        pdgen_u64(g, s->id);
}

void pdgen_sample(struct pdgen *g, size_t attr, const struct pdgen_sample *s)
{
    const struct pdgen_attr *a = &g->attrs[attr].a;
    uint64_t st = a->sample_type;
    pdgen_rec_begin(g, PD_REC_SAMPLE, 2);
    if (st & PD_S_IDENTIFIER)
        pdgen_u64(g, s->id);
    if (st & PD_S_IP)
        pdgen_u64(g, s->ip);
    if (st & PD_S_TID) {
        pdgen_u32(g, s->pid);
        pdgen_u32(g, s->tid);
    }
    if (st & PD_S_TIME)
        pdgen_u64(g, s->time);
    if (st & PD_S_ADDR)
        pdgen_u64(g, s->addr);
    if (st & PD_S_ID)
        pdgen_u64(g, s->id);
    if (st & PD_S_STREAM_ID)
        pdgen_u64(g, s->stream_id);
    if (st & PD_S_CPU) {
        pdgen_u32(g, s->cpu);
        pdgen_u32(g, 0);
    }
    if (st & PD_S_PERIOD)
        pdgen_u64(g, s->period);
    if (st & PD_S_READ)
        for (size_t i = 0; i < s->nr_read_values; i++)
            pdgen_u64(g, s->read_values[i]);
    if (st & PD_S_CALLCHAIN) {
        pdgen_u64(g, s->nr_callchain);
        for (uint64_t i = 0; s->callchain && i < s->nr_callchain; i++)
            pdgen_u64(g, s->callchain[i]);
    }
    if (st & PD_S_RAW) {
        uint32_t padded = s->raw_size;
        while ((4 + padded) % 8)
            padded++;
        pdgen_u32(g, padded);
        pdgen_bytes(g, s->raw, s->raw_size);
        pdgen_bytes(g, NULL, padded - s->raw_size);
    }
    if (st & PD_S_BRANCH_STACK) {
        pdgen_u64(g, s->nr_branches);
        if (a->branch_sample_type & (1ULL << 17))
            pdgen_u64(g, s->hw_idx);
        for (uint64_t i = 0; s->branches && i < 3 * s->nr_branches; i++)
            pdgen_u64(g, s->branches[i]);
    }
    if (st & PD_S_REGS_USER) {
        pdgen_u64(g, s->regs_abi);
        int n = __builtin_popcountll(a->sample_regs_user);
        for (int i = 0; s->regs_abi && i < n; i++)
            pdgen_u64(g, s->regs ? s->regs[i] : 0);
    }
    if (st & PD_S_STACK_USER) {
        pdgen_u64(g, s->stack_size);
        if (s->stack_size) {
            pdgen_bytes(g, s->stack, (size_t)s->stack_size);
            pdgen_u64(g, s->stack_dyn_size);
        }
    }
    if (st & (PD_S_WEIGHT | PD_S_WEIGHT_STRUCT))
        pdgen_u64(g, s->weight);
    if (st & PD_S_DATA_SRC)
        pdgen_u64(g, s->data_src);
    if (st & PD_S_TRANSACTION)
        pdgen_u64(g, s->transaction);
    if (st & PD_S_REGS_INTR) {
        pdgen_u64(g, s->intr_abi);
        int n = __builtin_popcountll(a->sample_regs_intr);
        for (int i = 0; s->intr_abi && i < n; i++)
            pdgen_u64(g, s->intr_regs ? s->intr_regs[i] : 0);
    }
    if (st & PD_S_PHYS_ADDR)
        pdgen_u64(g, s->phys_addr);
    if (st & PD_S_CGROUP)
        pdgen_u64(g, s->cgroup);
    if (st & PD_S_DATA_PAGE_SIZE)
        pdgen_u64(g, s->data_page_size);
    if (st & PD_S_CODE_PAGE_SIZE)
        pdgen_u64(g, s->code_page_size);
    if (st & PD_S_AUX) {
        pdgen_u64(g, s->aux_size);
        pdgen_bytes(g, s->aux, (size_t)s->aux_size);
    }
    pdgen_rec_end(g);
}

void pdgen_comm(struct pdgen *g, size_t attr, uint32_t pid, uint32_t tid,
                const char *comm, int exec, const struct pdgen_sample *idn)
{
    pdgen_rec_begin(g, PD_REC_COMM, exec ? 1u << 13 : 0);
    pdgen_u32(g, pid);
    pdgen_u32(g, tid);
    pdgen_str(g, comm);
    pdgen_id_trailer(g, attr, idn);
    pdgen_rec_end(g);
}

void pdgen_mmap2(struct pdgen *g, size_t attr, uint32_t pid, uint32_t tid,
                 uint64_t start, uint64_t len, uint64_t pgoff,
                 const char *filename, const struct pdgen_sample *idn)
{
    pdgen_rec_begin(g, PD_REC_MMAP2, 2);
    pdgen_u32(g, pid);
    pdgen_u32(g, tid);
    pdgen_u64(g, start);
    pdgen_u64(g, len);
    pdgen_u64(g, pgoff);
    pdgen_u32(g, 8);            /* maj */
    pdgen_u32(g, 1);            /* min */
    pdgen_u64(g, 1234);         /* ino */
    pdgen_u64(g, 0);
    pdgen_u32(g, 5);            /* PROT_READ|PROT_EXEC */
    pdgen_u32(g, 2);            /* MAP_PRIVATE */
    pdgen_str(g, filename);
    pdgen_id_trailer(g, attr, idn);
    pdgen_rec_end(g);
}

void pdgen_task(struct pdgen *g, size_t attr, uint32_t type, uint32_t pid,
                uint32_t ppid, uint32_t tid, uint32_t ptid, uint64_t time,
                const struct pdgen_sample *idn)
{
    pdgen_rec_begin(g, type, 0);
    pdgen_u32(g, pid);
    pdgen_u32(g, ppid);
    pdgen_u32(g, tid);
    pdgen_u32(g, ptid);
    pdgen_u64(g, time);
    pdgen_id_trailer(g, attr, idn);
    pdgen_rec_end(g);
}

void pdgen_finished_round(struct pdgen *g)
{
    pdgen_rec_begin(g, PD_REC_FINISHED_ROUND, 0);
    pdgen_rec_end(g);
}

static void flush_compressed(struct pdgen *g)
{
    if (!g->plain.len)
        return;
    if (!g->cctx)
        g->cctx = ZSTD_createCCtx();
    size_t cap = ZSTD_compressBound(g->plain.len);
    uint8_t *out = xmalloc(cap);
    size_t n = ZSTD_compressCCtx(g->cctx, out, cap, g->plain.p, g->plain.len, 3);
    if (ZSTD_isError(n))
        abort();
    size_t chunk = g->chunk ? g->chunk : 60000;
    int c2 = (g->flags & PDGEN_COMPRESSED2) != 0;
    for (size_t off = 0; off < n; off += chunk) {
        size_t take = SF_MIN(chunk, n - off);
        g->cur = &g->data;
        g->rec_start = g->data.len;
        gb_u32(g, &g->data, c2 ? PD_REC_COMPRESSED2 : PD_REC_COMPRESSED);
        gb_u16(g, &g->data, 0);
        gb_u16(g, &g->data, 0);
        if (c2)
            gb_u64(g, &g->data, take);
        gb_add(&g->data, out + off, take);
        if (c2)
            gb_add(&g->data, NULL, (8 - take % 8) % 8);
        pdgen_rec_end(g);
    }
    free(out);
    g->plain.len = 0;
}

void pdgen_compress(struct pdgen *g, int on, size_t chunk)
{
    if (g->compressing && !on)
        flush_compressed(g);
    g->compressing = on;
    g->chunk = chunk;
    if (on)
        g->used_compression = 1;
}

/* ------------------------------------------------------------------ */

static void event_desc(struct pdgen *g)
{
    size_t asz = g->nr_attrs ? g->attrs[0].a.size : 128;
    pdgen_feature_begin(g, PDGEN_FEAT_EVENT_DESC);
    pdgen_u32(g, (uint32_t)g->nr_attrs);
    pdgen_u32(g, (uint32_t)asz);
    for (size_t i = 0; i < g->nr_attrs; i++) {
        struct pdgen_attr a = g->attrs[i].a;
        a.size = (uint32_t)asz;
        put_attr(g, g->cur, &a);
        pdgen_u32(g, (uint32_t)a.nr_ids);
        pdgen_hstr(g, g->attrs[i].name ? g->attrs[i].name : "");
        for (size_t j = 0; j < a.nr_ids; j++)
            pdgen_u64(g, a.ids[j]);
    }
    pdgen_feature_end(g);
}

static void compressed_feature(struct pdgen *g)
{
    pdgen_feature_begin(g, PDGEN_FEAT_COMPRESSED);
    pdgen_u32(g, 1);            /* version */
    pdgen_u32(g, 1);            /* zstd */
    pdgen_u32(g, 1);            /* level */
    pdgen_u32(g, 1);            /* ratio */
    pdgen_u32(g, 65536);        /* mmap_len */
    pdgen_feature_end(g);
}

static void finish_file(struct pdgen *g, struct gbuf *img)
{
    size_t asz = 0;
    for (size_t i = 0; i < g->nr_attrs; i++)
        asz = SF_MAX(asz, (size_t)g->attrs[i].a.size);
    if (!asz)
        asz = 128;
    gb_add(img, NULL, 104);
    uint64_t *id_off = xcalloc(g->nr_attrs + 1, sizeof(uint64_t));
    for (size_t i = 0; i < g->nr_attrs; i++) {
        id_off[i] = img->len;
        for (size_t j = 0; j < g->attrs[i].a.nr_ids; j++)
            gb_u64(g, img, g->attrs[i].ids[j]);
    }
    uint64_t attrs_off = img->len;
    for (size_t i = 0; i < g->nr_attrs; i++) {
        size_t start = img->len;
        put_attr(g, img, &g->attrs[i].a);
        gb_add(img, NULL, asz - (img->len - start));
        gb_u64(g, img, id_off[i]);
        gb_u64(g, img, g->attrs[i].a.nr_ids * 8);
    }
    free(id_off);
    uint64_t attrs_size = img->len - attrs_off;
    g->data_offset = img->len;
    gb_add(img, g->data.p, g->data.len);

    unsigned nfeat = 0;
    for (int b = 0; b < 256; b++)
        nfeat += (unsigned)g->has_feat[b];
    size_t table = img->len;
    gb_add(img, NULL, (size_t)nfeat * 16);
    size_t slot = table;
    for (int b = 0; b < 256; b++) {
        if (!g->has_feat[b])
            continue;
        gb_put64(g, img, slot, img->len);
        gb_put64(g, img, slot + 8, g->feats[b].len);
        slot += 16;
        gb_add(img, g->feats[b].p, g->feats[b].len);
    }
    gb_put64(g, img, 0, PERF_MAGIC);
    gb_put64(g, img, 8, 104);
    gb_put64(g, img, 16, asz + 16);
    gb_put64(g, img, 24, attrs_off);
    gb_put64(g, img, 32, attrs_size);
    gb_put64(g, img, 40, g->data_offset);
    gb_put64(g, img, 48, g->data.len);
    /* the bitmap is an array of 64-bit words in the file's byte order */
    for (int w = 0; w < 4; w++) {
        uint64_t v = 0;
        for (int k = 0; k < 64; k++)
            if (g->has_feat[64 * w + k])
                v |= 1ULL << k;
        gb_put64(g, img, 72 + 8 * (size_t)w, v);
    }
}

static void finish_pipe(struct pdgen *g, struct gbuf *img)
{
    struct gbuf *saved = g->cur;
    gb_u64(g, img, PERF_MAGIC);
    gb_u64(g, img, 16);
    g->cur = img;
    for (size_t i = 0; i < g->nr_attrs; i++) {
        g->rec_start = img->len;
        gb_u32(g, img, PD_REC_HEADER_ATTR);
        gb_u32(g, img, 0);
        put_attr(g, img, &g->attrs[i].a);
        for (size_t j = 0; j < g->attrs[i].a.nr_ids; j++)
            gb_u64(g, img, g->attrs[i].ids[j]);
        g->cur = img;
        pdgen_rec_end(g);
        g->cur = img;
    }
    for (size_t i = 0; i < g->nr_attrs; i++) {
        if (!g->attrs[i].name || !g->attrs[i].a.nr_ids)
            continue;
        g->rec_start = img->len;
        gb_u32(g, img, PD_REC_EVENT_UPDATE);
        gb_u32(g, img, 0);
        gb_u64(g, img, 2);
        gb_u64(g, img, g->attrs[i].ids[0]);
        pdgen_str(g, g->attrs[i].name);
        pdgen_rec_end(g);
        g->cur = img;
    }
    for (int b = 0; b < 256; b++) {
        if (!g->has_feat[b] || b == PDGEN_FEAT_TRACING_DATA ||
            b == PDGEN_FEAT_EVENT_DESC)
            continue;
        g->rec_start = img->len;
        gb_u32(g, img, PD_REC_HEADER_FEATURE);
        gb_u32(g, img, 0);
        gb_u64(g, img, (uint64_t)b);
        gb_add(img, g->feats[b].p, g->feats[b].len);
        gb_add(img, NULL, (8 - g->feats[b].len % 8) % 8);
        pdgen_rec_end(g);
        g->cur = img;
    }
    if (g->has_tracing) {
        size_t padded = (g->tracing_len + 7) / 8 * 8;
        g->rec_start = img->len;
        gb_u32(g, img, PD_REC_HEADER_TRACING_DATA);
        gb_u32(g, img, 0);
        gb_u32(g, img, (uint32_t)padded);
        gb_u32(g, img, 0);
        pdgen_rec_end(g);
        gb_add(img, g->tracing, g->tracing_len);
        gb_add(img, NULL, padded - g->tracing_len);
    }
    g->data_offset = img->len;
    gb_add(img, g->data.p, g->data.len);
    g->cur = saved;
}

uint8_t *pdgen_finish(struct pdgen *g, size_t *len)
{
    struct gbuf img = { 0 };
    if (g->compressing)
        flush_compressed(g);
    if (g->used_compression && !g->has_feat[PDGEN_FEAT_COMPRESSED])
        compressed_feature(g);
    int named = 0;
    for (size_t i = 0; i < g->nr_attrs; i++)
        named |= g->attrs[i].name != NULL;
    if (named && !g->has_feat[PDGEN_FEAT_EVENT_DESC] &&
        !(g->flags & PDGEN_PIPE))
        event_desc(g);
    if (g->has_tracing && !(g->flags & PDGEN_PIPE)) {
        pdgen_feature_begin(g, PDGEN_FEAT_TRACING_DATA);
        gb_add(g->cur, g->tracing, g->tracing_len);
        pdgen_feature_end(g);
    }
    if (g->flags & PDGEN_PIPE)
        finish_pipe(g, &img);
    else
        finish_file(g, &img);
    *len = img.len;
    return img.p;
}

uint64_t pdgen_data_offset(const struct pdgen *g)
{
    return g->data_offset;
}

int pdgen_write_file(struct pdgen *g, const char *path)
{
    size_t len;
    uint8_t *img = pdgen_finish(g, &len);
    FILE *f = fopen(path, "wb");
    int rc = -1;
    if (f) {
        rc = fwrite(img, 1, len, f) == len ? 0 : -1;
        if (fclose(f) != 0)
            rc = -1;
    }
    free(img);
    return rc;
}
