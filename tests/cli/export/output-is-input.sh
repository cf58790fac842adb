# -o naming the input: refused, the capture left as it was
cp "$TESTDATA/rec/go-oracle.data" keep.data
"$SYSFLAME" export --format pprof keep.data -o keep.data
rc=$?
cmp -s keep.data "$TESTDATA/rec/go-oracle.data" || echo "FAIL: the capture changed" >&2
exit $rc
