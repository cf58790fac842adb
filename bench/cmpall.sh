#!/bin/sh
# bench/cmpall.sh - every command on every testdata capture, outputs saved
# for a byte-for-byte comparison between two builds (a refactor must not
# change a byte).
#
# Usage: bench/cmpall.sh SYSFLAME OUTDIR [MODE...]
#   MODE: j1 (-j 1), j2 (-j 2), split (-j 2 with the two-process split
#   forced on every capture, cut at 1% of the data), default (no -j).
#   Default modes: j1 j2 split.
# Then:  diff -r OUTDIR.before OUTDIR.after
#
# Each run saves its output file(s), standard error and exit code.  Runs
# from the repository root (testdata/, tests/data/).
set -u
[ $# -ge 2 ] || { echo "usage: $0 SYSFLAME OUTDIR [MODE...]" >&2; exit 2; }
sf=$(readlink -f "$1"); out=$2; shift 2
modes=${*:-j1 j2 split}
root=$(cd "$(dirname "$0")/.." && pwd)
td=$root/testdata
rec=$td/rec
opts="--symfs $td/sysroot"
for b in "$td"/bin/*; do opts="$opts --binary $b"; done

inputs="$(ls "$rec"/*.data) $rec/go-oracle.pipe.data.zst $root/tests/data/folded/basic.folded"

# one NAME ARGS...: runs sysflame ARGS... (with -o NAME.out), saving stderr and rc.
one() {
    name=$1; shift
    # shellcheck disable=SC2086
    (cd "$root" && env $menv timeout 300 "$sf" "$@" $jopt $opts -o "$dir/$name.out" \
        >"$dir/$name.stdout" 2>"$dir/$name.err"; echo $? >"$dir/$name.rc")
    # the temporary spill folder and timings must not differ between runs
    sed -i -e 's#/tmp/[^ :]*#/TMP#g' "$dir/$name.err"
}

for mode in $modes; do
    dir=$out/$mode
    rm -rf "$dir"; mkdir -p "$dir"
    menv="SYSFLAME_CMPALL=1"
    case $mode in
        j1) jopt="-j 1" ;;
        j2) jopt="-j 2" ;;
        split) jopt="-j 2"; menv="SYSFLAME_SPLIT_MIN_BYTES=0 SYSFLAME_SPLIT_AT=0.01 SYSFLAME_SPLIT_TRACE=1" ;;
        default) jopt="" ;;
        *) echo "unknown mode $mode" >&2; exit 2 ;;
    esac
    for f in $inputs; do
        b=$(basename "$f")
        one "$b.fold" fold "$f"
        one "$b.fold-tid" fold --with-tid "$f"
        one "$b.fold-pid" fold --with-pid "$f"
        one "$b.fold-addrs" fold --addrs "$f"
        one "$b.fold-noinline" fold --no-inline "$f"
        one "$b.fold-kernel" fold --kernel "$f"
        one "$b.fold-noleaf" fold --no-leaf "$f"
        one "$b.svg" svg "$f"
        one "$b.svg-title" svg --title "T" --width 800 "$f"
        for fmt in text md csv json; do
            one "$b.top-$fmt" top --format $fmt "$f"
        done
        one "$b.top-stacks" top --stacks 5 --sort name "$f"
        # --sort time without exit events compares NaN latencies, and the
        # order then follows the stacks' first-seen order, which deferred
        # naming (-j 2+) makes timing-dependent: only -j 1 is reproducible
        [ "$mode" = j1 ] && one "$b.top-time" top --sort time --limit 10 "$f"
        one "$b.script" script "$f"
        one "$b.script-kernel" script --kernel "$f"
        for fmt in text md csv json; do
            one "$b.info-$fmt" info --format $fmt "$f"
        done
        one "$b.fold-write" fold --syscall write "$f"
    done
    # several inputs at once
    one "multi.fold" fold "$rec/go-oracle.data" "$rec/go-oracle-plain.data" "$rec/before-1.data"
    one "multi.top" top --format json "$rec/go-oracle.data" "$rec/go-oracle-plain.data"
    # diff and report: before/after pairs
    for fmt in text md csv json; do
        one "diff.table-$fmt" diff --table --format $fmt "$rec/before-1.data" "$rec/after-1.data"
    done
    one "diff.svg" diff "$rec/before-1.data" "$rec/after-1.data"
    one "diff.multi" diff --table --before "$rec/before-1.data" "$rec/before-2.data" \
        --after "$rec/after-1.data" "$rec/after-2.data"
    one "diff.norm" diff --table --normalize --ignore-comm "$rec/before-2.data" "$rec/after-2.data"
    one "diff.svg-neg" diff --shape before "$rec/before-2.data" "$rec/after-2.data"
    one "report.one" report "$rec/go-oracle.data"
    one "report.two" report "$rec/before-1.data" "$rec/after-1.data"
done
echo "cmpall: outputs in $out ($modes)"
