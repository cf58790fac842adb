# standard input read from the file -o names: refused
cp "$TESTDATA/rec/go-oracle.data" keep.data
"$SYSFLAME" fold - -o keep.data < keep.data
rc=$?
cmp -s keep.data "$TESTDATA/rec/go-oracle.data" || echo "FAIL: the capture changed" >&2
exit $rc
