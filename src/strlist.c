/* strlist.c - a growable list of owned strings (see strlist.h). */
#include "strlist.h"

#include <stdlib.h>
#include <string.h>

void strlist_push(struct strlist *l, const char *s)
{
    l->v = xgrow(l->v, sizeof(*l->v), l->n + 1, &l->cap);
    l->v[l->n++] = xstrdup(s);
}

void strlist_release(struct strlist *l)
{
    for (size_t i = 0; i < l->n; i++)
        free((char *)l->v[i]);
    free(l->v);
    l->v = NULL;
    l->n = l->cap = 0;
}

int strlist_has(const struct strlist *l, const char *s)
{
    for (size_t i = 0; i < l->n; i++)
        if (!strcmp(l->v[i], s))
            return 1;
    return 0;
}
