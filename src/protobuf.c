/* protobuf.c - WRITER helper: protocol-buffers wire encoding into a growable
 * buffer, and gzip output of it.  pprof's profile.proto (export_pprof.c) is
 * written with these few calls. */
#include "protobuf.h"

#include <stdlib.h>
#include <string.h>
#include <zlib.h>

enum { WIRE_VARINT = 0, WIRE_LEN = 2 };

void pb_release(struct pb *b)
{
    free(b->buf);
    b->buf = NULL;
    b->len = b->cap = 0;
}

static void pb_reserve(struct pb *b, size_t extra)
{
    b->buf = xgrow(b->buf, 1, b->len + extra, &b->cap);
}

static size_t varint_size(uint64_t v)
{
    size_t n = 1;
    while (v >= 0x80) {
        v >>= 7;
        n++;
    }
    return n;
}

static void put_varint(uint8_t *p, uint64_t v)
{
    while (v >= 0x80) {
        *p++ = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    *p = (uint8_t)v;
}

void pb_varint(struct pb *b, uint64_t v)
{
    size_t n = varint_size(v);
    pb_reserve(b, n);
    put_varint(b->buf + b->len, v);
    b->len += n;
}

static void pb_tag(struct pb *b, uint32_t field, unsigned wire)
{
    pb_varint(b, ((uint64_t)field << 3) | wire);
}

void pb_uint(struct pb *b, uint32_t field, uint64_t v)
{
    pb_tag(b, field, WIRE_VARINT);
    pb_varint(b, v);
}

void pb_int(struct pb *b, uint32_t field, int64_t v)
{
    pb_uint(b, field, (uint64_t)v);
}

void pb_uint_nz(struct pb *b, uint32_t field, uint64_t v)
{
    if (v)
        pb_uint(b, field, v);
}

void pb_bytes(struct pb *b, uint32_t field, const void *data, size_t n)
{
    pb_tag(b, field, WIRE_LEN);
    pb_varint(b, n);
    pb_reserve(b, n);
    if (n)
        memcpy(b->buf + b->len, data, n);
    b->len += n;
}

void pb_string(struct pb *b, uint32_t field, const char *s)
{
    pb_bytes(b, field, s, strlen(s));
}

void pb_packed_u64(struct pb *b, uint32_t field, const uint64_t *v, size_t n)
{
    if (!n)
        return;
    size_t bytes = 0;
    for (size_t i = 0; i < n; i++)
        bytes += varint_size(v[i]);
    pb_tag(b, field, WIRE_LEN);
    pb_varint(b, bytes);
    for (size_t i = 0; i < n; i++)
        pb_varint(b, v[i]);
}

void pb_packed_i64(struct pb *b, uint32_t field, const int64_t *v, size_t n)
{
    if (!n)
        return;
    size_t bytes = 0;
    for (size_t i = 0; i < n; i++)
        bytes += varint_size((uint64_t)v[i]);
    pb_tag(b, field, WIRE_LEN);
    pb_varint(b, bytes);
    for (size_t i = 0; i < n; i++)
        pb_varint(b, (uint64_t)v[i]);
}

size_t pb_begin(struct pb *b, uint32_t field)
{
    pb_tag(b, field, WIRE_LEN);
    pb_reserve(b, 1);
    b->buf[b->len++] = 0;     /* one byte reserved for the length */
    return b->len;
}

void pb_end(struct pb *b, size_t mark)
{
    size_t body = b->len - mark;
    size_t n = varint_size(body);
    if (n > 1) {
        /* Most messages here are short; a longer one moves once. */
        pb_reserve(b, n - 1);
        memmove(b->buf + mark + n - 1, b->buf + mark, body);
        b->len += n - 1;
    }
    put_varint(b->buf + mark - 1, body);
}

int pb_gzip_write(const struct pb *b, FILE *f, const char *name, struct sf_err *err)
{
    z_stream z;
    memset(&z, 0, sizeof(z));
    /* windowBits 15 + 16: a gzip header and trailer instead of zlib's. */
    if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8,
                     Z_DEFAULT_STRATEGY) != Z_OK)
        return sf_error(err, "'%s': cannot start gzip compression", name);
    uint8_t out[65536];
    z.next_in = b->buf;
    z.avail_in = 0;
    size_t left = b->len;
    int rc;
    do {
        /* avail_in is 32-bit: feed huge buffers in pieces. */
        if (z.avail_in == 0 && left)
            z.avail_in = (uInt)SF_MIN(left, (size_t)1 << 30);
        z.next_out = out;
        z.avail_out = sizeof(out);
        size_t before = z.avail_in;
        rc = deflate(&z, left == before ? Z_FINISH : Z_NO_FLUSH);
        left -= before - z.avail_in;
        if (rc == Z_STREAM_ERROR) {
            deflateEnd(&z);
            return sf_error(err, "'%s': gzip compression failed", name);
        }
        size_t have = sizeof(out) - z.avail_out;
        if (have && fwrite(out, 1, have, f) != have) {
            deflateEnd(&z);
            return sf_error(err, "'%s': write error", name);
        }
    } while (rc != Z_STREAM_END);
    deflateEnd(&z);
    return 0;
}
