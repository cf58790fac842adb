#!/bin/sh
# With -j 2 or more, a large mapped capture is split between two processes
# (split.h, "one capture in two processes"): the second part's profile is
# sent back and added after the first's.  Outputs must be the bytes one
# loader gives.  testdata's captures are small, so the test switches force
# it: SYSFLAME_SPLIT_MIN_BYTES=0 (any size), SYSFLAME_SPLIT_AT (where the
# cut goes), SYSFLAME_SPLIT_TRACE (a line when the second part plans).
# go-oracle-plain.data has two round markers, one near the start and one at
# the end, so the cut divides the big round by time: the first part
# delivers the samples up to the horizon, the second the rest.  The -z
# captures split the same way (the child inflates the first part to walk it).
set -u
: "${SYSFLAME:?}" "${TESTDATA:?}"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
opts=""
for b in "$TESTDATA"/bin/*; do opts="$opts --binary $b"; done
rec="$TESTDATA"/rec/go-oracle-plain.data
fail=0 runs=0

split_run() {   # split_run AT OUT CMD... (-j given by the caller)
    at=$1 out=$2; shift 2
    # shellcheck disable=SC2086
    SYSFLAME_SPLIT_MIN_BYTES=0 SYSFLAME_SPLIT_AT=$at SYSFLAME_SPLIT_TRACE=1 \
        "$SYSFLAME" "$@" -q $opts "$rec" -o "$out" 2>"$tmp/err"
}

for cmd in "fold" "fold --with-tid" "fold --addrs" "fold --no-inline" "svg" "top" \
           "top --format json" "top --stacks 5 --sort name"; do
    # shellcheck disable=SC2086
    "$SYSFLAME" $cmd -q -j 1 $opts "$rec" -o "$tmp/ref" ||
        { echo "FAIL $cmd: reference run failed"; fail=1; continue; }
    for j in 2 3; do
        # shellcheck disable=SC2086
        split_run 0.01 "$tmp/out" $cmd -j $j; rc=$?
        runs=$((runs + 1))
        if [ $rc != 0 ] || ! grep -q "second part after the flush at offset" "$tmp/err"; then
            echo "FAIL $cmd -j $j: exit $rc or no split:"; cat "$tmp/err"; fail=1
        elif ! cmp -s "$tmp/ref" "$tmp/out"; then
            echo "FAIL $cmd -j $j: split output differs from -j 1"; fail=1
        fi
    done
done

# A -z capture splits too (the child inflates the first part to walk it):
# go-oracle.data.  One with syscall exit events, whose enter/exit pairing
# would cross the cut, is not split: go-enterexit.data (latency columns in
# top, checked below).
for rec2 in go-oracle.data go-enterexit.data; do
    for cmd in "fold" "top --format json"; do
        # shellcheck disable=SC2086
        "$SYSFLAME" $cmd -q -j 1 $opts "$TESTDATA/rec/$rec2" -o "$tmp/ref" ||
            { echo "FAIL $rec2 $cmd: reference run failed"; fail=1; continue; }
        # shellcheck disable=SC2086
        SYSFLAME_SPLIT_MIN_BYTES=0 SYSFLAME_SPLIT_AT=0.01 SYSFLAME_SPLIT_TRACE=1 \
            "$SYSFLAME" $cmd -q -j 2 $opts "$TESTDATA/rec/$rec2" -o "$tmp/out" 2>"$tmp/err"; rc=$?
        runs=$((runs + 1))
        split=yes
        grep -q "second part after the flush" "$tmp/err" || split=no
        want=yes
        [ "$rec2" = go-enterexit.data ] && want=no
        if [ $rc != 0 ] || [ $split != $want ] || ! cmp -s "$tmp/ref" "$tmp/out"; then
            echo "FAIL $rec2 $cmd -j 2: exit $rc, split $split (want $want) or output differs:"
            cat "$tmp/err"
            fail=1
        fi
    done
done
grep -q '"exits"' "$tmp/out" || { echo "FAIL go-enterexit: no exit pairing in top json"; fail=1; }

# A cut past the last marker: nothing to split, the first part (with its
# workers) reads everything.
# shellcheck disable=SC2086
"$SYSFLAME" fold -q -j 1 $opts "$rec" -o "$tmp/ref"
split_run 0.999 "$tmp/out" fold -j 2; rc=$?
if [ $rc != 0 ] || grep -q "second part" "$tmp/err" || ! cmp -s "$tmp/ref" "$tmp/out"; then
    echo "FAIL no split possible: exit $rc, trace or output differs"; cat "$tmp/err"; fail=1
fi

# A malformed sample in the second part: the same one-line error as one
# loader gives, from the child, and no output file.
python3 - "$rec" "$tmp/bad.data" <<'EOF'
import struct, sys
d = bytearray(open(sys.argv[1], "rb").read())
data_off, data_size = struct.unpack_from("<QQ", d, 40)
pos, latest = data_off, None
while pos + 8 <= data_off + data_size:
    rtype, _misc, size = struct.unpack_from("<IHH", d, pos)
    if rtype == 9:                      # the latest sample: the second part's
        t = struct.unpack_from("<Q", d, pos + 24)[0]
        if latest is None or t > latest[0]:
            latest = (t, pos)
    pos += size
struct.pack_into("<I", d, latest[1] + 72, 0xfffffff0)  # its raw size
open(sys.argv[2], "wb").write(d)
EOF
# shellcheck disable=SC2086
"$SYSFLAME" fold -q -j 1 $opts "$tmp/bad.data" -o "$tmp/ref" 2>"$tmp/ref.err"; rc1=$?
rm -f "$tmp/out"
# shellcheck disable=SC2086
SYSFLAME_SPLIT_MIN_BYTES=0 SYSFLAME_SPLIT_AT=0.01 "$SYSFLAME" fold -q -j 2 $opts \
    "$tmp/bad.data" -o "$tmp/out" 2>"$tmp/out.err"; rc2=$?
if [ $rc1 != 1 ] || [ $rc2 != 1 ] || [ -e "$tmp/out" ] || ! cmp -s "$tmp/ref.err" "$tmp/out.err" ||
   ! grep -q "raw data of 4294967280 bytes exceeds the record" "$tmp/out.err"; then
    echo "FAIL malformed second part: exits $rc1/$rc2, stderr:"; cat "$tmp/ref.err" "$tmp/out.err"
    fail=1
fi

# A capture that lost samples (go-lost.data: perf's LOST and LOST_SAMPLES
# records, rec/summary.tsv from perf's own counts) gives the same lost
# count, and the same outputs, wherever the cut falls: perf counts each
# drop both ways, so the capture lost the larger sum over both parts, not
# the sum of each part's larger one (which said 666 or 753 for 516).
lrec="$TESTDATA/rec/go-lost.data"
truth=$(awk -F'\t' '$1 == "go-lost.data" { print $3 }' "$TESTDATA/rec/summary.tsv")
for cmd in "top --format json" "fold"; do
    # shellcheck disable=SC2086
    "$SYSFLAME" $cmd -q -j 1 $opts "$lrec" -o "$tmp/ref" ||
        { echo "FAIL go-lost $cmd: reference run failed"; fail=1; continue; }
    if [ "$cmd" != fold ] && ! grep -q "\"lost\": $truth," "$tmp/ref"; then
        echo "FAIL go-lost -j 1: lost is not perf's $truth:"; grep lost "$tmp/ref"; fail=1
    fi
    for at in 0.05 0.10 0.15 0.20 0.25 0.30 0.35 0.40 0.45 0.50 \
              0.55 0.60 0.65 0.70 0.75 0.80 0.85 0.90 0.95; do
        # shellcheck disable=SC2086
        SYSFLAME_SPLIT_MIN_BYTES=0 SYSFLAME_SPLIT_AT=$at SYSFLAME_SPLIT_TRACE=1 \
            "$SYSFLAME" $cmd -q -j 2 $opts "$lrec" -o "$tmp/out" 2>"$tmp/err"; rc=$?
        runs=$((runs + 1))
        if [ $rc != 0 ] || ! grep -q "second part after the flush" "$tmp/err"; then
            echo "FAIL go-lost $cmd at $at: exit $rc or no split:"; cat "$tmp/err"; fail=1
        elif ! cmp -s "$tmp/ref" "$tmp/out"; then
            echo "FAIL go-lost $cmd at $at: split output differs from -j 1:"
            diff "$tmp/ref" "$tmp/out" | head -5; fail=1
        fi
    done
done

# Late samples: perf writes one now and then after rounds that delivered
# later ones (the 5.26 GB system-wide capture of doc/performance.md has
# two).  deepgo cut to 8 KiB (stacks stitched across the cut) in rounds of
# 16 samples, three samples moved 40 samples on (tools/perf-cut-stack.py
# --late): wherever the cut falls the split reads as -j 1.  A late sample
# before the overlap, or after the first part's last flush with a time
# past it, splits; one whose time is in the overlap's is read on one
# thread; one that crosses the cut back into the first part's time undoes
# the split (read again).  Before, any late sample stopped the split.
S=$TESTDATA/stitch
python3 "$SRCDIR/tools/perf-cut-stack.py" "$S/deepgo.data" "$tmp/late.data" --rounds 16 \
    --late 40,0.15,0.5,0.85 2>/dev/null &&
python3 "$SRCDIR/tools/perf-cut-stack.py" "$S/deepgo.data" "$tmp/back.data" --rounds 16 \
    --late 200,0.45 2>/dev/null || { echo "FAIL perf-cut-stack --late"; fail=1; }
kept=0
for f in late back; do
    for ns in "" --no-stitch; do
        # shellcheck disable=SC2086
        "$SYSFLAME" fold -q -j 1 $ns --binary "$S/deepgo" "$tmp/$f.data" -o "$tmp/ref"
        for at in 0.05 0.1 0.15 0.2 0.25 0.3 0.35 0.4 0.45 0.5 \
                  0.55 0.6 0.65 0.7 0.75 0.8 0.85 0.9 0.95; do
            # shellcheck disable=SC2086
            SYSFLAME_SPLIT_MIN_BYTES=1 SYSFLAME_SPLIT_AT=$at SYSFLAME_SPLIT_TRACE=1 \
                "$SYSFLAME" fold -q -j 2 $ns --binary "$S/deepgo" "$tmp/$f.data" \
                -o "$tmp/out" 2>"$tmp/err"; rc=$?
            runs=$((runs + 1))
            if [ $rc != 0 ] || ! cmp -s "$tmp/ref" "$tmp/out"; then
                echo "FAIL $f.data $ns at $at: exit $rc or output differs from -j 1:"
                cat "$tmp/err"; fail=1
            fi
            if grep -q "second part after" "$tmp/err" && ! grep -q "split undone" "$tmp/err"; then
                kept=$((kept + 1))
            fi
            if [ $f = back ] && [ "$at" = 0.5 ] && ! grep -q "split undone" "$tmp/err"; then
                echo "FAIL back.data $ns at 0.5: a late sample before T past the cut kept the split"
                fail=1
            fi
        done
    done
done
# measured: 16 and 16 cuts of late.data, 16 and 16 of back.data
[ $kept -ge 56 ] || { echo "FAIL late samples: only $kept of 76 cuts split"; fail=1; }

[ $fail = 0 ] && echo "split: $runs split runs identical to -j 1 ($kept of 76 with late samples split); no-split and error cases agree"
exit $fail
