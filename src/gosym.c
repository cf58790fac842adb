/* gosym.c - BINARIES stage, Go half: finds and decodes a Go binary's
 * pclntab (function table, pc-value tables, inline tree) and hands the
 * unwinder and symbolizer functions, SP deltas and file:line frames.
 * Nothing is decoded per function at open; every offset read from the
 * file is checked against the region it must lie in. */
#include "gosym.h"
#include "hashtab.h"
#include "strtab.h"

#include <gelf.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#define MAGIC_12  0xFFFFFFFBu
#define MAGIC_116 0xFFFFFFFAu
#define MAGIC_118 0xFFFFFFF0u
#define MAGIC_120 0xFFFFFFF1u

#define PCDATA_INLTREE   2
#define FUNCDATA_INLTREE 3
#define FUNCDATA_INLTREE_OLD 4  /* Go 1.12-1.15 (RegPointerMaps was 2) */
#define FLAG_TOPFRAME 1
#define FLAG_SPWRITE  2
#define FLAG_ASM      4
#define MAX_INLINE_DEPTH 256

/* A loaded segment: where the bytes of [vaddr, vaddr+size) are. */
struct seg {
    uint64_t vaddr, size;
    const uint8_t *bytes;
    int writable, exec;
};

struct gosym_table {
    char *name;
    const uint8_t *img;         /* the pclntab, starting at its header */
    size_t size;
    uint64_t vaddr;
    int swap, ptrsize, quantum, format;
    uint64_t nfunc;
    /* Regions as [off, off+size) inside img.  Go 1.2-1.15 has none: names,
     * files and pc tables are all relative to the table start. */
    size_t names_off, names_size;
    size_t cutab_off, cutab_n;
    size_t files_off, files_size;
    size_t pctab_off, pctab_size;
    size_t pcln_off, pcln_size; /* functab + _func records (funcoff base) */
    size_t ftab_off;            /* the functab array */
    size_t oldfiles_off;        /* 1.2-1.15: u32 nfiles, u32 offsets */
    uint32_t oldnfiles;
    uint64_t text_start;
    struct seg *segs;
    size_t nsegs;
    uint64_t gofunc;
    int have_gofunc;
    char go_version[40];
    int go_minor;               /* 19 for go1.19.8; 0 if unknown */
    /* Wrapper funcID, learned on first use (numbering differs per release). */
    pthread_mutex_t lock;
    atomic_int wrapper_ready;
    int wrapper_id;             /* -1: none known */
    /* Names as Go 1.21+ prints them (shapes elided), by name offset,
     * under `lock`. */
    struct u64map print_names;      /* nameoff -> id in print_strings */
    struct strtab print_strings;
};

/* A decoded _func record. */
struct rawfunc {
    uint64_t entry, end;
    uint32_t nameoff, pcsp, pcfile, pcln, npcdata, cuoff, nfuncdata;
    uint8_t funcid, flag;
    size_t pcdata_off, funcdata_off;
};

/* ---- bounded readers ------------------------------------------------- */

static int in_range(size_t off, uint64_t len, size_t limit)
{
    return off <= limit && len <= limit - off;
}

static uint64_t rd_word(const struct gosym_table *t, const uint8_t *p)
{
    return t->ptrsize == 8 ? sf_rd64(p, t->swap) : sf_rd32(p, t->swap);
}

static uint32_t rd32(const struct gosym_table *t, size_t off)
{
    return sf_rd32(t->img + off, t->swap);
}

/* A NUL-terminated string at img[base+off] that ends inside the region. */
static const char *region_str(const struct gosym_table *t, size_t base,
                              size_t size, uint64_t off)
{
    if (off >= size)
        return NULL;
    const char *s = (const char *)t->img + base + off;
    if (!memchr(s, '\0', size - off))
        return NULL;
    return s;
}

/* Bytes at a link-time address, or NULL if not mapped from the file. */
static const uint8_t *vaddr_bytes(const struct gosym_table *t, uint64_t addr,
                                  uint64_t len)
{
    if (addr >= t->vaddr && addr - t->vaddr <= t->size &&
        len <= t->size - (addr - t->vaddr))
        return t->img + (addr - t->vaddr);
    for (size_t i = 0; i < t->nsegs; i++) {
        const struct seg *s = &t->segs[i];
        if (addr >= s->vaddr && addr - s->vaddr <= s->size &&
            len <= s->size - (addr - s->vaddr))
            return s->bytes + (addr - s->vaddr);
    }
    return NULL;
}

/* ---- function table -------------------------------------------------- */

static int new_ftab(const struct gosym_table *t)
{
    return t->format >= 118;
}

/* Entry pc of function idx (idx == nfunc gives the end of the last). */
static uint64_t ftab_entry(const struct gosym_table *t, uint64_t idx)
{
    if (new_ftab(t))
        return t->text_start + rd32(t, t->ftab_off + 8 * idx);
    return rd_word(t, t->img + t->ftab_off + 2 * (size_t)t->ptrsize * idx);
}

static uint64_t ftab_funcoff(const struct gosym_table *t, uint64_t idx)
{
    if (new_ftab(t))
        return rd32(t, t->ftab_off + 8 * idx + 4);
    return rd_word(t, t->img + t->ftab_off + 2 * (size_t)t->ptrsize * idx +
                          t->ptrsize);
}

/* Decodes the _func record of function idx; -1 if it lies out of range. */
static int func_decode(const struct gosym_table *t, uint64_t idx,
                       struct rawfunc *f)
{
    size_t p = t->ptrsize, base, limit = t->size, fixed, after;
    uint64_t funcoff;

    if (idx >= t->nfunc)
        return -1;
    memset(f, 0, sizeof(*f));
    f->entry = ftab_entry(t, idx);
    f->end = ftab_entry(t, idx + 1);
    funcoff = ftab_funcoff(t, idx);
    if (t->format == 12) {
        base = 0;
    } else {
        base = t->pcln_off;
        limit = t->pcln_off + t->pcln_size;
    }
    switch (t->format) {
    case 12: fixed = p + 32; break;
    case 116: fixed = p + 36; break;
    case 118: fixed = 40; break;
    default: fixed = 44; break;
    }
    if (funcoff > limit - base || !in_range(base + funcoff, fixed, limit))
        return -1;
    size_t r = base + funcoff;
    size_t w = t->format >= 118 ? 4 : p; /* where nameoff sits */
    f->nameoff = rd32(t, r + w);
    f->pcsp = rd32(t, r + w + 12);
    f->pcfile = rd32(t, r + w + 16);
    f->pcln = rd32(t, r + w + 20);
    f->npcdata = rd32(t, r + w + 24);
    switch (t->format) {
    case 12:
        if (t->go_minor && t->go_minor < 12) {
            f->nfuncdata = rd32(t, r + p + 28);
        } else {
            f->funcid = t->img[r + p + 28];
            f->nfuncdata = t->img[r + p + 31];
        }
        break;
    case 116:
        f->cuoff = rd32(t, r + p + 28);
        f->funcid = t->img[r + p + 32];
        f->flag = t->img[r + p + 33];
        f->nfuncdata = t->img[r + p + 35];
        break;
    case 118:
        f->cuoff = rd32(t, r + 32);
        f->funcid = t->img[r + 36];
        f->flag = t->img[r + 37];
        f->nfuncdata = t->img[r + 39];
        break;
    default:
        f->cuoff = rd32(t, r + 32);
        f->funcid = t->img[r + 40];
        f->flag = t->img[r + 41];
        f->nfuncdata = t->img[r + 43];
        break;
    }
    f->pcdata_off = r + fixed;
    if (!in_range(f->pcdata_off, 4 * (uint64_t)f->npcdata, limit))
        return -1;
    after = fixed + 4 * (size_t)f->npcdata;
    if (t->format >= 118) {
        f->funcdata_off = r + after;
        if (!in_range(f->funcdata_off, 4 * (uint64_t)f->nfuncdata, limit))
            return -1;
    } else {
        /* Pointer-sized funcdata, aligned within the (aligned) record. */
        if (p == 8 && (after & 4))
            after += 4;
        f->funcdata_off = r + after;
        if (!in_range(f->funcdata_off, p * (uint64_t)f->nfuncdata, limit))
            return -1;
    }
    return 0;
}

static const char *raw_func_name(const struct gosym_table *t, uint32_t nameoff)
{
    if (t->format == 12)
        return region_str(t, 0, t->size, nameoff);
    return region_str(t, t->names_off, t->names_size, nameoff);
}

char *gosym_name_for_print(const char *name)
{
    const char *i = strchr(name, '['), *j = strrchr(name, ']');
    if (!i || !j || j <= i || (j - i == 4 && strncmp(i, "[...]", 5) == 0))
        return NULL;
    size_t a = (size_t)(i - name), c = strlen(j + 1);
    char *out = xmalloc(a + 5 + c + 1);
    memcpy(out, name, a);
    memcpy(out + a, "[...]", 5);
    memcpy(out + a + 5, j + 1, c + 1);
    return out;
}

/* A function name as the runtime prints it.  Go 1.21+ writes generic
 * instantiations with their shapes (pkg.F[go.shape.int]) and prints them
 * as pkg.F[...] (runtime.funcNameForPrint); earlier tables already say
 * [...].  Without a version, a name with a shape is taken as 1.21+. */
static const char *func_name(const struct gosym_table *t, uint32_t nameoff)
{
    const char *name = raw_func_name(t, nameoff);
    if (!name || t->format < 120 || !strchr(name, '[') ||
        (t->go_minor ? t->go_minor < 21 : !strstr(name, "shape.")))
        return name;
    struct gosym_table *mt = (struct gosym_table *)t;   /* the cache only */
    pthread_mutex_lock(&mt->lock);
    const char *r = name;
    const uint32_t *id = u64map_get(&mt->print_names, nameoff);
    if (id) {
        r = strtab_str(&mt->print_strings, *id);
    } else {
        char *p = gosym_name_for_print(name);
        if (p) {
            uint32_t sid = strtab_id(&mt->print_strings, p, strlen(p));
            u64map_put(&mt->print_names, nameoff, sid);
            r = strtab_str(&mt->print_strings, sid);
            free(p);
        }
    }
    pthread_mutex_unlock(&mt->lock);
    return r;
}

/* Largest idx with entry(idx) <= pc and pc < entry(idx+1). */
static int ftab_search(const struct gosym_table *t, uint64_t pc, uint64_t *idx)
{
    uint64_t lo = 0, hi = t->nfunc;

    if (!t->nfunc || pc < ftab_entry(t, 0) || pc >= ftab_entry(t, t->nfunc))
        return -1;
    while (hi - lo > 1) {
        uint64_t mid = lo + (hi - lo) / 2;
        if (ftab_entry(t, mid) <= pc)
            lo = mid;
        else
            hi = mid;
    }
    if (pc < ftab_entry(t, lo) || pc >= ftab_entry(t, lo + 1))
        return -1;  /* unsorted (corrupt) table */
    *idx = lo;
    return 0;
}

/* ---- pc-value tables ------------------------------------------------- */

static int read_uvarint(const uint8_t *img, size_t limit, size_t *pos,
                        uint32_t *out)
{
    uint32_t v = 0;
    for (unsigned shift = 0; shift < 35; shift += 7) {
        if (*pos >= limit)
            return -1;
        uint8_t b = img[(*pos)++];
        v |= (uint32_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) {
            *out = v;
            return 0;
        }
    }
    return -1;
}

/* Value of the pc-value table at pctab offset `off` for `target` in the
 * function starting at `entry`.  -1 if there is no table, it ends before
 * target, or it runs out of its region. */
static int pcvalue(const struct gosym_table *t, uint64_t entry, uint32_t off,
                   uint64_t target, int32_t *out)
{
    size_t base = t->format == 12 ? 0 : t->pctab_off;
    size_t limit = t->format == 12 ? t->size : t->pctab_off + t->pctab_size;
    uint32_t val = (uint32_t)-1;
    uint64_t pc = entry;
    int first = 1;

    if (!off || off >= limit - base)
        return -1;
    size_t pos = base + off;
    /* Each step consumes at least two bytes, so this ends by limit. */
    for (;;) {
        uint32_t uv, pcdelta;
        if (pos >= limit || (t->img[pos] == 0 && !first))
            return -1;
        first = 0;
        if (read_uvarint(t->img, limit, &pos, &uv) < 0 ||
            read_uvarint(t->img, limit, &pos, &pcdelta) < 0)
            return -1;
        val += (uv & 1) ? ~(uv >> 1) : (uv >> 1);
        pc += (uint64_t)pcdelta * (uint64_t)t->quantum;
        if (target < pc) {
            *out = (int32_t)val;
            return 0;
        }
    }
}

static const char *file_name(const struct gosym_table *t,
                             const struct rawfunc *f, int32_t fileno)
{
    if (fileno < 0)
        return NULL;
    if (t->format == 12) {
        if ((uint32_t)fileno >= t->oldnfiles || fileno == 0)
            return NULL;
        return region_str(t, 0, t->size,
                          rd32(t, t->oldfiles_off + 4 * (size_t)fileno));
    }
    uint64_t ix = (uint64_t)f->cuoff + (uint64_t)fileno;
    if (ix >= t->cutab_n)
        return NULL;
    uint32_t off = rd32(t, t->cutab_off + 4 * ix);
    if (off == 0xFFFFFFFFu)
        return NULL;
    return region_str(t, t->files_off, t->files_size, off);
}

static void func_file_line(const struct gosym_table *t, const struct rawfunc *f,
                           uint64_t pc, const char **file, int *line)
{
    int32_t fileno, ln;
    const char *name = NULL;

    if (pcvalue(t, f->entry, f->pcfile, pc, &fileno) == 0)
        name = file_name(t, f, fileno);
    *file = name ? name : "?";
    *line = pcvalue(t, f->entry, f->pcln, pc, &ln) == 0 && ln > 0 ? ln : 0;
}

/* ---- special functions ----------------------------------------------- */

static const struct {
    const char *name;
    enum gosym_kind kind;
} kinds[] = {
    { "runtime.goexit", GOSYM_GOEXIT },
    { "runtime.mstart", GOSYM_MSTART },
    { "runtime.mstart0", GOSYM_MSTART },
    { "runtime.mstart1", GOSYM_MSTART },
    { "runtime.rt0_go", GOSYM_RT0_GO },
    { "runtime.mcall", GOSYM_MCALL },
    { "runtime.morestack", GOSYM_MORESTACK },
    { "runtime.systemstack", GOSYM_SYSTEMSTACK },
    { "runtime.systemstack_switch", GOSYM_SYSTEMSTACK_SWITCH },
    { "runtime.asmcgocall", GOSYM_ASMCGOCALL },
    { "runtime.cgocallback", GOSYM_CGOCALLBACK },
    { "runtime.sigpanic", GOSYM_SIGPANIC },
    { "runtime.gopanic", GOSYM_GOPANIC },
    { "runtime.main", GOSYM_RUNTIME_MAIN },
};

static enum gosym_kind kind_of(const char *name)
{
    if (strncmp(name, "runtime.", 8) != 0)
        return GOSYM_NORMAL;
    for (size_t i = 0; i < SF_ARRAY_SIZE(kinds); i++)
        if (!strcmp(name, kinds[i].name))
            return kinds[i].kind;
    return GOSYM_NORMAL;
}

/* The wrapper funcID of this binary: the compiler marks runtime.deferreturn
 * as a wrapper (Go 1.17+); failing that, wrapper is the last (largest) id
 * of the enum in Go 1.12-1.20. */
static int learn_wrapper_id(const struct gosym_table *t)
{
    int max_id = 0;
    struct rawfunc f;

    if (t->format == 12 && t->go_minor && t->go_minor < 12)
        return -1;
    for (uint64_t i = 0; i < t->nfunc; i++) {
        if (func_decode(t, i, &f) < 0)
            continue;
        if (f.funcid > max_id)
            max_id = f.funcid;
        const char *name = raw_func_name(t, f.nameoff);
        if (f.funcid && name && !strcmp(name, "runtime.deferreturn"))
            return f.funcid;
    }
    /* Below 15 the largest id seen cannot be the enum's last member. */
    return max_id >= 15 ? max_id : -1;
}

static int wrapper_id(const struct gosym_table *t)
{
    struct gosym_table *mt = (struct gosym_table *)t; /* lazy cache only */

    if (atomic_load_explicit(&mt->wrapper_ready, memory_order_acquire))
        return mt->wrapper_id;
    pthread_mutex_lock(&mt->lock);
    if (!atomic_load_explicit(&mt->wrapper_ready, memory_order_relaxed)) {
        mt->wrapper_id = learn_wrapper_id(t);
        atomic_store_explicit(&mt->wrapper_ready, 1, memory_order_release);
    }
    pthread_mutex_unlock(&mt->lock);
    return mt->wrapper_id;
}

static void fill_func(const struct gosym_table *t, uint64_t idx,
                      const struct rawfunc *f, struct gosym_func *out)
{
    const char *name = func_name(t, f->nameoff);
    int wid = wrapper_id(t);

    memset(out, 0, sizeof(*out));
    out->entry = f->entry;
    out->end = f->end;
    out->name = name ? name : "?";
    out->kind = kind_of(out->name);
    out->is_wrapper = wid >= 0 && f->funcid == wid;
    if (t->format >= 116) {
        out->topframe = !!(f->flag & FLAG_TOPFRAME);
        out->spwrite = !!(f->flag & FLAG_SPWRITE);
        out->is_asm = !!(f->flag & FLAG_ASM);
    }
    out->index = (uint32_t)idx;
}

/* ---- header ---------------------------------------------------------- */

static int magic_format(uint32_t m)
{
    switch (m) {
    case MAGIC_12: return 12;
    case MAGIC_116: return 116;
    case MAGIC_118: return 118;
    case MAGIC_120: return 120;
    default: return 0;
    }
}

/* Parses and validates the header of t->img[0, size); fills the regions. */
static int parse_header(struct gosym_table *t, struct sf_err *err)
{
    const char *n = t->name;
    size_t size = t->size;

    if (size < 16)
        return sf_error(err, "'%s': pclntab: truncated header", n);
    uint32_t m = sf_rd32(t->img, 0);
    t->swap = 0;
    t->format = magic_format(m);
    if (!t->format) {
        t->swap = 1;
        t->format = magic_format(sf_bswap32(m));
    }
    if (!t->format)
        return sf_error(err, "'%s': pclntab: bad magic 0x%08x", n, m);
    t->quantum = t->img[6];
    t->ptrsize = t->img[7];
    if (t->img[4] || t->img[5] ||
        (t->quantum != 1 && t->quantum != 2 && t->quantum != 4) ||
        (t->ptrsize != 4 && t->ptrsize != 8))
        return sf_error(err, "'%s': pclntab: bad header (quantum %d, "
                        "pointer size %d)", n, t->quantum, t->ptrsize);
    size_t p = t->ptrsize;
    const uint8_t *w = t->img + 8;
    if (t->format == 12) {
        if (!in_range(8, p, size))
            return sf_error(err, "'%s': pclntab: truncated header", n);
        t->nfunc = rd_word(t, w);
        t->ftab_off = 8 + p;
        if (t->nfunc > size / (2 * p) ||
            !in_range(t->ftab_off, 2 * p * t->nfunc + p + 4, size))
            return sf_error(err, "'%s': pclntab: function count %llu exceeds "
                            "the table", n, (unsigned long long)t->nfunc);
        size_t fo = t->ftab_off + 2 * p * t->nfunc + p;
        t->oldfiles_off = rd32(t, fo);
        if (!in_range(t->oldfiles_off, 4, size))
            return sf_error(err, "'%s': pclntab: file table offset 0x%zx out "
                            "of range", n, t->oldfiles_off);
        t->oldnfiles = rd32(t, t->oldfiles_off);
        if (!in_range(t->oldfiles_off, 4 * (uint64_t)t->oldnfiles, size))
            return sf_error(err, "'%s': pclntab: file count %u exceeds the "
                            "table", n, t->oldnfiles);
        t->names_off = 0;
        t->names_size = size;
        t->pcln_off = 0;
        t->pcln_size = size;
    } else {
        int nw = t->format == 116 ? 7 : 8;
        uint64_t v[8];
        if (!in_range(8, (uint64_t)nw * p, size))
            return sf_error(err, "'%s': pclntab: truncated header", n);
        for (int i = 0; i < nw; i++)
            v[i] = rd_word(t, w + i * p);
        t->nfunc = v[0];
        int o = 2;
        if (t->format >= 118) {
            t->text_start = v[2];
            o = 3;
        }
        uint64_t hdr = 8 + nw * p, names = v[o], cu = v[o + 1],
                 files = v[o + 2], pctab = v[o + 3], pcln = v[o + 4];
        if (!(hdr <= names && names <= cu && cu <= files && files <= pctab &&
              pctab <= pcln && pcln <= size))
            return sf_error(err, "'%s': pclntab: region offsets out of order "
                            "or beyond the table (size 0x%zx)", n, size);
        t->names_off = names;
        t->names_size = cu - names;
        t->cutab_off = cu;
        t->cutab_n = (files - cu) / 4;
        t->files_off = files;
        t->files_size = pctab - files;
        t->pctab_off = pctab;
        t->pctab_size = pcln - pctab;
        t->pcln_off = pcln;
        t->pcln_size = size - pcln;
        t->ftab_off = pcln;
        uint64_t esz = t->format >= 118 ? 8 : 2 * p;
        if (t->nfunc > t->pcln_size / esz ||
            !in_range(t->ftab_off, esz * t->nfunc + (t->format >= 118 ? 8 : p),
                      size))
            return sf_error(err, "'%s': pclntab: function count %llu exceeds "
                            "the table", n, (unsigned long long)t->nfunc);
    }
    if (t->nfunc == 0)
        return sf_error(err, "'%s': pclntab: no functions", n);
    if (ftab_entry(t, 0) > ftab_entry(t, t->nfunc))
        return sf_error(err, "'%s': pclntab: function table not sorted", n);
    struct rawfunc f;
    if (func_decode(t, 0, &f) < 0)
        return sf_error(err, "'%s': pclntab: funcoff 0x%llx out of range", n,
                        (unsigned long long)ftab_funcoff(t, 0));
    if (!raw_func_name(t, f.nameoff))
        return sf_error(err, "'%s': pclntab: name offset 0x%x out of range",
                        n, f.nameoff);
    return 0;
}

static struct gosym_table *table_new(const char *name)
{
    struct gosym_table *t = xcalloc(1, sizeof(*t));
    t->name = xstrdup(name ? name : "?");
    pthread_mutex_init(&t->lock, NULL);
    t->wrapper_id = -1;
    return t;
}

void gosym_free(struct gosym_table *t)
{
    if (!t)
        return;
    pthread_mutex_destroy(&t->lock);
    u64map_release(&t->print_names);
    strtab_release(&t->print_strings);
    free(t->segs);
    free(t->name);
    free(t);
}

int gosym_open_mem(const char *name, const uint8_t *pclntab, size_t size,
                   uint64_t vaddr, uint64_t text_start,
                   struct gosym_table **out, struct sf_err *err)
{
    struct gosym_table *t = table_new(name);

    t->img = pclntab;
    t->size = size;
    t->vaddr = vaddr;
    if (parse_header(t, err) < 0) {
        gosym_free(t);
        return -1;
    }
    if (!t->text_start)
        t->text_start = text_start;
    if (t->format >= 118 && !t->text_start) {
        gosym_free(t);
        return sf_error(err, "'%s': pclntab: textStart is 0 and no text "
                        "address was given", name);
    }
    *out = t;
    return 0;
}

/* ---- finding things in an ELF file ----------------------------------- */

struct elfinfo {
    Elf *elf;
    const uint8_t *raw;
    size_t rawsize;
    Elf_Scn *symtab;
    uint64_t text_sect;         /* .text address, 0 if none */
    const uint8_t *pcln;        /* from a section */
    size_t pcln_size;
    uint64_t pcln_vaddr;
    const uint8_t *buildinfo;
    size_t buildinfo_size;
};

static void load_segments(struct gosym_table *t, struct elfinfo *ei)
{
    size_t n;
    if (!ei->raw || elf_getphdrnum(ei->elf, &n) != 0)
        return;
    t->segs = xcalloc(n ? n : 1, sizeof(*t->segs));
    for (size_t i = 0; i < n; i++) {
        GElf_Phdr ph;
        if (!gelf_getphdr(ei->elf, (int)i, &ph) || ph.p_type != PT_LOAD)
            continue;
        if (ph.p_offset >= ei->rawsize || !ph.p_filesz)
            continue;
        struct seg *s = &t->segs[t->nsegs++];
        s->vaddr = ph.p_vaddr;
        s->size = SF_MIN(ph.p_filesz, ei->rawsize - ph.p_offset);
        s->bytes = ei->raw + ph.p_offset;
        s->writable = !!(ph.p_flags & PF_W);
        s->exec = !!(ph.p_flags & PF_X);
    }
}

static const uint8_t *section_bytes(Elf_Scn *scn, GElf_Shdr *sh, size_t *size)
{
    Elf_Data *d;
    if (sh->sh_type == SHT_NOBITS)
        return NULL;
    if ((sh->sh_flags & SHF_COMPRESSED) && elf_compress(scn, 0, 0) < 0)
        return NULL;
    d = elf_getdata(scn, NULL);
    if (!d || !d->d_buf)
        return NULL;
    *size = d->d_size;
    return d->d_buf;
}

static void scan_sections(struct elfinfo *ei)
{
    size_t shstrndx;
    Elf_Scn *scn = NULL;

    if (elf_getshdrstrndx(ei->elf, &shstrndx) != 0)
        return;
    while ((scn = elf_nextscn(ei->elf, scn)) != NULL) {
        GElf_Shdr sh;
        const char *nm;
        if (!gelf_getshdr(scn, &sh) ||
            !(nm = elf_strptr(ei->elf, shstrndx, sh.sh_name)))
            continue;
        if (sh.sh_type == SHT_SYMTAB)
            ei->symtab = scn;
        else if (!strcmp(nm, ".text"))
            ei->text_sect = sh.sh_addr;
        else if (!ei->pcln && (!strcmp(nm, ".gopclntab") ||
                               !strcmp(nm, ".data.rel.ro.gopclntab"))) {
            ei->pcln = section_bytes(scn, &sh, &ei->pcln_size);
            ei->pcln_vaddr = sh.sh_addr;
        } else if (!strcmp(nm, ".go.buildinfo")) {
            ei->buildinfo = section_bytes(scn, &sh, &ei->buildinfo_size);
        }
    }
}

/* Value of a symbol from .symtab; 0 if absent. */
static uint64_t symbol_value(struct elfinfo *ei, const char *want)
{
    GElf_Shdr sh;
    Elf_Data *d;

    if (!ei->symtab || !gelf_getshdr(ei->symtab, &sh) || !sh.sh_entsize ||
        !(d = elf_getdata(ei->symtab, NULL)))
        return 0;
    size_t n = d->d_size / sh.sh_entsize;
    for (size_t i = 0; i < n; i++) {
        GElf_Sym sym;
        const char *nm;
        if (!gelf_getsym(d, (int)i, &sym) ||
            !(nm = elf_strptr(ei->elf, sh.sh_link, sym.st_name)))
            continue;
        if (!strcmp(nm, want))
            return sym.st_value;
    }
    return 0;
}

/* Scans non-executable segments for a pclntab header that validates. */
static int scan_for_pclntab(struct gosym_table *t)
{
    for (size_t i = 0; i < t->nsegs; i++) {
        const struct seg *s = &t->segs[i];
        if (s->exec || s->size < 16)
            continue;
        size_t skip = (4 - (s->vaddr & 3)) & 3;
        for (size_t off = skip; off + 16 <= s->size; off += 4) {
            const uint8_t *b = s->bytes + off;
            if (b[4] || b[5] || (b[7] != 4 && b[7] != 8) ||
                ((s->vaddr + off) % b[7]) ||
                (!magic_format(sf_rd32(b, 0)) &&
                 !magic_format(sf_rd32(b, 1))))
                continue;
            t->img = b;
            t->size = s->size - off;
            t->vaddr = s->vaddr + off;
            if (parse_header(t, NULL) == 0)
                return 0;
        }
    }
    t->img = NULL;
    return -1;
}

/* Checks a gofunc candidate against the inline trees of sampled functions:
 * every tree's first entry must name a function (a funcnametab offset just
 * after a NUL) and have a small funcID. */
static int gofunc_plausible(struct gosym_table *t, uint64_t gofunc)
{
    int checked = 0;
    uint64_t step = t->nfunc / 256 + 1;
    size_t esz = t->format >= 120 ? 16 : 20;

    for (uint64_t i = 0; i < t->nfunc && checked < 32; i += step) {
        struct rawfunc f;
        if (func_decode(t, i, &f) < 0 || f.nfuncdata <= FUNCDATA_INLTREE)
            continue;
        uint32_t off = rd32(t, f.funcdata_off + 4 * FUNCDATA_INLTREE);
        if (off == 0xFFFFFFFFu)
            continue;
        const uint8_t *e = vaddr_bytes(t, gofunc + off, esz);
        if (!e)
            return 0;
        uint8_t funcid = t->format >= 120 ? e[0] : e[2];
        uint32_t nameoff = sf_rd32(e + (t->format >= 120 ? 4 : 12), t->swap);
        if (funcid > 64 || nameoff == 0 || nameoff >= t->names_size ||
            t->img[t->names_off + nameoff - 1] != 0)
            return 0;
        checked++;
    }
    return checked > 0;
}

/* Finds runtime.firstmoduledata (its first word points at the pcHeader)
 * for gofunc (inline trees, Go 1.18+) and text (Go 1.26 writes textStart
 * 0).  Candidates are validated by the slices that must point into the
 * table. */
static void find_moduledata(struct gosym_table *t, struct elfinfo *ei,
                            int need_text)
{
    size_t p = t->ptrsize;
    uint64_t sym_gofunc = symbol_value(ei, "go:func.*");

    if (!sym_gofunc)
        sym_gofunc = symbol_value(ei, "go.func.*");
    if (sym_gofunc && !need_text && gofunc_plausible(t, sym_gofunc)) {
        t->gofunc = sym_gofunc;
        t->have_gofunc = 1;
        return;
    }
    for (size_t i = 0; i < t->nsegs; i++) {
        const struct seg *s = &t->segs[i];
        if (!s->writable)
            continue;
        size_t skip = (p - (s->vaddr % p)) % p;
        for (size_t off = skip; off + 64 * p <= s->size; off += p) {
            const uint8_t *m = s->bytes + off;
            if (rd_word(t, m) != t->vaddr ||
                rd_word(t, m + p) != t->vaddr + t->names_off ||
                rd_word(t, m + 16 * p) != t->vaddr + t->ftab_off ||
                rd_word(t, m + 17 * p) != t->nfunc + 1)
                continue;
            if (need_text) {
                uint64_t text = rd_word(t, m + 22 * p);
                if (!text)
                    continue;
                t->text_start = text;
            }
            /* gofunc: word 38 in Go 1.18-1.19, 40 in 1.20+; later
             * releases move it, so try the neighbourhood too. */
            static const int first[] = { 38, 40 };
            for (int k = 0; k < 2 + 30; k++) {
                int idx = k < 2 ? first[k] : 30 + (k - 2);
                uint64_t v = rd_word(t, m + idx * p);
                if (v && gofunc_plausible(t, v)) {
                    t->gofunc = v;
                    t->have_gofunc = 1;
                    return;
                }
            }
            if (sym_gofunc && gofunc_plausible(t, sym_gofunc)) {
                t->gofunc = sym_gofunc;
                t->have_gofunc = 1;
            }
            return;
        }
    }
}

/* The Go version from .go.buildinfo: inline string (Go 1.18+) or a
 * pointer to a string header (older). */
static void read_buildinfo(struct gosym_table *t, struct elfinfo *ei)
{
    static const char magic[] = "\xff Go buildinf:";
    const uint8_t *b = ei->buildinfo;
    size_t size = ei->buildinfo_size;

    if (!b) {
        for (size_t i = 0; i < t->nsegs && !b; i++) {
            const struct seg *s = &t->segs[i];
            if (!s->writable)
                continue;
            for (size_t off = (16 - s->vaddr % 16) % 16; off + 32 <= s->size;
                 off += 16) {
                if (!memcmp(s->bytes + off, magic, 14)) {
                    b = s->bytes + off;
                    size = s->size - off;
                    break;
                }
            }
        }
    }
    if (!b || size < 32 || memcmp(b, magic, 14))
        return;
    int ptrsize = b[14], flags = b[15], swap = (flags & 1) != 0;
    const uint8_t *str = NULL;
    uint64_t len = 0;
    if (flags & 2) {
        size_t pos = 32;
        uint32_t l;
        if (read_uvarint(b, size, &pos, &l) < 0 || l > size - pos)
            return;
        str = b + pos;
        len = l;
    } else if (ptrsize == 4 || ptrsize == 8) {
#define WORD(q) (ptrsize == 8 ? sf_rd64((q), swap) : sf_rd32((q), swap))
        uint64_t hdr = WORD(b + 16);
        const uint8_t *h = vaddr_bytes(t, hdr, 2 * ptrsize);
        if (!h)
            return;
        len = WORD(h + ptrsize);
        str = vaddr_bytes(t, WORD(h), len);
#undef WORD
    }
    if (!str || len < 3 || len >= sizeof(t->go_version) ||
        memcmp(str, "go", 2))
        return;
    for (uint64_t i = 0; i < len; i++)
        if (str[i] < 0x21 || str[i] > 0x7e)
            return;
    memcpy(t->go_version, str, len);
    t->go_version[len] = '\0';
    if (!strncmp(t->go_version, "go1.", 4)) {
        int minor = 0;
        for (const char *c = t->go_version + 4; *c >= '0' && *c <= '9'; c++)
            minor = minor * 10 + (*c - '0');
        t->go_minor = minor;
    }
}

int gosym_open_elf(const char *name, Elf *elf, struct gosym_table **out,
                   struct sf_err *err)
{
    struct elfinfo ei;
    struct gosym_table *t = table_new(name);

    memset(&ei, 0, sizeof(ei));
    ei.elf = elf;
    if (elf_kind(elf) != ELF_K_ELF) {
        gosym_free(t);
        return 1;
    }
    ei.raw = (const uint8_t *)elf_rawfile(elf, &ei.rawsize);
    load_segments(t, &ei);
    scan_sections(&ei);
    read_buildinfo(t, &ei);

    if (ei.pcln) {
        t->img = ei.pcln;
        t->size = ei.pcln_size;
        t->vaddr = ei.pcln_vaddr;
    } else {
        uint64_t start = symbol_value(&ei, "runtime.pclntab");
        uint64_t end = symbol_value(&ei, "runtime.epclntab");
        if (start && end > start && (t->img = vaddr_bytes(t, start,
                                                          end - start))) {
            t->size = end - start;
            t->vaddr = start;
        } else if (scan_for_pclntab(t) < 0) {
            gosym_free(t);
            return 1;
        }
    }
    if (parse_header(t, err) < 0) {
        gosym_free(t);
        return -1;
    }
    if (t->format >= 118) {
        int need_text = t->text_start == 0;
        find_moduledata(t, &ei, need_text);
        if (!t->text_start)
            t->text_start = symbol_value(&ei, "runtime.text");
        if (!t->text_start)
            t->text_start = ei.text_sect;
        if (!t->text_start) {
            gosym_free(t);
            return sf_error(err, "'%s': pclntab: textStart is 0 and the text "
                            "address is unknown", name);
        }
    }
    *out = t;
    return 0;
}

/* ---- queries --------------------------------------------------------- */

int gosym_format(const struct gosym_table *t)
{
    return t->format;
}

const char *gosym_go_version(const struct gosym_table *t)
{
    return t->go_version[0] ? t->go_version : NULL;
}

size_t gosym_nfunc(const struct gosym_table *t)
{
    return (size_t)t->nfunc;
}

void gosym_text_range(const struct gosym_table *t, uint64_t *start,
                      uint64_t *end)
{
    *start = ftab_entry(t, 0);
    *end = ftab_entry(t, t->nfunc);
}

int gosym_func_at(const struct gosym_table *t, size_t idx,
                  struct gosym_func *out)
{
    struct rawfunc f;
    if (func_decode(t, idx, &f) < 0)
        return -1;
    fill_func(t, idx, &f, out);
    return 0;
}

int gosym_find_func(const struct gosym_table *t, uint64_t pc,
                    struct gosym_func *out)
{
    uint64_t idx;
    if (ftab_search(t, pc, &idx) < 0)
        return -1;
    return gosym_func_at(t, (size_t)idx, out);
}

int gosym_sp_delta(const struct gosym_table *t, const struct gosym_func *f,
                   uint64_t pc, int32_t *delta)
{
    struct rawfunc rf;
    if (func_decode(t, f->index, &rf) < 0 || pc < rf.entry || pc >= rf.end)
        return -1;
    return pcvalue(t, rf.entry, rf.pcsp, pc, delta);
}

int gosym_file_line(const struct gosym_table *t, const struct gosym_func *f,
                    uint64_t pc, const char **file, int *line)
{
    struct rawfunc rf;
    if (func_decode(t, f->index, &rf) < 0 || pc < rf.entry || pc >= rf.end)
        return -1;
    func_file_line(t, &rf, pc, file, line);
    return 0;
}

/* Address of f's inline tree, or 0 if none or not locatable. */
static uint64_t inline_tree(const struct gosym_table *t,
                            const struct rawfunc *f)
{
    uint32_t slot = t->format == 12 ? FUNCDATA_INLTREE_OLD : FUNCDATA_INLTREE;

    if (f->nfuncdata <= slot || f->npcdata <= PCDATA_INLTREE)
        return 0;
    if (t->format >= 118) {
        uint32_t off = rd32(t, f->funcdata_off + 4 * FUNCDATA_INLTREE);
        if (off == 0xFFFFFFFFu || !t->have_gofunc)
            return 0;
        return t->gofunc + off;
    }
    if (t->format == 12 && t->go_minor && t->go_minor < 12)
        return 0;   /* no parentPc before Go 1.12 */
    return rd_word(t, t->img + f->funcdata_off + (size_t)t->ptrsize * slot);
}

int gosym_frames(const struct gosym_table *t, uint64_t pc, int no_inline,
                 struct gosym_frame *out, int max)
{
    uint64_t idx;
    struct rawfunc f;
    int n = 0;

    if (max <= 0 || ftab_search(t, pc, &idx) < 0 ||
        func_decode(t, idx, &f) < 0)
        return 0;
    uint64_t tree = no_inline ? 0 : inline_tree(t, &f);
    if (tree) {
        uint32_t pcdata = rd32(t, f.pcdata_off + 4 * PCDATA_INLTREE);
        size_t esz = t->format >= 120 ? 16 : 20;
        int wid = wrapper_id(t);
        int32_t ix;
        for (int depth = 0; depth < MAX_INLINE_DEPTH && n < max - 1 &&
                            pcvalue(t, f.entry, pcdata, pc, &ix) == 0 &&
                            ix >= 0; depth++) {
            const uint8_t *e = vaddr_bytes(t, tree + (uint64_t)ix * esz, esz);
            if (!e)
                break;
            uint8_t funcid;
            uint32_t nameoff;
            int32_t parent_pc;
            if (t->format >= 120) {
                funcid = e[0];
                nameoff = sf_rd32(e + 4, t->swap);
                parent_pc = (int32_t)sf_rd32(e + 8, t->swap);
            } else {
                funcid = e[2];
                nameoff = sf_rd32(e + 12, t->swap);
                parent_pc = (int32_t)sf_rd32(e + 16, t->swap);
            }
            /* The runtime hides inlined wrappers, as it does physical ones
             * (unless they called a panic; not tracked here). */
            if (wid < 0 || funcid != wid) {
                const char *nm = func_name(t, nameoff);
                struct gosym_frame *fr = &out[n++];
                fr->function = nm ? nm : "?";
                func_file_line(t, &f, pc, &fr->file, &fr->line);
                fr->inlined = 1;
                fr->entry = f.entry;
            }
            if (parent_pc < 0 || (uint64_t)parent_pc >= f.end - f.entry)
                break;
            pc = f.entry + (uint64_t)parent_pc;
        }
    }
    const char *nm = func_name(t, f.nameoff);
    struct gosym_frame *fr = &out[n++];
    fr->function = nm ? nm : "?";
    func_file_line(t, &f, pc, &fr->file, &fr->line);
    fr->inlined = 0;
    fr->entry = f.entry;
    return n;
}
