/* unwind.c - UNWINDER stage: walks one sample's user stack over its
 * STACK_USER copy, frame by frame: Go frames by pclntab SP deltas
 * (unwind_go.c), native frames by DWARF CFI (unwind_dwarf.c), frame
 * pointers as the last resort; kernel frames come from the callchain.
 * Hands the symbolizer a list of pcs (innermost first) and why it stopped. */
#include "unwind_int.h"
#include "symbolize.h"
#include "callchain.h"
#include "sf_int.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

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
    struct callchain_ctx *cc;     /* names the chain of samples without registers */
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
    [UNWIND_STOP_NOT_ROOT] = "not-root",
    [UNWIND_STOP_UNPROVEN] = "fp-unproven",
    [UNWIND_STOP_SIGNAL] = "signal-frame",
};

const char *unwind_stop_name(enum unwind_stop s)
{
    return (unsigned)s < UNWIND_STOP_NR ? stop_names[s] : "?";
}

struct unwind_ctx *unwind_ctx_new(struct binary_cache *bc)
{
    struct unwind_ctx *u = xcalloc(1, sizeof(*u));
    u->bc = bc;
    u->cc = callchain_ctx_new(bc);
    u->rules = xzalloc_written((size_t)1 << RULE_CACHE_BITS, sizeof(*u->rules));
    uw_dwarf_acquire();
    return u;
}

void unwind_ctx_free(struct unwind_ctx *u)
{
    if (!u)
        return;
    uw_dwarf_release();
    callchain_ctx_free(u->cc);
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
                                           uint64_t vaddr, int caller, int after_syscall)
{
    uint64_t key = vaddr << 1 | (uint64_t)(caller != 0);
    if (after_syscall)
        key |= (uint64_t)1 << 63;
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
        uint8_t pop[2];
        int reg;
        if ((s->go.flags & UW_GO_RA_POPPED) && s->go.pop_at >= 2 &&
            binary_read(ms->bin, s->go.pop_at - 2, pop, 2) == 0 &&
            (reg = uw_go_pop_reg(pop)) >= 0) {
            s->go.flags |= UW_GO_HAS_DELTA | UW_GO_RA_REG;
            s->go.ra_reg = (uint8_t)reg;
        }
        return s;
    }
    struct uw_cfi_rule cfi;
    /* The ip after an innermost SYSCALL may lie past its function's FDE
     * (__restore_rt ends with SYSCALL): SYSCALL moves no register CFI
     * tracks, so the row of the SYSCALL itself is as good. */
    if (uw_cfi_rule(ms->bin, vaddr - (uint64_t)(caller != 0), &cfi) == 0 ||
        (after_syscall && vaddr && uw_cfi_rule(ms->bin, vaddr - 1, &cfi) == 0)) {
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
        *why = UNWIND_STOP_UNPROVEN;     /* no usable frame pointer */
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
    regs->ra_in_reg = 0;
    return 0;
}

/* One Go step: frame size from pcsp, return address under the caller's SP,
 * saved BP below it when the frame has pushed anything. */
static int go_step(const struct uw_go_rule *g, const struct uw_stack *st,
                   struct uw_regs *regs, enum unwind_stop *why)
{
    uint64_t sp = regs->r[UW_RSP], fp, ra, bp;
    if (g->flags & UW_GO_RA_REG) {
        /* between the POP of the return address and its PUSH
         * (syscall.rawVforkSyscall: POPQ R12 ... PUSHQ R12) */
        if (!(regs->valid & (1u << g->ra_reg))) {
            *why = UNWIND_STOP_BAD_FRAME;
            return -1;
        }
        regs->r[UW_RIP] = regs->r[g->ra_reg];
        regs->ra_in_reg = 1;
        return 0;
    }
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
    regs->ra_in_reg = 0;
    return 0;
}

/* The mapping, binary and link-time address of a process pc, for checks
 * outside the walk's own lookups; 0 ok, -1 when any is missing. */
static int locate(struct unwind_ctx *u, const struct sess_sample *ss, uint64_t pc,
                  const struct sess_map **map, struct map_slot **ms, uint64_t *vaddr)
{
    const struct sess_map *m = ss->maps ? sess_maps_find(ss->maps, pc) : NULL;
    if (!m || m->kernel || (m->prot && !(m->prot & PROT_EXEC)))
        return -1;
    struct map_slot *s = map_lookup(u, m);
    if (!s->bin || binary_to_vaddr(s->bin, m, pc, vaddr) < 0)
        return -1;
    *map = m;
    *ms = s;
    return 0;
}

/* The function containing link-time `vaddr` of a binary: Go's from the
 * pclntab, else the ELF symbol.  0 with [start, end) (end 0: unknown). */
static int func_at(const struct map_slot *ms, uint64_t vaddr, uint64_t *start,
                   uint64_t *end, const char **name)
{
    struct gosym_func gf;
    if (ms->gosym && vaddr >= ms->text_start && vaddr < ms->text_end &&
        gosym_find_func(ms->gosym, vaddr, &gf) == 0) {
        *start = gf.entry;
        *end = gf.end;
        *name = gf.name;
        return 0;
    }
    *end = 0;
    return symbolize_symbol(ms->bin, vaddr, start, name);
}

/* The link-time address that names a frame's function (the call
 * instruction for a return address). */
static uint64_t frame_lookup_vaddr(const struct unwind_frame *f)
{
    return f->is_return && f->vaddr ? f->vaddr - 1 : f->vaddr;
}

enum fp_verdict { FP_NO = 0, FP_YES, FP_VIA };

/* May `ra` be the return address of the frame `callee` (whose unwind
 * tables are missing)?  Proven when ra lies in an executable mapping with
 * its binary, the bytes before it end with a call instruction, and a
 * direct call (E8 rel32) targets the callee's function or a PLT stub.
 * Indirect calls cannot be checked further and are accepted.  FP_VIA: the
 * direct target is another Go function, [*via_lo, *via_hi) in process
 * addresses: the callee was called from it (callCgoMmap and the like call C
 * through a register), and that frame has to be found first. */
static enum fp_verdict fp_check(struct unwind_ctx *u, const struct sess_sample *ss,
                                const struct unwind_frame *callee, uint64_t ra,
                                uint64_t *via_lo, uint64_t *via_hi)
{
    const struct sess_map *m;
    struct map_slot *ms;
    uint64_t vaddr;
    uint8_t b[8];
    if (locate(u, ss, ra, &m, &ms, &vaddr) < 0 || vaddr < 8 ||
        binary_read(ms->bin, vaddr - 8, b, 8) < 0 || !ends_with_call(b))
        return FP_NO;
    if (b[3] != 0xE8)
        return FP_YES;
    int32_t rel = (int32_t)((uint32_t)b[4] | (uint32_t)b[5] << 8 | (uint32_t)b[6] << 16 |
                            (uint32_t)b[7] << 24);
    uint64_t target = ra + (uint64_t)(int64_t)rel;
    uint64_t tvaddr = vaddr + (uint64_t)(int64_t)rel;
    if (binary_in_plt(ms->bin, tvaddr))
        return FP_YES;
    /* the callee's function start, in process addresses */
    const struct map_slot *cs = callee->map ? map_lookup(u, callee->map) : NULL;
    uint64_t start, end;
    const char *name;
    if (cs && cs->bin && func_at(cs, frame_lookup_vaddr(callee), &start, &end, &name) == 0 &&
        target == callee->pc - (callee->vaddr - start))
        return FP_YES;
    if (via_lo && ms->gosym && func_at(ms, tvaddr, &start, &end, &name) == 0 && end &&
        start == tvaddr) {
        *via_lo = target;
        *via_hi = target + (end - start);
        return FP_VIA;
    }
    return FP_NO;
}

/* The return address into [lo, hi) that a Go function left between a C
 * frame's SP and the Go function's frame pointer: the lowest stack word in
 * range that follows a call instruction.  0 if none. */
static uint64_t scan_for_return(struct unwind_ctx *u, const struct sess_sample *ss,
                                const struct uw_stack *st, uint64_t sp, uint64_t bp,
                                uint64_t lo, uint64_t hi)
{
    for (uint64_t a = sp; a + 8 <= bp && a - sp < 4096; a += 8) {
        uint64_t v, vaddr;
        const struct sess_map *m;
        struct map_slot *ms;
        uint8_t b[8];
        if (uw_read8(st, a, &v) < 0)
            return 0;
        if (v <= lo || v >= hi)
            continue;
        if (locate(u, ss, v, &m, &ms, &vaddr) == 0 && vaddr >= 8 &&
            binary_read(ms->bin, vaddr - 8, b, 8) == 0 && ends_with_call(b))
            return v;
    }
    return 0;
}

/* Outermost functions: where a thread's or goroutine's stack begins. */
static int root_name(const char *n)
{
    static const char *const go_roots[] = {
        "runtime.goexit", "runtime.mstart", "runtime.rt0_go",
        "runtime.clone",        /* its child half starts a new M's stack */
    };
    static const char *const c_roots[] = {
        "start", "libc_start_main", "libc_start_main_impl", "libc_start_call_main",
        "clone", "clone3", "start_thread", "thread_start",
    };
    if (!n)
        return 0;
    for (size_t i = 0; i < SF_ARRAY_SIZE(go_roots); i++)
        if (strcmp(n, go_roots[i]) == 0)
            return 1;
    if (strncmp(n, "_rt0_", 5) == 0)
        return 1;
    if (strncmp(n, "__GI_", 5) == 0)
        n += 5;
    while (*n == '_')
        n++;
    for (size_t i = 0; i < SF_ARRAY_SIZE(c_roots); i++)
        if (strcmp(n, c_roots[i]) == 0)
            return 1;
    return 0;
}

/* Is the frame's function an outermost one (a real root)? */
static int frame_is_root(struct unwind_ctx *u, const struct unwind_frame *f)
{
    if (!f->map || !f->bin)
        return 0;
    const struct map_slot *ms = map_lookup(u, f->map);
    uint64_t start, end, at = frame_lookup_vaddr(f);
    const char *name;
    if (!ms->bin)
        return 0;
    if (func_at(ms, at, &start, &end, &name) == 0)
        return root_name(name);
    /* No symbol (a stripped executable): _start is the ELF entry point,
     * and calls __libc_start_main within its first few instructions. */
    uint64_t entry = binary_entry(ms->bin);
    return entry && at >= entry && at - entry < 64;
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
        /* -g captures: the recorded chain, resolved like unwound frames
         * (callchain.c); without a chain, the sampled ip */
        callchain_resolve(u->cc, ss, res, NULL);
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
    int go_root = 0, after_signal = 0, fp_end = 0;

    for (;;) {
        uint64_t pc = regs.r[UW_RIP], sp = regs.r[UW_RSP];
        if (res->nr >= max_frames) {
            why = UNWIND_STOP_MAX_DEPTH;
            break;
        }
        struct unwind_frame *f = push_frame(res, pc, how, is_return);
        f->sp = sp;
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
            if (u->bc && !ss->observe)  /* counted by the other part */
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

        const struct rule_slot *r = rule_lookup(u, ms, f->vaddr, !innermost && is_return,
                                                innermost && is_return);
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
                go_root = 1;
                break;
            }
            if (g->stop == UW_GO_SIGNAL) {
                why = UNWIND_STOP_SIGNAL;
                break;
            }
            if (g->stop == UW_GO_SWITCH && !innermost) {
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
                after_signal |= r->cfi->signal_frame;
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
             * its SYSCALL): try the return address at [SP], else walk the
             * frame pointers.  Either guess is taken only when it is
             * provably the caller (fp_check); a Go function that called C
             * through a register sits between the C frame and the frame
             * pointer's return address, and is found on the stack. */
            struct uw_regs next = regs;
            uint64_t ra, via_lo = 0, via_hi = 0, via_pc = 0;
            int ok = 0;
            if (innermost && uw_read8(&st, sp, &ra) == 0 &&
                fp_check(u, ss, f, ra, NULL, NULL) == FP_YES) {
                next.r[UW_RIP] = ra;
                next.r[UW_RSP] = sp + 8;
                next.ra_in_reg = 0;
                ok = 1;
            }
            if (!ok) {
                if (fp_step(&st, &next, &why) < 0) {
                    fp_end = why == UNWIND_STOP_ROOT;
                    break;
                }
                enum fp_verdict v = next.r[UW_RIP] == 0 ? FP_YES :
                    fp_check(u, ss, f, next.r[UW_RIP], &via_lo, &via_hi);
                if (v == FP_VIA)
                    via_pc = scan_for_return(u, ss, &st, sp, regs.r[UW_RBP], via_lo, via_hi);
                if (v == FP_NO || (v == FP_VIA && !via_pc)) {
                    why = UNWIND_STOP_UNPROVEN;
                    break;
                }
            }
            /* the checks may have reused the walker's mapping slot */
            last_map = NULL;
            regs = next;
            how = UNWIND_HOW_FP;
            res->fp_steps++;
            if (via_pc) {
                if (res->nr >= max_frames) {
                    why = UNWIND_STOP_MAX_DEPTH;
                    break;
                }
                struct unwind_frame *g = push_frame(res, via_pc, UNWIND_HOW_FP, 1);
                struct map_slot *gms;
                if (locate(u, ss, via_pc, &g->map, &gms, &g->vaddr) == 0)
                    g->bin = gms->bin;
                res->fp_steps++;
                callee_go = 1;
                callee_flags = 0;
            }
        }

        /* Sanity: the stack grows down, so callers sit strictly higher,
         * and a frame must stay inside the copy. */
        uint64_t nsp = regs.r[UW_RSP], npc = regs.r[UW_RIP];
        if (nsp < sp || (nsp == sp && (npc == pc || !regs.ra_in_reg))) {
            why = UNWIND_STOP_BAD_FRAME;
            break;
        }
        if (npc == 0) {
            why = UNWIND_STOP_ROOT;
            fp_end = how == UNWIND_HOW_FP;
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
    /* Past a signal frame (__restore_rt's CFI reads the interrupted
     * registers from the ucontext) the interrupted stack is usually another
     * one (Go handles signals on the sigaltstack): say so rather than
     * "truncated" or "unknown". */
    if (after_signal && (why == UNWIND_STOP_TRUNCATED || why == UNWIND_STOP_UNKNOWN_PC ||
                         why == UNWIND_STOP_BAD_FRAME || why == UNWIND_STOP_UNPROVEN))
        why = UNWIND_STOP_SIGNAL;
    /* A zero or undefined return address, or a zero frame pointer, ends
     * the chain; it is a root only in a function stacks start in.  A zero
     * frame pointer or return address found by the frame-pointer fallback
     * proves nothing (the function may keep no frame pointer): its caller
     * is not proven. */
    if (why == UNWIND_STOP_ROOT && !go_root &&
        (!res->nr || !frame_is_root(u, &res->frames[res->nr - 1])))
        why = fp_end ? UNWIND_STOP_UNPROVEN : UNWIND_STOP_NOT_ROOT;
    res->stop = why;
    return 0;
}
