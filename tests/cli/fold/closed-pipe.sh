"$SYSFLAME" fold -q "$TESTDATA/rec/go-oracle.data" --binary "$TESTDATA/bin/oracle.test" | head -c 10 >/dev/null; echo "status of head: $?"
