/* script.c - WRITER: perf script's default layout for unwound samples.  The
 * header (comm, tid, cpu, time, event, fields) matches perf 6.1 byte for
 * byte so that tools written for perf script (stackcollapse-perf.pl) read
 * our output unchanged; frame lines follow perf's "addr sym+off (dso)". */
#include "script.h"

#include <string.h>

#include "tracepoint.h"

void script_begin(struct script_writer *w, FILE *out, struct session *s)
{
    w->out = out;
    w->session = s;
    w->name_width = 0;
    size_t n = pd_nr_attrs(session_file(s));
    for (size_t i = 0; i < n; i++) {
        const char *name = session_event_name(s, i);
        int len = name ? (int)strlen(name) : 0;
        if (len > w->name_width)
            w->name_width = len;
    }
}

void script_release(struct script_writer *w)
{
    sbuf_release(&w->line);
}

static void add_header(struct script_writer *w, const struct sess_sample *ss)
{
    const struct ev_sample *s = ss->sample;
    struct sbuf *b = &w->line;
    const char *comm = ss->comm ? ss->comm : ":-1";

    /* perf pads the comm to 16 only when no callchain is printed. */
    if (s->attr && (s->attr->sample_type & PD_S_CALLCHAIN))
        sbuf_addf(b, "%s ", comm);
    else
        sbuf_addf(b, "%16s ", comm);
    sbuf_addf(b, "%5d ", (int)s->idn.tid);
    if (s->idn.has_cpu)
        sbuf_addf(b, "[%03d] ", (int)s->idn.cpu);
    if (s->idn.has_time) {
        char t[32];
        snprintf(t, sizeof(t), "%llu.%06llu",
                 (unsigned long long)(s->idn.time / 1000000000ULL),
                 (unsigned long long)(s->idn.time % 1000000000ULL / 1000ULL));
        sbuf_addf(b, "%12s: ", t);
    }
    /* perf prints the period for every event type but tracepoints; without
     * PERF_SAMPLE_PERIOD in the sample it is the attr's (-c N) */
    if (s->attr && s->attr->type != 2)
        sbuf_addf(b, "%10llu ", (unsigned long long)((s->attr->sample_type & PD_S_PERIOD)
                                                      ? s->period : s->attr->sample_period));
    sbuf_addf(b, "%*s: ", w->name_width, ss->event_name ? ss->event_name : "[unknown]");
    const struct tp_set *tps = session_tracepoints(w->session);
    if (ss->tp && tps && s->raw)
        tp_format_fields(tps, ss->tp, s->raw, s->raw_size, (int)s->idn.cpu,
                         s->idn.time, b);
    sbuf_addch(b, '\n');
}

static void add_frame(struct sbuf *b, const struct frame_out *f, int stitched)
{
    sbuf_addf(b, "\t%16llx ", (unsigned long long)f->addr);
    if (f->name) {
        sbuf_addstr(b, f->name);
        if (f->has_offset)
            sbuf_addf(b, "+0x%llx", (unsigned long long)f->offset);
    } else {
        sbuf_addstr(b, "[unknown]");
    }
    if (f->inlined)
        sbuf_addstr(b, " (inlined)");
    else
        sbuf_addf(b, " (%s)", f->dso ? f->dso : "[unknown]");
    if (f->fp)
        sbuf_addstr(b, " [fp]");
    sbuf_addstr(b, stitched ? " (stitched)\n" : "\n");
}

int script_sample(struct script_writer *w, const struct sess_sample *ss,
                  const struct profile_sample *ps, struct sf_err *err)
{
    struct sbuf *b = &w->line;
    sbuf_reset(b);
    add_header(w, ss);
    /* Without a call chain perf prints no frame lines (the padded header
     * says so); fold and the tables still name the sampled ip. */
    const struct pd_attr *a = ss->sample->attr;
    if (!a || (a->sample_type & PD_S_CALLCHAIN))
        for (size_t i = 0; i < ps->nr_frames; i++)
            add_frame(b, &ps->frames[i], i >= ps->stitched_at);
    const char *mark = unwind_stop_mark(ps->stop);
    if (mark)
        sbuf_addf(b, "\t%16llx %s ([unknown])\n", 0ULL, mark);
    if (ps->startup)
        sbuf_addf(b, "\t%16llx %s ([unknown])\n", 0ULL, UNWIND_STARTUP_MARK);
    sbuf_addch(b, '\n');
    if (fwrite(b->buf, 1, b->len, w->out) != b->len)
        return sf_error(err, "write error");
    return 0;
}
