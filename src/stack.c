/* stack.c - AGGREGATOR: interns frame names (arena + open-addressing hash)
 * and whole stacks (hash of frame-id arrays), counting samples per unique
 * stack.  Hands a finished stack_set to the writers (fold, svg, table...),
 * which read it through stack_sorted()/stack_get()/stack_runs(). */
#include <stdlib.h>
#include <string.h>
#include "stack.h"

#define EMPTY_SLOT UINT32_MAX
#define ARENA_CHUNK (256 * 1024)

struct arena_chunk {
    struct arena_chunk *next;
    size_t used, cap;
    char data[];
};

struct name_entry {
    const char *str;            /* NUL-terminated copy in the arena */
    size_t len;
    uint64_t hash;
};

struct stack_entry {
    size_t first;               /* index into frames_pool */
    uint32_t nr;
    uint64_t count;
    uint64_t hash;
};

struct stack_set {
    struct arena_chunk *arena;
    struct name_entry *names;
    size_t nr_names, cap_names;
    uint32_t *name_slots;       /* hash table of name ids */
    size_t name_mask;

    uint32_t *frames_pool;      /* every unique stack's frames, back to back */
    size_t pool_len, pool_cap;
    struct stack_entry *stacks;
    size_t nr_stacks, cap_stacks;
    uint32_t *stack_slots;      /* hash table of stack ids */
    size_t stack_mask;
    uint64_t total;

    uint32_t *sorted;           /* folded order, valid while !sorted_stale */
    int sorted_stale;

    int record_order;
    struct stack_run *runs;
    size_t nr_runs, cap_runs;
};

static uint32_t *slots_new(size_t n)
{
    uint32_t *t = xmalloc(n * sizeof(*t));
    memset(t, 0xff, n * sizeof(*t));
    return t;
}

struct stack_set *stack_set_new(void)
{
    struct stack_set *s = xcalloc(1, sizeof(*s));
    s->name_mask = 1023;
    s->name_slots = slots_new(s->name_mask + 1);
    s->stack_mask = 1023;
    s->stack_slots = slots_new(s->stack_mask + 1);
    return s;
}

void stack_set_free(struct stack_set *s)
{
    if (!s)
        return;
    for (struct arena_chunk *c = s->arena, *next; c; c = next) {
        next = c->next;
        free(c);
    }
    free(s->names);
    free(s->name_slots);
    free(s->frames_pool);
    free(s->stacks);
    free(s->stack_slots);
    free(s->sorted);
    free(s->runs);
    free(s);
}

static char *arena_copy(struct stack_set *s, const char *p, size_t len)
{
    struct arena_chunk *c = s->arena;
    if (!c || c->cap - c->used < len + 1) {
        /* Huge names get a chunk of their own so small ones keep packing. */
        size_t cap = len + 1 > ARENA_CHUNK / 4 ? len + 1 : ARENA_CHUNK;
        struct arena_chunk *n = xmalloc(sizeof(*n) + cap);
        n->used = 0;
        n->cap = cap;
        if (c && cap != ARENA_CHUNK) {
            /* keep the partly used chunk at the head for later small names */
            n->next = c->next;
            c->next = n;
            c = n;
        } else {
            n->next = c;
            s->arena = c = n;
        }
    }
    char *dst = c->data + c->used;
    if (len)
        memcpy(dst, p, len);
    dst[len] = '\0';
    c->used += len + 1;
    return dst;
}

static void name_table_grow(struct stack_set *s)
{
    size_t mask = s->name_mask * 2 + 1;
    uint32_t *slots = slots_new(mask + 1);
    for (size_t id = 0; id < s->nr_names; id++) {
        size_t i = s->names[id].hash & mask;
        while (slots[i] != EMPTY_SLOT)
            i = (i + 1) & mask;
        slots[i] = (uint32_t)id;
    }
    free(s->name_slots);
    s->name_slots = slots;
    s->name_mask = mask;
}

uint32_t stack_intern(struct stack_set *s, const char *name, size_t len)
{
    uint64_t h = sf_hash(name, len);
    size_t i = h & s->name_mask;
    for (;;) {
        uint32_t id = s->name_slots[i];
        if (id == EMPTY_SLOT)
            break;
        const struct name_entry *e = &s->names[id];
        if (e->hash == h && e->len == len && memcmp(e->str, name, len) == 0)
            return id;
        i = (i + 1) & s->name_mask;
    }
    s->names = xgrow(s->names, sizeof(*s->names), s->nr_names + 1, &s->cap_names);
    uint32_t id = (uint32_t)s->nr_names++;
    s->names[id].str = arena_copy(s, name, len);
    s->names[id].len = len;
    s->names[id].hash = h;
    s->name_slots[i] = id;
    if (s->nr_names * 10 > (s->name_mask + 1) * 7)
        name_table_grow(s);
    return id;
}

const char *stack_name(const struct stack_set *s, uint32_t name_id)
{
    return name_id < s->nr_names ? s->names[name_id].str : "";
}

size_t stack_name_len(const struct stack_set *s, uint32_t name_id)
{
    return name_id < s->nr_names ? s->names[name_id].len : 0;
}

size_t stack_nr_names(const struct stack_set *s)
{
    return s->nr_names;
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

static void stack_table_grow(struct stack_set *s)
{
    size_t mask = s->stack_mask * 2 + 1;
    uint32_t *slots = slots_new(mask + 1);
    for (size_t id = 0; id < s->nr_stacks; id++) {
        size_t i = s->stacks[id].hash & mask;
        while (slots[i] != EMPTY_SLOT)
            i = (i + 1) & mask;
        slots[i] = (uint32_t)id;
    }
    free(s->stack_slots);
    s->stack_slots = slots;
    s->stack_mask = mask;
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
    uint64_t h = frames_hash(frames, n);
    size_t i = h & s->stack_mask;
    uint32_t id;
    for (;;) {
        id = s->stack_slots[i];
        if (id == EMPTY_SLOT)
            break;
        struct stack_entry *e = &s->stacks[id];
        if (e->hash == h && e->nr == n &&
            (n == 0 || memcmp(s->frames_pool + e->first, frames,
                              n * sizeof(*frames)) == 0)) {
            stack_add_to(s, id, count);
            return id;
        }
        i = (i + 1) & s->stack_mask;
    }
    s->frames_pool = xgrow(s->frames_pool, sizeof(*frames), s->pool_len + n,
                           &s->pool_cap);
    if (n)
        memcpy(s->frames_pool + s->pool_len, frames, n * sizeof(*frames));
    s->stacks = xgrow(s->stacks, sizeof(*s->stacks), s->nr_stacks + 1,
                      &s->cap_stacks);
    id = (uint32_t)s->nr_stacks++;
    s->stacks[id].first = s->pool_len;
    s->stacks[id].nr = (uint32_t)n;
    s->stacks[id].count = count;
    s->stacks[id].hash = h;
    s->pool_len += n;
    s->stack_slots[i] = id;
    s->total += count;
    s->sorted_stale = 1;
    if (s->nr_stacks * 10 > (s->stack_mask + 1) * 7)
        stack_table_grow(s);
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
    const struct name_entry *e = &c->s->names[c->frames[c->frame]];
    if (c->off < e->len)
        return (unsigned char)e->str[c->off++];
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
    uint32_t *map = xmalloc((src->nr_names ? src->nr_names : 1) * sizeof(*map));
    for (size_t i = 0; i < src->nr_names; i++)
        map[i] = stack_intern(dst, src->names[i].str, src->names[i].len);
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
