/* gosym.h - BINARIES stage, Go half: reads a Go binary's pclntab (every
 * format since Go 1.2: magics 0xFFFFFFFB, 0xFFFFFFFA, 0xFFFFFFF0,
 * 0xFFFFFFF1) and answers, for a link-time pc: the function, its SP delta
 * (pcsp), file:line and the inlined frames (from the inline tree, when the
 * moduledata's gofunc can be found).  Works on stripped binaries: the table
 * is found by section name, by the runtime.pclntab symbol, or by scanning
 * for the header magic.  Tables are built lazily and the lookups are
 * thread-safe once gosym_open returned. */
#ifndef GOSYM_H
#define GOSYM_H

#include <stdint.h>
#include <stddef.h>
#include <libelf.h>
#include "sf.h"

struct gosym_table;

/* Special functions the unwinder must recognise (by name, not by the
 * version-dependent funcID numbering). */
enum gosym_kind {
    GOSYM_NORMAL = 0,
    GOSYM_GOEXIT,        /* runtime.goexit: root of every goroutine */
    GOSYM_MSTART,        /* runtime.mstart / mstart0 / mstart1: root of an M */
    GOSYM_RT0_GO,        /* runtime.rt0_go: root of the main thread */
    GOSYM_MCALL,         /* runtime.mcall: switches stacks */
    GOSYM_MORESTACK,     /* runtime.morestack */
    GOSYM_SYSTEMSTACK,   /* runtime.systemstack: switches to g0 */
    GOSYM_SYSTEMSTACK_SWITCH,
    GOSYM_ASMCGOCALL,    /* runtime.asmcgocall: Go -> C */
    GOSYM_CGOCALLBACK,   /* runtime.cgocallback: C -> Go */
    GOSYM_SIGPANIC,      /* runtime.sigpanic: caller pc is a faulting pc */
    GOSYM_GOPANIC,
    GOSYM_RUNTIME_MAIN,  /* runtime.main */
};

struct gosym_func {
    uint64_t entry, end;        /* [entry, end), link-time addresses */
    const char *name;           /* as runtime.Func.Name() reports it */
    enum gosym_kind kind;
    int is_wrapper;             /* funcID_wrapper: elided by the runtime's
                                   traceback unless it called a panic */
    int is_asm;                 /* flag asm (Go 1.21+), else unknown = 0 */
    int spwrite;                /* writes SP arbitrarily (FuncFlagSPWrite) */
    int topframe;               /* FuncFlagTopFrame */
    uint32_t index;             /* position in the function table */
};

/* One frame at a pc: the physical function last, inlined callees first. */
struct gosym_frame {
    const char *function;       /* runtime.CallersFrames' Function */
    const char *file;           /* may be "?" */
    int line;                   /* 0 if unknown */
    int inlined;                /* 1 for frames expanded from the inline tree */
    uint64_t entry;             /* entry pc of the physical function */
};

/* Go 1.21+'s runtime.funcNameForPrint: the brackets from the first '[' to
 * the last ']' become "[...]" (pkg.F[go.shape.int].func1 -> pkg.F[...].func1).
 * A malloc'd copy, or NULL when the name is unchanged.  Tables of Go 1.21+
 * (or, without a version, names with a shape) report names this way. */
char *gosym_name_for_print(const char *name);

/* Returns 0 and a table, 1 if `elf` is not a Go binary (no pclntab), or -1
 * on a corrupt table (err says what: "pclntab: funcoff 0x.. out of range").
 * `name` is used in messages.  The Elf must outlive the table. */
int gosym_open_elf(const char *name, Elf *elf, struct gosym_table **out,
                   struct sf_err *err);
/* Same over a raw pclntab image loaded at `vaddr` (tests, fuzzing).
 * `text_start` is needed for Go 1.18+ if the header's textStart is 0. */
int gosym_open_mem(const char *name, const uint8_t *pclntab, size_t size,
                   uint64_t vaddr, uint64_t text_start,
                   struct gosym_table **out, struct sf_err *err);
void gosym_free(struct gosym_table *t);

/* Format: 12 (1.2-1.15), 116 (1.16-1.17), 118 (1.18-1.19), 120 (1.20+). */
int gosym_format(const struct gosym_table *t);
const char *gosym_go_version(const struct gosym_table *t); /* "go1.19.8" or NULL */
size_t gosym_nfunc(const struct gosym_table *t);
void gosym_text_range(const struct gosym_table *t, uint64_t *start, uint64_t *end);

/* The function containing pc; 0 found, -1 not (pc outside the table). */
int gosym_find_func(const struct gosym_table *t, uint64_t pc,
                    struct gosym_func *out);
/* The idx-th function (0 <= idx < nfunc), for iteration and tests. */
int gosym_func_at(const struct gosym_table *t, size_t idx, struct gosym_func *out);

/* SP delta at pc within f (bytes the function has pushed below its entry
 * SP, excluding the return address), from the pcsp table.  0 ok, -1 if the
 * table has no value for pc or is corrupt. */
int gosym_sp_delta(const struct gosym_table *t, const struct gosym_func *f,
                   uint64_t pc, int32_t *delta);

/* File and line of pc in the physical function (no inlining). */
int gosym_file_line(const struct gosym_table *t, const struct gosym_func *f,
                    uint64_t pc, const char **file, int *line);

/* Frames at pc, innermost first: the inlined callees expanded from the
 * inline tree (unless no_inline), then the physical function.  Returns the
 * number written (<= max), 0 if pc is in no function.  Callers pass
 * return address - 1 for caller frames, as the Go runtime does.
 * Inlined wrapper entries are skipped as runtime.CallersFrames does; the
 * physical frame is always last, even if it is a wrapper (check
 * gosym_find_func(entry).is_wrapper to hide it like the runtime).  When
 * max is too small the innermost inlined frames are kept and the physical
 * frame still ends the list.  All strings point into the pclntab (the
 * Elf's data): valid while the Elf and the table live. */
int gosym_frames(const struct gosym_table *t, uint64_t pc, int no_inline,
                 struct gosym_frame *out, int max);

#endif
