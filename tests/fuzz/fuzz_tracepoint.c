/* fuzz_tracepoint.c - fuzz harness for the tracing-data parser (tp_parse)
 * and the tracepoint payload decoding behind it.  Input: a u16 payload
 * length L, then the tracing-data blob, then L bytes of RAW payload (when
 * L fits).  Every "ID: N" the blob declares is looked up, classified and
 * used to format the payload as `perf script` would. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tracepoint.h"

#define MAX_IDS 64

static volatile uint64_t sink;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct tp_set *s;
    struct sf_err err;

    if (size < 2)
        return 0;
    size_t raw_len = (size_t)data[0] | (size_t)data[1] << 8;
    const uint8_t *blob = data + 2;
    size_t blob_len = size - 2;
    if (raw_len > blob_len)
        raw_len = 0;
    blob_len -= raw_len;
    /* exact-size copies so that overreads are caught */
    uint8_t *b = malloc(blob_len ? blob_len : 1);
    uint8_t *raw = malloc(raw_len ? raw_len : 1);
    memcpy(b, blob, blob_len);
    memcpy(raw, blob + blob_len, raw_len);

    if (tp_parse("fuzz.data", b, blob_len, &s, &err) == 0) {
        int nids = 0;
        for (size_t i = 0; i + 4 < blob_len && nids < MAX_IDS; i++) {
            if (memcmp(b + i, "ID: ", 4) != 0)
                continue;
            uint64_t id = 0;
            for (size_t j = i + 4; j < blob_len && j < i + 24 &&
                 b[j] >= '0' && b[j] <= '9'; j++)
                id = id * 10 + (uint64_t)(b[j] - '0');
            nids++;
            const struct tp_event *e = tp_find(s, id);
            if (!e)
                continue;
            const char *sc;
            uint64_t v;
            struct sbuf sb = SBUF_INIT;
            sink += strlen(tp_system(e)) + strlen(tp_name(e));
            if (tp_syscall(e, &sc) > 0)
                sink += strlen(sc);
            tp_format_fields(s, e, raw, (uint32_t)raw_len, 1, 12345, &sb);
            sink += sb.len;
            sbuf_release(&sb);
            static const char *fields[] = { "__syscall_nr", "ret", "fd", "count", "nope" };
            for (size_t k = 0; k < sizeof(fields) / sizeof(fields[0]); k++)
                if (tp_field_u64(s, e, raw, (uint32_t)raw_len, fields[k], &v) == 0)
                    sink += v;
        }
        tp_free(s);
    }
    free(b);
    free(raw);
    return 0;
}
