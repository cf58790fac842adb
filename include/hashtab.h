/* hashtab.h - the program's one hash table: an open-addressing index from a
 * 64-bit hash to the ids (0..n-1) of entries in an array the caller owns.
 *
 * The caller keeps its entries (and their hashes) where it likes; the table
 * holds only id + 1 per slot, so it grows by rehashing from the caller's
 * hashes without copying entries.  Lookups inline the caller's equality test
 * (a static function passed as a constant), which keeps hot paths (a stack per
 * sample) as fast as a hand-written table.  u64map below is the same table
 * keyed by an integer, for the maps that need nothing more.  Not thread-safe. */
#ifndef HASHTAB_H
#define HASHTAB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct hashtab {
    uint32_t *slots;            /* id + 1; 0 = empty; NULL while empty */
    size_t mask;                /* number of slots - 1 */
    size_t n;                   /* ids indexed */
};

typedef bool (*hashtab_eq_fn)(const void *ctx, uint32_t id);
typedef uint64_t (*hashtab_hash_fn)(const void *ctx, uint32_t id);

/* The slot holding the id with this hash that eq() accepts, or the empty
 * slot where such an id belongs.  Call hashtab_reserve first when inserting
 * (a reserve invalidates slot pointers); a table never reserved has no slot
 * (NULL). */
static inline uint32_t *hashtab_find(const struct hashtab *t, uint64_t hash,
                                     hashtab_eq_fn eq, const void *ctx)
{
    if (!t->slots)
        return NULL;
    size_t i = (size_t)hash & t->mask;
    while (t->slots[i] && !eq(ctx, t->slots[i] - 1))
        i = (i + 1) & t->mask;
    return &t->slots[i];
}

/* The id hashtab_find found in slot, or UINT32_MAX for none. */
static inline uint32_t hashtab_id(const uint32_t *slot)
{
    return slot && *slot ? *slot - 1 : UINT32_MAX;
}

/* Puts id in the empty slot hashtab_find returned. */
static inline void hashtab_put(struct hashtab *t, uint32_t *slot, uint32_t id)
{
    *slot = id + 1;
    t->n++;
}

/* Room for one more id (at most half the slots used), rehashing the ids
 * indexed so far with hash_of(ctx, id). */
void hashtab_reserve(struct hashtab *t, hashtab_hash_fn hash_of, const void *ctx);
void hashtab_release(struct hashtab *t);

/* --- u64map: integer key -> 32-bit value -------------------------------- */

struct u64map {
    struct hashtab index;
    struct u64map_ent { uint64_t key; uint32_t val; } *ents;
    size_t n, cap;
};

/* The value stored for key, or NULL. */
uint32_t *u64map_get(const struct u64map *m, uint64_t key);
/* Stores val for key (replacing an earlier value). */
void u64map_put(struct u64map *m, uint64_t key, uint32_t val);
size_t u64map_count(const struct u64map *m);
void u64map_release(struct u64map *m);

#endif
