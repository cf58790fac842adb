/* export_trace.c - WRITER of the Chrome trace-event JSON that Perfetto's UI
 * and chrome://tracing load: one track per thread (thread_name and
 * process_name metadata), each syscall sample an instant event at its time,
 * or a complete ("X") event lasting to its paired sys_exit when the capture
 * has exit events; stacks as a shared stackFrames tree ("sf") and, for
 * viewers that show only args, as args.stack (innermost first, with
 * file:line).  With the run windows of a record folder, each Go test is a
 * complete event (cat "test") on a track of its own in its test process,
 * so that parallel tests' overlapping windows stay visible. */
#include "config.h"

#include "export.h"

#include <stdlib.h>
#include <string.h>

#include "writer.h"

static void ts_field(struct jsonw *j, const char *name, uint64_t ns)
{
    jsonw_float_field(j, name, (double)ns / 1000.0, 3);   /* microseconds */
}

/* Test tracks' thread ids: above any Linux tid (pid_max <= 2^22). */
#define TEST_TID_BASE 0x40000000u

static void meta_name(struct jsonw *j, const char *what, uint32_t pid, uint32_t tid,
                      const char *name)
{
    jsonw_start_object(j);
    jsonw_string_field(j, "ph", "M");
    jsonw_string_field(j, "name", what);
    jsonw_uint_field(j, "pid", pid);
    jsonw_uint_field(j, "tid", tid);
    jsonw_name(j, "args");
    jsonw_start_object(j);
    jsonw_string_field(j, "name", name);
    jsonw_end_object(j);
    jsonw_end_object(j);
}

/* Whether key (n bytes) is new to set (and now in it). */
static int first_time(struct stack_set *set, const void *key, size_t n)
{
    size_t before = stack_nr_names(set);
    stack_intern(set, (const char *)key, n);
    return stack_nr_names(set) != before;
}

/* Each test's run window: a track of its own, named by the test. */
static void write_tests(const struct export *x, struct jsonw *j, struct stack_set *threads)
{
    for (size_t i = 0; i < x->nr_tests; i++) {
        const struct export_test *t = &x->tests[i];
        uint32_t tid = TEST_TID_BASE + (uint32_t)i;
        const char *name = stack_name(x->strs, t->name);
        if (first_time(threads, &t->pid, sizeof(t->pid)))
            meta_name(j, "process_name", t->pid, tid, "tests");
        meta_name(j, "thread_name", t->pid, tid, name);
        jsonw_start_object(j);
        jsonw_string_field(j, "name", name);
        jsonw_string_field(j, "cat", "test");
        jsonw_string_field(j, "ph", "X");
        ts_field(j, "ts", t->start);
        ts_field(j, "dur", t->end - t->start);
        jsonw_uint_field(j, "pid", t->pid);
        jsonw_uint_field(j, "tid", tid);
        jsonw_name(j, "args");
        jsonw_start_object(j);
        jsonw_string_field(j, "result", stack_name(x->strs, t->result));
        if (t->wall_s >= 0)
            jsonw_float_field(j, "wall_s", t->wall_s, 3);
        else
            jsonw_null_field(j, "wall_s");
        jsonw_end_object(j);
        jsonw_end_object(j);
    }
}

static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

/* Node ids of the stackFrames tree: one per (parent, function), 1-based. */
struct frame_tree {
    struct stack_set *nodes;      /* key: parent, function, location */
};

static uint32_t tree_node(struct frame_tree *t, uint32_t parent, uint32_t function,
                          uint32_t *is_new)
{
    uint32_t key[2] = { parent, function };
    size_t before = stack_nr_names(t->nodes);
    uint32_t id = stack_intern(t->nodes, (const char *)key, sizeof(key)) + 1;
    *is_new = stack_nr_names(t->nodes) != before;
    return id;
}

int export_write_trace(const struct export *x, FILE *out, const char *name,
                       struct sf_err *err)
{
    struct jsonw *j = jsonw_new(out, 0);
    struct frame_tree tree = { stack_set_new() };
    struct stack_set *threads = stack_set_new();
    /* stackFrames entries: node -> (parent, location of its line, line) */
    struct node { uint32_t parent, loc, line; } *nodes = NULL;
    size_t nodes_cap = 0;
    uint32_t *leaf_node = xcalloc(stack_nr_stacks(x->stacks) + 1, sizeof(*leaf_node));
    struct sbuf frame = SBUF_INIT;

    jsonw_start_object(j);
    jsonw_string_field(j, "displayTimeUnit", "ns");
    jsonw_name(j, "otherData");
    jsonw_start_object(j);
    jsonw_string_field(j, "exporter", "sysflame " PACKAGE_VERSION);
    jsonw_string_field(j, "title", stack_name(x->strs, x->title));
    jsonw_end_object(j);
    jsonw_name(j, "traceEvents");
    jsonw_start_array(j);
    for (size_t i = 0; i < x->nr_samples; i++) {
        const struct export_sample *e = &x->samples[i];
        uint32_t key[2] = { e->pid, e->tid };
        if (first_time(threads, key, sizeof(key))) {
            /* The first sample of a thread names its track, the first of a
             * process the process. */
            const char *comm = stack_name(x->strs, e->comm);
            if (first_time(threads, &e->pid, sizeof(e->pid)))
                meta_name(j, "process_name", e->pid, e->tid, comm);
            meta_name(j, "thread_name", e->pid, e->tid, comm);
        }

        struct stack_view locs;
        stack_get(x->stacks, e->stack, &locs);
        if (!leaf_node[e->stack]) {
            uint32_t parent = 0;
            for (uint32_t a = 0; a < locs.nr; a++) {
                const struct export_location *l = &x->locations[locs.frames[a]];
                for (uint32_t b = l->nr_lines; b-- > 0;) {
                    uint32_t line = l->first_line + b, is_new;
                    uint32_t id = tree_node(&tree, parent, x->lines[line].function, &is_new);
                    if (is_new) {
                        nodes = xgrow(nodes, sizeof(*nodes), id, &nodes_cap);
                        nodes[id - 1] = (struct node){ parent, locs.frames[a], line };
                    }
                    parent = id;
                }
            }
            leaf_node[e->stack] = parent + 1;
        }

        jsonw_start_object(j);
        jsonw_string_field(j, "name", stack_name(x->strs, e->name));
        jsonw_string_field(j, "cat", e->is_syscall ? "syscall" : "event");
        jsonw_string_field(j, "ph", e->has_exit ? "X" : "i");
        ts_field(j, "ts", e->time);
        if (e->has_exit)
            ts_field(j, "dur", e->latency);
        else
            jsonw_string_field(j, "s", "t");
        jsonw_uint_field(j, "pid", e->pid);
        jsonw_uint_field(j, "tid", e->tid);
        if (leaf_node[e->stack] > 1)
            jsonw_uint_field(j, "sf", leaf_node[e->stack] - 1);
        jsonw_name(j, "args");
        jsonw_start_object(j);
        jsonw_string_field(j, "comm", stack_name(x->strs, e->comm));
        jsonw_string_field(j, "test", stack_name(x->strs, e->test));
        jsonw_name(j, "stack");
        jsonw_start_array(j);
        for (uint32_t a = locs.nr; a-- > 0;) {            /* innermost first */
            const struct export_location *l = &x->locations[locs.frames[a]];
            for (uint32_t b = 0; b < l->nr_lines; b++) {
                const struct export_line *ln = &x->lines[l->first_line + b];
                const struct export_function *f = &x->functions[ln->function];
                sbuf_reset(&frame);
                sbuf_addstr(&frame, stack_name(x->strs, f->name));
                if (f->file && ln->line > 0)
                    sbuf_addf(&frame, " %s:%lld", stack_name(x->strs, f->file),
                              (long long)ln->line);
                jsonw_string(j, sbuf_str(&frame));
            }
        }
        jsonw_end_array(j);
        jsonw_end_object(j);
        jsonw_end_object(j);
    }
    write_tests(x, j, threads);
    jsonw_end_array(j);

    jsonw_name(j, "stackFrames");
    jsonw_start_object(j);
    char id[32];
    for (size_t n = 0; n < stack_nr_names(tree.nodes); n++) {
        const struct node *nd = &nodes[n];
        const struct export_location *l = &x->locations[nd->loc];
        const struct export_line *ln = &x->lines[nd->line];
        const struct export_function *f = &x->functions[ln->function];
        snprintf(id, sizeof(id), "%zu", n + 1);
        jsonw_name(j, id);
        jsonw_start_object(j);
        sbuf_reset(&frame);
        sbuf_addstr(&frame, stack_name(x->strs, f->name));
        jsonw_string_field(j, "name", sbuf_str(&frame));
        jsonw_string_field(j, "category",
                           l->mapping ? base_name(stack_name(x->strs,
                                                             x->mappings[l->mapping - 1].file))
                                      : "sysflame");
        if (nd->parent) {
            snprintf(id, sizeof(id), "%u", nd->parent);
            jsonw_string_field(j, "parent", id);
        }
        jsonw_end_object(j);
    }
    jsonw_end_object(j);
    jsonw_end_object(j);
    fputc('\n', out);
    jsonw_free(j);
    sbuf_release(&frame);
    free(nodes);
    free(leaf_node);
    stack_set_free(tree.nodes);
    stack_set_free(threads);
    if (ferror(out))
        return sf_error(err, "'%s': write error", name);
    return 0;
}
