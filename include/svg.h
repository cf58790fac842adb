/* svg.h - WRITER of interactive flame graphs: one self-contained SVG (inline
 * CSS and JavaScript from templates/, no external reference) drawn from a
 * finished stack_set.  Options follow flamegraph.pl's.  Same input and
 * options give a byte-identical file.
 *
 * Every name is sanitised (invalid UTF-8 -> U+FFFD, XML-forbidden control
 * bytes -> U+FFFD) and escaped wherever it appears; per-frame data lives in
 * attributes and text nodes only, never inside the <script> block. */
#ifndef SVG_H
#define SVG_H

#include <stdio.h>
#include <stdint.h>
#include <stddef.h>
#include "sf.h"
#include "stack.h"

/* Colour palettes.  SVG_PAL_GO colours by kind of frame: Go user code, Go
 * runtime, C/cgo, kernel, syscall leaf (see svg_classify).  The others are
 * flamegraph.pl's: hot, mem, io; the multi-hue java, js, perl (by the
 * frame's language, its _[j]/_[i]/_[k] annotations first), wakeup and
 * chain (_[w] wakers); and the single hues.  SVG_PAL_AUTO (the default)
 * picks java, js or perl when the names look like it, else go. */
enum svg_palette {
    SVG_PAL_GO = 0,
    SVG_PAL_HOT,
    SVG_PAL_MEM,
    SVG_PAL_IO,
    SVG_PAL_JAVA,
    SVG_PAL_JS,
    SVG_PAL_PERL,
    SVG_PAL_WAKEUP,
    SVG_PAL_CHAIN,
    SVG_PAL_RED,
    SVG_PAL_GREEN,
    SVG_PAL_BLUE,
    SVG_PAL_AQUA,
    SVG_PAL_YELLOW,
    SVG_PAL_PURPLE,
    SVG_PAL_ORANGE,
    SVG_PAL_AUTO,
};

/* "go", "hot", ..., "auto" -> palette; 0 ok, -1 unknown name. */
int svg_palette_parse(const char *name, enum svg_palette *out);
/* The palette SVG_PAL_AUTO resolves to for s. */
enum svg_palette svg_palette_auto(const struct stack_set *s);
/* "go, hot, mem, io, java, ..." for messages. */
extern const char svg_palette_names[];

/* Length of name without a trailing FlameGraph annotation ("_[k]" kernel,
 * "_[j]" jitted, "_[i]" inlined, "_[w]" waker): what labels show. */
size_t svg_label_len(const char *name, size_t len);

/* Kinds of frame the go palette tells apart. */
enum svg_kind {
    SVG_KIND_GO = 0,        /* user Go code: a name with a package path */
    SVG_KIND_RUNTIME,       /* runtime., runtime/internal/, internal/, syscall. */
    SVG_KIND_C,             /* cgo/C: no '.', C++ "::", or a GCC ".cold"/".part" suffix */
    SVG_KIND_KERNEL,        /* suffix "_[k]" */
    SVG_KIND_SYSCALL,       /* a leaf named like a syscall ([a-z0-9_]+ or "syscalls:...") */
    SVG_KIND_ROOT,          /* the "all" box and frame 0 (the comm) */
    SVG_KIND_UNKNOWN,       /* "[unknown]" or a bare address */
};
/* Classifies a frame name; is_leaf: it ends a stack (has self samples). */
enum svg_kind svg_classify(const char *name, size_t len, int is_leaf);

/* One drawn frame, as a style hook sees it. */
struct svg_node_info {
    const struct stack_set *set;
    const uint32_t *path;       /* name ids, root frame first, this frame last */
    uint32_t depth;             /* entries in path (the "all" box is depth 0, path empty) */
    uint64_t count;             /* samples in this frame (its width) */
    uint64_t self;              /* samples ending here */
    uint64_t parent_count;
    uint64_t total;             /* samples in the graph */
    uint64_t other;             /* samples of the same path in svg_opts.compare (0 without) */
    uint64_t other_total;       /* stack_total(compare), 0 without */
};

/* What a style hook may set; leave a field empty to keep the default. */
struct svg_node_style {
    char fill[48];              /* CSS colour, e.g. "rgb(255,120,120)"; sanitised */
    char note[160];             /* plain text appended inside the tooltip's parentheses */
};
typedef void (*svg_style_fn)(void *arg, const struct svg_node_info *node,
                             struct svg_node_style *style);

struct svg_opts {
    const char *title;          /* NULL: "Flame Graph" ("Icicle Graph", "Flame Chart") */
    const char *subtitle;       /* NULL: none */
    unsigned width;             /* image width in px, 1200 */
    unsigned frame_height;      /* px, 16 */
    double minwidth;            /* px, 0.1: narrower frames (and their children) are omitted */
    int minwidth_pct;           /* minwidth is a percentage of the total, not px */
    unsigned fontsize;          /* 12 */
    const char *fonttype;       /* "Verdana" */
    enum svg_palette colors;    /* SVG_PAL_AUTO */
    int hash;                   /* colour from a hash of the name (stable across graphs) */
    int inverted;               /* icicle graph: root on top */
    int reverse;                /* reverse each stack before merging */
    const char *countname;      /* "syscalls" (sysflame svg: "samples" for
                                   inputs that are not syscall captures) */
    const char *nametype;       /* "Function:" */
    unsigned count_decimals;    /* counts are in units of 10^-count_decimals
                                   (result.h): titles, totals and data-n
                                   print them as decimals ("2.5 samples") */
    int flamechart;             /* time order (stack_runs, or folded order without
                                 * them); only adjacent samples merge */
    const char *notes;          /* text put in the SVG's <desc id="notes"> */
    /* Differential graphs: an optional second set (e.g. "before") whose
     * counts are matched to each drawn frame by path (svg_node_info.other).
     * With compare set and no style hook, frames are coloured red (grew) or
     * blue (shrank) by the sample delta and tooltips show the before count.
     * Names of compare are interned into the drawn set on the way. */
    const struct stack_set *compare;
    svg_style_fn style;         /* optional per-frame colour/tooltip hook */
    void *style_arg;
    /* Optional: the name of a top-level frame (frame 0 of some stacks) drawn
     * to the right of the root box instead of inside it.  The root box, the
     * totals line, data-total and every percentage count the other stacks
     * only; the set-aside frames carry data-aside="1" (the viewer's search
     * share leaves them out).  Merged graphs only. */
    const char *aside;
    /* Optional legend drawn as a row under the (sub)title: a swatch of
     * `fill` (a CSS colour; none when empty) and the label, per item. */
    const struct svg_legend_item *legend;
    size_t nr_legend;
};

struct svg_legend_item {
    const char *fill;
    const char *label;
};

/* Fills o with the defaults above. */
void svg_opts_init(struct svg_opts *o);

/* Writes the flame graph of s to out.  An empty set gives a valid SVG that
 * says so.  0 ok, -1 on bad options or a write error (err filled). */
int svg_write(struct stack_set *s, const struct svg_opts *o, FILE *out,
              struct sf_err *err);

#endif
