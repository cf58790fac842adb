/* fuzz_folded.c - fuzz harness for the folded-stack parser (fold_parse),
 * its sniffing heuristic, and the writers behind it: what parsed is written
 * back as folded text (which must parse again to the same totals) and drawn
 * with svg_write (plain, inverted + flame chart, and as a diff against the
 * first half of the input). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "fold.h"
#include "input_folded.h"
#include "svg.h"
#include "stack.h"

static volatile uint64_t sink;

static void draw(struct stack_set *s, const struct svg_opts *o)
{
    char *buf = NULL;
    size_t len = 0;
    struct sf_err err;
    FILE *f = open_memstream(&buf, &len);
    if (!f)
        return;
    int rc = svg_write(s, o, f, &err);
    fclose(f);
    if (rc == 0 && (len < 6 || !strstr(buf, "</svg>")))
        abort();                            /* a "success" without a whole SVG */
    sink += len;
    free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct sf_err err;
    char *text = malloc(size ? size : 1);   /* exact size: overreads show */
    memcpy(text, data, size);

    sink += (uint64_t)fold_sniff(data, size);
    struct stack_set *s = stack_set_new();
    if (fold_parse("fuzz.folded", text, size, s, &err) == 0) {
        /* round trip: written text parses back to the same totals */
        char *out = NULL;
        size_t out_len = 0;
        FILE *f = open_memstream(&out, &out_len);
        if (f && fold_write(s, f, &err) == 0) {
            fclose(f);
            struct stack_set *again = stack_set_new();
            if (fold_parse("again", out, out_len, again, &err) != 0 ||
                stack_total(again) != stack_total(s) ||
                stack_nr_stacks(again) > stack_nr_stacks(s))
                abort();
            stack_set_free(again);
        } else if (f) {
            fclose(f);
        }
        free(out);

        struct svg_opts o;
        svg_opts_init(&o);
        o.title = "fuzz <&> \"title\"";
        draw(s, &o);
        if (size & 1) {
            svg_opts_init(&o);
            o.inverted = 1;
            o.flamechart = 1;
            o.colors = SVG_PAL_HOT;
            o.hash = 1;
            o.minwidth = 0;
            draw(s, &o);
        } else {
            struct stack_set *half = stack_set_new();
            if (fold_parse("half", text, size / 2, half, &err) == 0) {
                svg_opts_init(&o);
                o.compare = half;
                draw(s, &o);
            }
            stack_set_free(half);
        }
    }
    stack_set_free(s);
    free(text);
    return 0;
}
