/* test_hashtab.c - the program's one hash table and its string interner,
 * against plain arrays searched linearly: every string gets one dense id,
 * equal strings (by bytes, not by pointer) the same id and pointer, across
 * many growths; strings longer than an arena chunk and the empty string;
 * u64map keeps the latest value per key and finds no absent key. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hashtab.h"
#include "strtab.h"

#define NR 20000

static void interner_ids_dense_and_stable(void **state)
{
    (void)state;
    struct strtab t = { 0 };
    const char **first = calloc(NR, sizeof(*first));
    char buf[32];
    for (int round = 0; round < 2; round++) {
        for (int i = 0; i < NR; i++) {
            snprintf(buf, sizeof(buf), "name-%d", i * 7919 % NR);
            uint32_t id = strtab_id(&t, buf, strlen(buf));
            /* the first round meets each string for the first time */
            if (round == 0) {
                assert_int_equal(id, (uint32_t)i);
                first[i] = strtab_str(&t, id);
            } else {
                assert_ptr_equal(strtab_str(&t, id), first[i]);
            }
            assert_string_equal(strtab_str(&t, id), buf);
            assert_int_equal(strtab_len(&t, id), strlen(buf));
        }
    }
    assert_int_equal(strtab_count(&t), NR);
    /* by content: a different buffer with the same bytes */
    char other[] = "name-0";
    assert_ptr_equal(strtab_intern(&t, other), first[0]);
    /* a prefix given by length is a string of its own */
    uint32_t pre = strtab_id(&t, "name-12345", 5);
    assert_string_equal(strtab_str(&t, pre), "name-");
    assert_int_equal(strtab_id(&t, "name-12345", 6), strtab_id(&t, "name-1", 6));
    assert_int_equal(pre, NR);
    assert_string_equal(strtab_str(&t, 999999), "");   /* out of range */
    strtab_release(&t);
    assert_int_equal(strtab_count(&t), 0);
    free(first);
}

static void interner_huge_and_empty(void **state)
{
    (void)state;
    struct strtab t = { 0 };
    size_t n = 1 << 20;                         /* > one arena chunk */
    char *big = malloc(n + 1);
    memset(big, 'x', n);
    big[n] = '\0';
    const char *small1 = strtab_intern(&t, "before");
    const char *b = strtab_intern(&t, big);
    const char *small2 = strtab_intern(&t, "after");
    const char *empty = strtab_intern(&t, "");
    assert_int_equal(strlen(b), n);
    assert_ptr_equal(strtab_intern(&t, big), b);
    assert_string_equal(small1, "before");
    assert_string_equal(small2, "after");
    assert_string_equal(empty, "");
    assert_ptr_equal(strtab_intern(&t, ""), empty);
    assert_int_equal(strtab_count(&t), 4);
    strtab_release(&t);
    free(big);
}

static void u64map_against_array(void **state)
{
    (void)state;
    struct u64map m = { 0 };
    assert_null(u64map_get(&m, 1));            /* empty: no slot at all */
    static uint32_t want[NR];
    for (int i = 0; i < NR; i++) {
        uint64_t key = (uint64_t)i * 0x100000001ull;   /* high and low bits */
        u64map_put(&m, key, (uint32_t)i);
        want[i] = (uint32_t)i;
    }
    for (int i = 0; i < NR; i += 3) {                    /* replace some */
        u64map_put(&m, (uint64_t)i * 0x100000001ull, (uint32_t)(i + 7));
        want[i] = (uint32_t)(i + 7);
    }
    assert_int_equal(u64map_count(&m), NR);
    for (int i = 0; i < NR; i++) {
        uint32_t *v = u64map_get(&m, (uint64_t)i * 0x100000001ull);
        assert_non_null(v);
        assert_int_equal(*v, want[i]);
        assert_null(u64map_get(&m, (uint64_t)i * 0x100000001ull + 1));
    }
    u64map_release(&m);
    assert_null(u64map_get(&m, 0));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(interner_ids_dense_and_stable),
        cmocka_unit_test(interner_huge_and_empty),
        cmocka_unit_test(u64map_against_array),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
