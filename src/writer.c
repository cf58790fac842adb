/* writer.c - WRITER helper: typed tables and scalars rendered as aligned
 * text, GitHub markdown, RFC 4180 CSV or JSON, plus the streaming JSON
 * writer.  Used by table.c, diff.c and report.c; hands bytes to a FILE*. */
#include "writer.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ================= streaming JSON ================= */

#define JSONW_MAX_DEPTH 64

struct jsonw {
    FILE *f;
    int pretty;
    int depth;
    int after_name;                      /* a name was written, value next */
    unsigned char first[JSONW_MAX_DEPTH];/* no member yet at this level */
};

struct jsonw *jsonw_new(FILE *f, int pretty)
{
    struct jsonw *j = xcalloc(1, sizeof(*j));
    j->f = f;
    j->pretty = pretty;
    j->first[0] = 1;
    return j;
}

void jsonw_free(struct jsonw *j)
{
    if (j && j->pretty && j->depth == 0)
        fputc('\n', j->f);
    free(j);
}

static void jsonw_indent(struct jsonw *j)
{
    if (!j->pretty)
        return;
    fputc('\n', j->f);
    for (int i = 0; i < j->depth; i++)
        fputs("  ", j->f);
}

/* Separator before a value (or a name) at the current level. */
static void jsonw_sep(struct jsonw *j)
{
    if (j->after_name) {
        j->after_name = 0;
        return;
    }
    int d = j->depth < JSONW_MAX_DEPTH ? j->depth : JSONW_MAX_DEPTH - 1;
    if (!j->first[d])
        fputc(',', j->f);
    j->first[d] = 0;
    if (j->depth > 0)
        jsonw_indent(j);
}

static void jsonw_open(struct jsonw *j, int c)
{
    jsonw_sep(j);
    fputc(c, j->f);
    j->depth++;
    if (j->depth < JSONW_MAX_DEPTH)
        j->first[j->depth] = 1;
}

static void jsonw_close(struct jsonw *j, int c)
{
    int d = j->depth < JSONW_MAX_DEPTH ? j->depth : JSONW_MAX_DEPTH - 1;
    int empty = j->first[d];
    if (j->depth > 0)
        j->depth--;
    if (!empty)
        jsonw_indent(j);
    fputc(c, j->f);
}

void jsonw_start_object(struct jsonw *j) { jsonw_open(j, '{'); }
void jsonw_end_object(struct jsonw *j) { jsonw_close(j, '}'); }
void jsonw_start_array(struct jsonw *j) { jsonw_open(j, '['); }
void jsonw_end_array(struct jsonw *j) { jsonw_close(j, ']'); }

/* Length of a valid UTF-8 sequence at s (n bytes left), 0 if invalid. */
static size_t utf8_seq_len(const unsigned char *s, size_t n)
{
    unsigned c = s[0];
    size_t len;
    unsigned lo = 0x80, hi = 0xbf;
    if (c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf)
        len = 2;
    else if (c >= 0xe0 && c <= 0xef) {
        len = 3;
        if (c == 0xe0)
            lo = 0xa0;                 /* no overlong forms */
        else if (c == 0xed)
            hi = 0x9f;                 /* no surrogates */
    } else if (c >= 0xf0 && c <= 0xf4) {
        len = 4;
        if (c == 0xf0)
            lo = 0x90;
        else if (c == 0xf4)
            hi = 0x8f;                 /* <= U+10FFFF */
    } else
        return 0;
    if (n < len || s[1] < lo || s[1] > hi)
        return 0;
    for (size_t i = 2; i < len; i++)
        if ((s[i] & 0xc0) != 0x80)
            return 0;
    return len;
}

void json_escape(FILE *f, const char *str, size_t n)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t i = 0;
    while (i < n) {
        unsigned c = s[i];
        if (c >= 0x80) {
            size_t len = utf8_seq_len(s + i, n - i);
            if (!len) {
                fputs("\\ufffd", f);
                i++;
            } else {
                fwrite(s + i, 1, len, f);
                i += len;
            }
            continue;
        }
        switch (c) {
        case '"': fputs("\\\"", f); break;
        case '\\': fputs("\\\\", f); break;
        case '\n': fputs("\\n", f); break;
        case '\r': fputs("\\r", f); break;
        case '\t': fputs("\\t", f); break;
        case '\b': fputs("\\b", f); break;
        case '\f': fputs("\\f", f); break;
        default:
            if (c < 0x20 || c == 0x7f)
                fprintf(f, "\\u%04x", c);
            else
                fputc((int)c, f);
        }
        i++;
    }
}

void jsonw_name(struct jsonw *j, const char *name)
{
    jsonw_sep(j);
    fputc('"', j->f);
    json_escape(j->f, name, strlen(name));
    fputs(j->pretty ? "\": " : "\":", j->f);
    j->after_name = 1;
}

void jsonw_string_len(struct jsonw *j, const char *s, size_t n)
{
    jsonw_sep(j);
    fputc('"', j->f);
    json_escape(j->f, s, n);
    fputc('"', j->f);
}

void jsonw_string(struct jsonw *j, const char *s)
{
    if (!s) {
        jsonw_null(j);
        return;
    }
    jsonw_string_len(j, s, strlen(s));
}

void jsonw_uint(struct jsonw *j, uint64_t v)
{
    jsonw_sep(j);
    fprintf(j->f, "%llu", (unsigned long long)v);
}

/* A count in units of 10^-dec (sf_count_str), as a JSON number. */
static void jsonw_count(struct jsonw *j, int64_t v, unsigned dec)
{
    char buf[SF_COUNT_STR];
    jsonw_sep(j);
    sf_count_str(buf, v < 0 ? (uint64_t)-v : (uint64_t)v, dec, 0);
    fprintf(j->f, "%s%s", v < 0 ? "-" : "", buf);
}

void jsonw_int(struct jsonw *j, int64_t v)
{
    jsonw_sep(j);
    fprintf(j->f, "%lld", (long long)v);
}

/* "%.*f" without trailing zeros ("1.200" -> "1.2", "2.000" -> "2"). */
static void format_trimmed(char *buf, size_t cap, double v, int prec)
{
    snprintf(buf, cap, "%.*f", prec, v);
    if (strchr(buf, '.')) {
        size_t n = strlen(buf);
        while (n > 0 && buf[n - 1] == '0')
            buf[--n] = '\0';
        if (n > 0 && buf[n - 1] == '.')
            buf[--n] = '\0';
    }
    if (!strcmp(buf, "-0"))
        strcpy(buf, "0");
}

void jsonw_float(struct jsonw *j, double v, int prec)
{
    char buf[64];
    if (!isfinite(v)) {
        jsonw_null(j);
        return;
    }
    jsonw_sep(j);
    if (prec < 0 || fabs(v) >= 1e15)
        snprintf(buf, sizeof(buf), "%.17g", v);
    else
        format_trimmed(buf, sizeof(buf), v, prec);
    fputs(buf, j->f);
}

void jsonw_bool(struct jsonw *j, int v)
{
    jsonw_sep(j);
    fputs(v ? "true" : "false", j->f);
}

void jsonw_null(struct jsonw *j)
{
    jsonw_sep(j);
    fputs("null", j->f);
}

void jsonw_string_field(struct jsonw *j, const char *n, const char *s) { jsonw_name(j, n); jsonw_string(j, s); }
void jsonw_uint_field(struct jsonw *j, const char *n, uint64_t v) { jsonw_name(j, n); jsonw_uint(j, v); }
void jsonw_int_field(struct jsonw *j, const char *n, int64_t v) { jsonw_name(j, n); jsonw_int(j, v); }
void jsonw_float_field(struct jsonw *j, const char *n, double v, int prec) { jsonw_name(j, n); jsonw_float(j, v, prec); }
void jsonw_bool_field(struct jsonw *j, const char *n, int v) { jsonw_name(j, n); jsonw_bool(j, v); }
void jsonw_null_field(struct jsonw *j, const char *n) { jsonw_name(j, n); jsonw_null(j); }

/* ================= escapers ================= */

void md_escape(FILE *f, const char *str)
{
    for (const unsigned char *s = (const unsigned char *)str; *s; s++) {
        switch (*s) {
        case '|': case '\\': case '`': case '*': case '_': case '[': case ']':
        case '#': case '~':
            fputc('\\', f);
            fputc(*s, f);
            break;
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '&': fputs("&amp;", f); break;
        default:
            fputc(*s < 0x20 || *s == 0x7f ? ' ' : *s, f);
        }
    }
}

void html_escape(FILE *f, const char *str)
{
    for (const unsigned char *s = (const unsigned char *)str; *s; s++) {
        switch (*s) {
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '&': fputs("&amp;", f); break;
        case '"': fputs("&quot;", f); break;
        case '\'': fputs("&#39;", f); break;
        default:
            if (*s < 0x20 && *s != '\n' && *s != '\t')
                fputc('?', f);
            else
                fputc(*s, f);
        }
    }
}

/* ================= tables ================= */

struct writer {
    FILE *f;
    enum writer_format fmt;
    struct jsonw *json;
    int wrote_section;        /* something printed already (separators) */
    int in_scalars;           /* csv: inside the key,value section */
    /* current table */
    const struct writer_col *cols;
    size_t ncols, col;        /* col: next cell index in the row */
    const char *title;
    size_t nrows;
    char **cells;             /* text: buffered cells, row-major */
    size_t nr_cells, cap_cells;
};

int writer_format_parse(const char *s, enum writer_format *f)
{
    static const char *const names[] = { "text", "md", "csv", "json" };
    for (size_t i = 0; i < SF_ARRAY_SIZE(names); i++) {
        if (s && !strcmp(s, names[i])) {
            *f = (enum writer_format)i;
            return 0;
        }
    }
    return -1;
}

const char *writer_format_name(enum writer_format f)
{
    switch (f) {
    case WRITER_TEXT: return "text";
    case WRITER_MD: return "md";
    case WRITER_CSV: return "csv";
    case WRITER_JSON: return "json";
    case WRITER_HTML: return "html";
    }
    return "?";
}

struct writer *writer_new(FILE *f, enum writer_format fmt)
{
    struct writer *w = xcalloc(1, sizeof(*w));
    w->f = f;
    w->fmt = fmt;
    if (fmt == WRITER_JSON)
        w->json = jsonw_new(f, 1);
    return w;
}

int writer_free(struct writer *w, struct sf_err *err)
{
    int rc = 0;
    if (!w)
        return 0;
    if (w->json)
        jsonw_free(w->json);
    for (size_t i = 0; i < w->nr_cells; i++)
        free(w->cells[i]);
    free(w->cells);
    if (fflush(w->f) != 0 || ferror(w->f))
        rc = sf_error(err, "write error");
    free(w);
    return rc;
}

enum writer_format writer_fmt(const struct writer *w) { return w->fmt; }
FILE *writer_fp(const struct writer *w) { return w->f; }
struct jsonw *writer_json(struct writer *w) { return w->json; }

void writer_begin(struct writer *w)
{
    if (w->json)
        jsonw_start_object(w->json);
}

void writer_end(struct writer *w)
{
    if (w->json)
        jsonw_end_object(w->json);
}

static void csv_field(FILE *f, const char *s)
{
    size_t n = strlen(s);
    int quote = n && (s[0] == ' ' || s[n - 1] == ' ');
    for (size_t i = 0; i < n && !quote; i++)
        if (s[i] == ',' || s[i] == '"' || s[i] == '\r' || s[i] == '\n')
            quote = 1;
    if (!quote) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '"')
            fputc('"', f);
        fputc(s[i], f);
    }
    fputc('"', f);
}

/* Text mode: control bytes would move the cursor; show them as '?'. */
static void text_put(FILE *f, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        fputc(*p < 0x20 || *p == 0x7f ? '?' : *p, f);
}

static void scalar_text(struct writer *w, const char *key, const char *title,
                        const char *val, int is_string)
{
    switch (w->fmt) {
    case WRITER_TEXT:
        text_put(w->f, title);
        fputs(": ", w->f);
        text_put(w->f, val);
        fputc('\n', w->f);
        break;
    case WRITER_MD:
        fputs("- **", w->f);
        md_escape(w->f, title);
        fputs("**: ", w->f);
        md_escape(w->f, val);
        fputc('\n', w->f);
        break;
    case WRITER_CSV:
        if (!w->in_scalars) {
            if (w->wrote_section)
                fputc('\n', w->f);
            fputs("key,value\r\n", w->f);
            w->in_scalars = 1;
        }
        csv_field(w->f, key);
        fputc(',', w->f);
        csv_field(w->f, val);
        fputs("\r\n", w->f);
        break;
    case WRITER_HTML:
        fputs("<p class=\"scalar\"><b>", w->f);
        html_escape(w->f, title);
        fputs(":</b> ", w->f);
        html_escape(w->f, val);
        fputs("</p>\n", w->f);
        break;
    case WRITER_JSON:
        break;
    }
    (void)is_string;
    w->wrote_section = 1;
}

void writer_scalar_str(struct writer *w, const char *key, const char *title, const char *v)
{
    if (w->json) {
        jsonw_string_field(w->json, key, v);
        return;
    }
    scalar_text(w, key, title, v ? v : "", 1);
}

void writer_scalar_uint(struct writer *w, const char *key, const char *title, uint64_t v)
{
    char buf[32];
    if (w->json) {
        jsonw_uint_field(w->json, key, v);
        return;
    }
    snprintf(buf, sizeof(buf), "%llu", (unsigned long long)v);
    scalar_text(w, key, title, buf, 0);
}

void writer_scalar_count(struct writer *w, const char *key, const char *title, uint64_t v,
                         unsigned dec)
{
    char buf[SF_COUNT_STR];
    if (w->json) {
        jsonw_name(w->json, key);
        jsonw_count(w->json, (int64_t)v, dec);
        return;
    }
    sf_count_str(buf, v, dec, 0);
    scalar_text(w, key, title, buf, 0);
}

void writer_scalar_float(struct writer *w, const char *key, const char *title,
                         double v, int prec)
{
    char buf[64];
    if (w->json) {
        jsonw_float_field(w->json, key, v, prec < 3 ? 3 : prec);
        return;
    }
    if (isnan(v))
        snprintf(buf, sizeof(buf), w->fmt == WRITER_CSV ? "" : "-");
    else
        snprintf(buf, sizeof(buf), "%.*f", prec, v);
    scalar_text(w, key, title, buf, 0);
}

void writer_scalar_pct(struct writer *w, const char *key, const char *title,
                       double v, int prec)
{
    char buf[64];
    if (w->json) {
        jsonw_float_field(w->json, key, v, prec + 2 < 4 ? 4 : prec + 2);
        return;
    }
    if (isnan(v))
        snprintf(buf, sizeof(buf), w->fmt == WRITER_CSV ? "" : "-");
    else if (w->fmt == WRITER_CSV)
        snprintf(buf, sizeof(buf), "%.*f", prec + 2, v);
    else
        snprintf(buf, sizeof(buf), "%.*f%%", prec, v * 100.0);
    scalar_text(w, key, title, buf, 0);
}

static int col_is_numeric(const struct writer_col *c)
{
    return c->type != WCOL_STR && c->type != WCOL_BOOL;
}

void writer_table_begin(struct writer *w, const char *key, const char *title,
                        const struct writer_col *cols, size_t ncols)
{
    w->cols = cols;
    w->ncols = ncols;
    w->col = 0;
    w->nrows = 0;
    w->title = title;
    w->in_scalars = 0;
    switch (w->fmt) {
    case WRITER_JSON:
        jsonw_name(w->json, key);
        jsonw_start_array(w->json);
        break;
    case WRITER_TEXT:
        if (w->wrote_section)
            fputc('\n', w->f);
        break;
    case WRITER_MD:
        if (w->wrote_section)
            fputc('\n', w->f);
        fputs("### ", w->f);
        md_escape(w->f, title);
        fputs("\n\n|", w->f);
        for (size_t i = 0; i < ncols; i++) {
            fputc(' ', w->f);
            md_escape(w->f, cols[i].title);
            fputs(" |", w->f);
        }
        fputs("\n|", w->f);
        for (size_t i = 0; i < ncols; i++)
            fputs(col_is_numeric(&cols[i]) ? " ---: |" : " --- |", w->f);
        fputc('\n', w->f);
        break;
    case WRITER_CSV:
        if (w->wrote_section)
            fputs("\r\n", w->f);
        for (size_t i = 0; i < ncols; i++) {
            if (i)
                fputc(',', w->f);
            csv_field(w->f, cols[i].key);
        }
        fputs("\r\n", w->f);
        break;
    case WRITER_HTML:
        fputs("<h3>", w->f);
        html_escape(w->f, title);
        fputs("</h3>\n<div class=\"tw\"><table class=\"sortable\" data-key=\"", w->f);
        html_escape(w->f, key);
        fputs("\">\n<thead><tr>", w->f);
        for (size_t i = 0; i < ncols; i++) {
            fputs(col_is_numeric(&cols[i]) ? "<th class=\"num\">" : "<th>", w->f);
            html_escape(w->f, cols[i].title);
            fputs("</th>", w->f);
        }
        fputs("</tr></thead>\n<tbody>\n", w->f);
        break;
    }
    w->wrote_section = 1;
}

/* Emits one formatted cell (text form) in the non-JSON formats. */
static void put_cell(struct writer *w, const char *text)
{
    if (w->col >= w->ncols)
        return;                   /* more cells than columns: caller bug */
    switch (w->fmt) {
    case WRITER_TEXT:
        w->cells = xgrow(w->cells, sizeof(*w->cells), w->nr_cells + 1, &w->cap_cells);
        w->cells[w->nr_cells++] = xstrdup(text);
        break;
    case WRITER_MD:
        if (w->col == 0)
            fputc('|', w->f);
        fputc(' ', w->f);
        md_escape(w->f, text);
        fputs(" |", w->f);
        if (w->col + 1 == w->ncols)
            fputc('\n', w->f);
        break;
    case WRITER_CSV:
        if (w->col)
            fputc(',', w->f);
        csv_field(w->f, text);
        if (w->col + 1 == w->ncols)
            fputs("\r\n", w->f);
        break;
    case WRITER_HTML:
        if (w->col == 0)
            fputs("<tr>", w->f);
        fputs(col_is_numeric(&w->cols[w->col]) ? "<td class=\"num\">" : "<td>", w->f);
        html_escape(w->f, text);
        fputs("</td>", w->f);
        if (w->col + 1 == w->ncols)
            fputs("</tr>\n", w->f);
        break;
    case WRITER_JSON:
        break;
    }
}

/* JSON: open the row object at its first cell, name each member. */
static int json_cell_begin(struct writer *w)
{
    if (!w->json)
        return 0;
    if (w->col >= w->ncols)
        return -1;
    if (w->col == 0)
        jsonw_start_object(w->json);
    jsonw_name(w->json, w->cols[w->col].key);
    return 1;
}

static void cell_done(struct writer *w)
{
    if (w->col >= w->ncols)
        return;
    if (++w->col == w->ncols) {
        if (w->json)
            jsonw_end_object(w->json);
        w->col = 0;
        w->nrows++;
    }
}

void writer_cell_str(struct writer *w, const char *s)
{
    int j = json_cell_begin(w);
    if (j < 0)
        return;
    if (j)
        jsonw_string(w->json, s);
    else
        put_cell(w, s ? s : "");
    cell_done(w);
}

void writer_cell_uint(struct writer *w, uint64_t v)
{
    char buf[32];
    int j = json_cell_begin(w);
    if (j < 0)
        return;
    if (j) {
        jsonw_uint(w->json, v);
    } else {
        snprintf(buf, sizeof(buf), "%llu", (unsigned long long)v);
        put_cell(w, buf);
    }
    cell_done(w);
}

/* A count in units of 10^-dec; sign: a delta ("+0.25"; csv no '+'). */
static void cell_count(struct writer *w, int64_t v, unsigned dec, int sign)
{
    char buf[SF_COUNT_STR + 1];
    int j = json_cell_begin(w);
    if (j < 0)
        return;
    if (j) {
        jsonw_count(w->json, v, dec);
    } else {
        buf[0] = v < 0 ? '-' : '+';
        int mark = v != 0 && (v < 0 || (sign && w->fmt != WRITER_CSV));
        sf_count_str(buf + mark, v < 0 ? (uint64_t)-v : (uint64_t)v, dec, 0);
        put_cell(w, buf);
    }
    cell_done(w);
}

void writer_cell_count(struct writer *w, uint64_t v, unsigned dec)
{
    if (dec)
        cell_count(w, (int64_t)v, dec, 0);
    else
        writer_cell_uint(w, v);
}

void writer_cell_count_delta(struct writer *w, int64_t v, unsigned dec)
{
    if (dec)
        cell_count(w, v, dec, 1);
    else
        writer_cell_int(w, v);
}

void writer_cell_int(struct writer *w, int64_t v)
{
    char buf[32];
    int j = json_cell_begin(w);
    if (j < 0)
        return;
    if (j) {
        jsonw_int(w->json, v);
    } else {
        snprintf(buf, sizeof(buf), w->fmt == WRITER_CSV ? "%lld" : "%+lld", (long long)v);
        if (v == 0)
            strcpy(buf, "0");
        put_cell(w, buf);
    }
    cell_done(w);
}

void writer_cell_float(struct writer *w, double v)
{
    char buf[64];
    int j = json_cell_begin(w);
    if (j < 0)
        return;
    const struct writer_col *c = &w->cols[w->col];
    int pct = c->type == WCOL_PCT || c->type == WCOL_SPCT;
    if (j) {
        if (pct)
            jsonw_float(w->json, v, c->prec + 2 < 4 ? 4 : c->prec + 2);
        else
            jsonw_float(w->json, v, c->prec < 3 ? 3 : c->prec);
        cell_done(w);
        return;
    }
    if (isnan(v)) {
        snprintf(buf, sizeof(buf), "%s", w->fmt == WRITER_CSV ? "" : "-");
    } else if (isinf(v)) {
        snprintf(buf, sizeof(buf), "%s", w->fmt == WRITER_CSV ? (v > 0 ? "inf" : "-inf")
                                                             : (v > 0 ? "new" : "gone"));
    } else if (w->fmt == WRITER_CSV) {
        snprintf(buf, sizeof(buf), "%.*f", pct ? c->prec + 2 : c->prec, v);
    } else if (c->type == WCOL_PCT) {
        snprintf(buf, sizeof(buf), "%.*f%%", c->prec, v * 100.0);
    } else if (c->type == WCOL_SPCT) {
        snprintf(buf, sizeof(buf), "%+.*f%%", c->prec, v * 100.0);
    } else {
        snprintf(buf, sizeof(buf), "%.*f", c->prec, v);
    }
    /* a value that rounds to zero has no sign, as in JSON: "0.0", not "-0.0" */
    if (isfinite(v) && buf[0] == '-' && !strpbrk(buf, "123456789"))
        buf[0] = c->type == WCOL_SPCT && w->fmt != WRITER_CSV ? '+' : ' ';
    put_cell(w, buf[0] == ' ' ? buf + 1 : buf);
    cell_done(w);
}

void writer_cell_bool(struct writer *w, int v)
{
    int j = json_cell_begin(w);
    if (j < 0)
        return;
    if (j)
        jsonw_bool(w->json, v);
    else
        put_cell(w, v ? "yes" : "no");
    cell_done(w);
}

void writer_cell_null(struct writer *w)
{
    int j = json_cell_begin(w);
    if (j < 0)
        return;
    if (j)
        jsonw_null(w->json);
    else
        put_cell(w, w->fmt == WRITER_CSV ? "" : "-");
    cell_done(w);
}

/* Display width: UTF-8 continuation bytes take no column. */
static size_t text_width(const char *s)
{
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if ((*p & 0xc0) != 0x80)
            n++;
    return n;
}

static void text_pad(FILE *f, size_t n)
{
    while (n--)
        fputc(' ', f);
}

static void text_table_flush(struct writer *w)
{
    size_t nc = w->ncols, nrows = nc ? w->nr_cells / nc : 0;
    size_t *width = xcalloc(nc ? nc : 1, sizeof(*width));
    for (size_t c = 0; c < nc; c++)
        width[c] = text_width(w->cols[c].title);
    for (size_t r = 0; r < nrows; r++)
        for (size_t c = 0; c < nc; c++)
            width[c] = SF_MAX(width[c], text_width(w->cells[r * nc + c]));
    text_put(w->f, w->title);
    fputc('\n', w->f);
    for (size_t r = 0; r <= nrows; r++) {
        for (size_t c = 0; c < nc; c++) {
            const char *s = r == 0 ? w->cols[c].title : w->cells[(r - 1) * nc + c];
            size_t pad = width[c] - text_width(s);
            int last = c + 1 == nc;
            if (c)
                fputs("  ", w->f);
            if (col_is_numeric(&w->cols[c]))
                text_pad(w->f, pad);
            text_put(w->f, s);
            if (!col_is_numeric(&w->cols[c]) && !last)
                text_pad(w->f, pad);
        }
        fputc('\n', w->f);
    }
    if (nrows == 0)
        fputs("(none)\n", w->f);
    free(width);
    for (size_t i = 0; i < w->nr_cells; i++)
        free(w->cells[i]);
    w->nr_cells = 0;
}

void writer_table_more(struct writer *w, size_t n)
{
    /* Markdown: a blank line first, or the note would read as a row */
    if (n && (w->fmt == WRITER_TEXT || w->fmt == WRITER_MD))
        fprintf(w->f, "%s... %zu more (--limit 0 for all)\n", w->fmt == WRITER_MD ? "\n" : "",
                n);
}

void writer_table_end(struct writer *w)
{
    /* Complete a partial row so the output stays well-formed. */
    while (w->col != 0)
        writer_cell_null(w);
    switch (w->fmt) {
    case WRITER_JSON:
        jsonw_end_array(w->json);
        break;
    case WRITER_TEXT:
        text_table_flush(w);
        break;
    case WRITER_MD:
        if (w->nrows == 0) {
            fputc('|', w->f);
            for (size_t i = 0; i < w->ncols; i++)
                fputs(" - |", w->f);
            fputc('\n', w->f);
        }
        break;
    case WRITER_CSV:
        break;
    case WRITER_HTML:
        if (w->nrows == 0)
            fprintf(w->f, "<tr><td colspan=\"%zu\">none</td></tr>\n", w->ncols);
        fputs("</tbody></table></div>\n", w->f);
        break;
    }
    w->cols = NULL;
    w->ncols = 0;
}
