/* tracepoint.c - DECODER stage, tracepoint half: reads the tracing-data blob
 * of a capture, hands its event formats to libtraceevent, and decodes the RAW
 * payload of tracepoint samples (names, `perf script` field text, numbers)
 * for the session and the writers. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <traceevent/event-parse.h>
#include <traceevent/trace-seq.h>
#include "tracepoint.h"

/* A RAW payload is copied into a zero-filled scratch area this large before
 * libtraceevent prints it: __data_loc offsets and lengths are 16-bit each, so
 * whatever a malformed payload points at stays inside the area. */
#define TP_SCRATCH_SIZE (2 * 65536 + 64)

struct tp_event {
    struct tep_event *ev;       /* once TP_PARSED */
    uint64_t id;
    int state;                  /* TP_PENDING ... TP_FAILED; atomic */
    char *text;                 /* the format until libtraceevent has it */
    char *system;
    char *name;                 /* from TP_NAMED on */
    int syscall_kind;           /* 1 enter, 2 exit, 0 none */
    int print_raw;              /* print fmt unsafe on untrusted data */
    const char *syscall;        /* points into ev->name */
};

/* Formats are named on first lookup and handed to libtraceevent on first
 * need of their fields (tp_field_u64, tp_format_fields): a capture of every
 * syscall tracepoint carries ~360 formats, of which a few have samples, and
 * a flame graph of sys_enter_* samples needs none of their fields
 * (libtraceevent's parse costs ~0.2 M instructions a format).  TP_NOFIELDS:
 * named, but libtraceevent kept no event (out of memory).  Even the shape of
 * a format (format_well_formed) is checked on first lookup of its id:
 * TP_UNCHECKED until then, TP_MISSHAPEN (left out) if it has not the
 * kernel's shape. */
enum { TP_UNCHECKED, TP_PENDING, TP_NAMED, TP_PARSED, TP_NOFIELDS, TP_FAILED, TP_MISSHAPEN };

struct tp_set {
    struct tep_handle *tep;
    struct tp_event *events;    /* sorted by id, then blob order */
    size_t nr, cap;
    pthread_mutex_t print_lock; /* libtraceevent printing is not reentrant,
                                   and parsing changes its event list: both
                                   run under this lock */
    struct trace_seq seq;
    uint8_t *scratch;           /* TP_SCRATCH_SIZE bytes, zero past used */
    size_t scratch_used;
    int no_print;               /* formats parsed without their print fmt */
};

/* Bounds-checked reader over the blob; every read goes through need(). */
struct tp_cursor {
    const char *name;
    const uint8_t *p;
    size_t size, off;
    int swap;
    struct sf_err *err;
};

static int need(struct tp_cursor *c, size_t n)
{
    if (n > c->size - c->off)
        return sf_error(c->err, "'%s': tracing data: truncated at byte %zu",
                        c->name, c->size);
    return 0;
}

static int read_u32(struct tp_cursor *c, uint32_t *v)
{
    if (need(c, 4) < 0)
        return -1;
    *v = sf_rd32(c->p + c->off, c->swap);
    c->off += 4;
    return 0;
}

static int read_u64(struct tp_cursor *c, uint64_t *v)
{
    if (need(c, 8) < 0)
        return -1;
    *v = sf_rd64(c->p + c->off, c->swap);
    c->off += 8;
    return 0;
}

/* A NUL-terminated string inside the blob; *s points into it. */
static int read_cstr(struct tp_cursor *c, const char **s)
{
    const uint8_t *nul = memchr(c->p + c->off, 0, c->size - c->off);

    if (!nul)
        return sf_error(c->err, "'%s': tracing data: truncated at byte %zu",
                        c->name, c->size);
    *s = (const char *)(c->p + c->off);
    c->off = (size_t)(nul - c->p) + 1;
    return 0;
}

/* A length-prefixed section: checks it fits and returns a NUL-terminated
 * copy (libtraceevent's text parsers want C strings). */
static int read_section(struct tp_cursor *c, uint64_t len, char **text)
{
    if (len > c->size - c->off)
        return sf_error(c->err, "'%s': tracing data: section of %llu bytes at "
                        "byte %zu exceeds the blob (%zu bytes)", c->name,
                        (unsigned long long)len, c->off, c->size);
    *text = xmalloc((size_t)len + 1);
    memcpy(*text, c->p + c->off, (size_t)len);
    (*text)[len] = '\0';
    c->off += (size_t)len;
    return 0;
}

static int expect_tag(struct tp_cursor *c, const char *tag)
{
    size_t n = strlen(tag) + 1;

    if (need(c, n) < 0)
        return -1;
    if (memcmp(c->p + c->off, tag, n) != 0)
        return sf_error(c->err, "'%s': tracing data: expected '%s' at byte %zu",
                        c->name, tag, c->off);
    c->off += n;
    return 0;
}

/* libtraceevent folds constant arithmetic while it parses a print fmt, so a
 * hostile "0x % 08lx" or "1 / 0" raises SIGFPE inside tep_parse_event(),
 * before args_unsafe() could look at it.  Any '/' or '%' operator (outside
 * string and char literals) whose right operand is not a nonzero number
 * literal makes us drop the print fmt: the event keeps its fields and is
 * printed raw, as for other unsafe formats. */
static int print_fmt_risky(const char *p)
{
    for (; *p; p++) {
        if (*p == '"' || *p == '\'') {
            char q = *p;
            for (p++; *p && *p != q; p++)
                if (*p == '\\' && p[1])
                    p++;
            if (!*p)
                return 1;           /* unterminated literal */
            continue;
        }
        if (*p != '/' && *p != '%')
            continue;
        const char *r = p + 1;
        while (*r == ' ' || *r == '\t')
            r++;
        char tok[32];
        size_t n = 0;
        while (n + 1 < sizeof(tok) && (isalnum((unsigned char)r[n]) || r[n] == '_')) {
            tok[n] = r[n];
            n++;
        }
        tok[n] = '\0';
        if (!n || !isdigit((unsigned char)tok[0]) || strtoull(tok, NULL, 0) == 0)
            return 1;
    }
    return 0;
}

static void drop_risky_print_fmt(char *text)
{
    char *pf = strstr(text, "print fmt:");
    if (!pf)
        return;
    const char *q = strchr(pf, '"');  /* skip the format string itself */
    if (q) {
        for (q++; *q && *q != '"'; q++)
            if (*q == '\\' && q[1])
                q++;
    }
    if (!q || !*q || print_fmt_risky(q + 1))
        *pf = '\0';
}

/* libtraceevent's format parser trusts its input (a field declaration cut
 * inside "[...]" dereferences a NULL token, found by fuzz_tracepoint), so a
 * format reaches it only if it has the shape the kernel writes:
 *   name: N\nID: D\nformat:\n
 *   \tfield:DECL;\toffset:D;\tsize:D;[\tsigned:D;]\n   (blank lines between)
 *   print fmt: "..."ARGS
 * with printable text, balanced brackets and a terminated format string. */
static int skip_lit(const char **p, const char *lit)
{
    size_t n = strlen(lit);
    if (strncmp(*p, lit, n) != 0)
        return -1;
    *p += n;
    return 0;
}

static int skip_digits(const char **p)
{
    const char *s = *p;
    while (isdigit((unsigned char)**p))
        (*p)++;
    return *p > s ? 0 : -1;
}

static int field_line_ok(const char **pp)
{
    const char *p = *pp;
    int depth = 0;
    if (skip_lit(&p, "\tfield:") < 0)
        return 0;
    for (; *p && *p != ';'; p++) {
        if (*p == '[')
            depth++;
        else if (*p == ']' && --depth < 0)
            return 0;
        else if (depth && !isalnum((unsigned char)*p) && *p != '_' && *p != ' ' &&
                 *p != '+' && *p != '*')
            return 0;
        else if (*p < 0x20 || *p > 0x7e)
            return 0;
    }
    if (*p != ';' || depth || skip_lit(&p, ";\toffset:") < 0 || skip_digits(&p) < 0 ||
        skip_lit(&p, ";\tsize:") < 0 || skip_digits(&p) < 0 || skip_lit(&p, ";") < 0)
        return 0;
    if (skip_lit(&p, "\tsigned:") == 0 && (skip_digits(&p) < 0 || skip_lit(&p, ";") < 0))
        return 0;
    if (*p != '\n')
        return 0;
    *pp = p + 1;
    return 1;
}

static int print_fmt_ok(const char *p)
{
    int depth = 0;
    if (*p != '"')
        return 0;
    for (p++; *p && *p != '"'; p++)
        if (*p == '\\' && p[1])
            p++;
    if (!*p)
        return 0;
    for (p++; *p; p++) {
        if ((*p < 0x20 || *p > 0x7e) && *p != '\n' && *p != '\t')
            return 0;
        if (*p == '"' || *p == '\'') {
            char q = *p;
            for (p++; *p && *p != q; p++)
                if (*p == '\\' && p[1])
                    p++;
            if (!*p)
                return 0;
        } else if (*p == '(' || *p == '[') {
            if (++depth > 64)
                return 0;
        } else if (*p == ')' || *p == ']') {
            if (--depth < 0)
                return 0;
        } else if (strncmp(p, "REC->", 5) == 0 &&
                   !(isalpha((unsigned char)p[5]) || p[5] == '_')) {
            return 0;
        }
    }
    return depth == 0;
}

static int format_well_formed(const char *p)
{
    if (skip_lit(&p, "name: ") < 0)
        return 0;
    const char *n = p;
    while (isalnum((unsigned char)*p) || *p == '_')
        p++;
    if (p == n || skip_lit(&p, "\nID: ") < 0 || skip_digits(&p) < 0 ||
        skip_lit(&p, "\nformat:\n") < 0)
        return 0;
    while (*p == '\n' || *p == '\t')
        if (*p == '\n')
            p++;
        else if (!field_line_ok(&p))
            return 0;
    return skip_lit(&p, "print fmt: ") == 0 && print_fmt_ok(p);
}

/* Formats that libtraceevent cannot parse are left out: their samples still
 * count, they just have no field text (perf prints them raw or not at all). */
/* The ID a format states ("name: X\nID: N\n..."; its shape is checked at
 * first lookup), or -1 when it does not fit libtraceevent's int (which
 * would drop the event). */
static long long format_id(const char *text)
{
    const char *p = strstr(text, "\nID: ");
    long long id = 0;

    if (!p)
        return -1;
    for (p += 5; *p >= '0' && *p <= '9'; p++) {
        id = id * 10 + (*p - '0');
        if (id > 0x7fffffff)
            return -1;
    }
    return id;
}

static int parse_formats(struct tp_cursor *c, struct tp_set *s,
                         const char *system, uint32_t count)
{
    for (uint32_t i = 0; i < count; i++) {
        uint64_t len;
        char *text;
        long long id;

        if (read_u64(c, &len) < 0 || read_section(c, len, &text) < 0)
            return -1;
        if ((id = format_id(text)) >= 0) {   /* shape checked at first lookup */
            s->events = xgrow(s->events, sizeof(*s->events), s->nr + 1, &s->cap);
            s->events[s->nr++] = (struct tp_event){
                .id = (uint64_t)id, .state = TP_UNCHECKED, .text = text,
                .system = xstrdup(system),
            };
            continue;
        }
        free(text);
    }
    return 0;
}

static int parse_header(struct tp_cursor *c, struct tep_handle *tep,
                        int long_size)
{
    uint64_t len;
    char *text;

    if (expect_tag(c, "header_page") < 0 || read_u64(c, &len) < 0 ||
        read_section(c, len, &text) < 0)
        return -1;
    /* The ring-buffer page header declares `commit` with the kernel's long
     * size, which is what the formats' `long` fields use too. */
    if (tep_parse_header_page(tep, text, (unsigned long)len, long_size) == 0) {
        int hp = tep_get_header_page_size(tep);
        if (hp == 4 || hp == 8)
            tep_set_long_size(tep, hp);
    }
    free(text);
    if (expect_tag(c, "header_event") < 0 || read_u64(c, &len) < 0)
        return -1;
    if (len > c->size - c->off)
        return sf_error(c->err, "'%s': tracing data: truncated at byte %zu",
                        c->name, c->size);
    c->off += (size_t)len;
    return 0;
}

/* Lines "ADDR : \"format\"" map the addresses that bprint-style events
 * store to their format strings.  libtraceevent's own parser of this list
 * reads out of bounds on malformed lines, so we split them here and hand
 * over only entries long enough for its quote/newline trimming. */
static void register_printk_formats(struct tep_handle *tep, char *text)
{
    char *line = text;

    while (line && *line) {
        char *next = strchr(line, '\n');
        char *colon, *fmt;

        if (next)
            *next++ = '\0';
        colon = strchr(line, ':');
        if (colon) {
            unsigned long long addr = strtoull(line, NULL, 16);

            fmt = colon + 1;
            if (*fmt == ' ')
                fmt++;
            if (strlen(fmt + (*fmt == '"')) >= 3)
                tep_register_print_string(tep, fmt, addr);
        }
        line = next;
    }
}

static int parse_blob(struct tp_cursor *c, struct tp_set *s)
{
    struct tep_handle *tep = s->tep;
    static const uint8_t magic[10] = { 0x17, 0x08, 0x44, 't', 'r', 'a', 'c',
                                       'i', 'n', 'g' };
    const char *version;
    uint32_t page_size, count, systems;
    uint64_t len;
    int file_big, long_size;
    char *text;

    if (need(c, sizeof(magic)) < 0)
        return -1;
    if (memcmp(c->p, magic, sizeof(magic)) != 0)
        return sf_error(c->err, "'%s': tracing data: bad magic at byte 0",
                        c->name);
    c->off = sizeof(magic);
    if (read_cstr(c, &version) < 0 || need(c, 2) < 0)
        return -1;
    file_big = c->p[c->off] != 0;
    long_size = c->p[c->off + 1];
    c->off += 2;
    if (long_size != 4 && long_size != 8)
        return sf_error(c->err, "'%s': tracing data: long size %d at byte %zu "
                        "is neither 4 nor 8", c->name, long_size, c->off - 1);
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    c->swap = !file_big;
    tep_set_local_bigendian(tep, TEP_BIG_ENDIAN);
#else
    c->swap = file_big;
    tep_set_local_bigendian(tep, TEP_LITTLE_ENDIAN);
#endif
    tep_set_file_bigendian(tep, file_big ? TEP_BIG_ENDIAN : TEP_LITTLE_ENDIAN);
    if (read_u32(c, &page_size) < 0)
        return -1;
    if (page_size == 0)
        return sf_error(c->err, "'%s': tracing data: page size 0 at byte %zu",
                        c->name, c->off - 4);
    tep_set_long_size(tep, long_size);
    tep_set_page_size(tep, (int)page_size);

    if (parse_header(c, tep, long_size) < 0)
        return -1;
    if (read_u32(c, &count) < 0 || parse_formats(c, s, "ftrace", count) < 0)
        return -1;
    if (read_u32(c, &systems) < 0)
        return -1;
    for (uint32_t i = 0; i < systems; i++) {
        const char *system;

        if (read_cstr(c, &system) < 0 || read_u32(c, &count) < 0 ||
            parse_formats(c, s, system, count) < 0)
            return -1;
    }
    /* kallsyms: perf resolves kernel addresses itself and skips this. */
    if (read_u32(c, &count) < 0)
        return -1;
    if (count > c->size - c->off)
        return sf_error(c->err, "'%s': tracing data: truncated at byte %zu",
                        c->name, c->size);
    c->off += count;
    if (read_u32(c, &count) < 0 || read_section(c, count, &text) < 0)
        return -1;
    register_printk_formats(tep, text);
    free(text);
    if (strtod(version, NULL) >= 0.6) {
        if (read_u64(c, &len) < 0 || read_section(c, len, &text) < 0)
            return -1;
        if (len)
            tep_parse_saved_cmdlines(tep, text);
        free(text);
    }
    return 0;
}

static int cmp_event(const void *a, const void *b)
{
    const struct tp_event *x = a, *y = b;

    if (x->id != y->id)
        return x->id < y->id ? -1 : 1;
    return x < y ? -1 : x > y;  /* blob order, though qsort moves them */
}

static void classify_syscall(struct tp_event *e)
{
    const char *sys = e->system, *name = e->name;

    if (!sys || !name || strcmp(sys, "syscalls") != 0)
        return;
    if (strncmp(name, "sys_enter_", 10) == 0 && name[10]) {
        e->syscall_kind = 1;
        e->syscall = name + 10;
    } else if (strncmp(name, "sys_exit_", 9) == 0 && name[9]) {
        e->syscall_kind = 2;
        e->syscall = name + 9;
    }
}

/* libtraceevent evaluates print-fmt arithmetic and lengths on the payload:
 * a division by a payload value can raise SIGFPE, a length taken from the
 * payload can read far past it.  Kernel syscall formats have neither; an
 * event whose format does is printed as raw fields instead. */
static int args_unsafe(const struct tep_print_arg *a, int depth)
{
    for (; a; a = a->next) {
        if (depth > 32)
            return 1;
        switch (a->type) {
        case TEP_PRINT_OP:
            if (a->op.op && (strcmp(a->op.op, "/") == 0 ||
                             strcmp(a->op.op, "%") == 0)) {
                const struct tep_print_arg *r = a->op.right;
                if (!r || r->type != TEP_PRINT_ATOM || !r->atom.atom ||
                    strtoll(r->atom.atom, NULL, 0) == 0)
                    return 1;
            }
            if (args_unsafe(a->op.left, depth + 1) ||
                args_unsafe(a->op.right, depth + 1))
                return 1;
            break;
        case TEP_PRINT_TYPE:
            if (args_unsafe(a->typecast.item, depth + 1))
                return 1;
            break;
        case TEP_PRINT_FLAGS:
            if (args_unsafe(a->flags.field, depth + 1))
                return 1;
            break;
        case TEP_PRINT_SYMBOL:
            if (args_unsafe(a->symbol.field, depth + 1))
                return 1;
            break;
        case TEP_PRINT_HEX:
        case TEP_PRINT_HEX_STR:
        case TEP_PRINT_INT_ARRAY:
            return 1;
        case TEP_PRINT_FUNC:
            if (args_unsafe(a->func.args, depth + 1))
                return 1;
            break;
        case TEP_PRINT_DYNAMIC_ARRAY:
            if (args_unsafe(a->dynarray.index, depth + 1))
                return 1;
            break;
        default:
            break;
        }
    }
    return 0;
}

/* Hands a pending or named format to libtraceevent; the caller holds
 * print_lock.  libtraceevent keeps an event whose print fmt it could not
 * parse, so the event is looked up by id whatever tep_parse_event returned. */
static void parse_pending(struct tp_set *s, struct tp_event *e)
{
    struct tep_event *ev;
    int named = __atomic_load_n(&e->state, __ATOMIC_ACQUIRE) == TP_NAMED;

    if (!named && e->state != TP_PENDING)
        return;
    /* the print fmt follows the fields (format_well_formed), on a line
     * of its own; without it libtraceevent keeps the event and its fields */
    char *pf = s->no_print ? strstr(e->text, "\nprint fmt:") : NULL;
    if (pf)
        pf[1] = '\0';
    tep_parse_event(s->tep, e->text, strlen(e->text), e->system);
    free(e->text);
    e->text = NULL;
    ev = tep_find_event(s->tep, (int)e->id);
    if (!ev || !ev->name) {
        __atomic_store_n(&e->state, named ? TP_NOFIELDS : TP_FAILED, __ATOMIC_RELEASE);
        return;
    }
    e->ev = ev;
    e->print_raw = args_unsafe(ev->print_fmt.args, 0);
    if (!named) {
        e->name = xstrdup(ev->name);
        classify_syscall(e);
    }
    __atomic_store_n(&e->state, TP_PARSED, __ATOMIC_RELEASE);
}

/* Names a pending format from its text, as libtraceevent would: a
 * well-formed format (format_well_formed) starts "name: N\nID: D\n", and
 * libtraceevent names it N and keeps it under D.  An ID with a leading
 * zero, which libtraceevent reads in octal, is left to libtraceevent. */
static void name_pending(struct tp_set *s, struct tp_event *e)
{
    if (__atomic_load_n(&e->state, __ATOMIC_ACQUIRE) != TP_PENDING)
        return;
    const char *n = e->text + 6, *end = n;  /* after "name: " */
    while (*end != '\n')
        end++;
    if (end[5] == '0' && end[6] >= '0' && end[6] <= '9') {  /* "\nID: 0D" */
        parse_pending(s, e);
        return;
    }
    e->name = xstrndup(n, (size_t)(end - n));
    classify_syscall(e);
    __atomic_store_n(&e->state, TP_NAMED, __ATOMIC_RELEASE);
}

static void tp_free_events(struct tp_set *s)
{
    for (size_t i = 0; i < s->nr; i++) {
        free(s->events[i].text);
        free(s->events[i].system);
        free(s->events[i].name);
    }
    free(s->events);
}

int tp_parse(const char *name, const uint8_t *blob, size_t size,
             struct tp_set **out, struct sf_err *err)
{
    struct tp_cursor c = { name, blob, size, 0, 0, err };
    struct tp_set *s;

    *out = NULL;
    if (!blob)
        size = 0;
    c.size = size;
    /* libtraceevent would print parse warnings on stderr otherwise */
    tep_set_loglevel(TEP_LOG_NONE);
    s = xcalloc(1, sizeof(*s));
    s->tep = tep_alloc();
    if (!s->tep) {
        free(s);
        return sf_error(err, "'%s': tracing data: out of memory", name);
    }
    if (parse_blob(&c, s) < 0) {
        tp_free_events(s);
        tep_free(s->tep);
        free(s);
        return -1;
    }
    if (s->nr)
        qsort(s->events, s->nr, sizeof(*s->events), cmp_event);
    pthread_mutex_init(&s->print_lock, NULL);
    trace_seq_init(&s->seq);
    s->scratch = xcalloc(1, TP_SCRATCH_SIZE);
    *out = s;
    return 0;
}

void tp_free(struct tp_set *s)
{
    if (!s)
        return;
    trace_seq_destroy(&s->seq);
    pthread_mutex_destroy(&s->print_lock);
    tep_free(s->tep);
    tp_free_events(s);
    free(s->scratch);
    free(s);
}

/* The (first) entry with this id, parsed or not; NULL if none. */
/* A format's shape checked (the caller holds print_lock): what reaches
 * libtraceevent has the shape the kernel writes. */
static void check_shape(struct tp_event *e)
{
    if (__atomic_load_n(&e->state, __ATOMIC_ACQUIRE) != TP_UNCHECKED)
        return;
    if (!format_well_formed(e->text)) {
        free(e->text);
        e->text = NULL;
        __atomic_store_n(&e->state, TP_MISSHAPEN, __ATOMIC_RELEASE);
        return;
    }
    drop_risky_print_fmt(e->text);
    __atomic_store_n(&e->state, TP_PENDING, __ATOMIC_RELEASE);
}

/* The first well-formed entry with this id, parsed or not; NULL if none.
 * `locked`: the caller holds print_lock. */
static struct tp_event *event_slot(const struct tp_set *cs, uint64_t id, int locked)
{
    struct tp_set *s = (struct tp_set *)cs;
    if (!s)
        return NULL;
    size_t lo = 0, hi = s->nr;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;

        if (s->events[mid].id < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (; lo < s->nr && s->events[lo].id == id; lo++) {
        struct tp_event *e = &s->events[lo];
        if (__atomic_load_n(&e->state, __ATOMIC_ACQUIRE) == TP_UNCHECKED) {
            if (!locked)
                pthread_mutex_lock(&s->print_lock);
            check_shape(e);
            if (!locked)
                pthread_mutex_unlock(&s->print_lock);
        }
        if (__atomic_load_n(&e->state, __ATOMIC_ACQUIRE) != TP_MISSHAPEN)
            return e;
    }
    return NULL;
}

/* e named (fields 0) or handed to libtraceevent (fields 1) if it was
 * not yet; `locked`: the caller holds print_lock.  The state reached. */
static int event_ready(struct tp_set *s, struct tp_event *e, int fields, int locked)
{
    int state = __atomic_load_n(&e->state, __ATOMIC_ACQUIRE);
    if (state == TP_PENDING || (fields && state == TP_NAMED)) {
        if (!locked)
            pthread_mutex_lock(&s->print_lock);
        if (fields)
            parse_pending(s, e);
        else
            name_pending(s, e);
        if (!locked)
            pthread_mutex_unlock(&s->print_lock);
        state = __atomic_load_n(&e->state, __ATOMIC_ACQUIRE);
    }
    return state;
}

/* The first format with this id, named (or with its fields: `fields`) on
 * demand; `locked`: the caller holds print_lock. */
static const struct tp_event *find_event(const struct tp_set *cs, uint64_t id, int fields,
                                         int locked)
{
    struct tp_set *s = (struct tp_set *)cs;
    struct tp_event *e = event_slot(s, id, locked);

    if (!e)
        return NULL;
    int state = event_ready(s, e, fields, locked);
    return state == TP_FAILED || state == TP_PENDING ? NULL : e;
}

void tp_no_print(struct tp_set *s)
{
    if (s)
        s->no_print = 1;
}

const struct tp_event *tp_find(const struct tp_set *s, uint64_t id)
{
    return find_event(s, id, 0, 0);
}

int tp_is_syscall_exit(const struct tp_set *cs, uint64_t id)
{
    struct tp_set *s = (struct tp_set *)cs;
    struct tp_event *e = event_slot(s, id, 0);
    if (!e)
        return 0;
    int exit = 0;
    pthread_mutex_lock(&s->print_lock);
    int state = __atomic_load_n(&e->state, __ATOMIC_ACQUIRE);
    if (state == TP_NAMED || state == TP_PARSED || state == TP_NOFIELDS)
        exit = e->syscall_kind == 2;
    else if (state == TP_PENDING && e->text && e->system && !strcmp(e->system, "syscalls"))
        exit = !strncmp(e->text, "name: sys_exit_", 15) || strstr(e->text, "\nname: sys_exit_");
    pthread_mutex_unlock(&s->print_lock);
    return exit;
}

const char *tp_system(const struct tp_event *e)
{
    return e && e->system ? e->system : "";
}

const char *tp_name(const struct tp_event *e)
{
    return e && e->name ? e->name : "";
}

int tp_syscall(const struct tp_event *e, const char **syscall)
{
    if (!e || !e->syscall_kind) {
        if (syscall)
            *syscall = NULL;
        return 0;
    }
    if (syscall)
        *syscall = e->syscall;
    return e->syscall_kind;
}

/* tep_print_event picks the format by the payload's common_type (as perf
 * does), which is normally e itself; check the one it will use. */
static int printed_event_is_safe(const struct tp_set *s, const struct tp_event *e)
{
    struct tep_format_field *f = tep_find_common_field(e->ev, "common_type");
    unsigned long long type;
    const struct tp_event *used;

    if (!f || f->offset < 0 || f->size <= 0 || f->offset + f->size > 64 ||
        tep_read_number_field(f, s->scratch, &type) != 0)
        return 0;
    used = find_event(s, type, 1, 1);
    return !used || !used->print_raw;
}

void tp_format_fields(const struct tp_set *cs, const struct tp_event *e,
                      const uint8_t *raw, uint32_t raw_size, int cpu,
                      uint64_t time, struct sbuf *out)
{
    /* The set is logically const to callers; printing only touches the
     * lock-protected scratch state. */
    struct tp_set *s = (struct tp_set *)cs;
    struct tep_record rec;
    size_t n = raw_size;

    if (!s || !e || !raw)
        return;
    if (n > TP_SCRATCH_SIZE - 64)
        n = TP_SCRATCH_SIZE - 64;
    pthread_mutex_lock(&s->print_lock);
    if (event_ready(s, (struct tp_event *)e, 1, 1) != TP_PARSED) {
        pthread_mutex_unlock(&s->print_lock);
        return;
    }
    memcpy(s->scratch, raw, n);
    if (s->scratch_used > n)
        memset(s->scratch + n, 0, s->scratch_used - n);
    s->scratch_used = n;
    memset(&rec, 0, sizeof(rec));
    rec.ts = time;
    rec.cpu = cpu;
    rec.size = (int)n;
    rec.data = s->scratch;
    trace_seq_reset(&s->seq);
    tep_print_event(s->tep, &s->seq, &rec, "%s",
                    printed_event_is_safe(s, e) ? TEP_PRINT_INFO
                                                : TEP_PRINT_INFO_RAW);
    trace_seq_terminate(&s->seq);
    if (s->seq.buffer && s->seq.len)
        sbuf_add(out, s->seq.buffer, s->seq.len);
    pthread_mutex_unlock(&s->print_lock);
}

int tp_field_u64(const struct tp_set *s, const struct tp_event *e,
                 const uint8_t *raw, uint32_t raw_size, const char *field,
                 uint64_t *val)
{
    struct tep_format_field *f;
    unsigned long long v;

    if (!s || !e || !raw || !field ||
        event_ready((struct tp_set *)s, (struct tp_event *)e, 1, 0) != TP_PARSED)
        return -1;
    f = tep_find_any_field(e->ev, field);
    if (!f || f->offset < 0 || f->size <= 0 ||
        (uint64_t)f->offset + (uint64_t)f->size > raw_size)
        return -1;
    if (tep_read_number_field(f, raw, &v) != 0)
        return -1;
    *val = v;
    return 0;
}
