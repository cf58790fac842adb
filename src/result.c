/* result.c - the finished profile (see result.h). */
#include "result.h"

#include <stdlib.h>
#include <string.h>

#include "strtab.h"

const char *unwind_stop_mark(enum unwind_stop s)
{
    return s == UNWIND_STOP_TRUNCATED ? "[truncated]" :
           s == UNWIND_STOP_UNPROVEN ? "[caller not proven]" : NULL;
}

int unwind_stop_startup(enum unwind_stop s)
{
    return s != UNWIND_STOP_ROOT && s != UNWIND_STOP_NO_BINARY && s != UNWIND_STOP_NO_REGS &&
           s != UNWIND_STOP_SIGNAL;
}

const struct frame_info *frame_table_get(const struct frame_table *t, uint32_t id)
{
    return id < t->nr && t->v[id].kind != FRAME_NONE ? &t->v[id] : NULL;
}

static const char *intern_or_null(struct strtab *t, const char *s)
{
    return s ? strtab_intern(t, s) : NULL;
}

void frame_table_merge(struct frame_table *dst, struct stack_set *dst_stacks,
                       struct strtab *dst_strings, const struct frame_table *src,
                       const struct stack_set *src_stacks)
{
    for (size_t i = 0; i < src->nr; i++) {
        const struct frame_info *f = &src->v[i];
        if (f->kind == FRAME_NONE)
            continue;
        uint32_t id = stack_intern(dst_stacks, stack_name(src_stacks, (uint32_t)i),
                                   stack_name_len(src_stacks, (uint32_t)i));
        if (id < dst->nr && dst->v[id].kind != FRAME_NONE)
            continue;
        if (id >= dst->nr) {
            dst->v = xgrow(dst->v, sizeof(*dst->v), (size_t)id + 1, &dst->cap);
            memset(dst->v + dst->nr, 0, ((size_t)id + 1 - dst->nr) * sizeof(*dst->v));
            dst->nr = (size_t)id + 1;
        }
        struct frame_info *d = &dst->v[id];
        *d = *f;
        d->function = intern_or_null(dst_strings, f->function);
        d->file = intern_or_null(dst_strings, f->file);
        d->binary = intern_or_null(dst_strings, f->binary);
        d->build_id = intern_or_null(dst_strings, f->build_id);
    }
}

int profile_leaf_is_event(const struct profile *p)
{
    return p->has_capture && !p->nr_syscalls && p->total;
}

int profile_suspect_binary(const struct profile *p, const struct unwind_stat *u)
{
    return u->suspect_samples >= 10 && u->suspect_samples * 20 >= p->overall.samples;
}

void profile_release(struct profile *p)
{
    if (!p)
        return;
    stack_set_free(p->stacks);
    stack_set_free(p->before);
    for (size_t i = 0; i < p->nr_syscalls; i++)
        free(p->syscalls[i].lat_ns);
    free(p->syscalls);
    free(p->threads);
    free(p->processes);
    free(p->events);
    free(p->per_binary);
    free(p->missing);
    free(p->inputs);
    free(p->test_times);
    free(p->frames.v);
    for (size_t d = 0; d < FILTER_NR; d++)
        free(p->seen[d].v);
    free(p->bin_used);
    if (p->strings_owner) {
        strtab_release(p->strings_owner);
        free(p->strings_owner);
    }
    memset(p, 0, sizeof(*p));
}

const char *process_kind_name(enum process_kind k)
{
    static const char *const names[PROCESS_KIND_NR] = {
        "Go", "C", "interpreter", "kernel thread", "unknown",
    };
    return (unsigned)k < PROCESS_KIND_NR ? names[k] : "unknown";
}
