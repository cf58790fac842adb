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

#endif
