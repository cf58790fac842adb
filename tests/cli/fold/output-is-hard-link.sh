# the same file under another name (same device and inode): refused
cp "$TESTDATA/rec/go-oracle.data" keep.data
ln keep.data keep-link.data
"$SYSFLAME" fold keep.data -o keep-link.data
rc=$?
cmp -s keep.data "$TESTDATA/rec/go-oracle.data" || echo "FAIL: the capture changed" >&2
exit $rc
