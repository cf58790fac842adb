/* frame.h - one resolved frame: what symbolization made of an unwound
 * address, as `script` prints it and frame naming names it.  Data only:
 * the strings belong to whoever produced the frame (the symbolizer, the
 * session's interned paths) and live as long as the capture. */
#ifndef FRAME_H
#define FRAME_H

#include <stdint.h>

struct binary;

struct frame_out {
    uint64_t addr;               /* perf's convention: map-relative
                                    (pc - map start + pgoff) for user frames,
                                    absolute for kernel frames */
    const char *name;            /* NULL = unknown */
    uint64_t offset;             /* addr - symbol start (has_offset) */
    int has_offset;
    const char *dso;             /* recorded path, "[kernel.kallsyms]", ... */
    int inlined;
    int kernel;
    const char *file;            /* source file of the name, NULL if unknown */
    int line;
    int inline_depth;            /* 0 physical, 1 the call inlined into it, ... */
    int fp;                      /* found by the frame-pointer fallback
                                    (script marks it "[fp]") */
    const struct binary *bin;    /* the file behind the mapping, NULL if none */
    int gap;                     /* not a frame: a frame-pointer chain skipped
                                    the caller of a frameless leaf here
                                    (callchain.h); script prints it, stacks
                                    leave it out */
};

#endif
