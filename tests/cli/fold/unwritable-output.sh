"$SYSFLAME" fold -o /nonexistent-dir/out.folded "$TESTDATA/rec/go-oracle.data" --binary "$TESTDATA/bin/oracle.test"
