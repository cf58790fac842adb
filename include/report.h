/* report.h - WRITER of the report folder: every artifact for one or two
 * recordings in one directory.  Two inputs are the sides BEFORE and AFTER:
 *
 *   before.folded  before.svg          per side (fold.h, svg.h); with one
 *   after.folded   after.svg           input <name>.folded and <name>.svg
 *   top.md  top.json                   `top` tables; two inputs: a section
 *                                      per side, top.json {"before": ..., "after": ...}
 *   diff.svg  diff.md  diff.json       two inputs only
 *   summary.md                         capture health and a plain-words diagnosis
 *   comment.md                         the headline for a pull-request comment:
 *                                      at most REPORT_COMMENT_MAX characters
 *   index.html                         the page a reviewer opens: health badges,
 *                                      the summary, sortable tables and the
 *                                      graphs embedded (templates/report.*)
 *
 * The folder is replaced as a whole: everything is written into a sibling
 * folder, which then takes the place of DIR, so DIR always holds exactly one
 * run.  An existing DIR is replaced only when it is empty or holds an
 * earlier report (index.html and summary.md, plain files only), and never
 * when an input lies inside it.
 *
 * With one input, <name> comes from its file name (".data", ".folded",
 * ".zst" dropped, characters outside [A-Za-z0-9._-] replaced by '_'). */
#ifndef REPORT_H
#define REPORT_H

#include "sf.h"
#include "result.h"
#include "table.h"
#include "diff.h"
#include "svg.h"

/* GitHub's limit for a comment's body, in characters. */
#define REPORT_COMMENT_MAX 65536

struct report_input {
    const char *const *paths;       /* the files of this side, as given ("-" = stdin) */
    size_t nr_paths;                /* >= 1 */
    const struct profile *profile;  /* their sum */
};

struct report_opts {
    struct top_opts top;            /* rows for top.md/top.json (limit 0 = all) */
    size_t md_limit;                /* rows per table in .md and index.html (default 25) */
    struct diff_opts diff;
    struct svg_opts svg;            /* base options for every SVG (title is set per file) */
    const struct diff_conds *fail_if;   /* optional, evaluated on the diff */
    const char *fail_if_text;       /* the expression as given, for the verdict */
    struct sbuf *fail_if_unmatched; /* optional: gets diff_cond_unmatched's lines */
    size_t comment_max;             /* comment.md's limit in characters (REPORT_COMMENT_MAX) */
    const char *report_url;         /* comment.md's pointer to the full report
                                     * (NULL: DIR/index.html) */
};

/* Defaults: all top tables, md_limit 25, DIFF_OPTS_INIT, svg_opts_init,
 * comment_max REPORT_COMMENT_MAX. */
void report_opts_init(struct report_opts *o);

/* Writes the report for n (1 or 2) inputs into dir (its parent folders
 * are created).  With two inputs and o->fail_if, *held is set to 1 when a
 * condition holds (descriptions appended to why, if not NULL).  0 ok, -1
 * error: dir is then as it was before the call. */
int report_write(const struct report_input *in, size_t n, const char *dir,
                 const struct report_opts *o, int *held, struct sbuf *why,
                 struct sf_err *err);

/* The file-name stem report_write uses for a single input `path` (caller
 * frees). */
char *report_name_for(const char *path);

#endif
