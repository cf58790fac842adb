/* test_pool.c - the worker pool: every index of a batch is run exactly
 * once, whatever the number of threads, batch after batch, and a pool
 * stopped and started again (once per capture) runs its batches as the
 * first time (it once kept the stop flag and hung: issue 14). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pool.h"

#define NR 1000

struct counts {
    int runs[NR];
    int by_worker[8];
};

static void run(void *arg, int worker, size_t job)
{
    struct counts *c = arg;
    __atomic_add_fetch(&c->runs[job], 1, __ATOMIC_RELAXED);
    __atomic_add_fetch(&c->by_worker[worker], 1, __ATOMIC_RELAXED);
}

/* Batches of every size up to NR: each index once, none past the batch. */
static void batches(struct pool *p, struct counts *c)
{
    for (size_t n = 0; n <= NR; n += n < 16 ? 1 : 97) {
        memset(c->runs, 0, sizeof(c->runs));
        pool_dispatch(p, n);
        pool_finish(p);
        for (size_t i = 0; i < NR; i++)
            assert_int_equal(c->runs[i], i < n ? 1 : 0);
    }
}

static void test_every_index_once(void **state)
{
    (void)state;
    for (int threads = 1; threads <= 4; threads++) {
        struct pool p;
        memset(&p, 0, sizeof(p));
        struct counts c;
        memset(&c, 0, sizeof(c));
        pool_start(&p, threads, run, &c);
        assert_int_equal(p.nr_threads, threads);
        batches(&p, &c);
        pool_set_spin(&p, 1);     /* the spinning waits, too */
        batches(&p, &c);
        pool_stop(&p);
    }
}

/* Started again after a stop: the new threads take part, nothing hangs
 * (the alarm ends a hung run). */
static void test_restart(void **state)
{
    (void)state;
    struct pool p;
    memset(&p, 0, sizeof(p));
    struct counts c;
    memset(&c, 0, sizeof(c));
    alarm(60);
    for (int round = 0; round < 5; round++) {
        pool_start(&p, 3, run, &c);
        assert_int_equal(p.nr_threads, 3);
        batches(&p, &c);
        pool_stop(&p);
    }
    alarm(0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_index_once),
        cmocka_unit_test(test_restart),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
