/* test_profile.c - the pipeline driver on generated captures: what its
 * caches may share between samples and what they must not.  The truth is
 * built into each capture: which thread ran which code, and how often. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pdgen.h"
#include "perfdata.h"
#include "profile.h"
#include "stack.h"

/* Writes the image to a temporary file and loads it with `jobs` workers;
 * returns the folded lines as "name;name;... count\n", sorted. */
static char *fold_of(const uint8_t *img, size_t len, int jobs, int with_tid)
{
    char path[] = "/tmp/sysflame-test-profile-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, img, len), (ssize_t)len);
    close(fd);
    struct profile_opts o = PROFILE_OPTS_INIT;
    o.jobs = jobs;
    o.quiet = 1;
    o.with_tid = with_tid;
    struct profile p;
    struct sf_err err = { { 0 } };
    const char *paths[] = { path };
    assert_int_equal(profile_load(paths, 1, &o, &p, &err), 0);
    unlink(path);
    size_t cap = 4096, used = 0;
    char *out = calloc(1, cap);
    const uint32_t *order = stack_sorted(p.stacks);
    for (size_t i = 0; i < stack_nr_stacks(p.stacks); i++) {
        struct stack_view v;
        stack_get(p.stacks, order[i], &v);
        for (uint32_t k = 0; k < v.nr; k++)
            used += (size_t)snprintf(out + used, cap - used, "%s%s", k ? ";" : "",
                                     stack_name(p.stacks, v.frames[k]));
        used += (size_t)snprintf(out + used, cap - used, " %llu\n",
                                 (unsigned long long)v.count);
        assert_true(used < cap - 256);
    }
    profile_release(&p);
    return out;
}

/* Two threads with different names run the very same code (same ip, same
 * mapping): their samples unwind to the same frames, so the per-worker
 * memo shares the symbolized frames, but the stacks must stay apart,
 * each under its own thread name, with its own count. */
static void test_same_frames_two_comms(void **state)
{
    (void)state;
    struct pdgen *g = pdgen_new(0);
    uint64_t ids[] = { 7 };
    struct pdgen_attr a = {
        .type = 1, .config = 0, .sample_period = 1,
        .sample_type = PD_S_IP | PD_S_TID | PD_S_TIME | PD_S_ID | PD_S_CALLCHAIN,
        .sample_id_all = 1, .ids = ids, .nr_ids = 1,
    };
    pdgen_add_attr(g, &a);
    struct pdgen_sample idn = { .pid = 10, .tid = 10, .time = 1, .id = 7 };
    pdgen_comm(g, 0, 10, 10, "alpha", 1, &idn);
    idn.tid = 11;
    idn.time = 2;
    pdgen_comm(g, 0, 10, 11, "beta", 0, &idn);
    /* 7 samples on alpha, 3 on beta, interleaved, all with one user
     * call chain (perf's user-context marker, then two pcs) */
    static const uint64_t chain[] = { (uint64_t)-512, 0x401000, 0x402000 };
    for (int i = 0; i < 10; i++) {
        struct pdgen_sample s = { .ip = 0x401000, .pid = 10,
                                  .tid = (i % 3 == 2) ? 11 : 10,
                                  .time = 10 + (uint64_t)i, .id = 7,
                                  .callchain = chain, .nr_callchain = 3 };
        pdgen_sample(g, 0, &s);
    }
    size_t len;
    uint8_t *img = pdgen_finish(g, &len);
    pdgen_free(g);
    for (int jobs = 1; jobs <= 3; jobs += 2) {
        char *f = fold_of(img, len, jobs, 0);
        /* no mapping for the pcs: [unknown] frames, leaf the event name */
        assert_string_equal(f, "alpha;[unknown];[unknown];cpu-clock 7\n"
                               "beta;[unknown];[unknown];cpu-clock 3\n");
        free(f);
        /* per-thread prefixes: same split */
        f = fold_of(img, len, jobs, 1);
        assert_string_equal(f, "alpha-10/10;[unknown];[unknown];cpu-clock 7\n"
                               "beta-10/11;[unknown];[unknown];cpu-clock 3\n");
        free(f);
    }
    free(img);
}

/* One thread, one call chain, two events: the leaf (event name) is part of
 * what the caches key on, so the two events' stacks stay apart. */
static void test_same_frames_two_events(void **state)
{
    (void)state;
    struct pdgen *g = pdgen_new(0);
    uint64_t ids0[] = { 7 }, ids1[] = { 8 };
    struct pdgen_attr a = {
        .type = 1, .config = 0, .sample_period = 1,
        .sample_type = PD_S_IP | PD_S_TID | PD_S_TIME | PD_S_ID | PD_S_CALLCHAIN,
        .sample_id_all = 1, .ids = ids0, .nr_ids = 1,
    };
    pdgen_add_attr(g, &a);              /* cpu-clock */
    a.config = 2;
    a.ids = ids1;
    pdgen_add_attr(g, &a);              /* page-faults */
    struct pdgen_sample idn = { .pid = 10, .tid = 10, .time = 1, .id = 7 };
    pdgen_comm(g, 0, 10, 10, "gamma", 1, &idn);
    static const uint64_t chain[] = { (uint64_t)-512, 0x401000 };
    for (int i = 0; i < 9; i++) {
        struct pdgen_sample s = { .ip = 0x401000, .pid = 10, .tid = 10,
                                  .time = 10 + (uint64_t)i, .id = (i % 3) ? 7 : 8,
                                  .callchain = chain, .nr_callchain = 2 };
        pdgen_sample(g, (i % 3) ? 0 : 1, &s);
    }
    size_t len;
    uint8_t *img = pdgen_finish(g, &len);
    pdgen_free(g);
    for (int jobs = 1; jobs <= 3; jobs += 2) {
        char *f = fold_of(img, len, jobs, 0);
        assert_string_equal(f, "gamma;[unknown];cpu-clock 6\n"
                               "gamma;[unknown];page-faults 3\n");
        free(f);
    }
    free(img);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_same_frames_two_comms),
        cmocka_unit_test(test_same_frames_two_events),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
