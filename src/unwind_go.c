/* unwind_go.c - UNWINDER stage, Go half: turns a pc of a Go binary into the
 * rule the walker applies (SP delta from the pclntab pcsp table, root and
 * stack-switch stops, wrapper/panic flags), mirroring the amd64 runtime's
 * gentraceback (Go 1.19 runtime/traceback.go).  The walker caches rules. */
#include "unwind_int.h"

#include <string.h>

static int is_root(const struct gosym_func *f)
{
    if (f->topframe || f->kind == GOSYM_GOEXIT || f->kind == GOSYM_RT0_GO)
        return 1;
    /* mstart0/mstart1 run under runtime.mstart, the TOPFRAME one; tables
     * older than Go 1.18 carry no flag, so match the name. */
    return f->kind == GOSYM_MSTART && f->name && strcmp(f->name, "runtime.mstart") == 0;
}

static int is_switch(const struct gosym_func *f)
{
    switch (f->kind) {
    case GOSYM_CGOCALLBACK:
        /* The runtime unwinds through it: on the goroutine stack it
         * looks called from the saved curg.sched.pc (cgocall). */
        return 0;
    case GOSYM_MCALL:
    case GOSYM_MORESTACK:
    case GOSYM_SYSTEMSTACK:
    case GOSYM_SYSTEMSTACK_SWITCH:
    case GOSYM_ASMCGOCALL:
        return 1;
    default:
        return f->spwrite;
    }
}

static int name_is(const struct gosym_func *f, const char *name)
{
    return f->name && strcmp(f->name, name) == 0;
}

int uw_go_pop_reg(const uint8_t b[2])
{
    /* x86 register encoding 0..7 -> DWARF number */
    static const uint8_t dwarf_of[8] = { 0, 2, 1, 3, 7, 6, 4, 5 };
    if (b[0] == 0x41 && b[1] >= 0x58 && b[1] <= 0x5F)
        return 8 + (b[1] - 0x58);
    if (b[1] >= 0x58 && b[1] <= 0x5F && dwarf_of[b[1] - 0x58] != UW_RSP)
        return dwarf_of[b[1] - 0x58];
    return -1;
}

int uw_go_rule(const struct gosym_table *t, uint64_t vaddr, struct uw_go_rule *out)
{
    struct gosym_func f;
    int32_t delta;

    memset(out, 0, sizeof(*out));
    if (!t || gosym_find_func(t, vaddr, &f) < 0)
        return 1;
    if (is_root(&f) || (f.name && strncmp(f.name, "_rt0_", 5) == 0))
        out->stop = UW_GO_ROOT;   /* _rt0_*: the ELF entry, argc above it */
    else if (f.name && strncmp(f.name, "runtime.sigreturn", 17) == 0)
        out->stop = UW_GO_SIGNAL;
    else if (is_switch(&f))
        out->stop = UW_GO_SWITCH;
    if (f.is_wrapper)
        out->flags |= UW_GO_WRAPPER;
    if (f.kind == GOSYM_GOPANIC || f.kind == GOSYM_SIGPANIC ||
        name_is(&f, "runtime.panicwrap"))
        out->flags |= UW_GO_PANIC;
    if (f.kind == GOSYM_SIGPANIC || name_is(&f, "runtime.asyncPreempt") ||
        name_is(&f, "runtime.debugCallV2"))
        out->flags |= UW_GO_INJECTED;
    if (gosym_sp_delta(t, &f, vaddr, &delta) == 0) {
        if (delta >= 0) {
            out->delta = delta;
            out->flags |= UW_GO_HAS_DELTA;
        } else if (delta == -8) {
            /* SP above the entry SP: the function popped its own return
             * address (syscall.rawVforkSyscall's POPQ R12 before SYSCALL:
             * the vfork child must not write it on the shared stack).
             * The POP ends where the -8 run starts. */
            uint64_t at = vaddr;
            int32_t d;
            while (at > f.entry && vaddr - at < 256 &&
                   gosym_sp_delta(t, &f, at - 1, &d) == 0 && d == -8)
                at--;
            out->delta = delta;
            out->flags |= UW_GO_RA_POPPED;
            out->pop_at = at;
        }
    }
    return 0;
}
