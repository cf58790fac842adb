#!/bin/sh
# Frame-pointer captures (perf record -g) against perf's own reading of
# them: perf names the recorded chain itself, so every frame perf script
# names must appear in sysflame script's stack of the same sample, in the
# same order (fp_match.py: plus inlined frames, minus the Go wrappers the
# runtime hides, which gowrappers lists from the pclntab).  Also: the
# "[caller not recorded]" gap after frameless leaves (fp_gap.py), kernel
# frames with --kernel against perf's (fp_kernel.py), the
# stack of a marker in fold (no gap frame), `info` naming
# the mode, and captures without a call graph (one frame, a warning).
set -u
: "${SYSFLAME:?}" "${TESTDATA:?}" "${SRCDIR:?}" "${BUILDDIR:?}"
command -v python3 >/dev/null || { echo "SKIP: python3 missing"; exit 77; }
command -v zstd >/dev/null || { echo "SKIP: zstd missing"; exit 77; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
R=$TESTDATA/rec
fail=0
dbg="--symfs $TESTDATA/sysroot"
. "$SRCDIR/tests/integration/debug-tree.sh"
unpack_debug_tree "$tmp/debug"
dbg="$dbg --debug-dir $tmp/debug"
"$BUILDDIR/tests/lib/gowrappers" "$TESTDATA/bin/oracle.test" > "$tmp/wrappers" || exit 1

check() {   # NAME RECORDING PERF-SCRIPT GO-BINARY-PATH SYSFLAME-OPTIONS...
    name=$1 rec=$2 golden=$3 gobin=$4
    shift 4
    if ! "$SYSFLAME" script -q "$@" "$rec" > "$tmp/out" 2> "$tmp/err"; then
        echo "FAIL $name: sysflame script: $(cat "$tmp/err")"; fail=1; return
    fi
    case "$golden" in *.zst) zstd -dc "$golden" > "$tmp/want" ;; *) cp "$golden" "$tmp/want" ;; esac
    if python3 "$SRCDIR/tests/integration/fp_match.py" "$tmp/want" "$tmp/out" "$gobin" \
            "$tmp/wrappers" > "$tmp/match"; then
        echo "ok   $name: $(tail -1 "$tmp/match")"
    else
        echo "FAIL $name:"; cat "$tmp/match"; fail=1
    fi
}

check go-oracle-fp "$R/go-oracle-fp.data" "$R/go-oracle-fp.data.perf-script.zst" \
    /tmp/sfrec/oracle.test --binary "$TESTDATA/bin/oracle.test"
# shellcheck disable=SC2086
check cprog-fp-fp "$R/cprog-fp-fp.data" "$R/cprog-fp-fp.data.perf-script" - \
    --binary "$TESTDATA/bin/cprog-fp" $dbg

# Kernel frames (--kernel): cpu-clock samples' chains have them (syscall
# tracepoints' do not); named from the capture's boot's kallsyms (the
# symbols it needs, testdata/kallsyms-subset.py), they are perf's, in
# order, in script and in fold's stacks (fp_kernel.py).
k="--kernel --kallsyms $R/go-cpuclock.data.kallsyms --binary $TESTDATA/bin/oracle.test"
# shellcheck disable=SC2086
"$SYSFLAME" script -q $k "$R/go-cpuclock.data" > "$tmp/kscript" &&
    "$SYSFLAME" fold -q $k "$R/go-cpuclock.data" > "$tmp/kfold" || fail=1
if python3 "$SRCDIR/tests/integration/fp_kernel.py" "$R/go-cpuclock.data.perf-script" \
        "$tmp/kscript" "$tmp/kfold" > "$tmp/kmatch"; then
    echo "ok   kernel frames: $(tail -1 "$tmp/kmatch")"
else
    echo "FAIL kernel frames:"; cat "$tmp/kmatch"; fail=1
fi

# The gap after a frameless leaf: script marks it where the DWARF capture of
# the same program has a frame between the leaf and the caller the chain
# shows, and only there (fp_gap.py).
"$SYSFLAME" script -q --binary "$TESTDATA/bin/oracle.test" "$R/go-oracle-fp.data" > "$tmp/fp.txt"
"$SYSFLAME" script -q --binary "$TESTDATA/bin/oracle.test" "$R/go-oracle.data" > "$tmp/dw.txt"
if python3 "$SRCDIR/tests/integration/fp_gap.py" "$tmp/fp.txt" "$tmp/dw.txt" > "$tmp/gap"; then
    echo "ok   $(tail -1 "$tmp/gap")"
else
    echo "FAIL gap frames:"; cat "$tmp/gap"; fail=1
fi

# Folded stacks: named frames from the root down (Syscall6's caller,
# RawSyscall6, is not in a frame-pointer chain: Syscall6 has no frame).
"$SYSFLAME" fold -q --binary "$TESTDATA/bin/oracle.test" "$R/go-oracle-fp.data" > "$tmp/folded"
if grep -q 'caller not recorded' "$tmp/folded"; then
    echo "FAIL fold shows the gap:"; grep -m3 'caller not' "$tmp/folded"; fail=1
elif ! grep -q '^oracle.test;runtime.goexit;runtime.main;runtime.doInit;runtime.doInit;oracle.init.0;oracle.marker;syscall.Syscall;runtime/internal/syscall.Syscall6;prctl 1$' "$tmp/folded"; then
    echo "FAIL fold: no marker stack"; fail=1
else
    echo "ok   fold: $(wc -l < "$tmp/folded") stacks, no gap frames"
fi

# info names the call-graph mode.
for m in "go-oracle-fp.data fp" "go-oracle.data dwarf" "go-nocg.data none"; do
    set -- $m
    got=$("$SYSFLAME" info --format json "$R/$1" 2>/dev/null | sed -n 's/^  "call_graph": "\(.*\)",$/\1/p')
    if [ "$got" = "$2" ]; then echo "ok   info $1: call_graph $got"; else
        echo "FAIL info $1: call_graph '$got', want '$2'"; fail=1; fi
done

# No call graph: one frame per sample (the sampled ip, named) and a warning.
"$SYSFLAME" fold --binary "$TESTDATA/bin/oracle.test" "$R/go-nocg.data" > "$tmp/folded" 2> "$tmp/err"
want='oracle.test;runtime/internal/syscall.Syscall6;prctl 70'
if grep -qx "$want" "$tmp/folded" &&
   grep -q "recorded without a call graph; record with --call-graph dwarf" "$tmp/err"; then
    echo "ok   no call graph: leaf frames and a warning"
else
    echo "FAIL no call graph:"; head -3 "$tmp/folded"; cat "$tmp/err"; fail=1
fi
# ... and the warning on every command that reads the capture
for c in info script top "svg -o $tmp/x.svg" "export --format pprof -o $tmp/x.pb" \
         "report -o $tmp/rep" "diff $R/go-nocg.data"; do
    # shellcheck disable=SC2086
    "$SYSFLAME" $c --binary "$TESTDATA/bin/oracle.test" "$R/go-nocg.data" > /dev/null 2> "$tmp/err"
    n=$(grep -c "samples were recorded without a call graph; record with --call-graph dwarf" "$tmp/err")
    [ "$n" -ge 1 ] || { echo "FAIL ${c%% *}: no call-graph warning: $(cat "$tmp/err")"; fail=1; }
done
exit $fail
