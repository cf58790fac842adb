/* unwind.c - UNWINDER stage: walks one sample's user stack over its
 * STACK_USER copy, frame by frame: Go frames by pclntab SP deltas
 * (unwind_go.c), native frames by DWARF CFI (unwind_dwarf.c), frame
 * pointers as the last resort; kernel frames come from the callchain.
 * Hands the symbolizer a list of pcs (innermost first) and why it stopped. */
#include "unwind_int.h"

#include <stdlib.h>
#include <string.h>

#define DEFAULT_MAX_FRAMES 1024
#define RULE_CACHE_BITS 13        /* 8192 rules per worker, 2-way */
#define MAP_CACHE_SIZE 64

enum rule_kind { RULE_NONE = 0, RULE_GO, RULE_CFI };

struct rule_slot {
    const struct binary *bin;     /* NULL = empty slot */
    uint64_t key;                 /* vaddr << 1 | caller */
    uint8_t kind;
    uint8_t after_call;           /* caller rules: 1 the bytes before vaddr
                                     end with a call, 0 they do not, 2 unread */
    struct uw_go_rule go;
    struct uw_cfi_rule *cfi;      /* C frames only: kept out of line (200 bytes)
                                     so the table stays small; reused */
};

struct map_slot {
    const struct sess_map *map;   /* NULL = empty slot */
    const char *filename;         /* guards against a reused address */
    uint64_t start;
    struct binary *bin;
    const struct gosym_table *gosym;
    uint64_t text_start, text_end;
    uint64_t win_lo, win_hi, win_delta; /* addresses that translate alike */
};

struct unwind_ctx {
    struct binary_cache *bc;
    struct rule_slot *rules;
    struct map_slot maps[MAP_CACHE_SIZE];
};

static const char *const stop_names[UNWIND_STOP_NR] = {
    [UNWIND_STOP_ROOT] = "root",
    [UNWIND_STOP_TRUNCATED] = "truncated",
    [UNWIND_STOP_UNKNOWN_PC] = "unknown-pc",
    [UNWIND_STOP_NO_BINARY] = "no-binary",
    [UNWIND_STOP_SYSTEMSTACK] = "stack-switch",
    [UNWIND_STOP_NO_REGS] = "no-regs",
    [UNWIND_STOP_BAD_FRAME] = "bad-frame",
    [UNWIND_STOP_MAX_DEPTH] = "max-depth",
};

const char *unwind_stop_name(enum unwind_stop s)
{
    return (unsigned)s < UNWIND_STOP_NR ? stop_names[s] : "?";
}

struct unwind_ctx *unwind_ctx_new(struct binary_cache *bc)
{
    struct unwind_ctx *u = xcalloc(1, sizeof(*u));
    u->bc = bc;
    u->rules = xzalloc_written((size_t)1 << RULE_CACHE_BITS, sizeof(*u->rules));
    uw_dwarf_acquire();
    return u;
}

void unwind_ctx_free(struct unwind_ctx *u)
{
    if (!u)
        return;
    uw_dwarf_release();
    for (size_t i = 0; i < (size_t)1 << RULE_CACHE_BITS; i++)
        free(u->rules[i].cfi);
    free(u->rules);
    free(u);
}

void unwind_result_release(struct unwind_result *res)
{
    free(res->frames);
    res->frames = NULL;
    res->nr = res->cap = 0;
}

/* The binary (and Go table) behind a mapping, cached per worker. */
static struct map_slot *map_lookup(struct unwind_ctx *u, const struct sess_map *m)
{
    size_t h = (size_t)(((uintptr_t)m >> 4) * 0x9E3779B97F4A7C15ull >> 58) % MAP_CACHE_SIZE;
    struct map_slot *s = &u->maps[h];
    if (s->map == m && s->filename == m->filename && s->start == m->start)
        return s;
    s->map = m;
    s->filename = m->filename;
    s->start = m->start;
    s->bin = u->bc ? binary_for_map(u->bc, m) : NULL;
    s->gosym = s->bin ? binary_gosym(s->bin) : NULL;
    s->text_start = s->text_end = 0;
    s->win_lo = s->win_hi = s->win_delta = 0;
    if (s->gosym)
        gosym_text_range(s->gosym, &s->text_start, &s->text_end);
    return s;
}

/* Whether the 8 bytes before a return address end with an x86-64 call:
 * E8 rel32, or FF /2 (call through a register or memory; an optional REX
 * prefix sits before the FF). */
static int ends_with_call(const uint8_t b[8])
{
    if (b[3] == 0xE8)
        return 1;
    for (int len = 2; len <= 7; len++) {
        const uint8_t *p = b + 8 - len;
        if (p[0] != 0xFF || ((p[1] >> 3) & 7) != 2)
            continue;
        int mod = p[1] >> 6, rm = p[1] & 7, need = 2;
        if (mod != 3 && rm == 4) {
            if (len < 3)
                continue;
            need++;                                   /* SIB */
            if (mod == 0 && (p[2] & 7) == 5)
                need += 4;                            /* no base: disp32 */
        }
        if (mod == 1)
            need += 1;
        else if (mod == 2 || (mod == 0 && rm == 5))
            need += 4;
        if (need == len)
            return 1;
    }
    return 0;
}

/* The step rule at vaddr; `caller` = pc is a return address (CFI looks the
 * row up at pc-1; Go uses the return address itself, as the runtime). */
static const struct rule_slot *rule_lookup(struct unwind_ctx *u, const struct map_slot *ms,
                                           uint64_t vaddr, int caller)
{
    uint64_t key = vaddr << 1 | (uint64_t)(caller != 0);
    uint64_t h = (key ^ (uintptr_t)ms->bin) * 0x9E3779B97F4A7C15ull;
    /* two ways per set: hot pcs of one binary rarely evict each other */
    struct rule_slot *set = &u->rules[(h >> (64 - RULE_CACHE_BITS)) & ~(uint64_t)1];
    if (set[0].bin == ms->bin && set[0].key == key)
        return &set[0];
    if (set[1].bin == ms->bin && set[1].key == key)
        return &set[1];
    struct rule_slot *s = !set[0].bin ? &set[0] : !set[1].bin ? &set[1] : &set[h & 1];
    s->bin = ms->bin;
    s->key = key;
    s->kind = RULE_NONE;
    s->after_call = 2;
    uint8_t before[8];
    if (caller && vaddr >= 8 && binary_read(ms->bin, vaddr - 8, before, 8) == 0)
        s->after_call = (uint8_t)ends_with_call(before);
    if (ms->gosym && vaddr >= ms->text_start && vaddr < ms->text_end &&
        uw_go_rule(ms->gosym, vaddr, &s->go) == 0) {
        s->kind = RULE_GO;
        return s;
    }
    struct uw_cfi_rule cfi;
    if (uw_cfi_rule(ms->bin, vaddr - (uint64_t)(caller != 0), &cfi) == 0) {
        if (!s->cfi)
            s->cfi = xmalloc(sizeof(*s->cfi));
        *s->cfi = cfi;
        s->kind = RULE_CFI;
    }
    return s;
}

static struct unwind_frame *push_frame(struct unwind_result *res, uint64_t pc,
                                       enum unwind_how how, int is_return)
{
    struct unwind_frame *f = &res->frames[res->nr++];
    *f = (struct unwind_frame){ .pc = pc, .how = how, .is_return = is_return };
    return f;
}

/* Kernel frames (innermost) from the callchain; returns the index of the
 * first user entry after a PERF_CONTEXT_USER marker, or nr if none. */
static size_t add_kernel_frames(const struct sess_sample *ss, struct unwind_result *res,
                                size_t max_frames)
{
    const struct ev_sample *s = ss->sample;
    int kernel = 0, first = 1;
    for (size_t i = 0; i < s->nr_callchain; i++) {
        uint64_t ip = s->callchain[i];
        if (ip >= EV_CONTEXT_MAX) {
            if (ip == EV_CONTEXT_USER)
                return i + 1;
            kernel = ip == EV_CONTEXT_KERNEL;
            continue;
        }
        if (!kernel || res->nr >= max_frames)
            continue;
        struct unwind_frame *f = push_frame(res, ip, UNWIND_HOW_KERNEL, !first);
        f->kernel = 1;
        f->map = ss->kmaps ? sess_maps_find(ss->kmaps, ip) : NULL;
        first = 0;
    }
    return s->nr_callchain;
}

/* The user IP of a syscall tracepoint follows the SYSCALL instruction:
 * symbolize it like a return address. */
static int ip_is_after_syscall(const struct sess_sample *ss)
{
    const char *n = ss->event_name;
    return n && (strncmp(n, "syscalls:", 9) == 0 || strncmp(n, "raw_syscalls:", 13) == 0);
}

static void add_callchain_user(const struct sess_sample *ss, struct unwind_result *res,
                               size_t from, size_t max_frames)
{
    const struct ev_sample *s = ss->sample;
    int first = 1;
    for (size_t i = from; i < s->nr_callchain && res->nr < max_frames; i++) {
        uint64_t ip = s->callchain[i];
        if (ip >= EV_CONTEXT_MAX)
            break;
        struct unwind_frame *f = push_frame(res, ip, UNWIND_HOW_CALLCHAIN,
                                            first ? ip_is_after_syscall(ss) : 1);
        f->map = ss->maps ? sess_maps_find(ss->maps, ip) : NULL;
        first = 0;
    }
}

static int load_regs(const struct ev_sample *s, struct uw_regs *regs)
{
    /* perf x86 register number of each DWARF register 0..16 */
    static const uint8_t perf_of_dwarf[UW_NREGS] = {
        EV_X86_AX, EV_X86_DX, EV_X86_CX, EV_X86_BX, EV_X86_SI, EV_X86_DI,
        EV_X86_BP, EV_X86_SP, EV_X86_R8, EV_X86_R9, EV_X86_R10, EV_X86_R11,
        EV_X86_R12, EV_X86_R13, EV_X86_R14, EV_X86_R15, EV_X86_IP,
    };
    memset(regs, 0, sizeof(*regs));
    if (s->regs_abi != 2)        /* 64-bit only */
        return -1;
    for (int i = 0; i < UW_NREGS; i++)
        if (s->regs_mask & (1ull << perf_of_dwarf[i])) {
            regs->r[i] = s->regs[perf_of_dwarf[i]];
            regs->valid |= 1u << i;
        }
    uint32_t need = (1u << UW_RSP) | (1u << UW_RIP);
    return (regs->valid & need) == need ? 0 : -1;
}

/* One frame-pointer step: saved BP at [bp], return address at [bp+8]. */
static int fp_step(const struct uw_stack *st, struct uw_regs *regs, enum unwind_stop *why)
{
    uint64_t bp = regs->r[UW_RBP], nbp, ra;
    if ((regs->valid & (1u << UW_RBP)) && bp == 0) {
        /* The x86-64 ABI marks the outermost frame (_start, clone) with
         * a zero frame pointer; they often carry no CFI either. */
        *why = UNWIND_STOP_ROOT;
        return -1;
    }
    if (!(regs->valid & (1u << UW_RBP)) || bp < regs->r[UW_RSP] || bp > UINT64_MAX - 16) {
        *why = UNWIND_STOP_UNKNOWN_PC;
        return -1;
    }
    if (uw_read8(st, bp, &nbp) < 0 || uw_read8(st, bp + 8, &ra) < 0) {
        *why = UNWIND_STOP_TRUNCATED;
        return -1;
    }
    regs->r[UW_RSP] = bp + 16;
    regs->r[UW_RBP] = nbp;
    regs->r[UW_RIP] = ra;
    regs->valid = (1u << UW_RSP) | (1u << UW_RBP) | (1u << UW_RIP);
    return 0;
}

/* One Go step: frame size from pcsp, return address under the caller's SP,
 * saved BP below it when the frame has pushed anything. */
static int go_step(const struct uw_go_rule *g, const struct uw_stack *st,
                   struct uw_regs *regs, enum unwind_stop *why)
{
    uint64_t sp = regs->r[UW_RSP], fp, ra, bp;
    if (sp > UINT64_MAX - (uint64_t)g->delta - 8) {
        *why = UNWIND_STOP_BAD_FRAME;
        return -1;
    }
    fp = sp + (uint64_t)g->delta + 8;
    if (uw_read8(st, fp - 8, &ra) < 0) {
        *why = UNWIND_STOP_TRUNCATED;
        return -1;
    }
    if (g->delta >= 8 && uw_read8(st, fp - 16, &bp) == 0) {
        regs->r[UW_RBP] = bp;
        regs->valid |= 1u << UW_RBP;
    }
    regs->r[UW_RSP] = fp;
    regs->r[UW_RIP] = ra;
    return 0;
}

int unwind_sample(struct unwind_ctx *u, const struct sess_sample *ss,
                  struct unwind_result *res, size_t max_frames)
{
    const struct ev_sample *s = ss->sample;
    struct uw_regs regs;
    struct uw_stack st;

    if (!max_frames)
        max_frames = DEFAULT_MAX_FRAMES;
    if (res->cap < max_frames)
        res->frames = xgrow(res->frames, sizeof(*res->frames), max_frames, &res->cap);
    res->nr = 0;
    res->stop = UNWIND_STOP_ROOT;
    res->fp_steps = res->cfi_steps = res->go_steps = 0;
    res->suspect_map = NULL;

    size_t user_cc = add_kernel_frames(ss, res, max_frames);
    if (load_regs(s, &regs) < 0) {
        add_callchain_user(ss, res, user_cc, max_frames);
        res->stop = UNWIND_STOP_NO_REGS;
        return 0;
    }
    st.base = regs.r[UW_RSP];
    st.data = s->stack;
    st.size = s->stack ? SF_MIN(s->stack_dyn_size, s->stack_size) : 0;
    if (st.size > UINT64_MAX - st.base)
        st.size = 0;

    enum unwind_how how = UNWIND_HOW_IP;
    int innermost = 1, is_return = ip_is_after_syscall(ss);
    int callee_go = 0;
    uint8_t callee_flags = 0;
    enum unwind_stop why = UNWIND_STOP_ROOT;
    const struct sess_map *last_map = NULL;
    struct map_slot *last_ms = NULL;

    for (;;) {
        uint64_t pc = regs.r[UW_RIP], sp = regs.r[UW_RSP];
        if (res->nr >= max_frames) {
            why = UNWIND_STOP_MAX_DEPTH;
            break;
        }
        struct unwind_frame *f = push_frame(res, pc, how, is_return);
        /* Callers are mostly in the callee's mapping: try it first. */
        const struct sess_map *callee_map = last_map;
        struct map_slot *ms;
        int trusted = is_return && (how == UNWIND_HOW_GO || how == UNWIND_HOW_CFI);
        if (last_map && pc >= last_map->start && pc < last_map->end) {
            f->map = last_map;
            ms = last_ms;
        } else {
            f->map = ss->maps ? sess_maps_find(ss->maps, pc) : NULL;
            if (!f->map || f->map->kernel) {
                if (trusted && !res->suspect_map)
                    res->suspect_map = callee_map;
                why = UNWIND_STOP_UNKNOWN_PC;
                break;
            }
            ms = map_lookup(u, f->map);
            last_map = f->map;
            last_ms = ms;
        }
        if (!ms->bin) {
            if (u->bc)
                binary_note_missing_sample(u->bc, f->map);
            why = UNWIND_STOP_NO_BINARY;
            break;
        }
        f->bin = ms->bin;
        if (pc >= ms->win_lo && pc < ms->win_hi) {
            f->vaddr = pc + ms->win_delta;
        } else {
            uint64_t lo, hi;
            if (binary_to_vaddr_window(ms->bin, f->map, pc, &f->vaddr, &lo, &hi) < 0) {
                why = UNWIND_STOP_UNKNOWN_PC;
                break;
            }
            ms->win_lo = lo;
            ms->win_hi = hi;
            ms->win_delta = f->vaddr - pc;
        }

        const struct rule_slot *r = rule_lookup(u, ms, f->vaddr, !innermost && is_return);
        /* goroutines "return" to goexit+1, set up by the runtime, not a call */
        int root = r->kind == RULE_GO && r->go.stop == UW_GO_ROOT;
        if (trusted && !innermost && !root && r->after_call == 0 && !res->suspect_map)
            res->suspect_map = callee_map;
        int rc = -1;
        int next_is_return = 1;
        if (r->kind == RULE_GO) {
            const struct uw_go_rule *g = &r->go;
            f->elide = (g->flags & UW_GO_WRAPPER) &&
                       !(callee_go && (callee_flags & UW_GO_PANIC));
            if (g->stop == UW_GO_ROOT) {
                why = UNWIND_STOP_ROOT;
                break;
            }
            if ((g->stop == UW_GO_SWITCH && !innermost) || g->stop == UW_GO_SIGNAL) {
                why = UNWIND_STOP_SYSTEMSTACK;
                break;
            }
            if (g->flags & UW_GO_HAS_DELTA) {
                rc = go_step(g, &st, &regs, &why);
                if (rc < 0)
                    break;
                how = UNWIND_HOW_GO;
                res->go_steps++;
                next_is_return = !(g->flags & UW_GO_INJECTED);
            }
            callee_go = 1;
            callee_flags = g->flags;
        } else {
            callee_go = 0;
            callee_flags = 0;
            if (r->kind == RULE_CFI) {
                rc = uw_cfi_step(r->cfi, &st, &regs, &why);
                if (rc < 0)
                    break;
                how = UNWIND_HOW_CFI;
                res->cfi_steps++;
                next_is_return = !r->cfi->signal_frame;
            }
        }
        if (rc < 0) {
            /* Neither pclntab nor CFI knows this pc.  An innermost pc is
             * most likely in a leaf stub (glibc ends clone3's FDE before
             * its SYSCALL): try the return address at [SP] if it leads
             * into a mapping, else walk the frame pointers. */
            struct uw_regs leaf = regs;
            uint64_t ra;
            if (innermost && uw_read8(&st, sp, &ra) == 0 && ss->maps &&
                sess_maps_find(ss->maps, ra)) {
                leaf.r[UW_RIP] = ra;
                leaf.r[UW_RSP] = sp + 8;
                regs = leaf;
            } else if (fp_step(&st, &regs, &why) < 0) {
                break;
            }
            how = UNWIND_HOW_FP;
            res->fp_steps++;
        }

        /* Sanity: the stack grows down, so callers sit strictly higher,
         * and a frame must stay inside the copy. */
        uint64_t nsp = regs.r[UW_RSP], npc = regs.r[UW_RIP];
        if (nsp <= sp || (nsp == sp && npc == pc)) {
            why = UNWIND_STOP_BAD_FRAME;
            break;
        }
        if (npc == 0) {
            why = UNWIND_STOP_ROOT;
            break;
        }
        if (nsp - st.base > st.size) {
            why = UNWIND_STOP_TRUNCATED;
            break;
        }
        if (how == UNWIND_HOW_FP && !sess_maps_find(ss->maps, npc)) {
            /* A frame-pointer guess that leads nowhere is not a frame. */
            why = UNWIND_STOP_UNKNOWN_PC;
            break;
        }
        innermost = 0;
        is_return = next_is_return;
    }
    res->stop = why;
    return 0;
}
