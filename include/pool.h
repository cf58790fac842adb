/* pool.h - the worker pool: N threads (the caller's own counted as worker
 * 0) run one callback over the indexes of a batch, each index claimed once.
 * The caller fills a batch, pool_dispatch()es it, goes on with other work
 * (reading the next batch), then pool_finish()es it: the calling thread
 * takes indexes too, and returns once every index is done.  What the
 * indexes mean (jobs, their results) is the caller's; the pool owns only
 * its threads.  Waits between batches spin a little before sleeping when
 * spinning is on (a sleeping thread takes tens of µs to wake here, a batch
 * a few hundred to fill): see pool_set_spin. */
#ifndef POOL_H
#define POOL_H

#include <pthread.h>
#include <stddef.h>

/* Runs index `job` of the dispatched batch on worker `worker` (0 is the
 * thread that calls pool_finish). */
typedef void pool_run_fn(void *arg, int worker, size_t job);

struct pool_thread { int spin_budget; char pad[60]; };   /* one cache line each */

struct pool {
    int nr_threads;               /* workers, the calling thread included */
    int shared;                   /* the dispatched batch woke the threads */
    pool_run_fn *run;
    void *arg;
    pthread_t *threads;
    struct pool_thread *per;      /* nr_threads entries */

    /* The shared words, written by every thread (claims, batch ends) and
     * polled while spinning: on cache lines of their own, apart from what
     * the caller writes per item and what workers read per job (sharing a
     * line made every claim a miss for the other thread). */
    char lines_start[64];
    size_t next_job;              /* next unclaimed index (atomic) */
    size_t nr_jobs;               /* indexes of the dispatched batch */
    int generation, active, stopping;
    int spin;                     /* waits spin first (atomic; pool_set_spin) */
    pthread_mutex_t mu;
    pthread_cond_t cv_work, cv_done;
    char lines_end[64];
};

/* Starts nr_threads - 1 threads (fewer if the system refuses: nr_threads
 * says how many there are).  Spinning starts off. */
void pool_start(struct pool *p, int nr_threads, pool_run_fn *run, void *arg);
/* Joins the threads; the pool may be started again. */
void pool_stop(struct pool *p);
/* Hands indexes [0, nr) to the pool; worker threads take part when there
 * are any and the batch has 8 or more. */
void pool_dispatch(struct pool *p, size_t nr);
/* Runs what is left of the dispatched batch on this thread, then waits for
 * the workers' part. */
void pool_finish(struct pool *p);
/* Turns spinning on (1) or off; any thread may call it. */
void pool_set_spin(struct pool *p, int on);

#endif
