#!/bin/sh
# export.sh - `sysflame export` read back by each format's own reader:
#   pprof:      go tool pprof -traces (stacks and counts equal `sysflame fold`'s),
#               -raw (every location's file:line and function equal `go tool
#               addr2line`'s on the binary, start lines equal `go tool objdump`'s,
#               latencies equal top's), -top, -disasm (samples on the CALLs);
#               skipped without a Go toolchain
#   speedscope: the published schema's required keys, types and index bounds;
#               stacks equal fold's; each thread's samples in the trace's time order
#   trace:      trace-event structure (ph, ts in us, pid, tid, metadata, stackFrames);
#               stacks equal fold's; times and threads equal `sysflame script`'s;
#               one duration event per paired exit, lasting top's latency
# on a -z capture, an enter/exit capture, two captures summed, --no-inline and
# --syscall filters, and a C capture; outputs identical for -j 1 and -j 2
# (one and two captures), and between two runs; -list shows the counts on
# the source lines (testdata/src).
set -u
: "${SYSFLAME:?}" "${TESTDATA:?}" "${SRCDIR:?}"
command -v python3 >/dev/null || { echo "export.sh: SKIP: python3 missing"; exit 77; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT INT TERM
check="$SRCDIR/tests/integration/export_check.py"
fail=0

GO=
for g in go /usr/lib/go-1.19/bin/go; do
    if command -v "$g" >/dev/null 2>&1; then GO=$(command -v "$g"); break; fi
done
if [ -n "$GO" ]; then
    # A Go toolchain that touches nothing outside $tmp and never the network.
    mkdir -p "$tmp/home"
    HOME="$tmp/home" GOCACHE="$tmp/gocache" GOPATH="$tmp/gopath" GOENV=off GOFLAGS= \
        GOPROXY=off GOTOOLCHAIN=local PPROF_TMPDIR="$tmp/pprof" PPROF_BINARY_PATH= \
        XDG_CONFIG_HOME="$tmp/home"
    export HOME GOCACHE GOPATH GOENV GOFLAGS GOPROXY GOTOOLCHAIN PPROF_TMPDIR \
        PPROF_BINARY_PATH XDG_CONFIG_HOME
    "$GO" tool pprof -h >/dev/null 2>&1 || GO=
fi
[ -n "$GO" ] || echo "export.sh: go not found: the pprof read-back is skipped (quickstart.sh installs golang-1.19-go)"

verdict() {  # verdict NAME WHAT: the checker's output in $tmp/NAME.res
    if [ -s "$tmp/$1.res" ]; then
        echo "FAIL $1: $2"; head -20 "$tmp/$1.res"; fail=1
    else
        echo "ok   $1: $2"
    fi
}

# case NAME "SYSFLAME OPTIONS" INPUT...: exports, folds, scripts, tops the
# same inputs with the same options and compares.
case_() {
    name=$1 opts=$2
    shift 2
    # shellcheck disable=SC2086
    "$SYSFLAME" fold -q $opts "$@" > "$tmp/$name.fold" || { echo "FAIL $name: fold"; fail=1; return; }
    # shellcheck disable=SC2086
    "$SYSFLAME" script -q $opts "$@" > "$tmp/$name.script" || { echo "FAIL $name: script"; fail=1; return; }
    # shellcheck disable=SC2086
    "$SYSFLAME" top -q $opts --format json "$@" > "$tmp/$name.top" || { echo "FAIL $name: top"; fail=1; return; }
    for f in pprof speedscope trace; do
        # shellcheck disable=SC2086
        if ! "$SYSFLAME" export -q -j 2 $opts --format $f -o "$tmp/$name.$f" "$@" 2> "$tmp/$name.err"; then
            echo "FAIL $name: export --format $f: $(cat "$tmp/$name.err")"; fail=1; return
        fi
        [ "$jcheck" = 1 ] || continue
        # shellcheck disable=SC2086
        "$SYSFLAME" export -q -j 1 $opts --format $f -o "$tmp/$name.$f.j1" "$@"
        cmp -s "$tmp/$name.$f" "$tmp/$name.$f.j1" ||
            { echo "FAIL $name: $f output differs between -j 1 and -j 2"; fail=1; }
    done
    top=
    grep -q '"exits": [1-9]' "$tmp/$name.top" && top="$tmp/$name.top"
    python3 "$check" trace "$tmp/$name.trace" "$tmp/$name.fold" "$tmp/$name.script" $top \
        > "$tmp/$name-trace.res" 2>&1
    verdict "$name-trace" "trace events = fold, script times${top:+, top latencies}"
    python3 "$check" speedscope "$tmp/$name.speedscope" "$tmp/$name.fold" "$tmp/$name.trace" \
        > "$tmp/$name-speedscope.res" 2>&1
    verdict "$name-speedscope" "schema, stacks = fold, time order = trace"
    [ -n "$GO" ] || return
    if ! "$GO" tool pprof -traces "$tmp/$name.pprof" > "$tmp/$name.traces" 2> "$tmp/$name.perr"; then
        echo "FAIL $name: go tool pprof -traces: $(head -3 "$tmp/$name.perr")"; fail=1; return
    fi
    python3 "$check" pprof-traces "$tmp/$name.traces" "$tmp/$name.fold" "$tmp/$name.top" \
        > "$tmp/$name-pprof.res" 2>&1
    verdict "$name-pprof" "go tool pprof -traces = fold, labels test and comm = top"
    total=$(awk '{ n += $NF } END { print n + 0 }' "$tmp/$name.fold")
    "$GO" tool pprof -top "$tmp/$name.pprof" 2>/dev/null > "$tmp/$name.ptop"
    if grep -q "Total samples = $total *\$" "$tmp/$name.ptop"; then
        echo "ok   $name-pprof-top: $total samples"
    else
        echo "FAIL $name-pprof-top: fold has $total samples:"; head -5 "$tmp/$name.ptop"; fail=1
    fi
}

# mappings NAME DATA: the pprof mappings against perf script's mmap events
# and readelf's build-ids (skipped without perf or readelf).
mappings() {
    [ -n "$GO" ] || return
    if ! command -v perf >/dev/null || ! command -v readelf >/dev/null; then
        echo "skip $1-mappings: needs perf and readelf"; return
    fi
    "$GO" tool pprof -raw "$tmp/$1.pprof" > "$tmp/$1.raw" 2>/dev/null
    perf script --show-mmap-events -i "$2" 2>/dev/null | grep 'PERF_RECORD_MMAP' > "$tmp/$1.mmaps"
    python3 "$check" pprof-mappings "$tmp/$1.raw" "$tmp/$1.mmaps" > "$tmp/$1-maps.res" 2>&1
    verdict "$1-mappings" "start/limit/offset = perf script's mmaps, build-ids = readelf's"
}

# raw_c NAME BINARY: a C program's locations (inline chains) against
# binutils' addr2line on its DWARF (skipped without addr2line or readelf).
raw_c() {
    [ -n "$GO" ] || return
    if ! command -v addr2line >/dev/null || ! command -v readelf >/dev/null; then
        echo "skip $1-raw-c: needs addr2line and readelf"; return
    fi
    "$GO" tool pprof -raw "$tmp/$1.pprof" > "$tmp/$1.raw" 2>/dev/null
    python3 "$check" pprof-raw-c "$tmp/$1.raw" "$2" > "$tmp/$1-rawc.res" 2> "$tmp/$1-rawc.info"
    verdict "$1-raw-c" "locations = addr2line -f -i ($(cat "$tmp/$1-rawc.info"))"
}

# raw NAME BINARY: file:line, functions and start lines against the Go tools.
raw() {
    [ -n "$GO" ] || return
    "$GO" tool pprof -raw "$tmp/$1.pprof" > "$tmp/$1.raw" 2>/dev/null
    top=
    grep -q '"exits": [1-9]' "$tmp/$1.top" && top="$tmp/$1.top"
    python3 "$check" pprof-raw "$tmp/$1.raw" "$GO" "$2" $top > "$tmp/$1-raw.res" 2>&1
    verdict "$1-raw" "locations = go tool addr2line, start lines = objdump${top:+, latencies = top}"
    python3 "$check" speedscope-lines "$tmp/$1.speedscope" "$GO" "$2" > "$tmp/$1-sslines.res" 2>&1
    verdict "$1-speedscope-lines" "frames' file and line = objdump's"
}

ob="$TESTDATA/bin/oracle.test"
jcheck=1
case_ go-oracle "--binary $ob" "$TESTDATA/rec/go-oracle.data"
raw go-oracle "$ob"
jcheck=0
case_ go-enterexit "--binary $ob" "$TESTDATA/rec/go-enterexit.data"
raw go-enterexit "$ob"
case_ no-inline "--binary $ob --no-inline" "$TESTDATA/rec/go-oracle.data"
case_ filtered "--binary $ob --syscall write,openat" "$TESTDATA/rec/go-oracle.data"
jcheck=1
case_ two-inputs "--binary $TESTDATA/bin/before.test" "$TESTDATA/rec/before-1.data" \
    "$TESTDATA/rec/before-2.data"
jcheck=0
case_ c-dwarf "--binary $TESTDATA/bin/cprog-nofp" "$TESTDATA/rec/cprog-nofp.data"
mappings c-dwarf "$TESTDATA/rec/cprog-nofp.data"
raw_c c-dwarf "$TESTDATA/bin/cprog-nofp"
mappings go-oracle "$TESTDATA/rec/go-oracle.data"

if [ -n "$GO" ]; then
    # -disasm reads the binary named by the mapping: samples land on calls.
    "$GO" tool pprof -disasm=oracle.TestFiles "$tmp/go-oracle.pprof" > "$tmp/disasm" 2>&1
    if grep -q 'ROUTINE =* oracle.TestFiles$' "$tmp/disasm" &&
       grep -Eq '^ +\. +[0-9]+ +[0-9a-f]+: +CALL ' "$tmp/disasm"; then
        echo "ok   disasm: samples on CALL instructions of oracle.TestFiles"
    else
        echo "FAIL disasm:"; head -20 "$tmp/disasm"; fail=1
    fi
fi

if [ -n "$GO" ]; then
    # -list finds the source by the recorded file names: counts per line add
    # up to the samples under oracle.TestFiles in fold.
    "$GO" tool pprof -list=oracle.TestFiles -source_path="$TESTDATA/src" \
        "$tmp/go-oracle.pprof" > "$tmp/list" 2>&1
    want=$(awk '/;oracle\.TestFiles;/ { n += $NF } END { print n + 0 }' "$tmp/go-oracle.fold")
    got=$(awk '/^ROUTINE/ { r++; ok = ($2 == "========================" && $3 == "oracle.TestFiles" &&
                                    $NF == "oracle/oracle_test.go") }
               r == 1 && ok && $3 ~ /^[0-9]+:/ && $2 ~ /^[0-9]+$/ { n += $2 }
               END { print n + 0 }' "$tmp/list")
    if [ "$got" = "$want" ] && [ "$want" != 0 ]; then
        echo "ok   list: $got samples on the source lines of oracle.TestFiles"
    else
        echo "FAIL list: $got samples on its lines, fold has $want:"; head -12 "$tmp/list"; fail=1
    fi
fi

# Two runs, same bytes.
"$SYSFLAME" export -q --binary "$ob" --format pprof -o "$tmp/again.pprof" "$TESTDATA/rec/go-oracle.data"
cmp -s "$tmp/again.pprof" "$tmp/go-oracle.pprof" ||
    { echo "FAIL determinism: two pprof exports differ"; fail=1; }
exit $fail
