/* test_svg.c - the flame graph writer.  Each SVG is checked by a small XML
 * well-formedness scanner written here (and by python3's xml.etree when
 * present); frames are read back and their counts and widths compared with
 * sums computed independently from the folded input.  Also: hostile names,
 * determinism, minwidth merging, clipping, palettes, modes, the diff hook.
 * `test_svg --emit DIR` writes the SVGs used by tests/integration/browser.sh. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include <ctype.h>
#include <unistd.h>
#include <cmocka.h>
#include "fold.h"
#include "input_folded.h"
#include "svg.h"

/* ---- a small XML 1.0 well-formedness checker ---- */

static int valid_utf8_xml(const unsigned char *p, size_t n)
{
    for (size_t i = 0; i < n;) {
        unsigned c = p[i];
        if (c < 0x20 && c != '\t' && c != '\n' && c != '\r')
            return 0;
        if (c < 0x80) { i++; continue; }
        size_t len = (c & 0xe0) == 0xc0 ? 2 : (c & 0xf0) == 0xe0 ? 3 : (c & 0xf8) == 0xf0 ? 4 : 0;
        if (!len || i + len > n)
            return 0;
        uint32_t v = c & (0xff >> (len + 1));
        for (size_t k = 1; k < len; k++) {
            if ((p[i + k] & 0xc0) != 0x80)
                return 0;
            v = v << 6 | (p[i + k] & 0x3f);
        }
        static const uint32_t min[5] = { 0, 0, 0x80, 0x800, 0x10000 };
        if (v < min[len] || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff) || v == 0xfffe || v == 0xffff)
            return 0;
        i += len;
    }
    return 1;
}

static int valid_entity(const char *p, const char *end)
{
    static const char *const ents[] = { "&amp;", "&lt;", "&gt;", "&quot;", "&apos;" };
    for (size_t i = 0; i < 5; i++)
        if ((size_t)(end - p) >= strlen(ents[i]) && !memcmp(p, ents[i], strlen(ents[i])))
            return 1;
    if (end - p > 3 && p[1] == '#') {
        const char *q = p + 2;
        int hex = *q == 'x';
        q += hex;
        const char *d = q;
        while (q < end && (hex ? strchr("0123456789abcdefABCDEF", *q) != NULL : (*q >= '0' && *q <= '9')) && *q)
            q++;
        return q > d && q < end && *q == ';';
    }
    return 0;
}

/* Returns NULL when well-formed, else what is wrong. */
static const char *xml_check(const char *doc, size_t len)
{
    if (!valid_utf8_xml((const unsigned char *)doc, len))
        return "invalid character";
    const char *p = doc, *end = doc + len;
    const char *stack[256];
    size_t stack_len[256];
    int depth = 0, seen_root = 0;
    while (p < end) {
        if (*p == '<') {
            if (!strncmp(p, "<?", 2)) {
                const char *q = strstr(p, "?>");
                if (!q) return "unterminated PI";
                p = q + 2;
            } else if (!strncmp(p, "<!--", 4)) {
                const char *q = strstr(p + 4, "-->");
                if (!q) return "unterminated comment";
                p = q + 3;
            } else if (!strncmp(p, "<![CDATA[", 9)) {
                if (!depth) return "CDATA outside root";
                const char *q = strstr(p + 9, "]]>");
                if (!q) return "unterminated CDATA";
                p = q + 3;
            } else if (p[1] == '/') {
                const char *q = p + 2, *n = q;
                while (q < end && *q != '>' && *q != ' ') q++;
                if (!depth) return "close without open";
                depth--;
                if ((size_t)(q - n) != stack_len[depth] || memcmp(n, stack[depth], stack_len[depth]))
                    return "mismatched close tag";
                while (q < end && *q == ' ') q++;
                if (q >= end || *q != '>') return "bad close tag";
                p = q + 1;
            } else {
                const char *q = p + 1, *n = q;
                while (q < end && (isalnum((unsigned char)*q) || *q == '-' || *q == ':' || *q == '_')) q++;
                if (q == n) return "bad tag name";
                if (!depth && seen_root) return "second root";
                const char *name = n;
                size_t nlen = (size_t)(q - n);
                for (;;) {
                    while (q < end && (*q == ' ' || *q == '\n' || *q == '\t' || *q == '\r')) q++;
                    if (q >= end) return "unterminated tag";
                    if (*q == '/' && q + 1 < end && q[1] == '>') { q += 2; break; }
                    if (*q == '>') {
                        if (depth >= 256) return "too deep";
                        stack[depth] = name;
                        stack_len[depth++] = nlen;
                        q++;
                        break;
                    }
                    const char *a = q;
                    while (q < end && (isalnum((unsigned char)*q) || *q == '-' || *q == ':' || *q == '_')) q++;
                    if (q == a || q >= end || *q != '=') return "bad attribute";
                    q++;
                    if (q >= end || (*q != '"' && *q != '\'')) return "unquoted attribute";
                    char quote = *q++;
                    while (q < end && *q != quote) {
                        if (*q == '<') return "'<' in attribute";
                        if (*q == '&' && !valid_entity(q, end)) return "bad entity in attribute";
                        q++;
                    }
                    if (q >= end) return "unterminated attribute";
                    q++;
                }
                seen_root = 1;
                p = q;
            }
        } else {
            if (*p == '&' && !valid_entity(p, end)) return "bad entity in text";
            if (*p == '>' && p - doc >= 2 && p[-1] == ']' && p[-2] == ']') return "']]>' in text";
            if (!depth && !strchr(" \t\r\n", *p)) return "text outside root";
            p++;
        }
    }
    return depth ? "unclosed element" : seen_root ? NULL : "no root";
}

/* ---- reading frames back ---- */

struct frame {
    char *name;                 /* title name, unescaped */
    char *text;                 /* drawn (clipped) text, unescaped */
    char *fill;
    uint64_t n;
    double x, y, w;
    int depth;
    char *path;                 /* names joined by ';' from the root frame */
};

static char *unescape(const char *p, size_t n)
{
    char *out = malloc(n + 1), *o = out;
    for (size_t i = 0; i < n;) {
        if (p[i] == '&') {
            const char *semi = memchr(p + i, ';', n - i);
            assert_non_null(semi);
            size_t el = (size_t)(semi - (p + i)) + 1;
            if (!strncmp(p + i, "&amp;", el)) *o++ = '&';
            else if (!strncmp(p + i, "&lt;", el)) *o++ = '<';
            else if (!strncmp(p + i, "&gt;", el)) *o++ = '>';
            else if (!strncmp(p + i, "&quot;", el)) *o++ = '"';
            else if (!strncmp(p + i, "&apos;", el)) *o++ = '\'';
            else if (p[i + 1] == '#') {
                long v = p[i + 2] == 'x' ? strtol(p + i + 3, NULL, 16) : strtol(p + i + 2, NULL, 10);
                assert_true(v > 0 && v < 0x80);
                *o++ = (char)v;
            } else fail_msg("unknown entity");
            i += el;
        } else {
            *o++ = p[i++];
        }
    }
    *o = '\0';
    return out;
}

static const char *between(const char *p, const char *a, const char *b, size_t *len)
{
    const char *s = strstr(p, a);
    assert_non_null(s);
    s += strlen(a);
    const char *e = strstr(s, b);
    assert_non_null(e);
    *len = (size_t)(e - s);
    return s;
}

static double attr_num(const char *g, const char *name)
{
    char key[32];
    snprintf(key, sizeof(key), " %s=\"", name);
    const char *s = strstr(g, key);
    assert_non_null(s);
    return strtod(s + strlen(key), NULL);
}

struct svgdoc {
    char *text;
    size_t len;
    struct frame *f;
    size_t nr;
    uint64_t total;
    double width;
};

static void doc_free(struct svgdoc *d)
{
    for (size_t i = 0; i < d->nr; i++) {
        free(d->f[i].name);
        free(d->f[i].text);
        free(d->f[i].fill);
        free(d->f[i].path);
    }
    free(d->f);
    free(d->text);
}

static void render(struct stack_set *s, const struct svg_opts *o, struct svgdoc *d)
{
    memset(d, 0, sizeof(*d));
    FILE *f = open_memstream(&d->text, &d->len);
    struct sf_err err;
    assert_int_equal(svg_write(s, o, f, &err), 0);
    fclose(f);
    const char *bad = xml_check(d->text, d->len);
    if (bad)
        fail_msg("SVG not well-formed: %s", bad);
    d->total = (uint64_t)attr_num(d->text, "data-total");
    d->width = attr_num(d->text, "width");
    /* frames, in file order (parents before children) */
    const char *p = strstr(d->text, "<g id=\"frames\">");
    assert_non_null(p);
    double root_y = 0, fh = o->frame_height;
    char **by_depth = calloc(20000, sizeof(char *));
    while ((p = strstr(p, "<g data-n=\"")) != NULL) {
        const char *e = strstr(p, "</g>");
        d->f = realloc(d->f, (d->nr + 1) * sizeof(*d->f));
        struct frame *fr = &d->f[d->nr++];
        size_t l;
        const char *t = between(p, "<title>", "</title>", &l);
        const char *paren = t + l;
        while (paren > t && strncmp(paren, " (", 2)) paren--;
        fr->name = unescape(t, (size_t)(paren - t));
        t = between(p, "<text", "</text>", &l);
        const char *gt = strchr(t, '>') + 1;
        fr->text = unescape(gt, (size_t)(t + l - gt));
        fr->n = strtoull(p + 11, NULL, 10);
        const char *rect = strstr(p, "<rect");
        fr->x = attr_num(rect, "x");
        fr->y = attr_num(rect, "y");
        fr->w = attr_num(rect, "width");
        t = between(rect, "fill=\"", "\"", &l);
        fr->fill = strndup(t, l);
        if (d->nr == 1)
            root_y = fr->y;
        fr->depth = (int)lround(fabs(fr->y - root_y) / fh);
        assert_true(fr->depth < 20000);
        free(by_depth[fr->depth]);
        if (fr->depth == 0) {
            by_depth[0] = strdup("");
        } else {
            const char *parent = by_depth[fr->depth - 1];
            assert_non_null(parent);
            size_t pl = strlen(parent), nl = strlen(fr->name);
            by_depth[fr->depth] = malloc(pl + nl + 2);
            sprintf(by_depth[fr->depth], "%s%s%s", parent, pl ? ";" : "", fr->name);
        }
        fr->path = strdup(by_depth[fr->depth]);
        p = e;
    }
    for (int i = 0; i < 20000; i++)
        free(by_depth[i]);
    free(by_depth);
}

/* Expected samples per path prefix, summed from folded text (no stack.h). */
struct prefix_sum { char *path; uint64_t n; };

/* folded without FlameGraph's _[k]/_[j]/_[i]/_[w] annotations, which
 * labels do not show (caller frees) */
static char *strip_annotations(const char *folded)
{
    char *out = strdup(folded), *w = out;
    for (const char *r = folded; *r; r++) {
        if (r[0] == '_' && r[1] == '[' && r[2] && strchr("kjiw", r[2]) && r[3] == ']' &&
            (r[4] == ';' || r[4] == ' ')) {
            r += 3;
            continue;
        }
        *w++ = *r;
    }
    *w = '\0';
    return out;
}

static uint64_t expected_count(const char *annotated, const char *path)
{
    uint64_t sum = 0;
    size_t pl = strlen(path);
    char *folded = strip_annotations(annotated);
    const char *line = folded;
    while (*line) {
        const char *nl = strchr(line, '\n');
        size_t ll = nl ? (size_t)(nl - line) : strlen(line);
        const char *sp = line + ll;
        while (sp > line && sp[-1] != ' ')
            sp--;
        size_t sl = (size_t)(sp - line) - 1;
        if (ll && (pl == 0 || (sl >= pl && !memcmp(line, path, pl) && (sl == pl || line[pl] == ';'))))
            sum += strtoull(sp, NULL, 10);
        line += ll + (nl ? 1 : 0);
    }
    free(folded);
    return sum;
}

static struct stack_set *parse(const char *folded)
{
    struct stack_set *s = stack_set_new();
    struct sf_err err;
    assert_int_equal(fold_parse("t", folded, strlen(folded), s, &err), 0);
    return s;
}

static const char basic[] =
    "app;runtime.goexit;main.main;os.(*File).Write;syscall.write;write 7\n"
    "app;runtime.goexit;main.main;os.(*File).Read;read 3\n"
    "app;runtime.goexit;main.main 1\n"
    "app;runtime.goexit;main.main-x;close 1\n"
    "app;runtime.goexit;main.main.func1;openat 4\n"
    "app;[unknown];__libc_write;write_[k];entry_SYSCALL_64_[k] 2\n"
    "other;runtime.goexit;main.helperWithAVeryLongNameThatDoesNotFit;getpid 1\n";

static void check_widths(const struct svgdoc *d, const char *folded, const struct svg_opts *o)
{
    double full = d->width - 20;
    assert_true(d->nr > 0);
    if (folded)
        assert_int_equal(d->total, expected_count(folded, ""));
    for (size_t i = 0; i < d->nr; i++) {
        const struct frame *f = &d->f[i];
        uint64_t want = folded ? expected_count(folded, f->path) : f->n;
        if (f->n != want)
            fail_msg("frame '%s': %llu samples, folded says %llu", f->path,
                     (unsigned long long)f->n, (unsigned long long)want);
        double w = (double)want / (double)d->total * full;
        if (fabs(f->w - w) > 0.006)
            fail_msg("frame '%s': width %.3f, want %.3f", f->path, f->w, w);
        assert_true(f->w >= o->minwidth);
    }
}

static void test_widths_match_counts(void **state)
{
    (void)state;
    struct stack_set *s = parse(basic);
    struct svg_opts o;
    svg_opts_init(&o);
    struct svgdoc d;
    render(s, &o, &d);
    check_widths(&d, basic, &o);
    assert_int_equal(d.nr, 1 + 2 + 3 + 5 + 6 + 3 + 1);
    /* children follow their parent in name order, left to right */
    for (size_t i = 1; i < d.nr; i++)
        if (!strcmp(d.f[i].path, "app;runtime.goexit;main.main;os.(*File).Write"))
            for (size_t k = 1; k < d.nr; k++)
                if (!strcmp(d.f[k].path, "app;runtime.goexit;main.main;os.(*File).Read"))
                    assert_true(d.f[k].x < d.f[i].x);
    /* title, totals; the text layer reads without script */
    assert_non_null(strstr(d.text, ">Flame Graph</text>"));
    assert_non_null(strstr(d.text, ">Total: 19 syscalls, 7 unique stacks</text>"));
    assert_non_null(strstr(d.text, "<title>all (19 syscalls, 100.00%)</title>"));
    assert_non_null(strstr(d.text, "<title>read (3 syscalls, 15.79%; 100.00% of parent)</title>"));
    /* clipping by the writer: the long name is cut with ".." to fit */
    int seen = 0;
    for (size_t i = 0; i < d.nr; i++) {
        const struct frame *f = &d.f[i];
        size_t chars = (size_t)(f->w / (12 * 0.59));
        if (chars < 3) {
            assert_string_equal(f->text, "");
        } else if (strlen(f->name) <= chars) {
            assert_string_equal(f->text, f->name);
        } else {
            seen++;
            assert_int_equal(strlen(f->text), chars);
            assert_memory_equal(f->text, f->name, chars - 2);
            assert_string_equal(f->text + chars - 2, "..");
        }
    }
    assert_true(seen >= 1);
    /* no external references */
    assert_null(strstr(d.text, "href"));
    assert_null(strstr(d.text, "http://www.w3.org/1999/xlink"));
    assert_null(strstr(d.text, "url(http"));
    doc_free(&d);
    stack_set_free(s);
}

static int count_str(const char *h, const char *n)
{
    int c = 0;
    for (const char *p = h; (p = strstr(p, n)) != NULL; p++)
        c++;
    return c;
}

static const char hostile_names[][96] = {
    "<script>document.documentElement.setAttribute('data-pwned','1')</script>",
    "\"><script>document.documentElement.setAttribute('data-pwned','2')</script>",
    "]]><script>document.documentElement.setAttribute('data-pwned','3')</script>",
    "</title><script>window.pwned=4</script>",
    "x' onload='document.documentElement.setAttribute(\"data-pwned\",\"5\")",
    "&amp &#60 &lt &",
    "ctl\x01\x02\x1b[31mred\x7f",
    "bad\xff\xfeutf8\xc0\x80\xed\xa0\x80\xf4\x90\x80\x80",
    "cut\xe2\x82",
};

static void build_hostile(struct sbuf *sb)
{
    for (size_t i = 0; i < SF_ARRAY_SIZE(hostile_names); i++)
        sbuf_addf(sb, "evil;main.main;%s;write %zu\n", hostile_names[i], 10 + i);
    /* a 1 MB name */
    sbuf_addstr(sb, "evil;huge;");
    for (int i = 0; i < (1 << 20); i++)
        sbuf_addch(sb, "<&>\"'x"[i % 6]);
    sbuf_addstr(sb, " 5\n");
}

static void test_hostile_names(void **state)
{
    (void)state;
    struct sbuf in = SBUF_INIT;
    build_hostile(&in);
    struct stack_set *s = parse(sbuf_str(&in));
    struct svg_opts o;
    svg_opts_init(&o);
    o.title = "<b>title</b> & \"x\" ]]>";
    o.subtitle = "sub\x01title";
    o.notes = "]]></desc><script>x</script>";
    o.countname = "<c>";
    o.nametype = "\"n\"";
    struct svgdoc d;
    render(s, &o, &d);                      /* asserts well-formedness */
    /* exactly the template's script and CDATA sections, nothing injected */
    assert_int_equal(count_str(d.text, "<script"), 1);
    assert_int_equal(count_str(d.text, "]]>"), 2);
    assert_int_equal(count_str(d.text, "<b>"), 0);
    assert_null(strstr(d.text, "onload=\""));
    assert_null(strstr(d.text, "onload='"));
    assert_null(memchr(d.text, '\x01', d.len));
    assert_null(memchr(d.text, '\x1b', d.len));
    /* names come back intact (after unescaping) or sanitised */
    int found = 0;
    for (size_t i = 0; i < d.nr; i++) {
        for (size_t k = 0; k < 6; k++)
            if (!strcmp(d.f[i].name, hostile_names[k]))
                found++;
        if (!strncmp(d.f[i].name, "ctl", 3))
            assert_string_equal(d.f[i].name, "ctl\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd[31mred\x7f"), found++;
        if (!strncmp(d.f[i].name, "bad", 3))
            assert_string_equal(d.f[i].name, "bad\xef\xbf\xbd\xef\xbf\xbdutf8"
                                "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"
                                "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"), found++;
        if (!strncmp(d.f[i].name, "cut", 3))
            assert_string_equal(d.f[i].name, "cut\xef\xbf\xbd\xef\xbf\xbd"), found++;
        if (strlen(d.f[i].name) == (1 << 20))
            found++;
    }
    if (found != 10)
        for (size_t i = 0; i < d.nr; i++)
            fprintf(stderr, "name: %.80s\n", d.f[i].name);
    assert_int_equal(found, 10);
    doc_free(&d);
    stack_set_free(s);
    sbuf_release(&in);
}

/* python3's parser as a second opinion, when python3 is there. */
static void test_python_parses(void **state)
{
    (void)state;
    if (system("python3 -c 'import xml.etree.ElementTree' 2>/dev/null") != 0)
        skip();
    struct sbuf in = SBUF_INIT;
    build_hostile(&in);
    sbuf_addstr(&in, basic);
    struct stack_set *s = parse(sbuf_str(&in));
    struct svg_opts o;
    svg_opts_init(&o);
    char path[] = "/tmp/test_svg_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    struct sf_err err;
    assert_int_equal(svg_write(s, &o, f, &err), 0);
    fclose(f);
    char cmd[256];
    snprintf(cmd, sizeof(cmd), "python3 -c 'import sys, xml.etree.ElementTree as E; "
             "r = E.parse(sys.argv[1]).getroot(); "
             "sys.exit(0 if len(r.findall(\".//{http://www.w3.org/2000/svg}script\")) == 1 else 1)' %s",
             path);
    int rc = system(cmd);
    unlink(path);
    assert_int_equal(rc, 0);
    stack_set_free(s);
    sbuf_release(&in);
}

static void test_deterministic(void **state)
{
    (void)state;
    struct svg_opts o;
    svg_opts_init(&o);
    struct stack_set *a = parse(basic), *b = parse(basic);
    struct svgdoc d1, d2;
    render(a, &o, &d1);
    render(b, &o, &d2);
    assert_int_equal(d1.len, d2.len);
    assert_memory_equal(d1.text, d2.text, d1.len);
    doc_free(&d1);
    doc_free(&d2);
    /* with hash, a name has the same colour in different graphs */
    o.hash = 1;
    o.colors = SVG_PAL_HOT;
    struct stack_set *c = parse("x;y;zzz;main.main 1\nq;main.main 9\n");
    render(a, &o, &d1);
    render(c, &o, &d2);
    const char *f1 = NULL, *f2 = NULL;
    for (size_t i = 0; i < d1.nr; i++)
        if (!strcmp(d1.f[i].name, "main.main")) f1 = d1.f[i].fill;
    for (size_t i = 0; i < d2.nr; i++)
        if (!strcmp(d2.f[i].name, "main.main")) f2 = d2.f[i].fill;
    assert_non_null(f1);
    assert_non_null(f2);
    assert_string_equal(f1, f2);
    doc_free(&d1);
    doc_free(&d2);
    stack_set_free(a);
    stack_set_free(b);
    stack_set_free(c);
}

static void build_many(struct sbuf *sb, int n)
{
    /* one heavy stack and n light, unique ones */
    sbuf_addf(sb, "app;main.main;os.(*File).Write;write %d\n", n * 4);
    for (int i = 0; i < n; i++)
        sbuf_addf(sb, "app;main.worker;pkg.f%d;pkg.g%d;read 1\n", i % 997, i);
}

static void test_minwidth(void **state)
{
    (void)state;
    struct sbuf in = SBUF_INIT;
    int n = 100000;
    build_many(&in, n);
    struct stack_set *s = parse(sbuf_str(&in));
    struct svg_opts o;
    svg_opts_init(&o);
    struct svgdoc d;
    render(s, &o, &d);
    check_widths(&d, NULL, &o);   /* counts: see test_minwidth_counts (this size is slow) */
    assert_true(d.nr < 20000);
    assert_non_null(strstr(d.text, " frames narrower than 0.1 px omitted</text>"));
    doc_free(&d);
    stack_set_free(s);
    sbuf_release(&in);
}

static void test_minwidth_counts(void **state)
{
    (void)state;
    struct sbuf in = SBUF_INIT;
    int n = 3000;
    build_many(&in, n);
    struct stack_set *s = parse(sbuf_str(&in));
    struct svg_opts o;
    svg_opts_init(&o);
    o.minwidth = 0.5;
    struct svgdoc d;
    render(s, &o, &d);
    check_widths(&d, sbuf_str(&in), &o);
    /* unique frames: all, app, main.main, Write, write, main.worker,
     * 997 pkg.f, n pkg.g, n read.  A pkg.g/read is 1180/15000 px wide. */
    size_t all_frames = 5 + 1 + 997 + 2 * (size_t)n;
    size_t drawn = d.nr;
    char note[128];
    size_t om = all_frames - drawn;
    assert_true(om >= 1000 && om < 1000000);
    snprintf(note, sizeof(note), "; %zu,%03zu frames narrower than 0.5 px omitted</text>",
             om / 1000, om % 1000);
    if (!strstr(d.text, note))
        fail_msg("no '%s' in %s", note, strstr(d.text, "<text id=\"totals\""));
    assert_true(drawn < all_frames / 2);
    doc_free(&d);
    stack_set_free(s);
    sbuf_release(&in);
}

static void test_classify(void **state)
{
    (void)state;
#define K(name, leaf) svg_classify(name, strlen(name), leaf)
    assert_int_equal(K("main.main", 0), SVG_KIND_GO);
    assert_int_equal(K("github.com/x/y.(*T).Run", 0), SVG_KIND_GO);
    assert_int_equal(K("os.(*File).Write", 0), SVG_KIND_GO);
    assert_int_equal(K("runtime.goexit", 0), SVG_KIND_RUNTIME);
    assert_int_equal(K("runtime/internal/syscall.Syscall6", 0), SVG_KIND_RUNTIME);
    assert_int_equal(K("internal/poll.(*FD).Write", 0), SVG_KIND_RUNTIME);
    assert_int_equal(K("syscall.write", 0), SVG_KIND_RUNTIME);
    assert_int_equal(K("syscall.write", 1), SVG_KIND_RUNTIME);
    assert_int_equal(K("__libc_write", 0), SVG_KIND_C);
    assert_int_equal(K("foo.cold", 0), SVG_KIND_C);
    assert_int_equal(K("std::vector<int>::push_back", 0), SVG_KIND_C);
    assert_int_equal(K("entry_SYSCALL_64_[k]", 1), SVG_KIND_KERNEL);
    assert_int_equal(K("write", 1), SVG_KIND_SYSCALL);
    assert_int_equal(K("write", 0), SVG_KIND_C);
    assert_int_equal(K("openat", 1), SVG_KIND_SYSCALL);
    assert_int_equal(K("syscalls:sys_enter_write", 1), SVG_KIND_SYSCALL);
    assert_int_equal(K("Write", 1), SVG_KIND_C);
    assert_int_equal(K("[unknown]", 0), SVG_KIND_UNKNOWN);
#undef K
    enum svg_palette p;
    assert_int_equal(svg_palette_parse("go", &p), 0);
    assert_int_equal(p, SVG_PAL_GO);
    assert_int_equal(svg_palette_parse("io", &p), 0);
    assert_int_equal(p, SVG_PAL_IO);
    assert_int_equal(svg_palette_parse("java", &p), 0);
    assert_int_equal(p, SVG_PAL_JAVA);
    assert_int_equal(svg_palette_parse("rainbow", &p), -1);
}

/* Folded files of other tools: FlameGraph annotations coloured as
 * flamegraph.pl's java palette does (picked from the content), labels and
 * tooltips without them; a named palette overrides the pick. */
static void test_annotations_and_palettes(void **state)
{
    (void)state;
    static const char java[] =
        "java;start_thread;JavaMain;Interpreter_[j];java/io/PrintStream:::print_[j];"
        "java/io/Writer:::write_[i];sys_write_[k] 6\n"
        "java;start_thread;JavaMain;Interpreter_[j];Ljava/lang/Thread;::run 4\n";
    struct stack_set *s = parse(java);
    assert_int_equal(svg_palette_auto(s), SVG_PAL_JAVA);
    struct svg_opts o;
    svg_opts_init(&o);
    struct svgdoc d;
    render(s, &o, &d);
    int seen = 0;
    for (size_t i = 0; i < d.nr; i++) {
        const struct frame *f = &d.f[i];
        int r, g, b;
        assert_int_equal(sscanf(f->fill, "rgb(%d,%d,%d)", &r, &g, &b), 3);
        assert_null(strstr(f->name, "_["));        /* no annotation shown */
        assert_null(strstr(f->text, "_["));
        if (!strcmp(f->name, "Interpreter") || !strcmp(f->name, "java/io/PrintStream:::print")) {
            assert_true(g >= 200 && r == b && r < 120);      /* green: jitted */
            seen |= 1;
        } else if (!strcmp(f->name, "java/io/Writer:::write")) {
            assert_true(r < 120 && g >= 165 && g == b);      /* aqua: inlined */
            seen |= 2;
        } else if (!strcmp(f->name, "sys_write")) {
            assert_true(r >= 190 && g >= 90 && b == 0);      /* orange: kernel */
            seen |= 4;
        } else if (!strcmp(f->name, "JavaMain")) {
            assert_true(r >= 200 && g == b && g < 140);      /* red: system */
            seen |= 8;
        }
    }
    assert_int_equal(seen, 15);
    doc_free(&d);
    /* --colors blue: one hue for all but the root */
    assert_int_equal(svg_palette_parse("blue", &o.colors), 0);
    render(s, &o, &d);
    for (size_t i = 0; i < d.nr; i++) {
        int r, g, b;
        sscanf(d.f[i].fill, "rgb(%d,%d,%d)", &r, &g, &b);
        if (d.f[i].depth >= 2)
            assert_true(b >= 205 && r == g && r < 150);
    }
    doc_free(&d);
    stack_set_free(s);
    /* Go content keeps the go palette */
    s = parse(basic);
    assert_int_equal(svg_palette_auto(s), SVG_PAL_GO);
    assert_int_equal(svg_label_len("write_[k]", 9), 5);
    assert_int_equal(svg_label_len("write_[x]", 9), 9);
    assert_int_equal(svg_label_len("_[k]", 4), 4);
    stack_set_free(s);
}

/* --minwidth N%: frames under N% of the total are omitted, whatever the width. */
static void test_minwidth_percent(void **state)
{
    (void)state;
    struct stack_set *s = parse("a;big 96\na;small 3\na;tiny 1\n");
    struct svg_opts o;
    svg_opts_init(&o);
    o.minwidth = 2;
    o.minwidth_pct = 1;
    struct svgdoc d;
    render(s, &o, &d);
    int big = 0, small = 0, tiny = 0;
    for (size_t i = 0; i < d.nr; i++) {
        big += !strcmp(d.f[i].name, "big");
        small += !strcmp(d.f[i].name, "small");
        tiny += !strcmp(d.f[i].name, "tiny");
    }
    assert_int_equal(big + small + tiny, 2);
    assert_int_equal(tiny, 0);
    assert_non_null(strstr(d.text, "1 frame narrower than 2% omitted"));
    doc_free(&d);
    o.minwidth = 101;
    FILE *f = fopen("/dev/null", "w");
    struct sf_err err;
    assert_int_equal(svg_write(s, &o, f, &err), -1);
    fclose(f);
    stack_set_free(s);
}

static void test_go_palette_colours(void **state)
{
    (void)state;
    struct stack_set *s = parse(basic);
    struct svg_opts o;
    svg_opts_init(&o);
    struct svgdoc d;
    render(s, &o, &d);
    /* each kind in its hue range: syscall leaves red, kernel orange */
    for (size_t i = 0; i < d.nr; i++) {
        int r, g, b;
        assert_int_equal(sscanf(d.f[i].fill, "rgb(%d,%d,%d)", &r, &g, &b), 3);
        /* write_[k] and entry_SYSCALL_64_[k] are labelled without _[k] */
        int kernel = strstr(d.f[i].path, "__libc_write;") != NULL;
        if (!kernel && (!strcmp(d.f[i].name, "write") || !strcmp(d.f[i].name, "openat")))
            assert_true(r > 200 && g < 120 && b < 120);
        if (kernel)
            assert_true(r > 220 && g >= 140 && g < 190 && b < 80);
        if (!strcmp(d.f[i].name, "main.main"))
            assert_true(b > 190 && r < 100);
    }
    doc_free(&d);
    stack_set_free(s);
}

static void test_modes(void **state)
{
    (void)state;
    struct stack_set *s = parse(basic);
    struct svg_opts o;
    svg_opts_init(&o);
    struct svgdoc d;
    /* inverted: the root is at the top, children below it */
    o.inverted = 1;
    render(s, &o, &d);
    check_widths(&d, basic, &o);
    assert_true(d.f[1].y > d.f[0].y);
    assert_non_null(strstr(d.text, ">Icicle Graph</text>"));
    doc_free(&d);
    /* reverse: leaves become roots */
    svg_opts_init(&o);
    o.reverse = 1;
    render(s, &o, &d);
    const char *rev = "write;syscall.write;os.(*File).Write;main.main;runtime.goexit;app 7\n"
                      "read;os.(*File).Read;main.main;runtime.goexit;app 3\n"
                      "main.main;runtime.goexit;app 1\n"
                      "close;main.main-x;runtime.goexit;app 1\n"
                      "openat;main.main.func1;runtime.goexit;app 4\n"
                      "entry_SYSCALL_64_[k];write_[k];__libc_write;[unknown];app 2\n"
                      "getpid;main.helperWithAVeryLongNameThatDoesNotFit;runtime.goexit;other 1\n";
    check_widths(&d, rev, &o);
    doc_free(&d);
    stack_set_free(s);

    /* flame chart: time order, only adjacent samples merge */
    s = stack_set_new();
    stack_record_order(s, 1);
    const char *x[] = { "p", "a", "write" }, *y[] = { "p", "b", "read" };
    stack_add_names(s, x, 3, 2);
    stack_add_names(s, y, 3, 1);
    stack_add_names(s, x, 3, 1);
    svg_opts_init(&o);
    o.flamechart = 1;
    render(s, &o, &d);
    int writes = 0;
    double last_a = -1;
    for (size_t i = 0; i < d.nr; i++) {
        if (!strcmp(d.f[i].name, "write"))
            writes++;
        if (!strcmp(d.f[i].name, "a")) {
            assert_true(d.f[i].x > last_a);
            last_a = d.f[i].x;
        }
        if (!strcmp(d.f[i].name, "b"))
            assert_true(fabs(d.f[i].x - (10 + 1180.0 * 2 / 4)) < 0.01);
    }
    assert_int_equal(writes, 2);
    assert_true(fabs(last_a - (10 + 1180.0 * 3 / 4)) < 0.01);
    assert_non_null(strstr(d.text, ">Flame Chart</text>"));
    doc_free(&d);
    stack_set_free(s);

    /* empty: still a valid SVG that says so */
    s = stack_set_new();
    svg_opts_init(&o);
    render(s, &o, &d);
    assert_non_null(strstr(d.text, "No stack counts found"));
    doc_free(&d);
    /* bad options are errors */
    struct sf_err err;
    o.width = 0;
    assert_int_equal(svg_write(s, &o, stdout, &err), -1);
    assert_non_null(strstr(err.msg, "width"));
    stack_set_free(s);
}

struct hook_log { int calls; uint64_t before_write; };

static void style_hook(void *arg, const struct svg_node_info *n, struct svg_node_style *st)
{
    struct hook_log *log = arg;
    log->calls++;
    if (n->depth && !strcmp(stack_name(n->set, n->path[n->depth - 1]), "write")) {
        log->before_write = n->other;
        snprintf(st->fill, sizeof(st->fill), "rgb(1,2,3)");
        snprintf(st->note, sizeof(st->note), "was <%llu>", (unsigned long long)n->other);
    }
    if (n->depth == 1)
        snprintf(st->fill, sizeof(st->fill), "red\" onload=\"x");   /* rejected */
}

static void test_diff_hook(void **state)
{
    (void)state;
    struct stack_set *after = parse(basic);
    struct stack_set *before = parse("app;runtime.goexit;main.main;os.(*File).Write;syscall.write;write 3\n"
                                     "app;gone;close 5\n");
    struct svg_opts o;
    svg_opts_init(&o);
    o.compare = before;
    struct svgdoc d;
    render(after, &o, &d);
    check_widths(&d, basic, &o);
    /* default diff colouring: grown frames red-ish, tooltips give "before" */
    assert_non_null(strstr(d.text, "<title>write (7 syscalls, 36.84%; 100.00% of parent; before 3, +21.05%)</title>"));
    doc_free(&d);
    struct hook_log log = { 0, 0 };
    o.style = style_hook;
    o.style_arg = &log;
    render(after, &o, &d);
    assert_int_equal((size_t)log.calls, d.nr);
    assert_int_equal(log.before_write, 3);
    assert_non_null(strstr(d.text, "fill=\"rgb(1,2,3)\""));
    assert_non_null(strstr(d.text, "; was &lt;3&gt;)</title>"));
    assert_null(strstr(d.text, "onload"));
    doc_free(&d);
    stack_set_free(after);
    stack_set_free(before);
}

/* Writes the SVGs browser.sh loads: basic, hostile, many. */
static int emit(const char *dir)
{
    struct { const char *file; int which; } outs[] = {
        { "basic.svg", 0 }, { "hostile.svg", 1 }, { "many.svg", 2 },
    };
    for (size_t i = 0; i < SF_ARRAY_SIZE(outs); i++) {
        struct sbuf in = SBUF_INIT;
        if (outs[i].which == 0)
            sbuf_addstr(&in, basic);
        else if (outs[i].which == 1)
            build_hostile(&in);
        else
            build_many(&in, 100000);
        struct stack_set *s = stack_set_new();
        struct sf_err err;
        struct svg_opts o;
        svg_opts_init(&o);
        char path[4096];
        snprintf(path, sizeof(path), "%s/%s", dir, outs[i].file);
        FILE *f = fopen(path, "w");
        if (!f || fold_parse("t", sbuf_str(&in), in.len, s, &err) || svg_write(s, &o, f, &err)) {
            fprintf(stderr, "test_svg: cannot write %s\n", path);
            return 1;
        }
        fclose(f);
        stack_set_free(s);
        sbuf_release(&in);
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 3 && !strcmp(argv[1], "--emit"))
        return emit(argv[2]);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_widths_match_counts),
        cmocka_unit_test(test_hostile_names),
        cmocka_unit_test(test_python_parses),
        cmocka_unit_test(test_deterministic),
        cmocka_unit_test(test_minwidth),
        cmocka_unit_test(test_minwidth_counts),
        cmocka_unit_test(test_classify),
        cmocka_unit_test(test_go_palette_colours),
        cmocka_unit_test(test_annotations_and_palettes),
        cmocka_unit_test(test_minwidth_percent),
        cmocka_unit_test(test_modes),
        cmocka_unit_test(test_diff_hook),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
