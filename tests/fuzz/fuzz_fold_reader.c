/* fuzz_fold_reader.c - fuzz harness for the streaming folded reader
 * (fold_reader): the input fed whole and in chunks of a size taken from
 * its first byte must give the same total and stacks; what it read is
 * written back as folded text that fold_parse reads to the same total,
 * and in its decimal unit (fold_write_dec) as text that the reader reads
 * back to the same sum (unless a frame name ends in a blank and a number:
 * read back, that number is a BEFORE column, as flamegraph.pl reads it). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "fold_reader.h"
#include "input_folded.h"
#include "fold.h"
#include "stack.h"

static int run(const char *text, size_t size, size_t chunk, struct stack_set *s,
               uint64_t *total, uint64_t *skipped, unsigned *dec)
{
    struct sf_err err;
    const char *comms[] = { "a" };
    struct fold_reader_opts o = { .comms = comms, .nr_comms = (size & 2) ? 1 : 0 };
    struct fold_reader *r = fold_reader_new("fuzz", s, &o);
    int rc = 0;
    for (size_t i = 0; i < size && rc == 0; i += chunk)
        rc = fold_reader_feed(r, text + i, chunk < size - i ? chunk : size - i, &err);
    if (rc == 0)
        rc = fold_reader_finish(r, &err);
    *total = fold_reader_total(r);
    *skipped = fold_reader_skipped(r, NULL);
    *dec = fold_reader_decimals(r, NULL);
    struct stack_set *b = fold_reader_take_before(r);
    if (b && stack_total(b) > (UINT64_C(1) << 53))
        abort();
    stack_set_free(b);
    fold_reader_free(r);
    return rc;
}

/* Whether a line of folded text ends in two blank-separated numbers
 * (digits, '.', '-'; blanks as the reader's, '\r' too): the reader may
 * take it as two-column. */
static int two_numbers(const char *t, size_t len)
{
    for (const char *l = t, *end = t + len; l < end;) {
        const char *nl = memchr(l, '\n', (size_t)(end - l));
        const char *e = nl ? nl : end;
        int nums = 0;
        for (const char *q = e; q > l && nums < 2; nums++) {
            const char *d = q;
            while (d > l && ((d[-1] >= '0' && d[-1] <= '9') || d[-1] == '.' || d[-1] == '-'))
                d--;
            if (d == q || d == l || !memchr(" \t\r", d[-1], 3))
                break;
            for (q = d; q > l && memchr(" \t\r", q[-1], 3); q--)
                ;
        }
        if (nums == 2)
            return 1;
        l = nl ? nl + 1 : end;
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size ? size : 1);   /* exact size: overreads show */
    memcpy(text, data, size);
    size_t chunk = size ? 1 + data[0] % 17 : 1;
    struct stack_set *whole = stack_set_new(), *parts = stack_set_new();
    uint64_t t1, t2, s1, s2;
    unsigned d1, d2;
    int r1 = run(text, size, size ? size : 1, whole, &t1, &s1, &d1);
    int r2 = run(text, size, chunk, parts, &t2, &s2, &d2);
    if (r1 != r2 || (r1 == 0 && (t1 != t2 || s1 != s2 || d1 != d2 ||
                                 stack_total(whole) != stack_total(parts) ||
                                 stack_nr_stacks(whole) != stack_nr_stacks(parts))))
        abort();
    if (r1 == 0) {
        char *out = NULL;
        size_t len = 0;
        struct sf_err err;
        FILE *f = open_memstream(&out, &len);
        if (f && fold_write(whole, f, &err) == 0) {
            fclose(f);
            struct stack_set *again = stack_set_new();
            if (fold_parse("again", out, len, again, &err) == 0 &&
                stack_total(again) != stack_total(whole))
                abort();
            stack_set_free(again);
        } else if (f) {
            fclose(f);
        }
        free(out);
        out = NULL;
        len = 0;
        f = open_memstream(&out, &len);
        if (f && fold_write_dec(whole, d1, f, &err) == 0) {
            fclose(f);
            if (!two_numbers(out, len)) {
                struct stack_set *back = stack_set_new();
                struct fold_reader *r = fold_reader_new("back", back, NULL);
                if (fold_reader_feed(r, out, len, &err) < 0 || fold_reader_finish(r, &err) < 0)
                    abort();
                unsigned db = fold_reader_decimals(r, NULL);
                if (db > d1 || stack_total(back) * sf_pow10(d1 - db) != stack_total(whole))
                    abort();
                fold_reader_free(r);
                stack_set_free(back);
            }
        } else if (f) {
            fclose(f);
        }
        free(out);
    }
    stack_set_free(whole);
    stack_set_free(parts);
    free(text);
    return 0;
}
