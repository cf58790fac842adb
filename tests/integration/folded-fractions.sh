#!/bin/sh
# Fractional counts in folded input are kept exactly, as flamegraph.pl
# keeps them (issue 16.4), against two truths:
#  - flamegraph.pl's own drawing of the same files, committed as golden
#    extracts (tests/data/folded/*.flamegraph, the command in their header):
#    every frame it draws is drawn at the same place (x and x + width to
#    within its 0.1 px printing), the same frames are omitted under
#    --minwidth (0.1 px, and 1.1%), and each title's exact count is within
#    half a sample of the whole count flamegraph.pl prints (it rounds
#    titles, from float sums: 4.5 may print as 4 or 5); --flamechart too;
#  - sums worked out by hand (below): fold's lines, svg totals and titles,
#    top's JSON counts, diff's tables of a two-column (difffolded.pl) file
#    with fractions.
# Also: counts like "3." and "1.50" are whole or tenths, not finer; integer
# files are unchanged by the unit; fractions summed with a capture are
# refused; more than 6 decimals are rounded with one warning.
set -u
: "${SYSFLAME:?}" "${SRCDIR:?}"
command -v python3 >/dev/null 2>&1 || { echo "SKIP: python3 not found"; exit 77; }
d="$SRCDIR/tests/data/folded"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fail=0

# Frames of a sysflame SVG as "x1 x2 count name" (x2 = x + width), the
# drawn part only (not the [only in ...] tower), scaled so the root box
# spans the width flamegraph.pl gives the whole graph (1180 px from 10).
frames() {
    python3 - "$1" <<'EOF'
import re, sys
text = open(sys.argv[1]).read()
rows = re.findall(r'<g data-n="([0-9.]+)"([^>]*)><title>(.*?) \(([0-9,.]+) [a-z]+, [^<]*</title>'
                  r'<rect x="([0-9.]+)" y="[0-9.]+" width="([0-9.]+)"', text)
root = [r for r in rows if 'data-root' in r[1]][0]
k = 1180.0 / float(root[5])
for n, attrs, name, count, x, w in rows:
    if 'data-aside' in attrs:
        continue
    x1 = 10 + (float(x) - 10) * k
    print("%.3f %.3f %s %s" % (x1, x1 + float(w) * k, count.replace(',', ''), name))
EOF
}

# Each golden frame has a sysflame frame of the same name at the same place
# whose exact count rounds (as perl's %.0f) to the golden's; as many frames.
compare() {    # GOLDEN SVG LABEL
    grep -v '^#' "$1" > "$tmp/golden"
    frames "$2" > "$tmp/ours"
    python3 - "$tmp/golden" "$tmp/ours" "$3" <<'EOF' || fail=1
import sys
gold = [l.rstrip("\n").split(" ", 3) for l in open(sys.argv[1]) if l.strip()]
ours = [l.rstrip("\n").split(" ", 3) for l in open(sys.argv[2]) if l.strip()]
label, bad = sys.argv[3], 0
for x1, x2, n, name in gold:
    hit = [o for o in ours if o[3] == name and abs(float(o[0]) - float(x1)) <= 0.06
           and abs(float(o[1]) - float(x2)) <= 0.06 and abs(float(o[2]) - float(n)) <= 0.5 + 1e-9]
    if len(hit) != 1:
        print("FAIL %s: flamegraph.pl's frame %s at %s-%s (%s) not matched once" % (label, name, x1, x2, n))
        bad = 1
if len(gold) != len(ours):
    print("FAIL %s: flamegraph.pl draws %d frames, sysflame %d" % (label, len(gold), len(ours)))
    bad = 1
sys.exit(bad)
EOF
}

# --- one-column file: flamegraph.pl's widths, hand-summed counts ---
"$SYSFLAME" svg "$d/frac.folded" -o "$tmp/frac.svg" 2> "$tmp/err" || { echo "FAIL svg"; fail=1; }
compare "$d/frac.flamegraph" "$tmp/frac.svg" frac
# 2.5+0.25+12.125+0.001+3+1.5+3*0.3+7+0.0005+40+0.1234567(->0.123457)+20.75
grep -q '>Total: 88.149957 samples, 8 unique stacks; 3 frames narrower than 0.1 px omitted<' "$tmp/frac.svg" &&
    grep -q 'data-total="88.149957"' "$tmp/frac.svg" ||
    { echo "FAIL frac: total is not 88.149957"; fail=1; }
for t in 'all (88.149957 samples, 100.00%)' 'pkg.TestWrite (12.126 samples, 13.76%' \
         'pkg.TestOpen (4.5 samples, 5.10%' 'read (9.75 samples, 11.06%' 'futex (0.9 samples, 1.02%' \
         'big (40.123457 samples, 45.52%'; do
    grep -qF "<title>$t" "$tmp/frac.svg" || { echo "FAIL frac: no title '$t'"; fail=1; }
done
for v in "minwidth:--minwidth 1.1%" "flamechart:--flamechart"; do
    # shellcheck disable=SC2086
    "$SYSFLAME" svg -q ${v#*:} "$d/frac.folded" -o "$tmp/${v%%:*}.svg" || { echo "FAIL svg ${v#*:}"; fail=1; }
    compare "$d/frac-${v%%:*}.flamegraph" "$tmp/${v%%:*}.svg" "frac ${v#*:}"
done
[ "$(cat "$tmp/err")" = "sysflame: warning: '$d/frac.folded': 1 count with more than 6 decimals rounded to 6" ] ||
    { echo "FAIL frac: warnings: $(cat "$tmp/err")"; fail=1; }

"$SYSFLAME" fold -q "$d/frac.folded" > "$tmp/fold" || fail=1
cat > "$tmp/want" <<'EOF'
go.test;main;runtime.gcBgMarkWorker;futex 0.9
go.test;main;runtime.main;pkg.TestOpen;os.Open;openat 4.5
go.test;main;runtime.main;pkg.TestRead;os.(*File).Read;read 9.75
go.test;main;runtime.main;pkg.TestWrite;fmt.Fprintf;write 0.001
go.test;main;runtime.main;pkg.TestWrite;os.(*File).Write;write 12.125
other;main;big 40.123457
other;main;mid 20.75
other;main;tiny 0.0005
EOF
cmp -s "$tmp/want" "$tmp/fold" || { echo "FAIL frac: fold"; diff "$tmp/want" "$tmp/fold"; fail=1; }
# read back, fold's output is a fixed point, and draws the same graph
"$SYSFLAME" fold -q "$tmp/fold" | cmp -s - "$tmp/fold" || { echo "FAIL frac: fold of fold"; fail=1; }
"$SYSFLAME" svg -q "$tmp/fold" -o "$tmp/refold.svg"
sed 's/[^ ]*folded//g' "$tmp/frac.svg" > "$tmp/a"; sed 's/[^ ]*folded//g' "$tmp/refold.svg" > "$tmp/b"
cmp -s "$tmp/a" "$tmp/b" || { echo "FAIL frac: fold's output draws another graph"; fail=1; }

"$SYSFLAME" top -q --format json --stacks 2 "$d/frac.folded" > "$tmp/top.json" || fail=1
python3 - "$tmp/top.json" <<'EOF' || { echo "FAIL frac: top json"; fail=1; }
import json, sys
j = json.load(open(sys.argv[1]))
sc = {r["name"]: r["count"] for r in j["syscalls"]}
assert j["total"] == 88.149957, j["total"]
assert sc == {"write": 12.126, "big": 40.123457, "mid": 20.75, "read": 9.75, "openat": 4.5,
              "futex": 0.9, "tiny": 0.0005}, sc
assert [s["count"] for s in j["stacks"]] == [40.123457, 20.75], j["stacks"]
EOF

# --- two-column file with fractions (difffolded.pl's output on
# frac-before.folded and frac-after.folded) ---
"$SYSFLAME" svg -q "$d/frac-pair.folded" -o "$tmp/pair.svg" || fail=1
compare "$d/frac-pair.flamegraph" "$tmp/pair.svg" pair
# before: 11+2.25+4+1.125 = 18.375, after: 8.75+6+4+3.5 = 22.25
grep -qF '<title>all (22.25 samples, 100.00%; before 18.375, after 22.25, delta +3.875' "$tmp/pair.svg" &&
    grep -qF '<title>read (8.75 samples, 39.33%; 59.32% of parent; before 11, after 8.75, delta -2.25' "$tmp/pair.svg" &&
    grep -qF '<title>close (1.125 samples' "$tmp/pair.svg" ||
    { echo "FAIL pair: svg titles"; fail=1; }
"$SYSFLAME" diff -q "$d/frac-pair.folded" --table --format csv | tr -d '\r' > "$tmp/pair.csv" || fail=1
sed -n '/^name,before/,/^$/p' "$tmp/pair.csv" > "$tmp/got"
cat > "$tmp/want" <<'EOF'
name,before,after,delta,ratio
write,2.25,6,3.75,2.67
fsync,0,3.5,3.5,inf
read,11,8.75,-2.25,0.80
close,1.125,0,-1.125,0.00
openat,4,4,0,1.00

EOF
grep -qx 'before_total,18.375' "$tmp/pair.csv" && grep -qx 'after_total,22.25' "$tmp/pair.csv" &&
    cmp -s "$tmp/want" "$tmp/got" || { echo "FAIL pair: diff table"; cat "$tmp/pair.csv"; fail=1; }
# the pair file and the two files it was made from give the same tables
"$SYSFLAME" diff -q "$d/frac-before.folded" "$d/frac-after.folded" --table --format csv |
    tr -d '\r' | cmp -s - "$tmp/pair.csv" || { echo "FAIL pair: differs from diff of its sides"; fail=1; }
"$SYSFLAME" diff -q "$d/frac-pair.folded" --table > "$tmp/pair.txt"
grep -q '^write  *2.25  *6  *+3.75  *2.67$' "$tmp/pair.txt" || { echo "FAIL pair: text delta"; fail=1; }

# the report's pages print the same sums
"$SYSFLAME" report -q --before "$d/frac-before.folded" --after "$d/frac-after.folded" -o "$tmp/rep" ||
    { echo "FAIL report"; fail=1; }
grep -qx -- '- Total: 18.375 -> 22.25 (+21.1%)' "$tmp/rep/summary.md" &&
    grep -qx 'Samples: 18.375 -> 22.25 (+21.1%)' "$tmp/rep/comment.md" &&
    grep -q 'close 1.125 -> 0 (-100.0%)' "$tmp/rep/summary.md" ||
    { echo "FAIL report: totals"; fail=1; }
"$SYSFLAME" fold -q "$d/frac-before.folded" | cmp -s - "$tmp/rep/before.folded" ||
    { echo "FAIL report: before.folded"; fail=1; }

# near 2^53 units (6 decimals) a double of samples loses the last decimal:
# the tables and the report's pages print the counts as fold does
printf 'a;b 9007199253.999999\n' > "$tmp/huge-b.folded"
printf 'a;b 9007199253.999997\n' > "$tmp/huge-a.folded"
"$SYSFLAME" diff -q --table --format json "$tmp/huge-b.folded" "$tmp/huge-a.folded" > "$tmp/huge.json"
grep -q '"before_total": 9007199253.999999,' "$tmp/huge.json" &&
    grep -q '"after_total": 9007199253.999997,' "$tmp/huge.json" &&
    grep -q '"delta": -0.000002,' "$tmp/huge.json" || { echo "FAIL: huge counts in diff"; fail=1; }
"$SYSFLAME" report -q "$tmp/huge-b.folded" "$tmp/huge-a.folded" -o "$tmp/huge" &&
    grep -qx 'Samples: 9007199253.999999 -> 9007199253.999997 (-0.0%)' "$tmp/huge/comment.md" &&
    grep -qx -- '- Largest changes in syscalls: b 9007199253.999999 -> 9007199253.999997 (-0.0%)' \
        "$tmp/huge/summary.md" || { echo "FAIL: huge counts in report"; fail=1; }

# --- units: "3." and "2.000" are whole; files summed rescale earlier ones ---
printf 'a;b 3.\na;c 2.000\na;b 1\n' > "$tmp/whole.folded"
printf 'a;b 4\na;c 2\n' > "$tmp/int.folded"
"$SYSFLAME" fold -q "$tmp/whole.folded" | cmp -s - "$tmp/int.folded" ||
    { echo "FAIL: '3.' or '2.000' taken for a fraction"; fail=1; }
"$SYSFLAME" svg -q "$tmp/whole.folded" -o "$tmp/w.svg"; "$SYSFLAME" svg -q "$tmp/int.folded" -o "$tmp/i.svg"
sed 's/[a-z]*\.folded//g' "$tmp/w.svg" | cmp -s - "$(sed 's/[a-z]*\.folded//g' "$tmp/i.svg" > "$tmp/i2"; echo "$tmp/i2")" ||
    { echo "FAIL: whole decimals draw another graph"; fail=1; }
printf 'a;b 0.05\n' > "$tmp/f.folded"
"$SYSFLAME" fold -q "$tmp/int.folded" "$tmp/f.folded" "$tmp/int.folded" > "$tmp/got"
printf 'a;b 8.05\na;c 4\n' | cmp -s - "$tmp/got" || { echo "FAIL: inputs summed: $(cat "$tmp/got")"; fail=1; }
"$SYSFLAME" top -q "$tmp/int.folded" "$tmp/f.folded" | grep -qx 'Samples: 6.05' ||
    { echo "FAIL: total over inputs"; fail=1; }

# --- fractions and a capture's samples do not add up: refused ---
cap="$TESTDATA/stacks/gotest.data"
if [ -f "$cap" ]; then
    for order in "$tmp/f.folded $cap" "$cap $tmp/f.folded"; do
        # shellcheck disable=SC2086
        "$SYSFLAME" fold -q $order > /dev/null 2> "$tmp/err"; rc=$?
        [ $rc = 1 ] && [ "$(wc -l < "$tmp/err")" = 1 ] &&
            grep -q "f.folded': fractional counts cannot be summed with the samples of '.*gotest.data'" "$tmp/err" ||
            { echo "FAIL: fractions with a capture: rc $rc: $(cat "$tmp/err")"; fail=1; }
    done
fi
exit $fail
