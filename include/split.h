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
 * Captures that recorded syscall exits (their pairing would cross the cut)
 * are not split; when the child finds the cut cannot be shown exact
 * (records without time or out of perf's round order), the first part's
 * workers take over, or, found late, the capture is read again the
 * ordinary way.
 *
 * Test switches: SYSFLAME_SPLIT_MIN_BYTES (size threshold, default 512
 * MiB), SYSFLAME_SPLIT_AT (where the cut goes, default 0.45),
 * SYSFLAME_SPLIT_TRACE (a line on stderr when the second part plans),
 * SYSFLAME_NO_SPLIT. */
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
