"$SYSFLAME" fold "$TESTDATA/rec/go-oracle.data" --binary "$TESTDATA/README"
