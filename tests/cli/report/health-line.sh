# The health line names what stopped the unwinding (info's "Why unwinding
# stopped" table gives the same counts: go-lost 12 stack-switch and 1
# signal-frame of 84); the stack-copy advice only above 1% truncated
# (go-lost 1 of 84, go-oracle 3 of 594).
for cap in go-lost go-oracle; do
    "$SYSFLAME" report -q "$TESTDATA/rec/$cap.data" --binary "$TESTDATA/bin/oracle.test" -o "keep-$cap" || exit
    grep '^- Unwinding' "keep-$cap/summary.md"
done
