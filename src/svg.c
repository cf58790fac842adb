/* svg.c - WRITER of interactive flame graphs.  Builds a frame tree from a
 * finished stack_set (merged by path, or in time order for flame charts),
 * lays it out, and fills templates/flame.svg.in with the frames, the inline
 * CSS and the static viewer script.  Names are sanitised and escaped here;
 * they are clipped with ".." in C so the SVG reads without JavaScript. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "svg.h"
#include "templates.inc"

#define XPAD 10
#define FRAMEPAD 1
#define FONTWIDTH 0.59
#define NO_NODE UINT32_MAX

void svg_opts_init(struct svg_opts *o)
{
    memset(o, 0, sizeof(*o));
    o->width = 1200;
    o->frame_height = 16;
    o->minwidth = 0.1;
    o->fontsize = 12;
    o->fonttype = "Verdana";
    o->colors = SVG_PAL_AUTO;
    o->countname = "syscalls";
    o->nametype = "Function:";
}

static const struct { const char *name; enum svg_palette pal; } palettes[] = {
    { "go", SVG_PAL_GO }, { "hot", SVG_PAL_HOT }, { "mem", SVG_PAL_MEM }, { "io", SVG_PAL_IO },
    { "java", SVG_PAL_JAVA }, { "js", SVG_PAL_JS }, { "perl", SVG_PAL_PERL },
    { "red", SVG_PAL_RED }, { "green", SVG_PAL_GREEN }, { "blue", SVG_PAL_BLUE },
    { "aqua", SVG_PAL_AQUA }, { "yellow", SVG_PAL_YELLOW }, { "purple", SVG_PAL_PURPLE },
    { "orange", SVG_PAL_ORANGE }, { "wakeup", SVG_PAL_WAKEUP }, { "chain", SVG_PAL_CHAIN },
    { "auto", SVG_PAL_AUTO },
};

const char svg_palette_names[] =
    "auto, go, hot, mem, io, java, js, perl, red, green, blue, aqua, yellow, purple, "
    "orange, wakeup, chain";

int svg_palette_parse(const char *name, enum svg_palette *out)
{
    for (size_t i = 0; i < SF_ARRAY_SIZE(palettes); i++)
        if (strcmp(name, palettes[i].name) == 0) {
            *out = palettes[i].pal;
            return 0;
        }
    return -1;
}

size_t svg_label_len(const char *name, size_t len)
{
    if (len > 4 && name[len - 4] == '_' && name[len - 3] == '[' && name[len - 1] == ']' &&
        (name[len - 2] == 'k' || name[len - 2] == 'j' || name[len - 2] == 'i' ||
         name[len - 2] == 'w'))
        return len - 4;
    return len;
}

static int contains(const char *s, size_t len, const char *p)
{
    size_t n = strlen(p);
    for (size_t i = 0; i + n <= len; i++)
        if (memcmp(s + i, p, n) == 0)
            return 1;
    return 0;
}

/* Java: a jit annotation, perf-map-agent's ":::" or a package path of the
 * JDK's or the usual top-level domains. */
static int java_name(const char *s, size_t len)
{
    static const char *const roots[] = { "java/", "javax/", "jdk/", "sun/", "org/", "com/",
                                         "net/", "io/" };
    if (len > 4 && memcmp(s + len - 4, "_[j]", 4) == 0)
        return 1;
    if (contains(s, len, ":::"))
        return 1;
    const char *t = s;
    size_t tl = len;
    if (tl && *t == 'L') {
        t++;
        tl--;
    }
    for (size_t i = 0; i < SF_ARRAY_SIZE(roots); i++) {
        size_t n = strlen(roots[i]);
        if (tl >= n && memcmp(t, roots[i], n) == 0 && contains(t, tl, ":"))
            return 1;
    }
    return 0;
}

/* JavaScript: a source path ending in ".js" */
static int js_name(const char *s, size_t len)
{
    const char *slash = memchr(s, '/', len);
    return slash && contains(slash, len - (size_t)(slash - s), ".js");
}

enum svg_palette svg_palette_auto(const struct stack_set *s)
{
    size_t java = 0, js = 0, perl = 0;
    for (size_t i = 0; i < stack_nr_names(s); i++) {
        const char *n = stack_name(s, (uint32_t)i);
        size_t len = stack_name_len(s, (uint32_t)i);
        java += java_name(n, len);
        js += js_name(n, len);
        perl += contains(n, len, "Perl_") || contains(n, len, ".pl:");
    }
    if (java && java >= js && java >= perl)
        return SVG_PAL_JAVA;
    if (js && js >= perl)
        return SVG_PAL_JS;
    if (perl)
        return SVG_PAL_PERL;
    return SVG_PAL_GO;
}

/* ---- frame classification (the go palette) ---- */

static int has_prefix(const char *s, size_t len, const char *p)
{
    size_t n = strlen(p);
    return len >= n && memcmp(s, p, n) == 0;
}

static int has_suffix(const char *s, size_t len, const char *p)
{
    size_t n = strlen(p);
    return len >= n && memcmp(s + len - n, p, n) == 0;
}

static int looks_like_syscall(const char *s, size_t len)
{
    if (has_prefix(s, len, "syscalls:"))
        return 1;
    if (len == 0 || len > 64)
        return 0;
    for (size_t i = 0; i < len; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
            return 0;
    return 1;
}

/* GCC/clang clone suffixes mark C symbols that happen to contain a dot. */
static int has_c_clone_suffix(const char *s, size_t len)
{
    static const char *const marks[] = { ".cold", ".part.", ".isra.", ".constprop.",
                                         ".lto_priv.", ".localalias", "@plt", "@@" };
    for (size_t i = 0; i < SF_ARRAY_SIZE(marks); i++) {
        size_t n = strlen(marks[i]);
        for (size_t k = 0; k + n <= len; k++)
            if (memcmp(s + k, marks[i], n) == 0)
                return 1;
    }
    return 0;
}

enum svg_kind svg_classify(const char *name, size_t len, int is_leaf)
{
    if (has_suffix(name, len, "_[k]"))
        return SVG_KIND_KERNEL;
    if (is_leaf && looks_like_syscall(name, len))
        return SVG_KIND_SYSCALL;
    if (len == 0 || has_prefix(name, len, "[unknown]") || has_prefix(name, len, "0x"))
        return SVG_KIND_UNKNOWN;
    if (has_prefix(name, len, "runtime.") || has_prefix(name, len, "runtime/internal/") ||
        has_prefix(name, len, "internal/") || has_prefix(name, len, "syscall.") ||
        has_prefix(name, len, "internal."))
        return SVG_KIND_RUNTIME;
    if (!memchr(name, '.', len) || has_c_clone_suffix(name, len))
        return SVG_KIND_C;
    for (size_t i = 0; i + 1 < len; i++)
        if (name[i] == ':' && name[i + 1] == ':')
            return SVG_KIND_C;
    return SVG_KIND_GO;
}

/* ---- colours ---- */

struct colour_rng { uint64_t state; };

/* Three values in [0,1): from the name's hash (stable across graphs) or from
 * a fixed-seed sequence (varied, but the same file every run). */
static void colour_vars(const struct svg_opts *o, struct colour_rng *rng,
                        const char *name, size_t len, double v[3])
{
    uint64_t h;
    if (o->hash) {
        h = sf_hash(name, len);
    } else {
        rng->state = rng->state * 6364136223846793005ULL + 1442695040888963407ULL;
        h = rng->state;
    }
    h ^= h >> 29;
    h *= 0xbf58476d1ce4e5b9ULL;
    h ^= h >> 32;
    v[0] = (double)(h & 0xffff) / 65536.0;
    v[1] = (double)((h >> 16) & 0xffff) / 65536.0;
    v[2] = (double)((h >> 32) & 0xffff) / 65536.0;
}

static int ends_with(const char *s, size_t len, const char *p)
{
    size_t n = strlen(p);
    return len >= n && memcmp(s + len - n, p, n) == 0;
}

/* The single-hue palette a multi-hue one (java, js, perl, wakeup, chain)
 * gives a frame, as flamegraph.pl's rules choose it. */
static enum svg_palette hue_of(enum svg_palette pal, const char *name, size_t len)
{
    switch (pal) {
    case SVG_PAL_JAVA:
        if (ends_with(name, len, "_[j]"))
            return SVG_PAL_GREEN;
        if (ends_with(name, len, "_[i]"))
            return SVG_PAL_AQUA;
        if (java_name(name, len))
            return SVG_PAL_GREEN;
        if (contains(name, len, "::"))
            return SVG_PAL_YELLOW;
        if (ends_with(name, len, "_[k]"))
            return SVG_PAL_ORANGE;
        return SVG_PAL_RED;
    case SVG_PAL_JS:
        if (ends_with(name, len, "_[j]"))
            return memchr(name, '/', len) ? SVG_PAL_GREEN : SVG_PAL_AQUA;
        if (contains(name, len, "::"))
            return SVG_PAL_YELLOW;
        if (js_name(name, len))
            return SVG_PAL_GREEN;
        if (memchr(name, ':', len))
            return SVG_PAL_AQUA;
        if (len == 1 && name[0] == ' ')
            return SVG_PAL_GREEN;
        if (contains(name, len, "_[k]"))
            return SVG_PAL_ORANGE;
        return SVG_PAL_RED;
    case SVG_PAL_PERL:
        if (contains(name, len, "::"))
            return SVG_PAL_YELLOW;
        if (contains(name, len, "Perl") || contains(name, len, ".pl"))
            return SVG_PAL_GREEN;
        if (ends_with(name, len, "_[k]"))
            return SVG_PAL_ORANGE;
        return SVG_PAL_RED;
    case SVG_PAL_WAKEUP:
        return SVG_PAL_AQUA;
    case SVG_PAL_CHAIN:
        return contains(name, len, "_[w]") ? SVG_PAL_AQUA : SVG_PAL_BLUE;
    default:
        return pal;
    }
}

static void palette_colour(enum svg_palette pal, enum svg_kind kind, const char *name,
                           size_t len, const double v[3], char *out, size_t n)
{
    int r, g, b;
    if (kind == SVG_KIND_ROOT && pal != SVG_PAL_GO) {
        r = g = 200 + (int)(20 * v[0]); b = 205 + (int)(20 * v[0]);
        snprintf(out, n, "rgb(%d,%d,%d)", r, g, b);
        return;
    }
    pal = hue_of(pal, name, len);
    switch (pal) {
    case SVG_PAL_HOT:
        r = 205 + (int)(50 * v[2]); g = (int)(230 * v[0]); b = (int)(55 * v[1]);
        break;
    case SVG_PAL_MEM:
        r = 0; g = 190 + (int)(50 * v[1]); b = (int)(210 * v[0]);
        break;
    case SVG_PAL_IO:
        r = 80 + (int)(60 * v[0]); g = r; b = 190 + (int)(55 * v[1]);
        break;
    case SVG_PAL_RED:
        r = 200 + (int)(55 * v[0]); g = b = 50 + (int)(80 * v[0]);
        break;
    case SVG_PAL_GREEN:
        g = 200 + (int)(55 * v[0]); r = b = 50 + (int)(60 * v[0]);
        break;
    case SVG_PAL_BLUE:
        b = 205 + (int)(50 * v[0]); r = g = 80 + (int)(60 * v[0]);
        break;
    case SVG_PAL_YELLOW:
        r = g = 175 + (int)(55 * v[0]); b = 50 + (int)(20 * v[0]);
        break;
    case SVG_PAL_PURPLE:
        r = b = 190 + (int)(65 * v[0]); g = 80 + (int)(60 * v[0]);
        break;
    case SVG_PAL_AQUA:
        r = 50 + (int)(60 * v[0]); g = b = 165 + (int)(55 * v[0]);
        break;
    case SVG_PAL_ORANGE:
        r = 190 + (int)(65 * v[0]); g = 90 + (int)(65 * v[0]); b = 0;
        break;
    case SVG_PAL_GO:
    default:
        switch (kind) {
        case SVG_KIND_GO:        /* teal-blue, like the gopher */
            r = 40 + (int)(50 * v[0]); g = 170 + (int)(50 * v[1]); b = 200 + (int)(40 * v[2]);
            break;
        case SVG_KIND_RUNTIME:   /* lavender */
            r = 160 + (int)(40 * v[0]); g = 150 + (int)(40 * v[0]); b = 215 + (int)(35 * v[1]);
            break;
        case SVG_KIND_C:         /* yellow-green */
            r = 190 + (int)(40 * v[0]); g = 195 + (int)(40 * v[0]); b = 50 + (int)(40 * v[1]);
            break;
        case SVG_KIND_KERNEL:    /* orange */
            r = 235 + (int)(20 * v[0]); g = 140 + (int)(40 * v[1]); b = 30 + (int)(40 * v[2]);
            break;
        case SVG_KIND_SYSCALL:   /* red */
            r = 225 + (int)(30 * v[0]); g = 60 + (int)(40 * v[1]); b = 60 + (int)(30 * v[1]);
            break;
        case SVG_KIND_UNKNOWN:
            r = g = b = 170 + (int)(20 * v[0]);
            break;
        case SVG_KIND_ROOT:
        default:
            r = g = 200 + (int)(20 * v[0]); b = 205 + (int)(20 * v[0]);
            break;
        }
    }
    snprintf(out, n, "rgb(%d,%d,%d)", r, g, b);
}

/* ---- the frame tree ---- */

struct node {
    uint32_t name;
    uint32_t parent, first_child, last_child, next_sibling;
    uint32_t depth;
    uint64_t count, self, other;
    uint64_t start;             /* first sample (x position in samples) */
};

struct tree {
    struct node *nodes;
    size_t nr, cap;
    uint32_t *slots;            /* (parent, name) -> node, merged mode only */
    size_t mask;
    const struct stack_set *names;
    uint32_t aside_name;        /* name id of svg_opts.aside's frame, or NO_NODE */
};

static uint64_t edge_hash(uint32_t parent, uint32_t name)
{
    uint64_t h = ((uint64_t)parent << 32 | name) * 0x9e3779b97f4a7c15ULL;
    return h ^ (h >> 31);
}

static uint32_t tree_new_node(struct tree *t, uint32_t parent, uint32_t name)
{
    t->nodes = xgrow(t->nodes, sizeof(*t->nodes), t->nr + 1, &t->cap);
    uint32_t id = (uint32_t)t->nr++;
    struct node *n = &t->nodes[id];
    memset(n, 0, sizeof(*n));
    n->name = name;
    n->parent = parent;
    n->first_child = n->last_child = n->next_sibling = NO_NODE;
    if (parent != NO_NODE) {
        struct node *p = &t->nodes[parent];
        n->depth = p->depth + 1;
        if (p->last_child == NO_NODE)
            p->first_child = id;
        else
            t->nodes[p->last_child].next_sibling = id;
        p->last_child = id;
    }
    return id;
}

static void tree_rehash(struct tree *t)
{
    size_t mask = t->mask ? t->mask * 2 + 1 : 4095;
    uint32_t *slots = xmalloc((mask + 1) * sizeof(*slots));
    memset(slots, 0xff, (mask + 1) * sizeof(*slots));
    for (size_t id = 1; id < t->nr; id++) {
        size_t i = edge_hash(t->nodes[id].parent, t->nodes[id].name) & mask;
        while (slots[i] != NO_NODE)
            i = (i + 1) & mask;
        slots[i] = (uint32_t)id;
    }
    free(t->slots);
    t->slots = slots;
    t->mask = mask;
}

/* Child of parent named name; created if create, else NO_NODE when absent. */
static uint32_t tree_child(struct tree *t, uint32_t parent, uint32_t name, int create)
{
    size_t i = edge_hash(parent, name) & t->mask;
    for (;;) {
        uint32_t id = t->slots[i];
        if (id == NO_NODE)
            break;
        if (t->nodes[id].parent == parent && t->nodes[id].name == name)
            return id;
        i = (i + 1) & t->mask;
    }
    if (!create)
        return NO_NODE;
    uint32_t id = tree_new_node(t, parent, name);
    t->slots[i] = id;
    if (t->nr * 10 > (t->mask + 1) * 7)
        tree_rehash(t);
    return id;
}

static uint32_t frame_at(const struct stack_view *v, uint32_t i, int reverse)
{
    return reverse ? v->frames[v->nr - 1 - i] : v->frames[i];
}

static void tree_build_merged(struct tree *t, struct stack_set *s, const struct svg_opts *o)
{
    tree_rehash(t);
    size_t n = stack_nr_stacks(s);
    for (uint32_t id = 0; id < n; id++) {
        struct stack_view v;
        stack_get(s, id, &v);
        uint32_t cur = 0;
        t->nodes[0].count += v.count;
        for (uint32_t i = 0; i < v.nr; i++) {
            cur = tree_child(t, cur, frame_at(&v, i, o->reverse), 1);
            t->nodes[cur].count += v.count;
        }
        t->nodes[cur].self += v.count;
    }
    if (!o->compare)
        return;
    /* the compare set's names, as ids of s */
    const struct stack_set *c = o->compare;
    size_t nn = stack_nr_names(c);
    uint32_t *map = xmalloc((nn ? nn : 1) * sizeof(*map));
    for (uint32_t i = 0; i < nn; i++)
        map[i] = stack_intern(s, stack_name(c, i), stack_name_len(c, i));
    n = stack_nr_stacks(c);
    for (uint32_t id = 0; id < n; id++) {
        struct stack_view v;
        stack_get(c, id, &v);
        uint32_t cur = 0;
        t->nodes[0].other += v.count;
        for (uint32_t i = 0; i < v.nr; i++) {
            cur = tree_child(t, cur, map[frame_at(&v, i, o->reverse)], 0);
            if (cur == NO_NODE)
                break;
            t->nodes[cur].other += v.count;
        }
    }
    free(map);
}

/* Flame chart: only a stack's common prefix with the previous one merges. */
static void tree_build_chart(struct tree *t, struct stack_set *s, const struct svg_opts *o)
{
    size_t nr_runs = stack_nr_runs(s);
    const struct stack_run *runs = stack_runs(s);
    const uint32_t *order = nr_runs ? NULL : stack_sorted(s);
    size_t n = nr_runs ? nr_runs : stack_nr_stacks(s);
    uint32_t *path = NULL;      /* node ids of the previous stack, by depth */
    size_t path_len = 0, path_cap = 0;
    uint64_t time = 0;
    for (size_t k = 0; k < n; k++) {
        struct stack_view v;
        stack_get(s, nr_runs ? runs[k].stack_id : order[k], &v);
        uint64_t count = nr_runs ? runs[k].count : v.count;
        path = xgrow(path, sizeof(*path), (size_t)v.nr + 1, &path_cap);
        uint32_t cur = 0;
        t->nodes[0].count += count;
        size_t i = 0;
        for (; i < v.nr && i < path_len; i++) {
            uint32_t name = frame_at(&v, (uint32_t)i, o->reverse);
            if (t->nodes[path[i]].name != name)
                break;
            cur = path[i];
            t->nodes[cur].count += count;
        }
        for (; i < v.nr; i++) {
            cur = tree_new_node(t, cur, frame_at(&v, (uint32_t)i, o->reverse));
            t->nodes[cur].start = time;
            t->nodes[cur].count = count;
            path[i] = cur;
        }
        path_len = v.nr;
        t->nodes[cur].self += count;
        time += count;
    }
    free(path);
}

static _Thread_local const struct stack_set *child_sort_set;
static _Thread_local uint32_t child_sort_last = NO_NODE;

static int child_cmp(const void *pa, const void *pb)
{
    const struct node *a = *(const struct node *const *)pa, *b = *(const struct node *const *)pb;
    const struct stack_set *s = child_sort_set;
    if (a->name != b->name && (a->name == child_sort_last || b->name == child_sort_last))
        return a->name == child_sort_last ? 1 : -1;
    size_t la = stack_name_len(s, a->name), lb = stack_name_len(s, b->name);
    int r = memcmp(stack_name(s, a->name), stack_name(s, b->name), SF_MIN(la, lb));
    if (r)
        return r;
    return la < lb ? -1 : la > lb;
}

/* Merged mode: children in name order, then start offsets. */
static void tree_layout_sorted(struct tree *t)
{
    struct node **kids = NULL;
    size_t cap = 0;
    uint32_t *ids = NULL;
    size_t idcap = 0;
    child_sort_set = t->names;
    for (size_t p = 0; p < t->nr; p++) {
        size_t k = 0;
        for (uint32_t c = t->nodes[p].first_child; c != NO_NODE; c = t->nodes[c].next_sibling) {
            kids = xgrow(kids, sizeof(*kids), k + 1, &cap);
            ids = xgrow(ids, sizeof(*ids), k + 1, &idcap);
            kids[k++] = &t->nodes[c];
        }
        /* the set-aside frame goes last among the root's children */
        child_sort_last = p == 0 ? t->aside_name : NO_NODE;
        if (k > 1)
            qsort(kids, k, sizeof(*kids), child_cmp);
        /* relink in sorted order; nodes are created after their parent, so
         * starts can be assigned in this same pass (parents come first) */
        uint64_t at = t->nodes[p].start;
        for (size_t i = 0; i < k; i++) {
            ids[i] = (uint32_t)(kids[i] - t->nodes);
            kids[i]->start = at;
            at += kids[i]->count;
        }
        if (k) {
            t->nodes[p].first_child = ids[0];
            t->nodes[p].last_child = ids[k - 1];
            for (size_t i = 0; i < k; i++)
                t->nodes[ids[i]].next_sibling = i + 1 < k ? ids[i + 1] : NO_NODE;
        }
    }
    child_sort_set = NULL;
    child_sort_last = NO_NODE;
    free(kids);
    free(ids);
}

/* ---- output ---- */

struct out {
    FILE *f;
    struct sbuf sb;
};

static void out_flush(struct out *w)
{
    if (w->sb.len)
        fwrite(w->sb.buf, 1, w->sb.len, w->f);
    w->sb.len = 0;
    if (w->sb.buf)
        w->sb.buf[0] = '\0';
}

static void out_maybe_flush(struct out *w)
{
    if (w->sb.len > 1 << 16)
        out_flush(w);
}

/* Decodes one UTF-8 character at p (n bytes left): its length, or 0 when the
 * bytes there are not valid UTF-8 (overlong, surrogate, > U+10FFFF, cut). */
static size_t utf8_char(const unsigned char *p, size_t n, uint32_t *cp)
{
    unsigned char c = p[0];
    size_t len;
    uint32_t v, min;
    if (c < 0x80) {
        *cp = c;
        return 1;
    } else if ((c & 0xe0) == 0xc0) {
        len = 2; v = c & 0x1f; min = 0x80;
    } else if ((c & 0xf0) == 0xe0) {
        len = 3; v = c & 0x0f; min = 0x800;
    } else if ((c & 0xf8) == 0xf0) {
        len = 4; v = c & 0x07; min = 0x10000;
    } else {
        return 0;
    }
    if (n < len)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((p[i] & 0xc0) != 0x80)
            return 0;
        v = v << 6 | (p[i] & 0x3f);
    }
    if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
        return 0;
    *cp = v;
    return len;
}

/* Appends name to sb, sanitised for XML 1.0 and escaped for text and
 * attributes.  At most max_chars characters are written (0: no limit);
 * returns the number of characters the sanitised name has in total. */
static size_t xml_escape(struct sbuf *sb, const char *name, size_t len, size_t max_chars)
{
    static const char fffd[] = "\xef\xbf\xbd";
    const unsigned char *p = (const unsigned char *)name;
    size_t chars = 0, i = 0;
    while (i < len) {
        uint32_t cp;
        size_t n = utf8_char(p + i, len - i, &cp);
        int bad = n == 0 || (cp < 0x20 && cp != '\t' && cp != '\n' && cp != '\r') ||
                  cp == 0xfffe || cp == 0xffff;
        if (n == 0)
            n = 1;
        if (!max_chars || chars < max_chars) {
            if (bad) {
                sbuf_add(sb, fffd, 3);
            } else {
                switch (cp) {
                case '&': sbuf_add(sb, "&amp;", 5); break;
                case '<': sbuf_add(sb, "&lt;", 4); break;
                case '>': sbuf_add(sb, "&gt;", 4); break;
                case '"': sbuf_add(sb, "&quot;", 6); break;
                case '\'': sbuf_add(sb, "&#39;", 5); break;
                case '\t': sbuf_add(sb, "&#9;", 4); break;
                case '\n': sbuf_add(sb, "&#10;", 5); break;
                case '\r': sbuf_add(sb, "&#13;", 5); break;
                default: sbuf_add(sb, p + i, n); break;
                }
            }
        }
        chars++;
        i += n;
    }
    return chars;
}

static void xml_escape_str(struct sbuf *sb, const char *s)
{
    if (s)
        xml_escape(sb, s, strlen(s), 0);
}

/* Count with thousands separators: 1234567 -> "1,234,567"; dec: counts
 * in units of 10^-dec ("1,234.5"). */
static void add_count(struct sbuf *sb, uint64_t v, unsigned dec)
{
    char buf[SF_COUNT_STR];
    sbuf_add(sb, buf, sf_count_str(buf, v, dec, 1));
}

/* A count as a number (attributes the viewer reads, notes): "2.5". */
static void add_number(struct sbuf *sb, uint64_t v, unsigned dec)
{
    char buf[SF_COUNT_STR];
    sbuf_add(sb, buf, sf_count_str(buf, v, dec, 0));
}

/* Name clipped to chars characters with "..", as flamegraph.pl's layout. */
static void add_clipped(struct sbuf *sb, const char *name, size_t len, size_t chars)
{
    if (chars < 3)
        return;
    size_t mark = sb->len;
    size_t total = xml_escape(sb, name, len, chars);
    if (total > chars) {
        sb->len = mark;
        xml_escape(sb, name, len, chars - 2);
        sbuf_add(sb, "..", 2);
    }
}

struct layout {
    enum svg_palette pal;       /* o->colors, auto resolved */
    const struct svg_opts *o;
    struct stack_set *s;
    struct tree *t;
    double scale;               /* px per sample */
    unsigned height, ypad1, ypad2;
    uint32_t max_depth;
    uint64_t omitted;
    uint64_t max_delta;         /* diff colouring */
    uint32_t aside;             /* node of svg_opts.aside (a root child), or NO_NODE */
    uint64_t shown;             /* samples the root box counts: all but the aside */
};

static int node_visible(const struct layout *L, const struct node *n)
{
    if (L->o->minwidth_pct)
        return (double)n->count * 100.0 >= L->o->minwidth * (double)L->shown;
    return (double)n->count * L->scale >= L->o->minwidth;
}

/* Depth of the deepest visible frame and the number omitted (iterative DFS). */
static void layout_measure(struct layout *L)
{
    struct tree *t = L->t;
    uint32_t *todo = NULL, *sub = NULL;
    size_t nr = 0, cap = 0, scap = 0;
    todo = xgrow(todo, sizeof(*todo), 1, &cap);
    todo[nr++] = 0;
    while (nr) {
        uint32_t id = todo[--nr];
        const struct node *n = &t->nodes[id];
        if (id && !node_visible(L, n)) {
            /* the whole subtree is omitted: count it without drawing */
            size_t snr = 0;
            sub = xgrow(sub, sizeof(*sub), 1, &scap);
            sub[snr++] = id;
            while (snr) {
                uint32_t x = sub[--snr];
                L->omitted++;
                for (uint32_t c = t->nodes[x].first_child; c != NO_NODE; c = t->nodes[c].next_sibling) {
                    sub = xgrow(sub, sizeof(*sub), snr + 1, &scap);
                    sub[snr++] = c;
                }
            }
            continue;
        }
        if (n->depth > L->max_depth)
            L->max_depth = n->depth;
        if (L->o->compare && id) {
            uint64_t d = n->count > n->other ? n->count - n->other : n->other - n->count;
            if (d > L->max_delta)
                L->max_delta = d;
        }
        for (uint32_t c = n->first_child; c != NO_NODE; c = t->nodes[c].next_sibling) {
            todo = xgrow(todo, sizeof(*todo), nr + 1, &cap);
            todo[nr++] = c;
        }
    }
    free(sub);
    free(todo);
}

static void diff_style(const struct layout *L, const struct node *n, struct svg_node_style *st)
{
    /* red: more samples than before, blue: fewer; saturation by |delta| */
    int r = 255, g = 255, b = 255;
    if (L->max_delta) {
        double f = (double)(n->count > n->other ? n->count - n->other : n->other - n->count) /
                   (double)L->max_delta;
        if (f > 1)          /* the root's delta is not in max_delta */
            f = 1;
        int fade = (int)(210 * f);
        if (n->count > n->other)
            g = b = 255 - fade;
        else if (n->count < n->other)
            r = g = 255 - fade;
    }
    snprintf(st->fill, sizeof(st->fill), "rgb(%d,%d,%d)", r, g, b);
    double share = L->t->nodes[0].count ? 100.0 * ((double)n->count - (double)n->other) /
                                              (double)L->t->nodes[0].count : 0;
    char before[SF_COUNT_STR];
    sf_count_str(before, n->other, L->o->count_decimals, 0);
    if (snprintf(st->note, sizeof(st->note), "before %s, %+.2f%%", before, share) < 0)
        st->note[0] = '\0';
}

/* Only a conservative subset of CSS colour text passes from a hook. */
static int fill_is_safe(const char *f)
{
    if (!*f)
        return 0;
    for (; *f; f++)
        if (!((*f >= 'a' && *f <= 'z') || (*f >= 'A' && *f <= 'Z') || (*f >= '0' && *f <= '9') ||
              *f == '#' || *f == '(' || *f == ')' || *f == ',' || *f == '.' || *f == ' ' || *f == '%'))
            return 0;
    return 1;
}

static void emit_frame(struct layout *L, struct out *w, uint32_t id, const uint32_t *path,
                       struct colour_rng *rng)
{
    const struct svg_opts *o = L->o;
    const struct node *n = &L->t->nodes[id];
    const char *name = id ? stack_name(L->s, n->name) : "all";
    size_t len = id ? stack_name_len(L->s, n->name) : 3;
    double x = XPAD + (double)n->start * L->scale;
    double wd = (double)(id ? n->count : L->shown) * L->scale;
    int aside = L->aside != NO_NODE && n->depth >= 1 && path[0] == L->t->nodes[L->aside].name;
    double y;
    if (o->inverted)
        y = L->ypad1 + (double)n->depth * o->frame_height;
    else
        y = (double)L->height - L->ypad2 - (double)(n->depth + 1) * o->frame_height + FRAMEPAD;
    double h = (double)o->frame_height - FRAMEPAD;

    struct svg_node_style st = { "", "" };
    int leaf = o->reverse ? n->depth == 1 : n->self > 0;
    enum svg_kind kind = id == 0 || (!o->reverse && n->depth == 1) ? SVG_KIND_ROOT
                         : svg_classify(name, len, leaf);
    double v[3];
    colour_vars(o, rng, name, len, v);
    palette_colour(L->pal, kind, name, len, v, st.fill, sizeof(st.fill));
    if (o->compare)
        diff_style(L, n, &st);
    if (o->style) {
        struct svg_node_style hook = { "", "" };
        struct svg_node_info info = {
            .set = L->s, .path = path, .depth = n->depth, .count = n->count, .self = n->self,
            .parent_count = id ? L->t->nodes[n->parent].count : n->count,
            .total = L->shown, .other = n->other,
            .other_total = o->compare ? stack_total(o->compare) : 0,
        };
        o->style(o->style_arg, &info, &hook);
        hook.fill[sizeof(hook.fill) - 1] = '\0';
        hook.note[sizeof(hook.note) - 1] = '\0';
        if (fill_is_safe(hook.fill))
            memcpy(st.fill, hook.fill, sizeof(st.fill));
        if (hook.note[0])
            memcpy(st.note, hook.note, sizeof(st.note));
    }

    struct sbuf *sb = &w->sb;
    uint64_t count = id ? n->count : L->shown;
    sbuf_addstr(sb, "<g data-n=\"");
    add_number(sb, count, o->count_decimals);
    sbuf_addf(sb, "\"%s><title>", id ? aside ? " data-aside=\"1\"" : "" : " data-root=\"1\"");
    /* FlameGraph's _[k]/_[j]/_[i]/_[w] annotations colour a frame; labels
     * and tooltips show the name without them, as flamegraph.pl does */
    size_t shown_len = id ? svg_label_len(name, len) : len;
    xml_escape(sb, name, shown_len, 0);
    sbuf_add(sb, " (", 2);
    add_count(sb, count, o->count_decimals);
    sbuf_addch(sb, ' ');
    xml_escape_str(sb, o->countname);
    double pct = L->shown ? 100.0 * (double)count / (double)L->shown : 0;
    sbuf_add(sb, ", ", 2);
    sbuf_add_fixed(sb, pct, 2);
    sbuf_addch(sb, '%');
    if (id) {
        uint64_t pc = n->parent ? L->t->nodes[n->parent].count : L->shown;
        sbuf_add(sb, "; ", 2);
        sbuf_add_fixed(sb, pc ? 100.0 * (double)n->count / (double)pc : 0, 2);
        sbuf_add(sb, "% of parent", 11);
    }
    if (st.note[0]) {
        sbuf_add(sb, "; ", 2);
        xml_escape_str(sb, st.note);
    }
    /* six numbers a frame: printf's exact formatting was a sixth of svg's
     * time on large folded files */
    sbuf_addstr(sb, ")</title><rect x=\"");
    sbuf_add_fixed(sb, x, 2);
    sbuf_addstr(sb, "\" y=\"");
    sbuf_add_fixed(sb, y, 1);
    sbuf_addstr(sb, "\" width=\"");
    sbuf_add_fixed(sb, wd, 2);
    sbuf_addstr(sb, "\" height=\"");
    sbuf_add_fixed(sb, h, 1);
    sbuf_addstr(sb, "\" fill=\"");
    sbuf_addstr(sb, st.fill);
    sbuf_addstr(sb, "\" rx=\"2\" ry=\"2\"/><text x=\"");
    sbuf_add_fixed(sb, x + 3, 2);
    sbuf_addstr(sb, "\" y=\"");
    sbuf_add_fixed(sb, y + h / 2 + (double)o->fontsize / 2 - 2, 1);
    sbuf_addstr(sb, "\">");
    add_clipped(sb, name, shown_len, (size_t)(wd / ((double)o->fontsize * FONTWIDTH)));
    sbuf_add(sb, "</text></g>\n", 12);
    out_maybe_flush(w);
}

/* Draws visible frames parents first (DFS pre-order), so a later frame never
 * hides its parent and the file order is deterministic. */
static void emit_frames(struct layout *L, struct out *w)
{
    struct tree *t = L->t;
    uint32_t *todo = NULL, *path = NULL;
    size_t nr = 0, cap = 0, pcap = 0;
    struct colour_rng rng = { 0x5f1a3e };
    todo = xgrow(todo, sizeof(*todo), 1, &cap);
    todo[nr++] = 0;
    path = xgrow(path, sizeof(*path), (size_t)L->max_depth + 2, &pcap);
    uint32_t *kids = NULL;
    size_t kcap = 0;
    while (nr) {
        uint32_t id = todo[--nr];
        const struct node *n = &t->nodes[id];
        if (id) {
            path = xgrow(path, sizeof(*path), n->depth + 1, &pcap);
            path[n->depth - 1] = n->name;
        }
        emit_frame(L, w, id, path, &rng);
        /* push visible children in reverse so they come out in order */
        size_t k = 0;
        for (uint32_t c = n->first_child; c != NO_NODE; c = t->nodes[c].next_sibling)
            if (node_visible(L, &t->nodes[c])) {
                kids = xgrow(kids, sizeof(*kids), k + 1, &kcap);
                kids[k++] = c;
            }
        todo = xgrow(todo, sizeof(*todo), nr + k, &cap);
        while (k)
            todo[nr++] = kids[--k];
    }
    free(kids);
    free(todo);
    free(path);
}

/* Estimated width of a legend item (swatch, label, gap), in px. */
static double legend_item_width(const struct svg_opts *o, const struct svg_legend_item *it)
{
    struct sbuf tmp = SBUF_INIT;
    size_t chars = it->label ? xml_escape(&tmp, it->label, strlen(it->label), 0) : 0;
    sbuf_release(&tmp);
    double fs = o->fontsize;
    return (it->fill && *it->fill ? fs + 4 : 0) + (double)chars * fs * FONTWIDTH + fs * 1.5;
}

/* Rows the legend takes (emit_header wraps the same way). */
static unsigned legend_rows(const struct svg_opts *o)
{
    unsigned rows = o->nr_legend ? 1 : 0;
    double lx = XPAD;
    for (size_t i = 0; i < o->nr_legend; i++) {
        double iw = legend_item_width(o, &o->legend[i]);
        if (lx > XPAD && lx + iw > o->width - XPAD) {
            lx = XPAD;
            rows++;
        }
        lx += iw;
    }
    return rows;
}

static void emit_header(struct layout *L, struct out *w, uint64_t nr_stacks)
{
    const struct svg_opts *o = L->o;
    struct sbuf *sb = &w->sb;
    unsigned fs = o->fontsize;
    const char *title = o->title ? o->title
                        : o->flamechart ? "Flame Chart"
                        : o->inverted ? "Icicle Graph" : "Flame Graph";
    sbuf_addf(sb, "<text id=\"title\" x=\"%u\" y=\"%u\">", o->width / 2, fs * 2);
    xml_escape_str(sb, title);
    sbuf_add(sb, "</text>\n", 8);
    if (o->subtitle) {
        sbuf_addf(sb, "<text id=\"subtitle\" x=\"%u\" y=\"%u\">", o->width / 2, fs * 4);
        xml_escape_str(sb, o->subtitle);
        sbuf_add(sb, "</text>\n", 8);
    }
    if (o->nr_legend) {
        /* swatches and labels in rows; widths estimated like the frames' text */
        double lx = XPAD;
        unsigned ly = fs * (o->subtitle ? 6 : 4);
        sbuf_addstr(sb, "<g id=\"legend\">");
        for (size_t i = 0; i < o->nr_legend; i++) {
            const struct svg_legend_item *it = &o->legend[i];
            double iw = legend_item_width(o, it);
            if (lx > XPAD && lx + iw > o->width - XPAD) {
                lx = XPAD;
                ly += fs * 3 / 2;
            }
            if (it->fill && fill_is_safe(it->fill)) {
                sbuf_addf(sb, "<rect x=\"%.1f\" y=\"%u\" width=\"%u\" height=\"%u\" fill=\"%s\" "
                          "stroke=\"rgb(120,120,120)\" stroke-width=\"0.5\"/>",
                          lx, ly - fs + 2, fs, fs, it->fill);
                lx += fs + 4;
            }
            sbuf_addf(sb, "<text x=\"%.1f\" y=\"%u\">", lx, ly);
            size_t chars = xml_escape(sb, it->label ? it->label : "",
                                      it->label ? strlen(it->label) : 0, 0);
            sbuf_add(sb, "</text>", 7);
            lx += (double)chars * fs * FONTWIDTH + fs * 1.5;
        }
        sbuf_add(sb, "</g>\n", 5);
    }
    sbuf_addf(sb, "<text id=\"unzoom\" class=\"hide\" x=\"%d\" y=\"%u\">Reset Zoom</text>\n",
              XPAD, fs * 2);
    sbuf_addf(sb, "<text id=\"search\" x=\"%u\" y=\"%u\">Search</text>\n", o->width - XPAD, fs * 2);
    /* left of "Reset Search": the case-insensitive toggle */
    sbuf_addf(sb, "<text id=\"ignorecase\" x=\"%u\" y=\"%u\"><title>case-insensitive search "
              "(Ctrl-I)</title>ic</text>\n", o->width - XPAD - fs * 8, fs * 2);
    sbuf_addf(sb, "<text id=\"details\" x=\"%d\" y=\"%u\"> </text>\n", XPAD,
              L->height - L->ypad2 + fs * 2);
    sbuf_addf(sb, "<text id=\"matched\" x=\"%u\" y=\"%u\"> </text>\n", o->width - XPAD,
              L->height - L->ypad2 + fs * 2);
    sbuf_addf(sb, "<text id=\"totals\" x=\"%d\" y=\"%u\">Total: ", XPAD, L->height - fs / 2 - 2);
    add_count(sb, L->shown, o->count_decimals);
    sbuf_addch(sb, ' ');
    xml_escape_str(sb, o->countname);
    sbuf_add(sb, ", ", 2);
    add_count(sb, nr_stacks, 0);
    sbuf_addstr(sb, nr_stacks == 1 ? " unique stack" : " unique stacks");
    if (L->omitted) {
        sbuf_add(sb, "; ", 2);
        add_count(sb, L->omitted, 0);
        sbuf_addf(sb, " frame%s narrower than %g%s omitted", L->omitted == 1 ? "" : "s",
                  o->minwidth, o->minwidth_pct ? "%" : " px");
    }
    sbuf_add(sb, "</text>\n", 8);
    if (!L->t->nodes[0].count)
        sbuf_addf(sb, "<text id=\"empty\" x=\"%u\" y=\"%u\" text-anchor=\"middle\">"
                  "No stack counts found</text>\n", o->width / 2, fs * 6);
}

/* Copies the template, replacing @KEY@ markers. */
static void fill_template(struct layout *L, struct out *w, uint64_t nr_stacks)
{
    const struct svg_opts *o = L->o;
    const char *p = tpl_flame_svg_in, *end = p + tpl_flame_svg_in_len;
    struct sbuf *sb = &w->sb;
    while (p < end) {
        const char *at = memchr(p, '@', (size_t)(end - p));
        const char *close = at ? memchr(at + 1, '@', (size_t)(end - at - 1)) : NULL;
        if (!close) {
            sbuf_add(sb, p, (size_t)(end - p));
            break;
        }
        sbuf_add(sb, p, (size_t)(at - p));
        size_t klen = (size_t)(close - at - 1);
        char key[16] = "";
        if (klen < sizeof(key))
            memcpy(key, at + 1, klen);
        p = close + 1;
        if (!strcmp(key, "WIDTH")) {
            sbuf_addf(sb, "%u", o->width);
        } else if (!strcmp(key, "HEIGHT")) {
            sbuf_addf(sb, "%u", L->height);
        } else if (!strcmp(key, "FONTTYPE")) {
            xml_escape_str(sb, o->fonttype);
        } else if (!strcmp(key, "FONTSIZE")) {
            sbuf_addf(sb, "%u", o->fontsize);
        } else if (!strcmp(key, "FONTWIDTH")) {
            sbuf_addf(sb, "%.2f", FONTWIDTH);
        } else if (!strcmp(key, "XPAD")) {
            sbuf_addf(sb, "%d", XPAD);
        } else if (!strcmp(key, "INVERTED")) {
            sbuf_addf(sb, "%d", o->inverted ? 1 : 0);
        } else if (!strcmp(key, "NAMETYPE")) {
            xml_escape_str(sb, o->nametype);
        } else if (!strcmp(key, "COUNTNAME")) {
            xml_escape_str(sb, o->countname);
        } else if (!strcmp(key, "TOTAL")) {
            add_number(sb, L->shown, o->count_decimals);
        } else if (!strcmp(key, "NOTES")) {
            xml_escape_str(sb, o->notes);
        } else if (!strcmp(key, "CSS")) {
            sbuf_add(sb, tpl_flame_css, tpl_flame_css_len);
        } else if (!strcmp(key, "JS")) {
            sbuf_add(sb, tpl_flame_js, tpl_flame_js_len);
        } else if (!strcmp(key, "HEADER")) {
            emit_header(L, w, nr_stacks);
        } else if (!strcmp(key, "FRAMES")) {
            if (L->t->nodes[0].count)
                emit_frames(L, w);
        } else {
            /* not a marker: keep the text, and rescan from the second '@' */
            sbuf_add(sb, at, 1);
            p = at + 1;
        }
        out_maybe_flush(w);
    }
}

int svg_write(struct stack_set *s, const struct svg_opts *o, FILE *out, struct sf_err *err)
{
    if (o->width < 2 * XPAD + 10 || o->width > 1000000)
        return sf_error(err, "svg: bad width %u (use 30..1000000)", o->width);
    if (o->frame_height < 2 || o->frame_height > 1000)
        return sf_error(err, "svg: bad frame height %u (use 2..1000)", o->frame_height);
    if (o->fontsize < 1 || o->fontsize > 500)
        return sf_error(err, "svg: bad font size %u (use 1..500)", o->fontsize);
    if (!(o->minwidth >= 0) || !isfinite(o->minwidth) || (o->minwidth_pct && o->minwidth > 100))
        return sf_error(err, "svg: bad minimum width %g", o->minwidth);

    struct tree t = { .names = s, .aside_name = NO_NODE };
    tree_new_node(&t, NO_NODE, 0);
    uint32_t aside = NO_NODE;
    if (o->flamechart) {
        tree_build_chart(&t, s, o);
    } else {
        tree_build_merged(&t, s, o);
        size_t alen = o->aside ? strlen(o->aside) : 0;
        for (uint32_t c = t.nodes[0].first_child; alen && c != NO_NODE; c = t.nodes[c].next_sibling)
            if (stack_name_len(s, t.nodes[c].name) == alen &&
                !memcmp(stack_name(s, t.nodes[c].name), o->aside, alen)) {
                aside = c;
                t.aside_name = t.nodes[c].name;
            }
        tree_layout_sorted(&t);
    }
    struct layout L = { .o = o, .s = s, .t = &t, .aside = aside };
    L.pal = o->colors == SVG_PAL_AUTO ? svg_palette_auto(s) : o->colors;
    uint64_t total = t.nodes[0].count;
    L.shown = total - (aside != NO_NODE ? t.nodes[aside].count : 0);
    L.scale = total ? (double)(o->width - 2 * XPAD) / (double)total : 0;
    layout_measure(&L);
    L.ypad1 = o->fontsize * (3 + (o->subtitle ? 2 : 0)) +
              (o->nr_legend ? o->fontsize / 2 + legend_rows(o) * o->fontsize * 3 / 2 : 0);
    L.ypad2 = o->fontsize * 4 + 10;
    L.height = (L.max_depth + 1) * o->frame_height + L.ypad1 + L.ypad2;
    if (!total)
        L.height += o->fontsize * 4;

    struct out w = { out, SBUF_INIT };
    fill_template(&L, &w, stack_nr_stacks(s));
    out_flush(&w);
    sbuf_release(&w.sb);
    free(t.nodes);
    free(t.slots);
    if (fflush(out) != 0 || ferror(out))
        return sf_error(err, "cannot write SVG: %s", strerror(errno));
    return 0;
}
