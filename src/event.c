/* event.c - DECODER stage: turns the reader's raw records into typed events
 * in host byte order (samples by their attr's sample_type, other records with
 * their sample_id_all trailer), validating every count against the record.
 * The session stage consumes the events. */
#include "event.h"

#include <stdlib.h>
#include <string.h>

#define MISC_MMAP_DATA      (1u << 13)
#define MISC_COMM_EXEC      (1u << 13)
#define MISC_MMAP_BUILD_ID  (1u << 14)
#define BRANCH_HW_INDEX     (1ULL << 17)

enum {
    RF_TOTAL_TIME_ENABLED = 1, RF_TOTAL_TIME_RUNNING = 2, RF_ID = 4,
    RF_GROUP = 8, RF_LOST = 16,
};

#define TRAILER_BITS (PD_S_TID | PD_S_TIME | PD_S_ID | PD_S_STREAM_ID | \
                      PD_S_CPU | PD_S_IDENTIFIER)

struct ev_decoder {
    const struct pd_file *pd;
    int swap;
    size_t nr_attrs_seen;
    /* Layout facts taken from attr 0 (perf requires every attr to agree on
     * where the id sits and whether trailers exist). */
    int sample_id_pos;          /* u64 slot after the header, -1 = none */
    int same_layout;            /* all attrs share sample_type */
    int sample_time_pos;        /* u64 slot of TIME when same_layout */
    int sample_id_all;
    uint64_t trailer_type;      /* attr 0 sample_type & TRAILER_BITS */
    size_t trailer_size;
    int trailer_time_back;      /* u64 slots from the end, 0 = none */
    uint64_t *chain;            /* scratch for swapped/misaligned chains */
    size_t chain_cap;
};

static int bit(uint64_t v, uint64_t b) { return (v & b) != 0; }

static void refresh_layout(struct ev_decoder *d)
{
    size_t n = pd_nr_attrs(d->pd);
    if (n == d->nr_attrs_seen)
        return;
    d->nr_attrs_seen = n;
    d->sample_id_pos = -1;
    d->sample_time_pos = -1;
    d->trailer_size = 0;
    d->trailer_time_back = 0;
    d->sample_id_all = 0;
    d->same_layout = 1;
    if (!n)
        return;
    const struct pd_attr *a = pd_attr(d->pd, 0);
    uint64_t st = a->sample_type;
    for (size_t i = 1; i < n; i++)
        if (pd_attr(d->pd, i)->sample_type != st)
            d->same_layout = 0;
    if (st & PD_S_IDENTIFIER)
        d->sample_id_pos = 0;
    else if (st & PD_S_ID)
        d->sample_id_pos = bit(st, PD_S_IP) + bit(st, PD_S_TID) +
                           bit(st, PD_S_TIME) + bit(st, PD_S_ADDR);
    if (st & PD_S_TIME)
        d->sample_time_pos = bit(st, PD_S_IDENTIFIER) + bit(st, PD_S_IP) +
                             bit(st, PD_S_TID);
    d->sample_id_all = a->sample_id_all;
    d->trailer_type = st & TRAILER_BITS;
    if (a->sample_id_all) {
        d->trailer_size = 8 * (size_t)__builtin_popcountll(d->trailer_type);
        if (st & PD_S_TIME)   /* TIME is followed by ID, STREAM_ID, CPU, IDENT */
            d->trailer_time_back = 1 + bit(st, PD_S_ID) +
                bit(st, PD_S_STREAM_ID) + bit(st, PD_S_CPU) +
                bit(st, PD_S_IDENTIFIER);
    }
}

struct ev_decoder *ev_decoder_new(const struct pd_file *pd)
{
    struct ev_decoder *d = xcalloc(1, sizeof(*d));
    d->pd = pd;
    d->swap = pd_swapped(pd);
    d->nr_attrs_seen = (size_t)-1;
    d->chain_cap = 65536 / 8;   /* a record holds at most this many u64 */
    d->chain = xmalloc(d->chain_cap * sizeof(uint64_t));
    refresh_layout(d);
    return d;
}

void ev_decoder_free(struct ev_decoder *d)
{
    if (!d)
        return;
    free(d->chain);
    free(d);
}

/* ------------------------------------------------------------------ */

static const char *rec_name(uint32_t type)
{
    switch (type) {
    case PD_REC_MMAP: return "mmap";
    case PD_REC_MMAP2: return "mmap2";
    case PD_REC_COMM: return "comm";
    case PD_REC_FORK: return "fork";
    case PD_REC_EXIT: return "exit";
    case PD_REC_LOST: return "lost";
    case PD_REC_LOST_SAMPLES: return "lost-samples";
    case PD_REC_THROTTLE: return "throttle";
    case PD_REC_UNTHROTTLE: return "unthrottle";
    case PD_REC_KSYMBOL: return "ksymbol";
    case PD_REC_SAMPLE: return "sample";
    default: return "record";
    }
}

static int too_short(const struct ev_decoder *d, const struct pd_record *r,
                     const char *what, struct sf_err *err)
{
    return sf_error(err, "'%s': %s at offset %llu: %s exceeds the record "
                    "(size %u)", pd_path(d->pd), rec_name(r->type),
                    (unsigned long long)r->file_offset, what, r->size);
}

/* Parses the sample_id_all trailer; *end becomes the payload end. */
static int parse_trailer(const struct ev_decoder *d, const struct pd_record *r,
                         struct ev_id *idn, size_t *end, struct sf_err *err)
{
    memset(idn, 0, sizeof(*idn));
    *end = r->size;
    if (!d->sample_id_all || r->type >= PD_REC_HEADER_ATTR)
        return 0;
    if (d->trailer_size > (size_t)r->size - 8)
        return too_short(d, r, "sample_id trailer", err);
    const uint8_t *p = r->data + r->size - d->trailer_size;
    uint64_t st = d->trailer_type;
    int sw = d->swap;
    *end = r->size - d->trailer_size;
    if (st & PD_S_TID) {
        idn->pid = sf_rd32(p, sw);
        idn->tid = sf_rd32(p + 4, sw);
        idn->has_tid = 1;
        p += 8;
    }
    if (st & PD_S_TIME) {
        idn->time = sf_rd64(p, sw);
        idn->has_time = 1;
        p += 8;
    }
    if (st & PD_S_ID) {
        idn->id = sf_rd64(p, sw);
        idn->has_id = 1;
        p += 8;
    }
    if (st & PD_S_STREAM_ID)
        p += 8;
    if (st & PD_S_CPU) {
        idn->cpu = sf_rd32(p, sw);
        idn->has_cpu = 1;
        p += 8;
    }
    if (st & PD_S_IDENTIFIER) {
        idn->id = sf_rd64(p, sw);
        idn->has_id = 1;
    }
    return 0;
}

static const struct pd_attr *sample_attr(struct ev_decoder *d,
                                         const struct pd_record *r,
                                         struct sf_err *err)
{
    size_t n = d->nr_attrs_seen;
    if (n == 0) {
        sf_error(err, "'%s': sample at offset %llu but the capture has no "
                 "event attributes", pd_path(d->pd),
                 (unsigned long long)r->file_offset);
        return NULL;
    }
    if (n == 1)
        return pd_attr(d->pd, 0);
    if (d->sample_id_pos < 0) {
        sf_error(err, "'%s': sample at offset %llu: %zu events but samples "
                 "carry no id", pd_path(d->pd),
                 (unsigned long long)r->file_offset, n);
        return NULL;
    }
    size_t at = 8 + 8 * (size_t)d->sample_id_pos;
    if (at + 8 > r->size) {
        too_short(d, r, "sample id", err);
        return NULL;
    }
    uint64_t id = sf_rd64(r->data + at, d->swap);
    const struct pd_attr *a = pd_attr_by_id(d->pd, id);
    if (!a)
        sf_error(err, "'%s': sample at offset %llu: id %llu matches no event",
                 pd_path(d->pd), (unsigned long long)r->file_offset,
                 (unsigned long long)id);
    return a;
}

static int decode_regs(const struct ev_decoder *d, const struct pd_record *r,
                       size_t *off, uint64_t mask, uint64_t *abi,
                       uint64_t *regs, const char *what, struct sf_err *err)
{
    const uint8_t *p = r->data;
    size_t len = r->size;
    if (len - *off < 8)
        return too_short(d, r, what, err);
    *abi = sf_rd64(p + *off, d->swap);
    *off += 8;
    if (*abi == 0)
        return 0;
    if (*abi > 2)
        return sf_error(err, "'%s': sample at offset %llu: unknown register "
                        "ABI %llu", pd_path(d->pd),
                        (unsigned long long)r->file_offset,
                        (unsigned long long)*abi);
    size_t nr = (size_t)__builtin_popcountll(mask);
    if (nr > (len - *off) / 8)
        return too_short(d, r, what, err);
    if (regs && !d->swap) {
        /* the values come in register-number order: copy each run of
         * consecutive mask bits at once (x86's DWARF set is two runs) */
        const uint8_t *q = p + *off;
        for (uint64_t m = mask; m;) {
            unsigned start = (unsigned)__builtin_ctzll(m);
            uint64_t rest = ~(m >> start);
            unsigned run = rest ? (unsigned)__builtin_ctzll(rest) : 64 - start;
            memcpy(&regs[start], q, (size_t)run * 8);
            q += (size_t)run * 8;
            m = run + start >= 64 ? 0 : m & ~(((1ull << run) - 1) << start);
        }
        *off += nr * 8;
        return 0;
    }
    for (uint64_t m = mask; m; m &= m - 1) {
        uint64_t v = sf_rd64(p + *off, d->swap);
        if (regs)
            regs[__builtin_ctzll(m)] = v;
        *off += 8;
    }
    return 0;
}

static int decode_sample(struct ev_decoder *d, const struct pd_record *r,
                         struct ev_sample *s, struct sf_err *err)
{
    const uint8_t *p = r->data;
    size_t len = r->size, off = 8;
    int sw = d->swap;
    const struct pd_attr *a = sample_attr(d, r, err);
    if (!a)
        return -1;
    uint64_t st = a->sample_type;

    memset(s, 0, offsetof(struct ev_sample, regs));
    memset(&s->stack_size, 0, sizeof(*s) - offsetof(struct ev_sample,
                                                    stack_size));
    s->attr = a;
    s->attr_index = a->index;
    s->misc = r->misc;

#define NEED(n, what) do { if ((uint64_t)(n) > len - off) \
        return too_short(d, r, what, err); } while (0)
#define U64(dst, what) do { NEED(8, what); (dst) = sf_rd64(p + off, sw); \
        off += 8; } while (0)

    uint64_t skip;
    if (st & PD_S_IDENTIFIER) {
        U64(s->idn.id, "identifier");
        s->idn.has_id = 1;
    }
    if (st & PD_S_IP)
        U64(s->ip, "ip");
    if (st & PD_S_TID) {
        NEED(8, "pid/tid");
        s->idn.pid = sf_rd32(p + off, sw);
        s->idn.tid = sf_rd32(p + off + 4, sw);
        s->idn.has_tid = 1;
        off += 8;
    }
    if (st & PD_S_TIME) {
        U64(s->idn.time, "time");
        s->idn.has_time = 1;
    }
    if (st & PD_S_ADDR)
        U64(s->addr, "addr");
    if (st & PD_S_ID) {
        U64(s->idn.id, "id");
        s->idn.has_id = 1;
    }
    if (st & PD_S_STREAM_ID)
        U64(s->stream_id, "stream id");
    if (st & PD_S_CPU) {
        NEED(8, "cpu");
        s->idn.cpu = sf_rd32(p + off, sw);
        s->idn.has_cpu = 1;
        off += 8;
    }
    if (st & PD_S_PERIOD)
        U64(s->period, "period");
    if (st & PD_S_READ) {
        uint64_t rf = a->read_format;
        uint64_t per = 1 + bit(rf, RF_ID) + bit(rf, RF_LOST);
        uint64_t times = bit(rf, RF_TOTAL_TIME_ENABLED) +
                         bit(rf, RF_TOTAL_TIME_RUNNING);
        uint64_t words;
        if (rf & RF_GROUP) {
            uint64_t nr;
            U64(nr, "read group");
            if (nr > (len - off) / 8 / per)
                return sf_error(err, "'%s': sample at offset %llu: read "
                                "group of %llu entries exceeds the record",
                                pd_path(d->pd),
                                (unsigned long long)r->file_offset,
                                (unsigned long long)nr);
            words = times + nr * per;
        } else {
            words = times + per;
        }
        NEED(words * 8, "read values");
        off += (size_t)words * 8;
    }
    if (st & PD_S_CALLCHAIN) {
        uint64_t nr;
        U64(nr, "callchain");
        if (nr > (len - off) / 8)
            return sf_error(err, "'%s': sample at offset %llu: callchain of "
                            "%llu entries exceeds the record", pd_path(d->pd),
                            (unsigned long long)r->file_offset,
                            (unsigned long long)nr);
        const uint8_t *c = p + off;
        s->nr_callchain = nr;
        if (sw || ((uintptr_t)c & 7)) {
            for (uint64_t i = 0; i < nr; i++)
                d->chain[i] = sf_rd64(c + 8 * i, sw);
            s->callchain = d->chain;
        } else {
            s->callchain = (const uint64_t *)(const void *)c;
        }
        off += (size_t)nr * 8;
    }
    if (st & PD_S_RAW) {
        NEED(4, "raw size");
        s->raw_size = sf_rd32(p + off, sw);
        off += 4;
        if (s->raw_size > len - off)
            return sf_error(err, "'%s': sample at offset %llu: raw data of "
                            "%u bytes exceeds the record", pd_path(d->pd),
                            (unsigned long long)r->file_offset, s->raw_size);
        s->raw = p + off;
        off += s->raw_size;
    }
    if (st & PD_S_BRANCH_STACK) {
        uint64_t nr;
        U64(nr, "branch stack");
        if (a->branch_sample_type & BRANCH_HW_INDEX)
            U64(skip, "branch hw_idx");
        if (nr > (len - off) / 24)
            return sf_error(err, "'%s': sample at offset %llu: branch stack "
                            "of %llu entries exceeds the record",
                            pd_path(d->pd), (unsigned long long)r->file_offset,
                            (unsigned long long)nr);
        off += (size_t)nr * 24;
    }
    if (st & PD_S_REGS_USER) {
        if (decode_regs(d, r, &off, a->sample_regs_user, &s->regs_abi,
                        s->regs, "user registers", err) < 0)
            return -1;
        s->regs_mask = s->regs_abi ? a->sample_regs_user : 0;
    }
    if (st & PD_S_STACK_USER) {
        U64(s->stack_size, "stack size");
        if (s->stack_size > len - off)
            return sf_error(err, "'%s': sample at offset %llu: stack dump of "
                            "%llu bytes exceeds the record", pd_path(d->pd),
                            (unsigned long long)r->file_offset,
                            (unsigned long long)s->stack_size);
        if (s->stack_size) {
            s->stack = p + off;
            off += (size_t)s->stack_size;
            U64(s->stack_dyn_size, "stack dyn_size");
            if (s->stack_dyn_size > s->stack_size)
                s->stack_dyn_size = s->stack_size;
        }
    }
    if (st & (PD_S_WEIGHT | PD_S_WEIGHT_STRUCT))
        U64(s->weight, "weight");
    if (st & PD_S_DATA_SRC)
        U64(s->data_src, "data_src");
    if (st & PD_S_TRANSACTION)
        U64(s->transaction, "transaction");
    if (st & PD_S_REGS_INTR) {
        uint64_t abi;
        if (decode_regs(d, r, &off, a->sample_regs_intr, &abi, NULL,
                        "interrupt registers", err) < 0)
            return -1;
    }
    if (st & PD_S_PHYS_ADDR)
        U64(s->phys_addr, "phys_addr");
    if (st & PD_S_CGROUP)
        U64(s->cgroup, "cgroup");
    if (st & PD_S_DATA_PAGE_SIZE)
        U64(skip, "data page size");
    if (st & PD_S_CODE_PAGE_SIZE)
        U64(skip, "code page size");
    if (st & PD_S_AUX) {
        uint64_t sz;
        U64(sz, "aux size");
        NEED(sz, "aux data");
        off += (size_t)sz;
    }
    (void)skip;
#undef U64
#undef NEED
    return 0;
}

/* A NUL-terminated string at [from, end) of the record. */
static const char *rec_string(const struct pd_record *r, size_t from,
                              size_t end)
{
    if (from >= end || !memchr(r->data + from, 0, end - from))
        return NULL;
    return (const char *)r->data + from;
}

static int bad_string(const struct ev_decoder *d, const struct pd_record *r,
                      struct sf_err *err)
{
    return sf_error(err, "'%s': %s at offset %llu: unterminated name",
                    pd_path(d->pd), rec_name(r->type),
                    (unsigned long long)r->file_offset);
}

int ev_decode(struct ev_decoder *d, const struct pd_record *rec,
              struct ev_event *ev, struct sf_err *err)
{
    const uint8_t *p = rec->data;
    int sw = d->swap;
    size_t end;

    refresh_layout(d);
    ev->type = rec->type;
    ev->file_offset = rec->file_offset;
    if (rec->size < 8)
        return sf_error(err, "'%s': record at offset %llu has invalid size "
                        "%u", pd_path(d->pd),
                        (unsigned long long)rec->file_offset, rec->size);

    switch (rec->type) {
    case PD_REC_SAMPLE:
        ev->kind = EV_SAMPLE;
        return decode_sample(d, rec, &ev->u.sample, err);
    case PD_REC_MMAP:
    case PD_REC_MMAP2: {
        struct ev_mmap *m = &ev->u.mmap;
        memset(m, 0, sizeof(*m));
        ev->kind = EV_MMAP;
        if (parse_trailer(d, rec, &m->idn, &end, err) < 0)
            return -1;
        size_t fixed = rec->type == PD_REC_MMAP2 ? 72 : 40;
        if (end < fixed)
            return too_short(d, rec, "mmap fields", err);
        m->pid = sf_rd32(p + 8, sw);
        m->tid = sf_rd32(p + 12, sw);
        m->start = sf_rd64(p + 16, sw);
        m->len = sf_rd64(p + 24, sw);
        m->pgoff = sf_rd64(p + 32, sw);
        m->misc = rec->misc;
        m->is_data = (rec->misc & MISC_MMAP_DATA) != 0;
        if (rec->type == PD_REC_MMAP2) {
            m->is_mmap2 = 1;
            if (rec->misc & MISC_MMAP_BUILD_ID) {
                m->build_id_size = SF_MIN(p[40], 20);
                memcpy(m->build_id, p + 44, 20);
            } else {
                m->maj = sf_rd32(p + 40, sw);
                m->min = sf_rd32(p + 44, sw);
                m->ino = sf_rd64(p + 48, sw);
                m->ino_generation = sf_rd64(p + 56, sw);
            }
            m->prot = sf_rd32(p + 64, sw);
            m->flags = sf_rd32(p + 68, sw);
        }
        m->filename = rec_string(rec, fixed, end);
        if (!m->filename)
            return bad_string(d, rec, err);
        return 0;
    }
    case PD_REC_COMM: {
        struct ev_comm *c = &ev->u.comm;
        memset(c, 0, sizeof(*c));
        ev->kind = EV_COMM;
        if (parse_trailer(d, rec, &c->idn, &end, err) < 0)
            return -1;
        if (end < 16)
            return too_short(d, rec, "comm fields", err);
        c->pid = sf_rd32(p + 8, sw);
        c->tid = sf_rd32(p + 12, sw);
        c->exec = (rec->misc & MISC_COMM_EXEC) != 0;
        c->comm = rec_string(rec, 16, end);
        if (!c->comm)
            return bad_string(d, rec, err);
        return 0;
    }
    case PD_REC_FORK:
    case PD_REC_EXIT: {
        struct ev_task *t = &ev->u.task;
        ev->kind = rec->type == PD_REC_FORK ? EV_FORK : EV_EXIT;
        if (parse_trailer(d, rec, &t->idn, &end, err) < 0)
            return -1;
        if (end < 32)
            return too_short(d, rec, "task fields", err);
        t->pid = sf_rd32(p + 8, sw);
        t->ppid = sf_rd32(p + 12, sw);
        t->tid = sf_rd32(p + 16, sw);
        t->ptid = sf_rd32(p + 20, sw);
        t->time = sf_rd64(p + 24, sw);
        return 0;
    }
    case PD_REC_LOST:
    case PD_REC_LOST_SAMPLES: {
        struct ev_lost *l = &ev->u.lost;
        ev->kind = rec->type == PD_REC_LOST ? EV_LOST : EV_LOST_SAMPLES;
        if (parse_trailer(d, rec, &l->idn, &end, err) < 0)
            return -1;
        if (rec->type == PD_REC_LOST) {
            if (end < 24)
                return too_short(d, rec, "lost fields", err);
            l->id = sf_rd64(p + 8, sw);
            l->lost = sf_rd64(p + 16, sw);
        } else {
            if (end < 16)
                return too_short(d, rec, "lost fields", err);
            l->id = l->idn.id;
            l->lost = sf_rd64(p + 8, sw);
        }
        return 0;
    }
    case PD_REC_THROTTLE:
    case PD_REC_UNTHROTTLE: {
        struct ev_throttle *t = &ev->u.throttle;
        ev->kind = EV_THROTTLE;
        if (parse_trailer(d, rec, &t->idn, &end, err) < 0)
            return -1;
        if (end < 32)
            return too_short(d, rec, "throttle fields", err);
        t->time = sf_rd64(p + 8, sw);
        t->id = sf_rd64(p + 16, sw);
        t->stream_id = sf_rd64(p + 24, sw);
        t->unthrottle = rec->type == PD_REC_UNTHROTTLE;
        return 0;
    }
    case PD_REC_KSYMBOL: {
        struct ev_ksymbol *k = &ev->u.ksymbol;
        ev->kind = EV_KSYMBOL;
        if (parse_trailer(d, rec, &k->idn, &end, err) < 0)
            return -1;
        if (end < 24)
            return too_short(d, rec, "ksymbol fields", err);
        k->addr = sf_rd64(p + 8, sw);
        k->len = sf_rd32(p + 16, sw);
        k->ksym_type = sf_rd16(p + 20, sw);
        k->flags = sf_rd16(p + 22, sw);
        k->name = rec_string(rec, 24, end);
        if (!k->name)
            return bad_string(d, rec, err);
        return 0;
    }
    case PD_REC_FINISHED_ROUND:
        ev->kind = EV_FINISHED_ROUND;
        return 0;
    case PD_REC_FINISHED_INIT:
        ev->kind = EV_FINISHED_INIT;
        return 0;
    default:
        break;
    }
    if ((rec->type >= 1 && rec->type <= 21) ||
        (rec->type >= 64 && rec->type <= 83)) {
        ev->kind = EV_OTHER;
        /* best effort: identity of records we do not decode further */
        if (parse_trailer(d, rec, &ev->u.sample.idn, &end, NULL) < 0)
            memset(&ev->u.sample.idn, 0, sizeof(ev->u.sample.idn));
        return 0;
    }
    ev->kind = EV_UNKNOWN;
    return 0;
}

int ev_record_time(const struct ev_decoder *d, const struct pd_record *rec,
                   uint64_t *time)
{
    *time = 0;
    refresh_layout((struct ev_decoder *)d);
    if (rec->type == PD_REC_SAMPLE) {
        int pos = d->sample_time_pos;
        if (!d->same_layout) {
            const struct pd_attr *a = sample_attr((struct ev_decoder *)d,
                                                  rec, NULL);
            if (!a || !(a->sample_type & PD_S_TIME))
                return 0;
            uint64_t st = a->sample_type;
            pos = bit(st, PD_S_IDENTIFIER) + bit(st, PD_S_IP) +
                  bit(st, PD_S_TID);
        }
        if (pos < 0 || 16 + 8 * (size_t)pos > rec->size)
            return 0;
        *time = sf_rd64(rec->data + 8 + 8 * (size_t)pos, d->swap);
        return 1;
    }
    if (rec->type >= PD_REC_HEADER_ATTR || rec->type == 0)
        return 0;
    if (d->trailer_time_back && d->trailer_size <= (size_t)rec->size - 8) {
        *time = sf_rd64(rec->data + rec->size - 8 * d->trailer_time_back,
                        d->swap);
        return 1;
    }
    if ((rec->type == PD_REC_FORK || rec->type == PD_REC_EXIT) &&
        rec->size >= 32) {
        *time = sf_rd64(rec->data + 24, d->swap);
        return 1;
    }
    return 0;
}
