/* stitch.h - the ordered stage's stack stitching: a stack the user stack
 * copy cut short ([truncated]) is completed from an earlier sample of the
 * same stack memory that passed through the same activation.
 *
 * Every unwound frame is an activation at a stack address: its pc and its
 * SP (unwind_frame.sp).  The stitcher remembers, per process and stack
 * address, the last complete stack (one that reached a root) seen with a
 * frame at that address.  A truncated sample whose outermost frame is
 * (pc, sp) takes that stack's frames outer to it when the last frame seen
 * there has the same pc: the same call site of the same function at the
 * same address, nothing else seen there since.  Addresses, not threads,
 * name a stack: a goroutine's stack may run on several threads; one that
 * moved (grown by copying) lies at other addresses, so nothing is grafted
 * across the move.  Otherwise the stack stays truncated.
 *
 * Donors are earlier samples only: samples are named in delivery order,
 * so a later one is not known yet.  A stitched stack is a donor in turn.
 * State is per capture (per part of a split one: no donor crosses the
 * split, see split.h).  The table is a fixed-size cache: it forgets when
 * full, which loses stitches but never makes a wrong one (a slot holds
 * the newest observation of its address or another address's). */
#ifndef STITCH_H
#define STITCH_H

#include <stddef.h>
#include <stdint.h>

#include "result.h"
#include "session.h"
#include "unwind.h"

struct stitch;

struct stitch *stitch_new(void);
void stitch_free(struct stitch *s);

/* One sample in delivery order: its unwound frames (innermost first,
 * kernel frames first; *frames grown with xgrow and *cap), its process,
 * the mapping set its frames point into and its stop.  If the sample is
 * truncated and a donor matches, the donor's outer frames are appended
 * and *stop becomes the donor's; returns how many frames were appended
 * (0: unchanged).  The sample, stitched or not, is then remembered as a
 * donor if it reached a root. */
size_t stitch_sample(struct stitch *s, uint32_t pid, const struct sess_maps *maps,
                     struct unwind_frame **frames, size_t *nr, size_t *cap,
                     enum unwind_stop *stop);

#endif
