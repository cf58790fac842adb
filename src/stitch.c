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

#define SLOT_BITS 17              /* the address cache: 2^17 slots at most */
#define SLAB_NODES 4096           /* nodes are allocated by slabs of these */
#define PEND_HEAD_BITS 10
#define HIST_AGE 65536            /* SPs kept per stack: of the last samples */

/* A user frame of a complete stack, with its caller (NULL: the outermost
 * frame).  A node is shared by the stacks with the same frames from it
 * outwards; it lives while a slot or an inner node refers to it.  Grafted
 * frames are copies: the sess_map and binary they point to belong to the
 * session and the binary cache, which outlive the stitcher. */
struct node {
    unsigned refs;
    struct node *up;
    struct unwind_frame f;
};

/* The last frame seen at a stack address (sp of process pid, of a given
 * index in the 2^17-slot cache, see slot_index) and, if that sample
 * reached a root, its node (seq: the sample's).  sp 0: nothing yet. */
struct slot {
    uint64_t sp, pc, seq;
    uint32_t pid;
    struct node *node;
};

/* Nodes come from slabs; a free node is on the free list (through up). */
struct slab {
    struct slab *next;
    struct node n[SLAB_NODES];
};

/* A sample of the window (not yet passed by stitch_expire) that a later
 * sample may still change: the frame vector, count and stop it lives in
 * (the caller's, valid until then), its own frames' count and address sp
 * of its outermost one.  P_WAIT: truncated, no earlier sample completed
 * it, waiting for a later one.  P_CHECK: completed from an earlier donor,
 * open to the first later sample with a frame at sp, which confirms or
 * undoes the graft.  P_DONE: completed, its frames depending on src.
 * P_DEAD: left truncated. */
enum { P_WAIT, P_CHECK, P_DONE, P_DEAD };

struct pending {
    uint64_t seq, sp;
    uint32_t pid;
    int32_t next;                 /* the next one in the same slot, -1 */
    int32_t via;                  /* a later waiting sample with a frame of
                                     the same function at sp (its frame
                                     via_idx), seen before the stack rose:
                                     completes this one if it is completed;
                                     -1 */
    int32_t src;                  /* the sample of the window whose frames
                                     completed this one (undone with it), -1 */
    int state;
    size_t via_idx, own;
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
    uint64_t lost;                /* entries up to this seq were dropped (older
                                     than HIST_AGE samples): after an older
                                     sample, the stack may have risen; 0: none */
};

struct stitch {
    /* The cache of 2^SLOT_BITS slots, one per index ci (the hash of an
     * address): an address's observation stays until another of its ci
     * replaces it.  slot_of[ci] (2^17 entries, calloc'ed at the first
     * sample: a page costs a fault when first written) is 1 + the slot's
     * index in slots, which grows as indexes are used (0: unused yet).  A
     * sample looks up the slots of its frames once (s->at). */
    uint32_t *slot_of;
    struct slot *slots;
    size_t nr_slots, cap_slots;
    struct slab *slabs;
    struct node *free_nodes;
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
    int32_t *pend_head;           /* per 2^PEND_HEAD_BITS ci ranges, -1: none */
    struct node **nodes;          /* the sample's, user frames (scratch) */
    size_t cap_nodes;
    struct slot **at;             /* the slot of each user frame's address,
                                     NULL if it names none (scratch) */
    size_t cap_at;
    /* stitch_partial: the samples left truncated here that a stitcher of
     * the whole capture may have completed from an earlier donor this one
     * never saw (their innermost SP, in seq order); entries older than
     * HIST_AGE go, unsure_lost: the newest of them */
    int partial;
    struct recent *unsure;
    size_t nr_unsure, cap_unsure;
    uint64_t unsure_lost;
};

static struct node *node_new(struct stitch *s)
{
    if (!s->free_nodes) {
        struct slab *b = xmalloc(sizeof(*b));
        b->next = s->slabs;
        s->slabs = b;
        for (size_t i = SLAB_NODES; i-- > 0;) {
            b->n[i].up = s->free_nodes;
            s->free_nodes = &b->n[i];
        }
    }
    struct node *n = s->free_nodes;
    s->free_nodes = n->up;
    return n;
}

static void node_put(struct stitch *s, struct node *n)
{
    while (n && --n->refs == 0) {
        struct node *up = n->up;
        n->up = s->free_nodes;
        s->free_nodes = n;
        n = up;
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
    while (s->slabs) {
        struct slab *b = s->slabs;
        s->slabs = b->next;
        free(b);
    }
    free(s->nodes);
    free(s->at);
    for (size_t i = 0; i < s->nr_hists; i++)
        free(s->hists[i].v);
    free(s->recent);
    free(s->hists);
    u64map_release(&s->stack_ids);
    free(s->slots);
    free(s->slot_of);
    free(s->pend);
    free(s->pend_head);
    free(s->unsure);
    free(s);
}

void stitch_partial(struct stitch *s)
{
    s->partial = 1;
}

static uint32_t slot_index(uint32_t pid, uint64_t sp)
{
    uint64_t h = (sp ^ (uint64_t)pid << 40) * 0x9e3779b97f4a7c15ull;
    return (uint32_t)(h >> (64 - SLOT_BITS));
}

static size_t pend_index(uint32_t ci)
{
    return ci >> (SLOT_BITS - PEND_HEAD_BITS);
}

/* A frame that names an activation at a stack address. */
static int has_address(const struct unwind_frame *f)
{
    return !f->kernel && f->sp && f->how != UNWIND_HOW_CALLCHAIN;
}

/* The slot of cache index ci, or NULL if unused.  A slot may hold
 * another address of the same ci, or none yet (sp 0): the caller checks
 * pid and sp. */
static struct slot *slot_find(struct stitch *s, uint32_t ci)
{
    uint32_t x = s->slot_of ? s->slot_of[ci] : 0;
    return x ? &s->slots[x - 1] : NULL;
}

/* s->at: the slot of each of a sample's user frames f[0..nr) that names
 * an address, created if unused (NULL: no address). */
static void find_slots(struct stitch *s, uint32_t pid, const struct unwind_frame *f, size_t nr)
{
    if (!s->slot_of)
        s->slot_of = xcalloc((size_t)1 << SLOT_BITS, sizeof(*s->slot_of));
    s->at = xgrow(s->at, sizeof(*s->at), nr, &s->cap_at);
    /* room for every new slot first: the array does not move below */
    s->slots = xgrow(s->slots, sizeof(*s->slots), s->nr_slots + nr, &s->cap_slots);
    for (size_t i = 0; i < nr; i++) {
        if (!has_address(&f[i])) {
            s->at[i] = NULL;
            continue;
        }
        uint32_t *x = &s->slot_of[slot_index(pid, f[i].sp)];
        if (!*x) {
            s->slots[s->nr_slots] = (struct slot){ 0 };
            *x = (uint32_t)++s->nr_slots;
        }
        s->at[i] = &s->slots[*x - 1];
    }
}

/* The observation of (pid, sp), or NULL. */
static struct slot *slot_get(struct stitch *s, uint32_t pid, uint64_t sp)
{
    struct slot *sl = slot_find(s, slot_index(pid, sp));
    return sl && sl->pid == pid && sl->sp == sp ? sl : NULL;
}

/* The node of a slot whose frame has outer frames to give, or NULL. */
static const struct node *slot_donor(const struct slot *sl)
{
    return sl->node && sl->node->up ? sl->node : NULL;
}

/* The SP of a node's outermost frame: names its stack. */
static uint64_t node_top(const struct node *n)
{
    while (n->up)
        n = n->up;
    return n->f.sp;
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

/* Drops the first of n entries of `size` bytes (each begins with its
 * uint64_t seq, in seq order) that are older than HIST_AGE samples before
 * seq; *lost becomes the newest seq dropped.  Returns the entries left.
 * An age, not a count: what is dropped depends only on the samples since,
 * so the second part of a split capture, which sees the later samples
 * only, keeps the same entries of them (split.h). */
static size_t forget_aged(void *v, size_t size, size_t n, uint64_t seq, uint64_t *lost)
{
    unsigned char *b = v;
    size_t k = 0;
    uint64_t at;
    while (k < n && (memcpy(&at, b + k * size, 8), at + HIST_AGE < seq))
        k++;
    if (k) {
        memcpy(lost, b + (k - 1) * size, 8);
        memmove(b, b + k * size, (n - k) * size);
    }
    return n - k;
}

static void hist_add(struct hist *h, uint64_t seq, uint64_t sp)
{
    while (h->n && h->v[h->n - 1].sp <= sp)
        h->n--;
    h->n = forget_aged(h->v, sizeof(*h->v), h->n, seq, &h->lost);
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
 * returned) after sample seq: then c's frame at x is another activation.
 * After a sample older than the entries dropped from the list, it may
 * have: the answer is yes (forgetting loses stitches, never makes a wrong
 * one). */
static int rose_above(struct stitch *s, uint32_t pid, uint64_t top, uint64_t seq, uint64_t x)
{
    const struct hist *h = hist_of(s, pid, top, 0);
    if (!h)
        return 0;
    if (h->lost > seq)
        return 1;
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

/* Partial: whether a stitcher of the whole capture may have seen the stack
 * (pid, top) rise above x after sample a, where this one did not: through a
 * sample left truncated here that it may have completed (and recorded in
 * the stack's history), with its SP in (x, top], or one so old that it may
 * have dropped it from that history. */
static int unsure_rise(const struct stitch *s, uint32_t pid, uint64_t top, uint64_t a,
                       uint64_t x)
{
    if (s->unsure_lost > a)
        return 1;
    for (size_t i = s->nr_unsure; i > 0 && s->unsure[i - 1].seq > a; i--) {
        const struct recent *r = &s->unsure[i - 1];
        if (r->pid == pid && ((r->sp > x && r->sp <= top) || r->seq + HIST_AGE < s->seq))
            return 1;
    }
    return 0;
}

static void unsure_add(struct stitch *s, uint32_t pid, uint64_t sp)
{
    s->nr_unsure = forget_aged(s->unsure, sizeof(*s->unsure), s->nr_unsure, s->seq,
                               &s->unsure_lost);
    s->unsure = xgrow(s->unsure, sizeof(*s->unsure), s->nr_unsure + 1, &s->cap_unsure);
    s->unsure[s->nr_unsure++] = (struct recent){ s->seq, sp, pid };
}

/* Partial: whether what this stitcher holds for (pid, sp) may differ from
 * what a stitcher of the whole capture holds there: nothing seen at its
 * cache index, or a frame at that address with no donor (the whole
 * stitcher may keep an older donor there, or one completed from a donor
 * this one never saw). */
static int slot_unknown(struct stitch *s, uint32_t pid, uint64_t sp)
{
    const struct slot *sl = slot_find(s, slot_index(pid, sp));
    return !sl || !sl->sp || (sl->pid == pid && sl->sp == sp && !slot_donor(sl));
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
    return slot_donor(sl) && same_function(&sl->node->f, f);
}

/* Appends the frames outer to node n to a stack. */
static size_t graft(const struct node *n, struct unwind_frame **frames, size_t *nr, size_t *cap,
                    enum unwind_stop *stop)
{
    size_t added = 0;
    for (const struct node *u = n->up; u; u = u->up) {
        *frames = xgrow(*frames, sizeof(**frames), *nr + 1, cap);
        (*frames)[(*nr)++] = u->f;
        added++;
    }
    *stop = UNWIND_STOP_ROOT;
    return added;
}

/* Waiting sample k was completed: so are those that wait on it (via), from
 * its frames outer to their address, unless the stack rose above that
 * address between the two samples. */
static void propagate(struct stitch *s, int32_t k)
{
    for (size_t i = 0; i < s->nr_pend; i++) {
        struct pending *p = &s->pend[i];
        if (p->state != P_WAIT || p->via != k)
            continue;
        const struct pending *q = &s->pend[k];
        const struct unwind_frame *qf = *q->frames;
        size_t qn = *q->nr;
        p->state = P_DEAD;
        if (p->via_idx + 1 >= qn ||
            risen_between(s, p->pid, qf[qn - 1].sp, p->seq, q->seq, p->sp))
            continue;
        size_t add = qn - p->via_idx - 1;
        *p->frames = xgrow(*p->frames, sizeof(**p->frames), *p->nr + add, p->cap);
        memcpy(*p->frames + *p->nr, qf + p->via_idx + 1, add * sizeof(*qf));
        *p->nr += add;
        *p->stop = UNWIND_STOP_ROOT;
        p->state = P_DONE;
        p->src = k;
        propagate(s, (int32_t)i);   /* waiters are older: i < k, depth bounded */
    }
}

/* Sample k goes back to truncated (counted as such), and so do the samples
 * completed from its frames; the slots it wrote as a donor forget it. */
static void undo(struct stitch *s, int32_t k)
{
    struct pending *p = &s->pend[k];
    if (p->state == P_DEAD || p->state == P_WAIT)
        return;
    for (size_t i = 0; i < *p->nr; i++) {
        const struct unwind_frame *f = &(*p->frames)[i];
        struct slot *sl = has_address(f) ? slot_get(s, p->pid, f->sp) : NULL;
        if (sl && sl->seq == p->seq) {
            node_put(s, sl->node);
            sl->node = NULL;
        }
    }
    *p->nr = p->own;
    *p->stop = UNWIND_STOP_TRUNCATED;
    p->state = P_DEAD;
    for (size_t i = 0; i < s->nr_pend; i++)
        if (s->pend[i].src == k)
            undo(s, (int32_t)i);
}

/* Whether the frames of later sample f (node n of its own complete stack,
 * or NULL) confirm the graft of sample p at p->sp: the same activation
 * there has the same frames outside it.  1: confirmed, or that activation
 * ended (another function there, or the stack rose above it since); 0:
 * they differ; -1: f tells nothing (no complete stack of its own). */
static int confirms(struct stitch *s, const struct pending *p, const struct unwind_frame *f,
                    const struct node *n, uint64_t top)
{
    if (!same_function(&(*p->frames)[p->own - 1], f))
        return 1;
    if (!n)
        return -1;
    if (rose_above(s, p->pid, top, p->seq, p->sp) ||
        risen_between(s, p->pid, top, p->seq, s->seq, p->sp))
        return 1;
    size_t i = p->own;
    for (const struct node *u = n->up; u; u = u->up, i++)
        if (i == *p->nr || (*p->frames)[i].pc != u->f.pc || (*p->frames)[i].sp != u->f.sp)
            return 0;
    return i == *p->nr;
}

/* A later sample's frame f (node n of its complete stack, whose outermost
 * frame lies at top; n NULL if none; own: that stack is the sample's own,
 * not grafted; src: the sample's pending index if it has one, else -1) at
 * a waiting stack's last address: the same activation completes it (the
 * first such sample, the nearest); another function there means that
 * activation is gone, and the stack stays truncated.  A later sample that
 * waits itself (self: its pending index, f its frame self_idx) completes
 * it if it is completed.  At the address where a stack open to
 * confirmation was grafted, the first later sample with its own complete
 * stack through the same activation confirms the graft or undoes it. */
static void check_pending(struct stitch *s, uint32_t pid, const struct unwind_frame *f,
                          const struct node *n, uint64_t top, int own, int32_t src,
                          int32_t self, size_t self_idx)
{
    for (int32_t k = s->pend_head[pend_index(slot_index(pid, f->sp))]; k >= 0;
         k = s->pend[k].next) {
        struct pending *p = &s->pend[k];
        if (p->pid != pid || p->sp != f->sp || p->seq == s->seq)
            continue;
        if (p->state == P_CHECK) {
            int c = confirms(s, p, f, n && n->up && own ? n : NULL, top);
            if (c == 0)
                undo(s, k);
            else if (c > 0)
                p->state = P_DONE;
            continue;
        }
        if (p->state != P_WAIT)
            continue;
        if (!same_function(&(*p->frames)[*p->nr - 1], f)) {
            p->state = P_DEAD;
            continue;
        }
        if (!n || !n->up) {
            if (self >= 0 && p->via < 0) {
                p->via = self;
                p->via_idx = self_idx;
            }
            continue;
        }
        p->state = P_DEAD;
        if (!rose_above(s, pid, top, p->seq, f->sp) &&
            !risen_between(s, pid, top, p->seq, s->seq, f->sp) &&
            !(s->partial && unsure_rise(s, pid, top, p->seq, f->sp))) {
            graft(n, p->frames, p->nr, p->cap, p->stop);
            p->state = P_DONE;
            p->src = src;
            propagate(s, k);
        }
    }
}

/* Adds the current sample to the window: waiting (own: *nr), or open to
 * confirmation at its own outermost frame (own: that frame's count). */
static int32_t add_pending(struct stitch *s, uint32_t pid, struct unwind_frame **frames,
                        size_t *nr, size_t *cap, enum unwind_stop *stop, size_t own,
                        int32_t src)
{
    if (!s->pend_head) {
        s->pend_head = xmalloc(sizeof(*s->pend_head) << PEND_HEAD_BITS);
        memset(s->pend_head, 0xff, sizeof(*s->pend_head) << PEND_HEAD_BITS);
    }
    if (s->nr_pend >= INT32_MAX)
        return -1;
    uint64_t sp = (*frames)[own - 1].sp;
    size_t h = pend_index(slot_index(pid, sp));
    s->pend = xgrow(s->pend, sizeof(*s->pend), s->nr_pend + 1, &s->cap_pend);
    s->pend[s->nr_pend] = (struct pending){
        .seq = s->seq, .sp = sp, .pid = pid, .next = s->pend_head[h], .via = -1, .src = src,
        .state = own < *nr ? P_CHECK : P_WAIT, .own = own,
        .frames = frames, .nr = nr, .cap = cap, .stop = stop,
    };
    s->pend_head[h] = (int32_t)s->nr_pend;
    return (int32_t)s->nr_pend++;
}

uint64_t stitch_next_seq(const struct stitch *s)
{
    return s->seq;
}

/* The pending index of sample seq of process pid, or -1. */
static int32_t pending_of(const struct stitch *s, uint32_t pid, uint64_t seq)
{
    for (size_t i = s->nr_pend; i > 0 && s->pend[i - 1].seq >= seq; i--)
        if (s->pend[i - 1].seq == seq && s->pend[i - 1].pid == pid)
            return (int32_t)(i - 1);
    return -1;
}

/* Whether sample k's frames came, through src, from a graft still open to
 * confirmation after `before`. */
static int rests_on_open(const struct stitch *s, int32_t k, uint64_t before)
{
    for (int32_t j = s->pend[k].src; j >= 0; j = s->pend[j].src)
        if (s->pend[j].state == P_CHECK && s->pend[j].seq >= before)
            return 1;
    return 0;
}

void stitch_expire(struct stitch *s, uint64_t before)
{
    s->oldest = before;
    if (!s->nr_pend)
        return;
    /* A graft still open when its sample is named stands; one whose frames
     * came from a graft that stays open after it does not. */
    for (size_t i = 0; i < s->nr_pend; i++)
        if (s->pend[i].seq < before && rests_on_open(s, (int32_t)i, before))
            undo(s, (int32_t)i);
    int32_t *to = xmalloc(s->nr_pend * sizeof(*to));   /* new index, -1: gone */
    size_t n = 0;
    for (size_t i = 0; i < s->nr_pend; i++) {
        s->pend_head[pend_index(slot_index(s->pend[i].pid, s->pend[i].sp))] = -1;
        to[i] = s->pend[i].state != P_DEAD && s->pend[i].seq >= before ? (int32_t)n++ : -1;
    }
    n = 0;
    for (size_t i = 0; i < s->nr_pend; i++) {
        if (to[i] < 0)
            continue;
        struct pending p = s->pend[i];
        size_t h = pend_index(slot_index(p.pid, p.sp));
        p.next = s->pend_head[h];
        s->pend_head[h] = (int32_t)n;
        if (p.via >= 0)
            p.via = to[p.via];
        if (p.src >= 0)
            p.src = to[p.src];
        s->pend[n++] = p;
    }
    s->nr_pend = n;
    free(to);
}

static int same_frame(const struct unwind_frame *a, const struct unwind_frame *b)
{
    return a->pc == b->pc && a->sp == b->sp && a->map == b->map && a->bin == b->bin &&
           a->vaddr == b->vaddr && a->how == b->how && a->is_return == b->is_return &&
           a->kernel == b->kernel && a->elide == b->elide;
}

/* The nodes of a complete sample's user frames f[0..nr) into s->nodes
 * (a reference each), built from the outermost frame in: a node that a
 * slot holds for the same frame with the same caller is shared. */
static void make_nodes(struct stitch *s, uint32_t pid, const struct unwind_frame *f, size_t nr)
{
    s->nodes = xgrow(s->nodes, sizeof(*s->nodes), nr, &s->cap_nodes);
    struct node *up = NULL;
    for (size_t i = nr; i-- > 0;) {
        struct node *n = NULL;
        const struct slot *sl = s->at[i];
        if (sl && (sl->pid != pid || sl->sp != f[i].sp))
            sl = NULL;
        /* frames sharing an address: the slot holds the innermost */
        for (n = sl ? sl->node : NULL; n && n->f.sp == f[i].sp; n = n->up)
            if (n->up == up && same_frame(&n->f, &f[i]))
                break;
        if (n && n->f.sp == f[i].sp) {
            n->refs++;
        } else {
            n = node_new(s);
            *n = (struct node){ .refs = 1, .up = up, .f = f[i] };
            if (up)
                up->refs++;
        }
        s->nodes[i] = up = n;
    }
}

/* Remembers every user frame of the sample (from index k; s->at: their
 * slots) at its address; nodes (NULL if the sample did not reach a root)
 * are its user frames', a reference each: the slot a node goes to takes
 * it (the entry becomes NULL); top is the SP of its outermost frame.  Frames that
 * share an address with their callee (a return address kept in a
 * register) leave the innermost one there. */
static void remember(struct stitch *s, uint32_t pid, const struct unwind_frame *f, size_t nr,
                     size_t k, struct node **nodes, uint64_t top, int own, int32_t src,
                     int32_t self, int unsure)
{
    uint64_t last_sp = 0;
    for (size_t i = k; i < nr; i++) {
        struct slot *sl = s->at[i - k];
        if (!sl || f[i].sp == last_sp)
            continue;
        last_sp = f[i].sp;
        struct node *n = nodes ? nodes[i - k] : NULL;
        if (s->nr_pend)
            check_pending(s, pid, &f[i], n, top, own, src, self, i);
        /* A stack that did not reach a root (or its outermost frame, with
         * nothing outer to give) says nothing against the complete one
         * remembered for the same activation.  One that a stitcher of the
         * whole capture may have completed (partial) leaves no donor. */
        if (!unsure && (!n || !n->up) && sl->sp && slot_donor(sl) && sl->pid == pid &&
            sl->sp == f[i].sp && same_activation(sl, &f[i]))
            continue;
        struct node *old = sl->node;
        if (n)
            nodes[i - k] = NULL;  /* its reference goes to the slot */
        if (n && old == n) {      /* shared: the same frame (pc, sp) */
            sl->seq = s->seq;
            n->refs--;
            continue;
        }
        *sl = (struct slot){ .sp = f[i].sp, .pc = f[i].pc, .seq = s->seq, .pid = pid,
                             .node = n };
        node_put(s, old);
    }
}

size_t stitch_sample(struct stitch *s, uint32_t pid, struct unwind_frame **frames, size_t *nr,
                     size_t *cap, enum unwind_stop *stop)
{
    size_t added = 0;
    struct unwind_frame *f = *frames;
    size_t n = *nr;
    int32_t self = -1;            /* its pending index if grafted */
    /* partial: a stitcher of the whole capture may have completed it from
     * an earlier donor this one never saw (unsure: it still waits for a
     * later one), or may or may not graft the donor found here (dead: it
     * stays truncated) */
    int unsure = 0, dead = 0;
    if (*stop == UNWIND_STOP_TRUNCATED && n && has_address(&f[n - 1])) {
        const struct unwind_frame *last = &f[n - 1];
        const struct slot *sl = slot_get(s, pid, last->sp);
        const struct node *d = sl ? slot_donor(sl) : NULL;
        if (d && same_activation(sl, last)) {
            uint64_t top = node_top(d);
            if (!rose_above(s, pid, top, sl->seq, last->sp) &&
                !risen_between(s, pid, top, sl->seq, s->seq, last->sp)) {
                if (s->partial && unsure_rise(s, pid, top, sl->seq, last->sp)) {
                    dead = 1;     /* the whole stitcher may or may not graft */
                } else {
                    int32_t src = pending_of(s, pid, sl->seq);
                    added = graft(d, frames, nr, cap, stop);
                    self = add_pending(s, pid, frames, nr, cap, stop, n, src);
                    f = *frames;
                    n = *nr;
                }
            }
        } else if (s->partial && slot_unknown(s, pid, last->sp)) {
            unsure = 1;
        }
    }
    int wait = *stop == UNWIND_STOP_TRUNCATED && n && has_address(&f[n - 1]) && !dead;
    /* the user frames: kernel frames come first */
    size_t k = 0;
    while (k < n && f[k].kernel)
        k++;
    int complete = *stop == UNWIND_STOP_ROOT && n - k > 1;
    uint64_t top = n ? f[n - 1].sp : 0;
    find_slots(s, pid, f + k, n - k);
    if (complete) {
        make_nodes(s, pid, f + k, n - k);
        if (f[k].sp && top)
            hist_add(hist_of(s, pid, top, 1), s->seq, f[k].sp);
    }
    remember(s, pid, f, n, k, complete ? s->nodes : NULL, top, !added, self,
             wait && s->nr_pend < INT32_MAX ? (int32_t)s->nr_pend : -1, unsure || dead);
    if (complete)
        for (size_t i = 0; i < n - k; i++)
            node_put(s, s->nodes[i]);
    if (wait)
        add_pending(s, pid, frames, nr, cap, stop, n, -1);
    if (k < n && f[k].sp) {
        recent_add(s, pid, f[k].sp);
        if (unsure || dead)
            unsure_add(s, pid, f[k].sp);
    }
    s->seq++;
    return added;
}
