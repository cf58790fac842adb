#!/bin/bash
# bench/folded-mem.sh - peak memory and time of folded input (doc/performance.md,
# "Folded input").  Generates a folded file of N lines (default 1e6) with
# stacks 10-40 frames deep drawn from a fixed vocabulary (deterministic:
# the same file every run), then measures `sysflame fold` and `svg` on it with
# /usr/bin/time: peak RSS and wall time, next to the file's size.
#
# Usage: bench/folded-mem.sh [LINES]
# Environment: SYSFLAME (default ./src/sysflame), BENCH_DIR (default
# /var/tmp/sysflame-bench; the generated file is cached there).
set -euo pipefail
N=${1:-1000000}
SYSFLAME=${SYSFLAME:-./src/sysflame}
BENCH_DIR=${BENCH_DIR:-/var/tmp/sysflame-bench}
mkdir -p "$BENCH_DIR"
f=$BENCH_DIR/folded-$N.txt
if [ ! -s "$f" ]; then
    awk -v n="$N" 'BEGIN {
        srand(42)
        for (i = 0; i < 400; i++) fn[i] = sprintf("example.com/pkg%d.(*Type%d).Method%d", i % 23, i % 7, i)
        for (l = 0; l < n; l++) {
            d = 10 + int(rand() * 30)
            s = "app-" int(rand() * 8)
            for (k = 0; k < d; k++) s = s ";" fn[int(rand() * 400)]
            print s, 1 + int(rand() * 1000)
        }
    }' > "$f.tmp"
    mv "$f.tmp" "$f"
fi
printf 'file: %s, %d lines, %s bytes\n' "$f" "$N" "$(stat -c %s "$f")"
for cmd in fold svg; do
    out=$BENCH_DIR/out.$cmd
    /usr/bin/time -f "$cmd: %e s, peak RSS %M KB" "$SYSFLAME" "$cmd" -q "$f" -o "$out"
    rm -f "$out"
done
