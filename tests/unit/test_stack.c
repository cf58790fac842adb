/* test_stack.c - the aggregator: interning, unique stacks and counts, the
 * folded sort order (checked against strcmp over the folded lines, which is
 * what `LC_ALL=C sort` does), merge, time-order runs, big inputs, and
 * stack_add_to against the equivalent stack_add calls. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "stack.h"

static void test_intern(void **state)
{
    (void)state;
    struct stack_set *s = stack_set_new();
    uint32_t a = stack_intern(s, "main.main", 9);
    uint32_t b = stack_intern(s, "main.mainX", 9);   /* same 9 bytes */
    uint32_t c = stack_intern(s, "runtime.goexit", 14);
    uint32_t e = stack_intern(s, "", 0);
    assert_int_equal(a, b);
    assert_int_not_equal(a, c);
    assert_int_not_equal(e, a);
    assert_string_equal(stack_name(s, c), "runtime.goexit");
    assert_int_equal(stack_name_len(s, e), 0);
    /* names with NUL bytes are kept by length */
    uint32_t z1 = stack_intern(s, "a\0b", 3), z2 = stack_intern(s, "a\0c", 3);
    assert_int_not_equal(z1, z2);
    assert_int_equal(stack_name_len(s, z1), 3);
    /* ids are dense and stable through table growth */
    char buf[32];
    for (int i = 0; i < 50000; i++) {
        int n = snprintf(buf, sizeof(buf), "f%d", i);
        assert_int_equal(stack_intern(s, buf, (size_t)n), 5 + i);
    }
    assert_int_equal(stack_nr_names(s), 50005);
    assert_int_equal(stack_intern(s, "main.main", 9), a);
    assert_string_equal(stack_name(s, 5 + 4242), "f4242");
    stack_set_free(s);
}

static void test_add_counts(void **state)
{
    (void)state;
    struct stack_set *s = stack_set_new();
    const char *x[] = { "app", "main.main", "os.(*File).Write", "write" };
    const char *y[] = { "app", "main.main", "os.(*File).Read", "read" };
    uint32_t sx = stack_add_names(s, x, 4, 3);
    uint32_t sy = stack_add_names(s, y, 4, 1);
    assert_int_equal(stack_add_names(s, x, 4, 2), sx);
    assert_int_equal(stack_add_names(s, x, 3, 7), 2);        /* a prefix is another stack */
    assert_int_equal(stack_nr_stacks(s), 3);
    assert_int_equal(stack_total(s), 13);
    struct stack_view v;
    stack_get(s, sx, &v);
    assert_int_equal(v.nr, 4);
    assert_int_equal(v.count, 5);
    assert_string_equal(stack_name(s, v.frames[2]), "os.(*File).Write");
    stack_get(s, sy, &v);
    assert_int_equal(v.count, 1);
    stack_get(s, 99, &v);                                   /* bad id: empty view */
    assert_int_equal(v.nr, 0);
    stack_set_free(s);
}

/* Folded line of stack id (names joined with ';', then " COUNT"). */
static char *line_of(struct stack_set *s, uint32_t id)
{
    struct stack_view v;
    stack_get(s, id, &v);
    size_t len = 32;
    for (uint32_t i = 0; i < v.nr; i++)
        len += stack_name_len(s, v.frames[i]) + 1;
    char *l = malloc(len), *p = l;
    for (uint32_t i = 0; i < v.nr; i++) {
        if (i)
            *p++ = ';';
        memcpy(p, stack_name(s, v.frames[i]), stack_name_len(s, v.frames[i]));
        p += stack_name_len(s, v.frames[i]);
    }
    sprintf(p, " %llu", (unsigned long long)v.count);
    return l;
}

static int strcmp_p(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void test_sorted_is_c_sort(void **state)
{
    (void)state;
    /* names chosen so frame-by-frame and whole-line orders disagree:
     * '.' (0x2e) and '-' sort below ';' (0x3b), 'b' above it */
    static const char *pool[] = { "a", "a.b", "a-b", "ab", "a;", "b", "B", "a\tx",
                                  "main.main", "main", "main.main.func1", "~", "\x7f",
                                  "\xc3\xa9", "0", "z" };
    struct stack_set *s = stack_set_new();
    srand(7);
    for (int i = 0; i < 3000; i++) {
        const char *names[6];
        size_t n = 1 + (size_t)(rand() % 6);
        for (size_t k = 0; k < n; k++)
            names[k] = pool[rand() % (int)SF_ARRAY_SIZE(pool)];
        stack_add_names(s, names, n, 1 + (uint64_t)(rand() % 5));
    }
    size_t n = stack_nr_stacks(s);
    assert_true(n > 1000);
    const uint32_t *order = stack_sorted(s);
    char **lines = malloc(n * sizeof(*lines)), **want = malloc(n * sizeof(*want));
    for (size_t i = 0; i < n; i++) {
        lines[i] = line_of(s, order[i]);
        want[i] = lines[i];
    }
    qsort(want, n, sizeof(*want), strcmp_p);
    for (size_t i = 0; i < n; i++)
        assert_string_equal(lines[i], want[i]);
    /* the order is refreshed after more stacks arrive */
    const char *late[] = { "!" };
    uint32_t id = stack_add_names(s, late, 1, 1);
    assert_int_equal(stack_sorted(s)[0], id);
    for (size_t i = 0; i < n; i++)
        free(lines[i]);
    free(lines);
    free(want);
    stack_set_free(s);
}

static void test_merge_and_runs(void **state)
{
    (void)state;
    struct stack_set *a = stack_set_new(), *b = stack_set_new();
    stack_record_order(a, 1);
    stack_record_order(b, 1);
    const char *x[] = { "p", "f", "write" }, *y[] = { "p", "g", "read" };
    stack_add_names(a, x, 3, 1);
    stack_add_names(a, x, 3, 2);
    stack_add_names(a, y, 3, 1);
    stack_add_names(a, x, 3, 1);
    assert_int_equal(stack_nr_runs(a), 3);
    const struct stack_run *r = stack_runs(a);
    assert_int_equal(r[0].count, 3);
    assert_int_equal(r[1].stack_id, 1);
    assert_int_equal(r[2].stack_id, 0);
    /* b interns names in another order: merge must go by name */
    stack_add_names(b, y, 3, 10);
    stack_add_names(b, y, 2, 4);
    stack_merge(a, b);
    assert_int_equal(stack_nr_stacks(a), 3);
    assert_int_equal(stack_total(a), 5 + 14);
    struct stack_view v;
    stack_get(a, 1, &v);
    assert_int_equal(v.count, 11);
    assert_int_equal(stack_nr_runs(a), 5);
    assert_int_equal(stack_runs(a)[3].stack_id, 1);
    assert_int_equal(stack_runs(a)[3].count, 10);
    assert_int_equal(stack_runs(a)[4].stack_id, 2);
    stack_set_free(a);
    stack_set_free(b);
}

static void test_big(void **state)
{
    (void)state;
    struct stack_set *s = stack_set_new();
    /* a 1 MB name */
    size_t big = 1 << 20;
    char *name = malloc(big);
    memset(name, 'x', big);
    uint32_t id = stack_intern(s, name, big);
    assert_int_equal(stack_name_len(s, id), big);
    assert_int_equal(stack_intern(s, name, big), id);
    assert_int_equal(stack_intern(s, "y", 1), id + 1);
    /* a stack 10^4 frames deep */
    uint32_t *deep = malloc(10000 * sizeof(*deep));
    for (int i = 0; i < 10000; i++)
        deep[i] = stack_intern(s, i % 2 ? "a" : "b", 1);
    uint32_t d = stack_add(s, deep, 10000, 1);
    assert_int_equal(stack_add(s, deep, 10000, 1), d);
    deep[9999] = id;
    assert_int_not_equal(stack_add(s, deep, 10000, 1), d);
    /* 10^6 unique stacks */
    uint32_t f[4], n[1000];
    char buf[16];
    for (int i = 0; i < 1000; i++)
        n[i] = stack_intern(s, buf, (size_t)snprintf(buf, sizeof(buf), "n%d", i));
    for (uint32_t i = 0; i < 1000000; i++) {
        f[0] = id + 1;
        f[1] = n[i % 1000];
        f[2] = n[i / 1000];
        f[3] = id;
        stack_add(s, f, 4, 1);
    }
    assert_int_equal(stack_nr_stacks(s), 1000002);
    f[1] = n[5];
    f[2] = n[6];
    assert_int_equal(stack_add(s, f, 4, 1), 2 + 6005);
    assert_int_equal(stack_total(s), 3 + 1000001);
    const uint32_t *o = stack_sorted(s);
    struct stack_view v1, v2;
    stack_get(s, o[0], &v1);             /* the deep "b;a;b;..." stacks first */
    assert_int_equal(v1.nr, 10000);
    stack_get(s, o[2], &v1);             /* then "y;n0;n0;x..." */
    assert_int_equal(v1.nr, 4);
    assert_string_equal(stack_name(s, v1.frames[1]), "n0");
    assert_string_equal(stack_name(s, v1.frames[2]), "n0");
    stack_get(s, o[3], &v2);
    /* byte order of the whole line: "n100;" < "n10;" < "n1;" as 0 < ; */
    assert_string_equal(stack_name(s, v2.frames[2]), "n100");
    free(deep);
    free(name);
    stack_set_free(s);
}

/* stack_add_to(id) against the same samples given to stack_add with the
 * frames: totals, per-stack counts and time-order runs must be identical,
 * with and without record order, including zero counts. */
static void add_to_vs_add(int record)
{
    struct stack_set *a = stack_set_new(), *b = stack_set_new();
    stack_record_order(a, record);
    stack_record_order(b, record);
    enum { NPOOL = 40 };
    uint32_t frames[NPOOL][8];
    size_t depth[NPOOL];
    uint32_t id_in_a[NPOOL];
    char name[16];
    srand(11);
    for (int i = 0; i < NPOOL; i++) {
        depth[i] = (size_t)(i % 8);               /* depth 0 too */
        for (size_t k = 0; k < depth[i]; k++) {
            int n = snprintf(name, sizeof(name), "f%d", rand() % 6);
            frames[i][k] = stack_intern(a, name, (size_t)n);
            assert_int_equal(stack_intern(b, name, (size_t)n), frames[i][k]);
        }
        id_in_a[i] = UINT32_MAX;
    }
    size_t add_to_calls = 0;
    int i = 0;
    for (int step = 0; step < 20000; step++) {
        /* half the time the previous stack again: runs, as consecutive
         * samples often make */
        if (rand() % 2)
            i = rand() % NPOOL;
        uint64_t count = (uint64_t)(rand() % 4);  /* 0 included */
        uint32_t want = stack_add(b, frames[i], depth[i], count);
        if (id_in_a[i] == UINT32_MAX) {
            id_in_a[i] = stack_add(a, frames[i], depth[i], count);
        } else {
            stack_add_to(a, id_in_a[i], count);
            add_to_calls++;
        }
        assert_int_equal(id_in_a[i], want);
        assert_int_equal(stack_total(a), stack_total(b));
    }
    assert_true(add_to_calls > 19000);
    assert_int_equal(stack_nr_stacks(a), stack_nr_stacks(b));
    for (uint32_t id = 0; id < stack_nr_stacks(b); id++) {
        struct stack_view va, vb;
        stack_get(a, id, &va);
        stack_get(b, id, &vb);
        assert_int_equal(va.count, vb.count);
        assert_int_equal(va.nr, vb.nr);
        if (vb.nr)
            assert_memory_equal(va.frames, vb.frames, vb.nr * sizeof(*vb.frames));
    }
    assert_int_equal(stack_nr_runs(a), stack_nr_runs(b));
    if (record)
        assert_true(stack_nr_runs(b) > 1000);
    else
        assert_int_equal(stack_nr_runs(b), 0);
    for (size_t r = 0; r < stack_nr_runs(b); r++) {
        assert_int_equal(stack_runs(a)[r].stack_id, stack_runs(b)[r].stack_id);
        assert_int_equal(stack_runs(a)[r].count, stack_runs(b)[r].count);
    }
    /* the folded order does not depend on how counts arrived */
    size_t n = stack_nr_stacks(b);
    const uint32_t *oa = stack_sorted(a), *ob = stack_sorted(b);
    assert_memory_equal(oa, ob, n * sizeof(*oa));
    stack_set_free(a);
    stack_set_free(b);
}

static void test_add_to_same_as_add(void **state)
{
    (void)state;
    add_to_vs_add(0);
    add_to_vs_add(1);
}

/* Hand-checked: runs merge with a preceding run of the same stack,
 * whichever call made it. */
static void test_add_to_runs(void **state)
{
    (void)state;
    struct stack_set *s = stack_set_new();
    stack_record_order(s, 1);
    const char *x[] = { "p", "f", "write" }, *y[] = { "p", "g", "read" };
    uint32_t ix = stack_add_names(s, x, 3, 1);
    stack_add_to(s, ix, 2);
    uint32_t iy = stack_add_names(s, y, 3, 1);
    stack_add_to(s, ix, 4);
    stack_add_names(s, x, 3, 1);
    stack_add_to(s, iy, 5);
    stack_add_to(s, iy, 1);
    assert_int_equal(stack_total(s), 15);
    struct stack_view v;
    stack_get(s, ix, &v);
    assert_int_equal(v.count, 8);
    stack_get(s, iy, &v);
    assert_int_equal(v.count, 7);
    static const struct stack_run want[] = { { 0, 3 }, { 1, 1 }, { 0, 5 }, { 1, 6 } };
    assert_int_equal(stack_nr_runs(s), 4);
    for (size_t r = 0; r < 4; r++) {
        assert_int_equal(stack_runs(s)[r].stack_id, want[r].stack_id);
        assert_int_equal(stack_runs(s)[r].count, want[r].count);
    }
    stack_set_free(s);
}

/* Ids that were never returned change nothing. */
static void test_add_to_bad_id(void **state)
{
    (void)state;
    struct stack_set *s = stack_set_new();
    stack_record_order(s, 1);
    stack_add_to(s, 0, 7);                   /* empty set: id 0 does not exist */
    assert_int_equal(stack_total(s), 0);
    assert_int_equal(stack_nr_stacks(s), 0);
    assert_int_equal(stack_nr_runs(s), 0);
    const char *x[] = { "p", "f" };
    uint32_t id = stack_add_names(s, x, 2, 3);
    static const uint32_t bad[] = { 1, 2, 1000, UINT32_MAX - 1, UINT32_MAX };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        stack_add_to(s, id + bad[i], 5);
        assert_int_equal(stack_total(s), 3);
        assert_int_equal(stack_nr_stacks(s), 1);
        assert_int_equal(stack_nr_runs(s), 1);
        assert_int_equal(stack_runs(s)[0].count, 3);
        struct stack_view v;
        stack_get(s, id, &v);
        assert_int_equal(v.count, 3);
    }
    stack_add_to(s, id, 5);                  /* and the good one does */
    assert_int_equal(stack_total(s), 8);
    assert_int_equal(stack_runs(s)[0].count, 8);
    stack_set_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_intern),
        cmocka_unit_test(test_add_counts),
        cmocka_unit_test(test_sorted_is_c_sort),
        cmocka_unit_test(test_merge_and_runs),
        cmocka_unit_test(test_big),
        cmocka_unit_test(test_add_to_same_as_add),
        cmocka_unit_test(test_add_to_runs),
        cmocka_unit_test(test_add_to_bad_id),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
