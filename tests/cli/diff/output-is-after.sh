# diff -o naming the AFTER capture: refused
cp "$TESTDATA/rec/after-1.data" keep-after.data
"$SYSFLAME" diff "$TESTDATA/rec/before-1.data" keep-after.data -o keep-after.data
rc=$?
cmp -s keep-after.data "$TESTDATA/rec/after-1.data" || echo "FAIL: the capture changed" >&2
exit $rc
