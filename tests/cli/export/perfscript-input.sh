cp "$TESTDATA/../tests/data/perfscript/edge.txt" keep.txt; "$SYSFLAME" export --format pprof -o out.pb.gz keep.txt
