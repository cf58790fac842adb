/* protobuf.h - WRITER helper: the protocol-buffers wire format, enough to
 * encode pprof's profile.proto by hand (varints, length-delimited fields,
 * packed repeated integers, nested messages), and gzip output of a finished
 * buffer.  No schema, no reflection: callers write field by field.
 *
 *     struct pb m = PB_INIT;
 *     pb_uint(&m, 1, 42);                  // field 1, varint
 *     size_t at = pb_begin(&m, 4);         // field 4, nested message
 *     pb_uint(&m, 1, 7);
 *     pb_end(&m, at);
 *     pb_gzip_write(&m, fp, "out.pb.gz", &err);
 *     pb_release(&m);
 *
 * Zero values are written like any other (proto3 readers accept them); use
 * pb_uint_nz to leave a default field out. */
#ifndef PROTOBUF_H
#define PROTOBUF_H

#include <stdint.h>
#include <stddef.h>
#include <stdio.h>
#include "sf.h"

struct pb {
    uint8_t *buf;
    size_t len, cap;
};
#define PB_INIT { NULL, 0, 0 }

void pb_release(struct pb *b);

/* Raw varint (no tag). */
void pb_varint(struct pb *b, uint64_t v);
/* Field `field` as a varint (wire type 0); int64 values are written as
 * their two's-complement uint64, as protobuf does for int64. */
void pb_uint(struct pb *b, uint32_t field, uint64_t v);
void pb_int(struct pb *b, uint32_t field, int64_t v);
/* Same, skipped when v == 0 (the proto3 default). */
void pb_uint_nz(struct pb *b, uint32_t field, uint64_t v);
/* Field as length-delimited bytes (wire type 2): strings, bytes. */
void pb_bytes(struct pb *b, uint32_t field, const void *data, size_t n);
void pb_string(struct pb *b, uint32_t field, const char *s);
/* Packed repeated varints (wire type 2); nothing when n == 0. */
void pb_packed_u64(struct pb *b, uint32_t field, const uint64_t *v, size_t n);
void pb_packed_i64(struct pb *b, uint32_t field, const int64_t *v, size_t n);

/* A nested message: pb_begin writes the tag and reserves the length,
 * returns a mark for pb_end, which fills in the length (moving the body
 * when the length takes more than one byte).  Marks nest like brackets. */
size_t pb_begin(struct pb *b, uint32_t field);
void pb_end(struct pb *b, size_t mark);

/* Writes b gzip-compressed (RFC 1952, zlib) to f; `name` is used in
 * messages.  0 ok, -1 on a write or compression error. */
int pb_gzip_write(const struct pb *b, FILE *f, const char *name, struct sf_err *err);

#endif
