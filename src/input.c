/* input.c - the input table (see input.h): opens an input, reads its first
 * bytes, and hands it to the first kind that claims it. */
#include "input.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "loader.h"

/* The table: the first kind whose sniff claims the head loads it. */
static const struct input_kind *const input_kinds[] = {
    &input_perf,
    &input_perfscript,
    &input_folded,
    &input_recdir,
};

static ssize_t read_head(int fd, uint8_t *buf, size_t n)
{
    size_t got = 0;
    while (got < n) {
        ssize_t r = read(fd, buf + got, n - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    return (ssize_t)got;
}

/* The kind for this head, or NULL. */
static const struct input_kind *input_kind_of(const struct loader *L, const uint8_t *head,
                                              size_t n)
{
    const struct input_kind *first_capture = NULL;
    for (size_t i = 0; i < SF_ARRAY_SIZE(input_kinds); i++) {
        const struct input_kind *k = input_kinds[i];
        if (k->is_capture && !first_capture)
            first_capture = k;
        if ((k->is_capture || !L->o->capture_only) && k->sniff && k->sniff(head, n))
            return k;
    }
    /* Only captures accepted: the capture reader says what is wrong. */
    return L->o->capture_only ? first_capture : NULL;
}

/* "neither a perf.data file, perf script text nor folded stacks" */
static int unknown_input(const char *name, struct sf_err *err)
{
    struct sbuf sb = SBUF_INIT;
    const struct input_kind *files[SF_ARRAY_SIZE(input_kinds)];
    size_t n = 0;
    for (size_t i = 0; i < SF_ARRAY_SIZE(input_kinds); i++)
        if (input_kinds[i]->sniff)      /* the kinds a file can be */
            files[n++] = input_kinds[i];
    for (size_t i = 0; i < n; i++) {
        sbuf_addstr(&sb, i == 0 ? (n > 1 ? "neither " : "not ")
                         : i + 1 == n ? " nor " : ", ");
        sbuf_addstr(&sb, files[i]->what);
    }
    sf_error(err, "'%s': %s", name, sbuf_str(&sb));
    sbuf_release(&sb);
    return -1;
}

int input_stream(const struct input_src *src,
                 int (*feed)(void *arg, const char *buf, size_t len, struct sf_err *err),
                 void *arg, struct sf_err *err)
{
    if (feed(arg, (const char *)src->head, src->nhead, err) < 0)
        return -1;
    size_t cap = 1 << 16;
    char *buf = xmalloc(cap);
    int rc = 0;
    for (;;) {
        ssize_t n = read(src->fd, buf, cap);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            rc = sf_error(err, "'%s': read error: %s", src->name, strerror(errno));
        if (n <= 0)
            break;
        if (feed(arg, buf, (size_t)n, err) < 0) {
            rc = -1;
            break;
        }
    }
    free(buf);
    return rc;
}

/* Fractional counts (result.h count_decimals) are kept in a unit of their
 * own that only folded inputs share: a capture's or perf script text's
 * samples, its per-thread and per-syscall counts, are whole. */
static int check_units(const struct profile *p, struct sf_err *err)
{
    const struct input_info *frac = NULL, *other = NULL;
    if (!p->count_decimals)
        return 0;
    for (size_t i = 0; i < p->nr_inputs; i++) {
        const struct input_info *in = &p->inputs[i];
        if (in->kind != input_folded.what)
            other = other ? other : in;
        else if (!frac)
            frac = in;
    }
    if (!other)
        return 0;
    return sf_error(err, "'%s': fractional counts cannot be summed with the samples of '%s' "
                    "(%s): give folded inputs only", frac ? frac->path : "?", other->path,
                    other->kind ? other->kind : "not folded stacks");
}

int input_load(struct loader *L, const char *path, struct sf_err *err)
{
    struct profile *p = L->p;
    p->inputs = xrealloc(p->inputs, (p->nr_inputs + 1) * sizeof(*p->inputs));
    struct input_info *in = &p->inputs[p->nr_inputs++];
    memset(in, 0, sizeof(*in));
    in->path = strtab_intern(L->strings, path);

    struct input_src src = { .path = path, .name = path, .fd = 0 };
    src.is_stdin = !strcmp(path, "-");
    if (src.is_stdin) {
        src.name = "<stdin>";
    } else {
        src.fd = open(path, O_RDONLY | O_CLOEXEC);
        if (src.fd < 0)
            return sf_error(err, "'%s': %s", path, strerror(errno));
        struct stat stt;
        if (fstat(src.fd, &stt) == 0 && S_ISDIR(stt.st_mode)) {
            close(src.fd);
            for (size_t i = 0; i < SF_ARRAY_SIZE(input_kinds); i++) {
                const struct input_kind *k = input_kinds[i];
                if (k->claims_dir && k->claims_dir(path)) {
                    src.fd = -1;
                    return k->load(L, &src, in, err);
                }
            }
            return sf_error(err, "'%s': is a directory", path);
        }
    }
    uint8_t head[INPUT_HEAD + 1];
    ssize_t nh = read_head(src.fd, head, INPUT_HEAD);
    int rc;
    if (nh <= 0) {
        rc = sf_error(err, "'%s': empty file", src.name);
    } else {
        src.head = head;
        src.nhead = (size_t)nh;
        /* A whole file shorter than the head: its last line is complete
         * (text kinds judge only complete lines). */
        size_t ns = (size_t)nh;
        if (ns < INPUT_HEAD && head[ns - 1] != '\n')
            head[ns++] = '\n';
        const struct input_kind *k = input_kind_of(L, head, ns);
        rc = k ? k->load(L, &src, in, err) : unknown_input(src.name, err);
    }
    if (rc == 0)
        rc = check_units(p, err);
    if (!src.is_stdin)
        close(src.fd);
    return rc;
}
