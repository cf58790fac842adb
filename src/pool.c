/* pool.c - the worker pool (see pool.h). */
#include "pool.h"

#include <stdlib.h>
#include <string.h>

#include "sf.h"

/* work and nr_jobs are set before the workers are woken (under mu), so
 * claiming an index needs only an atomic counter. */
static void run_jobs(struct pool *p, int worker)
{
    for (;;) {
        size_t i = __atomic_fetch_add(&p->next_job, 1, __ATOMIC_RELAXED);
        if (i >= p->nr_jobs)
            return;
        p->run(p->arg, worker, i);
    }
}

#define SPIN_PAUSES 20000          /* ~0.5 ms */
#if defined(__x86_64__) || defined(__i386__)
#define cpu_relax() __builtin_ia32_pause()
#else
#define cpu_relax() __asm__ __volatile__("" ::: "memory")
#endif

/* What a thread spins for: a worker for the next batch (the generation to
 * move past `seen`), the main thread for the workers to finish a batch. */
enum spin_for { SPIN_FOR_WORK, SPIN_FOR_WORKERS };

/* Spins, when spinning is on, until what it waits for happens or the
 * budget runs out.  The budget adapts: running out halves it (the other
 * side is slow: sleep sooner), ending in time doubles it, between a
 * quarter of SPIN_PAUSES (the long waits while a round is read must not
 * leave it too small to cover the short ones while it is delivered) and
 * SPIN_PAUSES. */
static void spin_wait(struct pool *p, enum spin_for what, int seen, int *budget)
{
    if (!__atomic_load_n(&p->spin, __ATOMIC_RELAXED))
        return;
    for (int k = 0; k < *budget && !__atomic_load_n(&p->stopping, __ATOMIC_RELAXED); k++) {
        if (what == SPIN_FOR_WORK ? __atomic_load_n(&p->generation, __ATOMIC_ACQUIRE) != seen
                                  : __atomic_load_n(&p->active, __ATOMIC_ACQUIRE) == 0) {
            *budget = SF_MIN(2 * *budget + 64, SPIN_PAUSES);
            return;
        }
        cpu_relax();
    }
    *budget = SF_MAX(*budget / 2, SPIN_PAUSES / 4);
}

struct worker_arg { struct pool *p; int idx; };

static void *worker_main(void *arg)
{
    struct worker_arg *wa = arg;
    struct pool *p = wa->p;
    int idx = wa->idx;
    free(wa);
    int seen = 0;
    for (;;) {
        spin_wait(p, SPIN_FOR_WORK, seen, &p->per[idx].spin_budget);
        pthread_mutex_lock(&p->mu);
        while (!p->stopping && p->generation == seen)
            pthread_cond_wait(&p->cv_work, &p->mu);
        if (p->stopping) {
            pthread_mutex_unlock(&p->mu);
            break;
        }
        seen = p->generation;
        pthread_mutex_unlock(&p->mu);
        run_jobs(p, idx);
        pthread_mutex_lock(&p->mu);
        if (__atomic_sub_fetch(&p->active, 1, __ATOMIC_ACQ_REL) == 0)
            pthread_cond_signal(&p->cv_done);
        pthread_mutex_unlock(&p->mu);
    }
    return NULL;
}

void pool_start(struct pool *p, int nr_threads, pool_run_fn *run, void *arg)
{
    /* The pool may be started again after pool_stop (once per capture):
     * nothing the previous run left (stopping set, a generation its
     * workers had seen) may reach the new threads, or they leave at once
     * and pool_finish waits for them forever. */
    memset(p, 0, sizeof(*p));
    p->nr_threads = nr_threads < 1 ? 1 : nr_threads;
    p->run = run;
    p->arg = arg;
    p->per = xcalloc((size_t)p->nr_threads, sizeof(*p->per));
    for (int i = 0; i < p->nr_threads; i++)
        p->per[i].spin_budget = SPIN_PAUSES;
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->cv_work, NULL);
    pthread_cond_init(&p->cv_done, NULL);
    /* Worker 0 is the calling thread itself. */
    p->threads = xcalloc((size_t)p->nr_threads, sizeof(*p->threads));
    for (int i = 1; i < p->nr_threads; i++) {
        struct worker_arg *wa = xmalloc(sizeof(*wa));
        wa->p = p;
        wa->idx = i;
        if (pthread_create(&p->threads[i], NULL, worker_main, wa) != 0) {
            free(wa);
            p->nr_threads = i;  /* run with what we have */
            break;
        }
    }
}

void pool_stop(struct pool *p)
{
    pthread_mutex_lock(&p->mu);
    __atomic_store_n(&p->stopping, 1, __ATOMIC_RELAXED);
    pthread_cond_broadcast(&p->cv_work);
    pthread_mutex_unlock(&p->mu);
    for (int i = 1; i < p->nr_threads; i++)
        pthread_join(p->threads[i], NULL);
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->cv_work);
    pthread_cond_destroy(&p->cv_done);
    free(p->threads);
    free(p->per);
    p->threads = NULL;
    p->per = NULL;
}

void pool_dispatch(struct pool *p, size_t nr)
{
    p->nr_jobs = nr;
    p->next_job = 0;
    p->shared = p->nr_threads > 1 && nr >= 8;
    if (!p->shared)
        return;
    pthread_mutex_lock(&p->mu);
    __atomic_store_n(&p->active, p->nr_threads - 1, __ATOMIC_RELEASE);
    __atomic_add_fetch(&p->generation, 1, __ATOMIC_RELEASE);
    pthread_cond_broadcast(&p->cv_work);
    pthread_mutex_unlock(&p->mu);
}

void pool_finish(struct pool *p)
{
    run_jobs(p, 0);
    if (!p->shared)
        return;
    spin_wait(p, SPIN_FOR_WORKERS, 0, &p->per[0].spin_budget);
    pthread_mutex_lock(&p->mu);
    while (p->active > 0)
        pthread_cond_wait(&p->cv_done, &p->mu);
    pthread_mutex_unlock(&p->mu);
    p->shared = 0;
}

void pool_set_spin(struct pool *p, int on)
{
    __atomic_store_n(&p->spin, on, __ATOMIC_RELAXED);
}
