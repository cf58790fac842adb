/* report.h - WRITER of the report folder: every artifact for one or two
 * recordings in one directory, each file written atomically (outfile.h):
 *
 *   <name>.folded  <name>.svg          per input (fold.h, svg.h)
 *   top.md  top.json                   one input: `top` tables; two inputs:
 *                                      top.md has a section per input and
 *                                      top.json is {"<name>": {top...}, ...}
 *   diff.svg  diff.md  diff.json       two inputs (first = BEFORE)
 *   summary.md                         capture health and a plain-words diagnosis
 *   index.html                         templates/report.html.in: the SVGs and
 *                                      tables together, everything escaped
 *
 * <name> comes from the input's file name (".data", ".folded", ".zst"
 * dropped, characters outside [A-Za-z0-9._-] replaced by '_', made unique). */
#ifndef REPORT_H
#define REPORT_H

#include "sf.h"
#include "profile.h"
#include "table.h"
#include "diff.h"
#include "svg.h"

struct report_input {
    const char *path;               /* as given on the command line ("-" = stdin) */
    const char *name;               /* NULL: derived from path */
    const struct profile *profile;
};

struct report_opts {
    struct top_opts top;            /* rows for top.md/top.json (limit 0 = all) */
    size_t md_limit;                /* rows per table in .md and index.html (default 25) */
    struct diff_opts diff;
    struct svg_opts svg;            /* base options for every SVG (title is set per file) */
    const struct diff_conds *fail_if;   /* optional, evaluated on the diff */
};

/* Defaults: all top tables, md_limit 25, DIFF_OPTS_INIT, svg_opts_init. */
void report_opts_init(struct report_opts *o);

/* Writes the report for n (1 or 2) inputs into dir (created with parents).
 * With two inputs and o->fail_if, *held is set to 1 when a condition holds
 * (descriptions appended to why, if not NULL).  0 ok, -1 error: files
 * already committed stay, the one being written is removed. */
int report_write(const struct report_input *in, size_t n, const char *dir,
                 const struct report_opts *o, int *held, struct sbuf *why,
                 struct sf_err *err);

/* The file-name stem report_write uses for `path` (caller frees). */
char *report_name_for(const char *path);

/* Writes summary.md's text for one or two profiles (two: `d` is their diff,
 * may be NULL otherwise).  Exposed for tests and for `sysflame info`. */
int report_write_summary(FILE *f, const struct report_input *in, size_t n,
                         const struct diff *d, struct sf_err *err);

#endif
