/* test_writer.c - every format renders a hand-written table byte for byte;
 * hostile names are escaped (md markup, CSV quotes, JSON control bytes and
 * invalid UTF-8); JSON output parses (checked by structure here and by
 * python3 -m json.tool in tests/integration/diff-report.sh). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "writer.h"

static const struct writer_col cols[] = {
    { "name", "Syscall", WCOL_STR, 0 },
    { "count", "Count", WCOL_UINT, 0 },
    { "share", "Share", WCOL_PCT, 2 },
    { "delta", "Delta", WCOL_INT, 0 },
    { "mean_us", "Mean us", WCOL_FLOAT, 1 },
};

static char *render(enum writer_format fmt, const char *name2)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    struct writer *w = writer_new(f, fmt);
    struct sf_err err;
    writer_begin(w);
    writer_scalar_uint(w, "total", "Total", 860);
    writer_scalar_float(w, "duration_s", "Duration (s)", 1.25, 2);
    writer_table_begin(w, "syscalls", "Syscalls", cols, 5);
    writer_cell_str(w, "write");
    writer_cell_uint(w, 120);
    writer_cell_float(w, 120.0 / 860.0);
    writer_cell_int(w, 20);
    writer_cell_float(w, 3.25);
    writer_cell_str(w, name2);
    writer_cell_uint(w, 7);
    writer_cell_float(w, 7.0 / 860.0);
    writer_cell_int(w, -3);
    writer_cell_float(w, NAN);
    writer_table_end(w);
    writer_end(w);
    assert_int_equal(writer_free(w, &err), 0);
    fclose(f);
    return buf;
}

static void test_text(void **state)
{
    (void)state;
    char *s = render(WRITER_TEXT, "openat");
    assert_string_equal(s,
        "Total: 860\n"
        "Duration (s): 1.25\n"
        "\n"
        "Syscalls\n"
        "Syscall  Count   Share  Delta  Mean us\n"
        "write      120  13.95%    +20      3.2\n"
        "openat       7   0.81%     -3        -\n");
    free(s);
}

static void test_md(void **state)
{
    (void)state;
    char *s = render(WRITER_MD, "a|b<script>`x`&*_");
    assert_string_equal(s,
        "- **Total**: 860\n"
        "- **Duration (s)**: 1.25\n"
        "\n"
        "### Syscalls\n"
        "\n"
        "| Syscall | Count | Share | Delta | Mean us |\n"
        "| --- | ---: | ---: | ---: | ---: |\n"
        "| write | 120 | 13.95% | +20 | 3.2 |\n"
        "| a\\|b&lt;script&gt;\\`x\\`&amp;\\*\\_ | 7 | 0.81% | -3 | - |\n");
    free(s);
}

static void test_html(void **state)
{
    (void)state;
    char *s = render(WRITER_HTML, "<img src=x onerror='a(\"1\")'>&");
    assert_string_equal(s,
        "<p class=\"scalar\"><b>Total:</b> 860</p>\n"
        "<p class=\"scalar\"><b>Duration (s):</b> 1.25</p>\n"
        "<h3>Syscalls</h3>\n"
        "<div class=\"tw\"><table class=\"sortable\" data-key=\"syscalls\">\n"
        "<thead><tr><th>Syscall</th><th class=\"num\">Count</th><th class=\"num\">Share</th>"
        "<th class=\"num\">Delta</th><th class=\"num\">Mean us</th></tr></thead>\n"
        "<tbody>\n"
        "<tr><td>write</td><td class=\"num\">120</td><td class=\"num\">13.95%</td>"
        "<td class=\"num\">+20</td><td class=\"num\">3.2</td></tr>\n"
        "<tr><td>&lt;img src=x onerror=&#39;a(&quot;1&quot;)&#39;&gt;&amp;</td>"
        "<td class=\"num\">7</td><td class=\"num\">0.81%</td><td class=\"num\">-3</td>"
        "<td class=\"num\">-</td></tr>\n"
        "</tbody></table></div>\n");
    free(s);
}

static void test_csv(void **state)
{
    (void)state;
    char *s = render(WRITER_CSV, "say \"hi\", ok");
    assert_string_equal(s,
        "key,value\r\n"
        "total,860\r\n"
        "duration_s,1.25\r\n"
        "\r\n"
        "name,count,share,delta,mean_us\r\n"
        "write,120,0.1395,20,3.2\r\n"
        "\"say \"\"hi\"\", ok\",7,0.0081,-3,\r\n");
    free(s);
}

static void test_json(void **state)
{
    (void)state;
    char *s = render(WRITER_JSON, "bad\x01\xff\xc3\xa9\"\\");
    assert_string_equal(s,
        "{\n"
        "  \"total\": 860,\n"
        "  \"duration_s\": 1.25,\n"
        "  \"syscalls\": [\n"
        "    {\n"
        "      \"name\": \"write\",\n"
        "      \"count\": 120,\n"
        "      \"share\": 0.1395,\n"
        "      \"delta\": 20,\n"
        "      \"mean_us\": 3.25\n"
        "    },\n"
        "    {\n"
        "      \"name\": \"bad\\u0001\\ufffd\xc3\xa9\\\"\\\\\",\n"
        "      \"count\": 7,\n"
        "      \"share\": 0.0081,\n"
        "      \"delta\": -3,\n"
        "      \"mean_us\": null\n"
        "    }\n"
        "  ]\n"
        "}\n");
    free(s);
}

static char *escape(const char *in, size_t n)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    json_escape(f, in, n);
    fclose(f);
    return buf;
}

static void test_json_utf8(void **state)
{
    (void)state;
    struct { const char *in; size_t n; const char *out; } cases[] = {
        { "\xe2\x82\xac", 3, "\xe2\x82\xac" },           /* euro sign, valid */
        { "\xf0\x9f\x94\xa5", 4, "\xf0\x9f\x94\xa5" },   /* U+1F525, valid */
        { "\xc0\xaf", 2, "\\ufffd\\ufffd" },             /* overlong '/' */
        { "\xed\xa0\x80", 3, "\\ufffd\\ufffd\\ufffd" },  /* surrogate */
        { "\xe2\x82", 2, "\\ufffd\\ufffd" },             /* truncated */
        { "\xf4\x90\x80\x80", 4, "\\ufffd\\ufffd\\ufffd\\ufffd" }, /* > U+10FFFF */
        { "a\0b", 3, "a\\u0000b" },
        { "\t\n\x7f", 3, "\\t\\n\\u007f" },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *s = escape(cases[i].in, cases[i].n);
        assert_string_equal(s, cases[i].out);
        free(s);
    }
}

static void test_jsonw_nesting(void **state)
{
    (void)state;
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    struct jsonw *j = jsonw_new(f, 0);
    jsonw_start_object(j);
    jsonw_name(j, "a");
    jsonw_start_array(j);
    jsonw_end_array(j);
    jsonw_name(j, "b");
    jsonw_start_array(j);
    jsonw_uint(j, 1);
    jsonw_start_object(j);
    jsonw_end_object(j);
    jsonw_float(j, 1.5, 3);
    jsonw_float(j, INFINITY, 3);
    jsonw_bool(j, 1);
    jsonw_int(j, -2);
    jsonw_end_array(j);
    jsonw_float_field(j, "r", 1.2, 4);
    jsonw_end_object(j);
    jsonw_free(j);
    fclose(f);
    assert_string_equal(buf, "{\"a\":[],\"b\":[1,{},1.5,null,true,-2],\"r\":1.2}");
    free(buf);
}

static void test_format_parse(void **state)
{
    (void)state;
    enum writer_format f;
    assert_int_equal(writer_format_parse("md", &f), 0);
    assert_int_equal(f, WRITER_MD);
    assert_int_equal(writer_format_parse("json", &f), 0);
    assert_int_equal(f, WRITER_JSON);
    assert_int_equal(writer_format_parse("JSON", &f), -1);
    assert_int_equal(writer_format_parse("", &f), -1);
    assert_int_equal(writer_format_parse(NULL, &f), -1);
    assert_string_equal(writer_format_name(WRITER_CSV), "csv");
}

static void test_empty_table_and_write_error(void **state)
{
    (void)state;
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    struct writer *w = writer_new(f, WRITER_TEXT);
    struct sf_err err;
    writer_table_begin(w, "tests", "Tests", cols, 2);
    writer_table_end(w);
    assert_int_equal(writer_free(w, &err), 0);
    fclose(f);
    assert_string_equal(buf, "Tests\nSyscall  Count\n(none)\n");
    free(buf);

    FILE *full = fopen("/dev/full", "w");
    if (!full)
        skip();
    w = writer_new(full, WRITER_CSV);
    writer_table_begin(w, "x", "X", cols, 1);
    for (int i = 0; i < 5000; i++)
        writer_cell_str(w, "0123456789");
    writer_table_end(w);
    assert_int_equal(writer_free(w, &err), -1);
    fclose(full);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_text),
        cmocka_unit_test(test_md),
        cmocka_unit_test(test_html),
        cmocka_unit_test(test_csv),
        cmocka_unit_test(test_json),
        cmocka_unit_test(test_json_utf8),
        cmocka_unit_test(test_jsonw_nesting),
        cmocka_unit_test(test_format_parse),
        cmocka_unit_test(test_empty_table_and_write_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
