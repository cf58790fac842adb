/* sf.c - base utilities: errors, allocation, string buffers, byte order. */
#include "sf.h"
#include "sf_int.h"

#include <unistd.h>

#include <stdio.h>
#include <stdlib.h>
#include <errno.h>
#include <math.h>
#include <string.h>

int sf_error(struct sf_err *e, const char *fmt, ...)
{
    if (e) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
        va_end(ap);
    }
    return -1;
}

static void out_of_memory(void)
{
    fputs("sysflame: out of memory\n", stderr);
    exit(SF_EXIT_FAIL);
}

void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        out_of_memory();
    return p;
}

void *xcalloc(size_t nmemb, size_t size)
{
    void *p = calloc(nmemb ? nmemb : 1, size ? size : 1);
    if (!p)
        out_of_memory();
    return p;
}

void *xzalloc_written(size_t nmemb, size_t size)
{
    if (size && nmemb > SIZE_MAX / size)
        out_of_memory();
    size_t n = (nmemb ? nmemb : 1) * (size ? size : 1);
    void *p = xmalloc(n);
    memset(p, 0, n);
    return p;
}

void *xrealloc(void *p, size_t n)
{
    p = realloc(p, n ? n : 1);
    if (!p)
        out_of_memory();
    return p;
}

char *xstrdup(const char *s)
{
    return xstrndup(s, strlen(s));
}

char *xstrndup(const char *s, size_t n)
{
    char *p = xmalloc(n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

void *xgrow_to(void *p, size_t elem, size_t need, size_t *cap)
{
    if (need <= *cap)
        return p;
    size_t ncap = *cap ? *cap : 8;
    while (ncap < need) {
        if (ncap > SIZE_MAX / 2 / elem)
            out_of_memory();
        ncap *= 2;
    }
    p = xrealloc(p, ncap * elem);
    *cap = ncap;
    return p;
}

void sbuf_grow(struct sbuf *sb, size_t extra)
{
    if (sb->len + extra + 1 > sb->cap)
        sb->buf = xgrow(sb->buf, 1, sb->len + extra + 1, &sb->cap);
}

void sbuf_add(struct sbuf *sb, const void *data, size_t n)
{
    sbuf_grow(sb, n);
    memcpy(sb->buf + sb->len, data, n);
    sb->len += n;
    sb->buf[sb->len] = '\0';
}

void sbuf_addstr(struct sbuf *sb, const char *s)
{
    sbuf_add(sb, s, strlen(s));
}

void sbuf_addch(struct sbuf *sb, int c)
{
    sbuf_grow(sb, 1);
    sb->buf[sb->len++] = (char)c;
    sb->buf[sb->len] = '\0';
}

void sbuf_vaddf(struct sbuf *sb, const char *fmt, va_list ap)
{
    va_list cp;
    va_copy(cp, ap);
    int n = vsnprintf(NULL, 0, fmt, cp);
    va_end(cp);
    if (n < 0)
        return;
    sbuf_grow(sb, (size_t)n);
    vsnprintf(sb->buf + sb->len, (size_t)n + 1, fmt, ap);
    sb->len += (size_t)n;
}

void sbuf_addf(struct sbuf *sb, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    sbuf_vaddf(sb, fmt, ap);
    va_end(ap);
}

void sbuf_add_fixed(struct sbuf *sb, double v, int dec)
{
    /* v * 10^dec is within 1.2e-7 of the exact product below 1e9: when it is
     * further than 1e-6 from a tie, rounding it decides as printf would on the
     * exact value.  Ties, negative (and -0), huge and NaN values: printf. */
    double t = v * (dec == 1 ? 10.0 : 100.0), fl = floor(t);
    if ((dec != 1 && dec != 2) || signbit(v) || !(t < 1e9) || fabs(t - fl - 0.5) < 1e-6) {
        sbuf_addf(sb, "%.*f", dec, v);
        return;
    }
    uint64_t n = (uint64_t)fl + (t - fl > 0.5);
    char buf[32];
    size_t k = sizeof(buf);
    for (int d = 0; d < dec; d++, n /= 10)
        buf[--k] = (char)('0' + n % 10);
    buf[--k] = '.';
    do
        buf[--k] = (char)('0' + n % 10);
    while ((n /= 10) != 0);
    sbuf_add(sb, buf + k, sizeof(buf) - k);
}

uint64_t sf_pow10(unsigned dec)
{
    uint64_t f = 1;
    while (dec--)
        f *= 10;
    return f;
}

size_t sf_count_str(char *buf, uint64_t v, unsigned dec, int sep)
{
    uint64_t unit = sf_pow10(dec), whole = v / unit, frac = v % unit;
    char digits[24];
    int n = snprintf(digits, sizeof(digits), "%llu", (unsigned long long)whole);
    size_t k = 0;
    for (int i = 0; i < n; i++) {
        if (sep && i && (n - i) % 3 == 0)
            buf[k++] = ',';
        buf[k++] = digits[i];
    }
    if (frac) {
        buf[k++] = '.';
        for (uint64_t u = unit / 10; frac; u /= 10) {
            buf[k++] = (char)('0' + frac / u);
            frac %= u;
        }
    }
    buf[k] = '\0';
    return k;
}

void sbuf_reset(struct sbuf *sb)
{
    sb->len = 0;
    if (sb->buf)
        sb->buf[0] = '\0';
}

char *sbuf_detach(struct sbuf *sb)
{
    char *s = sb->buf ? sb->buf : xstrdup("");
    sb->buf = NULL;
    sb->len = sb->cap = 0;
    return s;
}

void sbuf_release(struct sbuf *sb)
{
    free(sb->buf);
    sb->buf = NULL;
    sb->len = sb->cap = 0;
}

uint16_t sf_bswap16(uint16_t v) { return __builtin_bswap16(v); }
uint32_t sf_bswap32(uint32_t v) { return __builtin_bswap32(v); }
uint64_t sf_bswap64(uint64_t v) { return __builtin_bswap64(v); }

uint64_t sf_hash(const void *data, size_t n)
{
    const unsigned char *p = data;
    uint64_t h = 0xcbf29ce484222325ULL;
    for (size_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= 0x100000001b3ULL;
    }
    return h;
}

uint64_t sf_hash_words(const void *data, size_t n)
{
    const unsigned char *p = data;
    uint64_t h = 0x9e3779b97f4a7c15ULL ^ ((uint64_t)n * 0xff51afd7ed558ccdULL), w;
    for (; n >= 8; p += 8, n -= 8) {
        memcpy(&w, p, 8);
        h = (h ^ w) * 0xbf58476d1ce4e5b9ULL;
        h ^= h >> 29;
    }
    w = 0;
    if (n)
        memcpy(&w, p, n);
    h = (h ^ w) * 0xbf58476d1ce4e5b9ULL;
    h ^= h >> 32;
    h *= 0x94d049bb133111ebULL;
    return h ^ (h >> 29);
}

int sf_ncpus(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : n > 64 ? 64 : (int)n;
}

int sf_write_full(int fd, const void *buf, size_t n)
{
    const unsigned char *p = buf;
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

int sf_env_flag(const char *name)
{
    const char *v = getenv(name);
    return v && *v && strcmp(v, "0") != 0;
}
