# A copy cut short: inside the data section (plain; -z, where the cut falls
# inside a compressed record) or after it, in the feature sections.  What
# is there is read, with a warning that says what probably happened.  The
# truth is perf script on the whole capture: the samples read are its first
# ones, in order (headers up to the time).
hdr() { grep -E '^\S.* \[[0-9]+\] +[0-9]+\.[0-9]{6}: ' "$1" | sed -E 's/^(.*\.[0-9]{6}): .*/\1/'; }
for cut in go-oracle-plain:300000 go-oracle:100000 go-oracle:300000; do
    rec=${cut%:*}
    head -c "${cut#*:}" "$TESTDATA/rec/$rec.data" > keep-cut.data
    "$SYSFLAME" script keep-cut.data --binary "$TESTDATA/bin/oracle.test" > keep-cut.txt || exit
    hdr keep-cut.txt > keep-got
    n=$(wc -l < keep-got)
    hdr "$TESTDATA/rec/$rec.data.perf-script" | head -n "$n" > keep-want
    [ "$n" -gt 0 ] && cmp -s keep-want keep-got && echo "$cut: the first $n samples of perf script's"
done
