/* test_input_perfscript.c - perf script text as input: the layouts (default
 * with and without the --header block, PID/TID with a period column, -F
 * subsets, srcline lines, no call chain), stackcollapse-perf.pl's naming
 * rules (hand-written cases, expectations worked out from its documented
 * rules), filters, and the sniffer.  The dumps under testdata/perfscript
 * are checked against collapse.py by tests/integration/perfscript.sh. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "input_perfscript.h"
#include "fold.h"

/* Folds text with o and returns the folded output (caller frees). */
static char *fold_text(const char *text, const struct ps_fold_opts *o, struct ps_fold_stats *st)
{
    struct stack_set *s = stack_set_new();
    struct sf_err err;
    struct ps_fold_opts none = { 0 };
    struct ps_fold_stats dummy;
    int rc = ps_fold("t.txt", text, strlen(text), o ? o : &none, s, st ? st : &dummy, &err);
    if (rc != 0)
        fail_msg("ps_fold: %s", err.msg);
    char *out = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&out, &len);
    assert_int_equal(fold_write(s, f, &err), 0);
    fclose(f);
    stack_set_free(s);
    return out;
}

static void check(const char *text, const struct ps_fold_opts *o, const char *want)
{
    char *got = fold_text(text, o, NULL);
    if (strcmp(got, want) != 0)
        fail_msg("got:\n%s\nwant:\n%s", got, want);
    free(got);
}

/* perf 6.1's default layout for a syscall tracepoint with a call chain */
static const char default_layout[] =
    "oracle.test 32000 [000]   447.624830:       syscalls:sys_enter_sched_getaffinity: pid: 0x00000000, len: 0x00002000\n"
    "\t           6b4b6 runtime.sched_getaffinity.abi0+0x16 (/tmp/sfrec/oracle.test)\n"
    "\t           339f7 runtime.osinit+0x17 (/tmp/sfrec/oracle.test)\n"
    "\t           67217 runtime.rt0_go.abi0+0x117 (/tmp/sfrec/oracle.test)\n"
    "\n"
    "oracle.test 32001 [001]   447.625000:                   syscalls:sys_enter_write: fd: 0x00000001\n"
    "\t          757bd syscall.Syscall6+0x5d (/tmp/sfrec/oracle.test)\n"
    "\t          90c1a os.(*File).Write+0x9a (/tmp/sfrec/oracle.test)\n"
    "\n";

static void test_default_layout(void **state)
{
    (void)state;
    check(default_layout, NULL,
          "oracle.test;os.(*File).Write;syscall.Syscall6;write 1\n"
          "oracle.test;runtime.rt0_go.abi0;runtime.osinit;runtime.sched_getaffinity.abi0;sched_getaffinity 1\n");
    struct ps_fold_opts o = { .no_leaf = 1, .with_tid = 1 };
    check(default_layout, &o,
          "oracle.test-?/32000;runtime.rt0_go.abi0;runtime.osinit;runtime.sched_getaffinity.abi0 1\n"
          "oracle.test-?/32001;os.(*File).Write;syscall.Syscall6 1\n");
}

static void test_header_block(void **state)
{
    (void)state;
    char text[4096];
    snprintf(text, sizeof(text),
             "# ========\n# captured on    : Sat Dec  5 17:17:17 2026\n# cmdline : /usr/bin/perf record -g ./x\n"
             "# ========\n#\n%s", default_layout);
    check(text, NULL,
          "oracle.test;os.(*File).Write;syscall.Syscall6;write 1\n"
          "oracle.test;runtime.rt0_go.abi0;runtime.osinit;runtime.sched_getaffinity.abi0;sched_getaffinity 1\n");
    assert_int_equal(ps_sniff((const uint8_t *)text, strlen(text)), 1);
}

/* The older layout: PID/TID and a period column; counts are periods. */
static void test_period_layout(void **state)
{
    (void)state;
    const char *text =
        "java 12688/12764 [002] 6544038.708352:     10309278 cpu-clock: \n"
        "\t    7f722d142778 Ljava/io/PrintStream;::print (/tmp/perf-12688.map)\n"
        "\t    7f722d100000 Interpreter (/tmp/perf-12688.map)\n"
        "\n"
        "java 12688/12765 [001] 6544038.718352:     5 cpu-clock: \n"
        "\t    7f722d142778 Ljava/io/PrintStream;::print (/tmp/perf-12688.map)\n"
        "\t    7f722d100000 Interpreter (/tmp/perf-12688.map)\n"
        "\n";
    struct ps_fold_opts o = { .with_pid = 1 };
    check(text, &o, "java-12688;Interpreter;java/io/PrintStream:::print;cpu-clock 10309283\n");
    /* --kernel: annotations as --all, jitted frames _[j] */
    struct ps_fold_opts k = { .kernel = 1, .no_leaf = 1 };
    check(text, &k, "java;Interpreter_[j];java/io/PrintStream:::print_[j] 10309283\n");
}

/* Kernel frames: left out, or kept with _[k] under --kernel; [vdso] is a
 * "[...]" module and gets _[k] either way; [unknown] frames are named
 * after their module. */
static void test_kernel_and_unknown(void **state)
{
    (void)state;
    const char *text =
        "V8 WorkerThread 24636/25607 [000] 94564.109216: 100 cycles: \n"
        "\tffffffff8103ce3b native_safe_halt+0x1b ([kernel.kallsyms])\n"
        "\t    7ffc12345678 __vdso_clock_gettime+0x10 ([vdso])\n"
        "\t    7f0000001000 [unknown] (/usr/lib/libfoo.so.1)\n"
        "\t    7f0000002000 [unknown] ([unknown])\n"
        "\t          401000 main (/opt/app)\n"
        "\n";
    check(text, NULL,
          "V8_WorkerThread;main;[unknown];[libfoo.so.1];__vdso_clock_gettime_[k];cycles 100\n");
    struct ps_fold_opts k = { .kernel = 1, .no_leaf = 1, .addrs = 1 };
    check(text, &k,
          "V8_WorkerThread;main;[unknown <7f0000002000>];[libfoo.so.1 <7f0000001000>];"
          "__vdso_clock_gettime_[k];native_safe_halt_[k] 100\n");
}

/* Name tidying: arguments dropped unless a Go method, ';' -> ':', quotes,
 * "(anonymous namespace)" kept, "->" inline notation, and lines whose
 * symbol starts with '(' skipped (the Perl's "process names"). */
static void test_tidy(void **state)
{
    (void)state;
    const char *text =
        "app 7 [000] 1.000001: syscalls:sys_enter_read: fd: 0x3\n"
        "\t    1 foo(int, char const*) (/a)\n"
        "\t    2 net/http.(*Client).Do+0x10 (/a)\n"
        "\t    3 ns::(anonymous namespace)::bar(int) (/a)\n"
        "\t    4 RegExp:[&<>\"'] (/a)\n"
        "\t    5 a;b (/a)\n"
        "\t    6 outer->inner (/a)\n"
        "\t    7 (app) (/a)\n"
        "\n";
    check(text, NULL,
          "app;outer;inner_[i];a:b;RegExp:[&<>];ns::(anonymous namespace)::bar;net/http.(*Client).Do;foo;read 1\n");
}

/* -F subsets: no dso, no cpu/time/event (no leaf then); srcline lines. */
static void test_field_subsets(void **state)
{
    (void)state;
    const char *no_dso =
        "oracle.test 32000 \n"
        "\t           6b445 runtime.settls.abi0\n"
        "\t           671b7 runtime.rt0_go.abi0\n"
        "\n";
    check(no_dso, NULL, "oracle.test;runtime.rt0_go.abi0;runtime.settls.abi0 1\n");
    assert_int_equal(ps_sniff((const uint8_t *)no_dso, strlen(no_dso)), 1);
    const char *srcline =
        "oracle.test 32000/32000   447.624052:              syscalls:sys_enter_arch_prctl: \n"
        "\t           6b445 runtime.settls.abi0 (/tmp/sfrec/oracle.test)\n"
        "  go.go:0\n"
        "\t           671b7 runtime.rt0_go.abi0 (/tmp/sfrec/oracle.test)\n"
        "  libc-2.33.so[27b25]\n"
        "\n";
    struct ps_fold_stats st;
    char *got = fold_text(srcline, NULL, &st);
    assert_string_equal(got, "oracle.test;runtime.rt0_go.abi0;runtime.settls.abi0;arch_prctl 1\n");
    assert_int_equal(st.unrecognized, 0);
    free(got);
}

/* Without call chains: one (padded) header line per sample, no blank lines. */
static void test_no_callchain(void **state)
{
    (void)state;
    const char *text =
        "     oracle.test   617 [000]   461.666819: syscalls:sys_enter_openat: dfd: 0xffffff9c\n"
        "     oracle.test   617 [001]   461.810488:  syscalls:sys_enter_prctl: option: 0x5f5f0001\n"
        "     oracle.test   652 [001]   461.820583:  syscalls:sys_enter_prctl: option: 0x5f5f0003\n";
    struct ps_fold_stats st;
    char *got = fold_text(text, NULL, &st);
    assert_string_equal(got, "oracle.test;openat 1\noracle.test;prctl 2\n");
    assert_int_equal(st.samples, 3);
    assert_int_equal(st.with_frames, 0);
    free(got);
    assert_int_equal(ps_sniff((const uint8_t *)text, strlen(text)), 1);
}

/* Filters, and sys_exit samples left out unless --event names them. */
static void test_filters(void **state)
{
    (void)state;
    const char *text =
        "a 1/2 [000] 1.000001: syscalls:sys_enter_read: fd: 0x3\n"
        "\t    1 f (/a)\n\n"
        "b 3/4 [000] 1.000002: syscalls:sys_enter_write: fd: 0x3\n"
        "\t    1 g (/b)\n\n"
        "b 3/4 [000] 1.000003: syscalls:sys_exit_write: 0x1\n"
        "\t    1 g (/b)\n\n";
    struct ps_fold_stats st;
    char *got = fold_text(text, NULL, &st);
    assert_string_equal(got, "a;f;read 1\nb;g;write 1\n");
    assert_int_equal(st.exits_skipped, 1);
    free(got);
    const char *comm[] = { "b" };
    struct ps_fold_opts o = { .comms = comm, .nr_comms = 1 };
    check(text, &o, "b;g;write 1\n");
    const char *pid[] = { "1" };
    struct ps_fold_opts p = { .pids = pid, .nr_pids = 1 };
    check(text, &p, "a;f;read 1\n");
    const char *ev[] = { "sys_exit_write" };
    struct ps_fold_opts e = { .events = ev, .nr_events = 1 };
    check(text, &e, "b;g;syscalls:sys_exit_write 1\n");
    const char *sc[] = { "read" };
    struct ps_fold_opts s = { .syscalls = sc, .nr_syscalls = 1 };
    check(text, &s, "a;f;read 1\n");
}

/* Lines that are nothing perf prints are counted, not fatal. */
static void test_unrecognized(void **state)
{
    (void)state;
    const char *text =
        "a 1 [000] 1.000001: syscalls:sys_enter_read: fd: 0x3\n"
        "\t    1 f (/a)\n"
        "\n"
        "   ??? garbage\n"
        "\n";
    struct ps_fold_stats st;
    char *got = fold_text(text, NULL, &st);
    assert_string_equal(got, "a;f;read 1\n");
    assert_int_equal(st.unrecognized, 1);
    assert_int_equal(st.first_unrecognized, 4);
    free(got);
}

/* Streaming: the text fed in chunks of every size folds the same. */
static void test_chunks(void **state)
{
    (void)state;
    char *want = fold_text(default_layout, NULL, NULL);
    size_t len = strlen(default_layout);
    for (size_t chunk = 1; chunk <= 64; chunk *= 3) {
        struct stack_set *s = stack_set_new();
        struct ps_fold_opts o = { 0 };
        struct sf_err err;
        struct ps_folder *f = ps_folder_new("t.txt", &o, s);
        for (size_t i = 0; i < len; i += chunk)
            assert_int_equal(ps_folder_feed(f, default_layout + i, SF_MIN(chunk, len - i), &err), 0);
        struct ps_fold_stats st;
        assert_int_equal(ps_folder_finish(f, &st, &err), 0);
        ps_folder_free(f);
        assert_int_equal(st.samples, 2);
        char *got = NULL;
        size_t glen = 0;
        FILE *out = open_memstream(&got, &glen);
        assert_int_equal(fold_write(s, out, &err), 0);
        fclose(out);
        assert_string_equal(got, want);
        free(got);
        stack_set_free(s);
    }
    free(want);
}

static void test_sniff(void **state)
{
    (void)state;
    const char *folded = "main;foo;bar 12\nmain;foo 3\n";
    assert_int_equal(ps_sniff((const uint8_t *)folded, strlen(folded)), 0);
    const char *diff2 = "main;foo 12 14\n";
    assert_int_equal(ps_sniff((const uint8_t *)diff2, strlen(diff2)), 0);
    assert_int_equal(ps_sniff((const uint8_t *)default_layout, strlen(default_layout)), 1);
    assert_int_equal(ps_sniff((const uint8_t *)"PERFILE2\0\0", 10), 0);
    assert_int_equal(ps_sniff((const uint8_t *)"", 0), 0);
    const char *prose = "hello world\nthis is not perf\n";
    assert_int_equal(ps_sniff((const uint8_t *)prose, strlen(prose)), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_default_layout),
        cmocka_unit_test(test_header_block),
        cmocka_unit_test(test_period_layout),
        cmocka_unit_test(test_kernel_and_unknown),
        cmocka_unit_test(test_tidy),
        cmocka_unit_test(test_field_subsets),
        cmocka_unit_test(test_no_callchain),
        cmocka_unit_test(test_filters),
        cmocka_unit_test(test_unrecognized),
        cmocka_unit_test(test_chunks),
        cmocka_unit_test(test_sniff),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
