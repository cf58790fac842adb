/* fold.h - WRITER (and reader) of folded stacks, Brendan Gregg's format:
 * "frame0;frame1;...;leaf COUNT\n", root first, one unique stack a line,
 * sorted byte-wise.  The parser accepts what stackcollapse-*.pl and other
 * tools emit (CRLF, trailing spaces, fractional counts rejected). */
#ifndef FOLD_H
#define FOLD_H

#include <stdio.h>
#include "sf.h"
#include "stack.h"

/* Writes s in folded form; 0 ok, -1 on a write error. */
int fold_write(struct stack_set *s, FILE *out, struct sf_err *err);

/* Parses folded text into s (adding counts); `name` is used in messages:
 * "'F': line 12: missing sample count".  0 ok, -1 error. */
int fold_parse(const char *name, const char *text, size_t len,
               struct stack_set *s, struct sf_err *err);

/* Heuristic used by inputs: does this buffer look like folded text? */
int fold_sniff(const uint8_t *buf, size_t len);

#endif
