/* test_dwimage.c - the in-memory DWARF image of zlib-compressed debug
 * files, against libdw's own dwarf_begin_elf on the original file (CU,
 * line, file and scope names for addresses all over libc's and ld.so's
 * debug files; section bytes against libelf's elf_compress), and against
 * zlib itself on corrupted copies: every refusal case of the header must
 * give -1, nothing may crash, leak or hang. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dwarf.h>
#include <elfutils/libdw.h>
#include <fcntl.h>
#include <gelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include "dwimage.h"
#include "testutil.h"

#define LIBC_DEBUG "debug/93ac61ec5a8eb1396f9fbd350e3169a558528a40.debug.zst"
#define LDSO_DEBUG "debug/7ebc65e52f2bbea498b4040fa92f7238377aaba9.debug.zst"

static void load_zst(const char *rel, struct blob *b)
{
    assert_int_equal(blob_load_zst(testdata_path(rel), b), 0);
}

static struct blob dup_blob(const struct blob *b)
{
    struct blob c = { malloc(b->size ? b->size : 1), b->size };
    assert_non_null(c.data);
    memcpy(c.data, b->data, b->size);
    return c;
}

/* libc's debug file, unpacked once for the corruption tests (each works on
 * its own copy) */
static struct blob libc_debug;

static const struct blob *libc_blob(void)
{
    if (!libc_debug.data)
        load_zst(LIBC_DEBUG, &libc_debug);
    return &libc_debug;
}

static int free_libc_blob(void **state)
{
    (void)state;
    free(libc_debug.data);
    libc_debug.data = NULL;
    return 0;
}

/* ---- raw section headers, read straight from the bytes (native 64-bit) ---- */

static Elf64_Ehdr ehdr_of(const struct blob *b)
{
    Elf64_Ehdr eh;
    assert_true(b->size >= sizeof(eh));
    memcpy(&eh, b->data, sizeof(eh));
    return eh;
}

static size_t shdr_pos(const struct blob *b, size_t i)
{
    Elf64_Ehdr eh = ehdr_of(b);
    size_t pos = eh.e_shoff + i * sizeof(Elf64_Shdr);
    assert_true(pos + sizeof(Elf64_Shdr) <= b->size);
    return pos;
}

static Elf64_Shdr shdr_get(const struct blob *b, size_t i)
{
    Elf64_Shdr sh;
    memcpy(&sh, b->data + shdr_pos(b, i), sizeof(sh));
    return sh;
}

static void shdr_put(struct blob *b, size_t i, const Elf64_Shdr *sh)
{
    memcpy(b->data + shdr_pos(b, i), sh, sizeof(*sh));
}

/* Index of the section named `name` (-1: none). */
static int section_index(const struct blob *b, const char *name)
{
    Elf64_Ehdr eh = ehdr_of(b);
    Elf64_Shdr str = shdr_get(b, eh.e_shstrndx);
    for (size_t i = 1; i < eh.e_shnum; i++) {
        Elf64_Shdr sh = shdr_get(b, i);
        if (sh.sh_name >= str.sh_size)
            continue;
        const char *n = (const char *)b->data + str.sh_offset + sh.sh_name;
        if (strncmp(n, name, str.sh_size - sh.sh_name) == 0)
            return (int)i;
    }
    return -1;
}

/* ---- opening ---- */

static Elf *elf_of(struct blob *b)
{
    elf_version(EV_CURRENT);
    return elf_memory((char *)b->data, b->size);
}

/* dwimage_open on a private copy of b's bytes; 0/-1, and the image is
 * closed again (the sanitizer run checks that close frees it all). */
static int try_open_mode(const struct blob *b, int parallel)
{
    struct blob c = dup_blob(b);
    Elf *e = elf_of(&c);
    int rc = -1;
    if (e) {
        struct dwimage img;
        memset(&img, 0xa5, sizeof(img));
        rc = dwimage_open(e, parallel, &img);
        assert_true(rc == 0 || rc == -1);
        if (rc == 0) {
            assert_non_null(img.dw);
            assert_non_null(img.elf);
            /* the handle is usable: walk its units, bounded */
            Dwarf_Off off = 0, next;
            size_t hsize;
            for (int k = 0; k < 100000 &&
                            dwarf_nextcu(img.dw, off, &next, &hsize, NULL, NULL, NULL) == 0;
                 k++)
                off = next;
        } else {
            assert_null(img.dw);   /* a failed open leaves nothing to close */
            assert_null(img.buf);
        }
        dwimage_close(&img);
        assert_null(img.dw);
        assert_null(img.buf);
        elf_end(e);
    }
    free(c.data);
    return rc;
}

static int try_open(const struct blob *b)
{
    return try_open_mode(b, 0);
}

/* Where inflating fails, with .debug_info (the largest section) inflated
 * on this thread or on a second one: both must refuse alike. */
static int try_open2(const struct blob *b)
{
    int rc = try_open_mode(b, 0);
    assert_int_equal(try_open_mode(b, 1), rc);
    return rc;
}

/* ---- comparison with libdw on the original ---- */

struct pair {
    struct blob raw;           /* original bytes: truth reads a private copy */
    struct blob truth_bytes;
    Elf *truth_elf, *src_elf;
    Dwarf *truth;
    struct dwimage img;
};

/* Takes ownership of raw. */
static void pair_open(struct pair *p, struct blob raw, int parallel)
{
    memset(p, 0, sizeof(*p));
    p->raw = raw;
    /* libdw decompresses in its own handle: give it its own bytes so the
     * image is built from untouched input */
    p->truth_bytes = dup_blob(&p->raw);
    p->truth_elf = elf_of(&p->truth_bytes);
    assert_non_null(p->truth_elf);
    p->truth = dwarf_begin_elf(p->truth_elf, DWARF_C_READ, NULL);
    assert_non_null(p->truth);
    p->src_elf = elf_of(&p->raw);
    assert_non_null(p->src_elf);
    assert_int_equal(dwimage_open(p->src_elf, parallel, &p->img), 0);
    assert_non_null(p->img.dw);
    assert_true(p->img.size > 0);
}

static void pair_close(struct pair *p)
{
    dwimage_close(&p->img);
    dwarf_end(p->truth);
    elf_end(p->truth_elf);
    elf_end(p->src_elf);
    free(p->truth_bytes.data);
    free(p->raw.data);
}

static const char *die_name(Dwarf_Die *d)
{
    Dwarf_Attribute a;
    return dwarf_formstring(dwarf_attr_integrate(d, DW_AT_name, &a));
}

static void assert_same_str(const char *a, const char *b)
{
    if (!a || !b)
        assert_ptr_equal(a, b);   /* both NULL */
    else
        assert_string_equal(a, b);
}

static int64_t attr_int(Dwarf_Die *d, unsigned name)
{
    Dwarf_Attribute a;
    Dwarf_Word w;
    if (!dwarf_attr(d, name, &a) || dwarf_formudata(&a, &w) != 0)
        return -1;
    return (int64_t)w;
}

struct tally {
    size_t addrs, cus, lines, scopes, named_scopes, inlined;
};

/* Does every lookup at addr agree between the image and libdw? */
static void compare_addr(Dwarf *img, Dwarf *truth, Dwarf_Addr addr, struct tally *t)
{
    Dwarf_Die cu_i, cu_t;
    Dwarf_Die *ri = dwarf_addrdie(img, addr, &cu_i), *rt = dwarf_addrdie(truth, addr, &cu_t);
    t->addrs++;
    assert_int_equal(ri != NULL, rt != NULL);
    if (!rt)
        return;
    t->cus++;
    assert_int_equal(dwarf_dieoffset(&cu_i), dwarf_dieoffset(&cu_t));
    assert_same_str(dwarf_diename(&cu_i), dwarf_diename(&cu_t));

    Dwarf_Line *li = dwarf_getsrc_die(&cu_i, addr), *lt = dwarf_getsrc_die(&cu_t, addr);
    assert_int_equal(li != NULL, lt != NULL);
    if (lt) {
        int ni = -1, nt = -2;
        Dwarf_Addr ai = 1, at = 2;
        assert_int_equal(dwarf_lineno(lt, &nt), 0);
        assert_int_equal(dwarf_lineno(li, &ni), 0);
        assert_int_equal(ni, nt);
        assert_int_equal(dwarf_lineaddr(li, &ai), 0);
        assert_int_equal(dwarf_lineaddr(lt, &at), 0);
        assert_int_equal(ai, at);
        const char *fi = dwarf_linesrc(li, NULL, NULL), *ft = dwarf_linesrc(lt, NULL, NULL);
        assert_non_null(ft);
        assert_same_str(fi, ft);
        t->lines++;
    }

    Dwarf_Die *si = NULL, *st = NULL;
    int ki = dwarf_getscopes(&cu_i, addr, &si), kt = dwarf_getscopes(&cu_t, addr, &st);
    assert_int_equal(ki, kt);
    for (int k = 0; k < kt; k++) {
        assert_int_equal(dwarf_tag(&si[k]), dwarf_tag(&st[k]));
        assert_int_equal(dwarf_dieoffset(&si[k]), dwarf_dieoffset(&st[k]));
        const char *a = die_name(&si[k]), *b = die_name(&st[k]);
        assert_same_str(a, b);
        t->scopes++;
        t->named_scopes += b != NULL;
        if (dwarf_tag(&st[k]) == DW_TAG_inlined_subroutine) {
            t->inlined++;
            assert_int_equal(attr_int(&si[k], DW_AT_call_line),
                             attr_int(&st[k], DW_AT_call_line));
            assert_int_equal(attr_int(&si[k], DW_AT_call_file),
                             attr_int(&st[k], DW_AT_call_file));
        }
    }
    free(si);
    free(st);
}

/* Addresses: every arange's start; with per_range > 0 also every CU's
 * ranges (from libdw on the original), their first and last byte and
 * `per_range` steps through each. */
static void compare_all(struct pair *p, int per_range, struct tally *t)
{
    memset(t, 0, sizeof(*t));
    Dwarf_Aranges *ar;
    size_t nar;
    assert_int_equal(dwarf_getaranges(p->truth, &ar, &nar), 0);
    assert_true(nar > 0);
    for (size_t i = 0; i < nar; i++) {
        Dwarf_Addr start;
        Dwarf_Word len;
        Dwarf_Off cuoff;
        assert_int_equal(dwarf_getarangeinfo(dwarf_onearange(ar, i), &start, &len, &cuoff), 0);
        if (len)
            compare_addr(p->img.dw, p->truth, start, t);
    }
    Dwarf_Off off = 0, next;
    size_t hsize, ncu = 0;
    while (dwarf_nextcu(p->truth, off, &next, &hsize, NULL, NULL, NULL) == 0) {
        Dwarf_Die cu;
        assert_non_null(dwarf_offdie(p->truth, off + hsize, &cu));
        Dwarf_Addr base, lo, hi;
        ptrdiff_t r = 0;
        int nr = 0;
        while ((r = dwarf_ranges(&cu, r, &base, &lo, &hi)) > 0 && nr++ < 4096) {
            if (hi <= lo)
                continue;
            if (!per_range)
                continue;
            Dwarf_Addr step = (hi - lo) / (Dwarf_Addr)per_range;
            compare_addr(p->img.dw, p->truth, lo, t);
            compare_addr(p->img.dw, p->truth, hi - 1, t);
            for (int k = 1; step && k < per_range; k++)
                compare_addr(p->img.dw, p->truth, lo + (Dwarf_Addr)k * step + (Dwarf_Addr)k % 3,
                             t);
        }
        off = next;
        ncu++;
    }
    assert_true(ncu > 0);
    /* outside any code: both say no CU */
    compare_addr(p->img.dw, p->truth, 0, t);
    compare_addr(p->img.dw, p->truth, UINT64_MAX - 16, t);
}

/* Each kept section's bytes equal libelf's own decompression of the
 * original section; no location lists in the image. */
static void compare_sections(struct pair *p)
{
    struct blob c = dup_blob(&p->raw);
    Elf *orig = elf_of(&c);
    assert_non_null(orig);
    size_t ostr, istr;
    assert_int_equal(elf_getshdrstrndx(orig, &ostr), 0);
    assert_int_equal(elf_getshdrstrndx(p->img.elf, &istr), 0);
    size_t checked = 0, compressed = 0;
    Elf_Scn *scn = NULL;
    while ((scn = elf_nextscn(orig, scn)) != NULL) {
        GElf_Shdr sh;
        assert_non_null(gelf_getshdr(scn, &sh));
        const char *name = elf_strptr(orig, ostr, sh.sh_name);
        if (!name || strncmp(name, ".debug_", 7) != 0)
            continue;
        int is_loc = strcmp(name, ".debug_loc") == 0 || strcmp(name, ".debug_loclists") == 0;
        Elf_Scn *found = NULL, *is = NULL;
        while ((is = elf_nextscn(p->img.elf, is)) != NULL) {
            GElf_Shdr ish;
            assert_non_null(gelf_getshdr(is, &ish));
            const char *in = elf_strptr(p->img.elf, istr, ish.sh_name);
            if (in && strcmp(in, name) == 0)
                found = is;
        }
        if (is_loc) {
            assert_null(found);
            continue;
        }
        assert_non_null(found);
        if (sh.sh_flags & SHF_COMPRESSED) {
            assert_int_equal(elf_compress(scn, 0, 0), 1);
            compressed++;
        }
        Elf_Data *want = elf_getdata(scn, NULL);
        Elf_Data *got = elf_rawdata(found, NULL);
        GElf_Shdr fsh;
        assert_non_null(gelf_getshdr(found, &fsh));
        assert_false(fsh.sh_flags & SHF_COMPRESSED);
        assert_non_null(want);
        assert_non_null(got);
        assert_int_equal(got->d_size, want->d_size);
        assert_memory_equal(got->d_buf, want->d_buf, want->d_size);
        checked++;
    }
    assert_true(checked >= 5);
    assert_true(compressed >= 5);
    elf_end(orig);
    free(c.data);
}

struct expect {
    int per_range;             /* addresses per CU range */
    size_t min_lines, min_inlined;
};

static void run_pair(struct blob raw, int parallel, const struct expect *x, const char *what)
{
    struct pair p;
    pair_open(&p, raw, parallel);
    compare_sections(&p);
    struct tally t;
    compare_all(&p, x->per_range, &t);
    if (getenv("DWIMAGE_VERBOSE"))
        fprintf(stderr, "%s: %zu addrs, %zu in CUs, %zu lines, %zu scopes (%zu named, %zu inlined)\n",
                what, t.addrs, t.cus, t.lines, t.scopes, t.named_scopes, t.inlined);
    /* the comparison covered real ground */
    assert_true(t.cus * 10 >= t.addrs * 9);
    assert_true(t.lines >= x->min_lines);
    assert_true(t.named_scopes >= x->min_lines);
    assert_true(t.inlined >= x->min_inlined);
    pair_close(&p);
}

static void run_debug_file(const char *rel, int parallel, const struct expect *x)
{
    struct blob raw;
    load_zst(rel, &raw);
    run_pair(raw, parallel, x, rel);
}

static void test_libc_same_as_libdw(void **state)
{
    (void)state;
    static const struct expect x = { 2, 4000, 200 };
    run_debug_file(LIBC_DEBUG, 0, &x);
}

/* the largest section inflated on a second thread */
static void test_libc_parallel_same_as_libdw(void **state)
{
    (void)state;
    static const struct expect x = { 0, 1000, 50 };
    run_debug_file(LIBC_DEBUG, 1, &x);
}

static void test_ldso_same_as_libdw(void **state)
{
    (void)state;
    static const struct expect x = { 12, 1000, 100 }, y = { 0, 100, 2 };
    run_debug_file(LDSO_DEBUG, 0, &x);
    run_debug_file(LDSO_DEBUG, 1, &y);
}

/* Regression: describe() once left kept.compressed uninitialised for
 * plain sections, so a file mixing plain and compressed .debug_* sections
 * (cgo below) was accepted or refused depending on stack garbage.  The
 * stack is dirtied before each open so such a bug shows every time. */

/* Leaves non-zero bytes where callees' locals will live, so results that
 * depend on uninitialised locals show up every time. */
static void __attribute__((noinline)) dirty_stack(void)
{
    volatile unsigned char junk[1 << 16];
    for (size_t i = 0; i < sizeof(junk); i++)
        junk[i] = 0xff;
}

/* cgo: a Go binary whose C part's DWARF the linker compressed (zlib) while
 * leaving .debug_rnglists plain: a mixed image. */
static void test_cgo_same_as_libdw(void **state)
{
    (void)state;
    static const struct expect x = { 64, 50, 0 };
    for (int parallel = 0; parallel < 2; parallel++) {
        struct blob b;
        assert_int_equal(blob_load(testdata_path("bin/cgo"), &b), 0);
        int idx = section_index(&b, ".debug_info");
        assert_true(idx > 0);
        Elf64_Shdr sh = shdr_get(&b, (size_t)idx);
        assert_true(sh.sh_flags & SHF_COMPRESSED);
        idx = section_index(&b, ".debug_rnglists");
        assert_true(idx > 0);
        sh = shdr_get(&b, (size_t)idx);
        assert_false(sh.sh_flags & SHF_COMPRESSED);
        dirty_stack();
        run_pair(b, parallel, &x, "bin/cgo");
    }
}

/* ---- refusals by contract ---- */

static void test_no_compressed_sections(void **state)
{
    (void)state;
    static const char *const files[] = {
        "bin/cprog-fp",        /* plain DWARF */
        "bin/cprog-nofp",
        "bin/oracle.test",     /* Go, no DWARF */
        "bin/esbuild",         /* Go, stripped */
        "sysroot/usr/lib/x86_64-linux-gnu/libc.so.6",   /* no .debug_* at all */
    };
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        struct blob b;
        assert_int_equal(blob_load(testdata_path(files[i]), &b), 0);
        assert_int_equal(try_open(&b), -1);
        free(b.data);
    }
    struct dwimage img;
    assert_int_equal(dwimage_open(NULL, 0, &img), -1);
    assert_null(img.dw);
    dwimage_close(&img);
}

/* Renames section `from` in place to `to` (not longer). */
static void rename_section(struct blob *b, const char *from, const char *to)
{
    int i = section_index(b, from);
    assert_true(i > 0);
    assert_true(strlen(to) <= strlen(from));
    Elf64_Ehdr eh = ehdr_of(b);
    Elf64_Shdr str = shdr_get(b, eh.e_shstrndx), sh = shdr_get(b, (size_t)i);
    memcpy(b->data + str.sh_offset + sh.sh_name, to, strlen(to) + 1);
    assert_int_equal(section_index(b, to), i);
}

static void test_contract_refusals(void **state)
{
    (void)state;
    struct blob orig = dup_blob(libc_blob());
    assert_int_equal(try_open(&orig), 0);   /* the unmodified file is accepted */

    struct blob b = dup_blob(&orig);
    rename_section(&b, ".note.gnu.property", ".gnu_debugaltlink");
    assert_int_equal(try_open(&b), -1);
    free(b.data);

    b = dup_blob(&orig);
    rename_section(&b, ".debug_aranges", ".zdebug_arange");
    assert_int_equal(try_open(&b), -1);
    free(b.data);

    b = dup_blob(&orig);                    /* relocatable */
    Elf64_Ehdr eh = ehdr_of(&b);
    eh.e_type = ET_REL;
    memcpy(b.data, &eh, sizeof(eh));
    assert_int_equal(try_open(&b), -1);
    free(b.data);

    b = dup_blob(&orig);                    /* foreign endianness */
    b.data[EI_DATA] = ELFDATA2MSB;
    assert_int_equal(try_open(&b), -1);
    free(b.data);

    b = dup_blob(&orig);                    /* 32-bit class */
    b.data[EI_CLASS] = ELFCLASS32;
    assert_int_equal(try_open(&b), -1);
    free(b.data);

    b = dup_blob(&orig);                    /* compressed section-name table */
    eh = ehdr_of(&b);
    Elf64_Shdr str = shdr_get(&b, eh.e_shstrndx);
    str.sh_flags |= SHF_COMPRESSED;
    shdr_put(&b, eh.e_shstrndx, &str);
    assert_int_equal(try_open(&b), -1);
    free(b.data);

    /* zstd-compressed sections are libdw's to read */
    b = dup_blob(&orig);
    Elf64_Shdr sh = shdr_get(&b, (size_t)section_index(&b, ".debug_info"));
    Elf64_Chdr ch;
    memcpy(&ch, b.data + sh.sh_offset, sizeof(ch));
    ch.ch_type = 2;  /* ELFCOMPRESS_ZSTD */
    memcpy(b.data + sh.sh_offset, &ch, sizeof(ch));
    assert_int_equal(try_open(&b), -1);
    free(b.data);
    free(orig.data);
}

/* ---- corrupted compressed data ---- */

/* Does zlib itself inflate this zlib stream (header, raw deflate) to
 * exactly `size` bytes?  Checksum not checked, as the header says. */
static int zlib_gives(const unsigned char *z, size_t zlen, uint64_t size)
{
    if (zlen < 2 || (z[0] & 0x0f) != 8 || ((unsigned)z[0] << 8 | z[1]) % 31 || (z[1] & 0x20))
        return 0;
    if (size > ((uint64_t)1 << 31))
        return 0;
    unsigned char *out = malloc(size ? (size_t)size : 1);
    assert_non_null(out);
    z_stream zs;
    memset(&zs, 0, sizeof(zs));
    assert_int_equal(inflateInit2(&zs, -15), Z_OK);
    zs.next_in = (unsigned char *)(uintptr_t)(z + 2);
    zs.avail_in = (uInt)(zlen - 2);
    zs.next_out = out;
    zs.avail_out = (uInt)size;
    int ok = inflate(&zs, Z_FINISH) == Z_STREAM_END && zs.total_out == size;
    inflateEnd(&zs);
    free(out);
    return ok;
}

struct info_sec {
    int idx;
    Elf64_Shdr sh;
    Elf64_Chdr ch;
};

static struct info_sec info_of(const struct blob *b)
{
    struct info_sec s;
    s.idx = section_index(b, ".debug_info");
    assert_true(s.idx > 0);
    s.sh = shdr_get(b, (size_t)s.idx);
    assert_true(s.sh.sh_flags & SHF_COMPRESSED);
    memcpy(&s.ch, b->data + s.sh.sh_offset, sizeof(s.ch));
    assert_int_equal(s.ch.ch_type, ELFCOMPRESS_ZLIB);
    return s;
}

static void set_ch_size(struct blob *b, uint64_t size)
{
    struct info_sec s = info_of(b);
    s.ch.ch_size = size;
    memcpy(b->data + s.sh.sh_offset, &s.ch, sizeof(s.ch));
}

static void test_corrupt_chdr_size(void **state)
{
    (void)state;
    struct blob orig = dup_blob(libc_blob());
    struct info_sec s = info_of(&orig);
    uint64_t real = s.ch.ch_size;
    const uint64_t sizes[] = {
        real + 1, real - 1, real / 2, real * 2, 0, 1,
        (uint64_t)1 << 31,                   /* the largest size let through */
        ((uint64_t)1 << 31) + 1, (uint64_t)1 << 40, UINT64_MAX,
    };
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        struct blob b = dup_blob(&orig);
        set_ch_size(&b, sizes[i]);
        assert_int_equal(try_open2(&b), -1);
        free(b.data);
    }
    free(orig.data);
}

static void test_corrupt_zlib_header(void **state)
{
    (void)state;
    struct blob orig = dup_blob(libc_blob());
    struct info_sec s = info_of(&orig);
    size_t z = s.sh.sh_offset + sizeof(Elf64_Chdr);
    const unsigned char heads[][2] = {
        { 0x78, 0x9d },   /* header check fails */
        { 0x78, 0xbb },   /* preset dictionary, check ok */
        { 0x77, 0x09 },   /* compression method 7, check ok */
        { 0x00, 0x00 },
        { 0xff, 0xff },
    };
    for (size_t i = 0; i < sizeof(heads) / sizeof(heads[0]); i++) {
        struct blob b = dup_blob(&orig);
        b.data[z] = heads[i][0];
        b.data[z + 1] = heads[i][1];
        assert_int_equal(try_open(&b), -1);
        free(b.data);
    }
    /* first deflate block header */
    struct blob b = dup_blob(&orig);
    b.data[z + 2] ^= 0x07;
    int want_ok = zlib_gives(b.data + z, s.sh.sh_size - sizeof(Elf64_Chdr), s.ch.ch_size);
    int rc = try_open2(&b);
    if (!want_ok)
        assert_int_equal(rc, -1);
    free(b.data);
    free(orig.data);
}

/* Flip bytes inside the deflate stream: whenever zlib cannot inflate the
 * result to ch_size bytes, the image must be refused. */
static void test_corrupt_stream(void **state)
{
    (void)state;
    struct blob orig = dup_blob(libc_blob());
    struct info_sec s = info_of(&orig);
    size_t z = s.sh.sh_offset + sizeof(Elf64_Chdr);
    size_t zlen = s.sh.sh_size - sizeof(Elf64_Chdr);
    assert_true(zlib_gives(orig.data + z, zlen, s.ch.ch_size));
    size_t refused = 0, tried = 0;
    /* 16 bytes at 1/8, 4/8 and 7/8 of the stream: overwritten with a
     * pattern, inverted, overwritten */
    static const int eighths[] = { 1, 4, 7 };
    for (size_t e = 0; e < sizeof(eighths) / sizeof(eighths[0]); e++) {
        struct blob b = dup_blob(&orig);
        size_t at = z + zlen * (size_t)eighths[e] / 8;
        for (size_t j = 0; j < 16; j++)
            b.data[at + j] = e == 1 ? (unsigned char)~b.data[at + j] : (unsigned char)(j * 37);
        int want_ok = zlib_gives(b.data + z, zlen, s.ch.ch_size);
        int rc = try_open2(&b);
        if (!want_ok) {
            assert_int_equal(rc, -1);
            refused++;
        }
        tried++;
        free(b.data);
    }
    assert_true(refused * 2 > tried);   /* the flips did break the stream */
    /* The adler32 trailer is not checked: a wrong one still opens, with the
     * very same DWARF. */
    struct blob b = dup_blob(&orig);
    for (size_t j = 1; j <= 4; j++)
        b.data[z + zlen - j] ^= 0x5a;
    assert_int_equal(try_open(&b), 0);
    free(b.data);
    free(orig.data);
}

/* The section's stored (compressed) size shrunk or pointing past the end. */
static void test_corrupt_section_bounds(void **state)
{
    (void)state;
    struct blob orig = dup_blob(libc_blob());
    struct info_sec s = info_of(&orig);
    const uint64_t sizes[] = {
        0, 1, sizeof(Elf64_Chdr), sizeof(Elf64_Chdr) + 1, sizeof(Elf64_Chdr) + 2,
        sizeof(Elf64_Chdr) + 3, 100, 4096, s.sh.sh_size / 2,
        s.sh.sh_size - 5,                    /* the last deflate byte gone */
        orig.size, UINT64_MAX,
    };
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        struct blob b = dup_blob(&orig);
        Elf64_Shdr sh = s.sh;
        sh.sh_size = sizes[i];
        shdr_put(&b, (size_t)s.idx, &sh);
        if (try_open2(&b) != -1)
            fail_msg("sh_size %llu accepted", (unsigned long long)sizes[i]);
        free(b.data);
    }
    /* only the unchecked adler32 trailer gone: the DWARF is whole */
    for (uint64_t cut = 1; cut <= 4; cut += 3) {
        struct blob b = dup_blob(&orig);
        Elf64_Shdr sh = s.sh;
        sh.sh_size -= cut;
        shdr_put(&b, (size_t)s.idx, &sh);
        assert_int_equal(try_open(&b), 0);
        free(b.data);
    }
    const uint64_t offsets[] = { orig.size - 10, orig.size, UINT64_MAX - 8 };
    for (size_t i = 0; i < sizeof(offsets) / sizeof(offsets[0]); i++) {
        struct blob b = dup_blob(&orig);
        Elf64_Shdr sh = s.sh;
        sh.sh_offset = offsets[i];
        shdr_put(&b, (size_t)s.idx, &sh);
        assert_int_equal(try_open(&b), -1);
        free(b.data);
    }
    /* odd alignments in the Chdr: refused or read, never a crash */
    const uint64_t aligns[] = { 0, 3, (uint64_t)1 << 40 };
    for (size_t i = 0; i < sizeof(aligns) / sizeof(aligns[0]); i++) {
        struct blob b = dup_blob(&orig);
        Elf64_Chdr ch = s.ch;
        ch.ch_addralign = aligns[i];
        memcpy(b.data + s.sh.sh_offset, &ch, sizeof(ch));
        (void)try_open(&b);
        free(b.data);
    }
    free(orig.data);
}

/* Truncated files: the whole file cut short (the section headers are at the
 * end, so they go first), and the data cut inside .debug_info with the
 * section-name table and section headers moved in front of the cut. */
static void test_truncated(void **state)
{
    (void)state;
    struct blob orig = dup_blob(libc_blob());
    Elf64_Ehdr eh = ehdr_of(&orig);
    assert_true(eh.e_shoff + (size_t)eh.e_shnum * sizeof(Elf64_Shdr) == orig.size);
    const size_t cuts[] = { 0, 4, 16, sizeof(Elf64_Ehdr), 4096, orig.size / 2, eh.e_shoff,
                            eh.e_shoff + 64, orig.size - 64, orig.size - 1 };
    for (size_t i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++) {
        struct blob b = { malloc(cuts[i] ? cuts[i] : 1), cuts[i] };
        memcpy(b.data, orig.data, cuts[i]);
        assert_int_equal(try_open(&b), -1);
        free(b.data);
    }

    struct info_sec s = info_of(&orig);
    Elf64_Shdr str = shdr_get(&orig, eh.e_shstrndx);
    const size_t into[] = { 0, 1, sizeof(Elf64_Chdr) + 2, 1000, s.sh.sh_size / 2,
                            s.sh.sh_size - 1 };
    for (size_t i = 0; i < sizeof(into) / sizeof(into[0]); i++) {
        size_t cut = s.sh.sh_offset + into[i];
        size_t shsz = (size_t)eh.e_shnum * sizeof(Elf64_Shdr);
        size_t str_at = cut, sh_at = (cut + str.sh_size + 7) & ~(size_t)7;
        struct blob b = { calloc(1, sh_at + shsz), sh_at + shsz };
        memcpy(b.data, orig.data, cut);
        memcpy(b.data + str_at, orig.data + str.sh_offset, str.sh_size);
        memcpy(b.data + sh_at, orig.data + eh.e_shoff, shsz);
        Elf64_Ehdr h = eh;
        h.e_shoff = sh_at;
        memcpy(b.data, &h, sizeof(h));
        Elf64_Shdr st = str;
        st.sh_offset = str_at;
        shdr_put(&b, eh.e_shstrndx, &st);
        assert_int_equal(section_index(&b, ".debug_info"), s.idx);
        assert_int_equal(try_open2(&b), -1);
        free(b.data);
    }
    free(orig.data);
}


/* ---- the cache (XDG_CACHE_HOME/sysflame/<build-id>.dwarf) ---- */

#define CGO_BID "d86ded945277fd18510d9512d9d6343163072465"

static char cache_home[64];
static char cache_entry[160];

static void cache_begin(const char *bid)
{
    strcpy(cache_home, "/tmp/sf-dwcache-XXXXXX");
    assert_non_null(mkdtemp(cache_home));
    setenv("XDG_CACHE_HOME", cache_home, 1);
    unsetenv("SYSFLAME_CACHE");
    snprintf(cache_entry, sizeof(cache_entry), "%s/sysflame/%s.dwarf", cache_home, bid);
}

static void cache_end(void)
{
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", cache_home);
    assert_int_equal(system(cmd), 0);
    setenv("SYSFLAME_CACHE", "0", 1);
}

static off_t entry_size(void)
{
    struct stat st;
    return stat(cache_entry, &st) == 0 ? st.st_size : -1;
}

/* Opens raw's image (mapped from the cache or not, as want_mapped says) and
 * compares it with libdw on the original; returns the image size. */
static size_t cached_pair(const char *rel, int want_mapped)
{
    static const struct expect x = { 64, 50, 0 };
    struct blob raw;
    assert_int_equal(blob_load(testdata_path(rel), &raw), 0);
    struct pair p;
    pair_open(&p, raw, 0);
    assert_int_equal(p.img.mapped, want_mapped);
    compare_sections(&p);
    struct tally t;
    compare_all(&p, x.per_range, &t);
    assert_true(t.lines >= x.min_lines);
    size_t size = p.img.size;
    pair_close(&p);
    return size;
}

/* A miss writes the entry; the next open maps it and reads the same DWARF. */
static void test_cache_hit_same_as_libdw(void **state)
{
    (void)state;
    cache_begin(CGO_BID);
    assert_int_equal(entry_size(), -1);
    size_t size = cached_pair("bin/cgo", 0);
    assert_int_equal(entry_size(), (off_t)(4096 + size));
    assert_int_equal(cached_pair("bin/cgo", 1), size);
    assert_int_equal(cached_pair("bin/cgo", 1), size);
    /* libc's debug file: the image is the same bytes from the cache */
    struct blob raw;
    load_zst(LIBC_DEBUG, &raw);
    struct pair a;
    pair_open(&a, raw, 1);
    assert_int_equal(a.img.mapped, 0);
    load_zst(LIBC_DEBUG, &raw);
    struct pair b;
    pair_open(&b, raw, 0);
    assert_int_equal(b.img.mapped, 1);
    assert_int_equal(a.img.size, b.img.size);
    assert_memory_equal(a.img.buf, b.img.buf, a.img.size);
    pair_close(&a);
    pair_close(&b);
    cache_end();
}

static void rewrite_entry(long at, const void *bytes, size_t n, off_t truncate_to)
{
    int fd = open(cache_entry, O_RDWR);
    assert_true(fd >= 0);
    if (n)
        assert_int_equal(pwrite(fd, bytes, n, at), (ssize_t)n);
    if (truncate_to >= 0)
        assert_int_equal(ftruncate(fd, truncate_to), 0);
    close(fd);
}

/* A damaged entry is a miss (never a wrong answer), and is replaced. */
static void test_cache_corrupt_entries(void **state)
{
    (void)state;
    cache_begin(CGO_BID);
    size_t size = cached_pair("bin/cgo", 0);
    off_t full = (off_t)(4096 + size);
    struct { long at; const char *bytes; off_t cut; } bad[] = {
        { 0, "X", -1 },                      /* magic */
        { 8, "\\x07", -1 },                   /* version */
        { 20, "\\xff", -1 },                  /* build-id */
        { 40, "\\x01", -1 },                  /* fingerprint */
        { 48, "\\x01", -1 },                  /* size */
        { 64, "\\x01", -1 },                  /* header checksum */
        { 4096 + 64, "\\x55", -1 },           /* the image's first section */
        { (long)(4096 + size / 2), "\\xaa", -1 },
        { 0, "", full - 1 },                 /* cut short */
        { 0, "", 4096 },                     /* header only */
        { 0, "", 10 },                       /* part of the header */
        { 0, "", 0 },                        /* empty */
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        unsigned char old = 0;
        if (bad[i].bytes[0]) {
            int fd = open(cache_entry, O_RDONLY);
            assert_int_equal(pread(fd, &old, 1, bad[i].at), 1);
            close(fd);
            unsigned char nb = (unsigned char)bad[i].bytes[0];
            if (nb == old)
                nb ^= 0xff;
            rewrite_entry(bad[i].at, &nb, 1, -1);
        } else {
            rewrite_entry(0, NULL, 0, bad[i].cut);
        }
        assert_int_equal(cached_pair("bin/cgo", 0), size);  /* rebuilt */
        assert_int_equal(entry_size(), full);               /* and replaced */
        assert_int_equal(cached_pair("bin/cgo", 1), size);
    }
    /* something else under the entry's name */
    FILE *f = fopen(cache_entry, "w");
    assert_non_null(f);
    fputs("not an image\n", f);
    fclose(f);
    assert_int_equal(cached_pair("bin/cgo", 0), size);
    assert_int_equal(cached_pair("bin/cgo", 1), size);
    cache_end();
}

/* Off, or nowhere to put it: no entry, same answers. */
static void test_cache_off(void **state)
{
    (void)state;
    cache_begin(CGO_BID);
    setenv("SYSFLAME_CACHE", "0", 1);
    cached_pair("bin/cgo", 0);
    cached_pair("bin/cgo", 0);
    assert_int_equal(entry_size(), -1);
    unsetenv("SYSFLAME_CACHE");
    setenv("XDG_CACHE_HOME", "relative/dir", 1);     /* ignored, as XDG says */
    char *home = getenv("HOME") ? strdup(getenv("HOME")) : NULL;
    unsetenv("HOME");
    cached_pair("bin/cgo", 0);
    cached_pair("bin/cgo", 0);
    struct stat st;
    assert_int_equal(stat("relative", &st), -1);
    /* HOME's .cache when XDG_CACHE_HOME is unset */
    unsetenv("XDG_CACHE_HOME");
    setenv("HOME", cache_home, 1);
    cached_pair("bin/cgo", 0);
    snprintf(cache_entry, sizeof(cache_entry), "%s/.cache/sysflame/%s.dwarf", cache_home, CGO_BID);
    assert_true(entry_size() > 4096);
    cached_pair("bin/cgo", 1);
    if (home) {
        setenv("HOME", home, 1);
        free(home);
    }
    cache_end();
}

/* Processes building, replacing and reading one entry at once all get the
 * right DWARF, and what is left is a whole entry. */
static void test_cache_concurrent(void **state)
{
    (void)state;
    cache_begin(CGO_BID);
    pid_t kids[6];
    for (int i = 0; i < 6; i++) {
        kids[i] = fork();
        assert_true(kids[i] >= 0);
        if (kids[i] == 0) {
            for (int r = 0; r < 8; r++) {
                struct blob raw;
                if (blob_load(testdata_path("bin/cgo"), &raw) != 0)
                    _exit(3);
                struct pair p;
                pair_open(&p, raw, 0);
                struct tally t;
                compare_all(&p, 4, &t);
                pair_close(&p);
                if (r % 3 == i % 3)
                    unlink(cache_entry);        /* the next one rebuilds it */
            }
            _exit(0);
        }
    }
    for (int i = 0; i < 6; i++) {
        int st;
        assert_int_equal(waitpid(kids[i], &st, 0), kids[i]);
        assert_true(WIFEXITED(st));
        assert_int_equal(WEXITSTATUS(st), 0);
    }
    size_t size = cached_pair("bin/cgo", entry_size() > 0 ? 1 : 0);
    assert_int_equal(entry_size(), (off_t)(4096 + size));
    cache_end();
}

int main(void)
{
    /* the inflating path unless a test sets a cache up */
    setenv("SYSFLAME_CACHE", "0", 1);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cache_hit_same_as_libdw),
        cmocka_unit_test(test_cache_corrupt_entries),
        cmocka_unit_test(test_cache_off),
        cmocka_unit_test(test_cache_concurrent),
        cmocka_unit_test(test_libc_same_as_libdw),
        cmocka_unit_test(test_libc_parallel_same_as_libdw),
        cmocka_unit_test(test_ldso_same_as_libdw),
        cmocka_unit_test(test_cgo_same_as_libdw),
        cmocka_unit_test(test_no_compressed_sections),
        cmocka_unit_test(test_contract_refusals),
        cmocka_unit_test(test_corrupt_chdr_size),
        cmocka_unit_test(test_corrupt_zlib_header),
        cmocka_unit_test(test_corrupt_stream),
        cmocka_unit_test(test_corrupt_section_bounds),
        cmocka_unit_test(test_truncated),
    };
    return cmocka_run_group_tests(tests, NULL, free_libc_blob);
}
