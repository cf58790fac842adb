/* warmup.h - binaries named by a capture's header, loaded ahead.
 *
 * The header's build-id list names the DSOs perf saw samples in.  With
 * threads to spare, their symbol tables and DWARF (libc's compressed debug
 * sections take tens of ms to inflate) are loaded by a thread of their own
 * while the main thread reads the first round, instead of stalling the
 * first batch that needs them.  Loading is what the lazy path would do:
 * outputs are unchanged.  When done, the thread turns the pool's spinning
 * on (it needs a CPU meanwhile). */
#ifndef WARMUP_H
#define WARMUP_H

#include <pthread.h>
#include <stddef.h>

#include "binary.h"
#include "perfdata.h"
#include "pool.h"

#define WARMUP_MAX_DSOS 64

struct warmup {
    pthread_t thread;
    int running;
    struct pool *pool;            /* its spinning set to spin_after once done */
    int spin_after;
    struct binary_cache *bc;
    /* The header's list as it was at the start: a build-id record in the
     * data stream may grow the reader's list (and move it) meanwhile.  The
     * file names stay where they are until the capture is closed. */
    struct pd_build_id dsos[WARMUP_MAX_DSOS];
    size_t nr_dsos;
};

/* Starts loading info's DSOs when `go` (else sets the pool's spinning to
 * spin_after at once).  info may be NULL. */
void warmup_start(struct warmup *w, struct binary_cache *bc, const struct pd_info *info,
                  struct pool *pool, int spin_after, int go);
/* Waits for the thread, if any. */
void warmup_join(struct warmup *w);

#endif
