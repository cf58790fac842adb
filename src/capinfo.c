/* capinfo.c - a capture's facts copied out of the session (see capinfo.h). */
#include "capinfo.h"

#include <stdlib.h>
#include <string.h>

#include "perfdata.h"
#include "session.h"
#include "sf.h"

static char *dup_or_null(const char *s)
{
    return s ? xstrdup(s) : NULL;
}

static void hex_id(char out[41], const uint8_t *id, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    size_t i;
    for (i = 0; i < n && i < 20; i++) {
        out[2 * i] = hex[id[i] >> 4];
        out[2 * i + 1] = hex[id[i] & 15];
    }
    out[2 * i] = '\0';
}

static void collect_maps(struct capinfo *ci, struct session *s, const struct pd_info *h)
{
    /* Executable mappings, one row per distinct file. */
    size_t nm = session_nr_all_maps(s);
    ci->maps = xcalloc(nm ? nm : 1, sizeof(*ci->maps));
    for (size_t i = 0; i < nm; i++) {
        const struct sess_map *m = session_all_map(s, i);
        if (!m->filename || !(m->prot & 4 /* PROT_EXEC */))
            continue;
        size_t k;
        for (k = 0; k < ci->nr_maps; k++)
            if (!strcmp(ci->maps[k].path, m->filename))
                break;
        if (k == ci->nr_maps) {
            ci->maps[k].path = xstrdup(m->filename);
            ci->nr_maps++;
        }
        if (m->build_id_size && !ci->maps[k].build_id[0])
            hex_id(ci->maps[k].build_id, m->build_id, m->build_id_size);
    }
    /* Build-ids perf recorded in the header, for maps without one. */
    for (size_t i = 0; i < h->nr_build_ids; i++) {
        const struct pd_build_id *b = &h->build_ids[i];
        for (size_t k = 0; k < ci->nr_maps; k++)
            if (b->filename && !strcmp(ci->maps[k].path, b->filename) && !ci->maps[k].build_id[0])
                hex_id(ci->maps[k].build_id, b->id, b->size ? b->size : 20);
    }
}

void capinfo_collect(struct capinfo *ci, struct session *s)
{
    memset(ci, 0, sizeof(*ci));
    struct pd_file *pd = session_file(s);
    const struct pd_info *h = pd_get_info(pd);
    ci->pipe_mode = h->pipe_mode;
    ci->byte_swapped = h->byte_swapped;
    ci->compressed = h->compressed;
    ci->comp_type = h->comp_type;
    ci->comp_level = h->comp_level;
    ci->comp_ratio = h->comp_ratio;
    ci->nr_cpus_online = h->nr_cpus_online;
    ci->call_graph = callchain_mode_of(pd);
    ci->hostname = dup_or_null(h->hostname);
    ci->osrelease = dup_or_null(h->osrelease);
    ci->perf_version = dup_or_null(h->perf_version);
    ci->arch = dup_or_null(h->arch);
    ci->cpudesc = dup_or_null(h->cpudesc);
    struct sbuf cl = SBUF_INIT;
    for (size_t i = 0; i < h->cmdline_argc; i++) {
        if (i)
            sbuf_addch(&cl, ' ');
        sbuf_addstr(&cl, h->cmdline[i]);
    }
    ci->cmdline = cl.len ? sbuf_detach(&cl) : NULL;
    sbuf_release(&cl);

    const struct sess_stats *st = session_get_stats(s);
    ci->samples = st->samples;
    ci->lost_events = st->lost_events;
    ci->lost_samples = st->lost_samples;
    ci->first_time = st->first_time;
    ci->last_time = st->last_time;
    ci->nr_threads = st->nr_threads;
    ci->nr_processes = st->nr_processes;
    size_t na = pd_nr_attrs(pd);
    ci->events = xcalloc(na ? na : 1, sizeof(*ci->events));
    for (size_t i = 0; i < na; i++) {
        uint64_t n = st->samples_per_attr ? st->samples_per_attr[i] : 0;
        if (!n)
            continue;
        const char *name = session_event_name(s, i);
        ci->events[ci->nr_events].name = xstrdup(name ? name : "[unknown]");
        ci->events[ci->nr_events++].count = n;
    }
    const struct pd_stats *ps = pd_get_stats(pd);
    for (size_t i = 0; i < PD_REC_MAX; i++)
        ci->records_total += ps->records_by_type[i];
    ci->records_total += ps->unknown_records;
    ci->unknown_records = ps->unknown_records;
    ci->compressed_records = ps->compressed_records;
    collect_maps(ci, s, h);
}

void capinfo_release(struct capinfo *ci)
{
    free(ci->hostname);
    free(ci->osrelease);
    free(ci->perf_version);
    free(ci->arch);
    free(ci->cpudesc);
    free(ci->cmdline);
    for (size_t i = 0; i < ci->nr_events; i++)
        free(ci->events[i].name);
    free(ci->events);
    for (size_t i = 0; i < ci->nr_maps; i++)
        free(ci->maps[i].path);
    free(ci->maps);
    memset(ci, 0, sizeof(*ci));
}
