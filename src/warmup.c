/* warmup.c - binaries named by a capture's header, loaded ahead (see
 * warmup.h). */
#include "warmup.h"

#include <string.h>

#include "symbolize.h"

static void *warmup_main(void *arg)
{
    struct warmup *w = arg;
    for (size_t i = 0; i < w->nr_dsos; i++) {
        const struct pd_build_id *e = &w->dsos[i];
        if ((e->misc & 7) != 2 /* PERF_RECORD_MISC_USER */ || !e->filename)
            continue;
        symbolize_prepare(binary_prefetch(w->bc, e->filename, e->id, e->size));
    }
    pool_set_spin(w->pool, w->spin_after);
    return NULL;
}

void warmup_start(struct warmup *w, struct binary_cache *bc, const struct pd_info *info,
                  struct pool *pool, int spin_after, int go)
{
    memset(w, 0, sizeof(*w));
    w->bc = bc;
    w->pool = pool;
    w->spin_after = spin_after;
    pool_set_spin(pool, 0);
    if (info) {
        w->nr_dsos = SF_MIN(info->nr_build_ids, (size_t)WARMUP_MAX_DSOS);
        if (w->nr_dsos)
            memcpy(w->dsos, info->build_ids, w->nr_dsos * sizeof(*w->dsos));
    }
    if (go && w->nr_dsos && pthread_create(&w->thread, NULL, warmup_main, w) == 0)
        w->running = 1;
    else
        pool_set_spin(pool, spin_after);
}

void warmup_join(struct warmup *w)
{
    if (w->running)
        pthread_join(w->thread, NULL);
    w->running = 0;
}
