# diff with one --binary per side under names that match no mapping:
# before.test is taken by name on its side; a renamed after.test is taken
# by content on the other (not before.test, which its side took by name),
# and the tables equal those the real names give.  A --binary that does
# not exist is a usage error.
b="$TESTDATA/rec/before-1.data" a="$TESTDATA/rec/after-1.data"
cp "$TESTDATA/bin/after.test" keep-b.test
"$SYSFLAME" diff "$b" "$a" --binary "$TESTDATA/bin/before.test" --binary keep-b.test > keep-renamed.txt
"$SYSFLAME" diff -q "$b" "$a" --binary "$TESTDATA/bin/before.test" --binary "$TESTDATA/bin/after.test" > keep-real.txt
cmp keep-real.txt keep-renamed.txt && echo "the same tables as with after.test"
"$SYSFLAME" diff "$b" "$a" --binary del.tset
echo "exit $?" >&2
