/* fuzz_perfscript.c - fuzz harness for the perf script text input: the
 * sniffer, the line parser and ps_fold with and without the options that
 * change naming (--kernel, --addrs, --with-tid, --no-leaf) and with
 * filters; what folded must be written back as folded text that parses to
 * the same total. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "input_perfscript.h"
#include "fold.h"
#include "input_folded.h"
#include "stack.h"

static volatile uint64_t sink;

static int count_sample(void *arg, const struct ps_sample *s, struct sf_err *err)
{
    (void)err;
    uint64_t *n = arg;
    /* touch every byte the parser hands out: overreads show */
    for (size_t i = 0; i < s->comm_len; i++)
        *n += (unsigned char)s->comm[i];
    for (size_t i = 0; i < s->event_len; i++)
        *n += (unsigned char)s->event[i];
    for (size_t f = 0; f < s->nr_frames; f++) {
        const struct ps_frame *fr = &s->frames[f];
        for (size_t i = 0; i < fr->sym_len; i++)
            *n += (unsigned char)fr->sym[i];
        for (size_t i = 0; i < fr->dso_len; i++)
            *n += (unsigned char)fr->dso[i];
        for (size_t i = 0; i < fr->srcline_len; i++)
            *n += (unsigned char)fr->srcline[i];
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct sf_err err;
    char *text = malloc(size ? size : 1);   /* exact size: overreads show */
    memcpy(text, data, size);
    sink += (uint64_t)ps_sniff(data, size);

    uint64_t n = 0;
    struct ps_parser *p = ps_parser_new(count_sample, &n);
    for (size_t i = 0; i < size;) {
        const char *nl = memchr(text + i, '\n', size - i);
        size_t e = nl ? (size_t)(nl - text) : size;
        ps_parser_line(p, text + i, e - i, &err);
        i = e + 1;
    }
    ps_parser_finish(p, &err);
    sink += n + ps_parser_unrecognized(p, NULL);
    ps_parser_free(p);

    const char *comm[] = { "a" }, *ev[] = { "sys_enter_read" };
    struct ps_fold_opts opts[3] = {
        { 0 },
        { .kernel = 1, .addrs = 1, .with_tid = 1, .no_leaf = 1 },
        { .with_pid = 1, .comms = comm, .nr_comms = 1, .events = ev, .nr_events = 1 },
    };
    for (int k = 0; k < 3; k++) {
        struct stack_set *s = stack_set_new();
        struct ps_fold_stats st;
        if (ps_fold("fuzz.txt", text, size, &opts[k], s, &st, &err) == 0) {
            if (st.kept > st.samples)
                abort();
            char *out = NULL;
            size_t out_len = 0;
            FILE *f = open_memstream(&out, &out_len);
            if (f && fold_write(s, f, &err) == 0) {
                fclose(f);
                struct stack_set *again = stack_set_new();
                if (fold_parse("again", out, out_len, again, &err) != 0 ||
                    stack_total(again) != stack_total(s))
                    abort();
                stack_set_free(again);
            } else if (f) {
                fclose(f);
            }
            free(out);
        }
        stack_set_free(s);
    }
    free(text);
    return 0;
}
