/* test_protobuf.c - the protobuf encoder against the wire format's own
 * worked examples (varint 150 = 08 96 01, a string, a packed field), nested
 * messages whose length needs one and two bytes, negative int64s, and gzip
 * output read back with zlib; then export.c's pprof writer end to end on a
 * real capture: the gunzipped bytes decode as profile.proto (a decoder of a
 * few lines lives here) with string_table[0] == "", ids that resolve, and
 * sample counts that sum to the profile's total. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <zlib.h>

#include "export.h"
#include "profile.h"
#include "protobuf.h"
#include "testutil.h"

static void assert_bytes(const struct pb *b, const uint8_t *want, size_t n)
{
    assert_int_equal(b->len, n);
    assert_memory_equal(b->buf, want, n);
}

static void test_wire_examples(void **state)
{
    (void)state;
    struct pb b = PB_INIT;
    pb_uint(&b, 1, 150);
    static const uint8_t v150[] = { 0x08, 0x96, 0x01 };
    assert_bytes(&b, v150, sizeof(v150));
    pb_release(&b);

    pb_string(&b, 2, "testing");
    static const uint8_t str[] = { 0x12, 0x07, 't', 'e', 's', 't', 'i', 'n', 'g' };
    assert_bytes(&b, str, sizeof(str));
    pb_release(&b);

    uint64_t packed[] = { 3, 270, 86942 };
    pb_packed_u64(&b, 4, packed, 3);
    static const uint8_t pk[] = { 0x22, 0x06, 0x03, 0x8e, 0x02, 0x9e, 0xa7, 0x05 };
    assert_bytes(&b, pk, sizeof(pk));
    pb_packed_u64(&b, 4, packed, 0);          /* nothing for an empty list */
    assert_bytes(&b, pk, sizeof(pk));
    pb_release(&b);

    pb_int(&b, 2, -1);                        /* int64: ten bytes */
    static const uint8_t neg[] = { 0x10, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                                   0xff, 0x01 };
    assert_bytes(&b, neg, sizeof(neg));
    pb_release(&b);

    pb_uint_nz(&b, 3, 0);
    assert_int_equal(b.len, 0);
    pb_uint(&b, 3, 0);
    static const uint8_t zero[] = { 0x18, 0x00 };
    assert_bytes(&b, zero, sizeof(zero));
    pb_uint(&b, 300, UINT64_MAX);             /* two-byte tag, ten-byte value */
    assert_int_equal(b.len, 2 + 2 + 10);
    assert_int_equal(b.buf[2], 0xe0);
    assert_int_equal(b.buf[3], 0x12);
    assert_int_equal(b.buf[13], 0x01);
    pb_release(&b);
}

static void test_nested(void **state)
{
    (void)state;
    struct pb b = PB_INIT;
    size_t outer = pb_begin(&b, 3);
    size_t inner = pb_begin(&b, 1);
    pb_uint(&b, 1, 150);
    pb_end(&b, inner);
    pb_end(&b, outer);
    static const uint8_t want[] = { 0x1a, 0x05, 0x0a, 0x03, 0x08, 0x96, 0x01 };
    assert_bytes(&b, want, sizeof(want));
    pb_release(&b);

    /* A 200-byte body: the length takes two bytes and the body moves. */
    char body[200];
    memset(body, 'x', sizeof(body));
    pb_uint(&b, 9, 1);
    size_t at = pb_begin(&b, 2);
    pb_bytes(&b, 1, body, 197);               /* tag + length(197: 2 bytes) + 197 */
    pb_end(&b, at);
    pb_uint(&b, 9, 2);
    assert_int_equal(b.len, 2 + 1 + 2 + 200 + 2);
    assert_int_equal(b.buf[2], 0x12);
    assert_int_equal(b.buf[3], 0xc8);         /* 200 = c8 01 */
    assert_int_equal(b.buf[4], 0x01);
    assert_int_equal(b.buf[5], 0x0a);
    assert_int_equal(b.buf[6], 0xc5);         /* 197 = c5 01 */
    assert_int_equal(b.buf[7], 0x01);
    assert_int_equal(b.buf[8], 'x');
    assert_int_equal(b.buf[204], 'x');
    assert_int_equal(b.buf[205], 0x48);
    assert_int_equal(b.buf[206], 0x02);
    pb_release(&b);
}

/* Inflates a whole gzip stream; returns the length, data in *out. */
static size_t gunzip(const uint8_t *in, size_t n, uint8_t **out)
{
    z_stream z;
    memset(&z, 0, sizeof(z));
    assert_int_equal(inflateInit2(&z, 15 + 16), Z_OK);
    size_t cap = 1 << 16, len = 0;
    *out = malloc(cap);
    z.next_in = (uint8_t *)in;
    z.avail_in = (uInt)n;
    int rc;
    do {
        if (cap - len < 4096)
            *out = realloc(*out, cap *= 2);
        z.next_out = *out + len;
        z.avail_out = (uInt)(cap - len);
        rc = inflate(&z, Z_NO_FLUSH);
        assert_true(rc == Z_OK || rc == Z_STREAM_END);
        len = cap - z.avail_out;
    } while (rc != Z_STREAM_END);
    assert_int_equal(z.avail_in, 0);          /* one member, nothing after it */
    inflateEnd(&z);
    return len;
}

static uint8_t *write_gz(const struct pb *b, size_t *n)
{
    char *mem = NULL;
    FILE *f = open_memstream(&mem, n);
    struct sf_err err = { { 0 } };
    assert_int_equal(pb_gzip_write(b, f, "mem", &err), 0);
    fclose(f);
    return (uint8_t *)mem;
}

static void test_gzip(void **state)
{
    (void)state;
    struct pb b = PB_INIT;
    for (uint64_t i = 0; i < 100000; i++)    /* > one 64 KiB output block */
        pb_uint(&b, (uint32_t)(i % 7) + 1, i * 2654435761u);
    size_t n;
    uint8_t *gz = write_gz(&b, &n);
    assert_int_equal(gz[0], 0x1f);
    assert_int_equal(gz[1], 0x8b);
    uint8_t *raw;
    size_t len = gunzip(gz, n, &raw);
    assert_int_equal(len, b.len);
    assert_memory_equal(raw, b.buf, len);
    free(raw);
    free(gz);
    pb_release(&b);

    gz = write_gz(&b, &n);                    /* empty buffer: an empty member */
    len = gunzip(gz, n, &raw);
    assert_int_equal(len, 0);
    free(raw);
    free(gz);
}

/* ---- a small profile.proto reader ---- */

struct field { uint32_t num; int wire; uint64_t v; const uint8_t *p; size_t n; };

static int next_field(const uint8_t **p, const uint8_t *end, struct field *f)
{
    if (*p >= end)
        return 0;
    uint64_t key = 0, v;
    for (int s = 0;; s += 7) {
        assert_true(*p < end);
        key |= (uint64_t)(**p & 0x7f) << s;
        if (!(*(*p)++ & 0x80))
            break;
    }
    f->num = (uint32_t)(key >> 3);
    f->wire = (int)(key & 7);
    v = 0;
    for (int s = 0;; s += 7) {
        assert_true(*p < end);
        v |= (uint64_t)(**p & 0x7f) << s;
        if (!(*(*p)++ & 0x80))
            break;
    }
    assert_true(f->wire == 0 || f->wire == 2);
    f->v = v;
    if (f->wire == 2) {
        assert_true(v <= (uint64_t)(end - *p));
        f->p = *p;
        f->n = (size_t)v;
        *p += v;
    }
    return 1;
}

/* Sum of the first value of every sample; checks ids and strings. */
static uint64_t check_profile(const uint8_t *buf, size_t n, size_t *nr_strings)
{
    const uint8_t *p = buf, *end = buf + n;
    struct field f;
    uint64_t total = 0, max_str = 0;
    size_t strings = 0, locations = 0, functions = 0, mappings = 0;
    int first_string_empty = -1;
    while (next_field(&p, end, &f)) {
        const uint8_t *q = f.p, *qe = f.p + f.n;
        struct field g;
        switch (f.num) {
        case 2:                               /* Sample */
            while (next_field(&q, qe, &g))
                if (g.num == 2) {             /* packed values: the first */
                    const uint8_t *r = g.p;
                    uint64_t v = 0;
                    for (int s = 0;; s += 7) {
                        v |= (uint64_t)(*r & 0x7f) << s;
                        if (!(*r++ & 0x80))
                            break;
                    }
                    total += v;
                }
            break;
        case 3: mappings++; break;
        case 4: locations++; break;
        case 5:                               /* Function: name is a string id */
            functions++;
            while (next_field(&q, qe, &g))
                if (g.num == 2 && g.v > max_str)
                    max_str = g.v;
            break;
        case 6:
            if (first_string_empty < 0)
                first_string_empty = f.n == 0;
            strings++;
            break;
        }
    }
    assert_int_equal(first_string_empty, 1);
    assert_true(max_str < strings);
    assert_true(mappings >= 1 && locations >= 1 && functions >= 1);
    *nr_strings = strings;
    return total;
}

static void test_pprof_of_capture(void **state)
{
    (void)state;
    char rec[4096], bin[4096];
    snprintf(rec, sizeof(rec), "%s", testdata_path("rec/go-oracle.data"));
    snprintf(bin, sizeof(bin), "%s", testdata_path("bin/oracle.test"));
    const char *binaries[] = { bin };
    struct profile_opts o = PROFILE_OPTS_INIT;
    o.quiet = 1;
    o.bin.binaries = binaries;
    o.bin.nr_binaries = 1;
    struct export *x = export_new(&o, rec);
    o.on_sample = export_sample;
    o.on_sample_arg = x;
    o.record_order = 1;
    o.capture_only = 1;
    struct profile p;
    struct sf_err err = { { 0 } };
    const char *paths[] = { rec };
    assert_int_equal(profile_load(paths, 1, &o, &p, &err), 0);
    assert_int_equal(export_finish(x, &p, &err), 0);
    assert_int_equal(x->nr_samples, p.total);
    assert_false(x->saw_exit);
    /* every line got a function, every mapped location an address */
    for (size_t i = 0; i < x->nr_lines; i++)
        assert_true(x->lines[i].function < x->nr_functions);
    for (size_t i = 0; i < x->nr_locations; i++)
        assert_true(!x->locations[i].mapping || x->locations[i].address);

    char *mem = NULL;
    size_t n;
    FILE *f = open_memstream(&mem, &n);
    assert_int_equal(export_write_pprof(x, f, "mem", &err), 0);
    fclose(f);
    uint8_t *raw;
    size_t len = gunzip((uint8_t *)mem, n, &raw), strings;
    assert_int_equal(check_profile(raw, len, &strings), p.total);
    assert_int_equal(strings, stack_nr_names(x->strs));
    free(raw);
    free(mem);
    profile_release(&p);
    export_free(x);

    enum export_format fmt;
    assert_int_equal(export_format_parse("speedscope", &fmt), 0);
    assert_int_equal(fmt, EXPORT_SPEEDSCOPE);
    assert_int_equal(export_format_parse("json", &fmt), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_wire_examples),
        cmocka_unit_test(test_nested),
        cmocka_unit_test(test_gzip),
        cmocka_unit_test(test_pprof_of_capture),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
