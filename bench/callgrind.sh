#!/bin/bash
# bench/callgrind.sh - the regression figure of doc/performance.md:
# instructions (callgrind Ir) of `sysflame fold -j 1` on the committed
# testdata/rec/go-oracle.data, in total and per sample.  "per sample" is the
# inclusive count of session_run (read, decompress, order, decode, unwind,
# symbolize, aggregate) divided by the samples; zstd decompression is shown
# apart because the recording is -z.
# Usage: bench/callgrind.sh [RECORDING BINARY]   (env SYSFLAME, default ./src/sysflame)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
SYSFLAME=${SYSFLAME:-./src/sysflame}
rec=${1:-$here/../testdata/rec/go-oracle.data}
bin=${2:-$here/../testdata/bin/oracle.test}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

valgrind --tool=callgrind --callgrind-out-file="$out/cg" "$SYSFLAME" fold -q -j 1 \
    "$rec" --binary "$bin" -o "$out/folded" 2>"$out/log"
samples=$("$SYSFLAME" info "$rec" | awk '/^Samples:/ { print $2 }')
callgrind_annotate --inclusive=yes "$out/cg" 2>/dev/null | tr -d , >"$out/incl"
incl() {  # inclusive Ir of the first function matching $1 (0 if absent)
    awk -v pat="$1" '$0 ~ pat { print $1; found = 1; exit } END { if (!found) print 0 }' "$out/incl"
}
total=$(awk '/PROGRAM TOTALS/ { print $1 }' "$out/incl")
run=$(incl ':session_run ')
zstd=$(incl ':ZSTD_decompressStream ')
tp=$(incl ':tp_parse ')
printf 'recording            %s (%s samples)\n' "$(basename "$rec")" "$samples"
printf 'total Ir             %d  (%d per sample)\n' "$total" $((total / samples))
printf 'tracepoint formats   %d\n' "$tp"
printf 'session_run Ir       %d  (%d per sample)\n' "$run" $((run / samples))
printf '  of which zstd      %d  (%d per sample)\n' "$zstd" $((zstd / samples))
printf 'per sample, no zstd  %d\n' $(((run - zstd) / samples))

# Marginal cost per sample at steady state: the difference between the
# small and medium bench captures (same program, ~1.7k and ~17.6k samples),
# so fixed costs (start-up, tracepoint formats, libc's DWARF) cancel out.
# Needs the captures bench/run.sh records (BENCH_DIR); skipped without them.
BENCH_DIR=${BENCH_DIR:-/var/tmp/sysflame-bench}
small=$BENCH_DIR/small-plain.data medium=$BENCH_DIR/medium-plain.data
if [ -s "$small" ] && [ -s "$medium" ]; then
    ir_of() {
        valgrind --tool=callgrind --callgrind-out-file="$out/cg.m" "$SYSFLAME" fold -q -j 1 \
            "$1" -o "$out/folded.m" 2>"$out/log.m"
        callgrind_annotate "$out/cg.m" 2>/dev/null | tr -d , | awk '/PROGRAM TOTALS/ { print $1 }'
    }
    samples_of() { "$SYSFLAME" info "$1" | awk '/^Samples:/ { print $2 }'; }
    depth=$("$SYSFLAME" info --format json "$medium" |
        python3 -c 'import json,sys; print(json.load(sys.stdin)["unwinding"][0]["mean_depth"])' 2>/dev/null || echo "?")
    is=$(ir_of "$small") im=$(ir_of "$medium")
    ns=$(samples_of "$small") nm=$(samples_of "$medium")
    printf 'marginal per sample  %d  (Ir %d - %d over %d - %d samples of the bench captures; mean depth %s)\n' \
        $(((im - is) / (nm - ns))) "$im" "$is" "$nm" "$ns" "$depth"
fi
