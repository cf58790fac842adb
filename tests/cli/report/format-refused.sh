"$SYSFLAME" report --format md "$TESTDATA/rec/go-oracle.data" -o out
