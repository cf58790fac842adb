#!/bin/sh
# embed.sh FILE... - prints C definitions embedding each template file as a
# string constant named tpl_<basename with non-alnum as _>, plus its length.
# Used by the build so the SVG/HTML outputs are self-contained.
set -e
for f in "$@"; do
    name=$(basename "$f" | sed 's/[^A-Za-z0-9]/_/g')
    printf 'static const char tpl_%s[] __attribute__((unused)) =\n' "$name"
    # Escape backslashes and quotes, keep newlines as \n, one source line per line.
    sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/^/"/' -e 's/$/\\n"/' "$f"
    printf ';\n'
    printf 'static const unsigned long tpl_%s_len __attribute__((unused)) = sizeof(tpl_%s) - 1;\n\n' "$name" "$name"
done
