/* memo.h - the stack memo.
 *
 * Most samples repeat a stack seen before: same comm, same leaf, same
 * return addresses in the same mappings.  Each worker keeps what frame
 * resolution made of such an unwound stack (the symbolized frames), keyed
 * by everything resolution depends on (struct memo); the main thread keeps,
 * per worker entry, the stack id it interned (struct stack_memo).  A repeat
 * then costs the unwind and a key comparison instead of a symbolizer lookup
 * per frame and a name lookup per frame.  Entries live for one capture
 * (their pointers are the capture's); a full memo stops inserting and
 * samples take the long way.  SYSFLAME_NO_MEMO=1 turns it off: tests check
 * that outputs do not change.
 *
 * Ownership: a memo owns its entries and their key and frame copies; the
 * frames' strings belong to the capture (symbolizer, session). */
#ifndef MEMO_H
#define MEMO_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "frame.h"
#include "sf.h"
#include "unwind.h"

struct memo_key {                 /* one unwound frame, or the sample's context */
    uint64_t pc;
    const void *map;
    uint64_t flags;
};

struct memo_entry {
    uint64_t hash;
    uint32_t nr_key, nr_frames;
    struct memo_key *key;         /* nr_key; key[0] is the sample context */
    struct frame_out *frames;
    const char *binary;
};

struct memo {                     /* one per worker */
    struct memo_entry *slots;
    size_t used, bytes;
    int off;                      /* SYSFLAME_NO_MEMO set (tests compare) */
    struct memo_key *scratch;     /* the key memo_make_key built */
    size_t scratch_cap;
};


/* ---- the per-sample path, inline (measured: as calls into memo.c they
 * cost ~50 instructions per sample) ---- */

#define MEMO_SLOTS 8192           /* per worker; power of two */

static inline uint64_t memo_hash(const struct memo_key *k, size_t n)
{
    uint64_t h = 0x9e3779b97f4a7c15ULL ^ n;
    for (size_t i = 0; i < n; i++) {
        h = (h ^ k[i].pc) * 0xff51afd7ed558ccdULL;
        h = (h ^ (uint64_t)(uintptr_t)k[i].map ^ (k[i].flags << 48)) * 0xc4ceb9fe1a85ec53ULL;
        h ^= h >> 31;
    }
    return h | 1;                 /* 0 marks an empty slot */
}

/* Builds in m->scratch the key of an unwound stack: `ctx` (what frame 0
 * and the leaf are named after), then every frame with what resolution
 * reads of it.  Returns the number of key entries; *hash its hash. */
static inline size_t memo_make_key(struct memo *m, const struct memo_key *ctx,
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
                         (uint64_t)(uf->how == UNWIND_HOW_IP) << 3 |
                         (uint64_t)(uf->how == UNWIND_HOW_FP) << 4;
        m->scratch[i + 1] = (struct memo_key){ .pc = uf->pc, .map = uf->map, .flags = flags };
        /* pc and flags identify a frame within a sample's mappings; the
         * key comparison on a hit checks the mapping too */
        h = (h ^ uf->pc ^ flags << 60) * 0xff51afd7ed558ccdULL;
        h ^= h >> 32;
    }
    *hash = h | 1;                /* 0 marks an empty slot */
    return n;
}

/* The entry for the key in m->scratch (n entries, hash h), or NULL. */
static inline const struct memo_entry *memo_find(const struct memo *m, size_t n, uint64_t h)
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

/* Keeps the resolved frames for the key in m->scratch; NULL when the memo
 * is off or full. */
const struct memo_entry *memo_insert(struct memo *m, size_t n, uint64_t h,
                                     const struct frame_out *frames, size_t nr_frames,
                                     const char *binary);
void memo_release(struct memo *m);

/* Main thread: worker memo entry -> interned stack. */
struct stack_memo_slot {
    const struct memo_entry *entry;
    uint32_t stack_id;
    uint32_t depth;
};

struct stack_memo {
    struct stack_memo_slot *slots;
    size_t used;
};

#define STACK_MEMO_SLOTS 16384

/* The slot table (zeroed), allocated on first use. */
struct stack_memo_slot *stack_memo_alloc(void);

/* e's slot: its own (entry == e), or an empty one for the caller to fill
 * (then count it in sm->used); NULL when the memo is full. */
static inline struct stack_memo_slot *stack_memo_slot(struct stack_memo *sm, const struct memo_entry *e)
{
    if (!sm->slots)
        sm->slots = stack_memo_alloc();
    uint64_t h = (uint64_t)(uintptr_t)e * 0x9e3779b97f4a7c15ULL;
    for (size_t i = (h >> 20) & (STACK_MEMO_SLOTS - 1);; i = (i + 1) & (STACK_MEMO_SLOTS - 1)) {
        struct stack_memo_slot *slot = &sm->slots[i];
        if (slot->entry == e)
            return slot;
        if (!slot->entry)
            return sm->used * 4 < STACK_MEMO_SLOTS * 3 ? slot : NULL;
    }
}
/* Forgets every entry (a new capture). */
void stack_memo_reset(struct stack_memo *sm);
void stack_memo_release(struct stack_memo *sm);

#endif
