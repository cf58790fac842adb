#!/bin/sh
# sysflame script against perf's own output on the same recordings:
#  - every sample header line equals perf script's, in the same order;
#  - `sysflame info` counts the samples perf script printed;
#  - for the C programs' DWARF captures, unwound frame lines equal perf's
#    for >= 99% of samples (perf unwinds C correctly with DWARF; Go it
#    cannot); frame-pointer captures are checked by fp-vs-perf.sh;
#  - `sysflame fold --event E --no-leaf` equals stackcollapse-perf.pl's
#    rules applied to `sysflame script` (tests/integration/collapse.py).
set -u
: "${SYSFLAME:?}" "${TESTDATA:?}" "${SRCDIR:?}"
command -v python3 >/dev/null || { echo "SKIP: python3 missing"; exit 77; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
bins=""
for b in "$TESTDATA"/bin/*; do bins="$bins --binary $b"; done
# The C recordings used this machine's libc and ld.so: the exact files are in
# testdata/sysroot, their debug files (perf's symbol names and inline frames)
# in testdata/debug, unpacked here into a build-id tree.
dbg="--symfs $TESTDATA/sysroot"
if command -v zstd >/dev/null; then
    . "$SRCDIR/tests/integration/debug-tree.sh"
    unpack_debug_tree "$tmp/debug"
    dbg="$dbg --debug-dir $tmp/debug"
fi
fail=0

for golden in "$TESTDATA"/rec/*.perf-script; do
    rec=${golden%.perf-script}
    [ -f "$rec" ] || rec="$rec.zst"
    [ -f "$rec" ] || { echo "FAIL: no recording for $golden"; fail=1; continue; }
    name=$(basename "$rec")
    # shellcheck disable=SC2086
    if ! "$SYSFLAME" script -q $bins $dbg "$rec" > "$tmp/out" 2> "$tmp/err"; then
        echo "FAIL $name: sysflame script: $(cat "$tmp/err")"; fail=1; continue
    fi
    grep -v '^	' "$golden" | grep -v '^$' > "$tmp/want.h"
    grep -v '^	' "$tmp/out" | grep -v '^$' > "$tmp/got.h"
    nwant=$(wc -l < "$tmp/want.h")
    if cmp -s "$tmp/want.h" "$tmp/got.h"; then
        echo "ok   $name: $nwant sample headers equal perf script's"
    else
        echo "FAIL $name: sample headers differ from perf script's:"
        diff "$tmp/want.h" "$tmp/got.h" | head -6
        fail=1
    fi
    # shellcheck disable=SC2086
    ninfo=$("$SYSFLAME" info -q --format json $bins "$rec" 2>/dev/null |
            sed -n 's/^  "samples": \([0-9]*\),$/\1/p')
    if [ "$ninfo" != "$nwant" ]; then
        echo "FAIL $name: sysflame info counts '$ninfo' samples, perf script printed $nwant"
        fail=1
    fi
    # Without call chains perf prints no frame lines, so stackcollapse has
    # no stacks to collapse (fold still names each sample's ip).
    case "$name" in go-nocg.data) continue ;; esac
    # fold == stackcollapse(script), event by event (one start of Python
    # collapses them all: it costs ~0.7 s here, more than the collapsing)
    evs=$(sed -n 's/^.*[0-9]: *\([a-z_0-9]*:[a-z_0-9]*\): .*$/\1/p' "$tmp/got.h" | sort -u | head -5)
    rm -rf "$tmp/collapsed" && mkdir "$tmp/collapsed"
    # shellcheck disable=SC2086
    python3 "$SRCDIR/tests/integration/collapse.py" --out-dir "$tmp/collapsed" $evs < "$tmp/out"
    for ev in $evs; do
        # shellcheck disable=SC2086
        "$SYSFLAME" fold -q $bins $dbg --event "$ev" --no-leaf "$rec" > "$tmp/folded" 2>/dev/null
        if ! cmp -s "$tmp/collapsed/$ev.folded" "$tmp/folded"; then
            echo "FAIL $name: fold --event $ev differs from collapsing script output:"
            diff "$tmp/collapsed/$ev.folded" "$tmp/folded" | head -6
            fail=1
        fi
    done
    case "$name" in
    cprog-fp.data|cprog-nofp.data)
        python3 "$SRCDIR/tests/integration/frames_match.py" "$golden" "$tmp/out" 0.99 ||
            fail=1 ;;
    esac
done
exit $fail
