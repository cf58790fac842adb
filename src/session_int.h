/* session_int.h - the session's hooks for reading one capture in two
 * parts (the driver's split, split.c); no part of the session's API. */
#ifndef SESSION_INT_H
#define SESSION_INT_H

#include <stdint.h>
#include "session.h"

/* Splitting one file-mode capture between two sessions that read it side
 * by side, each on its own part, with the samples one session would deliver,
 * in two runs.  The second session walks the records from the start up to
 * file offset `cut`, keeping the state records (MMAP, COMM, FORK, EXIT);
 * the first part's records are those with a time up to T, the latest time
 * before the cut, and they are all delivered by the flush at a round
 * marker S at or after the cut (see session.c); settled() is called once:
 * at S with planned 1, that marker's offset and T (the state replayed, the
 * rest is read as usual), or with 0 when the capture cannot be split
 * (records without time after the first marker or out of round order, too
 * few markers): session_run then returns 0 at once.
 *
 * The overlap (stitching, split.h): with window_from below the cut, the
 * first part's samples delivered after those of the first marker at or past
 * window_from (all of them with a later time than any record before that
 * marker: a contiguous run of the delivery order) are kept too and
 * replayed, in delivery order among the state records, as observe-only
 * samples (sess_sample.observe).  UINT64_MAX: none. */
void session_split_second(struct session *s, uint64_t cut, uint64_t window_from,
                          void (*settled)(void *arg, int planned, uint64_t first_end,
                                          uint64_t upto),
                          void *arg);
/* The first part: session_run asks stop_at() at every round marker
 * (its file offset) whether to stop there, after delivering the queued
 * records up to *upto (stop_at sets it) that the marker's flush delivers;
 * the flush's later records are the other part's.  With observe_after, it reads
 * on instead, delivering the records that follow as one session would,
 * their samples observe-only and nothing counted, until session_halt (or
 * the end). */
void session_split_first(struct session *s,
                         int (*stop_at)(void *arg, uint64_t marker, uint64_t *upto),
                         void *arg, int observe_after);
/* Stops session_run at the next record (the first part's overlap is
 * complete); no sample is delivered after it. */
void session_halt(struct session *s);
/* Whether the second part met records that break perf's round order (or
 * late ones): its result may then differ from one session's. */
int session_split_late(const struct session *s);

#endif
