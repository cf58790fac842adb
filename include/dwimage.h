/* dwimage.h - BINARIES stage helper: opens the DWARF of an ELF file whose
 * debug sections are zlib-compressed (SHF_COMPRESSED, as Debian ships
 * libc's and ld.so's debug files) faster than libdw would.
 *
 * libdw inflates every debug section when the handle is opened, through
 * zlib with its checksum.  Names, inline chains and line tables need
 * neither the location lists (.debug_loc, .debug_loclists: 14 % of libc's
 * inflated DWARF) nor the checksum, so this builds an in-memory ELF image
 * holding only the other debug sections, inflated as raw deflate streams,
 * and gives that to libdw.  The DWARF libdw reads is the same bytes. */
#ifndef DWIMAGE_H
#define DWIMAGE_H

#include <stddef.h>
#include <elfutils/libdw.h>
#include <libelf.h>

struct dwimage {
    Dwarf *dw;                 /* NULL when not opened this way */
    Elf *elf;                  /* the in-memory image */
    unsigned char *buf;
    size_t size;
    int mapped;                /* buf maps a cache entry (else malloc'd) */
};

/* `parallel`: the caller has a CPU to spare; the largest section is then
 * inflated on a second thread.
 * 0 and *img filled when src has compressed debug sections this can read;
 * -1 otherwise (the caller then opens src with dwarf_begin_elf as usual:
 * uncompressed or zstd sections, a dwz .gnu_debugaltlink, relocatable or
 * foreign-endian files, or any inconsistency). */
int dwimage_open(Elf *src, int parallel, struct dwimage *img);
void dwimage_close(struct dwimage *img);

#endif
