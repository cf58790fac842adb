/* fuzz_perfdata.c - fuzz harness for the READER, DECODER and SESSION stages:
 * the input is a perf.data image (file mode, pipe mode or whole-file zstd).
 * It is read from memory and decoded record by record, run through a
 * session (ordering, maps, tracepoints), and streamed once through a real
 * pipe so the reader's non-seekable paths (spooling, pipe headers) run too. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <unistd.h>
#include <pthread.h>
#include "perfdata.h"
#include "event.h"
#include "session.h"
#include "tracepoint.h"

#define MAX_RECORDS 100000        /* bound per input; the reader must end anyway */
#define PIPE_MAX_INPUT (256 * 1024)

static volatile uint64_t sink;    /* keeps reads of decoded fields alive */

static void touch_sample(const struct ev_sample *s)
{
    uint64_t acc = s->ip ^ s->period ^ s->idn.time ^ s->attr->sample_type;

    for (uint64_t i = 0; i < s->nr_callchain; i++)
        acc += s->callchain[i];
    for (uint64_t i = 0; i < s->stack_dyn_size && i < s->stack_size; i += 64)
        acc += s->stack[i];
    for (uint32_t i = 0; i < s->raw_size; i += 8)
        acc += s->raw[i];
    for (int r = 0; r < 64; r++)
        if (s->regs_mask & (1ULL << r))
            acc += s->regs[r];
    sink += acc;
}

static void decode_all(struct pd_file *pd)
{
    struct ev_decoder *d = ev_decoder_new(pd);
    struct pd_record rec;
    struct ev_event ev;
    struct sf_err err;
    const struct pd_info *info = pd_get_info(pd);

    for (size_t i = 0; i < pd_nr_attrs(pd); i++) {
        const struct pd_attr *a = pd_attr(pd, i);
        sink += a->sample_type + a->nr_ids + (a->name ? strlen(a->name) : 0);
    }
    for (size_t i = 0; i < info->nr_build_ids; i++)
        sink += strlen(info->build_ids[i].filename ? info->build_ids[i].filename : "");
    for (size_t i = 0; i < info->cmdline_argc; i++)
        sink += strlen(info->cmdline[i]);
    for (int n = 0; n < MAX_RECORDS; n++) {
        int rc = pd_next(pd, &rec, &err);
        if (rc <= 0)
            break;
        uint64_t t;
        if (ev_record_time(d, &rec, &t) == 0)
            sink += t;
        if (ev_decode(d, &rec, &ev, &err) < 0)
            continue;
        switch (ev.kind) {
        case EV_SAMPLE: touch_sample(&ev.u.sample); break;
        case EV_MMAP: sink += strlen(ev.u.mmap.filename); break;
        case EV_COMM: sink += strlen(ev.u.comm.comm); break;
        case EV_KSYMBOL: sink += strlen(ev.u.ksymbol.name); break;
        default: break;
        }
    }
    ev_decoder_free(d);
}

static int on_sample(void *arg, const struct sess_sample *ss, struct sf_err *err)
{
    struct session *s = arg;
    (void)err;
    touch_sample(ss->sample);
    sink += strlen(ss->comm ? ss->comm : "") + strlen(ss->event_name ? ss->event_name : "");
    if (ss->maps) {
        const struct sess_map *m = sess_maps_find(ss->maps, ss->sample->ip);
        if (m)
            sink += m->start + strlen(m->filename ? m->filename : "");
    }
    if (ss->tp && session_tracepoints(s)) {
        struct sbuf sb = SBUF_INIT;
        uint64_t v;
        tp_format_fields(session_tracepoints(s), ss->tp, ss->sample->raw,
                         ss->sample->raw_size, (int)ss->sample->idn.cpu,
                         ss->sample->idn.time, &sb);
        sink += sb.len;
        sbuf_release(&sb);
        if (tp_field_u64(session_tracepoints(s), ss->tp, ss->sample->raw,
                         ss->sample->raw_size, "__syscall_nr", &v) == 0)
            sink += v;
    }
    return 0;
}

static void run_session(struct pd_file *pd)
{
    struct session *s;
    struct sf_err err;

    if (session_open_pd(pd, &s, &err) < 0)
        return;
    struct sess_ops ops = { .sample = on_sample, .arg = s };
    session_run(s, &ops, &err);
    const struct sess_stats *st = session_get_stats(s);
    sink += st->samples;
    for (size_t i = 0; i < session_nr_all_maps(s); i++)
        sink += session_all_map(s, i)->end;
    for (size_t i = 0; i < session_nr_threads(s); i++)
        sink += session_thread(s, i)->tid;
    for (size_t i = 0; i < pd_nr_attrs(session_file(s)); i++) {
        const char *n = session_event_name(s, i);
        sink += n ? strlen(n) : 0;
    }
    session_free(s);
}

struct feeder { int fd; const uint8_t *data; size_t size; };

static void *feed(void *arg)
{
    struct feeder *f = arg;
    size_t off = 0;
    while (off < f->size) {
        ssize_t w = write(f->fd, f->data + off, f->size - off);
        if (w <= 0)
            break;                  /* reader gone (EPIPE): stop */
        off += (size_t)w;
    }
    close(f->fd);
    return NULL;
}

/* The same bytes through a pipe: pd_open() sees a non-seekable stream. */
static void run_pipe(const uint8_t *data, size_t size)
{
    int fds[2];
    char path[64];
    pthread_t th;
    struct pd_file *pd;
    struct sf_err err;

    if (pipe(fds) < 0)
        return;
    struct feeder f = { fds[1], data, size };
    if (pthread_create(&th, NULL, feed, &f) != 0) {
        close(fds[0]);
        close(fds[1]);
        return;
    }
    snprintf(path, sizeof(path), "/dev/fd/%d", fds[0]);
    if (pd_open(path, &pd, &err) == 0) {
        decode_all(pd);
        pd_close(pd);
    }
    close(fds[0]);                  /* unblocks the feeder if we stopped early */
    pthread_join(th, NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int once;
    struct pd_file *pd;
    struct sf_err err;

    if (!once) {
        signal(SIGPIPE, SIG_IGN);
        once = 1;
    }
    if (pd_open_mem("fuzz.data", data, size, &pd, &err) == 0) {
        decode_all(pd);
        pd_close(pd);
    }
    if (pd_open_mem("fuzz.data", data, size, &pd, &err) == 0)
        run_session(pd);            /* takes ownership of pd */
    if (size <= PIPE_MAX_INPUT)
        run_pipe(data, size);
    return 0;
}
