/* strlist.h - a growable list of strings the list owns (copies made on
 * push, freed on release): the filters' values (--comm, --pid, ...). */
#ifndef STRLIST_H
#define STRLIST_H

#include <stddef.h>
#include "sf.h"

struct strlist { const char **v; size_t n, cap; };

/* Appends a copy of s. */
void strlist_push(struct strlist *l, const char *s);
/* Frees every string and the array; the list is empty again. */
void strlist_release(struct strlist *l);
/* Whether s is in the list (exact comparison). */
int strlist_has(const struct strlist *l, const char *s);

/* Appends to out the k names of names[0..n) closest to want (by edit
 * distance, ignoring case; ties by name), comma-separated. */
void strlist_closest(const char *want, const char *const *names, size_t n, size_t k,
                     struct sbuf *out);

#endif
