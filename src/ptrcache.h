/* ptrcache.h - (driver-internal) a direct-mapped cache keyed by a pair of pointers and a tag:
 * what the driver worked out once for a name it meets again and again (a
 * frame's folded name id, a syscall's row).  Keys are pointers that stay
 * put for one capture (pclntab names, ELF string tables, the session's
 * interned strings): reset the cache when the capture changes.  A miss
 * evicts whatever held the slot. */
#ifndef PTRCACHE_H
#define PTRCACHE_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sf.h"
#include "sf_int.h"

#define PTRCACHE_SLOTS 4096

struct ptr_slot {
    const void *a, *b;
    uint32_t tag;                 /* 0 = empty */
    uint32_t id;
};

/* The slot for (a, b, tag): filled (tag set) on a hit; on a miss, a slot
 * keyed so with tag 0, for the caller to fill id and tag. */
static inline struct ptr_slot *ptrcache_slot(struct ptr_slot **c, const void *a, const void *b,
                                             uint32_t tag)
{
    if (!*c)
        *c = xzalloc_written(PTRCACHE_SLOTS, sizeof(**c));
    uint64_t h = ((uint64_t)(uintptr_t)a * 0x9e3779b97f4a7c15ULL) ^
                 ((uint64_t)(uintptr_t)b * 0xc2b2ae3d27d4eb4fULL) ^ tag;
    h ^= h >> 29;
    struct ptr_slot *slot = &(*c)[h & (PTRCACHE_SLOTS - 1)];
    if (slot->tag == tag && slot->a == a && slot->b == b)
        return slot;
    slot->a = a;
    slot->b = b;
    slot->tag = 0;
    return slot;
}

static inline void ptrcache_reset(struct ptr_slot *c)
{
    if (c)
        memset(c, 0, PTRCACHE_SLOTS * sizeof(*c));
}

#endif
