# report -o naming the folder that holds the input: writing the folder
# would remove it; refused, the folder left as it was
mkdir keep-review
cp "$TESTDATA/rec/go-oracle.data" keep-review/perf.data
"$SYSFLAME" report keep-review/perf.data -o keep-review
rc=$?
ls keep-review
exit $rc
