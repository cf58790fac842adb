/* test_callchain.c - the call-graph mode of real captures (dwarf, -g,
 * none), and callchain_resolve on hand-made results: frames that are not
 * from a chain are left alone, a chain's leaf is looked up as is and the
 * stop becomes root, a capture without a chain gets its ip as the one
 * frame.  Naming against perf is tests/integration/fp-vs-perf.sh. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "callchain.h"
#include "event.h"
#include "testutil.h"

static enum callchain_mode mode_of(const char *rel)
{
    struct pd_file *pd;
    struct sf_err err;
    if (pd_open(testdata_path(rel), &pd, &err) < 0)
        fail_msg("%s", err.msg);
    enum callchain_mode m = callchain_mode_of(pd);
    pd_close(pd);
    return m;
}

static void test_modes(void **state)
{
    (void)state;
    assert_int_equal(mode_of("rec/go-oracle.data"), CALLCHAIN_DWARF);
    assert_int_equal(mode_of("rec/cprog-fp.data"), CALLCHAIN_DWARF);
    assert_int_equal(mode_of("rec/go-oracle-fp.data"), CALLCHAIN_FP);
    assert_int_equal(mode_of("rec/cprog-fp-fp.data"), CALLCHAIN_FP);
    assert_int_equal(mode_of("rec/go-nocg.data"), CALLCHAIN_NONE);
    assert_string_equal(callchain_mode_name(CALLCHAIN_FP), "fp");
    assert_string_equal(callchain_mode_name(CALLCHAIN_NONE), "none");
    assert_non_null(strstr(callchain_mode_meaning(CALLCHAIN_NONE), "--call-graph dwarf"));
}

static void test_resolve(void **state)
{
    (void)state;
    struct callchain_ctx *c = callchain_ctx_new(NULL);
    struct pd_attr attr = { .sample_type = PD_S_IP | PD_S_CALLCHAIN };
    struct ev_sample s = { .attr = &attr, .ip = 0x401000 };
    struct sess_sample ss = { .sample = &s };
    struct unwind_result res = { 0 };
    struct callchain_stats st = { 0 };

    /* an unwound stack: not ours */
    res.frames = calloc(4, sizeof(*res.frames));
    res.cap = 4;
    res.nr = 1;
    res.frames[0] = (struct unwind_frame){ .pc = 0x401000, .how = UNWIND_HOW_IP };
    res.stop = UNWIND_STOP_ROOT;
    assert_int_equal(callchain_resolve(c, &ss, &res, &st), 0);
    assert_int_equal(res.nr, 1);

    /* a chain (no mappings known): the leaf is looked up as is */
    res.nr = 2;
    res.frames[0] = (struct unwind_frame){ .pc = 0x401000, .how = UNWIND_HOW_CALLCHAIN, .is_return = 1 };
    res.frames[1] = (struct unwind_frame){ .pc = 0x402000, .how = UNWIND_HOW_CALLCHAIN, .is_return = 1 };
    res.stop = UNWIND_STOP_NO_REGS;
    assert_int_equal(callchain_resolve(c, &ss, &res, &st), 1);
    assert_int_equal(res.frames[0].how, UNWIND_HOW_IP);
    assert_int_equal(res.frames[1].how, UNWIND_HOW_CALLCHAIN);
    assert_int_equal(res.stop, UNWIND_STOP_UNKNOWN_PC);   /* nothing mapped */
    assert_false(callchain_is_gap(&res.frames[1]));

    /* no chain at all: the ip is the one frame, the stop stays no-regs */
    attr.sample_type = PD_S_IP;
    res.nr = 0;
    res.stop = UNWIND_STOP_NO_REGS;
    assert_int_equal(callchain_resolve(c, &ss, &res, &st), 1);
    assert_int_equal(res.nr, 1);
    assert_int_equal(res.frames[0].pc, 0x401000);
    assert_int_equal(res.frames[0].how, UNWIND_HOW_IP);
    assert_int_equal(res.stop, UNWIND_STOP_NO_REGS);
    assert_int_equal(st.samples, 2);
    assert_int_equal(st.gaps, 0);

    /* a kernel ip without a chain gives no user frame */
    res.nr = 0;
    s.ip = 0xffffffff81000000ull;
    assert_int_equal(callchain_resolve(c, &ss, &res, &st), 0);
    assert_int_equal(res.nr, 0);
    free(res.frames);
    callchain_ctx_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_modes),
        cmocka_unit_test(test_resolve),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
