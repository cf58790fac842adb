#!/bin/sh
# diff and report on the real before/after recordings (the same Go test
# built twice: unbuffered vs bufio writes, two runs each):
#  - per-syscall before/after/delta equal the counts of perf's own golden
#    `perf script` output of the same files;
#  - batches (--before b1 b2 --after a1 a2): per-side means equal the golden
#    means, and the write drop is flagged significant;
#  - the differential SVG colours every frame by the sign of its change:
#    red where AFTER grew, blue where it shrank;
#  - report writes the bundle and summary.md states the write change.
set -u
: "${SYSFLAME:?}" "${TESTDATA:?}"
command -v python3 >/dev/null || { echo "SKIP: python3 missing"; exit 77; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
R=$TESTDATA/rec
B="--before-binary $TESTDATA/bin/before.test --after-binary $TESTDATA/bin/after.test"
fail=0

# shellcheck disable=SC2086
"$SYSFLAME" diff -q --table --format json $B "$R/before-1.data" "$R/after-1.data" > "$tmp/pair.json" ||
    { echo "FAIL: diff --table exited $?"; exit 1; }
# shellcheck disable=SC2086
"$SYSFLAME" diff -q --table --format json $B --before "$R/before-1.data" "$R/before-2.data" \
    --after "$R/after-1.data" "$R/after-2.data" > "$tmp/batch.json" ||
    { echo "FAIL: batch diff exited $?"; exit 1; }
python3 - "$R" "$tmp/pair.json" "$tmp/batch.json" <<'PY' || fail=1
import collections, json, re, sys
rec = sys.argv[1]
def golden(name):
    c = collections.Counter()
    for line in open('%s/%s.data.perf-script' % (rec, name), errors='replace'):
        m = re.search(r' syscalls:sys_enter_(\w+): ', line)
        if m and not line.startswith('\t'):
            c[m.group(1)] += 1
    return c
g = {n: golden(n) for n in ('before-1', 'before-2', 'after-1', 'after-2')}
pair = json.load(open(sys.argv[2]))
assert pair['before_total'] == sum(g['before-1'].values()), pair['before_total']
assert pair['after_total'] == sum(g['after-1'].values()), pair['after_total']
rows = {r['name']: r for r in pair['syscalls']}
for sc in set(g['before-1']) | set(g['after-1']):
    r = rows[sc]
    assert (r['before'], r['after']) == (g['before-1'][sc], g['after-1'][sc]), (sc, r)
    assert r['delta'] == g['after-1'][sc] - g['before-1'][sc], (sc, r)
deltas = [abs(r['delta']) for r in pair['syscalls']]
assert deltas == sorted(deltas, reverse=True), 'rows not sorted by |delta|'
batch = json.load(open(sys.argv[3]))
rows = {r['name']: r for r in batch['syscalls']}
for sc in ('write', 'nanosleep', 'openat'):
    mb = (g['before-1'][sc] + g['before-2'][sc]) / 2
    ma = (g['after-1'][sc] + g['after-2'][sc]) / 2
    assert abs(rows[sc]['before'] - mb) < 1e-9 and abs(rows[sc]['after'] - ma) < 1e-9, (sc, rows[sc], mb, ma)
assert rows['write']['significant'] is True, rows['write']
print('ok   diff tables equal the golden perf script counts (%d syscalls; write %d -> %d)'
      % (len(pair['syscalls']), g['before-1']['write'], g['after-1']['write']))
PY

# Differential flame graph: the comm differs between the two builds
# (before.test, after.test), so match stacks below it.
# shellcheck disable=SC2086
"$SYSFLAME" diff -q $B --ignore-comm -o "$tmp/diff.svg" "$R/before-1.data" "$R/after-1.data" ||
    { echo "FAIL: diff -o exited $?"; fail=1; }
python3 - "$tmp/diff.svg" <<'PY' || fail=1
import re, sys
svg = open(sys.argv[1], encoding='utf-8').read()
n = grew = shrank = 0
for m in re.finditer(r'<title>([^<]*)</title><rect [^>]*fill="rgb\((\d+),(\d+),(\d+)\)"', svg):
    t = m.group(1)
    ba = re.search(r'before ([\d,]+), after ([\d,]+)', t)
    if not ba:
        continue
    b, a = (int(x.replace(',', '')) for x in ba.groups())
    r, g, bl = int(m.group(2)), int(m.group(3)), int(m.group(4))
    n += 1
    if a > b:
        grew += 1
        assert r > bl, ('grew but not red', t, (r, g, bl))
    elif a < b:
        shrank += 1
        assert bl > r, ('shrank but not blue', t, (r, g, bl))
assert n > 50 and grew and shrank, (n, grew, shrank)
assert 'only in before' in svg or 'only in after' in svg
print('ok   diff.svg: %d frames coloured by the sign of their change (%d grew, %d shrank)' % (n, grew, shrank))
PY

# The graph's root is AFTER's total, as `fold` counts it, and the stacks
# only BEFORE has are set aside, at most a fifth of that width.
# shellcheck disable=SC2086
after_total=$("$SYSFLAME" fold -q --binary "$TESTDATA/bin/after.test" "$R/after-1.data" | awk '{ n += $NF } END { print n }')
root=$(grep -o '<g data-n="[0-9]*" data-root' "$tmp/diff.svg" | grep -o '[0-9][0-9]*')
aside=$(grep -o '<g data-n="[0-9]*" data-aside="1"><title>\[only in before\]' "$tmp/diff.svg" | grep -o '[0-9][0-9]*' | head -1)
if [ -n "$after_total" ] && [ "$root" = "$after_total" ] && [ -n "$aside" ] && [ "$aside" -gt 0 ] &&
   [ $((aside * 5)) -le $((after_total + 5)) ]; then
    echo "ok   diff.svg root $root = after's total, [only in before] $aside wide"
else
    echo "FAIL: diff.svg root '$root' (after's total '$after_total'), [only in before] '$aside'"; fail=1
fi

# shellcheck disable=SC2086
"$SYSFLAME" report -q $B --ignore-comm -o "$tmp/rep" "$R/before-1.data" "$R/after-1.data" ||
    { echo "FAIL: report exited $?"; fail=1; }
grep -q 'write 4[0-9][0-9] -> [0-9][0-9]* (-9' "$tmp/rep/summary.md" ||
    { echo "FAIL: summary.md does not state the write change"; cat "$tmp/rep/summary.md"; fail=1; }
# shellcheck disable=SC2086
"$SYSFLAME" report -q $B --ignore-comm --fail-if 'write<-50%' -o "$tmp/rep2" "$R/before-1.data" "$R/after-1.data"
[ $? = 3 ] || { echo "FAIL: report --fail-if 'write<-50%' should exit 3"; fail=1; }
[ $fail = 0 ] && echo "ok   report bundle and --fail-if on the real pair"
exit $fail
