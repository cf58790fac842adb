/* export.c - WRITERS for other tools, shared part: turns the driver's
 * per-sample stream into locations (mapping + address, the inline chain the
 * driver resolved there as lines, with file:line) and time-ordered samples,
 * then joins them with the profile's folded names and test attribution.
 * export_pprof.c, export_speedscope.c and export_trace.c read the result. */
#include "export.h"

#include <stdlib.h>
#include <string.h>

#include "binary.h"
#include "symbolize.h"
#include "table.h"
#include "tracepoint.h"

#define UNSET UINT32_MAX

struct export_build {
    const struct profile_opts *o;
    /* Keys (mappings, locations, functions) interned as byte strings; the
     * value of key id k is slot[k]. */
    struct stack_set *keys;
    uint32_t *slot;
    size_t slot_cap;
    struct sbuf key;
    /* tid -> sample index of its pending sys_enter (+1; 0 = none) */
    struct stack_set *tids;
    uint64_t *pending;
    size_t pending_cap;
    uint32_t *ids;                /* scratch: a stack's locations */
    size_t ids_cap;
    size_t cap_mappings, cap_functions, cap_lines, cap_locations, cap_samples;
};

int export_format_parse(const char *s, enum export_format *out)
{
    static const char *const names[] = { "pprof", "speedscope", "trace" };
    for (size_t i = 0; i < SF_ARRAY_SIZE(names); i++)
        if (!strcmp(s, names[i])) {
            *out = (enum export_format)i;
            return 0;
        }
    return -1;
}

static uint32_t str_id(struct export *x, const char *s)
{
    return s ? stack_intern(x->strs, s, strlen(s)) : 0;
}

struct export *export_new(const struct profile_opts *o, const char *input_name)
{
    struct export *x = xcalloc(1, sizeof(*x));
    x->b = xcalloc(1, sizeof(*x->b));
    x->b->o = o;
    x->strs = stack_set_new();
    static const char *const fixed[EXPORT_S_NR] = {
        "", "syscalls", "count", "latency", "nanoseconds", "comm", "syscall", "event", "test",
    };
    for (size_t i = 0; i < EXPORT_S_NR; i++)
        stack_intern(x->strs, fixed[i], strlen(fixed[i]));
    struct sbuf title = SBUF_INIT;
    sbuf_addf(&title, "sysflame export of %s", input_name ? input_name : "-");
    x->title = str_id(x, sbuf_str(&title));
    sbuf_release(&title);
    x->stacks = stack_set_new();
    x->b->keys = stack_set_new();
    x->b->tids = stack_set_new();
    return x;
}

void export_free(struct export *x)
{
    if (!x)
        return;
    if (x->b) {
        stack_set_free(x->b->keys);
        stack_set_free(x->b->tids);
        free(x->b->slot);
        free(x->b->pending);
        free(x->b->ids);
        sbuf_release(&x->b->key);
        free(x->b);
    }
    stack_set_free(x->strs);
    stack_set_free(x->stacks);
    free(x->mappings);
    free(x->functions);
    free(x->lines);
    free(x->locations);
    free(x->samples);
    free(x->tests);
    free(x);
}

/* The value slot of the key built in b->key (UNSET when new). */
static uint32_t *key_slot(struct export_build *b)
{
    uint32_t id = stack_intern(b->keys, b->key.buf, b->key.len);
    if (id >= b->slot_cap) {
        size_t old = b->slot_cap;
        b->slot = xgrow(b->slot, sizeof(*b->slot), (size_t)id + 1, &b->slot_cap);
        for (size_t i = old; i < b->slot_cap; i++)
            b->slot[i] = UNSET;
    }
    return &b->slot[id];
}

static void key_start(struct export_build *b, char tag)
{
    sbuf_reset(&b->key);
    sbuf_addch(&b->key, tag);
}

static void key_u64(struct export_build *b, uint64_t v)
{
    sbuf_add(&b->key, &v, sizeof(v));
}

static void key_str(struct export_build *b, const char *s)
{
    if (s)
        sbuf_add(&b->key, s, strlen(s) + 1);
    else
        sbuf_addch(&b->key, 1);   /* NULL differs from "" */
}

/* ---- locations ---- */

static uint32_t add_location(struct export *x, uint32_t mapping, uint64_t address)
{
    struct export_build *b = x->b;
    x->locations = xgrow(x->locations, sizeof(*x->locations), x->nr_locations + 1,
                         &b->cap_locations);
    struct export_location *l = &x->locations[x->nr_locations];
    l->mapping = mapping;
    l->address = address;
    l->first_line = (uint32_t)x->nr_lines;
    l->nr_lines = 0;
    return (uint32_t)x->nr_locations++;
}

static void add_line(struct export *x, uint32_t loc, const char *raw_name, const char *file,
                     int64_t line, int64_t start_line)
{
    x->lines = xgrow(x->lines, sizeof(*x->lines), x->nr_lines + 1, &x->b->cap_lines);
    x->lines[x->nr_lines++] = (struct export_line){
        .function = UNSET, .line = line, .raw_name = str_id(x, raw_name),
        .file = str_id(x, file), .start_line = start_line,
    };
    x->locations[loc].nr_lines++;
}

/* A frame without an address of its own: "[truncated]" (or another
 * unwind_stop_mark), the leaf (whose
 * system name is its event's, so a syscall "write" and libc's write()
 * stay two functions). */
static uint32_t pseudo_location(struct export *x, const char *name, const char *system_name)
{
    struct export_build *b = x->b;
    key_start(b, 'P');
    key_str(b, name);
    key_str(b, system_name);
    uint32_t *slot = key_slot(b);
    if (*slot == UNSET) {
        uint32_t loc = add_location(x, 0, 0);
        add_line(x, loc, system_name, NULL, 0, 0);
        *slot = loc;
    }
    return *slot;
}

static const struct sess_map *find_map(const struct sess_maps *maps, const struct frame_out *f)
{
    if (!maps || !f->dso)
        return NULL;
    for (size_t i = 0; i < maps->nr; i++) {
        const struct sess_map *m = maps->maps[i];
        if ((m->filename == f->dso || !strcmp(m->filename, f->dso)) &&
            f->addr >= m->pgoff && f->addr - m->pgoff < m->end - m->start)
            return m;
    }
    return NULL;
}

static uint32_t mapping_for(struct export *x, const struct sess_map *m,
                            const struct binary *bin)
{
    struct export_build *b = x->b;
    key_start(b, 'M');
    key_str(b, m->filename);
    key_u64(b, m->start);
    key_u64(b, m->end);
    key_u64(b, m->pgoff);
    sbuf_add(&b->key, m->build_id, m->build_id_size);
    uint32_t *slot = key_slot(b);
    if (*slot != UNSET)
        return *slot;
    struct export_mapping mp = { .start = m->start, .limit = m->end, .offset = m->pgoff };
    char *abs = bin ? realpath(binary_path(bin), NULL) : NULL;
    mp.file = str_id(x, abs ? abs : bin ? binary_path(bin) : m->filename);
    free(abs);
    /* the capture's build-id (perf --buildid-mmap), else the GNU build-id
     * of the binary used for it (a Go binary has none, as in Go's own
     * profiles) */
    size_t n = m->build_id_size;
    const uint8_t *id = m->build_id;
    if (!n && bin)
        id = binary_build_id(bin, &n);
    char hex[2 * 20 + 1];
    n = id ? SF_MIN(n, (size_t)20) : 0;
    for (size_t i = 0; i < n; i++)
        snprintf(hex + 2 * i, 3, "%02x", id[i]);
    hex[2 * n] = '\0';
    mp.build_id = str_id(x, hex);
    mp.symbolized = bin != NULL;
    x->mappings = xgrow(x->mappings, sizeof(*x->mappings), x->nr_mappings + 1,
                        &b->cap_mappings);
    x->mappings[x->nr_mappings] = mp;
    *slot = (uint32_t)x->nr_mappings++;
    return *slot;
}

/* The line of the first instruction of the function f (physical) is in:
 * the line of its declaration for Go (the prologue is attributed to it)
 * and, near enough, for C.  0 if unknown. */
static int64_t start_line(const struct frame_out *f, const struct sess_map *m, uint64_t pc)
{
    uint64_t vaddr;
    struct sym_frame s;
    if (!f->bin || !f->has_offset || binary_to_vaddr(f->bin, m, pc, &vaddr) < 0)
        return 0;
    /* symbolize() takes the binary to cache in it; it is thread-safe */
    struct binary *bin = (struct binary *)(uintptr_t)f->bin;
    if (symbolize(bin, vaddr - f->offset, 0, 1, &s, 1) == 1 && s.name && s.line > 0)
        return s.line;
    return 0;
}

/* A location of one frame alone (no mapping, or an inline chain cut short
 * by the frame limit). */
static uint32_t single_location(struct export *x, uint32_t mapping, uint64_t address,
                                const struct frame_out *f)
{
    struct export_build *b = x->b;
    key_start(b, 'S');
    key_u64(b, mapping);
    key_u64(b, address);
    key_str(b, f->name);
    key_str(b, f->dso);
    uint32_t *slot = key_slot(b);
    if (*slot == UNSET) {
        uint32_t loc = add_location(x, mapping, address);
        add_line(x, loc, f->name, NULL, 0, 0);
        *slot = loc;
    }
    return *slot;
}

/* The location of frames[i] and of the frames inlined at its address
 * that follow it (the driver's inline chain: inline_depth counts down to
 * the physical frame, 0); *used = how many frames it covers. */
static uint32_t frame_location(struct export *x, const struct sess_sample *ss,
                               const struct frame_out *frames, size_t i, size_t nr,
                               size_t *used)
{
    struct export_build *b = x->b;
    const struct frame_out *f = &frames[i];
    *used = 1;
    const struct sess_map *m = f->kernel ? NULL : find_map(ss->maps, f);
    if (!m)
        return single_location(x, 0, f->addr, f);
    uint32_t mapping = mapping_for(x, m, f->bin);
    uint64_t pc = f->addr - m->pgoff + m->start;
    size_t n = (size_t)(f->inline_depth > 0 ? f->inline_depth : 0) + 1;
    if (i + n > nr || frames[i + n - 1].inline_depth != 0 || frames[i + n - 1].addr != f->addr)
        return single_location(x, mapping + 1, pc, f);
    key_start(b, 'G');
    key_u64(b, mapping);
    key_u64(b, pc);
    uint32_t *slot = key_slot(b);
    if (*slot != UNSET) {
        /* the same address always resolves to the same chain */
        if (x->locations[*slot].nr_lines != n)
            return single_location(x, mapping + 1, pc, f);
        *used = n;
        return *slot;
    }
    uint32_t loc = add_location(x, mapping + 1, pc);
    *slot = loc;
    for (size_t k = 0; k < n; k++) {
        const struct frame_out *g = &frames[i + k];
        add_line(x, loc, g->name, g->file, g->line > 0 ? g->line : 0,
                 g->inline_depth == 0 ? start_line(g, m, pc) : 0);
    }
    *used = n;
    return loc;
}

static uint64_t *pending_slot(struct export_build *b, uint32_t tid)
{
    uint32_t id = stack_intern(b->tids, (const char *)&tid, sizeof(tid));
    if (id >= b->pending_cap) {
        size_t old = b->pending_cap;
        b->pending = xgrow(b->pending, sizeof(*b->pending), (size_t)id + 1, &b->pending_cap);
        memset(b->pending + old, 0, (b->pending_cap - old) * sizeof(*b->pending));
    }
    return &b->pending[id];
}

int export_sample(void *arg, const struct sess_sample *ss,
                  const struct profile_sample *ps, struct sf_err *err)
{
    struct export *x = arg;
    struct export_build *b = x->b;
    const struct profile_opts *o = b->o;
    const struct ev_sample *s = ss->sample;
    (void)err;
    const char *sc = NULL;
    int kind = ss->tp ? tp_syscall(ss->tp, &sc) : 0;
    if (kind == 2) {
        /* Paired as the driver pairs them for top's latency columns: the
         * thread's last kept entry, if it is the same syscall. */
        x->saw_exit = 1;
        uint64_t *pend = pending_slot(b, s->idn.tid);
        if (*pend) {
            struct export_sample *e = &x->samples[*pend - 1];
            if (!strcmp(stack_name(x->strs, e->name), sc)) {
                e->has_exit = 1;
                e->latency = s->idn.time >= e->time ? s->idn.time - e->time : 0;
            }
            *pend = 0;
        }
        /* Exit samples stay out of stacks unless asked for by name. */
        if (!o->events.n)
            return 0;
    }

    /* Locations root first: the cut's mark ([truncated]), frames, leaf. */
    size_t n = 0, need = ps->nr_frames + 3;
    b->ids = xgrow(b->ids, sizeof(*b->ids), need, &b->ids_cap);
    const char *mark = unwind_stop_mark(ps->stop);
    if (ps->startup)
        b->ids[n++] = pseudo_location(x, UNWIND_STARTUP_MARK, UNWIND_STARTUP_MARK);
    if (mark)
        b->ids[n++] = pseudo_location(x, mark, mark);
    size_t first_frame = n;
    for (size_t i = 0; i < ps->nr_frames;) {
        if (ps->frames[i].kernel && !o->kernel) {
            i++;
            continue;
        }
        size_t used;
        b->ids[n++] = frame_location(x, ss, ps->frames, i, ps->nr_frames, &used);
        i += used;
    }
    /* innermost first -> root first */
    for (size_t lo = first_frame, hi = n; hi > lo + 1; lo++, hi--) {
        uint32_t t = b->ids[lo];
        b->ids[lo] = b->ids[hi - 1];
        b->ids[hi - 1] = t;
    }
    const char *event = ss->event_name ? ss->event_name : "[event]";
    const char *leaf = ps->syscall ? ps->syscall : event;
    if (!o->no_leaf)
        b->ids[n++] = pseudo_location(x, leaf, event);

    x->samples = xgrow(x->samples, sizeof(*x->samples), x->nr_samples + 1, &b->cap_samples);
    struct export_sample *e = &x->samples[x->nr_samples++];
    memset(e, 0, sizeof(*e));
    e->time = s->idn.time;
    e->pid = s->idn.pid;
    e->tid = s->idn.tid;
    e->comm = str_id(x, ss->comm ? ss->comm : "");
    e->name = str_id(x, leaf);
    e->is_syscall = ps->syscall != NULL;
    e->stack = stack_add(x->stacks, b->ids, n, 1);
    if (kind == 1)
        *pending_slot(b, s->idn.tid) = x->nr_samples;
    return 0;
}

/* ---- joining with the profile ---- */

static uint32_t function_for(struct export *x, uint32_t fold_name, const struct export_line *l)
{
    struct export_build *b = x->b;
    key_start(b, 'F');
    key_u64(b, fold_name);
    key_u64(b, l->raw_name);
    key_u64(b, l->file);
    uint32_t *slot = key_slot(b);
    if (*slot == UNSET) {
        x->functions = xgrow(x->functions, sizeof(*x->functions), x->nr_functions + 1,
                             &b->cap_functions);
        x->functions[x->nr_functions] = (struct export_function){
            .name = fold_name, .system_name = l->raw_name ? l->raw_name : fold_name,
            .file = l->file,
        };
        *slot = (uint32_t)x->nr_functions++;
    }
    struct export_function *fn = &x->functions[*slot];
    if (!fn->start_line && l->start_line)
        fn->start_line = l->start_line;
    return *slot;
}

int export_finish(struct export *x, const struct profile *p, struct sf_err *err)
{
    size_t nr_runs = stack_nr_runs(p->stacks);
    const struct stack_run *runs = stack_runs(p->stacks);
    size_t nr_fold = stack_nr_stacks(p->stacks);
    uint32_t *test_of = xcalloc(nr_fold ? nr_fold : 1, sizeof(*test_of));
    struct sbuf name = SBUF_INIT;
    size_t r = 0;
    uint64_t used = 0;
    int rc = 0;
    for (size_t i = 0; i < x->nr_samples && rc == 0; i++) {
        struct export_sample *e = &x->samples[i];
        while (r < nr_runs && used == runs[r].count) {
            r++;
            used = 0;
        }
        if (r == nr_runs) {
            rc = sf_error(err, "export: more samples than stacks (%zu of %zu)", i,
                          x->nr_samples);
            break;
        }
        used++;
        uint32_t fold_id = runs[r].stack_id;
        struct stack_view v, locs;
        stack_get(p->stacks, fold_id, &v);
        stack_get(x->stacks, e->stack, &locs);
        if (!test_of[fold_id]) {
            stack_attribute(p->stacks, &v, &name, NULL);
            test_of[fold_id] = str_id(x, sbuf_str(&name)) + 1;
        }
        e->test = test_of[fold_id] - 1;
        /* frame 0 is the comm; then every location's lines, outermost
         * (the physical function) first */
        uint32_t at = 1;
        for (uint32_t k = 0; k < locs.nr && rc == 0; k++) {
            const struct export_location *l = &x->locations[locs.frames[k]];
            if (at + l->nr_lines > v.nr) {
                rc = sf_error(err, "export: a stack has more frames than its folded form");
                break;
            }
            for (uint32_t j = 0; j < l->nr_lines; j++) {
                struct export_line *ln = &x->lines[l->first_line + l->nr_lines - 1 - j];
                if (ln->function == UNSET) {
                    const char *fold = stack_name(p->stacks, v.frames[at + j]);
                    ln->function = function_for(x, str_id(x, fold), ln);
                }
            }
            at += l->nr_lines;
        }
        if (rc == 0 && at != v.nr)
            rc = sf_error(err, "export: a stack has fewer frames than its folded form");
    }
    if (rc == 0 && (r + 1 < nr_runs || (r < nr_runs && used != runs[r].count)))
        rc = sf_error(err, "export: fewer samples than stacks");
    /* Lines never reached (cannot happen when the above holds) keep a
     * function of their own name. */
    for (size_t i = 0; rc == 0 && i < x->nr_lines; i++)
        if (x->lines[i].function == UNSET)
            x->lines[i].function = function_for(x, x->lines[i].raw_name, &x->lines[i]);
    x->duration_ns = (uint64_t)(p->duration_s * 1e9);
    for (size_t i = 0; i < p->nr_test_times; i++) {
        const struct test_time *t = &p->test_times[i];
        if (!t->start || !t->end || !t->pid)
            continue;
        x->tests = xrealloc(x->tests, (x->nr_tests + 1) * sizeof(*x->tests));
        x->tests[x->nr_tests++] = (struct export_test){
            .name = str_id(x, t->name), .result = str_id(x, t->result), .pid = t->pid,
            .start = t->start, .end = t->end, .wall_s = t->wall_s,
        };
    }
    sbuf_release(&name);
    free(test_of);
    return rc;
}
