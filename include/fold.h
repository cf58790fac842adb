/* fold.h - WRITER of folded stacks, Brendan Gregg's format:
 * "frame0;frame1;...;leaf COUNT\n", root first, one unique stack a line,
 * sorted byte-wise.  The reader is input_folded.h. */
#ifndef FOLD_H
#define FOLD_H

#include <stdio.h>
#include "sf.h"
#include "stack.h"

/* Writes s in folded form; 0 ok, -1 on a write error. */
int fold_write(struct stack_set *s, FILE *out, struct sf_err *err);
/* The same with counts in units of 10^-decimals samples (result.h
 * count_decimals), printed as decimals without trailing zeros ("a;b 2.5",
 * "a;c 3"), as flamegraph.pl's tools print the sums they make. */
int fold_write_dec(struct stack_set *s, unsigned decimals, FILE *out, struct sf_err *err);

#endif
