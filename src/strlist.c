/* strlist.c - a growable list of owned strings (see strlist.h). */
#include "strlist.h"

#include <ctype.h>
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

/* Levenshtein distance, case-insensitive (insert, delete, substitute: 1). */
static size_t edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    size_t *row = xcalloc(lb + 1, sizeof(*row));
    for (size_t j = 0; j <= lb; j++)
        row[j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t up = row[j];
            size_t sub = diag + (tolower((unsigned char)a[i - 1]) !=
                                 tolower((unsigned char)b[j - 1]));
            size_t best = SF_MIN(up + 1, row[j - 1] + 1);
            row[j] = SF_MIN(best, sub);
            diag = up;
        }
    }
    size_t d = row[lb];
    free(row);
    return d;
}

void strlist_closest(const char *want, const char *const *names, size_t n, size_t k,
                     struct sbuf *out)
{
    size_t *dist = xcalloc(n ? n : 1, sizeof(*dist));
    char *taken = xcalloc(n ? n : 1, 1);
    for (size_t i = 0; i < n; i++)
        dist[i] = edit_distance(want, names[i]);
    for (size_t got = 0; got < k && got < n; got++) {
        size_t best = n;
        for (size_t i = 0; i < n; i++)
            if (!taken[i] && (best == n || dist[i] < dist[best] ||
                              (dist[i] == dist[best] && strcmp(names[i], names[best]) < 0)))
                best = i;
        taken[best] = 1;
        sbuf_addf(out, "%s%s", got ? ", " : "", names[best]);
    }
    free(taken);
    free(dist);
}
