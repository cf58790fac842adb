/* memo.h - the stack memo.
 *
 * Most samples repeat a stack seen before: same comm, same leaf, same
 * return addresses in the same mappings.  Each worker keeps what frame
 * resolution made of such an unwound stack (the symbolized frames), keyed
 * by everything resolution depends on (struct memo); the main thread keeps,
 * per worker entry, the stack id it interned (struct stack_memo).  A repeat
 * then costs the unwind and a key comparison instead of a symbolizer lookup
 * per frame and a name lookup per frame.  Entries live for one capture
 * (their pointers are the capture's); a full memo stops inserting and
 * samples take the long way.  SYSFLAME_NO_MEMO=1 turns it off: tests check
 * that outputs do not change.
 *
 * Ownership: a memo owns its entries and their key and frame copies; the
 * frames' strings belong to the capture (symbolizer, session). */
#ifndef MEMO_H
#define MEMO_H

#include <stddef.h>
#include <stdint.h>

#include "frame.h"
#include "unwind.h"

struct memo_key {                 /* one unwound frame, or the sample's context */
    uint64_t pc;
    const void *map;
    uint64_t flags;
};

struct memo_entry {
    uint64_t hash;
    uint32_t nr_key, nr_frames;
    struct memo_key *key;         /* nr_key; key[0] is the sample context */
    struct frame_out *frames;
    const char *binary;
};

struct memo {                     /* one per worker */
    struct memo_entry *slots;
    size_t used, bytes;
    int off;                      /* SYSFLAME_NO_MEMO set (tests compare) */
    struct memo_key *scratch;     /* the key memo_make_key built */
    size_t scratch_cap;
};

/* Builds in m->scratch the key of an unwound stack: `ctx` (what frame 0
 * and the leaf are named after), then every frame with what resolution
 * reads of it.  Returns the number of key entries; *hash its hash. */
size_t memo_make_key(struct memo *m, const struct memo_key *ctx,
                     const struct unwind_result *ur, uint64_t *hash);
/* The entry for the key in m->scratch (n entries, hash h), or NULL. */
const struct memo_entry *memo_find(const struct memo *m, size_t n, uint64_t h);
/* Keeps the resolved frames for the key in m->scratch; NULL when the memo
 * is off or full. */
const struct memo_entry *memo_insert(struct memo *m, size_t n, uint64_t h,
                                     const struct frame_out *frames, size_t nr_frames,
                                     const char *binary);
void memo_release(struct memo *m);

/* Main thread: worker memo entry -> interned stack. */
struct stack_memo_slot {
    const struct memo_entry *entry;
    uint32_t stack_id;
    uint32_t depth;
};

struct stack_memo {
    struct stack_memo_slot *slots;
    size_t used;
};

/* e's slot: its own (entry == e), or an empty one for the caller to fill
 * (then count it in sm->used); NULL when the memo is full. */
struct stack_memo_slot *stack_memo_slot(struct stack_memo *sm, const struct memo_entry *e);
/* Forgets every entry (a new capture). */
void stack_memo_reset(struct stack_memo *sm);
void stack_memo_release(struct stack_memo *sm);

#endif
