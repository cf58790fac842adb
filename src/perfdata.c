/* perfdata.c - READER stage: opens a perf.data capture (file or pipe mode,
 * either byte order, plain or whole-file zstd, a path or stdin), parses the
 * header, attrs and features, and hands raw records (COMPRESSED payloads
 * already inflated) to the decoder in event.c through a bounded window. */
#include "perfdata.h"
#include "perfdata_int.h"
#include "hashtab.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#define PD_MAGIC        0x32454c4946524550ULL   /* "PERFILE2" read LE */
#define PD_FILE_HDR     104
#define PD_PIPE_HDR     16
#define PD_ATTR_VER0    64
#define WIN_SIZE        ((size_t)4 << 20)
#define ZIN_SIZE        ((size_t)1 << 20)
/* A header section (feature, tracing data) larger than this is refused when
 * the input size is unknown; on regular files the file size bounds it. */
#define SECTION_LIMIT   ((uint64_t)256 << 20)
#define ZOUT_LIMIT      ((uint64_t)256 << 20)
#define MAX_ATTRS       100000
#define MAP_DROP_EVERY  ((uint64_t)4 << 20)
#define ZCHUNK          ((size_t)1 << 20)

enum src_kind {
    SRC_MEM,        /* whole image in memory: pointers straight into it */
    SRC_FD,         /* seekable file: windows read with pread */
    SRC_STREAM,     /* pipe: sequential reads */
    SRC_ZSTD,       /* whole-file zstd: sequential decompression */
};

struct pd_file {
    char *path;
    int swap;
    struct pd_info info;
    struct pd_attr **attrs;         /* pointers stay valid as attrs grow */
    size_t nr_attrs, cap_attrs;
    struct u64map attr_of_id;       /* sample id -> attr index */
    struct pd_stats stats;
    uint8_t *tracing_data;

    /* source */
    enum src_kind kind;
    int fd, own_fd;
    int restartable;                /* SRC_ZSTD over a file or memory */
    const uint8_t *mem;
    uint64_t mem_len;
    size_t map_len;                 /* mem is our mmap of the input file */
    uint64_t dropped;               /* pages below this were released */
    int skim;                       /* see pd_skim */
    uint64_t file_size;             /* UINT64_MAX when unknown */
    uint8_t *win;                   /* stream bytes [win_base, +win_len) */
    size_t win_cap, win_len;
    uint64_t win_base;
    int eof;
    ZSTD_DCtx *file_zctx;           /* whole-file decompression */
    uint8_t *zin;
    size_t zin_pos, zin_len;
    uint64_t zin_consumed;          /* compressed bytes fed so far */
    size_t last_zret;

    /* data stream */
    uint64_t pos, data_end;
    int pipe_data;                  /* pipe mode, past the header records */

    /* pipe-mode header records read ahead by pd_open, replayed by pd_next:
     * entries {u64 offset, u64 processed, record bytes padded to 8} */
    uint8_t *replay;
    size_t replay_len, replay_cap, replay_pos;

    /* PERF_RECORD_COMPRESSED output: ordinary records, maybe a split tail */
    ZSTD_DCtx *zctx;
    uint8_t *zbuf;
    size_t zbuf_cap, zbuf_len, zbuf_pos;
    uint64_t zrec_off;
    uint8_t *zsrc;                  /* payload of the record being inflated */
    size_t zsrc_cap, zsrc_len, zsrc_pos;
    int zmore;                      /* it may still produce output */
    uint64_t zout_rec;              /* bytes it produced so far */
};

/* ------------------------------------------------------------------ */
/* source: a byte stream addressed by absolute offset                  */

static int io_error(struct pd_file *pd, struct sf_err *err, uint64_t off)
{
    return sf_error(err, "'%s': read error at offset %llu: %s", pd->path,
                    (unsigned long long)off, strerror(errno));
}

static int zstd_restart(struct pd_file *pd, struct sf_err *err)
{
    ZSTD_DCtx_reset(pd->file_zctx, ZSTD_reset_session_only);
    pd->zin_pos = pd->zin_len = 0;
    pd->zin_consumed = 0;
    pd->last_zret = 0;
    pd->win_base = 0;
    pd->win_len = 0;
    pd->eof = 0;
    if (pd->fd >= 0 && lseek(pd->fd, 0, SEEK_SET) != 0)
        return io_error(pd, err, 0);
    return 0;
}

/* Reads raw input bytes into dst: 0 at end, -1 on error. */
static ssize_t raw_read(struct pd_file *pd, uint8_t *dst, size_t n)
{
    for (;;) {
        ssize_t r = read(pd->fd, dst, n);
        if (r >= 0 || errno != EINTR)
            return r;
    }
}

/* Produces up to n more stream bytes (decompressing if needed). */
static ssize_t src_read_more(struct pd_file *pd, uint8_t *dst, size_t n,
                             struct sf_err *err)
{
    if (pd->kind == SRC_STREAM) {
        ssize_t r = raw_read(pd, dst, n);
        if (r < 0)
            return io_error(pd, err, pd->win_base + pd->win_len);
        return r;
    }
    /* SRC_ZSTD */
    ZSTD_outBuffer out = { dst, n, 0 };
    while (out.pos == 0) {
        if (pd->zin_pos == pd->zin_len) {
            if (pd->mem) {
                if (pd->zin_consumed >= pd->mem_len)
                    goto at_end;
                size_t take = (size_t)SF_MIN(pd->mem_len - pd->zin_consumed,
                                             (uint64_t)ZIN_SIZE);
                memcpy(pd->zin, pd->mem + pd->zin_consumed, take);
                pd->zin_len = take;
            } else {
                ssize_t r = raw_read(pd, pd->zin, ZIN_SIZE);
                if (r < 0)
                    return io_error(pd, err, pd->zin_consumed);
                if (r == 0)
                    goto at_end;
                pd->zin_len = (size_t)r;
            }
            pd->zin_pos = 0;
        }
        ZSTD_inBuffer in = { pd->zin, pd->zin_len, pd->zin_pos };
        size_t r = ZSTD_decompressStream(pd->file_zctx, &out, &in);
        pd->zin_consumed += in.pos - pd->zin_pos;
        pd->zin_pos = in.pos;
        if (ZSTD_isError(r))
            return sf_error(err, "'%s': corrupt zstd data near compressed "
                            "offset %llu: %s", pd->path,
                            (unsigned long long)pd->zin_consumed,
                            ZSTD_getErrorName(r));
        pd->last_zret = r;
    }
    return (ssize_t)out.pos;
at_end:
    if (pd->last_zret != 0)
        return sf_error(err, "'%s': truncated zstd stream at compressed "
                        "offset %llu", pd->path,
                        (unsigned long long)pd->zin_consumed);
    return 0;
}

/* Makes bytes [off, off+need) available; *p points at off and *got says how
 * many of them exist (< need only at end of input).  need <= win_cap. */
static int src_get(struct pd_file *pd, uint64_t off, size_t need,
                   const uint8_t **p, size_t *got, struct sf_err *err)
{
    if (pd->kind == SRC_MEM) {
        *p = pd->mem + (off < pd->mem_len ? off : pd->mem_len);
        *got = off >= pd->mem_len ? 0
             : (size_t)SF_MIN((uint64_t)need, pd->mem_len - off);
        return 0;
    }
    if (off >= pd->win_base && off - pd->win_base <= pd->win_len &&
        pd->win_len - (off - pd->win_base) >= need) {
        *p = pd->win + (off - pd->win_base);
        *got = need;
        return 0;
    }
    if (pd->kind == SRC_FD) {
        size_t len = 0;
        while (len < pd->win_cap) {
            ssize_t r = pread(pd->fd, pd->win + len, pd->win_cap - len,
                              (off_t)(off + len));
            if (r < 0 && errno == EINTR)
                continue;
            if (r < 0)
                return io_error(pd, err, off + len);
            if (r == 0)
                break;
            len += (size_t)r;
            if (len >= need)
                break;
        }
        pd->stats.bytes_read += len;
        pd->win_base = off;
        pd->win_len = len;
        *p = pd->win;
        *got = SF_MIN(len, need);
        return 0;
    }
    /* sequential sources */
    if (off < pd->win_base) {
        if (!pd->restartable)
            return sf_error(err, "'%s': cannot seek back to offset %llu in "
                            "non-seekable input", pd->path,
                            (unsigned long long)off);
        if (zstd_restart(pd, err) < 0)
            return -1;
    }
    if (off > pd->win_base + pd->win_len) {     /* skip forward */
        pd->win_base += pd->win_len;
        pd->win_len = 0;
        while (pd->win_base < off && !pd->eof) {
            size_t want = (size_t)SF_MIN((uint64_t)pd->win_cap,
                                         off - pd->win_base);
            ssize_t r = src_read_more(pd, pd->win, want, err);
            if (r < 0)
                return -1;
            if (r == 0)
                pd->eof = 1;
            pd->stats.bytes_read += (uint64_t)r;
            pd->win_base += (uint64_t)r;
        }
    }
    size_t rel = (size_t)(off - pd->win_base);
    if (rel + need > pd->win_cap) {             /* slide: drop before off */
        memmove(pd->win, pd->win + rel, pd->win_len - rel);
        pd->win_len -= rel;
        pd->win_base = off;
        rel = 0;
    }
    while (pd->win_len < rel + need && !pd->eof) {
        ssize_t r = src_read_more(pd, pd->win + pd->win_len,
                                  pd->win_cap - pd->win_len, err);
        if (r < 0)
            return -1;
        if (r == 0)
            pd->eof = 1;
        pd->stats.bytes_read += (uint64_t)r;
        pd->win_len += (size_t)r;
    }
    *p = pd->win + rel;
    *got = pd->win_len > rel ? SF_MIN(pd->win_len - rel, need) : 0;
    return 0;
}

/* Copies len bytes at off into dst; a short read is a truncation error. */
static int src_read_at(struct pd_file *pd, uint64_t off, void *dst, size_t len,
                       const char *what, struct sf_err *err)
{
    uint8_t *d = dst;
    while (len) {
        const uint8_t *p;
        size_t got, want = pd->kind == SRC_MEM ? len
                                               : SF_MIN(len, pd->win_cap);
        if (src_get(pd, off, want, &p, &got, err) < 0)
            return -1;
        if (got < want)
            return sf_error(err, "'%s': truncated %s at offset %llu",
                            pd->path, what, (unsigned long long)(off + got));
        memcpy(d, p, got);
        d += got;
        off += got;
        len -= got;
    }
    return 0;
}

/* Checks a section {off, size} against the input and the sanity limit. */
static int check_section(struct pd_file *pd, uint64_t off, uint64_t size,
                         const char *what, struct sf_err *err)
{
    uint64_t lim = pd->file_size != UINT64_MAX ? pd->file_size : UINT64_MAX;
    if (off > lim || size > lim - off)
        return sf_error(err, "'%s': %s at offset %llu (size %llu) extends "
                        "past end of file", pd->path, what,
                        (unsigned long long)off, (unsigned long long)size);
    if (size > SECTION_LIMIT && pd->file_size == UINT64_MAX)
        return sf_error(err, "'%s': %s at offset %llu: size %llu is too "
                        "large", pd->path, what, (unsigned long long)off,
                        (unsigned long long)size);
    return 0;
}

/* ------------------------------------------------------------------ */
/* attrs and the id map                                                */

static void id_insert(struct pd_file *pd, uint64_t id, uint32_t idx)
{
    if (!u64map_get(&pd->attr_of_id, id))     /* first mapping wins */
        u64map_put(&pd->attr_of_id, id, idx);
}

static int id_lookup(const struct pd_file *pd, uint64_t id, uint32_t *idx)
{
    const uint32_t *v = u64map_get(&pd->attr_of_id, id);
    if (v)
        *idx = *v;
    return v != NULL;
}

/* Parses a perf_event_attr of at most `avail` bytes, reading only the
 * fields that lie inside its own attr.size. */
static int parse_attr(struct pd_file *pd, const uint8_t *p, size_t avail,
                      uint64_t off, struct pd_attr *a, struct sf_err *err)
{
    int sw = pd->swap;
    if (avail < 8)
        return sf_error(err, "'%s': truncated attr at offset %llu", pd->path,
                        (unsigned long long)off);
    uint32_t size = sf_rd32(p + 4, sw);
    if (size == 0)
        size = PD_ATTR_VER0;
    if (size < PD_ATTR_VER0 || size > avail)
        return sf_error(err, "'%s': bad attr size %u at offset %llu",
                        pd->path, size, (unsigned long long)off);
    memset(a, 0, sizeof(*a));
    a->type = sf_rd32(p, sw);
    a->size = size;
    a->config = sf_rd64(p + 8, sw);
    a->sample_period = sf_rd64(p + 16, sw);
    a->sample_type = sf_rd64(p + 24, sw);
    a->read_format = sf_rd64(p + 32, sw);
    a->flags = sf_rd64(p + 40, sw);
    if (size >= 80)
        a->branch_sample_type = sf_rd64(p + 72, sw);
    if (size >= 96) {
        a->sample_regs_user = sf_rd64(p + 80, sw);
        a->sample_stack_user = sf_rd32(p + 88, sw);
        if (a->flags & (1ULL << 25)) {      /* use_clockid */
            pd->info.clockid = (int32_t)sf_rd32(p + 92, sw);
            pd->info.has_clockid = 1;
        }
    }
    if (size >= 104)
        a->sample_regs_intr = sf_rd64(p + 96, sw);
    if (size >= 112)
        a->sample_max_stack = sf_rd16(p + 108, sw);
    a->sample_id_all = (a->flags >> 18) & 1;
    a->exclude_callchain_user = (a->flags >> 22) & 1;
    return 0;
}

static struct pd_attr *attr_add(struct pd_file *pd, const struct pd_attr *a)
{
    pd->attrs = xgrow(pd->attrs, sizeof(*pd->attrs), pd->nr_attrs + 1,
                      &pd->cap_attrs);
    struct pd_attr *n = xmalloc(sizeof(*n));
    *n = *a;
    n->index = pd->nr_attrs;
    pd->attrs[pd->nr_attrs++] = n;
    return n;
}

static void attr_set_ids(struct pd_file *pd, struct pd_attr *a, size_t idx,
                         const uint8_t *p, size_t nr)
{
    a->ids = xcalloc(nr, sizeof(uint64_t));
    a->nr_ids = nr;
    for (size_t i = 0; i < nr; i++) {
        a->ids[i] = sf_rd64(p + 8 * i, pd->swap);
        id_insert(pd, a->ids[i], (uint32_t)idx);
    }
}

/* ------------------------------------------------------------------ */
/* feature sections (file mode) and their pipe-mode twins              */

struct cur {
    const uint8_t *p;
    size_t len, off;
    int swap;
};

static int cur_u32(struct cur *c, uint32_t *v)
{
    if (c->len - c->off < 4)
        return -1;
    *v = sf_rd32(c->p + c->off, c->swap);
    c->off += 4;
    return 0;
}

static int cur_u64(struct cur *c, uint64_t *v)
{
    if (c->len - c->off < 8)
        return -1;
    *v = sf_rd64(c->p + c->off, c->swap);
    c->off += 8;
    return 0;
}

/* perf string: u32 len (padded) + bytes, NUL somewhere inside */
static int cur_str(struct cur *c, char **s)
{
    uint32_t len;
    if (cur_u32(c, &len) < 0 || len > c->len - c->off)
        return -1;
    const char *b = (const char *)c->p + c->off;
    *s = xstrndup(b, strnlen(b, len));
    c->off += len;
    return 0;
}

static void set_str(char **dst, char *s)
{
    free(*dst);
    *dst = s;
}

static int parse_build_id_entry(struct pd_file *pd, const uint8_t *p,
                                size_t len)
{
    /* header(8) pid(4) build_id(20) size(1) pad(3) filename */
    if (len < 36)
        return -1;
    struct pd_build_id b;
    memset(&b, 0, sizeof(b));
    b.misc = sf_rd16(p + 4, pd->swap);
    b.pid = (int32_t)sf_rd32(p + 8, pd->swap);
    memcpy(b.id, p + 12, 20);
    b.size = (b.misc & (1u << 15)) ? SF_MIN(p[32], 20) : 20;
    b.filename = xstrndup((const char *)p + 36, strnlen((const char *)p + 36,
                                                        len - 36));
    size_t cap = pd->info.nr_build_ids;
    pd->info.build_ids = xrealloc(pd->info.build_ids,
                                  (cap + 1) * sizeof(b));
    pd->info.build_ids[pd->info.nr_build_ids++] = b;
    return 0;
}

static int parse_event_desc(struct pd_file *pd, struct cur *c)
{
    uint32_t nr, asz;
    if (cur_u32(c, &nr) < 0 || cur_u32(c, &asz) < 0)
        return -1;
    for (uint32_t i = 0; i < nr; i++) {
        uint32_t nr_ids;
        char *name;
        if (asz > c->len - c->off)
            return -1;
        c->off += asz;
        if (cur_u32(c, &nr_ids) < 0 || cur_str(c, &name) < 0)
            return -1;
        if (nr_ids > (c->len - c->off) / 8) {
            free(name);
            return -1;
        }
        uint64_t first = nr_ids ? sf_rd64(c->p + c->off, c->swap) : 0;
        c->off += (size_t)nr_ids * 8;
        uint32_t idx = i;
        if (nr_ids && pd->nr_attrs > 1)
            id_lookup(pd, first, &idx);
        if (idx < pd->nr_attrs)
            set_str(&pd->attrs[idx]->name, name);
        else
            free(name);
    }
    return 0;
}

/* Parses one feature payload; unknown bits are counted and skipped. */
static int parse_feature(struct pd_file *pd, unsigned bit, const uint8_t *p,
                         size_t len, uint64_t off, struct sf_err *err)
{
    struct cur c = { p, len, 0, pd->swap };
    struct pd_info *in = &pd->info;
    int bad = 0;
    char *s = NULL;

    if (bit < 256)
        in->feature_bits[bit / 64] |= 1ULL << (bit % 64);
    switch (bit) {
    case 1:                             /* TRACING_DATA */
        free(pd->tracing_data);
        pd->tracing_data = xmalloc(len);
        memcpy(pd->tracing_data, p, len);
        in->tracing_data = pd->tracing_data;
        in->tracing_data_size = len;
        break;
    case 2:                             /* BUILD_ID */
        while (!bad && len - c.off >= 8) {
            uint16_t sz = sf_rd16(p + c.off + 6, pd->swap);
            if (sz < 36 || sz > len - c.off || parse_build_id_entry(pd,
                                                       p + c.off, sz) < 0)
                bad = 1;
            c.off += sz;
        }
        break;
    case 3: case 4: case 5: case 6: case 8: case 9: {
        char **dst[] = { [3] = &in->hostname, [4] = &in->osrelease,
                         [5] = &in->perf_version, [6] = &in->arch,
                         [8] = &in->cpudesc, [9] = &in->cpuid };
        if (cur_str(&c, &s) < 0)
            bad = 1;
        else
            set_str(dst[bit], s);
        break;
    }
    case 7:                             /* NRCPUS: available, online */
        bad = cur_u32(&c, &in->nr_cpus_avail) < 0 ||
              cur_u32(&c, &in->nr_cpus_online) < 0;
        break;
    case 10:
        bad = cur_u64(&c, &in->total_mem_kb) < 0;
        break;
    case 11: {                          /* CMDLINE */
        uint32_t nr;
        if (cur_u32(&c, &nr) < 0 || nr > len / 4) {
            bad = 1;
            break;
        }
        for (size_t i = 0; i < in->cmdline_argc; i++)
            free(in->cmdline[i]);
        free(in->cmdline);
        in->cmdline = xcalloc(nr + 1, sizeof(char *));
        in->cmdline_argc = 0;
        for (uint32_t i = 0; i < nr && !bad; i++) {
            if (cur_str(&c, &s) < 0)
                bad = 1;
            else
                in->cmdline[in->cmdline_argc++] = s;
        }
        break;
    }
    case 12:
        bad = parse_event_desc(pd, &c) < 0;
        break;
    case 21:
        bad = cur_u64(&c, &in->first_sample_time) < 0 ||
              cur_u64(&c, &in->last_sample_time) < 0;
        break;
    case 23:                            /* CLOCKID: clock resolution in ns */
        bad = cur_u64(&c, &in->clock_res_ns) < 0;
        break;
    case 24:
        return sf_error(err, "'%s': directory-format captures (perf record "
                        "--threading/--dir) are not supported", pd->path);
    case 27: {
        uint32_t version;
        bad = cur_u32(&c, &version) < 0 || cur_u32(&c, &in->comp_type) < 0 ||
              cur_u32(&c, &in->comp_level) < 0 ||
              cur_u32(&c, &in->comp_ratio) < 0 ||
              cur_u32(&c, &in->comp_mmap_len) < 0;
        in->compressed = !bad;
        break;
    }
    case 13: case 14: case 16: case 17: case 20: case 22: case 25: case 26:
    case 28: case 29: case 30: case 31:
        break;                          /* known, not needed */
    default:
        pd->stats.unknown_features++;
        break;
    }
    if (bad)
        return sf_error(err, "'%s': malformed feature section %u at offset "
                        "%llu", pd->path, bit, (unsigned long long)off);
    return 0;
}

static int read_features(struct pd_file *pd, const uint8_t *raw_bitmap,
                         struct sf_err *err)
{
    uint64_t table = pd->data_end;
    uint64_t words[4];
    unsigned nr = 0;
    /* an array of 64-bit words in the file's byte order */
    for (int w = 0; w < 4; w++) {
        words[w] = sf_rd64(raw_bitmap + 8 * w, pd->swap);
        nr += (unsigned)__builtin_popcountll(words[w]);
    }
    if (!nr)
        return 0;
    /* The data is whole and the file ends in what perf writes after it
     * (the copy cut short): the features up to the cut are read. */
    if (pd->file_size != UINT64_MAX && table <= pd->file_size &&
        (uint64_t)nr * 16 > pd->file_size - table) {
        pd->info.cut_at = pd->file_size;
        pd->info.cut_after_data = 1;
        return 0;
    }
    if (check_section(pd, table, (uint64_t)nr * 16, "feature table", err) < 0)
        return -1;
    uint8_t *tab = xmalloc((size_t)nr * 16);
    if (src_read_at(pd, table, tab, (size_t)nr * 16, "feature table",
                    err) < 0) {
        free(tab);
        return -1;
    }
    unsigned i = 0;
    int rc = 0;
    for (unsigned b = 0; b < 256 && rc == 0; b++) {
        if (!((words[b / 64] >> (b % 64)) & 1))
            continue;
        uint64_t off = sf_rd64(tab + 16 * i, pd->swap);
        uint64_t size = sf_rd64(tab + 16 * i + 8, pd->swap);
        i++;
        char what[48];
        snprintf(what, sizeof(what), "feature section %u", b);
        if (pd->file_size != UINT64_MAX && off >= table && off <= pd->file_size &&
            size > pd->file_size - off) {
            pd->info.cut_at = pd->file_size;
            pd->info.cut_after_data = 1;
            break;
        }
        if (check_section(pd, off, size, what, err) < 0) {
            rc = -1;
            break;
        }
        uint8_t *buf = xmalloc((size_t)size);
        rc = src_read_at(pd, off, buf, (size_t)size, what, err);
        if (rc == 0)
            rc = parse_feature(pd, b, buf, (size_t)size, off, err);
        free(buf);
    }
    free(tab);
    return rc;
}

/* ------------------------------------------------------------------ */
/* records that carry header information                               */

static int is_header_record(uint32_t type)
{
    return type == PD_REC_HEADER_ATTR || type == PD_REC_HEADER_EVENT_TYPE ||
           type == PD_REC_HEADER_TRACING_DATA ||
           type == PD_REC_HEADER_BUILD_ID || type == PD_REC_HEADER_FEATURE ||
           type == PD_REC_EVENT_UPDATE;
}

static int rec_error(struct pd_file *pd, struct sf_err *err, uint64_t off,
                     const char *what)
{
    return sf_error(err, "'%s': malformed %s record at offset %llu", pd->path,
                    what, (unsigned long long)off);
}

/* Applies what a record tells about attrs and header facts.  For the pipe
 * tracing-data record it also consumes the blob that follows (pd->pos). */
static int absorb_record(struct pd_file *pd, const struct pd_record *r,
                         struct sf_err *err)
{
    const uint8_t *p = r->data;
    size_t len = r->size;
    uint64_t off = r->file_offset;
    int sw = pd->swap;

    switch (r->type) {
    case PD_REC_HEADER_ATTR: {
        struct pd_attr a;
        if (pd->nr_attrs >= MAX_ATTRS)
            return rec_error(pd, err, off, "attr");
        if (parse_attr(pd, p + 8, len - 8, off + 8, &a, err) < 0)
            return -1;
        size_t rest = len - 8 - a.size;
        struct pd_attr *n = attr_add(pd, &a);
        attr_set_ids(pd, n, pd->nr_attrs - 1, p + 8 + a.size, rest / 8);
        break;
    }
    case PD_REC_HEADER_FEATURE: {
        if (len < 16)
            return rec_error(pd, err, off, "feature");
        uint64_t feat = sf_rd64(p + 8, sw);
        if (feat >= 256) {
            pd->stats.unknown_features++;
            break;
        }
        if (feat == 1)          /* tracing data comes as its own record */
            break;
        return parse_feature(pd, (unsigned)feat, p + 16, len - 16, off + 16,
                             err);
    }
    case PD_REC_HEADER_TRACING_DATA: {
        if (len < 12)
            return rec_error(pd, err, off, "tracing data");
        uint32_t size = sf_rd32(p + 8, sw);
        if (check_section(pd, pd->pos, size, "tracing data", err) < 0)
            return -1;
        free(pd->tracing_data);
        pd->tracing_data = xmalloc(size);
        if (src_read_at(pd, pd->pos, pd->tracing_data, size, "tracing data",
                        err) < 0)
            return -1;
        pd->pos += size;
        pd->info.tracing_data = pd->tracing_data;
        pd->info.tracing_data_size = size;
        pd->info.feature_bits[0] |= 1u << 1;
        break;
    }
    case PD_REC_HEADER_BUILD_ID:
        if (parse_build_id_entry(pd, p, len) < 0)
            return rec_error(pd, err, off, "build id");
        break;
    case PD_REC_EVENT_UPDATE: {
        if (len < 24)
            return rec_error(pd, err, off, "event update");
        uint64_t type = sf_rd64(p + 8, sw), id = sf_rd64(p + 16, sw);
        uint32_t idx;
        if (type == 2 && id_lookup(pd, id, &idx))
            set_str(&pd->attrs[idx]->name,
                    xstrndup((const char *)p + 24,
                             strnlen((const char *)p + 24, len - 24)));
        break;
    }
    case PD_REC_ID_INDEX: {
        if (len < 16)
            return rec_error(pd, err, off, "id index");
        uint64_t nr = sf_rd64(p + 8, sw);
        if (nr > (len - 16) / 32)
            return rec_error(pd, err, off, "id index");
        for (uint64_t i = 0; i < nr; i++) {
            const uint8_t *e = p + 16 + 32 * i;
            uint64_t idx = sf_rd64(e + 8, sw);
            if (idx < pd->nr_attrs)
                id_insert(pd, sf_rd64(e, sw), (uint32_t)idx);
        }
        break;
    }
    default:
        break;
    }
    return 0;
}

/* ------------------------------------------------------------------ */
/* the record stream                                                   */

static int known_type(uint32_t t)
{
    return (t >= 1 && t <= 21) || (t >= 64 && t <= 83);
}

static void count_record(struct pd_file *pd, uint32_t type)
{
    if (type < PD_REC_MAX)
        pd->stats.records_by_type[type]++;
    if (!known_type(type))
        pd->stats.unknown_records++;
}

/* Where to release read-behind pages up to, for a reader at pos: the last
 * 2 MiB boundary of the address space below it.  A large mapped file is
 * often mapped with 2 MiB pages (the kernel aligns the mapping, the page
 * cache holds 2 MiB folios); releasing part of one splits it, which costs
 * a TLB flush more and leaves the rest of it to fault back in 4 KiB pages. */
static uint64_t drop_boundary(const struct pd_file *pd, uint64_t pos)
{
    uintptr_t base = (uintptr_t)pd->mem;
    uintptr_t to = (base + pos) & ~(uintptr_t)((2u << 20) - 1);
    return to > base + pd->dropped ? to - base : pd->dropped;
}

/* The end of a file cut inside its data section: the record at pos is
 * incomplete (its bytes are counted, not read). */
static int cut_here(struct pd_file *pd, uint64_t pos)
{
    pd->info.cut_partial = pd->data_end - pos;
    pd->pos = pd->data_end;
    return 0;
}

/* A pipe-mode stream that ends inside a record, after its header records
 * (perf record killed, a copy cut short): the end of the data. */
static int cut_stream(struct pd_file *pd, uint64_t pos, size_t got)
{
    pd->info.cut_at = pos + got;
    pd->info.cut_in_stream = 1;
    pd->info.cut_partial = got;
    pd->pos = pos + got;
    pd->data_end = pos + got;
    return 0;
}

/* Next raw record of the data stream: 1, 0 at end, -1 on error. */
static int next_raw(struct pd_file *pd, struct pd_record *rec,
                    struct sf_err *err)
{
    uint64_t pos = pd->pos;
    const uint8_t *p;
    size_t got;

    if (pos >= pd->data_end)
        return 0;
    if (pd->data_end - pos < 8 && pd->info.cut_at)
        return cut_here(pd, pos);
    if (pd->data_end - pos < 8)
        return sf_error(err, "'%s': truncated record header at offset %llu",
                        pd->path, (unsigned long long)pos);
    if (src_get(pd, pos, 8, &p, &got, err) < 0)
        return -1;
    if (got == 0 && pd->data_end == UINT64_MAX)
        return 0;
    if (got < 8 && pd->pipe_data)
        return cut_stream(pd, pos, got);
    if (got < 8)
        return sf_error(err, "'%s': truncated record header at offset %llu",
                        pd->path, (unsigned long long)pos);
    uint32_t size = sf_rd16(p + 6, pd->swap);
    if (size < 8)
        return sf_error(err, "'%s': record at offset %llu has invalid size "
                        "%u", pd->path, (unsigned long long)pos, size);
    if (size > pd->data_end - pos && pd->info.cut_at)
        return cut_here(pd, pos);
    if (size > pd->data_end - pos)
        return sf_error(err, "'%s': record at offset %llu (size %u) extends "
                        "past the end of the data section at %llu", pd->path,
                        (unsigned long long)pos, size,
                        (unsigned long long)pd->data_end);
    if (src_get(pd, pos, size, &p, &got, err) < 0)
        return -1;
    if (got < size && pd->pipe_data)
        return cut_stream(pd, pos, got);
    if (got < size)
        return sf_error(err, "'%s': truncated record at offset %llu (size "
                        "%u, %zu bytes left)", pd->path,
                        (unsigned long long)pos, size, got);
    rec->type = sf_rd32(p, pd->swap);
    rec->misc = sf_rd16(p + 4, pd->swap);
    rec->size = (uint16_t)size;
    rec->data = p;
    rec->file_offset = pos;
    rec->from_compressed = 0;
    pd->pos = pos + size;
    if (pd->kind == SRC_MEM) {
        pd->stats.bytes_read += size;
        /* Records of one capture mostly share a size: start loading the
         * headers a few records ahead, whose first touch is otherwise a
         * memory stall on every record (prefetches of unmapped pages are
         * dropped, never fault). */
        for (uint64_t k = pd->skim ? 3 : 2; k <= (pd->skim ? 7u : 5u); k++) {
            uint64_t ahead = pos + k * size;
            if (ahead + 64 <= pd->data_end && ahead + 64 <= pd->mem_len)
                __builtin_prefetch(pd->mem + ahead);
        }
    }
    /* Read-behind pages of a mapped input go (they fault back in from the
     * page cache if a queued record is looked at again): resident memory
     * stays a few MB whatever the file size. */
    if (pd->map_len && pd->kind == SRC_MEM && pos - pd->dropped >= MAP_DROP_EVERY) {
        uint64_t to = drop_boundary(pd, pos);
        madvise((void *)(pd->mem + pd->dropped), (size_t)(to - pd->dropped), MADV_DONTNEED);
        pd->dropped = to;
    }
    return 1;
}

static void replay_push(struct pd_file *pd, const struct pd_record *r,
                        int processed)
{
    size_t need = 16 + (((size_t)r->size + 7) & ~(size_t)7);
    pd->replay = xgrow(pd->replay, 1, pd->replay_len + need,
                       &pd->replay_cap);
    uint8_t *e = pd->replay + pd->replay_len;
    uint64_t off = r->file_offset, proc = (uint64_t)processed;
    memcpy(e, &off, 8);
    memcpy(e + 8, &proc, 8);
    memcpy(e + 16, r->data, r->size);
    pd->replay_len += need;
}

static void replay_pop(struct pd_file *pd, struct pd_record *r, int *processed)
{
    uint8_t *e = pd->replay + pd->replay_pos;
    uint64_t off, proc;
    memcpy(&off, e, 8);
    memcpy(&proc, e + 8, 8);
    r->data = e + 16;
    r->type = sf_rd32(r->data, pd->swap);
    r->misc = sf_rd16(r->data + 4, pd->swap);
    r->size = sf_rd16(r->data + 6, pd->swap);
    r->file_offset = off;
    r->from_compressed = 0;
    *processed = (int)proc;
    pd->replay_pos += 16 + (((size_t)r->size + 7) & ~(size_t)7);
}

static uint64_t zout_limit(const struct pd_file *pd)
{
    uint64_t lim = (uint64_t)pd->info.comp_mmap_len * 64;
    if (lim < ((uint64_t)1 << 20))
        lim = ZOUT_LIMIT;
    return SF_MIN(lim, ZOUT_LIMIT);
}

/* Inflates the next chunk of the current COMPRESSED record after the
 * pending tail.  A chunk at a time, so that memory stays at ZCHUNK however
 * much one record expands (perf -z -m 256M writes records that inflate to
 * tens of MB). */
static int inflate_more(struct pd_file *pd, struct sf_err *err)
{
    size_t tail = pd->zbuf_len - pd->zbuf_pos;
    if (tail)
        memmove(pd->zbuf, pd->zbuf + pd->zbuf_pos, tail);
    pd->zbuf_len = tail;
    pd->zbuf_pos = 0;
    if (pd->zbuf_cap < ZCHUNK) {
        pd->zbuf = xrealloc(pd->zbuf, ZCHUNK);
        pd->zbuf_cap = ZCHUNK;
    }
    ZSTD_inBuffer in = { pd->zsrc, pd->zsrc_len, pd->zsrc_pos };
    ZSTD_outBuffer out = { pd->zbuf, pd->zbuf_cap, pd->zbuf_len };
    size_t ret = ZSTD_decompressStream(pd->zctx, &out, &in);
    if (ZSTD_isError(ret)) {
        pd->zmore = 0;
        return sf_error(err, "'%s': corrupt compressed record at offset "
                        "%llu: %s", pd->path, (unsigned long long)pd->zrec_off,
                        ZSTD_getErrorName(ret));
    }
    pd->zsrc_pos = in.pos;
    pd->zout_rec += out.pos - pd->zbuf_len;
    pd->stats.compressed_bytes_out += out.pos - pd->zbuf_len;
    pd->zbuf_len = out.pos;
    pd->zmore = !(in.pos == in.size && out.pos < out.size);
    uint64_t limit = zout_limit(pd);
    if (pd->zout_rec > limit) {
        pd->zmore = 0;
        return sf_error(err, "'%s': compressed record at offset %llu expands "
                        "beyond %llu bytes", pd->path,
                        (unsigned long long)pd->zrec_off, (unsigned long long)limit);
    }
    return 0;
}

/* Starts on one COMPRESSED/COMPRESSED2 record: keeps its payload (at most
 * 64 KiB) and inflates the first chunk. */
static int inflate_record(struct pd_file *pd, const struct pd_record *r,
                          struct sf_err *err)
{
    const uint8_t *src = r->data + 8;
    size_t n = r->size - 8;
    if (r->type == PD_REC_COMPRESSED2) {
        uint64_t dsz = n >= 8 ? sf_rd64(r->data + 8, pd->swap) : UINT64_MAX;
        if (n < 8 || dsz > n - 8)
            return sf_error(err, "'%s': compressed record at offset %llu: "
                            "data size exceeds the record", pd->path,
                            (unsigned long long)r->file_offset);
        src += 8;
        n = (size_t)dsz;
    }
    if (!pd->zctx)
        pd->zctx = ZSTD_createDCtx();
    if (!pd->zctx)
        return sf_error(err, "'%s': cannot create zstd context", pd->path);
    pd->zsrc = xgrow(pd->zsrc, 1, n ? n : 1, &pd->zsrc_cap);
    memcpy(pd->zsrc, src, n);
    pd->zsrc_len = n;
    pd->zsrc_pos = 0;
    pd->zout_rec = 0;
    pd->zrec_off = r->file_offset;
    pd->stats.compressed_records++;
    pd->stats.compressed_bytes_in += n;
    return inflate_more(pd, err);
}

/* A complete record from the inflated buffer: 1, or 0 if none is left. */
static int next_inflated(struct pd_file *pd, struct pd_record *rec,
                         struct sf_err *err)
{
    size_t left = pd->zbuf_len - pd->zbuf_pos;
    if (left < 8)
        return 0;
    const uint8_t *p = pd->zbuf + pd->zbuf_pos;
    uint16_t size = sf_rd16(p + 6, pd->swap);
    if (size < 8)
        return sf_error(err, "'%s': record with invalid size %u inside the "
                        "compressed record at offset %llu", pd->path, size,
                        (unsigned long long)pd->zrec_off);
    if (left < size)
        return 0;
    rec->type = sf_rd32(p, pd->swap);
    rec->misc = sf_rd16(p + 4, pd->swap);
    rec->size = size;
    rec->data = p;
    rec->file_offset = pd->zrec_off;
    rec->from_compressed = 1;
    pd->zbuf_pos += size;
    return 1;
}

int pd_next(struct pd_file *pd, struct pd_record *rec, struct sf_err *err)
{
    for (;;) {
        int rc = next_inflated(pd, rec, err);
        if (rc < 0)
            return -1;
        if (rc > 0) {
            count_record(pd, rec->type);
            if ((is_header_record(rec->type) &&
                 rec->type != PD_REC_HEADER_TRACING_DATA) ||
                rec->type == PD_REC_ID_INDEX)
                if (absorb_record(pd, rec, err) < 0)
                    return -1;
            return 1;
        }
        if (pd->zmore) {
            if (inflate_more(pd, err) < 0)
                return -1;
            continue;
        }
        int processed = 0;
        if (pd->replay_pos < pd->replay_len) {
            replay_pop(pd, rec, &processed);
            rc = 1;
        } else {
            rc = next_raw(pd, rec, err);
        }
        if (rc < 0)
            return -1;
        size_t tail = pd->zbuf_len - pd->zbuf_pos;
        if (rc == 0) {
            /* the end of perf's last compressed block was never written
             * (pd_info.cut_compressed): the data ends before that record.
             * In a file cut short, the cut says why (cut_at). */
            if (!pd->info.cut_at)
                pd->info.cut_compressed = tail;
            pd->zbuf_pos = pd->zbuf_len;
            return 0;
        }
        count_record(pd, rec->type);
        if (rec->type == PD_REC_COMPRESSED ||
            rec->type == PD_REC_COMPRESSED2) {
            if (inflate_record(pd, rec, err) < 0)
                return -1;
            continue;
        }
        /* A tail left by a COMPRESSED record waits for the next one, as in
         * perf: perf record writes FINISHED_ROUND between the records of
         * one split push on big -z captures. */
        if (!processed && (is_header_record(rec->type) ||
                           rec->type == PD_REC_ID_INDEX))
            if (absorb_record(pd, rec, err) < 0)
                return -1;
        return 1;
    }
}

/* ------------------------------------------------------------------ */
/* opening                                                             */

static int read_file_header(struct pd_file *pd, struct sf_err *err)
{
    uint8_t h[PD_FILE_HDR];
    const uint8_t *p;
    size_t got;

    if (src_get(pd, 0, PD_FILE_HDR, &p, &got, err) < 0)
        return -1;
    if (got == 0)
        return sf_error(err, "'%s': empty file", pd->path);
    if (got < 16)
        return sf_error(err, "'%s': truncated header at offset %zu: not a "
                        "perf.data file", pd->path, got);
    uint64_t magic;
    memcpy(&magic, p, 8);
    if (magic == PD_MAGIC)
        pd->swap = 0;
    else if (magic == sf_bswap64(PD_MAGIC))
        pd->swap = 1;
    else
        return sf_error(err, "'%s': not a perf.data file (bad magic)",
                        pd->path);
    pd->info.byte_swapped = pd->swap;
    uint64_t hsize = sf_rd64(p + 8, pd->swap);
    if (hsize == PD_PIPE_HDR) {
        pd->info.pipe_mode = 1;
        pd->pos = PD_PIPE_HDR;
        pd->data_end = UINT64_MAX;
        return 0;
    }
    if (hsize != PD_FILE_HDR)
        return sf_error(err, "'%s': unsupported header size %llu at offset 8",
                        pd->path, (unsigned long long)hsize);
    if (got < PD_FILE_HDR)
        return sf_error(err, "'%s': truncated header at offset %zu (needs %d "
                        "bytes)", pd->path, got, PD_FILE_HDR);
    memcpy(h, p, PD_FILE_HDR);

    int sw = pd->swap;
    uint64_t attr_size = sf_rd64(h + 16, sw);
    uint64_t attrs_off = sf_rd64(h + 24, sw), attrs_size = sf_rd64(h + 32, sw);
    uint64_t data_off = sf_rd64(h + 40, sw), data_size = sf_rd64(h + 48, sw);

    /* The data section is streamed, so only a known file size bounds it.
     * A file that ends inside it (a copy cut short, perf record killed
     * while writing: its header still says size 0) is read up to the cut:
     * the feature sections perf writes after the data are gone. */
    if (pd->file_size != UINT64_MAX && data_off <= pd->file_size &&
        (data_size == 0 || data_size > pd->file_size - data_off)) {
        pd->info.cut_at = pd->file_size;
        pd->info.cut_no_size = data_size == 0;
        pd->info.recorded_data_size = data_size;
        data_size = pd->file_size - data_off;
    }
    if (pd->file_size != UINT64_MAX &&
        check_section(pd, data_off, data_size, "data section", err) < 0)
        return -1;
    pd->info.data_offset = data_off;
    pd->info.data_size = data_size;
    pd->pos = data_off;
    pd->data_end = data_size || pd->info.cut_at ? data_off + data_size : UINT64_MAX;

    /* attrs */
    if (attr_size < PD_ATTR_VER0 + 16 || attr_size > 65536)
        return sf_error(err, "'%s': bad attr entry size %llu at offset 16",
                        pd->path, (unsigned long long)attr_size);
    if (attrs_size % attr_size || attrs_size / attr_size > MAX_ATTRS)
        return sf_error(err, "'%s': attr section size %llu is not a multiple "
                        "of the entry size %llu", pd->path,
                        (unsigned long long)attrs_size,
                        (unsigned long long)attr_size);
    if (check_section(pd, attrs_off, attrs_size, "attr section", err) < 0)
        return -1;
    size_t nr = (size_t)(attrs_size / attr_size);
    uint8_t *ent = xmalloc((size_t)attr_size);
    for (size_t i = 0; i < nr; i++) {
        uint64_t eoff = attrs_off + i * attr_size;
        struct pd_attr a;
        if (src_read_at(pd, eoff, ent, (size_t)attr_size, "attr",
                        err) < 0 ||
            parse_attr(pd, ent, (size_t)attr_size - 16, eoff, &a, err) < 0)
            goto fail;
        if (a.size + 16 != attr_size) {
            sf_error(err, "'%s': attr at offset %llu: attr.size %u does not "
                     "match the attr entry size %llu", pd->path,
                     (unsigned long long)eoff, a.size,
                     (unsigned long long)attr_size);
            goto fail;
        }
        uint64_t ids_off = sf_rd64(ent + a.size, sw);
        uint64_t ids_size = sf_rd64(ent + a.size + 8, sw);
        struct pd_attr *n = attr_add(pd, &a);
        if (ids_size % 8 ||
            check_section(pd, ids_off, ids_size, "attr id list", err) < 0) {
            sf_error(err, "'%s': attr at offset %llu: bad id list (offset "
                     "%llu, size %llu)", pd->path, (unsigned long long)eoff,
                     (unsigned long long)ids_off,
                     (unsigned long long)ids_size);
            goto fail;
        }
        uint8_t *ids = xmalloc((size_t)ids_size);
        if (src_read_at(pd, ids_off, ids, (size_t)ids_size, "attr id list",
                        err) < 0) {
            free(ids);
            goto fail;
        }
        attr_set_ids(pd, n, i, ids, (size_t)(ids_size / 8));
        free(ids);
    }
    free(ent);
    if (pd->data_end != UINT64_MAX && !pd->info.cut_at && read_features(pd, h + 72, err) < 0)
        return -1;
    return 0;
fail:
    free(ent);
    return -1;
}

/* Pipe mode: consume header records up to the first data record. */
static int read_pipe_headers(struct pd_file *pd, struct sf_err *err)
{
    struct pd_record r;
    for (;;) {
        int rc = next_raw(pd, &r, err);
        if (rc <= 0)
            return rc;
        if (!is_header_record(r.type)) {
            replay_push(pd, &r, 0);
            return 0;
        }
        replay_push(pd, &r, 1);
        if (absorb_record(pd, &r, err) < 0)
            return -1;
    }
}

static int read_pipe_start(struct pd_file *pd, struct sf_err *err)
{
    int rc = read_pipe_headers(pd, err);
    pd->pipe_data = rc == 0;
    return rc;
}

/* A file-mode capture on a pipe needs random access: spool it to an
 * unlinked temporary file and read that instead. */
static int spool_stream(struct pd_file *pd, struct sf_err *err)
{
    FILE *tmp = tmpfile();
    if (!tmp)
        return sf_error(err, "'%s': cannot create a temporary file: %s",
                        pd->path, strerror(errno));
    int tfd = dup(fileno(tmp));
    fclose(tmp);
    if (tfd < 0)
        return sf_error(err, "'%s': %s", pd->path, strerror(errno));
    uint64_t total = pd->win_len;
    int rc = 0;
    if (pd->win_base != 0)
        rc = sf_error(err, "'%s': internal error spooling input", pd->path);
    for (;;) {
        if (rc == 0 && pd->win_len &&
            write(tfd, pd->win, pd->win_len) != (ssize_t)pd->win_len)
            rc = sf_error(err, "'%s': cannot write temporary file: %s",
                          pd->path, strerror(errno));
        if (rc < 0 || pd->eof)
            break;
        ssize_t r = src_read_more(pd, pd->win, pd->win_cap, err);
        if (r < 0) {
            rc = -1;
            break;
        }
        if (r == 0)
            break;
        pd->win_len = (size_t)r;
        total += (uint64_t)r;
    }
    if (rc < 0) {
        close(tfd);
        return -1;
    }
    if (pd->own_fd)
        close(pd->fd);
    pd->fd = tfd;
    pd->own_fd = 1;
    pd->kind = SRC_FD;
    pd->restartable = 0;
    pd->file_size = total;
    pd->win_base = pd->win_len = 0;
    pd->eof = 0;
    return 0;
}

static int is_zstd(const uint8_t *p, size_t n)
{
    return n >= 4 && p[0] == 0x28 && p[1] == 0xb5 && p[2] == 0x2f &&
           p[3] == 0xfd;
}

static struct pd_file *pd_alloc(const char *path)
{
    struct pd_file *pd = xcalloc(1, sizeof(*pd));
    pd->path = xstrdup(path);
    pd->fd = -1;
    pd->file_size = UINT64_MAX;
    pd->data_end = UINT64_MAX;
    return pd;
}

static void setup_window(struct pd_file *pd)
{
    pd->win_cap = WIN_SIZE;
    pd->win = xmalloc(pd->win_cap);
}

static int become_zstd(struct pd_file *pd, struct sf_err *err)
{
    pd->file_zctx = ZSTD_createDCtx();
    if (!pd->file_zctx)
        return sf_error(err, "'%s': cannot create zstd context", pd->path);
    pd->zin = xmalloc(ZIN_SIZE);
    if (pd->kind == SRC_STREAM) {
        /* bytes already pulled into the window are compressed input */
        memcpy(pd->zin, pd->win, pd->win_len);
        pd->zin_len = pd->win_len;
        pd->restartable = 0;
    } else {
        pd->restartable = 1;
        if (pd->fd >= 0 && lseek(pd->fd, 0, SEEK_SET) != 0)
            return io_error(pd, err, 0);
    }
    pd->kind = SRC_ZSTD;
    pd->win_base = pd->win_len = 0;
    pd->eof = 0;
    pd->file_size = UINT64_MAX;     /* decompressed size is unknown */
    pd->stats.bytes_read = 0;
    return 0;
}

static int pd_start(struct pd_file *pd, struct sf_err *err)
{
    const uint8_t *p;
    size_t got;
    if (pd->kind != SRC_MEM)
        setup_window(pd);
    if (src_get(pd, 0, 4, &p, &got, err) < 0)
        return -1;
    if (is_zstd(p, got)) {
        if (pd->kind == SRC_MEM)
            setup_window(pd);
        if (become_zstd(pd, err) < 0)
            return -1;
    }
    if (read_file_header(pd, err) < 0) {
        if (pd->kind == SRC_ZSTD && strstr(err->msg, "(bad magic)"))
            sf_error(err, "'%s': not a perf.data file (bad magic after zstd "
                     "decompression)", pd->path);
        return -1;
    }
    if (pd->info.pipe_mode)
        return read_pipe_start(pd, err);
    return 0;
}

int pd_open(const char *path, struct pd_file **out, struct sf_err *err)
{
    struct sf_err tmp_err;
    if (!err)
        err = &tmp_err;
    *out = NULL;
    struct pd_file *pd = pd_alloc(path);
    if (strcmp(path, "-") == 0) {
        pd->fd = 0;
    } else {
        pd->fd = open(path, O_RDONLY | O_CLOEXEC);
        if (pd->fd < 0) {
            sf_error(err, "'%s': %s", path, strerror(errno));
            pd_close(pd);
            return -1;
        }
        pd->own_fd = 1;
    }
    struct stat st;
    if (fstat(pd->fd, &st) == 0 && S_ISREG(st.st_mode) &&
        lseek(pd->fd, 0, SEEK_CUR) == 0) {
        pd->kind = SRC_FD;
        pd->file_size = (uint64_t)st.st_size;
        /* Mapped, records are read in place: no copy into a window, and
         * the session can point back at queued records instead of
         * keeping them. */
        void *m = st.st_size > 0 && (uint64_t)st.st_size <= SIZE_MAX / 2
                      ? mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, pd->fd, 0)
                      : MAP_FAILED;
        if (m != MAP_FAILED) {
            pd->kind = SRC_MEM;
            pd->mem = m;
            pd->mem_len = (uint64_t)st.st_size;
            pd->map_len = (size_t)st.st_size;
        }
    } else if (fstat(pd->fd, &st) == 0 && S_ISDIR(st.st_mode)) {
        sf_error(err, "'%s': is a directory", path);
        pd_close(pd);
        return -1;
    } else {
        pd->kind = SRC_STREAM;
    }
    if (pd->kind == SRC_STREAM) {
        /* Peek: a file-mode capture (plain or zstd) on a pipe is spooled
         * to a temporary file so that it can be read out of order. */
        setup_window(pd);
        const uint8_t *p;
        size_t got;
        if (src_get(pd, 0, 16, &p, &got, err) < 0) {
            pd_close(pd);
            return -1;
        }
        int zst = is_zstd(p, got);
        if (zst && become_zstd(pd, err) < 0) {
            pd_close(pd);
            return -1;
        }
        if (src_get(pd, 0, 16, &p, &got, err) < 0) {
            pd_close(pd);
            return -1;
        }
        int file_mode = got == 16 && sf_rd64(p + 8, 0) != PD_PIPE_HDR &&
                        sf_bswap64(sf_rd64(p + 8, 0)) != PD_PIPE_HDR;
        if (file_mode && spool_stream(pd, err) < 0) {
            pd_close(pd);
            return -1;
        }
        if (!file_mode) {
            int rc = read_file_header(pd, err);
            if (rc == 0 && pd->info.pipe_mode)
                rc = read_pipe_start(pd, err);
            else if (rc == 0)
                rc = sf_error(err, "'%s': internal error: file mode on a "
                              "pipe", path);
            if (rc < 0) {
                pd_close(pd);
                return -1;
            }
            *out = pd;
            return 0;
        }
        free(pd->win);
        pd->win = NULL;
    }
    if (pd_start(pd, err) < 0) {
        pd_close(pd);
        return -1;
    }
    *out = pd;
    return 0;
}

int pd_open_mem(const char *name, const uint8_t *buf, size_t len,
                struct pd_file **out, struct sf_err *err)
{
    struct sf_err tmp_err;
    if (!err)
        err = &tmp_err;
    *out = NULL;
    struct pd_file *pd = pd_alloc(name);
    pd->kind = SRC_MEM;
    pd->mem = buf;
    pd->mem_len = len;
    pd->file_size = len;
    if (pd_start(pd, err) < 0) {
        pd_close(pd);
        return -1;
    }
    *out = pd;
    return 0;
}

void pd_close(struct pd_file *pd)
{
    if (!pd)
        return;
    for (size_t i = 0; i < pd->nr_attrs; i++) {
        free(pd->attrs[i]->name);
        free(pd->attrs[i]->ids);
        free(pd->attrs[i]);
    }
    free(pd->attrs);
    u64map_release(&pd->attr_of_id);
    struct pd_info *in = &pd->info;
    free(in->hostname);
    free(in->osrelease);
    free(in->perf_version);
    free(in->arch);
    free(in->cpudesc);
    free(in->cpuid);
    for (size_t i = 0; i < in->cmdline_argc; i++)
        free(in->cmdline[i]);
    free(in->cmdline);
    for (size_t i = 0; i < in->nr_build_ids; i++)
        free(in->build_ids[i].filename);
    free(in->build_ids);
    free(pd->tracing_data);
    if (pd->own_fd)
        close(pd->fd);
    if (pd->map_len)
        munmap((void *)pd->mem, pd->map_len);
    free(pd->win);
    free(pd->zin);
    ZSTD_freeDCtx(pd->file_zctx);
    ZSTD_freeDCtx(pd->zctx);
    free(pd->zbuf);
    free(pd->zsrc);
    free(pd->replay);
    free(pd->path);
    free(pd);
}

const char *pd_path(const struct pd_file *pd) { return pd->path; }
int pd_swapped(const struct pd_file *pd) { return pd->swap; }
int pd_reread_fd(const struct pd_file *pd) { return pd->kind == SRC_FD ? pd->fd : -1; }

const uint8_t *pd_record_in_place(const struct pd_file *pd, uint64_t file_offset,
                                  size_t size)
{
    if (pd->kind != SRC_MEM || file_offset > pd->mem_len ||
        size > pd->mem_len - file_offset)
        return NULL;
    return pd->mem + file_offset;
}

void pd_prefetch_record(const struct pd_file *pd, uint64_t file_offset, size_t size)
{
    if (pd->kind != SRC_MEM || file_offset > pd->mem_len || size > pd->mem_len - file_offset)
        return;
    /* what decoding and unwinding a sample touch: the fixed fields, the
     * registers and the top of the stack dump, and the dump's size word at
     * the end; prefetches of unmapped pages are dropped, never fault */
    const uint8_t *r = pd->mem + file_offset;
    if (size >= 512) {
        for (size_t o = 0; o < 512; o += 64)
            __builtin_prefetch(r + o);
        __builtin_prefetch(r + size - 8);
    } else {
        for (size_t o = 0; o < size; o += 64)
            __builtin_prefetch(r + o);
    }
}

int pd_holds(const struct pd_file *pd, const void *p, size_t len)
{
    uintptr_t b = (uintptr_t)p, m = (uintptr_t)pd->mem;
    return pd->kind == SRC_MEM && b >= m && b - m <= pd->mem_len &&
           len <= pd->mem_len - (b - m);
}

void pd_skim(struct pd_file *pd, int on)
{
    pd->skim = on;
}

void pd_release_pages(struct pd_file *pd)
{
    if (!pd->map_len || pd->kind != SRC_MEM)
        return;
    madvise((void *)pd->mem, pd->map_len, MADV_DONTNEED);
}
const struct pd_info *pd_get_info(const struct pd_file *pd) { return &pd->info; }
size_t pd_nr_attrs(const struct pd_file *pd) { return pd->nr_attrs; }
int pd_progress(const struct pd_file *pd, uint64_t *done, uint64_t *total)
{
    uint64_t start = pd->info.data_offset;
    if (pd->data_end == UINT64_MAX || pd->data_end <= start)
        return 0;
    *total = pd->data_end - start;
    *done = pd->pos > start ? SF_MIN(pd->pos - start, *total) : 0;
    return 1;
}

const struct pd_stats *pd_get_stats(const struct pd_file *pd) { return &pd->stats; }

const struct pd_attr *pd_attr(const struct pd_file *pd, size_t idx)
{
    return idx < pd->nr_attrs ? pd->attrs[idx] : NULL;
}

const struct pd_attr *pd_attr_by_id(const struct pd_file *pd, uint64_t id)
{
    uint32_t idx;
    if (pd->nr_attrs == 1)
        return pd->attrs[0];
    if (id_lookup(pd, id, &idx) && idx < pd->nr_attrs)
        return pd->attrs[idx];
    return NULL;
}
