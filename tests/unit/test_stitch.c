/* test_stitch.c - stitch.h's rules on hand-made stacks of one address
 * range (outermost frame at 0xa800): a truncated stack is completed from
 * an earlier or a later complete stack with the same function at its last
 * address, and only then: not after another function was seen there, not
 * across a rise of the stack above that address (the activation
 * returned), not from another process, not after its wait expired; a
 * chain of waiting samples is completed from the top down.  A graft from
 * an earlier donor that the first later sample through the same
 * activation contradicts is undone, with what was completed from it.  The
 * address
 * cache's slots grow without losing a donor; the SP list forgets (by age) into
 * no stitch, never a wrong one. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "stitch.h"

struct st {
    struct unwind_frame *f;
    size_t nr, cap;
    enum unwind_stop stop;
};

/* A stack of n (pc, sp) pairs, innermost first. */
static struct st *mk(enum unwind_stop stop, size_t n, const uint64_t *ps)
{
    struct st *s = calloc(1, sizeof(*s));
    s->cap = n;
    s->f = calloc(n, sizeof(*s->f));
    for (size_t i = 0; i < n; i++)
        s->f[i] = (struct unwind_frame){ .pc = ps[2 * i], .sp = ps[2 * i + 1],
                                         .how = i ? UNWIND_HOW_GO : UNWIND_HOW_IP,
                                         .is_return = i > 0 };
    s->nr = n;
    s->stop = stop;
    return s;
}

static size_t feed(struct stitch *x, uint32_t pid, struct st *s)
{
    return stitch_sample(x, pid, &s->f, &s->nr, &s->cap, &s->stop);
}

static void drop(struct st *s)
{
    free(s->f);
    free(s);
}

/* F at 0x9800 called from G at 0xa000, from the root frame at 0xa800 */
static const uint64_t donor[] = { 0x150, 0x9000, 0x200, 0x9800, 0x300, 0xa000, 0x400, 0xa800 };
static const uint64_t cut[] = { 0x100, 0x8000, 0x200, 0x9800 };
/* the stack above F's address: G's frame is innermost */
static const uint64_t risen[] = { 0x310, 0xa000, 0x400, 0xa800 };
/* another function (H) at F's address */
static const uint64_t other[] = { 0x500, 0x9800, 0x300, 0xa000, 0x400, 0xa800 };

static void assert_completed(const struct st *t)
{
    assert_int_equal(t->stop, UNWIND_STOP_ROOT);
    assert_int_equal(t->nr, 4);
    assert_int_equal(t->f[2].pc, 0x300);
    assert_int_equal(t->f[3].pc, 0x400);
}

static void earlier_donor(void **state)
{
    (void)state;
    struct stitch *x = stitch_new();
    struct st *d = mk(UNWIND_STOP_ROOT, 4, donor), *t = mk(UNWIND_STOP_TRUNCATED, 2, cut);
    assert_int_equal(feed(x, 7, d), 0);
    assert_int_equal(feed(x, 7, t), 2);
    assert_completed(t);
    drop(d);
    drop(t);
    stitch_free(x);
}

static void later_donor(void **state)
{
    (void)state;
    struct stitch *x = stitch_new();
    struct st *d = mk(UNWIND_STOP_ROOT, 4, donor), *t = mk(UNWIND_STOP_TRUNCATED, 2, cut);
    assert_int_equal(feed(x, 7, t), 0);
    assert_int_equal(t->stop, UNWIND_STOP_TRUNCATED);
    feed(x, 7, d);
    assert_completed(t);
    drop(d);
    drop(t);
    stitch_free(x);
}

/* Each case: what comes between the donor and the cut stack (earlier
 * donor) or between the cut stack and the donor (later), and must leave
 * the cut stack truncated. */
static void refused(const uint64_t *mid, size_t nmid, uint32_t donor_pid, int later,
                    int expire)
{
    struct stitch *x = stitch_new();
    struct st *d = mk(UNWIND_STOP_ROOT, 4, donor), *t = mk(UNWIND_STOP_TRUNCATED, 2, cut);
    struct st *m = mid ? mk(UNWIND_STOP_ROOT, nmid, mid) : NULL;
    feed(x, later ? 7 : donor_pid, later ? t : d);
    if (m)
        feed(x, 7, m);
    if (expire)
        stitch_expire(x, stitch_next_seq(x));
    feed(x, later ? donor_pid : 7, later ? d : t);
    assert_int_equal(t->stop, UNWIND_STOP_TRUNCATED);
    assert_int_equal(t->nr, 2);
    if (m)
        drop(m);
    drop(d);
    drop(t);
    stitch_free(x);
}

static void other_function_between(void **state)
{
    (void)state;
    refused(other, 3, 7, 0, 0);
    refused(other, 3, 7, 1, 0);
}

static void stack_rose_between(void **state)
{
    (void)state;
    refused(risen, 2, 7, 0, 0);
    refused(risen, 2, 7, 1, 0);
}

static void other_process(void **state)
{
    (void)state;
    refused(NULL, 0, 8, 0, 0);
    refused(NULL, 0, 8, 1, 0);
}

static void wait_expired(void **state)
{
    (void)state;
    refused(NULL, 0, 7, 1, 1);
}

/* t1 ends at 0x9000 (in E); t2, later, passes through E at 0x9000 and
 * ends at 0x9800 (in F); the donor completes t2, and t2 completes t1. */
static void chain_of_waits(void **state)
{
    (void)state;
    static const uint64_t c1[] = { 0x100, 0x8000, 0x150, 0x9000 };
    static const uint64_t c2[] = { 0x110, 0x8800, 0x150, 0x9000, 0x200, 0x9800 };
    struct stitch *x = stitch_new();
    struct st *t1 = mk(UNWIND_STOP_TRUNCATED, 2, c1), *t2 = mk(UNWIND_STOP_TRUNCATED, 3, c2);
    struct st *d = mk(UNWIND_STOP_ROOT, 4, donor);
    feed(x, 7, t1);
    feed(x, 7, t2);
    assert_int_equal(t1->stop, UNWIND_STOP_TRUNCATED);
    feed(x, 7, d);
    assert_int_equal(t2->stop, UNWIND_STOP_ROOT);
    assert_int_equal(t2->nr, 5);
    assert_int_equal(t1->stop, UNWIND_STOP_ROOT);
    assert_int_equal(t1->nr, 5);
    static const uint64_t want[] = { 0x100, 0x150, 0x200, 0x300, 0x400 };
    for (size_t i = 0; i < 5; i++)
        assert_int_equal(t1->f[i].pc, want[i]);
    drop(t1);
    drop(t2);
    drop(d);
    stitch_free(x);
}

/* Donors that disagree.  t is completed from the earlier donor at F's
 * address 0x9800; the first later sample with its own complete stack
 * through F there confirms the graft or undoes it: G's call site at
 * 0xa000 differs in `differs`. */
static const uint64_t agrees[] = { 0x160, 0x9100, 0x200, 0x9800, 0x300, 0xa000, 0x400, 0xa800 };
static const uint64_t differs[] = { 0x160, 0x9100, 0x200, 0x9800, 0x320, 0xa000, 0x400, 0xa800 };

/* Feeds the donor, then t (completed from it), then `mid` if any (with an
 * expiry passing t first if asked), then the later sample. */
static struct st *later_opinion(const uint64_t *later, const uint64_t *mid, size_t nmid,
                                int expire)
{
    struct stitch *x = stitch_new();
    struct st *d = mk(UNWIND_STOP_ROOT, 4, donor), *t = mk(UNWIND_STOP_TRUNCATED, 2, cut);
    struct st *l = mk(UNWIND_STOP_ROOT, 4, later);
    feed(x, 7, d);
    assert_int_equal(feed(x, 7, t), 2);
    if (expire)
        stitch_expire(x, stitch_next_seq(x));
    if (mid) {
        struct st *m = mk(UNWIND_STOP_ROOT, nmid, mid);
        feed(x, 7, m);
        drop(m);
    }
    feed(x, 7, l);
    stitch_free(x);
    drop(d);
    drop(l);
    return t;
}

static void donors_disagree(void **state)
{
    (void)state;
    struct st *t = later_opinion(differs, NULL, 0, 0);
    assert_int_equal(t->stop, UNWIND_STOP_TRUNCATED);
    assert_int_equal(t->nr, 2);
    drop(t);
    t = later_opinion(agrees, NULL, 0, 0);
    assert_completed(t);
    drop(t);
    /* the first later sample at 0x9800 is another function: the activation
     * ended, the earlier donor stands */
    t = later_opinion(differs, other, 3, 0);
    assert_completed(t);
    drop(t);
    /* named before the later sample came: it stands */
    t = later_opinion(differs, NULL, 0, 1);
    assert_completed(t);
    drop(t);
}

/* What was completed from an undone graft is undone with it: t2 (its
 * outermost frame E at 0x8000, an earlier donor: t) and w (waiting at
 * 0x8000 when t came). */
static void undo_dependants(void **state)
{
    (void)state;
    static const uint64_t c2[] = { 0x50, 0x7000, 0x100, 0x8000 };
    static const uint64_t cw[] = { 0x60, 0x7800, 0x100, 0x8000 };
    for (int agree = 0; agree < 2; agree++) {
        struct stitch *x = stitch_new();
        struct st *d = mk(UNWIND_STOP_ROOT, 4, donor), *t = mk(UNWIND_STOP_TRUNCATED, 2, cut);
        struct st *w = mk(UNWIND_STOP_TRUNCATED, 2, cw), *t2 = mk(UNWIND_STOP_TRUNCATED, 2, c2);
        struct st *l = mk(UNWIND_STOP_ROOT, 4, agree ? agrees : differs);
        feed(x, 7, d);
        assert_int_equal(feed(x, 7, w), 0);
        assert_int_equal(feed(x, 7, t), 2);
        assert_int_equal(w->nr, 5);
        assert_int_equal(feed(x, 7, t2), 3);
        feed(x, 7, l);
        size_t want = agree ? 5 : 2;
        assert_int_equal(w->nr, want);
        assert_int_equal(t2->nr, want);
        assert_int_equal(t->nr, agree ? 4 : 2);
        assert_int_equal(t2->stop, agree ? UNWIND_STOP_ROOT : UNWIND_STOP_TRUNCATED);
        stitch_free(x);
        drop(d);
        drop(t);
        drop(w);
        drop(t2);
        drop(l);
    }
}

/* A sample completed from a graft still open when the sample is named
 * goes back to truncated; the graft itself stands. */
static void dependant_named_first(void **state)
{
    (void)state;
    static const uint64_t cw[] = { 0x60, 0x7800, 0x100, 0x8000 };
    struct stitch *x = stitch_new();
    struct st *d = mk(UNWIND_STOP_ROOT, 4, donor), *t = mk(UNWIND_STOP_TRUNCATED, 2, cut);
    struct st *w = mk(UNWIND_STOP_TRUNCATED, 2, cw);
    feed(x, 7, d);
    feed(x, 7, w);
    uint64_t after_w = stitch_next_seq(x);
    feed(x, 7, t);
    assert_int_equal(w->nr, 5);
    stitch_expire(x, after_w);
    assert_int_equal(w->stop, UNWIND_STOP_TRUNCATED);
    assert_int_equal(w->nr, 2);
    assert_completed(t);
    stitch_free(x);
    drop(d);
    drop(t);
    drop(w);
}

/* The address cache's index (stitch.c's slot_index), to fill the table
 * with addresses that do not share an index with the donor's: those may
 * replace it, which is the cache's rule, not what is tested here. */
static uint32_t cache_index(uint32_t pid, uint64_t sp)
{
    return (uint32_t)(((sp ^ (uint64_t)pid << 40) * 0x9e3779b97f4a7c15ull) >> 47);
}

/* The slots are allocated as cache indexes are used (the slot array
 * moves as it grows, also in the middle of a sample), up to 2^17: a donor
 * seen first is still found after 40,000 other addresses. */
static void donor_survives_growth(void **state)
{
    (void)state;
    struct stitch *x = stitch_new();
    struct st *d = mk(UNWIND_STOP_ROOT, 4, donor), *t = mk(UNWIND_STOP_TRUNCATED, 2, cut);
    feed(x, 7, d);
    uint32_t mine[4];
    for (size_t i = 0; i < 4; i++)
        mine[i] = cache_index(7, donor[2 * i + 1]);
    size_t added = 0;
    for (uint32_t pid = 100; added < 40000; pid++) {
        uint64_t fr[] = { 0x100, 0x1000, 0x200, 0x2000 };
        int clash = 0;
        for (size_t i = 0; i < 4; i++)
            clash |= cache_index(pid, fr[1]) == mine[i] || cache_index(pid, fr[3]) == mine[i];
        if (clash)
            continue;
        struct st *o = mk(UNWIND_STOP_ROOT, 2, fr);
        feed(x, pid, o);
        drop(o);
        added += 2;
    }
    assert_int_equal(feed(x, 7, t), 2);
    assert_completed(t);
    drop(d);
    drop(t);
    stitch_free(x);
}

/* The SP list per stack forgets by age: after more than 65,536 samples
 * deeper than F's address (none above it), the first donor is older than
 * what the list still holds, so whether the stack rose since is not known
 * and the stack stays truncated; a donor after them completes it. */
static void history_cap_forgets(void **state)
{
    (void)state;
    static const uint64_t deeper[] = { 0x120, 0, 0x300, 0xa000, 0x400, 0xa800 };
    for (int late = 0; late < 2; late++) {
        struct stitch *x = stitch_new();
        struct st *d = mk(UNWIND_STOP_ROOT, 4, donor), *t = mk(UNWIND_STOP_TRUNCATED, 2, cut);
        if (!late)
            feed(x, 7, d);
        for (uint64_t i = 0; i < 65536 + 8; i++) {
            struct st *o = mk(UNWIND_STOP_ROOT, 3, deeper);
            o->f[0].sp = i ? 0x8e00 : 0x8f00;
            feed(x, 7, o);
            drop(o);
        }
        if (late)
            feed(x, 7, d);
        feed(x, 7, t);
        if (late)
            assert_completed(t);
        else
            assert_int_equal(t->stop, UNWIND_STOP_TRUNCATED);
        drop(d);
        drop(t);
        stitch_free(x);
    }
}

/* A stitcher that starts mid-capture (stitch_partial): a truncated sample
 * whose last address it never saw may have been completed by a stitcher
 * of the whole capture from a donor before its start; where that sample
 * passes the donor's address with the donor's function, it leaves no
 * donor there (the whole stitcher would hold another), so a later cut
 * stack is not grafted from the donor; a stitcher of the whole capture
 * grafts it. */
static void partial_unsure_leaves_no_donor(void **state)
{
    (void)state;
    static const uint64_t unsure[] = { 0x130, 0x8800, 0x200, 0x9800, 0x700, 0x9c00 };
    for (int partial = 0; partial < 2; partial++) {
        struct stitch *x = stitch_new();
        if (partial)
            stitch_partial(x);
        struct st *d = mk(UNWIND_STOP_ROOT, 4, donor), *t = mk(UNWIND_STOP_TRUNCATED, 2, cut);
        struct st *u = mk(UNWIND_STOP_TRUNCATED, 3, unsure);
        feed(x, 7, d);
        feed(x, 7, u);
        assert_int_equal(feed(x, 7, t), partial ? 0 : 2);
        stitch_expire(x, stitch_next_seq(x));
        if (partial)
            assert_int_equal(t->stop, UNWIND_STOP_TRUNCATED);
        else
            assert_completed(t);
        drop(d);
        drop(t);
        drop(u);
        stitch_free(x);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(earlier_donor),
        cmocka_unit_test(later_donor),
        cmocka_unit_test(other_function_between),
        cmocka_unit_test(stack_rose_between),
        cmocka_unit_test(other_process),
        cmocka_unit_test(wait_expired),
        cmocka_unit_test(chain_of_waits),
        cmocka_unit_test(donors_disagree),
        cmocka_unit_test(undo_dependants),
        cmocka_unit_test(dependant_named_first),
        cmocka_unit_test(donor_survives_growth),
        cmocka_unit_test(history_cap_forgets),
        cmocka_unit_test(partial_unsure_leaves_no_donor),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
