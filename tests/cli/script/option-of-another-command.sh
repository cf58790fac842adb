"$SYSFLAME" script --width 10 "$TESTDATA/rec/go-oracle.data"
