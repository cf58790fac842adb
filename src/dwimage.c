/* dwimage.c - BINARIES stage helper: an in-memory ELF image of a file's
 * debug sections, inflated without zlib's checksum and without the
 * location lists, for libdw (see dwimage.h).  Hands symbolize.c a Dwarf. */
#include "config.h"
#include "dwimage.h"

#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#ifdef HAVE_LIBDEFLATE
#include <libdeflate.h>
#else
#include <zlib.h>
#endif

#include "binary.h"
#include "sf.h"
#include "sf_int.h"

#define MAX_SECTIONS 64
#define MAX_INFLATED ((uint64_t)1 << 31)

struct kept {
    GElf_Shdr sh;
    const unsigned char *in;   /* deflate stream, or plain bytes */
    size_t in_len;
    uint64_t out_len;
    int compressed;
    size_t out_off;            /* in the image */
};

static int wanted(const char *name)
{
    return name && strncmp(name, ".debug_", 7) == 0 && strcmp(name, ".debug_loc") != 0 &&
           strcmp(name, ".debug_loclists") != 0;
}

/* The zlib stream of a compressed section, checked, without its 2-byte
 * header (raw inflate skips the trailing checksum). */
static int describe(Elf_Scn *scn, const GElf_Shdr *sh, struct kept *k)
{
    Elf_Data *raw = elf_rawdata(scn, NULL);
    if (!raw || !raw->d_buf)
        return -1;
    memset(k, 0, sizeof(*k));
    k->sh = *sh;
    if (!(sh->sh_flags & SHF_COMPRESSED)) {
        k->in = raw->d_buf;
        k->in_len = raw->d_size;
        k->out_len = raw->d_size;
        return 0;
    }
    Elf64_Chdr ch;
    if (raw->d_size < sizeof(ch) + 2)
        return -1;
    memcpy(&ch, raw->d_buf, sizeof(ch));
    const unsigned char *z = (const unsigned char *)raw->d_buf + sizeof(ch);
    size_t zlen = raw->d_size - sizeof(ch);
    /* CM 8 (deflate), header check, no preset dictionary */
    if (ch.ch_type != ELFCOMPRESS_ZLIB || (z[0] & 0x0f) != 8 ||
        ((unsigned)z[0] << 8 | z[1]) % 31 != 0 || (z[1] & 0x20))
        return -1;
    if (ch.ch_size > MAX_INFLATED || zlen > MAX_INFLATED || ch.ch_size / 1032 > zlen)
        return -1;             /* deflate expands at most ~1032:1 */
    k->in = z + 2;
    k->in_len = zlen - 2;
    k->out_len = ch.ch_size;
    k->compressed = 1;
    k->sh.sh_addralign = ch.ch_addralign ? ch.ch_addralign : 1;
    return 0;
}

static int inflate_into(const struct kept *k, unsigned char *out)
{
    if (!k->compressed) {
        memcpy(out, k->in, k->out_len);
        return 0;
    }
#ifdef HAVE_LIBDEFLATE
    /* whole-buffer inflate: the output size is known, and libdeflate does
     * it ~2.5x faster than zlib (libc's .debug_info: ~9 ms instead of ~22) */
    struct libdeflate_decompressor *d = libdeflate_alloc_decompressor();
    if (!d)
        return -1;
    size_t got = 0;
    int rc = libdeflate_deflate_decompress(d, k->in, k->in_len, out, (size_t)k->out_len, &got) ==
                     LIBDEFLATE_SUCCESS && got == k->out_len ? 0 : -1;
    libdeflate_free_decompressor(d);
    return rc;
#else
    z_stream zs;
    memset(&zs, 0, sizeof(zs));
    if (inflateInit2(&zs, -15) != Z_OK)
        return -1;
    /* sizes were bounded below 2^31 by describe() */
    zs.next_in = (unsigned char *)(uintptr_t)k->in;
    zs.avail_in = (uInt)k->in_len;
    zs.next_out = out;
    zs.avail_out = (uInt)k->out_len;
    int rc = inflate(&zs, Z_FINISH) == Z_STREAM_END ? 0 : -1;
    if (rc == 0 && zs.total_out != k->out_len)
        rc = -1;
    inflateEnd(&zs);
    return rc;
#endif
}

/* With `parallel`, the largest section (.debug_info, ~60 % of the bytes)
 * inflates on a thread of its own while this one does the rest: one
 * deflate stream cannot be split, but sections are independent. */
struct inflate_job {
    const struct kept *k;
    unsigned char *buf;
    int rc;
};

static void *inflate_main(void *arg)
{
    struct inflate_job *j = arg;
    j->rc = inflate_into(j->k, j->buf + j->k->out_off);
    return NULL;
}

static int inflate_all(const struct kept *k, size_t n, unsigned char *buf, int parallel)
{
    size_t big = 0;
    for (size_t i = 1; i < n; i++)
        if (k[i].out_len > k[big].out_len)
            big = i;
    struct inflate_job job = { &k[big], buf, 0 };
    pthread_t t;
    int threaded = parallel && n > 1 && k[big].compressed &&
                   pthread_create(&t, NULL, inflate_main, &job) == 0;
    int rc = 0;
    for (size_t i = 0; i < n; i++)
        if ((i != big || !threaded) && inflate_into(&k[i], buf + k[i].out_off) < 0)
            rc = -1;
    if (threaded) {
        pthread_join(t, NULL);
        if (job.rc < 0)
            rc = -1;
    }
    return rc;
}

static size_t align_up(size_t v, uint64_t a)
{
    if (a < 1 || a > 4096 || (a & (a - 1)))
        a = 8;
    return (v + (size_t)a - 1) & ~((size_t)a - 1);
}


/* ---- the cache: inflated images kept on disk by build-id ----
 *
 * A file <cache dir>/<build-id>.dwarf: a header (one page), then the image
 * exactly as dwimage_open builds it.  The header names the build-id, a
 * fingerprint of the source's debug sections (so that a debug file and its
 * unstripped binary, which share a build-id, cannot be mixed up) and the
 * CRC-32 of the image and of itself.  Any mismatch, a short file or a failed
 * read is a miss: the image is built again and the entry replaced.  Entries
 * are written to a file of their own and renamed into place, so a reader
 * sees a whole entry or none, whoever writes concurrently. */

#define CACHE_MAGIC "SFDWIMG1"
#define CACHE_VERSION 1
#define CACHE_HDR 4096          /* the image starts page-aligned */

struct cache_hdr {
    char magic[8];
    uint32_t version, bid_len;
    uint8_t bid[24];
    uint64_t fingerprint, size, crc;
    uint64_t hdr_crc;           /* of the fields above */
};

static uint32_t crc_of(const void *p, size_t n)
{
#ifdef HAVE_LIBDEFLATE
    return libdeflate_crc32(0, p, n);
#else
    uint32_t c = 0;
    const unsigned char *b = p;
    while (n) {                 /* zlib takes uInt lengths */
        uInt take = n > (1u << 30) ? 1u << 30 : (uInt)n;
        c = (uint32_t)crc32(c, b, take);
        b += take;
        n -= take;
    }
    return c;
#endif
}

/* <cache dir>/<build-id hex>.dwarf, or -1 when caching is off: SYSFLAME_CACHE
 * set to 0, or neither an absolute XDG_CACHE_HOME nor an absolute HOME. */
static int cache_path(const uint8_t *bid, size_t bid_len, char *out, size_t cap, size_t *dir_len)
{
    const char *off = getenv("SYSFLAME_CACHE");
    if (off && strcmp(off, "0") == 0)
        return -1;
    const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
    int n;
    if (xdg && xdg[0] == '/')
        n = snprintf(out, cap, "%s/sysflame", xdg);
    else if (home && home[0] == '/')
        n = snprintf(out, cap, "%s/.cache/sysflame", home);
    else
        return -1;
    if (n < 0 || (size_t)n + 2 * bid_len + 8 >= cap)
        return -1;
    *dir_len = (size_t)n;
    n += snprintf(out + n, cap - (size_t)n, "/");
    for (size_t i = 0; i < bid_len; i++)
        n += snprintf(out + n, cap - (size_t)n, "%02x", bid[i]);
    snprintf(out + n, cap - (size_t)n, ".dwarf");
    return 0;
}

static uint64_t fingerprint(const struct kept *k, size_t n, size_t strsize)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    uint64_t v[7];
    for (size_t i = 0; i <= n; i++) {
        if (i < n) {
            v[0] = k[i].sh.sh_name, v[1] = k[i].sh.sh_type, v[2] = k[i].sh.sh_flags;
            v[3] = k[i].in_len, v[4] = k[i].out_len, v[5] = (uint64_t)k[i].compressed;
            v[6] = k[i].sh.sh_addralign;
        } else {
            memset(v, 0, sizeof(v));
            v[0] = n, v[1] = strsize;
        }
        const unsigned char *b = (const unsigned char *)v;
        for (size_t j = 0; j < sizeof(v); j++)
            h = (h ^ b[j]) * 0x100000001b3ULL;
    }
    return h;
}

static int open_image(unsigned char *buf, size_t size, struct dwimage *img)
{
    Elf *elf = elf_memory((char *)buf, size);
    Dwarf *dw = elf ? dwarf_begin_elf(elf, DWARF_C_READ, NULL) : NULL;
    if (!dw) {
        if (elf)
            elf_end(elf);
        return -1;
    }
    img->dw = dw;
    img->elf = elf;
    img->buf = buf;
    img->size = size;
    return 0;
}

/* The CRC-32 of n bytes of fd from offset off, read through a small
 * buffer: checking the image through its mapping made every page of it
 * resident (libc's: 8.2 MB of RSS), where libdw touches only some. */
static int crc_of_file(int fd, off_t off, uint64_t n, uint32_t *crc)
{
    enum { CHUNK = 256 * 1024 };
    unsigned char *buf = malloc(CHUNK);
    if (!buf)
        return -1;
    uint32_t c = 0;
    while (n) {
        size_t want = n < CHUNK ? (size_t)n : CHUNK;
        ssize_t got = pread(fd, buf, want, off);
        if (got <= 0)
            break;
#ifdef HAVE_LIBDEFLATE
        c = libdeflate_crc32(c, buf, (size_t)got);
#else
        c = (uint32_t)crc32(c, buf, (uInt)got);
#endif
        off += got;
        n -= (uint64_t)got;
    }
    free(buf);
    *crc = c;
    return n ? -1 : 0;
}

/* The image from a cache entry matching want: 0, or -1 (a miss). */
static int cache_load(const char *path, const struct cache_hdr *want, struct dwimage *img)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    struct cache_hdr h;
    struct stat st;
    uint32_t crc;
    void *m = MAP_FAILED;
    if (fstat(fd, &st) == 0 && pread(fd, &h, sizeof(h), 0) == (ssize_t)sizeof(h) &&
        memcmp(&h, want, offsetof(struct cache_hdr, size)) == 0 &&
        h.hdr_crc == crc_of(&h, offsetof(struct cache_hdr, hdr_crc)) &&
        h.size > 0 && h.size <= MAX_INFLATED && (uint64_t)st.st_size == CACHE_HDR + h.size &&
        crc_of_file(fd, CACHE_HDR, h.size, &crc) == 0 && crc == h.crc)
        /* writable pages of a private mapping: libelf may write, the file never
         * changes (a new entry is a new file, renamed into place) */
        m = mmap(NULL, (size_t)h.size, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, CACHE_HDR);
    close(fd);
    if (m == MAP_FAILED)
        return -1;
    if (open_image(m, (size_t)h.size, img) < 0) {
        munmap(m, (size_t)h.size);
        return -1;
    }
    img->mapped = 1;
    return 0;
}

/* Best effort: an entry that cannot be written is simply not there next time. */
static void cache_store(char *path, size_t dir_len, struct cache_hdr *h, const unsigned char *buf)
{
    char tmp[4200];
    path[dir_len] = '\0';       /* make the folder (and its parent) first */
    char *slash = strrchr(path, '/');
    if (slash && slash != path) {
        *slash = '\0';
        if (mkdir(path, 0700) < 0 && errno != EEXIST)
            return;
        *slash = '/';
    }
    int made = mkdir(path, 0700) == 0 || errno == EEXIST;
    path[dir_len] = '/';
    /* a name of its own: other processes, and other threads of this one
     * (two captures naming the same library) may write the entry too */
    static unsigned seq;
    unsigned mine = __atomic_fetch_add(&seq, 1, __ATOMIC_RELAXED);
    if (!made || snprintf(tmp, sizeof(tmp), "%s.%ld.%u.tmp", path, (long)getpid(), mine) >=
                     (int)sizeof(tmp))
        return;
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0)
        return;
    static const unsigned char zero[CACHE_HDR];
    h->crc = crc_of(buf, (size_t)h->size);
    h->hdr_crc = crc_of(h, offsetof(struct cache_hdr, hdr_crc));
    int ok = sf_write_full(fd, h, sizeof(*h)) == 0 &&
             sf_write_full(fd, zero, CACHE_HDR - sizeof(*h)) == 0 &&
             sf_write_full(fd, buf, (size_t)h->size) == 0;
    ok = close(fd) == 0 && ok;
    if (!ok || rename(tmp, path) < 0)
        unlink(tmp);
}

int dwimage_open(Elf *src, int parallel, struct dwimage *img)
{
    memset(img, 0, sizeof(*img));
    GElf_Ehdr eh;
    size_t shstrndx, nscn;
    static const uint16_t one = 1;
    int native = *(const uint8_t *)&one == 1 ? ELFDATA2LSB : ELFDATA2MSB;
    if (!src || !gelf_getehdr(src, &eh) || eh.e_ident[EI_CLASS] != ELFCLASS64 ||
        eh.e_ident[EI_DATA] != native || eh.e_type == ET_REL ||
        elf_getshdrstrndx(src, &shstrndx) != 0 || elf_getshdrnum(src, &nscn) != 0)
        return -1;

    struct kept k[MAX_SECTIONS];
    size_t n = 0, ncompressed = 0;
    Elf_Scn *scn = NULL;
    while ((scn = elf_nextscn(src, scn)) != NULL) {
        GElf_Shdr sh;
        if (!gelf_getshdr(scn, &sh))
            return -1;
        const char *name = elf_strptr(src, shstrndx, sh.sh_name);
        if (name && (strcmp(name, ".gnu_debugaltlink") == 0 || strncmp(name, ".zdebug", 7) == 0))
            return -1;         /* dwz or GNU-style compression: libdw's way */
        if (!wanted(name) || sh.sh_type == SHT_NOBITS)
            continue;
        if (n == MAX_SECTIONS || describe(scn, &sh, &k[n]) < 0)
            return -1;
        ncompressed += k[n].compressed;
        n++;
    }
    if (!ncompressed)
        return -1;             /* nothing to gain */
    Elf_Scn *strscn = elf_getscn(src, shstrndx);
    Elf_Data *strdata = strscn ? elf_rawdata(strscn, NULL) : NULL;
    GElf_Shdr strsh;
    if (!strdata || !strdata->d_buf || !gelf_getshdr(strscn, &strsh) ||
        (strsh.sh_flags & SHF_COMPRESSED))
        return -1;

    /* a cached image of these sections? */
    struct cache_hdr ch;
    char path[4096];
    size_t dir_len = 0;
    memset(&ch, 0, sizeof(ch));
    memcpy(ch.magic, CACHE_MAGIC, sizeof(ch.magic));
    ch.version = CACHE_VERSION;
    ch.bid_len = (uint32_t)binary_elf_build_id(src, ch.bid);
    ch.fingerprint = fingerprint(k, n, strdata->d_size);
    int cached = ch.bid_len && cache_path(ch.bid, ch.bid_len, path, sizeof(path), &dir_len) == 0;
    if (cached && cache_load(path, &ch, img) == 0)
        return 0;

    /* layout: ELF header, sections, .shstrtab, section headers */
    size_t off = sizeof(Elf64_Ehdr);
    for (size_t i = 0; i < n; i++) {
        off = align_up(off, k[i].sh.sh_addralign);
        k[i].out_off = off;
        if (k[i].out_len > MAX_INFLATED - off)
            return -1;
        off += (size_t)k[i].out_len;
    }
    size_t str_off = off;
    off += strdata->d_size;
    off = align_up(off, 8);
    size_t shoff = off;
    size_t nsh = n + 2;        /* null, kept..., .shstrtab */
    size_t total = shoff + nsh * sizeof(Elf64_Shdr);

    unsigned char *buf = malloc(total);
    if (!buf)
        return -1;
    memset(buf, 0, sizeof(Elf64_Ehdr));
    if (inflate_all(k, n, buf, parallel) < 0) {
        free(buf);
        return -1;
    }
    memcpy(buf + str_off, strdata->d_buf, strdata->d_size);

    Elf64_Ehdr oh;
    memcpy(oh.e_ident, eh.e_ident, EI_NIDENT);
    oh.e_type = (Elf64_Half)eh.e_type;
    oh.e_machine = (Elf64_Half)eh.e_machine;
    oh.e_version = (Elf64_Word)eh.e_version;
    oh.e_entry = eh.e_entry;
    oh.e_phoff = 0;
    oh.e_shoff = shoff;
    oh.e_flags = (Elf64_Word)eh.e_flags;
    oh.e_ehsize = sizeof(Elf64_Ehdr);
    oh.e_phentsize = sizeof(Elf64_Phdr);
    oh.e_phnum = 0;
    oh.e_shentsize = sizeof(Elf64_Shdr);
    oh.e_shnum = (Elf64_Half)nsh;
    oh.e_shstrndx = (Elf64_Half)(n + 1);
    memcpy(buf, &oh, sizeof(oh));

    Elf64_Shdr *shdrs = (Elf64_Shdr *)(void *)(buf + shoff);
    memset(shdrs, 0, nsh * sizeof(*shdrs));
    for (size_t i = 0; i < n; i++) {
        Elf64_Shdr *o = &shdrs[i + 1];
        o->sh_name = (Elf64_Word)k[i].sh.sh_name;
        o->sh_type = (Elf64_Word)k[i].sh.sh_type;
        o->sh_flags = k[i].sh.sh_flags & ~(uint64_t)SHF_COMPRESSED;
        o->sh_addr = k[i].sh.sh_addr;
        o->sh_offset = k[i].out_off;
        o->sh_size = k[i].out_len;
        o->sh_addralign = k[i].sh.sh_addralign;
        o->sh_entsize = k[i].sh.sh_entsize;
    }
    Elf64_Shdr *s = &shdrs[n + 1];
    s->sh_name = (Elf64_Word)strsh.sh_name;
    s->sh_type = SHT_STRTAB;
    s->sh_offset = str_off;
    s->sh_size = strdata->d_size;
    s->sh_addralign = 1;

    if (open_image(buf, total, img) < 0) {
        free(buf);
        return -1;
    }
    if (cached) {
        ch.size = total;
        cache_store(path, dir_len, &ch, buf);
    }
    return 0;
}

void dwimage_close(struct dwimage *img)
{
    if (img->dw)
        dwarf_end(img->dw);
    if (img->elf)
        elf_end(img->elf);
    if (img->mapped)
        munmap(img->buf, img->size);
    else
        free(img->buf);
    memset(img, 0, sizeof(*img));
}
