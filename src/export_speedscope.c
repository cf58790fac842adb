/* export_speedscope.c - WRITER of speedscope's file format (its published
 * JSON schema, https://www.speedscope.app/file-format-schema.json): one
 * frame per function in the shared table (name, file, start line), one
 * sampled profile per thread with its samples in time order, so the time
 * order and left heavy views both work. */
#include "config.h"

#include "export.h"

#include <stdlib.h>
#include <string.h>

#include "writer.h"

/* Thread of each sample (dense ids in first-seen order) and the samples of
 * each thread, in time order. */
struct threads {
    struct stack_set *ids;        /* key: pid, tid */
    uint32_t *of_sample;
    size_t *first, *order;        /* order[first[t] .. first[t + 1]) */
    uint32_t *last_comm;
    size_t n;
};

static void threads_build(const struct export *x, struct threads *t)
{
    memset(t, 0, sizeof(*t));
    t->ids = stack_set_new();
    t->of_sample = xcalloc(x->nr_samples ? x->nr_samples : 1, sizeof(*t->of_sample));
    for (size_t i = 0; i < x->nr_samples; i++) {
        uint32_t key[2] = { x->samples[i].pid, x->samples[i].tid };
        t->of_sample[i] = stack_intern(t->ids, (const char *)key, sizeof(key));
    }
    t->n = stack_nr_names(t->ids);
    t->first = xcalloc(t->n + 1, sizeof(*t->first));
    t->last_comm = xcalloc(t->n ? t->n : 1, sizeof(*t->last_comm));
    for (size_t i = 0; i < x->nr_samples; i++) {
        t->first[t->of_sample[i] + 1]++;
        t->last_comm[t->of_sample[i]] = x->samples[i].comm;
    }
    for (size_t k = 0; k < t->n; k++)
        t->first[k + 1] += t->first[k];
    size_t *fill = xcalloc(t->n ? t->n : 1, sizeof(*fill));
    t->order = xcalloc(x->nr_samples ? x->nr_samples : 1, sizeof(*t->order));
    for (size_t i = 0; i < x->nr_samples; i++) {
        uint32_t k = t->of_sample[i];
        t->order[t->first[k] + fill[k]++] = i;
    }
    free(fill);
}

static void threads_release(struct threads *t)
{
    stack_set_free(t->ids);
    free(t->of_sample);
    free(t->first);
    free(t->order);
    free(t->last_comm);
}

static void thread_key(const struct threads *t, size_t k, uint32_t *pid, uint32_t *tid)
{
    uint32_t key[2];
    memcpy(key, stack_name(t->ids, (uint32_t)k), sizeof(key));
    *pid = key[0];
    *tid = key[1];
}

int export_write_speedscope(const struct export *x, FILE *out, const char *name,
                            struct sf_err *err)
{
    struct jsonw *j = jsonw_new(out, 0);
    jsonw_start_object(j);
    jsonw_string_field(j, "$schema", "https://www.speedscope.app/file-format-schema.json");
    jsonw_string_field(j, "name", stack_name(x->strs, x->title));
    jsonw_string_field(j, "exporter", "sysflame " PACKAGE_VERSION);
    jsonw_uint_field(j, "activeProfileIndex", 0);
    jsonw_name(j, "shared");
    jsonw_start_object(j);
    jsonw_name(j, "frames");
    jsonw_start_array(j);
    for (size_t i = 0; i < x->nr_functions; i++) {
        const struct export_function *f = &x->functions[i];
        jsonw_start_object(j);
        jsonw_string_field(j, "name", stack_name(x->strs, f->name));
        if (f->file)
            jsonw_string_field(j, "file", stack_name(x->strs, f->file));
        if (f->start_line > 0)
            jsonw_int_field(j, "line", f->start_line);
        jsonw_end_object(j);
    }
    jsonw_end_array(j);
    jsonw_end_object(j);

    struct threads t;
    threads_build(x, &t);
    struct sbuf title = SBUF_INIT;
    jsonw_name(j, "profiles");
    jsonw_start_array(j);
    for (size_t k = 0; k < t.n; k++) {
        uint32_t pid, tid;
        thread_key(&t, k, &pid, &tid);
        size_t n = t.first[k + 1] - t.first[k];
        sbuf_reset(&title);
        sbuf_addf(&title, "%s %u/%u", stack_name(x->strs, t.last_comm[k]), pid, tid);
        jsonw_start_object(j);
        jsonw_string_field(j, "type", "sampled");
        jsonw_string_field(j, "name", sbuf_str(&title));
        jsonw_string_field(j, "unit", "none");
        jsonw_uint_field(j, "startValue", 0);
        jsonw_uint_field(j, "endValue", n);
        jsonw_name(j, "samples");
        jsonw_start_array(j);
        for (size_t s = t.first[k]; s < t.first[k + 1]; s++) {
            struct stack_view locs;
            stack_get(x->stacks, x->samples[t.order[s]].stack, &locs);
            jsonw_start_array(j);
            for (uint32_t a = 0; a < locs.nr; a++) {     /* root first */
                const struct export_location *l = &x->locations[locs.frames[a]];
                for (uint32_t b = l->nr_lines; b-- > 0;)
                    jsonw_uint(j, x->lines[l->first_line + b].function);
            }
            jsonw_end_array(j);
        }
        jsonw_end_array(j);
        jsonw_name(j, "weights");
        jsonw_start_array(j);
        for (size_t s = 0; s < n; s++)
            jsonw_uint(j, 1);
        jsonw_end_array(j);
        jsonw_end_object(j);
    }
    jsonw_end_array(j);
    jsonw_end_object(j);
    fputc('\n', out);
    jsonw_free(j);
    sbuf_release(&title);
    threads_release(&t);
    if (ferror(out))
        return sf_error(err, "'%s': write error", name);
    return 0;
}
