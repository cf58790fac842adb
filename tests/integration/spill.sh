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
# No temporary file possible: records stay in memory, same output.
rec="$TESTDATA"/rec/go-oracle.data
# shellcheck disable=SC2086
SYSFLAME_SPILL_BYTES=1000000000 "$SYSFLAME" fold -q $opts "$rec" -o "$tmp/ref" || fail=1
for j in 1 3; do
    # shellcheck disable=SC2086
    TMPDIR="$tmp/no-such-dir" SYSFLAME_SPILL_BYTES=0 "$SYSFLAME" fold -q -j $j $opts "$rec" \
        -o "$tmp/out" 2>"$tmp/err"; rc=$?
    if [ $rc != 0 ] || ! cmp -s "$tmp/ref" "$tmp/out"; then
        echo "FAIL spill file cannot be created, -j $j: exit $rc or output differs"; cat "$tmp/err"
        fail=1
    fi
done

# A write to it fails (a full disk; here the file size limit, SIGXFSZ
# ignored so that write returns EFBIG): one line naming the input, the
# folder and the cause, exit 1, no output file.
for j in 1 3; do
    rm -f "$tmp/out"
    # shellcheck disable=SC2086
    (trap '' XFSZ; ulimit -f 64; TMPDIR="$tmp" SYSFLAME_SPILL_BYTES=0 \
        exec "$SYSFLAME" fold -q -j $j $opts "$rec" -o "$tmp/out") 2>"$tmp/err"; rc=$?
    if [ $rc != 1 ] || [ -e "$tmp/out" ] || [ "$(wc -l <"$tmp/err")" != 1 ] ||
       ! grep -q "^sysflame: '$rec': cannot write queued records to a temporary file in $tmp: File too large" "$tmp/err"; then
        echo "FAIL spill write failure, -j $j: exit $rc, stderr:"; cat "$tmp/err"
        [ -e "$tmp/out" ] && echo "  and an output file was left"
        fail=1
    fi
done

[ $fail = 0 ] && echo "spill: $runs runs identical to the in-memory result; no spill file: same output; a failed spill write: a clear error"
exit $fail
