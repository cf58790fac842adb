"$SYSFLAME" report "$TESTDATA/rec/go-oracle.data"
