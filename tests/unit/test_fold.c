/* test_fold.c - folded text: parse (CRLF, blanks, repeats summed, errors
 * with line numbers), write (against a hand-checked golden that equals
 * `LC_ALL=C sort` of the summed lines), round trip, and the sniffer. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "fold.h"
#include "input_folded.h"
#include "testutil.h"

static char *slurp(const char *path, size_t *len)
{
    struct blob b;
    assert_int_equal(blob_load(path, &b), 0);
    *len = b.size;
    return (char *)b.data;
}

static char *data_path(const char *rel)
{
    static char buf[4096];
    const char *d = getenv("SRCDIR");
    snprintf(buf, sizeof(buf), "%s/tests/data/folded/%s", d ? d : ".", rel);
    return buf;
}

static char *write_to_string(struct stack_set *s, size_t *len)
{
    char *out = NULL;
    FILE *f = open_memstream(&out, len);
    struct sf_err err;
    assert_int_equal(fold_write(s, f, &err), 0);
    fclose(f);
    return out;
}

static void test_parse_write_golden(void **state)
{
    (void)state;
    size_t len, elen, olen;
    char *in = slurp(data_path("basic.folded"), &len);
    char *want = slurp(data_path("basic.expected"), &elen);
    struct stack_set *s = stack_set_new();
    struct sf_err err;
    assert_int_equal(fold_parse("basic.folded", in, len, s, &err), 0);
    assert_int_equal(stack_nr_stacks(s), 6);
    assert_int_equal(stack_total(s), 18);
    char *out = write_to_string(s, &olen);
    assert_string_equal(out, want);
    /* round trip: parsing our own output gives the same text */
    struct stack_set *s2 = stack_set_new();
    assert_int_equal(fold_parse("x", out, olen, s2, &err), 0);
    size_t olen2;
    char *out2 = write_to_string(s2, &olen2);
    assert_string_equal(out2, want);
    free(out2);
    free(out);
    free(in);
    free(want);
    stack_set_free(s);
    stack_set_free(s2);
}

static void expect_error(const char *text, const char *msg)
{
    struct stack_set *s = stack_set_new();
    struct sf_err err = { "" };
    assert_int_equal(fold_parse("F", text, strlen(text), s, &err), -1);
    assert_string_equal(err.msg, msg);
    stack_set_free(s);
}

static void test_errors(void **state)
{
    (void)state;
    expect_error("a;b 1\n\na;b;c\n", "'F': line 3: missing sample count");
    expect_error("a;b x\n", "'F': line 1: missing sample count");
    expect_error("a;b 12x\n", "'F': line 1: missing sample count");
    expect_error("a;b 1.5\r\n", "'F': line 1: fractional sample count '1.5'");
    expect_error("a 99999999999999999999\n", "'F': line 1: sample count out of range");
    expect_error("\n   7\n", "'F': line 2: empty stack");
    expect_error("a;b 1\r\n\t5\r\n", "'F': line 2: empty stack");
    expect_error("1\n", "'F': line 1: missing sample count");
}

static void test_parse_details(void **state)
{
    (void)state;
    struct stack_set *s = stack_set_new();
    struct sf_err err;
    /* names may hold spaces; the count is the last token; no final newline;
     * empty frames are kept */
    const char *t = "comm;do work;x 3\ncomm;;y\t4\ncomm;do work;x 2";
    assert_int_equal(fold_parse("F", t, strlen(t), s, &err), 0);
    assert_int_equal(stack_nr_stacks(s), 2);
    struct stack_view v;
    stack_get(s, 0, &v);
    assert_int_equal(v.count, 5);
    assert_string_equal(stack_name(s, v.frames[1]), "do work");
    stack_get(s, 1, &v);
    assert_int_equal(v.nr, 3);
    assert_int_equal(stack_name_len(s, v.frames[1]), 0);
    assert_int_equal(v.count, 4);
    /* empty input is fine and adds nothing */
    assert_int_equal(fold_parse("F", "", 0, s, &err), 0);
    assert_int_equal(stack_total(s), 9);
    stack_set_free(s);
}

static void test_sniff(void **state)
{
    (void)state;
    const uint8_t zst[] = { 0x28, 0xb5, 0x2f, 0xfd, 0, 0 };
    assert_int_equal(fold_sniff((const uint8_t *)"PERFILE2\x68\0\0\0", 12), 0);
    assert_int_equal(fold_sniff(zst, sizeof(zst)), 0);
    assert_int_equal(fold_sniff((const uint8_t *)"a;b;c 12\n", 9), 1);
    assert_int_equal(fold_sniff((const uint8_t *)"\r\n\na;b 1\r\n", 10), 1);
    assert_int_equal(fold_sniff((const uint8_t *)"hello world\n", 12), 0);
    assert_int_equal(fold_sniff((const uint8_t *)"a;b 1\0", 6), 0);
    assert_int_equal(fold_sniff((const uint8_t *)"", 0), 0);
    size_t len;
    char *in = slurp(data_path("basic.folded"), &len);
    assert_int_equal(fold_sniff((const uint8_t *)in, len), 1);
    assert_int_equal(fold_sniff((const uint8_t *)in, 16), 1);   /* just the head */
    assert_int_equal(fold_sniff((const uint8_t *)"\x7f" "ELF\x02\x01\x01", 7), 0);
    free(in);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_write_golden),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_parse_details),
        cmocka_unit_test(test_sniff),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
