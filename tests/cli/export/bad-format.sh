"$SYSFLAME" export --format svg "$TESTDATA/rec/go-oracle.data"
