/* binary.c - BINARIES stage: finds, offline, the ELF file behind each
 * recorded mapping (build-id caches, --binary, --symfs, the recorded path),
 * refuses files that do not belong to the capture, opens each file once and
 * hands symbolize.c and the unwinder the file, its PT_LOADs, its separate
 * debug file and its Go table.  Also serves kernel symbols from --kallsyms. */
#include "binary.h"
#include "gosym.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#define PAGE 4096ULL
#define ALIGN_DOWN(x) ((x) & ~(PAGE - 1))
#define ALIGN_UP(x) (((x) + PAGE - 1) & ~(PAGE - 1))
#define MAX_SEGS 64

struct binary {
    char *path;                 /* file the code comes from */
    char *debug_path;           /* separate debug file, or NULL */
    int fd, debug_fd;
    Elf *elf, *debug_elf;
    int code_is_debug;          /* only a debug file was found: no code bytes */
    uint8_t build_id[20];
    size_t build_id_len;
    int is_pie;
    struct binary_seg *segs;
    size_t nr_segs;
    uint64_t entry;             /* e_entry */
    uint64_t plt[4][2];         /* [start, end) of .plt, .plt.sec, .plt.got, .iplt */
    size_t nr_plt;

    pthread_mutex_t lock;       /* lazy members below */
    int gosym_tried;
    struct gosym_table *gosym;
    void *priv;                 /* symbolize.c's per-binary state */
    void (*priv_free)(void *);
};

/* One resolved recorded mapping identity: filename + build-id. */
struct binary_key {
    char *filename;
    uint8_t build_id[20];
    uint8_t build_id_size;
    struct binary *bin;         /* NULL: missing */
    size_t missing_idx;         /* index in missing[] when bin == NULL */
};

struct kernel_sym {
    uint64_t start, end;
    char *name;
};

struct binary_cache {
    struct binary_opts opts;
    struct { char *recorded, *file; } *placed;  /* binary_cache_add_recorded */
    size_t nr_placed, cap_placed;
    char **debug_dirs;          /* owned copies, ".build-id" stripped */
    size_t nr_debug_dirs;
    pthread_mutex_t lock;
    struct binary_key *keys;
    size_t nr_keys, cap_keys;
    struct binary **bins;       /* every opened binary, freed at the end */
    size_t nr_bins, cap_bins;
    struct binary_missing *missing;
    size_t nr_missing, cap_missing;
    struct kernel_sym *ksyms;
    size_t nr_ksyms;
    int ksyms_loaded;
    struct binary_use *uses;    /* one per --binary, in order */
    struct {                    /* each --binary's build-id, read once */
        uint8_t bid[20];
        size_t len;
    } *bin_ids;
};

/* ---- small path helpers ---- */

static const char *base_name(const char *p)
{
    const char *s = strrchr(p, '/');
    return s ? s + 1 : p;
}

/* The recorded name without the kernel's " (deleted)" suffix (go test
 * deletes its binaries after the run). */
static char *recorded_clean(const char *name)
{
    static const char suffix[] = " (deleted)";
    size_t n = strlen(name), k = sizeof(suffix) - 1;
    if (n > k && strcmp(name + n - k, suffix) == 0)
        n -= k;
    return xstrndup(name, n);
}

/* DIR + the recorded path, with "." and ".." resolved lexically so that the
 * result never leaves DIR. */
static char *path_under(const char *dir, const char *rec)
{
    struct sbuf sb = SBUF_INIT;
    size_t dirlen = strlen(dir);
    while (dirlen > 1 && dir[dirlen - 1] == '/')
        dirlen--;
    sbuf_add(&sb, dir, dirlen);
    size_t root = sb.len;
    const char *p = rec;
    while (*p) {
        while (*p == '/')
            p++;
        const char *e = p;
        while (*e && *e != '/')
            e++;
        size_t n = (size_t)(e - p);
        if (n == 0 || (n == 1 && p[0] == '.')) {
            /* skip */
        } else if (n == 2 && p[0] == '.' && p[1] == '.') {
            while (sb.len > root && sb.buf[sb.len - 1] != '/')
                sb.len--;
            if (sb.len > root)
                sb.len--;
            sb.buf[sb.len] = '\0';
        } else {
            sbuf_addch(&sb, '/');
            sbuf_add(&sb, p, n);
        }
        p = e;
    }
    return sbuf_detach(&sb);
}

static int is_dir(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

static int is_file(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

static void hex_of(const uint8_t *id, size_t n, char *out)
{
    static const char hx[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = hx[id[i] >> 4];
        out[2 * i + 1] = hx[id[i] & 15];
    }
    out[2 * n] = '\0';
}

/* Mappings that are not files and need no warning. */
static int not_a_file(const char *name)
{
    static const char *const prefixes[] = {
        "//anon", "[heap]", "[stack", "/memfd:", "[anon", "/dev/zero",
        "/SYSV", "[uprobes]", "[vsyscall]", "/tmp/perf-", "[vvar",
        "/anon_hugepage", "/dev/shm/",
    };
    if (!name || !*name)
        return 1;
    for (size_t i = 0; i < SF_ARRAY_SIZE(prefixes); i++)
        if (strncmp(name, prefixes[i], strlen(prefixes[i])) == 0)
            return 1;
    return 0;
}

static int is_kernel_name(const char *name)
{
    return strncmp(name, "[kernel.kallsyms]", 17) == 0 ||
           strncmp(name, "[guest.kernel", 13) == 0;
}

/* ---- ELF helpers ---- */

/* GNU build-id from the note sections (or PT_NOTE segments). */
/* The GNU build-id in a block of ELF notes; returns its length (0: none). */
static size_t note_build_id(Elf_Data *d, uint8_t *out)
{
    size_t off = 0, noff, doff;
    GElf_Nhdr nh;
    while ((off = gelf_getnote(d, off, &nh, &noff, &doff)) > 0) {
        if (nh.n_type == NT_GNU_BUILD_ID && nh.n_namesz == 4 &&
            memcmp((char *)d->d_buf + noff, "GNU", 4) == 0 &&
            nh.n_descsz > 0 && nh.n_descsz <= 20) {
            memcpy(out, (char *)d->d_buf + doff, nh.n_descsz);
            return nh.n_descsz;
        }
    }
    return 0;
}

size_t binary_elf_build_id(Elf *elf, uint8_t out[20])
{
    Elf_Scn *scn = NULL;
    size_t found = 0;
    while (!found && (scn = elf_nextscn(elf, scn)) != NULL) {
        GElf_Shdr sh;
        if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_NOTE)
            continue;
        Elf_Data *d = elf_getdata(scn, NULL);
        if (!d || !d->d_buf)
            continue;
        found = note_build_id(d, out);
    }
    if (found)
        return found;
    size_t nph;
    if (elf_getphdrnum(elf, &nph) != 0)
        return 0;
    for (size_t i = 0; i < nph && !found; i++) {
        GElf_Phdr ph;
        if (!gelf_getphdr(elf, (int)i, &ph) || ph.p_type != PT_NOTE)
            continue;
        Elf_Data *d = elf_getdata_rawchunk(elf, (int64_t)ph.p_offset, ph.p_filesz,
                                           ELF_T_NHDR);
        if (!d || !d->d_buf)
            continue;
        found = note_build_id(d, out);
    }
    return found;
}

static Elf_Scn *section_by_name(Elf *elf, const char *want)
{
    size_t shstrndx;
    if (elf_getshdrstrndx(elf, &shstrndx) != 0)
        return NULL;
    Elf_Scn *scn = NULL;
    while ((scn = elf_nextscn(elf, scn)) != NULL) {
        GElf_Shdr sh;
        if (!gelf_getshdr(scn, &sh))
            continue;
        const char *n = elf_strptr(elf, shstrndx, sh.sh_name);
        if (n && strcmp(n, want) == 0)
            return scn;
    }
    return NULL;
}

/* An opened ELF file before it becomes (part of) a struct binary. */
struct elf_file {
    int fd;
    Elf *elf;
    uint8_t bid[20];
    size_t bid_len;
};

static int elf_file_open(const char *path, struct elf_file *f)
{
    memset(f, 0, sizeof(*f));
    f->fd = -1;
    if (!is_file(path))
        return -1;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    Elf *elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
    if (!elf || elf_kind(elf) != ELF_K_ELF) {
        if (elf)
            elf_end(elf);
        close(fd);
        return -1;
    }
    f->fd = fd;
    f->elf = elf;
    f->bid_len = binary_elf_build_id(elf, f->bid);
    return 0;
}

static void elf_file_close(struct elf_file *f)
{
    if (f->elf)
        elf_end(f->elf);
    if (f->fd >= 0)
        close(f->fd);
    f->elf = NULL;
    f->fd = -1;
}

static int read_segs(Elf *elf, struct binary_seg **out, size_t *nr)
{
    size_t nph;
    *out = NULL;
    *nr = 0;
    if (elf_getphdrnum(elf, &nph) != 0)
        return -1;
    struct binary_seg *segs = xcalloc(MAX_SEGS, sizeof(*segs));
    size_t n = 0;
    for (size_t i = 0; i < nph && n < MAX_SEGS; i++) {
        GElf_Phdr ph;
        if (!gelf_getphdr(elf, (int)i, &ph) || ph.p_type != PT_LOAD)
            continue;
        segs[n].vaddr = ph.p_vaddr;
        segs[n].memsz = ph.p_memsz;
        segs[n].offset = ph.p_offset;
        segs[n].filesz = ph.p_filesz;
        segs[n].flags = ph.p_flags;
        n++;
    }
    *out = segs;
    *nr = n;
    return n ? 0 : -1;
}

static int map_is_exec(const struct sess_map *m)
{
    return m->prot == 0 || (m->prot & PROT_EXEC);
}

/* Does the mapping fit a PT_LOAD of the file?  (Used when there is no
 * build-id to compare.)  For an ET_DYN image (`is_dyn`) the kernel first
 * maps the first segment with the length of the whole reservation (every
 * PT_LOAD's span), then maps the others over it; perf records that first
 * mapping as it was made, longer than the segment, so a mapping of the
 * first segment's offset may be as long as the span. */
static int segs_fit_map(const struct binary_seg *segs, size_t nr,
                        const struct sess_map *m, int is_dyn)
{
    uint64_t len = m->end - m->start;
    int want_x = map_is_exec(m);
    uint64_t span = 0;
    if (is_dyn && nr) {
        uint64_t lo = UINT64_MAX, hi = 0;
        for (size_t i = 0; i < nr; i++) {
            lo = SF_MIN(lo, ALIGN_DOWN(segs[i].vaddr));
            hi = SF_MAX(hi, ALIGN_UP(segs[i].vaddr + segs[i].memsz));
        }
        span = hi > lo ? hi - lo : 0;
    }
    for (size_t i = 0; i < nr; i++) {
        const struct binary_seg *s = &segs[i];
        if (want_x && !(s->flags & PF_X))
            continue;
        uint64_t lo = ALIGN_DOWN(s->offset);
        uint64_t hi = ALIGN_UP(s->offset + SF_MAX(s->memsz, s->filesz));
        if (m->pgoff >= lo && m->pgoff < hi && len <= hi - m->pgoff)
            return 1;
        /* the reservation: the first segment's offset, at most the span */
        if (span && i == 0 && m->pgoff == lo && len <= span)
            return 1;
    }
    return 0;
}

/* "does not match the recorded mapping (PATH: ...)": what the capture
 * mapped and what the file's segments of that kind cover, so that a
 * refusal can be checked by hand (perf script --show-mmap-events,
 * readelf -l). */
static char *misfit_reason(const char *path, int fd, const struct sess_map *m,
                           const struct binary_seg *segs, size_t nr)
{
    struct sbuf sb = SBUF_INIT;
    int want_x = map_is_exec(m);
    sbuf_addf(&sb, "does not match the recorded mapping (%s: the capture maps 0x%llx bytes "
              "at file offset 0x%llx%s; the file's %ssegments cover", path,
              (unsigned long long)(m->end - m->start), (unsigned long long)m->pgoff,
              want_x ? ", executable" : "", want_x ? "executable " : "");
    int any = 0;
    for (size_t i = 0; i < nr; i++) {
        if (want_x && !(segs[i].flags & PF_X))
            continue;
        sbuf_addf(&sb, "%s 0x%llx-0x%llx", any ? "," : "",
                  (unsigned long long)ALIGN_DOWN(segs[i].offset),
                  (unsigned long long)ALIGN_UP(segs[i].offset +
                                               SF_MAX(segs[i].memsz, segs[i].filesz)));
        any = 1;
    }
    if (!any)
        sbuf_addstr(&sb, " nothing");
    /* The capture names the file it mapped (device and inode): a file
     * replaced since (a package upgrade renames a new one into place) is
     * another inode; the same inode was changed in place. */
    struct stat st;
    if (m->ino && fd >= 0 && fstat(fd, &st) == 0) {
        if (st.st_ino != m->ino || major(st.st_dev) != m->maj || minor(st.st_dev) != m->min)
            sbuf_addf(&sb, "; it is not the file the capture mapped (inode %llu on %u:%u, "
                      "this one %llu on %u:%u): replaced since?",
                      (unsigned long long)m->ino, m->maj, m->min,
                      (unsigned long long)st.st_ino, major(st.st_dev), minor(st.st_dev));
        else
            sbuf_addstr(&sb, "; it is the file the capture mapped (same inode), changed "
                        "in place since?");
    }
    sbuf_addch(&sb, ')');
    return sbuf_detach(&sb);
}

static int elf_is_dyn(Elf *elf)
{
    GElf_Ehdr eh;
    return gelf_getehdr(elf, &eh) && eh.e_type == ET_DYN;
}

/* ---- cache ---- */

static char *default_home_debug(void)
{
    const char *home = getenv("HOME");
    if (!home || !*home)
        return NULL;
    struct sbuf sb = SBUF_INIT;
    sbuf_addf(&sb, "%s/.debug", home);
    return sbuf_detach(&sb);
}

static void add_debug_dir(struct binary_cache *c, const char *d, size_t *cap)
{
    size_t n = strlen(d);
    while (n > 1 && d[n - 1] == '/')
        n--;
    /* accept both "/usr/lib/debug" and "/usr/lib/debug/.build-id" */
    if (n >= 9 && strncmp(d + n - 9, ".build-id", 9) == 0 &&
        (n == 9 || d[n - 10] == '/')) {
        n -= 9;
        while (n > 1 && d[n - 1] == '/')
            n--;
    }
    c->debug_dirs = xgrow(c->debug_dirs, sizeof(char *), c->nr_debug_dirs + 1, cap);
    c->debug_dirs[c->nr_debug_dirs++] = xstrndup(d, n ? n : 1);
}

struct binary_cache *binary_cache_new(const struct binary_opts *o)
{
    struct binary_cache *c = xcalloc(1, sizeof(*c));
    elf_version(EV_CURRENT);
    if (o)
        c->opts = *o;
    pthread_mutex_init(&c->lock, NULL);
    if (c->opts.nr_binaries) {
        c->uses = xcalloc(c->opts.nr_binaries, sizeof(*c->uses));
        c->bin_ids = xcalloc(c->opts.nr_binaries, sizeof(*c->bin_ids));
        for (size_t i = 0; i < c->opts.nr_binaries; i++) {
            struct elf_file f;
            if (elf_file_open(c->opts.binaries[i], &f) == 0) {
                memcpy(c->bin_ids[i].bid, f.bid, f.bid_len);
                c->bin_ids[i].len = f.bid_len;
                elf_file_close(&f);
            }
        }
    }
    size_t cap = 0;
    if (o && o->debug_dirs) {
        for (size_t i = 0; i < o->nr_debug_dirs; i++)
            if (o->debug_dirs[i] && *o->debug_dirs[i])
                add_debug_dir(c, o->debug_dirs[i], &cap);
    } else {
        char *h = default_home_debug();
        if (h) {
            add_debug_dir(c, h, &cap);
            free(h);
        }
        add_debug_dir(c, "/usr/lib/debug", &cap);
    }
    return c;
}

int binary_check_file(const char *path, struct sf_err *err)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return sf_error(err, "'%s': %s (--binary)", path, strerror(errno));
    if (!S_ISREG(st.st_mode))
        return sf_error(err, "'%s': not a regular file (--binary)", path);
    struct elf_file f;
    if (elf_version(EV_CURRENT) == EV_NONE || elf_file_open(path, &f) != 0)
        return sf_error(err, "'%s': not an ELF file (--binary)", path);
    elf_file_close(&f);
    return 0;
}

int binary_cache_open(const struct binary_opts *o, struct binary_cache **out,
                      struct sf_err *err)
{
    *out = NULL;
    for (size_t i = 0; o && i < o->nr_binaries; i++) {
        struct elf_file f;
        if (elf_file_open(o->binaries[i], &f) != 0)
            return sf_error(err, "'%s': cannot open as an ELF file (--binary)",
                            o->binaries[i]);
        elf_file_close(&f);
    }
    if (o && o->symfs && !is_dir(o->symfs))
        return sf_error(err, "'%s': not a directory (--symfs)", o->symfs);
    if (o && o->kallsyms) {
        FILE *fp = fopen(o->kallsyms, "r");
        if (!fp)
            return sf_error(err, "'%s': %s (--kallsyms)", o->kallsyms, strerror(errno));
        fclose(fp);
    }
    *out = binary_cache_new(o);
    return 0;
}

static void binary_free(struct binary *b)
{
    if (!b)
        return;
    if (b->priv && b->priv_free)
        b->priv_free(b->priv);
    if (b->gosym)
        gosym_free(b->gosym);
    if (b->debug_elf)
        elf_end(b->debug_elf);
    if (b->debug_fd >= 0)
        close(b->debug_fd);
    if (b->elf)
        elf_end(b->elf);
    if (b->fd >= 0)
        close(b->fd);
    pthread_mutex_destroy(&b->lock);
    free(b->segs);
    free(b->path);
    free(b->debug_path);
    free(b);
}

void binary_cache_free(struct binary_cache *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->nr_bins; i++)
        binary_free(c->bins[i]);
    free(c->bins);
    for (size_t i = 0; i < c->nr_keys; i++)
        free(c->keys[i].filename);
    free(c->keys);
    for (size_t i = 0; i < c->nr_missing; i++) {
        free((char *)c->missing[i].recorded_path);
        free((char *)c->missing[i].reason);
    }
    free(c->missing);
    for (size_t i = 0; i < c->nr_debug_dirs; i++)
        free(c->debug_dirs[i]);
    free(c->debug_dirs);
    for (size_t i = 0; i < c->nr_ksyms; i++)
        free(c->ksyms[i].name);
    free(c->ksyms);
    for (size_t i = 0; c->uses && i < c->opts.nr_binaries; i++) {
        free(c->uses[i].recorded_path);
        free(c->uses[i].also_fits);
    }
    free(c->uses);
    free(c->bin_ids);
    for (size_t i = 0; i < c->nr_placed; i++) {
        free(c->placed[i].recorded);
        free(c->placed[i].file);
    }
    free(c->placed);
    pthread_mutex_destroy(&c->lock);
    free(c);
}

const struct binary_use *binary_cache_use(const struct binary_cache *c, size_t i)
{
    return c && c->uses && i < c->opts.nr_binaries ? &c->uses[i] : NULL;
}

static void set_use(struct binary_cache *c, size_t i, enum binary_use_how how,
                    const char *recorded)
{
    if (c->uses[i].how != BINARY_UNCLAIMED)
        return;
    c->uses[i].how = how;
    c->uses[i].recorded_path = xstrdup(recorded);
}

void binary_cache_add_use(struct binary_cache *c, size_t i, enum binary_use_how how,
                          const char *recorded_path, const char *also_fits)
{
    if (c && c->uses && i < c->opts.nr_binaries && how != BINARY_UNCLAIMED && recorded_path)
        set_use(c, i, how, recorded_path);
    if (c && c->uses && i < c->opts.nr_binaries && also_fits && !c->uses[i].also_fits)
        c->uses[i].also_fits = xstrdup(also_fits);
}

/* A mapping claims the --binary files of its base name or build-id, found
 * through them or not (a build-id cache may serve first). */
static void claim_binaries(struct binary_cache *c, const struct sess_map *m,
                           const char *recorded)
{
    for (size_t i = 0; c->uses && i < c->opts.nr_binaries; i++) {
        if (m->build_id_size && c->bin_ids[i].len == m->build_id_size &&
            memcmp(c->bin_ids[i].bid, m->build_id, m->build_id_size) == 0)
            set_use(c, i, BINARY_BY_BUILD_ID, recorded);
        else if (strcmp(base_name(c->opts.binaries[i]), base_name(recorded)) == 0)
            set_use(c, i, BINARY_BY_NAME, recorded);
    }
}

/* ---- lookup ---- */

struct lookup {
    struct binary_cache *c;
    const struct sess_map *m;
    char *recorded;             /* cleaned recorded path */
    char bid_hex[41];
    char *refusal;              /* first refusal reason, kept for the summary */
};

static void refuse(struct lookup *lk, char *reason)
{
    if (!lk->refusal)
        lk->refusal = reason;
    else
        free(reason);
}

static int bid_matches(const struct sess_map *m, const uint8_t *bid, size_t len)
{
    return m->build_id_size && len &&
           (size_t)m->build_id_size == len && memcmp(m->build_id, bid, len) == 0;
}

/* Accepts an opened candidate for the mapping or refuses it (closing it). */
static int candidate_ok(struct lookup *lk, const char *path, struct elf_file *f,
                        int require_bid)
{
    const struct sess_map *m = lk->m;
    if (m->build_id_size && f->bid_len) {
        if (bid_matches(m, f->bid, f->bid_len))
            return 1;
        struct sbuf sb = SBUF_INIT;
        sbuf_addf(&sb, "build-id mismatch: %s", path);
        refuse(lk, sbuf_detach(&sb));
        return 0;
    }
    if (require_bid)
        return 0;
    struct binary_seg *segs;
    size_t nr;
    int fits = read_segs(f->elf, &segs, &nr) == 0 &&
               segs_fit_map(segs, nr, m, elf_is_dyn(f->elf));
    if (!fits)
        refuse(lk, misfit_reason(path, f->fd, m, segs, nr));
    free(segs);
    return fits;
}

/* Tries one path; on success fills f and returns 1. */
static int try_path(struct lookup *lk, const char *path, struct elf_file *f,
                    int require_bid)
{
    if (elf_file_open(path, f) != 0)
        return 0;
    if (candidate_ok(lk, path, f, require_bid))
        return 1;
    elf_file_close(f);
    return 0;
}

/* Build-id cache entry DIR/.build-id/xx/rest: a file (old perf layout, or a
 * Fedora-style link to the binary) or a directory holding `elf` (perf) or
 * `vdso` (perf's vdso image). */
static int try_build_id_dirs(struct lookup *lk, struct elf_file *f, char **found)
{
    struct binary_cache *c = lk->c;
    static const char *const inner[] = { "elf", "vdso" };
    for (size_t i = 0; i < c->nr_debug_dirs; i++) {
        struct sbuf sb = SBUF_INIT;
        sbuf_addf(&sb, "%s/.build-id/%.2s/%s", c->debug_dirs[i], lk->bid_hex,
                  lk->bid_hex + 2);
        char *entry = sbuf_detach(&sb);
        if (is_dir(entry)) {
            for (size_t k = 0; k < SF_ARRAY_SIZE(inner); k++) {
                sbuf_addf(&sb, "%s/%s", entry, inner[k]);
                char *p = sbuf_detach(&sb);
                if (try_path(lk, p, f, 1)) {
                    *found = p;
                    free(entry);
                    return 1;
                }
                free(p);
            }
        } else if (try_path(lk, entry, f, 1)) {
            *found = entry;
            return 1;
        }
        free(entry);
    }
    return 0;
}

/* perf keeps vdso images as DIR/[vdso]/<build-id>/vdso; without a recorded
 * build-id, use one only if it is the single image that fits. */
static int try_vdso_scan(struct lookup *lk, struct elf_file *f, char **found)
{
    struct binary_cache *c = lk->c;
    for (size_t i = 0; i < c->nr_debug_dirs; i++) {
        struct sbuf sb = SBUF_INIT;
        sbuf_addf(&sb, "%s/[vdso]", c->debug_dirs[i]);
        char *dir = sbuf_detach(&sb);
        DIR *dh = opendir(dir);
        char *only = NULL;
        int n = 0;
        struct dirent *de;
        for (int k = 0; dh && k < 256 && (de = readdir(dh)) != NULL; k++) {
            if (de->d_name[0] == '.')
                continue;
            sbuf_addf(&sb, "%s/%s/vdso", dir, de->d_name);
            char *p = sbuf_detach(&sb);
            struct elf_file t;
            if (elf_file_open(p, &t) == 0) {
                struct binary_seg *segs;
                size_t nr;
                if (read_segs(t.elf, &segs, &nr) == 0 &&
                    segs_fit_map(segs, nr, lk->m, elf_is_dyn(t.elf))) {
                    n++;
                    free(only);
                    only = xstrdup(p);
                }
                free(segs);
                elf_file_close(&t);
            }
            free(p);
        }
        if (dh)
            closedir(dh);
        free(dir);
        if (n == 1 && elf_file_open(only, f) == 0) {
            *found = only;
            return 1;
        }
        free(only);
    }
    return 0;
}

static int try_binaries(struct lookup *lk, struct elf_file *f, char **found)
{
    const struct binary_opts *o = &lk->c->opts;
    const char *want = base_name(lk->recorded);
    /* first pass: same build-id */
    if (lk->m->build_id_size) {
        for (size_t i = 0; i < o->nr_binaries; i++) {
            struct elf_file t;
            if (elf_file_open(o->binaries[i], &t) != 0)
                continue;
            if (bid_matches(lk->m, t.bid, t.bid_len)) {
                *f = t;
                *found = xstrdup(o->binaries[i]);
                return 1;
            }
            elf_file_close(&t);
        }
    }
    /* second pass: same base name (Go test binaries carry no GNU build-id) */
    for (size_t i = 0; i < o->nr_binaries; i++) {
        if (strcmp(base_name(o->binaries[i]), want) != 0)
            continue;
        if (try_path(lk, o->binaries[i], f, 0)) {
            *found = xstrdup(o->binaries[i]);
            return 1;
        }
    }
    return 0;
}

/* An exact fit: a segment's whole page range, or for an ET_DYN image the
 * whole reservation, at the mapping's offset; and the Go text inside. */
static int fits_exactly(struct elf_file *f, const struct sess_map *m)
{
    struct binary_seg *segs;
    size_t nr;
    int ok = 0;
    if (read_segs(f->elf, &segs, &nr) < 0) {
        free(segs);
        return 0;
    }
    uint64_t len = m->end - m->start, vstart = 0;
    uint64_t lo = UINT64_MAX, hi = 0;
    for (size_t i = 0; i < nr; i++) {
        lo = SF_MIN(lo, ALIGN_DOWN(segs[i].vaddr));
        hi = SF_MAX(hi, ALIGN_UP(segs[i].vaddr + segs[i].memsz));
    }
    for (size_t i = 0; i < nr && !ok; i++) {
        const struct binary_seg *sg = &segs[i];
        if (!(sg->flags & PF_X) || ALIGN_DOWN(sg->offset) != m->pgoff)
            continue;
        vstart = ALIGN_DOWN(sg->vaddr);
        ok = len == ALIGN_UP(sg->offset + sg->filesz) - m->pgoff ||
             (i == 0 && elf_is_dyn(f->elf) && len == hi - lo);
    }
    free(segs);
    if (!ok)
        return 0;
    struct gosym_table *t = NULL;
    struct sf_err err = { { 0 } };
    if (gosym_open_elf("--binary", f->elf, &t, &err) != 0)
        return 0;               /* not Go: without a build-id, too weak */
    uint64_t tlo, thi;
    gosym_text_range(t, &tlo, &thi);
    gosym_free(t);
    return tlo >= vstart && thi <= vstart + len && tlo < thi;
}

static int taken_elsewhere(const struct binary_opts *o, const char *path)
{
    for (size_t i = 0; i < o->nr_not_by_content; i++)
        if (!strcmp(o->not_by_content[i], path))
            return 1;
    return 0;
}

/* For a mapping no build-id or --binary name resolved, before --symfs and
 * the recorded path: the single --binary no mapping has claimed that fits
 * it by content (Go, no build-id on the
 * mapping).  Several fitting files are refused, naming them. */
static int try_by_content(struct lookup *lk, struct elf_file *f, char **found)
{
    struct binary_cache *c = lk->c;
    const struct binary_opts *o = &c->opts;
    size_t hit = 0, n = 0;
    struct sbuf names = SBUF_INIT;
    if (lk->m->build_id_size || !c->uses)
        return 0;
    for (size_t i = 0; i < o->nr_binaries; i++) {
        struct binary_use *u = &c->uses[i];
        /* one taken by content that fits this mapping too: which one it
         * is cannot be told (cmd_check_binaries refuses it) */
        if (u->how == BINARY_BY_CONTENT && !u->also_fits &&
            strcmp(u->recorded_path, lk->recorded)) {
            struct elf_file t;
            if (elf_file_open(o->binaries[i], &t) == 0) {
                if (fits_exactly(&t, lk->m))
                    u->also_fits = xstrdup(lk->recorded);
                elf_file_close(&t);
            }
        }
        if (u->how != BINARY_UNCLAIMED || taken_elsewhere(o, o->binaries[i]))
            continue;
        struct elf_file t;
        if (elf_file_open(o->binaries[i], &t) != 0)
            continue;
        if (fits_exactly(&t, lk->m)) {
            sbuf_addf(&names, "%s%s", n ? ", " : "", o->binaries[i]);
            hit = i;
            n++;
        }
        elf_file_close(&t);
    }
    if (n == 1 && elf_file_open(o->binaries[hit], f) == 0) {
        sbuf_release(&names);
        set_use(c, hit, BINARY_BY_CONTENT, lk->recorded);
        *found = xstrdup(o->binaries[hit]);
        return 1;
    }
    if (n > 1) {
        struct sbuf sb = SBUF_INIT;
        sbuf_addf(&sb, "several --binary files fit it (%s)", sbuf_str(&names));
        refuse(lk, sbuf_detach(&sb));
    }
    sbuf_release(&names);
    return 0;
}

/* A file placed for exactly this recorded path (a record folder's copy). */
static int try_placed(struct lookup *lk, struct elf_file *f, char **found)
{
    const struct binary_cache *c = lk->c;
    for (size_t i = 0; i < c->nr_placed; i++) {
        if (strcmp(c->placed[i].recorded, lk->recorded) != 0)
            continue;
        if (try_path(lk, c->placed[i].file, f, 0)) {
            *found = xstrdup(c->placed[i].file);
            return 1;
        }
    }
    return 0;
}

static int try_symfs(struct lookup *lk, struct elf_file *f, char **found)
{
    const char *symfs = lk->c->opts.symfs;
    if (!symfs)
        return 0;
    char *p = path_under(symfs, lk->recorded);
    if (try_path(lk, p, f, 0)) {
        *found = p;
        return 1;
    }
    free(p);
    const char *bn = base_name(lk->recorded);
    if (!*bn || strcmp(bn, ".") == 0 || strcmp(bn, "..") == 0)
        return 0;
    p = path_under(symfs, bn);
    if (try_path(lk, p, f, 0)) {
        *found = p;
        return 1;
    }
    free(p);
    return 0;
}

/* The separate debug file for an accepted binary: by build-id in the debug
 * dirs, else by .gnu_debuglink next to the recorded path under each debug
 * dir.  Its build-id must equal the binary's when both have one. */
static int find_debug_file(struct binary_cache *c, const char *recorded,
                           const struct elf_file *code, struct elf_file *dbg,
                           char **found)
{
    struct sbuf sb = SBUF_INIT;
    if (code->bid_len) {
        char hex[41];
        hex_of(code->bid, code->bid_len, hex);
        for (size_t i = 0; i < c->nr_debug_dirs; i++) {
            static const char *const suffix[] = { ".debug", "/debug" };
            for (size_t k = 0; k < 2; k++) {
                sbuf_addf(&sb, "%s/.build-id/%.2s/%s%s", c->debug_dirs[i], hex,
                          hex + 2, suffix[k]);
                char *p = sbuf_detach(&sb);
                if (elf_file_open(p, dbg) == 0) {
                    if (dbg->bid_len == code->bid_len &&
                        memcmp(dbg->bid, code->bid, code->bid_len) == 0) {
                        *found = p;
                        return 1;
                    }
                    elf_file_close(dbg);
                }
                free(p);
            }
        }
    }
    Elf_Scn *scn = section_by_name(code->elf, ".gnu_debuglink");
    if (!scn || recorded[0] != '/')
        return 0;
    Elf_Data *d = elf_getdata(scn, NULL);
    if (!d || !d->d_buf || d->d_size < 2)
        return 0;
    const char *name = d->d_buf;
    size_t n = strnlen(name, d->d_size);
    if (n == 0 || n == d->d_size || memchr(name, '/', n) ||
        strcmp(name, "..") == 0 || strcmp(name, ".") == 0)
        return 0;
    const char *slash = strrchr(recorded, '/');
    char *dir = xstrndup(recorded, (size_t)(slash - recorded));
    for (size_t i = 0; i < c->nr_debug_dirs; i++) {
        sbuf_addf(&sb, "%s/%s", dir, name);
        char *rel = sbuf_detach(&sb);
        char *p = path_under(c->debug_dirs[i], rel);
        free(rel);
        if (elf_file_open(p, dbg) == 0) {
            if (!code->bid_len || !dbg->bid_len ||
                (dbg->bid_len == code->bid_len &&
                 memcmp(dbg->bid, code->bid, code->bid_len) == 0)) {
                *found = p;
                free(dir);
                return 1;
            }
            elf_file_close(dbg);
        }
        free(p);
    }
    free(dir);
    return 0;
}

static struct binary *binary_make(struct binary_cache *c, const char *recorded,
                                  struct elf_file *f, char *path)
{
    struct binary *b = xcalloc(1, sizeof(*b));
    b->path = path;
    b->fd = f->fd;
    b->elf = f->elf;
    b->debug_fd = -1;
    memcpy(b->build_id, f->bid, f->bid_len);
    b->build_id_len = f->bid_len;
    GElf_Ehdr eh;
    if (gelf_getehdr(b->elf, &eh)) {
        b->is_pie = eh.e_type == ET_DYN;
        b->entry = eh.e_entry;
    }
    read_segs(b->elf, &b->segs, &b->nr_segs);
    static const char *const plts[] = { ".plt", ".plt.sec", ".plt.got", ".iplt" };
    for (size_t i = 0; i < SF_ARRAY_SIZE(plts); i++) {
        Elf_Scn *scn = section_by_name(b->elf, plts[i]);
        GElf_Shdr sh;
        if (scn && gelf_getshdr(scn, &sh) && sh.sh_size) {
            b->plt[b->nr_plt][0] = sh.sh_addr;
            b->plt[b->nr_plt][1] = sh.sh_addr + sh.sh_size;
            b->nr_plt++;
        }
    }
    pthread_mutex_init(&b->lock, NULL);
    /* A file whose text is NOBITS is itself a debug file: symbols only. */
    Elf_Scn *text = section_by_name(b->elf, ".text");
    GElf_Shdr sh;
    if (text && gelf_getshdr(text, &sh) && sh.sh_type == SHT_NOBITS)
        b->code_is_debug = 1;
    struct elf_file dbg;
    char *dpath = NULL;
    if (!b->code_is_debug && find_debug_file(c, recorded, f, &dbg, &dpath)) {
        b->debug_fd = dbg.fd;
        b->debug_elf = dbg.elf;
        b->debug_path = dpath;
    }
    return b;
}

/* Returns an already opened binary for the same file, or NULL. */
static struct binary *find_open(struct binary_cache *c, const char *path)
{
    for (size_t i = 0; i < c->nr_bins; i++)
        if (strcmp(c->bins[i]->path, path) == 0)
            return c->bins[i];
    return NULL;
}

/* The entry for this path and reason, or nr_missing. */
static size_t find_missing(const struct binary_cache *c, const char *recorded,
                           const char *reason)
{
    size_t i = 0;
    while (i < c->nr_missing && !(strcmp(c->missing[i].recorded_path, recorded) == 0 &&
                                  strcmp(c->missing[i].reason, reason) == 0))
        i++;
    return i;
}

static size_t add_missing(struct binary_cache *c, const struct sess_map *m,
                          const char *recorded, char *reason)
{
    size_t i = find_missing(c, recorded, reason);
    if (i < c->nr_missing) {
        free(reason);
        return i;
    }
    c->missing = xgrow(c->missing, sizeof(*c->missing), c->nr_missing + 1,
                       &c->cap_missing);
    struct binary_missing *x = &c->missing[c->nr_missing];
    memset(x, 0, sizeof(*x));
    x->recorded_path = xstrdup(recorded);
    hex_of(m->build_id, SF_MIN(m->build_id_size, 20), x->build_id_hex);
    x->reason = reason;
    return c->nr_missing++;
}

static struct binary_key *find_key(struct binary_cache *c, const struct sess_map *m)
{
    for (size_t i = 0; i < c->nr_keys; i++) {
        struct binary_key *k = &c->keys[i];
        if (k->build_id_size == m->build_id_size &&
            memcmp(k->build_id, m->build_id, SF_MIN(m->build_id_size, 20)) == 0 &&
            strcmp(k->filename, m->filename) == 0)
            return k;
    }
    return NULL;
}

/* The binary for file `found` (opened as f): the one already open from that
 * path, or a new one kept in the cache.  Takes ownership of f and found. */
static struct binary *adopt(struct binary_cache *c, const char *recorded,
                            struct elf_file *f, char *found)
{
    struct binary *b = find_open(c, found);
    if (b) {
        elf_file_close(f);
        free(found);
        return b;
    }
    b = binary_make(c, recorded, f, found);
    c->bins = xgrow(c->bins, sizeof(*c->bins), c->nr_bins + 1, &c->cap_bins);
    c->bins[c->nr_bins++] = b;
    return b;
}

/* Is `p` a test binary in go's temporary build folder,
 * .../go-build<digits>/b<digits>/NAME (go test deletes it after the run)? */
static int in_go_build_dir(const char *p)
{
    const char *d = strstr(p, "/go-build");
    while (d) {
        const char *q = d + 9;
        if (isdigit((unsigned char)*q)) {
            while (isdigit((unsigned char)*q))
                q++;
            if (q[0] == '/' && q[1] == 'b' && isdigit((unsigned char)q[2])) {
                q += 2;
                while (isdigit((unsigned char)*q))
                    q++;
                if (*q == '/' && q[1] && !strchr(q + 1, '/'))
                    return 1;
            }
        }
        d = strstr(d + 1, "/go-build");
    }
    return 0;
}

static char *not_found_reason(const char *recorded)
{
    if (!in_go_build_dir(recorded))
        return xstrdup("not found");
    struct sbuf sb = SBUF_INIT;
    const char *bn = base_name(recorded);
    sbuf_addf(&sb, "not found: go test deleted it after the run (keep it with "
              "'go test -c -o %s', 'go test -work' or 'sysflame record')", bn);
    return sbuf_detach(&sb);
}

/* The kernel said the mapped file was deleted ("PATH (deleted)": replaced
 * while the process ran, as a package upgrade does), and the file now at
 * PATH is another inode than the one mapped: not the mapped file, however
 * well its segments fit (they often do: another version of a library).
 * Refuses it (1). */
static int replaced_since(struct lookup *lk, const struct elf_file *f)
{
    const struct sess_map *m = lk->m;
    struct stat st;
    if (!m->ino || strcmp(m->filename, lk->recorded) == 0 || fstat(f->fd, &st) != 0 ||
        (st.st_ino == m->ino && major(st.st_dev) == m->maj && minor(st.st_dev) == m->min))
        return 0;
    struct sbuf sb = SBUF_INIT;
    sbuf_addf(&sb, "deleted since it was mapped: %s is another file now (inode %llu on %u:%u, "
              "the mapped one %llu on %u:%u)", lk->recorded, (unsigned long long)st.st_ino,
              major(st.st_dev), minor(st.st_dev), (unsigned long long)m->ino, m->maj, m->min);
    refuse(lk, sbuf_detach(&sb));
    return 1;
}

static struct binary *resolve(struct binary_cache *c, const struct sess_map *m,
                              int *is_missing, size_t *missing_idx)
{
    struct lookup lk = { .c = c, .m = m };
    struct elf_file f;
    char *found = NULL;
    *is_missing = 0;
    if (m->build_id_size > 20)
        return NULL;
    lk.recorded = recorded_clean(m->filename);
    hex_of(m->build_id, m->build_id_size, lk.bid_hex);
    int is_vdso = strcmp(lk.recorded, "[vdso]") == 0;
    int ok = 0;
    if (m->build_id_size)
        ok = try_build_id_dirs(&lk, &f, &found);
    if (!ok && is_vdso && !m->build_id_size)
        ok = try_vdso_scan(&lk, &f, &found);
    if (!ok && !is_vdso)
        ok = try_placed(&lk, &f, &found);
    if (!ok && !is_vdso)
        ok = try_binaries(&lk, &f, &found);
    /* a --binary given for this mapping under another name comes before
     * what is at the recorded path (a rebuild of the program, maybe) */
    if (!ok && !is_vdso && map_is_exec(m))
        ok = try_by_content(&lk, &f, &found);
    if (!ok && !is_vdso)
        ok = try_symfs(&lk, &f, &found);
    if (!ok && !is_vdso && lk.recorded[0] == '/' && try_path(&lk, lk.recorded, &f, 0)) {
        if (replaced_since(&lk, &f)) {
            elf_file_close(&f);
        } else {
            found = xstrdup(lk.recorded);
            ok = 1;
        }
    }
    struct binary *b = NULL;
    if (ok) {
        b = adopt(c, lk.recorded, &f, found);
        free(lk.refusal);
    } else {
        *is_missing = 1;
        *missing_idx = add_missing(c, m, lk.recorded,
                                   lk.refusal ? lk.refusal : not_found_reason(lk.recorded));
    }
    free(lk.recorded);
    return b;
}

struct binary *binary_for_map(struct binary_cache *c, const struct sess_map *m)
{
    if (!c || !m || m->kernel || !m->filename || not_a_file(m->filename) ||
        is_kernel_name(m->filename))
        return NULL;
    pthread_mutex_lock(&c->lock);
    struct binary_key *k = find_key(c, m);
    if (!k) {
        int missing = 0;
        size_t idx = 0;
        char *rec = recorded_clean(m->filename);
        claim_binaries(c, m, rec);
        free(rec);
        struct binary *b = resolve(c, m, &missing, &idx);
        c->keys = xgrow(c->keys, sizeof(*c->keys), c->nr_keys + 1, &c->cap_keys);
        k = &c->keys[c->nr_keys++];
        memset(k, 0, sizeof(*k));
        k->filename = xstrdup(m->filename);
        k->build_id_size = SF_MIN(m->build_id_size, 20);
        memcpy(k->build_id, m->build_id, k->build_id_size);
        k->bin = b;
        k->missing_idx = missing ? idx : (size_t)-1;
    }
    struct binary *b = k->bin;
    /* Without build-ids, every mapping of the file must fit it. */
    if (b && !m->build_id_size && !segs_fit_map(b->segs, b->nr_segs, m, b->is_pie)) {
        char *rec = recorded_clean(m->filename);
        add_missing(c, m, rec, misfit_reason(b->path, b->fd, m, b->segs, b->nr_segs));
        free(rec);
        b = NULL;
    }
    pthread_mutex_unlock(&c->lock);
    return b;
}

struct binary *binary_prefetch(struct binary_cache *c, const char *recorded,
                               const uint8_t *build_id, size_t build_id_size)
{
    if (!c || !recorded || !build_id_size || build_id_size > 20 ||
        not_a_file(recorded) || is_kernel_name(recorded))
        return NULL;
    struct sess_map m = { .filename = recorded, .build_id_size = (uint8_t)build_id_size };
    memcpy(m.build_id, build_id, build_id_size);
    struct lookup lk = { .c = c, .m = &m };
    struct elf_file f;
    char *found = NULL;
    struct binary *b = NULL;
    pthread_mutex_lock(&c->lock);
    lk.recorded = recorded_clean(recorded);
    hex_of(m.build_id, m.build_id_size, lk.bid_hex);
    /* Only the build-id cache: a file found there is the one resolve()
     * picks first for this identity, so binary_for_map shares it later. */
    if (try_build_id_dirs(&lk, &f, &found))
        b = adopt(c, lk.recorded, &f, found);
    free(lk.refusal);
    free(lk.recorded);
    pthread_mutex_unlock(&c->lock);
    return b;
}

void binary_note_missing_sample(struct binary_cache *c, const struct sess_map *m)
{
    if (!c || !m || !m->filename || m->kernel || not_a_file(m->filename) ||
        is_kernel_name(m->filename))
        return;
    pthread_mutex_lock(&c->lock);
    char *rec = recorded_clean(m->filename);
    struct binary_key *k = find_key(c, m);
    if (k && k->missing_idx != (size_t)-1 && k->missing_idx < c->nr_missing) {
        c->missing[k->missing_idx].samples++;
    } else {
        for (size_t i = 0; i < c->nr_missing; i++)
            if (strcmp(c->missing[i].recorded_path, rec) == 0) {
                c->missing[i].samples++;
                break;
            }
    }
    free(rec);
    pthread_mutex_unlock(&c->lock);
}

void binary_cache_add_recorded(struct binary_cache *c, const char *recorded, const char *file)
{
    pthread_mutex_lock(&c->lock);
    c->placed = xgrow(c->placed, sizeof(*c->placed), c->nr_placed + 1, &c->cap_placed);
    c->placed[c->nr_placed].recorded = xstrdup(recorded);
    c->placed[c->nr_placed].file = xstrdup(file);
    c->nr_placed++;
    pthread_mutex_unlock(&c->lock);
}

void binary_cache_add_missing(struct binary_cache *c, const struct binary_missing *m)
{
    pthread_mutex_lock(&c->lock);
    size_t i = find_missing(c, m->recorded_path, m->reason);
    if (i == c->nr_missing) {
        c->missing = xgrow(c->missing, sizeof(*c->missing), c->nr_missing + 1,
                           &c->cap_missing);
        struct binary_missing *x = &c->missing[c->nr_missing++];
        *x = *m;
        x->recorded_path = xstrdup(m->recorded_path);
        x->reason = xstrdup(m->reason);
        x->samples = 0;
    }
    c->missing[i].samples += m->samples;
    pthread_mutex_unlock(&c->lock);
}

void binary_cache_missing_rollback(struct binary_cache *c, const uint64_t *samples, size_t n)
{
    pthread_mutex_lock(&c->lock);
    /* later entries stay (their keys point at them; the capture read again
     * meets them first, in the same order) with no samples */
    for (size_t i = 0; i < c->nr_missing; i++)
        c->missing[i].samples = i < n ? samples[i] : 0;
    pthread_mutex_unlock(&c->lock);
}

size_t binary_cache_nr_missing(const struct binary_cache *c)
{
    return c ? c->nr_missing : 0;
}

const struct binary_missing *binary_cache_missing(const struct binary_cache *c, size_t i)
{
    return c && i < c->nr_missing ? &c->missing[i] : NULL;
}

/* ---- accessors ---- */

const char *binary_path(const struct binary *b) { return b->path; }
Elf *binary_elf(const struct binary *b) { return b->elf; }
int binary_fd(const struct binary *b) { return b->fd; }
const char *binary_debug_path(const struct binary *b) { return b->debug_path; }
Elf *binary_debug_elf(const struct binary *b) { return b->debug_elf; }
int binary_has_code(const struct binary *b) { return !b->code_is_debug; }

const uint8_t *binary_build_id(const struct binary *b, size_t *len)
{
    *len = b->build_id_len;
    return b->build_id_len ? b->build_id : NULL;
}

size_t binary_nr_segs(const struct binary *b) { return b->nr_segs; }

const struct binary_seg *binary_seg(const struct binary *b, size_t i)
{
    return i < b->nr_segs ? &b->segs[i] : NULL;
}

uint64_t binary_load_bias_hint(const struct binary *b)
{
    uint64_t lo = UINT64_MAX;
    for (size_t i = 0; i < b->nr_segs; i++)
        lo = SF_MIN(lo, b->segs[i].vaddr);
    return b->nr_segs ? lo : 0;
}

int binary_is_pie(const struct binary *b) { return b->is_pie; }

uint64_t binary_entry(const struct binary *b) { return b->entry; }

int binary_in_plt(const struct binary *b, uint64_t vaddr)
{
    for (size_t i = 0; i < b->nr_plt; i++)
        if (vaddr >= b->plt[i][0] && vaddr < b->plt[i][1])
            return 1;
    return 0;
}

static const struct binary_seg *seg_for_offset(const struct binary *b, uint64_t off,
                                               int want_x, int aligned)
{
    for (int pass = 0; pass < 2; pass++) {
        for (size_t i = 0; i < b->nr_segs; i++) {
            const struct binary_seg *s = &b->segs[i];
            if (pass == 0 && !!(s->flags & PF_X) != want_x)
                continue;
            uint64_t lo = aligned ? ALIGN_DOWN(s->offset) : s->offset;
            uint64_t hi = s->offset + SF_MAX(s->filesz, s->memsz);
            if (aligned)
                hi = ALIGN_UP(hi);
            if (off >= lo && off < hi)
                return s;
        }
    }
    return NULL;
}

int binary_to_vaddr(const struct binary *b, const struct sess_map *m,
                    uint64_t addr, uint64_t *vaddr)
{
    if (addr < m->start || addr >= m->end)
        return -1;
    uint64_t off = addr - m->start + m->pgoff;
    int want_x = map_is_exec(m);
    const struct binary_seg *s = seg_for_offset(b, off, want_x, 0);
    if (!s)
        s = seg_for_offset(b, off, want_x, 1);
    if (!s)
        return -1;
    *vaddr = off - s->offset + s->vaddr;
    return 0;
}

int binary_to_vaddr_window(const struct binary *b, const struct sess_map *m, uint64_t addr,
                           uint64_t *vaddr, uint64_t *lo, uint64_t *hi)
{
    *lo = *hi = 0;
    if (binary_to_vaddr(b, m, addr, vaddr) < 0)
        return -1;
    /* The window: the part of the mapping whose file offsets fall in one
     * segment's exact range and in no other segment's (aligned or not), so
     * that binary_to_vaddr would pick that segment for every address in
     * it.  Anything less clear-cut gets no window. */
    uint64_t off = addr - m->start + m->pgoff;
    const struct binary_seg *s = NULL;
    for (size_t i = 0; i < b->nr_segs; i++) {
        const struct binary_seg *c = &b->segs[i];
        uint64_t clo = ALIGN_DOWN(c->offset);
        uint64_t chi = ALIGN_UP(c->offset + SF_MAX(c->filesz, c->memsz));
        if (off < c->offset || off - c->offset >= SF_MAX(c->filesz, c->memsz)) {
            if (off >= clo && off < chi)
                return 0;       /* inside another segment's aligned range */
            continue;
        }
        if (s)
            return 0;           /* two exact matches */
        s = c;
    }
    if (!s || off - s->offset + s->vaddr != *vaddr)
        return 0;
    uint64_t wlo = s->offset, whi = s->offset + SF_MAX(s->filesz, s->memsz);
    for (size_t i = 0; i < b->nr_segs; i++) {
        const struct binary_seg *c = &b->segs[i];
        if (c == s)
            continue;
        uint64_t clo = ALIGN_DOWN(c->offset);
        uint64_t chi = ALIGN_UP(c->offset + SF_MAX(c->filesz, c->memsz));
        /* shrink [wlo, whi) to exclude [clo, chi), keeping off */
        if (chi <= off && chi > wlo)
            wlo = chi;
        if (clo > off && clo < whi)
            whi = clo;
    }
    /* file offsets -> process addresses, clipped to the mapping */
    if (wlo < m->pgoff)
        wlo = m->pgoff;
    if (whi - m->pgoff > m->end - m->start)
        whi = m->pgoff + (m->end - m->start);
    if (wlo > off || whi <= off)
        return 0;
    *lo = wlo - m->pgoff + m->start;
    *hi = whi - m->pgoff + m->start;
    return 0;
}

int binary_from_vaddr(const struct binary *b, const struct sess_map *m,
                      uint64_t vaddr, uint64_t *addr)
{
    for (size_t i = 0; i < b->nr_segs; i++) {
        const struct binary_seg *s = &b->segs[i];
        if (vaddr < s->vaddr || vaddr - s->vaddr >= SF_MAX(s->memsz, s->filesz))
            continue;
        uint64_t off = vaddr - s->vaddr + s->offset;
        if (off < m->pgoff || off - m->pgoff >= m->end - m->start)
            continue;
        *addr = off - m->pgoff + m->start;
        return 0;
    }
    return -1;
}

int binary_read(const struct binary *b, uint64_t vaddr, void *buf, size_t len)
{
    if (b->code_is_debug || b->fd < 0)
        return -1;
    for (size_t i = 0; i < b->nr_segs; i++) {
        const struct binary_seg *s = &b->segs[i];
        if (vaddr < s->vaddr || vaddr - s->vaddr >= s->filesz)
            continue;
        uint64_t rel = vaddr - s->vaddr;
        if (len > s->filesz - rel)
            return -1;
        ssize_t n = pread(b->fd, buf, len, (off_t)(s->offset + rel));
        return n == (ssize_t)len ? 0 : -1;
    }
    return -1;
}

/* Both lazy members are published with release stores so that the hot
 * path is one acquire load, not a lock. */
struct gosym_table *binary_gosym(struct binary *b)
{
    if (__atomic_load_n(&b->gosym_tried, __ATOMIC_ACQUIRE))
        return b->gosym;
    pthread_mutex_lock(&b->lock);
    if (!b->gosym_tried) {
        struct sf_err err;
        struct gosym_table *t = NULL;
        if (!b->code_is_debug && gosym_open_elf(b->path, b->elf, &t, &err) == 0)
            b->gosym = t;
        __atomic_store_n(&b->gosym_tried, 1, __ATOMIC_RELEASE);
    }
    pthread_mutex_unlock(&b->lock);
    return b->gosym;
}

void *binary_priv(struct binary *b, void *(*create)(struct binary *),
                  void (*destroy)(void *))
{
    void *p = __atomic_load_n(&b->priv, __ATOMIC_ACQUIRE);
    if (p || !create)
        return p;
    pthread_mutex_lock(&b->lock);
    if (!b->priv) {
        b->priv_free = destroy;
        __atomic_store_n(&b->priv, create(b), __ATOMIC_RELEASE);
    }
    p = b->priv;
    pthread_mutex_unlock(&b->lock);
    return p;
}

/* ---- kernel symbols (--kallsyms, /proc/kallsyms format) ---- */

static int ksym_cmp(const void *a, const void *b)
{
    const struct kernel_sym *x = a, *y = b;
    return x->start < y->start ? -1 : x->start > y->start;
}

static void load_kallsyms(struct binary_cache *c)
{
    c->ksyms_loaded = 1;
    if (!c->opts.kallsyms)
        return;
    FILE *fp = fopen(c->opts.kallsyms, "r");
    if (!fp)
        return;
    char line[1024];
    size_t cap = 0;
    while (fgets(line, sizeof(line), fp)) {
        char *end;
        errno = 0;
        unsigned long long a = strtoull(line, &end, 16);
        if (end == line || errno || !isspace((unsigned char)*end))
            continue;
        while (*end == ' ' || *end == '\t')
            end++;
        char type = *end;
        if (!type || !isspace((unsigned char)end[1]))
            continue;
        if (!strchr("tTwW", type) || a == 0)
            continue;
        char *name = end + 2;
        while (*name == ' ' || *name == '\t')
            name++;
        size_t n = strcspn(name, "\t\r\n");
        while (n && name[n - 1] == ' ')
            n--;
        if (!n)
            continue;
        c->ksyms = xgrow(c->ksyms, sizeof(*c->ksyms), c->nr_ksyms + 1, &cap);
        c->ksyms[c->nr_ksyms].start = a;
        c->ksyms[c->nr_ksyms].end = 0;
        c->ksyms[c->nr_ksyms].name = xstrndup(name, n);
        c->nr_ksyms++;
    }
    fclose(fp);
    if (c->nr_ksyms)
        qsort(c->ksyms, c->nr_ksyms, sizeof(*c->ksyms), ksym_cmp);
    for (size_t i = 0; i < c->nr_ksyms; i++) {
        struct kernel_sym *s = &c->ksyms[i];
        if (i + 1 < c->nr_ksyms && c->ksyms[i + 1].start > s->start)
            s->end = c->ksyms[i + 1].start;
        else if (i + 1 < c->nr_ksyms)
            s->end = s->start + 1;
        else
            s->end = ALIGN_UP(s->start) + PAGE;
    }
}

const char *binary_kernel_symbol(struct binary_cache *c, uint64_t addr, uint64_t *offset)
{
    if (!c || !c->opts.kallsyms)
        return NULL;
    pthread_mutex_lock(&c->lock);
    if (!c->ksyms_loaded)
        load_kallsyms(c);
    pthread_mutex_unlock(&c->lock);
    size_t lo = 0, hi = c->nr_ksyms;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (c->ksyms[mid].start <= addr)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == 0)
        return NULL;
    /* among equal starts prefer the last one read (sorted stably enough) */
    const struct kernel_sym *s = &c->ksyms[lo - 1];
    if (addr >= s->end)
        return NULL;
    if (offset)
        *offset = addr - s->start;
    return s->name;
}
