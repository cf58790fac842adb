/* callchain.c - a source of pcs alongside the UNWINDER: makes the user
 * frames of a recorded call chain (-g, --call-graph fp) resolvable like
 * unwound frames (binary, link-time address, wrapper elision) and marks
 * the frame a frame-pointer walk skips after a frameless Go leaf.  Also
 * tells a capture's call-graph mode from its attributes. */
#include <stdlib.h>
#include <string.h>
#include "callchain.h"
#include "gosym.h"

#define MAP_CACHE 32

/* perf_event_max_stack's default: a chain this long was probably cut */
#define CHAIN_MAX_DEFAULT 127

const char callchain_gap_name[] = "[caller not recorded]";

struct map_slot {
    const struct sess_map *map;
    const char *filename;
    uint64_t start;
    struct binary *bin;
    struct gosym_table *gosym;
};

struct callchain_ctx {
    struct binary_cache *bc;
    int mark_gaps;               /* insert the gap frame (callchain_mark_gaps) */
    struct map_slot maps[MAP_CACHE];
};

enum callchain_mode callchain_mode_of(const struct pd_file *pd)
{
    int seen = 0;
    enum callchain_mode mode = CALLCHAIN_NONE;
    for (size_t i = 0; i < pd_nr_attrs(pd); i++) {
        const struct pd_attr *a = pd_attr(pd, i);
        enum callchain_mode m = CALLCHAIN_NONE;
        if ((a->sample_type & PD_S_REGS_USER) && (a->sample_type & PD_S_STACK_USER))
            m = CALLCHAIN_DWARF;
        else if ((a->sample_type & PD_S_CALLCHAIN) && !a->exclude_callchain_user)
            m = CALLCHAIN_FP;
        if (seen && m != mode)
            return CALLCHAIN_MIXED;
        mode = m;
        seen = 1;
    }
    return mode;
}

const char *callchain_mode_name(enum callchain_mode m)
{
    switch (m) {
    case CALLCHAIN_FP: return "fp";
    case CALLCHAIN_DWARF: return "dwarf";
    case CALLCHAIN_MIXED: return "mixed";
    default: return "none";
    }
}

const char *callchain_mode_meaning(enum callchain_mode m)
{
    switch (m) {
    case CALLCHAIN_FP:
        return "frame-pointer chains walked by the kernel (-g): named here, inlined frames "
               "expanded; the caller of a leaf without a frame (Go assembly such as "
               "Syscall6, frameless C) is missing";
    case CALLCHAIN_DWARF:
        return "user registers and stack copies (--call-graph dwarf): unwound here with "
               "the pclntab and DWARF CFI";
    case CALLCHAIN_MIXED:
        return "events recorded with different call-graph modes";
    default:
        return "no call graph: one frame per sample; record with --call-graph dwarf";
    }
}

struct callchain_ctx *callchain_ctx_new(struct binary_cache *bc)
{
    struct callchain_ctx *c = xcalloc(1, sizeof(*c));
    c->bc = bc;
    c->mark_gaps = 1;
    return c;
}

void callchain_mark_gaps(struct callchain_ctx *c, int on)
{
    c->mark_gaps = on;
}

void callchain_ctx_free(struct callchain_ctx *c)
{
    free(c);
}

static struct map_slot *map_lookup(struct callchain_ctx *c, const struct sess_map *m)
{
    size_t h = (size_t)(((uintptr_t)m >> 4) * 0x9E3779B97F4A7C15ull >> 59) % MAP_CACHE;
    struct map_slot *s = &c->maps[h];
    if (s->map == m && s->filename == m->filename && s->start == m->start)
        return s;
    s->map = m;
    s->filename = m->filename;
    s->start = m->start;
    s->bin = c->bc ? binary_for_map(c->bc, m) : NULL;
    s->gosym = s->bin ? binary_gosym(s->bin) : NULL;
    return s;
}

/* The roots the Go runtime's traceback stops at (as unwind_go.c) */
static int is_root(const struct gosym_func *f)
{
    if (f->topframe || f->kind == GOSYM_GOEXIT || f->kind == GOSYM_RT0_GO)
        return 1;
    return f->kind == GOSYM_MSTART && f->name && strcmp(f->name, "runtime.mstart") == 0;
}

static int is_panic(const struct gosym_func *f)
{
    return f->kind == GOSYM_GOPANIC || f->kind == GOSYM_SIGPANIC ||
           (f->name && strcmp(f->name, "runtime.panicwrap") == 0);
}

int callchain_resolve(struct callchain_ctx *c, const struct sess_sample *ss,
                      struct unwind_result *res, struct callchain_stats *st)
{
    size_t u = 0;
    if (res->stop != UNWIND_STOP_NO_REGS)
        return 0;
    while (u < res->nr && res->frames[u].how != UNWIND_HOW_CALLCHAIN)
        u++;
    int leaf_only = 0;
    if (u == res->nr) {
        /* No call chain at all: the sampled user ip is the one frame. */
        const struct ev_sample *s = ss->sample;
        if (!s || !s->attr || (s->attr->sample_type & PD_S_CALLCHAIN) ||
            !(s->attr->sample_type & PD_S_IP) || s->ip >= UINT64_C(0xffff800000000000))
            return 0;
        res->frames = xgrow(res->frames, sizeof(*res->frames), res->nr + 1, &res->cap);
        res->frames[res->nr++] = (struct unwind_frame){
            .pc = s->ip, .how = UNWIND_HOW_CALLCHAIN,
            .map = ss->maps ? sess_maps_find(ss->maps, s->ip) : NULL,
        };
        leaf_only = 1;
    }
    if (st)
        st->samples++;
    size_t gap_after = 0;        /* index + 1 of a leaf with a frameless pc */
    int callee_panic = 0, callee_injected = 0, missing_noted = 0, rooted = 0;
    const struct sess_map *last = NULL;
    for (size_t i = u; i < res->nr; i++) {
        struct unwind_frame *f = &res->frames[i];
        int leaf = i == u;
        if (leaf)
            f->how = UNWIND_HOW_IP;     /* looked up as is, as perf and the unwinder do */
        else if (callee_injected)
            f->is_return = 0;           /* a faulting pc, not a return address */
        callee_injected = 0;
        last = f->map;
        if (!f->map || f->map->kernel)
            continue;
        struct map_slot *ms = map_lookup(c, f->map);
        if (!ms->bin) {
            if (c->bc && !missing_noted && !ss->observe)
                binary_note_missing_sample(c->bc, f->map);
            missing_noted = 1;
            continue;
        }
        uint64_t vaddr;
        if (binary_to_vaddr(ms->bin, f->map, f->pc, &vaddr) < 0)
            continue;
        f->bin = ms->bin;
        f->vaddr = vaddr;
        struct gosym_func fn;
        uint64_t at = (!leaf && f->is_return && vaddr) ? vaddr - 1 : vaddr;
        if (!ms->gosym || gosym_find_func(ms->gosym, at, &fn) < 0) {
            callee_panic = 0;
            continue;
        }
        f->elide = fn.is_wrapper && !callee_panic;
        callee_panic = is_panic(&fn);
        callee_injected = fn.kind == GOSYM_SIGPANIC ||
                          (fn.name && (strcmp(fn.name, "runtime.asyncPreempt") == 0 ||
                                       strcmp(fn.name, "runtime.debugCallV2") == 0));
        int32_t delta;
        if (is_root(&fn)) {
            /* Above a goroutine's or thread's root the saved frame
             * pointers are not this stack's frames: [unknown], or for a
             * new M the frames of the thread that cloned it.  (Past
             * mcall the chain goes on into the goroutine that switched,
             * as perf shows it.) */
            res->nr = i + 1;
            last = f->map;
            rooted = 1;
        }
        if (leaf && i + 1 < res->nr && gosym_sp_delta(ms->gosym, &fn, vaddr, &delta) == 0 &&
            delta == 0 && !is_root(&fn))
            gap_after = i + 1;
    }
    size_t nr_user = res->nr - u;
    if (leaf_only)
        return 1;                /* stays no-regs: there was nothing to walk */
    res->stop = rooted ? UNWIND_STOP_ROOT
              : nr_user >= CHAIN_MAX_DEFAULT ? UNWIND_STOP_MAX_DEPTH
              : (last && !last->kernel) ? UNWIND_STOP_NOT_ROOT : UNWIND_STOP_UNKNOWN_PC;
    if (gap_after && st)
        st->gaps++;
    if (gap_after && c->mark_gaps) {
        res->frames = xgrow(res->frames, sizeof(*res->frames), res->nr + 1, &res->cap);
        memmove(&res->frames[gap_after + 1], &res->frames[gap_after],
                (res->nr - gap_after) * sizeof(*res->frames));
        res->frames[gap_after] = (struct unwind_frame){
            .pc = CALLCHAIN_GAP_PC, .how = UNWIND_HOW_CALLCHAIN, .is_return = 1,
        };
        res->nr++;
    }
    return 1;
}
