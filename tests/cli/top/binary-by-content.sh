# A --binary whose name matches no mapping: a renamed copy of the recorded
# oracle.test is matched by content (its segments and Go text fit the
# mapping of /tmp/sfrec/oracle.test), and a note says so.  The tables are
# byte for byte those the real name gives.
cp "$TESTDATA/bin/oracle.test" keep-renamed.test
"$SYSFLAME" top "$TESTDATA/rec/go-oracle.data" --binary keep-renamed.test --limit 3 > keep-renamed.txt
"$SYSFLAME" top -q "$TESTDATA/rec/go-oracle.data" --binary "$TESTDATA/bin/oracle.test" --limit 3 > keep-real.txt
cmp keep-real.txt keep-renamed.txt && echo "the same tables as with oracle.test"
grep -c . keep-renamed.txt
