# go-lost.data was recorded with -m 4: perf lost 516 samples and kept 84
# (rec/summary.tsv, from perf's own counts).  Every command that reads it
# warns, with perf's -m advice, not only info.
cap="$TESTDATA/rec/go-lost.data"
bin="--binary $TESTDATA/bin/oracle.test"
for c in fold svg top script info "export --format pprof"; do
    # shellcheck disable=SC2086
    "$SYSFLAME" $c "$cap" $bin -o out || echo "$c: exit $?"
done
"$SYSFLAME" diff "$cap" "$TESTDATA/rec/go-oracle.data" $bin -o out || echo "diff: exit $?"
"$SYSFLAME" report "$cap" $bin -o rep || echo "report: exit $?"
