/* test_session.c - SESSION stage: time ordering across FINISHED_ROUND
 * windows, comm/fork/exec/mmap state seen by each sample, snapshot
 * lifetimes, counters; and on real captures, the delivered sample sequence
 * against the golden `perf script` output. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include "session.h"
#include "testutil.h"

/* --- a tiny hand-built perf.data (file mode, one attr) ------------------ */

#define SAMPLE_TYPE (PD_S_IP | PD_S_TID | PD_S_TIME | PD_S_CPU | PD_S_PERIOD)
#define ATTR_SIZE 128
#define DATA_OFF (104 + ATTR_SIZE + 16)
#define MISC_USER 2
#define MISC_KERNEL 1
#define MISC_BIT13 (1u << 13)   /* MMAP_DATA on MMAP, COMM_EXEC on COMM */

struct gen {
    uint8_t *buf;
    size_t len, cap;
};

static void put(struct gen *g, const void *p, size_t n)
{
    g->buf = xgrow(g->buf, 1, g->len + n, &g->cap);
    memcpy(g->buf + g->len, p, n);
    g->len += n;
}

static void put32(struct gen *g, uint32_t v) { put(g, &v, 4); }
static void put64(struct gen *g, uint64_t v) { put(g, &v, 8); }

static void put_str(struct gen *g, const char *s)
{
    size_t n = strlen(s) + 1, padded = (n + 7) & ~(size_t)7;
    uint8_t zero[8] = { 0 };

    put(g, s, n);
    put(g, zero, padded - n);
}

static size_t rec_begin(struct gen *g, uint32_t type, uint16_t misc)
{
    size_t at = g->len;
    uint16_t size = 0;

    put32(g, type);
    put(g, &misc, 2);
    put(g, &size, 2);
    return at;
}

static void rec_end(struct gen *g, size_t at)
{
    uint16_t size = (uint16_t)(g->len - at);
    memcpy(g->buf + at + 6, &size, 2);
}

/* sample_id_all trailer for our sample_type: TID, TIME, CPU */
static void trailer(struct gen *g, uint32_t pid, uint32_t tid, uint64_t time)
{
    put32(g, pid);
    put32(g, tid);
    put64(g, time);
    put64(g, 0);
}

static void gen_start(struct gen *g)
{
    uint8_t hdr[104] = { 0 }, attr[ATTR_SIZE] = { 0 };
    uint64_t v;

    memset(g, 0, sizeof(*g));
    memcpy(hdr, "PERFILE2", 8);
    v = 104; memcpy(hdr + 8, &v, 8);
    v = ATTR_SIZE + 16; memcpy(hdr + 16, &v, 8);
    v = 104; memcpy(hdr + 24, &v, 8);
    v = ATTR_SIZE + 16; memcpy(hdr + 32, &v, 8);
    v = DATA_OFF; memcpy(hdr + 40, &v, 8);
    put(g, hdr, sizeof(hdr));
    /* type 0 (hardware) config 0 = cycles */
    uint32_t size = ATTR_SIZE;
    memcpy(attr + 4, &size, 4);
    v = 1; memcpy(attr + 16, &v, 8);
    v = SAMPLE_TYPE; memcpy(attr + 24, &v, 8);
    v = 1ull << 18; memcpy(attr + 40, &v, 8);           /* sample_id_all */
    put(g, attr, sizeof(attr));
    put64(g, 0);
    put64(g, 0);
}

static void gen_finish(struct gen *g)
{
    uint64_t size = g->len - DATA_OFF;
    memcpy(g->buf + 48, &size, 8);
}

static void gen_sample(struct gen *g, uint32_t pid, uint32_t tid, uint64_t time,
                       uint64_t ip)
{
    size_t at = rec_begin(g, PD_REC_SAMPLE, MISC_USER);

    put64(g, ip);
    put32(g, pid);
    put32(g, tid);
    put64(g, time);
    put64(g, 0);        /* cpu, res */
    put64(g, 1);        /* period */
    rec_end(g, at);
}

static void gen_mmap(struct gen *g, uint16_t misc, uint32_t pid, uint64_t start,
                     uint64_t len, uint64_t pgoff, const char *file, uint64_t time)
{
    size_t at = rec_begin(g, PD_REC_MMAP, misc);

    put32(g, pid);
    put32(g, pid);
    put64(g, start);
    put64(g, len);
    put64(g, pgoff);
    put_str(g, file);
    trailer(g, pid, pid, time);
    rec_end(g, at);
}

static void gen_comm(struct gen *g, int exec, uint32_t pid, uint32_t tid,
                     const char *comm, uint64_t time)
{
    size_t at = rec_begin(g, PD_REC_COMM, exec ? MISC_BIT13 : 0);

    put32(g, pid);
    put32(g, tid);
    put_str(g, comm);
    trailer(g, pid, tid, time);
    rec_end(g, at);
}

static void gen_task(struct gen *g, uint32_t type, uint32_t pid, uint32_t ppid,
                     uint32_t tid, uint32_t ptid, uint64_t time)
{
    size_t at = rec_begin(g, type, 0);

    put32(g, pid);
    put32(g, ppid);
    put32(g, tid);
    put32(g, ptid);
    put64(g, time);
    trailer(g, pid, tid, time);
    rec_end(g, at);
}

static void gen_lost(struct gen *g, uint32_t type, uint64_t lost, uint64_t time)
{
    size_t at = rec_begin(g, type, 0);

    if (type == PD_REC_LOST)
        put64(g, 0);    /* id */
    put64(g, lost);
    trailer(g, 0, 0, time);
    rec_end(g, at);
}

static void gen_round(struct gen *g)
{
    rec_end(g, rec_begin(g, PD_REC_FINISHED_ROUND, 0));
}

/* Goes through a real file: the reader's file path is what the tool uses. */
static struct session *open_gen(struct gen *g)
{
    char path[] = "/tmp/test_session.XXXXXX";
    struct session *s;
    struct sf_err err;
    FILE *f;
    int fd;

    gen_finish(g);
    fd = mkstemp(path);
    assert_true(fd >= 0);
    f = fdopen(fd, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(g->buf, 1, g->len, f), g->len);
    assert_int_equal(fclose(f), 0);
    if (session_open(path, &s, &err) < 0)
        fail_msg("session_open: %s", err.msg);
    unlink(path);
    return s;
}

/* What each sample saw, recorded by the callback. */
struct seen {
    uint64_t ip, time;
    uint32_t tid;
    char comm[32];
    char file[64];          /* mapping containing ip, or "" */
    char kfile[64];         /* kernel mapping containing ip, or "" */
    uint64_t pgoff_at_ip;   /* file offset of ip within its mapping */
};

struct collect {
    struct seen items[64];
    size_t nr;
    const struct sess_maps *kept;   /* reference taken on the first sample */
    int stop_after;                 /* return -1 after this many, 0 = never */
};

static int collect_cb(void *arg, const struct sess_sample *ss, struct sf_err *err)
{
    struct collect *c = arg;
    struct seen *s = &c->items[c->nr];
    const struct sess_map *m = sess_maps_find(ss->maps, ss->sample->ip);
    const struct sess_map *k = sess_maps_find(ss->kmaps, ss->sample->ip);

    assert_true(c->nr < 64);
    assert_int_equal(ss->seq, c->nr);
    assert_string_equal(ss->event_name, "cycles");
    assert_null(ss->tp);
    s->ip = ss->sample->ip;
    s->time = ss->sample->idn.time;
    s->tid = ss->sample->idn.tid;
    snprintf(s->comm, sizeof(s->comm), "%s", ss->comm);
    snprintf(s->file, sizeof(s->file), "%s", m ? m->filename : "");
    snprintf(s->kfile, sizeof(s->kfile), "%s", k ? k->filename : "");
    s->pgoff_at_ip = m ? ss->sample->ip - m->start + m->pgoff : 0;
    if (c->nr == 0) {
        sess_maps_get(ss->maps);
        c->kept = ss->maps;
    }
    c->nr++;
    if (c->stop_after && (int)c->nr >= c->stop_after)
        return sf_error(err, "stopped by callback");
    return 0;
}

static void run_collect(struct session *s, struct collect *c)
{
    struct sess_ops ops = { collect_cb, c };
    struct sf_err err;

    if (session_run(s, &ops, &err) < 0)
        fail_msg("session_run: %s", err.msg);
}

/* --- synthetic tests ---------------------------------------------------- */

/* A round as perf writes it: one time-ordered run per ring buffer drained,
 * runs of different lengths, ties across runs.  The session merges the
 * runs (or sorts, past 64 of them); either way delivery must be the
 * stable order by time: ties in file order.  The reference is computed
 * here by an insertion sort over (time, file position). */
struct order_log {
    uint64_t time[512], ip[512];
    size_t nr;
};

static int order_cb(void *arg, const struct sess_sample *ss, struct sf_err *err)
{
    struct order_log *o = arg;
    (void)err;
    assert_true(o->nr < 512);
    o->time[o->nr] = ss->sample->idn.time;
    o->ip[o->nr] = ss->sample->ip;
    o->nr++;
    return 0;
}

static void check_runs(const uint64_t *times, size_t n)
{
    struct gen g;
    struct order_log got = { .nr = 0 };
    uint64_t want_t[512], want_ip[512];
    size_t m = 0;
    struct sf_err err;

    assert_true(n <= 512);
    gen_start(&g);
    gen_round(&g);
    for (size_t i = 0; i < n; i++) {
        gen_sample(&g, 1, 1, times[i], 0x1000 + i);   /* ip = file position */
        /* insertion sort, stable: equal times keep file order */
        size_t j = m++;
        while (j > 0 && want_t[j - 1] > times[i]) {
            want_t[j] = want_t[j - 1];
            want_ip[j] = want_ip[j - 1];
            j--;
        }
        want_t[j] = times[i];
        want_ip[j] = 0x1000 + i;
    }
    gen_round(&g);
    struct session *s = open_gen(&g);
    struct sess_ops ops = { .sample = order_cb, .arg = &got };
    assert_int_equal(session_run(s, &ops, &err), 0);
    assert_int_equal(got.nr, n);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(got.time[i], want_t[i]);
        assert_int_equal(got.ip[i], want_ip[i]);
    }
    session_free(s);
    free(g.buf);
}

static void test_round_runs_merged(void **state)
{
    (void)state;
    /* two runs (two CPUs), interleaved in time, one tie across them */
    static const uint64_t two[] = { 10, 30, 50, 70, 20, 30, 40, 80, 90 };
    check_runs(two, SF_ARRAY_SIZE(two));
    /* three runs (an odd one is carried over a merge pass), ties inside
     * and across runs, an empty-looking run of one */
    static const uint64_t three[] = { 5, 5, 9, 12, 1, 5, 12, 13, 3 };
    check_runs(three, SF_ARRAY_SIZE(three));
    /* already in order: one run, nothing to do */
    static const uint64_t one[] = { 1, 2, 2, 3, 8 };
    check_runs(one, SF_ARRAY_SIZE(one));
    /* many runs of pseudo-random lengths and times (an LCG, fixed seed),
     * below and above the 64 runs where the session sorts instead */
    uint64_t t[512];
    for (int total = 100; total <= 500; total += 400) {
        uint64_t x = 12345;
        size_t n = 0;
        while (n < (size_t)total) {
            x = x * 6364136223846793005ULL + 1442695040888963407ULL;
            size_t len = 1 + (x >> 33) % (total == 100 ? 30 : 6);
            uint64_t at = (x >> 40) % 50;
            for (size_t k = 0; k < len && n < (size_t)total; k++) {
                x = x * 6364136223846793005ULL + 1442695040888963407ULL;
                at += (x >> 61);          /* steps of 0-7: ties happen */
                t[n++] = at;
            }
        }
        check_runs(t, n);
    }
}

static void test_round_ordering(void **state)
{
    static const uint64_t want[] = { 10, 15, 20, 20, 25, 30, 12, 40, 50 };
    static const uint64_t want_ip[] = { 0xb, 0xf, 0xc, 0xc2, 0xd, 0xa, 0x9, 0xe, 0x8 };
    struct collect c = { .nr = 0 };
    struct gen g;
    struct session *s;

    (void)state;
    gen_start(&g);
    /* round 1: nothing is final yet (no previous round) */
    gen_sample(&g, 1, 1, 30, 0xa);
    gen_sample(&g, 1, 1, 10, 0xb);
    gen_sample(&g, 1, 1, 20, 0xc);
    gen_round(&g);
    /* round 2: closing it releases everything <= 30 (round 1's max) */
    gen_sample(&g, 1, 1, 25, 0xd);
    gen_sample(&g, 1, 1, 40, 0xe);
    gen_sample(&g, 1, 1, 15, 0xf);
    gen_sample(&g, 1, 1, 20, 0xc2);  /* ties keep file order: after 0xc */
    gen_round(&g);
    /* round 3: 12 is older than what was already delivered */
    gen_sample(&g, 1, 1, 12, 0x9);
    gen_sample(&g, 1, 1, 50, 0x8);
    s = open_gen(&g);
    run_collect(s, &c);
    assert_int_equal(c.nr, SF_ARRAY_SIZE(want));
    for (size_t i = 0; i < c.nr; i++) {
        assert_int_equal(c.items[i].time, want[i]);
        assert_int_equal(c.items[i].ip, want_ip[i]);
    }
    assert_int_equal(session_get_stats(s)->out_of_order, 1);
    assert_int_equal(session_get_stats(s)->samples, 9);
    assert_int_equal(session_get_stats(s)->first_time, 10);
    assert_int_equal(session_get_stats(s)->last_time, 50);
    sess_maps_put(c.kept);
    session_free(s);
    free(g.buf);
}

static void test_mmap_replaced(void **state)
{
    struct collect c = { .nr = 0 };
    const struct sess_maps *first;
    struct gen g;
    struct session *s;

    (void)state;
    gen_start(&g);
    gen_comm(&g, 0, 100, 100, "prog", 1);
    gen_mmap(&g, MISC_USER, 100, 0x400000, 0x1000, 0, "/a.bin", 2);
    /* written before the t=3 sample (another CPU's buffer), but later */
    gen_mmap(&g, MISC_USER, 100, 0x400000, 0x1000, 0x2000, "/b.bin", 4);
    gen_sample(&g, 100, 100, 3, 0x400100);
    gen_sample(&g, 100, 100, 5, 0x400100);
    gen_round(&g);
    /* a data mapping is ignored; a small code mapping splits b.bin */
    gen_mmap(&g, MISC_USER | MISC_BIT13, 100, 0x400000, 0x1000, 0, "/data", 6);
    gen_mmap(&g, MISC_USER, 100, 0x400800, 0x100, 0, "/c.bin", 6);
    gen_sample(&g, 100, 100, 7, 0x400100);
    gen_sample(&g, 100, 100, 8, 0x400880);
    gen_sample(&g, 100, 100, 9, 0x400900);
    gen_sample(&g, 100, 100, 10, 0x500000);
    s = open_gen(&g);
    run_collect(s, &c);
    assert_int_equal(c.nr, 6);
    assert_string_equal(c.items[0].file, "/a.bin");
    assert_int_equal(c.items[0].pgoff_at_ip, 0x100);
    assert_string_equal(c.items[1].file, "/b.bin");
    assert_int_equal(c.items[1].pgoff_at_ip, 0x2100);
    assert_string_equal(c.items[2].file, "/b.bin");
    assert_string_equal(c.items[3].file, "/c.bin");
    assert_int_equal(c.items[3].pgoff_at_ip, 0x80);
    assert_string_equal(c.items[4].file, "/b.bin");     /* right part */
    assert_int_equal(c.items[4].pgoff_at_ip, 0x2900);
    assert_string_equal(c.items[5].file, "");
    for (size_t i = 0; i < c.nr; i++)
        assert_string_equal(c.items[i].comm, "prog");
    /* the snapshot kept from the first sample still shows the old state */
    first = c.kept;
    assert_int_equal(first->nr, 1);
    assert_string_equal(sess_maps_find(first, 0x400100)->filename, "/a.bin");
    assert_int_equal(session_get_stats(s)->mmaps, 4);
    assert_int_equal(session_nr_all_maps(s), 3);
    assert_string_equal(session_all_map(s, 0)->filename, "/a.bin");
    assert_string_equal(session_all_map(s, 2)->filename, "/c.bin");
    assert_null(session_all_map(s, 3));
    session_free(s);
    /* the kept reference outlives the session's own */
    assert_int_equal(first->refcount, 1);
    sess_maps_put(first);
    free(g.buf);
}

static void test_fork_exec_comm(void **state)
{
    struct collect c = { .nr = 0 };
    const struct sess_stats *st;
    struct gen g;
    struct session *s;

    (void)state;
    gen_start(&g);
    gen_comm(&g, 0, 100, 100, "parent", 1);
    gen_mmap(&g, MISC_USER, 100, 0x1000, 0x1000, 0, "/parent.bin", 2);
    gen_task(&g, PD_REC_FORK, 100, 100, 101, 100, 3);     /* new thread */
    gen_sample(&g, 100, 101, 4, 0x1010);
    gen_task(&g, PD_REC_FORK, 200, 100, 200, 100, 5);     /* new process */
    gen_sample(&g, 200, 200, 6, 0x1020);
    gen_comm(&g, 1, 200, 200, "child", 7);                /* exec */
    gen_sample(&g, 200, 200, 8, 0x1030);
    gen_mmap(&g, MISC_USER, 200, 0x1000, 0x1000, 0, "/child.bin", 9);
    gen_sample(&g, 200, 200, 10, 0x1040);
    gen_sample(&g, 100, 100, 11, 0x1050);                 /* parent unchanged */
    gen_sample(&g, 100, 300, 12, 0x1060);                 /* unknown thread */
    gen_sample(&g, 400, 400, 13, 0x1070);                 /* unknown process */
    gen_comm(&g, 0, 100, 101, "worker", 14);              /* thread renamed */
    gen_sample(&g, 100, 101, 15, 0x1080);
    gen_sample(&g, 100, 100, 16, 0x1090);
    gen_task(&g, PD_REC_EXIT, 200, 100, 200, 100, 17);
    gen_mmap(&g, MISC_KERNEL, 0xffffffffu, 0xffffffff81000000ull, 0x1000000,
             0xffffffff81000000ull, "[kernel.kallsyms]_text", 18);
    gen_sample(&g, 100, 100, 19, 0xffffffff81000100ull);
    gen_lost(&g, PD_REC_LOST, 7, 20);
    gen_lost(&g, PD_REC_LOST_SAMPLES, 5, 21);
    s = open_gen(&g);
    run_collect(s, &c);
    assert_int_equal(c.nr, 10);
    assert_string_equal(c.items[0].comm, "parent");
    assert_string_equal(c.items[0].file, "/parent.bin");
    assert_string_equal(c.items[1].comm, "parent");       /* inherited */
    assert_string_equal(c.items[1].file, "/parent.bin");  /* copied maps */
    assert_string_equal(c.items[2].comm, "child");
    assert_string_equal(c.items[2].file, "");             /* exec dropped maps */
    assert_string_equal(c.items[3].file, "/child.bin");
    assert_string_equal(c.items[4].comm, "parent");
    assert_string_equal(c.items[4].file, "/parent.bin");
    assert_string_equal(c.items[5].comm, "parent");       /* pid's comm */
    assert_string_equal(c.items[5].file, "/parent.bin");
    assert_string_equal(c.items[6].comm, ":400");
    assert_string_equal(c.items[6].file, "");
    assert_string_equal(c.items[7].comm, "worker");
    assert_string_equal(c.items[8].comm, "parent");
    assert_string_equal(c.items[9].kfile, "[kernel.kallsyms]_text");
    assert_string_equal(c.items[9].file, "");

    st = session_get_stats(s);
    assert_int_equal(st->forks, 2);
    assert_int_equal(st->exits, 1);
    assert_int_equal(st->comms, 3);
    assert_int_equal(st->mmaps, 3);
    assert_int_equal(st->lost_records, 1);
    assert_int_equal(st->lost_events, 7);
    assert_int_equal(st->lost_samples, 5);
    assert_int_equal(st->samples_per_attr[0], 10);
    assert_int_equal(st->nr_threads, 5);     /* 100 101 200 300 400 */
    assert_int_equal(st->nr_processes, 3);   /* 100 200 400 */
    assert_int_equal(session_nr_threads(s), 5);
    for (size_t i = 0; i < session_nr_threads(s); i++) {
        const struct sess_thread_info *t = session_thread(s, i);
        uint64_t want = t->tid == 100 ? 3 : t->tid == 101 ? 2 :
                        t->tid == 200 ? 3 : 1;
        assert_int_equal(t->samples, want);
        if (t->tid == 101)
            assert_string_equal(t->comm, "worker");
        if (t->tid == 200)
            assert_string_equal(t->comm, "child");
    }
    assert_true(session_all_map(s, 2)->kernel);
    assert_false(session_all_map(s, 0)->kernel);
    sess_maps_put(c.kept);
    session_free(s);
    free(g.buf);
}

static void test_callback_stops(void **state)
{
    struct collect c = { .nr = 0, .stop_after = 2 };
    struct sess_ops ops = { collect_cb, &c };
    struct sf_err err;
    struct gen g;
    struct session *s;

    (void)state;
    gen_start(&g);
    for (int i = 0; i < 5; i++)
        gen_sample(&g, 1, 1, 10 + (uint64_t)i, 0x100);
    s = open_gen(&g);
    assert_int_equal(session_run(s, &ops, &err), -1);
    assert_string_equal(err.msg, "stopped by callback");
    assert_int_equal(c.nr, 2);
    sess_maps_put(c.kept);
    session_free(s);
    free(g.buf);
}

/* Many rounds, each written in reverse time order: everything comes out
 * sorted and the queue does not grow with the capture. */
static void test_many_rounds(void **state)
{
    struct collect c = { .nr = 0 };
    uint64_t prev = 0;
    struct gen g;
    struct session *s;

    (void)state;
    gen_start(&g);
    for (int r = 0; r < 8; r++) {
        for (int i = 7; i >= 0; i--)
            gen_sample(&g, 1, 1, 100 + (uint64_t)r * 8 + (uint64_t)i, 0x1);
        gen_round(&g);
    }
    s = open_gen(&g);
    /* only the first 64 fit in c.items; collect them all via counts */
    run_collect(s, &c);
    assert_int_equal(c.nr, 64);
    for (size_t i = 0; i < c.nr; i++) {
        assert_true(c.items[i].time > prev);
        prev = c.items[i].time;
    }
    assert_int_equal(session_get_stats(s)->out_of_order, 0);
    sess_maps_put(c.kept);
    session_free(s);
    free(g.buf);
}

/* --- real captures vs golden perf script -------------------------------- */

struct golden {
    char **lines;
    size_t nr, cap, next;
    struct session *s;
    struct sbuf fields, line;
    size_t mismatches;
};

/* Sample header lines of `perf script` output, normalised to
 * "comm tid [cpu] secs.usecs: event: fields" (perf pads with spaces). */
static int load_golden(const char *path, struct golden *gd)
{
    FILE *f = fopen(path, "r");
    char buf[8192];

    if (!f)
        return -1;
    while (fgets(buf, sizeof(buf), f)) {
        char comm[64], cpu[16], time[32], event[128];
        unsigned tid;
        int n = 0;
        char *p = buf;
        size_t len = strlen(buf);
        struct sbuf sb = SBUF_INIT;

        if (buf[0] == '\t' || buf[0] == '\n')
            continue;
        if (len && buf[len - 1] == '\n')
            buf[--len] = '\0';
        while (*p == ' ')
            p++;
        if (sscanf(p, "%63s %u %15s %31s %127s %n", comm, &tid, cpu, time,
                   event, &n) < 5)
            continue;
        /* sscanf's trailing %n skipped spaces; the fields start at p + n,
         * after exactly one space following "event:" */
        {
            const char *ev_end = strstr(p, event) + strlen(event);
            const char *fields = *ev_end == ' ' ? ev_end + 1 : ev_end;
            sbuf_addf(&sb, "%s %u %s %s %s %s", comm, tid, cpu, time, event,
                      fields);
        }
        gd->lines = xgrow(gd->lines, sizeof(*gd->lines), gd->nr + 1, &gd->cap);
        gd->lines[gd->nr++] = sbuf_detach(&sb);
    }
    fclose(f);
    return 0;
}

static int golden_cb(void *arg, const struct sess_sample *ss, struct sf_err *err)
{
    struct golden *gd = arg;
    const struct ev_sample *e = ss->sample;
    uint64_t t = e->idn.time;

    (void)err;
    sbuf_reset(&gd->fields);
    sbuf_reset(&gd->line);
    if (ss->tp)
        tp_format_fields(session_tracepoints(gd->s), ss->tp, e->raw,
                         e->raw_size, (int)e->idn.cpu, t, &gd->fields);
    sbuf_addf(&gd->line, "%s %u [%03u] %llu.%06llu: %s: %s", ss->comm,
              e->idn.tid, e->idn.cpu, (unsigned long long)(t / 1000000000u),
              (unsigned long long)(t % 1000000000u / 1000), ss->event_name,
              sbuf_str(&gd->fields));
    if (gd->next >= gd->nr || strcmp(gd->lines[gd->next], sbuf_str(&gd->line))) {
        if (gd->mismatches++ < 5)
            print_message("sample %zu:\n  got  %s\n  want %s\n", gd->next,
                          sbuf_str(&gd->line),
                          gd->next < gd->nr ? gd->lines[gd->next] : "(end)");
    }
    gd->next++;
    return 0;
}

static void check_golden(const char *rec, const char *script)
{
    struct golden gd;
    struct sess_ops ops = { golden_cb, &gd };
    struct sf_err err;
    char path[4096];

    memset(&gd, 0, sizeof(gd));
    snprintf(path, sizeof(path), "%s", testdata_path(script));
    if (load_golden(path, &gd) < 0) {
        print_message("no golden %s\n", path);
        skip();
    }
    if (session_open(testdata_path(rec), &gd.s, &err) < 0)
        fail_msg("session_open: %s", err.msg);
    if (session_run(gd.s, &ops, &err) < 0)
        fail_msg("session_run: %s", err.msg);
    assert_true(gd.nr > 0);
    assert_int_equal(gd.mismatches, 0);
    assert_int_equal(gd.next, gd.nr);
    assert_int_equal(session_get_stats(gd.s)->samples, gd.nr);
    for (size_t i = 0; i < gd.nr; i++)
        free(gd.lines[i]);
    free(gd.lines);
    sbuf_release(&gd.fields);
    sbuf_release(&gd.line);
    session_free(gd.s);
}

static void test_golden_go_oracle(void **state)
{
    (void)state;
    check_golden("rec/go-oracle.data", "rec/go-oracle.data.perf-script");
}

static void test_golden_go_enterexit(void **state)
{
    (void)state;
    check_golden("rec/go-enterexit.data", "rec/go-enterexit.data.perf-script");
}

static void test_golden_pipe(void **state)
{
    (void)state;
    check_golden("rec/go-oracle.pipe.data.zst",
                 "rec/go-oracle.pipe.data.perf-script");
}

static void test_golden_cgo(void **state)
{
    (void)state;
    check_golden("rec/cgo.data", "rec/cgo.data.perf-script");
    check_golden("rec/cprog-fp.data", "rec/cprog-fp.data.perf-script");
}

/* Every mapping a real capture's samples fall in is the test binary or a
 * shared library, and `info` sees the binary among all maps. */
static int maps_cb(void *arg, const struct sess_sample *ss, struct sf_err *err)
{
    size_t *hits = arg;
    const struct sess_map *m = sess_maps_find(ss->maps, ss->sample->ip);

    (void)err;
    if (m && strcmp(m->filename, "/tmp/sfrec/oracle.test") == 0)
        (*hits)++;
    return 0;
}

static void test_real_maps(void **state)
{
    struct session *s;
    struct sf_err err;
    size_t hits = 0, found = 0;
    struct sess_ops ops = { maps_cb, &hits };

    (void)state;
    if (session_open(testdata_path("rec/go-oracle.data"), &s, &err) < 0)
        fail_msg("session_open: %s", err.msg);
    assert_int_equal(session_run(s, &ops, &err), 0);
    /* Go issues syscalls from its own code: every sample ip is in the binary */
    assert_int_equal(hits, session_get_stats(s)->samples);
    for (size_t i = 0; i < session_nr_all_maps(s); i++)
        found += strcmp(session_all_map(s, i)->filename,
                        "/tmp/sfrec/oracle.test") == 0;
    assert_true(found >= 1);
    /* tracepoint names built from the formats agree with perf's EVENT_DESC */
    for (size_t i = 0; i < pd_nr_attrs(session_file(s)); i++) {
        const struct pd_attr *a = pd_attr(session_file(s), i);
        assert_non_null(a->name);
        assert_int_equal(a->type, 2);
        assert_string_equal(session_event_name(s, i), a->name);
    }
    assert_true(pd_nr_attrs(session_file(s)) > 300);
    session_free(s);
}

/* --- counters vs `perf report --stats` and the recording summary -------- */

/* "NAME events: N" of the aggregated block, or of the block of one event */
static uint64_t stats_get(const char *path, const char *block, const char *what)
{
    FILE *f = fopen(path, "r");
    char line[512], want[128];
    int in_block = 0;
    uint64_t val = 0;

    assert_non_null(f);
    snprintf(want, sizeof(want), "%s events:", what);
    while (fgets(line, sizeof(line), f)) {
        const char *p = line;
        size_t n;

        if (line[0] != ' ') {
            n = strlen(block);
            in_block = strncmp(line, block, n) == 0 && line[n] == '\n';
            continue;
        }
        while (*p == ' ')
            p++;
        if (in_block && strncmp(p, want, strlen(want)) == 0) {
            val = strtoull(p + strlen(want), NULL, 10);
            break;
        }
    }
    fclose(f);
    return val;
}

/* summary.tsv column for a recording */
static uint64_t summary_get(const char *rec, int column)
{
    FILE *f = fopen(testdata_path("rec/summary.tsv"), "r");
    char line[512];
    uint64_t val = UINT64_MAX;

    assert_non_null(f);
    while (fgets(line, sizeof(line), f)) {
        char *save, *tok = strtok_r(line, "\t", &save);

        if (!tok || strcmp(tok, rec) != 0)
            continue;
        for (int i = 0; i < column && tok; i++)
            tok = strtok_r(NULL, "\t", &save);
        if (tok)
            val = strtoull(tok, NULL, 10);
    }
    fclose(f);
    return val;
}

static int count_cb(void *arg, const struct sess_sample *ss, struct sf_err *err)
{
    (void)arg; (void)ss; (void)err;
    return 0;
}

static void check_stats(const char *name)
{
    char rec[256], stats[4200];
    struct session *s;
    struct sf_err err;
    struct sess_ops ops = { count_cb, NULL };
    const struct sess_stats *st;
    const char *agg = "Aggregated stats:";

    snprintf(rec, sizeof(rec), "rec/%s", name);
    snprintf(stats, sizeof(stats), "%s.perf-stats", testdata_path(rec));
    if (session_open(testdata_path(rec), &s, &err) < 0)
        fail_msg("session_open: %s", err.msg);
    assert_int_equal(session_run(s, &ops, &err), 0);
    st = session_get_stats(s);
    assert_int_equal(st->samples, stats_get(stats, agg, "SAMPLE"));
    assert_int_equal(st->samples, summary_get(name, 1));
    assert_int_equal(st->lost_records, stats_get(stats, agg, "LOST"));
    assert_int_equal(st->lost_events, summary_get(name, 2));
    assert_int_equal(st->lost_samples, summary_get(name, 3));
    assert_int_equal(st->mmaps, stats_get(stats, agg, "MMAP") +
                                stats_get(stats, agg, "MMAP2"));
    assert_int_equal(st->comms, stats_get(stats, agg, "COMM"));
    assert_int_equal(st->forks, stats_get(stats, agg, "FORK"));
    assert_int_equal(st->exits, stats_get(stats, agg, "EXIT"));
    assert_int_equal(st->out_of_order, 0);
    assert_true(st->first_time > 0 && st->first_time <= st->last_time);
    /* per event: perf names each block "<event> stats:" */
    for (size_t i = 0; i < pd_nr_attrs(session_file(s)); i++) {
        char block[160];
        snprintf(block, sizeof(block), "%s stats:", session_event_name(s, i));
        assert_int_equal(st->samples_per_attr[i], stats_get(stats, block, "SAMPLE"));
    }
    session_free(s);
}

static void test_stats_vs_perf(void **state)
{
    (void)state;
    check_stats("go-enterexit.data");
    check_stats("go-lost.data");
}

static void test_golden_lost(void **state)
{
    (void)state;
    check_golden("rec/go-lost.data", "rec/go-lost.data.perf-script");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_ordering),
        cmocka_unit_test(test_round_runs_merged),
        cmocka_unit_test(test_mmap_replaced),
        cmocka_unit_test(test_fork_exec_comm),
        cmocka_unit_test(test_callback_stops),
        cmocka_unit_test(test_many_rounds),
        cmocka_unit_test(test_golden_go_oracle),
        cmocka_unit_test(test_golden_go_enterexit),
        cmocka_unit_test(test_golden_pipe),
        cmocka_unit_test(test_golden_cgo),
        cmocka_unit_test(test_real_maps),
        cmocka_unit_test(test_stats_vs_perf),
        cmocka_unit_test(test_golden_lost),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
