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
    int inlined;               /* expanded from inline info */
    int is_go;                 /* came from the pclntab */
};

/* Frames for `vaddr` in b, innermost first; returns how many (>= 1: an
 * unknown address yields one frame with name NULL).  `is_return` says the
 * address is a return address (lookups use vaddr - 1, except after a
 * signal frame/sigpanic, where the caller passes is_return = 0). */
int symbolize(struct binary *b, uint64_t vaddr, int is_return, int no_inline,
              struct sym_frame *out, int max);

#endif
