#!/bin/sh
# The caches that make repeated stacks cheap (the per-worker stack memo and
# the main thread's stack ids, see memo.h) must never change an output:
# every command on every testdata recording gives the same bytes with them
# turned off (SYSFLAME_NO_MEMO=1: every sample symbolized and named anew,
# the path script-vs-perf and oracle check against perf and the Go
# runtime), with one worker and with three.  Nor may naming samples after
# the last one (what happens to samples that would wait for a DWARF load
# under way): SYSFLAME_DEFER_ALL=1 defers every sample.
# make check runs a representative subset: four recordings that cover the
# kinds of input (C with DWARF CFI, cgo, enter+exit events, a -z pipe-mode
# stream), every command once, at -j 1 and -j 3 in turn; make check-full
# (SF_CHECK_FULL=1) every recording, every command, both -j.
set -u
: "${SYSFLAME:?}" "${TESTDATA:?}" "${SRCDIR:?}"
command -v zstd >/dev/null || { echo "SKIP: zstd missing"; exit 77; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
opts="--symfs $TESTDATA/sysroot"
for b in "$TESTDATA"/bin/*; do opts="$opts --binary $b"; done
. "$SRCDIR/tests/integration/debug-tree.sh"
unpack_debug_tree "$tmp/debug"
opts="$opts --debug-dir $tmp/debug"
full=${SF_CHECK_FULL:-}
fail=0 runs=0 turn=0
for rec in "$TESTDATA"/rec/*.data "$TESTDATA"/rec/*.data.zst; do
    [ -f "$rec" ] || continue
    if [ -z "$full" ]; then
        case $(basename "$rec") in
        cprog-nofp.data|cgo.data|go-enterexit.data|go-oracle.pipe.data.zst) ;;
        *) continue ;;
        esac
    fi
    for cmd in "fold" "fold --addrs --with-tid" "fold --no-inline --kernel" \
               "script" "top --format json" "info --format json" "svg"; do
        turn=$((turn + 1))
        for j in 1 3; do
            # the subset: -j 1 on odd turns, -j 3 on even ones
            [ -n "$full" ] || [ $(((turn + j / 3) % 2)) = 1 ] || continue
            # shellcheck disable=SC2086
            "$SYSFLAME" $cmd -q -j $j $opts "$rec" -o "$tmp/with" 2>"$tmp/with.err"; a=$?
            # shellcheck disable=SC2086
            SYSFLAME_NO_MEMO=1 "$SYSFLAME" $cmd -q -j $j $opts "$rec" -o "$tmp/without" \
                2>"$tmp/without.err"; b=$?
            # shellcheck disable=SC2086
            SYSFLAME_DEFER_ALL=1 "$SYSFLAME" $cmd -q -j $j $opts "$rec" -o "$tmp/deferred" \
                2>"$tmp/deferred.err"; c=$?
            runs=$((runs + 1))
            if [ $a != 0 ] || [ $b != 0 ] || [ $c != 0 ]; then
                echo "FAIL $(basename "$rec") $cmd -j $j: exit $a / $b / $c"; cat "$tmp/with.err"; fail=1
            elif ! cmp -s "$tmp/with" "$tmp/without"; then
                echo "FAIL $(basename "$rec") $cmd -j $j: output differs without the memo"; fail=1
            elif ! cmp -s "$tmp/with" "$tmp/deferred"; then
                echo "FAIL $(basename "$rec") $cmd -j $j: output differs with every sample named last"; fail=1
            elif [ ! -s "$tmp/with" ]; then
                echo "FAIL $(basename "$rec") $cmd -j $j: empty output"; fail=1
            fi
        done
    done
done
[ $runs -gt 0 ] || { echo "memo: no recordings in $TESTDATA/rec"; exit 77; }
[ $fail = 0 ] && echo "memo: $runs commands identical with and without the stack memo, and named last"
exit $fail
