#!/bin/sh
# Folded files as other tools write them (issue 16.4), against
# flamegraph.pl's semantics computed here with awk on the same file:
#  - two-column (difffolded.pl's "stack BEFORE AFTER"): widths are the
#    second column, the first is BEFORE; `diff` takes the file as a pair;
#    no number is glued onto a name;
#  - fractional counts summed per stack, kept exactly; comments, lines without a count
#    and negative counts skipped and counted in one warning;
#  - --flamechart keeps line order (only adjacent equal stacks merge);
#  - --comm applies to the first frame; other filters are refused;
#  - a large file is streamed: four times the lines cost little more memory.
set -u
: "${SYSFLAME:?}"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fail=0
titles() { grep -o '<title>[^<]*</title>' "$1" | sed 's/<[^>]*>//g'; }

# --- two columns ---
cat > "$tmp/pair.folded" <<'EOF'
main;a;b 274 300
main;a;c 10 5
main;d 0 7
main;e 9 0
main;a;b 1 2
EOF
b=$(awk '{s += $(NF-1)} END {print s}' "$tmp/pair.folded")
a=$(awk '{s += $NF} END {print s}' "$tmp/pair.folded")
awk '{ n = $NF; sub(/ [0-9.]+ [0-9.]+$/, ""); s[$0] += n } END { for (k in s) if (s[k]) print k, s[k] }' \
    "$tmp/pair.folded" | LC_ALL=C sort > "$tmp/want"
"$SYSFLAME" fold -q "$tmp/pair.folded" | awk '$NF != 0' > "$tmp/got"
cmp -s "$tmp/want" "$tmp/got" || { echo "FAIL pair: fold is not the second column:"; diff "$tmp/want" "$tmp/got"; fail=1; }
"$SYSFLAME" svg -q "$tmp/pair.folded" -o "$tmp/pair.svg" || { echo "FAIL pair: svg"; fail=1; }
titles "$tmp/pair.svg" > "$tmp/t"
grep -q "^all ($a samples, 100.00%; before $b, after $a," "$tmp/t" ||   # folded: "samples"
    { echo "FAIL pair: svg root is not after $a / before $b: $(grep '^all' "$tmp/t")"; fail=1; }
grep -q '^b (302 samples.*before 275, after 302' "$tmp/t" ||
    { echo "FAIL pair: frame b is not 275 -> 302"; grep '^b ' "$tmp/t"; fail=1; }
if grep -q ' 274\b\| 300 (' "$tmp/t" || grep -q '^b 2\|^c 10' "$tmp/t"; then
    echo "FAIL pair: a count glued onto a frame name"; fail=1
fi
"$SYSFLAME" diff -q "$tmp/pair.folded" -o "$tmp/pair-diff.svg" &&
    cmp -s "$tmp/pair.svg" "$tmp/pair-diff.svg" ||
    { echo "FAIL pair: diff -o draws another graph than svg"; fail=1; }
"$SYSFLAME" diff -q "$tmp/pair.folded" --table --format csv | tr -d '\r' > "$tmp/d.csv" ||
    { echo "FAIL pair: diff of one two-column file"; fail=1; }
grep -qx "before_total,$b" "$tmp/d.csv" && grep -qx "after_total,$a" "$tmp/d.csv" ||
    { echo "FAIL pair: diff totals are not $b -> $a:"; head -4 "$tmp/d.csv"; fail=1; }
printf 'main;a 3\n' > "$tmp/one.folded"
"$SYSFLAME" diff -q "$tmp/one.folded" > /dev/null 2> "$tmp/err"; rc=$?
[ $rc = 1 ] && [ "$(wc -l < "$tmp/err")" = 1 ] ||
    { echo "FAIL diff of one one-column file: rc $rc: $(cat "$tmp/err")"; fail=1; }
"$SYSFLAME" fold -q "$tmp/pair.folded" "$tmp/one.folded" > /dev/null 2> "$tmp/err"; rc=$?
[ $rc = 1 ] || { echo "FAIL pair summed with another input: rc $rc"; fail=1; }

# --- fractions, comments, bad lines ---
cat > "$tmp/loose.folded" <<'EOF'
# made by some tool
a;b 0.25
a;b 1.5
a;c 2.2

this line has no count
a;d -4
a;c 0.1
a;b 3
EOF
awk '!/^#/ && NF > 1 && $NF ~ /^[0-9.]+$/ { s[$1] += $NF } END { for (k in s) print k, s[k] }' \
    "$tmp/loose.folded" | LC_ALL=C sort > "$tmp/want"
nbad=$(awk '/^#/ || (NF > 0 && $NF !~ /^[0-9.]+$/) || $NF ~ /^-/' "$tmp/loose.folded" | wc -l)
"$SYSFLAME" fold "$tmp/loose.folded" > "$tmp/got" 2> "$tmp/err"
cmp -s "$tmp/want" "$tmp/got" || { echo "FAIL fractions:"; diff "$tmp/want" "$tmp/got"; fail=1; }
[ "$(wc -l < "$tmp/err")" = 1 ] && grep -q "warning: .*loose.folded': $nbad lines skipped" "$tmp/err" ||
    { echo "FAIL skipped lines: want one warning for $nbad lines: $(cat "$tmp/err")"; fail=1; }

# fractions under half a sample are kept, not rounded away, and not warned
# about (tests/integration/folded-fractions.sh checks them against flamegraph.pl)
printf 'a;b 0.4\na;c 0.4\na;d 1.5\n' > "$tmp/tiny.folded"
"$SYSFLAME" fold "$tmp/tiny.folded" > "$tmp/got" 2> "$tmp/err"
printf 'a;b 0.4\na;c 0.4\na;d 1.5\n' | cmp -s - "$tmp/got" && [ ! -s "$tmp/err" ] ||
    { echo "FAIL tiny fractions: $(cat "$tmp/got" "$tmp/err")"; fail=1; }

# --- flame chart: line order ---
printf 'p;a 1\np;b 1\np;a 1\np;a 2\np;b 1\nq;a 1\n' > "$tmp/chart.folded"
# flamegraph.pl --flamechart: stacks in file order, adjacent equal frames merged
awk '{ split($1, f, ";"); k = f[1] ";" f[2]; if (k == last) n += $2; else { if (last != "") print last, n; last = k; n = $2 } }
     END { print last, n }' "$tmp/chart.folded" | sed 's/^[pq];//' > "$tmp/want"
"$SYSFLAME" svg -q --flamechart "$tmp/chart.folded" -o "$tmp/chart.svg"
titles "$tmp/chart.svg" | sed -n 's/^\([ab]\) (\([0-9]*\) samples.*/\1 \2/p' > "$tmp/got"
cmp -s "$tmp/want" "$tmp/got" || { echo "FAIL flamechart order:"; diff "$tmp/want" "$tmp/got"; fail=1; }

# --- filters ---
printf 'web-12;a 3\nweb;b 2\nweb2;c 4\ndb;d 1\n' > "$tmp/comm.folded"
"$SYSFLAME" fold -q --comm web "$tmp/comm.folded" > "$tmp/got"
printf 'web-12;a 3\nweb;b 2\n' | LC_ALL=C sort > "$tmp/want"
cmp -s "$tmp/want" "$tmp/got" || { echo "FAIL --comm on folded:"; diff "$tmp/want" "$tmp/got"; fail=1; }
for f in "--pid 12" "--tid 12" "--event x" "--syscall write"; do
    # shellcheck disable=SC2086
    "$SYSFLAME" fold $f "$tmp/comm.folded" > /dev/null 2> "$tmp/err"; rc=$?
    [ $rc = 1 ] && [ "$(wc -l < "$tmp/err")" = 1 ] && grep -q -- "${f% *} cannot apply to folded stacks" "$tmp/err" ||
        { echo "FAIL $f on folded: rc $rc: $(cat "$tmp/err")"; fail=1; }
done

# --- streaming: memory grows with the distinct stacks, not the lines ---
# Two files with the same 48,500 distinct stacks, 50,000 and 200,000 lines:
# read whole, the larger one would cost at least its extra size again;
# streamed, the peaks differ by far less (a relative measure, so that it
# holds under ASan too).
if [ -x /usr/bin/time ]; then
    peak() {    # LINES: the peak RSS in KB of fold on a generated file
        awk -v n="$1" 'BEGIN { for (i = 0; i < n; i++)
            printf "proc;main;runtime.main;pkg.Worker%d;pkg.step%d;io.(*File).Write;syscall.write;write %d\n", i % 97, i % 500, 1 + i % 7 }' \
            > "$tmp/big.folded"
        /usr/bin/time -v "$SYSFLAME" fold -q "$tmp/big.folded" -o "$tmp/big.out" 2> "$tmp/time" ||
            { echo "FAIL big: fold" >&2; fail=1; }
        want=$(awk '{ s += $NF } END { print s }' "$tmp/big.folded")
        got=$(awk '{ s += $NF } END { print s }' "$tmp/big.out")
        [ "$want" = "$got" ] || { echo "FAIL big: total $got, want $want" >&2; fail=1; }
        sed -n 's/.*Maximum resident set size (kbytes): //p' "$tmp/time"
    }
    small=$(peak 50000); small_kb=$(( $(wc -c < "$tmp/big.folded") / 1024 ))
    large=$(peak 200000); large_kb=$(( $(wc -c < "$tmp/big.folded") / 1024 ))
    extra=$((large_kb - small_kb))
    [ $((large - small)) -lt $((extra / 4)) ] ||
        { echo "FAIL big: $extra KB more input cost $((large - small)) KB more memory: not streamed"; fail=1; }
    echo "big: $small_kb KB -> peak $small KB, $large_kb KB -> peak $large KB"
fi
exit $fail
