/* input_perfscript.c - INPUT: `perf script` text.  A line-driven parser
 * (ps_parser: header line, frames, blank line) hands whole samples to a
 * callback; ps_fold names their frames as stackcollapse-perf.pl does and
 * adds them to a stack_set, so text dumps feed fold/svg/top/diff like
 * captures and folded files do. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "input_perfscript.h"

#include "input.h"
#include "loader.h"

/* ---- the parser ---- */

struct ps_frame_at {             /* offsets into ps_parser.buf */
    uint64_t addr;
    size_t sym, sym_len, dso, dso_len, src, src_len;
    int has_dso, has_src;
};

struct ps_parser {
    ps_sample_fn fn;
    void *arg;
    struct sbuf buf;             /* the current sample's header and frame text */
    int in_sample;
    int last_was_frame;
    size_t comm, comm_len, event, event_len;
    int has_event;
    struct ps_sample cur;
    struct ps_frame_at *at;
    size_t nr_at, cap_at;
    struct ps_frame *frames;
    size_t cap_frames;
    size_t lineno;
    uint64_t unrecognized;
    size_t first_unrecognized;
};

struct ps_parser *ps_parser_new(ps_sample_fn fn, void *arg)
{
    struct ps_parser *p = xcalloc(1, sizeof(*p));
    p->fn = fn;
    p->arg = arg;
    return p;
}

void ps_parser_free(struct ps_parser *p)
{
    if (!p)
        return;
    sbuf_release(&p->buf);
    free(p->at);
    free(p->frames);
    free(p);
}

uint64_t ps_parser_unrecognized(const struct ps_parser *p, size_t *first_line)
{
    if (first_line)
        *first_line = p->first_unrecognized;
    return p->unrecognized;
}

static int is_ws(char c)
{
    return c == ' ' || c == '\t';
}

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Next whitespace-separated token of [*p, end); 0 when none is left. */
static int next_token(const char **p, const char *end, const char **tok, size_t *tlen)
{
    const char *q = *p;
    while (q < end && is_ws(*q))
        q++;
    if (q == end)
        return 0;
    const char *t = q;
    while (q < end && !is_ws(*q))
        q++;
    *tok = t;
    *tlen = (size_t)(q - t);
    *p = q;
    return 1;
}

static int all_digits(const char *t, size_t n)
{
    if (!n)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!is_digit(t[i]))
            return 0;
    return 1;
}

static uint32_t to_u32(const char *t, size_t n)
{
    uint64_t v = 0;
    for (size_t i = 0; i < n && v <= UINT32_MAX; i++)
        v = v * 10 + (uint64_t)(t[i] - '0');
    return v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
}

/* "DIGITS.DIGITS:" - perf's time field */
static int is_time_token(const char *t, size_t n)
{
    size_t i = 0;
    if (n < 4 || t[n - 1] != ':')
        return 0;
    while (i < n && is_digit(t[i]))
        i++;
    if (i == 0 || i >= n - 2 || t[i] != '.')
        return 0;
    for (i++; i < n - 1; i++)
        if (!is_digit(t[i]))
            return 0;
    return 1;
}

static int has_time_token(const char *line, size_t len)
{
    const char *p = line, *end = line + len, *t;
    size_t n;
    while (next_token(&p, end, &t, &n))
        if (is_time_token(t, n))
            return 1;
    return 0;
}

/* A frame line: blanks, a hex address, blanks, then the symbol with an
 * optional " (dso)" at the end, or only "(dso)". */
static int parse_frame(const char *line, size_t len, struct ps_frame_at *f,
                       size_t *sym_off, size_t *dso_off)
{
    const char *p = line, *end = line + len;
    if (p == end || !is_ws(*p))
        return 0;
    while (p < end && is_ws(*p))
        p++;
    const char *a = p;
    uint64_t addr = 0;
    while (p < end && hexval(*p) >= 0) {
        addr = addr << 4 | (uint64_t)hexval(*p);
        p++;
    }
    if (p == a || p - a > 16 || p == end || !is_ws(*p))
        return 0;
    while (p < end && is_ws(*p))
        p++;
    if (p == end)
        return 0;
    const char *rest = p;
    f->addr = addr;
    f->has_dso = 0;
    f->has_src = 0;
    *sym_off = (size_t)(rest - line);
    f->sym_len = (size_t)(end - rest);
    if (end[-1] == ')') {
        const char *open = NULL;
        for (const char *q = end - 1; q > rest; q--)
            if (*q == '(' && is_ws(q[-1])) {
                open = q;
                break;
            }
        if (!open && *rest == '(')
            open = rest;
        if (open) {
            f->has_dso = 1;
            *dso_off = (size_t)(open + 1 - line);
            f->dso_len = (size_t)(end - 1 - (open + 1));
            const char *se = open;
            while (se > rest && is_ws(se[-1]))
                se--;
            f->sym_len = (size_t)(se - rest);
        }
    }
    return 1;
}

/* A header line: COMM (may contain spaces) PID[/TID] [CPU] TIME: [PERIOD]
 * EVENT: fields, any field but the comm optional.  Fills p->cur and the
 * comm/event offsets (relative to the line). */
static int parse_header(struct ps_parser *p, const char *line, size_t len,
                        size_t *comm_off, size_t *event_off)
{
    const char *s = line, *end = line + len, *t;
    size_t n;
    struct ps_sample *c = &p->cur;
    memset(c, 0, sizeof(*c));
    c->period = 1;
    if (!next_token(&s, end, &t, &n))
        return 0;
    const char *comm = t, *comm_end = t + n;
    /* the first PID or PID/TID token after the comm's first word */
    const char *after = s;
    int found = 0;
    while (next_token(&s, end, &t, &n)) {
        const char *slash = memchr(t, '/', n);
        size_t a = slash ? (size_t)(slash - t) : n;
        if (all_digits(t, a) && (!slash || all_digits(slash + 1, n - a - 1))) {
            if (slash) {
                c->has_pid = c->has_tid = 1;
                c->pid = to_u32(t, a);
                c->tid = to_u32(slash + 1, n - a - 1);
            } else {
                c->has_tid = 1;
                c->tid = to_u32(t, n);
            }
            found = 1;
            break;
        }
        if (is_time_token(t, n) || (n >= 3 && t[0] == '[' && t[n - 1] == ']' &&
                                    all_digits(t + 1, n - 2)))
            break;
        comm_end = t + n;
    }
    if (!found)
        s = after;          /* no pid: the comm is the first word */
    *comm_off = (size_t)(comm - line);
    c->comm_len = (size_t)(comm_end - comm);
    if (!found)
        c->comm_len = (size_t)((after - line) - (long)*comm_off);
    /* then: [CPU], TIME:, PERIOD, EVENT: */
    const char *prev = NULL;
    size_t prev_n = 0;
    while (next_token(&s, end, &t, &n)) {
        if (n >= 3 && t[0] == '[' && t[n - 1] == ']')
            continue;
        if (is_time_token(t, n))
            continue;
        if (n >= 2 && t[n - 1] == ':') {
            *event_off = (size_t)(t - line);
            c->event_len = n - 1;
            c->event = t;
            if (prev && all_digits(prev, prev_n)) {
                uint64_t v = 0;
                for (size_t i = 0; i < prev_n && v < UINT64_MAX / 20; i++)
                    v = v * 10 + (uint64_t)(prev[i] - '0');
                c->period = v;
            }
            break;
        }
        prev = t;
        prev_n = n;
    }
    return 1;
}

static int emit(struct ps_parser *p, struct sf_err *err)
{
    if (!p->in_sample)
        return 0;
    p->in_sample = 0;
    p->last_was_frame = 0;
    p->frames = xgrow(p->frames, sizeof(*p->frames), p->nr_at + 1, &p->cap_frames);
    const char *b = sbuf_str(&p->buf);
    for (size_t i = 0; i < p->nr_at; i++) {
        const struct ps_frame_at *a = &p->at[i];
        p->frames[i] = (struct ps_frame){
            .addr = a->addr, .sym = b + a->sym, .sym_len = a->sym_len,
            .dso = a->has_dso ? b + a->dso : NULL, .dso_len = a->has_dso ? a->dso_len : 0,
            .srcline = a->has_src ? b + a->src : NULL, .srcline_len = a->has_src ? a->src_len : 0,
        };
    }
    struct ps_sample s = p->cur;
    s.comm = b + p->comm;
    s.event = p->has_event ? b + p->event : NULL;
    s.frames = p->frames;
    s.nr_frames = p->nr_at;
    return p->fn(p->arg, &s, err);
}

static void unrecognized(struct ps_parser *p)
{
    if (!p->unrecognized++)
        p->first_unrecognized = p->lineno;
}

int ps_parser_line(struct ps_parser *p, const char *line, size_t len, struct sf_err *err)
{
    p->lineno++;
    while (len && (line[len - 1] == '\r' || is_ws(line[len - 1])))
        len--;
    size_t lead = 0;
    while (lead < len && is_ws(line[lead]))
        lead++;
    if (lead == len)
        return emit(p, err);             /* blank: the sample ends */
    if (line[lead] == '#' && !p->in_sample)
        return 0;
    struct ps_frame_at f;
    size_t sym_off = 0, dso_off = 0;
    if (lead && p->in_sample && !has_time_token(line, len) &&
        parse_frame(line, len, &f, &sym_off, &dso_off)) {
        size_t base = p->buf.len;
        sbuf_add(&p->buf, line, len);
        sbuf_addch(&p->buf, '\0');
        f.sym = base + sym_off;
        f.dso = base + dso_off;
        p->at = xgrow(p->at, sizeof(*p->at), p->nr_at + 1, &p->cap_at);
        p->at[p->nr_at++] = f;
        p->last_was_frame = 1;
        return 0;
    }
    if (lead && p->in_sample && p->last_was_frame && !has_time_token(line, len)) {
        /* -F +srcline: "  file.c:12" (or "dso[addr]") under its frame */
        struct ps_frame_at *a = &p->at[p->nr_at - 1];
        if (!a->has_src) {
            a->has_src = 1;
            a->src = p->buf.len;
            a->src_len = len - lead;
            sbuf_add(&p->buf, line + lead, len - lead);
            sbuf_addch(&p->buf, '\0');
            return 0;
        }
    }
    if (!lead || has_time_token(line, len)) {
        size_t comm_off = 0, event_off = 0;
        if (emit(p, err) < 0)
            return -1;
        if (parse_header(p, line, len, &comm_off, &event_off)) {
            sbuf_reset(&p->buf);
            sbuf_add(&p->buf, line, len);
            sbuf_addch(&p->buf, '\0');
            p->comm = comm_off;
            p->has_event = p->cur.event != NULL;
            p->event = event_off;
            p->nr_at = 0;
            p->cur.line = p->lineno;
            p->in_sample = 1;
            p->last_was_frame = 0;
            return 0;
        }
    }
    unrecognized(p);
    return 0;
}

int ps_parser_finish(struct ps_parser *p, struct sf_err *err)
{
    return emit(p, err);
}

/* ---- sniffing ---- */

int ps_sniff(const uint8_t *buf, size_t len)
{
    static const char block[] = "# ========\n# captured on";
    if (len >= sizeof(block) - 1 && memcmp(buf, block, sizeof(block) - 1) == 0)
        return 1;
    size_t n = SF_MIN(len, (size_t)65536);
    for (size_t k = 0; k < n; k++)
        if (buf[k] < 0x20 && buf[k] != '\t' && buf[k] != '\r' && buf[k] != '\n')
            return 0;
    /* the first sample header, then a frame line or a TIME: field */
    const char *t = (const char *)buf, *end = t + n;
    int seen_header = 0;
    while (t < end) {
        const char *nl = memchr(t, '\n', (size_t)(end - t));
        if (!nl)
            return 0;               /* only judge complete lines */
        size_t l = (size_t)(nl - t);
        while (l && (t[l - 1] == '\r' || is_ws(t[l - 1])))
            l--;
        size_t lead = 0;
        while (lead < l && is_ws(t[lead]))
            lead++;
        if (lead == l || t[lead] == '#') {
            if (seen_header && lead == l)
                return 0;           /* a header with no frames and no time */
            t = nl + 1;
            continue;
        }
        if (!seen_header) {
            if (has_time_token(t, l)) {
                struct ps_parser p = { 0 };
                size_t c, e;
                return parse_header(&p, t, l, &c, &e) && p.cur.has_tid;
            }
            if (lead)
                return 0;
            seen_header = 1;
            t = nl + 1;
            continue;
        }
        struct ps_frame_at f;
        size_t so, dso;
        return parse_frame(t, l, &f, &so, &dso);
    }
    return 0;
}

/* ---- folding ---- */

struct fold_ctx {
    const char *file;
    const struct ps_fold_opts *o;
    struct stack_set *s;
    struct ps_fold_stats *st;
    struct sbuf name;
    uint32_t *ids;
    size_t cap_ids;
};

static int in_list(const char *const *v, size_t n, const char *s, size_t len)
{
    for (size_t i = 0; i < n; i++)
        if (strlen(v[i]) == len && memcmp(v[i], s, len) == 0)
            return 1;
    return 0;
}

static int starts(const char *s, size_t n, const char *prefix)
{
    size_t k = strlen(prefix);
    return n >= k && memcmp(s, prefix, k) == 0;
}

static int ends(const char *s, size_t n, const char *suffix)
{
    size_t k = strlen(suffix);
    return n >= k && memcmp(s + n - k, suffix, k) == 0;
}

/* the syscall of "syscalls:sys_enter_X" (or "sys_enter_X"), else NULL */
static const char *syscall_of(const char *ev, size_t n, size_t *len)
{
    const char *colon = memchr(ev, ':', n);
    const char *b = colon ? colon + 1 : ev;
    size_t bn = n - (size_t)(b - ev);
    if (colon && !starts(ev, n, "syscalls:"))
        return NULL;
    if (!starts(b, bn, "sys_enter_") || bn == 10)
        return NULL;
    *len = bn - 10;
    return b + 10;
}

static int is_exit_event(const char *ev, size_t n)
{
    return starts(ev, n, "syscalls:sys_exit_") || starts(ev, n, "sys_exit_");
}

static int keep(const struct ps_fold_opts *o, const struct ps_sample *s)
{
    char num[16];
    if (o->nr_comms && !in_list(o->comms, o->nr_comms, s->comm, s->comm_len))
        return 0;
    if (o->nr_pids) {
        if (!s->has_pid)
            return 0;
        snprintf(num, sizeof(num), "%u", s->pid);
        if (!in_list(o->pids, o->nr_pids, num, strlen(num)))
            return 0;
    }
    if (o->nr_tids) {
        if (!s->has_tid)
            return 0;
        snprintf(num, sizeof(num), "%u", s->tid);
        if (!in_list(o->tids, o->nr_tids, num, strlen(num)))
            return 0;
    }
    const char *ev = s->event ? s->event : "";
    size_t evn = s->event ? s->event_len : 0;
    if (o->nr_events) {
        const char *colon = memchr(ev, ':', evn);
        if (!in_list(o->events, o->nr_events, ev, evn) &&
            !(colon && in_list(o->events, o->nr_events, colon + 1, evn - (size_t)(colon + 1 - ev))))
            return 0;
    }
    if (o->nr_syscalls) {
        size_t sn;
        const char *sc = syscall_of(ev, evn, &sn);
        if (!sc || !in_list(o->syscalls, o->nr_syscalls, sc, sn))
            return 0;
    }
    return 1;
}

/* "pkg.(*T).M": a Go method, whose parentheses are part of the name */
static int is_go_method(const char *s, size_t n)
{
    for (size_t i = 0; i + 1 < n; i++)
        if (s[i] == '.' && s[i + 1] == '(') {
            for (size_t k = i + 2; k + 1 < n; k++)
                if (s[k] == ')' && s[k + 1] == '.')
                    return 1;
            return 0;
        }
    return 0;
}

/* ';' would split a folded frame, control characters its line */
static char clean_char(char c)
{
    return c == ';' ? ':' : ((unsigned char)c < 0x20 || c == 0x7f) ? '?' : c;
}

/* stackcollapse-perf.pl's tidying: ';' as ':', quotes dropped, and outside
 * Go method names everything from the first '(' (other than "(anonymous
 * namespace)") on. */
static void add_tidy(struct sbuf *b, const char *s, size_t n)
{
    int keep_parens = is_go_method(s, n);
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == '(' && !keep_parens &&
            !(n - i >= 21 && memcmp(s + i, "(anonymous namespace)", 21) == 0))
            break;
        if (c == '"' || c == '\'')
            continue;
        sbuf_addch(b, clean_char(c));
    }
}

static int is_kernel_frame(const struct ps_frame *f)
{
    if (f->addr >= UINT64_C(0xffff800000000000))
        return 1;
    return f->dso && (starts(f->dso, f->dso_len, "[kernel") || ends(f->dso, f->dso_len, "vmlinux"));
}

static int is_bracket_module(const struct ps_frame *f)
{
    if (!f->dso || !f->dso_len)
        return 0;
    for (size_t i = 0; i + 7 <= f->dso_len; i++)
        if (memcmp(f->dso + i, "unknown", 7) == 0)
            return 0;
    return f->dso[0] == '[' || ends(f->dso, f->dso_len, "vmlinux");
}

/* "/tmp/perf-1234.map": symbols of a JIT */
static int is_jit_map(const struct ps_frame *f)
{
    const char *d = f->dso;
    size_t n = f->dso_len, i = 10;
    if (!d || !starts(d, n, "/tmp/perf-") || !ends(d, n, ".map"))
        return 0;
    for (; i < n - 4; i++)
        if (!is_digit(d[i]))
            return 0;
    return i > 10;
}

static void push_id(struct fold_ctx *c, size_t *nr, uint32_t id)
{
    c->ids = xgrow(c->ids, sizeof(*c->ids), *nr + 1, &c->cap_ids);
    c->ids[(*nr)++] = id;
}

/* Names one frame line (several with perf's "a->b" inline notation) and
 * appends the ids, caller first. */
static void add_frame(struct fold_ctx *c, const struct ps_frame *f, int java, size_t *nr)
{
    const struct ps_fold_opts *o = c->o;
    const char *sym = f->sym;
    size_t n = f->sym_len;
    /* "+0x1a" offset */
    size_t k = n;
    while (k > 0 && hexval(sym[k - 1]) >= 0)
        k--;
    if (k >= 3 && k < n && sym[k - 1] == 'x' && sym[k - 2] == '0' && sym[k - 3] == '+')
        n = k - 3;
    if (n && sym[0] == '(')
        return;                         /* "(process name)": skipped, as the Perl */
    int kernel = is_kernel_frame(f);
    int annotate_k = kernel || is_bracket_module(f);
    int annotate_j = o->kernel && is_jit_map(f);
    for (size_t part = 0, start = 0; start <= n; part++) {
        size_t e = start;
        while (e + 1 < n && !(sym[e] == '-' && sym[e + 1] == '>'))
            e++;
        if (e + 1 >= n)
            e = n;
        const char *fs = sym + start;
        size_t fn = e - start;
        sbuf_reset(&c->name);
        if ((fn == 9 && memcmp(fs, "[unknown]", 9) == 0) || fn == 0) {
            const char *base = NULL;
            size_t bn = 0;
            if (f->dso && f->dso_len && !(f->dso_len == 9 && memcmp(f->dso, "[unknown]", 9) == 0)) {
                base = f->dso;
                bn = f->dso_len;
                for (size_t i = f->dso_len; i > 0; i--)
                    if (f->dso[i - 1] == '/') {
                        base = f->dso + i;
                        bn = f->dso_len - i;
                        break;
                    }
            }
            sbuf_addch(&c->name, '[');
            if (bn)
                add_tidy(&c->name, base, bn);
            else
                sbuf_addstr(&c->name, "unknown");
            if (o->addrs)
                sbuf_addf(&c->name, " <%llx>", (unsigned long long)f->addr);
            sbuf_addch(&c->name, ']');
        } else {
            add_tidy(&c->name, fs, fn);
            if (java && c->name.len > 1 && c->name.buf[0] == 'L' && memchr(c->name.buf, '/', c->name.len)) {
                memmove(c->name.buf, c->name.buf + 1, c->name.len);
                c->name.len--;
            }
            if (!c->name.len)
                sbuf_addstr(&c->name, "[unknown]");
        }
        if (part > 0) {
            if (!strstr(sbuf_str(&c->name), "_[i]"))
                sbuf_addstr(&c->name, "_[i]");
        } else if (annotate_k) {
            sbuf_addstr(&c->name, "_[k]");
        } else if (annotate_j && !strstr(sbuf_str(&c->name), "_[j]")) {
            sbuf_addstr(&c->name, "_[j]");
        }
        push_id(c, nr, stack_intern(c->s, c->name.buf, c->name.len));
        if (e >= n)
            break;
        start = e + 2;
    }
}

static int fold_sample(void *arg, const struct ps_sample *s, struct sf_err *err)
{
    struct fold_ctx *c = arg;
    const struct ps_fold_opts *o = c->o;
    (void)err;
    c->st->samples++;
    if (s->event && !o->nr_events && is_exit_event(s->event, s->event_len)) {
        c->st->exits_skipped++;
        return 0;
    }
    if (!keep(o, s))
        return 0;
    c->st->kept++;
    size_t nr = 0;
    /* frame 0: the comm, spaces as '_' as stackcollapse-perf.pl writes it */
    sbuf_reset(&c->name);
    if (o->comm_label) {
        sbuf_addstr(&c->name, o->comm_label);
    } else {
        for (size_t i = 0; i < s->comm_len; i++)
            sbuf_addch(&c->name, s->comm[i] == ' ' ? '_' : clean_char(s->comm[i]));
        if (o->with_tid || o->with_pid) {
            if (s->has_pid)
                sbuf_addf(&c->name, "-%u", s->pid);
            else
                sbuf_addstr(&c->name, "-?");
            if (o->with_tid)
                sbuf_addf(&c->name, "/%u", s->tid);
        }
    }
    push_id(c, &nr, stack_intern(c->s, c->name.buf, c->name.len));
    int java = s->comm_len >= 4 && memcmp(s->comm, "java", 4) == 0;
    for (size_t i = s->nr_frames; i-- > 0;) {
        const struct ps_frame *f = &s->frames[i];
        if (!o->kernel && is_kernel_frame(f))
            continue;
        add_frame(c, f, java, &nr);
    }
    if (s->nr_frames)
        c->st->with_frames++;
    size_t scn;
    if (s->event && syscall_of(s->event, s->event_len, &scn))
        c->st->syscalls++;
    if (!o->no_leaf && s->event) {
        size_t sn;
        const char *sc = syscall_of(s->event, s->event_len, &sn);
        sbuf_reset(&c->name);
        if (sc)
            sbuf_add(&c->name, sc, sn);
        else
            add_tidy(&c->name, s->event, s->event_len);
        if (c->name.len)
            push_id(c, &nr, stack_intern(c->s, c->name.buf, c->name.len));
    }
    uint64_t total = stack_total(c->s);
    uint64_t cap = UINT64_C(1) << 53;
    if (s->period > cap - total)
        return sf_error(err, "'%s': line %zu: sample count out of range", c->file, s->line);
    stack_add(c->s, c->ids, nr, s->period);
    return 0;
}

struct ps_folder {
    struct fold_ctx c;
    struct ps_fold_stats st;
    struct ps_parser *p;
    struct sbuf partial;         /* a line the last chunk cut */
};

struct ps_folder *ps_folder_new(const char *name, const struct ps_fold_opts *o,
                                struct stack_set *s)
{
    struct ps_folder *f = xcalloc(1, sizeof(*f));
    f->c = (struct fold_ctx){ .file = name, .o = o, .s = s, .st = &f->st };
    f->p = ps_parser_new(fold_sample, &f->c);
    return f;
}

static int feed_line(struct ps_folder *f, const char *line, size_t len, struct sf_err *err)
{
    return ps_parser_line(f->p, line, len, err);
}

int ps_folder_feed(struct ps_folder *f, const char *buf, size_t len, struct sf_err *err)
{
    const char *q = buf, *end = buf + len;
    while (q < end) {
        const char *nl = memchr(q, '\n', (size_t)(end - q));
        if (!nl) {
            sbuf_add(&f->partial, q, (size_t)(end - q));
            break;
        }
        int rc;
        if (f->partial.len) {
            sbuf_add(&f->partial, q, (size_t)(nl - q));
            rc = feed_line(f, f->partial.buf, f->partial.len, err);
            sbuf_reset(&f->partial);
        } else {
            rc = feed_line(f, q, (size_t)(nl - q), err);
        }
        if (rc < 0)
            return -1;
        q = nl + 1;
    }
    return 0;
}

int ps_folder_finish(struct ps_folder *f, struct ps_fold_stats *st, struct sf_err *err)
{
    int rc = 0;
    if (f->partial.len)
        rc = feed_line(f, f->partial.buf, f->partial.len, err);
    if (rc == 0)
        rc = ps_parser_finish(f->p, err);
    f->st.unrecognized = ps_parser_unrecognized(f->p, &f->st.first_unrecognized);
    if (st)
        *st = f->st;
    return rc;
}

void ps_folder_free(struct ps_folder *f)
{
    if (!f)
        return;
    ps_parser_free(f->p);
    sbuf_release(&f->partial);
    sbuf_release(&f->c.name);
    free(f->c.ids);
    free(f);
}

int ps_fold(const char *name, const char *text, size_t len, const struct ps_fold_opts *o,
            struct stack_set *s, struct ps_fold_stats *st, struct sf_err *err)
{
    struct ps_folder *f = ps_folder_new(name, o, s);
    int rc = ps_folder_feed(f, text, len, err);
    if (rc == 0)
        rc = ps_folder_finish(f, st, err);
    else if (st)
        *st = f->st;
    ps_folder_free(f);
    return rc;
}

/* ---- the input table's row ---- */

static int perfscript_sniff(const uint8_t *head, size_t n)
{
    return ps_sniff(head, n);
}

static int feed_folder(void *arg, const char *buf, size_t len, struct sf_err *err)
{
    return ps_folder_feed(arg, buf, len, err);
}

static int perfscript_load(struct loader *L, const struct input_src *src,
                           struct input_info *in, struct sf_err *err)
{
    const struct profile_opts *po = L->o;
    struct ps_fold_opts o = {
        .with_pid = po->with_pid, .with_tid = po->with_tid, .kernel = po->kernel,
        .no_leaf = po->no_leaf, .addrs = po->addrs, .comm_label = po->comm_label,
        .comms = po->comms.v, .nr_comms = po->comms.n,
        .pids = po->pids.v, .nr_pids = po->pids.n,
        .tids = po->tids.v, .nr_tids = po->tids.n,
        .events = po->events.v, .nr_events = po->events.n,
        .syscalls = po->syscalls.v, .nr_syscalls = po->syscalls.n,
    };
    in->is_folded = 1;
    in->kind = input_perfscript.what;
    struct ps_fold_stats st;
    memset(&st, 0, sizeof(st));
    uint64_t before = stack_total(L->p->stacks);
    struct ps_folder *f = ps_folder_new(src->name, &o, L->p->stacks);
    int rc = input_stream(src, feed_folder, f, err);
    if (rc == 0)
        rc = ps_folder_finish(f, &st, err);
    ps_folder_free(f);
    if (rc == 0 && !st.samples)
        rc = sf_error(err, "'%s': perf script text without a single sample", src->name);
    if (rc < 0)
        return -1;
    in->samples = stack_total(L->p->stacks) - before;
    L->p->total += in->samples;
    in->skipped_lines = st.unrecognized;
    in->first_skipped = st.first_unrecognized;
    in->skipped_what = "not understood as perf script text";
    in->exits_skipped = st.exits_skipped;
    in->syscall_samples = st.syscalls;
    return 0;
}

const struct input_kind input_perfscript = {
    .name = "perf script",
    .what = "perf script text",
    .sniff = perfscript_sniff,
    .load = perfscript_load,
};
