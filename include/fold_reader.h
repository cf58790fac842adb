/* fold_reader.h - INPUT: folded stacks as other tools write them, read as
 * a stream ("a;b;c COUNT" lines, fed in chunks of any size).
 *
 * - Two-column lines ("stack BEFORE AFTER", difffolded.pl's): a line whose
 *   last two fields are numbers.  AFTER goes to the main set (the width,
 *   as flamegraph.pl draws it), BEFORE to fold_reader_before(); a number
 *   is never glued into a frame name.
 * - Fractional counts ("a;b 0.5") are kept exactly, as flamegraph.pl sums
 *   them: counts are integers in a unit of 10^-d samples, d the most
 *   decimals met (trailing zeros aside; at most SF_COUNT_DEC_MAX, further
 *   decimals rounded and counted).  When a finer fraction first appears,
 *   the counts read so far (the sets given, earlier inputs' included) are
 *   multiplied up to the new unit.
 * - "#" comment lines, lines without a count and lines with a negative
 *   count are skipped and counted (fold_reader_skipped), not fatal.
 * - Lines are added in file order (a set with stack_record_order keeps it:
 *   --flamechart); `comm_label` replaces frame 0; `comms` keeps only lines
 *   whose first frame is one of them (or "comm-PID..." of one).
 * Totals past 2^53 units are an error, as in fold_parse. */
#ifndef FOLD_READER_H
#define FOLD_READER_H

#include <stddef.h>
#include <stdint.h>
#include "sf.h"
#include "stack.h"

struct fold_reader_opts {
    const char *comm_label;
    const char *const *comms;
    size_t nr_comms;
    unsigned decimals;           /* the unit of the counts already in the set */
};

struct fold_reader;

/* Reads into s (and, for two-column lines, a second set it creates);
 * `name` is used in messages. */
struct fold_reader *fold_reader_new(const char *name, struct stack_set *s,
                                    const struct fold_reader_opts *o);
/* 0 ok, -1 error (err: "'F': line N: ..."). */
int fold_reader_feed(struct fold_reader *r, const char *buf, size_t len, struct sf_err *err);
/* Ends the input (a last line without '\n'). */
int fold_reader_finish(struct fold_reader *r, struct sf_err *err);
/* Lines skipped (comments, no count, negative counts) and the first one. */
uint64_t fold_reader_skipped(const struct fold_reader *r, size_t *first_line);
/* Samples added to s, in units of 10^-fold_reader_decimals. */
uint64_t fold_reader_total(const struct fold_reader *r);
/* The decimals of the unit the sets' counts are now in (at least
 * opts.decimals); *rounded: counts written with more than
 * SF_COUNT_DEC_MAX decimals. */
unsigned fold_reader_decimals(const struct fold_reader *r, uint64_t *rounded);
/* The BEFORE column of two-column input, or NULL if there was none; the
 * caller takes it over (stack_set_free). */
struct stack_set *fold_reader_take_before(struct fold_reader *r);
void fold_reader_free(struct fold_reader *r);

#endif
