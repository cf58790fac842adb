# -o naming a --binary file: refused
cp "$TESTDATA/bin/oracle.test" keep.test
"$SYSFLAME" top "$TESTDATA/rec/go-oracle.data" --binary keep.test -o keep.test
rc=$?
cmp -s keep.test "$TESTDATA/bin/oracle.test" || echo "FAIL: the binary changed" >&2
exit $rc
