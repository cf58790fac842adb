/* testutil.h - helpers for cmocka tests: where testdata lives, and whole
 * files read into memory. */
#ifndef TESTUTIL_H
#define TESTUTIL_H
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <zstd.h>

/* Path of a file under testdata/ (TESTDATA env, set by make check). */
static inline const char *testdata_path(const char *rel)
{
    static char buf[4096];
    const char *d = getenv("TESTDATA");
    snprintf(buf, sizeof(buf), "%s/%s", d ? d : "testdata", rel);
    return buf;
}

/* A whole file in memory; data[size] is a NUL (text files read as strings). */
struct blob {
    uint8_t *data;
    size_t size;
};

/* Reads path whole.  0, or -1 (missing, unreadable, short read) with b empty. */
static inline int blob_load(const char *path, struct blob *b)
{
    b->data = NULL;
    b->size = 0;
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    long n = fseek(f, 0, SEEK_END) == 0 ? ftell(f) : -1;
    if (n < 0 || fseek(f, 0, SEEK_SET) != 0) {
        fclose(f);
        return -1;
    }
    uint8_t *d = malloc((size_t)n + 1);
    size_t got = d ? fread(d, 1, (size_t)n, f) : 0;
    fclose(f);
    if (!d || got != (size_t)n) {
        free(d);
        return -1;
    }
    d[n] = 0;
    b->data = d;
    b->size = (size_t)n;
    return 0;
}

/* Reads a one-frame .zst file whole, inflated.  0, or -1 with b empty. */
static inline int blob_load_zst(const char *path, struct blob *b)
{
    struct blob z;
    if (blob_load(path, &z) < 0) {
        *b = z;
        return -1;
    }
    b->data = NULL;
    b->size = 0;
    unsigned long long n = ZSTD_getFrameContentSize(z.data, z.size);
    if (n == ZSTD_CONTENTSIZE_ERROR || n == ZSTD_CONTENTSIZE_UNKNOWN) {
        free(z.data);
        return -1;
    }
    uint8_t *d = malloc(n ? (size_t)n : 1);
    size_t got = d ? ZSTD_decompress(d, (size_t)n, z.data, z.size) : 0;
    free(z.data);
    if (!d || ZSTD_isError(got) || got != n) {
        free(d);
        return -1;
    }
    b->data = d;
    b->size = got;
    return 0;
}
#endif
