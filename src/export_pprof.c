/* export_pprof.c - WRITER of pprof's profile.proto (gzipped), as `go tool
 * pprof` reads it: sample types syscalls/count (and latency/nanoseconds
 * when the capture has sys_exit events), one Location per address with its
 * inline chain as Lines, Mappings that point at the binary used, labels
 * comm, syscall (or event) and test. */
#include "export.h"

#include <stdlib.h>
#include <string.h>

#include "protobuf.h"

/* profile.proto field numbers */
enum {
    PROFILE_SAMPLE_TYPE = 1, PROFILE_SAMPLE = 2, PROFILE_MAPPING = 3,
    PROFILE_LOCATION = 4, PROFILE_FUNCTION = 5, PROFILE_STRING_TABLE = 6,
    PROFILE_DURATION_NANOS = 10, PROFILE_PERIOD_TYPE = 11, PROFILE_PERIOD = 12,
    PROFILE_COMMENT = 13, PROFILE_DEFAULT_SAMPLE_TYPE = 14,
    VALUE_TYPE_TYPE = 1, VALUE_TYPE_UNIT = 2,
    SAMPLE_LOCATION_ID = 1, SAMPLE_VALUE = 2, SAMPLE_LABEL = 3,
    LABEL_KEY = 1, LABEL_STR = 2,
    MAPPING_ID = 1, MAPPING_START = 2, MAPPING_LIMIT = 3, MAPPING_OFFSET = 4,
    MAPPING_FILENAME = 5, MAPPING_BUILD_ID = 6, MAPPING_HAS_FUNCTIONS = 7,
    MAPPING_HAS_FILENAMES = 8, MAPPING_HAS_LINE_NUMBERS = 9,
    MAPPING_HAS_INLINE_FRAMES = 10,
    LOCATION_ID = 1, LOCATION_MAPPING_ID = 2, LOCATION_ADDRESS = 3, LOCATION_LINE = 4,
    LINE_FUNCTION_ID = 1, LINE_LINE = 2,
    FUNCTION_ID = 1, FUNCTION_NAME = 2, FUNCTION_SYSTEM_NAME = 3,
    FUNCTION_FILENAME = 4, FUNCTION_START_LINE = 5,
};

static void value_type(struct pb *m, uint32_t field, uint32_t type, uint32_t unit)
{
    size_t at = pb_begin(m, field);
    pb_uint(m, VALUE_TYPE_TYPE, type);
    pb_uint(m, VALUE_TYPE_UNIT, unit);
    pb_end(m, at);
}

static void label(struct pb *m, uint32_t key, uint32_t str)
{
    size_t at = pb_begin(m, SAMPLE_LABEL);
    pb_uint(m, LABEL_KEY, key);
    pb_uint(m, LABEL_STR, str);
    pb_end(m, at);
}

/* Key of an aggregated sample: the same locations and labels add up. */
enum { AGG_STACK, AGG_COMM, AGG_NAME, AGG_TEST, AGG_IS_SYSCALL, AGG_N };

int export_write_pprof(const struct export *x, FILE *out, const char *name,
                       struct sf_err *err)
{
    enum {
        s_syscalls = EXPORT_S_SYSCALLS, s_count = EXPORT_S_COUNT,
        s_latency = EXPORT_S_LATENCY, s_ns = EXPORT_S_NANOSECONDS,
        s_comm = EXPORT_S_COMM, s_syscall = EXPORT_S_SYSCALL, s_event = EXPORT_S_EVENT,
        s_test = EXPORT_S_TEST,
    };
    struct stack_set *agg = stack_set_new();
    uint64_t *lat = NULL;
    size_t lat_cap = 0;
    for (size_t i = 0; i < x->nr_samples; i++) {
        const struct export_sample *e = &x->samples[i];
        uint32_t key[AGG_N] = { e->stack, e->comm, e->name, e->test, e->is_syscall };
        uint32_t id = stack_add(agg, key, AGG_N, 1);
        if (id >= lat_cap) {
            size_t old = lat_cap;
            lat = xgrow(lat, sizeof(*lat), (size_t)id + 1, &lat_cap);
            memset(lat + old, 0, (lat_cap - old) * sizeof(*lat));
        }
        if (e->has_exit)
            lat[id] += e->latency;
    }

    struct pb m = PB_INIT;
    value_type(&m, PROFILE_SAMPLE_TYPE, s_syscalls, s_count);
    if (x->saw_exit)
        value_type(&m, PROFILE_SAMPLE_TYPE, s_latency, s_ns);

    uint64_t *ids = NULL;
    size_t ids_cap = 0;
    for (size_t a = 0; a < stack_nr_stacks(agg); a++) {
        struct stack_view k, locs;
        stack_get(agg, (uint32_t)a, &k);
        stack_get(x->stacks, k.frames[AGG_STACK], &locs);
        ids = xgrow(ids, sizeof(*ids), locs.nr ? locs.nr : 1, &ids_cap);
        for (uint32_t j = 0; j < locs.nr; j++)     /* leaf first */
            ids[j] = (uint64_t)locs.frames[locs.nr - 1 - j] + 1;
        int64_t values[2] = { (int64_t)k.count, (int64_t)lat[a] };
        size_t at = pb_begin(&m, PROFILE_SAMPLE);
        pb_packed_u64(&m, SAMPLE_LOCATION_ID, ids, locs.nr);
        pb_packed_i64(&m, SAMPLE_VALUE, values, x->saw_exit ? 2 : 1);
        label(&m, s_comm, k.frames[AGG_COMM]);
        label(&m, k.frames[AGG_IS_SYSCALL] ? s_syscall : s_event, k.frames[AGG_NAME]);
        label(&m, s_test, k.frames[AGG_TEST]);
        pb_end(&m, at);
    }
    free(ids);
    free(lat);
    stack_set_free(agg);

    for (size_t i = 0; i < x->nr_mappings; i++) {
        const struct export_mapping *mp = &x->mappings[i];
        size_t at = pb_begin(&m, PROFILE_MAPPING);
        pb_uint(&m, MAPPING_ID, i + 1);
        pb_uint(&m, MAPPING_START, mp->start);
        pb_uint(&m, MAPPING_LIMIT, mp->limit);
        pb_uint(&m, MAPPING_OFFSET, mp->offset);
        pb_uint(&m, MAPPING_FILENAME, mp->file);
        pb_uint_nz(&m, MAPPING_BUILD_ID, mp->build_id);
        if (mp->symbolized) {
            /* pprof leaves symbolized mappings as they are */
            pb_uint(&m, MAPPING_HAS_FUNCTIONS, 1);
            pb_uint(&m, MAPPING_HAS_FILENAMES, 1);
            pb_uint(&m, MAPPING_HAS_LINE_NUMBERS, 1);
            pb_uint(&m, MAPPING_HAS_INLINE_FRAMES, 1);
        }
        pb_end(&m, at);
    }
    for (size_t i = 0; i < x->nr_locations; i++) {
        const struct export_location *l = &x->locations[i];
        size_t at = pb_begin(&m, PROFILE_LOCATION);
        pb_uint(&m, LOCATION_ID, i + 1);
        pb_uint_nz(&m, LOCATION_MAPPING_ID, l->mapping);
        pb_uint_nz(&m, LOCATION_ADDRESS, l->address);
        for (uint32_t j = 0; j < l->nr_lines; j++) {
            const struct export_line *ln = &x->lines[l->first_line + j];
            size_t lat_at = pb_begin(&m, LOCATION_LINE);
            pb_uint(&m, LINE_FUNCTION_ID, (uint64_t)ln->function + 1);
            pb_uint_nz(&m, LINE_LINE, (uint64_t)ln->line);
            pb_end(&m, lat_at);
        }
        pb_end(&m, at);
    }
    for (size_t i = 0; i < x->nr_functions; i++) {
        const struct export_function *f = &x->functions[i];
        size_t at = pb_begin(&m, PROFILE_FUNCTION);
        pb_uint(&m, FUNCTION_ID, i + 1);
        pb_uint(&m, FUNCTION_NAME, f->name);
        pb_uint(&m, FUNCTION_SYSTEM_NAME, f->system_name);
        pb_uint_nz(&m, FUNCTION_FILENAME, f->file);
        pb_uint_nz(&m, FUNCTION_START_LINE, (uint64_t)f->start_line);
        pb_end(&m, at);
    }
    for (size_t i = 0; i < stack_nr_names(x->strs); i++)
        pb_bytes(&m, PROFILE_STRING_TABLE, stack_name(x->strs, (uint32_t)i),
                 stack_name_len(x->strs, (uint32_t)i));
    pb_uint_nz(&m, PROFILE_DURATION_NANOS, x->duration_ns);
    value_type(&m, PROFILE_PERIOD_TYPE, s_syscalls, s_count);
    pb_uint(&m, PROFILE_PERIOD, 1);
    pb_uint(&m, PROFILE_COMMENT, x->title);
    pb_uint(&m, PROFILE_DEFAULT_SAMPLE_TYPE, s_syscalls);

    int rc = pb_gzip_write(&m, out, name, err);
    pb_release(&m);
    return rc;
}
