"$SYSFLAME" export "$TESTDATA/rec/go-oracle.data"
