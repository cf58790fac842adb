"$SYSFLAME" top "$TESTDATA/rec/go-oracle.data" --binary del.tset
