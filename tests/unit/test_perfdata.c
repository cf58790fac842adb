/* test_perfdata.c - the reader on real recordings (counts checked against
 * perf script / perf report --stats goldens), on synthetic images from
 * pdgen (file vs pipe, both byte orders, compressed records split
 * mid-record, whole-file zstd, stdin, >4 GB offsets) and on hostile inputs
 * with their exact error text. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zstd.h>

#include "perfdata.h"
#include "event.h"
#include "pdgen.h"
#include "testutil.h"

/* ------------------------------------------------------------------ */
/* synthetic captures                                                  */

static const uint64_t ids0[] = { 11, 12 }, ids1[] = { 21, 22 };

static struct pdgen *make_gen(unsigned flags)
{
    struct pdgen *g = pdgen_new(flags);
    struct pdgen_attr a = {
        .type = 2, .config = 700, .sample_period = 1,
        .sample_type = PD_S_IP | PD_S_TID | PD_S_TIME | PD_S_ID | PD_S_CPU |
                       PD_S_PERIOD | PD_S_RAW,
        .sample_id_all = 1, .name = "syscalls:sys_enter_write",
        .ids = ids0, .nr_ids = 2,
    };
    pdgen_add_attr(g, &a);
    a.config = 701;
    a.name = "syscalls:sys_enter_read";
    a.ids = ids1;
    pdgen_add_attr(g, &a);
    pdgen_feature_string(g, PDGEN_FEAT_HOSTNAME, "testhost");
    pdgen_feature_string(g, PDGEN_FEAT_OSRELEASE, "6.1.0-test");
    pdgen_feature_string(g, PDGEN_FEAT_ARCH, "x86_64");
    pdgen_feature_begin(g, PDGEN_FEAT_NRCPUS);
    pdgen_u32(g, 8);
    pdgen_u32(g, 4);
    pdgen_feature_end(g);
    pdgen_feature_begin(g, PDGEN_FEAT_TOTAL_MEM);
    pdgen_u64(g, 123456);
    pdgen_feature_end(g);
    pdgen_feature_begin(g, PDGEN_FEAT_CMDLINE);
    pdgen_u32(g, 3);
    pdgen_hstr(g, "perf");
    pdgen_hstr(g, "record");
    pdgen_hstr(g, "./x.test");
    pdgen_feature_end(g);
    pdgen_feature_begin(g, PDGEN_FEAT_SAMPLE_TIME);
    pdgen_u64(g, 1000);
    pdgen_u64(g, 2000);
    pdgen_feature_end(g);
    pdgen_feature_begin(g, 200);            /* a feature nobody knows */
    pdgen_u64(g, 42);
    pdgen_feature_end(g);
    pdgen_tracing_data(g, "\x17\x08\x44tracing0.6", 13);
    return g;
}

/* records: comm, mmap2, 3 samples, an unknown type, finished round, exit */
static void add_records(struct pdgen *g)
{
    struct pdgen_sample s = { .pid = 100, .tid = 101, .time = 1000, .id = 11,
                              .cpu = 2, .ip = 0x401000, .period = 1,
                              .raw = "\x01\x02\x03\x04", .raw_size = 4 };
    pdgen_comm(g, 0, 100, 101, "x.test", 1, &s);
    pdgen_mmap2(g, 0, 100, 101, 0x400000, 0x1000, 0, "/bin/x.test", &s);
    pdgen_sample(g, 0, &s);
    s.id = 22;
    s.time = 1500;
    pdgen_sample(g, 1, &s);
    pdgen_rec_begin(g, 99, 0);              /* unknown record type */
    pdgen_u64(g, 7);
    pdgen_rec_end(g);
    s.id = 12;
    s.time = 2000;
    pdgen_sample(g, 0, &s);
    pdgen_finished_round(g);
    pdgen_task(g, 0, PD_REC_EXIT, 100, 1, 101, 1, 2100, &s);
}

static uint8_t *build(unsigned flags, size_t chunk, size_t *len)
{
    struct pdgen *g = make_gen(flags);
    if (chunk)
        pdgen_compress(g, 1, chunk);
    add_records(g);
    uint8_t *img = pdgen_finish(g, len);
    pdgen_free(g);
    return img;
}

static int is_pipe_header(uint32_t t)
{
    return t == PD_REC_HEADER_ATTR || t == PD_REC_HEADER_FEATURE ||
           t == PD_REC_HEADER_TRACING_DATA || t == PD_REC_EVENT_UPDATE;
}

/* Reads everything; returns a signature of the record stream. */
struct summary {
    uint32_t types[64];
    size_t nr;
    uint64_t times[64];
    uint64_t sample_ids[8];
    size_t nr_samples;
};

static int read_all(struct pd_file *pd, struct summary *sum, struct sf_err *err)
{
    struct ev_decoder *d = ev_decoder_new(pd);
    struct pd_record r;
    struct ev_event ev;
    int rc;
    memset(sum, 0, sizeof(*sum));
    while ((rc = pd_next(pd, &r, err)) == 1) {
        if (ev_decode(d, &r, &ev, err) < 0) {
            rc = -1;
            break;
        }
        if (is_pipe_header(r.type))
            continue;
        if (sum->nr < 64) {
            uint64_t t;
            ev_record_time(d, &r, &t);
            sum->times[sum->nr] = t;
            sum->types[sum->nr++] = r.type;
        }
        if (ev.kind == EV_SAMPLE && sum->nr_samples < 8)
            sum->sample_ids[sum->nr_samples++] = ev.u.sample.idn.id;
    }
    ev_decoder_free(d);
    return rc;
}

static const uint32_t expect_types[] = {
    PD_REC_COMM, PD_REC_MMAP2, PD_REC_SAMPLE, PD_REC_SAMPLE, 99,
    PD_REC_SAMPLE, PD_REC_FINISHED_ROUND, PD_REC_EXIT,
};
static const uint64_t expect_times[] = { 1000, 1000, 1000, 1500, 0, 2000, 0,
                                         2000 };

static int synthetic_compressed;

static void check_synthetic(struct pd_file *pd, int pipe, int swap)
{
    struct sf_err err;
    struct summary sum;
    const struct pd_info *in = pd_get_info(pd);
    assert_int_equal(in->pipe_mode, pipe);
    assert_int_equal(in->byte_swapped, swap);
    assert_int_equal(pd_swapped(pd), swap);
    assert_int_equal(pd_nr_attrs(pd), 2);
    assert_string_equal(pd_attr(pd, 0)->name, "syscalls:sys_enter_write");
    assert_string_equal(pd_attr(pd, 1)->name, "syscalls:sys_enter_read");
    assert_int_equal(pd_attr(pd, 1)->config, 701);
    assert_int_equal(pd_attr(pd, 1)->nr_ids, 2);
    assert_ptr_equal(pd_attr_by_id(pd, 22), pd_attr(pd, 1));
    assert_ptr_equal(pd_attr_by_id(pd, 11), pd_attr(pd, 0));
    assert_null(pd_attr_by_id(pd, 99));
    assert_true(pd_attr(pd, 0)->sample_id_all);
    assert_string_equal(in->hostname, "testhost");
    assert_string_equal(in->osrelease, "6.1.0-test");
    assert_string_equal(in->arch, "x86_64");
    assert_int_equal(in->nr_cpus_avail, 8);
    assert_int_equal(in->nr_cpus_online, 4);
    assert_int_equal(in->total_mem_kb, 123456);
    assert_int_equal(in->cmdline_argc, 3);
    assert_string_equal(in->cmdline[2], "./x.test");
    assert_int_equal(in->first_sample_time, 1000);
    assert_int_equal(in->last_sample_time, 2000);
    assert_non_null(in->tracing_data);
    assert_true(in->tracing_data_size >= 13);
    assert_memory_equal(in->tracing_data, "\x17\x08\x44tracing0.6", 13);
    assert_int_equal(pd_get_stats(pd)->unknown_features, 1);

    assert_int_equal(read_all(pd, &sum, &err), 0);
    assert_int_equal(sum.nr, SF_ARRAY_SIZE(expect_types));
    for (size_t i = 0; i < sum.nr; i++) {
        assert_int_equal(sum.types[i], expect_types[i]);
        assert_int_equal(sum.times[i], expect_times[i]);
    }
    assert_int_equal(sum.nr_samples, 3);
    assert_int_equal(sum.sample_ids[1], 22);
    const struct pd_stats *st = pd_get_stats(pd);
    assert_int_equal(st->records_by_type[PD_REC_SAMPLE], 3);
    assert_int_equal(st->records_by_type[99], 1);
    assert_int_equal(st->unknown_records, 1);
    if (pipe) {
        assert_int_equal(st->records_by_type[PD_REC_HEADER_ATTR], 2);
        assert_int_equal(st->records_by_type[PD_REC_HEADER_TRACING_DATA], 1);
        assert_int_equal(st->records_by_type[PD_REC_EVENT_UPDATE], 2);
        assert_int_equal(st->records_by_type[PD_REC_HEADER_FEATURE],
                         8 + synthetic_compressed);
    }
}

static void synthetic_case(unsigned flags, size_t chunk)
{
    size_t len;
    uint8_t *img = build(flags, chunk, &len);
    struct pd_file *pd;
    struct sf_err err;
    if (pd_open_mem("syn", img, len, &pd, &err) < 0)
        fail_msg("%s", err.msg);
    synthetic_compressed = chunk != 0;
    check_synthetic(pd, !!(flags & PDGEN_PIPE), !!(flags & PDGEN_SWAP));
    synthetic_compressed = 0;
    if (chunk) {
        assert_true(pd_get_stats(pd)->compressed_records > (chunk < 100));
        assert_true(pd_get_info(pd)->compressed || (flags & PDGEN_PIPE));
    }
    pd_close(pd);
    free(img);
}

static void test_file_native(void **s) { (void)s; synthetic_case(0, 0); }
static void test_file_swapped(void **s) { (void)s; synthetic_case(PDGEN_SWAP, 0); }
static void test_pipe_native(void **s) { (void)s; synthetic_case(PDGEN_PIPE, 0); }
static void test_pipe_swapped(void **s)
{
    (void)s;
    synthetic_case(PDGEN_PIPE | PDGEN_SWAP, 0);
}

/* 7-byte compressed chunks: nearly every record straddles two
 * COMPRESSED records, so the carried tail is exercised constantly. */
static void test_compressed_split(void **s)
{
    (void)s;
    synthetic_case(0, 7);
    synthetic_case(PDGEN_SWAP, 13);
    synthetic_case(PDGEN_PIPE, 5);
    synthetic_case(PDGEN_COMPRESSED2, 9);
    synthetic_case(PDGEN_COMPRESSED2 | PDGEN_SWAP | PDGEN_PIPE, 60000);
}

static char *write_tmp(const void *buf, size_t len)
{
    char *path = strdup("/tmp/test_perfdata.XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, buf, len), (ssize_t)len);
    close(fd);
    return path;
}

static uint8_t *zstd_image(const uint8_t *img, size_t len, size_t *zlen)
{
    size_t cap = ZSTD_compressBound(len);
    uint8_t *z = malloc(cap);
    *zlen = ZSTD_compress(z, cap, img, len, 3);
    assert_false(ZSTD_isError(*zlen));
    return z;
}

/* whole-file zstd: memory, a file (file mode needs a restart), and the
 * same through a path */
static void test_whole_file_zstd(void **s)
{
    (void)s;
    unsigned modes[] = { 0, PDGEN_PIPE, PDGEN_SWAP };
    for (size_t i = 0; i < SF_ARRAY_SIZE(modes); i++) {
        size_t len, zlen;
        uint8_t *img = build(modes[i], 0, &len);
        uint8_t *z = zstd_image(img, len, &zlen);
        struct pd_file *pd;
        struct sf_err err;
        if (pd_open_mem("syn.zst", z, zlen, &pd, &err) < 0)
            fail_msg("%s", err.msg);
        check_synthetic(pd, !!(modes[i] & PDGEN_PIPE),
                        !!(modes[i] & PDGEN_SWAP));
        pd_close(pd);
        char *path = write_tmp(z, zlen);
        if (pd_open(path, &pd, &err) < 0)
            fail_msg("%s", err.msg);
        check_synthetic(pd, !!(modes[i] & PDGEN_PIPE),
                        !!(modes[i] & PDGEN_SWAP));
        pd_close(pd);
        unlink(path);
        free(path);
        free(z);
        free(img);
    }
}

/* Runs `check` on pd_open("-") with stdin a pipe fed with buf. */
static void open_stdin_pipe(const uint8_t *buf, size_t len, int is_pipe, int swap)
{
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(fds[0]);
        size_t off = 0;
        while (off < len) {
            ssize_t w = write(fds[1], buf + off, SF_MIN(len - off, 4096));
            if (w <= 0)
                _exit(1);
            off += (size_t)w;
        }
        _exit(0);
    }
    close(fds[1]);
    int saved = dup(0);
    dup2(fds[0], 0);
    close(fds[0]);
    struct pd_file *pd;
    struct sf_err err;
    int rc = pd_open("-", &pd, &err);
    if (rc == 0) {
        check_synthetic(pd, is_pipe, swap);
        pd_close(pd);
    }
    dup2(saved, 0);
    close(saved);
    int status;
    waitpid(pid, &status, 0);
    if (rc < 0)
        fail_msg("%s", err.msg);
}

static void test_stdin(void **s)
{
    (void)s;
    size_t len, zlen;
    uint8_t *img = build(PDGEN_PIPE, 0, &len);
    open_stdin_pipe(img, len, 1, 0);
    uint8_t *z = zstd_image(img, len, &zlen);
    open_stdin_pipe(z, zlen, 1, 0);
    free(z);
    free(img);
    img = build(PDGEN_SWAP, 0, &len);       /* file mode on a pipe: spooled */
    open_stdin_pipe(img, len, 0, 1);
    z = zstd_image(img, len, &zlen);
    open_stdin_pipe(z, zlen, 0, 1);
    free(z);
    free(img);
}

/* The data section and features beyond 4 GiB in a sparse file. */
static void test_large_offsets(void **s)
{
    (void)s;
    struct pdgen *g = make_gen(0);
    add_records(g);
    size_t len;
    uint8_t *img = pdgen_finish(g, &len);
    uint64_t data_off = pdgen_data_offset(g);
    pdgen_free(g);
    const uint64_t hole = (uint64_t)5 << 30;
    uint64_t v;
    memcpy(&v, img + 40, 8);
    assert_int_equal(v, data_off);
    v += hole;
    memcpy(img + 40, &v, 8);
    uint64_t data_size;
    memcpy(&data_size, img + 48, 8);
    uint64_t nfeat = 0, bits[4];
    memcpy(bits, img + 72, 32);
    for (int w = 0; w < 4; w++)
        nfeat += (uint64_t)__builtin_popcountll(bits[w]);
    for (uint64_t i = 0; i < nfeat; i++) {
        uint8_t *e = img + data_off + data_size + 16 * i;
        memcpy(&v, e, 8);
        v += hole;
        memcpy(e, &v, 8);
    }
    char *path = strdup("/tmp/test_perfdata_big.XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    if (ftruncate(fd, (off_t)(hole + len)) != 0) {
        close(fd);
        unlink(path);
        free(path);
        free(img);
        skip();
    }
    assert_int_equal(pwrite(fd, img, data_off, 0), (ssize_t)data_off);
    assert_int_equal(pwrite(fd, img + data_off, len - data_off,
                            (off_t)(data_off + hole)),
                     (ssize_t)(len - data_off));
    close(fd);
    struct pd_file *pd;
    struct sf_err err;
    int rc = pd_open(path, &pd, &err);
    unlink(path);
    free(path);
    free(img);
    if (rc < 0)
        fail_msg("%s", err.msg);
    assert_int_equal(pd_get_info(pd)->data_offset, data_off + hole);
    check_synthetic(pd, 0, 0);
    assert_true(pd_get_stats(pd)->bytes_read < ((uint64_t)64 << 20));
    pd_close(pd);
}

/* attr.size from old and new perf versions */
static void test_attr_sizes(void **s)
{
    (void)s;
    uint32_t sizes[] = { 64, 72, 96, 120, 136, 160 };
    for (size_t i = 0; i < SF_ARRAY_SIZE(sizes); i++) {
        for (int pipe = 0; pipe < 2; pipe++) {
            struct pdgen *g = pdgen_new(pipe ? PDGEN_PIPE : 0);
            struct pdgen_attr a = { .type = 1, .size = sizes[i],
                .sample_type = PD_S_IP | PD_S_TID, .sample_regs_user = 0xff,
                .ids = ids0, .nr_ids = 1 };
            pdgen_add_attr(g, &a);
            struct pdgen_sample smp = { .ip = 0x1234, .pid = 5, .tid = 6 };
            pdgen_sample(g, 0, &smp);
            size_t len;
            uint8_t *img = pdgen_finish(g, &len);
            pdgen_free(g);
            struct pd_file *pd;
            struct sf_err err;
            if (pd_open_mem("a", img, len, &pd, &err) < 0)
                fail_msg("size %u: %s", sizes[i], err.msg);
            const struct pd_attr *at = pd_attr(pd, 0);
            assert_int_equal(at->size, sizes[i]);
            assert_int_equal(at->sample_type, PD_S_IP | PD_S_TID);
            /* regs_user lives at 80..88: only read when inside attr.size */
            assert_int_equal(at->sample_regs_user, sizes[i] >= 96 ? 0xff : 0);
            struct summary sum;
            assert_int_equal(read_all(pd, &sum, &err), 0);
            assert_int_equal(sum.nr_samples, 1);
            pd_close(pd);
            free(img);
        }
    }
}

/* ------------------------------------------------------------------ */
/* hostile inputs                                                      */

static void expect_open_error(const uint8_t *buf, size_t len, const char *msg)
{
    struct pd_file *pd;
    struct sf_err err;
    assert_int_equal(pd_open_mem("bad", buf, len, &pd, &err), -1);
    assert_null(pd);
    assert_string_equal(err.msg, msg);
}

static void expect_read_error(const uint8_t *buf, size_t len, const char *msg)
{
    struct pd_file *pd;
    struct sf_err err;
    if (pd_open_mem("bad", buf, len, &pd, &err) < 0)
        fail_msg("open failed: %s", err.msg);
    struct summary sum;
    assert_int_equal(read_all(pd, &sum, &err), -1);
    assert_string_equal(err.msg, msg);
    pd_close(pd);
}

static void test_bad_header(void **s)
{
    (void)s;
    expect_open_error((const uint8_t *)"", 0, "'bad': empty file");
    expect_open_error((const uint8_t *)"hello world, not perf", 21,
                      "'bad': not a perf.data file (bad magic)");
    expect_open_error((const uint8_t *)"PERFILE2", 8,
                      "'bad': truncated header at offset 8: not a perf.data "
                      "file");
    size_t len;
    uint8_t *img = build(0, 0, &len);
    expect_open_error(img, 60, "'bad': truncated header at offset 60 (needs "
                      "104 bytes)");
    free(img);
}

static uint8_t *build_off(unsigned flags, size_t *len, uint64_t *data_off)
{
    struct pdgen *g = make_gen(flags);
    add_records(g);
    uint8_t *img = pdgen_finish(g, len);
    *data_off = pdgen_data_offset(g);
    pdgen_free(g);
    return img;
}

static void test_bad_records(void **s)
{
    (void)s;
    size_t len;
    uint64_t doff;
    char msg[256];
    uint8_t *img = build_off(0, &len, &doff);
    uint64_t dsize;
    memcpy(&dsize, img + 48, 8);

    /* cut inside the data section (a copy cut short): read up to the cut,
     * the incomplete first record skipped and counted */
    {
        struct pd_file *pd;
        struct sf_err err;
        struct summary sum;
        assert_int_equal(pd_open_mem("bad", img, (size_t)doff + 20, &pd, &err), 0);
        assert_int_equal(read_all(pd, &sum, &err), 0);
        assert_int_equal(sum.nr, 0);
        const struct pd_info *in = pd_get_info(pd);
        assert_int_equal(in->cut_at, doff + 20);
        assert_int_equal(in->recorded_data_size, dsize);
        assert_int_equal(in->cut_no_size, 0);
        assert_int_equal(in->cut_partial, 20);
        pd_close(pd);
    }

    /* zero-size first record */
    uint8_t *c = malloc(len);
    memcpy(c, img, len);
    memset(c + doff + 6, 0, 2);
    snprintf(msg, sizeof(msg), "'bad': record at offset %llu has invalid "
             "size 0", (unsigned long long)doff);
    expect_read_error(c, len, msg);

    /* first record claims more than the data section */
    memcpy(c, img, len);
    uint16_t big = 0xfff8;
    memcpy(c + doff + 6, &big, 2);
    snprintf(msg, sizeof(msg), "'bad': record at offset %llu (size 65528) "
             "extends past the end of the data section at %llu",
             (unsigned long long)doff, (unsigned long long)(doff + dsize));
    expect_read_error(c, len, msg);

    /* attr.size disagreeing with the section's entry size */
    memcpy(c, img, len);
    uint64_t attrs_off;
    memcpy(&attrs_off, c + 24, 8);
    uint32_t asz = 120;
    memcpy(c + attrs_off + 4, &asz, 4);
    snprintf(msg, sizeof(msg), "'bad': attr at offset %llu: attr.size 120 "
             "does not match the attr entry size 144",
             (unsigned long long)attrs_off);
    expect_open_error(c, len, msg);
    free(c);
    free(img);

    /* pipe mode: a record cut short by the end of input (pd_open reads
     * ahead to the first data record, so it is the one to fail) */
    img = build_off(PDGEN_PIPE, &len, &doff);
    snprintf(msg, sizeof(msg), "'bad': truncated record at offset %llu "
             "(size 56, 20 bytes left)", (unsigned long long)doff);
    expect_open_error(img, (size_t)doff + 20, msg);
    snprintf(msg, sizeof(msg), "'bad': truncated record header at offset "
             "%llu", (unsigned long long)doff);
    expect_open_error(img, (size_t)doff + 3, msg);
    free(img);
}

/* Every prefix of a capture: an error or a clean end, never a crash.  A
 * file cut inside its data section (or with the header's data size 0, as
 * a killed perf record leaves it) ends cleanly after exactly the records
 * that lie whole before the cut. */
static void test_truncate_everywhere(void **s)
{
    (void)s;
    unsigned modes[] = { 0, PDGEN_PIPE, PDGEN_PIPE | PDGEN_SWAP, 0 };
    for (size_t m = 0; m < SF_ARRAY_SIZE(modes); m++) {
        size_t len;
        uint64_t doff = 0, dsize = 0;
        uint8_t *img = build(modes[m], m == 2 ? 11 : 0, &len);
        if (!(modes[m] & PDGEN_PIPE)) {
            memcpy(&doff, img + 40, 8);
            memcpy(&dsize, img + 48, 8);
            if (m == 3)
                memset(img + 48, 0, 8);         /* perf record killed */
        }
        /* the ends of the records, from the record sizes (no reader) */
        uint64_t ends[64];
        size_t nr_ends = 0;
        for (uint64_t o = doff; dsize && o < doff + dsize && nr_ends < 64;) {
            uint16_t sz;
            memcpy(&sz, img + o + 6, 2);
            o += sz;
            ends[nr_ends++] = o;
        }
        for (size_t cut = 0; cut < len; cut++) {
            uint8_t *c = malloc(cut ? cut : 1);
            memcpy(c, img, cut);
            struct pd_file *pd;
            struct sf_err err;
            int rc = pd_open_mem("cut", c, cut, &pd, &err);
            uint64_t cut_at = 0;
            if (rc == 0) {
                struct summary sum;
                rc = read_all(pd, &sum, &err);
                cut_at = pd_get_info(pd)->cut_at;
                pd_close(pd);
                /* pipe mode may end cleanly, with fewer records; a file
                 * only when cut after the start of its data, and then
                 * says so */
                if (rc == 0 && !(modes[m] & PDGEN_PIPE)) {
                    assert_true(cut >= doff);
                    assert_int_equal(cut_at, cut);
                    size_t whole = 0;
                    while (whole < nr_ends && ends[whole] <= cut)
                        whole++;
                    assert_int_equal(sum.nr, whole);
                }
            }
            if (rc < 0)
                assert_memory_equal(err.msg, "'cut': ", 7);
            free(c);
        }
        free(img);
    }
}

static void test_corrupt_compressed(void **s)
{
    (void)s;
    size_t len;
    uint64_t doff;
    struct pdgen *g = make_gen(0);
    pdgen_compress(g, 1, 40);
    add_records(g);
    uint8_t *img = pdgen_finish(g, &len);
    doff = pdgen_data_offset(g);
    pdgen_free(g);
    /* break the zstd frame magic in the first compressed record */
    img[doff + 8] ^= 0xff;
    char msg[256];
    snprintf(msg, sizeof(msg), "'bad': corrupt compressed record at offset "
             "%llu: Unknown frame descriptor", (unsigned long long)doff);
    expect_read_error(img, len, msg);
    free(img);

    /* compressed stream ends inside a record */
    g = make_gen(0);
    pdgen_compress(g, 1, 60000);
    add_records(g);
    pdgen_compress(g, 0, 0);
    pdgen_rec_begin(g, PD_REC_COMPRESSED, 0);
    pdgen_rec_end(g);
    img = pdgen_finish(g, &len);
    pdgen_free(g);
    struct pd_file *pd;
    struct sf_err err;
    assert_int_equal(pd_open_mem("bad", img, len, &pd, &err), 0);
    struct summary sum;
    assert_int_equal(read_all(pd, &sum, &err), 0);   /* empty one is fine */
    assert_int_equal(pd_get_info(pd)->cut_compressed, 0);
    pd_close(pd);
    free(img);
}

/* perf record never writes the end of its last compressed block when it
 * did not fit one record's room (a busy capture, as in a CI run): the
 * inflated data ends inside a record.  perf script leaves that record
 * out; so does the reader, and says how many bytes of it there were.
 * Split across compressed records of 40 bytes, and in one. */
static void test_compressed_cut_short(void **s)
{
    (void)s;
    static const size_t chunks[] = { 40, 60000 };
    for (size_t k = 0; k < 2; k++) {
        struct pdgen *g = make_gen(0);
        pdgen_compress(g, 1, chunks[k]);
        add_records(g);
        /* a FINISHED_ROUND record's header claiming 64 bytes, 16 of them here */
        uint8_t part[16] = { 0 };
        part[0] = PD_REC_FINISHED_ROUND;
        part[6] = 64;
        pdgen_raw(g, part, sizeof(part));
        size_t len;
        uint8_t *img = pdgen_finish(g, &len);
        pdgen_free(g);
        struct pd_file *pd;
        struct sf_err err;
        assert_int_equal(pd_open_mem("short", img, len, &pd, &err), 0);
        struct summary sum, whole;
        assert_int_equal(read_all(pd, &sum, &err), 0);
        assert_int_equal(pd_get_info(pd)->cut_compressed, sizeof(part));
        assert_int_equal(pd_get_info(pd)->cut_at, 0);
        pd_close(pd);
        free(img);
        /* every record before it, as read from the same capture whole */
        img = build(0, chunks[k], &len);
        assert_int_equal(pd_open_mem("whole", img, len, &pd, &err), 0);
        assert_int_equal(read_all(pd, &whole, &err), 0);
        assert_int_equal(pd_get_info(pd)->cut_compressed, 0);
        pd_close(pd);
        free(img);
        assert_int_equal(sum.nr, whole.nr);
        assert_memory_equal(sum.types, whole.types, sizeof(sum.types));
        assert_int_equal(sum.nr_samples, whole.nr_samples);
    }
}

/* ------------------------------------------------------------------ */
/* real recordings vs perf's own view                                  */

struct name_count {
    char name[96];
    unsigned long n;
};

static char *slurp(const char *path, size_t *len)
{
    struct blob b;
    if (blob_load(path, &b) < 0)
        return NULL;
    *len = b.size;
    return (char *)b.data;
}

static void bump(struct name_count *t, size_t *nt, const char *name, size_t n,
                 unsigned long by)
{
    for (size_t i = 0; i < *nt; i++)
        if (strlen(t[i].name) == n && memcmp(t[i].name, name, n) == 0) {
            t[i].n += by;
            return;
        }
    assert_true(*nt < 512 && n < sizeof(t[0].name));
    memcpy(t[*nt].name, name, n);
    t[*nt].name[n] = 0;
    t[(*nt)++].n = by;
}

static unsigned long lookup(const struct name_count *t, size_t nt,
                            const char *name)
{
    for (size_t i = 0; i < nt; i++)
        if (strcmp(t[i].name, name) == 0)
            return t[i].n;
    return 0;
}

/* perf script: one unindented header line per sample, "comm pid [cpu]
 * time: event: fields" */
static size_t script_counts(const char *path, struct name_count *t,
                            size_t *total)
{
    size_t len, nt = 0;
    char *b = slurp(path, &len);
    assert_non_null(b);
    *total = 0;
    for (char *line = b; *line; ) {
        char *nl = strchr(line, '\n');
        if (!nl)
            nl = line + strlen(line);
        if (line[0] != ' ' && line[0] != '\t' && line[0] != '\n') {
            char *br = strstr(line, "] ");
            assert_true(br && br < nl);
            char *colon = strstr(br, ": ");
            assert_non_null(colon);
            char *ev = colon + 2;
            while (*ev == ' ')
                ev++;
            char *e2 = ev;
            while (e2 < nl && !(e2[0] == ':' && (e2[1] == ' ' || e2 + 1 == nl)))
                e2++;
            bump(t, &nt, ev, (size_t)(e2 - ev), 1);
            (*total)++;
        }
        line = *nl ? nl + 1 : nl;
    }
    free(b);
    return nt;
}

struct stat_name {
    const char *name;
    uint32_t type;
};

static const struct stat_name stat_names[] = {
    { "MMAP", 1 }, { "LOST", 2 }, { "COMM", 3 }, { "EXIT", 4 },
    { "THROTTLE", 5 }, { "UNTHROTTLE", 6 }, { "FORK", 7 }, { "SAMPLE", 9 },
    { "MMAP2", 10 }, { "LOST_SAMPLES", 13 }, { "KSYMBOL", 17 },
    { "BPF_EVENT", 18 }, { "FINISHED_ROUND", 68 }, { "ID_INDEX", 69 },
    { "THREAD_MAP", 73 }, { "CPU_MAP", 74 }, { "TIME_CONV", 79 },
    { "COMPRESSED", 81 }, { "FINISHED_INIT", 82 },
};

static void check_recording(const char *name)
{
    char rel[256], gold[256];
    snprintf(rel, sizeof(rel), "rec/%s", name);
    struct pd_file *pd;
    struct sf_err err;
    if (pd_open(testdata_path(rel), &pd, &err) < 0)
        fail_msg("%s", err.msg);
    struct ev_decoder *d = ev_decoder_new(pd);
    static struct name_count ours[512], theirs[512];
    size_t nours = 0;
    unsigned long samples = 0;
    struct pd_record r;
    struct ev_event ev;
    int rc;
    while ((rc = pd_next(pd, &r, &err)) == 1) {
        if (ev_decode(d, &r, &ev, &err) < 0)
            fail_msg("%s", err.msg);
        if (ev.kind == EV_SAMPLE) {
            const char *n = ev.u.sample.attr->name;
            assert_non_null(n);
            bump(ours, &nours, n, strlen(n), 1);
            samples++;
            assert_true(ev.u.sample.stack_dyn_size <= ev.u.sample.stack_size);
        }
    }
    if (rc < 0)
        fail_msg("%s", err.msg);

    /* golden perf script: strip a trailing ".zst" */
    snprintf(gold, sizeof(gold), "%s", rel);
    char *z = strstr(gold, ".zst");
    if (z)
        *z = 0;
    strcat(gold, ".perf-script");
    size_t total, nt = script_counts(testdata_path(gold), theirs, &total);
    assert_int_equal(samples, total);
    for (size_t i = 0; i < nt; i++)
        if (lookup(ours, nours, theirs[i].name) != theirs[i].n)
            fail_msg("%s: %s: ours %lu, perf script %lu", name,
                     theirs[i].name, lookup(ours, nours, theirs[i].name),
                     theirs[i].n);
    assert_int_equal(nt, nours);

    /* perf report --stats, where perf could produce it */
    snprintf(gold + strlen(gold) - strlen(".perf-script"), 32, ".perf-stats");
    size_t slen;
    char *st = slurp(testdata_path(gold), &slen);
    if (st && slen) {
        const struct pd_stats *ps = pd_get_stats(pd);
        unsigned long sum = 0;
        for (int i = 0; i < PD_REC_MAX; i++)
            sum += ps->records_by_type[i];
        char *tot = strstr(st, "TOTAL events:");
        assert_non_null(tot);
        assert_int_equal(strtoul(tot + 13, NULL, 10), sum);
        for (size_t i = 0; i < SF_ARRAY_SIZE(stat_names); i++) {
            char key[64];
            snprintf(key, sizeof(key), " %s events:", stat_names[i].name);
            char *k = strstr(st, key);
            unsigned long want = k ? strtoul(k + strlen(key), NULL, 10) : 0;
            if (want != ps->records_by_type[stat_names[i].type])
                fail_msg("%s: %s: ours %llu, perf %lu", name,
                         stat_names[i].name, (unsigned long long)
                         ps->records_by_type[stat_names[i].type], want);
        }
    }
    free(st);
    ev_decoder_free(d);
    pd_close(pd);
}

static void test_recordings(void **s)
{
    (void)s;
    const char *names[] = {
        "go-oracle.data", "go-oracle-plain.data", "go-oracle.pipe.data.zst",
        "go-enterexit.data", "cprog-fp.data", "cprog-nofp.data", "cgo.data",
        "esbuild.data", "before-1.data", "after-1.data",
    };
    size_t done = 0;
    for (size_t i = 0; i < SF_ARRAY_SIZE(names); i++) {
        char rel[256];
        snprintf(rel, sizeof(rel), "rec/%s", names[i]);
        if (access(testdata_path(rel), R_OK) != 0)
            continue;
        char gold[256];
        snprintf(gold, sizeof(gold), "rec/%s", names[i]);
        char *z = strstr(gold, ".zst");
        if (z)
            *z = 0;
        strcat(gold, ".perf-script");
        if (access(testdata_path(gold), R_OK) != 0)
            continue;       /* golden not (yet) generated */
        check_recording(names[i]);
        done++;
    }
    if (!done)
        skip();
}

/* testdata/bad: each NAME.data fails with exactly NAME.err when opened as
 * "NAME.data" from its directory (make-bad.sh documents the cases). */
static void test_bad_corpus(void **s)
{
    (void)s;
    const char *names[] = {
        "empty", "not-perf", "truncated-header", "zero-size", "past-eof",
        "huge-callchain", "unknown-attr-id", "bad-attr-size",
        "corrupt-compressed",
    };
    char cwd[4096];
    assert_non_null(getcwd(cwd, sizeof(cwd)));
    if (chdir(testdata_path("bad")) != 0)
        skip();
    for (size_t i = 0; i < SF_ARRAY_SIZE(names); i++) {
        char data[128], errf[128];
        snprintf(data, sizeof(data), "%s.data", names[i]);
        snprintf(errf, sizeof(errf), "%s.err", names[i]);
        size_t len;
        char *want = slurp(errf, &len);
        assert_non_null(want);
        if (len && want[len - 1] == '\n')
            want[len - 1] = 0;
        struct pd_file *pd;
        struct sf_err err;
        int rc = pd_open(data, &pd, &err);
        if (rc == 0) {
            struct summary sum;
            rc = read_all(pd, &sum, &err);
            pd_close(pd);
        }
        assert_int_equal(rc, -1);
        if (strcmp(err.msg, want) != 0)
            fail_msg("%s: got \"%s\", want \"%s\"", data, err.msg, want);
        free(want);
    }
    assert_int_equal(chdir(cwd), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_file_native),
        cmocka_unit_test(test_file_swapped),
        cmocka_unit_test(test_pipe_native),
        cmocka_unit_test(test_pipe_swapped),
        cmocka_unit_test(test_compressed_split),
        cmocka_unit_test(test_whole_file_zstd),
        cmocka_unit_test(test_stdin),
        cmocka_unit_test(test_large_offsets),
        cmocka_unit_test(test_attr_sizes),
        cmocka_unit_test(test_bad_header),
        cmocka_unit_test(test_bad_records),
        cmocka_unit_test(test_truncate_everywhere),
        cmocka_unit_test(test_corrupt_compressed),
        cmocka_unit_test(test_compressed_cut_short),
        cmocka_unit_test(test_recordings),
        cmocka_unit_test(test_bad_corpus),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
