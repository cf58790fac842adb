/* stitch.h - the ordered stage's stack stitching: a stack the user stack
 * copy cut short ([truncated]) is completed from another sample of the
 * same stack memory that passed through the same activation.
 *
 * Every unwound frame is an activation at a stack address: its pc and its
 * SP (unwind_frame.sp).  The stitcher remembers, per process and stack
 * address, the last frame seen there and the complete stack (one that
 * reached a root) it belonged to.  A truncated sample whose outermost
 * frame is in function F at address A takes that stack's frames outer to
 * A when the last frame seen at A is in F too (this call site or another).
 * Failing that, it waits for the first later sample with a frame at A: F
 * there, in a stack that reached a root, completes it; another function
 * there ends the wait; a later sample with F at A that waits itself
 * completes it if it is completed.  Either way the donor's stack (named by
 * the address of its outermost frame) must not have risen above A between
 * the two samples: a sample of it with a higher SP (within the window of
 * waiting samples any sample with its SP between A and the stack's
 * outermost frame; before it, a complete one) shows the activation
 * returned, so a frame of F at A since is another activation.
 *
 * A stack completed from an earlier donor stays open until it is named:
 * the first later sample with a frame at A that is in F, with its own
 * complete stack and no rise since, confirms it or, if its frames outer
 * to A differ, undoes it (back to truncated), and with it every sample
 * completed from its frames; another function at A or a rise lets it
 * stand.  A sample completed from a graft still open when it is named is
 * left truncated.
 *
 * Addresses, not threads, name a stack: a goroutine's stack may run on
 * several threads; one that moved (grown by copying) lies at other
 * addresses, so nothing is grafted across the move.  Otherwise the stack
 * stays truncated.
 *
 * The caller names samples in delivery order but a batch behind (see
 * profile.c): a waiting sample must stay where it is until stitch_expire
 * passes it, which the caller does STITCH_WAIT samples later (loader.h).
 * A stack stitched from an earlier sample is a donor in turn; one
 * completed by a later sample completes only those waiting on it.
 * State is per capture, and per part of a split one, whose parts overlap
 * (split.h): what the stitcher decides about a sample depends only on the
 * samples shown since its donor (a wait and an age are distances, not
 * counts from the start), so a part that saw the donor decides as one
 * stitcher of the whole capture.  The address table is a cache of 2^17 slots,
 * allocated as it fills: it forgets when full, which loses stitches but
 * never makes a wrong one (a slot holds the newest observation of its
 * address or of another address); a slot keeps only the frames outer to
 * its address (shared between stacks), grafts are copies. */
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

/* The stitcher starts mid-capture (the second part of a split read,
 * split.h).  A sample that a stitcher of the whole capture may have
 * completed from an earlier donor this one never saw (its address not
 * seen here, or seen with no donor) leaves no donor where it passes and
 * counts as a possible rise in the checks after it; a graft such a rise
 * may forbid is not made (the stack stays truncated).  Such a sample
 * still waits for a later donor (see doc/stitching.md, "Split reads", for
 * what that leaves unproven). */
void stitch_partial(struct stitch *s);

/* One sample in delivery order: its unwound frames (innermost first,
 * kernel frames first; *frames grown with xgrow and *cap), its process
 * and its stop.  If the sample is
 * truncated and an earlier donor matches, the donor's outer frames are
 * appended and *stop becomes root; returns how many frames were appended.
 * Otherwise a truncated sample waits: a later call may append to *frames
 * and set *stop, until stitch_expire passes its sequence number.  The
 * sample is then remembered as a donor if it reached a root.  Until
 * stitch_expire passes it, a later call (or stitch_expire) may also undo
 * a completion: *nr back to the sample's own count, *stop back to
 * truncated. */
size_t stitch_sample(struct stitch *s, uint32_t pid, struct unwind_frame **frames, size_t *nr,
                     size_t *cap, enum unwind_stop *stop);
/* The sequence number the next sample gets (samples seen so far). */
uint64_t stitch_next_seq(const struct stitch *s);
/* Ends the wait of the samples numbered below `before`: their vectors may
 * go.  Before that, one completed from a graft still open after `before`
 * goes back to truncated. */
void stitch_expire(struct stitch *s, uint64_t before);

#endif
