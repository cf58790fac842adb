/* symbolize.c - BINARIES stage: turns a link-time address of a binary into
 * named frames for the aggregator and writers: Go frames from the pclntab,
 * C frames from the ELF symbol table plus inlined frames and file:line from
 * DWARF, named the way perf 6.1 (with binutils addr2line) names them. */
#include "symbolize.h"
#include "demangle.h"
#include "hashtab.h"
#include "strtab.h"
#include "sf_int.h"
#include "dwimage.h"
#include "gosym.h"

#include <elfutils/libdw.h>
#include <dwarf.h>
#include <gelf.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define MAX_FRAMES 64
#define NR_STRIPES 64
#define STRIPE_SETS 64
#define WAYS 4                 /* set-associative: a direct-mapped table
                                  thrashed on colliding hot addresses */

struct csym {
    uint64_t start, end;
    const char *name;          /* perf's pick among aliases */
    const char *bfd_name;      /* binutils' pick (used when DWARF has a line
                                  but no function) */
};

struct cu_range {
    uint64_t lo, hi;
    Dwarf_Off cu_die;
};

/* One subprogram or inlined_subroutine of a CU, and its nearest enclosing
 * one: walking the CU once per lookup (dwarf_getscopes, then
 * dwarf_getscopes_die) cost ~1.6 M instructions per new C address. */
struct fn_ent {
    Dwarf_Die die;
    int parent;                /* index in the CU's list, -1 at the top */
    int depth;                 /* DIE nesting depth */
};

struct fn_range {
    uint64_t lo, hi;
    size_t ent;
};

struct cu_fns {
    Dwarf_Off cu_die;
    struct fn_ent *ents;
    size_t nr_ents, cap_ents;
    struct fn_range *ranges;
    size_t nr_ranges, cap_ranges;
};

struct cache_slot {
    uint64_t addr;             /* lookup address */
    int used, no_inline, n;
    struct sym_frame *frames;
};

struct cache_set {
    struct cache_slot way[WAYS];
    unsigned next;             /* round-robin victim */
};

/* A stripe's sets grow as they fill: one at first, doubled (up to
 * STRIPE_SETS) when an entry would evict another, so a binary with a few
 * hot addresses (most of a system-wide capture's ~100) holds a few KB
 * instead of the whole table. */
struct stripe {
    pthread_mutex_t lock;
    struct cache_set *sets;
    unsigned nr_sets;          /* a power of two, 1..STRIPE_SETS */
};

struct symstate {
    struct csym *syms;         /* loaded on first need (syms_ready): a Go
                                  binary's pclntab names nearly every pc */
    size_t nr_syms;
    int syms_loaded;           /* atomic */
    pthread_mutex_t syms_lock;
    Dwarf *dw;
    struct dwimage img;        /* owns dw when it was opened from an image */
    Elf *dw_from[2];           /* debug file, code file: DWARF opened lazily */
    int dw_tried;
    int dw_loading;            /* atomic: a thread is in dwarf_open_locked */
    pthread_mutex_t dw_lock;   /* libdw lookups on one handle are not
                                  thread-safe; guards dw_tried too */
    struct cu_range *cus;
    size_t nr_cus;
    int cus_loaded;            /* cus filled (only when aranges fall short) */
    struct cu_fns *fns;        /* function indexes of the CUs looked up */
    size_t nr_fns, cap_fns;
    struct stripe *stripes;
    pthread_mutex_t dm_lock;   /* demangled names, keyed by the mangled
                                  string's address (symbols and DWARF
                                  strings live as long as the binary) */
    struct u64map demangled;   /* address -> id in dm_names, or UINT32_MAX
                                  when the name does not demangle */
    struct strtab dm_names;
};

/* ---- C++ names ---- */

/* `name` as perf prints it: C++ names demangled (once per string). */
static const char *pretty(struct symstate *st, const char *name)
{
    if (!name || name[0] != '_' || name[1] != 'Z')
        return name;
    pthread_mutex_lock(&st->dm_lock);
    const uint32_t *id = u64map_get(&st->demangled, (uintptr_t)name);
    uint32_t sid = id ? *id : UINT32_MAX;
    if (!id) {
        char *d = sf_demangle(name);
        if (d)
            sid = strtab_id(&st->dm_names, d, strlen(d));
        u64map_put(&st->demangled, (uintptr_t)name, sid);
        free(d);
    }
    const char *r = sid == UINT32_MAX ? name : strtab_str(&st->dm_names, sid);
    pthread_mutex_unlock(&st->dm_lock);
    return r;
}

/* ---- ELF symbols, perf style ---- */

struct rawsym {
    uint64_t start, size;
    const char *name;
    size_t idx;
    int bind, type;
};

/* raw[0..n) in symbol table order sorted by start, then table order: a
 * stable LSD radix sort over the bytes of start that differ between
 * symbols (libc's 10,000 took 3.5 M instructions through qsort). */
static void rawsym_sort(struct rawsym *raw, size_t n)
{
    if (n < 2)
        return;
    uint64_t differ = 0;
    for (size_t i = 1; i < n; i++)
        differ |= raw[i].start ^ raw[0].start;
    struct rawsym *tmp = xmalloc(n * sizeof(*tmp)), *from = raw, *to = tmp;
    for (unsigned shift = 0; shift < 64; shift += 8) {
        if (!((differ >> shift) & 0xff))
            continue;
        size_t at[256] = { 0 };
        for (size_t i = 0; i < n; i++)
            at[(from[i].start >> shift) & 0xff]++;
        for (size_t d = 0, sum = 0; d < 256; d++) {
            size_t c = at[d];
            at[d] = sum;
            sum += c;
        }
        for (size_t i = 0; i < n; i++)
            to[at[(from[i].start >> shift) & 0xff]++] = from[i];
        struct rawsym *t = from;
        from = to;
        to = t;
    }
    if (from != raw)
        memcpy(raw, from, n * sizeof(*raw));
    free(tmp);
}

static int leading_underscores(const char *s)
{
    int n = 0;
    while (s[n] == '_')
        n++;
    return n;
}

/* perf's choose_best_symbol: 1 if b beats a. */
static int perf_prefers_b(const struct rawsym *a, const struct rawsym *b)
{
    if (a->size && !b->size)
        return 0;
    if (!a->size && b->size)
        return 1;
    int aw = a->bind == STB_WEAK, bw = b->bind == STB_WEAK;
    if (aw != bw)
        return aw;
    int ag = a->bind == STB_GLOBAL, bg = b->bind == STB_GLOBAL;
    if (ag != bg)
        return bg;
    int au = leading_underscores(a->name), bu = leading_underscores(b->name);
    if (au != bu)
        return bu < au;
    size_t al = strlen(a->name), bl = strlen(b->name);
    return bl > al;
}

/* binutils' better_fit among symbols at one address: functions over
 * others, typed over untyped, smaller over larger, else the first. */
static int bfd_prefers_b(const struct rawsym *a, const struct rawsym *b)
{
    int af = a->type == STT_FUNC || a->type == STT_GNU_IFUNC;
    int bf = b->type == STT_FUNC || b->type == STT_GNU_IFUNC;
    if (af != bf)
        return bf;
    int an = a->type == STT_NOTYPE, bn = b->type == STT_NOTYPE;
    if (an != bn)
        return an;
    return b->size < a->size;
}

static Elf_Scn *find_symtab(Elf *elf, Elf64_Word type)
{
    Elf_Scn *scn = NULL;
    while ((scn = elf_nextscn(elf, scn)) != NULL) {
        GElf_Shdr sh;
        if (gelf_getshdr(scn, &sh) && sh.sh_type == type && sh.sh_size > 0)
            return scn;
    }
    return NULL;
}

static int section_ok(Elf *elf, size_t shndx, int is_label)
{
    Elf_Scn *scn = elf_getscn(elf, shndx);
    GElf_Shdr sh;
    if (!scn || !gelf_getshdr(scn, &sh) || !(sh.sh_flags & SHF_ALLOC))
        return 0;
    if (!is_label)
        return 1;
    size_t shstrndx;
    if (elf_getshdrstrndx(elf, &shstrndx) != 0)
        return 0;
    const char *n = elf_strptr(elf, shstrndx, sh.sh_name);
    return n && (strstr(n, "text") || strstr(n, "data"));
}

static void load_syms(struct symstate *st, Elf *elf, Elf_Scn *scn)
{
    GElf_Shdr sh;
    Elf_Data *d = elf_getdata(scn, NULL);
    if (!gelf_getshdr(scn, &sh) || !d || !sh.sh_entsize)
        return;
    size_t n = sh.sh_size / sh.sh_entsize;
    struct rawsym *raw = xcalloc(n ? n : 1, sizeof(*raw));
    size_t nr = 0;
    for (size_t i = 1; i < n; i++) {
        GElf_Sym s;
        if (!gelf_getsym(d, (int)i, &s))
            continue;
        int type = GELF_ST_TYPE(s.st_info), bind = GELF_ST_BIND(s.st_info);
        int vis = GELF_ST_VISIBILITY(s.st_other);
        if (s.st_name == 0 || s.st_shndx == SHN_UNDEF || s.st_shndx >= SHN_LORESERVE)
            continue;
        int is_label = type == STT_NOTYPE && vis != STV_HIDDEN && vis != STV_INTERNAL;
        if (type != STT_FUNC && type != STT_GNU_IFUNC && type != STT_OBJECT && !is_label)
            continue;
        if (!section_ok(elf, s.st_shndx, is_label))
            continue;
        const char *name = elf_strptr(elf, sh.sh_link, s.st_name);
        if (!name || !*name)
            continue;
        raw[nr++] = (struct rawsym){ s.st_value, s.st_size, name, i, bind, type };
    }
    rawsym_sort(raw, nr);        /* raw is in table order (idx) */
    st->syms = xcalloc(nr ? nr : 1, sizeof(*st->syms));
    size_t out = 0;
    for (size_t i = 0; i < nr;) {
        size_t j = i + 1;
        const struct rawsym *best = &raw[i], *bfd = &raw[i];
        while (j < nr && raw[j].start == raw[i].start) {
            if (perf_prefers_b(best, &raw[j]))
                best = &raw[j];
            if (bfd_prefers_b(bfd, &raw[j]))
                bfd = &raw[j];
            j++;
        }
        st->syms[out].start = best->start;
        st->syms[out].end = best->start + best->size;
        st->syms[out].name = best->name;
        st->syms[out].bfd_name = bfd->name;
        out++;
        i = j;
    }
    /* perf extends a zero-size symbol to the next one (the last to the end
     * of its page plus one page) */
    for (size_t i = 0; i < out; i++) {
        struct csym *c = &st->syms[i];
        if (c->end != c->start)
            continue;
        if (i + 1 < out)
            c->end = st->syms[i + 1].start;
        else
            c->end = ((c->start + 4095) & ~4095ULL) + 4096;
    }
    st->nr_syms = out;
    free(raw);
}

static const struct csym *find_sym(const struct symstate *st, uint64_t addr)
{
    size_t lo = 0, hi = st->nr_syms;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (st->syms[mid].start <= addr)
            lo = mid + 1;
        else
            hi = mid;
    }
    /* the nearest start first; a few steps back for symbols that contain
     * smaller ones */
    for (size_t k = 0; k < 4 && lo > k; k++) {
        const struct csym *c = &st->syms[lo - 1 - k];
        if (addr < c->end || (addr == c->start && c->end == c->start))
            return c;
    }
    return NULL;
}

/* ---- DWARF ---- */

static int cu_cmp(const void *a, const void *b)
{
    const struct cu_range *x = a, *y = b;
    return x->lo < y->lo ? -1 : x->lo > y->lo;
}

static void load_cus(struct symstate *st)
{
    Dwarf_Off off = 0, next;
    size_t hsize, cap = 0;
    for (int guard = 0; guard < 1000000; guard++) {
        if (dwarf_nextcu(st->dw, off, &next, &hsize, NULL, NULL, NULL) != 0)
            break;
        Dwarf_Die cu;
        if (dwarf_offdie(st->dw, off + hsize, &cu)) {
            Dwarf_Addr base, lo, hi;
            ptrdiff_t r = 0;
            for (int k = 0; k < 100000; k++) {
                r = dwarf_ranges(&cu, r, &base, &lo, &hi);
                if (r <= 0)
                    break;
                if (hi <= lo)
                    continue;
                st->cus = xgrow(st->cus, sizeof(*st->cus), st->nr_cus + 1, &cap);
                st->cus[st->nr_cus++] = (struct cu_range){ lo, hi, off + hsize };
            }
        }
        off = next;
    }
    if (st->nr_cus)
        qsort(st->cus, st->nr_cus, sizeof(*st->cus), cu_cmp);
}

/* .debug_aranges (when the compiler wrote them) names the CU of an address
 * without touching every CU's DIE: listing libc's ~4,400 CU ranges took
 * ~33 M instructions (each CU's abbreviations are read for its first DIE).
 * Addresses the aranges miss still get the full list. */
static int find_cu(struct symstate *st, uint64_t addr, Dwarf_Die *cu)
{
    if (dwarf_addrdie(st->dw, addr, cu) != NULL)
        return 1;
    if (!st->cus_loaded) {
        st->cus_loaded = 1;
        load_cus(st);
    }
    size_t lo = 0, hi = st->nr_cus;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (st->cus[mid].lo <= addr)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (size_t k = 0; k < 8 && lo > k; k++) {
        const struct cu_range *r = &st->cus[lo - 1 - k];
        if (addr < r->hi)
            return dwarf_offdie(st->dw, r->cu_die, cu) != NULL;
    }
    return 0;
}

#define FN_MAX_DEPTH 64
#define FN_MAX_DIES 4000000

/* Whether a C compilation unit: its types hold no code, so a walk for
 * functions need not enter them (libc's CUs are mostly the members of the
 * structs their headers declare: the walk took ~10 % of svg's instructions
 * on the medium bench capture). */
static int c_unit(Dwarf_Die *cu)
{
    switch (dwarf_srclang(cu)) {
    case DW_LANG_C89:
    case DW_LANG_C:
    case DW_LANG_C99:
    case DW_LANG_C11:
    case 0x2c:                 /* DW_LANG_C17 */
        return 1;
    default:
        return 0;
    }
}

static int is_c_type(int tag)
{
    return tag == DW_TAG_structure_type || tag == DW_TAG_union_type ||
           tag == DW_TAG_enumeration_type || tag == DW_TAG_subroutine_type ||
           tag == DW_TAG_array_type;
}

/* Depth-first over the DIEs under die, recording every subprogram and
 * inlined_subroutine with its address ranges (`c`: a C unit, whose types
 * are not entered); *budget bounds the walk. */
static void index_fns(struct cu_fns *f, Dwarf_Die *die, int parent, int depth, int c,
                      long *budget)
{
    Dwarf_Die child;
    if (depth >= FN_MAX_DEPTH || dwarf_child(die, &child) != 0)
        return;
    do {
        if (--*budget < 0)
            return;
        int tag = dwarf_tag(&child), up = parent;
        if (tag == DW_TAG_subprogram || tag == DW_TAG_inlined_subroutine) {
            f->ents = xgrow(f->ents, sizeof(*f->ents), f->nr_ents + 1, &f->cap_ents);
            f->ents[f->nr_ents] = (struct fn_ent){ child, parent, depth };
            up = (int)f->nr_ents++;
            Dwarf_Addr base, lo, hi;
            ptrdiff_t r = 0;
            for (int k = 0; k < 100000; k++) {
                r = dwarf_ranges(&child, r, &base, &lo, &hi);
                if (r <= 0)
                    break;
                if (hi <= lo)
                    continue;
                f->ranges = xgrow(f->ranges, sizeof(*f->ranges), f->nr_ranges + 1,
                                  &f->cap_ranges);
                f->ranges[f->nr_ranges++] = (struct fn_range){ lo, hi, (size_t)up };
            }
        }
        /* a call site's children are its parameters, in any language */
        if (dwarf_haschildren(&child) && !(c && is_c_type(tag)) &&
            tag != DW_TAG_call_site && tag != DW_TAG_GNU_call_site)
            index_fns(f, &child, up, depth + 1, c, budget);
    } while (dwarf_siblingof(&child, &child) == 0);
}

static struct cu_fns *cu_fns_of(struct symstate *st, Dwarf_Die *cu)
{
    Dwarf_Off off = dwarf_dieoffset(cu);
    for (size_t i = 0; i < st->nr_fns; i++)
        if (st->fns[i].cu_die == off)
            return &st->fns[i];
    st->fns = xgrow(st->fns, sizeof(*st->fns), st->nr_fns + 1, &st->cap_fns);
    struct cu_fns *f = &st->fns[st->nr_fns++];
    memset(f, 0, sizeof(*f));
    f->cu_die = off;
    long budget = FN_MAX_DIES;
    index_fns(f, cu, -1, 1, c_unit(cu), &budget);
    return f;
}

/* The innermost subprogram or inlined_subroutine whose ranges hold addr
 * (the deepest; the first in DIE order among equals), or -1. */
static int innermost_fn(const struct cu_fns *f, uint64_t addr)
{
    int best = -1;
    for (size_t i = 0; i < f->nr_ranges; i++) {
        const struct fn_range *r = &f->ranges[i];
        if (addr < r->lo || addr >= r->hi)
            continue;
        if (best < 0 || f->ents[r->ent].depth > f->ents[best].depth ||
            (f->ents[r->ent].depth == f->ents[best].depth && (int)r->ent < best))
            best = (int)r->ent;
    }
    return best;
}

static const char *die_name(Dwarf_Die *die)
{
    static const int attrs[] = { DW_AT_linkage_name, DW_AT_MIPS_linkage_name, DW_AT_name };
    for (size_t i = 0; i < SF_ARRAY_SIZE(attrs); i++) {
        Dwarf_Attribute a;
        if (dwarf_attr_integrate(die, attrs[i], &a)) {
            const char *s = dwarf_formstring(&a);
            if (s)
                return s;
        }
    }
    return NULL;
}

static const char *call_file(Dwarf_Die *cu, Dwarf_Die *die, int *line)
{
    Dwarf_Attribute a;
    Dwarf_Word w;
    *line = 0;
    if (dwarf_attr(die, DW_AT_call_line, &a) && dwarf_formudata(&a, &w) == 0)
        *line = (int)w;
    Dwarf_Files *files;
    size_t nfiles;
    if (!dwarf_attr(die, DW_AT_call_file, &a) || dwarf_formudata(&a, &w) != 0 ||
        dwarf_getsrcfiles(cu, &files, &nfiles) != 0 || w >= nfiles)
        return NULL;
    return dwarf_filesrc(files, w, NULL, NULL);
}

struct dw_frame {
    const char *name, *file;
    int line;
};

/* The DWARF function chain at addr, innermost first; 0 when DWARF has no
 * line for addr (perf then shows the ELF symbol alone). */
static int dwarf_chain(struct symstate *st, uint64_t addr, struct dw_frame *out, int max)
{
    Dwarf_Die cu;
    if (!st->dw || !find_cu(st, addr, &cu))
        return 0;
    Dwarf_Line *ln = dwarf_getsrc_die(&cu, addr);
    if (!ln)
        return 0;
    const char *file = dwarf_linesrc(ln, NULL, NULL);
    int line = 0;
    dwarf_lineno(ln, &line);
    struct cu_fns *f = cu_fns_of(st, &cu);
    int inner = innermost_fn(f, addr);
    int n = 0;
    if (inner < 0) {
        /* a line but no function (assembly): the name comes from the ELF
         * symbol table, as binutils does */
        out[0] = (struct dw_frame){ NULL, file, line };
        return 1;
    }
    Dwarf_Die fn = f->ents[inner].die;
    /* Assembler CUs may describe one routine by several subprograms (its
     * aliases), all with one range: binutils reports the last of them. */
    if (dwarf_tag(&fn) == DW_TAG_subprogram) {
        Dwarf_Addr lo, hi, slo, shi;
        Dwarf_Die sib = fn;
        if (dwarf_lowpc(&fn, &lo) == 0 && dwarf_highpc(&fn, &hi) == 0) {
            for (int k = 0; k < 64 && dwarf_siblingof(&sib, &sib) == 0; k++) {
                if (dwarf_tag(&sib) == DW_TAG_subprogram && dwarf_lowpc(&sib, &slo) == 0 &&
                    dwarf_highpc(&sib, &shi) == 0 && slo == lo && shi == hi)
                    fn = sib;
            }
        }
        out[0] = (struct dw_frame){ die_name(&fn), file, line };
        return 1;
    }
    /* inlined_subroutine: its chain of enclosing functions up to (and
     * including) the first subprogram */
    for (int i = inner; i >= 0 && n < max; i = f->ents[i].parent) {
        Dwarf_Die *d = &f->ents[i].die;
        int tag = dwarf_tag(d);
        out[n].name = die_name(d);
        out[n].file = file;
        out[n].line = line;
        n++;
        if (tag == DW_TAG_subprogram)
            break;
        file = call_file(&cu, d, &line);
    }
    return n;
}

/* ---- per-binary state ---- */

/* The symbol table, read and sorted on first need. */
static void syms_ready(struct symstate *st)
{
    if (__atomic_load_n(&st->syms_loaded, __ATOMIC_ACQUIRE))
        return;
    pthread_mutex_lock(&st->syms_lock);
    if (!st->syms_loaded) {
        Elf *dbg = st->dw_from[0], *code = st->dw_from[1];
        Elf_Scn *scn = NULL;
        Elf *from = NULL;
        if (dbg && (scn = find_symtab(dbg, SHT_SYMTAB)) != NULL)
            from = dbg;
        else if ((scn = find_symtab(code, SHT_SYMTAB)) != NULL)
            from = code;
        else if ((scn = find_symtab(code, SHT_DYNSYM)) != NULL)
            from = code;
        if (from)
            load_syms(st, from, scn);
        __atomic_store_n(&st->syms_loaded, 1, __ATOMIC_RELEASE);
    }
    pthread_mutex_unlock(&st->syms_lock);
}

static void *symstate_create(struct binary *b)
{
    struct symstate *st = xcalloc(1, sizeof(*st));
    pthread_mutex_init(&st->dw_lock, NULL);
    pthread_mutex_init(&st->dm_lock, NULL);
    pthread_mutex_init(&st->syms_lock, NULL);
    /* DWARF waits for the first C address: Go frames come from pclntab,
     * and opening a Go binary's DWARF inflates ~18 MB of debug sections. */
    st->dw_from[0] = binary_debug_elf(b);
    st->dw_from[1] = binary_elf(b);
    st->stripes = xcalloc(NR_STRIPES, sizeof(*st->stripes));
    for (size_t i = 0; i < NR_STRIPES; i++) {
        pthread_mutex_init(&st->stripes[i].lock, NULL);
        st->stripes[i].sets = xcalloc(1, sizeof(struct cache_set));
        st->stripes[i].nr_sets = 1;
    }
    return st;
}

static void symstate_free(void *p)
{
    struct symstate *st = p;
    if (!st)
        return;
    for (size_t i = 0; i < NR_STRIPES; i++) {
        for (size_t k = 0; k < st->stripes[i].nr_sets; k++)
            for (size_t w = 0; w < WAYS; w++)
                free(st->stripes[i].sets[k].way[w].frames);
        free(st->stripes[i].sets);
        pthread_mutex_destroy(&st->stripes[i].lock);
    }
    free(st->stripes);
    if (st->img.dw)
        dwimage_close(&st->img);
    else if (st->dw)
        dwarf_end(st->dw);
    pthread_mutex_destroy(&st->dw_lock);
    u64map_release(&st->demangled);
    strtab_release(&st->dm_names);
    pthread_mutex_destroy(&st->dm_lock);
    pthread_mutex_destroy(&st->syms_lock);
    free(st->syms);
    free(st->cus);
    for (size_t i = 0; i < st->nr_fns; i++) {
        free(st->fns[i].ents);
        free(st->fns[i].ranges);
    }
    free(st->fns);
    free(st);
}

/* ---- lookup ---- */

static int go_frames(struct gosym_table *t, uint64_t pc, int no_inline,
                     struct sym_frame *out, int max)
{
    uint64_t lo, hi;
    gosym_text_range(t, &lo, &hi);
    if (pc < lo || pc >= hi)
        return 0;
    struct gosym_frame gf[MAX_FRAMES];
    int n = gosym_frames(t, pc, no_inline, gf, SF_MIN(max, MAX_FRAMES));
    for (int i = 0; i < n; i++) {
        out[i] = (struct sym_frame){
            .name = gf[i].function, .sym_start = gf[i].entry,
            .file = gf[i].file, .line = gf[i].line,
            .inlined = gf[i].inlined, .is_go = 1, .physical = !gf[i].inlined,
        };
    }
    return n;
}

/* libdw inflates every compressed debug section here (libc's: ~10 MB,
 * tens of ms): done once, on first need or by symbolize_prepare. */
static void dwarf_open_locked(struct symstate *st, int parallel)
{
    if (st->dw_tried)
        return;
    st->dw_tried = 1;
    __atomic_store_n(&st->dw_loading, 1, __ATOMIC_RELEASE);
    for (int i = 0; i < 2 && !st->dw; i++) {
        if (!st->dw_from[i])
            continue;
        if (dwimage_open(st->dw_from[i], parallel, &st->img) == 0)
            st->dw = st->img.dw;
        else
            st->dw = dwarf_begin_elf(st->dw_from[i], DWARF_C_READ, NULL);
    }
    __atomic_store_n(&st->dw_loading, 0, __ATOMIC_RELEASE);
}

static int c_frames(struct symstate *st, uint64_t addr, int no_inline,
                    struct sym_frame *out, int max)
{
    syms_ready(st);
    const struct csym *s = find_sym(st, addr);
    if (!s) {
        out[0] = (struct sym_frame){ .physical = 1 };
        return 1;
    }
    const char *sym_name = pretty(st, s->name);
    struct dw_frame df[MAX_FRAMES];
    int n = 0;
    pthread_mutex_lock(&st->dw_lock);
    dwarf_open_locked(st, 0);
    if (st->dw)
        n = dwarf_chain(st, addr, df, SF_MIN(max, MAX_FRAMES));
    pthread_mutex_unlock(&st->dw_lock);
    if (n == 0) {
        out[0] = (struct sym_frame){ .name = sym_name, .sym_start = s->start, .physical = 1 };
        return 1;
    }
    if (no_inline) {
        /* the physical function only, named as perf names it */
        const char *name = pretty(st, df[n - 1].name ? df[n - 1].name : s->bfd_name);
        out[0] = (struct sym_frame){
            .name = name, .sym_start = s->start, .file = df[n - 1].file,
            .line = df[n - 1].line, .inlined = strcmp(name, sym_name) != 0,
            .physical = 1,
        };
        return 1;
    }
    for (int i = 0; i < n; i++) {
        const char *name = pretty(st, df[i].name ? df[i].name : s->bfd_name);
        out[i] = (struct sym_frame){
            .name = name, .sym_start = s->start, .file = df[i].file,
            .line = df[i].line, .inlined = strcmp(name, sym_name) != 0,
            .physical = i == n - 1,
        };
    }
    return n;
}

static uint64_t slot_hash(uint64_t a)
{
    a ^= a >> 33;
    a *= 0xff51afd7ed558ccdULL;
    a ^= a >> 33;
    return a;
}

/* Doubles a stripe's sets (its lock held): entries move to their set in
 * the larger table, in their old order; one that finds its new set full
 * is dropped (a cache forgets). */
static void stripe_grow(struct stripe *sp)
{
    unsigned n = sp->nr_sets * 2;
    struct cache_set *sets = xcalloc(n, sizeof(*sets));
    for (unsigned k = 0; k < sp->nr_sets; k++) {
        for (unsigned w = 0; w < WAYS; w++) {
            struct cache_slot *old = &sp->sets[k].way[w];
            if (!old->used)
                continue;
            uint64_t h = slot_hash(old->addr ^ (uint64_t)old->no_inline);
            struct cache_set *to = &sets[(h / NR_STRIPES) & (n - 1)];
            if (to->next < WAYS)
                to->way[to->next++] = *old;
            else
                free(old->frames);
        }
    }
    free(sp->sets);
    sp->sets = sets;
    sp->nr_sets = n;
}

int symbolize(struct binary *b, uint64_t vaddr, int is_return, int no_inline,
              struct sym_frame *out, int max)
{
    if (max <= 0)
        return 0;
    uint64_t addr = is_return && vaddr ? vaddr - 1 : vaddr;
    if (!b) {
        out[0] = (struct sym_frame){ .physical = 1 };
        return 1;
    }
    struct symstate *st = binary_priv(b, symstate_create, symstate_free);
    uint64_t h = slot_hash(addr ^ (uint64_t)no_inline);
    struct stripe *sp = &st->stripes[h % NR_STRIPES];
    pthread_mutex_lock(&sp->lock);
    struct cache_set *set = &sp->sets[(h / NR_STRIPES) & (sp->nr_sets - 1)];
    for (int w = 0; w < WAYS; w++) {
        struct cache_slot *slot = &set->way[w];
        if (slot->used && slot->addr == addr && slot->no_inline == no_inline) {
            int n = SF_MIN(slot->n, max);
            memcpy(out, slot->frames, (size_t)n * sizeof(*out));
            pthread_mutex_unlock(&sp->lock);
            return n;
        }
    }
    pthread_mutex_unlock(&sp->lock);

    struct sym_frame tmp[MAX_FRAMES];
    int n = 0;
    struct gosym_table *t = binary_gosym(b);
    if (t)
        n = go_frames(t, addr, no_inline, tmp, MAX_FRAMES);
    if (n == 0)
        n = c_frames(st, addr, no_inline, tmp, MAX_FRAMES);

    pthread_mutex_lock(&sp->lock);
    set = &sp->sets[(h / NR_STRIPES) & (sp->nr_sets - 1)];
    if (set->way[set->next % WAYS].used && sp->nr_sets < STRIPE_SETS) {
        stripe_grow(sp);
        set = &sp->sets[(h / NR_STRIPES) & (sp->nr_sets - 1)];
    }
    struct cache_slot *slot = &set->way[set->next++ % WAYS];
    free(slot->frames);
    slot->frames = xmalloc((size_t)n * sizeof(*tmp));
    memcpy(slot->frames, tmp, (size_t)n * sizeof(*tmp));
    slot->n = n;
    slot->addr = addr;
    slot->no_inline = no_inline;
    slot->used = 1;
    pthread_mutex_unlock(&sp->lock);

    n = SF_MIN(n, max);
    memcpy(out, tmp, (size_t)n * sizeof(*out));
    return n;
}

int symbolize_symbol(struct binary *b, uint64_t vaddr, uint64_t *start, const char **name)
{
    if (!b)
        return -1;
    struct symstate *st = binary_priv(b, symstate_create, symstate_free);
    syms_ready(st);
    const struct csym *s = find_sym(st, vaddr);
    if (!s)
        return -1;
    *start = s->start;
    *name = s->name;
    return 0;
}

void symbolize_prepare(struct binary *b)
{
    if (!b || binary_gosym(b))
        return;
    struct symstate *st = binary_priv(b, symstate_create, symstate_free);
    syms_ready(st);
    if (!st->nr_syms)
        return;
    pthread_mutex_lock(&st->dw_lock);
    dwarf_open_locked(st, 1);
    pthread_mutex_unlock(&st->dw_lock);
}

int symbolize_busy(struct binary *b)
{
    const struct symstate *st = b ? binary_priv(b, NULL, NULL) : NULL;
    return st && __atomic_load_n(&st->dw_loading, __ATOMIC_ACQUIRE);
}
