/* binary.h - BINARIES stage: finds the file behind a recorded mapping,
 * offline, and opens it once: by build-id in the debug dirs (perf's
 * ~/.debug/.build-id/xx/rest/elf layout and /usr/lib/debug/.build-id/xx/
 * rest.debug), explicit --binary files (matched by build-id, else by base
 * name), --symfs DIR + recorded path, then the recorded path itself.  A file
 * whose build-id differs from the recorded one is refused (with a warning
 * kept for the summary), never used.  Paths built from a capture never leave
 * the given directories.  Thread-safe. */
#ifndef BINARY_H
#define BINARY_H

#include <stdint.h>
#include <stddef.h>
#include <libelf.h>
#include "sf.h"
#include "session.h"
#include "result.h"

struct gosym_table;

struct binary_opts {
    const char **binaries;     /* --binary PATH, repeatable */
    size_t nr_binaries;
    const char *symfs;         /* --symfs DIR or NULL */
    const char **debug_dirs;   /* --debug-dir; NULL = defaults */
    size_t nr_debug_dirs;
    const char *kallsyms;      /* --kallsyms FILE or NULL */
    /* --binary files another load of the run (diff's other side) took by
     * name or build-id: not candidates for a match by content here */
    const char *const *not_by_content;
    size_t nr_not_by_content;
};

struct binary;

struct binary_seg {            /* a PT_LOAD segment */
    uint64_t vaddr, memsz, offset, filesz;
    uint32_t flags;            /* PF_X | PF_W | PF_R */
};

struct binary_cache;

struct binary_cache *binary_cache_new(const struct binary_opts *o);
/* Same, but first checks the options: every --binary opens as ELF, --symfs
 * is a directory, --kallsyms is readable; -1 with err set otherwise. */
int binary_cache_open(const struct binary_opts *o, struct binary_cache **out,
                      struct sf_err *err);
void binary_cache_free(struct binary_cache *c);
/* A --binary PATH must be an existing regular ELF file: 0, or -1 with
 * "'PATH': No such file or directory (--binary)" / "not an ELF file". */
int binary_check_file(const char *path, struct sf_err *err);
/* Where the binary recorded at `recorded` is now (a record folder's copy):
 * looked at before --binary, and only for that exact recorded path, so two
 * binaries of the same name from two captures do not mix.  Copies both. */
void binary_cache_add_recorded(struct binary_cache *c, const char *recorded, const char *file);

/* The binary for a mapping, opened and cached; NULL if none was found or
 * usable (then the mapping is recorded as missing, with the reason).  The
 * result is cached in m->user-independent storage keyed by path+build-id. */
struct binary *binary_for_map(struct binary_cache *c, const struct sess_map *m);
/* The binary a mapping with this recorded path and build-id will resolve
 * to, if it is in the build-id cache; NULL otherwise.  Records no key and no
 * miss (binary_for_map does that on delivery), so it may be called
 * speculatively, e.g. from a warm-up thread with the header's build-ids. */
struct binary *binary_prefetch(struct binary_cache *c, const char *recorded,
                               const uint8_t *build_id, size_t build_id_size);
/* Counts one sample that needed a missing binary (for the summary). */
void binary_note_missing_sample(struct binary_cache *c, const struct sess_map *m);

const char *binary_path(const struct binary *b);     /* file opened */
Elf *binary_elf(const struct binary *b);
int binary_fd(const struct binary *b);
const uint8_t *binary_build_id(const struct binary *b, size_t *len);
/* The GNU build-id of any ELF handle (note sections, else PT_NOTE): its
 * length, 0 if it has none. */
size_t binary_elf_build_id(Elf *elf, uint8_t out[20]);
size_t binary_nr_segs(const struct binary *b);
const struct binary_seg *binary_seg(const struct binary *b, size_t i);
uint64_t binary_load_bias_hint(const struct binary *b); /* lowest PT_LOAD vaddr */
int binary_is_pie(const struct binary *b);            /* ET_DYN */
uint64_t binary_entry(const struct binary *b);        /* e_entry (0: none) */
/* 1 if link-time vaddr lies in a PLT section (.plt, .plt.sec, .plt.got,
 * .iplt): a call there reaches another function through a stub. */
int binary_in_plt(const struct binary *b, uint64_t vaddr);
/* Separate debug file (by build-id in the debug dirs, or .gnu_debuglink
 * under them), used for symbols and DWARF; NULL if none.  Code and CFI
 * (.eh_frame) still come from binary_elf(). */
const char *binary_debug_path(const struct binary *b);
Elf *binary_debug_elf(const struct binary *b);
/* 0 when only a debug file was found (its code sections are NOBITS):
 * symbols work, binary_read fails. */
int binary_has_code(const struct binary *b);

/* Process address in mapping m -> link-time vaddr; 0 ok, -1 if the offset
 * falls in no PT_LOAD. */
int binary_to_vaddr(const struct binary *b, const struct sess_map *m,
                    uint64_t addr, uint64_t *vaddr);
/* Same, plus the window [lo, hi) of process addresses around addr that
 * translate by the same offset (vaddr - addr), so callers may cache it;
 * lo == hi when there is none to trust. */
int binary_to_vaddr_window(const struct binary *b, const struct sess_map *m, uint64_t addr,
                           uint64_t *vaddr, uint64_t *lo, uint64_t *hi);
/* Inverse: link-time vaddr -> process address for mapping m. */
int binary_from_vaddr(const struct binary *b, const struct sess_map *m,
                      uint64_t vaddr, uint64_t *addr);

/* Lazily opened Go table (NULL if not a Go binary or corrupt). */
struct gosym_table *binary_gosym(struct binary *b);

/* Reads `len` bytes at link-time vaddr from the file (for unwinding through
 * code or reading rodata); 0 ok, -1 if not file-backed. */
int binary_read(const struct binary *b, uint64_t vaddr, void *buf, size_t len);

/* Per-binary state of a later stage (symbolize.c): created once by
 * create(b) under the binary's lock, freed with destroy at cache free. */
void *binary_priv(struct binary *b, void *(*create)(struct binary *),
                  void (*destroy)(void *));

/* Missing/refused binaries, for the end-of-run summary:
 * "sysflame: warning: /tmp/x/foo.test: not found (1234 samples); use --binary or --symfs" */
size_t binary_cache_nr_missing(const struct binary_cache *c);
/* The sample counts back to these (entries past n: 0), for a split
 * capture read again: what its first part counted goes. */
void binary_cache_missing_rollback(struct binary_cache *c, const uint64_t *samples, size_t n);
/* Adds another cache's entry (same path and reason: its samples count). */
void binary_cache_add_missing(struct binary_cache *c, const struct binary_missing *m);
const struct binary_missing *binary_cache_missing(const struct binary_cache *c, size_t i);

/* What became of each --binary (index as in binary_opts.binaries): a
 * mapping claimed it by base name or build-id, or, when its name matched
 * no mapping, a mapping took it by content (a Go binary without build-id
 * whose segments and text fit the mapping exactly: the first such mapping
 * that no build-id or name resolved, tried before --symfs and the recorded
 * path, and only if no other --binary fits it too).  recorded_path: the first mapping it served (NULL when
 * unclaimed).  Read after the load. */
enum binary_use_how {
    BINARY_UNCLAIMED = 0, BINARY_BY_NAME, BINARY_BY_BUILD_ID, BINARY_BY_CONTENT,
};
struct binary_use {
    enum binary_use_how how;
    char *recorded_path;
    char *also_fits;             /* BY_CONTENT: another mapping it fits too, or NULL */
};
const struct binary_use *binary_cache_use(const struct binary_cache *c, size_t i);
/* Records another reader's use of --binary i (a split capture's second
 * part), unless it has one already. */
void binary_cache_add_use(struct binary_cache *c, size_t i, enum binary_use_how how,
                          const char *recorded_path, const char *also_fits);

/* Kernel symbols from --kallsyms (NULL if none given). */
const char *binary_kernel_symbol(struct binary_cache *c, uint64_t addr, uint64_t *offset);

#endif
