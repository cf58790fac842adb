/* stack.c - AGGREGATOR: interns frame names (strtab) and whole stacks
 * (frame-id arrays in the program's hash table), counting samples per unique
 * stack.  Hands a finished stack_set to the writers (fold, svg, table...),
 * which read it through stack_sorted()/stack_get()/stack_runs(). */
#include <stdlib.h>
#include <string.h>
#include "stack.h"

#include "strtab.h"
#include "hashtab.h"

struct stack_entry {
    size_t first;               /* index into frames_pool */
    uint32_t nr;
    uint64_t count;
    uint64_t hash;
};

struct stack_set {
    struct strtab names;        /* frame names; a frame is a name id */

    uint32_t *frames_pool;      /* every unique stack's frames, back to back */
    size_t pool_len, pool_cap;
    struct stack_entry *stacks;
    size_t nr_stacks, cap_stacks;
    struct hashtab stack_index;
    uint64_t total;

    uint32_t *sorted;           /* folded order, valid while !sorted_stale */
    int sorted_stale;

    int record_order;
    struct stack_run *runs;
    size_t nr_runs, cap_runs;
};

struct stack_set *stack_set_new(void)
{
    return xcalloc(1, sizeof(struct stack_set));
}

void stack_set_free(struct stack_set *s)
{
    if (!s)
        return;
    strtab_release(&s->names);
    free(s->frames_pool);
    free(s->stacks);
    hashtab_release(&s->stack_index);
    free(s->sorted);
    free(s->runs);
    free(s);
}

uint32_t stack_intern(struct stack_set *s, const char *name, size_t len)
{
    return strtab_id(&s->names, name, len);
}

const char *stack_name(const struct stack_set *s, uint32_t name_id)
{
    return strtab_str(&s->names, name_id);
}

size_t stack_name_len(const struct stack_set *s, uint32_t name_id)
{
    return strtab_len(&s->names, name_id);
}

size_t stack_nr_names(const struct stack_set *s)
{
    return strtab_count(&s->names);
}

/* Word-wise hash of a frame-id array: cheaper than byte FNV on deep stacks. */
static uint64_t frames_hash(const uint32_t *frames, size_t n)
{
    uint64_t h = 0x9e3779b97f4a7c15ULL ^ n;
    for (size_t i = 0; i < n; i++) {
        h ^= frames[i];
        h *= 0xff51afd7ed558ccdULL;
        h ^= h >> 32;
    }
    return h;
}

struct stack_probe {
    const struct stack_set *s;
    const uint32_t *frames;
    size_t n;
    uint64_t hash;
};

static bool stack_eq(const void *ctx, uint32_t id)
{
    const struct stack_probe *p = ctx;
    const struct stack_entry *e = &p->s->stacks[id];
    return e->hash == p->hash && e->nr == p->n &&
           (p->n == 0 || memcmp(p->s->frames_pool + e->first, p->frames,
                                p->n * sizeof(*p->frames)) == 0);
}

static uint64_t stack_hash_of(const void *ctx, uint32_t id)
{
    const struct stack_set *s = ctx;
    return s->stacks[id].hash;
}

static void record_run(struct stack_set *s, uint32_t id, uint64_t count)
{
    if (s->nr_runs && s->runs[s->nr_runs - 1].stack_id == id) {
        s->runs[s->nr_runs - 1].count += count;
        return;
    }
    s->runs = xgrow(s->runs, sizeof(*s->runs), s->nr_runs + 1, &s->cap_runs);
    s->runs[s->nr_runs].stack_id = id;
    s->runs[s->nr_runs].count = count;
    s->nr_runs++;
}

void stack_add_to(struct stack_set *s, uint32_t id, uint64_t count)
{
    if (id >= s->nr_stacks)
        return;
    s->stacks[id].count += count;
    s->total += count;
    if (s->record_order)
        record_run(s, id, count);
}

uint32_t stack_add(struct stack_set *s, const uint32_t *frames, size_t n,
                   uint64_t count)
{
    struct stack_probe p = { s, frames, n, frames_hash(frames, n) };
    hashtab_reserve(&s->stack_index, stack_hash_of, s);
    uint32_t *slot = hashtab_find(&s->stack_index, p.hash, stack_eq, &p);
    if (*slot) {
        stack_add_to(s, *slot - 1, count);
        return *slot - 1;
    }
    s->frames_pool = xgrow(s->frames_pool, sizeof(*frames), s->pool_len + n,
                           &s->pool_cap);
    if (n)
        memcpy(s->frames_pool + s->pool_len, frames, n * sizeof(*frames));
    s->stacks = xgrow(s->stacks, sizeof(*s->stacks), s->nr_stacks + 1,
                      &s->cap_stacks);
    uint32_t id = (uint32_t)s->nr_stacks++;
    s->stacks[id].first = s->pool_len;
    s->stacks[id].nr = (uint32_t)n;
    s->stacks[id].count = count;
    s->stacks[id].hash = p.hash;
    s->pool_len += n;
    hashtab_put(&s->stack_index, slot, id);
    s->total += count;
    s->sorted_stale = 1;
    if (s->record_order)
        record_run(s, id, count);
    return id;
}

uint32_t stack_add_names(struct stack_set *s, const char *const *names,
                         size_t n, uint64_t count)
{
    uint32_t small[64] = { 0 };
    uint32_t *ids = n <= SF_ARRAY_SIZE(small) ? small : xmalloc(n * sizeof(*ids));
    for (size_t i = 0; i < n; i++)
        ids[i] = stack_intern(s, names[i], strlen(names[i]));
    uint32_t id = stack_add(s, ids, n, count);
    if (ids != small)
        free(ids);
    return id;
}

int stack_scale(struct stack_set *s, uint64_t factor, uint64_t limit)
{
    if (factor && s->total > limit / factor)
        return -1;
    for (size_t i = 0; i < s->nr_stacks; i++)
        s->stacks[i].count *= factor;
    for (size_t i = 0; i < s->nr_runs; i++)
        s->runs[i].count *= factor;
    s->total *= factor;
    return 0;
}

size_t stack_nr_stacks(const struct stack_set *s)
{
    return s->nr_stacks;
}

uint64_t stack_total(const struct stack_set *s)
{
    return s->total;
}

void stack_get(const struct stack_set *s, uint32_t stack_id, struct stack_view *v)
{
    if (stack_id >= s->nr_stacks) {
        v->frames = NULL;
        v->nr = 0;
        v->count = 0;
        return;
    }
    const struct stack_entry *e = &s->stacks[stack_id];
    v->frames = s->frames_pool + e->first;
    v->nr = e->nr;
    v->count = e->count;
}

/* Byte cursor over the virtual folded line "n0;n1;...;nk " of one stack.
 * The trailing space stands for the " COUNT" separator, so a stack sorts
 * before its extensions exactly as `LC_ALL=C sort` orders the lines. */
struct fold_cursor {
    const struct stack_set *s;
    const uint32_t *frames;
    uint32_t nr, frame;
    size_t off;                 /* byte offset inside frames[frame] */
};

static int cursor_next(struct fold_cursor *c)
{
    if (c->frame >= c->nr)
        return -1;              /* past the end: the terminator was returned */
    uint32_t name = c->frames[c->frame];
    if (c->off < strtab_len(&c->s->names, name))
        return (unsigned char)strtab_str(&c->s->names, name)[c->off++];
    c->frame++;
    c->off = 0;
    return c->frame < c->nr ? ';' : ' ';
}

static int stacks_cmp(const struct stack_set *s, uint32_t a, uint32_t b)
{
    const struct stack_entry *ea = &s->stacks[a], *eb = &s->stacks[b];
    const uint32_t *fa = s->frames_pool + ea->first, *fb = s->frames_pool + eb->first;
    uint32_t i = 0, n = SF_MIN(ea->nr, eb->nr);
    /* identical leading frames compare equal byte for byte: skip them */
    while (i < n && fa[i] == fb[i])
        i++;
    struct fold_cursor ca = { s, fa, ea->nr, i, 0 }, cb = { s, fb, eb->nr, i, 0 };
    if (i > 0 && i == n && ea->nr == eb->nr)
        return 0;
    for (;;) {
        int x = cursor_next(&ca), y = cursor_next(&cb);
        if (x != y)
            return x < y ? -1 : 1;
        if (x < 0)
            return 0;
    }
}

/* qsort has no context argument; one sort per thread at a time */
static _Thread_local const struct stack_set *sort_set;

static int sort_cmp(const void *pa, const void *pb)
{
    uint32_t a = *(const uint32_t *)pa, b = *(const uint32_t *)pb;
    int r = stacks_cmp(sort_set, a, b);
    return r ? r : (a < b ? -1 : a > b);
}

const uint32_t *stack_sorted(struct stack_set *s)
{
    if (s->sorted && !s->sorted_stale)
        return s->sorted;
    free(s->sorted);
    s->sorted = xmalloc((s->nr_stacks ? s->nr_stacks : 1) * sizeof(uint32_t));
    for (size_t i = 0; i < s->nr_stacks; i++)
        s->sorted[i] = (uint32_t)i;
    sort_set = s;
    qsort(s->sorted, s->nr_stacks, sizeof(uint32_t), sort_cmp);
    sort_set = NULL;
    s->sorted_stale = 0;
    return s->sorted;
}

void stack_merge(struct stack_set *dst, const struct stack_set *src)
{
    size_t nr_names = strtab_count(&src->names);
    uint32_t *map = xmalloc((nr_names ? nr_names : 1) * sizeof(*map));
    for (size_t i = 0; i < nr_names; i++)
        map[i] = strtab_id(&dst->names, strtab_str(&src->names, (uint32_t)i),
                           strtab_len(&src->names, (uint32_t)i));
    uint32_t *buf = NULL;
    size_t cap = 0;
    uint32_t *dst_ids = xmalloc((src->nr_stacks ? src->nr_stacks : 1) * sizeof(*dst_ids));
    int rec = dst->record_order;
    /* with both sets in time order, src's runs are appended below instead */
    dst->record_order = rec && !src->record_order;
    for (size_t id = 0; id < src->nr_stacks; id++) {
        const struct stack_entry *e = &src->stacks[id];
        buf = xgrow(buf, sizeof(*buf), e->nr ? e->nr : 1, &cap);
        for (uint32_t i = 0; i < e->nr; i++)
            buf[i] = map[src->frames_pool[e->first + i]];
        dst_ids[id] = stack_add(dst, buf, e->nr, e->count);
    }
    dst->record_order = rec;
    if (rec && src->record_order)
        for (size_t r = 0; r < src->nr_runs; r++)
            record_run(dst, dst_ids[src->runs[r].stack_id], src->runs[r].count);
    free(dst_ids);
    free(buf);
    free(map);
}

void stack_record_order(struct stack_set *s, int on)
{
    s->record_order = on;
}

size_t stack_nr_runs(const struct stack_set *s)
{
    return s->nr_runs;
}

const struct stack_run *stack_runs(const struct stack_set *s)
{
    return s->runs;
}
