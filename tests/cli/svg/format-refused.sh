"$SYSFLAME" svg --format json "$TESTDATA/rec/go-oracle.data" -o out.svg
