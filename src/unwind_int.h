/* unwind_int.h - UNWINDER internals shared by unwind.c (the walker),
 * unwind_go.c (pclntab step rules) and unwind_dwarf.c (CFI step rules via
 * libdw), and by tests/unit/test_unwind.c.  Registers use the x86-64 DWARF
 * numbering: 0 rax, 1 rdx, 2 rcx, 3 rbx, 4 rsi, 5 rdi, 6 rbp, 7 rsp,
 * 8..15 r8..r15, 16 the return address column (the frame's pc). */
#ifndef UNWIND_INT_H
#define UNWIND_INT_H

#include <stdint.h>
#include <stddef.h>
#include "unwind.h"
#include "gosym.h"

enum {
    UW_RBX = 3, UW_RBP = 6, UW_RSP = 7, UW_R12 = 12, UW_R13, UW_R14, UW_R15,
    UW_RIP = 16, UW_NREGS = 17,
};

struct uw_regs {
    uint64_t r[UW_NREGS];
    uint32_t valid;            /* bit n: r[n] known */
    int ra_in_reg;             /* set by the last step: the return address
                                  came from a register, not the stack, so the
                                  caller's SP may equal this frame's */
};

/* The sample's stack copy: `size` valid bytes that were at [base, base+size). */
struct uw_stack {
    uint64_t base;
    const uint8_t *data;
    uint64_t size;
};

/* 0 and *val if the 8 bytes at addr lie inside the copy, else -1. */
static inline int uw_read8(const struct uw_stack *s, uint64_t addr, uint64_t *val)
{
    uint64_t off = addr - s->base;
    if (addr < s->base || s->size < 8 || off > s->size - 8)
        return -1;
    const uint8_t *p = s->data + off;
    *val = (uint64_t)p[0] | (uint64_t)p[1] << 8 | (uint64_t)p[2] << 16 |
           (uint64_t)p[3] << 24 | (uint64_t)p[4] << 32 | (uint64_t)p[5] << 40 |
           (uint64_t)p[6] << 48 | (uint64_t)p[7] << 56;
    return 0;
}

/* ---- Go: one step rule per pc, from the pclntab ---- */
enum uw_go_stop {
    UW_GO_CONT = 0,
    UW_GO_ROOT,        /* TOPFRAME: goexit, mstart, rt0_go */
    UW_GO_SWITCH,      /* writes SP (systemstack, mcall, morestack, asmcgocall,
                          gogo...): the caller is on a stack not in the copy */
    UW_GO_SIGNAL,      /* runtime.sigreturn*: the interrupted context is on
                          another stack (sigaltstack), even when innermost */
};
#define UW_GO_WRAPPER  0x01  /* funcID wrapper */
#define UW_GO_PANIC    0x02  /* gopanic/sigpanic/panicwrap: a wrapper calling
                                it stays visible */
#define UW_GO_INJECTED 0x04  /* sigpanic/asyncPreempt/debugCallV2: the caller
                                pc is a faulting pc, not a return address */
#define UW_GO_HAS_DELTA 0x08 /* pcsp covered the pc */
#define UW_GO_RA_REG   0x10  /* the function popped its return address into
                                register ra_reg (syscall.rawVforkSyscall:
                                POPQ R12 before a vfork SYSCALL, as the child
                                shares the stack): SP is the caller's */
#define UW_GO_RA_POPPED 0x20 /* pcsp is -8: the return address was popped
                                by the instruction that ends at pop_at;
                                the walker reads which register (uw_go_pop_reg)
                                and sets UW_GO_RA_REG, or gives up */

struct uw_go_rule {
    int32_t delta;     /* pcsp value at the pc */
    uint8_t stop;      /* enum uw_go_stop */
    uint8_t flags;
    uint8_t ra_reg;    /* UW_GO_RA_REG: DWARF register number */
    uint64_t pop_at;   /* UW_GO_RA_POPPED: link-time end of the POP */
};

/* The DWARF register a POP instruction ending with the bytes b[0..1] pops
 * into (58+r, or 41 58+r for R8..R15), or -1 if b ends with none. */
int uw_go_pop_reg(const uint8_t b[2]);

/* Rule for link-time pc `vaddr` (for callers: the return address itself,
 * as the runtime does).  0 ok, 1 if no function of the table covers it. */
int uw_go_rule(const struct gosym_table *t, uint64_t vaddr, struct uw_go_rule *out);

/* ---- DWARF CFI: one step rule per pc, from .eh_frame/.debug_frame ---- */
enum uw_loc_kind {
    UW_LOC_UNDEF = 0,  /* RA undefined: outermost frame */
    UW_LOC_SAME,       /* register unchanged */
    UW_LOC_AT_CFA,     /* saved at CFA + off */
    UW_LOC_VAL_CFA,    /* value is CFA + off */
    UW_LOC_REG,        /* value of register `reg` (for the CFA: reg + off) */
    UW_LOC_EXPR,       /* DWARF expression `ops` (libdw-owned, lives with
                          the CFI); a location unless it ends in stack_value */
    UW_LOC_BAD,        /* a form we do not evaluate */
};

struct uw_loc {
    uint8_t kind;
    uint8_t reg;
    uint32_t nops;
    int64_t off;
    const void *ops;   /* Dwarf_Op[nops] for UW_LOC_EXPR */
};

/* The registers a CFI step restores: RA, then the callee-saved ones. */
#define UW_CFI_NTRACK 7
extern const uint8_t uw_cfi_tracked[UW_CFI_NTRACK];

struct uw_cfi_rule {
    struct uw_loc cfa;            /* UW_LOC_REG or UW_LOC_EXPR */
    struct uw_loc reg[UW_CFI_NTRACK];
    int signal_frame;             /* 'S' augmentation: the caller's pc is
                                     not a return address */
};

/* Process-wide CFI objects, one per binary, each behind its own mutex;
 * shared by every unwind_ctx (acquire in unwind_ctx_new). */
void uw_dwarf_acquire(void);
void uw_dwarf_release(void);
/* Rule at link-time vaddr of bin: 0 ok, 1 if no CFI covers it. */
int uw_cfi_rule(struct binary *bin, uint64_t vaddr, struct uw_cfi_rule *out);

/* Applies a rule: regs in = this frame, out = the caller's.  0 ok, else -1
 * and *why (UNWIND_STOP_ROOT when RA is undefined, _TRUNCATED when a value
 * lies outside the copy, _BAD_FRAME for forms we cannot evaluate). */
int uw_cfi_step(const struct uw_cfi_rule *r, const struct uw_stack *st,
                struct uw_regs *regs, enum unwind_stop *why);

#endif
