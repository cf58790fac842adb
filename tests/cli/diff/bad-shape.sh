"$SYSFLAME" diff --shape sideways "$TESTDATA/rec/before-1.data" "$TESTDATA/rec/after-1.data"
