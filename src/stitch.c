/* stitch.c - completing truncated stacks from other samples of the same
 * stack memory (see stitch.h). */
#include "stitch.h"

#include <stdlib.h>
#include <string.h>

#include "binary.h"
#include "gosym.h"
#include "hashtab.h"
#include "sf.h"
#include "symbolize.h"

#define STITCH_SLOTS (1u << 17)

/* A complete stack that frames were taken from: its user frames and a
 * reference on the mapping set they point into. */
struct chain {
    unsigned refs;
    uint64_t seq;                 /* the sample's */
    uint64_t top;                 /* its outermost frame's SP: names the stack */
    const struct sess_maps *maps;
    size_t nr;
    struct unwind_frame f[];
};

/* The last frame seen at a stack address, and the complete stack it was
 * part of (NULL: that stack did not reach a root). */
struct slot {
    uint64_t sp, pc;
    uint32_t pid;
    uint32_t idx;                 /* the frame's index in chain */
    struct chain *chain;
};

/* A truncated sample no earlier sample completed, waiting for a later
 * one: the frame vector, count and stop it lives in (the caller's, valid
 * until stitch_expire passes it). */
struct pending {
    uint64_t seq, sp;
    uint32_t pid;
    int32_t next;                 /* the next one in the same slot, -1 */
    int32_t via;                  /* a later waiting sample with a frame of
                                     the same function at sp (its frame
                                     via_idx), seen before the stack rose:
                                     completes this one if it is completed;
                                     -1 */
    size_t via_idx;
    int live;
    struct unwind_frame **frames;
    size_t *nr, *cap;
    enum unwind_stop *stop;
};

/* One stack memory (a process's stack whose outermost frame lies at a
 * given address): the innermost SPs of the complete samples seen on it,
 * kept so that SP falls as seq rises (a sample drops the older entries at
 * or below its SP).  The highest SP seen on it after a given sample is
 * then the first entry after that sample: if it lies above an address,
 * the activation there returned in between. */
struct hist {
    struct hist_ent { uint64_t seq, sp; } *v;
    size_t n, cap;
};

struct stitch {
    struct slot *slots;           /* STITCH_SLOTS, allocated on first use */
    struct u64map stack_ids;      /* (pid, top) -> index in hists */
    struct hist *hists;
    size_t nr_hists, cap_hists;
    uint64_t seq;                 /* samples seen */
    uint64_t oldest;              /* no sample below this one waits */
    /* every sample's innermost SP since the oldest waiting one, complete or
     * not: a rise between two samples (recent[r0..nr)) */
    struct recent { uint64_t seq, sp; uint32_t pid; } *recent;
    size_t r0, nr_recent, cap_recent;
    struct pending *pend;         /* in seq order */
    size_t nr_pend, cap_pend;
    int32_t *pend_head;           /* per slot, -1: none */
    struct chain **kept;          /* donors of grafts, until the end: the
                                     grafted frames point into their maps */
    size_t nr_kept, cap_kept;
};

static void chain_put(struct chain *c)
{
    if (c && --c->refs == 0) {
        if (c->maps)
            sess_maps_put(c->maps);
        free(c);
    }
}

struct stitch *stitch_new(void)
{
    return xcalloc(1, sizeof(struct stitch));
}

void stitch_free(struct stitch *s)
{
    if (!s)
        return;
    if (s->slots)
        for (size_t i = 0; i < STITCH_SLOTS; i++)
            chain_put(s->slots[i].chain);
    for (size_t i = 0; i < s->nr_kept; i++)
        chain_put(s->kept[i]);
    free(s->kept);
    for (size_t i = 0; i < s->nr_hists; i++)
        free(s->hists[i].v);
    free(s->recent);
    free(s->hists);
    u64map_release(&s->stack_ids);
    free(s->slots);
    free(s->pend);
    free(s->pend_head);
    free(s);
}

static size_t slot_index(uint32_t pid, uint64_t sp)
{
    uint64_t h = (sp ^ (uint64_t)pid << 40) * 0x9e3779b97f4a7c15ull;
    return (size_t)(h >> (64 - 17));
}

static struct slot *slot_of(struct stitch *s, uint32_t pid, uint64_t sp)
{
    return &s->slots[slot_index(pid, sp)];
}

/* The history of the stack whose outermost frame lies at top (NULL if
 * none and !create).  Two stacks may share a key: their histories merge,
 * which can only end more activations. */
static struct hist *hist_of(struct stitch *s, uint32_t pid, uint64_t top, int create)
{
    uint64_t key = top ^ (uint64_t)pid << 48;
    uint32_t *id = u64map_get(&s->stack_ids, key);
    if (id)
        return &s->hists[*id];
    if (!create || s->nr_hists >= UINT32_MAX)
        return NULL;
    s->hists = xgrow(s->hists, sizeof(*s->hists), s->nr_hists + 1, &s->cap_hists);
    memset(&s->hists[s->nr_hists], 0, sizeof(s->hists[0]));
    u64map_put(&s->stack_ids, key, (uint32_t)s->nr_hists);
    return &s->hists[s->nr_hists++];
}

static void hist_add(struct hist *h, uint64_t seq, uint64_t sp)
{
    while (h->n && h->v[h->n - 1].sp <= sp)
        h->n--;
    h->v = xgrow(h->v, sizeof(*h->v), h->n + 1, &h->cap);
    h->v[h->n++] = (struct hist_ent){ seq, sp };
}

static void recent_add(struct stitch *s, uint32_t pid, uint64_t sp)
{
    while (s->r0 < s->nr_recent && s->recent[s->r0].seq < s->oldest)
        s->r0++;
    if (s->r0 == s->nr_recent) {
        s->r0 = s->nr_recent = 0;
    } else if (s->r0 > 64 && s->r0 * 2 > s->nr_recent) {
        memmove(s->recent, s->recent + s->r0, (s->nr_recent - s->r0) * sizeof(*s->recent));
        s->nr_recent -= s->r0;
        s->r0 = 0;
    }
    s->recent = xgrow(s->recent, sizeof(*s->recent), s->nr_recent + 1, &s->cap_recent);
    s->recent[s->nr_recent++] = (struct recent){ s->seq, sp, pid };
}

/* Whether the stack of process pid whose outermost frame lies at top went
 * above address x between samples a and b (a not older than the oldest
 * waiting sample): a sample with its SP in (x, top], complete or not, is
 * on that stack (two live stacks do not share memory). */
static int risen_between(const struct stitch *s, uint32_t pid, uint64_t top, uint64_t a,
                         uint64_t b, uint64_t x)
{
    for (size_t i = s->nr_recent; i > s->r0 && s->recent[i - 1].seq > a; i--) {
        const struct recent *r = &s->recent[i - 1];
        if (r->seq < b && r->pid == pid && r->sp > x && r->sp <= top)
            return 1;
    }
    return 0;
}

/* Whether donor c's stack went above address x (the activation there
 * returned) after sample seq: then c's frame at x is another activation. */
static int rose_above(struct stitch *s, uint32_t pid, uint64_t top, uint64_t seq, uint64_t x)
{
    const struct hist *h = hist_of(s, pid, top, 0);
    if (!h)
        return 0;
    size_t lo = 0, hi = h->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (h->v[mid].seq <= seq)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < h->n && h->v[lo].sp > x;
}

/* A frame that names an activation at a stack address. */
static int has_address(const struct unwind_frame *f)
{
    return !f->kernel && f->sp && f->how != UNWIND_HOW_CALLCHAIN;
}

/* The entry of the function a frame is in (0: unknown): Go's from the
 * pclntab, else the ELF symbol; a return address is looked up at the
 * call. */
static uint64_t func_of(const struct unwind_frame *f)
{
    if (!f->bin)
        return 0;
    uint64_t at = f->vaddr - (f->is_return && f->how != UNWIND_HOW_IP && f->vaddr);
    struct gosym_table *t = binary_gosym(f->bin);
    struct gosym_func gf;
    if (t && gosym_find_func(t, at, &gf) == 0)
        return gf.entry;
    uint64_t start;
    const char *name;
    return symbolize_symbol(f->bin, at, &start, &name) == 0 ? start : 0;
}

/* Whether frames f and g at the same address (checked by the caller) are
 * one activation: the same function of the same binary, at this call site
 * or another. */
static int same_function(const struct unwind_frame *f, const struct unwind_frame *g)
{
    if (f->pc == g->pc)
        return 1;
    if (g->bin != f->bin || !f->bin)
        return 0;
    uint64_t a = func_of(f);
    return a && a == func_of(g);
}

static int same_activation(const struct slot *sl, const struct unwind_frame *f)
{
    if (sl->pc == f->pc)
        return 1;
    return sl->chain && same_function(&sl->chain->f[sl->idx], f);
}

/* Appends the frames of c outer to its frame idx to a stack; c is kept
 * until the end (the frames point into its mapping set). */
static size_t graft(struct stitch *s, struct chain *c, size_t idx, struct unwind_frame **frames,
                    size_t *nr, size_t *cap, enum unwind_stop *stop)
{
    size_t added = c->nr - idx - 1;
    *frames = xgrow(*frames, sizeof(**frames), *nr + added, cap);
    memcpy(*frames + *nr, c->f + idx + 1, added * sizeof(c->f[0]));
    *nr += added;
    *stop = UNWIND_STOP_ROOT;
    if (!s->nr_kept || s->kept[s->nr_kept - 1] != c) {
        s->kept = xgrow(s->kept, sizeof(*s->kept), s->nr_kept + 1, &s->cap_kept);
        s->kept[s->nr_kept++] = c;
        c->refs++;
    }
    return added;
}

/* Waiting sample k was completed: so are those that wait on it (via), from
 * its frames outer to their address, unless the stack rose above that
 * address between the two samples. */
static void propagate(struct stitch *s, int32_t k)
{
    for (size_t i = 0; i < s->nr_pend; i++) {
        struct pending *p = &s->pend[i];
        if (!p->live || p->via != k)
            continue;
        const struct pending *q = &s->pend[k];
        const struct unwind_frame *qf = *q->frames;
        size_t qn = *q->nr;
        p->live = 0;
        if (p->via_idx + 1 >= qn ||
            risen_between(s, p->pid, qf[qn - 1].sp, p->seq, q->seq, p->sp))
            continue;
        size_t add = qn - p->via_idx - 1;
        *p->frames = xgrow(*p->frames, sizeof(**p->frames), *p->nr + add, p->cap);
        memcpy(*p->frames + *p->nr, qf + p->via_idx + 1, add * sizeof(*qf));
        *p->nr += add;
        *p->stop = UNWIND_STOP_ROOT;
        propagate(s, (int32_t)i);   /* waiters are older: i < k, depth bounded */
    }
}

/* A later sample's frame f (index idx of its complete stack c, or c NULL)
 * at a waiting stack's last address: the same activation completes it
 * (the first such sample, the nearest); another function there means that
 * activation is gone, and the stack stays truncated.  A later sample that
 * waits itself (self: its pending index, f its frame self_idx) completes
 * it if it is completed. */
static void check_pending(struct stitch *s, uint32_t pid, const struct unwind_frame *f,
                          struct chain *c, size_t idx, int32_t self, size_t self_idx)
{
    for (int32_t k = s->pend_head[slot_index(pid, f->sp)]; k >= 0; k = s->pend[k].next) {
        struct pending *p = &s->pend[k];
        if (!p->live || p->pid != pid || p->sp != f->sp)
            continue;
        if (!same_function(&(*p->frames)[*p->nr - 1], f)) {
            p->live = 0;
            continue;
        }
        if (!c || idx + 1 >= c->nr) {
            if (self >= 0 && p->via < 0) {
                p->via = self;
                p->via_idx = self_idx;
            }
            continue;
        }
        p->live = 0;
        if (!rose_above(s, pid, c->top, p->seq, f->sp) &&
            !risen_between(s, pid, c->top, p->seq, s->seq, f->sp)) {
            graft(s, c, idx, p->frames, p->nr, p->cap, p->stop);
            propagate(s, k);
        }
    }
}

static void add_pending(struct stitch *s, uint32_t pid, struct unwind_frame **frames,
                        size_t *nr, size_t *cap, enum unwind_stop *stop)
{
    if (!s->pend_head) {
        s->pend_head = xmalloc(STITCH_SLOTS * sizeof(*s->pend_head));
        memset(s->pend_head, 0xff, STITCH_SLOTS * sizeof(*s->pend_head));
    }
    if (s->nr_pend >= INT32_MAX)
        return;
    uint64_t sp = (*frames)[*nr - 1].sp;
    size_t h = slot_index(pid, sp);
    s->pend = xgrow(s->pend, sizeof(*s->pend), s->nr_pend + 1, &s->cap_pend);
    s->pend[s->nr_pend] = (struct pending){
        .seq = s->seq, .sp = sp, .pid = pid, .next = s->pend_head[h], .via = -1, .live = 1,
        .frames = frames, .nr = nr, .cap = cap, .stop = stop,
    };
    s->pend_head[h] = (int32_t)s->nr_pend++;
}

uint64_t stitch_next_seq(const struct stitch *s)
{
    return s->seq;
}

void stitch_expire(struct stitch *s, uint64_t before)
{
    s->oldest = before;
    if (!s->nr_pend)
        return;
    int32_t *to = xmalloc(s->nr_pend * sizeof(*to));   /* new index, -1: gone */
    size_t n = 0;
    for (size_t i = 0; i < s->nr_pend; i++) {
        s->pend_head[slot_index(s->pend[i].pid, s->pend[i].sp)] = -1;
        to[i] = s->pend[i].live && s->pend[i].seq >= before ? (int32_t)n++ : -1;
    }
    n = 0;
    for (size_t i = 0; i < s->nr_pend; i++) {
        if (to[i] < 0)
            continue;
        struct pending p = s->pend[i];
        size_t h = slot_index(p.pid, p.sp);
        p.next = s->pend_head[h];
        s->pend_head[h] = (int32_t)n;
        if (p.via >= 0)
            p.via = to[p.via];
        s->pend[n++] = p;
    }
    s->nr_pend = n;
    free(to);
}

/* Remembers every user frame of the sample at its address; c is the
 * sample's complete stack (NULL if it did not reach a root).  Frames that
 * share an address with their callee (a return address kept in a
 * register) leave the innermost one there. */
static void remember(struct stitch *s, uint32_t pid, const struct unwind_frame *f, size_t nr,
                     struct chain *c, int32_t self)
{
    uint64_t last_sp = 0;
    for (size_t i = 0; i < nr; i++) {
        if (!has_address(&f[i]) || f[i].sp == last_sp)
            continue;
        last_sp = f[i].sp;
        size_t ci = (size_t)(i - (nr - (c ? c->nr : nr)));
        if (s->nr_pend)
            check_pending(s, pid, &f[i], c, ci, self, i);
        struct slot *sl = slot_of(s, pid, f[i].sp);
        /* a chain's own outermost frame has nothing outer to give */
        struct chain *keep = c && i < nr - 1 ? c : NULL;
        /* A stack that did not reach a root says nothing against the
         * complete one remembered for the same activation. */
        if (!keep && sl->chain && sl->pid == pid && sl->sp == f[i].sp &&
            same_activation(sl, &f[i]))
            continue;
        if (keep)
            keep->refs++;
        chain_put(sl->chain);
        *sl = (struct slot){ .sp = f[i].sp, .pc = f[i].pc, .pid = pid,
                             .idx = (uint32_t)ci, .chain = keep };
    }
}

size_t stitch_sample(struct stitch *s, uint32_t pid, const struct sess_maps *maps,
                     struct unwind_frame **frames, size_t *nr, size_t *cap,
                     enum unwind_stop *stop)
{
    if (!s->slots)
        s->slots = xcalloc(STITCH_SLOTS, sizeof(*s->slots));
    size_t added = 0;
    struct unwind_frame *f = *frames;
    size_t n = *nr;
    if (*stop == UNWIND_STOP_TRUNCATED && n && has_address(&f[n - 1])) {
        const struct unwind_frame *last = &f[n - 1];
        struct slot *sl = slot_of(s, pid, last->sp);
        const struct chain *d = sl->chain;
        if (d && sl->pid == pid && sl->sp == last->sp && same_activation(sl, last) &&
            !rose_above(s, pid, d->top, d->seq, last->sp) &&
            !risen_between(s, pid, d->top, d->seq, s->seq, last->sp)) {
            added = graft(s, sl->chain, sl->idx, frames, nr, cap, stop);
            f = *frames;
            n = *nr;
        }
    }
    int wait = *stop == UNWIND_STOP_TRUNCATED && n && has_address(&f[n - 1]);
    /* the user frames: kernel frames come first */
    size_t k = 0;
    while (k < n && f[k].kernel)
        k++;
    struct chain *c = NULL;
    if (*stop == UNWIND_STOP_ROOT && n - k > 1) {
        c = xmalloc(sizeof(*c) + (n - k) * sizeof(c->f[0]));
        c->refs = 1;
        c->maps = maps;
        if (maps)
            sess_maps_get(maps);
        c->nr = n - k;
        memcpy(c->f, f + k, c->nr * sizeof(c->f[0]));
        c->seq = s->seq;
        c->top = c->f[c->nr - 1].sp;
        if (c->f[0].sp && c->top)
            hist_add(hist_of(s, pid, c->top, 1), s->seq, c->f[0].sp);
    }
    remember(s, pid, f, n, c, wait && s->nr_pend < INT32_MAX ? (int32_t)s->nr_pend : -1);
    chain_put(c);
    if (wait)
        add_pending(s, pid, frames, nr, cap, stop);
    if (k < n && f[k].sp)
        recent_add(s, pid, f[k].sp);
    s->seq++;
    return added;
}
