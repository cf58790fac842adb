/* capdir.h - reading a folder written by `sysflame record` (record.h has
 * the layout): its manifest, and per package the capture, the binary it
 * needs, and the tests go test ran with their wall times and run windows.
 *
 * A test's window is placed in the capture's own clock (perf -k mono, in
 * ns) from the test binary's own writes of its "=== RUN"/"=== CONT" and
 * "--- PASS/FAIL/SKIP" lines, which the capture holds with the kernel's
 * timestamps (go test stamps its -json events when it reads the lines,
 * late by up to tens of ms on a busy machine); when those writes cannot
 * be matched to the events, go's event times are mapped through the
 * folder's clock reference instead. */
#ifndef CAPDIR_H
#define CAPDIR_H

#include <stddef.h>
#include <stdint.h>
#include "sf.h"

struct capdir_test {
    char *name;                  /* "TestSleep", "TestX/sub" */
    char *result;                /* "pass", "fail", "skip"; NULL = never ended */
    double elapsed_s;            /* go's Elapsed (testing's own measure,
                                    printed to 10 ms); -1 if none */
    uint64_t start, end;         /* window in the capture's clock (ns);
                                    0 = unknown */
    int window_exact;            /* from the capture's writes (1) or from
                                    go's event times (0) */
    int overlaps;                /* shares time with another test of its
                                    package that is not its parent or child */
    uint64_t in_window;          /* samples of the test process in the window */
};

struct capdir_pkg {
    char *name;                  /* folder name */
    char *package;               /* Go import path, NULL for a program */
    char *capture, *binary;      /* absolute paths (binary may be NULL) */
    char *events;                /* absolute path or NULL */
    char *recorded_binary;       /* path the binary ran from, or NULL */
    int exit_status;             /* -1 unknown (interrupted) */
    int64_t clock_realtime_ns, clock_monotonic_ns; /* reference, 0 if none */
    uint32_t pid;                /* the test process in the capture, 0 if
                                    unknown (set by capdir_load_tests) */
    struct capdir_test *tests;
    size_t nr_tests;
    int tests_read;              /* capdir_load_tests ran */
};

struct capdir {
    char *path;                  /* as given */
    char *go, *perf, *kernel;    /* versions, may be NULL */
    struct capdir_pkg *pkgs;
    size_t nr_pkgs;
};

/* Whether path is a folder holding a record manifest. */
int capdir_is(const char *path);

/* Reads the manifest.  0, or -1 with err ("'DIR/manifest.json': ..."). */
int capdir_open(const char *path, struct capdir *cd, struct sf_err *err);
void capdir_release(struct capdir *cd);

/* Reads p's go test events and places each test's window in the capture's
 * clock (reads the capture's write samples), and counts the samples the
 * test process made inside each window (in_window).  A package without
 * events gets no tests.  0, or -1 with err. */
int capdir_load_tests(struct capdir_pkg *p, struct sf_err *err);

/* The test of p whose window holds capture time t and that is innermost
 * (a subtest before its parent); NULL if none.  With overlapping windows
 * the first by start time. */
const struct capdir_test *capdir_test_at(const struct capdir_pkg *p, uint64_t t);

#endif
