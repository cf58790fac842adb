/* input_perf.c - the perf.data input: a capture file, a pipe-mode stream
 * (also on standard input), -z or a .zst of either.  Each capture runs
 * through the driver's pipeline (loader_run_capture), or, large enough
 * and with -j 2 or more, in two processes (split.h). */
#include "input.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "loader.h"
#include "split.h"

/* Reads the first bytes of the input.  For stdin, the bytes read are
 * handed back through a pipe fed by a thread, so the reader sees the whole
 * stream again. */
struct refeed { int rfd, wfd; uint8_t head[INPUT_HEAD]; size_t nhead; };

static void *refeed_main(void *arg)
{
    struct refeed *r = arg;
    char buf[65536];
    if (write(r->wfd, r->head, r->nhead) == (ssize_t)r->nhead) {
        for (;;) {
            ssize_t n = read(r->rfd, buf, sizeof(buf));
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0)
                break;
            ssize_t off = 0;
            while (off < n) {
                ssize_t w = write(r->wfd, buf + off, (size_t)(n - off));
                if (w <= 0)
                    goto out;
                off += w;
            }
        }
    }
out:
    close(r->wfd);
    free(r);
    return NULL;
}

static int looks_like_capture(const uint8_t *h, size_t n)
{
    if (n >= 8 && (!memcmp(h, "PERFILE2", 8) || !memcmp(h, "2ELIFREP", 8)))
        return 1;
    if (n >= 4 && h[0] == 0x28 && h[1] == 0xb5 && h[2] == 0x2f && h[3] == 0xfd)
        return 1;
    return 0;
}

static int perf_sniff(const uint8_t *head, size_t n)
{
    return looks_like_capture(head, n);
}

static int load_capture(struct loader *L, const char *path, struct input_info *in,
                        struct sf_err *err)
{
    int rc;
    struct session *sess;
    if (session_open(path, &sess, err) < 0)
        return -1;
    const struct pd_info *pi = pd_get_info(session_file(sess));
    in->cut_at = pi->cut_at;
    in->cut_no_size = pi->cut_no_size;
    in->cut_after_data = pi->cut_after_data;
    in->data_offset = pi->data_offset;
    in->recorded_data_size = pi->recorded_data_size;
    if (split_wanted(L, path, sess)) {
        /* it takes the session: when it could not finish, read again */
        if (split_load(L, path, sess, in, err, &rc))
            return rc;
        if (session_open(path, &sess, err) < 0)
            return -1;
    }
    L->sess = sess;
    L->path = path;
    rc = loader_run_capture(L, err);
    pi = pd_get_info(session_file(sess));
    in->cut_in_stream = pi->cut_in_stream;
    if (pi->cut_in_stream)
        in->cut_at = pi->cut_at;
    in->cut_compressed = pi->cut_compressed;
    capstats_input_add(L->p, in, session_get_stats(L->sess));
    capstats_input_finish(L->p, in);
    session_free(L->sess);
    L->sess = NULL;
    return rc;
}

static int perf_load(struct loader *L, const struct input_src *src, struct input_info *in,
                     struct sf_err *err)
{
    in->kind = input_perf.what;
    if (!src->is_stdin)
        return load_capture(L, src->path, in, err);
    /* stdin capture: give the reader the whole stream back. */
    int pfd[2];
    if (pipe(pfd) < 0)
        return sf_error(err, "'<stdin>': pipe: %s", strerror(errno));
    struct refeed *r = xmalloc(sizeof(*r));
    r->wfd = pfd[1];
    memcpy(r->head, src->head, src->nhead);
    r->nhead = src->nhead;
    pthread_t th;
    int saved = dup(0);
    r->rfd = saved;
    if (saved < 0 || dup2(pfd[0], 0) < 0 || pthread_create(&th, NULL, refeed_main, r) != 0) {
        close(pfd[0]);
        close(pfd[1]);
        free(r);
        if (saved >= 0)
            close(saved);
        return sf_error(err, "'<stdin>': cannot set up the input stream");
    }
    close(pfd[0]);
    /* The refeed thread reads the original stdin through `saved`. */
    int rc = load_capture(L, "-", in, err);
    close(0);           /* ends the refeed thread's writes (EPIPE) */
    pthread_join(th, NULL);
    dup2(saved, 0);
    close(saved);
    return rc;
}

const struct input_kind input_perf = {
    .name = "perf.data",
    .what = "a perf.data file",
    .is_capture = 1,
    .sniff = perf_sniff,
    .load = perf_load,
};
