/* input_folded.c - the folded-text input: stackcollapse-style
 * "a;b;c COUNT" lines, e.g. folded stacks from other machines, summed with
 * the other inputs (see input_folded.h). */
#include "input_folded.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "input.h"
#include "loader.h"

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

static int read_all(const char *path, int fd, char **out, size_t *len, struct sf_err *err)
{
    struct sbuf sb = SBUF_INIT;
    char buf[65536];
    for (;;) {
        ssize_t n = read(fd, buf, sizeof(buf));
        if (n < 0) {
            if (errno == EINTR)
                continue;
            sbuf_release(&sb);
            return sf_error(err, "'%s': read error: %s", path, strerror(errno));
        }
        if (n == 0)
            break;
        sbuf_add(&sb, buf, (size_t)n);
    }
    *len = sb.len;
    *out = sbuf_detach(&sb);
    return 0;
}

/* Adds every stack of src to dst with frame 0 (the comm) renamed. */
static void merge_relabelled(struct stack_set *dst, const struct stack_set *src,
                             const char *label)
{
    const char **names = NULL;
    size_t cap = 0;
    for (size_t i = 0; i < stack_nr_stacks(src); i++) {
        struct stack_view v;
        stack_get(src, (uint32_t)i, &v);
        if (!v.nr)
            continue;
        names = xgrow(names, sizeof(*names), v.nr, &cap);
        for (uint32_t k = 0; k < v.nr; k++)
            names[k] = k == 0 ? label : stack_name(src, v.frames[k]);
        stack_add_names(dst, names, v.nr, v.count);
    }
    free(names);
}

static int folded_sniff(const uint8_t *head, size_t n)
{
    return fold_sniff(head, n);
}

static int folded_load(struct loader *L, const struct input_src *src, struct input_info *in,
                       struct sf_err *err)
{
    struct profile *p = L->p;
    char *rest;
    size_t len;
    if (read_all(src->path, src->fd, &rest, &len, err) < 0)
        return -1;
    size_t nh = src->nhead;
    char *text = xmalloc(nh + len + 1);
    memcpy(text, src->head, nh);
    memcpy(text + nh, rest, len);
    text[nh + len] = '\0';
    free(rest);
    in->is_folded = 1;
    struct stack_set *tmp = stack_set_new();
    int rc = fold_parse(src->name, text, nh + len, tmp, err);
    if (rc == 0) {
        if (L->o->comm_label)
            merge_relabelled(p->stacks, tmp, L->o->comm_label);
        else
            stack_merge(p->stacks, tmp);
        p->total += stack_total(tmp);
        in->samples = stack_total(tmp);
    }
    stack_set_free(tmp);
    free(text);
    return rc;
}

const struct input_kind input_folded = {
    .name = "folded",
    .what = "folded stacks",
    .sniff = folded_sniff,
    .load = folded_load,
};
