/* stack.h - AGGREGATOR stage: interns frame names and whole stacks and
 * counts samples per unique stack.  A stack is a list of string ids, root
 * first; by convention frame 0 is the comm (or "comm-pid/tid") and the last
 * frame of a syscall sample is the syscall name.  Writers receive a finished
 * stack_set and never see samples.
 *
 * Ownership: the set owns every string and stack it interned; ids are dense
 * (0..n-1) and stable.  Not thread-safe: one set per worker, then merge. */
#ifndef STACK_H
#define STACK_H

#include <stdint.h>
#include <stddef.h>
#include "sf.h"

struct stack_set;

struct stack_set *stack_set_new(void);
void stack_set_free(struct stack_set *s);

/* Interns a name; returns its id. */
uint32_t stack_intern(struct stack_set *s, const char *name, size_t len);
const char *stack_name(const struct stack_set *s, uint32_t name_id);
size_t stack_name_len(const struct stack_set *s, uint32_t name_id);
size_t stack_nr_names(const struct stack_set *s);

/* Adds `count` samples to the stack frames[0..n) (root first). */
uint32_t stack_add(struct stack_set *s, const uint32_t *frames, size_t n,
                   uint64_t count);
/* Adds count to stack id (as returned by stack_add), keeping record order. */
void stack_add_to(struct stack_set *s, uint32_t id, uint64_t count);
/* Same as stack_add, with names (interned on the way). */
uint32_t stack_add_names(struct stack_set *s, const char *const *names,
                         size_t n, uint64_t count);

/* Multiplies every count (stacks, runs, total) by factor (a change of
 * unit: fold_reader.h's decimal counts).  0 ok, -1 if the total would pass
 * `limit` (nothing changed then). */
int stack_scale(struct stack_set *s, uint64_t factor, uint64_t limit);

size_t stack_nr_stacks(const struct stack_set *s);
uint64_t stack_total(const struct stack_set *s);

struct stack_view {
    const uint32_t *frames;    /* root first */
    uint32_t nr;
    uint64_t count;
};
void stack_get(const struct stack_set *s, uint32_t stack_id, struct stack_view *v);

/* Stack ids in folded order: by frame names, byte-wise lexicographic,
 * frame by frame (so `sort` on the folded text agrees).  Owned by the set,
 * recomputed after changes. */
const uint32_t *stack_sorted(struct stack_set *s);

/* Adds every stack of src into dst (by name). */
void stack_merge(struct stack_set *dst, const struct stack_set *src);

/* Optional time order (for --flamechart): stack ids in sample order, with
 * adjacent repeats run-length encoded.  Enabled by stack_record_order(s,1)
 * before adding. */
void stack_record_order(struct stack_set *s, int on);
struct stack_run { uint32_t stack_id; uint64_t count; };
size_t stack_nr_runs(const struct stack_set *s);
const struct stack_run *stack_runs(const struct stack_set *s);

#endif
