/* writer.h - WRITER helper for table-shaped outputs (top, diff --table,
 * info, summaries): one `struct writer` chosen once from --format
 * text|md|csv|json and passed down (never a global), plus the streaming JSON
 * writer it uses.
 *
 * A document is scalars ("total", "lost"...) and tables with typed columns:
 *
 *     struct writer *w = writer_new(fp, WRITER_MD);
 *     writer_begin(w);
 *     writer_scalar_uint(w, "total", "Samples", 860);
 *     writer_table_begin(w, "syscalls", "Syscalls", cols, 3);
 *     writer_cell_str(w, "write"); writer_cell_uint(w, 120); writer_cell_float(w, 0.14);
 *     writer_table_end(w);
 *     writer_end(w);
 *     rc = writer_free(w, err);       // -1 if the stream had a write error
 *
 * text: "Title: value" lines, tables as aligned columns (numbers right),
 *       control bytes shown as '?'.
 * md:   GitHub markdown; `|`, `\`, backticks, `*`, `_`, `[`, `]`, `<`, `>`,
 *       `&` in cells are escaped so names cannot inject markup.
 * csv:  RFC 4180; scalars first as a "key,value" section, then each table
 *       (header row of keys), sections separated by an empty line.
 *       Percentages are written as fractions (0.1395), like JSON.
 * json: one object: scalars as members, each table an array of objects keyed
 *       by column key; NaN/inf floats become null.
 * html: a fragment for report pages (not a --format): scalars as
 *       <p class="scalar">, each table an <h3> and a <table class="sortable">
 *       whose numeric cells have class "num"; every text HTML-escaped. */
#ifndef WRITER_H
#define WRITER_H

#include <stdio.h>
#include <stdint.h>
#include <stddef.h>
#include "sf.h"

/* ---- streaming JSON (commas and indentation placed for you) ---- */
struct jsonw;

/* pretty: newline + 2-space indent per level; 0 = compact. */
struct jsonw *jsonw_new(FILE *f, int pretty);
void jsonw_free(struct jsonw *j);
void jsonw_start_object(struct jsonw *j);
void jsonw_end_object(struct jsonw *j);
void jsonw_start_array(struct jsonw *j);
void jsonw_end_array(struct jsonw *j);
/* Member name inside an object; the next value call is its value. */
void jsonw_name(struct jsonw *j, const char *name);
/* Escapes quotes, backslash, control bytes; invalid UTF-8 -> \ufffd. */
void jsonw_string(struct jsonw *j, const char *s);
void jsonw_string_len(struct jsonw *j, const char *s, size_t n);
void jsonw_uint(struct jsonw *j, uint64_t v);
void jsonw_int(struct jsonw *j, int64_t v);
/* prec < 0: shortest round-trip form (%.17g trimmed); NaN/inf -> null. */
void jsonw_float(struct jsonw *j, double v, int prec);
void jsonw_bool(struct jsonw *j, int v);
void jsonw_null(struct jsonw *j);
/* name + value in one call */
void jsonw_string_field(struct jsonw *j, const char *name, const char *s);
void jsonw_uint_field(struct jsonw *j, const char *name, uint64_t v);
void jsonw_int_field(struct jsonw *j, const char *name, int64_t v);
void jsonw_float_field(struct jsonw *j, const char *name, double v, int prec);
void jsonw_bool_field(struct jsonw *j, const char *name, int v);
void jsonw_null_field(struct jsonw *j, const char *name);

/* Writes s JSON-escaped (without quotes) to f; shared with the SVG/HTML
 * writers that embed JSON. */
void json_escape(FILE *f, const char *s, size_t n);

/* ---- format-neutral tables ---- */
enum writer_format { WRITER_TEXT = 0, WRITER_MD, WRITER_CSV, WRITER_JSON, WRITER_HTML };

/* "text"|"md"|"csv"|"json" -> *f; 0 ok, -1 unknown (html is internal). */
int writer_format_parse(const char *s, enum writer_format *f);
const char *writer_format_name(enum writer_format f);

enum writer_type {
    WCOL_STR = 0,
    WCOL_UINT,     /* writer_cell_uint */
    WCOL_INT,      /* writer_cell_int; text/md show a sign: "+20", "-3" */
    WCOL_FLOAT,    /* writer_cell_float, `prec` decimals */
    WCOL_PCT,      /* writer_cell_float with a fraction: text/md "13.95%"
                      (prec decimals of the percentage), csv/json 0.1395 */
    WCOL_SPCT,     /* signed percentage change: "+20.0%" (fraction 0.2 given) */
    WCOL_BOOL,     /* writer_cell_bool: text/md/csv "yes"/"no", json true/false */
};

struct writer_col {
    const char *key;       /* JSON member / CSV header: "count" */
    const char *title;     /* text/md header: "Count" */
    enum writer_type type;
    int prec;              /* decimals for FLOAT/PCT (text/md/csv) */
};

struct writer;

struct writer *writer_new(FILE *f, enum writer_format fmt);
/* Frees w; returns -1 (message in err) if the stream had a write error. */
int writer_free(struct writer *w, struct sf_err *err);
enum writer_format writer_fmt(const struct writer *w);
FILE *writer_fp(const struct writer *w);
/* The JSON writer in json mode (for members tables cannot express), else NULL. */
struct jsonw *writer_json(struct writer *w);

void writer_begin(struct writer *w);
void writer_end(struct writer *w);

/* Document-level values: JSON member `key`, text/md "Title: value". */
void writer_scalar_str(struct writer *w, const char *key, const char *title, const char *v);
void writer_scalar_uint(struct writer *w, const char *key, const char *title, uint64_t v);
void writer_scalar_float(struct writer *w, const char *key, const char *title,
                         double v, int prec);
/* A sample count in units of 10^-dec (result.h count_decimals): "2.5";
 * dec 0 is writer_scalar_uint. */
void writer_scalar_count(struct writer *w, const char *key, const char *title, uint64_t v,
                         unsigned dec);
/* A fraction shown as a percentage in text/md ("0.12%"), as is elsewhere. */
void writer_scalar_pct(struct writer *w, const char *key, const char *title,
                       double v, int prec);

/* Columns are borrowed until writer_table_end.  Cells are given row by row,
 * left to right; a row ends after ncols cells. */
void writer_table_begin(struct writer *w, const char *key, const char *title,
                        const struct writer_col *cols, size_t ncols);
void writer_cell_str(struct writer *w, const char *s);
void writer_cell_uint(struct writer *w, uint64_t v);
void writer_cell_int(struct writer *w, int64_t v);
/* Sample counts in units of 10^-dec (a WCOL_UINT / WCOL_INT column):
 * "2.5", a delta "+0.25"; dec 0 is writer_cell_uint / writer_cell_int. */
void writer_cell_count(struct writer *w, uint64_t v, unsigned dec);
void writer_cell_count_delta(struct writer *w, int64_t v, unsigned dec);
void writer_cell_float(struct writer *w, double v);   /* NaN: "-", "", null */
void writer_cell_bool(struct writer *w, int v);
void writer_cell_null(struct writer *w);
void writer_table_end(struct writer *w);
/* After writer_table_end: text and md say that n rows were left out
 * ("... n more (--limit 0 for all)"); csv, json and html print nothing. */
void writer_table_more(struct writer *w, size_t n);

/* Escapers shared with report.c: markdown cell text and HTML text. */
void md_escape(FILE *f, const char *s);
void html_escape(FILE *f, const char *s);

#endif
