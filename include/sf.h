/* sf.h - base utilities shared by every stage: errors, allocation, string
 * buffers, byte order, exit codes.  Modules never print or exit; they return
 * -1 and fill a struct sf_err that the command layer prints. */
#ifndef SF_H
#define SF_H

#include <stddef.h>
#include <stdint.h>
#include <stdarg.h>

/* Exit status table (also in doc/sysflame.1). */
enum sf_exit {
    SF_EXIT_OK = 0,        /* success */
    SF_EXIT_FAIL = 1,      /* bad input or failure: one line on stderr */
    SF_EXIT_USAGE = 2,     /* bad usage */
    SF_EXIT_CONDITION = 3, /* --fail-if condition held */
};

/* An error message, without the "sysflame: " prefix, ready to print as
 * "sysflame: <msg>".  Convention: "'FILE': what is wrong [at offset N]". */
struct sf_err {
    char msg[512];
};

/* Formats into e->msg (if e is not NULL) and returns -1, so parsers can
 * write `return sf_error(err, "'%s': truncated record at offset %llu", ...)`. */
int sf_error(struct sf_err *e, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Allocation that never returns NULL: on exhaustion it prints
 * "sysflame: out of memory" and exits 1 (the only exit outside cmd/). */
void *xmalloc(size_t n);
void *xcalloc(size_t nmemb, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
/* Grows *p (array of elem-size items, *cap of them) to hold at least `need`
 * (inline: most calls find room already). */
void *xgrow_to(void *p, size_t elem, size_t need, size_t *cap);
static inline void *xgrow(void *p, size_t elem, size_t need, size_t *cap)
{
    return need <= *cap ? p : xgrow_to(p, elem, need, cap);
}

/* Growable NUL-terminated string buffer. struct sbuf sb = SBUF_INIT; */
struct sbuf {
    char *buf;
    size_t len, cap;
};
#define SBUF_INIT { NULL, 0, 0 }
void sbuf_grow(struct sbuf *sb, size_t extra);
void sbuf_add(struct sbuf *sb, const void *data, size_t n);
void sbuf_addstr(struct sbuf *sb, const char *s);
void sbuf_addch(struct sbuf *sb, int c);
void sbuf_addf(struct sbuf *sb, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void sbuf_vaddf(struct sbuf *sb, const char *fmt, va_list ap);
/* v with dec (1 or 2) decimals, byte for byte as "%.1f" / "%.2f" print it,
 * in integers where printf's exact path is not needed. */
void sbuf_add_fixed(struct sbuf *sb, double v, int dec);
void sbuf_reset(struct sbuf *sb);
/* Counts in a decimal unit (result.h count_decimals): v stands for
 * v / 10^dec samples; folded input with fractional counts keeps up to
 * SF_COUNT_DEC_MAX decimals. */
#define SF_COUNT_DEC_MAX 6
uint64_t sf_pow10(unsigned dec);
/* v / 10^dec as text without trailing zeros ("12", "2.5", "0.000001";
 * dec 0 prints v as "%llu" does); sep: ',' between thousands of the whole
 * part.  buf holds SF_COUNT_STR bytes; returns the length. */
#define SF_COUNT_STR 40
size_t sf_count_str(char *buf, uint64_t v, unsigned dec, int sep);
/* Returns the buffer (caller frees; never NULL) and resets sb. */
char *sbuf_detach(struct sbuf *sb);
void sbuf_release(struct sbuf *sb);
/* The string (never NULL, "" when empty). */
static inline const char *sbuf_str(const struct sbuf *sb)
{
    return sb->buf ? sb->buf : "";
}

/* Byte order helpers: read unaligned integers from a buffer, swapping if
 * `swap` is non-zero (the file's byte order differs from the host's). */
/* Inline: the reader and decoder call them several times per record. */
static inline uint16_t sf_rd16(const void *p, int swap)
{
    uint16_t v;
    __builtin_memcpy(&v, p, sizeof(v));
    return swap ? __builtin_bswap16(v) : v;
}

static inline uint32_t sf_rd32(const void *p, int swap)
{
    uint32_t v;
    __builtin_memcpy(&v, p, sizeof(v));
    return swap ? __builtin_bswap32(v) : v;
}

static inline uint64_t sf_rd64(const void *p, int swap)
{
    uint64_t v;
    __builtin_memcpy(&v, p, sizeof(v));
    return swap ? __builtin_bswap64(v) : v;
}
uint16_t sf_bswap16(uint16_t v);
uint32_t sf_bswap32(uint32_t v);
uint64_t sf_bswap64(uint64_t v);

/* 64-bit FNV-1a style hash (the flame graph's colours derive from it: its
 * values must not change). */
uint64_t sf_hash(const void *data, size_t n);
/* A hash for tables only (its values are never output): eight bytes a step,
 * ~6x faster than sf_hash on long strings. */
uint64_t sf_hash_words(const void *data, size_t n);

#define SF_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define SF_MIN(a, b) ((a) < (b) ? (a) : (b))
#define SF_MAX(a, b) ((a) > (b) ? (a) : (b))

#endif
