/* test_diff.c - delta tables, Welch's t-test, --fail-if and the
 * differential flame graph on hand-built profiles.  Known answers:
 * p-values of the t distribution from closed forms (df 1: P(|T|>1) = 1/2;
 * df 2: P(|T|>t) = 1 - t/sqrt(2+t^2)) and from numerical integration of the
 * t density in Python (values quoted below); delta rows counted by hand. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diff.h"
#include "fold.h"
#include "input_folded.h"

static void load(struct profile *p, const char *text)
{
    struct sf_err err;
    memset(p, 0, sizeof(*p));
    p->stacks = stack_set_new();
    assert_int_equal(fold_parse("t.folded", text, strlen(text), p->stacks, &err), 0);
    p->total = stack_total(p->stacks);
}

#define NEAR(a, b, eps) assert_true(fabs((a) - (b)) <= (eps))

static void test_t_distribution(void **state)
{
    (void)state;
    NEAR(diff_t_two_sided(1.0, 1.0), 0.5, 1e-12);
    NEAR(diff_t_two_sided(2.0, 2.0), 1.0 - 2.0 / sqrt(6.0), 1e-12);
    NEAR(diff_t_two_sided(0.0, 7.0), 1.0, 1e-12);
    /* large df tends to the normal: P(|Z| > 1.959964) = 0.05 */
    NEAR(diff_t_two_sided(1.959964, 1e7), 0.05, 1e-5);
}

static void test_welch(void **state)
{
    (void)state;
    struct welch w;
    double m, s;
    double b[] = { 10, 12, 14 }, a[] = { 20, 22, 24 };
    diff_mean_sd(b, 3, &m, &s);
    NEAR(m, 12, 1e-12);
    NEAR(s, 2, 1e-12);
    diff_mean_sd(a, 3, &m, &s);
    NEAR(m, 22, 1e-12);
    /* se^2 = 4/3 + 4/3; t = 10 / sqrt(8/3) = 6.1237; df = 4;
     * p = 0.0036022 (numerical integration of the t density) */
    assert_int_equal(diff_welch(12, 2, 3, 22, 2, 3, &w), 0);
    NEAR(w.t, 6.123724357, 1e-8);
    NEAR(w.df, 4.0, 1e-12);
    NEAR(w.p, 0.0036022326, 1e-8);
    /* unequal sizes and spreads: before {100,104,98,101,97},
     * after {110,108,115,109}: t = 5.305557, df = 6.113469, p = 0.00171655 */
    double b2[] = { 100, 104, 98, 101, 97 }, a2[] = { 110, 108, 115, 109 };
    double mb, sb, ma, sa;
    diff_mean_sd(b2, 5, &mb, &sb);
    diff_mean_sd(a2, 4, &ma, &sa);
    assert_int_equal(diff_welch(mb, sb, 5, ma, sa, 4, &w), 0);
    NEAR(w.t, 5.305557103, 1e-8);
    NEAR(w.df, 6.113468635, 1e-8);
    NEAR(w.p, 0.0017165495, 1e-8);
    /* no spread */
    assert_int_equal(diff_welch(5, 0, 3, 5, 0, 3, &w), 0);
    NEAR(w.p, 1.0, 0);
    assert_int_equal(diff_welch(5, 0, 3, 6, 0, 3, &w), 0);
    NEAR(w.p, 0.0, 0);
    /* one run: no test */
    assert_int_equal(diff_welch(5, NAN, 1, 6, 1, 3, &w), -1);
    assert_true(isnan(w.p));
}

static const struct diff_row *row(const struct diff_table *t, const char *name, const char *sub)
{
    for (size_t i = 0; i < t->n; i++)
        if (!strcmp(t->v[i].name, name) &&
            (!sub || (t->v[i].sub && !strcmp(t->v[i].sub, sub))))
            return &t->v[i];
    return NULL;
}

static const char BEFORE[] =
    "x.test;runtime.goexit;pkg.TestA;os.(*File).Write;syscall.write;write 100\n"
    "x.test;runtime.goexit;pkg.TestA;os.Open;syscall.openat;openat 20\n"
    "x.test;runtime.mstart;runtime.sysmon;runtime.usleep;nanosleep 30\n";
static const char AFTER[] =
    "x.test;runtime.goexit;pkg.TestA;os.(*File).Write;syscall.write;write 120\n"
    "x.test;runtime.goexit;pkg.TestB;os.ReadFile;syscall.read;read 10\n"
    "x.test;runtime.mstart;runtime.sysmon;runtime.usleep;nanosleep 30\n";

static void test_single_pair(void **state)
{
    (void)state;
    struct profile pb, pa;
    struct diff d;
    struct sf_err err;
    load(&pb, BEFORE);
    load(&pa, AFTER);
    const struct profile *b[] = { &pb }, *a[] = { &pa };
    assert_int_equal(diff_build(b, 1, a, 1, NULL, &d, &err), 0);
    NEAR(d.total.before, 150, 0);
    NEAR(d.total.after, 160, 0);
    assert_int_equal(d.syscalls.n, 4);
    /* sorted by |delta|: write +20, openat -20 (name order), read +10, nanosleep 0 */
    assert_string_equal(d.syscalls.v[0].name, "openat");
    assert_string_equal(d.syscalls.v[1].name, "write");
    assert_string_equal(d.syscalls.v[2].name, "read");
    assert_string_equal(d.syscalls.v[3].name, "nanosleep");
    const struct diff_row *r = row(&d.syscalls, "write", NULL);
    NEAR(r->delta, 20, 0);
    NEAR(r->ratio, 1.2, 1e-12);
    assert_int_equal(r->significant, -1);
    r = row(&d.syscalls, "read", NULL);
    assert_true(isinf(r->ratio));
    r = row(&d.syscalls, "openat", NULL);
    NEAR(r->ratio, 0, 0);
    r = row(&d.callsites, "os.(*File).Write", "write");
    assert_non_null(r);
    NEAR(r->delta, 20, 0);
    r = row(&d.tests, "pkg.TestA", NULL);
    NEAR(r->before, 120, 0);                   /* 100 + 20 */
    NEAR(r->after, 120, 0);
    r = row(&d.tests, "pkg.TestB", NULL);
    NEAR(r->after, 10, 0);
    r = row(&d.tests, ATTR_SYSMON, NULL);
    NEAR(r->delta, 0, 0);

    /* JSON: the contract's keys and integer counts */
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    struct writer *w = writer_new(f, WRITER_JSON);
    assert_int_equal(diff_write_tables(&d, 0, w, &err), 0);
    writer_free(w, &err);
    fclose(f);
    assert_non_null(strstr(buf, "\"before_total\": 150,\n  \"after_total\": 160,"));
    assert_non_null(strstr(buf, "{\n      \"name\": \"write\",\n      \"before\": 100,\n"
                                "      \"after\": 120,\n      \"delta\": 20,\n"
                                "      \"ratio\": 1.2\n    }"));
    assert_non_null(strstr(buf, "\"name\": \"read\",\n      \"before\": 0,\n      \"after\": 10,\n"
                                "      \"delta\": 10,\n      \"ratio\": null"));
    assert_non_null(strstr(buf, "\"callsites\": ["));
    assert_non_null(strstr(buf, "\"tests\": ["));
    free(buf);

    /* --fail-if */
    struct diff_conds c = { NULL, 0 };
    struct sbuf why = SBUF_INIT;
    assert_int_equal(diff_cond_parse("write>+20%", &c, &err), 0);
    assert_int_equal(diff_cond_eval(&c, &d, &why), 0);     /* exactly +20%: not more */
    diff_conds_release(&c);
    assert_int_equal(diff_cond_parse("write>=+20%", &c, &err), 0);
    assert_int_equal(diff_cond_eval(&c, &d, &why), 1);
    assert_string_equal(sbuf_str(&why), "write>=+20%: 100 -> 120 (+20.0%)\n");
    diff_conds_release(&c);
    sbuf_reset(&why);
    assert_int_equal(diff_cond_parse("total>+10%, openat>+5,read>5", &c, &err), 0);
    assert_int_equal(c.n, 3);
    assert_int_equal(diff_cond_eval(&c, &d, &why), 1);     /* read +10 > 5 */
    assert_string_equal(sbuf_str(&why), "read>5: 0 -> 10 (+10)\n");
    diff_conds_release(&c);
    sbuf_reset(&why);
    assert_int_equal(diff_cond_parse("openat<-50%,test:pkg.TestB>+0%,callsite:os.Open<=-20", &c, &err), 0);
    assert_int_equal(diff_cond_eval(&c, &d, &why), 1);
    assert_string_equal(sbuf_str(&why),
        "openat<-50%: 20 -> 0 (-100.0%)\n"
        "test:pkg.TestB>+0%: 0 -> 10 (new)\n"
        "callsite:os.Open<=-20: 20 -> 0 (-20)\n");
    diff_conds_release(&c);
    sbuf_release(&why);

    diff_release(&d);
    stack_set_free(pb.stacks);
    stack_set_free(pa.stacks);
}

static void test_fail_if_parse_errors(void **state)
{
    (void)state;
    const char *bad[] = {
        "", "write", "write>", ">+5", "write>+", "write>+5%%", "write>0x10",
        "write>inf", "write>nan", "write=5", "write>+5,", ",write>5", "write>5 x",
        "wr ite>5", "write>+.5", "write>5.",
    };
    struct sf_err err;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct diff_conds c = { NULL, 0 };
        err.msg[0] = '\0';
        if (diff_cond_parse(bad[i], &c, &err) != -1)
            fail_msg("accepted '%s'", bad[i]);
        assert_non_null(strstr(err.msg, "--fail-if"));
        diff_conds_release(&c);
    }
}

/* Three runs per side: write grows for real (10,12,14 -> 20,22,24), read
 * only jitters (5,7,6 -> 6,5,7). */
static void test_batches(void **state)
{
    (void)state;
    static const int wb[] = { 10, 12, 14 }, wa[] = { 20, 22, 24 };
    static const int rb[] = { 5, 7, 6 }, ra[] = { 6, 5, 7 };
    struct profile pb[3], pa[3];
    const struct profile *b[3], *a[3];
    char text[256];
    for (int i = 0; i < 3; i++) {
        snprintf(text, sizeof(text), "t;main.f;write %d\nt;main.g;read %d\n", wb[i], rb[i]);
        load(&pb[i], text);
        snprintf(text, sizeof(text), "t;main.f;write %d\nt;main.g;read %d\n", wa[i], ra[i]);
        load(&pa[i], text);
        b[i] = &pb[i];
        a[i] = &pa[i];
    }
    struct diff d;
    struct sf_err err;
    assert_int_equal(diff_build(b, 3, a, 3, NULL, &d, &err), 0);
    const struct diff_row *r = row(&d.syscalls, "write", NULL);
    NEAR(r->before, 12, 1e-12);
    NEAR(r->after, 22, 1e-12);
    NEAR(r->sd_before, 2, 1e-12);
    NEAR(r->p, 0.0036022326, 1e-8);
    assert_int_equal(r->significant, 1);
    r = row(&d.syscalls, "read", NULL);
    NEAR(r->delta, 0, 1e-12);
    NEAR(r->p, 1.0, 1e-12);
    assert_int_equal(r->significant, 0);
    /* CSV shows the spread columns and a yes/no verdict */
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    struct writer *w = writer_new(f, WRITER_CSV);
    assert_int_equal(diff_write_tables(&d, 0, w, &err), 0);
    writer_free(w, &err);
    fclose(f);
    assert_non_null(strstr(buf, "name,before,after,delta,ratio,sd_before,sd_after,p,significant\r\n"
                                "write,12.0,22.0,10.0,1.83,2.0,2.0,0.0036,yes\r\n"
                                "read,6.0,6.0,0.0,1.00,1.0,1.0,1.0000,no\r\n"));
    free(buf);
    diff_release(&d);
    for (int i = 0; i < 3; i++) {
        stack_set_free(pb[i].stacks);
        stack_set_free(pa[i].stacks);
    }
}

static void test_normalize(void **state)
{
    (void)state;
    struct profile pb, pa;
    struct diff d;
    struct sf_err err;
    load(&pb, "t;f;write 50\nt;g;read 50\n");
    load(&pa, "t;f;write 100\nt;g;read 60\nt;h;openat 40\n");
    const struct profile *b[] = { &pb }, *a[] = { &pa };
    struct diff_opts o = DIFF_OPTS_INIT;
    o.normalize = 1;
    assert_int_equal(diff_build(b, 1, a, 1, &o, &d, &err), 0);
    /* after scaled by 100/200 */
    NEAR(d.total.after, 100, 1e-12);
    NEAR(row(&d.syscalls, "write", NULL)->ratio, 1.0, 1e-12);
    NEAR(row(&d.syscalls, "read", NULL)->delta, -20, 1e-12);
    NEAR(row(&d.syscalls, "openat", NULL)->after, 20, 1e-12);
    diff_release(&d);
    stack_set_free(pb.stacks);
    stack_set_free(pa.stacks);
}

static void test_diff_svg(void **state)
{
    (void)state;
    struct profile pb, pa;
    struct sf_err err;
    load(&pb, BEFORE);
    load(&pa, AFTER);
    const struct profile *b[] = { &pb }, *a[] = { &pa };
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_int_equal(diff_svg_write(b, 1, a, 1, NULL, NULL, f, &err), 0);
    fclose(f);
    assert_non_null(strstr(buf, "<svg"));
    /* the vanished openat path stays visible, marked and blue */
    assert_non_null(strstr(buf, "before 20, after 0, delta -20, ratio 0.00, only in before"));
    assert_non_null(strstr(buf, "before 0, after 10, delta +10, ratio new, only in after"));
    /* root: 150 -> 160 */
    assert_non_null(strstr(buf, "before 150, after 160, delta +10, ratio 1.07"));
    /* pkg.TestA is 120 -> 120: grey; write grew 100 -> 120: red (225-180*20/120=195) */
    assert_non_null(strstr(buf, "rgb(255,195,195)"));
    assert_non_null(strstr(buf, "rgb(45,45,255)"));   /* -100% */
    free(buf);
    stack_set_free(pb.stacks);
    stack_set_free(pa.stacks);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_t_distribution),
        cmocka_unit_test(test_welch),
        cmocka_unit_test(test_single_pair),
        cmocka_unit_test(test_fail_if_parse_errors),
        cmocka_unit_test(test_batches),
        cmocka_unit_test(test_normalize),
        cmocka_unit_test(test_diff_svg),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
