printf "a;b 3\n" > keep.folded; "$SYSFLAME" export --format pprof -o out.pb.gz keep.folded
