/* test_binary.c - two shortcuts of the binaries stage against the slow
 * paths they stand in for: binary_to_vaddr_window against binary_to_vaddr
 * on the committed Go and C binaries (PIE and not) under perf-like, split
 * and whole-file mappings, and binary_prefetch against binary_for_map with
 * a build-id cache laid out like perf's (DIR/.build-id/xx/rest/elf). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <fcntl.h>
#include <gelf.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "binary.h"
#include "testutil.h"

#define PG 4096ULL
#define DOWN(x) ((x) & ~(PG - 1))
#define UP(x) (((x) + PG - 1) & ~(PG - 1))

#define SYSROOT_LIB "sysroot/usr/lib/x86_64-linux-gnu/"

/* ---- reading the files ourselves (libelf, not binary.c) ---- */

struct file_info {
    GElf_Phdr load[16];
    size_t nr_load;
    int is_pie;
    uint64_t size;
    uint8_t bid[20];
    size_t bid_len;
};

static void file_info(const char *path, struct file_info *fi)
{
    memset(fi, 0, sizeof(*fi));
    int fd = open(path, O_RDONLY);
    assert_true(fd >= 0);
    struct stat st;
    assert_int_equal(fstat(fd, &st), 0);
    fi->size = (uint64_t)st.st_size;
    elf_version(EV_CURRENT);
    Elf *e = elf_begin(fd, ELF_C_READ, NULL);
    assert_non_null(e);
    GElf_Ehdr eh;
    assert_non_null(gelf_getehdr(e, &eh));
    fi->is_pie = eh.e_type == ET_DYN;
    size_t n;
    assert_int_equal(elf_getphdrnum(e, &n), 0);
    for (size_t i = 0; i < n; i++) {
        GElf_Phdr ph;
        assert_non_null(gelf_getphdr(e, (int)i, &ph));
        if (ph.p_type == PT_LOAD && fi->nr_load < 16)
            fi->load[fi->nr_load++] = ph;
    }
    Elf_Scn *scn = NULL;
    while (!fi->bid_len && (scn = elf_nextscn(e, scn)) != NULL) {
        GElf_Shdr sh;
        if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_NOTE)
            continue;
        Elf_Data *d = elf_getdata(scn, NULL);
        GElf_Nhdr nh;
        size_t off = 0, name_off, desc_off;
        while (d && (off = gelf_getnote(d, off, &nh, &name_off, &desc_off)) > 0) {
            if (nh.n_type == NT_GNU_BUILD_ID && nh.n_descsz == 20) {
                memcpy(fi->bid, (const char *)d->d_buf + desc_off, 20);
                fi->bid_len = 20;
                break;
            }
        }
    }
    elf_end(e);
    close(fd);
    assert_true(fi->nr_load >= 2);
}

static uint32_t prot_of(uint32_t pflags)
{
    return PROT_READ | (pflags & PF_X ? PROT_EXEC : 0) | (pflags & PF_W ? PROT_WRITE : 0);
}

struct named_map {
    struct sess_map m;
    const char *what;
};

/* ---- binary_to_vaddr_window ---- */

struct win_stats {
    size_t addrs, in_window, checked;
    size_t clear;              /* addresses clearly inside the segment */
};

/* addr2 inside a window must translate by the window's offset. */
static void check_in_window(const struct binary *b, const struct sess_map *m, uint64_t a2,
                            uint64_t delta, struct win_stats *st)
{
    uint64_t v2 = 0;
    if (binary_to_vaddr(b, m, a2, &v2) != 0 || v2 != a2 + delta)
        fail_msg("window address %#llx: binary_to_vaddr says %#llx, window %#llx",
                 (unsigned long long)a2, (unsigned long long)v2,
                 (unsigned long long)(a2 + delta));
    st->checked++;
}

/* Checks addr; 1 when it got a window. */
static int check_window_of(const struct binary *b, const struct sess_map *m, uint64_t addr,
                           struct win_stats *st, uint64_t *last_lo, uint64_t *last_hi)
{
    uint64_t v = 0, v_w = 0, lo = 1, hi = 2;
    int rc = binary_to_vaddr(b, m, addr, &v);
    int rc_w = binary_to_vaddr_window(b, m, addr, &v_w, &lo, &hi);
    st->addrs++;
    assert_int_equal(rc_w, rc);
    if (rc != 0) {
        assert_true(lo == hi);
        return 0;
    }
    assert_int_equal(v_w, v);
    if (lo == hi)
        return 0;
    st->in_window++;
    if (!(lo <= addr && addr < hi))
        fail_msg("%#llx outside its window [%#llx, %#llx)", (unsigned long long)addr,
                 (unsigned long long)lo, (unsigned long long)hi);
    assert_true(lo >= m->start);
    assert_true(hi <= m->end);
    uint64_t delta = v - addr;
    if (lo == *last_lo && hi == *last_hi) {
        check_in_window(b, m, addr, delta, st);
        return 1;
    }
    /* a new window: its edges byte by byte, the inside at a stride */
    *last_lo = lo;
    *last_hi = hi;
    for (uint64_t a2 = lo; a2 < hi && a2 - lo < 2 * PG; a2++)
        check_in_window(b, m, a2, delta, st);
    for (uint64_t a2 = hi - 1; a2 >= lo && hi - a2 <= 2 * PG; a2--)
        check_in_window(b, m, a2, delta, st);
    for (uint64_t a2 = lo + 2 * PG; a2 + 2 * PG < hi; a2 += 997)
        check_in_window(b, m, a2, delta, st);
    return 1;
}

/* Is file offset off inside segment i's own bytes, on no page another
 * segment's bytes touch?  Such an address has one clear translation. */
static int clearly_in_segment(const struct file_info *fi, size_t i, uint64_t off)
{
    const GElf_Phdr *p = &fi->load[i];
    if (off < p->p_offset || off - p->p_offset >= p->p_filesz)
        return 0;
    for (size_t j = 0; j < fi->nr_load; j++) {
        const GElf_Phdr *q = &fi->load[j];
        uint64_t qend = q->p_offset + (q->p_memsz > q->p_filesz ? q->p_memsz : q->p_filesz);
        if (j != i && off >= DOWN(q->p_offset) && off < UP(qend))
            return 0;
    }
    return 1;
}

/* Every 61st address of the mapping (both ends included), and the
 * addresses just outside it.  With fi, addresses clearly inside segment
 * `seg` must get a window (a cache that never hits would be useless). */
static void check_map(const struct binary *b, const struct named_map *nm, struct win_stats *st,
                      const struct file_info *fi, size_t seg)
{
    const struct sess_map *m = &nm->m;
    memset(st, 0, sizeof(*st));
    uint64_t last_lo = 0, last_hi = 0;
    for (uint64_t a = m->start; a < m->end; a += 61) {
        int has = check_window_of(b, m, a, st, &last_lo, &last_hi);
        if (fi && clearly_in_segment(fi, seg, a - m->start + m->pgoff)) {
            if (!has)
                fail_msg("%s: no window for %#llx", nm->what, (unsigned long long)a);
            st->clear++;
        }
    }
    check_window_of(b, m, m->end - 1, st, &last_lo, &last_hi);
    uint64_t v, lo = 1, hi = 2;
    assert_int_equal(binary_to_vaddr_window(b, m, m->end, &v, &lo, &hi), -1);
    assert_true(lo == hi);
    if (m->start) {
        lo = 1;
        hi = 2;
        assert_int_equal(binary_to_vaddr_window(b, m, m->start - 1, &v, &lo, &hi), -1);
        assert_true(lo == hi);
    }
    if (getenv("BINARY_VERBOSE"))
        fprintf(stderr, "  %-28s [%#llx, %#llx) pgoff %#llx: %zu addrs, %zu in windows, "
                        "%zu checked\n", nm->what, (unsigned long long)m->start,
                (unsigned long long)m->end, (unsigned long long)m->pgoff, st->addrs,
                st->in_window, st->checked);
}

static void map_set(struct named_map *nm, const char *what, const char *rec, uint64_t start,
                    uint64_t end, uint64_t pgoff, uint32_t prot)
{
    memset(nm, 0, sizeof(*nm));
    nm->what = what;
    nm->m.filename = rec;
    nm->m.start = start;
    nm->m.end = end;
    nm->m.pgoff = pgoff;
    nm->m.prot = prot;
}

/* Mappings of one file as a process would have them at load base `base`. */
static size_t build_maps(const struct file_info *fi, const char *rec, uint64_t base,
                         struct named_map *out, size_t max)
{
    size_t n = 0;
    static const char *const seg_names[] = { "segment 0", "segment 1", "segment 2",
                                             "segment 3", "segment 4", "segment 5" };
    /* each PT_LOAD as the loader maps it (file part only) */
    for (size_t i = 0; i < fi->nr_load && i < 6 && n < max; i++) {
        const GElf_Phdr *p = &fi->load[i];
        uint64_t start = base + DOWN(p->p_vaddr);
        uint64_t end = base + UP(p->p_vaddr + p->p_filesz);
        map_set(&out[n++], seg_names[i], rec, start, end, DOWN(p->p_offset),
                prot_of(p->p_flags));
    }
    /* the executable segment split in two by an mprotect: the upper half
     * has a pgoff inside the segment */
    for (size_t i = 0; i < fi->nr_load && n + 2 <= max; i++) {
        const GElf_Phdr *p = &fi->load[i];
        if (!(p->p_flags & PF_X))
            continue;
        uint64_t start = base + DOWN(p->p_vaddr), end = base + UP(p->p_vaddr + p->p_filesz);
        uint64_t mid = start + DOWN((end - start) / 2);
        if (mid == start)
            mid += PG;
        map_set(&out[n++], "exec lower half", rec, start, mid, DOWN(p->p_offset),
                PROT_READ | PROT_EXEC);
        map_set(&out[n++], "exec upper half", rec, mid, end,
                DOWN(p->p_offset) + (mid - start), PROT_READ | PROT_EXEC);
        break;
    }
    /* the whole file in one mapping from offset 0 (covers every segment's
     * file bytes), executable and then with unknown protection */
    if (n + 2 <= max) {
        uint64_t start = base + DOWN(fi->load[0].p_vaddr);
        map_set(&out[n++], "whole file r-x", rec, start, start + UP(fi->size), 0,
                PROT_READ | PROT_EXEC);
        map_set(&out[n++], "whole file prot 0", rec, start, start + UP(fi->size), 0, 0);
    }
    /* the last segment's pages mapped from one page below its offset */
    if (n < max) {
        const GElf_Phdr *p = &fi->load[fi->nr_load - 1];
        uint64_t pgoff = DOWN(p->p_offset) >= PG ? DOWN(p->p_offset) - PG : 0;
        uint64_t start = base + DOWN(p->p_vaddr) - (DOWN(p->p_offset) - pgoff);
        map_set(&out[n++], "last segment, page before", rec, start,
                base + UP(p->p_vaddr + p->p_memsz), pgoff, PROT_READ | PROT_WRITE);
    }
    return n;
}

static struct binary *open_binary(struct binary_cache **c, const char *rel,
                                  struct file_info *fi, const char *rec)
{
    static char path[4096];
    snprintf(path, sizeof(path), "%s", testdata_path(rel));
    file_info(path, fi);
    const char *bins[] = { path };
    /* an empty (non-NULL) debug-dir list: no ~/.debug, no /usr/lib/debug */
    struct binary_opts o = { .binaries = bins, .nr_binaries = 1, .debug_dirs = bins,
                             .nr_debug_dirs = 0 };
    *c = binary_cache_new(&o);
    assert_non_null(*c);
    /* found by base name through --binary; the exec PT_LOAD as perf
     * records it */
    struct sess_map m = { .filename = rec, .prot = PROT_READ | PROT_EXEC };
    for (size_t i = 0; i < fi->nr_load; i++)
        if (fi->load[i].p_flags & PF_X) {
            m.start = 0x10000000 + DOWN(fi->load[i].p_vaddr);
            m.end = 0x10000000 + UP(fi->load[i].p_vaddr + fi->load[i].p_filesz);
            m.pgoff = DOWN(fi->load[i].p_offset);
            break;
        }
    struct binary *b = binary_for_map(*c, &m);
    assert_non_null(b);
    assert_int_equal(binary_nr_segs(b), fi->nr_load);
    return b;
}

static void window_case(const char *rel, const char *rec)
{
    struct binary_cache *c;
    struct file_info fi;
    struct binary *b = open_binary(&c, rel, &fi, rec);
    /* PIE: a typical mmap base; fixed-address binaries: their own vaddrs */
    uint64_t base = fi.is_pie ? 0x7f3a12345000ULL : 0;
    struct named_map maps[16];
    size_t n = build_maps(&fi, rec, base, maps, 16);
    if (getenv("BINARY_VERBOSE"))
        fprintf(stderr, "%s (%s)\n", rel, fi.is_pie ? "PIE" : "fixed");
    for (size_t i = 0; i < n; i++) {
        struct win_stats st;
        /* the perf-like segment mappings come first */
        check_map(b, &maps[i], &st, i < fi.nr_load ? &fi : NULL, i);
        assert_true(st.addrs > 0);
        /* the code segment shares no page: each sampled byte of it counted */
        if (i < fi.nr_load && (fi.load[i].p_flags & PF_X))
            assert_true(st.clear + 1 >= fi.load[i].p_filesz / 61);
    }
    binary_cache_free(c);
}

static void test_window_cprog_fp(void **state)
{
    (void)state;
    window_case("bin/cprog-fp", "/tmp/sfrec/cprog-fp");
}

static void test_window_cprog_nofp(void **state)
{
    (void)state;
    window_case("bin/cprog-nofp", "/tmp/sfrec/cprog-nofp");
}

static void test_window_cgo(void **state)
{
    (void)state;
    window_case("bin/cgo", "/tmp/sfrec/cgo");
}

static void test_window_oracle(void **state)
{
    (void)state;
    window_case("bin/oracle.test", "/tmp/sfrec/oracle.test");
}

static void test_window_esbuild(void **state)
{
    (void)state;
    window_case("bin/esbuild", "/tmp/sfrec/esbuild");
}

static void test_window_libc_ldso(void **state)
{
    (void)state;
    window_case(SYSROOT_LIB "libc.so.6", "/usr/lib/x86_64-linux-gnu/libc.so.6");
    window_case(SYSROOT_LIB "ld-linux-x86-64.so.2",
                "/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2");
}

/* Hand-placed mappings of cprog-fp, whose R and RW segments share a page
 * in the file (R ends at 0x2454 or so, RW starts at 0x2dd0 and is loaded
 * one page higher): no window may straddle the offset change. */
static void test_window_shared_page(void **state)
{
    (void)state;
    struct binary_cache *c;
    struct file_info fi;
    struct binary *b = open_binary(&c, "bin/cprog-fp", &fi, "/tmp/sfrec/cprog-fp");
    const GElf_Phdr *rw = &fi.load[fi.nr_load - 1];
    assert_true(rw->p_flags & PF_W);
    assert_true(rw->p_vaddr != rw->p_offset);   /* the case this is about */
    const GElf_Phdr *r = &fi.load[fi.nr_load - 2];
    assert_true(DOWN(r->p_offset + r->p_filesz) == DOWN(rw->p_offset));
    uint64_t base = 0x555555554000ULL;
    struct named_map maps[3];
    /* one mapping over both, read-only, and the same read-write */
    map_set(&maps[0], "R+RW from R's page", "/tmp/sfrec/cprog-fp", base + DOWN(r->p_vaddr),
            base + DOWN(r->p_vaddr) + UP(rw->p_offset + rw->p_filesz) - DOWN(r->p_offset),
            DOWN(r->p_offset), PROT_READ);
    maps[1] = maps[0];
    maps[1].what = "R+RW from R's page, rw";
    maps[1].m.prot = PROT_READ | PROT_WRITE;
    /* the RW segment where the loader puts it */
    map_set(&maps[2], "RW", "/tmp/sfrec/cprog-fp", base + DOWN(rw->p_vaddr),
            base + UP(rw->p_vaddr + rw->p_filesz), DOWN(rw->p_offset), PROT_READ | PROT_WRITE);
    for (size_t i = 0; i < 3; i++) {
        struct win_stats st;
        check_map(b, &maps[i], &st, NULL, 0);
        /* every address, not every 61st: the page is small */
        uint64_t last_lo = 0, last_hi = 0;
        for (uint64_t a = maps[i].m.start; a < maps[i].m.end; a++)
            check_window_of(b, &maps[i].m, a, &st, &last_lo, &last_hi);
    }
    binary_cache_free(c);
}

/* ---- binary_prefetch ---- */

struct bid_dir {
    char root[1024];
    char entry[1024];          /* ROOT/.build-id/xx/rest */
    char elf[1024];            /* ENTRY/elf */
};

static void copy_file(const char *from, const char *to)
{
    FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");
    assert_non_null(in);
    assert_non_null(out);
    char buf[65536];
    size_t n;
    while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
        assert_int_equal(fwrite(buf, 1, n, out), n);
    fclose(in);
    assert_int_equal(fclose(out), 0);
}

static void hex20(const uint8_t *id, char *out)
{
    for (int i = 0; i < 20; i++)
        snprintf(out + 2 * i, 3, "%02x", id[i]);
}

/* snprintf into a 1024-byte path buffer, never truncated */
static void path_fmt(char *dst, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void path_fmt(char *dst, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(dst, 1024, fmt, ap);
    va_end(ap);
    assert_true(n > 0 && n < 1024);
}

/* A perf-style build-id cache holding `rel` under build-id `bid`. */
static void bid_dir_make(struct bid_dir *d, const char *rel, const uint8_t *bid)
{
    const char *tmp = getenv("TMPDIR");
    path_fmt(d->root, "%s/sf-prefetch-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    assert_non_null(mkdtemp(d->root));
    char hex[41], p[1024];
    hex20(bid, hex);
    path_fmt(p, "%s/.build-id", d->root);
    assert_int_equal(mkdir(p, 0755), 0);
    path_fmt(p, "%s/.build-id/%.2s", d->root, hex);
    assert_int_equal(mkdir(p, 0755), 0);
    path_fmt(d->entry, "%s/%s", p, hex + 2);
    assert_int_equal(mkdir(d->entry, 0755), 0);
    path_fmt(d->elf, "%s/elf", d->entry);
    copy_file(testdata_path(rel), d->elf);
}

static void bid_dir_remove(struct bid_dir *d)
{
    char p[1024];
    assert_int_equal(unlink(d->elf), 0);
    assert_int_equal(rmdir(d->entry), 0);
    char *slash = strrchr(d->entry, '/');
    *slash = '\0';
    assert_int_equal(rmdir(d->entry), 0);
    path_fmt(p, "%s/.build-id", d->root);
    assert_int_equal(rmdir(p), 0);
    assert_int_equal(rmdir(d->root), 0);
}

static struct binary_cache *cache_on(const struct bid_dir *d, const char **bins, size_t nbins)
{
    static const char *dirs[1];
    dirs[0] = d->root;
    struct binary_opts o = { .binaries = bins, .nr_binaries = nbins, .debug_dirs = dirs,
                             .nr_debug_dirs = 1 };
    struct binary_cache *c = binary_cache_new(&o);
    assert_non_null(c);
    return c;
}

/* The executable mapping of cprog-fp as perf records it, with a build-id. */
static struct sess_map exec_map_of(const struct file_info *fi, const char *rec,
                                   const uint8_t *bid, size_t bid_len)
{
    struct sess_map m = { .filename = rec, .prot = PROT_READ | PROT_EXEC };
    for (size_t i = 0; i < fi->nr_load; i++)
        if (fi->load[i].p_flags & PF_X) {
            m.start = 0x555555554000ULL + DOWN(fi->load[i].p_vaddr);
            m.end = 0x555555554000ULL + UP(fi->load[i].p_vaddr + fi->load[i].p_filesz);
            m.pgoff = DOWN(fi->load[i].p_offset);
        }
    memcpy(m.build_id, bid, bid_len);
    m.build_id_size = (uint8_t)bid_len;
    return m;
}

#define CPROG_REC "/tmp/sfrec/cprog-fp"

static void test_prefetch_then_map(void **state)
{
    (void)state;
    struct file_info fi;
    file_info(testdata_path("bin/cprog-fp"), &fi);
    assert_int_equal(fi.bid_len, 20);
    struct bid_dir d;
    bid_dir_make(&d, "bin/cprog-fp", fi.bid);
    struct binary_cache *c = cache_on(&d, NULL, 0);

    struct binary *p = binary_prefetch(c, CPROG_REC, fi.bid, 20);
    assert_non_null(p);
    assert_string_equal(binary_path(p), d.elf);
    size_t len;
    const uint8_t *bid = binary_build_id(p, &len);
    assert_int_equal(len, 20);
    assert_memory_equal(bid, fi.bid, 20);
    assert_int_equal(binary_cache_nr_missing(c), 0);
    /* again: the same open binary, nothing recorded */
    assert_ptr_equal(binary_prefetch(c, CPROG_REC, fi.bid, 20), p);
    assert_int_equal(binary_cache_nr_missing(c), 0);

    /* delivery finds the very same binary */
    struct sess_map m = exec_map_of(&fi, CPROG_REC, fi.bid, 20);
    assert_ptr_equal(binary_for_map(c, &m), p);
    /* go test deletes its binaries: the kernel's suffix changes nothing */
    struct sess_map md = m;
    md.filename = CPROG_REC " (deleted)";
    assert_ptr_equal(binary_prefetch(c, md.filename, fi.bid, 20), p);
    assert_ptr_equal(binary_for_map(c, &md), p);
    assert_int_equal(binary_cache_nr_missing(c), 0);
    /* and it translates like the file says */
    uint64_t v;
    assert_int_equal(binary_to_vaddr(p, &m, m.start, &v), 0);
    assert_int_equal(v, DOWN(fi.load[1].p_vaddr));
    binary_cache_free(c);

    /* the other order on a fresh cache: prefetch shares binary_for_map's */
    c = cache_on(&d, NULL, 0);
    struct binary *b = binary_for_map(c, &m);
    assert_non_null(b);
    assert_ptr_equal(binary_prefetch(c, CPROG_REC, fi.bid, 20), b);
    binary_cache_free(c);

    /* the debug dir given as DIR/.build-id works alike */
    struct bid_dir d2 = d;
    path_fmt(d2.root, "%s/.build-id/", d.root);
    c = cache_on(&d2, NULL, 0);
    p = binary_prefetch(c, CPROG_REC, fi.bid, 20);
    assert_non_null(p);
    assert_ptr_equal(binary_for_map(c, &m), p);
    binary_cache_free(c);
    bid_dir_remove(&d);
}

static void test_prefetch_misses_record_nothing(void **state)
{
    (void)state;
    struct file_info fi;
    file_info(testdata_path("bin/cprog-fp"), &fi);
    struct bid_dir d;
    bid_dir_make(&d, "bin/cprog-fp", fi.bid);
    struct binary_cache *c = cache_on(&d, NULL, 0);

    /* unknown build-id */
    uint8_t other[20];
    memcpy(other, fi.bid, 20);
    other[19] ^= 1;
    assert_null(binary_prefetch(c, CPROG_REC, other, 20));
    assert_null(binary_prefetch(c, CPROG_REC, fi.bid, 19));   /* a prefix is another id */
    assert_int_equal(binary_cache_nr_missing(c), 0);
    /* binary_for_map does record that miss (so the count above could move) */
    struct sess_map m = exec_map_of(&fi, CPROG_REC, other, 20);
    assert_null(binary_for_map(c, &m));
    assert_int_equal(binary_cache_nr_missing(c), 1);

    /* names that are not files or are the kernel, with an id that is in
     * the cache: NULL, nothing recorded */
    static const char *const not_files[] = {
        "[kernel.kallsyms]", "[kernel.kallsyms]_text", "[guest.kernel.kallsyms]",
        "//anon", "[heap]", "[stack]", "[anon:Go: heap]", "/memfd:x (deleted)",
        "[vvar]", "[vsyscall]", "/tmp/perf-1234.map", "",
    };
    for (size_t i = 0; i < sizeof(not_files) / sizeof(not_files[0]); i++)
        if (binary_prefetch(c, not_files[i], fi.bid, 20))
            fail_msg("prefetch(\"%s\") found a binary", not_files[i]);
    assert_null(binary_prefetch(c, NULL, fi.bid, 20));
    assert_null(binary_prefetch(NULL, CPROG_REC, fi.bid, 20));
    assert_null(binary_prefetch(c, CPROG_REC, fi.bid, 0));    /* no build-id */
    uint8_t long_id[32] = { 0 };
    memcpy(long_id, fi.bid, 20);
    assert_null(binary_prefetch(c, CPROG_REC, long_id, 21));
    assert_int_equal(binary_cache_nr_missing(c), 1);
    binary_cache_free(c);
    bid_dir_remove(&d);
}

/* A cache with the given --binary files and no debug directory. */
static struct binary_cache *cache_with(const char **bins, size_t nbins)
{
    static const char *dirs[1] = { "" };
    struct binary_opts o = { .binaries = bins, .nr_binaries = nbins, .debug_dirs = dirs,
                             .nr_debug_dirs = 1 };
    return binary_cache_new(&o);
}

/* The mapping of a file's executable PT_LOAD (no build-id), `extra` bytes
 * longer than the segment's pages. */
static struct sess_map exec_map_nobid(const struct file_info *fi, const char *rec,
                                      uint64_t extra)
{
    static const uint8_t none[1];
    struct sess_map m = exec_map_of(fi, rec, none, 0);
    m.end += extra;
    return m;
}

/* go test deletes the binaries it builds: the warning says so and how to
 * keep one; other missing paths stay "not found". */
static void test_missing_go_build_reason(void **state)
{
    (void)state;
    struct binary_cache *c = cache_with(NULL, 0);
    struct sess_map m = { .filename = "/tmp/go-build1234/b001/pkg.test",
                          .start = 0x400000, .end = 0x500000, .prot = PROT_READ | PROT_EXEC };
    assert_null(binary_for_map(c, &m));
    struct sess_map o = m, d = m;
    o.filename = "/tmp/x/pkg.test";
    d.filename = "/tmp/go-build1234/b001/sub/pkg.test";
    assert_null(binary_for_map(c, &o));
    assert_null(binary_for_map(c, &d));
    assert_int_equal(binary_cache_nr_missing(c), 3);
    assert_string_equal(binary_cache_missing(c, 0)->reason,
                        "not found: go test deleted it after the run (keep it with "
                        "'go test -c -o pkg.test', 'go test -work' or 'sysflame record')");
    assert_string_equal(binary_cache_missing(c, 1)->reason, "not found");
    assert_string_equal(binary_cache_missing(c, 2)->reason, "not found");
    binary_cache_free(c);
}

/* A --binary whose name matches no mapping serves the one mapping it fits
 * exactly by content; a file of the same layout as another --binary is
 * ambiguous and refused; a mapping of another size takes neither. */
static void test_binary_by_content(void **state)
{
    (void)state;
    struct file_info fi;
    char *oracle = strdup(testdata_path("bin/oracle.test"));
    char *before = strdup(testdata_path("bin/before.test"));
    char *after = strdup(testdata_path("bin/after.test"));
    file_info(oracle, &fi);
    const char *one[] = { oracle };
    struct binary_cache *c = cache_with(one, 1);
    struct sess_map m = exec_map_nobid(&fi, "/tmp/go-build9/b001/renamed.test", 0);
    struct binary *b = binary_for_map(c, &m);
    assert_non_null(b);
    assert_string_equal(binary_path(b), one[0]);
    assert_int_equal(binary_cache_use(c, 0)->how, BINARY_BY_CONTENT);
    assert_string_equal(binary_cache_use(c, 0)->recorded_path, m.filename);
    /* taken: another mapping does not get it */
    struct sess_map m2 = m;
    m2.filename = "/tmp/other.test";
    assert_null(binary_for_map(c, &m2));
    binary_cache_free(c);

    /* one page longer than the segment: no exact fit */
    c = cache_with(one, 1);
    struct sess_map longer = exec_map_nobid(&fi, "/tmp/renamed.test", 4096);
    assert_null(binary_for_map(c, &longer));
    assert_int_equal(binary_cache_use(c, 0)->how, BINARY_UNCLAIMED);
    binary_cache_free(c);

    /* before.test and after.test have one layout: which one is meant? */
    struct file_info fb;
    file_info(before, &fb);
    const char *two[] = { before, after };
    c = cache_with(two, 2);
    struct sess_map mb = exec_map_nobid(&fb, "/tmp/pkg.test", 0);
    assert_null(binary_for_map(c, &mb));
    assert_non_null(strstr(binary_cache_missing(c, 0)->reason, "several --binary files fit it"));
    binary_cache_free(c);

    /* a name match claims the file even when it does not fit */
    const char *named[] = { oracle };
    c = cache_with(named, 1);
    struct sess_map mn = exec_map_nobid(&fi, "/tmp/sfrec/oracle.test", 4096);
    assert_null(binary_for_map(c, &mn));
    assert_int_equal(binary_cache_use(c, 0)->how, BINARY_BY_NAME);
    binary_cache_free(c);
    free(oracle);
    free(before);
    free(after);
}

/* The kernel's first mapping of an ET_DYN image is the whole reservation
 * (every PT_LOAD's span) at the first segment's offset: a Go PIE fits it,
 * one page more does not. */
static void test_pie_reservation_fits(void **state)
{
    (void)state;
    const char *path = testdata_path("stacks/bin/stackprobe");
    struct file_info fi;
    file_info(path, &fi);
    assert_true(fi.is_pie);
    uint64_t lo = UINT64_MAX, hi = 0;
    for (size_t i = 0; i < fi.nr_load; i++) {
        lo = DOWN(fi.load[i].p_vaddr) < lo ? DOWN(fi.load[i].p_vaddr) : lo;
        uint64_t e = UP(fi.load[i].p_vaddr + fi.load[i].p_memsz);
        hi = e > hi ? e : hi;
    }
    assert_true(fi.load[0].p_flags & PF_X);
    const char *bins[] = { path };
    struct sess_map m = { .filename = "/tmp/sfstacks/stackprobe", .start = 0x555555554000ULL,
                          .pgoff = 0, .prot = PROT_READ | PROT_EXEC };
    m.end = m.start + (hi - lo);
    struct binary_cache *c = cache_with(bins, 1);
    assert_non_null(binary_for_map(c, &m));
    binary_cache_free(c);
    m.end += 4096;
    c = cache_with(bins, 1);
    assert_null(binary_for_map(c, &m));
    assert_non_null(strstr(binary_cache_missing(c, 0)->reason, "does not match"));
    binary_cache_free(c);
}

/* perf keeps the vdso image in the same cache: a "[vdso]" mapping with a
 * build-id resolves there, so prefetch must agree with binary_for_map
 * (NULL while the id is absent, the same binary when present). */
static void test_prefetch_vdso_name(void **state)
{
    (void)state;
    struct file_info fi;
    file_info(testdata_path("bin/cprog-fp"), &fi);
    struct bid_dir d;
    bid_dir_make(&d, "bin/cprog-fp", fi.bid);
    struct binary_cache *c = cache_on(&d, NULL, 0);
    uint8_t other[20];
    memcpy(other, fi.bid, 20);
    other[0] ^= 0x80;
    assert_null(binary_prefetch(c, "[vdso]", other, 20));
    assert_int_equal(binary_cache_nr_missing(c), 0);
    struct binary *p = binary_prefetch(c, "[vdso]", fi.bid, 20);
    struct sess_map m = exec_map_of(&fi, "[vdso]", fi.bid, 20);
    assert_ptr_equal(binary_for_map(c, &m), p);
    assert_non_null(p);
    binary_cache_free(c);
    bid_dir_remove(&d);
}

/* Only the build-id cache counts: a file found through --binary or the
 * recorded path is binary_for_map's business. */
static void test_prefetch_only_build_id_dirs(void **state)
{
    (void)state;
    struct file_info fi;
    char cprog[4096];
    snprintf(cprog, sizeof(cprog), "%s", testdata_path("bin/cprog-fp"));
    file_info(cprog, &fi);
    struct bid_dir d;
    bid_dir_make(&d, "bin/cprog-nofp", fi.bid);   /* another file under cprog-fp's id */
    const char *bins[] = { cprog };
    struct binary_cache *c = cache_on(&d, bins, 1);
    /* the cache entry's build-id differs: refused, silently */
    assert_null(binary_prefetch(c, CPROG_REC, fi.bid, 20));
    assert_null(binary_prefetch(c, cprog, fi.bid, 20));        /* recorded path exists */
    assert_int_equal(binary_cache_nr_missing(c), 0);
    /* delivery goes on to --binary, which matches by build-id */
    struct sess_map m = exec_map_of(&fi, CPROG_REC, fi.bid, 20);
    struct binary *b = binary_for_map(c, &m);
    assert_non_null(b);
    assert_string_equal(binary_path(b), cprog);
    binary_cache_free(c);
    bid_dir_remove(&d);
}

struct race {
    struct binary_cache *c;
    const uint8_t *bid;
    struct binary *got;
};

static void *prefetch_thread(void *arg)
{
    struct race *r = arg;
    r->got = binary_prefetch(r->c, CPROG_REC, r->bid, 20);
    return NULL;
}

/* A warm-up thread prefetching while delivery resolves the same mapping:
 * one binary either way. */
static void test_prefetch_concurrent(void **state)
{
    (void)state;
    struct file_info fi;
    file_info(testdata_path("bin/cprog-fp"), &fi);
    struct bid_dir d;
    bid_dir_make(&d, "bin/cprog-fp", fi.bid);
    struct sess_map m = exec_map_of(&fi, CPROG_REC, fi.bid, 20);
    for (int round = 0; round < 20; round++) {
        struct binary_cache *c = cache_on(&d, NULL, 0);
        struct race r[2] = { { c, fi.bid, NULL }, { c, fi.bid, NULL } };
        pthread_t t[2];
        for (int i = 0; i < 2; i++)
            assert_int_equal(pthread_create(&t[i], NULL, prefetch_thread, &r[i]), 0);
        struct binary *b = binary_for_map(c, &m);
        for (int i = 0; i < 2; i++)
            pthread_join(t[i], NULL);
        assert_non_null(b);
        assert_ptr_equal(r[0].got, b);
        assert_ptr_equal(r[1].got, b);
        assert_int_equal(binary_cache_nr_missing(c), 0);
        binary_cache_free(c);
    }
    bid_dir_remove(&d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_window_cprog_fp),
        cmocka_unit_test(test_window_cprog_nofp),
        cmocka_unit_test(test_window_cgo),
        cmocka_unit_test(test_window_oracle),
        cmocka_unit_test(test_window_esbuild),
        cmocka_unit_test(test_window_libc_ldso),
        cmocka_unit_test(test_window_shared_page),
        cmocka_unit_test(test_prefetch_then_map),
        cmocka_unit_test(test_prefetch_misses_record_nothing),
        cmocka_unit_test(test_prefetch_vdso_name),
        cmocka_unit_test(test_prefetch_only_build_id_dirs),
        cmocka_unit_test(test_prefetch_concurrent),
        cmocka_unit_test(test_missing_go_build_reason),
        cmocka_unit_test(test_binary_by_content),
        cmocka_unit_test(test_pie_reservation_fits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
