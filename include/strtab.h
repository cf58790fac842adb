/* strtab.h - the program's one string interner: one copy of each distinct
 * string, found again by content, with a dense id (0..n-1) per string.  The
 * copies live in an arena owned by the table; pointers and ids stay valid,
 * and are equal for equal strings, until strtab_release.  Strings may hold
 * any byte but NUL terminates the copy (interning by length is exact). */
#ifndef STRTAB_H
#define STRTAB_H

#include <stddef.h>
#include <stdint.h>

#include "hashtab.h"

struct strtab_chunk;

struct strtab {
    struct strtab_chunk *arena;
    struct strtab_ent {
        const char *str;          /* NUL-terminated copy in the arena */
        size_t len;
        uint64_t hash;
    } *ents;
    size_t n, cap;
    struct hashtab index;
};

/* The id of s[0..len) (copied on first sight). */
uint32_t strtab_id(struct strtab *t, const char *s, size_t len);
/* The table's copy of s. */
const char *strtab_intern(struct strtab *t, const char *s);

static inline const char *strtab_str(const struct strtab *t, uint32_t id)
{
    return id < t->n ? t->ents[id].str : "";
}

static inline size_t strtab_len(const struct strtab *t, uint32_t id)
{
    return id < t->n ? t->ents[id].len : 0;
}

static inline size_t strtab_count(const struct strtab *t)
{
    return t->n;
}

/* Frees every copy; the table is empty again. */
void strtab_release(struct strtab *t);

#endif
