/* fold.c - WRITER of folded stacks ("a;b;c COUNT" lines): fold_write
 * prints a stack_set in `LC_ALL=C sort` order.  Reading folded text is an
 * input's job (input_folded.c). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "fold.h"

int fold_write(struct stack_set *s, FILE *out, struct sf_err *err)
{
    return fold_write_dec(s, 0, out, err);
}

int fold_write_dec(struct stack_set *s, unsigned decimals, FILE *out, struct sf_err *err)
{
    const uint32_t *order = stack_sorted(s);
    size_t n = stack_nr_stacks(s);
    for (size_t i = 0; i < n; i++) {
        struct stack_view v;
        stack_get(s, order[i], &v);
        for (uint32_t f = 0; f < v.nr; f++) {
            if (f)
                putc(';', out);
            fwrite(stack_name(s, v.frames[f]), 1, stack_name_len(s, v.frames[f]), out);
        }
        if (decimals) {
            char num[SF_COUNT_STR];
            sf_count_str(num, v.count, decimals, 0);
            fprintf(out, " %s\n", num);
        } else {
            fprintf(out, " %llu\n", (unsigned long long)v.count);
        }
        if (ferror(out))
            break;
    }
    if (fflush(out) != 0 || ferror(out))
        return sf_error(err, "cannot write folded stacks: %s", strerror(errno));
    return 0;
}
