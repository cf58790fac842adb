/* test_hostile.c - hostile and oversized inputs across the stages: lying
 * record sizes, decompression bombs, absurd counts and masks, future attr
 * sizes, broken binaries and pclntabs, looping frame chains, paths that try
 * to leave the search directories, and scale (10^6 stacks, 10^5 threads,
 * 1 MB names, 10^4-deep stacks).  Each case asserts a clean error naming
 * the input, or graceful degradation within a time bound. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <zstd.h>
#include <gelf.h>

#include "testutil.h"
#include "pdgen.h"
#include "perfdata.h"
#include "event.h"
#include "session.h"
#include "gosym.h"
#include "binary.h"
#include "unwind.h"
#include "stack.h"
#include "fold.h"
#include "input_folded.h"
#include "svg.h"
#include "tracepoint.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Time bounds are loose: sanitizer builds run several times slower. */
#define TIME_BOUND 20.0

/* ---- perf.data ---- */

static struct pdgen *gen_basic(unsigned flags, uint64_t sample_type)
{
    struct pdgen *g = pdgen_new(flags);
    uint64_t ids[] = { 5 };
    struct pdgen_attr a = { .type = 2, .config = 1, .sample_type = sample_type,
                            .sample_id_all = 1, .ids = ids, .nr_ids = 1,
                            .sample_regs_user = 0x1c0, .sample_stack_user = 64 };
    pdgen_add_attr(g, &a);
    return g;
}

/* Reads every record and decodes it: returns the first error (-1) or 0;
 * `limit` bounds the number of records so a broken reader cannot hang. */
static int read_decode_all(const uint8_t *img, size_t len, struct sf_err *err,
                           size_t *nrec)
{
    struct pd_file *pd;
    if (pd_open_mem("hostile.data", img, len, &pd, err) < 0)
        return -1;
    struct ev_decoder *d = ev_decoder_new(pd);
    struct pd_record r;
    struct ev_event ev;
    int rc = 0;
    size_t n = 0;
    while (n < 10000000 && (rc = pd_next(pd, &r, err)) == 1) {
        n++;
        if (ev_decode(d, &r, &ev, err) < 0) {
            rc = -1;
            break;
        }
    }
    assert_true(n < 10000000);
    ev_decoder_free(d);
    pd_close(pd);
    if (nrec)
        *nrec = n;
    return rc < 0 ? -1 : 0;
}

static void assert_names_file(const struct sf_err *err)
{
    assert_non_null(strstr(err->msg, "'hostile.data'"));
    assert_null(strchr(err->msg, '\n'));
}

static void test_record_size_past_eof(void **state)
{
    (void)state;
    struct pdgen *g = gen_basic(0, PD_S_IP | PD_S_TID);
    struct pdgen_sample s = { .ip = 0x401000, .pid = 1, .tid = 1 };
    pdgen_sample(g, 0, &s);
    uint8_t hdr[8] = { 9, 0, 0, 0, 0, 0, 0xf0, 0xff };    /* type 9, size 0xfff0 */
    pdgen_raw(g, hdr, sizeof(hdr));
    size_t len;
    uint8_t *img = pdgen_finish(g, &len);
    pdgen_free(g);
    struct sf_err err;
    assert_int_equal(read_decode_all(img, len, &err, NULL), -1);
    assert_names_file(&err);
    assert_non_null(strstr(err.msg, "offset"));
    free(img);
}

static void test_zero_and_tiny_record_sizes(void **state)
{
    (void)state;
    for (int size = 0; size < 8; size++) {
        for (int pipe = 0; pipe < 2; pipe++) {
            struct pdgen *g = gen_basic(pipe ? PDGEN_PIPE : 0, PD_S_IP);
            uint8_t hdr[16] = { 9, 0, 0, 0, 0, 0, (uint8_t)size, 0 };
            pdgen_raw(g, hdr, sizeof(hdr));
            size_t len;
            uint8_t *img = pdgen_finish(g, &len);
            pdgen_free(g);
            struct sf_err err;
            assert_int_equal(read_decode_all(img, len, &err, NULL), -1);
            assert_names_file(&err);
            free(img);
        }
    }
}

/* A record whose size overlaps the next one's header: decoding either
 * fails cleanly or stays inside the data section. */
static void test_overlapping_records(void **state)
{
    (void)state;
    struct pdgen *g = gen_basic(0, PD_S_IP | PD_S_TID);
    uint8_t rec[24] = { 9, 0, 0, 0, 2, 0, 24, 0 };        /* claims 24 bytes */
    pdgen_raw(g, rec, 16);                                /* gives 16 */
    struct pdgen_sample s = { .ip = 0x401000, .pid = 1, .tid = 1 };
    pdgen_sample(g, 0, &s);
    size_t len;
    uint8_t *img = pdgen_finish(g, &len);
    pdgen_free(g);
    struct sf_err err;
    size_t n = 0;
    int rc = read_decode_all(img, len, &err, &n);
    if (rc < 0)
        assert_names_file(&err);
    assert_true(n <= 2);
    free(img);
}

/* A compressed record that expands to 256 MB of zeros: memory stays
 * bounded and the reader stops with an error (zero-size records) quickly. */
static void test_compression_bomb(void **state)
{
    (void)state;
    size_t raw_len = (size_t)256 << 20;
    uint8_t *zeros = calloc(1, raw_len);
    size_t cap = ZSTD_compressBound(raw_len);
    uint8_t *z = malloc(cap);
    size_t zlen = ZSTD_compress(z, cap, zeros, raw_len, 19);
    free(zeros);
    assert_false(ZSTD_isError(zlen));
    assert_true(zlen < 60000);

    struct pdgen *g = gen_basic(0, PD_S_IP);
    pdgen_compress(g, 1, 60000);        /* adds the COMPRESSED feature */
    pdgen_compress(g, 0, 0);
    pdgen_rec_begin(g, PD_REC_COMPRESSED, 0);
    pdgen_bytes(g, z, zlen);
    pdgen_rec_end(g);
    free(z);
    size_t len;
    uint8_t *img = pdgen_finish(g, &len);
    pdgen_free(g);
    struct sf_err err;
    double t0 = now();
    assert_int_equal(read_decode_all(img, len, &err, NULL), -1);
    assert_true(now() - t0 < TIME_BOUND);
    assert_names_file(&err);
    free(img);
}

static void test_callchain_count_near_2_64(void **state)
{
    (void)state;
    uint64_t counts[] = { UINT64_MAX, UINT64_MAX - 7, (uint64_t)1 << 61, (uint64_t)1 << 32 };
    for (size_t i = 0; i < SF_ARRAY_SIZE(counts); i++) {
        struct pdgen *g = gen_basic(0, PD_S_IP | PD_S_CALLCHAIN);
        uint64_t chain[2] = { EV_CONTEXT_USER, 0x401000 };
        struct pdgen_sample s = { .ip = 0x401000, .callchain = chain,
                                  .nr_callchain = counts[i] };
        /* pdgen writes nr as given but only as many words as it has */
        s.callchain = NULL;
        pdgen_rec_begin(g, PD_REC_SAMPLE, 2);
        pdgen_u64(g, s.ip);
        pdgen_u64(g, counts[i]);
        pdgen_bytes(g, chain, sizeof(chain));
        pdgen_rec_end(g);
        size_t len;
        uint8_t *img = pdgen_finish(g, &len);
        pdgen_free(g);
        struct sf_err err;
        assert_int_equal(read_decode_all(img, len, &err, NULL), -1);
        assert_names_file(&err);
        assert_non_null(strstr(err.msg, "callchain"));
        free(img);
    }
}

static void test_stack_dump_larger_than_record(void **state)
{
    (void)state;
    uint64_t sizes[] = { 64 + 8, (uint64_t)1 << 40, UINT64_MAX, UINT64_MAX - 7 };
    for (size_t i = 0; i < SF_ARRAY_SIZE(sizes); i++) {
        struct pdgen *g = gen_basic(0, PD_S_IP | PD_S_STACK_USER);
        pdgen_rec_begin(g, PD_REC_SAMPLE, 2);
        pdgen_u64(g, 0x401000);          /* ip */
        pdgen_u64(g, sizes[i]);          /* stack size */
        for (int k = 0; k < 8; k++)      /* 64 bytes of dump */
            pdgen_u64(g, 0x1111 * (uint64_t)k);
        pdgen_u64(g, 64);                /* dyn_size */
        pdgen_rec_end(g);
        size_t len;
        uint8_t *img = pdgen_finish(g, &len);
        pdgen_free(g);
        struct sf_err err;
        assert_int_equal(read_decode_all(img, len, &err, NULL), -1);
        assert_names_file(&err);
        free(img);
    }
}

/* Register masks with bits x86-64 does not have: values are taken in mask
 * order (as the kernel writes them); nothing reads past the record. */
static void test_register_mask_unknown_bits(void **state)
{
    (void)state;
    struct pdgen *g = pdgen_new(0);
    uint64_t ids[] = { 5 };
    struct pdgen_attr a = { .type = 2, .sample_type = PD_S_IP | PD_S_REGS_USER,
                            .sample_regs_user = UINT64_MAX, .ids = ids, .nr_ids = 1 };
    pdgen_add_attr(g, &a);
    uint64_t regs[64];
    for (int i = 0; i < 64; i++)
        regs[i] = 0x1000 + (uint64_t)i;
    struct pdgen_sample s = { .ip = 0x401000, .regs_abi = 2, .regs = regs };
    pdgen_sample(g, 0, &s);
    size_t len;
    uint8_t *img = pdgen_finish(g, &len);
    pdgen_free(g);

    struct pd_file *pd;
    struct sf_err err;
    assert_int_equal(pd_open_mem("hostile.data", img, len, &pd, &err), 0);
    struct ev_decoder *d = ev_decoder_new(pd);
    struct pd_record r;
    struct ev_event ev;
    int got = 0;
    while (pd_next(pd, &r, &err) == 1) {
        if (r.type != PD_REC_SAMPLE)
            continue;
        if (ev_decode(d, &r, &ev, &err) == 0) {
            got = 1;
            assert_int_equal(ev.u.sample.regs[EV_X86_IP], 0x1000 + EV_X86_IP);
            assert_int_equal(ev.u.sample.regs[EV_X86_SP], 0x1000 + EV_X86_SP);
        } else {
            assert_names_file(&err);
            got = -1;
        }
    }
    assert_int_not_equal(got, 0);
    ev_decoder_free(d);
    pd_close(pd);
    free(img);

    /* a mask with bits but a record too short for the values */
    g = pdgen_new(0);
    pdgen_add_attr(g, &a);
    pdgen_rec_begin(g, PD_REC_SAMPLE, 2);
    pdgen_u64(g, 0x401000);
    pdgen_u64(g, 2);                     /* abi 64 */
    pdgen_u64(g, 1);                     /* one of 64 values */
    pdgen_rec_end(g);
    img = pdgen_finish(g, &len);
    pdgen_free(g);
    assert_int_equal(read_decode_all(img, len, &err, NULL), -1);
    assert_names_file(&err);
    free(img);
}

/* attr entries from a future perf (bigger attr.size): known fields still
 * read right; absurd sizes fail cleanly. */
static void test_future_attr_size(void **state)
{
    (void)state;
    uint32_t sizes[] = { 136, 200, 512 };
    for (size_t i = 0; i < SF_ARRAY_SIZE(sizes); i++) {
        for (int pipe = 0; pipe < 2; pipe++) {
            struct pdgen *g = pdgen_new(pipe ? PDGEN_PIPE : 0);
            uint64_t ids[] = { 5 };
            struct pdgen_attr a = { .type = 2, .size = sizes[i], .config = 77,
                                    .sample_type = PD_S_IP | PD_S_TID,
                                    .ids = ids, .nr_ids = 1 };
            pdgen_add_attr(g, &a);
            struct pdgen_sample s = { .ip = 0x401000, .pid = 3, .tid = 4 };
            pdgen_sample(g, 0, &s);
            size_t len;
            uint8_t *img = pdgen_finish(g, &len);
            pdgen_free(g);
            struct pd_file *pd;
            struct sf_err err;
            assert_int_equal(pd_open_mem("hostile.data", img, len, &pd, &err), 0);
            assert_int_equal(pd_nr_attrs(pd), 1);
            assert_int_equal(pd_attr(pd, 0)->config, 77);
            assert_int_equal(pd_attr(pd, 0)->sample_type, PD_S_IP | PD_S_TID);
            pd_close(pd);
            size_t n;
            assert_int_equal(read_decode_all(img, len, &err, &n), 0);
            free(img);
        }
    }
}

/* ---- tracing data ---- */

static void blob_add(uint8_t **b, size_t *len, const void *p, size_t n)
{
    *b = realloc(*b, *len + n);
    memcpy(*b + *len, p, n);
    *len += n;
}

/* A tracing-data blob with one syscalls format of text `fmt`. */
static uint8_t *blob_with_format(const char *fmt, size_t *len)
{
    static const uint8_t magic[10] = { 0x17, 0x08, 0x44, 't', 'r', 'a', 'c', 'i', 'n', 'g' };
    uint8_t *b = NULL;
    uint32_t u32;
    uint64_t u64 = 0;
    *len = 0;
    blob_add(&b, len, magic, sizeof(magic));
    blob_add(&b, len, "0.6", 4);
    blob_add(&b, len, "\0\x08", 2);                 /* little endian, long 8 */
    u32 = 4096;
    blob_add(&b, len, &u32, 4);
    blob_add(&b, len, "header_page", 12);
    blob_add(&b, len, &u64, 8);
    blob_add(&b, len, "header_event", 13);
    blob_add(&b, len, &u64, 8);
    u32 = 0;
    blob_add(&b, len, &u32, 4);                     /* ftrace formats */
    u32 = 1;
    blob_add(&b, len, &u32, 4);                     /* one system */
    blob_add(&b, len, "syscalls", 9);
    blob_add(&b, len, &u32, 4);                     /* one format */
    u64 = strlen(fmt);
    blob_add(&b, len, &u64, 8);
    blob_add(&b, len, fmt, strlen(fmt));
    u32 = 0;
    blob_add(&b, len, &u32, 4);                     /* kallsyms */
    blob_add(&b, len, &u32, 4);                     /* printk */
    u64 = 0;
    blob_add(&b, len, &u64, 8);                     /* saved cmdlines */
    return b;
}

#define FMT_HEAD "name: sys_enter_bad\nID: 900\nformat:\n" \
    "\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;\n" \
    "\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;\n\n" \
    "\tfield:int __syscall_nr;\toffset:8;\tsize:4;\tsigned:1;\n"

/* ... whose print fmt arguments are `args`. */
static uint8_t *blob_with_print_fmt(const char *args, size_t *len)
{
    char fmt[1024];
    snprintf(fmt, sizeof(fmt), FMT_HEAD
             "\tfield:unsigned long fd;\toffset:16;\tsize:8;\tsigned:0;\n\n"
             "print fmt: \"fd: 0x%%08lx\", %s\n", args);
    return blob_with_format(fmt, len);
}

/* Format texts libtraceevent's parser crashed on or would (a field cut
 * inside "[...]": NULL strcmp, found by fuzz_tracepoint) are left out;
 * the blob still parses. */
static void test_malformed_formats_left_out(void **state)
{
    (void)state;
    static const char *bad[] = {
        FMT_HEAD "\tfield:unsigned char x[",
        FMT_HEAD "\tfield:unsigned char x[\xff\xff(g",
        FMT_HEAD "\tfield:char x[16;\toffset:16;\tsize:16;\tsigned:0;\n\nprint fmt: \"\"\n",
        FMT_HEAD "\tfield:int y;\toffset:;\tsize:4;\tsigned:1;\n\nprint fmt: \"\"\n",
        FMT_HEAD "\tfield:int y;\toffset:16;\tsize:4;\tsigned:1;\n\nprint fmt: \"%d\", REC->\n",
        FMT_HEAD "\tfield:int y;\toffset:16;\tsize:4;\tsigned:1;\n\nprint fmt: \"%d\", ((REC->y)\n",
        FMT_HEAD "\tfield:int y;\toffset:16;\tsize:4;\tsigned:1;\n\nprint fmt: \"%d, REC->y\n",
        FMT_HEAD "\tfield:int y;\toffset:16;\tsize:4;\tsigned:1;\n\n",
        "name: \nID: 900\nformat:\n",
        "name: x\nID: \nformat:\n\nprint fmt: \"\"\n",
    };
    for (size_t i = 0; i < SF_ARRAY_SIZE(bad); i++) {
        size_t len;
        uint8_t *blob = blob_with_format(bad[i], &len);
        struct tp_set *s;
        struct sf_err err;
        assert_int_equal(tp_parse("hostile.data", blob, len, &s, &err), 0);
        assert_null(tp_find(s, 900));
        tp_free(s);
        free(blob);
    }
    /* the well-formed twin is kept */
    size_t len;
    uint8_t *blob = blob_with_format(FMT_HEAD "\tfield:char x[16];\toffset:16;\tsize:16;"
                                     "\tsigned:0;\n\nprint fmt: \"%s\", REC->x\n", &len);
    struct tp_set *s;
    struct sf_err err;
    assert_int_equal(tp_parse("hostile.data", blob, len, &s, &err), 0);
    assert_non_null(tp_find(s, 900));
    tp_free(s);
    free(blob);
}

/* Constant arithmetic with a zero divisor in a print fmt made libtraceevent
 * raise SIGFPE while parsing (found by fuzz_tracepoint).  The event must
 * stay known, with its fields; payload divisors must not crash printing. */
static void test_print_fmt_division_by_zero(void **state)
{
    (void)state;
    static const char *args[] = {
        "0x % 08lx", "1 / 0", "((unsigned long)(REC->fd)) / 0", "(1) / (0)", "5 % 0x0",
        "((unsigned long)(REC->fd)) / REC->fd", "((unsigned long)(REC->fd)) % (REC->fd)",
        "((unsigned long)(REC->fd)) / 1000", "\"a/b%c\", ((unsigned long)(REC->fd))",
        "'/', REC->fd",
    };
    uint8_t raw[24] = { 0x84, 0x03, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0 };   /* fd = 0 */
    for (size_t i = 0; i < SF_ARRAY_SIZE(args); i++) {
        size_t len;
        uint8_t *blob = blob_with_print_fmt(args[i], &len);
        struct tp_set *s;
        struct sf_err err;
        assert_int_equal(tp_parse("hostile.data", blob, len, &s, &err), 0);
        const struct tp_event *e = tp_find(s, 900);
        assert_non_null(e);
        assert_string_equal(tp_name(e), "sys_enter_bad");
        uint64_t v;
        assert_int_equal(tp_field_u64(s, e, raw, sizeof(raw), "__syscall_nr", &v), 0);
        assert_int_equal(v, 1);
        struct sbuf sb = SBUF_INIT;
        tp_format_fields(s, e, raw, sizeof(raw), 0, 1, &sb);
        sbuf_release(&sb);
        tp_free(s);
        free(blob);
    }
}

/* ---- binaries ---- */

static char tmpdir[256];

static void make_tmpdir(void)
{
    if (!tmpdir[0]) {
        snprintf(tmpdir, sizeof(tmpdir), "/tmp/sf-hostile.XXXXXX");
        assert_non_null(mkdtemp(tmpdir));
    }
}

static void copy_file(const char *from, const char *to, size_t max)
{
    FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");
    assert_non_null(in);
    assert_non_null(out);
    char buf[65536];
    size_t n, total = 0;
    while (total < max && (n = fread(buf, 1, SF_MIN(sizeof(buf), max - total), in)) > 0) {
        fwrite(buf, 1, n, out);
        total += n;
    }
    fclose(in);
    fclose(out);
}

static struct sess_map go_map(const char *file)
{
    struct sess_map m = { .start = 0x400000, .end = 0x542000, .pgoff = 0,
                          .filename = file, .prot = PROT_READ | PROT_EXEC };
    return m;
}

static void test_truncated_elf(void **state)
{
    (void)state;
    make_tmpdir();
    size_t cuts[] = { 0, 16, 64, 4096, 200000 };
    for (size_t i = 0; i < SF_ARRAY_SIZE(cuts); i++) {
        char path[512];
        snprintf(path, sizeof(path), "%s/oracle.test", tmpdir);
        copy_file(testdata_path("bin/oracle.test"), path, cuts[i]);
        const char *bins[] = { path };
        struct binary_opts o = { .binaries = bins, .nr_binaries = 1 };
        struct binary_cache *bc;
        struct sf_err err;
        if (binary_cache_open(&o, &bc, &err) < 0) {
            assert_non_null(strstr(err.msg, path));
        } else {
            struct sess_map m = go_map("/tmp/sfrec/oracle.test");
            struct binary *b = binary_for_map(bc, &m);
            if (b) {
                struct gosym_table *t = binary_gosym(b);
                (void)t;            /* NULL or a table: either is fine */
                uint8_t buf[16];
                (void)binary_read(b, 0x401000, buf, sizeof(buf));
            }
            binary_cache_free(bc);
        }
        unlink(path);
    }
}

static uint8_t *pclntab_of(const char *rel, size_t *len, uint64_t *addr)
{
    struct blob b;
    assert_int_equal(blob_load(testdata_path(rel), &b), 0);
    uint8_t *img = b.data;
    size_t n = b.size;
    Elf *e = elf_memory((char *)img, n);
    assert_non_null(e);
    size_t shstr;
    elf_getshdrstrndx(e, &shstr);
    Elf_Scn *scn = NULL;
    uint8_t *out = NULL;
    while ((scn = elf_nextscn(e, scn))) {
        GElf_Shdr sh;
        gelf_getshdr(scn, &sh);
        if (strcmp(elf_strptr(e, shstr, sh.sh_name), ".gopclntab") == 0) {
            out = malloc(sh.sh_size);
            memcpy(out, img + sh.sh_offset, sh.sh_size);
            *len = sh.sh_size;
            *addr = sh.sh_addr;
        }
    }
    elf_end(e);
    free(img);
    assert_non_null(out);
    return out;
}

/* Walks every function of t with lookups; must end within the time bound. */
static void walk_table(struct gosym_table *t)
{
    double t0 = now();
    for (size_t i = 0; i < gosym_nfunc(t) && i < 100000; i++) {
        struct gosym_func f;
        int32_t d;
        struct gosym_frame fr[8];
        if (gosym_func_at(t, i, &f) < 0)
            continue;
        (void)gosym_sp_delta(t, &f, f.entry + 1, &d);
        int n = gosym_frames(t, f.entry + 1, 0, fr, 8);
        assert_true(n >= 0 && n <= 8);
    }
    assert_true(now() - t0 < TIME_BOUND);
}

static void test_bogus_pclntab(void **state)
{
    (void)state;
    elf_version(EV_CURRENT);
    size_t len;
    uint64_t addr;
    uint8_t *tab = pclntab_of("gosym/inlprog.bin", &len, &addr);
    /* Go 1.18+ header: magic, pad, minLC, ptrsize, then 8-byte words:
     * nfunc, nfiles, textStart, funcnameOffset, cuOffset, filetabOffset,
     * pctabOffset, pclnOffset */
    for (int word = 0; word < 8; word++) {
        uint64_t vals[] = { 0, 1, 0x7fffffff, UINT64_MAX, len, len - 1 };
        for (size_t v = 0; v < SF_ARRAY_SIZE(vals); v++) {
            uint8_t *c = malloc(len);
            memcpy(c, tab, len);
            memcpy(c + 8 + 8 * word, &vals[v], 8);
            struct gosym_table *t;
            struct sf_err err;
            int rc = gosym_open_mem("bogus", c, len, addr, 0x401000, &t, &err);
            if (rc == 0) {
                walk_table(t);
                gosym_free(t);
            } else {
                assert_non_null(strstr(err.msg, "bogus"));
            }
            free(c);
        }
    }
    free(tab);
}

/* pc-value tables whose varints never end (all 0xff) and that run past the
 * end of the table: lookups fail or give a value, and finish quickly. */
static void test_pc_tables_never_end(void **state)
{
    (void)state;
    size_t len;
    uint64_t addr;
    uint8_t *tab = pclntab_of("gosym/inlprog.bin", &len, &addr);
    uint64_t pctab, pcln;
    memcpy(&pctab, tab + 8 + 8 * 6, 8);
    memcpy(&pcln, tab + 8 + 8 * 7, 8);
    assert_true(pctab < pcln && pcln < len);
    uint8_t *c = malloc(len);
    memcpy(c, tab, len);
    memset(c + pctab, 0xff, pcln - pctab);
    struct gosym_table *t;
    struct sf_err err;
    if (gosym_open_mem("endless", c, len, addr, 0x401000, &t, &err) == 0) {
        size_t bad = 0;
        for (size_t i = 0; i < gosym_nfunc(t); i++) {
            struct gosym_func f;
            int32_t d;
            if (gosym_func_at(t, i, &f) == 0 && gosym_sp_delta(t, &f, f.entry + 1, &d) < 0)
                bad++;
        }
        assert_true(bad > 0);
        walk_table(t);
        gosym_free(t);
    }
    free(c);
    free(tab);
}

static struct binary_cache *oracle_cache(void)
{
    static char path[4096];
    static const char *bins[1];
    snprintf(path, sizeof(path), "%s", testdata_path("bin/oracle.test"));
    bins[0] = path;
    struct binary_opts o = { .binaries = bins, .nr_binaries = 1 };
    return binary_cache_new(&o);
}

/* Frame chains that loop: every saved frame pointer points at itself and
 * every "return address" is the sampled pc.  The unwinder must stop
 * (bad frame or depth bound), never spin. */
static void test_looping_frames(void **state)
{
    (void)state;
    struct binary_cache *bc = oracle_cache();
    struct unwind_ctx *u = unwind_ctx_new(bc);
    struct sess_map m = go_map("/tmp/sfrec/oracle.test");
    const struct sess_map *mp = &m;
    struct sess_maps maps = { .refcount = 1, .nr = 1, .maps = &mp };
    static uint8_t stack[4096];
    const uint64_t sp = 0x7ffd00001000ull;
    for (int variant = 0; variant < 3; variant++) {
        uint64_t pc = variant == 2 ? 0x7fff00000000ull : 0x401000 + 0x30;
        for (size_t off = 0; off + 16 <= sizeof(stack); off += 16) {
            uint64_t bp = variant == 1 ? sp - 64 : sp + off;   /* backwards or self */
            memcpy(stack + off, &bp, 8);
            memcpy(stack + off + 8, &pc, 8);
        }
        struct ev_sample ev;
        memset(&ev, 0, sizeof(ev));
        ev.regs_abi = 2;
        ev.regs_mask = (1ull << EV_X86_SP) | (1ull << EV_X86_IP) | (1ull << EV_X86_BP);
        ev.regs[EV_X86_SP] = sp;
        ev.regs[EV_X86_IP] = pc;
        ev.regs[EV_X86_BP] = sp;
        ev.ip = pc;
        ev.stack = stack;
        ev.stack_size = ev.stack_dyn_size = sizeof(stack);
        struct sess_sample ss = { .sample = &ev, .comm = "loop", .maps = &maps,
                                  .event_name = "syscalls:sys_enter_write" };
        struct unwind_result res = { 0 };
        double t0 = now();
        assert_int_equal(unwind_sample(u, &ss, &res, 1000), 0);
        assert_true(now() - t0 < 2.0);
        assert_true(res.nr <= 1000);
        assert_true(res.stop != UNWIND_STOP_ROOT);
        /* SP only moves up: at most one frame per word of the copy */
        assert_true(res.nr <= sizeof(stack) / 8 + 1);
        unwind_result_release(&res);
    }
    unwind_ctx_free(u);
    binary_cache_free(bc);
}

/* A recorded path with "../" must not reach outside --symfs; a build-id
 * that differs from the file's makes it refused, with the reason kept. */
static void test_paths_and_build_ids(void **state)
{
    (void)state;
    make_tmpdir();
    char symfs[512], outside[512], path[4096];
    snprintf(symfs, sizeof(symfs), "%s/symfs", tmpdir);
    snprintf(outside, sizeof(outside), "%s/secret.test", tmpdir);
    mkdir(symfs, 0755);
    copy_file(testdata_path("bin/oracle.test"), outside, SIZE_MAX);
    struct binary_opts o = { .symfs = symfs };
    struct binary_cache *bc = binary_cache_new(&o);
    static const char *tries[] = { "/../secret.test", "../secret.test",
                                   "/x/../../secret.test", "/./../secret.test" };
    for (size_t i = 0; i < SF_ARRAY_SIZE(tries); i++) {
        struct sess_map m = go_map(tries[i]);
        struct binary *b = binary_for_map(bc, &m);
        if (b)   /* only acceptable if it did not come from outside symfs */
            assert_null(strstr(binary_path(b), "secret.test"));
    }
    binary_cache_free(bc);

    /* build-id mismatch against an explicit --binary (cprog-fp has a GNU
     * build-id; Go's oracle.test has none to compare) */
    snprintf(path, sizeof(path), "%s", testdata_path("bin/cprog-fp"));
    const char *bins[] = { path };
    struct binary_opts o2 = { .binaries = bins, .nr_binaries = 1 };
    bc = binary_cache_new(&o2);
    struct sess_map m = { .start = 0x555555555000ull, .end = 0x555555556000ull,
                          .pgoff = 0x1000, .filename = "/tmp/sfrec/cprog-fp",
                          .prot = PROT_READ | PROT_EXEC };
    memset(m.build_id, 0xaa, 20);
    m.build_id_size = 20;
    assert_null(binary_for_map(bc, &m));
    assert_true(binary_cache_nr_missing(bc) >= 1);
    const struct binary_missing *miss = binary_cache_missing(bc, 0);
    assert_non_null(strstr(miss->reason, "mismatch"));
    binary_cache_free(bc);
    unlink(outside);
    rmdir(symfs);
}

/* ---- scale ---- */

static char *write_to_mem(struct stack_set *s, int svg, size_t *len)
{
    char *buf = NULL;
    FILE *f = open_memstream(&buf, len);
    struct sf_err err;
    if (svg) {
        struct svg_opts o;
        svg_opts_init(&o);
        assert_int_equal(svg_write(s, &o, f, &err), 0);
    } else {
        assert_int_equal(fold_write(s, f, &err), 0);
    }
    fclose(f);
    return buf;
}

static void test_million_unique_stacks(void **state)
{
    (void)state;
    double t0 = now();
    struct stack_set *s = stack_set_new();
    char a[32], b[32], c[32];
    for (uint32_t i = 0; i < 1000000; i++) {
        int la = snprintf(a, sizeof(a), "f%u", i % 1000);
        int lb = snprintf(b, sizeof(b), "g%u", i / 1000);
        int lc = snprintf(c, sizeof(c), "h%u", i % 7);
        uint32_t fr[4] = { stack_intern(s, "comm", 4), stack_intern(s, a, (size_t)la),
                           stack_intern(s, b, (size_t)lb), stack_intern(s, c, (size_t)lc) };
        stack_add(s, fr, 4, 1);
    }
    assert_int_equal(stack_nr_stacks(s), 1000000);
    size_t len;
    char *out = write_to_mem(s, 0, &len);
    double dt = now() - t0;
    assert_true(dt < TIME_BOUND);
    size_t lines = 0;
    for (size_t i = 0; i < len; i++)
        lines += out[i] == '\n';
    assert_int_equal(lines, 1000000);
    free(out);
    stack_set_free(s);
}

static int count_sample(void *arg, const struct sess_sample *ss, struct sf_err *err)
{
    (void)ss; (void)err;
    (*(uint64_t *)arg)++;
    return 0;
}

static void test_hundred_thousand_threads(void **state)
{
    (void)state;
    struct pdgen *g = pdgen_new(0);
    uint64_t ids[] = { 5 };
    struct pdgen_attr a = { .type = 2, .sample_type = PD_S_IP | PD_S_TID | PD_S_TIME,
                            .sample_id_all = 1, .ids = ids, .nr_ids = 1 };
    pdgen_add_attr(g, &a);
    char comm[16];
    for (uint32_t t = 0; t < 100000; t++) {
        struct pdgen_sample s = { .ip = 0x401000, .pid = 1000, .tid = 1000 + t,
                                  .time = 1000 + (uint64_t)t };
        snprintf(comm, sizeof(comm), "w%u", t);
        pdgen_comm(g, 0, 1000, 1000 + t, comm, 0, &s);
        pdgen_sample(g, 0, &s);
        if (t % 10000 == 9999)
            pdgen_finished_round(g);
    }
    size_t len;
    uint8_t *img = pdgen_finish(g, &len);
    pdgen_free(g);
    double t0 = now();
    struct pd_file *pd;
    struct session *s;
    struct sf_err err;
    assert_int_equal(pd_open_mem("threads.data", img, len, &pd, &err), 0);
    assert_int_equal(session_open_pd(pd, &s, &err), 0);
    uint64_t n = 0;
    struct sess_ops ops = { .sample = count_sample, .arg = &n };
    assert_int_equal(session_run(s, &ops, &err), 0);
    assert_int_equal(n, 100000);
    assert_int_equal(session_get_stats(s)->nr_threads, 100000);
    assert_int_equal(session_nr_threads(s), 100000);
    assert_true(now() - t0 < TIME_BOUND);
    session_free(s);
    free(img);
}

static void test_megabyte_names(void **state)
{
    (void)state;
    size_t big = 1 << 20;
    char *name = malloc(big + 1);
    for (size_t i = 0; i < big; i++)
        name[i] = (char)('a' + i % 26);
    name[big] = 0;
    name[1000] = '<';
    name[2000] = '&';
    struct stack_set *s = stack_set_new();
    const char *names[3] = { "comm", name, "write" };
    stack_add_names(s, names, 3, 5);
    size_t len;
    char *folded = write_to_mem(s, 0, &len);
    assert_true(len > big);
    assert_non_null(strstr(folded, " 5\n"));
    struct stack_set *back = stack_set_new();
    struct sf_err err;
    assert_int_equal(fold_parse("big", folded, len, back, &err), 0);
    assert_int_equal(stack_total(back), 5);
    assert_int_equal(stack_name_len(back, stack_intern(back, name, big)), big);
    char *svg = write_to_mem(s, 1, &len);
    assert_non_null(strstr(svg, "</svg>"));
    assert_null(strstr(svg, "abcdefghijklmnopqrstuvwxyz<"));  /* escaped */
    free(svg);
    free(folded);
    stack_set_free(back);
    stack_set_free(s);
    free(name);
}

static void test_deep_stacks(void **state)
{
    (void)state;
    enum { DEPTH = 10000 };
    uint32_t *fr = malloc(DEPTH * sizeof(*fr));
    struct stack_set *s = stack_set_new();
    char nm[32];
    for (int i = 0; i < DEPTH; i++) {
        int l = snprintf(nm, sizeof(nm), "pkg.f%d", i);
        fr[i] = stack_intern(s, nm, (size_t)l);
    }
    stack_add(s, fr, DEPTH, 3);
    stack_add(s, fr, DEPTH / 2, 2);
    double t0 = now();
    size_t len;
    char *folded = write_to_mem(s, 0, &len);
    struct stack_set *back = stack_set_new();
    struct sf_err err;
    assert_int_equal(fold_parse("deep", folded, len, back, &err), 0);
    assert_int_equal(stack_total(back), 5);
    assert_int_equal(stack_nr_stacks(back), 2);
    char *svg = write_to_mem(s, 1, &len);
    assert_non_null(strstr(svg, "</svg>"));
    assert_true(now() - t0 < TIME_BOUND);
    free(svg);
    free(folded);
    stack_set_free(back);
    stack_set_free(s);
    free(fr);
}

/* Differential graph whose root delta dwarfs every frame's (found by
 * fuzz_folded: the colour fade overflowed int, UB).  Colours stay in range. */
static void test_diff_colours_bounded(void **state)
{
    (void)state;
    struct stack_set *now_set = stack_set_new(), *before = stack_set_new();
    const char *a[] = { "comm", "a b" };
    const char *x[] = { "x" };
    stack_add_names(now_set, a, 2, 7);
    stack_add_names(before, x, 1, 1000000000000ull);
    struct svg_opts o;
    svg_opts_init(&o);
    o.compare = before;
    char *buf = NULL;
    size_t len;
    FILE *f = open_memstream(&buf, &len);
    struct sf_err err;
    assert_int_equal(svg_write(now_set, &o, f, &err), 0);
    fclose(f);
    int fills = 0;
    for (const char *p = buf; (p = strstr(p, "rgb(")) != NULL; p += 4) {
        int r, g, b;
        if (sscanf(p, "rgb(%d,%d,%d)", &r, &g, &b) != 3)
            continue;
        assert_true(r >= 0 && r <= 255 && g >= 0 && g <= 255 && b >= 0 && b <= 255);
        fills++;
    }
    assert_true(fills >= 2);
    free(buf);
    stack_set_free(now_set);
    stack_set_free(before);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_record_size_past_eof),
        cmocka_unit_test(test_zero_and_tiny_record_sizes),
        cmocka_unit_test(test_overlapping_records),
        cmocka_unit_test(test_compression_bomb),
        cmocka_unit_test(test_callchain_count_near_2_64),
        cmocka_unit_test(test_stack_dump_larger_than_record),
        cmocka_unit_test(test_register_mask_unknown_bits),
        cmocka_unit_test(test_future_attr_size),
        cmocka_unit_test(test_print_fmt_division_by_zero),
        cmocka_unit_test(test_malformed_formats_left_out),
        cmocka_unit_test(test_truncated_elf),
        cmocka_unit_test(test_bogus_pclntab),
        cmocka_unit_test(test_pc_tables_never_end),
        cmocka_unit_test(test_looping_frames),
        cmocka_unit_test(test_paths_and_build_ids),
        cmocka_unit_test(test_million_unique_stacks),
        cmocka_unit_test(test_hundred_thousand_threads),
        cmocka_unit_test(test_megabyte_names),
        cmocka_unit_test(test_deep_stacks),
        cmocka_unit_test(test_diff_colours_bounded),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    if (tmpdir[0])
        rmdir(tmpdir);
    return rc;
}
