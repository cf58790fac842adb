/* input_folded.c - the folded-text input: stackcollapse-style
 * "a;b;c COUNT" lines, e.g. folded stacks from other machines, summed with
 * the other inputs (see input_folded.h). */
#include "input_folded.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fold_reader.h"
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

/* A count token at the end of [b, e): digits with an optional fraction and
 * sign ("12", "0.5", "-3"), preceded by a blank and something before it. */
static int ends_in_count(const uint8_t *b, const uint8_t *e)
{
    const uint8_t *d = e;
    while (d > b && ((d[-1] >= '0' && d[-1] <= '9') || d[-1] == '.'))
        d--;
    if (d == e || *d == '.')
        return 0;
    if (d > b && d[-1] == '-')
        d--;
    return d > b && (d[-1] == ' ' || d[-1] == '\t');
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
    /* The first complete line that is neither blank nor a '#' comment must
     * end in a blank and a count (or two).  Callers may pass only the
     * file's first bytes, so a line the buffer cuts short is accepted as
     * long as it is text; the reader judges the rest. */
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
        if (b == e || buf[b] == '#')
            continue;
        return ends_in_count(buf + b, buf + e);
    }
    return 0;
}

static int folded_sniff(const uint8_t *head, size_t n)
{
    return fold_sniff(head, n);
}

static int feed_reader(void *arg, const char *buf, size_t len, struct sf_err *err)
{
    return fold_reader_feed(arg, buf, len, err);
}

/* Folded stacks carry a process name in their first frame and nothing
 * else: --comm applies to it, the other filters cannot. */
static int refuse_filters(const struct profile_opts *o, const char *name, struct sf_err *err)
{
    const char *opt = o->pids.n ? "--pid" : o->tids.n ? "--tid" : o->events.n ? "--event"
                      : o->syscalls.n ? "--syscall" : NULL;
    if (!opt)
        return 0;
    return sf_error(err, "'%s': %s cannot apply to folded stacks (they keep no %s); only "
                    "--comm applies, to the first frame", name, opt, opt + 2);
}

static int folded_load(struct loader *L, const struct input_src *src, struct input_info *in,
                       struct sf_err *err)
{
    struct profile *p = L->p;
    if (refuse_filters(L->o, src->name, err) < 0)
        return -1;
    in->is_folded = 1;
    in->kind = input_folded.what;
    struct fold_reader_opts ro = {
        .comm_label = L->o->comm_label,
        .comms = L->o->comms.v, .nr_comms = L->o->comms.n,
        .decimals = p->count_decimals,
    };
    size_t nr_before = stack_nr_stacks(p->stacks);
    /* Straight into the profile's set: line order stays (--flamechart). */
    struct fold_reader *r = fold_reader_new(src->name, p->stacks, &ro);
    int rc = input_stream(src, feed_reader, r, err);
    if (rc == 0)
        rc = fold_reader_finish(r, err);
    if (rc == 0) {
        struct stack_set *before = fold_reader_take_before(r);
        if (before && p->before) {
            stack_set_free(before);
            rc = sf_error(err, "'%s': a two-column (differential) file is read alone, "
                          "not summed with other inputs", src->name);
        } else if (before) {
            p->before = before;
        }
        /* finer fractions than the earlier inputs': their counts (in the
         * set, rescaled by the reader) and totals to the new unit */
        unsigned dec = fold_reader_decimals(r, &in->counts_rounded);
        uint64_t f = sf_pow10(dec - p->count_decimals);
        p->count_decimals = dec;
        p->total *= f;
        for (size_t i = 0; i + 1 < p->nr_inputs; i++)
            p->inputs[i].samples *= f;
        in->samples = fold_reader_total(r);
        p->total += in->samples;
        in->skipped_lines = fold_reader_skipped(r, &in->first_skipped);
        in->skipped_what = "comments, lines without a count or with a negative count";
        if (stack_nr_stacks(p->stacks) == nr_before && !in->samples && in->skipped_lines)
            rc = sf_error(err, "'%s': no line of folded stacks (\"a;b;c COUNT\"): %llu "
                          "line%s skipped, the first line %zu", src->name,
                          (unsigned long long)in->skipped_lines,
                          in->skipped_lines == 1 ? "" : "s", in->first_skipped);
    }
    fold_reader_free(r);
    return rc;
}

const struct input_kind input_folded = {
    .name = "folded",
    .what = "folded stacks",
    .sniff = folded_sniff,
    .load = folded_load,
};
