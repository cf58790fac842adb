#!/bin/sh
# The Go oracle: every marker syscall's unwound stack equals the Go
# runtime's own traceback (runtime.Callers) recorded at the same call site,
# for the file (-z), plain and pipe recordings, with the unstripped and a
# stripped copy of the test binary.
set -u
: "${SYSFLAME:?}" "${TESTDATA:?}" "${SRCDIR:?}"
command -v python3 >/dev/null || { echo "SKIP: python3 missing"; exit 77; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
check="$SRCDIR/tests/integration/oracle_check.py"
bin="$TESTDATA/bin/oracle.test"
fail=0

run() {  # run NAME RECORDING ORACLE BINARY
    if ! "$SYSFLAME" script -q --binary "$4" "$2" > "$tmp/$1.out" 2> "$tmp/$1.err"; then
        echo "FAIL $1: sysflame script failed: $(cat "$tmp/$1.err")"; fail=1; return
    fi
    if python3 "$check" "$tmp/$1.out" "$3" > "$tmp/$1.res" 2> "$tmp/$1.diff"; then
        echo "ok   $1: $(cat "$tmp/$1.res")"
    else
        echo "FAIL $1: $(cat "$tmp/$1.res")"; head -40 "$tmp/$1.diff"; fail=1
    fi
}

run go-oracle "$TESTDATA/rec/go-oracle.data" "$TESTDATA/rec/go-oracle.oracle" "$bin"
run go-oracle-plain "$TESTDATA/rec/go-oracle-plain.data" "$TESTDATA/rec/go-oracle-plain.oracle" "$bin"
run go-enterexit "$TESTDATA/rec/go-enterexit.data" "$TESTDATA/rec/go-enterexit.oracle" "$bin"
run go-oracle-pipe "$TESTDATA/rec/go-oracle.pipe.data.zst" "$TESTDATA/rec/go-oracle.pipe.oracle" "$bin"
# Same capture, binary stripped of .symtab and DWARF: pclntab alone must do.
if command -v strip >/dev/null; then
    cp "$bin" "$tmp/oracle.test" && strip -s "$tmp/oracle.test"
    run go-oracle-stripped "$TESTDATA/rec/go-oracle.data" "$TESTDATA/rec/go-oracle.oracle" "$tmp/oracle.test"
fi
exit $fail
