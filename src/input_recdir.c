/* input_recdir.c - a folder written by `sysflame record` (capdir.h) as one
 * input: each package's capture is read as a perf.data input, with the
 * binary the folder holds for it (binary_cache_add_recorded: the exact
 * recorded path, so packages whose binaries share a name do not mix), and
 * each test's wall time and run window go into the profile (test_times). */
#include "input.h"

#include <stdlib.h>
#include <string.h>

#include "binary.h"
#include "capdir.h"
#include "loader.h"
#include "strtab.h"

static int recdir_claims(const char *path)
{
    return capdir_is(path);
}

/* The package's top-level tests (a subtest's syscalls are in its test's
 * row, and its time is inside its test's). */
static void add_tests(struct loader *L, const struct capdir_pkg *pkg)
{
    struct profile *p = L->p;
    const char *comm = pkg->binary ? strrchr(pkg->binary, '/') : NULL;
    for (size_t i = 0; i < pkg->nr_tests; i++) {
        const struct capdir_test *t = &pkg->tests[i];
        if (strchr(t->name, '/'))
            continue;
        p->test_times = xrealloc(p->test_times, (p->nr_test_times + 1) * sizeof(*p->test_times));
        struct test_time *tt = &p->test_times[p->nr_test_times++];
        memset(tt, 0, sizeof(*tt));
        struct sbuf sb = SBUF_INIT;
        sbuf_addf(&sb, "%s.%s", pkg->package ? pkg->package : pkg->name, t->name);
        tt->name = strtab_intern(L->strings, sbuf_str(&sb));
        sbuf_release(&sb);
        tt->comm = comm ? strtab_intern(L->strings, comm + 1) : NULL;
        tt->result = t->result ? strtab_intern(L->strings, t->result) : NULL;
        tt->wall_s = t->elapsed_s;
        tt->window_s = t->start && t->end ? (double)(t->end - t->start) / 1e9 : -1;
        tt->in_window = t->in_window;
        tt->overlaps = t->overlaps;
        tt->window_exact = t->window_exact;
        tt->pid = pkg->pid;
        tt->start = t->start;
        tt->end = t->end;
    }
}

static int recdir_load(struct loader *L, const struct input_src *src, struct input_info *in,
                       struct sf_err *err)
{
    struct capdir cd;
    if (capdir_open(src->path, &cd, err) < 0)
        return -1;
    int rc = 0;
    if (!cd.nr_pkgs)
        rc = sf_error(err, "'%s': the record folder holds no capture (interrupted before "
                      "any program ran?)", src->name);
    for (size_t i = 0; i < cd.nr_pkgs && rc == 0; i++) {
        struct capdir_pkg *pkg = &cd.pkgs[i];
        if (pkg->binary && pkg->recorded_binary)
            binary_cache_add_recorded(L->bc, pkg->recorded_binary, pkg->binary);
        struct input_src sub = { .path = pkg->capture, .name = pkg->capture, .fd = -1 };
        struct input_info one;
        memset(&one, 0, sizeof(one));
        one.path = in->path;
        rc = input_perf.load(L, &sub, &one, err);
        in->samples += one.samples;
        in->lost_events += one.lost_events;
        in->lost_samples += one.lost_samples;
        in->duration_s += one.duration_s;
        if (one.first_time && (!in->first_time || one.first_time < in->first_time))
            in->first_time = one.first_time;
        if (one.last_time > in->last_time)
            in->last_time = one.last_time;
        /* the tests are extra: a folder whose events cannot be read still
         * has its captures */
        struct sf_err terr = { { 0 } };
        if (rc == 0 && capdir_load_tests(pkg, &terr) == 0)
            add_tests(L, pkg);
    }
    capdir_release(&cd);
    return rc;
}

const struct input_kind input_recdir = {
    .name = "record folder",
    .what = "a sysflame record folder",
    .is_capture = 1,
    .claims_dir = recdir_claims,
    .load = recdir_load,
};
