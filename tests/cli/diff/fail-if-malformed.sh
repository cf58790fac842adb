"$SYSFLAME" diff -q --fail-if 'write>>+10%' "$TESTDATA/rec/before-1.data" "$TESTDATA/rec/after-1.data"
