/* progress.h - a progress line on standard error while a capture is read:
 * "sysflame: reading NAME: 45% (3 s left)", rewritten in place, shown only
 * on a terminal, not with -q, and only once a run has lasted a second (a
 * short run prints nothing).  SYSFLAME_PROGRESS=1 shows it anywhere, at
 * every update, from the start (tests). */
#ifndef PROGRESS_H
#define PROGRESS_H

#include <stdint.h>

struct progress {
    int on, every;
    const char *label;
    double start, last;
    int width;                    /* of the line on screen; 0 = none */
};

void progress_begin(struct progress *pr, const char *label, int quiet);
/* done of total units; total 0 (unknown) shows nothing. */
void progress_update(struct progress *pr, uint64_t done, uint64_t total);
/* Clears the line, if one was shown. */
void progress_end(struct progress *pr);

#endif
