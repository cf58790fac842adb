/* testutil.h - helpers for cmocka tests: where testdata lives. */
#ifndef TESTUTIL_H
#define TESTUTIL_H
#include <stdio.h>
#include <stdlib.h>
/* Path of a file under testdata/ (TESTDATA env, set by make check). */
static inline const char *testdata_path(const char *rel)
{
    static char buf[4096];
    const char *d = getenv("TESTDATA");
    snprintf(buf, sizeof(buf), "%s/%s", d ? d : "testdata", rel);
    return buf;
}
#endif
