/* test_options.c - the shared option parser: values are validated with the
 * contract's messages, lists split on commas, repeated options accumulate. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "options.h"
#include "testutil.h"

static void test_jobs_and_format(void **state)
{
    (void)state;
    struct common_opts co;
    struct sf_err err = { { 0 } };
    common_opts_init(&co);
    assert_int_equal(options_common('j', "2", &co, &err), 1);
    assert_int_equal(co.prof.jobs, 2);
    assert_int_equal(options_common('j', "0", &co, &err), -1);
    assert_string_equal(err.msg, "--jobs: '0' is not a number from 1 to 1024");
    assert_int_equal(options_common('j', "-3", &co, &err), -1);
    assert_int_equal(options_common('j', "2x", &co, &err), -1);
    assert_int_equal(options_common('j', "99999", &co, &err), -1);
    assert_int_equal(options_common(OPT_FORMAT, "json", &co, &err), 1);
    assert_int_equal(co.format, FORMAT_JSON);
    assert_int_equal(options_common(OPT_FORMAT, "md", &co, &err), 1);
    assert_int_equal(co.format, FORMAT_MD);
    assert_int_equal(options_common(OPT_FORMAT, "yaml", &co, &err), -1);
    assert_string_equal(err.msg, "--format: 'yaml' is not one of text, md, csv, json");
    assert_int_equal(options_common(9999, "x", &co, &err), 0);   /* not a common option */
    common_opts_release(&co);
}

static void test_filters(void **state)
{
    (void)state;
    struct common_opts co;
    struct sf_err err = { { 0 } };
    common_opts_init(&co);
    assert_int_equal(options_common(OPT_COMM, "a.test,,b.test", &co, &err), 1);
    assert_int_equal(options_common(OPT_COMM, "c", &co, &err), 1);
    assert_int_equal(co.prof.comms.n, 3);
    assert_true(strlist_has(&co.prof.comms, "b.test"));
    assert_false(strlist_has(&co.prof.comms, ""));
    assert_int_equal(options_common(OPT_PID, "12,34", &co, &err), 1);
    assert_int_equal(co.prof.pids.n, 2);
    assert_int_equal(options_common(OPT_TID, "12,x", &co, &err), -1);
    assert_string_equal(err.msg, "--tid: 'x' is not a process or thread id");
    assert_int_equal(options_common(OPT_SYSCALL, "write,openat", &co, &err), 1);
    assert_true(strlist_has(&co.prof.syscalls, "openat"));
    /* --binary must name an ELF file: a typo is a usage error */
    assert_int_equal(options_common(OPT_BINARY, "/a/x.test", &co, &err), -1);
    assert_string_equal(err.msg, "'/a/x.test': No such file or directory (--binary)");
    char *x = strdup(testdata_path("bin/oracle.test")), *y = strdup(testdata_path("bin/cgo"));
    assert_int_equal(options_common(OPT_BINARY, testdata_path("README"), &co, &err), -1);
    assert_non_null(strstr(err.msg, "README': not an ELF file (--binary)"));
    assert_int_equal(options_common(OPT_BINARY, x, &co, &err), 1);
    assert_int_equal(options_common(OPT_BINARY, y, &co, &err), 1);
    assert_int_equal(co.prof.bin.nr_binaries, 2);
    assert_string_equal(co.prof.bin.binaries[1], y);
    assert_string_equal(co.prof.bin.binaries[0], x);
    assert_int_equal(options_common(OPT_NO_INLINE, NULL, &co, &err), 1);
    assert_int_equal(co.prof.no_inline, 1);
    common_opts_release(&co);
    free(x);
    free(y);
}

static void test_parse_uint(void **state)
{
    (void)state;
    unsigned long long v;
    assert_int_equal(options_parse_uint("42", 100, &v), 0);
    assert_int_equal(v, 42);
    assert_int_equal(options_parse_uint("101", 100, &v), -1);
    assert_int_equal(options_parse_uint("", 100, &v), -1);
    assert_int_equal(options_parse_uint("+1", 100, &v), -1);
    assert_int_equal(options_parse_uint("99999999999999999999999", ~0ULL, &v), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_jobs_and_format),
        cmocka_unit_test(test_filters),
        cmocka_unit_test(test_parse_uint),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
