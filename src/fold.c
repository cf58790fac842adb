/* fold.c - WRITER and reader of folded stacks ("a;b;c COUNT" lines).
 * fold_write prints a stack_set in `LC_ALL=C sort` order; fold_parse reads
 * stackcollapse-style text back into a stack_set (so folded files from many
 * machines merge); fold_sniff tells folded text from a perf.data capture. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "fold.h"

int fold_write(struct stack_set *s, FILE *out, struct sf_err *err)
{
    const uint32_t *order = stack_sorted(s);
    size_t n = stack_nr_stacks(s);
    for (size_t i = 0; i < n; i++) {
        struct stack_view v;
        stack_get(s, order[i], &v);
        for (uint32_t f = 0; f < v.nr; f++) {
            if (f)
                putc(';', out);
            fwrite(stack_name(s, v.frames[f]), 1, stack_name_len(s, v.frames[f]), out);
        }
        fprintf(out, " %llu\n", (unsigned long long)v.count);
        if (ferror(out))
            break;
    }
    if (fflush(out) != 0 || ferror(out))
        return sf_error(err, "cannot write folded stacks: %s", strerror(errno));
    return 0;
}

static int is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r';
}

/* Parses the decimal count token [p, end); 0 ok, -1 not a count, -2 too big,
 * -3 fractional. */
static int parse_count(const char *p, const char *end, uint64_t *out)
{
    uint64_t v = 0;
    const char *q = p;
    if (q == end)
        return -1;
    for (; q < end && *q >= '0' && *q <= '9'; q++) {
        uint64_t d = (uint64_t)(*q - '0');
        if (v > (UINT64_MAX - d) / 10)
            return -2;
        v = v * 10 + d;
    }
    if (q == end) {
        *out = v;
        return 0;
    }
    if (q > p && *q == '.') {
        for (q++; q < end && *q >= '0' && *q <= '9'; q++)
            ;
        if (q == end)
            return -3;
    }
    return -1;
}

int fold_parse(const char *name, const char *text, size_t len,
               struct stack_set *s, struct sf_err *err)
{
    uint32_t *frames = NULL;     /* reused for every line: memory stays bounded */
    size_t cap = 0;
    size_t lineno = 0;
    const char *p = text, *end = text + len;
    int rc = 0;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *line = p, *le = nl ? nl : end;
        p = nl ? nl + 1 : end;
        lineno++;
        while (le > line && is_blank(le[-1]))
            le--;
        const char *ls = line;
        while (ls < le && is_blank(*ls))
            ls++;
        if (ls == le)
            continue;
        /* the count is the last space-separated token */
        const char *sp = le;
        while (sp > line && sp[-1] != ' ' && sp[-1] != '\t')
            sp--;
        if (sp == line) {
            rc = sf_error(err, "'%s': line %zu: missing sample count", name, lineno);
            break;
        }
        uint64_t count;
        int r = parse_count(sp, le, &count);
        /* Totals stay below 2^53 so sums never wrap and shares computed in
         * doubles stay exact. */
        if (r == -2 || (r == 0 && count > (UINT64_C(1) << 53) - stack_total(s))) {
            rc = sf_error(err, "'%s': line %zu: sample count out of range", name, lineno);
            break;
        }
        if (r == -3) {
            rc = sf_error(err, "'%s': line %zu: fractional sample count '%.*s'",
                          name, lineno, (int)SF_MIN(le - sp, 40), sp);
            break;
        }
        if (r < 0) {
            rc = sf_error(err, "'%s': line %zu: missing sample count", name, lineno);
            break;
        }
        const char *se = sp;
        while (se > line && is_blank(se[-1]))
            se--;
        if (se == line) {
            rc = sf_error(err, "'%s': line %zu: empty stack", name, lineno);
            break;
        }
        size_t nr = 0;
        for (const char *f = line;;) {
            const char *semi = memchr(f, ';', (size_t)(se - f));
            const char *fe = semi ? semi : se;
            frames = xgrow(frames, sizeof(*frames), nr + 1, &cap);
            frames[nr++] = stack_intern(s, f, (size_t)(fe - f));
            if (!semi)
                break;
            f = semi + 1;
        }
        stack_add(s, frames, nr, count);
    }
    free(frames);
    return rc;
}

int fold_sniff(const uint8_t *buf, size_t len)
{
    static const uint8_t zstd_magic[4] = { 0x28, 0xb5, 0x2f, 0xfd };
    if (len >= 8 && (memcmp(buf, "PERFILE2", 8) == 0 || memcmp(buf, "2ELIFREP", 8) == 0 ||
                     memcmp(buf, "PERFFILE", 8) == 0))
        return 0;
    if (len >= 4 && memcmp(buf, zstd_magic, 4) == 0)
        return 0;
    size_t n = SF_MIN(len, (size_t)65536);
    for (size_t k = 0; k < n; k++)
        if (buf[k] < 0x20 && buf[k] != '\t' && buf[k] != '\r' && buf[k] != '\n')
            return 0;           /* control bytes: binary, not text */
    /* The first complete non-blank line must end in a space and a decimal count.
     * Callers may pass only the file's first bytes, so a line the buffer cuts
     * short is accepted as long as it is text; fold_parse judges the rest. */
    size_t i = 0;
    while (i < n) {
        size_t start = i;
        while (i < n && buf[i] != '\n')
            i++;
        size_t e = i;
        if (i == n)
            return 1;           /* the buffer is cut inside the line: text so far */
        i++;
        while (e > start && is_blank((char)buf[e - 1]))
            e--;
        size_t b = start;
        while (b < e && is_blank((char)buf[b]))
            b++;
        if (b == e)
            continue;
        size_t d = e;
        while (d > b && buf[d - 1] >= '0' && buf[d - 1] <= '9')
            d--;
        return d < e && d > b && (buf[d - 1] == ' ' || buf[d - 1] == '\t');
    }
    return 0;
}
