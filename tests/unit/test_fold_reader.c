/* test_fold_reader.c - folded stacks as other tools write them, with the
 * expectations flamegraph.pl's documented semantics give: two-column
 * difffolded lines (width = second column, the first kept as "before",
 * never a number in a name), fractional counts kept exactly (in a unit
 * of 10^-d samples, rescaled when a finer fraction appears), comments, lines
 * without a count and negative counts skipped and counted, file order
 * kept for flame charts, the comm filter by first frame, chunked input. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "fold_reader.h"
#include "fold.h"

static char *folded_dec(struct stack_set *s, unsigned dec)
{
    char *out = NULL;
    size_t len = 0;
    struct sf_err err;
    FILE *f = open_memstream(&out, &len);
    assert_int_equal(fold_write_dec(s, dec, f, &err), 0);
    fclose(f);
    return out;
}

static char *folded(struct stack_set *s)
{
    return folded_dec(s, 0);
}

/* Reads text in chunks of `chunk` bytes; returns the reader (finished). */
static struct fold_reader *read_text(const char *text, size_t chunk, struct stack_set *s,
                                     const struct fold_reader_opts *o)
{
    struct fold_reader *r = fold_reader_new("t.folded", s, o);
    struct sf_err err;
    size_t len = strlen(text);
    for (size_t i = 0; i < len; i += chunk)
        if (fold_reader_feed(r, text + i, SF_MIN(chunk, len - i), &err) < 0)
            fail_msg("%s", err.msg);
    if (fold_reader_finish(r, &err) < 0)
        fail_msg("%s", err.msg);
    return r;
}

static void test_two_columns(void **state)
{
    (void)state;
    const char *text = "main;foo 274 300\nmain;bar 10 0\nmain;baz 0 5\n";
    struct stack_set *s = stack_set_new();
    struct fold_reader *r = read_text(text, 7, s, NULL);
    char *after = folded(s);
    assert_string_equal(after, "main;bar 0\nmain;baz 5\nmain;foo 300\n");
    struct stack_set *b = fold_reader_take_before(r);
    assert_non_null(b);
    char *before = folded(b);
    assert_string_equal(before, "main;bar 10\nmain;baz 0\nmain;foo 274\n");
    assert_int_equal(fold_reader_total(r), 305);
    free(after);
    free(before);
    stack_set_free(b);
    fold_reader_free(r);
    stack_set_free(s);
}

static void test_fractions_and_skips(void **state)
{
    (void)state;
    const char *text =
        "# a comment\n"
        "main;foo 0.5\n"
        "main;foo 1.25\n"
        "main;foo 0.75\n"
        "no count here\n"
        "main;neg -3\n"
        "   \n"
        "main;bar 2\n"
        "7\n"
        "main;last 1";                 /* no final newline */
    struct stack_set *s = stack_set_new();
    struct fold_reader *r = read_text(text, 3, s, NULL);
    uint64_t rounded;
    assert_int_equal(fold_reader_decimals(r, &rounded), 2);
    assert_int_equal(rounded, 0);
    assert_int_equal(fold_reader_total(r), 550);        /* 5.5 in hundredths */
    char *out = folded_dec(s, 2);
    assert_string_equal(out, "main;bar 2\nmain;foo 2.5\nmain;last 1\n");
    size_t first;
    assert_int_equal(fold_reader_skipped(r, &first), 4);
    assert_int_equal(first, 1);
    assert_null(fold_reader_take_before(r));
    free(out);
    fold_reader_free(r);
    stack_set_free(s);
}

/* A finer fraction met later brings what was read (counts, flame chart
 * runs, the BEFORE column) to its unit; trailing zeros are no finer; past
 * six decimals, counts are rounded (and counted). */
static void test_fraction_units(void **state)
{
    (void)state;
    const char *text =
        "m;a 3 1\n"
        "m;b 1.50 2.\n"               /* 1.5 and 2: tenths */
        "m;a 0 0.125\n"               /* thousandths: all above x100 */
        "m;c 0.00000049 0.0000005\n"  /* 7-8 decimals: 0 and 0.000001 */
        "m;a 2.000 1\n";
    struct stack_set *s = stack_set_new();
    stack_record_order(s, 1);
    struct fold_reader *r = read_text(text, 4, s, NULL);
    uint64_t rounded;
    assert_int_equal(fold_reader_decimals(r, &rounded), 6);
    assert_int_equal(rounded, 2);
    char *out = folded_dec(s, 6);
    assert_string_equal(out, "m;a 2.125\nm;b 2\nm;c 0.000001\n");
    assert_int_equal(fold_reader_total(r), 4125001);
    assert_int_equal(stack_nr_runs(s), 5);            /* a b a c a: line order */
    assert_int_equal(stack_runs(s)[0].count, 1000000);   /* 1, read whole */
    assert_int_equal(stack_runs(s)[2].count, 125000);
    free(out);
    struct stack_set *b = fold_reader_take_before(r);
    out = folded_dec(b, 6);
    assert_string_equal(out, "m;a 5\nm;b 1.5\nm;c 0\n");
    free(out);
    stack_set_free(b);
    fold_reader_free(r);
    stack_set_free(s);

    /* a set already in hundredths (an earlier input) stays in them */
    struct fold_reader_opts o = { .decimals = 2 };
    s = stack_set_new();
    r = read_text("x 1\ny 0.5\n", 64, s, &o);
    assert_int_equal(fold_reader_decimals(r, NULL), 2);
    out = folded_dec(s, 2);
    assert_string_equal(out, "x 1\ny 0.5\n");
    free(out);
    fold_reader_free(r);
    stack_set_free(s);
}

/* File order, as flamegraph.pl --flamechart draws it: a repeated stack
 * later in the file is a run of its own. */
static void test_order(void **state)
{
    (void)state;
    const char *text = "m;a 1\nm;b 2\nm;a 3\n";
    struct stack_set *s = stack_set_new();
    stack_record_order(s, 1);
    struct fold_reader *r = read_text(text, 64, s, NULL);
    assert_int_equal(stack_nr_runs(s), 3);
    const struct stack_run *run = stack_runs(s);
    assert_int_equal(run[0].count, 1);
    assert_int_equal(run[1].count, 2);
    assert_int_equal(run[2].count, 3);
    assert_int_equal(run[0].stack_id, run[2].stack_id);
    fold_reader_free(r);
    stack_set_free(s);
}

static void test_comm_filter_and_label(void **state)
{
    (void)state;
    const char *text = "app;x 1\napp-12/13;y 2\napplet;z 4\nother;w 8\n";
    const char *comms[] = { "app" };
    struct fold_reader_opts o = { .comms = comms, .nr_comms = 1 };
    struct stack_set *s = stack_set_new();
    struct fold_reader *r = read_text(text, 5, s, &o);
    char *out = folded(s);
    assert_string_equal(out, "app-12/13;y 2\napp;x 1\n");
    free(out);
    fold_reader_free(r);
    stack_set_free(s);
    struct fold_reader_opts l = { .comm_label = "build" };
    s = stack_set_new();
    r = read_text(text, 64, s, &l);
    out = folded(s);
    assert_string_equal(out, "build;w 8\nbuild;x 1\nbuild;y 2\nbuild;z 4\n");
    free(out);
    fold_reader_free(r);
    stack_set_free(s);
}

static void test_out_of_range(void **state)
{
    (void)state;
    struct stack_set *s = stack_set_new();
    struct fold_reader *r = fold_reader_new("t.folded", s, NULL);
    struct sf_err err;
    const char *text = "a 9007199254740993\n";                 /* 2^53 + 1 */
    assert_int_equal(fold_reader_feed(r, text, strlen(text), &err), -1);
    assert_non_null(strstr(err.msg, "line 1: sample count out of range"));
    fold_reader_free(r);
    stack_set_free(s);
    /* 2^53 units exactly, on one line or summed over two, whole or in
     * millionths: read, and what fold writes of it reads back (the fuzz
     * finding: two lines summed to 9007199254.246914, written as one line
     * that the reader refused, its whole part being 2^53 / 10^6's) */
    const char *exact[] = {
        "a 9007199254740992\n", "a 9007199254740991\na 1\n",
        "a 9007199254.740992\n", "m 4503599627.123456\nm 4503599627.123458\n",
    };
    const uint64_t exact_total[] = {
        UINT64_C(9007199254740992), UINT64_C(9007199254740992),
        UINT64_C(9007199254740992), UINT64_C(9007199254246914),
    };
    for (size_t i = 0; i < sizeof(exact) / sizeof(exact[0]); i++) {
        s = stack_set_new();
        r = fold_reader_new("t.folded", s, NULL);
        assert_int_equal(fold_reader_feed(r, exact[i], strlen(exact[i]), &err), 0);
        assert_int_equal(fold_reader_finish(r, &err), 0);
        assert_int_equal(stack_total(s), exact_total[i]);
        unsigned dec = fold_reader_decimals(r, NULL);
        fold_reader_free(r);
        char *out = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&out, &len);
        assert_int_equal(fold_write_dec(s, dec, f, &err), 0);
        fclose(f);
        struct stack_set *back = stack_set_new();
        r = fold_reader_new("back", back, NULL);
        assert_int_equal(fold_reader_feed(r, out, len, &err), 0);
        assert_int_equal(fold_reader_finish(r, &err), 0);
        assert_int_equal(fold_reader_decimals(r, NULL), dec);
        assert_int_equal(stack_total(back), exact_total[i]);
        fold_reader_free(r);
        stack_set_free(back);
        stack_set_free(s);
        free(out);
    }
    s = stack_set_new();
    r = fold_reader_new("t.folded", s, NULL);
    text = "a 9007199254.740993\n";                                  /* 2^53 + 1 units */
    assert_int_equal(fold_reader_feed(r, text, strlen(text), &err), -1);
    assert_non_null(strstr(err.msg, "line 1: sample count out of range (counts with 6 decimals"));
    fold_reader_free(r);
    stack_set_free(s);
    /* a fraction that would take the total read so far past 2^53 units */
    s = stack_set_new();
    r = fold_reader_new("t.folded", s, NULL);
    text = "a 4503599627370496\nb 0.5\n";
    assert_int_equal(fold_reader_feed(r, text, strlen(text), &err), -1);
    assert_string_equal(err.msg, "'t.folded': line 2: counts with 1 decimals pass the largest "
                                 "total (2^53 units of 10^-1)");
    assert_int_equal(stack_total(s), UINT64_C(4503599627370496));   /* left as it was */
    fold_reader_free(r);
    stack_set_free(s);
}


/* Counts per stack "p;f<k%13>;g<k>" from a fold_write text, into want[k]. */
static void check_counts(struct stack_set *s, const uint64_t *want, size_t n)
{
    char *out = folded(s);
    size_t seen = 0;
    for (char *line = strtok(out, "\n"); line; line = strtok(NULL, "\n")) {
        unsigned f, k;
        unsigned long long c;
        assert_int_equal(sscanf(line, "p;f%u;g%u %llu", &f, &k, &c), 3);
        assert_true(k < n);
        assert_int_equal(f, k % 13);
        assert_int_equal(c, want[k]);
        seen++;
    }
    assert_int_equal(seen, n);       /* every stack, zero counts too */
    free(out);
}

/* Repeated lines (the reader remembers recent ones by their text) count
 * the same as first-seen ones: more distinct stacks than it remembers,
 * revisited in changing orders; two columns (the same text in the before
 * and after sets); and a long run of distinct lines first (after which it
 * stops remembering). */
static void test_repeated_lines(void **state)
{
    (void)state;
    enum { N = 20000, PASSES = 6, FIRST = 80000 };
    uint64_t *want = calloc(FIRST, sizeof(*want)), *wantb = calloc(N, sizeof(*wantb));
    struct sbuf text = { 0 };
    char line[96];
    for (int pass = 0; pass < PASSES; pass++)
        for (unsigned i = 0; i < N; i++) {
            unsigned k = pass % 2 ? (i * 7919u + (unsigned)pass) % N : i;
            unsigned c = 1 + (k + (unsigned)pass) % 5;
            int n = snprintf(line, sizeof(line), "p;f%u;g%u %u\n", k % 13, k, c);
            sbuf_add(&text, line, (size_t)n);
            want[k] += c;
        }
    struct stack_set *s = stack_set_new();
    struct fold_reader *r = read_text(text.buf, 4096, s, NULL);
    check_counts(s, want, N);
    fold_reader_free(r);
    stack_set_free(s);

    /* two columns: before = k % 7, after = k % 11 + 1 */
    sbuf_reset(&text);
    memset(want, 0, FIRST * sizeof(*want));
    for (int pass = 0; pass < PASSES; pass++)
        for (unsigned i = 0; i < N; i++) {
            unsigned k = (i * 31u + (unsigned)pass * 17u) % N;
            int n = snprintf(line, sizeof(line), "p;f%u;g%u %u %u\n", k % 13, k, k % 7, k % 11 + 1);
            sbuf_add(&text, line, (size_t)n);
            wantb[k] += k % 7;
            want[k] += k % 11 + 1;
        }
    s = stack_set_new();
    r = read_text(text.buf, 65536, s, NULL);
    check_counts(s, want, N);
    struct stack_set *b = fold_reader_take_before(r);
    check_counts(b, wantb, N);
    stack_set_free(b);
    fold_reader_free(r);
    stack_set_free(s);

    /* distinct lines first, then repeats */
    sbuf_reset(&text);
    memset(want, 0, FIRST * sizeof(*want));
    for (unsigned k = 0; k < FIRST; k++) {
        int n = snprintf(line, sizeof(line), "p;f%u;g%u %u\n", k % 13, k, 2u);
        sbuf_add(&text, line, (size_t)n);
        want[k] += 2;
    }
    for (int pass = 0; pass < 3; pass++)
        for (unsigned k = 0; k < 100; k++) {
            int n = snprintf(line, sizeof(line), "p;f%u;g%u %u\n", k % 13, k, 3u);
            sbuf_add(&text, line, (size_t)n);
            want[k] += 3;
        }
    s = stack_set_new();
    r = read_text(text.buf, 1000, s, NULL);
    check_counts(s, want, FIRST);
    assert_int_equal(fold_reader_total(r), FIRST * 2 + 900);
    fold_reader_free(r);
    stack_set_free(s);
    sbuf_release(&text);
    free(want);
    free(wantb);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_two_columns),
        cmocka_unit_test(test_fractions_and_skips),
        cmocka_unit_test(test_fraction_units),
        cmocka_unit_test(test_order),
        cmocka_unit_test(test_comm_filter_and_label),
        cmocka_unit_test(test_out_of_range),
        cmocka_unit_test(test_repeated_lines),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
