/* strtab.c - the string interner (see strtab.h). */
#include "strtab.h"

#include <stdlib.h>
#include <string.h>

#include "sf.h"

void strtab_release(struct strtab *t)
{
    for (size_t i = 0; i < t->n; i++)
        free(t->v[i]);
    free(t->v);
    free(t->slots);
    memset(t, 0, sizeof(*t));
}

const char *strtab_intern(struct strtab *t, const char *s)
{
    if (t->n * 2 >= t->nslots) {
        size_t ns = t->nslots ? t->nslots * 2 : 256;
        uint32_t *slots = xcalloc(ns, sizeof(*slots));
        for (size_t i = 0; i < t->n; i++) {
            uint64_t h = sf_hash(t->v[i], strlen(t->v[i]));
            size_t j = h & (ns - 1);
            while (slots[j])
                j = (j + 1) & (ns - 1);
            slots[j] = (uint32_t)i + 1;
        }
        free(t->slots);
        t->slots = slots;
        t->nslots = ns;
    }
    uint64_t h = sf_hash(s, strlen(s));
    size_t j = h & (t->nslots - 1);
    while (t->slots[j]) {
        const char *c = t->v[t->slots[j] - 1];
        if (!strcmp(c, s))
            return c;
        j = (j + 1) & (t->nslots - 1);
    }
    t->v = xgrow(t->v, sizeof(*t->v), t->n + 1, &t->cap);
    t->v[t->n] = xstrdup(s);
    t->slots[j] = (uint32_t)t->n + 1;
    return t->v[t->n++];
}
