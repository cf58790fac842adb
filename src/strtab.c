/* strtab.c - the string interner (see strtab.h): an arena of copies indexed
 * by the program's hash table. */
#include "strtab.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "sf.h"

#define ARENA_CHUNK (256 * 1024)

struct strtab_chunk {
    struct strtab_chunk *next;
    size_t used, cap;
    char data[];
};

static char *arena_copy(struct strtab *t, const char *p, size_t len)
{
    struct strtab_chunk *c = t->arena;
    if (!c || c->cap - c->used < len + 1) {
        /* Huge strings get a chunk of their own so small ones keep packing. */
        size_t cap = len + 1 > ARENA_CHUNK / 4 ? len + 1 : ARENA_CHUNK;
        struct strtab_chunk *n = xmalloc(sizeof(*n) + cap);
        n->used = 0;
        n->cap = cap;
        if (c && cap != ARENA_CHUNK) {
            /* keep the partly used chunk at the head for later small strings */
            n->next = c->next;
            c->next = n;
            c = n;
        } else {
            n->next = c;
            t->arena = c = n;
        }
    }
    char *dst = c->data + c->used;
    if (len)
        memcpy(dst, p, len);
    dst[len] = '\0';
    c->used += len + 1;
    return dst;
}

struct probe {
    const struct strtab *t;
    const char *s;
    size_t len;
    uint64_t hash;
};

static bool ent_eq(const void *ctx, uint32_t id)
{
    const struct probe *p = ctx;
    const struct strtab_ent *e = &p->t->ents[id];
    return e->hash == p->hash && e->len == p->len && memcmp(e->str, p->s, p->len) == 0;
}

static uint64_t ent_hash(const void *ctx, uint32_t id)
{
    const struct strtab *t = ctx;
    return t->ents[id].hash;
}

uint32_t strtab_id(struct strtab *t, const char *s, size_t len)
{
    struct probe p = { t, s, len, sf_hash_words(s, len) };
    hashtab_reserve(&t->index, ent_hash, t);
    uint32_t *slot = hashtab_find(&t->index, p.hash, ent_eq, &p);
    if (*slot)
        return *slot - 1;
    t->ents = xgrow(t->ents, sizeof(*t->ents), t->n + 1, &t->cap);
    uint32_t id = (uint32_t)t->n++;
    t->ents[id].str = arena_copy(t, s, len);
    t->ents[id].len = len;
    t->ents[id].hash = p.hash;
    hashtab_put(&t->index, slot, id);
    return id;
}

const char *strtab_intern(struct strtab *t, const char *s)
{
    return strtab_str(t, strtab_id(t, s, strlen(s)));
}

void strtab_release(struct strtab *t)
{
    for (struct strtab_chunk *c = t->arena, *next; c; c = next) {
        next = c->next;
        free(c);
    }
    free(t->ents);
    hashtab_release(&t->index);
    memset(t, 0, sizeof(*t));
}
