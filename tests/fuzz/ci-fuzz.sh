#!/bin/sh
# ci-fuzz.sh SECONDS - builds the libFuzzer harnesses in a clang build
# folder (make fuzz) and runs each for SECONDS, starting from the seed
# corpora in testdata/fuzz/.  Exits non-zero on any finding (crash, leak,
# timeout, OOM); the reproducer is left in build-fuzz/fuzz/findings/.
set -u
SECS=${1:-60}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
B=${FUZZ_BUILDDIR:-$ROOT/build-fuzz}
command -v clang >/dev/null 2>&1 || { echo "ci-fuzz: clang not installed, skipped"; exit 0; }
mkdir -p "$B"
if [ -x "$ROOT/configure" ] && { [ -f "$B/Makefile" ] || (cd "$B" && CC=clang "$ROOT/configure" -q); }; then
    make -C "$B" -s fuzz || exit 1
else
    sh "$ROOT/tests/fuzz/build.sh" "$ROOT" "$B" || exit 1
fi
export LSAN_OPTIONS=suppressions=$ROOT/tests/fuzz/lsan.supp
FIND=$B/fuzz/findings
mkdir -p "$FIND"
fail=0
for h in "$B"/fuzz/fuzz_*; do
    [ -x "$h" ] || continue
    name=$(basename "$h")
    corp=$B/fuzz/corpus/$name
    mkdir -p "$corp"
    "$h" -max_total_time="$SECS" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
        -artifact_prefix="$FIND/$name-" "$corp" "$ROOT/testdata/fuzz/$name" \
        > "$B/fuzz/$name.log" 2>&1
    rc=$?
    stats=$(grep -E '^#[0-9]+.*(DONE|pulse)' "$B/fuzz/$name.log" | tail -1)
    if [ $rc -ne 0 ]; then
        echo "ci-fuzz: $name: FINDING (exit $rc)"; grep -E 'ERROR|SUMMARY|Test unit written' "$B/fuzz/$name.log" | head -5
        fail=1
    else
        echo "ci-fuzz: $name: ok ${stats}"
    fi
done
exit $fail
