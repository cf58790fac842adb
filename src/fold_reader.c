/* fold_reader.c - INPUT: folded stacks as other tools write them (see
 * fold_reader.h), read line by line from chunks so a large file never has
 * to be in memory: one- and two-column lines, fractional counts, comments
 * and bad lines skipped and counted. */
#include <stdlib.h>
#include <string.h>
#include "fold_reader.h"

#define TOTAL_MAX (UINT64_C(1) << 53)
/* Lines seen lately, by their stack text: a repeated line (most of a large
 * folded file) skips splitting and interning its frames.  Direct-mapped,
 * so memory stays bounded (slots x the longest line kept). */
#define MEMO_SLOTS 8192
#define MEMO_MAX_LINE 4096

struct memo {
    uint64_t hash;
    char *text;
    uint32_t len, id;
    int before;
};

struct fold_reader {
    const char *name;
    struct stack_set *s, *before;
    struct fold_reader_opts o;
    uint32_t *frames;
    size_t cap;
    size_t lineno;
    uint64_t skipped;
    size_t first_skipped;
    uint64_t total;              /* in units of 10^-dec */
    unsigned dec;                /* decimals of the counts' unit */
    uint64_t rounded;            /* counts with more than SF_COUNT_DEC_MAX decimals */
    struct sbuf partial;
    struct memo *memo;           /* MEMO_SLOTS, allocated on first use */
    uint64_t memo_tries, memo_hits;
    int memo_off;                /* lines seldom repeat here: no memo */
};

struct fold_reader *fold_reader_new(const char *name, struct stack_set *s,
                                    const struct fold_reader_opts *o)
{
    struct fold_reader *r = xcalloc(1, sizeof(*r));
    r->name = name;
    r->s = s;
    if (o)
        r->o = *o;
    r->dec = r->o.decimals;
    return r;
}

void fold_reader_free(struct fold_reader *r)
{
    if (!r)
        return;
    stack_set_free(r->before);
    free(r->frames);
    sbuf_release(&r->partial);
    if (r->memo)
        for (size_t i = 0; i < MEMO_SLOTS; i++)
            free(r->memo[i].text);
    free(r->memo);
    free(r);
}

uint64_t fold_reader_skipped(const struct fold_reader *r, size_t *first_line)
{
    if (first_line)
        *first_line = r->first_skipped;
    return r->skipped;
}

uint64_t fold_reader_total(const struct fold_reader *r)
{
    return r->total;
}

unsigned fold_reader_decimals(const struct fold_reader *r, uint64_t *rounded)
{
    if (rounded)
        *rounded = r->rounded;
    return r->dec;
}

struct stack_set *fold_reader_take_before(struct fold_reader *r)
{
    struct stack_set *b = r->before;
    r->before = NULL;
    return b;
}

static int is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r';
}

/* A count token as written: its whole part and up to SF_COUNT_DEC_MAX
 * decimals (trailing zeros dropped: "3.50" is 3 and 5 tenths). */
struct num {
    uint64_t whole, frac;        /* frac: the decimals as an integer */
    unsigned nd;                 /* decimals kept in frac */
    int neg;
    int rounded;                 /* had more decimals: rounded to the last kept */
};

/* A count token: decimal digits with an optional fraction ("12", "0.5",
 * "3."), or with a leading '-' (negative).  1 number, 0 not one. */
static int parse_number(const char *p, const char *end, struct num *v)
{
    const char *q = p;
    memset(v, 0, sizeof(*v));
    if (q < end && *q == '-') {
        v->neg = 1;
        q++;
    }
    const char *d = q;
    while (q < end && *q >= '0' && *q <= '9')
        q++;
    if (q == d)
        return 0;
    const char *we = q, *fs = q, *fe = q;
    if (q < end && *q == '.') {
        for (fs = fe = ++q; q < end && *q >= '0' && *q <= '9'; q++)
            ;
        fe = q;
    }
    if (q != end || end - p > 40)
        return 0;
    for (const char *c = d; c < we; c++)     /* saturates: out of range */
        v->whole = v->whole > UINT64_MAX / 20 ? UINT64_MAX / 2 : v->whole * 10 + (uint64_t)(*c - '0');
    while (fe > fs && fe[-1] == '0')
        fe--;
    for (const char *c = fs; c < fe && v->nd < SF_COUNT_DEC_MAX; c++, v->nd++)
        v->frac = v->frac * 10 + (uint64_t)(*c - '0');
    if (fe - fs > SF_COUNT_DEC_MAX) {
        v->rounded = 1;
        if (fs[SF_COUNT_DEC_MAX] >= '5' && ++v->frac == sf_pow10(SF_COUNT_DEC_MAX)) {
            v->frac = 0;
            v->whole++;
        }
        while (v->nd && v->frac % 10 == 0) {
            v->frac /= 10;
            v->nd--;
        }
    }
    return 1;
}

/* The last blank-separated token of [line, le): its start. */
static const char *last_token(const char *line, const char *le)
{
    const char *t = le;
    while (t > line && t[-1] != ' ' && t[-1] != '\t')
        t--;
    return t;
}

static void skip(struct fold_reader *r)
{
    if (!r->skipped++)
        r->first_skipped = r->lineno;
}

/* Brings the counts read so far (both sets) to nd decimals. */
static int rescale(struct fold_reader *r, unsigned nd, struct sf_err *err)
{
    uint64_t f = sf_pow10(nd - r->dec);
    if ((r->before && stack_total(r->before) > TOTAL_MAX / f) ||
        stack_scale(r->s, f, TOTAL_MAX) < 0)
        return sf_error(err, "'%s': line %zu: counts with %u decimals pass the largest total "
                        "(2^53 units of 10^-%u)", r->name, r->lineno, nd, nd);
    if (r->before)
        stack_scale(r->before, f, TOTAL_MAX);
    r->total *= f;
    r->dec = nd;
    return 0;
}

/* Adds the stack [line, se) with count n to set t, in the reader's unit. */
static int add_stack(struct fold_reader *r, struct stack_set *t, int before, const char *line,
                     const char *se, const struct num *n, struct sf_err *err)
{
    uint64_t unit = sf_pow10(r->dec);
    /* whole * unit <= TOTAL_MAX here, and the fraction adds less than a
     * unit: no wrap; the sum's bound below decides (a line may bring the
     * total to 2^53 units exactly, as a sum of lines may, so what fold
     * writes of a stack reads back) */
    uint64_t v = n->whole <= TOTAL_MAX / unit ? n->whole * unit + n->frac * sf_pow10(r->dec - n->nd)
                                              : TOTAL_MAX + 1;
    if (v > TOTAL_MAX - stack_total(t)) {
        if (!r->dec)
            return sf_error(err, "'%s': line %zu: sample count out of range", r->name, r->lineno);
        return sf_error(err, "'%s': line %zu: sample count out of range (counts with %u "
                        "decimals: %llu samples in all at most)", r->name, r->lineno, r->dec,
                        (unsigned long long)(TOTAL_MAX / unit));
    }
    size_t len = (size_t)(se - line);
    struct memo *m = NULL;
    uint64_t h = 0;
    if (len <= MEMO_MAX_LINE && !r->memo_off) {
        if (!r->memo)
            r->memo = xcalloc(MEMO_SLOTS, sizeof(*r->memo));
        h = sf_hash_words(line, len);
        m = &r->memo[(h ^ (uint64_t)before) % MEMO_SLOTS];
    }
    uint32_t id;
    if (m && m->text && m->hash == h && m->len == len && m->before == before &&
        memcmp(m->text, line, len) == 0) {
        r->memo_hits++;
        id = m->id;
        stack_add_to(t, id, v);
        goto added;
    }
    /* a file of distinct stacks (stackcollapse's output) only pays for it */
    if (m && ++r->memo_tries == MEMO_SLOTS * 8 && r->memo_hits < r->memo_tries / 16) {
        r->memo_off = 1;
        m = NULL;
    }
    size_t nr = 0;
    for (const char *f = line;;) {
        const char *semi = memchr(f, ';', (size_t)(se - f));
        const char *fe = semi ? semi : se;
        r->frames = xgrow(r->frames, sizeof(*r->frames), nr + 1, &r->cap);
        if (nr == 0 && r->o.comm_label)
            r->frames[nr++] = stack_intern(t, r->o.comm_label, strlen(r->o.comm_label));
        else
            r->frames[nr++] = stack_intern(t, f, (size_t)(fe - f));
        if (!semi)
            break;
        f = semi + 1;
    }
    id = stack_add(t, r->frames, nr, v);
    if (m) {
        if (m->len < len || !m->text)
            m->text = xrealloc(m->text, len ? len : 1);
        memcpy(m->text, line, len);
        *m = (struct memo){ h, m->text, (uint32_t)len, id, before };
    }
added:
    if (!before)
        r->total += v;
    return 0;
}

static int keep_comm(const struct fold_reader *r, const char *line, const char *se)
{
    if (!r->o.nr_comms)
        return 1;
    const char *semi = memchr(line, ';', (size_t)(se - line));
    size_t n = (size_t)((semi ? semi : se) - line);
    for (size_t i = 0; i < r->o.nr_comms; i++) {
        size_t k = strlen(r->o.comms[i]);
        if (k <= n && memcmp(line, r->o.comms[i], k) == 0 &&
            (k == n || (line[k] == '-' && k + 1 < n && line[k + 1] >= '0' && line[k + 1] <= '9')))
            return 1;
    }
    return 0;
}

static int one_line(struct fold_reader *r, const char *line, size_t len, struct sf_err *err)
{
    r->lineno++;
    const char *le = line + len;
    while (le > line && is_blank(le[-1]))
        le--;
    const char *ls = line;
    while (ls < le && is_blank(*ls))
        ls++;
    if (ls == le)
        return 0;
    if (*ls == '#') {
        skip(r);
        return 0;
    }
    const char *t2 = last_token(line, le);
    struct num v2, v1;
    if (t2 == line || !parse_number(t2, le, &v2)) {
        skip(r);                        /* no count */
        return 0;
    }
    const char *e1 = t2;
    while (e1 > line && is_blank(e1[-1]))
        e1--;
    /* a second number: only number characters back to a blank (a stack
     * without blanks is not scanned to its start) */
    const char *t1 = e1;
    while (t1 > line && ((t1[-1] >= '0' && t1[-1] <= '9') || t1[-1] == '.' || t1[-1] == '-'))
        t1--;
    int two = t1 > line && t1 < e1 && is_blank(t1[-1]) &&
              parse_number(t1, e1, &v1);
    const char *se = two ? t1 : e1;
    while (se > line && is_blank(se[-1]))
        se--;
    if (se == line) {
        skip(r);                        /* a count and no stack */
        return 0;
    }
    if (v2.neg || (two && v1.neg)) {
        skip(r);
        return 0;
    }
    if (!keep_comm(r, line, se))
        return 0;
    unsigned nd = SF_MAX(v2.nd, two ? v1.nd : 0);
    if (nd > r->dec && rescale(r, nd, err) < 0)
        return -1;
    r->rounded += v2.rounded + (two && v1.rounded);
    if (two) {
        if (!r->before)
            r->before = stack_set_new();
        if (add_stack(r, r->before, 1, line, se, &v1, err) < 0)
            return -1;
    }
    return add_stack(r, r->s, 0, line, se, &v2, err);
}

int fold_reader_feed(struct fold_reader *r, const char *buf, size_t len, struct sf_err *err)
{
    const char *q = buf, *end = buf + len;
    while (q < end) {
        const char *nl = memchr(q, '\n', (size_t)(end - q));
        if (!nl) {
            sbuf_add(&r->partial, q, (size_t)(end - q));
            break;
        }
        int rc;
        if (r->partial.len) {
            sbuf_add(&r->partial, q, (size_t)(nl - q));
            rc = one_line(r, r->partial.buf, r->partial.len, err);
            sbuf_reset(&r->partial);
        } else {
            rc = one_line(r, q, (size_t)(nl - q), err);
        }
        if (rc < 0)
            return -1;
        q = nl + 1;
    }
    return 0;
}

int fold_reader_finish(struct fold_reader *r, struct sf_err *err)
{
    if (r->partial.len) {
        int rc = one_line(r, r->partial.buf, r->partial.len, err);
        sbuf_reset(&r->partial);
        if (rc < 0)
            return -1;
    }
    return 0;
}
