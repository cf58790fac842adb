#!/bin/sh
# Several inputs in one run: a plain capture, a -z capture, a pipe-mode
# capture read from standard input, folded text, the same capture twice.
# Each loads with a worker pool of its own on the same loader; the pool
# once kept the previous capture's stop flag and hung the second capture
# with -j 2 or more (issue 14, point 0).  Every run is under a timeout.
#
# The truth is independent of the multi-input path: each input is folded
# alone, and the counts of equal stacks are summed with awk.  The fold of
# all inputs at once must give exactly those stacks and counts, at every
# -j.  svg and top (text and json) of a mix must not hang and must give
# the bytes -j 1 gives.
set -u
: "${SYSFLAME:?}" "${TESTDATA:?}" "${SRCDIR:?}"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
opts="-q --symfs $TESTDATA/sysroot"
for b in "$TESTDATA"/bin/*; do opts="$opts --binary $b"; done
rec="$TESTDATA/rec"
pipe_zst="$rec/go-oracle.pipe.data.zst"   # pipe-mode, fed on stdin below
folded="$SRCDIR/tests/data/folded/basic.folded"
limit=60
fail=0 runs=0

# run OUT CMD ARGS...: sysflame under the timeout; stdin is the pipe capture
# (an input named - reads it).
run() {
    out=$1; shift
    # shellcheck disable=SC2086
    timeout $limit "$SYSFLAME" "$@" $opts -o "$out" <"$pipe_zst" 2>"$tmp/err"
}

# sum FILE...: folded lines keyed by stack, counts added, sorted.
sum() {
    awk '{ n = $NF; sub(/ [0-9]+$/, ""); c[$0] += n } END { for (s in c) print s " " c[s] }' "$@" |
        LC_ALL=C sort
}

# One reference fold per input, alone and at -j 1.
i=0
for in in "$rec/go-oracle-plain.data" "$rec/go-oracle.data" - "$folded" \
          "$rec/before-1.data" "$rec/cprog-fp.data"; do
    i=$((i + 1))
    if ! run "$tmp/alone.$i" fold -j 1 "$in"; then
        echo "FAIL fold $in alone: exit $?"; cat "$tmp/err"; fail=1
    fi
done
[ $fail = 0 ] || exit 1
[ -s "$tmp/alone.1" ] && [ -s "$tmp/alone.3" ] && [ -s "$tmp/alone.4" ] ||
    { echo "FAIL: an input folded alone gave nothing"; exit 1; }

# Mixes: each names its inputs by their number above.
check_mix() {   # check_mix NAME N...
    name=$1; shift
    args="" refs=""
    for n in "$@"; do
        case $n in
            1) args="$args $rec/go-oracle-plain.data" ;;
            2) args="$args $rec/go-oracle.data" ;;
            3) args="$args -" ;;
            4) args="$args $folded" ;;
            5) args="$args $rec/before-1.data" ;;
            6) args="$args $rec/cprog-fp.data" ;;
        esac
        refs="$refs $tmp/alone.$n"
    done
    # shellcheck disable=SC2086
    sum $refs >"$tmp/want"
    for j in 1 2 3 default; do
        jopt="-j $j"
        [ $j = default ] && jopt=""
        runs=$((runs + 1))
        # shellcheck disable=SC2086
        run "$tmp/got" fold $jopt $args; rc=$?
        if [ $rc = 124 ]; then
            echo "FAIL $name fold $jopt: no answer within ${limit}s (hang)"; fail=1
        elif [ $rc != 0 ]; then
            echo "FAIL $name fold $jopt: exit $rc"; cat "$tmp/err"; fail=1
        elif ! sum "$tmp/got" | cmp -s - "$tmp/want"; then
            echo "FAIL $name fold $jopt: not the sum of the inputs folded alone"
            sum "$tmp/got" | diff "$tmp/want" - | head -10; fail=1
        fi
    done
}

check_mix "plain+z" 1 2
check_mix "z+z (the same capture twice)" 2 2
check_mix "z+plain" 2 1
check_mix "plain+pipe+folded+z" 1 3 4 2
check_mix "folded+pipe+plain" 4 3 1
check_mix "go+c captures" 5 6 2

# svg and top of a mix: no hang, and the bytes -j 1 gives.
args="$rec/go-oracle-plain.data - $rec/go-oracle.data $folded $rec/before-1.data"
for cmd in "svg" "top" "top --format json"; do
    # shellcheck disable=SC2086
    run "$tmp/ref" $cmd -j 1 $args || { echo "FAIL $cmd -j 1: exit $?"; cat "$tmp/err"; fail=1; continue; }
    for j in 2 3 default; do
        jopt="-j $j"
        [ $j = default ] && jopt=""
        runs=$((runs + 1))
        # shellcheck disable=SC2086
        run "$tmp/got" $cmd $jopt $args; rc=$?
        if [ $rc = 124 ]; then
            echo "FAIL $cmd $jopt: no answer within ${limit}s (hang)"; fail=1
        elif [ $rc != 0 ]; then
            echo "FAIL $cmd $jopt: exit $rc"; cat "$tmp/err"; fail=1
        elif ! cmp -s "$tmp/ref" "$tmp/got"; then
            echo "FAIL $cmd $jopt: output differs from -j 1"; fail=1
        fi
    done
done

[ $fail = 0 ] && echo "multi-input: $runs runs, none hung, folds equal the sums of the inputs alone"
exit $fail
