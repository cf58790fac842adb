/* fuzz_pclntab.c - fuzz harness for the BINARIES stage, Go half: the input
 * is a pclntab image (any format since Go 1.2).  Byte 0 picks how it is
 * fed: even = gosym_open_mem() on the rest; odd = the rest wrapped as the
 * .gopclntab section of a small ELF built here and opened with
 * elf_memory() + gosym_open_elf() (section lookup, text range, symbols).
 * Then many lookups: every function (bounded), pcs across the text range,
 * SP deltas, file:line and inlined frames. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <gelf.h>
#include "gosym.h"

#define MAX_FUNCS 2000
#define TEXT_ADDR 0x401000ull
#define PCLN_ADDR 0x4c0000ull

static volatile uint64_t sink;

static void lookup_pc(struct gosym_table *t, uint64_t pc)
{
    struct gosym_func f;
    struct gosym_frame fr[16];
    const char *file;
    int line;
    int32_t d;

    if (gosym_find_func(t, pc, &f) == 0) {
        sink += strlen(f.name) + f.kind;
        if (gosym_sp_delta(t, &f, pc, &d) == 0)
            sink += (uint64_t)d;
        if (gosym_file_line(t, &f, pc, &file, &line) == 0)
            sink += strlen(file) + (uint64_t)line;
    }
    int n = gosym_frames(t, pc, 0, fr, 16);
    if (n < 0 || n > 16)
        abort();
    for (int i = 0; i < n; i++)
        sink += strlen(fr[i].function) + strlen(fr[i].file) + (uint64_t)fr[i].line;
}

static void exercise(struct gosym_table *t)
{
    uint64_t lo, hi;
    size_t n = gosym_nfunc(t);
    const char *v = gosym_go_version(t);

    sink += (uint64_t)gosym_format(t) + (v ? strlen(v) : 0);
    for (size_t i = 0; i < n && i < MAX_FUNCS; i++) {
        struct gosym_func f;
        if (gosym_func_at(t, i, &f) < 0)
            continue;
        lookup_pc(t, f.entry);
        if (f.end > f.entry) {
            lookup_pc(t, f.entry + (f.end - f.entry) / 2);
            lookup_pc(t, f.end - 1);
        }
        lookup_pc(t, f.end);
    }
    gosym_text_range(t, &lo, &hi);
    if (hi > lo)
        for (int i = 0; i <= 64; i++)
            lookup_pc(t, lo + (hi - lo) / 64 * (uint64_t)i);
    lookup_pc(t, 0);
    lookup_pc(t, UINT64_MAX);
}

/* A minimal ELF64: .text (NOBITS), .gopclntab (the input), .shstrtab. */
static uint8_t *wrap_elf(const uint8_t *pcln, size_t n, size_t *out_len)
{
    static const char shstr[] = "\0.text\0.gopclntab\0.shstrtab";
    size_t pcln_off = sizeof(Elf64_Ehdr);
    size_t str_off = pcln_off + n;
    size_t sh_off = (str_off + sizeof(shstr) + 7) & ~(size_t)7;
    size_t len = sh_off + 4 * sizeof(Elf64_Shdr);
    uint8_t *img = calloc(1, len);
    Elf64_Ehdr *eh = (Elf64_Ehdr *)img;
    Elf64_Shdr sh[4];

    memcpy(eh->e_ident, ELFMAG, SELFMAG);
    eh->e_ident[EI_CLASS] = ELFCLASS64;
    eh->e_ident[EI_DATA] = ELFDATA2LSB;
    eh->e_ident[EI_VERSION] = EV_CURRENT;
    eh->e_type = ET_EXEC;
    eh->e_machine = EM_X86_64;
    eh->e_version = EV_CURRENT;
    eh->e_ehsize = sizeof(Elf64_Ehdr);
    eh->e_shoff = sh_off;
    eh->e_shentsize = sizeof(Elf64_Shdr);
    eh->e_shnum = 4;
    eh->e_shstrndx = 3;
    memcpy(img + pcln_off, pcln, n);
    memcpy(img + str_off, shstr, sizeof(shstr));
    memset(sh, 0, sizeof(sh));
    sh[1].sh_name = 1;
    sh[1].sh_type = SHT_NOBITS;
    sh[1].sh_flags = SHF_ALLOC | SHF_EXECINSTR;
    sh[1].sh_addr = TEXT_ADDR;
    sh[1].sh_size = PCLN_ADDR - TEXT_ADDR;
    sh[2].sh_name = 7;
    sh[2].sh_type = SHT_PROGBITS;
    sh[2].sh_flags = SHF_ALLOC;
    sh[2].sh_addr = PCLN_ADDR;
    sh[2].sh_offset = pcln_off;
    sh[2].sh_size = n;
    sh[3].sh_name = 18;
    sh[3].sh_type = SHT_STRTAB;
    sh[3].sh_offset = str_off;
    sh[3].sh_size = sizeof(shstr);
    memcpy(img + sh_off, sh, sizeof(sh));
    *out_len = len;
    return img;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct gosym_table *t;
    struct sf_err err;

    if (size < 1)
        return 0;
    if (!(data[0] & 1)) {
        /* a private copy, exactly sized, so overreads are caught */
        uint8_t *copy = malloc(size - 1 ? size - 1 : 1);
        memcpy(copy, data + 1, size - 1);
        if (gosym_open_mem("fuzz.pclntab", copy, size - 1, PCLN_ADDR,
                           (data[0] & 2) ? TEXT_ADDR : 0, &t, &err) == 0) {
            exercise(t);
            gosym_free(t);
        }
        free(copy);
        return 0;
    }
    static int init;
    if (!init) {
        elf_version(EV_CURRENT);
        init = 1;
    }
    size_t len;
    uint8_t *img = wrap_elf(data + 1, size - 1, &len);
    Elf *elf = elf_memory((char *)img, len);
    if (elf) {
        int rc = gosym_open_elf("fuzz.elf", elf, &t, &err);
        if (rc == 0) {
            exercise(t);
            gosym_free(t);
        }
        elf_end(elf);
    }
    free(img);
    return 0;
}
