/* naming.c - frame naming (see naming.h). */
#include "naming.h"

#include <stdlib.h>
#include <string.h>

#include "binary.h"
#include "ptrcache.h"

/* Folded names by identity of what makes them: a frame's name is a pure
 * function of (symbol name, dso, kernel, inlined) pointers and flags
 * without --addrs, and those pointers (pclntab, ELF string tables, the
 * session's interned paths) are stable for one capture.  A hit skips
 * building, tidying and hashing the name twice (strtab and stack_set). */

/* Folded frame names follow stackcollapse-perf.pl's tidying, so that
 * `sysflame script | stackcollapse-perf.pl --all` and `sysflame fold` agree:
 * ';' becomes ':', quotes go, and outside Go method names ("pkg.(*T).M")
 * everything from the first '(' on is argument noise.  Line breaks become
 * spaces so a name can never end a folded line. */
static int is_go_method(const char *name)
{
    const char *open = strstr(name, ".(");
    return open && strstr(open + 2, ").") != NULL;
}

static const char *clean_name(struct namer *nm, const char *name)
{
    if (!strpbrk(name, ";\n\r\"'("))
        return name;
    int keep_parens = is_go_method(name);
    sbuf_reset(&nm->clean);
    for (const char *c = name; *c; c++) {
        if (*c == '(' && !keep_parens && strncmp(c, "(anonymous namespace)", 21) != 0)
            break;
        if (*c == '"' || *c == '\'')
            continue;
        sbuf_addch(&nm->clean, (*c == ';') ? ':' : (*c == '\n' || *c == '\r') ? ' ' : *c);
    }
    if (nm->clean.len == 0)
        sbuf_addstr(&nm->clean, "[unknown]");
    return strtab_intern(nm->strings, sbuf_str(&nm->clean));
}

/* stackcollapse-perf.pl --all marks frames of "[...]" modules (kernel,
 * vdso) with _[k]. */
static int bracket_module(const char *dso)
{
    return dso && dso[0] == '[' && !strstr(dso, "unknown");
}

/* A user frame of a file whose binary was not found (or refused): the
 * recorded path names a file, not an anonymous or special mapping. */
static int binary_missing(const struct frame_out *f)
{
    return !f->kernel && !f->bin && f->dso && f->dso[0] == '/' && f->dso[1] != '/' &&
           strncmp(f->dso, "/memfd:", 7) != 0 && strncmp(f->dso, "/dev/", 5) != 0;
}

static const char *frame_name(struct namer *nm, const struct frame_out *f)
{
    int annotate = !f->inlined && (f->kernel || bracket_module(f->dso));
    const char *name = f->name;
    sbuf_reset(&nm->tmp);
    if (!name) {
        /* stackcollapse-perf.pl names unknown frames after their module;
         * a module whose binary is missing says so ("[pkg.test]" would be
         * taken for C code). */
        const char *base = f->dso ? strrchr(f->dso, '/') : NULL;
        base = base ? base + 1 : f->dso;
        if (!base || !*base || strstr(f->dso, "unknown"))
            base = "unknown";
        const char *what = binary_missing(f) ? NAMING_MISSING_PREFIX : "";
        if (nm->addrs)
            sbuf_addf(&nm->tmp, "[%s%s <%llx>]", what, base, (unsigned long long)f->addr);
        else
            sbuf_addf(&nm->tmp, "[%s%s]", what, base);
    } else {
        sbuf_addstr(&nm->tmp, clean_name(nm, name));
        if (nm->addrs && f->has_offset)
            sbuf_addf(&nm->tmp, "+0x%llx", (unsigned long long)f->offset);
    }
    if (annotate)
        sbuf_addstr(&nm->tmp, "_[k]");
    return strtab_intern(nm->strings, sbuf_str(&nm->tmp));
}

static uint32_t name_id(struct namer *nm, const char *name)
{
    return stack_intern(nm->stacks, name, strlen(name));
}

/* stackcollapse-perf.pl turns spaces in the comm into underscores. */
static uint32_t comm_id(struct namer *nm, const char *comm)
{
    if (!strpbrk(comm, " ;"))
        return name_id(nm, comm);
    struct sbuf *b = &nm->clean;
    sbuf_reset(b);
    for (const char *c = comm; *c; c++)
        sbuf_addch(b, *c == ' ' ? '_' : *c == ';' ? ':' : *c);
    return name_id(nm, sbuf_str(b));
}

/* Keeps what frame f was made from, when name id `id` has nothing yet. */
static void frame_note(struct namer *nm, uint32_t id, const struct frame_out *f)
{
    struct frame_table *t = nm->frames;
    if (!t || (id < t->nr && t->v[id].kind != FRAME_NONE))
        return;
    if (id >= t->nr) {
        t->v = xgrow(t->v, sizeof(*t->v), (size_t)id + 1, &t->cap);
        memset(t->v + t->nr, 0, ((size_t)id + 1 - t->nr) * sizeof(*t->v));
        t->nr = (size_t)id + 1;
    }
    struct frame_info *fi = &t->v[id];
    fi->kind = f->kernel ? FRAME_KERNEL : FRAME_USER;
    fi->function = f->name ? strtab_intern(nm->strings, f->name) : NULL;
    fi->file = f->file ? strtab_intern(nm->strings, f->file) : NULL;
    fi->line = f->line;
    fi->binary = f->dso ? strtab_intern(nm->strings, f->dso) : NULL;
    size_t len = 0;
    const uint8_t *bid = f->bin ? binary_build_id(f->bin, &len) : NULL;
    char hex[2 * 64 + 1];
    len = bid ? SF_MIN(len, (size_t)64) : 0;
    for (size_t i = 0; i < len; i++) {
        hex[2 * i] = "0123456789abcdef"[bid[i] >> 4];
        hex[2 * i + 1] = "0123456789abcdef"[bid[i] & 15];
    }
    hex[2 * len] = '\0';
    fi->build_id = strtab_intern(nm->strings, hex);
    fi->addr = f->addr;
    fi->inlined = f->inlined != 0;
    fi->inline_depth = f->inline_depth;
}

static uint32_t frame_id(struct namer *nm, const struct frame_out *f)
{
    if (nm->addrs) {
        uint32_t id = name_id(nm, frame_name(nm, f));
        frame_note(nm, id, f);
        return id;
    }
    uint32_t tag = 4 | (f->kernel ? 8u : 0) | (f->inlined ? 16u : 0) | (f->bin ? 0 : 32u);
    struct ptr_slot *slot = ptrcache_slot(&nm->cache, f->name, f->dso, tag);
    if (!slot->tag) {
        slot->id = name_id(nm, frame_name(nm, f));
        slot->tag = tag;
        frame_note(nm, slot->id, f);
    }
    return slot->id;
}

/* Names the stack, root first (comm, [truncated], frames..., leaf), and
 * adds it once. */
uint32_t namer_stack(struct namer *nm, const struct stack_ctx *c,
                     const struct frame_out *frames, size_t nr, size_t *depth_out)
{
    size_t need = nr + 5;   /* comm, phase, cut, leaf, event */
    nm->ids = xgrow(nm->ids, sizeof(*nm->ids), need, &nm->ids_cap);
    size_t n = 0;
    if (nm->comm_label) {
        nm->ids[n++] = name_id(nm, nm->comm_label);
    } else if (nm->with_tid) {
        sbuf_reset(&nm->tmp);
        sbuf_addf(&nm->tmp, "%s-%u/%u", c->comm, c->pid, c->tid);
        nm->ids[n++] = comm_id(nm, sbuf_str(&nm->tmp));
    } else if (nm->with_pid) {
        sbuf_reset(&nm->tmp);
        sbuf_addf(&nm->tmp, "%s-%u", c->comm, c->pid);
        nm->ids[n++] = comm_id(nm, sbuf_str(&nm->tmp));
    } else {
        struct ptr_slot *s = ptrcache_slot(&nm->cache, c->comm, NULL, 1);
        if (!s->tag) {
            s->id = comm_id(nm, c->comm);
            s->tag = 1;
        }
        nm->ids[n++] = s->id;
    }
    if (c->phase)
        nm->ids[n++] = name_id(nm, c->phase);
    if (c->cut)
        nm->ids[n++] = name_id(nm, c->cut);
    size_t depth = 0;
    for (size_t i = nr; i-- > 0;) {
        const struct frame_out *f = &frames[i];
        if (f->gap || (f->kernel && !nm->kernel))
            continue;
        nm->ids[n++] = frame_id(nm, f);
        depth++;
    }
    if (nm->no_leaf)
        ;
    else if (c->syscall) {
        struct ptr_slot *s = ptrcache_slot(&nm->cache, c->syscall, NULL, 2);
        if (!s->tag) {
            s->id = name_id(nm, c->syscall);
            s->tag = 2;
        }
        nm->ids[n++] = s->id;
    } else {
        nm->ids[n++] = name_id(nm, clean_name(nm, c->event_name ? c->event_name : "[event]"));
    }
    *depth_out = depth;
    return stack_add(nm->stacks, nm->ids, n, 1);
}

void namer_begin_capture(struct namer *nm)
{
    ptrcache_reset(nm->cache);
}

void namer_release(struct namer *nm)
{
    free(nm->cache);
    free(nm->ids);
    sbuf_release(&nm->tmp);
    sbuf_release(&nm->clean);
    nm->cache = NULL;
    nm->ids = NULL;
    nm->ids_cap = 0;
}
