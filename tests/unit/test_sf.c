/* test_sf.c - base utilities: error formatting, string buffers, growth,
 * byte-order reads and the hash every intern table uses. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <cmocka.h>
#include <math.h>

#include "sf.h"

static void test_error(void **state)
{
    (void)state;
    struct sf_err e = { { 0 } };
    assert_int_equal(sf_error(&e, "'%s': truncated record at offset %d", "x.data", 1234), -1);
    assert_string_equal(e.msg, "'x.data': truncated record at offset 1234");
    assert_int_equal(sf_error(NULL, "ignored %d", 1), -1);
    /* Long messages are cut, never overflow. */
    char big[2000];
    memset(big, 'a', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    sf_error(&e, "%s", big);
    assert_int_equal(strlen(e.msg), sizeof(e.msg) - 1);
}

static void test_sbuf(void **state)
{
    (void)state;
    struct sbuf sb = SBUF_INIT;
    assert_string_equal(sbuf_str(&sb), "");
    sbuf_addstr(&sb, "runtime.");
    sbuf_addf(&sb, "%s+0x%x", "goexit", 1);
    sbuf_addch(&sb, ';');
    sbuf_add(&sb, "ab\0cd", 5);
    assert_int_equal(sb.len, strlen("runtime.goexit+0x1;") + 5);
    assert_memory_equal(sb.buf, "runtime.goexit+0x1;ab\0cd", sb.len);
    assert_int_equal(sb.buf[sb.len], '\0');
    sbuf_reset(&sb);
    assert_string_equal(sbuf_str(&sb), "");
    for (int i = 0; i < 10000; i++)
        sbuf_addch(&sb, 'x');
    assert_int_equal(sb.len, 10000);
    char *s = sbuf_detach(&sb);
    assert_null(sb.buf);
    assert_int_equal(strlen(s), 10000);
    free(s);
    s = sbuf_detach(&sb);            /* empty buffer detaches as "" */
    assert_string_equal(s, "");
    free(s);
    sbuf_release(&sb);
}

static void test_grow(void **state)
{
    (void)state;
    size_t cap = 0;
    int *v = NULL;
    for (size_t i = 0; i < 1000; i++) {
        v = xgrow(v, sizeof(*v), i + 1, &cap);
        v[i] = (int)i;
    }
    assert_true(cap >= 1000);
    assert_int_equal(v[999], 999);
    size_t before = cap;
    v = xgrow(v, sizeof(*v), 10, &cap);       /* never shrinks */
    assert_int_equal(cap, before);
    free(v);
    char *d = xstrndup("goexit-and-more", 6);
    assert_string_equal(d, "goexit");
    free(d);
}

static void test_byte_order(void **state)
{
    (void)state;
    const uint8_t le[8] = { 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08 };
    assert_int_equal(sf_rd16(le, 0), 0x0201);
    assert_int_equal(sf_rd16(le, 1), 0x0102);
    assert_int_equal(sf_rd32(le, 0), 0x04030201u);
    assert_int_equal(sf_rd32(le, 1), 0x01020304u);
    assert_true(sf_rd64(le, 0) == 0x0807060504030201ULL);
    assert_true(sf_rd64(le, 1) == 0x0102030405060708ULL);
    /* unaligned reads */
    uint8_t buf[16] = { 0 };
    memcpy(buf + 3, le, 8);
    assert_true(sf_rd64(buf + 3, 0) == 0x0807060504030201ULL);
    assert_true(sf_bswap64(sf_bswap64(0x1122334455667788ULL)) == 0x1122334455667788ULL);
}

static void test_hash(void **state)
{
    (void)state;
    /* FNV-1a 64 reference values */
    assert_true(sf_hash("", 0) == 0xcbf29ce484222325ULL);
    assert_true(sf_hash("a", 1) == 0xaf63dc4c8601ec8cULL);
    assert_true(sf_hash("foobar", 6) == 0x85944171f73967e8ULL);
    assert_true(sf_hash("write", 5) != sf_hash("read", 4));
}


/* sbuf_add_fixed against printf itself: random values over the ranges an
 * SVG uses and far beyond, exact ties (half-even in printf), values a hair
 * either side of ties, -0, negatives, huge, infinite and NaN values. */
static void check_fixed(double v, int dec)
{
    char want[512];
    snprintf(want, sizeof(want), "%.*f", dec, v);
    struct sbuf sb = SBUF_INIT;
    sbuf_add_fixed(&sb, v, dec);
    if (strcmp(sb.buf, want) != 0)
        fail_msg("%.17g with %d decimals: got %s, printf %s", v, dec, sb.buf, want);
    sbuf_release(&sb);
}

static void test_fixed(void **state)
{
    (void)state;
    uint64_t x = 0x9e3779b97f4a7c15ULL;
    for (int i = 0; i < 600000; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        double u = (double)(x >> 11) / 9007199254740992.0;    /* [0, 1) */
        double v;
        switch (i % 5) {
        case 0: v = u * 1200; break;                           /* coordinates */
        case 1: v = u * 100; break;                            /* percentages */
        case 2: v = (double)(x % 240000) / 200.0; break;       /* on or near ties */
        case 3: v = u * 1e8; break;
        default: v = ldexp(u, (int)(x % 80) - 40); break;
        }
        check_fixed(v, 1 + (i & 1));
        check_fixed(nextafter(v, 0), 1 + (i & 1));
        check_fixed(nextafter(v, 1e300), 1 + (i & 1));
    }
    static const double odd[] = { 0.0, -0.0, -1.25, -0.004, 0.005, 0.015, 0.125, 0.375, 2.5,
                                  0.05, 0.25, 99.995, 1e7 + 0.005, 9.999999e6, 1e9, 1e15, 1e300,
                                  5e-324, INFINITY, -INFINITY, NAN };
    for (size_t i = 0; i < sizeof(odd) / sizeof(odd[0]); i++) {
        check_fixed(odd[i], 1);
        check_fixed(odd[i], 2);
    }
}

/* Counts in decimal units: exact digits, no trailing zeros, separators in
 * the whole part only; dec 0 prints as %llu does. */
static void test_count_str(void **state)
{
    (void)state;
    char b[SF_COUNT_STR];
    static const struct { uint64_t v; unsigned dec; int sep; const char *want; } c[] = {
        { 0, 0, 0, "0" }, { 1234567, 0, 1, "1,234,567" }, { 1234567, 0, 0, "1234567" },
        { 25, 1, 0, "2.5" }, { 2500, 3, 0, "2.5" }, { 3000, 3, 0, "3" }, { 1, 6, 0, "0.000001" },
        { 0, 6, 0, "0" }, { 1234567891, 3, 1, "1,234,567.891" }, { 100001, 6, 0, "0.100001" },
        { UINT64_MAX, 0, 1, "18,446,744,073,709,551,615" },
        { UINT64_MAX, 6, 1, "18,446,744,073,709.551615" },
    };
    for (size_t i = 0; i < SF_ARRAY_SIZE(c); i++) {
        size_t n = sf_count_str(b, c[i].v, c[i].dec, c[i].sep);
        assert_string_equal(b, c[i].want);
        assert_int_equal(n, strlen(c[i].want));
    }
    assert_int_equal(sf_pow10(0), 1);
    assert_int_equal(sf_pow10(6), 1000000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_error),
        cmocka_unit_test(test_sbuf),
        cmocka_unit_test(test_count_str),
        cmocka_unit_test(test_grow),
        cmocka_unit_test(test_byte_order),
        cmocka_unit_test(test_hash),
        cmocka_unit_test(test_fixed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
