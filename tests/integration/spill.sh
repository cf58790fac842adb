#!/bin/sh
# Compressed and piped captures keep records waiting for their round in an
# unlinked temporary file past SYSFLAME_SPILL_BYTES (4 MB by default);
# with worker threads a writer thread copies them out while the reader goes
# on.  Outputs must not depend on it: every -z and pipe recording of
# testdata gives the same bytes with everything spilled (threshold 0), with
# a tiny threshold (records straddling write buffers and read windows) and
# with nothing spilled, with one worker (synchronous writes) and three
# (the writer thread).
set -u
: "${SYSFLAME:?}" "${TESTDATA:?}"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
opts=""
for b in "$TESTDATA"/bin/*; do opts="$opts --binary $b"; done
fail=0 runs=0
for rec in "$TESTDATA"/rec/go-oracle.data "$TESTDATA"/rec/go-enterexit.data \
           "$TESTDATA"/rec/go-oracle.pipe.data.zst "$TESTDATA"/rec/esbuild.data; do
    [ -f "$rec" ] || continue
    for cmd in "fold" "script" "top --format json"; do
        # shellcheck disable=SC2086
        SYSFLAME_SPILL_BYTES=1000000000 "$SYSFLAME" $cmd -q -j 1 $opts "$rec" -o "$tmp/ref" ||
            { echo "FAIL $(basename "$rec") $cmd: reference run failed"; fail=1; continue; }
        for spill in 0 4096; do
            for j in 1 3; do
                # shellcheck disable=SC2086
                SYSFLAME_SPILL_BYTES=$spill "$SYSFLAME" $cmd -q -j $j $opts \
                    "$rec" -o "$tmp/out" 2>"$tmp/err"; rc=$?
                runs=$((runs + 1))
                if [ $rc != 0 ] || ! cmp -s "$tmp/ref" "$tmp/out"; then
                    echo "FAIL $(basename "$rec") $cmd, spill past $spill bytes, -j $j: exit $rc or output differs"
                    cat "$tmp/err"
                    fail=1
                fi
            done
        done
    done
done
[ $fail = 0 ] && echo "spill: $runs runs identical to the in-memory result"
exit $fail
