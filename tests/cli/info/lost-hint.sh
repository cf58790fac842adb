"$SYSFLAME" info -q "$TESTDATA/rec/go-lost.data" --binary "$TESTDATA/bin/oracle.test" | grep -E "^(Samples|Lost|Hint)"
