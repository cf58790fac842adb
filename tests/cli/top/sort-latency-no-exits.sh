# --sort p99 on a capture without sys_exit_* events: every latency is
# unknown; a warning says latency needs exit events, and the rows are in
# count order.  With exit events, rows without a paired exit come last.
"$SYSFLAME" top "$TESTDATA/rec/go-oracle-plain.data" --binary "$TESTDATA/bin/oracle.test" \
    --sort p99 --tables syscalls
"$SYSFLAME" top "$TESTDATA/rec/go-enterexit.data" --binary "$TESTDATA/bin/oracle.test" \
    --sort p99 --tables syscalls --limit 0 | sed -n '6,8p;$p'
