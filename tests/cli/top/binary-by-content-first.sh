# The case: the old capture's binary was rebuilt in place (here:
# under --symfs, at the recorded path, a build of the same size whose code
# differs) and the old build is passed as --binary under another name.
# The --binary fits by content and comes first: the tables equal those
# the recorded binary gives under its own name.
mkdir -p keep-sym/tmp/sfrec
cp "$TESTDATA/bin/after.test" keep-sym/tmp/sfrec/before.test
cp "$TESTDATA/bin/before.test" keep-old.test
"$SYSFLAME" top "$TESTDATA/rec/before-1.data" --symfs keep-sym --binary keep-old.test > keep-got.txt
"$SYSFLAME" top -q "$TESTDATA/rec/before-1.data" --binary "$TESTDATA/bin/before.test" > keep-want.txt
cmp keep-want.txt keep-got.txt && echo "the same tables as with before.test"
