/* strtab.h - a string interner: one copy of each distinct string, found
 * again by content.  The table owns its copies; the pointers it returns
 * stay valid, and are equal for equal strings, until strtab_release. */
#ifndef STRTAB_H
#define STRTAB_H

#include <stddef.h>
#include <stdint.h>

struct strtab {
    char **v;
    size_t n, cap;
    uint32_t *slots;          /* open addressing, index+1, 0 = empty */
    size_t nslots;
};

/* The table's copy of s (made on first sight). */
const char *strtab_intern(struct strtab *t, const char *s);
/* Frees every copy; the table is empty again. */
void strtab_release(struct strtab *t);

#endif
