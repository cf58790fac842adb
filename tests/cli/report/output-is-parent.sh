# report -o . with the input in the current folder (a parent at any depth)
mkdir -p keep-a/b
cp "$TESTDATA/rec/go-oracle.data" keep-a/b/perf.data
"$SYSFLAME" report keep-a/b/perf.data -o .
rc=$?
ls -R keep-a
exit $rc
