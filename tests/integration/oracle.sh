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
# A stripped Go 1.20 binary from npm (esbuild: pclntab magic 0xFFFFFFF1, no
# .symtab, no DWARF): no runtime.Callers oracle exists for it, so check the
# structure: no sample stops at an unknown pc or without its binary, most
# reach a root, and every stack starts where Go stacks start (a goroutine's
# goexit, the main thread's rt0_go, an M's mstart, a clone'd thread), at a
# stack switch the copy cannot cross (systemstack, mcall), or at [truncated],
# perhaps under the [startup] mark (before the process's first thread).
es="$TESTDATA/bin/esbuild"
if "$SYSFLAME" info -q --format json --binary "$es" "$TESTDATA/rec/esbuild.data" > "$tmp/es.json" &&
   "$SYSFLAME" fold -q --binary "$es" "$TESTDATA/rec/esbuild.data" > "$tmp/es.folded" &&
   python3 - "$tmp/es.json" "$tmp/es.folded" <<'PY'
import json, sys
u = json.load(open(sys.argv[1]))['unwinding'][0]
assert u['unknown_pc'] == 0 and u['no_binary'] == 0, u
assert u['root'] >= 0.6, u
roots = {'runtime.goexit', 'runtime.rt0_go', 'runtime.mstart', 'runtime.clone',
         'runtime.systemstack', 'runtime.mcall', 'runtime.morestack', '[truncated]'}
n = 0
for line in open(sys.argv[2]):
    frames = [f for f in line.rsplit(' ', 1)[0].split(';') if f != '[startup]']
    assert frames[1] in roots, frames[:3]
    n += 1
assert any('github.com/evanw/esbuild/internal/' in l for l in open(sys.argv[2]))
print('ok   esbuild (stripped, Go 1.20): %d stacks, %.1f%% to a root, %.1f%% truncated, none unknown'
      % (n, 100 * u['root'], 100 * u['truncated']))
PY
then :; else echo "FAIL esbuild: stripped Go 1.20 binary does not unwind cleanly"; fail=1; fi
exit $fail
