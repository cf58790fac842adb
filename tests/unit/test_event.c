/* test_event.c - the decoder on hand-built records (pdgen), both byte
 * orders: every sample_type bit, sample_id_all trailers, MMAP2 build-id and
 * COMM exec variants, id -> attr mapping, timestamps, and malformed counts
 * with their exact error text. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "perfdata.h"
#include "event.h"
#include "pdgen.h"

#define ALL_BITS (PD_S_IDENTIFIER | PD_S_IP | PD_S_TID | PD_S_TIME | \
    PD_S_ADDR | PD_S_ID | PD_S_STREAM_ID | PD_S_CPU | PD_S_PERIOD | \
    PD_S_READ | PD_S_CALLCHAIN | PD_S_RAW | PD_S_BRANCH_STACK | \
    PD_S_REGS_USER | PD_S_STACK_USER | PD_S_WEIGHT | PD_S_DATA_SRC | \
    PD_S_TRANSACTION | PD_S_REGS_INTR | PD_S_PHYS_ADDR | PD_S_CGROUP | \
    PD_S_DATA_PAGE_SIZE | PD_S_CODE_PAGE_SIZE | PD_S_AUX)

static const uint64_t ids_a[] = { 100, 101 }, ids_b[] = { 200 };

/* One opened capture plus a decoder, records pulled one by one. */
struct cap {
    uint8_t *img;
    size_t len;
    struct pd_file *pd;
    struct ev_decoder *d;
    struct pd_record rec;
    struct ev_event ev;
    struct sf_err err;
};

static void cap_open(struct cap *c, struct pdgen *g)
{
    c->img = pdgen_finish(g, &c->len);
    pdgen_free(g);
    if (pd_open_mem("t", c->img, c->len, &c->pd, &c->err) < 0)
        fail_msg("%s", c->err.msg);
    c->d = ev_decoder_new(c->pd);
}

/* Next decoded event: 1, 0 at end, -1 on a decode error. */
static int cap_next(struct cap *c)
{
    int rc = pd_next(c->pd, &c->rec, &c->err);
    if (rc <= 0)
        return rc;
    return ev_decode(c->d, &c->rec, &c->ev, &c->err) < 0 ? -1 : 1;
}

static void cap_close(struct cap *c)
{
    ev_decoder_free(c->d);
    pd_close(c->pd);
    free(c->img);
}

static const uint64_t chain[] = { EV_CONTEXT_USER, 0x401234, 0x405678 };
static const uint64_t regs[] = { 0xa0, 0xa6, 0xa7, 0xa8 };  /* AX BP SP IP */
static const uint64_t intr[] = { 0xb1 };
static const uint64_t branches[] = { 1, 2, 3, 4, 5, 6 };
static const uint64_t readv[] = { 2, 10, 20, 7, 100, 1, 8, 101, 2 };

static void fill_sample(struct pdgen_sample *s, const uint8_t *stack)
{
    memset(s, 0, sizeof(*s));
    s->id = 101;
    s->ip = 0x401000;
    s->pid = 42;
    s->tid = 43;
    s->time = 123456789;
    s->addr = 0xdead;
    s->stream_id = 77;
    s->cpu = 3;
    s->period = 1;
    s->read_values = readv;
    s->nr_read_values = SF_ARRAY_SIZE(readv);
    s->callchain = chain;
    s->nr_callchain = 3;
    s->raw = "\x10\x00\x20\x00rawpayload";
    s->raw_size = 14;
    s->branches = branches;
    s->nr_branches = 2;
    s->hw_idx = 9;
    s->regs_abi = 2;
    s->regs = regs;
    s->intr_abi = 2;
    s->intr_regs = intr;
    s->stack = stack;
    s->stack_size = 64;
    s->stack_dyn_size = 40;
    s->weight = 5;
    s->data_src = 6;
    s->transaction = 7;
    s->phys_addr = 8;
    s->cgroup = 9;
    s->data_page_size = 4096;
    s->code_page_size = 4096;
    s->aux = "auxdata!";
    s->aux_size = 8;
}

static struct pdgen *all_bits_gen(unsigned flags, uint64_t sample_type)
{
    struct pdgen *g = pdgen_new(flags);
    struct pdgen_attr a = {
        .type = 2, .config = 5, .sample_type = sample_type,
        .read_format = 1 | 2 | 4 | 8 | 16,  /* group, times, id, lost */
        .branch_sample_type = 1ULL << 17,
        .sample_regs_user = (1 << 0) | (1 << 6) | (1 << 7) | (1 << 8),
        .sample_regs_intr = 1 << 1, .sample_stack_user = 64,
        .sample_id_all = 1, .name = "ev:a", .ids = ids_a, .nr_ids = 2,
    };
    pdgen_add_attr(g, &a);
    a.name = "ev:b";
    a.config = 6;
    a.ids = ids_b;
    a.nr_ids = 1;
    pdgen_add_attr(g, &a);
    return g;
}

static void check_all_bits(unsigned flags)
{
    uint8_t stack[64];
    for (int i = 0; i < 64; i++)
        stack[i] = (uint8_t)i;
    struct pdgen *g = all_bits_gen(flags, ALL_BITS);
    struct pdgen_sample s;
    fill_sample(&s, stack);
    pdgen_sample(g, 0, &s);
    s.id = 200;
    s.ip = 0x402000;
    pdgen_sample(g, 1, &s);
    struct cap c;
    cap_open(&c, g);
    int rc;
    while ((rc = cap_next(&c)) == 1 && c.ev.kind != EV_SAMPLE)
        ;
    if (rc < 0)
        fail_msg("%s", c.err.msg);
    assert_int_equal(rc, 1);
    const struct ev_sample *e = &c.ev.u.sample;
    assert_ptr_equal(e->attr, pd_attr(c.pd, 0));
    assert_int_equal(e->attr_index, 0);
    assert_int_equal(e->idn.id, 101);
    assert_int_equal(e->ip, 0x401000);
    assert_int_equal(e->idn.pid, 42);
    assert_int_equal(e->idn.tid, 43);
    assert_int_equal(e->idn.time, 123456789);
    assert_int_equal(e->idn.cpu, 3);
    assert_true(e->idn.has_tid && e->idn.has_time && e->idn.has_cpu);
    assert_int_equal(e->addr, 0xdead);
    assert_int_equal(e->stream_id, 77);
    assert_int_equal(e->period, 1);
    assert_int_equal(e->nr_callchain, 3);
    assert_int_equal(e->callchain[0], EV_CONTEXT_USER);
    assert_int_equal(e->callchain[2], 0x405678);
    assert_int_equal(e->raw_size, 20);          /* padded: 4 + 20 = 24 */
    assert_memory_equal(e->raw, "\x10\x00\x20\x00rawpayload", 14);
    assert_int_equal(e->regs_abi, 2);
    assert_int_equal(e->regs_mask, 0x1c1);
    assert_int_equal(e->regs[EV_X86_AX], 0xa0);
    assert_int_equal(e->regs[EV_X86_BP], 0xa6);
    assert_int_equal(e->regs[EV_X86_SP], 0xa7);
    assert_int_equal(e->regs[EV_X86_IP], 0xa8);
    assert_int_equal(e->stack_size, 64);
    assert_int_equal(e->stack_dyn_size, 40);
    assert_memory_equal(e->stack, stack, 64);
    /* the stack dump is not copied: it points into the record */
    assert_true(e->stack > c.rec.data && e->stack < c.rec.data + c.rec.size);
    assert_int_equal(e->weight, 5);
    assert_int_equal(e->data_src, 6);
    assert_int_equal(e->transaction, 7);
    assert_int_equal(e->phys_addr, 8);
    assert_int_equal(e->cgroup, 9);
    uint64_t t;
    assert_int_equal(ev_record_time(c.d, &c.rec, &t), 1);
    assert_int_equal(t, 123456789);

    assert_int_equal(cap_next(&c), 1);
    assert_int_equal(c.ev.kind, EV_SAMPLE);
    assert_ptr_equal(c.ev.u.sample.attr, pd_attr(c.pd, 1));
    assert_string_equal(c.ev.u.sample.attr->name, "ev:b");
    assert_int_equal(c.ev.u.sample.ip, 0x402000);
    assert_int_equal(cap_next(&c), 0);
    cap_close(&c);
}

static void test_all_bits_native(void **st) { (void)st; check_all_bits(0); }
static void test_all_bits_swapped(void **st)
{
    (void)st;
    check_all_bits(PDGEN_SWAP);
    check_all_bits(PDGEN_SWAP | PDGEN_PIPE);
}

/* Each bit alone (plus ID to find the attr) decodes and consumes exactly
 * its field: the trailing marker field lands where expected. */
static void test_each_bit(void **st)
{
    (void)st;
    uint8_t stack[64] = { 0 };
    for (int b = 0; b <= 24; b++) {
        uint64_t bitv = 1ULL << b;
        if (!(bitv & (ALL_BITS | PD_S_WEIGHT_STRUCT)))
            continue;
        for (int sw = 0; sw < 2; sw++) {
            struct pdgen *g = all_bits_gen(sw ? PDGEN_SWAP : 0,
                                           bitv | PD_S_ID | PD_S_PERIOD);
            struct pdgen_sample s;
            fill_sample(&s, stack);
            s.period = 0x5eed + (uint64_t)b;
            pdgen_sample(g, 0, &s);
            struct cap c;
            cap_open(&c, g);
            int rc;
            while ((rc = cap_next(&c)) == 1 && c.ev.kind != EV_SAMPLE)
                ;
            if (rc < 0)
                fail_msg("bit %d: %s", b, c.err.msg);
            assert_int_equal(c.ev.u.sample.idn.id, 101);
            /* PERIOD precedes READ.. fields; when the bit sits before it
             * the period tells the bit's width was right */
            assert_int_equal(c.ev.u.sample.period, 0x5eed + (uint64_t)b);
            cap_close(&c);
        }
    }
}

/* Expects "'t': WHAT at offset N: TAIL" for the last record read. */
static void expect_sample_error(struct pdgen *g, const char *what,
                                const char *tail)
{
    struct cap c;
    cap_open(&c, g);
    int rc;
    uint64_t off = 0;
    while ((rc = cap_next(&c)) == 1)
        ;
    assert_int_equal(rc, -1);
    off = c.rec.file_offset;
    char want[512];
    snprintf(want, sizeof(want), "'t': %s at offset %llu: %s", what,
             (unsigned long long)off, tail);
    assert_string_equal(c.err.msg, want);
    cap_close(&c);
}

static void test_bad_counts(void **st)
{
    (void)st;
    uint8_t stack[64] = { 0 };
    struct pdgen_sample s;
    struct pdgen *g;

    g = all_bits_gen(0, PD_S_ID | PD_S_CALLCHAIN);
    fill_sample(&s, stack);
    s.nr_callchain = (uint64_t)-2;
    s.callchain = NULL;
    pdgen_sample(g, 0, &s);
    expect_sample_error(g, "sample",
                        "callchain of 18446744073709551614 entries exceeds the record");

    g = all_bits_gen(PDGEN_SWAP, PD_S_ID | PD_S_STACK_USER);
    fill_sample(&s, stack);
    pdgen_sample(g, 0, &s);
    struct cap c;
    cap_open(&c, g);
    while (cap_next(&c) == 1 && c.ev.kind != EV_SAMPLE)
        ;
    assert_int_equal(c.ev.u.sample.stack_size, 64);
    cap_close(&c);

    g = all_bits_gen(0, PD_S_ID | PD_S_STACK_USER);
    pdgen_rec_begin(g, PD_REC_SAMPLE, 2);
    pdgen_u64(g, 101);
    pdgen_u64(g, 1ULL << 40);           /* stack size */
    pdgen_u64(g, 0);
    pdgen_rec_end(g);
    expect_sample_error(g, "sample",
                        "stack dump of 1099511627776 bytes exceeds the record");

    g = all_bits_gen(0, PD_S_ID | PD_S_REGS_USER);
    fill_sample(&s, stack);
    s.regs_abi = 7;
    pdgen_sample(g, 0, &s);
    expect_sample_error(g, "sample",
                        "unknown register ABI 7");

    g = all_bits_gen(0, PD_S_ID | PD_S_RAW);
    pdgen_rec_begin(g, PD_REC_SAMPLE, 2);
    pdgen_u64(g, 101);
    pdgen_u32(g, 4000);
    pdgen_u32(g, 0);
    pdgen_rec_end(g);
    expect_sample_error(g, "sample",
                        "raw data of 4000 bytes exceeds the record");

    g = all_bits_gen(0, PD_S_ID | PD_S_BRANCH_STACK);
    pdgen_rec_begin(g, PD_REC_SAMPLE, 2);
    pdgen_u64(g, 101);
    pdgen_u64(g, 1ULL << 62);
    pdgen_u64(g, 0);
    pdgen_rec_end(g);
    expect_sample_error(g, "sample",
                        "branch stack of 4611686018427387904 entries exceeds the record");

    g = all_bits_gen(0, PD_S_ID | PD_S_READ);
    pdgen_rec_begin(g, PD_REC_SAMPLE, 2);
    pdgen_u64(g, 101);
    pdgen_u64(g, 1000);
    pdgen_rec_end(g);
    expect_sample_error(g, "sample",
                        "read group of 1000 entries exceeds the record");

    g = all_bits_gen(0, PD_S_ID | PD_S_TIME | PD_S_IP);
    pdgen_rec_begin(g, PD_REC_SAMPLE, 2);
    pdgen_u64(g, 1);
    pdgen_u64(g, 2);                    /* the id would follow: no room */
    pdgen_rec_end(g);
    expect_sample_error(g, "sample",
                        "sample id exceeds the record (size 24)");

    g = all_bits_gen(0, PD_S_ID | PD_S_IP);
    fill_sample(&s, stack);
    s.id = 999;
    pdgen_sample(g, 0, &s);
    expect_sample_error(g, "sample",
                        "id 999 matches no event");
}

static void test_trailers(void **st)
{
    (void)st;
    for (int sw = 0; sw < 2; sw++) {
        struct pdgen *g = all_bits_gen(sw ? PDGEN_SWAP : 0,
                                       PD_S_IP | PD_S_TID | PD_S_TIME |
                                       PD_S_ID | PD_S_CPU | PD_S_IDENTIFIER);
        struct pdgen_sample s = { .pid = 7, .tid = 8, .time = 555, .id = 200,
                                  .cpu = 2 };
        pdgen_comm(g, 0, 7, 8, "worker", 1, &s);
        pdgen_mmap2(g, 0, 7, 8, 0x400000, 0x2000, 0x1000, "/bin/prog", &s);
        /* MMAP2 with a build id instead of dev/inode */
        pdgen_rec_begin(g, PD_REC_MMAP2, 2 | (1u << 14));
        pdgen_u32(g, 7);
        pdgen_u32(g, 8);
        pdgen_u64(g, 0x500000);
        pdgen_u64(g, 0x1000);
        pdgen_u64(g, 0);
        pdgen_bytes(g, "\x14\0\0\0", 4);
        pdgen_bytes(g, "0123456789abcdefghij", 20);
        pdgen_u32(g, 5);
        pdgen_u32(g, 2);
        pdgen_str(g, "/lib/libc.so");
        pdgen_id_trailer(g, 0, &s);
        pdgen_rec_end(g);
        pdgen_task(g, 0, PD_REC_FORK, 9, 7, 9, 8, 600, &s);
        s.time = 700;
        pdgen_task(g, 0, PD_REC_EXIT, 9, 7, 9, 8, 700, &s);
        pdgen_rec_begin(g, PD_REC_LOST_SAMPLES, 0);
        pdgen_u64(g, 17);
        pdgen_id_trailer(g, 0, &s);
        pdgen_rec_end(g);
        struct cap c;
        cap_open(&c, g);
        uint64_t t;

        assert_int_equal(cap_next(&c), 1);
        assert_int_equal(c.ev.kind, EV_COMM);
        assert_string_equal(c.ev.u.comm.comm, "worker");
        assert_int_equal(c.ev.u.comm.exec, 1);
        assert_int_equal(c.ev.u.comm.idn.time, 555);
        assert_int_equal(c.ev.u.comm.idn.id, 200);
        assert_int_equal(c.ev.u.comm.idn.cpu, 2);
        assert_int_equal(c.ev.u.comm.idn.tid, 8);
        assert_int_equal(ev_record_time(c.d, &c.rec, &t), 1);
        assert_int_equal(t, 555);

        assert_int_equal(cap_next(&c), 1);
        assert_int_equal(c.ev.kind, EV_MMAP);
        assert_true(c.ev.u.mmap.is_mmap2);
        assert_int_equal(c.ev.u.mmap.start, 0x400000);
        assert_int_equal(c.ev.u.mmap.pgoff, 0x1000);
        assert_int_equal(c.ev.u.mmap.ino, 1234);
        assert_int_equal(c.ev.u.mmap.prot, 5);
        assert_int_equal(c.ev.u.mmap.build_id_size, 0);
        assert_string_equal(c.ev.u.mmap.filename, "/bin/prog");

        assert_int_equal(cap_next(&c), 1);
        assert_int_equal(c.ev.u.mmap.build_id_size, 20);
        assert_memory_equal(c.ev.u.mmap.build_id, "0123456789abcdefghij", 20);
        assert_string_equal(c.ev.u.mmap.filename, "/lib/libc.so");
        assert_int_equal(c.ev.u.mmap.idn.time, 555);

        assert_int_equal(cap_next(&c), 1);
        assert_int_equal(c.ev.kind, EV_FORK);
        assert_int_equal(c.ev.u.task.pid, 9);
        assert_int_equal(c.ev.u.task.ppid, 7);
        assert_int_equal(c.ev.u.task.time, 600);

        assert_int_equal(cap_next(&c), 1);
        assert_int_equal(c.ev.kind, EV_EXIT);
        assert_int_equal(c.ev.u.task.idn.time, 700);

        assert_int_equal(cap_next(&c), 1);
        assert_int_equal(c.ev.kind, EV_LOST_SAMPLES);
        assert_int_equal(c.ev.u.lost.lost, 17);
        assert_int_equal(c.ev.u.lost.id, 200);
        assert_int_equal(cap_next(&c), 0);
        cap_close(&c);
    }
}

/* A record too short for its trailer, an unterminated comm. */
static void test_bad_trailers(void **st)
{
    (void)st;
    struct pdgen *g = all_bits_gen(0, PD_S_TID | PD_S_TIME | PD_S_ID);
    pdgen_rec_begin(g, PD_REC_COMM, 0);
    pdgen_u64(g, 1);
    pdgen_rec_end(g);
    expect_sample_error(g, "comm",
                        "sample_id trailer exceeds the record (size 16)");
    g = all_bits_gen(0, PD_S_TID);
    pdgen_rec_begin(g, PD_REC_COMM, 0);
    pdgen_u32(g, 1);
    pdgen_u32(g, 1);
    pdgen_bytes(g, "abcdefgh", 8);
    pdgen_u32(g, 1);
    pdgen_u32(g, 1);
    pdgen_rec_end(g);
    expect_sample_error(g, "comm",
                        "unterminated name");
}

/* ID_INDEX adds ids the attr section lacked. */
static void test_id_index(void **st)
{
    (void)st;
    struct pdgen *g = all_bits_gen(0, PD_S_ID | PD_S_IP);
    pdgen_rec_begin(g, PD_REC_ID_INDEX, 0);
    pdgen_u64(g, 1);
    pdgen_u64(g, 555);      /* id */
    pdgen_u64(g, 1);        /* attr index */
    pdgen_u64(g, 0);
    pdgen_u64(g, 0);
    pdgen_rec_end(g);
    struct pdgen_sample s = { .id = 555, .ip = 1 };
    pdgen_sample(g, 0, &s);
    struct cap c;
    cap_open(&c, g);
    assert_int_equal(cap_next(&c), 1);
    assert_int_equal(c.ev.kind, EV_OTHER);
    assert_int_equal(cap_next(&c), 1);
    assert_int_equal(c.ev.kind, EV_SAMPLE);
    assert_int_equal(c.ev.u.sample.attr_index, 1);
    cap_close(&c);
}

/* With one attr, samples without ids still map to it. */
static void test_single_attr(void **st)
{
    (void)st;
    struct pdgen *g = pdgen_new(PDGEN_PIPE);
    struct pdgen_attr a = { .type = 1, .sample_type = PD_S_IP | PD_S_TIME };
    pdgen_add_attr(g, &a);
    struct pdgen_sample s = { .ip = 9, .time = 77 };
    pdgen_sample(g, 0, &s);
    pdgen_rec_begin(g, 120, 0);             /* unknown type */
    pdgen_rec_end(g);
    struct cap c;
    cap_open(&c, g);
    assert_int_equal(cap_next(&c), 1);      /* the HEADER_ATTR record */
    assert_int_equal(c.rec.type, PD_REC_HEADER_ATTR);
    assert_int_equal(cap_next(&c), 1);
    assert_int_equal(c.ev.kind, EV_SAMPLE);
    assert_int_equal(c.ev.u.sample.ip, 9);
    uint64_t t;
    assert_int_equal(ev_record_time(c.d, &c.rec, &t), 1);
    assert_int_equal(t, 77);
    assert_int_equal(cap_next(&c), 1);
    assert_int_equal(c.ev.kind, EV_UNKNOWN);
    assert_int_equal(pd_get_stats(c.pd)->unknown_records, 1);
    assert_int_equal(cap_next(&c), 0);
    cap_close(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_all_bits_native),
        cmocka_unit_test(test_all_bits_swapped),
        cmocka_unit_test(test_each_bit),
        cmocka_unit_test(test_bad_counts),
        cmocka_unit_test(test_trailers),
        cmocka_unit_test(test_bad_trailers),
        cmocka_unit_test(test_id_index),
        cmocka_unit_test(test_single_attr),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
