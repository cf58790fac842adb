/* hashtab.c - the open-addressing index (see hashtab.h). */
#include "hashtab.h"

#include <stdlib.h>
#include <string.h>

#include "sf.h"

void hashtab_reserve(struct hashtab *t, hashtab_hash_fn hash_of, const void *ctx)
{
    size_t nslots = t->slots ? t->mask + 1 : 0;
    if ((t->n + 1) * 2 <= nslots)
        return;
    size_t ns = nslots ? nslots * 2 : 64;
    uint32_t *slots = xcalloc(ns, sizeof(*slots));
    for (size_t j = 0; j < nslots; j++) {
        if (!t->slots[j])
            continue;
        size_t i = (size_t)hash_of(ctx, t->slots[j] - 1) & (ns - 1);
        while (slots[i])
            i = (i + 1) & (ns - 1);
        slots[i] = t->slots[j];
    }
    free(t->slots);
    t->slots = slots;
    t->mask = ns - 1;
}

void hashtab_release(struct hashtab *t)
{
    free(t->slots);
    memset(t, 0, sizeof(*t));
}

/* --- u64map --------------------------------------------------------------- */

static uint64_t key_hash(uint64_t key)
{
    key ^= key >> 33;
    key *= 0xff51afd7ed558ccdULL;
    key ^= key >> 33;
    return key;
}

struct key_probe {
    const struct u64map *m;
    uint64_t key;
};

static bool key_eq(const void *ctx, uint32_t id)
{
    const struct key_probe *p = ctx;
    return p->m->ents[id].key == p->key;
}

static uint64_t key_hash_of(const void *ctx, uint32_t id)
{
    const struct u64map *m = ctx;
    return key_hash(m->ents[id].key);
}

uint32_t *u64map_get(const struct u64map *m, uint64_t key)
{
    struct key_probe p = { m, key };
    uint32_t id = hashtab_id(hashtab_find(&m->index, key_hash(key), key_eq, &p));
    return id == UINT32_MAX ? NULL : &m->ents[id].val;
}

void u64map_put(struct u64map *m, uint64_t key, uint32_t val)
{
    hashtab_reserve(&m->index, key_hash_of, m);
    struct key_probe p = { m, key };
    uint32_t *slot = hashtab_find(&m->index, key_hash(key), key_eq, &p);
    if (*slot) {
        m->ents[*slot - 1].val = val;
        return;
    }
    m->ents = xgrow(m->ents, sizeof(*m->ents), m->n + 1, &m->cap);
    m->ents[m->n].key = key;
    m->ents[m->n].val = val;
    hashtab_put(&m->index, slot, (uint32_t)m->n++);
}

size_t u64map_count(const struct u64map *m)
{
    return m->n;
}

void u64map_release(struct u64map *m)
{
    hashtab_release(&m->index);
    free(m->ents);
    memset(m, 0, sizeof(*m));
}
