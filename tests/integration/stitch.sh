#!/bin/sh
# stitch.sh - the stack-copy cutter (tools/perf-cut-stack.py) on the deep
# stack captures of testdata/stitch (recorded with a 64 KiB copy): the cut
# file is a valid capture with the same samples (perf script reads it and
# counts the same samples, when perf is installed) whose copies are 8 KiB,
# so sysflame finds truncated stacks in it and none in the full file.
# Env: SYSFLAME, TESTDATA, SRCDIR (set by make check).
set -u
: "${SYSFLAME:?}" "${TESTDATA:?}" "${SRCDIR:?}"
command -v python3 >/dev/null 2>&1 || { echo "SKIP: python3 missing"; exit 77; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
S=$TESTDATA/stitch
fail=0
err() { echo "FAIL: $*"; fail=1; }
# the value of row NAME in `info --format csv`'s stops table
stops() { "$SYSFLAME" info -q --format csv --binary "$S/$1" --symfs "$TESTDATA/sysroot" "$2" |
          awk -F, -v r="$3" '/^reason,/ { t = 1 } t && $1 == r { print $2 }'; }
for p in deepgo deepc; do
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
    echo "$p: cut file truncated stacks: ${tc:-0}"
done
exit $fail
