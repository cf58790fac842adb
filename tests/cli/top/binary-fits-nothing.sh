# A --binary that serves no mapping while a recorded binary is missing:
# exit 2, naming the binaries it could be meant for.  before.test has
# neither the name nor the layout of oracle.test.
"$SYSFLAME" top "$TESTDATA/rec/go-oracle.data" --binary "$TESTDATA/bin/before.test"
echo "exit $?" >&2
# after.test's copy has the same size and layout as before.test: it fits
# the mapping by content, but the samples do not unwind through its code
# (return addresses that follow no call): refused too.
"$SYSFLAME" top "$TESTDATA/rec/before-1.data" --binary "$TESTDATA/bin/after.test"
echo "exit $?" >&2
# every sampled binary found: an unused --binary is only a warning
"$SYSFLAME" top "$TESTDATA/rec/before-1.data" --binary "$TESTDATA/bin/before.test" \
    --binary "$TESTDATA/bin/oracle.test" > /dev/null
