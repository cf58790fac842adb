#!/bin/sh
# System-wide captures (perf record -a -- WORKLOAD; issue 16.2), checked
# against perf's own reading of testdata/rec/sys-wide.data:
#  - the recording perf process is the one that forked the workload (perf
#    script --show-task-events: the workload's exec, then its FORK record's
#    parent); its samples (perf script -F pid) are left out by default with
#    one note giving their number, kept with --keep-recorder or --pid;
#  - the totals with and without it add up to perf's sample count;
#  - the processes table and the tests table's per-kind rows, the same in
#    diff's tests table and report's summary (processes_check.py: perf's
#    counts per pid, readelf for Go).
set -u
: "${SYSFLAME:?}" "${TESTDATA:?}" "${SRCDIR:?}"
command -v perf >/dev/null || { echo "SKIP: perf missing"; exit 77; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
R=$TESTDATA/rec/sys-wide.data
fail=0
perf script -i "$R" --show-task-events -F comm,pid,tid,event > "$tmp/tasks" 2>/dev/null
perf script -i "$R" -F comm,pid,tid > "$tmp/samples" 2>/dev/null
awk '{ split($NF, a, "/"); print a[1] }' "$tmp/samples" > "$tmp/pids"
all=$(wc -l < "$tmp/pids")
[ "$all" -gt 1000 ] || { echo "SKIP: perf script read $all samples"; exit 77; }
# the workload: the recorded command line's word after "--"
work=$(perf report -i "$R" --header-only 2>/dev/null | sed -n 's/^# cmdline : .* -- \([^ ]*\).*/\1/p')
wpid=$(sed -n "s/.*PERF_RECORD_COMM exec: $work:\([0-9]*\)\/.*/\1/p" "$tmp/tasks" | head -1)
rpid=$(sed -n "s/.*PERF_RECORD_FORK($wpid:$wpid):(\([0-9]*\):.*/\1/p" "$tmp/tasks" | head -1)
[ -n "$rpid" ] || { echo "FAIL: no FORK record of the workload '$work' ($wpid) in perf's reading"; exit 1; }
n=$(awk -v p="$rpid" '$1 == p' "$tmp/pids" | wc -l)
echo "workload $work ($wpid), forked by $rpid with $n of $all samples"

total() { sed -n 's/^  "total": \([0-9]*\),*$/\1/p' "$1"; }
"$SYSFLAME" top --format json "$R" > "$tmp/top.json" 2> "$tmp/err"
"$SYSFLAME" top -q --format json --keep-recorder "$R" > "$tmp/keep.json"
"$SYSFLAME" top -q --format json --pid "$rpid" "$R" > "$tmp/pid.json"
if [ "$(grep -c "left out" "$tmp/err")" != 1 ] ||
   ! grep -q "left out $n samples of the perf process that recorded the capture (pid $rpid); --keep-recorder keeps them" "$tmp/err"; then
    echo "FAIL: want one note of $n samples of pid $rpid: $(cat "$tmp/err")"; fail=1
fi
t=$(total "$tmp/top.json"); k=$(total "$tmp/keep.json"); p=$(total "$tmp/pid.json")
[ "$k" = "$all" ] || { echo "FAIL --keep-recorder: total $k, perf script has $all"; fail=1; }
[ "$((t + n))" = "$all" ] || { echo "FAIL: total $t + $n left out != $all"; fail=1; }
[ "$p" = "$n" ] || { echo "FAIL --pid $rpid: total $p, want $n"; fail=1; }
if python3 -c 'import json,sys; sys.exit(0 if any(r["pid"] == int(sys.argv[2]) for r in json.load(open(sys.argv[1]))["threads"]) else 1)' \
        "$tmp/top.json" "$rpid"; then
    echo "FAIL: the recorder's threads are in the threads table"; fail=1
fi
# read in two processes (split.h), the same
SYSFLAME_SPLIT_MIN_BYTES=1 "$SYSFLAME" top -j 2 --format json "$R" > "$tmp/split.json" 2> "$tmp/err"
[ "$(total "$tmp/split.json")" = "$t" ] && grep -q "left out $n samples" "$tmp/err" ||
    { echo "FAIL split: total $(total "$tmp/split.json"), $(grep 'left out' "$tmp/err")"; fail=1; }
# the per-process level: counts per pid as perf's, kinds from the files
"$SYSFLAME" top -q --keep-recorder --binary "$TESTDATA/bin/before.test" --format json \
    --tables processes,tests "$R" > "$tmp/proc.json"
# ... and the same per-kind rows in diff's tests table and report's summary
"$SYSFLAME" diff -q --keep-recorder --binary "$TESTDATA/bin/before.test" --format json \
    "$R" "$R" > "$tmp/diff.json"
"$SYSFLAME" report -q --keep-recorder --binary "$TESTDATA/bin/before.test" "$R" \
    -o "$tmp/report" > /dev/null
if python3 "$SRCDIR/tests/integration/processes_check.py" "$tmp/proc.json" "$tmp/samples" \
        "$TESTDATA/bin/before.test" "$tmp/diff.json" "$tmp/report/summary.md" > "$tmp/pc"; then
    echo "ok   $(tail -1 "$tmp/pc")"
else
    cat "$tmp/pc"; fail=1
fi
# a capture without a workload to fork (per-task, enable_on_exec): no note
"$SYSFLAME" fold "$TESTDATA/rec/go-oracle.data" --binary "$TESTDATA/bin/oracle.test" > /dev/null 2> "$tmp/err"
if grep -q "left out" "$tmp/err"; then echo "FAIL: a per-task capture left samples out"; fail=1; fi
[ $fail = 0 ] && echo "ok   recorder: $n samples left out, $t kept, $k with --keep-recorder"
exit $fail
