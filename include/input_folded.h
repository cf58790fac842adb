/* input_folded.h - folded stacks (Brendan Gregg's format,
 * "frame0;frame1;...;leaf COUNT\n", root first).  The driver's input table
 * reads folded inputs with the streaming, lenient fold_reader.h (two
 * columns, fractions, skipped lines; input_folded.c is its row);
 * fold_parse here is the strict parser of our own output (CRLF, trailing
 * spaces; fractional counts and lines without a count are errors), which
 * the tests use for round trips.  fold.h writes the format. */
#ifndef INPUT_FOLDED_H
#define INPUT_FOLDED_H

#include <stddef.h>
#include <stdint.h>
#include "sf.h"
#include "stack.h"

/* Parses folded text into s (adding counts); `name` is used in messages:
 * "'F': line 12: missing sample count".  0 ok, -1 error. */
int fold_parse(const char *name, const char *text, size_t len,
               struct stack_set *s, struct sf_err *err);

/* Does this buffer (a file's first bytes) look like folded text? */
int fold_sniff(const uint8_t *buf, size_t len);

#endif
