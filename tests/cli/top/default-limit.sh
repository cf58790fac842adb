# on a screen (text, md) top shows 20 rows a table and says how many it left out
"$SYSFLAME" top -q --tables syscalls,callsites "$TESTDATA/rec/go-enterexit.data" --binary "$TESTDATA/bin/oracle.test"
