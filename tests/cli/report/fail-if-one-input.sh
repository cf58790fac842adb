"$SYSFLAME" report --fail-if 'write>+1%' -o out "$TESTDATA/rec/go-oracle.data"
