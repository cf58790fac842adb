/* test_record.c - the JSON reader, record's helpers (times, go test flags,
 * names, perf arguments) and a record folder read back (capdir): test
 * windows placed from the test binary's own writes in a synthetic capture,
 * from go's event times when no write matches, overlaps of parallel tests. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "capdir.h"
#include "json.h"
#include "pdgen.h"
#include "perfdata.h"
#include "record.h"

static void test_json(void **state)
{
    (void)state;
    const char *text = " {\"a\": [1, -2.5e1, true, false, null], \"s\": \"x\\n\\u00e9\\ud83d\\ude00\\\"\","
                       " \"o\": {\"k\": \"v\"}, \"a\": 2} ";
    struct json j;
    struct sf_err err = { { 0 } };
    assert_int_equal(json_parse(text, strlen(text), &j, &err), 0);
    const struct json *a = json_get(&j, "a");     /* the first of two */
    assert_non_null(a);
    assert_int_equal(a->type, JSON_ARRAY);
    assert_int_equal(a->n, 5);
    double d;
    assert_int_equal(json_num(&a->items[1], &d), 0);
    assert_true(d == -25.0);
    assert_int_equal(a->items[2].type, JSON_BOOL);
    assert_int_equal(a->items[2].boolean, 1);
    assert_int_equal(a->items[4].type, JSON_NULL);
    assert_string_equal(json_str(json_get(&j, "s")), "x\n\xc3\xa9\xf0\x9f\x98\x80\"");
    assert_string_equal(json_str(json_get(json_get(&j, "o"), "k")), "v");
    assert_null(json_get(&j, "missing"));
    assert_null(json_str(a));
    assert_int_equal(json_num(NULL, &d), -1);
    json_release(&j);

    static const struct { const char *text, *msg; } bad[] = {
        { "{\"a\": 1,\n \"b\" 2}", "line 2: expected ':'" },
        { "[1, 2", "line 1: expected ',' or ']' (the text ends there)" },
        { "\"abc", "line 1: unterminated string (the text ends there)" },
        { "{} x", "line 1: text after the value" },
        { "[01]", "line 1: bad number" },
        { "\"\\q\"", "line 1: bad escape in string" },
        { "tru", "line 1: unexpected word" },
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        err.msg[0] = 0;
        assert_int_equal(json_parse(bad[i].text, strlen(bad[i].text), &j, &err), -1);
        assert_string_equal(err.msg, bad[i].msg);
    }
    char deep[200];
    memset(deep, '[', sizeof(deep));
    assert_int_equal(json_parse(deep, sizeof(deep), &j, &err), -1);
    assert_non_null(strstr(err.msg, "nested too deeply"));
}

static void test_time(void **state)
{
    (void)state;
    int64_t ns;
    /* 2026-12-05T17:17:48Z is 1796491068 s after the epoch (Python's
     * datetime says so) */
    assert_int_equal(record_parse_time("2026-12-05T17:17:48.367416362Z", &ns), 0);
    assert_true(ns == 1796491068LL * 1000000000LL + 367416362);
    assert_int_equal(record_parse_time("2026-12-05T18:17:48.5+01:00", &ns), 0);
    assert_true(ns == 1796491068LL * 1000000000LL + 500000000);
    assert_int_equal(record_parse_time("1970-01-01T00:00:00Z", &ns), 0);
    assert_true(ns == 0);
    assert_int_equal(record_parse_time("2026-12-05 17:17:48", &ns), -1);
    assert_int_equal(record_parse_time("2026-13-05T17:17:48Z", &ns), -1);
    assert_int_equal(record_parse_time("2026-12-05T17:17:48.Z", &ns), -1);
}

static void test_go_flags(void **state)
{
    (void)state;
    char *a1[] = { "go", "test", "-v", "-c=false", "./...", "-args", "-exec", "-c", NULL };
    struct go_test_flags f;
    assert_true(record_is_go_test(a1, 8));
    record_go_test_flags(a1, 8, &f);
    assert_int_equal(f.has_exec, 0);     /* after -args: the binary's */
    assert_int_equal(f.compile_only, 0);
    char *a2[] = { "/usr/lib/go-1.19/bin/go", "test", "--exec=x", "-c", NULL };
    assert_true(record_is_go_test(a2, 4));
    record_go_test_flags(a2, 4, &f);
    assert_int_equal(f.has_exec, 1);
    assert_int_equal(f.compile_only, 1);
    char *a3[] = { "gopher", "test", NULL };
    assert_false(record_is_go_test(a3, 2));
    char *a4[] = { "go", "vet", NULL };
    assert_false(record_is_go_test(a4, 2));
}

static void test_names(void **state)
{
    (void)state;
    char *s = record_folder_name("/tmp/go-build1/b001/my pkg.test");
    assert_string_equal(s, "my_pkg");
    free(s);
    s = record_folder_name(".test");
    assert_string_equal(s, "program");
    free(s);
    s = record_folder_name("/bin/true");
    assert_string_equal(s, "true");
    free(s);
    s = record_exec_quote("/opt/it's/sysflame");
    assert_string_equal(s, "\"/opt/it's/sysflame\"");
    free(s);
    assert_null(record_exec_quote("/a'b\"c"));

    struct record_opts o = RECORD_OPTS_INIT;
    o.latency = 1;
    o.compress = 0;
    struct argvec a = { 0 };
    record_perf_args(&o, "perf", "out.data", &a);
    struct sbuf sb = SBUF_INIT;
    for (size_t i = 0; i < a.n; i++)
        sbuf_addf(&sb, "%s%s", i ? " " : "", a.v[i]);
    assert_string_equal(sbuf_str(&sb), "perf record -q --no-bpf-event -k mono -e "
                        "syscalls:sys_enter_* -e syscalls:sys_exit_* -g "
                        "--call-graph=dwarf,8192 -m8192 -o out.data --");
    assert_null(a.v[a.n]);
    sbuf_release(&sb);
    argvec_release(&a);

    struct go_event ev;
    const char *line = "{\"Time\":\"2026-12-05T17:17:48.1Z\",\"Action\":\"pass\","
                       "\"Package\":\"m/a\",\"Test\":\"TestX\",\"Elapsed\":0.2}";
    assert_int_equal(record_go_event_parse(line, strlen(line), &ev), 0);
    assert_string_equal(ev.action, "pass");
    assert_string_equal(ev.package, "m/a");
    assert_string_equal(ev.test, "TestX");
    assert_null(ev.output);
    assert_true(ev.elapsed == 0.2);
    assert_true(ev.time_ns == 1796491068LL * 1000000000LL + 100000000);
    record_go_event_release(&ev);
    assert_int_equal(record_go_event_parse("# not json", 10, &ev), -1);
    assert_int_equal(record_go_event_parse("{\"Test\":\"x\"}", 12, &ev), -1);
}

/* go test 1.19's own output of one test file, run with and without -v
 * (q.test -test.v=true / q.test): a passing test with a log line, a failed
 * parent with a failed and a passed subtest, a skipped test, a failed test. */
static const char quiet_v[] =
    "=== RUN   TestA\n"
    "    q_test.go:3: log of passing\n"
    "--- PASS: TestA (0.00s)\n"
    "=== RUN   TestB\n"
    "=== RUN   TestB/sub\n"
    "    q_test.go:5: boom\n"
    "=== RUN   TestB/ok\n"
    "    q_test.go:6: fine\n"
    "=== CONT  TestB\n"
    "    q_test.go:7: parent log\n"
    "--- FAIL: TestB (0.00s)\n"
    "    --- FAIL: TestB/sub (0.00s)\n"
    "    --- PASS: TestB/ok (0.00s)\n"
    "=== RUN   TestC\n"
    "    q_test.go:9: skipping\n"
    "--- SKIP: TestC (0.00s)\n"
    "=== RUN   TestD\n"
    "    q_test.go:10: direct\n"
    "--- FAIL: TestD (0.00s)\n"
    "FAIL\n";
static const char quiet_nonv[] =
    "--- FAIL: TestB (0.00s)\n"
    "    --- FAIL: TestB/sub (0.00s)\n"
    "        q_test.go:5: boom\n"
    "    q_test.go:7: parent log\n"
    "--- FAIL: TestD (0.00s)\n"
    "    q_test.go:10: direct\n"
    "FAIL\n";

static void test_quiet(void **state)
{
    (void)state;
    struct record_quiet *q = record_quiet_new();
    struct sbuf out = SBUF_INIT;
    for (const char *s = quiet_v; *s; ) {
        const char *nl = strchr(s, '\n');
        size_t n = nl ? (size_t)(nl - s + 1) : strlen(s);
        record_quiet_line(q, s, n, &out);
        s += n;
    }
    record_quiet_end(q, &out);
    assert_string_equal(sbuf_str(&out), quiet_nonv);
    /* parallel tests, and a test that never ends (a crash) */
    sbuf_reset(&out);
    static const char *const lines[] = {
        "=== RUN   TestP\n", "=== PAUSE TestP\n", "=== RUN   TestQ\n", "=== PAUSE TestQ\n",
        "=== CONT  TestP\n", "=== CONT  TestQ\n", "    q_test.go:3: q says\n",
        "--- FAIL: TestQ (0.06s)\n", "=== CONT  TestP\n", "    q_test.go:2: p says\n",
        "--- PASS: TestP (0.06s)\n", "=== RUN   TestCrash\n", "panic: boom\n",
    };
    for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
        record_quiet_line(q, lines[i], strlen(lines[i]), &out);
    record_quiet_end(q, &out);
    assert_string_equal(sbuf_str(&out), "--- FAIL: TestQ (0.06s)\n    q_test.go:3: q says\n"
                                        "panic: boom\n");
    sbuf_release(&out);
    record_quiet_free(q);
    char *va[] = { "-test.paniconexit0", "-test.v=true" }, *vb[] = { "-test.v=false" },
         *vc[] = { "-test.timeout=1m" };
    assert_true(record_args_verbose(va, 2));
    assert_false(record_args_verbose(vb, 1));
    assert_false(record_args_verbose(vc, 1));
}

/* ---- a record folder ---- */

static char dir[256];

static void write_text(const char *name, const char *text)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void add_write(struct pdgen *g, uint32_t pid, uint64_t time, uint64_t fd, uint64_t count)
{
    uint8_t raw[40];
    memset(raw, 0, sizeof(raw));
    uint64_t nr = 1;
    memcpy(raw + 8, &nr, 4);
    memcpy(raw + 16, &fd, 8);
    memcpy(raw + 32, &count, 8);
    struct pdgen_sample s = { .pid = pid, .tid = pid, .time = time, .id = 7,
                              .raw = raw, .raw_size = sizeof(raw) };
    pdgen_sample(g, 0, &s);
}

/* Lines of the binary's output, with their event times (realtime s). */
static const char *const events_text =
    "{\"Time\":\"2026-12-05T17:17:48.000000000Z\",\"Action\":\"run\",\"Package\":\"m/p\",\"Test\":\"TestA\"}\n"
    "{\"Time\":\"2026-12-05T17:17:48.000000000Z\",\"Action\":\"output\",\"Package\":\"m/p\",\"Test\":\"TestA\",\"Output\":\"=== RUN   TestA\\n\"}\n"
    "{\"Time\":\"2026-12-05T17:17:48.100000000Z\",\"Action\":\"output\",\"Package\":\"m/p\",\"Test\":\"TestA\",\"Output\":\"--- PASS: TestA (0.20s)\\n\"}\n"
    "{\"Time\":\"2026-12-05T17:17:48.100000000Z\",\"Action\":\"pass\",\"Package\":\"m/p\",\"Test\":\"TestA\",\"Elapsed\":0.2}\n"
    "{\"Time\":\"2026-12-05T17:17:49.000000000Z\",\"Action\":\"run\",\"Package\":\"m/p\",\"Test\":\"TestP\"}\n"
    "{\"Time\":\"2026-12-05T17:17:49.000000000Z\",\"Action\":\"output\",\"Package\":\"m/p\",\"Test\":\"TestP\",\"Output\":\"=== RUN   TestP\\n\"}\n"
    "{\"Time\":\"2026-12-05T17:17:49.000000000Z\",\"Action\":\"output\",\"Package\":\"m/p\",\"Test\":\"TestQ\",\"Output\":\"=== RUN   TestQ\\n\"}\n"
    "{\"Time\":\"2026-12-05T17:17:49.000000000Z\",\"Action\":\"run\",\"Package\":\"m/p\",\"Test\":\"TestQ\"}\n"
    "{\"Time\":\"2026-12-05T17:17:49.500000000Z\",\"Action\":\"output\",\"Package\":\"m/p\",\"Test\":\"TestQ\",\"Output\":\"--- FAIL: TestQ (0.50s)\\n\"}\n"
    "{\"Time\":\"2026-12-05T17:17:49.500000000Z\",\"Action\":\"fail\",\"Package\":\"m/p\",\"Test\":\"TestQ\",\"Elapsed\":0.5}\n"
    "{\"Time\":\"2026-12-05T17:17:49.600000000Z\",\"Action\":\"output\",\"Package\":\"m/p\",\"Test\":\"TestP\",\"Output\":\"--- PASS: TestP (0.60s)\\n\"}\n"
    "{\"Time\":\"2026-12-05T17:17:49.600000000Z\",\"Action\":\"pass\",\"Package\":\"m/p\",\"Test\":\"TestP\",\"Elapsed\":0.6}\n"
    "{\"Time\":\"2026-12-05T17:17:50.000000000Z\",\"Action\":\"output\",\"Package\":\"m/p\",\"Output\":\"ok  \\tm/p\\t2.0s\\n\"}\n";

static void test_capdir(void **state)
{
    (void)state;
    const char *base = getenv("TMPDIR");
    snprintf(dir, sizeof(dir), "%s/test_record.XXXXXX", base && *base ? base : "/tmp");
    assert_non_null(mkdtemp(dir));
    char sub[512];
    snprintf(sub, sizeof(sub), "%s/p", dir);
    assert_int_equal(mkdir(sub, 0755), 0);

    /* The capture: TestA's lines written at 1.0 s and 1.2 s (capture clock),
     * TestP and TestQ's RUN lines in one write (so no write starts at
     * TestQ's line: its start comes from go's event time), writes to other
     * fds and by another process in between. */
    struct pdgen *g = pdgen_new(0);
    uint64_t ids[] = { 7 };
    struct pdgen_attr at = { .type = 2, .config = 1,
        .sample_type = PD_S_TID | PD_S_TIME | PD_S_ID | PD_S_RAW,
        .sample_id_all = 1, .name = "syscalls:sys_enter_write", .ids = ids, .nr_ids = 1 };
    pdgen_add_attr(g, &at);
    struct pdgen_sample s0 = { .pid = 10, .tid = 10, .time = 1, .id = 7 };
    pdgen_comm(g, 0, 10, 10, "p.test", 1, &s0);
    const uint64_t S = 1000000000ULL;
    add_write(g, 10, 1 * S, 1, 16);               /* === RUN   TestA */
    add_write(g, 10, 1 * S + 50, 7, 99);          /* another fd */
    add_write(g, 11, 1 * S + 60, 1, 5);           /* another process */
    add_write(g, 10, 1 * S + 200000000, 1, 24);   /* --- PASS: TestA */
    add_write(g, 10, 2 * S, 2, 32);               /* both RUN lines */
    add_write(g, 10, 2 * S + 400000000, 1, 24);   /* --- FAIL: TestQ */
    add_write(g, 10, 2 * S + 600000000, 1, 24);   /* --- PASS: TestP */
    size_t len;
    uint8_t *img = pdgen_finish(g, &len);
    pdgen_free(g);
    char path[512];
    snprintf(path, sizeof(path), "%s/p/perf.data", dir);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    fwrite(img, 1, len, f);
    fclose(f);
    free(img);

    write_text("p/events.json", events_text);
    write_text("p/p.test", "not really a binary");
    /* realtime 17:17:48.000 = capture time 1.0 s: shift by 1 s */
    char manifest[1024];
    snprintf(manifest, sizeof(manifest),
             "{\"format\": \"sysflame-record\", \"version\": 1, \"go\": \"go1.19\",\n"
             " \"packages\": [{\"name\": \"p\", \"package\": \"m/p\", \"capture\": \"p/perf.data\",\n"
             "   \"binary\": \"p/p.test\", \"events\": \"p/events.json\", \"exit_status\": 1,\n"
             "   \"clock\": {\"realtime_ns\": %lld, \"monotonic_ns\": 1000000000}}]}\n",
             1796491068LL * 1000000000LL);
    write_text("manifest.json", manifest);

    assert_true(capdir_is(dir));
    assert_false(capdir_is(sub));
    struct capdir cd;
    struct sf_err err = { { 0 } };
    assert_int_equal(capdir_open(dir, &cd, &err), 0);
    assert_int_equal(cd.nr_pkgs, 1);
    struct capdir_pkg *p = &cd.pkgs[0];
    assert_string_equal(p->package, "m/p");
    assert_int_equal(p->exit_status, 1);
    assert_int_equal(capdir_load_tests(p, &err), 0);
    assert_int_equal(p->nr_tests, 3);
    assert_int_equal(p->pid, 10);   /* the process that exec'd p.test */
    const struct capdir_test *a = &p->tests[0], *tp = &p->tests[1], *tq = &p->tests[2];
    assert_string_equal(a->name, "TestA");
    assert_string_equal(a->result, "pass");
    assert_true(a->elapsed_s == 0.2);
    assert_true(a->start == 1 * S && a->end == 1 * S + 200000000);
    assert_int_equal(a->window_exact, 1);
    assert_int_equal(a->overlaps, 0);
    /* its two writes and the one to fd 7; not the other process's */
    assert_int_equal(a->in_window, 3);
    /* TestP: RUN at the shared write (2 s), PASS at 2.6 s: exact */
    assert_string_equal(tp->name, "TestP");
    assert_true(tp->start == 2 * S && tp->end == 2 * S + 600000000);
    assert_int_equal(tp->window_exact, 1);
    /* TestQ: no write starts at its RUN line: go's time 17:17:49.000 ->
     * 2.0 s; its end from the write at 2.4 s; not exact */
    assert_string_equal(tq->result, "fail");
    assert_true(tq->start == 2 * S && tq->end == 2 * S + 400000000);
    assert_int_equal(tq->window_exact, 0);
    assert_int_equal(tp->overlaps, 1);
    assert_int_equal(tq->overlaps, 1);
    assert_int_equal(tp->in_window, 3);
    assert_int_equal(tq->in_window, 2);
    assert_ptr_equal(capdir_test_at(p, 1 * S + 5), a);
    assert_null(capdir_test_at(p, 1 * S + 300000000));
    assert_ptr_equal(capdir_test_at(p, 2 * S + 500000000), tp);
    capdir_release(&cd);

    /* a manifest whose paths leave the folder is refused */
    write_text("manifest.json", "{\"format\": \"sysflame-record\", \"packages\": "
               "[{\"name\": \"p\", \"capture\": \"../etc/x\"}]}");
    assert_int_equal(capdir_open(dir, &cd, &err), -1);
    assert_non_null(strstr(err.msg, "no name or capture inside the folder"));
    write_text("manifest.json", "{\"format\": \"other\"}");
    assert_int_equal(capdir_open(dir, &cd, &err), -1);
    assert_non_null(strstr(err.msg, "not a sysflame record manifest"));

    struct sf_err rerr = { { 0 } };
    assert_int_equal(record_remove_tree(dir, &rerr), 0);
    assert_false(capdir_is(dir));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_json),
        cmocka_unit_test(test_time),
        cmocka_unit_test(test_go_flags),
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_quiet),
        cmocka_unit_test(test_capdir),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
