/* split.h - one capture in two processes.
 *
 * The pool hands every sample from the reading thread to a worker, and
 * that transfer, not the work, is what bounds -j (doc/performance-history.md,
 * round 6).  A
 * large capture is instead split in two parts read side by side, each by a
 * loader of its own with its own session: the first in this process, the
 * second in a child process, which sends its profile back (one encoder and
 * decoder of a profile, split.c's wire_result, serves both sides).  A
 * process, not a thread: two threads releasing the pages they have read
 * each stop the other for a TLB flush, which cost a third of the gain.
 * The parts' profiles are added to the real one first part first, the
 * order one loader would have met everything in, so outputs are the same.
 * The cut is a time: the first part delivers the records up to T, the
 * latest time before the cut's byte offset, and stops after the round
 * marker whose flush delivers T; the child the later ones (session_int.h).
 * The first part runs on one thread: a second one, even waiting, costs it
 * 10-20 % (multi-threaded malloc, deferred naming).
 * Captures that recorded syscall exits (their pairing would cross the cut)
 * are not split; when the child finds the cut cannot be shown exact
 * (records without time, a state record out of perf's round order, a late
 * sample whose time is in the overlap's), the first part reads on alone,
 * or, found late (a record of the first part's time after its last
 * flush), the capture is read again the ordinary way.  Other late samples
 * (perf writes one now and then on a busy machine) keep the split: one in
 * the first part only shortens the overlap to the samples delivered after
 * it, one in the second part is delivered by the child as by one reader.
 *
 * Stitching (stitch.h) needs the samples on both sides of the cut, so the
 * parts overlap: each shows the other's samples next to the cut to its
 * own stitcher (observe-only: unwound, never named or counted).  The
 * child replays, in delivery order among the state records it replays,
 * the first part's samples with a time in (T - D, T], D the time the last
 * 16 MiB of records before the cut took (a run of the delivery order,
 * wherever its records lie), to a stitcher told it starts mid-capture
 * (stitch_partial); the parent reads on past its part for the STITCH_WAIT
 * samples that may complete or undo its last ones (loader.h).  With a
 * sample's wait a distance and the stitcher's forgetting an age, never a
 * count from the start, the parts stitch as -j 1 does when the donors lie
 * in the overlap, or leave the stack truncated; doc/stitching.md, "Split
 * reads", says what an older donor can still change.
 *
 * Test switches: SYSFLAME_SPLIT_MIN_BYTES (size threshold, default 512
 * MiB), SYSFLAME_SPLIT_AT (where the cut goes, default 0.5; -z 0.45),
 * SYSFLAME_SPLIT_TRACE (a line on stderr when the second part plans; 2:
 * also a line per part with its steps' CPU time and page faults),
 * SYSFLAME_SPLIT_OVERLAP (the second part's overlap in bytes of records,
 * default 16 MiB, -z 8 MiB inflated; 0: none), SYSFLAME_NO_SPLIT. */
#ifndef SPLIT_H
#define SPLIT_H

#include "profile.h"
#include "session.h"

struct loader;

/* Whether the capture open in sess is worth splitting: a large regular
 * file, -j 2 or more, no syscall exit events, and nothing that needs every
 * sample on one thread in order. */
int split_wanted(const struct loader *L, const char *path, struct session *sess);

/* Reads the capture split, with sess (open on it) for the first part; the
 * session is freed either way.  1 done (result in *rc: 0 or -1 with err
 * set), 0 not done: load it again the ordinary way (nothing was added). */
int split_load(struct loader *L, const char *path, struct session *sess,
               struct input_info *in, struct sf_err *err, int *rc);

#endif
