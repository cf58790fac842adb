# A capture of cpu-clock, not syscalls (perf script: 31 cpu-clock samples):
# the tables say "Event", in top and in diff; json keys stay as they are.
cap="$TESTDATA/rec/go-cpuclock.data"
bin="--binary $TESTDATA/bin/oracle.test"
echo "perf script: $(grep -c ' cpu-clock:' "$TESTDATA/rec/go-cpuclock.data.perf-script") samples"
# shellcheck disable=SC2086
"$SYSFLAME" top "$cap" $bin --limit 2 --tables syscalls,callsites,tests
# shellcheck disable=SC2086
"$SYSFLAME" diff "$cap" "$cap" $bin --limit 1 | sed -n '/^Events/,$p'
