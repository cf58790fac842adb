/* unwind_dwarf.c - UNWINDER stage, native half: looks up the DWARF CFI row
 * of a pc (.eh_frame first, then .debug_frame, both through libdw), turns it
 * into a compact rule the walker caches, and applies rules to a register set
 * over the sample's stack copy with a small DWARF expression evaluator. */
#include "unwind_int.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <dwarf.h>
#include <elfutils/libdw.h>

const uint8_t uw_cfi_tracked[UW_CFI_NTRACK] = {
    UW_RIP, UW_RBP, UW_RBX, UW_R12, UW_R13, UW_R14, UW_R15,
};

/* libdw's CFI is not documented as thread-safe: each binary's CFI objects
 * are used under that binary's own lock; the registry has a global one. */
struct dwarf_bin {
    const struct binary *bin;
    pthread_mutex_t lock;
    int opened;
    Dwarf_CFI *eh;             /* .eh_frame (owned by the Elf) */
    int dbg_tried;
    Dwarf *dbg;
    Dwarf_CFI *dbg_cfi;        /* .debug_frame (owned by dbg) */
};

static struct {
    pthread_mutex_t lock;
    int users;
    struct dwarf_bin **bins;
    size_t nr, cap;
} registry = { PTHREAD_MUTEX_INITIALIZER, 0, NULL, 0, 0 };

void uw_dwarf_acquire(void)
{
    pthread_mutex_lock(&registry.lock);
    registry.users++;
    pthread_mutex_unlock(&registry.lock);
}

void uw_dwarf_release(void)
{
    pthread_mutex_lock(&registry.lock);
    if (--registry.users == 0) {
        /* Binaries may be freed after this, so forget them all. */
        for (size_t i = 0; i < registry.nr; i++) {
            struct dwarf_bin *d = registry.bins[i];
            if (d->eh)
                dwarf_cfi_end(d->eh);   /* dwarf_getcfi_elf's is ours */
            if (d->dbg)
                dwarf_end(d->dbg);
            pthread_mutex_destroy(&d->lock);
            free(d);
        }
        free(registry.bins);
        registry.bins = NULL;
        registry.nr = registry.cap = 0;
    }
    pthread_mutex_unlock(&registry.lock);
}

static struct dwarf_bin *dwarf_bin_get(const struct binary *bin)
{
    struct dwarf_bin *d = NULL;
    pthread_mutex_lock(&registry.lock);
    for (size_t i = 0; i < registry.nr; i++)
        if (registry.bins[i]->bin == bin) {
            d = registry.bins[i];
            break;
        }
    if (!d) {
        d = xcalloc(1, sizeof(*d));
        d->bin = bin;
        pthread_mutex_init(&d->lock, NULL);
        registry.bins = xgrow(registry.bins, sizeof(*registry.bins),
                              registry.nr + 1, &registry.cap);
        registry.bins[registry.nr++] = d;
    }
    pthread_mutex_unlock(&registry.lock);
    return d;
}

static int frame_at(struct dwarf_bin *d, Elf *elf, uint64_t vaddr, Dwarf_Frame **fr)
{
    if (!d->opened) {
        d->opened = 1;
        d->eh = dwarf_getcfi_elf(elf);
    }
    if (d->eh && dwarf_cfi_addrframe(d->eh, vaddr, fr) == 0)
        return 0;
    if (!d->dbg_tried) {
        /* .debug_frame (compressed sections included): only when
         * .eh_frame misses, since opening the DWARF costs. */
        d->dbg_tried = 1;
        d->dbg = dwarf_begin_elf(elf, DWARF_C_READ, NULL);
        if (d->dbg)
            d->dbg_cfi = dwarf_getcfi(d->dbg);
    }
    if (d->dbg_cfi && dwarf_cfi_addrframe(d->dbg_cfi, vaddr, fr) == 0)
        return 0;
    return -1;
}

static void loc_from_ops(struct uw_loc *l, Dwarf_Op *ops_mem, Dwarf_Op *ops, size_t nops)
{
    memset(l, 0, sizeof(*l));
    if (nops == 0) {
        l->kind = ops == ops_mem ? UW_LOC_UNDEF : UW_LOC_SAME;
        return;
    }
    if (ops != ops_mem) {
        /* Interned by libdw, alive as long as the CFI. */
        l->kind = UW_LOC_EXPR;
        l->ops = ops;
        l->nops = (uint32_t)nops;
        return;
    }
    /* The simple rules libdw spells in ops_mem: call_frame_cfa
     * [plus_uconst N] [stack_value], or regx R. */
    size_t i = 0;
    if (ops[0].atom == DW_OP_regx && nops == 1) {
        l->kind = ops[0].number < UW_NREGS ? UW_LOC_REG : UW_LOC_BAD;
        l->reg = (uint8_t)ops[0].number;
        return;
    }
    if (ops[i].atom != DW_OP_call_frame_cfa) {
        l->kind = UW_LOC_BAD;
        return;
    }
    i++;
    if (i < nops && ops[i].atom == DW_OP_plus_uconst)
        l->off = (int64_t)ops[i++].number;
    l->kind = UW_LOC_AT_CFA;
    if (i < nops && ops[i].atom == DW_OP_stack_value) {
        l->kind = UW_LOC_VAL_CFA;
        i++;
    }
    if (i != nops)
        l->kind = UW_LOC_BAD;
}

static void cfa_from_ops(struct uw_loc *l, Dwarf_Op *ops, size_t nops)
{
    memset(l, 0, sizeof(*l));
    if (nops == 1 && ops[0].atom == DW_OP_bregx) {
        l->kind = ops[0].number < UW_NREGS ? UW_LOC_REG : UW_LOC_BAD;
        l->reg = (uint8_t)ops[0].number;
        l->off = (int64_t)ops[0].number2;
    } else if (nops == 1 && ops[0].atom >= DW_OP_breg0 && ops[0].atom <= DW_OP_breg16) {
        l->kind = UW_LOC_REG;
        l->reg = (uint8_t)(ops[0].atom - DW_OP_breg0);
        l->off = (int64_t)ops[0].number;
    } else if (nops > 0) {
        l->kind = UW_LOC_EXPR;
        l->ops = ops;
        l->nops = (uint32_t)nops;
    } else {
        l->kind = UW_LOC_BAD;
    }
}

int uw_cfi_rule(struct binary *bin, uint64_t vaddr, struct uw_cfi_rule *out)
{
    Elf *elf = bin ? binary_elf(bin) : NULL;
    if (!elf)
        return 1;
    struct dwarf_bin *d = dwarf_bin_get(bin);
    Dwarf_Frame *fr = NULL;
    int ret = 1;

    memset(out, 0, sizeof(*out));
    pthread_mutex_lock(&d->lock);
    if (frame_at(d, elf, vaddr, &fr) == 0) {
        Dwarf_Op *ops, ops_mem[3];
        size_t nops;
        bool signalp = false;
        ret = 0;
        if (dwarf_frame_cfa(fr, &ops, &nops) == 0)
            cfa_from_ops(&out->cfa, ops, nops);
        else
            out->cfa.kind = UW_LOC_BAD;
        for (int i = 0; i < UW_CFI_NTRACK; i++) {
            if (dwarf_frame_register(fr, uw_cfi_tracked[i], ops_mem, &ops, &nops) == 0)
                loc_from_ops(&out->reg[i], ops_mem, ops, nops);
            else
                out->reg[i].kind = UW_LOC_BAD;
        }
        if (dwarf_frame_info(fr, NULL, NULL, &signalp) >= 0)
            out->signal_frame = signalp;
        free(fr);
    }
    pthread_mutex_unlock(&d->lock);
    return ret;
}

/* Evaluates a CFI expression; `cfa_known` tells whether call_frame_cfa may
 * be used.  Sets *is_value when the result is a value (stack_value), else
 * it is an address.  0 ok, -1 truncated read, -2 unsupported. */
static int expr_eval(const Dwarf_Op *ops, size_t nops, const struct uw_regs *regs,
                     const struct uw_stack *st, int cfa_known, uint64_t cfa,
                     uint64_t *result, int *is_value)
{
    uint64_t stk[16];
    size_t sp = 0;
    *is_value = 0;
#define PUSH(v) do { if (sp >= SF_ARRAY_SIZE(stk)) return -2; stk[sp++] = (v); } while (0)
#define NEED(n) do { if (sp < (n)) return -2; } while (0)
    if (nops > 64)
        return -2;
    for (size_t i = 0; i < nops; i++) {
        const Dwarf_Op *op = &ops[i];
        uint8_t a = op->atom;
        uint64_t x, y;
        if (a >= DW_OP_lit0 && a <= DW_OP_lit31) {
            PUSH((uint64_t)(a - DW_OP_lit0));
            continue;
        }
        if ((a >= DW_OP_breg0 && a <= DW_OP_breg31) || a == DW_OP_bregx) {
            unsigned r = a == DW_OP_bregx ? (unsigned)op->number : (unsigned)(a - DW_OP_breg0);
            uint64_t off = a == DW_OP_bregx ? op->number2 : op->number;
            if (r >= UW_NREGS || !(regs->valid & (1u << r)))
                return -2;
            PUSH(regs->r[r] + off);
            continue;
        }
        switch (a) {
        case DW_OP_const1u: case DW_OP_const1s: case DW_OP_const2u:
        case DW_OP_const2s: case DW_OP_const4u: case DW_OP_const4s:
        case DW_OP_const8u: case DW_OP_const8s: case DW_OP_constu:
        case DW_OP_consts: case DW_OP_addr:
            PUSH(op->number);
            break;
        case DW_OP_call_frame_cfa:
            if (!cfa_known)
                return -2;
            PUSH(cfa);
            break;
        case DW_OP_dup: NEED(1); x = stk[sp - 1]; PUSH(x); break;
        case DW_OP_drop: NEED(1); sp--; break;
        case DW_OP_over: NEED(2); x = stk[sp - 2]; PUSH(x); break;
        case DW_OP_swap: NEED(2); x = stk[sp - 1]; stk[sp - 1] = stk[sp - 2]; stk[sp - 2] = x; break;
        case DW_OP_deref:
            NEED(1);
            if (uw_read8(st, stk[sp - 1], &x) < 0)
                return -1;
            stk[sp - 1] = x;
            break;
        case DW_OP_plus_uconst: NEED(1); stk[sp - 1] += op->number; break;
        case DW_OP_neg: NEED(1); stk[sp - 1] = -stk[sp - 1]; break;
        case DW_OP_not: NEED(1); stk[sp - 1] = ~stk[sp - 1]; break;
        case DW_OP_plus: case DW_OP_minus: case DW_OP_mul: case DW_OP_and:
        case DW_OP_or: case DW_OP_xor: case DW_OP_shl: case DW_OP_shr:
        case DW_OP_shra: case DW_OP_eq: case DW_OP_ne: case DW_OP_lt:
        case DW_OP_le: case DW_OP_gt: case DW_OP_ge:
            NEED(2);
            y = stk[--sp];
            x = stk[sp - 1];
            switch (a) {
            case DW_OP_plus: x += y; break;
            case DW_OP_minus: x -= y; break;
            case DW_OP_mul: x *= y; break;
            case DW_OP_and: x &= y; break;
            case DW_OP_or: x |= y; break;
            case DW_OP_xor: x ^= y; break;
            case DW_OP_shl: x = y >= 64 ? 0 : x << y; break;
            case DW_OP_shr: x = y >= 64 ? 0 : x >> y; break;
            case DW_OP_shra: x = (uint64_t)((int64_t)x >> (y >= 64 ? 63 : y)); break;
            case DW_OP_eq: x = (int64_t)x == (int64_t)y; break;
            case DW_OP_ne: x = (int64_t)x != (int64_t)y; break;
            case DW_OP_lt: x = (int64_t)x < (int64_t)y; break;
            case DW_OP_le: x = (int64_t)x <= (int64_t)y; break;
            case DW_OP_gt: x = (int64_t)x > (int64_t)y; break;
            case DW_OP_ge: x = (int64_t)x >= (int64_t)y; break;
            }
            stk[sp - 1] = x;
            break;
        case DW_OP_nop:
            break;
        case DW_OP_stack_value:
            if (i + 1 != nops)
                return -2;
            *is_value = 1;
            break;
        default:
            return -2;
        }
    }
#undef PUSH
#undef NEED
    if (sp == 0)
        return -2;
    *result = stk[sp - 1];
    return 0;
}

static int fail(enum unwind_stop *why, int rc)
{
    *why = rc == -1 ? UNWIND_STOP_TRUNCATED : UNWIND_STOP_BAD_FRAME;
    return -1;
}

int uw_cfi_step(const struct uw_cfi_rule *r, const struct uw_stack *st,
                struct uw_regs *regs, enum unwind_stop *why)
{
    uint64_t cfa = 0, v;
    int is_value, rc;
    struct uw_regs out;

    if (r->cfa.kind == UW_LOC_REG) {
        if (!(regs->valid & (1u << r->cfa.reg)))
            return fail(why, -2);
        cfa = regs->r[r->cfa.reg] + (uint64_t)r->cfa.off;
    } else if (r->cfa.kind == UW_LOC_EXPR) {
        rc = expr_eval(r->cfa.ops, r->cfa.nops, regs, st, 0, 0, &cfa, &is_value);
        if (rc < 0)
            return fail(why, rc);
    } else {
        return fail(why, -2);
    }
    /* The caller's SP lies above ours: a CFA below is a hostile value.
     * Equal only when the return address is kept in a register (libc's
     * vfork pops it into RDI: DW_CFA_register rip, rdi). */
    int ra_in_reg = r->reg[0].kind == UW_LOC_REG;
    if ((regs->valid & (1u << UW_RSP)) &&
        (cfa < regs->r[UW_RSP] || (cfa == regs->r[UW_RSP] && !ra_in_reg)))
        return fail(why, -2);

    out = *regs;
    /* Caller-saved registers are unknown in the caller. */
    out.valid &= (1u << UW_RBX) | (1u << UW_RBP) | (1u << UW_R12) | (1u << UW_R13) |
                 (1u << UW_R14) | (1u << UW_R15);
    out.r[UW_RSP] = cfa;
    out.valid |= 1u << UW_RSP;
    for (int i = 0; i < UW_CFI_NTRACK; i++) {
        const struct uw_loc *l = &r->reg[i];
        unsigned reg = uw_cfi_tracked[i];
        switch (l->kind) {
        case UW_LOC_UNDEF:
            if (reg == UW_RIP) {
                *why = UNWIND_STOP_ROOT;
                return -1;
            }
            out.valid &= ~(1u << reg);
            continue;
        case UW_LOC_SAME:
            if (reg == UW_RIP)
                return fail(why, -2);
            continue;
        case UW_LOC_AT_CFA:
            if (uw_read8(st, cfa + (uint64_t)l->off, &v) < 0) {
                if (reg == UW_RIP)
                    return fail(why, -1);
                out.valid &= ~(1u << reg);
                continue;
            }
            break;
        case UW_LOC_VAL_CFA:
            v = cfa + (uint64_t)l->off;
            break;
        case UW_LOC_REG:
            if (!(regs->valid & (1u << l->reg))) {
                if (reg == UW_RIP)
                    return fail(why, -2);
                out.valid &= ~(1u << reg);
                continue;
            }
            v = regs->r[l->reg];
            break;
        case UW_LOC_EXPR:
            rc = expr_eval(l->ops, l->nops, regs, st, 1, cfa, &v, &is_value);
            if (rc == 0 && !is_value)
                rc = uw_read8(st, v, &v);
            if (rc < 0) {
                if (reg == UW_RIP)
                    return fail(why, rc);
                out.valid &= ~(1u << reg);
                continue;
            }
            break;
        default:
            if (reg == UW_RIP)
                return fail(why, -2);
            out.valid &= ~(1u << reg);
            continue;
        }
        out.r[reg] = v;
        out.valid |= 1u << reg;
    }
    out.ra_in_reg = ra_in_reg;
    *regs = out;
    return 0;
}
