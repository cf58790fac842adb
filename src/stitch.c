/* stitch.c - completing truncated stacks from earlier samples of the same
 * stack memory (see stitch.h). */
#include "stitch.h"

#include <stdlib.h>
#include <string.h>

#include "binary.h"
#include "gosym.h"
#include "sf.h"
#include "symbolize.h"

#define STITCH_SLOTS (1u << 17)

/* A complete stack that frames were taken from: its user frames and a
 * reference on the mapping set they point into. */
struct chain {
    unsigned refs;
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

struct stitch {
    struct slot *slots;           /* STITCH_SLOTS, allocated on first use */
};

static void chain_put(struct chain *c)
{
    if (c && --c->refs == 0) {
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
    free(s->slots);
    free(s);
}

static struct slot *slot_of(struct stitch *s, uint32_t pid, uint64_t sp)
{
    uint64_t h = (sp ^ (uint64_t)pid << 40) * 0x9e3779b97f4a7c15ull;
    return &s->slots[h >> (64 - 17)];
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

/* Whether frame f is the activation a slot remembers: the same address
 * (checked by the caller) in the same function of the same binary, at
 * this call site or another. */
static int same_activation(const struct slot *sl, const struct unwind_frame *f)
{
    if (sl->pc == f->pc)
        return 1;
    if (!sl->chain)
        return 0;
    const struct unwind_frame *g = &sl->chain->f[sl->idx];
    if (g->bin != f->bin || !f->bin)
        return 0;
    uint64_t a = func_of(f);
    return a && a == func_of(g);
}

/* Remembers every user frame of the sample at its address; c is the
 * sample's complete stack (NULL if it did not reach a root).  Frames that
 * share an address with their callee (a return address kept in a
 * register) leave the innermost one there. */
static void remember(struct stitch *s, uint32_t pid, const struct unwind_frame *f, size_t nr,
                     struct chain *c)
{
    uint64_t last_sp = 0;
    for (size_t i = 0; i < nr; i++) {
        if (!has_address(&f[i]) || f[i].sp == last_sp)
            continue;
        last_sp = f[i].sp;
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
                             .idx = (uint32_t)(i - (nr - (c ? c->nr : nr))), .chain = keep };
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
        if (sl->chain && sl->pid == pid && sl->sp == last->sp && same_activation(sl, last)) {
            const struct chain *c = sl->chain;
            added = c->nr - sl->idx - 1;
            *frames = f = xgrow(f, sizeof(*f), n + added, cap);
            memcpy(f + n, c->f + sl->idx + 1, added * sizeof(*f));
            *nr = n += added;
            *stop = UNWIND_STOP_ROOT;
        }
    }
    /* the user frames: kernel frames come first */
    size_t k = 0;
    while (k < n && f[k].kernel)
        k++;
    struct chain *c = NULL;
    if (*stop == UNWIND_STOP_ROOT && n - k > 1) {
        c = xmalloc(sizeof(*c) + (n - k) * sizeof(c->f[0]));
        c->refs = 1;
        c->maps = maps;
        sess_maps_get(maps);
        c->nr = n - k;
        memcpy(c->f, f + k, c->nr * sizeof(c->f[0]));
    }
    remember(s, pid, f, n, c);
    chain_put(c);
    return added;
}
