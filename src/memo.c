/* memo.c - the stack memo (see memo.h). */
#include "memo.h"

#include <stdlib.h>
#include <string.h>

#include "sf.h"
#include "sf_int.h"

/* per worker: the bench captures use at most 0.36 MB (205-282 entries);
 * a system-wide capture of deep C stacks filled 4 MB per worker, 10 MB of
 * peak RSS at -j 2 for no measurable CPU */
#define MEMO_MAX_BYTES (1u << 20)

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

struct stack_memo_slot *stack_memo_alloc(void)
{
    return xzalloc_written(STACK_MEMO_SLOTS, sizeof(struct stack_memo_slot));
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
