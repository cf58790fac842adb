/* memo.c - the stack memo (see memo.h). */
#include "memo.h"

#include <stdlib.h>
#include <string.h>

#include "sf.h"
#include "sf_int.h"

#define MEMO_SLOTS 8192           /* per worker; power of two */
#define MEMO_MAX_BYTES (4u << 20) /* per worker */
#define STACK_MEMO_SLOTS 16384

static uint64_t memo_hash(const struct memo_key *k, size_t n)
{
    uint64_t h = 0x9e3779b97f4a7c15ULL ^ n;
    for (size_t i = 0; i < n; i++) {
        h = (h ^ k[i].pc) * 0xff51afd7ed558ccdULL;
        h = (h ^ (uint64_t)(uintptr_t)k[i].map ^ (k[i].flags << 48)) * 0xc4ceb9fe1a85ec53ULL;
        h ^= h >> 31;
    }
    return h | 1;                 /* 0 marks an empty slot */
}

size_t memo_make_key(struct memo *m, const struct memo_key *ctx,
                     const struct unwind_result *ur, uint64_t *hash)
{
    size_t n = ur->nr + 1;
    m->scratch = xgrow(m->scratch, sizeof(*m->scratch), n, &m->scratch_cap);
    m->scratch[0] = *ctx;
    uint64_t h = memo_hash(m->scratch, 1) ^ n;
    for (size_t i = 0; i < ur->nr; i++) {
        const struct unwind_frame *uf = &ur->frames[i];
        uint64_t flags = (uint64_t)(uf->kernel != 0) | (uint64_t)(uf->elide != 0) << 1 |
                         (uint64_t)(uf->is_return != 0) << 2 |
                         (uint64_t)(uf->how == UNWIND_HOW_IP) << 3;
        m->scratch[i + 1] = (struct memo_key){ .pc = uf->pc, .map = uf->map, .flags = flags };
        /* pc and flags identify a frame within a sample's mappings; the
         * key comparison on a hit checks the mapping too */
        h = (h ^ uf->pc ^ flags << 60) * 0xff51afd7ed558ccdULL;
        h ^= h >> 32;
    }
    *hash = h | 1;                /* 0 marks an empty slot */
    return n;
}

const struct memo_entry *memo_find(const struct memo *m, size_t n, uint64_t h)
{
    if (!m->slots)
        return NULL;
    const struct memo_key *k = m->scratch;
    for (size_t i = h & (MEMO_SLOTS - 1);; i = (i + 1) & (MEMO_SLOTS - 1)) {
        const struct memo_entry *e = &m->slots[i];
        if (!e->hash)
            return NULL;
        if (e->hash == h && e->nr_key == n && memcmp(e->key, k, n * sizeof(*k)) == 0)
            return e;
    }
}

const struct memo_entry *memo_insert(struct memo *m, size_t n, uint64_t h,
                                     const struct frame_out *frames, size_t nr_frames,
                                     const char *binary)
{
    size_t bytes = n * sizeof(struct memo_key) + nr_frames * sizeof(struct frame_out);
    if (m->off || m->used * 4 >= MEMO_SLOTS * 3 || m->bytes + bytes > MEMO_MAX_BYTES)
        return NULL;
    if (!m->slots)
        m->slots = xzalloc_written(MEMO_SLOTS, sizeof(*m->slots));
    size_t i = h & (MEMO_SLOTS - 1);
    while (m->slots[i].hash)
        i = (i + 1) & (MEMO_SLOTS - 1);
    struct memo_entry *e = &m->slots[i];
    e->hash = h;
    e->nr_key = (uint32_t)n;
    e->key = xmalloc(n * sizeof(*e->key));
    memcpy(e->key, m->scratch, n * sizeof(*e->key));
    e->nr_frames = (uint32_t)nr_frames;
    e->frames = xmalloc((nr_frames ? nr_frames : 1) * sizeof(*e->frames));
    if (nr_frames)
        memcpy(e->frames, frames, nr_frames * sizeof(*e->frames));
    e->binary = binary;
    m->used++;
    m->bytes += bytes;
    return e;
}

void memo_release(struct memo *m)
{
    for (size_t i = 0; m->slots && i < MEMO_SLOTS; i++) {
        free(m->slots[i].key);
        free(m->slots[i].frames);
    }
    free(m->slots);
    free(m->scratch);
    memset(m, 0, sizeof(*m));
}

struct stack_memo_slot *stack_memo_slot(struct stack_memo *sm, const struct memo_entry *e)
{
    if (!sm->slots)
        sm->slots = xzalloc_written(STACK_MEMO_SLOTS, sizeof(*sm->slots));
    uint64_t h = (uint64_t)(uintptr_t)e * 0x9e3779b97f4a7c15ULL;
    for (size_t i = (h >> 20) & (STACK_MEMO_SLOTS - 1);; i = (i + 1) & (STACK_MEMO_SLOTS - 1)) {
        struct stack_memo_slot *slot = &sm->slots[i];
        if (slot->entry == e)
            return slot;
        if (!slot->entry)
            return sm->used * 4 < STACK_MEMO_SLOTS * 3 ? slot : NULL;
    }
}

void stack_memo_reset(struct stack_memo *sm)
{
    if (sm->slots)
        memset(sm->slots, 0, STACK_MEMO_SLOTS * sizeof(*sm->slots));
    sm->used = 0;
}

void stack_memo_release(struct stack_memo *sm)
{
    free(sm->slots);
    memset(sm, 0, sizeof(*sm));
}
