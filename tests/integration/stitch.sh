#!/bin/sh
# stitch.sh - stitching truncated stacks (stitch.h) against the truth.
# The deep-stack captures of testdata/stitch were recorded with a 64 KiB
# stack copy; tools/perf-cut-stack.py cuts them to 8 KiB.  The cut file is
# a valid capture with the same samples (perf script reads it and counts
# the same samples per event, when perf is installed), and sysflame finds
# truncated stacks in it and none in the full file.  Then, sample by
# sample (stitch_truth.py), every stack stitched in the cut file must equal
# the full file's, every untruncated one must be unchanged, and at least
# MIN percent of the truncated ones must be completed (the figures of
# doc/stitching.md); `info` must count what `script` marks; -j 1 and -j 2
# agree, and so does a split read with its cut inside recursions (the
# parts' overlap; without it, stitches are lost, none is added);
# --no-stitch leaves every cut stack truncated.  Filters hide samples from
# the output, not from the stitcher: a filtered fold's rows are the
# unfiltered fold's rows of what it keeps, also where a filter hides the
# donors (every seventh write relabelled a getppid, perf-cut-stack.py
# --relabel), and the filtered stacks hold against the truth.
# Env: SYSFLAME, TESTDATA, SRCDIR (set by make check).
set -u
: "${SYSFLAME:?}" "${TESTDATA:?}" "${SRCDIR:?}"
command -v python3 >/dev/null 2>&1 || { echo "SKIP: python3 missing"; exit 77; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
S=$TESTDATA/stitch
fail=0
err() { echo "FAIL: $*"; fail=1; }
# the value of row NAME in the stops table of `info --no-stitch --format csv`
stops() { "$SYSFLAME" info -q --no-stitch --format csv --binary "$S/$1" --symfs "$TESTDATA/sysroot" "$2" |
          awk -F, -v r="$3" '/^reason,/ { t = 1 } t && $1 == r { print $2 }'; }
# fold at -j 1 (1), -j 2 (2) or with the split forced (s)
fold_as() { m=$1; shift
    case $m in
    1|2) "$SYSFLAME" fold -q -j "$m" "$@" ;;
    s) SYSFLAME_SPLIT_MIN_BYTES=1 "$SYSFLAME" fold -q -j 2 "$@" ;;
    esac; }
# filtered F O...: every syscall, event and thread of capture F, filtered,
# gives the unfiltered rows that name it, byte for byte (fold options O)
filtered() { f=$1; shift
    for m in 1 2 s; do
        fold_as "$m" "$@" "$f" >"$tmp/fa" && fold_as "$m" --with-tid "$@" "$f" >"$tmp/fta" ||
            { err "$f: fold -j $m failed"; continue; }
        for sc in $(awk '{ sub(/ [0-9]+$/, ""); n = split($0, a, ";"); print a[n] }' "$tmp/fa" |
                    sort -u); do
            grep ";$sc [0-9]*\$" "$tmp/fa" >"$tmp/want"
            fold_as "$m" "$@" --syscall "$sc" "$f" >"$tmp/fs"
            cmp -s "$tmp/want" "$tmp/fs" || err "$f: fold ($m) --syscall $sc: not the unfiltered rows"
            fold_as "$m" "$@" --event "syscalls:sys_enter_$sc" "$f" >"$tmp/fs"
            cmp -s "$tmp/want" "$tmp/fs" || err "$f: fold ($m) --event sys_enter_$sc: not the unfiltered rows"
        done
        for t in $(sed 's/;.*//; s/.*\///' "$tmp/fta" | sort -u); do
            grep "^[^;]*/$t;" "$tmp/fta" >"$tmp/want"
            fold_as "$m" --with-tid "$@" --tid "$t" "$f" >"$tmp/fs"
            cmp -s "$tmp/want" "$tmp/fs" || err "$f: fold ($m) --tid $t: not the unfiltered rows"
        done
    done; }
# program and the least share of cut stacks it must complete exactly
for pm in deepgo:95 deepc:95; do
    p=${pm%:*} min=${pm#*:}
    o="--binary $S/$p --symfs $TESTDATA/sysroot"
    python3 "$SRCDIR/tools/perf-cut-stack.py" "$S/$p.data" "$tmp/$p.cut.data" 2>"$tmp/cut.err" ||
        { err "$p: cut failed: $(cat "$tmp/cut.err")"; continue; }
    if command -v perf >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
        perf script -i "$S/$p.data" -F event 2>/dev/null | sort | uniq -c >"$tmp/full.n"
        perf script -i "$tmp/$p.cut.data" -F event 2>"$tmp/perf.err" | sort | uniq -c >"$tmp/cut.n"
        [ -s "$tmp/full.n" ] || err "$p: perf script read no sample of the full file"
        cmp -s "$tmp/full.n" "$tmp/cut.n" || err "$p: perf script counts differ after the cut"
        ! grep -qi 'error\|corrupt\|bad' "$tmp/perf.err" || err "$p: perf script: $(head -2 "$tmp/perf.err")"
    fi
    tf=$(stops "$p" "$S/$p.data" truncated); tc=$(stops "$p" "$tmp/$p.cut.data" truncated)
    [ -z "$tf" ] || err "$p: the 64 KiB capture has truncated stacks ($tf)"
    [ "${tc:-0}" -gt 0 ] 2>/dev/null || err "$p: no truncated stack in the 8 KiB cut"
    # shellcheck disable=SC2086
    "$SYSFLAME" script -q -j 1 $o "$S/$p.data" >"$tmp/full.s" || err "$p: script (full) failed"
    # shellcheck disable=SC2086
    "$SYSFLAME" script -q -j 1 $o "$tmp/$p.cut.data" >"$tmp/cut.s" || err "$p: script (cut) failed"
    python3 "$SRCDIR/tests/integration/stitch_truth.py" "$p" "$tmp/full.s" "$tmp/cut.s" "$min" ||
        err "$p: stitching against the full stacks (above)"
    # info counts what script marks
    ns=$(awk 'BEGIN { RS = "" } /\(stitched\)/ { n++ } END { print n + 0 }' "$tmp/cut.s")
    nt=$(awk 'BEGIN { RS = "" } /\[truncated\]/ { n++ } END { print n + 0 }' "$tmp/cut.s")
    # shellcheck disable=SC2086
    "$SYSFLAME" info -q --format csv $o "$tmp/$p.cut.data" >"$tmp/info.csv"
    is=$(awk -F, '/^stack,/ { t = 1 } t && $1 == "stitched" { print $2 }' "$tmp/info.csv")
    it=$(awk -F, '/^stack,/ { t = 1 } t && $1 == "still truncated" { print $2 }' "$tmp/info.csv")
    [ "$ns" -gt 0 ] && [ "$ns" = "$is" ] && [ "$nt" = "$it" ] ||
        err "$p: info counts $is stitched, $it truncated; script marks $ns and $nt"
    # -j 2 agrees with -j 1; --no-stitch cuts every cut stack short again
    # shellcheck disable=SC2086
    "$SYSFLAME" fold -q -j 1 $o "$tmp/$p.cut.data" >"$tmp/f1"
    # shellcheck disable=SC2086
    "$SYSFLAME" fold -q -j 2 $o "$tmp/$p.cut.data" >"$tmp/f2"
    cmp -s "$tmp/f1" "$tmp/f2" || err "$p: fold -j 2 differs from -j 1"
    # A split read (split.h) stitches as -j 1 does.  The cut file rewritten
    # in delivery order with a round marker every 16 samples reads the same,
    # and its cut can fall anywhere: at these fractions it falls inside
    # recursions of deepgo (donors on both sides).  The parts overlap by
    # default; without the overlap some of those cuts lose stitches, but no
    # split makes a stack -j 1 does not.
    python3 "$SRCDIR/tools/perf-cut-stack.py" "$S/$p.data" "$tmp/$p.r.data" --rounds 16 \
        2>"$tmp/cut.err" || err "$p: --rounds: $(cat "$tmp/cut.err")"
    # shellcheck disable=SC2086
    "$SYSFLAME" fold -q -j 1 $o "$tmp/$p.r.data" >"$tmp/r1"
    cmp -s "$tmp/f1" "$tmp/r1" || err "$p: the capture in rounds of 16 reads differently"
    lost=0
    for at in 0.28 0.32 0.46 0.48 0.5 0.52 0.56; do
        for ov in "" 0; do
            # shellcheck disable=SC2086
            SYSFLAME_SPLIT_MIN_BYTES=1 SYSFLAME_SPLIT_AT=$at SYSFLAME_SPLIT_TRACE=1 \
                SYSFLAME_SPLIT_OVERLAP=$ov "$SYSFLAME" fold -q -j 2 $o "$tmp/$p.r.data" \
                >"$tmp/fs" 2>"$tmp/fs.err"
            grep -q 'second part after' "$tmp/fs.err" || err "$p: cut at $at: not split"
            if [ -z "$ov" ]; then
                cmp -s "$tmp/f1" "$tmp/fs" || err "$p: cut at $at: split differs from -j 1"
                continue
            fi
            cmp -s "$tmp/f1" "$tmp/fs" || lost=$((lost + 1))
            # every stack the split completes, -j 1 completes as often or more
            awk 'function key(l) { sub(/ [0-9]+$/, "", l); return l }
                 NR == FNR { c[key($0)] += $NF; t1 += $NF; next }
                 { t2 += $NF; k = key($0)
                   if (k !~ /\[truncated\]/ && $NF > c[k]) { print; bad = 1 } }
                 END { exit bad || t1 != t2 }' "$tmp/f1" "$tmp/fs" >"$tmp/extra" ||
                err "$p: cut at $at, no overlap: stacks -j 1 does not make: $(head -2 "$tmp/extra")"
        done
    done
    [ "$p" != deepgo ] || [ "$lost" -gt 0 ] ||
        err "$p: no cut without overlap lost a stitch: the cuts do not cross recursions"
    # Filters: the rows they keep are the unfiltered run's, in the cut
    # capture and in one where every seventh write is a getppid (stitched
    # with a filter on either, before filtered samples were shown to the
    # stitcher: deepc 5 of 63 getppid stacks, deepgo 21 of 74 and 2 wrong).
    # shellcheck disable=SC2086
    filtered "$tmp/$p.cut.data" $o
    rl="--relabel syscalls:sys_enter_write,syscalls:sys_enter_getppid,7"
    # shellcheck disable=SC2086
    python3 "$SRCDIR/tools/perf-cut-stack.py" "$S/$p.data" "$tmp/$p.rl.data" $rl 2>"$tmp/cut.err" &&
        python3 "$SRCDIR/tools/perf-cut-stack.py" "$S/$p.data" "$tmp/$p.rlf.data" 65528 $rl \
        2>"$tmp/cut.err" || err "$p: --relabel: $(cat "$tmp/cut.err")"
    # shellcheck disable=SC2086
    filtered "$tmp/$p.rl.data" $o
    for sc in write getppid; do
        # shellcheck disable=SC2086
        "$SYSFLAME" script -q -j 1 $o --syscall $sc "$tmp/$p.rlf.data" >"$tmp/full.s"
        # shellcheck disable=SC2086
        "$SYSFLAME" script -q -j 1 $o --syscall $sc "$tmp/$p.rl.data" >"$tmp/cut.s"
        python3 "$SRCDIR/tests/integration/stitch_truth.py" "$p" "$tmp/full.s" "$tmp/cut.s" "$min" ||
            err "$p: --syscall $sc, every seventh write a getppid: against the full stacks (above)"
    done
    # shellcheck disable=SC2086
    "$SYSFLAME" script -q $o --no-stitch "$tmp/$p.cut.data" >"$tmp/ns.s"
    nn=$(awk 'BEGIN { RS = "" } /\[truncated\]/ { n++ } END { print n + 0 }' "$tmp/ns.s")
    ! grep -q '(stitched)' "$tmp/ns.s" && [ "$nn" = "$((ns + nt))" ] ||
        err "$p: --no-stitch: $nn truncated stacks, not $((ns + nt))"
done
exit $fail
