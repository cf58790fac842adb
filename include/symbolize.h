/* symbolize.h - BINARIES stage: link-time address -> named frames, innermost
 * first: Go functions and inlined frames from the pclntab (gosym.h), C
 * functions from .symtab/.dynsym (libelf) with inlined subroutines and
 * file:line from DWARF (libdw) when present.  Names are owned by the binary
 * and live as long as the binary cache.  Thread-safe. */
#ifndef SYMBOLIZE_H
#define SYMBOLIZE_H

#include <stdint.h>
#include "binary.h"

struct sym_frame {
    const char *name;          /* NULL when unknown ("[unknown]" in output) */
    uint64_t sym_start;        /* link-time start of the physical symbol */
    const char *file;          /* NULL if unknown */
    int line;
    int inlined;               /* perf's "(inlined)" marker: set for frames
                                  expanded from inline info, and, as perf
                                  does, also for the physical C frame when
                                  its DWARF name differs from the ELF
                                  symbol's (emit vs emit.constprop.0) */
    int is_go;                 /* came from the pclntab */
    int physical;              /* the last frame of the group: the function
                                  really executing (holds the return
                                  address); always 1 when there is one frame */
};

/* C names follow perf 6.1 + binutils addr2line: the ELF symbol is chosen
 * among aliases as perf does (sized over zero-size, non-weak over weak,
 * global over local, fewer leading underscores, longer name, then symbol
 * table order), symbols come from the debug file's .symtab, then the
 * binary's .symtab, then .dynsym; when DWARF has a line for the address the
 * frames are the DWARF function names (DW_AT_linkage_name, else DW_AT_name),
 * innermost first, each with sym_start of the physical ELF symbol (perf
 * prints inline frames as `name+(addr - physical start)`).  Without DWARF
 * line info: one frame, the ELF symbol.  No ELF symbol: one unknown frame.
 * Results are cached per binary (lock-striped). */
/* Frames for `vaddr` in b, innermost first; returns how many (>= 1: an
 * unknown address yields one frame with name NULL).  `is_return` says the
 * address is a return address (lookups use vaddr - 1, except after a
 * signal frame/sigpanic, where the caller passes is_return = 0). */
int symbolize(struct binary *b, uint64_t vaddr, int is_return, int no_inline,
              struct sym_frame *out, int max);

/* The ELF symbol containing link-time `vaddr` of b (perf's pick among
 * aliases, as stored in the table: not demangled): 0 with its start and
 * name, -1 if none.  For the unwinder, which needs function starts and
 * names of C code (call targets, outermost functions).  Thread-safe. */
int symbolize_symbol(struct binary *b, uint64_t vaddr, uint64_t *start, const char **name);

/* Loads now what the first C address of b would load (symbols, DWARF), so
 * a warm-up thread can take that cost off the critical path.  Go binaries
 * are left alone: their C addresses rarely need DWARF.  Thread-safe. */
void symbolize_prepare(struct binary *b);

/* 1 while a thread is loading b's DWARF, so that a symbolize() call for a
 * C address of b would wait for it.  Lock-free. */
int symbolize_busy(struct binary *b);

#endif
