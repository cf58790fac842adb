/* test_table.c - `top` over a hand-built profile (folded text with the
 * frames real Go test binaries produce).  Every expected number below was
 * counted by hand from the FOLDED text; the comments show the sums. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fold.h"
#include "input_folded.h"
#include "table.h"

#define GOW "os.(*File).Write;internal/poll.(*FD).Write;internal/poll.ignoringEINTRIO;" \
            "syscall.Write;syscall.write;syscall.Syscall;runtime/internal/syscall.Syscall6;write"

static const char FOLDED[] =
    "iox.test;runtime.goexit;testing.tRunner;iox.TestWrite;" GOW " 50\n"
    "iox.test;runtime.goexit;testing.tRunner;iox.TestWrite.func1;iox.writeAll;" GOW " 30\n"
    "iox.test;runtime.goexit;iox.TestWrite.func1.2;os.Getpid;syscall.Getpid;"
        "syscall.RawSyscallNoError;getpid 3\n"
    "iox.test;runtime.goexit;testing.tRunner;iox.TestOpen;os.Open;os.OpenFile;"
        "os.openFileNolog;syscall.Open;syscall.openat;syscall.Syscall6;"
        "runtime/internal/syscall.Syscall6;openat 10\n"
    "iox.test;runtime.goexit;testing.(*B).runN;iox.BenchmarkRead;os.ReadFile;"
        "os.(*File).Read;os.(*File).read;internal/poll.(*FD).Read;"
        "internal/poll.ignoringEINTRIO;syscall.Read;syscall.read;syscall.Syscall;"
        "runtime/internal/syscall.Syscall6;read 8\n"
    "iox.test;runtime.goexit;runtime.main;main.main;testing.(*M).Run;" GOW " 6\n"
    "iox.test;runtime.goexit;runtime.main;runtime.doInit1;iox.init.0;os.Getwd;"
        "syscall.Getcwd;syscall.Syscall;runtime/internal/syscall.Syscall6;getcwd 1\n"
    "iox.test;runtime.mstart;runtime.sysmon;runtime.usleep;nanosleep 5\n"
    "iox.test;runtime.goexit;runtime.gcBgMarkWorker;runtime.gcDrain;"
        "runtime.futexwakeup;runtime.futex;futex 3\n"
    "iox.test;runtime.mstart;runtime.mstart1;runtime.schedule;runtime.findRunnable;"
        "runtime.stopm;runtime.mPark;runtime.notesleep;runtime.futexsleep;runtime.futex;futex 7\n"
    "iox.test;runtime.mstart;runtime.mstart1;runtime.schedule;runtime.findRunnable;"
        "runtime.netpoll;runtime.epollwait;epoll_pwait 4\n"
    "iox.test;runtime.rt0_go;runtime.schedinit;runtime.mallocinit;runtime.sysReserveOS;"
        "runtime.mmap;runtime.sysMmap;mmap 2\n"
    "iox.test;_start;_dl_start;_dl_sysdep_start;_dl_map_object;__GI___open64_nocancel;openat 4\n";
/* totals: write 50+30+6=86, openat 10+4=14, futex 3+7=10, read 8,
 * nanosleep 5, epoll_pwait 4, getpid 3, mmap 2, getcwd 1; all 133 */

static void load(struct profile *p, const char *text)
{
    struct sf_err err;
    memset(p, 0, sizeof(*p));
    p->stacks = stack_set_new();
    assert_int_equal(fold_parse("t.folded", text, strlen(text), p->stacks, &err), 0);
    p->total = stack_total(p->stacks);
}

static char *run_top(const struct profile *p, const struct top_opts *o, enum writer_format fmt)
{
    char *buf = NULL;
    size_t len = 0;
    struct sf_err err;
    FILE *f = open_memstream(&buf, &len);
    struct writer *w = writer_new(f, fmt);
    assert_int_equal(top_write(p, o, w, &err), 0);
    assert_int_equal(writer_free(w, &err), 0);
    fclose(f);
    return buf;
}

static void test_syscalls_csv(void **state)
{
    (void)state;
    struct profile p;
    load(&p, FOLDED);
    assert_int_equal(p.total, 133);
    p.duration_s = 2.0;
    p.has_capture = 1;
    struct top_opts o = TOP_OPTS_INIT;
    o.tables = TOP_SYSCALLS;
    char *s = run_top(&p, &o, WRITER_CSV);
    /* share = count/133 (4 decimals), rate = count/2 s */
    assert_string_equal(s,
        "key,value\r\n"
        "total,133\r\n"
        "lost,0\r\n"
        "duration_s,2.000\r\n"
        "\r\n"
        "name,count,share,rate_per_s\r\n"
        "write,86,0.6466,43.0\r\n"
        "openat,14,0.1053,7.0\r\n"
        "futex,10,0.0752,5.0\r\n"
        "read,8,0.0602,4.0\r\n"
        "nanosleep,5,0.0376,2.5\r\n"
        "epoll_pwait,4,0.0301,2.0\r\n"
        "getpid,3,0.0226,1.5\r\n"
        "mmap,2,0.0150,1.0\r\n"
        "getcwd,1,0.0075,0.5\r\n");
    free(s);
    /* --sort name --limit 3 */
    o.sort = TOP_SORT_NAME;
    o.limit = 3;
    s = run_top(&p, &o, WRITER_CSV);
    assert_non_null(strstr(s, "name,count,share,rate_per_s\r\n"
                              "epoll_pwait,4,0.0301,2.0\r\n"
                              "futex,10,0.0752,5.0\r\n"
                              "getcwd,1,0.0075,0.5\r\n"));
    assert_null(strstr(s, "getpid"));
    free(s);
    stack_set_free(p.stacks);
}

static void test_callsites(void **state)
{
    (void)state;
    struct profile p;
    load(&p, FOLDED);
    struct top_opts o = TOP_OPTS_INIT;
    o.tables = TOP_CALLSITES;
    char *s = run_top(&p, &o, WRITER_CSV);
    char *t = strstr(s, "name,syscall,count,share\r\n");
    assert_non_null(t);
    assert_string_equal(t,
        "name,syscall,count,share\r\n"
        "os.(*File).Write,write,86,0.6466\r\n"      /* 50 + 30 + 6 */
        "os.openFileNolog,openat,10,0.0752\r\n"
        "os.(*File).Read,read,8,0.0602\r\n"
        "runtime.futexsleep,futex,7,0.0526\r\n"
        "runtime.sysmon,nanosleep,5,0.0376\r\n"     /* runtime.usleep is a stub */
        "_dl_map_object,openat,4,0.0301\r\n"        /* __GI___open64_nocancel */
        "runtime.netpoll,epoll_pwait,4,0.0301\r\n"
        "os.Getpid,getpid,3,0.0226\r\n"
        "runtime.futexwakeup,futex,3,0.0226\r\n"
        "runtime.mallocinit,mmap,2,0.0150\r\n"      /* sysMmap, mmap, sysReserveOS */
        "os.Getwd,getcwd,1,0.0075\r\n");
    free(s);
    stack_set_free(p.stacks);
}

static void test_tests_table(void **state)
{
    (void)state;
    struct profile p;
    load(&p, FOLDED);
    struct top_opts o = TOP_OPTS_INIT;
    o.tables = TOP_TESTS | TOP_SUBTESTS;
    char *s = run_top(&p, &o, WRITER_CSV);
    char *t = strstr(s, "name,kind,count,share,top_syscall\r\n");
    assert_non_null(t);
    assert_string_equal(t,
        "name,kind,count,share,top_syscall\r\n"
        "iox.TestWrite,test,83,0.6241,write\r\n"   /* 50 + 30 + 3 */
        "iox.TestOpen,test,10,0.0752,openat\r\n"
        "iox.BenchmarkRead,benchmark,8,0.0602,read\r\n"
        "[runtime: scheduler],runtime,7,0.0526,futex\r\n"
        "[startup],startup,7,0.0526,openat\r\n"     /* 2 + 4 + 1 */
        "[testing],testing,6,0.0451,write\r\n"
        "[runtime: sysmon],runtime,5,0.0376,nanosleep\r\n"
        "[runtime: netpoller],runtime,4,0.0301,epoll_pwait\r\n"
        "[runtime: GC],runtime,3,0.0226,futex\r\n"
        "\r\n"
        "name,test,count,share\r\n"
        "iox.TestWrite.func1,iox.TestWrite,30,0.2256\r\n");  /* not func1.2: a go closure */
    free(s);
    stack_set_free(p.stacks);
}

/* Rows of their own: a subtest by the closure t.Run ran (nested ones too,
 * closures run otherwise are no subtests), signal returns, missing
 * binaries and stacks cut short (issue 14 point 3, issue 15 point 6). */
static void test_rows_of_their_own(void **state)
{
    (void)state;
    struct profile p;
    load(&p,
         "x.test;runtime.goexit;testing.tRunner;x.TestSub.func2.1;os.Getpid;getpid 9\n"
         "x.test;runtime.goexit;testing.tRunner;x.TestSub.func2;x.TestSub.func2.2;getpid 1\n"
         "x.test;runtime.goexit;testing.tRunner;x.TestSub;x.TestSub.func3;getpid 1\n"
         "x.test;runtime.goexit;net/http.(*conn).serve;x.TestHTTP.func1;os.Getpid;getpid 2\n"
         "x.test;runtime.goexit;time.goFunc;x.TestHTTP.func2;os.Getpid;getpid 1\n"
         "x.test;runtime.goexit;testing.(*B).runN;x.BenchmarkR.func1;os.Getpid;getpid 3\n"
         "x.test;[binary missing: x.test];write 8\n"
         "x.test;[truncated];runtime.mallocgc;runtime.sysMmap;mmap 7\n"
         "x.test;[truncated];x.TestDeep.func1;os.Getpid;getpid 2\n"
         "x.test;[caller not proven];c_helper;rt_sigaction 6\n"
         "x.test;__restore_rt;rt_sigreturn 5\n"
         "x.test;runtime.goexit;runtime.sigreturn__sigaction;rt_sigreturn 4\n"
         "x.test;runtime.clone;gettid 2\n");
    struct top_opts o = TOP_OPTS_INIT;
    o.tables = TOP_TESTS | TOP_SUBTESTS;
    char *s = run_top(&p, &o, WRITER_CSV);
    char *t = strstr(s, "name,kind,count,share,top_syscall\r\n");
    assert_non_null(t);
    assert_string_equal(t,
        "name,kind,count,share,top_syscall\r\n"
        "x.TestSub,test,11,0.2157,getpid\r\n"         /* 9 + 1 + 1, of 51 */
        "[runtime: signal return],runtime,9,0.1765,rt_sigreturn\r\n"
        "[binary missing: x.test],missing,8,0.1569,write\r\n"
        "[truncated],other,7,0.1373,mmap\r\n"
        "[caller not proven],other,6,0.1176,rt_sigaction\r\n"
        "x.BenchmarkR,benchmark,3,0.0588,getpid\r\n"
        "x.TestHTTP,test,3,0.0588,getpid\r\n"
        "[runtime: scheduler],runtime,2,0.0392,gettid\r\n"  /* a new M */
        "x.TestDeep,test,2,0.0392,getpid\r\n"
        "\r\n"
        "name,test,count,share\r\n"
        "x.TestSub.func2.1,x.TestSub,9,0.1765\r\n"
        "x.BenchmarkR.func1,x.BenchmarkR,3,0.0588\r\n"
        "x.TestSub.func2,x.TestSub,1,0.0196\r\n");
    free(s);
    stack_set_free(p.stacks);
}

/* runtime/cgo's helpers are the runtime's own C code (issue 15 point 4):
 * placed by their Go callers, or by the helper when the walk stopped in it,
 * or by the [startup] mark (a sample before the first thread); only the
 * program's C code is cgo. */
static void test_runtime_cgo_helpers(void **state)
{
    (void)state;
    struct profile p;
    load(&p,
         "c;[caller not proven];x_cgo_sigaction;__GI___libc_sigaction;rt_sigaction 5\n"
         "c;runtime.callCgoSigaction;x_cgo_sigaction;__GI___libc_sigaction;rt_sigaction 4\n"
         "c;runtime.asmcgocall;_cgo_sys_thread_start;__pthread_create_2_1;clone3;clone3 6\n"
         "c;clone3;start_thread;threadentry;__GI___libc_free;mmap 2\n"
         "c;runtime.asmcgocall;c_write;__GI___libc_write;write 7\n"
         "c;runtime.rt0_go;runtime.schedinit;runtime.mmap;runtime.callCgoMmap;x_cgo_mmap;mmap 3\n"
         "c;runtime.rt0_go;x_cgo_init;__brk;brk 1\n"
         "c;runtime.systemstack;runtime.(*mheap).grow;runtime.callCgoMmap;x_cgo_mmap;mmap 2\n"
         /* the same helper before the process's first thread: start-up */
         "c;[startup];[caller not proven];x_cgo_sigaction;__GI___libc_sigaction;rt_sigaction 10\n");
    struct top_opts o = TOP_OPTS_INIT;
    o.tables = TOP_TESTS;
    char *s = run_top(&p, &o, WRITER_CSV);
    char *t = strstr(s, "name,kind,count,share,top_syscall\r\n");
    assert_non_null(t);
    assert_string_equal(t,
        "name,kind,count,share,top_syscall\r\n"
        "[startup],startup,14,0.3500,rt_sigaction\r\n"
        "[runtime: signal handlers],runtime,9,0.2250,rt_sigaction\r\n"
        "[runtime: scheduler],runtime,8,0.2000,clone3\r\n"
        "[cgo/C],cgo,7,0.1750,write\r\n"
        "[runtime: memory],runtime,2,0.0500,mmap\r\n");
    free(s);
    stack_set_free(p.stacks);
}

static void test_test_frame_names(void **state)
{
    (void)state;
    struct sbuf t = SBUF_INIT, c = SBUF_INIT;
    assert_int_equal(table_test_frame("github.com/a/b.v2/pkg.TestFoo.func1.2", &t, &c), ATTR_TEST);
    assert_string_equal(sbuf_str(&t), "github.com/a/b.v2/pkg.TestFoo");
    assert_string_equal(sbuf_str(&c), "github.com/a/b.v2/pkg.TestFoo.func1");
    assert_int_equal(table_test_frame("pkg.BenchmarkX", &t, &c), ATTR_BENCHMARK);
    assert_string_equal(sbuf_str(&c), "");
    assert_int_equal(table_test_frame("pkg.FuzzParse.func1", &t, &c), ATTR_FUZZ);
    assert_int_equal(table_test_frame("pkg.Test", &t, &c), ATTR_TEST);
    assert_int_equal(table_test_frame("pkg.(*Suite).TestLogin", &t, &c), ATTR_TEST);
    assert_string_equal(sbuf_str(&t), "pkg.(*Suite).TestLogin");
    /* not tests: lowercase after the prefix, the testing package, methods */
    assert_int_equal(table_test_frame("pkg.Testing", &t, &c), -1);
    assert_int_equal(table_test_frame("testing.Benchmark", &t, &c), -1);
    assert_int_equal(table_test_frame("testing.tRunner", &t, &c), -1);
    assert_int_equal(table_test_frame("os.(*File).Write", &t, &c), -1);
    assert_int_equal(table_test_frame("TestFoo", &t, &c), -1);
    sbuf_release(&t);
    sbuf_release(&c);
}

static void test_wrappers(void **state)
{
    (void)state;
    assert_true(table_is_syscall_wrapper("__GI___libc_write", "write"));
    assert_true(table_is_syscall_wrapper("__libc_write", "write"));
    assert_true(table_is_syscall_wrapper("write", "write"));
    assert_true(table_is_syscall_wrapper("syscall", "futex"));
    assert_true(table_is_syscall_wrapper("__syscall_cancel_arch", "read"));
    assert_true(table_is_syscall_wrapper("__pread64", "pread64"));
    assert_true(table_is_syscall_wrapper("__open64_nocancel", "openat"));
    assert_true(table_is_syscall_wrapper("internal/runtime/syscall.Syscall6", "write"));
    assert_true(table_is_syscall_wrapper("golang.org/x/sys/unix.Syscall", "ioctl"));
    assert_true(table_is_syscall_wrapper("runtime.futex", "futex"));
    assert_true(table_is_syscall_wrapper("do_syscall_64_[k]", "write"));
    assert_false(table_is_syscall_wrapper("write", "read"));
    assert_false(table_is_syscall_wrapper("main", "write"));
    assert_false(table_is_syscall_wrapper("runtime.futexsleep", "futex"));
    assert_false(table_is_syscall_wrapper("os.(*File).Write", "write"));
    assert_false(table_is_syscall_wrapper("fwrite", "write"));
}

static void test_latency_and_threads(void **state)
{
    (void)state;
    struct profile p;
    load(&p, "a;x;write 5\nb;y;read 2\n");
    uint64_t lat[] = { 4000, 1000, 100000, 3000, 2000 };
    struct syscall_stat st[2];
    memset(st, 0, sizeof(st));
    st[0].name = "write";
    st[0].count = 5;
    st[0].exits = 5;
    st[0].errors = 1;
    st[0].lat_total_ns = 110000;
    st[0].lat_max_ns = 100000;
    st[0].lat_ns = lat;
    st[0].nr_lat = 5;
    st[1].name = "read";
    st[1].count = 2;
    p.syscalls = st;
    p.nr_syscalls = 2;
    struct thread_stat th[] = { { 10, 11, "b", 2 }, { 10, 10, "a", 5 } };
    p.threads = th;
    p.nr_threads = 2;
    struct top_opts o = TOP_OPTS_INIT;
    o.tables = TOP_SYSCALLS | TOP_THREADS;
    char *s = run_top(&p, &o, WRITER_CSV);
    /* mean 110000/5 ns = 22 us; nearest-rank p50 = 3rd of 5 sorted = 3 us,
     * p99 = 5th = 100 us; no duration: rate empty */
    assert_non_null(strstr(s,
        "name,count,share,rate_per_s,exits,errors,lat_total_us,lat_mean_us,lat_p50_us,lat_p99_us,lat_max_us\r\n"
        "write,5,0.7143,,5,1,110.0,22.00,3.00,100.00,100.00\r\n"
        "read,2,0.2857,,0,0,,,,,\r\n"));
    assert_non_null(strstr(s, "name,pid,tid,count,share\r\n"
                              "a,10,10,5,0.7143\r\n"
                              "b,10,11,2,0.2857\r\n"));
    free(s);
    assert_int_equal(lat[0], 4000);   /* the profile's array is not sorted in place */
    stack_set_free(p.stacks);
}

static void test_json_and_stacks(void **state)
{
    (void)state;
    struct profile p;
    load(&p, FOLDED);
    struct top_opts o = TOP_OPTS_INIT;
    o.stacks = 2;
    o.limit = 1;
    char *s = run_top(&p, &o, WRITER_JSON);
    /* the contract's keys, in order */
    const char *keys[] = { "\"total\": 133", "\"lost\": 0", "\"duration_s\": null",
                           "\"syscalls\": [", "\"callsites\": [", "\"tests\": [",
                           "\"subtests\": [", "\"threads\": [", "\"stacks\": [" };
    const char *at = s;
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
        const char *k = strstr(at, keys[i]);
        assert_non_null(k);
        at = k;
    }
    assert_non_null(strstr(s, "\"stack\": \"iox.test;runtime.goexit;testing.tRunner;iox.TestWrite;" GOW "\",\n"
                              "      \"count\": 50"));
    assert_non_null(strstr(s, "\"count\": 30"));   /* second heaviest */
    free(s);
    stack_set_free(p.stacks);
}

static void test_md_hostile_names(void **state)
{
    (void)state;
    struct profile p;
    load(&p, "x|y;pkg.Test<b>One;evil`|*_ 3\n");
    struct top_opts o = TOP_OPTS_INIT;
    char *s = run_top(&p, &o, WRITER_MD);
    assert_null(strstr(s, "<b>"));
    assert_null(strstr(s, "evil`"));
    assert_non_null(strstr(s, "| evil\\`\\|\\*\\_ | 3 |"));
    assert_non_null(strstr(s, "| pkg.Test&lt;b&gt;One | test | 3 |"));
    free(s);
    stack_set_free(p.stacks);
}

static void test_percentile_and_sort_parse(void **state)
{
    (void)state;
    uint64_t v[] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 };
    assert_int_equal(top_percentile(v, 10, 0.5), 5);
    assert_int_equal(top_percentile(v, 10, 0.99), 10);
    assert_int_equal(top_percentile(v, 10, 0.0), 1);
    assert_int_equal(top_percentile(v, 0, 0.5), 0);
    enum top_sort k;
    assert_int_equal(top_sort_parse("p99", &k), 0);
    assert_int_equal(k, TOP_SORT_P99);
    assert_int_equal(top_sort_parse("bogus", &k), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_syscalls_csv),
        cmocka_unit_test(test_callsites),
        cmocka_unit_test(test_tests_table),
        cmocka_unit_test(test_rows_of_their_own),
        cmocka_unit_test(test_runtime_cgo_helpers),
        cmocka_unit_test(test_test_frame_names),
        cmocka_unit_test(test_wrappers),
        cmocka_unit_test(test_latency_and_threads),
        cmocka_unit_test(test_json_and_stacks),
        cmocka_unit_test(test_md_hostile_names),
        cmocka_unit_test(test_percentile_and_sort_parse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
