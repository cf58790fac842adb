"$SYSFLAME" diff "$TESTDATA/rec/before-1.data"
